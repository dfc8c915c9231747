// SPDX-License-Identifier: GPL-2.0
/*
 * akavec: AKA authentication vectors (Milenage) for the SIPp S-CSCF stand-in.
 *
 *   akavec --k HEX (--opc HEX | --op HEX) [--sqn HEX12] [--amf HEX4] [--count N]
 *          [--per-line M] [--rand HEX32] [--no-header]
 *
 * Writes a SIPp injection file (-inf): "SEQUENTIAL", then N lines. Each line is
 * one SIPp call (one subscriber's registration dialog) and holds M vectors
 * (default 1), six fields each:
 *   RAND;AUTN;NONCE;CK;IK;XRES
 * so vector v of a line is [field(6v)] .. [field(6v+5)], NONCE (field 6v+2) is
 * base64(RAND || AUTN) ready for WWW-Authenticate. Several vectors per line
 * exist because SIPp binds one line to one call, while a UE re-registers on the
 * same Call-ID and each re-registration needs a fresh challenge.
 *
 * SQN starts at --sqn (default 000000000020) and steps by 32 (SEQ + 1, IND 0,
 * TS 33.102 annex C.1.1.2) from vector to vector, line after line, so a UE
 * that checks freshness accepts them in file order. RAND is random unless
 * --rand gives the first one (then incremented), for reproducible files.
 *
 * The keys and XRES are in the file because the core (S-CSCF) owns them: the
 * UE under test must derive the same CK/IK/RES on its own from K/OPc.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "aka/milenage.h"

static int unhex(const char *s, uint8_t *out, size_t n)
{
	unsigned int v;
	size_t i;

	if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))
		s += 2;
	if (strlen(s) != 2 * n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* Big-endian increment of a byte string by @add (carry across bytes). */
static void be_add(uint8_t *p, size_t n, unsigned int add)
{
	unsigned int carry = add;

	while (n-- && carry) {
		carry += p[n];
		p[n] = (uint8_t)carry;
		carry >>= 8;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: akavec --k HEX (--opc HEX | --op HEX) [--sqn HEX12] [--amf HEX4]\n"
			"              [--count N] [--per-line M] [--rand HEX32] [--no-header]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "k", required_argument, NULL, 'k' },
		{ "opc", required_argument, NULL, 'c' },
		{ "op", required_argument, NULL, 'o' },
		{ "sqn", required_argument, NULL, 's' },
		{ "amf", required_argument, NULL, 'a' },
		{ "count", required_argument, NULL, 'n' },
		{ "per-line", required_argument, NULL, 'm' },
		{ "rand", required_argument, NULL, 'r' },
		{ "no-header", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t k[16], opc[16], op[16], sqn[6] = { 0, 0, 0, 0, 0, 0x20 }, amf[2] = { 0x80, 0 };
	uint8_t rnd[16];
	bool have_k = false, have_opc = false, have_op = false, fixed_rand = false, header = true;
	long count = 1, per_line = 1;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'k':
			have_k = !unhex(optarg, k, 16);
			if (!have_k)
				usage();
			break;
		case 'c':
			have_opc = !unhex(optarg, opc, 16);
			if (!have_opc)
				usage();
			break;
		case 'o':
			have_op = !unhex(optarg, op, 16);
			if (!have_op)
				usage();
			break;
		case 's':
			if (unhex(optarg, sqn, 6))
				usage();
			break;
		case 'a':
			if (unhex(optarg, amf, 2))
				usage();
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'm':
			per_line = strtol(optarg, NULL, 10);
			break;
		case 'r':
			fixed_rand = !unhex(optarg, rnd, 16);
			if (!fixed_rand)
				usage();
			break;
		case 'H':
			header = false;
			break;
		default:
			usage();
		}
	}
	if (!have_k || have_opc == have_op || count < 1 || per_line < 1 || per_line > 16)
		usage();
	if (have_op && milenage_opc(k, op, opc)) {
		fprintf(stderr, "akavec: OPc computation failed\n");
		return 1;
	}

	if (header)
		printf("SEQUENTIAL\n");
	for (long line = 0; line < count; line++) {
		for (long v = 0; v < per_line; v++) {
			struct aka_vector av;
			uint8_t nonce_raw[32];
			char nonce[48];

			if (!fixed_rand && getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
				perror("akavec: getrandom");
				return 1;
			}
			if (milenage_generate(k, opc, rnd, sqn, amf, &av)) {
				fprintf(stderr, "akavec: Milenage failed\n");
				return 1;
			}
			memcpy(nonce_raw, av.rand, 16);
			memcpy(nonce_raw + 16, av.autn, 16);
			EVP_EncodeBlock((unsigned char *)nonce, nonce_raw, sizeof(nonce_raw));

			if (v)
				putchar(';');
			hex(stdout, av.rand, 16);
			putchar(';');
			hex(stdout, av.autn, 16);
			printf(";%s;", nonce);
			hex(stdout, av.ck, 16);
			putchar(';');
			hex(stdout, av.ik, 16);
			putchar(';');
			hex(stdout, av.xres, 8);

			be_add(sqn, sizeof(sqn), 32);
			if (fixed_rand)
				be_add(rnd, sizeof(rnd), 1);
		}
		putchar('\n');
	}
	return fflush(stdout) ? 1 : 0;
}
