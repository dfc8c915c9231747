// SPDX-License-Identifier: GPL-2.0
/*
 * esptool: drive the ESP module from the command line, for the interop
 * tests (tshark, scapy) and to write fuzz seeds.
 *
 *   esptool keys  ALGS                      print the derived ESP keys (hex)
 *   esptool encap ALGS SA [-n COUNT] [-m TEXT] -o OUT.pcap
 *   esptool decap ALGS SA -i IN.pcap        one line per packet: "ok <seq> <payload>"
 *                                           or "err <errno name>"
 * ALGS: -a AUTH -e ENC (33.203 names) [-c CK -k IK | -K ENCKEY -A AUTHKEY -S SALT]
 * SA:   -f 4|6 -s SRC -d DST -p SPI [-P SPORT -Q DPORT] [-w WINDOW] [-q FIRSTSEQ]
 * Files are pcaps of raw IP packets (linktype 101); decap also reads 1, 228, 229.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "esp/esp.h"

#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW	  101
#define LINKTYPE_IPV4	  228
#define LINKTYPE_IPV6	  229

struct opts {
	struct esp_sa_params p;
	struct esp_keys k;
	bool raw_keys;
	const char *in, *out, *msg;
	int count;
	uint32_t first_seq;
};

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned int v;

	if (!strncmp(s, "0x", 2))
		s += 2;
	while (s[0] && s[1] && n < cap && sscanf(s, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static int parse_addr(int family, const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (family == AF_INET) {
		out[10] = out[11] = 0xff;
		return inet_pton(AF_INET, s, out + 12) == 1 ? 0 : -EINVAL;
	}
	return inet_pton(AF_INET6, s, out) == 1 ? 0 : -EINVAL;
}

static uint16_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* UDP segment with a correct checksum over the transport-mode pseudo header. */
static size_t build_udp(const struct opts *o, const char *msg, uint8_t *seg)
{
	size_t len = 8 + strlen(msg);
	uint8_t ph[40];
	size_t phl;
	uint16_t c;

	seg[0] = o->p.sport >> 8;
	seg[1] = o->p.sport & 0xff;
	seg[2] = o->p.dport >> 8;
	seg[3] = o->p.dport & 0xff;
	seg[4] = (uint8_t)(len >> 8);
	seg[5] = (uint8_t)len;
	seg[6] = seg[7] = 0;
	memcpy(seg + 8, msg, len - 8);
	if (o->p.family == AF_INET) {
		memcpy(ph, o->p.src + 12, 4);
		memcpy(ph + 4, o->p.dst + 12, 4);
		ph[8] = 0;
		ph[9] = IPPROTO_UDP;
		ph[10] = (uint8_t)(len >> 8);
		ph[11] = (uint8_t)len;
		phl = 12;
	} else {
		memcpy(ph, o->p.src, 16);
		memcpy(ph + 16, o->p.dst, 16);
		memset(ph + 32, 0, 8);
		ph[34] = (uint8_t)(len >> 8);
		ph[35] = (uint8_t)len;
		ph[39] = IPPROTO_UDP;
		phl = 40;
	}
	c = (uint16_t)~csum_add(csum_add(0, ph, phl), seg, len);
	if (!c)
		c = 0xffff;
	seg[6] = c >> 8;
	seg[7] = c & 0xff;
	return len;
}

static void pcap_header(FILE *f)
{
	uint32_t h[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, LINKTYPE_RAW};

	fwrite(h, sizeof(h), 1, f);
}

static void pcap_record(FILE *f, const uint8_t *p, size_t len, uint32_t ts)
{
	uint32_t h[4] = {ts, 0, (uint32_t)len, (uint32_t)len};

	fwrite(h, sizeof(h), 1, f);
	fwrite(p, len, 1, f);
}

static int cmd_keys(struct opts *o)
{
	struct esp_keys k;
	int rc = o->raw_keys ? 0 : esp_derive_keys(o->p.auth, o->p.enc, o->p.ck, o->p.ik, &k);

	if (o->raw_keys)
		k = o->k;
	if (rc) {
		fprintf(stderr, "esptool: %s\n", strerror(-rc));
		return 1;
	}
	printf("enc=");
	hex(k.enc, k.enc_len);
	printf(" auth=");
	hex(k.auth, k.auth_len);
	printf(" salt=");
	hex(k.salt, 4);
	printf("\n");
	return 0;
}

static struct esp_sa *make_sa(struct opts *o)
{
	struct esp_sa *sa;
	int err;

	sa = o->raw_keys ? esp_sa_create_raw(&o->p, &o->k, &err) : esp_sa_create(&o->p, &err);
	if (!sa)
		fprintf(stderr, "esptool: SA: %s\n", strerror(-err));
	return sa;
}

static int cmd_encap(struct opts *o)
{
	uint8_t seg[2048], pkt[2200];
	char msg[1600];
	size_t seg_len, len;
	struct esp_sa *sa;
	FILE *f;
	int rc = 0;

	if (!o->out)
		return 2;
	sa = make_sa(o);
	if (!sa)
		return 1;
	if (o->first_seq)
		esp_sa_set_seq(sa, o->first_seq - 1);
	f = fopen(o->out, "wb");
	if (!f) {
		esp_sa_destroy(sa);
		return 1;
	}
	pcap_header(f);
	for (int i = 0; i < o->count && !rc; i++) {
		snprintf(msg, sizeof(msg), "%s", o->msg);
		seg_len = build_udp(o, msg, seg);
		rc = esp_encap(sa, IPPROTO_UDP, seg, seg_len, pkt, sizeof(pkt), &len);
		if (!rc)
			pcap_record(f, pkt, len, (uint32_t)i + 1);
	}
	fclose(f);
	esp_sa_destroy(sa);
	if (rc)
		fprintf(stderr, "esptool: encap: %s\n", strerror(-rc));
	return rc ? 1 : 0;
}

static const char *errname(int rc)
{
	switch (rc) {
	case -EINVAL:
		return "EINVAL";
	case -ENOENT:
		return "ENOENT";
	case -EALREADY:
		return "EALREADY";
	case -ERANGE:
		return "ERANGE";
	case -EBADMSG:
		return "EBADMSG";
	case -EPROTO:
		return "EPROTO";
	case -EACCES:
		return "EACCES";
	}
	return "other";
}

static int cmd_decap(struct opts *o)
{
	uint32_t gh[6], rh[4];
	uint8_t pkt[65536];
	struct esp_inner in;
	struct esp_sa *sa;
	size_t skip = 0;
	int bad = 0;
	FILE *f;

	if (!o->in)
		return 2;
	f = fopen(o->in, "rb");
	if (!f || fread(gh, sizeof(gh), 1, f) != 1 || gh[0] != 0xa1b2c3d4) {
		fprintf(stderr, "esptool: %s: not a little-endian pcap\n", o->in);
		if (f)
			fclose(f);
		return 1;
	}
	if (gh[5] == LINKTYPE_ETHERNET)
		skip = 14;
	sa = make_sa(o);
	if (!sa) {
		fclose(f);
		return 1;
	}
	while (fread(rh, sizeof(rh), 1, f) == 1) {
		size_t len = rh[2];
		int rc;

		if (len > sizeof(pkt) || fread(pkt, len, 1, f) != 1)
			break;
		if (len < skip)
			continue;
		rc = esp_decap(sa, pkt + skip, len - skip, &in);
		if (rc) {
			printf("err %s\n", errname(rc));
			bad++;
			continue;
		}
		/* the payload after the UDP/TCP header, printed as text */
		size_t hl = in.next_hdr == IPPROTO_UDP ? 8 : (size_t)(in.l4[12] >> 4) * 4;

		printf("ok %u ", in.seq);
		for (size_t i = hl; i < in.l4_len; i++)
			putchar(in.l4[i] >= 0x20 && in.l4[i] < 0x7f ? in.l4[i] : '.');
		putchar('\n');
	}
	fclose(f);
	esp_sa_destroy(sa);
	return bad ? 1 : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: esptool keys|encap|decap -a AUTH -e ENC [-c CK -k IK | -K EKEY "
			"-A AKEY -S SALT] -f 4|6 -s SRC -d DST -p SPI [-P SPORT -Q DPORT] "
			"[-n COUNT] [-m TEXT] [-q FIRSTSEQ] [-w WINDOW] [-i IN] [-o OUT]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct opts o = {.count = 1, .msg = "OPTIONS sip:p.ims SIP/2.0\r\n\r\n"};
	const char *cmd, *src = NULL, *dst = NULL;
	int c, family = 4;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	optind = 2;
	unhex("b40ba9a3c58b2a05bbf0d987b21bf8cb", o.p.ck, 16);
	unhex("f769bcd751044604127672711c6d3441", o.p.ik, 16);
	o.p.spi = 0x1000;
	o.p.sport = 5062;
	o.p.dport = 5064;
	o.p.auth = ESP_AUTH_HMAC_SHA1_96;
	o.p.enc = ESP_ENC_AES_CBC;
	while ((c = getopt(argc, argv, "a:e:c:k:K:A:S:f:s:d:p:P:Q:n:m:q:w:i:o:")) != -1) {
		switch (c) {
		case 'a':
			if (esp_auth_from_name(optarg, &o.p.auth))
				return usage();
			break;
		case 'e':
			if (esp_enc_from_name(optarg, &o.p.enc))
				return usage();
			break;
		case 'c':
			unhex(optarg, o.p.ck, 16);
			break;
		case 'k':
			unhex(optarg, o.p.ik, 16);
			break;
		case 'K':
			o.k.enc_len = (uint8_t)unhex(optarg, o.k.enc, sizeof(o.k.enc));
			o.raw_keys = true;
			break;
		case 'A':
			o.k.auth_len = (uint8_t)unhex(optarg, o.k.auth, sizeof(o.k.auth));
			o.raw_keys = true;
			break;
		case 'S':
			unhex(optarg, o.k.salt, 4);
			break;
		case 'f':
			family = atoi(optarg);
			break;
		case 's':
			src = optarg;
			break;
		case 'd':
			dst = optarg;
			break;
		case 'p':
			o.p.spi = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'P':
			o.p.sport = (uint16_t)atoi(optarg);
			break;
		case 'Q':
			o.p.dport = (uint16_t)atoi(optarg);
			break;
		case 'n':
			o.count = atoi(optarg);
			break;
		case 'm':
			o.msg = optarg;
			break;
		case 'q':
			o.first_seq = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'w':
			o.p.replay_window = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'i':
			o.in = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		default:
			return usage();
		}
	}
	o.p.family = family == 6 ? AF_INET6 : AF_INET;
	if (!src)
		src = family == 6 ? "2001:db8::1" : "10.0.0.1";
	if (!dst)
		dst = family == 6 ? "2001:db8::2" : "10.0.0.2";
	if (parse_addr(o.p.family, src, o.p.src) || parse_addr(o.p.family, dst, o.p.dst))
		return usage();
	if (!strcmp(cmd, "keys"))
		return cmd_keys(&o);
	if (!strcmp(cmd, "encap")) {
		o.p.inbound = false;
		return cmd_encap(&o);
	}
	if (!strcmp(cmd, "decap")) {
		o.p.inbound = true;
		return cmd_decap(&o);
	}
	return usage();
}
