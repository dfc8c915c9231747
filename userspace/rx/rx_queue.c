// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "rx/rx_queue.h"

#define SEQ(q, i)  ((_Atomic uint32_t *)((q)->cells + (size_t)((i) & (q)->mask) * (q)->stride))
#define DATA(q, i) ((q)->cells + (size_t)((i) & (q)->mask) * (q)->stride + 64)

int rx_queue_init(struct rx_queue *q, uint32_t cap, size_t item)
{
	uint32_t n = 2;

	memset(q, 0, sizeof(*q));
	while (n < cap && n < (1u << 20))
		n <<= 1;
	q->item = item;
	q->stride = 64 + ((item + 63) & ~(size_t)63); /* seq on its own cache line */
	q->mask = n - 1;
	q->cells = aligned_alloc(64, q->stride * n);
	if (!q->cells)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		atomic_init(SEQ(q, i), i);
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->efd < 0) {
		free(q->cells);
		q->cells = NULL;
		return -errno;
	}
	return 0;
}

void rx_queue_fini(struct rx_queue *q)
{
	if (q->efd >= 0 && q->cells)
		close(q->efd);
	free(q->cells);
	q->cells = NULL;
	q->efd = -1;
}

int rx_queue_push(struct rx_queue *q, const void *item)
{
	uint32_t pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint64_t one = 1;

	for (;;) {
		uint32_t seq = atomic_load_explicit(SEQ(q, pos), memory_order_acquire);
		int32_t dif = (int32_t)(seq - pos);

		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(&q->tail, &pos, pos + 1,
								  memory_order_relaxed,
								  memory_order_relaxed))
				break;
		} else if (dif < 0) {
			return -ENOSPC;
		} else {
			pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
		}
	}
	memcpy(DATA(q, pos), item, q->item);
	atomic_store_explicit(SEQ(q, pos), pos + 1, memory_order_release);
	if (write(q->efd, &one, sizeof(one)) < 0) {
		/* the counter is full: the consumer has a wake-up pending anyway */
	}
	return 0;
}

bool rx_queue_pop(struct rx_queue *q, void *item)
{
	uint32_t pos = atomic_load_explicit(&q->head, memory_order_relaxed);

	for (;;) {
		uint32_t seq = atomic_load_explicit(SEQ(q, pos), memory_order_acquire);
		int32_t dif = (int32_t)(seq - (pos + 1));

		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(&q->head, &pos, pos + 1,
								  memory_order_relaxed,
								  memory_order_relaxed))
				break;
		} else if (dif < 0) {
			return false;
		} else {
			pos = atomic_load_explicit(&q->head, memory_order_relaxed);
		}
	}
	memcpy(item, DATA(q, pos), q->item);
	atomic_store_explicit(SEQ(q, pos), pos + q->mask + 1, memory_order_release);
	return true;
}

void rx_queue_ack(struct rx_queue *q)
{
	uint64_t v;

	if (read(q->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing was signalled */
	}
}
