// SPDX-License-Identifier: GPL-2.0
/*
 * Terminating requests (TS 24.229 5.2.5, RFC 3327). The S-CSCF sends a
 * request for a UE with the Path we wrote at registration as its Route; the
 * Path's user part is a token naming the registration (index, generation,
 * keyed MAC), so the registration is found in O(1) without trusting the
 * request. A request without a token of ours (routed by a Record-Route of
 * ours) is matched by its Request-URI: the UE's contact, address and
 * protected server port (reg_find_contact). What we answer ourselves:
 *
 *   token of ours that does not verify (forged, mangled)   403 Forbidden
 *   token of a registration that is gone (stale), or no
 *   registration binds the Request-URI contact            404 Not Found
 *   registration there but not usable: expired, its
 *   de-registration under way, or no established SA set   480 Temporarily Unavailable
 *   Max-Forwards 0                                         483 Too Many Hops
 *
 * A request that goes on leaves through the set the UE used last (TS 33.203
 * 7.4: the OLD set while the NEW one has not been used; the OLD set goes at
 * that first use), outbound SA US: from our port_pc to the UE's port_us,
 * spi_us, with our Route entries popped and our Via (our access address,
 * port_pc) on top, so the UE answers from port_us to port_pc through spi_pc.
 * The transaction slot (txn.h: server side on the core leg, client side on
 * the UE leg) remembers the core node to answer (the top Via's target,
 * RFC 3261 18.2.2) and the registration whose SAs carry the request, its
 * retransmissions, our CANCEL and ACK; a response through any other SA is
 * dropped. An initial INVITE, SUBSCRIBE or REFER is record-routed with our
 * access address and the protected server port (prepare.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "common/addr.h"
#include "common/log.h"
#include "proxy/proxy_priv.h"
#include "proxy/reg_event.h"
#include "proxy/reg_rx.h"
#include "proxy/sip_msg.h"
#include "proxy/terminating.h"
#include "proxy/dlg_rx.h"
#include "proxy/txn_proxy.h"

#define TOKEN_FMT "t-%08x-%08x-%016llx"
#define TOKEN_LEN 36

struct term {
	uint8_t key[crypto_shorthash_KEYBYTES];
};

int term_init(struct proxy *p)
{
	struct term *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	/* Per process: a token outlives neither pcscfd nor its registration table. */
	crypto_shorthash_keygen(t->key);
	p->term = t;
	return 0;
}

void term_fini(struct proxy *p)
{
	if (!p->term)
		return;
	sodium_memzero(p->term->key, sizeof(p->term->key));
	free(p->term);
	p->term = NULL;
}

uint64_t term_mac(const struct proxy *p, char domain, uint32_t ri, uint32_t gen)
{
	uint8_t in[9], out[crypto_shorthash_BYTES];
	uint64_t v = 0;

	in[0] = (uint8_t)domain;
	for (int i = 0; i < 4; i++) {
		in[1 + i] = ri >> (8 * i);
		in[5 + i] = gen >> (8 * i);
	}
	crypto_shorthash(out, in, sizeof(in), p->term->key);
	for (int i = 0; i < 8; i++)
		v = v << 8 | out[i];
	return v;
}

int term_peer_of(const struct proxy *p, const struct sockaddr_storage *ss, struct term_peer *out)
{
	/* Not an IP source (a test's socketpair): the configured core. */
	if (addr_from_sockaddr(ss, &out->addr, &out->port)) {
		out->addr = p->cfg.core_addr;
		out->port = p->cfg.core_port;
	}
	return core_peer_ok(p, &out->addr) ? 0 : -EPERM;
}

static const char *bracket(const char *host, int open)
{
	return strchr(host, ':') ? (open ? "[" : "]") : "";
}

int term_path(struct proxy *p, const char *impi, char *out, size_t cap)
{
	const struct reg *r = reg_find(p->regs, impi);
	const char *h = p->core_via_host;
	char user[TOKEN_LEN + 1] = "term";
	int n;

	if (r) {
		uint32_t ri = reg_index_of(p->regs, r);

		snprintf(user, sizeof(user), TOKEN_FMT, ri, r->generation,
			 (unsigned long long)term_mac(p, 't', ri, r->generation));
	}
	n = snprintf(out, cap, "<sip:%s@%s%s%s:%u;lr>", user, bracket(h, 1), h, bracket(h, 0),
		     p->core_via_port);
	return n >= 0 && (size_t)n < cap ? n : -ENOSPC;
}

int term_reply_core(struct proxy *p, osip_message_t *req, const struct term_peer *src, int code,
		    const char *reason)
{
	osip_message_t *resp = proxy_response_of(req, code, reason);
	int len = -ENOMEM;

	if (resp && !osip_message_set_content_length(resp, "0"))
		len = sipm_print(resp, p->buf, sizeof(p->buf));
	if (resp)
		osip_message_free(resp);
	return len < 0 ? len : core_send_to(p, &src->addr, src->port, p->buf, len);
}

/* A Route entry that names us: our core-side address and port. */
static bool route_is_ours(const struct proxy *p, const osip_route_t *rt)
{
	struct pcscf_addr a, ours;
	uint16_t port;

	return rt && !sipm_uri_addr(rt->url, &a, &port) && port == p->core_via_port &&
	       !addr_parse(p->core_via_host, &ours) && !memcmp(&a, &ours, sizeof(a));
}

enum token_verdict { TOKEN_NONE, TOKEN_OK, TOKEN_BAD };

/* Our Route entries off the top; the token of the first one that carries one. */
static enum token_verdict pop_our_routes(struct proxy *p, osip_message_t *msg, uint32_t *ri,
					 uint32_t *gen)
{
	enum token_verdict v = TOKEN_NONE;
	osip_route_t *rt;

	while ((rt = osip_list_get(&msg->routes, 0)) && route_is_ours(p, rt)) {
		const char *u = rt->url->username;
		unsigned long long mac;
		char again[TOKEN_LEN + 1];

		if (v == TOKEN_NONE && u && !strncmp(u, "t-", 2)) {
			v = TOKEN_BAD;
			/* Exactly our format, read back and printed again the same: no slack. */
			if (strlen(u) == TOKEN_LEN && sscanf(u, TOKEN_FMT, ri, gen, &mac) == 3) {
				snprintf(again, sizeof(again), TOKEN_FMT, *ri, *gen, mac);
				if (!strcmp(again, u) && mac == term_mac(p, 't', *ri, *gen))
					v = TOKEN_OK;
			}
		}
		osip_list_remove(&msg->routes, 0);
		osip_route_free(rt);
	}
	return v;
}

/* The set a terminating request leaves through (TS 33.203 7.4), or NULL. */
static const struct reg_sa_set *term_set(const struct proxy *p, const struct reg *r)
{
	const struct reg_sa_set *old = reg_set_of(p->regs, r, REG_SET_OLD);

	if (!r->registered || r->dereg_pending)
		return NULL;
	/* OLD still there means NEW was never used: the UE may not have it yet. */
	return old ? old : reg_set_of(p->regs, r, REG_SET_NEW);
}

/* Max-Forwards (RFC 3261 16.6 step 3): -ELOOP at 0, else decremented (70 when absent). */
static int hop(osip_message_t *msg)
{
	const char *v = sipm_header(msg, "Max-Forwards", 0);
	char buf[16];
	char *end;
	long n = 71;

	if (v) {
		n = strtol(v, &end, 10);
		if (end == v || n < 0 || n > 255)
			n = 71; /* unparsable: RFC 3261 says 70 for a proxy that must add one */
	}
	if (n == 0)
		return -ELOOP;
	snprintf(buf, sizeof(buf), "%ld", n - 1);
	sipm_remove(msg, "Max-Forwards");
	return sipm_add(msg, "Max-Forwards", buf);
}

static const struct reg *find_reg(struct proxy *p, osip_message_t *msg, const struct term_peer *src,
				  bool ack)
{
	const struct reg *r = NULL;
	struct pcscf_addr ue;
	uint32_t ri = 0, gen = 0;
	uint16_t port;

	switch (pop_our_routes(p, msg, &ri, &gen)) {
	case TOKEN_BAD:
		p->stats.term_bad_token++;
		pr_warn_rl("terminating %s: Route token of ours that does not verify: 403",
			   msg->sip_method);
		if (!ack)
			term_reply_core(p, msg, src, 403, "Forbidden");
		return NULL;
	case TOKEN_OK:
		r = reg_by_index(p->regs, ri, gen);
		break;
	case TOKEN_NONE:
		if (!sipm_uri_addr(msg->req_uri, &ue, &port))
			r = reg_find_contact(p->regs, &ue, port);
		break;
	}
	if (!r) {
		p->stats.term_not_found++;
		if (!ack)
			term_reply_core(p, msg, src, 404, "Not Found");
	}
	return r;
}

const struct reg_sa_set *term_set_of(struct proxy *p, uint32_t ri, uint32_t gen)
{
	const struct reg *r = reg_by_index(p->regs, ri, gen);

	return r ? term_set(p, r) : NULL;
}

/* RFC 3261 18.2.2: answers go where the top Via says (received, rport), if that is the core. */
static struct term_peer answer_peer(struct proxy *p, osip_message_t *msg,
				    const struct term_peer *src)
{
	struct term_peer v;

	if (!txn_via_target(msg, &v.addr, &v.port) && core_peer_ok(p, &v.addr))
		return v;
	return *src;
}

void term_from_core(struct proxy *p, osip_message_t *msg, const struct term_peer *pkt_src)
{
	struct term_peer src = answer_peer(p, msg, pkt_src);
	struct txn_from from = {.kind = TXN_TERM, .peer_addr = src.addr, .peer_port = src.port};
	const struct reg_sa_set *set;
	char branch[TXN_BRANCH_MAX], via[ADDR_STR_LEN];
	enum txn_verdict v;
	const struct reg *r;
	struct txn *t;
	uint64_t key;
	bool ack;
	int len;

	if (MSG_IS_NOTIFY(msg) && reg_event_on_notify(p, msg, &src))
		return;
	/* Retransmissions, ACKs of non-2xx finals, CANCELs: txn_server.c. */
	v = txn_server_request(p, &from, msg, &key);
	if (v == TXN_HANDLED)
		return;
	dlg_core_request(p, msg); /* dlg_rx.c: the far end's BYE ends the Rx session */
	ack = v == TXN_ACK_2XX;
	r = find_reg(p, msg, &src, ack);
	if (!r)
		return;
	set = term_set(p, r);
	if (!set) {
		p->stats.term_unavailable++;
		if (!ack)
			term_reply_core(p, msg, &src, 480, "Temporarily Unavailable");
		return;
	}
	if (!ack && reg_rx_refuse(p, r, msg)) { /* reg_rx.c: signalling path lost */
		term_reply_core(p, msg, &src, 480, "Temporarily Unavailable");
		return;
	}
	if (hop(msg)) {
		if (!ack)
			term_reply_core(p, msg, &src, 483, "Too Many Hops");
		return;
	}
	addr_str(&set->our_addr, via, sizeof(via));
	if (ack) {
		/* The ACK of a 2xx: a request of its own, relayed without a transaction. */
		snprintf(branch, sizeof(branch), "z9hG4bK-pcsl%016llx",
			 (unsigned long long)(key ? key : randombytes_random()));
		if (!sipm_push_via(msg, via, set->port_pc, branch) &&
		    (len = sipm_print(msg, p->buf, sizeof(p->buf))) > 0 &&
		    !ue_send_protected(p, set, REG_SA_US, p->buf, len)) {
			p->stats.txn_stateless_ack++;
			p->stats.term_requests++;
		}
		return;
	}
	if (prep_term_request(p, msg, set)) {
		term_reply_core(p, msg, &src, 500, "Server Internal Error");
		return;
	}
	t = txn_server_new(p, &from, msg, key);
	if (!t) {
		pr_warn_rl("transaction table full: terminating %s answered 503", msg->sip_method);
		term_reply_core(p, msg, &src, 503, "Service Unavailable");
		return;
	}
	t->ri = reg_index_of(p->regs, r);
	t->rgen = r->generation;
	if (dlg_term_request(p, t, msg, r)) /* dlg_term.c: the far end's offer; <0: answered */
		return;
	txn_branch(&p->txns, t, branch, sizeof(branch));
	if (sipm_push_via(msg, via, set->port_pc, branch) ||
	    (len = sipm_print(msg, p->buf, sizeof(p->buf))) < 0 ||
	    txn_client_start(p, t, p->buf, len)) {
		pr_err_rl("terminating %s for %s: cannot send through spi 0x%08x", msg->sip_method,
			  r->impi, set->spi[REG_SA_US]);
		/* Timers A/E send it again; B/F answer 408 if it never gets through. */
		if (!t->req_buf) {
			txn_free(&p->txns, t);
			term_reply_core(p, msg, &src, 480, "Temporarily Unavailable");
		}
		return;
	}
	p->stats.term_requests++;
}

void term_deliver(struct proxy *p, struct txn *t, osip_message_t *msg)
{
	sipm_pop_via(msg);
	prep_term_response(p, t, msg);
	if (dlg_term_response(p, t, msg)) /* dlg_term.c: held for the PCRF, or absorbed */
		return;
	if (!txn_respond(p, t, msg))
		p->stats.term_responses++;
}

void term_from_ue_response(struct proxy *p, const struct sip_in *m, osip_message_t *msg)
{
	struct txn *t = txn_client_match(p, msg);
	const struct reg_sa_set *set;
	const struct reg *r;

	if (!t || t->kind != TXN_TERM) {
		p->stats.term_bad_response++;
		return;
	}
	/* Only the UE's own SA that answers ours: port_us -> port_pc, spi_pc. */
	set = m->protected ? reg_sa_by_slot(p->regs, m->slot, m->generation) : NULL;
	r = reg_of_set(p->regs, set);
	if (!r || m->slot % REG_SA_COUNT != REG_SA_PC || r != reg_by_index(p->regs, t->ri, t->rgen)) {
		p->stats.term_bad_response++;
		pr_warn_rl("response to a terminating request on the wrong SA: dropped");
		return;
	}
	/* 100s, retransmitted finals, the answer to our CANCEL: absorbed (txn_client.c). */
	if (txn_client_response(p, t, msg))
		term_deliver(p, t, msg);
}
