// SPDX-License-Identifier: GPL-2.0
/*
 * A pinned SA map left by an earlier run whose size (or key/value layout) is
 * not the one this run needs: libbpf would refuse to reuse it with an
 * "incompatible" message that names neither the map nor the way out. The
 * decision is made here instead: when no loaded program uses the map
 * (nothing attached holds it), the pin is removed and a new map of the right
 * size is created and pinned; when one still does, pcscfd stops and names
 * the pin path and the program, since replacing the map under a running
 * classifier would cut it off from every SA.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "pcscf_maps.h"
#include "common/log.h"
#include "xdp/xdp_loader.h"

/* The id of a loaded program that uses map_id, or 0. */
static uint32_t prog_using(uint32_t map_id, char *name, size_t cap)
{
	uint32_t id = 0, found = 0;

	while (!found && !bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		uint32_t len = sizeof(info), ids[64];
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		info.nr_map_ids = 64;
		info.map_ids = (uint64_t)(unsigned long)ids;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			for (uint32_t i = 0; i < info.nr_map_ids && i < 64; i++)
				if (ids[i] == map_id) {
					found = id;
					snprintf(name, cap, "%s", info.name);
				}
		close(fd);
	}
	return found;
}

/*
 * Whether the map's values are this version's pcscf_sa_tags: the earlier
 * 8-byte layout (one SPI and generation an index) had the same value size.
 */
static bool values_are_tags(const struct bpf_map_info *mi)
{
	struct btf *btf = mi->btf_id ? btf__load_from_kernel_by_id(mi->btf_id) : NULL;
	const struct btf_type *t = btf ? btf__type_by_id(btf, mi->btf_value_type_id) : NULL;
	bool ok = t && !strcmp(btf__name_by_offset(btf, t->name_off), "pcscf_sa_tags");

	btf__free(btf);
	return ok;
}

int pcscf_sa_pin_check(const char *pin_dir, uint32_t want_entries)
{
	struct bpf_map_info mi = {};
	uint32_t len = sizeof(mi), user;
	char path[PATH_MAX], pname[BPF_OBJ_NAME_LEN + 1] = "";
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, PCSCF_MAP_SA);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0; /* none pinned: libbpf creates it */
	if (bpf_obj_get_info_by_fd(fd, &mi, &len)) {
		close(fd);
		return 0; /* libbpf will say what is wrong with it */
	}
	close(fd);
	/* The SA array of this version (older ones pinned a hash map of another layout). */
	if (mi.type == BPF_MAP_TYPE_ARRAY && mi.max_entries == want_entries &&
	    mi.key_size == sizeof(uint32_t) &&
	    mi.value_size == sizeof(struct pcscf_sa_tags) && values_are_tags(&mi))
		return 0;
	user = prog_using(mi.id, pname, sizeof(pname));
	if (user) {
		pr_err("pinned SA map %s holds %u entries (key %u, value %u bytes), this run needs "
		       "%u (key %zu, value %zu) and program %u (%s) still uses it: stop what "
		       "runs it, or use another --pin-dir or --max-regs %s",
		       path, mi.max_entries, mi.key_size, mi.value_size, want_entries,
		       sizeof(uint32_t), sizeof(struct pcscf_sa_tags), user, pname,
		       "that fits it");
		return -EBUSY;
	}
	if (unlink(path)) {
		int err = -errno;

		pr_err("pinned SA map %s has %u entries, %u needed, and cannot be removed: %s",
		       path, mi.max_entries, want_entries, strerror(-err));
		return err;
	}
	pr_info("pinned SA map %s held %u entries and no program used it: re-created with %u", path,
		mi.max_entries, want_entries);
	return 0;
}
