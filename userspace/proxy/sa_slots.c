// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>

#include "common/log.h"
#include "esp/esp.h"
#include "proxy/sa_slots.h"

int sa_slots_init(struct sa_slots *s, uint32_t n, int nworkers)
{
	if (nworkers < 0 || nworkers > SA_SLOTS_MAX_WORKERS)
		return -EINVAL;
	s->slot = calloc(n, sizeof(*s->slot));
	s->max_retired = n ? n : 1;
	s->retired = calloc(s->max_retired, sizeof(*s->retired));
	if (!s->slot || !s->retired) {
		free(s->slot);
		free(s->retired);
		return -ENOMEM;
	}
	s->n = n;
	s->nworkers = nworkers;
	s->nretired = 0;
	s->retire_grown = 0;
	atomic_store(&s->epoch, 1);
	for (int i = 0; i < SA_SLOTS_MAX_WORKERS; i++)
		atomic_store(&s->seen[i].epoch, SA_SLOTS_OFFLINE);
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

/* Writer side of the slot's seqlock; only the signalling thread writes. */
static void slot_write_begin(struct sa_slot *e)
{
	uint32_t q = atomic_load_explicit(&e->seq, memory_order_relaxed);

	/* ordered before the new generation and pointer by their release stores */
	atomic_store_explicit(&e->seq, q + 1, memory_order_relaxed);
}

static void slot_write_end(struct sa_slot *e)
{
	uint32_t q = atomic_load_explicit(&e->seq, memory_order_relaxed);

	atomic_store_explicit(&e->seq, q + 1, memory_order_release);
}

int sa_slots_publish(struct sa_slots *s, uint32_t slot, uint32_t generation, struct esp_sa *sa)
{
	struct sa_slot *e;

	if (slot >= s->n)
		return -ERANGE;
	e = &s->slot[slot];
	if (atomic_load_explicit(&e->sa, memory_order_relaxed))
		sa_slots_retire(s, slot);
	slot_write_begin(e);
	atomic_store_explicit(&e->generation, generation, memory_order_release);
	atomic_store_explicit(&e->sa, sa, memory_order_release);
	slot_write_end(e);
	return 0;
}

static uint64_t min_seen(struct sa_slots *s)
{
	uint64_t m = SA_SLOTS_OFFLINE;

	/* seq_cst like the slot exchange before it: pairs with sa_slots_quiescent() */
	for (int i = 0; i < s->nworkers; i++) {
		uint64_t v = atomic_load_explicit(&s->seen[i].epoch, memory_order_seq_cst);

		if (v < m)
			m = v;
	}
	return m;
}

void sa_slots_reclaim(struct sa_slots *s)
{
	uint64_t safe;
	uint32_t keep = 0;

	if (!s->nretired)
		return;
	safe = min_seen(s);
	for (uint32_t i = 0; i < s->nretired; i++) {
		if (s->retired[i].epoch <= safe)
			esp_sa_destroy(s->retired[i].sa);
		else
			s->retired[keep++] = s->retired[i];
	}
	s->nretired = keep;
}

/* The list is full because a worker has not passed a quiescent point for long: grow it. */
static int grow_retired(struct sa_slots *s)
{
	uint32_t cap = s->max_retired * 2;
	struct sa_retired *r;

	if (cap <= s->max_retired)
		return -EOVERFLOW;
	r = realloc(s->retired, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	s->retired = r;
	s->max_retired = cap;
	s->retire_grown++;
	pr_warn("SA reclamation: %u retired SAs wait for a worker's quiescent point", s->nretired);
	return 0;
}

void sa_slots_retire(struct sa_slots *s, uint32_t slot)
{
	struct sa_slot *e;
	struct esp_sa *sa;
	uint64_t ep;

	if (slot >= s->n)
		return;
	e = &s->slot[slot];
	slot_write_begin(e);
	sa = atomic_exchange_explicit(&e->sa, NULL, memory_order_seq_cst);
	slot_write_end(e);
	if (!sa)
		return;
	/* Workers that record this epoch or later have dropped the old pointer. */
	ep = atomic_fetch_add(&s->epoch, 1) + 1;
	if (s->nretired == s->max_retired)
		sa_slots_reclaim(s);
	if (s->nretired == s->max_retired && grow_retired(s)) {
		/*
		 * Neither safe to destroy nor room to defer: keep it (its keys stay
		 * in locked memory) rather than free it under a worker or wait.
		 */
		pr_err("SA reclamation: no memory to defer a retired SA; leaked");
		return;
	}
	s->retired[s->nretired++] = (struct sa_retired){ .sa = sa, .epoch = ep };
}
