// SPDX-License-Identifier: GPL-2.0
/*
 * SPI and protected-port allocation. The policy (why the protected ports
 * are shared, why SPIs carry a node id) is explained in reg.h.
 */
#include <errno.h>

#include "reg/reg_priv.h"

static uint32_t pool_span(const struct reg_table *t)
{
	return (uint32_t)t->cfg.pc_hi - t->cfg.pc_lo + 1;
}

bool reg_pc_in_pool(const struct reg_table *t, uint16_t port)
{
	return port >= t->cfg.pc_lo && port <= t->cfg.pc_hi;
}

static uint16_t set_pc(const struct reg_table *t, int32_t si)
{
	return si < 0 ? 0 : t->sets[si].port_pc;
}

/*
 * port_pc for a new set of r: the next pool port after the last one handed
 * out (to any UE) that none of r's established sets (NEW, OLD) holds, so a
 * re-authentication moves to another client port (33.203 7.4). With a pool
 * of two and both NEW and OLD live, the port of OLD is taken (OLD goes at
 * the 200 anyway); with a pool of one, the one port is reused.
 */
uint16_t reg_pc_pick(struct reg_table *t, const struct reg *r)
{
	uint16_t cur = set_pc(t, r->set[REG_SET_NEW - 1]), old = set_pc(t, r->set[REG_SET_OLD - 1]);
	uint32_t span = pool_span(t), n, b, pick = t->pc_cursor % span;
	bool found = false;

	for (int pass = 0; pass < 2 && !found; pass++)
		for (n = 0; n < span && !found; n++) {
			b = (t->pc_cursor + n) % span;
			if (t->cfg.pc_lo + b == cur || (!pass && t->cfg.pc_lo + b == old))
				continue;
			pick = b;
			found = true;
		}
	t->pc_cursor = (pick + 1) % span;
	return t->cfg.pc_lo + pick;
}

static bool spi_live(const struct reg_table *t, uint32_t spi)
{
	uint32_t pos = reg_hash_spi(spi) & t->by_spi.mask;
	int64_t slot;

	while ((slot = reg_index_scan(&t->by_spi, &pos)) >= 0)
		if (t->sets[slot / REG_SA_COUNT].spi[slot % REG_SA_COUNT] == spi)
			return true;
	return false;
}

/* Usable as one of our inbound SPIs: right node, not reserved, not live. */
bool reg_spi_ok(const struct reg_table *t, uint32_t spi)
{
	if (spi <= REG_SPI_RESERVED_MAX)
		return false;
	if (t->cfg.node_bits && spi >> (32 - t->cfg.node_bits) != t->cfg.node_id)
		return false;
	return !spi_live(t, spi);
}

/*
 * `avoid` is the SPI drawn just before for the same set: not indexed yet,
 * but the two inbound SAs of a set must differ too.
 */
int reg_spi_alloc(struct reg_table *t, uint32_t avoid, uint32_t *spi)
{
	uint32_t tries = t->cfg.spi_tries, r, s;
	uint32_t low_mask = t->cfg.node_bits ? (1u << (32 - t->cfg.node_bits)) - 1 : UINT32_MAX;
	uint32_t high = t->cfg.node_bits ? t->cfg.node_id << (32 - t->cfg.node_bits) : 0;

	if (t->cfg.spi_slot_bits)
		return -EINVAL; /* reg_spi_slot() */

	while (tries--) {
		r = t->ops->random_u32(t->ops_ctx);
		s = high | (r & low_mask);
		if (s == avoid || !reg_spi_ok(t, s))
			continue;
		*spi = s;
		return 0;
	}
	return -EAGAIN;
}

/*
 * With spi_slot_bits: node id | tag | map index. The tag is the set's
 * generation plus a per-table random offset, so each reuse of an entry
 * changes its SPI (the classifier compares the whole SPI, a stale one finds
 * another there) and SPIs differ from one start to the next. Unique among
 * live SAs by construction: the index is.
 */
uint32_t reg_spi_slot(const struct reg_table *t, const struct reg_sa_set *s,
		      enum reg_sa_which which)
{
	unsigned int sb = t->cfg.spi_slot_bits, tb = 32 - sb - t->cfg.node_bits;
	uint32_t tag = (s->generation + t->spi_tag_base) & ((1u << tb) - 1);
	uint32_t high = t->cfg.node_bits ? t->cfg.node_id << (32 - t->cfg.node_bits) : 0;

	return high | tag << sb | reg_sa_map_index(s, which);
}

bool reg_spi_slot_ok(const struct reg_table *t, const struct reg_sa_set *s,
		     enum reg_sa_which which, uint32_t spi)
{
	uint32_t mask = (1u << t->cfg.spi_slot_bits) - 1;

	return !t->cfg.spi_slot_bits || (spi & mask) == reg_sa_map_index(s, which);
}
