/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TUN device that joins our ESP to the kernel's TCP (TCP inside ESP,
 * TS 33.203 7.1): workers write the decrypted segments of inbound SAs into
 * it, the kernel's TCP answers into it, and the signalling thread reads
 * those segments and encrypts them. Routing sends into it exactly what must
 * be protected: policy rules (both families) take to table TCP_TUN_TABLE,
 * whose only route is "default dev TUN", every packet whose socket carries
 * SO_MARK TCP_TUN_MARK (our port_ps listeners and port_pc connections) and
 * every TCP packet from port_ps or the port_pc pool (the kernel's own RSTs
 * and ACKs, which carry no socket mark). rp_filter is turned off on the TUN
 * (the UE's address routes out of the access NIC, so a strict check would
 * drop every segment); what enters it already passed an SA's selectors.
 */
#ifndef PCSCF_TCP_TUN_H
#define PCSCF_TCP_TUN_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_TUN_MARK  0x70637063u /* "pcpc" */
#define TCP_TUN_TABLE 7063
#define TCP_TUN_PRIO  7063 /* the first of three rule priorities, ahead of main (32766) */
/* ESP transport overhead at worst: header 8, IV 16, padding 15, trailer 2, ICV 16 (and some) */
#define TCP_TUN_ESP_ROOM 64

struct tcp_tun {
	int fd;
	int ifindex;
	char name[16];
	uint32_t mtu;
	uint16_t port_ps, pc_lo, pc_hi;
	bool rules; /* ours are installed: removed at close */
};

/*
 * Creates (or takes over) TUN name, MTU access_mtu - TCP_TUN_ESP_ROOM (at
 * least 1280), up, rp_filter 0, no IPv6 router solicitations, and the
 * rules and routes above. Negative errno, logged with what failed.
 */
int tcp_tun_open(struct tcp_tun *t, const char *name, uint32_t access_mtu, uint16_t port_ps,
		 uint16_t pc_lo, uint16_t pc_hi);
/* Rules removed, fd closed (the device and its routes go with it). */
void tcp_tun_close(struct tcp_tun *t);

#endif
