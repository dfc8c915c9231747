// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "pcscfd/ctl_server.h"

#define CTL_REQ_MAX   512
#define CTL_REPLY_MAX (1 << 20)

static void serve_one(struct ctl_server *s, int c, char *reply)
{
	char req[CTL_REQ_MAX];
	size_t n = 0;
	ssize_t r;
	int len;

	/* One line; a client that sends nothing within the timeout is dropped. */
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (n < sizeof(req) - 1 && (r = read(c, req + n, sizeof(req) - 1 - n)) > 0) {
		n += r;
		if (memchr(req, '\n', n))
			break;
	}
	req[n] = '\0';
	req[strcspn(req, "\r\n")] = '\0';
	len = s->handler(s->ctx, req, reply, CTL_REPLY_MAX);
	if (len < 0)
		len = snprintf(reply, CTL_REPLY_MAX, "error: %s\n", strerror(-len));
	for (size_t off = 0; off < (size_t)len;) {
		r = write(c, reply + off, len - off);
		if (r <= 0)
			break;
		off += r;
	}
}

static void *ctl_main(void *arg)
{
	struct ctl_server *s = arg;
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	char *reply = malloc(CTL_REPLY_MAX);

	if (!reply)
		return NULL;
	while (!atomic_load(s->stop)) {
		int c;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		serve_one(s, c, reply);
		close(c);
	}
	free(reply);
	return NULL;
}

int ctl_server_start(struct ctl_server *s, const char *path, ctl_handler_fn fn, void *ctx,
		     const atomic_bool *stop)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	int err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	strcpy(s->path, path);
	strcpy(dir, path);
	if (mkdir(dirname(dir), 0750) && errno != EEXIST)
		return -errno;
	s->handler = fn;
	s->ctx = ctx;
	s->stop = stop;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
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
	err = pthread_create(&s->thread, NULL, ctl_main, s);
	if (err) {
		close(s->fd);
		s->fd = -1;
		unlink(path);
		return -err;
	}
	return 0;
}

void ctl_server_stop(struct ctl_server *s)
{
	if (s->fd < 0)
		return;
	pthread_join(s->thread, NULL);
	close(s->fd);
	unlink(s->path);
	s->fd = -1;
}
