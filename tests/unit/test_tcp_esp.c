// SPDX-License-Identifier: GPL-2.0
/*
 * TCP inside ESP in the signalling thread (tcp_esp.c, tcp_ue.c) through the
 * proxy harness: a connection the kernel accepted on port_ps (here a
 * socketpair adopted as accept_ps() adopts it) carries SIP as the set's PS
 * SA does over UDP; the core's answer goes back on that connection, not
 * through the UDP SA; the outbound SAs are in the selector table while the
 * set lives (a segment out of the TUN finds its SA, one on other ports does
 * not); when the set dies its entries go and its connection is closed.
 */
#include <netinet/in.h>

#include "proxy_harness.h"
#include "tap.h"
#include "proxy/tcp_esp.h"

#define ALICE "alice@ims.example"
#define UE    "10.0.0.40"

static struct ph h;

/* A segment as the kernel writes it into the TUN: ours -> the UE's, the given ports. */
static size_t seg(uint8_t *b, const struct reg_sa_set *set, uint16_t sport, uint16_t dport)
{
	memset(b, 0, 40);
	b[0] = 0x45, b[3] = 40, b[8] = 64, b[9] = IPPROTO_TCP;
	memcpy(b + 12, &set->our_addr.a[12], 4);
	memcpy(b + 16, &set->ue_addr.a[12], 4);
	b[20] = sport >> 8, b[21] = (uint8_t)sport;
	b[22] = dport >> 8, b[23] = (uint8_t)dport;
	b[32] = 5 << 4, b[33] = 0x10;
	return 40;
}

/* Adopts one end of a socketpair as accept_ps() adopts the kernel's connection. */
static int tcp_open_esp(const struct reg_sa_set *set)
{
	struct ph_tcp *t = &h.tcp[0];
	int sv[2], conn;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv))
		return -1;
	conn = tcp_ue_adopt_esp(&h.p, sv[0], &set->ue_addr, set->port_uc, &set->our_addr,
				set->port_ps, reg_sa_slot(set, REG_SA_PS), set->generation,
				set->spi[REG_SA_PS], false, NULL, 0);
	if (conn < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	t->peer = sv[1];
	t->conn = conn;
	t->closed = 0;
	t->len = 0;
	return 0;
}

int main(void)
{
	const struct reg_sa_set *set;
	char why[128], msg[2048];
	const struct ph_out *o;
	uint8_t b[64];
	uint64_t no_sa;

	ph_init(&h);
	TAP_CHECK(!tcp_esp_init_table(&h.p), "selector table for 16 registrations");
	TAP_CHECK(!ph_register_ue(&h, ALICE, UE, 60, why, sizeof(why)), "alice registers (%s)",
		  why);
	set = ph_set(&h, ALICE, REG_SET_NEW);
	TAP_CHECK(set && !tcp_open_esp(set), "a TCP connection from port_uc to port_ps inside ESP");

	snprintf(msg, sizeof(msg),
		 "MESSAGE sip:bob@ims.example SIP/2.0\r\n"
		 "Via: SIP/2.0/TCP %s:%u;branch=z9hG4bKtcp1\r\n"
		 "Max-Forwards: 70\r\nFrom: <sip:%s>;tag=a1\r\nTo: <sip:bob@ims.example>\r\n"
		 "Call-ID: tcp-esp-1\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n",
		 UE, set->port_uc, ALICE);
	ph_ue_tcp(&h, 0, msg);
	o = ph_get(&h, PH_CORE, 0);
	TAP_CHECK(o && strstr(o->text, "\r\nP-Asserted-Identity: <sip:" ALICE ">\r\n") &&
			  h.p.stats.wrong_sa == 0 && h.p.stats.orig_forbidden == 0,
		  "its MESSAGE reaches the core as one through the PS SA (identity asserted)");
	ph_core_answer(&h, "200 OK", NULL);
	o = ph_get(&h, PH_UE_TCP, 0);
	TAP_CHECK(o && ph_status(o->text) == 200 && !ph_get(&h, PH_UE_PROT, 0),
		  "the core's 200 goes back on that connection, not through the UDP SA");

	no_sa = h.p.stats.tcp_esp_no_sa;
	tcp_esp_from_tun(&h.p, b, seg(b, set, set->port_ps, set->port_uc));
	TAP_CHECK(h.p.stats.tcp_esp_no_sa == no_sa, "a segment port_ps -> port_uc finds SA UC");
	tcp_esp_from_tun(&h.p, b, seg(b, set, set->port_pc, set->port_us));
	TAP_CHECK(h.p.stats.tcp_esp_no_sa == no_sa, "a segment port_pc -> port_us finds SA US");
	tcp_esp_from_tun(&h.p, b, seg(b, set, set->port_ps, set->port_us));
	TAP_CHECK(h.p.stats.tcp_esp_no_sa == no_sa + 1, "port_ps -> port_us: no SA, dropped");
	tcp_esp_from_tun(&h.p, b, seg(b, set, set->port_pc + 7, set->port_uc));
	TAP_CHECK(h.p.stats.tcp_esp_no_sa == no_sa + 2, "another port of ours: no SA, dropped");

	/* The registration expires: its sets go, and the connection with them. */
	for (int i = 0; i < 40; i++)
		ph_advance(&h, 10 * 1000);
	TAP_CHECK(!reg_find(h.p.regs, ALICE), "alice's registration expired");
	ph_advance(&h, 10);
	TAP_CHECK(!ph_tcp_is_open(&h, 0), "the set died: its TCP connection is closed");
	tcp_esp_from_tun(&h.p, b, seg(b, set, set->port_ps, set->port_uc));
	TAP_CHECK(h.p.stats.tcp_esp_no_sa == no_sa + 3, "... and its segments find no SA any more");
	tcp_esp_close(&h.p);
	ph_fini(&h);
	return tap_failed ? 1 : 0;
}
