/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SDP offer/answer to Rx media components (TS 29.213 annex B, TS 29.214
 * 5.3): pure data, no Diameter, so the mapping is unit-tested and fuzzed on
 * its own.
 */
#ifndef PCSCF_RX_MEDIA_H
#define PCSCF_RX_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RX_MAX_MEDIA	  8
#define RX_FLOW_DESC_MAX  160
#define RX_CODEC_DATA_MAX 640

/* Media-Type (TS 29.214 5.3.19) */
enum {
	RX_MT_AUDIO,
	RX_MT_VIDEO,
	RX_MT_DATA,
	RX_MT_APPLICATION,
	RX_MT_CONTROL,
	RX_MT_TEXT,
	RX_MT_MESSAGE,
	RX_MT_OTHER = 0xFFFFFFFF
};
/* Flow-Status (5.3.11) */
enum { RX_FS_ENABLED_UPLINK, RX_FS_ENABLED_DOWNLINK, RX_FS_ENABLED, RX_FS_DISABLED, RX_FS_REMOVED };
/* Flow-Usage (5.3.12) */
enum { RX_FU_NO_INFORMATION, RX_FU_RTCP, RX_FU_AF_SIGNALLING };

struct rx_flow {
	uint32_t number; /* Flow-Number: 1 RTP, 2 RTCP */
	uint32_t usage;
	/* Flow-Description, "permit out PROTO from SRC [PORT] to DST [PORT]" (5.3.8) */
	char down[RX_FLOW_DESC_MAX]; /* remote -> UE */
	char up[RX_FLOW_DESC_MAX];   /* UE -> remote */
};

struct rx_media {
	uint32_t number; /* Media-Component-Number: the m-line, from 1 */
	uint32_t type;
	uint32_t flow_status;
	uint32_t bw_ul, bw_dl; /* Max-Requested-Bandwidth-UL/DL, bit/s; 0 = leave out */
	int nflows;
	struct rx_flow flows[2];
	int ncodec;
	char codec[2][RX_CODEC_DATA_MAX]; /* Codec-Data (5.3.7) of the offer, the answer */
};

struct rx_media_set {
	int n;
	struct rx_media m[RX_MAX_MEDIA];
};

/* -EINVAL when an SDP does not parse or names no valid address. */
int rx_media_map(const char *offer, size_t olen, const char *answer, size_t alen, bool ue_offered,
		 struct rx_media_set *out);

/* The bandwidth a codec needs (bit/s, IP/UDP/RTP at 20 ms), 0 unknown. */
uint32_t rx_codec_bw(const char *encoding);

#endif
