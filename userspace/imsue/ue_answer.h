/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The callee side of imsue (TS 24.229 5.1.4, RFC 3261 8.2, 12.1.1, 13.3):
 * answers the terminating requests the P-CSCF sends through the UE's SAs
 * (to port_us, TS 33.203 7.1). MESSAGE and OPTIONS get 200; INVITE gets 100,
 * 180 and 200 with an SDP answer (at once, or after the answer delay), and
 * its dialog waits for the ACK; BYE gets 200 and ends the dialog; CANCEL of
 * a ringing INVITE gets 200 and the INVITE 487; unknown dialogs get 481,
 * other methods 405. Pure: messages leave through the @send hook, time is
 * passed in, so the unit test and the fuzzer run it without a network.
 */
#ifndef IMSUE_UE_ANSWER_H
#define IMSUE_UE_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imsue/ue_dialog.h"
#include "imsue/ue_msg.h"

struct ue_uas {
	struct ue_dialogs *dlgs;
	uint32_t ue;	      /* the callee's index */
	const char *local_ip; /* Contact and SDP: text, IPv6 without brackets */
	bool v6;
	uint16_t port_us;	  /* the Contact names the protected server port */
	uint16_t rtp_port;	  /* of the SDP answer */
	uint32_t answer_delay_ms; /* 180 -> 200 */
	uint64_t now;
	int (*send)(void *ctx, const char *msg, size_t len);
	void *ctx;
};

struct ue_answer_stats {
	uint64_t messages, invites, answered, acks, byes, cancels, rejected_481, other;
};
extern struct ue_answer_stats ue_answer_stats;

/*
 * @m (a request) for this UE. 0 when answered or absorbed (ACK), -errno of
 * a send or a build. *@ringing: the dialog whose 200 now waits for the answer
 * delay (ue_answer_due() sends it), else NULL.
 */
int ue_answer_request(const struct ue_uas *a, const struct ue_msg *m, struct ue_dialog **ringing);
/* The 200 of a ringing dialog, once its d->due_ms came. */
int ue_answer_due(const struct ue_uas *a, struct ue_dialog *d);

#endif /* IMSUE_UE_ANSWER_H */
