/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sockets of the UE emulator. Unprotected SIP is plain UDP. Protected SIP is
 * ESP built by the userspace engine: the host kernel has no ESP, so a raw
 * socket of protocol 50 sees every ESP packet for this host (we pick ours by
 * SPI) and IPPROTO_RAW sockets send the packets esp_encap() builds.
 */
#ifndef IMSUE_UE_NET_H
#define IMSUE_UE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "esp/esp.h"
#include "pcscf_maps.h"

struct ue_net {
	int esp4_fd, esp6_fd; /* receive ESP (IPPROTO_ESP raw), -1 if unavailable */
	int raw4_fd, raw6_fd; /* send full IP packets (IPPROTO_RAW) */
	int sip_fd;	      /* --ue-prefix: unprotected SIP of every UE, -1 otherwise */
	uint8_t pkt[65536 + 64];
};

/* Opens the raw sockets (needs CAP_NET_RAW). 0, or -errno when neither family works. */
int ue_net_open(struct ue_net *n);
void ue_net_close(struct ue_net *n);

/* UDP socket bound to @local:@port, non-blocking. fd or -errno. */
int ue_udp_open(const struct pcscf_addr *local, uint16_t port);
int ue_udp_send(int fd, const struct pcscf_addr *dst, uint16_t port, const void *msg, size_t len);

/*
 * UDP @sport -> @dport carrying @msg, through outbound SA @sa, from @src to
 * @dst. 0 or -errno (esp_encap's errors included).
 */
int ue_net_send_esp(struct ue_net *n, struct esp_sa *sa, const struct pcscf_addr *src,
		    const struct pcscf_addr *dst, uint16_t sport, uint16_t dport, const void *msg,
		    size_t len);

/*
 * Read one ESP packet from @fd (esp4_fd or esp6_fd) into n->pkt as a whole IP
 * packet (an IPv6 raw socket hands out the payload only: the header is
 * rebuilt from the addresses). Returns the length, or -errno (-EAGAIN).
 */
ssize_t ue_net_recv_esp(struct ue_net *n, int fd);

/*
 * --ue-prefix: one UDP socket on the wildcard address and @port for the
 * unprotected SIP of every UE. Sent with the UE's address as source
 * (IP_PKTINFO / IPV6_PKTINFO; IP_FREEBIND, IPV6_FREEBIND and IP_TRANSPARENT
 * so no address needs configuring), received with the destination address
 * that names the UE. The namespace routes the prefix to itself (an AnyIP
 * "local" route, see README). 0 or -errno.
 */
int ue_net_open_sip(struct ue_net *n, bool v4, uint16_t port);
int ue_net_send_udp(struct ue_net *n, const struct pcscf_addr *src, uint16_t sport,
		    const struct pcscf_addr *dst, uint16_t dport, const void *msg, size_t len);
/* One datagram into @buf (NUL-terminated); *dst its destination. Length or -errno. */
ssize_t ue_net_recv_udp(struct ue_net *n, char *buf, size_t cap, struct pcscf_addr *dst);

/* UDP checksum of @seg (header with check 0 + payload), pseudo header included. */
uint16_t ue_udp_csum(const struct pcscf_addr *src, const struct pcscf_addr *dst, const uint8_t *seg,
		     size_t len);

#endif /* IMSUE_UE_NET_H */
