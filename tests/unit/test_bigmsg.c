// SPDX-License-Identifier: GPL-2.0
/*
 * SIP up to 64 KiB end to end (issue 10, buffers): the worker ring's big
 * area (sizes as a table, wrap-around, a full area counted and given back),
 * and through the proxy harness a protected request of 3,000, 20,000 and
 * 60,000 bytes reaching the core whole and a 20,000-byte answer from the
 * core reaching the UE through its SA whole.
 */
#include "proxy_harness.h"
#include "proxy/sip_ring.h"
#include "tap.h"

static struct ph h;
static struct sip_ring ring;

static void fill(char *b, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (char)('a' + (i * 7 + seed) % 26);
}

/* Producer side as the worker does it: a slot, then data or the big area. */
static int put(struct sip_ring *r, size_t len, unsigned int seed)
{
	struct sip_in *m = sip_ring_reserve(r);
	char *dst;

	if (!m)
		return -ENOBUFS;
	sip_ring_small(m);
	dst = m->data;
	if (len > sizeof(m->data) && !(dst = sip_ring_reserve_big(r, m, len)))
		return -EMSGSIZE;
	m->len = len;
	fill(dst, len, seed);
	sip_ring_commit(r);
	return 0;
}

/* Consumer side: the next message has len bytes from seed. */
static int get(struct sip_ring *r, size_t len, unsigned int seed)
{
	static char want[SIP_BIG_MAX];
	struct sip_in *m = sip_ring_peek(r);
	int ok;

	if (!m)
		return 0;
	fill(want, len, seed);
	ok = m->len == len && !memcmp(sip_in_bytes(m), want, len);
	sip_ring_release(r);
	return ok;
}

static const struct {
	const char *name;
	size_t len;
	int err;
} sizes[] = {
	{"1 byte (slot)", 1, 0},
	{"SIP_MSG_MAX (slot)", SIP_MSG_MAX, 0},
	{"SIP_MSG_MAX + 1 (big area)", SIP_MSG_MAX + 1, 0},
	{"3,000 bytes", 3000, 0},
	{"20,000 bytes", 20000, 0},
	{"SIP_BIG_MAX", SIP_BIG_MAX, 0},
	{"SIP_BIG_MAX + 1 refused", SIP_BIG_MAX + 1, -EMSGSIZE},
};

static void test_ring_sizes(void)
{
	size_t nsizes = sizeof(sizes) / sizeof(sizes[0]);
	int bad = 0;

	sip_ring_init(&ring);
	for (size_t i = 0; i < nsizes; i++) {
		int err = put(&ring, sizes[i].len, i);

		TAP_CHECK(err == sizes[i].err && (err || get(&ring, sizes[i].len, i)),
			  "ring: %s %s", sizes[i].name, err ? "" : "comes out byte-identical");
	}
	/* Again and again, so records start everywhere in the area and wrap. */
	for (unsigned int round = 1; round < 64; round++)
		for (size_t i = 0; i < nsizes; i++) {
			int err = put(&ring, sizes[i].len, round * 31 + i);

			bad += err != sizes[i].err ||
			       (!err && !get(&ring, sizes[i].len, round * 31 + i));
		}
	TAP_CHECK(!bad && !sip_ring_peek(&ring),
		  "ring: 63 more rounds of every size wrap the area, all byte-identical");
	sip_ring_fini(&ring);
}

/* Big records until the area is full: refused and counted, room again once released. */
static void test_ring_full(void)
{
	int n = 0;

	sip_ring_init(&ring);
	while (n < 100 && !put(&ring, 50000, n))
		n++;
	TAP_CHECK(n == SIP_RING_BIG / 50000 && ring.dropped_big == 1,
		  "ring: %d records of 50,000 bytes fit the %d-byte area, the next is counted", n,
		  SIP_RING_BIG);
	TAP_CHECK(put(&ring, 100, 999) == 0, "ring: a small message still goes through a slot");
	TAP_CHECK(get(&ring, 50000, 0), "ring: the first big record reads back");
	TAP_CHECK(put(&ring, 50000, 1000) == 0,
		  "ring: its release made room (wrapping to the start)");
	for (int i = 1; i < n; i++)
		if (!get(&ring, 50000, i))
			TAP_CHECK(0, "ring: big record %d read back", i);
	TAP_CHECK(get(&ring, 100, 999) && get(&ring, 50000, 1000) && !sip_ring_peek(&ring),
		  "ring: everything else reads back in order");
	sip_ring_fini(&ring);
}

/* A MESSAGE of exactly len bytes from ue: headers, then a body filling the rest. */
static size_t message(char *out, size_t cap, size_t len, const char *ue)
{
	size_t hdr = 0, body = 0;

	/* Content-Length is printed 5 wide, so the header length does not depend on it. */
	for (int pass = 0; pass < 2; pass++) {
		hdr = snprintf(out, cap,
			       "MESSAGE sip:bob@ims.example SIP/2.0\r\n"
			       "Via: SIP/2.0/UDP %s:5062;branch=z9hG4bKbig%zu\r\n"
			       "Max-Forwards: 70\r\n"
			       "From: <sip:alice@ims.example>;tag=a1\r\n"
			       "To: <sip:bob@ims.example>\r\n"
			       "Call-ID: big-%zu\r\n"
			       "CSeq: 1 MESSAGE\r\n"
			       "Content-Type: text/plain\r\n"
			       "Content-Length: %5zu\r\n\r\n",
			       ue, len, len, body);
		body = len - hdr;
	}
	fill(out + hdr, body, 3);
	return len;
}

static void test_proxy_big(void)
{
	static char msg[SIP_BIG_MAX], resp[SIP_BIG_MAX], body[20000];
	const struct reg_sa_set *set;
	const struct ph_out *o;
	char why[128];
	const size_t lens[] = {3000, 20000, 60000};

	ph_init(&h);
	TAP_CHECK(!ph_register_ue(&h, "alice@ims.example", "10.0.0.10", 600, why, sizeof(why)),
		  "proxy: alice registers (%s)", why);
	set = ph_set(&h, "alice@ims.example", REG_SET_NEW);
	for (size_t i = 0; set && i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = message(msg, sizeof(msg), lens[i], "10.0.0.10");

		ph_ue_sa_n(&h, set, REG_SA_PS, msg, len);
		o = ph_get(&h, PH_CORE, 0);
		TAP_CHECK(o && o->len > len &&
				  !memcmp(o->text + o->len - (len - 300), msg + len - (len - 300),
					  len - 300),
			  "proxy: a protected %zu-byte MESSAGE reaches the core whole", len);
	}
	/* A 200 with a 20,000-byte body (over the old 4,000-byte core buffer). */
	fill(body, sizeof(body) - 1, 5);
	body[sizeof(body) - 1] = '\0';
	{
		int n = ph_core_response(resp, sizeof(resp), h.last_req, "200 OK",
					 "Content-Type: text/plain\r\n");
		char *cl = n > 0 ? strstr(resp, "Content-Length: 0\r\n\r\n") : NULL;

		if (cl) {
			n = cl - resp;
			n += snprintf(cl, sizeof(resp) - n, "Content-Length: %zu\r\n\r\n%s",
				      strlen(body), body);
			ph_core_in_n(&h, resp, n);
		}
		o = ph_get(&h, PH_UE_PROT, 0);
		TAP_CHECK(o && o->len > strlen(body) &&
				  !memcmp(o->text + o->len - strlen(body), body, strlen(body)),
			  "proxy: a 20,000-byte 200 from the core reaches the UE through its SA");
	}
	/* A datagram over our 64 KiB buffer cannot come from UDP; from this socketpair it can. */
	{
		static char huge[PROXY_DGRAM_MAX + 100];
		uint64_t before = h.p.stats.truncated;

		memset(huge, 'x', sizeof(huge));
		ph_core_in_n(&h, huge, sizeof(huge));
		TAP_CHECK(h.p.stats.truncated == before + 1 && h.nout == 0,
			  "proxy: a core datagram over 64 KiB is counted (truncated), not parsed");
	}
	ph_fini(&h);
}

int main(void)
{
	log_level = LOG_LVL_ERR;
	test_ring_sizes();
	test_ring_full();
	test_proxy_big();
	printf("# %d passed, %d failed\n", tap_passed, tap_failed);
	return tap_failed ? 1 : 0;
}
