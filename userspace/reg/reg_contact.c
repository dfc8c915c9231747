// SPDX-License-Identifier: GPL-2.0
/*
 * Registrations by contact: a terminating request's Request-URI names the
 * UE's address and protected server port (TS 24.229 5.2.5: the contact the
 * UE registered), the one way to find it when the request carries no token
 * of ours (an in-dialog request routed by Record-Route). Sets are indexed by
 * (ue_addr, port_us) from creation to destruction; the lookup asks the set
 * for its registration, so a superseded set or a dead one names nobody.
 */
#include <string.h>

#include "reg/reg_priv.h"

uint32_t reg_hash_contact(uint32_t seed, const struct pcscf_addr *ue, uint16_t port)
{
	uint32_t h = 2166136261u ^ seed;

	for (size_t i = 0; i < sizeof(ue->a); i++)
		h = (h ^ ue->a[i]) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

uint32_t reg_key_contact(const struct reg_table *t, uint32_t si)
{
	return reg_hash_contact(t->seed, &t->sets[si].ue_addr, t->sets[si].port_us);
}

const struct reg *reg_find_contact(const struct reg_table *t, const struct pcscf_addr *ue,
				   uint16_t port_us)
{
	uint32_t pos = reg_hash_contact(t->seed, ue, port_us) & t->by_contact.mask;
	const struct reg_sa_set *s;
	const struct reg *r;
	int64_t si;

	while ((si = reg_index_scan(&t->by_contact, &pos)) >= 0) {
		s = &t->sets[si];
		if (s->port_us != port_us || memcmp(&s->ue_addr, ue, sizeof(*ue)))
			continue;
		r = reg_of_set(t, s);
		if (r)
			return r;
	}
	return NULL;
}

uint32_t reg_index_of(const struct reg_table *t, const struct reg *r)
{
	return (uint32_t)(r - t->regs);
}

const struct reg *reg_by_index(const struct reg_table *t, uint32_t ri, uint32_t generation)
{
	const struct reg *r;

	if (ri >= t->cfg.max_regs)
		return NULL;
	r = &t->regs[ri];
	return r->live && generation && r->generation == generation ? r : NULL;
}
