/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket (AF_UNIX stream): one request line per connection,
 * e.g. "stats --json" or "sa list", answered then closed. Served from the
 * signalling thread's poll loop, which owns the registration table the
 * answers read; a client that sends nothing is cut off after a short timeout.
 */
#ifndef PCSCFD_CTL_SERVER_H
#define PCSCFD_CTL_SERVER_H

#include <stddef.h>

/* Writes the reply for one command line into buf; returns its length or -errno. */
typedef int (*ctl_handler_fn)(void *ctx, const char *cmd, char *buf, size_t cap);

struct ctl_server {
	int fd;
	char path[108];
	char *reply;
};

int ctl_server_open(struct ctl_server *s, const char *path);
/* The listening socket is readable: serve one client. */
void ctl_server_serve(struct ctl_server *s, ctl_handler_fn fn, void *ctx);
void ctl_server_close(struct ctl_server *s);

#endif
