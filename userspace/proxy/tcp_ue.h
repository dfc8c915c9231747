/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP over TCP on the unprotected port, through the kernel's TCP stack (the
 * classifier passes TCP to the SIP port): listeners on every P-CSCF address,
 * a fixed table of connections, messages framed by Content-Length
 * (RFC 3261 18.3), and answers written back on the connection the request
 * came in on. A connection slot has a generation so an answer for a closed
 * connection is never written to a new one in the same slot.
 */
#ifndef PCSCF_TCP_UE_H
#define PCSCF_TCP_UE_H

#include <poll.h>
#include <stdint.h>
#include "pcscf_maps.h"

#define TCP_UE_CONNS   256
#define TCP_UE_BUF     16384
#define TCP_UE_IDLE_MS 600000 /* no message for 10 min: closed */

struct proxy;

struct tcp_conn {
	int fd;
	uint32_t gen;
	struct pcscf_addr peer, local;
	uint16_t peer_port;
	uint64_t last_ms;
	size_t len;
	char buf[TCP_UE_BUF];
};

struct tcp_ue {
	int lfd[PCSCF_MAX_ADDRS];
	int nl;
	struct tcp_conn conn[TCP_UE_CONNS];
};

int tcp_ue_open(struct proxy *p);
void tcp_ue_close(struct proxy *p);
/* Appends listener and connection fds; returns how many. */
int tcp_ue_pollfds(struct proxy *p, struct pollfd *pfd, int max);
/* Handles one readable fd if it is ours; returns 1 when it was. */
int tcp_ue_handle(struct proxy *p, int fd);
int tcp_ue_send(struct proxy *p, int32_t conn, uint32_t gen, const char *msg, size_t len);
/* Length of the first complete SIP message in buf, 0 if incomplete, -EBADMSG. */
int sip_tcp_frame(const char *buf, size_t len);

#endif
