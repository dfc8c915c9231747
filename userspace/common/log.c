// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdint.h>

#include "common/log.h"

enum log_level log_level = LOG_LVL_INFO;

static const char *const names[] = { "error", "warn", "info", "debug" };

int log_level_parse(const char *s, enum log_level *out)
{
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	struct timespec ts;
	char buf[1024];
	va_list ap;

	if (lvl > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One write per line so lines from several threads do not interleave. */
	fprintf(stderr, "%ld.%03ld %s: %s\n", (long)ts.tv_sec, ts.tv_nsec / 1000000, names[lvl], buf);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t (*log_rl_clock)(void) = mono_ms;

bool log_rl_allow(struct log_rl *rl, enum log_level lvl, const char *site)
{
	uint64_t now = log_rl_clock(), start = atomic_load_explicit(&rl->window_ms,
								    memory_order_relaxed);
	uint64_t held;

	/* Relaxed atomics: workers may share a site; an off-by-one count is harmless. */
	if (now - start >= LOG_RL_WINDOW_MS || !start) {
		atomic_store_explicit(&rl->window_ms, now ? now : 1, memory_order_relaxed);
		atomic_store_explicit(&rl->printed, 0, memory_order_relaxed);
	}
	if (atomic_fetch_add_explicit(&rl->printed, 1, memory_order_relaxed) >= LOG_RL_BURST) {
		atomic_fetch_add_explicit(&rl->suppressed, 1, memory_order_relaxed);
		return false;
	}
	held = atomic_exchange_explicit(&rl->suppressed, 0, memory_order_relaxed);
	if (held)
		log_msg(lvl, "%s: %llu similar messages suppressed", site,
			(unsigned long long)held);
	return true;
}
