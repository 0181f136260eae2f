/*
 * Custodians and hand-overs (CUSTODY.md §3.2 "both parties on every
 * hand-over", §6a "dual-signed by releasing and receiving custodian").
 *
 * A hand-over is two journal lines: a "transfer" entry (exhibit, item,
 * both parties with their key ids, where the exhibit goes, why, on what
 * authority, the bag seal and its state) and a seal over the journal up
 * to and including that seal, signed by the releasing and the receiving
 * party's keys.  A party key the journal does not list yet is listed in
 * the transfer entry's "keys" member, shaped like the genesis entry's,
 * and its public key is copied into the case, so a verifier finds every
 * signer's key in the journal's own key list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody_int.h"

/* A new 0600 file, written under a temporary name and linked into
 * place (never over an existing file). */
static int
write_private(const char *path, const void *data, size_t len,
    struct etk_error *err)
{
	const char *p = data;
	size_t off = 0;
	ssize_t n;
	char *tmp;
	int fd, e;

	if ((tmp = malloc(strlen(path) + 16)) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "keygen");
	sprintf(tmp, "%s.tmp-XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		e = errno;
		free(tmp);
		return etk_fail(err, ETK_EIO, e, "cannot create '%s'", path);
	}
	if (fchmod(fd, 0600) != 0)
		goto fail;
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	e = etk_publish_file(fd, tmp, path, err);
	free(tmp);
	return e;
fail:
	e = errno;
	close(fd);
	unlink(tmp);
	free(tmp);
	return etk_fail(err, ETK_EIO, e, "cannot write '%s'", path);
}

int
etk_key_generate(const char *priv_path, const char *pub_path,
    const char *type, char keyid[ETK_KEYID_MAX], struct etk_error *err)
{
	struct etk_buf pem;
	EVP_PKEY *pk = NULL;
	int rc;

	if (priv_path == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "keygen: no output file");
	if (pub_path != NULL && strcmp(pub_path, priv_path) == 0)
		return etk_fail(err, ETK_EINVAL, 0, "keygen: the public and "
		    "the private key file are the same, '%s'", priv_path);
	/* Both names checked first, so a refusal leaves nothing behind. */
	if (access(priv_path, F_OK) == 0)
		return etk_fail(err, ETK_EEXIST, 0, "'%s' exists; refusing to "
		    "replace it", priv_path);
	if (pub_path != NULL && access(pub_path, F_OK) == 0)
		return etk_fail(err, ETK_EEXIST, 0, "'%s' exists; refusing to "
		    "replace it", pub_path);
	if ((rc = etk_cust_keygen(type, &pk, err)) != ETK_OK)
		return rc;
	etk_buf_init(&pem);
	if ((rc = etk_cust_key_pem(pk, 1, &pem, err)) != ETK_OK)
		goto out;
	rc = write_private(priv_path, pem.data, pem.len, err);
	OPENSSL_cleanse(pem.data, pem.len);
	if (rc != ETK_OK)
		goto out;
	if (pub_path != NULL) {
		etk_buf_reset(&pem);
		if ((rc = etk_cust_key_pem(pk, 0, &pem, err)) != ETK_OK ||
		    (rc = etk_write_file_atomic(pub_path, pem.data, pem.len, 0,
		    NULL, err)) != ETK_OK) {
			unlink(priv_path);
			goto out;
		}
	}
	if (keyid != NULL)
		rc = etk_cust_key_id(pk, keyid, err);
out:
	etk_buf_release(&pem);
	EVP_PKEY_free(pk);
	return rc;
}

int
etk_key_file_id(const char *path, char keyid[ETK_KEYID_MAX],
    struct etk_error *err)
{
	EVP_PKEY *pk = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (path == NULL || keyid == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "key id: no file");
	/* Look, so the message says what the file is not. */
	if ((rc = etk_cust_read_file(path, 1024 * 1024, &text, &len, err)) !=
	    ETK_OK)
		return rc;
	if (strstr(text, "PRIVATE KEY-----") != NULL)
		rc = etk_cust_key_read_private(path, &pk, err);
	else if (strstr(text, "-----BEGIN PUBLIC KEY-----") != NULL)
		rc = etk_cust_key_read_public(path, &pk, err);
	else
		rc = etk_fail(err, ETK_EFORMAT, 0, "'%s': not a PEM public or "
		    "private key", path);
	free(text);
	if (rc == ETK_OK && etk_cust_key_type(pk) == NULL)
		rc = etk_fail(err, ETK_EUNSUPP, 0, "'%s': key type not "
		    "supported (ed25519 or p256)", path);
	if (rc == ETK_OK)
		rc = etk_cust_key_id(pk, keyid, err);
	EVP_PKEY_free(pk);
	return rc;
}

/* A party's key: its own file, or the case examiner's. */
struct party {
	EVP_PKEY *pk;		/* owned unless it is kase->key */
	char id[ETK_KEYID_MAX];
	int known;
	char file[ETK_SIGFILE_MAX], pemsha[65];
};

static int
party_load(struct etk_case *kase, const struct etk_custodian *c,
    const char *which, struct party *p, struct etk_error *err)
{
	int rc;

	if (c->key_file == NULL) {
		if ((rc = etk_cust_examiner_key(kase, err)) != ETK_OK)
			return rc;
		p->pk = kase->key;
	} else {
		if ((rc = etk_cust_key_read_private(c->key_file, &p->pk,
		    err)) != ETK_OK)
			return etk_wrap(err, "%s key", which);
		if (etk_cust_key_type(p->pk) == NULL)
			return etk_fail(err, ETK_EUNSUPP, 0, "'%s': key type "
			    "not supported (ed25519 or p256)", c->key_file);
	}
	if ((rc = etk_cust_key_id(p->pk, p->id, err)) != ETK_OK ||
	    (rc = etk_cust_key_known(kase, p->id, &p->known, err)) != ETK_OK)
		return rc;
	return ETK_OK;
}

static void
party_json(struct etk_json *j, const char *key, const struct etk_custodian *c,
    const struct party *p)
{
	etk_json_key(j, key);
	etk_json_obj_begin(j);
	etk_json_kstr(j, "name", c->name);
	if (c->role != NULL)
		etk_json_kstr(j, "role", c->role);
	if (c->org != NULL)
		etk_json_kstr(j, "org", c->org);
	if (c->auth_ref != NULL)
		etk_json_kstr(j, "auth_ref", c->auth_ref);
	etk_json_kstr(j, "key", p->id);
	etk_json_obj_end(j);
}

static void
opt_str(struct etk_json *j, const char *key, const char *v)
{
	if (v != NULL)
		etk_json_kstr(j, key, v);
}

static int
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0';
}

int
etk_case_transfer(struct etk_case *kase, const struct etk_handover *h,
    uint64_t *seq, uint64_t *seal_seq, struct etk_error *err)
{
	struct etk_cust_sealreq req;
	struct party pp[2];
	const struct etk_custodian *cc[2];
	struct etk_buf body;
	struct etk_json j;
	uint64_t tseq = 0, sseq = 0;
	int rc, i, nnew = 0;

	if (seq != NULL)
		*seq = 0;
	if (seal_seq != NULL)
		*seal_seq = 0;
	if (kase == NULL || h == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "transfer: no case");
	if (!nonempty(h->exhibit))
		return etk_fail(err, ETK_EINVAL, 0, "transfer: no exhibit");
	if (!nonempty(h->from.name) || !nonempty(h->to.name))
		return etk_fail(err, ETK_EINVAL, 0, "transfer: both parties "
		    "need a name");
	if (h->to.key_file == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "transfer: the receiving "
		    "party's key is required (both parties sign)");
	if (h->bag_seal_intact < -1 || h->bag_seal_intact > 1)
		return etk_fail(err, ETK_EINVAL, 0, "transfer: bad "
		    "bag_seal_intact %d", h->bag_seal_intact);
	memset(pp, 0, sizeof(pp));
	memset(&req, 0, sizeof(req));
	etk_buf_init(&body);
	cc[0] = &h->from;
	cc[1] = &h->to;
	for (i = 0; i < 2; i++)
		if ((rc = party_load(kase, cc[i], i ? "to" : "from", &pp[i],
		    err)) != ETK_OK)
			goto out;
	if (strcmp(pp[0].id, pp[1].id) == 0) {
		rc = etk_fail(err, ETK_EINVAL, 0, "transfer: the releasing and "
		    "the receiving party have the same key (%s)", pp[0].id);
		goto out;
	}
	/* Keys first: a listed key's file is in the case before the entry
	 * that lists it. */
	for (i = 0; i < 2; i++)
		if (!pp[i].known) {
			if ((rc = etk_cust_key_install(kase, pp[i].pk,
			    pp[i].id, pp[i].file, pp[i].pemsha, err)) !=
			    ETK_OK)
				goto out;
			nnew++;
		}

	etk_json_init(&j, &body);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "exhibit", h->exhibit);
	opt_str(&j, "item", h->item);
	party_json(&j, "from", &h->from, &pp[0]);
	party_json(&j, "to", &h->to, &pp[1]);
	opt_str(&j, "location", h->location);
	opt_str(&j, "reason", h->reason);
	opt_str(&j, "authority", h->authority);
	opt_str(&j, "bag_seal", h->bag_seal);
	if (h->bag_seal_intact >= 0)
		etk_json_kbool(&j, "bag_seal_intact", h->bag_seal_intact);
	opt_str(&j, "new_bag_seal", h->new_bag_seal);
	opt_str(&j, "note", h->note);
	if (nnew > 0) {
		etk_json_key(&j, "keys");
		etk_json_arr_begin(&j);
		for (i = 0; i < 2; i++)
			if (!pp[i].known)
				etk_cust_key_json(&j, pp[i].id,
				    etk_cust_key_type(pp[i].pk), cc[i]->name,
				    cc[i]->role, cc[i]->org, pp[i].pemsha,
				    pp[i].file);
		etk_json_arr_end(&j);
	}
	etk_json_obj_end(&j);
	if (body.oom) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "transfer");
		goto out;
	}
	if ((rc = etk_journal_append(kase, "transfer", -1, 0, body.data, &tseq,
	    err)) != ETK_OK)
		goto out;
	if (seq != NULL)
		*seq = tseq;

	req.keys[0] = pp[0].pk;
	req.keys[1] = pp[1].pk;
	req.nkeys = 2;
	if ((rc = etk_cust_seal(kase, &req, &sseq, err)) != ETK_OK) {
		etk_wrap(err, "transfer entry %llu written, but its seal "
		    "failed", (unsigned long long)tseq);
		goto out;
	}
	if (seal_seq != NULL)
		*seal_seq = sseq;
out:
	for (i = 0; i < 2; i++)
		if (pp[i].pk != kase->key)
			EVP_PKEY_free(pp[i].pk);
	etk_buf_release(&body);
	return rc;
}
