// SPDX-License-Identifier: GPL-2.0
/*
 * SIP over TCP framing (RFC 3261 18.3) and raw header extraction, as tables:
 * (bytes, expected frame length or error) and (message, header, value).
 */
#include <errno.h>
#include "tap.h"
#include "proxy/sip_msg.h"
#include "proxy/tcp_ue.h"

static const struct {
	const char *name, *in;
	int want;
} frames[] = {
	{ "complete, no body", "REGISTER sip:a SIP/2.0\r\nContent-Length: 0\r\n\r\n", 45 },
	{ "body of 4", "MESSAGE sip:a SIP/2.0\r\nContent-Length: 4\r\n\r\nabcd", 48 },
	{ "body incomplete", "MESSAGE sip:a SIP/2.0\r\nContent-Length: 4\r\n\r\nab", 0 },
	{ "headers incomplete", "REGISTER sip:a SIP/2.0\r\nContent-Len", 0 },
	{ "compact form l:", "OPTIONS sip:a SIP/2.0\r\nl: 0\r\n\r\n", 31 },
	{ "two messages: first only",
	  "OPTIONS sip:a SIP/2.0\r\nl: 0\r\n\r\nOPTIONS sip:b SIP/2.0\r\nl: 0\r\n\r\n", 31 },
	{ "no Content-Length on a stream", "REGISTER sip:a SIP/2.0\r\nVia: x\r\n\r\n", -EBADMSG },
	{ "negative length", "REGISTER sip:a SIP/2.0\r\nContent-Length: -1\r\n\r\n", -EBADMSG },
	{ "garbage length", "REGISTER sip:a SIP/2.0\r\nContent-Length: 1x\r\n\r\n", -EBADMSG },
	{ "length past the buffer", "REGISTER sip:a SIP/2.0\r\nContent-Length: 999999\r\n\r\n",
	  -EBADMSG },
	{ "length overflowing long", "REGISTER sip:a SIP/2.0\r\nContent-Length: 99999999999999999999\r\n\r\n",
	  -EBADMSG },
	{ "length with a sign", "REGISTER sip:a SIP/2.0\r\nContent-Length: +4\r\n\r\nabcd", -EBADMSG },
	{ "empty length", "REGISTER sip:a SIP/2.0\r\nContent-Length:\r\n\r\n", -EBADMSG },
	{ "length of 64 KiB exactly, headers on top", "REGISTER sip:a SIP/2.0\r\nContent-Length: 65536\r\n\r\n",
	  -EBADMSG },
	{ "a 40 KiB body: incomplete, not refused", "MESSAGE sip:a SIP/2.0\r\nContent-Length: 40960\r\n\r\nab",
	  0 },
};

/* Leading CRLFs on a stream: RFC 5626 ping (4), bare CRLF (2), none (0), undecided. */
static const struct {
	const char *name, *in;
	int want;
} crlfs[] = {
	{ "double CRLF ping", "\r\n\r\n", 4 },
	{ "ping then a request", "\r\n\r\nREGISTER sip:a SIP/2.0\r\n", 4 },
	{ "bare CRLF before a request", "\r\nREGISTER sip:a SIP/2.0\r\n", 2 },
	{ "one CRLF so far", "\r\n", -EAGAIN },
	{ "CR so far", "\r", -EAGAIN },
	{ "CRLF CR so far", "\r\n\r", -EAGAIN },
	{ "a request", "REGISTER sip:a SIP/2.0\r\n", 0 },
	{ "CR without LF", "\rX", 0 },
	{ "nothing", "", 0 },
};

/* A message of total bytes (headers + body of 'x'), for the size limit. */
static int frame_of_size(size_t total)
{
	static char buf[TCP_UE_MSG_MAX + 64];
	const char *fmt = "MESSAGE sip:a SIP/2.0\r\nContent-Length: %5zu\r\n\r\n";
	size_t hdr = (size_t)snprintf(NULL, 0, fmt, (size_t)0);

	snprintf(buf, sizeof(buf), fmt, total - hdr);
	memset(buf + hdr, 'x', total - hdr);
	return sip_tcp_frame(buf, total);
}

static const struct {
	const char *name, *msg, *hdr;
	int pos;
	const char *want; /* NULL: absent */
} headers[] = {
	{ "plain", "SIP/2.0 401 x\r\nWWW-Authenticate: Digest a=1\r\n\r\n", "WWW-Authenticate", 0,
	  "Digest a=1" },
	{ "case and spaces", "SIP/2.0 401 x\r\nwww-authenticate  :   Digest a=1  \r\n\r\n",
	  "WWW-Authenticate", 0, "Digest a=1" },
	{ "folded", "SIP/2.0 401 x\r\nWWW-Authenticate: Digest a=1,\r\n  ck=\"00\"\r\n\r\n",
	  "WWW-Authenticate", 0, "Digest a=1, ck=\"00\"" },
	{ "second of two", "SIP/2.0 401 x\r\nWWW-Authenticate: A\r\nWWW-Authenticate: B\r\n\r\n",
	  "WWW-Authenticate", 1, "B" },
	{ "prefix is not a match", "SIP/2.0 401 x\r\nWWW-Authenticate-X: A\r\n\r\n",
	  "WWW-Authenticate", 0, NULL },
	{ "not in the body", "SIP/2.0 200 x\r\nl: 20\r\n\r\nWWW-Authenticate: A\r\n",
	  "WWW-Authenticate", 0, NULL },
	{ "start line is not a header", "WWW-Authenticate: A\r\nX: y\r\n\r\n", "WWW-Authenticate", 0,
	  NULL },
};

int main(void)
{
	char out[256];

	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		int got = sip_tcp_frame(frames[i].in, strlen(frames[i].in));

		TAP_CHECK(got == frames[i].want, "tcp framing: %s (got %d, want %d)", frames[i].name,
			  got, frames[i].want);
	}
	for (size_t i = 0; i < sizeof(crlfs) / sizeof(crlfs[0]); i++) {
		int got = sip_tcp_crlf(crlfs[i].in, strlen(crlfs[i].in));

		TAP_CHECK(got == crlfs[i].want, "tcp crlf: %s (got %d, want %d)", crlfs[i].name, got,
			  crlfs[i].want);
	}
	TAP_CHECK(frame_of_size(TCP_UE_MSG_MAX) == TCP_UE_MSG_MAX,
		  "tcp framing: a message of exactly 64 KiB is one frame");
	TAP_CHECK(frame_of_size(20000) == 20000, "tcp framing: a 20000-byte message is one frame");
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		int n = sipm_raw_header(headers[i].msg, strlen(headers[i].msg), headers[i].hdr,
					headers[i].pos, out, sizeof(out));

		if (headers[i].want)
			TAP_CHECK(n >= 0 && !strcmp(out, headers[i].want), "raw header: %s ('%s')",
				  headers[i].name, n >= 0 ? out : "absent");
		else
			TAP_CHECK(n == -ENOENT, "raw header: %s (absent)", headers[i].name);
	}
	return tap_done();
}
