/* SPDX-License-Identifier: GPL-2.0 */
/* Writing the classifier's configuration and SA maps from the control path. */
#ifndef PCSCF_XDP_MAPS_H
#define PCSCF_XDP_MAPS_H

#include <stdint.h>
#include "pcscf_maps.h"
#include "xdp/xdp_loader.h"

int xdp_cfg_write(const struct pcscf_bpf_handles *h, const struct pcscf_config *cfg);
/*
 * Insert or replace one inbound SA bound to our address daddr (one of
 * pcscf_cfg's, written before); spi in host order, its low bits name the
 * entry (PCSCF_SPI_SLOT_BITS). -EADDRNOTAVAIL, -E2BIG past the map's end.
 */
int xdp_sa_put(const struct pcscf_bpf_handles *h, uint32_t spi, const struct pcscf_addr *daddr,
	       const struct pcscf_sa_value *v);
/*
 * "ADDR/LEN" (IPv4 or IPv6; LEN optional: a host) into a prefix with its
 * mask, host bits cleared, as the classifier compares it. -EINVAL on bad text.
 */
int xdp_prefix_parse(const char *s, struct pcscf_prefix *out);
int xdp_sa_del(const struct pcscf_bpf_handles *h, uint32_t spi);
/* CLOCK_MONOTONIC now in ns: the clock bpf_ktime_get_ns() reads. */
uint64_t mono_ns(void);

#endif
