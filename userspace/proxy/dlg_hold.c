// SPDX-License-Identifier: GPL-2.0
/*
 * Hold buffers: the answer waiting for the AAA, printed as it would go out,
 * with where it goes; wiped when given back.
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

void dlg_held_put(struct dlg_ctx *c, struct dlg *d)
{
	struct held *h;

	if (d->held == DLG_NONE)
		return;
	h = &c->held[d->held];
	sodium_memzero(h->text, h->len);
	h->len = 0;
	h->next_free = c->held_free;
	c->held_free = d->held;
	c->held_live--;
	d->held = DLG_NONE;
}

/* Into d's hold buffer (taken if it has none): 0, -ENOBUFS (none free), -ENOSPC. */
int dlg_held_set(struct dlg_ctx *c, struct dlg *d, osip_message_t *msg, const struct ue_route *to)
{
	struct held *h;
	int n;

	if (d->held == DLG_NONE) {
		if (c->held_free == DLG_NONE)
			return -ENOBUFS;
		d->held = c->held_free;
		c->held_free = c->held[d->held].next_free;
		c->held_live++;
	}
	h = &c->held[d->held];
	n = sipm_print(msg, h->text, sizeof(h->text));
	if (n < 0) {
		dlg_held_put(c, d);
		return -ENOSPC;
	}
	h->len = n;
	h->to = *to;
	h->to_core = false; /* dlg_term.c sets it for the answers it holds */
	return 0;
}
