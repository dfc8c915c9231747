// SPDX-License-Identifier: GPL-2.0
/*
 * Requests pcscfd sends itself in a dialog: ACK, BYE and CANCEL towards the
 * far end through the core, BYE to the UE through its SAs. Their branch
 * starts with OWN_BRANCH so their answers are absorbed (dlg_own_response).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/outbuf.h"
#include "rx/rx.h"
#include "proxy/dialog.h"
#include "proxy/dlg_priv.h"
#include "proxy/dlg_rx.h"
#include "proxy/orig.h"
#include "proxy/proxy_priv.h"
#include "reg/reg.h"

static const char *br(const char *host, bool open)
{
	return strchr(host, ':') ? (open ? "[" : "]") : "";
}

int dlg_build(struct dlg_ctx *c, const char *method, const char *ruri, const char *via_host,
	      uint16_t via_port, const char *branch, const char *route, const char *from,
	      const char *to, const struct dlg *d, uint32_t cseq, const char *reason)
{
	char b[48];
	int n;

	if (!branch) {
		snprintf(b, sizeof(b), OWN_BRANCH "%08x%08x", randombytes_random(),
			 randombytes_random());
		branch = b;
	}
	n = snprintf(c->out, sizeof(c->out),
		     "%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s%s%s:%u;branch=%s\r\n"
		     "Max-Forwards: 70\r\n%s%s%sFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\n"
		     "CSeq: %u %s\r\n%s%s%sContent-Length: 0\r\n\r\n",
		     method, ruri, br(via_host, true), via_host, br(via_host, false), via_port,
		     branch, route[0] ? "Route: " : "", route, route[0] ? "\r\n" : "", from, to,
		     d->call_id, cseq, method, reason ? "Reason: " : "", reason ? reason : "",
		     reason ? "\r\n" : "");
	return n > 0 && (size_t)n < sizeof(c->out) ? n : -ENOSPC;
}

/* ACK (of the far end's 2xx), BYE or CANCEL towards the far end, through the core. */
void dlg_to_far(struct proxy *p, struct dlg *d, const char *method, const char *reason)
{
	struct dlg_ctx *c = p->dlg;
	bool cancel = !strcmp(method, "CANCEL"), ack = !strcmp(method, "ACK");
	int n;

	if (cancel) /* the INVITE as we sent it: same Request-URI, Via, Route (RFC 3261 9.1) */
		n = dlg_build(c, method, d->ruri, p->core_via_host, p->core_via_port, d->branch,
			      d->inv_route, d->ue_nameaddr, d->inv_to, d, d->invite_cseq, reason);
	else if (d->far_target[0])
		n = dlg_build(c, method, d->far_target, p->core_via_host, p->core_via_port, NULL,
			      d->core_route, d->ue_nameaddr, d->far_nameaddr, d,
			      ack ? (d->updating ? d->ue_cseq : d->invite_cseq) : ++d->ue_cseq,
			      reason);
	else
		n = -ENOENT;
	if (n < 0 || core_send(p, c->out, n)) {
		pr_warn_rl("dialog %s: cannot send %s to the far end", d->call_id, method);
		return;
	}
	if (cancel)
		c->st.far_cancel++;
	else if (!ack)
		c->st.far_bye++;
}

/*
 * ACK or BYE to the UE through its SAs (port_pc -> port_us, as terminating
 * requests go): the far end's side of the dialog, From far_nameaddr, To
 * ue_nameaddr. An ACK answers the UE's 2xx to the far end's INVITE (the
 * re-INVITE's while one is updating), a BYE takes the far end's next CSeq.
 */
void dlg_to_ue(struct proxy *p, struct dlg *d, const char *method, const char *reason)
{
	const struct reg *r = reg_by_index(p->regs, d->reg_ri, d->reg_gen);
	const struct reg_sa_set *set = NULL;
	bool ack = !strcmp(method, "ACK");
	char via[ADDR_STR_LEN];
	int n;

	if (r) {
		set = reg_set_of(p->regs, r, REG_SET_OLD);
		if (!set)
			set = reg_set_of(p->regs, r, REG_SET_NEW);
	}
	if (!set || !d->ue_target[0] || !d->far_nameaddr[0]) {
		pr_warn_rl("dialog %s: no SA or contact left to reach the UE: no %s", d->call_id,
			   method);
		return;
	}
	addr_str(&set->our_addr, via, sizeof(via));
	n = dlg_build(p->dlg, method, d->ue_target, via, set->port_pc, NULL, "", d->far_nameaddr,
		      d->ue_nameaddr, d,
		      ack ? (d->updating ? d->far_cseq : d->invite_cseq) : ++d->far_cseq,
		      ack ? NULL : reason);
	if (n < 0 || ue_send_protected(p, set, REG_SA_US, p->dlg->out, n)) {
		pr_warn_rl("dialog %s: cannot send %s to the UE", d->call_id, method);
		return;
	}
	if (!ack)
		p->dlg->st.ue_bye++;
}

void dlg_bye_ue(struct proxy *p, struct dlg *d, const char *reason)
{
	dlg_to_ue(p, d, "BYE", reason);
}
