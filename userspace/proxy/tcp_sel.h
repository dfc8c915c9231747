/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP over TCP inside ESP (TS 33.203 7.1): which outbound SA a segment the
 * kernel wrote into the TUN must leave through. A segment names only
 * addresses and ports; an outbound SA is bound to exactly those (ours and
 * port_ps or port_pc, the UE's and port_uc or port_us), so the four are the
 * key. The table is a hash of chains over a fixed entry array indexed by the
 * caller's SA id (set index x 2 + UC/US): no allocation after init, O(1)
 * per segment, sized by the SA sets it can hold. The hash is keyed (SipHash,
 * random key) so a UE choosing its ports cannot aim at one chain. Several
 * live SAs may share a key (a re-authentication with the same UE ports,
 * port_ps shared): the one added last is found first, and when it goes the
 * older one is found again.
 *
 * tcp_seg_parse() reads what the TUN gives: one IPv4 (no fragment) or IPv6
 * (no extension header: the kernel adds none to our TCP) packet carrying
 * TCP, bounds-checked against the bytes read and the IP lengths.
 */
#ifndef PCSCF_TCP_SEL_H
#define PCSCF_TCP_SEL_H

#include <stddef.h>
#include <stdint.h>
#include "pcscf_maps.h"

#define TCP_SEL_NONE UINT32_MAX

struct tcp_sel_key {
	struct pcscf_addr ue, our; /* IPv4 as ::ffff:a.b.c.d */
	uint16_t ue_port, our_port;
};

/*
 * Links hold id + 1 so that zeroed memory is an empty table: calloc'd pages
 * become resident only for the sets that were ever used (48 bytes per SA).
 */
struct tcp_sel_ent {
	struct tcp_sel_key key;
	uint32_t next;	 /* chain: id + 1 of the next entry, 0 at the end */
	uint32_t gen;	 /* the caller's generation of what id names */
	uint32_t bucket; /* its bucket + 1; 0: not in the table */
	uint8_t mark;	 /* the caller's flag (tcp_esp: the UE has spoken TCP on this set) */
};

struct tcp_sel {
	uint32_t *bucket; /* id + 1 of each chain's first entry; 0: empty */
	uint32_t mask;	  /* buckets - 1, a power of two */
	struct tcp_sel_ent *ent;
	uint32_t cap; /* ids 0..cap-1 */
	uint32_t count;
	uint8_t hkey[16]; /* crypto_shorthash key */
};

int tcp_sel_init(struct tcp_sel *t, uint32_t cap);
void tcp_sel_fini(struct tcp_sel *t);
/* id must not be in the table (a second add of one id replaces the first). -EINVAL out of range. */
int tcp_sel_add(struct tcp_sel *t, uint32_t id, const struct tcp_sel_key *k, uint32_t gen);
/* No-op when id is not in the table. */
void tcp_sel_del(struct tcp_sel *t, uint32_t id);
/* The caller's flag on a present id, cleared when the id is added again. */
static inline void tcp_sel_mark(struct tcp_sel *t, uint32_t id)
{
	if (id < t->cap && t->ent[id].bucket)
		t->ent[id].mark = 1;
}

static inline int tcp_sel_marked(const struct tcp_sel *t, uint32_t id)
{
	return id < t->cap && t->ent[id].bucket && t->ent[id].mark;
}

/* The id last added under k (its gen in *gen), or TCP_SEL_NONE. */
uint32_t tcp_sel_find(const struct tcp_sel *t, const struct tcp_sel_key *k, uint32_t *gen);

/* One segment out of the TUN. l4 points into the packet. */
struct tcp_seg {
	struct tcp_sel_key k; /* ours = source, the UE's = destination */
	const uint8_t *l4;    /* TCP header */
	size_t l4_len;	      /* header and payload, as the IP length says */
	uint8_t flags;	      /* TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04) */
};

/*
 * 0, or -EINVAL when pkt (len bytes as read) is not one whole IPv4/IPv6
 * packet carrying a whole TCP header, -EPROTONOSUPPORT for another
 * protocol, an IPv4 fragment or an IPv6 extension header (router
 * solicitations and MLD that the kernel sends on any link come here).
 */
int tcp_seg_parse(const uint8_t *pkt, size_t len, struct tcp_seg *out);

#endif
