// SPDX-License-Identifier: GPL-2.0
/*
 * The two hooks of orig.h: a request from a UE on its way to the core, a
 * response on its way back to the UE. Order matters: who may send is
 * settled first (nothing of a refused request is relayed), then the hop
 * checks, then what the core must see (routes, identity, charging).
 *
 * Initial requests (no To tag) are bound hardest: their From must be one of
 * the registration's identities and their Route set follows its
 * Service-Route. In-dialog requests are bound to the registration by the SA
 * alone: their From is the dialog's local URI, which in a dialog the UE
 * answered is whatever the caller addressed; they keep the route set the
 * dialog recorded.
 */
#include <errno.h>
#include <string.h>

#include "common/addr.h"
#include "common/log.h"
#include "proxy/orig.h"
#include "proxy/dlg_rx.h"
#include "proxy/proxy_priv.h"
#include "proxy/sip_msg.h"

static bool has_to_tag(osip_message_t *msg)
{
	osip_generic_param_t *tag = NULL;

	return msg->to && !osip_to_get_tag(msg->to, &tag) && tag;
}

bool orig_creates_dialog(osip_message_t *msg)
{
	return (MSG_IS_INVITE(msg) || MSG_IS_SUBSCRIBE(msg) || MSG_IS_REFER(msg)) &&
	       !has_to_tag(msg);
}

static int refuse(struct proxy *p, const struct sip_in *m, osip_message_t *msg, uint64_t *ctr,
		  int code, const char *reason)
{
	char a[ADDR_STR_LEN];

	(*ctr)++;
	pr_warn_rl("%s from %s (spi 0x%08x): %d %s", msg->sip_method ? msg->sip_method : "request",
		   addr_str(&m->src, a, sizeof(a)), m->spi, code, reason);
	if (m->protected || MSG_IS_REGISTER(msg))
		proxy_reply(p, m, msg, code, reason);
	return -EPERM;
}

/* The registration a protected request speaks for, or NULL when it may not speak at all. */
static const struct reg *live_reg(struct proxy *p, const struct sip_in *m)
{
	const struct reg_sa_set *set = reg_sa_by_slot(p->regs, m->slot, m->generation);
	const struct reg *r = reg_of_set(p->regs, set);

	if (!m->protected || !r || !r->registered || r->dereg_pending ||
	    set->state == REG_SET_TEMPORARY)
		return NULL;
	return r;
}

int orig_request(struct proxy *p, const struct sip_in *m, osip_message_t *msg)
{
	bool reg = MSG_IS_REGISTER(msg), initial = !has_to_tag(msg);
	const struct reg *r = NULL;
	int n;

	ident_strip_sec_agree(msg);
	if (!reg) {
		r = live_reg(p, m);
		if (!r)
			return refuse(p, m, msg, &p->stats.orig_forbidden, 403,
				      "Forbidden (not registered)");
		if (initial && !ident_from_ok(r, msg))
			return refuse(p, m, msg, &p->stats.orig_forbidden, 403,
				      "Forbidden (From is not a registered identity)");
	}
	if (route_loops(p, msg))
		return refuse(p, m, msg, &p->stats.loop_482, 482, "Loop Detected");
	n = route_max_forwards(msg);
	if (n == -ELOOP)
		return refuse(p, m, msg, &p->stats.hops_483, 483, "Too Many Hops");
	if (n)
		return refuse(p, m, msg, &p->stats.parse_errors, 400, "Bad Request (Max-Forwards)");
	route_pop_own(p, msg);
	charging_strip(msg);
	if (reg) {
		/* RFC 3325: nothing a UE asserts crosses into the trust domain. */
		p->stats.pai_removed += sipm_remove(msg, "P-Asserted-Identity");
		sipm_remove(msg, "P-Preferred-Identity");
	} else {
		n = ident_assert(msg, r);
		if (n < 0)
			return refuse(p, m, msg, &p->stats.orig_forbidden, 403,
				      "Forbidden (no identity to assert)");
		p->stats.pai_removed += n;
	}
	if (!initial)
		return dlg_orig_request(p, m, msg, r); /* dlg_rx.c: BYE, ACK, re-INVITE of a dialog */
	if (!reg) {
		n = route_service(p, msg, r);
		if (n == -EPERM)
			return refuse(p, m, msg, &p->stats.route_mismatch, 400,
				      "Bad Request (Route does not follow the Service-Route)");
		if (n)
			return refuse(p, m, msg, &p->stats.parse_errors, 500,
				      "Server Internal Error (Service-Route)");
	}
	/* A CANCEL belongs to its INVITE's charging session (9.1: same Route, same request). */
	if (!MSG_IS_CANCEL(msg) && (charging_add_vector(p, m, msg) || charging_visited(p, msg)))
		return refuse(p, m, msg, &p->stats.parse_errors, 500, "Server Internal Error");
	if (!reg && orig_creates_dialog(msg) && route_record(p, msg))
		return refuse(p, m, msg, &p->stats.parse_errors, 500, "Server Internal Error");
	return reg ? 0 : dlg_orig_request(p, m, msg, r); /* dlg_rx.c: INVITE with SDP, CANCEL */
}

void orig_response(struct proxy *p, const struct txn *t, osip_message_t *msg)
{
	const struct reg_sa_set *set;

	charging_strip(msg);
	if (!t->protected)
		return;
	set = reg_sa_by_slot(p->regs, t->ue.sa_slot, t->ue.sa_generation);
	route_rr_to_ue(p, msg, &t->ue.our_addr, set ? set->port_ps : p->cfg.port_ps);
}
