// SPDX-License-Identifier: GPL-2.0
/*
 * The process's mapping count does not grow with the number of live SAs.
 * A per-SA sodium_malloc() cost 3-4 mappings, so some 16,000 live SAs (about
 * 1,300 UEs with three SA sets) ran into vm.max_map_count (65530) and SA
 * creation failed. Only the public ESP API is used here.
 */
#include <stdio.h>
#include <stdlib.h>

#include "esp_test_util.h"
#include "tap.h"

#define NSAS 20000

static int map_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, c;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

int main(void)
{
	static struct esp_sa *sa[NSAS];
	struct { enum esp_auth a; enum esp_enc e; } pairs[32];
	int npairs = 0, created = 0, before, live, after, err = 0;

	for (int a = ESP_AUTH_NULL; a <= ESP_AUTH_AES_GMAC; a++)
		for (int e = ESP_ENC_NULL; e <= ESP_ENC_CHACHA20_POLY1305; e++)
			if (!esp_alg_check(a, e)) {
				pairs[npairs].a = a;
				pairs[npairs++].e = e;
			}
	TAP_CHECK(npairs >= 6, "%d algorithm pairs", npairs);

	/* one of each first: lazy initialisation (libcrypto, the arena) is not growth */
	for (int i = 0; i < npairs; i++) {
		struct esp_sa_params p;

		test_params(&p, AF_INET, i & 1, pairs[i].a, pairs[i].e);
		esp_sa_destroy(esp_sa_create(&p, &err));
	}
	before = map_count();
	for (int i = 0; i < NSAS; i++) {
		struct esp_sa_params p;

		test_params(&p, i & 2 ? AF_INET6 : AF_INET, i & 1, pairs[i % npairs].a,
			    pairs[i % npairs].e);
		p.spi = 0x1000 + i;
		sa[i] = esp_sa_create(&p, &err);
		if (!sa[i])
			break;
		created++;
	}
	live = map_count();
	TAP_CHECK(created == NSAS, "%d of %d SAs created, all pairs (last error %d)", created, NSAS,
		  err);
	/* the heap (malloc arenas, libcrypto) may take a few more: not one per SA */
	TAP_CHECK(live - before < 64, "mappings with %d live SAs: %d, before: %d", created, live,
		  before);
	for (int i = 0; i < created; i++)
		esp_sa_destroy(sa[i]);
	after = map_count();
	TAP_CHECK(after - before < 64, "mappings after destroying them: %d", after);
	return tap_done();
}
