/* SPDX-License-Identifier: GPL-2.0 */
/* Internals shared by the reg_*.c files; not part of the module interface. */
#ifndef PCSCF_REG_PRIV_H
#define PCSCF_REG_PRIV_H

#include "reg/reg.h"

/*
 * Open-addressing index (linear probing, backward-shift deletion, so no
 * tombstones pile up under churn). It stores values only (value + 1; 0 is an
 * empty bucket): keys are read back from the table through key_hash, which
 * keeps one implementation for both indexes. Lookups walk the probe chain.
 */
struct reg_index {
	uint32_t *v;
	uint32_t mask;
	uint32_t count;
	uint32_t (*key_hash)(const struct reg_table *t, uint32_t val);
};

/*
 * Min-heap of deadlines (reg_timer.c). An entry names a set (id < max_sets)
 * or a registration (id = max_sets + registration index); pos[id] is its
 * place in the heap + 1 (0: not queued, so the calloc'ed array needs no
 * initialisation pass that would touch every page), so a change costs
 * O(log n) and nothing ever scans the table for what is due.
 */
#define REG_TIMER_NONE UINT32_MAX
struct reg_timer_ent {
	uint64_t at;
	uint32_t id;
};
struct reg_timers {
	struct reg_timer_ent *heap;
	uint32_t *pos;
	uint32_t n;
};

/* FIFO of pending registrations (reg_pending.c): oldest at head, O(1) both ends. */
struct reg_pending {
	uint32_t *prev, *next; /* by registration index; REG_TIMER_NONE ends */
	uint8_t *in;
	uint32_t head, tail, n;
	uint64_t evicted;
	uint64_t last_evict_ms; /* for the one log line per burst */
};

/* String store (reg_strings.c): power-of-two size classes, slabs on demand. */
#define REG_STR_MIN	16
#define REG_STR_MAX	4096
#define REG_STR_CLASSES 9 /* 16 .. 4096 */
_Static_assert(REG_SECHDR_MAX <= REG_STR_MAX && REG_CONTACT_MAX <= REG_STR_MAX,
	       "every bounded string fits a size class");
struct reg_strs {
	void *free[REG_STR_CLASSES];
	void **slabs;
	uint32_t n_slabs, cap_slabs;
	size_t bytes_held, bytes_slabs;
};
extern const char reg_str_empty[1];
/* A copy of src in the store ("" and NULL: reg_str_empty, no allocation). */
int reg_str_dup(struct reg_strs *s, const char *src, const char **out);
void reg_str_free(struct reg_strs *s, const char *p);
/* Replace *slot by a copy of src; on error *slot is unchanged. */
int reg_str_set(struct reg_strs *s, const char **slot, const char *src);
void reg_str_put(struct reg_strs *s, const char **slot); /* free, leave "" */
#define REG_STRS_REPLACE_MAX 16
int reg_strs_replace(struct reg_strs *s, const char **const *slot, const char *const *val,
		     unsigned int n);
void reg_strs_release(struct reg_strs *s, struct reg *r);
void reg_pending_strs_release(struct reg_strs *s, struct reg *r);
void reg_strs_fini(struct reg_strs *s);

struct reg_table {
	struct reg_config cfg;
	const struct reg_ops *ops;
	void *ops_ctx;
	struct reg *regs;
	/*
	 * Indexes from the high-water mark up were never used; below it the
	 * free ones are on a stack. Nothing is written per entry at init, so
	 * an idle table costs no resident memory whatever max_regs is.
	 */
	uint32_t reg_hw, set_hw;
	uint32_t *reg_free; /* stack of free registration indexes below reg_hw */
	uint32_t reg_free_n;
	struct reg_sa_set *sets;
	uint32_t *set_free; /* stack of free set indexes below set_hw */
	uint32_t set_free_n;
	struct reg_index by_impi; /* value: registration index */
	struct reg_index by_spi;  /* value: inbound SA slot */
	struct reg_index by_contact; /* value: set index, keyed by (ue_addr, port_us) */
	uint32_t pc_cursor;	  /* pool offset the next port_pc search starts from */
	uint32_t spi_tag_base;	  /* random, added to generations for SPI tags (spi_slot_bits) */
	uint32_t seed; /* hash seed, so bucket placement is not predictable from outside */
	struct reg_timers timers;
	struct reg_pending pending;
	struct reg_strs strs;
	struct reg_census census; /* reg_census.c */
};

int reg_index_init(struct reg_index *idx, uint32_t entries,
		   uint32_t (*key_hash)(const struct reg_table *, uint32_t));
void reg_index_free(struct reg_index *idx);
void reg_index_clear(struct reg_index *idx);
int reg_index_add(const struct reg_table *t, struct reg_index *idx, uint32_t hash, uint32_t val);
void reg_index_del(const struct reg_table *t, struct reg_index *idx, uint32_t hash, uint32_t val);
/* Next value on the probe chain from *pos, or -1 at its end. */
static inline int64_t reg_index_scan(const struct reg_index *idx, uint32_t *pos)
{
	uint32_t v = idx->v[*pos];

	if (!v)
		return -1;
	*pos = (*pos + 1) & idx->mask;
	return (int64_t)v - 1;
}

uint32_t reg_hash_str(uint32_t seed, const char *s);
uint32_t reg_hash_spi(uint32_t spi);
uint32_t reg_key_impi(const struct reg_table *t, uint32_t ri);
uint32_t reg_key_spi(const struct reg_table *t, uint32_t slot);
uint32_t reg_key_contact(const struct reg_table *t, uint32_t si);
uint32_t reg_hash_contact(uint32_t seed, const struct pcscf_addr *ue, uint16_t port);

/* Allocation (reg_alloc.c). */
uint16_t reg_pc_pick(struct reg_table *t, const struct reg *r);
bool reg_pc_in_pool(const struct reg_table *t, uint16_t port);
int reg_spi_alloc(struct reg_table *t, uint32_t avoid, uint32_t *spi);
bool reg_spi_ok(const struct reg_table *t, uint32_t spi);
uint32_t reg_spi_slot(const struct reg_table *t, const struct reg_sa_set *s,
		      enum reg_sa_which which);
/* Without spi_slot_bits always true; else spi names the set's entry for which. */
bool reg_spi_slot_ok(const struct reg_table *t, const struct reg_sa_set *s,
		     enum reg_sa_which which, uint32_t spi);

/* Table internals (reg_table.c). */
static inline struct reg_sa_set *reg_set_at(const struct reg_table *t, int32_t si)
{
	return si < 0 ? NULL : &t->sets[si];
}
int reg_new(struct reg_table *t, const char *impi, const struct pcscf_addr *ue_addr);
void reg_del(struct reg_table *t, uint32_t ri);
int32_t reg_lookup(const struct reg_table *t, const char *impi);
unsigned int reg_nsets(const struct reg *r);
int reg_set_new(struct reg_table *t, uint32_t ri);
void reg_set_index(struct reg_table *t, struct reg_sa_set *s);
void reg_set_destroy(struct reg_table *t, struct reg_sa_set *s);
void reg_set_update(struct reg_table *t, struct reg_sa_set *s);
void reg_destroy_all(struct reg_table *t, uint32_t ri);
void reg_gc(struct reg_table *t, uint32_t ri);
void reg_rebuild_free(struct reg_table *t);
size_t reg_strlcpy(char *dst, const char *src, size_t cap);

/* Timers (reg_timer.c). sync_* re-read the object's deadline(s) after any change. */
int reg_timers_init(struct reg_table *t);
void reg_timers_free(struct reg_table *t);
void reg_timer_sync_set(struct reg_table *t, const struct reg_sa_set *s);
void reg_timer_sync_reg(struct reg_table *t, uint32_t ri);
/* Earliest queued entry: false when none is due at now_ms. */
bool reg_timer_due(const struct reg_table *t, uint64_t now_ms, uint32_t *id);
uint64_t reg_timer_next(const struct reg_table *t);
void reg_timers_rebuild(struct reg_table *t);

/* Census (reg_census.c): re-class one registration and its sets, or one set. */
void reg_census_reg(struct reg_table *t, uint32_t ri);
void reg_census_set(struct reg_table *t, struct reg_sa_set *s);

/* Pending registrations (reg_pending.c). */
int reg_pending_init(struct reg_table *t);
void reg_pending_free(struct reg_table *t);
bool reg_is_pending(const struct reg *r);
void reg_pending_sync(struct reg_table *t, uint32_t ri); /* after any change to its sets */
void reg_pending_unlink(struct reg_table *t, uint32_t ri);
/*
 * Make room for one more pending registration: evicts the oldest at the cap
 * or when the table is full, unless it is younger than the floor (-EDQUOT at
 * the cap, -ENOSPC with the table full).
 */
int reg_pending_make_room(struct reg_table *t, uint64_t now_ms);

#endif /* PCSCF_REG_PRIV_H */
