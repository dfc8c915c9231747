// SPDX-License-Identifier: GPL-2.0
/*
 * SDP offer/answer -> Rx media components (what becomes the AAR's
 * Media-Component-Descriptions). Input: one flag byte (bit 0: the UE
 * offered), the offer, then optionally NUL and the answer.
 * Invariants (a violation aborts, so libFuzzer reports it):
 *   - success means 1..RX_MAX_MEDIA components, numbered from 1;
 *   - every Flow-Description is "permit out 17|6 from ... to ...", printable,
 *     one line, terminated inside its buffer;
 *   - Codec-Data is terminated inside its buffer and starts with the
 *     direction and the offer/answer line; Flow-Status is a defined value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rx/rx_media.h"

static void check(int cond)
{
	if (!cond)
		abort();
}

static void check_text(const char *s, size_t cap, bool newlines)
{
	size_t n = strnlen(s, cap);

	check(n < cap);
	for (size_t i = 0; i < n; i++)
		check((s[i] >= 0x20 && s[i] < 0x7f) || (newlines && s[i] == '\n') ||
		      (unsigned char)s[i] >= 0x80);
}

static void check_flow(const char *f)
{
	check_text(f, RX_FLOW_DESC_MAX, false);
	check(!strncmp(f, "permit out 17 from ", 19) || !strncmp(f, "permit out 6 from ", 18));
	check(strstr(f, " to ") != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rx_media_set ms;
	const char *offer, *answer = NULL, *nul;
	size_t olen, alen = 0;

	if (size < 2)
		return 0;
	offer = (const char *)data + 1;
	olen = size - 1;
	nul = memchr(offer, '\0', olen);
	if (nul) {
		answer = nul + 1;
		alen = olen - (nul - offer) - 1;
		olen = nul - offer;
	}
	if (rx_media_map(offer, olen, answer, alen, data[0] & 1, &ms))
		return 0;
	check(ms.n >= 1 && ms.n <= RX_MAX_MEDIA);
	for (int i = 0; i < ms.n; i++) {
		const struct rx_media *m = &ms.m[i];

		check(m->number == (uint32_t)i + 1 && m->flow_status <= RX_FS_REMOVED);
		check(m->nflows >= 0 && m->nflows <= 2 && m->ncodec >= 1 && m->ncodec <= 2);
		for (int f = 0; f < m->nflows; f++) {
			check_flow(m->flows[f].down);
			check_flow(m->flows[f].up);
		}
		for (int c = 0; c < m->ncodec; c++) {
			check_text(m->codec[c], RX_CODEC_DATA_MAX, true);
			check(!strncmp(m->codec[c], "uplink\n", 7) ||
			      !strncmp(m->codec[c], "downlink\n", 9));
		}
	}
	return 0;
}
