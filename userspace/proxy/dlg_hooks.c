// SPDX-License-Identifier: GPL-2.0
/*
 * The proxy's hooks into the dialogs (dlg_rx.h): what each SIP event on the
 * path does to its dialog.
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
#include "reg/reg.h"

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
	d->invite_cseq = d->ue_cseq = dlg_cseq_of(msg);
	memcpy(d->offer, sdp, sdp_len);
	d->offer_len = sdp_len;
	/* Subscription-Id wants the URI alone */
	sipm_bare_uri(sipm_header(msg, "P-Asserted-Identity", 0), d->subscription,
		      sizeof(d->subscription));
	if (dlg_from_text(msg->from, d->ue_nameaddr, sizeof(d->ue_nameaddr)) ||
	    dlg_from_text(msg->to, d->inv_to, sizeof(d->inv_to)) ||
	    charging_icid(p, m, msg, d->icid, sizeof(d->icid)) < 0 ||
	    osip_uri_to_str(msg->req_uri, &ruri) || dlg_copy_str(d->ruri, sizeof(d->ruri), ruri) ||
	    dlg_req_route(msg, d->inv_route, sizeof(d->inv_route))) {
		dlg_free(&c->t, d);
		proxy_reply(p, m, msg, 500, "Server Internal Error (dialog state)");
		return NULL;
	}
	dlg_contact_uri(msg, d->ue_target, sizeof(d->ue_target));
	c->st.created++;
	dlg_timer_setup(p, d); /* dlg_timer.c: it must get up in time */
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
	    sipm_call_id(msg, call_id, sizeof(call_id)) < 0 || !(tag = dlg_tag_of(msg->from)))
		return 0;
	to_tag = dlg_tag_of(msg->to);
	sdp = dlg_sdp_of(msg, &sdp_len);
	d = dlg_ue_side(c, call_id, msg); /* dlg_term.c: originating by From, terminating by To */
	if (!d) {
		if (MSG_IS_INVITE(msg) && !to_tag && sdp)
			return new_dialog(p, m, msg, r, call_id, tag, sdp, sdp_len) ? 0 : -EPERM;
		if (MSG_IS_INVITE(msg) && !to_tag) /* dlg_late_offer.c: the offer in the 2xx */
			return dlg_late_invite(new_dialog(p, m, msg, r, call_id, tag, "", 0));
		return 0;
	}
	if (MSG_IS_INVITE(msg) && !to_tag)
		return 0; /* a retransmission */
	if (MSG_IS_CANCEL(msg)) {
		dlg_end(p, d);
		return 0;
	}
	if (to_tag && d->far_tag[0] && strcmp(to_tag, d->far_tag))
		return 0; /* another early dialog of a forked INVITE */
	if (MSG_IS_ACK(msg)) {
		if (d->state == DLG_LATE_OFFERED) { /* dlg_late_offer.c: the answer; it goes on */
			dlg_late_ack(p, d, msg, sdp, sdp_len);
			return 0;
		}
		if (d->state != DLG_REFUSED)
			return 0;
		/* the UE's ACK of our refusal: the far end has had its own ACK (or CANCEL) */
		c->st.absorbed++;
		d->ue_acked = true;
		if (d->far_done)
			dlg_end(p, d);
		return -ECANCELED;
	}
	if (dlg_cseq_of(msg) > d->ue_cseq)
		d->ue_cseq = dlg_cseq_of(msg);
	if (MSG_IS_BYE(msg)) {
		dlg_end(p, d);
		return 0;
	}
	if ((MSG_IS_INVITE(msg) || MSG_IS_UPDATE(msg)) && sdp && d->state == DLG_ACTIVE &&
	    sdp_len <= DLG_SDP_MAX) {
		memcpy(d->offer, sdp, sdp_len);
		d->offer_len = sdp_len;
		d->updating = true;
	} else if (MSG_IS_INVITE(msg) && !sdp && d->state == DLG_ACTIVE) {
		dlg_late_reinvite(d); /* dlg_late_offer.c: the new offer in the 2xx */
	}
	return 0;
}

bool dlg_orig_response(struct proxy *p, const struct txn *t, osip_message_t *msg)
{
	struct dlg_ctx *c = p->dlg;
	char call_id[DLG_CALLID_MAX];
	const char *tag, *sdp;
	size_t sdp_len = 0;
	struct dlg *d;
	int code = msg->status_code;

	if (!c || !c->t.live || !(dlg_cseq_is(msg, "INVITE") || dlg_cseq_is(msg, "UPDATE")) ||
	    sipm_call_id(msg, call_id, sizeof(call_id)) < 0 || !(tag = dlg_tag_of(msg->from)) ||
	    !(d = dlg_ue_side(c, call_id, msg)))
		return false;
	if (dlg_cseq_is(msg, "UPDATE") && d->state != DLG_ACTIVE)
		return false; /* an UPDATE's answer matters only as the answer to its re-offer */
	sdp = dlg_sdp_of(msg, &sdp_len);
	if (dlg_late_pending(d)) /* dlg_late_offer.c: the 2xx's SDP is the offer */
		return dlg_late_response(p, t, d, msg, sdp, sdp_len);
	switch (d->state) {
	case DLG_OFFERED:
		if (!d->branch[0]) /* for a CANCEL if it never gets up (dlg_timer.c) */
			txn_branch(&p->txns, t, d->branch, sizeof(d->branch));
		if (code >= 300) {
			dlg_end(p, d); /* failed INVITE */
			return false;
		}
		return code > 100 && sdp ? dlg_authorize(p, t, d, msg, sdp, sdp_len) : false;
	case DLG_ACTIVE:
		if (!d->updating || dlg_cseq_of(msg) != d->ue_cseq)
			return false;
		if (code >= 300) {
			d->updating = false;
			return false;
		}
		return code >= 200 && sdp ? dlg_authorize(p, t, d, msg, sdp, sdp_len) : false;
	case DLG_AUTHORIZING:
		if (code >= 300) { /* the far end gave up while the PCRF was asked */
			dlg_end(p, d);
			return false;
		}
		if (code >= 200 && d->held != DLG_NONE &&
		    !strncmp(c->held[d->held].text, "SIP/2.0 1", 9)) {
			/* the 2xx after a held 18x: it goes out in the 18x's place */
			struct ue_route to = route_of_txn(t);

			dlg_contact_uri(msg, d->far_target, sizeof(d->far_target));
			if (!dlg_held_set(c, d, msg, &to))
				c->st.held_replaced++;
		}
		c->st.absorbed++; /* 18x and retransmissions while waiting */
		return true;
	case DLG_REFUSED:
		if (code >= 200 && code < 300) { /* after our CANCEL crossed its 2xx */
			dlg_contact_uri(msg, d->far_target, sizeof(d->far_target));
			dlg_to_far(p, d, "ACK", NULL);
			dlg_to_far(p, d, "BYE", "SIP;cause=487");
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
	    sipm_call_id(msg, call_id, sizeof(call_id)) < 0 || !(tag = dlg_tag_of(msg->to)) ||
	    !(d = dlg_far_side(c, call_id, msg)))
		return;
	dlg_end(p, d);
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

	if (!c->t.live || !(dlg_cseq_is(msg, "INVITE") || dlg_cseq_is(msg, "CANCEL")) ||
	    sipm_call_id(msg, call_id, sizeof(call_id)) < 0 || !(tag = dlg_tag_of(msg->from)) ||
	    !(d = dlg_find(&c->t, call_id, tag)) || d->state != DLG_REFUSED || d->far_done ||
	    strcmp(branch, d->branch))
		return false;
	c->st.absorbed++;
	if (dlg_cseq_is(msg, "CANCEL") || code < 200)
		return true;
	if (code >= 300) {
		n = dlg_from_text(msg->to, to, sizeof(to))
			    ? -EINVAL
			    : dlg_build(c, "ACK", d->ruri, p->core_via_host, p->core_via_port,
					d->branch, d->inv_route, d->ue_nameaddr, to, d,
					d->invite_cseq, NULL);
		if (n < 0 || core_send(p, c->out, n))
			pr_warn_rl("dialog %s: cannot ACK the far end's %d", d->call_id, code);
	} else {
		dlg_from_text(msg->to, d->far_nameaddr, sizeof(d->far_nameaddr));
		dlg_contact_uri(msg, d->far_target, sizeof(d->far_target));
		dlg_to_far(p, d, "ACK", NULL);
		dlg_to_far(p, d, "BYE", "SIP;cause=487");
	}
	d->far_done = true;
	if (d->ue_acked)
		dlg_end(p, d);
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
		if (d->state == DLG_ACTIVE || dlg_late_up(d))
			dlg_to_far(p, d, "BYE", "SIP;cause=480;text=\"Registration ended\"");
		c->st.reg_ended++;
		dlg_term_gone(p, d); /* dlg_term.c: a held answer's transaction gets 480 */
		dlg_end(p, d);
	}
}
