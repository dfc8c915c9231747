// SPDX-License-Identifier: GPL-2.0
/*
 * freeDiameter as our Diameter base protocol (RFC 6733): it owns the peer
 * state machines (CER/CEA, DWR/DWA watchdog of RFC 3539, reconnection every
 * TcTimer, failover of pending requests, DPR at shutdown). We give it a
 * configuration file written from our flags, the Rx application to
 * advertise, and a routing callback that prefers the PCRFs in their
 * configured order, so requests go to the first open one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include "common/log.h"
#include "common/outbuf.h"
#include "rx/rx_priv.h"

#define RX_FD_EXT_DIR "/usr/lib/freeDiameter" /* Debian's freediameter-extensions */

int rx_cert_selfsigned(const char *cn, const char *cert_path, const char *key_path);

static const struct rx_config *dcfg;
static struct fd_rt_out_hdl *rt_hdl;
static char tmpdir[64];
static bool fd_up;

static void fd_logger(int lvl, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_level >= LOG_LVL_DEBUG)
		pr_debug("rx: freeDiameter: %s", line);
	else if (lvl >= FD_LOG_ERROR)
		pr_warn_rl("rx: freeDiameter: %s", line);
	else if (lvl >= FD_LOG_NOTICE)
		pr_info_rl("rx: freeDiameter: %s", line);
	else
		pr_debug("rx: freeDiameter: %s", line);
}

int rx_diam_peer_index(const char *host, size_t len)
{
	for (int i = 0; i < dcfg->npeers; i++)
		if (strlen(dcfg->peers[i].host) == len &&
		    !strncasecmp(dcfg->peers[i].host, host, len))
			return i;
	return -1;
}

/* Open PCRFs in configured order: the first gets the highest score. */
static int rt_prefer(void *cbdata, struct msg **pmsg, struct fd_list *candidates)
{
	for (struct fd_list *li = candidates->next; li != candidates; li = li->next) {
		struct rtd_candidate *c = (struct rtd_candidate *)li;
		int i = rx_diam_peer_index(c->diamid, c->diamidlen);

		if (i >= 0)
			c->score += RX_MAX_PEERS - i;
	}
	return 0;
}

static int write_conf(const struct rx_config *c, const char *path, const char *cert,
		      const char *key)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "Identity = \"%s\";\nRealm = \"%s\";\n", c->origin_host, c->origin_realm);
	/* Port 0: no server socket at all */
	fprintf(f, "ListenOn = \"%s\";\nPort = 0;\nSecPort = 0;\n", c->local_addr);
	/* the kernels we run on often lack SCTP; TCP is what every PCRF speaks */
	fprintf(f, "No_SCTP;\nNoRelay;\nTcTimer = %u;\nTwTimer = %u;\n", c->tc_s, c->tw_s);
	fprintf(f, "TLS_Cred = \"%s\", \"%s\";\nTLS_CA = \"%s\";\n", cert, key, cert);
	fprintf(f, "LoadExtension = \"" RX_FD_EXT_DIR "/dict_nasreq.fdx\";\n");
	fprintf(f, "LoadExtension = \"" RX_FD_EXT_DIR "/dict_dcca.fdx\";\n");
	fprintf(f, "LoadExtension = \"" RX_FD_EXT_DIR "/dict_dcca_3gpp.fdx\";\n");
	for (int i = 0; i < c->npeers; i++)
		fprintf(f,
			"ConnectPeer = \"%s\" { ConnectTo = \"%s\"; Port = %u; No_TLS; "
			"Realm = \"%s\"; };\n",
			c->peers[i].host, c->peers[i].addr, c->peers[i].port, c->dest_realm);
	if (fclose(f))
		return -EIO;
	return 0;
}

static void cleanup_tmp(void)
{
	static const char *const names[] = {"fd.conf", "cert.pem", "key.pem"};
	char p[128];

	if (!tmpdir[0])
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
		unlink(p);
	}
	rmdir(tmpdir);
	tmpdir[0] = '\0';
}

int rx_diam_start(const struct rx_config *c)
{
	char conf[128], cert[PATH_MAX + 1], key[PATH_MAX + 1];
	int err;

	dcfg = c;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pcscf-rx.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		tmpdir[0] = '\0';
		pr_err("rx: temporary directory: %s", strerror(errno));
		return -errno;
	}
	snprintf(conf, sizeof(conf), "%s/fd.conf", tmpdir);
	if (c->tls_cert[0]) {
		snprintf(cert, sizeof(cert), "%s", c->tls_cert);
		snprintf(key, sizeof(key), "%s", c->tls_key);
	} else {
		snprintf(cert, sizeof(cert), "%s/cert.pem", tmpdir);
		snprintf(key, sizeof(key), "%s/key.pem", tmpdir);
		err = rx_cert_selfsigned(c->origin_host, cert, key);
		if (err)
			goto fail;
	}
	err = write_conf(c, conf, cert, key);
	if (err) {
		pr_err("rx: writing %s: %s", conf, strerror(-err));
		goto fail;
	}
	fd_g_debug_lvl = log_level >= LOG_LVL_DEBUG ? FD_LOG_DEBUG : FD_LOG_NOTICE;
	fd_log_handler_register(fd_logger);
	err = -fd_core_initialize();
	if (err) {
		pr_err("rx: freeDiameter initialisation failed");
		goto fail;
	}
	fd_up = true;
	err = -fd_core_parseconf(conf);
	if (err) {
		pr_err("rx: freeDiameter refused its configuration");
		goto fail;
	}
	err = rx_msg_dict_init();
	if (!err)
		err = rx_msg_register_handlers();
	if (!err)
		err = -fd_rt_out_register(rt_prefer, NULL, 10, &rt_hdl);
	if (!err)
		err = -fd_core_start();
	if (!err)
		err = -fd_core_waitstartcomplete();
	if (err) {
		pr_err("rx: freeDiameter did not start: %s", strerror(err > 0 ? err : -err));
		goto fail;
	}
	cleanup_tmp(); /* the credentials are loaded; nothing reads the files again */
	return 0;
fail:
	rx_diam_stop();
	return err ? err : -EINVAL;
}

void rx_diam_stop(void)
{
	if (fd_up) {
		/* DPR to every open peer, then the threads end */
		fd_core_shutdown();
		fd_core_wait_shutdown_complete();
		fd_up = false;
	}
	cleanup_tmp();
}

static const char *peer_state(const struct rx_peer_cfg *p)
{
	struct peer_hdr *hdr = NULL;

	if (!fd_up || fd_peer_getbyid((DiamId_t)p->host, strlen(p->host), 1, &hdr) || !hdr)
		return "unknown";
	return STATE_STR(fd_peer_get_state(hdr));
}

void rx_diam_peers_render(struct outbuf *o, bool json)
{
	for (int i = 0; dcfg && i < dcfg->npeers; i++) {
		const struct rx_peer_cfg *p = &dcfg->peers[i];

		if (json)
			outbuf_printf(o,
				      "%s{\"host\":\"%s\",\"addr\":\"%s\",\"port\":%u,"
				      "\"state\":\"%s\"}",
				      i ? "," : "", p->host, p->addr, p->port, peer_state(p));
		else
			outbuf_printf(o, "  pcrf %-32s %s:%u %s\n", p->host, p->addr, p->port,
				      peer_state(p));
	}
}
