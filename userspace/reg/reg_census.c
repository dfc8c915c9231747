// SPDX-License-Identifier: GPL-2.0
/*
 * Registrations and SA sets by state, kept as counts that move with every
 * transition, so `pcscfctl stats` reads them in O(1) at any table size.
 * Each registration and set remembers the class it is counted in; a sync
 * recomputes the class of one registration and its sets (at most four) and
 * moves the counts by the difference. The table calls it wherever a state,
 * role or liveness changes: reg_pending_sync() (which every event ends
 * with), the start of a de-registration, and the destruction of a set or a
 * registration. reg_census_scan() counts the slow way, for tests.
 */
#include <string.h>

#include "reg/reg_priv.h"

static const char *const reg_cls_names[REG_CLS_N] = {
	[REG_CLS_NONE] = "none",
	[REG_CLS_PENDING] = "pending",
	[REG_CLS_REGISTERED] = "registered",
	[REG_CLS_DEREGISTERING] = "deregistering",
	[REG_CLS_UNREGISTERED] = "unregistered",
};
static const char *const set_cls_names[SET_CLS_N] = {
	[SET_CLS_NONE] = "none", [SET_CLS_TEMPORARY] = "temporary",   [SET_CLS_NEW] = "new",
	[SET_CLS_OLD] = "old",	 [SET_CLS_SUPERSEDED] = "superseded",
};

const char *reg_class_name(unsigned int c)
{
	return c < REG_CLS_N ? reg_cls_names[c] : "?";
}

const char *set_class_name(unsigned int c)
{
	return c < SET_CLS_N ? set_cls_names[c] : "?";
}

static uint8_t reg_class_of(const struct reg *r)
{
	if (!r->live)
		return REG_CLS_NONE;
	if (r->dereg_pending)
		return REG_CLS_DEREGISTERING;
	if (r->registered)
		return REG_CLS_REGISTERED;
	if (reg_is_pending(r))
		return REG_CLS_PENDING;
	return REG_CLS_UNREGISTERED;
}

static uint8_t set_class_of(const struct reg_table *t, const struct reg_sa_set *s)
{
	if (!s->live)
		return SET_CLS_NONE;
	if (t->regs[s->reg].superseded == (int32_t)s->index)
		return SET_CLS_SUPERSEDED;
	switch (s->state) {
	case REG_SET_TEMPORARY:
		return SET_CLS_TEMPORARY;
	case REG_SET_NEW:
		return SET_CLS_NEW;
	case REG_SET_OLD:
		return SET_CLS_OLD;
	}
	return SET_CLS_NONE;
}

void reg_census_set(struct reg_table *t, struct reg_sa_set *s)
{
	uint8_t c = set_class_of(t, s);

	if (c == s->census_cls)
		return;
	t->census.sets[s->census_cls]--;
	t->census.sets[c]++;
	s->census_cls = c;
}

void reg_census_reg(struct reg_table *t, uint32_t ri)
{
	struct reg *r = &t->regs[ri];
	uint8_t c = reg_class_of(r);
	int32_t si[4] = {r->set[0], r->set[1], r->set[2], r->superseded};

	if (c != r->census_cls) {
		t->census.regs[r->census_cls]--;
		t->census.regs[c]++;
		r->census_cls = c;
	}
	for (unsigned int i = 0; i < 4; i++)
		if (si[i] >= 0)
			reg_census_set(t, &t->sets[si[i]]);
}

void reg_census_get(const struct reg_table *t, struct reg_census *out)
{
	*out = t->census;
	out->regs[REG_CLS_NONE] = out->sets[SET_CLS_NONE] = 0;
}

void reg_census_scan(const struct reg_table *t, struct reg_census *out)
{
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < t->reg_hw; i++)
		if (t->regs[i].live)
			out->regs[reg_class_of(&t->regs[i])]++;
	for (uint32_t i = 0; i < t->set_hw; i++)
		if (t->sets[i].live)
			out->sets[set_class_of(t, &t->sets[i])]++;
}
