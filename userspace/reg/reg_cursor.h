/* SPDX-License-Identifier: GPL-2.0 */
/* Resumable row walks (reg_cursor.c): *pos = 0 starts, the walk leaves it where it stopped. */
#ifndef PCSCF_REG_CURSOR_H
#define PCSCF_REG_CURSOR_H

#include "reg/reg.h"

int reg_sa_foreach_from(const struct reg_table *t, uint64_t now_ms, uint64_t *pos, reg_sa_cb cb,
			void *ctx);
int reg_foreach_from(const struct reg_table *t, uint64_t now_ms, uint64_t *pos, reg_cb cb,
		     void *ctx);

#endif
