// SPDX-License-Identifier: GPL-2.0
/*
 * imsue P-CSCF discovery: the NAPTR / SRV / A / AAAA answer parsers on DNS
 * messages crafted here (with name compression), and their refusal of
 * malformed ones. No DNS server involved.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/addr.h"
#include "imsue/ue_dns.c"
#include "tap.h"

struct msg {
	uint8_t b[1024];
	size_t n;
};

static void put8(struct msg *m, uint8_t v)
{
	m->b[m->n++] = v;
}

static void put16(struct msg *m, uint16_t v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		put8(m, (uint8_t)l);
		memcpy(m->b + m->n, name, l);
		m->n += l;
		name += l + (dot ? 1 : 0);
	}
	put8(m, 0);
}

static void put_cstr(struct msg *m, const char *s)
{
	put8(m, (uint8_t)strlen(s));
	memcpy(m->b + m->n, s, strlen(s));
	m->n += strlen(s);
}

/* Header + question "qname qtype IN"; ancount filled by the caller through ans(). */
static void start(struct msg *m, const char *qname, uint16_t qtype, uint8_t rcode)
{
	memset(m, 0, sizeof(*m));
	put16(m, 0x1234);
	put16(m, 0x8180 | rcode);
	put16(m, 1);
	put16(m, 0);
	put16(m, 0);
	put16(m, 0);
	put_name(m, qname);
	put16(m, qtype);
	put16(m, 1);
}

/* Answer RR owned by the question name (pointer 0xc00c); returns where RDLENGTH goes. */
static size_t rr(struct msg *m, uint16_t type)
{
	size_t at;

	m->b[7]++; /* ANCOUNT */
	put16(m, 0xc00c);
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 300);
	at = m->n;
	put16(m, 0);
	return at;
}

static void rdlen(struct msg *m, size_t at)
{
	uint16_t l = (uint16_t)(m->n - at - 2);

	m->b[at] = l >> 8;
	m->b[at + 1] = l & 0xff;
}

static void naptr(struct msg *m, uint16_t order, uint16_t pref, const char *svc, const char *repl)
{
	size_t at = rr(m, 35);

	put16(m, order);
	put16(m, pref);
	put_cstr(m, "s");
	put_cstr(m, svc);
	put_cstr(m, "");
	put_name(m, repl);
	rdlen(m, at);
}

static void test_naptr(void)
{
	struct msg m;
	struct ue_naptr n[4];
	int rc;

	start(&m, "ims.example.com", 35, 0);
	naptr(&m, 20, 10, "SIP+D2U", "_sip._udp.pcscf.ims.example.com");
	naptr(&m, 10, 20, "SIP+D2T", "_sip._tcp.pcscf.ims.example.com");
	naptr(&m, 10, 10, "SIPS+D2T", "_sips._tcp.pcscf.ims.example.com");
	rc = ue_dns_parse_naptr(m.b, m.n, n, 4);
	TAP_CHECK(rc == 3, "three NAPTR records");
	TAP_CHECK(rc == 3 && !strcmp(n[0].service, "SIPS+D2T") &&
			  !strcmp(n[1].service, "SIP+D2T") && !strcmp(n[2].service, "SIP+D2U"),
		  "sorted by order, then preference");
	TAP_CHECK(rc == 3 && !strcmp(n[2].replacement, "_sip._udp.pcscf.ims.example.com") &&
			  !strcmp(n[2].flags, "s") && n[2].order == 20,
		  "replacement, flags, order read");
	TAP_CHECK(ue_dns_parse_naptr(m.b, m.n, n, 1) == 1, "output capped at max");
	TAP_CHECK(ue_dns_parse_srv(m.b, m.n, (struct ue_srv *)n, 1) == 0,
		  "no SRV among NAPTR answers");
	TAP_CHECK(ue_dns_parse_naptr(m.b, m.n - 3, n, 4) == -EINVAL, "truncated: -EINVAL");
}

static void test_srv_addr(void)
{
	struct msg m;
	struct ue_srv s[4];
	struct pcscf_addr a[4];
	char txt[ADDR_STR_LEN];
	size_t at;
	int rc;

	start(&m, "_sip._udp.pcscf.ims.example.com", 33, 0);
	at = rr(&m, 33);
	put16(&m, 20);
	put16(&m, 0);
	put16(&m, 5070);
	put_name(&m, "backup.ims.example.com");
	rdlen(&m, at);
	at = rr(&m, 33);
	put16(&m, 10);
	put16(&m, 5);
	put16(&m, 5060);
	/* target compressed: "pcscf1" + pointer to "ims.example.com" in the question (offset 28) */
	put8(&m, 6);
	memcpy(m.b + m.n, "pcscf1", 6);
	m.n += 6;
	put16(&m, 0xc000 | 28);
	rdlen(&m, at);
	rc = ue_dns_parse_srv(m.b, m.n, s, 4);
	TAP_CHECK(rc == 2 && s[0].prio == 10 && s[0].port == 5060 &&
			  !strcmp(s[0].target, "pcscf1.ims.example.com"),
		  "SRV: lowest priority first, compressed target expanded");
	TAP_CHECK(rc == 2 && s[1].port == 5070 && !strcmp(s[1].target, "backup.ims.example.com"),
		  "SRV: second record");

	start(&m, "pcscf1.ims.example.com", 1, 0);
	at = rr(&m, 1);
	put8(&m, 192);
	put8(&m, 0);
	put8(&m, 2);
	put8(&m, 1);
	rdlen(&m, at);
	at = rr(&m, 28);
	inet_pton(AF_INET6, "2001:db8::1", m.b + m.n);
	m.n += 16;
	rdlen(&m, at);
	rc = ue_dns_parse_addr(m.b, m.n, a, 4);
	TAP_CHECK(rc == 2 && addr_is_v4(&a[0]) &&
			  !strcmp(addr_str(&a[0], txt, sizeof(txt)), "192.0.2.1"),
		  "A record as v4-mapped 192.0.2.1");
	TAP_CHECK(rc == 2 && !addr_is_v4(&a[1]) &&
			  !strcmp(addr_str(&a[1], txt, sizeof(txt)), "2001:db8::1"),
		  "AAAA record 2001:db8::1");
	m.b[m.n - 17] = 15; /* AAAA with RDLENGTH 15 */
	TAP_CHECK(ue_dns_parse_addr(m.b, m.n - 1, a, 4) == -EINVAL, "AAAA of 15 bytes: -EINVAL");
}

static void test_malformed(void)
{
	struct msg m;
	struct pcscf_addr a[2];
	size_t at;

	start(&m, "x.example.com", 1, 3);
	TAP_CHECK(ue_dns_parse_addr(m.b, m.n, a, 2) == 0, "NXDOMAIN: no answers, no error");
	TAP_CHECK(ue_dns_parse_addr(m.b, 11, a, 2) == -EINVAL, "shorter than a header: -EINVAL");

	start(&m, "x.example.com", 1, 0);
	m.b[7] = 1; /* one answer whose owner name points at itself */
	put16(&m, 0xc000 | (uint16_t)m.n);
	put16(&m, 1);
	TAP_CHECK(ue_dns_parse_addr(m.b, m.n, a, 2) == -EINVAL, "compression loop: -EINVAL");

	start(&m, "x.example.com", 1, 0);
	at = rr(&m, 1);
	put8(&m, 1);
	m.b[at + 1] = 200; /* RDLENGTH past the end */
	TAP_CHECK(ue_dns_parse_addr(m.b, m.n, a, 2) == -EINVAL, "RDLENGTH past the end: -EINVAL");

	start(&m, "x.example.com", 1, 0);
	m.b[7] = 3; /* ANCOUNT 3, no answers present */
	TAP_CHECK(ue_dns_parse_addr(m.b, m.n, a, 2) == -EINVAL, "ANCOUNT beyond data: -EINVAL");
}

int main(void)
{
	test_naptr();
	test_srv_addr();
	test_malformed();
	return tap_done();
}
