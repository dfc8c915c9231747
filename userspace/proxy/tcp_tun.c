// SPDX-License-Identifier: GPL-2.0
/* TUN creation and the routing that feeds it, over rtnetlink (no ip(8) at run time). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/fib_rules.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "common/log.h"
#include "proxy/tcp_tun.h"

struct nlreq {
	struct nlmsghdr h;
	union {
		struct fib_rule_hdr rule;
		struct rtmsg rt;
	};
	char attrs[128];
};

static void nl_attr(struct nlreq *r, uint16_t type, const void *data, uint16_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Sends one request and reads its ack: 0 or the kernel's negative errno. */
static int nl_talk(struct nlreq *r)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	char buf[1024];
	int fd, err = -EIO;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r->h.nlmsg_seq = 1;
	if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n >= (ssize_t)(NLMSG_HDRLEN + sizeof(struct nlmsgerr))) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (h->nlmsg_type == NLMSG_ERROR)
			err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
out:
	close(fd);
	return err;
}

/* One rule: priority prio, to TCP_TUN_TABLE; by mark, or by TCP source port range. */
static int rule(int cmd, int family, uint32_t prio, bool by_mark, uint16_t lo, uint16_t hi)
{
	struct nlreq r = {};
	uint32_t table = TCP_TUN_TABLE, mark = TCP_TUN_MARK, mask = 0xffffffffu;

	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct fib_rule_hdr));
	r.h.nlmsg_type = cmd;
	if (cmd == RTM_NEWRULE)
		r.h.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	r.rule.family = family;
	r.rule.action = FR_ACT_TO_TBL;
	nl_attr(&r, FRA_PRIORITY, &prio, 4);
	nl_attr(&r, FRA_TABLE, &table, 4);
	if (by_mark) {
		nl_attr(&r, FRA_FWMARK, &mark, 4);
		nl_attr(&r, FRA_FWMASK, &mask, 4);
	} else {
		struct fib_rule_port_range pr = {.start = lo, .end = hi};
		uint8_t proto = IPPROTO_TCP;

		nl_attr(&r, FRA_IP_PROTO, &proto, 1);
		nl_attr(&r, FRA_SPORT_RANGE, &pr, sizeof(pr));
	}
	return nl_talk(&r);
}

static int route_via(int family, int ifindex)
{
	struct nlreq r = {};
	uint32_t table = TCP_TUN_TABLE, oif = ifindex;

	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	r.h.nlmsg_type = RTM_NEWROUTE;
	r.h.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	r.rt.rtm_family = family;
	r.rt.rtm_table = RT_TABLE_UNSPEC;
	r.rt.rtm_protocol = RTPROT_STATIC;
	r.rt.rtm_scope = family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	r.rt.rtm_type = RTN_UNICAST;
	nl_attr(&r, RTA_TABLE, &table, 4);
	nl_attr(&r, RTA_OIF, &oif, 4);
	return nl_talk(&r);
}

static int write_sysctl(const char *fmt, const char *name, const char *val)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), fmt, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int read_sysctl_int(const char *path)
{
	char b[16] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC), v = 0;

	if (fd >= 0) {
		if (read(fd, b, sizeof(b) - 1) > 0)
			v = atoi(b);
		close(fd);
	}
	return v;
}

static void rules_del(struct tcp_tun *t)
{
	static const int fams[] = {AF_INET, AF_INET6};

	for (int f = 0; f < 2; f++) {
		rule(RTM_DELRULE, fams[f], TCP_TUN_PRIO, true, 0, 0);
		rule(RTM_DELRULE, fams[f], TCP_TUN_PRIO + 1, false, t->port_ps, t->port_ps);
		rule(RTM_DELRULE, fams[f], TCP_TUN_PRIO + 2, false, t->pc_lo, t->pc_hi);
	}
}

static int link_up(struct tcp_tun *t)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", t->name);
	ifr.ifr_mtu = t->mtu;
	if (ioctl(fd, SIOCSIFMTU, &ifr) || ioctl(fd, SIOCGIFFLAGS, &ifr))
		err = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr))
		err = -errno;
	close(fd);
	return err;
}

int tcp_tun_open(struct tcp_tun *t, const char *name, uint32_t access_mtu, uint16_t port_ps,
		 uint16_t pc_lo, uint16_t pc_hi)
{
	static const int fams[] = {AF_INET, AF_INET6};
	struct ifreq ifr = {};
	const char *what;
	int err;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (!name || !name[0] || strlen(name) >= sizeof(t->name)) {
		pr_err("--tcp-tun '%s': an interface name of 1-15 characters", name ? name : "");
		return -EINVAL;
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->port_ps = port_ps;
	t->pc_lo = pc_lo;
	t->pc_hi = pc_hi;
	t->mtu = access_mtu > 1280 + TCP_TUN_ESP_ROOM ? access_mtu - TCP_TUN_ESP_ROOM : 1280;
	what = "open /dev/net/tun";
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		err = -errno;
		goto fail;
	}
	what = "TUNSETIFF";
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", t->name);
	if (ioctl(t->fd, TUNSETIFF, &ifr)) {
		err = -errno;
		goto fail;
	}
	t->ifindex = if_nametoindex(t->name);
	/* Before the link comes up: no router solicitations of ours into the TUN. */
	write_sysctl("/proc/sys/net/ipv6/conf/%s/router_solicitations", t->name, "0");
	what = "rp_filter";
	err = write_sysctl("/proc/sys/net/ipv4/conf/%s/rp_filter", t->name, "0");
	if (err)
		goto fail;
	/* The kernel takes the larger of "all" and the device's value. */
	if (read_sysctl_int("/proc/sys/net/ipv4/conf/all/rp_filter"))
		pr_warn("net.ipv4.conf.all.rp_filter is set: IPv4 TCP inside ESP needs it 0 "
			"(the kernel uses the larger of all and %s)",
			t->name);
	what = "link up";
	err = link_up(t);
	if (err)
		goto fail;
	rules_del(t); /* a stale set from a run that did not end cleanly */
	for (int f = 0; f < 2; f++) {
		what = "route";
		err = route_via(fams[f], t->ifindex);
		what = "rule";
		if (!err)
			err = rule(RTM_NEWRULE, fams[f], TCP_TUN_PRIO, true, 0, 0);
		if (!err)
			err = rule(RTM_NEWRULE, fams[f], TCP_TUN_PRIO + 1, false, port_ps, port_ps);
		if (!err)
			err = rule(RTM_NEWRULE, fams[f], TCP_TUN_PRIO + 2, false, pc_lo, pc_hi);
		t->rules = true;
		if (err)
			goto fail;
	}
	pr_info("TCP inside ESP through %s (MTU %u): mark 0x%08x, table %u, TCP from ports %u, "
		"%u-%u",
		t->name, t->mtu, TCP_TUN_MARK, TCP_TUN_TABLE, port_ps, pc_lo, pc_hi);
	return 0;
fail:
	pr_err("--tcp-tun %s: %s: %s (needs CAP_NET_ADMIN and /dev/net/tun; --tcp-tun off "
	       "turns TCP inside ESP off)",
	       t->name, what, strerror(-err));
	tcp_tun_close(t);
	return err;
}

void tcp_tun_close(struct tcp_tun *t)
{
	if (t->rules)
		rules_del(t);
	t->rules = false;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}
