// SPDX-License-Identifier: GPL-2.0
/*
 * An INVITE without SDP (RFC 3264 5, RFC 3261 13.2.1): the offer comes from
 * the far end in its 2xx, the UE's answer in its ACK. The 2xx goes on to
 * the UE at once (its SDP kept as the offer); the AAR goes out at the ACK,
 * with ue_offered false (the offer is the far end's, the answer the UE's).
 *
 * The ACK is not held: it has no response, so a refusal cannot ride on it;
 * the UE has the far end's offer already and the far end would only resend
 * its 2xx for as long as the PCRF takes. A refused session (or no Rx room)
 * ends the call both ways: BYE with a Reason to the far end and, through
 * its SAs, to the UE. An ACK without the answer (a broken peer) ends it the
 * same way. A re-INVITE without SDP in an up dialog goes the same path,
 * with an update AAR at its ACK.
 *
 * Not built: the offer in a reliable 18x with the answer in the PRACK (the
 * 18x passes; its 2xx then has no SDP and the dialog is dropped, counted
 * late_no_offer).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "rx/rx.h"
#include "proxy/dialog.h"
#include "proxy/dlg_priv.h"
#include "proxy/dlg_rx.h"
#include "proxy/proxy_priv.h"

/* dlg_orig_request's INVITE without SDP: d (NULL: refused already) has no offer yet. */
int dlg_late_invite(struct dlg *d)
{
	if (!d)
		return -EPERM;
	d->late = true;
	return 0;
}

/* A late offer/answer is under way: the far end's 2xx still to come. */
bool dlg_late_pending(const struct dlg *d)
{
	return d->late && (d->state == DLG_OFFERED || (d->state == DLG_ACTIVE && d->updating));
}

/* The 2xx went to the UE: a BYE, not a CANCEL or a refusal, ends the call now. */
bool dlg_late_up(const struct dlg *d)
{
	return d->state == DLG_LATE_OFFERED || d->state == DLG_CONFIRMING;
}

void dlg_late_reinvite(struct dlg *d)
{
	d->late = d->updating = true;
}

/* BYE with reason to both sides, then STR (an update's session) and the slot back. */
void dlg_end_both(struct proxy *p, struct dlg *d, const char *reason)
{
	struct dlg_ctx *c = p->dlg;

	dlg_to_far(p, d, "BYE", reason);
	dlg_bye_ue(p, d, reason);
	if (d->rx && !d->updating) { /* never authorised: nothing to STR */
		rx_session_terminate(d->rx);
		dlg_set_rx(&c->t, d, 0);
	}
	dlg_end(p, d);
}

/*
 * A response to the INVITE (or re-INVITE) without SDP, true when sent or
 * dropped here. Only the 2xx matters: its SDP is the offer.
 */
bool dlg_late_response(struct proxy *p, const struct txn *t, struct dlg *d, osip_message_t *msg,
		       const char *sdp, size_t sdp_len)
{
	struct dlg_ctx *c = p->dlg;
	struct ue_route to = route_of_txn(t);
	bool update = d->updating;
	int code = msg->status_code;

	if (update && dlg_cseq_of(msg) != d->ue_cseq)
		return false;
	if (!update && !d->branch[0])
		txn_branch(&p->txns, t, d->branch, sizeof(d->branch)); /* for a CANCEL */
	if (code < 200)
		return false;
	if (code >= 300 || !sdp) {
		if (code < 300) {
			c->st.late_no_offer++;
			pr_info_rl("dialog %s: a 2xx without the offer to an INVITE without SDP: "
				   "not authorised",
				   d->call_id);
		}
		if (update)
			d->late = d->updating = false;
		else
			dlg_end(p, d);
		return false;
	}
	if (!update)
		dlg_learn_far(p, t, d, msg);
	else
		dlg_contact_uri(msg, d->far_target, sizeof(d->far_target));
	if (sdp_len > DLG_SDP_MAX) {
		c->st.sdp_too_big++;
		pr_warn_rl("dialog %s: the 2xx's offer is too large for Rx: 500 to the UE",
			   d->call_id);
		dlg_refuse(p, d, msg, &to, 500, NULL);
		return true;
	}
	memcpy(d->offer, sdp, sdp_len);
	d->offer_len = sdp_len;
	d->state = DLG_LATE_OFFERED;
	c->st.late_offer++;
	dlg_timer_answer(p, d); /* dlg_timer.c: the ACK within 64*T1 */
	return false;
}

static void late_on_aaa(void *arg, rx_handle h, const struct rx_result *r)
{
	struct proxy *p = dlg_proxy;
	struct dlg *d = p && p->dlg ? dlg_by_handle(&p->dlg->t, (dlg_handle)(uintptr_t)arg) : NULL;
	char reason[96];

	if (!d || d->rx != h || d->state != DLG_CONFIRMING)
		return;
	if (r->verdict == RX_DENY) {
		p->dlg->st.denied++;
		pr_info_rl("dialog %s: the PCRF refused the ACK's answer (result %u/%u): BYE to "
			   "both sides",
			   d->call_id, r->result_code, r->exp_result);
		snprintf(reason, sizeof(reason), "SIP;cause=%u;text=\"Refused by the PCRF\"",
			 r->sip_status);
		dlg_end_both(p, d, reason);
		return;
	}
	if (r->verdict == RX_ALLOW)
		p->dlg->st.allowed++;
	else
		p->dlg->st.unchecked++;
	d->state = DLG_ACTIVE;
	d->late = d->updating = false;
	dlg_timer_stop(&p->dlg->t, d); /* up: not timed */
}

/* Ended at the ACK: the BYEs go once the ACK is on its way (dlg_timer.c, DLG_TQ_NOW). */
static void end_after_ack(struct proxy *p, struct dlg *d, const char *reason)
{
	d->end_reason = reason;
	dlg_timer_arm(&p->dlg->t, d, DLG_TQ_NOW, proxy_now_ms());
}

/* The UE's ACK of the 2xx that carried the offer: its SDP is the answer. It goes on. */
void dlg_late_ack(struct proxy *p, struct dlg *d, osip_message_t *msg, const char *sdp,
		  size_t sdp_len)
{
	struct dlg_ctx *c = p->dlg;
	struct rx_media_req q = dlg_media_req(d, sdp, sdp_len, false);
	rx_handle h = d->rx;
	int err;

	if (d->state != DLG_LATE_OFFERED || d->tq == DLG_TQ_NOW ||
	    dlg_cseq_of(msg) != (d->updating ? d->ue_cseq : d->invite_cseq))
		return;
	if (!sdp) {
		c->st.late_no_answer++;
		pr_info_rl("dialog %s: the ACK carries no answer to the 2xx's offer: BYE to both "
			   "sides",
			   d->call_id);
		end_after_ack(p, d, "SIP;cause=488;text=\"No SDP answer in the ACK\"");
		return;
	}
	if (sdp_len > DLG_SDP_MAX) {
		c->st.sdp_too_big++;
		end_after_ack(p, d, "SIP;cause=500;text=\"SDP too large for Rx\"");
		return;
	}
	err = rx_session_authorize(&h, &q, late_on_aaa, (void *)(uintptr_t)dlg_handle_of(&c->t, d));
	if (err) {
		pr_warn_rl("dialog %s: Rx request refused locally (%s): BYE to both sides",
			   d->call_id, strerror(-err));
		end_after_ack(p, d, err == -EBUSY ? "SIP;cause=503" : "SIP;cause=500");
		return;
	}
	if (d->updating)
		c->st.aar_update++;
	else
		dlg_set_rx(&c->t, d, h);
	if (!d->updating)
		c->st.aar++;
	d->state = DLG_CONFIRMING;
	dlg_timer_setup(p, d); /* dlg_timer.c: a backstop of rx-timeout */
}
