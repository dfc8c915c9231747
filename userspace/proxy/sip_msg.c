// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/addr.h"
#include "proxy/sip_msg.h"
#include "sip/www_auth.h"

int sipm_init(void)
{
	return parser_init() ? -EINVAL : 0;
}

int sipm_raw_header(const char *buf, size_t len, const char *name, int pos, char *out,
		    size_t cap)
{
	const char *p = buf, *end = buf + len;
	size_t nlen = strlen(name);
	int seen = 0;

	/* Skip the start line. */
	while (p < end && *p != '\n')
		p++;
	while (p < end) {
		const char *line = ++p, *eol;

		while (p < end && *p != '\n')
			p++;
		eol = p;
		if (eol > line && eol[-1] == '\r')
			eol--;
		if (eol == line)
			break; /* end of the headers */
		if ((size_t)(eol - line) <= nlen || strncasecmp(line, name, nlen))
			continue;
		const char *v = line + nlen;

		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		if (v == eol || *v != ':' || seen++ != pos)
			continue;
		v++;
		size_t o = 0;

		for (;;) {
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			if (o + (eol - v) + 2 > cap)
				return -ENOSPC;
			if (o && v < eol)
				out[o++] = ' ';
			memcpy(out + o, v, eol - v);
			o += eol - v;
			/* RFC 3261 7.3.1: a line starting with whitespace continues the header. */
			if (p + 1 >= end || (p[1] != ' ' && p[1] != '\t'))
				break;
			v = ++p;
			while (p < end && *p != '\n')
				p++;
			eol = p;
			if (eol > v && eol[-1] == '\r')
				eol--;
		}
		while (o && (out[o - 1] == ' ' || out[o - 1] == '\t'))
			o--;
		out[o] = '\0';
		return (int)o;
	}
	return -ENOENT;
}

/*
 * osip's structured Digest headers drop what they do not know (ck, ik,
 * integrity-protected) and even empty nonce/response: IMS needs them all.
 * Those headers are kept as the text that arrived, as generic headers.
 * Always from the raw text, also when osip parsed none of them: osip drops
 * a Digest header it cannot parse (an empty list element, say) without
 * failing the message, and such a header must neither vanish from a 401
 * nor slip past the integrity-protected marking.
 */
static int keep_raw(osip_message_t *m, osip_list_t *list, void (*free_fn)(void *),
		    const char *name, const char *buf, size_t len)
{
	char v[2048];
	void *h;

	while ((h = osip_list_get(list, 0))) {
		osip_list_remove(list, 0);
		free_fn(h);
	}
	for (int pos = 0; sipm_raw_header(buf, len, name, pos, v, sizeof(v)) >= 0; pos++)
		if (osip_message_set_header(m, name, v))
			return -ENOMEM;
	return 0;
}

/*
 * The start line ends at the first CR or LF and is "SIP/2.0 ..." or
 * "... SIP/2.0". libosip2 looks further for the version, so that a
 * Request-URI holding CRLFs would parse and be printed back, ending the
 * header section for whoever reads our copy next.
 */
static bool start_line_ok(const char *buf, size_t len)
{
	const char *nl = buf;
	size_t n;

	while (nl < buf + len && *nl != '\r' && *nl != '\n')
		nl++;
	n = nl - buf;
	if (n >= 8 && !strncasecmp(buf, "SIP/2.0 ", 8))
		return true;
	return n > 8 && !strncasecmp(nl - 8, " SIP/2.0", 8);
}

int sipm_parse(osip_message_t **out, const char *buf, size_t len)
{
	osip_message_t *m;

	if (!start_line_ok(buf, len))
		return -EBADMSG;
	if (osip_message_init(&m))
		return -ENOMEM;
	if (osip_message_parse(m, buf, len) ||
	    keep_raw(m, &m->authorizations, (void (*)(void *))osip_authorization_free,
		     "Authorization", buf, len) ||
	    keep_raw(m, &m->www_authenticates, (void (*)(void *))osip_www_authenticate_free,
		     "WWW-Authenticate", buf, len) ||
	    keep_raw(m, &m->proxy_authorizations, (void (*)(void *))osip_authorization_free,
		     "Proxy-Authorization", buf, len) ||
	    keep_raw(m, &m->proxy_authenticates, (void (*)(void *))osip_www_authenticate_free,
		     "Proxy-Authenticate", buf, len)) {
		osip_message_free(m);
		return -EBADMSG;
	}
	*out = m;
	return 0;
}

/* Replaces the value of the first header called name (a generic header). */
int sipm_replace(osip_message_t *m, const char *name, const char *value)
{
	osip_header_t *h = NULL;

	if (osip_message_header_get_byname(m, name, 0, &h) < 0 || !h)
		return -ENOENT;
	osip_free(h->hvalue);
	h->hvalue = osip_strdup(value);
	return h->hvalue ? 0 : -ENOMEM;
}

int sipm_set_integrity(osip_message_t *m, const char *value)
{
	osip_header_t *h = NULL;
	char out[4096];
	int i, n = 0;

	for (i = 0; (i = osip_message_header_get_byname(m, "Authorization", i, &h)) >= 0 && h;
	     i++, n++) {
		const char *v = h->hvalue ? h->hvalue : "";
		char *dup;

		if (www_auth_set_integrity(v, strlen(v), value, out, sizeof(out)) < 0 ||
		    !(dup = osip_strdup(out))) {
			/* Not one header may go on with what the UE wrote. */
			sipm_remove(m, "Authorization");
			return -EINVAL;
		}
		osip_free(h->hvalue);
		h->hvalue = dup;
	}
	return n;
}

int sipm_print(osip_message_t *m, char *buf, size_t cap)
{
	char *s = NULL;
	size_t len = 0;

	/* osip prints the cached original unless told the message changed. */
	osip_message_force_update(m);
	if (osip_message_to_str(m, &s, &len) || !s)
		return -EBADMSG;
	if (len >= cap) {
		osip_free(s);
		return -ENOSPC;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	osip_free(s);
	return (int)len;
}

const char *sipm_header(osip_message_t *m, const char *name, int pos)
{
	osip_header_t *h = NULL;
	int i = -1;

	for (int n = 0; n <= pos; n++) {
		i = osip_message_header_get_byname(m, name, i + 1, &h);
		if (i < 0 || !h)
			return NULL;
	}
	return h->hvalue;
}

int sipm_remove(osip_message_t *m, const char *name)
{
	osip_header_t *h;
	int i, n = 0;

	while ((i = osip_message_header_get_byname(m, name, 0, &h)) >= 0 && h) {
		osip_list_remove(&m->headers, i);
		osip_header_free(h);
		n++;
	}
	return n;
}

static int token_eq(const char *s, size_t len, const char *tag)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return len == strlen(tag) && !strncasecmp(s, tag, len);
}

int sipm_has_tag(osip_message_t *m, const char *name, const char *tag)
{
	const char *v;

	for (int pos = 0; (v = sipm_header(m, name, pos)); pos++) {
		const char *p = v;

		while (*p) {
			size_t n = strcspn(p, ",");

			if (token_eq(p, n, tag))
				return 1;
			p += n;
			if (*p)
				p++;
		}
	}
	return 0;
}

int sipm_strip_tag(osip_message_t *m, const char *name, const char *tag)
{
	osip_header_t *h;
	int i = 0, removed = 0;

	while ((i = osip_message_header_get_byname(m, name, i, &h)) >= 0 && h) {
		char out[512];
		size_t o = 0;
		const char *p = h->hvalue ? h->hvalue : "";

		while (*p) {
			size_t n = strcspn(p, ",");

			if (token_eq(p, n, tag)) {
				removed++;
			} else if (o + n + 2 < sizeof(out)) {
				while (n && isspace((unsigned char)*p)) {
					p++;
					n--;
				}
				o += snprintf(out + o, sizeof(out) - o, "%s%.*s", o ? ", " : "",
					      (int)n, p);
			}
			p += n;
			if (*p)
				p++;
		}
		if (!o) {
			osip_list_remove(&m->headers, i);
			osip_header_free(h);
			continue;
		}
		osip_free(h->hvalue);
		h->hvalue = osip_strdup(out);
		i++;
	}
	return removed;
}

void sipm_keep_dialog_only(osip_message_t *m)
{
	osip_list_special_free(&m->headers, (void (*)(void *))osip_header_free);
	osip_list_special_free(&m->bodies, (void (*)(void *))osip_body_free);
	osip_list_special_free(&m->contacts, (void (*)(void *))osip_contact_free);
	osip_content_type_free(m->content_type);
	m->content_type = NULL;
	osip_content_length_free(m->content_length);
	m->content_length = NULL;
	osip_message_set_content_length(m, "0");
}

int sipm_add(osip_message_t *m, const char *name, const char *value)
{
	return osip_message_set_header(m, name, value) ? -ENOMEM : 0;
}

int sipm_sec_list(osip_message_t *m, const char *name, struct sec_list *l, const char **err)
{
	const char *v;

	sec_list_init(l);
	for (int pos = 0; (v = sipm_header(m, name, pos)); pos++)
		if (sec_list_parse(l, v, strlen(v), err) < 0)
			return -EINVAL;
	return 0;
}

int sipm_collect(osip_message_t *m, const char *name, char *out, size_t len, int max)
{
	const char *v;
	int n = 0;

	for (int pos = 0; (v = sipm_header(m, name, pos)); pos++) {
		const char *start = v;
		int depth = 0, quoted = 0;

		for (const char *p = v;; p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (!quoted && *p == '<')
				depth++;
			else if (!quoted && *p == '>')
				depth--;
			if (*p == '\0' || (*p == ',' && !depth && !quoted)) {
				const char *s = start, *e = p;

				while (s < e && isspace((unsigned char)*s))
					s++;
				while (e > s && isspace((unsigned char)e[-1]))
					e--;
				if (e > s && n < max && (size_t)(e - s) < len) {
					memcpy(out + n * len, s, e - s);
					out[n * len + (e - s)] = '\0';
					n++;
				}
				if (!*p)
					break;
				start = p + 1;
			}
		}
	}
	return n;
}

void sipm_bare_uri(const char *v, char *out, size_t cap)
{
	const char *lt = v ? strchr(v, '<') : NULL, *gt = lt ? strchr(lt, '>') : NULL;

	if (lt && gt)
		snprintf(out, cap, "%.*s", (int)(gt - lt - 1), lt + 1);
	else
		snprintf(out, cap, "%.*s", v ? (int)strcspn(v, "; \t") : 0, v ? v : "");
}

bool sipm_name_addr_ok(const char *entry)
{
	const char *lt = strchr(entry, '<'), *u = lt ? lt + 1 : entry;
	size_t ulen = lt ? strcspn(u, ">") : strcspn(u, "; \t");
	osip_from_t *na = NULL;
	const char *scheme;
	bool ok;

	if (!ulen || (lt && u[ulen] != '>'))
		return false;
	for (const unsigned char *c = (const unsigned char *)entry; *c; c++)
		if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
			return false;
	for (size_t i = 0; i < ulen; i++)
		if (u[i] < 0x21 || u[i] > 0x7e)
			return false;
	if (osip_from_init(&na) || osip_from_parse(na, entry) || !na->url) {
		osip_from_free(na);
		return false;
	}
	scheme = na->url->scheme;
	ok = scheme && (!osip_strcasecmp(scheme, "sip") || !osip_strcasecmp(scheme, "sips") ||
			!osip_strcasecmp(scheme, "tel"));
	if (ok && osip_strcasecmp(scheme, "tel"))
		ok = na->url->host && na->url->host[0];
	osip_from_free(na);
	return ok;
}

int sipm_impi(osip_message_t *m, char *out, size_t cap)
{
	const char *auth = sipm_header(m, "Authorization", 0);
	const char *v;
	size_t vlen;
	osip_uri_t *u;

	if (auth && !www_auth_param(auth, strlen(auth), "username", &v, &vlen) && vlen &&
	    vlen < cap) {
		memcpy(out, v, vlen);
		out[vlen] = '\0';
		return 0;
	}
	u = m->to ? m->to->url : NULL;
	if (!u || !u->username || !u->host)
		return -ENOENT;
	if ((size_t)snprintf(out, cap, "%s@%s", u->username, u->host) >= cap)
		return -ENOSPC;
	return 0;
}

int sipm_call_id(osip_message_t *m, char *out, size_t cap)
{
	char *s = NULL;

	if (!m->call_id || osip_call_id_to_str(m->call_id, &s) || !s)
		return -ENOENT;
	if (strlen(s) >= cap) {
		osip_free(s);
		return -ENOSPC;
	}
	strcpy(out, s);
	osip_free(s);
	return 0;
}

/* delta-seconds (RFC 3261 25.1: 1*DIGIT), up to 2^32-1; surrounding whitespace allowed. */
static int delta_seconds(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	const char *d;

	while (isspace((unsigned char)*s))
		s++;
	for (d = s; *d >= '0' && *d <= '9'; d++) {
		v = v * 10 + (uint64_t)(*d - '0');
		if (v > UINT32_MAX)
			return -ERANGE; /* checked per digit: no wrap, however long */
	}
	if (d == s)
		return -EINVAL;
	while (isspace((unsigned char)*d))
		d++;
	if (*d)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int sipm_uri_addr(const osip_uri_t *u, struct pcscf_addr *a, uint16_t *port)
{
	char host[ADDR_STR_LEN + 2];
	unsigned long pn = 5060;
	char *end;
	size_t n;

	if (!u || !u->host || (n = strlen(u->host)) >= sizeof(host))
		return -EINVAL;
	/* osip may or may not keep the brackets of an IPv6 reference */
	if (n > 2 && u->host[0] == '[' && u->host[n - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)(n - 2), u->host + 1);
	else
		snprintf(host, sizeof(host), "%s", u->host);
	if (addr_parse(host, a))
		return -EINVAL;
	if (u->port) {
		pn = strtoul(u->port, &end, 10);
		if (end == u->port || *end || !pn || pn > 65535)
			return -EINVAL;
	}
	*port = (uint16_t)pn;
	return 0;
}

/* The Contact URI names @ue (and @port, unless 0; no port in the URI is 5060). */
static bool contact_is(const osip_contact_t *c, const struct pcscf_addr *ue, uint16_t port)
{
	struct pcscf_addr a;
	uint16_t p;

	if (sipm_uri_addr(c->url, &a, &p) || memcmp(&a, ue, sizeof(a)))
		return false;
	return !port || p == port;
}

int sipm_reg_expires(osip_message_t *m, const struct pcscf_addr *ue, uint16_t port,
		     uint32_t *out, char *contact, size_t cap)
{
	osip_contact_t *c = NULL;
	osip_header_t *h = NULL;
	osip_generic_param_t *p;
	char *s = NULL;

	if (cap)
		contact[0] = '\0';
	for (int pos = 0; osip_message_get_contact(m, pos, &c) >= 0 && c; pos++, c = NULL) {
		if (!contact_is(c, ue, port))
			continue;
		if (cap && !osip_contact_to_str(c, &s) && s) {
			snprintf(contact, cap, "%s", s);
			osip_free(s);
		}
		p = NULL;
		if (!osip_contact_param_get_byname(c, "expires", &p) && p)
			return p->gvalue ? delta_seconds(p->gvalue, out) : -EINVAL;
		break;
	}
	if (osip_message_get_expires(m, 0, &h) >= 0 && h)
		return h->hvalue ? delta_seconds(h->hvalue, out) : -EINVAL;
	return -ENOENT;
}

const char *sipm_top_branch(osip_message_t *m)
{
	osip_via_t *v = NULL;
	osip_generic_param_t *b = NULL;

	if (osip_message_get_via(m, 0, &v) || !v)
		return NULL;
	if (osip_via_param_get_byname(v, "branch", &b) || !b)
		return NULL;
	return b->gvalue;
}

int sipm_pop_via(osip_message_t *m)
{
	osip_via_t *v = osip_list_get(&m->vias, 0);

	if (!v)
		return -ENOENT;
	osip_list_remove(&m->vias, 0);
	osip_via_free(v);
	return 0;
}

int sipm_push_via(osip_message_t *m, const char *host, unsigned int port, const char *branch)
{
	char buf[256];
	osip_via_t *v;
	int ipv6 = strchr(host, ':') != NULL;

	snprintf(buf, sizeof(buf), "SIP/2.0/UDP %s%s%s:%u;branch=%s", ipv6 ? "[" : "", host,
		 ipv6 ? "]" : "", port, branch);
	if (osip_via_init(&v))
		return -ENOMEM;
	if (osip_via_parse(v, buf)) {
		osip_via_free(v);
		return -EINVAL;
	}
	osip_list_add(&m->vias, v, 0);
	return 0;
}
