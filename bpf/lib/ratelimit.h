/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-source token bucket for the unprotected SIP port. Tokens are kept in
 * thousandths so that a rate of a few packets per second refills smoothly.
 * Two CPUs updating one bucket at once may lose an update; that costs at
 * most a token, and avoids a lock per packet.
 */
#ifndef PCSCF_BPF_RATELIMIT_H
#define PCSCF_BPF_RATELIMIT_H

#include "lib/maps.h"

#define NSEC_PER_SEC	 1000000000ULL
/* Longest idle time credited: caps the multiplication below. */
#define RL_MAX_IDLE_NS	 (10 * NSEC_PER_SEC)

/* Returns 1 when the packet from saddr may go on, 0 when over the limit. */
static __always_inline int ratelimit_allow(const struct pcscf_addr *saddr, __u32 rate,
					   __u32 burst, __u64 now)
{
	struct pcscf_bucket *b, nb;
	__u64 cap = (__u64)burst * 1000;
	__u64 idle, tokens;

	b = bpf_map_lookup_elem(&pcscf_ratelimit, saddr);
	if (!b) {
		nb.last_ns = now;
		nb.tokens_milli = cap > 1000 ? cap - 1000 : 0;
		bpf_map_update_elem(&pcscf_ratelimit, saddr, &nb, BPF_ANY);
		return burst > 0;
	}
	idle = now > b->last_ns ? now - b->last_ns : 0;
	if (idle > RL_MAX_IDLE_NS)
		idle = RL_MAX_IDLE_NS;
	/* tokens_milli += idle_ns * rate / 1e9 * 1000 */
	tokens = b->tokens_milli + idle * rate / 1000000;
	if (tokens > cap)
		tokens = cap;
	b->last_ns = now;
	if (tokens < 1000) {
		b->tokens_milli = tokens;
		return 0;
	}
	b->tokens_milli = tokens - 1000;
	return 1;
}

#endif
