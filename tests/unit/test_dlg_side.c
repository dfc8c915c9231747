// SPDX-License-Identifier: GPL-2.0
/*
 * Which dialog a message belongs to (dlg_term.c dlg_ue_side / dlg_far_side):
 * dialogs are keyed by Call-ID + the caller's tag + direction (dialog.h),
 * so a message whose From is the UE's finds an originating dialog by its
 * From tag, else a terminating one by its To tag; one whose From is the far
 * end's the other way round. A table over both directions and a call
 * between two UEs of this P-CSCF (both legs here, one Call-ID, one caller's
 * tag), with messages parsed by libosip2 as the proxy gets them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "proxy/dlg_priv.h"
#include "proxy/sip_msg.h"

static osip_message_t *req(const char *from_tag, const char *to_tag)
{
	static char buf[512];
	osip_message_t *m = NULL;
	int n = snprintf(
		buf, sizeof(buf),
		"BYE sip:x@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1\r\n"
		"From: <sip:a@ims.example>%s%s\r\nTo: <sip:b@ims.example>%s%s\r\n"
		"Call-ID: call-1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
		from_tag ? ";tag=" : "", from_tag ? from_tag : "", to_tag ? ";tag=" : "",
		to_tag ? to_tag : "");

	return sipm_parse(&m, buf, n) ? NULL : m;
}

int main(void)
{
	static struct dlg_ctx c;
	struct dlg *orig, *term, *hp_orig, *hp_term;
	enum { ORIG, TERM, HP_ORIG, HP_TERM, NONE };
	static const struct {
		const char *what, *from_tag, *to_tag;
		bool ue_side;
		int want;
	} t[] = {
		{"orig: the UE's BYE (From: UE tag)", "ue1", "far1", true, ORIG},
		{"orig: the far end's BYE (To: UE tag)", "far1", "ue1", false, ORIG},
		{"orig: the UE's request, early (no To tag)", "ue1", NULL, true, ORIG},
		{"term: the far end's BYE (From: its tag)", "far2", "ue2", false, TERM},
		{"term: the UE's BYE (To: the caller's tag)", "ue2", "far2", true, TERM},
		{"term: the UE's answer side has no dialog by From", "far2", NULL, true, NONE},
		{"hairpin: A's BYE from UE A (orig leg)", "A", "B", true, HP_ORIG},
		{"hairpin: A's BYE to UE B from the core (term leg)", "A", "B", false, HP_TERM},
		{"hairpin: B's BYE from UE B (term leg)", "B", "A", true, HP_TERM},
		{"hairpin: B's BYE to UE A from the core (orig leg)", "B", "A", false, HP_ORIG},
		{"unknown tags", "x", "y", true, NONE},
		{"no tags at all", NULL, NULL, false, NONE},
	};

	if (sipm_init() || dlg_table_init(&c.t, 16, 2)) {
		TAP_CHECK(0, "setup");
		return 1;
	}
	orig = dlg_new_dir(&c.t, "call-1", "ue1", DLG_ORIG, 0, 1);
	term = dlg_new_dir(&c.t, "call-1", "far2", DLG_TERM, 0, 1);
	hp_orig = dlg_new_dir(&c.t, "call-1", "A", DLG_ORIG, 0, 1);
	hp_term = dlg_new_dir(&c.t, "call-1", "A", DLG_TERM, 1, 1);
	TAP_CHECK(orig && term && hp_orig && hp_term && hp_orig != hp_term,
		  "four dialogs on one Call-ID, both legs of the hairpin apart");
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct dlg *want[] = {orig, term, hp_orig, hp_term, NULL}, *got;
		osip_message_t *m = req(t[i].from_tag, t[i].to_tag);

		if (!m) {
			TAP_CHECK(0, "%s: parsed", t[i].what);
			continue;
		}
		got = t[i].ue_side ? dlg_ue_side(&c, "call-1", m) : dlg_far_side(&c, "call-1", m);
		TAP_CHECK(got == want[t[i].want], "%-52s %s", t[i].what,
			  got == orig	   ? "orig"
			  : got == term	   ? "term"
			  : got == hp_orig ? "hairpin orig"
			  : got == hp_term ? "hairpin term"
					   : "none");
		osip_message_free(m);
	}
	dlg_table_fini(&c.t);
	return tap_failed ? 1 : 0;
}
