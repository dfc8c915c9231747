// SPDX-License-Identifier: GPL-2.0
/*
 * imsue's callee side and its parser, as tables: each terminating request
 * (as the P-CSCF delivers it through the SA) and the responses imsue sends
 * back, read again with libosip2 by ue_msg_parse(); the dialog table (hash
 * lookup, free, a full pool refusing); the caller's route set (Record-Route
 * reversed). imsue is not in libpcscf.a, so its sources are included.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imsue/ue_answer.c"
#include "imsue/ue_dialog.c"
#include "imsue/ue_msg.c"
#include "tap.h"

#define VIAS                                                                                       \
	"Via: SIP/2.0/UDP 192.0.2.1:6101;branch=z9hG4bK-pc1-aa\r\n"                                \
	"Via: SIP/2.0/UDP 198.51.100.2:5070;branch=z9hG4bK-core-1\r\n"
#define HDRS(method, cseq, totag)                                                                  \
	method " sip:192.0.2.2:31001 SIP/2.0\r\n" VIAS "Max-Forwards: 69\r\n"                      \
	       "Record-Route: <sip:scscf.ims.example;lr>\r\n"                                      \
	       "From: <sip:caller@ims.example>;tag=c1\r\n"                                         \
	       "To: <sip:calluser@ims.example>" totag "\r\n"                                       \
	       "Call-ID: call-1@core\r\n"                                                          \
	       "CSeq: " cseq " " method "\r\n"                                                     \
	       "Contact: <sip:caller@198.51.100.2:5070>\r\n"                                       \
	       "Content-Length: 0\r\n\r\n"

static char sent[4][8192];
static unsigned int n_sent;

static int rec_send(void *ctx, const char *msg, size_t len)
{
	(void)ctx;
	if (n_sent < 4)
		snprintf(sent[n_sent], sizeof(sent[0]), "%.*s", (int)len, msg);
	n_sent++;
	return 0;
}

static struct ue_uas uas(uint32_t delay)
{
	return (struct ue_uas){.dlgs = &ue_dialogs,
			       .ue = 7,
			       .local_ip = "192.0.2.2",
			       .port_us = 31001,
			       .rtp_port = 50014,
			       .answer_delay_ms = delay,
			       .now = 1000,
			       .send = rec_send};
}

/* status codes of what was sent, "100,180,200" */
static void codes(char *out, size_t cap)
{
	out[0] = '\0';
	for (unsigned int i = 0; i < n_sent && i < 4; i++) {
		struct ue_msg r;
		size_t l = strlen(out);

		if (ue_msg_parse(sent[i], strlen(sent[i]), &r))
			snprintf(out + l, cap - l, "%sBAD", l ? "," : "");
		else
			snprintf(out + l, cap - l, "%s%d", l ? "," : "", r.status);
	}
}

static int feed(const struct ue_uas *a, const char *txt, struct ue_dialog **ring)
{
	static struct ue_msg m;
	int rc = ue_msg_parse(txt, strlen(txt), &m);

	n_sent = 0;
	return rc ? rc : ue_answer_request(a, &m, ring);
}

static char totag_of_last[UE_MSG_ID];

static void learn_totag(void)
{
	struct ue_msg r;

	if (n_sent && !ue_msg_parse(sent[n_sent > 4 ? 3 : n_sent - 1],
				    strlen(sent[n_sent > 4 ? 3 : n_sent - 1]), &r))
		snprintf(totag_of_last, sizeof(totag_of_last), "%s", r.to_tag);
}

static void test_answers(void)
{
	struct ue_uas a = uas(0);
	struct ue_dialog *ring;
	char c[64], bye[2048], ack[2048];
	struct ue_msg r;

	TAP_CHECK(!feed(&a, HDRS("MESSAGE", "1", ""), &ring), "MESSAGE: answered");
	codes(c, sizeof(c));
	TAP_CHECK(!strcmp(c, "200"), "MESSAGE: 200 (%s)", c);
	TAP_CHECK(!ue_msg_parse(sent[0], strlen(sent[0]), &r) && r.n_vias == 2 &&
			  !strcmp(r.branch, "z9hG4bK-pc1-aa") && r.to_tag[0] &&
			  !strcmp(r.call_id, "call-1@core") && r.cseq == 1 &&
			  !strcmp(r.cseq_method, "MESSAGE"),
		  "MESSAGE: the 200 carries both Vias in order, a To tag, Call-ID, CSeq");

	TAP_CHECK(!feed(&a, HDRS("INVITE", "1", ""), &ring) && !ring, "INVITE: answered at once");
	codes(c, sizeof(c));
	TAP_CHECK(!strcmp(c, "100,180,200"), "INVITE: 100, 180, 200 (%s)", c);
	TAP_CHECK(
		strstr(sent[2], "Contact: <sip:192.0.2.2:31001>") &&
			strstr(sent[2], "m=audio 50014 RTP/AVP") &&
			strstr(sent[2], "Record-Route: <sip:scscf.ims.example;lr>") &&
			strstr(sent[0], "To: <sip:calluser@ims.example>\r\n") &&
			strstr(sent[2], "To: <sip:calluser@ims.example>;tag="),
		"INVITE: the 200 has our Contact (port_us), the SDP answer, the Record-Route, our "
		"To tag (the 100 none)");
	learn_totag();
	TAP_CHECK(ue_dialogs.used == 1, "INVITE: one callee dialog");
	TAP_CHECK(!feed(&a, HDRS("INVITE", "1", ""), &ring) && n_sent == 1 &&
			  strstr(sent[0], "SIP/2.0 200"),
		  "INVITE retransmission: the 200 again, no second dialog (%u)", ue_dialogs.used);
	snprintf(
		ack, sizeof(ack),
		"ACK sip:192.0.2.2:31001 SIP/2.0\r\n" VIAS
		"From: <sip:caller@ims.example>;tag=c1\r\nTo: <sip:calluser@ims.example>;tag=%s\r\n"
		"Call-ID: call-1@core\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
		totag_of_last);
	TAP_CHECK(!feed(&a, ack, &ring) && n_sent == 0 &&
			  ue_dlg_find(&ue_dialogs, "call-1@core", 7, false)->state ==
				  UE_DLG_UAS_CONFIRMED,
		  "ACK: absorbed, dialog confirmed");
	snprintf(bye, sizeof(bye),
		 "BYE sip:192.0.2.2:31001 SIP/2.0\r\n" VIAS
		 "From: <sip:caller@ims.example>;tag=c1\r\nTo: "
		 "<sip:calluser@ims.example>;tag=wrong\r\n"
		 "Call-ID: call-1@core\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n");
	feed(&a, bye, &ring);
	codes(c, sizeof(c));
	TAP_CHECK(!strcmp(c, "481") && ue_dialogs.used == 1, "BYE with another To tag: 481 (%s)",
		  c);
	snprintf(
		bye, sizeof(bye),
		"BYE sip:192.0.2.2:31001 SIP/2.0\r\n" VIAS
		"From: <sip:caller@ims.example>;tag=c1\r\nTo: <sip:calluser@ims.example>;tag=%s\r\n"
		"Call-ID: call-1@core\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
		totag_of_last);
	feed(&a, bye, &ring);
	codes(c, sizeof(c));
	TAP_CHECK(!strcmp(c, "200") && ue_dialogs.used == 0, "BYE: 200, dialog gone (%s)", c);
	feed(&a, bye, &ring);
	codes(c, sizeof(c));
	TAP_CHECK(!strcmp(c, "481"), "BYE again: 481 (%s)", c);
}

static void test_cancel(void)
{
	struct ue_uas a = uas(300);
	struct ue_dialog *ring = NULL;
	char c[64];
	const char *cancel = "CANCEL sip:192.0.2.2:31001 SIP/2.0\r\n" VIAS
			     "From: <sip:caller@ims.example>;tag=c1\r\n"
			     "To: <sip:calluser@ims.example>\r\nCall-ID: call-1@core\r\n"
			     "CSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n";
	const char *other = "CANCEL sip:192.0.2.2:31001 SIP/2.0\r\n"
			    "Via: SIP/2.0/UDP 192.0.2.1:6101;branch=z9hG4bK-other\r\n"
			    "From: <sip:caller@ims.example>;tag=c1\r\n"
			    "To: <sip:calluser@ims.example>\r\nCall-ID: call-1@core\r\n"
			    "CSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n";

	feed(&a, HDRS("INVITE", "1", ""), &ring);
	codes(c, sizeof(c));
	TAP_CHECK(ring && ring->due_ms == 1300 && !strcmp(c, "100,180"),
		  "INVITE with an answer delay: 100, 180, the 200 due at +300 ms (%s)", c);
	feed(&a, other, &ring);
	codes(c, sizeof(c));
	TAP_CHECK(!strcmp(c, "481"), "CANCEL of another branch: 481 (%s)", c);
	feed(&a, cancel, &ring);
	codes(c, sizeof(c));
	TAP_CHECK(!strcmp(c, "200,487") && strstr(sent[1], "CSeq: 1 INVITE"),
		  "CANCEL while ringing: 200 to the CANCEL, 487 to the INVITE (%s)", c);
	feed(&a, cancel, &ring);
	codes(c, sizeof(c));
	TAP_CHECK(!strcmp(c, "200"), "CANCEL again: 200 only (%s)", c);
	feed(&a,
	     "ACK sip:192.0.2.2:31001 SIP/2.0\r\nVia: SIP/2.0/UDP "
	     "192.0.2.1:6101;branch=z9hG4bK-pc1-aa\r\n"
	     "From: <sip:caller@ims.example>;tag=c1\r\nTo: <sip:calluser@ims.example>;tag=x\r\n"
	     "Call-ID: call-1@core\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
	     &ring);
	TAP_CHECK(n_sent == 0 && ue_dialogs.used == 0, "ACK of the 487: absorbed, dialog gone");

	feed(&a, HDRS("INVITE", "1", ""), &ring);
	n_sent = 0;
	TAP_CHECK(ring && !ue_answer_due(&a, ring) && n_sent == 1 && strstr(sent[0], "SIP/2.0 200"),
		  "the delayed 200 goes when due");
	feed(&a, cancel, &ring);
	codes(c, sizeof(c));
	TAP_CHECK(!strcmp(c, "200"), "CANCEL after the 200: 200 only, no 487 (%s)", c);
	ue_dlg_free(&ue_dialogs, ue_dlg_find(&ue_dialogs, "call-1@core", 7, false));
}

static const struct {
	const char *name, *msg;
	int rc;
} parse_rows[] = {
	{"not SIP", "hello", -EINVAL},
	{"no Call-ID",
	 "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1\r\nFrom: "
	 "<sip:a@b>;tag=1\r\n"
	 "To: <sip:c@d>\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n",
	 -EINVAL},
	{"no Via",
	 "MESSAGE sip:a@b SIP/2.0\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
	 "CSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n",
	 -EINVAL},
	{"CSeq not a number",
	 "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1\r\nFrom: "
	 "<sip:a@b>;tag=1\r\n"
	 "To: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1x MESSAGE\r\nContent-Length: 0\r\n\r\n",
	 -EINVAL},
	{"Call-ID of 200 bytes",
	 "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1\r\nFrom: "
	 "<sip:a@b>;tag=1\r\n"
	 "To: <sip:c@d>\r\nCall-ID: "
	 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	 "xxxxxxxxxxx"
	 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	 "xxxxxxxxxxx"
	 "\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n",
	 -EMSGSIZE},
	{"a whole request", HDRS("MESSAGE", "1", ""), 0},
	{"a response",
	 "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 192.0.2.2:31001;branch=z9hG4bK1\r\n"
	 "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
	 "Content-Length: 0\r\n\r\n",
	 0},
};

static void test_parse(void)
{
	for (unsigned int i = 0; i < sizeof(parse_rows) / sizeof(parse_rows[0]); i++) {
		struct ue_msg m;
		int rc = ue_msg_parse(parse_rows[i].msg, strlen(parse_rows[i].msg), &m);

		TAP_CHECK(rc == parse_rows[i].rc, "parse: %s -> %d (got %d)", parse_rows[i].name,
			  parse_rows[i].rc, rc);
	}
}

static void test_route_set(void)
{
	const char *resp = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.2:31001;branch=z9hG4bK1\r\n"
			   "Record-Route: <sip:as.ims.example;lr>\r\n"
			   "Record-Route: <sip:scscf.ims.example;lr>, <sip:192.0.2.1:6100;lr>\r\n"
			   "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\n"
			   "CSeq: 1 INVITE\r\nContact: <sip:callee@198.51.100.2:5060>\r\n"
			   "Content-Length: 0\r\n\r\n";
	struct ue_msg m;
	char rs[512];

	TAP_CHECK(!ue_msg_parse(resp, strlen(resp), &m) && m.n_rr == 3 &&
			  ue_msg_rr_reversed(&m, rs, sizeof(rs)) > 0 &&
			  !strcmp(rs, "<sip:192.0.2.1:6100;lr>, <sip:scscf.ims.example;lr>, "
				      "<sip:as.ims.example;lr>"),
		  "caller's route set: Record-Route reversed (%s)", rs);
	TAP_CHECK(!strcmp(m.contact, "sip:callee@198.51.100.2:5060") && !strcmp(m.to_tag, "2"),
		  "remote target and tag from the 2xx");
}

static void test_table(void)
{
	struct ue_dialogs t;
	struct ue_dialog *d[4];
	char id[32];
	bool ok = true;

	TAP_CHECK(!ue_dlg_init(&t, 3, 42), "a table of 3");
	for (int i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		d[i] = ue_dlg_new(&t, id, (uint32_t)i, i == 1);
	}
	d[3] = ue_dlg_new(&t, "c3", 3, true);
	TAP_CHECK(d[0] && d[1] && d[2] && !d[3] && t.full == 1, "the fourth refused, counted");
	for (int i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		ok &= ue_dlg_find(&t, id, (uint32_t)i, i == 1) == d[i];
		ok &= !ue_dlg_find(&t, id, (uint32_t)i, i != 1); /* caller and callee apart */
		ok &= !ue_dlg_find(&t, id, (uint32_t)i + 1, i == 1);
	}
	TAP_CHECK(ok, "found by Call-ID, UE and side only");
	ue_dlg_free(&t, d[1]);
	TAP_CHECK(!ue_dlg_find(&t, "c1", 1, true) && ue_dlg_get(&t, ue_dlg_ref(&t, d[0])) == d[0] &&
			  !ue_dlg_get(&t, ue_dlg_ref(&t, d[1])) && ue_dlg_new(&t, "c9", 9, false),
		  "freed: gone, its reference dead, its slot reused");
	ue_dlg_fini(&t);
}

int main(void)
{
	parser_init();
	if (ue_dlg_init(&ue_dialogs, 64, 1))
		return 1;
	test_parse();
	test_answers();
	test_cancel();
	test_route_set();
	test_table();
	ue_dlg_fini(&ue_dialogs);
	return tap_done();
}
