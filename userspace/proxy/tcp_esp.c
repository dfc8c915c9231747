// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "common/log.h"
#include "proxy/proxy.h"
#include "proxy/tcp_esp.h"

/* An outbound SA's entry in the selector table: its set, UC or US. */
static uint32_t sel_id(const struct reg_sa_set *set, enum reg_sa_which which)
{
	return set->index * 2 + (which == REG_SA_US);
}

static void sel_key(const struct reg_sa_set *set, enum reg_sa_which which, struct tcp_sel_key *k)
{
	memset(k, 0, sizeof(*k));
	k->ue = set->ue_addr;
	k->our = set->our_addr;
	k->ue_port = which == REG_SA_UC ? set->port_uc : set->port_us;
	k->our_port = which == REG_SA_UC ? set->port_ps : set->port_pc;
}

/* The live outbound SA the key names: its set (and which), or NULL. */
static const struct reg_sa_set *sel_lookup(struct proxy *p, const struct tcp_sel_key *k,
					   enum reg_sa_which *which)
{
	uint32_t gen, id = tcp_sel_find(&p->tesp->sel, k, &gen);
	const struct reg_sa_set *set;

	if (id == TCP_SEL_NONE)
		return NULL;
	*which = id & 1 ? REG_SA_US : REG_SA_UC;
	set = reg_sa_by_slot(p->regs, (id / 2) * REG_SA_COUNT + *which, gen);
	return set && set->esp[*which] ? set : NULL;
}

int tcp_esp_init_table(struct proxy *p)
{
	struct tcp_esp *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->tun.fd = -1;
	for (int i = 0; i < PCSCF_MAX_ADDRS; i++)
		t->lfd[i] = -1;
	/* every set of every registration (3 each), UC and US */
	err = tcp_sel_init(&t->sel, p->cfg.max_regs * 3 * 2);
	if (err) {
		free(t);
		return err;
	}
	p->tesp = t;
	return 0;
}

static int listen_ps(struct proxy *p, const struct pcscf_addr *a, int *out)
{
	struct sockaddr_storage ss;
	socklen_t len;
	uint32_t mark = TCP_TUN_MARK;
	int one = 1, fd;

	addr_to_sockaddr(a, p->cfg.port_ps, &ss, &len);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	*out = fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* Its SYN-ACKs and the accepted connections' segments go into the TUN (tcp_tun.h). */
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 128))
		return -errno;
	return 0;
}

int tcp_esp_open(struct proxy *p)
{
	struct tcp_esp *t;
	int err;

	if (!p->cfg.tcp_tun)
		return 0;
	err = tcp_esp_init_table(p);
	if (err)
		return err;
	t = p->tesp;
	err = tcp_tun_open(&t->tun, p->cfg.tcp_tun, p->mtu, p->cfg.port_ps, p->cfg.pc_lo,
			   p->cfg.pc_hi);
	if (err)
		return err;
	for (int i = 0; i < p->cfg.naddrs; i++) {
		err = listen_ps(p, &p->cfg.addrs[i], &t->lfd[i]);
		t->nl = i + 1;
		if (err) {
			char a[ADDR_STR_LEN];

			pr_err("TCP inside ESP: listen on %s port %u: %s",
			       addr_str(&p->cfg.addrs[i], a, sizeof(a)), p->cfg.port_ps,
			       strerror(-err));
			return err;
		}
	}
	return 0;
}

void tcp_esp_close(struct proxy *p)
{
	struct tcp_esp *t = p->tesp;

	if (!t)
		return;
	for (int i = 0; i < t->nl; i++)
		if (t->lfd[i] >= 0)
			close(t->lfd[i]);
	tcp_tun_close(&t->tun);
	tcp_sel_fini(&t->sel);
	free(t);
	p->tesp = NULL;
}

int tcp_esp_tun_fd(const struct proxy *p)
{
	return p->tesp ? p->tesp->tun.fd : -1;
}

int tcp_esp_pollfds(struct proxy *p, struct pollfd *pfd, int max)
{
	struct tcp_esp *t = p->tesp;
	int n = 0;

	if (!t || t->tun.fd < 0)
		return 0;
	if (n < max)
		pfd[n++] = (struct pollfd){.fd = t->tun.fd, .events = POLLIN};
	for (int i = 0; i < t->nl && n < max; i++)
		pfd[n++] = (struct pollfd){.fd = t->lfd[i], .events = POLLIN};
	return n;
}

void tcp_esp_from_tun(struct proxy *p, const uint8_t *pkt, size_t len)
{
	const struct reg_sa_set *set;
	enum reg_sa_which which;
	struct tcp_seg s;
	int err;

	err = tcp_seg_parse(pkt, len, &s);
	if (err) {
		/* the kernel's own IPv6 chatter on a new link, or a bug: never sent in plain */
		p->stats.tcp_esp_bad++;
		return;
	}
	set = sel_lookup(p, &s.k, &which);
	if (!set) {
		char a[ADDR_STR_LEN];

		/* An SA set that died under a connection: its segments have no way out. */
		p->stats.tcp_esp_no_sa++;
		pr_debug("TCP segment %u -> %s port %u: no outbound SA, dropped", s.k.our_port,
			 addr_str(&s.k.ue, a, sizeof(a)), s.k.ue_port);
		return;
	}
	if (!ue_send_esp(p, set, which, IPPROTO_TCP, s.l4, s.l4_len))
		p->stats.tcp_esp_out++;
}

static void from_tun(struct proxy *p)
{
	struct tcp_esp *t = p->tesp;

	for (int budget = PROXY_SOCK_BUDGET; budget--;) {
		ssize_t n = read(t->tun.fd, t->pkt, sizeof(t->pkt));

		if (n <= 0)
			return;
		tcp_esp_from_tun(p, t->pkt, n);
	}
}

/* A UE connected from port_uc to our port_ps: the SA pair of that port carries it. */
static void accept_ps(struct proxy *p, int lfd)
{
	struct sockaddr_storage ss, ls;
	socklen_t len = sizeof(ss), llen = sizeof(ls);
	const struct reg_sa_set *set = NULL;
	enum reg_sa_which which = REG_SA_UC;
	struct tcp_sel_key k = {};
	char a[ADDR_STR_LEN];
	uint16_t lport;
	int fd, conn;

	fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (!addr_from_sockaddr(&ss, &k.ue, &k.ue_port) &&
	    !getsockname(fd, (struct sockaddr *)&ls, &llen) &&
	    !addr_from_sockaddr(&ls, &k.our, &lport)) {
		k.our_port = lport;
		set = sel_lookup(p, &k, &which);
	}
	/* The kernel saw only segments that passed an SA; the SA may have gone since. */
	if (!set || which != REG_SA_UC) {
		p->stats.tcp_esp_refused++;
		close(fd);
		return;
	}
	conn = tcp_ue_adopt_esp(p, fd, &k.ue, k.ue_port, &k.our, k.our_port,
				reg_sa_slot(set, REG_SA_PS), set->generation, set->spi[REG_SA_PS],
				false, NULL, 0);
	if (conn < 0) {
		pr_warn_rl("TCP inside ESP from %s port %u refused: %s",
			   addr_str(&k.ue, a, sizeof(a)), k.ue_port, strerror(-conn));
		p->stats.tcp_esp_refused++;
		close(fd);
		return;
	}
	/* This UE speaks TCP inside ESP: large requests to it go that way too. */
	tcp_sel_mark(&p->tesp->sel, sel_id(set, REG_SA_UC));
	p->stats.tcp_esp_accepted++;
}

int tcp_esp_handle(struct proxy *p, int fd)
{
	struct tcp_esp *t = p->tesp;

	if (!t || fd < 0)
		return 0;
	if (fd == t->tun.fd) {
		from_tun(p);
		return 1;
	}
	for (int i = 0; i < t->nl; i++) {
		if (t->lfd[i] == fd) {
			accept_ps(p, fd);
			return 1;
		}
	}
	return 0;
}

void tcp_esp_sa_added(struct proxy *p, const struct reg_sa_set *set, enum reg_sa_which which)
{
	struct tcp_sel_key k;

	if (!p->tesp || (which != REG_SA_UC && which != REG_SA_US))
		return;
	sel_key(set, which, &k);
	tcp_sel_add(&p->tesp->sel, sel_id(set, which), &k, set->generation);
}

void tcp_esp_sa_removed(struct proxy *p, const struct reg_sa_set *set, enum reg_sa_which which)
{
	if (!p->tesp || (which != REG_SA_UC && which != REG_SA_US))
		return;
	tcp_sel_del(&p->tesp->sel, sel_id(set, which));
	/* The set's connections end with it (issue 10: closed when the SA set dies). */
	if (which == REG_SA_UC)
		tcp_ue_kill_set(p, set->index, REG_SA_COUNT);
}

/* Our top Via names the transport the request travels on (RFC 3261 18.1.1). */
static void via_tcp(char *msg, size_t len)
{
	char *end = memmem(msg, len, "\r\n\r\n", 4);
	char *v = memmem(msg, end ? (size_t)(end - msg) : len, "\r\nVia: SIP/2.0/UDP", 18);

	if (v)
		memcpy(v + 15, "TCP", 3);
}

void tcp_esp_connect_failed(struct proxy *p, uint32_t pc_slot, uint32_t gen, char *msg, size_t len)
{
	const struct reg_sa_set *set = reg_sa_by_slot(p->regs, pc_slot, gen);
	char *end = memmem(msg, len, "\r\n\r\n", 4);
	char *v = memmem(msg, end ? (size_t)(end - msg) : len, "\r\nVia: SIP/2.0/TCP", 18);

	p->stats.tcp_esp_fallback++;
	if (!set || !p->tesp)
		return;
	if (v)
		memcpy(v + 15, "UDP", 3);
	p->tesp->udp_only = true;
	ue_send_protected(p, set, REG_SA_US, msg, len);
	p->tesp->udp_only = false;
}

/* A connection from port_pc to the UE's port_us, msg sent once it is up. */
static int connect_us(struct proxy *p, const struct reg_sa_set *set, const char *msg, size_t len)
{
	struct sockaddr_storage ls, rs;
	socklen_t llen, rlen;
	uint32_t mark = TCP_TUN_MARK;
	int one = 1, syncnt = 1, fd, conn;

	addr_to_sockaddr(&set->our_addr, set->port_pc, &ls, &llen);
	addr_to_sockaddr(&set->ue_addr, set->port_us, &rs, &rlen);
	fd = socket(ls.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* port_pc is shared by every UE's connections: the 4-tuple keeps them apart */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (ls.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* Two SYN retransmissions (3 s): then the request goes on UDP (tcp_esp_connect_failed). */
	setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof(syncnt));
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) ||
	    bind(fd, (struct sockaddr *)&ls, llen) ||
	    (connect(fd, (struct sockaddr *)&rs, rlen) && errno != EINPROGRESS)) {
		int err = -errno;

		close(fd);
		return err;
	}
	conn = tcp_ue_adopt_esp(p, fd, &set->ue_addr, set->port_us, &set->our_addr, set->port_pc,
				reg_sa_slot(set, REG_SA_PC), set->generation, set->spi[REG_SA_PC],
				true, msg, len);
	if (conn < 0) {
		close(fd);
		return conn;
	}
	p->stats.tcp_esp_connects++;
	return 0;
}

int tcp_esp_send(struct proxy *p, const struct reg_sa_set *set, enum reg_sa_which which,
		 const char *msg, size_t len)
{
	struct tcp_esp *t = p->tesp;
	char a[ADDR_STR_LEN];
	int32_t conn;
	int err;

	/* Requests to the UE's server port only: responses go back the way the request came. */
	if (!t || t->tun.fd < 0 || t->udp_only || which != REG_SA_US || len > sizeof(t->msg) ||
	    (len >= 8 && !memcmp(msg, "SIP/2.0 ", 8)))
		return 0;
	conn = tcp_ue_find_esp(p, reg_sa_slot(set, REG_SA_PC), set->generation);
	/*
	 * A new connection only for a request over TCP_ESP_UDP_MAX (RFC 3261
	 * 18.1.1) and only to a UE that has connected to us through this set:
	 * one that never did may have no TCP inside its SAs, and a SYN it cannot
	 * answer would hold the request for the whole connect timeout.
	 */
	if (conn < 0 &&
	    (len <= TCP_ESP_UDP_MAX || !tcp_sel_marked(&t->sel, sel_id(set, REG_SA_UC))))
		return 0;
	if (conn >= 0 && p->tcp.conn[conn].connecting)
		return 1; /* a retransmission while the first copy waits for the connection */
	memcpy(t->msg, msg, len);
	via_tcp(t->msg, len);
	if (conn >= 0)
		err = tcp_ue_send(p, conn, p->tcp.conn[conn].gen, t->msg, len);
	else
		err = connect_us(p, set, t->msg, len);
	if (err) {
		pr_warn_rl("TCP inside ESP to %s port %u: %s",
			   addr_str(&set->ue_addr, a, sizeof(a)), set->port_us, strerror(-err));
		return err;
	}
	return 1;
}
