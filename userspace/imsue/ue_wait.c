// SPDX-License-Identifier: GPL-2.0
/* Parked waits for a file (see ue_wait.h). */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "imsue/ue_wait.h"

int ue_wait_init(struct ue_waits *q, uint32_t n)
{
	*q = (struct ue_waits){.n_ues = n, .next_check = UINT64_MAX};
	q->link = calloc(n ? n : 1, sizeof(*q->link));
	return q->link ? 0 : -ENOMEM;
}

void ue_wait_fini(struct ue_waits *q)
{
	free(q->link);
	q->link = NULL;
}

bool ue_wait_park(struct ue_waits *q, const char *path, uint32_t idx, uint64_t now)
{
	int i, free_i = -1;

	if (idx >= q->n_ues)
		return false;
	for (i = 0; i < UE_WAIT_PATHS; i++) {
		if (q->head[i] && q->path[i] == path)
			break;
		if (!q->head[i] && free_i < 0)
			free_i = i;
	}
	if (i == UE_WAIT_PATHS) {
		if (free_i < 0)
			return false;
		i = free_i;
		q->path[i] = path;
	}
	q->link[idx] = q->head[i];
	q->head[i] = idx + 1;
	if (q->next_check == UINT64_MAX)
		q->next_check = now + UE_WAIT_POLL_MS;
	return true;
}

uint32_t ue_wait_ready(struct ue_waits *q, uint64_t now)
{
	bool any = false;

	if (now < q->next_check)
		return 0;
	for (int i = 0; i < UE_WAIT_PATHS; i++) {
		uint32_t h = q->head[i];

		if (!h)
			continue;
		q->checks++;
		if (access(q->path[i], F_OK)) {
			any = true;
			continue;
		}
		q->head[i] = 0;
		/* the others are looked at on the next call, which comes at once */
		return h;
	}
	q->next_check = any ? now + UE_WAIT_POLL_MS : UINT64_MAX;
	return 0;
}
