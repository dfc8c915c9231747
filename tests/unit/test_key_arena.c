// SPDX-License-Identifier: GPL-2.0
/*
 * The key arena: SA secrets live there, a freed block is wiped, the memory
 * is locked and kept out of core dumps.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/key_arena.h"
#include "esp_test_util.h"
#include "tap.h"

/* The smaps record of the mapping holding addr: Locked kB and whether VmFlags has flag. */
static int smaps_of(const void *addr, long *locked_kb, const char *flag, int *has_flag)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			found |= in;
		} else if (in && !strncmp(line, "Locked:", 7)) {
			*locked_kb = strtol(line + 7, NULL, 10);
		} else if (in && !strncmp(line, "VmFlags:", 8)) {
			char pat[8];

			snprintf(pat, sizeof(pat), " %s", flag);
			*has_flag = strstr(line + 8, pat) != NULL;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int main(void)
{
	struct key_arena_info in0, in1, in2;
	struct esp_sa_params p;
	struct esp_sa *sa;
	uint8_t *b, *c;
	long locked = -1;
	int dd = 0, err;

	/* The SA's keys and HMAC states take one block for its lifetime. */
	key_arena_info(&in0);
	test_params(&p, AF_INET, true, ESP_AUTH_HMAC_SHA1_96, ESP_ENC_AES_CBC);
	sa = esp_sa_create(&p, &err);
	key_arena_info(&in1);
	esp_sa_destroy(sa);
	key_arena_info(&in2);
	TAP_CHECK(sa && in1.in_use == in0.in_use + 1 && in2.in_use == in0.in_use,
		  "an SA's secrets are one arena block (in use %zu, %zu, %zu)", in0.in_use,
		  in1.in_use, in2.in_use);
	TAP_CHECK(key_arena_reserve(10) == -EBUSY, "reserve after the first allocation: -EBUSY");

	b = key_arena_alloc(KEY_ARENA_BLOCK);
	TAP_CHECK(b && all_zero(b, KEY_ARENA_BLOCK), "a new block is zeroed");
	TAP_CHECK(key_arena_alloc(KEY_ARENA_BLOCK + 1) == NULL, "a block never exceeds %d bytes",
		  KEY_ARENA_BLOCK);
	memset(b, 0xa5, KEY_ARENA_BLOCK);
	err = smaps_of(b, &locked, "dd", &dd);
	TAP_CHECK(!err && locked > 0, "arena memory is locked (%ld kB of its mapping)", locked);
	TAP_CHECK(dd, "arena memory is excluded from core dumps (VmFlags dd)");
	key_arena_info(&in1);
	TAP_CHECK(in1.locked, "the arena reports its mlock succeeded");
	key_arena_free(b);
	/* freed memory stays mapped (it is the arena): read it back */
	TAP_CHECK(all_zero(b, KEY_ARENA_BLOCK), "a freed block is wiped, every byte");
	c = key_arena_alloc(16);
	TAP_CHECK(c == b && all_zero(c, KEY_ARENA_BLOCK), "a freed block is reused, still zero");
	key_arena_free(c);

	/* The mapping holds blocks for the reserved count, then allocation fails cleanly. */
	key_arena_info(&in1);
	{
		size_t n = in1.blocks - in1.in_use, got = 0;
		void **v = calloc(n + 1, sizeof(*v));

		while (v && got <= n && (v[got] = key_arena_alloc(8)))
			got++;
		TAP_CHECK(v && got == n, "exactly the %zu free blocks can be taken, then NULL", n);
		for (size_t i = 0; v && i < got; i++)
			key_arena_free(v[i]);
		free(v);
	}
	return tap_done();
}
