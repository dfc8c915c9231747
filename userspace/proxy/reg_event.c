// SPDX-License-Identifier: GPL-2.0
/*
 * Network-initiated de-registration (TS 24.229 5.2.3 and 5.2.5.1, RFC 3680).
 *
 * SUBSCRIBE: Request-URI and To the UE's default public identity (the first
 * P-Associated-URI), From/Contact/P-Asserted-Identity our core-side URI (the
 * one in the Path), Event: reg, Accept: application/reginfo+xml, Expires the
 * registration's plus REG_EVENT_EXTRA_S, Route the registration's
 * Service-Route, sent to the configured core. Every 200 to a REGISTER sends
 * one (a refresh carries the dialog's To tag once the 2xx gave it); the 200
 * to a de-REGISTER sends Expires: 0. A NOTIFY is answered 200 before it is
 * acted on; one whose reginfo has a <registration> of the UE's identities in
 * state "terminated", or a terminated <contact> naming this UE's address and
 * protected server port, removes the registration and its SAs (map entries
 * with them). Unknown subscription: 481; not reg: 489; bad reginfo: 400.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "common/addr.h"
#include "common/log.h"
#include "sip/reginfo.h"
#include "proxy/proxy_priv.h"
#include "proxy/reg_event.h"
#include "proxy/sip_msg.h"
#include "proxy/terminating.h"
#include "proxy/txn_proxy.h"

#define CALLID_FMT    "rs-%08x-%08x-%016llx"
#define CALLID_LEN    37 /* before the @ */

enum sub_state { SUB_NONE, SUB_PENDING, SUB_ACTIVE, SUB_ENDING };

struct sub {
	uint32_t gen; /* generation of the registration this entry serves; 0: none yet */
	uint8_t state;
	uint32_t cseq;
	char to_tag[64]; /* the S-CSCF's, from the 2xx */
};

struct reg_event {
	struct sub *subs; /* by registration index; calloc'ed, resident as used */
	uint32_t cap;
};

int reg_event_init(struct proxy *p)
{
	struct reg_event *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->cap = p->cfg.max_regs;
	e->subs = calloc(e->cap, sizeof(*e->subs));
	if (!e->subs) {
		free(e);
		return -ENOMEM;
	}
	p->regev = e;
	return 0;
}

void reg_event_fini(struct proxy *p)
{
	if (!p->regev)
		return;
	free(p->regev->subs);
	free(p->regev);
	p->regev = NULL;
}

/* The subscription of r, reset when the entry last served another generation. */
static struct sub *sub_of(struct proxy *p, const struct reg *r, uint32_t *ri)
{
	struct sub *s;

	*ri = reg_index_of(p->regs, r);
	if (*ri >= p->regev->cap)
		return NULL;
	s = &p->regev->subs[*ri];
	if (s->gen != r->generation)
		*s = (struct sub){.gen = r->generation};
	return s;
}

static void our_uri(const struct proxy *p, char *out, size_t cap)
{
	const char *h = p->core_via_host;
	bool v6 = strchr(h, ':');

	snprintf(out, cap, "sip:pcscf@%s%s%s:%u", v6 ? "[" : "", h, v6 ? "]" : "",
		 p->core_via_port);
}

static int send_subscribe(struct proxy *p, const struct reg *r, uint32_t ri, struct sub *s,
			  uint32_t expires)
{
	char impu[REG_URI_MAX], me[128], route[REG_MAX_ROUTES * (REG_URI_MAX + 2) + 16];
	char totag[80] = "", via[sizeof(p->core_via_host) + 2];
	/* Its own buffer: a registration may end (reg_event_reg_gone) while p->buf is in use. */
	static char out[4096 + sizeof(route)];
	const char *h = p->core_via_host;
	char branch[TXN_BRANCH_MAX];
	struct txn *t;
	size_t o = 0;
	int n;

	sipm_bare_uri(r->impu[0], impu, sizeof(impu));
	our_uri(p, me, sizeof(me));
	route[0] = '\0';
	for (unsigned int i = 0; i < r->n_routes; i++)
		o += snprintf(route + o, sizeof(route) - o, "%s%s",
			      o ? ", " : "Route: ", r->route[i]);
	if (o)
		snprintf(route + o, sizeof(route) - o, "\r\n");
	if (s->state == SUB_ACTIVE && s->to_tag[0])
		snprintf(totag, sizeof(totag), ";tag=%s", s->to_tag);
	snprintf(via, sizeof(via), "%s%s%s", strchr(h, ':') ? "[" : "", h,
		 strchr(h, ':') ? "]" : "");
	s->cseq++;
	/* A client transaction of its own (no server side): retransmitted, timed out (408). */
	t = txn_alloc(&p->txns, TXN_LOCAL, randombytes_random());
	if (!t) {
		p->stats.txn_full++;
		return -ENOSPC;
	}
	t->method = TXN_M_OTHER;
	t->local[0] = ri;
	t->local[1] = s->gen;
	t->local[2] = s->cseq;
	txn_branch(&p->txns, t, branch, sizeof(branch));
	n = snprintf(out, sizeof(out),
		     "SUBSCRIBE %s SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP %s:%u;branch=%s\r\n"
		     "Max-Forwards: 70\r\n"
		     "%s"
		     "From: <%s>;tag=%016llx\r\n"
		     "To: <%s>%s\r\n"
		     "Call-ID: " CALLID_FMT "@%s\r\n"
		     "CSeq: %u SUBSCRIBE\r\n"
		     "Contact: <%s>\r\n"
		     "P-Asserted-Identity: <%s>\r\n"
		     "Event: reg\r\n"
		     "Accept: application/reginfo+xml\r\n"
		     "Expires: %u\r\n"
		     "Content-Length: 0\r\n\r\n",
		     impu, via, p->core_via_port, branch, route, me,
		     (unsigned long long)term_mac(p, 'f', ri, s->gen), impu, totag, ri, s->gen,
		     (unsigned long long)term_mac(p, 'r', ri, s->gen), via, s->cseq, me, me,
		     expires);
	if (n < 0 || (size_t)n >= sizeof(out)) {
		txn_free(&p->txns, t);
		return -ENOSPC;
	}
	p->stats.regev_subscribes++;
	return txn_client_start(p, t, out, n);
}

void reg_event_on_registration(struct proxy *p, const char *impi, uint32_t expires)
{
	const struct reg *r = reg_find(p->regs, impi);
	struct sub *s;
	uint32_t ri;

	if (!r || !(s = sub_of(p, r, &ri)))
		return;
	if (!expires) {
		/* The UE leaves: the subscription ends with it (RFC 6665 4.1.2.3). */
		if (s->state == SUB_NONE || send_subscribe(p, r, ri, s, 0))
			return;
		s->state = SUB_ENDING;
		return;
	}
	if (!r->n_impus || !r->impu[0][0]) {
		pr_warn_rl("200 for %s without P-Associated-URI: no reg-event subscription", impi);
		return;
	}
	if (expires > UINT32_MAX - REG_EVENT_EXTRA_S)
		expires = UINT32_MAX - REG_EVENT_EXTRA_S;
	if (send_subscribe(p, r, ri, s, expires + REG_EVENT_EXTRA_S)) {
		pr_err_rl("reg-event SUBSCRIBE for %s: cannot send", impi);
		return;
	}
	if (s->state != SUB_ACTIVE)
		s->state = SUB_PENDING;
}

void reg_event_reg_gone(struct proxy *p, const struct reg *r)
{
	struct sub *s;
	uint32_t ri;

	if (!p->regev || !(s = sub_of(p, r, &ri)) || s->state == SUB_NONE || s->state == SUB_ENDING)
		return;
	if (!send_subscribe(p, r, ri, s, 0))
		s->state = SUB_ENDING;
}

/* The answer to one of our SUBSCRIBEs (or the 408 of its timeout), from txn_client.c. */
static void on_sub_response(struct proxy *p, uint32_t ri, uint32_t gen, uint32_t cseq,
			    osip_message_t *msg)
{
	osip_generic_param_t *tag = NULL;
	struct sub *s;

	if (ri >= p->regev->cap)
		return;
	s = &p->regev->subs[ri];
	if (s->gen != gen || s->cseq != cseq || s->state == SUB_NONE || msg->status_code < 200)
		return;
	if (msg->status_code >= 300 || s->state == SUB_ENDING) {
		if (msg->status_code >= 300)
			pr_warn_rl("reg-event SUBSCRIBE answered %d: no subscription",
				   msg->status_code);
		s->state = SUB_NONE;
		s->to_tag[0] = '\0';
		return;
	}
	s->state = SUB_ACTIVE;
	if (msg->to && !osip_to_get_tag(msg->to, &tag) && tag && tag->gvalue)
		snprintf(s->to_tag, sizeof(s->to_tag), "%s", tag->gvalue);
}

struct notify_ctx {
	struct proxy *p;
	const struct reg *r;
	bool ends;
};

static bool is_aor_of(const struct reg *r, const char *aor)
{
	char u[REG_URI_MAX];

	for (unsigned int i = 0; i < r->n_impus; i++) {
		sipm_bare_uri(r->impu[i], u, sizeof(u));
		if (!strcasecmp(u, aor))
			return true;
	}
	return false;
}

/* The contact URI names one of r's sets: the UE's address and protected server port. */
static bool names_this_ue(struct proxy *p, const struct reg *r, const char *uri)
{
	osip_uri_t *u = NULL;
	struct pcscf_addr a;
	uint16_t port;
	bool hit = false;

	if (osip_uri_init(&u))
		return false;
	if (!osip_uri_parse(u, uri) && !sipm_uri_addr(u, &a, &port)) {
		for (int st = REG_SET_TEMPORARY; st <= REG_SET_OLD && !hit; st++) {
			const struct reg_sa_set *s = reg_set_of(p->regs, r, st);

			hit = s && s->port_us == port && !memcmp(&s->ue_addr, &a, sizeof(a));
		}
	}
	osip_uri_free(u);
	return hit;
}

static int on_item(void *arg, const char *aor, const char *reg_state, const char *contact_state,
		   const char *uri)
{
	struct notify_ctx *c = arg;

	if (!is_aor_of(c->r, aor))
		return 0;
	if (!contact_state)
		c->ends |= !strcmp(reg_state, "terminated");
	else if (!strcmp(contact_state, "terminated") && names_this_ue(c->p, c->r, uri))
		c->ends = true;
	return 0;
}

/* The registration a Call-ID of ours names; false when it is none of ours. */
static bool callid_ours(struct proxy *p, osip_message_t *msg, uint32_t *ri, uint32_t *gen)
{
	const char *num = msg->call_id ? msg->call_id->number : NULL;
	char again[CALLID_LEN + 1];
	unsigned long long mac;

	if (!num || strlen(num) != CALLID_LEN || strncmp(num, "rs-", 3) ||
	    sscanf(num, CALLID_FMT, ri, gen, &mac) != 3)
		return false;
	snprintf(again, sizeof(again), CALLID_FMT, *ri, *gen, mac);
	return !strcmp(again, num) && mac == term_mac(p, 'r', *ri, *gen);
}

static bool refuse(struct proxy *p, osip_message_t *msg, const struct term_peer *src, int code,
		   const char *reason)
{
	p->stats.regev_bad++;
	pr_warn_rl("reg-event NOTIFY refused: %d %s", code, reason);
	term_reply_core(p, msg, src, code, reason);
	return true;
}

bool reg_event_on_notify(struct proxy *p, osip_message_t *msg, const struct term_peer *src)
{
	struct notify_ctx c = {.p = p};
	char impi[REG_IMPI_MAX];
	osip_body_t *body = NULL;
	const char *ev, *ss;
	uint32_t ri, gen;
	struct sub *s;
	int rc = 0;

	if (!callid_ours(p, msg, &ri, &gen))
		return false;
	c.r = reg_by_index(p->regs, ri, gen);
	s = ri < p->regev->cap ? &p->regev->subs[ri] : NULL;
	if (!c.r || !s || s->gen != gen || s->state == SUB_NONE)
		return refuse(p, msg, src, 481, "Call/Transaction Does Not Exist");
	ev = sipm_header(msg, "Event", 0);
	if (!ev || strncasecmp(ev, "reg", 3) || (ev[3] && ev[3] != ';' && ev[3] != ' '))
		return refuse(p, msg, src, 489, "Bad Event");
	if (!osip_message_get_body(msg, 0, &body) && body && body->body)
		rc = reginfo_walk(body->body, body->length, on_item, &c);
	if (rc < 0)
		return refuse(p, msg, src, 400, "Bad Request (reginfo)");
	p->stats.regev_notifies++;
	term_reply_core(p, msg, src, 200, "OK");
	ss = sipm_header(msg, "Subscription-State", 0);
	if (ss && !strncasecmp(ss, "terminated", 10))
		s->state = SUB_NONE;
	if (!c.ends)
		return true;
	snprintf(impi, sizeof(impi), "%s", c.r->impi);
	s->state = SUB_NONE; /* ended by the network: no Expires 0 from reg_event_reg_gone */
	reg_on_network_dereg(p->regs, impi, proxy_now_ms());
	p->stats.regev_deregs++;
	pr_info_rl(
		"reg-event NOTIFY: registration of %s terminated by the network, SA sets deleted",
		impi);
	return true;
}

void reg_event_on_txn_response(struct proxy *p, struct txn *t, osip_message_t *msg)
{
	on_sub_response(p, t->local[0], t->local[1], t->local[2], msg);
}
