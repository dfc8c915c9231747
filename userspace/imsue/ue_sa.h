/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The UE side of the four IPsec SAs (TS 33.203 7.1): which SPI, which ports,
 * which direction each one has, from our Security-Client and the P-CSCF's
 * Security-Server, and the ESP engine SAs made from them.
 */
#ifndef IMSUE_UE_SA_H
#define IMSUE_UE_SA_H

#include <stdint.h>

#include "esp/esp.h"
#include "imsue/ue.h"

/*
 * Fill @s from our offer (spi_uc/spi_us/port_uc/port_us) and the P-CSCF's
 * Security-Server list: its first ipsec-3gpp mechanism gives spi_pc, spi_ps,
 * port_pc, port_ps and the chosen alg/ealg, which must be one of @offers.
 * Returns 0, -EINVAL (unparseable, incomplete, not ipsec-3gpp, mod not
 * trans), -EPROTO (algorithms we did not offer: a downgrade).
 */
int ue_sa_from_server(struct ue_sa_set *s, const char *sec_server, uint32_t spi_uc, uint32_t spi_us,
		      uint16_t port_uc, uint16_t port_us, const struct ue_offer *offers,
		      unsigned int n_offers);

/* The ESP parameters of SA @w of set @s between @ue and @p. 0 or -EINVAL. */
int ue_sa_params(const struct ue_sa_set *s, enum ue_sa_which w, const struct pcscf_addr *ue,
		 const struct pcscf_addr *p, const uint8_t ck[16], const uint8_t ik[16],
		 struct esp_sa_params *out);

/* Create the four SAs. On error none is left. */
int ue_sa_set_create(struct ue_sa_set *s, const struct pcscf_addr *ue, const struct pcscf_addr *p,
		     const uint8_t ck[16], const uint8_t ik[16]);
void ue_sa_set_destroy(struct ue_sa_set *s);

static inline bool ue_sa_inbound(enum ue_sa_which w)
{
	return w == UE_SA_PS_UC || w == UE_SA_PC_US;
}

#endif /* IMSUE_UE_SA_H */
