// SPDX-License-Identifier: GPL-2.0
/*
 * Sending to UEs. Plain SIP leaves from our SIP port through a kernel UDP
 * socket (inbound traffic to that port is steered to AF_XDP before the
 * kernel sees it, so this socket only ever receives reassembled fragments).
 * Protected SIP is a UDP segment we build, wrapped by the ESP engine and sent
 * as a whole IP packet through a raw socket: the kernel routes it and
 * resolves the UE's MAC (its neighbour table), and has no ESP of its own to
 * get in the way. Signalling rates make one syscall per message fine here.
 * A protected packet over the access interface's MTU (the kernel refuses a
 * header-included send beyond it) leaves as IP fragments we cut ourselves
 * (esp_frag.c), DF clear, one sendto each; the UE reassembles them before
 * ESP (RFC 4303 3.4.1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <net/if.h>
#include <sodium.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/udp.h>

#include "common/addr.h"
#include "common/log.h"
#include "esp/esp.h"
#include "esp/esp_frag.h"
#include "proxy/proxy.h"
#include "proxy/tcp_esp.h"

#define UE_LINK_MTU_DEFAULT 1500

/* The MTU of the access interface, read once: fragments are cut to it. */
static uint32_t iface_mtu(const char *ifname)
{
	struct ifreq ifr = {};
	int fd, mtu = 0;

	if (!ifname || strlen(ifname) >= sizeof(ifr.ifr_name))
		return UE_LINK_MTU_DEFAULT;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	strcpy(ifr.ifr_name, ifname);
	if (fd >= 0 && !ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	if (fd >= 0)
		close(fd);
	return mtu >= IP_FRAG_MTU_MIN ? (uint32_t)mtu : UE_LINK_MTU_DEFAULT;
}

int ue_link_open(struct proxy *p)
{
	int one = 1;

	p->mtu = iface_mtu(p->cfg.iface);
	for (int i = 0; i < p->cfg.naddrs; i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		int fam = addr_is_v4(&p->cfg.addrs[i]) ? AF_INET : AF_INET6;
		int fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

		if (fd < 0)
			return -errno;
		p->ue_fd[i] = fd;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fam == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		addr_to_sockaddr(&p->cfg.addrs[i], p->cfg.sip_port, &ss, &len);
		if (bind(fd, (struct sockaddr *)&ss, len)) {
			char a[ADDR_STR_LEN];
			int err = -errno;

			pr_err("bind %s port %u: %s", addr_str(&p->cfg.addrs[i], a, sizeof(a)),
			       p->cfg.sip_port, strerror(-err));
			return err;
		}
	}
	/* Non-blocking: a full send queue drops (and counts) a packet, never stalls the loop. */
	p->raw4_fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW);
	p->raw6_fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW);
	if (p->raw4_fd < 0 || p->raw6_fd < 0)
		return -errno;
	return 0;
}

void ue_link_close(struct proxy *p)
{
	for (int i = 0; i < PCSCF_MAX_ADDRS; i++) {
		if (p->ue_fd[i] >= 0)
			close(p->ue_fd[i]);
		p->ue_fd[i] = -1;
	}
	if (p->raw4_fd >= 0)
		close(p->raw4_fd);
	if (p->raw6_fd >= 0)
		close(p->raw6_fd);
	p->raw4_fd = p->raw6_fd = -1;
}

int ue_send_plain(struct proxy *p, const struct pcscf_addr *from, const struct pcscf_addr *to,
		  uint16_t dport, const char *msg, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	int err;

	for (int i = 0; i < p->cfg.naddrs; i++) {
		if (memcmp(&p->cfg.addrs[i], from, sizeof(*from)))
			continue;
		addr_to_sockaddr(to, dport, &ss, &slen);
		if (p->io.ue_plain)
			err = p->io.ue_plain(p, from, to, dport, msg, len);
		else if (sendto(p->ue_fd[i], msg, len, MSG_DONTWAIT, (struct sockaddr *)&ss, slen) < 0)
			err = -errno;
		else
			err = 0;
		if (err) {
			p->stats.send_errors++;
			return err;
		}
		p->stats.to_ue++;
		return 0;
	}
	return -EADDRNOTAVAIL;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *d, size_t n)
{
	for (; n > 1; n -= 2, d += 2)
		sum += (uint32_t)d[0] << 8 | d[1];
	if (n)
		sum += (uint32_t)d[0] << 8;
	return sum;
}

/* UDP checksum over the IPv4/IPv6 pseudo header (RFC 768, RFC 8200 8.1). */
static uint16_t udp_csum(const struct pcscf_addr *src, const struct pcscf_addr *dst,
			 const uint8_t *seg, size_t len)
{
	bool v4 = addr_is_v4(src);
	uint32_t sum = 0;

	sum = csum_add(sum, v4 ? &src->a[12] : src->a, v4 ? 4 : 16);
	sum = csum_add(sum, v4 ? &dst->a[12] : dst->a, v4 ? 4 : 16);
	sum += IPPROTO_UDP + (uint32_t)len;
	sum = csum_add(sum, seg, len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	return sum ? sum : 0xffff;
}

struct raw_dest {
	struct proxy *p;
	const struct pcscf_addr *to;
};

/* One IP packet (whole or a fragment) through the raw socket of its family. */
static int send_raw(void *ctx, const uint8_t *pkt, size_t len)
{
	const struct raw_dest *d = ctx;
	struct sockaddr_storage ss;
	socklen_t slen;
	int fd;

	addr_to_sockaddr(d->to, 0, &ss, &slen);
	fd = addr_is_v4(d->to) ? d->p->raw4_fd : d->p->raw6_fd;
	return sendto(fd, pkt, len, MSG_DONTWAIT, (struct sockaddr *)&ss, slen) < 0 ? -errno : 0;
}

int ue_send_esp(struct proxy *p, const struct reg_sa_set *set, enum reg_sa_which which,
		uint8_t proto, const uint8_t *l4, size_t len)
{
	struct esp_sa *sa = set->esp[which];
	struct raw_dest dest;
	size_t out_len;
	int err;

	if (!sa || reg_sa_inbound(which))
		return -EINVAL;
	err = esp_encap(sa, proto, l4, len, p->pkt, sizeof(p->pkt), &out_len);
	if (err) {
		p->stats.send_errors++;
		pr_err_rl("ESP out on spi 0x%08x: %s", set->spi[which], strerror(-err));
		return err;
	}
	if (out_len > p->mtu)
		p->stats.fragmented++;
	dest.p = p;
	dest.to = &set->ue_addr;
	err = ip_fragment(p->pkt, out_len, p->mtu, randombytes_random(), p->frag, send_raw, &dest);
	if (err) {
		p->stats.send_errors++;
		return err;
	}
	return 0;
}

int ue_send_protected(struct proxy *p, const struct reg_sa_set *set, enum reg_sa_which which,
		      const char *msg, size_t len)
{
	struct esp_sa *sa = set->esp[which];
	uint8_t *seg = p->seg;
	struct udphdr *u = (struct udphdr *)seg;
	uint16_t sport, dport;
	int err;

	if (!sa || reg_sa_inbound(which))
		return -EINVAL;
	/* A large request, or one to a UE we hold a connection with: TCP inside ESP. */
	err = tcp_esp_send(p, set, which, msg, len);
	if (err)
		return err < 0 ? err : 0;
	if (len + sizeof(*u) > sizeof(p->seg) || len + sizeof(*u) > 0xffff)
		return -EMSGSIZE; /* a UDP length is 16 bits */
	if (p->io.ue_protected) {
		err = p->io.ue_protected(p, set, which, msg, len);
		if (err)
			p->stats.send_errors++;
		else
			p->stats.to_ue++;
		return err;
	}
	sport = which == REG_SA_UC ? set->port_ps : set->port_pc;
	dport = which == REG_SA_UC ? set->port_uc : set->port_us;
	u->source = htons(sport);
	u->dest = htons(dport);
	u->len = htons(len + sizeof(*u));
	u->check = 0;
	memcpy(seg + sizeof(*u), msg, len);
	u->check = htons(udp_csum(&set->our_addr, &set->ue_addr, seg, len + sizeof(*u)));
	err = ue_send_esp(p, set, which, IPPROTO_UDP, seg, len + sizeof(*u));
	if (!err)
		p->stats.to_ue++;
	return err;
}
