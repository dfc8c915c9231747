// SPDX-License-Identifier: GPL-2.0
/*
 * The queue between freeDiameter's threads and the signalling thread
 * (rx_queue.c): several producers against one consumer that drains on the
 * eventfd, as rx_dispatch does. Every item arrives once, each producer's in
 * order; a full queue refuses instead of overwriting. Also run under
 * ThreadSanitizer (make tsan).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rx/rx_queue.h"
#include "tap.h"

#define PRODUCERS    3
#define PER_PRODUCER 20000

struct item {
	uint32_t producer, seq;
	char pad[40]; /* an rx_evt is about this size */
};

static struct rx_queue q;

static void *producer(void *arg)
{
	struct item it = {.producer = (uint32_t)(uintptr_t)arg};

	for (uint32_t i = 0; i < PER_PRODUCER; i++) {
		it.seq = i;
		memset(it.pad, (int)i, sizeof(it.pad));
		while (rx_queue_push(&q, &it) == -ENOSPC)
			sched_yield();
	}
	return NULL;
}

int main(void)
{
	pthread_t t[PRODUCERS];
	uint32_t next[PRODUCERS] = {0};
	struct item it;
	bool order = true, intact = true;
	int got = 0, full;

	TAP_CHECK(!rx_queue_init(&q, 100, sizeof(struct item)) && q.mask == 127,
		  "capacity rounded up to a power of two");
	for (full = 0; full < 200 && !rx_queue_push(&q, &it); full++)
		;
	TAP_CHECK(full == 128 && rx_queue_push(&q, &it) == -ENOSPC,
		  "a full queue refuses (%d items held)", full);
	while (rx_queue_pop(&q, &it))
		;
	TAP_CHECK(!rx_queue_pop(&q, &it), "drained queue is empty");

	for (uintptr_t i = 0; i < PRODUCERS; i++)
		pthread_create(&t[i], NULL, producer, (void *)i);
	while (got < PRODUCERS * PER_PRODUCER) {
		struct pollfd p = {.fd = q.efd, .events = POLLIN};

		poll(&p, 1, 100);
		rx_queue_ack(&q);
		while (rx_queue_pop(&q, &it)) {
			if (it.producer >= PRODUCERS || it.seq != next[it.producer]) {
				order = false;
				break;
			}
			for (size_t k = 0; k < sizeof(it.pad); k++)
				if (it.pad[k] != (char)it.seq)
					intact = false;
			next[it.producer]++;
			got++;
		}
		if (!order)
			break;
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(t[i], NULL);
	TAP_CHECK(order && got == PRODUCERS * PER_PRODUCER,
		  "%d producers x %d items: each arrives once, in its producer's order (%d)",
		  PRODUCERS, PER_PRODUCER, got);
	TAP_CHECK(intact, "items arrive whole");
	rx_queue_fini(&q);
	printf("# %d passed, %d failed\n", tap_passed, tap_failed);
	return tap_failed != 0;
}
