// SPDX-License-Identifier: GPL-2.0
/*
 * The proxy's message handling driven from both sides on a plain buffer,
 * through tests/unit/proxy_harness.h (no sockets but socketpairs, no BPF, a
 * fake clock, seeded randomness: an input replays the same way).
 *
 * Every input starts from a fresh proxy primed with alice registered (a new
 * SA set) and bob challenged (a temporary set), so protected paths, the 401
 * and 200 handling and the timers are all reachable. The input is a list of
 * steps separated by NUL bytes; each step is one letter and its text:
 *
 *   u<s>TEXT  unprotected UDP from a UE; s picks the address (s % 3: alice's,
 *             bob's, another) and port (s / 3 % 3: 5060, 5062, 5064)
 *   p<s>TEXT  protected, through inbound SA s (mod the live ones, in table
 *             order: 0 alice's PS, 1 alice's PC, 2 bob's PS, 3 bob's PC, ...)
 *   tTEXT     bytes on a TCP connection from a UE (reopened when closed)
 *   cTEXT     a datagram from the core, as is
 *   aTEXT     the core answers the last request it got: TEXT is the status
 *             line ("401 Unauthorized") then header lines
 *   kN        the clock moves N seconds, then the timers run
 *
 * In u/p/t/c text "@SV" stands for the Security-Server of the last 401 a UE
 * got, so a Security-Verify can match; "@PATH" for the Path of alice's
 * protected REGISTER (its token names her registration), "@CID" for the
 * Call-ID of our reg-event subscription for her, "@VIA" for the top Via of
 * the last request we sent a UE through an SA: so terminating requests,
 * NOTIFYs and the UE's answers are reachable. A digit s selects by its value.
 *
 * Invariants after every step: what the proxy sends parses as SIP; a
 * REGISTER to the core carries no Security-Client or Security-Verify; the
 * model of the classifier's SA map holds exactly the inbound SAs of the live
 * sets, with their slot and generation.
 *
 * Originating requests (issue 9): nothing of the security agreement in any
 * request to the core; no P-Asserted-Identity on a REGISTER and exactly one
 * on any other request, naming an IMPU of a live registration, so whatever
 * the UE wrote there (or preferred) never reaches the core unless the
 * registration grants it; no P-Preferred-Identity at all. A protected
 * request relayed to the core is sent again at once, as a retransmission:
 * its server transaction absorbs it (nothing to the core again).
 *
 * Also (issue 7): no ck/ik parameter in anything sent to a UE, and no
 * integrity-protected other than "no" on a REGISTER that came unprotected;
 * TCP connections get a small send buffer, so a UE that does not read can
 * make a send fail inside a step (item 1). FUZZ_PROXY_STRICT=0 turns these
 * off (to look at the base invariants alone).
 * FUZZ_PROXY_LOG=1 keeps the daemon's log lines (silenced otherwise);
 * FUZZ_PROXY_TRACE=1 prints each step's outputs (to see what a seed reaches),
 * =2 in full.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/proxy_harness.h"

#define MAX_STEPS 24

static struct ph h;
static int strict, trace;
static char server[1024], path[512], cid[256], via[256];
static int tc = -1;

static const char *const ue_addr[] = { "10.0.0.10", "10.0.0.20", "10.0.0.40" };
static const uint16_t ue_port[] = { 5060, 5062, 5064 };

static void osip_quiet(const char *fi, int li, osip_trace_level_t level, const char *chfr,
		       va_list ap)
{
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	strict = !getenv("FUZZ_PROXY_STRICT") || atoi(getenv("FUZZ_PROXY_STRICT"));
	trace = getenv("FUZZ_PROXY_TRACE") ? atoi(getenv("FUZZ_PROXY_TRACE")) : 0;
	log_level = LOG_LVL_ERR;
	if (!getenv("FUZZ_PROXY_LOG")) {
		/* log.c writes to the stdio stream; sanitizer reports go to fd 2 directly. */
		FILE *null = fopen("/dev/null", "w");

		if (null)
			stderr = null;
		/* libosip2's own trace of every malformed message, on stdout (issue 7 item 9). */
		osip_trace_initialize_func(OSIP_FATAL, osip_quiet);
		for (int l = 0; l < END_TRACE_LEVEL; l++)
			osip_trace_disable_level(l);
	}
	return 0;
}

static void note_server(void)
{
	for (int i = 0; i < h.nout; i++) {
		const char *s;

		if (h.out[i].dest > PH_UE_TCP || ph_status(h.out[i].text) != 401)
			continue;
		s = ph_hdr(h.out[i].text, "Security-Server", 0);
		if (s)
			snprintf(server, sizeof(server), "%s", s);
	}
}

static void prime(void)
{
	char msg[4096], why[128];
	struct ph_reg bob = { .impi = "bob@ims.example", .ue = ue_addr[1], .cseq = 1,
			      .expires = 600 };

	if (ph_init(&h) || ph_register_ue(&h, "alice@ims.example", ue_addr[0], 600, why,
					  sizeof(why)))
		abort();
	snprintf(path, sizeof(path), "%s", ph_hdr(h.last_req, "Path", 0) ?: "");
	snprintf(cid, sizeof(cid), "%s", ph_hdr(h.last_sub, "Call-ID", 0) ?: "");
	via[0] = '\0';
	ph_register(msg, sizeof(msg), &bob);
	ph_ue_udp(&h, bob.ue, 5060, msg);
	ph_core_answer(&h, "401 Unauthorized", PH_WWW_AKA);
	note_server();
	if (!server[0])
		abort();
	/* Strict: answers can fill the connection within one step (a UE that does not read). */
	h.tcp_sndbuf = strict ? 4096 : 0;
	tc = ph_tcp_open(&h, ue_addr[2], 40000);
}

/* Inbound SAs of all live sets, in table order. */
struct rows {
	int n;
	uint32_t slot[64], generation[64], spi[64];
};

static int collect(const struct reg_sa_row *row, void *arg)
{
	struct rows *r = arg;

	if (strcmp(row->dir, "in") || r->n == 64)
		return 0;
	r->slot[r->n] = row->slot;
	r->generation[r->n] = row->generation;
	r->spi[r->n++] = row->spi;
	return 0;
}

/* TEXT with @SV, @PATH, @CID, @VIA replaced; NULL when it does not fit. */
static const char *expand(const char *in, size_t len, size_t *out_len)
{
	static char buf[PH_TEXT_MAX];
	const struct {
		const char *name, *value;
	} subst[] = { { "@SV", server }, { "@PATH", path }, { "@CID", cid }, { "@VIA", via } };
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		size_t k, nl = 0, vl = 0;

		for (k = 0; k < sizeof(subst) / sizeof(subst[0]); k++) {
			nl = strlen(subst[k].name);
			vl = strlen(subst[k].value);
			if (i + nl <= len && !memcmp(in + i, subst[k].name, nl))
				break;
		}
		if (k < sizeof(subst) / sizeof(subst[0])) {
			if (n + vl >= sizeof(buf))
				return NULL;
			memcpy(buf + n, subst[k].value, vl);
			n += vl;
			i += nl - 1;
			continue;
		}
		if (n + 1 >= sizeof(buf))
			return NULL;
		buf[n++] = in[i];
	}
	buf[n] = '\0';
	*out_len = n;
	return buf;
}

/*
 * How many parameters called `want` the Digest header value v has, -1 if
 * `only` is given and one of them has another value (quoted or not). Its own
 * small walk, quotes respected, so a realm or nonce that merely contains the
 * text is no hit.
 */
static int digest_params(const char *v, const char *want, const char *only)
{
	size_t wlen = strlen(want);
	const char *p = v, *name, *val;
	size_t nlen, vlen;
	int n = 0;

	while (*p && *p != ' ' && *p != ',') /* the scheme */
		p++;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		name = p;
		while (*p && *p != '=' && *p != ',')
			p++;
		nlen = p - name;
		while (nlen && name[nlen - 1] == ' ')
			nlen--;
		if (*p != '=') {
			continue;
		}
		p++;
		while (*p == ' ')
			p++;
		if (*p == '"') {
			val = ++p;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				p++;
			}
			vlen = p - val;
			if (*p)
				p++;
		} else {
			val = p;
			while (*p && *p != ',' && *p != ' ')
				p++;
			vlen = p - val;
		}
		if (nlen == wlen && !strncasecmp(name, want, wlen)) {
			if (only && (vlen != strlen(only) || strncmp(val, only, vlen)))
				return -1;
			n++;
		}
	}
	return n;
}

/* Some header `name` lists option tag `tag` (comma-separated, whitespace around). */
static int lists_tag(const char *text, const char *name, const char *tag)
{
	size_t tl = strlen(tag);
	const char *v;

	for (int k = 0; (v = ph_hdr(text, name, k)); k++) {
		for (const char *p = v; *p;) {
			size_t n = strcspn(p, ","), a = 0, b = n;

			while (a < b && strchr(" \t", p[a]))
				a++;
			while (b > a && strchr(" \t", p[b - 1]))
				b--;
			if (b - a == tl && !strncasecmp(p + a, tag, tl))
				return 1;
			p += n + !!p[n];
		}
	}
	return 0;
}

struct impu_find {
	const char *want; /* the asserted URI, without its <> */
	size_t len;
	int found;
};

/* Some IMPU of this registration holds the URI as "<uri>" (or is the bare uri). */
static int impu_has(const struct reg_row *row, void *arg)
{
	struct impu_find *f = arg;

	for (int i = 0; i < row->reg->n_impus && !f->found; i++) {
		const char *v = row->reg->impu[i], *at;

		for (at = v; (at = strstr(at, f->want)); at++)
			if ((at > v && at[-1] == '<' && at[f->len] == '>') ||
			    (at == v && (!at[f->len] || strchr("; \t,", at[f->len]))))
				f->found = 1;
	}
	return f->found;
}

/* Issue 9: the core hears identities only from the registration, never from the UE. */
static void check_identity(const char *text)
{
	static char want[PH_TEXT_MAX];
	int n = ph_hdr_count(text, "P-Asserted-Identity");
	int reg = !strncmp(text, "REGISTER ", 9);
	const char *v = ph_hdr(text, "P-Asserted-Identity", 0);
	struct impu_find f = { .want = want };
	size_t len;

	if (ph_hdr(text, "P-Preferred-Identity", 0) || n != !reg) {
		dprintf(2, "%d P-Asserted-Identity (or a P-Preferred-Identity) to the core:\n%s\n",
			n, text);
		abort();
	}
	if (reg)
		return;
	/*
	 * pcscfd's own reg-event SUBSCRIBE (reg_event.c) asserts pcscfd's core-side URI,
	 * which is also its From; a UE's request with that From is refused (403) before.
	 */
	if (!strncmp(text, "SUBSCRIBE ", 10) && ph_hdr(text, "From", 0) &&
	    strstr(ph_hdr(text, "From", 0), v))
		return;
	len = strlen(v);
	if (len < 3 || v[0] != '<' || v[len - 1] != '>' || len - 2 >= sizeof(want)) {
		dprintf(2, "asserted identity not a name-addr:\n%s\n", text);
		abort();
	}
	memcpy(want, v + 1, len - 2);
	want[len - 2] = '\0';
	f.len = len - 2;
	reg_foreach(h.p.regs, h.now, impu_has, &f);
	if (!f.found) {
		dprintf(2, "asserted identity %s is no registration's IMPU:\n%s\n", v, text);
		abort();
	}
}

static void check_outputs(int unprotected_in)
{
	for (int i = 0; i < h.nout; i++) {
		const struct ph_out *o = &h.out[i];
		osip_message_t *m;
		const char *v;

		if (o->dest > PH_CORE)
			continue;
		if (sipm_parse(&m, o->text, o->len)) {
			dprintf(2, "proxy sent what does not parse:\n%s\n", o->text);
			abort();
		}
		osip_message_free(m);
		if (o->dest == PH_CORE && strncmp(o->text, "SIP/2.0 ", 8) &&
		    (ph_hdr(o->text, "Security-Client", 0) || ph_hdr(o->text, "Security-Verify", 0) ||
		     lists_tag(o->text, "Require", "sec-agree") ||
		     lists_tag(o->text, "Proxy-Require", "sec-agree"))) {
			dprintf(2, "sec-agree headers went to the core:\n%s\n", o->text);
			abort();
		}
		if (o->dest == PH_CORE && strncmp(o->text, "SIP/2.0 ", 8))
			check_identity(o->text);
		if (!strict)
			continue;
		if (o->dest != PH_CORE) {
			/* Issue 7 item 3: CK/IK never reach a UE, whatever the letter case. */
			for (int k = 0; (v = ph_hdr(o->text, "WWW-Authenticate", k)); k++) {
				if (digest_params(v, "ck", NULL) || digest_params(v, "ik", NULL)) {
					dprintf(2, "ck/ik to the UE:\n%s\n", o->text);
					abort();
				}
			}
		}
		if (o->dest == PH_CORE && unprotected_in && !strncmp(o->text, "REGISTER ", 9)) {
			/* Issue 7 item 2: every Authorization says "no" when not through an SA. */
			for (int k = 0; (v = ph_hdr(o->text, "Authorization", k)); k++) {
				if (digest_params(v, "integrity-protected", "no") != 1) {
					dprintf(2, "unprotected REGISTER not marked \"no\":\n%s\n",
						o->text);
					abort();
				}
			}
		}
	}
}

/* The model map and the table agree: every live inbound SA is there, nothing else. */
static void check_map(void)
{
	struct rows r = { 0 };

	reg_sa_foreach(h.p.regs, h.now, collect, &r);
	if (r.n != h.nmap) {
		dprintf(2, "%d inbound SAs live, %d in the map\n", r.n, h.nmap);
		abort();
	}
	for (int i = 0; i < r.n; i++) {
		const struct ph_map_entry *e = ph_map_find(&h, r.spi[i]);

		if (!e || e->v.slot != r.slot[i] || e->v.generation != r.generation[i]) {
			dprintf(2, "SA 0x%08x: map entry missing or stale\n", r.spi[i]);
			abort();
		}
	}
}

/*
 * A request relayed to the core, sent again (a retransmission: same text,
 * same branch): its server transaction absorbs it (RFC 3261 17.2), nothing
 * goes to the core again; our own copies (timers A/E) are the first text.
 * REGISTER is left out: its answers move the SA state on.
 */
static void replay_same(uint32_t slot, uint32_t gen, const char *text, size_t tl)
{
	static char first[PH_TEXT_MAX], again[PH_TEXT_MAX];
	const struct ph_out *o = ph_get(&h, PH_CORE, 0);
	const struct reg_sa_set *set;
	osip_message_t *m = NULL;
	const char *b;
	bool named;

	if (!o || ph_count(&h, PH_CORE) != 1 || !strncmp(o->text, "SIP/2.0 ", 8) ||
	    !strncmp(o->text, "REGISTER ", 9))
		return;
	/*
	 * Only what names its transaction (RFC 3261 17.2.3: a branch with the
	 * magic cookie) as the SIP parser reads the UE's top Via: a Via that
	 * merely contains "branch=" as text (say in a malformed parameter) does not.
	 */
	if (sipm_parse(&m, text, tl))
		return;
	b = sipm_top_branch(m);
	named = b && !strncmp(b, "z9hG4bK", 7);
	osip_message_free(m);
	if (!named)
		return;
	memcpy(again, text, tl);
	snprintf(first, sizeof(first), "%s", o->text);
	check_outputs(0);
	set = reg_sa_by_slot(h.p.regs, slot, gen);
	if (!set)
		return;
	ph_ue_sa_n(&h, set, slot % REG_SA_COUNT, again, tl);
	o = ph_get(&h, PH_CORE, 0);
	if (o && strcmp(o->text, first)) {
		dprintf(2, "a retransmission was relayed as other text:\n%s\nagain:\n%s\n", first,
			o->text);
		abort();
	}
	/* An ACK of a 2xx has no transaction: every copy goes on (RFC 3261 17.1.1.3). */
	if (o && strict && strncmp(first, "ACK ", 4)) {
		dprintf(2, "a retransmission went to the core again (not absorbed):\n%s\n", o->text);
		abort();
	}
}

static void step(const char *s, size_t len)
{
	const struct reg_sa_set *set;
	const char *text;
	struct rows r = { 0 };
	char status[128], *nl;
	size_t tl;
	int sel, unprotected_in = 0;

	if (!len)
		return;
	/* A digit selects by its value, so seeds can be read; any byte does. */
	sel = len > 1 ? (uint8_t)s[1] : 0;
	if (sel >= '0' && sel <= '9')
		sel -= '0';
	switch (s[0]) {
	case 'u':
		text = expand(s + 2, len > 2 ? len - 2 : 0, &tl);
		if (text)
			ph_ue_udp_n(&h, ue_addr[sel % 3], ue_port[(sel / 3) % 3], text, tl);
		unprotected_in = 1;
		break;
	case 'p':
		reg_sa_foreach(h.p.regs, h.now, collect, &r);
		text = expand(s + 2, len > 2 ? len - 2 : 0, &tl);
		if (!r.n || !text)
			return;
		set = reg_sa_by_slot(h.p.regs, r.slot[sel % r.n], r.generation[sel % r.n]);
		ph_ue_sa_n(&h, set, r.slot[sel % r.n] % REG_SA_COUNT, text, tl);
		if (strict)
			replay_same(r.slot[sel % r.n], r.generation[sel % r.n], text, tl);
		break;
	case 't':
		if (tc < 0 || h.tcp[tc].closed) {
			if (tc >= 0) {
				close(h.tcp[tc].peer);
				h.tcp[tc].peer = -1;
			}
			tc = ph_tcp_open(&h, ue_addr[2], 40000);
		}
		text = expand(s + 1, len - 1, &tl);
		if (tc >= 0 && text)
			ph_ue_tcp_n(&h, tc, text, tl);
		unprotected_in = 1;
		break;
	case 'c':
		text = expand(s + 1, len - 1, &tl);
		if (text)
			ph_core_in_n(&h, text, tl);
		break;
	case 'a':
		snprintf(status, sizeof(status), "%.*s", (int)(len - 1), s + 1);
		nl = strchr(status, '\n');
		if (nl) {
			*nl = '\0';
			if (nl > status && nl[-1] == '\r')
				nl[-1] = '\0';
		}
		text = memchr(s + 1, '\n', len - 1);
		if (text)
			text++;
		{
			/* The header lines after the status, NUL-terminated for the builder. */
			static char extra[PH_TEXT_MAX];
			size_t el = text ? (size_t)(s + len - text) : 0;

			if (el >= sizeof(extra))
				return;
			memcpy(extra, text ? text : "", el);
			extra[el] = '\0';
			ph_core_answer(&h, status, extra);
		}
		break;
	case 'k':
		ph_advance(&h, strtoull(s + 1, NULL, 10) % 100000 * 1000);
		break;
	default:
		return;
	}
	for (int i = 0; trace && i < h.nout; i++) {
		static const char *const dest[] = { "ue", "ue-esp", "ue-tcp", "core", "map", "map" };

		printf("  %c -> %-6s %.*s\n", s[0], dest[h.out[i].dest],
		       trace > 1 ? (int)h.out[i].len : (int)strcspn(h.out[i].text, "\r\n"),
		       h.out[i].text);
	}
	check_outputs(unprotected_in);
	check_map();
	note_server();
	for (int i = 0; i < h.nout; i++)
		if (h.out[i].dest == PH_UE_PROT && !ph_status(h.out[i].text))
			snprintf(via, sizeof(via), "%s", ph_hdr(h.out[i].text, "Via", 0) ?: "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[65536 + 1];
	const char *s = buf, *end;
	int n = 0;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	end = buf + size;
	server[0] = '\0';
	prime();
	check_map();
	while (s < end && n++ < MAX_STEPS) {
		const char *z = memchr(s, '\0', end - s);
		size_t len = z ? (size_t)(z - s) : (size_t)(end - s);

		step(s, len);
		s += len + 1;
	}
	ph_fini(&h);
	tc = -1;
	return 0;
}
