// SPDX-License-Identifier: GPL-2.0
/*
 * The transaction table with a fake clock: our branch finds its entry, the
 * UE's (address, port, branch) finds a retransmission, entries time out and
 * are reused without a scan, and lookups stay O(1) with 100,000 live.
 */
#include <time.h>
#include "tap.h"
#include "common/addr.h"
#include "proxy/txn.h"

static struct pcscf_addr ue(int i)
{
	struct pcscf_addr a;
	char s[32];

	snprintf(s, sizeof(s), "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	addr_parse(s, &a);
	return a;
}

static struct txn *add(struct txn_table *tt, uint64_t now, int i, char *branch)
{
	struct pcscf_addr a = ue(i);
	char ub[32];

	snprintf(ub, sizeof(ub), "z9hG4bK-ue%d", i);
	return txn_new_request(tt, now, 0x1000 + i, &a, 5060, ub, branch, TXN_BRANCH_MAX);
}

static struct txn *find_req(struct txn_table *tt, uint64_t now, int i, uint16_t port)
{
	struct pcscf_addr a = ue(i);
	char ub[32];

	snprintf(ub, sizeof(ub), "z9hG4bK-ue%d", i);
	return txn_find_request(tt, &a, port, ub, now);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void basics(void)
{
	struct txn_table tt;
	char b1[TXN_BRANCH_MAX], b2[TXN_BRANCH_MAX], b3[TXN_BRANCH_MAX];
	struct txn *t1, *t2, *t3;

	TAP_CHECK(!txn_init_cap(&tt, 2), "init: a table of 2");
	t1 = add(&tt, 1000, 1, b1);
	t2 = add(&tt, 2000, 2, b2);
	TAP_CHECK(t1 && t2 && t1 != t2, "new: two entries");
	TAP_CHECK(!add(&tt, 3000, 3, b3), "new: full table says so (NULL)");
	TAP_CHECK(txn_find(&tt, b1, 3000) == t1 && txn_find(&tt, b2, 3000) == t2,
		  "find: our branch names its entry");
	b1[strlen(b1) - 1] ^= 1;
	TAP_CHECK(!txn_find(&tt, b1, 3000), "find: a wrong cookie finds nothing");
	b1[strlen(b1) - 1] ^= 1;
	TAP_CHECK(!txn_find(&tt, "z9hG4bK-pcffff-00000001", 3000) && !txn_find(&tt, "z9hG4bK-x", 3000) &&
		  !txn_find(&tt, NULL, 3000), "find: foreign and out-of-range branches find nothing");
	TAP_CHECK(find_req(&tt, 3000, 1, 5060) == t1 && find_req(&tt, 3000, 2, 5060) == t2,
		  "retransmission: same UE address, port and branch finds the entry");
	TAP_CHECK(!find_req(&tt, 3000, 1, 5061) && !find_req(&tt, 3000, 3, 5060),
		  "retransmission: another port or branch is a new request");
	txn_done(t1);
	txn_done(t1); /* twice is harmless */
	TAP_CHECK(!txn_find(&tt, b1, 3000) && !find_req(&tt, 3000, 1, 5060),
		  "done: the entry is gone for both lookups");
	t3 = add(&tt, 3000, 3, b3);
	TAP_CHECK(t3 == t1 && txn_find(&tt, b3, 3000) == t3, "done: its slot is reused");
	/* Fake clock: t2 was made at 2000, lives TXN_LIFETIME_MS. */
	TAP_CHECK(txn_find(&tt, b2, 2000 + TXN_LIFETIME_MS - 1) == t2,
		  "timeout: live until its lifetime is over");
	TAP_CHECK(!txn_find(&tt, b2, 2000 + TXN_LIFETIME_MS) &&
		  !find_req(&tt, 2000 + TXN_LIFETIME_MS, 2, 5060),
		  "timeout: expired entries are not found");
	t1 = add(&tt, 2000 + TXN_LIFETIME_MS, 4, b1);
	TAP_CHECK(t1 == t2, "timeout: a full table reuses the expired entry");
	TAP_CHECK(txn_find(&tt, b3, 2000 + TXN_LIFETIME_MS) == t3, "timeout: the younger one stays");
	txn_expire(&tt, 10 * TXN_LIFETIME_MS);
	TAP_CHECK(tt.live == 0, "expire: everything reclaimed once the clock has moved on");
	txn_fini(&tt);
}

static void many(void)
{
	enum { N = 100000 };
	static char br[N][TXN_BRANCH_MAX];
	struct txn_table tt;
	struct timespec t0;
	int ok = 1, found = 0;
	double ms;

	TAP_CHECK(!txn_init_cap(&tt, N), "many: a table of %d", N);
	for (int i = 0; i < N && ok; i++)
		ok = add(&tt, 1000, i, br[i]) != NULL;
	TAP_CHECK(ok && tt.live == N, "many: %d live transactions", N);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < N; i++) {
		int k = (int)((i * 7919u) % N);

		found += find_req(&tt, 2000, k, 5060) == &tt.t[k];
		found += txn_find(&tt, br[k], 2000) == &tt.t[k];
		found += !find_req(&tt, 2000, k + N, 5060); /* misses too */
	}
	ms = ms_since(&t0);
	TAP_CHECK(found == 3 * N, "many: %d retransmission, branch and miss lookups right", 3 * N);
	/* A scan of every slot per lookup would take minutes here. */
	TAP_CHECK(ms < 5000, "many: %d lookups among %d live in %.0f ms (bound 5000)", 3 * N, N, ms);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < N; i++)
		txn_done(&tt.t[i]);
	ok = 1;
	for (int i = 0; i < N && ok; i++)
		ok = add(&tt, 3000, i, br[i]) != NULL;
	ms = ms_since(&t0);
	TAP_CHECK(ok && ms < 5000, "many: %d done and %d new in %.0f ms", N, N, ms);
	txn_fini(&tt);
}

int main(void)
{
	basics();
	many();
	return tap_done();
}
