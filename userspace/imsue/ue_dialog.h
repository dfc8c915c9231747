/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dialogs and stand-alone transactions (MESSAGE) of imsue's UEs, caller and
 * callee side (RFC 3261 12): Call-ID, tags, CSeq, remote target and route
 * set, and what the callee needs to answer late (the INVITE's Vias, From, To,
 * Record-Route). One table for every UE of the process, a fixed pool found
 * by a hash of the Call-ID (chained, keyed FNV-1a), so a message costs the
 * same with 10 or 100,000 calls up; the pool is calloc'ed, pages become
 * resident as dialogs are used. A full pool refuses new dialogs (counted).
 */
#ifndef IMSUE_UE_DIALOG_H
#define IMSUE_UE_DIALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "imsue/ue_msg.h"

enum ue_dlg_state {
	UE_DLG_FREE = 0,
	/* caller (UAC) */
	UE_DLG_CALLING,	   /* INVITE sent, nothing back */
	UE_DLG_EARLY,	   /* a provisional response came */
	UE_DLG_CANCELLING, /* CANCEL sent: waiting for its 200 and the INVITE's 487 */
	UE_DLG_CONFIRMED,  /* 2xx taken, ACK sent; BYE when the hold time is over */
	UE_DLG_BYE,	   /* BYE sent */
	UE_DLG_MESSAGE,	   /* MESSAGE sent (a transaction, no dialog) */
	/* callee (UAS) */
	UE_DLG_RINGING,	      /* 180 sent, the 200 waits for the answer delay */
	UE_DLG_ANSWERED,      /* 200 sent, waiting for the ACK */
	UE_DLG_UAS_CONFIRMED, /* ACK came */
	UE_DLG_REJECTED,      /* 487 sent after a CANCEL, waiting for the ACK */
};

enum ue_dlg_kind {
	UE_DLG_KIND_CALL,
	UE_DLG_KIND_CANCEL, /* caller: CANCEL once ringing */
	UE_DLG_KIND_MESSAGE,
};

struct ue_dialog {
	uint32_t next; /* hash chain or free list: index + 1, 0 ends it */
	uint32_t ue;   /* the owner's UE index */
	uint8_t state, kind;
	bool uac;
	bool cancel_200, got_487; /* caller: the two answers a CANCEL waits for */
	uint32_t local_cseq;	  /* caller: of the INVITE/MESSAGE, then the BYE */
	uint32_t remote_cseq;	  /* callee: the INVITE's */
	uint64_t due_ms;	  /* callee: the 200 goes; caller: the BYE goes */
	char call_id[UE_MSG_ID];
	char local_tag[24];
	char remote_tag[UE_MSG_ID];
	char branch[UE_MSG_ID]; /* the INVITE's top branch (CANCEL, non-2xx ACK) */
	char remote_target[UE_MSG_HDR];
	char route[UE_MSG_RR];	/* caller: route set (Record-Route reversed); callee: RR as is */
	char from[UE_MSG_HDR];	/* callee: the INVITE's From, for late answers */
	char to[UE_MSG_HDR];	/* callee: the INVITE's To (no tag) */
	char vias[UE_MSG_VIAS]; /* callee: the INVITE's Vias */
};

struct ue_dialogs {
	struct ue_dialog *d;
	uint32_t *bucket; /* index + 1 of the first dialog, 0: empty */
	uint32_t cap, mask, free_head, used;
	uint32_t seed;
	uint64_t full; /* refused: pool exhausted */
};

/* The process's table (imsue's main sets it up for its UEs). */
extern struct ue_dialogs ue_dialogs;

/* @cap dialogs at most; @seed keys the hash. 0 or -ENOMEM / -EINVAL. */
int ue_dlg_init(struct ue_dialogs *t, uint32_t cap, uint32_t seed);
void ue_dlg_fini(struct ue_dialogs *t);
/* A new dialog for @call_id of UE @ue, zeroed but for the key. NULL: full, or the Call-ID too long.
 */
struct ue_dialog *ue_dlg_new(struct ue_dialogs *t, const char *call_id, uint32_t ue, bool uac);
/* The dialog of @call_id that UE @ue holds as caller (@uac) or callee, or NULL. */
struct ue_dialog *ue_dlg_find(struct ue_dialogs *t, const char *call_id, uint32_t ue, bool uac);
void ue_dlg_free(struct ue_dialogs *t, struct ue_dialog *d);
/* Index + 1 of @d (0 for NULL), and back (NULL for 0, out of range or free). */
uint32_t ue_dlg_ref(const struct ue_dialogs *t, const struct ue_dialog *d);
struct ue_dialog *ue_dlg_get(struct ue_dialogs *t, uint32_t ref);

#endif /* IMSUE_UE_DIALOG_H */
