// SPDX-License-Identifier: GPL-2.0
/*
 * The core side: one UDP socket connected to the next hop (I-CSCF/S-CSCF).
 * The kernel picks the source address on the core-facing interface; that
 * address and port go into our Via and Path so the core's responses and
 * terminating requests come back here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/log.h"
#include "proxy/proxy.h"

#define CORE_RCVBUF (16 << 20)

int core_link_open(struct proxy *p)
{
	struct sockaddr_storage ss = {}, local = {};
	socklen_t len, llen = sizeof(local);
	struct pcscf_addr la;
	int rcvbuf = CORE_RCVBUF;
	char a[ADDR_STR_LEN];

	addr_to_sockaddr(&p->cfg.core_addr, p->cfg.core_port, &ss, &len);
	p->core_fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (p->core_fd < 0)
		return -errno;
	/*
	 * Every UE's answers arrive on this one socket: a burst from the core
	 * must not overflow it (a lost 200 to a de-REGISTER cannot be repaired
	 * once the SAs are gone). Root may exceed rmem_max.
	 */
	if (setsockopt(p->core_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(p->core_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (connect(p->core_fd, (struct sockaddr *)&ss, len) ||
	    getsockname(p->core_fd, (struct sockaddr *)&local, &llen)) {
		int err = -errno;

		pr_err("core %s port %u: %s", addr_str(&p->cfg.core_addr, a, sizeof(a)),
		       p->cfg.core_port, strerror(-err));
		return err;
	}
	addr_from_sockaddr(&local, &la, &p->core_via_port);
	addr_str(&la, p->core_via_host, sizeof(p->core_via_host));
	pr_info("core next hop %s port %u, from %s port %u", addr_str(&p->cfg.core_addr, a, sizeof(a)),
		p->cfg.core_port, p->core_via_host, p->core_via_port);
	return 0;
}

void core_link_close(struct proxy *p)
{
	if (p->core_fd >= 0)
		close(p->core_fd);
	p->core_fd = -1;
}

int core_send(struct proxy *p, const char *msg, size_t len)
{
	int err;

	if (p->io.core)
		err = p->io.core(p, msg, len);
	else
		err = send(p->core_fd, msg, len, MSG_DONTWAIT) < 0 ? -errno : 0;
	if (err) {
		p->stats.send_errors++;
		return err;
	}
	p->stats.to_core++;
	return 0;
}
