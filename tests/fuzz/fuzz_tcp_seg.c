// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for what the TUN of TCP inside ESP gives the signalling
 * thread (tcp_sel.h): tcp_seg_parse() on any bytes, and for a segment it
 * accepts, the selector table under the key it read. A parsed segment must
 * lie inside the bytes read, start at the TCP header and hold at least one;
 * an added key must be found again (newest first) and gone once deleted,
 * while the other entries stay.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/tcp_sel.h"

static struct tcp_sel t;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_seg s;
	uint32_t gen, id;

	if (!t.cap && tcp_sel_init(&t, 64))
		abort();
	if (tcp_seg_parse(data, size, &s))
		return 0;
	if (s.l4 < data || s.l4_len < 20 || s.l4 + s.l4_len > data + size)
		abort();
	if (s.k.our_port != (uint16_t)(s.l4[0] << 8 | s.l4[1]))
		abort();
	/* The id from the input's last byte: entries accumulate across runs. */
	id = data[size - 1] % t.cap;
	tcp_sel_add(&t, id, &s.k, (uint32_t)size);
	if (tcp_sel_find(&t, &s.k, &gen) != id || gen != (uint32_t)size)
		abort();
	tcp_sel_del(&t, id);
	id = tcp_sel_find(&t, &s.k, &gen);
	if (id != TCP_SEL_NONE && (!t.ent[id].bucket || memcmp(&t.ent[id].key, &s.k, sizeof(s.k))))
		abort();
	if (t.count > t.cap)
		abort();
	return 0;
}
