// SPDX-License-Identifier: GPL-2.0
/*
 * REGISTERs we answered 503 lately, so that a retransmission (the 503 was
 * lost, or crossed the retransmission) gets the same answer instead of a
 * second admission decision: RFC 3261 17.2.2, a server transaction answers
 * a retransmitted request with its last response. Direct-mapped and fixed
 * in size: a slot is overwritten by a newer refusal, which only means a
 * retransmission of the older one is decided afresh. Nothing per entry is
 * allocated, and a storm of refusals costs the same memory as none.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "proxy/admit.h"
#include "proxy/sip_msg.h"

#define REFUSED_SLOTS	8192  /* power of two */
#define REFUSED_KEEP_MS 32000 /* Timer J's 64*T1: the UE stops retransmitting by then */

struct refused_ent {
	uint64_t key;
	uint64_t until_ms;
	uint8_t cause;
};

static uint8_t key_secret[crypto_shorthash_KEYBYTES];

int refused_init(struct admit *a)
{
	a->refused = calloc(REFUSED_SLOTS, sizeof(*a->refused));
	randombytes_buf(key_secret, sizeof(key_secret));
	return a->refused ? 0 : -ENOMEM;
}

void refused_fini(struct admit *a)
{
	free(a->refused);
	a->refused = NULL;
}

uint64_t admit_key(osip_message_t *msg)
{
	const char *b = sipm_top_branch(msg);
	char text[512];
	size_t n = 0;
	uint64_t k;

	if (b)
		n = strnlen(b, 200);
	memcpy(text, b ? b : "", n);
	text[n++] = '\n';
	if (sipm_call_id(msg, text + n, sizeof(text) - n))
		text[n] = '\0';
	n += strlen(text + n);
	crypto_shorthash((unsigned char *)&k, (const unsigned char *)text, n, key_secret);
	return k ? k : 1; /* 0 marks an empty slot */
}

void refused_note(struct admit *a, uint64_t key, enum admit_cause cause, uint64_t now_ms)
{
	struct refused_ent *e;

	if (!a->refused)
		return;
	e = &a->refused[key & (REFUSED_SLOTS - 1)];
	e->key = key;
	e->until_ms = now_ms + REFUSED_KEEP_MS;
	e->cause = cause;
}

enum admit_cause refused_find(const struct admit *a, uint64_t key, uint64_t now_ms)
{
	const struct refused_ent *e;

	if (!a->refused)
		return BUSY_N;
	e = &a->refused[key & (REFUSED_SLOTS - 1)];
	return e->key == key && now_ms < e->until_ms ? (enum admit_cause)e->cause : BUSY_N;
}
