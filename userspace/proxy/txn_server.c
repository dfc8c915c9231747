// SPDX-License-Identifier: GPL-2.0
/*
 * The server side of the proxy's transactions (RFC 3261 17.2, 16.2,
 * RFC 6026): requests from upstream are matched by their server key; a
 * retransmission gets the last response we sent again and goes no further;
 * the ACK of a non-2xx final ends that INVITE here (hop by hop); a CANCEL
 * is its own transaction, answered 200 at once, and CANCELs its INVITE
 * downstream (txn_client.c). Responses leave through txn_respond, which
 * keeps the last one and runs timer G (non-2xx to an INVITE over UDP) and
 * the lingering timers H, I, J.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "common/addr.h"
#include "common/log.h"
#include "proxy/orig.h"
#include "proxy/proxy_priv.h"
#include "proxy/txn_proxy.h"

static unsigned int via_port(const osip_via_t *v)
{
	return v->port && *v->port ? (unsigned int)strtoul(v->port, NULL, 10) : 5060;
}

int txn_via_target(osip_message_t *msg, struct pcscf_addr *addr, uint16_t *port)
{
	osip_via_t *v = osip_list_get(&msg->vias, 0);
	osip_generic_param_t *rcv = NULL, *rport = NULL;
	unsigned long n;

	if (!v)
		return -EINVAL;
	osip_via_param_get_byname(v, "received", &rcv);
	osip_via_param_get_byname(v, "rport", &rport);
	if (route_host_addr(rcv && rcv->gvalue ? rcv->gvalue : v->host, addr))
		return -EINVAL; /* a name: no DNS here, the caller keeps the packet's source */
	n = rport && rport->gvalue && *rport->gvalue ? strtoul(rport->gvalue, NULL, 10)
						      : via_port(v);
	if (!n || n > 65535)
		return -EINVAL;
	*port = (uint16_t)n;
	return 0;
}

static uint32_t req_id_of(struct proxy *p, osip_message_t *msg)
{
	return txn_req_id(&p->txns, msg->call_id ? msg->call_id->number : NULL,
			  msg->cseq ? msg->cseq->number : NULL);
}

static bool same_leg(const struct txn *t, const struct txn_from *f)
{
	if (t->kind != f->kind)
		return false;
	if (f->kind == TXN_ORIG)
		return t->ue.ue_port == f->ue.ue_port &&
		       !memcmp(&t->ue.ue_addr, &f->ue.ue_addr, sizeof(f->ue.ue_addr));
	return !memcmp(&t->peer_addr, &f->peer_addr, sizeof(f->peer_addr));
}

/* A response made here for a request that has no slot (481): back on the request's leg. */
static void reply_stateless(struct proxy *p, const struct txn_from *f, osip_message_t *req,
			    int code, const char *reason)
{
	osip_message_t *resp = proxy_response_of(req, code, reason);
	struct txn tmp = {.kind = f->kind, .ue = f->ue, .peer_addr = f->peer_addr,
			  .peer_port = f->peer_port};
	int len = -ENOMEM;

	if (resp && !osip_message_set_content_length(resp, "0"))
		len = sipm_print(resp, p->buf, sizeof(p->buf));
	if (resp)
		osip_message_free(resp);
	if (len > 0)
		prep_send_up(p, &tmp, p->buf, len);
}

static void resend_last(struct proxy *p, struct txn *t)
{
	size_t len;
	const char *r = txn_buf_get(&p->txns.bufs, t->resp_buf, &len);

	if (!r)
		return;
	p->stats.txn_resent++;
	prep_send_up(p, t, r, len);
}

static enum txn_verdict on_cancel(struct proxy *p, const struct txn_from *f, osip_message_t *msg,
				  uint64_t key, const char *branch, const char *host,
				  unsigned int port)
{
	struct txn *inv = txn_lookup(&p->txns, txn_key(&p->txns, f->kind, TXN_M_INVITE, branch,
						       host, port));
	osip_message_t *ok;
	struct txn *c;

	if (!inv || inv->method != TXN_M_INVITE || !same_leg(inv, f) ||
	    inv->req_id != req_id_of(p, msg)) {
		p->stats.txn_481++;
		reply_stateless(p, f, msg, 481, "Call/Transaction Does Not Exist");
		return TXN_HANDLED;
	}
	c = txn_server_new(p, f, msg, key);
	ok = proxy_response_of(msg, 200, "OK");
	if (ok && !osip_message_set_content_length(ok, "0")) {
		if (c)
			txn_respond(p, c, ok);
		else
			reply_stateless(p, f, msg, 200, "OK");
	}
	if (ok)
		osip_message_free(ok);
	p->stats.txn_cancels++;
	if (c) {
		c->link = txn_ref(&p->txns, inv);
		inv->link = txn_ref(&p->txns, c);
		c->ri = inv->ri;
		c->rgen = inv->rgen;
	}
	/* 16.10: CANCEL the pending client transaction; the 487 comes up on the INVITE's. */
	if (!inv->s_code || inv->s_code < 200)
		txn_client_cancel(p, inv);
	return TXN_HANDLED;
}

enum txn_verdict txn_server_request(struct proxy *p, const struct txn_from *from,
				    osip_message_t *msg, uint64_t *key)
{
	osip_via_t *v = osip_list_get(&msg->vias, 0);
	const char *branch = sipm_top_branch(msg);
	enum txn_method mc = txn_method_of(msg->sip_method);
	uint64_t now = proxy_now_ms();
	struct txn *t;

	*key = 0;
	if (!v || !branch || !*branch)
		return MSG_IS_ACK(msg) ? TXN_ACK_2XX : TXN_NEW; /* RFC 2543 style: no matching */
	*key = txn_key(&p->txns, from->kind, mc, branch, v->host, via_port(v));
	t = txn_lookup(&p->txns, *key);
	if (t && t->req_id != req_id_of(p, msg)) {
		/* The branch of an earlier request reused (RFC 2543 clients, buggy UAs): a new one. */
		if (!MSG_IS_ACK(msg))
			txn_unhash(&p->txns, t);
		t = NULL;
	}
	if (MSG_IS_ACK(msg)) {
		if (!t || t->method != TXN_M_INVITE || t->s_code < 300)
			return TXN_ACK_2XX;
		/* 17.2.1: the ACK of our non-2xx final; it goes no further (the client side ACKed). */
		p->stats.txn_absorbed_ack++;
		if (t->sstate == TS_COMPLETED) {
			t->sstate = TS_CONFIRMED;
			t->s_retx_at = 0;
			t->s_timeout_at = now + (t->s_reliable ? 0 : TXN_T4_MS); /* Timer I */
			txn_rearm(&p->txns, t);
		}
		return TXN_HANDLED;
	}
	if (t) {
		/* 17.2.1/17.2.2: a retransmission; the last response again, never downstream. */
		p->stats.retransmissions++;
		if (t->sstate != TS_CONFIRMED && !(t->method == TXN_M_INVITE && t->s_code >= 200 &&
						   t->s_code < 300))
			resend_last(p, t);
		return TXN_HANDLED;
	}
	if (mc == TXN_M_CANCEL)
		return on_cancel(p, from, msg, *key, branch, v->host, via_port(v));
	return TXN_NEW;
}

struct txn *txn_server_new(struct proxy *p, const struct txn_from *from, osip_message_t *msg,
			   uint64_t key)
{
	struct txn *t = txn_alloc(&p->txns, from->kind, randombytes_random());
	osip_generic_param_t *tag = NULL;
	osip_message_t *trying;

	if (!t) {
		p->stats.txn_full++;
		return NULL;
	}
	t->method = txn_method_of(msg->sip_method);
	t->ue = from->ue;
	t->protected = from->ue.protected;
	t->peer_addr = from->peer_addr;
	t->peer_port = from->peer_port;
	t->s_reliable = from->kind == TXN_ORIG && !from->ue.protected && from->ue.conn >= 0;
	t->sstate = TS_TRYING;
	t->req_id = req_id_of(p, msg);
	if (key)
		txn_hash_add(&p->txns, t, key);
	if (t->method != TXN_M_INVITE)
		return t;
	/* 16.2: 100 Trying at once, so upstream stops retransmitting; no To tag of ours. */
	trying = proxy_response_of(msg, 100, "Trying");
	if (trying && msg->to && osip_to_get_tag(msg->to, &tag)) {
		osip_to_free(trying->to);
		trying->to = NULL;
		osip_to_clone(msg->to, &trying->to);
	}
	if (trying && !osip_message_set_content_length(trying, "0"))
		txn_respond(p, t, trying);
	if (trying)
		osip_message_free(trying);
	return t;
}

int txn_respond_text(struct proxy *p, struct txn *t, const char *buf, size_t len, int code)
{
	uint64_t now = proxy_now_ms();
	uint32_t cookie = t->cookie;
	int err;

	if (t->sstate == TS_NONE || t->sstate == TS_DONE)
		return -ENOENT;
	txn_buf_free(&p->txns.bufs, t->resp_buf);
	t->resp_buf = txn_buf_put(&p->txns.bufs, buf, len);
	if (!t->resp_buf)
		p->stats.txn_no_buf++;
	err = prep_send_up(p, t, buf, len);
	if (code < 200) {
		if (t->sstate == TS_TRYING)
			t->sstate = TS_PROCEEDING;
	} else if (t->sstate < TS_COMPLETED) {
		t->s_code = code;
		t->sstate = TS_COMPLETED;
		if (t->method == TXN_M_INVITE && code >= 300 && !t->s_reliable) {
			/* Timer G until the ACK, Timer H gives up. */
			t->s_retx_ms = TXN_T1_MS;
			t->s_retx_at = now + TXN_T1_MS;
			t->s_timeout_at = now + TXN_64T1_MS;
		} else if (t->method == TXN_M_INVITE && code >= 300) {
			t->s_timeout_at = now + TXN_64T1_MS; /* H: the ACK still ends it early */
		} else {
			/* J (non-INVITE), RFC 6026 Accepted (2xx to an INVITE): absorb retransmissions. */
			t->s_timeout_at = t->s_reliable && t->method != TXN_M_INVITE
						  ? now
						  : now + TXN_64T1_MS;
		}
	}
	if (t->cookie == cookie) {
		txn_rearm(&p->txns, t);
		txn_settle(p, t);
	}
	return err;
}

int txn_respond(struct proxy *p, struct txn *t, osip_message_t *msg)
{
	int len = sipm_print(msg, p->buf, sizeof(p->buf));

	if (len < 0)
		return len;
	return txn_respond_text(p, t, p->buf, len, msg->status_code);
}

osip_message_t *txn_response_of_copy(struct proxy *p, struct txn *t, int code, const char *reason)
{
	size_t len;
	const char *txt = txn_buf_get(&p->txns.bufs, t->req_buf, &len);
	osip_message_t *req, *resp;

	if (!txt || sipm_parse(&req, txt, len))
		return NULL;
	resp = proxy_response_of(req, code, reason);
	osip_message_free(req);
	if (resp && osip_message_set_content_length(resp, "0")) {
		osip_message_free(resp);
		resp = NULL;
	}
	return resp;
}

void txn_settle(struct proxy *p, struct txn *t)
{
	bool s_over = t->sstate == TS_NONE || t->sstate == TS_DONE;
	bool c_over = t->cstate == TC_NONE || t->cstate == TC_DONE;

	if (t->cookie && s_over && c_over)
		txn_free(&p->txns, t);
}
