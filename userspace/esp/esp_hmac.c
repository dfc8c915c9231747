// SPDX-License-Identifier: GPL-2.0
/*
 * HMAC-SHA-1-96 / HMAC-MD5-96 (RFC 2404 / RFC 2403) for the data path.
 *
 * Why not EVP: in OpenSSL 3.0 every way of restarting an HMAC from its
 * precomputed key state (EVP_MAC_init with a NULL key, HMAC_Init_ex,
 * EVP_MD_CTX_copy_ex, even EVP_DigestInit_ex2 on the same digest) frees and
 * re-allocates the provider context: two malloc()s per packet, measured.
 * The low-level SHA1_/MD5_ contexts are plain structs, so the inner and
 * outer states keyed at SA creation are restarted by a struct copy. Same
 * libcrypto block functions underneath; the EVP_MAC path stays as the
 * reference implementation the KATs compare against (esp_hmac96()).
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <string.h>

#include <openssl/md5.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "esp/esp_priv.h"

#define BLOCK 64 /* SHA-1 and MD5 block size */

int esp_hmac_init(struct esp_secret *s, enum esp_auth a)
{
	uint8_t ipad[BLOCK], opad[BLOCK];

	if (s->k.auth_len > BLOCK)
		return -EINVAL; /* ESP keys are 16 or 20 bytes: never hashed down */
	for (size_t i = 0; i < BLOCK; i++) {
		uint8_t kb = i < s->k.auth_len ? s->k.auth[i] : 0;

		ipad[i] = kb ^ 0x36;
		opad[i] = kb ^ 0x5c;
	}
	if (a == ESP_AUTH_HMAC_SHA1_96) {
		SHA1_Init(&s->hi.sha);
		SHA1_Update(&s->hi.sha, ipad, BLOCK);
		SHA1_Init(&s->ho.sha);
		SHA1_Update(&s->ho.sha, opad, BLOCK);
	} else {
		MD5_Init(&s->hi.md5);
		MD5_Update(&s->hi.md5, ipad, BLOCK);
		MD5_Init(&s->ho.md5);
		MD5_Update(&s->ho.md5, opad, BLOCK);
	}
	sodium_memzero(ipad, sizeof(ipad));
	sodium_memzero(opad, sizeof(opad));
	return 0;
}

void esp_hmac96_run(const struct esp_secret *s, enum esp_auth a, const uint8_t *data, size_t len,
		    uint8_t out[12])
{
	uint8_t md[SHA_DIGEST_LENGTH];

	if (a == ESP_AUTH_HMAC_SHA1_96) {
		SHA_CTX c = s->hi.sha;

		SHA1_Update(&c, data, len);
		SHA1_Final(md, &c);
		c = s->ho.sha;
		SHA1_Update(&c, md, SHA_DIGEST_LENGTH);
		SHA1_Final(md, &c);
		/* the copy of a keyed midstate must not stay on the stack */
		sodium_memzero(&c, sizeof(c));
	} else {
		MD5_CTX c = s->hi.md5;

		MD5_Update(&c, data, len);
		MD5_Final(md, &c);
		c = s->ho.md5;
		MD5_Update(&c, md, MD5_DIGEST_LENGTH);
		MD5_Final(md, &c);
		sodium_memzero(&c, sizeof(c));
	}
	memcpy(out, md, 12);
	sodium_memzero(md, sizeof(md)); /* the untruncated MAC */
}
