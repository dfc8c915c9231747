// SPDX-License-Identifier: GPL-2.0
/* The dialog table of dialog.h: slots, a free list, hash chains, per-registration lists. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "proxy/dialog.h"

/* Keyed: the key is drawn per table, so chains cannot be aimed at from outside. */
static uint32_t key_hash(const struct dlg_table *t, const char *call_id, size_t cl, const char *tag,
			 size_t tl, enum dlg_dir dir)
{
	uint8_t in[DLG_CALLID_MAX + DLG_TAG_MAX + 2], out[crypto_shorthash_BYTES];
	uint32_t h;

	memcpy(in, call_id, cl);
	in[cl] = 0;
	memcpy(in + cl + 1, tag, tl);
	in[cl + 1 + tl] = (uint8_t)dir;
	crypto_shorthash(out, in, cl + 2 + tl, t->key);
	memcpy(&h, out, sizeof(h));
	return h;
}

int dlg_table_init(struct dlg_table *t, uint32_t cap, uint32_t max_regs)
{
	uint32_t nb = 1;

	memset(t, 0, sizeof(*t));
	if (!cap || cap > DLG_MAX_LIMIT || !max_regs || sodium_init() < 0)
		return -EINVAL;
	while (nb < cap)
		nb <<= 1;
	/* calloc: a slot's pages are only touched once a dialog uses it */
	t->d = calloc(cap, sizeof(*t->d));
	t->bucket = malloc(nb * sizeof(*t->bucket));
	t->reg_head = malloc(max_regs * sizeof(*t->reg_head));
	t->rx_bucket = malloc(nb * sizeof(*t->rx_bucket));
	if (!t->d || !t->bucket || !t->reg_head || !t->rx_bucket) {
		dlg_table_fini(t);
		return -ENOMEM;
	}
	memset(t->bucket, 0xff, nb * sizeof(*t->bucket));
	memset(t->rx_bucket, 0xff, nb * sizeof(*t->rx_bucket));
	memset(t->reg_head, 0xff, max_regs * sizeof(*t->reg_head));
	t->cap = cap;
	t->hmask = nb - 1;
	t->max_regs = max_regs;
	for (uint32_t i = 0; i < cap; i++)
		t->d[i].free_next = i + 1 < cap ? i + 1 : DLG_NONE;
	t->free_head = 0;
	for (int q = 0; q < DLG_TQ_N; q++)
		t->tq_head[q] = t->tq_tail[q] = DLG_NONE;
	t->gen_next = 1;
	randombytes_buf(t->key, sizeof(t->key));
	return 0;
}

void dlg_table_fini(struct dlg_table *t)
{
	free(t->d);
	free(t->bucket);
	free(t->reg_head);
	free(t->rx_bucket);
	sodium_memzero(t, sizeof(*t));
}

static bool key_ok(const char *call_id, const char *tag, size_t *cl, size_t *tl)
{
	if (!call_id || !tag)
		return false;
	*cl = strnlen(call_id, DLG_CALLID_MAX);
	*tl = strnlen(tag, DLG_TAG_MAX);
	return *cl && *cl < DLG_CALLID_MAX && *tl && *tl < DLG_TAG_MAX;
}

struct dlg *dlg_find_dir(struct dlg_table *t, const char *call_id, const char *caller_tag,
			 enum dlg_dir dir)
{
	size_t cl, tl;
	uint32_t h;

	if (!t->d || !key_ok(call_id, caller_tag, &cl, &tl))
		return NULL;
	h = key_hash(t, call_id, cl, caller_tag, tl, dir);
	for (uint32_t i = t->bucket[h & t->hmask]; i != DLG_NONE; i = t->d[i].hnext) {
		struct dlg *d = &t->d[i];

		t->probes++;
		if (d->hash == h && d->dir == dir && !strcmp(d->call_id, call_id) &&
		    !strcmp(dlg_caller_tag(d), caller_tag))
			return d;
	}
	return NULL;
}

struct dlg *dlg_find(struct dlg_table *t, const char *call_id, const char *ue_tag)
{
	return dlg_find_dir(t, call_id, ue_tag, DLG_ORIG);
}

struct dlg *dlg_new_dir(struct dlg_table *t, const char *call_id, const char *caller_tag,
			enum dlg_dir dir, uint32_t reg_ri, uint32_t reg_gen)
{
	struct dlg *d;
	size_t cl, tl;
	uint32_t i, h;

	if (!t->d || !key_ok(call_id, caller_tag, &cl, &tl) || reg_ri >= t->max_regs ||
	    t->free_head == DLG_NONE || dlg_find_dir(t, call_id, caller_tag, dir))
		return NULL;
	i = t->free_head;
	d = &t->d[i];
	t->free_head = d->free_next;
	h = key_hash(t, call_id, cl, caller_tag, tl, dir);
	if (!t->gen_next)
		t->gen_next = 1;
	/* Only the fixed part is cleared: the strings are written by the caller. */
	memset(d, 0, offsetof(struct dlg, call_id));
	d->gen = t->gen_next++;
	d->dir = dir;
	d->held = DLG_NONE;
	memcpy(d->call_id, call_id, cl + 1);
	d->ue_tag[0] = d->far_tag[0] = '\0';
	memcpy(dir == DLG_TERM ? d->far_tag : d->ue_tag, caller_tag, tl + 1);
	d->ue_nameaddr[0] = d->far_nameaddr[0] = '\0';
	d->ue_target[0] = d->far_target[0] = d->core_route[0] = d->icid[0] = '\0';
	d->subscription[0] = '\0';
	d->offer_len = 0;
	d->reg_ri = reg_ri;
	d->reg_gen = reg_gen;
	d->state = DLG_OFFERED;
	d->hash = h;
	d->hnext = t->bucket[h & t->hmask];
	t->bucket[h & t->hmask] = i;
	d->rprev = DLG_NONE;
	d->rnext = t->reg_head[reg_ri];
	if (d->rnext != DLG_NONE)
		t->d[d->rnext].rprev = i;
	t->reg_head[reg_ri] = i;
	d->free_next = DLG_NONE;
	t->live++;
	return d;
}

struct dlg *dlg_new(struct dlg_table *t, const char *call_id, const char *ue_tag, uint32_t reg_ri,
		    uint32_t reg_gen)
{
	return dlg_new_dir(t, call_id, ue_tag, DLG_ORIG, reg_ri, reg_gen);
}

void dlg_free(struct dlg_table *t, struct dlg *d)
{
	uint32_t i = d - t->d, *pp;

	if (!d->gen)
		return;
	dlg_set_rx(t, d, 0);
	dlg_timer_stop(t, d);
	for (pp = &t->bucket[d->hash & t->hmask]; *pp != DLG_NONE; pp = &t->d[*pp].hnext)
		if (*pp == i) {
			*pp = d->hnext;
			break;
		}
	if (d->rprev != DLG_NONE)
		t->d[d->rprev].rnext = d->rnext;
	else
		t->reg_head[d->reg_ri] = d->rnext;
	if (d->rnext != DLG_NONE)
		t->d[d->rnext].rprev = d->rprev;
	/* the SDP and identities of a call do not outlive it */
	sodium_memzero(d->call_id, offsetof(struct dlg, hash) - offsetof(struct dlg, call_id));
	d->gen = 0;
	d->state = DLG_FREE;
	d->free_next = t->free_head;
	t->free_head = i;
	t->live--;
}

dlg_handle dlg_handle_of(const struct dlg_table *t, const struct dlg *d)
{
	return (uint64_t)(d - t->d) << 32 | d->gen;
}

struct dlg *dlg_by_handle(struct dlg_table *t, dlg_handle h)
{
	uint32_t s = h >> 32, g = (uint32_t)h;

	if (!t->d || s >= t->cap || !g || t->d[s].gen != g)
		return NULL;
	return &t->d[s];
}

struct dlg *dlg_first_of_reg(struct dlg_table *t, uint32_t reg_ri)
{
	if (!t->d || reg_ri >= t->max_regs || t->reg_head[reg_ri] == DLG_NONE)
		return NULL;
	return &t->d[t->reg_head[reg_ri]];
}

struct dlg *dlg_next_of_reg(struct dlg_table *t, const struct dlg *d)
{
	return d->rnext == DLG_NONE ? NULL : &t->d[d->rnext];
}

/* Rx handles are slot << 32 | generation: the slot spreads them over the buckets. */
static uint32_t rx_bucket_of(const struct dlg_table *t, uint64_t rx)
{
	return (uint32_t)((rx >> 32) ^ (rx * 0x9E3779B97F4A7C15ull >> 40)) & t->hmask;
}

void dlg_set_rx(struct dlg_table *t, struct dlg *d, uint64_t rx)
{
	uint32_t i = d - t->d, *pp;

	if (d->rx) {
		for (pp = &t->rx_bucket[rx_bucket_of(t, d->rx)]; *pp != DLG_NONE;
		     pp = &t->d[*pp].rxnext)
			if (*pp == i) {
				*pp = d->rxnext;
				break;
			}
	}
	d->rx = rx;
	if (rx) {
		d->rxnext = t->rx_bucket[rx_bucket_of(t, rx)];
		t->rx_bucket[rx_bucket_of(t, rx)] = i;
	}
}

struct dlg *dlg_by_rx(struct dlg_table *t, uint64_t rx)
{
	if (!t->d || !rx)
		return NULL;
	for (uint32_t i = t->rx_bucket[rx_bucket_of(t, rx)]; i != DLG_NONE; i = t->d[i].rxnext)
		if (t->d[i].rx == rx)
			return &t->d[i];
	return NULL;
}
