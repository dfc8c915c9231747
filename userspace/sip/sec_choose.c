// SPDX-License-Identifier: GPL-2.0
/*
 * Algorithm selection for ipsec-3gpp: the operator's ordered preference list
 * against the UE's Security-Client offers.
 *
 * Operator preference decides (first preference the UE offers wins), never the
 * order or the last of the UE's offers: a UE listing a weak pair first must not
 * drag the association down when it also offers a stronger one we prefer.
 *
 * Absent ealg. The encryption parameter was added to ipsec-3gpp after the
 * first release (integrity only, TS 33.203 Rel-5); a Security-Client without
 * ealg comes from such a UE and asks for no encryption. We therefore treat an
 * absent ealg as "null" when matching, i.e. such an offer matches only an
 * operator pair whose ealg is null; it never matches an encrypting pair, since
 * that UE could not set up the encrypting SA. We did not manage to retrieve
 * the exact clause wording of 33.203 7.1/annex H with the search tool; the
 * reading above is the conservative one either way (we never pick an
 * algorithm the UE did not name), and the P-CSCF always writes ealg explicitly
 * in its Security-Server so the echo check is exact.
 */
#include <errno.h>
#include <string.h>

#include "sip/sec_agree.h"
#include "sip/sip_lex.h"

/* TS 33.203 annex H names (lower case is how they are sent). */
static const char *const known_algs[] = {"hmac-sha-1-96", "hmac-md5-96", "aes-gmac", "null", NULL};
static const char *const known_ealgs[] = {"aes-cbc", "des-ede3-cbc", "aes-gcm", "null", NULL};

static const char *canonical(const char *s, size_t n, const char *const *set)
{
	for (; *set; set++)
		if (lex_eq_ci(s, n, *set))
			return *set;
	return NULL;
}

static int fail(const char **err, const char *msg, int rc)
{
	if (err)
		*err = msg;
	return rc;
}

/* Combined-mode and integrity-only rules of annex H, and no "no protection at all". */
static bool pair_allowed(const char *alg, const char *ealg)
{
	bool alg_null = !strcmp(alg, "null");

	if (!strcmp(ealg, "aes-gcm"))
		return alg_null;
	if (alg_null)
		return false;
	if (!strcmp(alg, "aes-gmac"))
		return !strcmp(ealg, "null");
	return true;
}

int sec_prefs_parse(struct sec_prefs *p, const char *buf, size_t len, const char **err)
{
	size_t pos, end;
	unsigned int i;

	p->n = 0;
	if (!buf)
		len = 0;
	pos = lex_skip_ws(buf, len, 0);
	if (pos == len)
		return fail(err, "empty preference list", -EINVAL);
	for (;;) {
		const char *alg, *ealg;

		end = lex_token(buf, len, pos);
		alg = canonical(buf + pos, end - pos, known_algs);
		if (end == pos || !alg)
			return fail(err, "unknown integrity algorithm", -EINVAL);
		pos = lex_skip_ws(buf, len, end);
		if (pos == len || buf[pos] != '/')
			return fail(err, "expected alg/ealg", -EINVAL);
		pos = lex_skip_ws(buf, len, pos + 1);
		end = lex_token(buf, len, pos);
		ealg = canonical(buf + pos, end - pos, known_ealgs);
		if (end == pos || !ealg)
			return fail(err, "unknown encryption algorithm", -EINVAL);
		if (!pair_allowed(alg, ealg))
			return fail(err, "algorithm pair not allowed by TS 33.203 annex H",
				    -EINVAL);
		for (i = 0; i < p->n; i++)
			if (!strcmp(p->p[i].alg, alg) && !strcmp(p->p[i].ealg, ealg))
				return fail(err, "duplicate preference", -EINVAL);
		if (p->n == SEC_PREF_MAX)
			return fail(err, "too many preferences", -ENOSPC);
		strcpy(p->p[p->n].alg, alg);
		strcpy(p->p[p->n].ealg, ealg);
		p->n++;
		pos = lex_skip_ws(buf, len, end);
		if (pos == len)
			break;
		if (buf[pos] != ',')
			return fail(err, "expected ','", -EINVAL);
		pos = lex_skip_ws(buf, len, pos + 1);
		if (pos == len)
			return fail(err, "trailing comma", -EINVAL);
	}
	return (int)p->n;
}

static bool str_eq_ci(const char *a, const char *b)
{
	return lex_eq_ci(a, strlen(a), b);
}

/*
 * An offer we can act on: ipsec-3gpp over ESP in transport mode (absent prot
 * and mod mean esp and trans, TS 33.203 7.1). UDP-enc-tun (a UE behind NAT)
 * is not chosen: this P-CSCF has no UDP encapsulation, and answering such an
 * offer with mod=trans would agree on SAs the UE does not set up.
 */
static bool usable(const struct sec_mech *m)
{
	if (!m->supported)
		return false;
	if ((m->present & SEC_P_PROT) && !str_eq_ci(m->prot, "esp"))
		return false;
	if ((m->present & SEC_P_MOD) && !str_eq_ci(m->mod, "trans"))
		return false;
	return true;
}

int sec_choose(const struct sec_list *client, const struct sec_prefs *prefs, unsigned int *mech_idx,
	       unsigned int *pref_idx)
{
	unsigned int pi, mi;

	for (pi = 0; pi < prefs->n; pi++) {
		const struct sec_pref *pr = &prefs->p[pi];
		int best = -1;
		unsigned int best_q = 0;

		for (mi = 0; mi < client->n; mi++) {
			const struct sec_mech *m = &client->mech[mi];
			/* RFC 3329 gives q no default: an explicit q outranks none, ties keep list
			 * order */
			unsigned int q = (m->present & SEC_P_Q) ? m->q + 1u : 0;

			if (!usable(m) || !str_eq_ci(m->alg, pr->alg) ||
			    !str_eq_ci(sec_mech_ealg(m), pr->ealg))
				continue;
			if (best < 0 || q > best_q) {
				best = (int)mi;
				best_q = q;
			}
		}
		if (best >= 0) {
			if (mech_idx)
				*mech_idx = (unsigned int)best;
			if (pref_idx)
				*pref_idx = pi;
			return 0;
		}
	}
	return -ENOENT;
}
