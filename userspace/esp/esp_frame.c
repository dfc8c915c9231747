// SPDX-License-Identifier: GPL-2.0
/*
 * Outer IP framing of transport-mode ESP: find the ESP header behind an
 * IPv4 or IPv6 header, write a fresh outer header, fix one up after decap.
 * Kept apart from the crypto so UDP encapsulation (RFC 3948) can reuse it.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "esp/esp_priv.h"

#define IPV4_HDR 20
#define IPV6_HDR 40

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

uint16_t esp_ipv4_csum(const uint8_t *hdr, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += esp_get_be16(hdr + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * The one check of an outer header once its layout is known: by the walk
 * below, or by the XDP classifier, whose offsets the worker hands on (they
 * are checked here, not trusted). esp_off: the ESP header; proto_off: the
 * byte naming ESP (IPv4 protocol, or the last IPv6 next header).
 */
int esp_frame_at(const uint8_t *p, size_t len, size_t esp_off, size_t proto_off,
		 struct esp_frame *f)
{
	size_t end;

	if (!p || !len)
		return -EINVAL;
	switch (p[0] >> 4) {
	case 4:
		if (len < IPV4_HDR || esp_off != (size_t)(p[0] & 0x0f) * 4 || esp_off < IPV4_HDR ||
		    proto_off != 9)
			return -EINVAL;
		end = esp_get_be16(p + 2);
		if (end < esp_off || end > len)
			return -EINVAL;
		/* fragments must have been reassembled before ESP processing (RFC 4303 3.4.1) */
		if (esp_get_be16(p + 6) & 0x3fff)
			return -EINVAL;
		f->family = AF_INET;
		f->src = p + 12;
		f->dst = p + 16;
		break;
	case 6:
		if (len < IPV6_HDR)
			return -EINVAL;
		end = IPV6_HDR + (size_t)esp_get_be16(p + 4);
		/* jumbograms (payload length 0) never carry SIP */
		if (end > len || end == IPV6_HDR || esp_off < IPV6_HDR || esp_off > end)
			return -EINVAL;
		/* the fixed header's next header, or one of an extension header before ESP */
		if (proto_off != 6 && (proto_off < IPV6_HDR || proto_off + 8 > esp_off))
			return -EINVAL;
		f->family = AF_INET6;
		f->src = p + 8;
		f->dst = p + 24;
		break;
	default:
		return -EINVAL;
	}
	if (p[proto_off] != IPPROTO_ESP)
		return -EINVAL;
	f->l3_len = esp_off;
	f->end = end;
	f->proto_off = proto_off;
	return 0;
}

/*
 * The extension headers that may precede ESP: hop-by-hop, routing,
 * destination options, and an atomic fragment (offset 0, M clear: a whole
 * packet, RFC 6946). A real fragment is refused (RFC 4303 3.4.1).
 */
static int walk_v6(const uint8_t *p, size_t len, struct esp_frame *f)
{
	size_t off = IPV6_HDR, nh_off = 6;
	uint8_t nh;

	if (len < IPV6_HDR)
		return -EINVAL;
	nh = p[6];
	for (int i = 0; i < 8 && nh != IPPROTO_ESP; i++) {
		if (off + 8 > len)
			return -EINVAL;
		if (nh == IPPROTO_FRAGMENT) {
			if (esp_get_be16(p + off + 2) & 0xfff9)
				return -EINVAL;
			nh_off = off;
			nh = p[off];
			off += 8;
			continue;
		}
		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_DSTOPTS)
			return -EINVAL;
		nh_off = off;
		nh = p[off];
		off += ((size_t)p[off + 1] + 1) * 8;
	}
	return esp_frame_at(p, len, off, nh_off, f);
}

int esp_frame_parse(const uint8_t *pkt, size_t len, struct esp_frame *f)
{
	if (!pkt || !len)
		return -EINVAL;
	switch (pkt[0] >> 4) {
	case 4:
		return esp_frame_at(pkt, len, (size_t)(pkt[0] & 0x0f) * 4, 9, f);
	case 6:
		return walk_v6(pkt, len, f);
	}
	return -EINVAL;
}

uint32_t esp_peek_spi(const uint8_t *pkt, size_t len)
{
	struct esp_frame f;

	if (esp_frame_parse(pkt, len, &f) || f.end - f.l3_len < ESP_HDR_LEN)
		return 0;
	return esp_get_be32(pkt + f.l3_len);
}

int esp_frame_addr_match(const struct esp_frame *f, const uint8_t src[16], const uint8_t dst[16])
{
	if (f->family == AF_INET) {
		if (memcmp(src, v4mapped, 12) || memcmp(dst, v4mapped, 12))
			return -1;
		return memcmp(f->src, src + 12, 4) || memcmp(f->dst, dst + 12, 4) ? -1 : 0;
	}
	return memcmp(f->src, src, 16) || memcmp(f->dst, dst, 16) ? -1 : 0;
}

size_t esp_frame_outer_len(int family)
{
	return family == AF_INET ? IPV4_HDR : IPV6_HDR;
}

void esp_frame_build(uint8_t *out, int family, const uint8_t src[16], const uint8_t dst[16],
		     size_t payload_len, uint8_t proto, uint16_t ip_id)
{
	if (family == AF_INET) {
		out[0] = 0x45;
		out[1] = 0;
		esp_put_be16(out + 2, (uint16_t)(IPV4_HDR + payload_len));
		esp_put_be16(out + 4, ip_id);
		esp_put_be16(out + 6, 0x4000); /* DF: SIP over UDP stays below the MTU */
		out[8] = 64;
		out[9] = proto;
		out[10] = out[11] = 0;
		memcpy(out + 12, src + 12, 4);
		memcpy(out + 16, dst + 12, 4);
		esp_put_be16(out + 10, esp_ipv4_csum(out, IPV4_HDR));
		return;
	}
	out[0] = 0x60;
	out[1] = out[2] = out[3] = 0;
	esp_put_be16(out + 4, (uint16_t)payload_len);
	out[6] = proto;
	out[7] = 64;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, dst, 16);
}

void esp_frame_fix(uint8_t *ip, const struct esp_frame *f, uint8_t proto, size_t l4_len)
{
	ip[f->proto_off] = proto;
	if (f->family == AF_INET) {
		esp_put_be16(ip + 2, (uint16_t)(f->l3_len + l4_len));
		ip[10] = ip[11] = 0;
		esp_put_be16(ip + 10, esp_ipv4_csum(ip, f->l3_len));
		return;
	}
	esp_put_be16(ip + 4, (uint16_t)(f->l3_len - IPV6_HDR + l4_len));
}
