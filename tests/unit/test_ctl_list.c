// SPDX-License-Identifier: GPL-2.0
/*
 * `pcscfctl sa list` / `reg list` rendered a chunk at a time (proxy_ctl with
 * a cursor) over a table far larger than any one reply buffer: 20,000
 * registrations, 80,000 SAs, about 12 MB of text. Every row arrives exactly
 * once and whole, each chunk within its buffer, JSON arrays well formed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "reg_fake_ops.h"
#include "proxy/proxy.h"

#define NREGS 20000


struct reply {
	char *text;
	size_t len, cap;
	int chunks, split_rows, over;
};

/* The whole streamed reply, chunk by chunk into a small buffer. */
static void stream(struct proxy *p, const char *cmd, size_t cap, struct reply *r)
{
	struct ctl_cursor cur = { 0 };
	char *buf = malloc(cap);

	*r = (struct reply){ 0 };
	while (!cur.done && r->chunks < 100000) {
		int n = proxy_ctl(p, cmd, &cur, buf, cap);

		if (n < 0)
			break;
		r->over += (size_t)n >= cap;
		/* Text rows end every chunk; JSON chunks end on a row's closing brace. */
		r->split_rows += n && !strstr(cmd, "json") && buf[n - 1] != '\n';
		r->split_rows += n && strstr(cmd, "json") && buf[n - 1] != '}' && buf[n - 1] != '\n' &&
				 !(r->chunks == 0 && n == 1);
		if (r->len + n + 1 > r->cap) {
			r->cap = 2 * (r->len + n + 1);
			r->text = realloc(r->text, r->cap);
		}
		memcpy(r->text + r->len, buf, n);
		r->len += n;
		r->text[r->len] = '\0';
		r->chunks++;
	}
	free(buf);
}

/* By hand: sanitizer strstr re-measures the whole 12 MB haystack on every call. */
static int count(const char *s, const char *needle)
{
	size_t k = strlen(needle);
	int n = 0;

	for (; *s; s++)
		n += *s == *needle && !strncmp(s, needle, k);
	return n;
}

int main(void)
{
	const struct reg_config cfg = { .max_regs = NREGS, .port_ps = 5100, .pc_lo = 5101, .pc_hi = 5105 };
	struct pcscf_addr ue = { .a = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 } };
	struct pcscf_addr ours = { .a = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 2 } };
	uint8_t ck[16] = { 0 }, ik[16] = { 0 };
	struct proxy *p = calloc(1, sizeof(*p));
	struct reply r;
	int made = 0;

	reg_table_init(&p->regs, &cfg, &ops, NULL);
	for (int i = 0; i < NREGS; i++) {
		struct reg_ue_sec sec = { 0x10000 + 2 * i, 0x10001 + 2 * i, 6000, 6001,
					  "hmac-sha-1-96", "aes-cbc" };
		char impi[64];

		snprintf(impi, sizeof(impi), "user%05d@ims.example", i);
		ue.a[14] = i >> 8;
		ue.a[15] = i;
		made += !reg_on_401(p->regs, impi, &ue, &ours, &sec, ck, ik, 240000, 1000, NULL);
	}
	TAP_CHECK(made == NREGS, "%d registrations with a temporary set each (%d)", NREGS, made);

	stream(p, "sa list", (64 << 10), &r);
	TAP_CHECK(count(r.text, "\n") == 4 * NREGS + 1,
		  "sa list: header + %d rows in %d chunks, %zu bytes", 4 * NREGS, r.chunks, r.len);
	TAP_CHECK(!r.split_rows && !r.over, "sa list: no row cut between chunks, no chunk overflows");
	TAP_CHECK(count(r.text, "user00000@") == 4 && count(r.text, "user19999@") == 4,
		  "sa list: first and last registration's SAs each there once");
	free(r.text);

	stream(p, "sa list --json", (64 << 10), &r);
	TAP_CHECK(r.len > 2 && r.text[0] == '[' && !strcmp(r.text + r.len - 2, "]\n") &&
			  count(r.text, "{\"impi\"") == 4 * NREGS && count(r.text, "},{") == 4 * NREGS - 1,
		  "sa list --json: one array of %d objects over %d chunks", 4 * NREGS, r.chunks);
	TAP_CHECK(!r.split_rows && !r.over, "sa list --json: no object cut between chunks");
	free(r.text);

	stream(p, "reg list", (64 << 10), &r);
	TAP_CHECK(count(r.text, "\n") == NREGS + 1 && !r.split_rows,
		  "reg list: header + %d rows in %d chunks", NREGS, r.chunks);
	free(r.text);

	stream(p, "reg list --json", (64 << 10), &r);
	TAP_CHECK(count(r.text, "{\"impi\"") == NREGS && r.text[0] == '[' && !r.over,
		  "reg list --json: %d objects streamed in %d chunks", NREGS, r.chunks);
	free(r.text);

	{
		struct ctl_cursor cur = { 0 };
		char b[64];

		TAP_CHECK(proxy_ctl(p, "bogus", &cur, b, sizeof(b)) == -ENOENT,
			  "another command: -ENOENT");
	}
	reg_table_destroy(p->regs);

	/* An IMPI comes off the wire: a quote or backslash in it must not end its JSON string. */
	{
		struct reg_ue_sec sec = { 0x90000, 0x90001, 6000, 6001, "hmac-sha-1-96", "null" };
		const char *evil = "ev\\il\"},{\"impi\":\"x@ims.example";

		reg_table_init(&p->regs, &cfg, &ops, NULL);
		reg_on_401(p->regs, evil, &ue, &ours, &sec, ck, ik, 240000, 1000, NULL);
		stream(p, "sa list --json", (64 << 10), &r);
		TAP_CHECK(count(r.text, "{\"impi\"") == 4 && count(r.text, "ev\\\\il\\\"},{\\\"impi") == 4,
			  "sa list --json: a quote and a backslash in an IMPI are escaped (%.80s)",
			  r.text);
		free(r.text);
		stream(p, "reg list --json", (64 << 10), &r);
		TAP_CHECK(count(r.text, "{\"impi\"") == 1 && count(r.text, "ev\\\\il\\\"},{") == 1,
			  "reg list --json: the same IMPI escaped");
		free(r.text);
		reg_table_destroy(p->regs);
	}
	free(p);
	return tap_done();
}
