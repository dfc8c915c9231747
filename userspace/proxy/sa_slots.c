// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>

#include "esp/esp.h"
#include "proxy/sa_slots.h"

int sa_slots_init(struct sa_slots *s, uint32_t n, int nworkers)
{
	s->slot = calloc(n, sizeof(*s->slot));
	s->max_retired = n;
	s->retired = calloc(s->max_retired, sizeof(*s->retired));
	if (!s->slot || !s->retired) {
		free(s->slot);
		free(s->retired);
		return -ENOMEM;
	}
	s->n = n;
	s->nworkers = nworkers;
	s->nretired = 0;
	atomic_store(&s->epoch, 1);
	for (int i = 0; i < SA_SLOTS_MAX_WORKERS; i++)
		atomic_store(&s->seen[i], SA_SLOTS_OFFLINE);
	return 0;
}

void sa_slots_fini(struct sa_slots *s)
{
	for (uint32_t i = 0; i < s->n; i++)
		esp_sa_destroy(atomic_exchange(&s->slot[i].sa, NULL));
	for (uint32_t i = 0; i < s->nretired; i++)
		esp_sa_destroy(s->retired[i].sa);
	free(s->slot);
	free(s->retired);
	s->slot = NULL;
	s->retired = NULL;
	s->n = s->nretired = 0;
}

int sa_slots_publish(struct sa_slots *s, uint32_t slot, uint32_t generation, struct esp_sa *sa)
{
	if (slot >= s->n)
		return -ERANGE;
	if (atomic_load(&s->slot[slot].sa))
		sa_slots_retire(s, slot);
	/* Generation first: a worker that sees the new pointer also sees its generation. */
	atomic_store_explicit(&s->slot[slot].generation, generation, memory_order_release);
	atomic_store_explicit(&s->slot[slot].sa, sa, memory_order_release);
	return 0;
}

static uint64_t min_seen(struct sa_slots *s)
{
	uint64_t m = SA_SLOTS_OFFLINE;

	for (int i = 0; i < s->nworkers; i++) {
		uint64_t v = atomic_load_explicit(&s->seen[i], memory_order_acquire);

		if (v < m)
			m = v;
	}
	return m;
}

void sa_slots_reclaim(struct sa_slots *s)
{
	uint64_t safe = min_seen(s);
	uint32_t keep = 0;

	for (uint32_t i = 0; i < s->nretired; i++) {
		if (s->retired[i].epoch <= safe)
			esp_sa_destroy(s->retired[i].sa);
		else
			s->retired[keep++] = s->retired[i];
	}
	s->nretired = keep;
}

void sa_slots_retire(struct sa_slots *s, uint32_t slot)
{
	struct esp_sa *sa;

	if (slot >= s->n)
		return;
	sa = atomic_exchange(&s->slot[slot].sa, NULL);
	if (!sa)
		return;
	/* Workers that record this epoch or later have dropped the old pointer. */
	uint64_t e = atomic_fetch_add(&s->epoch, 1) + 1;

	if (s->nretired == s->max_retired)
		sa_slots_reclaim(s);
	if (s->nretired == s->max_retired) {
		/* Cannot defer: every worker is mid-batch for far too long; wait it out. */
		while (min_seen(s) < e)
			;
		esp_sa_destroy(sa);
		return;
	}
	s->retired[s->nretired++] = (struct sa_retired){ .sa = sa, .epoch = e };
}
