// SPDX-License-Identifier: GPL-2.0
/*
 * SIP over TCP on the unprotected port (tcp_ue.c) through the proxy harness:
 * the connection is a socketpair in the connection table, so framing,
 * answers on the connection and connection life run the daemon's code.
 * Today's behaviour; what issue 7 item 1 changes (CRLF keep-alives, 64 KiB
 * framing, per-source limits) is for the tests that come with it.
 */
#include "proxy_harness.h"
#include "tap.h"

#define UE "10.0.0.30"

static struct ph h;

static const char *reg(int cseq, const char *impi, int with_client)
{
	static char msg[4096], branch[64];
	static unsigned int n;
	struct ph_reg r = { .impi = impi, .ue = UE, .port = 40000, .transport = "TCP",
			    .cseq = cseq, .expires = 600, .sec_client = with_client ? NULL : "",
			    .branch = branch };

	/* Each REGISTER a transaction of its own (RFC 3261 17.2.3: its own branch). */
	snprintf(branch, sizeof(branch), "z9hG4bKtcp%u", ++n);

	ph_register(msg, sizeof(msg), &r);
	return msg;
}

static void test_pipelined(void)
{
	char two[8192];
	int tc;

	ph_init(&h);
	tc = ph_tcp_open(&h, UE, 40000);
	snprintf(two, sizeof(two), "%s", reg(1, "alice@ims.example", 1));
	snprintf(two + strlen(two), sizeof(two) - strlen(two), "%s", reg(1, "bob@ims.example", 1));
	ph_ue_tcp(&h, tc, two);
	TAP_CHECK(ph_count(&h, PH_CORE) == 2 &&
			  strstr(ph_get(&h, PH_CORE, 0)->text, "alice@") &&
			  strstr(ph_get(&h, PH_CORE, 1)->text, "bob@"),
		  "tcp: two REGISTERs in one read are both forwarded, in order");
	TAP_CHECK(ph_tcp_is_open(&h, tc), "tcp: the connection stays open");
	ph_fini(&h);
}

static void test_split(void)
{
	const char *m;
	size_t half;
	int tc;

	ph_init(&h);
	tc = ph_tcp_open(&h, UE, 40000);
	m = reg(1, "alice@ims.example", 1);
	half = strlen(m) / 2;
	ph_ue_tcp_n(&h, tc, m, half);
	TAP_CHECK(ph_count(&h, PH_CORE) == 0, "tcp: half a REGISTER is held");
	ph_ue_tcp(&h, tc, m + half);
	TAP_CHECK(ph_count(&h, PH_CORE) == 1, "tcp: the rest completes it and it goes on");
	ph_fini(&h);
}

static void test_answers(void)
{
	const struct ph_out *o;
	int tc;

	ph_init(&h);
	tc = ph_tcp_open(&h, UE, 40000);
	ph_ue_tcp(&h, tc, reg(1, "alice@ims.example", 0));
	o = ph_get(&h, PH_UE_TCP, 0);
	TAP_CHECK(o && ph_status(o->text) == 494 && ph_count(&h, PH_CORE) == 0,
		  "tcp: a REGISTER without Security-Client is answered 494 on the connection");
	ph_ue_tcp(&h, tc, reg(2, "alice@ims.example", 1));
	ph_core_answer(&h, "401 Unauthorized", PH_WWW_AKA);
	o = ph_get(&h, PH_UE_TCP, 0);
	TAP_CHECK(o && ph_status(o->text) == 401 && !strstr(o->text, PH_CK) &&
			  ph_count(&h, PH_UE_PLAIN) == 0,
		  "tcp: the 401 goes back on the connection, not over UDP");
	ph_fini(&h);
}

static void test_bad_framing(void)
{
	int tc;

	ph_init(&h);
	tc = ph_tcp_open(&h, UE, 40000);
	ph_ue_tcp(&h, tc, "REGISTER sip:ims.example SIP/2.0\r\nVia: SIP/2.0/TCP " UE
			  ":40000;branch=z9hG4bK1\r\nCall-ID: x\r\n\r\n");
	TAP_CHECK(!ph_tcp_is_open(&h, tc) && h.p.stats.parse_errors == 1 &&
			  ph_count(&h, PH_CORE) == 0,
		  "tcp: a message without Content-Length closes the connection, counted");
	ph_fini(&h);
}

static void test_closed_connection(void)
{
	int a, b, slot;

	ph_init(&h);
	a = ph_tcp_open(&h, UE, 40000);
	slot = h.tcp[a].conn;
	ph_ue_tcp(&h, a, reg(1, "alice@ims.example", 1));
	ph_tcp_close(&h, a);
	TAP_CHECK(h.p.tcp.conn[slot].fd < 0, "tcp: the UE's close is seen");
	b = ph_tcp_open(&h, UE, 40002);
	TAP_CHECK(h.tcp[b].conn == slot, "tcp: a new connection takes the same slot");
	ph_core_answer(&h, "401 Unauthorized", PH_WWW_AKA);
	TAP_CHECK(ph_count(&h, PH_UE_TCP) == 0 && h.p.stats.send_errors == 1,
		  "tcp: the answer for the closed connection is not written to its successor");
	ph_fini(&h);
}

static void test_idle(void)
{
	int tc;

	ph_init(&h);
	tc = ph_tcp_open(&h, UE, 40000);
	ph_ue_tcp(&h, tc, reg(1, "alice@ims.example", 1));
	ph_advance(&h, TCP_UE_IDLE_MS - 1000);
	TAP_CHECK(ph_tcp_is_open(&h, tc), "tcp: a connection used within the idle time stays");
	ph_advance(&h, 2000);
	TAP_CHECK(!ph_tcp_is_open(&h, tc), "tcp: idle for %d s: closed", TCP_UE_IDLE_MS / 1000);
	ph_fini(&h);
}

int main(void)
{
	log_level = LOG_LVL_ERR;
	test_pipelined();
	test_split();
	test_answers();
	test_bad_framing();
	test_closed_connection();
	test_idle();
	return tap_done();
}
