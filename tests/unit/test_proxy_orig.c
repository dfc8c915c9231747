// SPDX-License-Identifier: GPL-2.0
/*
 * Originating requests (TS 24.229 5.2.6.3, RFC 3261 16, RFC 3325, RFC 3455)
 * through the proxy's state machine (tests/unit/proxy_harness.h), as a
 * table: each row is one request from a UE through an SA (alice's new set,
 * or bob's temporary one), what must reach the core (or the UE instead),
 * and optionally the core's answer and what the UE must then see.
 *
 * alice registers with IMS AKA, then re-registers through her new set; the
 * 200 to that refresh gives her three IMPUs (P-Associated-URI) and two
 * Service-Route entries. bob is only challenged (temporary set).
 *
 * Header checks are ph_has() specs: "Name", "Name~text", "Name=text" (the
 * first Name header exactly); in `lacks`, absent / none contains text.
 */
#include <stddef.h>
#include "proxy_harness.h"
#include "tap.h"

#define ALICE	    "alice@ims.example"
#define BOB	    "bob@ims.example"
#define UE	    "10.0.0.10"
#define UE_B	    "10.0.0.20"
#define SR1	    "<sip:orig@scscf.ims.example;lr>"
#define SR2	    "<sip:as1@as.ims.example;lr>"
#define OUR_RR_CORE "<sip:" PH_VIA_HOST ":5060;lr>"
#define OUR_RR_UE   "<sip:" PH_OUR_ADDR ":6100;lr>" /* access address, protected server port */
#define OK_REFRESH                                                                                 \
	"Contact: <sip:" UE ":5064>;expires=600\r\n"                                               \
	"P-Associated-URI: <sip:" ALICE ">, <tel:+15550001>\r\n"                                   \
	"P-Associated-URI: \"Alice at work\" <sip:alice.work@ims.example>\r\n"                     \
	"Service-Route: " SR1 "\r\nService-Route: " SR2 "\r\n"
#define NONE (-1)

/* What a UE must never get through to the core, whatever the method. */
#define NO_SEC_AGREE                                                                               \
	"Security-Verify", "Security-Client", "Require~sec-agree", "Proxy-Require~sec-agree"

struct ocase {
	const char *what;
	int bob;	     /* through bob's temporary set instead of alice's new one */
	const char *method;  /* default MESSAGE */
	const char *from;    /* From URI; default alice's */
	int in_dialog;	     /* To carries a tag */
	const char *hdrs;    /* more header lines (CRLF each); a Max-Forwards here replaces ours */
	int verify;	     /* --service-route verify */
	const char *visited; /* --visited-network (as stored: quoted or token) */
	const char *ioi;     /* --orig-ioi */
	int to;		     /* PH_CORE, or PH_UE_PROT (answered by us) */
	int code;	     /* PH_UE_PROT: status */
	const char *has[10], *lacks[8];
	int n_pai, n_route; /* at the core: P-Asserted-Identity / Route headers; 0 not checked */
	size_t stat;	    /* offsetof(struct proxy_stats, f) + 1 */
	const char *resp;   /* the core answers: status line, then resp_hdrs */
	const char *resp_hdrs;
	const char *ue_has[4], *ue_lacks[4];
};

#define STAT(f) .stat = offsetof(struct proxy_stats, f) + 1

static const struct ocase cases[] = {
	{"MESSAGE with a UE-supplied PAI naming bob: removed, alice's default IMPU asserted",
	 .hdrs = "P-Asserted-Identity: <sip:" BOB ">\r\n", .to = PH_CORE,
	 .has = {"P-Asserted-Identity=<sip:" ALICE ">", "Route=" SR1, "Route~as1@as.ims",
		 "P-Charging-Vector~icid-value=", "Max-Forwards=69",
		 "Via~" PH_VIA_HOST ":5060;branch=z9hG4bK-pc"},
	 .lacks = {NO_SEC_AGREE, "P-Asserted-Identity~bob", "Record-Route", "P-Preferred-Identity",
		   "P-Visited-Network-ID"},
	 .n_pai = 1, .n_route = 2, STAT(pai_removed)},
	{"P-Preferred-Identity of her own second IMPU (tel): asserted",
	 .hdrs = "P-Preferred-Identity: <tel:+15550001>\r\n", .to = PH_CORE,
	 .has = {"P-Asserted-Identity=<tel:+15550001>"}, .lacks = {"P-Preferred-Identity"},
	 .n_pai = 1},
	{"P-Preferred-Identity of her third IMPU, display name, host in upper case: asserted",
	 .hdrs = "P-Preferred-Identity: \"Work\" <sip:alice.work@IMS.EXAMPLE>\r\n", .to = PH_CORE,
	 .has = {"P-Asserted-Identity=<sip:alice.work@ims.example>"}, .n_pai = 1},
	{"P-Preferred-Identity of another user: not asserted, the default IMPU is",
	 .hdrs = "P-Preferred-Identity: <sip:" BOB ">\r\n", .to = PH_CORE,
	 .has = {"P-Asserted-Identity=<sip:" ALICE ">"},
	 .lacks = {"P-Asserted-Identity~bob", "P-Preferred-Identity"}, .n_pai = 1},
	{"P-Preferred-Identity whose user differs in case only: another user, not asserted",
	 .hdrs = "P-Preferred-Identity: <sip:ALICE@ims.example>\r\n", .to = PH_CORE,
	 .has = {"P-Asserted-Identity=<sip:" ALICE ">"}, .n_pai = 1},
	{"From another user: 403 through the SA, nothing to the core", .from = "sip:" BOB,
	 .to = PH_UE_PROT, .code = 403, STAT(orig_forbidden)},
	{"From her tel IMPU: relayed", .from = "tel:+15550001", .to = PH_CORE,
	 .has = {"P-Asserted-Identity=<sip:" ALICE ">"}},
	{"request through a temporary set (not registered): 403 through it", .bob = 1,
	 .from = "sip:" BOB, .to = PH_UE_PROT, .code = 403, STAT(orig_forbidden)},
	{"Max-Forwards 0: 483", .hdrs = "Max-Forwards: 0\r\n", .to = PH_UE_PROT, .code = 483,
	 STAT(hops_483)},
	{"Max-Forwards 1: relayed with 0", .hdrs = "Max-Forwards: 1\r\n", .to = PH_CORE,
	 .has = {"Max-Forwards=0"}},
	{"no Max-Forwards: 70 inserted", .hdrs = "X-No-Max-Forwards: 1\r\n", .to = PH_CORE,
	 .has = {"Max-Forwards=70"}},
	{"Max-Forwards not a number: 400", .hdrs = "Max-Forwards: many\r\n", .to = PH_UE_PROT,
	 .code = 400},
	{"our own Via already in the request: 482 (loop)",
	 .hdrs = "Via: SIP/2.0/UDP " PH_VIA_HOST ":5060;branch=z9hG4bK-pc3-0badf00d\r\n",
	 .to = PH_UE_PROT, .code = 482, STAT(loop_482)},
	{"preloaded Route: our entry and the Service-Route: ours popped, the rest goes on",
	 .hdrs = "Route: " OUR_RR_UE ", " SR1 "\r\nRoute: " SR2 "\r\n", .to = PH_CORE,
	 .has = {"Route=" SR1}, .lacks = {"Route~" PH_OUR_ADDR}, .n_route = 2},
	{"verify: the same preloaded Route set passes", .verify = 1,
	 .hdrs = "Route: <sip:" PH_OUR_ADDR ":6100;lr>\r\nRoute: " SR1 ", " SR2 "\r\n",
	 .to = PH_CORE, .has = {"Route=" SR1}, .n_route = 2},
	{"verify: a Route set off the Service-Route: 400", .verify = 1,
	 .hdrs = "Route: <sip:evil@elsewhere.example;lr>\r\n", .to = PH_UE_PROT, .code = 400,
	 STAT(route_mismatch)},
	{"verify: a Route set missing the second entry: 400", .verify = 1,
	 .hdrs = "Route: " SR1 "\r\n", .to = PH_UE_PROT, .code = 400, STAT(route_mismatch)},
	{"replace: a Route set off the Service-Route becomes the Service-Route",
	 .hdrs = "Route: <sip:evil@elsewhere.example;lr>\r\n", .to = PH_CORE, .has = {"Route=" SR1},
	 .lacks = {"Route~evil"}, .n_route = 2},
	{"INVITE: our core-side Record-Route on top; the UE sees the access address and port_ps",
	 .method = "INVITE", .hdrs = "Record-Route: <sip:ue-side@other.example;lr>\r\n",
	 .to = PH_CORE, .has = {"Record-Route=" OUR_RR_CORE, "P-Charging-Vector~icid-value="},
	 .resp = "200 OK",
	 .resp_hdrs = "Record-Route: <sip:scscf.ims.example;lr>, " OUR_RR_CORE "\r\n"
		      "Record-Route: <sip:ue-side@other.example;lr>\r\n"
		      "P-Charging-Vector: icid-value=core1\r\n"
		      "Contact: <sip:bob@10.9.9.9>\r\n",
	 .ue_has = {"Record-Route=<sip:scscf.ims.example;lr>", "Record-Route~" OUR_RR_UE,
		    "Record-Route~ue-side@other"},
	 .ue_lacks = {"Record-Route~" PH_VIA_HOST, "P-Charging-Vector"}},
	{"180 to an INVITE: the same rewrite", .method = "INVITE", .to = PH_CORE,
	 .resp = "180 Ringing", .resp_hdrs = "Record-Route: " OUR_RR_CORE "\r\n",
	 .ue_has = {"Record-Route=" OUR_RR_UE}},
	{"SUBSCRIBE creates a dialog: record-routed", .method = "SUBSCRIBE",
	 .hdrs = "Event: reg\r\n", .to = PH_CORE, .has = {"Record-Route=" OUR_RR_CORE}},
	{"in-dialog BYE: our Route popped, no Record-Route, no new charging vector",
	 .method = "BYE", .in_dialog = 1,
	 .hdrs = "Route: " OUR_RR_UE "\r\nRoute: <sip:scscf.ims.example;lr>\r\n", .to = PH_CORE,
	 .has = {"Route=<sip:scscf.ims.example;lr>", "P-Asserted-Identity"},
	 .lacks = {"Route~" PH_OUR_ADDR, "Record-Route", "P-Charging-Vector", NO_SEC_AGREE},
	 .n_route = 1},
	{"in-dialog request keeps its route set, not the Service-Route", .method = "INFO",
	 .in_dialog = 1, .verify = 1, .hdrs = "Route: <sip:callee-proxy.example;lr>\r\n",
	 .to = PH_CORE, .has = {"Route=<sip:callee-proxy.example;lr>"}, .n_route = 1},
	{"UE-supplied charging headers removed, ours in; P-Visited-Network-ID configured",
	 .visited = "\"Visited Network 1\"", .ioi = "pcscf.visited.example",
	 .hdrs = "P-Charging-Vector: icid-value=forged\r\n"
		 "P-Charging-Function-Addresses: ccf=1.2.3.4\r\n"
		 "P-Visited-Network-ID: forged.example\r\n",
	 .to = PH_CORE,
	 .has = {"P-Charging-Vector~;orig-ioi=pcscf.visited.example",
		 "P-Visited-Network-ID=\"Visited Network 1\""},
	 .lacks = {"P-Charging-Vector~forged", "P-Charging-Function-Addresses",
		   "P-Visited-Network-ID~forged"}},
};

static struct ph h;

static int build(char *out, size_t cap, const struct ocase *c, int n)
{
	const char *m = c->method ? c->method : "MESSAGE";
	const char *hdrs = c->hdrs ? c->hdrs : "";
	int dialog = !strcmp(m, "INVITE") || !strcmp(m, "SUBSCRIBE");
	size_t len;

	len = snprintf(out, cap,
		       "%s sip:bob@ims.example SIP/2.0\r\n"
		       "Via: SIP/2.0/UDP %s:5062;branch=z9hG4bKorig%d\r\n"
		       "%s"
		       "From: <%s>;tag=f%d\r\n"
		       "To: <sip:bob@ims.example>%s\r\n"
		       "Call-ID: orig-%d\r\n"
		       "CSeq: 1 %s\r\n"
		       "%s"
		       "Require: sec-agree\r\nProxy-Require: sec-agree\r\n"
		       "Security-Verify: ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1;spi-s=2;port-c=6101;"
		       "port-s=6100\r\n"
		       "%s"
		       "Content-Length: 0\r\n\r\n",
		       m, c->bob ? UE_B : UE, n,
		       strstr(hdrs, "Max-Forwards") ? "" : "Max-Forwards: 70\r\n",
		       c->from ? c->from : "sip:" ALICE, n, c->in_dialog ? ";tag=callee1" : "", n,
		       m, dialog ? "Contact: <sip:" UE ":5064>\r\n" : "", hdrs);
	return len < cap ? (int)len : -ENOSPC;
}

static int setup(char *why, size_t wcap)
{
	char msg[4096], auth[1024];
	struct ph_reg bob = {.impi = BOB, .ue = UE_B, .cseq = 1, .expires = 600};
	struct ph_reg re = {.impi = ALICE, .ue = UE, .port = 5062, .cseq = 3, .expires = 600};
	const struct ph_out *o;

	if (ph_init(&h) || ph_register_ue(&h, ALICE, UE, 600, why, wcap))
		return -1;
	/* The refresh through the new set: its 200 replaces the IMPUs and the Service-Route. */
	ph_auth(auth, sizeof(auth), ALICE, NULL);
	re.auth = auth;
	ph_register(msg, sizeof(msg), &re);
	ph_ue_prot(&h, ALICE, REG_SET_NEW, msg);
	o = ph_get(&h, PH_CORE, 0);
	TAP_CHECK(o && ph_has(o->text, "P-Charging-Vector~icid-value=") &&
			  ph_has(o->text, "Max-Forwards=69") &&
			  !ph_has(o->text, "Security-Client") &&
			  !ph_has(o->text, "Proxy-Require~sec-agree") &&
			  !ph_has(o->text, "Record-Route"),
		  "re-REGISTER to the core: icid, Max-Forwards 69, no sec-agree, no Record-Route");
	ph_core_answer(&h, "200 OK", OK_REFRESH);
	o = ph_get(&h, PH_UE_PROT, 0);
	if (ph_status(o ? o->text : NULL) != 200) {
		snprintf(why, wcap, "no 200 to the refresh");
		return -1;
	}
	ph_register(msg, sizeof(msg), &bob);
	ph_ue_udp(&h, UE_B, 5060, msg);
	ph_core_answer(&h, "401 Unauthorized", PH_WWW_AKA);
	if (!ph_set(&h, BOB, REG_SET_TEMPORARY)) {
		snprintf(why, wcap, "bob not challenged");
		return -1;
	}
	return 0;
}

/* What the 200 of a (re-)registration leaves in the registration. */
static void check_learnt(void)
{
	const struct reg *r = reg_find(h.p.regs, ALICE);
	char msg[4096], auth[1024];
	struct ph_reg re = {.impi = ALICE, .ue = UE, .port = 5062, .cseq = 4, .expires = 600};

	TAP_CHECK(
		r && r->n_impus == 3 && !strcmp(r->impu[0], "<sip:" ALICE ">") &&
			!strcmp(r->impu[1], "<tel:+15550001>") &&
			strstr(r->impu[2], "alice.work") && r->n_routes == 2 &&
			!strcmp(r->route[0], SR1) && !strcmp(r->route[1], SR2),
		"the refresh 200's P-Associated-URI (3) and Service-Route (2) are stored in order");
	ph_auth(auth, sizeof(auth), ALICE, NULL);
	re.auth = auth;
	ph_register(msg, sizeof(msg), &re);
	ph_ue_prot(&h, ALICE, REG_SET_NEW, msg);
	ph_core_answer(&h, "200 OK",
		       "Contact: <sip:" UE
		       ":5064>;expires=600\r\nP-Associated-URI: <tel:+15550001>\r\n"
		       "Service-Route: <sip:other@scscf2.ims.example;lr>\r\n");
	r = reg_find(h.p.regs, ALICE);
	TAP_CHECK(r && r->n_impus == 1 && !strcmp(r->impu[0], "<tel:+15550001>") &&
			  r->n_routes == 1 && strstr(r->route[0], "scscf2"),
		  "a later re-registration replaces both lists");
	/* back to the table's registration */
	re.cseq = 5;
	ph_register(msg, sizeof(msg), &re);
	ph_ue_prot(&h, ALICE, REG_SET_NEW, msg);
	ph_core_answer(&h, "200 OK", OK_REFRESH);
}

/* Our 100 Trying among the outputs. */
static int trying(const struct ph *hh)
{
	int n = 0;

	for (int i = 0; i < hh->nout; i++)
		n += hh->out[i].dest == PH_UE_PROT && ph_status(hh->out[i].text) == 100;
	return n;
}

static void run(const struct ocase *c, int n)
{
	char msg[4096], why[256] = "";
	const struct ph_out *o;
	const char *out = NULL;
	uint64_t before = 0, after;
	int ok = 1;

	h.p.cfg.service_route_verify = c->verify;
	h.p.cfg.visited_network = c->visited;
	h.p.cfg.orig_ioi = c->ioi;
	if (c->stat)
		memcpy(&before, (char *)&h.p.stats + c->stat - 1, sizeof(before));
	build(msg, sizeof(msg), c, n);
	ph_ue_prot(&h, c->bob ? BOB : ALICE, c->bob ? REG_SET_TEMPORARY : REG_SET_NEW, msg);
	o = ph_get(&h, c->to, 0);
	/* An INVITE also has our 100 Trying (RFC 3261 16.2) back at once: not counted. */
	if (o && c->to == PH_UE_PROT && ph_status(o->text) == 100)
		o = ph_get(&h, c->to, 1);
	if (!o || ph_count(&h, PH_CORE) + ph_count(&h, PH_UE_PROT) - trying(&h) != 1) {
		snprintf(why, sizeof(why), "%d to the core, %d to the UE", ph_count(&h, PH_CORE),
			 ph_count(&h, PH_UE_PROT));
		ok = 0;
	} else {
		out = o->text;
	}
	if (ok && c->code && ph_status(out) != c->code)
		snprintf(why, sizeof(why), "status %d, expected %d", ph_status(out), c->code),
			ok = 0;
	for (int i = 0; ok && i < 10 && c->has[i]; i++)
		if (!ph_has(out, c->has[i]))
			snprintf(why, sizeof(why), "no %s", c->has[i]), ok = 0;
	for (int i = 0; ok && i < 8 && c->lacks[i]; i++)
		if (ph_has(out, c->lacks[i]))
			snprintf(why, sizeof(why), "has %s", c->lacks[i]), ok = 0;
	if (ok && c->n_pai && ph_hdr_count(out, "P-Asserted-Identity") != c->n_pai)
		snprintf(why, sizeof(why), "%d P-Asserted-Identity",
			 ph_hdr_count(out, "P-Asserted-Identity")),
			ok = 0;
	if (ok && c->n_route && ph_hdr_count(out, "Route") != c->n_route)
		snprintf(why, sizeof(why), "%d Route", ph_hdr_count(out, "Route")), ok = 0;
	if (ok && c->stat) {
		memcpy(&after, (char *)&h.p.stats + c->stat - 1, sizeof(after));
		if (after != before + 1)
			snprintf(why, sizeof(why), "counter +%llu, expected +1",
				 (unsigned long long)(after - before)),
				ok = 0;
	}
	if (ok && c->resp) {
		ph_core_answer(&h, c->resp, c->resp_hdrs);
		o = ph_get(&h, PH_UE_PROT, 0);
		out = o ? o->text : NULL;
		if (!o || o->which != REG_SA_UC)
			snprintf(why, sizeof(why), "response did not reach the UE through its SA"),
				ok = 0;
		for (int i = 0; ok && i < 4 && c->ue_has[i]; i++)
			if (!ph_has(out, c->ue_has[i]))
				snprintf(why, sizeof(why), "UE: no %s", c->ue_has[i]), ok = 0;
		for (int i = 0; ok && i < 4 && c->ue_lacks[i]; i++)
			if (ph_has(out, c->ue_lacks[i]))
				snprintf(why, sizeof(why), "UE: has %s", c->ue_lacks[i]), ok = 0;
	}
	TAP_CHECK(ok, "%s%s%s", c->what, ok ? "" : ": ", why);
	if ((!ok || getenv("ORIG_TRACE")) && out)
		tap_diag("%s", out);
}

/* Two requests, two icid-values, both carrying the node and start time. */
static void check_icid(void)
{
	char msg[4096], a[128] = "", b[128] = "";
	const struct ocase c = {.what = "icid"};
	const struct ph_out *o;

	build(msg, sizeof(msg), &c, 900);
	ph_ue_prot(&h, ALICE, REG_SET_NEW, msg);
	o = ph_get(&h, PH_CORE, 0);
	if (o)
		snprintf(a, sizeof(a), "%s",
			 ph_param(ph_hdr(o->text, "P-Charging-Vector", 0), "icid-value") ?: "");
	build(msg, sizeof(msg), &c, 901);
	ph_ue_prot(&h, ALICE, REG_SET_NEW, msg);
	o = ph_get(&h, PH_CORE, 0);
	if (o)
		snprintf(b, sizeof(b), "%s",
			 ph_param(ph_hdr(o->text, "P-Charging-Vector", 0), "icid-value") ?: "");
	/* node = our address 10.0.0.1 in hex */
	TAP_CHECK(a[0] && b[0] && strcmp(a, b) && !strncmp(a, "0a000001.", 9),
		  "icid-values differ per request and start with the node (%s, %s)", a, b);
}

/*
 * A retransmission from the UE (same request, same branch) is absorbed by
 * its server transaction; our own retransmission (timer E) is byte for
 * byte the first copy: SIPp, like any UAS, tells a retransmission from a
 * new request by its text, so a fresh icid-value per copy made the core
 * take the copy for the next request (test_lifecycle_imsue failed that way).
 */
static void check_retransmission(void)
{
	static char first[PH_TEXT_MAX];
	char msg[4096];
	const struct ocase c = {.what = "retransmission"};
	const struct ph_out *o;
	int same;

	build(msg, sizeof(msg), &c, 950);
	ph_ue_prot(&h, ALICE, REG_SET_NEW, msg);
	o = ph_get(&h, PH_CORE, 0);
	snprintf(first, sizeof(first), "%s", o ? o->text : "");
	ph_ue_prot(&h, ALICE, REG_SET_NEW, msg);
	TAP_CHECK(!ph_count(&h, PH_CORE) && !ph_count(&h, PH_UE_PROT),
		  "a retransmitted MESSAGE is absorbed (nothing to the core, nothing answered yet)");
	ph_advance(&h, TXN_T1_MS);
	same = 0;
	/* The earlier cases' requests are due again too: look for this one. */
	for (int i = 0; (o = ph_get(&h, PH_CORE, i)); i++)
		same |= first[0] && !strcmp(first, o->text);
	o = NULL;
	TAP_CHECK(same, "timer E sends the MESSAGE again as the same text (same icid-value)");
	if (!same && o)
		tap_diag("first:\n%s\nagain:\n%s", first, o->text);
}

int main(void)
{
	char why[256] = "";

	log_level = LOG_LVL_ERR;
	if (setup(why, sizeof(why))) {
		TAP_CHECK(0, "setup: %s", why);
		return tap_done();
	}
	check_learnt();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&cases[i], (int)i);
	check_icid();
	check_retransmission();
	ph_fini(&h);
	return tap_done();
}
