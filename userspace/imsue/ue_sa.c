// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping of Security-Client/Server parameters onto the four SAs. Each SPI
 * is chosen by the side that receives on it (33.203 7.1), so our outbound
 * SAs carry the P-CSCF's SPIs and our inbound ones our own.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "common/addr.h"
#include "imsue/ue_sa.h"
#include "sip/sec_agree.h"

int ue_sa_from_server(struct ue_sa_set *s, const char *sec_server, uint32_t spi_uc, uint32_t spi_us,
		      uint16_t port_uc, uint16_t port_us, const struct ue_offer *offers,
		      unsigned int n_offers)
{
	static struct sec_list l; /* large; the emulator handles one message at a time */
	const struct sec_mech *m = NULL;
	const char *err = NULL;
	unsigned int i;
	int rc;

	sec_list_init(&l);
	rc = sec_list_parse(&l, sec_server, strlen(sec_server), &err);
	if (rc < 0)
		return -EINVAL;
	/* highest q first (RFC 3329 2.3.1); the P-CSCF normally sends one */
	for (i = 0; i < l.n; i++) {
		const struct sec_mech *c = &l.mech[i];
		uint16_t q = c->present & SEC_P_Q ? c->q : 0;

		if (!c->supported || (c->present & SEC_P_REQUIRED) != SEC_P_REQUIRED)
			continue;
		if (!m || q > (m->present & SEC_P_Q ? m->q : 0))
			m = c;
	}
	if (!m)
		return -EINVAL;
	if ((m->present & SEC_P_PROT) && strcasecmp(m->prot, "esp"))
		return -EINVAL;
	if ((m->present & SEC_P_MOD) && strcasecmp(m->mod, "trans"))
		return -EINVAL; /* UDP-enc-tun is for a UE behind NAT: not emulated yet */
	for (i = 0; i < n_offers; i++)
		if (!strcasecmp(offers[i].alg, m->alg) &&
		    !strcasecmp(offers[i].ealg, sec_mech_ealg(m)))
			break;
	if (i == n_offers)
		return -EPROTO;

	memset(s, 0, sizeof(*s));
	s->spi_uc = spi_uc;
	s->spi_us = spi_us;
	s->port_uc = port_uc;
	s->port_us = port_us;
	s->spi_pc = m->spi_c;
	s->spi_ps = m->spi_s;
	s->port_pc = m->port_c;
	s->port_ps = m->port_s;
	if (esp_auth_from_name(m->alg, &s->auth) || esp_enc_from_name(sec_mech_ealg(m), &s->enc) ||
	    esp_alg_check(s->auth, s->enc))
		return -EINVAL; /* offered, so known: only a bad --offer gets here */
	return 0;
}

int ue_sa_params(const struct ue_sa_set *s, enum ue_sa_which w, const struct pcscf_addr *ue,
		 const struct pcscf_addr *p, const uint8_t ck[16], const uint8_t ik[16],
		 struct esp_sa_params *out)
{
	static const struct {
		bool inbound;
		size_t spi, sport, dport; /* offsets into struct ue_sa_set */
	} map[UE_SA_COUNT] = {
		[UE_SA_UC_PS] = {false, offsetof(struct ue_sa_set, spi_ps),
				 offsetof(struct ue_sa_set, port_uc),
				 offsetof(struct ue_sa_set, port_ps)},
		[UE_SA_PS_UC] = {true, offsetof(struct ue_sa_set, spi_uc),
				 offsetof(struct ue_sa_set, port_ps),
				 offsetof(struct ue_sa_set, port_uc)},
		[UE_SA_US_PC] = {false, offsetof(struct ue_sa_set, spi_pc),
				 offsetof(struct ue_sa_set, port_us),
				 offsetof(struct ue_sa_set, port_pc)},
		[UE_SA_PC_US] = {true, offsetof(struct ue_sa_set, spi_us),
				 offsetof(struct ue_sa_set, port_pc),
				 offsetof(struct ue_sa_set, port_us)},
	};
	const char *base = (const char *)s;

	if ((unsigned int)w >= UE_SA_COUNT || addr_is_v4(ue) != addr_is_v4(p))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->inbound = map[w].inbound;
	memcpy(&out->spi, base + map[w].spi, sizeof(uint32_t));
	memcpy(&out->sport, base + map[w].sport, sizeof(uint16_t));
	memcpy(&out->dport, base + map[w].dport, sizeof(uint16_t));
	out->family = addr_is_v4(ue) ? AF_INET : AF_INET6;
	memcpy(out->src, out->inbound ? p->a : ue->a, 16);
	memcpy(out->dst, out->inbound ? ue->a : p->a, 16);
	out->auth = s->auth;
	out->enc = s->enc;
	if (esp_alg_check(out->auth, out->enc))
		return -EINVAL;
	memcpy(out->ck, ck, 16);
	memcpy(out->ik, ik, 16);
	return 0;
}

int ue_sa_set_create(struct ue_sa_set *s, const struct pcscf_addr *ue, const struct pcscf_addr *p,
		     const uint8_t ck[16], const uint8_t ik[16])
{
	struct esp_sa_params prm;
	int rc = 0;

	for (int w = 0; w < UE_SA_COUNT; w++) {
		rc = ue_sa_params(s, w, ue, p, ck, ik, &prm);
		if (!rc) {
			s->sa[w] = esp_sa_create(&prm, &rc);
			if (!s->sa[w] && !rc)
				rc = -ENOMEM;
		}
		OPENSSL_cleanse(&prm, sizeof(prm));
		if (rc)
			break;
	}
	if (rc) {
		ue_sa_set_destroy(s);
		return rc;
	}
	s->live = true;
	return 0;
}

void ue_sa_set_destroy(struct ue_sa_set *s)
{
	for (int w = 0; w < UE_SA_COUNT; w++) {
		esp_sa_destroy(s->sa[w]);
		s->sa[w] = NULL;
	}
	free(s->sec_server);
	s->sec_server = NULL;
	s->live = false;
}
