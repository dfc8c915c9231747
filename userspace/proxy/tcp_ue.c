// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/log.h"
#include "proxy/proxy.h"
#include "proxy/sip_msg.h"
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
		return len >= TCP_UE_BUF ? -EBADMSG : 0;
	hdr = end - buf + 4;
	n = sipm_raw_header(buf, hdr, "Content-Length", 0, v, sizeof(v));
	if (n < 0)
		n = sipm_raw_header(buf, hdr, "l", 0, v, sizeof(v));
	if (n < 0)
		return -EBADMSG; /* mandatory on stream transports (RFC 3261 18.3) */
	clen = strtol(v, &e, 10);
	if (e == v || *e || clen < 0 || hdr + (size_t)clen > TCP_UE_BUF)
		return -EBADMSG;
	return hdr + clen <= len ? (int)(hdr + clen) : 0;
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

static void conn_close(struct tcp_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
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
		if (now - c->last_ms > TCP_UE_IDLE_MS) {
			conn_close(c);
			continue;
		}
		pfd[n++] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
	}
	return n;
}

static void accept_one(struct proxy *p, int lfd, int li)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct tcp_conn *c = NULL;
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < TCP_UE_CONNS; i++) {
		if (p->tcp.conn[i].fd < 0) {
			c = &p->tcp.conn[i];
			break;
		}
	}
	if (!c) {
		pr_warn("TCP: %d connections already, refusing one", TCP_UE_CONNS);
		close(fd);
		return;
	}
	c->fd = fd;
	c->len = 0;
	c->last_ms = proxy_now_ms();
	c->local = p->cfg.addrs[li];
	addr_from_sockaddr(&ss, &c->peer, &c->peer_port);
}

static void deliver(struct proxy *p, struct tcp_conn *c, const char *msg, int len)
{
	static struct sip_in m;

	if ((size_t)len > sizeof(m.data)) {
		/* Larger SIP is for protected TCP (a later issue); unprotected REGISTERs are small. */
		p->stats.parse_errors++;
		return;
	}
	memset(&m, 0, offsetof(struct sip_in, data));
	m.src = c->peer;
	m.dst = c->local;
	m.sport = c->peer_port;
	m.dport = p->cfg.sip_port;
	m.len = len;
	m.conn = c - p->tcp.conn;
	m.conn_gen = c->gen;
	memcpy(m.data, msg, len);
	proxy_from_ue(p, &m);
}

int tcp_ue_handle(struct proxy *p, int fd)
{
	for (int i = 0; i < p->tcp.nl; i++) {
		if (p->tcp.lfd[i] == fd) {
			accept_one(p, fd, i);
			return 1;
		}
	}
	for (int i = 0; i < TCP_UE_CONNS; i++) {
		struct tcp_conn *c = &p->tcp.conn[i];
		ssize_t r;
		int n = 0;

		if (c->fd != fd)
			continue;
		r = read(fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (r <= 0) {
			if (r == 0 || (errno != EAGAIN && errno != EINTR))
				conn_close(c);
			return 1;
		}
		c->len += r;
		c->last_ms = proxy_now_ms();
		while (c->fd >= 0 && (n = sip_tcp_frame(c->buf, c->len)) > 0) {
			deliver(p, c, c->buf, n);
			memmove(c->buf, c->buf + n, c->len - n);
			c->len -= n;
		}
		if (n < 0) {
			char a[ADDR_STR_LEN];

			/* A stream out of step cannot be resynchronised: drop it. */
			pr_warn("TCP from %s port %u: bad framing, closing",
				addr_str(&c->peer, a, sizeof(a)), c->peer_port);
			p->stats.parse_errors++;
			conn_close(c);
		}
		return 1;
	}
	return 0;
}

int tcp_ue_send(struct proxy *p, int32_t conn, uint32_t gen, const char *msg, size_t len)
{
	struct tcp_conn *c;
	size_t off = 0;

	if (conn < 0 || conn >= TCP_UE_CONNS)
		return -EINVAL;
	c = &p->tcp.conn[conn];
	if (c->fd < 0 || c->gen != gen) {
		p->stats.send_errors++;
		return -ENOTCONN; /* the UE closed it; it will retry */
	}
	while (off < len) {
		ssize_t w = send(c->fd, msg + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w <= 0) {
			p->stats.send_errors++;
			conn_close(c);
			return -EIO;
		}
		off += w;
	}
	p->stats.to_ue++;
	return 0;
}
