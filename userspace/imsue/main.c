// SPDX-License-Identifier: GPL-2.0
/*
 * imsue: IMS UE emulator. Registers with a P-CSCF the way a handset does
 * (sec-agree, IMS AKA, four ESP SAs in transport mode) and runs a list of
 * commands in one process, because the UE's SAs live in the process.
 *
 *   imsue [options] COMMAND...
 *
 * See usage() for options and commands. Exit status 0 only when every UE ran
 * every command as expected.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "aka/milenage.h"
#include "common/addr.h"
#include "common/key_arena.h"
#include "esp/esp.h"
#include "imsue/ue.h"
#include "imsue/ue_answer.h"
#include "imsue/ue_call.h"
#include "imsue/ue_dialog.h"
#include "imsue/ue_dns.h"
#include "imsue/ue_net.h"
#include "imsue/ue_range.h"
#include "imsue/ue_sip.h"
#include "imsue/ue_spi.h"
#include "imsue/ue_timer.h"
#include "imsue/ue_wait.h"
#include "sip/sec_agree.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: imsue [options] COMMAND...\n"
		"subscriber:\n"
		"  --impi ID          private identity, e.g. 001010000000001@ims.example.com\n"
		"  --impu URI         public identity (default sip:IMPI)\n"
		"  --k HEX            subscriber key K (32 hex digits)\n"
		"  --opc HEX | --op HEX  operator variant (OPc, or OP to derive it)\n"
		"  --amf HEX          AMF (informational: the challenge's AMF is what MAC-A "
		"covers;\n"
		"                     default 8000)\n"
		"  --domain NAME      home network domain (Request-URI sip:NAME)\n"
		"  --realm NAME       Digest realm of the initial Authorization (default: domain)\n"
		"  --expires SEC      requested registration expiry (default 600)\n"
		"security agreement:\n"
		"  --offer ALG/EALG   offered in Security-Client, repeatable, in order\n"
		"                     (default hmac-sha-1-96/aes-cbc and hmac-sha-1-96/null)\n"
		"  --port-c N --port-s N  protected client/server port (default 31000/31001; a\n"
		"                     re-registration offers N+2; UE i of --count uses N+4i,\n"
		"                     with --ue-prefix every UE uses N)\n"
		"network:\n"
		"  --local IP         our address (this or --ue-prefix)\n"
		"  --ue-prefix P/LEN  UE i of --count at address P+1+i (e.g. 10.64.0.0/10,\n"
		"                     2001:db8:100::/64); every UE on the same ports, so\n"
		"                     --count is bounded by the prefix only. The namespace must\n"
		"                     route the prefix to itself: ip route add local P/LEN dev lo\n"
		"  --sip-port N       unprotected SIP port (default 5060; UE i of --count uses "
		"N+i,\n"
		"                     with --ue-prefix every UE uses N)\n"
		"  --pcscf IP[:PORT]  P-CSCF address (port 5060 by default)\n"
		"  --pcscf-fqdn NAME  discover the P-CSCF by DNS (NAPTR, SRV, A/AAAA; RFC 3263)\n"
		"  --timeout SEC      per final response (default 5)\n"
		"calls:\n"
		"  --call-to URI      Request-URI and To of calls/MESSAGEs (default sip:callee@DOMAIN)\n"
		"  --answer-delay MS  callee: 180 -> 200 (default 0; CANCEL needs a ringing INVITE)\n"
		"  --hold MS          caller: ACK -> BYE (default 0)\n"
		"  --export-sa-keys FILE  TEST ONLY: append every SA's ESP keys to FILE (0600)\n"
		"                     for tshark; never use outside a test\n"
		"output and load:\n"
		"  --json             one JSON object per step\n"
		"  --count N          N UEs (IMPI/IMPU get the index: user@dom -> user<i>@dom, or "
		"a\n"
		"                     %%u in the template), run concurrently; prints "
		"registrations/s\n"
		"  --rate R           load mode: start R UEs per second (default: all at once)\n"
		"  --prepare-only     with --ue-prefix: set every UE up as registered (one SA\n"
		"                     set of dummy keys), print memory per UE, send nothing\n"
		"commands (run in order):\n"
		"  register             REGISTER, 401, SAs, protected REGISTER, 200 OK\n"
		"                       (a re-registration when already registered)\n"
		"  reregister           the same through the established SAs (new SPIs/ports)\n"
		"  register-unanswered  REGISTER, 401, temporary SAs, then never answer\n"
		"  register-wrong-res   answer the 401 with a wrong RES: expect 403\n"
		"  deregister           REGISTER Expires: 0 through the SAs: expect 200 OK\n"
		"  send-options | use-new  protected OPTIONS through the newest set (first use of\n"
		"                       the new set: the old set is dropped on the answer)\n"
		"  call                 INVITE (SDP) through the SAs, 100/180/200, ACK, BYE, 200\n"
		"  call-cancel          INVITE, 180, CANCEL: 200 and 487, ACK\n"
		"  message              MESSAGE through the SAs: 200\n"
		"  calls N | messages N N of them back to back (with --count: load, prints /s)\n"
		"                       terminating MESSAGE/INVITE/BYE/CANCEL that arrive through\n"
		"                       the SAs (port_us) are answered at any time\n"
		"  wait N               wait N seconds\n"
		"  wait-file PATH       wait until PATH exists (lets a script step the UE)\n");
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
	unsigned int v;

	if (!strncmp(s, "0x", 2))
		s += 2;
	if (strlen(s) != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int die(const char *what, const char *arg)
{
	fprintf(stderr, "imsue: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
	exit(2);
}

/* Only one %u / %d style conversion, so a template cannot read the stack. */
static bool template_ok(const char *t)
{
	const char *p = strchr(t, '%');

	if (!p)
		return true;
	p++;
	while (*p >= '0' && *p <= '9')
		p++;
	return (*p == 'u' || *p == 'd') && !strchr(p, '%');
}

static void dns_trace(const char *line)
{
	printf("   %s\n", line);
}

/* A whole decimal number in 1..max, or die naming the option. */
static unsigned long parse_count(const char *opt, const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || *s == '-' || v == 0 || v > max) {
		fprintf(stderr, "imsue: %s must be a whole number in 1..%lu: %s\n", opt, max, s);
		exit(2);
	}
	return v;
}

static void parse_args(int argc, char **argv, struct ue_cfg *c, double *rate, bool *prepare)
{
	enum {
		O_IMPI = 256,
		O_IMPU,
		O_K,
		O_OPC,
		O_OP,
		O_AMF,
		O_REALM,
		O_DOMAIN,
		O_OFFER,
		O_LOCAL,
		O_SIPPORT,
		O_PORTC,
		O_PORTS,
		O_PCSCF,
		O_FQDN,
		O_EXPIRES,
		O_TIMEOUT,
		O_JSON,
		O_COUNT,
		O_RATE,
		O_PREFIX,
		O_PREPARE,
		O_CALL_TO,
		O_ANSWER_DELAY,
		O_HOLD,
		O_EXPORT_KEYS,
		O_HELP
	};
	static const struct option lo[] = {
		{"impi", required_argument, NULL, O_IMPI},
		{"impu", required_argument, NULL, O_IMPU},
		{"k", required_argument, NULL, O_K},
		{"opc", required_argument, NULL, O_OPC},
		{"op", required_argument, NULL, O_OP},
		{"amf", required_argument, NULL, O_AMF},
		{"realm", required_argument, NULL, O_REALM},
		{"domain", required_argument, NULL, O_DOMAIN},
		{"offer", required_argument, NULL, O_OFFER},
		{"local", required_argument, NULL, O_LOCAL},
		{"sip-port", required_argument, NULL, O_SIPPORT},
		{"port-c", required_argument, NULL, O_PORTC},
		{"port-s", required_argument, NULL, O_PORTS},
		{"pcscf", required_argument, NULL, O_PCSCF},
		{"pcscf-fqdn", required_argument, NULL, O_FQDN},
		{"expires", required_argument, NULL, O_EXPIRES},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"json", no_argument, NULL, O_JSON},
		{"count", required_argument, NULL, O_COUNT},
		{"rate", required_argument, NULL, O_RATE},
		{"ue-prefix", required_argument, NULL, O_PREFIX},
		{"prepare-only", no_argument, NULL, O_PREPARE},
		{"call-to", required_argument, NULL, O_CALL_TO},
		{"answer-delay", required_argument, NULL, O_ANSWER_DELAY},
		{"hold", required_argument, NULL, O_HOLD},
		{"export-sa-keys", required_argument, NULL, O_EXPORT_KEYS},
		{"help", no_argument, NULL, O_HELP},
		{NULL, 0, NULL, 0},
	};
	bool have_k = false, have_opc = false, have_op = false, have_local = false;
	bool have_pcscf = false;
	const char *fqdn = NULL;
	uint8_t op[16];
	int o;

	memset(c, 0, sizeof(*c));
	c->amf[0] = 0x80;
	c->sip_port = 5060;
	c->port_c = 31000;
	c->port_s = 31001;
	c->pcscf_port = 5060;
	c->expires = 600;
	c->timeout_ms = 5000;
	c->n_ues = 1;
	while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (o) {
		case O_IMPI:
			if (strlen(optarg) >= sizeof(c->impi) - 8 || !template_ok(optarg))
				die("bad --impi", optarg);
			strcpy(c->impi, optarg);
			break;
		case O_IMPU:
			if (strlen(optarg) >= sizeof(c->impu) - 8 || !template_ok(optarg))
				die("bad --impu", optarg);
			strcpy(c->impu, optarg);
			break;
		case O_K:
			have_k = !unhex(optarg, c->k, 16) || die("bad --k (32 hex digits)", NULL);
			break;
		case O_OPC:
			have_opc = !unhex(optarg, c->opc, 16) || die("bad --opc", NULL);
			break;
		case O_OP:
			have_op = !unhex(optarg, op, 16) || die("bad --op", NULL);
			break;
		case O_AMF:
			if (unhex(optarg, c->amf, 2))
				die("bad --amf (4 hex digits)", optarg);
			break;
		case O_REALM:
			snprintf(c->realm, sizeof(c->realm), "%s", optarg);
			break;
		case O_DOMAIN:
			snprintf(c->domain, sizeof(c->domain), "%s", optarg);
			break;
		case O_OFFER: {
			const char *slash = strchr(optarg, '/');
			struct ue_offer *of;
			enum esp_auth a;
			enum esp_enc e;

			if (c->n_offers >= UE_MAX_OFFERS || !slash ||
			    (size_t)(slash - optarg) >= SEC_TOKEN_MAX ||
			    strlen(slash + 1) >= SEC_TOKEN_MAX)
				die("bad --offer (ALG/EALG)", optarg);
			of = &c->offers[c->n_offers++];
			snprintf(of->alg, sizeof(of->alg), "%.*s", (int)(slash - optarg), optarg);
			snprintf(of->ealg, sizeof(of->ealg), "%s", slash + 1);
			if (esp_auth_from_name(of->alg, &a) || esp_enc_from_name(of->ealg, &e) ||
			    esp_alg_check(a, e))
				die("--offer: algorithms the ESP engine cannot pair", optarg);
			break;
		}
		case O_LOCAL:
			have_local = !addr_parse(optarg, &c->local) || die("bad --local", optarg);
			break;
		case O_SIPPORT:
			c->sip_port = (uint16_t)atoi(optarg);
			break;
		case O_PORTC:
			c->port_c = (uint16_t)atoi(optarg);
			break;
		case O_PORTS:
			c->port_s = (uint16_t)atoi(optarg);
			break;
		case O_PCSCF:
			if (!addr_parse(optarg, &c->pcscf))
				have_pcscf = true;
			else if (!hostport_parse(optarg, &c->pcscf, &c->pcscf_port))
				have_pcscf = true;
			else
				die("bad --pcscf (IP or IP:PORT or [V6]:PORT)", optarg);
			break;
		case O_FQDN:
			fqdn = optarg;
			break;
		case O_EXPIRES:
			c->expires = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case O_TIMEOUT:
			c->timeout_ms = (int)(atof(optarg) * 1000);
			break;
		case O_JSON:
			c->json = true;
			break;
		case O_COUNT:
			c->n_ues = (unsigned int)parse_count("--count", optarg, UE_RANGE_MAX);
			break;
		case O_PREFIX: {
			const char *why;

			if (ue_range_parse(optarg, &c->range, &why)) {
				fprintf(stderr, "imsue: bad --ue-prefix %s: %s\n", optarg, why);
				exit(2);
			}
			c->prefix = true;
			break;
		}
		case O_PREPARE:
			*prepare = true;
			break;
		case O_CALL_TO:
			if (strlen(optarg) >= sizeof(c->call_to) || strpbrk(optarg, "<>\r\n \t"))
				die("bad --call-to", optarg);
			strcpy(c->call_to, optarg);
			break;
		case O_ANSWER_DELAY:
			c->answer_delay_ms = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case O_HOLD:
			c->hold_ms = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case O_EXPORT_KEYS:
			/* tests decode captures with tshark; never for anything else */
			fprintf(stderr, "imsue: TEST ONLY: writing ESP keys to %s (--export-sa-keys)\n",
				optarg);
			c->export_keys = optarg;
			break;
		case O_RATE:
			*rate = atof(optarg);
			break;
		case O_HELP:
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (!c->impi[0] || !have_k || have_opc == have_op || have_local == c->prefix ||
	    !c->domain[0])
		die("need --impi, --k, one of --opc/--op, one of --local/--ue-prefix and --domain",
		    NULL);
	if (c->prefix) {
		char net[ADDR_STR_LEN];

		/* the family of the UEs, for the checks below */
		c->local = c->range.base;
		if (c->n_ues > c->range.size) {
			fprintf(stderr,
				"imsue: --ue-prefix %s/%u holds %u UE addresses, fewer than "
				"--count %u\n",
				addr_str(&c->range.base, net, sizeof(net)), c->range.plen,
				c->range.size, c->n_ues);
			exit(2);
		}
	}
	if (*prepare && !c->prefix)
		die("--prepare-only needs --ue-prefix", NULL);
	if (have_pcscf == !!fqdn)
		die("need exactly one of --pcscf and --pcscf-fqdn", NULL);
	if (!c->n_ues || (!c->prefix && c->n_ues > 60000) || c->timeout_ms <= 0 || !c->port_c ||
	    !c->port_s || c->port_c == c->port_s || c->expires == 0 || !c->sip_port)
		die("bad --count (above 60000: use --ue-prefix), --timeout, --port-c/--port-s, "
		    "--sip-port or --expires",
		    NULL);
	/* with --ue-prefix every UE shares the ports: N and N+2 alternate */
	if (c->prefix ? (uint32_t)c->port_c + 2 > 65535 || (uint32_t)c->port_s + 2 > 65535 ||
				c->port_c + 2 == c->port_s || c->port_s + 2 == c->port_c
		      : (uint32_t)c->port_c + 4u * c->n_ues > 65535 ||
				(uint32_t)c->port_s + 4u * c->n_ues > 65535 ||
				(uint32_t)c->sip_port + c->n_ues > 65535)
		die(c->prefix ? "--port-c/--port-s: N and N+2 must be free and distinct"
			      : "ports run past 65535 for this --count (use --ue-prefix)",
		    NULL);
	if (have_op && milenage_opc(c->k, op, c->opc))
		die("OPc computation failed", NULL);
	if (!c->n_offers) {
		c->n_offers = 2;
		strcpy(c->offers[0].alg, "hmac-sha-1-96");
		strcpy(c->offers[0].ealg, "aes-cbc");
		strcpy(c->offers[1].alg, "hmac-sha-1-96");
		strcpy(c->offers[1].ealg, "null");
	}
	for (o = optind; o < argc; o++) {
		struct ue_step *s;

		if (c->n_steps >= UE_MAX_CMDS)
			die("too many commands", NULL);
		s = &c->steps[c->n_steps];
		if (ue_cmd_parse(argv[o], &s->cmd))
			die("unknown command", argv[o]);
		if (s->cmd == UE_CMD_WAIT) {
			char *end;

			if (o + 1 >= argc)
				die("wait needs seconds", NULL);
			s->arg = (unsigned int)strtoul(argv[++o], &end, 10);
			if (*end)
				die("wait needs seconds", argv[o]);
		}
		if (s->cmd == UE_CMD_CALLS || s->cmd == UE_CMD_MESSAGES) {
			if (o + 1 >= argc)
				die("calls/messages need a count", NULL);
			s->arg = (unsigned int)parse_count(argv[o], argv[o + 1], 100000000);
			o++;
		}
		if (s->cmd == UE_CMD_WAIT_FILE) {
			if (o + 1 >= argc)
				die("wait-file needs a path", NULL);
			s->path = argv[++o];
		}
		c->n_steps++;
	}
	if (!c->n_steps && !*prepare)
		die("no command (try: register deregister)", NULL);
	if (fqdn) {
		int rc;

		if (!c->json)
			printf("== discovering the P-CSCF %s\n", fqdn);
		rc = ue_dns_resolve(fqdn, &c->pcscf, &c->pcscf_port, c->json ? NULL : dns_trace);
		if (rc)
			die("P-CSCF discovery failed", fqdn);
	}
	if (addr_is_v4(&c->pcscf) != addr_is_v4(&c->local))
		die("--local (or --ue-prefix) and the P-CSCF must be the same address family",
		    NULL);
	c->quiet = c->n_ues > 1 && !c->json;
	if (!c->call_to[0])
		snprintf(c->call_to, sizeof(c->call_to), "sip:callee@%.*s", UE_STR - 16, c->domain);
}

/* The UEs of the run and what the loop needs to reach any of them in O(1). */
struct loop {
	struct ue_cfg *cfg;
	struct ue_net *net;
	struct ue *ues;
	unsigned int n, started, done, ok, regs;
	struct ue_timers tq;
	struct ue_waits waits; /* UEs in wait-file, off the timer heap */
};

/*
 * After anything happened to @u: run its next commands while idle, count it
 * when done, else (re)arm its timer. The only per-UE work of the loop.
 */
static void kick(struct loop *l, struct ue *u, uint64_t now)
{
	uint64_t d;

	while (u->state == UE_IDLE)
		ue_next(u, now);
	if (u->state == UE_DONE) {
		if (!u->finished) {
			u->finished = true;
			l->done++;
			l->ok += !u->failed;
			l->regs += u->registrations;
		}
		return;
	}
	if (u->state == UE_SLEEP && u->wait_path && !u->parked &&
	    ue_wait_park(&l->waits, u->wait_path, u->idx, now)) {
		u->parked = true;
		u->deadline_ms = UINT64_MAX; /* the loop looks for the file, not this UE */
	}
	d = ue_next_deadline(u);
	if (d == UINT64_MAX || d == u->sched_ms)
		return;
	u->sched_ms = d;
	if (ue_timer_push(&l->tq, d, u->idx)) {
		fprintf(stderr, "imsue: out of memory for timers\n");
		exit(1);
	}
}

/* One ESP packet: the SPI names the UE (ue_spi.h), decap, hand the inner SIP over. */
static void esp_in(struct loop *l, int fd, uint64_t now)
{
	struct ue_net *net = l->net;

	for (int budget = 256; budget--;) {
		ssize_t len = ue_net_recv_esp(net, fd);
		struct esp_inner in;
		struct ue_sa_set *set;
		enum ue_sa_which w;
		struct ue *u;
		uint32_t spi, idx;
		int rc;

		if (len < 0)
			return;
		spi = esp_peek_spi(net->pkt, (size_t)len);
		if (!spi || !ue_spi_owner(l->cfg->spi_base, l->started, spi, &idx))
			continue;
		u = &l->ues[idx];
		set = ue_inbound_set(u, spi, &w);
		if (!set)
			continue;
		rc = esp_decap(set->sa[w], net->pkt, (size_t)len, &in);
		if (rc) {
			ue_say(u, "warning", "   ESP packet on spi 0x%08x dropped: %s", spi,
			       strerror(-rc));
			continue;
		}
		if (in.next_hdr != IPPROTO_UDP || in.l4_len < 8) {
			ue_say(u, "warning",
			       "   ESP spi 0x%08x: not UDP (SIP over TCP not emulated yet)", spi);
			continue;
		}
		/* calls and MESSAGEs (ue_call.c) first, then the registration's answers */
		if (!ue_call_on_sip(u, (const char *)in.l4 + 8, in.l4_len - 8, set, w, now))
			ue_on_sip(u, (const char *)in.l4 + 8, in.l4_len - 8, true, now);
		kick(l, u, now);
	}
}

static char sip_buf[65536];

/* Unprotected SIP of one UE on its own socket. */
static void udp_in(struct loop *l, struct ue *u, uint64_t now)
{
	for (int budget = 64; budget--;) {
		ssize_t r = recv(u->udp_fd, sip_buf, sizeof(sip_buf) - 1, 0);

		if (r <= 0)
			return;
		sip_buf[r] = '\0';
		ue_on_sip(u, sip_buf, (size_t)r, false, now);
		kick(l, u, now);
	}
}

/* --ue-prefix: unprotected SIP of every UE on one socket; the destination names the UE. */
static void prefix_in(struct loop *l, uint64_t now)
{
	for (int budget = 256; budget--;) {
		struct pcscf_addr dst;
		ssize_t r = ue_net_recv_udp(l->net, sip_buf, sizeof(sip_buf), &dst);
		uint32_t idx;

		if (r == -EADDRNOTAVAIL)
			continue;
		if (r < 0)
			return;
		if (ue_range_index(&l->cfg->range, &dst, &idx) || idx >= l->started)
			continue; /* not one of our UEs */
		ue_on_sip(&l->ues[idx], sip_buf, (size_t)r, false, now);
		kick(l, &l->ues[idx], now);
	}
}

static long rss_kib(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * --prepare-only: every UE in the state of a registered one, nothing sent.
 * Resident memory before and after says what a UE costs: its struct, and
 * the ESP engine's four SAs (struct, key arena block, cipher context).
 */
static int prepare_only(struct loop *l)
{
	long rss0 = rss_kib(), rss1, rss2;
	unsigned int i;
	int rc;

	for (i = 0; i < l->n; i++) {
		rc = ue_init(&l->ues[i], l->cfg, l->net, i);
		if (rc) {
			fprintf(stderr, "imsue: UE %u: %s\n", i, strerror(-rc));
			return 1;
		}
	}
	rss1 = rss_kib();
	for (i = 0; i < l->n; i++) {
		rc = ue_prepare_registered(&l->ues[i]);
		if (rc) {
			fprintf(stderr, "imsue: UE %u: SAs: %s\n", i, strerror(-rc));
			return 1;
		}
	}
	rss2 = rss_kib();
	printf("== prepared %u UEs, one SA set each: resident %.1f MiB (%.0f bytes/UE): "
	       "UE state %.0f bytes/UE (struct ue %zu bytes), SA state %.0f bytes/UE\n",
	       l->n, rss2 / 1024.0, (rss2 - rss0) * 1024.0 / l->n, (rss1 - rss0) * 1024.0 / l->n,
	       sizeof(struct ue), (rss2 - rss1) * 1024.0 / l->n);
	if (l->cfg->json)
		printf("{\"prepared\":{\"ues\":%u,\"rss_kib\":%ld,\"bytes_per_ue\":%.0f,"
		       "\"ue_state_bytes_per_ue\":%.0f,\"sa_bytes_per_ue\":%.0f,"
		       "\"struct_ue\":%zu}}\n",
		       l->n, rss2, (rss2 - rss0) * 1024.0 / l->n, (rss1 - rss0) * 1024.0 / l->n,
		       (rss2 - rss1) * 1024.0 / l->n, sizeof(struct ue));
	for (i = 0; i < l->n; i++)
		ue_fini(&l->ues[i]);
	return 0;
}

/*
 * Calls and MESSAGEs made and answered. The rate counts from the first
 * request of a call or MESSAGE to the end of the last one (registration
 * time left out), so it is the load through the P-CSCF.
 */
static void print_calls(const struct ue_cfg *c)
{
	const struct ue_call_stats *s = &ue_call_stats;
	const struct ue_answer_stats *a = &ue_answer_stats;
	double secs = s->last_ms > s->first_ms ? (double)(s->last_ms - s->first_ms) / 1000.0 : 0;
	uint64_t n = s->calls + s->cancelled + s->messages;

	if (!n && !s->failed && !a->messages && !a->invites && !s->wrong_sa)
		return;
	if (c->json) {
		printf("{\"calls\":{\"calls\":%" PRIu64 ",\"cancelled\":%" PRIu64
		       ",\"messages\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"seconds\":%.3f,"
		       "\"per_s\":%.1f,\"answered_messages\":%" PRIu64
		       ",\"answered_invites\":%" PRIu64 ",\"answered_byes\":%" PRIu64
		       ",\"answered_cancels\":%" PRIu64 ",\"wrong_sa\":%" PRIu64 "}}\n",
		       s->calls, s->cancelled, s->messages, s->failed, secs, secs > 0 ? n / secs : 0,
		       a->messages, a->invites, a->byes, a->cancels, s->wrong_sa);
		return;
	}
	printf("== made: %" PRIu64 " calls, %" PRIu64 " cancelled calls, %" PRIu64
	       " MESSAGEs, %" PRIu64 " failed, in %.3f s = %.1f calls/s, %.1f MESSAGEs/s\n",
	       s->calls, s->cancelled, s->messages, s->failed, secs,
	       secs > 0 ? s->calls / secs : 0, secs > 0 ? s->messages / secs : 0);
	printf("== answered: %" PRIu64 " MESSAGEs, %" PRIu64 " INVITEs (%" PRIu64
	       " 200 OK), %" PRIu64 " ACKs, %" PRIu64 " BYEs, %" PRIu64 " CANCELs, %" PRIu64
	       " 481; dropped on the wrong SA: %" PRIu64 "\n",
	       a->messages, a->invites, a->answered, a->acks, a->byes, a->cancels, a->rejected_481,
	       s->wrong_sa);
}

int main(int argc, char **argv)
{
	static struct ue_net net = {
		.esp4_fd = -1, .esp6_fd = -1, .raw4_fd = -1, .raw6_fd = -1, .sip_fd = -1};
	static struct ue_cfg cfg;
	struct loop l = {.cfg = &cfg, .net = &net};
	struct pollfd *pfd;
	uint64_t t0, now;
	double rate = 0, secs;
	bool prepare = false;
	unsigned int i, nbase = 0, nfd = 0;
	uint32_t rnd;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	srandom((unsigned int)time(NULL) ^ (unsigned int)getpid());
	ue_sip_init();
	parse_args(argc, argv, &cfg, &rate, &prepare);
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)random();
	cfg.spi_base = ue_spi_base(rnd, cfg.n_ues);
	l.n = cfg.n_ues;

	/*
	 * Key arena for every SA we may hold at once: three sets of four per UE
	 * (new, old, temporary) and one block in passing while an SA is made.
	 * A reservation: pages are used (and locked) only as SAs come.
	 */
	rc = key_arena_reserve((size_t)cfg.n_ues * 3 * UE_SA_COUNT + 64);
	if (rc) {
		fprintf(stderr, "imsue: key arena: %s\n", strerror(-rc));
		return 1;
	}
	/* caller and callee dialogs: two per UE at once, the pool bounded (ue_dialog.h) */
	rc = ue_dlg_init(&ue_dialogs, cfg.n_ues > 32768 ? 65600 : 2 * cfg.n_ues + 64, rnd);
	if (rc) {
		fprintf(stderr, "imsue: dialog table: %s\n", strerror(-rc));
		return 1;
	}
	l.ues = calloc(cfg.n_ues, sizeof(*l.ues));
	if (!l.ues || ue_wait_init(&l.waits, cfg.n_ues)) {
		fprintf(stderr, "imsue: out of memory for %u UEs\n", cfg.n_ues);
		return 1;
	}
	if (prepare) {
		rc = prepare_only(&l);
		free(l.ues);
		return rc;
	}

	rc = ue_net_open(&net);
	if (rc) {
		fprintf(stderr, "imsue: raw sockets: %s (needs root or CAP_NET_RAW)\n",
			strerror(-rc));
		return 1;
	}
	if (cfg.prefix) {
		rc = ue_net_open_sip(&net, addr_is_v4(&cfg.local), cfg.sip_port);
		if (rc) {
			fprintf(stderr, "imsue: SIP socket on port %u: %s\n", cfg.sip_port,
				strerror(-rc));
			return 1;
		}
	}
	/* the poll set is fixed: raw ESP, then the shared SIP socket or one per UE */
	pfd = calloc((cfg.prefix ? 0 : cfg.n_ues) + 3, sizeof(*pfd));
	if (!pfd) {
		fprintf(stderr, "imsue: out of memory\n");
		return 1;
	}
	if (net.esp4_fd >= 0)
		pfd[nfd++] = (struct pollfd){.fd = net.esp4_fd, .events = POLLIN};
	if (net.esp6_fd >= 0)
		pfd[nfd++] = (struct pollfd){.fd = net.esp6_fd, .events = POLLIN};
	if (net.sip_fd >= 0)
		pfd[nfd++] = (struct pollfd){.fd = net.sip_fd, .events = POLLIN};
	nbase = nfd;
	for (i = 0; i < cfg.n_ues; i++) {
		rc = ue_init(&l.ues[i], &cfg, &net, i);
		if (rc) {
			fprintf(stderr, "imsue: UE %u: UDP port %u: %s\n", i, cfg.sip_port + i,
				strerror(-rc));
			return 1;
		}
		if (!cfg.prefix)
			pfd[nfd++] = (struct pollfd){.fd = l.ues[i].udp_fd, .events = POLLIN};
	}

	t0 = ue_now_ms();
	while (l.done < l.n) {
		struct ue_timer_ent e;
		uint64_t next;
		int timeout;

		now = ue_now_ms();
		/* start UEs at --rate */
		while (l.started < l.n &&
		       (rate <= 0 || now >= t0 + (uint64_t)(l.started * 1000.0 / rate))) {
			struct ue *u = &l.ues[l.started++];

			u->t_start_ms = now;
			kick(&l, u, now);
		}
		/* the UEs that are due, and no other */
		while (ue_timer_pop_due(&l.tq, now, &e)) {
			struct ue *u = &l.ues[e.idx];

			if (u->sched_ms != e.t)
				continue; /* stale: the UE moved its deadline */
			u->sched_ms = UINT64_MAX;
			ue_on_timer(u, now);
			kick(&l, u, now);
		}
		for (uint32_t r; (r = ue_wait_ready(&l.waits, now));)
			while (r) {
				struct ue *u = &l.ues[r - 1];

				r = ue_wait_next_ue(&l.waits, r);
				u->parked = false;
				u->wait_path = NULL;
				u->state = UE_IDLE;
				kick(&l, u, now);
			}
		if (l.done >= l.n)
			break;

		next = ue_timer_next(&l.tq);
		if (ue_wait_deadline(&l.waits) < next)
			next = ue_wait_deadline(&l.waits);
		if (l.started < l.n && t0 + (uint64_t)(l.started * 1000.0 / rate) < next)
			next = t0 + (uint64_t)(l.started * 1000.0 / rate);
		now = ue_now_ms();
		timeout = next == UINT64_MAX ? 1000 : next <= now ? 0 : (int)(next - now);
		if (timeout > 1000)
			timeout = 1000;
		if (poll(pfd, (nfds_t)nfd, timeout) < 0 && errno != EINTR) {
			perror("imsue: poll");
			return 1;
		}
		now = ue_now_ms();
		for (unsigned int j = 0; j < nfd; j++) {
			if (!(pfd[j].revents & POLLIN))
				continue;
			if (pfd[j].fd == net.esp4_fd || pfd[j].fd == net.esp6_fd)
				esp_in(&l, pfd[j].fd, now);
			else if (pfd[j].fd == net.sip_fd)
				prefix_in(&l, now);
			else if (j - nbase < l.started)
				udp_in(&l, &l.ues[j - nbase], now);
		}
	}

	secs = (double)(ue_now_ms() - t0) / 1000.0;
	if (cfg.json)
		printf("{\"summary\":{\"ues\":%u,\"ok\":%u,\"failed\":%u,\"registrations\":%u,"
		       "\"seconds\":%.3f,\"registrations_per_s\":%.1f}}\n",
		       l.n, l.ok, l.n - l.ok, l.regs, secs, secs > 0 ? l.regs / secs : 0);
	else if (l.n > 1)
		printf("== %u UEs: %u ok, %u failed; %u registrations in %.3f s = %.1f "
		       "registrations/s\n",
		       l.n, l.ok, l.n - l.ok, l.regs, secs, secs > 0 ? l.regs / secs : 0);
	else
		printf("== %s\n", l.ok == 1 ? "all commands behaved as expected" : "FAILED");
	print_calls(&cfg);
	if (ue_retries_503) /* ue_retry.c */
		printf(cfg.json ? "{\"retries_503\":%lu}\n" : "== 503 with Retry-After: %lu retries\n",
		       ue_retries_503);
	for (i = 0; i < l.n; i++)
		ue_fini(&l.ues[i]);
	ue_dlg_fini(&ue_dialogs);
	ue_timer_free(&l.tq);
	ue_wait_fini(&l.waits);
	free(l.ues);
	free(pfd);
	ue_net_close(&net);
	return l.ok == l.n ? 0 : 1;
}
