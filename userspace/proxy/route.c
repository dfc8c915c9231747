// SPDX-License-Identifier: GPL-2.0
/*
 * Routing of requests from UEs (RFC 3261 16.3-16.6, TS 24.229 5.2.6.3):
 * the Route entries that name us are ours to consume; an initial request
 * follows the Service-Route its registration learnt; dialog-creating
 * requests are record-routed, towards the core with our core-side address
 * and, in the responses the UE sees, with the access address and the
 * protected server port of the UE's SA, so in-dialog requests come back
 * through the SA. Max-Forwards and our own Via stop loops.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/addr.h"
#include "proxy/orig.h"
#include "proxy/sip_msg.h"

#define MAX_FORWARDS_DEFAULT "70"

/* "<sip:HOST:PORT;lr>", IPv6 in brackets. */
static int uri_of(const char *host, unsigned int port, char *out, size_t cap)
{
	bool v6 = strchr(host, ':') != NULL;
	int n = snprintf(out, cap, "<sip:%s%s%s:%u;lr>", v6 ? "[" : "", host, v6 ? "]" : "", port);

	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int route_core_uri(const struct proxy *p, char *out, size_t cap)
{
	return uri_of(p->core_via_host, p->core_via_port, out, cap);
}

/* A host as an address; -EINVAL for a name. osip may keep the brackets of IPv6. */
int route_host_addr(const char *h, struct pcscf_addr *a)
{
	char host[ADDR_STR_LEN + 2];
	size_t n;

	if (!h || (n = strlen(h)) >= sizeof(host))
		return -EINVAL;
	if (n > 2 && h[0] == '[' && h[n - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)(n - 2), h + 1);
	else
		snprintf(host, sizeof(host), "%s", h);
	return addr_parse(host, a);
}

static int uri_addr(const osip_uri_t *u, struct pcscf_addr *a)
{
	return u ? route_host_addr(u->host, a) : -EINVAL;
}

static unsigned int uri_port(const osip_uri_t *u)
{
	return u->port && *u->port ? (unsigned int)strtoul(u->port, NULL, 10) : 5060;
}

static bool is_core_side(const struct proxy *p, const osip_uri_t *u)
{
	struct pcscf_addr a, core;

	return !uri_addr(u, &a) && !addr_parse(p->core_via_host, &core) &&
	       !memcmp(&a, &core, sizeof(a)) && uri_port(u) == p->core_via_port;
}

bool route_names_us(const struct proxy *p, const osip_uri_t *u)
{
	const struct proxy_config *c = &p->cfg;
	unsigned int port;
	struct pcscf_addr a;

	if (!u || uri_addr(u, &a))
		return false;
	if (is_core_side(p, u))
		return true;
	port = uri_port(u);
	for (int i = 0; i < c->naddrs; i++) {
		if (memcmp(&a, &c->addrs[i], sizeof(a)))
			continue;
		return port == c->sip_port || port == c->port_ps ||
		       (port >= c->pc_lo && port <= c->pc_hi);
	}
	return false;
}

int route_pop_own(struct proxy *p, osip_message_t *msg)
{
	osip_route_t *r;
	int n = 0;

	while ((r = osip_list_get(&msg->routes, 0)) && route_names_us(p, r->url)) {
		osip_list_remove(&msg->routes, 0);
		osip_route_free(r);
		n++;
	}
	return n;
}

bool route_loops(const struct proxy *p, osip_message_t *msg)
{
	osip_generic_param_t *b;
	osip_via_t *v;
	struct pcscf_addr a, core;

	if (addr_parse(p->core_via_host, &core))
		return false;
	for (int i = 0; (v = osip_list_get(&msg->vias, i)); i++) {
		b = NULL;
		if (route_host_addr(v->host, &a) || memcmp(&a, &core, sizeof(a)) ||
		    (v->port ? (unsigned int)strtoul(v->port, NULL, 10) : 5060) != p->core_via_port)
			continue;
		/* our branches (txn.h): a spiral through us would carry another one, still ours */
		if (!osip_via_param_get_byname(v, "branch", &b) && b && b->gvalue &&
		    !strncmp(b->gvalue, "z9hG4bK-pc", 10))
			return true;
	}
	return false;
}

int route_max_forwards(osip_message_t *msg)
{
	osip_header_t *h = NULL;
	unsigned long n;
	char *end, buf[16];

	if (osip_message_header_get_byname(msg, "Max-Forwards", 0, &h) < 0 || !h)
		return sipm_add(msg, "Max-Forwards", MAX_FORWARDS_DEFAULT);
	if (!h->hvalue || !*h->hvalue || *h->hvalue == '-')
		return -EINVAL;
	n = strtoul(h->hvalue, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end || n > 255) /* RFC 3261 20.22: 0-255 */
		return -EINVAL;
	if (!n)
		return -ELOOP;
	snprintf(buf, sizeof(buf), "%lu", n - 1);
	return sipm_replace(msg, "Max-Forwards", buf);
}

static void routes_clear(osip_message_t *msg)
{
	osip_route_t *r;

	while ((r = osip_list_get(&msg->routes, 0))) {
		osip_list_remove(&msg->routes, 0);
		osip_route_free(r);
	}
}

/* The Route set equals the Service-Route, entry by entry (URIs compared as ident_uri_key). */
static bool routes_follow(osip_message_t *msg, const struct reg *r)
{
	char have[REG_URI_MAX], want[REG_URI_MAX];
	osip_route_t *rt;
	int i;

	for (i = 0; (rt = osip_list_get(&msg->routes, i)); i++) {
		char *s = NULL;
		bool same;

		if (i >= r->n_routes || osip_uri_to_str(rt->url, &s) || !s)
			return false;
		same = ident_uri_key(s, have, sizeof(have)) >= 0 &&
		       ident_uri_key(r->route[i], want, sizeof(want)) >= 0 && !strcmp(have, want);
		osip_free(s);
		if (!same)
			return false;
	}
	return i == r->n_routes;
}

int route_service(struct proxy *p, osip_message_t *msg, const struct reg *r)
{
	if (!r->n_routes || routes_follow(msg, r))
		return 0;
	if (p->cfg.service_route_verify)
		return -EPERM;
	routes_clear(msg);
	for (int i = 0; i < r->n_routes; i++) {
		osip_route_t *rt;

		if (osip_route_init(&rt))
			return -ENOMEM;
		if (osip_route_parse(rt, r->route[i])) {
			osip_route_free(rt);
			return -EINVAL;
		}
		osip_list_add(&msg->routes, rt, -1);
	}
	return 0;
}

static int rr_insert(osip_message_t *msg, const char *uri, int pos)
{
	osip_record_route_t *rr;

	if (osip_record_route_init(&rr))
		return -ENOMEM;
	if (osip_record_route_parse(rr, uri)) {
		osip_record_route_free(rr);
		return -EINVAL;
	}
	osip_list_add(&msg->record_routes, rr, pos);
	return 0;
}

int route_record(struct proxy *p, osip_message_t *msg)
{
	char uri[160];

	if (route_core_uri(p, uri, sizeof(uri)) < 0)
		return -ENOSPC;
	return rr_insert(msg, uri, 0);
}

/* Every Record-Route entry that match() says is ours becomes uri (RFC 3261 16.7 9). */
static int rr_replace(const struct proxy *p, osip_message_t *msg,
		      bool (*match)(const struct proxy *, const osip_uri_t *), const char *uri)
{
	osip_record_route_t *rr;
	int n = 0;

	for (int i = 0; (rr = osip_list_get(&msg->record_routes, i)); i++) {
		if (!match(p, rr->url))
			continue;
		osip_list_remove(&msg->record_routes, i);
		osip_record_route_free(rr);
		if (rr_insert(msg, uri, i))
			return -ENOMEM;
		n++;
	}
	return n;
}

/* "<sip:OURS:PORT;lr>" for an access address of ours and a protected server port. */
static int access_uri(const struct pcscf_addr *ours, uint16_t port, char *uri, size_t cap)
{
	char host[ADDR_STR_LEN];

	addr_str(ours, host, sizeof(host));
	return uri_of(host, port, uri, cap);
}

int route_rr_to_ue(struct proxy *p, osip_message_t *msg, const struct pcscf_addr *ours,
		   uint16_t port)
{
	char uri[160];

	if (access_uri(ours, port, uri, sizeof(uri)) < 0)
		return -ENOSPC;
	return rr_replace(p, msg, is_core_side, uri);
}

int route_record_access(struct proxy *p, osip_message_t *msg, const struct pcscf_addr *ours,
			uint16_t port)
{
	char uri[160];

	if (access_uri(ours, port, uri, sizeof(uri)) < 0)
		return -ENOSPC;
	return rr_insert(msg, uri, 0);
}

/* One of our access addresses with the protected server port: what route_record_access wrote. */
static bool is_access_side(const struct proxy *p, const osip_uri_t *u)
{
	struct pcscf_addr a;

	if (uri_addr(u, &a) || uri_port(u) != p->cfg.port_ps)
		return false;
	for (int i = 0; i < p->cfg.naddrs; i++)
		if (!memcmp(&a, &p->cfg.addrs[i], sizeof(a)))
			return true;
	return false;
}

int route_rr_to_core(struct proxy *p, osip_message_t *msg)
{
	char uri[160];

	if (route_core_uri(p, uri, sizeof(uri)) < 0)
		return -ENOSPC;
	return rr_replace(p, msg, is_access_side, uri);
}
