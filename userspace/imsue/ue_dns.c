// SPDX-License-Identifier: GPL-2.0
/*
 * DNS for P-CSCF discovery. res_query() and dn_expand() are in glibc's libc
 * (2.34+); the ns_initparse() family is still only in libresolv, which the
 * build does not link, so the answer section is walked here. Every length is
 * checked against the message: the answers come from the network.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imsue/ue_dns.h"

#ifndef T_NAPTR
#define T_NAPTR 35
#endif

struct rr {
	uint16_t type;
	const uint8_t *rdata;
	uint16_t rdlen;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Calls @fn for each answer RR; returns 0 or -EINVAL. */
static int walk(const uint8_t *msg, size_t len,
		int (*fn)(const uint8_t *msg, size_t len, const struct rr *rr, void *arg),
		void *arg)
{
	const uint8_t *p = msg + 12, *end = msg + len;
	unsigned int qd, an;
	char name[UE_DNS_NAME];
	int n;

	if (len < 12 || len > 65535)
		return -EINVAL;
	if ((msg[3] & 0x0f) != 0) /* RCODE: NXDOMAIN etc. means no answers */
		return 0;
	qd = get16(msg + 4);
	an = get16(msg + 6);
	for (unsigned int i = 0; i < qd; i++) {
		n = dn_expand(msg, end, p, name, sizeof(name));
		if (n < 0 || end - (p + n) < 4)
			return -EINVAL;
		p += n + 4;
	}
	for (unsigned int i = 0; i < an; i++) {
		struct rr rr;

		n = dn_expand(msg, end, p, name, sizeof(name));
		if (n < 0 || end - (p + n) < 10)
			return -EINVAL;
		p += n;
		rr.type = get16(p);
		rr.rdlen = get16(p + 8);
		p += 10;
		if (end - p < rr.rdlen)
			return -EINVAL;
		rr.rdata = p;
		if (get16(p - 8) == C_IN) {
			n = fn(msg, len, &rr, arg);
			if (n)
				return n;
		}
		p += rr.rdlen;
	}
	return 0;
}

struct acc {
	void *out;
	int n, max;
};

/* <character-string>: length byte + text; returns bytes consumed or -EINVAL */
static int cstr(const uint8_t *p, const uint8_t *end, char *out, size_t cap)
{
	size_t l;

	if (p >= end)
		return -EINVAL;
	l = p[0];
	if ((size_t)(end - p - 1) < l)
		return -EINVAL;
	if (l >= cap)
		l = cap - 1; /* longer than anything we compare against: truncate */
	memcpy(out, p + 1, l);
	out[l] = '\0';
	return p[0] + 1;
}

static int on_naptr(const uint8_t *msg, size_t len, const struct rr *rr, void *arg)
{
	struct acc *a = arg;
	struct ue_naptr *x;
	const uint8_t *p = rr->rdata, *end = rr->rdata + rr->rdlen;
	char regexp[256];
	int n;

	if (rr->type != T_NAPTR || a->n >= a->max)
		return 0;
	x = (struct ue_naptr *)a->out + a->n;
	if (rr->rdlen < 4)
		return -EINVAL;
	x->order = get16(p);
	x->pref = get16(p + 2);
	p += 4;
	if ((n = cstr(p, end, x->flags, sizeof(x->flags))) < 0)
		return n;
	p += n;
	if ((n = cstr(p, end, x->service, sizeof(x->service))) < 0)
		return n;
	p += n;
	if ((n = cstr(p, end, regexp, sizeof(regexp))) < 0)
		return n;
	p += n;
	n = dn_expand(msg, msg + len, p, x->replacement, sizeof(x->replacement));
	if (n < 0 || p + n > end)
		return -EINVAL;
	a->n++;
	return 0;
}

static int on_srv(const uint8_t *msg, size_t len, const struct rr *rr, void *arg)
{
	struct acc *a = arg;
	struct ue_srv *x;
	int n;

	if (rr->type != T_SRV || a->n >= a->max)
		return 0;
	if (rr->rdlen < 7)
		return -EINVAL;
	x = (struct ue_srv *)a->out + a->n;
	x->prio = get16(rr->rdata);
	x->weight = get16(rr->rdata + 2);
	x->port = get16(rr->rdata + 4);
	n = dn_expand(msg, msg + len, rr->rdata + 6, x->target, sizeof(x->target));
	if (n < 0 || 6 + n > rr->rdlen)
		return -EINVAL;
	a->n++;
	return 0;
}

static int on_addr(const uint8_t *msg, size_t len, const struct rr *rr, void *arg)
{
	struct acc *a = arg;
	struct pcscf_addr *x;

	if ((rr->type != T_A && rr->type != T_AAAA) || a->n >= a->max)
		return 0;
	x = (struct pcscf_addr *)a->out + a->n;
	memset(x, 0, sizeof(*x));
	if (rr->type == T_A) {
		if (rr->rdlen != 4)
			return -EINVAL;
		x->a[10] = x->a[11] = 0xff;
		memcpy(x->a + 12, rr->rdata, 4);
	} else {
		if (rr->rdlen != 16)
			return -EINVAL;
		memcpy(x->a, rr->rdata, 16);
	}
	a->n++;
	return 0;
}

static int cmp_naptr(const void *a, const void *b)
{
	const struct ue_naptr *x = a, *y = b;

	if (x->order != y->order)
		return x->order - y->order;
	return x->pref - y->pref;
}

static int cmp_srv(const void *a, const void *b)
{
	const struct ue_srv *x = a, *y = b;

	/* RFC 2782 picks by weight at random; highest weight first is deterministic */
	if (x->prio != y->prio)
		return x->prio - y->prio;
	return y->weight - x->weight;
}

int ue_dns_parse_naptr(const uint8_t *msg, size_t len, struct ue_naptr *out, int max)
{
	struct acc a = {out, 0, max};
	int rc = walk(msg, len, on_naptr, &a);

	if (rc)
		return rc;
	qsort(out, a.n, sizeof(*out), cmp_naptr);
	return a.n;
}

int ue_dns_parse_srv(const uint8_t *msg, size_t len, struct ue_srv *out, int max)
{
	struct acc a = {out, 0, max};
	int rc = walk(msg, len, on_srv, &a);

	if (rc)
		return rc;
	qsort(out, a.n, sizeof(*out), cmp_srv);
	return a.n;
}

int ue_dns_parse_addr(const uint8_t *msg, size_t len, struct pcscf_addr *out, int max)
{
	struct acc a = {out, 0, max};
	int rc = walk(msg, len, on_addr, &a);

	return rc ? rc : a.n;
}

static void tr(void (*trace)(const char *), const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tr(void (*trace)(const char *), const char *fmt, ...)
{
	char line[600];
	va_list ap;

	if (!trace)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	trace(line);
}

static int lookup_addr(const char *host, struct pcscf_addr *addr, void (*trace)(const char *))
{
	static uint8_t ans[4096];
	int types[2] = {T_A, T_AAAA};

	for (int i = 0; i < 2; i++) {
		int n = res_query(host, C_IN, types[i], ans, sizeof(ans));

		if (n > 0 && ue_dns_parse_addr(ans, (size_t)n, addr, 1) == 1) {
			char txt[64];

			tr(trace, "dns: %s %s %s", host, i ? "AAAA" : "A",
			   inet_ntop(i ? AF_INET6 : AF_INET, i ? addr->a : addr->a + 12, txt,
				     sizeof(txt))
				   ?: "?");
			return 0;
		}
	}
	return -ENOENT;
}

int ue_dns_resolve(const char *name, struct pcscf_addr *addr, uint16_t *port,
		   void (*trace)(const char *line))
{
	static uint8_t ans[4096];
	struct ue_naptr nap[16];
	struct ue_srv srv[16];
	char srvname[UE_DNS_NAME] = "";
	int n, i;

	n = res_query(name, C_IN, T_NAPTR, ans, sizeof(ans));
	n = n > 0 ? ue_dns_parse_naptr(ans, (size_t)n, nap, 16) : 0;
	for (i = 0; i < n; i++) {
		/* 24.229 / RFC 3263 4.1: the UE uses UDP, so SIP+D2U with an SRV flag */
		if (!strcasecmp(nap[i].service, "SIP+D2U") && !strcasecmp(nap[i].flags, "s")) {
			snprintf(srvname, sizeof(srvname), "%s", nap[i].replacement);
			tr(trace, "dns: NAPTR %s -> SIP+D2U %s", name, srvname);
			break;
		}
	}
	if (!srvname[0]) {
		snprintf(srvname, sizeof(srvname), "_sip._udp.%s", name);
		tr(trace, "dns: no SIP+D2U NAPTR for %s, trying SRV %s", name, srvname);
	}
	n = res_query(srvname, C_IN, T_SRV, ans, sizeof(ans));
	n = n > 0 ? ue_dns_parse_srv(ans, (size_t)n, srv, 16) : 0;
	for (i = 0; i < n; i++) {
		if (!lookup_addr(srv[i].target, addr, trace)) {
			*port = srv[i].port;
			tr(trace, "dns: SRV %s -> %s:%u", srvname, srv[i].target, srv[i].port);
			return 0;
		}
	}
	tr(trace, "dns: no SRV for %s, trying A/AAAA of %s", srvname, name);
	if (!lookup_addr(name, addr, trace)) {
		*port = 5060;
		return 0;
	}
	return -ENOENT;
}
