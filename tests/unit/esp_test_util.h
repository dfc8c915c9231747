/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the ESP unit tests: hex parsing and SA fixtures. */
#ifndef TESTS_ESP_TEST_UTIL_H
#define TESTS_ESP_TEST_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "esp/esp.h"

static inline size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (s[0] && s[1] && n < cap) {
		unsigned int v;

		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* Milenage test set 1 (TS 35.208), as in docs/ims-security.md */
static const char *const MIL_CK = "b40ba9a3c58b2a05bbf0d987b21bf8cb";
static const char *const MIL_IK = "f769bcd751044604127672711c6d3441";

/* UE 10.0.0.1 (or 2001:db8::1) port 5062 -> P 10.0.0.2 (2001:db8::2) port 5064 */
static inline void test_params(struct esp_sa_params *p, int family, bool inbound, enum esp_auth a,
			       enum esp_enc e)
{
	memset(p, 0, sizeof(*p));
	p->spi = 0x1000;
	p->inbound = inbound;
	p->family = family;
	if (family == AF_INET) {
		p->src[10] = p->src[11] = p->dst[10] = p->dst[11] = 0xff;
		inet_pton(AF_INET, "10.0.0.1", p->src + 12);
		inet_pton(AF_INET, "10.0.0.2", p->dst + 12);
	} else {
		inet_pton(AF_INET6, "2001:db8::1", p->src);
		inet_pton(AF_INET6, "2001:db8::2", p->dst);
	}
	p->sport = 5062;
	p->dport = 5064;
	p->auth = a;
	p->enc = e;
	unhex(MIL_CK, p->ck, 16);
	unhex(MIL_IK, p->ik, 16);
}

/* A UDP segment 5062 -> 5064 with len bytes of payload (checksum left 0). */
static inline size_t test_udp(uint8_t *buf, size_t payload, uint16_t sport, uint16_t dport)
{
	buf[0] = sport >> 8;
	buf[1] = sport & 0xff;
	buf[2] = dport >> 8;
	buf[3] = dport & 0xff;
	buf[4] = (uint8_t)((8 + payload) >> 8);
	buf[5] = (uint8_t)(8 + payload);
	buf[6] = buf[7] = 0;
	for (size_t i = 0; i < payload; i++)
		buf[8 + i] = (uint8_t)('A' + i % 26);
	return 8 + payload;
}

struct test_pair {
	enum esp_auth a;
	enum esp_enc e;
};

static const struct test_pair test_pairs[] = {
	{ESP_AUTH_HMAC_SHA1_96, ESP_ENC_NULL},
	{ESP_AUTH_HMAC_SHA1_96, ESP_ENC_AES_CBC},
	{ESP_AUTH_HMAC_SHA1_96, ESP_ENC_DES_EDE3_CBC},
	{ESP_AUTH_HMAC_MD5_96, ESP_ENC_NULL},
	{ESP_AUTH_HMAC_MD5_96, ESP_ENC_AES_CBC},
	{ESP_AUTH_HMAC_MD5_96, ESP_ENC_DES_EDE3_CBC},
	{ESP_AUTH_AES_GMAC, ESP_ENC_NULL},
	{ESP_AUTH_NULL, ESP_ENC_AES_GCM},
	{ESP_AUTH_NULL, ESP_ENC_CHACHA20_POLY1305},
};

#define N_TEST_PAIRS (sizeof(test_pairs) / sizeof(test_pairs[0]))

#endif /* TESTS_ESP_TEST_UTIL_H */
