// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The P-CSCF classifier (TS 33.203 7.1 on the data plane).
 *
 * For frames to one of our addresses (pcscf_cfg.addrs):
 *   source that can never be a UE    -> drop (loopback, multicast, unspecified,
 *                                       ours, a core prefix, ...)
 *   UDP to the unprotected SIP port  -> per-source-prefix bucket, then the
 *                                       budget of all sources -> AF_XDP
 *   ESP for a live SA (pcscf_sa)     -> AF_XDP, SA slot in the frame metadata
 *                                       (pcscf_sa indexed by the SPI's low bits)
 *   ESP, unknown SPI                 -> drop (an SA that expired has no entry)
 *   UDP/TCP to a protected port      -> drop (unprotected on a protected port)
 *   IP fragment                      -> the same two buckets, then the kernel
 *                                       reassembles; a first fragment showing
 *                                       a protected port is dropped
 *   IP fragment of ESP               -> the same two buckets, then AF_XDP (the
 *                                       worker reassembles: the kernel has no
 *                                       ESP); the first one must show a live SA
 *   truncated or malformed headers   -> drop
 * Everything else goes to the kernel untouched (ARP, ICMP, ssh, TCP to the
 * SIP port, other addresses). Each verdict is counted in pcscf_stats.
 *
 * Fragments after the first carry no ports, so they cannot be judged by the
 * protected-port policy; they pass the buckets only. The kernel's reassembly
 * (the worker's, for ESP) drops overlapping fragments (RFC 5722), so a later
 * fragment cannot rewrite the ports or the SPI a first fragment showed.
 */
#include <linux/bpf.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "pcscf_maps.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/ratelimit.h"

#ifndef IPPROTO_ESP
#define IPPROTO_ESP 50
#endif

static __always_inline void count(enum pcscf_stat idx)
{
	__u32 key = 0;
	__u64 *st = bpf_map_lookup_elem(&pcscf_stats, &key);

	if (st && idx < PCSCF_STAT_MAX)
		st[idx]++;
}

static __always_inline int verdict(enum pcscf_stat idx, int action)
{
	count(idx);
	return action;
}

/*
 * Hand the frame to the AF_XDP socket of its rx queue with the metadata the
 * worker needs. An empty slot falls back to XDP_PASS (counted as no_worker).
 */
static __always_inline int to_worker(struct xdp_md *ctx, const struct pkt_info *pi,
				     enum pcscf_stat idx, __u8 kind, __u32 slot, __u32 gen)
{
	struct pcscf_xdp_meta *meta;
	void *data;
	long ret;

	/* Without metadata support the worker falls back to a map lookup. */
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)) == 0) {
		meta = (void *)(long)ctx->data_meta;
		data = (void *)(long)ctx->data;
		if ((void *)(meta + 1) <= data) {
			meta->sa_slot = slot;
			meta->sa_generation = gen;
			meta->l3_off = pi->l3_off;
			meta->l4_off = pi->l4 - data;
			meta->proto_off = (void *)pi->proto - data;
			meta->kind = kind;
			meta->family = pi->family;
			meta->magic = PCSCF_META_MAGIC;
		}
	}
	ret = bpf_redirect_map(&pcscf_xsks, ctx->rx_queue_index, XDP_PASS);
	if (ret != XDP_REDIRECT)
		return verdict(PCSCF_STAT_NO_WORKER, XDP_PASS);
	return verdict(idx, XDP_REDIRECT);
}

static __always_inline int addr_eq(const struct pcscf_addr *a, const struct pcscf_addr *b)
{
	const __u64 *x = (const __u64 *)a->a, *y = (const __u64 *)b->a;

	return x[0] == y[0] && x[1] == y[1];
}

static __always_inline int is_ours(const struct pcscf_config *cfg, const struct pcscf_addr *a)
{
	int i;

#pragma unroll
	for (i = 0; i < PCSCF_MAX_ADDRS; i++) {
		if (i >= cfg->n_addrs)
			return 0;
		if (addr_eq(a, &cfg->addrs[i]))
			return 1;
	}
	return 0;
}

static __always_inline int in_prefix(const struct pcscf_addr *a, const struct pcscf_prefix *p)
{
	const __u64 *x = (const __u64 *)a->a, *n = (const __u64 *)p->addr.a,
		    *m = (const __u64 *)p->mask.a;

	return (x[0] & m[0]) == n[0] && (x[1] & m[1]) == n[1];
}

/*
 * Sources no UE can have on the access network: unspecified, loopback,
 * multicast, IPv4 0/8 and 240/4 (reserved, with the limited broadcast), IPv6
 * sources in ::/96 or v4-mapped (RFC 4291 2.5.5: never on the wire; one would
 * share the bucket and identity of an IPv4 UE), our own addresses and the
 * core prefixes we were given. Link-local IPv6 passes: neighbour discovery
 * to our address comes from it.
 */
static __always_inline int never_ue(const struct pcscf_config *cfg, const struct pkt_info *pi)
{
	const __u8 *a = pi->saddr.a;
	const __u32 *w = (const __u32 *)a;
	int i;

	if (pi->family == 4) {
		if (a[12] == 0 || a[12] == 127 || a[12] >= 224)
			return 1;
	} else if (a[0] == 0xff) {
		return 1;
	} else if (!w[0] && !w[1] && (!w[2] || w[2] == bpf_htonl(0xffff))) {
		return 1;
	}
	if (is_ours(cfg, &pi->saddr))
		return 1;
#pragma unroll
	for (i = 0; i < PCSCF_MAX_CORE_PFX; i++) {
		if (i >= cfg->n_core)
			return 0;
		if (in_prefix(&pi->saddr, &cfg->core[i]))
			return 1;
	}
	return 0;
}

/*
 * The two buckets of unprotected traffic: the source prefix's own, then the
 * budget of all sources (only what passed the first draws on the second, so
 * one flooding source cannot spend the budget of the others). Returns the
 * counter that tells why the packet must go, or PCSCF_STAT_MAX to go on.
 */
static __always_inline enum pcscf_stat unprotected_budget(const struct pkt_info *pi,
							  const struct pcscf_config *cfg)
{
	__u64 now = bpf_ktime_get_coarse_ns();
	struct pcscf_addr key;

	ratelimit_key(&key, &pi->saddr, pi->family, cfg);
	if (!ratelimit_allow(&key, cfg, now))
		return PCSCF_STAT_RATE_LIMITED;
	if (!aggregate_allow(cfg, now))
		return PCSCF_STAT_AGG_LIMITED;
	return PCSCF_STAT_MAX;
}

static __always_inline int is_protected(const struct pcscf_config *cfg, __u16 port)
{
	return (cfg->prot_port_ps && port == cfg->prot_port_ps) ||
	       (cfg->prot_port_lo && port >= cfg->prot_port_lo && port <= cfg->prot_port_hi);
}

/*
 * The SA an ESP header names (SPI and sequence number must both be there,
 * RFC 4303 2): PCSCF_STAT_MAX with its slot, or the counter of why not. The
 * SPI's low bits index the array; the index's tag must be this very SPI's
 * bits above them (an empty index holds 0, a reused one its successor's). The
 * addresses and ports the SA is bound to are the worker's to check (before
 * the ICV, pcscf_maps.h): here only what keeps unknown SPIs off the rings.
 */
static __always_inline enum pcscf_stat live_sa(struct pkt_info *pi, void *end, __u32 *slot,
					       __u32 *gen)
{
	struct pcscf_sa_tags *sa;
	__be32 *esp = pi->l4;
	__u32 spi, idx, key;

	if ((void *)(esp + 2) > end)
		return PCSCF_STAT_MALFORMED;
	spi = bpf_ntohl(esp[0]);
	idx = spi & PCSCF_SPI_SLOT_MASK;
	key = idx / PCSCF_SA_PER_ELEM;
	sa = bpf_map_lookup_elem(&pcscf_sa, &key);
	/* indices below the base are never written: their tags are 0 */
	if (!sa || sa->tag[idx % PCSCF_SA_PER_ELEM] != pcscf_sa_tag(spi))
		return PCSCF_STAT_ESP_UNKNOWN_SPI;
	*slot = pcscf_sa_key_slot(idx);
	*gen = 0; /* the worker's: pcscf_xdp_meta */
	return PCSCF_STAT_MAX;
}

static __always_inline int classify_esp(struct xdp_md *ctx, struct pkt_info *pi, void *end,
					const struct pcscf_config *cfg)
{
	__u32 slot = 0, gen = 0;
	enum pcscf_stat why = live_sa(pi, end, &slot, &gen);

	if (why != PCSCF_STAT_MAX)
		return verdict(why, XDP_DROP);
	return to_worker(ctx, pi, PCSCF_STAT_ESP, PCSCF_META_ESP, slot, gen);
}

static __always_inline int classify_udp(struct xdp_md *ctx, struct pkt_info *pi, void *end,
					const struct pcscf_config *cfg)
{
	struct udphdr *udp = pi->l4;
	__u16 dport, sip_port;

	if ((void *)(udp + 1) > end || bpf_ntohs(udp->len) < sizeof(*udp))
		return verdict(PCSCF_STAT_MALFORMED, XDP_DROP);
	dport = bpf_ntohs(udp->dest);
	sip_port = cfg->sip_port ? cfg->sip_port : PCSCF_DEF_SIP_PORT;
	if (dport == sip_port) {
		enum pcscf_stat why = unprotected_budget(pi, cfg);

		if (why != PCSCF_STAT_MAX)
			return verdict(why, XDP_DROP);
		return to_worker(ctx, pi, PCSCF_STAT_SIP_UNPROTECTED, PCSCF_META_SIP, 0, 0);
	}
	if (is_protected(cfg, dport))
		return verdict(PCSCF_STAT_UNPROT_ON_PROT_PORT, XDP_DROP);
	return verdict(PCSCF_STAT_PASS, XDP_PASS);
}

static __always_inline int classify_tcp(struct pkt_info *pi, void *end,
					const struct pcscf_config *cfg)
{
	struct tcphdr *tcp = pi->l4;

	if ((void *)(tcp + 1) > end || tcp->doff < 5 || pi->l4 + tcp->doff * 4 > end)
		return verdict(PCSCF_STAT_MALFORMED, XDP_DROP);
	if (is_protected(cfg, bpf_ntohs(tcp->dest)))
		return verdict(PCSCF_STAT_UNPROT_ON_PROT_PORT, XDP_DROP);
	/* SIP over TCP on the unprotected port goes through the kernel's TCP. */
	return verdict(PCSCF_STAT_PASS, XDP_PASS);
}

/*
 * A fragment to us. The first one must hold the whole transport header (RFC
 * 7112; a tiny first fragment would hide the ports), or for ESP the SPI and
 * sequence number, and is held to the protected-port policy; every fragment
 * draws on the buckets, so large messages cannot step around them. ESP goes
 * to the worker, which reassembles it (the first fragment must name a live
 * SA, whose slot the metadata carries; the others carry none); everything
 * else to the kernel.
 */
static __always_inline int classify_fragment(struct xdp_md *ctx, struct pkt_info *pi, void *end,
					     const struct pcscf_config *cfg)
{
	__u32 slot = 0, gen = 0;
	enum pcscf_stat why;

	if (pi->frag_first && (pi->l4proto == IPPROTO_UDP || pi->l4proto == IPPROTO_TCP)) {
		struct udphdr *udp = pi->l4;
		int need =
			pi->l4proto == IPPROTO_UDP ? sizeof(struct udphdr) : sizeof(struct tcphdr);

		if (pi->l4 + need > end)
			return verdict(PCSCF_STAT_MALFORMED, XDP_DROP);
		/* UDP and TCP both start with the source and destination ports. */
		if (is_protected(cfg, bpf_ntohs(udp->dest)))
			return verdict(PCSCF_STAT_UNPROT_ON_PROT_PORT, XDP_DROP);
	}
	if (pi->frag_first && pi->l4proto == IPPROTO_ESP && pi->l4 + 8 > end)
		return verdict(PCSCF_STAT_MALFORMED, XDP_DROP);
	why = unprotected_budget(pi, cfg);
	if (why != PCSCF_STAT_MAX)
		return verdict(why, XDP_DROP);
	if (pi->l4proto != IPPROTO_ESP)
		return verdict(PCSCF_STAT_PASS_FRAGMENT, XDP_PASS);
	if (!pi->frag_first)
		return to_worker(ctx, pi, PCSCF_STAT_ESP_FRAGMENT, PCSCF_META_ESP_FRAG, 0, 0);
	why = live_sa(pi, end, &slot, &gen);
	if (why != PCSCF_STAT_MAX)
		return verdict(why, XDP_DROP);
	return to_worker(ctx, pi, PCSCF_STAT_ESP_FRAGMENT, PCSCF_META_ESP_FRAG, slot, gen);
}

SEC("xdp")
int pcscf_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct pcscf_config *cfg;
	struct pkt_info pi = {};
	__u32 zero = 0;
	int res;

	res = parse_frame(data, end, &pi);
	if (res == PARSE_NOT_IP)
		return verdict(PCSCF_STAT_PASS, XDP_PASS);
	if (res == PARSE_MALFORMED)
		return verdict(PCSCF_STAT_MALFORMED, XDP_DROP);
	cfg = bpf_map_lookup_elem(&pcscf_cfg, &zero);
	if (!cfg || !is_ours(cfg, &pi.daddr))
		return verdict(PCSCF_STAT_PASS, XDP_PASS);
	if (never_ue(cfg, &pi))
		return verdict(PCSCF_STAT_BAD_SOURCE, XDP_DROP);
	if (res == PARSE_FRAGMENT)
		return classify_fragment(ctx, &pi, end, cfg);
	switch (pi.l4proto) {
	case IPPROTO_ESP:
		return classify_esp(ctx, &pi, end, cfg);
	case IPPROTO_UDP:
		return classify_udp(ctx, &pi, end, cfg);
	case IPPROTO_TCP:
		return classify_tcp(&pi, end, cfg);
	default:
		return verdict(PCSCF_STAT_PASS, XDP_PASS);
	}
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
