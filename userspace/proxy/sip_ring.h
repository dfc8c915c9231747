/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Worker -> signalling thread hand-off: one single-producer single-consumer
 * ring per worker of fixed-size message slots, so a worker never waits on a
 * lock and never allocates. The worker writes the eventfd once per batch.
 *
 * A slot holds a datagram of one frame (SIP_MSG_MAX). A larger message (ESP
 * the worker reassembled from fragments, up to SIP_BIG_MAX) goes into the
 * ring's big area, a byte ring of SIP_RING_BIG bytes that the slot points
 * into (ext): records are taken and given back in slot order, so the area
 * needs no allocator, only a head the producer moves and a tail the consumer
 * moves when it releases a slot that holds one. Memory per worker stays
 * 1,024 small slots plus SIP_RING_BIG, not 1,024 x 64 KiB.
 */
#ifndef PCSCF_SIP_RING_H
#define PCSCF_SIP_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "pcscf_maps.h"

#define SIP_MSG_MAX   2000 /* UDP SIP through one frame; bigger goes through the big area */
#define SIP_RING_SIZE 1024 /* power of two */
#define SIP_BIG_MAX   65536 /* largest message through the big area */
#define SIP_RING_BIG  (4 * SIP_BIG_MAX) /* power of two, at least 2 x SIP_BIG_MAX */

struct sip_in {
	struct pcscf_addr src, dst;
	uint16_t sport, dport;
	uint32_t len;	   /* up to SIP_MSG_MAX in data; up to TCP_UE_MSG_MAX through ext */
	uint8_t protected; /* came inside ESP */
	uint8_t big;	   /* ring slot: ext is in the ring's big area, up to big_end */
	uint8_t pad[2];
	uint32_t big_end;  /* big: where the record ends in the area (a running count) */
	uint32_t spi;	   /* inbound SA, when protected */
	uint32_t slot, generation;
	int32_t conn;	   /* unprotected TCP connection it came on; -1: UDP */
	uint32_t conn_gen;
	/*
	 * The message is in data, or (larger than a ring slot) at ext: a TCP
	 * message the caller owns for the duration of the call, or a ring
	 * slot's record in the big area (big set), given back at release.
	 */
	const char *ext;
	char data[SIP_MSG_MAX];
};

static inline const char *sip_in_bytes(const struct sip_in *m)
{
	return m->ext ? m->ext : m->data;
}

struct sip_ring {
	_Atomic uint32_t head; /* written by the producer */
	uint32_t pad1[15];
	_Atomic uint32_t tail; /* written by the consumer */
	uint32_t pad2[15];
	_Atomic uint32_t big_tail; /* written by the consumer: area bytes given back */
	uint32_t pad3[15];
	uint64_t dropped_full; /* producer side */
	uint64_t dropped_big;  /* producer side: the big area had no room */
	uint32_t big_head;     /* producer only: area bytes taken */
	int efd;
	struct sip_in slots[SIP_RING_SIZE];
	char big_area[SIP_RING_BIG];
};

int sip_ring_init(struct sip_ring *r);
void sip_ring_fini(struct sip_ring *r);

/* Producer: a slot to fill, or NULL when full (counted). */
static inline struct sip_in *sip_ring_reserve(struct sip_ring *r)
{
	uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (h - t >= SIP_RING_SIZE) {
		r->dropped_full++;
		return NULL;
	}
	return &r->slots[h & (SIP_RING_SIZE - 1)];
}

/*
 * Producer, after sip_ring_reserve() gave m: room for len bytes (at most
 * SIP_BIG_MAX) in the big area, m->ext pointing there, or NULL when the area
 * is full (counted). A record never wraps: when the end of the area is too
 * close it starts again at the beginning, and the gap is given back with it.
 */
static inline char *sip_ring_reserve_big(struct sip_ring *r, struct sip_in *m, uint32_t len)
{
	uint32_t tail = atomic_load_explicit(&r->big_tail, memory_order_acquire);
	uint32_t pos = r->big_head, off = pos & (SIP_RING_BIG - 1);

	if (len > SIP_BIG_MAX) {
		r->dropped_big++;
		return NULL;
	}
	if (off + len > SIP_RING_BIG)
		pos += SIP_RING_BIG - off;
	if (pos + len - tail > SIP_RING_BIG) {
		r->dropped_big++;
		return NULL;
	}
	m->big = 1;
	m->big_end = pos + len;
	m->ext = &r->big_area[pos & (SIP_RING_BIG - 1)];
	return (char *)m->ext;
}

/* Producer: the slot m had no big record (ring slots are reused: clear what a last use set). */
static inline void sip_ring_small(struct sip_in *m)
{
	m->big = 0;
	m->ext = NULL;
}

static inline void sip_ring_commit(struct sip_ring *r)
{
	uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	const struct sip_in *m = &r->slots[h & (SIP_RING_SIZE - 1)];

	if (m->big)
		r->big_head = m->big_end;
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
}

/* Wake the consumer (once per batch). */
void sip_ring_kick(struct sip_ring *r);

/* Consumer: next message or NULL; sip_ring_release() when done with it. */
static inline struct sip_in *sip_ring_peek(struct sip_ring *r)
{
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire);

	return h == t ? NULL : &r->slots[t & (SIP_RING_SIZE - 1)];
}

static inline void sip_ring_release(struct sip_ring *r)
{
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	const struct sip_in *m = &r->slots[t & (SIP_RING_SIZE - 1)];

	/* Records are released in the order they were taken: the tail moves past this one. */
	if (m->big)
		atomic_store_explicit(&r->big_tail, m->big_end, memory_order_release);

	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
}

/* Consumer: clear the eventfd before draining. */
void sip_ring_ack(struct sip_ring *r);

#endif
