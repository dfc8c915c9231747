// SPDX-License-Identifier: GPL-2.0
/*
 * Rx messages (TS 29.214 5.6): AAR and STR are built on the Rx thread from a
 * queued rx_req; AAA/STA, RAR and ASR are read on freeDiameter's threads and
 * reduced to an rx_evt for the signalling thread. Dictionary objects are
 * looked up once at start; an AVP's value is set by its dictionary base type,
 * so an Enumerated is never written as an Unsigned32 by mistake.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include "common/addr.h"
#include "common/log.h"
#include "rx/rx_media.h"
#include "rx/rx_priv.h"

static struct {
	struct dict_object *app, *vendor, *aar, *str, *rar, *asr;
	struct dict_object *session_id, *auth_app_id, *dest_realm, *dest_host, *origin_host;
	struct dict_object *result_code, *exp_result, *exp_result_code, *term_cause;
	struct dict_object *mcd, *mc_number, *media_type, *bw_ul, *bw_dl, *flow_status, *codec;
	struct dict_object *msc, *flow_number, *flow_desc, *flow_usage;
	struct dict_object *framed_ip, *framed_ip6, *sub_id, *sub_type, *sub_data;
	struct dict_object *af_app_id, *af_charging, *specific_action, *rx_req_type;
	struct dict_object *af_sig_proto;
} d;

static int find_avp(const char *name, struct dict_object **o)
{
	int err = fd_dict_search(fd_g_config->cnf_dict, DICT_AVP, AVP_BY_NAME_ALL_VENDORS, name, o,
				 ENOENT);
	if (err)
		pr_err("rx: the Diameter dictionary has no %s", name);
	return -err;
}

static int find_cmd(const char *name, struct dict_object **o)
{
	int err = fd_dict_search(fd_g_config->cnf_dict, DICT_COMMAND, CMD_BY_NAME, name, o, ENOENT);

	if (err)
		pr_err("rx: the Diameter dictionary has no %s", name);
	return -err;
}

/* The Rx application: taken from the dictionary, or defined when it is not there. */
static int find_app(void)
{
	application_id_t id = RX_APP_ID;
	vendor_id_t vid = RX_VENDOR_3GPP;
	struct dict_application_data data = {RX_APP_ID, "3GPP Rx"};
	int err;

	err = fd_dict_search(fd_g_config->cnf_dict, DICT_VENDOR, VENDOR_BY_ID, &vid, &d.vendor,
			     ENOENT);
	if (err) {
		pr_err("rx: the Diameter dictionary has no vendor 3GPP (dict_dcca_3gpp not "
		       "loaded?)");
		return -err;
	}
	if (!fd_dict_search(fd_g_config->cnf_dict, DICT_APPLICATION, APPLICATION_BY_ID, &id, &d.app,
			    ENOENT))
		return 0;
	return -fd_dict_new(fd_g_config->cnf_dict, DICT_APPLICATION, &data, d.vendor, &d.app);
}

/*
 * AA-Request/Answer come from NASREQ (RFC 7155), whose AA-Answer requires
 * Auth-Request-Type and Result-Code; the Rx AAA (TS 29.214 5.6.2) has neither
 * (a refusal carries Experimental-Result), and freeDiameter drops an answer
 * that misses a required AVP. Those two rules go; the command is the same.
 */
static int relax_aaa(void)
{
	static const char *const names[] = {"Auth-Request-Type", "Result-Code"};
	struct dict_object *aaa, *avp, *rule;
	int err = find_cmd("AA-Answer", &aaa);

	for (size_t i = 0; !err && i < sizeof(names) / sizeof(names[0]); i++) {
		struct dict_rule_request rq;

		err = find_avp(names[i], &avp);
		rq = (struct dict_rule_request){aaa, avp};
		if (!err && !fd_dict_search(fd_g_config->cnf_dict, DICT_RULE,
					    RULE_BY_AVP_AND_PARENT, &rq, &rule, ENOENT))
			err = -fd_dict_delete(rule);
	}
	return err;
}

int rx_msg_dict_init(void)
{
	static const struct {
		const char *name;
		struct dict_object **o;
	} avps[] = {
		{"Session-Id", &d.session_id},
		{"Auth-Application-Id", &d.auth_app_id},
		{"Destination-Realm", &d.dest_realm},
		{"Destination-Host", &d.dest_host},
		{"Origin-Host", &d.origin_host},
		{"Result-Code", &d.result_code},
		{"Experimental-Result", &d.exp_result},
		{"Experimental-Result-Code", &d.exp_result_code},
		{"Termination-Cause", &d.term_cause},
		{"Media-Component-Description", &d.mcd},
		{"Media-Component-Number", &d.mc_number},
		{"Media-Type", &d.media_type},
		{"Max-Requested-Bandwidth-UL", &d.bw_ul},
		{"Max-Requested-Bandwidth-DL", &d.bw_dl},
		{"Flow-Status", &d.flow_status},
		{"Codec-Data", &d.codec},
		{"Media-Sub-Component", &d.msc},
		{"Flow-Number", &d.flow_number},
		{"Flow-Description", &d.flow_desc},
		{"Flow-Usage", &d.flow_usage},
		{"Framed-IP-Address", &d.framed_ip},
		{"Framed-IPv6-Prefix", &d.framed_ip6},
		{"Subscription-Id", &d.sub_id},
		{"Subscription-Id-Type", &d.sub_type},
		{"Subscription-Id-Data", &d.sub_data},
		{"AF-Application-Identifier", &d.af_app_id},
		{"AF-Charging-Identifier", &d.af_charging},
		{"Specific-Action", &d.specific_action},
		{"Rx-Request-Type", &d.rx_req_type},
		{"AF-Signalling-Protocol", &d.af_sig_proto},
	};
	int err = find_app();

	for (size_t i = 0; !err && i < sizeof(avps) / sizeof(avps[0]); i++)
		err = find_avp(avps[i].name, avps[i].o);
	if (!err)
		err = find_cmd("AA-Request", &d.aar);
	if (!err)
		err = find_cmd("Session-Termination-Request", &d.str);
	if (!err)
		err = find_cmd("Re-Auth-Request", &d.rar);
	if (!err)
		err = find_cmd("Abort-Session-Request", &d.asr);
	if (!err)
		err = relax_aaa();
	if (!err)
		err = -fd_disp_app_support(d.app, d.vendor, 1,
					   0); /* CER: Vendor-Specific-Application-Id */
	return err;
}

/* ---- building ---- */

static struct avp *add(msg_or_avp *parent, struct dict_object *model)
{
	struct avp *a = NULL;

	if (fd_msg_avp_new(model, 0, &a))
		return NULL;
	if (fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, a)) {
		fd_msg_free(a);
		return NULL;
	}
	return a;
}

/* Numbers by the AVP's base type (Enumerated is Integer32 in freeDiameter). */
static int add_num(msg_or_avp *parent, struct dict_object *model, uint32_t v)
{
	struct dict_avp_data dd;
	union avp_value val = {0};
	struct avp *a;

	if (fd_dict_getval(model, &dd))
		return -EINVAL;
	if (dd.avp_basetype == AVP_TYPE_INTEGER32)
		val.i32 = (int32_t)v;
	else
		val.u32 = v;
	a = add(parent, model);
	return a ? -fd_msg_avp_setvalue(a, &val) : -ENOMEM;
}

static int add_os(msg_or_avp *parent, struct dict_object *model, const void *p, size_t n)
{
	union avp_value val = {.os = {(uint8_t *)p, n}};
	struct avp *a = add(parent, model);

	return a ? -fd_msg_avp_setvalue(a, &val) : -ENOMEM;
}

static int add_str(msg_or_avp *parent, struct dict_object *model, const char *s)
{
	return add_os(parent, model, s, strlen(s));
}

/* <DiameterIdentity>;<high 32 bits>;<low 32 bits>;<optional> (RFC 6733 8.8) */
static int session_id(const struct rx_req *r, char *buf, size_t cap)
{
	return snprintf(buf, cap, "%s;%u;%u;rx%u", rx_cfg->origin_host, rx_boot_id, r->gen,
			r->slot);
}

static int add_ue_addr(struct msg *m, const struct pcscf_addr *a)
{
	if (addr_is_v4(a))
		return add_os(m, d.framed_ip, a->a + 12, 4);
	/* RFC 3162: reserved, prefix length, prefix; the UE owns its /64 (23.401) */
	uint8_t p[10] = {0, 64};

	memcpy(p + 2, a->a, 8);
	return add_os(m, d.framed_ip6, p, sizeof(p));
}

static int add_subscription(struct msg *m, const char *uri)
{
	struct avp *g;
	bool tel = !strncasecmp(uri, "tel:", 4);
	int err;

	if (!*uri)
		return 0;
	g = add(m, d.sub_id);
	if (!g)
		return -ENOMEM;
	/* END_USER_E164 (0) for tel:, END_USER_SIP_URI (2) otherwise */
	err = add_num(g, d.sub_type, tel ? 0 : 2);
	if (!err)
		err = add_str(g, d.sub_data, tel ? uri + 4 : uri);
	return err;
}

static struct msg *new_request(struct dict_object *cmd, const struct rx_req *r)
{
	struct msg_hdr *h;
	struct msg *m = NULL;
	char sid[RX_HOST_MAX + 48];
	struct avp *a;
	union avp_value v;

	if (fd_msg_new(cmd, MSGFL_ALLOC_ETEID, &m))
		return NULL;
	fd_msg_hdr(m, &h);
	h->msg_appl = RX_APP_ID;
	session_id(r, sid, sizeof(sid));
	/* Session-Id goes first (RFC 6733 8.8) */
	if (fd_msg_avp_new(d.session_id, 0, &a))
		goto fail;
	v.os.data = (uint8_t *)sid;
	v.os.len = strlen(sid);
	if (fd_msg_avp_setvalue(a, &v) || fd_msg_avp_add(m, MSG_BRW_FIRST_CHILD, a))
		goto fail;
	if (add_num(m, d.auth_app_id, RX_APP_ID) || fd_msg_add_origin(m, 0) ||
	    add_str(m, d.dest_realm, rx_cfg->dest_realm))
		goto fail;
	if (r->peer >= 0 && r->peer < rx_cfg->npeers &&
	    add_str(m, d.dest_host, rx_cfg->peers[r->peer].host))
		goto fail;
	return m;
fail:
	fd_msg_free(m);
	return NULL;
}

static int add_media(struct msg *m, const struct rx_media *md)
{
	struct avp *g = add(m, d.mcd), *s;
	int err;

	if (!g)
		return -ENOMEM;
	err = add_num(g, d.mc_number, md->number);
	for (int f = 0; !err && f < md->nflows; f++) {
		const struct rx_flow *fl = &md->flows[f];

		s = add(g, d.msc);
		if (!s)
			return -ENOMEM;
		err = add_num(s, d.flow_number, fl->number);
		if (!err)
			err = add_str(s, d.flow_desc, fl->down);
		if (!err)
			err = add_str(s, d.flow_desc, fl->up);
		if (!err && fl->usage)
			err = add_num(s, d.flow_usage, fl->usage);
	}
	if (!err)
		err = add_num(g, d.media_type, md->type);
	if (!err && md->bw_ul)
		err = add_num(g, d.bw_ul, md->bw_ul);
	if (!err && md->bw_dl)
		err = add_num(g, d.bw_dl, md->bw_dl);
	if (!err)
		err = add_num(g, d.flow_status, md->flow_status);
	for (int c = 0; !err && c < md->ncodec; c++)
		err = add_str(g, d.codec, md->codec[c]);
	return err;
}

/*
 * What an answer callback needs, packed into freeDiameter's opaque pointer
 * (no allocation per request): generation 32 bits, slot 21, sequence 10, kind 1.
 */
struct pending {
	uint8_t kind;
	uint32_t slot, gen, seq;
};

static void *pack(uint8_t kind, uint32_t slot, uint32_t gen, uint32_t seq)
{
	return (void *)(uintptr_t)((uint64_t)gen << 32 | (uint64_t)(slot & 0x1FFFFF) << 11 |
				   (seq & 0x3FF) << 1 | (kind == RX_EV_STA));
}

static struct pending unpack(void *data)
{
	uint64_t v = (uintptr_t)data;

	return (struct pending){v & 1 ? RX_EV_STA : RX_EV_ANSWER, (v >> 11) & 0x1FFFFF, v >> 32,
				(v >> 1) & 0x3FF};
}

static void answer_cb(void *data, struct msg **pm)
{
	struct rx_evt e = {.peer = -1};
	struct pending p = unpack(data);
	struct avp *a, *c;
	struct avp_hdr *h;

	e.kind = p.kind;
	e.slot = p.slot;
	e.gen = p.gen;
	e.seq = p.seq;
	if (!fd_msg_search_avp(*pm, d.result_code, &a) && a && !fd_msg_avp_hdr(a, &h) &&
	    h->avp_value)
		e.result_code = h->avp_value->u32;
	if (!fd_msg_search_avp(*pm, d.exp_result, &a) && a) {
		for (fd_msg_browse(a, MSG_BRW_FIRST_CHILD, &c, NULL); c;
		     fd_msg_browse(c, MSG_BRW_NEXT, &c, NULL))
			if (!fd_msg_avp_hdr(c, &h) && h->avp_code == 298 && h->avp_value)
				e.exp_result = h->avp_value->u32;
	}
	if (!fd_msg_search_avp(*pm, d.origin_host, &a) && a && !fd_msg_avp_hdr(a, &h) &&
	    h->avp_value)
		e.peer = rx_diam_peer_index((char *)h->avp_value->os.data, h->avp_value->os.len);
	/* an error freeDiameter made itself (no open peer: Origin-Host is ours) or a
	 * peer's "cannot deliver" is no PCRF's word on the session */
	e.local = e.peer < 0 || e.result_code == RX_DIAMETER_UNABLE_TO_DELIVER ||
		  e.result_code == RX_DIAMETER_TOO_BUSY;
	fd_msg_free(*pm);
	*pm = NULL;
	rx_event_push(&e);
}

static void expire_cb(void *data, DiamId_t sentto, size_t len, struct msg **pm)
{
	struct pending p = unpack(data);
	struct rx_evt e = {.kind = p.kind,
			   .local = true,
			   .peer = -1,
			   .slot = p.slot,
			   .gen = p.gen,
			   .seq = p.seq};

	fd_msg_free(*pm);
	*pm = NULL;
	rx_event_push(&e);
}

static int send_req(struct msg *m, const struct rx_req *r, uint8_t kind)
{
	void *p = pack(kind, r->slot, r->gen, r->seq);
	struct timespec ts;
	int err;

	clock_gettime(CLOCK_REALTIME, &ts); /* freeDiameter's timeouts are absolute, realtime */
	ts.tv_sec += rx_cfg->timeout_ms / 1000;
	ts.tv_nsec += (long)(rx_cfg->timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	err = fd_msg_send_timeout(&m, answer_cb, p, expire_cb, &ts);
	if (err) {
		if (m)
			fd_msg_free(m);
		return -err;
	}
	return 0;
}

static int build_aar(struct msg *m, const struct rx_req *r)
{
	struct rx_media_set ms;
	int err;

	err = rx_media_map(r->sdp, r->olen, r->alen ? r->sdp + r->olen : NULL, r->alen,
			   r->ue_offered, &ms);
	if (err)
		return err;
	err = add_num(m, d.rx_req_type, r->update ? 1 : 0); /* INITIAL / UPDATE_REQUEST */
	if (!err && rx_cfg->af_app_id[0])
		err = add_str(m, d.af_app_id, rx_cfg->af_app_id);
	for (int i = 0; !err && i < ms.n; i++)
		err = add_media(m, &ms.m[i]);
	if (!err && r->icid[0])
		err = add_str(m, d.af_charging, r->icid);
	if (!err && !r->update) {
		/* told of bearer loss/release through RAR (29.214 4.4.6.x) */
		err = add_num(m, d.specific_action, RX_ABORT_BEARER_LOST);
		if (!err)
			err = add_num(m, d.specific_action, RX_ABORT_BEARER_RELEASED);
	}
	return err;
}

/* Signalling path status (29.214 4.4.5a): the SIP flows of a registration, AF_SIGNALLING. */
static int build_aar_sig(struct msg *m, const struct rx_req *r)
{
	char ue[ADDR_STR_LEN], pc[ADDR_STR_LEN], fd[RX_FLOW_DESC_MAX];
	struct avp *g, *s;
	int err;

	addr_str(&r->ue_addr, ue, sizeof(ue));
	addr_str(&r->pcscf_addr, pc, sizeof(pc));
	/* an update names itself; the initial AAR stays as it was (no AAR-Request-Type) */
	if (r->update && add_num(m, d.rx_req_type, 1))
		return -ENOMEM;
	g = add(m, d.mcd);
	if (!g)
		return -ENOMEM;
	err = add_num(g, d.mc_number, 0);
	/* UE client port -> our server port, our client port -> UE server port */
	for (int f = 0; !err && f < 2; f++) {
		uint16_t up = r->ports[f ? 1 : 0], pp = r->ports[f ? 2 : 3];

		s = add(g, d.msc);
		if (!s)
			return -ENOMEM;
		err = add_num(s, d.flow_number, f + 1);
		snprintf(fd, sizeof(fd), "permit out 17 from %s %u to %s %u", pc, pp, ue, up);
		if (!err)
			err = add_str(s, d.flow_desc, fd);
		snprintf(fd, sizeof(fd), "permit out 17 from %s %u to %s %u", ue, up, pc, pp);
		if (!err)
			err = add_str(s, d.flow_desc, fd);
		if (!err)
			err = add_num(s, d.flow_usage, RX_FU_AF_SIGNALLING);
	}
	if (!err)
		err = add_num(g, d.af_sig_proto, 1); /* SIP */
	if (!err)
		err = add_num(m, d.specific_action, RX_ABORT_BEARER_LOST);
	if (!err)
		err = add_num(m, d.specific_action, RX_ABORT_BEARER_RELEASED);
	return err;
}

int rx_msg_send(const struct rx_req *r)
{
	struct msg *m = new_request(r->op == RX_OP_STR ? d.str : d.aar, r);
	int err;

	if (!m)
		return -ENOMEM;
	if (r->op == RX_OP_STR) {
		err = add_num(m, d.term_cause, 1); /* DIAMETER_LOGOUT */
		return err ? (fd_msg_free(m), err) : send_req(m, r, RX_EV_STA);
	}
	err = add_ue_addr(m, &r->ue_addr);
	if (!err && r->subscription[0])
		err = add_subscription(m, r->subscription);
	if (!err)
		err = r->op == RX_OP_AAR_SIG ? build_aar_sig(m, r) : build_aar(m, r);
	if (err) {
		fd_msg_free(m);
		return err;
	}
	return send_req(m, r, RX_EV_ANSWER);
}

/* ---- PCRF-initiated: RAR (29.214 5.6.3), ASR (5.6.7) ---- */

/* Our slot and generation from a Session-Id we made, only if it is still live. */
static bool own_session(struct msg *m, uint32_t *slot, uint32_t *gen)
{
	size_t hl = strlen(rx_cfg->origin_host);
	char sid[RX_HOST_MAX + 64];
	struct avp_hdr *h;
	struct avp *a;
	unsigned boot, g, s;
	char tail;

	if (fd_msg_search_avp(m, d.session_id, &a) || !a || fd_msg_avp_hdr(a, &h) ||
	    !h->avp_value || h->avp_value->os.len >= sizeof(sid))
		return false;
	memcpy(sid, h->avp_value->os.data, h->avp_value->os.len);
	sid[h->avp_value->os.len] = '\0';
	if (strncasecmp(sid, rx_cfg->origin_host, hl) || sid[hl] != ';')
		return false;
	if (sscanf(sid + hl, ";%u;%u;rx%u%c", &boot, &g, &s, &tail) != 3 || boot != rx_boot_id)
		return false;
	*slot = s;
	*gen = g;
	return rx_slot_live(s, g);
}

static uint32_t rar_action(struct msg *m)
{
	uint32_t why = 0;
	struct avp_hdr *h;
	struct avp *a;

	for (fd_msg_browse(m, MSG_BRW_FIRST_CHILD, &a, NULL); a;
	     fd_msg_browse(a, MSG_BRW_NEXT, &a, NULL))
		if (!fd_msg_avp_hdr(a, &h) && h->avp_code == 513 &&
		    h->avp_vendor == RX_VENDOR_3GPP && h->avp_value &&
		    (h->avp_value->i32 == RX_ABORT_BEARER_LOST ||
		     h->avp_value->i32 == RX_ABORT_BEARER_RELEASED))
			why = h->avp_value->i32;
	return why;
}

static int on_request(struct msg **pm, struct avp *avp, struct session *sess, void *opaque,
		      enum disp_action *act)
{
	bool asr = opaque != NULL;
	struct rx_evt e = {.kind = RX_EV_ABORT, .peer = -1};
	struct msg *ans = *pm;
	bool live = own_session(*pm, &e.slot, &e.gen);
	uint32_t why = asr ? RX_ABORT_ASR : rar_action(*pm);

	if (fd_msg_new_answer_from_req(fd_g_config->cnf_dict, &ans, 0))
		return EINVAL;
	*pm = ans;
	fd_msg_rescode_set(ans, live ? "DIAMETER_SUCCESS" : "DIAMETER_UNKNOWN_SESSION_ID", NULL,
			   NULL, 1);
	*act = DISP_ACT_SEND;
	if (live && why) {
		e.reason = why;
		rx_event_push(&e);
	}
	return 0;
}

int rx_msg_register_handlers(void)
{
	struct disp_when w = {.app = d.app, .command = d.rar};
	int err;

	err = fd_disp_register(on_request, DISP_HOW_CC, &w, NULL, NULL);
	w.command = d.asr;
	if (!err)
		err = fd_disp_register(on_request, DISP_HOW_CC, &w, (void *)1, NULL);
	return -err;
}
