// SPDX-License-Identifier: GPL-2.0
/*
 * Inbound ESP, transport mode. Order of checks (RFC 4303 3.4): header,
 * replay window, ICV, decryption, trailer, selectors, and only then the
 * window update, so a forged or rejected packet never moves the window.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "esp/esp_priv.h"

/* Inner transport and ports must be the ones bound to the SA. */
static int check_selector(const struct esp_sa *sa, uint8_t nh, const uint8_t *l4, size_t len)
{
	uint16_t sport, dport;

	if (nh == IPPROTO_UDP) {
		if (len < 8)
			return -EACCES;
	} else if (nh == IPPROTO_TCP) {
		if (len < 20)
			return -EACCES;
	} else {
		return -EACCES;
	}
	sport = esp_get_be16(l4);
	dport = esp_get_be16(l4 + 2);
	if ((sa->sport && sport != sa->sport) || (sa->dport && dport != sa->dport))
		return -EACCES;
	return 0;
}

/* Pad length and the default padding bytes 1, 2, 3, ... (RFC 4303 2.4). */
static int check_trailer(const uint8_t *pt, size_t n, size_t *l4_len)
{
	size_t padlen = pt[n - 2];

	if (padlen + ESP_TRAILER > n)
		return -EPROTO;
	for (size_t i = 0; i < padlen; i++)
		if (pt[n - ESP_TRAILER - padlen + i] != (uint8_t)(i + 1))
			return -EPROTO;
	*l4_len = n - ESP_TRAILER - padlen;
	return 0;
}

static int decap_frame(struct esp_sa *sa, uint8_t *pkt, const struct esp_frame *fp,
		       struct esp_inner *out)
{
	const struct esp_xform *x = &sa->x;
	const struct esp_frame f = *fp;
	size_t esp_len, hl, n, l4_len, shift;
	uint8_t *esp, *pt, nh;
	uint32_t seq;
	int rc;

	esp = pkt + f.l3_len;
	esp_len = f.end - f.l3_len;
	hl = ESP_HDR_LEN + x->iv_len;
	if (esp_len < hl + ESP_TRAILER + x->icv_len)
		goto malformed;
	n = esp_len - hl - x->icv_len;
	if (n % x->align && x->kind == ESP_KIND_HMAC && x->iv_len)
		goto malformed; /* CBC needs whole blocks */
	if (esp_get_be32(esp) != sa->spi) {
		sa->st.bad_spi++;
		return -ENOENT;
	}
	if (esp_frame_addr_match(&f, sa->src, sa->dst)) {
		sa->st.selector++;
		return -EACCES;
	}
	seq = esp_get_be32(esp + 4);
	rc = esp_replay_check(&sa->replay, seq);
	if (rc) {
		sa->st.replay++;
		return rc;
	}
	rc = esp_crypto_open(sa, esp, n);
	if (rc == -EBADMSG) {
		sa->st.auth_fail++;
		return rc;
	}
	if (rc) {
		sa->st.decrypt_err++;
		return -EPROTO;
	}
	pt = esp + hl;
	nh = pt[n - 1];
	if (check_trailer(pt, n, &l4_len)) {
		sa->st.decrypt_err++;
		return -EPROTO;
	}
	if (check_selector(sa, nh, pt, l4_len)) {
		sa->st.selector++;
		return -EACCES;
	}
	esp_replay_update(&sa->replay, seq);

	/* move the (short) IP header up against the payload rather than the payload down */
	shift = hl;
	memmove(pkt + shift, pkt, f.l3_len);
	esp_frame_fix(pkt + shift, &f, nh, l4_len);
	out->next_hdr = nh;
	out->l4 = pt;
	out->l4_len = l4_len;
	out->ip = pkt + shift;
	out->ip_len = f.l3_len + l4_len;
	out->seq = seq;
	sa->st.packets++;
	sa->st.bytes += l4_len;
	return 0;

malformed:
	sa->st.malformed++;
	return -EINVAL;
}

int esp_decap(struct esp_sa *sa, uint8_t *pkt, size_t len, struct esp_inner *out)
{
	struct esp_frame f;

	if (esp_frame_parse(pkt, len, &f)) {
		sa->st.malformed++;
		return -EINVAL;
	}
	return decap_frame(sa, pkt, &f, out);
}

int esp_decap_at(struct esp_sa *sa, uint8_t *pkt, size_t len, size_t esp_off, size_t proto_off,
		 struct esp_inner *out)
{
	struct esp_frame f;

	if (esp_frame_at(pkt, len, esp_off, proto_off, &f)) {
		sa->st.malformed++;
		return -EINVAL;
	}
	return decap_frame(sa, pkt, &f, out);
}
