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

struct worker {
	pthread_t thread;
	struct xsk_port port;
	struct worker_stats stats;
	const atomic_bool *stop;
	int queue;
	bool running;
};

int worker_start(struct worker *w, const char *ifname, int queue, int xsks_fd,
		 const atomic_bool *stop);
void worker_join(struct worker *w, int xsks_fd);

#endif
