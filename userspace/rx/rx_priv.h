/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the Rx module: what the signalling thread, the Rx thread and freeDiameter's threads pass.
 */
#ifndef PCSCF_RX_PRIV_H
#define PCSCF_RX_PRIV_H

#include <stdatomic.h>
#include "rx/rx.h"
#include "rx/rx_queue.h"

#define RX_APP_ID	   16777236u /* 3GPP Rx */
#define RX_VENDOR_3GPP	   10415u
#define RX_REQ_QUEUE	   256
#define RX_DISPATCH_BUDGET 64

/* Diameter codes we act on */
#define RX_DIAMETER_SUCCESS	      2001
#define RX_DIAMETER_UNABLE_TO_DELIVER 3002
#define RX_DIAMETER_TOO_BUSY	      3004
#define RX_DIAMETER_UNKNOWN_SESSION   5002
#define RX_DIAMETER_AUTH_REJECTED     5003
#define RX_EXP_INVALID_SERVICE_INFO   5061
#define RX_EXP_FILTER_RESTRICTIONS    5062
#define RX_EXP_SERVICE_NOT_AUTHORIZED 5063
#define RX_EXP_TEMP_NOT_AUTHORIZED    5065

enum rx_op { RX_OP_AAR, RX_OP_AAR_SIG, RX_OP_STR, RX_OP_QUIT };

/* Signalling thread -> Rx thread: everything copied, nothing pointed to. */
struct rx_req {
	uint8_t op;
	bool update, ue_offered;
	int8_t peer; /* the PCRF holding the session (Destination-Host), -1: any */
	uint32_t slot, gen, seq;
	struct pcscf_addr ue_addr, pcscf_addr;
	uint16_t ports[4]; /* AAR_SIG: UE pc, UE ps, P-CSCF pc, P-CSCF ps */
	uint16_t olen, alen;
	char subscription[RX_IDENT_MAX];
	char icid[RX_IDENT_MAX];
	char sdp[RX_SDP_MAX]; /* offer, then answer */
};

enum rx_evt_kind { RX_EV_ANSWER, RX_EV_STA, RX_EV_ABORT };

/* freeDiameter / Rx thread -> signalling thread */
struct rx_evt {
	uint8_t kind;
	bool local;	  /* no PCRF answered: timeout, nothing open, or a local error */
	bool bad_request; /* the SDP or identities could not be mapped */
	int8_t peer;	  /* which configured PCRF answered, -1 unknown */
	uint32_t slot, gen, seq;
	uint32_t result_code, exp_result;
	uint32_t reason;
};

/* rx_verdict.c: an answer (or none) -> the session's fate and the UE's answer */
enum rx_outcome { RX_OUT_OK, RX_OUT_DENIED, RX_OUT_UNREACHABLE, RX_OUT_BAD_SDP };
enum rx_outcome rx_verdict(const struct rx_evt *e, enum rx_unreachable policy, const char *host,
			   struct rx_result *r);

/* rx_diam.c: freeDiameter itself */
int rx_diam_start(const struct rx_config *cfg);
void rx_diam_stop(void);
void rx_diam_peers_render(struct outbuf *o, bool json);
int rx_diam_peer_index(const char *host, size_t len);

/* rx_msg.c: building requests (Rx thread), reading answers (freeDiameter threads) */
int rx_msg_dict_init(void);
int rx_msg_send(const struct rx_req *r);
int rx_msg_register_handlers(void);

/* rx_session.c: shared between the threads */
extern struct rx_queue rx_events;
extern const struct rx_config *rx_cfg;
extern uint32_t rx_boot_id;
/* gen of a live session per slot, 0 if none: written by the signalling thread only */
bool rx_slot_live(uint32_t slot, uint32_t gen);
void rx_event_push(const struct rx_evt *e);

#endif
