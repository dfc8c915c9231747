/* SPDX-License-Identifier: GPL-2.0 */
/* Writing the classifier's configuration and SA maps from the control path. */
#ifndef PCSCF_XDP_MAPS_H
#define PCSCF_XDP_MAPS_H

#include <stdint.h>
#include "pcscf_maps.h"
#include "xdp/xdp_loader.h"

int xdp_cfg_write(const struct pcscf_bpf_handles *h, const struct pcscf_config *cfg);

/*
 * What the control path knows of an inbound SA when it writes the
 * classifier's entry. Only spi and generation reach the map (pcscf_maps.h:
 * 8-byte values); slot must be the one the SPI's entry names
 * (pcscf_sa_key_slot), the rest is for the daemon's test doubles and logs.
 */
struct xdp_sa {
	uint64_t expires_ns; /* CLOCK_MONOTONIC; 0: no expiry */
	uint32_t slot;	     /* index into the daemon's SA table */
	uint32_t generation;
	uint16_t ue_port; /* UE protected port bound to this SA (host order) */
	uint8_t state;	  /* enum pcscf_sa_state, not 0 */
};

/*
 * Insert or replace one inbound SA bound to our address daddr (one of
 * pcscf_cfg's, written before); spi in host order, its low bits name the
 * entry (PCSCF_SPI_SLOT_BITS). -EADDRNOTAVAIL (daddr not ours), -EINVAL (no
 * state, a reserved entry, or a slot other than the entry names), -E2BIG
 * past the map's end.
 */
int xdp_sa_put(const struct pcscf_bpf_handles *h, uint32_t spi, const struct pcscf_addr *daddr,
	       const struct xdp_sa *v);
/*
 * "ADDR/LEN" (IPv4 or IPv6; LEN optional: a host) into a prefix with its
 * mask, host bits cleared, as the classifier compares it. -EINVAL on bad text.
 */
int xdp_prefix_parse(const char *s, struct pcscf_prefix *out);
int xdp_sa_del(const struct pcscf_bpf_handles *h, uint32_t spi);
/* CLOCK_MONOTONIC now in ns: the clock bpf_ktime_get_ns() reads. */
uint64_t mono_ns(void);

#endif
