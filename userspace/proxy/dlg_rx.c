// SPDX-License-Identifier: GPL-2.0
/*
 * INVITE dialogs and Rx (dlg_rx.h). When: the AAR goes out at the SDP
 * answer (the first 18x/2xx of the INVITE that carries SDP), with the offer
 * kept from the INVITE, and that response is held until the AAA. TS 29.213
 * B.3 has the P-CSCF derive the service information from the offer and the
 * answer together (the UE's and the far end's media addresses, both codec
 * lists); the offer alone is optional there (preliminary authorisation),
 * and TS 24.229 5.2.7 lets the INVITE go on to the core meanwhile. One AAR
 * per dialog, with the flows of both ends known.
 *
 * The verdict (rx_dispatch, on this thread):
 *   allowed (or no PCRF and the policy allows)  the held response goes on
 *   refused                                     the UE gets result->sip_status
 *       with the Warning in place of the held response; the far end gets
 *       ACK + BYE if what was held was a 2xx, CANCEL if it was a 18x (its
 *       2xx, if it still comes, gets ACK + BYE), so no half dialog is left
 *   no held-buffer or Rx room                   the same with 503
 * A re-INVITE/UPDATE with SDP is an update of the session at its answer; a
 * refused update ends the dialog both ways (BYE to each side).
 * BYE (either side), CANCEL, a failed INVITE and the end of the registration
 * end the Rx session (STR). The PCRF's RAR (bearer lost/released) or ASR:
 * BYE to both sides, built from what the dialog kept, then STR.
 *
 * Requests pcscfd sends itself carry a branch "z9hG4bK-pcdlg..." whose
 * answers are absorbed (dlg_own_response). The far end's offers (terminating
 * INVITEs, its re-INVITE/UPDATE) are the same at the UE's answer, held on
 * its way to the core: dlg_term.c. An INVITE without SDP has its AAR at the
 * ACK's answer (dlg_late_offer.c); a dialog not up in time ends
 * (dlg_timer.c). The files: dlg_priv.h. Not built: an offer in a reliable
 * 18x (answer in the PRACK); forked early dialogs share the first far-end
 * tag.
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

struct proxy *dlg_proxy;

int dlg_init(struct proxy *p)
{
	uint32_t cap = p->cfg.max_dialogs;
	uint32_t nheld = p->cfg.max_held ? p->cfg.max_held : DLG_DEF_HELD;
	struct dlg_ctx *c;
	int err;

	rx_set_abort_handler(dlg_on_abort, p);
	if (!cap) /* tests and fuzzers without Rx: no table, every hook returns at once */
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (nheld > cap)
		nheld = cap;
	err = dlg_table_init(&c->t, cap, p->cfg.max_regs ? p->cfg.max_regs : 1);
	if (!err) {
		c->held = calloc(nheld, sizeof(*c->held));
		if (!c->held)
			err = -ENOMEM;
	}
	if (err) {
		dlg_table_fini(&c->t);
		free(c);
		return err;
	}
	c->nheld = nheld;
	for (uint32_t i = 0; i < nheld; i++)
		c->held[i].next_free = i + 1 < nheld ? i + 1 : DLG_NONE;
	p->dlg = c;
	dlg_proxy = p;
	return 0;
}

void dlg_fini(struct proxy *p)
{
	if (!p->dlg)
		return;
	for (uint32_t i = 0; i < p->dlg->nheld; i++)
		sodium_memzero(p->dlg->held[i].text, p->dlg->held[i].len);
	free(p->dlg->held);
	dlg_table_fini(&p->dlg->t);
	free(p->dlg);
	p->dlg = NULL;
	if (dlg_proxy == p)
		dlg_proxy = NULL;
}

void dlg_stats_render(const struct proxy *p, struct outbuf *o, bool json)
{
	const struct dlg_ctx *c = p->dlg;
	int i = 0;

	if (!c)
		return;
	if (json)
		outbuf_printf(o, ",\"dialogs\":{\"live\":%u,\"held_now\":%u", c->t.live,
			      c->held_live);
	else
		outbuf_printf(o, "dialogs (Rx)\n  %-32s %u\n  %-32s %u\n", "live", c->t.live,
			      "held_now", c->held_live);
	i = json; /* the JSON object has members already */
#define R(f)                                                                                       \
	outbuf_printf(o, json ? "%s\"%s\":%llu" : "%s  %-32s %llu\n", json &&i++ ? "," : "", #f,   \
		      (unsigned long long)c->st.f);
	DLG_STATS(R)
#undef R
	if (json)
		outbuf_printf(o, "}");
}

static const char *const state_name[] = {"free",    "offered",	    "authorizing", "active",
					 "refused", "late-offered", "confirming"};

void dlg_list_render(const struct proxy *p, struct outbuf *o, bool json)
{
	const struct dlg_ctx *c = p->dlg;
	char cid[DLG_CALLID_MAX * 6 + 3], ue[ADDR_STR_LEN];
	uint32_t shown = 0;

	if (!c)
		return;
	outbuf_printf(o, json ? ",\"dialogs\":[" : "dialogs: %u live\n", c->t.live);
	/* a control command, not the SIP path: a scan that stops once every live one is out */
	for (uint32_t i = 0; i < c->t.cap && shown < c->t.live && !o->overflow; i++) {
		const struct dlg *d = &c->t.d[i];

		if (!d->gen)
			continue;
		/* the Call-ID came from a UE: escaped in both forms */
		if (reg_json_string(d->call_id, cid, sizeof(cid)) < 0)
			continue;
		addr_str(&d->ue_addr, ue, sizeof(ue));
		if (json)
			outbuf_printf(o,
				      "%s{\"call_id\":%s,\"state\":\"%s\",\"ue\":\"%s\","
				      "\"rx_session\":%s,\"held\":%s}",
				      shown ? "," : "", cid, state_name[d->state], ue,
				      d->rx ? "true" : "false",
				      d->held != DLG_NONE ? "true" : "false");
		else
			outbuf_printf(o, "  %-11s %-24s rx %-3s %s%s\n", state_name[d->state], ue,
				      d->rx ? "yes" : "no", cid,
				      d->held != DLG_NONE ? " (held)" : "");
		shown++;
	}
	if (json)
		outbuf_printf(o, "]");
}
