// SPDX-License-Identifier: GPL-2.0
/* Security-Client/Server/Verify parsing, algorithm choice, formatting, echo checks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "reg/reg.h"
#include "sip/sec_agree.h"
#include "tap.h"

#define UE1                                                                                        \
	"ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;spi-c=1111;spi-s=2222;port-c=5062;port-s=5064"

/* ---- parsing -------------------------------------------------------------------------- */

struct parse_case {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen(in) */
	int rc;	    /* expected return: count or -errno */
	/* checks on mech[0] when rc > 0 */
	bool supported;
	const char *alg, *ealg;
	uint32_t spi_c, spi_s;
	uint16_t port_c, port_s;
	int q; /* -1: absent */
	int n_ext;
};

static const struct parse_case parse_cases[] = {
	{"doc example", UE1, 0, 1, true, "hmac-sha-1-96", "aes-cbc", 1111, 2222, 5062, 5064, -1},
	{"q prot mod and SWS around ; and =",
	 "ipsec-3gpp ; q = 0.5 ;prot=esp; mod=trans;alg=hmac-md5-96;spi-c=4294967295;"
	 "spi-s=256;port-c=1;port-s=65535",
	 0, 1, true, "hmac-md5-96", NULL, 4294967295u, 256, 1, 65535, 500},
	{"two mechanisms", UE1 ", " UE1, 0, 2, true, "hmac-sha-1-96", "aes-cbc", 1111, 2222, 5062,
	 5064, -1},
	{"names case-insensitive",
	 "IPSEC-3GPP;ALG=hmac-sha-1-96;SPI-C=1111;Spi-S=2222;PORT-c=5062;port-S=5064", 0, 1, true,
	 "hmac-sha-1-96", NULL, 1111, 2222, 5062, 5064, -1},
	{"other mechanism kept, unsupported", "digest;d-alg=md5;q=0.1", 0, 1, false, NULL, NULL, 0,
	 0, 0, 0, 100, 1},
	{"tls without params", "tls", 0, 1, false, NULL, NULL, 0, 0, 0, 0, -1},
	{"unknown params kept", UE1 ";foo=bar;flag", 0, 1, true, "hmac-sha-1-96", "aes-cbc", 1111,
	 2222, 5062, 5064, -1, 2},
	{"quoted unknown with comma", UE1 ";x=\"a,b;c\"", 0, 1, true, "hmac-sha-1-96", "aes-cbc",
	 1111, 2222, 5062, 5064, -1, 1},
	{"q=1.000", UE1 ";q=1.000", 0, 1, true, "hmac-sha-1-96", "aes-cbc", 1111, 2222, 5062, 5064,
	 1000},
	{"q=0", UE1 ";q=0", 0, 1, true, "hmac-sha-1-96", "aes-cbc", 1111, 2222, 5062, 5064, 0},
	{"q=0.", UE1 ";q=0.", 0, 1, true, "hmac-sha-1-96", "aes-cbc", 1111, 2222, 5062, 5064, 0},
	{"q=0.005", UE1 ";q=0.005", 0, 1, true, "hmac-sha-1-96", "aes-cbc", 1111, 2222, 5062, 5064,
	 5},
	{"prot=ah parses", UE1 ";prot=ah", 0, 1, true, "hmac-sha-1-96", "aes-cbc", 1111, 2222, 5062,
	 5064, -1},
	{"mod=UDP-enc-tun", UE1 ";mod=UDP-enc-tun", 0, 1, true, "hmac-sha-1-96", "aes-cbc", 1111,
	 2222, 5062, 5064, -1},
	{"length limits the parse", UE1 ";spi-c=9", sizeof(UE1) - 1, 1, true, "hmac-sha-1-96",
	 "aes-cbc", 1111, 2222, 5062, 5064, -1},
	{"leading/trailing whitespace", "  " UE1 "  \r\n", 0, 1, true, "hmac-sha-1-96", "aes-cbc",
	 1111, 2222, 5062, 5064, -1},

	{"empty", "", 0, -EINVAL},
	{"blanks", "   ", 0, -EINVAL},
	{"lone comma", ",", 0, -EINVAL},
	{"trailing comma", UE1 ",", 0, -EINVAL},
	{"empty element", UE1 ",," UE1, 0, -EINVAL},
	{"trailing semicolon", UE1 ";", 0, -EINVAL},
	{"param without value", UE1 ";q", 0, -EINVAL},
	{"missing value after =", UE1 ";q=", 0, -EINVAL},
	{"spi overflow",
	 "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=4294967296;spi-s=2222;port-c=1;port-s=2", 0, -EINVAL},
	{"spi 11 digits",
	 "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=00000001111;spi-s=2222;port-c=1;port-s=2", 0, -EINVAL},
	{"spi reserved", "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=255;spi-s=2222;port-c=1;port-s=2", 0,
	 -EINVAL},
	{"spi zero", "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=0;spi-s=2222;port-c=1;port-s=2", 0,
	 -EINVAL},
	{"spi negative", "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=-1111;spi-s=2222;port-c=1;port-s=2", 0,
	 -EINVAL},
	{"spi plus sign", "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=+1111;spi-s=2222;port-c=1;port-s=2",
	 0, -EINVAL},
	{"spi hex", "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=0x1111;spi-s=2222;port-c=1;port-s=2", 0,
	 -EINVAL},
	{"port 65536", "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1111;spi-s=2222;port-c=65536;port-s=2",
	 0, -EINVAL},
	{"port 0", "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1111;spi-s=2222;port-c=0;port-s=2", 0,
	 -EINVAL},
	{"port trailing junk",
	 "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1111;spi-s=2222;port-c=5062x;port-s=2", 0, -EINVAL},
	{"duplicate alg", UE1 ";alg=hmac-md5-96", 0, -EINVAL},
	{"duplicate spi-c (other case)", UE1 ";SPI-C=3333", 0, -EINVAL},
	{"duplicate unknown", UE1 ";x=1;X=2", 0, -EINVAL},
	{"duplicate q", UE1 ";q=0.1;q=0.2", 0, -EINVAL},
	{"missing alg", "ipsec-3gpp;ealg=aes-cbc;spi-c=1111;spi-s=2222;port-c=5062;port-s=5064", 0,
	 -EINVAL},
	{"missing spi-s", "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1111;port-c=5062;port-s=5064", 0,
	 -EINVAL},
	{"missing port-c", "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1111;spi-s=2222;port-s=5064", 0,
	 -EINVAL},
	{"bare ipsec-3gpp", "ipsec-3gpp", 0, -EINVAL},
	{"q=1.001", UE1 ";q=1.001", 0, -EINVAL},
	{"q=0.1234", UE1 ";q=0.1234", 0, -EINVAL},
	{"q=2", UE1 ";q=2", 0, -EINVAL},
	{"q=.5", UE1 ";q=.5", 0, -EINVAL},
	{"q=0.5.1", UE1 ";q=0.5.1", 0, -EINVAL},
	{"unknown prot", UE1 ";prot=udp", 0, -EINVAL},
	{"unknown mod", UE1 ";mod=bogus", 0, -EINVAL},
	{"quoted alg", "ipsec-3gpp;alg=\"hmac-sha-1-96\";spi-c=1111;spi-s=2222;port-c=1;port-s=2",
	 0, -EINVAL},
	{"unterminated quote", UE1 ";x=\"abc", 0, -EINVAL},
	{"escaped NUL in quoted value", UE1 ";x=\"a\\\0b\"", sizeof(UE1) + 8, -EINVAL},
	{"raw CTL in quoted value", UE1 ";x=\"a\x01b\"", 0, -EINVAL},
	{"garbage after mechanism", UE1 " junk", 0, -EINVAL},
	{"embedded NUL", "ipsec-3gpp;alg=hmac\0-sha-1-96;spi-c=1111;spi-s=2222;port-c=1;port-s=2",
	 69, -EINVAL},
	{"mechanism name too long", "ipsec-3gpp-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0,
	 -EINVAL},
	{"alg too long",
	 "ipsec-3gpp;alg=hmac-sha-1-96-aaaaaaaaaaaaaaaaaaaaaaaaaaaa;spi-c=1111;spi-s=2222;port-c=1;"
	 "port-s=2",
	 0, -EINVAL},
	{"too many unknown params", UE1 ";a;b;c;d;e", 0, -EINVAL},
};

static void test_parse_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		struct sec_list l;
		const char *err = NULL;
		const struct sec_mech *m = &l.mech[0];
		bool ok;
		int rc;

		sec_list_init(&l);
		rc = sec_list_parse(&l, c->in, len, &err);
		ok = rc == c->rc;
		if (ok && rc > 0) {
			ok = (int)l.n == rc && m->supported == c->supported &&
			     (!c->alg || !strcmp(m->alg, c->alg)) &&
			     (c->ealg ? !strcmp(m->ealg, c->ealg) : !(m->present & SEC_P_EALG)) &&
			     m->spi_c == c->spi_c && m->spi_s == c->spi_s &&
			     m->port_c == c->port_c && m->port_s == c->port_s &&
			     (c->q < 0 ? !(m->present & SEC_P_Q)
				       : ((m->present & SEC_P_Q) && m->q == c->q)) &&
			     m->n_ext == c->n_ext;
		}
		if (ok && rc < 0)
			ok = l.n == 0 && err != NULL;
		TAP_CHECK(ok, "parse: %s (rc %d, want %d%s%s)", c->name, rc, c->rc,
			  rc < 0 ? ", " : "", rc < 0 && err ? err : "");
	}
}

static void test_parse_append(void)
{
	struct sec_list l;
	const char *err;
	int i, rc = 0;

	sec_list_init(&l);
	TAP_CHECK(sec_list_parse(&l, UE1, strlen(UE1), &err) == 1 &&
			  sec_list_parse(&l, "tls;q=0.2, digest", 17, &err) == 2 && l.n == 3,
		  "parse: several headers append to one list");
	rc = sec_list_parse(&l, UE1 ", bad;;", strlen(UE1 ", bad;;"), &err);
	TAP_CHECK(rc == -EINVAL && l.n == 3, "parse: failed header appends nothing");

	sec_list_init(&l);
	rc = 0;
	for (i = 0; i < SEC_MECH_MAX && rc >= 0; i++)
		rc = sec_list_parse(&l, UE1, strlen(UE1), &err);
	TAP_CHECK(rc == 1 && l.n == SEC_MECH_MAX, "parse: list fills to %d", SEC_MECH_MAX);
	rc = sec_list_parse(&l, UE1, strlen(UE1), &err);
	TAP_CHECK(rc == -ENOSPC && l.n == SEC_MECH_MAX, "parse: mechanism %d is -ENOSPC",
		  SEC_MECH_MAX + 1);
}

/* ---- operator preferences ------------------------------------------------------------- */

struct prefs_case {
	const char *in;
	int rc;
	const char *first_alg, *first_ealg;
};

static const struct prefs_case prefs_cases[] = {
	{"hmac-sha-1-96/aes-cbc, hmac-sha-1-96/null, hmac-md5-96/aes-cbc, hmac-md5-96/null", 4,
	 "hmac-sha-1-96", "aes-cbc"},
	{" HMAC-SHA-1-96 / AES-CBC ", 1, "hmac-sha-1-96", "aes-cbc"},
	{"null/aes-gcm,aes-gmac/null,hmac-md5-96/des-ede3-cbc", 3, "null", "aes-gcm"},
	{"", -EINVAL},
	{"hmac-sha-1-96", -EINVAL},
	{"hmac-sha-1-96/", -EINVAL},
	{"hmac-sha-256/aes-cbc", -EINVAL},
	{"hmac-sha-1-96/aes-ctr", -EINVAL},
	{"null/null", -EINVAL},
	{"null/aes-cbc", -EINVAL},
	{"hmac-sha-1-96/aes-gcm", -EINVAL},
	{"aes-gmac/aes-cbc", -EINVAL},
	{"hmac-sha-1-96/null, hmac-sha-1-96/null", -EINVAL},
	{"hmac-sha-1-96/null,", -EINVAL},
	{"hmac-sha-1-96/null hmac-md5-96/null", -EINVAL},
};

static void test_prefs_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(prefs_cases) / sizeof(prefs_cases[0]); i++) {
		const struct prefs_case *c = &prefs_cases[i];
		struct sec_prefs p;
		const char *err = NULL;
		int rc = sec_prefs_parse(&p, c->in, strlen(c->in), &err);
		bool ok = rc == c->rc;

		if (ok && rc > 0)
			ok = !strcmp(p.p[0].alg, c->first_alg) &&
			     !strcmp(p.p[0].ealg, c->first_ealg);
		if (ok && rc < 0)
			ok = err != NULL;
		TAP_CHECK(ok, "prefs: \"%s\" -> %d (want %d)", c->in, rc, c->rc);
	}
}

/* ---- choice --------------------------------------------------------------------------- */

#define MECH(alg_ealg, spi)                                                                        \
	"ipsec-3gpp;" alg_ealg ";spi-c=" spi ";spi-s=2222;port-c=5062;port-s=5064"
#define PREFS_STD "hmac-sha-1-96/aes-cbc, hmac-sha-1-96/null, hmac-md5-96/aes-cbc, hmac-md5-96/null"

struct choose_case {
	const char *name;
	const char *prefs;
	const char *client;
	int rc;
	unsigned int mech, pref;
};

static const struct choose_case choose_cases[] = {
	{"exact single offer", PREFS_STD, MECH("alg=hmac-sha-1-96;ealg=aes-cbc", "1111"), 0, 0, 0},
	{"UE offers only hmac-md5-96", PREFS_STD, MECH("alg=hmac-md5-96;ealg=aes-cbc", "1111"), 0,
	 0, 2},
	{"UE offers only hmac-md5-96 without ealg", PREFS_STD, MECH("alg=hmac-md5-96", "1111"), 0,
	 0, 3},
	{"operator order beats UE order", PREFS_STD,
	 MECH("alg=hmac-md5-96;ealg=aes-cbc",
	      "1111") ", " MECH("alg=hmac-sha-1-96;ealg=null",
				"1112") ", " MECH("alg=hmac-sha-1-96;ealg=aes-cbc", "1113"),
	 0, 2, 0},
	{"operator order beats UE q", PREFS_STD,
	 MECH("alg=hmac-md5-96;ealg=aes-cbc;q=1",
	      "1111") ", " MECH("alg=hmac-sha-1-96;ealg=null;q=0.1", "1112"),
	 0, 1, 1},
	{"same pair twice: higher q wins", PREFS_STD,
	 MECH("alg=hmac-sha-1-96;ealg=aes-cbc;q=0.1",
	      "1111") ", " MECH("alg=hmac-sha-1-96;ealg=aes-cbc;q=0.9",
				"1112") ", " MECH("alg=hmac-sha-1-96;ealg=aes-cbc;q=0.5", "1113"),
	 0, 1, 0},
	{"same pair twice, equal q: first listed", PREFS_STD,
	 MECH("alg=hmac-sha-1-96;ealg=aes-cbc;q=0.5",
	      "1111") ", " MECH("alg=hmac-sha-1-96;ealg=aes-cbc;q=0.5", "1112"),
	 0, 0, 0},
	{"absent ealg never matches an encrypting pair", "hmac-sha-1-96/aes-cbc",
	 MECH("alg=hmac-sha-1-96", "1111"), -ENOENT},
	{"absent ealg matches alg/null", "hmac-sha-1-96/aes-cbc, hmac-sha-1-96/null",
	 MECH("alg=hmac-sha-1-96", "1111"), 0, 0, 1},
	{"algorithm value case-insensitive", PREFS_STD,
	 MECH("alg=HMAC-SHA-1-96;ealg=AES-CBC", "1111"), 0, 0, 0},
	{"only 3DES offered, not configured", PREFS_STD,
	 MECH("alg=hmac-sha-1-96;ealg=des-ede3-cbc", "1111"), -ENOENT},
	{"only unsupported mechanisms", PREFS_STD, "tls;q=0.2, digest;d-alg=md5", -ENOENT},
	{"prot=ah not usable", PREFS_STD, MECH("alg=hmac-sha-1-96;ealg=aes-cbc;prot=ah", "1111"),
	 -ENOENT},
	{"mod=tun not usable", PREFS_STD, MECH("alg=hmac-sha-1-96;ealg=aes-cbc;mod=tun", "1111"),
	 -ENOENT},
	/* no UDP encapsulation yet: answering with mod=trans would agree on SAs the UE lacks */
	{"mod=UDP-enc-tun not chosen", PREFS_STD,
	 MECH("alg=hmac-sha-1-96;ealg=aes-cbc;mod=UDP-enc-tun", "1111"), -ENOENT},
	{"mod=UDP-enc-tun passed over for a trans offer", PREFS_STD,
	 MECH("alg=hmac-sha-1-96;ealg=aes-cbc;mod=UDP-enc-tun;q=0.9",
	      "1111") ", " MECH("alg=hmac-sha-1-96;ealg=aes-cbc;mod=trans;q=0.1", "1112"),
	 0, 1, 0},
	{"unknown alg skipped", PREFS_STD,
	 MECH("alg=hmac-sha-512;ealg=aes-cbc", "1111") ", " MECH("alg=hmac-md5-96;ealg=null",
								 "1112"),
	 0, 1, 3},
	{"AES-GCM preferred", "null/aes-gcm, " PREFS_STD,
	 MECH("alg=hmac-sha-1-96;ealg=aes-cbc", "1111") ", " MECH("alg=null;ealg=aes-gcm", "1112"),
	 0, 1, 0},
	{"nothing acceptable", "hmac-sha-1-96/aes-cbc", MECH("alg=hmac-md5-96;ealg=null", "1111"),
	 -ENOENT},
};

static void test_choose_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(choose_cases) / sizeof(choose_cases[0]); i++) {
		const struct choose_case *c = &choose_cases[i];
		struct sec_prefs p;
		struct sec_list l;
		unsigned int mi = 99, pi = 99;
		const char *err = "";
		int rc;

		sec_list_init(&l);
		if (sec_prefs_parse(&p, c->prefs, strlen(c->prefs), &err) < 0 ||
		    sec_list_parse(&l, c->client, strlen(c->client), &err) < 0) {
			TAP_CHECK(0, "choose: %s (setup: %s)", c->name, err);
			continue;
		}
		rc = sec_choose(&l, &p, &mi, &pi);
		TAP_CHECK(rc == c->rc && (rc || (mi == c->mech && pi == c->pref)),
			  "choose: %s (rc %d mech %u pref %u)", c->name, rc, mi, pi);
	}
}

/* ---- format --------------------------------------------------------------------------- */

static void test_format(void)
{
	static const char want[] = "ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=3333;spi-s=4444;"
				   "port-c=6062;port-s=6064;alg=hmac-sha-1-96;ealg=aes-cbc";
	struct sec_pref pref = {"hmac-sha-1-96", "aes-cbc"};
	struct sec_mech m;
	struct sec_list l;
	char buf[256];
	const char *err;
	size_t sz;
	bool all_nospc = true;
	int rc;

	rc = sec_mech_server(&m, &pref, "trans", 3333, 4444, 6062, 6064);
	TAP_CHECK(rc == 0, "format: server mechanism built");
	rc = sec_mech_format(&m, buf, sizeof(buf));
	TAP_CHECK(rc == (int)strlen(want) && !strcmp(buf, want),
		  "format: Security-Server value (%s)", buf);

	sec_list_init(&l);
	TAP_CHECK(sec_list_parse(&l, buf, (size_t)rc, &err) == 1 && sec_mech_equal(&l.mech[0], &m),
		  "format: output parses back to the same mechanism");

	for (sz = 0; sz <= strlen(want); sz++)
		if (sec_mech_format(&m, buf, sz) != -ENOSPC)
			all_nospc = false;
	TAP_CHECK(all_nospc, "format: every buffer shorter than needed gives -ENOSPC");
	TAP_CHECK(sec_mech_format(&m, buf, strlen(want) + 1) == (int)strlen(want),
		  "format: exact-size buffer fits");

	TAP_CHECK(sec_mech_server(&m, &pref, "tun", 3333, 4444, 6062, 6064) == -EINVAL &&
			  sec_mech_server(&m, &pref, "UDP-enc-tun", 3333, 4444, 6062, 6064) ==
				  -EINVAL &&
			  sec_mech_server(&m, &pref, "trans", 1, 4444, 6062, 6064) == -EINVAL &&
			  sec_mech_server(&m, &pref, "trans", 3333, 4444, 0, 6064) == -EINVAL,
		  "format: bad or unserved mod (UDP-enc-tun), reserved SPI, port 0 refused");

	{
		static const struct {
			uint16_t q;
			const char *s;
		} qs[] = {{0, ";q=0;"}, {5, ";q=0.005;"}, {250, ";q=0.25;"}, {1000, ";q=1;"}};
		size_t i;

		sec_mech_server(&m, &pref, "trans", 3333, 4444, 6062, 6064);
		for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
			m.q = qs[i].q;
			sec_mech_format(&m, buf, sizeof(buf));
			TAP_CHECK(strstr(buf, qs[i].s) != NULL, "format: q %u as %s", qs[i].q,
				  qs[i].s);
		}
	}

	sec_list_init(&l);
	sec_list_parse(&l, UE1 ";flag;x=\"q\", tls;q=0.3", strlen(UE1 ";flag;x=\"q\", tls;q=0.3"),
		       &err);
	rc = sec_list_format(&l, buf, sizeof(buf));
	{
		struct sec_list back;

		sec_list_init(&back);
		TAP_CHECK(rc > 0 && sec_list_parse(&back, buf, (size_t)rc, &err) == 2 &&
				  sec_list_equal(&back, &l),
			  "format: list with unknown params round-trips (%s)", buf);
	}
}

/* ---- echo checks ---------------------------------------------------------------------- */

#define SERVER                                                                                     \
	"ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=3333;spi-s=4444;port-c=6062;port-s=6064;alg="   \
	"hmac-sha-1-96;ealg=aes-cbc"

struct verify_case {
	const char *name;
	const char *verify;
	int rc;
};

static const struct verify_case verify_cases[] = {
	{"identical", SERVER, 0},
	{"params reordered, SWS, q spelled 0.100",
	 "IPSEC-3GPP ; ealg=aes-cbc;alg=hmac-sha-1-96;port-s=6064;port-c=6062;spi-s=4444;"
	 "spi-c=3333;mod=trans;prot=esp;q=0.100",
	 0},
	{"changed spi-c",
	 "ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=3334;spi-s=4444;port-c=6062;port-s=6064;alg="
	 "hmac-sha-1-96;ealg=aes-cbc",
	 -EPERM},
	{"changed spi-s",
	 "ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=3333;spi-s=4445;port-c=6062;port-s=6064;alg="
	 "hmac-sha-1-96;ealg=aes-cbc",
	 -EPERM},
	{"changed alg",
	 "ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=3333;spi-s=4444;port-c=6062;port-s=6064;alg="
	 "hmac-md5-96;ealg=aes-cbc",
	 -EPERM},
	{"alg value case changed",
	 "ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=3333;spi-s=4444;port-c=6062;port-s=6064;alg="
	 "HMAC-SHA-1-96;ealg=aes-cbc",
	 -EPERM},
	{"changed port-s",
	 "ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=3333;spi-s=4444;port-c=6062;port-s=6065;alg="
	 "hmac-sha-1-96;ealg=aes-cbc",
	 -EPERM},
	{"changed q",
	 "ipsec-3gpp;q=0.2;prot=esp;mod=trans;spi-c=3333;spi-s=4444;port-c=6062;port-s=6064;alg="
	 "hmac-sha-1-96;ealg=aes-cbc",
	 -EPERM},
	{"q dropped",
	 "ipsec-3gpp;prot=esp;mod=trans;spi-c=3333;spi-s=4444;port-c=6062;port-s=6064;alg=hmac-sha-"
	 "1-96;ealg=aes-cbc",
	 -EPERM},
	{"ealg downgraded to null",
	 "ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=3333;spi-s=4444;port-c=6062;port-s=6064;alg="
	 "hmac-sha-1-96;ealg=null",
	 -EPERM},
	{"ealg removed",
	 "ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=3333;spi-s=4444;port-c=6062;port-s=6064;alg="
	 "hmac-sha-1-96",
	 -EPERM},
	{"extra unknown param", SERVER ";x=1", -EPERM},
	{"extra mechanism", SERVER ", " SERVER, -EPERM},
	{"other mechanism instead", "tls;q=0.1", -EPERM},
	{"missing (no Security-Verify)", NULL, -EPERM},
};

static void test_verify_table(void)
{
	struct sec_pref pref = {"hmac-sha-1-96", "aes-cbc"};
	struct sec_list sent;
	size_t i;

	sec_list_init(&sent);
	sec_mech_server(&sent.mech[0], &pref, "trans", 3333, 4444, 6062, 6064);
	sent.n = 1;

	for (i = 0; i < sizeof(verify_cases) / sizeof(verify_cases[0]); i++) {
		const struct verify_case *c = &verify_cases[i];
		struct sec_list v;
		const char *err = "";
		int rc;

		sec_list_init(&v);
		if (c->verify && sec_list_parse(&v, c->verify, strlen(c->verify), &err) < 0) {
			TAP_CHECK(0, "verify: %s (parse: %s)", c->name, err);
			continue;
		}
		rc = sec_verify_check(&v, &sent);
		TAP_CHECK(rc == c->rc, "verify: %s (rc %d)", c->name, rc);
	}
}

static const struct verify_case client_cases[] = {
	{"same", UE1 ", tls;q=0.1", 0},
	{"mechanisms reordered", "tls;q=0.1, " UE1, 0},
	{"mechanism dropped", UE1, -EPERM},
	{"spi changed",
	 "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;spi-c=1112;spi-s=2222;port-c=5062;port-s=5064, "
	 "tls;q=0.1",
	 -EPERM},
	{"ealg downgraded",
	 "ipsec-3gpp;alg=hmac-sha-1-96;ealg=null;spi-c=1111;spi-s=2222;port-c=5062;port-s=5064, "
	 "tls;q=0.1",
	 -EPERM},
	{"mechanism added", UE1 ", tls;q=0.1, digest", -EPERM},
	{"absent", NULL, -EPERM},
};

static void test_client_table(void)
{
	struct sec_list first;
	const char *err;
	size_t i;

	sec_list_init(&first);
	sec_list_parse(&first, UE1, strlen(UE1), &err);
	sec_list_parse(&first, "tls;q=0.1", 9, &err);

	for (i = 0; i < sizeof(client_cases) / sizeof(client_cases[0]); i++) {
		const struct verify_case *c = &client_cases[i];
		struct sec_list now;
		int rc;

		sec_list_init(&now);
		if (c->verify)
			sec_list_parse(&now, c->verify, strlen(c->verify), &err);
		rc = sec_client_check(&now, &first);
		TAP_CHECK(rc == c->rc, "client repeat: %s (rc %d)", c->name, rc);
	}
}

/* ---- limits: what a real UE sends must fit every buffer on the path ------------------ */

/*
 * Eight mechanisms with long SPIs, every parameter and some extensions: well
 * over 2 KiB, parsed, chosen from, and kept in a REG_SECHDR_MAX buffer
 * (registration and transaction copies of the Security-Client).
 */
static void test_limits(void)
{
	static const char *const pairs[] = {"hmac-sha-1-96;ealg=aes-cbc", "hmac-md5-96;ealg=aes-cbc",
					    "hmac-sha-1-96;ealg=null", "hmac-md5-96;ealg=null"};
	char text[4096], back[REG_SECHDR_MAX];
	struct sec_list l, again;
	struct sec_prefs p;
	const char *err = NULL;
	size_t n = 0;
	unsigned int mi, pi;
	int rc;

	for (int i = 0; i < 8; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "%sipsec-3gpp;q=0.%d;alg=%s;prot=esp;mod=trans;"
				      "spi-c=%u;spi-s=%u;port-c=%u;port-s=%u;"
				      "x-vendor-extension-one=\"abcdefghijklmnopqrstuvwxyz0123456789\";"
				      "x-vendor-extension-two=abcdefghijklmnopqrstuvwxyz0123456789;"
				      "x-vendor-extension-3=abcdefghijklmnopqrstuvwxyz",
				      i ? ", " : "", 8 - i, pairs[i % 4], 4000000000u + i,
				      4100000000u + i, 60000 + 2 * i, 60001 + 2 * i);
	sec_list_init(&l);
	rc = sec_list_parse(&l, text, n, &err);
	TAP_CHECK(n >= 2048 && rc == 8, "limits: 8 mechanisms in %zu bytes parse (rc %d%s%s)", n,
		  rc, err ? ", " : "", err ? err : "");
	sec_prefs_parse(&p, "hmac-md5-96/null", 16, &err);
	TAP_CHECK(!sec_choose(&l, &p, &mi, &pi) && mi == 3, "limits: the 4th of 8 is chosen (higher q than the 8th)");
	rc = sec_list_format(&l, back, sizeof(back));
	sec_list_init(&again);
	TAP_CHECK(rc > 0 && n < sizeof(back) && sec_list_parse(&again, back, (size_t)rc, &err) == 8 &&
			  sec_list_equal(&l, &again),
		  "limits: %zu bytes fit REG_SECHDR_MAX (%d) and round-trip", n, REG_SECHDR_MAX);
}

/* RFC 3329 2.3.1/2.3.2: a 494 lists what we support, whatever the UE offered. */
static void test_offer(void)
{
	static const char want[] = "ipsec-3gpp;q=0.5;prot=esp;mod=trans;alg=hmac-sha-1-96;"
				   "ealg=aes-cbc, ipsec-3gpp;q=0.1;prot=esp;mod=trans;"
				   "alg=hmac-md5-96;ealg=null";
	struct sec_prefs p = {0};
	char buf[512];
	const char *err;

	sec_prefs_parse(&p, "hmac-sha-1-96/aes-cbc, hmac-md5-96/null", 39, &err);
	TAP_CHECK(sec_prefs_offer(&p, buf, sizeof(buf)) == (int)strlen(want) && !strcmp(buf, want),
		  "494 offer: one mechanism per preference (%s)", buf);
	TAP_CHECK(sec_prefs_offer(&p, buf, 20) == -ENOSPC, "494 offer: -ENOSPC when it does not fit");
	p.n = 0;
	TAP_CHECK(sec_prefs_offer(&p, buf, sizeof(buf)) == -EINVAL, "494 offer: nothing to offer");
}

int main(void)
{
	test_parse_table();
	test_parse_append();
	test_prefs_table();
	test_choose_table();
	test_format();
	test_verify_table();
	test_client_table();
	test_limits();
	test_offer();
	return tap_done();
}
