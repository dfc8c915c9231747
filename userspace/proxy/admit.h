/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Admission of REGISTERs under load (issue 8, storms). A REGISTER the node
 * cannot serve now is answered 503 with Retry-After (--retry-after) at once,
 * before it costs the core an authentication vector, instead of being lost;
 * each cause has its own counter (pcscfctl stats, "busy_*"). A retransmission
 * of a refused REGISTER gets the same 503 (refused.c), not a second decision.
 *
 * Causes decided when the REGISTER arrives: the registration table is full
 * and no pending registration is old enough to evict (table_full); the
 * pending cap is reached and its oldest is younger than the eviction floor
 * (pending_full); --max-inflight-reg REGISTERs already wait for the core
 * (inflight); no transaction slot (txn_full); the core cannot be sent to
 * (core_unreachable). Causes found when the 401 arrives (reg_on_401 fails):
 * set pool full, the UE's SA limit (TS 33.203 7.2), no free SPI, SA map
 * full, no memory, its de-registration still being answered. Established
 * registrations are never evicted for a newcomer.
 *
 * Ports cannot run out: every UE shares port_ps and the port_pc pool, a set
 * always gets a pool port (reused when the pool is one port), so "port pool
 * exhausted" is not a cause that exists here.
 */
#ifndef PCSCF_ADMIT_H
#define PCSCF_ADMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <osipparser2/osip_parser.h>

#define ADMIT_CAUSES(X)                                                                            \
	X(table_full)                                                                              \
	X(pending_full) X(inflight) X(txn_full) X(core_unreachable) X(sets_full) X(ue_sa_limit)    \
		X(no_spi) X(map_full) X(no_memory) X(deregistering)

enum admit_cause {
#define E(n) BUSY_##n,
	ADMIT_CAUSES(E)
#undef E
		BUSY_N,
};

/* REGISTERs at the core: keyed by the UE's branch and Call-ID, expiring with Timer F. */
#define ADMIT_INFLIGHT_TIMEOUT_MS 32000
struct admit_ent {
	uint64_t key;
	uint64_t t_ms;
};
struct admit {
	uint32_t max_inflight; /* 0: no limit, nothing tracked */
	char retry_after[12];
	uint64_t busy[BUSY_N];
	uint64_t refused_again;	   /* retransmissions of a refused REGISTER, answered the same */
	uint64_t inflight_expired; /* admitted REGISTERs the core never answered */
	/* in flight: open-addressing hash (key 0: empty) and the admission-order ring */
	struct admit_ent *hash;
	uint32_t hmask, n;
	struct admit_ent *ring;
	uint32_t rcap, rhead, rlen;
	/* refused.c: recently refused REGISTERs, direct-mapped */
	struct refused_ent *refused;
};

struct proxy;
struct sip_in;
struct outbuf;

int admit_init(struct proxy *p);
void admit_fini(struct proxy *p);
/*
 * A new REGISTER (not a retransmission of one relayed) from the UE: true
 * when it was answered here (503, or the same 503 again) and must not go on.
 */
bool admit_register(struct proxy *p, const struct sip_in *m, osip_message_t *msg, const char *impi);
/* A final response from the core (Via of ours popped): its REGISTER is no longer in flight. */
void admit_done(struct proxy *p, osip_message_t *resp);
/* Answer msg 503 with our Retry-After for cause (counted), and remember it for retransmissions. */
void admit_refuse(struct proxy *p, const struct sip_in *m, osip_message_t *msg, const char *impi,
		  enum admit_cause cause);
/* reg_on_401's error as a cause; BUSY_N for an error that is not "busy". */
enum admit_cause admit_cause_of(int err);
const char *admit_cause_name(enum admit_cause c);
/* What ran out, in words, for the log. */
const char *admit_cause_text(enum admit_cause c);
void admit_stats_render(const struct proxy *p, struct outbuf *o, bool json);

/* refused.c */
int refused_init(struct admit *a);
void refused_fini(struct admit *a);
void refused_note(struct admit *a, uint64_t key, enum admit_cause cause, uint64_t now_ms);
/* The cause a REGISTER with this key was refused for lately, or BUSY_N. */
enum admit_cause refused_find(const struct admit *a, uint64_t key, uint64_t now_ms);
/* The key of a REGISTER: its top Via branch and Call-ID (the core's answer carries both). */
uint64_t admit_key(osip_message_t *msg);

#endif
