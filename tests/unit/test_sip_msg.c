// SPDX-License-Identifier: GPL-2.0
/*
 * libosip2 helpers of the proxy on whole messages (userspace/proxy/sip_msg.c):
 * integrity-protected marking of every Authorization, the expiry a 200 to
 * REGISTER grants, and Security-Client lists the size real UEs send.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "proxy/sip_msg.h"
#include "reg/reg.h"
#include "tap.h"

#define REQ                                                                                        \
	"REGISTER sip:ims SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKa\r\n"          \
	"From: <sip:a@ims>;tag=1\r\nTo: <sip:a@ims>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\n"
#define END   "Content-Length: 0\r\n\r\n"
#define AUTHZ "Digest username=\"a@ims\", realm=\"ims\", nonce=\"\", uri=\"sip:ims\", response=\"\""

/* ---- integrity-protected ------------------------------------------------------------------ */

struct integ_case {
	const char *name;
	const char *headers; /* Authorization lines */
	int rc;		     /* headers marked, or -EINVAL */
};

static const struct integ_case integ_cases[] = {
	{"none", "", 0},
	{"plain", "Authorization: " AUTHZ "\r\n", 1},
	{"UE wrote yes, quoted", "Authorization: " AUTHZ ", integrity-protected=\"yes\"\r\n", 1},
	{"UE wrote yes, unquoted, odd case",
	 "Authorization: Digest Integrity-PROTECTED=yes, username=\"a@ims\"\r\n", 1},
	{"UE wrote it twice",
	 "Authorization: " AUTHZ ", integrity-protected=yes, "
	 "integrity-protected=\"ip-assoc-yes\"\r\n",
	 1},
	{"second Authorization carries yes",
	 "Authorization: " AUTHZ "\r\nAuthorization: Digest username=\"b@ims\", "
	 "integrity-protected=\"yes\"\r\n",
	 2},
	{"lower-case header name", "authorization: " AUTHZ ", integrity-protected=\"yes\"\r\n", 1},
	{"folded header", "Authorization: " AUTHZ ",\r\n integrity-protected=\"yes\"\r\n", 1},
	{"second Authorization unparsable",
	 "Authorization: " AUTHZ
	 "\r\nAuthorization: Digest username=\"b, integrity-protected=yes\r\n",
	 -EINVAL},
	{"not Digest", "Authorization: Basic YTpi, integrity-protected=yes\r\n", -EINVAL},
};

/* After marking: every Authorization says exactly one integrity-protected="no". */
static bool all_marked(osip_message_t *m, int want)
{
	char out[8192];
	int n, count = 0;
	const char *p;

	n = sipm_print(m, out, sizeof(out));
	if (n < 0)
		return false;
	for (p = out; (p = strcasestr(p, "integrity-protected")); p++)
		count++;
	if (count != (want < 0 ? 0 : want))
		return false;
	for (p = out; (p = strcasestr(p, "integrity-protected")); p++)
		if (strncmp(p, "integrity-protected=\"no\"", 24))
			return false;
	/* and after an error, no Authorization at all */
	return want >= 0 || !strcasestr(out, "Authorization");
}

static void test_integrity(void)
{
	for (size_t i = 0; i < sizeof(integ_cases) / sizeof(integ_cases[0]); i++) {
		const struct integ_case *c = &integ_cases[i];
		char msg[2048];
		osip_message_t *m;
		int rc = -1000;
		bool ok = false;

		snprintf(msg, sizeof(msg), REQ "%s" END, c->headers);
		if (!sipm_parse(&m, msg, strlen(msg))) {
			rc = sipm_set_integrity(m, "no");
			ok = rc == c->rc && all_marked(m, c->rc);
			osip_message_free(m);
		}
		TAP_CHECK(ok, "integrity: %s (rc %d, want %d)", c->name, rc, c->rc);
	}
}

/* ---- expiry of a 200 to REGISTER ------------------------------------------------------- */

#define RESP                                                                                       \
	"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKa\r\n"                    \
	"From: <sip:a@ims>;tag=1\r\nTo: <sip:a@ims>;tag=2\r\nCall-ID: c1\r\nCSeq: 2 REGISTER\r\n"

struct exp_case {
	const char *name;
	const char *headers;
	int rc;
	uint32_t expires;
};

static const struct exp_case exp_cases[] = {
	{"our Contact's expires", "Contact: <sip:192.0.2.2:31101>;expires=600\r\n", 0, 600},
	{"our Contact, no port in the URI is 5060", "Contact: <sip:192.0.2.2>;expires=7\r\n",
	 -ENOENT},
	{"ours among others, Expires ignored",
	 "Contact: <sip:192.0.2.9:31101>;expires=0, <sip:192.0.2.2:31101>;expires=3600\r\n"
	 "Contact: <sip:192.0.2.2:5060>;expires=1\r\nExpires: 10\r\n",
	 0, 3600},
	{"IPv6 Contact", "Contact: <sip:[2001:db8:1::2]:31101>;expires=300\r\n", 0, 300},
	{"our Contact without expires: Expires",
	 "Contact: <sip:192.0.2.2:31101>\r\nExpires: 1200\r\n", 0, 1200},
	{"de-registration: expires=0", "Contact: <sip:192.0.2.2:31101>;expires=0\r\n", 0, 0},
	{"de-registration: Expires: 0", "Contact: <sip:192.0.2.2:31101>\r\nExpires: 0\r\n", 0, 0},
	{"only another UE's Contact, no Expires", "Contact: <sip:192.0.2.9:31101>;expires=0\r\n",
	 -ENOENT},
	{"nothing at all", "", -ENOENT},
	{"2^32-1", "Contact: <sip:192.0.2.2:31101>;expires=4294967295\r\n", 0, 4294967295u},
	{"2^32 does not wrap to 0", "Contact: <sip:192.0.2.2:31101>;expires=4294967296\r\n",
	 -ERANGE},
	{"2^64 does not wrap to 0",
	 "Contact: <sip:192.0.2.2:31101>;expires=18446744073709551616\r\n", -ERANGE},
	{"Expires 2^32+600", "Expires: 4294967896\r\n", -ERANGE},
	{"negative", "Contact: <sip:192.0.2.2:31101>;expires=-1\r\n", -EINVAL},
	{"not a number", "Contact: <sip:192.0.2.2:31101>;expires=soon\r\n", -EINVAL},
	{"trailing junk", "Contact: <sip:192.0.2.2:31101>;expires=60x\r\n", -EINVAL},
	{"empty Expires", "Expires: \r\n", -EINVAL},
};

static void test_expires(void)
{
	struct pcscf_addr ue4, ue6;

	addr_parse("192.0.2.2", &ue4);
	addr_parse("2001:db8:1::2", &ue6);
	for (size_t i = 0; i < sizeof(exp_cases) / sizeof(exp_cases[0]); i++) {
		const struct exp_case *c = &exp_cases[i];
		char msg[2048], contact[REG_CONTACT_MAX];
		osip_message_t *m;
		uint32_t e = 12345;
		int rc = -1000;

		snprintf(msg, sizeof(msg), RESP "%s" END, c->headers);
		if (!sipm_parse(&m, msg, strlen(msg))) {
			rc = sipm_reg_expires(m, strstr(c->headers, "[2001") ? &ue6 : &ue4, 31101,
					      &e, contact, sizeof(contact));
			osip_message_free(m);
		} else {
			/* osip refusing the message is as good as refusing the value */
			rc = c->rc < 0 ? c->rc : -1000;
		}
		TAP_CHECK(rc == c->rc && (rc || e == c->expires), "expires: %s (rc %d, %u)",
			  c->name, rc, e);
	}
}

/* ---- Security-Client of 8 mechanisms over two headers ------------------------------------ */

static void test_sec_client_size(void)
{
	char msg[8192], mech[8][400];
	size_t n = 0;
	osip_message_t *m;
	struct sec_list l;
	const char *err = NULL;
	int rc = -1;

	for (int i = 0; i < 8; i++)
		snprintf(mech[i], sizeof(mech[i]),
			 "ipsec-3gpp;q=0.%d;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;"
			 "spi-c=%u;spi-s=%u;port-c=%u;port-s=%u;"
			 "x-a=\"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklm\";"
			 "x-b=abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopq;"
			 "x-c=abcdefghijklmnopqrstuvwxyz",
			 i + 1, 4000000000u + i, 4100000000u + i, 60000 + 2 * i, 60001 + 2 * i);
	n = (size_t)snprintf(msg, sizeof(msg),
			     REQ "Security-Client: %s, %s, %s, %s\r\n"
				 "Security-Client: %s, %s, %s, %s\r\n" END,
			     mech[0], mech[1], mech[2], mech[3], mech[4], mech[5], mech[6],
			     mech[7]);
	if (!sipm_parse(&m, msg, n)) {
		rc = sipm_sec_list(m, "Security-Client", &l, &err);
		osip_message_free(m);
	}
	TAP_CHECK(rc == 0 && l.n == 8 && strlen(mech[0]) * 8 > 2048,
		  "Security-Client: 8 mechanisms, %zu bytes, in two headers (rc %d)",
		  strlen(mech[0]) * 8, rc);
}

/*
 * fuzz_proxy found it: libosip2 read "sip:bo<CRLF><CRLF>s.example" as one
 * Request-URI and printed the empty line back out, so the next hop saw a
 * message cut after the start line. The start line is one line, or refused.
 */
static void test_start_line(void)
{
	static const char *bad = "MESSAGE sip:bo\r\n\r\ns.example SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP 10.0.0.10:5062;branch=z9hG4bKf7\r\n"
				 "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
				 "CSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n";
	static const char *good = "MESSAGE sip:bob@ims.example SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP 10.0.0.10:5062;branch=z9hG4bKf7\r\n"
				  "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
				  "CSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n";
	osip_message_t *m = NULL;

	TAP_CHECK(sipm_parse(&m, bad, strlen(bad)) == -EBADMSG,
		  "start line: a Request-URI across line breaks is refused");
	TAP_CHECK(!sipm_parse(&m, good, strlen(good)), "start line: one line parses");
	if (m)
		osip_message_free(m);
}

int main(void)
{
	if (sipm_init())
		return 1;
	test_start_line();
	test_integrity();
	test_expires();
	test_sec_client_size();
	return tap_done();
}
