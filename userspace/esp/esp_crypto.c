// SPDX-License-Identifier: GPL-2.0
/*
 * The ESP transforms. Contexts are keyed once at SA creation; per packet
 * only the IV/nonce is set (EVP_CipherInit_ex with a NULL cipher and key),
 * so the key schedule is never recomputed on the data path.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "esp/esp_priv.h"

#define NONCE_LEN 12 /* salt (4) || IV (8): RFC 4106 4, RFC 4543 3.1, RFC 7634 2 */

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

static int init_cipher(struct esp_sa *sa, const EVP_CIPHER *c)
{
	sa->cipher = EVP_CIPHER_CTX_new();
	if (!sa->cipher)
		return -ENOMEM;
	/* GMAC only ever "encrypts" the empty string; the tag check is the same both ways */
	if (!EVP_CipherInit_ex(sa->cipher, c, NULL, sa->sec->k.enc, NULL,
			       sa->x.kind == ESP_KIND_GMAC ? 1 : !sa->inbound))
		return -EINVAL;
	/* ESP does its own padding (RFC 4303 2.4) */
	EVP_CIPHER_CTX_set_padding(sa->cipher, 0);
	return 0;
}

int esp_crypto_init(struct esp_sa *sa)
{
	int rc;

	switch (sa->x.kind) {
	case ESP_KIND_HMAC:
		rc = esp_hmac_init(sa->sec, sa->auth);
		if (rc)
			return rc;
		if (sa->enc == ESP_ENC_AES_CBC)
			return init_cipher(sa, EVP_aes_128_cbc());
		if (sa->enc == ESP_ENC_DES_EDE3_CBC)
			return init_cipher(sa, EVP_des_ede3_cbc());
		return 0;
	case ESP_KIND_GCM:
	case ESP_KIND_GMAC:
		return init_cipher(sa, EVP_aes_128_gcm());
	case ESP_KIND_CHACHA:
		return 0;
	}
	return -EINVAL;
}

void esp_crypto_free(struct esp_sa *sa)
{
	/*
	 * The provider frees its context (key schedule inside) with
	 * OPENSSL_clear_free: wiped. HMAC states live in sa->sec.
	 */
	EVP_CIPHER_CTX_free(sa->cipher);
	sa->cipher = NULL;
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

static int cbc(struct esp_sa *sa, const uint8_t *iv, uint8_t *buf, size_t n)
{
	int outl = 0;

	if (!EVP_CipherInit_ex(sa->cipher, NULL, NULL, NULL, iv, -1) ||
	    !EVP_CipherUpdate(sa->cipher, buf, &outl, buf, (int)n) || (size_t)outl != n)
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
	EVP_CIPHER_CTX *c = sa->cipher;
	int l;
	uint8_t fin[16];

	if (!EVP_CipherInit_ex(c, NULL, NULL, NULL, nc, -1) ||
	    !EVP_CipherUpdate(c, NULL, &l, aad, (int)aad_len) ||
	    (n && !EVP_CipherUpdate(c, buf, &l, buf, (int)n)) || !EVP_CipherFinal_ex(c, fin, &l) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag))
		return -EIO;
	return 0;
}

int esp_crypto_gcm_open(struct esp_sa *sa, const uint8_t *nc, const uint8_t *aad, size_t aad_len,
			uint8_t *buf, size_t n, const uint8_t *tag)
{
	EVP_CIPHER_CTX *c = sa->cipher;
	uint8_t fin[16];
	int l;

	if (!EVP_CipherInit_ex(c, NULL, NULL, NULL, nc, -1) ||
	    !EVP_CipherUpdate(c, NULL, &l, aad, (int)aad_len))
		return -EPROTO;
	if (sa->x.kind == ESP_KIND_GMAC) {
		/* the context encrypts (see init_cipher): compute and compare ourselves */
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
		if (sa->cipher) {
			rc = cbc(sa, iv, pt, n);
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
		return sa->cipher ? cbc(sa, iv, ct, n) : 0;
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
