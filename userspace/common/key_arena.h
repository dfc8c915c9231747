/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One locked mapping for all SA key material (ESP keys, HMAC midstates).
 *
 * A per-SA sodium_malloc() costs three to four mappings (guard pages, the
 * mprotect split, the mlock): at a few thousand UEs the process runs into
 * vm.max_map_count. The arena is a single reservation sized from the maximum
 * SA count, with a guard page either side, locked on fault (never swapped),
 * excluded from core dumps and wiped in a forked child. Blocks are fixed
 * size; a freed block is wiped at once. The mapping count does not depend on
 * the number of SAs.
 *
 * Control path only (a mutex inside); nothing here runs per packet.
 */
#ifndef PCSCF_KEY_ARENA_H
#define PCSCF_KEY_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#define KEY_ARENA_BLOCK	      128   /* bytes per block, a multiple of the cache line */
#define KEY_ARENA_DEF_BLOCKS 65536 /* when nobody reserved before the first allocation */

/*
 * Sizes the arena for nblocks blocks. Call before the first key_arena_alloc();
 * -EBUSY once the arena is mapped (it keeps its size), -EINVAL for 0.
 */
int key_arena_reserve(size_t nblocks);
/* A zeroed block for size <= KEY_ARENA_BLOCK bytes; NULL when full or size too big. */
void *key_arena_alloc(size_t size);
/* Wipes the whole block and returns it; NULL is a no-op. */
void key_arena_free(void *p);

struct key_arena_info {
	const void *base; /* first block; NULL before the first allocation */
	size_t len;	  /* bytes reserved for blocks */
	size_t blocks, in_use;
	bool locked; /* mlock succeeded (else the keys may be swapped: logged once) */
};

void key_arena_info(struct key_arena_info *out);

#endif
