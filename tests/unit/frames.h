/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Crafted frames for the classifier tests and benchmarks: Ethernet, an
 * optional 802.1Q tag, IPv4 (optionally with options) or IPv6 (optionally
 * with extension headers), then UDP, TCP, ESP or ICMP. Checksums are not
 * computed: the classifier never reads them.
 */
#ifndef TESTS_FRAMES_H
#define TESTS_FRAMES_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/tcp.h>

enum frame_l4 { F_UDP, F_TCP, F_ESP, F_ICMP, F_ARP };

struct frame_spec {
	int family;	     /* 4 or 6 */
	int vlan;	     /* one 802.1Q tag */
	int ip_opts;	     /* IPv4: 4-byte option words; IPv6: hop-by-hop + dest opts headers */
	int frag;	     /* IPv4 MF set / IPv6 fragment header with M: a first fragment */
	int frag_off;	     /* with frag: a later fragment, offset in 8-byte units */
	int atomic;	     /* IPv6 fragment header with offset 0 and M clear (RFC 6946) */
	enum frame_l4 l4;
	const char *src, *dst;
	uint16_t sport, dport;
	uint32_t spi;	     /* ESP */
	int payload;	     /* bytes after the transport header */
	/* F_ESP: the ESP packet itself (header, payload, ICV) instead of spi/payload */
	const uint8_t *raw;
	int raw_len;
};

/* Where frame_build() put the headers: what the classifier's metadata must say. */
struct frame_offs {
	int l3;	   /* IP header */
	int l4;	   /* transport / ESP header */
	int proto; /* the byte naming the transport: IPv4 protocol, last IPv6 next header */
};

/* Writes the frame into buf; returns its length and the header offsets in *o. */
static inline int frame_build_offs(const struct frame_spec *s, uint8_t *buf, size_t cap,
				   struct frame_offs *o)
{
	uint8_t *p = buf;
	uint16_t proto;
	int l4len, i;
	uint8_t l4p;

	memset(buf, 0, cap);
	memset(o, 0, sizeof(*o));
	memcpy(p, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	p += 12;
	if (s->vlan) {
		uint16_t tag[2] = { htons(ETH_P_8021Q), htons(100) };

		memcpy(p, tag, 4);
		p += 4;
	}
	proto = htons(s->l4 == F_ARP ? ETH_P_ARP : s->family == 4 ? ETH_P_IP : ETH_P_IPV6);
	memcpy(p, &proto, 2);
	p += 2;
	o->l3 = p - buf;
	if (s->l4 == F_ARP) {
		memset(p, 0, 28);
		return p + 28 - buf;
	}
	switch (s->l4) {
	case F_UDP:
		l4p = IPPROTO_UDP;
		l4len = 8;
		break;
	case F_TCP:
		l4p = IPPROTO_TCP;
		l4len = 20;
		break;
	case F_ESP:
		l4p = 50;
		l4len = s->raw ? s->raw_len : 8;
		break;
	default:
		l4p = s->family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		l4len = 8;
	}
	if (!s->raw)
		l4len += s->payload;
	if (s->family == 4) {
		/* Headers are built in aligned locals: frame offsets are not aligned. */
		struct iphdr ipb = {}, *ip = &ipb;
		int hl = 20 + 4 * s->ip_opts;

		ip->version = 4;
		ip->ihl = hl / 4;
		ip->tot_len = htons(hl + l4len);
		ip->ttl = 64;
		ip->protocol = l4p;
		if (s->frag)
			ip->frag_off = htons(0x2000 | s->frag_off);
		inet_pton(AF_INET, s->src, &ip->saddr);
		inet_pton(AF_INET, s->dst, &ip->daddr);
		memcpy(p, ip, sizeof(*ip));
		o->proto = p + offsetof(struct iphdr, protocol) - buf;
		for (i = 0; i < s->ip_opts; i++)
			memcpy(p + 20 + 4 * i, "\x01\x01\x01\x01", 4); /* NOPs */
		p += hl;
	} else {
		struct ipv6hdr ip6b = {}, *ip6 = &ip6b;
		uint8_t *hdr = p, *e;
		uint16_t plen;
		int ext = 0;

		ip6->version = 6;
		ip6->hop_limit = 64;
		inet_pton(AF_INET6, s->src, &ip6->saddr);
		inet_pton(AF_INET6, s->dst, &ip6->daddr);
		memcpy(hdr, ip6, sizeof(*ip6));
		p += sizeof(*ip6);
		e = hdr + offsetof(struct ipv6hdr, nexthdr);
		if (s->ip_opts) { /* hop-by-hop (8 bytes) then destination options (16 bytes) */
			*e = IPPROTO_HOPOPTS;
			p[1] = 0;
			e = p;
			p += 8;
			ext += 8;
			*e = IPPROTO_DSTOPTS;
			p[1] = 1;
			e = p;
			p += 16;
			ext += 16;
		}
		if (s->frag || s->atomic) {
			uint16_t fo = htons(s->atomic ? 0 : s->frag_off << 3 | 1); /* offset, M */

			*e = IPPROTO_FRAGMENT;
			e = p;
			memcpy(p + 2, &fo, 2);
			p += 8;
			ext += 8;
		}
		*e = l4p;
		o->proto = e - buf;
		plen = htons(ext + l4len);
		memcpy(hdr + offsetof(struct ipv6hdr, payload_len), &plen, 2);
	}
	o->l4 = p - buf;
	if (s->l4 == F_ESP && s->raw) {
		memcpy(p, s->raw, s->raw_len);
		return p + s->raw_len - buf;
	}
	if (s->l4 == F_UDP) {
		struct udphdr u = { .source = htons(s->sport), .dest = htons(s->dport),
				    .len = htons(l4len) };

		memcpy(p, &u, sizeof(u));
	} else if (s->l4 == F_TCP) {
		struct tcphdr t = { .source = htons(s->sport), .dest = htons(s->dport) };

		t.doff = 5;
		t.syn = 1;
		memcpy(p, &t, sizeof(t));
	} else if (s->l4 == F_ESP) {
		uint32_t w[2] = { htonl(s->spi), htonl(1) };

		memcpy(p, w, sizeof(w));
	}
	for (i = 0; i < s->payload; i++)
		p[l4len - s->payload + i] = 'A' + i % 26;
	return p + l4len - buf;
}

/* The same; l4_off gets the transport offset. */
static inline int frame_build(const struct frame_spec *s, uint8_t *buf, size_t cap, int *l4_off)
{
	struct frame_offs o;
	int len = frame_build_offs(s, buf, cap, &o);

	*l4_off = o.l4;
	return len;
}

#endif
