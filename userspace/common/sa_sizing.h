/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How much SA state --max-regs asks for: one place, so the registration
 * table, the workers' slot array, the key arena and the classifier's SA map
 * are sized by the same count (and a change of the map's layout elsewhere
 * leaves the sizing alone).
 *
 * A registration holds at most four SA sets at once: TEMPORARY (a challenge
 * in progress), NEW, OLD (the previous NEW until the new one is used) and
 * one superseded temporary set that a re-challenge's 401 still leaves
 * through (reg.h). Each set is four SAs, two of them inbound (PS, PC): only
 * inbound SAs have a classifier map entry and an SPI of ours.
 */
#ifndef PCSCF_SA_SIZING_H
#define PCSCF_SA_SIZING_H

#include <stdint.h>

#define SA_SETS_PER_REG	   4
#define SA_PER_SET	   4
#define SA_INBOUND_PER_SET 2
/*
 * Our SPIs are drawn at random and redrawn when live: with at most a quarter
 * of the SPI space live a draw fails with p <= 1/4, and the 64 tries of
 * reg_spi_alloc() all fail with p <= 2^-128.
 */
#define SA_SPI_SPACE_FACTOR 4
/* The largest classifier SA map we create (a BPF hash map's bucket array is allocated up front). */
#define SA_MAP_MAX_ENTRIES (1u << 24)

static inline uint32_t reg_sets_for(uint32_t max_regs)
{
	return SA_SETS_PER_REG * max_regs;
}

/*
 * Entries of the classifier's SA array (pcscf_sa): every inbound SA
 * --max-regs can hold, at the index its SPI names, after the first
 * SA_MAP_BASE entries that SPIs 0-255 (reserved, RFC 4303 2.1) would name.
 * Equal to reg_sa_map_entries() of a table of reg_sets_for(max_regs) sets.
 */
#define SA_MAP_BASE 256
static inline uint32_t sa_map_entries(uint32_t max_regs)
{
	return SA_MAP_BASE + SA_INBOUND_PER_SET * reg_sets_for(max_regs);
}

/* Slots of the workers' SA array (slot = set index * 4 + which). */
static inline uint64_t sa_slot_count(uint32_t max_regs)
{
	return (uint64_t)SA_PER_SET * reg_sets_for(max_regs);
}

/*
 * Our SPIs available with node_bits of node id on top: 2^(32 - bits), less
 * the reserved 0-255 (RFC 4303 2.1) in the block of node 0.
 */
static inline uint64_t spi_space(uint8_t node_bits, uint32_t node_id)
{
	uint64_t n = 1ull << (32 - node_bits);

	return node_id ? n : n - 256;
}

/* SPIs --max-regs needs so that random allocation stays cheap. */
static inline uint64_t spi_space_needed(uint32_t max_regs)
{
	return (uint64_t)SA_SPI_SPACE_FACTOR * sa_map_entries(max_regs);
}

#endif
