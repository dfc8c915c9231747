// SPDX-License-Identifier: GPL-2.0
/* Binary min-heap of UE deadlines (see ue_timer.h). */
#include <errno.h>
#include <stdlib.h>

#include "imsue/ue_timer.h"

static bool before(const struct ue_timer_ent *a, const struct ue_timer_ent *b)
{
	return a->t < b->t || (a->t == b->t && a->idx < b->idx);
}

int ue_timer_push(struct ue_timers *q, uint64_t t, uint32_t idx)
{
	size_t i;

	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 1024;
		struct ue_timer_ent *h = realloc(q->h, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		q->h = h;
		q->cap = cap;
	}
	i = q->n++;
	q->h[i] = (struct ue_timer_ent){.t = t, .idx = idx};
	while (i && before(&q->h[i], &q->h[(i - 1) / 2])) {
		struct ue_timer_ent tmp = q->h[i];

		q->h[i] = q->h[(i - 1) / 2];
		q->h[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
	return 0;
}

bool ue_timer_pop_due(struct ue_timers *q, uint64_t now, struct ue_timer_ent *out)
{
	size_t i = 0;

	if (!q->n || q->h[0].t > now)
		return false;
	*out = q->h[0];
	q->h[0] = q->h[--q->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct ue_timer_ent tmp;

		if (l < q->n && before(&q->h[l], &q->h[m]))
			m = l;
		if (r < q->n && before(&q->h[r], &q->h[m]))
			m = r;
		if (m == i)
			break;
		tmp = q->h[i];
		q->h[i] = q->h[m];
		q->h[m] = tmp;
		i = m;
	}
	return true;
}

uint64_t ue_timer_next(const struct ue_timers *q)
{
	return q->n ? q->h[0].t : UINT64_MAX;
}

void ue_timer_free(struct ue_timers *q)
{
	free(q->h);
	q->h = NULL;
	q->n = q->cap = 0;
}
