// SPDX-License-Identifier: GPL-2.0
/*
 * SIP over TCP on the unprotected port, driven through loopback sockets and
 * a bare struct proxy (no classifier, no core): REGISTERs without
 * Security-Client each draw a 494 from proxy_from_ue, written back on the
 * connection. Covers a client that pipelines and never reads (the answer
 * fails inside the delivery callback), CRLF keep-alives, large messages and
 * the per-source connection limits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "common/addr.h"
#include "proxy/proxy.h"
#include "proxy/sip_msg.h"
#include "proxy/tcp_ue.h"

static struct proxy *p;
static uint16_t port;

static void setup(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	p = calloc(1, sizeof(*p));
	addr_parse("127.0.0.1", &p->cfg.addrs[0]);
	p->cfg.naddrs = 1;
	p->cfg.sip_port = 0; /* any: read back below */
	sipm_init();
	if (tcp_ue_open(p) || getsockname(p->tcp.lfd[0], (struct sockaddr *)&sin, &len))
		abort();
	port = ntohs(sin.sin_port);
}

/* A client socket, connected and accepted by pcscfd's side; -1 when refused. */
static int client(int rcvbuf)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	int one = 1;

	/* Small writes leave at once (no Nagle), so each arrives as sent. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		abort();
	usleep(1000);
	tcp_ue_handle(p, p->tcp.lfd[0]);
	return fd;
}

/* The connection fds pcscfd polls (listener excluded). */
static int conns(int *fds, int max)
{
	struct pollfd pfd[TCP_UE_CONNS + PCSCF_MAX_ADDRS];
	int n = tcp_ue_pollfds(p, pfd, TCP_UE_CONNS + PCSCF_MAX_ADDRS), k = 0;

	for (int i = p->tcp.nl; i < n && k < max; i++)
		fds[k++] = pfd[i].fd;
	return k;
}

/* Runs pcscfd's side until nothing is left to read or work on. */
static void pump(void)
{
	for (int round = 0; round < 200; round++) {
		int fds[TCP_UE_CONNS], n = conns(fds, TCP_UE_CONNS);

		for (int i = 0; i < n; i++)
			tcp_ue_handle(p, fds[i]);
		if (!tcp_ue_pending(p) && round > 2)
			break;
	}
}

static int reg_text(char *buf, size_t cap, int i, size_t body)
{
	int n = snprintf(buf, cap,
			 "REGISTER sip:ims.test SIP/2.0\r\n"
			 "Via: SIP/2.0/TCP 127.0.0.1:5555;branch=z9hG4bK-%d\r\n"
			 "From: <sip:alice@ims.test>;tag=a%d\r\n"
			 "To: <sip:alice@ims.test>\r\n"
			 "Call-ID: c%d@test\r\nCSeq: 1 REGISTER\r\n"
			 "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n",
			 i, i, i, body);

	memset(buf + n, 'x', body);
	return n + (int)body;
}

static ssize_t read_for(int fd, char *buf, size_t cap, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) <= 0)
		return -1;
	return recv(fd, buf, cap, MSG_DONTWAIT);
}

/* Pipelined REGISTERs, a client that never reads: the 494s fail mid-callback. */
static void test_pipelining(void)
{
	static char msgs[200 * 400];
	int fd = client(1), fds[4], one = 1, n = 0;
	uint64_t errs = p->stats.send_errors;

	TAP_CHECK(conns(fds, 4) == 1, "pipelining: connection accepted");
	/* Our side's send buffer small too, so the answers back up after a few. */
	setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof(one));
	for (int i = 0; i < 200; i++)
		n += reg_text(msgs + n, sizeof(msgs) - n, i, 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (int off = 0; off < n;) {
		ssize_t w = send(fd, msgs + off, n - off, 0);

		if (w <= 0) {
			pump();
			continue;
		}
		off += w;
	}
	pump();
	TAP_CHECK(p->stats.send_errors > errs, "pipelining: answers failed (%llu send errors)",
		  (unsigned long long)(p->stats.send_errors - errs));
	TAP_CHECK(conns(fds, 4) == 0, "pipelining: the connection that does not read is closed");
	close(fd);
}

static void test_keepalive(void)
{
	char buf[4096], msg[1024];
	int fd = client(0), fds[4];
	ssize_t r;
	uint64_t ka = p->stats.tcp_keepalives;

	send(fd, "\r\n\r\n", 4, 0);
	pump();
	r = read_for(fd, buf, sizeof(buf), 500);
	TAP_CHECK(r == 2 && !memcmp(buf, "\r\n", 2), "keep-alive: double CRLF ping answered by CRLF (%zd bytes)", r);
	TAP_CHECK(p->stats.tcp_keepalives == ka + 1, "keep-alive: counted");
	TAP_CHECK(conns(fds, 4) == 1, "keep-alive: connection still open");
	/* A ping split across reads, then a bare CRLF before a request. */
	send(fd, "\r\n", 2, 0);
	pump();
	send(fd, "\r\n", 2, 0);
	pump();
	r = read_for(fd, buf, sizeof(buf), 500);
	TAP_CHECK(r == 2, "keep-alive: ping split over two segments answered (%zd)", r);
	{
		int n = reg_text(msg + 2, sizeof(msg) - 2, 1, 0);

		memcpy(msg, "\r\n", 2);
		send(fd, msg, n + 2, 0);
	}
	pump();
	r = read_for(fd, buf, sizeof(buf) - 1, 500);
	buf[r > 0 ? r : 0] = '\0';
	TAP_CHECK(r > 0 && !strncmp(buf, "SIP/2.0 494", 11), "keep-alive: bare CRLF then REGISTER: answered 494");
	TAP_CHECK(conns(fds, 4) == 1, "keep-alive: connection open after the request");
	close(fd);
	pump();
}

static void test_large(void)
{
	static char msg[TCP_UE_MSG_MAX + 1024];
	char buf[4096];
	int fd = client(0), fds[4];
	int n = reg_text(msg, sizeof(msg), 7, 60000);
	ssize_t r;

	for (int off = 0; off < n;) {
		ssize_t w = send(fd, msg + off, n - off, MSG_DONTWAIT);

		if (w > 0)
			off += w;
		pump();
	}
	pump();
	r = read_for(fd, buf, sizeof(buf) - 1, 500);
	buf[r > 0 ? r : 0] = '\0';
	TAP_CHECK(r > 0 && !strncmp(buf, "SIP/2.0 494", 11),
		  "large: a %d-byte REGISTER over TCP is handled (answered 494)", n);
	TAP_CHECK(conns(fds, 4) == 1, "large: connection open");
	/* Past the limit: the stream cannot be framed, the connection goes. */
	n = snprintf(msg, sizeof(msg), "REGISTER sip:a SIP/2.0\r\nContent-Length: %d\r\n\r\n",
		     TCP_UE_MSG_MAX);
	send(fd, msg, n, 0);
	pump();
	TAP_CHECK(conns(fds, 4) == 0, "large: Content-Length beyond 64 KiB closes the connection");
	close(fd);
}

static void test_limits(void)
{
	int fd[6], fds[8];
	uint64_t src = p->stats.tcp_refused_source, rate = p->stats.tcp_refused_rate;

	p->cfg.tcp_per_source = 3;
	p->cfg.tcp_rate = 1000;
	for (int i = 0; i < 4; i++)
		fd[i] = client(0);
	TAP_CHECK(conns(fds, 8) == 3 && p->stats.tcp_refused_source == src + 1,
		  "limits: 4th connection from one address refused (--tcp-per-source 3)");
	for (int i = 0; i < 4; i++)
		close(fd[i]);
	pump();
	p->cfg.tcp_per_source = 100;
	p->cfg.tcp_rate = 2;
	memset(p->tcp.src, 0, sizeof(p->tcp.src));
	for (int i = 0; i < 4; i++)
		fd[i] = client(0);
	TAP_CHECK(conns(fds, 8) == 2 && p->stats.tcp_refused_rate == rate + 2,
		  "limits: beyond --tcp-rate 2 new connections a second refused");
	for (int i = 0; i < 4; i++)
		close(fd[i]);
	pump();
}

int main(void)
{
	setup();
	test_keepalive();
	test_large();
	test_pipelining();
	test_limits();
	tcp_ue_close(p);
	free(p);
	return tap_done();
}
