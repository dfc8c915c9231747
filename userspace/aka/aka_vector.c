// SPDX-License-Identifier: GPL-2.0
/*
 * UMTS AKA on top of Milenage (TS 33.102 6.3.2, 6.3.3, 6.3.5):
 *   AUTN = SQN xor AK || AMF || MAC-A
 *   AUTS = SQN_MS xor AK* || MAC-S, MAC-S = f1*(SQN_MS, RAND, AMF = 0x0000)
 * MACs are compared in constant time: the UE emulator faces an attacker-chosen AUTN.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aka/milenage.h"

int milenage_generate(const uint8_t k[MILENAGE_K_LEN], const uint8_t opc[16],
		      const uint8_t rand[MILENAGE_RAND_LEN], const uint8_t sqn[MILENAGE_SQN_LEN],
		      const uint8_t amf[MILENAGE_AMF_LEN], struct aka_vector *v)
{
	uint8_t ak[MILENAGE_AK_LEN];
	int rc, i;

	rc = milenage_f2345(k, opc, rand, v->xres, v->ck, v->ik, ak, NULL);
	if (!rc)
		rc = milenage_f1(k, opc, rand, sqn, amf, v->autn + 8, NULL);
	if (rc) {
		OPENSSL_cleanse(v, sizeof(*v));
		return rc;
	}
	memcpy(v->rand, rand, MILENAGE_RAND_LEN);
	for (i = 0; i < MILENAGE_SQN_LEN; i++)
		v->autn[i] = sqn[i] ^ ak[i];
	memcpy(v->autn + 6, amf, MILENAGE_AMF_LEN);
	OPENSSL_cleanse(ak, sizeof(ak));
	return 0;
}

int milenage_check(const uint8_t k[MILENAGE_K_LEN], const uint8_t opc[16],
		   const uint8_t rand[MILENAGE_RAND_LEN], const uint8_t autn[MILENAGE_AUTN_LEN],
		   uint8_t sqn[MILENAGE_SQN_LEN], uint8_t res[MILENAGE_RES_LEN],
		   uint8_t ck[MILENAGE_CK_LEN], uint8_t ik[MILENAGE_IK_LEN])
{
	uint8_t r[MILENAGE_RES_LEN], c[MILENAGE_CK_LEN], i_k[MILENAGE_IK_LEN];
	uint8_t ak[MILENAGE_AK_LEN], s[MILENAGE_SQN_LEN], mac[MILENAGE_MAC_LEN];
	int rc, i;

	rc = milenage_f2345(k, opc, rand, r, c, i_k, ak, NULL);
	if (rc)
		goto out;
	for (i = 0; i < MILENAGE_SQN_LEN; i++)
		s[i] = autn[i] ^ ak[i];
	rc = milenage_f1(k, opc, rand, s, autn + 6, mac, NULL);
	if (rc)
		goto out;
	if (CRYPTO_memcmp(mac, autn + 8, MILENAGE_MAC_LEN)) {
		rc = -EBADMSG;
		goto out;
	}
	if (sqn)
		memcpy(sqn, s, sizeof(s));
	if (res)
		memcpy(res, r, sizeof(r));
	if (ck)
		memcpy(ck, c, sizeof(c));
	if (ik)
		memcpy(ik, i_k, sizeof(i_k));
out:
	OPENSSL_cleanse(r, sizeof(r));
	OPENSSL_cleanse(c, sizeof(c));
	OPENSSL_cleanse(i_k, sizeof(i_k));
	OPENSSL_cleanse(ak, sizeof(ak));
	return rc;
}

static const uint8_t resync_amf[MILENAGE_AMF_LEN] = {0, 0};

int milenage_auts(const uint8_t k[MILENAGE_K_LEN], const uint8_t opc[16],
		  const uint8_t rand[MILENAGE_RAND_LEN], const uint8_t sqn_ms[MILENAGE_SQN_LEN],
		  uint8_t auts[MILENAGE_AUTS_LEN])
{
	uint8_t ak_star[MILENAGE_AK_LEN];
	int rc, i;

	rc = milenage_f2345(k, opc, rand, NULL, NULL, NULL, NULL, ak_star);
	if (!rc)
		rc = milenage_f1(k, opc, rand, sqn_ms, resync_amf, NULL, auts + 6);
	if (!rc)
		for (i = 0; i < MILENAGE_SQN_LEN; i++)
			auts[i] = sqn_ms[i] ^ ak_star[i];
	OPENSSL_cleanse(ak_star, sizeof(ak_star));
	return rc;
}

int milenage_resync(const uint8_t k[MILENAGE_K_LEN], const uint8_t opc[16],
		    const uint8_t rand[MILENAGE_RAND_LEN], const uint8_t auts[MILENAGE_AUTS_LEN],
		    uint8_t sqn_ms[MILENAGE_SQN_LEN])
{
	uint8_t ak_star[MILENAGE_AK_LEN], s[MILENAGE_SQN_LEN], mac_s[MILENAGE_MAC_LEN];
	int rc, i;

	rc = milenage_f2345(k, opc, rand, NULL, NULL, NULL, NULL, ak_star);
	if (rc)
		goto out;
	for (i = 0; i < MILENAGE_SQN_LEN; i++)
		s[i] = auts[i] ^ ak_star[i];
	rc = milenage_f1(k, opc, rand, s, resync_amf, NULL, mac_s);
	if (rc)
		goto out;
	if (CRYPTO_memcmp(mac_s, auts + 6, MILENAGE_MAC_LEN)) {
		rc = -EBADMSG;
		goto out;
	}
	memcpy(sqn_ms, s, sizeof(s));
out:
	OPENSSL_cleanse(ak_star, sizeof(ak_star));
	return rc;
}
