// SPDX-License-Identifier: GPL-2.0
/*
 * pcscfd: attaches (or adopts) the classifier, opens one AF_XDP socket and
 * worker per rx queue of --iface, then runs the signalling loop on the main
 * thread: SIP from the workers' rings, the core socket, the control socket,
 * timers and signals. On SIGINT or SIGTERM it takes down exactly what it set
 * up: SAs (map entries removed, keys wiped), workers, its XDP attachment.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "common/addr.h"
#include "common/harden.h"
#include "common/key_arena.h"
#include "common/sa_sizing.h"
#include "common/log.h"
#include "common/outbuf.h"
#include "xdp/xdp_loader.h"
#include "xdp/xdp_maps.h"
#include "xdp/xdp_stats.h"
#include "proxy/proxy.h"
#include "proxy/tcp_esp.h"
#include "proxy/dlg_rx.h"
#include "rx/rx.h"
#include "pcscfd/ctl_server.h"
#include "pcscfd/options.h"
#include "pcscfd/worker.h"

struct pcscfd {
	struct pcscfd_config cfg;
	struct pcscf_bpf_handles bpf;
	struct worker workers[PCSCF_MAX_QUEUES];
	struct sip_ring *rings;
	int nworkers;
	struct proxy proxy;
	bool proxy_up;
	struct ctl_server ctl;
	atomic_bool stop;
};

static int rx_queue_count(const char *ifname)
{
	char path[128];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	d = opendir(path);
	if (!d)
		return 1;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "rx-", 3))
			n++;
	closedir(d);
	return n ? n : 1;
}

/* One-piece replies ("stats", "ping") in the first chunk; the lists stream through proxy_ctl. */
static int ctl_handle(void *ctx, const char *cmd, struct ctl_cursor *cur, char *buf, size_t cap)
{
	struct pcscfd *d = ctx;
	struct worker_stats ws[PCSCF_MAX_QUEUES];
	struct pcscf_xdp_stats xs;
	bool json = strstr(cmd, "--json") != NULL;
	struct outbuf o;
	int err;

	if (!strcmp(cmd, "stats") || !strcmp(cmd, "stats --json")) {
		cur->done = true;
		err = xdp_stats_read(d->bpf.stats_fd, &xs);
		if (err)
			return err;
		for (int i = 0; i < d->nworkers; i++)
			ws[i] = d->workers[i].stats;
		d->proxy.stats.ctl_dropped = d->ctl.dropped;
		outbuf_init(&o, buf, cap);
		stats_render(&o, &xs, ws, d->nworkers, json);
		proxy_stats_render(&d->proxy, &o, json);
		outbuf_printf(&o, json ? "," : "");
		rx_status_render(&o, json);
		stats_render_end(&o, json);
		return outbuf_result(&o);
	}
	if (!strcmp(cmd, "rx") || !strcmp(cmd, "rx --json")) {
		cur->done = true;
		outbuf_init(&o, buf, cap);
		outbuf_printf(&o, json ? "{" : "");
		rx_status_render(&o, json);
		dlg_list_render(&d->proxy, &o, json); /* proxy/dlg_rx.c */
		outbuf_printf(&o, json ? "}\n" : "");
		return outbuf_result(&o);
	}
	if (!strcmp(cmd, "ping")) {
		cur->done = true;
		return snprintf(buf, cap, "pong\n");
	}
	err = proxy_ctl(&d->proxy, cmd, cur, buf, cap);
	if (err == -ENOENT) {
		cur->done = true;
		return snprintf(buf, cap, "error: unknown command '%.64s'\n", cmd);
	}
	return err;
}

/* An adopted classifier's SA map must hold every inbound SA --max-regs allows. */
static int sa_map_fits(const struct pcscf_bpf_handles *h, uint32_t max_regs)
{
	struct bpf_map_info mi = {};
	uint32_t len = sizeof(mi);

	if (bpf_obj_get_info_by_fd(h->sa_fd, &mi, &len))
		return -errno;
	if (mi.max_entries >= pcscf_sa_elems(sa_map_entries(max_regs)))
		return 0;
	pr_err("the attached pcscf_xdp's SA map (id %u) holds %u entries; --max-regs %u needs %u: "
	       "detach it (ip link set dev IF xdp off) or lower --max-regs",
	       mi.id, mi.max_entries, max_regs, pcscf_sa_elems(sa_map_entries(max_regs)));
	return -ENOSPC;
}

static int setup_classifier(struct pcscfd *d, int ifindex)
{
	struct pcscfd_config *c = &d->cfg;
	struct pcscf_config bc = {
		.sip_port = c->sip_port,
		.prot_port_ps = c->port_ps,
		.prot_port_lo = c->pc_lo,
		.prot_port_hi = c->pc_hi,
		.rl_rate_pps = c->rl_rate,
		.rl_burst = c->rl_burst,
		.rl_new_burst = c->rl_new_burst,
		.rl_prefix4 = c->rl_prefix4,
		.rl_prefix6 = c->rl_prefix6,
		.agg_rate_pps = c->agg_rate,
		.agg_burst = c->agg_burst,
		.n_core = c->ncore_pfx,
	};
	char a[ADDR_STR_LEN];
	int err;

	err = pcscf_xdp_adopt(&d->bpf, ifindex);
	if (!err) {
		pr_info("adopted the pcscf_xdp program attached to %s", c->iface);
		err = sa_map_fits(&d->bpf, c->max_regs);
		if (err)
			return err;
	} else if (err == -ENOENT) {
		pcscf_xdp_release(&d->bpf);
		pcscf_handles_init(&d->bpf);
		d->bpf.sa_entries = sa_map_entries(c->max_regs);
		err = pcscf_xdp_attach(&d->bpf, ifindex, c->pin_dir, c->xdp_mode);
		if (err)
			return err;
		pr_info("attached pcscf_xdp to %s, maps pinned under %s", c->iface, c->pin_dir);
	} else {
		pr_err("found pcscf_xdp on %s but cannot use it: %s", c->iface, strerror(-err));
		return err;
	}
	for (int i = 0; i < c->naddrs; i++)
		bc.addrs[i] = c->addrs[i];
	bc.n_addrs = c->naddrs;
	memcpy(bc.core, c->core_pfx, sizeof(bc.core));
	err = xdp_cfg_write(&d->bpf, &bc);
	if (err) {
		pr_err("writing classifier config: %s", strerror(-err));
		return err;
	}
	for (int i = 0; i < c->naddrs; i++)
		pr_info("serving %s", addr_str(&c->addrs[i], a, sizeof(a)));
	pr_info("unprotected SIP: %u/s, burst %u (first %u) per IPv4 /%u or IPv6 /%u; all sources "
		"%u/s, burst %u; %d core prefix(es) refused as sources",
		c->rl_rate, c->rl_burst, c->rl_new_burst, c->rl_prefix4, c->rl_prefix6, c->agg_rate,
		c->agg_burst, c->ncore_pfx);
	return 0;
}

static int setup_proxy(struct pcscfd *d, int nworkers)
{
	struct pcscfd_config *c = &d->cfg;
	struct proxy_config pc = {
		.naddrs = c->naddrs,
		.core_addr = c->core_addr,
		.core_port = c->core_port,
		.sip_port = c->sip_port,
		.port_ps = c->port_ps,
		.pc_lo = c->pc_lo,
		.pc_hi = c->pc_hi,
		.reg_await_auth_s = c->reg_await_auth_s,
		.max_regs = c->max_regs,
		.max_dialogs = c->max_dialogs,
		.max_held = c->max_held,
		.dlg_setup_s = c->dlg_setup_s,
		.rx_sigpath = c->rx_sigpath,
		.max_pending = c->max_pending ? c->max_pending
					      : (c->max_regs + PCSCFD_PENDING_SHARE - 1) /
							PCSCFD_PENDING_SHARE,
		.max_txns = c->max_txns,
		.tcp_per_source = c->tcp_per_source,
		.tcp_rate = c->tcp_rate,
		.alg_prefs = c->alg_prefs,
		.core_listen = c->core_listen,
		.core_listen_port = c->core_listen_port,
		.ncore_peers = c->ncore_pfx,
		.service_route_verify = c->service_route_verify,
		.visited_network = c->visited_network,
		.orig_ioi = c->orig_ioi,
		.icid_node = c->icid_node,
		.iface = c->iface,
		.tcp_tun = c->tcp_tun[0] ? c->tcp_tun : NULL,
		.node_bits = c->node_bits,
		.node_id = c->node_id,
		.max_inflight_reg = c->max_inflight_reg,
		.retry_after_s = c->retry_after_s,
	};

	memcpy(pc.addrs, c->addrs, sizeof(pc.addrs));
	memcpy(pc.core_peers, c->core_pfx, sizeof(pc.core_peers));
	d->proxy_up = true;
	return proxy_init(&d->proxy, &pc, &d->bpf, nworkers);
}

static void teardown(struct pcscfd *d)
{
	atomic_store(&d->stop, true);
	for (int i = 0; i < d->nworkers; i++)
		worker_join(&d->workers[i], d->bpf.xsks_fd);
	rx_fini(); /* STR for live sessions, DPR to the PCRFs */
	if (d->proxy_up)
		proxy_fini(&d->proxy);
	for (int i = 0; d->rings && i < d->nworkers; i++)
		sip_ring_fini(&d->rings[i]);
	free(d->rings);
	d->rings = NULL;
	d->nworkers = 0;
	ctl_server_close(&d->ctl);
	pcscf_xdp_release(&d->bpf);
}

enum { FD_SIG, FD_CORE, FD_RX, FD_FIXED }; /* FD_RX is -1 (ignored) with Rx off */

/*
 * Work per loop pass is bounded for every source, so a flood on one cannot
 * hold back the others (core answers, timers, SA reclamation, the control
 * socket): at most SIP_RING_BUDGET messages per worker ring, a bounded
 * number of datagrams per socket (proxy_from_core, proxy_from_kernel_sip),
 * TCP_UE_BUDGET messages per connection, one step per control client.
 * Sockets are level-triggered, so what is left wakes the next poll; rings
 * and TCP buffers with work left make the next poll not wait.
 */
#define SIP_RING_BUDGET 64

static bool drain_ring(struct proxy *p, struct sip_ring *r, bool kicked)
{
	struct sip_in *m;

	if (kicked)
		sip_ring_ack(r);
	for (int n = 0; n < SIP_RING_BUDGET; n++) {
		m = sip_ring_peek(r);
		if (!m)
			return false;
		proxy_from_ue(p, m);
		sip_ring_release(r);
	}
	return sip_ring_peek(r) != NULL;
}

/* The signalling loop: returns when a signal asks to stop. */
static void run(struct pcscfd *d, int sfd)
{
	struct pollfd pfd[FD_FIXED + PCSCF_MAX_ADDRS + PCSCF_MAX_QUEUES + 1 + CTL_CLIENTS +
			  PCSCF_MAX_ADDRS + TCP_UE_CONNS + 1 + PCSCF_MAX_ADDRS /* tcp_esp */];
	int nue = d->cfg.naddrs, nfixed = FD_FIXED + nue + d->nworkers, n, nctl;
	int max = (int)(sizeof(pfd) / sizeof(pfd[0]));
	bool busy = false;

	pfd[FD_SIG] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[FD_CORE] = (struct pollfd){ .fd = d->proxy.core_fd, .events = POLLIN };
	pfd[FD_RX] = (struct pollfd){ .fd = rx_event_fd(), .events = POLLIN };
	for (int i = 0; i < nue; i++)
		pfd[FD_FIXED + i] = (struct pollfd){ .fd = d->proxy.ue_fd[i], .events = POLLIN };
	for (int i = 0; i < d->nworkers; i++)
		pfd[FD_FIXED + nue + i] = (struct pollfd){ .fd = d->rings[i].efd, .events = POLLIN };

	for (;;) {
		int timeout = proxy_tick(&d->proxy);
		uint64_t now = proxy_now_ms();

		/* Control clients and TCP connections come and go: rebuilt each pass. */
		nctl = ctl_server_pollfds(&d->ctl, pfd + nfixed, max - nfixed, now);
		n = nfixed + nctl;
		n += tcp_ue_pollfds(&d->proxy, pfd + n, max - n);
		if (poll(pfd, n, busy ? 0 : timeout) < 0 && errno != EINTR)
			break;
		if (pfd[FD_SIG].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				pr_info("signal %u: stopping", si.ssi_signo);
			return;
		}
		busy = false;
		for (int i = 0; i < d->nworkers; i++)
			busy |= drain_ring(&d->proxy, &d->rings[i],
					   pfd[FD_FIXED + nue + i].revents);
		if (pfd[FD_CORE].revents)
			proxy_from_core(&d->proxy);
		if (pfd[FD_RX].revents)
			busy |= rx_dispatch(); /* Rx callbacks run here, on this thread */
		for (int i = 0; i < nue; i++)
			if (pfd[FD_FIXED + i].revents)
				proxy_from_kernel_sip(&d->proxy, d->proxy.ue_fd[i]);
		now = proxy_now_ms();
		for (int i = nfixed; i < nfixed + nctl; i++)
			if (pfd[i].revents)
				ctl_server_handle(&d->ctl, pfd[i].fd, pfd[i].revents, ctl_handle, d,
						  now);
		for (int i = nfixed + nctl; i < n; i++)
			if (pfd[i].revents)
				tcp_ue_handle(&d->proxy, pfd[i].fd);
		busy |= tcp_ue_pending(&d->proxy) > 0;
	}
}

/* Before any key exists: no dumps, nothing swapped, one locked arena for SA keys. */
static int harden(const struct pcscfd_config *c)
{
	/* every SA of every set of every registration, twice over for the grace period */
	size_t blocks = (size_t)sa_slot_count(c->max_regs) * 2 + 64;
	struct harden_result r;
	int err;

	err = process_harden(c->debug_dumpable, &r);
	if (err) {
		pr_err("process hardening: %s", strerror(-err));
		return err;
	}
	if (c->debug_dumpable)
		pr_warn("--debug-dumpable: core dumps and ptrace allowed; they expose SA keys");
	if (r.mlock_err)
		pr_warn("mlockall: %s: OpenSSL key schedules may be swapped out (needs CAP_IPC_LOCK)",
			strerror(-r.mlock_err));
	err = key_arena_reserve(blocks);
	if (err)
		pr_err("key arena for %zu SAs: %s", blocks, strerror(-err));
	return err;
}

int main(int argc, char **argv)
{
	static struct pcscfd d;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	sigset_t sigs;
	int ifindex, nq, err, sfd;

	options_defaults(&d.cfg);
	err = options_parse(&d.cfg, argc, argv);
	if (err == 1) {
		options_usage(stdout);
		return 0;
	}
	if (err)
		return 2;
	log_level = d.cfg.log_level;
	ifindex = if_nametoindex(d.cfg.iface);
	if (!ifindex) {
		fprintf(stderr, "pcscfd: interface '%s' does not exist\n", d.cfg.iface);
		return 2;
	}
	setrlimit(RLIMIT_MEMLOCK, &rl);
	err = harden(&d.cfg);
	if (err)
		return 2;

	/* Workers inherit this mask: signals reach only the loop, through signalfd. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	/* Writes to a peer that left fail with EPIPE instead of killing the daemon. */
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);

	pcscf_handles_init(&d.bpf);
	d.ctl.fd = -1;
	err = setup_classifier(&d, ifindex);
	if (err)
		goto out;
	nq = rx_queue_count(d.cfg.iface);
	if (nq > PCSCF_MAX_QUEUES)
		nq = PCSCF_MAX_QUEUES;
	err = setup_proxy(&d, nq);
	if (err)
		goto out;
	if (d.cfg.rx.enabled) {
		err = rx_init(&d.cfg.rx);
		if (err) {
			pr_err("rx: cannot start the Diameter client: %s", strerror(-err));
			goto out;
		}
	}
	d.rings = calloc(nq, sizeof(*d.rings));
	if (!d.rings) {
		err = -ENOMEM;
		goto out;
	}
	for (int q = 0; q < nq; q++) {
		err = sip_ring_init(&d.rings[q]);
		if (!err)
			err = worker_start(&d.workers[q], d.cfg.iface, q, d.bpf.xsks_fd,
					   &d.rings[q], &d.proxy.slots, &d.stop,
					   tcp_esp_tun_fd(&d.proxy));
		if (err)
			goto out;
		d.nworkers++;
	}
	err = ctl_server_open(&d.ctl, d.cfg.ctl_path);
	if (err) {
		pr_err("control socket %s: %s", d.cfg.ctl_path, strerror(-err));
		goto out;
	}
	pr_info("pcscfd running on %s: %d worker(s), control socket %s", d.cfg.iface,
		d.nworkers, d.cfg.ctl_path);
	run(&d, sfd);
out:
	teardown(&d);
	return err ? 1 : 0;
}
