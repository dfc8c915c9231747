/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP over TCP inside ESP (TS 33.203 7.1, TS 24.229 5.2), with the kernel's
 * TCP: inbound segments, decrypted and selector-checked by the workers, go
 * into the TUN (tcp_tun.h); the kernel delivers them to our sockets: a
 * listener on port_ps of every P-CSCF address (the UE connects from port_uc)
 * and connections we open from port_pc to the UE's port_us for terminating
 * requests. Those connections live in tcp_ue's table, marked protected with
 * the inbound SA whose messages they carry, so the proxy sees their SIP as
 * it sees SIP through that SA over UDP. What the kernel sends back comes out
 * of the TUN; tcp_esp_from_tun() finds the outbound SA by the segment's
 * addresses and ports (tcp_sel.h, O(1)), encrypts and sends it as ue_link
 * sends protected UDP. A connection closes when its SA set goes.
 */
#ifndef PCSCF_TCP_ESP_H
#define PCSCF_TCP_ESP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "reg/reg.h"
#include "proxy/tcp_sel.h"
#include "proxy/tcp_tun.h"

/* RFC 3261 18.1.1 / TS 24.229: a request this much larger than ... goes over TCP. */
#define TCP_ESP_UDP_MAX 1300

struct proxy;

struct tcp_esp {
	struct tcp_tun tun;
	struct tcp_sel sel;
	int lfd[PCSCF_MAX_ADDRS]; /* port_ps listeners, one per address */
	int nl;
	bool udp_only;		 /* tcp_esp_connect_failed's send: not TCP again */
	uint8_t pkt[65536 + 64]; /* one segment read from the TUN */
	char msg[65536 + 4096];	 /* a request to a UE, its Via made TCP */
};

/* pcscfd: cfg.tcp_tun names the TUN (NULL: off). Errors are logged. */
int tcp_esp_open(struct proxy *p);
void tcp_esp_close(struct proxy *p);
/* Tests: the selector table alone (no TUN, no sockets). */
int tcp_esp_init_table(struct proxy *p);
/* The TUN's fd for the workers, -1 when off. */
int tcp_esp_tun_fd(const struct proxy *p);
/* The TUN and listener fds; returns how many. */
int tcp_esp_pollfds(struct proxy *p, struct pollfd *pfd, int max);
/* One readable fd if it is ours (1), else 0. */
int tcp_esp_handle(struct proxy *p, int fd);
/* sa_ops: an outbound SA of set is (no longer) there. */
void tcp_esp_sa_added(struct proxy *p, const struct reg_sa_set *set, enum reg_sa_which which);
void tcp_esp_sa_removed(struct proxy *p, const struct reg_sa_set *set, enum reg_sa_which which);
/*
 * ue_link, for a message through outbound SA `which`: 1 when it went (or
 * waits for the connection) over TCP, 0 when UDP is the way (TCP off, a
 * response, a small request without a connection), or a negative errno.
 */
int tcp_esp_send(struct proxy *p, const struct reg_sa_set *set, enum reg_sa_which which,
		 const char *msg, size_t len);
/* tcp_ue: our connect() for msg failed; msg goes through the set's US SA over UDP. */
void tcp_esp_connect_failed(struct proxy *p, uint32_t pc_slot, uint32_t gen, char *msg, size_t len);
/* One segment as read from the TUN: encrypted and sent, or dropped and counted. Tests call it. */
void tcp_esp_from_tun(struct proxy *p, const uint8_t *pkt, size_t len);

#endif
