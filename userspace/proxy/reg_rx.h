/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Registration-level Rx: the IMS signalling path status of each registered
 * UE (TS 29.214 4.4.5a, 4.4.6.x; TS 23.228 5.2.2), --rx-signalling-path on.
 *
 *   reg_rx_registered  a 200 to REGISTER registered or refreshed the UE: the
 *                      signalling AAR (new registration, or its SA set moved:
 *                      an UPDATE of the flows); the UE is reachable again
 *   reg_rx_gone        the registration ends: STR
 *   reg_rx_on_abort    the abort handler's handle is a registration's (RAR
 *                      bearer lost/released, ASR): its dialogs are released
 *                      (BYE both sides) and the UE is marked unreachable;
 *                      false when the handle is not one of ours
 *   reg_rx_refuse      a terminating initial INVITE to a UE marked so: true,
 *                      answer 480 (the caller sends it)
 */
#ifndef PCSCF_REG_RX_H
#define PCSCF_REG_RX_H

#include <stdbool.h>
#include <stdint.h>
#include "proxy/proxy.h"
#include "proxy/sip_msg.h"

int reg_rx_init(struct proxy *p);
void reg_rx_fini(struct proxy *p);
void reg_rx_registered(struct proxy *p, const char *impi);
void reg_rx_gone(struct proxy *p, const struct reg *r);
bool reg_rx_on_abort(struct proxy *p, uint64_t h, int why);
bool reg_rx_refuse(struct proxy *p, const struct reg *r, osip_message_t *msg);
struct outbuf;
/* The "sigpath" counters for pcscfctl stats (after the dialogs). */
void reg_rx_stats_render(const struct proxy *p, struct outbuf *o, bool json);

#endif
