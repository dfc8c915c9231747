/* SPDX-License-Identifier: GPL-2.0 */
/* Levelled logging to stderr. Never pass key material to these. */
#ifndef PCSCF_LOG_H
#define PCSCF_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

extern enum log_level log_level;

int log_level_parse(const char *s, enum log_level *out);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_err(...)   log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define pr_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define pr_debug(...)                                                                              \
	do {                                                                                       \
		if (log_level >= LOG_LVL_DEBUG)                                                    \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__);                                       \
	} while (0)

/*
 * Rate-limited variants for every line a remote peer can trigger: each call
 * site prints at most LOG_RL_BURST lines per LOG_RL_WINDOW_MS; the lines it
 * held back are counted and reported, with the call site, before the next
 * line it prints. A flood of bad packets costs a few lines per second.
 */
#define LOG_RL_BURST	 10
#define LOG_RL_WINDOW_MS 1000

struct log_rl {
	_Atomic uint64_t window_ms; /* start of the current window */
	_Atomic uint32_t printed;   /* lines printed in it */
	_Atomic uint64_t suppressed; /* lines held back since the last report */
};

/* True when the caller may print; reports what was held back first. */
bool log_rl_allow(struct log_rl *rl, enum log_level lvl, const char *site);
/* Monotonic ms; tests may replace the clock. */
extern uint64_t (*log_rl_clock)(void);

#define log_msg_rl(lvl, ...)                                                                       \
	do {                                                                                       \
		static struct log_rl _log_rl;                                                      \
		if ((lvl) <= log_level && log_rl_allow(&_log_rl, (lvl), __func__))                 \
			log_msg((lvl), __VA_ARGS__);                                               \
	} while (0)

#define pr_err_rl(...)	log_msg_rl(LOG_LVL_ERR, __VA_ARGS__)
#define pr_warn_rl(...) log_msg_rl(LOG_LVL_WARN, __VA_ARGS__)
#define pr_info_rl(...) log_msg_rl(LOG_LVL_INFO, __VA_ARGS__)

#endif
