// SPDX-License-Identifier: GPL-2.0
/*
 * ESP throughput per core: esp_encap / esp_decap for every algorithm pair,
 * 200- and 1400-byte inner segments, next to the raw speed of the same
 * libcrypto / libsodium primitives over the same bytes in the same run
 * (cipher + MAC on the ESP body, contexts keyed once; HMAC from precomputed
 * SHA1_/MD5_ key states, as the module does). ratio = ours / raw.
 *
 * Inbound runs decrypt a copy of one of 64 pre-built packets per iteration
 * (decap works in place), so the inbound figure includes that memcpy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "../unit/esp_test_util.h"
#include "esp/esp_priv.h"

#define SECONDS 0.3 /* per side of each measurement */
#define ROUNDS	6
#define NPKT	64 /* 128 KiB of packets: stays in L2 like a warm rx ring */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct raw {
	const struct esp_xform *x;
	const struct esp_keys *k;
	const struct esp_secret *sec;
	enum esp_auth auth;
	bool enc;
	EVP_CIPHER_CTX *c;
	unsigned long fail;
};

/* Same keys as the SA, so inbound raw runs check real tags on real packets. */
static void raw_init(struct raw *r, const struct esp_sa *sa, bool enc)
{
	const EVP_CIPHER *ciph = NULL;

	memset(r, 0, sizeof(*r));
	r->x = &sa->x;
	r->k = &sa->sec->k;
	r->enc = enc;
	/* HMAC: libcrypto SHA1_/MD5_ from the SA's precomputed key states (see esp_hmac.c) */
	r->sec = sa->sec;
	r->auth = sa->auth;
	if (sa->enc == ESP_ENC_AES_CBC)
		ciph = EVP_aes_128_cbc();
	else if (sa->enc == ESP_ENC_DES_EDE3_CBC)
		ciph = EVP_des_ede3_cbc();
	else if (sa->enc == ESP_ENC_AES_GCM || sa->auth == ESP_AUTH_AES_GMAC)
		ciph = EVP_aes_128_gcm();
	if (ciph) {
		r->c = EVP_CIPHER_CTX_new();
		EVP_CipherInit_ex(r->c, ciph, NULL, r->k->enc, NULL,
				  enc || sa->auth == ESP_AUTH_AES_GMAC);
		EVP_CIPHER_CTX_set_padding(r->c, 0);
	}
}

static void raw_free(struct raw *r)
{
	EVP_CIPHER_CTX_free(r->c);
}

/*
 * The primitive work of one packet on the ESP body at src (header, IV, n
 * bytes, ICV): MAC over header+IV+body and the cipher over the body, or the
 * AEAD with the header as AAD. Output goes to dst so src stays valid.
 */
static void raw_one(struct raw *r, const uint8_t *src, uint8_t *dst, size_t hl, size_t n)
{
	uint8_t md[12], tag[16], nonce[12];
	int l;

	memcpy(nonce, r->k->salt, 4);
	memcpy(nonce + 4, src + 8, 8);
	switch (r->x->kind) {
	case ESP_KIND_HMAC:
		if (r->enc && r->c) {
			EVP_CipherInit_ex(r->c, NULL, NULL, NULL, src + 8, -1);
			EVP_CipherUpdate(r->c, dst + hl, &l, src + hl, (int)n);
		}
		esp_hmac96_run(r->sec, r->auth, src, hl + n, md);
		if (!r->enc && r->c) {
			EVP_CipherInit_ex(r->c, NULL, NULL, NULL, src + 8, -1);
			EVP_CipherUpdate(r->c, dst + hl, &l, src + hl, (int)n);
		}
		break;
	case ESP_KIND_GCM:
		EVP_CipherInit_ex(r->c, NULL, NULL, NULL, nonce, -1);
		EVP_CipherUpdate(r->c, NULL, &l, src, 8);
		EVP_CipherUpdate(r->c, dst + hl, &l, src + hl, (int)n);
		if (r->enc) {
			EVP_CipherFinal_ex(r->c, tag, &l);
			EVP_CIPHER_CTX_ctrl(r->c, EVP_CTRL_AEAD_GET_TAG, 16, tag);
		} else {
			EVP_CIPHER_CTX_ctrl(r->c, EVP_CTRL_AEAD_SET_TAG, 16,
					    (void *)(src + hl + n));
			r->fail += EVP_CipherFinal_ex(r->c, tag, &l) <= 0;
		}
		break;
	case ESP_KIND_GMAC:
		EVP_CipherInit_ex(r->c, NULL, NULL, NULL, nonce, -1);
		EVP_CipherUpdate(r->c, NULL, &l, src, (int)(hl + n));
		EVP_CipherFinal_ex(r->c, tag, &l);
		EVP_CIPHER_CTX_ctrl(r->c, EVP_CTRL_AEAD_GET_TAG, 16, tag);
		r->fail += !r->enc && memcmp(tag, src + hl + n, 16);
		break;
	case ESP_KIND_CHACHA:
		if (r->enc)
			crypto_aead_chacha20poly1305_ietf_encrypt_detached(
				dst + hl, tag, NULL, src + hl, n, src, 8, NULL, nonce, r->k->enc);
		else
			r->fail += crypto_aead_chacha20poly1305_ietf_decrypt_detached(
					   dst + hl, NULL, src + hl, n, src + hl + n, src, 8, nonce,
					   r->k->enc) != 0;
		break;
	}
}

struct result {
	double pps, raw_pps;
};

static struct result run(const struct test_pair *tp, size_t l4_len, bool outbound)
{
	static uint8_t pkts[NPKT][2048];
	static size_t lens[NPKT];
	struct esp_sa_params p;
	struct esp_sa *out, *in;
	uint8_t l4[2048], buf[2048];
	struct result res = {0, 0};
	struct esp_inner inner;
	size_t len, hl, n;
	struct raw r;
	double t0, t, t_ours = 0, t_raw = 0;
	uint64_t cnt = 0, raw_cnt = 0;
	int err;

	test_params(&p, AF_INET, false, tp->a, tp->e);
	out = esp_sa_create(&p, &err);
	p.inbound = true;
	in = esp_sa_create(&p, &err);
	if (!out || !in)
		exit(1);
	test_udp(l4, l4_len - 8, 5062, 5064);
	for (int i = 0; i < NPKT; i++)
		if (esp_encap(out, IPPROTO_UDP, l4, l4_len, pkts[i], sizeof(pkts[i]), &lens[i]))
			exit(1);

	hl = ESP_HDR_LEN + out->x.iv_len;
	n = lens[0] - 20 - hl - out->x.icv_len;
	raw_init(&r, outbound ? out : in, outbound);
	/*
	 * Ours and raw alternate in ROUNDS slices so that load from other
	 * processes on the machine hits both sides of the ratio alike.
	 */
	for (int round = 0; round < ROUNDS; round++) {
		t0 = now();
		do {
			for (int i = 0; i < 256; i++) {
				if (outbound) {
					esp_encap(out, IPPROTO_UDP, l4, l4_len, buf, sizeof(buf),
						  &len);
				} else {
					int k = (int)(cnt % NPKT);

					if (!k) /* the same sequence numbers, again */
						esp_replay_init(&in->replay, 64);
					memcpy(buf, pkts[k], lens[k]);
					if (esp_decap(in, buf, lens[k], &inner))
						exit(2);
				}
				cnt++;
			}
			t = now() - t0;
		} while (t < SECONDS / ROUNDS);
		t_ours += t;

		/* raw primitives over the same ESP body, at the same offset as in a packet */
		t0 = now();
		do {
			for (int i = 0; i < 256; i++)
				raw_one(&r, pkts[0] + 20, buf + 20, hl, n);
			raw_cnt += 256;
			t = now() - t0;
		} while (t < SECONDS / ROUNDS);
		t_raw += t;
	}
	res.pps = (double)cnt / t_ours;
	res.raw_pps = (double)raw_cnt / t_raw;
	if (r.fail)
		fprintf(stderr, "raw baseline: %lu tag failures\n", r.fail);
	raw_free(&r);
	esp_sa_destroy(out);
	esp_sa_destroy(in);
	return res;
}

int main(void)
{
	static const size_t sizes[] = {200, 1400};
	double t0 = now();

	printf("# ESP per core, IPv4 transport mode; size = inner UDP segment bytes; Gbit/s of "
	       "segment bytes\n");
	printf("# raw = the same libcrypto/libsodium primitives over the same ESP body; "
	       "ratio = ours/raw\n");
	printf("%-32s %5s %4s %10s %8s %10s %6s\n", "pair", "size", "dir", "Mpps", "Gbit/s",
	       "raw Mpps", "ratio");
	for (size_t i = 0; i < N_TEST_PAIRS; i++) {
		const struct test_pair *tp = &test_pairs[i];
		char name[64];

		snprintf(name, sizeof(name), "%s+%s", esp_auth_name(tp->a), esp_enc_name(tp->e));
		for (size_t s = 0; s < 2; s++) {
			for (int dir = 0; dir < 2; dir++) {
				struct result r = run(tp, sizes[s], dir == 0);

				printf("%-32s %5zu %4s %10.3f %8.2f %10.3f %5.0f%%\n", name,
				       sizes[s], dir == 0 ? "out" : "in", r.pps / 1e6,
				       r.pps * (double)sizes[s] * 8 / 1e9, r.raw_pps / 1e6,
				       100.0 * r.pps / r.raw_pps);
				fflush(stdout);
			}
		}
	}
	printf("# total %.1f s\n", now() - t0);
	return 0;
}
