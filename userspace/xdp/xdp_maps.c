// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "common/addr.h"
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

/* Which of the classifier's addresses daddr is: an SA is only ever bound to ours. */
static int addr_index(const struct pcscf_bpf_handles *h, const struct pcscf_addr *daddr)
{
	struct pcscf_config cfg;
	__u32 key = 0;

	if (bpf_map_lookup_elem(h->cfg_fd, &key, &cfg))
		return -errno;
	for (int i = 0; i < cfg.n_addrs && i < PCSCF_MAX_ADDRS; i++)
		if (!memcmp(&cfg.addrs[i], daddr, sizeof(*daddr)))
			return i;
	return -EADDRNOTAVAIL;
}

/*
 * One index's tag is written by rewriting its element (pcscf_sa_tags): the
 * signalling thread is the only writer, so the other three tags are
 * written back as they were. The classifier reads the element while the
 * kernel copies the new value over it (an array update is a memcpy of the
 * value, not one atomic store); it reads only its packet's own 2-byte tag,
 * which is naturally aligned and the same before and after the copy unless
 * it is the index being written, where old or new tag is as good as the
 * write happening just before or after the packet. If expect is not 0 the
 * index must hold it (a delete of the SA that is there): -ENOENT otherwise.
 */
static int sa_tag_write(const struct pcscf_bpf_handles *h, __u32 index, __u16 tag, __u16 expect)
{
	__u32 e = index / PCSCF_SA_PER_ELEM;
	struct pcscf_sa_tags t;

	if (bpf_map_lookup_elem(h->sa_fd, &e, &t))
		return errno == ENOENT && !expect ? -E2BIG : -errno; /* past the end */
	if (expect && t.tag[index % PCSCF_SA_PER_ELEM] != expect)
		return -ENOENT;
	t.tag[index % PCSCF_SA_PER_ELEM] = tag;
	return ret(bpf_map_update_elem(h->sa_fd, &e, &t, BPF_EXIST));
}

int xdp_sa_put(const struct pcscf_bpf_handles *h, uint32_t spi, const struct pcscf_addr *daddr,
	       const struct xdp_sa *v)
{
	__u32 k = spi & PCSCF_SPI_SLOT_MASK;
	int idx = addr_index(h, daddr);

	if (idx < 0)
		return idx;
	if (!spi || !v->state)
		return -EINVAL; /* would read as an empty entry */
	/* the classifier hands the worker the slot the key names, not this one */
	if (k < PCSCF_SA_MAP_BASE || v->slot != pcscf_sa_key_slot(k))
		return -EINVAL;
	return sa_tag_write(h, k, pcscf_sa_tag(spi), 0);
}

int xdp_prefix_parse(const char *s, struct pcscf_prefix *out)
{
	char text[64], *slash, *end;
	unsigned long len;
	int bits, max;

	if (strlen(s) >= sizeof(text))
		return -EINVAL;
	strcpy(text, s);
	slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	if (addr_parse(text, &out->addr))
		return -EINVAL;
	max = addr_is_v4(&out->addr) ? 32 : 128;
	len = max;
	if (slash) {
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || slash[1] == '-' || len > (unsigned long)max)
			return -EINVAL;
	}
	/* IPv4 is kept v4-mapped: its /len is /96+len of the 16 bytes. */
	bits = (int)len + 128 - max;
	for (int i = 0; i < 16; i++, bits -= 8) {
		uint8_t m = bits >= 8 ? 0xff : bits > 0 ? (uint8_t)(0xff << (8 - bits)) : 0;

		out->mask.a[i] = m;
		out->addr.a[i] &= m;
	}
	return 0;
}

/*
 * Empties the entry if it still holds spi (an array entry cannot go away);
 * -ENOENT when it holds another SA or none. Control path only (one writer).
 */
int xdp_sa_del(const struct pcscf_bpf_handles *h, uint32_t spi)
{
	return sa_tag_write(h, spi & PCSCF_SPI_SLOT_MASK, 0, pcscf_sa_tag(spi));
}

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}
