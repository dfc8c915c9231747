// SPDX-License-Identifier: GPL-2.0
/*
 * Logs a remote peer cannot flood: a rate-limited call site prints
 * LOG_RL_BURST lines per window (fake clock) and then reports what it held
 * back; and a flood of bad SIP into proxy_from_ue (unparsable datagrams,
 * REGISTERs that draw 494) leaves a bounded number of lines on stderr.
 */
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "common/addr.h"
#include "common/log.h"
#include "proxy/proxy.h"
#include "proxy/sip_msg.h"

static uint64_t fake_ms = 5000;
static uint64_t fake_clock(void)
{
	return fake_ms;
}

static FILE *cap;
static int saved_err, saved_out;

/* stderr and stdout (where libosip2 traces) both go to one file. */
static void capture(void)
{
	fflush(stderr);
	fflush(stdout);
	cap = tmpfile();
	saved_err = dup(2);
	saved_out = dup(1);
	dup2(fileno(cap), 2);
	dup2(fileno(cap), 1);
}

/* Stops capturing; returns the lines written, and how many contain needle. */
static int captured(const char *needle, int *with)
{
	char line[2048];
	int n = 0;

	fflush(stderr);
	fflush(stdout);
	dup2(saved_err, 2);
	dup2(saved_out, 1);
	close(saved_err);
	close(saved_out);
	rewind(cap);
	*with = 0;
	while (fgets(line, sizeof(line), cap)) {
		n++;
		*with += needle && strstr(line, needle) != NULL;
	}
	fclose(cap);
	return n;
}

static void site(int i)
{
	pr_warn_rl("flood line %d", i);
}

static void rate_limit(void)
{
	uint64_t (*real)(void) = log_rl_clock;
	int n, sup;

	log_rl_clock = fake_clock;
	capture();
	for (int i = 0; i < 1000; i++)
		site(i);
	n = captured(NULL, &sup);
	TAP_CHECK(n == LOG_RL_BURST, "rl: 1000 calls in one window print %d lines (%d)", LOG_RL_BURST, n);
	fake_ms += LOG_RL_WINDOW_MS;
	capture();
	site(0);
	n = captured("990 similar messages suppressed", &sup);
	TAP_CHECK(n == 2 && sup == 1, "rl: the next window says 990 were suppressed, then prints (%d lines)", n);
	log_rl_clock = real;
}

static void proxy_flood(void)
{
	static const char reg[] = "REGISTER sip:ims.test SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bK-1\r\n"
				  "From: <sip:eve@ims.test>;tag=1\r\nTo: <sip:eve@ims.test>\r\n"
				  "Call-ID: flood@test\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";
	struct proxy *p = calloc(1, sizeof(*p));
	static struct sip_in m;
	int n, w;

	sipm_init();
	proxy_osip_quiet(); /* as proxy_init does */
	addr_parse("192.0.2.2", &m.src);
	addr_parse("192.0.2.1", &m.dst);
	m.sport = m.dport = 5060;
	m.conn = -1;
	capture();
	for (int i = 0; i < 2000; i++) {
		const char *txt = i & 1 ? reg : "\x01garbage that is not SIP\r\n\r\n";

		m.len = strlen(txt);
		memcpy(m.data, txt, m.len);
		proxy_from_ue(p, &m);
	}
	n = captured("494", &w);
	TAP_CHECK(p->stats.rejected_494 == 1000 && p->stats.parse_errors == 1000,
		  "flood: 1000 unparsable, 1000 answered 494");
	TAP_CHECK(n <= 2 * LOG_RL_BURST, "flood: 2000 bad messages, %d lines on stdout+stderr (bound %d)", n,
		  2 * LOG_RL_BURST);
	free(p);
}

int main(void)
{
	proxy_flood();
	rate_limit();
	return tap_done();
}
