/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The P-CSCF's subscription to each registered UE's reg event (TS 24.229
 * 5.2.3, RFC 3680, RFC 6665): SUBSCRIBE after every successful
 * registration (a refresh in the dialog once it exists), Expires 0 when the
 * UE de-registers, and NOTIFYs from the S-CSCF that end the registration
 * (or the contact of this UE) remove it and its SAs.
 *
 * One subscription per registration, stored by registration index and
 * checked against its generation; the subscription's Call-ID carries the
 * index, the generation and a keyed MAC (terminating.c term_mac, domain
 * 'r'), so a NOTIFY finds it in O(1) and a NOTIFY with a Call-ID we did not
 * make is no NOTIFY of ours (it goes on as a terminating request: a UE has
 * its own reg-event subscription).
 */
#ifndef PCSCF_REG_EVENT_H
#define PCSCF_REG_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <osipparser2/osip_message.h>
#include "proxy/proxy.h"

struct term_peer;

/* SUBSCRIBE Expires: the registration's plus this (24.229 5.2.3: higher than the 200's). */
#define REG_EVENT_EXTRA_S 600

int reg_event_init(struct proxy *p);
void reg_event_fini(struct proxy *p);
/* A 200 to a REGISTER of impi was handled: expires > 0 subscribes or refreshes, 0 ends. */
void reg_event_on_registration(struct proxy *p, const char *impi, uint32_t expires);
/*
 * The registration is being forgotten, however it ends (expiry, eviction,
 * de-registration, pcscfd stopping): an active subscription gets Expires 0
 * unless its end is already under way or the network ended it.
 */
void reg_event_reg_gone(struct proxy *p, const struct reg *r);
/* A NOTIFY from the core: true when it belongs to one of our subscriptions (answered). */
bool reg_event_on_notify(struct proxy *p, osip_message_t *msg, const struct term_peer *src);

#endif
