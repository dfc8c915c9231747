// SPDX-License-Identifier: GPL-2.0
/*
 * Memory of the registration table (issue 8: at most 4 KiB of pcscfd memory
 * per registered UE): the record stays small, a registration's strings cost
 * what they hold, the pending REGISTER's strings go at its 200, nothing is
 * left behind when registrations go, and an empty table sized for a million
 * registrations is not resident.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "reg/reg.h"
#include "reg_populate.h"
#include "tap.h"

#define RECORD_BUDGET	 256  /* sizeof(struct reg) */
#define STRINGS_BUDGET	 640  /* string bytes of a typical registered UE */
#define RSS_BUDGET	 4096 /* resident bytes per registered UE, table included */
#define EMPTY_RSS_BUDGET (16u << 20)

static struct reg_config config(uint32_t max_regs)
{
	return (struct reg_config){.max_regs = max_regs, .port_ps = 5100, .pc_lo = 5101, .pc_hi = 5105};
}

static void test_record_size(void)
{
	TAP_CHECK(sizeof(struct reg) <= RECORD_BUDGET, "struct reg is %zu bytes (budget %d)",
		  sizeof(struct reg), RECORD_BUDGET);
}

static void test_strings_per_registration(void)
{
	struct reg_config cfg = config(1000);
	struct reg_table *t;
	uint32_t seed = 1, i;
	struct reg_mem m;
	const struct reg *r;
	char impi[64];
	int err = 0;

	if (reg_table_init(&t, &cfg, &pop_ops, &seed)) {
		TAP_CHECK(0, "init");
		return;
	}
	for (i = 0; i < 1000 && !err; i++)
		err = pop_register(t, i, 1000);
	reg_mem_usage(t, &m);
	TAP_CHECK(!err && reg_count(t) == 1000, "1000 registrations (%d)", err);
	TAP_CHECK(m.strings_held / 1000 <= STRINGS_BUDGET,
		  "strings: %zu bytes per registration (budget %d), %zu reserved",
		  m.strings_held / 1000, STRINGS_BUDGET, m.strings_reserved);
	pop_impi(impi, sizeof(impi), 7);
	r = reg_find(t, impi);
	TAP_CHECK(r && !strcmp(r->impi, impi) && r->n_impus == 2 && !strncmp(r->impu[1], "tel:", 4) &&
			  r->n_routes == 1 && strstr(r->contact, "mmtel") && !*r->impu[2] &&
			  !*r->route[1],
		  "a registration reads back its strings");
	TAP_CHECK(r && !*r->call_id && !*r->sec_client && !*r->sec_server,
		  "the pending REGISTER's strings went with its temporary set");
	for (i = 0; i < 1000; i++) {
		pop_impi(impi, sizeof(impi), i);
		reg_on_200_register(t, impi, 0, NULL, 0, NULL, 0, NULL, 2000);
		reg_on_dereg_response_sent(t, impi, 2000);
	}
	reg_mem_usage(t, &m);
	TAP_CHECK(!reg_count(t) && !m.strings_held, "all de-registered: %zu string bytes held",
		  m.strings_held);
	/* Churn reuses chunks: a second population needs no new slab. */
	{
		size_t before = m.strings_reserved;

		for (i = 0; i < 1000 && !err; i++)
			err = pop_register(t, 5000 + i, 3000);
		reg_mem_usage(t, &m);
		TAP_CHECK(!err && m.strings_reserved == before,
			  "re-population reuses the freed chunks (%zu -> %zu reserved)", before,
			  m.strings_reserved);
	}
	reg_table_destroy(t);
}

/* The strings of a failed 401 (table full) leave nothing behind. */
static void test_full_table_leaves_nothing(void)
{
	struct reg_config cfg = config(2);
	struct reg_table *t;
	uint32_t seed = 3;
	struct reg_mem m;

	if (reg_table_init(&t, &cfg, &pop_ops, &seed)) {
		TAP_CHECK(0, "init");
		return;
	}
	pop_register(t, 0, 1000);
	pop_register(t, 1, 1000);
	reg_mem_usage(t, &m);
	{
		size_t held = m.strings_held;
		int err = pop_register(t, 2, 1000);

		reg_mem_usage(t, &m);
		TAP_CHECK(err == -ENOSPC && m.strings_held == held,
			  "a full table refuses (%d) and holds no new string (%zu -> %zu)", err, held,
			  m.strings_held);
	}
	reg_table_destroy(t);
}

static void test_empty_table_not_resident(void)
{
	struct reg_config cfg = config(1000000);
	struct reg_table *t;
	uint32_t seed = 5;
	size_t before = pop_rss(), grew;
	int err;

	err = reg_table_init(&t, &cfg, &pop_ops, &seed);
	grew = pop_rss() - before;
	TAP_CHECK(!err && grew <= EMPTY_RSS_BUDGET,
		  "an empty table for 1M registrations is %zu KiB resident (budget %u KiB)",
		  grew >> 10, EMPTY_RSS_BUDGET >> 10);
	if (!err)
		reg_table_destroy(t);
}

static void test_resident_per_registration(void)
{
	const uint32_t n = 20000;
	struct reg_config cfg = config(n);
	struct reg_table *t = NULL;
	uint32_t seed = 7, i;
	size_t before = pop_rss(), per;
	int err;

	err = reg_table_init(&t, &cfg, &pop_ops, &seed);
	for (i = 0; i < n && !err; i++)
		err = pop_register(t, i, 1000);
	per = (pop_rss() - before) / n;
	TAP_CHECK(!err && per <= RSS_BUDGET,
		  "%u registrations: %zu resident bytes each (budget %d)", n, per, RSS_BUDGET);
	if (t)
		reg_table_destroy(t);
}

int main(void)
{
	test_record_size();
	test_strings_per_registration();
	test_full_table_leaves_nothing();
	test_empty_table_not_resident();
	test_resident_per_registration();
	return tap_done();
}
