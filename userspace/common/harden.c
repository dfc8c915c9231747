// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "common/harden.h"

int process_harden(bool debug_dumpable, struct harden_result *r)
{
	struct harden_result res = { 0 };
	struct rlimit none = { 0, 0 };

	if (!debug_dumpable) {
		/* also keeps /proc/PID/mem and ptrace from same-uid processes out */
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
			res.dumpable_err = -errno;
		if (setrlimit(RLIMIT_CORE, &none))
			res.core_err = -errno;
	}
	/*
	 * On fault: pages are locked as they are touched, so thread stacks and
	 * malloc arenas are not committed in full up front. Needs CAP_IPC_LOCK
	 * or a large enough RLIMIT_MEMLOCK.
	 */
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT))
		res.mlock_err = -errno;
	if (r)
		*r = res;
	return res.dumpable_err ? res.dumpable_err : res.core_err;
}
