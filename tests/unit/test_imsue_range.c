// SPDX-License-Identifier: GPL-2.0
/*
 * imsue at scale: the --ue-prefix arithmetic (UE index <-> address), its
 * validation, the SPI arithmetic that names a UE from an inbound SPI, and
 * the timer heap that hands the loop only the UEs that are due. imsue is not
 * in libpcscf.a, so its sources are included.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "imsue/ue_range.c"
#include "imsue/ue_spi.h"
#include "imsue/ue_timer.c"
#include "tap.h"

static const struct {
	const char *in;
	int rc;
	uint32_t size;	     /* usable UE addresses */
	const char *first;   /* UE 0 */
	const char *last;    /* UE size-1 */
	const char *why_has; /* part of the error text */
} parse_table[] = {
	{"10.64.0.0/10", 0, (1u << 22) - 2, "10.64.0.1", "10.127.255.254", NULL},
	{"192.0.2.0/24", 0, 254, "192.0.2.1", "192.0.2.254", NULL},
	{"192.0.2.0/30", 0, 2, "192.0.2.1", "192.0.2.2", NULL},
	{"10.0.0.0/8", 0, (1u << 24) - 2, "10.0.0.1", "10.255.255.254", NULL},
	{"0.0.0.0/0", 0, UE_RANGE_MAX, "0.0.0.1", NULL, NULL},
	{"2001:db8:100::/64", 0, UE_RANGE_MAX, "2001:db8:100::1", "2001:db8:100::400:0", NULL},
	{"2001:db8:100::/120", 0, 255, "2001:db8:100::1", "2001:db8:100::ff", NULL},
	{"2001:db8:100::/127", 0, 1, "2001:db8:100::1", "2001:db8:100::1", NULL},
	{"2001:db8::/48", 0, UE_RANGE_MAX, "2001:db8::1", NULL, NULL},
	{"192.0.2.0/31", -EINVAL, 0, NULL, NULL, "no usable address"},
	{"192.0.2.1/32", -EINVAL, 0, NULL, NULL, "no usable address"},
	{"2001:db8::/128", -EINVAL, 0, NULL, NULL, "no usable address"},
	{"10.64.0.5/10", -EINVAL, 0, NULL, NULL, "host bits set"},
	{"2001:db8:100::1/64", -EINVAL, 0, NULL, NULL, "host bits set"},
	{"10.64.0.0", -EINVAL, 0, NULL, NULL, "prefix length"},
	{"10.64.0.0/", -EINVAL, 0, NULL, NULL, "0..32"},
	{"10.64.0.0/33", -EINVAL, 0, NULL, NULL, "0..32"},
	{"10.64.0.0/-1", -EINVAL, 0, NULL, NULL, "0..32"},
	{"10.64.0.0/1x", -EINVAL, 0, NULL, NULL, "0..32"},
	{"2001:db8::/129", -EINVAL, 0, NULL, NULL, "0..128"},
	{"10.64.0/10", -EINVAL, 0, NULL, NULL, "bad address"},
	{"/10", -EINVAL, 0, NULL, NULL, "bad address"},
	{"ue.example/10", -EINVAL, 0, NULL, NULL, "bad address"},
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof(parse_table) / sizeof(parse_table[0]); i++) {
		const char *why = NULL;
		struct ue_range r;
		struct pcscf_addr a;
		char buf[ADDR_STR_LEN];
		int rc = ue_range_parse(parse_table[i].in, &r, &why);

		if (parse_table[i].rc) {
			TAP_CHECK(rc == parse_table[i].rc && why &&
					  strstr(why, parse_table[i].why_has),
				  "%s refused: %s", parse_table[i].in, why ? why : "(no reason)");
			continue;
		}
		TAP_CHECK(!rc && r.size == parse_table[i].size, "%s: %u UE addresses (got %u)",
			  parse_table[i].in, parse_table[i].size, rc ? 0 : r.size);
		TAP_CHECK(!ue_range_addr(&r, 0, &a) &&
				  !strcmp(addr_str(&a, buf, sizeof(buf)), parse_table[i].first),
			  "%s: UE 0 at %s (got %s)", parse_table[i].in, parse_table[i].first, buf);
		if (parse_table[i].last)
			TAP_CHECK(!ue_range_addr(&r, r.size - 1, &a) &&
					  !strcmp(addr_str(&a, buf, sizeof(buf)),
						  parse_table[i].last),
				  "%s: last UE at %s (got %s)", parse_table[i].in,
				  parse_table[i].last, buf);
		TAP_CHECK(ue_range_addr(&r, r.size, &a) == -ERANGE, "%s: UE %u is past the range",
			  parse_table[i].in, r.size);
	}
}

/* Address -> index: the inverse of index -> address, and nothing else maps. */
static const struct {
	const char *range, *addr;
	int rc;
	uint32_t idx;
} index_table[] = {
	{"10.64.0.0/10", "10.64.0.1", 0, 0},
	{"10.64.0.0/10", "10.64.1.0", 0, 255},
	{"10.64.0.0/10", "10.127.255.254", 0, (1u << 22) - 3},
	{"10.64.0.0/10", "10.64.0.0", -ENOENT, 0},	/* the network address */
	{"10.64.0.0/10", "10.127.255.255", -ENOENT, 0}, /* broadcast */
	{"10.64.0.0/10", "10.128.0.1", -ENOENT, 0},
	{"10.64.0.0/10", "10.63.255.255", -ENOENT, 0},
	{"10.64.0.0/10", "192.0.2.2", -ENOENT, 0},
	{"10.64.0.0/10", "::ffff:10.64.0.1", 0, 0}, /* the same address v4-mapped */
	{"10.64.0.0/10", "2001:db8:100::1", -ENOENT, 0},
	{"2001:db8:100::/64", "2001:db8:100::1", 0, 0},
	{"2001:db8:100::/64", "2001:db8:100::1:0", 0, 65535},
	{"2001:db8:100::/64", "2001:db8:100::", -ENOENT, 0},	  /* Subnet-Router anycast */
	{"2001:db8:100::/64", "2001:db8:100::400:1", -ENOENT, 0}, /* past UE_RANGE_MAX */
	{"2001:db8:100::/64", "2001:db8:101::1", -ENOENT, 0},
	{"2001:db8:100::/64", "10.64.0.1", -ENOENT, 0},
	{"2001:db8:100::/120", "2001:db8:100::100", -ENOENT, 0},
};

static void test_index(void)
{
	for (size_t i = 0; i < sizeof(index_table) / sizeof(index_table[0]); i++) {
		const char *why;
		struct ue_range r;
		struct pcscf_addr a;
		uint32_t idx = 12345;
		int rc;

		ue_range_parse(index_table[i].range, &r, &why);
		addr_parse(index_table[i].addr, &a);
		rc = ue_range_index(&r, &a, &idx);
		TAP_CHECK(rc == index_table[i].rc && (rc || idx == index_table[i].idx),
			  "%s in %s: %s %u (got rc %d, %u)", index_table[i].addr,
			  index_table[i].range, index_table[i].rc ? "not a UE" : "UE",
			  index_table[i].idx, rc, idx);
	}
}

/* Every index of a small range round-trips; a large one at spot checks. */
static void test_roundtrip(void)
{
	const char *ranges[] = {"192.0.2.0/24", "2001:db8:100::/112", "10.64.0.0/10"};

	for (size_t k = 0; k < 3; k++) {
		const char *why;
		struct ue_range r;
		unsigned int bad = 0, step;

		ue_range_parse(ranges[k], &r, &why);
		step = r.size > 100000 ? 4099 : 1;
		for (uint32_t i = 0; i < r.size; i += step) {
			struct pcscf_addr a;
			uint32_t back;

			if (ue_range_addr(&r, i, &a) || ue_range_index(&r, &a, &back) || back != i)
				bad++;
		}
		TAP_CHECK(!bad, "%s: index -> address -> index round trip (%u bad)", ranges[k],
			  bad);
	}
}

static void test_spi(void)
{
	const uint32_t n = 1000000;
	const uint32_t rnd[] = {0, 1, 0xffffffffu, 0x80000000u};
	unsigned int bad = 0;

	for (size_t k = 0; k < 4; k++) {
		uint32_t base = ue_spi_base(rnd[k], n), idx;

		TAP_CHECK(base >= 256 && (uint64_t)base + (uint64_t)n * UE_SPI_PER_UE <= 1ull << 32,
			  "SPI base for random 0x%08x: every SPI of %u UEs in 256..2^32-1", rnd[k],
			  n);
		TAP_CHECK(!ue_spi_owner(base, n, base - 1, &idx) &&
				  !ue_spi_owner(base, n, base + n * UE_SPI_PER_UE, &idx),
			  "SPIs just outside the block are nobody's (base 0x%08x)", base);
	}
	for (uint32_t i = 0; i < n; i += 997) {
		uint32_t base = ue_spi_base(12345, n), idx;

		for (unsigned int slot = 0; slot < UE_SPI_SLOTS; slot++) {
			uint32_t uc = ue_spi(base, i, slot, false),
				 us = ue_spi(base, i, slot, true);

			if (uc == us || !ue_spi_owner(base, n, uc, &idx) || idx != i ||
			    !ue_spi_owner(base, n, us, &idx) || idx != i)
				bad++;
		}
	}
	TAP_CHECK(!bad, "spi_uc/spi_us of every slot name their UE (%u bad)", bad);
	TAP_CHECK(ue_spi(1000, 3, 0, false) != ue_spi(1000, 3, 1, false) &&
			  ue_spi(1000, 3, 3, true) + 1 == ue_spi(1000, 4, 0, false),
		  "slots are distinct and UEs' blocks adjacent, not overlapping");
	TAP_CHECK(ue_spi_base(0, (uint32_t)(((1ull << 32) - 256) / UE_SPI_PER_UE)) == 256,
		  "the largest UE count leaves no room: base 256");
}

static void test_timer(void)
{
	struct ue_timers q = {0};
	struct ue_timer_ent e;
	uint64_t last = 0;
	unsigned int n = 0, bad = 0;

	TAP_CHECK(ue_timer_next(&q) == UINT64_MAX && !ue_timer_pop_due(&q, 1000, &e),
		  "empty heap: nothing due");
	srandom(7);
	for (uint32_t i = 0; i < 50000; i++)
		if (ue_timer_push(&q, 1 + (uint64_t)(random() % 100000), i))
			bad++;
	TAP_CHECK(!bad && q.n == 50000, "50000 entries pushed");
	TAP_CHECK(!ue_timer_pop_due(&q, ue_timer_next(&q) - 1, &e),
		  "nothing due before the earliest time");
	while (ue_timer_pop_due(&q, 50000, &e)) {
		if (e.t < last || e.t > 50000)
			bad++;
		last = e.t;
		n++;
	}
	TAP_CHECK(!bad && ue_timer_next(&q) > 50000, "popped in time order up to now (%u)", n);
	while (ue_timer_pop_due(&q, UINT64_MAX, &e)) {
		if (e.t < last)
			bad++;
		last = e.t;
		n++;
	}
	TAP_CHECK(!bad && n == 50000 && !q.n, "all 50000 in order, heap empty");
	ue_timer_free(&q);
}

int main(void)
{
	test_parse();
	test_index();
	test_roundtrip();
	test_spi();
	test_timer();
	return tap_done();
}
