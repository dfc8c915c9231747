// SPDX-License-Identifier: GPL-2.0
/*
 * The signalling path status of each registration over Rx (reg_rx.h).
 *
 * When: at the 200 that registers the UE (and at each later 200 to its
 * REGISTER), an AAR with AF-Signalling-Protocol SIP, the two SIP flows of the
 * SA set as AF_SIGNALLING media sub-components (UE port_uc <-> our port_ps,
 * UE port_us <-> our port_pc) and Specific-Action INDICATION_OF_LOSS_OF_BEARER
 * / INDICATION_OF_RELEASE_OF_BEARER (TS 29.214 4.4.5a, 4.4.6.x). A refresh
 * through the same set sends nothing; a new set (re-authentication: new
 * port_pc, new UE ports) is an UPDATE_REQUEST of the same Rx session with
 * the new flows; a new UE address (a new IP-CAN session, which the PCRF
 * binds by Framed-IP-Address) ends the session (STR) and starts another.
 * The end of the registration: STR.
 *
 * A refused or unanswered AAR: counted (sig_failed), logged rate-limited,
 * the session dropped; the registration stays (the subscription serves the
 * P-CSCF, not the UE), and the next 200 to a REGISTER of the UE tries again.
 *
 * The PCRF reporting the signalling bearer lost (RAR with either action, or
 * ASR), TS 23.228 5.2.2: the UE's answered dialogs get BYE both ways (an
 * answer still waiting for its own AAA is refused 503, as for a media RAR;
 * a dialog not yet answered is left to its INVITE transaction), the Rx
 * session ends (STR), and terminating initial INVITEs to the UE are answered
 * 480 until it registers again (any 200 to its REGISTER) or the registration
 * ends. Other requests (MESSAGE, in-dialog requests) still go.
 *
 * State: one entry per registration index (--max-regs, allocated once,
 * calloc'ed: untouched pages stay free), found by the Rx handle through a
 * chained hash for the abort handler. Nothing is allocated per message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/outbuf.h"
#include "rx/rx.h"
#include "proxy/dlg_priv.h"
#include "proxy/reg_rx.h"
#include "reg/reg.h"

#define NONE	    UINT32_MAX
#define LOST_REASON "FAILURE_CAUSE;cause=2;text=\"Release of signalling bearer\""
#define SUBSCR_MAX  REG_URI_MAX

#define SIG_STATS(X)                                                                               \
	X(sig_aar)                                                                                 \
	X(sig_aar_update)                                                                          \
	X(sig_allowed)                                                                             \
	X(sig_failed) X(sig_str) X(sig_lost) X(sig_dialogs_released) X(term_refused_sig_lost)

struct sig_ent {
	uint64_t rx;	  /* rx_handle, 0 none */
	uint32_t gen;	  /* the registration's generation this entry is about; 0 none */
	uint32_t next;	  /* hash chain */
	uint32_t set_idx; /* the set whose flows the session holds */
	uint32_t set_gen;
	struct pcscf_addr ue_addr;
	uint8_t lost;	    /* signalling path lost: terminating INVITEs get 480 */
	uint8_t authorised; /* the PCRF accepted the subscription */
};

struct reg_rx {
	struct sig_ent *e;
	uint32_t n, hmask;
	uint32_t *bucket;
	struct {
#define F(f) uint64_t f;
		SIG_STATS(F)
#undef F
	} st;
};

static struct proxy *regrx_proxy; /* the Rx callbacks carry only a cookie */

static uint32_t bucket_of(const struct reg_rx *c, uint64_t rx)
{
	return (uint32_t)((rx >> 32) ^ (rx * 0x9E3779B97F4A7C15ull >> 40)) & c->hmask;
}

static void set_rx(struct reg_rx *c, uint32_t ri, uint64_t rx)
{
	struct sig_ent *e = &c->e[ri];
	uint32_t *pp;

	if (e->rx) {
		for (pp = &c->bucket[bucket_of(c, e->rx)]; *pp != NONE; pp = &c->e[*pp].next)
			if (*pp == ri) {
				*pp = e->next;
				break;
			}
	}
	e->rx = rx;
	e->authorised = 0;
	if (rx) {
		e->next = c->bucket[bucket_of(c, rx)];
		c->bucket[bucket_of(c, rx)] = ri;
	}
}

static uint32_t ri_by_rx(const struct reg_rx *c, uint64_t rx)
{
	for (uint32_t i = c->bucket[bucket_of(c, rx)]; i != NONE; i = c->e[i].next)
		if (c->e[i].rx == rx)
			return i;
	return NONE;
}

int reg_rx_init(struct proxy *p)
{
	uint32_t n = p->cfg.max_regs, nb = 1;
	struct reg_rx *c;

	if (!p->cfg.rx_sigpath || !n)
		return 0;
	while (nb < n)
		nb <<= 1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->e = calloc(n, sizeof(*c->e));
	c->bucket = malloc(nb * sizeof(*c->bucket));
	if (!c->e || !c->bucket) {
		free(c->e);
		free(c->bucket);
		free(c);
		return -ENOMEM;
	}
	memset(c->bucket, 0xff, nb * sizeof(*c->bucket));
	c->n = n;
	c->hmask = nb - 1;
	p->regrx = c;
	regrx_proxy = p;
	return 0;
}

void reg_rx_fini(struct proxy *p)
{
	if (!p->regrx)
		return;
	free(p->regrx->e);
	free(p->regrx->bucket);
	free(p->regrx);
	p->regrx = NULL;
	if (regrx_proxy == p)
		regrx_proxy = NULL;
}

/* STR (if the PCRF ever accepted it) and the entry's session gone. */
static void end_session(struct reg_rx *c, uint32_t ri)
{
	struct sig_ent *e = &c->e[ri];

	if (!e->rx)
		return;
	if (e->authorised)
		c->st.sig_str++;
	rx_session_terminate(e->rx);
	set_rx(c, ri, 0);
}

static void on_aaa(void *arg, rx_handle h, const struct rx_result *r)
{
	struct proxy *p = regrx_proxy;
	uint64_t cookie = (uint64_t)(uintptr_t)arg;
	uint32_t ri = cookie >> 32, gen = (uint32_t)cookie;
	struct reg_rx *c = p ? p->regrx : NULL;
	struct sig_ent *e;
	char ue[ADDR_STR_LEN];

	if (!c || ri >= c->n || c->e[ri].rx != h || c->e[ri].gen != gen)
		return;
	e = &c->e[ri];
	if (r->verdict == RX_ALLOW) {
		c->st.sig_allowed++;
		e->authorised = 1;
		return;
	}
	c->st.sig_failed++;
	pr_warn_rl("UE %s: signalling path status not subscribed (%s, result %u/%u): "
		   "registration kept, tried again at its next REGISTER",
		   addr_str(&e->ue_addr, ue, sizeof(ue)),
		   r->result_code || r->exp_result ? "refused" : "no PCRF answered", r->result_code,
		   r->exp_result);
	end_session(c, ri);
}

void reg_rx_registered(struct proxy *p, const char *impi)
{
	struct reg_rx *c = p->regrx;
	const struct reg *r = c ? reg_find(p->regs, impi) : NULL;
	const struct reg_sa_set *set;
	char subscr[SUBSCR_MAX] = "", ue[ADDR_STR_LEN];
	struct rx_sig_req q;
	struct sig_ent *e;
	rx_handle h;
	uint32_t ri;
	bool update;
	int err;

	if (!r || !r->registered)
		return;
	ri = reg_index_of(p->regs, r);
	if (ri >= c->n)
		return;
	e = &c->e[ri];
	if (e->gen != r->generation) {
		end_session(c, ri); /* an earlier registration's: cannot outlive its reg_gone */
		e->gen = r->generation;
	}
	e->lost = 0; /* a REGISTER from the UE: its signalling transport is back (23.228 5.2.2) */
	set = reg_set_of(p->regs, r, REG_SET_NEW);
	if (!set || !rx_running())
		return;
	if (e->rx && e->set_idx == set->index && e->set_gen == set->generation)
		return; /* a refresh through the same SAs: the same flows */
	if (e->rx && memcmp(&e->ue_addr, &set->ue_addr, sizeof(e->ue_addr)))
		end_session(c, ri); /* another address: another IP-CAN session at the PCRF */
	if (r->n_impus)
		sipm_bare_uri(r->impu[0], subscr, sizeof(subscr));
	q = (struct rx_sig_req){
		.ue_addr = set->ue_addr,
		.pcscf_addr = set->our_addr,
		.ue_port_pc = set->port_uc,
		.ue_port_ps = set->port_us,
		.pcscf_port_pc = set->port_pc,
		.pcscf_port_ps = set->port_ps,
		.subscription = subscr[0] ? subscr : NULL,
	};
	h = e->rx;
	update = h != 0;
	err = rx_signalling_subscribe(&h, &q, on_aaa,
				      (void *)(uintptr_t)((uint64_t)ri << 32 | r->generation));
	if (err) {
		c->st.sig_failed++;
		pr_warn_rl("%s (UE %s): signalling path AAR not sent: %s: registration kept", impi,
			   addr_str(&set->ue_addr, ue, sizeof(ue)), strerror(-err));
		if (update)
			end_session(c, ri); /* its flows are the old set's: no longer true */
		return;
	}
	if (update) {
		c->st.sig_aar_update++;
	} else {
		set_rx(c, ri, h);
		c->st.sig_aar++;
	}
	e->set_idx = set->index;
	e->set_gen = set->generation;
	e->ue_addr = set->ue_addr;
}

void reg_rx_gone(struct proxy *p, const struct reg *r)
{
	struct reg_rx *c = p->regrx;
	uint32_t ri;

	if (!c)
		return;
	ri = reg_index_of(p->regs, r);
	if (ri >= c->n || c->e[ri].gen != r->generation)
		return;
	end_session(c, ri);
	c->e[ri].gen = 0;
	c->e[ri].lost = 0;
}

/* TS 23.228 5.2.2 / 5.10.3.1: the UE's sessions are released by the network. */
static void release_dialogs(struct proxy *p, uint32_t ri, uint32_t gen)
{
	struct dlg_ctx *c = p->dlg;
	struct reg_rx *s = p->regrx;

	if (!c || !c->t.live)
		return;
	for (struct dlg *d = dlg_first_of_reg(&c->t, ri), *nx; d; d = nx) {
		nx = dlg_next_of_reg(&c->t, d);
		if (d->reg_gen != gen)
			continue;
		if (d->state == DLG_ACTIVE) {
			dlg_to_far(p, d, "BYE", LOST_REASON);
			dlg_bye_ue(p, d, LOST_REASON);
			dlg_end(p, d);
			s->st.sig_dialogs_released++;
		} else if (d->state == DLG_AUTHORIZING && d->held != DLG_NONE) {
			struct held *hb = &c->held[d->held];
			osip_message_t *msg;

			if (!sipm_parse(&msg, hb->text, hb->len)) {
				dlg_refuse(p, d, msg, &hb->to, 503, NULL);
				osip_message_free(msg);
				s->st.sig_dialogs_released++;
			}
		}
	}
}

bool reg_rx_on_abort(struct proxy *p, uint64_t h, int why)
{
	struct reg_rx *c = p->regrx;
	const struct reg *r;
	char ue[ADDR_STR_LEN];
	uint32_t ri;

	if (!c || !h || (ri = ri_by_rx(c, h)) == NONE)
		return false;
	c->st.sig_lost++;
	r = reg_by_index(p->regs, ri, c->e[ri].gen);
	pr_info_rl("%s (UE %s): the PCRF reports the signalling path lost (%s): its sessions "
		   "released, terminating INVITEs answered 480 until it registers again",
		   r ? r->impi : "?", addr_str(&c->e[ri].ue_addr, ue, sizeof(ue)),
		   why == RX_ABORT_ASR		     ? "ASR"
		   : why == RX_ABORT_BEARER_RELEASED ? "released"
						     : "lost");
	end_session(c, ri);
	if (!r)
		return true;
	c->e[ri].lost = 1;
	release_dialogs(p, ri, c->e[ri].gen);
	return true;
}

bool reg_rx_refuse(struct proxy *p, const struct reg *r, osip_message_t *msg)
{
	struct reg_rx *c = p->regrx;
	uint32_t ri;
	const char *tag;

	if (!c || !MSG_IS_INVITE(msg))
		return false;
	ri = reg_index_of(p->regs, r);
	if (ri >= c->n || !c->e[ri].lost || c->e[ri].gen != r->generation)
		return false;
	tag = dlg_tag_of(msg->to);
	if (tag && tag[0])
		return false; /* in an existing dialog: not a session request */
	c->st.term_refused_sig_lost++;
	pr_info_rl("terminating INVITE for %s: signalling path lost: 480", r->impi);
	return true;
}

void reg_rx_stats_render(const struct proxy *p, struct outbuf *o, bool json)
{
	const struct reg_rx *c = p->regrx;
	int i = 0;

	if (!c)
		return;
	outbuf_printf(o, json ? ",\"sigpath\":{" : "signalling path (Rx)\n");
#define R(f)                                                                                       \
	outbuf_printf(o, json ? "%s\"%s\":%llu" : "%s  %-32s %llu\n", json &&i++ ? "," : "", #f,   \
		      (unsigned long long)c->st.f);
	SIG_STATS(R)
#undef R
	if (json)
		outbuf_printf(o, "}");
}
