/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UEs in `wait-file PATH`: parked on one list per path, and the loop looks
 * for each path once per UE_WAIT_POLL_MS, not each UE once per interval.
 * With a million registered UEs waiting for the script's go-file, per-UE
 * polling cost ten million timer-heap pops and access() calls a second and
 * starved the UEs still registering (bench_scale.sh at 1M).
 */
#ifndef IMSUE_UE_WAIT_H
#define IMSUE_UE_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#define UE_WAIT_PATHS	8 /* distinct paths waited on at once; beyond, UEs poll alone */
#define UE_WAIT_POLL_MS 100

struct ue_waits {
	const char *path[UE_WAIT_PATHS];
	uint32_t head[UE_WAIT_PATHS]; /* UE index + 1, 0: empty */
	uint32_t *link;		      /* per UE: the next one on its list (index + 1) */
	uint32_t n_ues;
	uint64_t next_check; /* UINT64_MAX: nobody parked */
	uint64_t checks;     /* access() calls made */
};

/* 0 or -ENOMEM: room for the links of n UEs. */
int ue_wait_init(struct ue_waits *q, uint32_t n);
void ue_wait_fini(struct ue_waits *q);
/* UE idx waits for path (compared by pointer: the script's own string): false when full. */
bool ue_wait_park(struct ue_waits *q, const char *path, uint32_t idx, uint64_t now);
/* When due, the list of one path that now exists, detached: UE index + 1, 0: none. */
uint32_t ue_wait_ready(struct ue_waits *q, uint64_t now);
/* The UE after ref on its released list (index + 1), 0 at the end. */
static inline uint32_t ue_wait_next_ue(const struct ue_waits *q, uint32_t ref)
{
	return q->link[ref - 1];
}
/* When the loop must call ue_wait_ready() next, UINT64_MAX: nobody waits. */
static inline uint64_t ue_wait_deadline(const struct ue_waits *q)
{
	return q->next_check;
}

#endif /* IMSUE_UE_WAIT_H */
