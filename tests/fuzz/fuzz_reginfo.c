// SPDX-License-Identifier: GPL-2.0
/*
 * The reg-event body parser (userspace/sip/reginfo.c, libxml2 underneath)
 * on arbitrary bytes: a NOTIFY's reginfo comes off the core network.
 * Invariants (a violation aborts, so libFuzzer reports it):
 *   - every string handed to the callback is there and NUL-terminated, a
 *     contact call carries both its state and its uri, a registration call
 *     neither;
 *   - no more calls than REGINFO_MAX_ITEMS plus the registrations;
 *   - the walk is deterministic: a second one sees the same calls and result;
 *   - a callback's stop value is returned as is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/reginfo.h"

struct tally {
	unsigned int calls, terminated, stop_at;
	size_t bytes;
};

static void check(int cond)
{
	if (!cond)
		abort();
}

static int cb(void *arg, const char *aor, const char *reg_state, const char *contact_state,
	      const char *uri)
{
	struct tally *t = arg;

	check(aor && reg_state);
	check(!contact_state == !uri);
	t->bytes += strlen(aor) + strlen(reg_state);
	if (contact_state)
		t->bytes += strlen(contact_state) + strlen(uri);
	t->terminated += !strcmp(contact_state ? contact_state : reg_state, "terminated");
	check(++t->calls <= 2 * REGINFO_MAX_ITEMS + 1);
	return t->stop_at && t->calls == t->stop_at ? 7 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tally a = {0}, b = {0}, c = {.stop_at = 1};
	int ra = reginfo_walk((const char *)data, size, cb, &a);
	int rb = reginfo_walk((const char *)data, size, cb, &b);
	int rc;

	check(ra == rb && a.calls == b.calls && a.terminated == b.terminated && a.bytes == b.bytes);
	check(ra == 0 || ra < 0);
	if (ra == 0 && a.calls) {
		rc = reginfo_walk((const char *)data, size, cb, &c);
		check(rc == 7 && c.calls == 1);
	}
	return 0;
}
