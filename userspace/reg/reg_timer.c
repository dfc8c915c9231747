// SPDX-License-Identifier: GPL-2.0
/*
 * The deadline heap behind reg_tick(): every set's expiry and every
 * registration's next deadline (end of registration, de-registration grace)
 * is one entry. Entries are updated where the deadline changes, so a wake-up
 * costs O(log n) per expired item and nothing for the rest of the table.
 */
#include <errno.h>
#include <stdlib.h>

#include "reg/reg_priv.h"

int reg_timers_init(struct reg_table *t)
{
	uint32_t n = t->cfg.max_sets + t->cfg.max_regs;

	t->timers.heap = calloc(n, sizeof(*t->timers.heap));
	t->timers.pos = calloc(n, sizeof(*t->timers.pos));
	if (!t->timers.heap || !t->timers.pos)
		return -ENOMEM;
	t->timers.n = 0;
	return 0;
}

void reg_timers_free(struct reg_table *t)
{
	free(t->timers.heap);
	free(t->timers.pos);
	t->timers.heap = NULL;
	t->timers.pos = NULL;
}

static void place(struct reg_timers *h, uint32_t i, struct reg_timer_ent e)
{
	h->heap[i] = e;
	h->pos[e.id] = i + 1;
}

static void sift_up(struct reg_timers *h, uint32_t i)
{
	struct reg_timer_ent e = h->heap[i];

	while (i && h->heap[(i - 1) / 2].at > e.at) {
		place(h, i, h->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	place(h, i, e);
}

static void sift_down(struct reg_timers *h, uint32_t i)
{
	struct reg_timer_ent e = h->heap[i];
	uint32_t c;

	while ((c = 2 * i + 1) < h->n) {
		if (c + 1 < h->n && h->heap[c + 1].at < h->heap[c].at)
			c++;
		if (h->heap[c].at >= e.at)
			break;
		place(h, i, h->heap[c]);
		i = c;
	}
	place(h, i, e);
}

/* Queue, move or (at == REG_NO_DEADLINE) dequeue entry id. */
static void timer_set(struct reg_timers *h, uint32_t id, uint64_t at)
{
	uint32_t i = h->pos[id] - 1; /* REG_TIMER_NONE when not queued */

	if (at == REG_NO_DEADLINE) {
		if (i == REG_TIMER_NONE)
			return;
		h->pos[id] = 0;
		if (i == --h->n)
			return;
		id = h->heap[h->n].id; /* the last entry fills the hole */
		place(h, i, h->heap[h->n]);
		sift_up(h, i);
		sift_down(h, h->pos[id] - 1);
		return;
	}
	if (i == REG_TIMER_NONE) {
		i = h->n++;
		place(h, i, (struct reg_timer_ent){at, id});
		sift_up(h, i);
		return;
	}
	h->heap[i].at = at;
	sift_up(h, i);
	sift_down(h, h->pos[id] - 1);
}

void reg_timer_sync_set(struct reg_table *t, const struct reg_sa_set *s)
{
	timer_set(&t->timers, s->index, s->live ? s->expires_ms : REG_NO_DEADLINE);
}

void reg_timer_sync_reg(struct reg_table *t, uint32_t ri)
{
	const struct reg *r = &t->regs[ri];
	uint64_t at = REG_NO_DEADLINE;

	if (r->live && r->registered)
		at = r->expires_ms;
	if (r->live && r->dereg_pending && r->dereg_deadline_ms < at)
		at = r->dereg_deadline_ms;
	timer_set(&t->timers, t->cfg.max_sets + ri, at);
}

bool reg_timer_due(const struct reg_table *t, uint64_t now_ms, uint32_t *id)
{
	if (!t->timers.n || t->timers.heap[0].at > now_ms)
		return false;
	*id = t->timers.heap[0].id;
	return true;
}

uint64_t reg_timer_next(const struct reg_table *t)
{
	return t->timers.n ? t->timers.heap[0].at : REG_NO_DEADLINE;
}

/* After reg_load(): queue every live set and registration. */
void reg_timers_rebuild(struct reg_table *t)
{
	uint32_t i;

	/*
	 * Live sets only: a never-used set has index 0 (the table is not
	 * initialised per entry), and syncing it would dequeue set 0's timer.
	 */
	for (i = 0; i < t->cfg.max_sets; i++)
		if (t->sets[i].live)
			timer_set(&t->timers, i, t->sets[i].expires_ms);
	for (i = 0; i < t->cfg.max_regs; i++)
		reg_timer_sync_reg(t, i);
}
