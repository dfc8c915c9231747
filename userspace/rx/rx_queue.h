/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A bounded multi-producer multi-consumer queue of fixed-size items (the
 * sequence-numbered ring of D. Vyukov): producers and consumers each claim a
 * cell with one compare-and-swap, no lock, no allocation after init. An
 * eventfd tells the consumer there is something to take.
 */
#ifndef PCSCF_RX_QUEUE_H
#define PCSCF_RX_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rx_queue {
	unsigned char *cells; /* cap cells of (seq, item) */
	size_t item, stride;
	uint32_t mask;
	_Alignas(64) _Atomic uint32_t head; /* next to take */
	_Alignas(64) _Atomic uint32_t tail; /* next to fill */
	int efd;
};

/* cap is rounded up to a power of two. */
int rx_queue_init(struct rx_queue *q, uint32_t cap, size_t item);
void rx_queue_fini(struct rx_queue *q);
/* Copies item in; -ENOSPC when full. Wakes the eventfd. */
int rx_queue_push(struct rx_queue *q, const void *item);
/* Copies the oldest item out; false when empty. */
bool rx_queue_pop(struct rx_queue *q, void *item);
/* Clears the eventfd (before draining, so a push after it wakes again). */
void rx_queue_ack(struct rx_queue *q);

#endif
