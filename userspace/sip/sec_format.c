// SPDX-License-Identifier: GPL-2.0
/*
 * Building and writing the P-CSCF's Security-Server mechanism (TS 33.203 7.2,
 * TS 24.229 5.2.2). Output goes into a caller buffer; no allocation.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/outbuf.h"
#include "sip/sec_agree.h"
#include "sip/sip_lex.h"

int sec_mech_server(struct sec_mech *m, const struct sec_pref *pref, const char *mod,
		    uint32_t spi_c, uint32_t spi_s, uint16_t port_c, uint16_t port_s)
{
	memset(m, 0, sizeof(*m));
	/* transport mode only: there is no UDP encapsulation (see sec_choose.c) */
	if (!mod || strcmp(mod, "trans"))
		return -EINVAL;
	/* same rules the parser enforces, so what we send parses back */
	if (spi_c < 256 || spi_s < 256 || !port_c || !port_s)
		return -EINVAL;
	if (strlen(pref->alg) >= SEC_TOKEN_MAX || strlen(pref->ealg) >= SEC_TOKEN_MAX)
		return -EINVAL;
	strcpy(m->name, "ipsec-3gpp");
	m->supported = true;
	/* TS 33.203 7.2 example and 24.229 use q=0.1 for the single mechanism offered */
	m->q = 100;
	strcpy(m->prot, "esp");
	strcpy(m->mod, mod);
	strcpy(m->alg, pref->alg);
	strcpy(m->ealg, pref->ealg);
	m->spi_c = spi_c;
	m->spi_s = spi_s;
	m->port_c = port_c;
	m->port_s = port_s;
	m->present = SEC_P_Q | SEC_P_PROT | SEC_P_MOD | SEC_P_ALG | SEC_P_EALG | SEC_P_REQUIRED;
	return 0;
}

static void put_q(struct outbuf *o, uint16_t q)
{
	char digits[4];
	int i;

	if (q >= 1000) {
		outbuf_printf(o, ";q=1");
		return;
	}
	snprintf(digits, sizeof(digits), "%03u", (unsigned int)q);
	for (i = 2; i > 0 && digits[i] == '0'; i--)
		digits[i] = '\0';
	if (q == 0)
		outbuf_printf(o, ";q=0");
	else
		outbuf_printf(o, ";q=0.%s", digits);
}

static void put_mech(struct outbuf *o, const struct sec_mech *m)
{
	unsigned int i;

	outbuf_printf(o, "%s", m->name);
	if (m->present & SEC_P_Q)
		put_q(o, m->q);
	if (m->present & SEC_P_PROT)
		outbuf_printf(o, ";prot=%s", m->prot);
	if (m->present & SEC_P_MOD)
		outbuf_printf(o, ";mod=%s", m->mod);
	if (m->present & SEC_P_SPI_C)
		outbuf_printf(o, ";spi-c=%u", m->spi_c);
	if (m->present & SEC_P_SPI_S)
		outbuf_printf(o, ";spi-s=%u", m->spi_s);
	if (m->present & SEC_P_PORT_C)
		outbuf_printf(o, ";port-c=%u", (unsigned int)m->port_c);
	if (m->present & SEC_P_PORT_S)
		outbuf_printf(o, ";port-s=%u", (unsigned int)m->port_s);
	if (m->present & SEC_P_ALG)
		outbuf_printf(o, ";alg=%s", m->alg);
	if (m->present & SEC_P_EALG)
		outbuf_printf(o, ";ealg=%s", m->ealg);
	for (i = 0; i < m->n_ext && i < SEC_EXT_MAX; i++) {
		if (m->ext[i].value[0])
			outbuf_printf(o, ";%s=%s", m->ext[i].name, m->ext[i].value);
		else
			outbuf_printf(o, ";%s", m->ext[i].name);
	}
}

int sec_mech_format(const struct sec_mech *m, char *buf, size_t size)
{
	struct outbuf o;

	outbuf_init(&o, buf, size);
	put_mech(&o, m);
	return outbuf_result(&o);
}

int sec_prefs_offer(const struct sec_prefs *p, char *buf, size_t size)
{
	struct outbuf o;
	unsigned int i;

	outbuf_init(&o, buf, size);
	for (i = 0; i < p->n && i < SEC_PREF_MAX; i++)
		outbuf_printf(&o, "%sipsec-3gpp;q=%s;prot=esp;mod=trans;alg=%s;ealg=%s",
			      i ? ", " : "", i ? "0.1" : "0.5", p->p[i].alg, p->p[i].ealg);
	return p->n ? outbuf_result(&o) : -EINVAL;
}

int sec_list_format(const struct sec_list *l, char *buf, size_t size)
{
	struct outbuf o;
	unsigned int i;

	outbuf_init(&o, buf, size);
	for (i = 0; i < l->n && i < SEC_MECH_MAX; i++) {
		if (i)
			outbuf_printf(&o, ", ");
		put_mech(&o, &l->mech[i]);
	}
	return outbuf_result(&o);
}
