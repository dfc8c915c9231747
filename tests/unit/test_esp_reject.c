// SPDX-License-Identifier: GPL-2.0
/*
 * Every way esp_decap() must refuse a packet, for every algorithm pair:
 * each refusal returns its documented errno, bumps exactly its counter and
 * leaves the SA usable (the genuine packet is still accepted afterwards).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"
#include "esp_test_util.h"
#include "esp/esp_priv.h"

#define PKT_MAX 2048

struct fixture {
	struct esp_sa *out, *in;
	uint8_t pkt[PKT_MAX];
	size_t len;
	int family;
	const struct test_pair *tp;
};

static int setup(struct fixture *f, int family, const struct test_pair *tp, uint32_t window)
{
	struct esp_sa_params p;
	uint8_t l4[400];
	size_t l4_len = test_udp(l4, 300, 5062, 5064);
	int err;

	memset(f, 0, sizeof(*f));
	f->family = family;
	f->tp = tp;
	test_params(&p, family, false, tp->a, tp->e);
	p.replay_window = window;
	f->out = esp_sa_create(&p, &err);
	p.inbound = true;
	f->in = esp_sa_create(&p, &err);
	if (!f->out || !f->in)
		return -1;
	return esp_encap(f->out, IPPROTO_UDP, l4, l4_len, f->pkt, sizeof(f->pkt), &f->len);
}

static void teardown(struct fixture *f)
{
	esp_sa_destroy(f->out);
	esp_sa_destroy(f->in);
}

/* Sum of every error counter: a refusal must move exactly one of them by one. */
static uint64_t errors(const struct esp_sa_stats *s)
{
	return s->auth_fail + s->replay + s->decrypt_err + s->selector + s->malformed + s->bad_spi;
}

/* Decap a copy of pkt; check rc, that counter moved by one and nothing else did. */
static bool refused(struct fixture *f, const uint8_t *pkt, size_t len, int want_rc,
		    const uint64_t *counter)
{
	const struct esp_sa_stats *s = esp_sa_stats(f->in);
	uint8_t buf[PKT_MAX];
	struct esp_inner inner;
	uint64_t before = *counter, all = errors(s), ok = s->packets;
	int rc;

	memcpy(buf, pkt, len);
	rc = esp_decap(f->in, buf, len, &inner);
	if (rc != want_rc) {
		tap_diag("rc %d, want %d", rc, want_rc);
		return false;
	}
	return *counter == before + 1 && errors(s) == all + 1 && s->packets == ok;
}

/* Truncated with a consistent length: either too short to parse or fails the ICV. */
static bool refused_short(struct fixture *f, const uint8_t *pkt, size_t len)
{
	const struct esp_sa_stats *s = esp_sa_stats(f->in);
	uint64_t mal = s->malformed, auth = s->auth_fail, all = errors(s);
	uint8_t buf[PKT_MAX];
	int rc;

	memcpy(buf, pkt, len);
	rc = esp_decap(f->in, buf, len, &(struct esp_inner){});
	if (errors(s) != all + 1)
		return false;
	if (rc == -EINVAL)
		return s->malformed == mal + 1;
	if (rc == -EBADMSG)
		return s->auth_fail == auth + 1;
	tap_diag("truncated to %zu: rc %d", len, rc);
	return false;
}

/* The genuine packet still goes through. */
static bool accepts(struct fixture *f)
{
	uint8_t buf[PKT_MAX];
	struct esp_inner inner;

	memcpy(buf, f->pkt, f->len);
	return !esp_decap(f->in, buf, f->len, &inner);
}

static const char *pair_name(const struct fixture *f)
{
	static char name[96];

	snprintf(name, sizeof(name), "%s %s+%s", f->family == AF_INET ? "IPv4" : "IPv6",
		 esp_auth_name(f->tp->a), esp_enc_name(f->tp->e));
	return name;
}

/*
 * Build a correctly authenticated packet with a chosen trailer: pad bytes,
 * pad length and next header as given. Uses the outbound SA's contexts.
 */
static size_t forge(struct fixture *f, uint32_t seq, const uint8_t *l4, size_t l4_len,
		    const uint8_t *pad, size_t padlen, uint8_t padlen_field, uint8_t nh,
		    uint8_t *out)
{
	struct esp_sa *sa = f->out;
	size_t ol = esp_frame_outer_len(f->family), hl = ESP_HDR_LEN + sa->x.iv_len;
	size_t n = l4_len + padlen + ESP_TRAILER, esp_len = hl + n + sa->x.icv_len;
	uint8_t *esp = out + ol;

	esp_frame_build(out, f->family, sa->src, sa->dst, esp_len, IPPROTO_ESP, 1);
	esp_put_be32(esp, sa->spi);
	esp_put_be32(esp + 4, seq);
	for (size_t i = 0; i < sa->x.iv_len; i++)
		esp[ESP_HDR_LEN + i] = (uint8_t)(0x40 + i + seq);
	memcpy(esp + hl, l4, l4_len);
	memcpy(esp + hl + l4_len, pad, padlen);
	esp[hl + n - 2] = padlen_field;
	esp[hl + n - 1] = nh;
	if (esp_crypto_seal(sa, esp, n))
		return 0;
	return ol + esp_len;
}

/* Padding that keeps CBC block alignment: l4_len + padlen + 2 multiple of 16. */
static size_t aligned_pad(size_t l4_len)
{
	return (16 - (l4_len + 2) % 16) % 16;
}

static void test_pair(int family, const struct test_pair *tp)
{
	struct fixture f;
	const struct esp_sa_stats *s;
	size_t ol = family == AF_INET ? 20 : 40, iv_len;
	uint8_t bad[PKT_MAX], fresh[PKT_MAX], l4[64], pad[32];
	size_t l4_len, padlen, len, fresh_len = 0;
	bool ok;

	if (setup(&f, family, tp, 0)) {
		TAP_CHECK(0, "%s fixture", pair_name(&f));
		teardown(&f);
		return;
	}
	s = esp_sa_stats(f.in);
	iv_len = f.out->x.iv_len;

	memcpy(bad, f.pkt, f.len);
	bad[f.len - 1] ^= 0x01;
	TAP_CHECK(refused(&f, bad, f.len, -EBADMSG, &s->auth_fail), "%s flipped ICV bit: -EBADMSG",
		  pair_name(&f));

	memcpy(bad, f.pkt, f.len);
	bad[ol + 8 + iv_len + 40] ^= 0x80;
	TAP_CHECK(refused(&f, bad, f.len, -EBADMSG, &s->auth_fail),
		  "%s flipped payload bit: -EBADMSG", pair_name(&f));

	if (iv_len) {
		memcpy(bad, f.pkt, f.len);
		bad[ol + 8] ^= 0x04;
		TAP_CHECK(refused(&f, bad, f.len, -EBADMSG, &s->auth_fail),
			  "%s flipped IV bit: -EBADMSG", pair_name(&f));
	}

	memcpy(bad, f.pkt, f.len);
	bad[ol + 1] ^= 0x10;
	TAP_CHECK(refused(&f, bad, f.len, -ENOENT, &s->bad_spi), "%s flipped SPI bit: -ENOENT",
		  pair_name(&f));

	memcpy(bad, f.pkt, f.len);
	bad[ol + 6] ^= 0x02;
	TAP_CHECK(refused(&f, bad, f.len, -EBADMSG, &s->auth_fail),
		  "%s flipped sequence number bit: -EBADMSG (window not moved)", pair_name(&f));

	memcpy(bad, f.pkt, f.len);
	if (family == AF_INET) {
		bad[15] ^= 1; /* source address; fix the header checksum so only that differs */
		bad[10] = bad[11] = 0;
		esp_put_be16(bad + 10, esp_ipv4_csum(bad, 20));
	} else {
		bad[23] ^= 1;
	}
	TAP_CHECK(refused(&f, bad, f.len, -EACCES, &s->selector),
		  "%s outer source address not the SA's: -EACCES", pair_name(&f));

	/* the classifier no longer checks which of our addresses an SA is bound to: this does */
	memcpy(bad, f.pkt, f.len);
	if (family == AF_INET) {
		bad[19] ^= 1; /* destination address, checksum fixed as above */
		bad[10] = bad[11] = 0;
		esp_put_be16(bad + 10, esp_ipv4_csum(bad, 20));
	} else {
		bad[39] ^= 1;
	}
	TAP_CHECK(refused(&f, bad, f.len, -EACCES, &s->selector),
		  "%s outer destination address not the SA's: -EACCES", pair_name(&f));

	/* nothing above may have used up sequence number 1 */
	TAP_CHECK(accepts(&f), "%s genuine packet accepted after the refusals", pair_name(&f));
	TAP_CHECK(refused(&f, f.pkt, f.len, -EALREADY, &s->replay), "%s replay: -EALREADY",
		  pair_name(&f));

	/* truncation at every length: the IP header claims more than the buffer holds */
	ok = true;
	for (len = 0; len < f.len && ok; len++)
		ok = refused(&f, f.pkt, len, -EINVAL, &s->malformed);
	TAP_CHECK(ok, "%s truncated buffer, every length 0..%zu: -EINVAL", pair_name(&f),
		  f.len - 1);

	/* truncation with a consistent IP length, on a fresh (seq 2) packet: malformed or ICV */
	{
		uint8_t seg[400];
		size_t seg_len = test_udp(seg, 300, 5062, 5064);

		ok = !esp_encap(f.out, IPPROTO_UDP, seg, seg_len, fresh, sizeof(fresh), &fresh_len);
	}
	for (len = ol; len < fresh_len && ok; len++) {
		memcpy(bad, fresh, len);
		if (family == AF_INET) {
			esp_put_be16(bad + 2, (uint16_t)len);
			bad[10] = bad[11] = 0;
			esp_put_be16(bad + 10, esp_ipv4_csum(bad, 20));
		} else {
			esp_put_be16(bad + 4, (uint16_t)(len - 40));
		}
		ok = refused_short(&f, bad, len);
	}
	TAP_CHECK(ok, "%s truncated packet with fixed-up IP length, every length: refused",
		  pair_name(&f));

	/* authenticated but wrong inside */
	l4_len = test_udp(l4, 20, 5062, 5064);
	padlen = aligned_pad(l4_len);
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = (uint8_t)(i + 1);
	len = forge(&f, 10, l4, l4_len, pad, padlen, (uint8_t)padlen, IPPROTO_UDP, bad);
	TAP_CHECK(len && !esp_decap(f.in, bad, len, &(struct esp_inner){}),
		  "%s forged well-formed packet accepted (forge sanity)", pair_name(&f));

	pad[1] = 7;
	len = forge(&f, 11, l4, l4_len, pad, padlen, (uint8_t)padlen, IPPROTO_UDP, bad);
	TAP_CHECK(refused(&f, bad, len, -EPROTO, &s->decrypt_err), "%s bad padding bytes: -EPROTO",
		  pair_name(&f));
	pad[1] = 2;

	len = forge(&f, 12, l4, l4_len, pad, padlen, (uint8_t)(padlen + l4_len + 1), IPPROTO_UDP,
		    bad);
	TAP_CHECK(refused(&f, bad, len, -EPROTO, &s->decrypt_err),
		  "%s pad length beyond the payload: -EPROTO", pair_name(&f));

	len = forge(&f, 13, l4, l4_len, pad, padlen, (uint8_t)padlen, 4 /* IPIP */, bad);
	TAP_CHECK(refused(&f, bad, len, -EACCES, &s->selector),
		  "%s next header 4 (not UDP/TCP): -EACCES", pair_name(&f));

	len = forge(&f, 14, l4, l4_len, pad, padlen, (uint8_t)padlen, 59 /* no next header */, bad);
	TAP_CHECK(refused(&f, bad, len, -EACCES, &s->selector),
		  "%s next header 59 (dummy): -EACCES", pair_name(&f));

	l4_len = test_udp(l4, 20, 5060, 5064);
	len = forge(&f, 15, l4, l4_len, pad, padlen, (uint8_t)padlen, IPPROTO_UDP, bad);
	TAP_CHECK(refused(&f, bad, len, -EACCES, &s->selector),
		  "%s inner source port 5060 not bound to the SA: -EACCES", pair_name(&f));

	/* shared protected ports: right SPI, the port another UE uses with the same port_ps */
	l4_len = test_udp(l4, 20, 5063, 5064);
	len = forge(&f, 17, l4, l4_len, pad, padlen, (uint8_t)padlen, IPPROTO_UDP, bad);
	TAP_CHECK(refused(&f, bad, len, -EACCES, &s->selector),
		  "%s right SPI, another UE's port 5063 to the shared port_ps: -EACCES",
		  pair_name(&f));

	l4_len = test_udp(l4, 20, 5062, 5066);
	len = forge(&f, 16, l4, l4_len, pad, padlen, (uint8_t)padlen, IPPROTO_TCP, bad);
	TAP_CHECK(refused(&f, bad, len, -EACCES, &s->selector),
		  "%s inner TCP segment too short / port 5066 not bound: -EACCES", pair_name(&f));

	l4_len = test_udp(l4, 20, 5062, 5064);
	len = forge(&f, 0, l4, l4_len, pad, padlen, (uint8_t)padlen, IPPROTO_UDP, bad);
	TAP_CHECK(refused(&f, bad, len, -ERANGE, &s->replay), "%s sequence number 0: -ERANGE",
		  pair_name(&f));

	/* the refused packets 11..17 did not mark their numbers: a good 11 still passes */
	len = forge(&f, 11, l4, l4_len, pad, padlen, (uint8_t)padlen, IPPROTO_UDP, bad);
	TAP_CHECK(!esp_decap(f.in, bad, len, &(struct esp_inner){}),
		  "%s refused packets left the window untouched", pair_name(&f));

	/* left of the window: accept 200, then 11+... up to 136 are too old for 64 */
	len = forge(&f, 200, l4, l4_len, pad, padlen, (uint8_t)padlen, IPPROTO_UDP, bad);
	esp_decap(f.in, bad, len, &(struct esp_inner){});
	len = forge(&f, 136, l4, l4_len, pad, padlen, (uint8_t)padlen, IPPROTO_UDP, bad);
	TAP_CHECK(refused(&f, bad, len, -ERANGE, &s->replay),
		  "%s packet left of the 64 window: -ERANGE", pair_name(&f));
	len = forge(&f, 137, l4, l4_len, pad, padlen, (uint8_t)padlen, IPPROTO_UDP, bad);
	TAP_CHECK(!esp_decap(f.in, bad, len, &(struct esp_inner){}),
		  "%s packet at the left edge of the window accepted", pair_name(&f));
	teardown(&f);
}

static void test_window(void)
{
	struct esp_replay r;
	bool ok = true;

	TAP_CHECK(esp_replay_init(&r, 63) == -EINVAL && esp_replay_init(&r, 4097) == -EINVAL &&
			  !esp_replay_init(&r, 0) && r.size == 64 && !esp_replay_init(&r, 4096),
		  "window size: 0 means 64, 64..4096 allowed, else -EINVAL");

	/* window 4096: accept every odd number up to 5001, then the evens, out of order */
	esp_replay_init(&r, 4096);
	for (uint32_t s = 1; s <= 5001 && ok; s += 2) {
		ok = !esp_replay_check(&r, s);
		esp_replay_update(&r, s);
	}
	for (uint32_t s = 5000; s > 5001 - 4096 && ok; s -= 2) {
		ok = !esp_replay_check(&r, s) && esp_replay_check(&r, s + 1) == -EALREADY;
		esp_replay_update(&r, s);
	}
	ok = ok && esp_replay_check(&r, 5001 - 4096) == -ERANGE &&
	     esp_replay_check(&r, 5001 - 4095) == -EALREADY;
	TAP_CHECK(ok, "window 4096: out-of-order acceptance, duplicates and left edge");

	/* a big jump clears the whole ring */
	esp_replay_init(&r, 128);
	esp_replay_update(&r, 5);
	esp_replay_update(&r, 1000000);
	ok = !esp_replay_check(&r, 1000000 - 127) &&
	     esp_replay_check(&r, 1000000 - 128) == -ERANGE &&
	     esp_replay_check(&r, 1000000) == -EALREADY && !esp_replay_check(&r, 999999);
	/* the top of the sequence space */
	esp_replay_update(&r, UINT32_MAX);
	ok = ok && esp_replay_check(&r, UINT32_MAX) == -EALREADY &&
	     !esp_replay_check(&r, UINT32_MAX - 1);
	TAP_CHECK(ok, "window 128: jump of 10^6 and the top of the sequence space");
}

static void test_outbound_limits(void)
{
	struct fixture f;
	uint8_t l4[64], pkt[256];
	size_t l4_len = test_udp(l4, 20, 5062, 5064), len;
	bool ok;

	ok = !setup(&f, AF_INET, &test_pairs[1], 0);
	esp_sa_set_seq(f.out, UINT32_MAX - 1);
	ok = ok && !esp_encap(f.out, IPPROTO_UDP, l4, l4_len, pkt, sizeof(pkt), &len) &&
	     esp_get_be32(pkt + 24) == UINT32_MAX && esp_sa_needs_rekey(f.out);
	ok = ok && esp_encap(f.out, IPPROTO_UDP, l4, l4_len, pkt, sizeof(pkt), &len) == -ENOSPC &&
	     esp_encap(f.out, IPPROTO_UDP, l4, l4_len, pkt, sizeof(pkt), &len) == -ENOSPC &&
	     esp_sa_stats(f.out)->seq_exhausted == 2 && esp_sa_stats(f.out)->packets == 2;
	TAP_CHECK(ok, "outbound: seq 2^32-1 is the last, then -ENOSPC and the SA wants rekey");

	ok = esp_encap(f.out, IPPROTO_UDP, l4, l4_len, pkt, 40, &len) == -EMSGSIZE;
	ok = ok && esp_encap(f.out, 1 /* ICMP */, l4, l4_len, pkt, sizeof(pkt), &len) == -EINVAL;
	l4_len = test_udp(l4, 20, 5062, 5070);
	ok = ok && esp_encap(f.out, IPPROTO_UDP, l4, l4_len, pkt, sizeof(pkt), &len) == -EACCES;
	TAP_CHECK(ok, "outbound: -EMSGSIZE, -EINVAL for ICMP, -EACCES for unbound ports");
	teardown(&f);

	{
		struct esp_sa_params p;
		int err = 0;

		test_params(&p, AF_INET, true, ESP_AUTH_HMAC_SHA1_96, ESP_ENC_AES_GCM);
		ok = !esp_sa_create(&p, &err) && err == -EINVAL;
		test_params(&p, AF_INET, true, ESP_AUTH_HMAC_SHA1_96, ESP_ENC_AES_CBC);
		p.spi = 255;
		ok = ok && !esp_sa_create(&p, &err) && err == -EINVAL;
		p.spi = 256;
		p.family = AF_UNIX;
		ok = ok && !esp_sa_create(&p, &err) && err == -EAFNOSUPPORT;
		p.family = AF_INET;
		p.src[10] = 0; /* IPv4 but not v4-mapped */
		ok = ok && !esp_sa_create(&p, &err) && err == -EINVAL;
		TAP_CHECK(ok,
			  "esp_sa_create refuses bad pairs, reserved SPIs, families, addresses");
	}
	{
		bool spis = true;

		for (int i = 0; i < 1000; i++)
			spis &= esp_random_spi() >= 256;
		TAP_CHECK(spis, "esp_random_spi never returns a reserved SPI");
	}
}

int main(void)
{
	for (int fam = 0; fam < 2; fam++)
		for (size_t i = 0; i < N_TEST_PAIRS; i++)
			test_pair(fam ? AF_INET6 : AF_INET, &test_pairs[i]);
	test_window();
	test_outbound_limits();
	return tap_done();
}
