// SPDX-License-Identifier: GPL-2.0
/*
 * Memory of a UE's ESP state (issue 8: at most 4 KiB of pcscfd memory per
 * registered UE, everything included). A registered UE holds one SA set:
 * four SAs (two inbound, two outbound) with the algorithms imsue and most
 * UEs offer first, hmac-sha-1-96 with aes-cbc, plus the null-cipher pair.
 * Resident bytes per set are measured over NSETS sets (heap and the key
 * arena's locked blocks, both counted) and held under SET_BUDGET, so a
 * regression (a per-SA cipher context, a replay window sized for the
 * maximum, a per-SA IV pool, full hash contexts) fails here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "esp/esp_priv.h"

#include "common/key_arena.h"
#include "esp_test_util.h"
#include "tap.h"

#define NSETS 20000
#define SET_BUDGET 2048 /* bytes per set of four SAs: half the UE's budget */

static size_t rss(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (size_t)sysconf(_SC_PAGESIZE);
}

static size_t per_set(enum esp_enc e, struct esp_sa **sa)
{
	size_t before, after;
	int err = 0, n = 0;

	before = rss();
	for (int i = 0; i < NSETS * 4; i++) {
		struct esp_sa_params p;

		test_params(&p, AF_INET, i & 1, ESP_AUTH_HMAC_SHA1_96, e);
		p.spi = 0x1000 + i;
		sa[i] = esp_sa_create(&p, &err);
		if (!sa[i])
			break;
		n++;
	}
	after = rss();
	if (n != NSETS * 4)
		return SIZE_MAX; /* creation failed: reported as over budget */
	for (int i = 0; i < n; i++)
		esp_sa_destroy(sa[i]);
	return n ? (after - before) / (n / 4) : SIZE_MAX;
}

int main(void)
{
	static struct esp_sa *sa[NSETS * 4];
	enum esp_enc encs[] = { ESP_ENC_AES_CBC, ESP_ENC_NULL };
	struct esp_sa_params p;
	int err;

	/* two passes' worth of locked blocks, reserved before the first SA */
	key_arena_reserve((size_t)NSETS * 4 * 2 + 64);
	/* lazy initialisation (libcrypto, the arena) is not growth */
	test_params(&p, AF_INET, true, ESP_AUTH_HMAC_SHA1_96, ESP_ENC_AES_CBC);
	esp_sa_destroy(esp_sa_create(&p, &err));
	/* each pair in a child of its own: the heap one pass freed would hide the next one's */
	for (size_t i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
		size_t b = SIZE_MAX;
		int fd[2], st;
		pid_t pid;

		if (pipe(fd))
			return 1;
		pid = fork();
		if (pid == 0) {
			b = per_set(encs[i], sa);
			_exit(write(fd[1], &b, sizeof(b)) == sizeof(b) ? 0 : 1);
		}
		close(fd[1]);
		if (pid < 0 || read(fd[0], &b, sizeof(b)) != sizeof(b))
			b = SIZE_MAX;
		close(fd[0]);
		waitpid(pid, &st, 0);
		TAP_CHECK(b <= SET_BUDGET,
			  "hmac-sha-1-96/%s: %zu resident bytes per set of four SAs (budget %d; "
			  "struct esp_sa %zu B, key block %d B)",
			  esp_enc_name(encs[i]), b, SET_BUDGET, esp_sa_alloc_size(0), KEY_ARENA_BLOCK);
	}
	return tap_done();
}
