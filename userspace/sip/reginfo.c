// SPDX-License-Identifier: GPL-2.0
/*
 * The reginfo walk (RFC 3680 5.3). The document comes from the core, but a
 * compromised or buggy node must not be able to make us hang, fetch or print
 * anything: size capped before parsing, XML_PARSE_NONET (no external
 * entities or DTDs), no entity substitution (libxml2's own amplification
 * limits stay on: no XML_PARSE_HUGE), no error output, and a cap on the items
 * walked. Elements are matched by local name in the reginfo namespace.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "sip/reginfo.h"

#define REGINFO_NS "urn:ietf:params:xml:ns:reginfo"

static bool is_el(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) && n->ns &&
	       n->ns->href && !strcmp((const char *)n->ns->href, REGINFO_NS);
}

static const char *str(const xmlChar *s)
{
	return s ? (const char *)s : "";
}

/* The <uri> text of a <contact>, trimmed; xmlFree it. */
static xmlChar *contact_uri(const xmlNode *c)
{
	for (const xmlNode *n = c->children; n; n = n->next) {
		xmlChar *t, *s, *e;

		if (!is_el(n, "uri"))
			continue;
		t = xmlNodeGetContent(n);
		if (!t)
			return NULL;
		for (s = t; *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'; s++)
			;
		memmove(t, s, strlen((char *)s) + 1);
		for (e = t + strlen((char *)t);
		     e > t && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n');)
			*--e = '\0';
		return t;
	}
	return NULL;
}

static int walk_registration(const xmlNode *r, reginfo_cb cb, void *ctx, unsigned int *items)
{
	xmlChar *aor = xmlGetProp(r, (const xmlChar *)"aor");
	xmlChar *state = xmlGetProp(r, (const xmlChar *)"state");
	int ret = cb(ctx, str(aor), str(state), NULL, NULL);

	for (const xmlNode *c = r->children; c && !ret; c = c->next) {
		xmlChar *cs, *uri;

		if (!is_el(c, "contact"))
			continue;
		if (++*items > REGINFO_MAX_ITEMS) {
			ret = -EBADMSG;
			break;
		}
		cs = xmlGetProp(c, (const xmlChar *)"state");
		uri = contact_uri(c);
		ret = cb(ctx, str(aor), str(state), str(cs), str(uri));
		xmlFree(cs);
		xmlFree(uri);
	}
	xmlFree(aor);
	xmlFree(state);
	return ret;
}

int reginfo_walk(const char *xml, size_t len, reginfo_cb cb, void *ctx)
{
	unsigned int items = 0;
	xmlNode *root;
	xmlDoc *doc;
	int ret = 0;

	if (!xml || !len || len > REGINFO_MAX_LEN)
		return -EBADMSG;
	doc = xmlReadMemory(xml, (int)len, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -EBADMSG;
	root = xmlDocGetRootElement(doc);
	if (!root || !is_el(root, "reginfo")) {
		xmlFreeDoc(doc);
		return -EBADMSG;
	}
	for (const xmlNode *n = root->children; n && !ret; n = n->next) {
		if (!is_el(n, "registration"))
			continue;
		if (++items > REGINFO_MAX_ITEMS)
			ret = -EBADMSG;
		else
			ret = walk_registration(n, cb, ctx, &items);
	}
	xmlFreeDoc(doc);
	return ret;
}
