// SPDX-License-Identifier: GPL-2.0
/*
 * SDP offer/answer -> Rx media components (TS 29.213 annex B, TS 29.214 5.3),
 * as a table: each row an offer (and answer), who offered, and what the
 * Media-Component-Description of its m-lines must hold. No Diameter here.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rx/rx_media.h"
#include "tap.h"

#define HDR(o, a) "v=0\r\no=" o " 1 1 IN IP4 " a "\r\ns=-\r\nc=IN IP4 " a "\r\nt=0 0\r\n"

static const char ue_amr[] = HDR("ue", "10.0.0.1") "m=audio 50000 RTP/AVP 96 101\r\n"
						   "b=AS:41\r\n"
						   "a=rtpmap:96 AMR-WB/16000\r\n"
						   "a=rtpmap:101 telephone-event/16000\r\n";
static const char far_amr[] = HDR("far", "192.0.2.20") "m=audio 40000 RTP/AVP 96 101\r\n"
						       "b=AS:49\r\n"
						       "a=rtpmap:96 AMR-WB/16000\r\n"
						       "a=rtpmap:101 telephone-event/16000\r\n";
/* no b=AS: the codec decides; PCMA is 64 kbit/s + IP/UDP/RTP at 20 ms */
static const char ue_pcma_nobw[] = HDR("ue", "10.0.0.1") "m=audio 50000 RTP/AVP 8\r\n";
static const char far_pcma_nobw[] = HDR("far", "192.0.2.20") "m=audio 40000 RTP/AVP 8\r\n"
							     "a=rtpmap:8 PCMA/8000\r\n";
static const char ue_sendonly[] = HDR("ue", "10.0.0.1") "m=audio 50000 RTP/AVP 0\r\n"
							"a=sendonly\r\n";
static const char ue_recvonly[] = HDR("ue", "10.0.0.1") "m=audio 50000 RTP/AVP 0\r\n"
							"a=recvonly\r\n";
static const char ue_inactive_session[] = HDR("ue", "10.0.0.1") "a=inactive\r\n"
								"m=audio 50000 RTP/AVP 0\r\n";
static const char far_sendonly[] = HDR("far", "192.0.2.20") "m=audio 40000 RTP/AVP 0\r\n"
							    "a=sendonly\r\n";
static const char ue_av[] = HDR("ue", "10.0.0.1") "m=audio 50000 RTP/AVP 0\r\n"
						  "m=video 50002 RTP/AVP 99\r\n"
						  "b=AS:384\r\n"
						  "a=rtpmap:99 H264/90000\r\n"
						  "a=rtcp:50009\r\n";
static const char far_av_novideo[] = HDR("far", "192.0.2.20") "m=audio 40000 RTP/AVP 0\r\n"
							      "m=video 0 RTP/AVP 99\r\n";
static const char ue_v6[] = "v=0\r\no=ue 1 1 IN IP6 2001:db8:100::7\r\ns=-\r\n"
			    "c=IN IP6 2001:db8:100::7\r\nt=0 0\r\nm=audio 50000 RTP/AVP 0\r\n";
static const char ue_msrp[] = HDR("ue", "10.0.0.1") "m=message 7394 TCP/MSRP *\r\n";
static const char media_c[] = "v=0\r\no=ue 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n"
			      "m=audio 50000 RTP/AVP 0\r\nc=IN IP4 10.0.0.9\r\n";
/* hostile: an address that is not one, a port that is not one, no c= at all */
static const char bad_addr[] = HDR("ue", "10.0.0.1; rm") "m=audio 50000 RTP/AVP 0\r\n";
static const char bad_port[] = HDR("ue", "10.0.0.1") "m=audio 5x000 RTP/AVP 0\r\n";
static const char no_conn[] = "v=0\r\no=ue 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\n"
			      "m=audio 50000 RTP/AVP 0\r\n";
/* a control character inside a field would break Codec-Data's lines (fuzz_rx_sdp found it) */
static const char ctl_char[] = HDR("ue", "10.0.0.1") "m=audio 50000 RTP/AVP 96\r\n"
						     "a=rtpmap:96 A\rMR/8000\r\n";
static const char ctl_proto[] = HDR("ue", "10.0.0.1") "m=audio 50000 RT\x10/AVP 0\r\n";
/* libosip2 read past the end of this (last m-line without formats, bare LF): fuzz_rx_sdp */
static const char m_no_fmt_lf[] = "v=0\no=a 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\n"
				  "t=0 0\nm=audio 50010 RTP/AVP\n";
static const char ue_lf[] = "v=0\no=a 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\n"
			    "m=audio 50000 RTP/AVP 0\n";
static const char two_m[] = HDR("far", "192.0.2.20") "m=audio 40000 RTP/AVP 0\r\n"
						     "m=audio 40002 RTP/AVP 0\r\n";

struct want_m {
	uint32_t type, status, bw_ul, bw_dl;
	int nflows;
	const char *down1, *up1, *down2; /* Flow-Descriptions of flow 1 (and 2) */
	const char *codec0_start;	 /* Codec-Data of the offer begins so */
};

static const struct row {
	const char *name, *offer, *answer;
	bool ue_offered;
	int err, n;
	struct want_m m[2];
} rows[] = {
	{"UE offer + answer, b=AS both sides",
	 ue_amr,
	 far_amr,
	 true,
	 0,
	 1,
	 {{RX_MT_AUDIO, RX_FS_ENABLED, 49000, 41000, 2,
	   "permit out 17 from 192.0.2.20 40000 to 10.0.0.1 50000",
	   "permit out 17 from 10.0.0.1 50000 to 192.0.2.20 40000",
	   "permit out 17 from 192.0.2.20 40001 to 10.0.0.1 50001",
	   "uplink\noffer\nm=audio 50000 RTP/AVP 96 101\na=rtpmap:96 AMR-WB/16000"}}},
	{"UE offer alone: remote unknown (any), bandwidth both ways from the offer",
	 ue_amr,
	 NULL,
	 true,
	 0,
	 1,
	 {{RX_MT_AUDIO, RX_FS_ENABLED, 41000, 41000, 2, "permit out 17 from any to 10.0.0.1 50000",
	   "permit out 17 from 10.0.0.1 50000 to any", NULL, "uplink\noffer\n"}}},
	{"terminating: remote offered, UE answered",
	 far_amr,
	 ue_amr,
	 false,
	 0,
	 1,
	 {{RX_MT_AUDIO, RX_FS_ENABLED, 49000, 41000, 2,
	   "permit out 17 from 192.0.2.20 40000 to 10.0.0.1 50000",
	   "permit out 17 from 10.0.0.1 50000 to 192.0.2.20 40000", NULL,
	   "downlink\noffer\nm=audio 40000"}}},
	{"no b=AS: bandwidth from the codec (PCMA, static and rtpmap)",
	 ue_pcma_nobw,
	 far_pcma_nobw,
	 true,
	 0,
	 1,
	 {{RX_MT_AUDIO, RX_FS_ENABLED, 80000, 80000, 2, NULL, NULL, NULL, NULL}}},
	{"UE sendonly: ENABLED-UPLINK",
	 ue_sendonly,
	 NULL,
	 true,
	 0,
	 1,
	 {{RX_MT_AUDIO, RX_FS_ENABLED_UPLINK, 80000, 80000, 2, NULL, NULL, NULL, NULL}}},
	{"UE recvonly: ENABLED-DOWNLINK",
	 ue_recvonly,
	 NULL,
	 true,
	 0,
	 1,
	 {{RX_MT_AUDIO, RX_FS_ENABLED_DOWNLINK, 80000, 80000, 2, NULL, NULL, NULL, NULL}}},
	{"session-level inactive: DISABLED",
	 ue_inactive_session,
	 NULL,
	 true,
	 0,
	 1,
	 {{RX_MT_AUDIO, RX_FS_DISABLED, 80000, 80000, 2, NULL, NULL, NULL, NULL}}},
	{"remote offer sendonly, no answer yet: ENABLED-DOWNLINK",
	 far_sendonly,
	 NULL,
	 false,
	 0,
	 1,
	 {{RX_MT_AUDIO, RX_FS_ENABLED_DOWNLINK, 80000, 80000, 2, NULL, NULL, NULL,
	   "downlink\noffer\n"}}},
	{"audio+video, video refused (port 0): REMOVED; a=rtcp port",
	 ue_av,
	 far_av_novideo,
	 true,
	 0,
	 2,
	 {{RX_MT_AUDIO, RX_FS_ENABLED, 80000, 80000, 2, NULL, NULL,
	   "permit out 17 from 192.0.2.20 40001 to 10.0.0.1 50001", NULL},
	  {RX_MT_VIDEO, RX_FS_REMOVED, 0, 0, 0, NULL, NULL, NULL,
	   "uplink\noffer\nm=video 50002 RTP/AVP 99\na=rtpmap:99 H264/90000\na=rtcp:50009"}}},
	{"IPv6 UE",
	 ue_v6,
	 NULL,
	 true,
	 0,
	 1,
	 {{RX_MT_AUDIO, RX_FS_ENABLED, 80000, 80000, 2,
	   "permit out 17 from any to 2001:db8:100::7 50000", NULL, NULL, NULL}}},
	{"MSRP over TCP: one flow, protocol 6, Media-Type MESSAGE",
	 ue_msrp,
	 NULL,
	 true,
	 0,
	 1,
	 {{RX_MT_MESSAGE, RX_FS_ENABLED, 0, 0, 1, "permit out 6 from any to 10.0.0.1 7394", NULL,
	   NULL, NULL}}},
	{"media-level c= wins",
	 media_c,
	 NULL,
	 true,
	 0,
	 1,
	 {{RX_MT_AUDIO, RX_FS_ENABLED, 80000, 80000, 2, "permit out 17 from any to 10.0.0.9 50000",
	   NULL, NULL, NULL}}},
	{"address that is no address: refused", bad_addr, NULL, true, -EINVAL, 0, {}},
	{"port that is no number: refused", bad_port, NULL, true, -EINVAL, 0, {}},
	{"no connection address: refused", no_conn, NULL, true, -EINVAL, 0, {}},
	{"answer with another m-line count: refused", ue_amr, two_m, true, -EINVAL, 0, {}},
	{"control character in an a-line: refused", ctl_char, NULL, true, -EINVAL, 0, {}},
	{"control character in the m-line: refused", ctl_proto, NULL, true, -EINVAL, 0, {}},
	{"m-line without formats, bare LF, last line: no over-read",
	 m_no_fmt_lf,
	 NULL,
	 true,
	 -EINVAL,
	 0,
	 {}},
	{"bare LF line ends are read",
	 ue_lf,
	 NULL,
	 true,
	 0,
	 1,
	 {{RX_MT_AUDIO, RX_FS_ENABLED, 80000, 80000, 2, "permit out 17 from any to 10.0.0.1 50000",
	   NULL, NULL, "uplink\noffer\nm=audio 50000 RTP/AVP 0"}}},
	{"not SDP at all: refused", "hello\r\n", NULL, true, -EINVAL, 0, {}},
};

static bool eq(const char *want, const char *got)
{
	return !want || !strcmp(want, got);
}

static bool starts(const char *want, const char *got)
{
	return !want || !strncmp(want, got, strlen(want));
}

static void run_row(const struct row *r)
{
	static struct rx_media_set ms;
	int err = rx_media_map(r->offer, strlen(r->offer), r->answer,
			       r->answer ? strlen(r->answer) : 0, r->ue_offered, &ms);
	bool ok = err == r->err && ms.n == r->n;

	for (int i = 0; ok && i < r->n; i++) {
		const struct want_m *w = &r->m[i];
		const struct rx_media *m = &ms.m[i];

		ok = m->number == (uint32_t)i + 1 && m->type == w->type &&
		     m->flow_status == w->status && m->bw_ul == w->bw_ul && m->bw_dl == w->bw_dl &&
		     m->nflows == w->nflows && m->ncodec == (r->answer ? 2 : 1) &&
		     (!w->nflows ||
		      (eq(w->down1, m->flows[0].down) && eq(w->up1, m->flows[0].up))) &&
		     (!w->down2 || (m->nflows > 1 && !strcmp(w->down2, m->flows[1].down))) &&
		     starts(w->codec0_start, m->codec[0]);
		if (!ok)
			tap_diag("m%d: type %u status %u ul %u dl %u flows %d down '%s' up '%s' "
				 "down2 '%s' codec '%s'",
				 i, m->type, m->flow_status, m->bw_ul, m->bw_dl, m->nflows,
				 m->flows[0].down, m->flows[0].up, m->flows[1].down, m->codec[0]);
	}
	TAP_CHECK(ok, "%s (err %d, %d media)", r->name, err, ms.n);
}

int main(void)
{
	static struct rx_media_set ms;
	char big[RX_CODEC_DATA_MAX * 3];
	size_t n;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i]);

	/* RTCP flow: Flow-Usage RTCP, numbered 2 */
	rx_media_map(ue_amr, strlen(ue_amr), far_amr, strlen(far_amr), true, &ms);
	TAP_CHECK(ms.m[0].flows[0].number == 1 && ms.m[0].flows[0].usage == RX_FU_NO_INFORMATION &&
			  ms.m[0].flows[1].number == 2 && ms.m[0].flows[1].usage == RX_FU_RTCP,
		  "RTP flow 1, RTCP flow 2 with Flow-Usage RTCP");
	TAP_CHECK(!strcmp(ms.m[0].codec[1], "downlink\nanswer\nm=audio 40000 RTP/AVP 96 101\n"
					    "a=rtpmap:96 AMR-WB/16000\n"
					    "a=rtpmap:101 telephone-event/16000"),
		  "Codec-Data of the answer: downlink, answer, m-line and a-lines, no trailing "
		  "new-line");

	/* Codec-Data is bounded: a-lines past the room are left out whole */
	n = snprintf(big, sizeof(big), HDR("ue", "10.0.0.1") "m=audio 50000 RTP/AVP 0\r\n");
	while (n + 40 < sizeof(big))
		n += snprintf(big + n, sizeof(big) - n, "a=fmtp:0 x=%040d\r\n", 7);
	TAP_CHECK(!rx_media_map(big, n, NULL, 0, true, &ms) &&
			  strlen(ms.m[0].codec[0]) < RX_CODEC_DATA_MAX &&
			  ms.m[0].codec[0][strlen(ms.m[0].codec[0]) - 1] == '7',
		  "Codec-Data of a long media stays within %d bytes, whole lines only",
		  RX_CODEC_DATA_MAX);
	TAP_CHECK(rx_codec_bw("amr-wb") == 40000 && rx_codec_bw("telephone-event") == 0,
		  "codec table: case-insensitive, telephone-event adds nothing");
	TAP_CHECK(rx_media_map(ue_amr, 0, NULL, 0, true, &ms) == -EINVAL &&
			  rx_media_map("v=0\0x", 5, NULL, 0, true, &ms) == -EINVAL,
		  "empty body and embedded NUL refused");
	printf("# %d passed, %d failed\n", tap_passed, tap_failed);
	return tap_failed != 0;
}
