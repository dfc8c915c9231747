// SPDX-License-Identifier: GPL-2.0
/*
 * Algorithm names (33.203 annex H header values) and the shape of each
 * allowed transform pair: IV, alignment, ICV and key sizes.
 */
#include <errno.h>
#include <string.h>

#include "esp/esp_priv.h"

static const char *const auth_names[] = {
	[ESP_AUTH_NULL] = "null",
	[ESP_AUTH_HMAC_SHA1_96] = "hmac-sha-1-96",
	[ESP_AUTH_HMAC_MD5_96] = "hmac-md5-96",
	[ESP_AUTH_AES_GMAC] = "aes-gmac",
};

static const char *const enc_names[] = {
	[ESP_ENC_NULL] = "null",
	[ESP_ENC_AES_CBC] = "aes-cbc",
	[ESP_ENC_DES_EDE3_CBC] = "des-ede3-cbc",
	[ESP_ENC_AES_GCM] = "aes-gcm",
	[ESP_ENC_CHACHA20_POLY1305] = "chacha20-poly1305",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int esp_auth_from_name(const char *s, enum esp_auth *out)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(auth_names); i++) {
		/* header values are tokens: case-insensitive per RFC 3329 */
		if (!strcasecmp(s, auth_names[i])) {
			*out = (enum esp_auth)i;
			return 0;
		}
	}
	return -EINVAL;
}

int esp_enc_from_name(const char *s, enum esp_enc *out)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(enc_names); i++) {
		if (!strcasecmp(s, enc_names[i])) {
			*out = (enum esp_enc)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *esp_auth_name(enum esp_auth a)
{
	return (unsigned)a < ARRAY_SIZE(auth_names) ? auth_names[a] : "?";
}

const char *esp_enc_name(enum esp_enc e)
{
	return (unsigned)e < ARRAY_SIZE(enc_names) ? enc_names[e] : "?";
}

int esp_xform_get(enum esp_auth a, enum esp_enc e, struct esp_xform *x)
{
	memset(x, 0, sizeof(*x));
	switch (a) {
	case ESP_AUTH_HMAC_SHA1_96:
	case ESP_AUTH_HMAC_MD5_96:
		x->kind = ESP_KIND_HMAC;
		x->icv_len = 12;
		x->auth_key_len = a == ESP_AUTH_HMAC_SHA1_96 ? 20 : 16;
		switch (e) {
		case ESP_ENC_NULL:
			x->align = 4;
			return 0;
		case ESP_ENC_AES_CBC:
			x->iv_len = x->align = x->enc_key_len = 16;
			return 0;
		case ESP_ENC_DES_EDE3_CBC:
			x->iv_len = x->align = 8;
			x->enc_key_len = 24;
			return 0;
		default:
			/* combined-mode ciphers carry their own ICV: alg must be null */
			return -EINVAL;
		}
	case ESP_AUTH_AES_GMAC:
		if (e != ESP_ENC_NULL)
			return -EINVAL;
		x->kind = ESP_KIND_GMAC;
		x->iv_len = 8;
		x->align = 4;
		x->icv_len = 16;
		x->enc_key_len = 16;
		x->salt_len = 4;
		return 0;
	case ESP_AUTH_NULL:
		if (e == ESP_ENC_AES_GCM) {
			x->kind = ESP_KIND_GCM;
			x->enc_key_len = 16;
		} else if (e == ESP_ENC_CHACHA20_POLY1305) {
			x->kind = ESP_KIND_CHACHA;
			x->enc_key_len = 32;
		} else {
			/* no integrity at all (null/null, or CBC alone) is never allowed */
			return -EINVAL;
		}
		x->iv_len = 8;
		x->align = 4;
		x->icv_len = 16;
		x->salt_len = 4;
		return 0;
	}
	return -EINVAL;
}

int esp_alg_check(enum esp_auth a, enum esp_enc e)
{
	struct esp_xform x;

	return esp_xform_get(a, e, &x);
}
