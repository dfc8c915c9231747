// SPDX-License-Identifier: GPL-2.0
/*
 * The signalling thread's side of Rx: the session table (slots with a
 * generation, a free list: O(1)), the request queue to the Rx thread, the
 * event queue back, the callbacks, and the counters. Only the `live` array
 * is read by other threads (freeDiameter's, to answer a RAR for a session we
 * no longer hold with DIAMETER_UNKNOWN_SESSION_ID).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/outbuf.h"
#include "rx/rx_priv.h"

#define RX_RESULT_KINDS 16
#define RX_SEQ_MASK	0x3FF /* as many bits as the answer carries back */

enum slot_state { SLOT_FREE, SLOT_SESSION, SLOT_SIGNALLING };

struct rx_slot {
	uint32_t gen, seq, next_free;
	uint8_t state;
	int8_t peer;	 /* the PCRF that accepted it */
	bool authorised; /* an AAA said yes: STR at the end */
	bool waiting;	 /* a callback is due */
	bool ending;	 /* ended while its first AAR was out: STR if the AAA accepts */
	rx_done_fn cb;
	void *arg;
};

struct rx_counts {
	uint64_t aar, aar_update, aar_sig, str, sta, aaa_ok, aaa_denied, unreachable, bad_sdp, busy,
		stale, rar, asr, str_dropped, ended_waiting;
	struct {
		uint32_t code;
		bool exp;
		uint64_t n;
	} res[RX_RESULT_KINDS];
	uint64_t res_other;
};

struct rx_queue rx_events;
const struct rx_config *rx_cfg;
uint32_t rx_boot_id;

static struct rx_config cfg;
static struct rx_queue reqs;
static struct rx_slot *slots;
static _Atomic uint32_t *live;
static uint32_t free_head, nlive, gen_next = 1;
static pthread_t thread;
static bool running, thread_up;
static struct rx_counts cnt;
static rx_abort_fn abort_fn;
static void *abort_arg;

void rx_config_defaults(struct rx_config *c)
{
	memset(c, 0, sizeof(*c));
	c->tw_s = RX_DEF_TW_S;
	c->tc_s = RX_DEF_TC_S;
	c->timeout_ms = RX_DEF_TIMEOUT_MS;
	c->max_sessions = RX_DEF_SESSIONS;
	c->unreachable = RX_UNREACH_REJECT;
	strcpy(c->af_app_id, "IMS Services");
}

bool rx_slot_live(uint32_t slot, uint32_t gen)
{
	return slot < cfg.max_sessions && gen &&
	       atomic_load_explicit(&live[slot], memory_order_acquire) == gen;
}

void rx_event_push(const struct rx_evt *e)
{
	/* Room for one event per slot and request in flight: full means a bug or a flood of RARs.
	 */
	if (rx_queue_push(&rx_events, e))
		pr_warn_rl("rx: event queue full, an answer is lost");
}

int rx_event_fd(void)
{
	return running ? rx_events.efd : -1;
}

bool rx_running(void)
{
	return running;
}

void rx_set_abort_handler(rx_abort_fn fn, void *arg)
{
	abort_fn = fn;
	abort_arg = arg;
}

static void *rx_thread_main(void *unused)
{
	static struct rx_req r; /* one thread: not on its stack, it is large */

	for (;;) {
		struct pollfd p = {.fd = reqs.efd, .events = POLLIN};

		poll(&p, 1, -1);
		rx_queue_ack(&reqs);
		while (rx_queue_pop(&reqs, &r)) {
			int err;

			if (r.op == RX_OP_QUIT)
				return NULL;
			err = rx_msg_send(&r);
			if (err && r.op != RX_OP_STR) {
				struct rx_evt e = {.kind = RX_EV_ANSWER,
						   .peer = -1,
						   .slot = r.slot,
						   .gen = r.gen,
						   .seq = r.seq};

				if (err == -EINVAL)
					e.bad_request = true;
				else
					e.local = true;
				rx_event_push(&e);
			}
		}
	}
}

int rx_init(const struct rx_config *c)
{
	int err;

	if (running)
		return -EALREADY;
	if (!c->npeers || !c->origin_host[0] || !c->origin_realm[0] || !c->dest_realm[0] ||
	    !c->local_addr[0] || !c->max_sessions || c->max_sessions > 0x1FFFFF)
		return -EINVAL;
	cfg = *c;
	rx_cfg = &cfg;
	rx_boot_id = (uint32_t)time(NULL);
	slots = calloc(cfg.max_sessions, sizeof(*slots));
	live = calloc(cfg.max_sessions, sizeof(*live));
	if (!slots || !live) {
		err = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < cfg.max_sessions; i++)
		slots[i].next_free = i + 1;
	free_head = 0;
	err = rx_queue_init(&reqs, RX_REQ_QUEUE, sizeof(struct rx_req));
	if (!err)
		err = rx_queue_init(&rx_events, cfg.max_sessions + RX_REQ_QUEUE + 64,
				    sizeof(struct rx_evt));
	if (err)
		goto fail;
	err = rx_diam_start(&cfg);
	if (err)
		goto fail;
	err = -pthread_create(&thread, NULL, rx_thread_main, NULL);
	if (err) {
		rx_diam_stop();
		goto fail;
	}
	thread_up = true;
	running = true;
	pr_info("rx: Diameter client %s (realm %s) up, %d PCRF(s), unreachable policy %s",
		cfg.origin_host, cfg.origin_realm, cfg.npeers,
		cfg.unreachable == RX_UNREACH_ALLOW ? "allow" : "reject");
	return 0;
fail:
	rx_queue_fini(&reqs);
	rx_queue_fini(&rx_events);
	free(slots);
	free(live);
	slots = NULL;
	live = NULL;
	return err;
}

static struct rx_slot *slot_of(rx_handle h)
{
	uint32_t s = h >> 32, g = (uint32_t)h;

	if (!running || s >= cfg.max_sessions || !g || slots[s].gen != g ||
	    slots[s].state == SLOT_FREE)
		return NULL;
	return &slots[s];
}

static struct rx_slot *slot_new(uint8_t state, rx_handle *h)
{
	struct rx_slot *sl;
	uint32_t s = free_head;

	if (s >= cfg.max_sessions)
		return NULL;
	sl = &slots[s];
	free_head = sl->next_free;
	if (!gen_next)
		gen_next = 1;
	*sl = (struct rx_slot){.gen = gen_next++, .state = state, .peer = -1};
	atomic_store_explicit(&live[s], sl->gen, memory_order_release);
	nlive++;
	*h = (uint64_t)s << 32 | sl->gen;
	return sl;
}

static void slot_free(struct rx_slot *sl)
{
	uint32_t s = sl - slots;

	atomic_store_explicit(&live[s], 0, memory_order_release);
	sl->state = SLOT_FREE;
	sl->waiting = false;
	sl->next_free = free_head;
	free_head = s;
	nlive--;
}

static int copy_ident(char *dst, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= RX_IDENT_MAX)
		return -EINVAL;
	memcpy(dst, src ? src : "", n + 1);
	return 0;
}

/* Queue r for slot sl; a new slot that could not be queued is given back. */
static int submit(struct rx_slot *sl, struct rx_req *r, bool fresh, rx_done_fn cb, void *arg)
{
	r->slot = sl - slots;
	r->gen = sl->gen;
	r->seq = (sl->seq + 1) & RX_SEQ_MASK;
	r->peer = sl->peer;
	if (rx_queue_push(&reqs, r)) {
		cnt.busy++;
		if (fresh)
			slot_free(sl);
		return -EBUSY;
	}
	/* a newer request supersedes one still waiting: only its callback runs */
	sl->seq = r->seq;
	sl->cb = cb;
	sl->arg = arg;
	sl->waiting = true;
	return 0;
}

/* *h == 0: a new slot of kind st (*h set, 0 again on failure); else h's live slot of that kind. */
static int aar_submit(rx_handle *h, enum slot_state st, struct rx_req *r, rx_done_fn cb, void *arg)
{
	bool fresh = !*h;
	struct rx_slot *sl;

	if (fresh) {
		sl = slot_new(st, h);
		if (!sl) {
			cnt.busy++;
			return -EBUSY;
		}
	} else {
		sl = slot_of(*h);
		if (!sl || sl->state != st)
			return -ENOENT;
	}
	if (submit(sl, r, fresh, cb, arg)) {
		if (fresh)
			*h = 0;
		return -EBUSY;
	}
	return 0;
}

int rx_session_authorize(rx_handle *h, const struct rx_media_req *q, rx_done_fn cb, void *arg)
{
	static struct rx_req r; /* signalling thread only */
	size_t alen = q->answer ? q->answer_len : 0;
	bool fresh = !*h;
	int err;

	if (!running || !q->offer || !cb || q->offer_len > RX_SDP_MAX ||
	    alen > RX_SDP_MAX - q->offer_len) /* no wrap-around */
		return -EINVAL;
	memset(&r, 0, offsetof(struct rx_req, sdp));
	r.op = RX_OP_AAR;
	r.update = !fresh;
	r.ue_offered = q->ue_offered;
	r.ue_addr = q->ue_addr;
	if (copy_ident(r.subscription, q->subscription) || copy_ident(r.icid, q->icid))
		return -EINVAL;
	r.olen = q->offer_len;
	memcpy(r.sdp, q->offer, q->offer_len);
	if (q->answer) {
		r.alen = q->answer_len;
		memcpy(r.sdp + r.olen, q->answer, q->answer_len);
	}
	err = aar_submit(h, SLOT_SESSION, &r, cb, arg);
	if (err)
		return err;
	if (fresh)
		cnt.aar++;
	else
		cnt.aar_update++;
	return 0;
}

int rx_signalling_subscribe(rx_handle *h, const struct rx_sig_req *q, rx_done_fn cb, void *arg)
{
	static struct rx_req r;
	bool fresh = !*h;
	int err;

	if (!running || !cb)
		return -EINVAL;
	memset(&r, 0, offsetof(struct rx_req, sdp));
	r.op = RX_OP_AAR_SIG;
	r.update = !fresh; /* new flows of the same registration (new SA set) */
	r.ue_addr = q->ue_addr;
	r.pcscf_addr = q->pcscf_addr;
	r.ports[0] = q->ue_port_pc;
	r.ports[1] = q->ue_port_ps;
	r.ports[2] = q->pcscf_port_pc;
	r.ports[3] = q->pcscf_port_ps;
	if (copy_ident(r.subscription, q->subscription))
		return -EINVAL;
	err = aar_submit(h, SLOT_SIGNALLING, &r, cb, arg);
	if (err)
		return err;
	if (fresh)
		cnt.aar_sig++;
	else
		cnt.aar_update++;
	return 0;
}

/* STR for a session a PCRF holds, to that PCRF (Destination-Host). */
static void queue_str(struct rx_slot *sl)
{
	static struct rx_req r;

	memset(&r, 0, offsetof(struct rx_req, sdp));
	r.op = RX_OP_STR;
	r.slot = sl - slots;
	r.gen = sl->gen;
	r.peer = sl->peer;
	if (rx_queue_push(&reqs, &r))
		cnt.str_dropped++;
	else
		cnt.str++;
}

/*
 * A session whose first AAR is still out is not freed at once: the PCRF
 * may be creating it, and only its answer says so. The slot waits for that
 * answer with no callback; an accepting AAA gets its STR then, any other
 * answer (or the local timeout's) frees the slot.
 */
int rx_session_terminate(rx_handle h)
{
	struct rx_slot *sl = slot_of(h);

	if (!sl)
		return -ENOENT;
	if (sl->ending)
		return 0;
	if (sl->waiting && !sl->authorised) {
		sl->ending = true;
		sl->cb = NULL;
		cnt.ended_waiting++;
		return 1;
	}
	bool str = sl->authorised;

	if (str)
		queue_str(sl);
	slot_free(sl);
	return str;
}

static void count_result(const struct rx_evt *e)
{
	uint32_t code = e->exp_result ? e->exp_result : e->result_code;
	bool exp = e->exp_result != 0;

	if (!code)
		return;
	for (int i = 0; i < RX_RESULT_KINDS; i++) {
		if (cnt.res[i].n && (cnt.res[i].code != code || cnt.res[i].exp != exp))
			continue;
		cnt.res[i].code = code;
		cnt.res[i].exp = exp;
		cnt.res[i].n++;
		return;
	}
	cnt.res_other++;
}

static void on_answer(const struct rx_evt *e)
{
	struct rx_slot *sl = slot_of((uint64_t)e->slot << 32 | e->gen);
	struct rx_result r;

	count_result(e);
	if (sl && sl->ending && (sl->seq & RX_SEQ_MASK) == e->seq) {
		if (rx_verdict(e, cfg.unreachable, cfg.origin_host, &r) == RX_OUT_OK) {
			sl->peer = e->peer;
			queue_str(sl);
		}
		slot_free(sl);
		return;
	}
	if (!sl || !sl->waiting || (sl->seq & RX_SEQ_MASK) != e->seq) {
		cnt.stale++; /* ended or superseded meanwhile */
		return;
	}
	switch (rx_verdict(e, cfg.unreachable, cfg.origin_host, &r)) {
	case RX_OUT_OK:
		cnt.aaa_ok++;
		break;
	case RX_OUT_DENIED:
		cnt.aaa_denied++;
		break;
	case RX_OUT_UNREACHABLE:
		cnt.unreachable++;
		break;
	case RX_OUT_BAD_SDP:
		cnt.bad_sdp++;
		break;
	}
	if (r.verdict == RX_ALLOW) {
		sl->authorised = true;
		sl->peer = e->peer;
	}
	sl->waiting = false;
	sl->cb(sl->arg, (uint64_t)e->slot << 32 | e->gen, &r);
}

bool rx_dispatch(void)
{
	struct rx_evt e;

	if (!running)
		return false;
	rx_queue_ack(&rx_events);
	for (int n = 0; n < RX_DISPATCH_BUDGET; n++) {
		if (!rx_queue_pop(&rx_events, &e))
			return false;
		switch (e.kind) {
		case RX_EV_ANSWER:
			on_answer(&e);
			break;
		case RX_EV_STA:
			cnt.sta++;
			break;
		case RX_EV_ABORT:
			if (e.reason == RX_ABORT_ASR)
				cnt.asr++;
			else
				cnt.rar++;
			if (slot_of((uint64_t)e.slot << 32 | e.gen) && abort_fn)
				abort_fn(abort_arg, (uint64_t)e.slot << 32 | e.gen, e.reason);
			break;
		}
	}
	return true;
}

void rx_fini(void)
{
	struct rx_req q = {.op = RX_OP_QUIT};
	uint64_t until;
	struct timespec ts;

	if (!running)
		return;
	for (uint32_t i = 0; i < cfg.max_sessions && nlive; i++)
		if (slots[i].state != SLOT_FREE)
			rx_session_terminate((uint64_t)i << 32 | slots[i].gen);
	while (rx_queue_push(&reqs, &q))
		usleep(1000);
	pthread_join(thread, NULL);
	thread_up = false;
	/* the PCRFs' STAs, briefly, so the STRs are not cut off by the DPR */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	until = ts.tv_sec * 1000ull + ts.tv_nsec / 1000000 + 500;
	while (cnt.sta + cnt.str_dropped < cnt.str) {
		struct pollfd p = {.fd = rx_events.efd, .events = POLLIN};

		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec * 1000ull + ts.tv_nsec / 1000000 >= until)
			break;
		poll(&p, 1, 50);
		rx_dispatch();
	}
	running = false;
	rx_diam_stop();
	rx_queue_fini(&reqs);
	rx_queue_fini(&rx_events);
	free(slots);
	free((void *)live);
	slots = NULL;
	live = NULL;
	nlive = 0;
	free_head = 0;
}

void rx_status_render(struct outbuf *o, bool json)
{
	const struct rx_counts *c = &cnt;

	if (!running) {
		outbuf_printf(o, json ? "\"rx\":{\"enabled\":false}" : "rx: off\n");
		return;
	}
	if (json) {
		outbuf_printf(o,
			      "\"rx\":{\"enabled\":true,\"unreachable\":\"%s\",\"sessions\":%u,"
			      "\"peers\":[",
			      cfg.unreachable == RX_UNREACH_ALLOW ? "allow" : "reject", nlive);
		rx_diam_peers_render(o, true);
		outbuf_printf(o,
			      "],\"aar\":%lu,\"aar_update\":%lu,\"aar_sig\":%lu,\"aaa_ok\":%lu,"
			      "\"aaa_denied\":%lu,\"unreachable_n\":%lu,\"bad_sdp\":%lu,"
			      "\"busy\":%lu,\"stale\":%lu,\"str\":%lu,\"sta\":%lu,"
			      "\"str_dropped\":%lu,\"ended_waiting\":%lu,\"rar\":%lu,\"asr\":%lu,"
			      "\"results\":[",
			      c->aar, c->aar_update, c->aar_sig, c->aaa_ok, c->aaa_denied,
			      c->unreachable, c->bad_sdp, c->busy, c->stale, c->str, c->sta,
			      c->str_dropped, c->ended_waiting, c->rar, c->asr);
		for (int i = 0, k = 0; i < RX_RESULT_KINDS; i++)
			if (c->res[i].n)
				outbuf_printf(o, "%s{\"%s\":%u,\"n\":%lu}", k++ ? "," : "",
					      c->res[i].exp ? "experimental_result" : "result_code",
					      c->res[i].code, c->res[i].n);
		outbuf_printf(o, "],\"results_other\":%lu}", c->res_other);
		return;
	}
	outbuf_printf(o, "rx: on, unreachable policy %s, %u session(s)\n",
		      cfg.unreachable == RX_UNREACH_ALLOW ? "allow" : "reject", nlive);
	rx_diam_peers_render(o, false);
	outbuf_printf(o,
		      "  aar %lu  aar_update %lu  aar_sig %lu  aaa_ok %lu  aaa_denied %lu  "
		      "unreachable %lu  bad_sdp %lu  busy %lu  stale %lu\n"
		      "  str %lu  sta %lu  str_dropped %lu  ended_waiting %lu  rar %lu  asr %lu\n",
		      c->aar, c->aar_update, c->aar_sig, c->aaa_ok, c->aaa_denied, c->unreachable,
		      c->bad_sdp, c->busy, c->stale, c->str, c->sta, c->str_dropped,
		      c->ended_waiting, c->rar, c->asr);
	for (int i = 0; i < RX_RESULT_KINDS; i++)
		if (c->res[i].n)
			outbuf_printf(o, "  %s %u: %lu\n",
				      c->res[i].exp ? "experimental-result" : "result-code",
				      c->res[i].code, c->res[i].n);
	if (c->res_other)
		outbuf_printf(o, "  other results: %lu\n", c->res_other);
}
