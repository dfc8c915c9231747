// SPDX-License-Identifier: GPL-2.0
/*
 * SDP (libosip2's sdp_message) to Rx media components, TS 29.213 annex B:
 * one Media-Component-Description per m-line, matched between offer and
 * answer by position (RFC 3264 6); b=AS of an SDP is what its sender wants to
 * receive, so the UE's b=AS is the downlink and the remote's the uplink.
 * Every address and port is checked before it goes into a Flow-Description:
 * the text comes from the network.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <osipparser2/sdp_message.h>

#include "rx/rx_media.h"

struct side {
	sdp_message_t *sdp;
	bool from_ue;
	bool offer;
};

static const struct {
	const char *name;
	uint32_t bps;
} codec_bw[] = {
	/* payload + 40 bytes IP/UDP/RTP every 20 ms (16 kbit/s) */
	{"PCMU", 80000},   {"PCMA", 80000}, {"G722", 80000}, {"G729", 24000}, {"AMR", 29000},
	{"AMR-WB", 40000}, {"EVS", 41000},  {"opus", 56000}, {"iLBC", 31000}, {"GSM", 29000},
};

uint32_t rx_codec_bw(const char *encoding)
{
	for (size_t i = 0; i < sizeof(codec_bw) / sizeof(codec_bw[0]); i++)
		if (!strcasecmp(codec_bw[i].name, encoding))
			return codec_bw[i].bps;
	return 0;
}

static uint32_t media_type(const char *m)
{
	static const char *const names[] = {"audio",   "video", "data",	  "application",
					    "control", "text",	"message"};

	for (uint32_t i = 0; m && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(m, names[i]))
			return i;
	return RX_MT_OTHER;
}

/* Strict decimal 0-65535; -1 otherwise. */
static int parse_port(const char *s)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 65535)
		return -1;
	return (int)v;
}

/* The connection address of media i (media level, else session level), validated. */
static int media_addr(sdp_message_t *sdp, int i, char *out, size_t cap)
{
	unsigned char bin[16];
	char *a = sdp_message_c_addr_get(sdp, i, 0);

	if (!a)
		a = sdp_message_c_addr_get(sdp, -1, 0);
	if (!a || strlen(a) >= cap)
		return -EINVAL;
	if (inet_pton(AF_INET, a, bin) != 1 && inet_pton(AF_INET6, a, bin) != 1)
		return -EINVAL;
	strcpy(out, a);
	return 0;
}

static const char *attr_value(sdp_message_t *sdp, int i, const char *field)
{
	char *f;

	for (int k = 0; (f = sdp_message_a_att_field_get(sdp, i, k)); k++)
		if (!strcasecmp(f, field))
			return sdp_message_a_att_value_get(sdp, i, k);
	return NULL;
}

static bool has_attr(sdp_message_t *sdp, int i, const char *field)
{
	char *f;

	for (int k = 0; (f = sdp_message_a_att_field_get(sdp, i, k)); k++)
		if (!strcasecmp(f, field))
			return true;
	return false;
}

enum dir { DIR_SENDRECV, DIR_SENDONLY, DIR_RECVONLY, DIR_INACTIVE };

static enum dir media_dir(sdp_message_t *sdp, int i)
{
	static const char *const names[] = {"sendrecv", "sendonly", "recvonly", "inactive"};

	for (int lvl = 0; lvl < 2; lvl++) /* media level wins over session level */
		for (int d = 0; d < 4; d++)
			if (has_attr(sdp, lvl ? -1 : i, names[d]))
				return d;
	return DIR_SENDRECV;
}

/* b=AS (kbit/s) of media i or the session, in bit/s; 0 when absent or bad. */
static uint32_t media_as(sdp_message_t *sdp, int i)
{
	for (int lvl = 0; lvl < 2; lvl++) {
		char *t, *v;

		for (int k = 0; (t = sdp_message_b_bwtype_get(sdp, lvl ? -1 : i, k)); k++) {
			char *end;
			unsigned long kbps;

			if (strcasecmp(t, "AS"))
				continue;
			v = sdp_message_b_bandwidth_get(sdp, lvl ? -1 : i, k);
			if (!v || *v < '0' || *v > '9')
				return 0;
			kbps = strtoul(v, &end, 10);
			if (*end || kbps > 4000000)
				return 0;
			return (uint32_t)kbps * 1000;
		}
	}
	return 0;
}

/* Encoding name of payload pt from a=rtpmap, or the static one of RFC 3551. */
static bool rtpmap_name(sdp_message_t *sdp, int i, const char *pt, char *name, size_t cap)
{
	char *f, *v;
	size_t ptl = strlen(pt);

	for (int k = 0; (f = sdp_message_a_att_field_get(sdp, i, k)); k++) {
		const char *s, *e;

		v = sdp_message_a_att_value_get(sdp, i, k);
		if (strcasecmp(f, "rtpmap") || !v || strncmp(v, pt, ptl) || v[ptl] != ' ')
			continue;
		s = v + ptl + 1;
		e = strchr(s, '/');
		if (!e || (size_t)(e - s) >= cap)
			return false;
		memcpy(name, s, e - s);
		name[e - s] = '\0';
		return true;
	}
	if (!strcmp(pt, "0"))
		snprintf(name, cap, "PCMU");
	else if (!strcmp(pt, "8"))
		snprintf(name, cap, "PCMA");
	else if (!strcmp(pt, "9"))
		snprintf(name, cap, "G722");
	else if (!strcmp(pt, "18"))
		snprintf(name, cap, "G729");
	else
		return false;
	return true;
}

/* The largest need of the payloads offered in media i (telephone-event adds nothing). */
static uint32_t media_codec_bw(sdp_message_t *sdp, int i)
{
	char name[32], *pt;
	uint32_t best = 0;

	for (int k = 0; (pt = sdp_message_m_payload_get(sdp, i, k)); k++) {
		uint32_t bw;

		if (!rtpmap_name(sdp, i, pt, name, sizeof(name)))
			continue;
		bw = rx_codec_bw(name);
		if (bw > best)
			best = bw;
	}
	return best;
}

static void cat(char *dst, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > cap)
		return;
	memcpy(dst + *len, s, n + 1);
	*len += n;
}

/* A field with a control character would break Codec-Data's line structure. */
static bool clean(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/*
 * Codec-Data (29.214 5.3.7): "uplink"/"downlink", "offer"/"answer", then the
 * m-line and the media's a-lines, new-line separated; lines that do not fit
 * are left out whole.
 */
static int codec_data(const struct side *s, int i, char *out, size_t cap)
{
	char line[RX_CODEC_DATA_MAX], *f, *v, *pt;
	size_t len = 0;
	int n;

	out[0] = '\0';
	cat(out, cap, &len, s->from_ue ? "uplink\n" : "downlink\n");
	cat(out, cap, &len, s->offer ? "offer\n" : "answer\n");
	n = snprintf(line, sizeof(line), "m=%s %s %s", sdp_message_m_media_get(s->sdp, i),
		     sdp_message_m_port_get(s->sdp, i), sdp_message_m_proto_get(s->sdp, i));
	for (int k = 0;
	     n > 0 && (size_t)n < sizeof(line) && (pt = sdp_message_m_payload_get(s->sdp, i, k));
	     k++)
		n += snprintf(line + n, sizeof(line) - n, " %s", pt);
	if (n <= 0 || (size_t)n >= sizeof(line) - 1 || !clean(line))
		return -EINVAL;
	strcat(line, "\n");
	cat(out, cap, &len, line);
	for (int k = 0; (f = sdp_message_a_att_field_get(s->sdp, i, k)); k++) {
		v = sdp_message_a_att_value_get(s->sdp, i, k);
		if (!clean(f) || !clean(v))
			return -EINVAL;
		n = snprintf(line, sizeof(line), v ? "a=%s:%s\n" : "a=%s\n", f, v);
		if (n > 0 && (size_t)n < sizeof(line))
			cat(out, cap, &len, line);
	}
	if (len && out[len - 1] == '\n') /* no new-line after the last line */
		out[len - 1] = '\0';
	return 0;
}

static int media_count(sdp_message_t *sdp)
{
	int n = 0;

	while (n < 64 && !sdp_message_endof_media(sdp, n))
		n++;
	return n;
}

/* Flow-Status from the UE's direction attribute (29.213 B.3.3.?, table B.3.3). */
static uint32_t flow_status(const struct side *ue, const struct side *remote, int i)
{
	enum dir d;

	if (ue) {
		d = media_dir(ue->sdp, i);
	} else {
		/* only the remote end has spoken: its sendonly is our downlink */
		d = media_dir(remote->sdp, i);
		if (d == DIR_SENDONLY)
			d = DIR_RECVONLY;
		else if (d == DIR_RECVONLY)
			d = DIR_SENDONLY;
	}
	switch (d) {
	case DIR_SENDONLY:
		return RX_FS_ENABLED_UPLINK;
	case DIR_RECVONLY:
		return RX_FS_ENABLED_DOWNLINK;
	case DIR_INACTIVE:
		return RX_FS_DISABLED;
	default:
		return RX_FS_ENABLED;
	}
}

struct endpoint {
	bool known;
	char addr[48]; /* INET6_ADDRSTRLEN */
	int rtp, rtcp;
};

static int endpoint(const struct side *s, int i, struct endpoint *e)
{
	const char *rtcp;

	e->known = false;
	if (!s)
		return 0;
	if (!sdp_message_m_payload_get(s->sdp, i, 0)) /* RFC 4566 5.14: at least one format */
		return -EINVAL;
	e->rtp = parse_port(sdp_message_m_port_get(s->sdp, i));
	if (e->rtp < 0 || media_addr(s->sdp, i, e->addr, sizeof(e->addr)))
		return -EINVAL;
	e->rtcp = e->rtp ? e->rtp + 1 : 0;
	rtcp = attr_value(s->sdp, i, "rtcp"); /* RFC 3605: "PORT [nettype addrtype addr]" */
	if (rtcp) {
		char p[8];
		size_t n = strcspn(rtcp, " ");

		if (n && n < sizeof(p)) {
			memcpy(p, rtcp, n);
			p[n] = '\0';
			if (parse_port(p) > 0)
				e->rtcp = parse_port(p);
		}
	}
	if (e->rtcp > 65535)
		e->rtcp = 0;
	e->known = true;
	return 0;
}

static void one_way(char *out, int proto, const struct endpoint *src, int sport,
		    const struct endpoint *dst, int dport)
{
	char s[56], d[56];

	if (src->known)
		snprintf(s, sizeof(s), "%s %d", src->addr, sport);
	else
		snprintf(s, sizeof(s), "any");
	if (dst->known)
		snprintf(d, sizeof(d), "%s %d", dst->addr, dport);
	else
		snprintf(d, sizeof(d), "any");
	snprintf(out, RX_FLOW_DESC_MAX, "permit out %d from %s to %s", proto, s, d);
}

static void flows(struct rx_media *m, const struct side *ue, const struct side *remote, int i,
		  const struct endpoint *eu, const struct endpoint *er)
{
	const struct side *any = ue ? ue : remote;
	const char *proto = sdp_message_m_proto_get(any->sdp, i);
	bool rtp = proto && strstr(proto, "RTP");
	int ip = proto && !strncasecmp(proto, "TCP", 3) ? 6 : 17;

	m->nflows = rtp ? 2 : 1;
	for (int f = 0; f < m->nflows; f++) {
		struct rx_flow *fl = &m->flows[f];
		int up = f ? eu->rtcp : eu->rtp, rp = f ? er->rtcp : er->rtp;

		fl->number = f + 1;
		fl->usage = f ? RX_FU_RTCP : RX_FU_NO_INFORMATION;
		one_way(fl->down, ip, er, rp, eu, up);
		one_way(fl->up, ip, eu, up, er, rp);
	}
}

static int map_one(struct rx_media *m, int i, const struct side *ue, const struct side *remote)
{
	const struct side *any = ue ? ue : remote;
	struct endpoint eu, er;

	memset(m, 0, sizeof(*m));
	m->number = i + 1;
	m->type = media_type(sdp_message_m_media_get(any->sdp, i));
	if (endpoint(ue, i, &eu) || endpoint(remote, i, &er))
		return -EINVAL;
	if ((eu.known && !eu.rtp) || (er.known && !er.rtp)) {
		m->flow_status = RX_FS_REMOVED;
		return 0;
	}
	m->flow_status = flow_status(ue, remote, i);
	if (ue)
		m->bw_dl = media_as(ue->sdp, i) ?: media_codec_bw(ue->sdp, i);
	if (remote)
		m->bw_ul = media_as(remote->sdp, i) ?: media_codec_bw(remote->sdp, i);
	/* only one side so far: the same codecs flow both ways */
	if (!m->bw_ul)
		m->bw_ul = m->bw_dl;
	if (!m->bw_dl)
		m->bw_dl = m->bw_ul;
	flows(m, ue, remote, i, &eu, &er);
	return 0;
}

/*
 * libosip2 (5.3) reads past the end of its input on a last m-line without
 * formats that ends in a bare LF (fuzz_rx_sdp found it): its copy gets
 * CRLF line ends, as RFC 4566 writes them, and zeroed room behind.
 */
static int parse_side(const char *txt, size_t len, sdp_message_t **out)
{
	char *buf;
	size_t n = 0;
	int err;

	*out = NULL;
	if (!txt)
		return 0;
	if (!len || len > 65536 || memchr(txt, '\0', len))
		return -EINVAL;
	buf = calloc(1, 2 * len + 16); /* sdp_message_parse wants a C string */
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		if (txt[i] == '\n' && (!i || txt[i - 1] != '\r'))
			buf[n++] = '\r';
		buf[n++] = txt[i];
	}
	err = sdp_message_init(out);
	if (!err)
		err = sdp_message_parse(*out, buf);
	free(buf);
	if (err) {
		sdp_message_free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

int rx_media_map(const char *offer, size_t olen, const char *answer, size_t alen, bool ue_offered,
		 struct rx_media_set *out)
{
	struct side so = {.from_ue = ue_offered, .offer = true};
	struct side sa = {.from_ue = !ue_offered, .offer = false};
	const struct side *ue, *remote;
	int n, err;

	out->n = 0;
	err = parse_side(offer, olen, &so.sdp);
	if (!err && !so.sdp)
		err = -EINVAL;
	if (!err)
		err = parse_side(answer, alen, &sa.sdp);
	if (err)
		goto out;
	ue = ue_offered ? &so : (sa.sdp ? &sa : NULL);
	remote = ue_offered ? (sa.sdp ? &sa : NULL) : &so;
	n = media_count(so.sdp);
	if (!n || n > RX_MAX_MEDIA || (sa.sdp && media_count(sa.sdp) != n)) {
		err = -EINVAL;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct rx_media *m = &out->m[i];

		err = map_one(m, i, ue, remote);
		if (err)
			goto out;
		err = codec_data(&so, i, m->codec[0], sizeof(m->codec[0]));
		m->ncodec = 1;
		if (!err && sa.sdp) {
			err = codec_data(&sa, i, m->codec[1], sizeof(m->codec[1]));
			m->ncodec = 2;
		}
		if (err)
			goto out;
	}
	out->n = n;
out:
	if (so.sdp)
		sdp_message_free(so.sdp);
	if (sa.sdp)
		sdp_message_free(sa.sdp);
	return err;
}
