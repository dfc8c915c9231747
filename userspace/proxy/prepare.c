// SPDX-License-Identifier: GPL-2.0
/*
 * Where the transaction layer meets the two directions: which leg a
 * message goes out on (the UE through its SA or plainly, the core), and
 * what each direction rewrites on the way (orig.h for requests from UEs and
 * their responses, the Record-Route of terminating dialogs here, with the
 * route.c pieces the originating side uses). The response handling itself
 * stays with its direction: from_core.c (REGISTER, originating),
 * terminating.c, reg_event.c.
 */
#include <errno.h>

#include "proxy/orig.h"
#include "proxy/proxy_priv.h"
#include "proxy/txn_proxy.h"

int prep_send_up(struct proxy *p, const struct txn *t, const char *buf, size_t len)
{
	struct ue_route r;

	switch (t->kind) {
	case TXN_ORIG:
		r = route_of_txn(t);
		return proxy_send_ue_text(p, &r, buf, len);
	case TXN_TERM:
		return core_send_to(p, &t->peer_addr, t->peer_port, buf, len);
	default:
		return 0; /* our own request: nobody upstream */
	}
}

int prep_send_down(struct proxy *p, const struct txn *t, const char *buf, size_t len)
{
	const struct reg_sa_set *set;

	if (t->kind != TXN_TERM)
		return core_send(p, buf, len);
	/* The set the UE uses now (TS 33.203 7.4), looked up at each send: sets rotate. */
	set = term_set_of(p, t->ri, t->rgen);
	if (!set)
		return -ENOENT;
	return ue_send_protected(p, set, REG_SA_US, buf, len);
}

void prep_deliver(struct proxy *p, struct txn *t, osip_message_t *msg, struct raw_keys *k)
{
	switch (t->kind) {
	case TXN_ORIG:
		orig_deliver(p, t, msg, k);
		break;
	case TXN_TERM:
		term_deliver(p, t, msg);
		break;
	case TXN_LOCAL:
		reg_event_on_txn_response(p, t, msg);
		break;
	default:
		break;
	}
}

int prep_term_request(struct proxy *p, osip_message_t *msg, const struct reg_sa_set *set)
{
	/* 24.229 5.2.7.3: in-dialog requests of the UE must come back through its SA. */
	if (!orig_creates_dialog(msg))
		return 0;
	return route_record_access(p, msg, &set->our_addr, set->port_ps) < 0 ? -ENOMEM : 0;
}

void prep_term_response(struct proxy *p, const struct txn *t, osip_message_t *msg)
{
	/* The core's in-dialog requests come to our core side (24.229 5.2.7.4). */
	route_rr_to_core(p, msg);
}
