// SPDX-License-Identifier: GPL-2.0
/*
 * Digest AKAv1-MD5 response. RFC 3310 3.4: the AKA RES is the Digest
 * "password", used as raw octets (not hex, not base64: that is AKAv2). The
 * algorithm is not a "-sess" variant, so HA1 has no nonce/cnonce part.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "aka/digest_aka.h"

struct part {
	const void *p;
	size_t n;
};

/* MD5 over the parts joined with ':' */
static int md5_join(const struct part *parts, size_t n, uint8_t out[16])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok;
	size_t i;

	if (!ctx)
		return -EIO;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1;
	for (i = 0; ok && i < n; i++) {
		if (i)
			ok = EVP_DigestUpdate(ctx, ":", 1) == 1;
		if (ok && parts[i].n)
			ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].n) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == 16;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

static void to_hex(const uint8_t in[16], char out[DIGEST_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 16; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[DIGEST_HEX_LEN] = '\0';
}

#define S(x)                                                                                       \
	{                                                                                          \
		(x), strlen(x)                                                                     \
	}

int digest_aka_response(const struct digest_aka_in *in, const uint8_t *res, size_t res_len,
			char out[DIGEST_HEX_LEN + 1])
{
	char ha1_hex[DIGEST_HEX_LEN + 1], ha2_hex[DIGEST_HEX_LEN + 1], body_hex[DIGEST_HEX_LEN + 1];
	uint8_t h[16];
	bool qop, auth_int;
	int rc;

	if (!in || !res || !res_len || res_len > DIGEST_RES_MAX || !in->username || !in->realm ||
	    !in->nonce || !in->method || !in->uri)
		return -EINVAL;
	qop = in->qop && in->qop[0];
	auth_int = qop && !strcmp(in->qop, "auth-int");
	if (qop && !auth_int && strcmp(in->qop, "auth"))
		return -EINVAL;
	if (qop && (!in->nc || !in->cnonce))
		return -EINVAL;
	if (auth_int && in->body_len && !in->body)
		return -EINVAL;

	{
		struct part p[] = {S(in->username), S(in->realm), {res, res_len}};

		rc = md5_join(p, 3, h);
		if (rc)
			goto out;
		to_hex(h, ha1_hex);
	}
	if (auth_int) {
		struct part b[] = {{in->body, in->body_len}};
		struct part p[3] = {S(in->method), S(in->uri), {body_hex, DIGEST_HEX_LEN}};

		rc = md5_join(b, 1, h);
		if (rc)
			goto out;
		to_hex(h, body_hex);
		rc = md5_join(p, 3, h);
	} else {
		struct part p[] = {S(in->method), S(in->uri)};

		rc = md5_join(p, 2, h);
	}
	if (rc)
		goto out;
	to_hex(h, ha2_hex);

	if (qop) {
		struct part p[] = {{ha1_hex, DIGEST_HEX_LEN},
				   S(in->nonce),
				   S(in->nc),
				   S(in->cnonce),
				   S(in->qop),
				   {ha2_hex, DIGEST_HEX_LEN}};

		rc = md5_join(p, 6, h);
	} else {
		struct part p[] = {
			{ha1_hex, DIGEST_HEX_LEN}, S(in->nonce), {ha2_hex, DIGEST_HEX_LEN}};

		rc = md5_join(p, 3, h);
	}
	if (!rc)
		to_hex(h, out);
out:
	/* HA1 is a password equivalent for this RAND */
	OPENSSL_cleanse(ha1_hex, sizeof(ha1_hex));
	OPENSSL_cleanse(h, sizeof(h));
	return rc;
}

int digest_aka_verify(const struct digest_aka_in *in, const uint8_t *res, size_t res_len,
		      const char *resp, size_t resp_len)
{
	char want[DIGEST_HEX_LEN + 1], got[DIGEST_HEX_LEN];
	size_t i;
	int rc;

	rc = digest_aka_response(in, res, res_len, want);
	if (rc)
		return rc;
	if (!resp || resp_len != DIGEST_HEX_LEN)
		return -EACCES;
	/* RFC 2617 says lower case; accept upper case from sloppy clients */
	for (i = 0; i < DIGEST_HEX_LEN; i++)
		got[i] = (resp[i] >= 'A' && resp[i] <= 'F') ? (char)(resp[i] + 'a' - 'A') : resp[i];
	return CRYPTO_memcmp(want, got, DIGEST_HEX_LEN) ? -EACCES : 0;
}
