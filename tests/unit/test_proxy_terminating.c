// SPDX-License-Identifier: GPL-2.0
/*
 * Terminating requests through the proxy's state machine (TS 24.229 5.2.5,
 * RFC 3327, TS 33.203 7.4), as a table run by tests/unit/proxy_harness.h:
 * each row registers alice (the whole IMS AKA exchange), optionally changes
 * her state, then the core sends a request for her and the row says where it
 * must go: through which outbound SA, from which port to which, or which
 * answer goes back to the core; then the UE's answer through a given SA and
 * whether it reaches the core.
 */
#include <stddef.h>
#include "proxy_harness.h"
#include "tap.h"

#pragma GCC diagnostic ignored "-Woverride-init"

#define ALICE	  "alice@ims.example"
#define BOB	  "bob@ims.example"
#define UE	  "10.0.0.10"
#define UE_PORT_S 5064 /* port-s of PH_SEC_CLIENT: port_us */
#define UE_SPI_S  2222 /* spi-s of PH_SEC_CLIENT: spi_us */

enum before {
	B_NONE,	       /* registered, nothing else */
	B_EXPIRED,     /* registration expired (its set lives 30 s more) */
	B_GONE,	       /* registration removed */
	B_REUSED,      /* alice removed, bob registered in her table entry */
	B_REAUTH,      /* registered again: OLD beside NEW, NEW not yet used */
	B_REAUTH_USED, /* ... and the UE used NEW */
};

enum route {
	R_PATH,	   /* Route: the Path alice's protected REGISTER carried */
	R_FORGED,  /* that Path with the MAC's last digit changed */
	R_NOTOKEN, /* Route: our address without a token (a Record-Route of ours) */
	R_NONE,	   /* no Route at all */
	R_OTHER,   /* only someone else's Route: not ours, stays */
};

enum answer { A_NONE, A_PC, A_PS, A_PLAIN };

struct row {
	const char *what;
	enum before before;
	enum route route;
	const char *method;
	const char *ruri; /* NULL: alice's contact */
	int max_forwards; /* 0: 70 */
	int code;	  /* 0: delivered to the UE; else our answer to the core */
	int old_set;	  /* delivered through the OLD set */
	enum answer answer;
	int answer_reaches_core;
	size_t stat;
	uint64_t stat_val;
	int retransmit; /* the core sends it twice: one branch towards the UE */
};

#define STAT(f, v) .stat = offsetof(struct proxy_stats, f) + 1, .stat_val = (v)

static const struct row rows[] = {
	{"MESSAGE by Path: through spi_us, port_pc -> port_us; the UE's 200 to the core", B_NONE,
	 R_PATH, "MESSAGE", .answer = A_PC, .answer_reaches_core = 1, STAT(term_responses, 1)},
	{"INVITE by Path: the same way; the UE's 200 to the core", B_NONE, R_PATH, "INVITE",
	 .answer = A_PC, .answer_reaches_core = 1, STAT(term_requests, 1)},
	{"MESSAGE by Request-URI contact (our Route without token)", B_NONE, R_NOTOKEN, "MESSAGE",
	 .answer = A_PC, .answer_reaches_core = 1},
	{"MESSAGE by Request-URI contact (no Route)", B_NONE, R_NONE, "MESSAGE", .answer = A_PC,
	 .answer_reaches_core = 1},
	{"Route of someone else only: matched by contact, the Route stays", B_NONE, R_OTHER,
	 "MESSAGE"},
	{"the UE's answer through the wrong SA (PS): dropped", B_NONE, R_PATH, "MESSAGE",
	 .answer = A_PS, .answer_reaches_core = 0, STAT(term_bad_response, 1)},
	{"the UE's answer outside ESP: dropped", B_NONE, R_PATH, "MESSAGE", .answer = A_PLAIN,
	 .answer_reaches_core = 0, STAT(term_bad_response, 1)},
	{"a retransmission from the core is absorbed; timer E re-sends under the same branch",
	 B_NONE, R_PATH, "MESSAGE",
	 .retransmit = 1, STAT(retransmissions, 1)},
	{"unknown contact, no token: 404", B_NONE, R_NONE, "MESSAGE",
	 .ruri = "sip:carol@10.0.0.99:5064", .code = 404, STAT(term_not_found, 1)},
	{"forged token: 403", B_NONE, R_FORGED, "MESSAGE", .code = 403, STAT(term_bad_token, 1)},
	{"de-registered UE, its Path: 404", B_GONE, R_PATH, "MESSAGE", .code = 404,
	 STAT(term_not_found, 1)},
	{"de-registered UE, by contact: 404", B_GONE, R_NONE, "INVITE", .code = 404},
	{"stale token (entry reused by bob): 404, nothing to bob", B_REUSED, R_PATH, "MESSAGE",
	 .code = 404, STAT(term_not_found, 1)},
	{"expired registration: 480", B_EXPIRED, R_PATH, "MESSAGE", .code = 480,
	 STAT(term_unavailable, 1)},
	{"Max-Forwards 0: 483", B_NONE, R_PATH, "MESSAGE", .max_forwards = -1, .code = 483},
	{"after re-authentication, NEW unused: through the OLD set (33.203 7.4)", B_REAUTH, R_PATH,
	 "MESSAGE", .old_set = 1, .answer = A_PC, .answer_reaches_core = 1},
	{"after the UE used NEW: through the NEW set", B_REAUTH_USED, R_PATH, "MESSAGE",
	 .answer = A_PC, .answer_reaches_core = 1},
};

static char path[512];

static void make_request(char *out, size_t cap, const struct row *r, int n)
{
	char route[600] = "";
	char *tok;

	switch (r->route) {
	case R_PATH:
		snprintf(route, sizeof(route), "Route: %s\r\n", path);
		break;
	case R_FORGED:
		snprintf(route, sizeof(route), "Route: %s\r\n", path);
		tok = strchr(route, '@');
		if (tok)
			tok[-1] = tok[-1] == '0' ? '1' : '0';
		break;
	case R_NOTOKEN:
		snprintf(route, sizeof(route), "Route: <sip:" PH_VIA_HOST ":5060;lr>\r\n");
		break;
	case R_OTHER:
		snprintf(route, sizeof(route), "Route: <sip:as.ims.example;lr>\r\n");
		break;
	case R_NONE:
		break;
	}
	snprintf(out, cap,
		 "%s %s SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP " PH_CORE_ADDR ":5060;branch=z9hG4bKcore%d\r\n"
		 "Max-Forwards: %d\r\n"
		 "%s"
		 "From: <sip:bob@ims.example>;tag=b1\r\n"
		 "To: <sip:alice@ims.example>\r\n"
		 "Call-ID: term-%d\r\n"
		 "CSeq: 1 %s\r\n"
		 "Contact: <sip:bob@" PH_CORE_ADDR ":5070>\r\n"
		 "Content-Type: text/plain\r\n"
		 "Content-Length: 5\r\n\r\nhello",
		 r->method, r->ruri ? r->ruri : "sip:alice@" UE ":5064", n,
		 r->max_forwards < 0 ? 0
		 : r->max_forwards   ? r->max_forwards
				     : 70,
		 route, n, r->method);
}

static int prepare(struct ph *h, enum before b, char *why, size_t cap)
{
	char msg[2048];

	if (ph_register_ue(h, ALICE, UE, 600, why, cap))
		return -1;
	snprintf(path, sizeof(path), "%s", ph_hdr(h->last_req, "Path", 0) ?: "");
	switch (b) {
	case B_EXPIRED:
		ph_advance(h, 601 * 1000);
		break;
	case B_GONE:
		reg_on_network_dereg(h->p.regs, ALICE, h->now);
		break;
	case B_REUSED:
		reg_on_network_dereg(h->p.regs, ALICE, h->now);
		if (ph_register_ue(h, BOB, "10.0.0.11", 600, why, cap))
			return -1;
		break;
	case B_REAUTH:
	case B_REAUTH_USED:
		if (ph_register_ue(h, ALICE, UE, 600, why, cap))
			return -1;
		if (!ph_set(h, ALICE, REG_SET_OLD)) {
			snprintf(why, cap, "no OLD set after re-authentication");
			return -1;
		}
		snprintf(path, sizeof(path), "%s", ph_hdr(h->last_req, "Path", 0) ?: "");
		if (b == B_REAUTH)
			break;
		snprintf(msg, sizeof(msg),
			 "OPTIONS sip:ims.example SIP/2.0\r\nVia: SIP/2.0/UDP " UE
			 ":5062;branch=z9hG4bKopt\r\nFrom: <sip:" ALICE ">;tag=a\r\nTo: "
			 "<sip:ims.example>\r\nCall-ID: opt\r\nCSeq: 1 OPTIONS\r\n"
			 "Content-Length: 0\r\n\r\n");
		ph_ue_prot(h, ALICE, REG_SET_NEW, msg);
		if (ph_set(h, ALICE, REG_SET_OLD)) {
			snprintf(why, cap, "OLD set still there after NEW was used");
			return -1;
		}
		break;
	case B_NONE:
		break;
	}
	return 0;
}

static int check_delivery(struct ph *h, const struct row *r, const struct ph_out *o,
			  const struct reg_sa_set *set, char *why, size_t cap)
{
	const char *via = ph_hdr(o->text, "Via", 0);
	char want_via[64];

	snprintf(want_via, sizeof(want_via), PH_OUR_ADDR ":%u;branch=", set->port_pc);
	if (o->which != REG_SA_US || o->spi != set->spi[REG_SA_US] || o->spi != UE_SPI_S ||
	    o->sport != set->port_pc || o->dport != UE_PORT_S)
		snprintf(why, cap, "through %s spi %u ports %u -> %u", reg_sa_name(o->which),
			 o->spi, o->sport, o->dport);
	else if (!via || !strstr(via, want_via))
		snprintf(why, cap, "top Via %s, want %s", via ? via : "-", want_via);
	else if (!ph_hdr(o->text, "Via", 1) || !strstr(ph_hdr(o->text, "Via", 1), PH_CORE_ADDR))
		snprintf(why, cap, "the core's Via is not second");
	else if (r->route != R_OTHER && ph_hdr(o->text, "Route", 0))
		snprintf(why, cap, "a Route is left: %s", ph_hdr(o->text, "Route", 0));
	else if (r->route == R_OTHER && !ph_hdr(o->text, "Route", 0))
		snprintf(why, cap, "someone else's Route was popped");
	else if (!ph_hdr(o->text, "Max-Forwards", 0) ||
		 strcmp(ph_hdr(o->text, "Max-Forwards", 0), "69"))
		snprintf(why, cap, "Max-Forwards %s", ph_hdr(o->text, "Max-Forwards", 0) ?: "-");
	else if (!strstr(o->text, "\r\n\r\nhello"))
		snprintf(why, cap, "body lost");
	else
		return 0;
	return -1;
}

/* The UE answers text (what it got) with 200 through `a`; 0 when it reached the core intact. */
static int ue_answers(struct ph *h, const struct row *r, const char *text,
		      const struct reg_sa_set *set, char *why, size_t cap)
{
	static char resp[PH_TEXT_MAX];
	const struct ph_out *o;
	int n = ph_core_response(resp, sizeof(resp), text, "200 OK", NULL);

	if (n < 0)
		return -1;
	if (r->answer == A_PLAIN)
		ph_ue_udp(h, UE, UE_PORT_S, resp);
	else
		ph_ue_sa_n(h, set, r->answer == A_PC ? REG_SA_PC : REG_SA_PS, resp, n);
	o = ph_get(h, PH_CORE, 0);
	if (!r->answer_reaches_core) {
		if (o || ph_to_ue(h)) {
			snprintf(why, cap, "the answer went on");
			return -1;
		}
		return 0;
	}
	if (!o || ph_status(o->text) != 200) {
		snprintf(why, cap, "no 200 to the core");
		return -1;
	}
	if (!ph_hdr(o->text, "Via", 0) || !strstr(ph_hdr(o->text, "Via", 0), "z9hG4bKcore") ||
	    ph_hdr(o->text, "Via", 1)) {
		snprintf(why, cap, "the 200's Vias: %s", ph_hdr(o->text, "Via", 0) ?: "-");
		return -1;
	}
	return 0;
}

static void run(const struct row *r, int n)
{
	static struct ph h;
	static char req[PH_TEXT_MAX], first_via[256];
	const struct reg_sa_set *set = NULL;
	const struct ph_out *o;
	char why[512] = "ok";
	int ok = 0;

	if (ph_init(&h)) {
		TAP_CHECK(0, "%s: harness", r->what);
		return;
	}
	if (prepare(&h, r->before, why, sizeof(why)))
		goto out;
	set = ph_set(&h, ALICE, r->old_set ? REG_SET_OLD : REG_SET_NEW);
	if (!n)
		tap_diag("Path %s, via port_pc %u", path, set ? set->port_pc : 0);
	make_request(req, sizeof(req), r, n);
	ph_core_in(&h, req);
	if (r->code) {
		o = ph_get(&h, PH_CORE, 0);
		if (ph_to_ue(&h))
			snprintf(why, sizeof(why), "went to a UE");
		else if (!o || ph_status(o->text) != r->code)
			snprintf(why, sizeof(why), "answer %d, want %d", o ? ph_status(o->text) : 0,
				 r->code);
		else if (!ph_hdr(o->text, "Via", 0) ||
			 !strstr(ph_hdr(o->text, "Via", 0), "z9hG4bKcore"))
			snprintf(why, sizeof(why), "our answer lacks the core's Via");
		else
			ok = 1;
		goto stat;
	}
	o = ph_get(&h, PH_UE_PROT, 0);
	/* An INVITE has our 100 Trying to the core at once (RFC 3261 16.2), nothing else. */
	if (!o || !set || ph_count(&h, PH_UE_PROT) != 1 ||
	    ph_count(&h, PH_CORE) != (!strcmp(r->method, "INVITE") ? 1 : 0) ||
	    (ph_get(&h, PH_CORE, 0) && ph_status(ph_get(&h, PH_CORE, 0)->text) != 100)) {
		snprintf(why, sizeof(why), "not delivered (%d protected, %d to core)",
			 ph_count(&h, PH_UE_PROT), ph_count(&h, PH_CORE));
		goto out;
	}
	if (check_delivery(&h, r, o, set, why, sizeof(why)))
		goto out;
	snprintf(first_via, sizeof(first_via), "%s", ph_hdr(o->text, "Via", 0));
	if (r->retransmit) {
		/* The core's copy is absorbed; timer E sends ours again, under the same branch. */
		ph_core_in(&h, req);
		if (ph_to_ue(&h) || ph_count(&h, PH_CORE)) {
			snprintf(why, sizeof(why), "the core's retransmission was not absorbed");
			goto out;
		}
		ph_advance(&h, TXN_T1_MS);
		o = ph_get(&h, PH_UE_PROT, 0);
		if (!o || strcmp(ph_hdr(o->text, "Via", 0) ?: "", first_via)) {
			snprintf(why, sizeof(why), "timer E: not sent again under the same branch");
			goto out;
		}
	}
	if (r->answer != A_NONE) {
		static char text[PH_TEXT_MAX];

		snprintf(text, sizeof(text), "%s", o->text);
		if (ue_answers(&h, r, text, set, why, sizeof(why)))
			goto out;
	}
	ok = 1;
stat:
	if (ok && r->stat) {
		uint64_t got;

		memcpy(&got, (const char *)&h.p.stats + r->stat - 1, sizeof(got));
		if (got != r->stat_val) {
			snprintf(why, sizeof(why), "counter %llu, want %llu",
				 (unsigned long long)got, (unsigned long long)r->stat_val);
			ok = 0;
		}
	}
out:
	TAP_CHECK(ok, "%s%s%s", r->what, ok ? "" : ": ", ok ? "" : why);
	ph_fini(&h);
}

/* The UE's answer `status` to text (a request it got), through alice's PC SA. */
static void ue_answer(struct ph *h, const char *text, const char *status)
{
	static char resp[PH_TEXT_MAX];
	int n = ph_core_response(resp, sizeof(resp), text, status, NULL);

	if (n > 0)
		ph_ue_sa_n(h, ph_set(h, ALICE, REG_SET_NEW), REG_SA_PC, resp, n);
}

/*
 * CANCEL and ACK hop by hop (RFC 3261 9.1, 16.10, 17.1.1.3): the core's
 * CANCEL is answered 200 by us; it goes to the UE under the INVITE's branch
 * once the UE sent a provisional; the UE's 200 to it stays here; its 487
 * reaches the core and is ACKed by us towards the UE; the core's ACK of the
 * 487 ends at us.
 */
static void cancel(void)
{
	static struct ph h;
	static char req[PH_TEXT_MAX], inv[PH_TEXT_MAX], text[PH_TEXT_MAX];
	const struct row r = {.method = "INVITE", .route = R_PATH};
	const struct ph_out *o;
	char why[256], branch[256] = "";

	if (ph_init(&h) || prepare(&h, B_NONE, why, sizeof(why))) {
		TAP_CHECK(0, "cancel: registration");
		return;
	}
	make_request(inv, sizeof(inv), &r, 99);
	ph_core_in(&h, inv);
	o = ph_get(&h, PH_UE_PROT, 0);
	if (o) {
		snprintf(branch, sizeof(branch), "%s", ph_hdr(o->text, "Via", 0));
		snprintf(text, sizeof(text), "%s", o->text);
	}
	TAP_CHECK(o && branch[0] && ph_get(&h, PH_CORE, 0) &&
			  ph_status(ph_get(&h, PH_CORE, 0)->text) == 100,
		  "cancel: the INVITE reaches the UE, 100 Trying to the core at once");
	ue_answer(&h, text, "180 Ringing");
	o = ph_get(&h, PH_CORE, 0);
	TAP_CHECK(o && ph_status(o->text) == 180, "cancel: the UE's 180 reaches the core");
	snprintf(req, sizeof(req), "%s", inv);
	memcpy(req, "CANCEL", 6); /* "INVITE" -> "CANCEL", same length */
	memcpy(strstr(req, "CSeq: 1 INVITE") + 8, "CANCEL", 6);
	ph_core_in(&h, req);
	o = ph_get(&h, PH_UE_PROT, 0);
	TAP_CHECK(o && !strncmp(o->text, "CANCEL ", 7) &&
			  !strcmp(ph_hdr(o->text, "Via", 0) ?: "", branch),
		  "cancel: the CANCEL goes to the UE under the INVITE's branch");
	TAP_CHECK(ph_get(&h, PH_CORE, 0) && ph_status(ph_get(&h, PH_CORE, 0)->text) == 200 &&
			  strstr(ph_get(&h, PH_CORE, 0)->text, "CANCEL"),
		  "cancel: we answer the core's CANCEL 200 ourselves");
	if (o) {
		static char c[PH_TEXT_MAX];

		snprintf(c, sizeof(c), "%s", o->text);
		ue_answer(&h, c, "200 OK");
	}
	TAP_CHECK(!ph_get(&h, PH_CORE, 0), "cancel: the UE's 200 to our CANCEL stays here");
	ue_answer(&h, text, "487 Request Terminated");
	o = ph_get(&h, PH_CORE, 0);
	TAP_CHECK(o && ph_status(o->text) == 487, "cancel: then its 487 to the INVITE reaches the core");
	o = ph_get(&h, PH_UE_PROT, 0);
	TAP_CHECK(o && !strncmp(o->text, "ACK ", 4) &&
			  !strcmp(ph_hdr(o->text, "Via", 0) ?: "", branch),
		  "cancel: we ACK the 487 towards the UE under the INVITE's branch");
	{
		char *cseq = strstr(inv, "CSeq: 1 INVITE");

		/* The ACK of the 487: the INVITE's Request-URI, Via branch and CSeq number. */
		snprintf(req, sizeof(req), "ACK%.*sCSeq: 1 ACK%s", (int)(cseq - inv - 6), inv + 6,
			 cseq + strlen("CSeq: 1 INVITE"));
	}
	ph_core_in(&h, req);
	TAP_CHECK(!ph_to_ue(&h) && !ph_get(&h, PH_CORE, 0) && h.p.stats.txn_absorbed_ack == 1,
		  "cancel: the core's ACK of the 487 is absorbed (hop by hop)");
	ph_fini(&h);
}

/* Who may talk to the core socket: the core and the --core-prefix ranges only. */
static void core_peers(void)
{
	static const struct {
		const char *addr;
		bool ok;
	} t[] = {
		{PH_CORE_ADDR, true},	 {"10.0.1.9", false},	  {"198.51.100.7", true},
		{"198.51.101.7", false}, {"2001:db8:c::5", true}, {PH_OUR_ADDR, false},
	};
	static struct ph h;
	struct pcscf_addr a;

	if (ph_init(&h))
		return;
	addr_parse("198.51.100.0", &h.p.cfg.core_peers[0].addr);
	addr_parse("255.255.255.0", &h.p.cfg.core_peers[0].mask);
	memset(h.p.cfg.core_peers[0].mask.a, 0xff, 12);
	addr_parse("2001:db8:c::", &h.p.cfg.core_peers[1].addr);
	addr_parse("ffff:ffff:ffff:ffff::", &h.p.cfg.core_peers[1].mask);
	h.p.cfg.ncore_peers = 2;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		addr_parse(t[i].addr, &a);
		TAP_CHECK(core_peer_ok(&h.p, &a) == t[i].ok, "core socket source %s: %s", t[i].addr,
			  t[i].ok ? "handled" : "dropped");
	}
	ph_fini(&h);
}

int main(void)
{
	log_level = LOG_LVL_ERR;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run(&rows[i], (int)i);
	cancel();
	core_peers();
	return tap_done();
}
