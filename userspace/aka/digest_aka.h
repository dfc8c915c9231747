/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HTTP Digest AKAv1-MD5 (RFC 3310 on RFC 2617): the Digest response with the
 * AKA RES (raw bytes) as the password. Used by the UE emulator to answer the
 * 401 and by the lab's S-CSCF stand-in to check the answer.
 */
#ifndef PCSCF_AKA_DIGEST_AKA_H
#define PCSCF_AKA_DIGEST_AKA_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_HEX_LEN 32 /* response is 32 lower-case hex digits, plus the NUL */
#define DIGEST_RES_MAX 16 /* RES is 32..128 bits (TS 33.102 6.3.2) */

struct digest_aka_in {
	const char *username; /* the IMPI */
	const char *realm;
	const char *nonce; /* unquoted, as in the challenge */
	const char *method;
	const char *uri;
	const char *qop; /* NULL or "" (RFC 2069 form), "auth" or "auth-int" */
	const char *nc;	 /* 8 hex digits, with qop */
	const char *cnonce;
	const uint8_t *body; /* auth-int only: the message body */
	size_t body_len;
};

/*
 * HA1 = MD5(username:realm:RES), HA2 = MD5(method:uri[:MD5(body)]),
 * response = MD5(HA1:nonce:HA2) or MD5(HA1:nonce:nc:cnonce:qop:HA2).
 * Writes 32 hex digits and a NUL to @out. Returns 0, -EINVAL (missing field,
 * unknown qop, bad RES length) or -EIO (libcrypto).
 */
int digest_aka_response(const struct digest_aka_in *in, const uint8_t *res, size_t res_len,
			char out[DIGEST_HEX_LEN + 1]);

/*
 * Check a received response (@resp, @resp_len, hex in any case) in constant
 * time. Returns 0, -EACCES on mismatch, or an error of digest_aka_response().
 */
int digest_aka_verify(const struct digest_aka_in *in, const uint8_t *res, size_t res_len,
		      const char *resp, size_t resp_len);

#endif /* PCSCF_AKA_DIGEST_AKA_H */
