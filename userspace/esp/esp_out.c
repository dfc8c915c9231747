// SPDX-License-Identifier: GPL-2.0
/*
 * Outbound ESP, transport mode: outer header from the SA, sequence number,
 * IV, payload, padding, trailer, then encryption and ICV in place.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <sodium.h>

#include "esp/esp_priv.h"

static size_t payload_len(const struct esp_sa *sa, size_t l4_len)
{
	size_t a = sa->x.align;

	return (l4_len + ESP_TRAILER + a - 1) / a * a;
}

size_t esp_encap_size(const struct esp_sa *sa, size_t l4_len)
{
	return esp_frame_outer_len(sa->family) + ESP_HDR_LEN + sa->x.iv_len +
	       payload_len(sa, l4_len) + sa->x.icv_len;
}

/*
 * CBC IVs must be unpredictable (RFC 3602 3): random bytes, drawn from a
 * pool per thread (not per SA: 256 bytes each for a million UEs' SAs is a
 * quarter of a GiB) so the data path costs one getrandom() per few packets
 * instead of one per packet. IVs are public once sent; the pool is wiped as
 * it is used.
 */
static __thread struct {
	uint8_t b[256];
	uint16_t pos;
	bool ready;
} ivpool;

static void random_iv(uint8_t *iv, size_t len)
{
	if (!ivpool.ready || ivpool.pos + len > sizeof(ivpool.b)) {
		randombytes_buf(ivpool.b, sizeof(ivpool.b));
		ivpool.pos = 0;
		ivpool.ready = true;
	}
	memcpy(iv, ivpool.b + ivpool.pos, len);
	/* an IV is used once: forget it */
	memset(ivpool.b + ivpool.pos, 0, len);
	ivpool.pos += len;
}

/* GCM, GMAC, ChaCha20-Poly1305 need a unique, not random, IV: a counter. */
static void counter_iv(const struct esp_sa *sa, uint8_t *iv, uint32_t seq)
{
	uint64_t v = sa->iv_base + seq;

	esp_put_be32(iv, (uint32_t)(v >> 32));
	esp_put_be32(iv + 4, (uint32_t)v);
}

int esp_encap(struct esp_sa *sa, uint8_t next_hdr, const uint8_t *l4, size_t l4_len, uint8_t *out,
	      size_t cap, size_t *out_len)
{
	size_t ol = esp_frame_outer_len(sa->family), n = payload_len(sa, l4_len);
	size_t esp_len = ESP_HDR_LEN + sa->x.iv_len + n + sa->x.icv_len, padlen;
	uint8_t *esp = out + ol, *pt;
	uint32_t seq;
	int rc;

	if (next_hdr != IPPROTO_UDP && next_hdr != IPPROTO_TCP)
		return -EINVAL;
	if (l4_len < 4 || ((sa->sport && esp_get_be16(l4) != sa->sport) ||
			   (sa->dport && esp_get_be16(l4 + 2) != sa->dport))) {
		sa->st.selector++;
		return -EACCES;
	}
	if (ol + esp_len > cap)
		return -EMSGSIZE;
	/* IPv4 total length and IPv6 payload length are 16 bits */
	if (esp_len + (sa->family == AF_INET ? ol : 0) > 0xffff)
		return -EMSGSIZE;
	/* RFC 4303 3.3.3: the counter never cycles; the SA must be replaced */
	if (sa->exhausted || sa->seq == UINT32_MAX) {
		sa->exhausted = true;
		sa->st.seq_exhausted++;
		return -ENOSPC;
	}
	seq = ++sa->seq;

	pt = esp + ESP_HDR_LEN + sa->x.iv_len;
	memmove(pt, l4, l4_len);
	padlen = n - l4_len - ESP_TRAILER;
	for (size_t i = 0; i < padlen; i++)
		pt[l4_len + i] = (uint8_t)(i + 1);
	pt[n - 2] = (uint8_t)padlen;
	pt[n - 1] = next_hdr;

	esp_frame_build(out, sa->family, sa->src, sa->dst, esp_len, IPPROTO_ESP, sa->ip_id++);
	esp_put_be32(esp, sa->spi);
	esp_put_be32(esp + 4, seq);
	if (sa->x.kind == ESP_KIND_HMAC)
		random_iv(esp + ESP_HDR_LEN, sa->x.iv_len);
	else
		counter_iv(sa, esp + ESP_HDR_LEN, seq);

	rc = esp_crypto_seal(sa, esp, n);
	if (rc)
		return rc;
	*out_len = ol + esp_len;
	sa->st.packets++;
	sa->st.bytes += l4_len;
	return 0;
}
