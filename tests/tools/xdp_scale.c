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
 * Each run is repeat 1, so every figure carries the same per-call overhead
 * at every size and only the differences are the classifier's.
 *
 * All sizes are loaded side by side in one process and measured in turn,
 * ROUNDS times: the other tenants of a shared machine load every size alike
 * within a round, so the ratio of a round is steadier than its absolute
 * figures. Printed: the median over the rounds of each figure, and of the
 * per-round ratio of random to the first size's random (ratio=).
 *
 *   xdp_scale N...     prints one line per N: "xdp_scale ues=N sas=.. entries=..
 *                      value_bytes=.. random_ns=.. hot_ns=.. bare_ns=.. ratio=.."
 *   xdp_scale --live PINNED_SA_MAP   "entries=.. live=..": the map's size and
 *                      its live SAs (batch reads: bpftool's JSON of millions of
 *                      entries takes minutes)
 */
#include <linux/bpf.h>
#include <stdlib.h>
#include <sodium.h>
#include "tap.h"
#include "frames.h"
#include "xdp_fixture.h"
#include "common/sa_sizing.h"
#include "reg/reg.h"

#define FRAMES 8192
#define ROUNDS	 15
#define MAX_SIZES 8

static uint32_t spi_of(uint32_t set, enum reg_sa_which w, uint32_t gen)
{
	struct reg_sa_set s = { .index = set };

	return (gen & 0xff) << PCSCF_SPI_SLOT_BITS | reg_sa_map_index(&s, w);
}

struct size_run {
	uint32_t n;
	struct xdp_fixture fx;
	struct bpf_map_info info;
	uint8_t (*frames)[256]; /* FRAMES, SPIs at random over this size's live SAs */
	int frame_len;
	double rnd[ROUNDS], hot[ROUNDS], bare[ROUNDS], ratio[ROUNDS];
};

/* Mean ns per packet over FRAMES runs of one frame each (the first only: same). */
static double per_pkt(int prog_fd, const struct size_run *z, bool same)
{
	uint64_t sum = 0;

	for (int i = 0; i < FRAMES; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = z->frames[same ? 0 : i],
			    .data_size_in = z->frame_len, .repeat = 1);
		if (bpf_prog_test_run_opts(prog_fd, &o))
			return -1;
		sum += o.duration;
	}
	return (double)sum / FRAMES;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, ROUNDS, sizeof(*v), cmp_double);
	return v[ROUNDS / 2];
}

/*
 * The map as pcscfd sizes and fills it: each UE's set at index i, SA values
 * as sa_ops.c writes them (one write each, as pcscfd does them).
 */
static int setup(struct size_run *z)
{
	struct pcscf_config cfg = { .sip_port = 5060, .prot_port_ps = 5100, .prot_port_lo = 5101,
				    .prot_port_hi = 5105 };
	/* as pcscfd sizes it: sets for every registration's four (sa_sizing.h) */
	struct reg_config rc = { .max_regs = z->n, .max_sets = reg_sets_for(z->n) };
	__u32 ilen = sizeof(z->info);
	struct pcscf_addr p4;
	int err;

	err = fx_setup_sized(&z->fx, &cfg, reg_sa_map_entries(&rc));
	if (err) {
		fprintf(stderr, "xdp_scale: fixture (root? bpf?): %s\n", strerror(-err));
		return err;
	}
	addr_parse(FX_P4, &p4);
	for (uint32_t i = 0; i < z->n; i++)
		for (int w = 0; w < 2; w++) {
			enum reg_sa_which which = w ? REG_SA_PC : REG_SA_PS;
			struct xdp_sa v = { .slot = i * REG_SA_COUNT + which,
					    .generation = i + 1,
					    .state = PCSCF_SA_NEW,
					    .ue_port = 31000 };

			err = xdp_sa_put(&z->fx.h, spi_of(i, which, i + 1), &p4, &v);
			if (err) {
				fprintf(stderr, "xdp_scale: SA %u: %s\n", i, strerror(-err));
				return err;
			}
		}
	z->frames = calloc(FRAMES, sizeof(*z->frames));
	if (!z->frames)
		return -ENOMEM;
	for (int i = 0; i < FRAMES; i++) {
		uint32_t u = randombytes_uniform(z->n), w = randombytes_uniform(2);
		struct frame_spec f = { .family = 4, .src = FX_UE4, .dst = FX_P4, .l4 = F_ESP,
					.payload = 100,
					.spi = spi_of(u, w ? REG_SA_PC : REG_SA_PS, u + 1) };
		int l4;

		z->frame_len = frame_build(&f, z->frames[i], sizeof(z->frames[i]), &l4);
	}
	bpf_obj_get_info_by_fd(z->fx.h.sa_fd, &z->info, &ilen);
	/* every frame must be a live SA's, or the figure is of the drop path */
	for (int i = 0; i < FRAMES; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = z->frames[i],
			    .data_size_in = z->frame_len, .repeat = 1);
		if (bpf_prog_test_run_opts(z->fx.h.prog_fd, &o) || o.retval != XDP_REDIRECT) {
			fprintf(stderr, "xdp_scale: a live SA's frame was not redirected (%u)\n",
				o.retval);
			return -EINVAL;
		}
	}
	return 0;
}

static int measure(struct size_run *z, int nz, int bare_fd)
{
	for (int r = 0; r < ROUNDS; r++)
		for (int k = 0; k < nz; k++) {
			z[k].rnd[r] = per_pkt(z[k].fx.h.prog_fd, &z[k], false);
			z[k].hot[r] = per_pkt(z[k].fx.h.prog_fd, &z[k], true);
			z[k].bare[r] = per_pkt(bare_fd, &z[k], false);
			if (z[k].rnd[r] < 0 || z[k].hot[r] < 0 || z[k].bare[r] < 0)
				return -1;
		}
	for (int k = 0; k < nz; k++)
		for (int r = 0; r < ROUNDS; r++)
			z[k].ratio[r] = z[k].rnd[r] / z[0].rnd[r];
	for (int k = 0; k < nz; k++) {
		struct size_run *y = &z[k];

		printf("xdp_scale ues=%u sas=%u entries=%u value_bytes=%u map_kib=%llu "
		       "random_ns=%.1f hot_ns=%.1f bare_ns=%.1f ratio=%.2f\n",
		       y->n, 2 * y->n, y->info.max_entries, y->info.value_size,
		       (unsigned long long)y->info.max_entries * y->info.value_size >> 10,
		       median(y->rnd), median(y->hot), median(y->bare), median(y->ratio));
	}
	fflush(stdout);
	return 0;
}

static int live(const char *pin)
{
	enum { BATCH = 65536 };
	static struct pcscf_sa_tags vals[BATCH];
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
			for (int j = 0; j < PCSCF_SA_PER_ELEM; j++)
				nlive += vals[i].tag[j] != 0;
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
	static struct size_run z[MAX_SIZES];
	struct bpf_object *bare;
	char path[512];
	int bare_fd, rc = 0, nz = 0;

	if (argc == 3 && !strcmp(argv[1], "--live"))
		return live(argv[2]);
	if (argc < 2 || argc - 1 > MAX_SIZES) {
		fprintf(stderr, "usage: xdp_scale N... (at most %d sizes) | --live PIN\n", MAX_SIZES);
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/bare_pass.bpf.o", build);
	bare = bpf_object__open_file(path, NULL);
	if (!bare || bpf_object__load(bare)) {
		fprintf(stderr, "xdp_scale: cannot load %s\n", path);
		return 1;
	}
	bare_fd = bpf_program__fd(bpf_object__find_program_by_name(bare, "bare_pass"));
	/* each size in a network namespace of its own (the fixture unshares) */
	for (int i = 1; i < argc && !rc; i++) {
		z[nz].n = strtoul(argv[i], NULL, 0);
		rc = z[nz].n ? setup(&z[nz]) : -EINVAL;
		nz++;
	}
	if (!rc)
		rc = measure(z, nz, bare_fd);
	for (int k = 0; k < nz; k++) {
		fx_teardown(&z[k].fx);
		free(z[k].frames);
	}
	bpf_object__close(bare);
	return rc ? 1 : 0;
}
