// SPDX-License-Identifier: GPL-2.0
/*
 * The string store of the registration table: every IMPI, IMPU, route,
 * contact and sec-agree header a registration holds lives here, not in
 * fixed-size arrays of struct reg, so a registration costs what its strings
 * need (a few hundred bytes) instead of the worst case (kilobytes).
 *
 * Size classes of powers of two from REG_STR_MIN to REG_STR_MAX bytes, each
 * with a free list threaded through its free chunks. Chunks are cut from
 * slabs malloc'ed on demand, so memory grows with what is held, never with
 * max_regs; freed chunks are reused by their class and slabs go back at
 * reg_table_destroy(). Only the control thread calls this (on events, never
 * per packet). A chunk does not record its class: the string it holds is
 * immutable, so strlen() at free time finds the class it was allocated in.
 * The empty string is never allocated: every empty field points at
 * reg_str_empty.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reg/reg_priv.h"

#define REG_STR_SLAB (64 * 1024) /* a slab holds at least one chunk of the largest class */

const char reg_str_empty[1] = "";

struct str_free {
	struct str_free *next;
};

static int str_class(size_t n)
{
	size_t sz = REG_STR_MIN;
	int c = 0;

	while (sz < n + 1) {
		sz <<= 1;
		c++;
	}
	return sz <= REG_STR_MAX ? c : -1;
}

static size_t class_size(int c)
{
	return (size_t)REG_STR_MIN << c;
}

/* A new slab, cut into free chunks of class c. */
static int slab_add(struct reg_strs *s, int c)
{
	size_t sz = class_size(c), n = REG_STR_SLAB / sz, i;
	char *slab;
	void **v;

	if (s->n_slabs == s->cap_slabs) {
		uint32_t cap = s->cap_slabs ? 2 * s->cap_slabs : 16;

		v = realloc(s->slabs, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->slabs = v;
		s->cap_slabs = cap;
	}
	slab = malloc(REG_STR_SLAB);
	if (!slab)
		return -ENOMEM;
	s->slabs[s->n_slabs++] = slab;
	s->bytes_slabs += REG_STR_SLAB;
	for (i = n; i-- > 0;) {
		struct str_free *f = (struct str_free *)(slab + i * sz);

		f->next = s->free[c];
		s->free[c] = f;
	}
	return 0;
}

int reg_str_dup(struct reg_strs *s, const char *src, const char **out)
{
	size_t n = src ? strlen(src) : 0;
	struct str_free *f;
	int c;

	if (!n) {
		*out = reg_str_empty;
		return 0;
	}
	c = str_class(n);
	if (c < 0)
		return -ENAMETOOLONG;
	if (!s->free[c] && slab_add(s, c))
		return -ENOMEM;
	f = s->free[c];
	s->free[c] = f->next;
	memcpy(f, src, n + 1);
	s->bytes_held += class_size(c);
	*out = (const char *)f;
	return 0;
}

void reg_str_free(struct reg_strs *s, const char *p)
{
	struct str_free *f;
	int c;

	if (!p || p == reg_str_empty)
		return;
	c = str_class(strlen(p));
	f = (struct str_free *)p;
	f->next = s->free[c];
	s->free[c] = f;
	s->bytes_held -= class_size(c);
}

int reg_str_set(struct reg_strs *s, const char **slot, const char *src)
{
	const char *p;
	int err;

	if (*slot && src && !strcmp(*slot, src))
		return 0;
	err = reg_str_dup(s, src, &p);
	if (err)
		return err;
	reg_str_free(s, *slot);
	*slot = p;
	return 0;
}

/*
 * Replace the n strings *slot[i] by copies of val[i], all or none (NULL in
 * val keeps that slot): on -ENOMEM nothing changed.
 */
int reg_strs_replace(struct reg_strs *s, const char **const *slot, const char *const *val,
		     unsigned int n)
{
	const char *p[REG_STRS_REPLACE_MAX];
	unsigned int i, j;
	int err = 0;

	if (n > REG_STRS_REPLACE_MAX)
		return -E2BIG;
	for (i = 0; i < n && !err; i++) {
		p[i] = *slot[i];
		if (val[i] && strcmp(val[i], *slot[i]))
			err = reg_str_dup(s, val[i], &p[i]);
	}
	if (err) {
		for (j = 0; j < i; j++)
			if (p[j] != *slot[j])
				reg_str_free(s, p[j]);
		return err;
	}
	for (i = 0; i < n; i++)
		if (p[i] != *slot[i]) {
			reg_str_free(s, *slot[i]);
			*slot[i] = p[i];
		}
	return 0;
}

void reg_str_put(struct reg_strs *s, const char **slot)
{
	reg_str_free(s, *slot);
	*slot = reg_str_empty;
}

void reg_strs_fini(struct reg_strs *s)
{
	uint32_t i;

	for (i = 0; i < s->n_slabs; i++)
		free(s->slabs[i]);
	free(s->slabs);
	memset(s, 0, sizeof(*s));
}

/* Every string of a registration back to the store, every field "". */
void reg_strs_release(struct reg_strs *s, struct reg *r)
{
	unsigned int i;

	reg_str_put(s, &r->impi);
	for (i = 0; i < REG_MAX_IMPUS; i++)
		reg_str_put(s, &r->impu[i]);
	for (i = 0; i < REG_MAX_ROUTES; i++)
		reg_str_put(s, &r->route[i]);
	reg_str_put(s, &r->contact);
	reg_pending_strs_release(s, r);
}

/* The pending REGISTER's strings: only needed while a temporary set exists. */
void reg_pending_strs_release(struct reg_strs *s, struct reg *r)
{
	reg_str_put(s, &r->call_id);
	reg_str_put(s, &r->sec_client);
	reg_str_put(s, &r->sec_server);
}

void reg_mem_usage(const struct reg_table *t, struct reg_mem *m)
{
	m->record_bytes = sizeof(struct reg);
	m->set_bytes = sizeof(struct reg_sa_set);
	m->strings_held = t->strs.bytes_held;
	m->strings_reserved = t->strs.bytes_slabs;
}
