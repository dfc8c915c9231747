// SPDX-License-Identifier: GPL-2.0
/* REGISTER admission under load, 503 causes and the census in stats (admit.h says why). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/outbuf.h"
#include "proxy/admit.h"
#include "proxy/proxy_priv.h"

static const char *const cause_names[BUSY_N] = {
#define N(n) #n,
	ADMIT_CAUSES(N)
#undef N
};

static const char *const cause_text[BUSY_N] = {
	[BUSY_table_full] = "registration or SA set table full",
	[BUSY_pending_full] = "pending registrations at the cap, none old enough to evict",
	[BUSY_inflight] = "--max-inflight-reg REGISTERs already wait for the core",
	[BUSY_txn_full] = "transaction table full",
	[BUSY_core_unreachable] = "the core cannot be sent to",
	[BUSY_sets_full] = "SA set pool full",
	[BUSY_ue_sa_limit] = "the UE's SA limit (TS 33.203 7.2)",
	[BUSY_no_spi] = "no free SPI found",
	[BUSY_map_full] = "classifier SA map full",
	[BUSY_no_memory] = "out of memory for SA state",
	[BUSY_deregistering] = "its de-registration is still being answered",
};

const char *admit_cause_text(enum admit_cause c)
{
	return c < BUSY_N ? cause_text[c] : "?";
}

const char *admit_cause_name(enum admit_cause c)
{
	return c < BUSY_N ? cause_names[c] : "?";
}

enum admit_cause admit_cause_of(int err)
{
	switch (err) {
	case -ENOSPC:
		return BUSY_table_full;
	case -EDQUOT:
		return BUSY_pending_full;
	case -ENOBUFS:
		return BUSY_sets_full;
	case -EMLINK:
		return BUSY_ue_sa_limit;
	case -EAGAIN:
		return BUSY_no_spi;
	case -E2BIG:
		return BUSY_map_full;
	case -ENOMEM:
		return BUSY_no_memory;
	case -EBUSY:
		return BUSY_deregistering;
	}
	return BUSY_N;
}

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

int admit_init(struct proxy *p)
{
	struct admit *a = &p->admit;

	memset(a, 0, sizeof(*a));
	a->max_inflight = p->cfg.max_inflight_reg;
	snprintf(a->retry_after, sizeof(a->retry_after), "%u",
		 p->cfg.retry_after_s ? p->cfg.retry_after_s : (unsigned)atoi(PROXY_RETRY_AFTER_S));
	if (a->max_inflight) {
		a->hmask = pow2_at_least(2 * a->max_inflight) - 1;
		a->rcap = 2 * a->max_inflight;
		a->hash = calloc((size_t)a->hmask + 1, sizeof(*a->hash));
		a->ring = calloc(a->rcap, sizeof(*a->ring));
		if (!a->hash || !a->ring)
			return -ENOMEM;
	}
	return refused_init(a);
}

void admit_fini(struct proxy *p)
{
	free(p->admit.hash);
	free(p->admit.ring);
	p->admit.hash = p->admit.ring = NULL;
	refused_fini(&p->admit);
}

static uint32_t home(const struct admit *a, uint64_t key)
{
	return (uint32_t)(key ^ key >> 32) & a->hmask;
}

static void h_add(struct admit *a, uint64_t key, uint64_t t)
{
	uint32_t i = home(a, key);

	while (a->hash[i].key) {
		if (a->hash[i].key == key)
			return; /* already in flight (cannot happen: retransmissions do not come
				   here) */
		i = (i + 1) & a->hmask;
	}
	a->hash[i] = (struct admit_ent){key, t};
	a->n++;
}

/* Remove key (only if admitted at t, when t is not 0); backward-shift, no tombstones. */
static bool h_del(struct admit *a, uint64_t key, uint64_t t)
{
	uint32_t i = home(a, key), j, k;

	while (a->hash[i].key != key) {
		if (!a->hash[i].key)
			return false;
		i = (i + 1) & a->hmask;
	}
	if (t && a->hash[i].t_ms != t)
		return false;
	a->n--;
	for (j = i;;) {
		a->hash[i].key = 0;
		for (;;) {
			j = (j + 1) & a->hmask;
			if (!a->hash[j].key)
				return true;
			k = home(a, a->hash[j].key);
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		a->hash[i] = a->hash[j];
		i = j;
	}
}

/* Admissions older than Timer F were never answered: no longer in flight. */
static void expire(struct admit *a, uint64_t now, bool make_room)
{
	while (a->rlen && (a->ring[a->rhead].t_ms + ADMIT_INFLIGHT_TIMEOUT_MS <= now ||
			   (make_room && a->rlen == a->rcap))) {
		struct admit_ent *e = &a->ring[a->rhead];

		if (h_del(a, e->key, e->t_ms))
			a->inflight_expired++;
		a->rhead = (a->rhead + 1) % a->rcap;
		a->rlen--;
		make_room = false;
	}
}

static void track(struct admit *a, uint64_t key, uint64_t now)
{
	expire(a, now, true);
	a->ring[(a->rhead + a->rlen++) % a->rcap] = (struct admit_ent){key, now};
	h_add(a, key, now);
}

static void send_503(struct proxy *p, const struct sip_in *m, osip_message_t *msg)
{
	proxy_reply_hdr(p, m, msg, 503, "Service Unavailable", "Retry-After", p->admit.retry_after);
}

void admit_refuse(struct proxy *p, const struct sip_in *m, osip_message_t *msg, const char *impi,
		  enum admit_cause cause)
{
	struct admit *a = &p->admit;
	uint64_t key = admit_key(msg), now = proxy_now_ms();

	if (a->max_inflight)
		h_del(a, key, 0);
	if (cause < BUSY_N)
		a->busy[cause]++;
	p->stats.busy_503++;
	pr_warn_rl("REGISTER of %s refused, 503 Retry-After %s: %s (busy_%s)", impi, a->retry_after,
		   admit_cause_text(cause), admit_cause_name(cause));
	refused_note(a, key, cause, now);
	send_503(p, m, msg);
}

bool admit_register(struct proxy *p, const struct sip_in *m, osip_message_t *msg, const char *impi)
{
	struct admit *a = &p->admit;
	uint64_t key = admit_key(msg), now = proxy_now_ms();
	const struct reg_sa_set *set = NULL;
	int err;

	if (refused_find(a, key, now) != BUSY_N) {
		a->refused_again++;
		send_503(p, m, msg);
		return true;
	}
	if (m->protected)
		set = reg_sa_by_slot(p->regs, m->slot, m->generation);
	if (!m->protected) {
		err = reg_admit(p->regs, impi, now);
		if (err) {
			admit_refuse(p, m, msg, impi,
				     err == -EDQUOT ? BUSY_pending_full : BUSY_table_full);
			return true;
		}
	}
	if (!a->max_inflight)
		return false;
	expire(a, now, false);
	/* The answer to a challenge completes work already done: never refused for load. */
	if (a->n >= a->max_inflight && !(set && set->state == REG_SET_TEMPORARY)) {
		admit_refuse(p, m, msg, impi, BUSY_inflight);
		return true;
	}
	track(a, key, now);
	return false;
}

void admit_done(struct proxy *p, osip_message_t *resp)
{
	struct admit *a = &p->admit;

	if (!a->max_inflight || !resp->cseq || !resp->cseq->method ||
	    strcasecmp(resp->cseq->method, "REGISTER"))
		return;
	h_del(a, admit_key(resp), 0);
}

void admit_stats_render(const struct proxy *p, struct outbuf *o, bool json)
{
	const struct admit *a = &p->admit;
	struct reg_census c;
	const char *f = json ? ",\"%s%s\":%llu" : "  %s%-*s %llu\n";
	unsigned int i;

#define P(pre, name, v)                                                                            \
	(json ? outbuf_printf(o, f, pre, name, (unsigned long long)(v))                            \
	      : outbuf_printf(o, f, pre, (int)(32 - strlen(pre)), name, (unsigned long long)(v)))
	for (i = 0; i < BUSY_N; i++)
		P("busy_", cause_names[i], a->busy[i]);
	P("", "busy_refused_again", a->refused_again);
	P("", "inflight_reg", a->n);
	P("", "max_inflight_reg", a->max_inflight);
	P("", "inflight_expired", a->inflight_expired);
	reg_census_get(p->regs, &c);
	for (i = 1; i < REG_CLS_N; i++)
		P("regs_", reg_class_name(i), c.regs[i]);
	for (i = 1; i < SET_CLS_N; i++)
		P("sets_", set_class_name(i), c.sets[i]);
	for (i = 1; i < SET_CLS_N; i++)
		P("sas_", set_class_name(i), (uint64_t)c.sets[i] * REG_SA_COUNT);
#undef P
}
