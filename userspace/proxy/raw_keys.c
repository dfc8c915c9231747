// SPDX-License-Identifier: GPL-2.0
/*
 * CK/IK read from the datagram itself and their text overwritten there, so
 * libosip2's copies of the message (which it frees without wiping) never hold
 * them, and no header the P-CSCF forwards can carry them on to the UE.
 *
 * The walk is deliberately more tolerant than the Digest parser: it looks at
 * every WWW-Authenticate and Proxy-Authenticate header of any status, in any
 * letter case, over folded lines, and blanks what it cannot make sense of
 * rather than leaving it. Blanking a whole param (name and value) leaves an
 * empty list element, which auth-param parsing skips (RFC 7230 7), so a
 * well-formed challenge stays well-formed for www_auth_clean.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "proxy/raw_keys.h"
#include "sip/sip_lex.h"

struct walk {
	struct raw_keys *k;
	bool have_ck, have_ik, bad;
};

static size_t line_end(const char *b, size_t len, size_t pos)
{
	while (pos < len && b[pos] != '\n')
		pos++;
	return pos;
}

/* Start of the value when the line [line, eol) is header @name, else 0. */
static size_t value_of(const char *b, size_t line, size_t eol, const char *name)
{
	size_t n = strlen(name), v = line + n;

	if (eol - line <= n || strncasecmp(b + line, name, n))
		return 0;
	while (v < eol && (b[v] == ' ' || b[v] == '\t'))
		v++;
	return v < eol && b[v] == ':' ? v + 1 : 0;
}

static void blank(char *b, size_t from, size_t to)
{
	memset(b + from, ' ', to - from);
}

/* A ck/ik value: kept once, a second copy must be the same key. */
static void take(struct walk *w, bool is_ck, const char *v, size_t n)
{
	uint8_t key[AKA_KEY_LEN];
	bool *have = is_ck ? &w->have_ck : &w->have_ik;
	uint8_t *dst = is_ck ? w->k->ck : w->k->ik;

	if (www_auth_hex_key(v, n, key)) {
		w->bad = true;
		return;
	}
	if (*have && sodium_memcmp(dst, key, sizeof(key)))
		w->bad = true;
	memcpy(dst, key, sizeof(key));
	*have = true;
	sodium_memzero(key, sizeof(key));
}

static bool is_key_name(const char *b, size_t n, bool *is_ck)
{
	*is_ck = lex_eq_ci(b, n, "ck");
	return *is_ck || lex_eq_ci(b, n, "ik");
}

/* One header value b[pos..end): every ck/ik param taken and blanked. */
static void scrub_value(char *b, size_t pos, size_t end, struct walk *w)
{
	for (;;) {
		size_t name, tend, v, vend;
		bool is_ck;

		while (pos < end && (lex_is_ws(b[pos]) || b[pos] == ','))
			pos++;
		if (pos >= end)
			return;
		name = pos;
		tend = lex_token(b, end, pos);
		if (tend == pos)
			goto garbage; /* a stray quote or separator: no param starts here */
		v = lex_skip_ws(b, end, tend);
		if (v >= end || b[v] != '=') {
			/* a scheme, or a bare token: a key name here has lost its '=' */
			if (is_key_name(b + name, tend - name, &is_ck))
				goto garbage;
			pos = tend;
			continue;
		}
		v = lex_skip_ws(b, end, v + 1);
		if (v < end && b[v] == '"') {
			if (lex_quoted(b, end, v, &vend))
				goto garbage;
		} else {
			vend = v;
			while (vend < end && !lex_is_ws(b[vend]) && b[vend] != ',' &&
			       b[vend] != '"')
				vend++;
			if (vend == v)
				goto garbage;
		}
		if (is_key_name(b + name, tend - name, &is_ck)) {
			bool q = b[v] == '"';

			take(w, is_ck, b + v + q, vend - v - 2 * q);
			blank(b, name, vend);
		}
		pos = vend;
	}
garbage:
	/* What follows cannot be parsed, so it may hide a key: none of it goes on. */
	w->bad = true;
	blank(b, pos, end);
}

/* Every spelling (letter case) of @key's hex text in @buf becomes zeros. */
static void scrub_key_text(char *buf, size_t len, const uint8_t key[AKA_KEY_LEN])
{
	uint8_t k[AKA_KEY_LEN];

	for (size_t i = 0; i + 2 * AKA_KEY_LEN <= len; i++) {
		if (www_auth_hex_key(buf + i, 2 * AKA_KEY_LEN, k) ||
		    sodium_memcmp(k, key, sizeof(k)))
			continue;
		memset(buf + i, '0', 2 * AKA_KEY_LEN);
		i += 2 * AKA_KEY_LEN - 1;
	}
	sodium_memzero(k, sizeof(k));
}

void raw_keys_take(char *buf, size_t len, struct raw_keys *k)
{
	static const char *const names[] = {"WWW-Authenticate", "Proxy-Authenticate"};
	struct walk w = {.k = k};
	size_t pos = line_end(buf, len, 0);

	memset(k, 0, sizeof(*k));
	while (pos < len) {
		size_t line = pos + 1, eol = line_end(buf, len, line), end, v = 0;

		if (eol == line || (eol == line + 1 && buf[line] == '\r'))
			break; /* the blank line: headers end */
		/* RFC 3261 7.3.1: a line starting with whitespace continues the header. */
		end = eol;
		while (end + 1 < len && (buf[end + 1] == ' ' || buf[end + 1] == '\t'))
			end = line_end(buf, len, end + 1);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !v; i++)
			v = value_of(buf, line, eol, names[i]);
		if (v)
			scrub_value(buf, v, end > v && buf[end - 1] == '\r' ? end - 1 : end, &w);
		pos = end;
	}
	if (w.have_ck)
		scrub_key_text(buf, len, k->ck);
	if (w.have_ik)
		scrub_key_text(buf, len, k->ik);
	if (w.bad)
		k->status = -EINVAL;
	else if (!w.have_ck || !w.have_ik)
		k->status = -ENOENT;
	if (k->status) {
		sodium_memzero(k->ck, sizeof(k->ck));
		sodium_memzero(k->ik, sizeof(k->ik));
	}
}
