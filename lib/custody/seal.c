/*
 * Seals (CUSTODY.md §6a): a journal entry of type "seal" naming its
 * signers, signature files and the line it covers (its own seq), and for
 * each signer a signature over the exact journal prefix, lines 1 to the
 * seal line inclusive, in seals/NNNNNN.<first 16 hex of key id>.sig.
 *
 * The signature is made under the journal lock before the seal line is
 * written, over the bytes the file will hold once it is, so a seal line
 * never exists without its signature file.
 *
 * Trusted timestamps (RFC 3161 tokens over the same prefix, in
 * seals/NNNNNN.tsr, and a "tsr" member in the seal entry) are a later
 * stage; the verifier below will check them when they exist.
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

struct seal_arg {
	const char *note;
	char sig_rel[64];	/* seals/NNNNNN.<keyid16>.sig */
	char *sig_path;		/* written, to remove if the append fails */
};

static void
sig_name(char *out, size_t len, uint64_t seq, const char *keyid)
{
	snprintf(out, len, "seals/%06llu.%.16s.sig", (unsigned long long)seq,
	    keyid + 7);
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
seal_extra(struct etk_case *kase, uint64_t seq, struct etk_buf *m, void *varg,
    struct etk_error *err)
{
	struct seal_arg *a = varg;
	struct etk_json j;

	(void)err;
	sig_name(a->sig_rel, sizeof(a->sig_rel), seq, kase->actor);
	etk_json_init(&j, m);
	etk_json_obj_begin(&j);
	etk_json_key(&j, "signers");
	etk_json_arr_begin(&j);
	etk_json_str(&j, kase->actor);
	etk_json_arr_end(&j);
	etk_json_key(&j, "sig_files");
	etk_json_arr_begin(&j);
	etk_json_str(&j, a->sig_rel);
	etk_json_arr_end(&j);
	etk_json_kuint(&j, "covers", seq);
	if (a->note != NULL)
		etk_json_kstr(&j, "note", a->note);
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
	unsigned char *sig = NULL;
	size_t siglen = 0, total;
	char *msg, *dir;
	int rc;

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
	rc = etk_cust_sign(kase->key, msg, total, &sig, &siglen, err);
	free(msg);
	if (rc != ETK_OK)
		return rc;
	if ((dir = etk_cust_join(kase->dir, "seals")) != NULL) {
		(void)mkdir(dir, 0750);
		free(dir);
	}
	if ((a->sig_path = etk_cust_join(kase->dir, a->sig_rel)) == NULL) {
		OPENSSL_free(sig);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "seal");
	}
	/* A file of this name can only be left from a failed attempt: the
	 * seq was never used, so replacing it is safe. */
	rc = etk_write_file_atomic(a->sig_path, sig, siglen, 1, NULL, err);
	OPENSSL_free(sig);
	if (rc != ETK_OK) {
		free(a->sig_path);
		a->sig_path = NULL;
	}
	return rc;
}

/* The private key, loaded once, and checked against the case's key id. */
static int
load_key(struct etk_case *kase, struct etk_error *err)
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
etk_case_seal(struct etk_case *kase, const char *note, uint64_t *seq,
    struct etk_error *err)
{
	struct seal_arg a;
	int rc;

	if (kase == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "seal: no case");
	if ((rc = load_key(kase, err)) != ETK_OK)
		return etk_wrap(err, "seal");
	memset(&a, 0, sizeof(a));
	a.note = note;
	rc = etk_cust_append(kase, "seal", -1, 0, NULL, 0, seal_extra,
	    seal_prewrite, &a, seq, err);
	if (rc != ETK_OK && a.sig_path != NULL)
		unlink(a.sig_path);
	free(a.sig_path);
	return rc;
}

/* Keys named in the journal (genesis keys[], later key entries). */
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
		if (id == NULL || file == NULL)
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

/* A relative path inside the case: no "..", no absolute path. */
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

/* Check one signature of the seal at line seq over prefix[0..plen). */
static int
check_sig(const char *dir, uint64_t seq, const char *signer,
    const char *sigrel, const struct keylist *kl, const char *prefix,
    size_t plen, struct etk_error *err)
{
	char expect[64], id[ETK_KEYID_MAX], pemsha[65], *path = NULL;
	char *sig = NULL;
	const struct keyref *kr = NULL;
	EVP_PKEY *pk = NULL;
	size_t i, siglen;
	int rc;

	if (strncmp(signer, "sha256:", 7) != 0 || strlen(signer) != 71)
		return etk_fail(err, ETK_EMISMATCH, 0,
		    "seal %llu: bad signer '%s'", (unsigned long long)seq,
		    signer);
	sig_name(expect, sizeof(expect), seq, signer);
	if (strcmp(sigrel, expect) != 0)
		return etk_fail(err, ETK_EMISMATCH, 0, "seal %llu: signature "
		    "file '%s' should be '%s'", (unsigned long long)seq,
		    sigrel, expect);
	for (i = 0; i < kl->n; i++)
		if (strcmp(kl->k[i].id, signer) == 0)
			kr = &kl->k[i];
	if (kr == NULL)
		return etk_fail(err, ETK_EMISMATCH, 0, "seal %llu: signer %s "
		    "is not in the journal's key list",
		    (unsigned long long)seq, signer);
	if (!safe_rel(kr->file))
		return etk_fail(err, ETK_EMISMATCH, 0, "seal %llu: key file "
		    "'%s' is not inside the case", (unsigned long long)seq,
		    kr->file);
	if ((path = etk_cust_join(dir, kr->file)) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "seal");
	if (kr->pem_sha256 != NULL) {
		if ((rc = etk_file_sha256(path, pemsha, NULL, err)) != ETK_OK)
			goto out;
		if (strcmp(pemsha, kr->pem_sha256) != 0) {
			rc = etk_fail(err, ETK_EMISMATCH, 0, "seal %llu: %s: "
			    "sha256 differs from the journal's "
			    "pub_pem_sha256", (unsigned long long)seq,
			    kr->file);
			goto out;
		}
	}
	if ((rc = etk_cust_key_read_public(path, &pk, err)) != ETK_OK ||
	    (rc = etk_cust_key_id(pk, id, err)) != ETK_OK)
		goto out;
	if (strcmp(id, signer) != 0) {
		rc = etk_fail(err, ETK_EMISMATCH, 0, "seal %llu: %s holds key "
		    "%s, not the signer %s", (unsigned long long)seq,
		    kr->file, id, signer);
		goto out;
	}
	free(path);
	if ((path = etk_cust_join(dir, sigrel)) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "seal");
		goto out;
	}
	if ((rc = etk_cust_read_file(path, SIG_MAX, &sig, &siglen, err)) !=
	    ETK_OK) {
		if (rc == ETK_ENOTFOUND)
			rc = etk_fail(err, ETK_EMISMATCH, 0,
			    "seal %llu: %s: missing", (unsigned long long)seq,
			    sigrel);
		goto out;
	}
	if ((rc = etk_cust_verify(pk, prefix, plen, (unsigned char *)sig,
	    siglen, err)) != ETK_OK) {
		etk_wrap(err, "seal %llu: %s", (unsigned long long)seq,
		    sigrel);
		goto out;
	}
	rc = ETK_OK;
out:
	EVP_PKEY_free(pk);
	free(sig);
	free(path);
	return rc;
}

static int
check_seal(const char *dir, int fd, uint64_t seq, uint64_t end,
    const struct etk_jval *doc, const struct keylist *kl,
    struct etk_error *err)
{
	const struct etk_jval *signers, *files, *covers;
	char *prefix;
	size_t i;
	int rc;

	covers = etk_jval_get(doc, "covers");
	signers = etk_jval_get(doc, "signers");
	files = etk_jval_get(doc, "sig_files");
	if (covers == NULL || covers->type != ETK_JNUM || !covers->is_int ||
	    covers->inum != (int64_t)seq)
		return etk_fail(err, ETK_EMISMATCH, 0, "seal %llu: covers is "
		    "not its own line number", (unsigned long long)seq);
	if (signers == NULL || signers->type != ETK_JARR || signers->n == 0 ||
	    files == NULL || files->type != ETK_JARR ||
	    files->n != signers->n)
		return etk_fail(err, ETK_EMISMATCH, 0, "seal %llu: signers and "
		    "sig_files missing or of different lengths",
		    (unsigned long long)seq);
	if (end > SIZE_MAX)
		return etk_fail(err, ETK_EINVAL, 0, "journal too large");
	if ((prefix = malloc(end ? (size_t)end : 1)) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "seal");
	if ((rc = read_range(fd, 0, prefix, (size_t)end, err)) != ETK_OK) {
		free(prefix);
		return rc;
	}
	for (i = 0; i < signers->n && rc == ETK_OK; i++) {
		if (signers->items[i]->type != ETK_JSTR ||
		    files->items[i]->type != ETK_JSTR) {
			rc = etk_fail(err, ETK_EMISMATCH, 0, "seal %llu: "
			    "signer %zu is not a string",
			    (unsigned long long)seq, i + 1);
			break;
		}
		rc = check_sig(dir, seq, signers->items[i]->str,
		    files->items[i]->str, kl, prefix, (size_t)end, err);
	}
	free(prefix);
	return rc;
}

int
etk_case_verify_seals(const char *dir, uint64_t *nseals,
    struct etk_error *err)
{
	struct etk_error perr = { 0 };
	struct etk_lreader *r = NULL;
	const struct etk_jval *keys;
	struct etk_jval *doc = NULL;
	struct keylist kl;
	struct etk_buf line;
	uint64_t seq = 0, lineoff, count = 0;
	const char *type;
	char *path;
	int fd, rc;

	if (nseals != NULL)
		*nseals = 0;
	if (dir == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "seals: no case directory");
	if ((path = etk_cust_join(dir, "journal.jsonl")) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "seals");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		rc = etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "cannot open '%s'", path);
		free(path);
		return rc;
	}
	free(path);
	memset(&kl, 0, sizeof(kl));
	etk_buf_init(&line);
	if ((r = malloc(sizeof(*r))) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "seals");
		goto out;
	}
	etk_lreader_init(r, fd, 0);
	while ((rc = etk_lreader_next(r, &line, &lineoff, "journal.jsonl",
	    err)) == 1) {
		seq++;
		etk_jval_free(doc);
		doc = NULL;
		if (etk_cust_line_parse(line.data, line.len -
		    (line.data[line.len - 1] == '\n'), &doc, &perr) !=
		    ETK_OK || doc->type != ETK_JOBJ) {
			rc = etk_fail(err, ETK_EMISMATCH, 0, "journal.jsonl: "
			    "line %llu: not a JSON object",
			    (unsigned long long)seq);
			goto out;
		}
		keys = etk_jval_get(doc, "keys");
		if (keys != NULL && keys->type == ETK_JARR &&
		    (rc = keys_add(&kl, keys, err)) != ETK_OK)
			goto out;
		type = etk_jval_str(doc, "type");
		if (type == NULL || strcmp(type, "seal") != 0)
			continue;
		if ((rc = check_seal(dir, fd, seq, lineoff + line.len, doc,
		    &kl, err)) != ETK_OK)
			goto out;
		count++;
	}
	if (rc < 0) {
		if (rc == ETK_EFORMAT) {
			etk_wrap(err, "journal.jsonl: line %llu",
			    (unsigned long long)(seq + 1));
			rc = ETK_EMISMATCH;
			if (err != NULL)
				err->code = rc;
		}
		goto out;
	}
	if (nseals != NULL)
		*nseals = count;
	rc = ETK_OK;
out:
	etk_jval_free(doc);
	keys_free(&kl);
	etk_buf_release(&line);
	free(r);
	close(fd);
	return rc;
}
