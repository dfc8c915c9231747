// SPDX-License-Identifier: GPL-2.0
/*
 * Anti-replay window (RFC 4303 3.4.3) without extended sequence numbers.
 * The bitmap is a ring of 64-bit blocks (the RFC 6479 layout): advancing the
 * window clears whole blocks instead of shifting up to 4096 bits per packet.
 * One spare block keeps a partly cleared block from dropping live entries.
 */
#include <errno.h>
#include <string.h>

#include "esp/esp_priv.h"

int esp_replay_init(struct esp_replay *r, uint32_t size)
{
	if (!size)
		size = ESP_REPLAY_DEFAULT;
	if (size < ESP_REPLAY_DEFAULT || size > ESP_REPLAY_MAX)
		return -EINVAL;
	/* only the blocks this size uses: an SA allocates no more (esp_sa_alloc_size) */
	r->top = 0;
	r->size = size;
	r->nwords = (size + 63) / 64 + 1;
	memset(r->bits, 0, r->nwords * sizeof(r->bits[0]));
	return 0;
}

static inline uint64_t *slot(struct esp_replay *r, uint32_t seq)
{
	return &r->bits[(seq >> 6) % r->nwords];
}

int esp_replay_check(const struct esp_replay *r, uint32_t seq)
{
	/* sequence numbers start at 1; 0 is never sent (no ESN) */
	if (!seq)
		return -ERANGE;
	if (seq > r->top)
		return 0;
	if (r->top - seq >= r->size)
		return -ERANGE;
	if (r->bits[(seq >> 6) % r->nwords] & (1ULL << (seq & 63)))
		return -EALREADY;
	return 0;
}

void esp_replay_update(struct esp_replay *r, uint32_t seq)
{
	if (seq > r->top) {
		uint32_t from = r->top >> 6, to = seq >> 6;
		uint32_t n = to - from;

		if (n > r->nwords)
			n = r->nwords;
		for (uint32_t i = 1; i <= n; i++)
			r->bits[(from + i) % r->nwords] = 0;
		r->top = seq;
	}
	*slot(r, seq) |= 1ULL << (seq & 63);
}
