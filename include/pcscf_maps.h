/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Types shared by the XDP classifier (bpf/) and userspace (pcscfd, pcscfctl).
 * Only what both sides must agree on lives here: map keys and values, the
 * per-frame metadata the classifier hands to the AF_XDP workers, and the
 * verdict counters. Every address is kept as 16 bytes; IPv4 is stored
 * v4-mapped (::ffff:a.b.c.d) so one key type serves both families.
 */
#ifndef PCSCF_MAPS_H
#define PCSCF_MAPS_H

#include <linux/types.h>

#define PCSCF_MAX_ADDRS	   8
#define PCSCF_MAX_SAS	   65536 /* elements: 4 SPI indices each */
#define PCSCF_MAX_QUEUES   64
#define PCSCF_RL_ENTRIES   65536
#define PCSCF_DEF_SIP_PORT 5060
#define PCSCF_MAX_CORE_PFX 8

/* Map names: pinned by these names, looked up by these names. */
#define PCSCF_MAP_SA	"pcscf_sa"
#define PCSCF_MAP_CFG	"pcscf_cfg"
#define PCSCF_MAP_STATS "pcscf_stats"
#define PCSCF_MAP_RL	"pcscf_ratelimit"
#define PCSCF_MAP_AGG	"pcscf_agg"
#define PCSCF_MAP_XSKS	"pcscf_xsks"
#define PCSCF_PROG_NAME "pcscf_xdp"

struct pcscf_addr {
	__u8 a[16];
};

/*
 * Our inbound SPIs name their entry of pcscf_sa (an array): the low
 * PCSCF_SPI_SLOT_BITS bits are the entry's index, the bits above are a tag
 * that changes each time the entry is reused (so an SPI of an SA that died
 * does not match its successor), and a node id may take the top bits of the
 * tag (reg.h: node_bits). This is the only definition of the split.
 */
#define PCSCF_SPI_SLOT_BITS 23
#define PCSCF_SPI_SLOT_MASK ((1u << PCSCF_SPI_SLOT_BITS) - 1)

/*
 * pcscf_sa is keyed by a plain __u32, the low bits of the SPI (host order):
 * the kernel's BTF check wants an integer key for an array. Keys below
 * PCSCF_SA_MAP_BASE stay empty, so that no tag makes one of our SPIs a
 * reserved one (0-255, RFC 4303 2.1). Above it, two keys per SA set of the
 * daemon (its inbound SAs PS, PC), and the key names the set's slot in the
 * workers' SA table: slot = set * 4 + which, PS = 0, PC = 3 (reg.h). This is
 * the only definition of that mapping; the classifier derives the slot from
 * the key instead of storing it.
 */
#define PCSCF_SA_MAP_BASE 256

static inline __u32 pcscf_sa_key_slot(__u32 key)
{
	return ((key - PCSCF_SA_MAP_BASE) << 1) + (key & 1);
}

enum pcscf_sa_state {
	PCSCF_SA_TEMPORARY = 1,
	PCSCF_SA_NEW = 2,
	PCSCF_SA_OLD = 3,
};

/*
 * Element of pcscf_sa: the tags of four consecutive SPI indices (index =
 * the SPI's low PCSCF_SPI_SLOT_BITS bits, element = index / 4, tag =
 * tag[index % 4]), 2 bytes an SA where a BPF array rounds any value to 8:
 * the part of the array live SAs touch is 4 MB for 2M SAs, which stays in
 * the cache where 8 bytes an SA (16 MB) missed it on most random packets
 * (README: "SA map value"). A tag is PCSCF_SA_TAG_LIVE | the SPI's bits
 * above the index (tag and node id, 32 - PCSCF_SPI_SLOT_BITS bits), so the
 * classifier's check is still of the whole SPI; 0 is an empty index.
 * Only the slot (pcscf_sa_key_slot) goes to the worker in the frame
 * metadata: the worker takes the SA now in that slot with its generation,
 * and its ESP engine compares the packet's SPI with the SA's before
 * anything else, which tells a reused slot from the SA the packet named.
 * Everything else about the SA (the addresses and ports it is bound to, its
 * expiry) is checked in userspace before the ICV: the ESP engine compares
 * SPI, both addresses and inner ports, and the daemon empties the index when
 * the SA expires.
 */
#define PCSCF_SA_PER_ELEM 4
#define PCSCF_SA_TAG_LIVE 0x8000

struct pcscf_sa_tags {
	__u16 tag[PCSCF_SA_PER_ELEM];
};

static inline __u16 pcscf_sa_tag(__u32 spi)
{
	return PCSCF_SA_TAG_LIVE | (__u16)(spi >> PCSCF_SPI_SLOT_BITS);
}

/* The SPI (host order) a live tag at index names. */
static inline __u32 pcscf_sa_tag_spi(__u16 tag, __u32 index)
{
	return (__u32)(tag & ~PCSCF_SA_TAG_LIVE) << PCSCF_SPI_SLOT_BITS | index;
}

/* Elements of pcscf_sa that hold indices 0 .. indices - 1. */
static inline __u32 pcscf_sa_elems(__u32 indices)
{
	return (indices + PCSCF_SA_PER_ELEM - 1) / PCSCF_SA_PER_ELEM;
}

/*
 * A source prefix: addr with the host bits already cleared, and its mask
 * (both 16 bytes, IPv4 v4-mapped), so the classifier tests it with two ANDs.
 */
struct pcscf_prefix {
	struct pcscf_addr addr;
	struct pcscf_addr mask;
};

/*
 * Single entry of pcscf_cfg (array, key 0). Zero fields take the defaults
 * below. Our own addresses live here rather than in a hash map: comparing a
 * handful of addresses costs less than hashing one (see make bench).
 */
struct pcscf_config {
	__u16 sip_port;	     /* unprotected SIP port, default 5060 */
	__u16 prot_port_lo;  /* protected client port pool, inclusive; 0 disables */
	__u16 prot_port_hi;
	__u16 n_addrs;	     /* used entries of addrs */
	__u16 prot_port_ps;  /* protected server port; 0: none */
	__u16 pad;
	__u32 rl_rate_pps;   /* per source token refill, 0: default */
	__u32 rl_burst;	     /* per source bucket size, 0: default */
	struct pcscf_addr addrs[PCSCF_MAX_ADDRS]; /* the P-CSCF addresses */
	__u32 rl_new_burst;  /* tokens a source's first bucket holds, 0: default */
	__u32 agg_rate_pps;  /* all unprotected SIP together, token refill, 0: default */
	__u32 agg_burst;     /* all unprotected SIP together, bucket size, 0: default */
	__u8 rl_prefix4;     /* IPv4 sources share a bucket per /rl_prefix4, 0: default */
	__u8 rl_prefix6;     /* IPv6 sources share a bucket per /rl_prefix6, 0: default */
	__u16 n_core;	     /* used entries of core */
	/* Core network prefixes: never a UE source on the access side, dropped. */
	struct pcscf_prefix core[PCSCF_MAX_CORE_PFX];
};

#define PCSCF_DEF_RL_RATE      200
#define PCSCF_DEF_RL_BURST     400
#define PCSCF_DEF_RL_NEW_BURST 10 /* enough for a REGISTER with a retransmission or two */
#define PCSCF_DEF_AGG_RATE     20000
#define PCSCF_DEF_AGG_BURST    40000
#define PCSCF_DEF_RL_PREFIX4   32
#define PCSCF_DEF_RL_PREFIX6   64 /* one /64 per UE PDN connection (TS 23.401 5.3.1.2.2) */
/* Per-source refill rates above this count as this (keeps the refill product in 64 bits). */
#define PCSCF_RL_RATE_MAX      100000000u

/* Value of pcscf_ratelimit (LRU hash keyed by source prefix, host bits zero). */
struct pcscf_bucket {
	__u64 last_ns;
	__u64 tokens_milli; /* tokens * 1000, so small rates refill smoothly */
};

/*
 * Value of pcscf_agg (array, key 0): the one budget shared by every CPU for
 * all unprotected SIP, updated with atomic adds. Signed: a CPU takes its token
 * first and gives it back when the budget was already empty.
 */
struct pcscf_agg_bucket {
	__u64 last_ns;
	__s64 tokens_milli;
};

/*
 * Verdict counters: one per-CPU array entry (key 0) holding named fields so
 * `bpftool map dump` prints them by name. PCSCF_STAT_* index the same fields
 * as an array of __u64; the order below is the ABI.
 */
struct pcscf_xdp_stats {
	__u64 sip_unprotected;		     /* UDP to the SIP port, redirected */
	__u64 esp;			     /* ESP for a live SA, redirected */
	__u64 esp_unknown_spi;		     /* dropped */
	__u64 esp_expired;		     /* unused: the daemon empties an expired SA's entry */
	__u64 unprotected_on_protected_port; /* dropped (TS 33.203 7.1) */
	__u64 rate_limited;		     /* dropped */
	__u64 malformed;		     /* truncated or bad headers, dropped */
	__u64 pass;			     /* not ours: to the kernel */
	__u64 pass_fragment;		     /* IP fragments to us: kernel reassembles */
	__u64 no_worker;		     /* ours, but no AF_XDP socket on the queue */
	__u64 agg_limited;		     /* over the budget of all unprotected SIP, dropped */
	__u64 bad_source;		     /* source can never be a UE, dropped */
	__u64 esp_fragment;		     /* ESP fragment to us, redirected: the worker reassembles */
};

enum pcscf_stat {
	PCSCF_STAT_SIP_UNPROTECTED,
	PCSCF_STAT_ESP,
	PCSCF_STAT_ESP_UNKNOWN_SPI,
	PCSCF_STAT_ESP_EXPIRED,
	PCSCF_STAT_UNPROT_ON_PROT_PORT,
	PCSCF_STAT_RATE_LIMITED,
	PCSCF_STAT_MALFORMED,
	PCSCF_STAT_PASS,
	PCSCF_STAT_PASS_FRAGMENT,
	PCSCF_STAT_NO_WORKER,
	PCSCF_STAT_AGG_LIMITED,
	PCSCF_STAT_BAD_SOURCE,
	PCSCF_STAT_ESP_FRAGMENT,
	PCSCF_STAT_MAX,
};

/*
 * Metadata written in front of every redirected frame (bpf_xdp_adjust_meta);
 * AF_XDP copies it into the UMEM just before the packet data.
 */
#define PCSCF_META_MAGIC 0x50435343u /* "PCSC" */

enum pcscf_meta_kind {
	PCSCF_META_SIP = 1,
	PCSCF_META_ESP = 2,
	PCSCF_META_ESP_FRAG = 3, /* an IP fragment of ESP; slot/generation on the first only */
};

/*
 * Offsets are from the frame start (the Ethernet header) and were checked by
 * the classifier against the frame: the worker reads headers there instead of
 * parsing them again (VLAN tags, IPv4 options, IPv6 extension headers).
 */
struct pcscf_xdp_meta {
	__u32 sa_slot;
	__u32 sa_generation; /* 0: the worker reads the slot's (pcscf_sa_tags) */
	__u16 l3_off;	  /* the IP header */
	__u16 l4_off;	  /* the UDP (SIP) or ESP header, after options / extension headers */
	__u16 proto_off;  /* the byte naming the l4 protocol: IPv4 protocol or last next header */
	__u8 kind;	  /* enum pcscf_meta_kind */
	__u8 family;	  /* 4 or 6 */
	__u32 magic;	  /* last, adjacent to the packet: PCSCF_META_MAGIC */
};

#endif /* PCSCF_MAPS_H */
