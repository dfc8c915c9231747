/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reassembly of ESP that reached us as IPv4 or IPv6 fragments (RFC 791,
 * RFC 8200 4.5), before ESP processing (RFC 4303 3.4.1). The kernel has no
 * ESP state, so the classifier hands ESP fragments to the worker of their rx
 * queue, and the worker puts them together here.
 *
 * Bounded by construction: REASM_SLOTS datagrams in progress per worker
 * (each slot holds one whole datagram, allocated once at init), at most
 * REASM_PER_SOURCE of them from one source address, REASM_FRAGS_MAX
 * fragments per datagram, REASM_TIMEOUT_NS to complete. When every slot is
 * taken the one closest to its deadline is evicted. Overlapping fragments
 * abandon the datagram (RFC 5722; RFC 8200 4.5); an exact duplicate (same
 * offset, length and bytes) is dropped alone, as RFC 8200 4.5 allows. Every
 * refusal is counted by reason. Single-threaded: one per worker.
 */
#ifndef PCSCF_ESP_REASM_H
#define PCSCF_ESP_REASM_H

#include <stddef.h>
#include <stdint.h>
#include "pcscf_maps.h"

#define REASM_SLOTS	 16
#define REASM_PER_SOURCE 4
#define REASM_FRAGS_MAX	 64
#define REASM_TIMEOUT_NS (3ull * 1000000000ull)
#define REASM_HDR_MAX	 256   /* IPv4 header, or IPv6 header + unfragmentable part */
#define REASM_DATA_MAX	 65535 /* fragmentable bytes (an IPv6 payload length is 16 bits) */

struct reasm_stats {
	uint64_t frags;	     /* fragments taken */
	uint64_t done;	     /* datagrams completed */
	uint64_t duplicate;  /* exact duplicates dropped */
	uint64_t overlap;    /* datagrams abandoned: overlapping fragments (RFC 5722) */
	uint64_t timeout;    /* datagrams abandoned: not complete in time */
	uint64_t evicted;    /* datagrams abandoned: every slot taken */
	uint64_t per_source; /* fragments refused: the source has REASM_PER_SOURCE in progress */
	uint64_t too_many;   /* datagrams abandoned: more than REASM_FRAGS_MAX fragments */
	uint64_t too_big;    /* datagrams abandoned: longer than an IP packet can be */
	uint64_t malformed;  /* fragments refused: bad header, length not a multiple of 8, ... */
};

struct reasm_slot;

struct reasm {
	struct reasm_slot *slots; /* REASM_SLOTS */
	struct reasm_stats st;
};

/* A whole datagram: the IP packet (header fixed up) and what the first fragment's classifier saw.
 */
struct reasm_out {
	uint8_t *pkt; /* valid until the next reasm_add() */
	size_t len;
	uint32_t sa_slot, sa_generation;
};

int reasm_init(struct reasm *r);
void reasm_fini(struct reasm *r);
/*
 * One fragment: the IP packet at ip (len bytes, trailing link padding
 * allowed) with sa_slot/sa_generation from the classifier (meaningful on the
 * first fragment only). Returns 1 with *out when it completed a datagram, 0
 * when it is held, a negative errno when it was refused (counted).
 */
int reasm_add(struct reasm *r, const uint8_t *ip, size_t len, uint64_t now_ns, uint32_t sa_slot,
	      uint32_t sa_generation, struct reasm_out *out);
/* Abandons datagrams past their deadline (counted); reasm_add does it too. */
void reasm_expire(struct reasm *r, uint64_t now_ns);
/* Datagrams in progress (tests). */
unsigned int reasm_pending(const struct reasm *r);

#endif
