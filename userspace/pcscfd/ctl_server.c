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

#define CTL_REQ_MAX   512
#define CTL_REPLY_MAX (4 << 20)

int ctl_server_open(struct ctl_server *s, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	int err;

	s->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	strcpy(s->path, path);
	strcpy(dir, path);
	if (mkdir(dirname(dir), 0750) && errno != EEXIST)
		return -errno;
	s->reply = malloc(CTL_REPLY_MAX);
	if (!s->reply)
		return -ENOMEM;
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

void ctl_server_serve(struct ctl_server *s, ctl_handler_fn fn, void *ctx)
{
	struct timeval tv = { .tv_sec = 1 };
	char req[CTL_REQ_MAX];
	size_t n = 0;
	ssize_t r;
	int c, len;

	c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (n < sizeof(req) - 1 && (r = read(c, req + n, sizeof(req) - 1 - n)) > 0) {
		n += r;
		if (memchr(req, '\n', n))
			break;
	}
	req[n] = '\0';
	req[strcspn(req, "\r\n")] = '\0';
	len = fn(ctx, req, s->reply, CTL_REPLY_MAX);
	if (len < 0)
		len = snprintf(s->reply, CTL_REPLY_MAX, "error: %s\n", strerror(-len));
	for (size_t off = 0; off < (size_t)len;) {
		r = write(c, s->reply + off, len - off);
		if (r <= 0)
			break;
		off += r;
	}
	close(c);
}

void ctl_server_close(struct ctl_server *s)
{
	if (s->fd >= 0) {
		close(s->fd);
		unlink(s->path);
	}
	s->fd = -1;
	free(s->reply);
	s->reply = NULL;
}
