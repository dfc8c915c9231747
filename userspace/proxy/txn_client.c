// SPDX-License-Identifier: GPL-2.0
/*
 * The client side (RFC 3261 17.1, 16.7, 16.10, RFC 6026): the request as
 * sent downstream is kept for timers A/E (UDP), B/F end it, Timer C bounds
 * an INVITE that only rings. Responses: 100 stops the retransmissions and
 * goes no further (we sent our own at once); a provisional resets Timer C
 * and lets a waiting CANCEL go; every 2xx to an INVITE goes up (the ACK is
 * the UAC's, end to end); a non-2xx final is ACKed here and goes up once,
 * its retransmissions are ACKed again and absorbed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "common/log.h"
#include "proxy/proxy_priv.h"
#include "proxy/txn_proxy.h"

int txn_client_start(struct proxy *p, struct txn *t, const char *buf, size_t len)
{
	uint64_t now = proxy_now_ms();

	txn_buf_free(&p->txns.bufs, t->req_buf);
	t->req_buf = txn_buf_put(&p->txns.bufs, buf, len);
	if (!t->req_buf)
		p->stats.txn_no_buf++;
	t->cstate = TC_CALLING;
	if (!t->c_reliable && t->req_buf) {
		t->c_retx_ms = TXN_T1_MS;
		t->c_retx_at = now + TXN_T1_MS; /* A or E */
	}
	t->c_timeout_at = now + TXN_64T1_MS; /* B or F */
	if (t->method == TXN_M_INVITE)
		t->timer_c_at = now + TXN_TIMER_C_MS;
	txn_rearm(&p->txns, t);
	return prep_send_down(p, t, buf, len);
}

struct txn *txn_client_match(struct proxy *p, osip_message_t *msg)
{
	struct txn *t = txn_by_branch(&p->txns, sipm_top_branch(msg));
	enum txn_method m;

	if (!t || !msg->cseq || t->cstate == TC_NONE)
		return NULL;
	m = txn_method_of(msg->cseq->method);
	/* 9.1: our CANCEL went under the INVITE's branch; its answer is the CANCEL slot's. */
	if (m == TXN_M_CANCEL && t->method == TXN_M_INVITE) {
		t = txn_at(&p->txns, t->link);
		return t && t->method == TXN_M_CANCEL && t->cstate != TC_NONE ? t : NULL;
	}
	if (m != t->method || (m == TXN_M_INVITE && strcmp(msg->cseq->method, "INVITE")))
		return NULL;
	return t;
}

/*
 * ACK (17.1.1.3) or CANCEL (9.1) for the request t keeps: its Request-URI,
 * top Via (ours, so the same branch), From, Call-ID, CSeq number and Route;
 * To from the response for an ACK. Length in out, or -errno.
 */
static int hop_request(struct proxy *p, struct txn *t, const char *method, osip_message_t *resp,
		       char *out, size_t cap)
{
	size_t len;
	const char *txt = txn_buf_get(&p->txns.bufs, t->req_buf, &len);
	osip_message_t *req, *m = NULL;
	osip_via_t *v, *v2 = NULL;
	osip_cseq_t *cs = NULL;
	const char *pai;
	int err = -ENOMEM;

	if (!txt || sipm_parse(&req, txt, len))
		return -ENOENT;
	v = osip_list_get(&req->vias, 0);
	if (!v || !req->req_uri || !req->cseq || !req->from || !req->to || !req->call_id ||
	    osip_message_init(&m))
		goto out;
	osip_message_set_method(m, osip_strdup(method));
	osip_message_set_version(m, osip_strdup("SIP/2.0"));
	if (osip_uri_clone(req->req_uri, &m->req_uri) || osip_via_clone(v, &v2))
		goto out;
	osip_list_add(&m->vias, v2, 0);
	if (osip_from_clone(req->from, &m->from) ||
	    osip_to_clone(resp && resp->to ? resp->to : req->to, &m->to) ||
	    osip_call_id_clone(req->call_id, &m->call_id) || osip_cseq_init(&cs))
		goto out;
	osip_cseq_set_number(cs, osip_strdup(req->cseq->number));
	osip_cseq_set_method(cs, osip_strdup(method));
	m->cseq = cs;
	if (osip_list_clone(&req->routes, &m->routes, (int (*)(void *, void **))osip_route_clone) ||
	    sipm_add(m, "Max-Forwards", "70") || osip_message_set_content_length(m, "0"))
		goto out;
	/* The identity we asserted on the request, on its CANCEL and ACK too (RFC 3325 9.1). */
	for (int i = 0; (pai = sipm_header(req, "P-Asserted-Identity", i)); i++)
		if (sipm_add(m, "P-Asserted-Identity", pai))
			goto out;
	err = sipm_print(m, out, cap);
out:
	if (m)
		osip_message_free(m);
	osip_message_free(req);
	return err;
}

static void ack_down(struct proxy *p, struct txn *t, osip_message_t *resp)
{
	static char ack[16384];
	int len = hop_request(p, t, "ACK", resp, ack, sizeof(ack));

	if (len > 0 && !prep_send_down(p, t, ack, len))
		p->stats.txn_acks_sent++;
}

void txn_client_cancel(struct proxy *p, struct txn *t)
{
	static char cancel[16384];
	struct txn *c;
	int len;

	if (t->method != TXN_M_INVITE || t->cancel_sent || t->c_code || t->cstate == TC_ACCEPTED ||
	    t->cstate == TC_NONE || t->cstate == TC_DONE)
		return;
	if (!t->provisional) {
		t->cancel_pending = true; /* 9.1: not before a provisional response */
		return;
	}
	len = hop_request(p, t, "CANCEL", NULL, cancel, sizeof(cancel));
	if (len < 0)
		return;
	c = txn_at(&p->txns, t->link);
	if (!c) {
		/* Timer C: a CANCEL of our own, with no server side. */
		c = txn_alloc(&p->txns, t->kind, randombytes_random());
		if (!c) {
			p->stats.txn_full++;
			return;
		}
		c->method = TXN_M_CANCEL;
		c->link = txn_ref(&p->txns, t);
		t->link = txn_ref(&p->txns, c);
	}
	c->ri = t->ri;
	c->rgen = t->rgen;
	c->c_reliable = t->c_reliable;
	t->cancel_sent = true;
	t->cancel_pending = false;
	p->stats.txn_cancels_sent++;
	txn_client_start(p, c, cancel, len);
}

void txn_client_final_relayed(struct proxy *p, struct txn *t)
{
	if (!t->cookie || t->method == TXN_M_INVITE || t->cstate < TC_COMPLETED)
		return;
	txn_buf_free(&p->txns.bufs, t->req_buf);
	txn_buf_free(&p->txns.bufs, t->reg_buf);
	t->req_buf = t->reg_buf = 0;
}

bool txn_client_response(struct proxy *p, struct txn *t, osip_message_t *msg)
{
	int code = msg->status_code;
	uint64_t now = proxy_now_ms();
	bool inv = t->method == TXN_M_INVITE, up;

	if (t->method == TXN_M_CANCEL) {
		/* The answer to a CANCEL of ours: the UE's (or core's) CANCEL had its 200 from us. */
		if (code >= 200 && t->cstate < TC_COMPLETED) {
			t->cstate = TC_COMPLETED;
			t->c_retx_at = 0;
			t->c_timeout_at = now + (t->c_reliable ? 0 : TXN_T4_MS); /* K */
		} else if (code < 200 && t->cstate == TC_CALLING) {
			t->cstate = TC_PROCEEDING;
			t->c_retx_ms = TXN_T2_MS;
		}
		if (t->sstate == TS_NONE && t->cstate == TC_COMPLETED)
			t->sstate = TS_DONE;
		txn_rearm(&p->txns, t);
		txn_settle(p, t);
		return false;
	}
	if (code < 200) {
		if (code == 100)
			p->stats.txn_absorbed_100++;
		if (t->cstate == TC_CALLING)
			t->cstate = TC_PROCEEDING;
		if (inv) {
			t->c_retx_at = 0;	    /* A stops */
			t->c_timeout_at = 0; /* and B: Timer C watches from here */
		} else if (t->c_retx_at) {
			t->c_retx_ms = TXN_T2_MS; /* 17.1.2.2 Proceeding */
		}
		up = code > 100 && t->cstate == TC_PROCEEDING && t->sstate < TS_COMPLETED;
		if (code > 100 && inv) {
			t->provisional = true;
			t->timer_c_at = now + TXN_TIMER_C_MS; /* 16.7 2 */
			if (t->cancel_pending)
				txn_client_cancel(p, t);
		}
		txn_rearm(&p->txns, t);
		return up;
	}
	if (inv && code < 300) {
		/* RFC 6026 Accepted: every 2xx goes up, the ACK comes end to end. */
		t->cstate = TC_ACCEPTED;
		t->c_retx_at = t->timer_c_at = 0;
		if (!t->c_code) {
			t->c_code = code;
			t->c_timeout_at = now + TXN_64T1_MS; /* Timer M */
		}
		txn_rearm(&p->txns, t);
		return true;
	}
	if (t->cstate == TC_COMPLETED || t->cstate == TC_ACCEPTED || t->cstate == TC_DONE) {
		p->stats.txn_absorbed_final++;
		if (inv && t->cstate == TC_COMPLETED)
			ack_down(p, t, msg);
		return false;
	}
	t->c_code = code;
	t->cstate = TC_COMPLETED;
	t->c_retx_at = t->timer_c_at = 0;
	if (inv) {
		ack_down(p, t, msg);
		t->c_timeout_at = now + (t->c_reliable ? 0 : TXN_64T1_MS); /* D */
	} else {
		t->c_timeout_at = now + (t->c_reliable ? 0 : TXN_T4_MS); /* K */
	}
	up = t->sstate == TS_NONE || t->sstate < TS_COMPLETED;
	txn_rearm(&p->txns, t);
	return up;
}
