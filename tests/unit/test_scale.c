// SPDX-License-Identifier: GPL-2.0
/*
 * Scale (issue 8): the sizes --max-regs asks for (sa_sizing.h), our SPIs
 * with a node id on top, the census kept on every transition against a
 * count by walking the table (a random event sequence), and the filters of
 * sa list / reg list through proxy_ctl.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "reg_fake_ops.h"
#include "common/sa_sizing.h"
#include "proxy/proxy.h"

static uint64_t xs = 0x9e3779b97f4a7c15ull;

static uint32_t xrand(void *ctx)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	return (uint32_t)xs;
}

static const struct reg_ops rand_ops = {install, update, sa_remove, xrand, NULL};

static void sizing(void)
{
	TAP_CHECK(reg_sets_for(10000) == 40000 && sa_map_entries(10000) == 80256 &&
			  sa_slot_count(10000) == 160000,
		  "10,000 registrations: 40,000 sets (T, superseded, N, O), 80,256 map entries "
		  "(256 for SPIs 0-255, then 2 inbound per set), 160,000 slots");
	TAP_CHECK(sa_map_entries(1000000) == 8000256 &&
			  sa_map_entries(1000000) <= SA_MAP_MAX_ENTRIES,
		  "1,000,000 registrations: 8,000,256 map entries, within the map we create");
	TAP_CHECK(spi_space(0, 0) == (1ull << 32) - 256 && spi_space(8, 3) == 1u << 24 &&
			  spi_space(8, 0) == (1u << 24) - 256,
		  "SPI space: 2^32 - 256 for one node, 2^24 per node with 8 node bits (node 0 less "
		  "the reserved 0-255)");
	TAP_CHECK(spi_space_needed(1000000) > spi_space(8, 1) &&
			  spi_space_needed(500000) <= spi_space(8, 1) &&
			  spi_space_needed(1000000) <= spi_space(4, 1),
		  "1M registrations do not fit 8 node bits (4x %u SPIs > 2^24), 500,000 do, 4 bits "
		  "hold 1M",
		  sa_map_entries(1000000));
}

static void node_spis(void)
{
	struct reg_config cfg = {.max_regs = 64,
				 .port_ps = 5100,
				 .pc_lo = 5101,
				 .pc_hi = 5105,
				 .node_bits = 4,
				 .node_id = 11};
	struct pcscf_addr ue = {.a = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 1}}, ours = ue;
	uint8_t ck[16] = {0}, ik[16] = {0};
	struct reg_table *t;
	int bad = 0, made = 0;

	TAP_CHECK(reg_table_init(&t, &cfg, &rand_ops, NULL) == 0, "node 11 of 4 bits: table");
	for (int i = 0; i < 64; i++) {
		struct reg_ue_sec sec = {0x1000 + 2 * i, 0x1001 + 2 * i,  6000,
					 6001,		 "hmac-sha-1-96", "null"};
		struct reg_alloc a;
		char impi[32];

		snprintf(impi, sizeof(impi), "u%d@x", i);
		if (reg_on_401(t, impi, &ue, &ours, &sec, ck, ik, 240000, 1000, &a))
			continue;
		made++;
		bad += a.spi_pc >> 28 != 11 || a.spi_ps >> 28 != 11 || a.spi_pc == a.spi_ps ||
		       a.spi_pc <= 255;
	}
	TAP_CHECK(made == 64 && !bad,
		  "128 SPIs of ours: every one carries node 11 in its top 4 bits");
	reg_table_destroy(t);
	cfg.node_id = 16;
	TAP_CHECK(reg_table_init(&t, &cfg, &rand_ops, NULL) == -EINVAL,
		  "node id 16 does not fit 4 bits: refused");
	cfg.node_bits = 0;
	cfg.node_id = 1;
	TAP_CHECK(reg_table_init(&t, &cfg, &rand_ops, NULL) == -EINVAL,
		  "a node id without node bits: refused");
}

/* Random events over 32 UEs; the incremental census equals a walk after each. */
static void census(void)
{
	struct reg_config cfg = {.max_regs = 24,
				 .max_pending = 8,
				 .pending_floor_ms = 500,
				 .port_ps = 5100,
				 .pc_lo = 5101,
				 .pc_hi = 5102};
	struct pcscf_addr ue = {.a = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 1}}, ours = ue;
	uint8_t ck[16] = {0}, ik[16] = {0};
	struct reg_census a, b, last = {0};
	struct reg_table *t;
	uint64_t now = 1000;
	int mismatch = 0, kinds = 0;

	reg_table_init(&t, &cfg, &rand_ops, NULL);
	for (int step = 0; step < 20000; step++) {
		uint32_t r = xrand(NULL), u = r % 32, ev = (r >> 8) % 8;
		char impi[32];
		const struct reg *reg;
		const struct reg_sa_set *s;

		snprintf(impi, sizeof(impi), "u%u@x", u);
		reg = reg_find(t, impi);
		now += (r >> 16) % 400;
		switch (ev) {
		case 0:
		case 1: {
			struct reg_ue_sec sec = {0x1000 + 4 * u + (step & 1) * 2,
						 0x1001 + 4 * u,
						 6000,
						 6001,
						 "hmac-sha-1-96",
						 "null"};

			sec.spi_us = sec.spi_uc + 1;
			reg_on_401(t, impi, &ue, &ours, &sec, ck, ik, 20000, now, NULL);
			break;
		}
		case 2:
		case 3:
			reg_on_200_register(t, impi, 60, NULL, 0, NULL, 0, NULL, now);
			break;
		case 4:
			reg_on_200_register(t, impi, 0, NULL, 0, NULL, 0, NULL, now);
			if (step & 1)
				reg_on_dereg_response_sent(t, impi, now);
			break;
		case 5:
			reg_on_auth_failure(t, impi, now);
			break;
		case 6:
			s = reg ? reg_set_of(t, reg, (r >> 20) % 3 + 1) : NULL;
			if (s)
				reg_on_inbound_packet(t, s->spi[REG_SA_PS], now);
			break;
		default:
			now += 5000;
			reg_tick(t, now);
		}
		reg_census_get(t, &a);
		reg_census_scan(t, &b);
		mismatch += !!memcmp(&a, &b, sizeof(a));
		for (int i = 1; i < SET_CLS_N; i++)
			last.sets[i] |= a.sets[i] > 0;
		for (int i = 1; i < REG_CLS_N; i++)
			last.regs[i] |= a.regs[i] > 0;
	}
	for (int i = 1; i < SET_CLS_N; i++)
		kinds += last.sets[i];
	for (int i = 1; i < REG_CLS_N; i++)
		kinds += last.regs[i];
	TAP_CHECK(!mismatch,
		  "census kept per transition = census by walking, after each of 20,000 "
		  "random events (%d differ)",
		  mismatch);
	TAP_CHECK(kinds == SET_CLS_N - 1 + REG_CLS_N - 1,
		  "every class was seen (%d of %d): pending, registered, deregistering, "
		  "unregistered; temporary, new, old, superseded",
		  kinds, SET_CLS_N - 1 + REG_CLS_N - 1);
	reg_table_destroy(t);
}

/* The whole streamed reply. */
static char *stream(struct proxy *p, const char *cmd, int *lines)
{
	struct ctl_cursor cur = {0};
	size_t len = 0;
	char *out = calloc(1, 1 << 22), buf[8192];

	while (!cur.done) {
		int n = proxy_ctl(p, cmd, &cur, buf, sizeof(buf));

		if (n < 0 || len + n >= (1 << 22))
			break;
		memcpy(out + len, buf, n);
		len += n;
	}
	*lines = 0;
	for (char *c = out; *c; c++)
		*lines += *c == '\n';
	return out;
}

static void filters(void)
{
	const struct reg_config cfg = {
		.max_regs = 2000, .port_ps = 5100, .pc_lo = 5101, .pc_hi = 5105};
	struct pcscf_addr ue = {.a = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 1}}, ours = ue;
	uint8_t ck[16] = {0}, ik[16] = {0};
	struct proxy *p = calloc(1, sizeof(*p));
	int n;
	char *t;

	reg_table_init(&p->regs, &cfg, &ops, NULL);
	for (int i = 0; i < 2000; i++) {
		struct reg_ue_sec sec = {0x10000 + 2 * i, 0x10001 + 2 * i, 6000, 6001,
					 "hmac-sha-1-96", "null"};
		char impi[64];

		snprintf(impi, sizeof(impi), "user%04d@ims.example", i);
		ue.a[14] = i % 10; /* ten addresses, 200 UEs behind each */
		reg_on_401(p->regs, impi, &ue, &ours, &sec, ck, ik, 240000, 1000, NULL);
		if (i % 2)
			reg_on_200_register(p->regs, impi, 600, NULL, 0, NULL, 0, NULL, 1000);
	}
	t = stream(p, "sa list --impi user1234@ims.example", &n);
	TAP_CHECK(n == 5 && strstr(t, "user1234@") && !strstr(t, "user1235@"),
		  "sa list --impi: header + its 4 SAs only (%d lines)", n);
	free(t);
	t = stream(p, "reg list --impi nobody@ims.example --json", &n);
	TAP_CHECK(!strcmp(t, "[]\n"), "reg list --impi of nobody: an empty array ('%s')", t);
	free(t);
	t = stream(p, "reg list --ue 10.0.3.1", &n);
	TAP_CHECK(n == 201, "reg list --ue 10.0.3.1: header + the 200 UEs behind it (%d)", n - 1);
	free(t);
	t = stream(p, "sa list --state new", &n);
	TAP_CHECK(n == 1 + 4 * 1000 && !strstr(t, "temporary"),
		  "sa list --state new: the 1,000 registered UEs' 4,000 SAs (%d)", n - 1);
	free(t);
	t = stream(p, "reg list --state pending --ue 10.0.4.1 --json", &n);
	TAP_CHECK(t[0] == '[' && n == 1, "reg list --state pending --ue --json: one array");
	{
		int objs = 0;

		for (char *c = t; (c = strstr(c, "{\"impi\"")); c++)
			objs++;
		TAP_CHECK(objs == 200, "... of the 200 pending UEs at 10.0.4.1 (%d)", objs);
	}
	free(t);
	t = stream(p, "reg list --state registered --ue 10.0.4.1", &n);
	TAP_CHECK(n == 1, "reg list --state registered --ue 10.0.4.1: none there, the header only");
	free(t);
	t = stream(p, "sa list --limit 7", &n);
	TAP_CHECK(n == 8, "sa list --limit 7: header + 7 rows (%d)", n - 1);
	free(t);
	t = stream(p, "reg list --state sleeping", &n);
	TAP_CHECK(!strncmp(t, "error: --state", 14), "an unknown state: one error line ('%.60s')",
		  t);
	free(t);
	t = stream(p, "sa list --limit", &n);
	TAP_CHECK(!strncmp(t, "error:", 6), "a filter without its value: an error line");
	free(t);
	reg_table_destroy(p->regs);
	free(p);
}

int main(void)
{
	sizing();
	node_spis();
	census();
	filters();
	return tap_done();
}
