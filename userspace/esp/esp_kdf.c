// SPDX-License-Identifier: GPL-2.0
/*
 * ESP keys from the AKA CK/IK: TS 33.203 annex I, with the GCM/GMAC salt
 * from the generic KDF of TS 33.220 annex B.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "esp/esp_priv.h"

/* FC values and P0 labels given by 33.203 annex I for the salts. */
#define FC_GMAC_SALT 0x58
#define FC_GCM_SALT  0x59

int esp_kdf_33220(const uint8_t *key, size_t key_len, uint8_t fc, const uint8_t *p0, size_t p0_len,
		  uint8_t out[32])
{
	uint8_t s[1 + 64 + 2];
	unsigned int olen = 0;

	if (p0_len > 64)
		return -EINVAL;
	/* S = FC || P0 || L0, L0 the two-byte big-endian length of P0 */
	s[0] = fc;
	memcpy(s + 1, p0, p0_len);
	esp_put_be16(s + 1 + p0_len, (uint16_t)p0_len);
	if (!HMAC(EVP_sha256(), key, (int)key_len, s, 1 + p0_len + 2, out, &olen) || olen != 32)
		return -EIO;
	return 0;
}

/* salt = the 32 least significant bits of KDF(CK || IK, fc, label) */
static int derive_salt(const uint8_t ck[16], const uint8_t ik[16], uint8_t fc, const char *label,
		       uint8_t salt[4])
{
	uint8_t key[32], out[32];
	int rc;

	memcpy(key, ck, 16);
	memcpy(key + 16, ik, 16);
	rc = esp_kdf_33220(key, sizeof(key), fc, (const uint8_t *)label, strlen(label), out);
	if (!rc)
		memcpy(salt, out + 28, 4);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(out, sizeof(out));
	return rc;
}

int esp_derive_keys(enum esp_auth a, enum esp_enc e, const uint8_t ck[16], const uint8_t ik[16],
		    struct esp_keys *k)
{
	struct esp_xform x;
	uint8_t key[32], out[32];
	int rc;

	rc = esp_xform_get(a, e, &x);
	if (rc)
		return rc;
	memset(k, 0, sizeof(*k));
	k->enc_len = x.enc_key_len;
	k->auth_len = x.auth_key_len;

	switch (a) {
	case ESP_AUTH_HMAC_SHA1_96:
		/* IK_ESP = IK || 32 zero bits: a 160-bit key for a 160-bit hash */
		memcpy(k->auth, ik, 16);
		break;
	case ESP_AUTH_HMAC_MD5_96:
		memcpy(k->auth, ik, 16);
		break;
	case ESP_AUTH_AES_GMAC:
		memcpy(k->enc, ik, 16);
		return derive_salt(ck, ik, FC_GMAC_SALT, "AES_GMAC_SALT", k->salt);
	case ESP_AUTH_NULL:
		break;
	}

	switch (e) {
	case ESP_ENC_NULL:
		return 0;
	case ESP_ENC_AES_CBC:
		memcpy(k->enc, ck, 16);
		return 0;
	case ESP_ENC_DES_EDE3_CBC:
		/* CK_ESP = CK1 || CK2 || CK1: keying option 2, K3 = K1 */
		memcpy(k->enc, ck, 16);
		memcpy(k->enc + 16, ck, 8);
		return 0;
	case ESP_ENC_AES_GCM:
		memcpy(k->enc, ck, 16);
		return derive_salt(ck, ik, FC_GCM_SALT, "AES_GCM_SALT", k->salt);
	case ESP_ENC_CHACHA20_POLY1305:
		/*
		 * 33.203 defines no ChaCha20-Poly1305 keying. Project-local choice:
		 * the same KDF with our own labels, so both ends running this code
		 * agree; real UEs never offer it. Raw keys are the interoperable way.
		 */
		memcpy(key, ck, 16);
		memcpy(key + 16, ik, 16);
		rc = esp_kdf_33220(key, sizeof(key), FC_GCM_SALT,
				   (const uint8_t *)"CHACHA20_POLY1305_KEY", 21, k->enc);
		if (!rc)
			rc = esp_kdf_33220(key, sizeof(key), FC_GCM_SALT,
					   (const uint8_t *)"CHACHA20_POLY1305_SALT", 22, out);
		if (!rc)
			memcpy(k->salt, out + 28, 4);
		sodium_memzero(key, sizeof(key));
		sodium_memzero(out, sizeof(out));
		return rc;
	}
	return -EINVAL;
}
