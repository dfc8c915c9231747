/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The classifier's verdict counters (summed over CPUs) and the AF_XDP
 * workers' counters, and their one text and one JSON rendering, shared by
 * pcscfd (control socket) and pcscfctl (pinned maps when pcscfd is down).
 */
#ifndef PCSCF_XDP_STATS_H
#define PCSCF_XDP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pcscf_maps.h"
#include "esp/esp_reasm.h"

/* Field names in struct pcscf_xdp_stats order; the JSON keys under "xdp". */
extern const char *const xdp_stat_names[PCSCF_STAT_MAX];

/* Written only by its worker thread; read racily by the control thread. */
struct worker_stats {
	uint64_t frames;     /* descriptors taken off the rx ring */
	uint64_t batches;    /* non-empty ring peeks */
	uint64_t drops;	     /* frames the worker refused (counted by reason below) */
	uint64_t sip;	     /* unprotected SIP frames */
	uint64_t esp;	     /* ESP frames */
	uint64_t esp_errors; /* ESP rejected: SA gone, ICV, replay, selectors (per SA in sa list) */
	uint64_t bad_meta;   /* no or bad classifier metadata */
	uint64_t fill_short; /* fill ring could not take all frames back */
	uint64_t ring_big_full; /* a reassembled message found the ring's big area full */
	uint64_t ring_full; /* SIP for the signalling thread found its ring full (it is behind) */
	uint64_t tcp_in;	/* TCP inside ESP: decrypted segments written to the TUN */
	uint64_t tcp_drops;	/* ... not written (TCP inside ESP off, TUN full) */
	struct reasm_stats reasm; /* ESP fragments (copied from the worker's reassembler) */
};

int xdp_stats_read(int stats_fd, struct pcscf_xdp_stats *out);
struct outbuf;
/*
 * Appends the counters to o; workers may be NULL with nworkers 0 (pcscfctl
 * reading pinned maps). JSON is left open after the "workers" array so the
 * caller can add its own sections; stats_render_end() closes it.
 */
void stats_render(struct outbuf *o, const struct pcscf_xdp_stats *x,
		  const struct worker_stats *workers, int nworkers, bool json);
void stats_render_end(struct outbuf *o, bool json);

#endif
