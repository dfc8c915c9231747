// SPDX-License-Identifier: GPL-2.0
/* TEST ONLY: the SA keys for tshark (ue_keys.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/addr.h"
#include "imsue/ue_keys.h"
#include "imsue/ue_sa.h"

static void hex(FILE *f, const uint8_t *b, size_t n)
{
	if (!n)
		fputc('-', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

int ue_keys_export(const char *path, const struct ue_sa_set *s, const struct pcscf_addr *ue,
		   const struct pcscf_addr *p, const uint8_t ck[16], const uint8_t ik[16])
{
	struct esp_sa_params prm;
	struct esp_keys k;
	struct pcscf_addr a;
	char src[ADDR_STR_LEN], dst[ADDR_STR_LEN];
	int fd, rc = 0;
	FILE *f;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "a");
	if (!f) {
		close(fd);
		return -errno;
	}
	rc = esp_derive_keys(s->auth, s->enc, ck, ik, &k);
	for (int w = 0; !rc && w < UE_SA_COUNT; w++) {
		rc = ue_sa_params(s, w, ue, p, ck, ik, &prm);
		if (rc)
			break;
		memcpy(a.a, prm.src, 16);
		addr_str(&a, src, sizeof(src));
		memcpy(a.a, prm.dst, 16);
		addr_str(&a, dst, sizeof(dst));
		fprintf(f, "sa %c %s %s 0x%08x %s %s ", prm.family == AF_INET ? '4' : '6', src, dst,
			prm.spi, esp_auth_name(s->auth), esp_enc_name(s->enc));
		hex(f, k.enc, k.enc_len);
		if (s->enc == ESP_ENC_AES_GCM)
			hex(f, k.salt, sizeof(k.salt));
		fputc(' ', f);
		hex(f, k.auth, k.auth_len);
		fputc('\n', f);
		OPENSSL_cleanse(&prm, sizeof(prm));
	}
	OPENSSL_cleanse(&k, sizeof(k));
	fclose(f);
	return rc;
}
