// SPDX-License-Identifier: GPL-2.0
/*
 * The ESP transforms. The CBC and GCM contexts are per thread and per
 * cipher, not per SA (an OpenSSL cipher context with its provider state is
 * about 1.5 KiB: 6 KiB per UE's four SAs, most of a million UEs' memory):
 * each packet keys the thread's context with the SA's key from the key
 * arena and sets the IV, which costs a key expansion (and for GCM the
 * GHASH table) next to a MAC and a cipher pass over the packet (see make
 * bench, bench_esp); packets of the same SA in a row skip it (key_id, never
 * reused, unlike an address). The context holds the last SA's schedule until the next
 * packet overwrites it; pcscfd's memory is locked and never dumped
 * (common/harden.c), and the context is freed (OpenSSL wipes it) when its
 * thread ends.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "esp/esp_priv.h"

#define NONCE_LEN 12 /* salt (4) || IV (8): RFC 4106 4, RFC 4543 3.1, RFC 7634 2 */

enum { TL_AES_CBC, TL_DES3_CBC, TL_AES_GCM, TL_N };

static __thread EVP_CIPHER_CTX *tl_ctx[TL_N][2]; /* [cipher][encrypt] */
static __thread uint64_t tl_keyed[TL_N][2];	   /* key_id the context holds, 0: none */
static pthread_key_t tl_key;
static pthread_once_t tl_once = PTHREAD_ONCE_INIT;

static void tl_free(void *unused)
{
	for (int i = 0; i < TL_N; i++)
		for (int e = 0; e < 2; e++) {
			EVP_CIPHER_CTX_free(tl_ctx[i][e]);
			tl_ctx[i][e] = NULL;
		}
}

static void tl_init(void)
{
	pthread_key_create(&tl_key, tl_free);
}

/* This thread's context for the SA's cipher and direction, keyed with the SA's key and iv. */
static EVP_CIPHER_CTX *keyed(const struct esp_sa *sa, int enc, const uint8_t *iv)
{
	int which = sa->x.kind != ESP_KIND_HMAC	    ? TL_AES_GCM
		    : sa->enc == ESP_ENC_DES_EDE3_CBC ? TL_DES3_CBC
						      : TL_AES_CBC;
	EVP_CIPHER_CTX *c = tl_ctx[which][enc];

	if (!c) {
		const EVP_CIPHER *ciph = which == TL_AES_GCM	? EVP_aes_128_gcm()
					 : which == TL_DES3_CBC ? EVP_des_ede3_cbc()
								: EVP_aes_128_cbc();

		pthread_once(&tl_once, tl_init);
		c = EVP_CIPHER_CTX_new();
		if (!c || !EVP_CipherInit_ex(c, ciph, NULL, NULL, NULL, enc)) {
			EVP_CIPHER_CTX_free(c);
			return NULL;
		}
		/* ESP does its own padding (RFC 4303 2.4) */
		EVP_CIPHER_CTX_set_padding(c, 0);
		tl_ctx[which][enc] = c;
		pthread_setspecific(tl_key, tl_ctx); /* non-NULL: the destructor runs */
	}
	/* packets of one SA in a row key once: only the IV changes */
	if (!EVP_CipherInit_ex(c, NULL, NULL, tl_keyed[which][enc] == sa->key_id ? NULL : sa->sec->k.enc,
			       iv, enc)) {
		tl_keyed[which][enc] = 0;
		return NULL;
	}
	tl_keyed[which][enc] = sa->key_id;
	return c;
}

static EVP_MAC_CTX *new_mac(enum esp_auth a, const uint8_t *key, size_t key_len)
{
	const char *md = a == ESP_AUTH_HMAC_SHA1_96 ? "SHA1" : "MD5";
	OSSL_PARAM params[2] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx;

	if (!mac)
		return NULL;
	ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac); /* the context holds its own reference */
	if (ctx && !EVP_MAC_init(ctx, key, key_len, params)) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

int esp_crypto_init(struct esp_sa *sa)
{
	switch (sa->x.kind) {
	case ESP_KIND_HMAC:
		return esp_hmac_init(sa->sec, sa->auth);
	case ESP_KIND_GCM:
	case ESP_KIND_GMAC:
	case ESP_KIND_CHACHA:
		return 0; /* keyed per packet (keyed()) or by libsodium */
	}
	return -EINVAL;
}

/* One-shot reference HMAC through EVP_MAC, independent of esp_hmac96_run(). */
static int hmac96(EVP_MAC_CTX *mac, const uint8_t *data, size_t len, uint8_t out[12])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;

	if (!EVP_MAC_init(mac, NULL, 0, NULL) || !EVP_MAC_update(mac, data, len) ||
	    !EVP_MAC_final(mac, md, &mdlen, sizeof(md)) || mdlen < 12)
		return -EIO;
	memcpy(out, md, 12);
	sodium_memzero(md, sizeof(md));
	return 0;
}

int esp_hmac96(enum esp_auth a, const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
	       uint8_t out[12])
{
	EVP_MAC_CTX *mac;
	int rc;

	if (a != ESP_AUTH_HMAC_SHA1_96 && a != ESP_AUTH_HMAC_MD5_96)
		return -EINVAL;
	mac = new_mac(a, key, key_len);
	if (!mac)
		return -ENOMEM;
	rc = hmac96(mac, data, len, out);
	EVP_MAC_CTX_free(mac);
	return rc;
}

static int cbc(struct esp_sa *sa, int enc, const uint8_t *iv, uint8_t *buf, size_t n)
{
	EVP_CIPHER_CTX *c = keyed(sa, enc, iv);
	int outl = 0;

	if (!c || !EVP_CipherUpdate(c, buf, &outl, buf, (int)n) || (size_t)outl != n)
		return -EPROTO;
	return 0;
}

static void nonce(const struct esp_sa *sa, const uint8_t *iv, uint8_t out[NONCE_LEN])
{
	memcpy(out, sa->sec->k.salt, 4);
	memcpy(out + 4, iv, 8);
}

/* AES-GCM over aad_len bytes of AAD and n bytes of data (n = 0 for GMAC). */
int esp_crypto_gcm_seal(struct esp_sa *sa, const uint8_t *nc, const uint8_t *aad, size_t aad_len,
			uint8_t *buf, size_t n, uint8_t *tag)
{
	EVP_CIPHER_CTX *c = keyed(sa, 1, nc);
	int l;
	uint8_t fin[16];

	if (!c || !EVP_CipherUpdate(c, NULL, &l, aad, (int)aad_len) ||
	    (n && !EVP_CipherUpdate(c, buf, &l, buf, (int)n)) || !EVP_CipherFinal_ex(c, fin, &l) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag))
		return -EIO;
	return 0;
}

int esp_crypto_gcm_open(struct esp_sa *sa, const uint8_t *nc, const uint8_t *aad, size_t aad_len,
			uint8_t *buf, size_t n, const uint8_t *tag)
{
	/* GMAC only ever "encrypts" the empty string: compute the tag and compare */
	EVP_CIPHER_CTX *c = keyed(sa, sa->x.kind == ESP_KIND_GMAC, nc);
	uint8_t fin[16];
	int l;

	if (!c || !EVP_CipherUpdate(c, NULL, &l, aad, (int)aad_len))
		return -EPROTO;
	if (sa->x.kind == ESP_KIND_GMAC) {
		uint8_t calc[16];

		if (!EVP_CipherFinal_ex(c, fin, &l) ||
		    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, calc))
			return -EPROTO;
		return CRYPTO_memcmp(calc, tag, 16) ? -EBADMSG : 0;
	}
	/*
	 * GCM verifies as it finishes, after decrypting. The plaintext is in the
	 * caller's buffer only until we know it is bad: then it is wiped, so an
	 * unauthenticated plaintext never leaves this function.
	 */
	if (!EVP_CipherUpdate(c, buf, &l, buf, (int)n) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, (void *)tag))
		return -EPROTO;
	if (EVP_CipherFinal_ex(c, fin, &l) <= 0) {
		sodium_memzero(buf, n);
		return -EBADMSG;
	}
	return 0;
}

int esp_crypto_seal(struct esp_sa *sa, uint8_t *esp, size_t n)
{
	size_t hl = ESP_HDR_LEN + sa->x.iv_len;
	uint8_t *iv = esp + ESP_HDR_LEN, *pt = esp + hl, *icv = pt + n;
	uint8_t nc[NONCE_LEN];
	int rc;

	switch (sa->x.kind) {
	case ESP_KIND_HMAC:
		/* encrypt-then-MAC: the ICV covers header, IV and ciphertext */
		if (sa->enc != ESP_ENC_NULL) {
			rc = cbc(sa, 1, iv, pt, n);
			if (rc)
				return rc;
		}
		esp_hmac96_run(sa->sec, sa->auth, esp, hl + n, icv);
		return 0;
	case ESP_KIND_GCM:
		nonce(sa, iv, nc);
		rc = esp_crypto_gcm_seal(sa, nc, esp, ESP_HDR_LEN, pt, n, icv);
		break;
	case ESP_KIND_GMAC:
		/* RFC 4543 3.3: header, IV and the whole payload are AAD; nothing encrypted */
		nonce(sa, iv, nc);
		rc = esp_crypto_gcm_seal(sa, nc, esp, hl + n, NULL, 0, icv);
		break;
	case ESP_KIND_CHACHA:
		nonce(sa, iv, nc);
		crypto_aead_chacha20poly1305_ietf_encrypt_detached(
			pt, icv, NULL, pt, n, esp, ESP_HDR_LEN, NULL, nc, sa->sec->k.enc);
		rc = 0;
		break;
	default:
		return -EINVAL;
	}
	sodium_memzero(nc, sizeof(nc)); /* carries the salt, which is key material */
	return rc;
}

int esp_crypto_open(struct esp_sa *sa, uint8_t *esp, size_t n)
{
	size_t hl = ESP_HDR_LEN + sa->x.iv_len;
	uint8_t *iv = esp + ESP_HDR_LEN, *ct = esp + hl, *icv = ct + n;
	uint8_t nc[NONCE_LEN], calc[12];
	int rc;

	switch (sa->x.kind) {
	case ESP_KIND_HMAC:
		esp_hmac96_run(sa->sec, sa->auth, esp, hl + n, calc);
		/* constant time, and before a single byte is decrypted */
		if (CRYPTO_memcmp(calc, icv, 12))
			return -EBADMSG;
		return sa->enc != ESP_ENC_NULL ? cbc(sa, 0, iv, ct, n) : 0;
	case ESP_KIND_GCM:
		nonce(sa, iv, nc);
		rc = esp_crypto_gcm_open(sa, nc, esp, ESP_HDR_LEN, ct, n, icv);
		break;
	case ESP_KIND_GMAC:
		nonce(sa, iv, nc);
		rc = esp_crypto_gcm_open(sa, nc, esp, hl + n, NULL, 0, icv);
		break;
	case ESP_KIND_CHACHA:
		nonce(sa, iv, nc);
		/* libsodium checks the tag (constant time) before it decrypts */
		rc = crypto_aead_chacha20poly1305_ietf_decrypt_detached(
			     ct, NULL, ct, n, icv, esp, ESP_HDR_LEN, nc, sa->sec->k.enc)
			     ? -EBADMSG
			     : 0;
		break;
	default:
		return -EINVAL;
	}
	sodium_memzero(nc, sizeof(nc));
	return rc;
}
