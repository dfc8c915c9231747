// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP classifier on arbitrary frames through BPF_PROG_TEST_RUN (needs
 * root). The verifier already proves memory safety; this checks behaviour:
 * every frame gets one of the classifier's actions and moves exactly one
 * verdict counter, and every redirected frame carries metadata the worker
 * accepts (offsets inside the frame), which the worker's SIP reader then
 * reads without going out of it.
 *
 * The first STEER_LEN bytes of the input are the config, written to the
 * config map before the frame runs, so the fuzzer reaches every branch: which
 * addresses are ours, SIP port, protected range, bucket sizes and rates,
 * prefix lengths, core prefixes. The rest is the frame.
 */
#include <linux/bpf.h>
#include <stdlib.h>
#include "../unit/xdp_fixture.h"
#include "xdp/xsk_frame.h"

/*
 *  0 flags: bits 0-3 which of OURS[] are ours, bit 4/5 core prefix v4/v6 on
 *  1 SIP port 5060 + b % 8      2 protected low 6100 + b % 16 * 8, 0: none
 *  3 protected span             4 per-source burst      5 first burst
 *  6 aggregate burst * 16       7 IPv4 prefix % 33      8 IPv6 prefix % 129
 *  9 core v4 length % 33       10 core v6 length % 129 11 per-source rate
 * 12-15 core v4 prefix         16-31 core v6 prefix
 * A 0 in a size, rate or prefix byte leaves the classifier's default.
 */
#define STEER_LEN 32

static const char *const OURS[4] = { FX_P4, FX_P6, "192.0.2.9", "2001:db8:1::9" };

static struct xdp_fixture fx;
static int ready;

static uint64_t total(void)
{
	struct pcscf_xdp_stats s;
	const __u64 *v = (const __u64 *)&s;
	uint64_t t = 0;

	xdp_stats_read(fx.h.stats_fd, &s);
	for (int i = 0; i < PCSCF_STAT_MAX; i++)
		t += v[i];
	return t;
}

static void core_prefix(struct pcscf_prefix *p, const uint8_t *addr, int v4, unsigned int len)
{
	char text[64], a[ADDR_STR_LEN];
	struct pcscf_addr x = {};

	if (v4) {
		x.a[10] = x.a[11] = 0xff;
		memcpy(&x.a[12], addr, 4);
	} else {
		memcpy(x.a, addr, 16);
		if (addr_is_v4(&x))
			len %= 33; /* printed as IPv4 text: a /len of 32 bits */
	}
	snprintf(text, sizeof(text), "%s/%u", addr_str(&x, a, sizeof(a)), len);
	if (xdp_prefix_parse(text, p))
		abort(); /* every prefix we print must parse */
}

static void steer(const uint8_t *b)
{
	struct pcscf_config cfg = {
		.sip_port = 5060 + b[1] % 8,
		.prot_port_lo = b[2] ? 6100 + b[2] % 16 * 8 : 0,
		.rl_burst = b[4],
		.rl_new_burst = b[5],
		.agg_burst = b[6] * 16,
		.rl_prefix4 = b[7] % 33,
		.rl_prefix6 = b[8] % 129,
		.rl_rate_pps = b[11],
	};

	cfg.prot_port_hi = cfg.prot_port_lo ? cfg.prot_port_lo + b[3] : 0;
	for (int i = 0; i < 4; i++)
		if (b[0] & 1 << i)
			addr_parse(OURS[i], &cfg.addrs[cfg.n_addrs++]);
	if (b[0] & 0x10)
		core_prefix(&cfg.core[cfg.n_core++], b + 12, 1, b[9] % 33);
	if (b[0] & 0x20)
		core_prefix(&cfg.core[cfg.n_core++], b + 16, 0, b[10] % 129);
	if (xdp_cfg_write(&fx.h, &cfg))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct pcscf_config cfg = { .sip_port = 5060, .prot_port_lo = 6100, .prot_port_hi = 6999 };

	if (fx_setup(&fx, &cfg))
		abort();
	fx_sa(&fx, 0x1001, FX_P4);
	fx_sa(&fx, 0x1002, FX_P6);
	ready = 1;
	return 0;
}

/* A redirect's metadata must be one the worker takes, and its reader stay inside. */
static void check_redirect(uint8_t *out, int meta_len, size_t len)
{
	uint8_t *frame = out + meta_len;
	struct pcscf_xdp_meta m;
	struct frame_sip s;

	if (meta_len != sizeof(m) || xsk_frame_meta(frame, len, &m))
		abort();
	if (m.kind == PCSCF_META_SIP && !xsk_frame_sip(frame, len, &m, &s) &&
	    s.payload + s.len > frame + len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[4096 + 64] __attribute__((aligned(64)));
	uint64_t before;
	int act, meta_len = 0;

	if (!ready || size < STEER_LEN + 14 || size > 4096)
		return 0;
	steer(data);
	data += STEER_LEN;
	size -= STEER_LEN;
	before = total();
	act = fx_run_out(&fx, data, size, out, sizeof(out), &meta_len);
	if (act != XDP_PASS && act != XDP_DROP && act != XDP_REDIRECT)
		abort();
	if (total() != before + 1)
		abort();
	if (act == XDP_REDIRECT)
		check_redirect(out, meta_len, size);
	return 0;
}
