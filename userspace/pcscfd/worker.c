// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

#include "pcscf_maps.h"
#include "common/addr.h"
#include "common/log.h"
#include "pcscfd/worker.h"

#define POLL_MS 100

/*
 * The classifier wrote its metadata just in front of the frame; AF_XDP copies
 * it along. Without the magic the frame did not come through our classifier
 * (or metadata is unsupported): refuse it rather than guess.
 */
static const struct pcscf_xdp_meta *frame_meta(const uint8_t *frame)
{
	const struct pcscf_xdp_meta *m = (const void *)(frame - sizeof(*m));

	return m->magic == PCSCF_META_MAGIC ? m : NULL;
}

/* Source address and UDP payload of an unprotected SIP frame. */
static int sip_payload(const uint8_t *frame, uint32_t len, const struct pcscf_xdp_meta *m,
		       struct pcscf_addr *src, uint16_t *sport, const uint8_t **pl,
		       uint32_t *pl_len)
{
	const uint8_t *l3 = frame + m->l3_off, *end = frame + len;
	const struct udphdr *udp;

	if (m->family == 4) {
		const struct iphdr *ip = (const void *)l3;

		if ((const uint8_t *)(ip + 1) > end)
			return -EBADMSG;
		memset(src->a, 0, 10);
		src->a[10] = src->a[11] = 0xff;
		memcpy(&src->a[12], &ip->saddr, 4);
		udp = (const void *)(l3 + ip->ihl * 4);
	} else {
		const struct ipv6hdr *ip6 = (const void *)l3;

		if ((const uint8_t *)(ip6 + 1) > end)
			return -EBADMSG;
		memcpy(src->a, &ip6->saddr, 16);
		/* The classifier only steers UDP here; extension headers are rare on SIP. */
		if (ip6->nexthdr != IPPROTO_UDP)
			return -EPROTONOSUPPORT;
		udp = (const void *)(ip6 + 1);
	}
	if ((const uint8_t *)(udp + 1) > end || ntohs(udp->len) < sizeof(*udp) ||
	    (const uint8_t *)udp + ntohs(udp->len) > end)
		return -EBADMSG;
	*sport = ntohs(udp->source);
	*pl = (const uint8_t *)(udp + 1);
	*pl_len = ntohs(udp->len) - sizeof(*udp);
	return 0;
}

static void handle_sip(struct worker *w, const uint8_t *frame, uint32_t len,
		       const struct pcscf_xdp_meta *m)
{
	char a[ADDR_STR_LEN];
	struct pcscf_addr src;
	const uint8_t *pl;
	uint32_t pl_len, n;
	uint16_t sport;

	if (sip_payload(frame, len, m, &src, &sport, &pl, &pl_len)) {
		w->stats.drops++;
		return;
	}
	w->stats.sip++;
	if (log_level >= LOG_LVL_DEBUG) {
		for (n = 0; n < pl_len && n < 80 && pl[n] != '\r' && pl[n] != '\n'; n++)
			;
		pr_debug("queue %d: SIP from %s port %u, %u bytes: %.*s", w->queue,
			 addr_str(&src, a, sizeof(a)), sport, pl_len, (int)n, (const char *)pl);
	}
}

static void handle_esp(struct worker *w, const uint8_t *frame, uint32_t len,
		       const struct pcscf_xdp_meta *m)
{
	w->stats.esp++;
	pr_debug("queue %d: ESP for SA slot %u gen %u, %u bytes", w->queue, m->sa_slot,
		 m->sa_generation, len);
}

static void handle_frame(struct worker *w, const uint8_t *frame, uint32_t len)
{
	const struct pcscf_xdp_meta *m = frame_meta(frame);

	if (!m || m->l3_off >= len) {
		w->stats.bad_meta++;
		w->stats.drops++;
		return;
	}
	switch (m->kind) {
	case PCSCF_META_SIP:
		handle_sip(w, frame, len, m);
		break;
	case PCSCF_META_ESP:
		handle_esp(w, frame, len, m);
		break;
	default:
		w->stats.bad_meta++;
		w->stats.drops++;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct xsk_port *p = &w->port;
	struct pollfd pfd = { .fd = xsk_socket__fd(p->xsk), .events = POLLIN };
	uint64_t pending[XSK_RX_FRAMES];
	uint32_t npending = 0;

	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		uint32_t idx, n, i;

		/* Frames the fill ring could not take last time go back first. */
		if (npending && !xsk_port_refill(p, pending, npending))
			npending = 0;
		n = xsk_ring_cons__peek(&p->rx, XSK_BATCH, &idx);
		if (!n) {
			if (xsk_ring_prod__needs_wakeup(&p->fq))
				recvfrom(pfd.fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
			poll(&pfd, 1, POLL_MS);
			continue;
		}
		w->stats.batches++;
		w->stats.frames += n;
		for (i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&p->rx, idx + i);

			handle_frame(w, xsk_port_frame(p, d->addr), d->len);
			if (npending < XSK_RX_FRAMES)
				pending[npending++] = d->addr & ~((uint64_t)XSK_FRAME_SIZE - 1);
		}
		xsk_ring_cons__release(&p->rx, n);
		if (!xsk_port_refill(p, pending, npending))
			npending = 0;
		else
			w->stats.fill_short++;
	}
	return NULL;
}

int worker_start(struct worker *w, const char *ifname, int queue, int xsks_fd,
		 const atomic_bool *stop)
{
	int err;

	memset(w, 0, sizeof(*w));
	w->queue = queue;
	w->stop = stop;
	err = xsk_port_open(&w->port, ifname, queue, xsks_fd);
	if (err)
		return err;
	err = pthread_create(&w->thread, NULL, worker_main, w);
	if (err) {
		xsk_port_close(&w->port, xsks_fd);
		return -err;
	}
	w->running = true;
	return 0;
}

void worker_join(struct worker *w, int xsks_fd)
{
	if (!w->running)
		return;
	pthread_join(w->thread, NULL);
	xsk_port_close(&w->port, xsks_fd);
	w->running = false;
}
