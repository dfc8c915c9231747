/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UE addresses drawn from a prefix (--ue-prefix): UE i has the address
 * base + 1 + i, so one imsue emulates as many UEs as the prefix holds, and an
 * address on a packet names its UE by arithmetic (O(1), no table).
 *
 * Host part 0 is skipped: it is the network address in IPv4 and the
 * Subnet-Router anycast address in IPv6 (RFC 4291 2.6.1). In IPv4 the
 * all-ones broadcast address is skipped too. The usable size is capped at
 * UE_RANGE_MAX: more UEs than that do not fit in memory anyway.
 */
#ifndef IMSUE_UE_RANGE_H
#define IMSUE_UE_RANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "pcscf_maps.h"

#define UE_RANGE_MAX (1u << 26) /* 67 M UEs; the SPI arithmetic allows 536 M */

struct ue_range {
	struct pcscf_addr base; /* host bits zero; IPv4 v4-mapped */
	unsigned int plen;	/* prefix length within the family (0..32, 0..128) */
	bool v4;
	uint32_t size; /* usable addresses, at most UE_RANGE_MAX */
};

/*
 * "10.64.0.0/10" or "2001:db8:100::/64". Returns 0, or -EINVAL with *why
 * saying what is wrong (no prefix length, bad address, length out of range,
 * host bits set, no usable address).
 */
int ue_range_parse(const char *s, struct ue_range *r, const char **why);
/* Address of UE @i: 0, or -ERANGE when @i >= size. */
int ue_range_addr(const struct ue_range *r, uint32_t i, struct pcscf_addr *out);
/* Index of the UE with address @a: 0, or -ENOENT when @a is not one of the range. */
int ue_range_index(const struct ue_range *r, const struct pcscf_addr *a, uint32_t *i);

#endif /* IMSUE_UE_RANGE_H */
