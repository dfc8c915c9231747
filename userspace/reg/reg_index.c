// SPDX-License-Identifier: GPL-2.0
/* The open-addressing index behind the IMPI and SPI lookups. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reg/reg_priv.h"

int reg_index_init(struct reg_index *idx, uint32_t entries,
		   uint32_t (*key_hash)(const struct reg_table *, uint32_t))
{
	uint64_t size = 16;

	/* At most half full: probe chains stay short and add can never fail. */
	while (size < 2 * (uint64_t)entries)
		size <<= 1;
	if (size > (1ull << 31))
		return -E2BIG;
	idx->v = calloc(size, sizeof(*idx->v));
	if (!idx->v)
		return -ENOMEM;
	idx->mask = size - 1;
	idx->count = 0;
	idx->key_hash = key_hash;
	return 0;
}

void reg_index_free(struct reg_index *idx)
{
	free(idx->v);
	idx->v = NULL;
}

void reg_index_clear(struct reg_index *idx)
{
	memset(idx->v, 0, ((size_t)idx->mask + 1) * sizeof(*idx->v));
	idx->count = 0;
}

int reg_index_add(const struct reg_table *t, struct reg_index *idx, uint32_t hash, uint32_t val)
{
	uint32_t i = hash & idx->mask;

	if (idx->count >= idx->mask)
		return -ENOSPC;
	while (idx->v[i])
		i = (i + 1) & idx->mask;
	idx->v[i] = val + 1;
	idx->count++;
	return 0;
}

void reg_index_del(const struct reg_table *t, struct reg_index *idx, uint32_t hash, uint32_t val)
{
	uint32_t i = hash & idx->mask, j, k;

	while (idx->v[i] && idx->v[i] != val + 1)
		i = (i + 1) & idx->mask;
	if (!idx->v[i])
		return;
	/*
	 * Backward shift: pull later entries of the run into the hole unless
	 * their home bucket lies cyclically in (i, j], where they must stay.
	 */
	for (j = (i + 1) & idx->mask; idx->v[j]; j = (j + 1) & idx->mask) {
		k = idx->key_hash(t, idx->v[j] - 1) & idx->mask;
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		idx->v[i] = idx->v[j];
		i = j;
	}
	idx->v[i] = 0;
	idx->count--;
}

/* FNV-1a with a seed and a final avalanche: cheap, and seeded for hostile names. */
uint32_t reg_hash_str(uint32_t seed, const char *s)
{
	uint32_t h = 2166136261u ^ seed;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

uint32_t reg_hash_spi(uint32_t spi)
{
	/* Our SPIs are random already; the multiply only spreads the low bits. */
	return spi * 0x9e3779b1u;
}

uint32_t reg_key_impi(const struct reg_table *t, uint32_t ri)
{
	return reg_hash_str(t->seed, t->regs[ri].impi);
}

uint32_t reg_key_spi(const struct reg_table *t, uint32_t slot)
{
	return reg_hash_spi(t->sets[slot / REG_SA_COUNT].spi[slot % REG_SA_COUNT]);
}
