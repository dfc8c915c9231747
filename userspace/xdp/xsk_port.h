/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One AF_XDP socket with its own UMEM, bound to one rx queue and owned by one
 * worker thread: fill/completion rings have a single producer and consumer,
 * so no lock. The UMEM is split in two: the first half feeds the fill ring,
 * the second half is a free stack of TX frames.
 */
#ifndef PCSCF_XSK_PORT_H
#define PCSCF_XSK_PORT_H

#include <stdbool.h>
#include <stdint.h>
#include <xdp/xsk.h>

#define XSK_FRAME_SIZE	XSK_UMEM__DEFAULT_FRAME_SIZE
#define XSK_NUM_FRAMES	4096
#define XSK_RX_FRAMES	(XSK_NUM_FRAMES / 2)
#define XSK_RING_SIZE	2048
#define XSK_BATCH	64

struct xsk_port {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	void *area;
	int queue;
	bool zerocopy;
	uint32_t tx_free_n;
	uint64_t tx_free[XSK_NUM_FRAMES - XSK_RX_FRAMES];
};

/* Creates UMEM + socket on ifname/queue, registers it in the XSKMAP. */
int xsk_port_open(struct xsk_port *p, const char *ifname, int queue, int xsks_fd);
void xsk_port_close(struct xsk_port *p, int xsks_fd);

static inline void *xsk_port_frame(const struct xsk_port *p, uint64_t addr)
{
	return xsk_umem__get_data(p->area, addr);
}

/* Returns rx frames to the fill ring; returns how many did not fit. */
static inline uint32_t xsk_port_refill(struct xsk_port *p, const uint64_t *addrs, uint32_t n)
{
	uint32_t idx, i;

	if (xsk_ring_prod__reserve(&p->fq, n, &idx) != n)
		return n;
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&p->fq, idx + i) = addrs[i];
	xsk_ring_prod__submit(&p->fq, n);
	return 0;
}

#endif
