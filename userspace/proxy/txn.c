// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/txn.h"

#define BRANCH_PREFIX "z9hG4bK-pc"

void txn_init(struct txn_table *tt)
{
	memset(tt, 0, sizeof(*tt));
}

struct txn *txn_new(struct txn_table *tt, uint64_t now_ms, uint32_t cookie, char *branch,
		    size_t cap)
{
	if (!cookie)
		cookie = 1;
	for (uint32_t n = 0; n < TXN_MAX; n++) {
		uint32_t i = (tt->next + n) % TXN_MAX;
		struct txn *t = &tt->t[i];

		if (t->cookie && t->expires_ms > now_ms)
			continue;
		memset(t, 0, sizeof(*t));
		t->cookie = cookie;
		t->expires_ms = now_ms + TXN_LIFETIME_MS;
		t->expires_req = -1;
		tt->next = (i + 1) % TXN_MAX;
		txn_branch(tt, t, branch, cap);
		return t;
	}
	return NULL;
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
	if (idx >= TXN_MAX)
		return NULL;
	t = &tt->t[idx];
	if (!t->cookie || t->cookie != cookie || t->expires_ms <= now_ms)
		return NULL;
	return t;
}

void txn_done(struct txn *t)
{
	t->cookie = 0;
}

struct txn *txn_find_request(struct txn_table *tt, const struct pcscf_addr *ue_addr,
			     uint16_t ue_port, const char *ue_branch, uint64_t now_ms)
{
	if (!ue_branch || !*ue_branch)
		return NULL;
	for (uint32_t i = 0; i < TXN_MAX; i++) {
		struct txn *t = &tt->t[i];

		if (t->cookie && t->expires_ms > now_ms && t->ue_port == ue_port &&
		    !memcmp(&t->ue_addr, ue_addr, sizeof(*ue_addr)) &&
		    !strcmp(t->ue_branch, ue_branch))
			return t;
	}
	return NULL;
}
