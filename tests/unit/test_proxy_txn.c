// SPDX-License-Identifier: GPL-2.0
/*
 * The proxy's transactions (RFC 3261 16, 17; RFC 6026) through the proxy
 * harness, as a table: each case is a sequence of events (a request from
 * the UE through its SA, the core answering, the clock moving, a
 * terminating request from the core and the UE's answer) and, after each,
 * what must have been sent: how many messages to the core and to the UE,
 * the first one's start line or status, a header it must carry. The SIP
 * seen at both ends is text the harness captured, so a case fails on what
 * a far end would see. Then 100,000 live transactions: the work of a match
 * and of a timer change is counted.
 */
#include "proxy_harness.h"
#include "tap.h"

#define ALICE "alice@ims.example"
#define UE    "10.0.0.10"

enum ev {
	E_END,
	E_UE,	    /* a: "METHOD BRANCH CSEQ [t]" from the UE through its SA (t: To tag) */
	E_CORE,	    /* a: status: the core answers the last request it got */
	E_CORE_INV, /* a: status: the core answers the INVITE it got */
	E_TICK,	    /* n times the clock moves ms */
	E_TERM,	    /* a: "METHOD BRANCH CSEQ [t]" from the core for alice (her Path) */
	E_UE_ANS,   /* a: status: the UE answers the last request it got (through spi_pc) */
	E_UE_INV,   /* a: status: the UE answers the INVITE it got */
};

struct ev_row {
	enum ev e;
	const char *a;
	int ms, n;
	int core, ue;	       /* messages to the core, to the UE (summed over n ticks) */
	const char *core_first; /* start of the first to the core ("INVITE", "SIP/2.0 200") */
	int ue_code;	       /* status of the first to the UE (0: a request or not checked) */
	const char *ue_first;   /* start of the first to the UE */
	const char *core_has, *ue_has, *core_lacks;
};

struct tcase {
	const char *name;
	struct ev_row ev[14];
	size_t stat;
	uint64_t stat_val;
};

#define STAT(f, v) .stat = offsetof(struct proxy_stats, f) + 1, .stat_val = (v)
#define NOUT	   .core = 0, .ue = 0

static const struct tcase cases[] = {
	{ "INVITE dialog 100/180/200/ACK/BYE/200",
	  { { E_UE, "INVITE i1 1", .core = 1, .ue = 1, .core_first = "INVITE ", .ue_code = 100,
	      .core_has = "Record-Route~<sip:10.0.1.2:5060;lr>" },
	    { E_CORE, "100 Trying", NOUT },
	    { E_CORE, "180 Ringing", .core = 0, .ue = 1, .ue_code = 180 },
	    { E_CORE, "200 OK", .core = 0, .ue = 1, .ue_code = 200,
	      .ue_has = "Record-Route~<sip:10.0.0.1:6100;lr>" },
	    { E_CORE, "200 OK", .core = 0, .ue = 1, .ue_code = 200 }, /* 2xx again: on (6026) */
	    { E_UE, "ACK a1 1 t", .core = 1, .ue = 0, .core_first = "ACK " },
	    { E_UE, "BYE b1 2 t", .core = 1, .ue = 0, .core_first = "BYE " },
	    { E_CORE, "200 OK", .core = 0, .ue = 1, .ue_code = 200 },
	    { E_TICK, .ms = 100, .n = 400, NOUT } },
	  STAT(txn_absorbed_100, 1) },
	{ "retransmissions absorbed, the last response re-sent",
	  { { E_UE, "INVITE i2 1", .core = 1, .ue = 1, .ue_code = 100 },
	    { E_UE, "INVITE i2 1", .core = 0, .ue = 1, .ue_code = 100 },
	    { E_CORE, "180 Ringing", .core = 0, .ue = 1, .ue_code = 180 },
	    { E_UE, "INVITE i2 1", .core = 0, .ue = 1, .ue_code = 180 },
	    { E_CORE_INV, "486 Busy Here", .core = 1, .ue = 1, .core_first = "ACK ",
	      .ue_code = 486 },
	    { E_CORE_INV, "486 Busy Here", .core = 1, .ue = 0, .core_first = "ACK " },
	    { E_UE, "INVITE i2 1", .core = 0, .ue = 1, .ue_code = 486 },
	    { E_UE, "ACK i2 1 t", NOUT },
	    { E_UE, "INVITE i2 1", NOUT } },
	  STAT(txn_absorbed_ack, 1) },
	{ "CANCEL after a provisional: 200 to the UE, CANCEL to the core, the 487 reaches the UE",
	  { { E_UE, "INVITE i3 1", .core = 1, .ue = 1 },
	    { E_CORE, "180 Ringing", .core = 0, .ue = 1, .ue_code = 180 },
	    { E_UE, "CANCEL i3 1", .core = 1, .ue = 1, .core_first = "CANCEL ", .ue_code = 200,
	      .core_has = "Via~branch=z9hG4bK-pc" },
	    { E_CORE, "200 OK", NOUT }, /* the answer to our CANCEL stays here */
	    { E_CORE_INV, "487 Request Terminated", .core = 1, .ue = 1, .core_first = "ACK ",
	      .ue_code = 487 },
	    { E_UE, "ACK i3 1 t", NOUT } },
	  STAT(txn_cancels_sent, 1) },
	{ "CANCEL before any provisional waits for one (RFC 3261 9.1)",
	  { { E_UE, "INVITE i4 1", .core = 1, .ue = 1 },
	    { E_UE, "CANCEL i4 1", .core = 0, .ue = 1, .ue_code = 200 },
	    { E_UE, "CANCEL i4 1", .core = 0, .ue = 1, .ue_code = 200 },
	    { E_CORE_INV, "180 Ringing", .core = 1, .ue = 1, .core_first = "CANCEL ",
	      .ue_code = 180 } },
	  STAT(txn_cancels, 1) },
	{ "CANCEL of no transaction: 481",
	  { { E_UE, "CANCEL nope 1", .core = 0, .ue = 1, .ue_code = 481 } },
	  STAT(txn_481, 1) },
	{ "timer A: the INVITE again at T1 and 2*T1 later; the 180 stops it",
	  { { E_UE, "INVITE i5 1", .core = 1, .ue = 1 },
	    { E_TICK, .ms = 500, .n = 1, .core = 1, .ue = 0, .core_first = "INVITE " },
	    { E_TICK, .ms = 500, .n = 1, NOUT },
	    { E_TICK, .ms = 500, .n = 1, .core = 1, .ue = 0, .core_first = "INVITE " },
	    { E_CORE_INV, "180 Ringing", .core = 0, .ue = 1, .ue_code = 180 },
	    { E_TICK, .ms = 1000, .n = 20, NOUT } },
	  STAT(txn_req_retx, 2) },
	{ "timer B: 6 copies (A doubling), then 408 to the UE at 64*T1",
	  { { E_UE, "INVITE i6 1", .core = 1, .ue = 1 },
	    { E_TICK, .ms = 100, .n = 320, .core = 6, .ue = 1, .ue_code = 408 },
	    { E_CORE_INV, "200 OK", .core = 0, .ue = 1, .ue_code = 200 } }, /* a late 2xx still goes */
	  STAT(txn_timeouts, 1) },
	{ "timers E/F: a MESSAGE 10 times (E capped at T2), then 408",
	  { { E_UE, "MESSAGE m1 1", .core = 1, .ue = 0 },
	    { E_TICK, .ms = 100, .n = 320, .core = 10, .ue = 1, .ue_code = 408 },
	    { E_CORE, "200 OK", NOUT } },
	  STAT(txn_timeouts, 1) },
	{ "timer E after a provisional: every T2",
	  { { E_UE, "MESSAGE m2 1", .core = 1, .ue = 0 },
	    { E_CORE, "100 Trying", NOUT },
	    { E_TICK, .ms = 100, .n = 120, .core = 3, .ue = 0 }, /* 4, 8, 12 s */
	    { E_CORE, "200 OK", .core = 0, .ue = 1, .ue_code = 200 },
	    { E_TICK, .ms = 1000, .n = 40, NOUT } } },
	{ "Timer C: CANCEL to the core, 408 to the UE; the 487 is ACKed here",
	  { { E_UE, "INVITE i7 1", .core = 1, .ue = 1 },
	    { E_CORE_INV, "180 Ringing", .core = 0, .ue = 1, .ue_code = 180 },
	    { E_TICK, .ms = 1000, .n = 181, .core = 1, .ue = 1, .core_first = "CANCEL ",
	      .ue_code = 408 },
	    { E_CORE_INV, "487 Request Terminated", .core = 1, .ue = 0, .core_first = "ACK " } },
	  STAT(txn_timer_c, 1) },
	{ "timer G: the 486 again to the UE until its ACK",
	  { { E_UE, "INVITE i8 1", .core = 1, .ue = 1 },
	    { E_CORE_INV, "486 Busy Here", .core = 1, .ue = 1, .ue_code = 486 },
	    { E_TICK, .ms = 500, .n = 1, .core = 0, .ue = 1, .ue_code = 486 },
	    { E_TICK, .ms = 1000, .n = 1, .core = 0, .ue = 1, .ue_code = 486 },
	    { E_UE, "ACK i8 1 t", NOUT },
	    { E_TICK, .ms = 1000, .n = 40, NOUT } },
	  STAT(txn_resp_retx, 2) },
	{ "terminating INVITE: Record-Route to the UE with port_ps, to the core our core side",
	  { { E_TERM, "INVITE t1 1", .core = 1, .ue = 1, .ue_first = "INVITE ",
	      .ue_has = "Record-Route~<sip:10.0.0.1:6100;lr>" },
	    { E_UE_ANS, "100 Trying", NOUT },
	    { E_UE_ANS, "180 Ringing", .core = 1, .ue = 0, .core_first = "SIP/2.0 180",
	      .core_has = "Record-Route~<sip:10.0.1.2:5060;lr>",
	      .core_lacks = "Record-Route~10.0.0.1:6100" },
	    { E_UE_ANS, "200 OK", .core = 1, .ue = 0, .core_first = "SIP/2.0 200",
	      .core_has = "Record-Route~<sip:10.0.1.2:5060;lr>" },
	    { E_TERM, "ACK t1a 1 t", .core = 0, .ue = 1, .ue_first = "ACK " } },
	  STAT(term_responses, 2) },
	{ "terminating: timer A through the SA, CANCEL, 487 to the core",
	  { { E_TERM, "INVITE t2 1", .core = 1, .ue = 1 },
	    { E_TICK, .ms = 500, .n = 1, .core = 0, .ue = 1, .ue_first = "INVITE " },
	    { E_UE_ANS, "180 Ringing", .core = 1, .ue = 0 },
	    { E_TERM, "CANCEL t2 1", .core = 1, .ue = 1, .core_first = "SIP/2.0 200",
	      .ue_first = "CANCEL " },
	    { E_UE_ANS, "200 OK", NOUT },
	    { E_UE_INV, "487 Request Terminated", .core = 1, .ue = 1, .core_first = "SIP/2.0 487",
	      .ue_first = "ACK " },
	    { E_TERM, "ACK t2 1 t", NOUT } },
	  STAT(txn_absorbed_ack, 1) },
	{ "terminating MESSAGE: timer F gives the core a 408",
	  { { E_TERM, "MESSAGE t3 1", .core = 0, .ue = 1 },
	    { E_TICK, .ms = 100, .n = 320, .core = 1, .ue = 10, .core_first = "SIP/2.0 408" } },
	  STAT(txn_timeouts, 1) },
};

static struct ph h;
static char path[512], core_inv[PH_TEXT_MAX], ue_last[PH_TEXT_MAX], ue_inv[PH_TEXT_MAX];

static void build(char *out, size_t cap, const char *spec, int n, int term)
{
	char method[16], branch[32], tt[4] = "";
	int cseq = 1;

	sscanf(spec, "%15s %31s %d %3s", method, branch, &cseq, tt);
	if (!term)
		snprintf(out, cap,
			 "%s sip:bob@ims.example SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP " UE ":5062;branch=z9hG4bK%s\r\n"
			 "Max-Forwards: 70\r\n"
			 "From: <sip:" ALICE ">;tag=fa\r\n"
			 "To: <sip:bob@ims.example>%s\r\n"
			 "Call-ID: txn-%d\r\nCSeq: %d %s\r\n"
			 "Contact: <sip:" UE ":5064>\r\nContent-Length: 0\r\n\r\n",
			 method, branch, tt[0] ? ";tag=core1" : "", n, cseq, method);
	else
		snprintf(out, cap,
			 "%s sip:" UE ":5064 SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP " PH_CORE_ADDR ":5060;branch=z9hG4bKcore%s\r\n"
			 "%s%s%s"
			 "Max-Forwards: 70\r\n"
			 "From: <sip:carol@ims.example>;tag=fc\r\n"
			 "To: <sip:" ALICE ">%s\r\n"
			 "Call-ID: txn-term-%d\r\nCSeq: %d %s\r\n"
			 "Contact: <sip:carol@10.0.1.50>\r\nContent-Length: 0\r\n\r\n",
			 method, branch, tt[0] ? "" : "Route: ", tt[0] ? "" : path,
			 tt[0] ? "" : "\r\n", tt[0] ? ";tag=ue1" : "", n, cseq, method);
}

static void note(int *core, int *ue, char *cfirst, char *ufirst, size_t cap)
{
	for (int i = 0; i < h.nout; i++) {
		const struct ph_out *o = &h.out[i];

		if (o->dest == PH_CORE) {
			if (!(*core)++)
				snprintf(cfirst, cap, "%s", o->text);
			if (!strncmp(o->text, "INVITE ", 7))
				snprintf(core_inv, sizeof(core_inv), "%s", o->text);
		} else if (o->dest <= PH_UE_TCP) {
			if (!(*ue)++)
				snprintf(ufirst, cap, "%s", o->text);
			if (strncmp(o->text, "SIP/2.0 ", 8))
				snprintf(ue_last, sizeof(ue_last), "%s", o->text);
			if (!strncmp(o->text, "INVITE ", 7))
				snprintf(ue_inv, sizeof(ue_inv), "%s", o->text);
		}
	}
}

/* A UAS copies the Record-Route of the request into its answers (RFC 3261 12.1.1). */
static const char *rr_of(const char *req)
{
	static char extra[2048];
	size_t n = 0;
	const char *v;

	extra[0] = '\0';
	for (int i = 0; (v = ph_hdr(req, "Record-Route", i)) && n < sizeof(extra); i++)
		n += snprintf(extra + n, sizeof(extra) - n, "Record-Route: %s\r\n", v);
	return extra;
}

static void ue_answer(const char *req, const char *status)
{
	static char resp[PH_TEXT_MAX];

	if (ph_core_response(resp, sizeof(resp), req, status, rr_of(req)) > 0)
		ph_ue_sa_n(&h, ph_set(&h, ALICE, REG_SET_NEW), REG_SA_PC, resp, strlen(resp));
}

static void run(const struct tcase *c, int ci)
{
	static char cfirst[PH_TEXT_MAX], ufirst[PH_TEXT_MAX], msg[8192], resp[PH_TEXT_MAX];
	char why[256] = "";
	int ok = 1;

	if (ph_init(&h) || ph_register_ue(&h, ALICE, UE, 600, why, sizeof(why))) {
		TAP_CHECK(0, "%s: registration: %s", c->name, why);
		ph_fini(&h);
		return;
	}
	snprintf(path, sizeof(path), "%s", ph_hdr(h.last_req, "Path", 0) ?: "");
	/* Our reg-event SUBSCRIBE is a transaction too: answered, so it is not sent again. */
	ph_core_answer_sub(&h, "200 OK", NULL);
	core_inv[0] = ue_last[0] = ue_inv[0] = why[0] = '\0';
	for (int i = 0; ok && c->ev[i].e != E_END; i++) {
		const struct ev_row *e = &c->ev[i];
		int core = 0, ue = 0;

		cfirst[0] = ufirst[0] = '\0';
		switch (e->e) {
		case E_UE:
			build(msg, sizeof(msg), e->a, ci, 0);
			ph_ue_prot(&h, ALICE, REG_SET_NEW, msg);
			note(&core, &ue, cfirst, ufirst, sizeof(cfirst));
			break;
		case E_TERM:
			build(msg, sizeof(msg), e->a, ci, 1);
			ph_core_in(&h, msg);
			note(&core, &ue, cfirst, ufirst, sizeof(cfirst));
			break;
		case E_CORE:
			ph_core_answer(&h, e->a, rr_of(h.last_req));
			note(&core, &ue, cfirst, ufirst, sizeof(cfirst));
			break;
		case E_CORE_INV:
			if (ph_core_response(resp, sizeof(resp), core_inv, e->a, NULL) > 0)
				ph_core_in(&h, resp);
			note(&core, &ue, cfirst, ufirst, sizeof(cfirst));
			break;
		case E_UE_ANS:
			ue_answer(ue_last, e->a);
			note(&core, &ue, cfirst, ufirst, sizeof(cfirst));
			break;
		case E_UE_INV:
			ue_answer(ue_inv, e->a);
			note(&core, &ue, cfirst, ufirst, sizeof(cfirst));
			break;
		case E_TICK:
			for (int k = 0; k < e->n; k++) {
				ph_advance(&h, e->ms);
				note(&core, &ue, cfirst, ufirst, sizeof(cfirst));
			}
			break;
		default:
			break;
		}
		if (core != e->core || ue != e->ue)
			snprintf(why, sizeof(why), "event %d: %d to the core, %d to the UE (want %d, %d)",
				 i + 1, core, ue, e->core, e->ue), ok = 0;
		else if (e->core_first && strncmp(cfirst, e->core_first, strlen(e->core_first)))
			snprintf(why, sizeof(why), "event %d: to the core %.20s, want %s", i + 1,
				 cfirst, e->core_first), ok = 0;
		else if (e->ue_code && ph_status(ufirst) != e->ue_code)
			snprintf(why, sizeof(why), "event %d: UE got %d, want %d", i + 1,
				 ph_status(ufirst), e->ue_code), ok = 0;
		else if (e->ue_first && strncmp(ufirst, e->ue_first, strlen(e->ue_first)))
			snprintf(why, sizeof(why), "event %d: UE got %.20s, want %s", i + 1, ufirst,
				 e->ue_first), ok = 0;
		else if (e->core_has && !ph_has(cfirst, e->core_has))
			snprintf(why, sizeof(why), "event %d: to the core without %s", i + 1,
				 e->core_has), ok = 0;
		else if (e->core_lacks && ph_has(cfirst, e->core_lacks))
			snprintf(why, sizeof(why), "event %d: to the core with %s", i + 1,
				 e->core_lacks), ok = 0;
		else if (e->ue_has && !ph_has(ufirst, e->ue_has))
			snprintf(why, sizeof(why), "event %d: to the UE without %s", i + 1, e->ue_has),
				ok = 0;
		if (!ok && (cfirst[0] || ufirst[0]))
			tap_diag("core:\n%s\nUE:\n%s", cfirst, ufirst);
	}
	if (ok && c->stat) {
		uint64_t got;

		memcpy(&got, (const char *)&h.p.stats + c->stat - 1, sizeof(got));
		if (got != c->stat_val)
			snprintf(why, sizeof(why), "counter %llu, want %llu", (unsigned long long)got,
				 (unsigned long long)c->stat_val), ok = 0;
	}
	TAP_CHECK(ok, "%s%s%s", c->name, ok ? "" : ": ", why);
	ph_fini(&h);
}

/* Our reg-event SUBSCRIBE: a client transaction without a server side (reg_event.c). */
static void subscribe(void)
{
	char why[128];
	int copies = 0, got408 = 0;

	if (ph_init(&h) || ph_register_ue(&h, ALICE, UE, 600, why, sizeof(why))) {
		TAP_CHECK(0, "subscribe: registration");
		return;
	}
	for (int k = 0; k < 320; k++) {
		ph_advance(&h, 100);
		for (int i = 0; i < h.nout; i++)
			copies += h.out[i].dest == PH_CORE && !strncmp(h.out[i].text, "SUBSCRIBE ", 10);
		got408 |= ph_to_ue(&h) != NULL;
	}
	TAP_CHECK(copies == 10 && !got408 && h.p.stats.txn_timeouts == 1,
		  "subscribe: unanswered, sent again 10 times (E), timed out at F, nothing to a UE "
		  "(%d copies)", copies);
	TAP_CHECK(h.p.txns.live == 0, "subscribe: and its slot is free again (%u live)",
		  h.p.txns.live);
	ph_fini(&h);
}

/*
 * A registration's two REGISTER transactions linger 32 s (Timer J) after
 * their finals: only the response copy is kept for that time, not the
 * request copy nor the REGISTER's state (was ~7 KiB each: a registration
 * storm's memory per UE). The UE's retransmission of its last REGISTER
 * still gets the 200 from the copy, and the core sees nothing of it.
 */
static void lingering_copies(void)
{
	struct txn_table *tt = &h.p.txns;
	unsigned int regs = 0, lean = 0;
	char why[128];

	if (ph_init(&h) || ph_register_ue(&h, ALICE, UE, 600, why, sizeof(why))) {
		TAP_CHECK(0, "lingering: registration: %s", why);
		ph_fini(&h);
		return;
	}
	for (uint32_t i = 0; i < tt->cap; i++) {
		const struct txn *t = &tt->t[i];

		if (!t->cookie || t->method != TXN_M_REGISTER)
			continue;
		regs++;
		lean += t->cstate >= TC_COMPLETED && !t->req_buf && !t->reg_buf && t->resp_buf;
	}
	TAP_CHECK(regs == 2 && lean == 2,
		  "lingering: %u REGISTER transactions after the 200, %u keep only their response "
		  "copy (want 2, 2)",
		  regs, lean);
	ph_fini(&h);
}

/*
 * The core's answer already waits unread in our socket (we are behind):
 * timer E does not send the request again, it waits; once read, the answer
 * goes to the UE and nothing more goes to the core. With the socket empty
 * the same request is sent again at T1.
 */
static void backlog_defers(void)
{
	static char msg[8192], resp[PH_TEXT_MAX];
	int again = 0, n;
	char why[128];

	if (ph_init(&h) || ph_register_ue(&h, ALICE, UE, 600, why, sizeof(why))) {
		TAP_CHECK(0, "backlog: registration: %s", why);
		ph_fini(&h);
		return;
	}
	ph_core_answer_sub(&h, "200 OK", NULL);
	build(msg, sizeof(msg), "MESSAGE q1 1", 97, 0);
	ph_ue_prot(&h, ALICE, REG_SET_NEW, msg);
	n = ph_core_response(resp, sizeof(resp), h.last_req, "200 OK", NULL);
	TAP_CHECK(n > 0 && send(h.core_peer, resp, n, 0) == n, "backlog: the 200 queued unread");
	for (int k = 0; k < 6; k++) {
		ph_advance(&h, 500);
		again += ph_count(&h, PH_CORE);
	}
	TAP_CHECK(
		!again && h.p.stats.txn_retx_deferred >= 2,
		"backlog: 3 s with the answer queued: sent again %d times (want 0), %llu deferred",
		again, (unsigned long long)h.p.stats.txn_retx_deferred);
	ph_clear(&h);
	proxy_from_core(&h.p);
	TAP_CHECK(ph_to_ue(&h) && ph_status(ph_to_ue(&h)->text) == 200,
		  "backlog: read at last, the 200 goes to the UE");
	ph_advance(&h, 4000);
	TAP_CHECK(!ph_count(&h, PH_CORE), "backlog: and nothing more to the core");

	build(msg, sizeof(msg), "MESSAGE q2 2", 96, 0);
	ph_ue_prot(&h, ALICE, REG_SET_NEW, msg);
	ph_advance(&h, 500);
	TAP_CHECK(ph_count(&h, PH_CORE) == 1 &&
			  !strncmp(ph_get(&h, PH_CORE, 0)->text, "MESSAGE ", 8),
		  "backlog: with nothing queued, timer E sends it again at T1");
	ph_fini(&h);
}

/*
 * 100,000 live transactions (the default --max-txns): the table is filled
 * with slots as a busy proxy's would be, then one more request from the UE
 * and its retransmission. The hash chain entries and heap entries touched
 * are counted: a scan of the table would touch 100,000.
 */
static void many(void)
{
	static char msg[8192];
	struct txn_table *tt = &h.p.txns;
	uint64_t probes, moves;
	char why[128];
	uint32_t n = 0;
	struct txn *t;

	if (ph_init(&h) || ph_register_ue(&h, ALICE, UE, 600, why, sizeof(why))) {
		TAP_CHECK(0, "many: registration");
		return;
	}
	while (tt->live < tt->cap - 1 && (t = txn_alloc(tt, TXN_TERM, n + 1))) {
		char b[32];

		snprintf(b, sizeof(b), "z9hG4bKfill%u", n);
		t->sstate = TS_TRYING;
		txn_hash_add(tt, t, txn_key(tt, TXN_TERM, TXN_M_OTHER, b, "10.0.1.1", 5060));
		txn_heap_set(tt, t, h.now + 100000 + n % 50000);
		n++;
	}
	TAP_CHECK(tt->live == TXN_MAX_DEFAULT - 1, "many: %u live transactions", tt->live);
	build(msg, sizeof(msg), "MESSAGE big 1", 99, 0);
	probes = tt->work.probes;
	moves = tt->work.heap_moves;
	ph_ue_prot(&h, ALICE, REG_SET_NEW, msg);
	TAP_CHECK(ph_count(&h, PH_CORE) == 1 && tt->live == TXN_MAX_DEFAULT,
		  "many: the 100,000th goes to the core");
	ph_ue_prot(&h, ALICE, REG_SET_NEW, msg);
	TAP_CHECK(!ph_count(&h, PH_CORE) && h.p.stats.retransmissions == 1,
		  "many: its retransmission is matched and absorbed");
	probes = tt->work.probes - probes;
	moves = tt->work.heap_moves - moves;
	TAP_CHECK(probes <= 8, "many: 2 matches looked at %llu chain entries (bound 8)",
		  (unsigned long long)probes);
	TAP_CHECK(moves <= 4 * 17, "many: timers moved %llu heap entries (bound 4 log2 N)",
		  (unsigned long long)moves);
	build(msg, sizeof(msg), "MESSAGE full 2", 98, 0);
	ph_ue_prot(&h, ALICE, REG_SET_NEW, msg);
	TAP_CHECK(!ph_count(&h, PH_CORE) && ph_to_ue(&h) && ph_status(ph_to_ue(&h)->text) == 503 &&
			  h.p.stats.txn_full == 1,
		  "many: table full: 503 to the UE, counted");
	ph_fini(&h);
}

int main(void)
{
	log_level = LOG_LVL_ERR;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run(&cases[i], (int)i);
	subscribe();
	lingering_copies();
	backlog_defers();
	many();
	return tap_done();
}
