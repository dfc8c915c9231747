// SPDX-License-Identifier: GPL-2.0
/*
 * Requests from UEs (TS 24.229 5.2.2 for REGISTER, TS 33.203 7.2 for the
 * security agreement). An unprotected REGISTER must carry a usable
 * Security-Client; a protected one arrives through an inbound SA that must
 * belong to its sender, and through a temporary set it must echo exactly
 * what was agreed (downgrade protection) before it goes on to the core.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "common/addr.h"
#include "common/log.h"
#include "sip/www_auth.h"
#include "proxy/proxy.h"
#include "proxy/proxy_priv.h"
#include "proxy/orig.h"
#include "proxy/sip_msg.h"
#include "proxy/terminating.h"
#include "proxy/dlg_rx.h"
#include "proxy/txn_proxy.h"

/*
 * Every Authorization gets integrity-protected="yes"/"no"; the UE must not
 * set it (TS 24.229 5.2.2). 0, or -EINVAL when one cannot be parsed: the
 * caller refuses the request (and none of the UE's Authorization is left in
 * it anyway).
 */
static int mark_integrity(osip_message_t *msg, const char *value)
{
	int n = sipm_set_integrity(msg, value);

	return n < 0 ? n : 0;
}

/* Concatenated Security-Client values, as the 401 handling and the verify check need them. */
static int sec_client_text(osip_message_t *msg, char *out, size_t cap)
{
	const char *v;
	size_t n = 0;

	out[0] = '\0';
	for (int pos = 0; (v = sipm_header(msg, "Security-Client", pos)); pos++) {
		int w = snprintf(out + n, cap - n, "%s%s", n ? ", " : "", v);

		if (w < 0 || (size_t)w >= cap - n)
			return -ENOSPC;
		n += w;
	}
	return (int)n;
}

/*
 * RFC 3329 2.3.1: the 494 lists the mechanisms we support (in a Security-Server),
 * even when the UE offered none of them.
 */
static void reply_494(struct proxy *p, const struct sip_in *m, osip_message_t *msg)
{
	char server[REG_SECHDR_MAX];

	if (sec_prefs_offer(&p->prefs, server, sizeof(server)) < 0)
		server[0] = '\0';
	proxy_reply_hdr(p, m, msg, 494, "Security Agreement Required", "Security-Server",
			server[0] ? server : NULL);
}

/* A branch for a request relayed without a transaction (ACK of a 2xx): the same for its copies. */
static void stateless_branch(uint64_t key, char *branch, size_t cap)
{
	snprintf(branch, cap, "z9hG4bK-pcsl%016llx", (unsigned long long)key);
}

static void forward_request(struct proxy *p, const struct sip_in *m, osip_message_t *msg,
			    bool is_register, const char *impi, const char *sec_client)
{
	struct ue_route r = route_of_msg(m);
	struct txn_from from = {.kind = TXN_ORIG,
				.ue = {.ue_addr = r.ue_addr, .our_addr = r.our_addr,
				       .ue_port = r.ue_port, .protected = r.protected,
				       .sa_slot = r.sa_slot, .sa_generation = r.sa_generation,
				       .conn = r.conn, .conn_gen = r.conn_gen}};
	char branch[TXN_BRANCH_MAX], path[160];
	enum txn_verdict v;
	uint64_t key;
	struct txn *t;
	int len;

	/* Retransmissions, ACKs of our non-2xx finals, CANCELs: the server side's (txn_server.c). */
	v = txn_server_request(p, &from, msg, &key);
	if (v == TXN_HANDLED)
		return;
	/* Routing, identity, charging (orig.h): answered or dropped there when it may not go on. */
	if (orig_request(p, m, msg))
		return;
	if (v == TXN_ACK_2XX) {
		/* The ACK of a 2xx is a transaction of its own, end to end (RFC 3261 17.1.1.3). */
		stateless_branch(key ? key : randombytes_random(), branch, sizeof(branch));
		if (sipm_push_via(msg, p->core_via_host, p->core_via_port, branch) ||
		    (len = sipm_print(msg, p->buf, sizeof(p->buf))) < 0 || core_send(p, p->buf, len))
			return;
		p->stats.txn_stateless_ack++;
		return;
	}
	if (is_register && admit_register(p, m, msg, impi)) /* admit.c: 503 when busy */
		return;
	t = txn_server_new(p, &from, msg, key);
	if (!t) {
		pr_warn_rl("transaction table full: answering 503 to %s", impi);
		admit_refuse(p, m, msg, impi, BUSY_txn_full);
		return;
	}
	t->is_register = is_register;
	if (is_register) {
		static struct txn_reg reg; /* single thread; 2.8 KB off the stack */

		memset(&reg, 0, sizeof(reg));
		snprintf(reg.impi, sizeof(reg.impi), "%s", impi);
		sipm_call_id(msg, reg.call_id, sizeof(reg.call_id));
		if (sec_client)
			snprintf(reg.sec_client, sizeof(reg.sec_client), "%s", sec_client);
		reg.expires_req = -1;
		t->reg_buf = txn_buf_put(&p->txns.bufs, &reg, txn_reg_len(&reg));
		if (!t->reg_buf) {
			p->stats.txn_no_buf++;
			txn_free(&p->txns, t);
			proxy_reply(p, m, msg, 503, "Service Unavailable");
			return;
		}
	}
	txn_branch(&p->txns, t, branch, sizeof(branch));
	if (sipm_push_via(msg, p->core_via_host, p->core_via_port, branch)) {
		txn_free(&p->txns, t);
		return;
	}
	if (is_register) {
		/* Path: terminating requests for this UE come back through this node (RFC 3327). */
		if (term_path(p, impi, path, sizeof(path)) > 0)
			sipm_add(msg, "Path", path);
	}
	len = sipm_print(msg, p->buf, sizeof(p->buf));
	if (len < 0) {
		txn_free(&p->txns, t);
		return;
	}
	/* A send that fails is sent again by timer A/E, and answered 408 by B/F ... */
	if (txn_client_start(p, t, p->buf, len)) {
		pr_err_rl("forwarding %s of %s to the core failed", msg->sip_method, impi);
		/* ... but a REGISTER is told at once to come back later (admit.c). */
		if (is_register) {
			txn_free(&p->txns, t);
			admit_refuse(p, m, msg, impi, BUSY_core_unreachable);
		}
	}
}

static void register_unprotected(struct proxy *p, const struct sip_in *m, osip_message_t *msg,
				 const char *impi)
{
	char client[REG_SECHDR_MAX];
	struct sec_list l;
	const char *err = NULL;
	unsigned int mi, pi;

	if (sipm_sec_list(msg, "Security-Client", &l, &err) || !l.n ||
	    sec_choose(&l, &p->prefs, &mi, &pi) || sec_client_text(msg, client, sizeof(client)) < 0) {
		char a[ADDR_STR_LEN];

		p->stats.rejected_494++;
		pr_warn_rl("REGISTER of %s from %s: no usable Security-Client (%s): 494", impi,
			addr_str(&m->src, a, sizeof(a)), err ? err : "no acceptable algorithm");
		reply_494(p, m, msg);
		return;
	}
	ident_strip_sec_agree(msg);
	if (mark_integrity(msg, "no")) {
		char a[ADDR_STR_LEN];

		p->stats.parse_errors++;
		pr_warn_rl("REGISTER of %s from %s: Authorization cannot be parsed: 400", impi,
			addr_str(&m->src, a, sizeof(a)));
		proxy_reply(p, m, msg, 400, "Bad Request (Authorization)");
		return;
	}
	forward_request(p, m, msg, true, impi, client);
}

static int verify_agreement(struct proxy *p, osip_message_t *msg, const struct reg *r)
{
	struct sec_list verify, sent, client, first;
	const char *err = NULL;

	sec_list_init(&sent);
	sec_list_init(&first);
	if (sipm_sec_list(msg, "Security-Verify", &verify, &err) ||
	    sipm_sec_list(msg, "Security-Client", &client, &err) ||
	    sec_list_parse(&sent, r->sec_server, strlen(r->sec_server), &err) < 0 ||
	    sec_list_parse(&first, r->sec_client, strlen(r->sec_client), &err) < 0)
		return -EINVAL;
	if (sec_verify_check(&verify, &sent) || sec_client_check(&client, &first))
		return -EPERM;
	return 0;
}

/*
 * The SA set says whose REGISTER this is: the registration the set belongs
 * to (set -> registration, O(1)), never a lookup by UE address, so two UEs
 * behind one address cannot register for each other, and a UE that moved to
 * a new address registers from there through the sets of that address.
 */
static void register_protected(struct proxy *p, const struct sip_in *m, osip_message_t *msg,
			       const char *impi, const struct reg *r,
			       const struct reg_sa_set *set)
{
	char client[REG_SECHDR_MAX];

	if (strcmp(r->impi, impi)) {
		p->stats.wrong_sa++;
		pr_warn_rl("REGISTER for %s through SA spi 0x%08x of registration %s: refused (403)",
			impi, m->spi, r->impi);
		proxy_reply(p, m, msg, 403, "Forbidden");
		return;
	}
	if (set->state == REG_SET_TEMPORARY) {
		int err = verify_agreement(p, msg, r);

		if (err) {
			p->stats.verify_mismatch++;
			pr_warn_rl("REGISTER of %s (spi 0x%08x): Security-Verify/Security-Client do not "
				"match what was agreed (%s): rejected",
				impi, m->spi, err == -EPERM ? "mismatch" : "unparsable");
			reply_494(p, m, msg);
			return;
		}
		/*
		 * A 401 to this REGISTER (AUTS re-synchronisation, a re-challenge)
		 * sets up a new temporary set from the initial REGISTER's offer,
		 * which the one just verified repeats.
		 */
		snprintf(client, sizeof(client), "%s", r->sec_client);
	} else if (sec_client_text(msg, client, sizeof(client)) < 0) {
		client[0] = '\0';
	}
	ident_strip_sec_agree(msg);
	if (mark_integrity(msg, "yes")) {
		/* Never forwarded with what the UE wrote: refused through the SA. */
		p->stats.parse_errors++;
		pr_warn_rl("protected REGISTER of %s (spi 0x%08x): Authorization cannot be parsed: "
			   "400", impi, m->spi);
		proxy_reply(p, m, msg, 400, "Bad Request (Authorization)");
		return;
	}
	/* Through an established set a REGISTER re-authenticates: its Security-Client counts. */
	forward_request(p, m, msg, true, impi, client[0] ? client : NULL);
}

void proxy_from_ue(struct proxy *p, const struct sip_in *m)
{
	const struct reg_sa_set *set = NULL;
	const struct reg *r = NULL;
	enum reg_sa_which which = REG_SA_PS;
	char impi[REG_IMPI_MAX], a[ADDR_STR_LEN];
	osip_message_t *msg;
	uint64_t now = proxy_now_ms();

	p->stats.from_ue++;
	if (m->protected) {
		reg_on_inbound_packet(p->regs, m->spi, now);
		set = reg_sa_by_slot(p->regs, m->slot, m->generation);
		r = reg_of_set(p->regs, set);
		which = m->slot % REG_SA_COUNT;
	}
	if (sipm_parse(&msg, sip_in_bytes(m), m->len)) {
		p->stats.parse_errors++;
		pr_debug("unparsable SIP from %s port %u", addr_str(&m->src, a, sizeof(a)), m->sport);
		return;
	}
	if (!MSG_IS_REQUEST(msg)) {
		/* Only answers to our terminating requests (terminating.c) go anywhere. */
		if (!dlg_own_response(p, msg)) /* dlg_rx.c: the answer to a BYE of ours */
			term_from_ue_response(p, m, msg);
		goto out;
	}
	/*
	 * A request other than REGISTER through a live set that no longer
	 * speaks for a registration is answered 403 through it (orig_request).
	 */
	if (m->protected && (which != REG_SA_PS || !set || (!r && MSG_IS_REGISTER(msg)))) {
		p->stats.wrong_sa++;
		pr_warn_rl("request from %s on SA spi 0x%08x that cannot carry it: dropped",
			addr_str(&m->src, a, sizeof(a)), m->spi);
		goto out;
	}
	if (!m->protected && !MSG_IS_REGISTER(msg)) {
		/*
		 * TS 33.203 7.1: only REGISTER may arrive unprotected. Dropped, not
		 * answered: an answer would make us a reflector for spoofed floods.
		 */
		p->stats.unprotected_request++;
		goto out;
	}
	if (m->protected && !MSG_IS_REGISTER(msg)) {
		/* The SA says who sends; the message cannot claim otherwise. */
		snprintf(impi, sizeof(impi), "%s", r ? r->impi : "");
	} else if (sipm_impi(msg, impi, sizeof(impi))) {
		proxy_reply(p, m, msg, 400, "Bad Request");
		goto out;
	}
	if (MSG_IS_REGISTER(msg)) {
		if (m->protected)
			register_protected(p, m, msg, impi, r, set);
		else
			register_unprotected(p, m, msg, impi);
	} else {
		forward_request(p, m, msg, false, impi, NULL);
	}
out:
	osip_message_free(msg);
}
