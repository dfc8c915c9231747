// SPDX-License-Identifier: GPL-2.0
/*
 * REGISTER through the proxy's state machine (TS 24.229 5.2.2, TS 33.203
 * 7.1-7.4), as tables of SIP exchanges run by tests/unit/proxy_harness.h:
 * each step feeds one message (or moves the clock) and says where the
 * proxy's answer must go, which headers it must and must not carry, how many
 * classifier map writes it makes and what the registration looks like after.
 *
 * Header checks: "Name" present, "Name~text" some Name header contains text;
 * in `lacks`, "Name" absent and "Name~text" no Name header contains text.
 * Registration: "-" none, else "R" when registered, then the sets it holds
 * in the order T(emporary), N(ew), O(ld).
 */
#include <stddef.h>
#include "proxy_harness.h"
#include "tap.h"

/* Step tables override a macro's defaults (PROT(3, .expires = 0)). */
#pragma GCC diagnostic ignored "-Woverride-init"

#define ALICE "alice@ims.example"
#define UE    "10.0.0.10"
#define NONE  (-1)
#define ANY   (-1)

enum in {
	IN_REG,	     /* unprotected REGISTER over UDP, from reg */
	IN_REG_TCP,  /* unprotected REGISTER on the step's TCP connection */
	IN_REG_T,    /* protected REGISTER through the temporary set */
	IN_REG_N,    /* ... through the new set */
	IN_UE_RAW,   /* raw text, unprotected UDP */
	IN_UE_RAW_N, /* raw text through the new set */
	IN_CORE,     /* the core answers the last request it got: status + extra */
	IN_CORE_RAW, /* raw text from the core */
	IN_TICK,     /* clock forward by ms, timers */
};

struct step {
	const char *what;
	enum in in;
	struct ph_reg reg; /* IN_REG*: sec_verify "@server" = the Security-Server of the last 401 */
	const char *text;  /* IN_*_RAW; IN_CORE: the status ("401 Unauthorized") */
	const char *extra; /* IN_CORE: header lines */
	uint64_t ms;
	int to; /* PH_UE_PLAIN, PH_UE_PROT, PH_UE_TCP, PH_CORE or NONE: where SIP went */
	int code; /* status of what went to the UE */
	const char *has[6], *lacks[6];
	int puts, dels; /* map writes, ANY: not checked */
	const char *after; /* registration of ALICE after the step */
	const char *map;   /* the classifier map after the step: "2T", "2N", "2T2N"; NULL: any */
	int same_branch; /* forwarded under the branch of the previous request to the core */
	size_t stat;	 /* offsetof(struct proxy_stats, f) + 1; 0: none */
	uint64_t stat_val;
};

#define STAT(f, v) .stat = offsetof(struct proxy_stats, f) + 1, .stat_val = (v)

/* Each (re-)REGISTER of ALICE: Call-ID and Security-Client stay, CSeq grows. */
#define REG0(...)  { .impi = ALICE, .ue = UE, .cseq = 1, .expires = 600, __VA_ARGS__ }
#define PROT(c, ...)                                                                               \
	{ .impi = ALICE, .ue = UE, .port = 5062, .cseq = (c), .expires = 600,                      \
	  .auth = AUTH_OK, .sec_verify = "@server", __VA_ARGS__ }
#define AUTH_OK                                                                                    \
	"Digest username=\"" ALICE "\", realm=\"ims.example\", "                                  \
	"nonce=\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\", uri=\"sip:ims.example\", "        \
	"response=\"0123456789abcdef0123456789abcdef\", algorithm=AKAv1-MD5, qop=auth, "           \
	"nc=00000001, cnonce=\"abcdef\""
#define OK_600                                                                                     \
	"Contact: <sip:" UE ":5064>;expires=600\r\nP-Associated-URI: <sip:" ALICE ">\r\n"         \
	"Service-Route: <sip:orig@scscf.ims.example;lr>\r\n"
#define OK_0 "Contact: <sip:" UE ":5064>;expires=0\r\n"

/* What the P-CSCF must add and remove on the way to the core. */
#define TO_CORE_HAS(ip)                                                                            \
	"Path~@" PH_VIA_HOST ":5060;lr>", "Via~" PH_VIA_HOST ":5060;branch=z9hG4bK-pc",   \
		"Via~" UE, "Authorization~integrity-protected=\"" ip "\""
#define TO_CORE_LACKS "Security-Client", "Security-Verify", "Require~sec-agree", "Proxy-Require~sec-agree"

#define S_REGISTER                                                                                 \
	{ "initial REGISTER: to the core with Path, our Via, integrity-protected=\"no\", "          \
	  "no sec-agree", IN_REG, REG0(), .to = PH_CORE, .has = { TO_CORE_HAS("no") },             \
	  .lacks = { TO_CORE_LACKS }, .puts = 0, .dels = 0, .after = "-" }
#define S_401                                                                                      \
	{ "401 with ck/ik: to the UE without them, with Security-Server; temporary SAs in the map", \
	  IN_CORE, .text = "401 Unauthorized", .extra = PH_WWW_AKA, .to = PH_UE_PLAIN, .code = 401, \
	  .has = { "Security-Server~ipsec-3gpp", "Security-Server~spi-c=",                          \
		   "WWW-Authenticate~nonce=", "Via~" UE },                                          \
	  .lacks = { "WWW-Authenticate~ck=", "WWW-Authenticate~ik=", "WWW-Authenticate~" PH_CK,    \
		     "WWW-Authenticate~" PH_IK, "Via~" PH_VIA_HOST },                               \
	  .puts = 2, .dels = 0, .after = "T", .map = "2T" }
#define S_PROT_REGISTER                                                                            \
	{ "protected REGISTER through the temporary set: integrity-protected=\"yes\"", IN_REG_T,   \
	  PROT(2), .to = PH_CORE, .has = { TO_CORE_HAS("yes") }, .lacks = { TO_CORE_LACKS },        \
	  .puts = 0, .after = "T" }
#define S_200                                                                                      \
	{ "200: through the set to the UE, registered, the set becomes new", IN_CORE,              \
	  .text = "200 OK", .extra = OK_600, .to = PH_UE_PROT, .code = 200,                         \
	  .has = { "P-Associated-URI", "Contact~expires=600" }, .lacks = { "Via~" PH_VIA_HOST },    \
	  .puts = 2, .dels = 0, .after = "RN", .map = "2N" }

struct scenario {
	const char *name;
	struct step steps[10];
};

static const struct scenario scenarios[] = {
	{ "registration", { S_REGISTER, S_401, S_PROT_REGISTER, S_200 } },
	{ "registration over TCP",
	  { { "REGISTER on a TCP connection: to the core", IN_REG_TCP,
	      REG0(.transport = "TCP"), .to = PH_CORE, .has = { TO_CORE_HAS("no") },
	      .lacks = { TO_CORE_LACKS }, .puts = 0, .after = "-" },
	    { "401: back on the connection, no keys", IN_CORE, .text = "401 Unauthorized",
	      .extra = PH_WWW_AKA, .to = PH_UE_TCP, .code = 401, .has = { "Security-Server" },
	      .lacks = { "WWW-Authenticate~" PH_CK, "WWW-Authenticate~" PH_IK }, .puts = 2,
	      .after = "T" },
	    S_PROT_REGISTER,
	    S_200 } },
	{ "UE's own integrity-protected is replaced",
	  { { "unprotected REGISTER claiming integrity-protected=\"yes\": \"no\" goes on",
	      IN_REG,
	      REG0(.auth = "Digest username=\"" ALICE "\", realm=\"ims.example\", nonce=\"\", "
			   "uri=\"sip:ims.example\", response=\"\", integrity-protected=\"yes\""),
	      .to = PH_CORE, .has = { "Authorization~integrity-protected=\"no\"" },
	      .lacks = { "Authorization~integrity-protected=\"yes\"" }, .after = "-" } } },
	{ "retransmissions",
	  { S_REGISTER,
	    { "the same REGISTER again (same branch): absorbed by its server transaction",
	      IN_REG, REG0(), .to = NONE, STAT(retransmissions, 1), .puts = 0, .after = "-" },
	    S_401,
	    { "the same REGISTER again once answered: the 401 again, nothing to the core", IN_REG,
	      REG0(), .to = PH_UE_PLAIN, .code = 401, STAT(txn_resent, 1), .puts = 0,
	      .after = "T" },
	    S_PROT_REGISTER,
	    { "the protected REGISTER again: absorbed", IN_REG_T, PROT(2), .to = NONE,
	      STAT(retransmissions, 3), .after = "T" },
	    S_200,
	    { "the 200 again: a retransmitted final, absorbed", IN_CORE, .text = "200 OK",
	      .extra = OK_600, .to = NONE, .puts = 0, .dels = 0, STAT(txn_absorbed_final, 1),
	      .after = "RN" } } },
	{ "de-registration",
	  { S_REGISTER, S_401, S_PROT_REGISTER, S_200,
	    { "REGISTER Expires: 0 through the new set: to the core", IN_REG_N,
	      PROT(3, .expires = 0, .sec_verify = NULL), .to = PH_CORE,
	      .has = { "Expires~0", "Authorization~integrity-protected=\"yes\"" },
	      .lacks = { TO_CORE_LACKS }, .puts = 0, .after = "RN" },
	    { "200 expires=0: sent through the set, then the sets go", IN_CORE, .text = "200 OK",
	      .extra = OK_0, .to = PH_UE_PROT, .code = 200, .dels = 2, .after = "-", .map = "" } } },
	{ "403 to the protected REGISTER",
	  { S_REGISTER, S_401, S_PROT_REGISTER,
	    { "403: through the temporary set, then the set goes", IN_CORE, .text = "403 Forbidden",
	      .to = PH_UE_PROT, .code = 403, .puts = 0, .dels = 2, .after = "-", .map = "" } } },
	{ "494 without a usable Security-Client",
	  { { "REGISTER without Security-Client: 494, nothing to the core", IN_REG,
	      REG0(.sec_client = ""), .to = PH_UE_PLAIN, .code = 494,
	      /* RFC 3329 2.3.2: the 494 names what we offer, without SPIs or ports */
	      .has = { "Security-Server~ipsec-3gpp" }, .lacks = { "Security-Server~spi-c=" },
	      STAT(rejected_494, 1), .puts = 0, .after = "-" },
	    { "Security-Client with only an algorithm we do not serve: 494", IN_REG,
	      REG0(.cseq = 2, .sec_client = "ipsec-3gpp;alg=foo;spi-c=1;spi-s=2;port-c=5062;"
					     "port-s=5064"),
	      .to = PH_UE_PLAIN, .code = 494, STAT(rejected_494, 2), .after = "-" } } },
	{ "Security-Verify that does not match what was agreed",
	  { S_REGISTER, S_401,
	    { "protected REGISTER with a tampered Security-Verify: 494 through the set", IN_REG_T,
	      PROT(2, .sec_verify = "ipsec-3gpp;alg=hmac-sha-1-96;ealg=null;spi-c=1;spi-s=2;"
				    "port-c=6100;port-s=6101"),
	      .to = PH_UE_PROT, .code = 494, .has = { "Security-Server~ipsec-3gpp" },
	      STAT(verify_mismatch, 1), .after = "T" } } },
	{ "protected REGISTER with an Authorization that cannot be parsed",
	  { S_REGISTER, S_401,
	    { "a second, unterminated Authorization: 400 through the set, nothing to the core",
	      IN_REG_T,
	      PROT(2, .extra = "Authorization: Digest username=\"" ALICE ", "
			       "integrity-protected=yes\r\n"),
	      .to = PH_UE_PROT, .code = 400, .after = "T" } } },
	{ "unprotected requests other than REGISTER",
	  { { "OPTIONS outside ESP: dropped, not answered", IN_UE_RAW,
	      .text = "OPTIONS sip:ims.example SIP/2.0\r\n"
		      "Via: SIP/2.0/UDP " UE ":5060;branch=z9hG4bKopt1\r\n"
		      "From: <sip:" ALICE ">;tag=a\r\nTo: <sip:ims.example>\r\n"
		      "Call-ID: opt-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
	      .to = NONE, STAT(unprotected_request, 1), .puts = 0, .after = "-" } } },
	{ "OPTIONS through the new set",
	  { S_REGISTER, S_401, S_PROT_REGISTER, S_200,
	    { "protected OPTIONS: to the core with our Via, no Path", IN_UE_RAW_N,
	      .text = "OPTIONS sip:ims.example SIP/2.0\r\n"
		      "Via: SIP/2.0/UDP " UE ":5062;branch=z9hG4bKopt2\r\n"
		      "From: <sip:" ALICE ">;tag=a\r\nTo: <sip:ims.example>\r\n"
		      "Call-ID: opt-2\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
	      .to = PH_CORE, .has = { "Via~" PH_VIA_HOST, "Via~" UE }, .lacks = { "Path" },
	      .after = "RN" },
	    { "200 to it: through the set", IN_CORE, .text = "200 OK", .to = PH_UE_PROT,
	      .code = 200, .after = "RN" } } },
	{ "401 without keys",
	  { S_REGISTER,
	    { "401 without ck/ik: 500 to the UE, no challenge, no SAs", IN_CORE,
	      .text = "401 Unauthorized",
	      .extra = "WWW-Authenticate: Digest realm=\"ims.example\", nonce=\"abc\", "
		       "algorithm=AKAv1-MD5\r\n",
	      .to = PH_UE_PLAIN, .code = 500, .lacks = { "WWW-Authenticate", "Security-Server" },
	      STAT(no_keys_401, 1), .puts = 0, .after = "-" } } },
	{ "responses that are not ours",
	  { { "a response with an unknown branch: dropped", IN_CORE_RAW,
	      .text = "SIP/2.0 200 OK\r\n"
		      "Via: SIP/2.0/UDP " PH_VIA_HOST ":5060;branch=z9hG4bK-pc7-12345678\r\n"
		      "Via: SIP/2.0/UDP " UE ":5060;branch=z9hG4bKx\r\n"
		      "From: <sip:" ALICE ">;tag=a\r\nTo: <sip:" ALICE ">;tag=b\r\n"
		      "Call-ID: x\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n",
	      .to = NONE, STAT(unroutable, 1), .puts = 0, .after = "-" } } },
	{ "transaction lifetime",
	  { S_REGISTER,
	    { "timer E: the REGISTER again to the core after T1", IN_TICK, .ms = TXN_T1_MS,
	      .to = PH_CORE, .same_branch = 1, STAT(txn_req_retx, 1), .after = "-" },
	    { "timer F: no answer for 64*T1, 408 to the UE", IN_TICK, .ms = TXN_64T1_MS,
	      .to = PH_UE_PLAIN, .code = 408, .dels = 0, STAT(txn_timeouts, 1), .after = "-" },
	    { "a 401 after that: its client transaction is over, absorbed, no SAs", IN_CORE,
	      .text = "401 Unauthorized", .extra = PH_WWW_AKA, .to = NONE, .puts = 0,
	      STAT(txn_absorbed_final, 1), .after = "-" } } },
	{ "reg-await-auth expiry",
	  { S_REGISTER, S_401,
	    { "no answer to the challenge for reg-await-auth: the temporary set goes", IN_TICK,
	      .ms = (PH_AWAIT_AUTH + 1) * 1000ull, .to = NONE, .dels = 2, .after = "-", .map = "" } } },
	{ "registration expiry",
	  { S_REGISTER, S_401, S_PROT_REGISTER, S_200,
	    { "half the registration later: still registered", IN_TICK, .ms = 300000, .to = NONE,
	      .dels = 0, .after = "RN" },
	    { "past expiry + the 30 s SA grace: registration and SAs gone", IN_TICK,
	      .ms = 300000 + REG_SA_GRACE_MS + 1000, .to = NONE, .dels = 2, .after = "-",
	      .map = "" } } },
};

/* "-", or R/T/N/O of ALICE. */
static const char *reg_state(struct ph *h)
{
	static char s[8];
	const struct reg *r = reg_find(h->p.regs, ALICE);
	size_t n = 0;

	if (!r)
		return "-";
	if (r->registered)
		s[n++] = 'R';
	if (reg_set_of(h->p.regs, r, REG_SET_TEMPORARY))
		s[n++] = 'T';
	if (reg_set_of(h->p.regs, r, REG_SET_NEW))
		s[n++] = 'N';
	if (reg_set_of(h->p.regs, r, REG_SET_OLD))
		s[n++] = 'O';
	s[n] = '\0';
	return s;
}

/* Entries of the model map by state: "2T", "2N", "2T2N", "" when empty. */
static const char *map_state(const struct ph *h)
{
	static char s[32];
	int n[4] = { 0 };
	size_t len = 0;

	for (int i = 0; i < h->nmap; i++)
		n[h->map[i].v.state & 3]++;
	s[0] = '\0';
	for (int st = REG_SET_TEMPORARY; st <= REG_SET_OLD; st++)
		if (n[st])
			len += snprintf(s + len, sizeof(s) - len, "%d%c", n[st], "?TNO"[st]);
	return s;
}

/* "Name" or "Name~text": some header Name (containing text) is there. */
static int has_hdr(const char *msg, const char *spec)
{
	char name[64];
	const char *tilde = strchr(spec, '~'), *v;

	snprintf(name, sizeof(name), "%.*s", tilde ? (int)(tilde - spec) : (int)strlen(spec), spec);
	for (int i = 0; (v = ph_hdr(msg, name, i)); i++)
		if (!tilde || strstr(v, tilde + 1))
			return 1;
	return 0;
}

/* The reg-event SUBSCRIBE after a 200 is test_reg_event's business, not counted here. */
static bool is_regev(const struct ph_out *o)
{
	return o->dest == PH_CORE && !strncmp(o->text, "SUBSCRIBE ", 10);
}

static const char *sip_out(const struct ph *h, int *dest)
{
	for (int i = 0; i < h->nout; i++) {
		if (is_regev(&h->out[i]))
			continue;
		if (h->out[i].dest == PH_UE_PLAIN || h->out[i].dest == PH_UE_PROT ||
		    h->out[i].dest == PH_UE_TCP || h->out[i].dest == PH_CORE) {
			*dest = h->out[i].dest;
			return h->out[i].text;
		}
	}
	*dest = NONE;
	return NULL;
}

static int sip_outputs(const struct ph *h)
{
	int n = 0;

	for (int i = 0; i < h->nout; i++)
		n += is_regev(&h->out[i]);
	return ph_count(h, PH_UE_PLAIN) + ph_count(h, PH_UE_PROT) + ph_count(h, PH_UE_TCP) +
	       ph_count(h, PH_CORE) - n;
}

static const char *dest_name(int d)
{
	static const char *const n[] = { "UE plain", "UE protected", "UE TCP", "core" };

	return d >= 0 && d <= PH_CORE ? n[d] : "nowhere";
}

static void run(const struct scenario *sc)
{
	static struct ph h;
	char msg[4096], server[1024] = "", branch[256] = "";
	int tc = -1;

	if (ph_init(&h)) {
		TAP_CHECK(0, "%s: harness", sc->name);
		return;
	}
	for (const struct step *s = sc->steps; s->what; s++) {
		struct ph_reg r = s->reg;
		const char *out, *v;
		int dest, ok = 1;
		char why[256] = "";

		if (r.sec_verify && !strcmp(r.sec_verify, "@server"))
			r.sec_verify = server;
		switch (s->in) {
		case IN_REG:
		case IN_REG_T:
		case IN_REG_N:
		case IN_REG_TCP:
			ph_register(msg, sizeof(msg), &r);
			if (s->in == IN_REG)
				ph_ue_udp(&h, UE, r.port ? r.port : 5060, msg);
			else if (s->in == IN_REG_TCP) {
				if (tc < 0)
					tc = ph_tcp_open(&h, UE, 40000);
				ph_ue_tcp(&h, tc, msg);
			} else
				ph_ue_prot(&h, ALICE,
					   s->in == IN_REG_T ? REG_SET_TEMPORARY : REG_SET_NEW, msg);
			break;
		case IN_UE_RAW:
			ph_ue_udp(&h, UE, 5060, s->text);
			break;
		case IN_UE_RAW_N:
			ph_ue_prot(&h, ALICE, REG_SET_NEW, s->text);
			break;
		case IN_CORE:
			ph_core_answer(&h, s->text, s->extra);
			break;
		case IN_CORE_RAW:
			ph_core_in(&h, s->text);
			break;
		case IN_TICK:
			ph_advance(&h, s->ms);
			break;
		}
		out = sip_out(&h, &dest);
		if (dest != s->to || sip_outputs(&h) > 1) {
			snprintf(why, sizeof(why), "went to %s (%d messages), expected %s",
				 dest_name(dest), sip_outputs(&h), dest_name(s->to));
			ok = 0;
		}
		if (ok && s->code && ph_status(out) != s->code) {
			snprintf(why, sizeof(why), "status %d, expected %d", ph_status(out), s->code);
			ok = 0;
		}
		for (int i = 0; ok && i < 6 && s->has[i]; i++)
			if (!has_hdr(out, s->has[i]))
				snprintf(why, sizeof(why), "no %s", s->has[i]), ok = 0;
		for (int i = 0; ok && i < 6 && s->lacks[i]; i++)
			if (has_hdr(out, s->lacks[i]))
				snprintf(why, sizeof(why), "has %s", s->lacks[i]), ok = 0;
		if (ok && s->puts != ANY && ph_count(&h, PH_MAP_PUT) != s->puts)
			snprintf(why, sizeof(why), "%d map writes, expected %d",
				 ph_count(&h, PH_MAP_PUT), s->puts), ok = 0;
		if (ok && s->dels != ANY && ph_count(&h, PH_MAP_DEL) != s->dels)
			snprintf(why, sizeof(why), "%d map deletes, expected %d",
				 ph_count(&h, PH_MAP_DEL), s->dels), ok = 0;
		if (ok && s->after && strcmp(reg_state(&h), s->after))
			snprintf(why, sizeof(why), "registration %s, expected %s", reg_state(&h),
				 s->after), ok = 0;
		if (ok && s->map && strcmp(map_state(&h), s->map))
			snprintf(why, sizeof(why), "map holds %s, expected %s", map_state(&h),
				 s->map), ok = 0;
		for (int i = 0; ok && i < h.nout; i++) {
			const struct ph_out *o = &h.out[i];

			/* Answers to the UE's client port: P server -> UE client, its port-c. */
			if (o->dest == PH_UE_PROT && (o->which != REG_SA_UC || o->dport != 5062))
				snprintf(why, sizeof(why), "protected answer on %s to port %u",
					 reg_sa_name(o->which), o->dport), ok = 0;
		}
		if (ok && dest == PH_CORE) {
			v = ph_hdr(out, "Via", 0);
			if (s->same_branch && (!v || strcmp(v, branch)))
				snprintf(why, sizeof(why), "new top Via %s (was %s)", v ? v : "-", branch), ok = 0;
			if (!s->same_branch && v && !strcmp(v, branch))
				snprintf(why, sizeof(why), "top Via reused: %s", v), ok = 0;
			snprintf(branch, sizeof(branch), "%s", v ? v : "");
		}
		if (ok && s->stat) {
			uint64_t got;

			memcpy(&got, (const char *)&h.p.stats + s->stat - 1, sizeof(got));
			if (got != s->stat_val)
				snprintf(why, sizeof(why), "counter %llu, expected %llu",
					 (unsigned long long)got, (unsigned long long)s->stat_val),
					ok = 0;
		}
		if (ph_status(out) == 401 && ph_hdr(out, "Security-Server", 0))
			snprintf(server, sizeof(server), "%s", ph_hdr(out, "Security-Server", 0));
		TAP_CHECK(ok, "%s: %s%s%s", sc->name, s->what, ok ? "" : ": ", why);
		if (!ok && out)
			tap_diag("%s", out);
	}
	ph_fini(&h);
}

/* ---- admission under load (admit.c): 503 + Retry-After per cause, never losing a registration ---- */

static struct proxy_config tune_cfg;

static void tune(struct proxy_config *c)
{
	c->max_regs = tune_cfg.max_regs ? tune_cfg.max_regs : c->max_regs;
	c->max_pending = tune_cfg.max_pending;
	c->max_inflight_reg = tune_cfg.max_inflight_reg;
	c->retry_after_s = 7;
}

static int census_ok(struct ph *h)
{
	struct reg_census a, b;

	reg_census_get(h->p.regs, &a);
	reg_census_scan(h->p.regs, &b);
	return !memcmp(&a, &b, sizeof(a));
}

/* An initial REGISTER of impi from ue with this branch; the UE's answer or NULL. */
static const struct ph_out *initial(struct ph *h, const char *impi, const char *ue,
				    const char *branch)
{
	char msg[4096];
	struct ph_reg r = { .impi = impi, .ue = ue, .cseq = 1, .expires = 600, .branch = branch,
			    .call_id = branch };

	ph_register(msg, sizeof(msg), &r);
	ph_ue_udp(h, ue, 5060, msg);
	return ph_get(h, PH_UE_PLAIN, 0);
}

static int is_503(const struct ph_out *o)
{
	const char *ra = o ? ph_hdr(o->text, "Retry-After", 0) : NULL;

	return ph_status(o ? o->text : NULL) == 503 && ra && !strcmp(ra, "7");
}

static void admission(void)
{
	static struct ph h;
	const struct ph_out *o;
	char why[128], msg[4096], auth[1024], server[1024];
	struct reg_census c;

	ph_tune = tune;
	/* A table of two, both registered: a newcomer is refused before the core sees it. */
	tune_cfg = (struct proxy_config){ .max_regs = 2 };
	if (ph_init(&h)) {
		TAP_CHECK(0, "admission: harness");
		return;
	}
	TAP_CHECK(!ph_register_ue(&h, "alice@ims.example", "10.0.0.10", 600, why, sizeof(why)) &&
			  !ph_register_ue(&h, "bob@ims.example", "10.0.0.11", 600, why, sizeof(why)),
		  "admission: alice and bob registered (%s)", why);
	o = initial(&h, "carol@ims.example", "10.0.0.12", "z9hG4bKcarol1");
	TAP_CHECK(is_503(o) && !ph_count(&h, PH_CORE) && h.p.admit.busy[BUSY_table_full] == 1 &&
			  h.p.stats.busy_503 == 1,
		  "table full: 503 Retry-After 7 at once, nothing to the core, busy_table_full 1");
	o = initial(&h, "carol@ims.example", "10.0.0.12", "z9hG4bKcarol1");
	TAP_CHECK(is_503(o) && !ph_count(&h, PH_CORE) && h.p.admit.busy[BUSY_table_full] == 1 &&
			  h.p.admit.refused_again == 1,
		  "table full: the retransmission gets the same 503 (refused_again), no new decision");
	reg_census_get(h.p.regs, &c);
	TAP_CHECK(c.regs[REG_CLS_REGISTERED] == 2 && c.sets[SET_CLS_NEW] == 2 && census_ok(&h),
		  "table full: both registrations kept (census registered 2, new sets 2, = scan)");
	ph_fini(&h);

	/* Pending cap of one: its only entry is younger than the floor, then old enough. */
	tune_cfg = (struct proxy_config){ .max_regs = 4, .max_pending = 1 };
	ph_init(&h);
	initial(&h, "dave@ims.example", "10.0.0.13", "z9hG4bKdave1");
	ph_core_answer(&h, "401 Unauthorized", PH_WWW_AKA);
	TAP_CHECK(reg_pending_count(h.p.regs) == 1 && census_ok(&h), "pending cap: dave pending");
	ph_advance(&h, 1000);
	o = initial(&h, "eve@ims.example", "10.0.0.14", "z9hG4bKeve1");
	TAP_CHECK(is_503(o) && !ph_count(&h, PH_CORE) && h.p.admit.busy[BUSY_pending_full] == 1,
		  "pending cap, oldest 1 s old (floor %d ms): 503, busy_pending_full 1",
		  PROXY_PENDING_FLOOR_MS);
	ph_advance(&h, PROXY_PENDING_FLOOR_MS);
	initial(&h, "eve@ims.example", "10.0.0.14", "z9hG4bKeve2");
	TAP_CHECK(ph_count(&h, PH_CORE) == 1, "pending cap, oldest past the floor: eve goes on");
	ph_core_answer(&h, "401 Unauthorized", PH_WWW_AKA);
	TAP_CHECK(!reg_find(h.p.regs, "dave@ims.example") && reg_find(h.p.regs, "eve@ims.example") &&
			  reg_pending_evictions(h.p.regs) == 1 && census_ok(&h),
		  "pending cap: dave evicted at eve's 401, census = scan");
	ph_fini(&h);

	/* One REGISTER in flight at most; the answer to a challenge is never refused for it. */
	tune_cfg = (struct proxy_config){ .max_inflight_reg = 1 };
	ph_init(&h);
	initial(&h, "frank@ims.example", "10.0.0.15", "z9hG4bKfrank1");
	TAP_CHECK(ph_count(&h, PH_CORE) == 1 && h.p.admit.n == 1, "in flight: frank's REGISTER out (1)");
	o = initial(&h, "grace@ims.example", "10.0.0.16", "z9hG4bKgrace1");
	TAP_CHECK(is_503(o) && !ph_count(&h, PH_CORE) && h.p.admit.busy[BUSY_inflight] == 1,
		  "in flight at --max-inflight-reg 1: grace gets 503, busy_inflight 1");
	ph_core_answer(&h, "401 Unauthorized", PH_WWW_AKA);
	o = ph_get(&h, PH_UE_PLAIN, 0);
	snprintf(server, sizeof(server), "%s", o ? ph_hdr(o->text, "Security-Server", 0) : "");
	TAP_CHECK(h.p.admit.n == 0, "in flight: frank's 401 ends it (0)");
	initial(&h, "grace@ims.example", "10.0.0.16", "z9hG4bKgrace2");
	TAP_CHECK(ph_count(&h, PH_CORE) == 1 && h.p.admit.n == 1, "in flight: grace's new REGISTER out");
	ph_auth(auth, sizeof(auth), "frank@ims.example", NULL);
	ph_register(msg, sizeof(msg),
		    &(struct ph_reg){ .impi = "frank@ims.example", .ue = "10.0.0.15", .cseq = 2,
				      .port = 5062, .expires = 600, .auth = auth,
				      .sec_verify = server, .call_id = "z9hG4bKfrank1" });
	ph_ue_prot(&h, "frank@ims.example", REG_SET_TEMPORARY, msg);
	TAP_CHECK(ph_count(&h, PH_CORE) == 1 && h.p.admit.busy[BUSY_inflight] == 1,
		  "in flight full: frank's answer to the challenge still goes on");
	ph_advance(&h, ADMIT_INFLIGHT_TIMEOUT_MS + 1000);
	initial(&h, "heidi@ims.example", "10.0.0.17", "z9hG4bKheidi1");
	/* Timer F (txn_timer.c) answers them 408, which ends their admission too. */
	TAP_CHECK(ph_count(&h, PH_CORE) == 1 && h.p.admit.n == 1,
		  "in flight: REGISTERs the core never answered end at Timer F (their 408)");
	ph_fini(&h);

	/* The core cannot be sent to: 503, counted. */
	tune_cfg = (struct proxy_config){ 0 };
	ph_init(&h);
	h.fail_core = 1;
	o = initial(&h, "ivan@ims.example", "10.0.0.18", "z9hG4bKivan1");
	TAP_CHECK(is_503(o) && h.p.admit.busy[BUSY_core_unreachable] == 1,
		  "core send fails: 503 Retry-After 7, busy_core_unreachable 1");
	ph_fini(&h);
	ph_tune = NULL;
}

int main(void)
{
	log_level = LOG_LVL_ERR;
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		run(&scenarios[i]);
	admission();
	return tap_done();
}