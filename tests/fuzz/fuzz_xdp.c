// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP classifier on arbitrary frames through BPF_PROG_TEST_RUN (needs
 * root). The verifier already proves memory safety; this checks behaviour:
 * every frame gets one of the classifier's actions and moves exactly one
 * verdict counter. The first bytes of the input steer the config (SIP port,
 * protected range) so the fuzzer reaches every branch.
 */
#include <linux/bpf.h>
#include <stdlib.h>
#include "../unit/xdp_fixture.h"

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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct pcscf_config cfg = { .sip_port = 5060, .prot_port_lo = 6100, .prot_port_hi = 6999 };

	if (fx_setup(&fx, &cfg))
		abort();
	fx_sa(&fx, 0x1001, FX_P4, 0, 1);
	fx_sa(&fx, 0x1002, FX_P6, 1, 2);
	ready = 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t before;
	int act;

	if (!ready || size < 14 || size > 4096)
		return 0;
	before = total();
	act = fx_run(&fx, data, size, 1, NULL);
	if (act != XDP_PASS && act != XDP_DROP && act != XDP_REDIRECT)
		abort();
	if (total() != before + 1)
		abort();
	return 0;
}
