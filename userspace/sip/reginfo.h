/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 3680 reginfo documents (application/reginfo+xml), the body of a
 * reg-event NOTIFY: parsed with libxml2 (no network, no entity expansion,
 * no error output) and walked for what a P-CSCF acts on (TS 24.229 5.2.3):
 * each <registration>'s aor and state, and each of its <contact>s' state and
 * <uri>. Pure: the caller decides what a terminated one means.
 */
#ifndef PCSCF_REGINFO_H
#define PCSCF_REGINFO_H

#include <stddef.h>

#define REGINFO_MAX_LEN	  65536 /* bodies above this are refused unread */
#define REGINFO_MAX_ITEMS 512	/* registrations + contacts walked at most */

/*
 * Called once per <registration> (contact_state and uri NULL) and once per
 * <contact> in it, in document order; strings are never NULL otherwise
 * ("" when absent) and live until the call returns. A non-zero return stops
 * the walk and is returned.
 */
typedef int (*reginfo_cb)(void *ctx, const char *aor, const char *reg_state,
			  const char *contact_state, const char *uri);

/* 0, the callback's non-zero value, or -EBADMSG (not a reginfo document, too big). */
int reginfo_walk(const char *xml, size_t len, reginfo_cb cb, void *ctx);

#endif
