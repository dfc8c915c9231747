// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "esp/esp.h"
#include "xdp/xsk_frame.h"

#define UDP_HDR 8

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static size_t ip_hdr_min(int family)
{
	return family == 4 ? 20 : 40;
}

int xsk_frame_meta(const uint8_t *frame, uint32_t len, struct pcscf_xdp_meta *m)
{
	memcpy(m, frame - sizeof(*m), sizeof(*m));
	if (m->magic != PCSCF_META_MAGIC)
		return -EBADMSG;
	if (m->family != 4 && m->family != 6)
		return -EBADMSG;
	if (m->kind != PCSCF_META_SIP && m->kind != PCSCF_META_ESP &&
	    m->kind != PCSCF_META_ESP_FRAG)
		return -EBADMSG;
	if (m->l3_off + ip_hdr_min(m->family) > m->l4_off || m->l4_off > len ||
	    m->proto_off < m->l3_off || m->proto_off >= m->l4_off)
		return -EBADMSG;
	/* The readers below take the family's header layout from m, so it must be the packet's. */
	if (frame[m->l3_off] >> 4 != m->family)
		return -EBADMSG;
	return 0;
}

/* Source and destination of the IP header at l3, v4-mapped for IPv4. */
static void ip_addrs(const uint8_t *l3, int family, struct frame_sip *out)
{
	if (family == 4) {
		memset(out->src.a, 0, 10);
		out->src.a[10] = out->src.a[11] = 0xff;
		out->dst = out->src;
		memcpy(&out->src.a[12], l3 + 12, 4);
		memcpy(&out->dst.a[12], l3 + 16, 4);
	} else {
		memcpy(out->src.a, l3 + 8, 16);
		memcpy(out->dst.a, l3 + 24, 16);
	}
}

/* A UDP datagram of at most avail bytes at udp. */
static int udp_datagram(const uint8_t *udp, size_t avail, struct frame_sip *out)
{
	size_t ulen;

	if (avail < UDP_HDR)
		return -EINVAL;
	ulen = get_be16(udp + 4);
	if (ulen < UDP_HDR || ulen > avail)
		return -EINVAL;
	out->sport = get_be16(udp);
	out->dport = get_be16(udp + 2);
	out->payload = udp + UDP_HDR;
	out->len = ulen - UDP_HDR;
	return 0;
}

int xsk_frame_sip(const uint8_t *frame, uint32_t len, const struct pcscf_xdp_meta *m,
		  struct frame_sip *out)
{
	ip_addrs(frame + m->l3_off, m->family, out);
	return udp_datagram(frame + m->l4_off, len - m->l4_off, out);
}

/* The inner UDP datagram of what esp_decap*() found. */
static int inner_sip(const struct esp_inner *in, int family, struct frame_sip *out)
{
	if (in->next_hdr != IPPROTO_UDP) {
		/* TCP (the SA lets nothing else through): the plain IP packet, for the TUN */
		out->payload = in->ip;
		out->len = in->ip_len;
		return -EPROTONOSUPPORT;
	}
	/* esp_decap moved the outer header up against the inner segment: in.ip. */
	ip_addrs(in->ip, family, out);
	return udp_datagram(in->l4, in->l4_len, out);
}

int xsk_frame_esp(struct esp_sa *sa, uint8_t *frame, uint32_t len, const struct pcscf_xdp_meta *m,
		  struct frame_sip *out)
{
	struct esp_inner in;
	int err;

	err = esp_decap_at(sa, frame + m->l3_off, len - m->l3_off, m->l4_off - m->l3_off,
			   m->proto_off - m->l3_off, &in);
	return err ? err : inner_sip(&in, m->family, out);
}

int xsk_esp_packet(struct esp_sa *sa, uint8_t *pkt, size_t len, struct frame_sip *out)
{
	struct esp_inner in;
	int err;

	err = esp_decap(sa, pkt, len, &in);
	return err ? err : inner_sip(&in, (pkt[0] >> 4) == 4 ? 4 : 6, out);
}
