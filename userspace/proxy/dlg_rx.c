// SPDX-License-Identifier: GPL-2.0
/*
 * INVITE dialogs and Rx (dlg_rx.h). When: the AAR goes out at the SDP
 * answer (the first 18x/2xx of the INVITE that carries SDP), with the offer
 * kept from the INVITE, and that response is held until the AAA. TS 29.213
 * B.3 has the P-CSCF derive the service information from the offer and the
 * answer together (the UE's and the far end's media addresses, both codec
 * lists); the offer alone is optional there (preliminary authorisation),
 * and TS 24.229 5.2.7 lets the INVITE go on to the core meanwhile. One AAR
 * per dialog, with the flows of both ends known.
 *
 * The verdict (rx_dispatch, on this thread):
 *   allowed (or no PCRF and the policy allows)  the held response goes on
 *   refused                                     the UE gets result->sip_status
 *       with the Warning in place of the held response; the far end gets
 *       ACK + BYE if what was held was a 2xx, CANCEL if it was a 18x (its
 *       2xx, if it still comes, gets ACK + BYE), so no half dialog is left
 *   no held-buffer or Rx room                   the same with 503
 * A re-INVITE/UPDATE with SDP is an update of the session at its answer; a
 * refused update ends the dialog both ways (BYE to each side).
 * BYE (either side), CANCEL, a failed INVITE and the end of the registration
 * end the Rx session (STR). The PCRF's RAR (bearer lost/released) or ASR:
 * BYE to both sides, built from what the dialog kept, then STR.
 *
 * Requests pcscfd sends itself carry a branch "z9hG4bK-pcdlg..." whose
 * answers are absorbed (dlg_own_response). Not built: dialogs the core
 * starts (terminating INVITEs) are not authorised here, an offer in a 2xx
 * (answer in the ACK) is not authorised, forked early dialogs share the
 * first far-end tag.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/outbuf.h"
#include "rx/rx.h"
#include "proxy/dialog.h"
#include "proxy/dlg_rx.h"
#include "proxy/orig.h"
#include "proxy/proxy_priv.h"
#include "reg/reg.h"

#define OWN_BRANCH "z9hG4bK-pcdlg"
#define OUT_MAX	   2048

/* A response waiting for the AAA, as it would go to the UE, and where it goes. */
struct held {
	uint32_t len, next_free;
	struct ue_route to;
	char text[DLG_HELD_BYTES];
};

#define DLG_STATS(X)                                                                               \
	X(created)                                                                                 \
	X(table_full)                                                                              \
	X(sdp_too_big) X(aar) X(aar_update) X(held) X(held_full) X(held_replaced) X(allowed)       \
		X(unchecked) X(denied) X(str) X(rar_ended) X(reg_ended) X(far_bye) X(ue_bye)       \
			X(far_cancel) X(absorbed) X(own_answers)

struct dlg_stats {
#define F(f) uint64_t f;
	DLG_STATS(F)
#undef F
};

struct dlg_ctx {
	struct dlg_table t;
	struct held *held;
	uint32_t nheld, held_free, held_live;
	struct dlg_stats st;
	char out[OUT_MAX]; /* requests we build: our own, p->buf may be in use */
};

/* One proxy per process: the Rx callbacks carry only the dialog's handle. */
static struct proxy *dlg_proxy;

static void on_abort(void *arg, rx_handle h, enum rx_abort_reason why);

int dlg_init(struct proxy *p)
{
	uint32_t cap = p->cfg.max_dialogs;
	uint32_t nheld = p->cfg.max_held ? p->cfg.max_held : DLG_DEF_HELD;
	struct dlg_ctx *c;
	int err;

	rx_set_abort_handler(on_abort, p);
	if (!cap) /* tests and fuzzers without Rx: no table, every hook returns at once */
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (nheld > cap)
		nheld = cap;
	err = dlg_table_init(&c->t, cap, p->cfg.max_regs ? p->cfg.max_regs : 1);
	if (!err) {
		c->held = calloc(nheld, sizeof(*c->held));
		if (!c->held)
			err = -ENOMEM;
	}
	if (err) {
		dlg_table_fini(&c->t);
		free(c);
		return err;
	}
	c->nheld = nheld;
	for (uint32_t i = 0; i < nheld; i++)
		c->held[i].next_free = i + 1 < nheld ? i + 1 : DLG_NONE;
	p->dlg = c;
	dlg_proxy = p;
	return 0;
}

void dlg_fini(struct proxy *p)
{
	if (!p->dlg)
		return;
	for (uint32_t i = 0; i < p->dlg->nheld; i++)
		sodium_memzero(p->dlg->held[i].text, p->dlg->held[i].len);
	free(p->dlg->held);
	dlg_table_fini(&p->dlg->t);
	free(p->dlg);
	p->dlg = NULL;
	if (dlg_proxy == p)
		dlg_proxy = NULL;
}

/* ---- small SIP readers ---- */

static const char *tag_of(osip_from_t *f)
{
	osip_generic_param_t *tag = NULL;

	return f && !osip_from_get_tag(f, &tag) && tag && tag->gvalue ? tag->gvalue : NULL;
}

static int copy_str(char *dst, size_t cap, char *src)
{
	size_t n = src ? strlen(src) : 0;
	int err = src && n < cap ? 0 : -ENOSPC;

	if (!err)
		memcpy(dst, src, n + 1);
	osip_free(src);
	return err;
}

static int from_text(osip_from_t *f, char *out, size_t cap)
{
	char *s = NULL;

	return f && !osip_from_to_str(f, &s) ? copy_str(out, cap, s) : -EINVAL;
}

static int contact_uri(osip_message_t *msg, char *out, size_t cap)
{
	osip_contact_t *c = NULL;
	char *s = NULL;

	if (osip_message_get_contact(msg, 0, &c) < 0 || !c || !c->url ||
	    osip_uri_to_str(c->url, &s))
		return -ENOENT;
	return copy_str(out, cap, s);
}

static uint32_t cseq_of(osip_message_t *msg)
{
	return msg->cseq && msg->cseq->number ? (uint32_t)strtoul(msg->cseq->number, NULL, 10) : 0;
}

static bool cseq_is(osip_message_t *msg, const char *method)
{
	return msg->cseq && msg->cseq->method && !strcmp(msg->cseq->method, method);
}

/* The SDP body, if the message has one (Content-Type application/sdp). */
static const char *sdp_of(osip_message_t *msg, size_t *len)
{
	osip_content_type_t *ct = msg->content_type;
	osip_body_t *b = NULL;

	if (!ct || !ct->type || !ct->subtype || strcasecmp(ct->type, "application") ||
	    strcasecmp(ct->subtype, "sdp") || osip_message_get_body(msg, 0, &b) || !b || !b->body ||
	    !b->length)
		return NULL;
	*len = b->length;
	return b->body;
}

/* Appends ", s" (or s first) to out; frees s (libosip2's string). 0 or -ENOSPC. */
static int list_append(char *out, size_t cap, size_t *len, char *s)
{
	int w = snprintf(out + *len, cap - *len, "%s%s", *len ? ", " : "", s);

	osip_free(s);
	if (w < 0 || (size_t)w >= cap - *len)
		return -ENOSPC;
	*len += w;
	return 0;
}

/* Route set towards the far end from a response's Record-Route (RFC 3261 12.1.2), ours out. */
static int far_route(struct proxy *p, osip_message_t *msg, char *out, size_t cap)
{
	int n = osip_list_size(&msg->record_routes);
	size_t len = 0;

	out[0] = '\0';
	for (int i = n - 1; i >= 0; i--) {
		osip_record_route_t *rr = osip_list_get(&msg->record_routes, i);
		char *s = NULL;
		int err;

		if (!rr || !rr->url || route_names_us(p, rr->url))
			continue;
		if (osip_record_route_to_str(rr, &s))
			return -EINVAL;
		err = list_append(out, cap, &len, s);
		if (err)
			return err;
	}
	return 0;
}

/* The Route headers of a request as one value (what a CANCEL repeats, RFC 3261 9.1). */
static int req_route(osip_message_t *msg, char *out, size_t cap)
{
	size_t len = 0;
	osip_route_t *rt;

	out[0] = '\0';
	for (int i = 0; (rt = osip_list_get(&msg->routes, i)); i++) {
		char *s = NULL;
		int err;

		if (osip_route_to_str(rt, &s))
			return -EINVAL;
		err = list_append(out, cap, &len, s);
		if (err)
			return err;
	}
	return 0;
}

/* ---- requests pcscfd sends itself ---- */

static const char *br(const char *host, bool open)
{
	return strchr(host, ':') ? (open ? "[" : "]") : "";
}

static int build(struct dlg_ctx *c, const char *method, const char *ruri, const char *via_host,
		 uint16_t via_port, const char *branch, const char *route, const char *from,
		 const char *to, const struct dlg *d, uint32_t cseq, const char *reason)
{
	char b[48];
	int n;

	if (!branch) {
		snprintf(b, sizeof(b), OWN_BRANCH "%08x%08x", randombytes_random(),
			 randombytes_random());
		branch = b;
	}
	n = snprintf(c->out, sizeof(c->out),
		     "%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s%s%s:%u;branch=%s\r\n"
		     "Max-Forwards: 70\r\n%s%s%sFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
		     "CSeq: %u %s\r\n%s%s%sContent-Length: 0\r\n\r\n",
		     method, ruri, br(via_host, true), via_host, br(via_host, false), via_port,
		     branch, route[0] ? "Route: " : "", route, route[0] ? "\r\n" : "", from, to,
		     d->call_id, cseq, method, reason ? "Reason: " : "", reason ? reason : "",
		     reason ? "\r\n" : "");
	return n > 0 && (size_t)n < sizeof(c->out) ? n : -ENOSPC;
}

/* ACK (of the far end's 2xx), BYE or CANCEL towards the far end, through the core. */
static void to_far(struct proxy *p, struct dlg *d, const char *method, const char *reason)
{
	struct dlg_ctx *c = p->dlg;
	bool cancel = !strcmp(method, "CANCEL"), ack = !strcmp(method, "ACK");
	int n;

	if (cancel) /* the INVITE as we sent it: same Request-URI, Via, Route (RFC 3261 9.1) */
		n = build(c, method, d->ruri, p->core_via_host, p->core_via_port, d->branch,
			  d->inv_route, d->ue_nameaddr, d->inv_to, d, d->invite_cseq, reason);
	else if (d->far_target[0])
		n = build(c, method, d->far_target, p->core_via_host, p->core_via_port, NULL,
			  d->core_route, d->ue_nameaddr, d->far_nameaddr, d,
			  ack ? d->invite_cseq : ++d->ue_cseq, reason);
	else
		n = -ENOENT;
	if (n < 0 || core_send(p, c->out, n)) {
		pr_warn_rl("dialog %s: cannot send %s to the far end", d->call_id, method);
		return;
	}
	if (cancel)
		c->st.far_cancel++;
	else if (!ack)
		c->st.far_bye++;
}

/* BYE to the UE through its SAs (port_pc -> port_us, as terminating requests go). */
static void bye_ue(struct proxy *p, struct dlg *d, const char *reason)
{
	const struct reg *r = reg_by_index(p->regs, d->reg_ri, d->reg_gen);
	const struct reg_sa_set *set = NULL;
	char via[ADDR_STR_LEN];
	int n;

	if (r) {
		set = reg_set_of(p->regs, r, REG_SET_OLD);
		if (!set)
			set = reg_set_of(p->regs, r, REG_SET_NEW);
	}
	if (!set || !d->ue_target[0] || !d->far_nameaddr[0]) {
		pr_warn_rl("dialog %s: no SA or contact left to reach the UE: no BYE", d->call_id);
		return;
	}
	addr_str(&set->our_addr, via, sizeof(via));
	n = build(p->dlg, "BYE", d->ue_target, via, set->port_pc, NULL, "", d->far_nameaddr,
		  d->ue_nameaddr, d, ++d->far_cseq, reason);
	if (n < 0 || ue_send_protected(p, set, REG_SA_US, p->dlg->out, n)) {
		pr_warn_rl("dialog %s: cannot send BYE to the UE", d->call_id);
		return;
	}
	p->dlg->st.ue_bye++;
}

/* ---- life of a dialog ---- */

static void held_put(struct dlg_ctx *c, struct dlg *d)
{
	struct held *h;

	if (d->held == DLG_NONE)
		return;
	h = &c->held[d->held];
	sodium_memzero(h->text, h->len);
	h->len = 0;
	h->next_free = c->held_free;
	c->held_free = d->held;
	c->held_live--;
	d->held = DLG_NONE;
}

/* Into d's hold buffer (taken if it has none): 0, -ENOBUFS (none free), -ENOSPC. */
static int held_set(struct dlg_ctx *c, struct dlg *d, osip_message_t *msg,
		    const struct ue_route *to)
{
	struct held *h;
	int n;

	if (d->held == DLG_NONE) {
		if (c->held_free == DLG_NONE)
			return -ENOBUFS;
		d->held = c->held_free;
		c->held_free = c->held[d->held].next_free;
		c->held_live++;
	}
	h = &c->held[d->held];
	n = sipm_print(msg, h->text, sizeof(h->text));
	if (n < 0) {
		held_put(c, d);
		return -ENOSPC;
	}
	h->len = n;
	h->to = *to;
	return 0;
}

/* STR (when a session is there) and the slot back. */
static void end(struct proxy *p, struct dlg *d)
{
	struct dlg_ctx *c = p->dlg;

	if (d->rx) {
		if (!rx_session_terminate(d->rx))
			c->st.str++;
		dlg_set_rx(&c->t, d, 0);
	}
	held_put(c, d);
	dlg_free(&c->t, d);
}

/*
 * The UE gets status (with warning) in place of resp, a response to its
 * INVITE; the far end is ended (ACK + BYE of a 2xx, CANCEL of an early
 * dialog); the Rx session goes. The dialog waits for the UE's ACK.
 */
static void refuse(struct proxy *p, struct dlg *d, osip_message_t *resp, const struct ue_route *to,
		   int status, const char *warning)
{
	struct dlg_ctx *c = p->dlg;
	char reason[64];
	int code = resp->status_code;
	bool update = d->state == DLG_ACTIVE || d->updating;

	snprintf(reason, sizeof(reason), "SIP;cause=%d", status);
	d->far_done = code >= 200 || update; /* a CANCELled INVITE still has its final to come */
	d->ue_acked = false;
	if (code >= 200 && code < 300) {
		to_far(p, d, "ACK", NULL);
		to_far(p, d, "BYE", reason);
	} else if (!update) {
		to_far(p, d, "CANCEL", reason);
	} else {
		to_far(p, d, "BYE", reason);
	}
	sipm_keep_dialog_only(resp);
	osip_message_set_status_code(resp, status);
	osip_free(resp->reason_phrase);
	resp->reason_phrase = osip_strdup(status == 488	  ? "Not Acceptable Here"
					  : status == 503 ? "Service Unavailable"
							  : "Server Internal Error");
	if (warning && warning[0])
		sipm_add(resp, "Warning", warning);
	if (status == 503)
		sipm_add(resp, "Retry-After", PROXY_RETRY_AFTER_S);
	proxy_send_ue(p, to, resp);
	if (update) /* the dialog was up: it stops both ways */
		bye_ue(p, d, reason);
	if (d->rx) {
		rx_session_terminate(d->rx);
		dlg_set_rx(&c->t, d, 0);
	}
	held_put(c, d);
	d->updating = false;
	d->state = DLG_REFUSED;
}

static void on_aaa(void *arg, rx_handle h, const struct rx_result *r)
{
	struct proxy *p = dlg_proxy;
	struct dlg *d = p && p->dlg ? dlg_by_handle(&p->dlg->t, (dlg_handle)(uintptr_t)arg) : NULL;
	struct dlg_ctx *c;
	struct held *hb;
	osip_message_t *msg;

	if (!d || d->rx != h || d->state != DLG_AUTHORIZING || d->held == DLG_NONE)
		return;
	c = p->dlg;
	hb = &c->held[d->held];
	if (sipm_parse(&msg, hb->text, hb->len)) {
		end(p, d); /* we printed it: cannot happen */
		return;
	}
	if (r->verdict == RX_DENY) {
		c->st.denied++;
		pr_info_rl("dialog %s: the PCRF refused the session (result %u/%u): %u to the UE",
			   d->call_id, r->result_code, r->exp_result, r->sip_status);
		d->state = d->updating ? DLG_ACTIVE : DLG_OFFERED;
		refuse(p, d, msg, &hb->to, r->sip_status, r->warning);
	} else {
		if (r->verdict == RX_ALLOW)
			c->st.allowed++;
		else
			c->st.unchecked++;
		proxy_send_ue(p, &hb->to, msg);
		held_put(c, d);
		d->state = DLG_ACTIVE;
		d->updating = false;
	}
	osip_message_free(msg);
}

static void on_abort(void *arg, rx_handle h, enum rx_abort_reason why)
{
	struct proxy *p = arg;
	struct dlg *d = p->dlg ? dlg_by_rx(&p->dlg->t, h) : NULL;
	const char *reason = why == RX_ABORT_ASR
				     ? "RELEASE_CAUSE;cause=4;text=\"Session aborted by the PCRF\""
				     : "RELEASE_CAUSE;cause=3;text=\"Media bearer or QoS lost\"";

	if (!d) {
		rx_session_terminate(h);
		return;
	}
	pr_info_rl("dialog %s: the PCRF ended its session (%s): BYE to both sides", d->call_id,
		   why == RX_ABORT_ASR ? "ASR" : "bearer lost");
	p->dlg->st.rar_ended++;
	if (d->state == DLG_ACTIVE) {
		to_far(p, d, "BYE", reason);
		bye_ue(p, d, reason);
	} else if (d->state == DLG_AUTHORIZING && d->held != DLG_NONE) {
		struct held *hb = &p->dlg->held[d->held];
		osip_message_t *msg;

		if (!sipm_parse(&msg, hb->text, hb->len)) {
			refuse(p, d, msg, &hb->to, 503, NULL);
			osip_message_free(msg);
			return;
		}
	}
	end(p, d);
}

/* ---- hooks ---- */

static struct dlg *new_dialog(struct proxy *p, const struct sip_in *m, osip_message_t *msg,
			      const struct reg *r, const char *call_id, const char *tag,
			      const char *sdp, size_t sdp_len)
{
	struct dlg_ctx *c = p->dlg;
	struct dlg *d;
	char *ruri = NULL;

	if (sdp_len > DLG_SDP_MAX) {
		c->st.sdp_too_big++;
		proxy_reply(p, m, msg, 500, "Server Internal Error (SDP too large for Rx)");
		return NULL;
	}
	d = dlg_new(&c->t, call_id, tag, reg_index_of(p->regs, r), r->generation);
	if (!d) {
		c->st.table_full++;
		pr_warn_rl("dialog table full (%u): INVITE %s answered 503", c->t.cap, call_id);
		proxy_reply(p, m, msg, 503, "Service Unavailable");
		return NULL;
	}
	d->dir = DLG_ORIG;
	d->sa_slot = m->slot;
	d->sa_gen = m->generation;
	d->ue_addr = m->src;
	d->invite_cseq = d->ue_cseq = cseq_of(msg);
	memcpy(d->offer, sdp, sdp_len);
	d->offer_len = sdp_len;
	/* Subscription-Id wants the URI alone */
	sipm_bare_uri(sipm_header(msg, "P-Asserted-Identity", 0), d->subscription,
		 sizeof(d->subscription));
	if (from_text(msg->from, d->ue_nameaddr, sizeof(d->ue_nameaddr)) ||
	    from_text(msg->to, d->inv_to, sizeof(d->inv_to)) ||
	    charging_icid(p, m, msg, d->icid, sizeof(d->icid)) < 0 ||
	    osip_uri_to_str(msg->req_uri, &ruri) || copy_str(d->ruri, sizeof(d->ruri), ruri) ||
	    req_route(msg, d->inv_route, sizeof(d->inv_route))) {
		dlg_free(&c->t, d);
		proxy_reply(p, m, msg, 500, "Server Internal Error (dialog state)");
		return NULL;
	}
	contact_uri(msg, d->ue_target, sizeof(d->ue_target));
	c->st.created++;
	return d;
}

int dlg_orig_request(struct proxy *p, const struct sip_in *m, osip_message_t *msg,
		     const struct reg *r)
{
	struct dlg_ctx *c = p->dlg;
	const char *tag, *to_tag, *sdp;
	char call_id[DLG_CALLID_MAX];
	size_t sdp_len = 0;
	struct dlg *d;

	if (!c || !rx_running() || !r || !msg->call_id ||
	    sipm_call_id(msg, call_id, sizeof(call_id)) < 0 || !(tag = tag_of(msg->from)))
		return 0;
	to_tag = tag_of(msg->to);
	sdp = sdp_of(msg, &sdp_len);
	d = dlg_find(&c->t, call_id, tag);
	if (!d) {
		if (MSG_IS_INVITE(msg) && !to_tag && sdp)
			return new_dialog(p, m, msg, r, call_id, tag, sdp, sdp_len) ? 0 : -EPERM;
		return 0;
	}
	if (MSG_IS_INVITE(msg) && !to_tag)
		return 0; /* a retransmission */
	if (MSG_IS_CANCEL(msg)) {
		end(p, d);
		return 0;
	}
	if (to_tag && d->far_tag[0] && strcmp(to_tag, d->far_tag))
		return 0; /* another early dialog of a forked INVITE */
	if (MSG_IS_ACK(msg)) {
		if (d->state != DLG_REFUSED)
			return 0;
		/* the UE's ACK of our refusal: the far end has had its own ACK (or CANCEL) */
		c->st.absorbed++;
		d->ue_acked = true;
		if (d->far_done)
			end(p, d);
		return -ECANCELED;
	}
	if (cseq_of(msg) > d->ue_cseq)
		d->ue_cseq = cseq_of(msg);
	if (MSG_IS_BYE(msg)) {
		end(p, d);
		return 0;
	}
	if ((MSG_IS_INVITE(msg) || MSG_IS_UPDATE(msg)) && sdp && d->state == DLG_ACTIVE &&
	    sdp_len <= DLG_SDP_MAX) {
		memcpy(d->offer, sdp, sdp_len);
		d->offer_len = sdp_len;
		d->updating = true;
	}
	return 0;
}

/* The answer: AAR with offer and answer, the response held meanwhile. */
static bool authorize(struct proxy *p, const struct txn *t, struct dlg *d, osip_message_t *msg,
		      const char *sdp, size_t sdp_len)
{
	struct dlg_ctx *c = p->dlg;
	struct ue_route to = route_of_txn(t);
	struct rx_media_req q = {
		.offer = d->offer,
		.offer_len = d->offer_len,
		.answer = sdp,
		.answer_len = sdp_len,
		.ue_offered = true,
		.ue_addr = d->ue_addr,
		.subscription = d->subscription,
		.icid = d->icid,
	};
	rx_handle h = d->rx;
	bool update = d->updating;
	int err;

	if (!update) {
		const char *ft = tag_of(msg->to);

		snprintf(d->far_tag, sizeof(d->far_tag), "%s", ft ? ft : "");
		from_text(msg->to, d->far_nameaddr, sizeof(d->far_nameaddr));
		txn_branch(&p->txns, t, d->branch, sizeof(d->branch));
	}
	contact_uri(msg, d->far_target, sizeof(d->far_target));
	if (!update && far_route(p, msg, d->core_route, sizeof(d->core_route)))
		d->core_route[0] = '\0';
	err = held_set(c, d, msg, &to);
	if (err) {
		c->st.held_full++;
		pr_warn_rl("dialog %s: %s: 503 to the UE", d->call_id,
			   err == -ENOBUFS ? "every hold buffer taken"
					   : "answer too large to hold");
		refuse(p, d, msg, &to, 503, NULL);
		return true;
	}
	err = rx_session_authorize(&h, &q, on_aaa, (void *)(uintptr_t)dlg_handle_of(&c->t, d));
	if (err) {
		held_put(c, d);
		pr_warn_rl("dialog %s: Rx request refused locally (%s): 503 to the UE", d->call_id,
			   strerror(-err));
		refuse(p, d, msg, &to, err == -EBUSY ? 503 : 500, NULL);
		return true;
	}
	if (!update)
		dlg_set_rx(&c->t, d, h);
	if (update)
		c->st.aar_update++;
	else
		c->st.aar++;
	c->st.held++;
	d->state = DLG_AUTHORIZING;
	return true;
}

bool dlg_orig_response(struct proxy *p, const struct txn *t, osip_message_t *msg)
{
	struct dlg_ctx *c = p->dlg;
	char call_id[DLG_CALLID_MAX];
	const char *tag, *sdp;
	size_t sdp_len = 0;
	struct dlg *d;
	int code = msg->status_code;

	if (!c || !c->t.live || !cseq_is(msg, "INVITE") ||
	    sipm_call_id(msg, call_id, sizeof(call_id)) < 0 || !(tag = tag_of(msg->from)) ||
	    !(d = dlg_find(&c->t, call_id, tag)))
		return false;
	sdp = sdp_of(msg, &sdp_len);
	switch (d->state) {
	case DLG_OFFERED:
		if (code >= 300) {
			end(p, d); /* failed INVITE */
			return false;
		}
		return code > 100 && sdp ? authorize(p, t, d, msg, sdp, sdp_len) : false;
	case DLG_ACTIVE:
		if (!d->updating || cseq_of(msg) != d->ue_cseq)
			return false;
		if (code >= 300) {
			d->updating = false;
			return false;
		}
		return code >= 200 && sdp ? authorize(p, t, d, msg, sdp, sdp_len) : false;
	case DLG_AUTHORIZING:
		if (code >= 300) { /* the far end gave up while the PCRF was asked */
			end(p, d);
			return false;
		}
		if (code >= 200 && d->held != DLG_NONE &&
		    !strncmp(c->held[d->held].text, "SIP/2.0 1", 9)) {
			/* the 2xx after a held 18x: it goes out in the 18x's place */
			struct ue_route to = route_of_txn(t);

			contact_uri(msg, d->far_target, sizeof(d->far_target));
			if (!held_set(c, d, msg, &to))
				c->st.held_replaced++;
		}
		c->st.absorbed++; /* 18x and retransmissions while waiting */
		return true;
	case DLG_REFUSED:
		if (code >= 200 && code < 300) { /* after our CANCEL crossed its 2xx */
			contact_uri(msg, d->far_target, sizeof(d->far_target));
			to_far(p, d, "ACK", NULL);
			to_far(p, d, "BYE", "SIP;cause=487");
		}
		c->st.absorbed++;
		return true;
	}
	return false;
}

void dlg_core_request(struct proxy *p, osip_message_t *msg)
{
	struct dlg_ctx *c = p->dlg;
	char call_id[DLG_CALLID_MAX];
	const char *tag;
	struct dlg *d;

	if (!c || !c->t.live || (!MSG_IS_BYE(msg) && !MSG_IS_CANCEL(msg)) ||
	    sipm_call_id(msg, call_id, sizeof(call_id)) < 0 || !(tag = tag_of(msg->to)) ||
	    !(d = dlg_find(&c->t, call_id, tag)))
		return;
	end(p, d);
}

/*
 * After our CANCEL of a refused early dialog, the INVITE's own answers (the
 * CANCEL's 200, the 487 or a 2xx that crossed it) are ours to finish: the
 * 487 gets its hop-by-hop ACK (RFC 3261 17.1.1.3), a 2xx ACK + BYE.
 */
static bool cancelled_answer(struct proxy *p, osip_message_t *msg, const char *branch)
{
	struct dlg_ctx *c = p->dlg;
	char call_id[DLG_CALLID_MAX], to[DLG_HDR_MAX];
	const char *tag;
	struct dlg *d;
	int code = msg->status_code, n;

	if (!c->t.live || !(cseq_is(msg, "INVITE") || cseq_is(msg, "CANCEL")) ||
	    sipm_call_id(msg, call_id, sizeof(call_id)) < 0 || !(tag = tag_of(msg->from)) ||
	    !(d = dlg_find(&c->t, call_id, tag)) || d->state != DLG_REFUSED || d->far_done ||
	    strcmp(branch, d->branch))
		return false;
	c->st.absorbed++;
	if (cseq_is(msg, "CANCEL") || code < 200)
		return true;
	if (code >= 300) {
		n = from_text(msg->to, to, sizeof(to))
			    ? -EINVAL
			    : build(c, "ACK", d->ruri, p->core_via_host, p->core_via_port,
				    d->branch, d->inv_route, d->ue_nameaddr, to, d, d->invite_cseq,
				    NULL);
		if (n < 0 || core_send(p, c->out, n))
			pr_warn_rl("dialog %s: cannot ACK the far end's %d", d->call_id, code);
	} else {
		from_text(msg->to, d->far_nameaddr, sizeof(d->far_nameaddr));
		contact_uri(msg, d->far_target, sizeof(d->far_target));
		to_far(p, d, "ACK", NULL);
		to_far(p, d, "BYE", "SIP;cause=487");
	}
	d->far_done = true;
	if (d->ue_acked)
		end(p, d);
	return true;
}

bool dlg_own_response(struct proxy *p, osip_message_t *msg)
{
	const char *b = sipm_top_branch(msg);

	if (!p->dlg || !b)
		return false;
	if (strncmp(b, OWN_BRANCH, sizeof(OWN_BRANCH) - 1))
		return cancelled_answer(p, msg, b);
	p->dlg->st.own_answers++;
	return true;
}

void dlg_reg_gone(struct proxy *p, const struct reg *r)
{
	struct dlg_ctx *c = p->dlg;
	uint32_t ri;

	if (!c || !c->t.live)
		return;
	ri = reg_index_of(p->regs, r);
	for (struct dlg *d = dlg_first_of_reg(&c->t, ri), *nx; d; d = nx) {
		nx = dlg_next_of_reg(&c->t, d);
		if (d->reg_gen != r->generation)
			continue;
		if (d->state == DLG_ACTIVE)
			to_far(p, d, "BYE", "SIP;cause=480;text=\"Registration ended\"");
		c->st.reg_ended++;
		end(p, d);
	}
}

void dlg_stats_render(const struct proxy *p, struct outbuf *o, bool json)
{
	const struct dlg_ctx *c = p->dlg;
	int i = 0;

	if (!c)
		return;
	if (json)
		outbuf_printf(o, ",\"dialogs\":{\"live\":%u,\"held_now\":%u", c->t.live,
			      c->held_live);
	else
		outbuf_printf(o, "dialogs (Rx)\n  %-32s %u\n  %-32s %u\n", "live", c->t.live,
			      "held_now", c->held_live);
	i = json; /* the JSON object has members already */
#define R(f)                                                                                       \
	outbuf_printf(o, json ? "%s\"%s\":%llu" : "%s  %-32s %llu\n", json &&i++ ? "," : "", #f,   \
		      (unsigned long long)c->st.f);
	DLG_STATS(R)
#undef R
	if (json)
		outbuf_printf(o, "}");
}

static const char *const state_name[] = {"free", "offered", "authorizing", "active", "refused"};

void dlg_list_render(const struct proxy *p, struct outbuf *o, bool json)
{
	const struct dlg_ctx *c = p->dlg;
	char cid[DLG_CALLID_MAX * 6 + 3], ue[ADDR_STR_LEN];
	uint32_t shown = 0;

	if (!c)
		return;
	outbuf_printf(o, json ? ",\"dialogs\":[" : "dialogs: %u live\n", c->t.live);
	/* a control command, not the SIP path: a scan that stops once every live one is out */
	for (uint32_t i = 0; i < c->t.cap && shown < c->t.live && !o->overflow; i++) {
		const struct dlg *d = &c->t.d[i];

		if (!d->gen)
			continue;
		/* the Call-ID came from a UE: escaped in both forms */
		if (reg_json_string(d->call_id, cid, sizeof(cid)) < 0)
			continue;
		addr_str(&d->ue_addr, ue, sizeof(ue));
		if (json)
			outbuf_printf(o,
				      "%s{\"call_id\":%s,\"state\":\"%s\",\"ue\":\"%s\","
				      "\"rx_session\":%s,\"held\":%s}",
				      shown ? "," : "", cid, state_name[d->state], ue,
				      d->rx ? "true" : "false",
				      d->held != DLG_NONE ? "true" : "false");
		else
			outbuf_printf(o, "  %-11s %-24s rx %-3s %s%s\n", state_name[d->state], ue,
				      d->rx ? "yes" : "no", cid,
				      d->held != DLG_NONE ? " (held)" : "");
		shown++;
	}
	if (json)
		outbuf_printf(o, "]");
}
