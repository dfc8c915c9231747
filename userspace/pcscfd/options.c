// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "reg/reg.h"
#include "xdp/xdp_maps.h"
#include "common/sa_sizing.h"
#include "pcscfd/options.h"
#include "proxy/dialog.h"
#include "proxy/txn.h"
#include "proxy/tcp_ue.h"

struct option_def {
	const char *name;
	const char *arg;
	const char *help;
	int (*set)(struct pcscfd_config *c, const char *v);
	bool flag; /* no value on the command line (means "yes"); yes/no in the file */
};

static int set_str(char *dst, size_t cap, const char *v)
{
	if (!*v || strlen(v) >= cap)
		return -EINVAL;
	strcpy(dst, v);
	return 0;
}

static int set_u32(uint32_t *dst, const char *v, uint32_t min, uint32_t max)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max || v[0] == '-')
		return -EINVAL;
	*dst = n;
	return 0;
}

static int o_iface(struct pcscfd_config *c, const char *v)
{
	return set_str(c->iface, sizeof(c->iface), v);
}

static int o_addr(struct pcscfd_config *c, const char *v)
{
	if (c->naddrs >= PCSCF_MAX_ADDRS)
		return -E2BIG;
	if (addr_parse(v, &c->addrs[c->naddrs]))
		return -EINVAL;
	c->naddrs++;
	return 0;
}

static int o_core(struct pcscfd_config *c, const char *v)
{
	if (hostport_parse(v, &c->core_addr, &c->core_port))
		return -EINVAL;
	c->have_core = true;
	return 0;
}

/* Terminating requests: the stable core-side address and port of Path and Via. */
static int o_core_listen(struct pcscfd_config *c, const char *v)
{
	return hostport_parse(v, &c->core_listen, &c->core_listen_port) ? -EINVAL : 0;
}

static int o_sip_port(struct pcscfd_config *c, const char *v)
{
	uint32_t p;
	int err = set_u32(&p, v, 1, 65535);

	c->sip_port = p;
	return err;
}

static int o_port_ps(struct pcscfd_config *c, const char *v)
{
	return port_parse(v, &c->port_ps);
}

/* "LO-HI" or a single port (a pool of one). */
static int o_pc_pool(struct pcscfd_config *c, const char *v)
{
	if (strchr(v, '-'))
		return port_range_parse(v, &c->pc_lo, &c->pc_hi);
	if (port_parse(v, &c->pc_lo))
		return -EINVAL;
	c->pc_hi = c->pc_lo;
	return 0;
}

static int o_pin_dir(struct pcscfd_config *c, const char *v)
{
	return set_str(c->pin_dir, sizeof(c->pin_dir), v);
}

static int o_ctl(struct pcscfd_config *c, const char *v)
{
	return set_str(c->ctl_path, sizeof(c->ctl_path), v);
}

static int o_log(struct pcscfd_config *c, const char *v)
{
	return log_level_parse(v, &c->log_level);
}

static int o_rate(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->rl_rate, v, 1, 10000000);
}

static int o_burst(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->rl_burst, v, 1, 10000000);
}

static int o_burst_new(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->rl_new_burst, v, 1, 10000000);
}

static int o_prefix4(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->rl_prefix4, v, 1, 32);
}

static int o_prefix6(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->rl_prefix6, v, 1, 128);
}

static int o_rate_all(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->agg_rate, v, 1, 100000000);
}

static int o_burst_all(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->agg_burst, v, 1, 100000000);
}

static int o_core_prefix(struct pcscfd_config *c, const char *v)
{
	if (c->ncore_pfx >= PCSCF_MAX_CORE_PFX)
		return -E2BIG;
	if (xdp_prefix_parse(v, &c->core_pfx[c->ncore_pfx]))
		return -EINVAL;
	c->ncore_pfx++;
	return 0;
}

static int o_raa(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->reg_await_auth_s, v, 1, 3600);
}

static int o_max_regs(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->max_regs, v, 1, 1000000);
}

static int o_max_pending(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->max_pending, v, 1, 1000000);
}

static int o_max_txns(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->max_txns, v, 64, TXN_MAX_LIMIT);
}

static int o_tcp_per_source(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->tcp_per_source, v, 1, TCP_UE_CONNS);
}

static int o_tcp_rate(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->tcp_rate, v, 1, 100000);
}

static int o_xdp_mode(struct pcscfd_config *c, const char *v)
{
	if (!strcmp(v, "native"))
		c->xdp_mode = XDP_OPT_NATIVE;
	else if (!strcmp(v, "skb"))
		c->xdp_mode = XDP_OPT_SKB;
	else
		return -EINVAL;
	return 0;
}

static int o_algs(struct pcscfd_config *c, const char *v)
{
	return set_str(c->alg_prefs, sizeof(c->alg_prefs), v);
}

static int set_bool(bool *dst, const char *v)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*dst = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*dst = false;
	else
		return -EINVAL;
	return 0;
}

static int o_debug_dumpable(struct pcscfd_config *c, const char *v)
{
	return set_bool(&c->debug_dumpable, v);
}

static int o_service_route(struct pcscfd_config *c, const char *v)
{
	if (!strcmp(v, "verify"))
		c->service_route_verify = true;
	else if (!strcmp(v, "replace"))
		c->service_route_verify = false;
	else
		return -EINVAL;
	return 0;
}

/* RFC 3261 25.1 token: what a header parameter value may be without quotes. */
static bool is_token(const char *v)
{
	if (!*v)
		return false;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && !strchr("-.!%*_+`'~", *v))
			return false;
	return true;
}

static int set_token(char *dst, size_t cap, const char *v)
{
	return is_token(v) ? set_str(dst, cap, v) : -EINVAL;
}

static int o_orig_ioi(struct pcscfd_config *c, const char *v)
{
	return set_token(c->orig_ioi, sizeof(c->orig_ioi), v);
}

static int o_icid_node(struct pcscfd_config *c, const char *v)
{
	return set_token(c->icid_node, sizeof(c->icid_node), v);
}

/* TCP inside ESP: the TUN's name, or "off" (tcp_esp.h). */
static int o_tcp_tun(struct pcscfd_config *c, const char *v)
{
	if (!strcmp(v, "off")) {
		c->tcp_tun[0] = '\0';
		return 0;
	}
	if (!v[0] || strlen(v) >= sizeof(c->tcp_tun) || strchr(v, '/') || strchr(v, ' '))
		return -EINVAL;
	return set_str(c->tcp_tun, sizeof(c->tcp_tun), v);
}

/* RFC 3455 4.3: a token, or text written as a quoted string (no quotes or escapes inside). */
static int o_visited_network(struct pcscfd_config *c, const char *v)
{
	size_t n = strlen(v);

	if (is_token(v))
		return set_str(c->visited_network, sizeof(c->visited_network), v);
	if (!n || n + 3 > sizeof(c->visited_network))
		return -EINVAL;
	for (const char *p = v; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return -EINVAL;
	snprintf(c->visited_network, sizeof(c->visited_network), "\"%s\"", v);
	return 0;
}

/* ---- Rx (TS 29.214): the rx-* settings, kept together ---- */

static int o_rx(struct pcscfd_config *c, const char *v)
{
	return set_bool(&c->rx.enabled, v);
}

/* "HOST,IP[,PORT]": the PCRF's Diameter identity and where to reach it */
static int o_rx_pcrf(struct pcscfd_config *c, const char *v)
{
	struct rx_peer_cfg *p = &c->rx.peers[c->rx.npeers];
	const char *a = strchr(v, ','), *b = a ? strchr(a + 1, ',') : NULL;
	struct pcscf_addr ip;
	char addr[64];
	size_t al = b ? (size_t)(b - a - 1) : a ? strlen(a + 1) : 0;

	if (c->rx.npeers >= RX_MAX_PEERS)
		return -E2BIG;
	if (!a || a == v || (size_t)(a - v) >= sizeof(p->host) || !al || al >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, a + 1, al);
	addr[al] = '\0';
	if (addr_parse(addr, &ip) || (b && port_parse(b + 1, &p->port)))
		return -EINVAL;
	if (!b)
		p->port = RX_DEF_PORT;
	memcpy(p->host, v, a - v);
	p->host[a - v] = '\0';
	strcpy(p->addr, addr);
	c->rx.npeers++;
	return 0;
}

static int o_rx_realm(struct pcscfd_config *c, const char *v)
{
	return set_str(c->rx.dest_realm, sizeof(c->rx.dest_realm), v);
}

static int o_rx_origin_host(struct pcscfd_config *c, const char *v)
{
	return set_str(c->rx.origin_host, sizeof(c->rx.origin_host), v);
}

static int o_rx_origin_realm(struct pcscfd_config *c, const char *v)
{
	return set_str(c->rx.origin_realm, sizeof(c->rx.origin_realm), v);
}

static int o_rx_local(struct pcscfd_config *c, const char *v)
{
	struct pcscf_addr a;

	return addr_parse(v, &a) ? -EINVAL : set_str(c->rx.local_addr, sizeof(c->rx.local_addr), v);
}

static int o_rx_unreachable(struct pcscfd_config *c, const char *v)
{
	if (!strcmp(v, "reject"))
		c->rx.unreachable = RX_UNREACH_REJECT;
	else if (!strcmp(v, "allow"))
		c->rx.unreachable = RX_UNREACH_ALLOW;
	else
		return -EINVAL;
	return 0;
}

/* TS 29.214 4.4.5a: the signalling path status of each registration (proxy/reg_rx.c) */
static int o_rx_sigpath(struct pcscfd_config *c, const char *v)
{
	if (!strcmp(v, "on") || !strcmp(v, "off")) {
		c->rx_sigpath = v[1] == 'n';
		return 0;
	}
	return set_bool(&c->rx_sigpath, v);
}

static int o_rx_tw(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->rx.tw_s, v, 6, 3600); /* RFC 3539: Tw at least 6 s */
}

static int o_rx_tc(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->rx.tc_s, v, 1, 3600);
}

static int o_rx_timeout(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->rx.timeout_ms, v, 100, 60000);
}

static int o_rx_sessions(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->rx.max_sessions, v, 1, 1000000);
}

static int o_rx_app_id(struct pcscfd_config *c, const char *v)
{
	return set_str(c->rx.af_app_id, sizeof(c->rx.af_app_id), v);
}

static int o_rx_tls_cert(struct pcscfd_config *c, const char *v)
{
	return set_str(c->rx.tls_cert, sizeof(c->rx.tls_cert), v);
}

static int o_rx_tls_key(struct pcscfd_config *c, const char *v)
{
	return set_str(c->rx.tls_key, sizeof(c->rx.tls_key), v);
}

/* INVITE dialogs holding an Rx session (proxy/dlg_rx.c) */
static int o_max_dialogs(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->max_dialogs, v, 1, DLG_MAX_LIMIT);
}

static int o_max_held(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->max_held, v, 1, DLG_MAX_LIMIT);
}

/* A dialog's bound to get up (proxy/dlg_timer.c); shorter only for tests. */
static int o_dlg_setup(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->dlg_setup_s, v, 1, DLG_SETUP_MAX);
}

#define RX_OPTION_DEFS                                                                             \
	{ "rx", "", "ask the PCRF to authorise media over Rx (default off)", o_rx, true },          \
	{ "rx-pcrf", "HOST,IP[,PORT]", "a PCRF, in order of preference (repeatable, up to 4; "    \
				      "port 3868)", o_rx_pcrf },                                  \
	{ "rx-realm", "REALM", "the PCRFs' Destination-Realm", o_rx_realm },                      \
	{ "rx-origin-host", "FQDN", "our Diameter identity (Origin-Host)", o_rx_origin_host },     \
	{ "rx-origin-realm", "REALM", "our Origin-Realm", o_rx_origin_realm },                    \
	{ "rx-local", "IP", "our Host-IP-Address in CER, not loopback (default the first --addr)", \
	  o_rx_local },                                                                            \
	{ "rx-unreachable", "POLICY", "no PCRF answers: reject (503, default) or allow",          \
	  o_rx_unreachable },                                                                      \
	{ "rx-signalling-path", "on|off", "subscribe to each registration's signalling path "     \
					  "status, TS 29.214 4.4.5a (default off)", o_rx_sigpath }, \
	{ "rx-tw", "SECONDS", "watchdog interval Tw (default 6, at least 6)", o_rx_tw },          \
	{ "rx-tc", "SECONDS", "reconnection interval Tc (default 5)", o_rx_tc },                  \
	{ "rx-timeout", "MS", "answer timeout of an AAR (default 2000)", o_rx_timeout },          \
	{ "rx-max-sessions", "N", "Rx sessions held (default 4096)", o_rx_sessions },             \
	{ "rx-app-id", "TEXT", "AF-Application-Identifier (default 'IMS Services')", o_rx_app_id }, \
	{ "rx-tls-cert", "PEM", "certificate freeDiameter loads (default: a generated one)",       \
	  o_rx_tls_cert },                                                                         \
	{ "rx-tls-key", "PEM", "its private key", o_rx_tls_key },                                \
	{ "max-dialogs", "N", "INVITE dialogs with an Rx session (default 4096, ~7 KB each when "  \
			      "used)", o_max_dialogs },                                            \
	{ "rx-max-held", "N", "SIP responses held at once waiting for the PCRF (default 256, "     \
			      "8 KB each; full: 503)", o_max_held },                               \
	{ "dialog-setup-timeout", "SECONDS", "a dialog not up by then ends (default 213: Timer "   \
					     "C + 64*T1; for tests)", o_dlg_setup }

static int rx_options_check(struct pcscfd_config *c)
{
	struct rx_config *r = &c->rx;

	if (c->max_held && c->max_held > c->max_dialogs) {
		fprintf(stderr, "pcscfd: --rx-max-held %u is above --max-dialogs %u\n", c->max_held,
			c->max_dialogs);
		return -EINVAL;
	}
	if (!r->enabled)
		return 0;
	if (!r->npeers || !r->dest_realm[0] || !r->origin_host[0] || !r->origin_realm[0]) {
		fprintf(stderr, "pcscfd: --rx needs --rx-pcrf, --rx-realm, --rx-origin-host and "
				"--rx-origin-realm\n");
		return -EINVAL;
	}
	if (!r->tls_cert[0] != !r->tls_key[0]) {
		fprintf(stderr, "pcscfd: --rx-tls-cert and --rx-tls-key go together\n");
		return -EINVAL;
	}
	if (!r->local_addr[0])
		addr_str(&c->addrs[0], r->local_addr, sizeof(r->local_addr));
	return 0;
}

/* ---- scale: node id, REGISTER admission, Retry-After ---- */

static int o_node_id(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->node_id, v, 0, 255);
}

static int o_node_bits(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->node_bits, v, 0, 8);
}

static int o_max_inflight(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->max_inflight_reg, v, 1, 1000000);
}

static int o_retry_after(struct pcscfd_config *c, const char *v)
{
	return set_u32(&c->retry_after_s, v, 1, 3600);
}

#define SCALE_OPTION_DEFS                                                                          \
	{ "node-id", "N", "this node's id in the top --node-bits bits of our SPIs (default 0)",    \
	  o_node_id },                                                                             \
	{ "node-bits", "B", "SPI bits that carry the node id, 0-8 (default 0: one node)",          \
	  o_node_bits },                                                                           \
	{ "max-inflight-reg", "N", "REGISTERs waiting for the core at once, more get 503 "         \
				   "(default: no limit)", o_max_inflight },                        \
	{ "retry-after", "S", "Retry-After of the 503s we answer when busy (default 10)",          \
	  o_retry_after }

/* What --max-regs asks of the SA map and the SPI space, against what --node-bits leaves. */
static int scale_options_check(const struct pcscfd_config *c)
{
	uint64_t entries = sa_map_entries(c->max_regs), need = spi_space_needed(c->max_regs);
	uint64_t have = spi_space(c->node_bits, c->node_id);

	if (c->node_bits < 8 && c->node_id >> c->node_bits) {
		fprintf(stderr, "pcscfd: --node-id %u does not fit --node-bits %u (at most %u)\n",
			c->node_id, c->node_bits, (1u << c->node_bits) - 1);
		return -EINVAL;
	}
	if (entries > SA_MAP_MAX_ENTRIES) {
		fprintf(stderr, "pcscfd: --max-regs %u needs %llu SA map entries, above the %u "
				"we create\n", c->max_regs, (unsigned long long)entries,
			SA_MAP_MAX_ENTRIES);
		return -EINVAL;
	}
	if (have < need) {
		fprintf(stderr, "pcscfd: --node-bits %u leaves %llu SPIs per node; --max-regs %u "
				"needs %llu (%u x %llu inbound SAs): lower --node-bits or --max-regs\n",
			c->node_bits, (unsigned long long)have, c->max_regs,
			(unsigned long long)need, SA_SPI_SPACE_FACTOR, (unsigned long long)entries);
		return -EINVAL;
	}
	if (c->max_pending > c->max_regs) {
		fprintf(stderr, "pcscfd: --max-pending %u is above --max-regs %u\n", c->max_pending,
			c->max_regs);
		return -EINVAL;
	}
	return 0;
}

static int o_config(struct pcscfd_config *c, const char *v);

static const struct option_def defs[] = {
	{ "iface", "IF", "access interface (required)", o_iface },
	{ "addr", "IP", "P-CSCF address, IPv4 or IPv6 (required, repeatable)", o_addr },
	{ "core", "HOST:PORT", "next hop in the core, I-CSCF/S-CSCF (required)", o_core },
	{ "core-listen", "ADDR:PORT", "core-side address and port of our Path and Via, stable "
				     "across restarts (default: source towards --core, port 5060)",
	  o_core_listen },
	{ "sip-port", "N", "unprotected SIP port (default 5060)", o_sip_port },
	{ "port-ps", "N", "protected server port, shared by all UEs (default "
			  PCSCFD_DEF_PORT_PS_STR ")", o_port_ps },
	{ "port-pc-pool", "LO-HI", "protected client ports, rotated on re-authentication, 1-16 "
				   "ports (default " PCSCFD_DEF_PC_POOL ")", o_pc_pool },
	{ "pin-dir", "DIR", "bpffs directory for the maps (default " PCSCFD_DEF_PIN_DIR ")",
	  o_pin_dir },
	{ "ctl", "PATH", "control socket (default " PCSCFD_DEF_CTL ")", o_ctl },
	{ "config", "FILE", "config file: 'name = value' lines with these names", o_config },
	{ "log-level", "LEVEL", "error, warn, info or debug (default info)", o_log },
	{ "rate", "PPS", "per-source packets/s on the unprotected port (default 200)", o_rate },
	{ "burst", "N", "per-source burst on the unprotected port (default 400)", o_burst },
	{ "burst-new", "N", "burst of a source prefix seen for the first time (default 10)",
	  o_burst_new },
	{ "rate-prefix4", "LEN", "IPv4 sources share one bucket per /LEN (default 32)", o_prefix4 },
	{ "rate-prefix6", "LEN", "IPv6 sources share one bucket per /LEN (default 64)", o_prefix6 },
	{ "rate-all", "PPS", "all sources together, packets/s on the unprotected port (default "
			     "20000)", o_rate_all },
	{ "burst-all", "N", "all sources together, burst on the unprotected port (default 40000)",
	  o_burst_all },
	{ "core-prefix", "CIDR", "core network prefix, dropped as a source on --iface "
				 "(repeatable, up to 8)", o_core_prefix },
	{ "reg-await-auth", "SECONDS", "temporary SA lifetime (default 240)", o_raa },
	{ "max-regs", "N", "registrations held at most (default 10000, ~1 KB resident each when used)", o_max_regs },
	{ "max-pending", "N",
	  "unauthenticated registrations held at most, oldest evicted first (default max-regs/4)",
	  o_max_pending },
	{ "max-txns", "N",
	  "live SIP transactions at most (default 100000; each lingers 32 s once over, 224 B + "
	  "its copies)", o_max_txns },
	{ "tcp-per-source", "N", "open SIP/TCP connections per source address (default 8)",
	  o_tcp_per_source },
	{ "tcp-rate", "N", "new SIP/TCP connections per second per source address (default 4)",
	  o_tcp_rate },
	{ "xdp-mode", "MODE", "native (default) or skb", o_xdp_mode },
	{ "algs", "LIST", "operator preference, alg/ealg pairs (default " PCSCFD_DEF_ALGS ")",
	  o_algs },
	{ "service-route", "MODE",
	  "initial requests whose Route set is off the Service-Route: replace (default) it, or "
	  "verify (answer 400)", o_service_route },
	{ "visited-network", "ID", "P-Visited-Network-ID to insert (token or text; default none)",
	  o_visited_network },
	{ "orig-ioi", "TOKEN", "orig-ioi of the P-Charging-Vector we insert (default none)",
	  o_orig_ioi },
	{ "icid-node", "TOKEN", "node part of every icid-value (default: the first --addr in hex)",
	  o_icid_node },
	{ "tcp-tun", "NAME", "TUN device of SIP over TCP inside ESP, or off (default "
			     PCSCFD_DEF_TCP_TUN ")", o_tcp_tun },
	{ "debug-dumpable", "", "debugging only: allow core dumps and ptrace (they hold keys)",
	  o_debug_dumpable, true },
	RX_OPTION_DEFS,
	SCALE_OPTION_DEFS,
};
#define NDEFS (int)(sizeof(defs) / sizeof(defs[0]))

void options_defaults(struct pcscfd_config *c)
{
	memset(c, 0, sizeof(*c));
	c->sip_port = PCSCF_DEF_SIP_PORT;
	c->port_ps = PCSCFD_DEF_PORT_PS;
	port_range_parse(PCSCFD_DEF_PC_POOL, &c->pc_lo, &c->pc_hi);
	c->rl_rate = PCSCF_DEF_RL_RATE;
	c->rl_burst = PCSCF_DEF_RL_BURST;
	c->rl_new_burst = PCSCF_DEF_RL_NEW_BURST;
	c->rl_prefix4 = PCSCF_DEF_RL_PREFIX4;
	c->rl_prefix6 = PCSCF_DEF_RL_PREFIX6;
	c->agg_rate = PCSCF_DEF_AGG_RATE;
	c->agg_burst = PCSCF_DEF_AGG_BURST;
	c->reg_await_auth_s = PCSCFD_DEF_RAA_S;
	c->max_regs = PCSCFD_DEF_MAX_REGS;
	c->tcp_per_source = PCSCFD_DEF_TCP_PER_SOURCE;
	c->tcp_rate = PCSCFD_DEF_TCP_RATE;
	c->xdp_mode = XDP_OPT_NATIVE;
	c->log_level = LOG_LVL_INFO;
	strcpy(c->pin_dir, PCSCFD_DEF_PIN_DIR);
	strcpy(c->ctl_path, PCSCFD_DEF_CTL);
	strcpy(c->alg_prefs, PCSCFD_DEF_ALGS);
	strcpy(c->tcp_tun, PCSCFD_DEF_TCP_TUN);
	rx_config_defaults(&c->rx);
	c->max_dialogs = DLG_DEF_MAX;
	c->max_held = 0; /* DLG_DEF_HELD, at most max_dialogs */
	c->retry_after_s = PCSCFD_DEF_RETRY_AFTER_S;
}

static const struct option_def *find_def(const char *name)
{
	for (int i = 0; i < NDEFS; i++)
		if (!strcmp(defs[i].name, name))
			return &defs[i];
	return NULL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int o_config(struct pcscfd_config *c, const char *path)
{
	char line[512];
	int lineno = 0, err = 0;
	FILE *f;

	if (set_str(c->config_path, sizeof(c->config_path), path))
		return -EINVAL;
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "pcscfd: config %s: %s\n", path, strerror(errno));
		return -ENOENT;
	}
	while (fgets(line, sizeof(line), f)) {
		const struct option_def *d;
		char *key, *val, *eq;

		lineno++;
		if ((eq = strchr(line, '#')))
			*eq = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			fprintf(stderr, "pcscfd: %s:%d: expected 'name = value'\n", path, lineno);
			err = -EINVAL;
			break;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		d = find_def(key);
		if (!d || d->set == o_config) {
			fprintf(stderr, "pcscfd: %s:%d: unknown setting '%s'\n", path, lineno, key);
			err = -EINVAL;
			break;
		}
		if (d->set(c, val)) {
			fprintf(stderr, "pcscfd: %s:%d: bad value '%s' for %s (%s %s)\n", path,
				lineno, val, key, d->arg, d->help);
			err = -EINVAL;
			break;
		}
	}
	fclose(f);
	return err ? -EALREADY : 0; /* -EALREADY: already reported */
}

void options_usage(FILE *f)
{
	fprintf(f, "usage: pcscfd --iface IF --addr IP [--addr IP ...] --core HOST:PORT [options]\n");
	for (int i = 0; i < NDEFS; i++)
		fprintf(f, "  --%-16s %-10s %s\n", defs[i].name, defs[i].arg, defs[i].help);
	fprintf(f, "  --%-16s %-10s %s\n", "help", "", "this text");
}

int options_parse(struct pcscfd_config *c, int argc, char **argv)
{
	struct option longopts[NDEFS + 2];
	int i, opt, err;

	for (i = 0; i < NDEFS; i++)
		longopts[i] = (struct option){ defs[i].name,
					       defs[i].flag ? no_argument : required_argument, NULL,
					       i };
	longopts[NDEFS] = (struct option){ "help", no_argument, NULL, 'h' + 1000 };
	longopts[NDEFS + 1] = (struct option){ 0 };

	/* The config file first, so that flags override it whatever their order. */
	for (i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "--config")) {
			err = o_config(c, argv[i + 1]);
			if (err)
				return -EINVAL;
		}
	}
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == 'h' + 1000)
			return 1;
		if (opt < 0 || opt >= NDEFS) {
			fprintf(stderr, "pcscfd: unknown or incomplete option '%s' (see --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
		if (defs[opt].set == o_config)
			continue;
		err = defs[opt].set(c, defs[opt].flag ? "yes" : optarg);
		if (err) {
			fprintf(stderr, "pcscfd: bad value '%s' for --%s (%s: %s)\n", optarg ? optarg : "",
				defs[opt].name, defs[opt].arg, defs[opt].help);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pcscfd: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (!c->iface[0] || !c->naddrs || !c->have_core) {
		fprintf(stderr, "pcscfd: --iface, --addr and --core are required (see --help)\n");
		return -EINVAL;
	}
	if (c->pc_hi - c->pc_lo >= REG_PC_POOL_MAX) {
		fprintf(stderr, "pcscfd: --port-pc-pool %u-%u: at most %d ports (all UEs share them)\n",
			c->pc_lo, c->pc_hi, REG_PC_POOL_MAX);
		return -EINVAL;
	}
	if (c->port_ps >= c->pc_lo && c->port_ps <= c->pc_hi) {
		fprintf(stderr, "pcscfd: --port-ps %u lies inside --port-pc-pool %u-%u\n", c->port_ps,
			c->pc_lo, c->pc_hi);
		return -EINVAL;
	}
	if (c->rl_new_burst > c->rl_burst) {
		fprintf(stderr, "pcscfd: --burst-new %u is above --burst %u\n", c->rl_new_burst,
			c->rl_burst);
		return -EINVAL;
	}
	if (c->sip_port == c->port_ps || (c->sip_port >= c->pc_lo && c->sip_port <= c->pc_hi)) {
		fprintf(stderr, "pcscfd: --sip-port %u is a protected port (--port-ps %u, "
			"--port-pc-pool %u-%u)\n", c->sip_port, c->port_ps, c->pc_lo, c->pc_hi);
		return -EINVAL;
	}
	if (scale_options_check(c))
		return -EINVAL;
	return rx_options_check(c);
}
