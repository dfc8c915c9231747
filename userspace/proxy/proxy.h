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
#include "xdp/xdp_maps.h"
#include "common/ctl_cursor.h"
#include "reg/reg.h"
#include "sip/sec_agree.h"
#include "proxy/sa_slots.h"
#include "proxy/sip_ring.h"
#include "proxy/tcp_ue.h"
#include "proxy/txn.h"
#include "proxy/admit.h"
#include "xdp/xdp_loader.h"

struct proxy_config {
	struct pcscf_addr addrs[PCSCF_MAX_ADDRS];
	int naddrs;
	struct pcscf_addr core_addr;
	uint16_t core_port;
	uint16_t sip_port;
	uint16_t port_ps;	     /* protected server port, shared by all UEs */
	uint16_t pc_lo, pc_hi; /* protected client port pool */
	uint32_t reg_await_auth_s;
	uint32_t max_regs;
	uint32_t max_pending; /* unauthenticated registrations; 0: no cap of their own */
	uint32_t tcp_per_source, tcp_rate; /* per source address; 0: defaults of tcp_ue.h */
	const char *alg_prefs;
	/*
	 * Terminating requests and reg events (terminating.c, reg_event.c): the
	 * core socket is bound to core_listen:core_listen_port (zero address:
	 * the kernel's source towards the core; port 0: PROXY_CORE_LISTEN_PORT),
	 * the address and port our Path and Via name, stable across restarts.
	 * Datagrams from anyone but core_addr or a core_peers prefix are dropped.
	 */
	struct pcscf_addr core_listen;
	uint16_t core_listen_port;
	struct pcscf_prefix core_peers[PCSCF_MAX_CORE_PFX];
	int ncore_peers;
	/* Originating requests (orig.h); NULL strings: not configured. */
	bool service_route_verify; /* Route set off the Service-Route: 400, else replaced */
	const char *visited_network; /* P-Visited-Network-ID we insert */
	const char *orig_ioi;	     /* orig-ioi of our P-Charging-Vector */
	const char *icid_node;	     /* node part of icid-value; NULL: our first address */
	const char *iface; /* access interface: its MTU bounds protected packets (NULL: 1500) */
	const char *tcp_tun; /* TUN of TCP inside ESP (tcp_esp.h); NULL: off */
	uint32_t max_dialogs, max_held; /* dlg_rx.c: dialogs 0 = no table; held 0 = DLG_DEF_HELD */
	uint32_t dlg_setup_s; /* dlg_timer.c: a dialog's bound to get up; 0: Timer C + 64*T1 */
	bool rx_sigpath; /* reg_rx.c: signalling path status per registration over Rx */
	/* Scale (admit.c): node id in our SPIs, REGISTER admission, what our 503s say. */
	uint8_t node_bits;
	uint32_t node_id;
	uint32_t max_inflight_reg; /* REGISTERs at the core at once; 0: no limit */
	uint32_t retry_after_s;	   /* 0: PROXY_RETRY_AFTER_S */
	uint32_t max_txns; /* live transactions (txn.h); 0: TXN_MAX_DEFAULT */
};
#define PROXY_CORE_LISTEN_PORT 5060
/* A pending registration younger than this is not evicted for a newcomer (its 401 answer may be on its way). */
#define PROXY_PENDING_FLOOR_MS 4000

/* Counted events, for pcscfctl stats. */
struct proxy_stats {
	uint64_t from_ue, from_core, to_ue, to_core;
	uint64_t parse_errors;	  /* not SIP */
	uint64_t rejected_494;	  /* no usable Security-Client */
	uint64_t unprotected_request; /* a request other than REGISTER outside ESP: dropped */
	uint64_t verify_mismatch; /* Security-Verify / Security-Client downgrade check failed */
	uint64_t no_keys_401;	  /* 401 from the core without usable ck/ik: 500 to the UE */
	uint64_t bad_expires_200; /* 200 to REGISTER without a usable expiry: state kept */
	uint64_t bad_core_uri;	  /* P-Associated-URI / Service-Route entry that is no URI: left out */
	uint64_t busy_503;	  /* a 401 we could not act on for lack of ports, slots, SPIs: 503 */
	uint64_t wrong_sa;	  /* protected message on an SA that cannot carry it */
	uint64_t unroutable;	  /* response without our Via, or its transaction gone */
	uint64_t retransmissions; /* retransmitted requests from upstream absorbed (txn_server.c) */
	uint64_t send_errors;
	uint64_t fragmented;	     /* protected messages sent as IP fragments (UDP, over the MTU) */
	uint64_t truncated;	     /* a datagram larger than our buffer (MSG_TRUNC): dropped */
	uint64_t tcp_refused_full;   /* every connection slot taken */
	uint64_t tcp_refused_source; /* --tcp-per-source reached for that address */
	uint64_t tcp_refused_rate;   /* --tcp-rate exceeded for that address */
	uint64_t tcp_keepalives;     /* RFC 5626 CRLF pings answered */
	uint64_t ctl_dropped;	     /* control clients cut off: too many, too slow */
	uint64_t core_foreign;	     /* datagram on the core socket from outside the core: dropped */
	uint64_t term_requests;	     /* terminating requests sent to a UE through its SAs */
	uint64_t term_responses;     /* UE responses to them relayed to the core */
	uint64_t term_not_found;     /* 404: no registration (stale token, unknown contact) */
	uint64_t term_unavailable;   /* 480: registration without a usable SA set */
	uint64_t term_bad_token;     /* 403: a token of ours that does not verify */
	uint64_t term_bad_response;  /* UE response with no terminating transaction, or wrong SA */
	uint64_t regev_subscribes;   /* reg-event SUBSCRIBEs sent (initial, refresh, Expires 0) */
	uint64_t regev_notifies;     /* NOTIFYs accepted (200) */
	uint64_t regev_deregs;	     /* registrations a NOTIFY terminated */
	uint64_t regev_bad;	     /* NOTIFYs refused: unknown subscription, bad reginfo */
	uint64_t orig_forbidden; /* 403: SA of no live registration, or From not one of its IMPUs */
	uint64_t loop_482;	 /* a Via of ours already in the request */
	uint64_t hops_483;	 /* Max-Forwards 0 */
	uint64_t route_mismatch; /* --service-route verify: Route set off the Service-Route (400) */
	uint64_t pai_removed;	 /* UE-supplied P-Asserted-Identity headers removed */
	/* TCP inside ESP (tcp_esp.h) */
	uint64_t tcp_esp_out;	/* segments out of the TUN encrypted and sent */
	uint64_t tcp_esp_no_sa; /* segments whose addresses and ports name no live outbound SA */
	uint64_t tcp_esp_bad;	/* TUN packets that are not one whole TCP segment (IPv6 chatter) */
	uint64_t tcp_esp_accepted; /* UE connections to port_ps taken */
	uint64_t tcp_esp_refused;  /* ... refused: SA gone, connection limits */
	uint64_t tcp_esp_connects; /* our connections from port_pc to a UE's port_us */
	uint64_t tcp_esp_fallback; /* ... that failed: the request went on UDP (RFC 3261 18.1.1) */
	/* Transactions (txn_*.c, RFC 3261 16/17) */
	uint64_t txn_full;	   /* no free slot (--max-txns): 503 */
	uint64_t txn_no_buf;	   /* no room for a copy: that one is not retransmitted */
	uint64_t txn_resent;	   /* last response sent again for a retransmitted request */
	uint64_t txn_absorbed_100;   /* 100 Trying from downstream, not forwarded */
	uint64_t txn_absorbed_final; /* retransmitted final responses from downstream absorbed */
	uint64_t txn_absorbed_ack;   /* ACKs of non-2xx finals from upstream absorbed */
	uint64_t txn_acks_sent;	   /* ACKs we sent downstream for non-2xx finals */
	uint64_t txn_stateless_ack;  /* ACKs of 2xx relayed as requests */
	uint64_t txn_cancels;	   /* CANCELs from upstream answered 200 */
	uint64_t txn_cancels_sent;   /* CANCELs we sent downstream */
	uint64_t txn_481;	   /* CANCEL of no transaction */
	uint64_t txn_req_retx;	   /* timers A/E: requests sent again downstream */
	uint64_t txn_retx_deferred; /* A/E to the core put off: its answers wait unread here */
	uint64_t txn_resp_retx;	   /* timer G: non-2xx finals sent again upstream */
	uint64_t txn_timeouts;	   /* timers B/F: no final from downstream, 408 upstream */
	uint64_t txn_timer_c;	   /* Timer C: INVITE CANCELled, 408 upstream */
	uint64_t txn_no_ack;	   /* timer H: no ACK for a non-2xx final */
};

/* A UDP datagram, whole: the core socket and the SIP-port socket receive into this. */
#define PROXY_DGRAM_MAX 65536

struct proxy;

/*
 * The seam between the signalling state machine and the outside world, so
 * it can run in a unit test or a fuzzer without sockets, BPF or a real
 * clock. A NULL member means the real thing: the daemon leaves them all NULL.
 * Each hook replaces only the syscall or map write; the checks and counters
 * around it (ue_link.c, core_link.c, sa_ops.c) still run. Hooks return 0 or
 * a negative errno. TCP and the core's receive side keep their descriptors:
 * a test hands them socketpairs.
 */
struct proxy_io {
	void *ctx;
	/* proxy_now_ms() for the whole process (one proxy per process). */
	uint64_t (*now_ms)(void *ctx);
	/* Plain UDP to the UE, from our address `from`. */
	int (*ue_plain)(struct proxy *p, const struct pcscf_addr *from, const struct pcscf_addr *to,
			uint16_t dport, const char *msg, size_t len);
	/* Through outbound SA `which` of set: the SIP text, before UDP and ESP are added. */
	int (*ue_protected)(struct proxy *p, const struct reg_sa_set *set, enum reg_sa_which which,
			    const char *msg, size_t len);
	int (*core)(struct proxy *p, const char *msg, size_t len);
	/* The classifier's SA map (inbound SAs only). */
	int (*sa_put)(struct proxy *p, uint32_t spi, const struct pcscf_addr *our_addr,
		      const struct xdp_sa *v);
	int (*sa_del)(struct proxy *p, uint32_t spi);
};

struct proxy {
	struct proxy_config cfg;
	struct proxy_io io;
	struct pcscf_bpf_handles *bpf;
	struct reg_table *regs;
	struct sa_slots slots;
	struct sec_prefs prefs;
	struct txn_table txns;
	struct tcp_ue tcp;
	struct proxy_stats stats;
	struct admit admit;	   /* admit.c: REGISTER admission, 503 causes */
	struct term *term;	   /* terminating.c */
	struct reg_event *regev; /* reg_event.c */
	struct tcp_esp *tesp;	 /* tcp_esp.c; NULL: TCP inside ESP off */
	struct dlg_ctx *dlg;	 /* dlg_rx.c: INVITE dialogs with Rx */
	struct reg_rx *regrx;	 /* reg_rx.c: signalling path status; NULL: off */
	int core_fd;
	char core_via_host[64];
	uint16_t core_via_port;
	char icid_node[64];	 /* charging.c: node part of every icid-value */
	uint64_t icid_epoch_us; /* wall clock at start: icids differ across restarts */
	uint8_t icid_key[32];	 /* keys the hash naming each request in its icid */
	int ue_fd[PCSCF_MAX_ADDRS]; /* UDP bound to addr:sip_port, plain SIP out */
	int raw4_fd, raw6_fd;	    /* ESP out */
	uint32_t mtu;		    /* of the access interface: larger ESP leaves in fragments */
	char buf[TCP_UE_MSG_MAX + 4096]; /* one message at a time: single thread */
	uint8_t seg[PROXY_DGRAM_MAX];	 /* the UDP segment a protected message becomes */
	uint8_t pkt[PROXY_DGRAM_MAX + 1024]; /* ... and its ESP packet */
	uint8_t frag[PROXY_DGRAM_MAX];	     /* ... and one fragment of it (up to the MTU) */
};

int proxy_init(struct proxy *p, const struct proxy_config *cfg, struct pcscf_bpf_handles *bpf,
	       int nworkers);
/*
 * Without sockets or BPF (tests, fuzzing): every hook of io that is NULL
 * would reach a socket that is not there, so give all the send hooks. No
 * workers: retired SAs are destroyed at the next tick. core_fd stays -1 and
 * core_via_host/port empty until the caller sets them.
 */
int proxy_init_io(struct proxy *p, const struct proxy_config *cfg, const struct proxy_io *io);
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
/* A transport segment (proto, l4: header and payload) through outbound SA `which`. */
int ue_send_esp(struct proxy *p, const struct reg_sa_set *set, enum reg_sa_which which,
		uint8_t proto, const uint8_t *l4, size_t len);

/* core_link.c */
int core_link_open(struct proxy *p);
void core_link_close(struct proxy *p);
int core_send(struct proxy *p, const char *msg, size_t len);
/* To a core peer that sent us a request (its answer goes back where it came from). */
int core_send_to(struct proxy *p, const struct pcscf_addr *to, uint16_t port, const char *msg,
		 size_t len);
/* May a datagram from a on the core socket be handled? (core_addr or a core_peers prefix) */
bool core_peer_ok(const struct proxy *p, const struct pcscf_addr *a);

/* sa_ops.c */
extern const struct reg_ops proxy_reg_ops;

#endif
