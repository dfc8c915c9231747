/* SPDX-License-Identifier: GPL-2.0 */
/*
 * When each UE wants its timer (retransmission, timeout, wait) next: a binary
 * min-heap of (time, UE index), so the loop touches only UEs that are due.
 * Entries are never removed or moved: a UE whose deadline changes pushes a
 * new entry and remembers its time; an entry whose time is not the UE's
 * current one is stale and skipped when it comes up (the caller checks).
 * The heap holds at most one live entry per UE plus stale ones due within a
 * timeout, so it stays near the number of UEs with a request in flight.
 */
#ifndef IMSUE_UE_TIMER_H
#define IMSUE_UE_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ue_timer_ent {
	uint64_t t;
	uint32_t idx;
};

struct ue_timers {
	struct ue_timer_ent *h;
	size_t n, cap;
};

/* 0 or -ENOMEM (the array grows by doubling: amortised O(1), O(log n) sift). */
int ue_timer_push(struct ue_timers *q, uint64_t t, uint32_t idx);
/* The earliest entry when due by @now: true and *out (removed), else false. */
bool ue_timer_pop_due(struct ue_timers *q, uint64_t now, struct ue_timer_ent *out);
/* Time of the earliest entry, UINT64_MAX when empty. */
uint64_t ue_timer_next(const struct ue_timers *q);
void ue_timer_free(struct ue_timers *q);

#endif /* IMSUE_UE_TIMER_H */
