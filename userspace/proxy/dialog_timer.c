// SPDX-License-Identifier: GPL-2.0
/*
 * The dialog timer of dialog.h: intrusive FIFO queues through the slots.
 * Each queue has one constant bound (the caller's), and time only grows, so
 * a dialog armed now is due no earlier than every one before it: appending
 * keeps the queue ordered, arming and stopping are O(1), and a tick looks
 * at the heads alone, never at the table.
 */
#include <stddef.h>
#include <stdint.h>

#include "proxy/dialog.h"

void dlg_timer_stop(struct dlg_table *t, struct dlg *d)
{
	uint8_t q = d->tq;

	if (q == DLG_TQ_NONE || q >= DLG_TQ_N)
		return;
	if (d->tprev != DLG_NONE)
		t->d[d->tprev].tnext = d->tnext;
	else
		t->tq_head[q] = d->tnext;
	if (d->tnext != DLG_NONE)
		t->d[d->tnext].tprev = d->tprev;
	else
		t->tq_tail[q] = d->tprev;
	d->tq = DLG_TQ_NONE;
	d->tprev = d->tnext = DLG_NONE;
	d->due = 0;
}

void dlg_timer_arm(struct dlg_table *t, struct dlg *d, enum dlg_tq q, uint64_t due)
{
	uint32_t i = d - t->d, tail;

	dlg_timer_stop(t, d);
	if (q == DLG_TQ_NONE || q >= DLG_TQ_N || !d->gen)
		return;
	tail = t->tq_tail[q];
	if (tail != DLG_NONE && t->d[tail].due > due)
		due = t->d[tail].due; /* a bound changed or the clock stepped back: stay ordered */
	d->due = due;
	d->tq = q;
	d->tnext = DLG_NONE;
	d->tprev = tail;
	if (tail != DLG_NONE)
		t->d[tail].tnext = i;
	else
		t->tq_head[q] = i;
	t->tq_tail[q] = i;
}

struct dlg *dlg_timer_due(struct dlg_table *t, uint64_t now, uint64_t *next)
{
	struct dlg *first = NULL;

	for (int q = DLG_TQ_NONE + 1; t->d && q < DLG_TQ_N; q++) {
		struct dlg *h = t->tq_head[q] == DLG_NONE ? NULL : &t->d[t->tq_head[q]];

		if (h && (!first || h->due < first->due))
			first = h;
	}
	*next = first ? first->due : UINT64_MAX;
	return first && first->due <= now ? first : NULL;
}
