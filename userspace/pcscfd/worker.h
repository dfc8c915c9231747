/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One worker thread per AF_XDP socket (per rx queue). It owns its rings,
 * its UMEM and every per-queue state (ESP replay windows of the SAs that hash
 * to its queue), so the per-packet path takes no lock and makes no syscall
 * but the ring kicks.
 */
#ifndef PCSCFD_WORKER_H
#define PCSCFD_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include "xdp/xsk_port.h"
#include "xdp/xdp_stats.h"
#include "proxy/sa_slots.h"
#include "proxy/sip_ring.h"
#include "esp/esp_reasm.h"

struct worker {
	pthread_t thread;
	struct xsk_port port;
	struct worker_stats stats; /* written per frame by this worker only */
	struct sip_ring *ring;	/* to the signalling thread */
	struct sa_slots *slots; /* inbound ESP state by classifier slot */
	struct reasm reasm;	/* ESP that arrived as IP fragments */
	uint64_t now_ns;	/* CLOCK_MONOTONIC at the start of the batch */
	const atomic_bool *stop;
	int queue;
	int tun_fd; /* TCP inside ESP goes into it (-1: off) */
	bool running;
	/* the next worker's hot fields a cache line away from our counters */
	char pad[64];
};

/* ring, slots and tun_fd are owned by the caller and must outlive the worker. */
int worker_start(struct worker *w, const char *ifname, int queue, int xsks_fd,
		 struct sip_ring *ring, struct sa_slots *slots, const atomic_bool *stop,
		 int tun_fd);
void worker_join(struct worker *w, int xsks_fd);

#endif
