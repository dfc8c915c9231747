// SPDX-License-Identifier: GPL-2.0
/*
 * TCP inside ESP, the pure parts (tcp_sel.h): the table that finds the
 * outbound SA of a segment by its addresses and ports, and the parser of
 * what the TUN gives; then the inbound selector check a TCP segment meets in
 * the ESP engine before a worker may write it into the TUN (right ports and
 * addresses pass as a whole plain IP packet, anything else is refused and
 * counted). Tables, as the domain is.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sodium.h>

#include "tap.h"
#include "esp_test_util.h"
#include "proxy/tcp_sel.h"

static struct tcp_sel_key key(const char *ue, uint16_t ue_port, const char *our, uint16_t our_port)
{
	struct tcp_sel_key k = {};

	if (strchr(ue, ':')) {
		inet_pton(AF_INET6, ue, k.ue.a);
		inet_pton(AF_INET6, our, k.our.a);
	} else {
		k.ue.a[10] = k.ue.a[11] = k.our.a[10] = k.our.a[11] = 0xff;
		inet_pton(AF_INET, ue, k.ue.a + 12);
		inet_pton(AF_INET, our, k.our.a + 12);
	}
	k.ue_port = ue_port;
	k.our_port = our_port;
	return k;
}

static void table_cases(void)
{
	static const struct {
		const char *name, *ue, *our;
		uint16_t ue_port, our_port;
		uint32_t want; /* id, or TCP_SEL_NONE */
	} rows[] = {
		{"UC of set 0: exact key", "192.0.2.2", "192.0.2.1", 31100, 6100, 0},
		{"US of set 0: its own ports", "192.0.2.2", "192.0.2.1", 31101, 6101, 1},
		{"UE port of US with our port of UC", "192.0.2.2", "192.0.2.1", 31101, 6100,
		 TCP_SEL_NONE},
		{"another UE address", "192.0.2.3", "192.0.2.1", 31100, 6100, TCP_SEL_NONE},
		{"another of our addresses", "192.0.2.2", "192.0.2.9", 31100, 6100, TCP_SEL_NONE},
		{"another UE port", "192.0.2.2", "192.0.2.1", 31102, 6100, TCP_SEL_NONE},
		{"another of our ports", "192.0.2.2", "192.0.2.1", 31100, 6102, TCP_SEL_NONE},
		{"UE port and ours swapped", "192.0.2.2", "192.0.2.1", 6100, 31100, TCP_SEL_NONE},
		{"UE and our address swapped", "192.0.2.1", "192.0.2.2", 31100, 6100, TCP_SEL_NONE},
		{"IPv6 UC of set 1", "2001:db8:1::2", "2001:db8:1::1", 31100, 6100, 2},
		{"IPv6, another /128 in the UE's /64", "2001:db8:1::3", "2001:db8:1::1", 31100,
		 6100, TCP_SEL_NONE},
		{"a second UE behind the same address, own ports", "192.0.2.2", "192.0.2.1", 40000,
		 6100, 4},
	};
	struct tcp_sel t;
	struct tcp_sel_key k;
	uint32_t gen = 0, id;

	TAP_CHECK(!tcp_sel_init(&t, 16), "table of 16 ids");
	k = key("192.0.2.2", 31100, "192.0.2.1", 6100);
	tcp_sel_add(&t, 0, &k, 7);
	k = key("192.0.2.2", 31101, "192.0.2.1", 6101);
	tcp_sel_add(&t, 1, &k, 7);
	k = key("2001:db8:1::2", 31100, "2001:db8:1::1", 6100);
	tcp_sel_add(&t, 2, &k, 9);
	k = key("192.0.2.2", 40000, "192.0.2.1", 6100);
	tcp_sel_add(&t, 4, &k, 3);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		k = key(rows[i].ue, rows[i].ue_port, rows[i].our, rows[i].our_port);
		id = tcp_sel_find(&t, &k, &gen);
		TAP_CHECK(id == rows[i].want, "find: %s -> %d", rows[i].name, (int)id);
	}
	k = key("192.0.2.2", 31100, "192.0.2.1", 6100);
	TAP_CHECK(tcp_sel_find(&t, &k, &gen) == 0 && gen == 7, "the generation added comes back");
	/* A re-authentication that kept the UE's ports: the new set's SA is found first. */
	tcp_sel_add(&t, 6, &k, 8);
	TAP_CHECK(tcp_sel_find(&t, &k, &gen) == 6 && gen == 8, "same key twice: the newest found");
	tcp_sel_del(&t, 6);
	TAP_CHECK(tcp_sel_find(&t, &k, &gen) == 0 && gen == 7,
		  "newest gone: the older found again");
	tcp_sel_del(&t, 0);
	TAP_CHECK(tcp_sel_find(&t, &k, NULL) == TCP_SEL_NONE, "both gone: nothing");
	tcp_sel_del(&t, 0);
	TAP_CHECK(t.count == 3, "deleting what is not there changes nothing (3 left)");
	/* The same id added again under another key: only the new key finds it. */
	k = key("192.0.2.2", 31101, "192.0.2.1", 6101);
	struct tcp_sel_key k2 = key("192.0.2.5", 31101, "192.0.2.1", 6101);
	tcp_sel_add(&t, 1, &k2, 10);
	TAP_CHECK(tcp_sel_find(&t, &k, NULL) == TCP_SEL_NONE && tcp_sel_find(&t, &k2, &gen) == 1 &&
			  gen == 10 && t.count == 3,
		  "an id re-added (a reused set) leaves its old key");
	TAP_CHECK(tcp_sel_add(&t, 16, &k, 1) == -EINVAL, "an id out of range: -EINVAL");
	/* The "this UE spoke TCP" flag: on an entry, gone with a re-add, never on an absent id. */
	tcp_sel_mark(&t, 1);
	tcp_sel_mark(&t, 5);
	TAP_CHECK(tcp_sel_marked(&t, 1) && !tcp_sel_marked(&t, 2) && !tcp_sel_marked(&t, 5),
		  "mark: set on a present id only");
	tcp_sel_add(&t, 1, &k2, 11);
	TAP_CHECK(!tcp_sel_marked(&t, 1), "mark: cleared when the id is added again (a new set)");
	tcp_sel_fini(&t);
}

/* 60,000 SAs (10,000 registrations' worth): all found, chains short, none after delete. */
static void scale_case(void)
{
	enum { N = 60000 };
	struct tcp_sel t;
	struct tcp_sel_key k;
	uint32_t longest = 0, bad = 0;

	tcp_sel_init(&t, N);
	for (uint32_t i = 0; i < N; i++) {
		k = key("10.0.0.0", 6000 + i % 50000, "192.0.2.1", 6100 + i / 50000);
		k.ue.a[13] = (uint8_t)(i >> 8), k.ue.a[14] = (uint8_t)i;
		tcp_sel_add(&t, i, &k, i);
	}
	for (uint32_t b = 0; b <= t.mask; b++) {
		uint32_t n = 0;

		for (uint32_t l = t.bucket[b]; l; l = t.ent[l - 1].next)
			n++;
		longest = n > longest ? n : longest;
	}
	for (uint32_t i = 0; i < N; i++) {
		uint32_t gen;

		k = key("10.0.0.0", 6000 + i % 50000, "192.0.2.1", 6100 + i / 50000);
		k.ue.a[13] = (uint8_t)(i >> 8), k.ue.a[14] = (uint8_t)i;
		bad += tcp_sel_find(&t, &k, &gen) != i || gen != i;
		if (i % 2)
			tcp_sel_del(&t, i);
	}
	TAP_CHECK(!bad, "60,000 SAs: each found under its key");
	TAP_CHECK(longest <= 12, "longest chain %u (keyed hash, a bucket per entry)", longest);
	bad = 0;
	for (uint32_t i = 0; i < N; i++) {
		k = key("10.0.0.0", 6000 + i % 50000, "192.0.2.1", 6100 + i / 50000);
		k.ue.a[13] = (uint8_t)(i >> 8), k.ue.a[14] = (uint8_t)i;
		bad += (tcp_sel_find(&t, &k, NULL) == TCP_SEL_NONE) != (i % 2);
	}
	TAP_CHECK(!bad && t.count == N / 2, "half deleted: exactly the other half found");
	tcp_sel_fini(&t);
}

/* A TCP segment as the kernel writes it into the TUN: addresses, ports, flags, data. */
static size_t seg(uint8_t *b, int v6, uint16_t sport, uint16_t dport, size_t data)
{
	size_t hl = v6 ? 40 : 20, tot = hl + 20 + data;

	memset(b, 0, tot);
	if (v6) {
		b[0] = 0x60;
		b[4] = (uint8_t)((tot - 40) >> 8), b[5] = (uint8_t)(tot - 40);
		b[6] = IPPROTO_TCP, b[7] = 64;
		inet_pton(AF_INET6, "2001:db8:1::1", b + 8);
		inet_pton(AF_INET6, "2001:db8:1::2", b + 24);
	} else {
		b[0] = 0x45;
		b[2] = (uint8_t)(tot >> 8), b[3] = (uint8_t)tot;
		b[6] = 0x40; /* DF */
		b[8] = 64, b[9] = IPPROTO_TCP;
		inet_pton(AF_INET, "192.0.2.1", b + 12);
		inet_pton(AF_INET, "192.0.2.2", b + 16);
	}
	b[hl] = (uint8_t)(sport >> 8), b[hl + 1] = (uint8_t)sport;
	b[hl + 2] = (uint8_t)(dport >> 8), b[hl + 3] = (uint8_t)dport;
	b[hl + 12] = 5 << 4;
	b[hl + 13] = 0x18; /* PSH ACK */
	return tot;
}

static void parse_cases(void)
{
	static const struct {
		const char *name;
		int v6;
		int edit; /* which damage below */
		int want;
	} rows[] = {
		{"IPv4 TCP with data", 0, 0, 0},
		{"IPv6 TCP with data", 1, 0, 0},
		{"IPv4, 4 bytes past the IP length (read more than the packet)", 0, 1, 0},
		{"IPv4 read shorter than its total length", 0, 2, -EINVAL},
		{"IPv6 read shorter than its payload length", 1, 2, -EINVAL},
		{"IPv4 header length 16", 0, 3, -EINVAL},
		{"IPv4 total length under its header", 0, 4, -EINVAL},
		{"IPv4 UDP", 0, 5, -EPROTONOSUPPORT},
		{"IPv6 ICMPv6 (router solicitation)", 1, 5, -EPROTONOSUPPORT},
		{"IPv4 first fragment (MF)", 0, 6, -EPROTONOSUPPORT},
		{"IPv4 later fragment (offset)", 0, 7, -EPROTONOSUPPORT},
		{"TCP data offset 4 (under 20 bytes)", 0, 8, -EINVAL},
		{"TCP data offset past the packet", 1, 9, -EINVAL},
		{"TCP header cut (12 bytes of it)", 0, 10, -EINVAL},
		{"IP version 5", 0, 11, -EINVAL},
		{"empty read", 0, 12, -EINVAL},
		{"IPv6 with a hop-by-hop header", 1, 13, -EPROTONOSUPPORT},
	};
	uint8_t b[256];
	struct tcp_seg s;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int v6 = rows[i].v6, hl = v6 ? 40 : 20;
		size_t len = seg(b, v6, 6100, 31100, 10);
		int rc;

		switch (rows[i].edit) {
		case 1:
			len += 4;
			break;
		case 2:
			len -= 1;
			break;
		case 3:
			b[0] = 0x44;
			break;
		case 4:
			b[2] = 0, b[3] = 16;
			break;
		case 5:
			b[v6 ? 6 : 9] = v6 ? IPPROTO_ICMPV6 : IPPROTO_UDP;
			break;
		case 6:
			b[6] = 0x20;
			break;
		case 7:
			b[6] = 0x00, b[7] = 0xb9;
			break;
		case 8:
			b[hl + 12] = 4 << 4;
			break;
		case 9:
			b[hl + 12] = 15 << 4;
			break;
		case 10:
			len = hl + 12;
			if (v6)
				b[5] = 12;
			else
				b[3] = (uint8_t)len;
			break;
		case 11:
			b[0] = 0x55;
			break;
		case 12:
			len = 0;
			break;
		case 13:
			b[6] = 0;
			break;
		}
		rc = tcp_seg_parse(b, len, &s);
		TAP_CHECK(rc == rows[i].want, "parse: %s -> %d", rows[i].name, rc);
		if (!rc && !rows[i].want)
			TAP_CHECK(s.k.our_port == 6100 && s.k.ue_port == 31100 && s.l4_len == 30 &&
					  s.l4 == b + hl && s.flags == 0x18 &&
					  s.k.ue.a[15] == (v6 ? 2 : 2) && s.k.our.a[15] == 1 &&
					  (v6 || (s.k.ue.a[10] == 0xff && s.k.ue.a[11] == 0xff)),
				  "  ... source is ours, destination the UE's, ports, flags, "
				  "length 30");
	}
}

/*
 * Inbound: the UE's TCP segment through SA PS (UE port_uc 5062 -> our 5064 in
 * the fixtures). Sent on an SA of the same keys that would take any port, so
 * only the inbound SA's own check decides.
 */
static void inbound_cases(void)
{
	static const struct {
		const char *name;
		uint16_t sport, dport;
		int foreign_src;
		int want;
	} rows[] = {
		{"port_uc -> port_ps, the SA's", 5062, 5064, 0, 0},
		{"another source port", 5063, 5064, 0, -EACCES},
		{"another destination port (a port of ours the SA does not name)", 5062, 6101, 0,
		 -EACCES},
		{"ports swapped", 5064, 5062, 0, -EACCES},
		{"right ports from another UE address", 5062, 5064, 1, -EACCES},
	};

	for (int fam = 0; fam < 2; fam++) {
		int af = fam ? AF_INET6 : AF_INET;

		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			struct esp_sa_params ip, op;
			struct esp_sa *in, *out;
			struct esp_inner inner;
			uint8_t l4[60] = {}, pkt[512];
			size_t len;
			int err, rc;

			test_params(&ip, af, true, ESP_AUTH_HMAC_SHA1_96, ESP_ENC_AES_CBC);
			test_params(&op, af, false, ESP_AUTH_HMAC_SHA1_96, ESP_ENC_AES_CBC);
			op.sport = op.dport = 0;
			if (rows[i].foreign_src)
				op.src[15] ^= 0x40;
			in = esp_sa_create(&ip, &err);
			out = esp_sa_create(&op, &err);
			l4[0] = rows[i].sport >> 8, l4[1] = (uint8_t)rows[i].sport;
			l4[2] = rows[i].dport >> 8, l4[3] = (uint8_t)rows[i].dport;
			l4[12] = 5 << 4, l4[13] = 0x02; /* SYN */
			memcpy(l4 + 20, "INVITE sip:x SIP/2.0\r\n", 22);
			rc = esp_encap(out, IPPROTO_TCP, l4, 42, pkt, sizeof(pkt), &len);
			if (!rc)
				rc = esp_decap(in, pkt, len, &inner);
			TAP_CHECK(rc == rows[i].want && (rc ? esp_sa_stats(in)->selector == 1
							    : esp_sa_stats(in)->selector == 0),
				  "inbound IPv%d TCP: %s -> %d%s", fam ? 6 : 4, rows[i].name, rc,
				  rc ? " (counted as selector)" : "");
			if (!rc) {
				size_t hl = fam ? 40 : 20;
				int proto = fam ? inner.ip[6] : inner.ip[9];
				size_t tot = fam ? 40 + (size_t)(inner.ip[4] << 8 | inner.ip[5])
						 : (size_t)(inner.ip[2] << 8 | inner.ip[3]);

				TAP_CHECK(inner.next_hdr == IPPROTO_TCP && proto == IPPROTO_TCP &&
						  tot == hl + 42 && inner.ip_len == hl + 42 &&
						  !memcmp(inner.ip + hl, l4, 42),
					  "  ... the plain IP packet for the TUN: protocol TCP, "
					  "length "
					  "%zu, the segment whole",
					  hl + 42);
			}
			esp_sa_destroy(in);
			esp_sa_destroy(out);
		}
	}
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	table_cases();
	scale_case();
	parse_cases();
	inbound_cases();
	return tap_failed ? 1 : 0;
}
