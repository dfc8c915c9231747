/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Map definitions of the classifier. Pinned by name (LIBBPF_PIN_BY_NAME) so
 * that `ip link ... xdp obj`, libxdp and pcscfd all meet on the same maps; the
 * key and value types come from include/pcscf_maps.h and carry BTF, so
 * `bpftool map dump name pcscf_sa` prints named fields.
 */
#ifndef PCSCF_BPF_MAPS_H
#define PCSCF_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "pcscf_maps.h"

/*
 * Inbound SAs, indexed by the low bits of our SPI (pcscf_maps.h): one cache
 * line per lookup at any size (2-byte tags, 32 a line), where a hash
 * map's bucket and element miss the cache once the SA set outgrows it. pcscfd sizes it from --max-regs before
 * loading (xdp_loader.c); PCSCF_MAX_SAS is what other loaders get.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PCSCF_MAX_SAS);
	__type(key, __u32);
	__type(value, struct pcscf_sa_tags);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pcscf_sa SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pcscf_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pcscf_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pcscf_xdp_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pcscf_stats SEC(".maps");

/* Per-source-prefix token buckets for the unprotected port; LRU so a
 * spoofed-source flood evicts old buckets instead of failing inserts. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PCSCF_RL_ENTRIES);
	__type(key, struct pcscf_addr);
	__type(value, struct pcscf_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pcscf_ratelimit SEC(".maps");

/* The budget of all unprotected SIP together (one entry, every CPU). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pcscf_agg_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pcscf_agg SEC(".maps");

/* One AF_XDP socket per rx queue, indexed by queue id. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, PCSCF_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pcscf_xsks SEC(".maps");

#endif
