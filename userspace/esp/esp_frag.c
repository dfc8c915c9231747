// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "esp/esp_frag.h"
#include "esp/esp_priv.h"

#define IPV4_HDR  20
#define IPV6_HDR  40
#define FRAG6_HDR 8
#define IPV4_MF	  0x2000

static int fragment_v4(const uint8_t *pkt, size_t len, size_t mtu, uint32_t id, uint8_t *scratch,
		       ip_frag_emit emit, void *ctx)
{
	size_t hl = (size_t)(pkt[0] & 0x0f) * 4, step, off;
	int err;

	if (hl < IPV4_HDR || len < hl || esp_get_be16(pkt + 2) != len || mtu < 68)
		return -EINVAL;
	step = (mtu - hl) & ~(size_t)7;
	for (off = 0; off < len - hl; off += step) {
		size_t n = len - hl - off < step ? len - hl - off : step;
		uint16_t fo = (uint16_t)(off / 8) | (off + n < len - hl ? IPV4_MF : 0);

		/* Options are copied into every fragment; ours have none to tell apart. */
		memcpy(scratch, pkt, hl);
		memcpy(scratch + hl, pkt + hl + off, n);
		esp_put_be16(scratch + 2, (uint16_t)(hl + n));
		esp_put_be16(scratch + 4, (uint16_t)id);
		esp_put_be16(scratch + 6, fo); /* DF clear: these may be fragmented again */
		esp_put_be16(scratch + 10, 0);
		esp_put_be16(scratch + 10, esp_ipv4_csum(scratch, hl));
		err = emit(ctx, scratch, hl + n);
		if (err)
			return err;
	}
	return 0;
}

static int fragment_v6(const uint8_t *pkt, size_t len, size_t mtu, uint32_t id, uint8_t *scratch,
		       ip_frag_emit emit, void *ctx)
{
	size_t step, off, data = len - IPV6_HDR;
	int err;

	if (len < IPV6_HDR || IPV6_HDR + (size_t)esp_get_be16(pkt + 4) != len)
		return -EINVAL;
	/* Extension headers would have to be split into unfragmentable and not: ours have none. */
	if (pkt[6] == IPPROTO_HOPOPTS || pkt[6] == IPPROTO_ROUTING || pkt[6] == IPPROTO_DSTOPTS ||
	    pkt[6] == IPPROTO_FRAGMENT)
		return -EINVAL;
	if (mtu < IP_FRAG_MTU_MIN)
		return -EMSGSIZE;
	step = (mtu - IPV6_HDR - FRAG6_HDR) & ~(size_t)7;
	for (off = 0; off < data; off += step) {
		size_t n = data - off < step ? data - off : step;
		uint8_t *fh = scratch + IPV6_HDR;

		memcpy(scratch, pkt, IPV6_HDR);
		esp_put_be16(scratch + 4, (uint16_t)(FRAG6_HDR + n));
		scratch[6] = IPPROTO_FRAGMENT;
		fh[0] = pkt[6];
		fh[1] = 0;
		esp_put_be16(fh + 2, (uint16_t)off | (off + n < data ? 1 : 0));
		esp_put_be32(fh + 4, id);
		memcpy(fh + FRAG6_HDR, pkt + IPV6_HDR + off, n);
		err = emit(ctx, scratch, IPV6_HDR + FRAG6_HDR + n);
		if (err)
			return err;
	}
	return 0;
}

int ip_fragment(const uint8_t *pkt, size_t len, size_t mtu, uint32_t id, uint8_t *scratch,
		ip_frag_emit emit, void *ctx)
{
	if (!len)
		return -EINVAL;
	if (len <= mtu)
		return emit(ctx, pkt, len);
	switch (pkt[0] >> 4) {
	case 4:
		return fragment_v4(pkt, len, mtu, id, scratch, emit, ctx);
	case 6:
		return fragment_v6(pkt, len, mtu, id, scratch, emit, ctx);
	}
	return -EINVAL;
}
