// SPDX-License-Identifier: GPL-2.0
/*
 * The AAA (or no answer) -> what the session and the UE get (TS 24.229
 * 5.2.7.2, TS 29.214 5.5 result codes), as a table.
 */
#include <stdio.h>
#include <string.h>

#include "rx/rx_priv.h"
#include "tap.h"

#define WARN(why) "399 pcscf.test \"Rx: " why "\""

static const struct row {
	const char *name;
	struct rx_evt e;
	enum rx_unreachable policy;
	enum rx_outcome out;
	enum rx_verdict verdict;
	uint16_t status;
	const char *warning;
} rows[] = {
	{"2001: allowed", {.result_code = 2001}, RX_UNREACH_REJECT, RX_OUT_OK, RX_ALLOW, 0, ""},
	{"2002 limited success: allowed",
	 {.result_code = 2002},
	 RX_UNREACH_REJECT,
	 RX_OUT_OK,
	 RX_ALLOW,
	 0,
	 ""},
	{"Experimental 5063 REQUESTED_SERVICE_NOT_AUTHORIZED: 488",
	 {.exp_result = 5063},
	 RX_UNREACH_REJECT,
	 RX_OUT_DENIED,
	 RX_DENY,
	 488,
	 WARN("PCRF refused the media")},
	{"Experimental 5061 INVALID_SERVICE_INFORMATION: 488",
	 {.exp_result = 5061},
	 RX_UNREACH_ALLOW,
	 RX_OUT_DENIED,
	 RX_DENY,
	 488,
	 WARN("PCRF refused the media")},
	{"Experimental 5062 FILTER_RESTRICTIONS: 488",
	 {.exp_result = 5062},
	 RX_UNREACH_REJECT,
	 RX_OUT_DENIED,
	 RX_DENY,
	 488,
	 WARN("PCRF refused the media")},
	{"5003 AUTHORIZATION_REJECTED: 488",
	 {.result_code = 5003},
	 RX_UNREACH_REJECT,
	 RX_OUT_DENIED,
	 RX_DENY,
	 488,
	 WARN("PCRF refused the media")},
	{"Experimental 5065 TEMPORARILY_NOT_AUTHORIZED: 503",
	 {.exp_result = 5065},
	 RX_UNREACH_REJECT,
	 RX_OUT_DENIED,
	 RX_DENY,
	 503,
	 WARN("PCRF could not authorise the session")},
	{"Experimental-Result wins over a Result-Code 2001",
	 {.result_code = 2001, .exp_result = 5063},
	 RX_UNREACH_REJECT,
	 RX_OUT_DENIED,
	 RX_DENY,
	 488,
	 WARN("PCRF refused the media")},
	{"5012 UNABLE_TO_COMPLY: 503, even with policy allow",
	 {.result_code = 5012},
	 RX_UNREACH_ALLOW,
	 RX_OUT_DENIED,
	 RX_DENY,
	 503,
	 WARN("PCRF could not authorise the session")},
	{"an answer with no code: 503",
	 {},
	 RX_UNREACH_REJECT,
	 RX_OUT_DENIED,
	 RX_DENY,
	 503,
	 WARN("PCRF could not authorise the session")},
	{"no PCRF, policy reject: 503",
	 {.local = true, .result_code = 3002},
	 RX_UNREACH_REJECT,
	 RX_OUT_UNREACHABLE,
	 RX_DENY,
	 503,
	 WARN("no PCRF reachable")},
	{"no PCRF, policy allow: allowed unchecked",
	 {.local = true},
	 RX_UNREACH_ALLOW,
	 RX_OUT_UNREACHABLE,
	 RX_ALLOW_UNCHECKED,
	 0,
	 ""},
	{"SDP not mapped: 488 whatever the policy",
	 {.bad_request = true},
	 RX_UNREACH_ALLOW,
	 RX_OUT_BAD_SDP,
	 RX_DENY,
	 488,
	 WARN("SDP not usable for media authorisation")},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *w = &rows[i];
		struct rx_result r;
		enum rx_outcome out = rx_verdict(&w->e, w->policy, "pcscf.test", &r);

		TAP_CHECK(out == w->out && r.verdict == w->verdict && r.sip_status == w->status &&
				  !strcmp(r.warning, w->warning) &&
				  r.result_code == w->e.result_code &&
				  r.exp_result == w->e.exp_result,
			  "%s (outcome %d, verdict %d, %u, '%s')", w->name, out, r.verdict,
			  r.sip_status, r.warning);
	}
	printf("# %d passed, %d failed\n", tap_passed, tap_failed);
	return tap_failed != 0;
}
