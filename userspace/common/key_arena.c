// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <sodium.h>

#include "common/key_arena.h"
#include "common/log.h"

static struct {
	pthread_mutex_t lock;
	uint8_t *map; /* guard page, blocks, guard page */
	size_t map_len;
	uint8_t *base;
	size_t blocks, hwm, in_use;
	uint32_t *next; /* free list by block index, kept outside the keys */
	uint32_t free_head;
	bool locked;
	size_t want;
} ka = { .lock = PTHREAD_MUTEX_INITIALIZER, .free_head = UINT32_MAX,
	 .want = KEY_ARENA_DEF_BLOCKS };

int key_arena_reserve(size_t nblocks)
{
	int rc = 0;

	if (!nblocks || nblocks >= UINT32_MAX)
		return -EINVAL;
	pthread_mutex_lock(&ka.lock);
	if (ka.map)
		rc = -EBUSY;
	else
		ka.want = nblocks;
	pthread_mutex_unlock(&ka.lock);
	return rc;
}

/* Called with the lock held. */
static int arena_map(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = (ka.want * KEY_ARENA_BLOCK + page - 1) & ~(page - 1);
	uint8_t *m;

	ka.next = calloc(ka.want, sizeof(*ka.next));
	if (!ka.next)
		return -ENOMEM;
	/* address space only: pages are committed, and locked, as blocks are used */
	m = mmap(NULL, len + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		 0);
	if (m == MAP_FAILED || mprotect(m + page, len, PROT_READ | PROT_WRITE)) {
		if (m != MAP_FAILED)
			munmap(m, len + 2 * page);
		free(ka.next);
		ka.next = NULL;
		return -ENOMEM;
	}
	/* no core dump carries the keys, and a fork()ed child sees zeros */
	madvise(m + page, len, MADV_DONTDUMP);
	madvise(m + page, len, MADV_WIPEONFORK);
	/*
	 * Locked on fault: one call for the whole range, no page committed before
	 * it is used. The raw syscall because the sanitizers turn mlock() calls
	 * into no-ops (they would lock their shadow memory).
	 */
	ka.locked = syscall(SYS_mlock2, m + page, len, MLOCK_ONFAULT) == 0;
	if (!ka.locked)
		pr_warn("key arena: mlock of %zu KiB failed (%s): SA keys may be swapped out",
			len >> 10, strerror(errno));
	ka.map = m;
	ka.map_len = len + 2 * page;
	ka.base = m + page;
	ka.blocks = ka.want;
	return 0;
}

void *key_arena_alloc(size_t size)
{
	uint8_t *p = NULL;
	size_t i;

	if (size > KEY_ARENA_BLOCK)
		return NULL;
	pthread_mutex_lock(&ka.lock);
	if (!ka.map && arena_map())
		goto out;
	if (ka.free_head != UINT32_MAX) {
		i = ka.free_head;
		ka.free_head = ka.next[i];
	} else if (ka.hwm < ka.blocks) {
		i = ka.hwm++;
	} else {
		goto out;
	}
	ka.in_use++;
	p = ka.base + i * KEY_ARENA_BLOCK; /* zero: fresh, or wiped when freed */
out:
	pthread_mutex_unlock(&ka.lock);
	return p;
}

void key_arena_free(void *ptr)
{
	uint8_t *p = ptr;
	size_t off;

	if (!p)
		return;
	off = (size_t)(p - ka.base);
	if (p < ka.base || off >= ka.blocks * KEY_ARENA_BLOCK || off % KEY_ARENA_BLOCK)
		abort(); /* not ours: a bug, as with free() */
	sodium_memzero(p, KEY_ARENA_BLOCK);
	pthread_mutex_lock(&ka.lock);
	ka.next[off / KEY_ARENA_BLOCK] = ka.free_head;
	ka.free_head = (uint32_t)(off / KEY_ARENA_BLOCK);
	ka.in_use--;
	pthread_mutex_unlock(&ka.lock);
}

void key_arena_info(struct key_arena_info *out)
{
	pthread_mutex_lock(&ka.lock);
	*out = (struct key_arena_info){
		.base = ka.base,
		.len = ka.blocks * KEY_ARENA_BLOCK,
		.blocks = ka.blocks,
		.in_use = ka.in_use,
		.locked = ka.locked,
	};
	pthread_mutex_unlock(&ka.lock);
}
