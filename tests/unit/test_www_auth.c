// SPDX-License-Identifier: GPL-2.0
/* CK/IK stripping from WWW-Authenticate, AKA nonce decoding, integrity-protected marking. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "sip/www_auth.h"
#include "aka_set1.h"
#include "tap.h"

/* base64(RAND || AUTN) of test set 1, AUTN = SQN^AK || AMF || MAC-A; made with python3 base64 */
#define NONCE "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M="

struct strip_case {
	const char *name;
	const char *in;
	int rc; /* >= 0: expect success and @out */
	const char *out;
};

#define STRIPPED                                                                                   \
	"Digest realm=\"ims.example.com\", nonce=\"" NONCE "\", algorithm=AKAv1-MD5, qop=\"auth\""

static const struct strip_case strip_cases[] = {
	{"ik/ck in the middle, quoted",
	 "Digest realm=\"ims.example.com\", nonce=\"" NONCE "\", algorithm=AKAv1-MD5, ik=\"" IK_HEX
	 "\", ck=\"" CK_HEX "\", qop=\"auth\"",
	 0, STRIPPED},
	{"ck/ik first, unquoted, upper case",
	 "Digest CK=B40BA9A3C58B2A05BBF0D987B21BF8CB,IK=F769BCD751044604127672711C6D3441, "
	 "realm=\"ims.example.com\", nonce=\"" NONCE "\", algorithm=AKAv1-MD5, qop=\"auth\"",
	 0, STRIPPED},
	{"ck/ik last, odd whitespace and empty elements",
	 "  Digest\trealm=\"ims.example.com\" ,nonce = \"" NONCE "\",, algorithm=AKAv1-MD5 ,"
	 "qop=\"auth\", ck=\"" CK_HEX "\" , ik = \"" IK_HEX "\" ",
	 0, STRIPPED},
	{"scheme case, opaque and quoted comma kept",
	 "digest realm=\"r\", ck=" CK_HEX ", qop=\"auth,auth-int\", ik=" IK_HEX
	 ", opaque=\"a\\\"b\"",
	 0, "digest realm=\"r\", qop=\"auth,auth-int\", opaque=\"a\\\"b\""},
	{"only ck and ik", "Digest ck=" CK_HEX ", ik=" IK_HEX, 0, "Digest"},
	{"missing ck", "Digest realm=\"r\", ik=\"" IK_HEX "\"", -ENOENT},
	{"missing ik", "Digest realm=\"r\", ck=\"" CK_HEX "\"", -ENOENT},
	{"missing both", "Digest realm=\"r\", nonce=\"" NONCE "\"", -ENOENT},
	{"ck 31 hex digits", "Digest ck=\"b40ba9a3c58b2a05bbf0d987b21bf8c\", ik=\"" IK_HEX "\"",
	 -EINVAL},
	{"ck 34 hex digits", "Digest ck=\"b40ba9a3c58b2a05bbf0d987b21bf8cb00\", ik=\"" IK_HEX "\"",
	 -EINVAL},
	{"ik not hex", "Digest ck=\"" CK_HEX "\", ik=\"f769bcd751044604127672711c6d344g\"",
	 -EINVAL},
	{"ik empty", "Digest ck=\"" CK_HEX "\", ik=\"\"", -EINVAL},
	{"duplicate ck", "Digest ck=\"" CK_HEX "\", ik=\"" IK_HEX "\", ck=\"" IK_HEX "\"", -EINVAL},
	{"not Digest", "Basic realm=\"r\", ck=\"" CK_HEX "\", ik=\"" IK_HEX "\"", -EINVAL},
	{"unterminated quote", "Digest realm=\"r, ck=\"" CK_HEX "\", ik=\"" IK_HEX, -EINVAL},
	{"bare token after params", "Digest realm=\"r\", ck=" CK_HEX ", ik=" IK_HEX ", Basic",
	 -EINVAL},
	{"no space after scheme", "Digest,realm=\"r\"", -EINVAL},
	{"escaped CTL in quoted value", "Digest realm=\"r\\\x01\", ck=" CK_HEX ", ik=" IK_HEX,
	 -EINVAL},
	{"empty", "", -EINVAL},
};

static void test_strip_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(strip_cases) / sizeof(strip_cases[0]); i++) {
		const struct strip_case *c = &strip_cases[i];
		uint8_t ck[16] = {0}, ik[16] = {0};
		char out[512];
		int rc = www_auth_take_keys(c->in, strlen(c->in), ck, ik, out, sizeof(out));
		bool ok;

		if (c->rc >= 0)
			ok = rc == (int)strlen(c->out) && !strcmp(out, c->out) &&
			     !memcmp(ck, ck1, 16) && !memcmp(ik, ik1, 16);
		else
			ok = rc == c->rc && out[0] == '\0';
		TAP_CHECK(ok, "strip: %s (rc %d%s%s)", c->name, rc, rc >= 0 ? ": " : "",
			  rc >= 0 ? out : "");
	}
}

static void test_strip_bounds(void)
{
	static const char in[] = "Digest realm=\"r\", ck=" CK_HEX ", ik=" IK_HEX ", qop=\"auth\"";
	static const char want[] = "Digest realm=\"r\", qop=\"auth\"";
	uint8_t ck[16], ik[16];
	char out[64];
	bool all = true;
	size_t sz;

	for (sz = 0; sz < sizeof(want); sz++)
		if (www_auth_take_keys(in, strlen(in), ck, ik, out, sz) != -ENOSPC)
			all = false;
	TAP_CHECK(all, "strip: every output buffer shorter than needed gives -ENOSPC");
	TAP_CHECK(www_auth_take_keys(in, strlen(in), ck, ik, out, sizeof(want)) ==
			  (int)strlen(want),
		  "strip: exact-size buffer fits");
	{
		/* fuzzer find: an escaped NUL inside quotes must not reach the C-string output */
		static const char nul_in[] = "Digest realm=\"a\\\0b\", ck=" CK_HEX ", ik=" IK_HEX;

		TAP_CHECK(www_auth_take_keys(nul_in, sizeof(nul_in) - 1, ck, ik, out,
					     sizeof(out)) == -EINVAL &&
				  www_auth_set_integrity(nul_in, sizeof(nul_in) - 1, "yes", out,
							 sizeof(out)) == -EINVAL,
			  "strip: escaped NUL in a quoted value is -EINVAL");
	}
	/* length, not NUL, ends the input: cut right after "ik=<hex>" */
	TAP_CHECK(www_auth_take_keys(in, strlen(in) - strlen(", qop=\"auth\""), ck, ik, out,
				     sizeof(out)) == (int)strlen("Digest realm=\"r\""),
		  "strip: input bounded by its length");
}

struct nonce_case {
	const char *name;
	const char *nonce;
	int rc;
};

static const struct nonce_case nonce_cases[] = {
	{"RAND||AUTN", NONCE, 0},
	{"with 4 bytes of server data", "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7MBAgME", 0},
	{"with 64 bytes of server data",
	 "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/"
	 "6w1Tfr7MAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	 0},
	{"97 bytes: more server data than accepted",
	 "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/"
	 "6w1Tfr7MAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
	 -EINVAL},
	{"RAND only", "I1U8vpY3qJ0hiuZNrke/NQ==", -EINVAL},
	{"missing padding", "I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M", -EINVAL},
	{"URL-safe alphabet", "I1U8vpY3qJ0hiuZNrke_NVXzKLQ1d7m5Sp_6w1Tfr7M=", -EINVAL},
	{"space inside", "I1U8vpY3qJ0hiuZNrke/NVXz KLQ1d7m5Sp/6w1Tfr7M=", -EINVAL},
	{"empty", "", -EINVAL},
};

static void test_nonce_table(void)
{
	static const uint8_t rand1[16] = {0x23, 0x55, 0x3c, 0xbe, 0x96, 0x37, 0xa8, 0x9d,
					  0x21, 0x8a, 0xe6, 0x4d, 0xae, 0x47, 0xbf, 0x35};
	static const uint8_t autn1[16] = {0x55, 0xf3, 0x28, 0xb4, 0x35, 0x77, 0xb9, 0xb9,
					  0x4a, 0x9f, 0xfa, 0xc3, 0x54, 0xdf, 0xaf, 0xb3};
	size_t i;

	for (i = 0; i < sizeof(nonce_cases) / sizeof(nonce_cases[0]); i++) {
		const struct nonce_case *c = &nonce_cases[i];
		uint8_t rand[16], autn[16];
		int rc = www_auth_nonce_decode(c->nonce, strlen(c->nonce), rand, autn);

		TAP_CHECK(rc == c->rc &&
				  (rc || (!memcmp(rand, rand1, 16) && !memcmp(autn, autn1, 16))),
			  "nonce: %s (rc %d)", c->name, rc);
	}
}

static void test_param(void)
{
	static const char in[] =
		"Digest realm=\"ims.example.com\", nonce=\"" NONCE "\", algorithm=AKAv1-MD5";
	const char *v;
	size_t n;

	TAP_CHECK(www_auth_param(in, strlen(in), "NONCE", &v, &n) == 0 && n == strlen(NONCE) &&
			  !memcmp(v, NONCE, n),
		  "param: quoted nonce found, quotes removed");
	TAP_CHECK(www_auth_param(in, strlen(in), "algorithm", &v, &n) == 0 && n == 9 &&
			  !memcmp(v, "AKAv1-MD5", 9),
		  "param: unquoted algorithm");
	TAP_CHECK(www_auth_param(in, strlen(in), "opaque", &v, &n) == -ENOENT,
		  "param: absent is -ENOENT");
	TAP_CHECK(www_auth_param("Digest nonce=\"a\", nonce=\"b\"", 27, "nonce", &v, &n) == -EINVAL,
		  "param: twice is -EINVAL");
}

struct integ_case {
	const char *name;
	const char *in;
	const char *value;
	int rc;
	const char *out;
};

#define AUTHZ                                                                                      \
	"Digest username=\"u@ims\", realm=\"ims\", nonce=\"" NONCE                                 \
	"\", uri=\"sip:ims\", response=\"6629fae49393a05397450978507c4ef1\""

static const struct integ_case integ_cases[] = {
	{"appended", AUTHZ, "yes", 0, AUTHZ ", integrity-protected=\"yes\""},
	{"UE's own value replaced",
	 "Digest username=\"u@ims\", integrity-protected=\"yes\", realm=\"ims\"", "no", 0,
	 "Digest username=\"u@ims\", realm=\"ims\", integrity-protected=\"no\""},
	{"unquoted, odd case replaced", "Digest Integrity-Protected=yes,username=\"u\"",
	 "ip-assoc-yes", 0, "Digest username=\"u\", integrity-protected=\"ip-assoc-yes\""},
	{"UE wrote it twice, quoted and not",
	 "Digest integrity-protected=yes, username=\"u\", INTEGRITY-PROTECTED=\"ip-assoc-yes\"", "no",
	 0, "Digest username=\"u\", integrity-protected=\"no\""},
	{"only the UE's integrity-protected", "Digest integrity-protected=\"yes\"", "no", 0,
	 "Digest integrity-protected=\"no\""},
	{"bare scheme", "Digest", "no", 0, "Digest integrity-protected=\"no\""},
	{"value not in 24.229", AUTHZ, "maybe", -EINVAL},
	{"value with quote", AUTHZ, "yes\"", -EINVAL},
	{"not Digest", "Basic dXNlcjpwYXNz", "yes", -EINVAL},
	{"bad syntax", "Digest username=\"u", "yes", -EINVAL},
	{"bad syntax after the UE's yes", "Digest integrity-protected=yes, username=\"u", "no",
	 -EINVAL},
	{"two credentials in one header", AUTHZ ", Digest integrity-protected=yes", "no", -EINVAL},
};

static void test_integrity_table(void)
{
	size_t i;
	char out[512];
	bool all = true;
	size_t sz, need = strlen(AUTHZ ", integrity-protected=\"yes\"");

	for (i = 0; i < sizeof(integ_cases) / sizeof(integ_cases[0]); i++) {
		const struct integ_case *c = &integ_cases[i];
		int rc = www_auth_set_integrity(c->in, strlen(c->in), c->value, out, sizeof(out));
		bool ok = c->rc >= 0 ? rc == (int)strlen(c->out) && !strcmp(out, c->out)
				     : rc == c->rc && out[0] == '\0';

		TAP_CHECK(ok, "integrity: %s (rc %d%s%s)", c->name, rc, rc >= 0 ? ": " : "",
			  rc >= 0 ? out : "");
	}
	for (sz = 0; sz <= need; sz++)
		if (www_auth_set_integrity(AUTHZ, strlen(AUTHZ), "yes", out, sz) != -ENOSPC)
			all = false;
	TAP_CHECK(all && www_auth_set_integrity(AUTHZ, strlen(AUTHZ), "yes", out, need + 1) ==
				  (int)need,
		  "integrity: -ENOSPC below the exact size, fits at it");
}

/* What may go to the UE after the raw scrub: re-joined, and never with a key left. */
static const struct strip_case clean_cases[] = {
	{"blanked params leave empty elements",
	 "Digest realm=\"ims.example.com\", nonce=\"" NONCE "\", algorithm=AKAv1-MD5, qop=\"auth\""
	 ",                                        ,     ",
	 0, STRIPPED},
	{"a ck left", STRIPPED ", ck=" CK_HEX, -EINVAL},
	{"an IK left", STRIPPED ", IK=\"" IK_HEX "\"", -EINVAL},
	{"unparsable", "Digest realm=\"r", -EINVAL},
	{"not Digest", "Basic realm=\"r\"", -EINVAL},
};

static void test_clean_table(void)
{
	for (size_t i = 0; i < sizeof(clean_cases) / sizeof(clean_cases[0]); i++) {
		const struct strip_case *c = &clean_cases[i];
		char out[512];
		int rc = www_auth_clean(c->in, strlen(c->in), out, sizeof(out));

		TAP_CHECK(c->rc >= 0 ? rc == (int)strlen(c->out) && !strcmp(out, c->out)
				     : rc == c->rc && out[0] == '\0',
			  "clean: %s (rc %d)", c->name, rc);
	}
}

int main(void)
{
	test_strip_table();
	test_strip_bounds();
	test_nonce_table();
	test_param();
	test_integrity_table();
	test_clean_table();
	return tap_done();
}
