// SPDX-License-Identifier: GPL-2.0
/*
 * WWW-Authenticate / Authorization handling on arbitrary bytes.
 * Invariants (abort on violation):
 *   - after a successful ck/ik strip the output holds neither ck nor ik and
 *     is itself a well-formed challenge (stripping it again finds no keys);
 *   - integrity-protected marking leaves exactly one integrity-protected="yes";
 *   - a challenge that www_auth_clean lets through holds no ck/ik and is clean already;
 *   - raw_keys_take on the input as a whole message leaves nothing a second
 *     pass would take or blank, and never a key text when it found the keys.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aka/digest_aka.h"
#include "proxy/raw_keys.h"
#include "sip/www_auth.h"

static char out[8192], out2[8192], raw[8192], raw2[8192];

static void check(int cond)
{
	if (!cond)
		abort();
}

static int has_key_text(const char *b, size_t n, const uint8_t key[AKA_KEY_LEN])
{
	uint8_t k[AKA_KEY_LEN];

	for (size_t i = 0; i + 2 * AKA_KEY_LEN <= n; i++)
		if (!www_auth_hex_key(b + i, 2 * AKA_KEY_LEN, k) && !memcmp(k, key, sizeof(k)))
			return 1;
	return 0;
}

static void check_raw(const char *in, size_t size)
{
	struct raw_keys k, k2;

	if (size > sizeof(raw))
		return;
	memcpy(raw, in, size);
	raw_keys_take(raw, size, &k);
	if (k.status == 0)
		check(!has_key_text(raw, size, k.ck) && !has_key_text(raw, size, k.ik));
	memcpy(raw2, raw, size);
	raw_keys_take(raw2, size, &k2);
	check(k2.status == -ENOENT && !memcmp(raw, raw2, size));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *v;
	uint8_t ck[16], ik[16], rand[16], autn[16];
	size_t vlen;
	int rc, rc2;

	rc = www_auth_take_keys(in, size, ck, ik, out, sizeof(out));
	if (rc >= 0) {
		check((size_t)rc == strlen(out));
		check(www_auth_param(out, (size_t)rc, "ck", &v, &vlen) == -ENOENT);
		check(www_auth_param(out, (size_t)rc, "ik", &v, &vlen) == -ENOENT);
		rc2 = www_auth_take_keys(out, (size_t)rc, ck, ik, out2, sizeof(out2));
		check(rc2 == -ENOENT);
		check(www_auth_take_keys(in, size, ck, ik, out2, (size_t)rc) == -ENOSPC);
	}

	if (www_auth_param(in, size, "nonce", &v, &vlen) == 0) {
		if (www_auth_nonce_decode(v, vlen, rand, autn) == 0) {
			struct digest_aka_in d = {"u@ims",   "ims",  "n",	 "REGISTER",
						  "sip:ims", "auth", "00000001", "c"};
			char resp[DIGEST_HEX_LEN + 1];

			check(digest_aka_response(&d, rand, 8, resp) == 0);
		}
	}

	rc = www_auth_clean(in, size, out, sizeof(out));
	if (rc >= 0) {
		check(www_auth_param(out, (size_t)rc, "ck", &v, &vlen) == -ENOENT);
		check(www_auth_param(out, (size_t)rc, "ik", &v, &vlen) == -ENOENT);
		check(www_auth_clean(out, (size_t)rc, out2, sizeof(out2)) == rc && !strcmp(out, out2));
	}
	check_raw(in, size);

	rc = www_auth_set_integrity(in, size, "yes", out, sizeof(out));
	if (rc >= 0) {
		check((size_t)rc == strlen(out));
		check(www_auth_param(out, (size_t)rc, "integrity-protected", &v, &vlen) == 0);
		check(vlen == 3 && !memcmp(v, "yes", 3));
	}
	return 0;
}
