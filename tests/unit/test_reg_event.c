// SPDX-License-Identifier: GPL-2.0
/*
 * The reg-event subscription (TS 24.229 5.2.3, RFC 3680) through the proxy's
 * state machine (tests/unit/proxy_harness.h): the SUBSCRIBE after a
 * registration's 200, its refresh in the dialog, Expires 0 at
 * de-registration, and NOTIFYs as a table: reginfo bodies that end the
 * registration (whole, or the contact naming this UE), ones that do not,
 * malformed ones, a Call-ID that is not ours, a wrong Event. After each, the
 * answer the core got, the registration, and the classifier map.
 */
#include <stddef.h>
#include "proxy_harness.h"
#include "tap.h"

#define ALICE "alice@ims.example"
#define UE    "10.0.0.10"

#define XML_HEAD "<?xml version=\"1.0\"?>\r\n<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" "
#define REGI(state, cstate, uri)                                                                   \
	XML_HEAD "version=\"1\" state=\"full\"><registration aor=\"sip:" ALICE "\" id=\"a1\" "     \
		 "state=\"" state "\"><contact id=\"c1\" state=\"" cstate "\" event=\"x\">"        \
		 "<uri>" uri "</uri></contact></registration></reginfo>"

struct nrow {
	const char *what;
	const char *body; /* NULL: none */
	int callid;	  /* 0: the subscription's; 1: not ours (forged MAC) */
	const char *event;
	const char *substate;
	int code;     /* the answer the core gets */
	int reg_gone; /* the registration and its SAs go */
	size_t stat;
	uint64_t stat_val;
};

#define STAT(f, v) .stat = offsetof(struct proxy_stats, f) + 1, .stat_val = (v)

static const struct nrow nrows[] = {
	{"active reginfo: 200, registration stays",
	 REGI("active", "active", "sip:alice@" UE ":5064"), .code = 200, STAT(regev_notifies, 1)},
	{"registration terminated: 200, registration and SAs gone",
	 REGI("terminated", "terminated", "sip:alice@" UE ":5064"), .code = 200, .reg_gone = 1,
	 STAT(regev_deregs, 1)},
	{"this UE's contact terminated (registration active): gone",
	 REGI("active", "terminated", "sip:alice@" UE ":5064;transport=udp"), .code = 200,
	 .reg_gone = 1},
	{"another contact terminated: 200, registration stays",
	 REGI("active", "terminated", "sip:alice@10.0.0.77:5064"), .code = 200},
	{"this UE's address, other port, terminated: stays",
	 REGI("active", "terminated", "sip:alice@" UE ":5099"), .code = 200},
	{"another identity's registration terminated: stays",
	 XML_HEAD "version=\"1\" state=\"full\"><registration aor=\"sip:carol@ims.example\" "
		  "id=\"a\" state=\"terminated\"/></reginfo>",
	 .code = 200},
	{"no body (Subscription-State only): 200, stays", NULL, .substate = "active", .code = 200},
	{"not XML: 400, counted, stays", "<reginfo", .code = 400, STAT(regev_bad, 1)},
	{"XML of another namespace: 400",
	 "<reginfo xmlns=\"urn:x\"><registration aor=\"sip:" ALICE
	 "\" state=\"terminated\"/></reginfo>",
	 .code = 400},
	{"external entity in an attribute: refused (400), nothing fetched",
	 "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	 "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\"><registration aor=\"&x;\" "
	 "state=\"terminated\"/></reginfo>",
	 .code = 400},
	{"Event: presence: 489", REGI("terminated", "terminated", "sip:alice@" UE ":5064"),
	 .event = "presence", .code = 489},
	{"a Call-ID that is not ours: a terminating request, 404 (nobody at our URI)",
	 REGI("terminated", "terminated", "sip:alice@" UE ":5064"), .callid = 1, .code = 404},
};

static char callid[256];

static int notify(struct ph *h, const struct nrow *r, int cseq)
{
	static char msg[PH_TEXT_MAX];
	char cid[256];
	size_t blen = r->body ? strlen(r->body) : 0;

	snprintf(cid, sizeof(cid), "%s", callid);
	if (r->callid)
		cid[strcspn(cid, "@") - 1] ^= 1; /* last MAC digit */
	snprintf(msg, sizeof(msg),
		 "NOTIFY sip:pcscf@" PH_VIA_HOST ":5060 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP " PH_CORE_ADDR ":5060;branch=z9hG4bKn%d\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:" ALICE ">;tag=core1\r\n"
		 "To: <sip:pcscf@" PH_VIA_HOST ":5060>;tag=x\r\n"
		 "Call-ID: %s\r\n"
		 "CSeq: %d NOTIFY\r\n"
		 "Contact: <sip:scscf.ims.example>\r\n"
		 "Event: %s\r\n"
		 "Subscription-State: %s\r\n"
		 "%s"
		 "Content-Length: %zu\r\n\r\n%s",
		 cseq, cid, cseq, r->event ? r->event : "reg",
		 r->substate ? r->substate : "active;expires=600",
		 r->body ? "Content-Type: application/reginfo+xml\r\n" : "", blen,
		 r->body ? r->body : "");
	return ph_core_in(h, msg);
}

static int has(const char *text, const char *name, const char *sub)
{
	const char *v = ph_hdr(text, name, 0);

	return v && (!sub || strstr(v, sub));
}

/* Registration, SUBSCRIBE after the 200, answered; refreshed; ended at de-registration. */
static void subscription(void)
{
	static struct ph h;
	char why[256], msg[4096];
	const struct ph_out *o;
	const char *sub;

	if (ph_init(&h) || ph_register_ue(&h, ALICE, UE, 600, why, sizeof(why))) {
		TAP_CHECK(0, "registration");
		return;
	}
	sub = h.last_sub;
	o = ph_get(&h, PH_CORE, 0);
	TAP_CHECK(o && !strncmp(o->text, "SUBSCRIBE sip:" ALICE " SIP/2.0", 30) &&
			  ph_get(&h, PH_UE_PROT, 0) < o,
		  "SUBSCRIBE for the default IMPU after the 200 went to the UE");
	TAP_CHECK(has(sub, "Event", "reg") && has(sub, "Expires", "1200") &&
			  has(sub, "Accept", "application/reginfo+xml") &&
			  has(sub, "Route", "<sip:orig@scscf.ims.example;lr>") &&
			  has(sub, "To", "<sip:" ALICE ">") && !has(sub, "To", "tag=") &&
			  has(sub, "P-Asserted-Identity", "@" PH_VIA_HOST ":5060") &&
			  has(sub, "Via", PH_VIA_HOST ":5060;branch=z9hG4bK-rs"),
		  "SUBSCRIBE: Event reg, Expires above the registration's, Service-Route as Route, "
		  "our Via and identity");
	snprintf(callid, sizeof(callid), "%s", ph_hdr(sub, "Call-ID", 0) ?: "");
	ph_core_answer_sub(&h, "200 OK", "Expires: 1200\r\n");
	TAP_CHECK(!h.nout, "the SUBSCRIBE's 200 is taken, nothing relayed");
	ph_register_ue(&h, ALICE, UE, 600, why, sizeof(why));
	TAP_CHECK(has(h.last_sub, "To", "tag=core1") && has(h.last_sub, "CSeq", "2 SUBSCRIBE") &&
			  has(h.last_sub, "Call-ID", callid),
		  "re-registration refreshes in the dialog (To tag, CSeq 2, same Call-ID)");
	ph_core_answer_sub(&h, "200 OK", NULL);
	snprintf(msg, sizeof(msg),
		 "REGISTER sip:ims.example SIP/2.0\r\nVia: SIP/2.0/UDP " UE
		 ":5062;branch=z9hG4bKdereg\r\nFrom: <sip:" ALICE ">;tag=u\r\nTo: <sip:" ALICE
		 ">\r\nCall-ID: cid-1\r\nCSeq: 9 REGISTER\r\nContact: <sip:" UE
		 ":5064>;expires=0\r\nAuthorization: Digest username=\"" ALICE
		 "\", realm=\"ims.example\", nonce=\"\", uri=\"sip:ims.example\", response=\"\"\r\n"
		 "Content-Length: 0\r\n\r\n");
	ph_ue_prot(&h, ALICE, REG_SET_NEW, msg);
	ph_core_answer(&h, "200 OK", "Contact: <sip:" UE ":5064>;expires=0\r\n");
	TAP_CHECK(has(h.last_sub, "Expires", "0") && has(h.last_sub, "CSeq", "3 SUBSCRIBE") &&
			  !reg_find(h.p.regs, ALICE),
		  "de-registration: SUBSCRIBE Expires 0 in the dialog, registration gone");
	ph_core_answer_sub(&h, "200 OK", NULL);
	TAP_CHECK(!h.nout && h.p.stats.regev_subscribes == 3, "3 SUBSCRIBEs, the last answered");
	ph_fini(&h);
}

/* However else a registration ends, its subscription gets Expires 0: here by expiry. */
static void expiry(void)
{
	static struct ph h;
	char why[256];

	if (ph_init(&h) || ph_register_ue(&h, ALICE, UE, 600, why, sizeof(why))) {
		TAP_CHECK(0, "expiry: registration");
		return;
	}
	ph_core_answer_sub(&h, "200 OK", NULL);
	ph_advance(&h, 600 * 1000);
	TAP_CHECK(!h.nout && reg_find(h.p.regs, ALICE), "expiry: nothing sent while the set lives");
	ph_advance(&h, 31 * 1000);
	TAP_CHECK(!reg_find(h.p.regs, ALICE) && ph_get(&h, PH_CORE, 0) &&
			  has(h.last_sub, "Expires", "0") &&
			  has(h.last_sub, "CSeq", "2 SUBSCRIBE") &&
			  has(h.last_sub, "To", "tag=core1"),
		  "expiry: the registration goes with its set, SUBSCRIBE Expires 0 in the dialog");
	ph_fini(&h);
}

/*
 * The core's P-Associated-URI and Service-Route become our SUBSCRIBE's
 * Request-URI, To and Route: entries that are no URI are left out and
 * counted, and what we send always parses (a fuzzer found a SUBSCRIBE to
 * "te\x94\xcf+15550001" taken from a 200's P-Associated-URI).
 */
struct urow {
	const char *what;
	const char *ok_hdrs; /* the 200's headers after Contact */
	const char *ruri;    /* the SUBSCRIBE's Request-URI; NULL: no SUBSCRIBE */
	const char *route;   /* its Route; NULL: none */
	uint64_t left_out;
};

static const struct urow urows[] = {
	{"binary bytes in the only IMPU: no SUBSCRIBE, counted",
	 "P-Associated-URI: <te\x94\xcf+15550001>\r\n", NULL, NULL, 1},
	{"binary first IMPU, good second: the second is the default",
	 "P-Associated-URI: <sip:te\x94\xcf@x>, <sip:" ALICE ">\r\n", "sip:" ALICE, NULL, 1},
	{"no scheme, then a tel URI: tel is the default",
	 "P-Associated-URI: <alice>, <tel:+15550001>\r\n", "tel:+15550001", NULL, 1},
	{"sip URI without host left out", "P-Associated-URI: <sip:>, <sip:" ALICE ">\r\n",
	 "sip:" ALICE, NULL, 1},
	{"a Service-Route entry with a control byte left out, the other kept",
	 "P-Associated-URI: <sip:" ALICE ">\r\n"
	 "Service-Route: <sip:a\x01@scscf;lr>, <sip:orig@scscf.ims.example;lr>\r\n",
	 "sip:" ALICE, "<sip:orig@scscf.ims.example;lr>", 1},
	{"display names and params are fine",
	 "P-Associated-URI: \"Alice\" <sip:" ALICE ">;x=1\r\n", "sip:" ALICE, NULL, 0},
};

static void core_uris(void)
{
	for (size_t i = 0; i < sizeof(urows) / sizeof(urows[0]); i++) {
		const struct urow *u = &urows[i];
		static struct ph h;
		char why[256], want[256];
		const struct ph_out *o;
		osip_message_t *m = NULL;
		int parses = 1;

		if (ph_init(&h) ||
		    ph_register_ue_ok(&h, ALICE, UE, 600, u->ok_hdrs, why, sizeof(why))) {
			TAP_CHECK(0, "%s: registration (%s)", u->what, why);
			ph_fini(&h);
			continue;
		}
		o = ph_get(&h, PH_CORE, 0);
		if (o) {
			parses = !sipm_parse(&m, o->text, o->len);
			osip_message_free(m);
		}
		snprintf(want, sizeof(want), "SUBSCRIBE %s SIP/2.0\r\n", u->ruri ? u->ruri : "");
		TAP_CHECK(u->ruri ? o && !strncmp(o->text, want, strlen(want)) && parses : !o,
			  "%s: %s", u->what, u->ruri ? "SUBSCRIBE to the first usable IMPU, parses"
						 : "nothing sent to the core");
		TAP_CHECK(!u->route || (o && has(o->text, "Route", u->route) &&
					!strstr(ph_hdr(o->text, "Route", 0), "a\x01")),
			  "%s: Route as expected", u->what);
		TAP_CHECK(h.p.stats.bad_core_uri == u->left_out, "%s: %llu left out (want %llu)",
			  u->what, (unsigned long long)h.p.stats.bad_core_uri,
			  (unsigned long long)u->left_out);
		ph_fini(&h);
	}
}

static void notifies(void)
{
	for (size_t i = 0; i < sizeof(nrows) / sizeof(nrows[0]); i++) {
		const struct nrow *r = &nrows[i];
		static struct ph h;
		const struct ph_out *o;
		char why[256] = "";
		int ok = 0, inbound;

		if (ph_init(&h) || ph_register_ue(&h, ALICE, UE, 600, why, sizeof(why))) {
			TAP_CHECK(0, "%s: registration: %s", r->what, why);
			continue;
		}
		snprintf(callid, sizeof(callid), "%s", ph_hdr(h.last_sub, "Call-ID", 0) ?: "");
		ph_core_answer_sub(&h, "200 OK", NULL);
		inbound = h.nmap;
		notify(&h, r, 1);
		o = ph_get(&h, PH_CORE, 0);
		if (!o || ph_status(o->text) != r->code)
			snprintf(why, sizeof(why), "answer %d, want %d", o ? ph_status(o->text) : 0,
				 r->code);
		else if (ph_to_ue(&h))
			snprintf(why, sizeof(why), "something went to the UE");
		else if (r->reg_gone && (reg_find(h.p.regs, ALICE) || h.nmap ||
					 ph_count(&h, PH_MAP_DEL) != inbound))
			snprintf(why, sizeof(why),
				 "registration or map entries left (%d in the map)", h.nmap);
		else if (r->reg_gone && ph_count(&h, PH_CORE) != 1)
			snprintf(why, sizeof(why), "more than the 200 to the core (an Expires 0?)");
		else if (!r->reg_gone && (!reg_find(h.p.regs, ALICE) || h.nmap != inbound))
			snprintf(why, sizeof(why), "registration changed");
		else
			ok = 1;
		if (ok && r->stat) {
			uint64_t got;

			memcpy(&got, (const char *)&h.p.stats + r->stat - 1, sizeof(got));
			if (got != r->stat_val)
				snprintf(why, sizeof(why), "counter %llu, want %llu",
					 (unsigned long long)got, (unsigned long long)r->stat_val),
					ok = 0;
		}
		if (ok && r->reg_gone) {
			/* The subscription is over with it: a further NOTIFY is unknown. */
			notify(&h, r, 2);
			o = ph_get(&h, PH_CORE, 0);
			if (!o || ph_status(o->text) != 481)
				snprintf(why, sizeof(why), "NOTIFY after the end: %d, want 481",
					 o ? ph_status(o->text) : 0),
					ok = 0;
		}
		TAP_CHECK(ok, "NOTIFY %s%s%s", r->what, ok ? "" : ": ", ok ? "" : why);
		ph_fini(&h);
	}
}

int main(void)
{
	log_level = LOG_LVL_ERR;
	subscription();
	expiry();
	notifies();
	core_uris();
	return tap_done();
}
