/*
 * Verifying a disclosure bundle (CUSTODY.md §6c; the etk-bundle/1
 * contract): the eleven steps a court or defence expert would run with
 * sha256sum, tar and openssl, done here with OpenSSL and libarchive.
 *
 * Every step runs and is reported, whatever failed before it: a
 * verifier wants to know everything that is wrong, and where, not only
 * the first thing.  Each failure is its own report naming the file, the
 * line, the seal or the key.  A step that cannot run (a tar whose names
 * are unsafe is never extracted) is reported as skipped, saying why.
 *
 * Nothing here trusts the bundle: names are checked before anything is
 * opened, paths never leave the bundle, files are read with size
 * limits, and the only writes are to a private temporary directory when
 * the bundle is a tar.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "verify_int.h"

#define SMALL_MAX (64u * 1024 * 1024)	/* MANIFEST, SHA256SUMS, keys */
#define JSON_MAX (256u * 1024 * 1024)	/* custody/manifest.json */
#define SIG_MAX 4096
#define TSR_MAX (1024 * 1024)
#define LINE_MAX_BYTES (256u * 1024 * 1024)
#define WALK_DEPTH 64
#define ZERO64 \
	"0000000000000000000000000000000000000000000000000000000000000000"

static const char *const step_names[12] = {
	"", "archive", "safe names", "keys", "signature", "timestamp",
	"files", "complete", "journal chain", "seals", "cross-checks",
	"redactions"
};

/* A growable list of strings; sorted on demand for lookups. */
struct strv {
	char **v;
	size_t n, cap;
	int sorted;
};

struct sum {
	char *path;
	char hex[65];
	size_t line;
};

struct key {
	char id[ETK_KEYID_MAX];	/* sha256:<hex> */
	char *file;		/* keys/... */
	int good;		/* file exists and its id is id */
};

struct seal {
	uint64_t seq;
	struct strv signers;
};

struct held {			/* a journal line disclosed withheld */
	uint64_t line;
	char orig[65];		/* original_sha256 from its record */
	char rid[32];
};

struct vctx {
	const char *path;		/* as given */
	const struct etk_bundle_verify_opts *o;
	etk_bundle_report_fn report;
	void *arg;
	struct etk_error *err;
	int nfail;
	int step, step_fail, step_warn, step_done[12];
	struct etk_buf msg;

	int is_tar;
	char *tmp;			/* private extraction directory */
	char *root;			/* the bundle directory */
	int extracted;			/* steps 3-11 can run */
	char why_not[256];		/* ... or why not */

	struct strv files;		/* regular files, relative, sorted */
	struct strv odd;		/* "path: why" of other entries */

	struct etk_jval *mf;		/* MANIFEST.json */
	char mf_err[ETK_ERRMSG_MAX + 64];

	char *sums_text;		/* SHA256SUMS */
	size_t sums_len;
	struct sum *sums;
	size_t nsums;
	struct strv sums_bad;		/* format problems, for step 6 */

	struct key *keys;		/* keys/KEYS.txt */
	size_t nkeys;

	/* custody/journal.jsonl, scanned once */
	int j_present;
	uint64_t j_lines;
	char j_head[65];		/* sha256 of the last line */
	char *j_last_type, *j_last_ts, *j_case_id;
	int64_t j_last_covers;
	struct strv j_issues;		/* step 8 failures */
	struct strv j_gkeys;		/* genesis keys[].id */
	struct strv j_out_sha;		/* outputs[].sha256 */
	struct strv j_in_sha, j_in_media, j_in_md5, j_in_sha1;
	struct strv j_withheld;		/* "N" of lines with [WITHHELD: */
	uint64_t j_first_withheld;
	struct seal *seals;
	size_t nseals;

	/* redaction/redactions.jsonl */
	int r_present;
	struct etk_jval **red;
	size_t nred;
	struct strv r_issues;		/* parse problems, for step 11 */
	struct held *held;
	size_t nheld;

	/* step 9 */
	size_t s_sigs, s_tokens, s_fail;
	uint64_t s_bad_first;		/* first seal that failed */
	uint64_t s_good_last;		/* last seal before it that verified */
};

/* ---- small helpers ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
strv_add(struct strv *s, const char *str)
{
	char **p;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;

		if ((p = realloc(s->v, cap * sizeof(*p))) == NULL)
			return -1;
		s->v = p;
		s->cap = cap;
	}
	if ((s->v[s->n] = strdup(str)) == NULL)
		return -1;
	s->n++;
	s->sorted = 0;
	return 0;
}

static int
strv_addf(struct strv *s, const char *fmt, ...) ETK_PRINTFLIKE(2, 3);

static int
strv_addf(struct strv *s, const char *fmt, ...)
{
	struct etk_buf b;
	va_list ap;
	int rc;

	etk_buf_init(&b);
	va_start(ap, fmt);
	etk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	rc = b.oom ? -1 : strv_add(s, b.data);
	etk_buf_release(&b);
	return rc;
}

static int
strv_has(struct strv *s, const char *str)
{
	if (str == NULL || s->n == 0)
		return 0;
	if (!s->sorted) {
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
		s->sorted = 1;
	}
	return bsearch(&str, s->v, s->n, sizeof(*s->v), cmp_str) != NULL;
}

static void
strv_free(struct strv *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static char *
join(const char *dir, const char *rel)
{
	char *p;

	if ((p = malloc(strlen(dir) + strlen(rel) + 2)) != NULL)
		sprintf(p, "%s/%s", dir, rel);
	return p;
}

static int
is_hex64(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

static void
sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) != 1)
		len = 0;
	etk_hex(md, len, hex);
}

/* A whole regular file (not a link) of at most max bytes, NUL-terminated.
 * ETK_ENOTFOUND when missing. */
static int
read_small(const char *path, size_t max, char **data, size_t *len,
    struct etk_error *err)
{
	struct stat st;
	size_t done = 0;
	ssize_t n;
	char *buf;
	int fd;

	*data = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO put in place of a file must not hang us */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, errno == ENOENT ? "missing" : "cannot open");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return etk_fail(err, ETK_EFORMAT, 0, "not a regular file");
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return etk_fail(err, ETK_ETIMEOUT, 0, "larger than %zu bytes",
		    max);
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	}
	while (done < (size_t)st.st_size) {
		n = read(fd, buf + done, (size_t)st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
	buf[done] = '\0';
	*data = buf;
	*len = done;
	return ETK_OK;
}

/* Under root: a path from the bundle itself, checked first. */
static char *
in_root(const struct vctx *c, const char *rel)
{
	if (etk_bv_name_problem(rel) != NULL)
		return NULL;
	return join(c->root, rel);
}

static int
file_listed(const struct vctx *c, const char *rel)
{
	size_t lo = 0, hi = c->nsums, mid;
	int r;

	/* sums are sorted when well formed; fall back to a scan */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		r = strcmp(c->sums[mid].path, rel);
		if (r == 0)
			return 1;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (lo = 0; lo < c->nsums; lo++)
		if (strcmp(c->sums[lo].path, rel) == 0)
			return 1;
	return 0;
}

/* ---- reports ---- */

static void
say(struct vctx *c, int status, const char *fmt, ...) ETK_PRINTFLIKE(3, 4);

static void
say(struct vctx *c, int status, const char *fmt, ...)
{
	struct etk_bundle_step st;
	va_list ap;
	size_t i;

	etk_buf_reset(&c->msg);
	va_start(ap, fmt);
	etk_buf_vprintf(&c->msg, fmt, ap);
	va_end(ap);
	if (c->msg.oom) {
		/* a failure still counts when it cannot be described */
		etk_buf_release(&c->msg);
		etk_buf_init(&c->msg);
		etk_buf_adds(&c->msg, "(out of memory describing this)");
		if (c->msg.oom) {
			etk_buf_release(&c->msg);
			c->msg.data = NULL;
			c->msg.len = 0;
		}
	}
	/* Names and values come from the bundle: no control bytes out. */
	for (i = 0; i < c->msg.len; i++)
		if ((unsigned char)c->msg.data[i] < 0x20 ||
		    c->msg.data[i] == 0x7f)
			c->msg.data[i] = '?';
	if (status == 1) {
		c->step_fail++;
		if (c->nfail++ == 0)
			etk_fail(c->err, ETK_EMISMATCH, 0, "step %d %s: %s",
			    c->step, step_names[c->step], c->msg.data ?
			    c->msg.data : "out of memory");
	} else if (status == 3)
		c->step_warn++;
	c->step_done[c->step] = 1;
	if (c->report == NULL || c->msg.data == NULL)
		return;
	memset(&st, 0, sizeof(st));
	st.step = c->step;
	st.name = step_names[c->step];
	st.status = status;
	st.message = c->msg.data;
	c->report(c->arg, &st);
}

#define FAIL(c, ...) say((c), 1, __VA_ARGS__)
#define WARN(c, ...) say((c), 3, __VA_ARGS__)

static void
step_begin(struct vctx *c, int n)
{
	c->step = n;
	c->step_fail = c->step_warn = 0;
}

/* Steps 3-11 need the bundle's files.  Returns 0 (reported skipped) when
 * they are not there. */
static int
need_files(struct vctx *c)
{
	if (c->extracted)
		return 1;
	say(c, 2, "not checked: %s", c->why_not);
	return 0;
}

/* ---- the bundle's files ---- */

static int
walk(struct vctx *c, const char *rel, int depth)
{
	struct dirent *de;
	struct stat st;
	char *dir, *sub;
	DIR *d;
	int rc = 0;

	if ((dir = rel[0] ? join(c->root, rel) : strdup(c->root)) == NULL)
		return -1;
	d = opendir(dir);
	free(dir);
	if (d == NULL)
		return strv_addf(&c->odd, "%s: cannot read the directory",
		    rel[0] ? rel : ".");
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((sub = rel[0] ? join(rel, de->d_name) :
		    strdup(de->d_name)) == NULL) {
			rc = -1;
			break;
		}
		dir = join(c->root, sub);
		if (dir == NULL || lstat(dir, &st) != 0)
			rc = strv_addf(&c->odd, "%s: cannot stat", sub);
		else if (S_ISDIR(st.st_mode)) {
			if (depth >= WALK_DEPTH)
				rc = strv_addf(&c->odd, "%s: nested more than "
				    "%d deep", sub, WALK_DEPTH);
			else {
				if (etk_bv_name_problem(sub) != NULL)
					rc = strv_addf(&c->odd, "%s: %s", sub,
					    etk_bv_name_problem(sub));
				if (rc == 0)
					rc = walk(c, sub, depth + 1);
			}
		} else if (S_ISREG(st.st_mode))
			rc = strv_add(&c->files, sub);
		else
			rc = strv_addf(&c->odd, "%s: %s", sub,
			    S_ISLNK(st.st_mode) ? "symbolic link" :
			    "neither a regular file nor a directory");
		free(dir);
		free(sub);
	}
	closedir(d);
	return rc;
}

static void
load_manifest(struct vctx *c)
{
	struct etk_error e = { 0 };
	const char *fmt;
	char *path, *text = NULL;
	size_t len;

	if ((path = join(c->root, "MANIFEST.json")) == NULL)
		return;
	if (read_small(path, SMALL_MAX, &text, &len, &e) != ETK_OK)
		snprintf(c->mf_err, sizeof(c->mf_err), "MANIFEST.json: %s",
		    e.msg);
	else if (etk_json_parse(text, len, &c->mf, &e) != ETK_OK)
		snprintf(c->mf_err, sizeof(c->mf_err),
		    "MANIFEST.json: not JSON: %s", e.msg);
	else if (c->mf->type != ETK_JOBJ ||
	    (fmt = etk_jval_str(c->mf, "format")) == NULL ||
	    strcmp(fmt, ETK_BUNDLE_FORMAT) != 0) {
		snprintf(c->mf_err, sizeof(c->mf_err), "MANIFEST.json: format "
		    "is not \"%s\"", ETK_BUNDLE_FORMAT);
		etk_jval_free(c->mf);
		c->mf = NULL;
	}
	free(text);
	free(path);
}

/* A member of MANIFEST: an object path "a.b" of plain keys. */
static const struct etk_jval *
mget(const struct vctx *c, const char *a, const char *b)
{
	const struct etk_jval *v;

	if (c->mf == NULL || (v = etk_jval_get(c->mf, a)) == NULL)
		return NULL;
	if (b == NULL)
		return v;
	return v->type == ETK_JOBJ ? etk_jval_get(v, b) : NULL;
}

static const char *
mstr(const struct vctx *c, const char *a, const char *b)
{
	const struct etk_jval *v = mget(c, a, b);

	return v != NULL && v->type == ETK_JSTR ? v->str : NULL;
}

static int
mint(const struct vctx *c, const char *a, const char *b, int64_t *out)
{
	const struct etk_jval *v = mget(c, a, b);

	if (v == NULL || v->type != ETK_JNUM || !v->is_int || v->inum < 0)
		return 0;
	*out = v->inum;
	return 1;
}

static void
load_sums(struct vctx *c)
{
	struct etk_error e = { 0 };
	char *path, *p, *nl, *prev = NULL;
	size_t line = 0, len;
	struct sum *s;

	if ((path = join(c->root, "SHA256SUMS")) == NULL)
		return;
	if (read_small(path, SMALL_MAX, &c->sums_text, &c->sums_len, &e) !=
	    ETK_OK) {
		strv_addf(&c->sums_bad, "SHA256SUMS: %s", e.msg);
		free(path);
		return;
	}
	free(path);
	if (strlen(c->sums_text) != c->sums_len) {
		strv_addf(&c->sums_bad, "SHA256SUMS: contains a NUL byte");
		return;
	}
	if ((c->sums = calloc(c->sums_len / 67 + 1, sizeof(*c->sums))) ==
	    NULL)
		return;
	/* Work on a copy: the text itself is what the signature covers. */
	if ((p = strdup(c->sums_text)) == NULL)
		return;
	prev = NULL;
	for (path = p; *path != '\0'; path = nl + 1) {
		line++;
		if ((nl = strchr(path, '\n')) == NULL) {
			strv_addf(&c->sums_bad, "SHA256SUMS line %zu: no "
			    "newline at the end", line);
			break;
		}
		*nl = '\0';
		len = (size_t)(nl - path);
		if (len < 67 || path[64] != ' ' || path[65] != ' ' ||
		    (path[64] = '\0', !is_hex64(path))) {
			strv_addf(&c->sums_bad, "SHA256SUMS line %zu: not "
			    "\"<64 lower-case hex>  <path>\"", line);
			continue;
		}
		if (etk_bv_name_problem(path + 66) != NULL) {
			strv_addf(&c->sums_bad, "SHA256SUMS line %zu: path "
			    "'%s': %s", line, path + 66,
			    etk_bv_name_problem(path + 66));
			continue;
		}
		if (strcmp(path + 66, "SHA256SUMS") == 0 ||
		    strncmp(path + 66, "SHA256SUMS.", 11) == 0) {
			strv_addf(&c->sums_bad, "SHA256SUMS line %zu: lists "
			    "'%s', which it cannot cover", line, path + 66);
			continue;
		}
		if (prev != NULL && strcmp(prev, path + 66) >= 0) {
			strv_addf(&c->sums_bad, "SHA256SUMS line %zu: '%s' "
			    "%s", line, path + 66, strcmp(prev, path + 66) ?
			    "out of order (not sorted with LC_ALL=C)" :
			    "listed twice");
			continue;
		}
		s = &c->sums[c->nsums];
		if ((s->path = strdup(path + 66)) == NULL)
			break;
		memcpy(s->hex, path, 65);
		s->line = line;
		c->nsums++;
		prev = path + 66;
	}
	free(p);
	/* prev pointed into p; the entries hold their own copies */
}

/* The public key in a PEM file, its id and type. */
static EVP_PKEY *
load_pub(const char *path, char id[ETK_KEYID_MAX], const char **type,
    char *why, size_t whylen)
{
	unsigned char *der = NULL;
	char hex[65], *text = NULL;
	struct etk_error e = { 0 };
	EVP_PKEY *pk = NULL;
	char gname[64];
	size_t len;
	BIO *bio;
	int n;

	*type = NULL;
	if (read_small(path, 65536, &text, &len, &e) != ETK_OK) {
		if (snprintf(why, whylen, "%s", e.msg) >= (int)whylen)
			why[whylen - 1] = '\0';	/* cut: still one line */
		return NULL;
	}
	bio = BIO_new_mem_buf(text, (int)len);
	if (bio != NULL)
		pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	free(text);
	ERR_clear_error();
	if (pk == NULL) {
		snprintf(why, whylen, "not a PEM public key");
		return NULL;
	}
	if ((n = i2d_PUBKEY(pk, &der)) <= 0) {
		snprintf(why, whylen, "cannot encode the key");
		EVP_PKEY_free(pk);
		return NULL;
	}
	sha256_hex(der, (size_t)n, hex);
	OPENSSL_free(der);
	snprintf(id, ETK_KEYID_MAX, "sha256:%s", hex);
	if (EVP_PKEY_get_id(pk) == EVP_PKEY_ED25519)
		*type = "ed25519";
	else if (EVP_PKEY_get_id(pk) == EVP_PKEY_EC &&
	    EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
	    gname, sizeof(gname), NULL) == 1 &&
	    strcmp(gname, "prime256v1") == 0)
		*type = "p256";
	ERR_clear_error();
	return pk;
}

/* Ed25519 (pure, as openssl pkeyutl -rawin) or ECDSA P-256 over
 * SHA-256 (as openssl dgst -sha256). */
static int
sig_ok(EVP_PKEY *pk, const void *msg, size_t len, const unsigned char *sig,
    size_t siglen)
{
	EVP_MD_CTX *ctx;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	ok = EVP_DigestVerifyInit_ex(ctx, NULL,
	    EVP_PKEY_get_id(pk) == EVP_PKEY_ED25519 ? NULL : "SHA256", NULL,
	    NULL, pk, NULL) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/* ---- journal scan (reported in step 8, used by 3, 4, 9, 10) ---- */

static const struct held *
held_of(const struct vctx *c, uint64_t line)
{
	size_t i;

	for (i = 0; i < c->nheld; i++)
		if (c->held[i].line == line)
			return &c->held[i];
	return NULL;
}

static void
collect_hashes(struct vctx *c, const struct etk_jval *doc)
{
	static const char *const ins[] = { "sha256", "container_sha256" };
	const struct etk_jval *arr, *o, *f;
	const char *s;
	size_t i, k;

	arr = etk_jval_get(doc, "outputs");
	for (i = 0; arr != NULL && arr->type == ETK_JARR && i < arr->n; i++)
		if ((s = etk_jval_str(arr->items[i], "sha256")) != NULL)
			strv_add(&c->j_out_sha, s);
	arr = etk_jval_get(doc, "inputs");
	for (i = 0; arr != NULL && arr->type == ETK_JARR && i < arr->n; i++) {
		o = arr->items[i];
		if (o->type != ETK_JOBJ)
			continue;
		for (k = 0; k < 2; k++)
			if ((s = etk_jval_str(o, ins[k])) != NULL)
				strv_add(&c->j_in_sha, s);
		if ((s = etk_jval_str(o, "media_sha256")) != NULL)
			strv_add(&c->j_in_media, s);
		if ((s = etk_jval_str(o, "stored_md5")) != NULL)
			strv_add(&c->j_in_md5, s);
		if ((s = etk_jval_str(o, "stored_sha1")) != NULL)
			strv_add(&c->j_in_sha1, s);
		f = etk_jval_get(o, "files");
		for (k = 0; f != NULL && f->type == ETK_JARR && k < f->n; k++)
			if ((s = etk_jval_str(f->items[k], "sha256")) != NULL)
				strv_add(&c->j_in_sha, s);
	}
}

static void
scan_line(struct vctx *c, const char *line, size_t len, uint64_t i,
    const char *expect_prev, const struct held *prevheld)
{
	struct etk_error e = { 0 };
	const struct etk_jval *v, *arr;
	struct etk_jval *doc = NULL;
	struct seal *sp;
	const char *type;
	size_t k;

	if (memchr(line, '\0', len) != NULL) {
		strv_addf(&c->j_issues, "custody/journal.jsonl line %llu: "
		    "contains a NUL byte", (unsigned long long)i);
		return;
	}
	if (etk_json_parse(line, len, &doc, &e) != ETK_OK ||
	    doc->type != ETK_JOBJ) {
		strv_addf(&c->j_issues, "custody/journal.jsonl line %llu: not "
		    "a JSON object%s%s", (unsigned long long)i,
		    e.msg[0] ? ": " : "", e.msg);
		etk_jval_free(doc);
		return;
	}
	if ((v = etk_jval_get(doc, "v")) == NULL || v->type != ETK_JSTR ||
	    strcmp(v->str, ETK_JOURNAL_FORMAT) != 0)
		strv_addf(&c->j_issues, "custody/journal.jsonl line %llu: v is "
		    "not \"%s\"", (unsigned long long)i, ETK_JOURNAL_FORMAT);
	v = etk_jval_get(doc, "seq");
	if (v == NULL || v->type != ETK_JNUM || !v->is_int)
		strv_addf(&c->j_issues, "custody/journal.jsonl line %llu: seq "
		    "is missing", (unsigned long long)i);
	else if (v->inum != (int64_t)i)
		strv_addf(&c->j_issues, "custody/journal.jsonl line %llu: seq "
		    "is %lld (lines removed, added or reordered)",
		    (unsigned long long)i, (long long)v->inum);
	v = etk_jval_get(doc, "prev");
	if (v == NULL || v->type != ETK_JSTR)
		strv_addf(&c->j_issues, "custody/journal.jsonl line %llu: prev "
		    "is missing", (unsigned long long)i);
	else if (prevheld != NULL) {
		if (strcmp(v->str, prevheld->orig) != 0)
			strv_addf(&c->j_issues, "custody/journal.jsonl line "
			    "%llu: prev is not the original_sha256 that "
			    "redaction %s gives for withheld line %llu",
			    (unsigned long long)i, prevheld->rid,
			    (unsigned long long)(i - 1));
	} else if (strcmp(v->str, expect_prev) != 0) {
		if (i == 1)
			strv_addf(&c->j_issues, "custody/journal.jsonl line 1: "
			    "prev is not 64 zeros");
		else
			strv_addf(&c->j_issues, "custody/journal.jsonl: chain "
			    "broken at line %llu: its prev is not the SHA-256 "
			    "of line %llu (line %llu changed, or lines were "
			    "removed, added or reordered)",
			    (unsigned long long)i, (unsigned long long)(i - 1),
			    (unsigned long long)(i - 1));
	}
	type = etk_jval_str(doc, "type");
	if (type == NULL)
		strv_addf(&c->j_issues, "custody/journal.jsonl line %llu: type "
		    "is missing", (unsigned long long)i);
	if (i == 1) {
		if (type == NULL || strcmp(type, "genesis") != 0)
			strv_addf(&c->j_issues, "custody/journal.jsonl line 1: "
			    "not the genesis entry");
		arr = etk_jval_get(doc, "keys");
		for (k = 0; arr != NULL && arr->type == ETK_JARR && k < arr->n;
		    k++)
			if ((v = etk_jval_get(arr->items[k], "id")) != NULL &&
			    v->type == ETK_JSTR)
				strv_add(&c->j_gkeys, v->str);
		v = etk_jval_get(doc, "case");
		if (v != NULL && v->type == ETK_JOBJ &&
		    etk_jval_str(v, "id") != NULL)
			c->j_case_id = strdup(etk_jval_str(v, "id"));
	}
	collect_hashes(c, doc);
	if (type != NULL && strcmp(type, "seal") == 0 &&
	    (sp = realloc(c->seals, (c->nseals + 1) * sizeof(*sp))) != NULL) {
		c->seals = sp;
		sp = &c->seals[c->nseals++];
		memset(sp, 0, sizeof(*sp));
		sp->seq = i;
		arr = etk_jval_get(doc, "signers");
		for (k = 0; arr != NULL && arr->type == ETK_JARR && k < arr->n;
		    k++)
			if (arr->items[k]->type == ETK_JSTR)
				strv_add(&sp->signers, arr->items[k]->str);
	}
	free(c->j_last_type);
	free(c->j_last_ts);
	c->j_last_type = type != NULL ? strdup(type) : NULL;
	c->j_last_ts = etk_jval_str(doc, "ts") != NULL ?
	    strdup(etk_jval_str(doc, "ts")) : NULL;
	v = etk_jval_get(doc, "covers");
	c->j_last_covers = v != NULL && v->type == ETK_JNUM && v->is_int ?
	    v->inum : -1;
	etk_jval_free(doc);
}

static void
scan_journal(struct vctx *c)
{
	char prev[65], *path, *line = NULL;
	size_t cap = 0, len;
	ssize_t n;
	uint64_t i = 0;
	int withheld_prev = 0;
	FILE *fp;
	int fd;

	memcpy(prev, ZERO64, 65);
	if ((path = join(c->root, "custody/journal.jsonl")) == NULL)
		return;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(path);
	if (fd == -1 || (fp = fdopen(fd, "rb")) == NULL) {
		if (fd != -1)
			close(fd);
		strv_addf(&c->j_issues, "custody/journal.jsonl: %s",
		    errno == ENOENT ? "missing" : strerror(errno));
		return;
	}
	c->j_present = 1;
	while ((n = getline(&line, &cap, fp)) > 0) {
		i++;
		len = (size_t)n;
		if ((size_t)n > LINE_MAX_BYTES) {
			strv_addf(&c->j_issues, "custody/journal.jsonl line "
			    "%llu: longer than %u MiB", (unsigned long long)i,
			    LINE_MAX_BYTES >> 20);
			break;
		}
		if (line[len - 1] != '\n')
			strv_addf(&c->j_issues, "custody/journal.jsonl line "
			    "%llu: no newline at the end (truncated)",
			    (unsigned long long)i);
		scan_line(c, line, len - (line[len - 1] == '\n'), i, prev,
		    withheld_prev ? held_of(c, i - 1) : NULL);
		if (withheld_prev && held_of(c, i - 1) == NULL)
			strv_addf(&c->j_issues, "custody/journal.jsonl line "
			    "%llu: holds [WITHHELD:...] but no redaction record "
			    "gives its original_sha256",
			    (unsigned long long)(i - 1));
		withheld_prev = strstr(line, "[WITHHELD:") != NULL;
		if (withheld_prev) {
			strv_addf(&c->j_withheld, "%llu",
			    (unsigned long long)i);
			if (c->j_first_withheld == 0)
				c->j_first_withheld = i;
		}
		sha256_hex(line, len, prev);
	}
	if (withheld_prev && held_of(c, i) == NULL)
		strv_addf(&c->j_issues, "custody/journal.jsonl line %llu: holds "
		    "[WITHHELD:...] but no redaction record gives its "
		    "original_sha256", (unsigned long long)i);
	if (ferror(fp))
		strv_addf(&c->j_issues, "custody/journal.jsonl: read error "
		    "after line %llu", (unsigned long long)i);
	free(line);
	fclose(fp);
	c->j_lines = i;
	memcpy(c->j_head, prev, 65);
	if (i == 0)
		strv_addf(&c->j_issues, "custody/journal.jsonl: empty");
}

static void
load_redactions(struct vctx *c)
{
	struct etk_error e = { 0 };
	const struct etk_jval *v;
	struct etk_jval *doc, **p;
	struct held *h;
	char *path, *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	FILE *fp;
	int fd;

	if ((path = join(c->root, "redaction/redactions.jsonl")) == NULL)
		return;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(path);
	if (fd == -1 || (fp = fdopen(fd, "rb")) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	c->r_present = 1;
	while ((n = getline(&line, &cap, fp)) > 0) {
		lineno++;
		doc = NULL;
		etk_error_clear(&e);
		if ((size_t)n > SMALL_MAX || line[n - 1] != '\n' ||
		    memchr(line, '\0', (size_t)n) != NULL ||
		    etk_json_parse(line, (size_t)n - 1, &doc, &e) != ETK_OK ||
		    doc->type != ETK_JOBJ) {
			strv_addf(&c->r_issues, "redaction/redactions.jsonl "
			    "line %zu: not one JSON object ending in a "
			    "newline%s%s", lineno, e.msg[0] ? ": " : "", e.msg);
			etk_jval_free(doc);
			continue;
		}
		if ((p = realloc(c->red, (c->nred + 1) * sizeof(*p))) == NULL) {
			etk_jval_free(doc);
			break;
		}
		c->red = p;
		c->red[c->nred++] = doc;
		/* A withheld journal line: its original hash */
		if (etk_jval_str(doc, "item") == NULL ||
		    strcmp(etk_jval_str(doc, "item"),
		    "custody/journal.jsonl") != 0)
			continue;
		v = etk_jval_get(doc, "line");
		if (v == NULL || v->type != ETK_JNUM || !v->is_int ||
		    v->inum < 1 || !is_hex64(etk_jval_str(doc,
		    "original_sha256")))
			continue;	/* step 11 names it */
		if ((h = realloc(c->held, (c->nheld + 1) * sizeof(*h))) ==
		    NULL)
			break;
		c->held = h;
		h = &c->held[c->nheld++];
		h->line = (uint64_t)v->inum;
		memcpy(h->orig, etk_jval_str(doc, "original_sha256"), 65);
		snprintf(h->rid, sizeof(h->rid), "%s",
		    etk_jval_str(doc, "id") ? etk_jval_str(doc, "id") : "?");
	}
	free(line);
	fclose(fp);
}

/* ---- steps ---- */

static void
step1_archive(struct vctx *c, const char *tar)
{
	struct etk_error e = { 0 };
	char hex[65], want[65], *side = NULL, *text = NULL, *sp;
	const char *base, *exp;
	size_t len, i;
	int checked = 0;

	step_begin(c, 1);
	if (tar == NULL) {
		if (c->o != NULL && c->o->tar_sha256 != NULL)
			FAIL(c, "an archive SHA-256 was given but there is no "
			    "%s.tar beside the directory", c->path);
		else
			say(c, 2, "a directory with no tar beside it: nothing "
			    "to check");
		return;
	}
	if (etk_file_sha256(tar, hex, NULL, &e) != ETK_OK) {
		FAIL(c, "%s", e.msg);
		return;
	}
	base = strrchr(tar, '/') != NULL ? strrchr(tar, '/') + 1 : tar;
	if (c->o != NULL && (exp = c->o->tar_sha256) != NULL) {
		if (strncmp(exp, "sha256:", 7) == 0)
			exp += 7;
		for (i = 0; i < 64 && exp[i] != '\0'; i++)
			want[i] = (char)(exp[i] >= 'A' && exp[i] <= 'F' ?
			    exp[i] - 'A' + 'a' : exp[i]);
		want[i] = '\0';
		if (exp[i] != '\0' || !is_hex64(want))
			FAIL(c, "the expected archive SHA-256 given is not 64 "
			    "hex digits");
		else if (strcmp(want, hex) != 0)
			FAIL(c, "%s: SHA-256 is %s, not %s as given out of "
			    "band", base, hex, want);
		checked++;
	}
	if ((side = malloc(strlen(tar) + 8)) == NULL)
		return;
	sprintf(side, "%s.sha256", tar);
	if (read_small(side, 4096, &text, &len, &e) == ETK_OK) {
		checked++;
		if (len < 67 || text[64] != ' ' || text[65] != ' ' ||
		    (text[64] = '\0', !is_hex64(text)))
			FAIL(c, "%s.sha256: not \"<64 hex>  <name>\"", base);
		else {
			if ((sp = strchr(text + 66, '\n')) != NULL)
				*sp = '\0';
			if (strcmp(text, hex) != 0)
				FAIL(c, "%s: SHA-256 is %s, not %s as %s.sha256 "
				    "says", base, hex, text, base);
			else if (strcmp(text + 66, base) != 0)
				WARN(c, "%s.sha256 names '%s', not '%s' (the "
				    "digest matches)", base, text + 66, base);
		}
	} else if (e.code != ETK_ENOTFOUND)
		FAIL(c, "%s.sha256: %s", base, e.msg);
	free(text);
	free(side);
	if (checked == 0)
		say(c, 2, "%s: SHA-256 %s; no %s.sha256 beside it and none "
		    "given: compare it with the value in the statement", base,
		    hex, base);
	else if (c->step_fail == 0 && c->step_warn == 0)
		say(c, 0, "%s: SHA-256 %s as expected", base, hex);
}

static void
bad_member(void *arg, const char *name, const char *why)
{
	FAIL((struct vctx *)arg, "archive member '%s': %s", name, why);
}

static void
step2_names(struct vctx *c, const char *tar)
{
	struct etk_error e = { 0 };
	size_t members = 0, nbad = 0, i;
	char *sub;
	struct stat st;

	step_begin(c, 2);
	if (tar != NULL) {
		if (etk_bv_tar_check(tar, bad_member, c, &members, &nbad, &e) !=
		    ETK_OK) {
			FAIL(c, "%s", e.msg);
			snprintf(c->why_not, sizeof(c->why_not), "the archive "
			    "could not be read (step 2)");
			return;
		}
		if (nbad != 0) {
			snprintf(c->why_not, sizeof(c->why_not), "the archive "
			    "was not extracted: unsafe members (step 2)");
			return;
		}
		if ((c->tmp = strdup("/tmp/etk-bundle-XXXXXX")) == NULL)
			return;
		if (getenv("TMPDIR") != NULL && getenv("TMPDIR")[0] == '/') {
			free(c->tmp);
			if ((c->tmp = join(getenv("TMPDIR"),
			    "etk-bundle-XXXXXX")) == NULL)
				return;
		}
		if (mkdtemp(c->tmp) == NULL) {
			FAIL(c, "cannot make a private directory to extract "
			    "into: %s", strerror(errno));
			free(c->tmp);
			c->tmp = NULL;
			snprintf(c->why_not, sizeof(c->why_not), "the archive "
			    "could not be extracted (step 2)");
			return;
		}
		if (etk_bv_tar_extract(tar, c->tmp, &e) != ETK_OK) {
			FAIL(c, "extracting: %s", e.msg);
			snprintf(c->why_not, sizeof(c->why_not), "the archive "
			    "could not be extracted (step 2)");
			return;
		}
		/* A tar of "OUT/..." rather than "./...": the one directory */
		if ((c->root = join(c->tmp, "MANIFEST.json")) != NULL &&
		    stat(c->root, &st) != 0) {
			DIR *d = opendir(c->tmp);
			struct dirent *de;
			char *only = NULL;
			int count = 0;

			while (d != NULL && (de = readdir(d)) != NULL) {
				if (de->d_name[0] == '.' && (de->d_name[1] ==
				    '\0' || strcmp(de->d_name, "..") == 0))
					continue;
				count++;
				free(only);
				only = strdup(de->d_name);
			}
			if (d != NULL)
				closedir(d);
			free(c->root);
			c->root = NULL;
			if (count == 1 && only != NULL &&
			    (c->root = join(c->tmp, only)) != NULL) {
				sub = join(c->root, "MANIFEST.json");
				if (sub == NULL || stat(sub, &st) != 0) {
					free(c->root);
					c->root = NULL;
				}
				free(sub);
			}
			free(only);
		} else {
			free(c->root);
			c->root = NULL;
		}
		if (c->root == NULL && (c->root = strdup(c->tmp)) == NULL)
			return;
	} else if ((c->root = strdup(c->path)) == NULL)
		return;
	if (walk(c, "", 0) != 0) {
		FAIL(c, "out of memory listing the bundle");
		return;
	}
	qsort(c->files.v, c->files.n, sizeof(*c->files.v), cmp_str);
	c->files.sorted = 1;
	for (i = 0; i < c->files.n; i++)
		if (etk_bv_name_problem(c->files.v[i]) != NULL)
			FAIL(c, "%s: %s", c->files.v[i],
			    etk_bv_name_problem(c->files.v[i]));
	for (i = 0; i < c->odd.n; i++)
		FAIL(c, "%s", c->odd.v[i]);
	/* A link could lead the checks outside the bundle and a FIFO would
	 * hang them: nothing in such a bundle is read. */
	if (c->odd.n != 0) {
		snprintf(c->why_not, sizeof(c->why_not), "the bundle holds "
		    "links or special files (step 2)");
		return;
	}
	c->extracted = 1;
	if (c->step_fail == 0) {
		if (tar != NULL)
			say(c, 0, "%zu archive members, all regular files or "
			    "directories with safe names; extracted to a "
			    "private directory", members);
		else
			say(c, 0, "%zu files, all regular with safe names",
			    c->files.n);
	}
}

static int
key_index(const struct vctx *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->nkeys; i++)
		if (strcmp(c->keys[i].id, id) == 0)
			return (int)i;
	return -1;
}

static int
is_signer(const struct vctx *c, const char *id)
{
	const char *ex = mstr(c, "case", "key_id");
	size_t i;

	if (ex != NULL && strcmp(ex, id) == 0)
		return 1;
	for (i = 0; i < c->nseals; i++)
		if (strv_has(&c->seals[i].signers, id))
			return 1;
	return 0;
}

static void
step3_keys(struct vctx *c)
{
	struct etk_error e = { 0 };
	char id[ETK_KEYID_MAX], why[256], *path, *text = NULL, *p, *nl;
	const char *type;
	struct strv listed = { 0 };
	EVP_PKEY *pk;
	size_t i, line = 0, len;

	step_begin(c, 3);
	if (!need_files(c))
		return;
	if ((path = join(c->root, "keys/KEYS.txt")) == NULL)
		return;
	if (read_small(path, SMALL_MAX, &text, &len, &e) != ETK_OK) {
		FAIL(c, "keys/KEYS.txt: %s", e.msg);
		free(path);
	} else {
		free(path);
		c->keys = calloc(len / 67 + 1, sizeof(*c->keys));
		for (p = text; c->keys != NULL && *p != '\0'; p = nl + 1) {
			line++;
			if ((nl = strchr(p, '\n')) == NULL) {
				FAIL(c, "keys/KEYS.txt line %zu: no newline at "
				    "the end", line);
				break;
			}
			*nl = '\0';
			if ((size_t)(nl - p) < 67 || p[64] != ' ' ||
			    p[65] != ' ' || (p[64] = '\0', !is_hex64(p)) ||
			    strncmp(p + 66, "keys/", 5) != 0 ||
			    etk_bv_name_problem(p + 66) != NULL) {
				FAIL(c, "keys/KEYS.txt line %zu: not \"<64 "
				    "hex>  keys/<file>\"", line);
				continue;
			}
			strv_add(&listed, p + 66);
			path = in_root(c, p + 66);
			pk = path != NULL ? load_pub(path, id, &type, why,
			    sizeof(why)) : NULL;
			free(path);
			if (pk == NULL) {
				FAIL(c, "keys/KEYS.txt line %zu: %s: %s", line,
				    p + 66, why);
				continue;
			}
			EVP_PKEY_free(pk);
			if (strcmp(id + 7, p) != 0) {
				FAIL(c, "keys/KEYS.txt line %zu: %s is key %s, "
				    "not sha256:%s as listed", line, p + 66, id,
				    p);
				continue;
			}
			if (type == NULL)
				WARN(c, "%s: key %s is neither Ed25519 nor "
				    "P-256", p + 66, id);
			memcpy(c->keys[c->nkeys].id, id, sizeof(id));
			c->keys[c->nkeys].file = strdup(p + 66);
			c->keys[c->nkeys].good = 1;
			c->nkeys++;
		}
		free(text);
		for (i = 0; i < c->files.n; i++) {
			len = strlen(c->files.v[i]);
			if (strncmp(c->files.v[i], "keys/", 5) == 0 &&
			    len > 8 && strcmp(c->files.v[i] + len - 8,
			    ".pub.pem") == 0 && !strv_has(&listed,
			    c->files.v[i]))
				FAIL(c, "%s: not listed in keys/KEYS.txt",
				    c->files.v[i]);
		}
	}
	strv_free(&listed);
	for (i = 0; c->o != NULL && i < c->o->nkey_ids; i++) {
		const char *k = c->o->key_ids[i];
		char want[ETK_KEYID_MAX];
		size_t n;

		if (k == NULL)
			continue;
		if (strncmp(k, "sha256:", 7) == 0)
			k += 7;
		for (n = 0; n < 64 && k[n] != '\0'; n++)
			want[7 + n] = (char)(k[n] >= 'A' && k[n] <= 'F' ?
			    k[n] - 'A' + 'a' : k[n]);
		want[7 + n] = '\0';
		memcpy(want, "sha256:", 7);
		if (k[n] != '\0' || !is_hex64(want + 7))
			FAIL(c, "key id '%s' (given out of band) is not "
			    "sha256:<64 hex>", c->o->key_ids[i]);
		else if (key_index(c, want) < 0)
			FAIL(c, "key %s (confirmed out of band) is not in "
			    "keys/KEYS.txt", want);
		else if (!is_signer(c, want))
			FAIL(c, "key %s (confirmed out of band) signed "
			    "neither SHA256SUMS nor any seal", want);
	}
	if (c->step_fail == 0 && c->step_warn == 0) {
		struct etk_buf b;

		etk_buf_init(&b);
		for (i = 0; i < c->nkeys; i++)
			etk_buf_printf(&b, "%s%s %s", i ? ", " : "",
			    c->keys[i].file, c->keys[i].id);
		say(c, 0, "%zu key%s listed and matching (%s)%s; confirm the "
		    "ids out of band", c->nkeys, c->nkeys == 1 ? "" : "s",
		    b.data ? b.data : "", c->o != NULL && c->o->nkey_ids ?
		    "; the ids given are present and signed" : "");
		etk_buf_release(&b);
	}
}

static void
step4_signature(struct vctx *c)
{
	static const struct {
		const char *file, *type;
	} sigs[] = {
		{ "SHA256SUMS.ed25519.sig", "ed25519" },
		{ "SHA256SUMS.p256.sig", "p256" }
	};
	struct etk_error e = { 0 };
	const struct etk_jval *signers;
	char id[ETK_KEYID_MAX], why[256], *path, *sig;
	const char *kid, *type;
	EVP_PKEY *pk = NULL;
	size_t i, siglen, good = 0, present = 0;
	int k;

	step_begin(c, 4);
	if (!need_files(c))
		return;
	kid = mstr(c, "case", "key_id");
	if (c->mf == NULL) {
		FAIL(c, "%s", c->mf_err);
		return;
	}
	if (kid == NULL) {
		FAIL(c, "MANIFEST.json: case.key_id is missing");
		return;
	}
	if ((k = key_index(c, kid)) < 0)
		FAIL(c, "examiner key %s (MANIFEST case.key_id) is not in "
		    "keys/KEYS.txt", kid);
	if (!strv_has(&c->j_gkeys, kid))
		FAIL(c, "examiner key %s is not in the journal's genesis "
		    "keys[] (custody/journal.jsonl line 1)", kid);
	signers = mget(c, "signers", NULL);
	if (signers != NULL && signers->type == ETK_JARR) {
		for (i = 0; i < signers->n; i++)
			if (signers->items[i]->type == ETK_JSTR &&
			    strcmp(signers->items[i]->str, kid) == 0)
				break;
		if (i == signers->n)
			FAIL(c, "MANIFEST.json: signers[] does not name the "
			    "examiner key %s", kid);
	}
	if (k >= 0) {
		path = in_root(c, c->keys[k].file);
		pk = path != NULL ? load_pub(path, id, &type, why,
		    sizeof(why)) : NULL;
		free(path);
		if (pk == NULL)
			FAIL(c, "%s: %s", c->keys[k].file, why);
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if ((path = join(c->root, sigs[i].file)) == NULL)
			break;
		etk_error_clear(&e);
		if (read_small(path, SIG_MAX, &sig, &siglen, &e) != ETK_OK) {
			if (e.code != ETK_ENOTFOUND)
				FAIL(c, "%s: %s", sigs[i].file, e.msg);
			free(path);
			continue;
		}
		free(path);
		present++;
		if (c->sums_text == NULL)
			FAIL(c, "%s: SHA256SUMS is missing", sigs[i].file);
		else if (pk != NULL && (type == NULL ||
		    strcmp(type, sigs[i].type) != 0))
			FAIL(c, "%s: the examiner key %s is %s, not %s",
			    sigs[i].file, kid, type ? type : "of another type",
			    sigs[i].type);
		else if (pk != NULL && !sig_ok(pk, c->sums_text, c->sums_len,
		    (unsigned char *)sig, siglen))
			FAIL(c, "%s: does not verify over SHA256SUMS with the "
			    "examiner key %s (%s)", sigs[i].file, kid,
			    c->keys[k].file);
		else if (pk != NULL)
			good++;
		free(sig);
	}
	EVP_PKEY_free(pk);
	if (present == 0)
		FAIL(c, "no SHA256SUMS.ed25519.sig or SHA256SUMS.p256.sig");
	if ((path = join(c->root, "SHA256SUMS.p7s")) != NULL &&
	    access(path, F_OK) == 0)
		WARN(c, "SHA256SUMS.p7s: CMS signature not checked here (use "
		    "openssl cms -verify with the organisation's CA)");
	free(path);
	if (c->step_fail == 0 && good > 0 && c->step_warn == 0)
		say(c, 0, "SHA256SUMS signed by the examiner key %s (%s), "
		    "listed in keys/KEYS.txt and in the journal's genesis",
		    kid, c->keys[k].file);
}

static void
step5_timestamp(struct vctx *c)
{
	struct etk_error e = { 0 };
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char when[ETK_TIME_MAX], *path, *tsr = NULL, *ca = NULL;
	const struct etk_jval *ts;
	size_t len;
	int rc;

	step_begin(c, 5);
	if (!need_files(c))
		return;
	ts = mget(c, "timestamped", NULL);
	if ((path = join(c->root, "SHA256SUMS.tsr")) == NULL)
		return;
	rc = read_small(path, TSR_MAX, &tsr, &len, &e);
	free(path);
	if (rc == ETK_ENOTFOUND) {
		if (ts != NULL && ts->type == ETK_JBOOL && ts->b)
			FAIL(c, "SHA256SUMS.tsr: missing, but MANIFEST.json "
			    "says timestamped");
		else
			say(c, 2, "no SHA256SUMS.tsr: SHA256SUMS was not "
			    "time-stamped");
		return;
	}
	if (rc != ETK_OK) {
		FAIL(c, "SHA256SUMS.tsr: %s", e.msg);
		return;
	}
	if (c->o != NULL && c->o->tsa_ca != NULL)
		ca = strdup(c->o->tsa_ca);
	else if ((ca = join(c->root, "keys/tsa-chain.pem")) != NULL &&
	    access(ca, F_OK) != 0) {
		FAIL(c, "SHA256SUMS.tsr: no keys/tsa-chain.pem to check it "
		    "against");
		free(ca);
		free(tsr);
		return;
	}
	if (c->sums_text == NULL)
		FAIL(c, "SHA256SUMS.tsr: SHA256SUMS is missing");
	else if (EVP_Digest(c->sums_text, c->sums_len, md, &mdlen,
	    EVP_sha256(), NULL) == 1 && etk_tsa_check((unsigned char *)tsr,
	    len, md, NULL, 0, ca, when, &e) == ETK_OK)
		say(c, 0, "SHA256SUMS.tsr: token over SHA256SUMS verifies "
		    "with %s; time %s", c->o != NULL && c->o->tsa_ca ?
		    c->o->tsa_ca : "keys/tsa-chain.pem", when);
	else
		FAIL(c, "SHA256SUMS.tsr: %s", e.msg[0] ? e.msg :
		    "does not verify");
	if (ts != NULL && ts->type == ETK_JBOOL && !ts->b)
		WARN(c, "MANIFEST.json says not timestamped, but "
		    "SHA256SUMS.tsr is present");
	free(ca);
	free(tsr);
}

static void
step6_files(struct vctx *c)
{
	struct etk_error e = { 0 };
	char hex[65], *path;
	size_t i, good = 0;

	step_begin(c, 6);
	if (!need_files(c))
		return;
	for (i = 0; i < c->sums_bad.n; i++)
		FAIL(c, "%s", c->sums_bad.v[i]);
	if (c->sums_text == NULL)
		return;
	for (i = 0; i < c->nsums; i++) {
		if ((path = in_root(c, c->sums[i].path)) == NULL)
			continue;
		etk_error_clear(&e);
		if (!strv_has(&c->files, c->sums[i].path))
			FAIL(c, "%s: listed in SHA256SUMS (line %zu) but "
			    "missing", c->sums[i].path, c->sums[i].line);
		else if (etk_file_sha256(path, hex, NULL, &e) != ETK_OK)
			FAIL(c, "%s: %s", c->sums[i].path, e.msg);
		else if (strcmp(hex, c->sums[i].hex) != 0)
			FAIL(c, "%s: SHA-256 is %s, SHA256SUMS line %zu says "
			    "%s", c->sums[i].path, hex, c->sums[i].line,
			    c->sums[i].hex);
		else
			good++;
		free(path);
	}
	if (c->step_fail == 0)
		say(c, 0, "%zu files match SHA256SUMS", good);
}

static void
step7_complete(struct vctx *c)
{
	struct strv listed = { 0 };
	const char *f;
	size_t i;

	step_begin(c, 7);
	if (!need_files(c))
		return;
	for (i = 0; i < c->nsums; i++)
		strv_add(&listed, c->sums[i].path);
	for (i = 0; i < c->files.n; i++) {
		f = c->files.v[i];
		if (strcmp(f, "SHA256SUMS") == 0 ||
		    strcmp(f, "SHA256SUMS.ed25519.sig") == 0 ||
		    strcmp(f, "SHA256SUMS.p256.sig") == 0 ||
		    strcmp(f, "SHA256SUMS.p7s") == 0 ||
		    strcmp(f, "SHA256SUMS.tsr") == 0)
			continue;
		if (strncmp(f, "SHA256SUMS.", 11) == 0)
			FAIL(c, "%s: not a signature or token file that "
			    "SHA256SUMS may leave out, and not listed", f);
		else if (!strv_has(&listed, f))
			FAIL(c, "%s: present but not listed in SHA256SUMS", f);
	}
	for (i = 0; i < c->nsums; i++)
		if (!strv_has(&c->files, c->sums[i].path))
			FAIL(c, "%s: listed in SHA256SUMS (line %zu) but "
			    "missing", c->sums[i].path, c->sums[i].line);
	strv_free(&listed);
	if (c->step_fail == 0 && c->sums_text != NULL)
		say(c, 0, "the files present are exactly the %zu listed",
		    c->nsums);
	else if (c->sums_text == NULL)
		FAIL(c, "SHA256SUMS: missing");
}

static void
step8_chain(struct vctx *c)
{
	const char *s;
	int64_t n;
	size_t i;

	step_begin(c, 8);
	if (!need_files(c))
		return;
	for (i = 0; i < c->j_issues.n; i++)
		FAIL(c, "%s", c->j_issues.v[i]);
	for (i = 0; i < c->j_withheld.n; i++) {
		const struct held *h = held_of(c,
		    strtoull(c->j_withheld.v[i], NULL, 10));

		if (h != NULL)
			WARN(c, "custody/journal.jsonl line %s: values "
			    "withheld (redaction %s); the next line's prev "
			    "was checked against its original_sha256",
			    c->j_withheld.v[i], h->rid);
	}
	if (c->mf == NULL)
		FAIL(c, "%s", c->mf_err);
	else {
		if ((s = mstr(c, "journal", "path")) == NULL ||
		    strcmp(s, "custody/journal.jsonl") != 0)
			FAIL(c, "MANIFEST.json: journal.path is not "
			    "\"custody/journal.jsonl\"");
		if (!mint(c, "journal", "lines", &n))
			FAIL(c, "MANIFEST.json: journal.lines is missing");
		else if (c->j_present && (uint64_t)n != c->j_lines)
			FAIL(c, "custody/journal.jsonl has %llu lines, "
			    "MANIFEST.json journal.lines says %lld "
			    "(truncated, extended or replaced)",
			    (unsigned long long)c->j_lines, (long long)n);
		if ((s = mstr(c, "journal", "head_sha256")) == NULL)
			FAIL(c, "MANIFEST.json: journal.head_sha256 is "
			    "missing");
		else if (c->j_present && strcmp(s, c->j_head) != 0)
			FAIL(c, "custody/journal.jsonl: the last line's "
			    "SHA-256 is %s, MANIFEST.json journal.head_sha256 "
			    "says %s", c->j_head, s);
	}
	if (c->step_fail == 0 && c->step_warn == 0)
		say(c, 0, "%llu lines, seq and prev chain intact; head %s "
		    "as MANIFEST.json says", (unsigned long long)c->j_lines,
		    c->j_head);
}

static void
seal_report(void *arg, const struct etk_seal_check *ck)
{
	struct vctx *c = arg;
	const char *what = ck->what ? ck->what : "check";

	if (ck->status == ETK_OK) {
		if (c->s_bad_first == 0 || ck->seal < c->s_bad_first)
			c->s_good_last = ck->seal > c->s_good_last ?
			    ck->seal : c->s_good_last;
		if (strcmp(what, "signature") == 0)
			c->s_sigs++;
		else if (strcmp(what, "timestamp") == 0)
			c->s_tokens++;
		return;
	}
	if (ck->status == ETK_ENOTFOUND && strcmp(what, "timestamp") == 0 &&
	    (c->j_first_withheld == 0 || ck->seal < c->j_first_withheld)) {
		WARN(c, "seal %llu: timestamp %s pending (no token yet)",
		    (unsigned long long)ck->seal, ck->file ? ck->file : "");
		return;
	}
	if (c->j_first_withheld != 0 && ck->seal >= c->j_first_withheld) {
		WARN(c, "seal %llu: %s%s%s%s%s covers withheld line %llu: "
		    "verifies only against the lab-held original",
		    (unsigned long long)ck->seal, what, ck->file ? " " : "",
		    ck->file ? ck->file : "", ck->signer ? " by " : "",
		    ck->signer ? ck->signer : "",
		    (unsigned long long)c->j_first_withheld);
		return;
	}
	c->s_fail++;
	if (c->s_bad_first == 0 || ck->seal < c->s_bad_first)
		c->s_bad_first = ck->seal;
	FAIL(c, "seal %llu: %s%s%s%s%s: %s", (unsigned long long)ck->seal,
	    what, ck->file ? " " : "", ck->file ? ck->file : "",
	    ck->signer ? " by " : "", ck->signer ? ck->signer : "",
	    ck->message ? ck->message : etk_strerror(ck->status));
}

static void
step9_seals(struct vctx *c)
{
	struct etk_error e = { 0 };
	char *jp = NULL, *sb = NULL;
	uint64_t nseals = 0;
	int64_t last;
	int rc;

	step_begin(c, 9);
	if (!need_files(c))
		return;
	if (!c->j_present) {
		FAIL(c, "custody/journal.jsonl: missing");
		return;
	}
	if ((jp = join(c->root, "custody/journal.jsonl")) == NULL ||
	    (sb = join(c->root, "custody")) == NULL)
		goto out;
	rc = etk_journal_verify_seals(jp, sb, c->root, c->o != NULL ?
	    c->o->tsa_ca : NULL, &nseals, seal_report, c, &e);
	if (rc != ETK_OK && c->s_fail == 0 &&
	    !(rc == ETK_EMISMATCH && c->j_first_withheld != 0))
		FAIL(c, "%s", e.msg);
	/* What still holds localises the change (CUSTODY.md §6c) */
	if (c->s_bad_first != 0 && c->s_good_last != 0 &&
	    c->s_good_last < c->s_bad_first)
		WARN(c, "seal %llu still verifies: lines 1-%llu are as sealed; "
		    "the first seal that fails is %llu",
		    (unsigned long long)c->s_good_last,
		    (unsigned long long)c->s_good_last,
		    (unsigned long long)c->s_bad_first);
	if (c->nseals == 0)
		FAIL(c, "custody/journal.jsonl: no seal");
	/* The bundle covers lines 1..N and N is its last seal: an older
	 * journal with its seals, replayed, names an older seal. */
	if (c->j_last_type == NULL || strcmp(c->j_last_type, "seal") != 0)
		FAIL(c, "custody/journal.jsonl: the last line (%llu) is not a "
		    "seal", (unsigned long long)c->j_lines);
	else if (c->j_last_covers != (int64_t)c->j_lines)
		FAIL(c, "custody/journal.jsonl: the last seal (line %llu) "
		    "covers %lld, not itself", (unsigned long long)c->j_lines,
		    (long long)c->j_last_covers);
	if (c->mf != NULL) {
		if (!mint(c, "journal", "last_seal", &last))
			FAIL(c, "MANIFEST.json: journal.last_seal is missing");
		else if ((uint64_t)last != c->j_lines)
			FAIL(c, "the last seal in custody/journal.jsonl is line "
			    "%llu, but MANIFEST.json names seal %lld (an older "
			    "journal replayed, or lines added)",
			    (unsigned long long)c->j_lines, (long long)last);
	}
	if (c->step_fail == 0 && c->step_warn == 0)
		say(c, 0, "%llu seal%s verified (%zu signature%s, %zu "
		    "token%s); the last seal is line %llu as MANIFEST.json "
		    "says", (unsigned long long)nseals, nseals == 1 ? "" : "s",
		    c->s_sigs, c->s_sigs == 1 ? "" : "s", c->s_tokens,
		    c->s_tokens == 1 ? "" : "s",
		    (unsigned long long)c->j_lines);
out:
	free(jp);
	free(sb);
}

/* Lines (newlines) in a bundle file. */
static int
count_lines(const struct vctx *c, const char *rel, uint64_t *n)
{
	char buf[65536], *path;
	ssize_t got, i;
	int fd;

	*n = 0;
	if ((path = in_root(c, rel)) == NULL)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return -1;
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < got; i++)
			*n += buf[i] == '\n';
	close(fd);
	return 0;
}

/* Is s a string anywhere in the tree? */
static int
jval_has_str(const struct etk_jval *v, const char *s, int depth)
{
	size_t i;

	if (v == NULL || depth > ETK_JSON_MAXDEPTH)
		return 0;
	if (v->type == ETK_JSTR)
		return strcmp(v->str, s) == 0;
	if (v->type == ETK_JARR || v->type == ETK_JOBJ)
		for (i = 0; i < v->n; i++)
			if (jval_has_str(v->items[i], s, depth + 1))
				return 1;
	return 0;
}

static int
redacted_item(const struct vctx *c, const char *rel)
{
	const char *item;
	size_t i;

	for (i = 0; i < c->nred; i++)
		if ((item = etk_jval_str(c->red[i], "item")) != NULL &&
		    strcmp(item, rel) == 0)
			return 1;
	return 0;
}

/* EXDIR: the exhibit id with every byte outside [A-Za-z0-9._-] as '_'. */
static void
exdir_of(const char *id, char *out, size_t len)
{
	size_t i;

	for (i = 0; id[i] != '\0' && i + 1 < len; i++)
		out[i] = (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= 'a' && id[i] <= 'z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '.' ||
		    id[i] == '_' || id[i] == '-' ? id[i] : '_';
	out[i] = '\0';
}

static void
step10_cross(struct vctx *c)
{
	static const struct {
		const char *key, *dir, *file;
	} cnt[] = {
		{ "messages", "reports", "messages.jsonl" },
		{ "calls", "reports", "calls.jsonl" },
		{ "contacts", "reports", "contacts.jsonl" },
		{ "images", "reports", "images.jsonl" },
		{ "carved", "reports", "carved.jsonl" },
		{ "files", "reports", "files.jsonl" },
		{ "pole_entities", "pole", "entities.jsonl" },
		{ "pole_links", "pole", "links.jsonl" },
		{ "exported_files", NULL, NULL },
	};
	struct etk_error e = { 0 };
	const struct etk_jval *ex, *x;
	struct etk_jval *cm = NULL;
	struct strv exdirs = { 0 };
	char hex[65], suffix[128], want[300], *path, *text = NULL;
	const char *f, *s, *id, *d, *slash;
	uint64_t total, n;
	int64_t m;
	size_t i, k, len, nfiles = 0;

	step_begin(c, 10);
	if (!need_files(c))
		return;
	if (c->mf == NULL) {
		FAIL(c, "%s", c->mf_err);
		return;
	}
	/* MANIFEST's own claims about the journal */
	if ((s = etk_jval_str(c->mf, "bundle_id")) == NULL ||
	    strncmp(s, "DISC-", 5) != 0)
		FAIL(c, "MANIFEST.json: bundle_id is not \"DISC-...\"");
	if ((s = mstr(c, "case", "id")) == NULL ||
	    (c->j_case_id != NULL && strcmp(s, c->j_case_id) != 0))
		FAIL(c, "MANIFEST.json: case.id '%s' is not the journal's "
		    "case id '%s' (genesis)", s ? s : "(none)",
		    c->j_case_id ? c->j_case_id : "(none)");
	if ((s = etk_jval_str(c->mf, "created")) == NULL ||
	    (c->j_last_ts != NULL && strcmp(s, c->j_last_ts) != 0))
		FAIL(c, "MANIFEST.json: created '%s' is not the time of "
		    "journal line %llu ('%s')", s ? s : "(none)",
		    (unsigned long long)c->j_lines,
		    c->j_last_ts ? c->j_last_ts : "?");
	/* The manifests in custody/ are listed and signed through SHA256SUMS */
	if (!file_listed(c, "custody/case.jsonld"))
		FAIL(c, "custody/case.jsonld: not listed in SHA256SUMS");
	if (!file_listed(c, "custody/manifest.json"))
		FAIL(c, "custody/manifest.json: not listed in SHA256SUMS");
	if ((path = join(c->root, "custody/manifest.json")) != NULL &&
	    (read_small(path, JSON_MAX, &text, &len, &e) != ETK_OK ||
	    etk_json_parse(text, len, &cm, &e) != ETK_OK))
		FAIL(c, "custody/manifest.json: %s", e.msg);
	free(path);
	free(text);

	/* Counts: MANIFEST against the lines of the report files */
	for (k = 0; k < c->files.n; k++) {
		f = c->files.v[k];
		if (strncmp(f, "exhibits/", 9) != 0 ||
		    (slash = strchr(f + 9, '/')) == NULL)
			continue;
		if (strncmp(slash, "/extracted/", 11) == 0 ||
		    strncmp(slash, "/carved/", 8) == 0) {
			nfiles++;
			if (redacted_item(c, f))
				continue;	/* re-rendered (step 11) */
			if ((path = in_root(c, f)) == NULL ||
			    etk_file_sha256(path, hex, NULL, &e) != ETK_OK)
				FAIL(c, "%s: cannot hash", f);
			else if (!strv_has(&c->j_out_sha, hex))
				FAIL(c, "%s: SHA-256 %s is no outputs[].sha256 "
				    "in custody/journal.jsonl", f, hex);
			free(path);
		}
		snprintf(want, sizeof(want), "%.*s", (int)(slash - f), f);
		if (!strv_has(&exdirs, want))
			strv_add(&exdirs, want);
	}
	for (i = 0; i < sizeof(cnt) / sizeof(cnt[0]); i++) {
		if (!mint(c, "counts", cnt[i].key, &m)) {
			FAIL(c, "MANIFEST.json: counts.%s is missing",
			    cnt[i].key);
			continue;
		}
		total = 0;
		if (cnt[i].file == NULL)
			total = nfiles;
		else {
			snprintf(suffix, sizeof(suffix), "/%s/%s", cnt[i].dir,
			    cnt[i].file);
			for (k = 0; k < c->files.n; k++) {
				f = c->files.v[k];
				len = strlen(f);
				if (strncmp(f, "exhibits/", 9) != 0 ||
				    len < strlen(suffix) ||
				    strcmp(f + len - strlen(suffix), suffix) !=
				    0 || strchr(f + 9, '/') !=
				    f + len - strlen(suffix))
					continue;
				if (count_lines(c, f, &n) == 0)
					total += n;
			}
		}
		if (total != (uint64_t)m)
			FAIL(c, "MANIFEST.json counts.%s is %lld, the bundle "
			    "holds %llu (%s)", cnt[i].key, (long long)m,
			    (unsigned long long)total, cnt[i].file ?
			    cnt[i].file : "files in extracted/ and carved/");
	}

	/* Exhibits: hashes as the journal and custody/manifest.json give */
	ex = etk_jval_get(c->mf, "exhibits");
	if (ex == NULL || ex->type != ETK_JARR)
		FAIL(c, "MANIFEST.json: exhibits[] is missing");
	for (i = 0; ex != NULL && ex->type == ETK_JARR && i < ex->n; i++) {
		static const char *const hk[] = { "container_sha256",
		    "media_sha256", "stored_md5", "stored_sha1" };
		struct strv *sets[4];
		char exd[200];

		sets[0] = &c->j_in_sha;
		sets[1] = &c->j_in_media;
		sets[2] = &c->j_in_md5;
		sets[3] = &c->j_in_sha1;
		x = ex->items[i];
		if ((id = etk_jval_str(x, "id")) == NULL) {
			FAIL(c, "MANIFEST.json exhibits[%zu]: no id", i);
			continue;
		}
		exdir_of(id, exd, sizeof(exd));
		snprintf(want, sizeof(want), "exhibits/%s", exd);
		if ((d = etk_jval_str(x, "dir")) == NULL ||
		    strcmp(d, want) != 0)
			FAIL(c, "MANIFEST.json exhibit %s: dir is not '%s'", id,
			    want);
		for (k = 0; k < 4; k++) {
			s = etk_jval_str(x, hk[k]);
			if (s == NULL) {
				if (k == 0)
					FAIL(c, "MANIFEST.json exhibit %s: "
					    "container_sha256 is missing", id);
				continue;
			}
			if (!strv_has(sets[k], s))
				FAIL(c, "MANIFEST.json exhibit %s: %s %s is in "
				    "no journal inputs[]", id, hk[k], s);
			if (k < 2 && cm != NULL && !jval_has_str(cm, s, 0))
				FAIL(c, "MANIFEST.json exhibit %s: %s %s is not "
				    "in custody/manifest.json", id, hk[k], s);
		}
		for (k = 0; k < exdirs.n; k++)
			if (strcmp(exdirs.v[k], want) == 0) {
				free(exdirs.v[k]);
				exdirs.v[k] = strdup("");
			}
	}
	for (k = 0; k < exdirs.n; k++)
		if (exdirs.v[k] != NULL && exdirs.v[k][0] != '\0')
			FAIL(c, "%s: not an exhibit MANIFEST.json lists",
			    exdirs.v[k]);
	strv_free(&exdirs);
	etk_jval_free(cm);
	if (c->step_fail == 0)
		say(c, 0, "MANIFEST counts match the report files; %zu "
		    "exported file%s each an output recorded in the journal; "
		    "exhibit hashes agree with the journal and "
		    "custody/manifest.json", nfiles, nfiles == 1 ? "" : "s");
}

static int
text_file(const char *f)
{
	static const char *const ext[] = { ".txt", ".json", ".jsonl", ".csv",
	    ".html", ".jsonld", ".dfxml", ".xml" };
	size_t i, len = strlen(f), el;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		el = strlen(ext[i]);
		if (len > el && strcmp(f + len - el, ext[i]) == 0)
			return 1;
	}
	return 0;
}

/* Every "[REDACTED-X]" and "[WITHHELD:<hex>]" in a file, whatever its
 * size (mapped, not read into memory). */
static void
scan_tokens(struct vctx *c, const char *rel, struct strv *tokens,
    struct strv *where)
{
	const char *text, *p, *end, *q;
	char tok[100];
	struct stat st;
	char *path;
	void *map;
	size_t n, len;
	int fd;

	if ((path = in_root(c, rel)) == NULL)
		return;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SIZE_MAX ||
	    (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
	    0)) == MAP_FAILED) {
		close(fd);
		return;
	}
	close(fd);
	text = map;
	len = (size_t)st.st_size;
	end = text + len;
	for (p = text; (p = memchr(p, '[', (size_t)(end - p))) != NULL; p++) {
		q = NULL;
		if ((size_t)(end - p) > 10 && memcmp(p, "[REDACTED-", 10) == 0) {
			for (n = 10; p + n < end && ((p[n] >= 'A' &&
			    p[n] <= 'Z') || (p[n] >= 'a' && p[n] <= 'z') ||
			    (p[n] >= '0' && p[n] <= '9')) && n < 80; n++)
				;
			if (n > 10 && p + n < end && p[n] == ']')
				q = p + n + 1;
		} else if ((size_t)(end - p) > 74 &&
		    memcmp(p, "[WITHHELD:", 10) == 0) {
			for (n = 10; n < 74 && ((p[n] >= '0' && p[n] <= '9') ||
			    (p[n] >= 'a' && p[n] <= 'f')); n++)
				;
			if (n == 74 && p[n] == ']')
				q = p + n + 1;
		}
		if (q == NULL)
			continue;
		memcpy(tok, p, (size_t)(q - p));
		tok[q - p] = '\0';
		if (!strv_has(tokens, tok)) {
			strv_add(tokens, tok);
			strv_add(where, rel);
		}
	}
	munmap(map, len);
}

static void
step11_redactions(struct vctx *c)
{
	static const char *const need[] = { "category", "basis",
	    "decided_by", "token" };
	struct strv rtokens = { 0 }, commits = { 0 }, found = { 0 },
	    where = { 0 };
	const struct etk_jval *v, *r;
	const char *id, *s, *item, *prev = NULL;
	char tok[100];
	int64_t m;
	size_t i, k;

	step_begin(c, 11);
	if (!need_files(c))
		return;
	if (!c->r_present) {
		FAIL(c, "redaction/redactions.jsonl: missing (an empty file "
		    "when nothing was redacted)");
		return;
	}
	for (i = 0; i < c->r_issues.n; i++)
		FAIL(c, "%s", c->r_issues.v[i]);
	for (i = 0; i < c->nred; i++) {
		r = c->red[i];
		id = etk_jval_str(r, "id");
		if (id == NULL || strncmp(id, "R-", 2) != 0) {
			FAIL(c, "redaction/redactions.jsonl record %zu: no "
			    "\"R-...\" id", i + 1);
			id = "?";
		} else if (prev != NULL && strcmp(prev, id) >= 0)
			FAIL(c, "redaction %s: ids not in order or repeated",
			    id);
		if (strcmp(id, "?") != 0)
			prev = id;
		for (k = 0; k < sizeof(need) / sizeof(need[0]); k++)
			if ((s = etk_jval_str(r, need[k])) == NULL ||
			    s[0] == '\0')
				FAIL(c, "redaction %s: %s is missing", id,
				    need[k]);
		if (!is_hex64(etk_jval_str(r, "commitment")))
			FAIL(c, "redaction %s: commitment is not 64 lower-case "
			    "hex", id);
		else
			strv_add(&commits, etk_jval_str(r, "commitment"));
		if ((s = etk_jval_str(r, "token")) != NULL)
			strv_add(&rtokens, s);
		if ((item = etk_jval_str(r, "item")) == NULL) {
			FAIL(c, "redaction %s: item is missing", id);
			continue;
		}
		if (strcmp(item, "custody/journal.jsonl") == 0) {
			v = etk_jval_get(r, "line");
			if (v == NULL || v->type != ETK_JNUM || !v->is_int ||
			    v->inum < 1 || (uint64_t)v->inum > c->j_lines)
				FAIL(c, "redaction %s: line is not a line of "
				    "custody/journal.jsonl", id);
			else {
				snprintf(tok, sizeof(tok), "%lld",
				    (long long)v->inum);
				if (!strv_has(&c->j_withheld, tok))
					FAIL(c, "redaction %s: journal line %s "
					    "holds no [WITHHELD:...]", id,
					    tok);
			}
			if (!is_hex64(etk_jval_str(r, "original_sha256")))
				FAIL(c, "redaction %s: original_sha256 is not "
				    "64 hex", id);
		} else if (!strv_has(&c->files, item))
			FAIL(c, "redaction %s: item '%s' is not in the bundle",
			    id, item);
	}
	for (i = 0; i < c->files.n; i++)
		if (text_file(c->files.v[i]))
			scan_tokens(c, c->files.v[i], &found, &where);
	for (i = 0; i < found.n; i++) {
		if (strncmp(found.v[i], "[WITHHELD:", 10) == 0) {
			snprintf(tok, sizeof(tok), "%.64s", found.v[i] + 10);
			if (!strv_has(&commits, tok))
				FAIL(c, "%s: %s matches no redaction "
				    "commitment", where.v[i], found.v[i]);
		} else if (!strv_has(&rtokens, found.v[i]))
			FAIL(c, "%s: token %s has no redaction record",
			    where.v[i], found.v[i]);
	}
	if (c->mf != NULL) {
		if (!mint(c, "counts", "redactions", &m))
			FAIL(c, "MANIFEST.json: counts.redactions is missing");
		else if ((uint64_t)m != c->nred + c->r_issues.n)
			FAIL(c, "MANIFEST.json counts.redactions is %lld, "
			    "redaction/redactions.jsonl holds %zu records",
			    (long long)m, c->nred + c->r_issues.n);
		if (mint(c, "redaction", "records", &m) &&
		    (uint64_t)m != c->nred + c->r_issues.n)
			FAIL(c, "MANIFEST.json redaction.records is %lld, "
			    "redaction/redactions.jsonl holds %zu records",
			    (long long)m, c->nred + c->r_issues.n);
	}
	if (c->step_fail == 0)
		say(c, 0, "%zu redaction record%s complete; every token in "
		    "the bundle has one", c->nred, c->nred == 1 ? "" : "s");
	strv_free(&rtokens);
	strv_free(&commits);
	strv_free(&found);
	strv_free(&where);
}

/* ---- entry points ---- */

static void
vctx_free(struct vctx *c)
{
	size_t i;

	if (c->tmp != NULL) {
		etk_bv_rmtree(c->tmp);
		free(c->tmp);
	}
	free(c->root);
	strv_free(&c->files);
	strv_free(&c->odd);
	etk_jval_free(c->mf);
	free(c->sums_text);
	for (i = 0; i < c->nsums; i++)
		free(c->sums[i].path);
	free(c->sums);
	strv_free(&c->sums_bad);
	for (i = 0; i < c->nkeys; i++)
		free(c->keys[i].file);
	free(c->keys);
	free(c->j_last_type);
	free(c->j_last_ts);
	free(c->j_case_id);
	strv_free(&c->j_issues);
	strv_free(&c->j_gkeys);
	strv_free(&c->j_out_sha);
	strv_free(&c->j_in_sha);
	strv_free(&c->j_in_media);
	strv_free(&c->j_in_md5);
	strv_free(&c->j_in_sha1);
	strv_free(&c->j_withheld);
	for (i = 0; i < c->nseals; i++)
		strv_free(&c->seals[i].signers);
	free(c->seals);
	for (i = 0; i < c->nred; i++)
		etk_jval_free(c->red[i]);
	free(c->red);
	strv_free(&c->r_issues);
	free(c->held);
	etk_buf_release(&c->msg);
}

int
etk_bundle_verify(const char *path, const struct etk_bundle_verify_opts *o,
    etk_bundle_report_fn report, void *arg, struct etk_error *err)
{
	struct vctx c;
	struct stat st;
	char *tar = NULL, *dir = NULL;
	size_t n;
	int step;

	if (path == NULL || path[0] == '\0')
		return etk_fail(err, ETK_EINVAL, 0, "no bundle path");
	if (!etk_bundle_is(path))
		return etk_fail(err, ETK_EFORMAT, 0, "'%s' is not a disclosure "
		    "bundle (no MANIFEST.json of %s)", path,
		    ETK_BUNDLE_FORMAT);
	memset(&c, 0, sizeof(c));
	etk_buf_init(&c.msg);
	c.o = o;
	c.report = report;
	c.arg = arg;
	c.err = err;
	if ((dir = strdup(path)) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", path);
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	c.path = dir;
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		/* OUT with OUT.tar beside it: step 1 checks the tar */
		if ((tar = malloc(n + 5)) != NULL) {
			sprintf(tar, "%s.tar", dir);
			if (stat(tar, &st) != 0 || !S_ISREG(st.st_mode)) {
				free(tar);
				tar = NULL;
			}
		}
		step1_archive(&c, tar);
		step2_names(&c, NULL);
	} else {
		c.is_tar = 1;
		step1_archive(&c, dir);
		step2_names(&c, dir);
	}
	if (c.extracted) {
		load_manifest(&c);
		load_sums(&c);
		load_redactions(&c);
		scan_journal(&c);
	}
	step3_keys(&c);
	step4_signature(&c);
	step5_timestamp(&c);
	step6_files(&c);
	step7_complete(&c);
	step8_chain(&c);
	step9_seals(&c);
	step10_cross(&c);
	step11_redactions(&c);
	/* A step with nothing to say still says so. */
	for (step = 1; step <= 11; step++)
		if (!c.step_done[step]) {
			step_begin(&c, step);
			FAIL(&c, "not checked (out of memory?)");
		}
	n = (size_t)c.nfail;
	vctx_free(&c);
	free(tar);
	free(dir);
	if (n != 0)
		return ETK_EMISMATCH;
	etk_error_clear(err);
	return ETK_OK;
}

int
etk_bundle_is(const char *path)
{
	struct stat st;
	struct etk_jval *doc = NULL;
	const char *f;
	char *p, *text = NULL;
	size_t len;
	int yes = 0;

	if (path == NULL || stat(path, &st) != 0)
		return 0;
	/* Only a file named *.tar is looked into: etk verify asks this of
	 * every target, and an evidence image must not be read as a tar
	 * (it may be a device, or huge, or failing). */
	if (S_ISREG(st.st_mode)) {
		size_t pl = strlen(path);

		return pl > 4 && strcmp(path + pl - 4, ".tar") == 0 &&
		    etk_bv_tar_has_manifest(path);
	}
	if (!S_ISDIR(st.st_mode) || (p = join(path, "MANIFEST.json")) == NULL)
		return 0;
	if (read_small(p, SMALL_MAX, &text, &len, NULL) == ETK_OK &&
	    etk_json_parse(text, len, &doc, NULL) == ETK_OK &&
	    doc->type == ETK_JOBJ && (f = etk_jval_str(doc, "format")) != NULL &&
	    strcmp(f, ETK_BUNDLE_FORMAT) == 0)
		yes = 1;
	/* A MANIFEST.json that was tampered with is still a bundle's, one
	 * that fails verification. */
	else if (text != NULL && strstr(text, "\"" ETK_BUNDLE_FORMAT "\"") !=
	    NULL)
		yes = 1;
	etk_jval_free(doc);
	free(text);
	free(p);
	return yes;
}
