// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/txn.h"

#define BRANCH_PREFIX "z9hG4bK-pc"

static struct txn *at(struct txn_table *tt, uint32_t ref)
{
	return ref ? &tt->t[ref - 1] : NULL;
}

static uint32_t ref_of(const struct txn_table *tt, const struct txn *t)
{
	return (uint32_t)(t - tt->t) + 1;
}

int txn_init_cap(struct txn_table *tt, uint32_t cap)
{
	uint32_t hsize = 1;

	memset(tt, 0, sizeof(*tt));
	while (hsize < 2 * cap)
		hsize <<= 1;
	tt->t = calloc(cap, sizeof(*tt->t));
	tt->bucket = calloc(hsize, sizeof(*tt->bucket));
	if (!tt->t || !tt->bucket) {
		txn_fini(tt);
		return -ENOMEM;
	}
	tt->cap = cap;
	tt->hmask = hsize - 1;
	/* Free list in slot order, so a fresh table hands out 0, 1, 2, ... */
	for (uint32_t i = cap; i > 0; i--) {
		tt->t[i - 1].owner = tt;
		tt->t[i - 1].age_next = tt->free_head;
		tt->free_head = i;
	}
	return 0;
}

int txn_init(struct txn_table *tt)
{
	return txn_init_cap(tt, TXN_MAX);
}

void txn_fini(struct txn_table *tt)
{
	free(tt->t);
	free(tt->bucket);
	memset(tt, 0, sizeof(*tt));
}

static uint32_t request_hash(const struct pcscf_addr *a, uint16_t port, const char *branch)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(a->a); i++)
		h = (h ^ a->a[i]) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	for (const unsigned char *s = (const unsigned char *)branch; *s; s++)
		h = (h ^ *s) * 16777619u;
	return h;
}

static void unhash(struct txn_table *tt, struct txn *t)
{
	uint32_t *link = &tt->bucket[t->hash & tt->hmask], me = ref_of(tt, t);

	if (!t->hashed)
		return;
	while (*link && *link != me)
		link = &at(tt, *link)->hnext;
	if (*link)
		*link = t->hnext;
	t->hashed = false;
	t->hnext = 0;
}

/* Off the age list and the hash, onto the free list. */
static void release(struct txn_table *tt, struct txn *t)
{
	uint32_t me = ref_of(tt, t);

	unhash(tt, t);
	if (t->age_prev)
		at(tt, t->age_prev)->age_next = t->age_next;
	else
		tt->age_head = t->age_next;
	if (t->age_next)
		at(tt, t->age_next)->age_prev = t->age_prev;
	else
		tt->age_tail = t->age_prev;
	t->cookie = 0;
	t->age_prev = 0;
	t->age_next = tt->free_head;
	tt->free_head = me;
	tt->live--;
}

void txn_expire(struct txn_table *tt, uint64_t now_ms)
{
	struct txn *t;

	/* Creation order is expiry order: stop at the first one still live. */
	while ((t = at(tt, tt->age_head)) && t->expires_ms <= now_ms)
		release(tt, t);
}

struct txn *txn_new(struct txn_table *tt, uint64_t now_ms, uint32_t cookie, char *branch,
		    size_t cap)
{
	struct txn *t;
	uint32_t me;

	txn_expire(tt, now_ms);
	t = at(tt, tt->free_head);
	if (!t)
		return NULL;
	me = tt->free_head;
	tt->free_head = t->age_next;
	memset(t, 0, sizeof(*t));
	t->owner = tt;
	t->cookie = cookie ? cookie : 1;
	t->expires_ms = now_ms + TXN_LIFETIME_MS;
	t->expires_req = -1;
	t->age_prev = tt->age_tail;
	if (tt->age_tail)
		at(tt, tt->age_tail)->age_next = me;
	else
		tt->age_head = me;
	tt->age_tail = me;
	tt->live++;
	txn_branch(tt, t, branch, cap);
	return t;
}

struct txn *txn_new_request(struct txn_table *tt, uint64_t now_ms, uint32_t cookie,
			    const struct pcscf_addr *ue_addr, uint16_t ue_port,
			    const char *ue_branch, char *branch, size_t cap)
{
	struct txn *t = txn_new(tt, now_ms, cookie, branch, cap);

	if (!t)
		return NULL;
	t->ue_addr = *ue_addr;
	t->ue_port = ue_port;
	snprintf(t->ue_branch, sizeof(t->ue_branch), "%s", ue_branch ? ue_branch : "");
	if (t->ue_branch[0]) {
		t->hash = request_hash(ue_addr, ue_port, t->ue_branch);
		t->hnext = tt->bucket[t->hash & tt->hmask];
		tt->bucket[t->hash & tt->hmask] = ref_of(tt, t);
		t->hashed = true;
	}
	return t;
}

void txn_branch(const struct txn_table *tt, const struct txn *t, char *branch, size_t cap)
{
	snprintf(branch, cap, BRANCH_PREFIX "%x-%08x", (unsigned int)(t - tt->t), t->cookie);
}

struct txn *txn_find(struct txn_table *tt, const char *branch, uint64_t now_ms)
{
	unsigned int idx, cookie;
	char tail;
	struct txn *t;

	if (!branch || strncmp(branch, BRANCH_PREFIX, strlen(BRANCH_PREFIX)))
		return NULL;
	if (sscanf(branch + strlen(BRANCH_PREFIX), "%x-%8x%c", &idx, &cookie, &tail) != 2)
		return NULL;
	if (idx >= tt->cap)
		return NULL;
	t = &tt->t[idx];
	if (!t->cookie || t->cookie != cookie || t->expires_ms <= now_ms)
		return NULL;
	return t;
}

void txn_done(struct txn *t)
{
	if (t->cookie && t->owner)
		release(t->owner, t);
}

struct txn *txn_find_request(struct txn_table *tt, const struct pcscf_addr *ue_addr,
			     uint16_t ue_port, const char *ue_branch, uint64_t now_ms)
{
	uint32_t h;

	if (!ue_branch || !*ue_branch || !tt->bucket)
		return NULL;
	h = request_hash(ue_addr, ue_port, ue_branch);
	for (struct txn *t = at(tt, tt->bucket[h & tt->hmask]); t; t = at(tt, t->hnext)) {
		if (t->hash == h && t->cookie && t->expires_ms > now_ms && t->ue_port == ue_port &&
		    !memcmp(&t->ue_addr, ue_addr, sizeof(*ue_addr)) &&
		    !strcmp(t->ue_branch, ue_branch))
			return t;
	}
	return NULL;
}
