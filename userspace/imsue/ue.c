// SPDX-License-Identifier: GPL-2.0
/*
 * One UE: the registration procedures of TS 24.229 5.1.1 with the security
 * agreement of TS 33.203 7, driven command by command from the poll loop.
 *
 *   REGISTER (unprotected, or through the newest SA set when there is one)
 *     <- 401: check AUTN, derive RES/CK/IK, temporary SA set from Security-Server
 *   REGISTER (through the temporary set: Authorization, Security-Client again,
 *             Security-Verify = Security-Server)
 *     <- 200: temporary set becomes the new one, the previous new one the old
 *             (kept until we first use the new set, 33.203 7.4)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/addr.h"
#include "imsue/ue.h"
#include "imsue/ue_auth.h"
#include "imsue/ue_call.h"
#include "imsue/ue_keys.h"
#include "imsue/ue_net.h"
#include "imsue/ue_sa.h"
#include "imsue/ue_sip.h"
#include "imsue/ue_spi.h"

#define T1_MS 500 /* RFC 3261 timer T1: UDP retransmission starts here */

static const char *const cmd_names[] = {
	[UE_CMD_REGISTER] = "register",
	[UE_CMD_REREGISTER] = "reregister",
	[UE_CMD_REGISTER_UNANSWERED] = "register-unanswered",
	[UE_CMD_REGISTER_WRONG_RES] = "register-wrong-res",
	[UE_CMD_DEREGISTER] = "deregister",
	[UE_CMD_SEND_OPTIONS] = "send-options",
	[UE_CMD_USE_NEW] = "use-new",
	[UE_CMD_WAIT] = "wait",
	[UE_CMD_WAIT_FILE] = "wait-file",
	[UE_CMD_CALL] = "call",
	[UE_CMD_CALL_CANCEL] = "call-cancel",
	[UE_CMD_MESSAGE] = "message",
	[UE_CMD_CALLS] = "calls",
	[UE_CMD_MESSAGES] = "messages",
};

const char *ue_cmd_name(enum ue_cmd c)
{
	return (unsigned int)c < sizeof(cmd_names) / sizeof(cmd_names[0]) ? cmd_names[c] : "?";
}

int ue_cmd_parse(const char *s, enum ue_cmd *out)
{
	for (unsigned int i = 0; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++) {
		if (!strcmp(s, cmd_names[i])) {
			*out = (enum ue_cmd)i;
			return 0;
		}
	}
	return -EINVAL;
}

static struct ue_tx *tx_of(struct ue *u)
{
	return &u->tx;
}

/*
 * Call-IDs, tags and branches need to be unique, not secret: xorshift64*
 * seeded once from getrandom() instead of a syscall per message.
 */
static uint64_t rand64(void)
{
	static uint64_t x;

	if (!x && (getrandom(&x, sizeof(x), 0) != sizeof(x) || !x))
		x = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return x * 0x2545f4914f6cdd1dull;
}

/* The request in flight is over: its copy for retransmission goes. */
static void tx_release(struct ue *u)
{
	free(u->tx.msg);
	u->tx.msg = NULL;
	u->tx.len = 0;
	u->tx.set = NULL;
}

/* "user@host" + idx -> "user<idx>@host"; "%" in the template: printf format. */
static void indexed(char *out, size_t cap, const char *tmpl, unsigned int idx, bool many)
{
	const char *at;

	if (strchr(tmpl, '%')) {
		char fmt[UE_STR];

		snprintf(fmt, sizeof(fmt), "%s", tmpl);
		snprintf(out, cap, fmt, idx);
	} else if (!many) {
		snprintf(out, cap, "%s", tmpl);
	} else if ((at = strchr(tmpl, '@'))) {
		snprintf(out, cap, "%.*s%u%s", (int)(at - tmpl), tmpl, idx, at);
	} else {
		snprintf(out, cap, "%s%u", tmpl, idx);
	}
}

const char *ue_impi(const struct ue *u, char *buf, size_t cap)
{
	indexed(buf, cap, u->cfg->impi, u->idx, u->cfg->n_ues > 1);
	return buf;
}

const char *ue_impu(const struct ue *u, char *buf, size_t cap)
{
	char impi[UE_STR];

	if (u->cfg->impu[0]) {
		indexed(buf, cap, u->cfg->impu, u->idx, u->cfg->n_ues > 1);
	} else {
		/* temporary public identity from the IMPI (TS 23.003 13.4) */
		snprintf(buf, cap, "sip:%s", ue_impi(u, impi, sizeof(impi)));
	}
	return buf;
}

static void new_call_id(struct ue *u)
{
	u->call_rand = rand64();
	u->from_tag = rand64();
}

/* The Call-ID of the request in flight (or of the registration). */
static const char *req_call_id(const struct ue *u, char *buf, size_t cap)
{
	snprintf(buf, cap, "%016" PRIx64 "-%u@imsue",
		 u->req_own_call_id ? u->req_rand : u->call_rand, u->idx);
	return buf;
}

int ue_init(struct ue *u, const struct ue_cfg *cfg, struct ue_net *net, unsigned int idx)
{
	/* two pairs of protected ports per UE, alternating; shared by all with --ue-prefix */
	uint16_t stride = cfg->prefix ? 0 : 4;
	int fd;

	memset(u, 0, sizeof(*u));
	u->cfg = cfg;
	u->net = net;
	u->idx = idx;
	u->udp_fd = -1;
	u->slot = UE_SPI_SLOTS - 1; /* the first offer takes slot 0 */
	u->sched_ms = UINT64_MAX;
	u->next_port = (uint16_t)(cfg->port_c + idx * stride);
	new_call_id(u);
	u->t_start_ms = ue_now_ms();
	if (cfg->prefix) {
		u->sip_port = cfg->sip_port;
		return ue_range_addr(&cfg->range, idx, &u->local);
	}
	u->local = cfg->local;
	u->sip_port = (uint16_t)(cfg->sip_port + idx);
	fd = ue_udp_open(&u->local, u->sip_port);
	if (fd < 0)
		return fd;
	u->udp_fd = fd;
	return 0;
}

void ue_fini(struct ue *u)
{
	ue_call_fini(u);
	ue_sa_set_destroy(&u->set_tmp);
	ue_sa_set_destroy(&u->set_new);
	ue_sa_set_destroy(&u->set_old);
	tx_release(u);
	if (u->udp_fd >= 0)
		close(u->udp_fd);
	u->udp_fd = -1;
}

static void fail(struct ue *u, int err, const char *fmt, const char *detail)
{
	ue_say(u, "error", "!! %s: %s%s%s", ue_cmd_name(u->cur), fmt, detail ? ": " : "",
	       detail ? detail : "");
	if (!u->failed)
		u->failed = err ? err : -EPROTO;
	u->state = UE_DONE;
	tx_release(u);
}

static bool slot_in_use(const struct ue *u, unsigned int slot)
{
	const struct ue_sa_set *sets[] = {&u->set_new, &u->set_old, &u->set_tmp};

	for (unsigned int i = 0; i < 3; i++)
		if (sets[i]->live && sets[i]->slot == slot)
			return true;
	return false;
}

/* Our Security-Client for these SPIs and ports: one ipsec-3gpp entry per offer. */
static int offer_format(const struct ue *u, uint32_t spi_uc, uint32_t spi_us, uint16_t port_uc,
			uint16_t port_us, char *buf, size_t cap)
{
	static struct sec_list l; /* large; one message at a time */
	const struct ue_cfg *c = u->cfg;
	int rc;

	sec_list_init(&l);
	for (unsigned int i = 0; i < c->n_offers; i++) {
		struct sec_mech *m = &l.mech[l.n++];

		memset(m, 0, sizeof(*m));
		strcpy(m->name, "ipsec-3gpp");
		m->supported = true;
		m->present = SEC_P_ALG | SEC_P_EALG | SEC_P_PROT | SEC_P_MOD | SEC_P_SPI_C |
			     SEC_P_SPI_S | SEC_P_PORT_C | SEC_P_PORT_S;
		snprintf(m->alg, sizeof(m->alg), "%s", c->offers[i].alg);
		snprintf(m->ealg, sizeof(m->ealg), "%s", c->offers[i].ealg);
		strcpy(m->prot, "esp");
		strcpy(m->mod, "trans");
		m->spi_c = spi_uc;
		m->spi_s = spi_us;
		m->port_c = port_uc;
		m->port_s = port_us;
	}
	rc = sec_list_format(&l, buf, cap);
	return rc < 0 ? rc : 0;
}

/*
 * Fresh SPIs (a slot no live set holds, ue_spi.h) and the other pair of
 * protected ports for a new Security-Client.
 */
static void new_offer(struct ue *u)
{
	const struct ue_cfg *c = u->cfg;
	uint16_t first = (uint16_t)(c->port_c + (c->prefix ? 0 : u->idx * 4));

	/* four slots, at most three live sets: one is always free */
	for (unsigned int k = 1; k <= UE_SPI_SLOTS; k++) {
		unsigned int slot = (u->slot + k) % UE_SPI_SLOTS;

		if (!slot_in_use(u, slot)) {
			u->slot = (uint8_t)slot;
			break;
		}
	}
	u->spi_uc = ue_spi(c->spi_base, u->idx, u->slot, false);
	u->spi_us = ue_spi(c->spi_base, u->idx, u->slot, true);
	/* ports of a live set must not be reused by the next one (33.203 7.4) */
	u->port_uc = u->next_port;
	u->port_us = (uint16_t)(u->next_port + (c->port_s - c->port_c));
	if (u->set_new.live &&
	    (u->set_new.port_uc == u->port_uc || u->set_new.port_us == u->port_us)) {
		u->port_uc = (uint16_t)(u->port_uc + 2);
		u->port_us = (uint16_t)(u->port_us + 2);
	}
	u->next_port = u->port_uc == first ? (uint16_t)(first + 2) : first;
}

static const char *ip_txt(const struct pcscf_addr *a, char *buf, size_t len)
{
	return addr_str(a, buf, len);
}

/* "192.0.2.1" or "[2001:db8::1]", for "host:port" in the step lines */
static const char *host_txt(const struct pcscf_addr *a, char *buf, size_t len)
{
	char ip[ADDR_STR_LEN];

	addr_str(a, ip, sizeof(ip));
	snprintf(buf, len, addr_is_v4(a) ? "%s" : "[%s]", ip);
	return buf;
}

static int transmit(struct ue *u)
{
	struct ue_tx *t = tx_of(u);

	if (!t->msg)
		return -EINVAL;
	if (!t->set && u->udp_fd >= 0)
		return ue_udp_send(u->udp_fd, &u->cfg->pcscf, u->cfg->pcscf_port, t->msg,
				   (size_t)t->len);
	if (!t->set)
		return ue_net_send_udp(u->net, &u->local, u->sip_port, &u->cfg->pcscf,
				       u->cfg->pcscf_port, t->msg, (size_t)t->len);
	return ue_net_send_esp(u->net, t->set->sa[UE_SA_UC_PS], &u->local, &u->cfg->pcscf,
			       t->set->port_uc, t->set->port_ps, t->msg, (size_t)t->len);
}

/* Build and send a request; through @set (its UE client -> P server SA) or unprotected. */
static int send_req(struct ue *u, const char *method, struct ue_sa_set *set, uint32_t expires,
		    const char *auth, const char *verify, uint64_t now)
{
	static char msg[UE_MSG_MAX]; /* one message at a time; the copy kept is exact */
	struct ue_tx *t = tx_of(u);
	char ip[ADDR_STR_LEN], pip[ADDR_STR_LEN + 2], uri[UE_STR + 8];
	char impi[UE_STR], impu[UE_STR + 8], call_id[48], tag[17], branch[24];
	char sec_client[512];
	bool reg = !strcmp(method, "REGISTER");
	struct ue_req r = {
		.method = method,
		.impi = ue_impi(u, impi, sizeof(impi)),
		.impu = ue_impu(u, impu, sizeof(impu)),
		.domain = u->cfg->domain,
		.local_ip = ip_txt(&u->local, ip, sizeof(ip)),
		.local_v6 = !addr_is_v4(&u->local),
		.via_port = set ? set->port_us : u->sip_port,
		.contact_port = u->port_us,
		.from_tag = tag,
		.branch = branch,
		.cseq = ++u->cseq,
		.expires = expires,
		.sec_verify = verify,
		.authorization = auth,
	};
	int rc, len;

	if (reg) {
		rc = offer_format(u, u->spi_uc, u->spi_us, u->port_uc, u->port_us, sec_client,
				  sizeof(sec_client));
		if (rc)
			return rc;
		r.sec_client = sec_client;
	}
	u->branch = rand64();
	snprintf(branch, sizeof(branch), "z9hG4bK%016" PRIx64, u->branch);
	snprintf(tag, sizeof(tag), "%016" PRIx64, u->from_tag);
	/* Out of the registration's dialog: a Call-ID of its own (RFC 3261 8.1.1.4). */
	u->req_own_call_id = !reg;
	if (!reg)
		u->req_rand = rand64();
	r.call_id = req_call_id(u, call_id, sizeof(call_id));
	if (!reg) {
		snprintf(uri, sizeof(uri), "sip:%s", u->cfg->domain);
		r.request_uri = uri;
	}
	len = ue_sip_build(&r, msg, sizeof(msg));
	if (len < 0)
		return len;
	tx_release(u);
	t->msg = malloc((size_t)len + 1);
	if (!t->msg)
		return -ENOMEM;
	memcpy(t->msg, msg, (size_t)len + 1);
	t->len = len;
	t->set = set;
	t->interval_ms = T1_MS;
	t->next_ms = now + T1_MS;
	u->protected_req = set != NULL;
	u->deadline_ms = now + (uint64_t)u->cfg->timeout_ms;

	if (u->cfg->quiet)
		return transmit(u);
	host_txt(&u->cfg->pcscf, pip, sizeof(pip));
	if (set)
		ue_say(u, "send", "-> %s (protected, spi 0x%08x, %u -> %s:%u) CSeq %u", method,
		       set->spi_ps, set->port_uc, pip, set->port_ps, u->cseq);
	else
		ue_say(u, "send", "-> %s (unprotected, %u -> %s:%u) CSeq %u", method, u->sip_port,
		       pip, u->cfg->pcscf_port, u->cseq);
	if (reg) {
		ue_say(u, "detail", "   Security-Client: %s", sec_client);
		if (verify)
			ue_say(u, "detail", "   Security-Verify: %s", verify);
		ue_say(u, "detail", "   Expires: %u", expires);
	}
	return transmit(u);
}

static void start_register(struct ue *u, uint32_t expires, uint64_t now)
{
	char auth[512], uri[UE_STR + 8], impi[UE_STR];
	const char *realm = u->cfg->realm[0] ? u->cfg->realm : u->cfg->domain;
	int rc;

	if (expires == 0 && u->set_new.live) {
		/* the set's own Security-Client: the same text formatted again */
		u->slot = u->set_new.slot;
		u->spi_uc = u->set_new.spi_uc;
		u->spi_us = u->set_new.spi_us;
		u->port_uc = u->set_new.port_uc;
		u->port_us = u->set_new.port_us;
	} else {
		new_offer(u);
	}
	/*
	 * A new REGISTER abandons any challenge left unanswered: its temporary
	 * set would never be confirmed. An initial registration (no SAs) also
	 * starts a new Call-ID: the previous attempt may still be pending at
	 * the registrar; re- and de-registrations keep it (RFC 3261 10.2).
	 */
	ue_sa_set_destroy(&u->set_tmp);
	if (!u->set_new.live && u->cseq) {
		new_call_id(u);
		u->cseq = 0;
	}
	snprintf(uri, sizeof(uri), "sip:%s", u->cfg->domain);
	/*
	 * 24.229 5.1.1.2.1: the Authorization of an unanswered REGISTER carries
	 * the IMPI and realm with empty nonce and response, so the S-CSCF
	 * knows whom to challenge even when the IMPU is a temporary one.
	 */
	ue_sip_auth_initial(ue_impi(u, impi, sizeof(impi)), realm, uri, auth, sizeof(auth));
	u->expires_req = expires;
	u->answered = false;
	/*
	 * Through established SAs (re- or de-registration, 24.229 5.1.1.4.1,
	 * 5.1.1.6.1): Security-Verify repeats the Security-Server of the set in
	 * use. A de-registration sets up nothing new, so it repeats the set's
	 * Security-Client instead of offering new SPIs and ports.
	 */
	rc = send_req(u, "REGISTER", u->set_new.live ? &u->set_new : NULL, expires, auth,
		      u->set_new.live ? u->set_new.sec_server : NULL, now);
	if (rc) {
		fail(u, rc, rc == -ENOSPC ? "cannot build REGISTER" : "cannot send REGISTER",
		     strerror(-rc));
		return;
	}
	u->state = UE_WAIT_401;
}

int ue_next(struct ue *u, uint64_t now)
{
	const struct ue_step *s;

	if (u->failed || u->step >= u->cfg->n_steps) {
		u->state = UE_DONE;
		return 1;
	}
	s = &u->cfg->steps[u->step++];
	tx_release(u);
	u->cur = s->cmd;
	ue_say(u, "command", "== %s", ue_cmd_name(s->cmd));
	switch (s->cmd) {
	case UE_CMD_REREGISTER:
	case UE_CMD_DEREGISTER:
		if (!u->set_new.live) {
			fail(u, -ENOTCONN, "not registered (no established SA set)", NULL);
			return 0;
		}
		start_register(u, s->cmd == UE_CMD_DEREGISTER ? 0 : u->cfg->expires, now);
		break;
	case UE_CMD_REGISTER:
	case UE_CMD_REGISTER_UNANSWERED:
	case UE_CMD_REGISTER_WRONG_RES:
		start_register(u, u->cfg->expires, now);
		break;
	case UE_CMD_SEND_OPTIONS:
	case UE_CMD_USE_NEW: {
		int rc;

		if (!u->set_new.live) {
			fail(u, -ENOTCONN, "not registered (no established SA set)", NULL);
			return 0;
		}
		rc = send_req(u, "OPTIONS", &u->set_new, 0, NULL, NULL, now);
		if (rc) {
			fail(u, rc, "cannot send OPTIONS", strerror(-rc));
			return 0;
		}
		u->state = UE_WAIT_OPT;
		break;
	}
	case UE_CMD_WAIT_FILE:
		ue_say(u, "wait", "   waiting for %s", s->path);
		u->wait_path = s->path;
		u->deadline_ms = now + 100;
		u->state = UE_SLEEP;
		break;
	case UE_CMD_CALL:
	case UE_CMD_CALL_CANCEL:
	case UE_CMD_MESSAGE:
	case UE_CMD_CALLS:
	case UE_CMD_MESSAGES:
		ue_call_cmd(u, s, now);
		break;
	case UE_CMD_WAIT:
		ue_say(u, "wait", "   waiting %u s", s->arg);
		u->deadline_ms = now + (uint64_t)s->arg * 1000;
		u->state = UE_SLEEP;
		break;
	}
	return 0;
}

/* 401: AKA, temporary SAs, and (unless told not to) the answer through them. */
static void on_401(struct ue *u, const struct ue_resp *r, uint64_t now)
{
	struct ue_challenge ch;
	struct ue_aka_out aka;
	char auth[1024], uri[UE_STR + 8], impi[UE_STR];
	struct ue_sa_set *t = &u->set_tmp;
	int rc;

	ue_say(u, "recv", "<- 401 Unauthorized (%s)",
	       u->protected_req ? "protected" : "unprotected");
	ue_say(u, "detail", "   Security-Server: %s", r->sec_server[0] ? r->sec_server : "(none)");
	if (u->answered) {
		fail(u, -EACCES, "challenged again after answering", NULL);
		return;
	}
	rc = ue_auth_parse(r->www_auth, strlen(r->www_auth), &ch);
	if (rc) {
		fail(u, rc, "unusable WWW-Authenticate", r->www_auth);
		return;
	}
	if (r->www_has_keys) {
		/* 24.229 5.2.2.1: P-CSCF must strip them; we carry on, but say so loudly */
		ue_say(u, "warning",
		       "   WARNING: the 401 still carries ck/ik (P-CSCF did not remove them)");
	}
	rc = ue_auth_check(u->cfg->k, u->cfg->opc, &ch, u->sqn_ms, u->have_sqn, &aka);
	if (rc == -EBADMSG) {
		fail(u, rc, "AUTN does not verify (MAC-A): network not authentic", NULL);
		goto out;
	}
	if (rc == -ESTALE) {
		fail(u, rc, "SQN not fresh (a USIM would answer with AUTS)", NULL);
		goto out;
	}
	if (rc) {
		fail(u, rc, "Milenage failed", strerror(-rc));
		goto out;
	}
	memcpy(u->sqn_ms, aka.sqn, 6);
	u->have_sqn = true;
	ue_say(u, "aka",
	       "   AUTN ok (MAC-A verified), SQN %02x%02x%02x%02x%02x%02x, RES/CK/IK derived",
	       u->sqn_ms[0], u->sqn_ms[1], u->sqn_ms[2], u->sqn_ms[3], u->sqn_ms[4], u->sqn_ms[5]);

	/* a second 401 (e.g. re-sync) replaces the temporary set */
	if (u->tx.set == t)
		u->tx.set = NULL;
	ue_sa_set_destroy(t);
	rc = ue_sa_from_server(t, r->sec_server, u->spi_uc, u->spi_us, u->port_uc, u->port_us,
			       u->cfg->offers, u->cfg->n_offers);
	if (rc) {
		fail(u, rc,
		     rc == -EPROTO ? "Security-Server chose algorithms we did not offer"
				   : "unusable Security-Server",
		     r->sec_server);
		goto out;
	}
	t->slot = u->slot;
	t->sec_server = strdup(r->sec_server);
	rc = t->sec_server ? ue_sa_set_create(t, &u->local, &u->cfg->pcscf, aka.ck, aka.ik)
			   : -ENOMEM;
	if (rc) {
		ue_sa_set_destroy(t);
		fail(u, rc, "cannot create SAs", strerror(-rc));
		goto out;
	}
	if (u->cfg->export_keys &&
	    ue_keys_export(u->cfg->export_keys, t, &u->local, &u->cfg->pcscf, aka.ck, aka.ik))
		ue_say(u, "warning", "   --export-sa-keys: cannot write %s", u->cfg->export_keys);
	ue_say(u, "sa",
	       "   temporary SAs (%s/%s): UE spi_uc=0x%08x spi_us=0x%08x port_uc=%u port_us=%u"
	       " -> P spi_pc=0x%08x spi_ps=0x%08x port_pc=%u port_ps=%u",
	       esp_auth_name(t->auth), esp_enc_name(t->enc), t->spi_uc, t->spi_us, t->port_uc,
	       t->port_us, t->spi_pc, t->spi_ps, t->port_pc, t->port_ps);

	if (u->cur == UE_CMD_REGISTER_UNANSWERED) {
		ue_say(u, "ok",
		       "   not answering the challenge (the P-CSCF's temporary set must expire)");
		u->state = UE_IDLE;
		goto out;
	}
	if (u->cur == UE_CMD_REGISTER_WRONG_RES) {
		aka.res[0] ^= 0xff; /* a RES the network did not expect */
		ue_say(u, "aka", "   answering with a WRONG RES on purpose");
	}
	snprintf(uri, sizeof(uri), "sip:%s", u->cfg->domain);
	rc = ue_auth_answer(ue_impi(u, impi, sizeof(impi)), uri, &ch, aka.res, sizeof(aka.res),
			    auth, sizeof(auth));
	if (rc < 0) {
		fail(u, rc, "cannot compute Digest response", strerror(-rc));
		goto out;
	}
	u->answered = true;
	rc = send_req(u, "REGISTER", t, u->expires_req, auth, t->sec_server, now);
	if (rc) {
		fail(u, rc, "cannot send protected REGISTER", strerror(-rc));
		goto out;
	}
	u->state = UE_WAIT_FINAL;
out:
	OPENSSL_cleanse(&aka, sizeof(aka));
}

static void on_200_register(struct ue *u, const struct ue_resp *r)
{
	long exp = r->contact_expires >= 0 ? r->contact_expires : r->expires;

	ue_say(u, "recv", "<- 200 OK (%s)", u->protected_req ? "protected" : "unprotected");
	ue_say(u, "detail", "   P-Associated-URI: %s",
	       r->p_assoc_uri[0] ? r->p_assoc_uri : "(none)");
	ue_say(u, "detail", "   Service-Route: %s",
	       r->service_route[0] ? r->service_route : "(none)");
	ue_say(u, "detail", "   Expires: %ld", exp);
	if (u->cur == UE_CMD_REGISTER_WRONG_RES) {
		fail(u, -EPROTO, "200 OK to a wrong RES (expected 403)", NULL);
		return;
	}
	if (u->expires_req == 0) {
		/* de-registered: every SA goes (the 200 OK itself came through them) */
		ue_sa_set_destroy(&u->set_tmp);
		ue_sa_set_destroy(&u->set_new);
		ue_sa_set_destroy(&u->set_old);
		ue_say(u, "ok", "   de-registered, all SAs deleted");
		u->state = UE_IDLE;
		return;
	}
	if (!u->answered || !u->set_tmp.live) {
		fail(u, -EPROTO, "200 OK without a challenge: no SAs were set up", NULL);
		return;
	}
	if (exp == 0) {
		fail(u, -EPROTO, "registration granted with Expires 0", NULL);
		return;
	}
	u->expires_granted = exp > 0 ? (uint32_t)exp : 0;
	ue_call_learn_route(u, r->service_route);
	/* 33.203 7.4: the previous new set is old until the new one is used */
	ue_sa_set_destroy(&u->set_old);
	u->set_old = u->set_new;
	u->set_new = u->set_tmp;
	memset(&u->set_tmp, 0, sizeof(u->set_tmp));
	u->registrations++;
	ue_say(u, "sa", "   registered: SA set spi_uc=0x%08x spi_us=0x%08x is now the new set%s",
	       u->set_new.spi_uc, u->set_new.spi_us,
	       u->set_old.live ? " (previous set kept as old until first use of the new)" : "");
	u->state = UE_IDLE;
}

static void on_sip(struct ue *u, const char *msg, size_t len, bool prot, uint64_t now);

void ue_on_sip(struct ue *u, const char *msg, size_t len, bool prot, uint64_t now)
{
	on_sip(u, msg, len, prot, now);
	if (u->state != UE_WAIT_401 && u->state != UE_WAIT_FINAL && u->state != UE_WAIT_OPT &&
	    u->state != UE_CALLING)
		tx_release(u);
}

static void on_sip(struct ue *u, const char *msg, size_t len, bool prot, uint64_t now)
{
	static struct ue_resp r;
	char method[32], call_id[48];
	int rc;

	rc = ue_sip_parse_response(msg, len, &r);
	if (rc) {
		if (!ue_sip_request_method(msg, len, method, sizeof(method)))
			ue_say(u, "recv", "<- %s request (%s): not handled by imsue, ignored",
			       method, prot ? "protected" : "unprotected");
		return;
	}
	if (r.cseq != u->cseq || strcmp(r.call_id, req_call_id(u, call_id, sizeof(call_id))))
		return; /* a late retransmission of an older answer */
	if (r.status < 200)
		return;
	if (u->state != UE_WAIT_401 && u->state != UE_WAIT_FINAL && u->state != UE_WAIT_OPT)
		return;
	if (u->protected_req && !prot)
		ue_say(u, "warning", "   WARNING: answer to a protected request came unprotected");

	if (u->state == UE_WAIT_OPT) {
		ue_say(u, "recv", "<- %d to OPTIONS (%s)", r.status,
		       prot ? "protected" : "unprotected");
		if (u->set_old.live) {
			ue_sa_set_destroy(&u->set_old);
			ue_say(u, "sa", "   new set used: old SA set deleted");
		}
		u->state = UE_IDLE;
		return;
	}
	if (!strcasecmp(r.cseq_method, "REGISTER") && r.status == 401 && u->state == UE_WAIT_401) {
		on_401(u, &r, now);
		return;
	}
	if (r.status == 200) {
		on_200_register(u, &r);
		return;
	}
	ue_say(u, "recv", "<- %d (%s)", r.status, prot ? "protected" : "unprotected");
	if (r.status == 503 && !strcasecmp(r.cseq_method, "REGISTER")) {
		ue_sa_set_destroy(&u->set_tmp); /* the challenge, if any, is void */
		if (ue_retry_later(u, msg, len, now))
			return;
	}
	if (u->cur == UE_CMD_REGISTER_WRONG_RES && u->answered && r.status == 403) {
		/* the network refused us: the temporary set is gone at P, drop ours */
		ue_sa_set_destroy(&u->set_tmp);
		ue_say(u, "ok", "   403 as expected for a wrong RES; temporary SAs deleted");
		u->state = UE_IDLE;
		return;
	}
	ue_sa_set_destroy(&u->set_tmp);
	fail(u, -EACCES, "registration refused", NULL);
}

void ue_on_timer(struct ue *u, uint64_t now)
{
	struct ue_tx *t = tx_of(u);

	ue_call_on_timer(u, now);
	switch (u->state) {
	case UE_SLEEP:
		if (now < u->deadline_ms)
			return;
		if (u->wait_path && access(u->wait_path, F_OK)) {
			u->deadline_ms = now + 100; /* look again */
			return;
		}
		u->wait_path = NULL;
		u->state = UE_IDLE;
		return;
	case UE_WAIT_401:
	case UE_WAIT_FINAL:
	case UE_WAIT_OPT:
		if (now >= u->deadline_ms) {
			char what[64];

			snprintf(what, sizeof(what), "no final response within %d ms",
				 u->cfg->timeout_ms);
			fail(u, -ETIMEDOUT, "timeout", what);
			return;
		}
		if (now >= t->next_ms) {
			/* timer E: T1, 2*T1, ... capped at T2 = 4 s */
			int rc = transmit(u);

			if (rc)
				ue_say(u, "warning", "   retransmission failed: %s", strerror(-rc));
			t->interval_ms = t->interval_ms * 2 > 4000 ? 4000 : t->interval_ms * 2;
			t->next_ms = now + t->interval_ms;
		}
		return;
	default:
		return;
	}
}

static uint64_t reg_deadline(const struct ue *u)
{
	const struct ue_tx *t = &u->tx;

	switch (u->state) {
	case UE_SLEEP:
		return u->deadline_ms;
	case UE_WAIT_401:
	case UE_WAIT_FINAL:
	case UE_WAIT_OPT:
		return t->next_ms < u->deadline_ms ? t->next_ms : u->deadline_ms;
	default:
		return UINT64_MAX;
	}
}

uint64_t ue_next_deadline(const struct ue *u)
{
	uint64_t r = reg_deadline(u), c = ue_call_deadline(u);

	return r < c ? r : c;
}

int ue_prepare_registered(struct ue *u)
{
	const struct ue_cfg *c = u->cfg;
	struct ue_sa_set *s = &u->set_new;
	uint64_t key[4];
	char ss[320];
	int rc;

	new_offer(u);
	memset(s, 0, sizeof(*s));
	s->slot = u->slot;
	s->spi_uc = u->spi_uc;
	s->spi_us = u->spi_us;
	s->port_uc = u->port_uc;
	s->port_us = u->port_us;
	s->spi_pc = 0x10000000u + 2 * u->idx; /* any: nothing is sent */
	s->spi_ps = s->spi_pc + 1;
	s->port_pc = 6100;
	s->port_ps = 6101;
	if (esp_auth_from_name(c->offers[0].alg, &s->auth) ||
	    esp_enc_from_name(c->offers[0].ealg, &s->enc))
		return -EINVAL;
	/* the length of what pcscfd answers: one mechanism, all parameters */
	snprintf(ss, sizeof(ss),
		 "ipsec-3gpp;q=0.1;alg=%s;ealg=%s;spi-c=%u;spi-s=%u;port-c=%u;port-s=%u;"
		 "prot=esp;mod=trans",
		 c->offers[0].alg, c->offers[0].ealg, s->spi_pc, s->spi_ps, s->port_pc, s->port_ps);
	s->sec_server = strdup(ss);
	if (!s->sec_server)
		return -ENOMEM;
	for (unsigned int i = 0; i < 4; i++)
		key[i] = rand64();
	rc = ue_sa_set_create(s, &u->local, &c->pcscf, (const uint8_t *)key,
			      (const uint8_t *)(key + 2));
	OPENSSL_cleanse(key, sizeof(key));
	if (rc) {
		ue_sa_set_destroy(s);
		return rc;
	}
	u->registrations = 1;
	return 0;
}

struct esp_sa *ue_find_inbound(struct ue *u, uint32_t spi, uint16_t *port)
{
	struct ue_sa_set *sets[] = {&u->set_new, &u->set_tmp, &u->set_old};

	for (unsigned int i = 0; i < 3; i++) {
		struct ue_sa_set *s = sets[i];

		if (!s->live)
			continue;
		if (s->spi_uc == spi) {
			*port = s->port_uc;
			return s->sa[UE_SA_PS_UC];
		}
		if (s->spi_us == spi) {
			*port = s->port_us;
			return s->sa[UE_SA_PC_US];
		}
	}
	return NULL;
}
