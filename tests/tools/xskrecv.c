// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark receiver: the classifier attached to IFACE (through the same
 * loader pcscfd uses), one AF_XDP socket on queue 0 (xsk_port, as a pcscfd
 * worker has), counting frames for SECONDS after the first one. It measures
 * the AF_XDP receive path itself, without the signalling work pcscfd does
 * per message.
 *   xskrecv IFACE ADDR PIN_DIR SECONDS
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/addr.h"
#include "xdp/xdp_loader.h"
#include "xdp/xdp_maps.h"
#include "xdp/xsk_port.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct pcscf_config cfg = { .sip_port = 5060, .prot_port_lo = 6100, .prot_port_hi = 6999,
				    .rl_rate_pps = 4000000000u, .rl_burst = 4000000000u,
				    /* no bucket may drop what is measured */
				    .rl_new_burst = 4000000000u, .agg_rate_pps = 4000000000u,
				    .agg_burst = 4000000000u,
				    .n_addrs = 1 };
	struct pcscf_bpf_handles h;
	struct xsk_port port;
	uint64_t addrs[XSK_BATCH];
	unsigned long long got = 0;
	double secs, start = 0, deadline;
	int ifindex, err;

	if (argc != 5 || addr_parse(argv[2], &cfg.addrs[0]) || !(ifindex = if_nametoindex(argv[1]))) {
		fprintf(stderr, "usage: xskrecv IFACE ADDR PIN_DIR SECONDS\n");
		return 2;
	}
	secs = atof(argv[4]);
	pcscf_handles_init(&h);
	err = pcscf_xdp_attach(&h, ifindex, argv[3], XDP_OPT_NATIVE);
	if (!err)
		err = xdp_cfg_write(&h, &cfg);
	if (!err)
		err = xsk_port_open(&port, argv[1], 0, h.xsks_fd);
	if (err) {
		fprintf(stderr, "xskrecv: %s\n", strerror(-err));
		pcscf_xdp_release(&h);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	deadline = now() + secs + 10;
	while (now() < deadline) {
		struct pollfd pfd = { .fd = xsk_socket__fd(port.xsk), .events = POLLIN };
		uint32_t idx, n = xsk_ring_cons__peek(&port.rx, XSK_BATCH, &idx);

		if (!n) {
			poll(&pfd, 1, 100);
			continue;
		}
		if (!start) {
			start = now();
			deadline = start + secs;
		}
		for (uint32_t i = 0; i < n; i++)
			addrs[i] = xsk_ring_cons__rx_desc(&port.rx, idx + i)->addr &
				   ~((uint64_t)XSK_FRAME_SIZE - 1);
		xsk_ring_cons__release(&port.rx, n);
		xsk_port_refill(&port, addrs, n);
		got += n;
	}
	printf("received %llu packets in %.2f s (%.0f pps)\n", got, secs, got / secs);
	xsk_port_close(&port, h.xsks_fd);
	pcscf_xdp_release(&h);
	return 0;
}
