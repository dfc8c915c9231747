/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Requests relayed to the core, remembered until their final response so
 * the response finds its way back: to which UE address and port, plainly or
 * through which SA, and what the REGISTER carried (its Security-Client) that
 * the 401 needs. Keyed by our Via branch: "z9hG4bK-pc" + slot + "-" + cookie.
 *
 * Every operation is O(1) (expected): our branch names its slot; the UE's
 * (address, port, branch) is hashed for retransmission lookup; entries sit
 * on an age list in creation order, which is also their expiry order (one
 * lifetime for all), so expired ones are reclaimed from its head instead of
 * by scanning the table.
 */
#ifndef PCSCF_TXN_H
#define PCSCF_TXN_H

#include <stdbool.h>
#include <stdint.h>
#include "pcscf_maps.h"
#include "reg/reg.h"

#define TXN_MAX	       4096 /* default capacity (txn_init) */
#define TXN_LIFETIME_MS 64000 /* 64*T1: a UDP non-INVITE transaction is over by then */
#define TXN_BRANCH_MAX 48

struct txn_table;

struct txn {
	uint64_t expires_ms;
	uint32_t cookie; /* 0: free */
	bool is_register;
	bool protected;
	struct pcscf_addr ue_addr, our_addr;
	uint16_t ue_port;
	uint32_t sa_slot, sa_generation; /* inbound SA the request came through */
	char ue_branch[TXN_BRANCH_MAX * 2]; /* the UE's Via branch: spots retransmissions */
	int32_t conn; /* unprotected TCP connection of the request; -1: UDP */
	uint32_t conn_gen;
	char impi[REG_IMPI_MAX];
	char call_id[REG_CALLID_MAX];
	char sec_client[REG_SECHDR_MAX];
	int expires_req; /* Expires the REGISTER asked for; -1 unknown */
	/* Index links (txn.c only): slot numbers + 1, 0 for none. */
	struct txn_table *owner;
	bool hashed;		     /* on a request-hash chain */
	uint32_t hash, hnext;	     /* request hash and its bucket chain */
	uint32_t age_prev, age_next; /* age list while live; age_next is the free list when free */
};

struct txn_table {
	struct txn *t;
	uint32_t cap;
	uint32_t *bucket; /* hmask + 1 chains of request hashes */
	uint32_t hmask;
	uint32_t free_head;
	uint32_t age_head, age_tail;
	uint32_t live;
};

/* Table of TXN_MAX (txn_init) or cap entries; 0 or -ENOMEM. txn_fini frees it. */
int txn_init(struct txn_table *tt);
int txn_init_cap(struct txn_table *tt, uint32_t cap);
void txn_fini(struct txn_table *tt);
/* A free (or expired) entry, its branch written into branch. NULL when full. */
struct txn *txn_new(struct txn_table *tt, uint64_t now_ms, uint32_t cookie, char *branch,
		    size_t cap);
/* txn_new, and the entry is found by txn_find_request for (ue_addr, ue_port, ue_branch). */
struct txn *txn_new_request(struct txn_table *tt, uint64_t now_ms, uint32_t cookie,
			    const struct pcscf_addr *ue_addr, uint16_t ue_port,
			    const char *ue_branch, char *branch, size_t cap);
/* Our Via branch for t. */
void txn_branch(const struct txn_table *tt, const struct txn *t, char *branch, size_t cap);
/* The live entry a branch names, or NULL. */
struct txn *txn_find(struct txn_table *tt, const char *branch, uint64_t now_ms);
void txn_done(struct txn *t);
/*
 * A live transaction for the same request from the same UE (RFC 3261 17.2.3:
 * same top Via branch), i.e. this request is a retransmission of one we
 * already relayed. NULL otherwise.
 */
struct txn *txn_find_request(struct txn_table *tt, const struct pcscf_addr *ue_addr,
			     uint16_t ue_port, const char *ue_branch, uint64_t now_ms);
/* Frees every expired entry (they are also reclaimed as txn_new needs room). */
void txn_expire(struct txn_table *tt, uint64_t now_ms);

#endif
