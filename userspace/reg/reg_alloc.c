// SPDX-License-Identifier: GPL-2.0
/*
 * SPI and protected-port allocation. The policy (why ports are per UE and
 * next-fit, why SPIs carry a node id) is explained in reg.h.
 */
#include <errno.h>

#include "reg/reg_priv.h"

static uint32_t port_span(const struct reg_table *t)
{
	return (uint32_t)t->cfg.port_hi - t->cfg.port_lo + 1;
}

bool reg_port_is_used(const struct reg_table *t, uint16_t port)
{
	uint32_t b = port - t->cfg.port_lo;

	if (port < t->cfg.port_lo || port > t->cfg.port_hi)
		return false;
	return t->port_used[b / 64] >> (b % 64) & 1;
}

int reg_port_alloc(struct reg_table *t, uint16_t *port)
{
	uint32_t span = port_span(t), n, b;

	for (n = 0; n < span; n++) {
		b = (t->port_cursor + n) % span;
		if (t->port_used[b / 64] >> (b % 64) & 1)
			continue;
		t->port_used[b / 64] |= 1ull << (b % 64);
		t->port_cursor = (b + 1) % span;
		*port = t->cfg.port_lo + b;
		return 0;
	}
	return -EADDRINUSE;
}

int reg_port_claim(struct reg_table *t, uint16_t port)
{
	uint32_t b = port - t->cfg.port_lo;

	if (port < t->cfg.port_lo || port > t->cfg.port_hi)
		return -EINVAL;
	if (reg_port_is_used(t, port))
		return -EEXIST;
	t->port_used[b / 64] |= 1ull << (b % 64);
	/* Resume next-fit after the restored ports, as if they had just been handed out. */
	if (b + 1 > t->port_cursor)
		t->port_cursor = (b + 1) % port_span(t);
	return 0;
}

void reg_port_free(struct reg_table *t, uint16_t port)
{
	uint32_t b = port - t->cfg.port_lo;

	if (port < t->cfg.port_lo || port > t->cfg.port_hi)
		return;
	t->port_used[b / 64] &= ~(1ull << (b % 64));
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
