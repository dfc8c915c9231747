// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"

static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int addr_parse(const char *s, struct pcscf_addr *out)
{
	struct in_addr v4;

	if (inet_pton(AF_INET, s, &v4) == 1) {
		memcpy(out->a, v4_prefix, 12);
		memcpy(&out->a[12], &v4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1)
		return 0;
	return -EINVAL;
}

bool addr_is_v4(const struct pcscf_addr *a)
{
	return !memcmp(a->a, v4_prefix, 12);
}

const char *addr_str(const struct pcscf_addr *a, char *buf, size_t len)
{
	if (addr_is_v4(a))
		return inet_ntop(AF_INET, &a->a[12], buf, len) ? buf : "?";
	return inet_ntop(AF_INET6, a->a, buf, len) ? buf : "?";
}

static int port_parse(const char *s, uint16_t *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 65535)
		return -EINVAL;
	*port = v;
	return 0;
}

int hostport_parse(const char *s, struct pcscf_addr *addr, uint16_t *port)
{
	char host[64];
	const char *colon;
	size_t n;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		n = close - s - 1;
		colon = close + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		n = colon - s;
	}
	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (addr_parse(host, addr))
		return -EINVAL;
	return port_parse(colon + 1, port);
}

int port_range_parse(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[16];
	char *dash;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (!dash)
		return -EINVAL;
	*dash = '\0';
	if (port_parse(buf, lo) || port_parse(dash + 1, hi) || *lo > *hi)
		return -EINVAL;
	return 0;
}
