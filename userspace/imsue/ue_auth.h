/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The UE's half of IMS AKA (TS 33.203 6.1, RFC 3310): read the challenge,
 * check AUTN with Milenage, derive RES/CK/IK, answer with Digest AKAv1-MD5.
 */
#ifndef IMSUE_UE_AUTH_H
#define IMSUE_UE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ue_challenge {
	char realm[160];
	char nonce[256];
	char qop[16]; /* "auth" when offered, else "" */
	uint8_t rand[16], autn[16];
};

struct ue_aka_out {
	uint8_t res[8], ck[16], ik[16], sqn[6];
};

/*
 * Parse a WWW-Authenticate value. Returns 0, -EINVAL (not Digest, no nonce,
 * bad nonce), -EPROTONOSUPPORT (algorithm is not AKAv1-MD5).
 */
int ue_auth_parse(const char *www, size_t len, struct ue_challenge *c);

/*
 * Milenage check of the challenge (33.102 6.3.3): 0, -EBADMSG (MAC-A wrong:
 * the network is not authentic), -ESTALE (SQN not above @sqn_ms when
 * @have_sqn: the UE would answer with AUTS), -EIO.
 */
int ue_auth_check(const uint8_t k[16], const uint8_t opc[16], const struct ue_challenge *c,
		  const uint8_t sqn_ms[6], bool have_sqn, struct ue_aka_out *out);

/*
 * The Authorization value answering @c with @res (8 bytes): qop=auth with
 * nc 00000001 and a random cnonce when the challenge offers qop.
 * Returns the length written or a negative errno.
 */
int ue_auth_answer(const char *impi, const char *uri, const struct ue_challenge *c,
		   const uint8_t *res, size_t res_len, char *buf, size_t cap);

#endif /* IMSUE_UE_AUTH_H */
