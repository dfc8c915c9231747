// SPDX-License-Identifier: GPL-2.0
/*
 * The P-CSCF dialog table (proxy/dialog.h): a table of key cases, the
 * direction in the key (a call between two UEs of ours), slot reuse
 * with generations (an old handle never names the new dialog), the
 * per-registration lists, lookups that stay O(1) with the table full, and
 * the dialog timer's FIFO queues (dialog_timer.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "tap.h"
#include "proxy/dialog.h"

static char long_id[DLG_CALLID_MAX + 8];

static void key_cases(void)
{
	struct dlg_table t;
	static const struct {
		const char *what, *call_id, *tag;
		bool created;
	} c[] = {
		{"a new dialog", "c1@ue", "t1", true},
		{"same Call-ID, other UE tag (a second dialog)", "c1@ue", "t2", true},
		{"the same key again: refused", "c1@ue", "t1", false},
		{"Call-ID differing in one byte", "c1@uf", "t1", true},
		{"no tag: refused", "c3@ue", "", false},
		{"NULL Call-ID: refused", NULL, "t1", false},
		{"Call-ID too long: refused", long_id, "t1", false},
		{"Call-ID+tag splits differ (\"c\"+\"1t\")", "c", "1t", true},
	};

	memset(long_id, 'x', sizeof(long_id) - 1);
	TAP_CHECK(!dlg_table_init(&t, 16, 4), "table of 16 dialogs");
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct dlg *d = dlg_new(&t, c[i].call_id, c[i].tag, 1, 7);

		TAP_CHECK(!!d == c[i].created, "%-48s %s", c[i].what, d ? "created" : "refused");
		if (d)
			TAP_CHECK(dlg_find(&t, c[i].call_id, c[i].tag) == d,
				  "  ... and found by its key");
	}
	TAP_CHECK(!dlg_find(&t, "c1@ue", "t3"), "unknown tag: not found");
	TAP_CHECK(!dlg_find(&t, "c1", "@uet1"), "the key is not a plain concatenation");
	dlg_table_fini(&t);
	TAP_CHECK(dlg_table_init(&t, 0, 4) == -EINVAL, "0 dialogs: -EINVAL");
}

/* Keyed by Call-ID + the caller's tag + direction: both legs of one call can live here. */
static void dir_cases(void)
{
	struct dlg_table t;
	static const struct {
		const char *what, *call_id, *tag;
		enum dlg_dir dir;
		bool created;
	} c[] = {
		{"originating: the UE calls (its tag)", "hp@a", "a-tag", DLG_ORIG, true},
		{"terminating leg of the same call (a UE of ours)", "hp@a", "a-tag", DLG_TERM,
		 true},
		{"the terminating key again: refused", "hp@a", "a-tag", DLG_TERM, false},
		{"terminating: the far end's tag", "t@core", "far-tag", DLG_TERM, true},
		{"originating, that tag: another dialog", "t@core", "far-tag", DLG_ORIG, true},
	};
	struct dlg *d[5];

	TAP_CHECK(!dlg_table_init(&t, 16, 4), "table of 16 dialogs");
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		d[i] = dlg_new_dir(&t, c[i].call_id, c[i].tag, c[i].dir, 1, 7);
		TAP_CHECK(!!d[i] == c[i].created, "%-48s %s", c[i].what,
			  d[i] ? "created" : "refused");
		if (d[i])
			TAP_CHECK(dlg_find_dir(&t, c[i].call_id, c[i].tag, c[i].dir) == d[i] &&
					  d[i]->dir == c[i].dir &&
					  !strcmp(dlg_caller_tag(d[i]), c[i].tag),
				  "  ... found by its key, in its direction, the tag as the "
				  "caller's");
	}
	TAP_CHECK(d[0] != d[1] && dlg_find(&t, "hp@a", "a-tag") == d[0],
		  "dlg_find is the originating lookup");
	TAP_CHECK(!strcmp(d[1]->far_tag, "a-tag") && !d[1]->ue_tag[0] &&
			  !strcmp(d[0]->ue_tag, "a-tag") && !d[0]->far_tag[0],
		  "the caller's tag stored as far_tag (terminating), ue_tag (originating)");
	dlg_free(&t, d[1]);
	TAP_CHECK(!dlg_find_dir(&t, "hp@a", "a-tag", DLG_TERM) &&
			  dlg_find(&t, "hp@a", "a-tag") == d[0],
		  "one leg freed, the other still found");
	dlg_table_fini(&t);
}

static void reuse(void)
{
	struct dlg_table t;
	struct dlg *a, *b;
	dlg_handle ha;
	int n = 0;

	dlg_table_init(&t, 2, 4);
	a = dlg_new(&t, "x", "1", 0, 1);
	b = dlg_new(&t, "y", "1", 0, 1);
	TAP_CHECK(a && b && !dlg_new(&t, "z", "1", 0, 1), "full: the third is refused");
	ha = dlg_handle_of(&t, a);
	TAP_CHECK(dlg_by_handle(&t, ha) == a, "the handle names its dialog");
	snprintf(a->offer, sizeof(a->offer), "v=0");
	dlg_free(&t, a);
	TAP_CHECK(!dlg_by_handle(&t, ha) && !dlg_find(&t, "x", "1"), "freed: handle and key dead");
	TAP_CHECK(!a->offer[0], "freed: the SDP is wiped");
	a = dlg_new(&t, "z", "1", 2, 1);
	TAP_CHECK(a && dlg_handle_of(&t, a) >> 32 == ha >> 32 && dlg_handle_of(&t, a) != ha &&
			  !dlg_by_handle(&t, ha),
		  "slot reused with a new generation: the old handle stays dead");
	dlg_free(&t, a);
	dlg_free(&t, a); /* twice: nothing */
	TAP_CHECK(t.live == 1, "double free is harmless (live %u)", t.live);
	for (struct dlg *d = dlg_first_of_reg(&t, 0); d; d = dlg_next_of_reg(&t, d))
		n++;
	TAP_CHECK(n == 1 && !dlg_first_of_reg(&t, 2), "registration lists follow frees (%d)", n);
	dlg_table_fini(&t);
}

static void reg_lists(void)
{
	struct dlg_table t;
	char id[32];
	int n0 = 0, n1 = 0;

	dlg_table_init(&t, 64, 3);
	for (int i = 0; i < 30; i++) {
		snprintf(id, sizeof(id), "call-%d", i);
		dlg_new(&t, id, "tag", i % 3 == 0 ? 0 : 1, 1);
	}
	/* end registration 0: walk its list, freeing as we go (what dlg_rx does) */
	for (struct dlg *d = dlg_first_of_reg(&t, 0), *nx; d; d = nx) {
		nx = dlg_next_of_reg(&t, d);
		dlg_free(&t, d);
		n0++;
	}
	for (struct dlg *d = dlg_first_of_reg(&t, 1); d; d = dlg_next_of_reg(&t, d))
		n1++;
	TAP_CHECK(n0 == 10 && n1 == 20 && t.live == 20 && !dlg_first_of_reg(&t, 0),
		  "a registration's 10 dialogs ended, the other's 20 kept");
	TAP_CHECK(!dlg_new(&t, "r", "t", 3, 1), "registration index out of range: refused");
	dlg_table_fini(&t);
}

static void o1(void)
{
	enum { N = 100000, R = 200000 };
	struct dlg_table t;
	char id[48];
	int miss = 0;
	double avg;

	dlg_table_init(&t, N, 1000);
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "probe-%d@10.0.0.1", i);
		if (!dlg_new(&t, id, "ue-tag", i % 1000, 1))
			miss++;
	}
	TAP_CHECK(!miss && t.live == N && !dlg_new(&t, "one-more", "t", 0, 1),
		  "%d dialogs: table full", N);
	t.probes = 0;
	for (int i = 0; i < R; i++) {
		snprintf(id, sizeof(id), "probe-%d@10.0.0.1", (i * 7919) % N);
		miss += !dlg_find(&t, id, "ue-tag");
	}
	avg = (double)t.probes / R;
	tap_diag("%d lookups among %d dialogs: %.2f chain entries each", R, N, avg);
	TAP_CHECK(!miss && avg < 2.5, "lookups O(1): every one found, %.2f entries looked at", avg);
	dlg_table_fini(&t);
}

static void rx_index(void)
{
	struct dlg_table t;
	struct dlg *a, *b;

	dlg_table_init(&t, 8, 2);
	a = dlg_new(&t, "a", "1", 0, 1);
	b = dlg_new(&t, "b", "1", 0, 1);
	dlg_set_rx(&t, a, 5ull << 32 | 9);
	dlg_set_rx(&t, b, 13ull << 32 | 10); /* same bucket as a in a table of 8 */
	TAP_CHECK(dlg_by_rx(&t, 5ull << 32 | 9) == a && dlg_by_rx(&t, 13ull << 32 | 10) == b,
		  "Rx handle -> dialog");
	TAP_CHECK(!dlg_by_rx(&t, 5ull << 32 | 8) && !dlg_by_rx(&t, 0), "other generation, 0: none");
	dlg_set_rx(&t, a, 0);
	TAP_CHECK(!dlg_by_rx(&t, 5ull << 32 | 9) && dlg_by_rx(&t, 13ull << 32 | 10) == b,
		  "unset: gone from the index, the other kept");
	dlg_set_rx(&t, a, 7ull << 32 | 1);
	dlg_free(&t, a);
	TAP_CHECK(!dlg_by_rx(&t, 7ull << 32 | 1), "freed: its Rx handle no longer finds it");
	dlg_table_fini(&t);
}

/*
 * The timer queues, as a table of scripts over dialogs a..e: "a1@100" arms a
 * on queue 1 (SETUP; 2 ANSWER, 3 NOW) due at 100, "-a" stops it, "xa" frees
 * it, "@40=ca" pops what is due at 40 and wants c then a, "?50" wants the
 * next deadline 50 ("?-" none).
 */
static void timer_cases(void)
{
	static const struct {
		const char *what, *script;
	} c[] = {
		{"nothing due before the earliest head; heads of both queues in deadline order",
		 "a1@100 b1@200 c2@50 @40= ?50 @100=ca ?200"},
		{"armed earlier than its queue's tail: raised to the tail (the queue stays "
		 "ordered)",
		 "a1@200 d1@150 @199= ?200 @200=ad ?-"},
		{"re-armed on another queue: off the first; a stopped one never fires",
		 "a1@300 b1@310 a2@305 -b @400=a ?-"},
		{"freed: off its queue", "e1@500 xe @600= ?-"},
		{"stopped in the middle, at the head, at the tail: the rest keeps its order",
		 "a1@10 b1@20 c1@30 d1@40 -b @10=a -c ?40 -d ?- "},
		{"re-armed on the same queue: it goes to the tail", "a1@10 b1@20 a1@30 @30=ba"},
		{"the NOW queue next to the others, by deadline", "a1@5 b3@7 c2@6 @10=acb"},
		{"stop and free of a dialog on no queue: nothing", "-a xb ?-"},
	};
	struct dlg_table t;
	struct dlg *dl[5];
	char id[4], got[16];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *s = c[i].script;
		bool ok = true;

		dlg_table_init(&t, 8, 1);
		for (int k = 0; k < 5; k++) {
			snprintf(id, sizeof(id), "%c", 'a' + k);
			dl[k] = dlg_new(&t, id, "t", 0, 1);
		}
		while (*s && ok) {
			uint64_t next, at;
			int n = 0, used = 0;
			struct dlg *d;

			if (*s == ' ') {
				s++;
			} else if (*s == '@') {
				sscanf(s, "@%lu=%n", &at, &used);
				s += used;
				while ((d = dlg_timer_due(&t, at, &next))) {
					got[n++] = 'a' + (d - t.d);
					dlg_timer_stop(&t, d);
				}
				got[n] = 0;
				ok = !strncmp(s, got, n) && (s[n] == ' ' || !s[n]);
				if (!ok)
					tap_diag("  at %lu popped '%s', wanted '%s'", at, got, s);
				s += n;
			} else if (*s == '?') {
				dlg_timer_due(&t, 0, &next);
				if (s[1] == '-')
					ok = next == UINT64_MAX, s += 2;
				else
					sscanf(s, "?%lu%n", &at, &used), ok = next == at, s += used;
				if (!ok)
					tap_diag("  next deadline %lu", next);
			} else if (*s == '-') {
				dlg_timer_stop(&t, dl[s[1] - 'a']);
				s += 2;
			} else if (*s == 'x') {
				dlg_free(&t, dl[s[1] - 'a']);
				s += 2;
			} else {
				sscanf(s + 1, "%d@%lu%n", &n, &at, &used);
				dlg_timer_arm(&t, dl[s[0] - 'a'], n, at);
				s += 1 + used;
			}
		}
		TAP_CHECK(ok, "timer: %s", c[i].what);
		dlg_table_fini(&t);
	}
}

/* A tick's work is the dialogs due, not the dialogs queued. */
static void timer_o1(void)
{
	enum { N = 100000 };
	struct dlg_table t;
	uint64_t next;
	char id[32];
	int fired = 0, left = 0;
	struct dlg *d;

	dlg_table_init(&t, N, 1);
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "timed-%d", i);
		d = dlg_new(&t, id, "t", 0, 1);
		dlg_timer_arm(&t, d, i % 2 ? DLG_TQ_SETUP : DLG_TQ_ANSWER, 1000 + i);
	}
	while ((d = dlg_timer_due(&t, 1009, &next))) {
		fired++;
		dlg_free(&t, d);
	}
	for (int q = DLG_TQ_SETUP; q <= DLG_TQ_ANSWER; q++)
		for (uint32_t i = t.tq_head[q]; i != DLG_NONE; i = t.d[i].tnext)
			left++;
	TAP_CHECK(fired == 10 && left == N - 10 && next == 1010,
		  "timer: %d queued, the 10 due fire (%d), %d left, next at %lu", N, fired, left,
		  next);
	dlg_table_fini(&t);
}

int main(void)
{
	timer_cases();
	timer_o1();
	rx_index();
	key_cases();
	dir_cases();
	reuse();
	reg_lists();
	o1();
	return tap_failed ? 1 : 0;
}
