// SPDX-License-Identifier: GPL-2.0
/*
 * Classifier cost per ESP packet at a given number of registered UEs, for
 * tests/bench/bench_scale.sh (issue 8). The SA map is sized and filled as
 * pcscfd would for `--max-regs N` with N UEs registered (two inbound SAs
 * each, SPIs carrying their array index, reg_sa_map_index), then measured
 * through BPF_PROG_TEST_RUN over pre-built frames:
 *   random: each run one frame, its SPI drawn at random over all 2N live SAs
 *           (a fresh SA entry per packet, as on a loaded node);
 *   hot:    one SPI, the same frame every run;
 *   bare:   tests/bench/bare_pass.bpf.c on the same frames.
 * Each run is repeat 1, so every figure carries the same timer overhead and
 * only the differences are the classifier's; the best of ROUNDS passes is
 * kept (the least disturbed by the other tenants of the machine).
 *
 *   xdp_scale N...     prints one line per N: "xdp_scale ues=N sas=.. entries=..
 *                      value_bytes=.. random_ns=.. hot_ns=.. bare_ns=.."
 *   xdp_scale --live PINNED_SA_MAP   "entries=.. live=..": the map's size and
 *                      its live SAs (batch reads: bpftool's JSON of millions of
 *                      entries takes minutes)
 */
#include <linux/bpf.h>
#include <sys/wait.h>
#include <sodium.h>
#include "tap.h"
#include "frames.h"
#include "xdp_fixture.h"
#include "reg/reg.h"

#define FRAMES 8192
#define ROUNDS 5

static uint32_t spi_of(uint32_t set, enum reg_sa_which w, uint32_t gen)
{
	struct reg_sa_set s = { .index = set };

	return (gen & 0xff) << PCSCF_SPI_SLOT_BITS | reg_sa_map_index(&s, w);
}

static uint8_t frames[FRAMES][256];
static int frame_len;

/* Mean ns per packet over n frames, one run each; best of ROUNDS. */
static double per_pkt(int prog_fd, int n, bool same)
{
	double best = 1e12;

	for (int r = 0; r < ROUNDS; r++) {
		uint64_t sum = 0;

		for (int i = 0; i < n; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frames[same ? 0 : i],
				    .data_size_in = frame_len, .repeat = 1);
			if (bpf_prog_test_run_opts(prog_fd, &o))
				return -1;
			sum += o.duration;
		}
		if ((double)sum / n < best)
			best = (double)sum / n;
	}
	return best;
}

static int run(uint32_t n, int bare_fd)
{
	struct pcscf_config cfg = { .sip_port = 5060, .prot_port_ps = 5100, .prot_port_lo = 5101,
				    .prot_port_hi = 5105 };
	struct reg_config rc = { .max_regs = n };
	uint32_t entries = reg_sa_map_entries(&rc);
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	struct xdp_fixture fx;
	struct pcscf_addr p4;
	double rnd, hot, bare;
	int err;

	err = fx_setup_sized(&fx, &cfg, entries);
	if (err) {
		fprintf(stderr, "xdp_scale: fixture (root? bpf?): %s\n", strerror(-err));
		return 1;
	}
	addr_parse(FX_P4, &p4);
	/*
	 * Batch writes as pcscfd does them one by one; each UE's set at index i,
	 * SA values as sa_ops.c writes them.
	 */
	for (uint32_t i = 0; i < n; i++)
		for (int w = 0; w < 2; w++) {
			enum reg_sa_which which = w ? REG_SA_PC : REG_SA_PS;
			struct xdp_sa v = { .slot = i * REG_SA_COUNT + which,
					    .generation = i + 1,
					    .state = PCSCF_SA_NEW,
					    .ue_port = 31000 };

			err = xdp_sa_put(&fx.h, spi_of(i, which, i + 1), &p4, &v);
			if (err) {
				fprintf(stderr, "xdp_scale: SA %u: %s\n", i, strerror(-err));
				fx_teardown(&fx);
				return 1;
			}
		}
	for (int i = 0; i < FRAMES; i++) {
		uint32_t u = randombytes_uniform(n), w = randombytes_uniform(2);
		struct frame_spec f = { .family = 4, .src = FX_UE4, .dst = FX_P4, .l4 = F_ESP,
					.payload = 100,
					.spi = spi_of(u, w ? REG_SA_PC : REG_SA_PS, u + 1) };
		int l4;

		frame_len = frame_build(&f, frames[i], sizeof(frames[i]), &l4);
	}
	bpf_obj_get_info_by_fd(fx.h.sa_fd, &info, &ilen);
	/* every frame must be a live SA's, or the figure is of the drop path */
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frames[FRAMES - 1],
			    .data_size_in = frame_len, .repeat = 1);
		if (bpf_prog_test_run_opts(fx.h.prog_fd, &o) || o.retval != XDP_REDIRECT) {
			fprintf(stderr, "xdp_scale: a live SA's frame was not redirected (%u)\n",
				o.retval);
			fx_teardown(&fx);
			return 1;
		}
	}
	rnd = per_pkt(fx.h.prog_fd, FRAMES, false);
	hot = per_pkt(fx.h.prog_fd, FRAMES, true);
	bare = per_pkt(bare_fd, FRAMES, false);
	printf("xdp_scale ues=%u sas=%u entries=%u value_bytes=%u map_kib=%llu random_ns=%.1f "
	       "hot_ns=%.1f bare_ns=%.1f\n",
	       n, 2 * n, info.max_entries, info.value_size,
	       (unsigned long long)info.max_entries * info.value_size >> 10, rnd, hot, bare);
	fflush(stdout);
	fx_teardown(&fx);
	return 0;
}

static int live(const char *pin)
{
	enum { BATCH = 65536 };
	static struct pcscf_sa_value vals[BATCH];
	static __u32 keys[BATCH];
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info), out_batch, n;
	unsigned long long nlive = 0;
	void *in = NULL;
	int fd = bpf_obj_get(pin), err;

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &ilen)) {
		fprintf(stderr, "xdp_scale: %s: %s\n", pin, strerror(errno));
		return 1;
	}
	do {
		LIBBPF_OPTS(bpf_map_batch_opts, o);
		n = BATCH;
		err = bpf_map_lookup_batch(fd, in, &out_batch, keys, vals, &n, &o);
		for (__u32 i = 0; i < n; i++)
			nlive += vals[i].spi != 0;
		in = &out_batch;
	} while (!err);
	if (errno != ENOENT) {
		fprintf(stderr, "xdp_scale: batch read: %s\n", strerror(errno));
		return 1;
	}
	printf("entries=%u live=%llu value_bytes=%u\n", info.max_entries, nlive, info.value_size);
	return 0;
}

int main(int argc, char **argv)
{
	const char *build = getenv("PCSCF_BUILD") ?: "build";
	struct bpf_object *bare;
	char path[512];
	int bare_fd, rc = 0;

	if (argc == 3 && !strcmp(argv[1], "--live"))
		return live(argv[2]);
	if (sodium_init() < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/bare_pass.bpf.o", build);
	bare = bpf_object__open_file(path, NULL);
	if (!bare || bpf_object__load(bare)) {
		fprintf(stderr, "xdp_scale: cannot load %s\n", path);
		return 1;
	}
	bare_fd = bpf_program__fd(bpf_object__find_program_by_name(bare, "bare_pass"));
	for (int i = 1; i < argc && !rc; i++) {
		/* each size in a namespace of its own (the fixture unshares) */
		pid_t pid = fork();
		int st;

		if (pid == 0)
			_exit(run(strtoul(argv[i], NULL, 0), bare_fd));
		if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			rc = 1;
	}
	bpf_object__close(bare);
	return rc;
}
