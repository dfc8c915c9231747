/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transaction layer as the proxy drives it (txn.h holds the table):
 * txn_server.c, txn_client.c, txn_timer.c and the per-direction pieces of
 * prepare.c. Inside userspace/proxy only.
 */
#ifndef PCSCF_TXN_PROXY_H
#define PCSCF_TXN_PROXY_H

#include <stdbool.h>
#include "proxy/proxy.h"
#include "proxy/sip_msg.h"
#include "proxy/txn.h"

struct raw_keys;

/* What the server side decided about a request from upstream. */
enum txn_verdict {
	TXN_NEW,     /* a new request: the caller prepares it and calls txn_server_new */
	TXN_ACK_2XX, /* an ACK of no transaction (a 2xx's): relayed statelessly as a request */
	TXN_HANDLED, /* absorbed or answered here (retransmission, ACK, CANCEL, 481) */
};

/* The leg a request came in on: the UE (TXN_ORIG) or a core node (TXN_TERM). */
struct txn_from {
	enum txn_kind kind;
	struct txn_ue ue;
	struct pcscf_addr peer_addr;
	uint16_t peer_port;
};

/* txn_server.c */
/*
 * Matches msg (a request from `from`) against the server transactions
 * (RFC 3261 17.2.3): a retransmission gets the last response again, an ACK
 * of a non-2xx final is absorbed, a CANCEL is answered 200 (its INVITE is
 * CANCELled downstream) or 481. *key is the request's server key for
 * txn_server_new.
 */
enum txn_verdict txn_server_request(struct proxy *p, const struct txn_from *from,
				    osip_message_t *msg, uint64_t *key);
/*
 * A slot for a new request, its server side matched by key from now on.
 * An INVITE is answered 100 Trying at once. NULL when the table is full
 * (the caller answers 503).
 */
struct txn *txn_server_new(struct proxy *p, const struct txn_from *from, osip_message_t *msg,
			   uint64_t key);
/* The response msg goes upstream on t's server leg; kept for retransmissions, timers set. */
int txn_respond(struct proxy *p, struct txn *t, osip_message_t *msg);
/* The same for a response already printed. */
int txn_respond_text(struct proxy *p, struct txn *t, const char *buf, size_t len, int code);
/* The response to the request text t keeps (our Via popped): 408 on timeouts. NULL: none. */
osip_message_t *txn_response_of_copy(struct proxy *p, struct txn *t, int code, const char *reason);
/* Both sides over: the slot goes back. */
void txn_settle(struct proxy *p, struct txn *t);
/* The top Via's sent-by and where responses go (RFC 3261 18.2.2: received, rport). */
int txn_via_target(osip_message_t *msg, struct pcscf_addr *addr, uint16_t *port);

/* txn_client.c */
/* The request in buf (our Via with t's branch on top) goes downstream; timers A/E, B/F, C. */
int txn_client_start(struct proxy *p, struct txn *t, const char *buf, size_t len);
/* The slot a response from downstream belongs to (our branch, CSeq method), or NULL. */
struct txn *txn_client_match(struct proxy *p, osip_message_t *msg);
/*
 * A response from downstream: true when it goes upstream (the caller
 * delivers it); 100s, retransmitted finals and the answer to our own CANCEL
 * are absorbed, a non-2xx final to an INVITE is ACKed here.
 */
bool txn_client_response(struct proxy *p, struct txn *t, osip_message_t *msg);
/*
 * After a non-INVITE final went upstream: the request copy (only timers E/F
 * and a 408 read it) and a REGISTER's txn_reg are given back now, not when
 * the slot ends 32 s later (Timer J), so a registration storm's lingering
 * transactions keep only their response copies.
 */
void txn_client_final_relayed(struct proxy *p, struct txn *t);
/* CANCEL the INVITE of t downstream (RFC 3261 9.1: after a provisional, else when one comes). */
void txn_client_cancel(struct proxy *p, struct txn *t);

/* txn_timer.c: runs what is due; ms until the next deadline (or max_ms). */
int txn_tick(struct proxy *p, uint64_t now, int max_ms);

/* prepare.c: the legs and the direction-specific rewriting. */
int prep_send_up(struct proxy *p, const struct txn *t, const char *buf, size_t len);
int prep_send_down(struct proxy *p, const struct txn *t, const char *buf, size_t len);
/* A response for t's upstream (from downstream, or one of our timeouts): rewritten, sent. */
void prep_deliver(struct proxy *p, struct txn *t, osip_message_t *msg, struct raw_keys *k);
/* Terminating dialog-creating requests: Record-Route towards the UE (24.229 5.2.7). */
int prep_term_request(struct proxy *p, osip_message_t *msg, const struct reg_sa_set *set);
/* Terminating responses to the core: our Record-Route back to the core-side URI. */
void prep_term_response(struct proxy *p, const struct txn *t, osip_message_t *msg);

/* from_core.c: a response for an originating transaction, as it goes to the UE. */
void orig_deliver(struct proxy *p, struct txn *t, osip_message_t *msg, struct raw_keys *k);
/* terminating.c */
void term_deliver(struct proxy *p, struct txn *t, osip_message_t *msg);
const struct reg_sa_set *term_set_of(struct proxy *p, uint32_t ri, uint32_t gen);
/* reg_event.c */
void reg_event_on_txn_response(struct proxy *p, struct txn *t, osip_message_t *msg);

#endif
