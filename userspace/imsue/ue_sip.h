/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP of the UE: REGISTER / OPTIONS as text (TS 24.229 5.1.1.2, 5.1.1.4,
 * 5.1.1.5, RFC 3329), and the few fields of a response the UE acts on, read
 * with libosip2. Plain buffers in and out, so tests and fuzzers need no network.
 */
#ifndef IMSUE_UE_SIP_H
#define IMSUE_UE_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ue_req {
	const char *method; /* "REGISTER" or "OPTIONS" */
	const char *impi, *impu, *domain;
	const char *local_ip; /* text, IPv6 without brackets */
	bool local_v6;
	uint16_t via_port;     /* sent-by: 5060 unprotected, port_us protected */
	uint16_t contact_port; /* protected server port (port_us) */
	const char *call_id, *from_tag, *branch;
	uint32_t cseq;
	uint32_t expires;	   /* REGISTER only */
	const char *sec_client;	   /* Security-Client value, NULL: none */
	const char *sec_verify;	   /* Security-Verify value, NULL: none */
	const char *authorization; /* Authorization value, NULL: none */
	const char *request_uri;   /* NULL: sip:DOMAIN */
};

/* Returns the length written (NUL-terminated), -ENOSPC or -EINVAL. */
int ue_sip_build(const struct ue_req *r, char *buf, size_t cap);

/*
 * Authorization values (RFC 3310, TS 24.229 5.1.1.2.1): the initial one with
 * empty nonce and response, and the answer to an AKA challenge.
 */
int ue_sip_auth_initial(const char *impi, const char *realm, const char *uri, char *buf,
			size_t cap);
int ue_sip_auth_answer(const char *impi, const char *realm, const char *nonce, const char *uri,
		       const char *qop, const char *nc, const char *cnonce, const char *response,
		       char *buf, size_t cap);

struct ue_resp {
	int status;
	char call_id[128];
	uint32_t cseq;
	char cseq_method[16];
	char www_auth[1024];	 /* first WWW-Authenticate value, "" if none */
	bool www_has_keys;	 /* a WWW-Authenticate still carries ck or ik */
	char sec_server[512];	 /* all Security-Server values joined by ", " */
	char p_assoc_uri[512];	 /* all P-Associated-URI values joined */
	char service_route[512]; /* all Service-Route values joined */
	long expires;		 /* Expires header, -1 if none */
	long contact_expires;	 /* expires param of the first Contact, -1 if none */
};

/*
 * Parse a SIP response. Returns 0, -EINVAL (not SIP, or a request),
 * -ENOMEM.
 */
int ue_sip_parse_response(const char *buf, size_t len, struct ue_resp *out);

/* A request (e.g. from the P-CSCF's client port): its method, 0 or -EINVAL. */
int ue_sip_request_method(const char *buf, size_t len, char *method, size_t cap);

/* Call once per process before parsing (libosip2's parser tables). */
void ue_sip_init(void);

#endif /* IMSUE_UE_SIP_H */
