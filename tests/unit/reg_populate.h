/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Registrations as an IMS network makes them, for memory tests and benches:
 * 401 (temporary set), the pending REGISTER's Call-ID and sec-agree headers,
 * 200 with two IMPUs, a Service-Route and a Contact of realistic length,
 * through reg/ with ops that keep nothing.
 */
#ifndef TESTS_REG_POPULATE_H
#define TESTS_REG_POPULATE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "reg/reg.h"

static int pop_install(void *c, struct reg_sa_set *s, enum reg_sa_which w, const uint8_t ck[16],
		       const uint8_t ik[16])
{
	return 0;
}

static int pop_update(void *c, const struct reg_sa_set *s, enum reg_sa_which w)
{
	return 0;
}

static void pop_remove(void *c, struct reg_sa_set *s, enum reg_sa_which w)
{
}

static uint32_t pop_random(void *c)
{
	uint32_t *x = c;

	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static const struct reg_ops pop_ops = {
	.sa_install = pop_install,
	.sa_update = pop_update,
	.sa_remove = pop_remove,
	.random_u32 = pop_random,
};

/* Resident bytes of this process now. */
static inline size_t pop_rss(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (size_t)sysconf(_SC_PAGESIZE);
}

static inline void pop_impi(char *buf, size_t cap, uint32_t i)
{
	snprintf(buf, cap, "00101%010u@ims.mnc001.mcc001.3gppnetwork.org", i);
}

/* Registration i, registered (NEW set) at now_ms: 0 or the failing call's error. */
static inline int pop_register(struct reg_table *t, uint32_t i, uint64_t now_ms)
{
	char impi[64], impu0[96], impu1[48], contact[256], call_id[64], client[256], server[256];
	const char *impus[2] = {impu0, impu1};
	static const char *const routes[1] = {
		"<sip:orig@scscf1.ims.mnc001.mcc001.3gppnetwork.org:6060;lr>"};
	struct pcscf_addr ue = {.a = {[10] = 0xff, [11] = 0xff, 10, (uint8_t)(i >> 16),
				      (uint8_t)(i >> 8), (uint8_t)i}};
	struct pcscf_addr ours = {.a = {[10] = 0xff, [11] = 0xff, 192, 0, 2, 1}};
	struct reg_ue_sec sec = {.spi_uc = 0x10000 + 2 * i, .spi_us = 0x10001 + 2 * i,
				 .port_uc = 5062, .port_us = 5064, .alg = "hmac-sha-1-96",
				 .ealg = "aes-cbc"};
	const uint8_t ck[16] = {0}, ik[16] = {0};
	struct reg_alloc a;
	int err;

	pop_impi(impi, sizeof(impi), i);
	snprintf(impu0, sizeof(impu0), "sip:00101%010u@ims.mnc001.mcc001.3gppnetwork.org", i);
	snprintf(impu1, sizeof(impu1), "tel:+1555%07u", i % 10000000);
	snprintf(contact, sizeof(contact),
		 "<sip:00101%010u@10.%u.%u.%u:5064>;expires=600000;+sip.instance=\"<urn:gsma:"
		 "imei:35209900-176148-1>\";+g.3gpp.icsi-ref=\"urn%%3Aurn-7%%3A3gpp-service.ims."
		 "icsi.mmtel\"",
		 i, (i >> 16) & 255, (i >> 8) & 255, i & 255);
	snprintf(call_id, sizeof(call_id), "%08x-%04x-reg@10.%u.%u.%u", i * 2654435761u, i & 0xffff,
		 (i >> 16) & 255, (i >> 8) & 255, i & 255);
	snprintf(client, sizeof(client),
		 "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=%u;spi-s=%u;"
		 "port-c=5062;port-s=5064",
		 sec.spi_uc, sec.spi_us);
	err = reg_on_401(t, impi, &ue, &ours, &sec, ck, ik, 30000, now_ms, &a);
	if (err)
		return err;
	snprintf(server, sizeof(server),
		 "ipsec-3gpp;q=0.1;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=%u;"
		 "spi-s=%u;port-c=%u;port-s=%u",
		 a.spi_pc, a.spi_ps, a.port_pc, a.port_ps);
	err = reg_set_pending(t, impi, call_id, client, server);
	if (!err)
		err = reg_on_200_register(t, impi, 600000, impus, 2, routes, 1, contact, now_ms);
	return err;
}

#endif /* TESTS_REG_POPULATE_H */
