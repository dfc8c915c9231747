// SPDX-License-Identifier: GPL-2.0
/*
 * imsue's wait-file parking (ue_wait.h): however many UEs wait for a file,
 * the loop looks for it once per UE_WAIT_POLL_MS, and when it appears gets
 * every UE that waited for it, once; a second path is released on its own.
 * imsue is not in libpcscf.a, so its source is included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "imsue/ue_wait.c"
#include "tap.h"

#define N 100000

static unsigned int drain(struct ue_waits *q, uint32_t r, uint8_t *seen)
{
	unsigned int n = 0;

	for (; r; r = ue_wait_next_ue(q, r)) {
		seen[r - 1]++;
		n++;
	}
	return n;
}

int main(void)
{
	char go[64], other[64];
	static uint8_t seen[N];
	struct ue_waits q;
	unsigned int n = 0, twice = 0, early = 0;
	static const char *const paths[UE_WAIT_PATHS] = {
		"/nonexistent/1", "/nonexistent/2", "/nonexistent/3", "/nonexistent/4",
		"/nonexistent/5", "/nonexistent/6", "/nonexistent/7", "/nonexistent/8",
	};
	uint64_t t = 1000;
	bool all_parked = true;
	FILE *f;

	snprintf(go, sizeof(go), "/tmp/test_imsue_wait.%d.go", getpid());
	snprintf(other, sizeof(other), "/tmp/test_imsue_wait.%d.other", getpid());
	unlink(go);
	unlink(other);
	TAP_CHECK(!ue_wait_init(&q, N), "links for %u UEs", N);
	for (uint32_t i = 0; i < N - 1; i++)
		all_parked &= ue_wait_park(&q, go, i, t);
	all_parked &= ue_wait_park(&q, other, N - 1, t);
	TAP_CHECK(all_parked, "%u UEs parked on two paths", N);
	TAP_CHECK(ue_wait_deadline(&q) == t + UE_WAIT_POLL_MS, "first look one interval on");
	TAP_CHECK(!ue_wait_ready(&q, t + 50), "nothing before the interval");
	TAP_CHECK(q.checks == 0, "and no file looked for (%llu)", (unsigned long long)q.checks);

	/* ten seconds of 1 ms loop passes without the file: one look per path per interval */
	for (t += 1; t < 11001; t++)
		early += ue_wait_ready(&q, t) != 0;
	TAP_CHECK(!early && q.checks <= 2 * (10000 / UE_WAIT_POLL_MS + 1),
		  "10 s of 1 ms passes without the files: no UE out, %llu looks for 2 paths, not "
		  "one per UE",
		  (unsigned long long)q.checks);

	f = fopen(go, "w");
	if (f)
		fclose(f);
	t += UE_WAIT_POLL_MS;
	for (uint32_t r; (r = ue_wait_ready(&q, t));)
		n += drain(&q, r, seen);
	for (uint32_t i = 0; i < N; i++)
		twice += seen[i] > 1;
	TAP_CHECK(n == N - 1 && twice == 0 && !seen[N - 1],
		  "the file appears: its %u waiters released once each (%u, %u twice), the other "
		  "path's kept",
		  N - 1, n, twice);
	TAP_CHECK(ue_wait_deadline(&q) == t + UE_WAIT_POLL_MS, "the other path still looked for");

	f = fopen(other, "w");
	if (f)
		fclose(f);
	t += UE_WAIT_POLL_MS;
	n = 0;
	for (uint32_t r; (r = ue_wait_ready(&q, t));)
		n += drain(&q, r, seen);
	TAP_CHECK(n == 1 && seen[N - 1] == 1, "second path: its one waiter released");
	TAP_CHECK(ue_wait_deadline(&q) == UINT64_MAX, "nobody waits: no deadline");

	/* a full table: the caller polls that UE alone, as before */
	for (int i = 0; i < UE_WAIT_PATHS; i++)
		all_parked &= ue_wait_park(&q, paths[i], i, t);
	TAP_CHECK(all_parked && !ue_wait_park(&q, "/nonexistent/9", 100, t),
		  "%d paths parked, one more refused (that UE polls alone)", UE_WAIT_PATHS);
	ue_wait_fini(&q);
	unlink(go);
	unlink(other);
	return tap_done();
}
