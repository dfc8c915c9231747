// SPDX-License-Identifier: GPL-2.0
/*
 * The dialog timer: a dialog that never got up does not stay until its
 * registration ends. ACTIVE dialogs are not timed: they end with a BYE, the
 * PCRF (RAR/ASR) or the registration, and no session timer is asked of a
 * P-CSCF. Two bounds, each a FIFO queue of dialog.h:
 *
 *   setup   from the INVITE: Timer C (181 s, RFC 3261 16.6 11) CANCELs an
 *           INVITE that rang too long and answers 408, which ends its dialog
 *           here; 64*T1 more is the time that CANCEL has for its 487. A
 *           dialog still not up after that is a leftover (a 2xx without an
 *           answer, an early dialog whose transaction went). The AAR of an
 *           answer in an ACK (DLG_CONFIRMING) is on it too, as a backstop of
 *           rx-timeout.
 *   answer  from a final response: 64*T1 (32 s), the time a UAS waits for
 *           the ACK of its 2xx before it ends the dialog (RFC 3261 13.3.1.4)
 *           and the UE's ACK of our refusal (17.2.1, Timer H); at most the
 *           setup bound, so that --dialog-setup-timeout shortens both.
 *
 * Expired: OFFERED has its INVITE transaction CANCEL it (when a response
 * named it; the 487 goes on to the UE), AUTHORIZING refuses the held answer with 503,
 * LATE_OFFERED/CONFIRMING (the 2xx went to the UE) BYE both sides; REFUSED
 * has ended the far end already. Then STR and the slot back; counted expired.
 * A third queue, bound 0, carries dialogs ended at a request that must go
 * on first (the ACK without an answer): their BYEs leave at the next tick.
 */
#include <stdio.h>

#include "common/log.h"
#include "proxy/dialog.h"
#include "proxy/dlg_priv.h"
#include "proxy/dlg_rx.h"
#include "proxy/proxy_priv.h"
#include "proxy/txn.h"
#include "proxy/txn_proxy.h"

#define DLG_SETUP_MS   (TXN_TIMER_C_MS + TXN_64T1_MS) /* 213 s */
#define EXPIRE_BUDGET  10000 /* per tick: the rest waits for the next loop pass */
#define EXPIRED_REASON "SIP;cause=408;text=\"Dialog not up in time\""

static uint64_t setup_ms(const struct proxy *p)
{
	return p->cfg.dlg_setup_s ? p->cfg.dlg_setup_s * 1000ull : DLG_SETUP_MS;
}

void dlg_timer_setup(struct proxy *p, struct dlg *d)
{
	dlg_timer_arm(&p->dlg->t, d, DLG_TQ_SETUP, proxy_now_ms() + setup_ms(p));
}

void dlg_timer_answer(struct proxy *p, struct dlg *d)
{
	uint64_t ms = setup_ms(p) < TXN_64T1_MS ? setup_ms(p) : TXN_64T1_MS;

	dlg_timer_arm(&p->dlg->t, d, DLG_TQ_ANSWER, proxy_now_ms() + ms);
}

static void expire(struct proxy *p, struct dlg *d)
{
	uint8_t q = d->tq;

	dlg_timer_stop(&p->dlg->t, d);
	if (q == DLG_TQ_NOW) { /* ended at a request that has gone on meanwhile */
		dlg_end_both(p, d, d->end_reason);
		return;
	}
	if (d->state == DLG_ACTIVE)
		return; /* up meanwhile: not timed */
	p->dlg->st.expired++;
	pr_info_rl("dialog %s: not up in time (state %u): ended", d->call_id, d->state);
	switch (d->state) {
	case DLG_OFFERED: {
		/* as Timer C does: the transaction's own CANCEL, its 487 goes on to the UE */
		struct txn *t = d->branch[0] ? txn_by_branch(&p->txns, d->branch) : NULL;

		if (t)
			txn_client_cancel(p, t);
		break;
	}
	case DLG_AUTHORIZING:
		dlg_refuse_held(p, d, 503);
		break;
	case DLG_LATE_OFFERED:
	case DLG_CONFIRMING:
		dlg_end_both(p, d, EXPIRED_REASON);
		return;
	}
	dlg_end(p, d);
}

int dlg_tick(struct proxy *p, uint64_t now, int max_ms)
{
	struct dlg_ctx *c = p->dlg;
	uint64_t next;
	struct dlg *d;

	if (!c)
		return max_ms;
	for (int budget = EXPIRE_BUDGET; budget-- && (d = dlg_timer_due(&c->t, now, &next));)
		expire(p, d);
	if (dlg_timer_due(&c->t, now, &next))
		return 0;
	return next == UINT64_MAX || next - now >= (uint64_t)max_ms ? max_ms : (int)(next - now);
}
