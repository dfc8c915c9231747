// SPDX-License-Identifier: GPL-2.0
/*
 * rx_driver: drives the Rx module as the proxy will (until the INVITE
 * dialogs call it), one command a line on stdin, one answer line on stdout:
 *   auth NAME OFFER [ANSWER] [ue=IP] [sub=URI] [icid=X] [remote] [nowait: -> NAME sent] -> NAME
 * allow|allow_unchecked|deny STATUS rc=N exp=N warning=... update NAME OFFER ANSWER -> same term
 * NAME                                                       -> NAME terminated sig NAME ue=IP
 * pcscf=IP [sub=URI]                               -> as auth wait-abort NAME SECONDS -> NAME
 * aborted REASON | NAME no-abort state HOST                                                      ->
 * state HOST STATE_... wait-state HOST STATE SECONDS                                   -> state
 * HOST STATE_... stats                                                           -> the JSON status
 *   bench N WINDOW OFFER ANSWER                                     -> bench N sessions S s R aar/s
 *   sleep MS | quit
 * Options: --origin-host H --origin-realm R --dest-realm R --peer HOST,IP,PORT (repeatable)
 *          --unreachable reject|allow --local IP --tw S --tc S --timeout MS
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/outbuf.h"
#include "rx/rx.h"

#define NAMES 64

static struct {
	char name[32];
	rx_handle h;
	bool done, aborted;
	int reason;
	struct rx_result r;
} ses[NAMES];

static int bench_done;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static int lookup(const char *name, bool create)
{
	for (int i = 0; i < NAMES; i++)
		if (ses[i].name[0] && !strcmp(ses[i].name, name))
			return i;
	for (int i = 0; create && i < NAMES; i++)
		if (!ses[i].name[0]) {
			snprintf(ses[i].name, sizeof(ses[i].name), "%s", name);
			return i;
		}
	return -1;
}

static void done_cb(void *arg, rx_handle h, const struct rx_result *r)
{
	int i = (int)(intptr_t)arg;

	ses[i].r = *r;
	ses[i].done = true;
}

static void bench_cb(void *arg, rx_handle h, const struct rx_result *r)
{
	if (r->verdict != RX_ALLOW)
		fprintf(stderr, "bench: verdict %d status %u\n", r->verdict, r->sip_status);
	rx_session_terminate(h);
	bench_done++;
}

static void abort_cb(void *arg, rx_handle h, enum rx_abort_reason why)
{
	for (int i = 0; i < NAMES; i++)
		if (ses[i].name[0] && ses[i].h == h) {
			ses[i].aborted = true;
			ses[i].reason = why;
		}
}

/* Runs the Rx dispatch until cond() or the deadline. */
static bool pump(bool (*cond)(int), int arg, uint64_t ms)
{
	uint64_t end = now_ms() + ms;

	while (!cond(arg)) {
		struct pollfd p = {.fd = rx_event_fd(), .events = POLLIN};
		int64_t left = (int64_t)(end - now_ms());

		if (left <= 0)
			return false;
		poll(&p, 1, left > 100 ? 100 : (int)left);
		while (rx_dispatch())
			;
	}
	return true;
}

static bool is_done(int i)
{
	return ses[i].done;
}

static bool is_aborted(int i)
{
	return ses[i].aborted;
}

static bool never(int i)
{
	return false;
}

static bool bench_reached(int n)
{
	return bench_done >= n;
}

static char *slurp(const char *path, size_t *len)
{
	static char bufs[2][RX_SDP_MAX];
	static int k;
	char *b = bufs[k++ & 1];
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	*len = fread(b, 1, RX_SDP_MAX - 1, f);
	fclose(f);
	return b;
}

static const char *arg_of(char **w, int n, const char *key)
{
	size_t kl = strlen(key);

	for (int i = 0; i < n; i++)
		if (!strncmp(w[i], key, kl) && w[i][kl] == '=')
			return w[i] + kl + 1;
	return NULL;
}

static void print_result(int i)
{
	static const char *const v[] = {"allow", "allow_unchecked", "deny"};
	const struct rx_result *r = &ses[i].r;

	printf("%s %s %u rc=%u exp=%u warning=%s\n", ses[i].name, v[r->verdict], r->sip_status,
	       r->result_code, r->exp_result, r->warning[0] ? r->warning : "-");
}

static const char *state_of(const char *host)
{
	struct peer_hdr *p = NULL;

	if (fd_peer_getbyid((DiamId_t)host, strlen(host), 1, &p) || !p)
		return "unknown";
	return STATE_STR(fd_peer_get_state(p));
}

static void cmd_auth(char **w, int n, bool update, bool sig)
{
	struct rx_media_req q = {.ue_offered = true};
	const char *ue = arg_of(w, n, "ue"), *sub = arg_of(w, n, "sub"),
		   *icid = arg_of(w, n, "icid");
	int i = lookup(w[1], !update), err;

	if (i < 0 || (!sig && n < 3)) {
		printf("%s error bad-command\n", w[1]);
		return;
	}
	ses[i].done = false;
	if (!update && !sig)
		ses[i].h = 0;
	addr_parse(ue ? ue : "10.0.0.1", &q.ue_addr);
	q.subscription = sub ? sub : "sip:alice@ims.test";
	q.icid = icid ? icid : "icid-1";
	if (sig) {
		struct rx_sig_req s = {.ue_addr = q.ue_addr,
				       .subscription = q.subscription,
				       .ue_port_pc = 31000,
				       .ue_port_ps = 31001,
				       .pcscf_port_pc = 6101,
				       .pcscf_port_ps = 6100};
		const char *pc = arg_of(w, n, "pcscf");

		addr_parse(pc ? pc : "10.0.0.254", &s.pcscf_addr);
		ses[i].h = 0;
		err = rx_signalling_subscribe(&ses[i].h, &s, done_cb, (void *)(intptr_t)i);
	} else {
		q.offer = slurp(w[2], &q.offer_len);
		if (n > 3 && !strchr(w[3], '='))
			q.answer = slurp(w[3], &q.answer_len);
		for (int k = 0; k < n; k++)
			if (!strcmp(w[k], "remote"))
				q.ue_offered = false;
		err = rx_session_authorize(&ses[i].h, &q, done_cb, (void *)(intptr_t)i);
	}
	if (err) {
		printf("%s error %s\n", w[1], strerror(-err));
		return;
	}
	for (int k = 3; k < n; k++)
		if (!strcmp(w[k], "nowait")) { /* the caller ends it before its answer */
			printf("%s sent\n", w[1]);
			return;
		}
	if (!pump(is_done, i, 10000)) {
		printf("%s timeout\n", w[1]);
		return;
	}
	print_result(i);
}

static void cmd_bench(char **w, int n)
{
	struct rx_media_req q = {
		.ue_offered = true, .subscription = "sip:bench@ims.test", .icid = "icid-bench"};
	int total = atoi(w[1]), window = atoi(w[2]), started = 0;
	uint64_t t0 = now_ms();

	addr_parse("10.0.0.1", &q.ue_addr);
	q.offer = slurp(w[3], &q.offer_len);
	q.answer = slurp(w[4], &q.answer_len);
	bench_done = 0;
	while (bench_done < total) {
		while (started < total && started - bench_done < window) {
			rx_handle h = 0;

			if (rx_session_authorize(&h, &q, bench_cb, NULL))
				break;
			started++;
		}
		pump(bench_reached, bench_done + 1, 5000);
	}
	double s = (now_ms() - t0) / 1000.0;
	printf("bench %d sessions %.3f s %.0f aar/s\n", total, s, total / s);
}

int main(int argc, char **argv)
{
	struct rx_config c;
	char line[1024];

	rx_config_defaults(&c);
	snprintf(c.origin_host, sizeof(c.origin_host), "pcscf.test");
	snprintf(c.origin_realm, sizeof(c.origin_realm), "test");
	snprintf(c.dest_realm, sizeof(c.dest_realm), "test");
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];

		if (!strcmp(o, "--origin-host"))
			snprintf(c.origin_host, sizeof(c.origin_host), "%s", v);
		else if (!strcmp(o, "--origin-realm"))
			snprintf(c.origin_realm, sizeof(c.origin_realm), "%s", v);
		else if (!strcmp(o, "--dest-realm"))
			snprintf(c.dest_realm, sizeof(c.dest_realm), "%s", v);
		else if (!strcmp(o, "--unreachable"))
			c.unreachable = strcmp(v, "allow") ? RX_UNREACH_REJECT : RX_UNREACH_ALLOW;
		else if (!strcmp(o, "--tw"))
			c.tw_s = atoi(v);
		else if (!strcmp(o, "--tc"))
			c.tc_s = atoi(v);
		else if (!strcmp(o, "--timeout"))
			c.timeout_ms = atoi(v);
		else if (!strcmp(o, "--local"))
			snprintf(c.local_addr, sizeof(c.local_addr), "%s", v);
		else if (!strcmp(o, "--max-sessions"))
			c.max_sessions = atoi(v);
		else if (!strcmp(o, "--peer") && c.npeers < RX_MAX_PEERS) {
			struct rx_peer_cfg *p = &c.peers[c.npeers++];
			char host[RX_HOST_MAX], ip[64];
			unsigned port;

			if (sscanf(v, "%127[^,],%63[^,],%u", host, ip, &port) != 3)
				return 2;
			snprintf(p->host, sizeof(p->host), "%s", host);
			snprintf(p->addr, sizeof(p->addr), "%s", ip);
			p->port = port;
		} else {
			fprintf(stderr, "rx_driver: unknown option %s\n", o);
			return 2;
		}
	}
	if (getenv("RX_DEBUG"))
		log_level = LOG_LVL_DEBUG;
	if (rx_init(&c)) {
		fprintf(stderr, "rx_driver: rx_init failed\n");
		return 1;
	}
	rx_set_abort_handler(abort_cb, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		char *w[16], *save;
		int n = 0;

		for (char *t = strtok_r(line, " \t\n", &save); t && n < 16;
		     t = strtok_r(NULL, " \t\n", &save))
			w[n++] = t;
		if (!n)
			continue;
		if (!strcmp(w[0], "quit"))
			break;
		if (!strcmp(w[0], "auth") && n >= 3)
			cmd_auth(w, n, false, false);
		else if (!strcmp(w[0], "update") && n >= 3)
			cmd_auth(w, n, true, false);
		else if (!strcmp(w[0], "sig") && n >= 2)
			cmd_auth(w, n, false, true);
		else if (!strcmp(w[0], "term") && n == 2) {
			int i = lookup(w[1], false);

			printf("%s %s\n", w[1],
			       i >= 0 && rx_session_terminate(ses[i].h) >= 0 ? "terminated"
									 : "unknown");
		} else if (!strcmp(w[0], "wait-abort") && n == 3) {
			int i = lookup(w[1], false);

			if (i >= 0 && pump(is_aborted, i, atoi(w[2]) * 1000ull))
				printf("%s aborted %d\n", w[1], ses[i].reason);
			else
				printf("%s no-abort\n", w[1]);
		} else if (!strcmp(w[0], "state") && n == 2) {
			printf("state %s %s\n", w[1], state_of(w[1]));
		} else if ((!strcmp(w[0], "wait-state") || !strcmp(w[0], "wait-not-state")) &&
			   n == 4) {
			uint64_t end = now_ms() + atoi(w[3]) * 1000ull;
			bool want = !strcmp(w[0], "wait-state");

			while (!strcmp(state_of(w[1]), w[2]) != want && now_ms() < end)
				pump(never, 0, 100);
			printf("state %s %s\n", w[1], state_of(w[1]));
		} else if (!strcmp(w[0], "stats")) {
			char buf[8192];
			struct outbuf o;

			outbuf_init(&o, buf, sizeof(buf));
			outbuf_printf(&o, "{");
			rx_status_render(&o, true);
			outbuf_printf(&o, "}");
			printf("%s\n", buf);
		} else if (!strcmp(w[0], "sleep") && n == 2) {
			pump(never, 0, atoi(w[1]));
			printf("slept\n");
		} else if (!strcmp(w[0], "bench") && n == 5) {
			cmd_bench(w, n);
		} else {
			printf("error unknown command %s\n", w[0]);
		}
	}
	rx_fini();
	return 0;
}
