// SPDX-License-Identifier: GPL-2.0
/*
 * SA lifetime: validate parameters, derive or take the keys, key the crypto
 * contexts once, and wipe everything on destroy. Control path only.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "esp/esp_priv.h"

/* Names an SA's key for the threads' cipher contexts (esp_crypto.c); 0 is none. */
static _Atomic uint64_t next_key_id = 1;

/* Ask for replacement this many packets before the sequence space runs out. */
#define ESP_SEQ_SOFT_LIMIT 0xfff00000u

static int check_params(const struct esp_sa_params *p, struct esp_xform *x)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	int rc;

	if (!p)
		return -EINVAL;
	rc = esp_xform_get(p->auth, p->enc, x);
	if (rc)
		return rc;
	/* SPIs 1..255 are reserved (RFC 4303 2.1), 0 means "no SA" */
	if (p->spi < 256)
		return -EINVAL;
	if (p->family == AF_INET) {
		if (memcmp(p->src, v4mapped, 12) || memcmp(p->dst, v4mapped, 12))
			return -EINVAL;
	} else if (p->family != AF_INET6) {
		return -EAFNOSUPPORT;
	}
	return 0;
}

struct esp_sa *esp_sa_create_raw(const struct esp_sa_params *p, const struct esp_keys *k, int *err)
{
	struct esp_sa *sa = NULL;
	struct esp_xform x;
	int rc;

	rc = check_params(p, &x);
	if (rc)
		goto out;
	if (!k || k->enc_len != x.enc_key_len || k->auth_len != x.auth_key_len) {
		rc = -EINVAL;
		goto out;
	}
	if (sodium_init() < 0) {
		rc = -EIO;
		goto out;
	}
	if (p->replay_window > ESP_REPLAY_MAX) {
		rc = -EINVAL;
		goto out;
	}
	/* every SA gets its window (decap does not ask the direction), at its size only */
	sa = calloc(1, esp_sa_alloc_size(p->replay_window));
	if (!sa) {
		rc = -ENOMEM;
		goto out;
	}
	/* locked, never dumped: the one copy of the raw keys we own (zeroed block) */
	sa->sec = key_arena_alloc(sizeof(*sa->sec));
	if (!sa->sec) {
		rc = -ENOMEM;
		goto out;
	}
	sa->alloc_len = esp_sa_alloc_size(p->replay_window);
	sa->key_id = atomic_fetch_add(&next_key_id, 1);
	memcpy(&sa->sec->k, k, sizeof(*k));
	sa->spi = p->spi;
	sa->inbound = p->inbound;
	sa->family = p->family;
	memcpy(sa->src, p->src, 16);
	memcpy(sa->dst, p->dst, 16);
	sa->sport = p->sport;
	sa->dport = p->dport;
	sa->auth = p->auth;
	sa->enc = p->enc;
	sa->x = x;
	rc = esp_replay_init(&sa->replay, p->replay_window);
	if (rc)
		goto out;
	/*
	 * Counter IVs start at a random 64-bit point: 33.203 gives all four SAs
	 * of a UE the same CK/IK, hence the same GCM key and salt, so counters
	 * that all started at 1 would repeat nonces across SAs.
	 */
	randombytes_buf(&sa->iv_base, sizeof(sa->iv_base));
	randombytes_buf(&sa->ip_id, sizeof(sa->ip_id));
	rc = esp_crypto_init(sa);
out:
	if (rc) {
		esp_sa_destroy(sa);
		sa = NULL;
	}
	if (err)
		*err = rc;
	return sa;
}

struct esp_sa *esp_sa_create(const struct esp_sa_params *p, int *err)
{
	struct esp_keys *k;
	struct esp_sa *sa = NULL;
	int rc;

	if (!p) {
		rc = -EINVAL;
		goto out;
	}
	if (sodium_init() < 0) {
		rc = -EIO;
		goto out;
	}
	/* the derived keys pass through locked memory only */
	k = key_arena_alloc(sizeof(*k));
	if (!k) {
		rc = -ENOMEM;
		goto out;
	}
	rc = esp_derive_keys(p->auth, p->enc, p->ck, p->ik, k);
	if (!rc)
		sa = esp_sa_create_raw(p, k, &rc);
	key_arena_free(k); /* wipes */
out:
	if (err)
		*err = rc;
	return sa;
}

void esp_sa_destroy(struct esp_sa *sa)
{
	if (!sa)
		return;
	key_arena_free(sa->sec); /* wipes the block */
	sodium_memzero(sa, sa->alloc_len ? sa->alloc_len : offsetof(struct esp_sa, replay));
	free(sa);
}

size_t esp_sa_alloc_size(uint32_t window)
{
	uint32_t size = window ? window : ESP_REPLAY_DEFAULT;

	return offsetof(struct esp_sa, replay.bits) + ((size + 63) / 64 + 1) * sizeof(uint64_t);
}

const struct esp_sa_stats *esp_sa_stats(const struct esp_sa *sa)
{
	return &sa->st;
}

uint32_t esp_sa_spi(const struct esp_sa *sa)
{
	return sa->spi;
}

bool esp_sa_needs_rekey(const struct esp_sa *sa)
{
	return sa->exhausted || sa->seq >= ESP_SEQ_SOFT_LIMIT;
}

void esp_sa_set_seq(struct esp_sa *sa, uint32_t seq)
{
	sa->seq = seq;
	sa->exhausted = false;
}

uint32_t esp_random_spi(void)
{
	uint32_t spi;

	if (sodium_init() < 0)
		abort(); /* no randomness source: nothing safe to do */
	/* uniform over 256..2^32-1 */
	spi = 256 + randombytes_uniform(UINT32_MAX - 255);
	return spi;
}
