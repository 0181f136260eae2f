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
 * An E01 with a record beside it is checked against both.
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
		    "[--progress | --no-progress] target ...\n", p, p);
		return;
	}
	fprintf(fp, "usage: %s [-hqV] [-j N] [--case dir] [--json]\n"
	    "       [--progress | --no-progress] target ...\n", p);
	fputs("targets: a case directory, an E01 image, or a raw image with "
	    "its\n"
	    "acquisition record (IMAGE.json) beside it\n", fp);
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
	if (err->code != ETK_EIO)
		return err->code;
	if (ss == 0)
		ss = 512;
	while (done < len) {
		want = len - done < ss ? len - done : ss;
		etk_error_clear(&e2);
		if (etk_source_read(src, off + done, buf + done, want, &n,
		    &e2) != ETK_OK) {
			if (e2.code != ETK_EIO) {
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
    struct digests *d, struct etk_error *err)
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

/* Digests named by an acquisition record: top-level "md5"/"sha1"/
 * "sha256" (or "media_sha256" ...), or inside "hashes" or
 * "media_hashes". */
static int
record_hashes(const char *rec, char want[3][129], struct etk_error *err)
{
	static const char *const objs[] = { "hashes", "media_hashes" };
	static const size_t lens[3] = { 32, 40, 64 };
	struct etk_jval *doc = NULL;
	const struct etk_jval *o;
	const char *s;
	char key[32];
	FILE *fp;
	char *text;
	size_t len;
	int i, k, found = 0;

	if ((fp = fopen(rec, "rb")) == NULL)
		return etk_fail(err, ETK_EIO, errno, "cannot open '%s'", rec);
	if ((text = malloc(RECORD_MAX)) == NULL) {
		fclose(fp);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "%s", rec);
	}
	len = fread(text, 1, RECORD_MAX, fp);
	fclose(fp);
	if (etk_json_parse(text, len, &doc, err) != ETK_OK) {
		free(text);
		return etk_wrap(err, "%s", rec);
	}
	free(text);
	for (i = 0; i < 3; i++) {
		want[i][0] = '\0';
		snprintf(key, sizeof(key), "media_%s", algs[i]);
		s = etk_jval_str(doc, algs[i]);
		if (s == NULL)
			s = etk_jval_str(doc, key);
		for (k = 0; s == NULL && k < 2; k++)
			if ((o = etk_jval_get(doc, objs[k])) != NULL &&
			    o->type == ETK_JOBJ)
				s = etk_jval_str(o, algs[i]);
		if (s == NULL)
			continue;
		if (!is_hex(s, lens[i])) {
			etk_jval_free(doc);
			return etk_fail(err, ETK_EFORMAT, 0,
			    "%s: %s is not %zu hex digits", rec, algs[i],
			    lens[i]);
		}
		for (k = 0; s[k] != '\0'; k++)
			want[i][k] = (char)(s[k] >= 'A' && s[k] <= 'F' ?
			    s[k] - 'A' + 'a' : s[k]);
		want[i][k] = '\0';
		found++;
	}
	etk_jval_free(doc);
	if (found == 0)
		return etk_fail(err, ETK_ENOTFOUND, 0,
		    "%s: no md5, sha1 or sha256 in the record", rec);
	return ETK_OK;
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

static void
verify_image(struct etk_cmd *cmd, const char *target, const char **kind,
    struct result *r)
{
	struct etk_json x, *rec = &x;
	char stored[3][129], fromrec[3][129], *recpath = NULL;
	const char *recname;
	struct etk_source *src = NULL;
	struct digests *d = NULL;
	int i, isewf, nchecks = 0;
	size_t k;

	if (etk_source_open(&src, target, &r->err) != ETK_OK) {
		r->failed = 1;
		return;
	}
	isewf = strcmp(etk_source_format(src), "ewf") == 0;
	*kind = isewf ? "ewf" : "raw";
	for (i = 0; i < 3; i++) {
		stored[i][0] = fromrec[i][0] = '\0';
		if (isewf && etk_source_stored_hash(src, algs[i], stored[i],
		    sizeof(stored[i])) == ETK_OK)
			nchecks++;
	}
	if ((recpath = find_record(target)) != NULL) {
		if (record_hashes(recpath, fromrec, &r->err) != ETK_OK) {
			r->failed = 1;
			goto out;
		}
		for (i = 0; i < 3; i++)
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
	if (hash_source(cmd, src, target, d, &r->err) != ETK_OK) {
		r->failed = 1;
		goto out;
	}
	if (d->nbad != 0)
		line(r, target, "read error: %s", d->first_err);
	for (k = 0; k < d->nbad; k++)
		line(r, target, "unreadable %llu bytes at offset %llu "
		    "(zero-filled)", (unsigned long long)d->bad[k].len,
		    (unsigned long long)d->bad[k].off);
	if (d->nbad == MAX_BAD_RANGES)
		line(r, target, "unreadable: %llu bytes in all (first %d "
		    "ranges listed)", (unsigned long long)d->bad_bytes,
		    MAX_BAD_RANGES);
	recname = recpath != NULL ? strrchr(recpath, '/') : NULL;
	recname = recname != NULL ? recname + 1 : recpath;
	for (i = 0; i < 3; i++) {
		if (stored[i][0] != '\0')
			compare(r, target, d, i, stored[i], "image");
		if (fromrec[i][0] != '\0')
			compare(r, target, d, i, fromrec[i], recname);
		if (stored[i][0] == '\0' && fromrec[i][0] == '\0')
			line(r, target, "%s computed %s (not recorded)",
			    algs[i], d->hex[i]);
	}
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
	free(d);
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
	if (stat(target, &st) != 0) {
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

/* A usage error: message and usage on stderr, exit status 2. */
static int
bad_usage(struct etk_cmd *cmd, const char *fmt, ...) ETK_PRINTFLIKE(2, 3);

static int
bad_usage(struct etk_cmd *cmd, const char *fmt, ...)
{
	struct etk_buf b;
	va_list ap;
	int status;

	etk_buf_init(&b);
	va_start(ap, fmt);
	etk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	status = etk_cmd_usage_error(cmd, usage, "%s", b.data);
	etk_buf_release(&b);
	return etk_cmd_leave(cmd, status);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		ETK_COMMON_LONGOPTS,
		{ NULL,		0,			NULL, 0 }
	};
	struct etk_cmd cmd;
	int ch, i, status = ETK_EXIT_OK;

	if (etk_cmd_begin(&cmd, "etk-verify", argc, argv) != 0)
		return cmd.exit_now;
	while ((ch = getopt_long(argc, argv, ETK_COMMON_SHORTOPTS, longopts,
	    NULL)) != -1)
		if (etk_cmd_common_opt(&cmd, ch, optarg, usage) !=
		    ETK_OPT_HANDLED)
			return etk_cmd_leave(&cmd, cmd.exit_now);
	if (optind >= argc)
		return bad_usage(&cmd, "no target given");
	/* A case that does not open (its journal does not verify) is
	 * reported and the targets are still verified, without a journal
	 * entry. */
	if (etk_cmd_open_case(&cmd) != 0)
		status = cmd.exit_now;
	for (i = optind; i < argc; i++)
		status = etk_exit_worst(status, verify_target(&cmd, argv[i]));
	return etk_cmd_end(&cmd, "verify", status);
}
