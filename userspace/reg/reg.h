/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Registration table and the TS 33.203 SA-set lifecycle (clause 7.1-7.4).
 *
 * Pure logic: no clock, no I/O. Every entry point takes now_ms (the daemon
 * passes CLOCK_MONOTONIC in ms, the clock bpf_ktime_get_ns uses) and every
 * side effect goes through struct reg_ops: installing an SA (ESP engine +
 * BPF map entry for the inbound ones), pushing a state/expiry change to the
 * map, removing an SA (which also wipes its keys), drawing random numbers.
 * Each event applies its transitions and calls the ops before it returns, so
 * every transition reaches the BPF maps before the next packet of that UE is
 * handled by the control thread.
 *
 * Concurrency: the table is owned by the control thread and has no locks.
 * Workers never touch it; they report "packet received on SPI x" through a
 * queue and the control thread calls reg_on_inbound_packet(). That single
 * owner is what makes REGISTER/de-REGISTER races impossible by construction.
 *
 * An SA set is the four unidirectional SAs of TS 33.203 7.1:
 *   which       direction  from -> to          SPI chosen by
 *   REG_SA_PS   inbound    port_uc -> port_ps  us (spi_ps)
 *   REG_SA_UC   outbound   port_ps -> port_uc  the UE (spi_uc)
 *   REG_SA_US   outbound   port_pc -> port_us  the UE (spi_us)
 *   REG_SA_PC   inbound    port_us -> port_pc  us (spi_pc)
 * A registration holds at most one TEMPORARY (after 401), one NEW
 * (established by 200) and one OLD set (the previous NEW after a
 * re-authentication, kept until the NEW set is first used or it expires).
 * A temporary set that carried a REGISTER which drew a new 401 (AUTS
 * re-synchronisation, an S-CSCF that re-challenges) is replaced by a new
 * temporary set but stays live, "superseded", for the 401 to leave through
 * it: until the new set is first used, the registration goes, or
 * dereg_grace_ms passes. A superseded set belongs to no registration role:
 * reg_of_set() does not return its registration, so nothing is accepted
 * through it.
 *
 * Sets are bound to their registration (set->reg), never found by UE
 * address: a registration may move to a new address (new PDN connection,
 * handover) by registering from there; at the 200 that promotes the set of
 * the new address, the sets at the old address go. Until that 200 the old
 * sets stay usable.
 *
 * Pending registrations (only a temporary set, never authenticated) are
 * capped by max_pending; at the cap the oldest pending registration is
 * evicted for a new one. Registered UEs' sets are never evicted.
 *
 * Timers: one min-heap of deadlines (set expiries, registration expiry,
 * de-registration grace), O(log n) per change, reg_tick() pops what is due.
 *
 * SPIs we choose (spi_ps, spi_pc): random from ops->random_u32, never 0 or
 * in the reserved 1-255 (RFC 4303 2.1), unique among all live inbound SAs of
 * the table, optionally with a node id in the top node_bits bits so several
 * nodes never hand out the same SPI (scale-out).
 *
 * Protected ports are shared by all UEs of the node (as commercial P-CSCFs
 * do): one port_ps for every registration, and port_pc drawn from a small
 * pool [pc_lo, pc_hi]. A new set takes the pool port after the last one
 * handed out that the registration's NEW and OLD sets do not hold, so a
 * re-authentication moves to another client port while port_ps stays
 * (33.203 7.4). A pool of one is allowed: re-authentication then reuses the
 * port; the SAs still differ by SPI. SAs are told apart by SPI only, and each
 * is bound to the UE's address, our address and both ports (the ESP engine's
 * selector check), so a UE cannot speak through another UE's SA nor on
 * another UE's ports. Nothing in the table is found by address or port.
 * Per-UE private ports are gone: they capped a node at ~30,000 UEs per
 * address and bought nothing the SPI and the selectors do not give.
 *
 * Identity of an SA for the data plane: slot = set index * 4 + which and the
 * set's generation (pcscf_xdp_meta.sa_slot, the worker's slot table); slots survive
 * reg_save()/reg_load() so BPF maps left pinned across a restart stay valid.
 */
#ifndef PCSCF_REG_H
#define PCSCF_REG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pcscf_maps.h"

#define REG_IMPI_MAX	     128 /* sizes include the NUL */
#define REG_URI_MAX	     256
#define REG_CONTACT_MAX	     512
#define REG_CALLID_MAX	     128
#define REG_SECHDR_MAX	     2560 /* Security-Client of 8 mechanisms, 2 KiB and more */
#define REG_ALG_MAX	     24
#define REG_MAX_IMPUS	     8
#define REG_MAX_ROUTES	     4
#define REG_MAX_SA_PER_DIR   6	   /* TS 33.203 7.2 note */
#define REG_SA_GRACE_MS	     30000 /* SA lifetime = registration expiry + 30 s */
#define REG_DEREG_GRACE_MS   8000  /* de-REGISTER's final response must go out by then */
#define REG_SPI_RESERVED_MAX 255
#define REG_NO_DEADLINE	     UINT64_MAX
#define REG_PC_POOL_MAX	     16 /* port_pc pool size at most: rotation needs 2-3 */

enum reg_set_state {
	REG_SET_TEMPORARY = PCSCF_SA_TEMPORARY,
	REG_SET_NEW = PCSCF_SA_NEW,
	REG_SET_OLD = PCSCF_SA_OLD,
};

enum reg_sa_which {
	REG_SA_PS = 0, /* inbound,  UE client -> P server */
	REG_SA_UC = 1, /* outbound, P server -> UE client */
	REG_SA_US = 2, /* outbound, P client -> UE server */
	REG_SA_PC = 3, /* inbound,  UE server -> P client */
	REG_SA_COUNT = 4,
};

struct reg_sa_set {
	uint32_t index;	     /* position in the set pool; slot = index * 4 + which */
	uint32_t generation; /* bumped each time the pool entry is reused */
	uint32_t reg;	     /* owning registration (index) */
	uint8_t live;
	uint8_t state;	   /* enum reg_set_state */
	uint8_t used;	   /* a packet arrived on an inbound SA since it became this state */
	uint8_t installed; /* bit per which: sa_install succeeded, sa_remove still owed */
	uint8_t census_cls; /* enum set_class it is counted in (reg_census.c) */
	struct pcscf_addr ue_addr; /* IPv4 as ::ffff:a.b.c.d */
	struct pcscf_addr our_addr;
	uint32_t spi[REG_SA_COUNT]; /* host order, indexed by enum reg_sa_which */
	uint16_t port_uc, port_us, port_pc, port_ps;
	char alg[REG_ALG_MAX];	/* "hmac-sha-1-96", "aes-gmac", "null", ... */
	char ealg[REG_ALG_MAX]; /* "aes-cbc", "null", ... */
	uint64_t expires_ms;
	uint64_t created_ms;
	void *esp[REG_SA_COUNT]; /* owned by the ops layer */
};

/*
 * Strings live in the table's string store (reg_strings.c), sized by what
 * they hold; the REG_*_MAX sizes above only bound them. A live
 * registration's string fields are never NULL ("" when absent) and stay
 * valid until the next event. call_id, sec_client and sec_server belong to
 * the pending REGISTER: they are kept while a temporary set exists (its
 * Security-Verify/Security-Client are checked against them) and go with it.
 */
struct reg {
	uint32_t generation; /* bumped each time the entry is reused: names it with its index */
	uint8_t live;
	uint8_t registered;    /* a 200 with expires > 0 seen and not expired */
	uint8_t dereg_pending; /* de-REGISTER 200 seen; sets go when it has been sent */
	uint8_t n_impus;
	uint8_t n_routes;
	uint8_t census_cls; /* enum reg_class it is counted in (reg_census.c); fills padding */
	uint16_t port_ps; /* reg_config.port_ps, kept across re-authentication */
	struct pcscf_addr ue_addr;
	uint64_t expires_ms;	    /* registration expiry (no +30 s) */
	uint64_t dereg_deadline_ms; /* valid while dereg_pending */
	const char *impi;
	const char *impu[REG_MAX_IMPUS];
	const char *route[REG_MAX_ROUTES];
	const char *contact;
	const char *call_id;	/* of the pending REGISTER */
	const char *sec_client; /* Security-Client the UE sent */
	const char *sec_server; /* Security-Server we sent: Security-Verify must match */
	int32_t set[3];	    /* set index by state - 1 (TEMPORARY, NEW, OLD); -1: none */
	int32_t superseded; /* replaced temporary set the last 401 leaves through; -1: none */
};

struct reg_ops {
	/*
	 * Create SA `which` of `set` from the AKA keys (the ESP engine derives
	 * IK_ESP/CK_ESP per alg/ealg) and store its handle in set->esp[which];
	 * inbound ones also go into the BPF SA map. Keys are not kept here.
	 */
	int (*sa_install)(void *ctx, struct reg_sa_set *set, enum reg_sa_which which,
			  const uint8_t ck[16], const uint8_t ik[16]);
	/* set->state or set->expires_ms changed: refresh the map value. */
	int (*sa_update)(void *ctx, const struct reg_sa_set *set, enum reg_sa_which which);
	/* Delete the map entry, wipe the keys, free set->esp[which]. Cannot fail. */
	void (*sa_remove)(void *ctx, struct reg_sa_set *set, enum reg_sa_which which);
	uint32_t (*random_u32)(void *ctx);
	/* Optional, after reg_load(): re-attach set->esp[which] from the key store. */
	int (*sa_restore)(void *ctx, struct reg_sa_set *set, enum reg_sa_which which);
	/*
	 * Optional: the registration is about to be forgotten (de-registered,
	 * expired, evicted, removed by the network, the table destroyed); its
	 * strings are still there. Must not call back into the table.
	 */
	void (*reg_gone)(void *ctx, const struct reg *r);
};

struct reg_config {
	uint32_t max_regs;	   /* required */
	uint32_t max_sets;	   /* 0: 3 * max_regs */
	uint16_t port_ps;	   /* our protected server port, shared by all UEs */
	uint16_t pc_lo, pc_hi;	   /* protected client port pool, inclusive, 1..16 ports */
	uint8_t node_bits;	   /* 0-8: top bits of our SPIs carry node_id */
	uint32_t node_id;
	uint32_t max_sa_per_dir; /* 0: REG_MAX_SA_PER_DIR */
	uint32_t dereg_grace_ms; /* 0: REG_DEREG_GRACE_MS */
	uint32_t spi_tries;	 /* random draws per SPI before -EAGAIN; 0: 64 */
	/*
	 * 0: our SPIs are random. Else the low spi_slot_bits bits of an inbound
	 * SPI are its entry of the classifier's SA array (reg_sa_map_index) and
	 * the bits between them and the node id a tag from the set's
	 * generation, so a reused entry gets an SPI other than its last
	 * (pcscfd: PCSCF_SPI_SLOT_BITS).
	 */
	uint8_t spi_slot_bits;
	uint32_t max_pending;	 /* unauthenticated registrations held; 0: no cap of their own */
	uint32_t pending_floor_ms; /* a pending registration younger than this is not evicted; 0: any */
};

/* The UE's half of the agreed mechanism (from its Security-Client). */
struct reg_ue_sec {
	uint32_t spi_uc, spi_us;
	uint16_t port_uc, port_us;
	const char *alg, *ealg;
};

/* What reg_on_401() allocated, for the Security-Server header. */
struct reg_alloc {
	uint32_t spi_pc, spi_ps;
	uint16_t port_pc, port_ps;
};

struct reg_table;

/*
 * Table life. init allocates the fixed tables (calloc'ed: pages are touched
 * only as entries are used); strings are allocated as registrations hold them.
 */
int reg_table_init(struct reg_table **tp, const struct reg_config *cfg, const struct reg_ops *ops,
		   void *ops_ctx);
/* Removes every live SA through ops (exactly once each), then frees. */
void reg_table_destroy(struct reg_table *t);
uint32_t reg_count(const struct reg_table *t);
uint32_t reg_set_count(const struct reg_table *t);

/*
 * Events. 0 or negative errno; on error the table is unchanged. reg_on_401's
 * "busy" errors: -ENOSPC registration table full, -EDQUOT pending cap with
 * its oldest younger than the floor, -ENOBUFS set pool full, -EMLINK the
 * UE's SA limit (TS 33.203 7.2), -EAGAIN no free SPI, -EBUSY its
 * de-registration still being answered.
 */
int reg_on_401(struct reg_table *t, const char *impi, const struct pcscf_addr *ue_addr,
	       const struct pcscf_addr *our_addr, const struct reg_ue_sec *ue, const uint8_t ck[16],
	       const uint8_t ik[16], uint64_t reg_await_auth_ms, uint64_t now_ms,
	       struct reg_alloc *out);
/* Remember the pending REGISTER's Call-ID and the sec-agree headers (NULL: keep). */
int reg_set_pending(struct reg_table *t, const char *impi, const char *call_id,
		    const char *sec_client, const char *sec_server);
int reg_on_200_register(struct reg_table *t, const char *impi, uint32_t expires_s,
			const char *const *impus, unsigned int n_impus, const char *const *routes,
			unsigned int n_routes, const char *contact, uint64_t now_ms);
int reg_on_dereg_response_sent(struct reg_table *t, const char *impi, uint64_t now_ms);
int reg_on_auth_failure(struct reg_table *t, const char *impi, uint64_t now_ms);
static inline int reg_on_403(struct reg_table *t, const char *impi, uint64_t now_ms)
{
	return reg_on_auth_failure(t, impi, now_ms);
}
int reg_on_inbound_packet(struct reg_table *t, uint32_t spi, uint64_t now_ms);
/*
 * The network ended the registration (a reg-event NOTIFY, RFC 3680): every
 * set and the registration go now. No answer of ours goes through the SAs.
 */
int reg_on_network_dereg(struct reg_table *t, const char *impi, uint64_t now_ms);
/* Expire what is due; returns the next deadline (ms) or REG_NO_DEADLINE. */
uint64_t reg_tick(struct reg_table *t, uint64_t now_ms);

/* Lookups: NULL when absent. Pointers stay valid until the next event. */
const struct reg *reg_find(const struct reg_table *t, const char *impi);
const struct reg_sa_set *reg_find_sa(const struct reg_table *t, uint32_t spi,
				     enum reg_sa_which *which);
const struct reg_sa_set *reg_set_of(const struct reg_table *t, const struct reg *r,
				    enum reg_set_state state);
const struct reg_sa_set *reg_sa_by_slot(const struct reg_table *t, uint32_t slot,
					uint32_t generation);
/*
 * The registration a set carries traffic for, O(1): NULL when the set is not
 * live or no longer holds a role in it (superseded). Who sent a protected
 * request is decided by this, never by the UE address.
 */
const struct reg *reg_of_set(const struct reg_table *t, const struct reg_sa_set *set);
/*
 * A registration's place and generation name it across events (the token of
 * our Path entry): reg_by_index returns it only while that generation lives.
 */
uint32_t reg_index_of(const struct reg_table *t, const struct reg *r);
const struct reg *reg_by_index(const struct reg_table *t, uint32_t ri, uint32_t generation);
/*
 * The registration whose live set binds UE address ue and protected server
 * port port_us (a terminating request's Request-URI), O(1) expected; NULL
 * when no set with a role does. Two UEs behind one address on the same port
 * cannot be told apart this way: the first found is returned.
 */
const struct reg *reg_find_contact(const struct reg_table *t, const struct pcscf_addr *ue,
				   uint16_t port_us);

/* Memory held, for budgets and benchmarks (bytes). */
struct reg_mem {
	size_t record_bytes;	 /* sizeof(struct reg) */
	size_t set_bytes;	 /* sizeof(struct reg_sa_set) */
	size_t strings_held;	 /* in chunks holding strings now */
	size_t strings_reserved; /* slabs obtained for strings (held + free chunks) */
};
void reg_mem_usage(const struct reg_table *t, struct reg_mem *m);

/*
 * Census (reg_census.c): registrations and SA sets by state, counted as they
 * change, read in O(1). An SA set is four SAs, two inbound.
 */
enum reg_class {
	REG_CLS_NONE,
	REG_CLS_PENDING,	/* a challenge unanswered, never registered */
	REG_CLS_REGISTERED,
	REG_CLS_DEREGISTERING,	/* de-REGISTER answered, its sets go when the 200 is out */
	REG_CLS_UNREGISTERED,	/* live but not registered: expired, sets outlasting it */
	REG_CLS_N,
};
enum set_class {
	SET_CLS_NONE,
	SET_CLS_TEMPORARY,
	SET_CLS_NEW,
	SET_CLS_OLD,
	SET_CLS_SUPERSEDED, /* a replaced temporary set a re-challenge's 401 leaves through */
	SET_CLS_N,
};
struct reg_census {
	uint32_t regs[REG_CLS_N];
	uint32_t sets[SET_CLS_N];
};
void reg_census_get(const struct reg_table *t, struct reg_census *out);
/* The same by walking the table (tests compare the two). */
void reg_census_scan(const struct reg_table *t, struct reg_census *out);
const char *reg_class_name(unsigned int c);
const char *set_class_name(unsigned int c);

/*
 * Would a REGISTER of impi find room (reg_on_401 for a newcomer)? 0 (known
 * IMPI, a free entry, or a pending registration old enough to evict), or
 * -EDQUOT (pending cap, its oldest younger than the floor), -ENOSPC (table
 * full of registered UEs and young pending ones). Changes nothing.
 */
int reg_admit(const struct reg_table *t, const char *impi, uint64_t now_ms);

/* Pending (unauthenticated) registrations now, and how many were evicted at the cap. */
uint32_t reg_pending_count(const struct reg_table *t);
uint64_t reg_pending_evictions(const struct reg_table *t);

static inline uint32_t reg_sa_slot(const struct reg_sa_set *s, enum reg_sa_which which)
{
	return s->index * REG_SA_COUNT + which;
}
/*
 * Entry of an inbound SA in the classifier's SA array: two per set (PS, PC)
 * after REG_SA_MAP_BASE, which keeps our SPIs out of the reserved 0-255 at
 * any tag. reg_sa_map_entries() is the array size a table needs. The
 * classifier maps the index back to reg_sa_slot() (pcscf_sa_key_slot).
 */
#define REG_SA_MAP_BASE PCSCF_SA_MAP_BASE
static inline uint32_t reg_sa_map_index(const struct reg_sa_set *s, enum reg_sa_which which)
{
	return REG_SA_MAP_BASE + s->index * 2 + (which == REG_SA_PC);
}
static inline uint32_t reg_sa_map_entries(const struct reg_config *cfg)
{
	return REG_SA_MAP_BASE + 2 * (cfg->max_sets ? cfg->max_sets : 3 * cfg->max_regs);
}
static inline bool reg_sa_inbound(enum reg_sa_which which)
{
	return which == REG_SA_PS || which == REG_SA_PC;
}
/* The UE port an SA is bound to. */
static inline uint16_t reg_sa_ue_port(const struct reg_sa_set *s, enum reg_sa_which which)
{
	return which == REG_SA_PS || which == REG_SA_UC ? s->port_uc : s->port_us;
}
const char *reg_state_name(unsigned int state);
const char *reg_sa_name(enum reg_sa_which which);

/* Iteration for pcscfctl. A callback returning non-zero stops it; that value is returned. */
struct reg_sa_row {
	const char *impi;
	uint32_t spi;
	enum reg_sa_which which;
	const char *dir; /* "in" / "out" */
	const struct pcscf_addr *ue_addr, *our_addr;
	uint16_t src_port, dst_port; /* of the SA's traffic */
	const char *state;	     /* "temporary", "new", "old" */
	const char *alg, *ealg;
	int64_t expires_in_ms;
	bool used;
	uint32_t slot, generation;
};
struct reg_row {
	const struct reg *reg;
	int64_t expires_in_ms; /* registration; <= 0: not registered */
	unsigned int n_sets;
};
typedef int (*reg_sa_cb)(const struct reg_sa_row *row, void *ctx);
typedef int (*reg_cb)(const struct reg_row *row, void *ctx);
int reg_sa_foreach(const struct reg_table *t, uint64_t now_ms, reg_sa_cb cb, void *ctx);
int reg_foreach(const struct reg_table *t, uint64_t now_ms, reg_cb cb, void *ctx);
/* The same walks from *pos (0 to start), resumable: streamed control replies. */
int reg_sa_foreach_from(const struct reg_table *t, uint64_t now_ms, uint64_t *pos, reg_sa_cb cb,
			void *ctx);
int reg_foreach_from(const struct reg_table *t, uint64_t now_ms, uint64_t *pos, reg_cb cb,
		     void *ctx);
/* The positions where r's rows start in those walks (a filter by IMPI starts there). */
uint64_t reg_sa_pos_of(const struct reg_table *t, const struct reg *r);
uint64_t reg_pos_of(const struct reg_table *t, const struct reg *r);

/* JSON for pcscfctl --json (reg_json.c): length written, or -ENOSPC. */
int reg_sa_list_json(const struct reg_table *t, uint64_t now_ms, char *buf, size_t cap);
int reg_list_json(const struct reg_table *t, uint64_t now_ms, char *buf, size_t cap);
/* One registration as a JSON object (preceded by a comma unless first), for streamed lists. */
int reg_row_json(const struct reg_row *row, bool first, char *buf, size_t cap);
/* s as a quoted, escaped JSON string (IMPIs and contacts come off the wire). */
int reg_json_string(const char *s, char *buf, size_t cap);

/*
 * Save/restore (reg_save.c): versioned little-endian binary image of every
 * registration and set, without key material (the ops layer keeps keys).
 * reg_save() returns the length or -ENOSPC; reg_save_size() the exact length.
 * reg_load() needs an empty table of the same geometry, validates the whole
 * image before applying any of it (-EBADMSG, -EINVAL, -ENOSPC), puts each set
 * back in its slot with its generation, then calls ops->sa_restore per SA if
 * set: a set whose restore fails is removed and the first error returned.
 */
#define REG_SAVE_MAGIC	 "PCSCFREG"
#define REG_SAVE_VERSION 2 /* 2: shared protected ports */
size_t reg_save_size(const struct reg_table *t);
ssize_t reg_save(const struct reg_table *t, uint64_t now_ms, void *buf, size_t cap);
int reg_load(struct reg_table *t, const void *buf, size_t len, uint64_t now_ms);

#endif /* PCSCF_REG_H */
