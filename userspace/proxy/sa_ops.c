// SPDX-License-Identifier: GPL-2.0
/*
 * The registration table's side effects: an SA becomes ESP state (keys from
 * CK/IK, in locked memory inside the ESP engine) and, when inbound, an entry
 * in the classifier's SA map plus a slot the workers can reach. Map first on
 * install is wrong (a packet could arrive before the worker has the state),
 * so the order is: ESP state, slot, map. Removal goes the other way.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sodium.h>

#include "common/addr.h"
#include "common/log.h"
#include "esp/esp.h"
#include "xdp/xdp_maps.h"
#include "proxy/proxy.h"
#include "proxy/reg_event.h"
#include "proxy/tcp_esp.h"
#include "proxy/dlg_rx.h"
#include "proxy/reg_rx.h"

static void sa_params(const struct reg_sa_set *set, enum reg_sa_which which,
		      struct esp_sa_params *sp)
{
	bool in = reg_sa_inbound(which);
	uint16_t ue_port = reg_sa_ue_port(set, which);
	uint16_t our_port = which == REG_SA_PS || which == REG_SA_UC ? set->port_ps : set->port_pc;

	memset(sp, 0, sizeof(*sp));
	sp->spi = set->spi[which];
	sp->inbound = in;
	sp->family = addr_is_v4(&set->ue_addr) ? AF_INET : AF_INET6;
	memcpy(sp->src, in ? set->ue_addr.a : set->our_addr.a, 16);
	memcpy(sp->dst, in ? set->our_addr.a : set->ue_addr.a, 16);
	sp->sport = in ? ue_port : our_port;
	sp->dport = in ? our_port : ue_port;
}

static struct xdp_sa map_value(const struct reg_sa_set *set, enum reg_sa_which which)
{
	return (struct xdp_sa){
		.expires_ns = set->expires_ms * 1000000ull,
		.slot = reg_sa_slot(set, which),
		.generation = set->generation,
		.state = set->state,
		.ue_port = reg_sa_ue_port(set, which),
	};
}

/* The classifier's map, or a test's stand-in for it (proxy_io). */
static int map_put(struct proxy *p, const struct reg_sa_set *set, enum reg_sa_which which)
{
	struct xdp_sa v = map_value(set, which);

	if (p->io.sa_put)
		return p->io.sa_put(p, set->spi[which], &set->our_addr, &v);
	return xdp_sa_put(p->bpf, set->spi[which], &set->our_addr, &v);
}

static int map_del(struct proxy *p, uint32_t spi)
{
	return p->io.sa_del ? p->io.sa_del(p, spi) : xdp_sa_del(p->bpf, spi);
}

static int sa_install(void *ctx, struct reg_sa_set *set, enum reg_sa_which which,
		      const uint8_t ck[16], const uint8_t ik[16])
{
	struct proxy *p = ctx;
	struct esp_sa_params sp;
	struct esp_sa *sa;
	char ue[ADDR_STR_LEN];
	int err;

	sa_params(set, which, &sp);
	if (esp_auth_from_name(set->alg, &sp.auth) || esp_enc_from_name(set->ealg, &sp.enc))
		return -EINVAL;
	memcpy(sp.ck, ck, 16);
	memcpy(sp.ik, ik, 16);
	sa = esp_sa_create(&sp, &err);
	sodium_memzero(sp.ck, sizeof(sp.ck));
	sodium_memzero(sp.ik, sizeof(sp.ik));
	if (!sa) {
		pr_err_rl("SA spi 0x%08x (%s) for UE %s: ESP state: %s", set->spi[which],
		       reg_sa_name(which), addr_str(&set->ue_addr, ue, sizeof(ue)), strerror(-err));
		return err;
	}
	set->esp[which] = sa;
	if (!reg_sa_inbound(which)) {
		tcp_esp_sa_added(p, set, which); /* its TCP segments find it by their ports */
		return 0;
	}
	err = sa_slots_publish(&p->slots, reg_sa_slot(set, which), set->generation, sa);
	if (!err)
		err = map_put(p, set, which);
	if (err) {
		pr_err_rl("SA spi 0x%08x for UE %s: classifier map: %s", set->spi[which],
		       addr_str(&set->ue_addr, ue, sizeof(ue)), strerror(-err));
		sa_slots_retire(&p->slots, reg_sa_slot(set, which));
		set->esp[which] = NULL;
		return err;
	}
	return 0;
}

static int sa_update(void *ctx, const struct reg_sa_set *set, enum reg_sa_which which)
{
	struct proxy *p = ctx;
	int err;

	if (!reg_sa_inbound(which))
		return 0;
	err = map_put(p, set, which);
	if (err)
		pr_err_rl("SA spi 0x%08x: classifier map update: %s", set->spi[which], strerror(-err));
	return err;
}

static void sa_remove(void *ctx, struct reg_sa_set *set, enum reg_sa_which which)
{
	struct proxy *p = ctx;

	if (reg_sa_inbound(which)) {
		int err = map_del(p, set->spi[which]);

		if (err && err != -ENOENT)
			pr_err_rl("SA spi 0x%08x: classifier map delete: %s", set->spi[which],
			       strerror(-err));
		/* Workers may still hold it: destroyed (keys wiped) after a grace period. */
		sa_slots_retire(&p->slots, reg_sa_slot(set, which));
	} else {
		tcp_esp_sa_removed(p, set, which);
		esp_sa_destroy(set->esp[which]);
	}
	set->esp[which] = NULL;
}

static uint32_t random_u32(void *ctx)
{
	return randombytes_random();
}

/* Whatever ends a registration ends its reg-event subscription (reg_event.c). */
static void reg_gone(void *ctx, const struct reg *r)
{
	reg_event_reg_gone(ctx, r);
	dlg_reg_gone(ctx, r); /* dlg_rx.c: its dialogs' Rx sessions end */
	reg_rx_gone(ctx, r);  /* reg_rx.c: its signalling path session ends (STR) */
}

const struct reg_ops proxy_reg_ops = {
	.sa_install = sa_install,
	.sa_update = sa_update,
	.sa_remove = sa_remove,
	.random_u32 = random_u32,
	.reg_gone = reg_gone,
};
