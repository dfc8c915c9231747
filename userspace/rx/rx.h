/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rx (TS 29.214): the P-CSCF asks the PCRF to authorise each session's media.
 *
 * Threads. freeDiameter (RFC 6733 base protocol: CER/CEA, DWR/DWA, failover,
 * reconnection, DPR) runs its own threads. The signalling thread talks to it
 * only through two bounded lock-free queues:
 *   - requests: rx_session_authorize/terminate/subscribe copy what they need
 *     (SDP text, identities) into a queue slot and wake the Rx thread; the Rx
 *     thread parses the SDP, builds the Diameter message and sends it.
 *   - events: answers, timeouts and PCRF-initiated requests (RAR, ASR) are
 *     reduced to a small event on freeDiameter's threads, queued, and the
 *     eventfd (rx_event_fd) wakes the signalling loop, which calls
 *     rx_dispatch(): every callback below runs there, never elsewhere.
 * Nothing the SIP path calls takes a lock or waits on the network (only
 * rx_status_render asks freeDiameter for the peer states).
 *
 * Handles. A session is a slot of a fixed table (rx_config.max_sessions)
 * with a generation: rx_handle = slot << 32 | generation, found in O(1),
 * never reused while its generation lives. 0 is no session.
 *
 * Use from the proxy:
 *   INVITE/UPDATE offer:   rx_session_authorize(&h, {offer}, cb, arg)   h == 0: new
 *   its answer (183/200):  rx_session_authorize(&h, {offer, answer}, cb, arg)
 *   re-INVITE:             rx_session_authorize(&h, ...)               h != 0: update
 *   cb(arg, h, result):    result->verdict RX_DENY -> answer the UE result->sip_status
 *                          with Warning result->warning (TS 24.229 5.2.7.2), stop the
 *                          dialog both ways and call rx_session_terminate(h).
 *   BYE, CANCEL, failed INVITE: rx_session_terminate(h)  (STR; no callback after it)
 *   abort handler (RAR bearer lost, ASR): end the dialog with BYE to both sides,
 *                          then rx_session_terminate(h).
 *   registration:          rx_signalling_subscribe(&h, ...) after the 200 to REGISTER
 *                          (again with h for a new SA set: UPDATE_REQUEST),
 *                          rx_session_terminate(h) at its end (proxy/reg_rx.c).
 */
#ifndef PCSCF_RX_H
#define PCSCF_RX_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pcscf_maps.h"

#define RX_MAX_PEERS	  4
#define RX_HOST_MAX	  128
#define RX_SDP_MAX	  4096 /* offer + answer text copied per request */
#define RX_IDENT_MAX	  256  /* Subscription-Id, AF-Charging-Identifier */
#define RX_DEF_SESSIONS	  4096
#define RX_DEF_TIMEOUT_MS 2000
#define RX_DEF_TW_S	  6 /* RFC 3539's smallest watchdog interval */
#define RX_DEF_TC_S	  5 /* reconnection attempts: freeDiameter's TcTimer */
#define RX_DEF_PORT	  3868

typedef uint64_t rx_handle;

enum rx_unreachable {
	RX_UNREACH_REJECT, /* no PCRF answered: the UE gets 503 */
	RX_UNREACH_ALLOW,  /* no PCRF answered: the session goes on unauthorised */
};

struct rx_peer_cfg {
	char host[RX_HOST_MAX]; /* Diameter identity of the PCRF */
	char addr[64];		/* where to connect (IP text) */
	uint16_t port;
};

struct rx_config {
	bool enabled;
	char origin_host[RX_HOST_MAX], origin_realm[RX_HOST_MAX];
	char dest_realm[RX_HOST_MAX];		/* the PCRFs' realm */
	struct rx_peer_cfg peers[RX_MAX_PEERS]; /* in order of preference */
	int npeers;
	enum rx_unreachable unreachable;
	/* our Host-IP-Address in CER; freeDiameter skips loopback addresses. We
	 * only connect (the PCRF's RAR/ASR come over our connection), never listen */
	char local_addr[64];
	uint32_t tw_s, tc_s, timeout_ms, max_sessions;
	char af_app_id[64];	 /* AF-Application-Identifier */
	char tls_cert[PATH_MAX]; /* freeDiameter needs credentials even with no TLS peer; */
	char tls_key[PATH_MAX];	 /* "" = a self-signed pair generated at start */
};

void rx_config_defaults(struct rx_config *c);

enum rx_verdict {
	RX_ALLOW,	    /* the PCRF authorised the session */
	RX_ALLOW_UNCHECKED, /* no PCRF answered and the policy is allow */
	RX_DENY,	    /* answer the UE sip_status */
};

struct rx_result {
	enum rx_verdict verdict;
	uint32_t result_code; /* Result-Code of the AAA, 0 if none */
	uint32_t exp_result;  /* Experimental-Result-Code (3GPP), 0 if none */
	uint16_t sip_status;  /* RX_DENY: 488, 503 or 500 */
	char warning[128];    /* RX_DENY: a Warning header value, or "" */
};

/* What the PCRF said when it ended a session on its own. */
enum rx_abort_reason {
	RX_ABORT_BEARER_LOST = 2,     /* RAR Specific-Action INDICATION_OF_LOSS_OF_BEARER */
	RX_ABORT_BEARER_RELEASED = 4, /* RAR Specific-Action INDICATION_OF_RELEASE_OF_BEARER */
	RX_ABORT_ASR = 100,	      /* Abort-Session-Request */
};

typedef void (*rx_done_fn)(void *arg, rx_handle h, const struct rx_result *r);
typedef void (*rx_abort_fn)(void *arg, rx_handle h, enum rx_abort_reason why);

struct rx_media_req {
	const char *offer, *answer; /* SDP bodies (answer NULL while only offered) */
	size_t offer_len, answer_len;
	bool ue_offered;	   /* the offer came from the UE (originating side) */
	struct pcscf_addr ue_addr; /* Framed-IP-Address / Framed-IPv6-Prefix */
	const char *subscription;  /* P-Asserted-Identity: sip:/tel: URI */
	const char *icid;	   /* P-Charging-Vector icid-value */
};

struct rx_sig_req {
	struct pcscf_addr ue_addr, pcscf_addr;
	uint16_t ue_port_pc, ue_port_ps, pcscf_port_pc, pcscf_port_ps;
	const char *subscription;
};

/* Starts freeDiameter and the Rx thread. */
int rx_init(const struct rx_config *cfg);
/* Sends STR for every live session, DPR to the peers, stops the threads. */
void rx_fini(void);
/* Readable when rx_dispatch has events to run (-1 before rx_init). */
int rx_event_fd(void);
/* Runs at most a bounded number of callbacks; true when more are queued. */
bool rx_dispatch(void);

void rx_set_abort_handler(rx_abort_fn fn, void *arg);
/*
 * Asks for authorisation of an offer/answer. *h == 0 starts a session (h set
 * before the return), otherwise updates it. cb runs later, once, on the
 * signalling thread (from rx_dispatch). -EBUSY: no session slot or request
 * room (answer 503 now); -EINVAL: bad arguments or a body too long.
 */
int rx_session_authorize(rx_handle *h, const struct rx_media_req *req, rx_done_fn cb, void *arg);
/*
 * The handle is dead at once and a pending callback is dropped. 1: an STR
 * goes (now, or once the PCRF accepts the AAR still out), 0: no session
 * was granted, so none; -ENOENT: no such handle.
 */
int rx_session_terminate(rx_handle h);
/*
 * Registration-level signalling path status (AAR with Specific-Action).
 * *h == 0 starts a session; otherwise an UPDATE_REQUEST with the new flows
 * (-ENOENT: h is not a live signalling session).
 */
int rx_signalling_subscribe(rx_handle *h, const struct rx_sig_req *req, rx_done_fn cb, void *arg);

struct outbuf;
/* Peer states, session count, AAA results by Result-Code/Experimental-Result. */
void rx_status_render(struct outbuf *o, bool json);
bool rx_running(void);

#endif
