// SPDX-License-Identifier: GPL-2.0
/*
 * The proxy's SIP handling on arbitrary bytes: libosip2's parse with our
 * raw Digest header extraction, then every accessor the REGISTER path uses
 * (IMPI, Call-ID, sec-agree lists, Path/P-Associated-URI collection, expiry,
 * option tags) and a print back. Invariant: whatever parsed prints, and what
 * it prints parses again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/sip_msg.h"
#include "proxy/tcp_ue.h"

static char out[16384], val[2048];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	char impi[128], cid[128], coll[4][256];
	struct sec_list l;
	osip_message_t *m, *m2;
	int n;

	if (!inited) {
		sipm_init();
		inited = 1;
	}
	n = sip_tcp_frame((const char *)data, size);
	if (n > (int)size)
		abort(); /* a frame never claims bytes that are not there */
	for (int pos = 0; pos < 3; pos++)
		sipm_raw_header((const char *)data, size, "WWW-Authenticate", pos, val, sizeof(val));
	if (sipm_parse(&m, (const char *)data, size))
		return 0;
	sipm_impi(m, impi, sizeof(impi));
	sipm_call_id(m, cid, sizeof(cid));
	sipm_sec_list(m, "Security-Client", &l, NULL);
	sipm_sec_list(m, "Security-Verify", &l, NULL);
	sipm_collect(m, "P-Associated-URI", &coll[0][0], sizeof(coll[0]), 4);
	{
		struct pcscf_addr any = {0};
		uint32_t e;
		char c[64];

		sipm_reg_expires(m, &any, 0, &e, c, sizeof(c));
	}
	sipm_has_tag(m, "Require", "sec-agree");
	sipm_strip_tag(m, "Proxy-Require", "sec-agree");
	sipm_top_branch(m);
	n = sipm_print(m, out, sizeof(out));
	if (n > 0) {
		if (sipm_parse(&m2, out, n) == 0)
			osip_message_free(m2);
	}
	osip_message_free(m);
	return 0;
}
