// SPDX-License-Identifier: GPL-2.0
/*
 * Our SPIs name their entry of the classifier's SA array (reg_config
 * spi_slot_bits, as pcscfd sets it): the low PCSCF_SPI_SLOT_BITS bits of
 * spi_ps and spi_pc are reg_sa_map_index() of their set, never in the
 * reserved range, the node id stays in the top bits, a reused set gets SPIs
 * other than those of its last use (a stale SPI must not match the entry),
 * and a table that cannot fit its map index in the slot bits is refused.
 */
#include <errno.h>

#include "reg/reg.h"
#include "reg_populate.h"
#include "tap.h"

#define N 2000

static struct reg_config config(uint8_t node_bits, uint32_t node_id)
{
	return (struct reg_config){ .max_regs = N, .port_ps = 5100, .pc_lo = 5101, .pc_hi = 5105,
				    .node_bits = node_bits, .node_id = node_id,
				    .spi_slot_bits = PCSCF_SPI_SLOT_BITS };
}

static bool slots_ok(const struct reg_table *t, uint8_t node_bits, uint32_t node_id, int *bad)
{
	struct reg_config c = config(node_bits, node_id);
	char impi[64];

	*bad = 0;
	for (uint32_t i = 0; i < N; i++) {
		const struct reg *r;
		const struct reg_sa_set *s;

		pop_impi(impi, sizeof(impi), i);
		r = reg_find(t, impi);
		s = r ? reg_set_of(t, r, REG_SET_NEW) : NULL;
		if (!s) {
			(*bad)++;
			continue;
		}
		for (int w = 0; w < 2; w++) {
			enum reg_sa_which which = w ? REG_SA_PC : REG_SA_PS;
			uint32_t spi = s->spi[which];

			if ((spi & PCSCF_SPI_SLOT_MASK) != reg_sa_map_index(s, which) ||
			    spi <= REG_SPI_RESERVED_MAX ||
			    reg_sa_map_index(s, which) >= reg_sa_map_entries(&c) ||
			    /* the slot the classifier hands the worker */
			    pcscf_sa_key_slot(spi & PCSCF_SPI_SLOT_MASK) != reg_sa_slot(s, which) ||
			    (node_bits && spi >> (32 - node_bits) != node_id))
				(*bad)++;
		}
	}
	return !*bad;
}

static void test_layout(uint8_t node_bits, uint32_t node_id)
{
	struct reg_config cfg = config(node_bits, node_id);
	struct reg_table *t;
	uint32_t seed = 7, old_ps[8], old_pc[8], old_idx[8];
	char impi[64];
	int err = 0, bad = 0, reused = 0;

	if (reg_table_init(&t, &cfg, &pop_ops, &seed)) {
		TAP_CHECK(0, "node_bits %u: init", node_bits);
		return;
	}
	for (uint32_t i = 0; i < N && !err; i++)
		err = pop_register(t, i, 1000);
	TAP_CHECK(!err && slots_ok(t, node_bits, node_id, &bad),
		  "node_bits %u: %d UEs' SPIs carry their map index, node id on top (%d bad)",
		  node_bits, N, bad);
	/* The first eight UEs go and come back: their sets are reused. */
	for (uint32_t i = 0; i < 8; i++) {
		const struct reg_sa_set *s;

		pop_impi(impi, sizeof(impi), i);
		s = reg_set_of(t, reg_find(t, impi), REG_SET_NEW);
		old_idx[i] = s->index;
		old_ps[i] = s->spi[REG_SA_PS];
		old_pc[i] = s->spi[REG_SA_PC];
		reg_on_200_register(t, impi, 0, NULL, 0, NULL, 0, NULL, 2000);
		reg_on_dereg_response_sent(t, impi, 2000);
		reg_tick(t, 2000 + 60000);
	}
	for (uint32_t i = 0; i < 8 && !err; i++)
		err = pop_register(t, N + i, 70000);
	bad = 0;
	for (uint32_t i = 0; i < 8; i++) {
		const struct reg_sa_set *s;

		pop_impi(impi, sizeof(impi), N + i);
		s = reg_set_of(t, reg_find(t, impi), REG_SET_NEW);
		for (uint32_t j = 0; s && j < 8; j++) {
			bad += s->spi[REG_SA_PS] == old_ps[j] || s->spi[REG_SA_PC] == old_pc[j];
			reused += s->index == old_idx[j];
		}
		bad += !s;
	}
	TAP_CHECK(!err && !bad && reused == 8,
		  "node_bits %u: %d reused sets never hand out their old SPIs (%d)", node_bits,
		  reused, bad);
	reg_table_destroy(t);
}

int main(void)
{
	struct reg_config big = config(0, 0);
	struct reg_table *t;
	uint32_t seed = 1;

	test_layout(0, 0);
	test_layout(4, 0xa);
	test_layout(8, 0x5c);
	big.max_regs = 1400000; /* 3 sets each: 8.4 M entries > 2^23 */
	TAP_CHECK(reg_table_init(&t, &big, &pop_ops, &seed) == -E2BIG,
		  "a table whose map index outgrows the slot bits is refused");
	big.max_regs = 1000000;
	TAP_CHECK(reg_sa_map_entries(&big) <= 1u << PCSCF_SPI_SLOT_BITS,
		  "--max-regs 1000000 fits the slot bits (%u entries)", reg_sa_map_entries(&big));
	return tap_done();
}
