// SPDX-License-Identifier: GPL-2.0
/*
 * The control server never blocks the loop that serves it: a reply of many
 * megabytes streams in chunks to a client that reads it, a client that reads
 * nothing (or sends nothing) is cut off after CTL_IDLE_MS of a fake clock
 * while every step returns at once, a client that goes away mid-reply
 * (`pcscfctl sa list | head -1`) costs only its connection (no SIGPIPE),
 * and clients beyond CTL_CLIENTS are refused and counted.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "pcscfd/ctl_server.c"

#define ROWS 200000 /* ~ 10 MB of reply */

static struct ctl_server srv;
static uint64_t clock_ms = 1000;
static char path[108];

/* "rows": ROWS numbered lines a chunk at a time; "ping": one line. */
static int handler(void *ctx, const char *cmd, struct ctl_cursor *cur, char *buf, size_t cap)
{
	size_t n = 0;

	if (strcmp(cmd, "rows")) {
		cur->done = true;
		return snprintf(buf, cap, "pong\n");
	}
	while (cur->pos < ROWS && n + 64 < cap)
		n += snprintf(buf + n, cap - n, "row %08llu %40s\n", (unsigned long long)cur->pos++, "");
	cur->done = cur->pos == ROWS;
	return (int)n;
}

/* One loop pass as pcscfd makes it; returns the longest step in ms. */
static double pass(int wait_ms)
{
	struct pollfd pfd[CTL_CLIENTS + 1];
	int n = ctl_server_pollfds(&srv, pfd, CTL_CLIENTS + 1, clock_ms);
	double worst = 0;

	poll(pfd, n, wait_ms);
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		double ms;

		if (!pfd[i].revents)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &a);
		ctl_server_handle(&srv, pfd[i].fd, pfd[i].revents, handler, NULL, clock_ms);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
		worst = ms > worst ? ms : worst;
	}
	return worst;
}

static int open_client(const char *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		abort();
	if (req)
		dprintf(fd, "%s\n", req);
	pass(0);
	return fd;
}

static int live_clients(void)
{
	int n = 0;

	for (int i = 0; i < CTL_CLIENTS; i++)
		n += srv.cl[i].fd >= 0;
	return n;
}

static void streamed(void)
{
	static char buf[1 << 16];
	int fd = open_client("rows"), lines = 0, passes = 0;
	size_t total = 0;
	ssize_t r;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		r = read(fd, buf, sizeof(buf));
		if (r == 0)
			break;
		if (r > 0) {
			total += r;
			for (ssize_t i = 0; i < r; i++)
				lines += buf[i] == '\n';
		}
		pass(r > 0 ? 0 : 10);
		if (++passes > 100000)
			break;
	}
	close(fd);
	TAP_CHECK(lines == ROWS, "streamed: %d rows, %zu bytes, read to EOF (%d rows seen)", ROWS,
		  total, lines);
	TAP_CHECK(live_clients() == 0, "streamed: connection closed after the last chunk");
}

static void slow_and_gone(void)
{
	double worst = 0;
	uint64_t dropped = srv.dropped;
	int quiet = open_client(NULL), reader = open_client("rows"), gone;
	char buf[256];

	/* The reader never reads; the quiet one never asks. The loop keeps going. */
	for (int i = 0; i < 50; i++) {
		double w = pass(1);

		worst = w > worst ? w : worst;
	}
	TAP_CHECK(worst < 50, "slow: a client that does not read never blocks a step (worst %.1f ms)", worst);
	TAP_CHECK(live_clients() == 2, "slow: both clients still held before the timeout");
	{
		int fd = open_client("ping");
		ssize_t r;

		pass(10);
		r = read(fd, buf, sizeof(buf));
		TAP_CHECK(r == 5 && !memcmp(buf, "pong\n", 5), "slow: a third client is answered meanwhile");
		close(fd);
	}
	clock_ms += CTL_IDLE_MS + 1;
	pass(0);
	TAP_CHECK(live_clients() == 0 && srv.dropped == dropped + 2,
		  "slow: both cut off after %d ms without progress, counted", CTL_IDLE_MS);
	close(quiet);
	close(reader);

	/* Reads one chunk and goes away, like `| head -1`: EPIPE, not SIGPIPE. */
	gone = open_client("rows");
	pass(0);
	TAP_CHECK(read(gone, buf, sizeof(buf)) > 0, "gone: the reply started");
	close(gone);
	for (int i = 0; i < 20; i++)
		pass(1);
	TAP_CHECK(live_clients() == 0, "gone: the server survives a reader that left (no SIGPIPE)");
}

static void too_many(void)
{
	int fd[CTL_CLIENTS + 2];
	uint64_t dropped = srv.dropped;

	for (int i = 0; i < CTL_CLIENTS + 2; i++)
		fd[i] = open_client(NULL);
	TAP_CHECK(live_clients() == CTL_CLIENTS && srv.dropped == dropped + 2,
		  "too many: %d held, 2 refused and counted", CTL_CLIENTS);
	for (int i = 0; i < CTL_CLIENTS + 2; i++)
		close(fd[i]);
	for (int i = 0; i < 5; i++)
		pass(1);
	TAP_CHECK(live_clients() == 0, "too many: closed clients are released");
}

int main(void)
{
	snprintf(path, sizeof(path), "/tmp/test_ctl_server.%d/ctl.sock", getpid());
	TAP_CHECK(!ctl_server_open(&srv, path), "open %s", path);
	streamed();
	slow_and_gone();
	too_many();
	ctl_server_close(&srv);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	return tap_done();
}
