// SPDX-License-Identifier: GPL-2.0
/*
 * Memory per registration of the registration table (issue 8 budget: 4 KiB
 * of pcscfd memory per registered UE): N registrations made as the network
 * makes them (401, pending headers, 200 with 2 IMPUs, a Service-Route and a
 * Contact) through reg/ with ops that keep nothing, table sized for N.
 * Reported: resident bytes per registration (RSS delta / N, table, indexes,
 * timers and strings), the string bytes held and reserved, next to the
 * budget. Usage: bench_reg_mem [N...] (default 10000 100000).
 *
 * Each UE holds protected ports of its own until shared ports land (issue 8
 * item 2): past about 32,000 UEs the port range runs out and the run reports
 * where it stopped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/reg_populate.h"

#define BUDGET 4096

static void run(uint32_t n)
{
	struct reg_config cfg = {.max_regs = n, .port_ps = 5100, .pc_lo = 5101, .pc_hi = 5105};
	struct reg_table *t;
	uint32_t seed = 11, i;
	size_t before = pop_rss(), empty, per;
	struct reg_mem m;
	int err = 0;

	if (reg_table_init(&t, &cfg, &pop_ops, &seed)) {
		printf("max_regs %u: table init failed\n", n);
		return;
	}
	empty = pop_rss() - before;
	for (i = 0; i < n && !err; i++)
		err = pop_register(t, i, 1000);
	if (err)
		i--;
	per = i ? (pop_rss() - before) / i : 0;
	reg_mem_usage(t, &m);
	printf("N=%-7u registered %-7u resident/reg %5zu B  (budget %d, ratio %.2f)  empty table "
	       "%zu KiB  strings held/reg %zu B, reserved %zu KiB  struct reg %zu B, set %zu B%s%s\n",
	       n, i, per, BUDGET, (double)per / BUDGET, empty >> 10, i ? m.strings_held / i : 0,
	       m.strings_reserved >> 10, m.record_bytes, m.set_bytes,
	       err ? "  stopped: " : "", err ? strerror(-err) : "");
	reg_table_destroy(t);
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		run(10000);
		run(100000);
	}
	for (i = 1; i < argc; i++)
		run(strtoul(argv[i], NULL, 0));
	return 0;
}
