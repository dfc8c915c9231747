// SPDX-License-Identifier: GPL-2.0
/*
 * Milenage, TS 35.206 section 4.1, with the default constants of the
 * specification: r1..r5 = 64, 0, 32, 64, 96 bits; c1..c5 = 0, 1, 2, 4, 8 in
 * the last byte.
 *
 *   TEMP = E_K(RAND xor OPc)
 *   OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc, IN1 = SQN||AMF||SQN||AMF
 *   OUTi = E_K(rot(TEMP xor OPc, ri) xor ci) xor OPc, i = 2..5
 *   f1 = OUT1[0..63], f1* = OUT1[64..127], f2 = OUT2[64..127], f5 = OUT2[0..47],
 *   f3 = OUT3, f4 = OUT4, f5* = OUT5[0..47]
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "aka/milenage.h"

struct aes {
	EVP_CIPHER_CTX *ctx;
};

static int aes_init(struct aes *a, const uint8_t k[MILENAGE_K_LEN])
{
	a->ctx = EVP_CIPHER_CTX_new();
	if (!a->ctx)
		return -EIO;
	/* ECB on exactly one block at a time: Milenage is a block-level construction */
	if (EVP_EncryptInit_ex(a->ctx, EVP_aes_128_ecb(), NULL, k, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(a->ctx, 0) != 1) {
		EVP_CIPHER_CTX_free(a->ctx);
		a->ctx = NULL;
		return -EIO;
	}
	return 0;
}

static void aes_done(struct aes *a)
{
	EVP_CIPHER_CTX_free(a->ctx); /* also wipes the key schedule */
	a->ctx = NULL;
}

static int aes_block(struct aes *a, const uint8_t in[16], uint8_t out[16])
{
	int n = 0;

	if (EVP_EncryptUpdate(a->ctx, out, &n, in, 16) != 1 || n != 16)
		return -EIO;
	return 0;
}

static void xor16(uint8_t *d, const uint8_t *a, const uint8_t *b)
{
	int i;

	for (i = 0; i < 16; i++)
		d[i] = a[i] ^ b[i];
}

/* Cyclic left rotation by a whole number of bytes (all r constants are multiples of 8). */
static void rot16(uint8_t *d, const uint8_t *s, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		d[i] = s[(i + bytes) % 16];
}

int milenage_opc(const uint8_t k[MILENAGE_K_LEN], const uint8_t op[16], uint8_t opc[16])
{
	struct aes a;
	uint8_t t[16];
	int rc;

	rc = aes_init(&a, k);
	if (rc)
		return rc;
	rc = aes_block(&a, op, t);
	aes_done(&a);
	if (!rc)
		xor16(opc, t, op);
	OPENSSL_cleanse(t, sizeof(t));
	return rc;
}

/* TEMP = E_K(RAND xor OPc) */
static int temp_block(struct aes *a, const uint8_t opc[16], const uint8_t rand[16],
		      uint8_t temp[16])
{
	uint8_t x[16];
	int rc;

	xor16(x, rand, opc);
	rc = aes_block(a, x, temp);
	OPENSSL_cleanse(x, sizeof(x));
	return rc;
}

static int f1_block(struct aes *a, const uint8_t opc[16], const uint8_t temp[16],
		    const uint8_t sqn[6], const uint8_t amf[2], uint8_t out1[16])
{
	uint8_t in1[16], x[16], y[16];
	int rc;

	memcpy(in1, sqn, 6);
	memcpy(in1 + 6, amf, 2);
	memcpy(in1 + 8, sqn, 6);
	memcpy(in1 + 14, amf, 2);
	xor16(x, in1, opc);
	rot16(y, x, 8);	   /* r1 = 64 */
	xor16(y, y, temp); /* c1 = 0 */
	rc = aes_block(a, y, x);
	if (!rc)
		xor16(out1, x, opc);
	OPENSSL_cleanse(x, sizeof(x));
	OPENSSL_cleanse(y, sizeof(y));
	return rc;
}

/* OUTi for i = 2..5: rotation in bytes and constant for the last byte */
static int fi_block(struct aes *a, const uint8_t opc[16], const uint8_t temp[16],
		    unsigned int rot_bytes, uint8_t c, uint8_t out[16])
{
	uint8_t x[16], y[16];
	int rc;

	xor16(x, temp, opc);
	rot16(y, x, rot_bytes);
	y[15] ^= c;
	rc = aes_block(a, y, x);
	if (!rc)
		xor16(out, x, opc);
	OPENSSL_cleanse(x, sizeof(x));
	OPENSSL_cleanse(y, sizeof(y));
	return rc;
}

int milenage_f1(const uint8_t k[MILENAGE_K_LEN], const uint8_t opc[16],
		const uint8_t rand[MILENAGE_RAND_LEN], const uint8_t sqn[MILENAGE_SQN_LEN],
		const uint8_t amf[MILENAGE_AMF_LEN], uint8_t mac_a[MILENAGE_MAC_LEN],
		uint8_t mac_s[MILENAGE_MAC_LEN])
{
	uint8_t temp[16], out1[16];
	struct aes a;
	int rc;

	rc = aes_init(&a, k);
	if (rc)
		return rc;
	rc = temp_block(&a, opc, rand, temp);
	if (!rc)
		rc = f1_block(&a, opc, temp, sqn, amf, out1);
	aes_done(&a);
	if (!rc) {
		if (mac_a)
			memcpy(mac_a, out1, 8);
		if (mac_s)
			memcpy(mac_s, out1 + 8, 8);
	}
	OPENSSL_cleanse(temp, sizeof(temp));
	OPENSSL_cleanse(out1, sizeof(out1));
	return rc;
}

int milenage_f2345(const uint8_t k[MILENAGE_K_LEN], const uint8_t opc[16],
		   const uint8_t rand[MILENAGE_RAND_LEN], uint8_t res[MILENAGE_RES_LEN],
		   uint8_t ck[MILENAGE_CK_LEN], uint8_t ik[MILENAGE_IK_LEN],
		   uint8_t ak[MILENAGE_AK_LEN], uint8_t ak_star[MILENAGE_AK_LEN])
{
	uint8_t temp[16], out[16];
	struct aes a;
	int rc;

	rc = aes_init(&a, k);
	if (rc)
		return rc;
	rc = temp_block(&a, opc, rand, temp);
	if (!rc && (res || ak)) {
		rc = fi_block(&a, opc, temp, 0, 1, out); /* r2 = 0, c2 = 1 */
		if (!rc && res)
			memcpy(res, out + 8, 8);
		if (!rc && ak)
			memcpy(ak, out, 6);
	}
	if (!rc && ck) {
		rc = fi_block(&a, opc, temp, 4, 2, out); /* r3 = 32, c3 = 2 */
		if (!rc)
			memcpy(ck, out, 16);
	}
	if (!rc && ik) {
		rc = fi_block(&a, opc, temp, 8, 4, out); /* r4 = 64, c4 = 4 */
		if (!rc)
			memcpy(ik, out, 16);
	}
	if (!rc && ak_star) {
		rc = fi_block(&a, opc, temp, 12, 8, out); /* r5 = 96, c5 = 8 */
		if (!rc)
			memcpy(ak_star, out, 6);
	}
	aes_done(&a);
	OPENSSL_cleanse(temp, sizeof(temp));
	OPENSSL_cleanse(out, sizeof(out));
	return rc;
}
