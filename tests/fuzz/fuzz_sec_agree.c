// SPDX-License-Identifier: GPL-2.0
/*
 * Security-Client/Server/Verify parser, then everything downstream on what
 * parsed. Input: header value [NUL operator-preference string].
 * Invariants checked (a violation aborts, so libFuzzer reports it):
 *   - a parsed list formats to a value that parses back to an equal list;
 *   - a list equals itself and passes the echo checks against itself;
 *   - a chosen mechanism yields a Security-Server that parses back equal.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sec_agree.h"

#define DEFAULT_PREFS                                                                              \
	"hmac-sha-1-96/aes-cbc, hmac-sha-1-96/null, hmac-md5-96/aes-cbc, hmac-md5-96/null, "       \
	"null/aes-gcm"

static char out[8192];

static void check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *err = NULL;
	const uint8_t *nul = memchr(data, 0, size);
	size_t hlen = nul ? (size_t)(nul - data) : size;
	static struct sec_list l, back;
	struct sec_prefs prefs;
	struct sec_mech srv;
	unsigned int mi, pi;
	int rc, n;

	sec_list_init(&l);
	/* parse over the whole input too: the NUL itself must be refused cleanly */
	sec_list_parse(&l, buf, size, &err);
	sec_list_init(&l);
	n = sec_list_parse(&l, buf, hlen, &err);
	if (n <= 0)
		return 0;
	sec_list_parse(&l, buf, hlen, &err); /* second header occurrence appends */

	check(sec_list_equal(&l, &l));
	check(sec_verify_check(&l, &l) == 0 && sec_client_check(&l, &l) == 0);

	rc = sec_list_format(&l, out, sizeof(out));
	if (rc >= 0) {
		sec_list_init(&back);
		check(sec_list_parse(&back, out, (size_t)rc, &err) == (int)l.n);
		check(sec_list_equal(&l, &back));
		/* every shorter buffer must report -ENOSPC, never overflow */
		check(sec_list_format(&l, out, (size_t)rc) == -ENOSPC);
		check(sec_list_format(&l, out, (size_t)rc / 2) == -ENOSPC);
	}

	if (!nul || sec_prefs_parse(&prefs, (const char *)nul + 1, size - hlen - 1, &err) <= 0)
		check(sec_prefs_parse(&prefs, DEFAULT_PREFS, strlen(DEFAULT_PREFS), &err) > 0);
	if (sec_choose(&l, &prefs, &mi, &pi) == 0) {
		check(mi < l.n && pi < prefs.n);
		check(sec_mech_server(&srv, &prefs.p[pi], "trans", 0x1000, 0x1001, 6100, 6101) ==
		      0);
		rc = sec_mech_format(&srv, out, sizeof(out));
		check(rc > 0);
		sec_list_init(&back);
		check(sec_list_parse(&back, out, (size_t)rc, &err) == 1);
		check(sec_mech_equal(&back.mech[0], &srv));
	}
	return 0;
}
