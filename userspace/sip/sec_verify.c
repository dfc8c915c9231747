// SPDX-License-Identifier: GPL-2.0
/*
 * Downgrade protection (RFC 3329 2.3.1, TS 33.203 7.2): the protected REGISTER
 * must echo, in Security-Verify, exactly the Security-Server list P sent, and
 * repeat the Security-Client of the unprotected REGISTER. A man in the middle
 * who stripped strong offers from the first REGISTER is caught here, because
 * the second REGISTER travels inside the integrity-protected SA.
 *
 * Equality is semantic: parameter order and the spelling of q ("0.1" vs
 * "0.100") do not matter, names are case-insensitive, values are compared
 * byte for byte. Mechanism order does not matter either: RFC 3329 ranks by q,
 * and q is compared.
 */
#include <errno.h>
#include <string.h>

#include "sip/sec_agree.h"
#include "sip/sip_lex.h"

static bool name_eq(const char *a, const char *b)
{
	return lex_eq_ci(a, strlen(a), b);
}

static bool ext_equal(const struct sec_mech *a, const struct sec_mech *b)
{
	unsigned int i, j;

	if (a->n_ext != b->n_ext)
		return false;
	/* names are unique within a mechanism (the parser refuses duplicates) */
	for (i = 0; i < a->n_ext; i++) {
		for (j = 0; j < b->n_ext; j++)
			if (name_eq(a->ext[i].name, b->ext[j].name))
				break;
		if (j == b->n_ext || strcmp(a->ext[i].value, b->ext[j].value))
			return false;
	}
	return true;
}

bool sec_mech_equal(const struct sec_mech *a, const struct sec_mech *b)
{
	uint32_t p = a->present;

	if (!name_eq(a->name, b->name) || p != b->present)
		return false;
	if ((p & SEC_P_Q) && a->q != b->q)
		return false;
	if ((p & SEC_P_ALG) && strcmp(a->alg, b->alg))
		return false;
	if ((p & SEC_P_EALG) && strcmp(a->ealg, b->ealg))
		return false;
	if ((p & SEC_P_PROT) && strcmp(a->prot, b->prot))
		return false;
	if ((p & SEC_P_MOD) && strcmp(a->mod, b->mod))
		return false;
	if ((p & SEC_P_SPI_C) && a->spi_c != b->spi_c)
		return false;
	if ((p & SEC_P_SPI_S) && a->spi_s != b->spi_s)
		return false;
	if ((p & SEC_P_PORT_C) && a->port_c != b->port_c)
		return false;
	if ((p & SEC_P_PORT_S) && a->port_s != b->port_s)
		return false;
	return ext_equal(a, b);
}

bool sec_list_equal(const struct sec_list *a, const struct sec_list *b)
{
	bool used[SEC_MECH_MAX] = {false};
	unsigned int i, j;

	if (a->n != b->n || a->n > SEC_MECH_MAX)
		return false;
	/* a matching, not a set test: two equal mechanisms in a need two in b */
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n; j++) {
			if (!used[j] && sec_mech_equal(&a->mech[i], &b->mech[j])) {
				used[j] = true;
				break;
			}
		}
		if (j == b->n)
			return false;
	}
	return true;
}

int sec_verify_check(const struct sec_list *verify, const struct sec_list *server_sent)
{
	if (!verify->n || !sec_list_equal(verify, server_sent))
		return -EPERM;
	return 0;
}

int sec_client_check(const struct sec_list *client_now, const struct sec_list *client_first)
{
	if (!client_now->n || !sec_list_equal(client_now, client_first))
		return -EPERM;
	return 0;
}
