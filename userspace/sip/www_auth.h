/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IMS AKA handling of Digest headers at the P-CSCF (TS 33.203 7.1/7.2,
 * TS 24.229 5.2.2): take CK/IK out of the S-CSCF's 401 challenge before it goes
 * to the UE, decode the AKA nonce (RFC 3310 3.2), and mark the Authorization of
 * a protected REGISTER with integrity-protected.
 */
#ifndef PCSCF_SIP_WWW_AUTH_H
#define PCSCF_SIP_WWW_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define AKA_KEY_LEN  16
#define AKA_RAND_LEN 16
#define AKA_AUTN_LEN 16

/*
 * @in/@len: a WWW-Authenticate value ("Digest realm=..., nonce=..., ck=..., ik=...").
 * Extracts ck and ik (32 hex digits each, quoted or not, any case, anywhere in
 * the list) and writes the value without them into @out (NUL-terminated,
 * params re-joined with ", ").
 * Returns the output length, -EINVAL (bad syntax, not Digest, bad hex,
 * duplicate ck/ik), -ENOENT (ck or ik missing), -ENOSPC (@out too small).
 * ck/ik are written only on success.
 */
int www_auth_take_keys(const char *in, size_t len, uint8_t ck[AKA_KEY_LEN], uint8_t ik[AKA_KEY_LEN],
		       char *out, size_t out_size);

/*
 * A challenge as it may go to the UE: @in re-written with params joined by
 * ", ". Returns the output length, -EINVAL (bad syntax, not Digest, or a ck
 * or ik param still in it) or -ENOSPC; @out is "" on error.
 */
int www_auth_clean(const char *in, size_t len, char *out, size_t out_size);

/* Exactly 32 hex digits (any case) into a 16-byte key. 0 or -EINVAL (@out untouched). */
int www_auth_hex_key(const char *s, size_t n, uint8_t out[AKA_KEY_LEN]);

/*
 * Find Digest param @name (case-insensitive) in an authentication header value.
 * *val and *vlen point into @in, quotes removed (quoted-pairs left escaped).
 * Returns 0, -ENOENT, or -EINVAL (bad syntax or the param occurs twice).
 */
int www_auth_param(const char *in, size_t len, const char *name, const char **val, size_t *vlen);

/*
 * RFC 3310 3.2: nonce = base64(RAND || AUTN || server data). @nonce is the
 * unquoted value. Returns 0, or -EINVAL (not base64, shorter than 32 bytes,
 * or longer than the server data we accept).
 */
int www_auth_nonce_decode(const char *nonce, size_t len, uint8_t rand[AKA_RAND_LEN],
			  uint8_t autn[AKA_AUTN_LEN]);

/*
 * Authorization value with integrity-protected="@value" (TS 24.229 7.2A.1:
 * "yes", "no", "ip-assoc-yes", ...): every integrity-protected the UE sent
 * (any case, quoted or not) is dropped (the UE must not decide that) and ours
 * is appended. Returns the output length, -EINVAL (bad syntax: the caller
 * refuses the request, never forwards the UE's text) or -ENOSPC; @out is ""
 * on error.
 */
int www_auth_set_integrity(const char *in, size_t len, const char *value, char *out,
			   size_t out_size);

#endif /* PCSCF_SIP_WWW_AUTH_H */
