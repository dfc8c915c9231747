/* SPDX-License-Identifier: GPL-2.0 */
/* reg_ops that install nothing, with a counting "random" source: tables without ESP or maps. */
#ifndef TESTS_REG_FAKE_OPS_H
#define TESTS_REG_FAKE_OPS_H

#include "reg/reg.h"

static uint32_t next_rand = 0x1000;

static int install(void *ctx, struct reg_sa_set *s, enum reg_sa_which w, const uint8_t ck[16],
		   const uint8_t ik[16])
{
	return 0;
}
static int update(void *ctx, const struct reg_sa_set *s, enum reg_sa_which w)
{
	return 0;
}
static void sa_remove(void *ctx, struct reg_sa_set *s, enum reg_sa_which w)
{
}
static uint32_t rnd(void *ctx)
{
	return next_rand++;
}
static const struct reg_ops ops = {install, update, sa_remove, rnd, NULL};

#endif
