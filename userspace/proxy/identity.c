// SPDX-License-Identifier: GPL-2.0
/*
 * Who a request from a UE is from. The SA it came through names the
 * registration (from_ue.c); here that registration's public identities
 * (its P-Associated-URI list, learnt from the 200 to REGISTER) decide what
 * the core is told: the UE never asserts an identity itself (RFC 3325: the
 * UE is outside the trust domain), it may only prefer one of its own
 * (24.229 5.2.6.3.2). The security agreement headers are ours too and never
 * go on (TS 33.203 7.2), whatever the method.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/orig.h"
#include "proxy/sip_msg.h"

void ident_strip_sec_agree(osip_message_t *msg)
{
	sipm_remove(msg, "Security-Client");
	sipm_remove(msg, "Security-Verify");
	sipm_strip_tag(msg, "Require", "sec-agree");
	sipm_strip_tag(msg, "Proxy-Require", "sec-agree");
}

/* The URI of a header value: inside <> when there are any (outside quotes), else up to ';'. */
static int uri_span(const char *v, const char **start, size_t *len)
{
	const char *p, *lt = NULL;
	int quoted = 0;

	for (p = v; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '\\' && quoted && p[1])
			p++;
		else if (*p == '<' && !quoted) {
			lt = p + 1;
			break;
		}
	}
	if (lt) {
		const char *gt = strchr(lt, '>');

		if (!gt)
			return -EINVAL;
		*start = lt;
		*len = gt - lt;
		return 0;
	}
	while (isspace((unsigned char)*v))
		v++;
	*start = v;
	*len = strcspn(v, "; \t,");
	return 0;
}

int ident_uri_key(const char *value, char *out, size_t cap)
{
	const char *u, *colon, *at, *host, *end;
	size_t len, n = 0;

	if (!value || uri_span(value, &u, &len) || !len || len >= cap)
		return -EINVAL;
	end = u + len;
	colon = memchr(u, ':', len);
	if (!colon || colon == u)
		return -EINVAL;
	for (const char *c = u; c <= colon; c++)
		out[n++] = tolower((unsigned char)*c);
	/* userinfo ends at the last '@' before any parameter of the host part */
	at = NULL;
	for (const char *c = colon + 1; c < end && *c != '?'; c++)
		if (*c == '@')
			at = c;
	if (at) {
		memcpy(out + n, colon + 1, at + 1 - (colon + 1));
		n += at + 1 - (colon + 1);
		host = at + 1;
	} else {
		host = colon + 1;
	}
	/* RFC 3261 19.1.4: scheme and host compare without case, URI parameters dropped */
	for (const char *c = host; c < end && *c != ';' && *c != '?'; c++)
		out[n++] = tolower((unsigned char)*c);
	out[n] = '\0';
	return n > (size_t)(colon + 1 - u) ? (int)n : -EINVAL;
}

int ident_impu_index(const struct reg *r, const char *uri)
{
	char want[REG_URI_MAX], have[REG_URI_MAX];

	if (ident_uri_key(uri, want, sizeof(want)) < 0)
		return -1;
	for (int i = 0; i < r->n_impus; i++)
		if (ident_uri_key(r->impu[i], have, sizeof(have)) >= 0 && !strcmp(want, have))
			return i;
	return -1;
}

bool ident_from_ok(const struct reg *r, osip_message_t *msg)
{
	char *s = NULL;
	bool ok;

	if (!msg->from || !msg->from->url || osip_uri_to_str(msg->from->url, &s) || !s)
		return false;
	ok = ident_impu_index(r, s) >= 0;
	osip_free(s);
	return ok;
}

/* "<uri>" of a stored IMPU (a P-Associated-URI entry may carry a display name and params). */
static int impu_name_addr(const char *impu, char *out, size_t cap)
{
	char key[REG_URI_MAX];
	const char *u;
	size_t len;

	/* only what reads as a URI is asserted, whatever else the core wrote */
	if (ident_uri_key(impu, key, sizeof(key)) < 0 || uri_span(impu, &u, &len) ||
	    (size_t)snprintf(out, cap, "<%.*s>", (int)len, u) >= cap)
		return -EINVAL;
	return 0;
}

int ident_assert(osip_message_t *msg, const struct reg *r)
{
	char first[REG_URI_MAX], pai[REG_URI_MAX + 2];
	int removed, idx = -1;

	/* The first preferred identity counts (RFC 3325 9.2 allows a sip and a tel one). */
	if (sipm_collect(msg, "P-Preferred-Identity", &first[0], sizeof(first), 1) == 1)
		idx = ident_impu_index(r, first);
	removed = sipm_remove(msg, "P-Asserted-Identity");
	sipm_remove(msg, "P-Preferred-Identity");
	if (!r->n_impus)
		return -ENOENT;
	if (idx < 0)
		idx = 0; /* the default public user identity: first in P-Associated-URI */
	if (impu_name_addr(r->impu[idx], pai, sizeof(pai)) ||
	    sipm_add(msg, "P-Asserted-Identity", pai))
		return -EINVAL;
	return removed;
}
