// SPDX-License-Identifier: GPL-2.0
/*
 * Charging headers of RFC 3455 the P-CSCF writes (TS 24.229 5.2.2.1,
 * 5.2.6.3.2): a P-Charging-Vector whose icid-value names this request
 * uniquely, everywhere and for ever (TS 32.260: the IMS Charging Identifier
 * correlates all records of a session), and P-Visited-Network-ID when the
 * operator configured one. A UE's own copies are never believed, and the
 * charging headers never go to a UE (24.229 5.2.6.3.3).
 *
 * icid-value = NODE "." START "." SEQ: the node part is configured
 * (--icid-node) or our first access address in hex, START the wall clock
 * at start in microseconds, SEQ a counter; all hex, so the value is a token.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/addr.h"
#include "proxy/orig.h"
#include "proxy/sip_msg.h"

void charging_init(struct proxy *p)
{
	struct timespec ts;
	size_t n = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	p->icid_epoch_us = (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	p->icid_seq = 0;
	if (p->cfg.icid_node && *p->cfg.icid_node) {
		snprintf(p->icid_node, sizeof(p->icid_node), "%s", p->cfg.icid_node);
		return;
	}
	/* IPv4 as its 4 bytes, IPv6 as all 16 */
	for (int i = addr_is_v4(&p->cfg.addrs[0]) ? 12 : 0; i < 16; i++)
		n += snprintf(p->icid_node + n, sizeof(p->icid_node) - n, "%02x",
			      p->cfg.addrs[0].a[i]);
}

int charging_icid(struct proxy *p, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s.%" PRIx64 ".%" PRIx64, p->icid_node, p->icid_epoch_us,
			 ++p->icid_seq);

	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

void charging_strip(osip_message_t *msg)
{
	sipm_remove(msg, "P-Charging-Vector");
	sipm_remove(msg, "P-Charging-Function-Addresses");
}

int charging_add_vector(struct proxy *p, osip_message_t *msg)
{
	char icid[128], v[256];
	const char *ioi = p->cfg.orig_ioi;
	int n;

	if (charging_icid(p, icid, sizeof(icid)) < 0)
		return -ENOSPC;
	n = snprintf(v, sizeof(v), "icid-value=%s%s%s", icid, ioi && *ioi ? ";orig-ioi=" : "",
		     ioi && *ioi ? ioi : "");
	if (n < 0 || (size_t)n >= sizeof(v))
		return -ENOSPC;
	return sipm_add(msg, "P-Charging-Vector", v);
}

int charging_visited(struct proxy *p, osip_message_t *msg)
{
	const char *id = p->cfg.visited_network;

	sipm_remove(msg, "P-Visited-Network-ID");
	return id && *id ? sipm_add(msg, "P-Visited-Network-ID", id) : 0;
}
