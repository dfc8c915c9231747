// SPDX-License-Identifier: GPL-2.0
/*
 * Per-packet cost of each classifier verdict through BPF_PROG_TEST_RUN with
 * repeat, next to a bare XDP_PASS program measured in the same run, with 10
 * and with 100,000 SAs in the map. Prints ns/packet and the ratio to bare.
 */
#include <linux/bpf.h>
#include <sodium.h>
#include "tap.h"
#include "frames.h"
#include "xdp_fixture.h"

#define REPEAT 2000000
#define ROUNDS 3

struct bench_case {
	const char *name;
	struct frame_spec f;
};

#define V4(...) { .family = 4, .src = FX_UE4, .dst = FX_P4, __VA_ARGS__ }
#define V6(...) { .family = 6, .src = FX_UE6, .dst = FX_P6, __VA_ARGS__ }

static const struct bench_case cases[] = {
	{ "sip_unprotected v4", V4(.l4 = F_UDP, .dport = 5060, .payload = 400) },
	{ "sip_unprotected v6", V6(.l4 = F_UDP, .dport = 5060, .payload = 400) },
	{ "esp (live SA) v4", V4(.l4 = F_ESP, .spi = 0x1001, .payload = 400) },
	{ "esp (live SA) v6", V6(.l4 = F_ESP, .spi = 0x1002, .payload = 400) },
	{ "esp_unknown_spi v4", V4(.l4 = F_ESP, .spi = 0x7777, .payload = 400) },
	{ "unprotected_on_protected_port", V4(.l4 = F_UDP, .dport = 6100, .payload = 400) },
	{ "malformed (truncated IPv4)", V4(.l4 = F_UDP, .dport = 5060) },
	{ "pass (TCP ssh to us)", V4(.l4 = F_TCP, .dport = 22, .payload = 400) },
	{ "pass (other address)", { .family = 4, .src = FX_UE4, .dst = "192.0.2.77",
				    .l4 = F_UDP, .dport = 5060, .payload = 400 } },
};

/* Best of ROUNDS: the least disturbed by the other tenants of this machine. */
static double ns_per_pkt(int prog_fd, const uint8_t *frame, int len)
{
	double best = 1e9;

	for (int r = 0; r < ROUNDS; r++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
			    .repeat = REPEAT);
		if (bpf_prog_test_run_opts(prog_fd, &o))
			return -1;
		if (o.duration < best)
			best = o.duration;
	}
	return best;
}

static int fill_sas(struct xdp_fixture *fx, int n)
{
	for (int i = 0; i < n; i++) {
		/* an entry of the default-sized array each, clear of 0x1001/0x1002 */
		uint32_t spi = (randombytes_uniform(255) + 1) << PCSCF_SPI_SLOT_BITS |
			       (PCSCF_SA_MAP_BASE + 0x2000 + i);

		if (fx_sa(fx, spi, i & 1 ? FX_P6 : FX_P4))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pcscf_config cfg = { .sip_port = 5060, .prot_port_lo = 6100, .prot_port_hi = 6999,
				    .rl_rate_pps = 4000000000u, .rl_burst = 4000000000u,
				    /* no bucket may drop what is measured */
				    .rl_new_burst = 4000000000u, .agg_rate_pps = 4000000000u,
				    .agg_burst = 4000000000u };
	const char *build = getenv("PCSCF_BUILD") ?: "build";
	struct bpf_object *bare;
	struct xdp_fixture fx;
	char path[512];
	int bare_fd, sa_counts[] = { 10, 100000 };

	if (sodium_init() < 0 || fx_setup(&fx, &cfg)) {
		fprintf(stderr, "bench_xdp: fixture setup failed (root? bpf?)\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/bare_pass.bpf.o", build);
	bare = bpf_object__open_file(path, NULL);
	if (!bare || bpf_object__load(bare)) {
		fprintf(stderr, "bench_xdp: cannot load %s\n", path);
		return 1;
	}
	bare_fd = bpf_program__fd(bpf_object__find_program_by_name(bare, "bare_pass"));
	fx_sa(&fx, 0x1001, FX_P4);
	fx_sa(&fx, 0x1002, FX_P6);

	printf("XDP classifier cost per packet (BPF_PROG_TEST_RUN, repeat %d, best of %d)\n",
	       REPEAT, ROUNDS);
	printf("goal: classifier within 1.5x of the bare XDP_PASS program\n\n");
	for (size_t s = 0; s < sizeof(sa_counts) / sizeof(sa_counts[0]); s++) {
		if (fill_sas(&fx, sa_counts[s] - (s ? sa_counts[s - 1] : 2))) {
			fprintf(stderr, "bench_xdp: filling the SA map failed\n");
			return 1;
		}
		printf("%-32s %10s %10s %8s   (%d SAs in the map)\n", "verdict", "ns/pkt",
		       "bare ns", "ratio", sa_counts[s]);
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			uint8_t buf[2048];
			int l4 = 0, len = frame_build(&cases[i].f, buf, sizeof(buf), &l4);
			double t, b;

			if (strstr(cases[i].name, "truncated"))
				len = l4 - 4;
			b = ns_per_pkt(bare_fd, buf, len);
			t = ns_per_pkt(fx.h.prog_fd, buf, len);
			printf("%-32s %10.1f %10.1f %7.2fx\n", cases[i].name, t, b,
			       b > 0 ? t / b : 0);
		}
		printf("\n");
	}
	bpf_object__close(bare);
	fx_teardown(&fx);
	return 0;
}
