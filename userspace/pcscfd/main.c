// SPDX-License-Identifier: GPL-2.0
/*
 * pcscfd: attaches (or adopts) the classifier, opens one AF_XDP socket and
 * worker per rx queue of --iface, serves the control socket, and on SIGINT or
 * SIGTERM takes down exactly what it set up.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/resource.h>

#include "common/addr.h"
#include "common/log.h"
#include "xdp/xdp_loader.h"
#include "xdp/xdp_maps.h"
#include "xdp/xdp_stats.h"
#include "pcscfd/ctl_server.h"
#include "pcscfd/options.h"
#include "pcscfd/worker.h"

struct pcscfd {
	struct pcscfd_config cfg;
	struct pcscf_bpf_handles bpf;
	struct worker workers[PCSCF_MAX_QUEUES];
	int nworkers;
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

static int ctl_handle(void *ctx, const char *cmd, char *buf, size_t cap)
{
	struct pcscfd *d = ctx;
	struct worker_stats ws[PCSCF_MAX_QUEUES];
	struct pcscf_xdp_stats xs;
	int err;

	if (!strcmp(cmd, "stats") || !strcmp(cmd, "stats --json")) {
		err = xdp_stats_read(d->bpf.stats_fd, &xs);
		if (err)
			return err;
		for (int i = 0; i < d->nworkers; i++)
			ws[i] = d->workers[i].stats;
		return stats_render(&xs, ws, d->nworkers, strstr(cmd, "--json") != NULL, buf, cap);
	}
	if (!strcmp(cmd, "ping"))
		return snprintf(buf, cap, "pong\n");
	return snprintf(buf, cap, "error: unknown command '%s'\n", cmd);
}

static int setup_classifier(struct pcscfd *d, int ifindex)
{
	struct pcscfd_config *c = &d->cfg;
	struct pcscf_config bc = {
		.sip_port = c->sip_port,
		.prot_port_lo = c->prot_lo,
		.prot_port_hi = c->prot_hi,
		.rl_rate_pps = c->rl_rate,
		.rl_burst = c->rl_burst,
	};
	char a[ADDR_STR_LEN];
	int err;

	err = pcscf_xdp_adopt(&d->bpf, ifindex);
	if (!err) {
		pr_info("adopted the pcscf_xdp program attached to %s", c->iface);
	} else if (err == -ENOENT) {
		pcscf_xdp_release(&d->bpf);
		pcscf_handles_init(&d->bpf);
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
	err = xdp_cfg_write(&d->bpf, &bc);
	if (err) {
		pr_err("writing classifier config: %s", strerror(-err));
		return err;
	}
	for (int i = 0; i < c->naddrs; i++)
		pr_info("serving %s", addr_str(&c->addrs[i], a, sizeof(a)));
	return 0;
}

static void teardown(struct pcscfd *d)
{
	atomic_store(&d->stop, true);
	ctl_server_stop(&d->ctl);
	for (int i = 0; i < d->nworkers; i++)
		worker_join(&d->workers[i], d->bpf.xsks_fd);
	d->nworkers = 0;
	pcscf_xdp_release(&d->bpf);
}

int main(int argc, char **argv)
{
	static struct pcscfd d;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	sigset_t sigs;
	int ifindex, nq, err, sig;

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

	/* Workers and the control thread inherit this mask: only main takes signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	pcscf_handles_init(&d.bpf);
	d.ctl.fd = -1;
	err = setup_classifier(&d, ifindex);
	if (err)
		goto out;
	nq = rx_queue_count(d.cfg.iface);
	if (nq > PCSCF_MAX_QUEUES)
		nq = PCSCF_MAX_QUEUES;
	for (int q = 0; q < nq; q++) {
		err = worker_start(&d.workers[q], d.cfg.iface, q, d.bpf.xsks_fd, &d.stop);
		if (err)
			goto out;
		d.nworkers++;
	}
	err = ctl_server_start(&d.ctl, d.cfg.ctl_path, ctl_handle, &d, &d.stop);
	if (err) {
		pr_err("control socket %s: %s", d.cfg.ctl_path, strerror(-err));
		goto out;
	}
	pr_info("pcscfd running on %s: %d worker(s), control socket %s", d.cfg.iface,
		d.nworkers, d.cfg.ctl_path);
	sigwait(&sigs, &sig);
	pr_info("signal %d: stopping", sig);
out:
	teardown(&d);
	return err ? 1 : 0;
}
