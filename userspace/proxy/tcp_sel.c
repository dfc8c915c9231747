// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sodium.h>

#include "proxy/tcp_sel.h"

static uint32_t sel_hash(const struct tcp_sel *t, const struct tcp_sel_key *k)
{
	uint8_t in[36], out[crypto_shorthash_BYTES];
	uint32_t h;

	memcpy(in, k->ue.a, 16);
	memcpy(in + 16, k->our.a, 16);
	memcpy(in + 32, &k->ue_port, 2);
	memcpy(in + 34, &k->our_port, 2);
	crypto_shorthash(out, in, sizeof(in), t->hkey);
	memcpy(&h, out, sizeof(h));
	return h & t->mask;
}

static int key_eq(const struct tcp_sel_key *a, const struct tcp_sel_key *b)
{
	return a->ue_port == b->ue_port && a->our_port == b->our_port &&
	       !memcmp(a->ue.a, b->ue.a, 16) && !memcmp(a->our.a, b->our.a, 16);
}

int tcp_sel_init(struct tcp_sel *t, uint32_t cap)
{
	uint32_t nb = 16;

	memset(t, 0, sizeof(*t));
	if (!cap || cap >= TCP_SEL_NONE / 2)
		return -EINVAL;
	/* about one entry per bucket when full: chains stay short */
	while (nb < cap)
		nb <<= 1;
	t->bucket = calloc(nb, sizeof(*t->bucket));
	t->ent = calloc(cap, sizeof(*t->ent));
	if (!t->bucket || !t->ent) {
		tcp_sel_fini(t);
		return -ENOMEM;
	}
	t->mask = nb - 1;
	t->cap = cap;
	randombytes_buf(t->hkey, sizeof(t->hkey));
	return 0;
}

void tcp_sel_fini(struct tcp_sel *t)
{
	free(t->bucket);
	free(t->ent);
	t->bucket = NULL;
	t->ent = NULL;
	t->cap = t->count = 0;
}

void tcp_sel_del(struct tcp_sel *t, uint32_t id)
{
	struct tcp_sel_ent *e;
	uint32_t *pp;

	if (id >= t->cap || !t->ent[id].bucket)
		return;
	e = &t->ent[id];
	for (pp = &t->bucket[e->bucket - 1]; *pp; pp = &t->ent[*pp - 1].next) {
		if (*pp == id + 1) {
			*pp = e->next;
			break;
		}
	}
	e->bucket = e->next = 0;
	t->count--;
}

int tcp_sel_add(struct tcp_sel *t, uint32_t id, const struct tcp_sel_key *k, uint32_t gen)
{
	struct tcp_sel_ent *e;
	uint32_t b;

	if (id >= t->cap)
		return -EINVAL;
	tcp_sel_del(t, id);
	e = &t->ent[id];
	b = sel_hash(t, k);
	e->key = *k;
	e->gen = gen;
	e->mark = 0;
	e->bucket = b + 1;
	/* at the head: the newest SA under a key is the one found */
	e->next = t->bucket[b];
	t->bucket[b] = id + 1;
	t->count++;
	return 0;
}

uint32_t tcp_sel_find(const struct tcp_sel *t, const struct tcp_sel_key *k, uint32_t *gen)
{
	if (!t->cap)
		return TCP_SEL_NONE;
	for (uint32_t l = t->bucket[sel_hash(t, k)]; l; l = t->ent[l - 1].next) {
		if (key_eq(&t->ent[l - 1].key, k)) {
			if (gen)
				*gen = t->ent[l - 1].gen;
			return l - 1;
		}
	}
	return TCP_SEL_NONE;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int tcp_seg_parse(const uint8_t *pkt, size_t len, struct tcp_seg *out)
{
	size_t hl, tot, doff;
	const uint8_t *l4;

	memset(out, 0, sizeof(*out));
	if (len < 1)
		return -EINVAL;
	if (pkt[0] >> 4 == 4) {
		if (len < 20)
			return -EINVAL;
		hl = (size_t)(pkt[0] & 0x0f) * 4;
		tot = be16(pkt + 2);
		if (hl < 20 || tot < hl || tot > len)
			return -EINVAL;
		if (pkt[9] != IPPROTO_TCP || (be16(pkt + 6) & 0x3fff))
			return -EPROTONOSUPPORT; /* not TCP, or a fragment (MF or an offset) */
		out->k.ue.a[10] = out->k.ue.a[11] = 0xff;
		out->k.our.a[10] = out->k.our.a[11] = 0xff;
		memcpy(&out->k.our.a[12], pkt + 12, 4);
		memcpy(&out->k.ue.a[12], pkt + 16, 4);
	} else if (pkt[0] >> 4 == 6) {
		if (len < 40)
			return -EINVAL;
		hl = 40;
		tot = 40 + (size_t)be16(pkt + 4);
		if (tot > len)
			return -EINVAL;
		if (pkt[6] != IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		memcpy(out->k.our.a, pkt + 8, 16);
		memcpy(out->k.ue.a, pkt + 24, 16);
	} else {
		return -EINVAL;
	}
	l4 = pkt + hl;
	if (tot - hl < 20)
		return -EINVAL;
	doff = (size_t)(l4[12] >> 4) * 4;
	if (doff < 20 || doff > tot - hl)
		return -EINVAL;
	out->k.our_port = be16(l4);
	out->k.ue_port = be16(l4 + 2);
	out->l4 = l4;
	out->l4_len = tot - hl;
	out->flags = l4[13];
	return 0;
}
