/*
 * Seals (CUSTODY.md §6a): a journal entry of type "seal" naming its
 * signers, signature files, time-stamp token and the line it covers (its
 * own seq), and for each signer a signature over the exact journal
 * prefix, lines 1 to the seal line inclusive, in
 * seals/NNNNNN.<first 16 hex of key id>.sig.
 *
 * The signatures are made under the journal lock before the seal line is
 * written, over the bytes the file will hold once it is, so a seal line
 * never exists without its signature files.  A seal may have several
 * signers: the examiner and co-signers, or at a hand-over the releasing
 * and the receiving custodian.
 *
 * Trusted time: an RFC 3161 token over the SHA-256 of the same prefix,
 * seals/NNNNNN.tsr, named by the seal line's "tsr" member.  The token
 * can only be asked for once the line exists, so a TSA that fails leaves
 * the seal standing with its query kept as seals/NNNNNN.tsq; the token
 * is attached later (etk_case_seal_attach_tsr), and until then the
 * verifier reports the time-stamp as pending.
 *
 * The verifier (etk_journal_verify_seals) checks every seal, in order,
 * even after a failure, against the key list the journal itself builds
 * up: the genesis keys[] plus the keys[] of later entries up to the seal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody_int.h"

#define SIG_MAX 4096
#define TSR_MAX (1024 * 1024)

static void
sig_name(char *out, size_t len, uint64_t seq, const char *keyid)
{
	snprintf(out, len, "seals/%06llu.%.16s.sig", (unsigned long long)seq,
	    keyid + 7);
}

static void
tsr_name(char *out, size_t len, uint64_t seq, const char *ext)
{
	snprintf(out, len, "seals/%06llu.%s", (unsigned long long)seq, ext);
}

static int
read_range(int fd, uint64_t off, char *buf, size_t len, struct etk_error *err)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return etk_fail(err, ETK_EIO, n < 0 ? errno : 0,
			    "journal.jsonl: cannot read %zu bytes at %llu", len,
			    (unsigned long long)off);
		done += (size_t)n;
	}
	return ETK_OK;
}

static int
sha256_raw(const void *p, size_t n, unsigned char md[32],
    struct etk_error *err)
{
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return etk_fail(err, ETK_EIO, 0, "sha256 failed");
	return ETK_OK;
}

/* ---- making seals ---- */

struct seal_arg {
	struct etk_cust_sealreq *req;
	char ids[ETK_SEAL_SIGNERS_MAX][ETK_KEYID_MAX];
	char *sig_path[ETK_SEAL_SIGNERS_MAX];	/* written, to remove if
						 * the append fails */
};

static int
seal_extra(struct etk_case *kase, uint64_t seq, struct etk_buf *m, void *varg,
    struct etk_error *err)
{
	struct seal_arg *a = varg;
	struct etk_cust_sealreq *req = a->req;
	char tsr[ETK_SIGFILE_MAX];
	struct etk_json j;
	size_t i;

	(void)kase;
	(void)err;
	for (i = 0; i < req->nkeys; i++)
		sig_name(req->sig_files[i], sizeof(req->sig_files[i]), seq,
		    a->ids[i]);
	etk_json_init(&j, m);
	etk_json_obj_begin(&j);
	etk_json_key(&j, "signers");
	etk_json_arr_begin(&j);
	for (i = 0; i < req->nkeys; i++)
		etk_json_str(&j, a->ids[i]);
	etk_json_arr_end(&j);
	etk_json_key(&j, "sig_files");
	etk_json_arr_begin(&j);
	for (i = 0; i < req->nkeys; i++)
		etk_json_str(&j, req->sig_files[i]);
	etk_json_arr_end(&j);
	if (req->want_tsr) {
		tsr_name(tsr, sizeof(tsr), seq, "tsr");
		etk_json_kstr(&j, "tsr", tsr);
	}
	etk_json_kuint(&j, "covers", seq);
	if (req->note != NULL)
		etk_json_kstr(&j, "note", req->note);
	if (req->keys_json != NULL) {
		etk_json_key(&j, "keys");
		etk_json_raw(&j, req->keys_json);
	}
	etk_json_obj_end(&j);
	/* Members only: drop the braces the emitter needs. */
	memmove(m->data, m->data + 1, m->len - 1);
	m->len -= 2;
	m->data[m->len] = '\0';
	return ETK_OK;
}

static int
seal_prewrite(struct etk_case *kase, uint64_t seq, int fd, uint64_t plen,
    const struct etk_buf *line, void *varg, struct etk_error *err)
{
	struct seal_arg *a = varg;
	struct etk_cust_sealreq *req = a->req;
	unsigned char *sig = NULL;
	size_t siglen = 0, total, i;
	char *msg, *dir;
	int rc = ETK_OK;

	(void)seq;
	if (plen > SIZE_MAX - line->len)
		return etk_fail(err, ETK_EINVAL, 0, "journal too large");
	total = (size_t)plen + line->len;
	if ((msg = malloc(total)) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "seal");
	if ((rc = read_range(fd, 0, msg, (size_t)plen, err)) != ETK_OK) {
		free(msg);
		return rc;
	}
	memcpy(msg + plen, line->data, line->len);
	if ((rc = sha256_raw(msg, total, req->digest, err)) != ETK_OK) {
		free(msg);
		return rc;
	}
	if ((dir = etk_cust_join(kase->dir, "seals")) != NULL) {
		(void)mkdir(dir, 0750);
		free(dir);
	}
	for (i = 0; i < req->nkeys && rc == ETK_OK; i++) {
		if ((rc = etk_cust_sign(req->keys[i], msg, total, &sig,
		    &siglen, err)) != ETK_OK)
			break;
		if ((a->sig_path[i] = etk_cust_join(kase->dir,
		    req->sig_files[i])) == NULL) {
			OPENSSL_free(sig);
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "seal");
			break;
		}
		/* A file of this name can only be left from a failed
		 * attempt: the seq was never used, so replacing it is
		 * safe. */
		rc = etk_write_file_atomic(a->sig_path[i], sig, siglen, 1, NULL,
		    err);
		OPENSSL_free(sig);
		sig = NULL;
		if (rc != ETK_OK) {
			free(a->sig_path[i]);
			a->sig_path[i] = NULL;
		}
	}
	free(msg);
	return rc;
}

int
etk_cust_examiner_key(struct etk_case *kase, struct etk_error *err)
{
	char id[ETK_KEYID_MAX], *path;
	int rc;

	if (kase->key != NULL)
		return ETK_OK;
	if ((path = etk_cust_join(kase->dir, "keys/examiner.key")) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "seal");
	rc = etk_cust_key_read_private(path, &kase->key, err);
	free(path);
	if (rc != ETK_OK)
		return rc;
	if ((rc = etk_cust_key_id(kase->key, id, err)) != ETK_OK)
		return rc;
	if (strcmp(id, kase->actor) != 0) {
		EVP_PKEY_free(kase->key);
		kase->key = NULL;
		return etk_fail(err, ETK_EMISMATCH, 0, "keys/examiner.key "
		    "(%s) is not the case's key (%s)", id, kase->actor);
	}
	return ETK_OK;
}

int
etk_cust_seal(struct etk_case *kase, struct etk_cust_sealreq *req,
    uint64_t *seq, struct etk_error *err)
{
	struct seal_arg a;
	size_t i, k;
	int rc;

	if (req->nkeys == 0 || req->nkeys > ETK_SEAL_SIGNERS_MAX)
		return etk_fail(err, ETK_EINVAL, 0, "seal: %zu signers",
		    req->nkeys);
	memset(&a, 0, sizeof(a));
	a.req = req;
	for (i = 0; i < req->nkeys; i++) {
		if ((rc = etk_cust_key_id(req->keys[i], a.ids[i], err)) !=
		    ETK_OK)
			return rc;
		if (etk_cust_key_type(req->keys[i]) == NULL)
			return etk_fail(err, ETK_EUNSUPP, 0, "seal: key %s: "
			    "type not supported (ed25519 or p256)", a.ids[i]);
		/* One signature file per signer, named by its id. */
		for (k = 0; k < i; k++)
			if (strncmp(a.ids[k], a.ids[i], 7 + 16) == 0)
				return etk_fail(err, ETK_EINVAL, 0, "seal: key "
				    "%s signs twice", a.ids[i]);
	}
	rc = etk_cust_append(kase, "seal", -1, 0, NULL, 0, seal_extra,
	    seal_prewrite, &a, seq, err);
	for (i = 0; i < req->nkeys; i++) {
		if (rc != ETK_OK && a.sig_path[i] != NULL)
			unlink(a.sig_path[i]);
		free(a.sig_path[i]);
	}
	return rc;
}

/* keys/tsa-chain.pem: the TSA's CA chain, copied from ca once. */
static int
install_tsa_ca(struct etk_case *kase, const char *ca, struct etk_error *err)
{
	char *data = NULL, *path;
	size_t len = 0;
	int rc;

	if ((rc = etk_cust_read_file(ca, TSR_MAX, &data, &len, err)) != ETK_OK)
		return etk_wrap(err, "--tsa-ca");
	if (len == 0 || strstr(data, "-----BEGIN CERTIFICATE-----") == NULL) {
		free(data);
		return etk_fail(err, ETK_EFORMAT, 0, "'%s': no PEM certificate",
		    ca);
	}
	if ((path = etk_cust_join(kase->dir, "keys/tsa-chain.pem")) == NULL) {
		free(data);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "seal");
	}
	rc = etk_cust_install_bytes(path, data, len, err);
	free(data);
	free(path);
	return rc;
}

/* The CA file that anchors tokens: ca, else keys/tsa-chain.pem if the
 * case has one, else none (signature-only check).  *path is malloc'd
 * or NULL. */
static int
tsa_anchor(const char *base, const char *ca, char **path,
    struct etk_error *err)
{
	*path = NULL;
	if (ca != NULL) {
		if ((*path = strdup(ca)) == NULL)
			return etk_fail(err, ETK_ENOMEM, ENOMEM, "tsa");
		return ETK_OK;
	}
	if ((*path = etk_cust_join(base, "keys/tsa-chain.pem")) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "tsa");
	if (access(*path, F_OK) != 0) {
		free(*path);
		*path = NULL;
	}
	return ETK_OK;
}

/* Load the co-signers' keys into req after the examiner's; any key the
 * journal does not list yet is copied into keys/ and listed (keys_json,
 * malloc'd, or NULL when none is new). */
static int
load_cosigners(struct etk_case *kase, const char *const *files,
    struct etk_cust_sealreq *req, char **keys_json, struct etk_error *err)
{
	char id[ETK_KEYID_MAX], file[ETK_SIGFILE_MAX], pemsha[65];
	struct etk_buf b;
	struct etk_json j;
	EVP_PKEY *pk;
	int known, any = 0, rc = ETK_OK;
	size_t i;

	*keys_json = NULL;
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_arr_begin(&j);
	for (i = 0; files != NULL && files[i] != NULL; i++) {
		if (req->nkeys == ETK_SEAL_SIGNERS_MAX) {
			rc = etk_fail(err, ETK_EINVAL, 0, "seal: more than %d "
			    "signers", ETK_SEAL_SIGNERS_MAX);
			break;
		}
		if ((rc = etk_cust_key_read_private(files[i], &pk, err)) !=
		    ETK_OK) {
			etk_wrap(err, "co-signer key");
			break;
		}
		req->keys[req->nkeys++] = pk;
		if (etk_cust_key_type(pk) == NULL) {
			rc = etk_fail(err, ETK_EUNSUPP, 0, "'%s': key type not "
			    "supported (ed25519 or p256)", files[i]);
			break;
		}
		if ((rc = etk_cust_key_id(pk, id, err)) != ETK_OK ||
		    (rc = etk_cust_key_known(kase, id, &known, err)) != ETK_OK)
			break;
		if (known)
			continue;
		if ((rc = etk_cust_key_install(kase, pk, id, file, pemsha,
		    err)) != ETK_OK)
			break;
		etk_cust_key_json(&j, id, etk_cust_key_type(pk), NULL,
		    "co-signer", NULL, pemsha, file);
		any = 1;
	}
	etk_json_arr_end(&j);
	if (rc == ETK_OK && b.oom)
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "seal");
	if (rc == ETK_OK && any)
		*keys_json = etk_buf_detach(&b);
	etk_buf_release(&b);
	return rc;
}

/* Ask url for a token over digest (the seal's prefix): on success
 * seals/NNNNNN.tsr, on failure the query is kept as seals/NNNNNN.tsq
 * (already written when tsq_written). */
static int
stamp_online(struct etk_case *kase, uint64_t seq, const unsigned char *digest,
    const char *url, const char *ca, const unsigned char *q, size_t qlen,
    int tsq_written, struct etk_error *err)
{
	struct etk_error kerr = { 0 };
	unsigned char *reply = NULL;
	char rel[ETK_SIGFILE_MAX], *path = NULL, *anchor = NULL;
	size_t rlen = 0;
	int rc;

	if ((rc = tsa_anchor(kase->dir, ca, &anchor, err)) != ETK_OK)
		return rc;
	if ((rc = etk_tsa_post(url, q, qlen, &reply, &rlen, err)) == ETK_OK &&
	    (rc = etk_tsa_check(reply, rlen, digest, q, qlen, anchor, NULL,
	    err)) == ETK_OK) {
		tsr_name(rel, sizeof(rel), seq, "tsr");
		if ((path = etk_cust_join(kase->dir, rel)) == NULL)
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "seal");
		else
			rc = etk_write_file_atomic(path, reply, rlen, 0, NULL,
			    err);
	}
	if (rc != ETK_OK && !tsq_written) {
		tsr_name(rel, sizeof(rel), seq, "tsq");
		free(path);
		if ((path = etk_cust_join(kase->dir, rel)) != NULL &&
		    etk_write_file_atomic(path, q, qlen, 0, NULL, &kerr) ==
		    ETK_OK)
			tsq_written = 1;
	}
	if (rc != ETK_OK && tsq_written)
		etk_wrap(err, "seal %llu stands without a time-stamp (query "
		    "kept as seals/%06llu.tsq)", (unsigned long long)seq,
		    (unsigned long long)seq);
	else if (rc != ETK_OK)
		etk_wrap(err, "seal %llu stands without a time-stamp (and its "
		    "query could not be kept: %s)", (unsigned long long)seq,
		    kerr.msg);
	free(reply);
	free(path);
	free(anchor);
	return rc;
}

int
etk_case_seal_opts(struct etk_case *kase, const struct etk_seal_opts *o,
    uint64_t *seq, struct etk_error *err)
{
	static const struct etk_seal_opts none;
	struct etk_cust_sealreq req;
	unsigned char *q = NULL;
	char rel[ETK_SIGFILE_MAX], *keys_json = NULL, *path = NULL;
	uint64_t s = 0;
	size_t qlen = 0, i;
	int rc, tsq_written = 0;

	if (seq != NULL)
		*seq = 0;
	if (kase == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "seal: no case");
	if (o == NULL)
		o = &none;
	if (o->tsq_out != NULL && access(o->tsq_out, F_OK) == 0)
		return etk_fail(err, ETK_EEXIST, 0, "'%s' exists; refusing to "
		    "replace it", o->tsq_out);
	if ((rc = etk_cust_examiner_key(kase, err)) != ETK_OK)
		return etk_wrap(err, "seal");
	memset(&req, 0, sizeof(req));
	req.note = o->note;
	req.keys[req.nkeys++] = kase->key;
	req.want_tsr = o->tsa_url != NULL || o->tsq_out != NULL;
	if (o->tsa_ca != NULL && (rc = install_tsa_ca(kase, o->tsa_ca, err)) !=
	    ETK_OK)
		goto out;
	if ((rc = load_cosigners(kase, o->cosign_keys, &req, &keys_json,
	    err)) != ETK_OK)
		goto out;
	req.keys_json = keys_json;
	if ((rc = etk_cust_seal(kase, &req, &s, err)) != ETK_OK)
		goto out;
	if (seq != NULL)
		*seq = s;
	if (!req.want_tsr)
		goto out;

	/* The seal stands from here on; what follows is its token. */
	if ((rc = etk_tsa_query(req.digest, &q, &qlen, err)) != ETK_OK) {
		etk_wrap(err, "seal %llu stands without a time-stamp",
		    (unsigned long long)s);
		goto out;
	}
	if (o->tsq_out != NULL) {
		if ((rc = etk_write_file_atomic(o->tsq_out, q, qlen, 0, NULL,
		    err)) != ETK_OK)
			goto out;
		tsr_name(rel, sizeof(rel), s, "tsq");
		if ((path = etk_cust_join(kase->dir, rel)) == NULL) {
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "seal");
			goto out;
		}
		if ((rc = etk_write_file_atomic(path, q, qlen, 0, NULL, err)) !=
		    ETK_OK)
			goto out;
		tsq_written = 1;
	}
	if (o->tsa_url != NULL)
		rc = stamp_online(kase, s, req.digest, o->tsa_url, o->tsa_ca,
		    q, qlen, tsq_written, err);
out:
	for (i = 1; i < req.nkeys; i++)	/* keys[0] is the case's */
		EVP_PKEY_free(req.keys[i]);
	free(keys_json);
	free(path);
	free(q);
	return rc;
}

int
etk_case_seal(struct etk_case *kase, const char *note, uint64_t *seq,
    struct etk_error *err)
{
	struct etk_seal_opts o;

	memset(&o, 0, sizeof(o));
	o.note = note;
	return etk_case_seal_opts(kase, &o, seq, err);
}

/* The bytes of lines 1..want of the journal (0: the last seal naming a
 * tsr that has no token file yet) and that line's parsed entry. */
static int
find_seal(struct etk_case *kase, uint64_t want, uint64_t *found,
    struct etk_buf *prefix, struct etk_jval **sealdoc, struct etk_error *err)
{
	struct etk_error perr = { 0 };
	struct etk_lreader *r;
	struct etk_jval *doc;
	struct etk_buf line;
	char rel[ETK_SIGFILE_MAX], *path;
	const char *type, *tsr;
	uint64_t n = 0, cut = 0;
	int fd, rc, pick;

	*found = 0;
	*sealdoc = NULL;
	if ((fd = open(kase->journal, O_RDONLY | O_CLOEXEC)) == -1)
		return etk_fail(err, ETK_EIO, errno, "cannot open '%s'",
		    kase->journal);
	if ((r = malloc(sizeof(*r))) == NULL) {
		close(fd);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "seal");
	}
	etk_lreader_init(r, fd, 0);
	etk_buf_init(&line);
	while ((rc = etk_lreader_next(r, &line, NULL, "journal.jsonl",
	    err)) == 1) {
		n++;
		etk_buf_add(prefix, line.data, line.len);
		if (want != 0 && n < want)
			continue;
		doc = NULL;
		pick = 0;
		if (etk_cust_line_parse(line.data, line.len -
		    (line.data[line.len - 1] == '\n'), &doc, &perr) == ETK_OK &&
		    (type = etk_jval_str(doc, "type")) != NULL &&
		    strcmp(type, "seal") == 0) {
			if (want != 0)
				pick = 1;
			else if ((tsr = etk_jval_str(doc, "tsr")) != NULL) {
				tsr_name(rel, sizeof(rel), n, "tsr");
				path = strcmp(tsr, rel) == 0 ?
				    etk_cust_join(kase->dir, rel) : NULL;
				pick = path != NULL && access(path, F_OK) != 0;
				free(path);
			}
		}
		if (pick) {
			etk_jval_free(*sealdoc);
			*sealdoc = doc;
			*found = n;
			cut = prefix->len;
		} else
			etk_jval_free(doc);
		if (want != 0)
			break;
	}
	etk_buf_release(&line);
	free(r);
	close(fd);
	if (rc < 0)
		return rc;
	if (prefix->oom)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "seal");
	if (*found == 0) {
		if (want != 0)
			return etk_fail(err, ETK_ENOTFOUND, 0, "line %llu is "
			    "not a seal (the journal has %llu lines)",
			    (unsigned long long)want, (unsigned long long)n);
		return etk_fail(err, ETK_ENOTFOUND, 0, "no seal is waiting "
		    "for a time-stamp token");
	}
	prefix->len = (size_t)cut;
	return ETK_OK;
}

int
etk_case_seal_attach_tsr(struct etk_case *kase, uint64_t seal_seq,
    const char *reply_file, const char *tsa_ca, uint64_t *seq,
    struct etk_error *err)
{
	unsigned char digest[32];
	char rel[ETK_SIGFILE_MAX], gen[ETK_TIME_MAX], tsrsha[65], note[256];
	char *path = NULL, *anchor = NULL;
	struct etk_jval *doc = NULL;
	struct etk_buf prefix, body;
	struct etk_json j;
	const char *tsr;
	uint64_t found = 0;
	int rc;

	if (seq != NULL)
		*seq = 0;
	if (kase == NULL || reply_file == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "time-stamp: no case or "
		    "no reply file");
	etk_buf_init(&prefix);
	etk_buf_init(&body);
	if ((rc = find_seal(kase, seal_seq, &found, &prefix, &doc, err)) !=
	    ETK_OK)
		goto out;
	tsr_name(rel, sizeof(rel), found, "tsr");
	if ((tsr = etk_jval_str(doc, "tsr")) == NULL ||
	    strcmp(tsr, rel) != 0) {
		rc = etk_fail(err, ETK_EINVAL, 0, "seal %llu does not name a "
		    "time-stamp token (sealed without --tsa-url or "
		    "--tsq-out)", (unsigned long long)found);
		goto out;
	}
	if ((path = etk_cust_join(kase->dir, rel)) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "time-stamp");
		goto out;
	}
	if (access(path, F_OK) == 0) {
		rc = etk_fail(err, ETK_EEXIST, 0, "seal %llu already has its "
		    "token, %s", (unsigned long long)found, rel);
		goto out;
	}
	if ((rc = sha256_raw(prefix.data, prefix.len, digest, err)) != ETK_OK)
		goto out;
	if (tsa_ca != NULL && (rc = install_tsa_ca(kase, tsa_ca, err)) !=
	    ETK_OK)
		goto out;
	if ((rc = tsa_anchor(kase->dir, tsa_ca, &anchor, err)) != ETK_OK)
		goto out;
	gen[0] = '\0';
	if ((rc = etk_tsa_stamp(digest, NULL, reply_file, anchor, path, gen,
	    err)) != ETK_OK) {
		etk_wrap(err, "seal %llu", (unsigned long long)found);
		goto out;
	}
	if ((rc = etk_file_sha256(path, tsrsha, NULL, err)) != ETK_OK)
		goto out;
	/* A token got later proves only that later time: say so. */
	snprintf(note, sizeof(note), "time-stamp token for seal %llu "
	    "attached: lines 1-%llu existed at %s (the token's time, not "
	    "the seal's)", (unsigned long long)found, (unsigned long long)found,
	    gen[0] ? gen : "the token's time");
	etk_json_init(&j, &body);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "note", note);
	etk_json_kuint(&j, "seal", found);
	etk_json_kstr(&j, "tsr", rel);
	etk_json_kstr(&j, "tsr_sha256", tsrsha);
	etk_json_kstr(&j, "tsr_time", gen[0] ? gen : NULL);
	etk_json_obj_end(&j);
	if (body.oom) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "time-stamp");
		goto out;
	}
	rc = etk_journal_append(kase, "note", -1, 0, body.data, seq, err);
out:
	etk_jval_free(doc);
	etk_buf_release(&prefix);
	etk_buf_release(&body);
	free(path);
	free(anchor);
	return rc;
}

/* ---- verifying seals ---- */

/* Keys named in the journal (genesis keys[], keys[] of later entries). */
struct keyref {
	char *id;
	char *file;
	char *pem_sha256;	/* may be NULL */
};
struct keylist {
	struct keyref *k;
	size_t n, cap;
};

static void
keys_free(struct keylist *kl)
{
	size_t i;

	for (i = 0; i < kl->n; i++) {
		free(kl->k[i].id);
		free(kl->k[i].file);
		free(kl->k[i].pem_sha256);
	}
	free(kl->k);
}

static const struct keyref *
keys_find(const struct keylist *kl, const char *id)
{
	size_t i;

	for (i = 0; i < kl->n; i++)
		if (strcmp(kl->k[i].id, id) == 0)
			return &kl->k[i];
	return NULL;
}

/* Add the keys of one keys[] array; the first listing of an id wins. */
static int
keys_add(struct keylist *kl, const struct etk_jval *arr, struct etk_error *err)
{
	const char *id, *file, *ps;
	struct keyref *p;
	size_t i;

	for (i = 0; i < arr->n; i++) {
		if (arr->items[i]->type != ETK_JOBJ)
			continue;
		id = etk_jval_str(arr->items[i], "id");
		file = etk_jval_str(arr->items[i], "file");
		ps = etk_jval_str(arr->items[i], "pub_pem_sha256");
		if (id == NULL || file == NULL || keys_find(kl, id) != NULL)
			continue;
		if (kl->n == kl->cap) {
			size_t cap = kl->cap ? kl->cap * 2 : 4;

			if ((p = realloc(kl->k, cap * sizeof(*p))) == NULL)
				return etk_fail(err, ETK_ENOMEM, ENOMEM,
				    "keys");
			kl->k = p;
			kl->cap = cap;
		}
		p = &kl->k[kl->n];
		p->id = strdup(id);
		p->file = strdup(file);
		p->pem_sha256 = ps != NULL ? strdup(ps) : NULL;
		kl->n++;
		if (p->id == NULL || p->file == NULL ||
		    (ps != NULL && p->pem_sha256 == NULL))
			return etk_fail(err, ETK_ENOMEM, ENOMEM, "keys");
	}
	return ETK_OK;
}

/* A relative path inside the base: no "..", no absolute path. */
static int
safe_rel(const char *p)
{
	const char *c;

	if (p[0] == '\0' || p[0] == '/')
		return 0;
	for (c = p; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == '\\')
			return 0;
	for (c = p; c != NULL; c = strchr(c, '/')) {
		if (*c == '/')
			c++;
		if (strncmp(c, "..", 2) == 0 && (c[2] == '/' || c[2] == '\0'))
			return 0;
	}
	return 1;
}

struct vstate {
	const char *jname;	/* the journal's file name, for messages */
	const char *seals_base, *keys_base;
	const char *anchor;	/* TSA CA file or NULL */
	etk_seal_report_fn report;
	void *arg;
	struct etk_error *err;
	int failed;
};

/* Report one check; the first failure becomes the error returned. */
static void
vreport(struct vstate *vs, uint64_t seal, const char *what,
    const char *signer, const char *file, int status, int pending,
    const char *msg)
{
	struct etk_seal_check c;

	c.seal = seal;
	c.what = what;
	c.signer = signer;
	c.file = file;
	c.status = status;
	c.message = msg;
	if (vs->report != NULL)
		vs->report(vs->arg, &c);
	if (status == ETK_OK || pending || vs->failed)
		return;
	vs->failed = 1;
	if (file != NULL)
		etk_fail(vs->err, ETK_EMISMATCH, 0, "seal %llu: %s: %s",
		    (unsigned long long)seal, file, msg);
	else
		etk_fail(vs->err, ETK_EMISMATCH, 0, "seal %llu: %s",
		    (unsigned long long)seal, msg);
}

/* A line that is not a seal we can read: a failure without a check. */
static void
vfail_line(struct vstate *vs, uint64_t line, const char *why)
{
	if (vs->failed)
		return;
	vs->failed = 1;
	etk_fail(vs->err, ETK_EMISMATCH, 0, "%s: line %llu: %s", vs->jname,
	    (unsigned long long)line, why);
}

/* The signer's public key, checked against the journal's key list:
 * listed, inside keys_base, PEM bytes as recorded, the same key id. */
static int
check_key(struct vstate *vs, uint64_t seq, const char *signer,
    const char *sigrel, const struct keylist *kl, EVP_PKEY **pk)
{
	struct etk_error e = { 0 };
	const struct keyref *kr;
	char id[ETK_KEYID_MAX], pemsha[65], why[ETK_ERRMSG_MAX], *path;
	int rc;

	*pk = NULL;
	if ((kr = keys_find(kl, signer)) == NULL) {
		snprintf(why, sizeof(why), "signer %s is not in the journal's "
		    "key list", signer);
		vreport(vs, seq, "key", signer, sigrel, ETK_EMISMATCH, 0, why);
		return ETK_EMISMATCH;
	}
	if (!safe_rel(kr->file)) {
		vreport(vs, seq, "key", signer, kr->file, ETK_EMISMATCH, 0,
		    "key file is not inside the case");
		return ETK_EMISMATCH;
	}
	if ((path = etk_cust_join(vs->keys_base, kr->file)) == NULL) {
		vreport(vs, seq, "key", signer, kr->file, ETK_ENOMEM, 0,
		    "out of memory");
		return ETK_ENOMEM;
	}
	if (kr->pem_sha256 != NULL) {
		if ((rc = etk_file_sha256(path, pemsha, NULL, &e)) != ETK_OK) {
			vreport(vs, seq, "key", signer, kr->file, rc, 0,
			    rc == ETK_ENOTFOUND ? "missing" : e.msg);
			free(path);
			return rc;
		}
		if (strcmp(pemsha, kr->pem_sha256) != 0) {
			vreport(vs, seq, "key", signer, kr->file,
			    ETK_EMISMATCH, 0, "sha256 differs from the "
			    "journal's pub_pem_sha256");
			free(path);
			return ETK_EMISMATCH;
		}
	}
	rc = etk_cust_key_read_public(path, pk, &e);
	free(path);
	if (rc == ETK_OK)
		rc = etk_cust_key_id(*pk, id, &e);
	if (rc != ETK_OK) {
		vreport(vs, seq, "key", signer, kr->file, rc, 0,
		    rc == ETK_ENOTFOUND ? "missing" : e.msg);
		EVP_PKEY_free(*pk);
		*pk = NULL;
		return rc;
	}
	if (strcmp(id, signer) != 0) {
		snprintf(why, sizeof(why), "holds key %s, not the signer %s",
		    id, signer);
		vreport(vs, seq, "key", signer, kr->file, ETK_EMISMATCH, 0,
		    why);
		EVP_PKEY_free(*pk);
		*pk = NULL;
		return ETK_EMISMATCH;
	}
	return ETK_OK;
}

/* One signature of the seal at line seq over prefix[0..plen). */
static void
check_sig(struct vstate *vs, uint64_t seq, const char *signer,
    const char *sigrel, const struct keylist *kl, const char *prefix,
    size_t plen)
{
	struct etk_error e = { 0 };
	char expect[ETK_SIGFILE_MAX], why[ETK_ERRMSG_MAX];
	char *path, *sig = NULL;
	EVP_PKEY *pk = NULL;
	size_t siglen = 0;
	int rc;

	if (strncmp(signer, "sha256:", 7) != 0 || strlen(signer) != 71) {
		snprintf(why, sizeof(why), "bad signer '%.80s'", signer);
		vreport(vs, seq, "signature", signer, sigrel, ETK_EMISMATCH, 0,
		    why);
		return;
	}
	/* The name says which seal and signer: a file renamed from
	 * another seal cannot be passed off under this one's name. */
	sig_name(expect, sizeof(expect), seq, signer);
	if (strcmp(sigrel, expect) != 0) {
		snprintf(why, sizeof(why), "should be named '%s'", expect);
		vreport(vs, seq, "signature", signer, sigrel, ETK_EMISMATCH, 0,
		    why);
		return;
	}
	if (check_key(vs, seq, signer, sigrel, kl, &pk) != ETK_OK)
		return;
	if ((path = etk_cust_join(vs->seals_base, sigrel)) == NULL) {
		vreport(vs, seq, "signature", signer, sigrel, ETK_ENOMEM, 0,
		    "out of memory");
		goto out;
	}
	rc = etk_cust_read_file(path, SIG_MAX, &sig, &siglen, &e);
	free(path);
	if (rc != ETK_OK) {
		vreport(vs, seq, "signature", signer, sigrel,
		    rc == ETK_ENOTFOUND ? ETK_ENOTFOUND : ETK_EMISMATCH, 0,
		    rc == ETK_ENOTFOUND ? "missing" : e.msg);
		goto out;
	}
	rc = etk_cust_verify(pk, prefix, plen, (unsigned char *)sig, siglen,
	    &e);
	vreport(vs, seq, "signature", signer, sigrel, rc, 0,
	    rc == ETK_OK ? "verified" : e.msg);
out:
	EVP_PKEY_free(pk);
	free(sig);
}

static void
check_tsr(struct vstate *vs, uint64_t seq, const struct etk_jval *tv,
    const char *prefix, size_t plen)
{
	struct etk_error e = { 0 };
	unsigned char digest[32];
	char expect[ETK_SIGFILE_MAX], tsq[ETK_SIGFILE_MAX], gen[ETK_TIME_MAX];
	char why[ETK_ERRMSG_MAX], *path, *data = NULL;
	size_t len = 0;
	int rc;

	tsr_name(expect, sizeof(expect), seq, "tsr");
	if (tv->type != ETK_JSTR || strcmp(tv->str, expect) != 0) {
		snprintf(why, sizeof(why), "tsr should be '%s'", expect);
		vreport(vs, seq, "timestamp", NULL, NULL, ETK_EMISMATCH, 0,
		    why);
		return;
	}
	if ((path = etk_cust_join(vs->seals_base, expect)) == NULL) {
		vreport(vs, seq, "timestamp", NULL, expect, ETK_ENOMEM, 0,
		    "out of memory");
		return;
	}
	rc = etk_cust_read_file(path, TSR_MAX, &data, &len, &e);
	free(path);
	if (rc == ETK_ENOTFOUND) {
		tsr_name(tsq, sizeof(tsq), seq, "tsq");
		path = etk_cust_join(vs->seals_base, tsq);
		if (path != NULL && access(path, F_OK) == 0) {
			snprintf(why, sizeof(why), "pending: no token yet, the "
			    "query is kept as %s", tsq);
			vreport(vs, seq, "timestamp", NULL, expect,
			    ETK_ENOTFOUND, 1, why);
		} else
			vreport(vs, seq, "timestamp", NULL, expect,
			    ETK_ENOTFOUND, 0, "missing");
		free(path);
		return;
	}
	if (rc != ETK_OK) {
		vreport(vs, seq, "timestamp", NULL, expect, ETK_EMISMATCH, 0,
		    e.msg);
		return;
	}
	gen[0] = '\0';
	if ((rc = sha256_raw(prefix, plen, digest, &e)) == ETK_OK)
		rc = etk_tsa_check((unsigned char *)data, len, digest, NULL, 0,
		    vs->anchor, gen, &e);
	free(data);
	vreport(vs, seq, "timestamp", NULL, expect, rc, 0,
	    rc == ETK_OK ? gen : e.msg);
}

static void
check_seal(struct vstate *vs, uint64_t seq, const struct etk_jval *doc,
    const struct keylist *kl, const char *prefix, size_t plen)
{
	const struct etk_jval *signers, *files, *covers, *tv;
	const char *signer;
	size_t i;

	covers = etk_jval_get(doc, "covers");
	signers = etk_jval_get(doc, "signers");
	files = etk_jval_get(doc, "sig_files");
	if (covers == NULL || covers->type != ETK_JNUM || !covers->is_int ||
	    covers->inum != (int64_t)seq)
		vreport(vs, seq, "signature", NULL, NULL, ETK_EMISMATCH, 0,
		    "covers is not its own line number");
	else if (signers == NULL || signers->type != ETK_JARR ||
	    signers->n == 0 || files == NULL || files->type != ETK_JARR ||
	    files->n != signers->n)
		vreport(vs, seq, "signature", NULL, NULL, ETK_EMISMATCH, 0,
		    "signers and sig_files missing or of different lengths");
	else
		for (i = 0; i < signers->n; i++) {
			signer = signers->items[i]->type == ETK_JSTR ?
			    signers->items[i]->str : NULL;
			if (signer == NULL ||
			    files->items[i]->type != ETK_JSTR) {
				vreport(vs, seq, "signature", signer, NULL,
				    ETK_EMISMATCH, 0, "a signer or sig_file "
				    "is not a string");
				continue;
			}
			check_sig(vs, seq, signer, files->items[i]->str, kl,
			    prefix, plen);
		}
	if ((tv = etk_jval_get(doc, "tsr")) != NULL)
		check_tsr(vs, seq, tv, prefix, plen);
}

int
etk_journal_verify_seals(const char *journal_path, const char *seals_base,
    const char *keys_base, const char *tsa_ca, uint64_t *nseals,
    etk_seal_report_fn report, void *arg, struct etk_error *err)
{
	struct etk_error perr = { 0 };
	struct etk_lreader *r = NULL;
	const struct etk_jval *keys;
	struct etk_jval *doc = NULL;
	struct vstate vs;
	struct keylist kl;
	struct etk_buf line, all;
	uint64_t seq = 0, count = 0;
	const char *type, *slash;
	char *anchor = NULL;
	int fd, rc;

	if (nseals != NULL)
		*nseals = 0;
	if (journal_path == NULL || seals_base == NULL || keys_base == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "seals: no journal or "
		    "base directory");
	if ((fd = open(journal_path, O_RDONLY | O_CLOEXEC)) == -1)
		return etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "cannot open '%s'", journal_path);
	if ((rc = tsa_anchor(keys_base, tsa_ca, &anchor, err)) != ETK_OK) {
		close(fd);
		return rc;
	}
	memset(&vs, 0, sizeof(vs));
	slash = strrchr(journal_path, '/');
	vs.jname = slash != NULL && slash[1] != '\0' ? slash + 1 :
	    journal_path;
	vs.seals_base = seals_base;
	vs.keys_base = keys_base;
	vs.anchor = anchor;
	vs.report = report;
	vs.arg = arg;
	vs.err = err;
	memset(&kl, 0, sizeof(kl));
	etk_buf_init(&line);
	etk_buf_init(&all);	/* the journal so far: each seal's prefix */
	if ((r = malloc(sizeof(*r))) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "seals");
		goto out;
	}
	etk_lreader_init(r, fd, 0);
	while ((rc = etk_lreader_next(r, &line, NULL, vs.jname, &perr)) == 1) {
		seq++;
		etk_buf_add(&all, line.data, line.len);
		if (all.oom) {
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "seals");
			goto out;
		}
		etk_jval_free(doc);
		doc = NULL;
		if (etk_cust_line_parse(line.data, line.len -
		    (line.data[line.len - 1] == '\n'), &doc, &perr) !=
		    ETK_OK || doc->type != ETK_JOBJ) {
			vfail_line(&vs, seq, "not a JSON object");
			continue;
		}
		keys = etk_jval_get(doc, "keys");
		if (keys != NULL && keys->type == ETK_JARR &&
		    (rc = keys_add(&kl, keys, err)) != ETK_OK)
			goto out;
		type = etk_jval_str(doc, "type");
		if (type == NULL || strcmp(type, "seal") != 0)
			continue;
		count++;
		check_seal(&vs, seq, doc, &kl, all.data, all.len);
	}
	if (rc < 0) {
		if (rc == ETK_EFORMAT) {	/* an over-long line */
			vfail_line(&vs, seq + 1, perr.msg);
			rc = ETK_OK;
		} else {
			if (err != NULL)
				*err = perr;
			goto out;
		}
	}
	if (nseals != NULL)
		*nseals = count;
	rc = vs.failed ? ETK_EMISMATCH : ETK_OK;
out:
	etk_jval_free(doc);
	keys_free(&kl);
	etk_buf_release(&line);
	etk_buf_release(&all);
	free(anchor);
	free(r);
	close(fd);
	return rc;
}

int
etk_case_verify_seals(const char *dir, uint64_t *nseals,
    struct etk_error *err)
{
	char *path;
	int rc;

	if (nseals != NULL)
		*nseals = 0;
	if (dir == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "seals: no case directory");
	if ((path = etk_cust_join(dir, "journal.jsonl")) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "seals");
	rc = etk_journal_verify_seals(path, dir, dir, NULL, nseals, NULL, NULL,
	    err);
	free(path);
	return rc;
}
