// SPDX-License-Identifier: GPL-2.0
/* Milenage against TS 35.208 test sets 1-6, and the AKA vector / check / resync round trips. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "aka/milenage.h"
#include "tap.h"

struct mset {
	const char *k, *rand, *sqn, *amf, *op, *opc;
	const char *f1, *f1s, *f2, *f5, *f3, *f4, *f5s;
};

/* TS 35.208 section 4.3 / 35.207 test sets 1 to 6 */
static const struct mset sets[] = {
	{"465b5ce8b199b49faa5f0a2ee238a6bc", "23553cbe9637a89d218ae64dae47bf35", "ff9bb4d0b607",
	 "b9b9", "cdc202d5123e20f62b6d676ac72cb318", "cd63cb71954a9f4e48a5994e37a02baf",
	 "4a9ffac354dfafb3", "01cfaf9ec4e871e9", "a54211d5e3ba50bf", "aa689c648370",
	 "b40ba9a3c58b2a05bbf0d987b21bf8cb", "f769bcd751044604127672711c6d3441", "451e8beca43b"},
	{"0396eb317b6d1c36f19c1c84cd6ffd16", "c00d603103dcee52c4478119494202e8", "fd8eef40df7d",
	 "af17", "ff53bade17df5d4e793073ce9d7579fa", "53c15671c60a4b731c55b4a441c0bde2",
	 "5df5b31807e258b0", "a8c016e51ef4a343", "d3a628ed988620f0", "c47783995f72",
	 "58c433ff7a7082acd424220f2b67c556", "21a8c1f929702adb3e738488b9f5c5da", "30f1197061c1"},
	{"fec86ba6eb707ed08905757b1bb44b8f", "9f7c8d021accf4db213ccff0c7f71a6a", "9d0277595ffc",
	 "725c", "dbc59adcb6f9a0ef735477b7fadf8374", "1006020f0a478bf6b699f15c062e42b3",
	 "9cabc3e99baf7281", "95814ba2b3044324", "8011c48c0c214ed2", "33484dc2136b",
	 "5dbdbb2954e8f3cde665b046179a5098", "59a92d3b476a0443487055cf88b2307b", "deacdd848cc6"},
	{"9e5944aea94b81165c82fbf9f32db751", "ce83dbc54ac0274a157c17f80d017bd6", "0b604a81eca8",
	 "9e09", "223014c5806694c007ca1eeef57f004f", "a64a507ae1a2a98bb88eb4210135dc87",
	 "74a58220cba84c49", "ac2cc74a96871837", "f365cd683cd92e96", "f0b9c08ad02e",
	 "e203edb3971574f5a94b0d61b816345d", "0c4524adeac041c4dd830d20854fc46b", "6085a86c6f63"},
	{"4ab1deb05ca6ceb051fc98e77d026a84", "74b0cd6031a1c8339b2b6ce2b8c4a186", "e880a1b580b6",
	 "9f07", "2d16c5cd1fdf6b22383584e3bef2a8d8", "dcf07cbd51855290b92a07a9891e523e",
	 "49e785dd12626ef2", "9e85790336bb3fa2", "5860fc1bce351e7e", "31e11a609118",
	 "7657766b373d1c2138f307e3de9242f9", "1c42e960d89b8fa99f2744e0708ccb53", "fe2555e54aa9"},
	{"6c38a116ac280c454f59332ee35c8c4f", "ee6466bc96202c5a557abbeff8babf63", "414b98222181",
	 "4464", "1ba00a1a7c6700ac8c3ff3e96ad08725", "3803ef5363b947c6aaa225e58fae3934",
	 "078adfb488241a57", "80246b8d0186bcf1", "16c8233f05a0ac28", "45b0f69ab06c",
	 "3f8c7587fe8e4b233af676aede30ba3b", "a7466cc1e6b2a1337d49d3b66e95d7b4", "1f53cd2b1113"},
};

static void unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int v;

		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static bool eq(const uint8_t *got, const char *want_hex, size_t n)
{
	uint8_t w[16];

	unhex(want_hex, w, n);
	return !memcmp(got, w, n);
}

static void test_sets(void)
{
	size_t i;

	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		const struct mset *s = &sets[i];
		uint8_t k[16], rand[16], sqn[6], amf[2], op[16], opc[16];
		uint8_t mac_a[8], mac_s[8], res[8], ck[16], ik[16], ak[6], aks[6];
		int n = (int)i + 1;

		unhex(s->k, k, 16);
		unhex(s->rand, rand, 16);
		unhex(s->sqn, sqn, 6);
		unhex(s->amf, amf, 2);
		unhex(s->op, op, 16);

		TAP_CHECK(milenage_opc(k, op, opc) == 0 && eq(opc, s->opc, 16), "set %d: OPc", n);
		unhex(s->opc, opc, 16); /* later checks independent of the OPc result */
		TAP_CHECK(milenage_f1(k, opc, rand, sqn, amf, mac_a, mac_s) == 0 &&
				  eq(mac_a, s->f1, 8) && eq(mac_s, s->f1s, 8),
			  "set %d: f1 and f1*", n);
		TAP_CHECK(milenage_f2345(k, opc, rand, res, ck, ik, ak, aks) == 0 &&
				  eq(res, s->f2, 8) && eq(ck, s->f3, 16) && eq(ik, s->f4, 16) &&
				  eq(ak, s->f5, 6) && eq(aks, s->f5s, 6),
			  "set %d: f2 f3 f4 f5 f5*", n);
	}
}

static void test_partial_outputs(void)
{
	const struct mset *s = &sets[0];
	uint8_t k[16], rand[16], opc[16], ik[16], aks[6], mac_s[8], sqn[6], amf[2];

	unhex(s->k, k, 16);
	unhex(s->rand, rand, 16);
	unhex(s->opc, opc, 16);
	unhex(s->sqn, sqn, 6);
	unhex(s->amf, amf, 2);
	TAP_CHECK(milenage_f2345(k, opc, rand, NULL, NULL, ik, NULL, aks) == 0 &&
			  eq(ik, s->f4, 16) && eq(aks, s->f5s, 6),
		  "f2345 with NULL outputs");
	TAP_CHECK(milenage_f1(k, opc, rand, sqn, amf, NULL, mac_s) == 0 && eq(mac_s, s->f1s, 8),
		  "f1 with MAC-A NULL");
}

static void test_aka_round_trip(void)
{
	const struct mset *s = &sets[0];
	uint8_t k[16], rand[16], opc[16], sqn[6], amf[2];
	uint8_t got_sqn[6], res[8], ck[16], ik[16], auts[14], sqn_ms[6], bad[16];
	struct aka_vector v;
	int rc;

	unhex(s->k, k, 16);
	unhex(s->rand, rand, 16);
	unhex(s->opc, opc, 16);
	unhex(s->sqn, sqn, 6);
	unhex(s->amf, amf, 2);

	TAP_CHECK(milenage_generate(k, opc, rand, sqn, amf, &v) == 0 &&
			  eq(v.autn, "55f328b43577b9b94a9ffac354dfafb3", 16) &&
			  eq(v.xres, s->f2, 8) && eq(v.ck, s->f3, 16) && eq(v.ik, s->f4, 16) &&
			  !memcmp(v.rand, rand, 16),
		  "vector: AUTN = SQN^AK || AMF || MAC-A, XRES CK IK (set 1)");

	rc = milenage_check(k, opc, v.rand, v.autn, got_sqn, res, ck, ik);
	TAP_CHECK(rc == 0 && !memcmp(got_sqn, sqn, 6) && !memcmp(res, v.xres, 8) &&
			  !memcmp(ck, v.ck, 16) && !memcmp(ik, v.ik, 16),
		  "UE check: MAC verifies, SQN recovered, RES CK IK match");

	memcpy(bad, v.autn, 16);
	bad[15] ^= 0x01;
	memset(res, 0xee, sizeof(res));
	rc = milenage_check(k, opc, v.rand, bad, got_sqn, res, ck, ik);
	TAP_CHECK(rc == -EBADMSG && res[0] == 0xee, "UE check: flipped MAC bit is -EBADMSG");
	memcpy(bad, v.autn, 16);
	bad[0] ^= 0x80; /* SQN changes, so MAC-A no longer matches */
	TAP_CHECK(milenage_check(k, opc, v.rand, bad, NULL, NULL, NULL, NULL) == -EBADMSG,
		  "UE check: tampered SQN is -EBADMSG");
	bad[0] ^= 0x80;
	bad[6] ^= 0x01; /* AMF is covered by MAC-A too */
	TAP_CHECK(milenage_check(k, opc, v.rand, bad, NULL, NULL, NULL, NULL) == -EBADMSG,
		  "UE check: tampered AMF is -EBADMSG");
	k[0] ^= 1;
	TAP_CHECK(milenage_check(k, opc, v.rand, v.autn, NULL, NULL, NULL, NULL) == -EBADMSG,
		  "UE check: wrong K is -EBADMSG");
	k[0] ^= 1;

	/* resync: the UE holds a higher SQN and proves it with AUTS */
	unhex("ff9bb4d0b6ff", sqn_ms, 6);
	TAP_CHECK(milenage_auts(k, opc, rand, sqn_ms, auts) == 0, "AUTS built");
	{
		uint8_t aks[6], mac_s[8], zero_amf[2] = {0, 0};
		int i;
		bool ok = milenage_f2345(k, opc, rand, NULL, NULL, NULL, NULL, aks) == 0 &&
			  milenage_f1(k, opc, rand, sqn_ms, zero_amf, NULL, mac_s) == 0 &&
			  !memcmp(auts + 6, mac_s, 8);

		for (i = 0; i < 6; i++)
			ok = ok && auts[i] == (sqn_ms[i] ^ aks[i]);
		TAP_CHECK(ok, "AUTS = SQN_MS^AK* || f1*(SQN_MS, AMF 0000)");
	}
	memset(got_sqn, 0, 6);
	TAP_CHECK(milenage_resync(k, opc, rand, auts, got_sqn) == 0 && !memcmp(got_sqn, sqn_ms, 6),
		  "network resync recovers SQN_MS");
	auts[13] ^= 0x10;
	TAP_CHECK(milenage_resync(k, opc, rand, auts, got_sqn) == -EBADMSG,
		  "network resync: bad MAC-S is -EBADMSG");
}

int main(void)
{
	test_sets();
	test_partial_outputs();
	test_aka_round_trip();
	return tap_done();
}
