// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
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

int port_parse(const char *s, uint16_t *port)
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

void addr_to_sockaddr(const struct pcscf_addr *a, uint16_t port, struct sockaddr_storage *ss,
		      unsigned int *len)
{
	memset(ss, 0, sizeof(*ss));
	if (addr_is_v4(a)) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, &a->a[12], 4);
		*len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->a, 16);
		*len = sizeof(*s6);
	}
}

int addr_from_sockaddr(const struct sockaddr_storage *ss, struct pcscf_addr *a, uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		memcpy(a->a, v4_prefix, 12);
		memcpy(&a->a[12], &s4->sin_addr, 4);
		if (port)
			*port = ntohs(s4->sin_port);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		memcpy(a->a, &s6->sin6_addr, 16);
		if (port)
			*port = ntohs(s6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}
