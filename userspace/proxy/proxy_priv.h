/* SPDX-License-Identifier: GPL-2.0 */
/* Shared inside userspace/proxy only. */
#ifndef PCSCF_PROXY_PRIV_H
#define PCSCF_PROXY_PRIV_H

#include <stdbool.h>
#include "proxy/proxy.h"
#include "proxy/sip_msg.h"

/* Where a message for a UE goes: back the way the request came. */
struct ue_route {
	struct pcscf_addr ue_addr, our_addr;
	uint16_t ue_port;
	bool protected;
	uint32_t sa_slot, sa_generation; /* inbound SA of the request */
	int32_t conn; /* unprotected TCP: answer on this connection */
	uint32_t conn_gen;
};

static inline struct ue_route route_of_msg(const struct sip_in *m)
{
	return (struct ue_route){ .ue_addr = m->src, .our_addr = m->dst, .ue_port = m->sport,
				  .protected = m->protected, .sa_slot = m->slot,
				  .sa_generation = m->generation, .conn = m->conn,
				  .conn_gen = m->conn_gen };
}

static inline struct ue_route route_of_txn(const struct txn *t)
{
	return (struct ue_route){ .ue_addr = t->ue.ue_addr, .our_addr = t->ue.our_addr,
				  .ue_port = t->ue.ue_port, .protected = t->ue.protected,
				  .sa_slot = t->ue.sa_slot, .sa_generation = t->ue.sa_generation,
				  .conn = t->ue.conn, .conn_gen = t->ue.conn_gen };
}

/*
 * Prints msg and sends it to the UE: plainly from our SIP port, or through
 * the outbound SA paired with the inbound one the request used (a request
 * on UE client -> P server is answered on P server -> UE client).
 */
int proxy_send_ue(struct proxy *p, const struct ue_route *r, osip_message_t *msg);
/* The same for a message already printed (buf may be p->buf). */
int proxy_send_ue_text(struct proxy *p, const struct ue_route *r, const char *buf, size_t len);
/* Answers request req with code/reason, back the way it came; a 503 says when to retry. */
#define PROXY_RETRY_AFTER_S "30"
int proxy_reply(struct proxy *p, const struct sip_in *m, osip_message_t *req, int code,
		const char *reason);
/* The response to req (Vias, From, To with a tag, Call-ID, CSeq) for the caller to send; NULL: no memory. */
osip_message_t *proxy_response_of(osip_message_t *req, int code, const char *reason);
/* The same with one more header (hname: hvalue), when both are set. */
int proxy_reply_hdr(struct proxy *p, const struct sip_in *m, osip_message_t *req, int code,
		    const char *reason, const char *hname, const char *hvalue);

#endif
