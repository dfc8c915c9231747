/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libosip2 helpers for the proxy: parse from a plain buffer, find, strip and
 * add headers, print back into a caller buffer. osip keeps unknown headers
 * (Security-*, Path, P-Associated-URI ...) in msg->headers and unknown
 * Digest parameters (ck, ik, integrity-protected) in auth_param.
 */
#ifndef PCSCF_SIP_MSG_H
#define PCSCF_SIP_MSG_H

#include <stddef.h>
#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>
#include "pcscf_maps.h"
#include "sip/sec_agree.h"

int sipm_init(void);
/*
 * 0 and *out set, or -EBADMSG. Free with osip_message_free(). Digest headers
 * (Authorization, WWW-Authenticate and their Proxy- forms) stay generic
 * headers holding the text received: osip's own parse of them is lossy.
 */
int sipm_parse(osip_message_t **out, const char *buf, size_t len);
/* Value of the pos-th header `name` in a raw message (folded lines joined); length or -errno. */
int sipm_raw_header(const char *buf, size_t len, const char *name, int pos, char *out,
		    size_t cap);
int sipm_replace(osip_message_t *m, const char *name, const char *value);
/*
 * Every Authorization header gets integrity-protected="@value" in place of
 * whatever the UE wrote (TS 24.229 5.2.2). Returns how many were marked, or
 * -EINVAL when one cannot be parsed: then every Authorization is removed, so
 * the UE's own value cannot go on even if the caller forwards anyway.
 */
int sipm_set_integrity(osip_message_t *m, const char *value);
/* Prints the (modified) message into buf; length or -ENOSPC / -EBADMSG. */
int sipm_print(osip_message_t *m, char *buf, size_t cap);

/* Value of the pos-th header called name (case-insensitive), or NULL. */
const char *sipm_header(osip_message_t *m, const char *name, int pos);
/* Removes every header called name; returns how many. */
int sipm_remove(osip_message_t *m, const char *name);
/* Removes option tag `tag` from every header `name` (Require, Proxy-Require). */
int sipm_strip_tag(osip_message_t *m, const char *name, const char *tag);
/* True when any header `name` lists option tag `tag`. */
int sipm_has_tag(osip_message_t *m, const char *name, const char *tag);
int sipm_add(osip_message_t *m, const char *name, const char *value);
/*
 * Drops every generic header, the Contacts and the body: what is left (Via,
 * From, To, Call-ID, CSeq) is what an error answer made from a response needs.
 */
void sipm_keep_dialog_only(osip_message_t *m);
/* Parses every header `name` into l. 0 (also when absent: l->n == 0) or -EINVAL. */
int sipm_sec_list(osip_message_t *m, const char *name, struct sec_list *l, const char **err);
/* Splits every header `name` on commas (outside <> and quotes) into out[][len]. */
int sipm_collect(osip_message_t *m, const char *name, char *out, size_t len, int max);
/*
 * Whether one collected entry is a name-addr or addr-spec whose URI is a sip:,
 * sips: or tel: URI of visible ASCII that libosip2 parses. The core's lists
 * (P-Associated-URI, Service-Route) become our Request-URIs, Route headers and
 * asserted identities: an entry that is not one would make us send what no
 * SIP stack parses.
 */
bool sipm_name_addr_ok(const char *entry);
/* "<sip:x>;p" or "Name <sip:x>" -> "sip:x"; an addr-spec up to its first ';' or blank. */
void sipm_bare_uri(const char *v, char *out, size_t cap);

/* The IMPI: Authorization username, else the To URI's user@host (TS 33.203 / 24.229). */
int sipm_impi(osip_message_t *m, char *out, size_t cap);
/* Call-ID as text. */
int sipm_call_id(osip_message_t *m, char *out, size_t cap);
/*
 * Registration expiry a 200 to REGISTER grants the UE at @ue (and protected
 * server @port, unless 0): the expires param of the Contact naming it, else
 * the Expires header (RFC 3261 10.3). 0 and *out set, -ENOENT (no value),
 * -EINVAL (not delta-seconds) or -ERANGE (above 2^32-1). @contact gets that
 * Contact as text ("" when none names the UE).
 */
int sipm_reg_expires(osip_message_t *m, const struct pcscf_addr *ue, uint16_t port,
		     uint32_t *out, char *contact, size_t cap);

/* A URI whose host is an IP address: it and the port (5060 when absent); -EINVAL otherwise. */
int sipm_uri_addr(const osip_uri_t *u, struct pcscf_addr *a, uint16_t *port);

/* Top Via: read the branch, remove it. */
const char *sipm_top_branch(osip_message_t *m);
int sipm_pop_via(osip_message_t *m);
/* Prepends "SIP/2.0/UDP host:port;branch=..." */
int sipm_push_via(osip_message_t *m, const char *host, unsigned int port, const char *branch);

#endif
