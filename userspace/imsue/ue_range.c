// SPDX-License-Identifier: GPL-2.0
/* Address-range arithmetic of --ue-prefix: UE index <-> address. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "imsue/ue_range.h"

/* The low 64 bits of the address (all of it for IPv4), host order. */
static uint64_t low64(const struct pcscf_addr *a)
{
	uint64_t v = 0;

	for (int i = 8; i < 16; i++)
		v = v << 8 | a->a[i];
	return v;
}

static void set_low64(struct pcscf_addr *a, uint64_t v)
{
	for (int i = 15; i >= 8; i--, v >>= 8)
		a->a[i] = (uint8_t)v;
}

/* Bits of the prefix part: within the family's own width. */
static bool host_bits_zero(const struct ue_range *r)
{
	unsigned int start = r->v4 ? 96 + r->plen : r->plen;

	for (unsigned int b = start; b < 128; b++)
		if (r->base.a[b / 8] & (0x80 >> (b % 8)))
			return false;
	return true;
}

int ue_range_parse(const char *s, struct ue_range *r, const char **why)
{
	char ip[ADDR_STR_LEN + 1], *end;
	const char *slash = s ? strchr(s, '/') : NULL;
	unsigned long plen;
	unsigned int hbits, width;
	uint64_t n;

	memset(r, 0, sizeof(*r));
	*why = NULL;
	if (!slash) {
		*why = "needs a prefix length (ADDR/LEN)";
		return -EINVAL;
	}
	if ((size_t)(slash - s) >= sizeof(ip) || slash == s) {
		*why = "bad address";
		return -EINVAL;
	}
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	if (addr_parse(ip, &r->base)) {
		*why = "bad address";
		return -EINVAL;
	}
	r->v4 = addr_is_v4(&r->base);
	width = r->v4 ? 32 : 128;
	errno = 0;
	plen = strtoul(slash + 1, &end, 10);
	if (!slash[1] || *end || errno || slash[1] == '-' || slash[1] == '+' || plen > width) {
		*why = r->v4 ? "prefix length must be 0..32" : "prefix length must be 0..128";
		return -EINVAL;
	}
	r->plen = (unsigned int)plen;
	if (!host_bits_zero(r)) {
		*why = "host bits set (give the network address, e.g. 10.64.0.0/10)";
		return -EINVAL;
	}
	hbits = width - r->plen;
	/* 2^hbits addresses, less host 0 (and the IPv4 broadcast) */
	if (hbits >= 32)
		n = UE_RANGE_MAX;
	else
		n = (1ull << hbits) - (r->v4 ? 2 : 1);
	if (hbits == 0 || (r->v4 && hbits == 1))
		n = 0;
	if (!n) {
		*why = "no usable address (host 0 and the IPv4 broadcast are not UEs)";
		return -EINVAL;
	}
	r->size = n > UE_RANGE_MAX ? UE_RANGE_MAX : (uint32_t)n;
	return 0;
}

int ue_range_addr(const struct ue_range *r, uint32_t i, struct pcscf_addr *out)
{
	if (i >= r->size)
		return -ERANGE;
	*out = r->base;
	/* no carry out of the low 64 bits: size <= 2^26 and host bits start at zero */
	set_low64(out, low64(&r->base) + 1 + i);
	return 0;
}

int ue_range_index(const struct ue_range *r, const struct pcscf_addr *a, uint32_t *i)
{
	uint64_t off;

	if (addr_is_v4(a) != r->v4 || memcmp(a->a, r->base.a, 8))
		return -ENOENT;
	off = low64(a) - low64(&r->base); /* wraps when below base: rejected below */
	if (off == 0 || off > r->size)
		return -ENOENT;
	*i = (uint32_t)(off - 1);
	return 0;
}
