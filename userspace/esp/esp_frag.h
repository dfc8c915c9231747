/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Outbound IP fragmentation of an ESP packet larger than the path MTU (RFC
 * 791 3.2, RFC 8200 4.5): a UE without TCP gets a large protected message as
 * fragments it reassembles before ESP processing (RFC 4303 3.4.1). The raw
 * socket we send through is header-included, and the kernel refuses such a
 * send beyond the MTU rather than fragment it, so we cut the packet here.
 */
#ifndef PCSCF_ESP_FRAG_H
#define PCSCF_ESP_FRAG_H

#include <stddef.h>
#include <stdint.h>

#define IP_FRAG_MTU_MIN 1280 /* IPv6 minimum link MTU; refused below (and for IPv4 at 68) */

/* Called once per fragment, in order; non-zero stops the walk and is returned. */
typedef int (*ip_frag_emit)(void *ctx, const uint8_t *frag, size_t len);

/*
 * Fragments of at most mtu bytes of the IP packet pkt (IPv4 with DF clear in
 * the fragments, or IPv6 with the fixed header only: ours carry no extension
 * headers), each built in scratch (at least mtu bytes) and given to emit.
 * id: the Identification (16 bits used for IPv4, 32 for IPv6; unpredictable,
 * RFC 7739). A packet that fits is emitted whole. -EINVAL for a packet we do
 * not fragment, -EMSGSIZE when mtu is too small.
 */
int ip_fragment(const uint8_t *pkt, size_t len, size_t mtu, uint32_t id, uint8_t *scratch,
		ip_frag_emit emit, void *ctx);

#endif
