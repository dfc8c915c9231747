// SPDX-License-Identifier: GPL-2.0
/*
 * WWW-Authenticate / Authorization handling on arbitrary bytes.
 * Invariants (abort on violation):
 *   - after a successful ck/ik strip the output holds neither ck nor ik and
 *     is itself a well-formed challenge (stripping it again finds no keys);
 *   - integrity-protected marking leaves exactly one integrity-protected="yes".
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aka/digest_aka.h"
#include "sip/www_auth.h"

static char out[8192], out2[8192];

static void check(int cond)
{
	if (!cond)
		abort();
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

	rc = www_auth_set_integrity(in, size, "yes", out, sizeof(out));
	if (rc >= 0) {
		check((size_t)rc == strlen(out));
		check(www_auth_param(out, (size_t)rc, "integrity-protected", &v, &vlen) == 0);
		check(vlen == 3 && !memcmp(v, "yes", 3));
	}
	return 0;
}
