// SPDX-License-Identifier: GPL-2.0
/*
 * SIP messages of the UE. Requests are built as text: the UE knows exactly
 * what it sends, and the unit tests parse the result back with libosip2 to
 * prove it is well-formed. Responses come from the P-CSCF and are parsed
 * with libosip2 only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_parser.h>

#include "common/outbuf.h"
#include "imsue/ue_sip.h"
#include "sip/www_auth.h"

int ue_sip_build(const struct ue_req *r, char *buf, size_t cap)
{
	struct outbuf b;
	const char *lb = r->local_v6 ? "[" : "", *rb = r->local_v6 ? "]" : "";
	bool reg;

	if (!r->method || !r->impi || !r->impu || !r->domain || !r->local_ip || !r->call_id ||
	    !r->from_tag || !r->branch || !cap)
		return -EINVAL;
	reg = !strcmp(r->method, "REGISTER");
	outbuf_init(&b, buf, cap);
	if (r->request_uri)
		outbuf_printf(&b, "%s %s SIP/2.0\r\n", r->method, r->request_uri);
	else
		outbuf_printf(&b, "%s sip:%s SIP/2.0\r\n", r->method, r->domain);
	/* rport: a NAT between UE and P would otherwise lose the unprotected 401 */
	outbuf_printf(&b, "Via: SIP/2.0/UDP %s%s%s:%u;branch=%s;rport\r\n", lb, r->local_ip, rb,
	       r->via_port, r->branch);
	outbuf_printf(&b, "Max-Forwards: 70\r\n");
	outbuf_printf(&b, "From: <%s>;tag=%s\r\n", r->impu, r->from_tag);
	if (reg || r->request_uri)
		outbuf_printf(&b, "To: <%s>\r\n", reg ? r->impu : r->request_uri);
	else
		outbuf_printf(&b, "To: <sip:%s>\r\n", r->domain);
	outbuf_printf(&b, "Call-ID: %s\r\n", r->call_id);
	outbuf_printf(&b, "CSeq: %u %s\r\n", r->cseq, r->method);
	if (reg) {
		/*
		 * 24.229 5.1.1.2: the Contact carries the protected server port,
		 * where the P-CSCF sends terminating requests once registered.
		 */
		outbuf_printf(&b, "Contact: <sip:%s%s%s:%u>;expires=%u\r\n", lb, r->local_ip, rb,
		       r->contact_port, r->expires);
		outbuf_printf(&b, "Expires: %u\r\n", r->expires);
		outbuf_printf(&b, "Supported: path\r\n");
	}
	if (r->authorization)
		outbuf_printf(&b, "Authorization: %s\r\n", r->authorization);
	if (r->sec_client || r->sec_verify) {
		outbuf_printf(&b, "Require: sec-agree\r\n");
		outbuf_printf(&b, "Proxy-Require: sec-agree\r\n");
	}
	if (r->sec_client)
		outbuf_printf(&b, "Security-Client: %s\r\n", r->sec_client);
	if (r->sec_verify)
		outbuf_printf(&b, "Security-Verify: %s\r\n", r->sec_verify);
	outbuf_printf(&b, "User-Agent: imsue (xdp-pcscf)\r\n");
	outbuf_printf(&b, "Content-Length: 0\r\n\r\n");
	return outbuf_result(&b);
}

int ue_sip_auth_initial(const char *impi, const char *realm, const char *uri, char *buf, size_t cap)
{
	int n = snprintf(
		buf, cap,
		"Digest username=\"%s\", realm=\"%s\", nonce=\"\", uri=\"%s\", response=\"\"", impi,
		realm, uri);

	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int ue_sip_auth_answer(const char *impi, const char *realm, const char *nonce, const char *uri,
		       const char *qop, const char *nc, const char *cnonce, const char *response,
		       char *buf, size_t cap)
{
	int n;

	if (qop && *qop)
		n = snprintf(buf, cap,
			     "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
			     "response=\"%s\", algorithm=AKAv1-MD5, qop=%s, nc=%s, cnonce=\"%s\"",
			     impi, realm, nonce, uri, response, qop, nc, cnonce);
	else
		n = snprintf(buf, cap,
			     "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
			     "response=\"%s\", algorithm=AKAv1-MD5",
			     impi, realm, nonce, uri, response);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

static void join(char *dst, size_t cap, const char *v)
{
	size_t l = strlen(dst);

	if (!v)
		return;
	snprintf(dst + l, cap - l, "%s%s", l ? ", " : "", v);
}

static void join_byname(const osip_message_t *m, const char *name, char *dst, size_t cap)
{
	osip_header_t *h;
	int pos = 0, i;

	dst[0] = '\0';
	while ((i = osip_message_header_get_byname(m, name, pos, &h)) >= 0) {
		if (h && h->hvalue)
			join(dst, cap, h->hvalue);
		pos = i + 1;
	}
}

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/*
 * libosip2 keeps only the Digest parameters it knows, so ck/ik (which the
 * P-CSCF must strip, 24.229 5.2.2.1) are looked for in the raw header lines.
 */
static bool raw_www_has_keys(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	static const char name[] = "www-authenticate:";

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((eol ? eol : end) - p);
		const char *v;
		size_t vl;

		if (l == 0 || (l == 1 && *p == '\r'))
			break; /* end of headers */
		if (l > sizeof(name) - 1 && !strncasecmp(p, name, sizeof(name) - 1)) {
			const char *val = p + sizeof(name) - 1;
			size_t n = l - (sizeof(name) - 1);

			if (!www_auth_param(val, n, "ck", &v, &vl) ||
			    !www_auth_param(val, n, "ik", &v, &vl))
				return true;
		}
		p += l + 1;
	}
	return false;
}

void ue_sip_init(void)
{
	parser_init();
}

int ue_sip_parse_response(const char *buf, size_t len, struct ue_resp *out)
{
	osip_message_t *m;
	osip_www_authenticate_t *wa = NULL;
	osip_contact_t *ct = NULL;
	osip_header_t *h;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->expires = out->contact_expires = -1;
	if (osip_message_init(&m))
		return -ENOMEM;
	if (osip_message_parse(m, buf, len) || !MSG_IS_RESPONSE(m) || !m->call_id || !m->cseq ||
	    !m->cseq->number) {
		rc = -EINVAL;
		goto out;
	}
	out->status = osip_message_get_status_code(m);
	if (m->call_id->host)
		snprintf(out->call_id, sizeof(out->call_id), "%s@%s", m->call_id->number,
			 m->call_id->host);
	else
		copy(out->call_id, sizeof(out->call_id), m->call_id->number);
	out->cseq = (uint32_t)strtoul(m->cseq->number, NULL, 10);
	copy(out->cseq_method, sizeof(out->cseq_method), m->cseq->method);

	if (osip_message_get_www_authenticate(m, 0, &wa) >= 0 && wa) {
		char *s = NULL;

		if (!osip_www_authenticate_to_str(wa, &s) && s)
			copy(out->www_auth, sizeof(out->www_auth), s);
		osip_free(s);
	}
	out->www_has_keys = out->www_auth[0] && raw_www_has_keys(buf, len);
	join_byname(m, "security-server", out->sec_server, sizeof(out->sec_server));
	join_byname(m, "p-associated-uri", out->p_assoc_uri, sizeof(out->p_assoc_uri));
	join_byname(m, "service-route", out->service_route, sizeof(out->service_route));
	if (osip_message_get_expires(m, 0, &h) >= 0 && h && h->hvalue)
		out->expires = strtol(h->hvalue, NULL, 10);
	if (osip_message_get_contact(m, 0, &ct) >= 0 && ct) {
		osip_generic_param_t *gp = NULL;

		if (osip_contact_param_get_byname(ct, "expires", &gp) >= 0 && gp && gp->gvalue)
			out->contact_expires = strtol(gp->gvalue, NULL, 10);
	}
out:
	osip_message_free(m);
	return rc;
}

int ue_sip_request_method(const char *buf, size_t len, char *method, size_t cap)
{
	osip_message_t *m;
	int rc = -EINVAL;

	if (osip_message_init(&m))
		return -ENOMEM;
	if (!osip_message_parse(m, buf, len) && MSG_IS_REQUEST(m) && m->sip_method) {
		copy(method, cap, m->sip_method);
		rc = 0;
	}
	osip_message_free(m);
	return rc;
}
