/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP-style reporting shared by the unit tests: one "ok - name" or
 * "not ok - name" line per case, counted by tests/run.sh. A test binary exits
 * non-zero when any case failed.
 */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_failed;
static int tap_passed;

static inline void tap_result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		tap_passed++;
	else
		tap_failed++;
}

/* Diagnostic line that the runner shows but does not count. */
#define tap_diag(...)                                                                              \
	do {                                                                                       \
		printf("# " __VA_ARGS__);                                                          \
		printf("\n");                                                                      \
	} while (0)

#define TAP_CHECK(cond, ...) tap_result(!!(cond), __VA_ARGS__)

static inline int tap_done(void)
{
	printf("# %d passed, %d failed\n", tap_passed, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif /* TESTS_TAP_H */
