/* SPDX-License-Identifier: GPL-2.0 */
/*
 * INVITE dialogs and Rx (TS 24.229 5.2.7, TS 29.214 4.4, TS 29.213 B.3):
 * the proxy's hooks. Each is one call at a point of the SIP path, so the
 * call sites can move with the code around them:
 *
 *   dlg_orig_request   orig_request, a UE's request about to go to the core
 *                      (after identity and charging): an initial INVITE makes
 *                      a dialog; BYE/CANCEL end it (STR); the ACK of a refused
 *                      INVITE is absorbed (nonzero: do not relay); the ACK of
 *                      a 2xx that carried the offer brings the answer (AAR).
 *   dlg_orig_response  a core response about to go to the UE: the answer
 *                      (18x/2xx with SDP) is held while the AAR is out (true:
 *                      do not send); a failed INVITE ends the dialog.
 *   dlg_core_request   a request from the core: the far end's BYE ends it.
 *   dlg_term_request   term_from_core, a core request for a UE with its
 *                      transaction: INVITE with SDP makes a terminating
 *                      dialog; a re-INVITE/UPDATE with SDP in an active one
 *                      keeps the far end's new offer (nonzero: answered here).
 *   dlg_term_response  term_deliver, the UE's answer going to the core: the
 *                      answer to the far end's offer (18x/2xx with SDP) is
 *                      held while the AAR is out (true: do not send).
 *   dlg_own_response   the answer to a BYE pcscfd sent itself: absorbed (true).
 *   dlg_reg_gone       the registration ended: its dialogs end (STR).
 *   dlg_tick           the proxy's tick: dialogs not up in time end (dlg_timer.c).
 *
 * Only while Rx runs (rx_running) and only for offers with SDP: in INVITEs,
 * re-INVITEs and UPDATEs, or, for an INVITE without SDP, in the 2xx with
 * its answer in the ACK (dlg_late_offer.c).
 */
#ifndef PCSCF_DLG_RX_H
#define PCSCF_DLG_RX_H

#include <stdbool.h>
#include "proxy/proxy.h"
#include "proxy/sip_msg.h"

int dlg_init(struct proxy *p);
void dlg_fini(struct proxy *p);
int dlg_orig_request(struct proxy *p, const struct sip_in *m, osip_message_t *msg,
		     const struct reg *r);
bool dlg_orig_response(struct proxy *p, const struct txn *t, osip_message_t *msg);
void dlg_core_request(struct proxy *p, osip_message_t *msg);
bool dlg_own_response(struct proxy *p, osip_message_t *msg);
int dlg_term_request(struct proxy *p, struct txn *t, osip_message_t *msg, const struct reg *r);
bool dlg_term_response(struct proxy *p, struct txn *t, osip_message_t *msg);
void dlg_reg_gone(struct proxy *p, const struct reg *r);
/* Expires what is due; ms until the next dialog deadline, at most max_ms. */
int dlg_tick(struct proxy *p, uint64_t now, int max_ms);
struct outbuf;
/* The "dialogs" counters for pcscfctl stats (after the "sip" section). */
void dlg_stats_render(const struct proxy *p, struct outbuf *o, bool json);
/* pcscfctl rx: the live dialogs (as many as fit in o), after rx_status_render. */
void dlg_list_render(const struct proxy *p, struct outbuf *o, bool json);

#endif
