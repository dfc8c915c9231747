// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for ESP fragment reassembly (esp_reasm.c). The input is
 * a sequence of records, each: one control byte, a 16-bit length, then that
 * many bytes. Control bit 7 clear: the bytes are an IP packet as the wire
 * gave it. Bit 7 set: the first 5 bytes name a fragment (offset in 8-byte
 * units, 16 bits; a length byte; M flag and family in the next; id), and a
 * well-formed fragment is built around the rest, so the fuzzer reaches
 * overlap, duplicate and completion logic instead of header checks. The low
 * bits of the control byte advance the clock (timeouts, eviction). Every
 * completed datagram must be one consistent IP packet that fits the bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "esp/esp_reasm.h"

static struct reasm r;

static size_t build(uint8_t *b, const uint8_t *d, size_t n)
{
	uint32_t off = (uint32_t)(d[0] << 8 | d[1]) * 8 % 65536, len = (uint32_t)d[2] * 8 + 8;
	int more = d[3] & 1, v6 = d[3] & 2;
	uint8_t id = d[4] & 3; /* few ids: fragments meet */
	size_t hl = v6 ? 48 : 20;

	if (!(d[3] & 4) && !more)
		len = (uint32_t)d[2] + 1; /* a last fragment of any length */
	memset(b, 0, hl + len);
	if (v6) {
		b[0] = 0x60;
		b[4] = (uint8_t)((8 + len) >> 8), b[5] = (uint8_t)(8 + len);
		b[6] = IPPROTO_FRAGMENT;
		b[8] = 0x20, b[23] = d[3] >> 4;
		b[24] = 0x20, b[39] = 1;
		b[40] = IPPROTO_ESP;
		b[42] = (uint8_t)(off >> 8), b[43] = (uint8_t)(off | more);
		b[47] = id;
	} else {
		b[0] = 0x45;
		b[2] = (uint8_t)((hl + len) >> 8), b[3] = (uint8_t)(hl + len);
		b[5] = id;
		b[6] = (uint8_t)((off / 8) >> 8 | (more ? 0x20 : 0)), b[7] = (uint8_t)(off / 8);
		b[9] = IPPROTO_ESP;
		b[12] = 10, b[15] = d[3] >> 4;
		b[16] = 10, b[19] = 1;
	}
	for (uint32_t i = 0; i < len; i++)
		b[hl + i] = n > 5 ? d[5 + i % (n - 5)] : (uint8_t)i;
	return hl + len;
}

static void check(const struct reasm_out *o)
{
	size_t plen;

	if (o->len > REASM_HDR_MAX + REASM_DATA_MAX || o->len < 20)
		abort();
	if ((o->pkt[0] >> 4) == 4) {
		plen = (size_t)(o->pkt[2] << 8 | o->pkt[3]);
		if (plen != o->len || (o->pkt[6] & 0x3f) || o->pkt[7])
			abort();
	} else if ((o->pkt[0] >> 4) == 6) {
		plen = (size_t)(o->pkt[4] << 8 | o->pkt[5]);
		if (o->len < 40 || plen != o->len - 40)
			abort();
	} else {
		abort();
	}
	/* Every byte readable (ASan checks the bounds). */
	volatile uint8_t x = 0;
	for (size_t i = 0; i < o->len; i++)
		x ^= o->pkt[i];
	(void)x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[70000];
	uint64_t now = 0;

	if (!r.slots && reasm_init(&r))
		abort();
	memset(&r.st, 0, sizeof(r.st));
	reasm_expire(&r, UINT64_MAX); /* nothing left over from the last input */
	while (size >= 3) {
		uint8_t ctl = data[0];
		size_t n = (size_t)(data[1] << 8 | data[2]), len;
		struct reasm_out o;

		data += 3;
		size -= 3;
		if (n > size)
			n = size;
		now += (uint64_t)(ctl & 0x3f) * 100000000ull;
		if (ctl & 0x80) {
			if (n < 5)
				break;
			len = build(pkt, data, n);
		} else {
			memcpy(pkt, data, n);
			len = n;
		}
		if (reasm_add(&r, pkt, len, now, 1, 2, &o) == 1)
			check(&o);
		data += n;
		size -= n;
	}
	return 0;
}
