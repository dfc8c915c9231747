/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Token buckets for the unprotected SIP port (and fragments to us), in
 * thousandths of a token so that a rate of a few packets per second refills
 * smoothly.
 *
 * Per source: one bucket per source prefix (IPv4 /32, IPv6 /64 by default),
 * since a UE owns a whole /64 (TS 23.401 5.3.1.2.2) and could otherwise take
 * a fresh bucket for every address in it. A prefix seen for the first time
 * gets a small burst, not a full bucket: an attacker who cycles prefixes (or
 * evicts buckets from the LRU map) gains only that. Two CPUs updating one
 * bucket at once may lose an update; that costs at most a token, and avoids
 * a lock per packet.
 *
 * Aggregate: one budget for all sources together, shared by every CPU, so
 * that many sources each within their own rate still cannot flood the
 * signalling thread. Atomic adds keep it exact across CPUs.
 */
#ifndef PCSCF_BPF_RATELIMIT_H
#define PCSCF_BPF_RATELIMIT_H

#include "lib/maps.h"

#define NSEC_PER_SEC	 1000000000ULL
/* Longest idle time credited: with PCSCF_RL_RATE_MAX caps the product below. */
#define RL_MAX_IDLE_NS	 (10 * NSEC_PER_SEC)
/* The aggregate refills at most this often: fewer writes to its shared line. */
#define RL_AGG_TICK_NS	 (50 * 1000ULL)

/* Network-order mask of the first bits (0..64) of a 64-bit address word. */
static __always_inline __u64 mask64(int bits)
{
	if (bits <= 0)
		return 0;
	if (bits >= 64)
		return ~0ULL;
	return bpf_cpu_to_be64(~0ULL << (64 - bits));
}

/* The bucket key of a source: its address with the host bits cleared. */
static __always_inline void ratelimit_key(struct pcscf_addr *key, const struct pcscf_addr *saddr,
					  int family, const struct pcscf_config *cfg)
{
	const __u64 *s = (const __u64 *)saddr->a;
	__u64 *k = (__u64 *)key->a;
	int bits;

	if (family == 4)
		bits = 96 + (cfg->rl_prefix4 ? cfg->rl_prefix4 : PCSCF_DEF_RL_PREFIX4);
	else
		bits = cfg->rl_prefix6 ? cfg->rl_prefix6 : PCSCF_DEF_RL_PREFIX6;
	k[0] = s[0] & mask64(bits);
	k[1] = s[1] & mask64(bits - 64);
}

static __always_inline __u64 refill_milli(__u64 idle, __u32 rate)
{
	if (idle > RL_MAX_IDLE_NS)
		idle = RL_MAX_IDLE_NS;
	if (rate > PCSCF_RL_RATE_MAX)
		rate = PCSCF_RL_RATE_MAX;
	/* tokens_milli += idle_ns * rate / 1e9 * 1000 */
	return idle * rate / 1000000;
}

/* Returns 1 when a packet from the source with this key may go on, 0 when over. */
static __always_inline int ratelimit_allow(const struct pcscf_addr *key,
					   const struct pcscf_config *cfg, __u64 now)
{
	__u32 rate = cfg->rl_rate_pps ? cfg->rl_rate_pps : PCSCF_DEF_RL_RATE;
	__u32 burst = cfg->rl_burst ? cfg->rl_burst : PCSCF_DEF_RL_BURST;
	__u32 first = cfg->rl_new_burst ? cfg->rl_new_burst : PCSCF_DEF_RL_NEW_BURST;
	struct pcscf_bucket *b, nb;
	__u64 cap = (__u64)burst * 1000;
	__u64 idle, tokens;

	b = bpf_map_lookup_elem(&pcscf_ratelimit, key);
	if (!b) {
		if (first > burst)
			first = burst;
		nb.last_ns = now;
		nb.tokens_milli = first ? ((__u64)first - 1) * 1000 : 0;
		bpf_map_update_elem(&pcscf_ratelimit, key, &nb, BPF_ANY);
		return first > 0;
	}
	idle = now > b->last_ns ? now - b->last_ns : 0;
	tokens = b->tokens_milli + refill_milli(idle, rate);
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

/* The budget of all unprotected SIP: 1 when this packet fits in it, 0 when not. */
static __always_inline int aggregate_allow(const struct pcscf_config *cfg, __u64 now)
{
	__u32 rate = cfg->agg_rate_pps ? cfg->agg_rate_pps : PCSCF_DEF_AGG_RATE;
	__s64 cap = (__s64)(cfg->agg_burst ? cfg->agg_burst : PCSCF_DEF_AGG_BURST) * 1000;
	struct pcscf_agg_bucket *b;
	__u32 zero = 0;
	__u64 last;
	__s64 old;

	b = bpf_map_lookup_elem(&pcscf_agg, &zero);
	if (!b)
		return 1;
	last = b->last_ns;
	if (!last) {
		/* First packet since load: start full, once. */
		if (__sync_val_compare_and_swap(&b->last_ns, 0, now) == 0)
			__sync_fetch_and_add(&b->tokens_milli, cap);
	} else if (now > last + RL_AGG_TICK_NS &&
		   __sync_val_compare_and_swap(&b->last_ns, last, now) == last) {
		/* Only the CPU that moved last_ns credits the idle time. */
		__s64 add = (__s64)refill_milli(now - last, rate);

		old = __sync_fetch_and_add(&b->tokens_milli, add);
		if (old + add > cap)
			__sync_fetch_and_add(&b->tokens_milli, cap - (old + add));
	}
	old = __sync_fetch_and_add(&b->tokens_milli, -1000);
	if (old >= 1000)
		return 1;
	__sync_fetch_and_add(&b->tokens_milli, 1000);
	return 0;
}

#endif
