// SPDX-License-Identifier: GPL-2.0
/*
 * What imsue reads from the network on its call paths: a protected SIP
 * message goes through ue_msg_parse() and, as a request, through the
 * callee's state machine (ue_answer_request(), with a due delayed 200), as
 * a response through the caller's route-set reversal. Properties: no crash
 * or sanitizer finding; every response we send parses back as a response
 * with the request's Call-ID and CSeq; the dialog table's count matches its
 * free list. One input may hold several messages split by a NUL byte, so a
 * sequence (INVITE, CANCEL, ACK, BYE) exercises the dialog states.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imsue/ue_answer.c"
#include "imsue/ue_dialog.c"
#include "imsue/ue_msg.c"

static const struct ue_msg *cur;

static int check_send(void *ctx, const char *msg, size_t len)
{
	static struct ue_msg r;

	(void)ctx;
	if (ue_msg_parse(msg, len, &r) || r.request)
		abort(); /* we sent something that is not a response */
	if (cur && strcmp(r.call_id, cur->call_id) && strcmp(r.call_id, ""))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	static struct ue_msg m;
	const char *p = (const char *)data, *end = p + size;
	char rs[UE_MSG_RR];

	if (!init) {
		parser_init();
		init = true;
	}
	if (ue_dlg_init(&ue_dialogs, 8, 7))
		return 0;
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t n = (size_t)((nul ? nul : end) - p);
		struct ue_uas a = {.dlgs = &ue_dialogs,
				   .ue = 1,
				   .local_ip = "2001:db8:1::2",
				   .v6 = true,
				   .port_us = 31001,
				   .rtp_port = 50000,
				   .answer_delay_ms = (size & 1) ? 300 : 0,
				   .now = 1000,
				   .send = check_send};
		struct ue_dialog *ring = NULL;

		if (!ue_msg_parse(p, n, &m)) {
			cur = &m;
			if (m.request) {
				ue_answer_request(&a, &m, &ring);
				if (ring)
					ue_answer_due(&a, ring);
			} else {
				ue_msg_rr_reversed(&m, rs, sizeof(rs));
			}
			cur = NULL;
		}
		p += n + 1;
	}
	{
		uint32_t free_n = 0;

		for (uint32_t r = ue_dialogs.free_head; r; r = ue_dialogs.d[r - 1].next)
			if (++free_n > ue_dialogs.cap)
				abort();
		if (free_n + ue_dialogs.used != ue_dialogs.cap)
			abort();
	}
	ue_dlg_fini(&ue_dialogs);
	return 0;
}
