// SPDX-License-Identifier: GPL-2.0
/*
 * Stress test of SA publication and reclamation (userspace/proxy/sa_slots)
 * against running worker threads. Built twice: in the ASan/UBSan unit build
 * and with ThreadSanitizer (make tsan, build/tsan/tests/test_sa_slots).
 *
 * The SAs are fakes: this file defines esp_sa_destroy(), so the library's is
 * never linked in. Destroy poisons the SA instead of freeing it, and the
 * readers check the poison and the generation on every SA they get:
 *   poisoned  a worker held an SA that reclamation had already destroyed
 *             (the online/quiescent store-load ordering bug);
 *   mismatch  a worker asked for (slot, generation) and got the SA of another
 *             generation (the generation/pointer pair read torn).
 * Under TSan a destroy that does not happen after a worker's read is also a
 * reported race on the SA's fields. The same file compiles against the
 * original sa_slots.h (only the public functions are used).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "proxy/sa_slots.h"
#include "tap.h"

#define ALIVE 0x5a5a11feu
#define DEAD  0xdeaddeadu

struct esp_sa {
	uint32_t magic; /* plain fields: TSan sees a destroy that races a read */
	uint32_t slot, generation;
};

#define NSLOTS	 16
#define NWORKERS 3
#define POOL	 (1u << 18)
/* A destroyed fake is reused only after this many later destroys: long enough
 * for any stale reader to trip over the poison first. */
#define QUARANTINE (1u << 17)

static struct esp_sa pool[POOL];
static unsigned npool;
/* destroyed fakes, oldest first; only the signalling (main) thread touches these */
static struct esp_sa *dead[POOL];
static unsigned dead_head, dead_tail;
static unsigned ncreated, ndestroyed, ndouble;

void esp_sa_destroy(struct esp_sa *sa)
{
	if (!sa)
		return;
	if (sa->magic == DEAD)
		ndouble++;
	sa->magic = DEAD;
	ndestroyed++;
	dead[dead_tail++ % POOL] = sa;
}

/* Not called by sa_slots on these paths; defined so nothing pulls esp_sa.o in. */
uint32_t esp_sa_spi(const struct esp_sa *sa)
{
	return sa->slot;
}

static struct esp_sa *fake_new(uint32_t slot, uint32_t gen)
{
	struct esp_sa *sa;

	if (npool < POOL)
		sa = &pool[npool++];
	else if (dead_tail - dead_head > QUARANTINE)
		sa = dead[dead_head++ % POOL];
	else
		return NULL;
	*sa = (struct esp_sa){ .magic = ALIVE, .slot = slot, .generation = gen };
	ncreated++;
	return sa;
}

static struct sa_slots slots;
/* What the classifier map would say: the generation last published per slot. */
static _Atomic uint32_t cur_gen[NSLOTS];
static atomic_bool stop;

struct wstat {
	uint64_t gets, hits, poisoned, mismatch;
} __attribute__((aligned(64)));
static struct wstat wst[NWORKERS];

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	struct wstat *st = &wst[id];
	uint32_t r = 2463534242u + id;

	sa_slots_quiescent(&slots, id);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		/* one "batch" */
		for (int i = 0; i < 32; i++) {
			uint32_t slot, gen;
			struct esp_sa *sa;

			r ^= r << 13, r ^= r >> 17, r ^= r << 5;
			slot = r % NSLOTS;
			gen = atomic_load_explicit(&cur_gen[slot], memory_order_relaxed);
			sa = sa_slots_get(&slots, slot, gen);
			st->gets++;
			if (!sa)
				continue;
			st->hits++;
			/* a real worker runs esp_decap() on it here */
			if (sa->magic != ALIVE)
				st->poisoned++;
			else if (sa->generation != gen || sa->slot != slot)
				st->mismatch++;
		}
		if ((r & 0xff) == 0) {
			/* sleep in poll(): offline, then back online */
			sa_slots_offline(&slots, id);
			sched_yield();
		}
		sa_slots_quiescent(&slots, id);
	}
	sa_slots_offline(&slots, id);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void stress(double seconds)
{
	pthread_t th[NWORKERS];
	uint64_t ops = 0, gets = 0, hits = 0, poisoned = 0, mismatch = 0;
	uint32_t r = 88172645u, gen = 0;
	double end = now_s() + seconds;
	int started = 0;

	TAP_CHECK(sa_slots_init(&slots, NSLOTS, NWORKERS) == 0, "stress: init %d slots, %d workers",
		  NSLOTS, NWORKERS);
	for (int i = 0; i < NWORKERS; i++)
		started += !pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
	while (now_s() < end) {
		for (int i = 0; i < 256; i++) {
			uint32_t slot;
			struct esp_sa *sa;

			r ^= r << 13, r ^= r >> 17, r ^= r << 5;
			slot = r % NSLOTS;
			if (r & 0x10000) {
				/* replace (publish over a live SA: retire + publish) */
				sa = fake_new(slot, ++gen);
				if (!sa)
					goto out;
				sa_slots_publish(&slots, slot, gen, sa);
				atomic_store_explicit(&cur_gen[slot], gen, memory_order_relaxed);
			} else {
				/* delete; the classifier still names the old generation a while */
				sa_slots_retire(&slots, slot);
			}
			ops++;
			if ((r & 0x7) == 0)
				sa_slots_reclaim(&slots);
		}
	}
out:
	atomic_store(&stop, true);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < NWORKERS; i++) {
		gets += wst[i].gets;
		hits += wst[i].hits;
		poisoned += wst[i].poisoned;
		mismatch += wst[i].mismatch;
	}
	sa_slots_reclaim(&slots);
	tap_diag("stress: %llu slot changes, %llu gets, %llu hits, %u SAs", (unsigned long long)ops,
		 (unsigned long long)gets, (unsigned long long)hits, ncreated);
	TAP_CHECK(started == NWORKERS && ops > 1000 && hits > 1000,
		  "stress: workers ran and found SAs (%llu hits)", (unsigned long long)hits);
	TAP_CHECK(poisoned == 0, "stress: no worker read a destroyed SA (%llu did)",
		  (unsigned long long)poisoned);
	TAP_CHECK(mismatch == 0, "stress: every SA got matched its generation (%llu did not)",
		  (unsigned long long)mismatch);
	TAP_CHECK(slots.nretired == 0, "stress: every retired SA reclaimed once workers stopped");
	sa_slots_fini(&slots);
	TAP_CHECK(ndestroyed == ncreated && !ndouble,
		  "stress: every SA destroyed exactly once (%u of %u, %u twice)", ndestroyed,
		  ncreated, ndouble);
}

/*
 * The store-load window alone: one worker that comes online and reads the
 * slot at once, again and again, while the signalling thread publishes,
 * retires and reclaims that slot as fast as it can. With a release store and
 * an acquire load the reclaimer can read "offline" after the worker already
 * took the pointer.
 */
static atomic_uint race_gen;
static uint64_t race_poisoned, race_hits;

static void *online_worker(void *arg)
{
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint32_t gen = atomic_load_explicit(&race_gen, memory_order_relaxed);
		struct esp_sa *sa;

		sa_slots_offline(&slots, 0);
		sa_slots_quiescent(&slots, 0);
		sa = sa_slots_get(&slots, 0, gen);
		if (!sa)
			continue;
		race_hits++;
		/* the time esp_decap() would take */
		for (volatile int i = 0; i < 200; i++)
			;
		if (sa->magic != ALIVE)
			race_poisoned++;
	}
	sa_slots_offline(&slots, 0);
	return NULL;
}

static void online_race(double seconds)
{
	double end = now_s() + seconds;
	uint32_t gen = 0;
	pthread_t th;

	atomic_store(&stop, false);
	sa_slots_init(&slots, 1, 1);
	pthread_create(&th, NULL, online_worker, NULL);
	while (now_s() < end) {
		for (int i = 0; i < 1024; i++) {
			struct esp_sa *sa = fake_new(0, ++gen);

			if (!sa)
				break;
			sa_slots_publish(&slots, 0, gen, sa);
			atomic_store_explicit(&race_gen, gen, memory_order_relaxed);
			for (volatile int k = 0; k < 50; k++)
				;
			sa_slots_retire(&slots, 0);
			sa_slots_reclaim(&slots);
		}
	}
	atomic_store(&stop, true);
	pthread_join(th, NULL);
	TAP_CHECK(race_poisoned == 0,
		  "online race: no worker coming online read a destroyed SA (%llu of %llu did)",
		  (unsigned long long)race_poisoned, (unsigned long long)race_hits);
	sa_slots_fini(&slots);
}

/* A worker stuck mid-batch: retire keeps going (no spin), nothing is destroyed under it. */
static atomic_int stuck_phase;

static void *stuck_worker(void *arg)
{
	sa_slots_quiescent(&slots, 0);
	atomic_store(&stuck_phase, 1);
	while (atomic_load(&stuck_phase) == 1)
		sched_yield();
	sa_slots_quiescent(&slots, 0);
	atomic_store(&stuck_phase, 3);
	while (atomic_load(&stuck_phase) == 3)
		sched_yield();
	sa_slots_offline(&slots, 0);
	return NULL;
}

static void retire_never_waits(void)
{
	enum { N = 4, ROUNDS = 40 };
	unsigned before_created = ncreated, before_destroyed = ndestroyed;
	pthread_t th;
	double t0;
	int ok = 1;

	atomic_store(&stop, false);
	sa_slots_init(&slots, N, 1);
	pthread_create(&th, NULL, stuck_worker, NULL);
	while (atomic_load(&stuck_phase) != 1)
		sched_yield();
	t0 = now_s();
	/* ten times more retirements than the list holds at first */
	for (int i = 0; i < ROUNDS; i++) {
		struct esp_sa *sa = fake_new(i % N, i + 1);

		ok &= sa && !sa_slots_publish(&slots, i % N, i + 1, sa);
		sa_slots_retire(&slots, i % N);
	}
	TAP_CHECK(ok && now_s() - t0 < 2.0, "retire with a stuck worker returns (%.3f s)",
		  now_s() - t0);
	sa_slots_reclaim(&slots);
	TAP_CHECK(ndestroyed == before_destroyed,
		  "nothing destroyed while the worker may hold it");
	atomic_store(&stuck_phase, 2);
	while (atomic_load(&stuck_phase) != 3)
		sched_yield();
	sa_slots_reclaim(&slots);
	TAP_CHECK(ndestroyed - before_destroyed == ncreated - before_created && !ndouble,
		  "all %u destroyed once the worker passed a quiescent point",
		  ncreated - before_created);
	atomic_store(&stuck_phase, 4);
	pthread_join(th, NULL);
	sa_slots_fini(&slots);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3.0;

	stress(secs > 0 ? secs : 3.0);
	online_race(secs > 0 ? secs : 3.0);
	retire_never_waits();
	return tap_done();
}
