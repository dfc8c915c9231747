// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pcscf_maps.h"
#include "common/addr.h"
#include "common/log.h"
#include "esp/esp.h"
#include "xdp/xsk_frame.h"
#include "pcscfd/worker.h"

#define POLL_MS 100

/* CLOCK_MONOTONIC through the vDSO: no syscall. */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Copies the SIP payload and its addresses into the ring slot m, or into the
 * ring's big area when it is larger than a slot (reassembled ESP).
 */
static int sip_to_ring(struct worker *w, struct sip_in *m, const struct frame_sip *f)
{
	char a[ADDR_STR_LEN], *dst = m->data;

	sip_ring_small(m);
	if (f->len > sizeof(m->data)) {
		dst = sip_ring_reserve_big(w->ring, m, f->len);
		if (!dst)
			return -EMSGSIZE;
	}
	m->src = f->src;
	m->dst = f->dst;
	m->sport = f->sport;
	m->dport = f->dport;
	m->len = f->len;
	memcpy(dst, f->payload, f->len);
	if (log_level >= LOG_LVL_DEBUG) {
		size_t n;

		for (n = 0; n < f->len && n < 80 && dst[n] != '\r' && dst[n] != '\n'; n++)
			;
		pr_debug("queue %d: SIP%s from %s port %u, %zu bytes: %.*s", w->queue,
			 m->protected ? " (ESP)" : "", addr_str(&m->src, a, sizeof(a)), m->sport,
			 f->len, (int)n, dst);
	}
	sip_ring_commit(w->ring);
	return 0;
}

static void handle_sip(struct worker *w, const uint8_t *frame, uint32_t len,
		       const struct pcscf_xdp_meta *m)
{
	struct sip_in *msg;
	struct frame_sip f;

	if (xsk_frame_sip(frame, len, m, &f)) {
		w->stats.drops++;
		return;
	}
	msg = sip_ring_reserve(w->ring);
	if (!msg) {
		w->stats.ring_full++;
		w->stats.drops++;
		return;
	}
	msg->protected = 0;
	msg->conn = -1;
	if (sip_to_ring(w, msg, &f)) {
		w->stats.drops++;
		return;
	}
	w->stats.sip++;
}

/*
 * What ESP processing of a packet through sa gave (err, f): the inner SIP
 * goes on like plain SIP, marked with the SA it came through.
 */
static void esp_to_ring(struct worker *w, struct esp_sa *sa, uint32_t slot, uint32_t generation,
			int err, const struct frame_sip *f)
{
	struct sip_in *msg;

	if (err == -EPROTONOSUPPORT) {
		/*
		 * TCP inside ESP: the segment passed this SA's selectors (addresses,
		 * ports) in the ESP engine; the kernel's TCP takes it from the TUN
		 * (tcp_esp.h). A write per segment: one syscall, no lock.
		 */
		if (w->tun_fd < 0 || write(w->tun_fd, f->payload, f->len) != (ssize_t)f->len) {
			w->stats.tcp_drops++;
			w->stats.drops++;
			return;
		}
		w->stats.tcp_in++;
		return;
	}
	if (err) {
		/* Counted per SA by the engine (auth, replay, selector, ...). */
		pr_debug("queue %d: ESP spi 0x%08x slot %u rejected: %s", w->queue, esp_sa_spi(sa),
			 slot, strerror(-err));
		w->stats.esp_errors++;
		w->stats.drops++;
		return;
	}
	msg = sip_ring_reserve(w->ring);
	if (!msg) {
		w->stats.ring_full++;
		w->stats.drops++;
		return;
	}
	msg->protected = 1;
	msg->conn = -1;
	msg->spi = esp_sa_spi(sa);
	msg->slot = slot;
	msg->generation = generation;
	if (sip_to_ring(w, msg, f)) {
		w->stats.ring_big_full++;
		w->stats.drops++;
	}
}

/*
 * ESP: the classifier found a live SA and told us its slot; the ESP engine
 * checks SPI (a slot reused since holds another), ICV, replay window and
 * selectors.
 */
static void handle_esp(struct worker *w, uint8_t *frame, uint32_t len,
		       const struct pcscf_xdp_meta *m)
{
	uint32_t gen;
	struct esp_sa *sa = sa_slots_get_any(w->slots, m->sa_slot, &gen);
	struct frame_sip f;

	w->stats.esp++;
	if (!sa) {
		/* Deleted between the classifier's lookup and now. */
		w->stats.esp_errors++;
		w->stats.drops++;
		return;
	}
	esp_to_ring(w, sa, m->sa_slot, gen, xsk_frame_esp(sa, frame, len, m, &f), &f);
}

/*
 * An IP fragment of ESP: held until its datagram is whole (RFC 4303 3.4.1),
 * then processed through the SA the classifier found for the first fragment.
 */
static void handle_esp_frag(struct worker *w, uint8_t *frame, uint32_t len,
			    const struct pcscf_xdp_meta *m)
{
	struct reasm_out out;
	struct frame_sip f;
	struct esp_sa *sa;
	uint32_t gen;
	int rc;

	rc = reasm_add(&w->reasm, frame + m->l3_off, len - m->l3_off, w->now_ns, m->sa_slot,
		       m->sa_generation, &out);
	if (rc < 0)
		w->stats.drops++; /* counted by reason in the reassembler */
	if (rc != 1)
		return;
	w->stats.esp++;
	sa = sa_slots_get_any(w->slots, out.sa_slot, &gen);
	if (!sa) {
		w->stats.esp_errors++;
		w->stats.drops++;
		return;
	}
	esp_to_ring(w, sa, out.sa_slot, gen, xsk_esp_packet(sa, out.pkt, out.len, &f), &f);
}

/*
 * The classifier wrote its metadata just in front of the frame; AF_XDP copies
 * it along. Without the magic the frame did not come through our classifier
 * (or metadata is unsupported): refuse it rather than guess.
 */
static void handle_frame(struct worker *w, uint8_t *frame, uint32_t len)
{
	struct pcscf_xdp_meta m;

	if (xsk_frame_meta(frame, len, &m)) {
		w->stats.bad_meta++;
		w->stats.drops++;
		return;
	}
	if (m.kind == PCSCF_META_SIP)
		handle_sip(w, frame, len, &m);
	else if (m.kind == PCSCF_META_ESP)
		handle_esp(w, frame, len, &m);
	else
		handle_esp_frag(w, frame, len, &m);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct xsk_port *p = &w->port;
	struct pollfd pfd = {.fd = xsk_socket__fd(p->xsk), .events = POLLIN};
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
			reasm_expire(&w->reasm, now_ns());
			w->stats.reasm = w->reasm.st;
			continue;
		}
		w->now_ns = now_ns();
		w->stats.batches++;
		w->stats.frames += n;
		for (i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&p->rx, idx + i);

			handle_frame(w, xsk_port_frame(p, d->addr), d->len);
			if (npending < XSK_RX_FRAMES)
				pending[npending++] = d->addr & ~((uint64_t)XSK_FRAME_SIZE - 1);
		}
		xsk_ring_cons__release(&p->rx, n);
		w->stats.reasm = w->reasm.st;
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
		 struct sip_ring *ring, struct sa_slots *slots, const atomic_bool *stop, int tun_fd)
{
	int err;

	memset(w, 0, sizeof(*w));
	w->tun_fd = tun_fd;
	w->queue = queue;
	w->stop = stop;
	w->ring = ring;
	w->slots = slots;
	/* Offline until the thread runs: a worker that fails to start holds nothing. */
	sa_slots_offline(slots, queue);
	err = reasm_init(&w->reasm);
	if (err)
		return err;
	err = xsk_port_open(&w->port, ifname, queue, xsks_fd);
	if (err) {
		reasm_fini(&w->reasm);
		return err;
	}
	err = pthread_create(&w->thread, NULL, worker_main, w);
	if (err) {
		xsk_port_close(&w->port, xsks_fd);
		reasm_fini(&w->reasm);
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
	reasm_fini(&w->reasm);
	w->running = false;
}
