// SPDX-License-Identifier: GPL-2.0
/*
 * Challenge -> AKA -> Authorization. The realm, nonce and qop of the answer
 * are the challenge's, byte for byte: the S-CSCF recomputes the digest over
 * what it sent.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "aka/digest_aka.h"
#include "aka/milenage.h"
#include "imsue/ue_auth.h"
#include "imsue/ue_sip.h"
#include "sip/www_auth.h"

static int param(const char *in, size_t len, const char *name, char *out, size_t cap, bool required)
{
	const char *v;
	size_t vl;
	int rc = www_auth_param(in, len, name, &v, &vl);

	out[0] = '\0';
	if (rc == -ENOENT && !required)
		return 0;
	if (rc)
		return rc == -ENOENT ? -EINVAL : rc;
	if (vl >= cap)
		return -EINVAL;
	memcpy(out, v, vl);
	out[vl] = '\0';
	return 0;
}

int ue_auth_parse(const char *www, size_t len, struct ue_challenge *c)
{
	char alg[32], qop[64];
	int rc;

	memset(c, 0, sizeof(*c));
	while (len && (*www == ' ' || *www == '\t')) {
		www++;
		len--;
	}
	if (len < 7 || strncasecmp(www, "Digest", 6) || (www[6] != ' ' && www[6] != '\t'))
		return -EINVAL;
	rc = param(www, len, "algorithm", alg, sizeof(alg), true);
	if (rc)
		return rc;
	if (strcasecmp(alg, "AKAv1-MD5"))
		return -EPROTONOSUPPORT;
	rc = param(www, len, "realm", c->realm, sizeof(c->realm), true);
	if (!rc)
		rc = param(www, len, "nonce", c->nonce, sizeof(c->nonce), true);
	if (!rc)
		rc = param(www, len, "qop", qop, sizeof(qop), false);
	if (rc)
		return rc;
	/* qop-options is a list ("auth,auth-int"): we answer auth when offered */
	for (char *sp, *t = strtok_r(qop, ", \t", &sp); t; t = strtok_r(NULL, ", \t", &sp))
		if (!strcasecmp(t, "auth"))
			strcpy(c->qop, "auth");
	return www_auth_nonce_decode(c->nonce, strlen(c->nonce), c->rand, c->autn);
}

int ue_auth_check(const uint8_t k[16], const uint8_t opc[16], const struct ue_challenge *c,
		  const uint8_t sqn_ms[6], bool have_sqn, struct ue_aka_out *out)
{
	int rc = milenage_check(k, opc, c->rand, c->autn, out->sqn, out->res, out->ck, out->ik);

	if (rc)
		return rc;
	/*
	 * Freshness (33.102 C.2.2, simplified): SQN strictly above the highest
	 * accepted. No IND window: one emulated USIM, one serving network.
	 */
	if (have_sqn && memcmp(out->sqn, sqn_ms, 6) <= 0)
		return -ESTALE;
	return 0;
}

int ue_auth_answer(const char *impi, const char *uri, const struct ue_challenge *c,
		   const uint8_t *res, size_t res_len, char *buf, size_t cap)
{
	char resp[DIGEST_HEX_LEN + 1], cnonce[17] = "", nc[9] = "00000001";
	uint8_t rnd[8];
	struct digest_aka_in in = {
		.username = impi,
		.realm = c->realm,
		.nonce = c->nonce,
		.method = "REGISTER",
		.uri = uri,
		.qop = c->qop[0] ? c->qop : NULL,
		.nc = nc,
		.cnonce = cnonce,
	};
	int rc;

	if (c->qop[0]) {
		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			return -EIO;
		for (int i = 0; i < 8; i++)
			snprintf(cnonce + 2 * i, 3, "%02x", rnd[i]);
	}
	rc = digest_aka_response(&in, res, res_len, resp);
	if (rc)
		return rc;
	return ue_sip_auth_answer(impi, c->realm, c->nonce, uri, c->qop, nc, cnonce, resp, buf,
				  cap);
}
