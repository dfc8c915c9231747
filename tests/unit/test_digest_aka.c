// SPDX-License-Identifier: GPL-2.0
/*
 * Digest AKAv1-MD5 responses. Expected values were computed independently with
 * python3 hashlib while writing this test:
 *   ha1 = md5(user + b':' + realm + b':' + RES).hexdigest()
 *   ha2 = md5(method + b':' + uri [+ b':' + md5(body).hexdigest()]).hexdigest()
 *   md5(ha1:nonce:ha2) or md5(ha1:nonce:nc:cnonce:qop:ha2)
 * The RFC 2617 3.5 example (password "Circle Of Life") is the published vector.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "aka/digest_aka.h"
#include "aka/milenage.h"
#include "sip/www_auth.h"
#include "tap.h"

/* RES of Milenage test set 1 */
static const uint8_t res1[8] = {0xa5, 0x42, 0x11, 0xd5, 0xe3, 0xba, 0x50, 0xbf};
#define NONCE1 "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M="
static const uint8_t body[] = "v=0\r\n";

struct resp_case {
	const char *name;
	struct digest_aka_in in;
	const uint8_t *res;
	size_t res_len;
	int rc;
	const char *want;
};

#define IMS_IN(q, nc, cn)                                                                          \
	{                                                                                          \
		"user1@ims.example.com", "ims.example.com", NONCE1, "REGISTER",                    \
			"sip:ims.example.com", q, nc, cn, body, sizeof(body) - 1                   \
	}

static const struct resp_case resp_cases[] = {
	{"AKAv1-MD5 without qop", IMS_IN(NULL, NULL, NULL), res1, 8, 0,
	 "e3ac7d4858ec5d677cc61bbc1a231df0"},
	{"AKAv1-MD5 empty qop is no qop", IMS_IN("", NULL, NULL), res1, 8, 0,
	 "e3ac7d4858ec5d677cc61bbc1a231df0"},
	{"AKAv1-MD5 qop=auth", IMS_IN("auth", "00000001", "0a4f113b"), res1, 8, 0,
	 "2de10d368c947b440f00521ccae1143f"},
	{"AKAv1-MD5 qop=auth-int", IMS_IN("auth-int", "00000001", "0a4f113b"), res1, 8, 0,
	 "7e2f326ec64942f92c6af16f78b16466"},
	{"RFC 2617 3.5 published example",
	 {"Mufasa", "testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "GET",
	  "/dir/index.html", "auth", "00000001", "0a4f113b"},
	 (const uint8_t *)"Circle Of Life",
	 14,
	 0,
	 "6629fae49393a05397450978507c4ef1"},
	{"unknown qop", IMS_IN("auth-conf", "00000001", "0a4f113b"), res1, 8, -EINVAL},
	{"qop without nc", IMS_IN("auth", NULL, "0a4f113b"), res1, 8, -EINVAL},
	{"qop without cnonce", IMS_IN("auth", "00000001", NULL), res1, 8, -EINVAL},
	{"missing uri", {"u", "r", "n", "REGISTER", NULL}, res1, 8, -EINVAL},
	{"empty RES", IMS_IN(NULL, NULL, NULL), res1, 0, -EINVAL},
	{"RES over 128 bits", IMS_IN(NULL, NULL, NULL), res1, 17, -EINVAL},
};

static void test_response_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(resp_cases) / sizeof(resp_cases[0]); i++) {
		const struct resp_case *c = &resp_cases[i];
		char out[DIGEST_HEX_LEN + 1] = "";
		int rc = digest_aka_response(&c->in, c->res, c->res_len, out);

		TAP_CHECK(rc == c->rc && (rc || !strcmp(out, c->want)), "response: %s (rc %d %s)",
			  c->name, rc, out);
	}
}

static void test_verify(void)
{
	const struct digest_aka_in in = IMS_IN("auth", "00000001", "0a4f113b");

	TAP_CHECK(digest_aka_verify(&in, res1, 8, "2de10d368c947b440f00521ccae1143f", 32) == 0,
		  "verify: correct response");
	TAP_CHECK(digest_aka_verify(&in, res1, 8, "2DE10D368C947B440F00521CCAE1143F", 32) == 0,
		  "verify: upper-case hex accepted");
	TAP_CHECK(digest_aka_verify(&in, res1, 8, "2de10d368c947b440f00521ccae1143e", 32) ==
			  -EACCES,
		  "verify: one digit off is -EACCES");
	TAP_CHECK(digest_aka_verify(&in, res1, 8, "2de10d368c947b440f00521ccae1143", 31) == -EACCES,
		  "verify: short response is -EACCES");
	TAP_CHECK(digest_aka_verify(&in, res1 + 1, 7, "2de10d368c947b440f00521ccae1143f", 32) ==
			  -EACCES,
		  "verify: wrong RES is -EACCES");
}

/*
 * The whole AKAv1-MD5 exchange with test set 1: network builds the vector and
 * nonce, UE decodes the nonce, checks AUTN, answers with RES; network checks
 * the answer against XRES.
 */
static void test_round_trip(void)
{
	static const uint8_t k[16] = {0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f,
				      0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc};
	static const uint8_t opc[16] = {0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e,
					0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf};
	static const uint8_t rand[16] = {0x23, 0x55, 0x3c, 0xbe, 0x96, 0x37, 0xa8, 0x9d,
					 0x21, 0x8a, 0xe6, 0x4d, 0xae, 0x47, 0xbf, 0x35};
	static const uint8_t sqn[6] = {0xff, 0x9b, 0xb4, 0xd0, 0xb6, 0x07};
	static const uint8_t amf[2] = {0xb9, 0xb9};
	struct digest_aka_in in = IMS_IN("auth", "00000001", "0a4f113b");
	uint8_t r[16], autn[16], res[8], ck[16], ik[16];
	char ue_resp[DIGEST_HEX_LEN + 1];
	struct aka_vector v;
	bool ok;

	ok = milenage_generate(k, opc, rand, sqn, amf, &v) == 0;
	ok = ok && www_auth_nonce_decode(NONCE1, strlen(NONCE1), r, autn) == 0 &&
	     !memcmp(r, v.rand, 16) && !memcmp(autn, v.autn, 16);
	TAP_CHECK(ok, "round trip: nonce carries the generated RAND||AUTN");

	ok = milenage_check(k, opc, r, autn, NULL, res, ck, ik) == 0 && !memcmp(ck, v.ck, 16) &&
	     !memcmp(ik, v.ik, 16);
	TAP_CHECK(ok, "round trip: UE accepts AUTN, derives the network's CK/IK");

	ok = digest_aka_response(&in, res, sizeof(res), ue_resp) == 0 &&
	     digest_aka_verify(&in, v.xres, sizeof(v.xres), ue_resp, strlen(ue_resp)) == 0 &&
	     !strcmp(ue_resp, "2de10d368c947b440f00521ccae1143f");
	TAP_CHECK(ok, "round trip: UE response verifies against XRES (%s)", ue_resp);
}

int main(void)
{
	test_response_table();
	test_verify();
	test_round_trip();
	return tap_done();
}
