// SPDX-License-Identifier: GPL-2.0
/*
 * The registration table: storage, indexes, creation and destruction of
 * registrations and SA sets, and the lookups. The lifecycle rules that decide
 * when to create or destroy live in reg_events.c and reg_tick.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reg/reg_priv.h"

size_t reg_strlcpy(char *dst, const char *src, size_t cap)
{
	size_t n = strnlen(src, cap);

	if (n >= cap)
		return n;
	memcpy(dst, src, n + 1);
	return n;
}

static void table_free(struct reg_table *t)
{
	reg_index_free(&t->by_impi);
	reg_index_free(&t->by_spi);
	reg_index_free(&t->by_contact);
	reg_timers_free(t);
	reg_pending_free(t);
	reg_strs_fini(&t->strs);
	free(t->set_free);
	free(t->sets);
	free(t->reg_free);
	free(t->regs);
	free(t);
}

/*
 * After reg_load(): the high-water marks just above the highest live entry,
 * the free ones below on stacks popped from the top, lowest index first, as
 * they would be handed out by a table that never had them.
 */
void reg_rebuild_free(struct reg_table *t)
{
	uint32_t i;

	for (t->reg_hw = t->cfg.max_regs; t->reg_hw && !t->regs[t->reg_hw - 1].live;)
		t->reg_hw--;
	t->reg_free_n = 0;
	for (i = t->reg_hw; i-- > 0;)
		if (!t->regs[i].live)
			t->reg_free[t->reg_free_n++] = i;
	for (t->set_hw = t->cfg.max_sets; t->set_hw && !t->sets[t->set_hw - 1].live;)
		t->set_hw--;
	t->set_free_n = 0;
	for (i = t->set_hw; i-- > 0;)
		if (!t->sets[i].live)
			t->set_free[t->set_free_n++] = i;
}

/* Reuse the most recently freed index, else the first never used. -1: full. */
static int64_t pop_free(uint32_t *stack, uint32_t *n, uint32_t *hw, uint32_t max)
{
	if (*n)
		return stack[--*n];
	if (*hw < max)
		return (*hw)++;
	return -1;
}

int reg_table_init(struct reg_table **tp, const struct reg_config *cfg, const struct reg_ops *ops,
		   void *ops_ctx)
{
	struct reg_table *t;
	int err;

	if (!cfg->max_regs || !ops || !ops->sa_install || !ops->sa_update || !ops->sa_remove ||
	    !ops->random_u32)
		return -EINVAL;
	if (!cfg->port_ps || !cfg->pc_lo || cfg->pc_hi < cfg->pc_lo ||
	    cfg->pc_hi - cfg->pc_lo >= REG_PC_POOL_MAX ||
	    (cfg->port_ps >= cfg->pc_lo && cfg->port_ps <= cfg->pc_hi) || cfg->node_bits > 8 ||
	    (cfg->node_bits && cfg->node_id >> cfg->node_bits) || (!cfg->node_bits && cfg->node_id))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cfg = *cfg;
	if (!t->cfg.max_sets)
		t->cfg.max_sets = 3 * cfg->max_regs;
	if (!t->cfg.max_sa_per_dir)
		t->cfg.max_sa_per_dir = REG_MAX_SA_PER_DIR;
	if (!t->cfg.dereg_grace_ms)
		t->cfg.dereg_grace_ms = REG_DEREG_GRACE_MS;
	if (!t->cfg.spi_tries)
		t->cfg.spi_tries = 64;
	if (t->cfg.max_pending > t->cfg.max_regs)
		t->cfg.max_pending = t->cfg.max_regs;
	err = -E2BIG;
	if (t->cfg.max_sets > UINT32_MAX / REG_SA_COUNT / 2)
		goto fail;
	/* the map index must fit the slot bits, and leave a tag bit above them */
	if (t->cfg.spi_slot_bits &&
	    (t->cfg.spi_slot_bits + t->cfg.node_bits >= 32 ||
	     reg_sa_map_entries(&t->cfg) > 1u << t->cfg.spi_slot_bits))
		goto fail;
	if (t->cfg.spi_slot_bits)
		t->spi_tag_base = ops->random_u32(ops_ctx);
	t->ops = ops;
	t->ops_ctx = ops_ctx;
	err = -ENOMEM;
	t->regs = calloc(t->cfg.max_regs, sizeof(*t->regs));
	t->reg_free = calloc(t->cfg.max_regs, sizeof(*t->reg_free));
	t->sets = calloc(t->cfg.max_sets, sizeof(*t->sets));
	t->set_free = calloc(t->cfg.max_sets, sizeof(*t->set_free));
	if (!t->regs || !t->reg_free || !t->sets || !t->set_free)
		goto fail;
	err = reg_index_init(&t->by_impi, t->cfg.max_regs, reg_key_impi);
	if (!err)
		err = reg_index_init(&t->by_spi, 2 * t->cfg.max_sets, reg_key_spi);
	if (!err)
		err = reg_index_init(&t->by_contact, t->cfg.max_sets, reg_key_contact);
	if (!err)
		err = reg_timers_init(t);
	if (!err)
		err = reg_pending_init(t);
	if (err)
		goto fail;
	t->seed = ops->random_u32(ops_ctx);
	*tp = t;
	return 0;
fail:
	table_free(t);
	return err;
}

void reg_table_destroy(struct reg_table *t)
{
	uint32_t i;

	if (!t)
		return;
	for (i = 0; i < t->cfg.max_regs; i++)
		if (t->regs[i].live)
			reg_destroy_all(t, i);
	table_free(t);
}

uint32_t reg_count(const struct reg_table *t)
{
	return t->reg_hw - t->reg_free_n;
}

uint32_t reg_set_count(const struct reg_table *t)
{
	return t->set_hw - t->set_free_n;
}

int32_t reg_lookup(const struct reg_table *t, const char *impi)
{
	uint32_t pos = reg_hash_str(t->seed, impi) & t->by_impi.mask;
	int64_t ri;

	while ((ri = reg_index_scan(&t->by_impi, &pos)) >= 0)
		if (!strcmp(t->regs[ri].impi, impi))
			return ri;
	return -1;
}

int reg_new(struct reg_table *t, const char *impi, const struct pcscf_addr *ue_addr)
{
	const char *name;
	struct reg *r;
	uint32_t gen;
	int64_t ri;
	unsigned int i;

	if (!t->reg_free_n && t->reg_hw == t->cfg.max_regs)
		return -ENOSPC;
	if (reg_str_dup(&t->strs, impi, &name))
		return -ENOMEM;
	ri = pop_free(t->reg_free, &t->reg_free_n, &t->reg_hw, t->cfg.max_regs);
	r = &t->regs[ri];
	gen = r->generation + 1;
	memset(r, 0, sizeof(*r));
	r->generation = gen ? gen : 1; /* 0 never names a live registration */
	r->impi = name;
	for (i = 0; i < REG_MAX_IMPUS; i++)
		r->impu[i] = reg_str_empty;
	for (i = 0; i < REG_MAX_ROUTES; i++)
		r->route[i] = reg_str_empty;
	r->contact = r->call_id = r->sec_client = r->sec_server = reg_str_empty;
	r->ue_addr = *ue_addr;
	r->port_ps = t->cfg.port_ps;
	r->set[0] = r->set[1] = r->set[2] = -1;
	r->superseded = -1;
	r->live = 1;
	reg_index_add(t, &t->by_impi, reg_key_impi(t, ri), ri);
	return ri;
}

/* The registration has no sets left (a superseded one goes with it): forget it. */
void reg_del(struct reg_table *t, uint32_t ri)
{
	struct reg *r = &t->regs[ri];
	uint32_t gen = r->generation;

	if (t->ops->reg_gone)
		t->ops->reg_gone(t->ops_ctx, r);
	reg_set_destroy(t, reg_set_at(t, r->superseded));
	reg_pending_unlink(t, ri);
	reg_index_del(t, &t->by_impi, reg_key_impi(t, ri), ri);
	reg_strs_release(&t->strs, r);
	r->live = 0;
	reg_census_reg(t, ri); /* counted as none from here: its sets are gone */
	memset(r, 0, sizeof(*r));
	r->generation = gen; /* the next user of the entry takes the next one */
	reg_timer_sync_reg(t, ri);
	t->reg_free[t->reg_free_n++] = ri;
}

unsigned int reg_nsets(const struct reg *r)
{
	return (r->set[0] >= 0) + (r->set[1] >= 0) + (r->set[2] >= 0);
}

int reg_set_new(struct reg_table *t, uint32_t ri)
{
	struct reg_sa_set *s;
	uint32_t gen;
	int64_t si;

	si = pop_free(t->set_free, &t->set_free_n, &t->set_hw, t->cfg.max_sets);
	if (si < 0)
		return -ENOBUFS;
	s = &t->sets[si];
	gen = s->generation + 1;
	memset(s, 0, sizeof(*s));
	s->index = si;
	s->generation = gen ? gen : 1; /* 0 never names a live set */
	s->reg = ri;
	s->live = 1;
	return si;
}

/* Make the set findable by its inbound SPIs. */
void reg_set_index(struct reg_table *t, struct reg_sa_set *s)
{
	uint32_t ps = reg_sa_slot(s, REG_SA_PS), pc = reg_sa_slot(s, REG_SA_PC);

	reg_index_add(t, &t->by_spi, reg_key_spi(t, ps), ps);
	reg_index_add(t, &t->by_spi, reg_key_spi(t, pc), pc);
	reg_index_add(t, &t->by_contact, reg_key_contact(t, s->index), s->index);
}

static void set_unindex(struct reg_table *t, struct reg_sa_set *s)
{
	uint32_t ps = reg_sa_slot(s, REG_SA_PS), pc = reg_sa_slot(s, REG_SA_PC);

	reg_index_del(t, &t->by_spi, reg_key_spi(t, ps), ps);
	reg_index_del(t, &t->by_spi, reg_key_spi(t, pc), pc);
	reg_index_del(t, &t->by_contact, reg_key_contact(t, s->index), s->index);
}

/*
 * Remove every installed SA exactly once (the installed bits make a second
 * call harmless) and drop the set from its registration and the index. The
 * registration itself is left to reg_gc().
 */
void reg_set_destroy(struct reg_table *t, struct reg_sa_set *s)
{
	struct reg *r;
	unsigned int w, i;

	if (!s || !s->live)
		return;
	for (w = 0; w < REG_SA_COUNT; w++) {
		if (!(s->installed & 1u << w))
			continue;
		s->installed &= ~(1u << w);
		t->ops->sa_remove(t->ops_ctx, s, w);
		s->esp[w] = NULL;
	}
	r = &t->regs[s->reg];
	set_unindex(t, s);
	/* The pending REGISTER's strings are checked only through a temporary set. */
	if (r->set[0] == (int32_t)s->index)
		reg_pending_strs_release(&t->strs, r);
	for (i = 0; i < 3; i++)
		if (r->set[i] == (int32_t)s->index)
			r->set[i] = -1;
	if (r->superseded == (int32_t)s->index)
		r->superseded = -1;
	s->live = 0;
	reg_census_set(t, s);
	reg_timer_sync_set(t, s);
	if (r->live)
		reg_pending_sync(t, s->reg);
	t->set_free[t->set_free_n++] = s->index;
}

/*
 * Push state/expiry to the data plane. A failure here cannot be rolled back
 * (the transition is a protocol fact); the ops layer logs it, and the next
 * update or the removal corrects the map.
 */
void reg_set_update(struct reg_table *t, struct reg_sa_set *s)
{
	unsigned int w;

	for (w = 0; w < REG_SA_COUNT; w++)
		t->ops->sa_update(t->ops_ctx, s, w);
	reg_timer_sync_set(t, s);
}

void reg_destroy_all(struct reg_table *t, uint32_t ri)
{
	struct reg *r = &t->regs[ri];
	unsigned int i;

	for (i = 0; i < 3; i++)
		reg_set_destroy(t, reg_set_at(t, r->set[i]));
	reg_del(t, ri);
}

void reg_gc(struct reg_table *t, uint32_t ri)
{
	if (t->regs[ri].live && !reg_nsets(&t->regs[ri]))
		reg_del(t, ri);
}

const struct reg *reg_find(const struct reg_table *t, const char *impi)
{
	int32_t ri = impi ? reg_lookup(t, impi) : -1;

	return ri < 0 ? NULL : &t->regs[ri];
}

const struct reg_sa_set *reg_find_sa(const struct reg_table *t, uint32_t spi,
				     enum reg_sa_which *which)
{
	uint32_t pos = reg_hash_spi(spi) & t->by_spi.mask;
	const struct reg_sa_set *s;
	int64_t slot;

	while ((slot = reg_index_scan(&t->by_spi, &pos)) >= 0) {
		s = &t->sets[slot / REG_SA_COUNT];
		if (s->spi[slot % REG_SA_COUNT] != spi)
			continue;
		if (which)
			*which = slot % REG_SA_COUNT;
		return s;
	}
	return NULL;
}

const struct reg_sa_set *reg_set_of(const struct reg_table *t, const struct reg *r,
				    enum reg_set_state state)
{
	if (!r || state < REG_SET_TEMPORARY || state > REG_SET_OLD)
		return NULL;
	return reg_set_at(t, r->set[state - 1]);
}

const struct reg *reg_of_set(const struct reg_table *t, const struct reg_sa_set *set)
{
	const struct reg *r;

	if (!set || !set->live || set->reg >= t->cfg.max_regs || set->state < REG_SET_TEMPORARY ||
	    set->state > REG_SET_OLD)
		return NULL;
	r = &t->regs[set->reg];
	return r->live && r->set[set->state - 1] == (int32_t)set->index ? r : NULL;
}

const struct reg_sa_set *reg_sa_by_slot(const struct reg_table *t, uint32_t slot,
					uint32_t generation)
{
	const struct reg_sa_set *s;

	if (slot / REG_SA_COUNT >= t->cfg.max_sets)
		return NULL;
	s = &t->sets[slot / REG_SA_COUNT];
	return s->live && s->generation == generation ? s : NULL;
}

const char *reg_state_name(unsigned int state)
{
	switch (state) {
	case REG_SET_TEMPORARY:
		return "temporary";
	case REG_SET_NEW:
		return "new";
	case REG_SET_OLD:
		return "old";
	}
	return "?";
}

const char *reg_sa_name(enum reg_sa_which which)
{
	static const char *const names[REG_SA_COUNT] = {"ps", "uc", "us", "pc"};

	return which < REG_SA_COUNT ? names[which] : "?";
}
