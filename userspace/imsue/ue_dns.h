/* SPDX-License-Identifier: GPL-2.0 */
/*
 * P-CSCF discovery by DNS as a UE does it when given a name (TS 24.229 9.2.1
 * and RFC 3263 4.1/4.2): NAPTR for the transport, SRV for host and port, then
 * A/AAAA. The answer parsers take a raw DNS message, so tests feed them
 * crafted buffers and no DNS server is needed.
 */
#ifndef IMSUE_UE_DNS_H
#define IMSUE_UE_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "pcscf_maps.h"

#define UE_DNS_NAME 256

struct ue_naptr {
	uint16_t order, pref;
	char flags[16];
	char service[32];
	char replacement[UE_DNS_NAME];
};

struct ue_srv {
	uint16_t prio, weight, port;
	char target[UE_DNS_NAME];
};

/*
 * Answers of one DNS response message, sorted: NAPTR by (order, pref), SRV by
 * (priority, weight descending). Return the number stored (at most @max),
 * -EINVAL on a malformed message. Records of other types are skipped.
 */
int ue_dns_parse_naptr(const uint8_t *msg, size_t len, struct ue_naptr *out, int max);
int ue_dns_parse_srv(const uint8_t *msg, size_t len, struct ue_srv *out, int max);
/* A and AAAA answers (IPv4 as v4-mapped). */
int ue_dns_parse_addr(const uint8_t *msg, size_t len, struct pcscf_addr *out, int max);

/*
 * RFC 3263 for SIP over UDP: NAPTR "SIP+D2U" (flag s) -> SRV, else
 * _sip._udp.NAME SRV, else NAME A/AAAA with port 5060. @trace (may be NULL)
 * gets one line per step. Returns 0 or -ENOENT / -EIO.
 */
int ue_dns_resolve(const char *name, struct pcscf_addr *addr, uint16_t *port,
		   void (*trace)(const char *line));

#endif /* IMSUE_UE_DNS_H */
