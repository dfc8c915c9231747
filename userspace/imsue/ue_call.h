/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calls and MESSAGEs of a registered UE (TS 24.229 5.1.2A, RFC 3261, RFC
 * 3428), both ways, through its SAs as TS 33.203 7.1 has them: our requests
 * leave from port_uc to the P-CSCF's port_ps (SA UC_PS) and their responses
 * come back to port_uc (PS_UC); terminating requests arrive on port_us
 * (PC_US) and our responses leave from port_us to port_pc (US_PC). Anything
 * else (a request to port_uc, a response to port_us) is dropped and counted.
 *
 *   call         INVITE (SDP) <- 100/180/200 -> ACK -> BYE <- 200
 *   call-cancel  INVITE <- 180 -> CANCEL <- 200 and 487 -> ACK
 *   message      MESSAGE <- 200
 *   calls N, messages N: N of them back to back (load: with --count UEs)
 *
 * Initial requests carry Route: the P-CSCF (its protected server port) and
 * the Service-Route of the registration; in-dialog ones the route set of the
 * 2xx's Record-Route, reversed, to the 2xx's Contact.
 */
#ifndef IMSUE_UE_CALL_H
#define IMSUE_UE_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imsue/ue.h"

struct ue_call_stats {
	uint64_t calls, cancelled, messages; /* completed as caller */
	uint64_t failed;
	uint64_t wrong_sa;	    /* a request to port_uc or a response to port_us: dropped */
	uint64_t unparsed;	    /* protected SIP libosip2 would not read: dropped */
	uint64_t first_ms, last_ms; /* first caller request sent, last caller exchange done */
};
extern struct ue_call_stats ue_call_stats;

/* Start command @s (call, call-cancel, message, calls N, messages N). */
void ue_call_cmd(struct ue *u, const struct ue_step *s, uint64_t now);
/*
 * A protected message for @u that arrived through inbound SA @w of @set.
 * true: it was a call's or a MESSAGE's (handled or dropped); false: not
 * ours (REGISTER/OPTIONS answers: ue_on_sip()).
 */
bool ue_call_on_sip(struct ue *u, const char *msg, size_t len, struct ue_sa_set *set,
		    enum ue_sa_which w, uint64_t now);
void ue_call_on_timer(struct ue *u, uint64_t now);
uint64_t ue_call_deadline(const struct ue *u);
/* The live set holding inbound SPI @spi and which of its two SAs it is, or NULL. */
struct ue_sa_set *ue_inbound_set(struct ue *u, uint32_t spi, enum ue_sa_which *w);
/* The registration's Service-Route (from its 200), the tail of our initial Route. */
void ue_call_learn_route(struct ue *u, const char *service_route);
/* Dialogs of @u go (de-registration, end of run). */
void ue_call_fini(struct ue *u);

#endif /* IMSUE_UE_CALL_H */
