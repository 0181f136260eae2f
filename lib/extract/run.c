/*
 * etk extract's run: open the evidence, index its regular files, find
 * the SQLite databases by content (so renamed and carved ones count) and
 * the pictures by libmagic, copy each database with its -wal and
 * -journal into a private directory, let every artifact that recognises
 * its schema parse it into the sink, and account for each artifact in
 * the summary: parsed N rows, empty, absent, unsupported, unreadable.
 *
 * Order: files are visited sorted by canonical device path, then
 * locator, and artifacts in registry order, so the records come out in
 * the same order whatever the container, thread count, TZ or locale.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <etk/json.h>

#include "extract/run_int.h"

#define HEAD_BYTES	(64 * 1024)
#define IMAGE_MAX	((uint64_t)256 << 20)
#define MAX_ARTIFACTS	256

static const char sqlite_magic[16] = "SQLite format 3";	/* + NUL */

/* ------------------------------------------------------------------ */
/* Options */

static const struct {
	const char *name;
	unsigned bit;
} what_names[] = {
	{ "messages", EX_WHAT_MESSAGES },
	{ "calls", EX_WHAT_CALLS },
	{ "contacts", EX_WHAT_CONTACTS },
	{ "images", EX_WHAT_IMAGES },
	{ "pole", EX_WHAT_POLE },
};

int
etk_extract_parse_what(const char *list, unsigned *mask)
{
	const char *p = list, *e;
	size_t l, i;
	unsigned m = 0;

	if (list == NULL || *list == '\0')
		return -1;
	for (;;) {
		e = strchr(p, ',');
		l = e != NULL ? (size_t)(e - p) : strlen(p);
		if (l == 3 && strncmp(p, "all", 3) == 0)
			m |= ETK_EXTRACT_ALL;
		else {
			for (i = 0; i < sizeof(what_names) /
			    sizeof(what_names[0]); i++)
				if (strlen(what_names[i].name) == l &&
				    strncmp(what_names[i].name, p, l) == 0)
					break;
			if (i == sizeof(what_names) / sizeof(what_names[0]))
				return -1;
			m |= what_names[i].bit;
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	*mask = m;
	return 0;
}

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
etk_extract_parse_time(const char *s, int end_of_day, int64_t *sec,
    int32_t *nsec)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	int y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0, sign = 0;
	int32_t ns = 0;
	int64_t t;
	const char *p;
	int k;

	if (s == NULL || strlen(s) < 10 || digits(s, 4, &y) != 0 ||
	    s[4] != '-' || digits(s + 5, 2, &mo) != 0 || s[7] != '-' ||
	    digits(s + 8, 2, &d) != 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 &&
	    d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return -1;
	p = s + 10;
	if (*p == '\0') {
		t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400;
		*sec = end_of_day ? t + 86400 : t;
		*nsec = 0;
		return 0;
	}
	if ((*p != 'T' && *p != 't' && *p != ' ') || digits(p + 1, 2, &h) ||
	    p[3] != ':' || digits(p + 4, 2, &mi) || p[6] != ':' ||
	    digits(p + 7, 2, &se) || h > 23 || mi > 59 || se > 60)
		return -1;
	p += 9;
	if (*p == '.') {
		for (k = 0, p++; *p >= '0' && *p <= '9'; p++, k++)
			if (k < 9)
				ns = ns * 10 + (*p - '0');
		if (k == 0)
			return -1;
		for (; k < 9; k++)
			ns *= 10;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' ||
		    digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		p += 6;
	} else
		return -1;
	if (*p != '\0')
		return -1;
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + (se > 59 ? 59 : se);
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	*sec = t;
	*nsec = ns;
	return 0;
}

void
etk_extract_artifacts(struct etk_buf *out)
{
	const struct ex_artifact *a[MAX_ARTIFACTS];
	size_t n = ex_artifacts_all(a, MAX_ARTIFACTS), i, k;
	int first;

	if (n > MAX_ARTIFACTS)
		n = MAX_ARTIFACTS;
	for (i = 0; i < n; i++) {
		etk_buf_printf(out, "%s\t", a[i]->name);
		first = 1;
		for (k = 0; k < sizeof(what_names) / sizeof(what_names[0]);
		    k++)
			if (a[i]->what & what_names[k].bit) {
				etk_buf_printf(out, "%s%s", first ? "" : ",",
				    what_names[k].name);
				first = 0;
			}
		etk_buf_addc(out, '\t');
		for (k = 0; a[i]->paths != NULL && a[i]->paths[k] != NULL; k++)
			etk_buf_printf(out, "%s%s", k ? "," : "",
			    a[i]->paths[k]);
		etk_buf_printf(out, "\t%s\n", a[i]->descr != NULL ?
		    a[i]->descr : "");
	}
}

/* ------------------------------------------------------------------ */
/* The run handle */

static int
dir_empty(const char *path, int *exists)
{
	DIR *d;
	struct dirent *de;
	int empty = 1;

	*exists = 0;
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? 1 : -1;
	*exists = 1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

int
etk_extract_new(struct etk_extract **out, const struct etk_extract_opts *o,
    struct etk_error *err)
{
	struct etk_extract *x;
	struct stat st;
	int exists, e, rc;

	*out = NULL;
	if (o->use_range && (o->what == 0 || (o->what & ETK_EXTRACT_POLE)))
		return etk_fail(err, ETK_EINVAL, 0, "POLE indexes a whole run: "
		    "a part of a split cannot build it (leave pole out of "
		    "--what)");
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	x->o = *o;
	x->what = o->what != 0 ? o->what & ETK_EXTRACT_ALL : ETK_EXTRACT_ALL;
	x->parse = x->what & (EX_WHAT_MESSAGES | EX_WHAT_CALLS |
	    EX_WHAT_CONTACTS);
	/* POLE alone: built from every kind of record, which are then
	 * not written. */
	if (x->parse == 0 && (x->what & EX_WHAT_POLE))
		x->parse = EX_WHAT_MESSAGES | EX_WHAT_CALLS | EX_WHAT_CONTACTS;
	etk_buf_init(&x->rec);
	etk_buf_init(&x->tmp);
	etk_buf_init(&x->src);
	etk_buf_init(&x->fbuf);
	etk_buf_init(&x->scope);
	if (o->outdir != NULL) {
		if ((x->outdir = strdup(o->outdir)) == NULL) {
			etk_extract_free(x);
			return etk_fail(err, ETK_ENOMEM, ENOMEM,
			    "out of memory");
		}
		rc = dir_empty(o->outdir, &exists);
		if (rc == 0 || (rc < 0 && lstat(o->outdir, &st) == 0)) {
			etk_extract_free(x);
			return etk_fail(err, ETK_EEXIST, 0, "'%s' exists and is "
			    "not empty; refusing to overwrite", o->outdir);
		}
		if (!exists) {
			if (mkdir(o->outdir, 0750) != 0) {
				e = errno;
				etk_extract_free(x);
				return etk_fail(err, ETK_EIO, e,
				    "cannot create '%s'", o->outdir);
			}
			x->made_outdir = 1;
		}
	}
	if ((x->what & EX_WHAT_POLE) &&
	    (rc = ex_pole_new(&x->pole, o->country, x->outdir, err)) != 0) {
		etk_extract_free(x);
		return rc;
	}
	if ((rc = ex_sink_open(x, err)) != 0) {
		etk_extract_free(x);
		return rc;
	}
	*out = x;
	return 0;
}

void
etk_extract_free(struct etk_extract *x)
{
	struct etk_buf p;
	size_t i;

	if (x == NULL)
		return;
	ex_sink_abort(x);
	if (!x->finished && x->outdir != NULL) {
		/* Nothing half-made is left behind: the empty folders go
		 * (exported files, already published, stay). */
		etk_buf_init(&p);
		etk_buf_printf(&p, "%s/pole", x->outdir);
		rmdir(p.data);
		if (x->made_outdir)
			rmdir(x->outdir);
		etk_buf_release(&p);
	}
	for (i = 0; i < x->nwr; i++)
		free(x->wr[i].rel);
	free(x->wr);
	for (i = 0; i < x->capac; i++)
		if (x->ac[i] != NULL) {
			free(x->ac[i]->locator);
			free(x->ac[i]->rel);
			free(x->ac[i]);
		}
	free(x->ac);
	ex_pole_free(x->pole);
	free(x->outdir);
	etk_buf_release(&x->rec);
	etk_buf_release(&x->tmp);
	etk_buf_release(&x->src);
	etk_buf_release(&x->fbuf);
	etk_buf_release(&x->scope);
	free(x);
}

/* ------------------------------------------------------------------ */
/* Databases */

static int
copy_entry(struct etk_extract *x, const char *locator, const char *dst,
    struct etk_error *err)
{
	struct etk_source *src = NULL;
	char *buf;
	uint64_t off = 0, size;
	size_t got, w;
	ssize_t k;
	int fd, rc;

	if ((rc = etk_evidence_open_file(x->ev, locator, &src, err)) != 0)
		return rc;
	if ((buf = malloc(1 << 20)) == NULL) {
		etk_source_close(src);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	}
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = etk_fail(err, ETK_EIO, errno, "%s: cannot create", dst);
		goto out;
	}
	size = etk_source_size(src);
	while (off < size) {
		rc = etk_source_read(src, off, buf, 1 << 20, &got, err);
		if (rc != 0)
			goto out;
		if (got == 0)
			break;
		for (w = 0; w < got; w += (size_t)k) {
			k = write(fd, buf + w, got - w);
			if (k < 0 && errno == EINTR) {
				k = 0;
				continue;
			}
			if (k <= 0) {
				rc = etk_fail(err, ETK_EIO, errno, "%s: write",
				    dst);
				goto out;
			}
		}
		off += got;
	}
	rc = 0;
out:
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = etk_fail(err, ETK_EIO, errno, "%s: write", dst);
	free(buf);
	etk_source_close(src);
	return rc;
}

int
ex_run_open_db(struct etk_extract *x, const struct ex_ent *ent,
    struct ex_db **out, struct etk_error *err)
{
	static const char *const sfx[] = { "-wal", "-journal" };
	static const char *const dst[] = { "db-wal", "db-journal" };
	const char *t = getenv("TMPDIR");
	const struct ex_ent *s;
	char tmpl[PATH_MAX], p[PATH_MAX], *dir;
	size_t i;
	int rc;

	*out = NULL;
	snprintf(tmpl, sizeof(tmpl), "%s/etk-extract-XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(tmpl) == NULL)
		return etk_fail(err, ETK_EIO, errno, "%s: cannot make a "
		    "private directory", tmpl);
	if ((dir = strdup(tmpl)) == NULL) {
		rmdir(tmpl);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	}
	snprintf(p, sizeof(p), "%s/db", dir);
	rc = copy_entry(x, ent->open, p, err);
	for (i = 0; rc == 0 && i < 2; i++) {
		etk_buf_reset(&x->tmp);
		etk_buf_printf(&x->tmp, "%s%s", ent->canon, sfx[i]);
		if ((s = ex_index_find(x->idx, x->tmp.data)) == NULL)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, dst[i]);
		rc = copy_entry(x, s->open, p, err);
	}
	if (rc != 0) {
		for (i = 0; i < 3; i++) {
			snprintf(p, sizeof(p), "%s/%s", dir, i == 0 ? "db" :
			    dst[i - 1]);
			unlink(p);
		}
		rmdir(dir);
		free(dir);
		return etk_wrap(err, "%s", ent->locator);
	}
	return ex_db_open_copied(dir, ent->locator, ent->canon, out, err);
}

static void
parse_db(struct etk_extract *x, struct ex_ent *ent,
    const struct ex_artifact *const *arts, size_t narts,
    unsigned char *seen, uint64_t *unrecognised)
{
	struct etk_error err = { 0 };
	struct ex_ctx ctx = { &ex_sink_ops, x };
	struct ex_db *db = NULL;
	enum ex_parse_status st;
	enum etk_outcome oc;
	char reason[256];
	uint64_t nrows;
	size_t i;
	int any = 0;

	if (ex_run_open_db(x, ent, &db, &err) != 0) {
		/* Encrypted (SQLCipher), truncated, corrupt: named, and
		 * the rest goes on (exit 3). */
		ex_sink_warn(x, ent->locator, err.msg);
		etk_summary_add(x->sum, ent->locator, "sqlite",
		    ETK_OUTCOME_ERROR, 0, err.msg);
		return;
	}
	x->db = db;
	x->dbcanon = ent->canon;
	for (i = 0; i < narts && !x->stopped; i++) {
		if (!arts[i]->recognise(db))
			continue;
		any = 1;
		seen[i] = 1;
		if (!(arts[i]->what & x->parse)) {
			etk_summary_add(x->sum, ex_art_scope(x, arts[i]->name,
			    ent->locator), "artifact", ETK_OUTCOME_SKIPPED, 0,
			    "not in --what");
			continue;
		}
		x->art = arts[i];
		x->db_warns = 0;
		x->kept = 0;
		nrows = 0;
		reason[0] = '\0';
		/* POLE asked for: parsers also give what only POLE uses
		 * (the owner's accounts). */
		st = arts[i]->parse(&ctx, db, x->parse | (x->what &
		    EX_WHAT_POLE), &nrows, reason, sizeof(reason));
		x->res.parsed++;
		oc = st == EX_PARSED ? ETK_OUTCOME_OK : st == EX_UNSUPPORTED ?
		    ETK_OUTCOME_UNSUPPORTED : ETK_OUTCOME_ERROR;
		if (st != EX_PARSED && reason[0] == '\0')
			snprintf(reason, sizeof(reason), "%s",
			    st == EX_UNSUPPORTED ? "schema not understood" :
			    "database unreadable part way");
		etk_summary_add(x->sum, ex_art_scope(x, arts[i]->name,
		    ent->locator), "artifact", oc, nrows, reason[0] != '\0' ?
		    reason : NULL);
		if (st == EX_FAILED) {
			etk_buf_reset(&x->tmp);
			etk_buf_printf(&x->tmp, "%s (%s)", ent->locator,
			    arts[i]->name);
			ex_sink_warn(x, x->tmp.data, reason);
		}
	}
	if (!any)
		(*unrecognised)++;
	x->db = NULL;
	x->art = NULL;
	ex_db_close(db);
}

/* ------------------------------------------------------------------ */
/* Pictures */

static void
kstr_or_null(struct etk_json *j, const char *k, const char *v)
{
	etk_json_kstr(j, k, v != NULL && *v != '\0' ? v : NULL);
}

static void
do_image(struct etk_extract *x, struct ex_ent *ent, const char *mime)
{
	struct etk_error err = { 0 };
	struct ex_image_info info;
	struct etk_buf rel;
	struct etk_json j;
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	char sha[65], ext[16], utc[ETK_TIME_MAX];
	int trunc, exported = 0;

	if (ex_read_file(x->ev, ent->open, IMAGE_MAX, &x->fbuf, &trunc,
	    &err) != 0) {
		ex_sink_warn(x, ent->locator, err.msg);
		etk_summary_add(x->sum, ent->locator, "image",
		    ETK_OUTCOME_ERROR, 0, err.msg);
		return;
	}
	if (trunc) {
		ex_sink_warn(x, ent->locator, "picture larger than 256 MiB: "
		    "skipped");
		etk_summary_add(x->sum, ent->locator, "image",
		    ETK_OUTCOME_ERROR, 0, "picture larger than 256 MiB: "
		    "skipped");
		return;
	}
	EVP_Digest(x->fbuf.data, x->fbuf.len, dg, &dl, EVP_sha256(), NULL);
	etk_hex(dg, dl, sha);
	memset(&info, 0, sizeof(info));
	(void)ex_image_probe(x->fbuf.data, x->fbuf.len, &info);
	if (info.has_taken_utc && !ex_sink_keep_utc(x, info.taken_utc, 0)) {
		x->res.filtered++;
		return;
	}
	if (info.exif_damaged) {
		ex_sink_warn(x, ent->locator, "malformed EXIF: part skipped");
		etk_summary_add(x->sum, ent->locator, "image",
		    ETK_OUTCOME_ERROR, 1, "malformed EXIF: part skipped");
	}
	etk_buf_init(&rel);
	ex_file_ext(ent->base, mime, ext, sizeof(ext));
	if (ex_sink_export(x, "images", sha, ext, x->fbuf.data, x->fbuf.len,
	    ent->locator, &rel, &err) != 0) {
		ex_sink_warn(x, ent->locator, err.msg);
		etk_summary_add(x->sum, ent->locator, "image",
		    ETK_OUTCOME_ERROR, 0, err.msg);
	} else
		exported = x->outdir != NULL;
	etk_buf_reset(&x->rec);
	etk_json_init(&j, &x->rec);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "record", "image");
	etk_json_kstr(&j, "locator", ent->locator);
	etk_json_kstr(&j, "path", ent->canon);
	etk_json_kstr(&j, "name", ent->base);
	etk_json_kuint(&j, "size", x->fbuf.len);
	etk_json_kbool(&j, "deleted", ent->deleted);
	etk_json_kstr(&j, "sha256", sha);
	etk_json_kstr(&j, "mime", mime);
	etk_json_key(&j, "width");
	if (info.has_dims)
		etk_json_uint(&j, info.width);
	else
		etk_json_null(&j);
	etk_json_key(&j, "height");
	if (info.has_dims)
		etk_json_uint(&j, info.height);
	else
		etk_json_null(&j);
	kstr_or_null(&j, "taken", info.taken);
	if (info.has_taken_utc)
		etk_time_format(info.taken_utc, 0, utc);
	etk_json_kstr(&j, "taken_utc", info.has_taken_utc ? utc : NULL);
	kstr_or_null(&j, "make", info.make);
	kstr_or_null(&j, "model", info.model);
	etk_json_key(&j, "lat");
	if (info.has_gps)
		etk_json_double(&j, info.lat);
	else
		etk_json_null(&j);
	etk_json_key(&j, "lon");
	if (info.has_gps)
		etk_json_double(&j, info.lon);
	else
		etk_json_null(&j);
	etk_json_key(&j, "alt");
	if (info.has_alt)
		etk_json_double(&j, info.alt);
	else
		etk_json_null(&j);
	etk_json_key(&j, "orientation");
	if (info.orientation > 0)
		etk_json_int(&j, info.orientation);
	else
		etk_json_null(&j);
	etk_json_kbool(&j, "exif_damaged", info.exif_damaged);
	etk_json_kstr(&j, "file", exported ? rel.data : NULL);
	etk_json_kstr(&j, "source", x->evname);
	etk_json_obj_end(&j);
	ex_sink_record(x, EX_OUT_IMAGES, "image", &x->rec);
	x->res.images++;
	if (x->pole != NULL)
		ex_pole_image(x->pole, &info, ent->locator, sha);
	etk_buf_release(&rel);
}

/* ------------------------------------------------------------------ */
/* One source */

static int
read_head(struct etk_extract *x, struct ex_ent *e, unsigned char *buf,
    size_t want, size_t *got, struct etk_error *err)
{
	struct etk_source *src = NULL;
	size_t n = 0, k;
	int rc;

	*got = 0;
	if ((rc = etk_evidence_open_file(x->ev, e->open, &src, err)) != 0)
		return rc;
	while (n < want) {
		rc = etk_source_read(src, n, buf + n, want - n, &k, err);
		if (rc != 0 || k == 0)
			break;
		n += k;
	}
	etk_source_close(src);
	*got = n;
	return rc;
}

static int
stopped(struct etk_extract *x)
{
	return x->stopped || (x->o.interrupt != NULL && *x->o.interrupt);
}

int
etk_extract_run(struct etk_extract *x, const char *path,
    struct etk_summary *sum, struct etk_error *err)
{
	const struct ex_artifact *arts[MAX_ARTIFACTS];
	unsigned char seen[MAX_ARTIFACTS];
	struct etk_evidence_opts eo;
	struct ex_index ix;
	unsigned char *head = NULL;
	char mime[128];
	size_t narts, i, k, got, lo, hi;
	uint64_t unrec = 0, images0, unread = 0;
	int rc;

	if (x->finished)
		return etk_fail(err, ETK_EINVAL, 0, "extract: run after finish");
	memset(&ix, 0, sizeof(ix));
	x->sum = sum;
	memset(&eo, 0, sizeof(eo));
	eo.password_file = x->o.password_file;
	if ((rc = etk_evidence_open_opts(&x->ev, path, &eo, err)) != 0)
		return rc;
	x->evname = etk_evidence_name(x->ev);
	x->idx = &ix;
	if ((rc = ex_index_build(&ix, x->ev, sum, x->o.interrupt, err)) != 0)
		goto out;
	x->res.files += ix.n;
	/* A part of a split: the files at [lo, hi) of the index. */
	lo = 0;
	hi = ix.n;
	if (x->o.use_range) {
		lo = x->o.range_first < ix.n ? (size_t)x->o.range_first : ix.n;
		hi = x->o.range_end < ix.n ? (size_t)x->o.range_end : ix.n;
		if (hi < lo)
			hi = lo;
	}
	if ((x->what & EX_WHAT_IMAGES) &&
	    (rc = etk_magic_open(&x->magic, err)) != 0)
		goto out;
	if ((head = malloc(HEAD_BYTES)) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
		goto out;
	}
	/* The bar counts the bytes of the files examined. */
	if (x->o.progress != NULL) {
		uint64_t total = 0;

		for (i = lo; i < hi; i++)
			total += ix.v[i].size;
		etk_progress_set_total(x->o.progress, total);
	}

	/* Pass 1: what each file is, by its content. */
	images0 = x->res.images;
	for (i = lo; i < hi && !stopped(x); i++) {
		struct ex_ent *e = &ix.v[i];
		struct etk_error rerr = { 0 };

		if (x->o.progress != NULL)
			etk_progress_add(x->o.progress, e->size);
		if (e->size == 0)
			continue;
		rc = read_head(x, e, head, x->magic != NULL ? HEAD_BYTES : 16,
		    &got, &rerr);
		if (rc != 0) {
			/* Deleted files often have nothing left to read;
			 * only allocated ones are worth a warning. */
			if (!e->deleted) {
				ex_sink_warn(x, e->locator, rerr.msg);
				etk_summary_add(sum, e->locator, "file",
				    ETK_OUTCOME_ERROR, 0, rerr.msg);
			} else
				unread++;
			if (got == 0)
				continue;
		}
		if (got >= 16 && memcmp(head, sqlite_magic, 16) == 0) {
			e->is_db = 1;
			x->res.databases++;
			continue;
		}
		if (x->magic == NULL)
			continue;
		etk_magic_mime(x->magic, head, got, mime, sizeof(mime));
		if (strncmp(mime, "image/", 6) == 0)
			do_image(x, e, mime);
	}
	rc = 0;
	if (x->what & EX_WHAT_IMAGES)
		etk_summary_add(sum, "images", "images", ETK_OUTCOME_OK,
		    x->res.images - images0, NULL);
	if (unread > 0)
		etk_summary_add(sum, "deleted files", "file",
		    ETK_OUTCOME_SKIPPED, unread, "content not recoverable");

	/* Pass 2: the databases, in path order. */
	narts = ex_artifacts_all(arts, MAX_ARTIFACTS);
	if (narts > MAX_ARTIFACTS)
		narts = MAX_ARTIFACTS;
	memset(seen, 0, sizeof(seen));
	for (i = lo; i < hi && !stopped(x); i++)
		if (ix.v[i].is_db && x->parse != 0)
			parse_db(x, &ix.v[i], arts, narts, seen, &unrec);
	for (k = 0; k < narts && x->parse != 0 && !stopped(x); k++) {
		if (seen[k])
			continue;
		if (!(arts[k]->what & x->parse)) {
			etk_summary_add(sum, arts[k]->name, "artifact",
			    ETK_OUTCOME_SKIPPED, 0, "not in --what");
			continue;
		}
		etk_buf_reset(&x->tmp);
		etk_buf_adds(&x->tmp, "no database of this kind found");
		if (arts[k]->paths != NULL && arts[k]->paths[0] != NULL)
			etk_buf_printf(&x->tmp, " (%s)", arts[k]->paths[0]);
		etk_summary_add(sum, arts[k]->name, "artifact",
		    ETK_OUTCOME_ABSENT, 0, x->tmp.data);
	}
	if (unrec > 0)
		etk_summary_add(sum, "other databases", "sqlite",
		    ETK_OUTCOME_SKIPPED, unrec, "no artifact recognises "
		    "their schema");
	if (x->o.interrupt != NULL && *x->o.interrupt)
		etk_summary_add(sum, path, "source", ETK_OUTCOME_ERROR, 0,
		    "interrupted");
out:
	free(head);
	etk_magic_close(x->magic);
	x->magic = NULL;
	ex_index_release(&ix);
	x->idx = NULL;
	etk_evidence_close(x->ev);
	x->ev = NULL;
	x->evname = NULL;
	return rc;
}

int
etk_extract_split(const char *path, const struct etk_extract_opts *o,
    uint64_t n, uint64_t *bounds, uint64_t *bytes, struct etk_error *err)
{
	struct etk_evidence_opts eo;
	struct etk_evidence *ev = NULL;
	struct ex_index ix;
	uint64_t *w = NULL;
	size_t i;
	int rc;

	if (path == NULL || n == 0 || bounds == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "split: bad arguments");
	memset(&eo, 0, sizeof(eo));
	eo.password_file = o != NULL ? o->password_file : NULL;
	if ((rc = etk_evidence_open_opts(&ev, path, &eo, err)) != 0)
		return rc;
	memset(&ix, 0, sizeof(ix));
	if ((rc = ex_index_build(&ix, ev, NULL, NULL, err)) == 0) {
		if ((w = malloc((ix.n != 0 ? ix.n : 1) * sizeof(*w))) == NULL)
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM,
			    "out of memory");
		else {
			for (i = 0; i < ix.n; i++)
				w[i] = ix.v[i].size;
			etk_split_weights(w, ix.n, n, 64 * 1024, bounds,
			    bytes);
		}
	}
	free(w);
	ex_index_release(&ix);
	etk_evidence_close(ev);
	return rc;
}

int
etk_extract_finish(struct etk_extract *x, struct etk_extract_result *res,
    struct etk_error *err)
{
	int rc;

	rc = ex_sink_finish(x, err);
	if (rc == 0)
		x->finished = 1;
	if (res != NULL)
		*res = x->res;
	return rc;
}
