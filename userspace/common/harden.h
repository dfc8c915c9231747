/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Process hardening for a daemon that holds keys: no core dumps, no ptrace
 * attach by other processes of the same user, nothing swapped out.
 */
#ifndef PCSCF_HARDEN_H
#define PCSCF_HARDEN_H

#include <stdbool.h>

struct harden_result {
	int dumpable_err; /* prctl(PR_SET_DUMPABLE, 0), or 0 */
	int core_err;	  /* setrlimit(RLIMIT_CORE, 0), or 0 */
	int mlock_err;	  /* mlockall(), or 0 */
};

/*
 * Unless debug_dumpable: not dumpable and RLIMIT_CORE 0 (soft and hard).
 * Always: mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT), so the key
 * schedules OpenSSL keeps on its heap are never written to swap. Returns 0
 * or the first negative errno of the dump settings; r (may be NULL) gets each
 * step's result, for the caller to log.
 */
int process_harden(bool debug_dumpable, struct harden_result *r);

#endif
