// SPDX-License-Identifier: GPL-2.0
/*
 * imsue SAs: which SPI, ports and direction each of the UE's four SAs gets
 * from Security-Client/Server (the table of ims-security.md, seen from the
 * UE), refusal of a downgrade, and an ESP round trip against the P-CSCF's
 * view of the same SA built independently from that table.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "imsue/ue_sa.c"
#include "tap.h"

#define SS(alg, ealg, mod)                                                                         \
	"ipsec-3gpp;q=0.1;prot=esp;mod=" mod ";spi-c=5000;spi-s=5001;port-c=6100;port-s=6101;"     \
	"alg=" alg ";ealg=" ealg

static const struct ue_offer offers[] = {
	{"hmac-sha-1-96", "aes-cbc"},
	{"hmac-sha-1-96", "null"},
};

/* The UE's view: spi_uc=1111 spi_us=2222 port_uc=31000 port_us=31001; P: 5000/5001, 6100/6101 */
static const struct {
	enum ue_sa_which w;
	const char *name;
	bool inbound;
	uint32_t spi;
	uint16_t sport, dport;
	bool from_ue;
} table[] = {
	{UE_SA_UC_PS, "UE client -> P server", false, 5001, 31000, 6101, true},
	{UE_SA_PS_UC, "P server -> UE client", true, 1111, 6101, 31000, false},
	{UE_SA_US_PC, "UE server -> P client", false, 5000, 31001, 6100, true},
	{UE_SA_PC_US, "P client -> UE server", true, 2222, 6100, 31001, false},
};

static void test_mapping(const char *fam, const char *ue_s, const char *p_s)
{
	struct pcscf_addr ue, p;
	struct ue_sa_set s;
	struct esp_sa_params prm;
	uint8_t ck[16] = {1}, ik[16] = {2};

	addr_parse(ue_s, &ue);
	addr_parse(p_s, &p);
	TAP_CHECK(!ue_sa_from_server(&s, SS("hmac-sha-1-96", "aes-cbc", "trans"), 1111, 2222, 31000,
				     31001, offers, 2),
		  "%s: Security-Server accepted", fam);
	TAP_CHECK(s.spi_pc == 5000 && s.spi_ps == 5001 && s.port_pc == 6100 && s.port_ps == 6101 &&
			  !strcmp(esp_auth_name(s.auth), "hmac-sha-1-96") &&
			  !strcmp(esp_enc_name(s.enc), "aes-cbc"),
		  "%s: spi-c/spi-s/port-c/port-s of P -> spi_pc/spi_ps/port_pc/port_ps", fam);
	for (unsigned int i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int rc = ue_sa_params(&s, table[i].w, &ue, &p, ck, ik, &prm);

		TAP_CHECK(!rc && prm.inbound == table[i].inbound && prm.spi == table[i].spi &&
				  prm.sport == table[i].sport && prm.dport == table[i].dport &&
				  !memcmp(prm.src, table[i].from_ue ? ue.a : p.a, 16) &&
				  !memcmp(prm.dst, table[i].from_ue ? p.a : ue.a, 16) &&
				  prm.family == (addr_is_v4(&ue) ? AF_INET : AF_INET6) &&
				  prm.auth == ESP_AUTH_HMAC_SHA1_96 && prm.enc == ESP_ENC_AES_CBC,
			  "%s: %s: %s spi %u ports %u -> %u", fam, table[i].name,
			  table[i].inbound ? "inbound" : "outbound", table[i].spi, table[i].sport,
			  table[i].dport);
	}
}

static void test_refusals(void)
{
	struct ue_sa_set s;
	struct pcscf_addr ue, p6;
	struct esp_sa_params prm;
	uint8_t k[16] = {0};

	TAP_CHECK(ue_sa_from_server(&s, SS("hmac-md5-96", "aes-cbc", "trans"), 1, 2, 3, 4, offers,
				    2) == -EPROTO,
		  "algorithms we did not offer: -EPROTO (downgrade)");
	TAP_CHECK(ue_sa_from_server(&s, SS("hmac-sha-1-96", "aes-cbc", "UDP-enc-tun"), 1, 2, 3, 4,
				    offers, 2) == -EINVAL,
		  "mod=UDP-enc-tun: -EINVAL (no NAT emulation)");
	TAP_CHECK(ue_sa_from_server(&s, "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1;spi-s=2;port-c=3", 1,
				    2, 3, 4, offers, 2) == -EINVAL,
		  "port-s missing: -EINVAL");
	TAP_CHECK(ue_sa_from_server(&s, "digest;q=0.1", 1, 2, 3, 4, offers, 2) == -EINVAL,
		  "no ipsec-3gpp mechanism: -EINVAL");
	TAP_CHECK(!ue_sa_from_server(&s,
				     SS("hmac-sha-1-96", "null",
					"trans") ", "
						 "ipsec-3gpp;q=0.5;prot=esp;mod=trans;spi-c=7000;"
						 "spi-s=8000;port-c=9;"
						 "port-s=10;alg=hmac-sha-1-96;ealg=aes-cbc",
				     1, 2, 3, 4, offers, 2) &&
			  s.spi_pc == 7000 && !strcmp(esp_enc_name(s.enc), "aes-cbc"),
		  "several mechanisms: highest q wins");
	TAP_CHECK(!ue_sa_from_server(&s,
				     "ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=5000;spi-s=5001;"
				     "port-c=6100;port-s=6101;alg=hmac-sha-1-96",
				     1, 2, 3, 4, offers, 2) &&
			  !strcmp(esp_enc_name(s.enc), "null"),
		  "ealg absent means null (offered: accepted)");
	addr_parse("192.0.2.10", &ue);
	addr_parse("2001:db8::1", &p6);
	TAP_CHECK(ue_sa_params(&s, UE_SA_UC_PS, &ue, &p6, k, k, &prm) == -EINVAL,
		  "mixed address families: -EINVAL");
}

/* Our outbound SA against P's inbound SA (built from the doc's table, not from ue_sa.c). */
static void test_roundtrip(void)
{
	struct pcscf_addr ue, p;
	struct ue_sa_set s;
	uint8_t ck[16], ik[16], seg[64], pkt[256];
	struct esp_sa_params pp = {0};
	struct esp_sa *p_in;
	struct esp_inner in;
	size_t len;
	int err = 0, rc;

	memset(ck, 0x11, 16);
	memset(ik, 0x22, 16);
	addr_parse("192.0.2.10", &ue);
	addr_parse("192.0.2.1", &p);
	ue_sa_from_server(&s, SS("hmac-sha-1-96", "aes-cbc", "trans"), 1111, 2222, 31000, 31001,
			  offers, 2);
	TAP_CHECK(!ue_sa_set_create(&s, &ue, &p, ck, ik) && s.live, "four SAs created");
	TAP_CHECK(esp_sa_spi(s.sa[UE_SA_UC_PS]) == 5001 && esp_sa_spi(s.sa[UE_SA_PS_UC]) == 1111 &&
			  esp_sa_spi(s.sa[UE_SA_US_PC]) == 5000 &&
			  esp_sa_spi(s.sa[UE_SA_PC_US]) == 2222,
		  "engine SAs carry spi_ps, spi_uc, spi_pc, spi_us");

	/* P inbound, "UE client -> P server | port_uc -> port_ps | spi_ps | inbound" */
	pp.spi = 5001;
	pp.inbound = true;
	pp.family = AF_INET;
	memcpy(pp.src, ue.a, 16);
	memcpy(pp.dst, p.a, 16);
	pp.sport = 31000;
	pp.dport = 6101;
	pp.auth = ESP_AUTH_HMAC_SHA1_96;
	pp.enc = ESP_ENC_AES_CBC;
	memcpy(pp.ck, ck, 16);
	memcpy(pp.ik, ik, 16);
	p_in = esp_sa_create(&pp, &err);
	memset(seg, 0, sizeof(seg));
	seg[0] = 31000 >> 8;
	seg[1] = 31000 & 0xff;
	seg[2] = 6101 >> 8;
	seg[3] = 6101 & 0xff;
	seg[5] = 8 + 4;
	memcpy(seg + 8, "SIP!", 4);
	rc = esp_encap(s.sa[UE_SA_UC_PS], IPPROTO_UDP, seg, 12, pkt, sizeof(pkt), &len);
	TAP_CHECK(p_in && !rc && esp_peek_spi(pkt, len) == 5001, "REGISTER path: encap on spi_ps");
	rc = p_in ? esp_decap(p_in, pkt, len, &in) : -1;
	TAP_CHECK(!rc && in.l4_len == 12 && !memcmp(in.l4 + 8, "SIP!", 4),
		  "P's inbound spi_ps SA decaps it");
	seg[0] = 31001 >> 8; /* wrong source port for this SA */
	seg[1] = 31001 & 0xff;
	TAP_CHECK(esp_encap(s.sa[UE_SA_UC_PS], IPPROTO_UDP, seg, 12, pkt, sizeof(pkt), &len) ==
			  -EACCES,
		  "UE server port through the client SA: -EACCES (selector)");
	esp_sa_destroy(p_in);
	ue_sa_set_destroy(&s);
	TAP_CHECK(!s.live && !s.sa[0] && !s.sa[3], "set destroyed");
}

int main(void)
{
	test_mapping("IPv4", "192.0.2.10", "192.0.2.1");
	test_mapping("IPv6", "2001:db8::10", "2001:db8::1");
	test_refusals();
	test_roundtrip();
	return tap_done();
}
