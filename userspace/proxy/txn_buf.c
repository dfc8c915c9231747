// SPDX-License-Identifier: GPL-2.0
/*
 * The copies transactions keep (the request as sent downstream, for
 * retransmission and for the CANCEL and ACK built from it; the last
 * response sent upstream, for request retransmissions; a REGISTER's
 * struct txn_reg). One anonymous mapping, reserved but not committed,
 * carved by a bump pointer into power-of-two blocks of 256 B .. 128 KiB;
 * a freed block goes on its size class's free list. Pages are touched only
 * when first carved, so resident memory follows the live transactions.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "proxy/txn.h"

#define GRAIN_SHIFT 8 /* 256 B: a ref is the block offset in grains, + 1 */
#define NCLASS	    10

struct blk {
	uint32_t cls, len;
	uint32_t next; /* free list */
	uint32_t pad;
};

int txn_buf_init(struct txn_bufs *b, size_t size)
{
	memset(b, 0, sizeof(*b));
	if (size > ((size_t)UINT32_MAX << GRAIN_SHIFT))
		size = (size_t)UINT32_MAX << GRAIN_SHIFT;
	b->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
			MAP_NORESERVE, -1, 0);
	if (b->base == MAP_FAILED) {
		b->base = NULL;
		return -ENOMEM;
	}
	b->size = size;
	return 0;
}

void txn_buf_fini(struct txn_bufs *b)
{
	if (b->base)
		munmap(b->base, b->size);
	memset(b, 0, sizeof(*b));
}

static struct blk *blk_of(struct txn_bufs *b, uint32_t ref)
{
	return (struct blk *)(b->base + ((size_t)(ref - 1) << GRAIN_SHIFT));
}

uint32_t txn_buf_put(struct txn_bufs *b, const void *data, size_t len)
{
	size_t need = len + sizeof(struct blk), bytes = (size_t)1 << GRAIN_SHIFT;
	unsigned int cls = 0;
	struct blk *k;
	uint32_t ref;

	while (bytes < need && cls < NCLASS - 1) {
		bytes <<= 1;
		cls++;
	}
	if (bytes < need || !b->base) {
		b->full++;
		return 0;
	}
	ref = b->free_head[cls];
	if (ref) {
		k = blk_of(b, ref);
		b->free_head[cls] = k->next;
	} else {
		if (b->top + bytes > b->size) {
			b->full++;
			return 0;
		}
		ref = (uint32_t)(b->top >> GRAIN_SHIFT) + 1;
		b->top += bytes;
		k = blk_of(b, ref);
	}
	k->cls = cls;
	k->len = (uint32_t)len;
	k->next = 0;
	memcpy(k + 1, data, len);
	return ref;
}

void *txn_buf_get(struct txn_bufs *b, uint32_t ref, size_t *len)
{
	struct blk *k;

	if (!ref)
		return NULL;
	k = blk_of(b, ref);
	if (len)
		*len = k->len;
	return k + 1;
}

void txn_buf_free(struct txn_bufs *b, uint32_t ref)
{
	struct blk *k;

	if (!ref)
		return;
	k = blk_of(b, ref);
	k->next = b->free_head[k->cls];
	b->free_head[k->cls] = ref;
}
