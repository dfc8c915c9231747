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
 * and when they exit, so an idle or stopped queue never holds reclamation up.
 *
 * Two orderings carry the safety argument:
 *  - A worker coming online publishes its epoch and only then reads slots;
 *    the reclaimer empties a slot and only then reads the workers' epochs.
 *    That is a store followed by a load on both sides (Dekker), which only
 *    sequential consistency orders: with a release store and an acquire load
 *    the load may pass the store (x86 store buffer), the worker reads a slot
 *    the reclaimer already emptied and the reclaimer still sees it offline.
 *    So the epoch is published with an atomic exchange (a full barrier) and
 *    every access on both sides of the pair is seq_cst.
 *  - A slot's generation and pointer change together under a per-slot
 *    sequence count (seqlock, single writer): a reader that saw the count
 *    move retries, so it never pairs the old generation with a new pointer.
 */
#ifndef PCSCF_SA_SLOTS_H
#define PCSCF_SA_SLOTS_H

#include <stdatomic.h>
#include <stdint.h>
#include "pcscf_maps.h"

struct esp_sa;

#define SA_SLOTS_MAX_WORKERS PCSCF_MAX_QUEUES
#define SA_SLOTS_OFFLINE     UINT64_MAX
#define SA_SLOTS_CACHELINE   64
/* A reader that races a writer this often on one slot gives up (drops the packet). */
#define SA_SLOTS_READ_TRIES 8

struct sa_slot {
	_Atomic uint32_t seq; /* odd while the signalling thread changes the slot */
	_Atomic uint32_t generation;
	_Atomic(struct esp_sa *) sa;
};

/*
 * One worker's last quiescent epoch, a cache line away from any other:
 * padding rather than an alignment attribute, so that a struct holding
 * sa_slots stays safe to malloc().
 */
struct sa_seen {
	_Atomic uint64_t epoch;
	char pad[SA_SLOTS_CACHELINE - sizeof(uint64_t)];
};

struct sa_retired {
	struct esp_sa *sa;
	uint64_t epoch;
};

struct sa_slots {
	struct sa_slot *slot;
	uint32_t n;
	int nworkers;
	struct sa_retired *retired;
	uint32_t nretired, max_retired;
	uint64_t retire_grown; /* times the retired list had to grow: a worker was slow */
	char pad0[SA_SLOTS_CACHELINE];
	_Atomic uint64_t epoch; /* written by the signalling thread, read by every worker */
	char pad1[SA_SLOTS_CACHELINE - sizeof(uint64_t)];
	struct sa_seen seen[SA_SLOTS_MAX_WORKERS];
};

int sa_slots_init(struct sa_slots *s, uint32_t n, int nworkers);
/* Destroys everything still published or retired (at shutdown, workers stopped). */
void sa_slots_fini(struct sa_slots *s);

/* Signalling thread. */
int sa_slots_publish(struct sa_slots *s, uint32_t slot, uint32_t generation, struct esp_sa *sa);
/* Empties the slot; the SA is destroyed once no worker can hold it. Never waits. */
void sa_slots_retire(struct sa_slots *s, uint32_t slot);
/* Destroys what no worker can reach any more; call regularly. */
void sa_slots_reclaim(struct sa_slots *s);

/*
 * Worker side. Valid until the worker's next quiescent or offline call.
 * The SA in slot now, and its generation in *generation (the classifier
 * names a slot only: whether the SA is the one the packet's SPI names is
 * the ESP engine's first check).
 */
static inline struct esp_sa *sa_slots_get_any(struct sa_slots *s, uint32_t slot,
					      uint32_t *generation)
{
	struct sa_slot *e;

	if (slot >= s->n)
		return NULL;
	e = &s->slot[slot];
	for (int i = 0; i < SA_SLOTS_READ_TRIES; i++) {
		/* seq_cst, not acquire: these loads must not pass sa_slots_quiescent() */
		uint32_t s1 = atomic_load_explicit(&e->seq, memory_order_seq_cst);
		uint32_t g = atomic_load_explicit(&e->generation, memory_order_seq_cst);
		struct esp_sa *sa = atomic_load_explicit(&e->sa, memory_order_seq_cst);

		/*
		 * The writer stores the odd count before generation and pointer
		 * (which are release stores), so having read either new value we
		 * read the odd or a later count here.
		 */
		if (!(s1 & 1) && atomic_load_explicit(&e->seq, memory_order_relaxed) == s1) {
			*generation = g;
			return sa;
		}
	}
	return NULL;
}

/* The SA in slot if it is still of generation. */
static inline struct esp_sa *sa_slots_get(struct sa_slots *s, uint32_t slot, uint32_t generation)
{
	uint32_t g;
	struct esp_sa *sa = sa_slots_get_any(s, slot, &g);

	return sa && g == generation ? sa : NULL;
}

/*
 * Between batches, and when coming back online: the worker holds no SA
 * pointer. An exchange, not a store: a full barrier (see the top).
 */
static inline void sa_slots_quiescent(struct sa_slots *s, int worker)
{
	atomic_exchange_explicit(&s->seen[worker].epoch,
				 atomic_load_explicit(&s->epoch, memory_order_seq_cst),
				 memory_order_seq_cst);
}

/* Asleep or gone: holds nothing, holds nobody up. */
static inline void sa_slots_offline(struct sa_slots *s, int worker)
{
	atomic_store_explicit(&s->seen[worker].epoch, SA_SLOTS_OFFLINE, memory_order_release);
}

#endif
