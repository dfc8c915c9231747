/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inbound ESP state for the workers, indexed by the slot the classifier puts
 * in the frame metadata (no second hash lookup on the data path).
 *
 * The signalling thread creates and deletes SAs; workers only read. Deletion
 * is two-phase (quiescent-state based reclamation): the slot is emptied, the
 * epoch moves on, and the ESP state is destroyed (keys wiped) only once every
 * worker has passed a quiescent point after that, i.e. no worker can still
 * hold the pointer. Workers mark themselves offline while sleeping in poll()
 * so an idle queue never holds reclamation up.
 */
#ifndef PCSCF_SA_SLOTS_H
#define PCSCF_SA_SLOTS_H

#include <stdatomic.h>
#include <stdint.h>
#include "pcscf_maps.h"

struct esp_sa;

#define SA_SLOTS_MAX_WORKERS PCSCF_MAX_QUEUES
#define SA_SLOTS_OFFLINE     UINT64_MAX

struct sa_slot {
	_Atomic(struct esp_sa *) sa;
	_Atomic uint32_t generation;
};

struct sa_retired {
	struct esp_sa *sa;
	uint64_t epoch;
};

struct sa_slots {
	struct sa_slot *slot;
	uint32_t n;
	_Atomic uint64_t epoch;
	_Atomic uint64_t seen[SA_SLOTS_MAX_WORKERS];
	int nworkers;
	struct sa_retired *retired;
	uint32_t nretired, max_retired;
};

int sa_slots_init(struct sa_slots *s, uint32_t n, int nworkers);
/* Destroys everything still published or retired (at shutdown, workers stopped). */
void sa_slots_fini(struct sa_slots *s);

/* Signalling thread. */
int sa_slots_publish(struct sa_slots *s, uint32_t slot, uint32_t generation, struct esp_sa *sa);
/* Empties the slot; the SA is destroyed once no worker can hold it. */
void sa_slots_retire(struct sa_slots *s, uint32_t slot);
/* Destroys what no worker can reach any more; call regularly. */
void sa_slots_reclaim(struct sa_slots *s);

/* Worker side. */
static inline struct esp_sa *sa_slots_get(struct sa_slots *s, uint32_t slot, uint32_t generation)
{
	if (slot >= s->n)
		return NULL;
	if (atomic_load_explicit(&s->slot[slot].generation, memory_order_acquire) != generation)
		return NULL;
	return atomic_load_explicit(&s->slot[slot].sa, memory_order_acquire);
}

/* Between batches: the worker holds no SA pointer. */
static inline void sa_slots_quiescent(struct sa_slots *s, int worker)
{
	atomic_store_explicit(&s->seen[worker], atomic_load(&s->epoch), memory_order_release);
}

static inline void sa_slots_offline(struct sa_slots *s, int worker)
{
	atomic_store_explicit(&s->seen[worker], SA_SLOTS_OFFLINE, memory_order_release);
}

#endif
