/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the P-CSCF does to a request from a UE before it goes to the core,
 * and to the response before it goes back (TS 24.229 5.2.6.3, 5.2.7;
 * RFC 3261 16.3/16.6; RFC 3325; RFC 3455). Two entry points, called once
 * each: orig_request() where a request is ready to be relayed,
 * orig_response() where a response is ready for the UE. The pieces live in
 * route.c (Route, Record-Route, Max-Forwards, loops), identity.c (who the
 * request is from: P-Asserted-Identity, the sec-agree headers) and
 * charging.c (P-Charging-Vector, P-Visited-Network-ID).
 */
#ifndef PCSCF_ORIG_H
#define PCSCF_ORIG_H

#include <stdbool.h>
#include "proxy/proxy.h"
#include "proxy/sip_msg.h"

/*
 * 0: relay msg (changed in place). Otherwise the request was answered
 * (400/403/482/483 back the way it came) or dropped, is counted, and must
 * not go on: a negative errno.
 */
int orig_request(struct proxy *p, const struct sip_in *m, osip_message_t *msg);
/* RFC 3261 12.1, RFC 6665 4.1, RFC 3515 2.4.4: an initial request that may create a dialog. */
bool orig_creates_dialog(osip_message_t *msg);
/* A response of transaction t, about to go to the UE. */
void orig_response(struct proxy *p, const struct txn *t, osip_message_t *msg);

/* route.c */
/* A Via or URI host as an address (IPv6 with or without brackets); -EINVAL for a name. */
int route_host_addr(const char *h, struct pcscf_addr *a);
/* Our Record-Route/Route URI on the core side, "<sip:HOST:PORT;lr>"; length or -ENOSPC. */
int route_core_uri(const struct proxy *p, char *out, size_t cap);
/* The URI names this node: one of our addresses on a port of ours, or the core side. */
bool route_names_us(const struct proxy *p, const osip_uri_t *u);
/* Removes the Route entries at the top that name us (RFC 3261 16.4); how many. */
int route_pop_own(struct proxy *p, osip_message_t *msg);
/* Some Via is ours (our core-side sent-by and a branch of ours): a loop (RFC 3261 16.3 4). */
bool route_loops(const struct proxy *p, osip_message_t *msg);
/*
 * RFC 3261 16.3 3 and 16.6 3: decrements Max-Forwards, or inserts 70.
 * 0, -ELOOP (it was 0: 483) or -EINVAL (not a number: 400).
 */
int route_max_forwards(osip_message_t *msg);
/*
 * An initial request follows the registration's Service-Route (24.229
 * 5.2.6.3.2): with verify, -EPERM when the Route set (ours already popped)
 * differs; with replace, the Route set becomes the Service-Route. 0 when
 * the registration has none.
 */
int route_service(struct proxy *p, osip_message_t *msg, const struct reg *r);
/* Our core-side Record-Route on top (RFC 3261 16.6 4). */
int route_record(struct proxy *p, osip_message_t *msg);
/*
 * In a response for the UE, our Record-Route entry becomes our access
 * address and @port (the protected server port of the UE's SA), so the
 * UE's in-dialog requests come back through the SA (24.229 5.2.6.3.3/4).
 */
int route_rr_to_ue(struct proxy *p, osip_message_t *msg, const struct pcscf_addr *ours,
		   uint16_t port);
/*
 * Terminating dialogs (24.229 5.2.7): towards the UE our access address and
 * the protected server port on top of the Record-Route; in the UE's
 * responses that entry becomes our core-side URI again.
 */
int route_record_access(struct proxy *p, osip_message_t *msg, const struct pcscf_addr *ours,
			uint16_t port);
int route_rr_to_core(struct proxy *p, osip_message_t *msg);

/* identity.c */
/* Security-Client, Security-Verify, sec-agree in (Proxy-)Require: ours, never the core's. */
void ident_strip_sec_agree(osip_message_t *msg);
/*
 * The comparable form of a URI in a header value (name-addr or addr-spec):
 * scheme and host lower case, user as is, port kept, parameters dropped.
 * Length, or -EINVAL.
 */
int ident_uri_key(const char *value, char *out, size_t cap);
/* Index of the registration's IMPU (P-Associated-URI) that uri names, or -1. */
int ident_impu_index(const struct reg *r, const char *uri);
/* The From URI is one of the registration's IMPUs. */
bool ident_from_ok(const struct reg *r, osip_message_t *msg);
/*
 * RFC 3325 / 24.229 5.2.6.3.2: every P-Asserted-Identity and
 * P-Preferred-Identity of the UE out; asserted: its preferred identity when
 * that is one of its IMPUs, else the default (first) IMPU. Returns how many
 * UE-supplied P-Asserted-Identity headers were removed, or -errno.
 */
int ident_assert(osip_message_t *msg, const struct reg *r);

/* charging.c */
/* P-Charging-Vector and P-Charging-Function-Addresses out (never from a UE, never to one). */
void charging_strip(osip_message_t *msg);
/*
 * "NODE.START.ID": unique across nodes (node), restarts (start time, us) and
 * requests (a keyed hash of what identifies the request), the same for a
 * retransmission of m. Length or -ENOSPC.
 */
int charging_icid(struct proxy *p, const struct sip_in *m, osip_message_t *msg, char *out,
		  size_t cap);
/* P-Charging-Vector with the icid-value of m (and orig-ioi when configured). */
int charging_add_vector(struct proxy *p, const struct sip_in *m, osip_message_t *msg);
/* The UE's P-Visited-Network-ID out; ours in when configured. */
int charging_visited(struct proxy *p, osip_message_t *msg);
/* Node token for the icid when none is configured: the first address, in hex. */
void charging_init(struct proxy *p);

#endif
