// SPDX-License-Identifier: GPL-2.0
/*
 * HMAC-SHA-1-96 / HMAC-MD5-96 (RFC 2404 / RFC 2403) for the data path.
 *
 * Why not EVP: in OpenSSL 3.0 every way of restarting an HMAC from its
 * precomputed key state (EVP_MAC_init with a NULL key, HMAC_Init_ex,
 * EVP_MD_CTX_copy_ex, even EVP_DigestInit_ex2 on the same digest) frees and
 * re-allocates the provider context: two malloc()s per packet, measured.
 * The low-level SHA1_/MD5_ contexts are plain structs, so the inner and
 * outer states keyed at SA creation are restarted from their saved chaining
 * values (sha_load/md5_load). Same
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

/*
 * A context that has hashed exactly one 64-byte block holds nothing but its
 * chaining value: the bit count is 512, the buffer empty. Only that value is
 * kept (struct esp_secret), the rest is rebuilt here.
 */
static void sha_save(const SHA_CTX *c, uint32_t h[5])
{
	h[0] = c->h0, h[1] = c->h1, h[2] = c->h2, h[3] = c->h3, h[4] = c->h4;
}

static void sha_load(SHA_CTX *c, const uint32_t h[5])
{
	memset(c, 0, sizeof(*c));
	c->h0 = h[0], c->h1 = h[1], c->h2 = h[2], c->h3 = h[3], c->h4 = h[4];
	c->Nl = BLOCK * 8;
}

static void md5_save(const MD5_CTX *c, uint32_t h[5])
{
	h[0] = c->A, h[1] = c->B, h[2] = c->C, h[3] = c->D, h[4] = 0;
}

static void md5_load(MD5_CTX *c, const uint32_t h[5])
{
	memset(c, 0, sizeof(*c));
	c->A = h[0], c->B = h[1], c->C = h[2], c->D = h[3];
	c->Nl = BLOCK * 8;
}

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
		SHA_CTX c;

		SHA1_Init(&c);
		SHA1_Update(&c, ipad, BLOCK);
		sha_save(&c, s->hi);
		SHA1_Init(&c);
		SHA1_Update(&c, opad, BLOCK);
		sha_save(&c, s->ho);
		sodium_memzero(&c, sizeof(c));
	} else {
		MD5_CTX c;

		MD5_Init(&c);
		MD5_Update(&c, ipad, BLOCK);
		md5_save(&c, s->hi);
		MD5_Init(&c);
		MD5_Update(&c, opad, BLOCK);
		md5_save(&c, s->ho);
		sodium_memzero(&c, sizeof(c));
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
		SHA_CTX c;

		sha_load(&c, s->hi);
		SHA1_Update(&c, data, len);
		SHA1_Final(md, &c);
		sha_load(&c, s->ho);
		SHA1_Update(&c, md, SHA_DIGEST_LENGTH);
		SHA1_Final(md, &c);
		/* the copy of a keyed midstate must not stay on the stack */
		sodium_memzero(&c, sizeof(c));
	} else {
		MD5_CTX c;

		md5_load(&c, s->hi);
		MD5_Update(&c, data, len);
		MD5_Final(md, &c);
		md5_load(&c, s->ho);
		MD5_Update(&c, md, MD5_DIGEST_LENGTH);
		MD5_Final(md, &c);
		sodium_memzero(&c, sizeof(c));
	}
	memcpy(out, md, 12);
	sodium_memzero(md, sizeof(md)); /* the untruncated MAC */
}
