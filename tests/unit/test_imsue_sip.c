// SPDX-License-Identifier: GPL-2.0
/*
 * imsue SIP: the REGISTERs it builds parse back with libosip2 with every
 * header 24.229 / RFC 3329 asks for, and the response fields it acts on are
 * read correctly. imsue is not in libpcscf.a, so its source is included.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>

#include "imsue/ue_sip.c"
#include "sip/sec_agree.h"
#include "tap.h"

#define SC                                                                                         \
	"ipsec-3gpp;prot=esp;mod=trans;spi-c=1111;spi-s=2222;port-c=31000;port-s=31001;"           \
	"alg=hmac-sha-1-96;ealg=aes-cbc, ipsec-3gpp;prot=esp;mod=trans;spi-c=1111;spi-s=2222;"     \
	"port-c=31000;port-s=31001;alg=hmac-sha-1-96;ealg=null"
#define SS                                                                                         \
	"ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=5000;spi-s=5001;port-c=6100;port-s=6101;"       \
	"alg=hmac-sha-1-96;ealg=aes-cbc"

static const char *hval(osip_message_t *m, const char *name)
{
	osip_header_t *h = NULL;

	return osip_message_header_get_byname(m, name, 0, &h) >= 0 && h ? h->hvalue : NULL;
}

/* All values of a header joined by ", " (osip splits comma lists into headers). */
static const char *hjoin(osip_message_t *m, const char *name)
{
	static char out[2048];
	osip_header_t *h;
	int pos = 0, i;

	out[0] = '\0';
	while ((i = osip_message_header_get_byname(m, name, pos, &h)) >= 0) {
		size_t l = strlen(out);

		snprintf(out + l, sizeof(out) - l, "%s%s", l ? ", " : "", h->hvalue);
		pos = i + 1;
	}
	return out[0] ? out : NULL;
}

static bool streq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static struct ue_req base_req(void)
{
	struct ue_req r = {
		.method = "REGISTER",
		.impi = "001010000000001@ims.example.com",
		.impu = "sip:001010000000001@ims.example.com",
		.domain = "ims.example.com",
		.local_ip = "192.0.2.10",
		.via_port = 5060,
		.contact_port = 31001,
		.call_id = "abc123@imsue",
		.from_tag = "f00d",
		.branch = "z9hG4bKtest1",
		.cseq = 1,
		.expires = 600,
		.sec_client = SC,
	};
	return r;
}

static void test_initial_register(void)
{
	char auth[512], buf[4096];
	struct ue_req r = base_req();
	osip_message_t *m;
	osip_via_t *via = NULL;
	osip_contact_t *ct = NULL;
	osip_authorization_t *az = NULL;
	struct sec_list l;
	const char *err;
	int n;

	TAP_CHECK(ue_sip_auth_initial(r.impi, "ims.example.com", "sip:ims.example.com", auth,
				      sizeof(auth)) > 0,
		  "initial Authorization built");
	r.authorization = auth;
	n = ue_sip_build(&r, buf, sizeof(buf));
	TAP_CHECK(n > 0 && (size_t)n == strlen(buf), "initial REGISTER built (%d bytes)", n);
	osip_message_init(&m);
	TAP_CHECK(!osip_message_parse(m, buf, (size_t)n), "initial REGISTER parses with osip");
	TAP_CHECK(MSG_IS_REGISTER(m) && m->req_uri && streq(m->req_uri->host, "ims.example.com"),
		  "method REGISTER, Request-URI sip:ims.example.com");
	TAP_CHECK(m->cseq && streq(m->cseq->number, "1") && streq(m->cseq->method, "REGISTER"),
		  "CSeq 1 REGISTER");
	TAP_CHECK(m->call_id && streq(m->call_id->number, "abc123") &&
			  streq(m->call_id->host, "imsue"),
		  "Call-ID");
	osip_message_get_via(m, 0, &via);
	TAP_CHECK(via && streq(via->host, "192.0.2.10") && streq(via->port, "5060") &&
			  streq(via->protocol, "UDP"),
		  "Via: UDP 192.0.2.10:5060 (unprotected port)");
	osip_message_get_contact(m, 0, &ct);
	TAP_CHECK(ct && ct->url && streq(ct->url->port, "31001"), "Contact carries port_us 31001");
	TAP_CHECK(streq(hval(m, "expires"), "600"), "Expires: 600");
	TAP_CHECK(streq(hval(m, "require"), "sec-agree") &&
			  streq(hval(m, "proxy-require"), "sec-agree"),
		  "Require and Proxy-Require: sec-agree");
	TAP_CHECK(streq(hval(m, "supported"), "path"), "Supported: path");
	TAP_CHECK(!hval(m, "security-verify"), "no Security-Verify before a Security-Server");
	sec_list_init(&l);
	TAP_CHECK(hjoin(m, "security-client") &&
			  sec_list_parse(&l, hjoin(m, "security-client"),
					 strlen(hjoin(m, "security-client")), &err) == 2 &&
			  l.mech[0].spi_c == 1111 && l.mech[0].spi_s == 2222 &&
			  l.mech[0].port_c == 31000 && l.mech[0].port_s == 31001 &&
			  !strcmp(l.mech[1].ealg, "null"),
		  "Security-Client round-trips through sec_list_parse (2 offers)");
	osip_message_get_authorization(m, 0, &az);
	TAP_CHECK(az && streq(az->auth_type, "Digest") &&
			  streq(az->username, "\"001010000000001@ims.example.com\"") &&
			  streq(az->realm, "\"ims.example.com\"") &&
			  streq(az->uri, "\"sip:ims.example.com\"") &&
			  /* osip drops empty quoted values: check the text */
			  strstr(buf, "nonce=\"\", ") && strstr(buf, "response=\"\"\r\n"),
		  "Authorization: IMPI, realm, empty nonce and response");
	osip_message_free(m);
}

static void test_protected_register(void)
{
	char auth[512], buf[4096];
	struct ue_req r = base_req();
	osip_message_t *m;
	osip_authorization_t *az = NULL;
	osip_via_t *via = NULL;
	struct sec_list v, s;
	const char *err;
	int n;

	ue_sip_auth_answer(r.impi, "ims.example.com", "bm9uY2U=", "sip:ims.example.com", "auth",
			   "00000001", "0a1b2c3d", "0123456789abcdef0123456789abcdef", auth,
			   sizeof(auth));
	r.authorization = auth;
	r.sec_verify = SS;
	r.cseq = 2;
	r.via_port = 31001;
	n = ue_sip_build(&r, buf, sizeof(buf));
	osip_message_init(&m);
	TAP_CHECK(n > 0 && !osip_message_parse(m, buf, (size_t)n),
		  "protected REGISTER parses with osip");
	osip_message_get_authorization(m, 0, &az);
	TAP_CHECK(az && streq(az->response, "\"0123456789abcdef0123456789abcdef\"") &&
			  streq(az->nonce, "\"bm9uY2U=\"") && streq(az->message_qop, "auth") &&
			  streq(az->nonce_count, "00000001") && streq(az->cnonce, "\"0a1b2c3d\"") &&
			  streq(az->algorithm, "AKAv1-MD5"),
		  "Authorization answer: response, nonce, qop, nc, cnonce, algorithm");
	osip_message_get_via(m, 0, &via);
	TAP_CHECK(via && streq(via->port, "31001"), "Via sent-by is the protected server port");
	sec_list_init(&v);
	sec_list_init(&s);
	sec_list_parse(&s, SS, strlen(SS), &err);
	TAP_CHECK(hval(m, "security-verify") &&
			  sec_list_parse(&v, hval(m, "security-verify"),
					 strlen(hval(m, "security-verify")), &err) == 1 &&
			  !sec_verify_check(&v, &s),
		  "Security-Verify equals the Security-Server (sec_verify_check)");
	TAP_CHECK(streq(hjoin(m, "security-client"), SC), "Security-Client repeated unchanged");
	osip_message_free(m);
}

static void test_v6_and_options(void)
{
	char buf[4096];
	struct ue_req r = base_req();
	osip_message_t *m;
	osip_via_t *via = NULL;
	int n;

	r.local_ip = "2001:db8::10";
	r.local_v6 = true;
	r.method = "OPTIONS";
	r.sec_client = NULL;
	r.request_uri = "sip:ims.example.com";
	n = ue_sip_build(&r, buf, sizeof(buf));
	osip_message_init(&m);
	TAP_CHECK(n > 0 && !osip_message_parse(m, buf, (size_t)n) && MSG_IS_OPTIONS(m),
		  "IPv6 OPTIONS parses");
	osip_message_get_via(m, 0, &via);
	TAP_CHECK(via && streq(via->host, "2001:db8::10"), "IPv6 Via host in brackets");
	TAP_CHECK(!hval(m, "require") && !hval(m, "expires") && !m->contacts.nb_elt,
		  "OPTIONS: no sec-agree, Expires or Contact");
	osip_message_free(m);

	r = base_req();
	TAP_CHECK(ue_sip_build(&r, buf, 100) == -ENOSPC, "small buffer: -ENOSPC");
	r.impi = NULL;
	TAP_CHECK(ue_sip_build(&r, buf, sizeof(buf)) == -EINVAL, "missing IMPI: -EINVAL");
}

static const char resp401[] = "SIP/2.0 401 Unauthorized\r\n"
			      "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKtest1;rport=5060\r\n"
			      "From: <sip:alice@ims.example.com>;tag=f00d\r\n"
			      "To: <sip:alice@ims.example.com>;tag=x1\r\n"
			      "Call-ID: abc123@imsue\r\n"
			      "CSeq: 1 REGISTER\r\n"
			      "WWW-Authenticate: Digest realm=\"ims.example.com\", "
			      "nonce=\"I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=\", "
			      "algorithm=AKAv1-MD5, qop=\"auth\"\r\n"
			      "Security-Server: "
			      "ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=5000;spi-s=5001;port-c="
			      "6100;port-s=6101;alg=hmac-sha-1-96;ealg=aes-cbc\r\n"
			      "Security-Server: "
			      "ipsec-3gpp;q=0.05;prot=esp;mod=trans;spi-c=5000;spi-s=5001;port-c="
			      "6100;port-s=6101;alg=hmac-sha-1-96;ealg=null\r\n"
			      "Content-Length: 0\r\n\r\n";

static const char leaky401[] =
	"SIP/2.0 401 Unauthorized\r\n"
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKtest1\r\n"
	"From: <sip:alice@ims.example.com>;tag=f00d\r\n"
	"To: <sip:alice@ims.example.com>;tag=x1\r\n"
	"Call-ID: abc123@imsue\r\n"
	"CSeq: 1 REGISTER\r\n"
	"WWW-Authenticate: Digest realm=\"ims.example.com\", nonce=\"bm9uY2U=\", "
	"algorithm=AKAv1-MD5, "
	"ik=\"f769bcd751044604127672711c6d3441\", ck=\"b40ba9a3c58b2a05bbf0d987b21bf8cb\"\r\n"
	"Content-Length: 0\r\n\r\n";

static const char resp200[] = "SIP/2.0 200 OK\r\n"
			      "Via: SIP/2.0/UDP 192.0.2.10:31001;branch=z9hG4bKtest2\r\n"
			      "From: <sip:alice@ims.example.com>;tag=f00d\r\n"
			      "To: <sip:alice@ims.example.com>;tag=x1\r\n"
			      "Call-ID: abc123@imsue\r\n"
			      "CSeq: 2 REGISTER\r\n"
			      "Contact: <sip:192.0.2.10:31001>;expires=300\r\n"
			      "Expires: 600\r\n"
			      "P-Associated-URI: <sip:alice@ims.example.com>\r\n"
			      "P-Associated-URI: <tel:+15551234>\r\n"
			      "Service-Route: <sip:orig@scscf.ims.example.com;lr>\r\n"
			      "Content-Length: 0\r\n\r\n";

static const char options[] = "OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
			      "Call-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

static void test_responses(void)
{
	static struct ue_resp r;
	char method[16];

	TAP_CHECK(!ue_sip_parse_response(resp401, strlen(resp401), &r) && r.status == 401 &&
			  r.cseq == 1 && !strcmp(r.cseq_method, "REGISTER") &&
			  !strcmp(r.call_id, "abc123@imsue"),
		  "401: status, CSeq, Call-ID");
	TAP_CHECK(strstr(r.www_auth, "nonce=\"I1U8vpY3qJ0hiuZNrke/NVXzKLQ1d7m5Sp/6w1Tfr7M=\"") &&
			  strstr(r.www_auth, "AKAv1-MD5"),
		  "401: WWW-Authenticate value kept");
	TAP_CHECK(!r.www_has_keys, "401 without ck/ik: www_has_keys false");
	TAP_CHECK(strstr(r.sec_server, "ealg=aes-cbc, ipsec-3gpp;q=0.05") != NULL,
		  "401: both Security-Server headers joined in order");
	TAP_CHECK(!ue_sip_parse_response(resp200, strlen(resp200), &r) && r.status == 200 &&
			  r.expires == 600 && r.contact_expires == 300,
		  "200: Expires header and Contact expires");
	TAP_CHECK(!strcmp(r.p_assoc_uri, "<sip:alice@ims.example.com>, <tel:+15551234>") &&
			  !strcmp(r.service_route, "<sip:orig@scscf.ims.example.com;lr>"),
		  "200: P-Associated-URI list and Service-Route");
	TAP_CHECK(!ue_sip_parse_response(leaky401, strlen(leaky401), &r) && r.www_has_keys &&
			  strstr(r.www_auth, "nonce="),
		  "401 still carrying ck/ik is noticed (osip drops them from the value)");
	TAP_CHECK(ue_sip_parse_response("garbage", 7, &r) == -EINVAL, "not SIP: -EINVAL");
	TAP_CHECK(ue_sip_parse_response(options, strlen(options), &r) == -EINVAL,
		  "a request is not a response");
	TAP_CHECK(!ue_sip_request_method(options, strlen(options), method, sizeof(method)) &&
			  !strcmp(method, "OPTIONS"),
		  "request method read");
}

int main(void)
{
	ue_sip_init();
	test_initial_register();
	test_protected_register();
	test_v6_and_options();
	test_responses();
	return tap_done();
}
