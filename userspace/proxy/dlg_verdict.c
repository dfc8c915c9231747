// SPDX-License-Identifier: GPL-2.0
/*
 * The Rx side of a dialog: the AAR at the answer (authorize), the AAA
 * (allowed: the held answer goes on; refused: refusal to the UE, the far end
 * ended), the PCRF ending a session (RAR/ASR: BYE both ways), and the end of
 * a dialog (STR, slot back).
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
#include "proxy/dlg_priv.h"
#include "proxy/dlg_rx.h"
#include "proxy/orig.h"
#include "proxy/proxy_priv.h"
#include "proxy/reg_rx.h"
#include "reg/reg.h"

/* STR (when a session is there) and the slot back. */
void dlg_end(struct proxy *p, struct dlg *d)
{
	struct dlg_ctx *c = p->dlg;

	if (!d->gen) /* ended already (a refusal ends a dialog that its caller then ends) */
		return;
	if (d->rx) {
		if (rx_session_terminate(d->rx) > 0)
			c->st.str++;
		dlg_set_rx(&c->t, d, 0);
	}
	dlg_held_put(c, d);
	dlg_free(&c->t, d);
}

/*
 * The UE gets status (with warning) in place of resp, a response to its
 * INVITE or UPDATE; the far end is ended (ACK + BYE of an INVITE's 2xx,
 * BYE after an UPDATE's, CANCEL of an early dialog); the Rx session goes.
 * The dialog waits for the UE's ACK; after an UPDATE (no ACK) it ends.
 */
void dlg_refuse(struct proxy *p, struct dlg *d, osip_message_t *resp, const struct ue_route *to,
		int status, const char *warning)
{
	struct dlg_ctx *c = p->dlg;
	char reason[64];
	int code = resp->status_code;
	bool update = d->state == DLG_ACTIVE || d->updating;
	bool invite = dlg_cseq_is(resp, "INVITE"); /* else an UPDATE: no ACK either way */

	snprintf(reason, sizeof(reason), "SIP;cause=%d", status);
	d->far_done = code >= 200 || update; /* a CANCELled INVITE still has its final to come */
	d->ue_acked = false;
	if (code >= 200 && code < 300) {
		if (invite)
			dlg_to_far(p, d, "ACK", NULL);
		dlg_to_far(p, d, "BYE", reason);
	} else if (!update) {
		dlg_to_far(p, d, "CANCEL", reason);
	} else {
		dlg_to_far(p, d, "BYE", reason);
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
		dlg_bye_ue(p, d, reason);
	if (d->rx) {
		rx_session_terminate(d->rx);
		dlg_set_rx(&c->t, d, 0);
	}
	dlg_held_put(c, d);
	d->updating = false;
	if (!invite) { /* nobody ACKs a refused UPDATE: the dialog is over */
		dlg_end(p, d);
		return;
	}
	d->state = DLG_REFUSED;
	dlg_timer_answer(p, d); /* dlg_timer.c: for the UE's ACK of it */
}

/* A held answer refused: to whichever side it was going. */
static void refuse_held(struct proxy *p, struct dlg *d, osip_message_t *msg, struct held *hb,
			int status, const char *warning)
{
	if (hb->to_core)
		dlg_term_refuse(p, d, msg, hb, status, warning); /* dlg_term.c */
	else
		dlg_refuse(p, d, msg, &hb->to, status, warning);
}

/* The held answer refused with status; false if nothing is held. */
bool dlg_refuse_held(struct proxy *p, struct dlg *d, int status)
{
	struct held *hb;
	osip_message_t *msg;

	if (d->held == DLG_NONE)
		return false;
	hb = &p->dlg->held[d->held];
	if (sipm_parse(&msg, hb->text, hb->len))
		return false;
	refuse_held(p, d, msg, hb, status, NULL);
	osip_message_free(msg);
	return true;
}

void dlg_on_aaa(void *arg, rx_handle h, const struct rx_result *r)
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
		dlg_end(p, d); /* we printed it: cannot happen */
		return;
	}
	if (r->verdict == RX_DENY) {
		c->st.denied++;
		pr_info_rl("dialog %s: the PCRF refused the session (result %u/%u): %u to the UE",
			   d->call_id, r->result_code, r->exp_result, r->sip_status);
		d->state = d->updating ? DLG_ACTIVE : DLG_OFFERED;
		refuse_held(p, d, msg, hb, r->sip_status, r->warning);
	} else {
		if (r->verdict == RX_ALLOW)
			c->st.allowed++;
		else
			c->st.unchecked++;
		if (hb->to_core)
			dlg_term_release(p, d, hb);
		else
			proxy_send_ue(p, &hb->to, msg);
		dlg_held_put(c, d);
		d->state = DLG_ACTIVE;
		d->updating = false;
		dlg_timer_stop(&c->t, d); /* up: not timed */
	}
	osip_message_free(msg);
}

void dlg_on_abort(void *arg, rx_handle h, enum rx_abort_reason why)
{
	struct proxy *p = arg;
	struct dlg *d = p->dlg ? dlg_by_rx(&p->dlg->t, h) : NULL;
	const char *reason = why == RX_ABORT_ASR
				     ? "RELEASE_CAUSE;cause=4;text=\"Session aborted by the PCRF\""
				     : "RELEASE_CAUSE;cause=3;text=\"Media bearer or QoS lost\"";

	if (!d) {
		if (!reg_rx_on_abort(p, h, why)) /* reg_rx.c: a registration's */
			rx_session_terminate(h);
		return;
	}
	pr_info_rl("dialog %s: the PCRF ended its session (%s): BYE to both sides", d->call_id,
		   why == RX_ABORT_ASR ? "ASR" : "bearer lost");
	p->dlg->st.rar_ended++;
	if (d->state == DLG_ACTIVE || dlg_late_up(d)) {
		dlg_to_far(p, d, "BYE", reason);
		dlg_bye_ue(p, d, reason);
	} else if (d->state == DLG_AUTHORIZING && dlg_refuse_held(p, d, 503)) {
		return;
	}
	dlg_end(p, d);
}

/* The far end's side of the dialog, from its first answer with SDP (t: its INVITE). */
void dlg_learn_far(struct proxy *p, const struct txn *t, struct dlg *d, osip_message_t *msg)
{
	const char *ft = dlg_tag_of(msg->to);

	snprintf(d->far_tag, sizeof(d->far_tag), "%s", ft ? ft : "");
	dlg_from_text(msg->to, d->far_nameaddr, sizeof(d->far_nameaddr));
	txn_branch(&p->txns, t, d->branch, sizeof(d->branch));
	dlg_contact_uri(msg, d->far_target, sizeof(d->far_target));
	if (dlg_far_route(p, msg, d->core_route, sizeof(d->core_route)))
		d->core_route[0] = '\0';
}

/* An AAR is out for d's held answer: the session's handle, counters, state. */
void dlg_aar_sent(struct dlg_ctx *c, struct dlg *d, rx_handle h, bool update)
{
	if (update) {
		c->st.aar_update++;
	} else {
		dlg_set_rx(&c->t, d, h);
		c->st.aar++;
	}
	c->st.held++;
	d->state = DLG_AUTHORIZING;
}

/* What the AAR says of a dialog: its kept offer, this answer, who offered. */
struct rx_media_req dlg_media_req(const struct dlg *d, const char *answer, size_t answer_len,
				  bool ue_offered)
{
	return (struct rx_media_req){
		.offer = d->offer,
		.offer_len = d->offer_len,
		.answer = answer,
		.answer_len = answer_len,
		.ue_offered = ue_offered,
		.ue_addr = d->ue_addr,
		.subscription = d->subscription,
		.icid = d->icid,
	};
}

/* The answer: AAR with offer and answer, the response held meanwhile. */
bool dlg_authorize(struct proxy *p, const struct txn *t, struct dlg *d, osip_message_t *msg,
		   const char *sdp, size_t sdp_len)
{
	struct dlg_ctx *c = p->dlg;
	struct ue_route to = route_of_txn(t);
	struct rx_media_req q = dlg_media_req(d, sdp, sdp_len, true);
	rx_handle h = d->rx;
	bool update = d->updating;
	int err;

	if (!update)
		dlg_learn_far(p, t, d, msg);
	else
		dlg_contact_uri(msg, d->far_target, sizeof(d->far_target));
	err = dlg_held_set(c, d, msg, &to);
	if (err) {
		c->st.held_full++;
		pr_warn_rl("dialog %s: %s: 503 to the UE", d->call_id,
			   err == -ENOBUFS ? "every hold buffer taken"
					   : "answer too large to hold");
		dlg_refuse(p, d, msg, &to, 503, NULL);
		return true;
	}
	err = rx_session_authorize(&h, &q, dlg_on_aaa, (void *)(uintptr_t)dlg_handle_of(&c->t, d));
	if (err) {
		dlg_held_put(c, d);
		pr_warn_rl("dialog %s: Rx request refused locally (%s): 503 to the UE", d->call_id,
			   strerror(-err));
		dlg_refuse(p, d, msg, &to, err == -EBUSY ? 503 : 500, NULL);
		return true;
	}
	dlg_aar_sent(c, d, h, update);
	return true;
}
