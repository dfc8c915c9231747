// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for esp_decap(). Input: one control byte, then an IP
 * packet. The low bits pick one of six prepared inbound SAs (keys from the
 * Milenage test set 1 CK/IK, as esptool uses, so its packets are valid seeds).
 * With bit 7 set the packet is first re-sealed with the matching outbound SA,
 * so the fuzzer's bytes become the *authenticated plaintext* and reach the
 * trailer, selector and header-rewrite code behind the ICV check.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "esp/esp.h"
#include "esp/esp_priv.h"

struct sa_pair {
	int family;
	enum esp_auth a;
	enum esp_enc e;
	uint32_t window;
	struct esp_sa *in, *out;
};

static struct sa_pair sas[] = {
	{AF_INET, ESP_AUTH_HMAC_SHA1_96, ESP_ENC_AES_CBC, 64},
	{AF_INET6, ESP_AUTH_NULL, ESP_ENC_AES_GCM, 4096},
	{AF_INET, ESP_AUTH_AES_GMAC, ESP_ENC_NULL, 128},
	{AF_INET6, ESP_AUTH_HMAC_MD5_96, ESP_ENC_DES_EDE3_CBC, 64},
	{AF_INET, ESP_AUTH_NULL, ESP_ENC_CHACHA20_POLY1305, 64},
	{AF_INET, ESP_AUTH_HMAC_SHA1_96, ESP_ENC_NULL, 64},
};

#define N_SAS (sizeof(sas) / sizeof(sas[0]))

static const uint8_t ck[16] = {0xb4, 0x0b, 0xa9, 0xa3, 0xc5, 0x8b, 0x2a, 0x05,
			       0xbb, 0xf0, 0xd9, 0x87, 0xb2, 0x1b, 0xf8, 0xcb};
static const uint8_t ik[16] = {0xf7, 0x69, 0xbc, 0xd7, 0x51, 0x04, 0x46, 0x04,
			       0x12, 0x76, 0x72, 0x71, 0x1c, 0x6d, 0x34, 0x41};

static void setup(void)
{
	for (size_t i = 0; i < N_SAS; i++) {
		struct esp_sa_params p = {.spi = 0x1000, .sport = 5062, .dport = 5064};
		int err;

		p.family = sas[i].family;
		p.auth = sas[i].a;
		p.enc = sas[i].e;
		p.replay_window = sas[i].window;
		memcpy(p.ck, ck, 16);
		memcpy(p.ik, ik, 16);
		if (p.family == AF_INET) {
			/* 10.0.0.1 -> 10.0.0.2, v4-mapped */
			p.src[10] = p.src[11] = p.dst[10] = p.dst[11] = 0xff;
			p.src[12] = p.dst[12] = 10;
			p.src[15] = 1;
			p.dst[15] = 2;
		} else {
			/* 2001:db8::1 -> 2001:db8::2 */
			p.src[0] = p.dst[0] = 0x20;
			p.src[1] = p.dst[1] = 0x01;
			p.src[2] = p.dst[2] = 0x0d;
			p.src[3] = p.dst[3] = 0xb8;
			p.src[15] = 1;
			p.dst[15] = 2;
		}
		p.inbound = true;
		sas[i].in = esp_sa_create(&p, &err);
		p.inbound = false;
		sas[i].out = esp_sa_create(&p, &err);
		if (!sas[i].in || !sas[i].out)
			abort();
	}
}

/* Seal the packet's own bytes as plaintext, in place, when its shape allows. */
static void reseal(struct sa_pair *s, uint8_t *pkt, size_t len)
{
	const struct esp_xform *x = &s->out->x;
	struct esp_frame f;
	size_t esp_len, hl = ESP_HDR_LEN + x->iv_len, n;

	if (esp_frame_parse(pkt, len, &f))
		return;
	esp_len = f.end - f.l3_len;
	if (esp_len < hl + ESP_TRAILER + x->icv_len)
		return;
	n = esp_len - hl - x->icv_len;
	if (x->kind == ESP_KIND_HMAC && x->iv_len && n % x->align)
		return;
	esp_crypto_seal(s->out, pkt + f.l3_len, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static uint8_t buf[65536];
	struct esp_inner inner;
	struct sa_pair *s;
	int rc;

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	s = &sas[(data[0] & 0x7f) % N_SAS];
	memcpy(buf, data + 1, size - 1);
	/* a fresh window per input keeps runs reproducible */
	esp_replay_init(&s->in->replay, s->window);
	if (data[0] & 0x80)
		reseal(s, buf, size - 1);
	rc = esp_decap(s->in, buf, size - 1, &inner);
	if (!rc) {
		/* what decap hands out must lie inside the buffer and be self-consistent */
		if (inner.l4 < buf || inner.l4 + inner.l4_len > buf + size - 1 ||
		    inner.ip + inner.ip_len != inner.l4 + inner.l4_len ||
		    (inner.next_hdr != IPPROTO_UDP && inner.next_hdr != IPPROTO_TCP))
			abort();
	}
	return 0;
}
