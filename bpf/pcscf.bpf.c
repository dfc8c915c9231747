// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The P-CSCF classifier (TS 33.203 7.1 on the data plane).
 *
 * For frames to one of our addresses (pcscf_cfg.addrs):
 *   UDP to the unprotected SIP port  -> per-source token bucket -> AF_XDP
 *   ESP for a live SA (pcscf_sa)     -> AF_XDP, SA slot in the frame metadata
 *   ESP, unknown SPI or expired SA   -> drop
 *   UDP/TCP to a protected port      -> drop (unprotected on a protected port)
 *   truncated or malformed headers   -> drop
 * Everything else goes to the kernel untouched (ARP, ICMP, ssh, TCP to the
 * SIP port, other addresses). Each verdict is counted in pcscf_stats.
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

static __always_inline int is_protected(const struct pcscf_config *cfg, __u16 port)
{
	return cfg->prot_port_lo && port >= cfg->prot_port_lo && port <= cfg->prot_port_hi;
}

static __always_inline int classify_esp(struct xdp_md *ctx, struct pkt_info *pi, void *end)
{
	struct pcscf_sa_key key = {};
	struct pcscf_sa_value *sa;
	__be32 *esp = pi->l4;

	/* SPI and sequence number must both be there (RFC 4303 2). */
	if ((void *)(esp + 2) > end)
		return verdict(PCSCF_STAT_MALFORMED, XDP_DROP);
	key.spi = esp[0];
	sa = bpf_map_lookup_elem(&pcscf_sa, &key);
	if (!sa || !addr_eq(&sa->daddr, &pi->daddr))
		return verdict(PCSCF_STAT_ESP_UNKNOWN_SPI, XDP_DROP);
	if (sa->expires_ns && sa->expires_ns <= bpf_ktime_get_coarse_ns())
		return verdict(PCSCF_STAT_ESP_EXPIRED, XDP_DROP);
	return to_worker(ctx, pi, PCSCF_STAT_ESP, PCSCF_META_ESP, sa->slot, sa->generation);
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
		__u32 rate = cfg->rl_rate_pps ? cfg->rl_rate_pps : PCSCF_DEF_RL_RATE;
		__u32 burst = cfg->rl_burst ? cfg->rl_burst : PCSCF_DEF_RL_BURST;

		if (!ratelimit_allow(&pi->saddr, rate, burst, bpf_ktime_get_coarse_ns()))
			return verdict(PCSCF_STAT_RATE_LIMITED, XDP_DROP);
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
	if (res == PARSE_FRAGMENT)
		return verdict(PCSCF_STAT_PASS_FRAGMENT, XDP_PASS);
	switch (pi.l4proto) {
	case IPPROTO_ESP:
		return classify_esp(ctx, &pi, end);
	case IPPROTO_UDP:
		return classify_udp(ctx, &pi, end, cfg);
	case IPPROTO_TCP:
		return classify_tcp(&pi, end, cfg);
	default:
		return verdict(PCSCF_STAT_PASS, XDP_PASS);
	}
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
