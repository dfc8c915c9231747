/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TEST ONLY: --export-sa-keys FILE writes the ESP keys of every SA set imsue
 * creates, so a test can hand them to tshark and decode the protected SIP
 * of a capture. Never on by default, never in the step log; the file is
 * created 0600 and the option warns on stderr.
 *
 * One line per SA: "sa 4|6 SRC DST 0xSPI ALG EALG ENCKEY AUTHKEY" (hex, "-"
 * for none; AES-GCM's key is followed by its 4-byte salt, RFC 4106).
 */
#ifndef IMSUE_UE_KEYS_H
#define IMSUE_UE_KEYS_H

#include <stdint.h>

#include "imsue/ue.h"

int ue_keys_export(const char *path, const struct ue_sa_set *s, const struct pcscf_addr *ue,
		   const struct pcscf_addr *p, const uint8_t ck[16], const uint8_t ik[16]);

#endif /* IMSUE_UE_KEYS_H */
