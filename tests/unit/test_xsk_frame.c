// SPDX-License-Identifier: GPL-2.0
/*
 * The worker's side of the metadata: frames go through the real classifier
 * (BPF_PROG_TEST_RUN), land the way AF_XDP puts them in the UMEM (metadata
 * just before a frame-aligned packet, so the IP header sits at offset 14 or
 * 18: misaligned for struct iphdr, which the sanitizer build would catch),
 * and the worker's readers must find the same SIP datagram, plain or out of
 * ESP, in every header shape: IPv4 with options, VLAN, IPv6 with hop-by-hop
 * and destination options, IPv6 atomic fragments.
 */
#include <errno.h>
#include <linux/bpf.h>
#include "tap.h"
#include "frames.h"
#include "xdp_fixture.h"
#include "esp_test_util.h"
#include "xdp/xsk_frame.h"

#define UE_PORT	  5062
#define P_PORT	  6100
#define SPI4	  0x2001
#define SPI6	  0x2002
#define SIP_BYTES 300

/* One UMEM frame: headroom for the metadata, then the packet, frame-aligned. */
static uint8_t umem[4096] __attribute__((aligned(4096)));
#define PKT_AT 256

struct shape {
	const char *name;
	int family, vlan, ip_opts, atomic;
};

static const struct shape shapes[] = {
	{ "v4", 4 },
	{ "v4 options", 4, .ip_opts = 3 },
	{ "v4 VLAN", 4, .vlan = 1 },
	{ "v4 VLAN options", 4, .vlan = 1, .ip_opts = 1 },
	{ "v6", 6 },
	{ "v6 VLAN", 6, .vlan = 1 },
	{ "v6 hop-by-hop + dest options", 6, .ip_opts = 1 },
	{ "v6 atomic fragment", 6, .atomic = 1 },
	{ "v6 VLAN ext headers + atomic fragment", 6, .vlan = 1, .ip_opts = 1, .atomic = 1 },
};

/* Classifies f; on a redirect leaves metadata + frame in umem as AF_XDP would. */
static int classify(struct xdp_fixture *fx, const struct frame_spec *f, int *len)
{
	uint8_t frame[2048];
	int meta_len = 0, act;

	*len = frame_build_offs(f, frame, sizeof(frame), &(struct frame_offs){});
	act = fx_run_out(fx, frame, *len, umem + PKT_AT - sizeof(struct pcscf_xdp_meta),
			 sizeof(umem) - PKT_AT, &meta_len);
	if (act != XDP_REDIRECT || meta_len != sizeof(struct pcscf_xdp_meta))
		return -1;
	return 0;
}

static int same_addr(const struct pcscf_addr *a, const char *text)
{
	struct pcscf_addr b;

	return !addr_parse(text, &b) && !memcmp(a, &b, sizeof(b));
}

static int payload_ok(const struct frame_sip *s)
{
	if (s->len != SIP_BYTES)
		return 0;
	for (int i = 0; i < SIP_BYTES; i++)
		if (s->payload[i] != 'A' + i % 26)
			return 0;
	return 1;
}

static struct frame_spec spec_of(const struct shape *sh)
{
	return (struct frame_spec){ .family = sh->family, .vlan = sh->vlan,
				    .ip_opts = sh->ip_opts, .atomic = sh->atomic,
				    .src = sh->family == 4 ? FX_UE4 : FX_UE6,
				    .dst = sh->family == 4 ? FX_P4 : FX_P6 };
}

static void run_sip(struct xdp_fixture *fx)
{
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct frame_spec f = spec_of(&shapes[i]);
		struct pcscf_xdp_meta m;
		struct frame_sip s = {};
		int len, ok;

		f.l4 = F_UDP;
		f.sport = UE_PORT;
		f.dport = 5060;
		f.payload = SIP_BYTES;
		ok = !classify(fx, &f, &len) && !xsk_frame_meta(umem + PKT_AT, len, &m) &&
		     m.kind == PCSCF_META_SIP && !xsk_frame_sip(umem + PKT_AT, len, &m, &s) &&
		     same_addr(&s.src, f.src) && same_addr(&s.dst, f.dst) && s.sport == UE_PORT &&
		     s.dport == 5060 && payload_ok(&s);
		TAP_CHECK(ok, "SIP %s: classified, addresses, ports and payload read at the offsets",
			  shapes[i].name);
	}
}

/* The UE's outbound SA and our inbound one, as the registration would set them up. */
static int make_sas(int family, uint32_t spi, struct esp_sa **out, struct esp_sa **in)
{
	struct esp_sa_params p;
	int err;

	test_params(&p, family == 4 ? AF_INET : AF_INET6, false, ESP_AUTH_HMAC_SHA1_96,
		    ESP_ENC_AES_CBC);
	p.spi = spi;
	addr_parse(family == 4 ? FX_UE4 : FX_UE6, (struct pcscf_addr *)p.src);
	addr_parse(family == 4 ? FX_P4 : FX_P6, (struct pcscf_addr *)p.dst);
	p.sport = UE_PORT;
	p.dport = P_PORT;
	*out = esp_sa_create(&p, &err);
	p.inbound = true;
	*in = esp_sa_create(&p, &err);
	return *out && *in ? 0 : -1;
}

static void run_esp(struct xdp_fixture *fx)
{
	struct esp_sa *out[2], *in[2];

	if (make_sas(4, SPI4, &out[0], &in[0]) || make_sas(6, SPI6, &out[1], &in[1])) {
		tap_result(0, "ESP SAs created");
		return;
	}
	fx_sa(fx, SPI4, FX_P4);
	fx_sa(fx, SPI6, FX_P6);
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		int v6 = shapes[i].family == 6;
		struct frame_spec f = spec_of(&shapes[i]);
		uint8_t l4[600], pkt[1024];
		struct pcscf_xdp_meta m;
		struct frame_sip s = {};
		size_t l4_len = test_udp(l4, SIP_BYTES, UE_PORT, P_PORT), pkt_len = 0;
		size_t outer = v6 ? 40 : 20;
		int len, ok, err = -1;

		if (esp_encap(out[v6], IPPROTO_UDP, l4, l4_len, pkt, sizeof(pkt), &pkt_len)) {
			tap_result(0, "ESP %s: encap", shapes[i].name);
			continue;
		}
		/* The ESP part of the UE's packet, in a frame of this shape. */
		f.l4 = F_ESP;
		f.raw = pkt + outer;
		f.raw_len = pkt_len - outer;
		ok = !classify(fx, &f, &len) && !xsk_frame_meta(umem + PKT_AT, len, &m) &&
		     m.kind == PCSCF_META_ESP && m.sa_slot == (v6 ? FX_SLOT(SPI6) : FX_SLOT(SPI4));
		if (ok)
			err = xsk_frame_esp(in[v6], umem + PKT_AT, len, &m, &s);
		ok = ok && !err && same_addr(&s.src, f.src) && same_addr(&s.dst, f.dst) &&
		     s.sport == UE_PORT && s.dport == P_PORT && payload_ok(&s);
		TAP_CHECK(ok, "ESP %s: classified, decapsulated at the offsets, inner SIP read (%d)",
			  shapes[i].name, err);
	}
	for (int v6 = 0; v6 < 2; v6++) {
		esp_sa_destroy(out[v6]);
		esp_sa_destroy(in[v6]);
	}
}

/* Metadata that does not fit the frame is refused, not followed. */
static void run_bad_meta(struct xdp_fixture *fx)
{
	struct frame_spec f = { .family = 4, .src = FX_UE4, .dst = FX_P4, .l4 = F_UDP,
				.sport = UE_PORT, .dport = 5060, .payload = SIP_BYTES };
	uint8_t *frame = umem + PKT_AT, *mp = frame - sizeof(struct pcscf_xdp_meta);
	struct pcscf_xdp_meta m, good;
	struct frame_sip s;
	int len;

	if (classify(fx, &f, &len) || xsk_frame_meta(frame, len, &good)) {
		tap_result(0, "bad metadata: a good frame to start from");
		return;
	}
	static const struct {
		const char *name;
		int field, value;
	} bad[] = {
		{ "no magic", 0, 0 },
		{ "transport offset past the frame", 1, 4000 },
		{ "IP header overlapping the transport offset", 2, 30 },
		{ "protocol byte outside the IP header", 3, 2 },
		{ "family 5", 4, 5 },
		{ "family 6 on an IPv4 packet", 4, 6 },
		{ "unknown kind", 5, 9 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = good;
		switch (bad[i].field) {
		case 0: m.magic = 0; break;
		case 1: m.l4_off = bad[i].value; break;
		case 2: m.l4_off = bad[i].value; break;
		case 3: m.proto_off = bad[i].value; break;
		case 4: m.family = bad[i].value; break;
		case 5: m.kind = bad[i].value; break;
		}
		memcpy(mp, &m, sizeof(m));
		TAP_CHECK(xsk_frame_meta(frame, len, &m) == -EBADMSG, "metadata refused: %s",
			  bad[i].name);
	}
	memcpy(mp, &good, sizeof(good));
	TAP_CHECK(xsk_frame_sip(frame, good.l4_off + 6, &good, &s) == -EINVAL,
		  "frame cut inside the UDP header: refused");
	TAP_CHECK(xsk_frame_sip(frame, len - 1, &good, &s) == -EINVAL,
		  "UDP length past the frame: refused");
}

int main(void)
{
	struct pcscf_config cfg = { .sip_port = 5060, .prot_port_lo = 6100, .prot_port_hi = 6999,
				    .rl_rate_pps = 1000000, .rl_burst = 1000000,
				    .rl_new_burst = 1000000, .agg_rate_pps = 1000000,
				    .agg_burst = 1000000 };
	struct xdp_fixture fx;
	int err = fx_setup(&fx, &cfg);

	if (err) {
		tap_result(0, "fixture: load classifier and AF_XDP socket: %s", strerror(-err));
		return tap_done();
	}
	run_sip(&fx);
	run_esp(&fx);
	run_bad_meta(&fx);
	fx_teardown(&fx);
	return tap_done();
}
