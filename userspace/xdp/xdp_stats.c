// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/outbuf.h"
#include "xdp/xdp_stats.h"

_Static_assert(sizeof(struct pcscf_xdp_stats) == PCSCF_STAT_MAX * sizeof(__u64),
	       "pcscf_xdp_stats fields and enum pcscf_stat disagree");

const char *const xdp_stat_names[PCSCF_STAT_MAX] = {
	[PCSCF_STAT_SIP_UNPROTECTED] = "sip_unprotected",
	[PCSCF_STAT_ESP] = "esp",
	[PCSCF_STAT_ESP_UNKNOWN_SPI] = "esp_unknown_spi",
	[PCSCF_STAT_ESP_EXPIRED] = "esp_expired",
	[PCSCF_STAT_UNPROT_ON_PROT_PORT] = "unprotected_on_protected_port",
	[PCSCF_STAT_RATE_LIMITED] = "rate_limited",
	[PCSCF_STAT_MALFORMED] = "malformed",
	[PCSCF_STAT_PASS] = "pass",
	[PCSCF_STAT_PASS_FRAGMENT] = "pass_fragment",
	[PCSCF_STAT_NO_WORKER] = "no_worker",
	[PCSCF_STAT_AGG_LIMITED] = "agg_limited",
	[PCSCF_STAT_BAD_SOURCE] = "bad_source",
	[PCSCF_STAT_ESP_FRAGMENT] = "esp_fragment",
};

int xdp_stats_read(int stats_fd, struct pcscf_xdp_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pcscf_xdp_stats *percpu;
	__u32 key = 0;
	int err = 0;

	if (ncpu <= 0)
		return -EINVAL;
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(stats_fd, &key, percpu)) {
		err = -errno;
		goto out;
	}
	for (int c = 0; c < ncpu; c++) {
		__u64 *src = (__u64 *)&percpu[c], *dst = (__u64 *)out;

		for (int i = 0; i < PCSCF_STAT_MAX; i++)
			dst[i] += src[i];
	}
out:
	free(percpu);
	return err;
}

#define WORKER_FIELDS(X)                                                                           \
	X(frames) X(batches) X(drops) X(sip) X(esp) X(esp_errors) X(bad_meta) X(fill_short)        \
	X(ring_big_full) X(ring_full) X(tcp_in) X(tcp_drops)
#define REASM_FIELDS(X)                                                                            \
	X(frags) X(done) X(duplicate) X(overlap) X(timeout) X(evicted) X(per_source) X(too_many)   \
	X(too_big) X(malformed)

void stats_render(struct outbuf *o, const struct pcscf_xdp_stats *x,
		  const struct worker_stats *workers, int nworkers, bool json)
{
	const __u64 *v = (const __u64 *)x;
	outbuf_printf(o, json ? "{\"xdp\":{" : "xdp verdicts (all CPUs)\n");
	for (int i = 0; i < PCSCF_STAT_MAX; i++)
		outbuf_printf(o, json ? "%s\"%s\":%llu" : "%s  %-32s %llu\n", json && i ? "," : "",
		    xdp_stat_names[i], (unsigned long long)v[i]);
	outbuf_printf(o, json ? "},\"workers\":[" : "workers\n");
	for (int w = 0; w < nworkers; w++) {
		const struct worker_stats *s = &workers[w];

		if (json) {
			outbuf_printf(o, "%s{\"queue\":%d", w ? "," : "", w);
#define J(f) outbuf_printf(o, ",\"" #f "\":%llu", (unsigned long long)s->f);
			WORKER_FIELDS(J)
#undef J
#define J(f) outbuf_printf(o, ",\"reasm_" #f "\":%llu", (unsigned long long)s->reasm.f);
			REASM_FIELDS(J)
#undef J
			outbuf_printf(o, "}");
		} else {
			outbuf_printf(o, "  queue %d:", w);
#define T(f) outbuf_printf(o, " " #f "=%llu", (unsigned long long)s->f);
			WORKER_FIELDS(T)
#undef T
			outbuf_printf(o, "\n           reasm:");
#define T(f) outbuf_printf(o, " " #f "=%llu", (unsigned long long)s->reasm.f);
			REASM_FIELDS(T)
#undef T
			outbuf_printf(o, "\n");
		}
	}
	if (!json && !nworkers)
		outbuf_printf(o, "  (pcscfd not running: counters read from the pinned maps)\n");
	outbuf_printf(o, json ? "]" : "");
}

void stats_render_end(struct outbuf *o, bool json)
{
	outbuf_printf(o, json ? "}\n" : "");
}
