/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Worker -> signalling thread hand-off: one single-producer single-consumer
 * ring per worker of fixed-size message slots, so a worker never waits on a
 * lock and never allocates. The worker writes the eventfd once per batch.
 */
#ifndef PCSCF_SIP_RING_H
#define PCSCF_SIP_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "pcscf_maps.h"

#define SIP_MSG_MAX   2000 /* UDP SIP through one frame; bigger goes over TCP */
#define SIP_RING_SIZE 1024 /* power of two */

struct sip_in {
	struct pcscf_addr src, dst;
	uint16_t sport, dport;
	uint32_t len;	   /* up to SIP_MSG_MAX in data; up to TCP_UE_MSG_MAX through ext */
	uint8_t protected; /* came inside ESP */
	uint8_t pad[3];
	uint32_t spi;	   /* inbound SA, when protected */
	uint32_t slot, generation;
	int32_t conn;	   /* unprotected TCP connection it came on; -1: UDP */
	uint32_t conn_gen;
	/*
	 * The message is in data, or (a TCP message larger than a ring slot)
	 * at ext, which the caller owns for the duration of the call. Ring
	 * slots never set ext, so they stay the size of a UDP message.
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
	uint64_t dropped_full; /* producer side */
	int efd;
	struct sip_in slots[SIP_RING_SIZE];
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

static inline void sip_ring_commit(struct sip_ring *r)
{
	uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);

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

	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
}

/* Consumer: clear the eventfd before draining. */
void sip_ring_ack(struct sip_ring *r);

#endif
