// SPDX-License-Identifier: GPL-2.0
/* The caller side of calls and MESSAGEs, and the glue of both sides to a UE and its SAs. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "common/addr.h"
#include "common/outbuf.h"
#include "imsue/ue_answer.h"
#include "imsue/ue_call.h"
#include "imsue/ue_dialog.h"
#include "imsue/ue_msg.h"
#include "imsue/ue_net.h"
#include "imsue/ue_sa.h"

#define T1_MS 500

struct ue_call_stats ue_call_stats;

static uint64_t rnd64(void)
{
	static uint64_t x;

	if (!x && (getrandom(&x, sizeof(x), 0) != sizeof(x) || !x))
		x = 0x9e3779b97f4a7c15ull;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return x * 0x2545f4914f6cdd1dull;
}

static struct ue_dialog *orig_dlg(const struct ue *u)
{
	return ue_dlg_get(&ue_dialogs, u->orig_dlg);
}

static void tx_drop(struct ue *u)
{
	free(u->tx.msg);
	u->tx.msg = NULL;
	u->tx.len = 0;
	u->tx.set = NULL;
}

static void call_fail(struct ue *u, int err, const char *what)
{
	struct ue_dialog *d = orig_dlg(u);

	ue_say(u, "error", "!! %s: %s", ue_cmd_name(u->cur), what);
	ue_call_stats.failed++;
	if (!u->failed)
		u->failed = err ? err : -EPROTO;
	if (d)
		ue_dlg_free(&ue_dialogs, d);
	u->orig_dlg = 0;
	tx_drop(u);
	u->state = UE_DONE;
}

/* The newest set we may send with (TS 33.203 7.4: new, else old). */
static struct ue_sa_set *send_set(struct ue *u)
{
	return u->set_new.live ? &u->set_new : u->set_old.live ? &u->set_old : NULL;
}

/* Through SA UC_PS (our client port to the P-CSCF's server port) or US_PC (answers). */
static int send_on(struct ue *u, struct ue_sa_set *s, bool request, const char *msg, size_t len)
{
	if (!s || !s->live)
		return -ENOTCONN;
	if (request)
		return ue_net_send_esp(u->net, s->sa[UE_SA_UC_PS], &u->local, &u->cfg->pcscf,
				       s->port_uc, s->port_ps, msg, len);
	return ue_net_send_esp(u->net, s->sa[UE_SA_US_PC], &u->local, &u->cfg->pcscf, s->port_us,
			       s->port_pc, msg, len);
}

struct creq {
	const char *method;
	const char *ruri;
	const char *branch;
	uint32_t cseq;
	const char *to_tag; /* NULL or "" : none */
	bool sdp, text;
};

static int build_req(struct ue *u, const struct ue_sa_set *s, const struct ue_dialog *d,
		     const struct creq *q, char *buf, size_t cap)
{
	char ip[ADDR_STR_LEN], impu[UE_STR + 8], body[512];
	bool v6 = !addr_is_v4(&u->local);
	const char *lb = v6 ? "[" : "", *rb = v6 ? "]" : "";
	struct outbuf b;
	int bl = 0;

	addr_str(&u->local, ip, sizeof(ip));
	ue_impu(u, impu, sizeof(impu));
	if (q->sdp)
		bl = snprintf(body, sizeof(body),
			      "v=0\r\no=imsue %u 1 IN IP%c %s\r\ns=-\r\nc=IN IP%c %s\r\nt=0 0\r\n"
			      "m=audio %u RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
			      "a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
			      "a=sendrecv\r\n",
			      u->idx, v6 ? '6' : '4', ip, v6 ? '6' : '4', ip,
			      (unsigned int)(40000 + 2 * (u->idx % 10000)));
	else if (q->text)
		bl = snprintf(body, sizeof(body), "imsue %u: hello through the SAs\r\n", u->idx);
	if (bl < 0 || (size_t)bl >= sizeof(body))
		return -ENOSPC;
	outbuf_init(&b, buf, cap);
	outbuf_printf(&b, "%s %s SIP/2.0\r\n", q->method, q->ruri);
	outbuf_printf(&b, "Via: SIP/2.0/UDP %s%s%s:%u;branch=%s;rport\r\n", lb, ip, rb, s->port_us,
		      q->branch);
	outbuf_printf(&b, "Max-Forwards: 70\r\n");
	if (d->route[0])
		outbuf_printf(&b, "Route: %s\r\n", d->route);
	outbuf_printf(&b, "From: <%s>;tag=%s\r\n", impu, d->local_tag);
	if (q->to_tag && *q->to_tag)
		outbuf_printf(&b, "To: <%s>;tag=%s\r\n", u->cfg->call_to, q->to_tag);
	else
		outbuf_printf(&b, "To: <%s>\r\n", u->cfg->call_to);
	outbuf_printf(&b, "Call-ID: %s\r\nCSeq: %u %s\r\n", d->call_id, q->cseq, q->method);
	if (!strcmp(q->method, "INVITE"))
		outbuf_printf(&b, "Contact: <sip:%s%s%s:%u>\r\n", lb, ip, rb, s->port_us);
	outbuf_printf(&b, "User-Agent: imsue (xdp-pcscf)\r\n");
	if (bl)
		outbuf_printf(&b, "Content-Type: %s\r\nContent-Length: %d\r\n\r\n%s",
			      q->sdp ? "application/sdp" : "text/plain", bl, body);
	else
		outbuf_printf(&b, "Content-Length: 0\r\n\r\n");
	return outbuf_result(&b);
}

/* Build and send; @keep: the copy for retransmission (timers A/E) replaces u->tx. */
static int send_req(struct ue *u, struct ue_dialog *d, const struct creq *q, bool keep,
		    uint64_t now)
{
	static char buf[UE_MSG_MAX];
	struct ue_sa_set *s = send_set(u);
	int len, rc;

	if (!s)
		return -ENOTCONN;
	len = build_req(u, s, d, q, buf, sizeof(buf));
	if (len < 0)
		return len;
	if (keep) {
		tx_drop(u);
		u->tx.msg = malloc((size_t)len + 1);
		if (!u->tx.msg)
			return -ENOMEM;
		memcpy(u->tx.msg, buf, (size_t)len + 1);
		u->tx.len = len;
		u->tx.set = s;
		u->tx.interval_ms = T1_MS;
		u->tx.next_ms = now + T1_MS;
		u->deadline_ms = now + (uint64_t)u->cfg->timeout_ms;
	}
	rc = send_on(u, s, true, buf, (size_t)len);
	if (!u->cfg->quiet)
		ue_say(u, "send", "-> %s (protected, spi 0x%08x, %u -> port_ps %u) CSeq %u%s",
		       q->method, s->spi_ps, s->port_uc, s->port_ps, q->cseq, rc ? " FAILED" : "");
	return rc;
}

static void start_orig(struct ue *u, uint64_t now)
{
	struct ue_sa_set *s = send_set(u);
	struct ue_dialog *d;
	char call_id[48], pip[ADDR_STR_LEN], branch[32];
	bool msg = u->orig_kind == UE_DLG_KIND_MESSAGE;
	int rc;

	if (!s) {
		call_fail(u, -ENOTCONN, "not registered (no established SA set)");
		return;
	}
	snprintf(call_id, sizeof(call_id), "%016" PRIx64 "-%u@imsue", rnd64(), u->idx);
	d = ue_dlg_new(&ue_dialogs, call_id, u->idx, true);
	if (!d) {
		call_fail(u, -ENOSPC, "dialog table full");
		return;
	}
	u->orig_dlg = ue_dlg_ref(&ue_dialogs, d);
	d->kind = u->orig_kind;
	d->state = msg ? UE_DLG_MESSAGE : UE_DLG_CALLING;
	d->local_cseq = 1;
	snprintf(d->local_tag, sizeof(d->local_tag), "%016" PRIx64, rnd64());
	snprintf(branch, sizeof(branch), "z9hG4bK%016" PRIx64, rnd64());
	snprintf(d->branch, sizeof(d->branch), "%s", branch);
	/* 24.229 5.1.2A.1.1: the P-CSCF (its protected server port), then the Service-Route */
	addr_str(&u->cfg->pcscf, pip, sizeof(pip));
	snprintf(d->route, sizeof(d->route),
		 addr_is_v4(&u->cfg->pcscf) ? "<sip:%s:%u;lr>%s%s" : "<sip:[%s]:%u;lr>%s%s", pip,
		 s->port_ps, u->service_route ? ", " : "",
		 u->service_route ? u->service_route : "");
	if (!ue_call_stats.first_ms)
		ue_call_stats.first_ms = now;
	rc = send_req(u, d,
		      &(struct creq){.method = msg ? "MESSAGE" : "INVITE",
				     .ruri = u->cfg->call_to,
				     .branch = d->branch,
				     .cseq = 1,
				     .sdp = !msg,
				     .text = msg},
		      true, now);
	if (rc) {
		call_fail(u, rc, "cannot send the request");
		return;
	}
	u->state = UE_CALLING;
}

/* One exchange done: the next of calls/messages N, or the command is over. */
static void orig_done(struct ue *u, struct ue_dialog *d, uint64_t now)
{
	if (d->kind == UE_DLG_KIND_MESSAGE)
		ue_call_stats.messages++;
	else if (d->kind == UE_DLG_KIND_CANCEL && d->got_487)
		ue_call_stats.cancelled++;
	else
		ue_call_stats.calls++;
	ue_call_stats.last_ms = now;
	ue_dlg_free(&ue_dialogs, d);
	u->orig_dlg = 0;
	tx_drop(u);
	if (u->orig_left > 1) {
		u->orig_left--;
		start_orig(u, now);
		return;
	}
	u->orig_left = 0;
	u->state = UE_IDLE;
}

static int send_bye(struct ue *u, struct ue_dialog *d, uint64_t now)
{
	char branch[32];

	snprintf(branch, sizeof(branch), "z9hG4bK%016" PRIx64, rnd64());
	d->local_cseq++;
	d->state = UE_DLG_BYE;
	return send_req(u, d,
			&(struct creq){.method = "BYE",
				       .ruri = d->remote_target,
				       .branch = branch,
				       .cseq = d->local_cseq,
				       .to_tag = d->remote_tag},
			true, now);
}

/* ACK of a 2xx: a request of its own in the dialog (RFC 3261 13.2.2.4). */
static int send_ack_2xx(struct ue *u, struct ue_dialog *d, uint64_t now)
{
	char branch[32];

	snprintf(branch, sizeof(branch), "z9hG4bK%016" PRIx64, rnd64());
	return send_req(u, d,
			&(struct creq){.method = "ACK",
				       .ruri = d->remote_target,
				       .branch = branch,
				       .cseq = 1,
				       .to_tag = d->remote_tag},
			false, now);
}

static void on_invite_2xx(struct ue *u, struct ue_dialog *d, const struct ue_msg *m, uint64_t now)
{
	int rc;

	if (d->state == UE_DLG_CONFIRMED || d->state == UE_DLG_BYE) {
		if (!strcmp(m->to_tag, d->remote_tag))
			send_ack_2xx(u, d, now); /* a 2xx retransmission: our ACK was lost */
		return;
	}
	if (!m->to_tag[0] || !m->contact[0]) {
		call_fail(u, -EPROTO, "2xx to INVITE without To tag or Contact");
		return;
	}
	snprintf(d->remote_tag, sizeof(d->remote_tag), "%s", m->to_tag);
	snprintf(d->remote_target, sizeof(d->remote_target), "%s", m->contact);
	/* RFC 3261 12.1.2: the route set is the Record-Route in reverse, none if absent */
	if (ue_msg_rr_reversed(m, d->route, sizeof(d->route)) < 0) {
		call_fail(u, -EMSGSIZE, "Record-Route too long");
		return;
	}
	tx_drop(u);
	d->state = UE_DLG_CONFIRMED;
	if (!u->cfg->quiet)
		ue_say(u, "recv", "<- %d to INVITE: route set %s, target %s", m->status,
		       d->route[0] ? d->route : "(none)", d->remote_target);
	rc = send_ack_2xx(u, d, now);
	if (!rc && !u->cfg->hold_ms)
		rc = send_bye(u, d, now);
	else
		d->due_ms = now + u->cfg->hold_ms;
	if (rc)
		call_fail(u, rc, "cannot send ACK/BYE");
}

/* ACK of a non-2xx final response: the INVITE's branch and route (RFC 3261 17.1.1.3). */
static void ack_non2xx(struct ue *u, struct ue_dialog *d, const struct ue_msg *m, uint64_t now)
{
	send_req(u, d,
		 &(struct creq){.method = "ACK",
				.ruri = u->cfg->call_to,
				.branch = d->branch,
				.cseq = 1,
				.to_tag = m->to_tag},
		 false, now);
}

static void on_response(struct ue *u, struct ue_dialog *d, const struct ue_msg *m, uint64_t now)
{
	bool invite = !strcmp(m->cseq_method, "INVITE");

	if (!u->cfg->quiet && !(invite && m->status >= 200 && m->status < 300))
		ue_say(u, "recv", "<- %d to %s (protected)", m->status, m->cseq_method);
	if (!strcmp(m->cseq_method, "MESSAGE")) {
		if (d->state != UE_DLG_MESSAGE || m->status < 200)
			return;
		if (m->status >= 300) {
			call_fail(u, -EACCES, "MESSAGE refused");
			return;
		}
		orig_done(u, d, now);
		return;
	}
	if (!strcmp(m->cseq_method, "BYE")) {
		if (d->state != UE_DLG_BYE || m->status < 200)
			return;
		orig_done(u, d, now);
		return;
	}
	if (!strcmp(m->cseq_method, "CANCEL")) {
		if (d->state == UE_DLG_CANCELLING && m->status >= 200) {
			d->cancel_200 = true;
			tx_drop(u);
			if (d->got_487)
				orig_done(u, d, now);
		}
		return;
	}
	if (!invite)
		return;
	if (m->status < 200) {
		if (d->state == UE_DLG_CALLING) {
			d->state = UE_DLG_EARLY;
			tx_drop(u); /* timer A stops at a provisional response */
			u->deadline_ms = now + (uint64_t)u->cfg->timeout_ms;
		}
		if (d->kind == UE_DLG_KIND_CANCEL && d->state == UE_DLG_EARLY && m->status > 100) {
			char branch[UE_MSG_ID];
			int rc;

			/* RFC 3261 9.1: the INVITE's Request-URI, branch, Call-ID, From, To, route
			 */
			snprintf(branch, sizeof(branch), "%s", d->branch);
			d->state = UE_DLG_CANCELLING;
			rc = send_req(u, d,
				      &(struct creq){.method = "CANCEL",
						     .ruri = u->cfg->call_to,
						     .branch = branch,
						     .cseq = 1},
				      true, now);
			if (rc)
				call_fail(u, rc, "cannot send CANCEL");
		}
		return;
	}
	if (m->status < 300) {
		on_invite_2xx(u, d, m, now);
		return;
	}
	ack_non2xx(u, d, m, now);
	if (d->state == UE_DLG_CANCELLING && m->status == 487) {
		d->got_487 = true;
		if (d->cancel_200)
			orig_done(u, d, now);
		return;
	}
	if (d->state == UE_DLG_CALLING || d->state == UE_DLG_EARLY) {
		char what[64];

		snprintf(what, sizeof(what), "INVITE answered %d", m->status);
		call_fail(u, -EACCES, what);
	}
}

void ue_call_cmd(struct ue *u, const struct ue_step *s, uint64_t now)
{
	switch (s->cmd) {
	case UE_CMD_MESSAGE:
	case UE_CMD_MESSAGES:
		u->orig_kind = UE_DLG_KIND_MESSAGE;
		break;
	case UE_CMD_CALL_CANCEL:
		u->orig_kind = UE_DLG_KIND_CANCEL;
		break;
	default:
		u->orig_kind = UE_DLG_KIND_CALL;
		break;
	}
	u->orig_left = s->cmd == UE_CMD_CALLS || s->cmd == UE_CMD_MESSAGES ? s->arg : 1;
	if (!u->orig_left) {
		u->state = UE_IDLE;
		return;
	}
	start_orig(u, now);
}

/* Answers leave through the set the request came on (its US_PC SA). */
struct uas_ctx {
	struct ue *u;
	struct ue_sa_set *set;
};

static int uas_send(void *ctx, const char *msg, size_t len)
{
	struct uas_ctx *c = ctx;
	int rc = send_on(c->u, c->set, false, msg, len);

	if (!c->u->cfg->quiet)
		ue_say(c->u, "send", "-> %.*s (protected, spi 0x%08x, port_us %u -> port_pc %u)%s",
		       (int)strcspn(msg, "\r\n"), msg, c->set ? c->set->spi_pc : 0,
		       c->set ? c->set->port_us : 0, c->set ? c->set->port_pc : 0,
		       rc ? " FAILED" : "");
	return rc;
}

static void uas_init(struct ue *u, struct uas_ctx *c, struct ue_sa_set *set, char *ip,
		     struct ue_uas *a, uint64_t now)
{
	addr_str(&u->local, ip, ADDR_STR_LEN);
	c->u = u;
	c->set = set;
	*a = (struct ue_uas){
		.dlgs = &ue_dialogs,
		.ue = u->idx,
		.local_ip = ip,
		.v6 = !addr_is_v4(&u->local),
		.port_us = set ? set->port_us : 0,
		.rtp_port = (uint16_t)(50000 + 2 * (u->idx % 7000)),
		.answer_delay_ms = u->cfg->answer_delay_ms,
		.now = now,
		.send = uas_send,
		.ctx = c,
	};
}

bool ue_call_on_sip(struct ue *u, const char *msg, size_t len, struct ue_sa_set *set,
		    enum ue_sa_which w, uint64_t now)
{
	static struct ue_msg m;
	struct ue_dialog *d;

	if (ue_msg_parse(msg, len, &m)) {
		ue_call_stats.unparsed++;
		return false; /* ue_on_sip() has its own look, and ignores it too */
	}
	if (!m.request &&
	    (!strcasecmp(m.cseq_method, "REGISTER") || !strcasecmp(m.cseq_method, "OPTIONS")))
		return false;
	/* TS 33.203 7.1: responses to our requests come to port_uc, requests to port_us */
	if (m.request != (w == UE_SA_PC_US)) {
		ue_call_stats.wrong_sa++;
		ue_say(u, "warning", "   %s %s on the wrong SA (%s): dropped",
		       m.request ? "request" : "response", m.request ? m.method : m.cseq_method,
		       w == UE_SA_PC_US ? "port_us" : "port_uc");
		return true;
	}
	/* 33.203 7.4: traffic on the new set ends the old one */
	if (set == &u->set_new && u->set_old.live && u->tx.set != &u->set_old)
		ue_sa_set_destroy(&u->set_old);
	if (m.request) {
		struct ue_dialog *ringing, *prev;
		struct uas_ctx c;
		struct ue_uas a;
		char ip[ADDR_STR_LEN];
		int rc;

		if (!u->cfg->quiet)
			ue_say(u, "recv",
			       "<- %s (protected, terminating, spi 0x%08x to port_us %u)", m.method,
			       set->spi_us, set->port_us);
		uas_init(u, &c, set, ip, &a, now);
		rc = ue_answer_request(&a, &m, &ringing);
		if (rc)
			ue_say(u, "warning", "   cannot answer %s: %s", m.method, strerror(-rc));
		if (ringing) {
			/* one delayed answer per UE: an older one goes now */
			prev = ue_dlg_get(&ue_dialogs, u->ring_dlg);
			if (prev && prev != ringing)
				ue_answer_due(&a, prev);
			u->ring_dlg = ue_dlg_ref(&ue_dialogs, ringing);
		}
		return true;
	}
	d = orig_dlg(u);
	if (!d || strcmp(d->call_id, m.call_id) || u->state != UE_CALLING)
		return true; /* a late or stray answer */
	on_response(u, d, &m, now);
	return true;
}

static void ring_timer(struct ue *u, uint64_t now)
{
	struct ue_dialog *d = ue_dlg_get(&ue_dialogs, u->ring_dlg);
	struct ue_sa_set *s = send_set(u);
	struct uas_ctx c;
	struct ue_uas a;
	char ip[ADDR_STR_LEN];

	if (!d) {
		u->ring_dlg = 0;
		return;
	}
	if (d->state != UE_DLG_RINGING || d->ue != u->idx) {
		u->ring_dlg = 0;
		return;
	}
	if (now < d->due_ms)
		return;
	u->ring_dlg = 0;
	uas_init(u, &c, s, ip, &a, now);
	ue_answer_due(&a, d);
}

void ue_call_on_timer(struct ue *u, uint64_t now)
{
	struct ue_dialog *d;

	if (u->ring_dlg)
		ring_timer(u, now);
	if (u->state != UE_CALLING)
		return;
	d = orig_dlg(u);
	if (!d) {
		u->state = UE_IDLE;
		return;
	}
	if (d->state == UE_DLG_CONFIRMED && now >= d->due_ms) {
		int rc = send_bye(u, d, now);

		if (rc)
			call_fail(u, rc, "cannot send BYE");
		return;
	}
	if (d->state != UE_DLG_CONFIRMED && now >= u->deadline_ms) {
		char what[64];

		snprintf(what, sizeof(what), "no final response within %d ms", u->cfg->timeout_ms);
		call_fail(u, -ETIMEDOUT, what);
		return;
	}
	if (u->tx.msg && now >= u->tx.next_ms) {
		/* timers A/E: T1, 2*T1, ... (E capped at T2 = 4 s) */
		send_on(u, u->tx.set, true, u->tx.msg, (size_t)u->tx.len);
		u->tx.interval_ms = u->tx.interval_ms * 2 > 4000 ? 4000 : u->tx.interval_ms * 2;
		u->tx.next_ms = now + u->tx.interval_ms;
	}
}

uint64_t ue_call_deadline(const struct ue *u)
{
	uint64_t t = UINT64_MAX;
	const struct ue_dialog *d;

	if (u->ring_dlg && (d = ue_dlg_get(&ue_dialogs, u->ring_dlg)))
		t = d->due_ms;
	if (u->state != UE_CALLING || !(d = ue_dlg_get(&ue_dialogs, u->orig_dlg)))
		return t;
	if (d->state == UE_DLG_CONFIRMED)
		return d->due_ms < t ? d->due_ms : t;
	if (u->deadline_ms < t)
		t = u->deadline_ms;
	if (u->tx.msg && u->tx.next_ms < t)
		t = u->tx.next_ms;
	return t;
}

struct ue_sa_set *ue_inbound_set(struct ue *u, uint32_t spi, enum ue_sa_which *w)
{
	struct ue_sa_set *sets[] = {&u->set_new, &u->set_tmp, &u->set_old};

	for (unsigned int i = 0; i < 3; i++) {
		if (!sets[i]->live)
			continue;
		if (sets[i]->spi_uc == spi) {
			*w = UE_SA_PS_UC;
			return sets[i];
		}
		if (sets[i]->spi_us == spi) {
			*w = UE_SA_PC_US;
			return sets[i];
		}
	}
	return NULL;
}

void ue_call_learn_route(struct ue *u, const char *service_route)
{
	free(u->service_route);
	u->service_route = service_route && *service_route ? strdup(service_route) : NULL;
}

void ue_call_fini(struct ue *u)
{
	struct ue_dialog *d = orig_dlg(u);

	if (d)
		ue_dlg_free(&ue_dialogs, d);
	u->orig_dlg = 0;
	d = ue_dlg_get(&ue_dialogs, u->ring_dlg);
	if (d && d->ue == u->idx)
		ue_dlg_free(&ue_dialogs, d);
	u->ring_dlg = 0;
	free(u->service_route);
	u->service_route = NULL;
}
