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
#include "proxy/proxy_priv.h"
#include "proxy/sip_msg.h"

/* The 401 to a UE without keys cannot set up SAs: tell the UE, log it once. */
static void challenge_unusable(struct proxy *p, struct txn *t, osip_message_t *msg,
			       const char *why)
{
	struct ue_route r = route_of_txn(t);

	pr_err_rl("401 for %s (Call-ID %s): %s: answering 500 to the UE", t->impi, t->call_id, why);
	sipm_remove(msg, "WWW-Authenticate");
	osip_message_set_status_code(msg, 500);
	osip_free(msg->reason_phrase);
	msg->reason_phrase = osip_strdup("Server Internal Error (no IMS AKA keys from the core)");
	proxy_send_ue(p, &r, msg);
}

/* CK/IK taken from the raw 401 before anything copies it (see take_raw_keys). */
struct raw_keys {
	int status; /* 0: found; -ENOENT, -EINVAL: why not */
	uint8_t ck[AKA_KEY_LEN], ik[AKA_KEY_LEN];
};

static void scrub_hex(char *buf, size_t len, const uint8_t *key)
{
	char hex[2 * AKA_KEY_LEN + 1], *at;

	for (int upper = 0; upper < 2; upper++) {
		for (int i = 0; i < AKA_KEY_LEN; i++)
			snprintf(hex + 2 * i, 3, upper ? "%02X" : "%02x", key[i]);
		while ((at = memmem(buf, len, hex, 2 * AKA_KEY_LEN)))
			memset(at, '0', 2 * AKA_KEY_LEN);
	}
	sodium_memzero(hex, sizeof(hex));
}

/*
 * The keys are read from the datagram itself and their text overwritten
 * there, so libosip2's copies of the message never hold them (it frees them
 * without wiping). The P-CSCF is the last hop that may see CK/IK.
 */
static void take_raw_keys(char *buf, size_t len, struct raw_keys *k)
{
	char www[2048], cleaned[2048];
	int n;

	k->status = -ENOENT;
	if (len < 12 || memcmp(buf, "SIP/2.0 401", 11))
		return;
	n = sipm_raw_header(buf, len, "WWW-Authenticate", 0, www, sizeof(www));
	if (n >= 0) {
		n = www_auth_take_keys(www, n, k->ck, k->ik, cleaned, sizeof(cleaned));
		k->status = n < 0 ? n : 0;
	}
	sodium_memzero(www, sizeof(www));
	if (!k->status) {
		scrub_hex(buf, len, k->ck);
		scrub_hex(buf, len, k->ik);
	}
}

static void on_401(struct proxy *p, struct txn *t, osip_message_t *msg, struct raw_keys *k)
{
	uint8_t ck[AKA_KEY_LEN], ik[AKA_KEY_LEN];
	char cleaned[1024], server[REG_SECHDR_MAX];
	struct ue_route r = route_of_txn(t);
	const char *www = sipm_header(msg, "WWW-Authenticate", 0);
	struct reg_alloc alloc;
	struct reg_ue_sec ue;
	struct sec_list client;
	struct sec_mech sm;
	unsigned int mi, pi;
	int n, err;

	if (!www) {
		p->stats.no_keys_401++;
		challenge_unusable(p, t, msg, "no WWW-Authenticate");
		return;
	}
	n = k->status ? k->status : www_auth_take_keys(www, strlen(www), ck, ik, cleaned,
							 sizeof(cleaned));
	if (n < 0) {
		p->stats.no_keys_401++;
		challenge_unusable(p, t, msg, n == -ENOENT ? "ck/ik missing" : "ck/ik malformed");
		return;
	}
	/* What osip saw was scrubbed: the keys are the ones read from the datagram. */
	memcpy(ck, k->ck, sizeof(ck));
	memcpy(ik, k->ik, sizeof(ik));
	/* The keys never go further than this P-CSCF (TS 33.203 7.1). */
	sipm_replace(msg, "WWW-Authenticate", cleaned);

	sec_list_init(&client);
	if (!t->sec_client[0] ||
	    sec_list_parse(&client, t->sec_client, strlen(t->sec_client), NULL) < 0 ||
	    sec_choose(&client, &p->prefs, &mi, &pi)) {
		sodium_memzero(ck, sizeof(ck));
		sodium_memzero(ik, sizeof(ik));
		challenge_unusable(p, t, msg, "the REGISTER had no usable Security-Client");
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
	err = reg_on_401(p->regs, t->impi, &t->ue_addr, &t->our_addr, &ue, ck, ik,
			 (uint64_t)p->cfg.reg_await_auth_s * 1000, proxy_now_ms(), &alloc);
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(ik, sizeof(ik));
	if (err) {
		challenge_unusable(p, t, msg, strerror(-err));
		return;
	}
	if (sec_mech_server(&sm, &p->prefs.p[pi], "trans", alloc.spi_pc, alloc.spi_ps,
			    alloc.port_pc, alloc.port_ps) ||
	    sec_mech_format(&sm, server, sizeof(server)) < 0) {
		reg_on_auth_failure(p->regs, t->impi, proxy_now_ms());
		challenge_unusable(p, t, msg, "cannot format Security-Server");
		return;
	}
	reg_set_pending(p->regs, t->impi, t->call_id, t->sec_client, server);
	sipm_add(msg, "Security-Server", server);
	pr_info_rl("401 for %s: temporary SAs spi_pc 0x%08x spi_ps 0x%08x port_pc %u port_ps %u "
		"(%s/%s)",
		t->impi, alloc.spi_pc, alloc.spi_ps, alloc.port_pc, alloc.port_ps, ue.alg, ue.ealg);
	proxy_send_ue(p, &r, msg);
}

static void on_register_2xx(struct proxy *p, struct txn *t, osip_message_t *msg)
{
	char impus[REG_MAX_IMPUS][REG_URI_MAX], routes[REG_MAX_ROUTES][REG_URI_MAX];
	const char *impu_p[REG_MAX_IMPUS], *route_p[REG_MAX_ROUTES];
	char contact[REG_CONTACT_MAX] = "";
	struct ue_route r = route_of_txn(t);
	const struct reg_sa_set *set;
	const struct reg *reg;
	long expires = sipm_expires(msg);
	int ni, nr, err;

	if (!t->protected) {
		/* Registered without IMS AKA: nothing to set up, nothing to keep. */
		proxy_send_ue(p, &r, msg);
		return;
	}
	set = reg_sa_by_slot(p->regs, t->sa_slot, t->sa_generation);
	reg = reg_find(p->regs, t->impi);
	if (expires < 0)
		expires = 0;
	ni = sipm_collect(msg, "P-Associated-URI", &impus[0][0], REG_URI_MAX, REG_MAX_IMPUS);
	nr = sipm_collect(msg, "Service-Route", &routes[0][0], REG_URI_MAX, REG_MAX_ROUTES);
	for (int i = 0; i < ni; i++)
		impu_p[i] = impus[i];
	for (int i = 0; i < nr; i++)
		route_p[i] = routes[i];
	sipm_contact(msg, contact, sizeof(contact));
	/*
	 * Only a 200 to the REGISTER that came through the temporary set may
	 * promote it; a refresh through an established set while a challenge is
	 * pending must not adopt that challenge's SAs.
	 */
	if (set && reg && (set->state == REG_SET_TEMPORARY || !reg_set_of(p->regs, reg,
									   REG_SET_TEMPORARY) ||
			   expires == 0)) {
		err = reg_on_200_register(p->regs, t->impi, expires, impu_p, ni, route_p, nr,
					  contact, proxy_now_ms());
		if (err)
			pr_err_rl("200 for %s: registration update failed: %s", t->impi,
			       strerror(-err));
		else if (expires)
			pr_info_rl("200 for %s: registered for %ld s, SA set promoted to new",
				t->impi, expires);
	}
	/* De-registration: the 200 leaves through the SA first, then the sets go (24.229). */
	proxy_send_ue(p, &r, msg);
	if (expires == 0 && reg_find(p->regs, t->impi)) {
		reg_on_dereg_response_sent(p->regs, t->impi, proxy_now_ms());
		pr_info_rl("200 for %s: de-registered, SA sets deleted", t->impi);
	}
}

static void on_register_failure(struct proxy *p, struct txn *t, osip_message_t *msg, int code)
{
	struct ue_route r = route_of_txn(t);
	const struct reg_sa_set *set = NULL;

	if (t->protected)
		set = reg_sa_by_slot(p->regs, t->sa_slot, t->sa_generation);
	/* The answer to the protected REGISTER goes through the temporary set, then it goes. */
	proxy_send_ue(p, &r, msg);
	if (set && set->state == REG_SET_TEMPORARY) {
		reg_on_auth_failure(p->regs, t->impi, proxy_now_ms());
		pr_info_rl("%d for %s: temporary SA set deleted", code, t->impi);
	}
}

static void on_response(struct proxy *p, osip_message_t *msg, struct raw_keys *k)
{
	uint64_t now = proxy_now_ms();
	struct txn *t = txn_find(&p->txns, sipm_top_branch(msg), now);
	int code = msg->status_code;

	if (!t) {
		p->stats.unroutable++;
		pr_debug("response %d without a transaction of ours: dropped", code);
		return;
	}
	sipm_pop_via(msg);
	if (!t->is_register) {
		struct ue_route r = route_of_txn(t);

		proxy_send_ue(p, &r, msg);
	} else if (code == 401) {
		on_401(p, t, msg, k);
	} else if (code >= 200 && code < 300) {
		on_register_2xx(p, t, msg);
	} else if (code >= 300) {
		on_register_failure(p, t, msg, code);
	} else {
		struct ue_route r = route_of_txn(t);

		proxy_send_ue(p, &r, msg);
	}
	if (code >= 200)
		txn_done(t);
}

void proxy_from_core(struct proxy *p)
{
	char buf[SIP_MSG_MAX * 2];
	struct raw_keys keys;
	osip_message_t *msg;
	ssize_t n;

	for (int budget = PROXY_SOCK_BUDGET;
	     budget-- && (n = recv(p->core_fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0;) {
		p->stats.from_core++;
		take_raw_keys(buf, n, &keys);
		if (sipm_parse(&msg, buf, n)) {
			p->stats.parse_errors++;
			sodium_memzero(&keys, sizeof(keys));
			sodium_memzero(buf, n);
			continue;
		}
		if (MSG_IS_RESPONSE(msg))
			on_response(p, msg, &keys);
		else
			p->stats.unroutable++; /* terminating requests: a later issue */
		osip_message_free(msg);
		/* A 401 carried CK/IK in clear: leave no copy of them on our stack. */
		sodium_memzero(&keys, sizeof(keys));
		sodium_memzero(buf, n);
	}
}
