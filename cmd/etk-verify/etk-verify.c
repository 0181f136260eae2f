/*
 * etk-verify: re-hash and compare (man/etk-verify.1).
 *
 * A TARGET is one of:
 *   - a case directory: the journal's hash chain, every seal's
 *     signature, and every output the journal lists with a path inside
 *     the case, re-hashed against its recorded sha256;
 *   - an E01 (or split E01) image: MD5, SHA-1 and SHA-256 of the media
 *     stream, compared with the digests stored in the image;
 *   - a raw image with an acquisition record beside it (TARGET.json, or
 *     the name without its extension + .json) holding its digests.
 *   - a disclosure bundle (etk-bundle(5)): the directory OUT or the
 *     archive OUT.tar, checked in the eleven steps of CUSTODY.md §6c by
 *     etk_bundle_verify, one line per step report.
 * An E01 with a record beside it is checked against both.  An etk
 * acquisition record ("record":"acquisition", written by etk-image) may
 * be named as the target itself; its checks are: complete, each target
 * file's size and SHA-256, the media size and digests, and the
 * piecewise SHA-256 digests (the first bad piece is named).
 *
 * Text output, one line per check, then a verdict line:
 *	TARGET: md5 ok HEX (image)
 *	TARGET: md5 MISMATCH computed HEX, expected HEX (image)
 *	TARGET: ok | TARGET: MISMATCH
 * JSON Lines: one {"record":"verify",...} per target, then the summary.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cmdutil.h"

#define READ_CHUNK (1024 * 1024)
#define RECORD_MAX (16 * 1024 * 1024)
#define MAX_BAD_RANGES 64	/* read-error ranges listed per target */

static const char *const algs[3] = { "md5", "sha1", "sha256" };

struct check {
	const char *alg;	/* md5, sha1, sha256 */
	const char *from;	/* "image" or the record's file name */
	char expected[129];
	char computed[129];
	int match;
};

struct range {
	uint64_t off, len;
};

/* What one target's verification found. */
struct result {
	struct etk_buf text;	/* text lines, printed at the end */
	struct etk_buf checks;	/* JSON array members */
	struct etk_buf extra;	/* JSON object: more members of the record */
	int mismatch;
	int failed;
	struct etk_error err;	/* when failed */
};

static void
usage(FILE *fp)
{
	const char *p = etk_getprogname();

	if (fp != stdout) {
		fprintf(fp, "%s: usage: %s [-hqV] [-j N] [--case dir] [--json] "
		    "[--progress | --no-progress] [--key-id ID] "
		    "[--tar-sha256 HEX] [--tsa-ca FILE] target ...\n"
		    "%s: usage: %s --verify-script\n", p, p, p, p);
		return;
	}
	fprintf(fp, "usage: %s [-hqV] [-j N] [--case dir] [--json]\n"
	    "       [--progress | --no-progress] [--key-id ID] "
	    "[--tar-sha256 HEX]\n"
	    "       [--tsa-ca FILE] target ...\n"
	    "       %s --verify-script\n", p, p);
	fputs("targets: a case directory, an E01 image, a raw image with "
	    "its\n"
	    "acquisition record (IMAGE.json) beside it, or a disclosure "
	    "bundle\n"
	    "(OUT or OUT.tar)\n"
	    "bundle options:\n"
	    "      --key-id ID     a key id confirmed out of band (repeatable):"
	    "\n"
	    "                      it must be listed in the bundle and a "
	    "signer\n"
	    "      --tar-sha256 HEX\n"
	    "                      the archive's SHA-256 as given out of band\n"
	    "      --tsa-ca FILE   anchors for time-stamp tokens (default: the "
	    "bundle's\n"
	    "                      keys/tsa-chain.pem)\n"
	    "      --verify-script print the VERIFY.sh that bundles carry and "
	    "exit\n", fp);
	etk_cmd_usage_common(fp);
}

static void
result_init(struct result *r)
{
	memset(r, 0, sizeof(*r));
	etk_buf_init(&r->text);
	etk_buf_init(&r->checks);
	etk_buf_init(&r->extra);
}

static void
result_release(struct result *r)
{
	etk_buf_release(&r->text);
	etk_buf_release(&r->checks);
	etk_buf_release(&r->extra);
}

/* Text with control bytes shown as '?'. */
static void
add_clean(struct etk_buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		etk_buf_addc(b, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
	}
}

static void
line(struct result *r, const char *target, const char *fmt, ...)
    ETK_PRINTFLIKE(3, 4);

static void
line(struct result *r, const char *target, const char *fmt, ...)
{
	struct etk_buf b;
	va_list ap;

	etk_buf_init(&b);
	va_start(ap, fmt);
	etk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	add_clean(&r->text, target);
	etk_buf_adds(&r->text, ": ");
	add_clean(&r->text, b.data);
	etk_buf_addc(&r->text, '\n');
	etk_buf_release(&b);
}

/* Start a JSON object member of r->checks. */
static void
check_begin(struct result *r, struct etk_json *j)
{
	if (r->checks.len != 0)
		etk_buf_addc(&r->checks, ',');
	etk_json_init(j, &r->checks);
	etk_json_obj_begin(j);
}

/* ---- images ---- */

struct digests {
	char hex[3][129];
	uint64_t bytes;
	struct range bad[MAX_BAD_RANGES];
	size_t nbad;
	uint64_t bad_bytes;
	char first_err[ETK_ERRMSG_MAX];	/* the first read error */
};

/* Piecewise SHA-256 digests from an acquisition record, checked in the
 * same pass as the media digests. */
struct piece {
	uint64_t off, len;
	char want[65];
	char got[65];
	int state;		/* 0 not read, 1 ok, 2 bad */
};

struct pieces {
	struct piece *v;	/* sorted by offset */
	size_t n;
	size_t cur;		/* the piece being hashed */
	uint64_t fed;		/* its bytes hashed so far */
	EVP_MD_CTX *ctx;
};

static void
piece_done(struct pieces *p)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	struct piece *pc = &p->v[p->cur];

	EVP_DigestFinal_ex(p->ctx, md, &mdlen);
	etk_hex(md, mdlen, pc->got);
	pc->state = strcasecmp(pc->got, pc->want) == 0 ? 1 : 2;
	p->cur++;
	p->fed = 0;
	EVP_DigestInit_ex(p->ctx, EVP_sha256(), NULL);
}

/* Feed the bytes [off, off + len) to the pieces they fall in. */
static void
pieces_feed(struct pieces *p, uint64_t off, const unsigned char *buf,
    size_t len)
{
	uint64_t pos = off, end = off + len, stop;
	struct piece *pc;

	while (p != NULL && p->ctx != NULL && pos < end && p->cur < p->n) {
		pc = &p->v[p->cur];
		if (pos < pc->off) {	/* a gap between pieces */
			pos = pc->off < end ? pc->off : end;
			continue;
		}
		if (pos != pc->off + p->fed) {	/* overlapping pieces */
			p->cur++;
			p->fed = 0;
			EVP_DigestInit_ex(p->ctx, EVP_sha256(), NULL);
			continue;
		}
		stop = pc->off + pc->len < end ? pc->off + pc->len : end;
		EVP_DigestUpdate(p->ctx, buf + (pos - off), stop - pos);
		p->fed += stop - pos;
		pos = stop;
		if (p->fed == pc->len)
			piece_done(p);
	}
}

static void
add_bad(struct digests *d, uint64_t off, uint64_t len)
{
	d->bad_bytes += len;
	if (d->nbad > 0 && d->bad[d->nbad - 1].off +
	    d->bad[d->nbad - 1].len == off) {
		d->bad[d->nbad - 1].len += len;
		return;
	}
	if (d->nbad < MAX_BAD_RANGES) {
		d->bad[d->nbad].off = off;
		d->bad[d->nbad].len = len;
		d->nbad++;
	}
}

/* The device went away: no point reading around it sector by sector. */
static int
gone(const struct etk_error *e)
{
	return e->sys_errno == ENODEV || e->sys_errno == ENXIO;
}

/* Read [off, off+len) into buf.  On a read error, read the window again
 * one sector at a time: what cannot be read is zero-filled and recorded
 * (as ewfverify does), so the digests still cover every byte. */
static int
read_window(struct etk_source *src, uint64_t off, unsigned char *buf,
    size_t len, size_t *got, struct digests *d, struct etk_error *err)
{
	struct etk_error e2 = { 0 };
	unsigned ss = etk_source_sector_size(src);
	size_t done = 0, n, want;

	if (etk_source_read(src, off, buf, len, got, err) == ETK_OK)
		return ETK_OK;
	if (err->code != ETK_EIO || gone(err))
		return err->code;
	if (ss == 0)
		ss = 512;
	while (done < len) {
		want = len - done < ss ? len - done : ss;
		etk_error_clear(&e2);
		if (etk_source_read(src, off + done, buf + done, want, &n,
		    &e2) != ETK_OK) {
			if (e2.code != ETK_EIO || gone(&e2)) {
				*err = e2;
				return e2.code;
			}
			memset(buf + done, 0, want);
			if (d->bad_bytes == 0)
				memcpy(d->first_err, e2.msg, sizeof(e2.msg));
			add_bad(d, off + done, want);
			n = want;
		}
		done += n;
		if (n < want)
			break;	/* end of data */
	}
	*got = done;
	etk_error_clear(err);
	return ETK_OK;
}

static int
hash_source(struct etk_cmd *cmd, struct etk_source *src, const char *label,
    struct digests *d, struct pieces *pcs, struct etk_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE], *buf;
	EVP_MD_CTX *ctx[3] = { NULL, NULL, NULL };
	const EVP_MD *mdt[3];
	struct etk_progress *pg = NULL;
	uint64_t size = etk_source_size(src), off = 0;
	unsigned int mdlen;
	size_t got, want;
	int i, rc = ETK_OK;

	mdt[0] = EVP_md5();
	mdt[1] = EVP_sha1();
	mdt[2] = EVP_sha256();
	memset(d, 0, sizeof(*d));
	if ((buf = malloc(READ_CHUNK)) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", label);
	for (i = 0; i < 3; i++)
		if ((ctx[i] = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(ctx[i], mdt[i], NULL) != 1) {
			rc = etk_fail(err, ETK_ENOMEM, 0, "%s: digest init",
			    label);
			goto out;
		}
	if (etk_progress_new(&pg, stderr, cmd->quiet ? ETK_PROGRESS_OFF :
	    cmd->progress, label, size, NULL) != ETK_OK)
		pg = NULL;
	for (;;) {
		want = size != 0 && size - off < READ_CHUNK ?
		    (size_t)(size - off) : READ_CHUNK;
		if (size != 0 && off >= size)
			break;
		if ((rc = read_window(src, off, buf, want, &got, d, err)) !=
		    ETK_OK)
			goto out;
		if (got == 0)
			break;
		for (i = 0; i < 3; i++)
			EVP_DigestUpdate(ctx[i], buf, got);
		pieces_feed(pcs, off, buf, got);
		off += got;
		etk_progress_add(pg, got);
		if (got < want)
			break;
	}
	for (i = 0; i < 3; i++) {
		EVP_DigestFinal_ex(ctx[i], md, &mdlen);
		etk_hex(md, mdlen, d->hex[i]);
	}
	d->bytes = off;
	if (size != 0 && off < size)
		rc = etk_fail(err, ETK_EIO, 0, "%s: media ends at %llu bytes, "
		    "%llu expected", label, (unsigned long long)off,
		    (unsigned long long)size);
out:
	etk_progress_free(pg);
	for (i = 0; i < 3; i++)
		EVP_MD_CTX_free(ctx[i]);
	free(buf);
	return rc;
}

/* Acquisition record beside path: path.json, else the name without its
 * extension + .json.  Returns a malloc'd name or NULL. */
static char *
find_record(const char *path)
{
	const char *slash = strrchr(path, '/'), *dot;
	struct stat st;
	char *p;
	size_t n = strlen(path);

	if ((p = malloc(n + 6)) == NULL)
		return NULL;
	snprintf(p, n + 6, "%s.json", path);
	if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
		return p;
	dot = strrchr(path, '.');
	if (dot != NULL && (slash == NULL || dot > slash) && dot != path &&
	    (slash == NULL || dot > slash + 1)) {
		snprintf(p, n + 6, "%.*s.json", (int)(dot - path), path);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			return p;
	}
	free(p);
	return NULL;
}

static int
is_hex(const char *s, size_t len)
{
	size_t i;

	if (strlen(s) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

/* Read and parse a JSON record (*docp: caller frees with etk_jval_free). */
static int
load_record(const char *rec, struct etk_jval **docp, struct etk_error *err)
{
	FILE *fp;
	char *text;
	size_t len;

	*docp = NULL;
	if ((fp = fopen(rec, "rb")) == NULL)
		return etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "cannot open '%s'", rec);
	if ((text = malloc(RECORD_MAX)) == NULL) {
		fclose(fp);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", rec);
	}
	len = fread(text, 1, RECORD_MAX, fp);
	fclose(fp);
	if (etk_json_parse(text, len, docp, err) != ETK_OK) {
		free(text);
		return etk_wrap(err, "%s", rec);
	}
	free(text);
	if ((*docp)->type != ETK_JOBJ) {
		etk_jval_free(*docp);
		*docp = NULL;
		return etk_fail(err, ETK_EFORMAT, 0, "%s: not a JSON object",
		    rec);
	}
	return ETK_OK;
}

/* A digest: hex of the right length, copied in lower case.  Returns 1
 * when s is one, 0 when s is NULL, -1 (err set) when it is malformed. */
static int
take_hex(const char *rec, const char *what, const char *s, size_t len,
    char *out, struct etk_error *err)
{
	size_t k;

	out[0] = '\0';
	if (s == NULL)
		return 0;
	if (!is_hex(s, len)) {
		etk_fail(err, ETK_EFORMAT, 0, "%s: %s is not %zu hex digits",
		    rec, what, len);
		return -1;
	}
	for (k = 0; s[k] != '\0'; k++)
		out[k] = (char)(s[k] >= 'A' && s[k] <= 'F' ?
		    s[k] - 'A' + 'a' : s[k]);
	out[k] = '\0';
	return 1;
}

static const size_t hexlens[3] = { 32, 40, 64 };

/* Digests named by a record that is not an etk acquisition record:
 * top-level "md5"/"sha1"/"sha256" (or "media_sha256" ...), or inside
 * "hashes" or "media_hashes". */
static int
record_hashes(const char *rec, const struct etk_jval *doc, char want[3][129],
    struct etk_error *err)
{
	static const char *const objs[] = { "hashes", "media_hashes" };
	const struct etk_jval *o;
	const char *s;
	char key[32];
	int i, k, found = 0, rc;

	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "media_%s", algs[i]);
		s = etk_jval_str(doc, algs[i]);
		if (s == NULL)
			s = etk_jval_str(doc, key);
		for (k = 0; s == NULL && k < 2; k++)
			if ((o = etk_jval_get(doc, objs[k])) != NULL &&
			    o->type == ETK_JOBJ)
				s = etk_jval_str(o, algs[i]);
		if ((rc = take_hex(rec, algs[i], s, hexlens[i], want[i],
		    err)) < 0)
			return err->code;
		found += rc;
	}
	if (found == 0)
		return etk_fail(err, ETK_ENOTFOUND, 0,
		    "%s: no md5, sha1 or sha256 in the record", rec);
	return ETK_OK;
}

/* ---- etk acquisition records (etk-image: TARGET.json) ---- */

struct acq_file {
	const char *path;	/* borrowed from the parsed record */
	uint64_t size;
	int has_size;
	char sha256[65];
};

struct acq {
	int complete, interrupted;
	const char *reason;	/* why incomplete; borrowed from the record */
	char media[3][129];
	uint64_t size;
	int has_size;
	struct acq_file *files;
	size_t nfiles;
	struct pieces pcs;
	const char *palg;	/* piecewise algorithm */
	uint64_t window;
	size_t nerrors;
	uint64_t err_bytes, err_first;
};

static int
is_acquisition(const struct etk_jval *doc)
{
	const char *s = etk_jval_str(doc, "record"), *v;

	v = etk_jval_str(doc, "v");
	return (s != NULL && strcmp(s, "acquisition") == 0) ||
	    (v != NULL && strncmp(v, "etk-acquisition/", 16) == 0);
}

static int
juint(const struct etk_jval *o, const char *key, uint64_t *out)
{
	const struct etk_jval *v = etk_jval_get(o, key);

	if (v == NULL || v->type != ETK_JNUM || !v->is_int || v->inum < 0)
		return 0;
	*out = (uint64_t)v->inum;
	return 1;
}

static int
by_offset(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static void
acq_release(struct acq *a)
{
	free(a->files);
	free(a->pcs.v);
	EVP_MD_CTX_free(a->pcs.ctx);
	memset(a, 0, sizeof(*a));
}

static int
acq_parse(const char *rec, const struct etk_jval *doc, struct acq *a,
    struct etk_error *err)
{
	const struct etk_jval *t, *v, *m, *pw, *e;
	size_t i;
	int k;

	memset(a, 0, sizeof(*a));
	v = etk_jval_get(doc, "complete");
	a->complete = v != NULL && v->type == ETK_JBOOL && v->b;
	v = etk_jval_get(doc, "interrupted");
	a->interrupted = v != NULL && v->type == ETK_JBOOL && v->b;
	a->reason = etk_jval_str(doc, "reason");
	t = etk_jval_get(doc, "target");
	v = t != NULL && t->type == ETK_JOBJ ? etk_jval_get(t, "files") : NULL;
	if (v == NULL || v->type != ETK_JARR || v->n == 0)
		return etk_fail(err, ETK_EFORMAT, 0, "%s: no target files in "
		    "the acquisition record", rec);
	if ((a->files = calloc(v->n, sizeof(*a->files))) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", rec);
	for (i = 0; i < v->n; i++) {
		struct acq_file *f = &a->files[i];

		if (v->items[i]->type != ETK_JOBJ ||
		    (f->path = etk_jval_str(v->items[i], "path")) == NULL ||
		    f->path[0] == '\0' || strchr(f->path, '/') != NULL)
			return etk_fail(err, ETK_EFORMAT, 0, "%s: target file "
			    "%zu has no plain file name", rec, i + 1);
		f->has_size = juint(v->items[i], "size", &f->size);
		if (take_hex(rec, "a target file's sha256",
		    etk_jval_str(v->items[i], "sha256"), 64, f->sha256,
		    err) < 0)
			return err->code;
	}
	a->nfiles = v->n;
	/* The inventory of a logical container (etk image) is checked
	 * like the image files: present, and its SHA-256 as recorded. */
	if ((e = etk_jval_get(doc, "inventory")) != NULL &&
	    e->type == ETK_JOBJ) {
		struct acq_file *nf, *f;

		if ((nf = realloc(a->files, (a->nfiles + 1) *
		    sizeof(*nf))) == NULL)
			return etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", rec);
		a->files = nf;
		f = &a->files[a->nfiles];
		memset(f, 0, sizeof(*f));
		if ((f->path = etk_jval_str(e, "path")) == NULL ||
		    f->path[0] == '\0' || strchr(f->path, '/') != NULL)
			return etk_fail(err, ETK_EFORMAT, 0, "%s: the "
			    "inventory has no plain file name", rec);
		if (take_hex(rec, "the inventory's sha256",
		    etk_jval_str(e, "sha256"), 64, f->sha256, err) < 0)
			return err->code;
		a->nfiles++;
	}
	if ((m = etk_jval_get(doc, "media")) != NULL && m->type == ETK_JOBJ) {
		a->has_size = juint(m, "size", &a->size);
		for (k = 0; k < 3; k++)
			if (take_hex(rec, algs[k], etk_jval_str(m, algs[k]),
			    hexlens[k], a->media[k], err) < 0)
				return err->code;
	}
	pw = etk_jval_get(doc, "piecewise");
	if (pw != NULL && pw->type == ETK_JOBJ) {
		a->palg = etk_jval_str(pw, "algorithm");
		juint(pw, "window", &a->window);
		v = etk_jval_get(pw, "pieces");
		if (a->palg != NULL && strcmp(a->palg, "sha256") == 0 &&
		    v != NULL && v->type == ETK_JARR && v->n != 0) {
			if ((a->pcs.v = calloc(v->n, sizeof(*a->pcs.v))) ==
			    NULL || (a->pcs.ctx = EVP_MD_CTX_new()) == NULL ||
			    EVP_DigestInit_ex(a->pcs.ctx, EVP_sha256(), NULL) !=
			    1)
				return etk_fail(err, ETK_ENOMEM, ENOMEM, "%s",
				    rec);
			for (i = 0; i < v->n; i++) {
				struct piece *pc = &a->pcs.v[i];

				if (v->items[i]->type != ETK_JOBJ ||
				    !juint(v->items[i], "offset", &pc->off) ||
				    !juint(v->items[i], "len", &pc->len) ||
				    pc->len == 0 ||
				    take_hex(rec, "a piece's sha256",
				    etk_jval_str(v->items[i], "sha256"), 64,
				    pc->want, err) != 1)
					return etk_fail(err, ETK_EFORMAT, 0,
					    "%s: piece %zu: needs offset, len "
					    "and sha256", rec, i + 1);
			}
			a->pcs.n = v->n;
			qsort(a->pcs.v, a->pcs.n, sizeof(*a->pcs.v),
			    by_offset);
		}
	}
	e = etk_jval_get(doc, "errors");
	for (i = 0; e != NULL && e->type == ETK_JARR && i < e->n; i++) {
		uint64_t off = 0, len = 0;

		if (e->items[i]->type != ETK_JOBJ)
			continue;
		juint(e->items[i], "offset", &off);
		juint(e->items[i], "len", &len);
		if (a->nerrors == 0 || off < a->err_first)
			a->err_first = off;
		a->err_bytes += len;
		a->nerrors++;
	}
	return ETK_OK;
}

/* The directory part of path, with its slash ("" when none); malloc'd. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, path, n);
		d[n] = '\0';
	}
	return d;
}

/* Each target file's size and SHA-256 against the record.  Returns the
 * number that differ (missing, size or digest). */
static size_t
check_files(struct result *r, const char *target, const char *dir,
    const struct acq *a, const char *recname)
{
	struct etk_error e = { 0 };
	struct etk_json j;
	struct stat st;
	char hex[65], *full;
	uint64_t size;
	size_t i, bad = 0;
	int rc;

	for (i = 0; i < a->nfiles; i++) {
		const struct acq_file *f = &a->files[i];
		const char *why = NULL;

		if ((full = malloc(strlen(dir) + strlen(f->path) + 1)) ==
		    NULL)
			continue;
		sprintf(full, "%s%s", dir, f->path);
		etk_error_clear(&e);
		hex[0] = '\0';
		rc = ETK_OK;
		if (stat(full, &st) != 0) {
			rc = ETK_ENOTFOUND;
			why = "missing";
			line(r, target, "file MISMATCH %s: missing (%s)",
			    f->path, recname);
		} else if (f->has_size && (uint64_t)st.st_size != f->size) {
			rc = ETK_EMISMATCH;
			why = "size";
			line(r, target, "file MISMATCH %s: size %llu, "
			    "expected %llu (%s)", f->path,
			    (unsigned long long)st.st_size,
			    (unsigned long long)f->size, recname);
		} else if (f->sha256[0] != '\0' &&
		    (rc = etk_file_sha256(full, hex, &size, &e)) != ETK_OK) {
			why = "unreadable";
			line(r, target, "file MISMATCH %s: %s", f->path, e.msg);
		} else if (f->sha256[0] != '\0' &&
		    strcasecmp(hex, f->sha256) != 0) {
			rc = ETK_EMISMATCH;
			why = "sha256";
			line(r, target, "file MISMATCH %s: sha256 computed %s, "
			    "expected %s (%s)", f->path, hex, f->sha256,
			    recname);
		} else if (f->sha256[0] != '\0')
			line(r, target, "file ok %s sha256 %s (%s)", f->path,
			    hex, recname);
		else
			line(r, target, "file %s: no sha256 in the record",
			    f->path);
		free(full);
		if (why != NULL) {
			bad++;
			r->mismatch = 1;
		}
		check_begin(r, &j);
		etk_json_kstr(&j, "check", "file");
		etk_json_kstr(&j, "path", f->path);
		etk_json_kstr(&j, "expected", f->sha256[0] ? f->sha256 : NULL);
		etk_json_kstr(&j, "computed", hex[0] ? hex : NULL);
		etk_json_kbool(&j, "match", why == NULL);
		if (why != NULL)
			etk_json_kstr(&j, "error", rc == ETK_EIO ? e.msg : why);
		etk_json_obj_end(&j);
	}
	return bad;
}

/* Piecewise results: the first bad piece is named. */
static void
report_pieces(struct result *r, const char *target, const struct acq *a,
    const char *recname)
{
	const struct piece *first = NULL;
	struct etk_json j;
	size_t i, bad = 0, unread = 0;

	for (i = 0; i < a->pcs.n; i++) {
		if (a->pcs.v[i].state == 1)
			continue;
		if (a->pcs.v[i].state == 0)
			unread++;
		bad++;
		if (first == NULL)
			first = &a->pcs.v[i];
	}
	check_begin(r, &j);
	etk_json_kstr(&j, "check", "pieces");
	etk_json_kstr(&j, "from", recname);
	etk_json_kuint(&j, "pieces", a->pcs.n);
	etk_json_kuint(&j, "bad", bad);
	etk_json_kbool(&j, "match", bad == 0);
	if (first == NULL) {
		line(r, target, "pieces ok %zu sha256 (%s)", a->pcs.n,
		    recname);
		etk_json_obj_end(&j);
		return;
	}
	r->mismatch = 1;
	if (first->state == 0)
		line(r, target, "pieces MISMATCH first bad piece at offset "
		    "%llu, length %llu: not read (the media ends first); %zu "
		    "of %zu pieces bad (%s)", (unsigned long long)first->off,
		    (unsigned long long)first->len, bad, a->pcs.n, recname);
	else
		line(r, target, "pieces MISMATCH first bad piece at offset "
		    "%llu, length %llu: sha256 computed %s, expected %s; %zu "
		    "of %zu pieces bad (%s)", (unsigned long long)first->off,
		    (unsigned long long)first->len, first->got, first->want,
		    bad, a->pcs.n, recname);
	etk_json_key(&j, "first_bad");
	etk_json_obj_begin(&j);
	etk_json_kuint(&j, "offset", first->off);
	etk_json_kuint(&j, "len", first->len);
	etk_json_kstr(&j, "expected", first->want);
	etk_json_kstr(&j, "computed", first->state == 2 ? first->got : NULL);
	etk_json_obj_end(&j);
	etk_json_kuint(&j, "unread", unread);
	etk_json_obj_end(&j);
}

static void
compare(struct result *r, const char *target, const struct digests *d,
    int i, const char *expected, const char *from)
{
	struct etk_json j;
	int match = strcasecmp(expected, d->hex[i]) == 0;

	if (match)
		line(r, target, "%s ok %s (%s)", algs[i], d->hex[i], from);
	else {
		line(r, target, "%s MISMATCH computed %s, expected %s (%s)",
		    algs[i], d->hex[i], expected, from);
		r->mismatch = 1;
	}
	check_begin(r, &j);
	etk_json_kstr(&j, "check", algs[i]);
	etk_json_kstr(&j, "from", from);
	etk_json_kstr(&j, "expected", expected);
	etk_json_kstr(&j, "computed", d->hex[i]);
	etk_json_kbool(&j, "match", match);
	etk_json_obj_end(&j);
}

/* The chunk number in an EWF checksum error ("... checksum error in
 * chunk (sectors A-B)": chunk A / (B - A + 1) when the range is one
 * whole, aligned chunk), as " [chunk N]"; "" otherwise. */
static const char *
chunk_of(const char *msg, char *buf, size_t len)
{
	unsigned long long a, b;
	const char *p = strstr(msg, "checksum error in chunk (sectors ");

	buf[0] = '\0';
	if (p != NULL && sscanf(p + 33, "%llu-%llu", &a, &b) == 2 && b >= a &&
	    ((b - a + 1) & (b - a)) == 0 && a % (b - a + 1) == 0)
		snprintf(buf, len, " [chunk %llu counting from 0, %llu "
		    "sectors each]", a / (b - a + 1), b - a + 1);
	return buf;
}

static int
ends_with_json(const char *path)
{
	size_t n = strlen(path);

	return n > 5 && strcasecmp(path + n - 5, ".json") == 0;
}

static void
verify_image(struct etk_cmd *cmd, const char *target, const char **kind,
    struct result *r)
{
	struct etk_json x, *rec = &x, j;
	char stored[3][129], fromrec[3][129], *recpath = NULL, *dir = NULL;
	char *imgpath = NULL, chunk[64];
	const char *recname = NULL, *image = target;
	struct etk_jval *doc = NULL;
	struct etk_source *src = NULL;
	struct digests *d = NULL;
	struct acq acq, *a = NULL;
	size_t k, badfiles = 0;
	int i, isewf, nchecks = 0, incomplete = 0;

	memset(&acq, 0, sizeof(acq));
	for (i = 0; i < 3; i++)
		stored[i][0] = fromrec[i][0] = '\0';
	/* The record: the target itself (an etk acquisition record), or
	 * the one beside the image. */
	if (ends_with_json(target)) {
		if ((recpath = strdup(target)) == NULL) {
			etk_fail(&r->err, ETK_ENOMEM, ENOMEM, "%s", target);
			r->failed = 1;
			goto out;
		}
	} else
		recpath = find_record(target);
	if (recpath != NULL) {
		recname = strrchr(recpath, '/');
		recname = recname != NULL ? recname + 1 : recpath;
		if (load_record(recpath, &doc, &r->err) != ETK_OK) {
			r->failed = 1;
			goto out;
		}
		if (is_acquisition(doc)) {
			a = &acq;
			if (acq_parse(recpath, doc, a, &r->err) != ETK_OK ||
			    (dir = dir_of(recpath)) == NULL) {
				if (dir == NULL && r->err.code == ETK_OK)
					etk_fail(&r->err, ETK_ENOMEM, ENOMEM,
					    "%s", recpath);
				r->failed = 1;
				goto out;
			}
			for (i = 0; i < 3; i++)
				memcpy(fromrec[i], a->media[i],
				    sizeof(fromrec[i]));
		} else if (image == target && ends_with_json(target)) {
			etk_fail(&r->err, ETK_EFORMAT, 0, "%s: not an etk "
			    "acquisition record (no \"record\":"
			    "\"acquisition\")", target);
			r->failed = 1;
			goto out;
		} else if (record_hashes(recpath, doc, fromrec, &r->err) !=
		    ETK_OK) {
			r->failed = 1;
			goto out;
		}
	}
	if (a != NULL) {
		line(r, target, "record %s: %s, %s", recname,
		    etk_jval_str(doc, "v") ? etk_jval_str(doc, "v") :
		    "acquisition", a->complete ? "complete" : a->interrupted ?
		    "INCOMPLETE (interrupted)" : "INCOMPLETE");
		if (!a->complete) {
			incomplete = 1;
			line(r, target, "record says the acquisition is "
			    "incomplete%s: %s", a->interrupted ?
			    " (interrupted)" : "", a->reason != NULL ?
			    a->reason : "the image may not hold the whole "
			    "source");
		}
		if (a->nerrors != 0)
			line(r, target, "record lists %zu unreadable source "
			    "range%s (%llu bytes zero-filled at acquisition), "
			    "the first at offset %llu", a->nerrors,
			    a->nerrors == 1 ? "" : "s",
			    (unsigned long long)a->err_bytes,
			    (unsigned long long)a->err_first);
		badfiles = check_files(r, target, dir, a, recname);
		nchecks += (int)a->nfiles;
		if (ends_with_json(target)) {
			if ((imgpath = malloc(strlen(dir) +
			    strlen(a->files[0].path) + 1)) == NULL) {
				etk_fail(&r->err, ETK_ENOMEM, ENOMEM, "%s",
				    target);
				r->failed = 1;
				goto out;
			}
			sprintf(imgpath, "%s%s", dir, a->files[0].path);
			image = imgpath;
		}
	}
	if (etk_source_open(&src, image, &r->err) != ETK_OK) {
		if (badfiles != 0) {	/* the record explains it */
			line(r, target, "media ERROR %s", r->err.msg);
			etk_error_clear(&r->err);
		} else
			r->failed = 1;
		goto out;
	}
	isewf = strcmp(etk_source_format(src), "ewf") == 0;
	*kind = isewf ? "ewf" : "raw";
	for (i = 0; i < 3; i++) {
		if (isewf && etk_source_stored_hash(src, algs[i], stored[i],
		    sizeof(stored[i])) == ETK_OK)
			nchecks++;
		nchecks += fromrec[i][0] != '\0';
	}
	if (nchecks == 0) {
		r->failed = 1;
		if (isewf)
			etk_fail(&r->err, ETK_ENOTFOUND, 0, "%s: no digest "
			    "stored in the image and no acquisition record "
			    "beside it: nothing to compare", target);
		else
			etk_fail(&r->err, ETK_ENOTFOUND, 0, "%s: no "
			    "acquisition record (%s.json) beside the raw image",
			    target, target);
		goto out;
	}
	if ((d = malloc(sizeof(*d))) == NULL) {
		etk_fail(&r->err, ETK_ENOMEM, ENOMEM, "%s", target);
		r->failed = 1;
		goto out;
	}
	if (hash_source(cmd, src, target, d, a != NULL ? &a->pcs : NULL,
	    &r->err) != ETK_OK) {
		if (badfiles != 0) {
			/* a short or unreadable image, as the segment
			 * files' checks against the record show */
			line(r, target, "media MISMATCH %s", r->err.msg);
			r->mismatch = 1;
			etk_error_clear(&r->err);
		} else
			r->failed = 1;
		goto out;
	}
	if (d->nbad != 0)
		line(r, target, "read error: %s%s", d->first_err,
		    chunk_of(d->first_err, chunk, sizeof(chunk)));
	for (k = 0; k < d->nbad; k++)
		line(r, target, "unreadable %llu bytes at offset %llu "
		    "(zero-filled)", (unsigned long long)d->bad[k].len,
		    (unsigned long long)d->bad[k].off);
	if (d->nbad == MAX_BAD_RANGES)
		line(r, target, "unreadable: %llu bytes in all (first %d "
		    "ranges listed)", (unsigned long long)d->bad_bytes,
		    MAX_BAD_RANGES);
	if (a != NULL && a->has_size) {
		int match = d->bytes == a->size;

		if (match)
			line(r, target, "size ok %llu bytes (%s)",
			    (unsigned long long)d->bytes, recname);
		else {
			line(r, target, "size MISMATCH read %llu bytes, "
			    "expected %llu (%s)", (unsigned long long)d->bytes,
			    (unsigned long long)a->size, recname);
			r->mismatch = 1;
		}
		check_begin(r, &j);
		etk_json_kstr(&j, "check", "size");
		etk_json_kstr(&j, "from", recname);
		etk_json_kuint(&j, "expected", a->size);
		etk_json_kuint(&j, "computed", d->bytes);
		etk_json_kbool(&j, "match", match);
		etk_json_obj_end(&j);
	}
	for (i = 0; i < 3; i++) {
		if (stored[i][0] != '\0')
			compare(r, target, d, i, stored[i], "image");
		if (fromrec[i][0] != '\0')
			compare(r, target, d, i, fromrec[i], recname);
		if (stored[i][0] == '\0' && fromrec[i][0] == '\0')
			line(r, target, "%s computed %s (not recorded)",
			    algs[i], d->hex[i]);
	}
	if (a != NULL && a->pcs.n != 0)
		report_pieces(r, target, a, recname);
	else if (a != NULL && a->palg != NULL && strcmp(a->palg, "sha256"))
		line(r, target, "pieces: algorithm '%s' not checked", a->palg);
	if (d->nbad != 0)
		r->mismatch = 1;	/* the container's checks failed */
	etk_json_init(rec, &r->extra);
	etk_json_obj_begin(rec);
	etk_json_kstr(rec, "format", etk_source_format(src));
	etk_json_kuint(rec, "bytes", d->bytes);
	etk_json_key(rec, "computed");
	etk_json_obj_begin(rec);
	for (i = 0; i < 3; i++)
		etk_json_kstr(rec, algs[i], d->hex[i]);
	etk_json_obj_end(rec);
	if (recpath != NULL)
		etk_json_kstr(rec, "acquisition_record", recpath);
	if (a != NULL)
		etk_json_kbool(rec, "complete", a->complete);
	etk_json_key(rec, "unreadable");
	etk_json_arr_begin(rec);
	for (k = 0; k < d->nbad; k++) {
		etk_json_obj_begin(rec);
		etk_json_kuint(rec, "offset", d->bad[k].off);
		etk_json_kuint(rec, "len", d->bad[k].len);
		etk_json_obj_end(rec);
	}
	etk_json_arr_end(rec);
	etk_json_obj_end(rec);
out:
	if (incomplete && !r->failed) {
		check_begin(r, &j);
		etk_json_kstr(&j, "check", "complete");
		etk_json_kbool(&j, "match", 0);
		etk_json_obj_end(&j);
		etk_fail(&r->err, ETK_EFORMAT, 0, "%s: record says the "
		    "acquisition is incomplete%s", target, a != NULL &&
		    a->interrupted ? " (interrupted)" : "");
		r->failed = 1;
	}
	if (a != NULL && r->failed && r->extra.len == 0) {
		etk_json_init(rec, &r->extra);
		etk_json_obj_begin(rec);
		etk_json_kstr(rec, "acquisition_record", recpath);
		etk_json_kbool(rec, "complete", a->complete);
		etk_json_obj_end(rec);
	}
	acq_release(&acq);
	etk_jval_free(doc);
	free(d);
	free(dir);
	free(imgpath);
	free(recpath);
	etk_source_close(src);
}

/* ---- case directories ---- */

struct output {
	char *path;
	char *sha256;
	uint64_t size;
	size_t order;
};

static int
by_path_then_order(const void *a, const void *b)
{
	const struct output *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* A path inside the case: relative without "..", or absolute under the
 * case's real path.  Returns the relative part or NULL. */
static const char *
inside(const char *path, const char *realcase)
{
	const char *c;
	size_t n;

	if (path[0] == '/') {
		n = strlen(realcase);
		if (strncmp(path, realcase, n) != 0 || path[n] != '/')
			return NULL;
		path += n + 1;
	}
	if (path[0] == '\0')
		return NULL;
	for (c = path; c != NULL; c = strchr(c, '/')) {
		if (*c == '/')
			c++;
		if (strncmp(c, "..", 2) == 0 && (c[2] == '/' || c[2] == '\0'))
			return NULL;
	}
	return path;
}

/* Every output the journal records, the last record of each path. */
static int
collect_outputs(const char *journal, struct output **outp, size_t *np,
    struct etk_error *err)
{
	const struct etk_jval *outs, *o, *sz;
	struct etk_jval *doc = NULL;
	struct output *v = NULL, *p;
	size_t n = 0, cap = 0, i, k, cap_line = 0;
	char *buf = NULL;
	const char *path, *sha;
	ssize_t len;
	FILE *fp;

	*outp = NULL;
	*np = 0;
	if ((fp = fopen(journal, "rb")) == NULL)
		return etk_fail(err, ETK_EIO, errno, "cannot open '%s'",
		    journal);
	while ((len = getline(&buf, &cap_line, fp)) > 0) {
		if (etk_json_parse(buf, (size_t)len - (buf[len - 1] == '\n'),
		    &doc, NULL) != ETK_OK)
			continue;	/* the chain check reports it */
		outs = etk_jval_get(doc, "outputs");
		for (i = 0; outs != NULL && outs->type == ETK_JARR &&
		    i < outs->n; i++) {
			o = outs->items[i];
			if (o->type != ETK_JOBJ ||
			    (path = etk_jval_str(o, "path")) == NULL ||
			    (sha = etk_jval_str(o, "sha256")) == NULL)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				if ((p = realloc(v, cap * sizeof(*v))) == NULL)
					goto nomem;
				v = p;
			}
			sz = etk_jval_get(o, "size");
			v[n].path = strdup(path);
			v[n].sha256 = strdup(sha);
			v[n].size = sz != NULL && sz->is_int && sz->inum > 0 ?
			    (uint64_t)sz->inum : 0;
			v[n].order = n;
			n++;
			if (v[n - 1].path == NULL || v[n - 1].sha256 == NULL)
				goto nomem;
		}
		etk_jval_free(doc);
		doc = NULL;
	}
	fclose(fp);
	free(buf);
	/* Keep the last record of each path. */
	if (n > 1)
		qsort(v, n, sizeof(*v), by_path_then_order);
	for (i = 0, k = 0; i < n; i++) {
		if (i + 1 < n && strcmp(v[i].path, v[i + 1].path) == 0) {
			free(v[i].path);
			free(v[i].sha256);
			continue;
		}
		v[k++] = v[i];
	}
	*outp = v;
	*np = k;
	return ETK_OK;
nomem:
	etk_jval_free(doc);
	fclose(fp);
	free(buf);
	for (i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].sha256);
	}
	free(v);
	return etk_fail(err, ETK_ENOMEM, ENOMEM, "outputs");
}

static void
verify_outputs(struct etk_cmd *cmd, const char *target, const char *journal,
    struct result *r)
{
	struct etk_error err = { 0 };
	struct etk_progress *pg = NULL;
	struct output *v = NULL;
	struct etk_json j, mj;
	struct etk_buf mism;
	char *realcase, *full, hex[65];
	const char *rel;
	size_t n = 0, i, checked = 0, outside = 0, bad = 0;
	uint64_t total = 0, size;
	int rc;

	etk_buf_init(&mism);
	if ((realcase = realpath(target, NULL)) == NULL ||
	    collect_outputs(journal, &v, &n, &err) != ETK_OK) {
		if (realcase == NULL)
			etk_fail(&err, ETK_EIO, errno, "cannot resolve '%s'",
			    target);
		line(r, target, "outputs ERROR %s", err.msg);
		r->err = err;
		r->failed = 1;
		free(realcase);
		return;
	}
	for (i = 0; i < n; i++)
		total += v[i].size;
	if (etk_progress_new(&pg, stderr, cmd->quiet ? ETK_PROGRESS_OFF :
	    cmd->progress, "outputs", total, NULL) != ETK_OK)
		pg = NULL;
	etk_json_init(&mj, &mism);
	etk_json_arr_begin(&mj);
	for (i = 0; i < n; i++) {
		if ((rel = inside(v[i].path, realcase)) == NULL) {
			outside++;
			continue;
		}
		checked++;
		if ((full = malloc(strlen(target) + strlen(rel) + 2)) == NULL)
			break;
		sprintf(full, "%s/%s", target, rel);
		etk_error_clear(&err);
		rc = etk_file_sha256(full, hex, &size, &err);
		free(full);
		etk_progress_add(pg, v[i].size);
		if (rc == ETK_OK && strcasecmp(hex, v[i].sha256) == 0)
			continue;
		bad++;
		r->mismatch = 1;
		if (rc == ETK_ENOTFOUND)
			line(r, target, "output MISMATCH %s: missing", rel);
		else if (rc != ETK_OK)
			line(r, target, "output MISMATCH %s: %s", rel, err.msg);
		else
			line(r, target, "output MISMATCH %s: computed %s, "
			    "expected %s", rel, hex, v[i].sha256);
		etk_json_obj_begin(&mj);
		etk_json_kstr(&mj, "path", rel);
		etk_json_kstr(&mj, "expected", v[i].sha256);
		etk_json_kstr(&mj, "computed", rc == ETK_OK ? hex : NULL);
		if (rc != ETK_OK)
			etk_json_kstr(&mj, "error", rc == ETK_ENOTFOUND ?
			    "missing" : err.msg);
		etk_json_obj_end(&mj);
	}
	etk_json_arr_end(&mj);
	etk_progress_free(pg);
	if (bad == 0)
		line(r, target, "outputs ok %zu re-hashed", checked);
	if (outside != 0)
		line(r, target, "outputs: %zu outside the case not checked",
		    outside);
	check_begin(r, &j);
	etk_json_kstr(&j, "check", "outputs");
	etk_json_kbool(&j, "match", bad == 0);
	etk_json_kuint(&j, "checked", checked);
	etk_json_kuint(&j, "outside", outside);
	etk_json_key(&j, "mismatches");
	etk_json_raw(&j, mism.data);
	etk_json_obj_end(&j);
	for (i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].sha256);
	}
	free(v);
	free(realcase);
	etk_buf_release(&mism);
}

static void
verify_case(struct etk_cmd *cmd, const char *target, struct result *r)
{
	struct etk_error err = { 0 };
	struct etk_json j;
	uint64_t nlines = 0, bad = 0, nseals = 0, hseq = 0;
	char *journal, head[65];
	int rc;

	if ((journal = malloc(strlen(target) + 16)) == NULL) {
		etk_fail(&r->err, ETK_ENOMEM, ENOMEM, "%s", target);
		r->failed = 1;
		return;
	}
	sprintf(journal, "%s/journal.jsonl", target);

	rc = etk_journal_verify(journal, &nlines, &bad, &err);
	check_begin(r, &j);
	etk_json_kstr(&j, "check", "journal");
	etk_json_kbool(&j, "match", rc == ETK_OK);
	if (rc == ETK_OK) {
		if (etk_journal_head(journal, &hseq, head, &err) != ETK_OK)
			head[0] = '\0';
		line(r, target, "journal ok %llu entries, head %s",
		    (unsigned long long)nlines, head[0] ? head : "?");
		etk_json_kuint(&j, "entries", nlines);
		etk_json_kstr(&j, "head", head[0] ? head : NULL);
	} else if (rc == ETK_EMISMATCH) {
		line(r, target, "journal MISMATCH %s", err.msg);
		r->mismatch = 1;
		etk_json_kuint(&j, "bad_line", bad);
		etk_json_kstr(&j, "error", err.msg);
	} else {
		line(r, target, "journal ERROR %s", err.msg);
		r->failed = 1;
		r->err = err;
		etk_json_kstr(&j, "error", err.msg);
	}
	etk_json_obj_end(&j);

	etk_error_clear(&err);
	rc = etk_case_verify_seals(target, &nseals, &err);
	check_begin(r, &j);
	etk_json_kstr(&j, "check", "seals");
	etk_json_kbool(&j, "match", rc == ETK_OK);
	if (rc == ETK_OK) {
		line(r, target, "seals ok %llu verified",
		    (unsigned long long)nseals);
		etk_json_kuint(&j, "count", nseals);
	} else {
		line(r, target, "seals %s %s", rc == ETK_EMISMATCH ?
		    "MISMATCH" : "ERROR", err.msg);
		if (rc == ETK_EMISMATCH)
			r->mismatch = 1;
		else {
			r->failed = 1;
			r->err = err;
		}
		etk_json_kstr(&j, "error", err.msg);
	}
	etk_json_obj_end(&j);

	verify_outputs(cmd, target, journal, r);
	free(journal);
}

/* ---- disclosure bundles ---- */

#define MAX_KEY_IDS 32

static struct etk_bundle_verify_opts bundle_opts;
static const char *bundle_key_ids[MAX_KEY_IDS];

static const char *const step_status[4] = {
	"ok", "FAIL", "skipped", "warning"
};

static void
bundle_step(void *arg, const struct etk_bundle_step *st)
{
	struct result *r = arg;
	struct etk_json j;
	int s = st->status >= 0 && st->status <= 3 ? st->status : 1;

	etk_buf_printf(&r->text, "step %d %s: %s: ", st->step, st->name,
	    step_status[s]);
	add_clean(&r->text, st->message);
	etk_buf_addc(&r->text, '\n');
	check_begin(r, &j);
	etk_json_kstr(&j, "check", "bundle");
	etk_json_kint(&j, "step", st->step);
	etk_json_kstr(&j, "name", st->name);
	etk_json_kstr(&j, "status", step_status[s]);
	etk_json_kstr(&j, "message", st->message);
	etk_json_obj_end(&j);
}

static void
verify_bundle(const char *target, struct result *r)
{
	struct etk_error err = { 0 };
	int rc;

	rc = etk_bundle_verify(target, &bundle_opts, bundle_step, r, &err);
	if (rc == ETK_EMISMATCH)
		r->mismatch = 1;
	else if (rc != ETK_OK) {
		r->err = err;
		r->failed = 1;
	}
}

/* ---- main ---- */

static int
verify_target(struct etk_cmd *cmd, const char *target)
{
	struct result r;
	struct etk_json rec;
	struct etk_buf b;
	struct stat st;
	const char *kind = "image", *verdict;
	int status;

	result_init(&r);
	etk_buf_init(&b);
	etk_json_init(&rec, &b);
	etk_json_obj_begin(&rec);
	etk_json_kstr(&rec, "record", "verify");
	etk_json_kstr(&rec, "target", target);
	if (stat(target, &st) == 0 && etk_bundle_is(target)) {
		kind = "bundle";
		if (cmd->kase != NULL && S_ISREG(st.st_mode))
			etk_cmd_input(cmd, target);
		verify_bundle(target, &r);
	} else if (stat(target, &st) != 0) {
		kind = "unknown";
		etk_fail(&r.err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "cannot open '%s'", target);
		r.failed = 1;
	} else if (S_ISDIR(st.st_mode)) {
		kind = "case";
		if (!etk_case_is_dir(target)) {
			etk_fail(&r.err, ETK_EINVAL, 0, "'%s' is a directory "
			    "but not a case directory (no case.json or "
			    "journal.jsonl)", target);
			r.failed = 1;
		} else
			verify_case(cmd, target, &r);
	} else {
		if (cmd->kase != NULL)
			etk_cmd_input(cmd, target);
		verify_image(cmd, target, &kind, &r);
	}
	etk_json_kstr(&rec, "kind", kind);
	verdict = r.failed ? "error" : r.mismatch ? "mismatch" : "ok";
	etk_json_kstr(&rec, "result", verdict);
	if (r.extra.len > 2) {	/* {"format":...}: its members */
		etk_buf_addc(&b, ',');
		etk_buf_add(&b, r.extra.data + 1, r.extra.len - 2);
	}
	etk_json_key(&rec, "checks");
	etk_json_raw(&rec, "[");
	etk_buf_add(&b, r.checks.data, r.checks.len);
	etk_buf_addc(&b, ']');
	if (r.failed)
		etk_json_kstr(&rec, "error", r.err.msg);
	etk_json_obj_end(&rec);

	if (r.failed) {
		etk_cmd_error(cmd, &r.err);
		status = ETK_EXIT_FAILURE;
	} else
		status = r.mismatch ? ETK_EXIT_MISMATCH : ETK_EXIT_OK;
	if (cmd->json)
		etk_cmd_emit(cmd, &b);
	else if (!cmd->quiet || r.mismatch) {
		if (!r.failed)
			line(&r, target, "%s", r.mismatch ? "MISMATCH" : "ok");
		fwrite(r.text.data, 1, r.text.len, stdout);
	}
	etk_summary_add(cmd->sum, target, kind, r.failed || r.mismatch ?
	    ETK_OUTCOME_ERROR : ETK_OUTCOME_OK, 1, r.failed ? r.err.msg :
	    r.mismatch ? "mismatch" : NULL);
	etk_buf_release(&b);
	result_release(&r);
	return status;
}

int
main(int argc, char *argv[])
{
	enum {
		OPT_KEY_ID = ETK_OPT_FIRST_PRIVATE,
		OPT_TAR_SHA256,
		OPT_TSA_CA,
		OPT_VERIFY_SCRIPT
	};
	static const struct option longopts[] = {
		ETK_COMMON_LONGOPTS,
		{ "key-id",	required_argument,	NULL, OPT_KEY_ID },
		{ "tar-sha256",	required_argument,	NULL, OPT_TAR_SHA256 },
		{ "tsa-ca",	required_argument,	NULL, OPT_TSA_CA },
		{ "verify-script", no_argument,		NULL, OPT_VERIFY_SCRIPT },
		{ NULL,		0,			NULL, 0 }
	};
	struct etk_cmd cmd;
	int ch, i, status = ETK_EXIT_OK, script = 0;

	if (etk_cmd_begin(&cmd, "etk-verify", argc, argv) != 0)
		return cmd.exit_now;
	while ((ch = getopt_long(argc, argv, ETK_COMMON_SHORTOPTS, longopts,
	    NULL)) != -1)
		switch (ch) {
		case OPT_KEY_ID:
			if (bundle_opts.nkey_ids == MAX_KEY_IDS)
				return etk_cmd_usage_error(&cmd, usage,
				    "too many --key-id");
			bundle_key_ids[bundle_opts.nkey_ids++] = optarg;
			bundle_opts.key_ids = bundle_key_ids;
			break;
		case OPT_TAR_SHA256:
			bundle_opts.tar_sha256 = optarg;
			break;
		case OPT_TSA_CA:
			bundle_opts.tsa_ca = optarg;
			break;
		case OPT_VERIFY_SCRIPT:
			script = 1;
			break;
		default:
			if (etk_cmd_common_opt(&cmd, ch, optarg, usage) !=
			    ETK_OPT_HANDLED)
				return etk_cmd_leave(&cmd, cmd.exit_now);
		}
	if (script) {
		if (optind < argc)
			return etk_cmd_usage_error(&cmd, usage,
			    "--verify-script takes no target");
		fputs(etk_bundle_verify_script(), stdout);
		return etk_cmd_leave(&cmd, fflush(stdout) == 0 ?
		    ETK_EXIT_OK : ETK_EXIT_FAILURE);
	}
	if (optind >= argc)
		return etk_cmd_usage_error(&cmd, usage, "no target given");
	/* A case that does not open (its journal does not verify) is
	 * reported and the targets are still verified, without a journal
	 * entry. */
	if (etk_cmd_open_case(&cmd) != 0)
		status = cmd.exit_now;
	for (i = optind; i < argc; i++)
		status = etk_exit_worst(status, verify_target(&cmd, argv[i]));
	return etk_cmd_end(&cmd, "verify", status);
}
