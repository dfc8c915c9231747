/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The proxy's signalling state machine (from_ue, from_core, txn, tcp_ue,
 * the registration table and the SA ops) run without namespaces, sockets,
 * BPF or a real clock, through struct proxy_io (proxy.h):
 *
 *   - a fake clock (ph.now) that only ph_advance() moves;
 *   - every output captured as text: plain UDP to a UE, protected to a UE
 *     (the SIP text and the outbound SA it would go through, before ESP),
 *     to the core, over a TCP connection to a UE, and each write or delete of
 *     the classifier's SA map (kept in a small model map as well);
 *   - inputs as SIP text from a UE (UDP, a TCP connection, or protected: as a
 *     worker hands it over after ESP, through an inbound SA of a set the
 *     harness looks up in the registration table) and from the core (through
 *     a datagram socketpair standing in for the core socket, so from_core.c
 *     runs unchanged). TCP connections are stream socketpairs put into the
 *     connection table, so tcp_ue.c reads and writes them as it would a UE.
 *
 * Randomness (SPIs, branches, tags) is a seeded generator, so a run repeats.
 * Outputs of one step are cleared when the next step starts.
 * Header-only: each test and fuzz harness is one translation unit.
 */
#ifndef TESTS_PROXY_HARNESS_H
#define TESTS_PROXY_HARNESS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sodium.h>

#include "common/addr.h"
#include "common/log.h"
#include "proxy/proxy.h"
#include "proxy/sip_msg.h"
#include "proxy/tcp_ue.h"

#define PH_OUT_MAX  32
#define PH_TEXT_MAX 70000 /* a whole 64 KiB message */
#define PH_MAP_MAX  64
#define PH_TCP_MAX  8

#define PH_OUR_ADDR   "10.0.0.1"
#define PH_CORE_ADDR  "10.0.1.1"
#define PH_VIA_HOST   "10.0.1.2" /* our core-side address (core_link would learn it) */
#define PH_VIA_PORT   5060
#define PH_SIP_PORT   5060
#define PH_PORT_PS    6100 /* shared by every UE */
#define PH_PC_LO      6101
#define PH_PC_HI      6105
#define PH_AWAIT_AUTH 240
#define PH_START_MS   1000000

/* AKA keys the fake core hands out: any 32 hex digits do, the core decides 200 or 401. */
#define PH_CK "00112233445566778899aabbccddeeff"
#define PH_IK "ffeeddccbbaa99887766554433221100"

enum ph_dest { PH_UE_PLAIN, PH_UE_PROT, PH_UE_TCP, PH_CORE, PH_MAP_PUT, PH_MAP_DEL };

struct ph_out {
	enum ph_dest dest;
	struct pcscf_addr ue;	 /* PH_UE_*: to whom */
	uint16_t sport, dport;	 /* PH_UE_PLAIN: dport; PH_UE_PROT: the SA's UDP ports */
	enum reg_sa_which which; /* PH_UE_PROT */
	uint32_t spi;		 /* PH_UE_PROT: outbound SA; PH_MAP_*: key */
	struct xdp_sa v; /* PH_MAP_PUT */
	int conn;		 /* PH_UE_TCP */
	size_t len;
	char text[PH_TEXT_MAX]; /* NUL-terminated */
};

struct ph_map_entry {
	uint32_t spi;
	struct xdp_sa v;
};

struct ph_tcp {
	int peer;   /* our end of the socketpair; -1: none */
	int conn;   /* index in p.tcp.conn */
	int closed; /* the proxy closed it */
	size_t len;
	char buf[TCP_UE_MSG_MAX * 2];
};

struct ph {
	struct proxy p;
	uint64_t now;
	uint64_t rng;
	int core_peer;
	int nout, lost; /* lost: outputs beyond PH_OUT_MAX */
	struct ph_out out[PH_OUT_MAX];
	int nmap;
	struct ph_map_entry map[PH_MAP_MAX];
	struct ph_tcp tcp[PH_TCP_MAX];
	int fail_core;		    /* core sends fail with -EIO while set */
	int tcp_sndbuf; /* SO_SNDBUF of the proxy's end of new TCP connections; 0: default */
	char last_req[PH_TEXT_MAX]; /* the last request the core got, for ph_core_answer() */
	char last_sub[PH_TEXT_MAX]; /* the last reg-event SUBSCRIBE of ours, ph_core_answer_sub() */
};

/* One harness per process (the proxy's clock is process-wide). */
static struct ph *ph_cur;

/* Seeded generator behind libsodium's randombytes (installed before sodium_init). */
static inline uint32_t ph_rng_next(void)
{
	uint64_t x = ph_cur ? ph_cur->rng : 0x9e3779b97f4a7c15ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	if (ph_cur)
		ph_cur->rng = x;
	return (uint32_t)(x >> 16);
}

static inline const char *ph_rng_name(void)
{
	return "proxy_harness";
}

static inline void ph_rng_buf(void *const buf, const size_t size)
{
	for (size_t i = 0; i < size; i++)
		((uint8_t *)buf)[i] = (uint8_t)ph_rng_next();
}

static struct randombytes_implementation ph_rng_impl = {
	.implementation_name = ph_rng_name,
	.random = ph_rng_next,
	.buf = ph_rng_buf,
};

static inline uint64_t ph_clock(void *ctx)
{
	return ((struct ph *)ctx)->now;
}

static inline struct ph_out *ph_push(struct ph *h, enum ph_dest dest, const char *msg, size_t len)
{
	struct ph_out *o;

	if (h->nout == PH_OUT_MAX) {
		h->lost++;
		return NULL;
	}
	o = &h->out[h->nout++];
	memset(o, 0, offsetof(struct ph_out, text));
	o->dest = dest;
	o->conn = -1;
	if (len >= sizeof(o->text))
		len = sizeof(o->text) - 1;
	o->len = len;
	if (msg)
		memcpy(o->text, msg, len);
	o->text[len] = '\0';
	return o;
}

static inline int ph_ue_plain(struct proxy *p, const struct pcscf_addr *from,
			      const struct pcscf_addr *to, uint16_t dport, const char *msg,
			      size_t len)
{
	struct ph_out *o = ph_push(ph_cur, PH_UE_PLAIN, msg, len);

	if (o) {
		o->ue = *to;
		o->dport = dport;
	}
	return 0;
}

static inline int ph_ue_protected(struct proxy *p, const struct reg_sa_set *set,
				  enum reg_sa_which which, const char *msg, size_t len)
{
	struct ph_out *o = ph_push(ph_cur, PH_UE_PROT, msg, len);

	if (o) {
		o->ue = set->ue_addr;
		o->which = which;
		o->spi = set->spi[which];
		o->sport = which == REG_SA_UC ? set->port_ps : set->port_pc;
		o->dport = which == REG_SA_UC ? set->port_uc : set->port_us;
	}
	return 0;
}

static inline int ph_core(struct proxy *p, const char *msg, size_t len)
{
	if (ph_cur->fail_core)
		return -EIO;
	char *last = ph_cur->last_req;

	ph_push(ph_cur, PH_CORE, msg, len);
	/* Our reg-event SUBSCRIBEs apart: ph_core_answer() answers what the UE sent. */
	if (len > 10 && !strncmp(msg, "SUBSCRIBE ", 10) && memmem(msg, len, "z9hG4bK-rs", 10))
		last = ph_cur->last_sub;
	if (len < sizeof(ph_cur->last_req)) {
		memcpy(last, msg, len);
		last[len] = '\0';
	}
	return 0;
}

static inline struct ph_map_entry *ph_map_find(struct ph *h, uint32_t spi)
{
	for (int i = 0; i < h->nmap; i++)
		if (h->map[i].spi == spi)
			return &h->map[i];
	return NULL;
}

static inline int ph_sa_put(struct proxy *p, uint32_t spi, const struct pcscf_addr *our_addr,
			    const struct xdp_sa *v)
{
	struct ph_map_entry *e = ph_map_find(ph_cur, spi);
	struct ph_out *o = ph_push(ph_cur, PH_MAP_PUT, NULL, 0);

	if (o) {
		o->spi = spi;
		o->v = *v;
		o->len = snprintf(o->text, sizeof(o->text), "put 0x%08x slot %u gen %u state %s",
				  spi, v->slot, v->generation, reg_state_name(v->state));
	}
	if (!e) {
		if (ph_cur->nmap == PH_MAP_MAX)
			return -ENOSPC;
		e = &ph_cur->map[ph_cur->nmap++];
	}
	e->spi = spi;
	e->v = *v;
	return 0;
}

static inline int ph_sa_del(struct proxy *p, uint32_t spi)
{
	struct ph_map_entry *e = ph_map_find(ph_cur, spi);
	struct ph_out *o = ph_push(ph_cur, PH_MAP_DEL, NULL, 0);

	if (o) {
		o->spi = spi;
		o->len = snprintf(o->text, sizeof(o->text), "del 0x%08x", spi);
	}
	if (!e)
		return -ENOENT;
	*e = ph_cur->map[--ph_cur->nmap];
	return 0;
}

static inline void ph_clear(struct ph *h)
{
	h->nout = 0;
	h->lost = 0;
}

/* What the proxy wrote on TCP connections since the last look, one output per message. */
static inline void ph_tcp_drain(struct ph *h)
{
	for (int i = 0; i < PH_TCP_MAX; i++) {
		struct ph_tcp *t = &h->tcp[i];
		ssize_t r;
		int n;

		if (t->peer < 0 || t->closed)
			continue;
		while ((r = read(t->peer, t->buf + t->len, sizeof(t->buf) - t->len)) > 0)
			t->len += r;
		if (r == 0)
			t->closed = 1;
		while ((n = sip_tcp_frame(t->buf, t->len)) > 0) {
			struct ph_out *o = ph_push(h, PH_UE_TCP, t->buf, n);

			if (o) {
				o->conn = t->conn;
				o->ue = h->p.tcp.conn[t->conn].peer;
			}
			memmove(t->buf, t->buf + n, t->len - n);
			t->len -= n;
		}
		if (n < 0)
			t->len = 0; /* not SIP: what we sent was garbage, the test sees nothing */
	}
}

/* Set before ph_init to change the proxy's config (limits, admission) for one harness. */
static void (*ph_tune)(struct proxy_config *cfg);

static inline int ph_init(struct ph *h)
{
	static int rng_set;
	struct proxy_config cfg = {
		.naddrs = 1,
		.core_port = 5060,
		.sip_port = PH_SIP_PORT,
		.port_ps = PH_PORT_PS,
		.pc_lo = PH_PC_LO,
		.pc_hi = PH_PC_HI,
		.reg_await_auth_s = PH_AWAIT_AUTH,
		.max_regs = 16,
		.alg_prefs = "hmac-sha-1-96/aes-cbc,hmac-sha-1-96/null,hmac-md5-96/aes-cbc,"
			     "hmac-md5-96/null",
	};
	struct proxy_io io = {
		.ctx = h,
		.now_ms = ph_clock,
		.ue_plain = ph_ue_plain,
		.ue_protected = ph_ue_protected,
		.core = ph_core,
		.sa_put = ph_sa_put,
		.sa_del = ph_sa_del,
	};
	int sv[2], err;

	if (!rng_set) {
		/* sodium_init draws (its canary) once per process: before the seed is set. */
		randombytes_set_implementation(&ph_rng_impl);
		if (sodium_init() < 0)
			return -EINVAL;
		rng_set = 1;
	}
	addr_parse(PH_OUR_ADDR, &cfg.addrs[0]);
	addr_parse(PH_CORE_ADDR, &cfg.core_addr);
	if (ph_tune)
		ph_tune(&cfg);
	ph_cur = h;
	h->now = PH_START_MS;
	h->rng = 0x243f6a8885a308d3ull;
	h->nout = h->lost = h->nmap = h->fail_core = h->tcp_sndbuf = 0;
	h->last_req[0] = h->last_sub[0] = '\0';
	for (int i = 0; i < PH_TCP_MAX; i++)
		h->tcp[i].peer = -1;
	err = proxy_init_io(&h->p, &cfg, &io);
	if (err)
		return err;
	snprintf(h->p.core_via_host, sizeof(h->p.core_via_host), "%s", PH_VIA_HOST);
	h->p.core_via_port = PH_VIA_PORT;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv))
		return -errno;
	h->p.core_fd = sv[0]; /* closed by proxy_fini */
	h->core_peer = sv[1];
	return 0;
}

static inline void ph_fini(struct ph *h)
{
	proxy_fini(&h->p); /* closes core_fd and the connections' ends */
	close(h->core_peer);
	for (int i = 0; i < PH_TCP_MAX; i++) {
		if (h->tcp[i].peer >= 0)
			close(h->tcp[i].peer);
		h->tcp[i].peer = -1;
	}
	ph_cur = NULL;
}

/* A sip_in from text; src "ADDR:PORT" of the UE. */
static inline int ph_sip_in(struct ph *h, struct sip_in *m, const char *ue, uint16_t sport,
			    const char *text, size_t len)
{
	memset(m, 0, offsetof(struct sip_in, data));
	if (len > sizeof(m->data) || addr_parse(ue, &m->src))
		return -EINVAL;
	m->dst = h->p.cfg.addrs[0];
	m->sport = sport;
	m->dport = h->p.cfg.sip_port;
	m->len = len;
	m->conn = -1;
	memcpy(m->data, text, len);
	return 0;
}

/* Unprotected UDP from ue:sport to our SIP port. */
static inline int ph_ue_udp_n(struct ph *h, const char *ue, uint16_t sport, const char *text,
			      size_t len)
{
	static struct sip_in m;
	int err = ph_sip_in(h, &m, ue, sport, text, len);

	ph_clear(h);
	if (!err)
		proxy_from_ue(&h->p, &m);
	ph_tcp_drain(h);
	return err;
}

static inline int ph_ue_udp(struct ph *h, const char *ue, uint16_t sport, const char *text)
{
	return ph_ue_udp_n(h, ue, sport, text, strlen(text));
}

/*
 * As a worker hands over what came through inbound SA `which` (REG_SA_PS or
 * REG_SA_PC) of a set: from the set's UE address and port to our protected
 * port, with the set's slot and generation. text is used in place when it is
 * larger than a ring slot, as the worker's big area is.
 */
static inline int ph_ue_sa_n(struct ph *h, const struct reg_sa_set *set, enum reg_sa_which which,
			     const char *text, size_t len)
{
	static struct sip_in m;

	ph_clear(h);
	memset(&m, 0, offsetof(struct sip_in, data));
	if (!set)
		return -EINVAL;
	m.src = set->ue_addr;
	m.dst = set->our_addr;
	m.sport = reg_sa_ue_port(set, which);
	m.dport = which == REG_SA_PS ? set->port_ps : set->port_pc;
	m.len = len;
	m.protected = 1;
	m.spi = set->spi[which];
	m.slot = reg_sa_slot(set, which);
	m.generation = set->generation;
	m.conn = -1;
	/* Larger than a ring slot: as a worker hands over a reassembled message (big area). */
	if (len > sizeof(m.data))
		m.ext = text;
	else
		memcpy(m.data, text, len);
	proxy_from_ue(&h->p, &m);
	ph_tcp_drain(h);
	return 0;
}

/* The set of impi in state (REG_SET_TEMPORARY/NEW/OLD), or NULL. */
static inline const struct reg_sa_set *ph_set(struct ph *h, const char *impi,
					      enum reg_set_state state)
{
	const struct reg *r = reg_find(h->p.regs, impi);

	return r ? reg_set_of(h->p.regs, r, state) : NULL;
}

/* Protected, UE client -> P server (REG_SA_PS) of impi's set in state. */
static inline int ph_ue_prot(struct ph *h, const char *impi, enum reg_set_state state,
			     const char *text)
{
	const struct reg_sa_set *set = ph_set(h, impi, state);

	if (!set) {
		ph_clear(h);
		return -ENOENT;
	}
	return ph_ue_sa_n(h, set, REG_SA_PS, text, strlen(text));
}

/* A TCP connection from ue:sport to our SIP port; returns the harness's handle (0..). */
static inline int ph_tcp_open(struct ph *h, const char *ue, uint16_t sport)
{
	struct tcp_conn *c = NULL;
	struct ph_tcp *t = NULL;
	int sv[2], ci = -1;

	for (int i = 0; i < PH_TCP_MAX && !t; i++)
		if (h->tcp[i].peer < 0)
			t = &h->tcp[i];
	for (int i = 0; i < TCP_UE_CONNS && !c; i++)
		if (h->p.tcp.conn[i].fd < 0)
			c = &h->p.tcp.conn[ci = i];
	if (!t || !c)
		return -ENOSPC;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv))
		return -errno;
	if (h->tcp_sndbuf)
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &h->tcp_sndbuf, sizeof(h->tcp_sndbuf));
	{
		struct pcscf_addr peer;
		int err;

		addr_parse(ue, &peer);
		/* The way accept_one() takes a connection: same limits, same state. */
		err = tcp_ue_adopt(&h->p, sv[0], &peer, sport, &h->p.cfg.addrs[0]);
		if (err) {
			close(sv[0]);
			close(sv[1]);
			return err;
		}
	}
	t->peer = sv[1];
	t->conn = ci;
	t->closed = 0;
	t->len = 0;
	return t - h->tcp;
}

/* Bytes from the UE on TCP connection handle tc, then the proxy's read. */
static inline int ph_ue_tcp_n(struct ph *h, int tc, const char *data, size_t len)
{
	struct ph_tcp *t = &h->tcp[tc];
	int fd = h->p.tcp.conn[t->conn].fd;

	ph_clear(h);
	if (t->peer < 0 || t->closed || fd < 0)
		return -ENOTCONN;
	if (write(t->peer, data, len) != (ssize_t)len)
		return -EIO;
	tcp_ue_handle(&h->p, fd);
	ph_tcp_drain(h);
	return 0;
}

/* The UE closes connection handle tc; the proxy reads the end of the stream. */
static inline void ph_tcp_close(struct ph *h, int tc)
{
	struct ph_tcp *t = &h->tcp[tc];
	int fd = h->p.tcp.conn[t->conn].fd;

	ph_clear(h);
	if (t->peer >= 0)
		close(t->peer);
	t->peer = -1;
	if (fd >= 0)
		tcp_ue_handle(&h->p, fd);
}

/* The proxy still holds connection handle tc open. */
static inline int ph_tcp_is_open(const struct ph *h, int tc)
{
	const struct ph_tcp *t = &h->tcp[tc];

	return t->peer >= 0 && !t->closed && h->p.tcp.conn[t->conn].fd >= 0;
}

static inline int ph_ue_tcp(struct ph *h, int tc, const char *text)
{
	return ph_ue_tcp_n(h, tc, text, strlen(text));
}

/* A datagram from the core. */
static inline int ph_core_in_n(struct ph *h, const char *text, size_t len)
{
	ph_clear(h);
	if (send(h->core_peer, text, len, 0) != (ssize_t)len)
		return -EIO;
	proxy_from_core(&h->p);
	ph_tcp_drain(h);
	return 0;
}

static inline int ph_core_in(struct ph *h, const char *text)
{
	return ph_core_in_n(h, text, strlen(text));
}

/* Moves the clock and runs the timers, as the daemon's loop does after poll(). */
static inline int ph_advance(struct ph *h, uint64_t ms)
{
	static struct pollfd pfd[PCSCF_MAX_ADDRS + TCP_UE_CONNS];

	ph_clear(h);
	h->now += ms;
	proxy_tick(&h->p);
	/* Building the poll set is where idle connections are closed (the daemon's loop). */
	tcp_ue_pollfds(&h->p, pfd, sizeof(pfd) / sizeof(pfd[0]));
	ph_tcp_drain(h);
	return 0;
}

/* Looking at outputs. */
static inline int ph_count(const struct ph *h, enum ph_dest dest)
{
	int n = 0;

	for (int i = 0; i < h->nout; i++)
		n += h->out[i].dest == dest;
	return n;
}

/* The pos-th output to dest, or NULL. */
static inline const struct ph_out *ph_get(const struct ph *h, enum ph_dest dest, int pos)
{
	for (int i = 0; i < h->nout; i++)
		if (h->out[i].dest == dest && !pos--)
			return &h->out[i];
	return NULL;
}

/* The one message to a UE whichever way it went, or NULL. */
static inline const struct ph_out *ph_to_ue(const struct ph *h)
{
	for (int i = 0; i < h->nout; i++)
		if (h->out[i].dest <= PH_UE_TCP)
			return &h->out[i];
	return NULL;
}

/* Header value (pos-th occurrence) of a message text, NULL when absent. Four rotating buffers. */
static inline const char *ph_hdr(const char *text, const char *name, int pos)
{
	static char buf[4][4096];
	static int k;
	char *b = buf[k++ & 3];

	if (!text)
		return NULL;
	return sipm_raw_header(text, strlen(text), name, pos, b, sizeof(buf[0])) < 0 ? NULL : b;
}

static inline int ph_hdr_count(const char *text, const char *name)
{
	int n = 0;

	while (ph_hdr(text, name, n))
		n++;
	return n;
}

/*
 * A header check on a message text: "Name" some Name header is there,
 * "Name~text" some Name header contains text, "Name=text" the first Name
 * header is exactly text.
 */
static inline int ph_has(const char *text, const char *spec)
{
	const char *op = strpbrk(spec, "~="), *v;
	char name[64];

	snprintf(name, sizeof(name), "%.*s", op ? (int)(op - spec) : (int)strlen(spec), spec);
	if (op && *op == '=')
		return (v = ph_hdr(text, name, 0)) && !strcmp(v, op + 1);
	for (int i = 0; (v = ph_hdr(text, name, i)); i++)
		if (!op || strstr(v, op + 1))
			return 1;
	return 0;
}

/* "SIP/2.0 401 ..." -> 401; a request -> 0. */
static inline int ph_status(const char *text)
{
	return text && !strncmp(text, "SIP/2.0 ", 8) ? atoi(text + 8) : 0;
}

/*
 * Value of param `name` in a header value ("name=v" after ';', ',' or a
 * space; quotes dropped), in a rotating buffer; NULL when absent.
 */
static inline const char *ph_param(const char *value, const char *name)
{
	static char buf[4][256];
	static int k;
	size_t nlen = strlen(name);
	char *b = buf[k++ & 3];

	for (const char *s = value; s && (s = strcasestr(s, name)); s += nlen) {
		size_t n = 0;

		if ((s != value && !strchr(";, \t", s[-1])) || s[nlen] != '=')
			continue;
		s += nlen + 1;
		if (*s == '"')
			s++;
		while (s[n] && !strchr(";,\"\r\n", s[n]) && n < sizeof(buf[0]) - 1)
			n++;
		memcpy(b, s, n);
		b[n] = '\0';
		return b;
	}
	return NULL;
}

/*
 * A response from the core to request req (text the proxy sent to the
 * core): its Vias, From, To (with a tag), Call-ID and CSeq, then `extra`
 * (header lines, each ending in CRLF). status: "401 Unauthorized".
 */
static inline int ph_core_response(char *out, size_t cap, const char *req, const char *status,
				   const char *extra)
{
	char to[1024], from[1024], cid[256], cseq[64];
	const char *v;
	size_t n = snprintf(out, cap, "SIP/2.0 %s\r\n", status);

	for (int i = 0; (v = ph_hdr(req, "Via", i)) && n < cap; i++)
		n += snprintf(out + n, cap - n, "Via: %s\r\n", v);
	snprintf(to, sizeof(to), "%s", ph_hdr(req, "To", 0) ?: "");
	snprintf(from, sizeof(from), "%s", ph_hdr(req, "From", 0) ?: "");
	snprintf(cid, sizeof(cid), "%s", ph_hdr(req, "Call-ID", 0) ?: "");
	snprintf(cseq, sizeof(cseq), "%s", ph_hdr(req, "CSeq", 0) ?: "");
	if (n < cap)
		n += snprintf(out + n, cap - n,
			      "From: %s\r\nTo: %s%s\r\nCall-ID: %s\r\nCSeq: %s\r\n%s"
			      "Content-Length: 0\r\n\r\n",
			      from, to, strstr(to, "tag=") ? "" : ";tag=core1", cid, cseq,
			      extra ? extra : "");
	return n < cap ? (int)n : -ENOSPC;
}

/* The core answers the last request it got (retransmitted answers included). */
static inline int ph_core_answer(struct ph *h, const char *status, const char *extra)
{
	static char resp[PH_TEXT_MAX];
	int n = h->last_req[0] ? ph_core_response(resp, sizeof(resp), h->last_req, status, extra)
			       : -ENOENT;

	if (n < 0) {
		ph_clear(h);
		return n;
	}
	return ph_core_in_n(h, resp, n);
}

/* The core answers our last reg-event SUBSCRIBE. */
static inline int ph_core_answer_sub(struct ph *h, const char *status, const char *extra)
{
	static char resp[PH_TEXT_MAX];
	int n = h->last_sub[0] ? ph_core_response(resp, sizeof(resp), h->last_sub, status, extra)
			       : -ENOENT;

	if (n < 0) {
		ph_clear(h);
		return n;
	}
	return ph_core_in_n(h, resp, n);
}

/* The AKA challenge, with the keys the P-CSCF must take out. */
#define PH_WWW_AKA                                                                                 \
	"WWW-Authenticate: Digest realm=\"ims.example\", "                                         \
	"nonce=\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\", algorithm=AKAv1-MD5, "            \
	"qop=\"auth\", ck=\"" PH_CK "\", ik=\"" PH_IK "\"\r\n"

/* A UE's REGISTER; NULL members are left out (sec_client "" too). */
struct ph_reg {
	const char *impi;      /* alice@ims.example */
	const char *ue;	       /* the UE's address, for Via/Contact */
	uint16_t port;	       /* Via port */
	uint16_t port_s;       /* Contact port (the UE's protected server port) */
	const char *transport; /* "UDP" (default) or "TCP" */
	const char *branch;    /* Via branch (default from cseq) */
	const char *call_id;
	int cseq;
	int expires;		/* -1: no Expires header */
	const char *auth;	/* whole Authorization value; NULL: an empty AKA one */
	const char *sec_client; /* NULL: ph_sec_client(); "": none */
	const char *sec_verify;
	const char *extra; /* more header lines, CRLF-terminated */
};

#define PH_SEC_CLIENT                                                                              \
	"ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;spi-c=1111;spi-s=2222;port-c=5062;port-s=5064"

static inline int ph_register(char *out, size_t cap, const struct ph_reg *r)
{
	const char *impi = r->impi ? r->impi : "alice@ims.example";
	const char *dom = strchr(impi, '@') ? strchr(impi, '@') + 1 : impi;
	const char *ue = r->ue ? r->ue : "10.0.0.10";
	const char *sc = r->sec_client ? r->sec_client : PH_SEC_CLIENT;
	char auth[1024], branch[64], exp[32] = "";
	size_t n;

	if (r->auth)
		snprintf(auth, sizeof(auth), "%s", r->auth);
	else
		snprintf(auth, sizeof(auth),
			 "Digest username=\"%s\", realm=\"%s\", nonce=\"\", uri=\"sip:%s\", "
			 "response=\"\"",
			 impi, dom, dom);
	if (r->branch)
		snprintf(branch, sizeof(branch), "%s", r->branch);
	else
		snprintf(branch, sizeof(branch), "z9hG4bKue%d", r->cseq);
	if (r->expires >= 0)
		snprintf(exp, sizeof(exp), "Expires: %d\r\n", r->expires);
	n = snprintf(out, cap,
		     "REGISTER sip:%s SIP/2.0\r\n"
		     "Via: SIP/2.0/%s %s:%u;branch=%s\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: <sip:%s>;tag=uetag\r\n"
		     "To: <sip:%s>\r\n"
		     "Call-ID: %s\r\n"
		     "CSeq: %d REGISTER\r\n"
		     "Contact: <sip:%s:%u>\r\n"
		     "%s"
		     "Supported: path\r\n"
		     "Authorization: %s\r\n"
		     "%s%s%s"
		     "%s%s%s"
		     "Require: sec-agree\r\nProxy-Require: sec-agree\r\n"
		     "%s"
		     "Content-Length: 0\r\n\r\n",
		     dom, r->transport ? r->transport : "UDP", ue, r->port ? r->port : 5060, branch,
		     impi, impi, r->call_id ? r->call_id : "cid-1", r->cseq, ue,
		     r->port_s ? r->port_s : 5064, exp, auth, sc[0] ? "Security-Client: " : "", sc,
		     sc[0] ? "\r\n" : "", r->sec_verify ? "Security-Verify: " : "",
		     r->sec_verify ? r->sec_verify : "", r->sec_verify ? "\r\n" : "",
		     r->extra ? r->extra : "");
	return n < cap ? (int)n : -ENOSPC;
}

/* An authenticated Authorization (the response need not be right: the fake core decides). */
static inline void ph_auth(char *out, size_t cap, const char *impi, const char *extra)
{
	const char *dom = strchr(impi, '@') ? strchr(impi, '@') + 1 : impi;

	snprintf(out, cap,
		 "Digest username=\"%s\", realm=\"%s\", "
		 "nonce=\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\", uri=\"sip:%s\", "
		 "response=\"0123456789abcdef0123456789abcdef\", algorithm=AKAv1-MD5, qop=auth, "
		 "nc=00000001, cnonce=\"abcdef\"%s",
		 impi, dom, dom, extra ? extra : "");
}

/*
 * The whole IMS AKA registration of impi from ue (UDP): REGISTER, 401 with
 * keys, protected REGISTER through the temporary set, 200 with `expires`.
 * 0 when the UE got its 200 through the new set; -EPROTO and a note in why.
 */
static inline int ph_register_ue_ok(struct ph *h, const char *impi, const char *ue, int expires,
				    const char *ok_hdrs, char *why, size_t wcap)
{
	char msg[4096], auth[1024], server[1024], ok[512], branch[64];
	const struct ph_out *o;
	const char *ss;
	static unsigned int nreg;
	struct ph_reg r = {.impi = impi, .ue = ue, .cseq = 1, .expires = expires, .branch = branch};

	/* Every registration's REGISTERs are new transactions (RFC 3261 17.2.3: own branches). */
	snprintf(branch, sizeof(branch), "z9hG4bKreg%u-1", ++nreg);

	snprintf(why, wcap, "ok");
	if (ph_register(msg, sizeof(msg), &r) < 0 || ph_ue_udp(h, ue, 5060, msg) ||
	    !ph_get(h, PH_CORE, 0)) {
		snprintf(why, wcap, "initial REGISTER not forwarded");
		return -EPROTO;
	}
	ph_core_answer(h, "401 Unauthorized", PH_WWW_AKA);
	o = ph_get(h, PH_UE_PLAIN, 0);
	ss = ph_status(o ? o->text : NULL) == 401 ? ph_hdr(o->text, "Security-Server", 0) : NULL;
	if (!ss) {
		snprintf(why, wcap, "no 401 with Security-Server to the UE");
		return -EPROTO;
	}
	snprintf(server, sizeof(server), "%s", ss);
	ph_auth(auth, sizeof(auth), impi, NULL);
	snprintf(branch, sizeof(branch), "z9hG4bKreg%u-2", nreg);
	r.cseq = 2;
	r.port = 5062;
	r.auth = auth;
	r.sec_verify = server;
	ph_register(msg, sizeof(msg), &r);
	if (ph_ue_prot(h, impi, REG_SET_TEMPORARY, msg) || !ph_get(h, PH_CORE, 0)) {
		snprintf(why, wcap, "protected REGISTER not forwarded");
		return -EPROTO;
	}
	if (ok_hdrs)
		snprintf(ok, sizeof(ok), "Contact: <sip:%s:5064>;expires=%d\r\n%s", ue, expires,
			 ok_hdrs);
	else
		snprintf(ok, sizeof(ok),
			 "Contact: <sip:%s:5064>;expires=%d\r\n"
			 "P-Associated-URI: <sip:%s>\r\n"
			 "Service-Route: <sip:orig@scscf.ims.example;lr>\r\n",
			 ue, expires, impi);
	ph_core_answer(h, "200 OK", ok);
	o = ph_get(h, PH_UE_PROT, 0);
	if (ph_status(o ? o->text : NULL) != 200) {
		snprintf(why, wcap, "no protected 200 to the UE");
		return -EPROTO;
	}
	return 0;
}

/* ph_register_ue with the default 200 (P-Associated-URI impi, one Service-Route). */
static inline int ph_register_ue(struct ph *h, const char *impi, const char *ue, int expires,
				 char *why, size_t wcap)
{
	return ph_register_ue_ok(h, impi, ue, expires, NULL, why, wcap);
}

#endif /* TESTS_PROXY_HARNESS_H */
