// SPDX-License-Identifier: GPL-2.0
/*
 * The transaction store without the proxy: slots come and go through the
 * free list, the keyed server-key hash finds what it holds and nothing
 * else, our branches name their slot, the heap hands out deadlines in
 * order, buffers come back to their size class. With 100,000 live
 * transactions a match looks at O(1) chain entries and a timer change at
 * O(log n) heap entries: the work is counted, not timed.
 */
#include <errno.h>
#include "tap.h"
#include "common/addr.h"
#include "proxy/txn.h"
#include "proxy/txn_proxy.h"

#define N 100000

static uint64_t key_of(struct txn_table *tt, int i)
{
	char b[32];

	snprintf(b, sizeof(b), "z9hG4bK-ue%d", i);
	return txn_key(tt, TXN_ORIG, TXN_M_OTHER, b, "10.0.0.10", 5062);
}

static void basics(void)
{
	struct txn_table tt;
	char br[TXN_BRANCH_MAX];
	struct txn *a, *b;
	size_t len;
	uint32_t r1, r2;

	TAP_CHECK(!txn_init_cap(&tt, 2), "init: a table of 2");
	TAP_CHECK(txn_init_cap(&(struct txn_table){0}, 0) == -EINVAL, "init: 0 slots refused");
	a = txn_alloc(&tt, TXN_ORIG, 0x1234);
	b = txn_alloc(&tt, TXN_TERM, 0x5678);
	TAP_CHECK(a && b && a != b && !txn_alloc(&tt, TXN_ORIG, 1), "alloc: two, then full");
	txn_branch(&tt, a, br, sizeof(br));
	TAP_CHECK(txn_by_branch(&tt, br) == a, "branch: ours names its slot (%s)", br);
	br[strlen(br) - 1] ^= 1;
	TAP_CHECK(!txn_by_branch(&tt, br), "branch: another cookie names nothing");
	TAP_CHECK(key_of(&tt, 1) != key_of(&tt, 2) &&
			  txn_key(&tt, TXN_ORIG, TXN_M_INVITE, "x", "H", 5060) ==
				  txn_key(&tt, TXN_ORIG, TXN_M_INVITE, "x", "h", 5060) &&
			  txn_key(&tt, TXN_ORIG, TXN_M_INVITE, "x", "h", 5060) !=
				  txn_key(&tt, TXN_TERM, TXN_M_INVITE, "x", "h", 5060) &&
			  txn_key(&tt, TXN_ORIG, TXN_M_INVITE, "x", "h", 5060) !=
				  txn_key(&tt, TXN_ORIG, TXN_M_CANCEL, "x", "h", 5060),
		  "key: branch, leg and method count, host case does not");
	TAP_CHECK(txn_method_of("ACK") == TXN_M_INVITE && txn_method_of("CANCEL") == TXN_M_CANCEL,
		  "key: ACK matches as its INVITE (17.2.3), CANCEL on its own");
	txn_hash_add(&tt, a, key_of(&tt, 1));
	TAP_CHECK(txn_lookup(&tt, key_of(&tt, 1)) == a && !txn_lookup(&tt, key_of(&tt, 2)),
		  "hash: finds what it holds only");
	r1 = txn_buf_put(&tt.bufs, "hello", 5);
	TAP_CHECK(r1 && !memcmp(txn_buf_get(&tt.bufs, r1, &len), "hello", 5) && len == 5,
		  "buf: a copy comes back");
	txn_buf_free(&tt.bufs, r1);
	r2 = txn_buf_put(&tt.bufs, "again", 5);
	TAP_CHECK(r2 == r1, "buf: a freed block is reused by its size class");
	txn_buf_free(&tt.bufs, r2);
	txn_heap_set(&tt, a, 300);
	txn_heap_set(&tt, b, 100);
	TAP_CHECK(txn_heap_top(&tt) == b, "heap: earliest on top");
	txn_heap_set(&tt, b, 500);
	TAP_CHECK(txn_heap_top(&tt) == a, "heap: a later deadline moves down");
	txn_free(&tt, a);
	TAP_CHECK(txn_heap_top(&tt) == b && !txn_lookup(&tt, key_of(&tt, 1)) && tt.live == 1,
		  "free: off the heap and the hash");
	TAP_CHECK(txn_alloc(&tt, TXN_ORIG, 9) == a, "free: the slot comes back");
	txn_fini(&tt);
}

static void many(void)
{
	static struct txn_table tt;
	uint64_t probes, moves, prev = 0;
	int found = 0, ordered = 1;
	struct txn *t;

	TAP_CHECK(!txn_init_cap(&tt, N), "many: a table of %d", N);
	for (int i = 0; i < N; i++) {
		t = txn_alloc(&tt, TXN_ORIG, 0x1000 + i);
		if (!t)
			break;
		txn_hash_add(&tt, t, key_of(&tt, i));
		txn_heap_set(&tt, t, 1000 + (uint64_t)((i * 7919u) % N));
	}
	TAP_CHECK(tt.live == N, "many: %u live transactions", tt.live);
	probes = tt.work.probes;
	for (int i = 0; i < N; i++) {
		found += txn_lookup(&tt, key_of(&tt, i)) == &tt.t[i];
		found += !txn_lookup(&tt, key_of(&tt, i + N));
	}
	probes = tt.work.probes - probes;
	TAP_CHECK(found == 2 * N, "many: %d hits and misses right", 2 * N);
	/* 2 x max-txns buckets: a chain holds about half an entry; a scan would be N/2. */
	TAP_CHECK(probes <= 2 * (uint64_t)N * 2, "many: %.2f chain entries per lookup (bound 2)",
		  (double)probes / (2 * N));
	moves = tt.work.heap_moves;
	t = txn_heap_top(&tt);
	txn_heap_set(&tt, t, 5000000);
	moves = tt.work.heap_moves - moves;
	TAP_CHECK(moves <= 2 * 18, "many: a timer change moves %llu heap entries (bound 2 log2 N)",
		  (unsigned long long)moves);
	for (int i = 0; i < N && (t = txn_heap_top(&tt)); i++) {
		ordered &= t->due >= prev;
		prev = t->due;
		txn_free(&tt, t);
	}
	TAP_CHECK(ordered && tt.live == 0 && tt.nheap == 0, "many: the heap gives every deadline in order");
	txn_fini(&tt);
}

/* RFC 3261 18.2.2 / RFC 3581: where the response to a request goes, from its top Via. */
static void via_target(void)
{
	static const struct {
		const char *via, *want; /* want "ADDR PORT" or NULL: no target (packet source) */
	} rows[] = {
		{ "SIP/2.0/UDP 10.0.1.1:5070;branch=z9hG4bKa", "10.0.1.1 5070" },
		{ "SIP/2.0/UDP 10.0.1.1;branch=z9hG4bKa", "10.0.1.1 5060" },
		{ "SIP/2.0/UDP 10.0.1.1:5070;branch=z9hG4bKa;received=10.0.1.9", "10.0.1.9 5070" },
		{ "SIP/2.0/UDP 10.0.1.1:5070;branch=z9hG4bKa;received=10.0.1.9;rport=4000",
		  "10.0.1.9 4000" },
		{ "SIP/2.0/UDP 10.0.1.1:5070;rport;branch=z9hG4bKa", "10.0.1.1 5070" },
		{ "SIP/2.0/UDP [2001:db8::5]:5080;branch=z9hG4bKa", "2001:db8::5 5080" },
		{ "SIP/2.0/UDP scscf.ims.example:5060;branch=z9hG4bKa", NULL },
		{ "SIP/2.0/UDP scscf.ims.example;received=10.0.1.7;branch=z9hG4bKa", "10.0.1.7 5060" },
	};

	sipm_init();
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char msg[512], got[64] = "-", a[ADDR_STR_LEN];
		osip_message_t *m;
		struct pcscf_addr addr;
		uint16_t port;
		int n = snprintf(msg, sizeof(msg),
				 "MESSAGE sip:a@b SIP/2.0\r\nVia: %s\r\nFrom: <sip:c@d>;tag=1\r\n"
				 "To: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 MESSAGE\r\n"
				 "Content-Length: 0\r\n\r\n",
				 rows[i].via);

		if (sipm_parse(&m, msg, n)) {
			TAP_CHECK(0, "via: %s parses", rows[i].via);
			continue;
		}
		if (!txn_via_target(m, &addr, &port))
			snprintf(got, sizeof(got), "%s %u", addr_str(&addr, a, sizeof(a)), port);
		osip_message_free(m);
		TAP_CHECK(rows[i].want ? !strcmp(got, rows[i].want) : !strcmp(got, "-"),
			  "via: %s -> %s", rows[i].via, got);
	}
}

int main(void)
{
	basics();
	via_target();
	many();
	return tap_done();
}
