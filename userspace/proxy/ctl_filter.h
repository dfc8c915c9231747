/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Filters of `pcscfctl sa list` / `reg list`: --impi, --ue ADDR, --state S,
 * --limit N, given as words after the command on the control line. --impi
 * goes straight to its registration (O(1)); the others are checked per row
 * while the table streams, with a bounded number of rows looked at per
 * chunk so a filter that matches little never holds the signalling loop.
 */
#ifndef PCSCF_CTL_FILTER_H
#define PCSCF_CTL_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include "pcscf_maps.h"
#include "reg/reg.h"

#define CTL_FILTER_SCAN_BUDGET 65536 /* rows refused by a filter per chunk */

struct ctl_filter {
	char impi[REG_IMPI_MAX]; /* "": any */
	bool has_ue;
	struct pcscf_addr ue;
	int state;	/* sa list: enum reg_set_state; reg list: enum reg_class; -1 any */
	uint32_t limit; /* rows at most; 0: all */
};

/* The words after "sa list" / "reg list"; -EINVAL with why set for a bad one. */
int ctl_filter_parse(const char *args, bool sa, struct ctl_filter *f, const char **why);
bool ctl_filter_sa(const struct ctl_filter *f, const struct reg_sa_row *row);
bool ctl_filter_reg(const struct ctl_filter *f, const struct reg *r);

#endif
