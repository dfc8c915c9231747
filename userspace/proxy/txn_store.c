// SPDX-License-Identifier: GPL-2.0
/*
 * Transaction slots: one array sized by --max-txns, a free list through
 * hnext, the server-key hash (chains through hnext as well: a slot is on
 * one or the other) and the heap and buffers allocated once beside them.
 * The key is a keyed SipHash of what RFC 3261 17.2.3 compares, so a sender
 * cannot aim its requests at one chain.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "proxy/txn.h"

#define BRANCH_PREFIX "z9hG4bK-pc"
#define LOCAL_PREFIX  "z9hG4bK-rs" /* our own requests (reg_event.c) */

int txn_init_cap(struct txn_table *tt, uint32_t cap)
{
	uint32_t hsize = 1;

	memset(tt, 0, sizeof(*tt));
	if (!cap || cap > TXN_MAX_LIMIT)
		return -EINVAL;
	while (hsize < 2 * cap)
		hsize <<= 1;
	tt->t = calloc(cap, sizeof(*tt->t));
	tt->bucket = calloc(hsize, sizeof(*tt->bucket));
	tt->heap = calloc(cap, sizeof(*tt->heap));
	if (!tt->t || !tt->bucket || !tt->heap ||
	    txn_buf_init(&tt->bufs, (size_t)cap * TXN_BUF_PER_SLOT)) {
		txn_fini(tt);
		return -ENOMEM;
	}
	tt->cap = cap;
	tt->hmask = hsize - 1;
	randombytes_buf(tt->key, sizeof(tt->key));
	/* Free list in slot order, so a fresh table hands out 0, 1, 2, ... */
	for (uint32_t i = cap; i > 0; i--) {
		tt->t[i - 1].hnext = tt->free_head;
		tt->free_head = i;
	}
	return 0;
}

void txn_fini(struct txn_table *tt)
{
	free(tt->t);
	free(tt->bucket);
	free(tt->heap);
	txn_buf_fini(&tt->bufs);
	sodium_memzero(tt->key, sizeof(tt->key));
	memset(tt, 0, sizeof(*tt));
}

struct txn *txn_alloc(struct txn_table *tt, enum txn_kind kind, uint32_t cookie)
{
	uint32_t ref = tt->free_head;
	struct txn *t;

	if (!ref)
		return NULL;
	t = &tt->t[ref - 1];
	tt->free_head = t->hnext;
	memset(t, 0, sizeof(*t));
	t->cookie = cookie ? cookie : 1;
	t->kind = kind;
	t->ue.conn = -1;
	tt->live++;
	return t;
}

void txn_unhash(struct txn_table *tt, struct txn *t)
{
	uint32_t *link, me = txn_ref(tt, t);

	if (!t->skey)
		return;
	link = &tt->bucket[t->skey & tt->hmask];
	while (*link && *link != me)
		link = &tt->t[*link - 1].hnext;
	if (*link)
		*link = t->hnext;
	t->skey = 0;
	t->hnext = 0;
}

void txn_free(struct txn_table *tt, struct txn *t)
{
	struct txn *l;

	if (!t->cookie)
		return;
	txn_unhash(tt, t);
	txn_heap_set(tt, t, 0);
	txn_buf_free(&tt->bufs, t->req_buf);
	txn_buf_free(&tt->bufs, t->resp_buf);
	txn_buf_free(&tt->bufs, t->reg_buf);
	l = txn_at(tt, t->link);
	if (l && l->link == txn_ref(tt, t))
		l->link = 0;
	t->cookie = 0;
	t->kind = TXN_FREE;
	t->hnext = tt->free_head;
	tt->free_head = txn_ref(tt, t);
	tt->live--;
}

uint64_t txn_key(const struct txn_table *tt, enum txn_kind leg, enum txn_method m,
		 const char *branch, const char *host, unsigned int port)
{
	unsigned char in[512], out[crypto_shorthash_BYTES];
	uint64_t k = 0;
	int n;

	n = snprintf((char *)in, sizeof(in), "%d|%d|%s|%u|", leg, m, host ? host : "", port);
	if (n < 0 || (size_t)n >= sizeof(in))
		n = sizeof(in) - 1;
	for (int i = 0; i < n; i++)
		in[i] = tolower(in[i]); /* host names compare without case */
	n += snprintf((char *)in + n, sizeof(in) - n, "%s", branch ? branch : "");
	if ((size_t)n >= sizeof(in))
		n = sizeof(in) - 1;
	crypto_shorthash(out, in, n, tt->key);
	memcpy(&k, out, sizeof(k));
	return k ? k : 1;
}

uint32_t txn_req_id(const struct txn_table *tt, const char *call_id, const char *cseq_num)
{
	unsigned char out[crypto_shorthash_BYTES];
	char in[384];
	uint32_t v;
	int n = snprintf(in, sizeof(in), "%s|%s", call_id ? call_id : "", cseq_num ? cseq_num : "");

	if (n < 0 || (size_t)n >= sizeof(in))
		n = sizeof(in) - 1;
	crypto_shorthash(out, (unsigned char *)in, n, tt->key);
	memcpy(&v, out, sizeof(v));
	return v;
}

void txn_hash_add(struct txn_table *tt, struct txn *t, uint64_t key)
{
	uint32_t *b = &tt->bucket[key & tt->hmask];

	txn_unhash(tt, t);
	t->skey = key;
	t->hnext = *b;
	*b = txn_ref(tt, t);
}

struct txn *txn_lookup(struct txn_table *tt, uint64_t key)
{
	tt->work.lookups++;
	for (uint32_t r = tt->bucket[key & tt->hmask]; r; r = tt->t[r - 1].hnext) {
		tt->work.probes++;
		if (tt->t[r - 1].skey == key)
			return &tt->t[r - 1];
	}
	return NULL;
}

void txn_branch(const struct txn_table *tt, const struct txn *t, char *branch, size_t cap)
{
	snprintf(branch, cap, "%s%x-%08x", t->kind == TXN_LOCAL ? LOCAL_PREFIX : BRANCH_PREFIX,
		 (unsigned int)(t - tt->t), t->cookie);
}

struct txn *txn_by_branch(struct txn_table *tt, const char *branch)
{
	unsigned int idx, cookie;
	char tail;

	if (!branch || (strncmp(branch, BRANCH_PREFIX, strlen(BRANCH_PREFIX)) &&
			strncmp(branch, LOCAL_PREFIX, strlen(LOCAL_PREFIX))))
		return NULL;
	if (sscanf(branch + strlen(BRANCH_PREFIX), "%x-%8x%c", &idx, &cookie, &tail) != 2 ||
	    idx >= tt->cap)
		return NULL;
	if (!tt->t[idx].cookie || tt->t[idx].cookie != cookie ||
	    (tt->t[idx].kind == TXN_LOCAL) != !strncmp(branch, LOCAL_PREFIX, strlen(LOCAL_PREFIX)))
		return NULL;
	return &tt->t[idx];
}

enum txn_method txn_method_of(const char *method)
{
	if (!method)
		return TXN_M_OTHER;
	if (!strcmp(method, "INVITE") || !strcmp(method, "ACK"))
		return TXN_M_INVITE;
	if (!strcmp(method, "CANCEL"))
		return TXN_M_CANCEL;
	if (!strcmp(method, "REGISTER"))
		return TXN_M_REGISTER;
	return TXN_M_OTHER;
}
