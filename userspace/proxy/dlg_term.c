// SPDX-License-Identifier: GPL-2.0
/*
 * The far end's offers (TS 24.229 5.2.7, TS 29.213 B.3 terminating side):
 * an INVITE with SDP from the core for a UE makes a terminating dialog
 * (keyed by the far end's tag, dialog.h) that keeps the offer; the UE's
 * first 18x/2xx with SDP is the answer: one AAR with both (ue_offered
 * false), and that response, on its way to the core, held until the AAA.
 * A re-INVITE/UPDATE with SDP from the far end in an active dialog of either
 * direction is an update of the session at the UE's 2xx.
 *
 *   allowed   the held answer goes to the core on its transaction
 *   refused   the core's server transaction gets the verdict's status
 *             (488 with the Warning, 503, 500): its ACK ends there (txn
 *             layer); the UE gets ACK + BYE (held 2xx) or CANCEL (held
 *             18x, on the INVITE's transaction); an update refused ends
 *             the dialog both ways (BYE to the far end too); STR when the
 *             session had been authorised. The dialog is gone at once: a
 *             2xx of the UE on a transaction we refused (it crossed the
 *             CANCEL, or our ACK was lost) gets ACK + BYE from what it
 *             carries (late_2xx); the transaction is marked (local[0]).
 *   no hold buffer or Rx room: 503 the same way.
 *
 * What the dialog keeps for the requests pcscfd sends itself (RAR/ASR,
 * registration end): towards the core the INVITE's Contact and
 * Record-Route; towards the UE its Contact from the answer (no route: the
 * SA is the UE's next hop).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "common/addr.h"
#include "common/log.h"
#include "rx/rx.h"
#include "proxy/dialog.h"
#include "proxy/dlg_priv.h"
#include "proxy/dlg_rx.h"
#include "proxy/orig.h"
#include "proxy/proxy_priv.h"
#include "proxy/txn_proxy.h"
#include "reg/reg.h"

static struct dlg *find_by(struct dlg_ctx *c, const char *call_id, osip_from_t *orig_key,
			   osip_from_t *term_key)
{
	const char *ot = dlg_tag_of(orig_key), *tt = dlg_tag_of(term_key);
	struct dlg *d = ot ? dlg_find_dir(&c->t, call_id, ot, DLG_ORIG) : NULL;

	return d ? d : tt ? dlg_find_dir(&c->t, call_id, tt, DLG_TERM) : NULL;
}

struct dlg *dlg_ue_side(struct dlg_ctx *c, const char *call_id, osip_message_t *msg)
{
	return find_by(c, call_id, msg->from, msg->to);
}

struct dlg *dlg_far_side(struct dlg_ctx *c, const char *call_id, osip_message_t *msg)
{
	return find_by(c, call_id, msg->to, msg->from);
}

/* The icid-value of the core's P-Charging-Vector (the S-CSCF's, TS 24.229 7.2A.5). */
static void icid_of(osip_message_t *msg, char *out, size_t cap)
{
	const char *v = sipm_header(msg, "P-Charging-Vector", 0), *s;
	size_t n;

	out[0] = '\0';
	if (!v || !(s = strstr(v, "icid-value=")))
		return;
	s += sizeof("icid-value=") - 1;
	n = strcspn(s, " ;,\t\"");
	if (n && n < cap) {
		memcpy(out, s, n);
		out[n] = '\0';
	}
}

/* The final status, sipm_keep_dialog_only'd, to the core on t: our refusal of the UE's answer. */
static void refuse_to_core(struct proxy *p, struct txn *t, osip_message_t *resp, int status,
			   const char *warning)
{
	sipm_keep_dialog_only(resp);
	osip_message_set_status_code(resp, status);
	osip_free(resp->reason_phrase);
	resp->reason_phrase = osip_strdup(status == 488	  ? "Not Acceptable Here"
					  : status == 503 ? "Service Unavailable"
					  : status == 480 ? "Temporarily Unavailable"
							  : "Server Internal Error");
	if (warning && warning[0])
		sipm_add(resp, "Warning", warning);
	if (status == 503)
		sipm_add(resp, "Retry-After", PROXY_RETRY_AFTER_S);
	if (!t)
		return;
	t->local[0] = DLG_TXN_REFUSED;
	txn_respond(p, t, resp);
}

/*
 * The refusal of resp (the UE's answer to the far end's offer): status to
 * the core, the UE's side ended, an update ends the far end's too; d goes.
 */
static void refuse(struct proxy *p, struct txn *t, struct dlg *d, osip_message_t *resp, int status,
		   const char *warning)
{
	struct dlg_ctx *c = p->dlg;
	char reason[64];
	int code = resp->status_code;
	bool update = d->updating, authorised = d->rx && update;
	bool inv = dlg_cseq_is(resp, "INVITE");

	snprintf(reason, sizeof(reason), "SIP;cause=%d", status);
	/* the refusal first: the BYE that ends an update must not overtake it */
	refuse_to_core(p, t, resp, status, warning);
	if (code >= 200 && code < 300) {
		if (inv)
			dlg_to_ue(p, d, "ACK", NULL);
		dlg_bye_ue(p, d, reason);
	} else if (t) {
		/* the held 18x: the UE's 487 is ACKed and absorbed by the transaction */
		txn_client_cancel(p, t);
	}
	if (update)
		dlg_to_far(p, d, "BYE", reason);
	if (d->rx) {
		if (rx_session_terminate(d->rx) > 0 && authorised)
			c->st.str++;
		dlg_set_rx(&c->t, d, 0);
	}
	dlg_end(p, d);
}

static struct txn *txn_of_held(struct proxy *p, const struct held *hb)
{
	struct txn *t = txn_at(&p->txns, hb->txn_ref);

	return t && t->cookie == hb->txn_cookie ? t : NULL;
}

void dlg_term_release(struct proxy *p, struct dlg *d, struct held *hb)
{
	struct txn *t = txn_of_held(p, hb);

	d->far_offer = false;
	if (!t || txn_respond_text(p, t, hb->text, hb->len, (int)strtol(hb->text + 8, NULL, 10)))
		pr_warn_rl("dialog %s: the UE's answer cannot go to the core (transaction gone)",
			   d->call_id);
	else
		p->stats.term_responses++;
}

void dlg_term_refuse(struct proxy *p, struct dlg *d, osip_message_t *resp, struct held *hb,
		     int status, const char *warning)
{
	refuse(p, txn_of_held(p, hb), d, resp, status, warning);
}

/*
 * The registration ends while the UE's answer is held: its transaction would
 * wait for a final that never comes, so the core gets 480 on it now.
 */
void dlg_term_gone(struct proxy *p, struct dlg *d)
{
	struct held *hb = d->held != DLG_NONE ? &p->dlg->held[d->held] : NULL;
	struct txn *t = hb && hb->to_core ? txn_of_held(p, hb) : NULL;
	osip_message_t *msg;

	if (d->state != DLG_AUTHORIZING || !t || sipm_parse(&msg, hb->text, hb->len))
		return;
	refuse_to_core(p, t, msg, 480, NULL);
	osip_message_free(msg);
}

/* Into d's hold buffer, answered on t's server side. */
static int hold(struct dlg_ctx *c, struct dlg *d, struct txn *t, osip_message_t *msg,
		const struct txn_table *tt)
{
	static const struct ue_route none;
	int err = dlg_held_set(c, d, msg, &none);

	if (!err) {
		c->held[d->held].to_core = true;
		c->held[d->held].txn_ref = txn_ref(tt, t);
		c->held[d->held].txn_cookie = t->cookie;
	}
	return err;
}

/* The UE's answer: AAR with the far end's offer and it, the answer held meanwhile. */
static bool authorize(struct proxy *p, struct txn *t, struct dlg *d, osip_message_t *msg,
		      const char *sdp, size_t sdp_len)
{
	struct dlg_ctx *c = p->dlg;
	struct rx_media_req q = dlg_media_req(d, sdp, sdp_len, false);
	rx_handle h = d->rx;
	bool update = d->updating;
	int err;

	if (!update) {
		const char *ut = dlg_tag_of(msg->to);

		snprintf(d->ue_tag, sizeof(d->ue_tag), "%s", ut ? ut : "");
		dlg_from_text(msg->to, d->ue_nameaddr, sizeof(d->ue_nameaddr));
	}
	dlg_contact_uri(msg, d->ue_target, sizeof(d->ue_target));
	err = hold(c, d, t, msg, &p->txns);
	if (err) {
		c->st.held_full++;
		pr_warn_rl("dialog %s: %s: 503 to the core", d->call_id,
			   err == -ENOBUFS ? "every hold buffer taken"
					   : "answer too large to hold");
		refuse(p, t, d, msg, 503, NULL);
		return true;
	}
	err = rx_session_authorize(&h, &q, dlg_on_aaa, (void *)(uintptr_t)dlg_handle_of(&c->t, d));
	if (err) {
		dlg_held_put(c, d);
		pr_warn_rl("dialog %s: Rx request refused locally (%s): %d to the core", d->call_id,
			   strerror(-err), err == -EBUSY ? 503 : 500);
		refuse(p, t, d, msg, err == -EBUSY ? 503 : 500, NULL);
		return true;
	}
	dlg_aar_sent(c, d, h, update);
	return true;
}

/* A terminating INVITE with SDP for the registration r: its dialog, or an answer of ours. */
static int new_term(struct proxy *p, struct txn *t, osip_message_t *msg, const struct reg *r,
		    const char *call_id, const char *tag, const char *sdp, size_t sdp_len)
{
	struct dlg_ctx *c = p->dlg;
	const struct reg_sa_set *set = term_set_of(p, t->ri, t->rgen);
	const char *cpi = sipm_header(msg, "P-Called-Party-ID", 0);
	osip_message_t *resp;
	struct dlg *d = NULL;
	char *to = NULL;
	int code = 500;

	if (sdp_len > DLG_SDP_MAX)
		c->st.sdp_too_big++;
	else if (!(d = dlg_new_dir(&c->t, call_id, tag, DLG_TERM, reg_index_of(p->regs, r),
				   r->generation))) {
		c->st.table_full++;
		pr_warn_rl("dialog table full (%u): terminating INVITE %s answered 503", c->t.cap,
			   call_id);
		code = 503;
	} else if (!set || dlg_from_text(msg->from, d->far_nameaddr, sizeof(d->far_nameaddr)) ||
		   dlg_caller_route(p, msg, d->core_route, sizeof(d->core_route))) {
		dlg_free(&c->t, d);
		d = NULL;
	}
	if (!d) {
		resp = proxy_response_of(
			msg, code, code == 503 ? "Service Unavailable" : "Server Internal Error");
		if (resp && !osip_message_set_content_length(resp, "0"))
			txn_respond(p, t, resp);
		if (resp)
			osip_message_free(resp);
		return -EPERM;
	}
	d->far_offer = true;
	d->ue_addr = set->ue_addr;
	d->invite_cseq = d->far_cseq = dlg_cseq_of(msg);
	memcpy(d->offer, sdp, sdp_len);
	d->offer_len = sdp_len;
	/* Subscription-Id: the served user, as the S-CSCF names it (else the To URI) */
	if (cpi)
		sipm_bare_uri(cpi, d->subscription, sizeof(d->subscription));
	else if (msg->to && msg->to->url && !osip_uri_to_str(msg->to->url, &to))
		dlg_copy_str(d->subscription, sizeof(d->subscription), to);
	icid_of(msg, d->icid, sizeof(d->icid));
	dlg_contact_uri(msg, d->far_target, sizeof(d->far_target));
	c->st.created++;
	dlg_timer_setup(p, d); /* dlg_timer.c: a UE that never answers does not keep it */
	return 0;
}

int dlg_term_request(struct proxy *p, struct txn *t, osip_message_t *msg, const struct reg *r)
{
	struct dlg_ctx *c = p->dlg;
	char call_id[DLG_CALLID_MAX];
	const char *tag, *sdp;
	size_t sdp_len = 0;
	struct dlg *d;

	if (!c || !rx_running() || !msg->call_id || sipm_call_id(msg, call_id, sizeof(call_id)) < 0)
		return 0;
	sdp = dlg_sdp_of(msg, &sdp_len);
	if (!dlg_tag_of(msg->to)) {
		if (!MSG_IS_INVITE(msg) || !sdp || !(tag = dlg_tag_of(msg->from)) ||
		    dlg_find_dir(&c->t, call_id, tag, DLG_TERM))
			return 0;
		return new_term(p, t, msg, r, call_id, tag, sdp, sdp_len);
	}
	if (!c->t.live || !(d = dlg_far_side(c, call_id, msg)))
		return 0;
	if (dlg_cseq_of(msg) > d->far_cseq)
		d->far_cseq = dlg_cseq_of(msg);
	if ((MSG_IS_INVITE(msg) || MSG_IS_UPDATE(msg)) && sdp && d->state == DLG_ACTIVE &&
	    !d->updating && sdp_len <= DLG_SDP_MAX) {
		memcpy(d->offer, sdp, sdp_len);
		d->offer_len = sdp_len;
		d->updating = d->far_offer = true;
	}
	return 0;
}

/*
 * A 2xx of the UE to an INVITE whose core side already has our refusal: no
 * dialog is left to send it to, so ACK + BYE it from what it carries.
 */
static void late_2xx(struct proxy *p, struct txn *t, osip_message_t *msg)
{
	static struct dlg d; /* one thread; the strings are wiped after */
	char call_id[DLG_CALLID_MAX];

	p->dlg->st.absorbed++;
	if (sipm_call_id(msg, call_id, sizeof(call_id)) < 0 ||
	    dlg_from_text(msg->from, d.far_nameaddr, sizeof(d.far_nameaddr)) ||
	    dlg_from_text(msg->to, d.ue_nameaddr, sizeof(d.ue_nameaddr)) ||
	    dlg_contact_uri(msg, d.ue_target, sizeof(d.ue_target)))
		goto out;
	snprintf(d.call_id, sizeof(d.call_id), "%s", call_id);
	d.reg_ri = t->ri;
	d.reg_gen = t->rgen;
	d.updating = false;
	d.invite_cseq = d.far_cseq = dlg_cseq_of(msg);
	dlg_to_ue(p, &d, "ACK", NULL);
	dlg_to_ue(p, &d, "BYE", "SIP;cause=487");
out:
	sodium_memzero(&d, sizeof(d));
}

bool dlg_term_response(struct proxy *p, struct txn *t, osip_message_t *msg)
{
	struct dlg_ctx *c = p->dlg;
	char call_id[DLG_CALLID_MAX];
	const char *sdp;
	size_t sdp_len = 0;
	uint32_t cseq;
	struct dlg *d;
	int code = msg->status_code;

	if (!c)
		return false;
	if (t->local[0] == DLG_TXN_REFUSED && code >= 200 && code < 300) {
		late_2xx(p, t, msg);
		return true;
	}
	if (!c->t.live || !(dlg_cseq_is(msg, "INVITE") || dlg_cseq_is(msg, "UPDATE")) ||
	    sipm_call_id(msg, call_id, sizeof(call_id)) < 0 || !(d = dlg_far_side(c, call_id, msg)))
		return false;
	sdp = dlg_sdp_of(msg, &sdp_len);
	cseq = dlg_cseq_of(msg);
	if (d->state == DLG_OFFERED && d->dir == DLG_TERM && cseq == d->invite_cseq &&
	    dlg_cseq_is(msg, "INVITE")) {
		if (code >= 300 || (code >= 200 && !sdp)) {
			dlg_end(p, d); /* failed (or CANCELled), or no answer to authorise */
			return false;
		}
		return code > 100 && sdp ? authorize(p, t, d, msg, sdp, sdp_len) : false;
	}
	if (d->state == DLG_ACTIVE && d->updating && d->far_offer && cseq == d->far_cseq) {
		if (code >= 300) {
			d->updating = d->far_offer = false;
			return false;
		}
		return code >= 200 && sdp ? authorize(p, t, d, msg, sdp, sdp_len) : false;
	}
	if (d->state != DLG_AUTHORIZING || d->held == DLG_NONE || !c->held[d->held].to_core)
		return false;
	if (code >= 300) { /* the UE gave up (or the core CANCELled) while the PCRF was asked */
		dlg_end(p, d);
		return false;
	}
	if (code >= 200 && !strncmp(c->held[d->held].text, "SIP/2.0 1", 9)) {
		/* the 2xx after a held 18x: it goes out in the 18x's place */
		dlg_contact_uri(msg, d->ue_target, sizeof(d->ue_target));
		dlg_from_text(msg->to, d->ue_nameaddr, sizeof(d->ue_nameaddr));
		if (!hold(c, d, t, msg, &p->txns))
			c->st.held_replaced++;
	}
	c->st.absorbed++; /* 18x and retransmissions while waiting */
	return true;
}
