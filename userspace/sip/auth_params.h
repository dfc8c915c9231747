/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Iterator over an HTTP/SIP authentication header value (RFC 7235 challenge or
 * credentials, RFC 2617 / RFC 3261 Digest): "scheme 1*SP auth-param *(, auth-param)".
 * Used by www_auth.c for WWW-Authenticate and Authorization values.
 */
#ifndef PCSCF_SIP_AUTH_PARAMS_H
#define PCSCF_SIP_AUTH_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

struct authp {
	const char *name;
	size_t nlen;
	const char *val; /* value as written: quotes included when quoted */
	size_t vlen;
	bool quoted;
};

struct authp_iter {
	const char *b;
	size_t len;
	size_t pos;
};

/*
 * Start on a header value: reads the scheme into (*scheme, *slen). The scheme
 * must be followed by whitespace or end the value. Returns 0 or -EINVAL.
 */
int authp_begin(struct authp_iter *it, const char *b, size_t len, const char **scheme,
		size_t *slen);

/* Next param: 1 and *p filled, 0 at the end, -EINVAL on bad syntax. */
int authp_next(struct authp_iter *it, struct authp *p);

/* Value without its quotes (quoted-pairs are left as they are). */
static inline void authp_unquoted(const struct authp *p, const char **v, size_t *n)
{
	if (p->quoted) {
		*v = p->val + 1;
		*n = p->vlen - 2;
	} else {
		*v = p->val;
		*n = p->vlen;
	}
}

#endif /* PCSCF_SIP_AUTH_PARAMS_H */
