// SPDX-License-Identifier: GPL-2.0
/* `pcscfctl sa list` / `reg list` JSON: exact rows, escaping, and buffer limits. */
#include <errno.h>
#include <string.h>

#include "reg/reg.h"
#include "tap.h"
#include "reg_fake_ops.h"


static const char want_sas[] =
	"[{\"impi\":\"a\\\"b\\\\c\\u0001@ims\",\"spi\":4097,\"spi_hex\":\"0x00001001\",\"dir\":"
	"\"in\","
	"\"sa\":\"ps\",\"ue\":\"10.0.0.1\",\"ours\":\"2001:db8::1\",\"src_port\":6000,"
	"\"dst_port\":5100,\"state\":\"temporary\",\"alg\":\"hmac-sha-1-96\",\"ealg\":\"aes-cbc\","
	"\"expires_in_ms\":239000,\"used\":false,\"slot\":0,\"generation\":1},"
	"{\"impi\":\"a\\\"b\\\\c\\u0001@ims\",\"spi\":40960,\"spi_hex\":\"0x0000a000\",\"dir\":"
	"\"out\","
	"\"sa\":\"uc\",\"ue\":\"10.0.0.1\",\"ours\":\"2001:db8::1\",\"src_port\":5100,"
	"\"dst_port\":6000,\"state\":\"temporary\",\"alg\":\"hmac-sha-1-96\",\"ealg\":\"aes-cbc\","
	"\"expires_in_ms\":239000,\"used\":false,\"slot\":1,\"generation\":1},"
	"{\"impi\":\"a\\\"b\\\\c\\u0001@ims\",\"spi\":40961,\"spi_hex\":\"0x0000a001\",\"dir\":"
	"\"out\","
	"\"sa\":\"us\",\"ue\":\"10.0.0.1\",\"ours\":\"2001:db8::1\",\"src_port\":5101,"
	"\"dst_port\":6001,\"state\":\"temporary\",\"alg\":\"hmac-sha-1-96\",\"ealg\":\"aes-cbc\","
	"\"expires_in_ms\":239000,\"used\":false,\"slot\":2,\"generation\":1},"
	"{\"impi\":\"a\\\"b\\\\c\\u0001@ims\",\"spi\":4096,\"spi_hex\":\"0x00001000\",\"dir\":"
	"\"in\","
	"\"sa\":\"pc\",\"ue\":\"10.0.0.1\",\"ours\":\"2001:db8::1\",\"src_port\":6001,"
	"\"dst_port\":5101,\"state\":\"temporary\",\"alg\":\"hmac-sha-1-96\",\"ealg\":\"aes-cbc\","
	"\"expires_in_ms\":239000,\"used\":false,\"slot\":3,\"generation\":1}]";

static const char want_regs_before[] =
	"[{\"impi\":\"a\\\"b\\\\c\\u0001@ims\",\"ue\":\"10.0.0.1\",\"registered\":false,"
	"\"dereg_pending\":false,\"expires_in_ms\":0,\"contact\":\"\",\"impus\":[],"
	"\"service_route\":[],\"port_ps\":5100,\"sets\":1}]";
static const char want_regs_after[] =
	"[{\"impi\":\"a\\\"b\\\\c\\u0001@ims\",\"ue\":\"10.0.0.1\",\"registered\":true,"
	"\"dereg_pending\":false,\"expires_in_ms\":600000,\"contact\":\"<sip:x@10.0.0.1:6001>\","
	"\"impus\":[\"sip:x@ims\",\"tel:+1\"],\"service_route\":[\"<sip:s;lr>\"],\"port_ps\":5100,"
	"\"sets\":1}]";

int main(void)
{
	const struct reg_config cfg = {.max_regs = 2, .port_ps = 5100, .pc_lo = 5101, .pc_hi = 5105};
	struct pcscf_addr ue = {.a = {[10] = 0xff, [11] = 0xff, 10, 0, 0, 1}};
	struct pcscf_addr ours = {.a = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}};
	struct reg_ue_sec sec = {0xa000, 0xa001, 6000, 6001, "hmac-sha-1-96", "aes-cbc"};
	const char *impus[] = {"sip:x@ims", "tel:+1"}, *routes[] = {"<sip:s;lr>"};
	const char *impi = "a\"b\\c\001@ims";
	static char buf[8192];
	uint8_t ck[16] = {0}, ik[16] = {0};
	struct reg_table *t;
	size_t full;
	int n;

	reg_table_init(&t, &cfg, &ops, NULL);
	next_rand = 0x1000; /* the hash seed took a draw */
	n = reg_sa_list_json(t, 0, buf, sizeof(buf));
	TAP_CHECK(n == 2 && !strcmp(buf, "[]"), "empty table: [] (%d)", n);
	reg_on_401(t, impi, &ue, &ours, &sec, ck, ik, 240000, 1000, NULL);

	n = reg_sa_list_json(t, 2000, buf, sizeof(buf));
	TAP_CHECK(n == (int)strlen(want_sas) && !strcmp(buf, want_sas),
		  "sa list: four rows, escaped IMPI, v4-mapped and v6 addresses");
	if (strcmp(buf, want_sas))
		tap_diag("%s", buf);
	n = reg_list_json(t, 2000, buf, sizeof(buf));
	TAP_CHECK(n > 0 && !strcmp(buf, want_regs_before), "reg list: pending registration");
	if (strcmp(buf, want_regs_before))
		tap_diag("%s", buf);
	reg_on_200_register(t, impi, 600, impus, 2, routes, 1, "<sip:x@10.0.0.1:6001>", 2000);
	n = reg_list_json(t, 2000, buf, sizeof(buf));
	TAP_CHECK(n > 0 && !strcmp(buf, want_regs_after), "reg list: registered, IMPUs, route");
	if (strcmp(buf, want_regs_after))
		tap_diag("%s", buf);

	full = reg_sa_list_json(t, 2000, buf, sizeof(buf));
	n = reg_sa_list_json(t, 2000, buf, full);
	TAP_CHECK(n == -ENOSPC && buf[0] == 0, "no room for the NUL: -ENOSPC, empty string");
	n = reg_sa_list_json(t, 2000, buf, full + 1);
	TAP_CHECK(n == (int)full, "exact room: fits");
	TAP_CHECK(reg_list_json(t, 2000, NULL, 0) == -ENOSPC, "NULL buffer: -ENOSPC");
	reg_table_destroy(t);
	return tap_done();
}
