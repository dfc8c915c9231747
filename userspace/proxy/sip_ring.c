// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "proxy/sip_ring.h"

int sip_ring_init(struct sip_ring *r)
{
	atomic_store(&r->head, 0);
	atomic_store(&r->tail, 0);
	r->dropped_full = 0;
	r->dropped_big = 0;
	r->big_head = 0;
	atomic_store(&r->big_tail, 0);
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return r->efd < 0 ? -errno : 0;
}

void sip_ring_fini(struct sip_ring *r)
{
	if (r->efd >= 0)
		close(r->efd);
	r->efd = -1;
}

void sip_ring_kick(struct sip_ring *r)
{
	uint64_t one = 1;

	if (write(r->efd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, the consumer is awake anyway */
	}
}

void sip_ring_ack(struct sip_ring *r)
{
	uint64_t v;

	if (read(r->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing pending */
	}
}
