// SPDX-License-Identifier: GPL-2.0
/* The dialog table: a pool, a free list and Call-ID hash chains. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imsue/ue_dialog.h"

struct ue_dialogs ue_dialogs;

static uint32_t hash(const struct ue_dialogs *t, const char *s)
{
	uint32_t h = 2166136261u ^ t->seed;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h ^ (h >> 15);
}

int ue_dlg_init(struct ue_dialogs *t, uint32_t cap, uint32_t seed)
{
	uint32_t nb = 1;

	memset(t, 0, sizeof(*t));
	if (!cap || cap > (1u << 24))
		return -EINVAL;
	while (nb < cap)
		nb <<= 1;
	t->d = calloc(cap, sizeof(*t->d));
	t->bucket = calloc(nb, sizeof(*t->bucket));
	if (!t->d || !t->bucket) {
		ue_dlg_fini(t);
		return -ENOMEM;
	}
	t->cap = cap;
	t->mask = nb - 1;
	t->seed = seed;
	/* free list in index order: the first dialogs of a run share pages */
	for (uint32_t i = 0; i < cap; i++)
		t->d[i].next = i + 2 <= cap ? i + 2 : 0;
	t->free_head = 1;
	return 0;
}

void ue_dlg_fini(struct ue_dialogs *t)
{
	free(t->d);
	free(t->bucket);
	memset(t, 0, sizeof(*t));
}

struct ue_dialog *ue_dlg_new(struct ue_dialogs *t, const char *call_id, uint32_t ue, bool uac)
{
	struct ue_dialog *d;
	uint32_t b, ref = t->free_head;
	size_t n = strlen(call_id);

	if (!ref) {
		t->full++;
		return NULL;
	}
	if (!n || n >= sizeof(d->call_id))
		return NULL;
	d = &t->d[ref - 1];
	t->free_head = d->next;
	memset(d, 0, sizeof(*d));
	memcpy(d->call_id, call_id, n + 1);
	d->ue = ue;
	d->uac = uac;
	d->state = uac ? UE_DLG_CALLING : UE_DLG_RINGING; /* the caller sets the real one */
	b = hash(t, call_id) & t->mask;
	d->next = t->bucket[b];
	t->bucket[b] = ref;
	t->used++;
	return d;
}

struct ue_dialog *ue_dlg_find(struct ue_dialogs *t, const char *call_id, uint32_t ue, bool uac)
{
	uint32_t ref;

	if (!t->d)
		return NULL;
	for (ref = t->bucket[hash(t, call_id) & t->mask]; ref; ref = t->d[ref - 1].next) {
		struct ue_dialog *d = &t->d[ref - 1];

		if (d->ue == ue && d->uac == uac && !strcmp(d->call_id, call_id))
			return d;
	}
	return NULL;
}

void ue_dlg_free(struct ue_dialogs *t, struct ue_dialog *d)
{
	uint32_t ref = ue_dlg_ref(t, d), *p;

	if (!ref || d->state == UE_DLG_FREE)
		return;
	for (p = &t->bucket[hash(t, d->call_id) & t->mask]; *p; p = &t->d[*p - 1].next) {
		if (*p == ref) {
			*p = d->next;
			break;
		}
	}
	memset(d, 0, sizeof(*d));
	d->next = t->free_head;
	t->free_head = ref;
	t->used--;
}

uint32_t ue_dlg_ref(const struct ue_dialogs *t, const struct ue_dialog *d)
{
	if (!d || d < t->d || d >= t->d + t->cap)
		return 0;
	return (uint32_t)(d - t->d) + 1;
}

struct ue_dialog *ue_dlg_get(struct ue_dialogs *t, uint32_t ref)
{
	if (!ref || ref > t->cap || t->d[ref - 1].state == UE_DLG_FREE)
		return NULL;
	return &t->d[ref - 1];
}
