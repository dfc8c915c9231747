// SPDX-License-Identifier: GPL-2.0
/*
 * Resumable row iteration for streamed `pcscfctl sa list` / `reg list`: the
 * same rows as reg_sa_foreach/reg_foreach (reg_iter.c), from a position the
 * caller keeps between chunks. A callback returning non-zero stops the walk
 * with *pos on the row it refused, so the next call starts with that row.
 */
#include "reg/reg_cursor.h"
#include "reg/reg_priv.h"

#define ROWS_PER_REG (3 * REG_SA_COUNT)

static void row_ports(const struct reg_sa_set *s, enum reg_sa_which w, uint16_t *src,
		      uint16_t *dst)
{
	/* Traffic of the SA: PS and US carry the UE's requests/answers to us. */
	bool in = reg_sa_inbound(w);
	uint16_t ue = w == REG_SA_PS || w == REG_SA_UC ? s->port_uc : s->port_us;
	uint16_t us = w == REG_SA_PS || w == REG_SA_UC ? s->port_ps : s->port_pc;

	*src = in ? ue : us;
	*dst = in ? us : ue;
}

int reg_sa_foreach_from(const struct reg_table *t, uint64_t now_ms, uint64_t *pos, reg_sa_cb cb,
			void *ctx)
{
	struct reg_sa_row row;
	int rc;

	for (; *pos < (uint64_t)t->cfg.max_regs * ROWS_PER_REG; ++*pos) {
		uint32_t ri = *pos / ROWS_PER_REG, i = *pos % ROWS_PER_REG / REG_SA_COUNT;
		enum reg_sa_which w = *pos % REG_SA_COUNT;
		const struct reg_sa_set *s;

		if (!t->regs[ri].live) {
			*pos = (uint64_t)ri * ROWS_PER_REG + ROWS_PER_REG - 1;
			continue;
		}
		s = reg_set_at(t, t->regs[ri].set[i]);
		if (!s)
			continue;
		row.impi = t->regs[ri].impi;
		row.spi = s->spi[w];
		row.which = w;
		row.dir = reg_sa_inbound(w) ? "in" : "out";
		row.ue_addr = &s->ue_addr;
		row.our_addr = &s->our_addr;
		row_ports(s, w, &row.src_port, &row.dst_port);
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

	for (; *pos < t->cfg.max_regs; ++*pos) {
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
