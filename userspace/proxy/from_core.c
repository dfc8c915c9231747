// SPDX-License-Identifier: GPL-2.0
/*
 * Responses from the core. For REGISTER they drive the SA lifecycle
 * (TS 33.203 7.1-7.4): the 401 gives up CK/IK (taken out before it goes on)
 * and creates the temporary set; the 200 promotes it; a failure removes it.
 * Each event reaches the registration table (and through it the classifier's
 * map) before the response goes to the UE, so the UE's next packet already
 * meets the new state.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sodium.h>

#include "common/addr.h"
#include "common/log.h"
#include "sip/www_auth.h"
#include "proxy/proxy.h"
#include "proxy/orig.h"
#include "proxy/dlg_rx.h"
#include "proxy/proxy_priv.h"
#include "proxy/raw_keys.h"
#include "proxy/reg_event.h"
#include "proxy/reg_rx.h"
#include "proxy/terminating.h"
#include "proxy/sip_msg.h"
#include "proxy/txn_proxy.h"

/* What the REGISTER carried (txn_reg), or an empty one when none was kept. */
static struct txn_reg *reg_of(struct proxy *p, struct txn *t)
{
	static struct txn_reg none;
	struct txn_reg *x = txn_buf_get(&p->txns.bufs, t->reg_buf, NULL);

	if (x)
		return x;
	memset(&none, 0, sizeof(none));
	none.expires_req = -1;
	return &none;
}

/*
 * The 401 we cannot act on goes to the UE as @code (500, or 503 with
 * @retry_after) with none of the 401's other headers: one the key scrub did
 * not recognise could still hold key text. Logged once.
 */
static void challenge_unusable(struct proxy *p, struct txn *t, osip_message_t *msg, int code,
			       const char *reason, const char *retry_after, const char *why)
{

	pr_err_rl("401 for %s (Call-ID %s): %s: answering %d to the UE", reg_of(p, t)->impi, reg_of(p, t)->call_id, why,
	       code);
	sipm_keep_dialog_only(msg);
	if (retry_after)
		sipm_add(msg, "Retry-After", retry_after);
	osip_message_set_status_code(msg, code);
	osip_free(msg->reason_phrase);
	msg->reason_phrase = osip_strdup(reason);
	txn_respond(p, t, msg);
}

static void no_keys(struct proxy *p, struct txn *t, osip_message_t *msg, const char *why)
{
	p->stats.no_keys_401++;
	challenge_unusable(p, t, msg, 500, "Server Internal Error (no IMS AKA keys from the core)",
			   NULL, why);
}

/* reg_on_401 failed: 503 + our Retry-After for a busy cause (counted by cause), 500 otherwise. */
static void sa_setup_failed(struct proxy *p, struct txn *t, osip_message_t *msg, int err)
{
	enum admit_cause c = admit_cause_of(err);
	char why[160];

	if (c < BUSY_N) {
		p->stats.busy_503++;
		p->admit.busy[c]++;
		snprintf(why, sizeof(why), "cannot create the temporary SA set: %s (busy_%s)",
			 admit_cause_text(c), admit_cause_name(c));
		challenge_unusable(p, t, msg, 503, "Service Unavailable", p->admit.retry_after, why);
		return;
	}
	snprintf(why, sizeof(why), "cannot create the temporary SA set: %s", strerror(-err));
	challenge_unusable(p, t, msg, 500, "Server Internal Error", NULL, why);
}

/* Every challenge as it may go to the UE; -EINVAL when one still holds a key or is unparsable. */
static int clean_challenges(osip_message_t *msg, const char *name)
{
	osip_header_t *h = NULL;
	char out[2048];

	for (int i = 0; (i = osip_message_header_get_byname(msg, name, i, &h)) >= 0 && h; i++) {
		const char *v = h->hvalue ? h->hvalue : "";
		char *dup;

		if (www_auth_clean(v, strlen(v), out, sizeof(out)) < 0 || !(dup = osip_strdup(out)))
			return -EINVAL;
		osip_free(h->hvalue);
		h->hvalue = dup;
	}
	return 0;
}

/* @k: CK/IK as raw_keys_take read them from the datagram (osip only saw it scrubbed). */
static void on_401(struct proxy *p, struct txn *t, osip_message_t *msg, struct raw_keys *k)
{
	char server[REG_SECHDR_MAX];
	struct reg_alloc alloc;
	struct reg_ue_sec ue;
	struct sec_list client;
	struct sec_mech sm;
	unsigned int mi, pi;
	int err;

	if (k->status) {
		no_keys(p, t, msg, k->status == -ENOENT ? "ck/ik missing" : "ck/ik malformed");
		return;
	}
	/* Defence in depth: nothing that still reads as a key goes to the UE (TS 33.203 7.1). */
	if (clean_challenges(msg, "WWW-Authenticate") ||
	    clean_challenges(msg, "Proxy-Authenticate")) {
		no_keys(p, t, msg, "challenge unparsable once the keys are out");
		return;
	}
	sec_list_init(&client);
	if (!reg_of(p, t)->sec_client[0] ||
	    sec_list_parse(&client, reg_of(p, t)->sec_client, strlen(reg_of(p, t)->sec_client), NULL) < 0 ||
	    sec_choose(&client, &p->prefs, &mi, &pi)) {
		challenge_unusable(p, t, msg, 500, "Server Internal Error", NULL,
				   "the REGISTER had no usable Security-Client");
		return;
	}
	ue = (struct reg_ue_sec){
		.spi_uc = client.mech[mi].spi_c,
		.spi_us = client.mech[mi].spi_s,
		.port_uc = client.mech[mi].port_c,
		.port_us = client.mech[mi].port_s,
		.alg = p->prefs.p[pi].alg,
		.ealg = p->prefs.p[pi].ealg,
	};
	err = reg_on_401(p->regs, reg_of(p, t)->impi, &t->ue.ue_addr, &t->ue.our_addr, &ue, k->ck, k->ik,
			 (uint64_t)p->cfg.reg_await_auth_s * 1000, proxy_now_ms(), &alloc);
	sodium_memzero(k, sizeof(*k));
	if (err) {
		sa_setup_failed(p, t, msg, err);
		return;
	}
	if (sec_mech_server(&sm, &p->prefs.p[pi], "trans", alloc.spi_pc, alloc.spi_ps,
			    alloc.port_pc, alloc.port_ps) ||
	    sec_mech_format(&sm, server, sizeof(server)) < 0) {
		reg_on_auth_failure(p->regs, reg_of(p, t)->impi, proxy_now_ms());
		challenge_unusable(p, t, msg, 500, "Server Internal Error", NULL,
				   "cannot format Security-Server");
		return;
	}
	reg_set_pending(p->regs, reg_of(p, t)->impi, reg_of(p, t)->call_id, reg_of(p, t)->sec_client, server);
	sipm_add(msg, "Security-Server", server);
	pr_info_rl("401 for %s: temporary SAs spi_pc 0x%08x spi_ps 0x%08x port_pc %u port_ps %u "
		"(%s/%s)",
		reg_of(p, t)->impi, alloc.spi_pc, alloc.spi_ps, alloc.port_pc, alloc.port_ps, ue.alg, ue.ealg);
	txn_respond(p, t, msg);
}

/*
 * The entries of a core-supplied list that are usable URIs, into out[]; the
 * rest are counted and left out (one log line per 200), so that no identity
 * or route we later write from them is one that no SIP stack parses.
 */
static int keep_usable_uris(struct proxy *p, struct txn *t, const char *name,
			    char (*list)[REG_URI_MAX], int n, const char **out)
{
	int kept = 0;
	bool logged = false;

	for (int i = 0; i < n; i++) {
		if (sipm_name_addr_ok(list[i])) {
			out[kept++] = list[i];
			continue;
		}
		p->stats.bad_core_uri++;
		if (!logged)
			pr_warn_rl("200 for %s (Call-ID %s): %s entry %d is no usable URI: left out",
				   reg_of(p, t)->impi, reg_of(p, t)->call_id, name, i + 1);
		logged = true;
	}
	return kept;
}

static void on_register_2xx(struct proxy *p, struct txn *t, osip_message_t *msg)
{
	char impus[REG_MAX_IMPUS][REG_URI_MAX], routes[REG_MAX_ROUTES][REG_URI_MAX];
	const char *impu_p[REG_MAX_IMPUS], *route_p[REG_MAX_ROUTES];
	char contact[REG_CONTACT_MAX];
	const struct reg_sa_set *set;
	const struct reg *reg;
	uint32_t expires;
	bool promoted = false;
	int ni, nr, err;

	if (!t->protected) {
		/* Registered without IMS AKA: nothing to set up, nothing to keep. */
		txn_respond(p, t, msg);
		return;
	}
	set = reg_sa_by_slot(p->regs, t->ue.sa_slot, t->ue.sa_generation);
	reg = reg_find(p->regs, reg_of(p, t)->impi);
	/* The binding of this UE: its address and protected server port (24.229 5.1.1.2). */
	err = sipm_reg_expires(msg, set ? &set->ue_addr : &t->ue.ue_addr, set ? set->port_us : 0,
			       &expires, contact, sizeof(contact));
	if (err) {
		/* Never read as expires 0: a de-registration is only one the core states. */
		p->stats.bad_expires_200++;
		pr_err("200 for %s (Call-ID %s): expiry %s: registration state kept", reg_of(p, t)->impi,
		       reg_of(p, t)->call_id, err == -ENOENT ? "missing" : "unparsable or above 2^32-1");
		txn_respond(p, t, msg);
		return;
	}
	ni = sipm_collect(msg, "P-Associated-URI", &impus[0][0], REG_URI_MAX, REG_MAX_IMPUS);
	nr = sipm_collect(msg, "Service-Route", &routes[0][0], REG_URI_MAX, REG_MAX_ROUTES);
	ni = keep_usable_uris(p, t, "P-Associated-URI", impus, ni, impu_p);
	nr = keep_usable_uris(p, t, "Service-Route", routes, nr, route_p);
	/*
	 * Only a 200 to the REGISTER that came through the temporary set may
	 * promote it; a refresh through an established set while a challenge is
	 * pending must not adopt that challenge's SAs.
	 */
	if (set && reg && (set->state == REG_SET_TEMPORARY || !reg_set_of(p->regs, reg,
									   REG_SET_TEMPORARY) ||
			   expires == 0)) {
		err = reg_on_200_register(p->regs, reg_of(p, t)->impi, expires, impu_p, ni, route_p, nr,
					  contact, proxy_now_ms());
		if (err)
			pr_err_rl("200 for %s: registration update failed: %s", reg_of(p, t)->impi,
			       strerror(-err));
		else if (expires)
			pr_info_rl("200 for %s: registered for %u s, SA set promoted to new",
				reg_of(p, t)->impi, expires);
		promoted = !err;
	}
	/* De-registration: the 200 leaves through the SA first, then the sets go (24.229). */
	txn_respond(p, t, msg);
	/* TS 24.229 5.2.3: subscribe to (refresh) the UE's reg event; Expires 0 at the end. */
	if (promoted)
		reg_event_on_registration(p, reg_of(p, t)->impi, expires);
	if (promoted && expires) /* reg_rx.c: signalling path status (29.214 4.4.5a) */
		reg_rx_registered(p, reg_of(p, t)->impi);
	if (expires == 0 && reg_find(p->regs, reg_of(p, t)->impi)) {
		reg_on_dereg_response_sent(p->regs, reg_of(p, t)->impi, proxy_now_ms());
		pr_info_rl("200 for %s: de-registered, SA sets deleted", reg_of(p, t)->impi);
	}
}

static void on_register_failure(struct proxy *p, struct txn *t, osip_message_t *msg, int code)
{
	const struct reg_sa_set *set = NULL;

	if (t->protected)
		set = reg_sa_by_slot(p->regs, t->ue.sa_slot, t->ue.sa_generation);
	/* The answer to the protected REGISTER goes through the temporary set, then it goes. */
	txn_respond(p, t, msg);
	if (set && set->state == REG_SET_TEMPORARY) {
		reg_on_auth_failure(p->regs, reg_of(p, t)->impi, proxy_now_ms());
		pr_info_rl("%d for %s: temporary SA set deleted", code, reg_of(p, t)->impi);
	}
}

void orig_deliver(struct proxy *p, struct txn *t, osip_message_t *msg, struct raw_keys *k)
{
	int code = msg->status_code;

	sipm_pop_via(msg);
	if (t->is_register && code >= 200)
		admit_done(p, msg); /* admit.c: no longer in flight */
	orig_response(p, t, msg);
	if (!t->is_register) {
		if (!dlg_orig_response(p, t, msg)) /* dlg_rx.c: held for the PCRF, or absorbed */
			txn_respond(p, t, msg);
	} else if (code < 200)
		txn_respond(p, t, msg);
	else if (code == 401 && k)
		on_401(p, t, msg, k);
	else if (code == 401)
		no_keys(p, t, msg, "ck/ik missing");
	else if (code < 300)
		on_register_2xx(p, t, msg);
	else
		on_register_failure(p, t, msg, code);
}

static void on_response(struct proxy *p, osip_message_t *msg, struct raw_keys *k)
{
	struct txn *t;

	if (dlg_own_response(p, msg)) /* dlg_rx.c: the answer to a BYE/CANCEL of ours */
		return;
	/* Our own reg-event SUBSCRIBEs' answers too (TXN_LOCAL, reg_event.c). */
	t = txn_client_match(p, msg);
	if (!t || t->kind == TXN_TERM) {
		p->stats.unroutable++;
		pr_debug("response %d without a transaction of ours: dropped", msg->status_code);
		return;
	}
	/* 100s, retransmitted finals, the answer to our CANCEL: absorbed (txn_client.c). */
	if (txn_client_response(p, t, msg)) {
		uint32_t cookie = t->cookie;

		prep_deliver(p, t, msg, k);
		if (t->cookie == cookie)
			txn_client_final_relayed(p, t);
	}
}

void proxy_from_core(struct proxy *p)
{
	static char buf[PROXY_DGRAM_MAX]; /* single thread; wiped after each message */
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct raw_keys keys;
	osip_message_t *msg;
	struct term_peer src;
	ssize_t n;

	for (int budget = PROXY_SOCK_BUDGET;
	     budget-- && (n = recvfrom(p->core_fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
				       (struct sockaddr *)&ss, &sslen)) > 0;
	     sslen = sizeof(ss)) {
		p->stats.from_core++;
		if ((size_t)n > sizeof(buf)) {
			/* Larger than any UDP datagram can be: never act on a cut message. */
			p->stats.truncated++;
			sodium_memzero(buf, sizeof(buf));
			continue;
		}
		if (term_peer_of(p, &ss, &src)) {
			p->stats.core_foreign++;
			continue;
		}
		raw_keys_take(buf, n, &keys);
		if (sipm_parse(&msg, buf, n)) {
			p->stats.parse_errors++;
			sodium_memzero(&keys, sizeof(keys));
			sodium_memzero(buf, n);
			continue;
		}
		if (MSG_IS_RESPONSE(msg))
			on_response(p, msg, &keys);
		else
			term_from_core(p, msg, &src); /* terminating.c: to a UE, or a reg event */
		osip_message_free(msg);
		/* A 401 carried CK/IK in clear: leave no copy of them on our stack. */
		sodium_memzero(&keys, sizeof(keys));
		sodium_memzero(buf, n);
	}
}
