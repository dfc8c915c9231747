// SPDX-License-Identifier: GPL-2.0
/*
 * Every slot with a running timer sits once in a binary min-heap keyed by
 * its earliest deadline (struct txn due): a wake-up looks at the top only,
 * a timer change moves one entry O(log n). Slots know their heap position.
 */
#include "proxy/txn.h"

static uint64_t due_at(const struct txn_table *tt, uint32_t i)
{
	return tt->t[tt->heap[i] - 1].due;
}

static void put(struct txn_table *tt, uint32_t i, uint32_t ref)
{
	tt->heap[i] = ref;
	tt->t[ref - 1].heap_pos = i + 1;
	tt->work.heap_moves++;
}

static void sift_up(struct txn_table *tt, uint32_t i)
{
	uint32_t ref = tt->heap[i];
	uint64_t d = tt->t[ref - 1].due;

	while (i && due_at(tt, (i - 1) / 2) > d) {
		put(tt, i, tt->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	put(tt, i, ref);
}

static void sift_down(struct txn_table *tt, uint32_t i)
{
	uint32_t ref = tt->heap[i];
	uint64_t d = tt->t[ref - 1].due;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= tt->nheap)
			break;
		if (c + 1 < tt->nheap && due_at(tt, c + 1) < due_at(tt, c))
			c++;
		if (due_at(tt, c) >= d)
			break;
		put(tt, i, tt->heap[c]);
		i = c;
	}
	put(tt, i, ref);
}

void txn_heap_set(struct txn_table *tt, struct txn *t, uint64_t due)
{
	uint32_t ref = txn_ref(tt, t);

	if (!due) {
		uint32_t i;

		if (!t->heap_pos)
			return;
		i = t->heap_pos - 1;
		t->heap_pos = 0;
		t->due = 0;
		if (i == --tt->nheap)
			return;
		put(tt, i, tt->heap[tt->nheap]);
		sift_down(tt, i);
		sift_up(tt, tt->t[tt->heap[i] - 1].heap_pos - 1);
		return;
	}
	t->due = due;
	if (!t->heap_pos) {
		put(tt, tt->nheap++, ref);
		sift_up(tt, tt->nheap - 1);
		return;
	}
	sift_up(tt, t->heap_pos - 1);
	sift_down(tt, t->heap_pos - 1);
}

struct txn *txn_heap_top(struct txn_table *tt)
{
	return tt->nheap ? &tt->t[tt->heap[0] - 1] : NULL;
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

void txn_rearm(struct txn_table *tt, struct txn *t)
{
	uint64_t d = 0;

	d = earlier(d, t->c_retx_at);
	d = earlier(d, t->c_timeout_at);
	d = earlier(d, t->timer_c_at);
	d = earlier(d, t->s_retx_at);
	d = earlier(d, t->s_timeout_at);
	d = earlier(d, t->end_at);
	txn_heap_set(tt, t, d);
}
