// SPDX-License-Identifier: GPL-2.0
/*
 * ESP fragments: reassembly (esp_reasm.c) as tables of fragment sequences
 * built here byte by byte (IPv4 and IPv6, in order, reversed, first last,
 * duplicates, overlaps, inconsistent ends, timeouts, too many, too large,
 * per-source limits, eviction), and outbound fragmentation (esp_frag.c):
 * every fragment within the MTU, offsets in 8-byte units, DF clear, and the
 * pieces put back together by the reassembler give the packet back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "esp/esp_frag.h"
#include "esp/esp_reasm.h"
#include "tap.h"

#define SEC 1000000000ull

static struct reasm r;

/* The ESP payload of the datagram under test: its bytes are a function of the offset. */
static uint8_t payload_byte(uint32_t off, uint32_t id)
{
	return (uint8_t)(off * 13 + id * 7 + 1);
}

/* One fragment of datagram id from source src_last (last address byte): data [off, end). */
static size_t mkfrag(uint8_t *b, int family, uint8_t src_last, uint32_t id, uint32_t off,
		     uint32_t end, int more, uint8_t poison)
{
	size_t hl = family == 4 ? 20 : 48, n = end - off;

	memset(b, 0, hl);
	if (family == 4) {
		b[0] = 0x45;
		b[2] = (uint8_t)((hl + n) >> 8);
		b[3] = (uint8_t)(hl + n);
		b[4] = (uint8_t)(id >> 8);
		b[5] = (uint8_t)id;
		b[6] = (uint8_t)((off / 8) >> 8 | (more ? 0x20 : 0));
		b[7] = (uint8_t)(off / 8);
		b[8] = 64;
		b[9] = IPPROTO_ESP;
		b[12] = 10, b[15] = src_last;
		b[16] = 10, b[19] = 1;
	} else {
		b[0] = 0x60;
		b[4] = (uint8_t)((8 + n) >> 8);
		b[5] = (uint8_t)(8 + n);
		b[6] = IPPROTO_FRAGMENT;
		b[7] = 64;
		b[8] = 0x20, b[9] = 0x01, b[23] = src_last;
		b[24] = 0x20, b[25] = 0x01, b[39] = 1;
		b[40] = IPPROTO_ESP;
		b[42] = (uint8_t)(off >> 8);
		b[43] = (uint8_t)(off | (more ? 1 : 0));
		b[44] = (uint8_t)(id >> 24), b[45] = (uint8_t)(id >> 16);
		b[46] = (uint8_t)(id >> 8), b[47] = (uint8_t)id;
	}
	for (uint32_t i = 0; i < n; i++)
		b[hl + i] = payload_byte(off + i, id) ^ poison;
	return hl + n;
}

/* The reassembled packet is the datagram: right length, no fragment left, every byte. */
static int whole(const struct reasm_out *o, int family, uint32_t id, uint32_t total)
{
	size_t hl = family == 4 ? 20 : 40;

	if (o->len != hl + (size_t)total)
		return 0;
	if (family == 4 && ((size_t)(o->pkt[2] << 8 | o->pkt[3]) != hl + total || o->pkt[6] ||
			    o->pkt[7] || o->pkt[9] != IPPROTO_ESP))
		return 0;
	if (family == 6 &&
	    ((uint32_t)(o->pkt[4] << 8 | o->pkt[5]) != total || o->pkt[6] != IPPROTO_ESP))
		return 0;
	for (uint32_t i = 0; i < total; i++)
		if (o->pkt[hl + i] != payload_byte(i, id))
			return 0;
	return 1;
}

/* A fragment in a sequence: data [off, end), M flag, bytes xored with poison, at time t (ms). */
struct step {
	uint32_t off, end;
	int more;
	uint8_t poison;
	unsigned int t_ms;
};

#define S(o, e, m)                                                                                 \
	{                                                                                          \
		o, e, m, 0, 0                                                                      \
	}
#define END                                                                                        \
	{                                                                                          \
		0, 0, 0, 0, 0                                                                      \
	}

static const struct {
	const char *name;
	uint32_t total; /* 0: never completes */
	struct step steps[10];
	size_t counter; /* offsetof(struct reasm_stats, ...) that must have moved; 0: none */
} rows[] = {
	{"in order", 3000, {S(0, 1480, 1), S(1480, 2960, 1), S(2960, 3000, 0), END}},
	{"reversed", 3000, {S(2960, 3000, 0), S(1480, 2960, 1), S(0, 1480, 1), END}},
	{"first last", 3000, {S(1480, 2960, 1), S(2960, 3000, 0), S(0, 1480, 1), END}},
	{"exact duplicate dropped alone",
	 3000,
	 {S(0, 1480, 1), S(0, 1480, 1), S(1480, 2960, 1), S(2960, 3000, 0), END},
	 offsetof(struct reasm_stats, duplicate)},
	{"overlap (RFC 5722): all dropped",
	 0,
	 {S(0, 1480, 1), S(1472, 2960, 1), S(1480, 2960, 1), S(2960, 3000, 0), END},
	 offsetof(struct reasm_stats, overlap)},
	{"same range, other bytes: an overlap",
	 0,
	 {S(0, 1480, 1), {0, 1480, 1, 0x55, 0}, S(1480, 2960, 1), S(2960, 3000, 0), END},
	 offsetof(struct reasm_stats, overlap)},
	{"fragment past the last one's end",
	 0,
	 {S(2960, 3000, 0), S(2960, 3008, 1), S(0, 1480, 1), S(1480, 2960, 1), END},
	 offsetof(struct reasm_stats, overlap)},
	{"two different last fragments",
	 0,
	 {S(2960, 3000, 0), S(2960, 2990, 0), S(0, 1480, 1), S(1480, 2960, 1), END},
	 offsetof(struct reasm_stats, overlap)},
	{"middle fragment not a multiple of 8",
	 0,
	 {S(0, 1478, 1), S(1478, 3000, 0), END},
	 offsetof(struct reasm_stats, malformed)},
	{"timeout: the rest 4 s later",
	 0,
	 {S(0, 1480, 1), S(1480, 2960, 1), {2960, 3000, 0, 0, 4000}, END},
	 offsetof(struct reasm_stats, timeout)},
	{"just in time: the rest 2.9 s later",
	 3000,
	 {S(0, 1480, 1), S(1480, 2960, 1), {2960, 3000, 0, 0, 2900}, END}},
	{"past 64 KiB",
	 0,
	 {S(0, 1480, 1), S(65000, 65600, 0), END},
	 offsetof(struct reasm_stats, too_big)},
	{"largest datagram", 65515, {S(0, 32768, 1), S(32768, 65515, 0), END}},
};

static uint64_t counter_at(size_t off)
{
	return *(const uint64_t *)((const char *)&r.st + off);
}

static void run_rows(int family)
{
	static uint8_t b[70000];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint32_t id = 100 + i;
		struct reasm_out o = {};
		int done = 0, ok = 1;

		/* The largest IPv4 datagram is 20 bytes shorter (total length counts the header).
		 */
		uint32_t total = rows[i].total == 65515 && family == 6 ? 65535 : rows[i].total;

		reasm_init(&r);
		/* Every counter starts at 0: the row's must have moved. */
		for (const struct step *s = rows[i].steps; s->end; s++) {
			uint32_t end = s->end == 65515 && family == 6 ? 65535 : s->end;
			size_t n = mkfrag(b, family, 2, id, s->off, end, s->more, s->poison);
			int rc = reasm_add(&r, b, n, (uint64_t)s->t_ms * 1000000, 7, 9, &o);

			if (rc == 1)
				done++;

			if (rc == 1 && !(whole(&o, family, id, total) && o.sa_slot == 7 &&
					 o.sa_generation == 9))
				ok = 0;
		}
		if (total)
			ok &= done == 1 && reasm_pending(&r) == 0;
		else
			ok &= done == 0;
		if (rows[i].counter)
			ok &= counter_at(rows[i].counter) > 0;
		TAP_CHECK(ok, "reasm IPv%d: %s (%s)", family, rows[i].name,
			  total ? "one whole datagram" : "nothing delivered");
		reasm_fini(&r);
	}
}

/* Limits that take more than one datagram: too many fragments, per source, eviction. */
static void test_limits(int family)
{
	static uint8_t b[2048];
	struct reasm_out o;
	size_t n;
	int i, rc = 0;

	reasm_init(&r);
	for (i = 0; i <= REASM_FRAGS_MAX && rc >= 0; i++) {
		n = mkfrag(b, family, 2, 1, i * 8, i * 8 + 8, 1, 0);
		rc = reasm_add(&r, b, n, 0, 0, 0, &o);
	}
	TAP_CHECK(rc == -E2BIG && i == REASM_FRAGS_MAX + 1 && r.st.too_many == 1 &&
			  reasm_pending(&r) == 0,
		  "reasm IPv%d: fragment %d of one datagram abandons it", family,
		  REASM_FRAGS_MAX + 1);

	for (i = 0; i < REASM_PER_SOURCE + 1; i++) {
		n = mkfrag(b, family, 3, 10 + i, 0, 1480, 1, 0);
		rc = reasm_add(&r, b, n, 0, 0, 0, &o);
	}
	TAP_CHECK(rc == -EBUSY && r.st.per_source == 1 && reasm_pending(&r) == REASM_PER_SOURCE,
		  "reasm IPv%d: a source's datagram %d is refused while %d are in progress", family,
		  REASM_PER_SOURCE + 1, REASM_PER_SOURCE);

	for (i = 0; i < REASM_SLOTS; i++) {
		n = mkfrag(b, family, 20 + i, 50, 0, 1480, 1, 0);
		rc = reasm_add(&r, b, n, (uint64_t)(i + 1) * 1000, 0, 0, &o);
	}
	TAP_CHECK(rc == 0 && r.st.evicted == REASM_PER_SOURCE && reasm_pending(&r) == REASM_SLOTS,
		  "reasm IPv%d: with every slot taken, the oldest datagrams are evicted (counted)",
		  family);
	reasm_expire(&r, 10 * SEC);
	TAP_CHECK(reasm_pending(&r) == 0 && r.st.timeout == REASM_SLOTS,
		  "reasm IPv%d: everything left times out", family);
	reasm_fini(&r);
}

/* A v6 datagram with a destination-options header before the Fragment header. */
static void test_v6_unfragmentable(void)
{
	static uint8_t b[2048];
	struct reasm_out o = {};
	int rc = 0;

	reasm_init(&r);
	for (int k = 1; k >= 0; k--) {
		uint32_t off = k ? 1480 : 0, end = k ? 2000 : 1480;
		size_t n = mkfrag(b + 8, 6, 2, 77, off, end, !k, 0);

		/* Move the fixed header in front, the options header between it and the fragment's.
		 */
		memmove(b, b + 8, 40);
		b[40] = IPPROTO_FRAGMENT;
		b[41] = 0;
		memset(b + 42, 0, 6);
		b[42] = 1, b[43] = 4; /* PadN of 4 */
		b[6] = IPPROTO_DSTOPTS;
		b[5] += 8;
		rc = reasm_add(&r, b, n + 8, 0, 1, 1, &o);
	}
	TAP_CHECK(rc == 1 && o.len == 48 + 2000 && o.pkt[6] == IPPROTO_DSTOPTS &&
			  o.pkt[40] == IPPROTO_ESP && (o.pkt[4] << 8 | o.pkt[5]) == 8 + 2000 &&
			  o.pkt[48] == payload_byte(0, 77) &&
			  o.pkt[48 + 1999] == payload_byte(1999, 77),
		  "reasm IPv6: the unfragmentable part is kept, its last next header names ESP");
	reasm_fini(&r);
}

/* Fragments from ip_fragment(), kept for the checks and the reassembler. */
struct frags {
	int n, bad;
	size_t mtu;
	uint8_t pkt[64][1600];
	size_t len[64];
};

static int collect(void *ctx, const uint8_t *f, size_t len)
{
	struct frags *fs = ctx;

	if (fs->n == 64 || len > fs->mtu || len > sizeof(fs->pkt[0]))
		return fs->bad = -ENOSPC;
	memcpy(fs->pkt[fs->n], f, len);
	fs->len[fs->n++] = len;
	return 0;
}

static void test_fragment(int family, size_t total, size_t mtu)
{
	static uint8_t pkt[70000], scratch[2048];
	static struct frags fs;
	size_t hl = family == 4 ? 20 : 40;
	struct reasm_out o = {};
	int rc, ok = 1, done = 0;

	/* The packet ESP out would send: a plain header, ESP bytes behind it. */
	mkfrag(pkt, family, 2, 5, 0, total, 0, 0);
	if (family == 4) {
		pkt[6] = 0x40; /* DF, as esp_frame_build writes it */
		pkt[7] = 0;
	} else {
		memmove(pkt + 40, pkt + 48, total);
		pkt[4] = (uint8_t)(total >> 8);
		pkt[5] = (uint8_t)total;
		pkt[6] = IPPROTO_ESP;
	}
	memset(&fs, 0, sizeof(fs));
	fs.mtu = mtu;
	rc = ip_fragment(pkt, hl + total, mtu, 0x1234abcd, scratch, collect, &fs);
	for (int i = 0; i < fs.n; i++) {
		const uint8_t *f = fs.pkt[i];

		if (family == 4)
			ok &= !(f[6] & 0x40) && (f[4] << 8 | f[5]) == 0xabcd;
		else
			ok &= f[6] == IPPROTO_FRAGMENT && f[40] == IPPROTO_ESP &&
			      (f[44] << 24 | f[45] << 16 | f[46] << 8 | f[47]) == 0x1234abcd;
	}
	TAP_CHECK(!rc &&
			  fs.n == (int)((total + (mtu - hl - (family == 6 ? 8 : 0)) / 8 * 8 - 1) /
					((mtu - hl - (family == 6 ? 8 : 0)) / 8 * 8)) &&
			  ok,
		  "fragment IPv%d: %zu bytes at MTU %zu: %d fragments within the MTU, DF clear, "
		  "one id",
		  family, total, mtu, fs.n);
	reasm_init(&r);
	for (int i = fs.n - 1; i >= 0; i--)
		done += reasm_add(&r, fs.pkt[i], fs.len[i], 0, 0, 0, &o) == 1;
	TAP_CHECK(done == 1 && whole(&o, family, 5, total),
		  "fragment IPv%d: reassembled (last fragment first) into the same packet", family);
	reasm_fini(&r);
}

static int count_one(void *ctx, const uint8_t *f, size_t len)
{
	(*(int *)ctx)++;
	return 0;
}

int main(void)
{
	uint8_t small[100], scratch[2048];
	int n = 0;

	run_rows(4);
	run_rows(6);
	test_limits(4);
	test_limits(6);
	test_v6_unfragmentable();
	test_fragment(4, 3000, 1500);
	test_fragment(6, 3000, 1500);
	test_fragment(4, 20000, 1500);
	test_fragment(6, 20000, 1280);
	mkfrag(small, 4, 2, 1, 0, 60, 0, 0);
	small[6] = small[7] = 0;
	TAP_CHECK(!ip_fragment(small, 80, 1500, 1, scratch, count_one, &n) && n == 1,
		  "fragment: a packet within the MTU goes whole");
	TAP_CHECK(ip_fragment(small, 80, 40, 1, scratch, count_one, &n) == -EINVAL,
		  "fragment: an IPv4 MTU below 68 is refused");
	printf("# %d passed, %d failed\n", tap_passed, tap_failed);
	return tap_failed ? 1 : 0;
}
