// SPDX-License-Identifier: GPL-2.0
/*
 * freeDiameter refuses to start without TLS_Cred even when every peer is
 * No_TLS: when the operator gives no certificate, a throwaway self-signed
 * P-256 pair for our Origin-Host is made here (it is never presented, since
 * no peer uses TLS).
 */
#include <errno.h>
#include <stdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/log.h"

int rx_cert_selfsigned(const char *cn, const char *cert_path, const char *key_path);

int rx_cert_selfsigned(const char *cn, const char *cert_path, const char *key_path)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	FILE *f = NULL;
	int err = -EIO;

	if (!key || !x)
		goto out;
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3650L * 86400);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	if (!X509_sign(x, key, EVP_sha256()))
		goto out;
	f = fopen(key_path, "w");
	if (!f || !PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL))
		goto out;
	fclose(f);
	f = fopen(cert_path, "w");
	if (!f || !PEM_write_X509(f, x))
		goto out;
	err = 0;
out:
	if (f)
		fclose(f);
	if (err)
		pr_err("rx: cannot make a self-signed certificate in %s", cert_path);
	X509_free(x);
	EVP_PKEY_free(key);
	return err;
}
