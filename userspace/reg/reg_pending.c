// SPDX-License-Identifier: GPL-2.0
/*
 * Pending registrations: those holding only a temporary set, that is, a
 * challenge nobody has answered yet. Anyone can cause one with an
 * unprotected REGISTER, so they get their own cap (max_pending) and, at the
 * cap, the oldest goes for the newcomer: a flood of unanswered REGISTERs
 * from many sources recycles its own entries and never takes the ports,
 * SPIs or table slots of registered UEs, whose sets are never evicted.
 */
#include <errno.h>
#include <stdlib.h>

#include "common/log.h"
#include "reg/reg_priv.h"

#define EVICT_LOG_QUIET_MS 10000 /* one log line per burst of evictions */

int reg_pending_init(struct reg_table *t)
{
	struct reg_pending *q = &t->pending;
	uint32_t n = t->cfg.max_regs;

	q->prev = calloc(n, sizeof(*q->prev));
	q->next = calloc(n, sizeof(*q->next));
	q->in = calloc(n, sizeof(*q->in));
	if (!q->prev || !q->next || !q->in)
		return -ENOMEM;
	q->head = q->tail = REG_TIMER_NONE;
	return 0;
}

void reg_pending_free(struct reg_table *t)
{
	free(t->pending.prev);
	free(t->pending.next);
	free(t->pending.in);
}

bool reg_is_pending(const struct reg *r)
{
	return r->live && !r->registered && r->set[REG_SET_TEMPORARY - 1] >= 0 &&
	       r->set[REG_SET_NEW - 1] < 0 && r->set[REG_SET_OLD - 1] < 0;
}

void reg_pending_unlink(struct reg_table *t, uint32_t ri)
{
	struct reg_pending *q = &t->pending;

	if (!q->in[ri])
		return;
	if (q->prev[ri] != REG_TIMER_NONE)
		q->next[q->prev[ri]] = q->next[ri];
	else
		q->head = q->next[ri];
	if (q->next[ri] != REG_TIMER_NONE)
		q->prev[q->next[ri]] = q->prev[ri];
	else
		q->tail = q->prev[ri];
	q->in[ri] = 0;
	q->n--;
}

void reg_pending_sync(struct reg_table *t, uint32_t ri)
{
	struct reg_pending *q = &t->pending;

	reg_census_reg(t, ri); /* every event ends here: the census moves with it */
	if (!reg_is_pending(&t->regs[ri])) {
		reg_pending_unlink(t, ri);
		return;
	}
	if (q->in[ri])
		return; /* keeps its age: a re-challenge does not make it younger */
	q->prev[ri] = q->tail;
	q->next[ri] = REG_TIMER_NONE;
	if (q->tail != REG_TIMER_NONE)
		q->next[q->tail] = ri;
	else
		q->head = ri;
	q->tail = ri;
	q->in[ri] = 1;
	q->n++;
}

/* The oldest pending registration, if it may be evicted now (older than the floor). */
static bool head_evictable(const struct reg_table *t, uint64_t now_ms)
{
	const struct reg_pending *q = &t->pending;
	const struct reg_sa_set *tmp;

	if (q->head == REG_TIMER_NONE)
		return false;
	tmp = reg_set_at(t, t->regs[q->head].set[REG_SET_TEMPORARY - 1]);
	return !t->cfg.pending_floor_ms || !tmp || tmp->created_ms + t->cfg.pending_floor_ms <= now_ms;
}

static bool table_full(const struct reg_table *t)
{
	return !t->reg_free_n && t->reg_hw == t->cfg.max_regs;
}

static bool at_cap(const struct reg_table *t)
{
	return t->cfg.max_pending && t->pending.n >= t->cfg.max_pending;
}

/*
 * Room for one newcomer: at the pending cap, or with the table full, the
 * oldest pending registration goes, if it is older than the floor (a storm
 * must not evict every challenge before its answer can come back).
 * Registered UEs are never evicted. -EDQUOT: at the cap, the oldest too
 * young; -ENOSPC: the table full of what may not be evicted.
 */
static int make_room(struct reg_table *t, uint64_t now_ms, bool evict)
{
	struct reg_pending *q = &t->pending;
	uint32_t ri;

	while (at_cap(t) || table_full(t)) {
		if (!head_evictable(t, now_ms))
			return at_cap(t) ? -EDQUOT : -ENOSPC;
		if (!evict)
			return 0;
		ri = q->head;
		if (!q->evicted || now_ms - q->last_evict_ms >= EVICT_LOG_QUIET_MS)
			pr_info("pending registrations at the cap (%u) or table full: evicting the "
				"oldest (%s), %llu evicted so far",
				t->cfg.max_pending, t->regs[ri].impi,
				(unsigned long long)q->evicted + 1);
		q->last_evict_ms = now_ms;
		q->evicted++;
		reg_destroy_all(t, ri);
	}
	return 0;
}

int reg_pending_make_room(struct reg_table *t, uint64_t now_ms)
{
	return make_room(t, now_ms, true);
}

int reg_admit(const struct reg_table *t, const char *impi, uint64_t now_ms)
{
	if (!impi || reg_lookup(t, impi) >= 0)
		return 0; /* a known registration takes no new entry */
	return make_room((struct reg_table *)t, now_ms, false);
}

uint32_t reg_pending_count(const struct reg_table *t)
{
	return t->pending.n;
}

uint64_t reg_pending_evictions(const struct reg_table *t)
{
	return t->pending.evicted;
}
