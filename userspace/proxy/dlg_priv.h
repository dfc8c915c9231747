/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the dialog code (dlg_*.c): the context the proxy holds (p->dlg),
 * the hold buffers and counters, and what the files call of each other.
 *   dlg_rx.c       init, fini, pcscfctl output
 *   dlg_hooks.c    the SIP events of dlg_rx.h
 *   dlg_verdict.c  AAR at the answer, AAA, RAR/ASR, the end of a dialog
 *   dlg_hold.c     the answer held while the PCRF is asked
 *   dlg_send.c     ACK/BYE/CANCEL pcscfd sends itself
 *   dlg_sip.c      small SIP readers
 *   dlg_late_offer.c  an INVITE without SDP: offer in the 2xx, answer in the ACK
 *   dlg_timer.c    dialogs that never got up expire
 *   dlg_term.c     the far end's offers: terminating INVITEs, its re-INVITE/UPDATE
 */
#ifndef PCSCF_DLG_PRIV_H
#define PCSCF_DLG_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include "rx/rx.h"
#include "proxy/dialog.h"
#include "proxy/proxy_priv.h"

#define OWN_BRANCH "z9hG4bK-pcdlg"
#define OUT_MAX	   2048
/* struct txn local[0] (unused by TXN_TERM): the core got our refusal of the UE's answer */
#define DLG_TXN_REFUSED 0x52454655u

/*
 * A response waiting for the AAA, as it would go out, and where it goes: to
 * the UE (route), or, the UE's answer to a far end's offer, to the core on
 * the server side of its transaction (slot ref and cookie, to_core).
 */
struct held {
	uint32_t len, next_free;
	struct ue_route to;
	bool to_core;
	uint32_t txn_ref, txn_cookie;
	char text[DLG_HELD_BYTES];
};

/* one counter group a line */
/* clang-format off */
#define DLG_STATS(X)                                                                               \
	X(created)                                                                                 \
	X(table_full)                                                                              \
	X(sdp_too_big)                                                                             \
	X(aar) X(aar_update) X(held) X(held_full) X(held_replaced) X(allowed) X(unchecked)         \
		X(denied) X(str) X(rar_ended) X(reg_ended) X(far_bye) X(ue_bye) X(far_cancel)      \
			X(absorbed) X(own_answers)                                                 \
	X(late_offer) X(late_no_offer) X(late_no_answer) X(expired)
/* clang-format on */

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
extern struct proxy *dlg_proxy;

/* dlg_sip.c */
const char *dlg_tag_of(osip_from_t *f);
int dlg_copy_str(char *dst, size_t cap, char *src);
int dlg_from_text(osip_from_t *f, char *out, size_t cap);
int dlg_contact_uri(osip_message_t *msg, char *out, size_t cap);
uint32_t dlg_cseq_of(osip_message_t *msg);
bool dlg_cseq_is(osip_message_t *msg, const char *method);
const char *dlg_sdp_of(osip_message_t *msg, size_t *len);
int dlg_far_route(struct proxy *p, osip_message_t *msg, char *out, size_t cap);
int dlg_req_route(osip_message_t *msg, char *out, size_t cap);
int dlg_caller_route(struct proxy *p, osip_message_t *msg, char *out, size_t cap);

/* dlg_send.c */
int dlg_build(struct dlg_ctx *c, const char *method, const char *ruri, const char *via_host,
	      uint16_t via_port, const char *branch, const char *route, const char *from,
	      const char *to, const struct dlg *d, uint32_t cseq, const char *reason);
void dlg_to_far(struct proxy *p, struct dlg *d, const char *method, const char *reason);
void dlg_bye_ue(struct proxy *p, struct dlg *d, const char *reason);
/* ACK (of the UE's 2xx to the far end's INVITE or re-INVITE) or BYE to the UE through its SAs. */
void dlg_to_ue(struct proxy *p, struct dlg *d, const char *method, const char *reason);

/* dlg_hold.c */
void dlg_held_put(struct dlg_ctx *c, struct dlg *d);
int dlg_held_set(struct dlg_ctx *c, struct dlg *d, osip_message_t *msg, const struct ue_route *to);

/* dlg_verdict.c */
void dlg_end(struct proxy *p, struct dlg *d);
void dlg_refuse(struct proxy *p, struct dlg *d, osip_message_t *resp, const struct ue_route *to,
		int status, const char *warning);
void dlg_on_aaa(void *arg, rx_handle h, const struct rx_result *r);
void dlg_on_abort(void *arg, rx_handle h, enum rx_abort_reason why);
bool dlg_authorize(struct proxy *p, const struct txn *t, struct dlg *d, osip_message_t *msg,
		   const char *sdp, size_t sdp_len);
void dlg_aar_sent(struct dlg_ctx *c, struct dlg *d, rx_handle h, bool update);
struct rx_media_req dlg_media_req(const struct dlg *d, const char *answer, size_t answer_len,
				  bool ue_offered);

/* dlg_verdict.c */
void dlg_learn_far(struct proxy *p, const struct txn *t, struct dlg *d, osip_message_t *msg);
bool dlg_refuse_held(struct proxy *p, struct dlg *d, int status);

/* dlg_late_offer.c */
int dlg_late_invite(struct dlg *d);
bool dlg_late_pending(const struct dlg *d);
bool dlg_late_response(struct proxy *p, const struct txn *t, struct dlg *d, osip_message_t *msg,
		       const char *sdp, size_t sdp_len);
void dlg_late_reinvite(struct dlg *d);
void dlg_late_ack(struct proxy *p, struct dlg *d, osip_message_t *msg, const char *sdp,
		  size_t sdp_len);
bool dlg_late_up(const struct dlg *d);
void dlg_end_both(struct proxy *p, struct dlg *d, const char *reason);

/* dlg_timer.c */
void dlg_timer_setup(struct proxy *p, struct dlg *d);
void dlg_timer_answer(struct proxy *p, struct dlg *d);
/* dlg_term.c */
/* The dialog of a message whose From is the UE's / the far end's (dialog.h). */
struct dlg *dlg_ue_side(struct dlg_ctx *c, const char *call_id, osip_message_t *msg);
struct dlg *dlg_far_side(struct dlg_ctx *c, const char *call_id, osip_message_t *msg);
/* A held answer to_core: allowed (it goes to the core), refused (status to the core, d ended). */
void dlg_term_release(struct proxy *p, struct dlg *d, struct held *hb);
void dlg_term_refuse(struct proxy *p, struct dlg *d, osip_message_t *resp, struct held *hb,
		     int status, const char *warning);
/* The registration's end with an answer held towards the core: 480 to it. */
void dlg_term_gone(struct proxy *p, struct dlg *d);

#endif
