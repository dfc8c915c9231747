// SPDX-License-Identifier: GPL-2.0
/*
 * The transaction timers (RFC 3261 17.1.1.2, 17.1.2.2, 17.2.1, 17.2.2,
 * 16.6 11), run from the heap's top: A/E send the request downstream again
 * (doubling; E capped at T2), G the non-2xx final upstream; B/F end a
 * client side that never got a final (408 upstream, as 16.7 and 16.8 say),
 * Timer C CANCELs an INVITE that rang too long and answers 408; D/K/M and
 * H/I/J end the lingering sides; a slot whose two sides are over is freed.
 */
#include <stdio.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "common/log.h"
#include "proxy/proxy_priv.h"
#include "proxy/txn_proxy.h"

#define TICK_BUDGET 100000 /* slots per call: the rest waits for the next loop pass */

static bool due(uint64_t at, uint64_t now)
{
	return at && at <= now;
}

/* 16.7 and 16.8: a client side that ends without a final is a 408 upstream. */
static void give_408(struct proxy *p, struct txn *t)
{
	osip_message_t *r;

	if (t->method == TXN_M_CANCEL)
		return;
	if (t->kind != TXN_LOCAL && t->sstate != TS_TRYING && t->sstate != TS_PROCEEDING)
		return;
	r = txn_response_of_copy(p, t, 408, "Request Timeout");
	if (!r) {
		if (t->sstate != TS_NONE)
			t->sstate = TS_DONE; /* nothing kept to answer with */
		return;
	}
	prep_deliver(p, t, r, NULL);
	osip_message_free(r);
}

static void resend(struct proxy *p, struct txn *t, bool up)
{
	size_t len;
	const char *b = txn_buf_get(&p->txns.bufs, up ? t->resp_buf : t->req_buf, &len);

	if (!b)
		return;
	if (up) {
		p->stats.txn_resp_retx++;
		prep_send_up(p, t, b, len);
	} else {
		p->stats.txn_req_retx++;
		prep_send_down(p, t, b, len);
	}
}

/*
 * Datagrams from the core wait unread in our socket: we are behind, and the
 * answer a timer A/E would ask for again may be among them. Sending the
 * request again then only doubles the core's work and ours (a 100k
 * registration storm sent 3 of every 4 requests to the core twice or more
 * and collapsed), so the retransmission waits one interval more; B/F still
 * end a transaction that is really unanswered. Looked at once per tick.
 */
static bool core_backlogged(struct proxy *p, int *known)
{
	int n = 0;

	if (*known < 0)
		*known = p->core_fd >= 0 && !ioctl(p->core_fd, SIOCINQ, &n) && n > 0;
	return *known;
}

static void run(struct proxy *p, struct txn *t, uint64_t now, int *backlog)
{
	uint32_t cookie = t->cookie;

	if (due(t->s_retx_at, now)) {
		resend(p, t, true);
		t->s_retx_ms = t->s_retx_ms * 2 > TXN_T2_MS ? TXN_T2_MS : t->s_retx_ms * 2;
		t->s_retx_at = now + t->s_retx_ms;
	}
	if (due(t->timer_c_at, now)) {
		t->timer_c_at = 0;
		p->stats.txn_timer_c++;
		txn_client_cancel(p, t);
		give_408(p, t);
		if (t->cookie != cookie)
			return;
	}
	if (due(t->c_timeout_at, now)) {
		bool pending = t->cstate == TC_CALLING || t->cstate == TC_PROCEEDING;

		t->c_timeout_at = t->c_retx_at = 0;
		t->cstate = TC_DONE;
		if (pending) {
			p->stats.txn_timeouts++;
			t->timer_c_at = 0;
			give_408(p, t);
			if (t->cookie != cookie)
				return;
		}
		if (t->method == TXN_M_CANCEL && t->sstate == TS_NONE)
			t->sstate = TS_DONE;
	}
	/* After the timeouts: a request that timed out is not sent again. */
	if (due(t->c_retx_at, now) && t->kind != TXN_TERM && core_backlogged(p, backlog)) {
		p->stats.txn_retx_deferred++;
		t->c_retx_at = now + t->c_retx_ms;
	} else if (due(t->c_retx_at, now)) {
		resend(p, t, false);
		t->c_retx_ms *= 2;
		if (t->method != TXN_M_INVITE && t->c_retx_ms > TXN_T2_MS)
			t->c_retx_ms = TXN_T2_MS;
		t->c_retx_at = now + t->c_retx_ms;
	}
	if (due(t->s_timeout_at, now)) {
		if (t->sstate == TS_COMPLETED && t->method == TXN_M_INVITE && t->s_code >= 300)
			p->stats.txn_no_ack++;
		t->s_timeout_at = t->s_retx_at = 0;
		t->sstate = TS_DONE;
	}
	if (t->kind == TXN_LOCAL && t->cstate == TC_DONE)
		t->sstate = TS_DONE;
	txn_rearm(&p->txns, t);
	txn_settle(p, t);
}

int txn_tick(struct proxy *p, uint64_t now, int max_ms)
{
	struct txn *t;
	int backlog = -1;

	for (int budget = TICK_BUDGET; budget-- && (t = txn_heap_top(&p->txns)) && t->due <= now;)
		run(p, t, now, &backlog);
	t = txn_heap_top(&p->txns);
	if (!t)
		return max_ms;
	if (t->due <= now)
		return 0;
	return t->due - now < (uint64_t)max_ms ? (int)(t->due - now) : max_ms;
}
