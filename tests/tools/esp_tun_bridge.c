// SPDX-License-Identifier: GPL-2.0
/*
 * esp_tun_bridge: the benchmark's UE side of TCP inside ESP, in C so the
 * figure is pcscfd's and not a Python ESP's. It does what tcp_bridge.py does
 * with scapy (the tests use that one: independent of our code): the UE
 * namespace kernel's TCP to the P-CSCF goes into a TUN; segments from port_c
 * are encrypted on the SA to port_ps, from port_s on the SA to port_pc; ESP
 * from the P-CSCF is decrypted into the TUN. Keys are the four lines
 * scapy_ue.py --tcp-esp --keys-out writes (spi src dst alg ealg enckey
 * authkey: UE->P ps, P->UE uc, UE->P pc, P->UE us).
 *
 *   esp_tun_bridge TUN KEYFILE PORT_C PORT_S     (runs until SIGTERM)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_tun.h>

#include "esp/esp.h"
#include "proxy/tcp_sel.h"

static struct esp_sa *sa[4];
static uint32_t spi[4];
static uint8_t src[4][16], dst[4][16];
static int v6;
static volatile sig_atomic_t stop;

static void on_term(int s)
{
	stop = 1;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned int v;

	while (s[0] && s[1] && n < cap && sscanf(s, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static int addr(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (strchr(s, ':'))
		return inet_pton(AF_INET6, s, out) == 1 ? 0 : -1;
	out[10] = out[11] = 0xff;
	return inet_pton(AF_INET, s, out + 12) == 1 ? 0 : -1;
}

static int load(const char *path)
{
	char s[64], d[64], alg[32], ealg[32], ek[130], ak[130];
	FILE *f = fopen(path, "r");
	int n = 0, err;

	if (!f)
		return -1;
	while (n < 4 && fscanf(f, "%u %63s %63s %31s %31s %129s %129s", &spi[n], s, d, alg, ealg,
			       ek, ak) == 7) {
		struct esp_sa_params p = {.spi = spi[n], .inbound = n % 2 == 1};
		struct esp_keys k = {};

		v6 = strchr(s, ':') != NULL;
		p.family = v6 ? AF_INET6 : AF_INET;
		if (addr(s, p.src) || addr(d, p.dst) || esp_auth_from_name(alg, &p.auth) ||
		    esp_enc_from_name(ealg, &p.enc))
			break;
		memcpy(src[n], p.src, 16);
		memcpy(dst[n], p.dst, 16);
		k.enc_len = (uint8_t)unhex(ek, k.enc, sizeof(k.enc));
		k.auth_len = (uint8_t)unhex(ak, k.auth, sizeof(k.auth));
		sa[n] = esp_sa_create_raw(&p, &k, &err);
		if (!sa[n])
			break;
		n++;
	}
	fclose(f);
	return n == 4 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static uint8_t buf[70000], out[70000];
	struct ifreq ifr = {};
	struct sockaddr_storage to = {};
	socklen_t tolen;
	uint16_t port_c, port_s;
	uint64_t n_out = 0, n_in = 0, n_bad = 0;
	int tun, rx, tx;

	if (argc != 5 || load(argv[2])) {
		fprintf(stderr,
			"usage: esp_tun_bridge TUN KEYFILE PORT_C PORT_S (4 SAs in KEYFILE)\n");
		return 2;
	}
	port_c = (uint16_t)atoi(argv[3]);
	port_s = (uint16_t)atoi(argv[4]);
	tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (tun < 0 || ioctl(tun, TUNSETIFF, &ifr)) {
		perror("tun");
		return 1;
	}
	rx = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ESP);
	tx = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (rx < 0 || tx < 0) {
		perror("raw socket");
		return 1;
	}
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&to;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, dst[0], 16);
		tolen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&to;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, dst[0] + 12, 4);
		tolen = sizeof(*s4);
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	printf("bridging %s: ready\n", argv[1]);
	fflush(stdout);
	while (!stop) {
		struct pollfd pfd[2] = {{.fd = tun, .events = POLLIN},
					{.fd = rx, .events = POLLIN}};

		if (poll(pfd, 2, 200) <= 0)
			continue;
		if (pfd[0].revents) {
			ssize_t n = read(tun, buf, sizeof(buf));
			struct tcp_seg s;
			size_t olen;
			int w;

			/* the segment's source here is the UE: tcp_seg_parse's "our" side */
			if (n > 0 && !tcp_seg_parse(buf, n, &s)) {
				w = s.k.our_port == port_c ? 0 : s.k.our_port == port_s ? 2 : -1;
				if (w >= 0 &&
				    !esp_encap(sa[w], IPPROTO_TCP, s.l4, s.l4_len, out, sizeof(out),
					       &olen) &&
				    sendto(tx, out, olen, 0, (struct sockaddr *)&to, tolen) > 0)
					n_out++;
				else
					n_bad++;
			}
		}
		if (pfd[1].revents) {
			size_t hl = v6 ? 40 : 0;
			ssize_t n = recv(rx, buf + hl, sizeof(buf) - hl, 0);
			struct esp_inner in;
			uint32_t p;

			if (n <= 0)
				continue;
			if (v6) {
				/* IPv6 raw sockets hand over the payload only: the header again */
				memset(buf, 0, 40);
				buf[0] = 0x60;
				buf[4] = (uint8_t)(n >> 8), buf[5] = (uint8_t)n;
				buf[6] = IPPROTO_ESP, buf[7] = 64;
				memcpy(buf + 8, src[1], 16);
				memcpy(buf + 24, dst[1], 16);
			}
			n += hl;
			p = esp_peek_spi(buf, n);
			for (int i = 1; i < 4; i += 2) {
				if (p != spi[i] || esp_decap(sa[i], buf, n, &in))
					continue;
				if (in.next_hdr == IPPROTO_TCP &&
				    write(tun, in.ip, in.ip_len) == (ssize_t)in.ip_len)
					n_in++;
			}
		}
	}
	printf("bridge: %llu segments out, %llu in, %llu refused\n", (unsigned long long)n_out,
	       (unsigned long long)n_in, (unsigned long long)n_bad);
	for (int i = 0; i < 4; i++)
		esp_sa_destroy(sa[i]);
	return 0;
}
