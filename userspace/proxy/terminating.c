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
 * The transaction (txn.c, keyed by the sender's address, port and branch for
 * retransmissions) remembers the core node to answer and the registration
 * whose SAs may carry the answer; a response through any other SA is dropped.
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
#include "proxy/sip_msg.h"
#include "proxy/terminating.h"
#include "proxy/dlg_rx.h"

#define TOKEN_FMT "t-%08x-%08x-%016llx"
#define TOKEN_LEN 36

/* What a terminating transaction needs beyond struct txn, by txn slot. */
struct term_txn {
	uint32_t cookie;  /* the txn's cookie while it is ours; 0: not a terminating one */
	uint32_t ri, gen; /* the registration whose SAs carry it */
	struct term_peer peer;
};

struct term {
	uint8_t key[crypto_shorthash_KEYBYTES];
	struct term_txn *tx;
	uint32_t cap;
};

int term_init(struct proxy *p)
{
	struct term *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->cap = p->txns.cap;
	t->tx = calloc(t->cap, sizeof(*t->tx));
	if (!t->tx) {
		free(t);
		return -ENOMEM;
	}
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
	free(p->term->tx);
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

void term_from_core(struct proxy *p, osip_message_t *msg, const struct term_peer *src)
{
	const char *cbranch = sipm_top_branch(msg);
	bool ack = MSG_IS_ACK(msg), cancel = MSG_IS_CANCEL(msg);
	uint64_t now = proxy_now_ms();
	const struct reg_sa_set *set;
	char branch[TXN_BRANCH_MAX], via[ADDR_STR_LEN];
	const struct reg *r;
	struct term_txn *tx = NULL;
	struct txn *t = NULL;
	int len;

	if (MSG_IS_NOTIFY(msg) && reg_event_on_notify(p, msg, src))
		return;
	dlg_core_request(p, msg); /* dlg_rx.c: the far end's BYE ends the Rx session */
	r = find_reg(p, msg, src, ack);
	if (!r)
		return;
	set = term_set(p, r);
	if (!set) {
		p->stats.term_unavailable++;
		if (!ack)
			term_reply_core(p, msg, src, 480, "Temporarily Unavailable");
		return;
	}
	if (hop(msg)) {
		if (!ack)
			term_reply_core(p, msg, src, 483, "Too Many Hops");
		return;
	}
	t = txn_find_request(&p->txns, &src->addr, src->port, cbranch, now);
	if (t && p->term->tx[t - p->txns.t].cookie != t->cookie)
		t = NULL; /* not a terminating transaction of ours */
	if (ack || cancel) {
		/*
		 * Hop by hop under the INVITE's branch (RFC 3261 9.1, 17.1.1.3): a
		 * CANCEL, and the ACK of a non-2xx final response. An ACK of a 2xx
		 * has a branch of its own; a CANCEL of nothing we know gets 481.
		 */
		if (t)
			txn_branch(&p->txns, t, branch, sizeof(branch));
		else if (ack)
			snprintf(branch, sizeof(branch), "z9hG4bK-pcack%08x", randombytes_random());
		else {
			term_reply_core(p, msg, src, 481, "Call/Transaction Does Not Exist");
			return;
		}
		t = NULL; /* nothing of the INVITE's transaction to undo if the send fails */
	} else if (t) {
		p->stats.retransmissions++;
		txn_branch(&p->txns, t, branch, sizeof(branch));
	} else {
		t = txn_new_request(&p->txns, now, randombytes_random(), &src->addr, src->port,
				    cbranch, branch, sizeof(branch));
		if (!t) {
			pr_warn_rl("transaction table full: terminating %s answered 503",
				   msg->sip_method);
			term_reply_core(p, msg, src, 503, "Service Unavailable");
			return;
		}
		/* Nothing of a UE route: a core answer naming this branch reaches no UE. */
		t->conn = -1;
		snprintf(t->impi, sizeof(t->impi), "%s", r->impi);
		sipm_call_id(msg, t->call_id, sizeof(t->call_id));
		tx = &p->term->tx[t - p->txns.t];
		*tx = (struct term_txn){.cookie = t->cookie,
					.ri = reg_index_of(p->regs, r),
					.gen = r->generation,
					.peer = *src};
	}
	if (t)
		tx = &p->term->tx[t - p->txns.t];
	addr_str(&set->our_addr, via, sizeof(via));
	if (sipm_push_via(msg, via, set->port_pc, branch) ||
	    (len = sipm_print(msg, p->buf, sizeof(p->buf))) < 0 ||
	    ue_send_protected(p, set, REG_SA_US, p->buf, len)) {
		pr_err_rl("terminating %s for %s: cannot send through spi 0x%08x", msg->sip_method,
			  r->impi, set->spi[REG_SA_US]);
		if (t) {
			tx->cookie = 0;
			txn_done(t);
			term_reply_core(p, msg, src, 480, "Temporarily Unavailable");
		}
		return;
	}
	p->stats.term_requests++;
}

void term_from_ue_response(struct proxy *p, const struct sip_in *m, osip_message_t *msg)
{
	struct txn *t = txn_find(&p->txns, sipm_top_branch(msg), proxy_now_ms());
	struct term_txn *tx = t ? &p->term->tx[t - p->txns.t] : NULL;
	const struct reg_sa_set *set;
	const struct reg *r;
	int len;

	if (!tx || tx->cookie != t->cookie) {
		p->stats.term_bad_response++;
		return;
	}
	/* Only the UE's own SA that answers ours: port_us -> port_pc, spi_pc. */
	set = m->protected ? reg_sa_by_slot(p->regs, m->slot, m->generation) : NULL;
	r = reg_of_set(p->regs, set);
	if (!r || m->slot % REG_SA_COUNT != REG_SA_PC ||
	    r != reg_by_index(p->regs, tx->ri, tx->gen)) {
		p->stats.term_bad_response++;
		pr_warn_rl("response to a terminating request for %s on the wrong SA: dropped",
			   t->impi);
		return;
	}
	sipm_pop_via(msg);
	len = sipm_print(msg, p->buf, sizeof(p->buf));
	if (len < 0 || core_send_to(p, &tx->peer.addr, tx->peer.port, p->buf, len))
		return;
	p->stats.term_responses++;
	/* The 200 to a CANCEL shares the INVITE's branch: the INVITE's own answer is still due. */
	if (msg->status_code >= 200 &&
	    !(msg->cseq && msg->cseq->method && !strcmp(msg->cseq->method, "CANCEL"))) {
		tx->cookie = 0;
		txn_done(t);
	}
}
