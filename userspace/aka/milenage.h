/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 3GPP Milenage (TS 35.206) with AES-128 from OpenSSL libcrypto, plus the two
 * ends of UMTS AKA built on it (TS 33.102 6.3): authentication-vector
 * generation for the network side (the lab's HSS/S-CSCF stand-in) and AUTN
 * verification / AUTS re-synchronisation for the UE emulator.
 *
 * Not a hot path (once per registration), but still no heap use beyond the
 * OpenSSL cipher context; intermediate secrets are wiped.
 */
#ifndef PCSCF_AKA_MILENAGE_H
#define PCSCF_AKA_MILENAGE_H

#include <stdint.h>

#define MILENAGE_K_LEN	  16
#define MILENAGE_RAND_LEN 16
#define MILENAGE_SQN_LEN  6
#define MILENAGE_AMF_LEN  2
#define MILENAGE_MAC_LEN  8
#define MILENAGE_RES_LEN  8
#define MILENAGE_CK_LEN	  16
#define MILENAGE_IK_LEN	  16
#define MILENAGE_AK_LEN	  6
#define MILENAGE_AUTN_LEN 16
#define MILENAGE_AUTS_LEN 14

/* OPc = OP xor E_K(OP). Returns 0 or -EIO (libcrypto failure). */
int milenage_opc(const uint8_t k[MILENAGE_K_LEN], const uint8_t op[16], uint8_t opc[16]);

/* f1 (MAC-A) and f1* (MAC-S); either output may be NULL. 0 or -EIO. */
int milenage_f1(const uint8_t k[MILENAGE_K_LEN], const uint8_t opc[16],
		const uint8_t rand[MILENAGE_RAND_LEN], const uint8_t sqn[MILENAGE_SQN_LEN],
		const uint8_t amf[MILENAGE_AMF_LEN], uint8_t mac_a[MILENAGE_MAC_LEN],
		uint8_t mac_s[MILENAGE_MAC_LEN]);

/* f2 (RES), f3 (CK), f4 (IK), f5 (AK), f5* (AK for resync); any output may be NULL. */
int milenage_f2345(const uint8_t k[MILENAGE_K_LEN], const uint8_t opc[16],
		   const uint8_t rand[MILENAGE_RAND_LEN], uint8_t res[MILENAGE_RES_LEN],
		   uint8_t ck[MILENAGE_CK_LEN], uint8_t ik[MILENAGE_IK_LEN],
		   uint8_t ak[MILENAGE_AK_LEN], uint8_t ak_star[MILENAGE_AK_LEN]);

struct aka_vector {
	uint8_t rand[MILENAGE_RAND_LEN];
	uint8_t autn[MILENAGE_AUTN_LEN]; /* SQN xor AK || AMF || MAC-A */
	uint8_t xres[MILENAGE_RES_LEN];
	uint8_t ck[MILENAGE_CK_LEN];
	uint8_t ik[MILENAGE_IK_LEN];
};

/* Network side: the vector for (RAND, SQN, AMF). 0 or -EIO. */
int milenage_generate(const uint8_t k[MILENAGE_K_LEN], const uint8_t opc[16],
		      const uint8_t rand[MILENAGE_RAND_LEN], const uint8_t sqn[MILENAGE_SQN_LEN],
		      const uint8_t amf[MILENAGE_AMF_LEN], struct aka_vector *v);

/*
 * UE side: check AUTN against RAND. On success recovers SQN (the caller judges
 * freshness and answers with AUTS if stale) and computes RES, CK, IK (outputs
 * may be NULL). Returns 0, -EBADMSG when MAC-A does not verify (nothing is
 * written then), or -EIO.
 */
int milenage_check(const uint8_t k[MILENAGE_K_LEN], const uint8_t opc[16],
		   const uint8_t rand[MILENAGE_RAND_LEN], const uint8_t autn[MILENAGE_AUTN_LEN],
		   uint8_t sqn[MILENAGE_SQN_LEN], uint8_t res[MILENAGE_RES_LEN],
		   uint8_t ck[MILENAGE_CK_LEN], uint8_t ik[MILENAGE_IK_LEN]);

/*
 * UE side, SQN out of range: AUTS = (SQN_MS xor AK*) || MAC-S, MAC-S computed
 * over SQN_MS with the dummy AMF 0x0000 (TS 33.102 6.3.3). 0 or -EIO.
 */
int milenage_auts(const uint8_t k[MILENAGE_K_LEN], const uint8_t opc[16],
		  const uint8_t rand[MILENAGE_RAND_LEN], const uint8_t sqn_ms[MILENAGE_SQN_LEN],
		  uint8_t auts[MILENAGE_AUTS_LEN]);

/* Network side: recover SQN_MS from AUTS. 0, -EBADMSG (MAC-S wrong) or -EIO. */
int milenage_resync(const uint8_t k[MILENAGE_K_LEN], const uint8_t opc[16],
		    const uint8_t rand[MILENAGE_RAND_LEN], const uint8_t auts[MILENAGE_AUTS_LEN],
		    uint8_t sqn_ms[MILENAGE_SQN_LEN]);

#endif /* PCSCF_AKA_MILENAGE_H */
