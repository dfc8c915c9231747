/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace ESP (RFC 4303), transport mode, for the IMS access SAs of
 * TS 33.203. The host kernel has no ESP, so the AF_XDP workers call
 * esp_decap()/esp_encap() on every protected packet.
 *
 * Threading: an SA is single-writer. Its replay window, sequence counter,
 * statistics and crypto contexts are not locked, so one worker (the one that
 * owns the rx queue, or the one that sends for this SA) must be the only
 * caller of esp_decap()/esp_encap() on a given SA at a time. Different SAs
 * may be used from different threads freely.
 *
 * Errors are negative errno values. esp_decap() returns, and counts:
 *   -EINVAL   malformed: bad outer header, truncated, not ESP, bad length  (malformed)
 *   -ENOENT   SPI of the packet is not this SA's                           (bad_spi)
 *   -EALREADY duplicate sequence number inside the window                  (replay)
 *   -ERANGE   sequence number left of the window, or zero                  (replay)
 *   -EBADMSG  ICV mismatch                                                 (auth_fail)
 *   -EPROTO   decryption failed, or bad padding / pad length               (decrypt_err)
 *   -EACCES   outer addresses, inner transport or ports not the SA's       (selector)
 * esp_encap() returns -ENOSPC once the sequence number space is used up
 * (counted in seq_exhausted), -EMSGSIZE when the output does not fit and
 * -EACCES when the segment's ports are not the SA's.
 */
#ifndef PCSCF_ESP_H
#define PCSCF_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum esp_auth {
	ESP_AUTH_NULL,
	ESP_AUTH_HMAC_SHA1_96,
	ESP_AUTH_HMAC_MD5_96,
	ESP_AUTH_AES_GMAC,
};

enum esp_enc {
	ESP_ENC_NULL,
	ESP_ENC_AES_CBC,
	ESP_ENC_DES_EDE3_CBC,
	ESP_ENC_AES_GCM,
	ESP_ENC_CHACHA20_POLY1305,
};

/* Names as in the Security-Client/Server headers (33.203 annex H). */
int esp_auth_from_name(const char *s, enum esp_auth *out);
int esp_enc_from_name(const char *s, enum esp_enc *out);
const char *esp_auth_name(enum esp_auth a);
const char *esp_enc_name(enum esp_enc e);
/* 0 when the pair may form an SA, -EINVAL otherwise (e.g. aes-gcm needs alg=null). */
int esp_alg_check(enum esp_auth a, enum esp_enc e);

#define ESP_REPLAY_DEFAULT 64
#define ESP_REPLAY_MAX	   4096

struct esp_sa_params {
	uint32_t spi; /* host order */
	bool inbound;
	int family; /* AF_INET or AF_INET6 */
	/* outer addresses of this SA's direction; IPv4 as v4-mapped ::ffff:a.b.c.d */
	uint8_t src[16], dst[16];
	/* inner selector ports, host order; 0 matches any port */
	uint16_t sport, dport;
	enum esp_auth auth;
	enum esp_enc enc;
	uint8_t ck[16], ik[16]; /* AKA keys; ESP keys derived per 33.203 annex I */
	uint32_t replay_window; /* 0 = ESP_REPLAY_DEFAULT; 64..ESP_REPLAY_MAX */
};

/* The ESP keys themselves, as derived by esp_derive_keys() or given raw. */
struct esp_keys {
	uint8_t enc[32];
	uint8_t auth[32];
	uint8_t salt[4]; /* GCM/GMAC/ChaCha20-Poly1305 nonce salt (RFC 4106 8.1) */
	uint8_t enc_len, auth_len;
};

struct esp_sa_stats {
	uint64_t packets; /* accepted (inbound) or sent (outbound) */
	uint64_t bytes;	  /* inner transport bytes of those packets */
	uint64_t auth_fail;
	uint64_t replay;
	uint64_t decrypt_err; /* decryption, padding or pad length */
	uint64_t selector;    /* outer address, inner protocol or port mismatch */
	uint64_t malformed;
	uint64_t bad_spi;
	uint64_t seq_exhausted; /* outbound packets refused: sequence space used up */
};

/* What esp_decap() found. Pointers are into the caller's packet buffer. */
struct esp_inner {
	uint8_t next_hdr; /* IPPROTO_UDP or IPPROTO_TCP */
	uint8_t *l4;	  /* inner transport segment (header + payload) */
	size_t l4_len;
	/* the plain IP packet: outer header moved up against l4 and fixed up */
	uint8_t *ip;
	size_t ip_len;
	uint32_t seq;
};

struct esp_sa;

/* Control path. On failure returns NULL and sets *err. */
struct esp_sa *esp_sa_create(const struct esp_sa_params *p, int *err);
/* Same, with the ESP keys given directly (test vectors, manual keying). */
struct esp_sa *esp_sa_create_raw(const struct esp_sa_params *p, const struct esp_keys *k, int *err);
/* Wipes the keys and frees; NULL is a no-op. */
void esp_sa_destroy(struct esp_sa *sa);

const struct esp_sa_stats *esp_sa_stats(const struct esp_sa *sa);
uint32_t esp_sa_spi(const struct esp_sa *sa);
/* True once outbound sequence numbers run low (or ran out): time to replace the SA. */
bool esp_sa_needs_rekey(const struct esp_sa *sa);
/* Outbound: the last sequence number used (next packet gets seq + 1). Tests, state restore. */
void esp_sa_set_seq(struct esp_sa *sa, uint32_t seq);

/* Data path: allocate nothing. See the threading note above. */
int esp_decap(struct esp_sa *sa, uint8_t *pkt, size_t len, struct esp_inner *out);
/*
 * esp_decap() of a packet whose headers were already walked (by the XDP
 * classifier): the ESP header at esp_off, the byte naming ESP (IPv4 protocol,
 * last IPv6 next header) at proto_off, both from pkt. Checked, not trusted.
 */
int esp_decap_at(struct esp_sa *sa, uint8_t *pkt, size_t len, size_t esp_off, size_t proto_off,
		 struct esp_inner *out);
int esp_encap(struct esp_sa *sa, uint8_t next_hdr, const uint8_t *l4, size_t l4_len, uint8_t *out,
	      size_t cap, size_t *out_len);
/* Bytes esp_encap() needs for an l4_len segment (outer header, ESP, IV, padding, ICV). */
size_t esp_encap_size(const struct esp_sa *sa, size_t l4_len);

/* Framing helpers. pkt starts at the IP header. */
/* SPI (host order) of an ESP packet, or 0 when pkt is not one (SPI 0 is reserved). */
uint32_t esp_peek_spi(const uint8_t *pkt, size_t len);

/* Key derivation (33.203 annex I; 33.220 annex B KDF for the GCM/GMAC salt). */
int esp_derive_keys(enum esp_auth a, enum esp_enc e, const uint8_t ck[16], const uint8_t ik[16],
		    struct esp_keys *k);
/* 33.220 KDF: HMAC-SHA-256(key, FC || P0 || L0), one parameter. */
int esp_kdf_33220(const uint8_t *key, size_t key_len, uint8_t fc, const uint8_t *p0, size_t p0_len,
		  uint8_t out[32]);

/* A random SPI in 256..2^32-1 (0..255 are reserved by IANA). */
uint32_t esp_random_spi(void);

#endif /* PCSCF_ESP_H */
