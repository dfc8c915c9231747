/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a worker takes from a frame the classifier redirected: the metadata
 * in front of it and, at the offsets the classifier wrote there, the SIP
 * datagram, plain or out of ESP. The headers were walked once, in XDP (VLAN,
 * IPv4 options, IPv6 extension headers); here they are only bounds-checked
 * and read byte-wise, since AF_XDP frames put the IP header at any alignment.
 */
#ifndef PCSCF_XSK_FRAME_H
#define PCSCF_XSK_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include "pcscf_maps.h"

/* A SIP datagram seen in a frame; payload points into the frame. */
struct frame_sip {
	struct pcscf_addr src, dst;
	uint16_t sport, dport;
	const uint8_t *payload;
	size_t len;
};

/*
 * Copies the metadata in front of frame to *m. -EBADMSG without our magic
 * (the frame did not come through our classifier) or with offsets, family or
 * kind that do not fit a frame of len bytes.
 */
int xsk_frame_meta(const uint8_t *frame, uint32_t len, struct pcscf_xdp_meta *m);
/* The UDP datagram of unprotected SIP at the metadata's offsets; -EINVAL if it does not fit. */
int xsk_frame_sip(const uint8_t *frame, uint32_t len, const struct pcscf_xdp_meta *m,
		  struct frame_sip *out);
struct esp_sa;
/*
 * ESP: decapsulated in place through sa (esp_decap_at() at the metadata's
 * offsets, its errors and counters), then the inner UDP datagram.
 * -EPROTONOSUPPORT when the inner transport is not UDP (TCP: payload and len
 * are then the whole plain IP packet, addresses checked), -EINVAL when the
 * inner datagram is cut short.
 */
int xsk_frame_esp(struct esp_sa *sa, uint8_t *frame, uint32_t len, const struct pcscf_xdp_meta *m,
		  struct frame_sip *out);
/* The same for a whole IP packet whose headers are walked here (one the worker reassembled). */
int xsk_esp_packet(struct esp_sa *sa, uint8_t *pkt, size_t len, struct frame_sip *out);

#endif
