// SPDX-License-Identifier: GPL-2.0
/*
 * CK/IK removal from the 401, nonce decoding, integrity-protected marking.
 *
 * The S-CSCF hands CK and IK to the P-CSCF inside the 401 (TS 33.203 7.1);
 * they are the SA keys, so a 401 that leaves P with ck/ik still in it would
 * give the keys to anyone on the unprotected access. Hence the strip works
 * from a full parse and refuses anything it cannot parse rather than
 * forwarding it.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "common/outbuf.h"
#include "sip/auth_params.h"
#include "sip/sip_lex.h"
#include "sip/www_auth.h"

/* Largest nonce we decode: RAND || AUTN plus this much server-specific data. */
#define NONCE_MAX_BIN 96

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int www_auth_hex_key(const char *s, size_t n, uint8_t out[AKA_KEY_LEN])
{
	uint8_t k[AKA_KEY_LEN];
	size_t i;

	if (n != 2 * AKA_KEY_LEN)
		return -EINVAL;
	for (i = 0; i < AKA_KEY_LEN; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			sodium_memzero(k, sizeof(k));
			return -EINVAL;
		}
		k[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(out, k, sizeof(k));
	sodium_memzero(k, sizeof(k));
	return 0;
}

static int hex16(const struct authp *p, uint8_t out[AKA_KEY_LEN])
{
	const char *v;
	size_t n;

	authp_unquoted(p, &v, &n);
	return www_auth_hex_key(v, n, out);
}

static void put_param(struct outbuf *o, const struct authp *p, bool *first)
{
	outbuf_put(o, *first ? " " : ", ", *first ? 1 : 2);
	*first = false;
	outbuf_put(o, p->name, p->nlen);
	outbuf_put(o, "=", 1);
	outbuf_put(o, p->val, p->vlen);
}

int www_auth_take_keys(const char *in, size_t len, uint8_t ck[AKA_KEY_LEN], uint8_t ik[AKA_KEY_LEN],
		       char *out, size_t out_size)
{
	struct outbuf o;
	uint8_t k_ck[AKA_KEY_LEN], k_ik[AKA_KEY_LEN];
	bool have_ck = false, have_ik = false, first = true;
	struct authp_iter it;
	struct authp p;
	const char *scheme;
	size_t slen;
	int rc;

	outbuf_init(&o, out, out_size);
	if (authp_begin(&it, in, len, &scheme, &slen) || !lex_eq_ci(scheme, slen, "Digest"))
		return -EINVAL;
	outbuf_put(&o, scheme, slen);

	while ((rc = authp_next(&it, &p)) == 1) {
		bool is_ck = lex_eq_ci(p.name, p.nlen, "ck");
		bool is_ik = lex_eq_ci(p.name, p.nlen, "ik");

		if (!is_ck && !is_ik) {
			put_param(&o, &p, &first);
			continue;
		}
		/* two different keys for one SA: refuse rather than pick one */
		if ((is_ck && have_ck) || (is_ik && have_ik)) {
			rc = -EINVAL;
			break;
		}
		rc = hex16(&p, is_ck ? k_ck : k_ik);
		if (rc)
			break;
		if (is_ck)
			have_ck = true;
		else
			have_ik = true;
	}
	if (rc == 0 && (!have_ck || !have_ik))
		rc = -ENOENT;
	if (rc == 0)
		rc = outbuf_result(&o);
	if (rc >= 0) {
		memcpy(ck, k_ck, AKA_KEY_LEN);
		memcpy(ik, k_ik, AKA_KEY_LEN);
	} else if (out_size) {
		/* never leave a half-written challenge that a caller might forward */
		out[0] = '\0';
	}
	sodium_memzero(k_ck, sizeof(k_ck));
	sodium_memzero(k_ik, sizeof(k_ik));
	return rc;
}

int www_auth_param(const char *in, size_t len, const char *name, const char **val, size_t *vlen)
{
	struct authp_iter it;
	struct authp p;
	const char *scheme;
	size_t slen;
	bool found = false;
	int rc;

	if (authp_begin(&it, in, len, &scheme, &slen))
		return -EINVAL;
	while ((rc = authp_next(&it, &p)) == 1) {
		if (!lex_eq_ci(p.name, p.nlen, name))
			continue;
		/* two nonces (say) would let P and UE act on different ones */
		if (found)
			return -EINVAL;
		found = true;
		authp_unquoted(&p, val, vlen);
	}
	if (rc < 0)
		return rc;
	return found ? 0 : -ENOENT;
}

int www_auth_nonce_decode(const char *nonce, size_t len, uint8_t rand[AKA_RAND_LEN],
			  uint8_t autn[AKA_AUTN_LEN])
{
	unsigned char bin[NONCE_MAX_BIN];
	size_t bin_len = 0;

	if (!nonce || len == 0)
		return -EINVAL;
	/* b64_end NULL: libsodium then fails unless the whole input is valid base64 */
	if (sodium_base642bin(bin, sizeof(bin), nonce, len, NULL, &bin_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL))
		return -EINVAL;
	if (bin_len < AKA_RAND_LEN + AKA_AUTN_LEN)
		return -EINVAL;
	memcpy(rand, bin, AKA_RAND_LEN);
	memcpy(autn, bin + AKA_RAND_LEN, AKA_AUTN_LEN);
	return 0;
}

static bool integrity_value_ok(const char *v)
{
	static const char *const allowed[] = {
		"yes",		"no",	     "tls-pending", "tls-yes", "ip-assoc-pending",
		"ip-assoc-yes", "auth-done", NULL};
	const char *const *a;

	for (a = allowed; *a; a++)
		if (!strcmp(v, *a))
			return true;
	return false;
}

/*
 * The scheme and every param of @in into @o, params re-joined with ", ",
 * leaving out those called @drop (may be NULL). With @no_keys a ck or ik
 * param is an error: what is left of a 401 after the key removal must not
 * hold one. Returns 0 or -EINVAL.
 */
static int copy_params(struct outbuf *o, const char *in, size_t len, const char *drop,
		       bool no_keys, bool *first)
{
	struct authp_iter it;
	struct authp p;
	const char *scheme;
	size_t slen;
	int rc;

	*first = true;
	if (authp_begin(&it, in, len, &scheme, &slen) || !lex_eq_ci(scheme, slen, "Digest"))
		return -EINVAL;
	outbuf_put(o, scheme, slen);
	while ((rc = authp_next(&it, &p)) == 1) {
		if (no_keys && (lex_eq_ci(p.name, p.nlen, "ck") || lex_eq_ci(p.name, p.nlen, "ik")))
			return -EINVAL;
		if (!drop || !lex_eq_ci(p.name, p.nlen, drop))
			put_param(o, &p, first);
	}
	return rc;
}

int www_auth_clean(const char *in, size_t len, char *out, size_t out_size)
{
	struct outbuf o;
	bool first;
	int rc;

	outbuf_init(&o, out, out_size);
	rc = copy_params(&o, in, len, NULL, true, &first);
	if (rc < 0) {
		if (out_size)
			out[0] = '\0';
		return rc;
	}
	return outbuf_result(&o);
}

int www_auth_set_integrity(const char *in, size_t len, const char *value, char *out,
			   size_t out_size)
{
	struct outbuf o;
	bool first;
	int rc;

	outbuf_init(&o, out, out_size);
	if (!value || !integrity_value_ok(value))
		return -EINVAL;
	rc = copy_params(&o, in, len, "integrity-protected", false, &first);
	if (rc < 0) {
		if (out_size)
			out[0] = '\0';
		return rc;
	}
	outbuf_put(&o, first ? " " : ", ", first ? 1 : 2);
	outbuf_put(&o, "integrity-protected=\"", 21);
	outbuf_put(&o, value, strlen(value));
	outbuf_put(&o, "\"", 1);
	return outbuf_result(&o);
}
