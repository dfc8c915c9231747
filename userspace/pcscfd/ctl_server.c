// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "pcscfd/ctl_server.h"

int ctl_server_open(struct ctl_server *s, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	int err;

	s->fd = -1;
	for (int i = 0; i < CTL_CLIENTS; i++)
		s->cl[i] = (struct ctl_client){ .fd = -1 };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	strcpy(s->path, path);
	strcpy(dir, path);
	if (mkdir(dirname(dir), 0750) && errno != EEXIST)
		return -errno;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		return -errno;
	/* A stale socket from a killed pcscfd would make bind fail. */
	unlink(path);
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0660) ||
	    listen(s->fd, 16)) {
		err = -errno;
		close(s->fd);
		s->fd = -1;
		return err;
	}
	return 0;
}

static void client_close(struct ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	*c = (struct ctl_client){ .fd = -1 };
}

static void client_drop(struct ctl_server *s, struct ctl_client *c)
{
	s->dropped++;
	client_close(c);
}

static void accept_one(struct ctl_server *s, uint64_t now)
{
	struct ctl_client *c = NULL;
	int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (int i = 0; i < CTL_CLIENTS && !c; i++)
		if (s->cl[i].fd < 0)
			c = &s->cl[i];
	if (!c || !(c->out = malloc(CTL_CHUNK))) {
		s->dropped++;
		close(fd);
		return;
	}
	c->fd = fd;
	c->last_ms = now;
}

int ctl_server_pollfds(struct ctl_server *s, struct pollfd *pfd, int max, uint64_t now_ms)
{
	int n = 0;

	if (s->fd >= 0 && n < max)
		pfd[n++] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
	for (int i = 0; i < CTL_CLIENTS && n < max; i++) {
		struct ctl_client *c = &s->cl[i];

		if (c->fd < 0)
			continue;
		if (now_ms - c->last_ms > CTL_IDLE_MS) {
			client_drop(s, c); /* sends nothing, or reads nothing */
			continue;
		}
		pfd[n++] = (struct pollfd){ .fd = c->fd, .events = c->replying ? POLLOUT : POLLIN };
	}
	return n;
}

/* Reads what there is of the request line; true once it is complete. */
static bool read_request(struct ctl_server *s, struct ctl_client *c)
{
	ssize_t r = read(c->fd, c->req + c->req_len, sizeof(c->req) - 1 - c->req_len);

	if (r < 0) {
		if (errno != EAGAIN && errno != EINTR)
			client_drop(s, c);
		return false;
	}
	c->req_len += r;
	c->req[c->req_len] = '\0';
	/* A line, the client's end of the stream, or a full buffer ends the request. */
	if (r && !memchr(c->req, '\n', c->req_len) && c->req_len < sizeof(c->req) - 1)
		return false;
	c->req[strcspn(c->req, "\r\n")] = '\0';
	return true;
}

static void write_reply(struct ctl_server *s, struct ctl_client *c, ctl_handler_fn fn, void *ctx)
{
	if (c->out_off == c->out_len) {
		int n;

		if (c->cur.done) {
			client_close(c); /* all sent: the reply ends with the connection */
			return;
		}
		n = fn(ctx, c->req, &c->cur, c->out, CTL_CHUNK);
		if (n < 0) {
			n = snprintf(c->out, CTL_CHUNK, "error: %s\n", strerror(-n));
			c->cur.done = true;
		}
		c->out_len = n;
		c->out_off = 0;
	}
	while (c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0) {
			if (errno != EAGAIN && errno != EINTR)
				client_drop(s, c); /* EPIPE: the reader went away (| head) */
			return;
		}
		c->out_off += w;
	}
	if (c->cur.done)
		client_close(c);
}

int ctl_server_handle(struct ctl_server *s, int fd, short revents, ctl_handler_fn fn, void *ctx,
		      uint64_t now_ms)
{
	if (fd == s->fd) {
		accept_one(s, now_ms);
		return 1;
	}
	for (int i = 0; i < CTL_CLIENTS; i++) {
		struct ctl_client *c = &s->cl[i];

		if (c->fd != fd || fd < 0)
			continue;
		c->last_ms = now_ms;
		if (!c->replying) {
			if (!read_request(s, c))
				return 1;
			c->replying = true;
		}
		if (c->fd >= 0 && (revents & (POLLOUT | POLLERR | POLLHUP) || c->out_len == 0))
			write_reply(s, c, fn, ctx);
		return 1;
	}
	return 0;
}

void ctl_server_close(struct ctl_server *s)
{
	for (int i = 0; i < CTL_CLIENTS; i++)
		if (s->cl[i].out) /* every live client has one */
			client_close(&s->cl[i]);
	if (s->fd >= 0) {
		close(s->fd);
		unlink(s->path);
	}
	s->fd = -1;
}
