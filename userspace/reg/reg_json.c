// SPDX-License-Identifier: GPL-2.0
/* JSON rows for `pcscfctl sa list --json` / `reg list --json`, into a caller buffer. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "reg/reg_priv.h"

struct jw {
	char *buf;
	size_t cap, len; /* len counts past cap so overflow is detected once, at the end */
	unsigned int rows;
};

static void jw_printf(struct jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jw_printf(struct jw *w, const char *fmt, ...)
{
	size_t room = w->len < w->cap ? w->cap - w->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? w->buf + w->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		w->len += n;
}

/* IMPIs, contacts and routes come off the wire: escape everything JSON requires. */
static void jw_val(struct jw *w, const char *s)
{
	const unsigned char *p;

	jw_printf(w, "\"");
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			jw_printf(w, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			jw_printf(w, "\\u%04x", *p);
		else
			jw_printf(w, "%c", *p);
	}
	jw_printf(w, "\"");
}

static void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_printf(w, "\"%s\":", key);
	jw_val(w, s);
}

static void jw_addr(struct jw *w, const char *key, const struct pcscf_addr *a)
{
	static const uint8_t v4mapped[12] = {[10] = 0xff, [11] = 0xff};
	char s[INET6_ADDRSTRLEN];

	if (!memcmp(a->a, v4mapped, sizeof(v4mapped)))
		inet_ntop(AF_INET, &a->a[12], s, sizeof(s));
	else
		inet_ntop(AF_INET6, a->a, s, sizeof(s));
	jw_str(w, key, s);
}

static int jw_end(struct jw *w)
{
	if (w->len >= w->cap) {
		if (w->cap)
			w->buf[0] = 0;
		return -ENOSPC;
	}
	return w->len;
}

static int sa_row(const struct reg_sa_row *r, void *ctx)
{
	struct jw *w = ctx;

	jw_printf(w, "%s{", w->rows++ ? "," : "");
	jw_str(w, "impi", r->impi);
	jw_printf(w, ",\"spi\":%u,\"spi_hex\":\"0x%08x\",\"dir\":\"%s\",\"sa\":\"%s\",", r->spi,
		  r->spi, r->dir, reg_sa_name(r->which));
	jw_addr(w, "ue", r->ue_addr);
	jw_printf(w, ",");
	jw_addr(w, "ours", r->our_addr);
	jw_printf(w, ",\"src_port\":%u,\"dst_port\":%u,\"state\":\"%s\",", r->src_port, r->dst_port,
		  r->state);
	jw_str(w, "alg", r->alg);
	jw_printf(w, ",");
	jw_str(w, "ealg", r->ealg);
	jw_printf(w, ",\"expires_in_ms\":%lld,\"used\":%s,\"slot\":%u,\"generation\":%u}",
		  (long long)r->expires_in_ms, r->used ? "true" : "false", r->slot, r->generation);
	return 0;
}

int reg_sa_list_json(const struct reg_table *t, uint64_t now_ms, char *buf, size_t cap)
{
	struct jw w = {buf, cap, 0, 0};

	jw_printf(&w, "[");
	reg_sa_foreach(t, now_ms, sa_row, &w);
	jw_printf(&w, "]");
	return jw_end(&w);
}

static int reg_row(const struct reg_row *row, void *ctx)
{
	const struct reg *r = row->reg;
	struct jw *w = ctx;
	unsigned int i;

	jw_printf(w, "%s{", w->rows++ ? "," : "");
	jw_str(w, "impi", r->impi);
	jw_printf(w, ",");
	jw_addr(w, "ue", &r->ue_addr);
	jw_printf(w, ",\"registered\":%s,\"dereg_pending\":%s,\"expires_in_ms\":%lld,",
		  r->registered ? "true" : "false", r->dereg_pending ? "true" : "false",
		  (long long)row->expires_in_ms);
	jw_str(w, "contact", r->contact);
	jw_printf(w, ",\"impus\":[");
	for (i = 0; i < r->n_impus; i++) {
		jw_printf(w, "%s", i ? "," : "");
		jw_val(w, r->impu[i]);
	}
	jw_printf(w, "],\"service_route\":[");
	for (i = 0; i < r->n_routes; i++) {
		jw_printf(w, "%s", i ? "," : "");
		jw_val(w, r->route[i]);
	}
	jw_printf(w, "],\"port_ps\":%u,\"sets\":%u}", r->port_ps, row->n_sets);
	return 0;
}

int reg_row_json(const struct reg_row *row, bool first, char *buf, size_t cap)
{
	struct jw w = {buf, cap, 0, first ? 0 : 1};

	reg_row(row, &w);
	return jw_end(&w);
}

int reg_json_string(const char *s, char *buf, size_t cap)
{
	struct jw w = {buf, cap, 0, 0};

	jw_val(&w, s);
	return jw_end(&w);
}

int reg_list_json(const struct reg_table *t, uint64_t now_ms, char *buf, size_t cap)
{
	struct jw w = {buf, cap, 0, 0};

	jw_printf(&w, "[");
	reg_foreach(t, now_ms, reg_row, &w);
	jw_printf(&w, "]");
	return jw_end(&w);
}
