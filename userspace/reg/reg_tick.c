// SPDX-License-Identifier: GPL-2.0
/*
 * Timers: temporary sets die at reg-await-auth, NEW/OLD sets at their own
 * expiry, a registration stops being registered at its expiry (its NEW set
 * outlives it by 30 s so a late re-REGISTER still arrives protected) and is
 * forgotten with its last set; a de-registration whose final response was
 * never reported sent is finished after the grace time.
 *
 * Only what is due is touched: the deadlines sit in a heap (reg_timer.c),
 * so a wake-up costs O(log n) per expired item, whatever the table size.
 */
#include "reg/reg_priv.h"

static void reg_due(struct reg_table *t, uint32_t ri, uint64_t now_ms)
{
	struct reg *r = &t->regs[ri];

	if (r->dereg_pending && r->dereg_deadline_ms <= now_ms) {
		reg_destroy_all(t, ri);
		return;
	}
	if (r->registered && r->expires_ms <= now_ms)
		r->registered = 0;
	reg_timer_sync_reg(t, ri);
	reg_pending_sync(t, ri);
}

uint64_t reg_tick(struct reg_table *t, uint64_t now_ms)
{
	uint32_t id, ri;

	while (reg_timer_due(t, now_ms, &id)) {
		if (id >= t->cfg.max_sets) {
			reg_due(t, id - t->cfg.max_sets, now_ms);
			continue;
		}
		ri = t->sets[id].reg;
		reg_set_destroy(t, &t->sets[id]);
		reg_gc(t, ri);
	}
	return reg_timer_next(t);
}
