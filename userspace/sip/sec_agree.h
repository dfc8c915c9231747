/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Security mechanism agreement (RFC 3329) with the 3GPP "ipsec-3gpp" mechanism
 * (TS 33.203 clause 7 and annex H): parse Security-Client / Security-Server /
 * Security-Verify values, pick algorithms by operator preference, format the
 * P-CSCF's Security-Server value and check the downgrade-protection echoes.
 *
 * Everything works on fixed-size structs so the SIP path never allocates.
 * Parsers take (pointer, length) and never read past it.
 */
#ifndef PCSCF_SIP_SEC_AGREE_H
#define PCSCF_SIP_SEC_AGREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEC_MECH_MAX  16 /* mechanisms in one list (all headers of one kind in a message) */
#define SEC_TOKEN_MAX 32 /* longest mechanism name, alg, ealg, prot, mod (with NUL) */
#define SEC_EXT_MAX   4	 /* unknown parameters kept per mechanism, for comparison only */
#define SEC_EXT_NAME  32
#define SEC_EXT_VALUE 64
#define SEC_PREF_MAX  16 /* entries in the operator's algorithm preference list */

/* Bits of sec_mech.present: which parameters the header carried. */
enum {
	SEC_P_Q = 1u << 0,
	SEC_P_ALG = 1u << 1,
	SEC_P_EALG = 1u << 2,
	SEC_P_PROT = 1u << 3,
	SEC_P_MOD = 1u << 4,
	SEC_P_SPI_C = 1u << 5,
	SEC_P_SPI_S = 1u << 6,
	SEC_P_PORT_C = 1u << 7,
	SEC_P_PORT_S = 1u << 8,
};

/* The parameters TS 33.203 requires in every ipsec-3gpp mechanism. */
#define SEC_P_REQUIRED (SEC_P_ALG | SEC_P_SPI_C | SEC_P_SPI_S | SEC_P_PORT_C | SEC_P_PORT_S)

struct sec_ext {
	char name[SEC_EXT_NAME];
	char value[SEC_EXT_VALUE]; /* raw text, quotes kept; "" when the param had no value */
};

struct sec_mech {
	char name[SEC_TOKEN_MAX]; /* as received, e.g. "ipsec-3gpp", "digest" */
	bool supported;		  /* name is ipsec-3gpp: the only one this P-CSCF speaks */
	uint32_t present;	  /* SEC_P_* */
	uint16_t q;		  /* thousandths (0..1000), meaningful if SEC_P_Q */
	char alg[SEC_TOKEN_MAX];
	char ealg[SEC_TOKEN_MAX];
	char prot[SEC_TOKEN_MAX];
	char mod[SEC_TOKEN_MAX];
	uint32_t spi_c;
	uint32_t spi_s;
	uint16_t port_c;
	uint16_t port_s;
	uint8_t n_ext;
	struct sec_ext ext[SEC_EXT_MAX];
};

struct sec_list {
	unsigned int n;
	struct sec_mech mech[SEC_MECH_MAX];
};

static inline void sec_list_init(struct sec_list *l)
{
	l->n = 0;
}

/*
 * Parse one header value (one or more comma-separated mechanisms) and append
 * them to @l. Call once per header occurrence. On error nothing is appended,
 * *err (if non-NULL) points to a static string for the log.
 * Returns the number of mechanisms appended, -EINVAL on bad syntax or a
 * semantic error (duplicate/missing parameter, bad number), -ENOSPC when @l
 * would exceed SEC_MECH_MAX.
 */
int sec_list_parse(struct sec_list *l, const char *buf, size_t len, const char **err);

/* Operator preference: ordered (alg, ealg) pairs, most preferred first. */
struct sec_pref {
	char alg[SEC_TOKEN_MAX];
	char ealg[SEC_TOKEN_MAX];
};

struct sec_prefs {
	unsigned int n;
	struct sec_pref p[SEC_PREF_MAX];
};

/*
 * Parse "hmac-sha-1-96/aes-cbc, hmac-sha-1-96/null, hmac-md5-96/aes-cbc".
 * Names must be ones TS 33.203 annex H defines, in combinations it allows
 * (aes-gcm only with alg null, aes-gmac only with ealg null), so a typo in the
 * configuration fails at start-up instead of silently never matching.
 * Returns the number of entries, -EINVAL (with *err) or -ENOSPC.
 */
int sec_prefs_parse(struct sec_prefs *p, const char *buf, size_t len, const char **err);

/*
 * Pick the first operator preference that the UE's Security-Client offers in
 * a usable ipsec-3gpp mechanism (prot esp, mod trans; UDP-enc-tun is not
 * served until UDP encapsulation exists). Among
 * several UE mechanisms offering that same pair, the highest q wins, then the
 * first listed. On success *mech_idx indexes @client and *pref_idx @prefs
 * (either may be NULL). Returns 0, or -ENOENT when nothing is acceptable
 * (the caller answers 494 or 403).
 */
int sec_choose(const struct sec_list *client, const struct sec_prefs *prefs, unsigned int *mech_idx,
	       unsigned int *pref_idx);

/*
 * The effective ealg of a mechanism: its ealg, or "null" when absent
 * (see sec_agree.c for why).
 */
const char *sec_mech_ealg(const struct sec_mech *m);

/*
 * Build the mechanism the P-CSCF answers with: ipsec-3gpp, q=0.1, prot=esp,
 * @mod (only "trans" is served), the chosen algorithms and P's own SPIs and
 * ports. Returns 0 or -EINVAL (other mod, name too long, zero port).
 */
int sec_mech_server(struct sec_mech *m, const struct sec_pref *pref, const char *mod,
		    uint32_t spi_c, uint32_t spi_s, uint16_t port_c, uint16_t port_s);

/*
 * Format @m as a header value ("ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=..;
 * spi-s=..;port-c=..;port-s=..;alg=..;ealg=..") into @buf, NUL-terminated.
 * Only parameters present in @m are written; unknown ones are kept.
 * Returns the length written (without the NUL) or -ENOSPC.
 */
int sec_mech_format(const struct sec_mech *m, char *buf, size_t size);

/*
 * The Security-Server of a 494 (RFC 3329 2.3.1/2.3.2: the server lists the
 * mechanisms it supports, even when none is common): one ipsec-3gpp
 * mechanism per operator preference, most preferred first (higher q). No SPIs
 * or ports: none are allocated before a 401. Returns the length, -ENOSPC, or
 * -EINVAL for an empty preference list.
 */
int sec_prefs_offer(const struct sec_prefs *p, char *buf, size_t size);

/* Same for a whole list, mechanisms joined by ", ". */
int sec_list_format(const struct sec_list *l, char *buf, size_t size);

/*
 * Semantic equality: same mechanism name (case-insensitive), the same set of
 * parameters (in any order), each value exactly equal (q compared as a
 * number, parameter names case-insensitive).
 */
bool sec_mech_equal(const struct sec_mech *a, const struct sec_mech *b);

/* Same mechanisms (pairwise sec_mech_equal, order-insensitive), same count. */
bool sec_list_equal(const struct sec_list *a, const struct sec_list *b);

/*
 * Downgrade protection on the protected REGISTER (TS 33.203 7.2, RFC 3329 2.3.1):
 * Security-Verify must equal the Security-Server list P sent, and the repeated
 * Security-Client must equal the one of the unprotected REGISTER.
 * Return 0 or -EPERM.
 */
int sec_verify_check(const struct sec_list *verify, const struct sec_list *server_sent);
int sec_client_check(const struct sec_list *client_now, const struct sec_list *client_first);

#endif /* PCSCF_SIP_SEC_AGREE_H */
