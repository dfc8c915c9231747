// SPDX-License-Identifier: GPL-2.0
/*
 * Every classifier verdict, driven by crafted frames through
 * BPF_PROG_TEST_RUN: a table of (frame, expected action, expected counter).
 * Each case must move exactly its own counter by one and no other, and every
 * redirected frame must carry the metadata the worker reads: kind, family,
 * the IP, transport and protocol-byte offsets, SA slot and generation.
 */
#include <linux/bpf.h>
#include "tap.h"
#include "frames.h"
#include "xdp_fixture.h"

#define SPI_LIVE4   0x1001
#define SPI_LIVE6   0x1002
#define SPI_ZERO    0 /* reserved (RFC 4303 2.1); its entry is an empty one */
#define SPI_UNKNOWN 0x7777
#define SLOT_LIVE4  FX_SLOT(SPI_LIVE4)
#define SLOT_LIVE6  FX_SLOT(SPI_LIVE6)
#define CORE4	    "198.51.100.0/24"
#define CORE6	    "2001:db8:c0::/48"

struct verdict_case {
	const char *name;
	struct frame_spec f;
	int action;
	enum pcscf_stat stat;
};

#define V4(...) { .family = 4, .src = FX_UE4, .dst = FX_P4, __VA_ARGS__ }
#define V6(...) { .family = 6, .src = FX_UE6, .dst = FX_P6, __VA_ARGS__ }
#define SIP	.l4 = F_UDP, .sport = 5060, .dport = 5060, .payload = 300
#define ESP4	.l4 = F_ESP, .spi = SPI_LIVE4, .payload = 64
#define ESP6	.l4 = F_ESP, .spi = SPI_LIVE6, .payload = 64
#define FROM4(a, ...) { .family = 4, .src = a, .dst = FX_P4, __VA_ARGS__ }
#define FROM6(a, ...) { .family = 6, .src = a, .dst = FX_P6, __VA_ARGS__ }

static const struct verdict_case cases[] = {
	{ "v4 UDP to 5060 -> AF_XDP", V4(SIP), XDP_REDIRECT, PCSCF_STAT_SIP_UNPROTECTED },
	{ "v6 UDP to 5060 -> AF_XDP", V6(SIP), XDP_REDIRECT, PCSCF_STAT_SIP_UNPROTECTED },
	{ "v4 VLAN UDP to 5060", V4(SIP, .vlan = 1), XDP_REDIRECT, PCSCF_STAT_SIP_UNPROTECTED },
	{ "v6 VLAN UDP to 5060", V6(SIP, .vlan = 1), XDP_REDIRECT, PCSCF_STAT_SIP_UNPROTECTED },
	{ "v4 options UDP to 5060", V4(SIP, .ip_opts = 3), XDP_REDIRECT,
	  PCSCF_STAT_SIP_UNPROTECTED },
	{ "v6 ext headers UDP to 5060", V6(SIP, .ip_opts = 1), XDP_REDIRECT,
	  PCSCF_STAT_SIP_UNPROTECTED },
	{ "v4 ESP live SA", V4(.l4 = F_ESP, .spi = SPI_LIVE4, .payload = 64), XDP_REDIRECT,
	  PCSCF_STAT_ESP },
	{ "v6 ESP live SA", V6(.l4 = F_ESP, .spi = SPI_LIVE6, .payload = 64), XDP_REDIRECT,
	  PCSCF_STAT_ESP },
	{ "v4 VLAN ESP live SA", V4(.l4 = F_ESP, .spi = SPI_LIVE4, .vlan = 1, .payload = 64),
	  XDP_REDIRECT, PCSCF_STAT_ESP },
	{ "v6 ext headers ESP live SA", V6(.l4 = F_ESP, .spi = SPI_LIVE6, .ip_opts = 1,
					   .payload = 64),
	  XDP_REDIRECT, PCSCF_STAT_ESP },
	{ "v4 ESP unknown SPI", V4(.l4 = F_ESP, .spi = SPI_UNKNOWN, .payload = 64), XDP_DROP,
	  PCSCF_STAT_ESP_UNKNOWN_SPI },
	{ "v6 ESP unknown SPI", V6(.l4 = F_ESP, .spi = SPI_UNKNOWN, .payload = 64), XDP_DROP,
	  PCSCF_STAT_ESP_UNKNOWN_SPI },
	/* bound to our other address: the worker's ESP engine drops it (selector, before the ICV) */
	{ "v4 ESP SPI of the v6 SA (our other address) goes to the worker",
	  V4(.l4 = F_ESP, .spi = SPI_LIVE6), XDP_REDIRECT, PCSCF_STAT_ESP },
	{ "v4 ESP with SPI 0 (an empty entry holds 0) dropped as unknown",
	  V4(.l4 = F_ESP, .spi = SPI_ZERO, .payload = 64), XDP_DROP, PCSCF_STAT_ESP_UNKNOWN_SPI },
	{ "v4 UDP to protected port", V4(.l4 = F_UDP, .sport = 5062, .dport = 6100), XDP_DROP,
	  PCSCF_STAT_UNPROT_ON_PROT_PORT },
	{ "v4 UDP to top of protected range", V4(.l4 = F_UDP, .sport = 5062, .dport = 6999),
	  XDP_DROP, PCSCF_STAT_UNPROT_ON_PROT_PORT },
	{ "v4 TCP to protected port", V4(.l4 = F_TCP, .sport = 5062, .dport = 6500), XDP_DROP,
	  PCSCF_STAT_UNPROT_ON_PROT_PORT },
	{ "v6 UDP to protected port", V6(.l4 = F_UDP, .sport = 5062, .dport = 6101), XDP_DROP,
	  PCSCF_STAT_UNPROT_ON_PROT_PORT },
	{ "v6 TCP to protected port", V6(.l4 = F_TCP, .sport = 5062, .dport = 6102), XDP_DROP,
	  PCSCF_STAT_UNPROT_ON_PROT_PORT },
	{ "v6 VLAN TCP to protected port", V6(.l4 = F_TCP, .dport = 6102, .vlan = 1), XDP_DROP,
	  PCSCF_STAT_UNPROT_ON_PROT_PORT },
	{ "v4 UDP to the shared port_ps", V4(.l4 = F_UDP, .sport = 5062, .dport = 7100), XDP_DROP,
	  PCSCF_STAT_UNPROT_ON_PROT_PORT },
	{ "v6 TCP to the shared port_ps", V6(.l4 = F_TCP, .sport = 5062, .dport = 7100), XDP_DROP,
	  PCSCF_STAT_UNPROT_ON_PROT_PORT },
	{ "v4 UDP next to port_ps passes", V4(.l4 = F_UDP, .dport = 7101), XDP_PASS,
	  PCSCF_STAT_PASS },
	{ "v4 UDP below protected range passes", V4(.l4 = F_UDP, .dport = 6099), XDP_PASS,
	  PCSCF_STAT_PASS },
	{ "v4 UDP above protected range passes", V4(.l4 = F_UDP, .dport = 7000), XDP_PASS,
	  PCSCF_STAT_PASS },
	{ "v4 TCP to 5060 goes to the kernel", V4(.l4 = F_TCP, .dport = 5060), XDP_PASS,
	  PCSCF_STAT_PASS },
	{ "v4 TCP ssh passes", V4(.l4 = F_TCP, .dport = 22), XDP_PASS, PCSCF_STAT_PASS },
	{ "v6 TCP ssh passes", V6(.l4 = F_TCP, .dport = 22), XDP_PASS, PCSCF_STAT_PASS },
	{ "v4 ICMP passes", V4(.l4 = F_ICMP), XDP_PASS, PCSCF_STAT_PASS },
	{ "v6 ICMPv6 passes", V6(.l4 = F_ICMP), XDP_PASS, PCSCF_STAT_PASS },
	{ "ARP passes", V4(.l4 = F_ARP), XDP_PASS, PCSCF_STAT_PASS },
	{ "v4 SIP to another address passes", { .family = 4, .src = FX_UE4, .dst = "192.0.2.9", SIP },
	  XDP_PASS, PCSCF_STAT_PASS },
	{ "v6 ESP to another address passes",
	  { .family = 6, .src = FX_UE6, .dst = "2001:db8:1::9", .l4 = F_ESP, .spi = SPI_LIVE6 },
	  XDP_PASS, PCSCF_STAT_PASS },
	{ "v4 fragment to us: kernel reassembles", V4(SIP, .frag = 1), XDP_PASS,
	  PCSCF_STAT_PASS_FRAGMENT },
	{ "v6 fragment to us: kernel reassembles", V6(SIP, .frag = 1), XDP_PASS,
	  PCSCF_STAT_PASS_FRAGMENT },
	/* RFC 6946: an atomic fragment is a whole packet, classified as one. */
	{ "v6 atomic fragment SIP -> AF_XDP", V6(SIP, .atomic = 1), XDP_REDIRECT,
	  PCSCF_STAT_SIP_UNPROTECTED },
	{ "v6 ext headers + atomic fragment SIP -> AF_XDP", V6(SIP, .ip_opts = 1, .atomic = 1),
	  XDP_REDIRECT, PCSCF_STAT_SIP_UNPROTECTED },
	{ "v6 atomic fragment ESP live SA", V6(ESP6, .atomic = 1), XDP_REDIRECT, PCSCF_STAT_ESP },
	{ "v6 atomic fragment UDP to protected port", V6(.l4 = F_UDP, .dport = 6100, .atomic = 1),
	  XDP_DROP, PCSCF_STAT_UNPROT_ON_PROT_PORT },
	{ "v6 atomic fragment ESP unknown SPI", V6(.l4 = F_ESP, .spi = SPI_UNKNOWN, .atomic = 1),
	  XDP_DROP, PCSCF_STAT_ESP_UNKNOWN_SPI },
	/* Real fragments: the protected-port policy holds on the first one. */
	{ "v4 first fragment UDP to protected port", V4(.l4 = F_UDP, .dport = 6100, .frag = 1),
	  XDP_DROP, PCSCF_STAT_UNPROT_ON_PROT_PORT },
	{ "v4 first fragment TCP to protected port", V4(.l4 = F_TCP, .dport = 6200, .frag = 1),
	  XDP_DROP, PCSCF_STAT_UNPROT_ON_PROT_PORT },
	{ "v6 first fragment UDP to protected port", V6(.l4 = F_UDP, .dport = 6100, .frag = 1),
	  XDP_DROP, PCSCF_STAT_UNPROT_ON_PROT_PORT },
	{ "v6 ext headers first fragment TCP to protected port",
	  V6(.l4 = F_TCP, .dport = 6999, .ip_opts = 1, .frag = 1), XDP_DROP,
	  PCSCF_STAT_UNPROT_ON_PROT_PORT },
	{ "v4 later fragment: no ports to judge, kernel reassembles",
	  V4(.l4 = F_UDP, .dport = 6100, .frag = 1, .frag_off = 185), XDP_PASS,
	  PCSCF_STAT_PASS_FRAGMENT },
	{ "v6 later fragment: no ports to judge, kernel reassembles",
	  V6(.l4 = F_UDP, .dport = 6100, .frag = 1, .frag_off = 181), XDP_PASS,
	  PCSCF_STAT_PASS_FRAGMENT },
	/* ESP fragments: the worker reassembles; the first must name a live SA. */
	{ "v4 first fragment ESP live SA -> AF_XDP", V4(ESP4, .frag = 1), XDP_REDIRECT,
	  PCSCF_STAT_ESP_FRAGMENT },
	{ "v6 first fragment ESP live SA -> AF_XDP", V6(ESP6, .frag = 1), XDP_REDIRECT,
	  PCSCF_STAT_ESP_FRAGMENT },
	{ "v6 ext headers first fragment ESP live SA -> AF_XDP", V6(ESP6, .ip_opts = 1, .frag = 1),
	  XDP_REDIRECT, PCSCF_STAT_ESP_FRAGMENT },
	{ "v4 later fragment ESP -> AF_XDP, no SA", V4(ESP4, .frag = 1, .frag_off = 185),
	  XDP_REDIRECT, PCSCF_STAT_ESP_FRAGMENT },
	{ "v6 later fragment ESP -> AF_XDP, no SA", V6(ESP6, .frag = 1, .frag_off = 181),
	  XDP_REDIRECT, PCSCF_STAT_ESP_FRAGMENT },
	{ "v4 first fragment ESP unknown SPI", V4(.l4 = F_ESP, .spi = SPI_UNKNOWN, .frag = 1),
	  XDP_DROP, PCSCF_STAT_ESP_UNKNOWN_SPI },
	{ "v6 first fragment ESP unknown SPI", V6(.l4 = F_ESP, .spi = SPI_UNKNOWN, .frag = 1),
	  XDP_DROP, PCSCF_STAT_ESP_UNKNOWN_SPI },
	{ "v4 first fragment ESP with SPI 0", V4(.l4 = F_ESP, .spi = SPI_ZERO, .frag = 1),
	  XDP_DROP, PCSCF_STAT_ESP_UNKNOWN_SPI },
	{ "v6 first fragment ESP SPI of the v4 SA (our other address) goes to the worker",
	  V6(.l4 = F_ESP, .spi = SPI_LIVE4, .frag = 1), XDP_REDIRECT, PCSCF_STAT_ESP_FRAGMENT },
	{ "v4 ESP fragment to another address passes",
	  { .family = 4, .src = FX_UE4, .dst = "192.0.2.9", ESP4, .frag = 1 }, XDP_PASS,
	  PCSCF_STAT_PASS },
	/* Sources that can never be a UE. */
	{ "v4 source 127.0.0.1 dropped", FROM4("127.0.0.1", SIP), XDP_DROP, PCSCF_STAT_BAD_SOURCE },
	{ "v4 source 0.1.2.3 (0/8) dropped", FROM4("0.1.2.3", SIP), XDP_DROP,
	  PCSCF_STAT_BAD_SOURCE },
	{ "v4 source 0.0.0.0 dropped", FROM4("0.0.0.0", SIP), XDP_DROP, PCSCF_STAT_BAD_SOURCE },
	{ "v4 source multicast 224.0.0.5 dropped", FROM4("224.0.0.5", SIP), XDP_DROP,
	  PCSCF_STAT_BAD_SOURCE },
	{ "v4 source broadcast dropped", FROM4("255.255.255.255", SIP), XDP_DROP,
	  PCSCF_STAT_BAD_SOURCE },
	{ "v4 source 240.0.0.1 (reserved) dropped", FROM4("240.0.0.1", SIP), XDP_DROP,
	  PCSCF_STAT_BAD_SOURCE },
	{ "v4 source: our own address, dropped", FROM4(FX_P4, SIP), XDP_DROP,
	  PCSCF_STAT_BAD_SOURCE },
	{ "v4 source: our own address on ESP, dropped", FROM4(FX_P4, ESP4),
	  XDP_DROP, PCSCF_STAT_BAD_SOURCE },
	{ "v4 source in core prefix " CORE4 ", dropped", FROM4("198.51.100.7", SIP), XDP_DROP,
	  PCSCF_STAT_BAD_SOURCE },
	{ "v4 source next to core prefix passes", FROM4("198.51.101.7", SIP), XDP_REDIRECT,
	  PCSCF_STAT_SIP_UNPROTECTED },
	{ "v6 source :: dropped", FROM6("::", SIP), XDP_DROP, PCSCF_STAT_BAD_SOURCE },
	{ "v6 source ::1 dropped", FROM6("::1", SIP), XDP_DROP, PCSCF_STAT_BAD_SOURCE },
	{ "v6 source multicast ff02::1 dropped", FROM6("ff02::1", SIP), XDP_DROP,
	  PCSCF_STAT_BAD_SOURCE },
	{ "v6 source v4-mapped ::ffff:192.0.2.2 dropped", FROM6("::ffff:192.0.2.2", SIP),
	  XDP_DROP, PCSCF_STAT_BAD_SOURCE },
	{ "v6 source: our own address, dropped", FROM6(FX_P6, SIP), XDP_DROP,
	  PCSCF_STAT_BAD_SOURCE },
	{ "v6 source: our own address on ESP, dropped", FROM6(FX_P6, ESP6), XDP_DROP,
	  PCSCF_STAT_BAD_SOURCE },
	{ "v6 source in core prefix " CORE6 ", dropped", FROM6("2001:db8:c0:1::5", SIP),
	  XDP_DROP, PCSCF_STAT_BAD_SOURCE },
	{ "v6 source in core prefix, fragment, dropped", FROM6("2001:db8:c0::5", SIP, .frag = 1),
	  XDP_DROP, PCSCF_STAT_BAD_SOURCE },
	{ "v6 source next to core prefix passes", FROM6("2001:db8:c1::5", SIP), XDP_REDIRECT,
	  PCSCF_STAT_SIP_UNPROTECTED },
	{ "v6 link-local source passes (neighbour discovery)", FROM6("fe80::2", .l4 = F_ICMP),
	  XDP_PASS, PCSCF_STAT_PASS },
	{ "v6 ICMPv6 from multicast source still dropped", FROM6("ff02::2", .l4 = F_ICMP),
	  XDP_DROP, PCSCF_STAT_BAD_SOURCE },
};

static int read_stats(struct xdp_fixture *fx, __u64 out[PCSCF_STAT_MAX])
{
	return xdp_stats_read(fx->h.stats_fd, (struct pcscf_xdp_stats *)out);
}

/*
 * The metadata in front of a redirected frame (out: what the run left, meta
 * first) against where frame_build() put the headers; the frame itself must
 * come out unchanged. Returns 0 or a line saying what differs.
 */
static const char *meta_wrong(const uint8_t *out, int meta_len, const uint8_t *frame, int len,
			      const struct frame_spec *f, const struct frame_offs *o)
{
	/* A later ESP fragment shows no SPI: no slot. */
	uint32_t slot = f->l4 != F_ESP || f->frag_off ? 0
			: f->spi == SPI_LIVE4	      ? SLOT_LIVE4
						      : SLOT_LIVE6;
	int kind = f->l4 != F_ESP ? PCSCF_META_SIP : f->frag ? PCSCF_META_ESP_FRAG : PCSCF_META_ESP;
	struct pcscf_xdp_meta m;

	if (meta_len != (int)sizeof(m))
		return "no metadata of the right size";
	memcpy(&m, out, sizeof(m));
	if (m.magic != PCSCF_META_MAGIC)
		return "magic";
	if (m.kind != kind || m.family != f->family)
		return "kind or family";
	if (m.l3_off != o->l3 || m.l4_off != o->l4 || m.proto_off != o->proto)
		return "offsets";
	/* the generation is the worker's to read from its slot (pcscf_maps.h) */
	if (m.sa_slot != slot || m.sa_generation)
		return "slot or generation";
	if (memcmp(out + meta_len, frame, len))
		return "frame changed";
	return NULL;
}

/*
 * Runs a frame and checks action and that exactly `stat` moved by one; with
 * spec and offsets, a redirected frame's metadata too.
 */
static void check_frame_spec(struct xdp_fixture *fx, const char *name, const uint8_t *frame,
			     int len, int action, enum pcscf_stat stat, const struct frame_spec *f,
			     const struct frame_offs *o)
{
	__u64 before[PCSCF_STAT_MAX], after[PCSCF_STAT_MAX];
	uint8_t out[2048 + 64];
	const char *bad = NULL;
	int act, i, moved_ok = 1, meta_len = 0;

	read_stats(fx, before);
	act = fx_run_out(fx, frame, len, out, sizeof(out), &meta_len);
	read_stats(fx, after);
	for (i = 0; i < PCSCF_STAT_MAX; i++)
		if (after[i] - before[i] != (i == (int)stat ? 1u : 0u))
			moved_ok = 0;
	if (f && act == XDP_REDIRECT)
		bad = meta_wrong(out, meta_len, frame, len, f, o);
	if (bad)
		tap_diag("%s: metadata: %s", name, bad);
	TAP_CHECK(act == action && moved_ok && !bad, "%s: action %d (want %d), counter %s%s",
		  name, act, action, xdp_stat_names[stat],
		  f && action == XDP_REDIRECT ? ", metadata" : "");
}

static void check_frame(struct xdp_fixture *fx, const char *name, const uint8_t *frame, int len,
			int action, enum pcscf_stat stat)
{
	check_frame_spec(fx, name, frame, len, action, stat, NULL, NULL);
}

static void run_table(struct xdp_fixture *fx)
{
	uint8_t buf[2048];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct frame_offs o;
		int len = frame_build_offs(&cases[i].f, buf, sizeof(buf), &o);

		check_frame_spec(fx, cases[i].name, buf, len, cases[i].action, cases[i].stat,
				 &cases[i].f, &o);
	}
}

/*
 * Truncation: a frame cut anywhere before the end of the headers the
 * classifier must read is malformed. Lengths start at 14: the kernel refuses
 * test frames shorter than an Ethernet header.
 */
static void run_truncation(struct xdp_fixture *fx)
{
	static const struct { const char *name; struct frame_spec f; int hdr_extra; } shapes[] = {
		{ "v4 UDP", V4(SIP), 8 },
		{ "v4 options TCP protected", V4(.l4 = F_TCP, .dport = 6100, .ip_opts = 2), 20 },
		{ "v4 VLAN ESP", V4(.l4 = F_ESP, .spi = SPI_LIVE4, .vlan = 1, .payload = 16), 8 },
		{ "v6 UDP", V6(SIP), 8 },
		{ "v6 ext headers ESP", V6(.l4 = F_ESP, .spi = SPI_LIVE6, .ip_opts = 1), 8 },
		{ "v6 VLAN TCP protected", V6(.l4 = F_TCP, .dport = 6100, .vlan = 1), 20 },
	};
	uint8_t buf[2048];

	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		int l4, len = frame_build(&shapes[s].f, buf, sizeof(buf), &l4);
		int need = l4 + shapes[s].hdr_extra, bad = 0, cut;

		(void)len;
		for (cut = 14; cut < need; cut++) {
			__u64 before[PCSCF_STAT_MAX], after[PCSCF_STAT_MAX];
			int act;

			read_stats(fx, before);
			act = fx_run(fx, buf, cut, 1, NULL);
			read_stats(fx, after);
			if (act != XDP_DROP ||
			    after[PCSCF_STAT_MALFORMED] - before[PCSCF_STAT_MALFORMED] != 1) {
				tap_diag("%s cut at %d: action %d", shapes[s].name, cut, act);
				bad++;
			}
		}
		TAP_CHECK(!bad, "%s truncated at each of %d lengths 14..%d: dropped as malformed",
			  shapes[s].name, need - 14, need - 1);
	}
}

/* Malformed headers that are long enough: each dropped and counted. */
static void run_malformed(struct xdp_fixture *fx)
{
	struct frame_spec f = V4(SIP);
	uint8_t buf[2048];
	int l4, len;

	len = frame_build(&f, buf, sizeof(buf), &l4);
	buf[14] = 0x44; /* IHL 4 */
	check_frame(fx, "v4 IHL below 5", buf, len, XDP_DROP, PCSCF_STAT_MALFORMED);
	len = frame_build(&f, buf, sizeof(buf), &l4);
	buf[14] = 0x4f; /* IHL 15: options run past the frame's headers */
	check_frame(fx, "v4 IHL 15 past the frame", buf, 14 + 40, XDP_DROP, PCSCF_STAT_MALFORMED);
	len = frame_build(&f, buf, sizeof(buf), &l4);
	buf[14 + 2] = 0;
	buf[14 + 3] = 10; /* total length shorter than the header */
	check_frame(fx, "v4 total length < header", buf, len, XDP_DROP, PCSCF_STAT_MALFORMED);
	len = frame_build(&f, buf, sizeof(buf), &l4);
	buf[14] = 0x65; /* version 6 in an IPv4 EtherType */
	check_frame(fx, "v4 EtherType with version 6", buf, len, XDP_DROP, PCSCF_STAT_MALFORMED);
	len = frame_build(&f, buf, sizeof(buf), &l4);
	buf[l4 + 4] = 0;
	buf[l4 + 5] = 4; /* UDP length < 8 */
	check_frame(fx, "UDP length below 8", buf, len, XDP_DROP, PCSCF_STAT_MALFORMED);
	f = (struct frame_spec)V4(.l4 = F_TCP, .dport = 6100);
	len = frame_build(&f, buf, sizeof(buf), &l4);
	buf[l4 + 12] = 0x20; /* data offset 2 */
	check_frame(fx, "TCP data offset below 5", buf, len, XDP_DROP, PCSCF_STAT_MALFORMED);
	/* A first fragment too short to show the ports would step around them (RFC 7112). */
	f = (struct frame_spec)V4(.l4 = F_UDP, .dport = 6100, .frag = 1);
	len = frame_build(&f, buf, sizeof(buf), &l4);
	check_frame(fx, "v4 first fragment cut inside the UDP header", buf, l4 + 4, XDP_DROP,
		    PCSCF_STAT_MALFORMED);
	f = (struct frame_spec)V6(.l4 = F_TCP, .dport = 6100, .frag = 1);
	len = frame_build(&f, buf, sizeof(buf), &l4);
	check_frame(fx, "v6 first fragment cut inside the TCP header", buf, l4 + 12, XDP_DROP,
		    PCSCF_STAT_MALFORMED);
	f = (struct frame_spec)V4(ESP4, .frag = 1);
	len = frame_build(&f, buf, sizeof(buf), &l4);
	check_frame(fx, "v4 first ESP fragment cut before the sequence number", buf, l4 + 6,
		    XDP_DROP, PCSCF_STAT_MALFORMED);
	f = (struct frame_spec)V6(ESP6, .frag = 1);
	len = frame_build(&f, buf, sizeof(buf), &l4);
	check_frame(fx, "v6 first ESP fragment cut inside the SPI", buf, l4 + 3, XDP_DROP,
		    PCSCF_STAT_MALFORMED);
	f = (struct frame_spec)V6(SIP, .ip_opts = 1);
	len = frame_build(&f, buf, sizeof(buf), &l4);
	buf[14 + 40 + 1] = 200; /* hop-by-hop length past the frame */
	check_frame(fx, "v6 extension header past the frame", buf, len, XDP_DROP,
		    PCSCF_STAT_MALFORMED);
}

/* A config for one bucket test: a fresh start for every source and the aggregate. */
static void limits(struct xdp_fixture *fx, struct pcscf_config cfg)
{
	cfg.sip_port = 5060;
	cfg.prot_port_lo = 6100;
	cfg.prot_port_hi = 6999;
	cfg.prot_port_ps = 7100;
	if (!cfg.agg_rate_pps) {
		cfg.agg_rate_pps = 1000000;
		cfg.agg_burst = 1000000;
	}
	fx_addrs(&cfg);
	xdp_cfg_write(&fx->h, &cfg);
	fx_reset_buckets(fx);
}

/* n frames of spec f, each expected to give action and count stat. */
static void send_n(struct xdp_fixture *fx, const char *name, struct frame_spec f, int n,
		   int action, enum pcscf_stat stat)
{
	uint8_t buf[2048];
	int l4, len = frame_build(&f, buf, sizeof(buf), &l4);

	for (int i = 0; i < n; i++)
		check_frame(fx, name, buf, len, action, stat);
}

/*
 * The token buckets, one table row per scenario: the config, then frames in
 * order with what each must get. The coarse clock hardly moves within a row
 * and the rates are 1/s, so no token comes back in between.
 */
struct bucket_step {
	const char *src;
	struct frame_spec f; /* src and family filled in from src */
	int n, action;
	enum pcscf_stat stat;
};

struct bucket_case {
	const char *name;
	struct pcscf_config cfg;
	struct bucket_step steps[5];
};

#define RL(...) { .rl_rate_pps = 1, __VA_ARGS__ }
#define SIPF	{ SIP }
#define OK_SIP	XDP_REDIRECT, PCSCF_STAT_SIP_UNPROTECTED
#define LIMITED XDP_DROP, PCSCF_STAT_RATE_LIMITED

static const struct bucket_case buckets[] = {
	{ "burst 3 per source, the 4th and 5th dropped, another source has its own",
	  RL(.rl_burst = 3, .rl_new_burst = 3),
	  { { FX_UE4, SIPF, 3, OK_SIP }, { FX_UE4, SIPF, 2, LIMITED },
	    { "192.0.2.3", SIPF, 1, OK_SIP } } },
	{ "a new source starts with the small burst, not the full bucket",
	  RL(.rl_burst = 100, .rl_new_burst = 2),
	  { { FX_UE4, SIPF, 2, OK_SIP }, { FX_UE4, SIPF, 1, LIMITED },
	    { FX_UE6, SIPF, 2, OK_SIP }, { FX_UE6, SIPF, 1, LIMITED } } },
	{ "IPv6: one bucket per /64 by default",
	  RL(.rl_burst = 3, .rl_new_burst = 3),
	  { { "2001:db8:1::2", SIPF, 2, OK_SIP }, { "2001:db8:1::99", SIPF, 1, OK_SIP },
	    { "2001:db8:1:0:ffff::1", SIPF, 1, LIMITED }, { "2001:db8:1:1::2", SIPF, 1, OK_SIP } } },
	{ "IPv6 /128 configured: every address its own bucket",
	  RL(.rl_burst = 1, .rl_new_burst = 1, .rl_prefix6 = 128),
	  { { "2001:db8:1::2", SIPF, 1, OK_SIP }, { "2001:db8:1::2", SIPF, 1, LIMITED },
	    { "2001:db8:1::99", SIPF, 1, OK_SIP } } },
	{ "IPv6 /48 configured: a /48 shares one bucket",
	  RL(.rl_burst = 1, .rl_new_burst = 1, .rl_prefix6 = 48),
	  { { "2001:db8:1:1::2", SIPF, 1, OK_SIP }, { "2001:db8:1:2::2", SIPF, 1, LIMITED },
	    { "2001:db8:2::2", SIPF, 1, OK_SIP } } },
	{ "IPv4 /24 configured: a /24 shares one bucket",
	  RL(.rl_burst = 2, .rl_new_burst = 2, .rl_prefix4 = 24),
	  { { "192.0.2.2", SIPF, 1, OK_SIP }, { "192.0.2.77", SIPF, 1, OK_SIP },
	    { "192.0.2.78", SIPF, 1, LIMITED }, { "198.51.100.2", SIPF, 1, OK_SIP } } },
	{ "aggregate budget of 3 across sources: the 4th source dropped, counted apart",
	  RL(.rl_burst = 10, .rl_new_burst = 10, .agg_rate_pps = 1, .agg_burst = 3),
	  { { "192.0.2.2", SIPF, 1, OK_SIP }, { "192.0.2.3", SIPF, 1, OK_SIP },
	    { "2001:db8:1::2", SIPF, 1, OK_SIP },
	    { "192.0.2.4", SIPF, 1, XDP_DROP, PCSCF_STAT_AGG_LIMITED } } },
	{ "what the source's own bucket drops does not draw on the aggregate",
	  RL(.rl_burst = 1, .rl_new_burst = 1, .agg_rate_pps = 1, .agg_burst = 2),
	  { { "192.0.2.2", SIPF, 1, OK_SIP }, { "192.0.2.2", SIPF, 3, LIMITED },
	    { "192.0.2.3", SIPF, 1, OK_SIP },
	    { "192.0.2.4", SIPF, 1, XDP_DROP, PCSCF_STAT_AGG_LIMITED } } },
	{ "fragments to us draw on the source's bucket",
	  RL(.rl_burst = 2, .rl_new_burst = 2),
	  { { FX_UE4, { SIP, .frag = 1 }, 1, XDP_PASS, PCSCF_STAT_PASS_FRAGMENT },
	    { FX_UE4, { .l4 = F_UDP, .frag = 1, .frag_off = 100 }, 1, XDP_PASS,
	      PCSCF_STAT_PASS_FRAGMENT },
	    { FX_UE4, { .l4 = F_UDP, .frag = 1, .frag_off = 200 }, 1, LIMITED },
	    { FX_UE4, SIPF, 1, LIMITED } } },
	{ "ESP fragments draw on the source's bucket too",
	  RL(.rl_burst = 2, .rl_new_burst = 2),
	  { { FX_UE4, { ESP4, .frag = 1, .frag_off = 100 }, 2, XDP_REDIRECT,
	      PCSCF_STAT_ESP_FRAGMENT },
	    { FX_UE4, { ESP4, .frag = 1, .frag_off = 200 }, 1, LIMITED } } },
	{ "fragments to us draw on the aggregate",
	  RL(.rl_burst = 5, .rl_new_burst = 5, .agg_rate_pps = 1, .agg_burst = 1),
	  { { FX_UE6, { SIP, .frag = 1 }, 1, XDP_PASS, PCSCF_STAT_PASS_FRAGMENT },
	    { FX_UE6, { .l4 = F_UDP, .frag = 1, .frag_off = 100 }, 1, XDP_DROP,
	      PCSCF_STAT_AGG_LIMITED } } },
};

static void run_buckets(struct xdp_fixture *fx)
{
	for (size_t c = 0; c < sizeof(buckets) / sizeof(buckets[0]); c++) {
		const struct bucket_case *bc = &buckets[c];
		char name[160];

		limits(fx, bc->cfg);
		for (int i = 0; i < 5 && bc->steps[i].src; i++) {
			const struct bucket_step *st = &bc->steps[i];
			struct frame_spec f = st->f;

			f.src = st->src;
			f.family = strchr(st->src, ':') ? 6 : 4;
			f.dst = f.family == 4 ? FX_P4 : FX_P6;
			snprintf(name, sizeof(name), "%s: step %d (%s)", bc->name, i + 1, st->src);
			send_n(fx, name, f, st->n, st->action, st->stat);
		}
	}
}

/* With the worker's socket gone, ours falls back to the kernel, counted. */
static void run_no_worker(struct xdp_fixture *fx)
{
	struct frame_spec f = V4(SIP);
	uint8_t buf[2048];
	__u32 key = 0;
	int l4, len;

	f.src = "192.0.2.4";
	len = frame_build(&f, buf, sizeof(buf), &l4);
	limits(fx, (struct pcscf_config){ .rl_rate_pps = 1, .rl_burst = 10, .rl_new_burst = 10 });

	bpf_map_delete_elem(fx->h.xsks_fd, &key);
	check_frame(fx, "no AF_XDP socket on the queue: pass, counted", buf, len, XDP_PASS,
		    PCSCF_STAT_NO_WORKER);
}

/*
 * The SA array (pcscf_sa indexed by the SPI's low bits): only the SPI the
 * entry holds matches. An SPI that shares a live entry's index but not its
 * tag (the SA that held the entry before), an SA deleted, SPI 0 on an
 * empty entry, and an index past the end of the array are all unknown.
 */
static void run_sa_array(struct xdp_fixture *fx)
{
	struct frame_spec nb = { .family = 4, .src = FX_UE4, .dst = FX_P4, .l4 = F_ESP,
				 .payload = 64 };
	uint8_t nbbuf[2048];
	int nblen;
	struct frame_spec stale = { .family = 4, .src = FX_UE4, .dst = FX_P4, .l4 = F_ESP,
				    .spi = SPI_LIVE4 ^ (1u << PCSCF_SPI_SLOT_BITS), .payload = 64 };
	struct frame_spec f = stale;
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	uint8_t buf[2048];
	int len, l4;

	len = frame_build(&stale, buf, sizeof(buf), &l4);
	check_frame(fx, "SA array: a stale SPI of a live entry (other tag) dropped as unknown", buf,
		    len, XDP_DROP, PCSCF_STAT_ESP_UNKNOWN_SPI);
	f.spi = 0;
	len = frame_build(&f, buf, sizeof(buf), &l4);
	check_frame(fx, "SA array: SPI 0 (an empty entry holds 0) dropped as unknown", buf, len,
		    XDP_DROP, PCSCF_STAT_ESP_UNKNOWN_SPI);
	bpf_obj_get_info_by_fd(fx->h.sa_fd, &info, &ilen);
	f.spi = info.max_entries * PCSCF_SA_PER_ELEM; /* the first index past the end, tag 0 */
	len = frame_build(&f, buf, sizeof(buf), &l4);
	check_frame(fx, "SA array: an index past the end dropped as unknown", buf, len, XDP_DROP,
		    PCSCF_STAT_ESP_UNKNOWN_SPI);
	tap_result(info.type == BPF_MAP_TYPE_ARRAY &&
			   info.value_size == PCSCF_SA_PER_ELEM * sizeof(__u16),
		   "SA map is an array of %u 2-byte tags an element (%u bytes)", PCSCF_SA_PER_ELEM,
		   info.value_size);
	tap_result(xdp_sa_del(&fx->h, stale.spi) == -ENOENT,
		   "deleting by a stale SPI leaves the live SA of the entry alone");
	f.spi = SPI_LIVE4;
	len = frame_build(&f, buf, sizeof(buf), &l4);
	check_frame(fx, "SA array: the live SA still passes", buf, len, XDP_REDIRECT,
		    PCSCF_STAT_ESP);
	/* SPI_LIVE4's element (four indices) also holds this one, with another tag */
	nb.spi = 5u << PCSCF_SPI_SLOT_BITS | (SPI_LIVE4 & ~3u);
	nblen = frame_build(&nb, nbbuf, sizeof(nbbuf), &l4);
	tap_result(fx_sa(fx, nb.spi, FX_P4) == 0, "SA array: an SA in the same element as another");
	check_frame(fx, "SA array: the other SA of the element still passes", buf, len,
		    XDP_REDIRECT, PCSCF_STAT_ESP);
	check_frame(fx, "SA array: the new SA of the element passes", nbbuf, nblen, XDP_REDIRECT,
		    PCSCF_STAT_ESP);
	tap_result(xdp_sa_del(&fx->h, SPI_LIVE4) == 0, "delete the live SA");
	check_frame(fx, "SA array: a deleted SA's SPI dropped as unknown", buf, len, XDP_DROP,
		    PCSCF_STAT_ESP_UNKNOWN_SPI);
	check_frame(fx, "SA array: deleting one SA leaves its element's other SA live", nbbuf,
		    nblen, XDP_REDIRECT, PCSCF_STAT_ESP);
	nb.spi ^= 1u << PCSCF_SPI_SLOT_BITS;
	tap_result(xdp_sa_del(&fx->h, nb.spi) == -ENOENT,
		   "deleting by another tag at that index leaves its SA alone");
	nb.spi ^= 1u << PCSCF_SPI_SLOT_BITS;
	tap_result(xdp_sa_del(&fx->h, nb.spi) == 0, "delete the element's other SA");
	check_frame(fx, "SA array: the element's other SA, deleted, dropped as unknown", nbbuf,
		    nblen, XDP_DROP, PCSCF_STAT_ESP_UNKNOWN_SPI);
	fx_sa(fx, SPI_LIVE4, FX_P4);
	{
		struct xdp_sa v = { .slot = SLOT_LIVE4 + 1, .state = PCSCF_SA_NEW };
		struct pcscf_addr a;

		addr_parse(FX_P4, &a);
		tap_result(xdp_sa_put(&fx->h, SPI_LIVE4, &a, &v) == -EINVAL,
			   "SA array: a slot other than the SPI's entry names is refused");
		v.slot = 0;
		tap_result(xdp_sa_put(&fx->h, 1u << PCSCF_SPI_SLOT_BITS | 7, &a, &v) == -EINVAL,
			   "SA array: an entry below the base (reserved SPIs' keys) is refused");
	}
}

int main(void)
{
	struct pcscf_config cfg = { .sip_port = 5060, .prot_port_lo = 6100, .prot_port_hi = 6999,
				    .prot_port_ps = 7100, .rl_rate_pps = 1000000, .rl_burst = 1000000,
				    .rl_new_burst = 1000000, .agg_rate_pps = 1000000,
				    .agg_burst = 1000000, .n_core = 2 };
	struct xdp_fixture fx;
	int err;

	if (xdp_prefix_parse(CORE4, &cfg.core[0]) || xdp_prefix_parse(CORE6, &cfg.core[1])) {
		tap_result(0, "core prefixes parse");
		return tap_done();
	}
	err = fx_setup(&fx, &cfg);
	if (err) {
		tap_result(0, "fixture: load classifier and AF_XDP socket: %s", strerror(-err));
		return tap_done();
	}
	fx_sa(&fx, SPI_LIVE4, FX_P4);
	fx_sa(&fx, SPI_LIVE6, FX_P6);
	run_table(&fx);
	run_truncation(&fx);
	run_malformed(&fx);
	run_buckets(&fx);
	run_sa_array(&fx);
	run_no_worker(&fx);
	fx_teardown(&fx);
	return tap_done();
}
