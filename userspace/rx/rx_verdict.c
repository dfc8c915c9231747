// SPDX-License-Identifier: GPL-2.0
/*
 * What an AAA (or its absence) means for the session and what the UE hears
 * (TS 24.229 5.2.7.2: a refused authorisation answers the request with 488,
 * else 503). Pure, so it is tested as a table.
 */
#include <stdio.h>

#include "rx/rx_priv.h"

static enum rx_outcome deny(struct rx_result *r, const char *host, uint16_t status, const char *why,
			    enum rx_outcome out)
{
	r->verdict = RX_DENY;
	r->sip_status = status;
	snprintf(r->warning, sizeof(r->warning), "399 %.64s \"Rx: %s\"", host, why);
	return out;
}

enum rx_outcome rx_verdict(const struct rx_evt *e, enum rx_unreachable policy, const char *host,
			   struct rx_result *r)
{
	/* the Experimental-Result, when there is one, is the answer (RFC 6733 7.6) */
	uint32_t code = e->exp_result ? e->exp_result : e->result_code;

	*r = (struct rx_result){.result_code = e->result_code, .exp_result = e->exp_result};
	if (e->bad_request)
		return deny(r, host, 488, "SDP not usable for media authorisation", RX_OUT_BAD_SDP);
	if (e->local) {
		if (policy == RX_UNREACH_ALLOW) {
			r->verdict = RX_ALLOW_UNCHECKED;
			return RX_OUT_UNREACHABLE;
		}
		return deny(r, host, 503, "no PCRF reachable", RX_OUT_UNREACHABLE);
	}
	if (code / 1000 == 2) { /* 2xxx: success (2001, 2002 limited success) */
		r->verdict = RX_ALLOW;
		return RX_OUT_OK;
	}
	switch (code) {
	case RX_EXP_INVALID_SERVICE_INFO:
	case RX_EXP_FILTER_RESTRICTIONS:
	case RX_EXP_SERVICE_NOT_AUTHORIZED:
	case RX_DIAMETER_AUTH_REJECTED:
		return deny(r, host, 488, "PCRF refused the media", RX_OUT_DENIED);
	default: /* 5065 temporarily not authorised, protocol errors, no code at all */
		return deny(r, host, 503, "PCRF could not authorise the session", RX_OUT_DENIED);
	}
}
