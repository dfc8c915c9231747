// SPDX-License-Identifier: GPL-2.0
/*
 * Charging headers of RFC 3455 the P-CSCF writes (TS 24.229 5.2.2.1,
 * 5.2.6.3.2): a P-Charging-Vector whose icid-value names this request
 * uniquely, everywhere and for ever (TS 32.260: the IMS Charging Identifier
 * correlates all records of a session), and P-Visited-Network-ID when the
 * operator configured one. A UE's own copies are never believed, and the
 * charging headers never go to a UE (24.229 5.2.6.3.3).
 *
 * icid-value = NODE "." START "." ID: the node part is configured
 * (--icid-node) or our first access address in hex, START the wall clock
 * at start in microseconds, ID 128 bits of BLAKE2b, keyed with a secret
 * drawn at start, over what makes the request one request (RFC 3261 17.2.3:
 * the UE's address and port, its Via branch, Call-ID and CSeq). A counter
 * would do for uniqueness, but a retransmission must be relayed as the same
 * text (a UAS tells retransmissions from new requests by it), and the
 * retransmission goes through here again; the hash gives it the same ID, a
 * new request another one (a collision needs some 2^64 requests of one
 * run). All hex, so the value is a token.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "common/addr.h"
#include "proxy/orig.h"
#include "proxy/sip_msg.h"

void charging_init(struct proxy *p)
{
	struct timespec ts;
	size_t n = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	p->icid_epoch_us = (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	randombytes_buf(p->icid_key, sizeof(p->icid_key));
	if (p->cfg.icid_node && *p->cfg.icid_node) {
		snprintf(p->icid_node, sizeof(p->icid_node), "%s", p->cfg.icid_node);
		return;
	}
	/* IPv4 as its 4 bytes, IPv6 as all 16 */
	for (int i = addr_is_v4(&p->cfg.addrs[0]) ? 12 : 0; i < 16; i++)
		n += snprintf(p->icid_node + n, sizeof(p->icid_node) - n, "%02x",
			      p->cfg.addrs[0].a[i]);
}

int charging_icid(struct proxy *p, const struct sip_in *m, osip_message_t *msg, char *out,
		  size_t cap)
{
	crypto_generichash_state st;
	const char *branch = sipm_top_branch(msg);
	char cid[REG_CALLID_MAX] = "", cseq[32] = "";
	uint8_t id[16];
	size_t n;

	sipm_call_id(msg, cid, sizeof(cid));
	if (msg->cseq)
		snprintf(cseq, sizeof(cseq), "%s %s", msg->cseq->number ? msg->cseq->number : "",
			 msg->cseq->method ? msg->cseq->method : "");
	crypto_generichash_init(&st, p->icid_key, sizeof(p->icid_key), sizeof(id));
	crypto_generichash_update(&st, m->src.a, sizeof(m->src.a));
	crypto_generichash_update(&st, (const uint8_t *)&m->sport, sizeof(m->sport));
	/* each field with its NUL, so no two splits of the same bytes hash alike */
	crypto_generichash_update(&st, (const uint8_t *)(branch ? branch : ""),
				  strlen(branch ? branch : "") + 1);
	crypto_generichash_update(&st, (const uint8_t *)cid, strlen(cid) + 1);
	crypto_generichash_update(&st, (const uint8_t *)cseq, strlen(cseq) + 1);
	crypto_generichash_final(&st, id, sizeof(id));
	n = snprintf(out, cap, "%s.%" PRIx64 ".", p->icid_node, p->icid_epoch_us);
	if (n + 2 * sizeof(id) >= cap)
		return -ENOSPC;
	sodium_bin2hex(out + n, cap - n, id, sizeof(id));
	return (int)(n + 2 * sizeof(id));
}

void charging_strip(osip_message_t *msg)
{
	sipm_remove(msg, "P-Charging-Vector");
	sipm_remove(msg, "P-Charging-Function-Addresses");
}

int charging_add_vector(struct proxy *p, const struct sip_in *m, osip_message_t *msg)
{
	char icid[128], v[256];
	const char *ioi = p->cfg.orig_ioi;
	int n;

	if (charging_icid(p, m, msg, icid, sizeof(icid)) < 0)
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
