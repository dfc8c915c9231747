/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Getting hold of the classifier and its maps, three ways:
 *  - attach: load build/pcscf.bpf.o (embedded skeleton) through libxdp, with
 *    maps pinned by name under pin_dir (the multi-program dispatcher when bpffs
 *    is mounted, so we coexist with other XDP programs);
 *  - adopt: a pcscf_xdp program already attached to the interface (by
 *    `ip link ... xdp obj` or by an earlier pcscfd) is used as it is, its maps
 *    found through the program's map ids;
 *  - pinned: maps only, from a pin directory (pcscfctl without pcscfd).
 */
#ifndef PCSCF_XDP_LOADER_H
#define PCSCF_XDP_LOADER_H

#include <stdbool.h>
#include <stdint.h>

struct xdp_program;
struct pcscf_bpf;

enum xdp_attach_mode_opt { XDP_OPT_NATIVE, XDP_OPT_SKB };

struct pcscf_bpf_handles {
	int ifindex;
	int prog_fd;
	int sa_fd;
	int cfg_fd;
	int stats_fd;
	int rl_fd;
	int xsks_fd;
	bool attached_by_us; /* detach on exit only what we attached */
	uint32_t sa_entries; /* SA map size to create (sa_map_entries()); 0: the object's own */
	struct xdp_program *prog;
	struct pcscf_bpf *skel;
};

void pcscf_handles_init(struct pcscf_bpf_handles *h);
/* Adopt an attached pcscf_xdp on ifindex; -ENOENT when there is none. */
int pcscf_xdp_adopt(struct pcscf_bpf_handles *h, int ifindex);
int pcscf_xdp_attach(struct pcscf_bpf_handles *h, int ifindex, const char *pin_dir,
		     enum xdp_attach_mode_opt mode);
/*
 * xdp_pin.c: a pinned SA map under pin_dir that does not have want_entries
 * entries (or our key/value sizes) is removed when no loaded program uses it,
 * so attach creates it anew; -EBUSY (logged, naming the pin) when one does.
 */
int pcscf_sa_pin_check(const char *pin_dir, uint32_t want_entries);
/* Maps only, from pinned files under dir (no program). */
int pcscf_maps_open_pinned(struct pcscf_bpf_handles *h, const char *dir);
/* Detaches when we attached, closes every fd. */
void pcscf_xdp_release(struct pcscf_bpf_handles *h);

#endif
