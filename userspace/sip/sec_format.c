// SPDX-License-Identifier: GPL-2.0
/*
 * Building and writing the P-CSCF's Security-Server mechanism (TS 33.203 7.2,
 * TS 24.229 5.2.2). Output goes into a caller buffer; no allocation.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sip/sec_agree.h"
#include "sip/sip_lex.h"

int sec_mech_server(struct sec_mech *m, const struct sec_pref *pref, const char *mod,
		    uint32_t spi_c, uint32_t spi_s, uint16_t port_c, uint16_t port_s)
{
	memset(m, 0, sizeof(*m));
	if (!mod || (strcmp(mod, "trans") && strcmp(mod, "UDP-enc-tun")))
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

struct out {
	char *buf;
	size_t size;
	size_t len;
	bool full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->full = true;
		return;
	}
	o->len += (size_t)n;
}

static void put_q(struct out *o, uint16_t q)
{
	char digits[4];
	int i;

	if (q >= 1000) {
		put(o, ";q=1");
		return;
	}
	snprintf(digits, sizeof(digits), "%03u", (unsigned int)q);
	for (i = 2; i > 0 && digits[i] == '0'; i--)
		digits[i] = '\0';
	if (q == 0)
		put(o, ";q=0");
	else
		put(o, ";q=0.%s", digits);
}

static void put_mech(struct out *o, const struct sec_mech *m)
{
	unsigned int i;

	put(o, "%s", m->name);
	if (m->present & SEC_P_Q)
		put_q(o, m->q);
	if (m->present & SEC_P_PROT)
		put(o, ";prot=%s", m->prot);
	if (m->present & SEC_P_MOD)
		put(o, ";mod=%s", m->mod);
	if (m->present & SEC_P_SPI_C)
		put(o, ";spi-c=%u", m->spi_c);
	if (m->present & SEC_P_SPI_S)
		put(o, ";spi-s=%u", m->spi_s);
	if (m->present & SEC_P_PORT_C)
		put(o, ";port-c=%u", (unsigned int)m->port_c);
	if (m->present & SEC_P_PORT_S)
		put(o, ";port-s=%u", (unsigned int)m->port_s);
	if (m->present & SEC_P_ALG)
		put(o, ";alg=%s", m->alg);
	if (m->present & SEC_P_EALG)
		put(o, ";ealg=%s", m->ealg);
	for (i = 0; i < m->n_ext && i < SEC_EXT_MAX; i++) {
		if (m->ext[i].value[0])
			put(o, ";%s=%s", m->ext[i].name, m->ext[i].value);
		else
			put(o, ";%s", m->ext[i].name);
	}
}

static int finish(struct out *o)
{
	if (o->full) {
		if (o->size)
			o->buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)o->len;
}

int sec_mech_format(const struct sec_mech *m, char *buf, size_t size)
{
	struct out o = {.buf = buf, .size = size, .full = size == 0};

	if (size)
		buf[0] = '\0';
	put_mech(&o, m);
	return finish(&o);
}

int sec_list_format(const struct sec_list *l, char *buf, size_t size)
{
	struct out o = {.buf = buf, .size = size, .full = size == 0};
	unsigned int i;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < l->n && i < SEC_MECH_MAX; i++) {
		if (i)
			put(&o, ", ");
		put_mech(&o, &l->mech[i]);
	}
	return finish(&o);
}
