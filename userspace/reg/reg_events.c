// SPDX-License-Identifier: GPL-2.0
/*
 * The SA-set lifecycle of TS 33.203 7.1-7.4 and TS 24.229 5.2.2, one function
 * per event. Each validates first, so an error leaves the table untouched,
 * then applies its transitions and calls the ops before returning.
 */
#include <errno.h>
#include <string.h>

#include "reg/reg_priv.h"

enum { ROLE_TMP = REG_SET_TEMPORARY - 1, ROLE_NEW = REG_SET_NEW - 1, ROLE_OLD = REG_SET_OLD - 1 };

static bool str_fits(const char *s, size_t cap)
{
	return s && strnlen(s, cap) < cap;
}

static bool ue_sec_ok(const struct reg_ue_sec *ue)
{
	/* The UE's SPIs are as reserved as ours: 0-255 is a malformed offer. */
	return ue && ue->spi_uc > REG_SPI_RESERVED_MAX && ue->spi_us > REG_SPI_RESERVED_MAX &&
	       ue->spi_uc != ue->spi_us && ue->port_uc && ue->port_us &&
	       ue->port_uc != ue->port_us && str_fits(ue->alg, REG_ALG_MAX) && *ue->alg &&
	       str_fits(ue->ealg, REG_ALG_MAX) && *ue->ealg;
}

/* Our SPIs and ports into `s`: the shared port_ps, a port_pc from the pool. */
static int alloc_ours(struct reg_table *t, struct reg *r, struct reg_sa_set *s)
{
	int err = 0;

	if (t->cfg.spi_slot_bits) {
		s->spi[REG_SA_PC] = reg_spi_slot(t, s, REG_SA_PC);
		s->spi[REG_SA_PS] = reg_spi_slot(t, s, REG_SA_PS);
	} else {
		err = reg_spi_alloc(t, 0, &s->spi[REG_SA_PC]);
	}
	if (!err && !t->cfg.spi_slot_bits)
		err = reg_spi_alloc(t, s->spi[REG_SA_PC], &s->spi[REG_SA_PS]);
	if (err)
		return err;
	s->port_ps = r->port_ps;
	s->port_pc = reg_pc_pick(t, r);
	return 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/*
 * The replaced temporary set carried the REGISTER this 401 answers (AUTS
 * re-synchronisation, a re-challenge): the 401 must leave through it, so it
 * stays live without a role until the new set is used or the grace passes.
 */
static void supersede(struct reg_table *t, struct reg *r, struct reg_sa_set *old, uint64_t now_ms)
{
	reg_set_destroy(t, reg_set_at(t, r->superseded));
	r->superseded = old->index;
	old->expires_ms = min_u64(old->expires_ms, now_ms + t->cfg.dereg_grace_ms);
	reg_timer_sync_set(t, old);
}

int reg_on_401(struct reg_table *t, const char *impi, const struct pcscf_addr *ue_addr,
	       const struct pcscf_addr *our_addr, const struct reg_ue_sec *ue, const uint8_t ck[16],
	       const uint8_t ik[16], uint64_t reg_await_auth_ms, uint64_t now_ms,
	       struct reg_alloc *out)
{
	struct reg_sa_set *s, *old_tmp;
	bool created = false;
	struct reg *r;
	int32_t ri, si;
	unsigned int w, live;
	int err;

	if (!str_fits(impi, REG_IMPI_MAX) || !*impi || !ue_addr || !our_addr || !ck || !ik ||
	    !ue_sec_ok(ue) || !reg_await_auth_ms)
		return -EINVAL;
	ri = reg_lookup(t, impi);
	if (ri >= 0 && t->regs[ri].dereg_pending)
		return -EBUSY; /* its sets go as soon as the de-REGISTER answer is out */
	if (ri < 0) {
		/* A newcomer is pending until its 200: the oldest pending one may have to go. */
		err = reg_pending_make_room(t, now_ms);
		if (err)
			return err;
		ri = reg_new(t, impi, ue_addr);
		if (ri < 0)
			return ri;
		created = true;
	}
	r = &t->regs[ri];
	old_tmp = reg_set_at(t, r->set[ROLE_TMP]);

	/* 33.203 7.2 note; the temporary set being replaced does not count. */
	live = reg_nsets(r) - (old_tmp != NULL);
	if (2 * (live + 1) > t->cfg.max_sa_per_dir) {
		err = -EMLINK;
		goto fail_reg;
	}
	si = reg_set_new(t, ri);
	if (si < 0) {
		err = si;
		goto fail_reg;
	}
	s = &t->sets[si];
	err = alloc_ours(t, r, s);
	if (err) {
		reg_set_destroy(t, s);
		goto fail_reg;
	}
	s->state = REG_SET_TEMPORARY;
	s->ue_addr = *ue_addr;
	s->our_addr = *our_addr;
	s->spi[REG_SA_UC] = ue->spi_uc;
	s->spi[REG_SA_US] = ue->spi_us;
	s->port_uc = ue->port_uc;
	s->port_us = ue->port_us;
	reg_strlcpy(s->alg, ue->alg, sizeof(s->alg));
	reg_strlcpy(s->ealg, ue->ealg, sizeof(s->ealg));
	s->created_ms = now_ms;
	s->expires_ms = now_ms + reg_await_auth_ms;
	reg_set_index(t, s);

	for (w = 0; w < REG_SA_COUNT; w++) {
		err = t->ops->sa_install(t->ops_ctx, s, w, ck, ik);
		if (err)
			break;
		s->installed |= 1u << w;
	}
	if (err) {
		if (err > 0)
			err = -EIO;
		reg_set_destroy(t, s);
		goto fail_reg;
	}
	/* Install first, remove after: a failed install keeps the previous set intact. */
	r->set[ROLE_TMP] = si;
	if (old_tmp && old_tmp->used)
		supersede(t, r, old_tmp, now_ms);
	else
		reg_set_destroy(t, old_tmp);
	reg_timer_sync_set(t, s);
	reg_pending_sync(t, ri);
	if (out) {
		out->spi_pc = s->spi[REG_SA_PC];
		out->spi_ps = s->spi[REG_SA_PS];
		out->port_pc = s->port_pc;
		out->port_ps = s->port_ps;
	}
	return 0;
fail_reg:
	if (created)
		reg_del(t, ri);
	return err;
}

int reg_set_pending(struct reg_table *t, const char *impi, const char *call_id,
		    const char *sec_client, const char *sec_server)
{
	int32_t ri = impi ? reg_lookup(t, impi) : -1;
	struct reg *r;

	if (ri < 0)
		return -ENOENT;
	if ((call_id && !str_fits(call_id, REG_CALLID_MAX)) ||
	    (sec_client && !str_fits(sec_client, REG_SECHDR_MAX)) ||
	    (sec_server && !str_fits(sec_server, REG_SECHDR_MAX)))
		return -ENAMETOOLONG;
	r = &t->regs[ri];
	return reg_strs_replace(&t->strs, (const char **[]){&r->call_id, &r->sec_client, &r->sec_server},
				(const char *const[]){call_id, sec_client, sec_server}, 3);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static bool same_addr(const struct pcscf_addr *a, const struct pcscf_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/*
 * Beyond REG_MAX_IMPUS / REG_MAX_ROUTES entries the rest are ignored: the
 * first P-Associated-URI is the default public identity, and a Service-Route
 * longer than 4 hops does not occur in practice. Over-long strings are an
 * error rather than a silent truncation that would route wrongly.
 */
int reg_on_200_register(struct reg_table *t, const char *impi, uint32_t expires_s,
			const char *const *impus, unsigned int n_impus, const char *const *routes,
			unsigned int n_routes, const char *contact, uint64_t now_ms)
{
	int32_t ri = impi ? reg_lookup(t, impi) : -1;
	const char **slot[REG_MAX_IMPUS + REG_MAX_ROUTES + 1];
	const char *val[REG_MAX_IMPUS + REG_MAX_ROUTES + 1];
	struct reg_sa_set *tmp, *cur, *old;
	unsigned int i, n;
	uint64_t lifetime;
	struct reg *r;
	int err;

	if (ri < 0)
		return -ENOENT;
	r = &t->regs[ri];
	if (!expires_s) {
		/*
		 * De-registration: the 200 OK must still go out through the SA
		 * (Kamailio deletes first and answers in clear). The caller sends
		 * it, then calls reg_on_dereg_response_sent(); reg_tick() is the
		 * safety net if it never does.
		 */
		r->dereg_pending = 1;
		r->dereg_deadline_ms = now_ms + t->cfg.dereg_grace_ms;
		reg_timer_sync_reg(t, ri);
		reg_census_reg(t, ri);
		return 0;
	}
	n_impus = n_impus < REG_MAX_IMPUS ? n_impus : REG_MAX_IMPUS;
	n_routes = n_routes < REG_MAX_ROUTES ? n_routes : REG_MAX_ROUTES;
	for (i = 0; i < n_impus; i++)
		if (!str_fits(impus[i], REG_URI_MAX))
			return -ENAMETOOLONG;
	for (i = 0; i < n_routes; i++)
		if (!str_fits(routes[i], REG_URI_MAX))
			return -ENAMETOOLONG;
	if (contact && !str_fits(contact, REG_CONTACT_MAX))
		return -ENAMETOOLONG;
	tmp = reg_set_at(t, r->set[ROLE_TMP]);
	cur = reg_set_at(t, r->set[ROLE_NEW]);
	old = reg_set_at(t, r->set[ROLE_OLD]);
	if (!tmp && !cur)
		return -ENOENT;
	/* The strings first: the only step that can fail (no memory) is before any transition. */
	for (i = 0; i < REG_MAX_IMPUS; i++) {
		slot[i] = &r->impu[i];
		val[i] = i < n_impus ? impus[i] : "";
	}
	for (i = 0; i < REG_MAX_ROUTES; i++) {
		slot[REG_MAX_IMPUS + i] = &r->route[i];
		val[REG_MAX_IMPUS + i] = i < n_routes ? routes[i] : "";
	}
	n = REG_MAX_IMPUS + REG_MAX_ROUTES;
	if (contact) {
		slot[n] = &r->contact;
		val[n++] = contact;
	}
	err = reg_strs_replace(&t->strs, slot, val, n);
	if (err)
		return err;

	lifetime = now_ms + (uint64_t)expires_s * 1000 + REG_SA_GRACE_MS;
	if (tmp) {
		/* The challenge is answered: the set its 401 left through has done its job. */
		reg_set_destroy(t, reg_set_at(t, r->superseded));
		/*
		 * The UE moved (new PDN connection, handover): the sets at its
		 * previous address go now, not before this 200, so the old
		 * registration stayed usable until the new one was confirmed.
		 */
		if (cur && !same_addr(&cur->ue_addr, &tmp->ue_addr)) {
			reg_set_destroy(t, cur);
			cur = NULL;
		}
		if (old && !same_addr(&old->ue_addr, &tmp->ue_addr)) {
			reg_set_destroy(t, old);
			old = NULL;
		}
		if (cur) {
			/* Re-authentication: a still-unused OLD set is superseded. */
			reg_set_destroy(t, old);
			cur->state = REG_SET_OLD;
			r->set[ROLE_OLD] = cur->index;
			reg_set_update(t, cur);
		}
		tmp->state = REG_SET_NEW;
		/*
		 * Packets seen while temporary (the authenticated REGISTER) do not
		 * count: OLD goes at the first use after the promotion (7.4).
		 */
		tmp->used = 0;
		tmp->expires_ms = max_u64(tmp->expires_ms, lifetime);
		r->set[ROLE_NEW] = tmp->index;
		r->set[ROLE_TMP] = -1;
		reg_pending_strs_release(&t->strs, r); /* nothing left to verify them against */
		r->ue_addr = tmp->ue_addr;
		reg_set_update(t, tmp);
	} else {
		/* Re-registration without a challenge: only the lifetime moves. */
		cur->expires_ms = max_u64(cur->expires_ms, lifetime);
		reg_set_update(t, cur);
	}

	r->registered = 1;
	r->expires_ms = now_ms + (uint64_t)expires_s * 1000;
	r->n_impus = n_impus;
	r->n_routes = n_routes;
	reg_timer_sync_reg(t, ri);
	reg_pending_sync(t, ri);
	return 0;
}

int reg_on_dereg_response_sent(struct reg_table *t, const char *impi, uint64_t now_ms)
{
	int32_t ri = impi ? reg_lookup(t, impi) : -1;

	if (ri < 0)
		return -ENOENT;
	if (!t->regs[ri].dereg_pending)
		return -EINVAL;
	reg_destroy_all(t, ri);
	return 0;
}

/* 403, the S-CSCF's timeout, or a Security-Verify mismatch: the temporary set goes. */
int reg_on_auth_failure(struct reg_table *t, const char *impi, uint64_t now_ms)
{
	int32_t ri = impi ? reg_lookup(t, impi) : -1;
	struct reg_sa_set *tmp;

	if (ri < 0)
		return -ENOENT;
	tmp = reg_set_at(t, t->regs[ri].set[ROLE_TMP]);
	if (!tmp)
		return -ENOENT;
	reg_set_destroy(t, tmp);
	reg_gc(t, ri);
	return 0;
}

int reg_on_network_dereg(struct reg_table *t, const char *impi, uint64_t now_ms)
{
	int32_t ri = impi ? reg_lookup(t, impi) : -1;

	if (ri < 0)
		return -ENOENT;
	reg_destroy_all(t, ri);
	return 0;
}

int reg_on_inbound_packet(struct reg_table *t, uint32_t spi, uint64_t now_ms)
{
	struct reg_sa_set *s = (struct reg_sa_set *)reg_find_sa(t, spi, NULL);
	struct reg *r;

	if (!s)
		return -ENOENT;
	if (s->used)
		return 0;
	s->used = 1;
	r = &t->regs[s->reg];
	/* 33.203 7.4: the old set lives until the new one is used. */
	if (s->state == REG_SET_NEW)
		reg_set_destroy(t, reg_set_at(t, r->set[ROLE_OLD]));
	/* The UE answers the re-challenge: the 401 went out through the superseded set. */
	if (r->set[ROLE_TMP] == (int32_t)s->index)
		reg_set_destroy(t, reg_set_at(t, r->superseded));
	return 0;
}
