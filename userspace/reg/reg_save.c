// SPDX-License-Identifier: GPL-2.0
/*
 * Save/restore of the registration table, so pcscfd can restart without
 * losing registrations while the XDP program and its pinned maps stay up.
 *
 * Image (all integers little-endian, strings as u16 length + bytes):
 *   "PCSCFREG" u32 version u32 flags(0) u64 saved_now_ms u32 n_regs u32 n_sets
 *   u16 pc_lo u16 pc_hi u8 node_bits u8 pad u16 port_ps u32 node_id
 *   per registration: str impi, addr[16] ue, u8 registered, u8 dereg_pending,
 *     u16 port_ps, u64 expires, u64 dereg_deadline, u8 n_impus, str impu...,
 *     u8 n_routes, str route..., str contact, str call_id, str sec_client,
 *     str sec_server, u8 n_sets, then per set:
 *       u8 state, u8 used, u32 index, u32 generation, addr[16] ue, addr[16] ours,
 *       u32 spi[4] (ps uc us pc), u16 port_uc port_us port_pc port_ps,
 *       str alg, str ealg, u64 expires, u64 created
 * No key material: the ops layer keeps keys (sa_restore re-attaches them).
 *
 * Times are CLOCK_MONOTONIC ms and stay valid across a daemon restart; if the
 * clock is behind the saved one (a reboot), every time is rebased as if the
 * image had been saved at the load's now, which keeps remaining lifetimes.
 * The loader treats the image as untrusted input: every field is bounds-
 * checked and every uniqueness rule of the live table is enforced.
 */
#include <errno.h>
#include <string.h>

#include "reg/reg_priv.h"

struct wr {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct wr *w, const void *src, size_t n)
{
	if (w->len + n <= w->cap)
		memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void put_uint(struct wr *w, uint64_t v, unsigned int bytes)
{
	uint8_t b[8];
	unsigned int i;

	for (i = 0; i < bytes; i++)
		b[i] = v >> (8 * i);
	put(w, b, bytes);
}

static void put_str(struct wr *w, const char *s)
{
	size_t n = strlen(s);

	put_uint(w, n, 2);
	put(w, s, n);
}

static void save_set(struct wr *w, const struct reg_sa_set *s)
{
	unsigned int i;

	put_uint(w, s->state, 1);
	put_uint(w, s->used, 1);
	put_uint(w, s->index, 4);
	put_uint(w, s->generation, 4);
	put(w, s->ue_addr.a, 16);
	put(w, s->our_addr.a, 16);
	for (i = 0; i < REG_SA_COUNT; i++)
		put_uint(w, s->spi[i], 4);
	put_uint(w, s->port_uc, 2);
	put_uint(w, s->port_us, 2);
	put_uint(w, s->port_pc, 2);
	put_uint(w, s->port_ps, 2);
	put_str(w, s->alg);
	put_str(w, s->ealg);
	put_uint(w, s->expires_ms, 8);
	put_uint(w, s->created_ms, 8);
}

static void save_all(const struct reg_table *t, uint64_t now_ms, struct wr *w)
{
	const struct reg *r;
	uint32_t ri, n_sets = 0;
	unsigned int i;

	/* Superseded sets are not saved: they only outlive the 401 they carry by seconds. */
	for (ri = 0; ri < t->cfg.max_regs; ri++)
		if (t->regs[ri].live)
			n_sets += reg_nsets(&t->regs[ri]);
	put(w, REG_SAVE_MAGIC, 8);
	put_uint(w, REG_SAVE_VERSION, 4);
	put_uint(w, 0, 4);
	put_uint(w, now_ms, 8);
	put_uint(w, reg_count(t), 4);
	put_uint(w, n_sets, 4);
	put_uint(w, t->cfg.pc_lo, 2);
	put_uint(w, t->cfg.pc_hi, 2);
	put_uint(w, t->cfg.node_bits, 1);
	put_uint(w, 0, 1);
	put_uint(w, t->cfg.port_ps, 2);
	put_uint(w, t->cfg.node_id, 4);
	for (ri = 0; ri < t->cfg.max_regs; ri++) {
		r = &t->regs[ri];
		if (!r->live)
			continue;
		put_str(w, r->impi);
		put(w, r->ue_addr.a, 16);
		put_uint(w, r->registered, 1);
		put_uint(w, r->dereg_pending, 1);
		put_uint(w, r->port_ps, 2);
		put_uint(w, r->expires_ms, 8);
		put_uint(w, r->dereg_deadline_ms, 8);
		put_uint(w, r->n_impus, 1);
		for (i = 0; i < r->n_impus; i++)
			put_str(w, r->impu[i]);
		put_uint(w, r->n_routes, 1);
		for (i = 0; i < r->n_routes; i++)
			put_str(w, r->route[i]);
		put_str(w, r->contact);
		put_str(w, r->call_id);
		put_str(w, r->sec_client);
		put_str(w, r->sec_server);
		put_uint(w, reg_nsets(r), 1);
		for (i = 0; i < 3; i++)
			if (r->set[i] >= 0)
				save_set(w, &t->sets[r->set[i]]);
	}
}

size_t reg_save_size(const struct reg_table *t)
{
	struct wr w = {NULL, 0, 0};

	save_all(t, 0, &w);
	return w.len;
}

ssize_t reg_save(const struct reg_table *t, uint64_t now_ms, void *buf, size_t cap)
{
	struct wr w = {buf, 0, buf ? cap : 0};

	save_all(t, now_ms, &w);
	if (w.len > w.cap)
		return -ENOSPC;
	return w.len;
}

struct rd {
	const uint8_t *p;
	size_t len, off;
	int err;
};

static bool get(struct rd *r, void *dst, size_t n)
{
	if (r->err || r->len - r->off < n) {
		r->err = -EBADMSG;
		memset(dst, 0, n);
		return false;
	}
	memcpy(dst, r->p + r->off, n);
	r->off += n;
	return true;
}

static uint64_t get_uint(struct rd *r, unsigned int bytes)
{
	uint8_t b[8];
	uint64_t v = 0;
	unsigned int i;

	if (!get(r, b, bytes))
		return 0;
	for (i = 0; i < bytes; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

/* Strings must fit with their NUL and contain none. */
static void get_str(struct rd *r, char *dst, size_t cap)
{
	size_t n = get_uint(r, 2);

	dst[0] = 0;
	if (r->err)
		return;
	if (n >= cap) {
		r->err = -EBADMSG;
		return;
	}
	if (!get(r, dst, n))
		return;
	dst[n] = 0;
	if (strlen(dst) != n)
		r->err = -EBADMSG;
}

static int fail(struct rd *r, int err)
{
	if (!r->err)
		r->err = err;
	return r->err;
}

/* A string of at most cap bytes (with its NUL) into the table's string store. */
static void get_str_to(struct rd *rd, struct reg_table *t, const char **slot, size_t cap)
{
	char buf[REG_STR_MAX];

	get_str(rd, buf, cap < sizeof(buf) ? cap : sizeof(buf));
	if (!rd->err && reg_str_set(&t->strs, slot, buf))
		fail(rd, -ENOMEM);
}

static uint64_t rebase(uint64_t v, uint64_t shift)
{
	return v > shift ? v - shift : 0;
}

static int load_set(struct reg_table *t, struct rd *rd, uint32_t ri, uint64_t shift)
{
	struct reg *r = &t->regs[ri];
	struct reg_sa_set tmp, *s;
	unsigned int i;

	memset(&tmp, 0, sizeof(tmp));
	tmp.state = get_uint(rd, 1);
	tmp.used = get_uint(rd, 1) ? 1 : 0;
	tmp.index = get_uint(rd, 4);
	tmp.generation = get_uint(rd, 4);
	get(rd, tmp.ue_addr.a, 16);
	get(rd, tmp.our_addr.a, 16);
	for (i = 0; i < REG_SA_COUNT; i++)
		tmp.spi[i] = get_uint(rd, 4);
	tmp.port_uc = get_uint(rd, 2);
	tmp.port_us = get_uint(rd, 2);
	tmp.port_pc = get_uint(rd, 2);
	tmp.port_ps = get_uint(rd, 2);
	get_str(rd, tmp.alg, sizeof(tmp.alg));
	get_str(rd, tmp.ealg, sizeof(tmp.ealg));
	tmp.expires_ms = rebase(get_uint(rd, 8), shift);
	tmp.created_ms = rebase(get_uint(rd, 8), shift);
	if (rd->err)
		return rd->err;
	if (tmp.state < REG_SET_TEMPORARY || tmp.state > REG_SET_OLD ||
	    r->set[tmp.state - 1] >= 0 || tmp.index >= t->cfg.max_sets || t->sets[tmp.index].live ||
	    !tmp.generation || !*tmp.alg || !*tmp.ealg || tmp.port_ps != r->port_ps ||
	    !reg_pc_in_pool(t, tmp.port_pc) || !tmp.port_uc || !tmp.port_us ||
	    tmp.spi[REG_SA_UC] <= REG_SPI_RESERVED_MAX ||
	    tmp.spi[REG_SA_US] <= REG_SPI_RESERVED_MAX ||
	    tmp.spi[REG_SA_PS] == tmp.spi[REG_SA_PC] || !reg_spi_ok(t, tmp.spi[REG_SA_PS]) ||
	    !reg_spi_ok(t, tmp.spi[REG_SA_PC]) || !reg_spi_slot_ok(t, &tmp, REG_SA_PS, tmp.spi[REG_SA_PS]) ||
	    !reg_spi_slot_ok(t, &tmp, REG_SA_PC, tmp.spi[REG_SA_PC]))
		return fail(rd, -EINVAL);
	s = &t->sets[tmp.index];
	*s = tmp;
	s->reg = ri;
	s->live = 1;
	r->set[tmp.state - 1] = tmp.index;
	reg_set_index(t, s);
	return 0;
}

static int load_reg(struct reg_table *t, struct rd *rd, uint64_t shift)
{
	char impi[REG_IMPI_MAX];
	struct pcscf_addr ue;
	unsigned int i, n;
	struct reg *r;
	int32_t ri;

	get_str(rd, impi, sizeof(impi));
	get(rd, ue.a, 16);
	if (rd->err)
		return rd->err;
	if (!*impi || reg_lookup(t, impi) >= 0)
		return fail(rd, -EINVAL);
	ri = reg_new(t, impi, &ue);
	if (ri < 0)
		return fail(rd, ri);
	r = &t->regs[ri];
	r->registered = get_uint(rd, 1) ? 1 : 0;
	r->dereg_pending = get_uint(rd, 1) ? 1 : 0;
	r->port_ps = get_uint(rd, 2);
	r->expires_ms = rebase(get_uint(rd, 8), shift);
	r->dereg_deadline_ms = rebase(get_uint(rd, 8), shift);
	if (!rd->err && r->port_ps != t->cfg.port_ps)
		return fail(rd, -EINVAL);
	n = get_uint(rd, 1);
	if (n > REG_MAX_IMPUS)
		return fail(rd, -EINVAL);
	r->n_impus = n;
	for (i = 0; i < n; i++)
		get_str_to(rd, t, &r->impu[i], REG_URI_MAX);
	n = get_uint(rd, 1);
	if (n > REG_MAX_ROUTES)
		return fail(rd, -EINVAL);
	r->n_routes = n;
	for (i = 0; i < n; i++)
		get_str_to(rd, t, &r->route[i], REG_URI_MAX);
	get_str_to(rd, t, &r->contact, REG_CONTACT_MAX);
	get_str_to(rd, t, &r->call_id, REG_CALLID_MAX);
	get_str_to(rd, t, &r->sec_client, REG_SECHDR_MAX);
	get_str_to(rd, t, &r->sec_server, REG_SECHDR_MAX);
	n = get_uint(rd, 1);
	if (!rd->err && (n < 1 || n > 3))
		return fail(rd, -EINVAL); /* a registration without sets does not exist */
	for (i = 0; i < n && !rd->err; i++)
		load_set(t, rd, ri, shift);
	return rd->err;
}

/* Back to the empty table reg_load() started from, without any ops call. */
static void reset(struct reg_table *t)
{
	uint32_t i;

	for (i = 0; i < t->reg_hw; i++)
		if (t->regs[i].live) {
			reg_strs_release(&t->strs, &t->regs[i]);
			memset(&t->regs[i], 0, sizeof(t->regs[i]));
		}
	for (i = 0; i < t->cfg.max_sets; i++)
		if (t->sets[i].live) {
			t->sets[i].live = 0;
			t->sets[i].generation++; /* nothing may match what was loaded */
		}
	reg_index_clear(&t->by_impi);
	reg_index_clear(&t->by_spi);
	reg_index_clear(&t->by_contact);
	reg_rebuild_free(t);
}

static int restore_keys(struct reg_table *t)
{
	struct reg_sa_set *s;
	unsigned int w;
	uint32_t si;
	int err = 0, e;

	for (si = 0; si < t->cfg.max_sets; si++) {
		s = &t->sets[si];
		if (!s->live)
			continue;
		for (w = 0; w < REG_SA_COUNT; w++) {
			e = t->ops->sa_restore ? t->ops->sa_restore(t->ops_ctx, s, w) : 0;
			if (e)
				break;
			s->installed |= 1u << w;
		}
		if (w < REG_SA_COUNT) {
			if (!err)
				err = e < 0 ? e : -EIO;
			reg_set_destroy(t, s);
			reg_gc(t, s->reg);
		}
	}
	return err;
}

int reg_load(struct reg_table *t, const void *buf, size_t len, uint64_t now_ms)
{
	struct rd rd = {buf, len, 0, 0};
	uint32_t n_regs, n_sets, node_id, i;
	unsigned int lo, hi, ps, node_bits;
	uint64_t saved, shift;
	char magic[8];

	if (reg_count(t) || reg_set_count(t))
		return -EBUSY;
	if (!buf || !get(&rd, magic, 8) || memcmp(magic, REG_SAVE_MAGIC, 8))
		return -EBADMSG;
	i = get_uint(&rd, 4);
	if (rd.err)
		return rd.err;
	if (i != REG_SAVE_VERSION)
		return -EPROTONOSUPPORT;
	get_uint(&rd, 4); /* flags: none defined */
	saved = get_uint(&rd, 8);
	n_regs = get_uint(&rd, 4);
	n_sets = get_uint(&rd, 4);
	lo = get_uint(&rd, 2);
	hi = get_uint(&rd, 2);
	node_bits = get_uint(&rd, 1);
	get_uint(&rd, 1);
	ps = get_uint(&rd, 2);
	node_id = get_uint(&rd, 4);
	if (rd.err)
		return rd.err;
	/* Ports and SPIs only mean the same thing under the same geometry. */
	if (lo != t->cfg.pc_lo || hi != t->cfg.pc_hi || ps != t->cfg.port_ps ||
	    node_bits != t->cfg.node_bits || node_id != t->cfg.node_id)
		return -EINVAL;
	if (n_regs > t->cfg.max_regs || n_sets > t->cfg.max_sets)
		return -ENOSPC;
	shift = now_ms < saved ? saved - now_ms : 0;
	for (i = 0; i < n_regs && !rd.err; i++)
		load_reg(t, &rd, shift);
	if (!rd.err) {
		reg_rebuild_free(t);
		if (reg_set_count(t) != n_sets || rd.off != len)
			rd.err = -EBADMSG;
	}
	if (rd.err) {
		reset(t);
		return rd.err;
	}
	reg_timers_rebuild(t);
	for (i = 0; i < t->cfg.max_regs; i++)
		if (t->regs[i].live)
			reg_pending_sync(t, i);
	return restore_keys(t);
}
