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
#include "esp/esp.h"
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

static void addr_v4(struct pcscf_addr *a, const void *v4)
{
	memset(a->a, 0, 10);
	a->a[10] = a->a[11] = 0xff;
	memcpy(&a->a[12], v4, 4);
}

/* Addresses and UDP header of a plain IPv4/IPv6 packet (l3 .. end). */
static const struct udphdr *udp_of(const uint8_t *l3, const uint8_t *end, int family,
				   struct sip_in *m)
{
	const struct udphdr *udp;

	if (family == 4) {
		const struct iphdr *ip = (const void *)l3;

		if ((const uint8_t *)(ip + 1) > end)
			return NULL;
		addr_v4(&m->src, &ip->saddr);
		addr_v4(&m->dst, &ip->daddr);
		udp = (const void *)(l3 + ip->ihl * 4);
	} else {
		const struct ipv6hdr *ip6 = (const void *)l3;

		if ((const uint8_t *)(ip6 + 1) > end)
			return NULL;
		memcpy(m->src.a, &ip6->saddr, 16);
		memcpy(m->dst.a, &ip6->daddr, 16);
		/* The classifier only steers UDP here; extension headers are rare on SIP. */
		if (ip6->nexthdr != IPPROTO_UDP)
			return NULL;
		udp = (const void *)(ip6 + 1);
	}
	if ((const uint8_t *)(udp + 1) > end || ntohs(udp->len) < sizeof(*udp) ||
	    (const uint8_t *)udp + ntohs(udp->len) > end)
		return NULL;
	return udp;
}

/* Copies the SIP payload into the ring slot m (already holding addresses). */
static int sip_to_ring(struct worker *w, struct sip_in *m, const struct udphdr *udp)
{
	size_t len = ntohs(udp->len) - sizeof(*udp);
	char a[ADDR_STR_LEN];

	if (len > sizeof(m->data))
		return -EMSGSIZE;
	m->sport = ntohs(udp->source);
	m->dport = ntohs(udp->dest);
	m->len = len;
	memcpy(m->data, udp + 1, len);
	if (log_level >= LOG_LVL_DEBUG) {
		size_t n;

		for (n = 0; n < len && n < 80 && m->data[n] != '\r' && m->data[n] != '\n'; n++)
			;
		pr_debug("queue %d: SIP%s from %s port %u, %zu bytes: %.*s", w->queue,
			 m->protected ? " (ESP)" : "", addr_str(&m->src, a, sizeof(a)), m->sport,
			 len, (int)n, m->data);
	}
	sip_ring_commit(w->ring);
	return 0;
}

static void handle_sip(struct worker *w, const uint8_t *frame, uint32_t len,
		       const struct pcscf_xdp_meta *m)
{
	struct sip_in *msg = sip_ring_reserve(w->ring);
	const struct udphdr *udp;

	if (!msg) {
		w->stats.drops++;
		return;
	}
	msg->protected = 0;
	msg->conn = -1;
	udp = udp_of(frame + m->l3_off, frame + len, m->family, msg);
	if (!udp || sip_to_ring(w, msg, udp)) {
		w->stats.drops++;
		return;
	}
	w->stats.sip++;
}

/*
 * ESP: the classifier found a live SA and told us its slot; the ESP engine
 * checks ICV, replay window and selectors, then the inner SIP goes on like
 * plain SIP, marked with the SA it came through.
 */
static void handle_esp(struct worker *w, uint8_t *frame, uint32_t len,
		       const struct pcscf_xdp_meta *m)
{
	struct esp_sa *sa = sa_slots_get(w->slots, m->sa_slot, m->sa_generation);
	struct esp_inner in;
	struct sip_in *msg;
	const struct udphdr *udp;
	int err;

	w->stats.esp++;
	if (!sa) {
		/* Deleted between the classifier's lookup and now. */
		w->stats.esp_errors++;
		w->stats.drops++;
		return;
	}
	err = esp_decap(sa, frame + m->l3_off, len - m->l3_off, &in);
	if (err) {
		/* Counted per SA by the engine (auth, replay, selector, ...). */
		pr_debug("queue %d: ESP spi 0x%08x slot %u rejected: %s", w->queue,
			 esp_sa_spi(sa), m->sa_slot, strerror(-err));
		w->stats.esp_errors++;
		w->stats.drops++;
		return;
	}
	if (in.next_hdr != IPPROTO_UDP) {
		/* SIP over TCP inside ESP is a later issue: counted, not guessed at. */
		w->stats.drops++;
		return;
	}
	msg = sip_ring_reserve(w->ring);
	if (!msg) {
		w->stats.drops++;
		return;
	}
	msg->protected = 1;
	msg->conn = -1;
	msg->spi = esp_sa_spi(sa);
	msg->slot = m->sa_slot;
	msg->generation = m->sa_generation;
	udp = udp_of(in.ip, in.ip + in.ip_len, m->family, msg);
	if (!udp || sip_to_ring(w, msg, udp))
		w->stats.drops++;
}

static void handle_frame(struct worker *w, uint8_t *frame, uint32_t len)
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

	/* Online before the first slot is read (a full barrier, see sa_slots.h). */
	sa_slots_quiescent(w->slots, w->queue);
	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		uint32_t idx, n, i;

		/* Frames the fill ring could not take last time go back first. */
		if (npending && !xsk_port_refill(p, pending, npending))
			npending = 0;
		n = xsk_ring_cons__peek(&p->rx, XSK_BATCH, &idx);
		if (!n) {
			if (xsk_ring_prod__needs_wakeup(&p->fq))
				recvfrom(pfd.fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
			/* Asleep we hold no SA: never delay their reclamation. */
			sa_slots_offline(w->slots, w->queue);
			poll(&pfd, 1, POLL_MS);
			sa_slots_quiescent(w->slots, w->queue);
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
		sip_ring_kick(w->ring);
		sa_slots_quiescent(w->slots, w->queue);
		if (!xsk_port_refill(p, pending, npending))
			npending = 0;
		else
			w->stats.fill_short++;
	}
	/* Gone: a stopped worker must not hold reclamation up. */
	sa_slots_offline(w->slots, w->queue);
	return NULL;
}

int worker_start(struct worker *w, const char *ifname, int queue, int xsks_fd,
		 struct sip_ring *ring, struct sa_slots *slots, const atomic_bool *stop)
{
	int err;

	memset(w, 0, sizeof(*w));
	w->queue = queue;
	w->stop = stop;
	w->ring = ring;
	w->slots = slots;
	/* Offline until the thread runs: a worker that fails to start holds nothing. */
	sa_slots_offline(slots, queue);
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
	sa_slots_offline(w->slots, w->queue);
	xsk_port_close(&w->port, xsks_fd);
	w->running = false;
}
