/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stateful-proxy transactions (RFC 3261 16, 17; RFC 6026). Every relayed
 * request owns one slot that pairs its server transaction (the leg the
 * request came in on) with its client transaction (the leg it leaves on);
 * a CANCEL gets a slot of its own linked to its INVITE's; a request the
 * P-CSCF makes itself (the reg-event SUBSCRIBE) has a client side only.
 *
 *   txn_store.c  slots, free list, the server-key hash, our branches
 *   txn_heap.c   one binary heap of slots by their next deadline
 *   txn_buf.c    the copies a transaction keeps (request, last response)
 *   txn_server.c requests from upstream: retransmissions, ACK, CANCEL, answers
 *   txn_client.c requests downstream and their responses: 100, ACK, CANCEL
 *   txn_timer.c  timers A-K and C on the heap
 *   prepare.c    what each direction rewrites on the way (orig.h, route.c)
 *
 * Matching is O(1): a request from upstream by a keyed hash over (leg,
 * branch, method with ACK as INVITE, sent-by) in a chained table of
 * 2 x max-txns buckets; a response from downstream by our branch, which
 * names its slot and a random cookie. No malloc per message: slots, heap
 * and buffers are allocated once (buffers lazily touched).
 */
#ifndef PCSCF_TXN_H
#define PCSCF_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "pcscf_maps.h"
#include "reg/reg.h"

#define TXN_MAX_DEFAULT 100000
#define TXN_MAX_LIMIT	4000000
#define TXN_BRANCH_MAX	48
/* RFC 3261 17.1.1.1 (UDP): T1, T2, T4; 64*T1 for B, F, H, J, D; Timer C > 3 min (16.6 11). */
#define TXN_T1_MS	500
#define TXN_T2_MS	4000
#define TXN_T4_MS	5000
#define TXN_64T1_MS	(64 * TXN_T1_MS)
#define TXN_TIMER_C_MS	181000
/* Buffer space per slot, on average (virtual; resident as used). */
#define TXN_BUF_PER_SLOT 4096

enum txn_kind { TXN_FREE, TXN_ORIG, TXN_TERM, TXN_LOCAL };
enum txn_method { TXN_M_OTHER, TXN_M_INVITE, TXN_M_CANCEL, TXN_M_REGISTER };

/* Server side (17.2), one state set for both kinds. */
enum txn_sstate { TS_NONE, TS_TRYING, TS_PROCEEDING, TS_COMPLETED, TS_CONFIRMED, TS_DONE };
/* Client side (17.1). */
enum txn_cstate { TC_NONE, TC_CALLING, TC_PROCEEDING, TC_ACCEPTED, TC_COMPLETED, TC_DONE };

/* Where a message for the UE leg goes (mirrors proxy_priv.h struct ue_route). */
struct txn_ue {
	struct pcscf_addr ue_addr, our_addr;
	uint16_t ue_port;
	bool protected;
	uint32_t sa_slot, sa_generation; /* inbound SA the request came through */
	int32_t conn;			 /* unprotected TCP connection; -1: UDP */
	uint32_t conn_gen;
};

/* What a REGISTER's 401/200 handling needs (kept in a buffer: REGISTER only). */
struct txn_reg {
	int expires_req; /* Expires the REGISTER asked for; -1 unknown */
	char impi[REG_IMPI_MAX];
	char call_id[REG_CALLID_MAX];
	char sec_client[REG_SECHDR_MAX]; /* last: only its string is kept (txn_reg_len) */
};

/* Bytes of r a buffer keeps: up to sec_client's NUL, not the whole 2.8 KB. */
static inline size_t txn_reg_len(const struct txn_reg *r)
{
	return offsetof(struct txn_reg, sec_client) + strnlen(r->sec_client, REG_SECHDR_MAX - 1) +
	       1;
}

struct txn {
	uint32_t cookie; /* 0: free */
	uint8_t kind, method, sstate, cstate;
	bool provisional;    /* client: a 101-199 came */
	bool cancel_pending; /* CANCELled before any provisional: CANCEL at the first one */
	bool cancel_sent;
	bool s_reliable, c_reliable; /* TCP on that leg: no retransmission timers */
	bool is_register, protected;
	uint16_t s_code; /* final we sent upstream; 0: none yet */
	uint16_t c_code; /* final that came from downstream */
	/* Timers (absolute ms; 0: not running). due is the earliest: the heap key. */
	uint64_t due;
	uint64_t c_retx_at, c_timeout_at, timer_c_at, s_retx_at, s_timeout_at, end_at;
	uint32_t c_retx_ms, s_retx_ms;
	/* Buffers (txn_buf.c refs, 0: none): request as sent downstream, last response up. */
	uint32_t req_buf, resp_buf, reg_buf;
	uint32_t link; /* INVITE <-> its CANCEL (slot ref) */
	/* Server leg. */
	struct txn_ue ue;	      /* TXN_ORIG: the UE */
	struct pcscf_addr peer_addr; /* TXN_TERM: the core node (top Via, RFC 3261 18.2.2) */
	uint16_t peer_port;
	/* Client leg of TXN_TERM: the registration whose SAs carry it. */
	uint32_t ri, rgen;
	uint32_t local[3]; /* TXN_LOCAL: the owner's (reg_event.c) */
	/* Index links (txn_store.c, txn_heap.c): slot refs (index + 1), 0 for none. */
	uint64_t skey;	   /* server key; 0: not hashed */
	uint32_t req_id;   /* hash of Call-ID and CSeq number: a reused branch is no retransmission */
	uint32_t hnext;	   /* bucket chain, or free list */
	uint32_t heap_pos; /* position + 1 in the heap; 0: not queued */
};

struct txn_bufs {
	uint8_t *base;
	size_t size, top;	 /* mapped bytes, bump pointer */
	uint32_t free_head[10]; /* per size class: block refs */
	uint64_t full;		 /* puts that found no room */
};

/* Work counters (for the O(1) test, and stats). */
struct txn_work {
	uint64_t lookups, probes; /* hash chain entries looked at */
	uint64_t heap_moves;
};

struct txn_table {
	struct txn *t;
	uint32_t cap, live;
	uint32_t *bucket;
	uint32_t hmask;
	uint32_t free_head;
	uint32_t *heap; /* slot refs, heap[0] earliest */
	uint32_t nheap;
	uint8_t key[16]; /* keys the server-key hash: unguessable chains */
	struct txn_bufs bufs;
	struct txn_work work;
};

/* txn_store.c */
int txn_init_cap(struct txn_table *tt, uint32_t cap);
void txn_fini(struct txn_table *tt);
static inline uint32_t txn_ref(const struct txn_table *tt, const struct txn *t)
{
	return t ? (uint32_t)(t - tt->t) + 1 : 0;
}
static inline struct txn *txn_at(struct txn_table *tt, uint32_t ref)
{
	return ref && ref <= tt->cap && tt->t[ref - 1].cookie ? &tt->t[ref - 1] : NULL;
}
/* A free slot, zeroed but for its cookie and kind; NULL when every slot is live. */
struct txn *txn_alloc(struct txn_table *tt, enum txn_kind kind, uint32_t cookie);
/* Off the hash, the heap, its buffers freed, back on the free list. */
void txn_free(struct txn_table *tt, struct txn *t);
/* RFC 3261 17.2.3 key: leg, method (ACK as INVITE), branch, sent-by. Never 0. */
uint64_t txn_key(const struct txn_table *tt, enum txn_kind leg, enum txn_method m,
		 const char *branch, const char *host, unsigned int port);
void txn_hash_add(struct txn_table *tt, struct txn *t, uint64_t key);
void txn_unhash(struct txn_table *tt, struct txn *t);
/* Call-ID and CSeq number of a request, hashed: the same for its retransmissions, ACK, CANCEL. */
uint32_t txn_req_id(const struct txn_table *tt, const char *call_id, const char *cseq_num);
struct txn *txn_lookup(struct txn_table *tt, uint64_t key);
/* Our Via branch for t; the live slot a branch of ours names, or NULL. */
void txn_branch(const struct txn_table *tt, const struct txn *t, char *branch, size_t cap);
struct txn *txn_by_branch(struct txn_table *tt, const char *branch);
enum txn_method txn_method_of(const char *method);

/* txn_heap.c: t's next deadline is due (0: off the heap). O(log n). */
void txn_heap_set(struct txn_table *tt, struct txn *t, uint64_t due);
struct txn *txn_heap_top(struct txn_table *tt);
/* Recomputes t->due from its timers and places it. */
void txn_rearm(struct txn_table *tt, struct txn *t);

/* txn_buf.c: a copy of data; ref or 0 (no room: counted in bufs.full). */
int txn_buf_init(struct txn_bufs *b, size_t size);
void txn_buf_fini(struct txn_bufs *b);
uint32_t txn_buf_put(struct txn_bufs *b, const void *data, size_t len);
/* The bytes of ref (len set), or NULL. */
void *txn_buf_get(struct txn_bufs *b, uint32_t ref, size_t *len);
void txn_buf_free(struct txn_bufs *b, uint32_t ref);

#endif
