/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The signalling side of pcscfd: one thread that owns the registration table,
 * speaks SIP (libosip2) with the UEs and the core, drives the SA lifecycle
 * and answers the control socket. Workers hand it SIP (already out of ESP)
 * through per-worker rings; it sends to UEs through ue_link (plain UDP from
 * the SIP port, or ESP it builds itself) and to the core through core_link.
 */
#ifndef PCSCF_PROXY_H
#define PCSCF_PROXY_H

#include <stdbool.h>
#include <stdint.h>
#include "pcscf_maps.h"
#include "common/ctl_cursor.h"
#include "reg/reg.h"
#include "sip/sec_agree.h"
#include "proxy/sa_slots.h"
#include "proxy/sip_ring.h"
#include "proxy/tcp_ue.h"
#include "proxy/txn.h"
#include "xdp/xdp_loader.h"

struct proxy_config {
	struct pcscf_addr addrs[PCSCF_MAX_ADDRS];
	int naddrs;
	struct pcscf_addr core_addr;
	uint16_t core_port;
	uint16_t sip_port;
	uint16_t prot_lo, prot_hi;
	uint32_t reg_await_auth_s;
	uint32_t max_regs;
	uint32_t tcp_per_source, tcp_rate; /* per source address; 0: defaults of tcp_ue.h */
	const char *alg_prefs;
};

/* Counted events, for pcscfctl stats. */
struct proxy_stats {
	uint64_t from_ue, from_core, to_ue, to_core;
	uint64_t parse_errors;	  /* not SIP */
	uint64_t rejected_494;	  /* no usable Security-Client */
	uint64_t unprotected_request; /* a request other than REGISTER outside ESP: dropped */
	uint64_t verify_mismatch; /* Security-Verify / Security-Client downgrade check failed */
	uint64_t no_keys_401;	  /* 401 from the core without ck/ik */
	uint64_t wrong_sa;	  /* protected message on an SA that cannot carry it */
	uint64_t unroutable;	  /* response without our Via, or its transaction gone */
	uint64_t retransmissions; /* requests relayed again under their transaction */
	uint64_t send_errors;
	uint64_t tcp_refused_full;   /* every connection slot taken */
	uint64_t tcp_refused_source; /* --tcp-per-source reached for that address */
	uint64_t tcp_refused_rate;   /* --tcp-rate exceeded for that address */
	uint64_t tcp_keepalives;     /* RFC 5626 CRLF pings answered */
	uint64_t ctl_dropped;	     /* control clients cut off: too many, too slow */
};

struct proxy {
	struct proxy_config cfg;
	struct pcscf_bpf_handles *bpf;
	struct reg_table *regs;
	struct sa_slots slots;
	struct sec_prefs prefs;
	struct txn_table txns;
	struct tcp_ue tcp;
	struct proxy_stats stats;
	int core_fd;
	char core_via_host[64];
	uint16_t core_via_port;
	int ue_fd[PCSCF_MAX_ADDRS]; /* UDP bound to addr:sip_port, plain SIP out */
	int raw4_fd, raw6_fd;	    /* ESP out */
	char buf[TCP_UE_MSG_MAX + 4096]; /* one message at a time: single thread */
	uint8_t pkt[8192];
};

int proxy_init(struct proxy *p, const struct proxy_config *cfg, struct pcscf_bpf_handles *bpf,
	       int nworkers);
void proxy_fini(struct proxy *p);
/* libosip2's own trace lines off (proxy_init does it): one per unparsable message otherwise. */
void proxy_osip_quiet(void);

/* A message from a UE (unprotected, or already decrypted by a worker). */
void proxy_from_ue(struct proxy *p, const struct sip_in *m);
/*
 * Readable core socket / SIP-port socket: at most PROXY_SOCK_BUDGET
 * datagrams per call, the rest waits for the next loop pass (poll is
 * level-triggered), so one busy socket cannot starve the others.
 */
#define PROXY_SOCK_BUDGET 64
/* Readable core socket. */
void proxy_from_core(struct proxy *p);
/* Readable SIP-port socket: IP fragments the kernel reassembled. */
void proxy_from_kernel_sip(struct proxy *p, int fd);
/* Timers; returns ms until the next deadline. */
int proxy_tick(struct proxy *p);
struct outbuf;
/* Appends the signalling counters ("sip" section of pcscfctl stats). */
void proxy_stats_render(const struct proxy *p, struct outbuf *o, bool json);
/*
 * Control commands that need the registration table ("sa list", "reg list"):
 * the next chunk of the reply into buf (length, -ENOENT for another command);
 * cur->done once the last chunk is out. Call again with the same cursor.
 */
int proxy_ctl(struct proxy *p, const char *cmd, struct ctl_cursor *cur, char *buf, size_t cap);

uint64_t proxy_now_ms(void);

/* ue_link.c */
int ue_link_open(struct proxy *p);
void ue_link_close(struct proxy *p);
/* Plain UDP from our SIP port to the UE. */
int ue_send_plain(struct proxy *p, const struct pcscf_addr *from, const struct pcscf_addr *to,
		  uint16_t dport, const char *msg, size_t len);
/* Through outbound SA `which` of set: UDP inside ESP, ports from the set. */
int ue_send_protected(struct proxy *p, const struct reg_sa_set *set, enum reg_sa_which which,
		      const char *msg, size_t len);

/* core_link.c */
int core_link_open(struct proxy *p);
void core_link_close(struct proxy *p);
int core_send(struct proxy *p, const char *msg, size_t len);

/* sa_ops.c */
extern const struct reg_ops proxy_reg_ops;

#endif
