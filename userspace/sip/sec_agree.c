// SPDX-License-Identifier: GPL-2.0
/*
 * Parser for Security-Client / Security-Server / Security-Verify values.
 *
 * Grammar (RFC 3329 2.2, TS 33.203 clause 7.1 / annex H):
 *   value         = sec-mechanism *(COMMA sec-mechanism)
 *   sec-mechanism = mechanism-name *(SEMI mech-parameters)
 *   q             = ("0" ["." 0*3DIGIT]) / ("1" ["." 0*3("0")])
 *   ipsec-3gpp    : alg, ealg, prot (ah/esp), mod (trans/tun/UDP-enc-tun),
 *                   spi-c, spi-s (1*10DIGIT, 32 bit), port-c, port-s (1*5DIGIT)
 *
 * Strictness is deliberate: these values end up as kernel-less ESP state and as
 * the downgrade-protection echo, so anything ambiguous (duplicate parameter,
 * number that does not fit, missing SPI) is refused rather than guessed at.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sip/sec_agree.h"
#include "sip/sip_lex.h"

static int fail(const char **err, const char *msg)
{
	if (err)
		*err = msg;
	return -EINVAL;
}

static int copy_str(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		return -EINVAL;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* 1..10 decimal digits whose value is <= max; no sign, no spaces. */
static int parse_dec(const char *s, size_t n, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* RFC 3261 qvalue, as thousandths. */
static int parse_qvalue(const char *s, size_t n, uint16_t *out)
{
	unsigned int v = 0, scale = 100;
	size_t i;

	if (n == 0 || (s[0] != '0' && s[0] != '1'))
		return -EINVAL;
	if (n > 1 && (s[1] != '.' || n > 5))
		return -EINVAL;
	for (i = 2; i < n; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		/* "1" may only be followed by zeros: q never exceeds 1.000 */
		if (s[0] == '1' && s[i] != '0')
			return -EINVAL;
		v += (unsigned int)(s[i] - '0') * scale;
	}
	*out = (uint16_t)(s[0] == '1' ? 1000 : v);
	return 0;
}

static bool all_token(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!lex_is_token(s[i]))
			return false;
	return true;
}

enum kind { K_Q, K_STR, K_SPI, K_PORT };

struct known_param {
	const char *name;
	uint32_t bit;
	enum kind kind;
	size_t off;
};

/* q applies to every mechanism; the rest only to ipsec-3gpp (others keep them as extensions). */
static const struct known_param known[] = {
	{"q", SEC_P_Q, K_Q, offsetof(struct sec_mech, q)},
	{"alg", SEC_P_ALG, K_STR, offsetof(struct sec_mech, alg)},
	{"ealg", SEC_P_EALG, K_STR, offsetof(struct sec_mech, ealg)},
	{"prot", SEC_P_PROT, K_STR, offsetof(struct sec_mech, prot)},
	{"mod", SEC_P_MOD, K_STR, offsetof(struct sec_mech, mod)},
	{"spi-c", SEC_P_SPI_C, K_SPI, offsetof(struct sec_mech, spi_c)},
	{"spi-s", SEC_P_SPI_S, K_SPI, offsetof(struct sec_mech, spi_s)},
	{"port-c", SEC_P_PORT_C, K_PORT, offsetof(struct sec_mech, port_c)},
	{"port-s", SEC_P_PORT_S, K_PORT, offsetof(struct sec_mech, port_s)},
};

static const struct known_param *lookup(const struct sec_mech *m, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (i > 0 && !m->supported)
			break;
		if (lex_eq_ci(name, n, known[i].name))
			return &known[i];
	}
	return NULL;
}

static int add_ext(struct sec_mech *m, const char *name, size_t nlen, const char *val, size_t vlen,
		   const char **err)
{
	struct sec_ext *e;
	unsigned int i;

	for (i = 0; i < m->n_ext; i++)
		if (lex_eq_ci(name, nlen, m->ext[i].name))
			return fail(err, "duplicate parameter");
	/*
	 * Unknown parameters do not change what we do, but they are part of
	 * what Security-Verify / the repeated Security-Client must echo, so
	 * they are kept; a bounded number keeps the struct fixed-size.
	 */
	if (m->n_ext == SEC_EXT_MAX)
		return fail(err, "too many unknown parameters");
	e = &m->ext[m->n_ext];
	if (copy_str(e->name, sizeof(e->name), name, nlen) ||
	    copy_str(e->value, sizeof(e->value), val, vlen))
		return fail(err, "unknown parameter too long");
	m->n_ext++;
	return 0;
}

static int apply_param(struct sec_mech *m, const char *name, size_t nlen, const char *val,
		       size_t vlen, bool has_val, bool quoted, const char **err)
{
	const struct known_param *k = lookup(m, name, nlen);
	char *field;
	uint32_t v;

	if (!k)
		return add_ext(m, name, nlen, has_val ? val : "", has_val ? vlen : 0, err);
	if (m->present & k->bit)
		return fail(err, "duplicate parameter");
	if (!has_val)
		return fail(err, "parameter without a value");
	if (quoted)
		return fail(err, "quoted value where a token is expected");
	field = (char *)m + k->off;

	switch (k->kind) {
	case K_Q:
		if (parse_qvalue(val, vlen, &m->q))
			return fail(err, "bad q value");
		break;
	case K_STR:
		if (!all_token(val, vlen))
			return fail(err, "bad token in parameter value");
		if (copy_str(field, SEC_TOKEN_MAX, val, vlen))
			return fail(err, "parameter value too long");
		break;
	case K_SPI:
		if (parse_dec(val, vlen, UINT32_MAX, &v))
			return fail(err, "bad SPI");
		/*
		 * RFC 4303 2.1: SPI 0 is never sent on the wire and 1..255 are
		 * reserved by IANA; an SA with such an SPI could not be used.
		 */
		if (v < 256)
			return fail(err, "SPI in the reserved range 0-255");
		memcpy(field, &v, sizeof(uint32_t));
		break;
	case K_PORT:
		if (parse_dec(val, vlen, 65535, &v) || v == 0)
			return fail(err, "bad port");
		{
			uint16_t p = (uint16_t)v;

			memcpy(field, &p, sizeof(p));
		}
		break;
	}
	m->present |= k->bit;
	return 0;
}

static bool one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (lex_eq_ci(s, strlen(s), *set))
			return true;
	return false;
}

static int finish_mech(const struct sec_mech *m, const char **err)
{
	static const char *const prots[] = {"esp", "ah", NULL};
	static const char *const mods[] = {"trans", "tun", "UDP-enc-tun", NULL};

	if (!m->supported)
		return 0;
	if ((m->present & SEC_P_REQUIRED) != SEC_P_REQUIRED)
		return fail(err, "ipsec-3gpp without alg, spi-c, spi-s, port-c or port-s");
	if ((m->present & SEC_P_PROT) && !one_of(m->prot, prots))
		return fail(err, "unknown prot");
	if ((m->present & SEC_P_MOD) && !one_of(m->mod, mods))
		return fail(err, "unknown mod");
	return 0;
}

static int parse_mech(const char *b, size_t len, size_t *ppos, struct sec_mech *m, const char **err)
{
	size_t pos = *ppos, end;
	int rc;

	memset(m, 0, sizeof(*m));
	end = lex_token(b, len, pos);
	if (end == pos)
		return fail(err, "expected a mechanism name");
	if (copy_str(m->name, sizeof(m->name), b + pos, end - pos))
		return fail(err, "mechanism name too long");
	m->supported = lex_eq_ci(b + pos, end - pos, "ipsec-3gpp");
	pos = lex_skip_ws(b, len, end);

	while (pos < len && b[pos] == ';') {
		const char *name, *val = NULL;
		size_t nlen, vlen = 0;
		bool has_val = false, quoted = false;

		pos = lex_skip_ws(b, len, pos + 1);
		end = lex_token(b, len, pos);
		if (end == pos)
			return fail(err, "expected a parameter name");
		name = b + pos;
		nlen = end - pos;
		pos = lex_skip_ws(b, len, end);
		if (pos < len && b[pos] == '=') {
			pos = lex_skip_ws(b, len, pos + 1);
			if (pos < len && b[pos] == '"') {
				if (lex_quoted(b, len, pos, &end))
					return fail(err, "unterminated or bad quoted string");
				quoted = true;
			} else {
				end = lex_gen_value(b, len, pos);
			}
			if (end == pos)
				return fail(err, "expected a parameter value");
			val = b + pos;
			vlen = end - pos;
			has_val = true;
			pos = lex_skip_ws(b, len, end);
		}
		rc = apply_param(m, name, nlen, val, vlen, has_val, quoted, err);
		if (rc)
			return rc;
	}
	rc = finish_mech(m, err);
	if (rc)
		return rc;
	*ppos = pos;
	return 0;
}

int sec_list_parse(struct sec_list *l, const char *buf, size_t len, const char **err)
{
	unsigned int n0 = l->n;
	size_t pos;
	int rc;

	if (!buf)
		len = 0;
	pos = lex_skip_ws(buf, len, 0);
	if (pos == len) {
		rc = fail(err, "empty header value");
		goto out_undo;
	}
	for (;;) {
		if (l->n >= SEC_MECH_MAX) {
			if (err)
				*err = "too many mechanisms";
			rc = -ENOSPC;
			goto out_undo;
		}
		rc = parse_mech(buf, len, &pos, &l->mech[l->n], err);
		if (rc)
			goto out_undo;
		l->n++;
		if (pos == len)
			break;
		if (buf[pos] != ',') {
			rc = fail(err, "expected ',' or ';'");
			goto out_undo;
		}
		pos = lex_skip_ws(buf, len, pos + 1);
		if (pos == len) {
			rc = fail(err, "trailing comma");
			goto out_undo;
		}
	}
	return (int)(l->n - n0);

out_undo:
	/* all-or-nothing: a half-parsed header must not leave mechanisms behind */
	l->n = n0;
	return rc;
}

const char *sec_mech_ealg(const struct sec_mech *m)
{
	/* see sec_choose.c for why an absent ealg means "null" */
	return (m->present & SEC_P_EALG) ? m->ealg : "null";
}
