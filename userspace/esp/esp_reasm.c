// SPDX-License-Identifier: GPL-2.0
/*
 * IPv4/IPv6 reassembly for ESP fragments (see esp_reasm.h for the bounds).
 * A datagram's fragments are kept as a list of byte ranges (at most
 * REASM_FRAGS_MAX), so overlap and duplicate checks are a short walk and
 * completeness is "the last fragment seen and every byte up to it received"
 * (no overlaps, so the received byte count says it).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "esp/esp_priv.h"
#include "esp/esp_reasm.h"

#define IPV4_HDR 20
#define IPV6_HDR 40
#define IPV4_MF	 0x2000
#define IPV4_OFF 0x1fff

struct reasm_slot {
	bool used, have_first, have_last;
	uint8_t family, proto, nfrags;
	uint16_t hdr_len, nh_off;
	struct pcscf_addr src, dst;
	uint32_t id, total, got;
	uint64_t deadline;
	uint32_t sa_slot, sa_generation;
	struct {
		uint32_t off, end;
	} frag[REASM_FRAGS_MAX];
	/* The header goes just before REASM_HDR_MAX once known, the data from there. */
	uint8_t buf[REASM_HDR_MAX + REASM_DATA_MAX];
};

/* One fragment as read from its header. */
struct frag {
	uint8_t family, proto;
	bool more;
	struct pcscf_addr src, dst;
	uint32_t id, off, end;
	size_t hdr_len,
		nh_off; /* header (v4) or unfragmentable part (v6); byte naming the frag hdr */
	const uint8_t *data;
};

static void v4mapped(struct pcscf_addr *a, const uint8_t *v4)
{
	memset(a->a, 0, 10);
	a->a[10] = a->a[11] = 0xff;
	memcpy(&a->a[12], v4, 4);
}

static int parse_v4(const uint8_t *ip, size_t len, struct frag *f)
{
	size_t hl, tot;
	uint16_t fo;

	if (len < IPV4_HDR)
		return -EINVAL;
	hl = (size_t)(ip[0] & 0x0f) * 4;
	tot = esp_get_be16(ip + 2);
	fo = esp_get_be16(ip + 6);
	if (hl < IPV4_HDR || tot < hl || tot > len || !(fo & (IPV4_MF | IPV4_OFF)))
		return -EINVAL;
	f->family = 4;
	f->proto = ip[9];
	f->more = fo & IPV4_MF;
	f->id = esp_get_be16(ip + 4);
	f->off = (uint32_t)(fo & IPV4_OFF) * 8;
	f->end = f->off + (uint32_t)(tot - hl);
	f->hdr_len = hl;
	f->nh_off = 9;
	f->data = ip + hl;
	v4mapped(&f->src, ip + 12);
	v4mapped(&f->dst, ip + 16);
	return 0;
}

/* The headers before the Fragment header are the unfragmentable part (RFC 8200 4.5). */
static int parse_v6(const uint8_t *ip, size_t len, struct frag *f)
{
	size_t end, off = IPV6_HDR, nh_off = 6;
	uint8_t nh;

	if (len < IPV6_HDR)
		return -EINVAL;
	end = IPV6_HDR + (size_t)esp_get_be16(ip + 4);
	if (end == IPV6_HDR || end > len)
		return -EINVAL;
	nh = ip[6];
	for (int i = 0; i < 8 && nh != IPPROTO_FRAGMENT; i++) {
		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_DSTOPTS)
			return -EINVAL;
		if (off + 8 > end)
			return -EINVAL;
		nh_off = off;
		nh = ip[off];
		off += ((size_t)ip[off + 1] + 1) * 8;
	}
	if (nh != IPPROTO_FRAGMENT || off + 8 > end)
		return -EINVAL;
	f->family = 6;
	f->proto = ip[off];
	f->off = esp_get_be16(ip + off + 2) & 0xfff8;
	f->more = ip[off + 3] & 1;
	/* An atomic fragment is a whole packet: the classifier never sends one here. */
	if (!f->off && !f->more)
		return -EINVAL;
	f->id = esp_get_be32(ip + off + 4);
	f->end = f->off + (uint32_t)(end - off - 8);
	f->hdr_len = off;
	f->nh_off = nh_off;
	f->data = ip + off + 8;
	memcpy(f->src.a, ip + 8, 16);
	memcpy(f->dst.a, ip + 24, 16);
	return 0;
}

static int parse(const uint8_t *ip, size_t len, struct frag *f)
{
	int err;

	if (!len)
		return -EINVAL;
	err = (ip[0] >> 4) == 4	  ? parse_v4(ip, len, f)
	      : (ip[0] >> 4) == 6 ? parse_v6(ip, len, f)
				  : -EINVAL;
	if (err)
		return err;
	/* Empty, or not the last and not a multiple of 8 (RFC 791; RFC 8200 4.5). */
	if (f->end == f->off || (f->more && (f->end - f->off) % 8))
		return -EINVAL;
	if (f->off == 0 && f->hdr_len > REASM_HDR_MAX)
		return -EINVAL;
	return 0;
}

int reasm_init(struct reasm *r)
{
	memset(&r->st, 0, sizeof(r->st));
	r->slots = calloc(REASM_SLOTS, sizeof(*r->slots));
	return r->slots ? 0 : -ENOMEM;
}

void reasm_fini(struct reasm *r)
{
	free(r->slots);
	r->slots = NULL;
}

static void drop(struct reasm_slot *s, uint64_t *counter)
{
	s->used = false;
	(*counter)++;
}

void reasm_expire(struct reasm *r, uint64_t now_ns)
{
	for (int i = 0; i < REASM_SLOTS; i++)
		if (r->slots[i].used && r->slots[i].deadline <= now_ns)
			drop(&r->slots[i], &r->st.timeout);
}

unsigned int reasm_pending(const struct reasm *r)
{
	unsigned int n = 0;

	for (int i = 0; i < REASM_SLOTS; i++)
		n += r->slots[i].used;
	return n;
}

static bool same_datagram(const struct reasm_slot *s, const struct frag *f)
{
	return s->family == f->family && s->id == f->id &&
	       (f->family == 6 || s->proto == f->proto) &&
	       !memcmp(&s->src, &f->src, sizeof(f->src)) &&
	       !memcmp(&s->dst, &f->dst, sizeof(f->dst));
}

/* The datagram's slot, or a new one: free, else the one nearest its deadline (evicted). */
static struct reasm_slot *slot_for(struct reasm *r, const struct frag *f, uint64_t now_ns)
{
	struct reasm_slot *free_s = NULL, *oldest = NULL;
	int from_source = 0;

	for (int i = 0; i < REASM_SLOTS; i++) {
		struct reasm_slot *s = &r->slots[i];

		if (!s->used) {
			free_s = free_s ? free_s : s;
			continue;
		}
		if (same_datagram(s, f))
			return s;
		from_source += !memcmp(&s->src, &f->src, sizeof(f->src));
		if (!oldest || s->deadline < oldest->deadline)
			oldest = s;
	}
	if (from_source >= REASM_PER_SOURCE) {
		r->st.per_source++;
		return NULL;
	}
	if (!free_s) {
		free_s = oldest;
		drop(oldest, &r->st.evicted);
	}
	memset(free_s, 0, offsetof(struct reasm_slot, frag));
	free_s->used = true;
	free_s->family = f->family;
	free_s->proto = f->proto;
	free_s->id = f->id;
	free_s->src = f->src;
	free_s->dst = f->dst;
	free_s->deadline = now_ns + REASM_TIMEOUT_NS;
	return free_s;
}

/*
 * f against what s holds: 0 to keep it, -EALREADY for an exact duplicate,
 * -EBADMSG when it overlaps another or contradicts the datagram's end.
 */
static int check_range(const struct reasm_slot *s, const struct frag *f)
{
	uint32_t len = f->end - f->off;

	if (s->have_last && (f->end > s->total || (!f->more && f->end != s->total) ||
			     (f->more && f->end == s->total)))
		return -EBADMSG;
	if (!f->more) {
		for (int i = 0; i < s->nfrags; i++)
			if (s->frag[i].end > f->end)
				return -EBADMSG;
	}
	for (int i = 0; i < s->nfrags; i++) {
		if (f->off >= s->frag[i].end || s->frag[i].off >= f->end)
			continue;
		if (s->frag[i].off == f->off && s->frag[i].end == f->end &&
		    !memcmp(s->buf + REASM_HDR_MAX + f->off, f->data, len))
			return -EALREADY;
		return -EBADMSG;
	}
	return 0;
}

/* Every byte is there: the header goes in front of the data and is fixed up. */
static int complete(struct reasm *r, struct reasm_slot *s, struct reasm_out *out)
{
	uint8_t *p = s->buf + REASM_HDR_MAX - s->hdr_len;
	size_t len = s->hdr_len + s->total;

	if (s->family == 4) {
		if (len > 0xffff) {
			drop(s, &r->st.too_big);
			return -EMSGSIZE;
		}
		esp_put_be16(p + 2, (uint16_t)len);
		esp_put_be16(p + 6, 0);
		esp_put_be16(p + 10, 0);
		esp_put_be16(p + 10, esp_ipv4_csum(p, s->hdr_len));
	} else {
		if (len - IPV6_HDR > 0xffff) {
			drop(s, &r->st.too_big);
			return -EMSGSIZE;
		}
		esp_put_be16(p + 4, (uint16_t)(len - IPV6_HDR));
		p[s->nh_off] = s->proto;
	}
	s->used = false;
	r->st.done++;
	out->pkt = p;
	out->len = len;
	out->sa_slot = s->sa_slot;
	out->sa_generation = s->sa_generation;
	return 1;
}

int reasm_add(struct reasm *r, const uint8_t *ip, size_t len, uint64_t now_ns, uint32_t sa_slot,
	      uint32_t sa_generation, struct reasm_out *out)
{
	struct reasm_slot *s;
	struct frag f;
	int err;

	reasm_expire(r, now_ns);
	if (parse(ip, len, &f)) {
		r->st.malformed++;
		return -EINVAL;
	}
	if (f.end > REASM_DATA_MAX) {
		r->st.too_big++;
		return -EMSGSIZE;
	}
	s = slot_for(r, &f, now_ns);
	if (!s)
		return -EBUSY;
	err = check_range(s, &f);
	if (err == -EALREADY) {
		r->st.duplicate++;
		return err;
	}
	if (err) {
		drop(s, &r->st.overlap);
		return err;
	}
	if (s->nfrags == REASM_FRAGS_MAX) {
		drop(s, &r->st.too_many);
		return -E2BIG;
	}
	r->st.frags++;
	s->frag[s->nfrags].off = f.off;
	s->frag[s->nfrags].end = f.end;
	s->nfrags++;
	memcpy(s->buf + REASM_HDR_MAX + f.off, f.data, f.end - f.off);
	s->got += f.end - f.off;
	if (!f.more) {
		s->have_last = true;
		s->total = f.end;
	}
	if (f.off == 0) {
		s->have_first = true;
		s->hdr_len = f.hdr_len;
		s->nh_off = f.nh_off;
		s->sa_slot = sa_slot;
		s->sa_generation = sa_generation;
		if (f.family == 6)
			s->proto = f.proto; /* the first fragment's next header names the payload */
		memcpy(s->buf + REASM_HDR_MAX - f.hdr_len, ip, f.hdr_len);
	}
	if (s->have_first && s->have_last && s->got == s->total)
		return complete(r, s, out);
	return 0;
}
