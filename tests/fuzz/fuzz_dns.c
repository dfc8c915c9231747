// SPDX-License-Identifier: GPL-2.0
/*
 * imsue's DNS answer parsing (NAPTR, SRV, A/AAAA; RFC 3263 discovery) on
 * arbitrary bytes: a hostile or broken resolver must not crash the UE
 * emulator (compression loops, lengths past the end, ...).
 */
#include <stdint.h>
#include <stdlib.h>

#include "imsue/ue_dns.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ue_naptr naptr[8];
	struct ue_srv srv[8];
	struct pcscf_addr addr[8];

	ue_dns_parse_naptr(data, size, naptr, 8);
	ue_dns_parse_srv(data, size, srv, 8);
	ue_dns_parse_addr(data, size, addr, 8);
	return 0;
}
