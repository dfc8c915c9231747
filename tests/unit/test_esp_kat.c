// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer tests for the ESP transforms and the 33.203 annex I keys.
 * Vectors: RFC 2202 (HMAC-SHA-1 / HMAC-MD5, truncated to 96 bits as in
 * RFC 2404 / RFC 2403), RFC 3602 cases 1-4 (AES-128-CBC), McGrew/Viega
 * "The Galois/Counter Mode of Operation" test cases 1-4 (AES-128-GCM; case 1
 * is a GMAC of nothing). All run through the SA's own keyed contexts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"
#include "esp_test_util.h"
#include "esp/esp_priv.h"

struct hmac_kat {
	enum esp_auth a;
	const char *key; /* hex, or NULL: use key_byte repeated key_len times */
	uint8_t key_byte;
	size_t key_len;
	const char *data; /* text, or NULL: data_byte repeated data_len times */
	uint8_t data_byte;
	size_t data_len;
	const char *mac; /* full HMAC from RFC 2202; the ICV is its first 96 bits */
};

static const char *const LONG1 = "Test Using Larger Than Block-Size Key - Hash Key First";
static const char *const LONG2 =
	"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data";
static const char *const KEY25 = "0102030405060708090a0b0c0d0e0f10111213141516171819";

static const struct hmac_kat hmac_kats[] = {
	/* RFC 2202 section 3, HMAC-SHA-1 test cases 1-7 */
	{ESP_AUTH_HMAC_SHA1_96, NULL, 0x0b, 20, "Hi There", 0, 0,
	 "b617318655057264e28bc0b6fb378c8ef146be00"},
	{ESP_AUTH_HMAC_SHA1_96, "4a656665", 0, 0, "what do ya want for nothing?", 0, 0,
	 "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
	{ESP_AUTH_HMAC_SHA1_96, NULL, 0xaa, 20, NULL, 0xdd, 50,
	 "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
	{ESP_AUTH_HMAC_SHA1_96, KEY25, 0, 0, NULL, 0xcd, 50,
	 "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
	{ESP_AUTH_HMAC_SHA1_96, NULL, 0x0c, 20, "Test With Truncation", 0, 0,
	 "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
	{ESP_AUTH_HMAC_SHA1_96, NULL, 0xaa, 80, LONG1, 0, 0,
	 "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
	{ESP_AUTH_HMAC_SHA1_96, NULL, 0xaa, 80, LONG2, 0, 0,
	 "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
	/* RFC 2202 section 2, HMAC-MD5 test cases 1-7 */
	{ESP_AUTH_HMAC_MD5_96, NULL, 0x0b, 16, "Hi There", 0, 0,
	 "9294727a3638bb1c13f48ef8158bfc9d"},
	{ESP_AUTH_HMAC_MD5_96, "4a656665", 0, 0, "what do ya want for nothing?", 0, 0,
	 "750c783e6ab0b503eaa86e310a5db738"},
	{ESP_AUTH_HMAC_MD5_96, NULL, 0xaa, 16, NULL, 0xdd, 50, "56be34521d144c88dbb8c733f0e8b3f6"},
	{ESP_AUTH_HMAC_MD5_96, KEY25, 0, 0, NULL, 0xcd, 50, "697eaf0aca3a3aea3a75164746ffaa79"},
	{ESP_AUTH_HMAC_MD5_96, NULL, 0x0c, 16, "Test With Truncation", 0, 0,
	 "56461ef2342edc00f9bab995690efd4c"},
	{ESP_AUTH_HMAC_MD5_96, NULL, 0xaa, 80, LONG1, 0, 0, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
	{ESP_AUTH_HMAC_MD5_96, NULL, 0xaa, 80, LONG2, 0, 0, "6f630fad67cda0ee1fb1f562db3aa53e"},
};

static struct esp_sa *raw_sa(bool inbound, enum esp_auth a, enum esp_enc e,
			     const struct esp_keys *k)
{
	struct esp_sa_params p;
	int err;
	struct esp_sa *sa;

	test_params(&p, AF_INET, inbound, a, e);
	sa = esp_sa_create_raw(&p, k, &err);
	if (!sa)
		tap_diag("esp_sa_create_raw(%s, %s): %d", esp_auth_name(a), esp_enc_name(e), err);
	return sa;
}

static void test_hmac(void)
{
	for (size_t i = 0; i < sizeof(hmac_kats) / sizeof(hmac_kats[0]); i++) {
		const struct hmac_kat *t = &hmac_kats[i];
		uint8_t key[80], data[128], want[20], icv[12];
		size_t klen, dlen;
		int rc;

		if (t->key) {
			klen = unhex(t->key, key, sizeof(key));
		} else {
			klen = t->key_len;
			memset(key, t->key_byte, klen);
		}
		if (t->data) {
			dlen = strlen(t->data);
			memcpy(data, t->data, dlen);
		} else {
			dlen = t->data_len;
			memset(data, t->data_byte, dlen);
		}
		unhex(t->mac, want, sizeof(want));
		rc = esp_hmac96(t->a, key, klen, data, dlen, icv);
		TAP_CHECK(!rc && !memcmp(icv, want, 12),
			  "RFC 2202 %s case %zu truncated to 96 bits", esp_auth_name(t->a),
			  i % 7 + 1);

		/* cases whose key has the ESP key length also run through an SA's context */
		if (klen == (t->a == ESP_AUTH_HMAC_SHA1_96 ? 20u : 16u) && dlen >= 8) {
			struct esp_keys k = {.auth_len = (uint8_t)klen};
			uint8_t buf[160];
			struct esp_sa *sa;

			memcpy(k.auth, key, klen);
			sa = raw_sa(false, t->a, ESP_ENC_NULL, &k);
			memcpy(buf, data, dlen);
			/* NULL encryption: the ICV covers exactly the bytes before it */
			rc = sa ? esp_crypto_seal(sa, buf, dlen - 8) : -1;
			TAP_CHECK(!rc && !memcmp(buf + dlen, want, 12),
				  "RFC 2202 %s case %zu via an SA context", esp_auth_name(t->a),
				  i % 7 + 1);
			esp_sa_destroy(sa);
		}
	}
}

struct cbc_kat {
	const char *key, *iv, *pt, *ct;
	bool pt_text;
};

/* RFC 3602 section 4, cases 1-4 */
static const struct cbc_kat cbc_kats[] = {
	{"06a9214036b8a15b512e03d534120006", "3dafba429d9eb430b422da802c9fac41", "Single block msg",
	 "e353779c1079aeb82708942dbe77181a", true},
	{"c286696d887c9aa0611bbb3e2025a45a", "562e17996d093d28ddb3ba695a2e6f58",
	 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	 "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1", false},
	{"6c3ea0477630ce21a2ce334aa746c2cd", "c782dc4c098c66cbd9cd27d825682c81",
	 "This is a 48-byte message (exactly 3 AES blocks)",
	 "d0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5"
	 "021c19216bad525c8579695d83ba2684",
	 true},
	{"56e47a38c5598974bc46903dba290349", "8ce82eefbea0da3c44699ed7db51b7d9",
	 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	 "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
	 "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e"
	 "35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee99d49a53e87f4c3da55",
	 false},
};

static void test_cbc(void)
{
	for (size_t i = 0; i < sizeof(cbc_kats) / sizeof(cbc_kats[0]); i++) {
		const struct cbc_kat *t = &cbc_kats[i];
		struct esp_keys k = {.enc_len = 16, .auth_len = 20};
		uint8_t buf[8 + 16 + 64 + 12], pt[64], ct[64];
		struct esp_sa *out, *in;
		size_t n;
		int rc = -1;

		unhex(t->key, k.enc, 16);
		if (t->pt_text) {
			n = strlen(t->pt);
			memcpy(pt, t->pt, n);
		} else {
			n = unhex(t->pt, pt, sizeof(pt));
		}
		unhex(t->ct, ct, sizeof(ct));
		out = raw_sa(false, ESP_AUTH_HMAC_SHA1_96, ESP_ENC_AES_CBC, &k);
		in = raw_sa(true, ESP_AUTH_HMAC_SHA1_96, ESP_ENC_AES_CBC, &k);
		memset(buf, 0x11, 8);
		unhex(t->iv, buf + 8, 16);
		memcpy(buf + 24, pt, n);
		if (out)
			rc = esp_crypto_seal(out, buf, n);
		TAP_CHECK(!rc && !memcmp(buf + 24, ct, n), "RFC 3602 case %zu AES-128-CBC encrypt",
			  i + 1);
		rc = in ? esp_crypto_open(in, buf, n) : -1;
		TAP_CHECK(!rc && !memcmp(buf + 24, pt, n), "RFC 3602 case %zu AES-128-CBC decrypt",
			  i + 1);
		esp_sa_destroy(out);
		esp_sa_destroy(in);
	}
}

struct gcm_kat {
	const char *key, *iv, *pt, *aad, *ct, *tag;
};

#define GCM_K3 "feffe9928665731c6d6a8f9467308308"
#define GCM_P3                                                                                     \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"                         \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_C3                                                                                     \
	"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"                         \
	"21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"

/* McGrew/Viega, "The Galois/Counter Mode of Operation", appendix B, test cases 1-4 */
static const struct gcm_kat gcm_kats[] = {
	{"00000000000000000000000000000000", "000000000000000000000000", "", "", "",
	 "58e2fccefa7e3061367f1d57a4e7455a"},
	{"00000000000000000000000000000000", "000000000000000000000000",
	 "00000000000000000000000000000000", "", "0388dace60b6a392f328c2b971b2fe78",
	 "ab6e47d42cec13bdf53a67b21257bddf"},
	{GCM_K3, "cafebabefacedbaddecaf888", GCM_P3 "1aafd255", "", GCM_C3 "473f5985",
	 "4d5c2af327cd64a62cf35abd2ba6fab4"},
	{GCM_K3, "cafebabefacedbaddecaf888", GCM_P3, "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	 GCM_C3, "5bc94fbc3221a5db94fae95ae7121a47"},
};

static void test_gcm(void)
{
	for (size_t i = 0; i < sizeof(gcm_kats) / sizeof(gcm_kats[0]); i++) {
		const struct gcm_kat *t = &gcm_kats[i];
		struct esp_keys k = {.enc_len = 16};
		uint8_t nonce[12], pt[64], ct[64], aad[32], tag[16], buf[64], got[16];
		size_t n, alen;
		struct esp_sa *out, *in;
		int rc = -1;

		unhex(t->key, k.enc, 16);
		unhex(t->iv, nonce, 12);
		memcpy(k.salt, nonce, 4); /* the ESP nonce is salt || IV */
		n = unhex(t->pt, pt, sizeof(pt));
		alen = unhex(t->aad, aad, sizeof(aad));
		unhex(t->ct, ct, sizeof(ct));
		unhex(t->tag, tag, sizeof(tag));
		out = raw_sa(false, ESP_AUTH_NULL, ESP_ENC_AES_GCM, &k);
		in = raw_sa(true, ESP_AUTH_NULL, ESP_ENC_AES_GCM, &k);
		memcpy(buf, pt, n);
		if (out)
			rc = esp_crypto_gcm_seal(out, nonce, aad, alen, buf, n, got);
		TAP_CHECK(!rc && !memcmp(buf, ct, n) && !memcmp(got, tag, 16),
			  "GCM spec test case %zu AES-128-GCM seal", i + 1);
		rc = in ? esp_crypto_gcm_open(in, nonce, aad, alen, buf, n, tag) : -1;
		TAP_CHECK(!rc && !memcmp(buf, pt, n), "GCM spec test case %zu AES-128-GCM open",
			  i + 1);
		tag[15] ^= 1;
		memcpy(buf, ct, n);
		rc = in ? esp_crypto_gcm_open(in, nonce, aad, alen, buf, n, tag) : -1;
		TAP_CHECK(rc == -EBADMSG,
			  "GCM spec test case %zu with a flipped tag bit is refused", i + 1);
		esp_sa_destroy(out);
		esp_sa_destroy(in);
	}
}

struct kdf_kat {
	enum esp_auth a;
	enum esp_enc e;
	const char *enc, *auth, *salt;
};

/*
 * 33.203 annex I with Milenage test set 1 CK/IK. The salts were computed
 * independently with Python (hmac + hashlib):
 *   hmac.new(CK + IK, bytes([0x59]) + b"AES_GCM_SALT" + (12).to_bytes(2, "big"),
 *            hashlib.sha256).hexdigest()
 *   = 990208b8e98def9647b3267bbc4fb85ba56472b9fe616bae6ed8e3d589273db6
 *   and with 0x58, b"AES_GMAC_SALT", 13:
 *   = de2d8fa4a81e8872bed63550622ea1e4b741f4e0ef633fa3ecbf4e12dbc2b1c2
 * salt = the 32 least significant bits = the last four bytes.
 */
static const char *const KDF_GCM_FULL =
	"990208b8e98def9647b3267bbc4fb85ba56472b9fe616bae6ed8e3d589273db6";

static const struct kdf_kat kdf_kats[] = {
	{ESP_AUTH_HMAC_SHA1_96, ESP_ENC_NULL, "", "f769bcd751044604127672711c6d344100000000", ""},
	{ESP_AUTH_HMAC_MD5_96, ESP_ENC_NULL, "", "f769bcd751044604127672711c6d3441", ""},
	{ESP_AUTH_HMAC_SHA1_96, ESP_ENC_AES_CBC, "b40ba9a3c58b2a05bbf0d987b21bf8cb",
	 "f769bcd751044604127672711c6d344100000000", ""},
	{ESP_AUTH_HMAC_MD5_96, ESP_ENC_DES_EDE3_CBC,
	 "b40ba9a3c58b2a05bbf0d987b21bf8cbb40ba9a3c58b2a05", "f769bcd751044604127672711c6d3441",
	 ""},
	{ESP_AUTH_NULL, ESP_ENC_AES_GCM, "b40ba9a3c58b2a05bbf0d987b21bf8cb", "", "89273db6"},
	{ESP_AUTH_AES_GMAC, ESP_ENC_NULL, "f769bcd751044604127672711c6d3441", "", "dbc2b1c2"},
};

static void test_kdf(void)
{
	uint8_t ck[16], ik[16], key[32], out[32], want[32];
	int rc;

	unhex(MIL_CK, ck, 16);
	unhex(MIL_IK, ik, 16);
	for (size_t i = 0; i < sizeof(kdf_kats) / sizeof(kdf_kats[0]); i++) {
		const struct kdf_kat *t = &kdf_kats[i];
		uint8_t we[32], wa[32], ws[4] = {0};
		size_t el = unhex(t->enc, we, 32), al = unhex(t->auth, wa, 32);
		struct esp_keys k;

		unhex(t->salt, ws, 4);
		rc = esp_derive_keys(t->a, t->e, ck, ik, &k);
		TAP_CHECK(!rc && k.enc_len == el && k.auth_len == al && !memcmp(k.enc, we, el) &&
				  !memcmp(k.auth, wa, al) && !memcmp(k.salt, ws, 4),
			  "33.203 annex I keys for alg=%s ealg=%s", esp_auth_name(t->a),
			  esp_enc_name(t->e));
	}
	memcpy(key, ck, 16);
	memcpy(key + 16, ik, 16);
	unhex(KDF_GCM_FULL, want, 32);
	rc = esp_kdf_33220(key, 32, 0x59, (const uint8_t *)"AES_GCM_SALT", 12, out);
	TAP_CHECK(!rc && !memcmp(out, want, 32),
		  "33.220 KDF(CK||IK, 0x59, AES_GCM_SALT) matches Python hmac/hashlib");
	/* a chacha20-poly1305 key set exists and differs from the GCM one */
	{
		struct esp_keys k;

		rc = esp_derive_keys(ESP_AUTH_NULL, ESP_ENC_CHACHA20_POLY1305, ck, ik, &k);
		TAP_CHECK(!rc && k.enc_len == 32 && memcmp(k.salt, want + 28, 4),
			  "chacha20-poly1305 keys derived (project-local labels)");
	}
	rc = esp_derive_keys(ESP_AUTH_HMAC_SHA1_96, ESP_ENC_AES_GCM, ck, ik, &(struct esp_keys){});
	TAP_CHECK(rc == -EINVAL, "no keys for the invalid pair hmac-sha-1-96 + aes-gcm");
}

static void test_names(void)
{
	static const char *const auths[] = {"hmac-sha-1-96", "hmac-md5-96", "aes-gmac", "null"};
	static const char *const encs[] = {"null", "aes-cbc", "des-ede3-cbc", "aes-gcm",
					   "chacha20-poly1305"};
	enum esp_auth a;
	enum esp_enc e;
	bool ok = true;

	for (size_t i = 0; i < 4; i++)
		ok &= !esp_auth_from_name(auths[i], &a) && !strcmp(esp_auth_name(a), auths[i]);
	for (size_t i = 0; i < 5; i++)
		ok &= !esp_enc_from_name(encs[i], &e) && !strcmp(esp_enc_name(e), encs[i]);
	TAP_CHECK(ok, "33.203 algorithm names round-trip");
	TAP_CHECK(esp_auth_from_name("hmac-sha-256-128", &a) == -EINVAL &&
			  esp_enc_from_name("aes-ctr", &e) == -EINVAL &&
			  esp_auth_from_name(NULL, &a) == -EINVAL,
		  "unknown algorithm names are -EINVAL");

	/* every valid pair, and a sample of invalid ones */
	for (size_t i = 0; i < N_TEST_PAIRS; i++)
		ok &= !esp_alg_check(test_pairs[i].a, test_pairs[i].e);
	TAP_CHECK(ok, "the nine supported pairs are valid");
	TAP_CHECK(esp_alg_check(ESP_AUTH_NULL, ESP_ENC_NULL) == -EINVAL &&
			  esp_alg_check(ESP_AUTH_NULL, ESP_ENC_AES_CBC) == -EINVAL &&
			  esp_alg_check(ESP_AUTH_HMAC_SHA1_96, ESP_ENC_AES_GCM) == -EINVAL &&
			  esp_alg_check(ESP_AUTH_AES_GMAC, ESP_ENC_AES_CBC) == -EINVAL &&
			  esp_alg_check(ESP_AUTH_HMAC_MD5_96, ESP_ENC_CHACHA20_POLY1305) == -EINVAL,
		  "invalid pairs (no integrity, aes-gcm with alg, aes-gmac with ealg) are -EINVAL");
}

/* Every pair, IPv4 and IPv6: encap then decap gives back the segment. */
static void test_roundtrip(void)
{
	for (int fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET;

		for (size_t i = 0; i < N_TEST_PAIRS; i++) {
			struct esp_sa_params p;
			struct esp_sa *out, *in;
			struct esp_inner inner;
			uint8_t l4[1500], pkt[1600];
			size_t l4_len = 0, len = 0;
			bool ok = true;
			int err;

			test_params(&p, family, false, test_pairs[i].a, test_pairs[i].e);
			out = esp_sa_create(&p, &err);
			p.inbound = true;
			in = esp_sa_create(&p, &err);
			ok = out && in;
			for (size_t plen = 0; ok && plen < 1400; plen += 97) {
				l4_len = test_udp(l4, plen, 5062, 5064);
				ok = !esp_encap(out, IPPROTO_UDP, l4, l4_len, pkt, sizeof(pkt),
						&len) &&
				     len == esp_encap_size(out, l4_len) &&
				     esp_peek_spi(pkt, len) == 0x1000 &&
				     !esp_decap(in, pkt, len, &inner) &&
				     inner.next_hdr == IPPROTO_UDP && inner.l4_len == l4_len &&
				     !memcmp(inner.l4, l4, l4_len) &&
				     inner.ip + inner.ip_len == inner.l4 + l4_len;
				if (ok && family == AF_INET)
					ok = inner.ip[9] == IPPROTO_UDP &&
					     esp_ipv4_csum(inner.ip, 20) == 0 &&
					     (size_t)(inner.ip[2] << 8 | inner.ip[3]) ==
						     inner.ip_len;
				if (ok && family == AF_INET6)
					ok = inner.ip[6] == IPPROTO_UDP &&
					     (size_t)(inner.ip[4] << 8 | inner.ip[5]) + 40 ==
						     inner.ip_len;
			}
			TAP_CHECK(ok && esp_sa_stats(in)->packets == 15,
				  "round trip %s %s + %s, 15 sizes", fam ? "IPv6" : "IPv4",
				  esp_auth_name(test_pairs[i].a), esp_enc_name(test_pairs[i].e));
			esp_sa_destroy(out);
			esp_sa_destroy(in);
		}
	}
}

/* IPv6 with a destination options header before ESP: found, and rewritten after decap. */
static void test_v6_exthdr(void)
{
	struct esp_sa_params p;
	struct esp_sa *out, *in;
	struct esp_inner inner;
	uint8_t l4[128], pkt[512], ext[600];
	size_t l4_len = test_udp(l4, 40, 5062, 5064), len = 0;
	int err, rc = -1;

	test_params(&p, AF_INET6, false, ESP_AUTH_NULL, ESP_ENC_AES_GCM);
	out = esp_sa_create(&p, &err);
	p.inbound = true;
	in = esp_sa_create(&p, &err);
	if (out && in && !esp_encap(out, IPPROTO_UDP, l4, l4_len, pkt, sizeof(pkt), &len)) {
		static const uint8_t dstopts[8] = {IPPROTO_ESP, 0, 1, 4, 0, 0, 0, 0}; /* PadN */

		memcpy(ext, pkt, 40);
		memcpy(ext + 40, dstopts, 8);
		memcpy(ext + 48, pkt + 40, len - 40);
		ext[6] = IPPROTO_DSTOPTS;
		ext[5] = (uint8_t)(ext[5] + 8); /* payload length, < 256 here */
		rc = esp_decap(in, ext, len + 8, &inner);
	}
	TAP_CHECK(!rc && inner.l4_len == l4_len && !memcmp(inner.l4, l4, l4_len) &&
			  inner.ip_len == 48 + l4_len && inner.ip[6] == IPPROTO_DSTOPTS &&
			  inner.ip[40] == IPPROTO_UDP && inner.ip[5] == 8 + l4_len,
		  "IPv6 with a destination options header: ESP found, next header rewritten");
	esp_sa_destroy(out);
	esp_sa_destroy(in);
}

int main(void)
{
	test_names();
	test_hmac();
	test_cbc();
	test_gcm();
	test_kdf();
	test_roundtrip();
	test_v6_exthdr();
	return tap_done();
}
