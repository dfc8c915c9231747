// SPDX-License-Identifier: GPL-2.0
/* SIP of a call or a MESSAGE, read with libosip2 into struct ue_msg. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_parser.h>

#include "common/outbuf.h"
#include "imsue/ue_msg.h"

/* @src into @dst whole, or -EMSGSIZE. */
static int put(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= cap)
		return -EMSGSIZE;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
	return 0;
}

static int tag_of(osip_from_t *f, char *dst, size_t cap)
{
	osip_generic_param_t *t = NULL;

	if (osip_from_get_tag(f, &t) || !t || !t->gvalue)
		return put(dst, cap, "");
	return put(dst, cap, t->gvalue);
}

/* A libosip2 *_to_str() result into @dst, freed. */
static int put_str(char *dst, size_t cap, int rc, char *s)
{
	int r = rc || !s ? -EINVAL : put(dst, cap, s);

	osip_free(s);
	return r;
}

static int put_from(char *dst, size_t cap, osip_from_t *f)
{
	char *s = NULL;
	int rc = osip_from_to_str(f, &s);

	return put_str(dst, cap, rc, s);
}

static int take_vias(osip_message_t *o, struct ue_msg *m)
{
	struct outbuf b;
	osip_via_t *v;
	int pos = 0;

	outbuf_init(&b, m->vias, sizeof(m->vias));
	while ((v = osip_list_get(&o->vias, pos++))) {
		char *s = NULL;

		if (osip_via_to_str(v, &s) || !s) {
			osip_free(s);
			return -EINVAL;
		}
		outbuf_printf(&b, "Via: %s\r\n", s);
		osip_free(s);
		if (m->n_vias++ == 0) {
			osip_generic_param_t *br = NULL;

			if (!osip_via_param_get_byname(v, "branch", &br) && br && br->gvalue &&
			    put(m->branch, sizeof(m->branch), br->gvalue))
				return -EMSGSIZE;
		}
	}
	if (!m->n_vias)
		return -EINVAL;
	return outbuf_result(&b) < 0 ? -EMSGSIZE : 0;
}

static int take_rr(osip_message_t *o, struct ue_msg *m)
{
	struct outbuf b;
	osip_record_route_t *r;
	int pos = 0;

	outbuf_init(&b, m->rr, sizeof(m->rr));
	while ((r = osip_list_get(&o->record_routes, pos++))) {
		char *s = NULL;

		if (osip_record_route_to_str(r, &s) || !s) {
			osip_free(s);
			return -EINVAL;
		}
		if (m->n_rr == UE_MSG_RR_MAX) {
			osip_free(s);
			return -EMSGSIZE;
		}
		outbuf_printf(&b, "%s", m->n_rr ? ", " : "");
		m->rr_off[m->n_rr] = (uint16_t)(b.len < sizeof(m->rr) ? b.len : 0);
		m->rr_len[m->n_rr++] = (uint16_t)(strlen(s) < sizeof(m->rr) ? strlen(s) : 0);
		outbuf_printf(&b, "%s", s);
		osip_free(s);
	}
	return outbuf_result(&b) < 0 ? -EMSGSIZE : 0;
}

int ue_msg_parse(const char *buf, size_t len, struct ue_msg *m)
{
	osip_message_t *o;
	osip_contact_t *ct = NULL;
	char *s = NULL;
	int rc;

	memset(m, 0, sizeof(*m));
	if (osip_message_init(&o))
		return -ENOMEM;
	rc = -EINVAL;
	if (osip_message_parse(o, buf, len) || !o->call_id || !o->call_id->number || !o->cseq ||
	    !o->cseq->number || !o->cseq->method || !o->from || !o->to)
		goto out;
	m->request = MSG_IS_REQUEST(o);
	if (m->request) {
		if (!o->sip_method || put(m->method, sizeof(m->method), o->sip_method))
			goto out;
	} else {
		m->status = osip_message_get_status_code(o);
		if (m->status < 100 || m->status > 699)
			goto out;
	}
	if (o->call_id->host)
		rc = snprintf(m->call_id, sizeof(m->call_id), "%s@%s", o->call_id->number,
			      o->call_id->host) >= (int)sizeof(m->call_id)
			     ? -EMSGSIZE
			     : 0;
	else
		rc = put(m->call_id, sizeof(m->call_id), o->call_id->number);
	if (rc)
		goto out;
	{
		char *end;
		unsigned long n = strtoul(o->cseq->number, &end, 10);

		rc = -EINVAL;
		if (*end || end == o->cseq->number || n > UINT32_MAX)
			goto out;
		m->cseq = (uint32_t)n;
	}
	if ((rc = put(m->cseq_method, sizeof(m->cseq_method), o->cseq->method)) ||
	    (rc = put_from(m->from, sizeof(m->from), o->from)) ||
	    (rc = put_from(m->to, sizeof(m->to), o->to)) ||
	    (rc = tag_of(o->from, m->from_tag, sizeof(m->from_tag))) ||
	    (rc = tag_of(o->to, m->to_tag, sizeof(m->to_tag))) || (rc = take_vias(o, m)) ||
	    (rc = take_rr(o, m)))
		goto out;
	/* Our answer to a tagless To adds our tag: it must still fit, as we read it back. */
	rc = -EMSGSIZE;
	if (m->request && !m->to_tag[0] && strlen(m->to) + UE_MSG_TAG_ROOM > sizeof(m->to))
		goto out;
	if (osip_message_get_contact(o, 0, &ct) >= 0 && ct && ct->url) {
		s = NULL;
		rc = osip_uri_to_str(ct->url, &s);
		rc = put_str(m->contact, sizeof(m->contact), rc, s);
		if (rc)
			goto out;
	}
	if (o->content_length && o->content_length->value)
		m->body_len = strtoul(o->content_length->value, NULL, 10);
	rc = 0;
out:
	osip_message_free(o);
	if (rc)
		memset(m, 0, sizeof(*m));
	return rc;
}

int ue_msg_rr_reversed(const struct ue_msg *m, char *out, size_t cap)
{
	struct outbuf b;

	outbuf_init(&b, out, cap);
	for (unsigned int i = m->n_rr; i-- > 0;)
		outbuf_printf(&b, "%s%.*s", i + 1 < m->n_rr ? ", " : "", (int)m->rr_len[i],
			      m->rr + m->rr_off[i]);
	return outbuf_result(&b);
}
