// SPDX-License-Identifier: GPL-2.0
/*
 * CK/IK taken out of the raw message from the core (userspace/proxy/raw_keys.c)
 * before libosip2 sees it: every WWW-Authenticate and Proxy-Authenticate, any
 * status, any letter case, quoted or not, folded or not. After the scrub no
 * key text may be left anywhere in the buffer, and a usable challenge must
 * still parse and clean up for the UE.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "proxy/raw_keys.h"
#include "proxy/sip_msg.h"
#include "aka_set1.h"
#include "tap.h"

/* test set 1's keys in other letter cases, and a key that is not */
#define CK_UP  "B40BA9A3C58B2A05BBF0D987B21BF8CB"
#define CK_MIX "B40bA9a3C58b2A05bBf0D987b21Bf8Cb"
#define IK_MIX "f769BCD751044604127672711C6D3441"
#define IK2    "00000000000000000000000000000001"

#define HEAD(status)                                                                               \
	"SIP/2.0 " status "\r\nVia: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-pc1-2\r\n"        \
	"From: <sip:a@ims>;tag=1\r\nTo: <sip:a@ims>;tag=2\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\n"
#define TAIL   "Content-Length: 0\r\n\r\n"
#define CHAL   "Digest realm=\"ims\", nonce=\"bm9uY2U=\", algorithm=AKAv1-MD5, qop=\"auth\""
#define Q_KEYS ", ik=\"" IK_HEX "\", ck=\"" CK_HEX "\""

struct raw_case {
	const char *name;
	const char *msg;
	int status;
	bool parses; /* the scrubbed buffer must parse and every challenge clean up */
};

static const struct raw_case cases[] = {
	{"SIPp's 401: quoted, ik before ck",
	 HEAD("401 Unauthorized") "WWW-Authenticate: " CHAL Q_KEYS "\r\n" TAIL, 0, true},
	{"upper-case names, unquoted, first in the list",
	 HEAD("401 Unauthorized") "WWW-Authenticate: Digest CK=" CK_UP ",IK=" IK_HEX
				  ", realm=\"ims\", nonce=\"bm9uY2U=\"\r\n" TAIL,
	 0, true},
	{"mixed-case hex, and a copy of it in another header",
	 HEAD("401 Unauthorized") "X-Trace: " CK_HEX " " IK_MIX "\r\nWWW-Authenticate: " CHAL
				  ", ck=" CK_MIX ", ik=" IK_MIX "\r\n" TAIL,
	 0, true},
	{"keys in the second WWW-Authenticate only",
	 HEAD("401 Unauthorized") "WWW-Authenticate: Digest realm=\"other\", nonce=\"eA==\"\r\n"
				  "WWW-Authenticate: " CHAL Q_KEYS "\r\n" TAIL,
	 0, true},
	{"the same keys in two headers",
	 HEAD("401 Unauthorized") "WWW-Authenticate: " CHAL Q_KEYS
				  "\r\nWWW-Authenticate: " CHAL Q_KEYS "\r\n" TAIL,
	 0, true},
	{"two different ik",
	 HEAD("401 Unauthorized") "WWW-Authenticate: " CHAL Q_KEYS "\r\nWWW-Authenticate: " CHAL
				  ", ck=" CK_HEX ", ik=" IK2 "\r\n" TAIL,
	 -EINVAL, false},
	{"407 Proxy-Authenticate",
	 HEAD("407 Proxy Authentication Required") "Proxy-Authenticate: " CHAL Q_KEYS "\r\n" TAIL,
	 0, true},
	{"lower-case header name, space before the colon",
	 HEAD("401 Unauthorized") "www-authenticate : " CHAL Q_KEYS "\r\n" TAIL, 0, true},
	{"folded: keys on continuation lines",
	 HEAD("401 Unauthorized") "WWW-Authenticate: " CHAL ",\r\n ck=\"" CK_HEX
				  "\",\r\n\tik=\"" IK_HEX "\"\r\n" TAIL,
	 0, true},
	{"spaces around '='",
	 HEAD("401 Unauthorized") "WWW-Authenticate: " CHAL ", ck = \"" CK_HEX "\" , ik =" IK_HEX
				  "\r\n" TAIL,
	 0, true},
	{"LF line ends",
	 "SIP/2.0 401 Unauthorized\nVia: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKx\n"
	 "From: <sip:a@ims>;tag=1\nTo: <sip:a@ims>\nCall-ID: c\nCSeq: 1 REGISTER\n"
	 "WWW-Authenticate: " CHAL Q_KEYS "\nContent-Length: 0\n\n",
	 0, true},
	{"no keys", HEAD("401 Unauthorized") "WWW-Authenticate: " CHAL "\r\n" TAIL, -ENOENT, true},
	{"ck only", HEAD("401 Unauthorized") "WWW-Authenticate: " CHAL ", ck=" CK_HEX "\r\n" TAIL,
	 -ENOENT, true},
	{"ck of 31 digits",
	 HEAD("401 Unauthorized") "WWW-Authenticate: " CHAL
				  ", ck=\"b40ba9a3c58b2a05bbf0d987b21bf8c\", ik=" IK_HEX
				  "\r\n" TAIL,
	 -EINVAL, false},
	{"unterminated quote before the keys",
	 HEAD("401 Unauthorized") "WWW-Authenticate: Digest realm=\"ims, ck=" CK_HEX ", ik=" IK_HEX
				  "\r\n" TAIL,
	 -EINVAL, false},
	{"a key name without '='",
	 HEAD("401 Unauthorized") "WWW-Authenticate: " CHAL ", ck " CK_HEX ", ik=" IK_HEX
				  "\r\n" TAIL,
	 -EINVAL, false},
	{"keys in the body are not headers",
	 HEAD("401 Unauthorized") "WWW-Authenticate: " CHAL Q_KEYS
				  "\r\nContent-Type: text/plain\r\nContent-Length: 38\r\n\r\n"
				  "WWW-Authenticate: Digest ck=" CK_HEX,
	 0, true},
};

/* ck/ik as a param name anywhere (any case): separator, name, optional space, '='. */
static bool has_key_param(const char *b, size_t len)
{
	for (size_t i = 1; i + 2 < len; i++) {
		char c0 = (char)tolower((unsigned char)b[i]),
		     c1 = (char)tolower((unsigned char)b[i + 1]);
		size_t j = i + 2;

		if ((c0 != 'c' && c0 != 'i') || c1 != 'k')
			continue;
		if (!strchr(" \t,;\r\n", b[i - 1]))
			continue;
		while (j < len && (b[j] == ' ' || b[j] == '\t'))
			j++;
		if (j < len && b[j] == '=')
			return true;
	}
	return false;
}

static bool has_hex(const char *b, size_t len, const uint8_t key[16])
{
	uint8_t k[16];

	for (size_t i = 0; i + 32 <= len; i++)
		if (!www_auth_hex_key(b + i, 32, k) && !memcmp(k, key, 16))
			return true;
	return false;
}

static bool challenges_clean(const char *b, size_t len)
{
	osip_message_t *m;
	const char *v;
	char out[1024];
	bool ok = true;
	int n = 0;

	if (sipm_parse(&m, b, len))
		return false;
	for (int pos = 0; (v = sipm_header(m, "WWW-Authenticate", pos)); pos++, n++)
		ok &= www_auth_clean(v, strlen(v), out, sizeof(out)) >= 0;
	for (int pos = 0; (v = sipm_header(m, "Proxy-Authenticate", pos)); pos++, n++)
		ok &= www_auth_clean(v, strlen(v), out, sizeof(out)) >= 0;
	osip_message_free(m);
	/* a challenge that vanished in the parse is no challenge for the UE */
	return ok && n > 0;
}

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct raw_case *c = &cases[i];
		char buf[2048];
		size_t len = strlen(c->msg);
		size_t hdr_end = strstr(c->msg, "\r\n\r\n")
					 ? (size_t)(strstr(c->msg, "\r\n\r\n") - c->msg)
					 : (size_t)(strstr(c->msg, "\n\n") - c->msg);
		struct raw_keys k;
		bool keys_ok, leak;

		memcpy(buf, c->msg, len);
		raw_keys_take(buf, len, &k);
		keys_ok = c->status ? 1 : !memcmp(k.ck, ck1, 16) && !memcmp(k.ik, ik1, 16);
		/* no key name in the headers, no key text anywhere (a failed take wipes k) */
		leak = has_key_param(buf, hdr_end) ||
		       (!c->status && (has_hex(buf, len, ck1) || has_hex(buf, len, ik1)));
		if (c->status) {
			static const uint8_t zero[16];

			keys_ok = !memcmp(k.ck, zero, 16) && !memcmp(k.ik, zero, 16);
		}
		TAP_CHECK(k.status == c->status && keys_ok && !leak &&
				  (!c->parses || challenges_clean(buf, len)),
			  "raw keys: %s (status %d, keys %s, %s)", c->name, k.status,
			  keys_ok ? "right" : "WRONG", leak ? "KEY TEXT LEFT" : "scrubbed");
	}
}

/* Every prefix of a 401 (a datagram cut anywhere): no read or write past it (ASan). */
static void test_cut(void)
{
	static const char msg[] =
		HEAD("401 Unauthorized") "WWW-Authenticate: " CHAL ",\r\n ck=\"" CK_HEX
					 "\", ik=\"" IK_HEX "\"\r\n" TAIL;
	bool all = true;

	for (size_t n = 0; n < sizeof(msg) - 1; n++) {
		char buf[sizeof(msg)];
		struct raw_keys k;

		memcpy(buf, msg, n);
		raw_keys_take(buf, n, &k);
		if (k.status && (has_hex(buf, n, ck1) || has_hex(buf, n, ik1)))
			all = false;
	}
	TAP_CHECK(all, "raw keys: every truncation handled, no whole key left when none was taken");
}

int main(void)
{
	if (sipm_init())
		return 1;
	test_table();
	test_cut();
	return tap_done();
}
