/*
 * Examiner keys: generation, import, key IDs and signatures with the
 * OpenSSL 3 EVP API (CUSTODY.md §3.3).
 *
 * Key ID = "sha256:" + hex(SHA-256 of the DER SubjectPublicKeyInfo), so
 * `openssl pkey -pubin -in examiner.pub.pem -outform DER | sha256sum`
 * gives the same digits.  Ed25519 signs the message itself (one-shot
 * EVP_DigestSign, no digest: `openssl pkeyutl -verify -rawin`); ECDSA
 * P-256 signs its SHA-256 (DER signature: `openssl dgst -sha256 -verify`).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "custody_int.h"

/* The most recent OpenSSL error as text (and clear the queue). */
static const char *
ossl_why(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, len, "unknown OpenSSL error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

int
etk_cust_keygen(const char *type, EVP_PKEY **out, struct etk_error *err)
{
	char why[256];

	*out = NULL;
	if (type == NULL || strcmp(type, "ed25519") == 0)
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else if (strcmp(type, "p256") == 0)
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		return etk_fail(err, ETK_EINVAL, 0,
		    "bad key type '%s': expected ed25519 or p256", type);
	if (*out == NULL)
		return etk_fail(err, ETK_EIO, 0, "cannot generate %s key: %s",
		    type ? type : "ed25519", ossl_why(why, sizeof(why)));
	return ETK_OK;
}

/* Refuse encrypted keys: the library never asks for a passphrase. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(int *)u = 1;
	return -1;
}

int
etk_cust_key_read_private(const char *path, EVP_PKEY **out,
    struct etk_error *err)
{
	char why[256];
	int asked = 0;
	BIO *bio;

	*out = NULL;
	if ((bio = BIO_new_file(path, "rb")) == NULL) {
		int e = errno;

		ERR_clear_error();
		return etk_fail(err, e == ENOENT ? ETK_ENOTFOUND : ETK_EIO, e,
		    "cannot open '%s'", path);
	}
	*out = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked);
	BIO_free(bio);
	if (*out == NULL) {
		if (asked) {
			ERR_clear_error();
			return etk_fail(err, ETK_EUNSUPP, 0, "'%s': the key is "
			    "encrypted; give an unencrypted PEM key "
			    "(openssl pkey -in KEY -out PLAIN)", path);
		}
		return etk_fail(err, ETK_EFORMAT, 0,
		    "'%s': not a PEM private key: %s", path,
		    ossl_why(why, sizeof(why)));
	}
	return ETK_OK;
}

int
etk_cust_key_read_public(const char *path, EVP_PKEY **out,
    struct etk_error *err)
{
	char why[256];
	BIO *bio;

	*out = NULL;
	if ((bio = BIO_new_file(path, "rb")) == NULL) {
		int e = errno;

		ERR_clear_error();
		return etk_fail(err, e == ENOENT ? ETK_ENOTFOUND : ETK_EIO, e,
		    "cannot open '%s'", path);
	}
	*out = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (*out == NULL)
		return etk_fail(err, ETK_EFORMAT, 0,
		    "'%s': not a PEM public key: %s", path,
		    ossl_why(why, sizeof(why)));
	return ETK_OK;
}

const char *
etk_cust_key_type(EVP_PKEY *pk)
{
	char group[64];
	size_t n = 0;

	if (EVP_PKEY_is_a(pk, "ED25519"))
		return "ed25519";
	if (EVP_PKEY_is_a(pk, "EC") &&
	    EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &n) == 1 &&
	    (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0))
		return "p256";
	ERR_clear_error();
	return NULL;
}

int
etk_cust_key_id(EVP_PKEY *pk, char id[ETK_KEYID_MAX], struct etk_error *err)
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char why[256];
	int n;

	if ((n = i2d_PUBKEY(pk, &der)) <= 0)
		return etk_fail(err, ETK_EFORMAT, 0,
		    "cannot encode public key: %s", ossl_why(why, sizeof(why)));
	if (EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL) != 1) {
		OPENSSL_free(der);
		return etk_fail(err, ETK_EIO, 0, "sha256: %s",
		    ossl_why(why, sizeof(why)));
	}
	OPENSSL_free(der);
	memcpy(id, "sha256:", 7);
	etk_hex(md, mdlen, id + 7);
	return ETK_OK;
}

int
etk_cust_key_pem(EVP_PKEY *pk, int private_key, struct etk_buf *out,
    struct etk_error *err)
{
	char why[256], *p;
	long n;
	BIO *bio;
	int ok;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	if (private_key)	/* PKCS#8, unencrypted */
		ok = PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL,
		    NULL);
	else
		ok = PEM_write_bio_PUBKEY(bio, pk);
	if (ok != 1) {
		BIO_free(bio);
		return etk_fail(err, ETK_EFORMAT, 0, "cannot encode %s key: %s",
		    private_key ? "private" : "public",
		    ossl_why(why, sizeof(why)));
	}
	n = BIO_get_mem_data(bio, &p);
	etk_buf_add(out, p, (size_t)n);
	BIO_free(bio);
	if (out->oom)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	return ETK_OK;
}

/* Digest name for a key: NULL for Ed25519 (no pre-hash), else SHA-256. */
static const char *
mdname_for(EVP_PKEY *pk)
{
	return EVP_PKEY_is_a(pk, "ED25519") ? NULL : "SHA256";
}

int
etk_cust_sign(EVP_PKEY *pk, const void *msg, size_t len, unsigned char **sig,
    size_t *siglen, struct etk_error *err)
{
	EVP_MD_CTX *ctx;
	char why[256];
	size_t n = 0;

	*sig = NULL;
	*siglen = 0;
	if (etk_cust_key_type(pk) == NULL)
		return etk_fail(err, ETK_EUNSUPP, 0,
		    "key type not supported for signing (ed25519 or p256)");
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	/* Ed25519 supports only the one-shot call (no Update/Final). */
	if (EVP_DigestSignInit_ex(ctx, NULL, mdname_for(pk), NULL, NULL, pk,
	    NULL) != 1 ||
	    EVP_DigestSign(ctx, NULL, &n, msg, len) != 1)
		goto fail;
	if ((*sig = OPENSSL_malloc(n)) == NULL) {
		EVP_MD_CTX_free(ctx);
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	}
	if (EVP_DigestSign(ctx, *sig, &n, msg, len) != 1)
		goto fail;
	*siglen = n;
	EVP_MD_CTX_free(ctx);
	return ETK_OK;
fail:
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(*sig);
	*sig = NULL;
	return etk_fail(err, ETK_EIO, 0, "cannot sign: %s",
	    ossl_why(why, sizeof(why)));
}

int
etk_cust_verify(EVP_PKEY *pk, const void *msg, size_t len,
    const unsigned char *sig, size_t siglen, struct etk_error *err)
{
	EVP_MD_CTX *ctx;
	char why[256];
	int rc;

	if (etk_cust_key_type(pk) == NULL)
		return etk_fail(err, ETK_EUNSUPP, 0,
		    "key type not supported (ed25519 or p256)");
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	if (EVP_DigestVerifyInit_ex(ctx, NULL, mdname_for(pk), NULL, NULL, pk,
	    NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return etk_fail(err, ETK_EIO, 0, "cannot verify: %s",
		    ossl_why(why, sizeof(why)));
	}
	rc = EVP_DigestVerify(ctx, sig, siglen, msg, len);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (rc != 1)
		return etk_fail(err, ETK_EMISMATCH, 0,
		    "signature does not verify");
	return ETK_OK;
}

/* ---- custodian keys in the case ---- */

int
etk_cust_key_known(struct etk_case *kase, const char *id, int *known,
    struct etk_error *err)
{
	struct etk_error perr = { 0 };
	struct etk_lreader *r;
	const struct etk_jval *keys;
	struct etk_jval *doc;
	struct etk_buf line;
	const char *kid;
	size_t i;
	int fd, rc;

	*known = 0;
	if ((fd = open(kase->journal, O_RDONLY | O_CLOEXEC)) == -1)
		return etk_fail(err, ETK_EIO, errno, "cannot open '%s'",
		    kase->journal);
	if ((r = malloc(sizeof(*r))) == NULL) {
		close(fd);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "keys");
	}
	etk_lreader_init(r, fd, 0);
	etk_buf_init(&line);
	while (!*known && (rc = etk_lreader_next(r, &line, NULL,
	    "journal.jsonl", err)) == 1) {
		doc = NULL;
		if (etk_cust_line_parse(line.data, line.len -
		    (line.data[line.len - 1] == '\n'), &doc, &perr) != ETK_OK)
			continue;	/* the chain check reports it */
		keys = etk_jval_get(doc, "keys");
		for (i = 0; keys != NULL && keys->type == ETK_JARR &&
		    i < keys->n; i++) {
			kid = etk_jval_str(keys->items[i], "id");
			if (kid != NULL && strcmp(kid, id) == 0)
				*known = 1;
		}
		etk_jval_free(doc);
	}
	etk_buf_release(&line);
	free(r);
	close(fd);
	return rc < 0 ? rc : ETK_OK;
}

int
etk_cust_install_bytes(const char *dest, const void *data, size_t len,
    struct etk_error *err)
{
	char *have = NULL;
	size_t hlen = 0;
	int rc;

	rc = etk_write_file_atomic(dest, data, len, 0, NULL, err);
	if (rc != ETK_EEXIST)
		return rc;
	if ((rc = etk_cust_read_file(dest, len + 1, &have, &hlen, err)) !=
	    ETK_OK && rc != ETK_EFORMAT)
		return rc;
	rc = rc == ETK_OK && hlen == len && memcmp(have, data, len) == 0 ?
	    ETK_OK : etk_fail(err, ETK_EEXIST, 0, "'%s' exists with other "
	    "contents; refusing to replace it", dest);
	free(have);
	return rc;
}

int
etk_cust_key_install(struct etk_case *kase, EVP_PKEY *pk, const char *id,
    char file[ETK_SIGFILE_MAX], char pemsha[65], struct etk_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct etk_buf pem;
	char *path;
	int rc;

	snprintf(file, ETK_SIGFILE_MAX, "keys/custodian-%.16s.pub.pem", id + 7);
	etk_buf_init(&pem);
	if ((rc = etk_cust_key_pem(pk, 0, &pem, err)) != ETK_OK)
		goto out;
	if (EVP_Digest(pem.data, pem.len, md, &mdlen, EVP_sha256(), NULL) !=
	    1) {
		rc = etk_fail(err, ETK_EIO, 0, "sha256 failed");
		goto out;
	}
	etk_hex(md, mdlen, pemsha);
	if ((path = etk_cust_join(kase->dir, file)) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "keys");
		goto out;
	}
	rc = etk_cust_install_bytes(path, pem.data, pem.len, err);
	free(path);
out:
	etk_buf_release(&pem);
	return rc;
}

void
etk_cust_key_json(struct etk_json *j, const char *id, const char *type,
    const char *name, const char *role, const char *org, const char *pemsha,
    const char *file)
{
	etk_json_obj_begin(j);
	etk_json_kstr(j, "id", id);
	etk_json_kstr(j, "type", type);
	etk_json_kstr(j, "name", name);
	etk_json_kstr(j, "role", role);
	etk_json_kstr(j, "org", org);
	etk_json_kstr(j, "pub_pem_sha256", pemsha);
	etk_json_kstr(j, "file", file);
	etk_json_obj_end(j);
}
