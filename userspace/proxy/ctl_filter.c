// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "proxy/ctl_filter.h"

static int state_of(const char *v, bool sa)
{
	for (unsigned int i = 1; i < (sa ? 4u : (unsigned)REG_CLS_N); i++)
		if (!strcmp(v, sa ? reg_state_name(i) : reg_class_name(i)))
			return (int)i;
	return -1;
}

int ctl_filter_parse(const char *args, bool sa, struct ctl_filter *f, const char **why)
{
	char buf[512], *save = NULL, *w, *v;

	memset(f, 0, sizeof(*f));
	f->state = -1;
	if (strlen(args) >= sizeof(buf)) {
		*why = "command too long";
		return -EINVAL;
	}
	strcpy(buf, args);
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(w, "--json"))
			continue;
		v = strtok_r(NULL, " \t", &save);
		if (!v) {
			*why = "an option without its value";
			return -EINVAL;
		}
		if (!strcmp(w, "--impi")) {
			if (strlen(v) >= sizeof(f->impi)) {
				*why = "--impi too long";
				return -EINVAL;
			}
			strcpy(f->impi, v);
		} else if (!strcmp(w, "--ue")) {
			if (addr_parse(v, &f->ue)) {
				*why = "--ue needs an IPv4 or IPv6 address";
				return -EINVAL;
			}
			f->has_ue = true;
		} else if (!strcmp(w, "--state")) {
			f->state = state_of(v, sa);
			if (f->state < 0) {
				*why = sa ? "--state of an SA is temporary, new or old"
					  : "--state of a registration is pending, registered, "
					    "deregistering or unregistered";
				return -EINVAL;
			}
		} else if (!strcmp(w, "--limit")) {
			char *end;
			unsigned long n = strtoul(v, &end, 10);

			if (*end || end == v || !n || n > UINT32_MAX || *v == '-') {
				*why = "--limit needs a positive number";
				return -EINVAL;
			}
			f->limit = n;
		} else {
			*why = "unknown filter (--impi, --ue, --state, --limit)";
			return -EINVAL;
		}
	}
	return 0;
}

bool ctl_filter_sa(const struct ctl_filter *f, const struct reg_sa_row *row)
{
	if (f->impi[0] && strcmp(f->impi, row->impi))
		return false;
	if (f->has_ue && memcmp(&f->ue, row->ue_addr, sizeof(f->ue)))
		return false;
	return f->state < 0 || !strcmp(row->state, reg_state_name(f->state));
}

bool ctl_filter_reg(const struct ctl_filter *f, const struct reg *r)
{
	if (f->impi[0] && strcmp(f->impi, r->impi))
		return false;
	if (f->has_ue && memcmp(&f->ue, &r->ue_addr, sizeof(f->ue)))
		return false;
	return f->state < 0 || r->census_cls == f->state;
}
