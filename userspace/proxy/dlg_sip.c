// SPDX-License-Identifier: GPL-2.0
/*
 * Small SIP readers for the dialog code: tags, name-addrs, Contact, CSeq, the
 * SDP body, and the route sets a dialog keeps (RFC 3261 12.1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/outbuf.h"
#include "rx/rx.h"
#include "proxy/dialog.h"
#include "proxy/dlg_priv.h"
#include "proxy/dlg_rx.h"
#include "proxy/orig.h"
#include "proxy/proxy_priv.h"
#include "reg/reg.h"

const char *dlg_tag_of(osip_from_t *f)
{
	osip_generic_param_t *tag = NULL;

	return f && !osip_from_get_tag(f, &tag) && tag && tag->gvalue ? tag->gvalue : NULL;
}

int dlg_copy_str(char *dst, size_t cap, char *src)
{
	size_t n = src ? strlen(src) : 0;
	int err = src && n < cap ? 0 : -ENOSPC;

	if (!err)
		memcpy(dst, src, n + 1);
	osip_free(src);
	return err;
}

int dlg_from_text(osip_from_t *f, char *out, size_t cap)
{
	char *s = NULL;

	return f && !osip_from_to_str(f, &s) ? dlg_copy_str(out, cap, s) : -EINVAL;
}

int dlg_contact_uri(osip_message_t *msg, char *out, size_t cap)
{
	osip_contact_t *c = NULL;
	char *s = NULL;

	if (osip_message_get_contact(msg, 0, &c) < 0 || !c || !c->url ||
	    osip_uri_to_str(c->url, &s))
		return -ENOENT;
	return dlg_copy_str(out, cap, s);
}

uint32_t dlg_cseq_of(osip_message_t *msg)
{
	return msg->cseq && msg->cseq->number ? (uint32_t)strtoul(msg->cseq->number, NULL, 10) : 0;
}

bool dlg_cseq_is(osip_message_t *msg, const char *method)
{
	return msg->cseq && msg->cseq->method && !strcmp(msg->cseq->method, method);
}

/* The SDP body, if the message has one (Content-Type application/sdp). */
const char *dlg_sdp_of(osip_message_t *msg, size_t *len)
{
	osip_content_type_t *ct = msg->content_type;
	osip_body_t *b = NULL;

	if (!ct || !ct->type || !ct->subtype || strcasecmp(ct->type, "application") ||
	    strcasecmp(ct->subtype, "sdp") || osip_message_get_body(msg, 0, &b) || !b || !b->body ||
	    !b->length)
		return NULL;
	*len = b->length;
	return b->body;
}

/* Appends ", s" (or s first) to out; frees s (libosip2's string). 0 or -ENOSPC. */
static int list_append(char *out, size_t cap, size_t *len, char *s)
{
	int w = snprintf(out + *len, cap - *len, "%s%s", *len ? ", " : "", s);

	osip_free(s);
	if (w < 0 || (size_t)w >= cap - *len)
		return -ENOSPC;
	*len += w;
	return 0;
}

/* Route set towards the far end from a response's Record-Route (RFC 3261 12.1.2), ours out. */
int dlg_far_route(struct proxy *p, osip_message_t *msg, char *out, size_t cap)
{
	int n = osip_list_size(&msg->record_routes);
	size_t len = 0;

	out[0] = '\0';
	for (int i = n - 1; i >= 0; i--) {
		osip_record_route_t *rr = osip_list_get(&msg->record_routes, i);
		char *s = NULL;
		int err;

		if (!rr || !rr->url || route_names_us(p, rr->url))
			continue;
		if (osip_record_route_to_str(rr, &s))
			return -EINVAL;
		err = list_append(out, cap, &len, s);
		if (err)
			return err;
	}
	return 0;
}

/* Entries first.. of a Route or Record-Route list as one value, in order. */
static int join_from(osip_list_t *l, int first, char *out, size_t cap)
{
	size_t len = 0;
	osip_from_t *rt;

	out[0] = '\0';
	for (int i = first; (rt = osip_list_get(l, i)); i++) {
		char *s = NULL;
		int err;

		if (osip_from_to_str(rt, &s))
			return -EINVAL;
		err = list_append(out, cap, &len, s);
		if (err)
			return err;
	}
	return 0;
}

/* The Route headers of a request as one value (what a CANCEL repeats, RFC 3261 9.1). */
int dlg_req_route(osip_message_t *msg, char *out, size_t cap)
{
	return join_from(&msg->routes, 0, out, cap);
}

/*
 * The route set towards the far end of a terminating INVITE: its
 * Record-Route as received, in order (RFC 3261 12.1.1), without the entry
 * of ours on top (prepare.c's); an entry of ours further down is our own
 * originating leg of a call between two of our UEs, and stays.
 */
int dlg_caller_route(struct proxy *p, osip_message_t *msg, char *out, size_t cap)
{
	osip_record_route_t *top = osip_list_get(&msg->record_routes, 0);

	return join_from(&msg->record_routes, top && top->url && route_names_us(p, top->url), out,
			 cap);
}
