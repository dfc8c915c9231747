/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the ESP module shared between its files. Nothing outside
 * userspace/esp/ includes this.
 */
#ifndef PCSCF_ESP_PRIV_H
#define PCSCF_ESP_PRIV_H

#include <stdint.h>
#include <stddef.h>

#include "common/key_arena.h"
#include "esp/esp.h"

#define ESP_HDR_LEN 8 /* SPI + sequence number */
#define ESP_TRAILER 2 /* pad length + next header */
#define ESP_MAX_IV  16
#define ESP_MAX_ICV 16

/* How the transform pair is computed; chosen once at SA creation. */
enum esp_kind {
	ESP_KIND_HMAC,	 /* HMAC-*-96 with NULL or a CBC cipher: encrypt-then-MAC */
	ESP_KIND_GCM,	 /* RFC 4106 */
	ESP_KIND_GMAC,	 /* RFC 4543: GCM with everything as AAD */
	ESP_KIND_CHACHA, /* RFC 7634 */
};

struct esp_xform {
	enum esp_kind kind;
	uint8_t iv_len;
	uint8_t align; /* ciphertext + trailer is a multiple of this (cipher block, else 4) */
	uint8_t icv_len;
	uint8_t enc_key_len, auth_key_len, salt_len;
};

int esp_xform_get(enum esp_auth a, enum esp_enc e, struct esp_xform *x);

/* Replay window: RFC 4303 3.4.3, bitmap in 64-bit blocks kept as a ring (RFC 6479). */
struct esp_replay {
	uint32_t top;	 /* highest sequence number accepted, 0 before the first */
	uint32_t size;	 /* window size in packets */
	uint32_t nwords; /* ring length: ceil(size / 64) + 1 spare block */
	uint64_t bits[ESP_REPLAY_MAX / 64 + 1];
};

int esp_replay_init(struct esp_replay *r, uint32_t size);
/* 0 when seq may be accepted, -EALREADY (seen) or -ERANGE (too old / zero). No update. */
int esp_replay_check(const struct esp_replay *r, uint32_t seq);
/* Mark seq seen; call only after the packet passed every check. */
void esp_replay_update(struct esp_replay *r, uint32_t seq);

/* Outer header of a received packet. */
struct esp_frame {
	int family;	  /* AF_INET or AF_INET6 */
	size_t l3_len;	  /* IP header incl. options / extension headers; ESP starts here */
	size_t end;	  /* end of the IP packet (total length), <= buffer length */
	size_t proto_off; /* byte that carries protocol 50 (IPv4 protocol or last next header) */
	const uint8_t *src, *dst;
};

int esp_frame_parse(const uint8_t *pkt, size_t len, struct esp_frame *f);
/* The same checks for a packet whose ESP header and protocol byte offsets are known. */
int esp_frame_at(const uint8_t *pkt, size_t len, size_t esp_off, size_t proto_off,
		 struct esp_frame *f);
/* Compare the packet's outer addresses with v4-mapped / IPv6 ones: 0 on match. */
int esp_frame_addr_match(const struct esp_frame *f, const uint8_t src[16], const uint8_t dst[16]);
size_t esp_frame_outer_len(int family);
/* Write an outer header for payload_len bytes of protocol proto. */
void esp_frame_build(uint8_t *out, int family, const uint8_t src[16], const uint8_t dst[16],
		     size_t payload_len, uint8_t proto, uint16_t ip_id);
/* After decap moved the header up against the inner segment: set protocol and lengths. */
void esp_frame_fix(uint8_t *ip, const struct esp_frame *f, uint8_t proto, size_t l4_len);
uint16_t esp_ipv4_csum(const uint8_t *hdr, size_t len);

/*
 * Key material of one SA, in a key arena block (locked, not dumped, wiped on
 * free). The HMAC inner/outer states after the padded key block (RFC 2104)
 * are kept as their chaining values only (five words for SHA-1, four for
 * MD5): after exactly one block the rest of a SHA_CTX/MD5_CTX is implied,
 * so esp_hmac.c rebuilds the context on the stack, and a block is 128 bytes
 * instead of 320 (a million UEs' four SAs: 0.5 instead of 1.3 GB locked).
 */
struct esp_secret {
	struct esp_keys k;
	uint32_t hi[5], ho[5];
};

_Static_assert(sizeof(struct esp_secret) <= KEY_ARENA_BLOCK, "SA secrets outgrew an arena block");

int esp_hmac_init(struct esp_secret *s, enum esp_auth a);
void esp_hmac96_run(const struct esp_secret *s, enum esp_auth a, const uint8_t *data, size_t len,
		    uint8_t out[12]);

/*
 * One SA: a couple of hundred bytes of heap, its secrets in a key arena
 * block. No cipher context of its own (per thread, esp_crypto.c), no IV pool
 * of its own (per thread, esp_out.c); the replay window is last and only as
 * long as its size needs (outbound SAs have none): esp_sa_alloc_size().
 */
struct esp_sa {
	uint32_t spi;
	bool inbound;
	int family;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	enum esp_auth auth;
	enum esp_enc enc;
	struct esp_xform x;

	struct esp_secret *sec; /* key arena: locked, wiped on destroy */
	uint64_t key_id;	/* unique per SA created: which key a thread's cipher context holds */

	/* outbound */
	uint32_t seq;	/* last sequence number sent */
	bool exhausted; /* sent 2^32-1: the SA must be replaced */
	uint16_t ip_id;
	uint64_t iv_base; /* counter IVs start at a random point, see esp_out.c */

	struct esp_sa_stats st;
	size_t alloc_len; /* bytes allocated for this struct (wiped on destroy) */

	/* inbound; last: bits[] allocated for replay.nwords blocks only */
	struct esp_replay replay;
};

/* Bytes of struct esp_sa with a replay window of window packets (0: none). */
size_t esp_sa_alloc_size(uint32_t window);

int esp_crypto_init(struct esp_sa *sa);
/*
 * esp points at the ESP header; header and IV are written, the plaintext
 * (payload, padding, trailer) is the n bytes after the IV. Encrypts in place
 * and writes the ICV right after it.
 */
int esp_crypto_seal(struct esp_sa *sa, uint8_t *esp, size_t n);
/* One-shot HMAC-SHA-1-96 / HMAC-MD5-96 through EVP_MAC, any key length (KATs, control path). */
int esp_hmac96(enum esp_auth a, const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
	       uint8_t out[12]);
/* AES-GCM/GMAC on the SA's keyed context with an explicit 12-byte nonce (also for KATs). */
int esp_crypto_gcm_seal(struct esp_sa *sa, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
			uint8_t *buf, size_t n, uint8_t *tag);
int esp_crypto_gcm_open(struct esp_sa *sa, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
			uint8_t *buf, size_t n, const uint8_t *tag);
/* Inverse: checks the ICV (constant time) then decrypts in place. -EBADMSG or -EPROTO. */
int esp_crypto_open(struct esp_sa *sa, uint8_t *esp, size_t n);

static inline uint32_t esp_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void esp_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void esp_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline uint16_t esp_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#endif /* PCSCF_ESP_PRIV_H */
