// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/log.h"
#include "proxy/proxy.h"
#include "proxy/sip_msg.h"
#include "proxy/tcp_esp.h"
#include "proxy/tcp_ue.h"

int sip_tcp_frame(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	char v[32];
	size_t hdr;
	long clen;
	char *e;
	int n;

	if (!end)
		return len >= TCP_UE_MSG_MAX ? -EBADMSG : 0;
	hdr = end - buf + 4;
	n = sipm_raw_header(buf, hdr, "Content-Length", 0, v, sizeof(v));
	if (n < 0)
		n = sipm_raw_header(buf, hdr, "l", 0, v, sizeof(v));
	if (n < 0)
		return -EBADMSG; /* mandatory on stream transports (RFC 3261 18.3) */
	errno = 0;
	clen = strtol(v, &e, 10);
	/* Content-Length = 1*DIGIT (RFC 3261 25.1): no sign, no spaces inside */
	if (errno || e == v || v[0] < '0' || v[0] > '9' || *e || clen < 0 || clen > TCP_UE_MSG_MAX ||
	    hdr + (size_t)clen > TCP_UE_MSG_MAX)
		return -EBADMSG;
	return hdr + clen <= len ? (int)(hdr + clen) : 0;
}

int sip_tcp_crlf(const char *buf, size_t len)
{
	static const char ping[] = "\r\n\r\n";
	size_t n = len < 4 ? len : 4;

	if (!len || buf[0] != '\r')
		return 0;
	if (memcmp(buf, ping, n))
		/* "\r\n" then a start line: a bare CRLF; anything else is framing's business */
		return n >= 3 && buf[1] == '\n' && buf[2] != '\r' ? 2 : 0;
	return n == 4 ? 4 : -EAGAIN;
}

int tcp_ue_open(struct proxy *p)
{
	struct tcp_ue *t = &p->tcp;
	int one = 1;

	for (int i = 0; i < TCP_UE_CONNS; i++)
		t->conn[i].fd = -1;
	for (int i = 0; i < p->cfg.naddrs; i++) {
		struct sockaddr_storage ss;
		unsigned int len;
		int fd;

		addr_to_sockaddr(&p->cfg.addrs[i], p->cfg.sip_port, &ss, &len);
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		t->lfd[t->nl++] = fd;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ss.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 128)) {
			char a[ADDR_STR_LEN];
			int err = -errno;

			pr_err("TCP listen on %s port %u: %s",
			       addr_str(&p->cfg.addrs[i], a, sizeof(a)), p->cfg.sip_port,
			       strerror(-err));
			return err;
		}
	}
	return 0;
}

/* The owner's part: everyone else only marks a connection dead. */
static void conn_close(struct tcp_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c->out);
	c->buf = c->out = NULL;
	c->out_len = 0;
	c->protected = c->connecting = false;
	c->fd = -1;
	c->len = 0;
	c->dead = c->pending = false;
	c->gen++;
}

void tcp_ue_close(struct proxy *p)
{
	for (int i = 0; i < p->tcp.nl; i++)
		close(p->tcp.lfd[i]);
	p->tcp.nl = 0;
	for (int i = 0; i < TCP_UE_CONNS; i++)
		conn_close(&p->tcp.conn[i]);
}

int tcp_ue_pollfds(struct proxy *p, struct pollfd *pfd, int max)
{
	uint64_t now = proxy_now_ms();
	int n = 0;

	for (int i = 0; i < p->tcp.nl && n < max; i++)
		pfd[n++] = (struct pollfd){ .fd = p->tcp.lfd[i], .events = POLLIN };
	for (int i = 0; i < TCP_UE_CONNS && n < max; i++) {
		struct tcp_conn *c = &p->tcp.conn[i];

		if (c->fd < 0)
			continue;
		if (c->dead || now - c->last_ms > TCP_UE_IDLE_MS) {
			conn_close(c);
			continue;
		}
		pfd[n++] = (struct pollfd){ .fd = c->fd,
					    .events = POLLIN | (c->connecting ? POLLOUT : 0) };
	}
	return n + tcp_esp_pollfds(p, pfd + n, max - n);
}

static uint32_t src_hash(const struct pcscf_addr *a)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(a->a); i++)
		h = (h ^ a->a[i]) * 16777619u;
	return h;
}

/* Token bucket per source address: --tcp-rate new connections a second, as many at once. */
static bool src_rate_ok(struct proxy *p, const struct pcscf_addr *peer, uint64_t now)
{
	struct tcp_src *s = &p->tcp.src[src_hash(peer) % TCP_UE_SRC_SLOTS];
	uint64_t rate = p->cfg.tcp_rate ? p->cfg.tcp_rate : TCP_UE_RATE, full = rate * 1000;
	uint64_t tokens;

	if (memcmp(&s->addr, peer, sizeof(*peer)) || !s->last_ms) {
		/* New (or evicted) source: a full bucket; a collision costs at most one burst. */
		s->addr = *peer;
		s->tokens_milli = full;
		s->last_ms = now ? now : 1;
	}
	tokens = s->tokens_milli + (now - s->last_ms) * rate;
	s->tokens_milli = tokens > full ? full : tokens;
	s->last_ms = now ? now : 1;
	if (s->tokens_milli < 1000)
		return false;
	s->tokens_milli -= 1000;
	return true;
}

/* A free slot set up for fd; the per-source limits first when `limits`. */
static struct tcp_conn *adopt(struct proxy *p, int fd, const struct pcscf_addr *peer,
			      uint16_t peer_port, const struct pcscf_addr *local, bool limits,
			      int *err)
{
	uint32_t limit = p->cfg.tcp_per_source ? p->cfg.tcp_per_source : TCP_UE_PER_SOURCE;
	uint64_t now = proxy_now_ms();
	struct tcp_conn *c = NULL;
	uint32_t same = 0;

	for (int i = 0; i < TCP_UE_CONNS; i++) {
		struct tcp_conn *k = &p->tcp.conn[i];

		if (k->fd < 0) {
			if (!c)
				c = k;
		} else if (!memcmp(&k->peer, peer, sizeof(*peer))) {
			same++;
		}
	}
	*err = 0;
	if (!c) {
		p->stats.tcp_refused_full++;
		*err = -ENFILE;
		return NULL;
	}
	if (limits && same >= limit) {
		p->stats.tcp_refused_source++;
		*err = -EMFILE;
		return NULL;
	}
	if (limits && !src_rate_ok(p, peer, now)) {
		p->stats.tcp_refused_rate++;
		*err = -EAGAIN;
		return NULL;
	}
	c->buf = malloc(TCP_UE_MSG_MAX);
	if (!c->buf) {
		*err = -ENOMEM;
		return NULL;
	}
	c->fd = fd;
	c->len = 0;
	c->dead = c->pending = false;
	c->last_ms = now;
	c->local = *local;
	c->local_port = p->cfg.sip_port;
	c->peer = *peer;
	c->peer_port = peer_port;
	return c;
}

int tcp_ue_adopt(struct proxy *p, int fd, const struct pcscf_addr *peer, uint16_t peer_port,
		 const struct pcscf_addr *local)
{
	int err;

	adopt(p, fd, peer, peer_port, local, true, &err);
	return err;
}

int tcp_ue_adopt_esp(struct proxy *p, int fd, const struct pcscf_addr *peer, uint16_t peer_port,
		     const struct pcscf_addr *local, uint16_t local_port, uint32_t sa_slot,
		     uint32_t sa_gen, uint32_t spi, bool connecting, const char *msg, size_t len)
{
	struct tcp_conn *c;
	int err;

	c = adopt(p, fd, peer, peer_port, local, !connecting, &err);
	if (!c)
		return err;
	if (connecting) {
		c->out = malloc(len);
		if (!c->out) {
			free(c->buf);
			c->buf = NULL;
			c->fd = -1;
			return -ENOMEM;
		}
		memcpy(c->out, msg, len);
		c->out_len = len;
	}
	c->protected = true;
	c->connecting = connecting;
	c->local_port = local_port;
	c->sa_slot = sa_slot;
	c->sa_gen = sa_gen;
	c->spi = spi;
	return (int)(c - p->tcp.conn);
}

int32_t tcp_ue_find_esp(const struct proxy *p, uint32_t sa_slot, uint32_t sa_gen)
{
	for (int i = 0; i < TCP_UE_CONNS; i++) {
		const struct tcp_conn *c = &p->tcp.conn[i];

		if (c->fd >= 0 && !c->dead && c->protected && c->sa_slot == sa_slot &&
		    c->sa_gen == sa_gen)
			return i;
	}
	return -1;
}

void tcp_ue_kill_set(struct proxy *p, uint32_t set_index, uint32_t sa_count)
{
	for (int i = 0; i < TCP_UE_CONNS; i++) {
		struct tcp_conn *c = &p->tcp.conn[i];

		/* Marked only: a message of this connection may be on the stack right now. */
		if (c->fd >= 0 && c->protected && c->sa_slot / sa_count == set_index)
			c->dead = true;
	}
}

static void accept_one(struct proxy *p, int lfd, int li)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct pcscf_addr peer;
	uint16_t port;
	char a[ADDR_STR_LEN];
	int fd, err;

	fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (addr_from_sockaddr(&ss, &peer, &port)) {
		close(fd);
		return;
	}
	err = tcp_ue_adopt(p, fd, &peer, port, &p->cfg.addrs[li]);
	if (err) {
		pr_warn_rl("TCP from %s port %u refused: %s", addr_str(&peer, a, sizeof(a)), port,
			   err == -ENFILE   ? "every connection slot taken"
			   : err == -EMFILE ? "too many connections from this address"
			   : err == -EAGAIN ? "connecting too fast"
					    : strerror(-err));
		close(fd);
	}
}

static void deliver(struct proxy *p, struct tcp_conn *c, int len)
{
	static struct sip_in m;

	memset(&m, 0, offsetof(struct sip_in, data));
	m.src = c->peer;
	m.dst = c->local;
	m.sport = c->peer_port;
	m.dport = c->local_port;
	if (c->protected) {
		/* As if through the SA over UDP: the proxy checks the set behind it. */
		m.protected = 1;
		m.slot = c->sa_slot;
		m.generation = c->sa_gen;
		m.spi = c->spi;
	}
	m.len = len;
	m.conn = c - p->tcp.conn;
	m.conn_gen = c->gen;
	/* Read in place: only the owner (this file, after the call) frees or moves c->buf. */
	m.ext = c->buf;
	proxy_from_ue(p, &m);
}

static int conn_write(struct proxy *p, struct tcp_conn *c, const char *msg, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = send(c->fd, msg + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w <= 0) {
			/* A peer that does not read (or went away) loses the connection. */
			p->stats.send_errors++;
			c->dead = true;
			return -EIO;
		}
		off += w;
	}
	return 0;
}

static void consume(struct tcp_conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* Up to TCP_UE_BUDGET messages and keep-alives off the buffer; closes the connection if it died. */
static void conn_work(struct proxy *p, struct tcp_conn *c)
{
	int budget = TCP_UE_BUDGET, n = 0;

	c->pending = false;
	while (!c->dead && c->len) {
		int k = sip_tcp_crlf(c->buf, c->len);

		if (k == -EAGAIN)
			break;
		if (k || (n = sip_tcp_frame(c->buf, c->len)) > 0) {
			if (!budget--) {
				c->pending = true;
				break;
			}
		}
		if (k == 4) {
			p->stats.tcp_keepalives++;
			conn_write(p, c, "\r\n", 2); /* the pong keeps NAT bindings (RFC 5626 4.4.1) */
		}
		if (k) {
			consume(c, k);
			continue;
		}
		if (n <= 0)
			break;
		deliver(p, c, n);
		consume(c, n);
	}
	if (n < 0 && !c->dead) {
		char a[ADDR_STR_LEN];

		/* A stream out of step cannot be resynchronised: drop it. */
		pr_warn_rl("TCP from %s port %u: bad framing, closing",
			   addr_str(&c->peer, a, sizeof(a)), c->peer_port);
		p->stats.parse_errors++;
		c->dead = true;
	}
	if (c->dead)
		conn_close(c);
}

/* Our connect() finished: the message that waited goes, or the connection dies. */
static void conn_connected(struct proxy *p, struct tcp_conn *c)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr) {
		char a[ADDR_STR_LEN];

		pr_warn_rl("TCP inside ESP to %s port %u: connect: %s",
			   addr_str(&c->peer, a, sizeof(a)), c->peer_port, strerror(soerr));
		/* RFC 3261 18.1.1: a request sent on TCP for its size is retried on UDP. */
		if (c->out_len)
			tcp_esp_connect_failed(p, c->sa_slot, c->sa_gen, c->out, c->out_len);
		conn_close(c);
		return;
	}
	c->connecting = false;
	if (c->out_len && !conn_write(p, c, c->out, c->out_len))
		p->stats.to_ue++;
	free(c->out);
	c->out = NULL;
	c->out_len = 0;
	if (c->dead)
		conn_close(c);
}

int tcp_ue_handle(struct proxy *p, int fd)
{
	if (tcp_esp_handle(p, fd))
		return 1;
	for (int i = 0; i < p->tcp.nl; i++) {
		if (p->tcp.lfd[i] == fd) {
			accept_one(p, fd, i);
			return 1;
		}
	}
	for (int i = 0; i < TCP_UE_CONNS; i++) {
		struct tcp_conn *c = &p->tcp.conn[i];
		ssize_t r;

		if (c->fd != fd)
			continue;
		if (c->connecting) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			if (poll(&pf, 1, 0) == 1)
				conn_connected(p, c);
			return 1;
		}
		if (c->pending || c->dead || c->len >= TCP_UE_MSG_MAX) {
			/* Earlier messages first: the socket keeps the rest (TCP backpressure). */
			conn_work(p, c);
			return 1;
		}
		r = read(fd, c->buf + c->len, TCP_UE_MSG_MAX - c->len);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return 1;
		if (r > 0) {
			c->len += r;
			c->last_ms = proxy_now_ms();
		}
		conn_work(p, c);
		if (r <= 0 && c->fd == fd)
			conn_close(c); /* EOF (what came before it was handled) or error */
		return 1;
	}
	return 0;
}

int tcp_ue_pending(struct proxy *p)
{
	int left = 0;

	for (int i = 0; i < TCP_UE_CONNS; i++) {
		struct tcp_conn *c = &p->tcp.conn[i];

		if (c->fd < 0 || !c->pending)
			continue;
		conn_work(p, c);
		left += c->fd >= 0 && c->pending;
	}
	return left;
}

int tcp_ue_send(struct proxy *p, int32_t conn, uint32_t gen, const char *msg, size_t len)
{
	struct tcp_conn *c;

	if (conn < 0 || conn >= TCP_UE_CONNS)
		return -EINVAL;
	c = &p->tcp.conn[conn];
	if (c->fd < 0 || c->dead || c->gen != gen || c->connecting) {
		p->stats.send_errors++;
		return -ENOTCONN; /* the UE closed it; it will retry */
	}
	if (conn_write(p, c, msg, len))
		return -EIO;
	p->stats.to_ue++;
	return 0;
}
