// SPDX-License-Identifier: GPL-2.0
/*
 * Timers: temporary sets die at reg-await-auth, NEW/OLD sets at their own
 * expiry, a registration stops being registered at its expiry (its NEW set
 * outlives it by 30 s so a late re-REGISTER still arrives protected) and is
 * forgotten with its last set; a de-registration whose final response was
 * never reported sent is finished after the grace time.
 *
 * One linear pass over the registrations: cheap enough at the table sizes
 * pcscfd runs with, since ticks happen at deadlines, not per packet. A timer
 * wheel can replace it behind the same interface.
 */
#include "reg/reg_priv.h"

static void earliest(uint64_t *next, uint64_t at)
{
	if (at < *next)
		*next = at;
}

uint64_t reg_tick(struct reg_table *t, uint64_t now_ms)
{
	uint64_t next = REG_NO_DEADLINE;
	struct reg_sa_set *s;
	struct reg *r;
	uint32_t ri;
	unsigned int i;

	for (ri = 0; ri < t->cfg.max_regs; ri++) {
		r = &t->regs[ri];
		if (!r->live)
			continue;
		if (r->dereg_pending && r->dereg_deadline_ms <= now_ms) {
			reg_destroy_all(t, ri);
			continue;
		}
		for (i = 0; i < 3; i++) {
			s = reg_set_at(t, r->set[i]);
			if (s && s->expires_ms <= now_ms)
				reg_set_destroy(t, s);
			else if (s)
				earliest(&next, s->expires_ms);
		}
		if (r->registered && r->expires_ms <= now_ms)
			r->registered = 0;
		if (!reg_nsets(r)) {
			reg_del(t, ri);
			continue;
		}
		if (r->registered)
			earliest(&next, r->expires_ms);
		if (r->dereg_pending)
			earliest(&next, r->dereg_deadline_ms);
	}
	return next;
}
