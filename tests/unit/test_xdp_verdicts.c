// SPDX-License-Identifier: GPL-2.0
/*
 * Every classifier verdict, driven by crafted frames through
 * BPF_PROG_TEST_RUN: a table of (frame, expected action, expected counter).
 * Each case must move exactly its own counter by one and no other.
 */
#include <linux/bpf.h>
#include "tap.h"
#include "frames.h"
#include "xdp_fixture.h"

#define SPI_LIVE4   0x1001
#define SPI_LIVE6   0x1002
#define SPI_EXPIRED 0x1003
#define SPI_UNKNOWN 0x7777

struct verdict_case {
	const char *name;
	struct frame_spec f;
	int action;
	enum pcscf_stat stat;
};

#define V4(...) { .family = 4, .src = FX_UE4, .dst = FX_P4, __VA_ARGS__ }
#define V6(...) { .family = 6, .src = FX_UE6, .dst = FX_P6, __VA_ARGS__ }
#define SIP	.l4 = F_UDP, .sport = 5060, .dport = 5060, .payload = 300

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
	{ "v4 ESP SPI of the v6 SA (wrong address)", V4(.l4 = F_ESP, .spi = SPI_LIVE6),
	  XDP_DROP, PCSCF_STAT_ESP_UNKNOWN_SPI },
	{ "v4 ESP expired SA", V4(.l4 = F_ESP, .spi = SPI_EXPIRED, .payload = 64), XDP_DROP,
	  PCSCF_STAT_ESP_EXPIRED },
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
};

static int read_stats(struct xdp_fixture *fx, __u64 out[PCSCF_STAT_MAX])
{
	return xdp_stats_read(fx->h.stats_fd, (struct pcscf_xdp_stats *)out);
}

/* Runs a frame and checks action and that exactly `stat` moved by one. */
static void check_frame(struct xdp_fixture *fx, const char *name, const uint8_t *frame, int len,
			int action, enum pcscf_stat stat)
{
	__u64 before[PCSCF_STAT_MAX], after[PCSCF_STAT_MAX];
	int act, i, moved_ok = 1;

	read_stats(fx, before);
	act = fx_run(fx, frame, len, 1, NULL);
	read_stats(fx, after);
	for (i = 0; i < PCSCF_STAT_MAX; i++)
		if (after[i] - before[i] != (i == (int)stat ? 1u : 0u))
			moved_ok = 0;
	TAP_CHECK(act == action && moved_ok, "%s: action %d (want %d), counter %s", name, act,
		  action, xdp_stat_names[stat]);
}

static void run_table(struct xdp_fixture *fx)
{
	uint8_t buf[2048];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int l4, len = frame_build(&cases[i].f, buf, sizeof(buf), &l4);

		check_frame(fx, cases[i].name, buf, len, cases[i].action, cases[i].stat);
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
	f = (struct frame_spec)V6(SIP, .ip_opts = 1);
	len = frame_build(&f, buf, sizeof(buf), &l4);
	buf[14 + 40 + 1] = 200; /* hop-by-hop length past the frame */
	check_frame(fx, "v6 extension header past the frame", buf, len, XDP_DROP,
		    PCSCF_STAT_MALFORMED);
}

/* Token bucket: burst 3 from one source, the 4th and 5th dropped; another source unaffected. */
static void run_ratelimit(struct xdp_fixture *fx)
{
	struct pcscf_config cfg = { .sip_port = 5060, .prot_port_lo = 6100, .prot_port_hi = 6999,
				    .rl_rate_pps = 1, .rl_burst = 3 };
	struct frame_spec a = V4(SIP), b = a;
	uint8_t buf[2048];
	int l4, len, i;

	b.src = "192.0.2.3";
	fx_addrs(&cfg);
	xdp_cfg_write(&fx->h, &cfg);
	len = frame_build(&a, buf, sizeof(buf), &l4);
	for (i = 0; i < 3; i++)
		check_frame(fx, "rate limit: within burst", buf, len, XDP_REDIRECT,
			    PCSCF_STAT_SIP_UNPROTECTED);
	for (i = 0; i < 2; i++)
		check_frame(fx, "rate limit: over burst", buf, len, XDP_DROP,
			    PCSCF_STAT_RATE_LIMITED);
	len = frame_build(&b, buf, sizeof(buf), &l4);
	check_frame(fx, "rate limit: other source has its own bucket", buf, len, XDP_REDIRECT,
		    PCSCF_STAT_SIP_UNPROTECTED);
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

	bpf_map_delete_elem(fx->h.xsks_fd, &key);
	check_frame(fx, "no AF_XDP socket on the queue: pass, counted", buf, len, XDP_PASS,
		    PCSCF_STAT_NO_WORKER);
}

int main(void)
{
	struct pcscf_config cfg = { .sip_port = 5060, .prot_port_lo = 6100, .prot_port_hi = 6999,
				    .rl_rate_pps = 1000000, .rl_burst = 1000000 };
	struct xdp_fixture fx;
	int err;

	err = fx_setup(&fx, &cfg);
	if (err) {
		tap_result(0, "fixture: load classifier and AF_XDP socket: %s", strerror(-err));
		return tap_done();
	}
	fx_sa(&fx, SPI_LIVE4, FX_P4, 0, 1);
	fx_sa(&fx, SPI_LIVE6, FX_P6, mono_ns() + 3600ull * 1000000000ull, 2);
	fx_sa(&fx, SPI_EXPIRED, FX_P4, 1, 3);
	run_table(&fx);
	run_truncation(&fx);
	run_malformed(&fx);
	run_ratelimit(&fx);
	run_no_worker(&fx);
	fx_teardown(&fx);
	return tap_done();
}
