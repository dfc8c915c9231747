// SPDX-License-Identifier: GPL-2.0
/*
 * imsue AKA: a 401 built from Milenage test set 1 (TS 35.208) yields RES,
 * CK, IK and SQN of the test set; a tampered AUTN, a stale SQN and non-AKA
 * challenges are refused; the Authorization answer verifies with XRES.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "aka/digest_aka.h"
#include "imsue/ue_auth.c"
#include "imsue/ue_sip.c"
#include "sip/www_auth.h"
#include "tap.h"

static void unhex(const char *s, uint8_t *out)
{
	for (size_t i = 0; s[2 * i]; i++)
		sscanf(s + 2 * i, "%2hhx", &out[i]);
}

static const char *K = "465b5ce8b199b49faa5f0a2ee238a6bc";
static const char *OPC = "cd63cb71954a9f4e48a5994e37a02baf";
static const char *RAND = "23553cbe9637a89d218ae64dae47bf35";
/* SQN ff9bb4d0b607 xor AK aa689c648370 || AMF b9b9 || MAC-A 4a9ffac354dfafb3 */
static const char *AUTN = "55f328b43577b9b94a9ffac354dfafb3";

static void challenge(char *www, size_t cap, const uint8_t *autn, const char *extra)
{
	uint8_t raw[32];
	char nonce[48];

	unhex(RAND, raw);
	memcpy(raw + 16, autn, 16);
	EVP_EncodeBlock((unsigned char *)nonce, raw, 32);
	snprintf(www, cap, "Digest realm=\"ims.example.com\", nonce=\"%s\", %s", nonce, extra);
}

static void test_set1(void)
{
	uint8_t k[16], opc[16], autn[16], want[16];
	struct ue_challenge c;
	struct ue_aka_out o;
	char www[512];
	int rc;

	unhex(K, k);
	unhex(OPC, opc);
	unhex(AUTN, autn);
	challenge(www, sizeof(www), autn, "algorithm=AKAv1-MD5, qop=\"auth,auth-int\"");
	rc = ue_auth_parse(www, strlen(www), &c);
	TAP_CHECK(!rc && !strcmp(c.realm, "ims.example.com") && !strcmp(c.qop, "auth"),
		  "challenge parsed (realm, qop auth chosen from auth,auth-int)");
	unhex(RAND, want);
	TAP_CHECK(!memcmp(c.rand, want, 16) && !memcmp(c.autn, autn, 16), "nonce -> RAND || AUTN");
	rc = ue_auth_check(k, opc, &c, NULL, false, &o);
	TAP_CHECK(!rc, "AUTN verifies (MAC-A 4a9ffac354dfafb3)");
	unhex("a54211d5e3ba50bf", want);
	TAP_CHECK(!memcmp(o.res, want, 8), "RES a54211d5e3ba50bf");
	unhex("b40ba9a3c58b2a05bbf0d987b21bf8cb", want);
	TAP_CHECK(!memcmp(o.ck, want, 16), "CK b40ba9a3c58b2a05bbf0d987b21bf8cb");
	unhex("f769bcd751044604127672711c6d3441", want);
	TAP_CHECK(!memcmp(o.ik, want, 16), "IK f769bcd751044604127672711c6d3441");
	unhex("ff9bb4d0b607", want);
	TAP_CHECK(!memcmp(o.sqn, want, 6), "SQN ff9bb4d0b607 recovered");

	TAP_CHECK(ue_auth_check(k, opc, &c, want, true, &o) == -ESTALE,
		  "same SQN again: -ESTALE (replayed challenge)");
	want[5]--;
	TAP_CHECK(!ue_auth_check(k, opc, &c, want, true, &o), "SQN above the highest seen: fresh");

	autn[15] ^= 1;
	challenge(www, sizeof(www), autn, "algorithm=AKAv1-MD5");
	TAP_CHECK(!ue_auth_parse(www, strlen(www), &c) &&
			  ue_auth_check(k, opc, &c, NULL, false, &o) == -EBADMSG,
		  "tampered AUTN: -EBADMSG");
	TAP_CHECK(c.qop[0] == '\0', "no qop offered: RFC 2069 form");
	k[0] ^= 1;
	autn[15] ^= 1;
	challenge(www, sizeof(www), autn, "algorithm=AKAv1-MD5");
	ue_auth_parse(www, strlen(www), &c);
	TAP_CHECK(ue_auth_check(k, opc, &c, NULL, false, &o) == -EBADMSG,
		  "other subscriber's K: -EBADMSG");
}

static void test_bad_challenges(void)
{
	struct ue_challenge c;
	const char *md5 = "Digest realm=\"r\", nonce=\"abc\", algorithm=MD5";
	const char *nononce = "Digest realm=\"r\", algorithm=AKAv1-MD5";
	const char *basic = "Basic realm=\"r\"";
	const char *shortn = "Digest realm=\"r\", nonce=\"YWJj\", algorithm=AKAv1-MD5";

	TAP_CHECK(ue_auth_parse(md5, strlen(md5), &c) == -EPROTONOSUPPORT, "MD5: not AKA");
	TAP_CHECK(ue_auth_parse(nononce, strlen(nononce), &c) == -EINVAL, "no nonce: -EINVAL");
	TAP_CHECK(ue_auth_parse(basic, strlen(basic), &c) == -EINVAL, "Basic: -EINVAL");
	TAP_CHECK(ue_auth_parse(shortn, strlen(shortn), &c) == -EINVAL, "short nonce: -EINVAL");
}

static void test_answer(void)
{
	uint8_t k[16], opc[16], autn[16];
	struct ue_challenge c;
	struct ue_aka_out o;
	char www[512], auth[1024], resp[40], cnonce[40], nc[16];
	const char *v;
	size_t vl;
	int n;

	unhex(K, k);
	unhex(OPC, opc);
	unhex(AUTN, autn);
	challenge(www, sizeof(www), autn, "algorithm=AKAv1-MD5, qop=\"auth\"");
	ue_auth_parse(www, strlen(www), &c);
	ue_auth_check(k, opc, &c, NULL, false, &o);
	n = ue_auth_answer("alice@ims.example.com", "sip:ims.example.com", &c, o.res, 8, auth,
			   sizeof(auth));
	TAP_CHECK(n > 0 && (size_t)n == strlen(auth), "Authorization answer built");
	TAP_CHECK(!www_auth_param(auth, strlen(auth), "response", &v, &vl) && vl == 32 &&
			  snprintf(resp, sizeof(resp), "%.*s", (int)vl, v) &&
			  !www_auth_param(auth, strlen(auth), "cnonce", &v, &vl) &&
			  snprintf(cnonce, sizeof(cnonce), "%.*s", (int)vl, v) &&
			  !www_auth_param(auth, strlen(auth), "nc", &v, &vl) &&
			  snprintf(nc, sizeof(nc), "%.*s", (int)vl, v),
		  "answer carries response, cnonce, nc");
	{
		/* the S-CSCF's check: same inputs, XRES of the vector */
		uint8_t xres[8];
		struct digest_aka_in in = {
			.username = "alice@ims.example.com",
			.realm = "ims.example.com",
			.nonce = c.nonce,
			.method = "REGISTER",
			.uri = "sip:ims.example.com",
			.qop = "auth",
			.nc = nc,
			.cnonce = cnonce,
		};

		unhex("a54211d5e3ba50bf", xres);
		TAP_CHECK(!digest_aka_verify(&in, xres, 8, resp, strlen(resp)),
			  "S-CSCF side verifies the response with XRES");
		xres[0] ^= 0xff;
		TAP_CHECK(digest_aka_verify(&in, xres, 8, resp, strlen(resp)) == -EACCES,
			  "and rejects it for another XRES");
	}
}

int main(void)
{
	test_set1();
	test_bad_challenges();
	test_answer();
	return tap_done();
}
