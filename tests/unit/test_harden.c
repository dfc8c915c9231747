// SPDX-License-Identifier: GPL-2.0
/*
 * pcscfd's process hardening: not dumpable and no core file, unless the
 * debug flag asks for dumps. Each case runs in a child, since neither
 * setting can be undone by an unprivileged process.
 */
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/harden.h"
#include "tap.h"

enum { DUMPABLE = 1, CORE_SOFT0 = 2, CORE_HARD0 = 4, CALL_OK = 8, MLOCK_OK = 16, CORE_SAME = 32 };

static int in_child(bool debug)
{
	struct rlimit before, after;
	struct harden_result r;
	pid_t pid = fork();
	int st = 0, bits = 0;

	if (pid == 0) {
		getrlimit(RLIMIT_CORE, &before);
		if (!process_harden(debug, &r))
			bits |= CALL_OK;
		if (!r.mlock_err)
			bits |= MLOCK_OK;
		if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1)
			bits |= DUMPABLE;
		getrlimit(RLIMIT_CORE, &after);
		if (after.rlim_cur == 0)
			bits |= CORE_SOFT0;
		if (after.rlim_max == 0)
			bits |= CORE_HARD0;
		if (after.rlim_cur == before.rlim_cur && after.rlim_max == before.rlim_max)
			bits |= CORE_SAME;
		_exit(bits);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int main(void)
{
	struct rlimit big = { RLIM_INFINITY, RLIM_INFINITY }, cur;
	int b;

	/* start from a process that would dump: dumpable, some core limit */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	if (setrlimit(RLIMIT_CORE, &big)) {
		getrlimit(RLIMIT_CORE, &cur);
		cur.rlim_cur = cur.rlim_max;
		setrlimit(RLIMIT_CORE, &cur);
	}
	getrlimit(RLIMIT_CORE, &cur);
	tap_diag("RLIMIT_CORE before: %lld/%lld", (long long)cur.rlim_cur, (long long)cur.rlim_max);

	b = in_child(false);
	TAP_CHECK(b >= 0 && (b & CALL_OK), "hardening succeeds (%d)", b);
	TAP_CHECK(b >= 0 && !(b & DUMPABLE), "afterwards PR_GET_DUMPABLE is 0");
	TAP_CHECK(b >= 0 && (b & CORE_SOFT0) && (b & CORE_HARD0), "afterwards RLIMIT_CORE is 0/0");
	TAP_CHECK(b >= 0 && (b & MLOCK_OK), "mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT) works");

	b = in_child(true);
	TAP_CHECK(b >= 0 && (b & CALL_OK), "debug-dumpable: hardening call succeeds");
	TAP_CHECK(b >= 0 && (b & DUMPABLE), "debug-dumpable: still dumpable");
	TAP_CHECK(b >= 0 && (b & CORE_SAME), "debug-dumpable: RLIMIT_CORE unchanged");
	return tap_done();
}
