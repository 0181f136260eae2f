/*
 * The sink the parsers write to: --since/--until, the JSON Lines record
 * of each message, call, contact (DESIGN.md §5 field names, plus the raw
 * time and its encoding, wal_only, the database's canonical path), the
 * attachments resolved to files of the same evidence and exported by
 * content hash, the POLE feed, and the record files themselves (written
 * under temporary names with a running SHA-256, published at the end).
 *
 * Records are formatted into one reused buffer and written through a
 * large stdio buffer: no malloc and no fsync per row.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <etk/extract_db.h>
#include <etk/json.h>

#include "extract/run_int.h"

#define OUTBUF		(1 << 20)
#define ATTACH_MAX	((uint64_t)256 << 20)
#define WARN_PER_DB	20

static const struct {
	const char *rel;
	unsigned what;
} out_files[EX_OUT__COUNT] = {
	[EX_OUT_MESSAGES] = { "messages.jsonl", EX_WHAT_MESSAGES },
	[EX_OUT_CALLS] = { "calls.jsonl", EX_WHAT_CALLS },
	[EX_OUT_CONTACTS] = { "contacts.jsonl", EX_WHAT_CONTACTS },
	[EX_OUT_IMAGES] = { "images.jsonl", EX_WHAT_IMAGES },
	[EX_OUT_ENTITIES] = { "pole/entities.jsonl", EX_WHAT_POLE },
	[EX_OUT_LINKS] = { "pole/links.jsonl", EX_WHAT_POLE },
};

static void
stop(struct etk_extract *x, int code, int e, const char *what)
{
	if (x->stopped)
		return;
	x->stopped = 1;
	etk_fail(&x->werr, code, e, "%s", what);
}

static int
make_dir(struct etk_extract *x, const char *sub, struct etk_error *err)
{
	struct etk_buf p;
	int rc = 0;

	etk_buf_init(&p);
	etk_buf_printf(&p, "%s/%s", x->outdir, sub);
	if (p.oom)
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	else if (mkdir(p.data, 0750) != 0 && errno != EEXIST)
		rc = etk_fail(err, ETK_EIO, errno, "cannot create '%s'",
		    p.data);
	etk_buf_release(&p);
	return rc;
}

int
ex_sink_open(struct etk_extract *x, struct etk_error *err)
{
	struct etk_buf t;
	struct ex_out *o;
	const char *slash;
	int i, fd;

	if (x->outdir == NULL)
		return 0;
	if ((x->what & EX_WHAT_POLE) && make_dir(x, "pole", err) != 0)
		return err->code;
	etk_buf_init(&t);
	for (i = 0; i < EX_OUT__COUNT; i++) {
		o = &x->out[i];
		o->rel = out_files[i].rel;
		if (!(x->what & out_files[i].what))
			continue;
		slash = strrchr(o->rel, '/');
		etk_buf_reset(&t);
		etk_buf_printf(&t, "%s/%s", x->outdir, o->rel);
		o->final = strdup(t.data);
		etk_buf_reset(&t);
		if (slash != NULL)
			etk_buf_printf(&t, "%s/%.*s/.%s.tmp-XXXXXX", x->outdir,
			    (int)(slash - o->rel), o->rel, slash + 1);
		else
			etk_buf_printf(&t, "%s/.%s.tmp-XXXXXX", x->outdir,
			    o->rel);
		o->tmp = strdup(t.data);
		if (o->final == NULL || o->tmp == NULL || t.oom) {
			etk_buf_release(&t);
			return etk_fail(err, ETK_ENOMEM, ENOMEM,
			    "out of memory");
		}
		if ((fd = mkostemp(o->tmp, O_CLOEXEC)) == -1 ||
		    (o->fp = fdopen(fd, "w")) == NULL) {
			int e = errno;

			if (fd != -1) {
				close(fd);
				unlink(o->tmp);
			}
			free(o->tmp);
			o->tmp = NULL;
			etk_buf_release(&t);
			return etk_fail(err, ETK_EIO, e, "cannot create '%s'",
			    o->final);
		}
		(void)fchmod(fd, 0640);
		setvbuf(o->fp, NULL, _IOFBF, OUTBUF);
		if ((o->md = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(o->md, EVP_sha256(), NULL) != 1) {
			etk_buf_release(&t);
			return etk_fail(err, ETK_ENOMEM, ENOMEM,
			    "out of memory");
		}
	}
	etk_buf_release(&t);
	return 0;
}

void
ex_sink_record(struct etk_extract *x, int out, const char *kind,
    const struct etk_buf *json)
{
	struct ex_out *o = &x->out[out];

	if (x->stopped)
		return;
	if (json->oom) {
		stop(x, ETK_ENOMEM, ENOMEM, "out of memory");
		return;
	}
	if (o->fp != NULL) {
		/* One writer per file: stdio's locking is pure cost. */
		if (fwrite_unlocked(json->data, 1, json->len, o->fp) !=
		    json->len || putc_unlocked('\n', o->fp) == EOF) {
			stop(x, ETK_EIO, errno, o->final);
			return;
		}
		EVP_DigestUpdate(o->md, json->data, json->len);
		EVP_DigestUpdate(o->md, "\n", 1);
		o->bytes += json->len + 1;
	}
	o->records++;
	if (x->o.kase != NULL && !x->res.db_failed) {
		struct etk_error err = { 0 };

		if (etk_case_db_extract(x->o.kase, x->o.action, kind,
		    json->data, json->len, &err) != ETK_OK) {
			/* Said once; the files and the rest go on. */
			x->res.db_failed = 1;
			ex_sink_warn(x, "case database", err.msg);
		}
	}
	if (x->o.on_record != NULL &&
	    x->o.on_record(kind, json->data, json->len, x->o.arg) != 0)
		stop(x, ETK_EIO, 0, "record output failed: the record files "
		    "were not published");
}

const char *
ex_art_scope(struct etk_extract *x, const char *art, const char *locator)
{
	etk_buf_reset(&x->scope);
	etk_buf_printf(&x->scope, "%s@%s", art, locator);
	return x->scope.data;
}

void
ex_sink_warn(struct etk_extract *x, const char *item, const char *why)
{
	size_t l = item != NULL ? strlen(item) : 0;

	/* Library messages often name the item already. */
	if (l > 0 && why != NULL && strncmp(why, item, l) == 0 &&
	    why[l] == ':' && why[l + 1] == ' ')
		why += l + 2;
	x->res.warnings++;
	if (x->o.on_warn != NULL)
		x->o.on_warn(item, why, x->o.arg);
}

/* ------------------------------------------------------------------ */
/* Time scope */

int
ex_sink_keep_utc(struct etk_extract *x, int64_t sec, int32_t nsec)
{
	if (x->o.has_since && (sec < x->o.since_s || (sec == x->o.since_s &&
	    nsec < x->o.since_ns)))
		return 0;
	if (x->o.has_until && (sec > x->o.until_s || (sec == x->o.until_s &&
	    nsec >= x->o.until_ns)))
		return 0;
	return 1;
}

int
ex_sink_keep(struct etk_extract *x, const struct ex_time *t)
{
	if (!t->set)
		return 1;	/* no time: kept (the man page says so) */
	return ex_sink_keep_utc(x, t->sec, t->nsec);
}

/* ------------------------------------------------------------------ */
/* Exports */

void
ex_file_ext(const char *name, const char *mime, char *out, size_t n)
{
	static const struct {
		const char *mime, *ext;
	} m2e[] = {
		{ "image/jpeg", "jpg" }, { "image/png", "png" },
		{ "image/gif", "gif" }, { "image/webp", "webp" },
		{ "image/heic", "heic" }, { "image/heif", "heif" },
		{ "image/tiff", "tif" }, { "image/bmp", "bmp" },
		{ "image/x-ms-bmp", "bmp" }, { "video/mp4", "mp4" },
		{ "video/quicktime", "mov" }, { "audio/amr", "amr" },
		{ "audio/mpeg", "mp3" }, { "audio/ogg", "ogg" },
		{ "audio/aac", "aac" }, { "application/pdf", "pdf" },
		{ "text/plain", "txt" }, { "text/x-vcard", "vcf" },
		{ "text/vcard", "vcf" },
	};
	const char *dot = NULL, *s;
	size_t i, k = 0;

	if (name != NULL) {
		s = strrchr(name, '/');
		s = s != NULL ? s + 1 : name;
		dot = strrchr(s, '.');
	}
	if (dot != NULL && dot[1] != '\0') {
		for (s = dot + 1; *s != '\0' && k + 1 < n && k < 8; s++) {
			char c = *s;

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
				break;
			out[k++] = c;
		}
		if (*s == '\0' && k > 0) {
			out[k] = '\0';
			return;
		}
	}
	for (i = 0; mime != NULL && i < sizeof(m2e) / sizeof(m2e[0]); i++)
		if (strcasecmp(mime, m2e[i].mime) == 0) {
			snprintf(out, n, "%s", m2e[i].ext);
			return;
		}
	snprintf(out, n, "bin");
}

static int
add_written(struct etk_extract *x, const char *rel, const char *sha)
{
	if (x->nwr == x->capwr) {
		size_t cap = x->capwr ? x->capwr * 2 : 64;
		struct ex_written *w = realloc(x->wr, cap * sizeof(*w));

		if (w == NULL)
			return -1;
		x->wr = w;
		x->capwr = cap;
	}
	if ((x->wr[x->nwr].rel = strdup(rel)) == NULL)
		return -1;
	snprintf(x->wr[x->nwr].sha, sizeof(x->wr[x->nwr].sha), "%s", sha);
	x->nwr++;
	return 0;
}

int
ex_sink_export(struct etk_extract *x, const char *sub, const char *sha,
    const char *ext, const void *data, size_t len, const char *from,
    struct etk_buf *rel, struct etk_error *err)
{
	struct etk_buf p;
	int rc;

	etk_buf_reset(rel);
	etk_buf_printf(rel, "%s/%s.%s", sub, sha, ext);
	if (x->outdir == NULL)
		return 0;
	if (!(x->made_dirs & (strcmp(sub, "images") == 0 ? 1 : 2))) {
		if ((rc = make_dir(x, sub, err)) != 0)
			return rc;
		x->made_dirs |= strcmp(sub, "images") == 0 ? 1 : 2;
	}
	etk_buf_init(&p);
	etk_buf_printf(&p, "%s/%s", x->outdir, rel->data);
	if (p.oom || rel->oom) {
		etk_buf_release(&p);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	}
	/* Content-addressed: the same bytes seen twice are one file. */
	rc = etk_write_file_atomic(p.data, data, len, 0, NULL, err);
	etk_buf_release(&p);
	if (rc == ETK_EEXIST) {
		etk_error_clear(err);
		return 0;
	}
	if (rc != ETK_OK)
		return rc;
	if (add_written(x, rel->data, sha) != 0)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	if (x->o.on_output != NULL)
		x->o.on_output(rel->data, sha, len, from, x->o.arg);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Attachments */

static uint64_t
str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct ex_attcache *
ac_find(struct etk_extract *x, const char *loc, int add)
{
	struct ex_attcache *c;
	size_t i, j;

	/* Entries are allocated one by one so that pointers to them stay
	 * valid when the table grows. */
	if (add && (x->nac + 1) * 2 > x->capac) {
		size_t cap = x->capac ? x->capac * 2 : 256;
		struct ex_attcache **n = calloc(cap, sizeof(*n));

		if (n == NULL)
			return NULL;
		for (i = 0; i < x->capac; i++) {
			if (x->ac[i] == NULL)
				continue;
			for (j = str_hash(x->ac[i]->locator) & (cap - 1);
			    n[j] != NULL; j = (j + 1) & (cap - 1))
				;
			n[j] = x->ac[i];
		}
		free(x->ac);
		x->ac = n;
		x->capac = cap;
	}
	if (x->capac == 0)
		return NULL;
	for (i = str_hash(loc) & (x->capac - 1); x->ac[i] != NULL;
	    i = (i + 1) & (x->capac - 1))
		if (strcmp(x->ac[i]->locator, loc) == 0)
			return x->ac[i];
	if (!add || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->locator = strdup(loc)) == NULL) {
		free(c);
		return NULL;
	}
	x->ac[i] = c;
	x->nac++;
	return c;
}

/* Trailing path components a and b have in common. */
static int
tail_match(const char *a, const char *b)
{
	const char *pa = a + strlen(a), *pb = b + strlen(b);
	int k = 0;

	for (;;) {
		const char *sa = pa, *sb = pb;

		while (sa > a && sa[-1] != '/')
			sa--;
		while (sb > b && sb[-1] != '/')
			sb--;
		if (pa - sa != pb - sb || pa == sa ||
		    memcmp(sa, sb, (size_t)(pa - sa)) != 0)
			break;
		k++;
		if (sa == a || sb == b)
			break;
		pa = sa - 1;
		pb = sb - 1;
	}
	return k;
}

/* The Android package a database lives in ("/data/data/<pkg>/..."), or
 * the database's folder elsewhere: where an attachment named by its
 * base name alone may be looked for. */
static void
app_root(const char *dbcanon, struct etk_buf *pkg, struct etk_buf *dir)
{
	static const char *const roots[] = { "/data/data/", "/data/user_de/0/",
	    "/data/media/0/Android/data/", "/data/media/0/Android/media/" };
	const char *s, *e;
	size_t i;

	etk_buf_reset(pkg);
	etk_buf_reset(dir);
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		if (strncmp(dbcanon, roots[i], strlen(roots[i])) != 0)
			continue;
		s = dbcanon + strlen(roots[i]);
		if ((e = strchr(s, '/')) != NULL && e > s) {
			etk_buf_addc(pkg, '/');
			etk_buf_add(pkg, s, (size_t)(e - s));
			etk_buf_addc(pkg, '/');
			return;
		}
	}
	if ((e = strrchr(dbcanon, '/')) != NULL) {
		etk_buf_add(dir, dbcanon, (size_t)(e - dbcanon + 1));
	}
}

static const struct ex_ent *
resolve(struct etk_extract *x, const char *stored)
{
	struct etk_buf c, pkg, dir;
	struct ex_ent **cand, *e, *best = NULL;
	const char *s = stored, *base;
	size_t n, i;
	int k, bestk = 0, inroot, bestroot = 0;

	if (s == NULL)
		return NULL;
	if (strncmp(s, "file://", 7) == 0)
		s += 7;
	if (*s == '\0')
		return NULL;
	etk_buf_init(&c);
	etk_buf_init(&pkg);
	etk_buf_init(&dir);
	if (s[0] == '~' && s[1] == '/') {
		etk_buf_adds(&pkg, "/private/var/mobile/");
		etk_buf_adds(&pkg, s + 2);
		ex_canon(pkg.data, 0, 0, &c);
	} else if (s[0] == '/')
		ex_canon(s, 0, 0, &c);
	else {
		/* Relative: first beside the database. */
		const char *sl = strrchr(x->dbcanon, '/');

		etk_buf_add(&pkg, x->dbcanon, sl != NULL ?
		    (size_t)(sl - x->dbcanon + 1) : 0);
		etk_buf_adds(&pkg, s);
		ex_canon(pkg.data, 0, 0, &c);
	}
	if (!c.oom && (e = ex_index_find(x->idx, c.data)) != NULL) {
		best = e;
		goto out;
	}
	/* Then by name: the candidate sharing most trailing components
	 * with the stored path; one component (the base name alone) only
	 * inside the database's app. */
	app_root(x->dbcanon, &pkg, &dir);
	base = strrchr(s, '/');
	base = base != NULL ? base + 1 : s;
	if (*base == '\0')
		goto out;
	n = ex_index_base(x->idx, base, &cand);
	for (i = 0; i < n; i++) {
		e = cand[i];
		k = tail_match(e->canon, c.oom ? s : c.data);
		inroot = (pkg.len > 0 && strstr(e->canon, pkg.data) != NULL) ||
		    (dir.len > 0 && strncmp(e->canon, dir.data, dir.len) == 0);
		if (k < 2 && !inroot)
			continue;
		if (best == NULL || k > bestk || (k == bestk &&
		    ((inroot && !bestroot) || (inroot == bestroot &&
		    !e->deleted && best->deleted)))) {
			best = e;
			bestk = k;
			bestroot = inroot;
		}
	}
out:
	etk_buf_release(&c);
	etk_buf_release(&pkg);
	etk_buf_release(&dir);
	return best;
}

/* Resolve, read, hash and export one attachment; the cache keeps each
 * file's answer. */
static struct ex_attcache *
attach(struct etk_extract *x, const struct ex_ent *e,
    const struct ex_attach *a)
{
	struct etk_error err = { 0 };
	struct ex_attcache *c;
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	char ext[16];
	int trunc;

	if ((c = ac_find(x, e->locator, 0)) != NULL)
		return c;
	if ((c = ac_find(x, e->locator, 1)) == NULL)
		return NULL;
	if (ex_read_file(x->ev, e->open, ATTACH_MAX, &x->fbuf, &trunc,
	    &err) != ETK_OK) {
		c->failed = 1;
		ex_sink_warn(x, e->locator, err.msg);
		etk_summary_add(x->sum, e->locator, "attachment",
		    ETK_OUTCOME_ERROR, 0, err.msg);
		return c;
	}
	if (trunc) {
		c->failed = 1;
		ex_sink_warn(x, e->locator, "larger than 256 MiB: not "
		    "exported");
		etk_summary_add(x->sum, e->locator, "attachment",
		    ETK_OUTCOME_TIMEOUT, 0, "larger than 256 MiB: not "
		    "exported");
		return c;
	}
	EVP_Digest(x->fbuf.data, x->fbuf.len, dg, &dl, EVP_sha256(), NULL);
	etk_hex(dg, dl, c->sha);
	c->size = x->fbuf.len;
	ex_file_ext(a->name != NULL ? a->name : e->canon, a->mime, ext,
	    sizeof(ext));
	if (ex_sink_export(x, "attachments", c->sha, ext, x->fbuf.data,
	    x->fbuf.len, e->locator, &x->tmp, &err) != 0) {
		ex_sink_warn(x, e->locator, err.msg);
		etk_summary_add(x->sum, e->locator, "attachment",
		    ETK_OUTCOME_ERROR, 0, err.msg);
		return c;
	}
	c->rel = strdup(x->tmp.data);
	return c;
}

/* ------------------------------------------------------------------ */
/* Records */

/* Records are written by hand rather than through etk_json: the field
 * order is fixed, keys need no escaping, and most strings none either,
 * so each field is one or two appends (this is where the time of a
 * million-row database goes).  The bytes are those etk_json would
 * write: strings that need escaping go through etk_json_quote. */
#define JK(b, lit)	etk_buf_add((b), (lit), sizeof(lit) - 1)

static void
jstr(struct etk_buf *b, const char *s)
{
	const unsigned char *p;

	if (s == NULL) {
		JK(b, "null");
		return;
	}
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			break;
	if (*p != '\0') {
		etk_json_quote(b, s, strlen(s));
		return;
	}
	etk_buf_addc(b, '"');
	etk_buf_add(b, s, (size_t)((const char *)p - s));
	etk_buf_addc(b, '"');
}

static void
jint(struct etk_buf *b, int64_t v)
{
	char t[24], *e = t + sizeof(t), *p = e;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	etk_buf_add(b, p, (size_t)(e - p));
}

static void
jdouble(struct etk_buf *b, double v)
{
	struct etk_json j;

	etk_json_init(&j, b);
	etk_json_double(&j, v);
}

static void
jbool(struct etk_buf *b, int v)
{
	if (v)
		JK(b, "true");
	else
		JK(b, "false");
}

static void
jtri(struct etk_buf *b, int v)
{
	if (v < 0)
		JK(b, "null");
	else
		jbool(b, v);
}

static void
jtime(struct etk_buf *b, int set, int64_t sec, int32_t nsec)
{
	char t[ETK_TIME_MAX];

	if (!set) {
		JK(b, "null");
		return;
	}
	etk_time_format(sec, nsec, t);
	etk_buf_addc(b, '"');
	etk_buf_adds(b, t);
	etk_buf_addc(b, '"');
}

/* "time":..,"time_raw":..,"time_enc":.. */
static void
jtimes(struct etk_buf *b, const struct ex_time *t)
{
	JK(b, ",\"time\":");
	jtime(b, t->set, t->sec, t->nsec);
	JK(b, ",\"time_raw\":");
	if (!t->has_raw)
		JK(b, "null");
	else if (t->raw_is_real)
		jdouble(b, t->raw_d);
	else
		jint(b, t->raw_i);
	JK(b, ",\"time_enc\":");
	jstr(b, t->has_raw ? ex_tenc_name(t->enc) : NULL);
}

static void
jstrs(struct etk_buf *b, const char *const *v, size_t n)
{
	size_t i;
	int first = 1;

	etk_buf_addc(b, '[');
	for (i = 0; i < n; i++)
		if (v[i] != NULL) {
			if (!first)
				etk_buf_addc(b, ',');
			jstr(b, v[i]);
			first = 0;
		}
	etk_buf_addc(b, ']');
}

static const struct ex_ent *relative(struct etk_extract *,
    const struct ex_db *, const char *);

static void
source_of(struct etk_extract *x, const struct ex_prov *p)
{
	const struct ex_ent *e;

	etk_buf_reset(&x->src);
	/* A record read from a file beside the database (WhatsApp's
	 * preferences) points at that file, which etk cat can read. */
	if (p->file != NULL && (e = relative(x, x->db, p->file)) != NULL) {
		etk_buf_adds(&x->src, e->locator);
		return;
	}
	etk_buf_adds(&x->src, x->db->locator);
	etk_buf_addc(&x->src, '#');
	etk_buf_adds(&x->src, p->table != NULL ? p->table : "?");
	etk_buf_addc(&x->src, '/');
	jint(&x->src, p->rowid);
}

/* The provenance that ends every database record, then "}". */
static void
jprov(struct etk_extract *x, struct etk_buf *b, const struct ex_prov *p)
{
	JK(b, ",\"wal_only\":");
	jbool(b, p->wal_only);
	JK(b, ",\"artifact\":");
	jstr(b, x->art->name);
	JK(b, ",\"db\":");
	jstr(b, x->dbcanon);
	JK(b, ",\"table\":");
	jstr(b, p->table);
	JK(b, ",\"rowid\":");
	if (p->file != NULL)
		etk_buf_adds(b, "null");
	else
		jint(b, p->rowid);
	JK(b, ",\"source\":");
	jstr(b, x->src.data);
	etk_buf_addc(b, '}');
}

static int
wanted(struct etk_extract *x, unsigned what)
{
	return !x->stopped && (x->parse & what) &&
	    (x->o.interrupt == NULL || !*x->o.interrupt);
}

static void
on_message(void *arg, const struct ex_message *m)
{
	struct etk_extract *x = arg;
	const struct ex_ent *ents_a[64], **ents = ents_a;
	struct ex_attcache *ac_a[64], **ac = ac_a;
	struct etk_buf *b = &x->rec;
	size_t i, na;
	int first;

	if (!wanted(x, EX_WHAT_MESSAGES))
		return;
	if (!ex_sink_keep(x, &m->time)) {
		x->res.filtered++;
		return;
	}
	source_of(x, &m->prov);
	x->kept++;
	if (!(x->what & EX_WHAT_MESSAGES))
		goto pole;
	na = m->natt;
	/* Rarely more than a few: the heap only for long lists. */
	if (na > 64 && ((ents = malloc(na * sizeof(*ents))) == NULL ||
	    (ac = malloc(na * sizeof(*ac))) == NULL)) {
		if (ents != ents_a)
			free((void *)ents);
		stop(x, ETK_ENOMEM, ENOMEM, "out of memory");
		return;
	}
	for (i = 0; i < na; i++) {
		ents[i] = resolve(x, m->att[i].stored);
		ac[i] = ents[i] != NULL ? attach(x, ents[i], &m->att[i]) : NULL;
		if (ents[i] != NULL)
			x->res.attachments++;
	}
	etk_buf_reset(b);
	JK(b, "{\"record\":\"message\",\"app\":");
	jstr(b, m->app);
	JK(b, ",\"service\":");
	jstr(b, m->service);
	JK(b, ",\"thread\":");
	jstr(b, m->thread);
	JK(b, ",\"thread_name\":");
	jstr(b, m->thread_name);
	JK(b, ",\"direction\":");
	jstr(b, m->direction);
	JK(b, ",\"from\":");
	jstr(b, m->from);
	JK(b, ",\"from_name\":");
	jstr(b, m->from_name);
	JK(b, ",\"to\":");
	jstrs(b, m->to, m->nto);
	jtimes(b, &m->time);
	JK(b, ",\"time_read\":");
	jtime(b, m->time_read.set, m->time_read.sec, m->time_read.nsec);
	JK(b, ",\"body\":");
	jstr(b, m->body);
	JK(b, ",\"attachments\":[");
	for (i = 0, first = 1; i < na; i++)
		if (ents[i] != NULL) {
			if (!first)
				etk_buf_addc(b, ',');
			jstr(b, ents[i]->locator);
			first = 0;
		}
	JK(b, "],\"attachment_files\":[");
	for (i = 0; i < na; i++) {
		if (i > 0)
			etk_buf_addc(b, ',');
		JK(b, "{\"stored\":");
		jstr(b, m->att[i].stored);
		JK(b, ",\"name\":");
		jstr(b, m->att[i].name);
		JK(b, ",\"mime\":");
		jstr(b, m->att[i].mime);
		JK(b, ",\"size\":");
		if (m->att[i].size >= 0)
			jint(b, m->att[i].size);
		else
			JK(b, "null");
		JK(b, ",\"path\":");
		jstr(b, ents[i] != NULL ? ents[i]->canon : NULL);
		JK(b, ",\"sha256\":");
		jstr(b, ac[i] != NULL && !ac[i]->failed ? ac[i]->sha : NULL);
		JK(b, ",\"file\":");
		jstr(b, ac[i] != NULL && x->outdir != NULL ? ac[i]->rel : NULL);
		etk_buf_addc(b, '}');
	}
	JK(b, "],\"read\":");
	jtri(b, m->read);
	JK(b, ",\"deleted\":");
	jbool(b, m->deleted);
	jprov(x, b, &m->prov);
	ex_sink_record(x, EX_OUT_MESSAGES, "message", b);
	x->res.messages++;
	if (ents != ents_a) {
		free((void *)ents);
		free(ac);
	}
pole:
	if ((x->what & EX_WHAT_POLE) && x->pole != NULL)
		ex_pole_message(x->pole, m, x->src.data);
}

static void
on_call(void *arg, const struct ex_call *c)
{
	struct etk_extract *x = arg;
	struct etk_buf *b = &x->rec;

	if (!wanted(x, EX_WHAT_CALLS))
		return;
	if (!ex_sink_keep(x, &c->time)) {
		x->res.filtered++;
		return;
	}
	source_of(x, &c->prov);
	x->kept++;
	if (!(x->what & EX_WHAT_CALLS))
		goto pole;
	etk_buf_reset(b);
	JK(b, "{\"record\":\"call\",\"app\":");
	jstr(b, c->app);
	JK(b, ",\"service\":");
	jstr(b, c->service);
	JK(b, ",\"direction\":");
	jstr(b, c->direction);
	JK(b, ",\"number\":");
	jstr(b, c->number);
	JK(b, ",\"name\":");
	jstr(b, c->name);
	jtimes(b, &c->time);
	JK(b, ",\"duration_s\":");
	if (c->duration_s >= 0)
		jint(b, c->duration_s);
	else
		JK(b, "null");
	JK(b, ",\"video\":");
	jtri(b, c->video);
	JK(b, ",\"deleted\":");
	jbool(b, c->deleted);
	jprov(x, b, &c->prov);
	ex_sink_record(x, EX_OUT_CALLS, "call", b);
	x->res.calls++;
pole:
	if ((x->what & EX_WHAT_POLE) && x->pole != NULL)
		ex_pole_call(x->pole, c, x->src.data);
}

static void
on_contact(void *arg, const struct ex_contact *c)
{
	struct etk_extract *x = arg;
	struct etk_buf *b = &x->rec;

	if (!wanted(x, EX_WHAT_CONTACTS))
		return;
	source_of(x, &c->prov);
	x->kept++;
	if (!(x->what & EX_WHAT_CONTACTS))
		goto pole;
	etk_buf_reset(b);
	JK(b, "{\"record\":\"contact\",\"app\":");
	jstr(b, c->app);
	JK(b, ",\"name\":");
	jstr(b, c->name);
	JK(b, ",\"numbers\":");
	jstrs(b, c->numbers, c->nnumbers);
	JK(b, ",\"emails\":");
	jstrs(b, c->emails, c->nemails);
	JK(b, ",\"org\":");
	jstr(b, c->org);
	JK(b, ",\"account\":");
	jstr(b, c->account);
	JK(b, ",\"deleted\":");
	jbool(b, c->deleted);
	jprov(x, b, &c->prov);
	ex_sink_record(x, EX_OUT_CONTACTS, "contact", b);
	x->res.contacts++;
pole:
	if ((x->what & EX_WHAT_POLE) && x->pole != NULL)
		ex_pole_contact(x->pole, c, x->src.data);
}

static void
on_account(void *arg, const struct ex_account *a)
{
	struct etk_extract *x = arg;

	if (x->stopped)
		return;
	x->res.accounts++;
	if ((x->what & EX_WHAT_POLE) && x->pole != NULL) {
		source_of(x, &a->prov);
		ex_pole_account(x->pole, a, x->src.data);
	}
}

static void
on_warn(void *arg, const char *item, const char *why)
{
	struct etk_extract *x = arg;

	/* Counted against the database: its summary line turns to
	 * "error" (exit 3) with the first reason; the first few are
	 * also named on stderr. */
	etk_summary_add(x->sum, ex_art_scope(x, x->art->name,
	    x->db->locator), "artifact", ETK_OUTCOME_ERROR, 0, why);
	if (x->db_warns++ < WARN_PER_DB) {
		etk_buf_reset(&x->tmp);
		etk_buf_printf(&x->tmp, "%s: %s", x->db->locator,
		    item != NULL ? item : "?");
		ex_sink_warn(x, x->tmp.data, why);
	} else
		x->res.warnings++;
}

/* Relative path rel against dir (canonical, with "/" separators),
 * "." and ".." resolved; never above "/". */
static void
join_rel(const char *dir, const char *rel, struct etk_buf *out)
{
	const char *s, *e;
	size_t l;

	etk_buf_reset(out);
	etk_buf_adds(out, dir);
	for (s = rel; *s != '\0'; s = *e != '\0' ? e + 1 : e) {
		e = strchr(s, '/');
		if (e == NULL)
			e = s + strlen(s);
		l = (size_t)(e - s);
		if (l == 0 || (l == 1 && s[0] == '.'))
			continue;
		if (l == 2 && s[0] == '.' && s[1] == '.') {
			while (out->len > 0 && out->data[out->len - 1] != '/')
				out->len--;
			if (out->len > 1)
				out->len--;
			out->data[out->len] = '\0';
			continue;
		}
		if (out->len == 0 || out->data[out->len - 1] != '/')
			etk_buf_addc(out, '/');
		etk_buf_add(out, s, l);
	}
}

static const struct ex_ent *
relative(struct etk_extract *x, const struct ex_db *db, const char *rel)
{
	struct etk_buf d, p;
	const struct ex_ent *e;
	const char *sl = strrchr(db->path, '/');

	etk_buf_init(&d);
	etk_buf_init(&p);
	etk_buf_add(&d, db->path, sl != NULL ? (size_t)(sl - db->path) : 0);
	join_rel(d.data, rel, &p);
	e = p.oom ? NULL : ex_index_find(x->idx, p.data);
	etk_buf_release(&d);
	etk_buf_release(&p);
	return e;
}

static int
on_sibling(void *arg, const struct ex_db *db, const char *name,
    struct ex_db **out, struct etk_error *err)
{
	struct etk_extract *x = arg;
	const struct ex_ent *e;

	*out = NULL;
	if (strchr(name, '/') != NULL)
		return etk_fail(err, ETK_EINVAL, 0, "sibling '%s': not a "
		    "file name", name);
	if ((e = relative(x, db, name)) == NULL)
		return ETK_ENOTFOUND;
	return ex_run_open_db(x, e, out, err);
}

static int
on_read_file(void *arg, const struct ex_db *db, const char *rel,
    struct etk_buf *out, struct etk_error *err)
{
	struct etk_extract *x = arg;
	const struct ex_ent *e;
	int trunc, rc;

	if ((e = relative(x, db, rel)) == NULL)
		return ETK_ENOTFOUND;
	rc = ex_read_file(x->ev, e->open, (uint64_t)16 << 20, out, &trunc,
	    err);
	if (rc == ETK_OK && trunc)
		return etk_fail(err, ETK_ETIMEOUT, 0, "%s: larger than 16 MiB",
		    e->locator);
	return rc;
}

const struct ex_sink_ops ex_sink_ops = {
	.message = on_message,
	.call = on_call,
	.contact = on_contact,
	.account = on_account,
	.warn = on_warn,
	.sibling = on_sibling,
	.read_file = on_read_file,
};

/* ------------------------------------------------------------------ */
/* The end: POLE, publication, SHA256SUMS */

static void
emit_lines(struct etk_extract *x, int out, const char *kind,
    const struct etk_buf *b)
{
	const char *s = b->data, *e;

	while (s < b->data + b->len && !x->stopped) {
		e = memchr(s, '\n', (size_t)(b->data + b->len - s));
		if (e == NULL)
			e = b->data + b->len;
		if (e > s) {
			etk_buf_reset(&x->rec);
			etk_buf_add(&x->rec, s, (size_t)(e - s));
			ex_sink_record(x, out, kind, &x->rec);
		}
		s = e + 1;
	}
}

static int
pole_out(void *arg, int which, const struct etk_buf *b)
{
	struct etk_extract *x = arg;

	if (which == 0)
		emit_lines(x, EX_OUT_ENTITIES, "pole_entity", b);
	else
		emit_lines(x, EX_OUT_LINKS, "pole_link", b);
	return x->stopped;
}

static int
cmp_written(const void *a, const void *b)
{
	return strcmp(((const struct ex_written *)a)->rel,
	    ((const struct ex_written *)b)->rel);
}

int
ex_sink_finish(struct etk_extract *x, struct etk_error *err)
{
	struct etk_buf sums, p;
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	char sha[65];
	struct ex_out *o;
	size_t i;
	int rc = 0, e;

	if ((x->what & EX_WHAT_POLE) && x->pole != NULL && !x->stopped) {
		if (ex_pole_write(x->pole, pole_out, x, err) != 0)
			return err->code != 0 ? err->code : ETK_EIO;
		x->res.entities = x->out[EX_OUT_ENTITIES].records;
		x->res.links = x->out[EX_OUT_LINKS].records;
	}
	if (x->stopped) {
		*err = x->werr;
		return err->code != 0 ? err->code : ETK_EIO;
	}
	for (i = 0; i < EX_OUT__COUNT; i++) {
		o = &x->out[i];
		if (o->fp == NULL)
			continue;
		if (fflush(o->fp) != 0 || fsync(fileno(o->fp)) != 0) {
			e = errno;
			fclose(o->fp);
			o->fp = NULL;
			return etk_fail(err, ETK_EIO, e, "cannot write '%s'",
			    o->final);
		}
		e = fclose(o->fp) != 0 ? errno : 0;
		o->fp = NULL;
		if (e != 0)
			return etk_fail(err, ETK_EIO, e, "cannot write '%s'",
			    o->final);
		if ((rc = etk_publish_file(-1, o->tmp, o->final, err)) != 0)
			return rc;
		free(o->tmp);
		o->tmp = NULL;
		EVP_DigestFinal_ex(o->md, dg, &dl);
		etk_hex(dg, dl, sha);
		if (add_written(x, o->rel, sha) != 0)
			return etk_fail(err, ETK_ENOMEM, ENOMEM,
			    "out of memory");
		if (x->o.on_output != NULL)
			x->o.on_output(o->rel, sha, o->bytes, NULL, x->o.arg);
	}
	if (x->outdir == NULL)
		return 0;
	qsort(x->wr, x->nwr, sizeof(*x->wr), cmp_written);
	etk_buf_init(&sums);
	etk_buf_init(&p);
	for (i = 0; i < x->nwr; i++)
		etk_buf_printf(&sums, "%s  %s\n", x->wr[i].sha, x->wr[i].rel);
	etk_buf_printf(&p, "%s/SHA256SUMS", x->outdir);
	if (sums.oom || p.oom)
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	else if ((rc = etk_write_file_atomic(p.data, sums.data, sums.len, 0,
	    sha, err)) == 0 && x->o.on_output != NULL)
		x->o.on_output("SHA256SUMS", sha, sums.len, NULL, x->o.arg);
	etk_buf_release(&sums);
	etk_buf_release(&p);
	return rc;
}

void
ex_sink_abort(struct etk_extract *x)
{
	size_t i;

	for (i = 0; i < EX_OUT__COUNT; i++) {
		if (x->out[i].fp != NULL) {
			fclose(x->out[i].fp);
			x->out[i].fp = NULL;
		}
		if (x->out[i].tmp != NULL) {
			unlink(x->out[i].tmp);
			free(x->out[i].tmp);
			x->out[i].tmp = NULL;
		}
		free(x->out[i].final);
		x->out[i].final = NULL;
		EVP_MD_CTX_free(x->out[i].md);
		x->out[i].md = NULL;
	}
}
