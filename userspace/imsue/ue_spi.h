/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Our SPIs (spi_uc, spi_us) by arithmetic, so an inbound ESP packet names its
 * UE without a table: UE i owns the 8 SPIs base + 8i .. base + 8i + 7, four
 * slots of a pair. A new offer takes a slot no live set of the UE holds (at
 * most three sets live: new, old, temporary). @base is drawn at random per
 * process (two imsue in one namespace see each other's ESP: they rarely
 * overlap) and keeps every SPI at 256 or above (0..255 are reserved).
 */
#ifndef IMSUE_UE_SPI_H
#define IMSUE_UE_SPI_H

#include <stdbool.h>
#include <stdint.h>

#define UE_SPI_SLOTS  4
#define UE_SPI_PER_UE (2 * UE_SPI_SLOTS)
#define UE_SPI_FIRST  256u

/* The base for @n UEs from a random value @rnd: every SPI fits in 256..2^32-1. */
static inline uint32_t ue_spi_base(uint32_t rnd, uint32_t n)
{
	uint64_t room = (1ull << 32) - UE_SPI_FIRST - (uint64_t)n * UE_SPI_PER_UE;

	return UE_SPI_FIRST + (uint32_t)(room ? rnd % room : 0);
}

/* spi_uc (@us false) or spi_us (@us true) of UE @idx in slot @slot. */
static inline uint32_t ue_spi(uint32_t base, uint32_t idx, unsigned int slot, bool us)
{
	return base + idx * UE_SPI_PER_UE + (slot % UE_SPI_SLOTS) * 2 + (us ? 1 : 0);
}

/* The UE that owns @spi among @n: true and *idx, or false (not one of ours). */
static inline bool ue_spi_owner(uint32_t base, uint32_t n, uint32_t spi, uint32_t *idx)
{
	uint32_t off = spi - base; /* wraps below base: too big then */

	if (spi < base || off / UE_SPI_PER_UE >= n)
		return false;
	*idx = off / UE_SPI_PER_UE;
	return true;
}

#endif /* IMSUE_UE_SPI_H */
