// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <sodium.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/outbuf.h"
#include "common/sa_sizing.h"
#include "esp/esp.h"
#include "proxy/ctl_filter.h"
#include "proxy/orig.h"
#include "proxy/proxy.h"
#include "proxy/sip_msg.h"
#include "proxy/reg_event.h"
#include "proxy/tcp_esp.h"
#include "proxy/terminating.h"
#include "proxy/dlg_rx.h"
#include "proxy/reg_rx.h"
#include "proxy/txn_proxy.h"

/* A test's clock (proxy_io.now_ms): process-wide, so callers need no proxy at hand. */
static const struct proxy_io *clock_io;

uint64_t proxy_now_ms(void)
{
	struct timespec ts;

	if (clock_io)
		return clock_io->now_ms(clock_io->ctx);
	/* The clock the classifier's expiry check reads (bpf_ktime_get_*). */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * libosip2 prints an ERROR trace line to stdout for every message it cannot
 * parse: one line per bad datagram from anyone. Its tracing is switched off;
 * our own (rate-limited) lines say what was dropped.
 */
static void osip_trace_drop(const char *fi, int li, osip_trace_level_t level, const char *chfr,
			    va_list ap)
{
}

void proxy_osip_quiet(void)
{
	/* Without a sink of its own, libosip2 prints to stdout whatever the levels say. */
	osip_trace_initialize_func(TRACE_LEVEL0, osip_trace_drop);
	for (int l = 0; l < END_TRACE_LEVEL; l++)
		osip_trace_disable_level(l);
}

/* Everything but the sockets. */
static int proxy_setup(struct proxy *p, const struct proxy_config *cfg,
		       struct pcscf_bpf_handles *bpf, int nworkers)
{
	struct reg_config rc = {
		.max_regs = cfg->max_regs,
		.max_pending = cfg->max_pending,
		.port_ps = cfg->port_ps,
		.pc_lo = cfg->pc_lo,
		.pc_hi = cfg->pc_hi,
		.max_sets = reg_sets_for(cfg->max_regs),
		.node_bits = cfg->node_bits,
		.node_id = cfg->node_id,
		.pending_floor_ms = PROXY_PENDING_FLOOR_MS,
		.spi_slot_bits = PCSCF_SPI_SLOT_BITS, /* the classifier's SA array */
	};
	const char *err = NULL;
	int ret;

	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	p->bpf = bpf;
	p->core_fd = p->raw4_fd = p->raw6_fd = -1;
	for (int i = 0; i < PCSCF_MAX_ADDRS; i++)
		p->ue_fd[i] = -1;
	for (int i = 0; i < TCP_UE_CONNS; i++)
		p->tcp.conn[i].fd = -1;
	if (sodium_init() < 0 || sipm_init())
		return -EINVAL;
	proxy_osip_quiet();
	if (sec_prefs_parse(&p->prefs, cfg->alg_prefs, strlen(cfg->alg_prefs), &err) < 0) {
		pr_err("--algs '%s': %s", cfg->alg_prefs, err ? err : "invalid");
		return -EINVAL;
	}
	ret = txn_init_cap(&p->txns, cfg->max_txns ? cfg->max_txns : TXN_MAX_DEFAULT);
	if (ret) {
		pr_err("transaction table (%u slots): %s", cfg->max_txns, strerror(-ret));
		return ret;
	}
	ret = sa_slots_init(&p->slots, sa_slot_count(cfg->max_regs), nworkers);
	if (ret)
		return ret;
	/* The classifier's SA array is sized by sa_map_entries(); SPIs index it. */
	if (reg_sa_map_entries(&rc) != sa_map_entries(cfg->max_regs)) {
		pr_err("SA array: the table needs %u entries, the map is sized %u",
		       reg_sa_map_entries(&rc), sa_map_entries(cfg->max_regs));
		return -EINVAL;
	}
	ret = reg_table_init(&p->regs, &rc, &proxy_reg_ops, p);
	if (ret) {
		pr_err("registration table (%u entries): %s", cfg->max_regs, strerror(-ret));
		return ret;
	}
	charging_init(p);
	ret = admit_init(p);
	if (!ret)
		ret = term_init(p);
	if (!ret)
		ret = reg_event_init(p);
	if (!ret)
		ret = dlg_init(p); /* dlg_rx.c */
	if (!ret)
		ret = reg_rx_init(p);
	return ret;
}

int proxy_init(struct proxy *p, const struct proxy_config *cfg, struct pcscf_bpf_handles *bpf,
	       int nworkers)
{
	int ret = proxy_setup(p, cfg, bpf, nworkers);

	if (!ret)
		ret = ue_link_open(p);
	if (!ret)
		ret = tcp_ue_open(p);
	/* after ue_link_open: the TUN's MTU follows the access MTU */
	if (!ret)
		ret = tcp_esp_open(p);
	if (!ret)
		ret = core_link_open(p);
	return ret;
}

int proxy_init_io(struct proxy *p, const struct proxy_config *cfg, const struct proxy_io *io)
{
	int ret = proxy_setup(p, cfg, NULL, 0);

	p->io = *io;
	if (io->now_ms)
		clock_io = &p->io;
	return ret;
}

void proxy_fini(struct proxy *p)
{
	/* Every SA leaves the classifier map and has its keys wiped. */
	if (p->regs)
		reg_table_destroy(p->regs);
	p->regs = NULL;
	sa_slots_fini(&p->slots);
	admit_fini(p);
	reg_event_fini(p);
	term_fini(p);
	dlg_fini(p); /* after the registrations: their end may still send a BYE */
	reg_rx_fini(p); /* after the registrations too: their end sends the STR */
	txn_fini(&p->txns);
	ue_link_close(p);
	tcp_ue_close(p);
	tcp_esp_close(p);
	core_link_close(p);
	sodium_memzero(p->icid_key, sizeof(p->icid_key));
	if (clock_io == &p->io)
		clock_io = NULL;
}

int proxy_tick(struct proxy *p)
{
	uint64_t now = proxy_now_ms(), next;
	int txn_ms;

	next = reg_tick(p->regs, now);
	txn_ms = txn_tick(p, now, 1000);
	txn_ms = dlg_tick(p, now, txn_ms); /* dlg_timer.c: dialogs not up in time */
	sa_slots_reclaim(&p->slots);
	if (p->slots.nretired)
		return txn_ms < 10 ? txn_ms : 10; /* come back soon to finish wiping retired SAs */
	if (next == REG_NO_DEADLINE || next - now > 1000)
		return txn_ms;
	return next > now ? ((int)(next - now) < txn_ms ? (int)(next - now) : txn_ms) : 0;
}

void proxy_from_kernel_sip(struct proxy *p, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	static struct sip_in m;
	static char buf[PROXY_DGRAM_MAX];
	ssize_t n;

	/* Reassembled fragments only: whole datagrams are steered to AF_XDP. */
	m.ext = buf;
	for (int budget = PROXY_SOCK_BUDGET;
	     budget-- && (n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
				       (struct sockaddr *)&ss, &len)) > 0;) {
		if ((size_t)n > sizeof(buf)) {
			/* Cannot happen for UDP (64 KiB at most); never parse a cut message. */
			p->stats.truncated++;
			len = sizeof(ss);
			continue;
		}
		if (addr_from_sockaddr(&ss, &m.src, &m.sport))
			continue;
		for (int i = 0; i < p->cfg.naddrs; i++)
			if (p->ue_fd[i] == fd)
				m.dst = p->cfg.addrs[i];
		m.dport = p->cfg.sip_port;
		m.len = n;
		m.protected = 0;
		m.conn = -1;
		proxy_from_ue(p, &m);
		len = sizeof(ss);
	}
}

#define PROXY_STATS(X)                                                                             \
	X(from_ue) X(from_core) X(to_ue) X(to_core) X(parse_errors) X(rejected_494)                \
	X(unprotected_request)                \
	X(verify_mismatch) X(no_keys_401) X(bad_expires_200) X(bad_core_uri) X(busy_503) X(wrong_sa) X(unroutable) X(retransmissions)      \
	X(send_errors) X(fragmented) X(truncated) X(tcp_refused_full) X(tcp_refused_source)       \
	X(tcp_refused_rate) X(tcp_keepalives) X(ctl_dropped) X(core_foreign) X(term_requests)     \
	X(term_responses) X(term_not_found) X(term_unavailable) X(term_bad_token)                \
	X(term_bad_response) X(regev_subscribes) X(regev_notifies) X(regev_deregs) X(regev_bad)  \
	X(orig_forbidden) X(loop_482) X(hops_483) X(route_mismatch) X(pai_removed)                \
	X(tcp_esp_out) X(tcp_esp_no_sa) X(tcp_esp_bad) X(tcp_esp_accepted) X(tcp_esp_refused)     \
	X(tcp_esp_connects) X(tcp_esp_fallback) \
	X(txn_full) X(txn_no_buf) X(txn_resent) X(txn_absorbed_100) X(txn_absorbed_final)          \
	X(txn_absorbed_ack) X(txn_acks_sent) X(txn_stateless_ack) X(txn_cancels)                   \
	X(txn_cancels_sent) X(txn_481) X(txn_req_retx) X(txn_resp_retx) X(txn_timeouts)           \
	X(txn_timer_c) X(txn_no_ack) X(txn_retx_deferred)

void proxy_stats_render(const struct proxy *p, struct outbuf *o, bool json)
{
	int i = 0;

	outbuf_printf(o, json ? ",\"sip\":{" : "signalling\n");
#define R(f)                                                                                       \
	outbuf_printf(o, json ? "%s\"%s\":%llu" : "%s  %-32s %llu\n", json && i++ ? "," : "", #f,   \
		      (unsigned long long)p->stats.f);
	PROXY_STATS(R)
#undef R
	admit_stats_render(p, o, json);
	if (json)
		outbuf_printf(o,
			      ",\"registrations\":%u,\"sa_sets\":%u,\"pending\":%u,"
			      "\"pending_evicted\":%llu,\"txns_live\":%u}",
			      reg_count(p->regs), reg_set_count(p->regs), reg_pending_count(p->regs),
			      (unsigned long long)reg_pending_evictions(p->regs), p->txns.live);
	else
		outbuf_printf(o, "  %-32s %u\n  %-32s %u\n  %-32s %u\n  %-32s %llu\n  %-32s %u\n",
			      "registrations", reg_count(p->regs), "sa_sets", reg_set_count(p->regs),
			      "pending", reg_pending_count(p->regs), "pending_evicted",
			      (unsigned long long)reg_pending_evictions(p->regs), "txns_live",
			      p->txns.live);
	dlg_stats_render(p, o, json); /* dlg_rx.c */
	reg_rx_stats_render(p, o, json);
}

/*
 * "sa list" / "reg list" rows, text or JSON, a chunk at a time: each row is
 * rendered on its own and goes into the chunk only whole; the row that does
 * not fit starts the next chunk (the cursor stays on it).
 */
struct sa_list_ctx {
	struct proxy *p;
	struct outbuf o;
	bool json;
	struct ctl_cursor *cur;
	struct ctl_filter f;
	uint32_t refused; /* rows the filter refused in this chunk */
	bool end;	  /* --limit reached, or past the one --impi registration */
};

#define ROW_NEXT_CHUNK 1
#define ROW_END	       2

/* ROW_NEXT_CHUNK / ROW_END to stop the walk, 0 to render the row, -1 to skip it. */
static int row_filter(struct sa_list_ctx *c, bool match, const char *impi)
{
	if (c->f.limit && c->cur->rows >= c->f.limit) {
		c->end = true;
		return ROW_END;
	}
	if (c->f.impi[0] && strcmp(c->f.impi, impi)) {
		c->end = true; /* the walk started at that registration: it is behind us */
		return ROW_END;
	}
	if (match)
		return 0;
	if (++c->refused >= CTL_FILTER_SCAN_BUDGET)
		return ROW_NEXT_CHUNK; /* an empty chunk; the walk goes on at the next one */
	return -1;
}

#define CTL_ROW_MAX 2048

static int row_put(struct sa_list_ctx *c, struct outbuf *row)
{
	if (row->overflow)
		return 0; /* cannot happen with these sizes; a cut row is worse than none */
	if (c->o.len + row->len >= c->o.cap)
		return 1; /* next chunk */
	outbuf_put(&c->o, row->p, row->len);
	c->cur->rows++;
	return 0;
}

static int sa_row(const struct reg_sa_row *row, void *arg)
{
	struct sa_list_ctx *c = arg;
	/* By slot: outbound SPIs are the UE's and need not be unique. */
	const struct reg_sa_set *set = reg_sa_by_slot(c->p->regs, row->slot, row->generation);
	const struct esp_sa_stats *st = NULL;
	char ue[ADDR_STR_LEN], line[CTL_ROW_MAX], impi[2 * REG_IMPI_MAX * 3];
	uint64_t pk = 0, by = 0, bad = 0;
	struct outbuf o;
	int fr = row_filter(c, ctl_filter_sa(&c->f, row), row->impi);

	if (fr)
		return fr < 0 ? 0 : fr;
	if (set && set->esp[row->which])
		st = esp_sa_stats(set->esp[row->which]);
	if (st) {
		pk = st->packets;
		by = st->bytes;
		bad = st->auth_fail + st->replay + st->decrypt_err + st->selector + st->malformed;
	}
	addr_str(row->ue_addr, ue, sizeof(ue));
	outbuf_init(&o, line, sizeof(line));
	/* The IMPI came from a UE: escaped, so it cannot break the JSON around it. */
	if (c->json && reg_json_string(row->impi, impi, sizeof(impi)) < 0)
		return 0;
	if (c->json)
		outbuf_printf(&o,
		    "%s{\"impi\":%s,\"spi\":%u,\"dir\":\"%s\",\"sa\":\"%s\",\"ue\":\"%s\","
		    "\"sport\":%u,\"dport\":%u,\"state\":\"%s\",\"alg\":\"%s\",\"ealg\":\"%s\","
		    "\"expires_in\":%lld,\"packets\":%llu,\"bytes\":%llu,\"errors\":%llu}",
		    c->cur->rows ? "," : "", impi, row->spi, row->dir, reg_sa_name(row->which), ue,
		    row->src_port, row->dst_port, row->state, row->alg, row->ealg,
		    (long long)(row->expires_in_ms / 1000), (unsigned long long)pk,
		    (unsigned long long)by, (unsigned long long)bad);
	else
		outbuf_printf(&o, "0x%08x %-3s %-24s %5u -> %-5u %-9s %-13s %-8s %7lld %8llu %10llu %s\n",
		    row->spi, row->dir, ue, row->src_port, row->dst_port, row->state, row->alg,
		    row->ealg, (long long)(row->expires_in_ms / 1000), (unsigned long long)pk,
		    (unsigned long long)by, row->impi);
	return row_put(c, &o);
}

static int reg_row_text(const struct reg_row *row, void *arg)
{
	struct sa_list_ctx *c = arg;
	char ue[ADDR_STR_LEN], line[CTL_ROW_MAX];
	struct outbuf o;
	int fr = row_filter(c, ctl_filter_reg(&c->f, row->reg), row->reg->impi);

	if (fr)
		return fr < 0 ? 0 : fr;
	addr_str(&row->reg->ue_addr, ue, sizeof(ue));
	outbuf_init(&o, line, sizeof(line));
	outbuf_printf(&o, "%-32s %-24s %7lld %4u  %s  %s\n", row->reg->impi, ue,
	    (long long)(row->expires_in_ms / 1000), row->n_sets,
	    row->reg->n_impus ? row->reg->impu[0] : "-", row->reg->contact);
	return row_put(c, &o);
}

static int reg_row_js(const struct reg_row *row, void *arg)
{
	struct sa_list_ctx *c = arg;
	static char line[CTL_ROW_MAX * 16]; /* worst case: every byte of every string escaped */
	int fr = row_filter(c, ctl_filter_reg(&c->f, row->reg), row->reg->impi), n;
	struct outbuf o;

	if (fr)
		return fr < 0 ? 0 : fr;
	n = reg_row_json(row, !c->cur->rows, line, sizeof(line));
	o = (struct outbuf){ .p = line, .cap = sizeof(line), .len = n };
	if (n < 0)
		return 0; /* cannot happen with the record sizes; a cut row is worse than none */
	return row_put(c, &o);
}

int proxy_ctl(struct proxy *p, const char *cmd, struct ctl_cursor *cur, char *buf, size_t cap)
{
	struct sa_list_ctx c = { .p = p, .json = strstr(cmd, "--json"), .cur = cur };
	uint64_t now = proxy_now_ms();
	bool sa = !strncmp(cmd, "sa list", 7), reg = !strncmp(cmd, "reg list", 8);
	int rc;

	const char *why = NULL;
	const struct reg *only;

	if (!sa && !reg)
		return -ENOENT;
	outbuf_init(&c.o, buf, cap);
	if (ctl_filter_parse(cmd + (sa ? 7 : 8), sa, &c.f, &why)) {
		cur->done = true;
		outbuf_printf(&c.o, "error: %s\n", why);
		return outbuf_result(&c.o);
	}
	if (!cur->started && c.f.impi[0]) {
		/* One registration: its rows only, found by its IMPI, not by a walk. */
		only = reg_find(p->regs, c.f.impi);
		cur->pos = !only ? UINT64_MAX : sa ? reg_sa_pos_of(p->regs, only)
						   : reg_pos_of(p->regs, only);
	}
	if (!cur->started) {
		if (c.json)
			outbuf_printf(&c.o, "[");
		else if (sa)
			outbuf_printf(&c.o, "%-10s %-3s %-24s %-14s %-9s %-13s %-8s %7s %8s %10s %s\n",
			    "spi", "dir", "ue", "ports", "state", "alg", "ealg", "expires", "packets",
			    "bytes", "impi");
		else
			outbuf_printf(&c.o, "%-32s %-24s %7s %4s  %s  %s\n", "impi", "ue", "expires",
			    "sets", "impu", "contact");
		cur->started = true;
	}
	rc = sa ? reg_sa_foreach_from(p->regs, now, &cur->pos, sa_row, &c)
		: reg_foreach_from(p->regs, now, &cur->pos, c.json ? reg_row_js : reg_row_text, &c);
	/* The closing bracket waits for the next chunk if this one is full. */
	if ((!rc || c.end) && (!c.json || c.o.len + 3 < c.o.cap)) {
		if (c.json)
			outbuf_printf(&c.o, "]\n");
		cur->done = true;
	}
	return outbuf_result(&c.o);
}
