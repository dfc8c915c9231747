// SPDX-License-Identifier: GPL-2.0
/*
 * The core side: one UDP socket bound to a stable address and port
 * (--core-listen, default the kernel's source address towards the core and
 * port 5060), which our Via and Path name. The S-CSCF stores that Path for
 * the whole registration and sends terminating requests and reg-event
 * NOTIFYs to it, so it must not change when pcscfd restarts (an ephemeral
 * port would). The socket is not connected: terminating requests may come
 * from another core node or port than --core; only sources that are the core
 * (core_addr or a --core-prefix) are handled.
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

static bool addr_zero(const struct pcscf_addr *a)
{
	static const struct pcscf_addr zero;

	return !memcmp(a, &zero, sizeof(*a));
}

/* The source address the kernel picks towards the core (a connect() that sends nothing). */
static int core_source(const struct proxy *p, struct pcscf_addr *out)
{
	struct sockaddr_storage ss, local;
	socklen_t len, llen = sizeof(local);
	uint16_t port;
	int fd, err = 0;

	addr_to_sockaddr(&p->cfg.core_addr, p->cfg.core_port, &ss, &len);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) ||
	    getsockname(fd, (struct sockaddr *)&local, &llen))
		err = -errno;
	else
		err = addr_from_sockaddr(&local, out, &port);
	close(fd);
	return err;
}

int core_link_open(struct proxy *p)
{
	struct sockaddr_storage ss;
	struct pcscf_addr la = p->cfg.core_listen;
	uint16_t port = p->cfg.core_listen_port ? p->cfg.core_listen_port : PROXY_CORE_LISTEN_PORT;
	int rcvbuf = CORE_RCVBUF, one = 1, err;
	char a[ADDR_STR_LEN];
	socklen_t len;

	if (addr_zero(&la) && (err = core_source(p, &la))) {
		pr_err("core %s port %u: no route: %s", addr_str(&p->cfg.core_addr, a, sizeof(a)),
		       p->cfg.core_port, strerror(-err));
		return err;
	}
	addr_to_sockaddr(&la, port, &ss, &len);
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
	if (ss.ss_family == AF_INET6)
		setsockopt(p->core_fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(p->core_fd, (struct sockaddr *)&ss, len)) {
		err = -errno;
		/* The access side holds ADDR:sip-port when both sides share an address. */
		pr_err("core side %s port %u: %s%s", addr_str(&la, a, sizeof(a)), port,
		       strerror(-err), err == -EADDRINUSE ? " (set --core-listen ADDR:PORT)" : "");
		return err;
	}
	addr_str(&la, p->core_via_host, sizeof(p->core_via_host));
	p->core_via_port = port;
	pr_info("core next hop %s port %u, from %s port %u (Path and Via)",
		addr_str(&p->cfg.core_addr, a, sizeof(a)), p->cfg.core_port, p->core_via_host,
		port);
	return 0;
}

void core_link_close(struct proxy *p)
{
	if (p->core_fd >= 0)
		close(p->core_fd);
	p->core_fd = -1;
}

static int core_out(struct proxy *p, const struct pcscf_addr *to, uint16_t port, const char *msg,
		    size_t len)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	int err;

	if (p->io.core) {
		err = p->io.core(p, msg, len);
	} else {
		addr_to_sockaddr(to, port, &ss, &slen);
		err = sendto(p->core_fd, msg, len, MSG_DONTWAIT, (struct sockaddr *)&ss, slen) < 0
			      ? -errno
			      : 0;
	}
	if (err) {
		p->stats.send_errors++;
		return err;
	}
	p->stats.to_core++;
	return 0;
}

int core_send(struct proxy *p, const char *msg, size_t len)
{
	return core_out(p, &p->cfg.core_addr, p->cfg.core_port, msg, len);
}

int core_send_to(struct proxy *p, const struct pcscf_addr *to, uint16_t port, const char *msg,
		 size_t len)
{
	return core_out(p, to, port, msg, len);
}

bool core_peer_ok(const struct proxy *p, const struct pcscf_addr *a)
{
	if (!memcmp(a, &p->cfg.core_addr, sizeof(*a)))
		return true;
	for (int i = 0; i < p->cfg.ncore_peers; i++) {
		const struct pcscf_prefix *pf = &p->cfg.core_peers[i];
		size_t k;

		for (k = 0; k < sizeof(a->a); k++)
			if ((a->a[k] & pf->mask.a[k]) != (pf->addr.a[k] & pf->mask.a[k]))
				break;
		if (k == sizeof(a->a))
			return true;
	}
	return false;
}
