/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 3261 section 25 lexical helpers shared by the header-value parsers in
 * this directory. All take (buffer, length, position) and return a position,
 * so callers never depend on NUL termination.
 */
#ifndef PCSCF_SIP_LEX_H
#define PCSCF_SIP_LEX_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <strings.h>

/* LWS/SWS. CR and LF are accepted too: a folded header value reaches us unfolded or not. */
static inline bool lex_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 3261 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" */
static inline bool lex_is_token(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case '-':
	case '.':
	case '!':
	case '%':
	case '*':
	case '_':
	case '+':
	case '`':
	case '\'':
	case '~':
		return true;
	}
	return false;
}

static inline size_t lex_skip_ws(const char *b, size_t len, size_t pos)
{
	while (pos < len && lex_is_ws(b[pos]))
		pos++;
	return pos;
}

/* End of the token starting at @pos (== @pos when there is none). */
static inline size_t lex_token(const char *b, size_t len, size_t pos)
{
	while (pos < len && lex_is_token(b[pos]))
		pos++;
	return pos;
}

/*
 * Unquoted generic-param value: token or host (IPv6 references bring ':', '[',
 * ']'). Returns its end.
 */
static inline size_t lex_gen_value(const char *b, size_t len, size_t pos)
{
	while (pos < len &&
	       (lex_is_token(b[pos]) || b[pos] == ':' || b[pos] == '[' || b[pos] == ']'))
		pos++;
	return pos;
}

/*
 * quoted-string starting at b[pos] == '"'. On success *end is one past the
 * closing quote. Control characters other than LWS are refused (escaped or
 * not), as is a missing closing quote or a quoted-pair cut by the end of the
 * buffer.
 */
static inline int lex_quoted(const char *b, size_t len, size_t pos, size_t *end)
{
	if (pos >= len || b[pos] != '"')
		return -EINVAL;
	for (pos++; pos < len; pos++) {
		unsigned char c = (unsigned char)b[pos];

		if (c == '"') {
			*end = pos + 1;
			return 0;
		}
		if (c == '\\') {
			unsigned char e;

			if (++pos >= len)
				return -EINVAL;
			/*
			 * RFC 3261 lets a quoted-pair escape NUL and most CTLs; we do
			 * not: values become C strings and log lines, where an
			 * escaped NUL would truncate and a CTL would smuggle.
			 */
			e = (unsigned char)b[pos];
			if ((e < 0x20 && e != '\t') || e > 0x7e)
				return -EINVAL;
			continue;
		}
		if ((c < 0x20 && !lex_is_ws((char)c)) || c == 0x7f)
			return -EINVAL;
	}
	return -EINVAL;
}

/* Case-insensitive compare of a counted string with a C string literal. */
static inline bool lex_eq_ci(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char a = s[i], c = lit[i];

		if (!c)
			return false;
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (a != c)
			return false;
	}
	return lit[n] == '\0';
}

#endif /* PCSCF_SIP_LEX_H */
