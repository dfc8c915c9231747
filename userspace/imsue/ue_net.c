// SPDX-License-Identifier: GPL-2.0
/* Sockets of the UE emulator: plain UDP, raw ESP in, raw IP out. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "imsue/ue_net.h"

#ifndef IPPROTO_ESP
#define IPPROTO_ESP 50
#endif
#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif
#ifndef IPV6_TRANSPARENT
#define IPV6_TRANSPARENT 75
#endif
#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

static int nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

int ue_net_open(struct ue_net *n)
{
	int one = 1;

	n->sip_fd = -1;
	n->esp4_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);
	n->esp6_fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);
	n->raw4_fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	/* IPPROTO_RAW implies IPV6_HDRINCL on Linux: we send whole packets */
	n->raw6_fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (n->esp6_fd >= 0)
		setsockopt(n->esp6_fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	/*
	 * One ESP socket serves every UE of a load run: bursts of answers must not
	 * overflow it (SO_RCVBUFFORCE as root, else capped at rmem_max).
	 */
	for (int i = 0; i < 2; i++) {
		int fd = i ? n->esp6_fd : n->esp4_fd, sz = 8 << 20;

		if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	if ((n->esp4_fd < 0 || n->raw4_fd < 0) && (n->esp6_fd < 0 || n->raw6_fd < 0)) {
		int err = -errno;

		ue_net_close(n);
		return err ? err : -EPERM;
	}
	return 0;
}

void ue_net_close(struct ue_net *n)
{
	int *fds[] = {&n->esp4_fd, &n->esp6_fd, &n->raw4_fd, &n->raw6_fd, &n->sip_fd};

	for (unsigned int i = 0; i < 5; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int ue_udp_open(const struct pcscf_addr *local, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, err;

	addr_to_sockaddr(local, port, &ss, &sl);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || nonblock(fd) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int ue_udp_send(int fd, const struct pcscf_addr *dst, uint16_t port, const void *msg, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	addr_to_sockaddr(dst, port, &ss, &sl);
	return sendto(fd, msg, len, 0, (struct sockaddr *)&ss, sl) < 0 ? -errno : 0;
}

int ue_net_open_sip(struct ue_net *n, bool v4, uint16_t port)
{
	struct pcscf_addr any = {0};
	int fd, one = 1, sz = 8 << 20;

	if (v4)
		addr_parse("0.0.0.0", &any);
	else
		addr_parse("::", &any);
	fd = ue_udp_open(&any, port);
	if (fd < 0)
		return fd;
	if (v4) {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
		/* any source address without a local route (needs CAP_NET_ADMIN) */
		setsockopt(fd, IPPROTO_IP, IP_TRANSPARENT, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
		/* IPV6_PKTINFO with an address not on an interface: needs nonlocal bind */
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_TRANSPARENT, &one, sizeof(one));
	}
	/* every UE's answers arrive here: bursts must not overflow it */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	n->sip_fd = fd;
	return 0;
}

int ue_net_send_udp(struct ue_net *n, const struct pcscf_addr *src, uint16_t sport,
		    const struct pcscf_addr *dst, uint16_t dport, const void *msg, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct sockaddr_storage ss;
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
	struct msghdr mh = {0};
	struct cmsghdr *c;
	socklen_t sl;

	(void)sport; /* the socket's own port: every UE uses the same */
	if (n->sip_fd < 0)
		return -EBADF;
	addr_to_sockaddr(dst, dport, &ss, &sl);
	memset(&cbuf, 0, sizeof(cbuf));
	mh.msg_name = &ss;
	mh.msg_namelen = sl;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	c = (struct cmsghdr *)cbuf.buf;
	if (addr_is_v4(dst)) {
		struct in_pktinfo pi = {0};

		memcpy(&pi.ipi_spec_dst, src->a + 12, 4);
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = {0};

		memcpy(&pi.ipi6_addr, src->a, 16);
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	return sendmsg(n->sip_fd, &mh, 0) < 0 ? -errno : 0;
}

ssize_t ue_net_recv_udp(struct ue_net *n, char *buf, size_t cap, struct pcscf_addr *dst)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			 CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct sockaddr_storage from;
	struct iovec iov = {.iov_base = buf, .iov_len = cap - 1};
	struct msghdr mh = {.msg_name = &from,
			    .msg_namelen = sizeof(from),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf.buf,
			    .msg_controllen = sizeof(cbuf.buf)};
	struct cmsghdr *c;
	ssize_t r;

	r = recvmsg(n->sip_fd, &mh, 0);
	if (r < 0)
		return -errno;
	buf[r] = '\0';
	memset(dst, 0, sizeof(*dst));
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			dst->a[10] = dst->a[11] = 0xff;
			memcpy(dst->a + 12, &pi.ipi_addr, 4);
			return r;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(dst->a, &pi.ipi6_addr, 16);
			return r;
		}
	}
	return -EADDRNOTAVAIL; /* no destination: cannot tell which UE */
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

uint16_t ue_udp_csum(const struct pcscf_addr *src, const struct pcscf_addr *dst, const uint8_t *seg,
		     size_t len)
{
	bool v4 = addr_is_v4(src);
	uint32_t sum = 0;

	sum = sum16(sum, v4 ? src->a + 12 : src->a, v4 ? 4 : 16);
	sum = sum16(sum, v4 ? dst->a + 12 : dst->a, v4 ? 4 : 16);
	sum += IPPROTO_UDP + (uint32_t)len;
	sum = sum16(sum, seg, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	return sum ? (uint16_t)sum : 0xffff; /* 0 means "no checksum" in UDP/IPv4 */
}

int ue_net_send_esp(struct ue_net *n, struct esp_sa *sa, const struct pcscf_addr *src,
		    const struct pcscf_addr *dst, uint16_t sport, uint16_t dport, const void *msg,
		    size_t len)
{
	uint8_t seg[8 + 8192];
	struct udphdr *u = (struct udphdr *)seg;
	struct sockaddr_storage ss;
	socklen_t sl;
	size_t out_len;
	int rc, fd;

	if (!sa)
		return -EINVAL;
	if (len > sizeof(seg) - sizeof(*u))
		return -EMSGSIZE;
	u->source = htons(sport);
	u->dest = htons(dport);
	u->len = htons((uint16_t)(len + sizeof(*u)));
	u->check = 0;
	memcpy(seg + sizeof(*u), msg, len);
	u->check = htons(ue_udp_csum(src, dst, seg, len + sizeof(*u)));
	rc = esp_encap(sa, IPPROTO_UDP, seg, len + sizeof(*u), n->pkt, sizeof(n->pkt), &out_len);
	if (rc)
		return rc;
	fd = addr_is_v4(dst) ? n->raw4_fd : n->raw6_fd;
	if (fd < 0)
		return -EAFNOSUPPORT;
	addr_to_sockaddr(dst, 0, &ss, &sl);
	return sendto(fd, n->pkt, out_len, 0, (struct sockaddr *)&ss, sl) < 0 ? -errno : 0;
}

ssize_t ue_net_recv_esp(struct ue_net *n, int fd)
{
	struct sockaddr_in6 from;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov;
	struct msghdr mh = {0};
	struct ip6_hdr *ip6 = (struct ip6_hdr *)n->pkt;
	struct cmsghdr *c;
	ssize_t r;

	if (fd == n->esp4_fd) {
		r = recv(fd, n->pkt, sizeof(n->pkt), 0);
		return r < 0 ? -errno : r;
	}
	/* IPv6: payload after room for the header we rebuild */
	iov.iov_base = n->pkt + sizeof(*ip6);
	iov.iov_len = sizeof(n->pkt) - sizeof(*ip6);
	mh.msg_name = &from;
	mh.msg_namelen = sizeof(from);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	r = recvmsg(fd, &mh, 0);
	if (r < 0)
		return -errno;
	if (r > 65535)
		return -EMSGSIZE;
	memset(ip6, 0, sizeof(*ip6));
	ip6->ip6_flow = htonl(6u << 28);
	ip6->ip6_plen = htons((uint16_t)r);
	ip6->ip6_nxt = IPPROTO_ESP;
	ip6->ip6_hlim = 64;
	ip6->ip6_src = from.sin6_addr;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ip6->ip6_dst = pi.ipi6_addr;
		}
	}
	return r + (ssize_t)sizeof(*ip6);
}
