/* SPDX-License-Identifier: GPL-2.0 */
/*
 * imsue: an IMS UE emulator for the P-CSCF (TS 24.229 5.1.1, TS 33.203 7).
 *
 * Everything one UE knows lives in struct ue, so one process can drive many
 * UEs from one poll loop (load mode). What the UEs share (subscriber template,
 * P-CSCF address, offers, timers) is struct ue_cfg; the sockets they share
 * (raw ESP in and out) are struct ue_net.
 */
#ifndef IMSUE_UE_H
#define IMSUE_UE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp/esp.h"
#include "imsue/ue_range.h"
#include "pcscf_maps.h"
#include "sip/sec_agree.h"

#define UE_MAX_OFFERS 8
#define UE_MAX_CMDS   32
#define UE_MSG_MAX    4096
#define UE_STR	      160

struct ue_offer {
	char alg[SEC_TOKEN_MAX];
	char ealg[SEC_TOKEN_MAX];
};

enum ue_cmd {
	UE_CMD_REGISTER,	    /* initial registration, or re-registration when SAs exist */
	UE_CMD_REREGISTER,	    /* re-registration: requires established SAs */
	UE_CMD_REGISTER_UNANSWERED, /* 401 + temporary SAs, then never answer */
	UE_CMD_REGISTER_WRONG_RES,  /* answer the 401 with a wrong RES: expect 403 */
	UE_CMD_DEREGISTER,	    /* Expires: 0 through the SAs */
	UE_CMD_SEND_OPTIONS,	    /* a protected OPTIONS through the newest set */
	UE_CMD_USE_NEW,		    /* alias of send-options: first use of the new set */
	UE_CMD_WAIT,		    /* wait N seconds */
	UE_CMD_WAIT_FILE,	    /* wait until a file exists (scripts step the UE) */
	/* ue_call.c */
	UE_CMD_CALL,	    /* INVITE dialog: INVITE, 100/180/200, ACK, BYE, 200 */
	UE_CMD_CALL_CANCEL, /* INVITE, 180, CANCEL, 200 + 487, ACK */
	UE_CMD_MESSAGE,	    /* MESSAGE, 200 */
	UE_CMD_CALLS,	    /* N calls back to back */
	UE_CMD_MESSAGES,    /* N MESSAGEs back to back */
};

struct ue_step {
	enum ue_cmd cmd;
	unsigned int arg; /* wait: seconds; calls, messages: how many */
	const char *path; /* wait-file */
};

/* Shared by all UEs of the process. */
struct ue_cfg {
	char impi[UE_STR]; /* load mode: prefix, the UE index is appended */
	char impu[UE_STR]; /* "" = sip:IMPI (a real UE derives it from the ISIM) */
	char domain[UE_STR];
	char realm[UE_STR]; /* "" = domain */
	uint8_t k[16], opc[16];
	uint8_t amf[2]; /* informational: the AMF of the challenge is what MAC-A covers */
	struct ue_offer offers[UE_MAX_OFFERS];
	unsigned int n_offers;
	struct pcscf_addr local;
	uint16_t sip_port;	 /* unprotected port, 5060 */
	uint16_t port_c, port_s; /* first protected client/server ports */
	struct pcscf_addr pcscf;
	uint16_t pcscf_port;
	uint32_t expires;
	int timeout_ms;
	struct ue_step steps[UE_MAX_CMDS];
	unsigned int n_steps;
	unsigned int n_ues; /* > 1: load mode, identities and ports get the UE index */
	/*
	 * --ue-prefix: UE i at range address i, every UE on the same ports
	 * (sip_port, port_c, port_s); unprotected SIP through the shared socket.
	 */
	bool prefix;
	struct ue_range range;
	uint32_t spi_base; /* see ue_spi.h */
	bool json;
	bool quiet; /* load mode: no per-step lines */
	/* calls and MESSAGEs (ue_call.c) */
	char call_to[UE_STR];	  /* Request-URI and To of ours (default sip:callee@DOMAIN) */
	uint32_t answer_delay_ms; /* callee: 180 -> 200 */
	uint32_t hold_ms;	  /* caller: ACK -> BYE */
	const char *export_keys;  /* TEST ONLY: --export-sa-keys FILE (ue_keys.h) */
};

/* Our four SAs, named by who sends to whom (see ims-security.md). */
enum ue_sa_which {
	UE_SA_UC_PS = 0, /* outbound: UE client -> P server, port_uc -> port_ps, spi_ps */
	UE_SA_PS_UC = 1, /* inbound:  P server -> UE client, port_ps -> port_uc, spi_uc */
	UE_SA_US_PC = 2, /* outbound: UE server -> P client, port_us -> port_pc, spi_pc */
	UE_SA_PC_US = 3, /* inbound:  P client -> UE server, port_pc -> port_us, spi_us */
	UE_SA_COUNT = 4,
};

/*
 * One set of four SAs. Our Security-Client for it is not stored: it is
 * formatted again from the SPIs and ports (ue_offer_format), the same text.
 */
struct ue_sa_set {
	bool live;
	uint8_t slot; /* SPI slot (ue_spi.h) */
	enum esp_auth auth;
	enum esp_enc enc;
	uint32_t spi_uc, spi_us, spi_pc, spi_ps;
	uint16_t port_uc, port_us, port_pc, port_ps;
	char *sec_server; /* what P answered (heap, exact length): our Security-Verify */
	struct esp_sa *sa[UE_SA_COUNT];
};

enum ue_state {
	UE_IDLE,     /* between commands */
	UE_WAIT_401, /* sent a REGISTER without answer to a challenge */
	UE_WAIT_FINAL,
	UE_WAIT_OPT,
	UE_SLEEP,
	UE_DONE,
	UE_CALLING, /* a call or MESSAGE of ours in progress (ue_call.c) */
};

struct ue_net;

/*
 * The last request, kept for retransmission (RFC 3261 17.1.2.2, timer E):
 * on the heap while the transaction lasts, so idle UEs hold no message buffer.
 */
struct ue_tx {
	char *msg;
	int len;
	struct ue_sa_set *set; /* NULL: unprotected */
	uint64_t next_ms;
	unsigned int interval_ms;
};

/*
 * Everything one UE keeps between packets, kept small for a million of them:
 * identities and dialog identifiers are formatted from the index and random
 * numbers when a message is built, not stored as text.
 */
struct ue {
	const struct ue_cfg *cfg;
	struct ue_net *net; /* shared sockets */
	uint32_t idx;
	struct pcscf_addr local;
	uint16_t sip_port;
	int udp_fd; /* unprotected SIP bound to local:sip_port; -1: the shared socket */

	/* Security-Client of the registration in progress (repeated in the second REGISTER) */
	uint32_t spi_uc, spi_us;
	uint16_t port_uc, port_us;
	uint16_t next_port; /* next pair of protected ports to offer */
	uint8_t slot;	    /* SPI slot of spi_uc/spi_us */

	/* SA sets: established (newest), old (until the new one is used), temporary */
	struct ue_sa_set set_new, set_old, set_tmp;

	/* dialog-ish state: Call-ID "<call_rand>-<idx>@imsue" (RFC 3261 10.2: kept across
	 * REGISTERs); an OPTIONS gets a Call-ID of its own from req_rand */
	uint64_t call_rand, req_rand, from_tag, branch;
	bool req_own_call_id;
	uint32_t cseq;
	uint32_t expires_req;

	/* AKA */
	uint8_t sqn_ms[6]; /* highest SQN accepted, for the freshness check */
	bool have_sqn;

	/* command execution */
	uint8_t step;
	uint8_t state;	    /* enum ue_state */
	uint8_t cur;	    /* enum ue_cmd */
	bool protected_req; /* the outstanding request went through ESP */
	bool answered;	    /* the outstanding REGISTER answered a challenge */
	bool finished;	    /* counted by the loop as done */
	bool parked;	    /* on the loop's wait-file list (ue_wait.h), not the timer heap */
	uint64_t deadline_ms;
	uint64_t sched_ms;     /* time of our live entry in the timer heap, UINT64_MAX: none */
	const char *wait_path; /* UE_SLEEP until this file exists */
	uint64_t t_start_ms;
	int failed; /* 0, or negative errno of the first failure */
	unsigned int registrations;
	uint32_t expires_granted;
	uint16_t retries_503; /* ue_retry.c: 503 + Retry-After answers honoured */

	struct ue_tx tx;

	/* ue_call.c: our call or MESSAGE in progress, the callee's delayed 200 */
	char *service_route; /* of the last 200 to REGISTER (heap), NULL: none */
	uint32_t orig_left;  /* calls/messages N: how many still to make */
	uint32_t orig_dlg;   /* dialog reference (ue_dialog.h), 0: none */
	uint32_t ring_dlg;   /* callee dialog whose 200 waits, 0: none */
	uint8_t orig_kind;   /* enum ue_dlg_kind */
};

/* ue_retry.c: a 503 with Retry-After to a REGISTER: true when the command runs again later. */
bool ue_retry_later(struct ue *u, const char *msg, size_t len, uint64_t now);
int ue_retry_after_s(const char *msg, size_t len);
extern unsigned long ue_retries_503; /* all UEs */

/* ue.c: life cycle and the command state machine */
int ue_init(struct ue *u, const struct ue_cfg *cfg, struct ue_net *net, unsigned int idx);
void ue_fini(struct ue *u);
/* Start the next command; returns 1 when all are done. */
int ue_next(struct ue *u, uint64_t now);
/* A SIP message for this UE; @prot: came through ESP (inbound SA @which). */
void ue_on_sip(struct ue *u, const char *msg, size_t len, bool prot, uint64_t now);
void ue_on_timer(struct ue *u, uint64_t now);
/* When ue_on_timer() wants to run next (UINT64_MAX: nothing pending). */
uint64_t ue_next_deadline(const struct ue *u);
/* Inbound SA of this UE with @spi, or NULL. */
struct esp_sa *ue_find_inbound(struct ue *u, uint32_t spi, uint16_t *port);
/* IMPI / IMPU of this UE (from the templates and the index). */
const char *ue_impi(const struct ue *u, char *buf, size_t cap);
const char *ue_impu(const struct ue *u, char *buf, size_t cap);
/*
 * --prepare-only: the state of a registered UE (one live SA set with keys
 * derived from dummy CK/IK, a Security-Server string as pcscfd sends it),
 * without any packet, to measure memory per UE. 0 or -errno.
 */
int ue_prepare_registered(struct ue *u);

uint64_t ue_now_ms(void);
/* Step output: "-> ...", "<- ...", "   ..." lines, or JSON objects with --json. */
void ue_say(const struct ue *u, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

const char *ue_cmd_name(enum ue_cmd c);
int ue_cmd_parse(const char *s, enum ue_cmd *out);

#endif /* IMSUE_UE_H */
