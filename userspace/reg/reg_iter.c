// SPDX-License-Identifier: GPL-2.0
/*
 * Row iteration for `pcscfctl sa list` / `reg list`: registration order, sets
 * T/N/O then a superseded one. The _from walks resume from a position the
 * caller keeps between chunks (streamed replies); a callback returning
 * non-zero stops the walk with *pos on the row it refused.
 */
#include "reg/reg_priv.h"

static void sa_ports(const struct reg_sa_set *s, enum reg_sa_which w, uint16_t *src, uint16_t *dst)
{
	switch (w) {
	case REG_SA_PS:
		*src = s->port_uc, *dst = s->port_ps;
		break;
	case REG_SA_UC:
		*src = s->port_ps, *dst = s->port_uc;
		break;
	case REG_SA_US:
		*src = s->port_pc, *dst = s->port_us;
		break;
	default:
		*src = s->port_us, *dst = s->port_pc;
		break;
	}
}

/* The roles T/N/O, then a superseded temporary set: it is live and in the map too. */
static int32_t set_at_row(const struct reg *r, unsigned int i)
{
	return i < 3 ? r->set[i] : r->superseded;
}

/* A row position: registration, then its 4 set rows, then the 4 SAs of each. */
#define ROWS_PER_REG (4 * REG_SA_COUNT)

int reg_sa_foreach_from(const struct reg_table *t, uint64_t now_ms, uint64_t *pos, reg_sa_cb cb,
			void *ctx)
{
	struct reg_sa_row row;
	int rc;

	/* Nothing lives at or above the high-water mark: a sparse table costs what it holds. */
	for (; *pos < (uint64_t)t->reg_hw * ROWS_PER_REG; ++*pos) {
		uint32_t ri = *pos / ROWS_PER_REG, i = *pos % ROWS_PER_REG / REG_SA_COUNT;
		enum reg_sa_which w = *pos % REG_SA_COUNT;
		const struct reg_sa_set *s;

		if (!t->regs[ri].live) {
			*pos = (uint64_t)ri * ROWS_PER_REG + ROWS_PER_REG - 1;
			continue;
		}
		s = reg_set_at(t, set_at_row(&t->regs[ri], i));
		if (!s) {
			*pos += REG_SA_COUNT - 1 - w;
			continue;
		}
		row.impi = t->regs[ri].impi;
		row.spi = s->spi[w];
		row.which = w;
		row.dir = reg_sa_inbound(w) ? "in" : "out";
		row.ue_addr = &s->ue_addr;
		row.our_addr = &s->our_addr;
		sa_ports(s, w, &row.src_port, &row.dst_port);
		row.state = reg_state_name(s->state);
		row.alg = s->alg;
		row.ealg = s->ealg;
		row.expires_in_ms = (int64_t)(s->expires_ms - now_ms);
		row.used = s->used;
		row.slot = reg_sa_slot(s, w);
		row.generation = s->generation;
		rc = cb(&row, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

int reg_foreach_from(const struct reg_table *t, uint64_t now_ms, uint64_t *pos, reg_cb cb,
		     void *ctx)
{
	struct reg_row row;
	int rc;

	for (; *pos < t->reg_hw; ++*pos) {
		if (!t->regs[*pos].live)
			continue;
		row.reg = &t->regs[*pos];
		row.expires_in_ms =
			row.reg->registered ? (int64_t)(row.reg->expires_ms - now_ms) : 0;
		row.n_sets = reg_nsets(row.reg);
		rc = cb(&row, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

int reg_sa_foreach(const struct reg_table *t, uint64_t now_ms, reg_sa_cb cb, void *ctx)
{
	uint64_t pos = 0;

	return reg_sa_foreach_from(t, now_ms, &pos, cb, ctx);
}

int reg_foreach(const struct reg_table *t, uint64_t now_ms, reg_cb cb, void *ctx)
{
	uint64_t pos = 0;

	return reg_foreach_from(t, now_ms, &pos, cb, ctx);
}

uint64_t reg_sa_pos_of(const struct reg_table *t, const struct reg *r)
{
	return (uint64_t)reg_index_of(t, r) * ROWS_PER_REG;
}

uint64_t reg_pos_of(const struct reg_table *t, const struct reg *r)
{
	return reg_index_of(t, r);
}
