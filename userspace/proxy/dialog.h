/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The P-CSCF's INVITE dialogs that hold an Rx session (TS 24.229 5.2.7,
 * TS 29.214 4.4): a fixed table of slots (--max-dialogs), each with a
 * generation, so a handle (slot << 32 | generation) names one dialog and
 * never a later one in the same slot.
 *
 * Key: Call-ID, the caller's tag (the From tag of the initial INVITE) and
 * the direction: for an originating dialog the caller is the UE (ue_tag),
 * for a terminating one the far end (far_tag); both are known when the
 * INVITE arrives. The direction is in the key because a call between two
 * UEs of this P-CSCF has both legs here, with one Call-ID and one caller's
 * tag. A message whose From is the UE's finds its dialog by its From tag
 * (originating) else its To tag (terminating); one whose From is the far
 * end's by its To tag (originating) else its From tag (terminating): at
 * most two hash lookups (keyed SipHash: a Call-ID chosen to collide cannot
 * make chains long); the callee's tag is compared once it is known. Every
 * dialog is also on its registration's list, so the end of a registration
 * ends its dialogs without a scan.
 *
 * Pure data: no SIP, no Rx, no sockets (dlg_rx.c is the proxy's use of it),
 * so it is unit-tested on its own. Nothing is allocated after dlg_table_init.
 */
#ifndef PCSCF_DIALOG_H
#define PCSCF_DIALOG_H

#include <stdbool.h>
#include <stdint.h>
#include "pcscf_maps.h"

#define DLG_DEF_MAX    4096
#define DLG_DEF_HELD   256
#define DLG_HELD_BYTES 8192
#define DLG_MAX_LIMIT  1000000
#define DLG_CALLID_MAX 128
#define DLG_TAG_MAX    64
#define DLG_HDR_MAX    256 /* From / To name-addr, Contact URI */
#define DLG_ROUTE_MAX  512 /* the route set towards the core, as one Route value */
#define DLG_ICID_MAX   128
#define DLG_SDP_MAX    2048 /* the offer kept for the AAR at the answer */
#define DLG_NONE       UINT32_MAX
#define DLG_SETUP_MAX  3600 /* --dialog-setup-timeout, seconds */

typedef uint64_t dlg_handle;

enum dlg_dir { DLG_ORIG, DLG_TERM };

enum dlg_state {
	DLG_FREE,
	DLG_OFFERED,	 /* INVITE with SDP relayed; no answer yet */
	DLG_AUTHORIZING, /* AAR sent at the answer; that response is held */
	DLG_ACTIVE,	 /* the PCRF (or the unreachable policy) let it go on */
	DLG_REFUSED,	 /* the UE got the refusal; its ACK of it is absorbed */
	/* an INVITE without SDP (dlg_late_offer.c): the offer comes in the 2xx */
	DLG_LATE_OFFERED, /* the far end's 2xx (the offer) went to the UE; its ACK awaited */
	DLG_CONFIRMING,	  /* AAR sent at the ACK's answer; the call is up meanwhile */
};

/*
 * The dialog timer's queues (dialog_timer.c): each a FIFO with one constant
 * bound, so appending keeps it ordered by deadline and the tick looks at the
 * heads only.
 */
enum dlg_tq {
	DLG_TQ_NONE,
	DLG_TQ_SETUP,  /* from the INVITE (or the ACK's AAR): Timer C and its CANCEL */
	DLG_TQ_ANSWER, /* from a final response: 64*T1 for the ACK */
	DLG_TQ_NOW,    /* ended at a request that must go on first (its BYEs after it) */
	DLG_TQ_N,
};

struct dlg {
	uint32_t gen; /* 0: free */
	uint8_t state, dir;
	bool updating;		  /* re-INVITE/UPDATE offer waiting for its answer */
	bool far_offer;		  /* the offer kept is the far end's (terminating, its re-INVITE) */
	bool ue_acked, far_done;  /* DLG_REFUSED: the UE's ACK seen, the far end ended */
	bool late;		  /* the pending offer comes in the 2xx (INVITE without SDP) */
	const char *end_reason;	  /* DLG_TQ_NOW: the Reason of its BYEs (a static string) */
	uint64_t rx;		  /* rx_handle, 0 none */
	uint32_t reg_ri, reg_gen; /* the UE's registration */
	uint32_t sa_slot, sa_gen; /* the inbound SA the UE used */
	struct pcscf_addr ue_addr;
	uint32_t ue_cseq, far_cseq, invite_cseq; /* each side's last CSeq; the initial INVITE's */
	uint32_t held;				 /* hold-buffer index, DLG_NONE */
	char call_id[DLG_CALLID_MAX];
	char ue_tag[DLG_TAG_MAX], far_tag[DLG_TAG_MAX]; /* the caller's is the key */
	char ue_nameaddr[DLG_HDR_MAX],
		far_nameaddr[DLG_HDR_MAX];		      /* each side's From / To, tag too */
	char ue_target[DLG_HDR_MAX], far_target[DLG_HDR_MAX]; /* Contact URIs */
	char core_route[DLG_ROUTE_MAX]; /* Route towards the far end ("" none) */
	/* the INVITE as relayed, for a CANCEL (RFC 3261 9.1) */
	char ruri[DLG_HDR_MAX], inv_to[DLG_HDR_MAX], inv_route[DLG_ROUTE_MAX];
	char branch[48];
	char icid[DLG_ICID_MAX];
	char subscription[DLG_HDR_MAX]; /* the asserted identity */
	uint16_t offer_len;
	char offer[DLG_SDP_MAX];
	/* table links (dialog.c only) */
	uint32_t hash, hnext, rprev, rnext, free_next, rxnext;
	/* timer links (dialog_timer.c only) */
	uint64_t due;
	uint32_t tprev, tnext;
	uint8_t tq; /* enum dlg_tq */
};

struct dlg_table {
	struct dlg *d;
	uint32_t cap, live;
	uint32_t *bucket, hmask;
	uint32_t *reg_head;  /* by registration index: first dialog, DLG_NONE */
	uint32_t *rx_bucket; /* by Rx handle: the abort handler names the session only */
	uint32_t max_regs;
	uint32_t free_head, gen_next;
	uint64_t probes; /* chain entries looked at by dlg_find: O(1) shows in tests */
	uint32_t tq_head[DLG_TQ_N], tq_tail[DLG_TQ_N];
	uint8_t key[16];
};

/* cap dialogs for registrations 0..max_regs-1; 0, -EINVAL or -ENOMEM. */
int dlg_table_init(struct dlg_table *t, uint32_t cap, uint32_t max_regs);
void dlg_table_fini(struct dlg_table *t);
/*
 * A new dialog keyed (call_id, caller_tag, dir), the tag stored as ue_tag
 * (DLG_ORIG) or far_tag (DLG_TERM); NULL when full, the key is taken or too long.
 */
struct dlg *dlg_new_dir(struct dlg_table *t, const char *call_id, const char *caller_tag,
			enum dlg_dir dir, uint32_t reg_ri, uint32_t reg_gen);
struct dlg *dlg_find_dir(struct dlg_table *t, const char *call_id, const char *caller_tag,
			 enum dlg_dir dir);
/* The originating ones: the caller is the UE. */
struct dlg *dlg_new(struct dlg_table *t, const char *call_id, const char *ue_tag, uint32_t reg_ri,
		    uint32_t reg_gen);
struct dlg *dlg_find(struct dlg_table *t, const char *call_id, const char *ue_tag);
static inline const char *dlg_caller_tag(const struct dlg *d)
{
	return d->dir == DLG_TERM ? d->far_tag : d->ue_tag;
}
void dlg_free(struct dlg_table *t, struct dlg *d);
dlg_handle dlg_handle_of(const struct dlg_table *t, const struct dlg *d);
/* The dialog a handle names while its generation lives, else NULL. */
struct dlg *dlg_by_handle(struct dlg_table *t, dlg_handle h);
/* d->rx = rx (0: none), indexed so dlg_by_rx finds it in O(1). */
void dlg_set_rx(struct dlg_table *t, struct dlg *d, uint64_t rx);
struct dlg *dlg_by_rx(struct dlg_table *t, uint64_t rx);
/* The first dialog of a registration (then d->rnext ... via dlg_next_of_reg), NULL none. */
struct dlg *dlg_first_of_reg(struct dlg_table *t, uint32_t reg_ri);
struct dlg *dlg_next_of_reg(struct dlg_table *t, const struct dlg *d);

/*
 * dialog_timer.c: d due at `due` (ms) on queue q, off the queue it was on;
 * O(1). A due before the tail's is raised to it, so a queue stays ordered.
 */
void dlg_timer_arm(struct dlg_table *t, struct dlg *d, enum dlg_tq q, uint64_t due);
void dlg_timer_stop(struct dlg_table *t, struct dlg *d); /* dlg_free does it too */
/*
 * The earliest head among the queues if due by now (still queued: the caller
 * frees or re-arms it), else NULL; *next: the earliest deadline, UINT64_MAX none.
 */
struct dlg *dlg_timer_due(struct dlg_table *t, uint64_t now, uint64_t *next);

#endif
