// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <time.h>
#include <bpf/bpf.h>

#include "xdp/xdp_maps.h"

static int ret(int err)
{
	return err ? -errno : 0;
}

int xdp_cfg_write(const struct pcscf_bpf_handles *h, const struct pcscf_config *cfg)
{
	__u32 key = 0;

	return ret(bpf_map_update_elem(h->cfg_fd, &key, cfg, BPF_ANY));
}

int xdp_sa_put(const struct pcscf_bpf_handles *h, uint32_t spi, const struct pcscf_addr *daddr,
	       const struct pcscf_sa_value *v)
{
	struct pcscf_sa_key k = { .spi = htonl(spi) };
	struct pcscf_sa_value val = *v;

	val.daddr = *daddr;
	return ret(bpf_map_update_elem(h->sa_fd, &k, &val, BPF_ANY));
}

int xdp_sa_del(const struct pcscf_bpf_handles *h, uint32_t spi)
{
	struct pcscf_sa_key k = { .spi = htonl(spi) };

	return ret(bpf_map_delete_elem(h->sa_fd, &k));
}

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}
