/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP over TCP on the unprotected port, through the kernel's TCP stack (the
 * classifier passes TCP to the SIP port): listeners on every P-CSCF address,
 * a fixed table of connections, messages framed by Content-Length
 * (RFC 3261 18.3) up to TCP_UE_MSG_MAX, CRLF keep-alives (RFC 5626 3.5.1),
 * and answers written back on the connection the request came in on. A
 * connection slot has a generation so an answer for a closed connection is
 * never written to a new one in the same slot.
 *
 * Ownership: only tcp_ue_handle/tcp_ue_pending/tcp_ue_pollfds close a
 * connection. A send that fails (from inside proxy_from_ue, or for a core
 * response later) only marks it dead; its owner closes it once the call it
 * is in has returned, so no caller ever works on a buffer that went away.
 */
#ifndef PCSCF_TCP_UE_H
#define PCSCF_TCP_UE_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include "pcscf_maps.h"

#define TCP_UE_CONNS	   256
#define TCP_UE_MSG_MAX	   65536  /* one framed message, headers and body */
#define TCP_UE_IDLE_MS	   600000 /* no message for 10 min: closed */
#define TCP_UE_BUDGET	   16	  /* messages per connection per loop pass */
#define TCP_UE_PER_SOURCE  8	  /* defaults of --tcp-per-source, --tcp-rate */
#define TCP_UE_RATE	   4
#define TCP_UE_SRC_SLOTS   1024	  /* connection-rate buckets, by source address hash */

struct proxy;

struct tcp_conn {
	int fd;
	uint32_t gen;
	bool dead;    /* a send failed: closed by the owner, never written again */
	bool pending; /* complete messages left in buf after a pass's budget */
	struct pcscf_addr peer, local;
	uint16_t peer_port;
	uint64_t last_ms;
	size_t len;
	char *buf; /* TCP_UE_MSG_MAX, allocated while the connection is open */
	/*
	 * Inside ESP (tcp_esp.h): what arrives on it came through inbound SA
	 * sa_slot/sa_gen (spi) and is handed on as such; connecting until the
	 * kernel finished our connect(), out the message waiting for that.
	 */
	bool protected, connecting;
	uint16_t local_port;
	uint32_t sa_slot, sa_gen, spi;
	char *out;
	size_t out_len;
};

struct tcp_src {
	struct pcscf_addr addr;
	uint64_t last_ms;
	uint32_t tokens_milli; /* connection tokens, thousandths */
};

struct tcp_ue {
	int lfd[PCSCF_MAX_ADDRS];
	int nl;
	struct tcp_conn conn[TCP_UE_CONNS];
	struct tcp_src src[TCP_UE_SRC_SLOTS];
};

int tcp_ue_open(struct proxy *p);
void tcp_ue_close(struct proxy *p);
/* Appends listener and connection fds (closing idle and dead ones); returns how many. */
int tcp_ue_pollfds(struct proxy *p, struct pollfd *pfd, int max);
/* Handles one readable fd if it is ours; returns 1 when it was. */
int tcp_ue_handle(struct proxy *p, int fd);
/* Works on messages left over from earlier passes; returns how many connections still have some. */
int tcp_ue_pending(struct proxy *p);
/* Adopts an accepted (or socketpair) fd as a connection from peer: tests and accept. */
int tcp_ue_adopt(struct proxy *p, int fd, const struct pcscf_addr *peer, uint16_t peer_port,
		 const struct pcscf_addr *local);
int tcp_ue_send(struct proxy *p, int32_t conn, uint32_t gen, const char *msg, size_t len);
/*
 * TCP inside ESP: fd carries the SIP of inbound SA sa_slot/sa_gen (spi);
 * with `connecting`, our own connect() is under way and msg (copied) is
 * sent once it completes. Accepted connections (connecting false) pass the
 * per-source limits. The connection's index, or a negative errno (fd is
 * the caller's to close then).
 */
int tcp_ue_adopt_esp(struct proxy *p, int fd, const struct pcscf_addr *peer, uint16_t peer_port,
		     const struct pcscf_addr *local, uint16_t local_port, uint32_t sa_slot,
		     uint32_t sa_gen, uint32_t spi, bool connecting, const char *msg, size_t len);
/* A live connection carrying inbound SA sa_slot/sa_gen, or -1. */
int32_t tcp_ue_find_esp(const struct proxy *p, uint32_t sa_slot, uint32_t sa_gen);
/* The connections of SA set index set_index die (closed by their owner at the next pass). */
void tcp_ue_kill_set(struct proxy *p, uint32_t set_index, uint32_t sa_count);
/* Length of the first complete SIP message in buf, 0 if incomplete, -EBADMSG. */
int sip_tcp_frame(const char *buf, size_t len);
/*
 * Leading CRLFs: 4 for an RFC 5626 ping "\r\n\r\n" (answered "\r\n"), 2 for a
 * bare CRLF between messages (skipped, RFC 3261 7.5), 0 when buf starts
 * otherwise, -EAGAIN when more bytes decide.
 */
int sip_tcp_crlf(const char *buf, size_t len);

#endif
