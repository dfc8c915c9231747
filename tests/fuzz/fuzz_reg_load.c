// SPDX-License-Identifier: GPL-2.0
/*
 * reg_load() on arbitrary bytes: the saved registration table is read back
 * from disk at pcscfd start, so it is parsed as untrusted input.
 * Invariants (abort on violation):
 *   - a refused image leaves the table empty and calls no ops;
 *   - an accepted image saves to an image that loads and saves identically;
 *   - destroying the loaded table removes exactly the SAs it restored;
 *   - every loaded deadline is queued: ticking at the end of time empties it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reg/reg.h"

static long restored, removed, ops_other;
static uint32_t rnd_state = 0x1000;

static int f_install(void *c, struct reg_sa_set *s, enum reg_sa_which w, const uint8_t ck[16],
		     const uint8_t ik[16])
{
	ops_other++;
	return 0;
}
static int f_update(void *c, const struct reg_sa_set *s, enum reg_sa_which w)
{
	ops_other++;
	return 0;
}
static void f_remove(void *c, struct reg_sa_set *s, enum reg_sa_which w)
{
	removed++;
}
static uint32_t f_rnd(void *c)
{
	return rnd_state++;
}
static int f_restore(void *c, struct reg_sa_set *s, enum reg_sa_which w)
{
	restored++;
	return 0;
}
static const struct reg_ops ops = {f_install, f_update, f_remove, f_rnd, f_restore};
static const struct reg_config cfg = {.max_regs = 8, .port_ps = 5100, .pc_lo = 5101, .pc_hi = 5105};
static uint8_t img1[65536], img2[65536];

static void check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reg_table *t, *u;
	ssize_t n1, n2;

	restored = removed = ops_other = 0;
	check(reg_table_init(&t, &cfg, &ops, NULL) == 0);
	if (reg_load(t, data, size, 1000)) {
		check(reg_count(t) == 0 && reg_set_count(t) == 0);
		check(!restored && !removed && !ops_other);
		reg_table_destroy(t);
		return 0;
	}
	n1 = reg_save(t, 1000, img1, sizeof(img1));
	check(n1 > 0 && (size_t)n1 == reg_save_size(t));
	check(reg_table_init(&u, &cfg, &ops, NULL) == 0);
	check(reg_load(u, img1, n1, 1000) == 0);
	n2 = reg_save(u, 1000, img2, sizeof(img2));
	check(n2 == n1 && !memcmp(img1, img2, n1));
	reg_table_destroy(u);
	/* the loaded deadlines are all queued: the end of time expires every SA, once */
	for (n1 = 0; n1 < 4 && reg_tick(t, UINT64_MAX - 1) != REG_NO_DEADLINE; n1++)
		;
	check(reg_count(t) == 0 && reg_set_count(t) == 0 && reg_pending_count(t) == 0);
	reg_table_destroy(t);
	check(removed == restored && !ops_other);
	return 0;
}
