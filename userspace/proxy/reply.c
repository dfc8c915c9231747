// SPDX-License-Identifier: GPL-2.0
/* Responses the P-CSCF makes itself, and the one way messages leave for UEs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "common/addr.h"
#include "common/log.h"
#include "proxy/proxy_priv.h"

int proxy_send_ue(struct proxy *p, const struct ue_route *r, osip_message_t *msg)
{
	int len = sipm_print(msg, p->buf, sizeof(p->buf));

	return len < 0 ? len : proxy_send_ue_text(p, r, p->buf, len);
}

int proxy_send_ue_text(struct proxy *p, const struct ue_route *r, const char *buf, size_t len)
{
	const struct reg_sa_set *set;
	char a[ADDR_STR_LEN];
	int err;

	/* On the connection the request came on, plain or inside ESP (tcp_esp.h). */
	if (r->conn >= 0)
		return tcp_ue_send(p, r->conn, r->conn_gen, buf, len);
	if (!r->protected)
		return ue_send_plain(p, &r->our_addr, &r->ue_addr, r->ue_port, buf, len);
	set = reg_sa_by_slot(p->regs, r->sa_slot, r->sa_generation);
	if (!set) {
		/* The set died (expired, deleted) while the core answered: nothing safe to use. */
		pr_warn_rl("no SA set left to reach UE %s: message dropped",
			addr_str(&r->ue_addr, a, sizeof(a)));
		p->stats.send_errors++;
		return -ENOENT;
	}
	err = ue_send_protected(p, set,
				r->sa_slot % REG_SA_COUNT == REG_SA_PS ? REG_SA_UC : REG_SA_US,
				buf, len);
	return err;
}

int proxy_reply(struct proxy *p, const struct sip_in *m, osip_message_t *req, int code,
		const char *reason)
{
	return proxy_reply_hdr(p, m, req, code, reason, NULL, NULL);
}

osip_message_t *proxy_response_of(osip_message_t *req, int code, const char *reason)
{
	osip_generic_param_t *tp = NULL;
	osip_message_t *resp;
	char tag[16];
	int err;

	if (osip_message_init(&resp))
		return NULL;
	osip_message_set_version(resp, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(resp, code);
	osip_message_set_reason_phrase(resp, osip_strdup(reason));
	err = osip_list_clone(&req->vias, &resp->vias, (int (*)(void *, void **))osip_via_clone);
	if (!err && req->from)
		err = osip_from_clone(req->from, &resp->from);
	if (!err && req->to)
		err = osip_to_clone(req->to, &resp->to);
	if (!err && req->call_id)
		err = osip_call_id_clone(req->call_id, &resp->call_id);
	if (!err && req->cseq)
		err = osip_cseq_clone(req->cseq, &resp->cseq);
	if (!err && resp->to && osip_to_get_tag(resp->to, &tp) != 0) {
		snprintf(tag, sizeof(tag), "pc%08x", randombytes_random());
		osip_to_set_tag(resp->to, osip_strdup(tag));
	}
	if (err) {
		osip_message_free(resp);
		return NULL;
	}
	return resp;
}

int proxy_reply_hdr(struct proxy *p, const struct sip_in *m, osip_message_t *req, int code,
		    const char *reason, const char *hname, const char *hvalue)
{
	struct ue_route r = route_of_msg(m);
	osip_message_t *resp = proxy_response_of(req, code, reason);
	int err = resp ? 0 : -ENOMEM;

	if (!err && hname && hvalue)
		err = osip_message_set_header(resp, hname, hvalue);
	if (!err && code == 503 && !(hname && !strcasecmp(hname, "Retry-After"))) /* a full table drains within a transaction lifetime */
		err = osip_message_set_header(resp, "Retry-After", PROXY_RETRY_AFTER_S);
	if (!err)
		err = osip_message_set_content_length(resp, "0");
	err = err ? -EBADMSG : proxy_send_ue(p, &r, resp);
	osip_message_free(resp);
	return err;
}
