/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The classifier loaded from its skeleton, unpinned, in a private network
 * namespace with an AF_XDP socket on lo queue 0, so that bpf_redirect_map()
 * really returns XDP_REDIRECT under BPF_PROG_TEST_RUN. Shared by the verdict
 * tests and the XDP benchmark.
 */
#ifndef TESTS_XDP_FIXTURE_H
#define TESTS_XDP_FIXTURE_H

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pcscf.skel.h"
#include "common/addr.h"
#include "xdp/xdp_loader.h"
#include "xdp/xdp_maps.h"
#include "xdp/xdp_stats.h"
#include "xdp/xsk_port.h"

#define FX_P4 "192.0.2.1"
#define FX_P6 "2001:db8:1::1"
#define FX_UE4 "192.0.2.2"
#define FX_UE6 "2001:db8:1::2"
/* The generation fx_sa() gives a slot: distinct from the slot, so a swap shows. */
#define FX_GENERATION(slot) ((slot) + 1000)

struct xdp_fixture {
	struct pcscf_bpf *skel;
	struct pcscf_bpf_handles h;
	int agg_fd;
	struct xsk_port port;
};

static inline int fx_lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			err = -errno;
	} else {
		err = -errno;
	}
	close(fd);
	return err;
}

/* Our two addresses, as pcscfd would write them. */
static inline void fx_addrs(struct pcscf_config *cfg)
{
	addr_parse(FX_P4, &cfg->addrs[0]);
	addr_parse(FX_P6, &cfg->addrs[1]);
	cfg->n_addrs = 2;
}

/* sa_entries: SPI indices pcscf_sa holds, as pcscfd sizes it (0: the object's default). */
static inline int fx_setup_sized(struct xdp_fixture *fx, const struct pcscf_config *cfg_in,
				 uint32_t sa_entries)
{
	struct pcscf_config cfg = *cfg_in;
	struct bpf_map *m;
	int err;

	memset(fx, 0, sizeof(*fx));
	pcscf_handles_init(&fx->h);
	if (unshare(CLONE_NEWNET))
		return -errno;
	err = fx_lo_up();
	if (err)
		return err;
	fx->skel = pcscf_bpf__open();
	if (!fx->skel)
		return -errno;
	/* No pins from tests: the maps live as long as this process. */
	bpf_object__for_each_map(m, fx->skel->obj)
		bpf_map__set_pin_path(m, NULL);
	if (sa_entries &&
	    bpf_map__set_max_entries(fx->skel->maps.pcscf_sa, pcscf_sa_elems(sa_entries)))
		return -EINVAL;
	err = pcscf_bpf__load(fx->skel);
	if (err)
		return err;
	fx->h.prog_fd = bpf_program__fd(fx->skel->progs.pcscf_xdp);
	fx->h.sa_fd = bpf_map__fd(fx->skel->maps.pcscf_sa);
	fx->h.cfg_fd = bpf_map__fd(fx->skel->maps.pcscf_cfg);
	fx->h.stats_fd = bpf_map__fd(fx->skel->maps.pcscf_stats);
	fx->h.rl_fd = bpf_map__fd(fx->skel->maps.pcscf_ratelimit);
	fx->h.xsks_fd = bpf_map__fd(fx->skel->maps.pcscf_xsks);
	fx->agg_fd = bpf_map__fd(fx->skel->maps.pcscf_agg);
	fx_addrs(&cfg);
	err = xdp_cfg_write(&fx->h, &cfg);
	return err ?: xsk_port_open(&fx->port, "lo", 0, fx->h.xsks_fd);
}

static inline int fx_setup(struct xdp_fixture *fx, const struct pcscf_config *cfg_in)
{
	return fx_setup_sized(fx, cfg_in, 0);
}

static inline void fx_teardown(struct xdp_fixture *fx)
{
	xsk_port_close(&fx->port, fx->h.xsks_fd);
	if (fx->skel)
		pcscf_bpf__destroy(fx->skel);
}

/* The slot the classifier reports for an SPI: the one its entry names. */
#define FX_SLOT(spi) pcscf_sa_key_slot((spi) & PCSCF_SPI_SLOT_MASK)

static inline int fx_sa(struct xdp_fixture *fx, uint32_t spi, const char *daddr)
{
	struct xdp_sa v = { .slot = FX_SLOT(spi), .generation = FX_GENERATION(FX_SLOT(spi)),
			    .state = PCSCF_SA_NEW };
	struct pcscf_addr a;

	addr_parse(daddr, &a);
	return xdp_sa_put(&fx->h, spi, &a, &v);
}

/* Runs one frame; returns the XDP action or -errno. */
static inline int fx_run(struct xdp_fixture *fx, const void *frame, int len, int repeat,
			 uint32_t *duration_ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .repeat = repeat);
	int err = bpf_prog_test_run_opts(fx->h.prog_fd, &o);

	if (err)
		return -errno;
	if (duration_ns)
		*duration_ns = o.duration;
	return o.retval;
}

/*
 * Runs one frame and copies out what the classifier left: the metadata it
 * wrote in front of the frame (if any) and the frame. *meta_len gets the
 * metadata's size. Returns the XDP action or -errno.
 */
static inline int fx_run_out(struct xdp_fixture *fx, const void *frame, int len, void *out,
			     int cap, int *meta_len)
{
	/* No context in or out, as in fx_run(): only the data is compared. */
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .data_out = out, .data_size_out = cap, .repeat = 1);
	int err = bpf_prog_test_run_opts(fx->h.prog_fd, &o);

	if (err)
		return -errno;
	*meta_len = (int)o.data_size_out - len;
	return o.retval;
}

/* Forget every bucket: the next packet of any source is its first. */
static inline void fx_reset_buckets(struct xdp_fixture *fx)
{
	struct pcscf_agg_bucket agg = {};
	struct pcscf_addr k, next;
	__u32 zero = 0;

	while (!bpf_map_get_next_key(fx->h.rl_fd, NULL, &next)) {
		k = next;
		if (bpf_map_delete_elem(fx->h.rl_fd, &k))
			break;
	}
	bpf_map_update_elem(fx->agg_fd, &zero, &agg, BPF_ANY);
}

#endif
