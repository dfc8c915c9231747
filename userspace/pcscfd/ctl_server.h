/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket (AF_UNIX stream): one request line per connection,
 * e.g. "stats" or "stats --json", answered then closed. Served by its own
 * thread so that a slow client never delays a worker.
 */
#ifndef PCSCFD_CTL_SERVER_H
#define PCSCFD_CTL_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

struct ctl_server;

/* Writes the reply for one command line into buf; returns its length or -errno. */
typedef int (*ctl_handler_fn)(void *ctx, const char *cmd, char *buf, size_t cap);

struct ctl_server {
	pthread_t thread;
	int fd;
	char path[108];
	ctl_handler_fn handler;
	void *ctx;
	const atomic_bool *stop;
};

int ctl_server_start(struct ctl_server *s, const char *path, ctl_handler_fn fn, void *ctx,
		     const atomic_bool *stop);
void ctl_server_stop(struct ctl_server *s);

#endif
