/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcscfd settings: one table of options serves both the command line
 * (--name value) and the config file (name = value, one per line), so the two
 * can never disagree. Flags given on the command line override the file.
 */
#ifndef PCSCFD_OPTIONS_H
#define PCSCFD_OPTIONS_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include "pcscf_maps.h"
#include "common/log.h"
#include "xdp/xdp_loader.h"
#include "rx/rx.h"

#define PCSCFD_DEF_PIN_DIR "/sys/fs/bpf/pcscf"
#define PCSCFD_DEF_CTL	   "/run/pcscf/ctl.sock"
/*
 * Protected ports, shared by all UEs: outside the kernel's ephemeral range
 * (32768-60999), away from SIP's 5060/5061 and from the 5062/5064 UEs often
 * pick, so captures read unambiguously; 6100 was the start of the old range.
 * Five client ports, the size one commercial P-CSCF documents as its maximum.
 */
#define PCSCFD_DEF_PORT_PS     6100
#define PCSCFD_DEF_PORT_PS_STR "6100"
#define PCSCFD_DEF_PC_POOL     "6101-6105"
#define PCSCFD_DEF_RAA_S   240 /* reg-await-auth, TS 24.229 table 7.8.1 */
#define PCSCFD_DEF_MAX_REGS 10000
#define PCSCFD_PENDING_SHARE 4 /* default pending cap: a quarter of the table */
#define PCSCFD_DEF_TCP_PER_SOURCE 8
#define PCSCFD_DEF_TCP_RATE	  4 /* new connections per second per source, burst as many */
#define PCSCFD_DEF_TCP_TUN	  "pcscf-tcp0" /* TCP inside ESP on by default (TS 33.203 7.1) */
#define PCSCFD_DEF_ALGS	   "hmac-sha-1-96/aes-cbc,hmac-sha-1-96/null,hmac-md5-96/aes-cbc,hmac-md5-96/null"

struct pcscfd_config {
	char iface[IF_NAMESIZE];
	struct pcscf_addr addrs[PCSCF_MAX_ADDRS];
	int naddrs;
	struct pcscf_addr core_addr;
	uint16_t core_port;
	bool have_core;
	struct pcscf_addr core_listen; /* --core-listen; zero: the source towards the core */
	uint16_t core_listen_port;     /* 0: 5060 */
	uint16_t sip_port;
	uint16_t port_ps;      /* protected server port */
	uint16_t pc_lo, pc_hi; /* protected client port pool */
	uint32_t rl_rate, rl_burst;
	uint32_t rl_new_burst;	      /* a source prefix's first bucket */
	uint32_t rl_prefix4, rl_prefix6; /* sources share a bucket per prefix */
	uint32_t agg_rate, agg_burst; /* all unprotected SIP together */
	struct pcscf_prefix core_pfx[PCSCF_MAX_CORE_PFX]; /* never a UE source */
	int ncore_pfx;
	uint32_t reg_await_auth_s;
	uint32_t max_regs;
	uint32_t max_pending; /* 0: max_regs / PCSCFD_PENDING_SHARE */
	uint32_t max_txns;    /* 0: TXN_MAX_DEFAULT */
	uint32_t tcp_per_source, tcp_rate;
	enum xdp_attach_mode_opt xdp_mode;
	enum log_level log_level;
	char pin_dir[PATH_MAX];
	char ctl_path[PATH_MAX];
	char config_path[PATH_MAX];
	char alg_prefs[256];
	bool debug_dumpable; /* keep core dumps and ptrace possible (keys in them!) */
	bool service_route_verify; /* --service-route verify (400) instead of replace */
	char visited_network[128]; /* P-Visited-Network-ID: token or quoted string; "" none */
	char orig_ioi[64];	   /* orig-ioi of P-Charging-Vector; "" none */
	char icid_node[48];	   /* node part of icid-value; "" our first address */
	char tcp_tun[IF_NAMESIZE]; /* TUN of TCP inside ESP; "" off */
	struct rx_config rx; /* Rx to the PCRF (--rx and the rx-* settings) */
	uint32_t max_dialogs, max_held; /* INVITE dialogs with Rx (proxy/dlg_rx.c); held 0: default */
	uint32_t dlg_setup_s; /* --dialog-setup-timeout (proxy/dlg_timer.c); 0: default */
	bool rx_sigpath; /* --rx-signalling-path on: per registration (proxy/reg_rx.c) */
	/* Scale (issue 8): node id in our SPIs, admission of REGISTERs, what a 503 says. */
	uint32_t node_id, node_bits; /* top node_bits bits of our SPIs carry node_id */
	uint32_t max_inflight_reg;   /* REGISTERs at the core at once; 0: no limit */
	uint32_t retry_after_s;	     /* Retry-After of our 503s */
};
#define PCSCFD_DEF_RETRY_AFTER_S 10

void options_defaults(struct pcscfd_config *c);
/*
 * Parses argv (and the --config file it names). On a bad option, value or
 * file line prints one line to stderr and returns -EINVAL; --help returns 1.
 */
int options_parse(struct pcscfd_config *c, int argc, char **argv);
void options_usage(FILE *f);

#endif
