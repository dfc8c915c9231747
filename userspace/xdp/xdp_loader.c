// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "pcscf_maps.h"
#include "pcscf.skel.h"
#include "common/log.h"
#include "xdp/xdp_loader.h"

void pcscf_handles_init(struct pcscf_bpf_handles *h)
{
	memset(h, 0, sizeof(*h));
	h->prog_fd = h->sa_fd = h->cfg_fd = -1;
	h->stats_fd = h->rl_fd = h->xsks_fd = -1;
}

static int *slot_for(struct pcscf_bpf_handles *h, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} slots[] = {
		{ PCSCF_MAP_SA, offsetof(struct pcscf_bpf_handles, sa_fd) },
		{ PCSCF_MAP_CFG, offsetof(struct pcscf_bpf_handles, cfg_fd) },
		{ PCSCF_MAP_STATS, offsetof(struct pcscf_bpf_handles, stats_fd) },
		{ PCSCF_MAP_RL, offsetof(struct pcscf_bpf_handles, rl_fd) },
		{ PCSCF_MAP_XSKS, offsetof(struct pcscf_bpf_handles, xsks_fd) },
	};

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (!strcmp(name, slots[i].name))
			return (int *)((char *)h + slots[i].off);
	return NULL;
}

static int check_complete(struct pcscf_bpf_handles *h, const char *where)
{
	const char *names[] = { PCSCF_MAP_SA, PCSCF_MAP_CFG, PCSCF_MAP_STATS, PCSCF_MAP_RL,
				PCSCF_MAP_XSKS };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (*slot_for(h, names[i]) < 0) {
			pr_err("%s: map %s not found", where, names[i]);
			return -ENOENT;
		}
	}
	return 0;
}

/* Fill the map fds from the ids the kernel lists for prog_fd. */
static int maps_from_prog(struct pcscf_bpf_handles *h)
{
	__u32 ids[16];
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int err;

	info.nr_map_ids = 16;
	info.map_ids = (__u64)(unsigned long)ids;
	err = bpf_obj_get_info_by_fd(h->prog_fd, &info, &len);
	if (err)
		return -errno;
	for (__u32 i = 0; i < info.nr_map_ids && i < 16; i++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);
		int *slot;

		if (fd < 0)
			return -errno;
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) || !(slot = slot_for(h, mi.name)) ||
		    *slot >= 0) {
			close(fd);
			continue;
		}
		*slot = fd;
	}
	return check_complete(h, "adopted program");
}

int pcscf_xdp_adopt(struct pcscf_bpf_handles *h, int ifindex)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = NULL;
	int err = -ENOENT;

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp))
		return -ENOENT;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && strcmp(xdp_program__name(p), PCSCF_PROG_NAME))
			p = NULL;
	} else {
		while ((p = xdp_multiprog__next_prog(p, mp)))
			if (!strcmp(xdp_program__name(p), PCSCF_PROG_NAME))
				break;
	}
	if (p) {
		h->prog_fd = dup(xdp_program__fd(p));
		h->ifindex = ifindex;
		err = h->prog_fd < 0 ? -errno : maps_from_prog(h);
	}
	xdp_multiprog__close(mp);
	return err;
}

int pcscf_xdp_attach(struct pcscf_bpf_handles *h, int ifindex, const char *pin_dir,
		     enum xdp_attach_mode_opt mode)
{
	DECLARE_LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = pin_dir);
	struct pcscf_bpf *skel;
	int err;

	if (mkdir(pin_dir, 0700) && errno != EEXIST) {
		err = -errno;
		pr_err("pin dir %s: %s (is bpffs mounted?)", pin_dir, strerror(errno));
		return err;
	}
	skel = pcscf_bpf__open_opts(&oo);
	if (!skel) {
		err = -errno;
		pr_err("open XDP object: %s", strerror(-err));
		return err;
	}
	h->skel = skel;
	if (h->sa_entries) {
		uint32_t elems = pcscf_sa_elems(h->sa_entries); /* 4 SPI indices each */

		err = pcscf_sa_pin_check(pin_dir, elems);
		if (!err)
			err = bpf_map__set_max_entries(skel->maps.pcscf_sa, elems);
		if (err) {
			pr_err("SA map of %u entries: %s", elems, strerror(-err));
			return err;
		}
	}
	h->prog = xdp_program__from_bpf_obj(skel->obj, "xdp");
	err = libxdp_get_error(h->prog);
	if (err) {
		h->prog = NULL;
		pr_err("libxdp: cannot use the XDP object: %s", strerror(-err));
		return err;
	}
	err = xdp_program__attach(h->prog, ifindex,
				  mode == XDP_OPT_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
	if (err) {
		pr_err("attach XDP (%s mode) to ifindex %d: %s", mode == XDP_OPT_SKB ? "skb" : "native",
		       ifindex, strerror(-err));
		return err;
	}
	h->attached_by_us = true;
	h->ifindex = ifindex;
	h->prog_fd = dup(xdp_program__fd(h->prog));
	h->sa_fd = dup(bpf_map__fd(skel->maps.pcscf_sa));
	h->cfg_fd = dup(bpf_map__fd(skel->maps.pcscf_cfg));
	h->stats_fd = dup(bpf_map__fd(skel->maps.pcscf_stats));
	h->rl_fd = dup(bpf_map__fd(skel->maps.pcscf_ratelimit));
	h->xsks_fd = dup(bpf_map__fd(skel->maps.pcscf_xsks));
	return check_complete(h, "attached program");
}

int pcscf_maps_open_pinned(struct pcscf_bpf_handles *h, const char *dir)
{
	const char *names[] = { PCSCF_MAP_SA, PCSCF_MAP_CFG, PCSCF_MAP_STATS, PCSCF_MAP_RL,
				PCSCF_MAP_XSKS };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		*slot_for(h, names[i]) = bpf_obj_get(path);
	}
	/* Stats are what pcscfctl needs; the rest may be absent. */
	return h->stats_fd < 0 ? -ENOENT : 0;
}

void pcscf_xdp_release(struct pcscf_bpf_handles *h)
{
	int *fds[] = { &h->prog_fd, &h->sa_fd,	&h->cfg_fd,
		       &h->stats_fd, &h->rl_fd,	   &h->xsks_fd };

	if (h->attached_by_us && h->prog) {
		int err = xdp_program__detach(h->prog, h->ifindex, XDP_MODE_UNSPEC, 0);

		if (err)
			pr_err("detach XDP from ifindex %d: %s", h->ifindex, strerror(-err));
		h->attached_by_us = false;
	}
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	if (h->prog)
		xdp_program__close(h->prog);
	h->prog = NULL;
	if (h->skel)
		pcscf_bpf__destroy(h->skel);
	h->skel = NULL;
}
