// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/if_xdp.h>
#include <bpf/bpf.h>

#include "common/log.h"
#include "xdp/xsk_port.h"

static int socket_create(struct xsk_port *p, const char *ifname, int queue, __u16 bind_flags)
{
	struct xsk_socket_config cfg = {
		.rx_size = XSK_RING_SIZE,
		.tx_size = XSK_RING_SIZE,
		/* Our classifier is already attached (or adopted): libxdp must not load its own. */
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = bind_flags,
	};

	return xsk_socket__create(&p->xsk, ifname, queue, p->umem, &p->rx, &p->tx, &cfg);
}

int xsk_port_open(struct xsk_port *p, const char *ifname, int queue, int xsks_fd)
{
	struct xsk_umem_config ucfg = {
		.fill_size = XSK_RING_SIZE,
		.comp_size = XSK_RING_SIZE,
		.frame_size = XSK_FRAME_SIZE,
		.frame_headroom = 0,
	};
	uint64_t addrs[XSK_RX_FRAMES];
	size_t size = (size_t)XSK_NUM_FRAMES * XSK_FRAME_SIZE;
	int err;

	memset(p, 0, sizeof(*p));
	p->queue = queue;
	p->area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->area == MAP_FAILED) {
		p->area = NULL;
		return -errno;
	}
	err = xsk_umem__create(&p->umem, p->area, size, &p->fq, &p->cq, &ucfg);
	if (err) {
		pr_err("AF_XDP umem for %s queue %d: %s", ifname, queue, strerror(-err));
		goto fail;
	}
	/* Zero-copy where the driver has it; veth and most others give copy mode. */
	err = socket_create(p, ifname, queue, XDP_ZEROCOPY);
	if (err) {
		err = socket_create(p, ifname, queue, XDP_COPY);
		if (err) {
			pr_err("AF_XDP socket on %s queue %d: %s", ifname, queue, strerror(-err));
			goto fail;
		}
	} else {
		p->zerocopy = true;
	}
	err = xsk_socket__update_xskmap(p->xsk, xsks_fd);
	if (err) {
		pr_err("XSKMAP slot %d: %s", queue, strerror(-err));
		goto fail;
	}
	for (uint32_t i = 0; i < XSK_RX_FRAMES; i++)
		addrs[i] = (uint64_t)i * XSK_FRAME_SIZE;
	if (xsk_port_refill(p, addrs, XSK_RX_FRAMES)) {
		err = -ENOSPC;
		goto fail;
	}
	for (uint32_t i = XSK_RX_FRAMES; i < XSK_NUM_FRAMES; i++)
		p->tx_free[p->tx_free_n++] = (uint64_t)i * XSK_FRAME_SIZE;
	pr_info("AF_XDP socket on %s queue %d (%s mode)", ifname, queue,
		p->zerocopy ? "zero-copy" : "copy");
	return 0;
fail:
	xsk_port_close(p, xsks_fd);
	return err;
}

void xsk_port_close(struct xsk_port *p, int xsks_fd)
{
	if (p->xsk) {
		int key = p->queue;

		/* Empty the slot first so the classifier falls back to PASS, not a dead socket. */
		if (xsks_fd >= 0)
			bpf_map_delete_elem(xsks_fd, &key);
		xsk_socket__delete(p->xsk);
	}
	if (p->umem)
		xsk_umem__delete(p->umem);
	if (p->area)
		munmap(p->area, (size_t)XSK_NUM_FRAMES * XSK_FRAME_SIZE);
	p->xsk = NULL;
	p->umem = NULL;
	p->area = NULL;
}
