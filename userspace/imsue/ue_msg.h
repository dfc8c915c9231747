/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What imsue reads from a SIP message of a call or a MESSAGE (request or
 * response) that came through its SAs: the fields a UA needs to answer a
 * request (RFC 3261 8.2.6: every Via, From, To, Call-ID, CSeq; 12.1.1:
 * Record-Route) and to follow a dialog (tags, Contact, Record-Route). Parsed
 * with libosip2 into fixed buffers: a field that does not fit refuses the
 * message (-EMSGSIZE) rather than being cut, so nothing built from it is
 * half a header.
 */
#ifndef IMSUE_UE_MSG_H
#define IMSUE_UE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UE_MSG_VIAS   1024 /* every Via, one "Via: ...\r\n" line each */
#define UE_MSG_RR     1024 /* every Record-Route value, in order, joined by ", " */
#define UE_MSG_HDR    256  /* From, To (whole header values), Contact URI */
/* What an answer adds to a tagless To: ";tag=", our 16 hex digits, NUL. */
#define UE_MSG_TAG_ROOM 22
#define UE_MSG_ID     128  /* Call-ID, tags, branch */
#define UE_MSG_RR_MAX 16   /* Record-Route entries kept (more: refused) */

struct ue_msg {
	bool request;
	int status;	 /* response */
	char method[16]; /* request */
	char call_id[UE_MSG_ID];
	char from[UE_MSG_HDR], to[UE_MSG_HDR]; /* header values as libosip2 writes them */
	char from_tag[UE_MSG_ID], to_tag[UE_MSG_ID];
	uint32_t cseq;
	char cseq_method[16];
	char branch[UE_MSG_ID]; /* of the top Via */
	char vias[UE_MSG_VIAS];
	unsigned int n_vias;
	char rr[UE_MSG_RR]; /* Record-Route values, top first, joined by ", " */
	unsigned int n_rr;
	uint16_t rr_off[UE_MSG_RR_MAX], rr_len[UE_MSG_RR_MAX]; /* each value in rr */
	char contact[UE_MSG_HDR]; /* URI of the first Contact, "" if none */
	size_t body_len;
};

/*
 * Parse @buf. 0; -EINVAL (not SIP, or without Call-ID, CSeq, From, To or a
 * Via); -EMSGSIZE (a field beyond its buffer); -ENOMEM.
 */
int ue_msg_parse(const char *buf, size_t len, struct ue_msg *m);

/* Record-Route values of @m in reverse order (the UAC's route set, RFC 3261 12.1.2). */
int ue_msg_rr_reversed(const struct ue_msg *m, char *out, size_t cap);

#endif /* IMSUE_UE_MSG_H */
