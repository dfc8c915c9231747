/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Header parsing for the classifier: Ethernet (+ one 802.1Q/802.1ad tag),
 * IPv4 (with options) and IPv6 (with extension headers). Every step checks
 * the bounds before it reads; a header cut short returns PARSE_MALFORMED.
 *
 * An IPv6 atomic fragment (Fragment header with offset 0 and M clear, RFC
 * 6946) is a whole packet: it is walked like any other extension header. A
 * real fragment returns PARSE_FRAGMENT with frag_first telling whether it is
 * the first one, the only one that shows the transport header.
 */
#ifndef PCSCF_BPF_PARSE_H
#define PCSCF_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "pcscf_maps.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define IP_MF	  0x2000
#define IP_OFFSET 0x1FFF
#define IP6_MF	   0x0001
#define IP6_OFFSET 0xFFF8
/* Extension headers walked before giving up (bounded loop for the verifier). */
#define IPV6_EXT_MAX 6

enum parse_result {
	PARSE_OK,
	PARSE_NOT_IP,	 /* ARP, LLDP, ...: pass */
	PARSE_MALFORMED, /* drop, counted */
	PARSE_FRAGMENT,	 /* an IP fragment: the kernel reassembles */
};

struct pkt_info {
	struct pcscf_addr saddr;
	struct pcscf_addr daddr;
	void *l4;	/* start of the transport (or ESP) header */
	__u8 *proto;	/* the byte naming l4proto (IPv4 protocol, last next header) */
	__u16 l3_off;
	__u8 l4proto;
	__u8 family;	/* 4 or 6 */
	__u8 frag_first; /* PARSE_FRAGMENT: offset 0, the transport header is in this one */
};

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

static __always_inline void addr_from_v4(struct pcscf_addr *a, __be32 v4)
{
	__builtin_memset(a->a, 0, 10);
	a->a[10] = 0xff;
	a->a[11] = 0xff;
	__builtin_memcpy(&a->a[12], &v4, 4);
}

static __always_inline int parse_ipv4(void *nh, void *end, struct pkt_info *pi)
{
	struct iphdr *ip = nh;
	__u32 hlen;

	if ((void *)(ip + 1) > end)
		return PARSE_MALFORMED;
	if (ip->version != 4 || ip->ihl < 5)
		return PARSE_MALFORMED;
	hlen = ip->ihl * 4;
	if (nh + hlen > end || bpf_ntohs(ip->tot_len) < hlen)
		return PARSE_MALFORMED;
	addr_from_v4(&pi->saddr, ip->saddr);
	addr_from_v4(&pi->daddr, ip->daddr);
	pi->family = 4;
	pi->l4proto = ip->protocol;
	pi->proto = &ip->protocol;
	pi->l4 = nh + hlen;
	if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)) {
		pi->frag_first = !(ip->frag_off & bpf_htons(IP_OFFSET));
		return PARSE_FRAGMENT;
	}
	return PARSE_OK;
}

static __always_inline int parse_ipv6(void *nh, void *end, struct pkt_info *pi)
{
	struct ipv6hdr *ip6 = nh;
	void *pos = ip6 + 1;
	__u8 next;
	int i;

	if (pos > end)
		return PARSE_MALFORMED;
	if (ip6->version != 6)
		return PARSE_MALFORMED;
	__builtin_memcpy(pi->saddr.a, &ip6->saddr, 16);
	__builtin_memcpy(pi->daddr.a, &ip6->daddr, 16);
	pi->family = 6;
	next = ip6->nexthdr;
	pi->proto = &ip6->nexthdr;

#pragma unroll
	for (i = 0; i < IPV6_EXT_MAX; i++) {
		__u8 *ext = pos;

		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			/* next header, length in 8-octet units not counting the first 8 */
			if ((void *)(ext + 2) > end)
				return PARSE_MALFORMED;
			next = ext[0];
			pi->proto = ext;
			pos += (ext[1] + 1) * 8;
			if (pos > end)
				return PARSE_MALFORMED;
			break;
		case IPPROTO_FRAGMENT: {
			__u16 fo;

			if ((void *)(ext + 8) > end)
				return PARSE_MALFORMED;
			next = ext[0];
			pi->proto = ext;
			pos += 8;
			fo = (ext[2] << 8 | ext[3]) & (IP6_OFFSET | IP6_MF);
			if (!fo)
				break; /* atomic fragment: the whole packet */
			if (fo & IP6_OFFSET) {
				/* Past the first fragment there are no more headers to read. */
				pi->l4proto = next;
				pi->l4 = pos;
				return PARSE_FRAGMENT;
			}
			/* The first fragment holds the whole header chain (RFC 7112): walk on. */
			pi->frag_first = 1;
			break;
		}
		default:
			pi->l4proto = next;
			pi->l4 = pos;
			return pi->frag_first ? PARSE_FRAGMENT : PARSE_OK;
		}
	}
	/* More extension headers than we walk: not a shape we classify. */
	pi->l4proto = next;
	pi->l4 = pos;
	return PARSE_MALFORMED;
}

/* Parse from the Ethernet header up to the transport header. */
static __always_inline int parse_frame(void *data, void *end, struct pkt_info *pi)
{
	struct ethhdr *eth = data;
	void *nh = eth + 1;
	__u16 proto;

	if (nh > end)
		return PARSE_MALFORMED;
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vh = nh;

		if ((void *)(vh + 1) > end)
			return PARSE_MALFORMED;
		proto = vh->proto;
		nh = vh + 1;
	}
	pi->l3_off = nh - data;
	if (proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(nh, end, pi);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(nh, end, pi);
	return PARSE_NOT_IP;
}

#endif
