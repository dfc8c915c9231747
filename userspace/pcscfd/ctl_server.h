/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control socket (AF_UNIX stream): one request line per connection,
 * e.g. "stats --json" or "sa list", answered then closed. Served from the
 * signalling thread's poll loop, which owns the registration table the
 * answers read, so nothing here may block: every client socket is
 * non-blocking with its own state (request read so far, reply cursor,
 * unsent bytes), a reply is rendered a chunk at a time as the client reads
 * it, and a client that stops making progress is cut off after
 * CTL_IDLE_MS. Writes use MSG_NOSIGNAL: a client that goes away (`| head`)
 * costs its connection, never the daemon.
 */
#ifndef PCSCFD_CTL_SERVER_H
#define PCSCFD_CTL_SERVER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include "common/ctl_cursor.h"

#define CTL_CLIENTS  8
#define CTL_REQ_MAX  512
#define CTL_CHUNK    (64 << 10)
#define CTL_IDLE_MS  5000

/*
 * Writes the next chunk of the reply to cmd into buf (at most cap bytes):
 * its length or -errno; sets cur->done with the last chunk. A handler that
 * answers in one piece just sets done at once.
 */
typedef int (*ctl_handler_fn)(void *ctx, const char *cmd, struct ctl_cursor *cur, char *buf,
			      size_t cap);

struct ctl_client {
	int fd; /* -1: free */
	bool replying;
	char req[CTL_REQ_MAX];
	size_t req_len;
	struct ctl_cursor cur;
	char *out; /* CTL_CHUNK */
	size_t out_len, out_off;
	uint64_t last_ms; /* last progress */
};

struct ctl_server {
	int fd;
	char path[108];
	struct ctl_client cl[CTL_CLIENTS];
	uint64_t dropped; /* refused (all slots busy) or cut off (idle, error) */
};

int ctl_server_open(struct ctl_server *s, const char *path);
/* Appends the listener and the clients' fds; returns how many. */
int ctl_server_pollfds(struct ctl_server *s, struct pollfd *pfd, int max, uint64_t now_ms);
/* Serves the fd if it is ours (one bounded step); returns 1 when it was. */
int ctl_server_handle(struct ctl_server *s, int fd, short revents, ctl_handler_fn fn, void *ctx,
		      uint64_t now_ms);
void ctl_server_close(struct ctl_server *s);

#endif
