// SPDX-License-Identifier: GPL-2.0
/*
 * auth-param list walker. Empty list elements (",,") are skipped as RFC 7230
 * 7 asks of recipients. Unquoted values are tokens, plus '/', '=' and ':'
 * because some servers send base64 or URIs unquoted; we pass those through
 * rather than break registration over a cosmetic quirk.
 */
#include <errno.h>

#include "sip/auth_params.h"
#include "sip/sip_lex.h"

static bool unquoted_char(char c)
{
	return lex_is_token(c) || c == '/' || c == '=' || c == ':';
}

int authp_begin(struct authp_iter *it, const char *b, size_t len, const char **scheme, size_t *slen)
{
	size_t pos, end;

	if (!b)
		len = 0;
	pos = lex_skip_ws(b, len, 0);
	end = lex_token(b, len, pos);
	if (end == pos || (end < len && !lex_is_ws(b[end])))
		return -EINVAL;
	*scheme = b + pos;
	*slen = end - pos;
	it->b = b;
	it->len = len;
	it->pos = end;
	return 0;
}

int authp_next(struct authp_iter *it, struct authp *p)
{
	const char *b = it->b;
	size_t len = it->len, pos = it->pos, end;

	/* skip separators, including empty elements */
	for (;;) {
		pos = lex_skip_ws(b, len, pos);
		if (pos < len && b[pos] == ',') {
			pos++;
			continue;
		}
		break;
	}
	if (pos == len) {
		it->pos = pos;
		return 0;
	}
	end = lex_token(b, len, pos);
	if (end == pos)
		return -EINVAL;
	p->name = b + pos;
	p->nlen = end - pos;
	pos = lex_skip_ws(b, len, end);
	if (pos == len || b[pos] != '=')
		return -EINVAL; /* a bare token: a second challenge or garbage */
	pos = lex_skip_ws(b, len, pos + 1);
	if (pos < len && b[pos] == '"') {
		if (lex_quoted(b, len, pos, &end))
			return -EINVAL;
		p->quoted = true;
	} else {
		end = pos;
		while (end < len && unquoted_char(b[end]))
			end++;
		if (end == pos)
			return -EINVAL;
		p->quoted = false;
	}
	p->val = b + pos;
	p->vlen = end - pos;
	pos = lex_skip_ws(b, len, end);
	if (pos < len && b[pos] != ',')
		return -EINVAL;
	it->pos = pos;
	return 1;
}
