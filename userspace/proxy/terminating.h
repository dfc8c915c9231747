/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Terminating requests (TS 24.229 5.2.5): requests from the core for a UE,
 * matched to its registration by the token of the Path entry we wrote at
 * registration (RFC 3327), else by the Request-URI contact, and sent through
 * the UE's SAs from port_pc to port_us (spi_us); the UE's responses come back
 * from port_us to port_pc (spi_pc) and go to the core node that sent the
 * request. Also the keyed tokens that name a registration from outside (the
 * Path user part, the reg-event Call-ID).
 */
#ifndef PCSCF_TERMINATING_H
#define PCSCF_TERMINATING_H

#include <stdint.h>
#include <sys/socket.h>
#include <osipparser2/osip_message.h>
#include "proxy/proxy.h"

/* Who sent a request on the core socket: its answer goes back there. */
struct term_peer {
	struct pcscf_addr addr;
	uint16_t port;
};

/* Per proxy: allocated by term_init (proxy_setup), freed and wiped by term_fini. */
int term_init(struct proxy *p);
void term_fini(struct proxy *p);

/* Source of a datagram on the core socket; -EPERM (counted by the caller) if not the core. */
int term_peer_of(const struct proxy *p, const struct sockaddr_storage *ss, struct term_peer *out);

/* A request from the core: a reg-event NOTIFY of ours (reg_event.c) or one for a UE. */
void term_from_core(struct proxy *p, osip_message_t *msg, const struct term_peer *src);
/* A response from a UE (outside ESP or through any SA): relayed only if it answers ours. */
void term_from_ue_response(struct proxy *p, const struct sip_in *m, osip_message_t *msg);

/*
 * The Path entry for a REGISTER of impi: our core-side address and port,
 * and, when impi has a registration, a token naming it (index, generation
 * and a keyed MAC over both: a registration cannot be named from outside).
 * The S-CSCF stores the Path of the REGISTER it accepts, the protected one,
 * which always has its registration. Length, or -ENOSPC.
 */
int term_path(struct proxy *p, const char *impi, char *out, size_t cap);

/*
 * 64-bit keyed MAC (SipHash-2-4, libsodium crypto_shorthash) over a domain
 * letter and a registration's index and generation: the Path token uses
 * 't', the reg-event Call-ID 'r', so one cannot stand for the other.
 */
uint64_t term_mac(const struct proxy *p, char domain, uint32_t ri, uint32_t gen);

/* The whole response to req sent back to src on the core socket. */
int term_reply_core(struct proxy *p, osip_message_t *req, const struct term_peer *src, int code,
		    const char *reason);

#endif
