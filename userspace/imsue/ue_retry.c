// SPDX-License-Identifier: GPL-2.0
/*
 * A 503 to a REGISTER with Retry-After (RFC 3261 21.5.4, 20.33): the node
 * is busy, not refusing us. The UE waits that long, plus a random part of
 * up to half of it so that a storm refused at once does not come back at
 * once, and runs the same command again. Without Retry-After, or past
 * UE_RETRY_MAX attempts, the 503 is a failure as before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "imsue/ue.h"

#define UE_RETRY_MAX 50

unsigned long ue_retries_503;

/* Seconds of the Retry-After header in a raw SIP message, or -1. */
int ue_retry_after_s(const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		size_t n = (eol ? eol : end) - p;

		if (n <= 2) /* the blank line: headers are over */
			break;
		if (n > 12 && !strncasecmp(p, "Retry-After", 11)) {
			const char *v = p + 11;

			while (v < p + n && (*v == ' ' || *v == '\t'))
				v++;
			if (v < p + n && *v == ':') {
				long s = strtol(v + 1, NULL, 10);

				return s >= 0 && s <= 86400 ? (int)s : -1;
			}
		}
		p = eol ? eol + 1 : end;
	}
	return -1;
}

bool ue_retry_later(struct ue *u, const char *msg, size_t len, uint64_t now)
{
	int s = ue_retry_after_s(msg, len);
	uint32_t r = 0;
	uint64_t ms;

	if (s < 0 || u->retries_503 >= UE_RETRY_MAX || !u->step)
		return false;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = u->idx * 2654435761u;
	ms = (uint64_t)s * 1000;
	ms += ms / 2 ? r % (ms / 2 + 1) : r % 500;
	u->retries_503++;
	ue_retries_503++;
	ue_say(u, "retry", "   503 with Retry-After %d: the same command again in %llu ms", s,
	       (unsigned long long)ms);
	u->step--; /* ue_next runs it again */
	u->deadline_ms = now + ms;
	u->state = UE_SLEEP;
	return true;
}
