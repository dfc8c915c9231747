// SPDX-License-Identifier: GPL-2.0
/* Terminating requests: the callee's answers and dialog state. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "common/outbuf.h"
#include "imsue/ue_answer.h"

struct ue_answer_stats ue_answer_stats;

static uint64_t tag_rand(void)
{
	static uint64_t x;

	if (!x && (getrandom(&x, sizeof(x), 0) != sizeof(x) || !x))
		x = 0x2545f4914f6cdd1dull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

/* What a response repeats of its request (RFC 3261 8.2.6.2) and what it adds. */
struct resp {
	int code;
	const char *reason;
	const char *vias, *from, *to, *to_tag, *call_id, *cseq_method;
	uint32_t cseq;
	const char *rr;	   /* Record-Route values to copy (18x/2xx to INVITE), or NULL */
	bool contact, sdp; /* our Contact; the SDP answer */
	const char *allow; /* 405 */
};

static int send_resp(const struct ue_uas *a, const struct resp *r)
{
	static char buf[8192];
	char sdp[512];
	const char *lb = a->v6 ? "[" : "", *rb = a->v6 ? "]" : "";
	struct outbuf b;
	int n, sl = 0;

	if (r->sdp) {
		sl = snprintf(sdp, sizeof(sdp),
			      "v=0\r\no=imsue %u 1 IN IP%c %s\r\ns=-\r\nc=IN IP%c %s\r\nt=0 0\r\n"
			      "m=audio %u RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
			      "a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
			      "a=sendrecv\r\n",
			      a->ue, a->v6 ? '6' : '4', a->local_ip, a->v6 ? '6' : '4', a->local_ip,
			      a->rtp_port);
		if (sl < 0 || (size_t)sl >= sizeof(sdp))
			return -ENOSPC;
	}
	outbuf_init(&b, buf, sizeof(buf));
	outbuf_printf(&b, "SIP/2.0 %d %s\r\n%s", r->code, r->reason, r->vias);
	if (r->rr && *r->rr)
		outbuf_printf(&b, "Record-Route: %s\r\n", r->rr);
	outbuf_printf(&b, "From: %s\r\n", r->from);
	if (r->to_tag && *r->to_tag)
		outbuf_printf(&b, "To: %s;tag=%s\r\n", r->to, r->to_tag);
	else
		outbuf_printf(&b, "To: %s\r\n", r->to);
	outbuf_printf(&b, "Call-ID: %s\r\nCSeq: %u %s\r\n", r->call_id, r->cseq, r->cseq_method);
	if (r->contact)
		outbuf_printf(&b, "Contact: <sip:%s%s%s:%u>\r\n", lb, a->local_ip, rb, a->port_us);
	if (r->allow)
		outbuf_printf(&b, "Allow: %s\r\n", r->allow);
	outbuf_printf(&b, "User-Agent: imsue (xdp-pcscf)\r\n");
	if (r->sdp)
		outbuf_printf(&b, "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
			      sl, sdp);
	else
		outbuf_printf(&b, "Content-Length: 0\r\n\r\n");
	n = outbuf_result(&b);
	if (n < 0)
		return n;
	return a->send(a->ctx, buf, (size_t)n);
}

/* A response to @m itself (To tag: @m's, else @tag). */
static int reply(const struct ue_uas *a, const struct ue_msg *m, int code, const char *reason,
		 const char *tag)
{
	struct resp r = {
		.code = code,
		.reason = reason,
		.vias = m->vias,
		.from = m->from,
		.to = m->to,
		.to_tag = m->to_tag[0] ? NULL : tag, /* m->to already carries its tag */
		.call_id = m->call_id,
		.cseq = m->cseq,
		.cseq_method = m->cseq_method,
		.allow = code == 405 ? "INVITE, ACK, BYE, CANCEL, MESSAGE, OPTIONS" : NULL,
	};

	return send_resp(a, &r);
}

/* A response to the INVITE a dialog keeps (180, 200, 487). */
static int reply_invite(const struct ue_uas *a, const struct ue_dialog *d, int code,
			const char *reason)
{
	struct resp r = {
		.code = code,
		.reason = reason,
		.vias = d->vias,
		.from = d->from,
		.to = d->to,
		.to_tag = d->local_tag,
		.call_id = d->call_id,
		.cseq = d->remote_cseq,
		.cseq_method = "INVITE",
		.rr = code < 300 ? d->route : NULL,
		.contact = code < 300,
		.sdp = code == 200,
	};

	return send_resp(a, &r);
}

static int on_invite(const struct ue_uas *a, const struct ue_msg *m, struct ue_dialog **ringing)
{
	struct ue_dialog *d = ue_dlg_find(a->dlgs, m->call_id, a->ue, false);
	int rc;

	if (d) {
		/* a retransmission, or a re-INVITE in the dialog: answer what we are at */
		if (m->to_tag[0] && d->state == UE_DLG_UAS_CONFIRMED && m->cseq > d->remote_cseq) {
			snprintf(d->vias, sizeof(d->vias), "%s", m->vias);
			d->remote_cseq = m->cseq;
			d->state = UE_DLG_ANSWERED;
		}
		if (d->state == UE_DLG_RINGING)
			return reply_invite(a, d, 180, "Ringing");
		if (d->state == UE_DLG_REJECTED)
			return reply_invite(a, d, 487, "Request Terminated");
		return reply_invite(a, d, 200, "OK");
	}
	if (m->to_tag[0]) {
		ue_answer_stats.rejected_481++;
		return reply(a, m, 481, "Call/Transaction Does Not Exist", NULL);
	}
	ue_answer_stats.invites++;
	d = ue_dlg_new(a->dlgs, m->call_id, a->ue, false);
	if (!d)
		return reply(a, m, 503, "Service Unavailable", NULL);
	snprintf(d->local_tag, sizeof(d->local_tag), "%016" PRIx64, tag_rand());
	snprintf(d->remote_tag, sizeof(d->remote_tag), "%s", m->from_tag);
	snprintf(d->branch, sizeof(d->branch), "%s", m->branch);
	snprintf(d->remote_target, sizeof(d->remote_target), "%s", m->contact);
	/* same sizes as the message's fields: whole copies */
	memcpy(d->route, m->rr, sizeof(d->route));
	memcpy(d->from, m->from, sizeof(d->from));
	memcpy(d->to, m->to, sizeof(d->to));
	memcpy(d->vias, m->vias, sizeof(d->vias));
	d->remote_cseq = m->cseq;
	d->state = UE_DLG_RINGING;
	rc = reply(a, m, 100, "Trying", NULL);
	if (!rc)
		rc = reply_invite(a, d, 180, "Ringing");
	if (rc) {
		ue_dlg_free(a->dlgs, d);
		return rc;
	}
	if (a->answer_delay_ms) {
		d->due_ms = a->now + a->answer_delay_ms;
		*ringing = d;
		return 0;
	}
	return ue_answer_due(a, d);
}

int ue_answer_due(const struct ue_uas *a, struct ue_dialog *d)
{
	if (d->state != UE_DLG_RINGING)
		return 0;
	d->state = UE_DLG_ANSWERED;
	ue_answer_stats.answered++;
	return reply_invite(a, d, 200, "OK");
}

static int on_cancel(const struct ue_uas *a, const struct ue_msg *m)
{
	struct ue_dialog *d = ue_dlg_find(a->dlgs, m->call_id, a->ue, false);
	int rc;

	/* RFC 3261 9.2: the CANCEL names its INVITE by the top Via branch and CSeq number */
	if (!d || strcmp(d->branch, m->branch) || d->remote_cseq != m->cseq) {
		ue_answer_stats.rejected_481++;
		return reply(a, m, 481, "Call/Transaction Does Not Exist", NULL);
	}
	ue_answer_stats.cancels++;
	rc = reply(a, m, 200, "OK", d->local_tag);
	if (rc || d->state != UE_DLG_RINGING)
		return rc; /* answered already: the CANCEL changes nothing (RFC 3261 9.2) */
	d->state = UE_DLG_REJECTED;
	return reply_invite(a, d, 487, "Request Terminated");
}

int ue_answer_request(const struct ue_uas *a, const struct ue_msg *m, struct ue_dialog **ringing)
{
	struct ue_dialog *d;
	char tag[24];

	*ringing = NULL;
	if (!m->request)
		return -EINVAL;
	if (!strcmp(m->method, "INVITE"))
		return on_invite(a, m, ringing);
	if (!strcmp(m->method, "CANCEL"))
		return on_cancel(a, m);
	if (!strcmp(m->method, "ACK")) {
		/* the 2xx's ACK confirms; the 487's ends the dialog; anything else: absorbed */
		d = ue_dlg_find(a->dlgs, m->call_id, a->ue, false);
		ue_answer_stats.acks++;
		if (d && d->state == UE_DLG_ANSWERED)
			d->state = UE_DLG_UAS_CONFIRMED;
		else if (d && d->state == UE_DLG_REJECTED)
			ue_dlg_free(a->dlgs, d);
		return 0;
	}
	if (!strcmp(m->method, "BYE")) {
		d = ue_dlg_find(a->dlgs, m->call_id, a->ue, false);
		if (!d || strcmp(d->local_tag, m->to_tag)) {
			ue_answer_stats.rejected_481++;
			return reply(a, m, 481, "Call/Transaction Does Not Exist", NULL);
		}
		ue_answer_stats.byes++;
		ue_dlg_free(a->dlgs, d);
		return reply(a, m, 200, "OK", NULL);
	}
	snprintf(tag, sizeof(tag), "%016" PRIx64, tag_rand());
	if (!strcmp(m->method, "MESSAGE")) {
		ue_answer_stats.messages++;
		return reply(a, m, 200, "OK", tag);
	}
	if (!strcmp(m->method, "OPTIONS"))
		return reply(a, m, 200, "OK", tag);
	ue_answer_stats.other++;
	return reply(a, m, 405, "Method Not Allowed", tag);
}
