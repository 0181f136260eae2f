/*
 * The case as the manifest sees it: case.json, the journal lines
 * 1..upto (chain verified first, and again line by line as they are
 * read, so a line changed after the check is caught too), the
 * acquisition records those lines name (used only when their SHA-256
 * matches the one the journal recorded), and the rows of the case
 * database made by those lines (opened read-only, rows of later actions
 * ignored).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "manifest/manifest_int.h"

#define CASE_JSON_MAX	(1u << 20)
#define RECORD_MAX	(64u << 20)	/* an acquisition record */
#define LINE_MAX_BYTES	(256u * 1024 * 1024)

static char *
xstrdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* Grow *arr (of *n elements of size sz) by one zeroed element. */
static void *
grow(void *arrp, size_t *n, size_t *cap, size_t sz)
{
	void **arr = arrp;
	void *p;
	size_t nc;

	if (*n == *cap) {
		nc = *cap != 0 ? *cap * 2 : 16;
		if ((p = realloc(*arr, nc * sz)) == NULL)
			return NULL;
		*arr = p;
		*cap = nc;
	}
	p = (char *)*arr + *n * sz;
	memset(p, 0, sz);
	(*n)++;
	return p;
}

static int
oom(struct etk_error *err)
{
	return etk_fail(err, ETK_ENOMEM, ENOMEM, "manifest: out of memory");
}

static int
read_small(const char *path, size_t max, char **data, size_t *len,
    struct etk_error *err)
{
	struct etk_buf b;
	char chunk[65536];
	size_t n;
	FILE *fp;

	*data = NULL;
	if ((fp = fopen(path, "rbe")) == NULL)
		return etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "%s: cannot open: %s", path, strerror(errno));
	etk_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (b.len + n > max) {
			fclose(fp);
			etk_buf_release(&b);
			return etk_fail(err, ETK_EFORMAT, 0, "%s: larger than "
			    "%zu bytes", path, max);
		}
		etk_buf_add(&b, chunk, n);
	}
	if (ferror(fp)) {
		fclose(fp);
		etk_buf_release(&b);
		return etk_fail(err, ETK_EIO, EIO, "%s: read error", path);
	}
	fclose(fp);
	if (b.oom) {
		etk_buf_release(&b);
		return oom(err);
	}
	*len = b.len;
	*data = etk_buf_detach(&b);
	if (*data == NULL && (*data = strdup("")) == NULL)
		return oom(err);
	return ETK_OK;
}

static void
sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		memset(md, 0, sizeof(md));
	etk_hex(md, 32, hex);
}

static char *
join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p;

	if ((p = malloc(a + b + 2)) == NULL)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

static int
load_case_json(struct mf_case *c, struct etk_error *err)
{
	struct etk_jval *v = NULL;
	char *path, *data;
	size_t len;
	int rc;

	if ((path = join(c->dir, "case.json")) == NULL)
		return oom(err);
	rc = read_small(path, CASE_JSON_MAX, &data, &len, err);
	free(path);
	if (rc != ETK_OK)
		return etk_wrap(err, "case.json");
	rc = etk_json_parse(data, len, &v, err);
	free(data);
	if (rc != ETK_OK)
		return etk_wrap(err, "case.json");
	c->case_id = xstrdup(mf_str(v, "case_id"));
	c->examiner = xstrdup(mf_str(v, "examiner"));
	c->agency = xstrdup(mf_str(v, "agency"));
	c->role = xstrdup(mf_str(v, "role"));
	c->key_id = xstrdup(mf_str(v, "key_id"));
	c->key_type = xstrdup(mf_str(v, "key_type"));
	c->created = xstrdup(mf_str(v, "created"));
	etk_jval_free(v);
	if (c->case_id == NULL)
		return etk_fail(err, ETK_EFORMAT, 0, "case.json: no case_id");
	return ETK_OK;
}

static int
load_journal(struct mf_case *c, uint64_t upto, struct etk_error *err)
{
	char prev[65], hex[65], *path, *line = NULL;
	uint64_t nlines = 0, bad = 0, limit;
	const char *p;
	size_t cap = 0, ecap = 0;
	struct mf_entry *e;
	int64_t seq;
	ssize_t n;
	FILE *fp;
	int rc;

	if ((path = join(c->dir, "journal.jsonl")) == NULL)
		return oom(err);
	/* A manifest is never made from a journal that does not verify. */
	if ((rc = etk_journal_verify(path, &nlines, &bad, err)) != ETK_OK) {
		free(path);
		return rc;
	}
	c->journal_lines = nlines;
	limit = upto != 0 ? upto : nlines;
	if (limit > nlines || limit == 0) {
		free(path);
		return etk_fail(err, ETK_EINVAL, 0, "journal.jsonl: has %"
		    PRIu64 " lines, cannot cover %" PRIu64, nlines, limit);
	}
	if ((fp = fopen(path, "rbe")) == NULL) {
		rc = etk_fail(err, ETK_EIO, errno, "journal.jsonl: %s",
		    strerror(errno));
		free(path);
		return rc;
	}
	free(path);
	memset(prev, '0', 64);
	prev[64] = '\0';
	rc = ETK_OK;
	while (c->ne < limit) {
		if ((n = getline(&line, &cap, fp)) <= 0 ||
		    line[n - 1] != '\n' || (size_t)n > LINE_MAX_BYTES) {
			rc = etk_fail(err, ETK_EMISMATCH, 0, "journal.jsonl: "
			    "line %zu: missing or changed since it was "
			    "verified", c->ne + 1);
			break;
		}
		sha256_hex(line, (size_t)n, hex);
		if ((e = grow(&c->e, &c->ne, &ecap, sizeof(*e))) == NULL) {
			rc = oom(err);
			break;
		}
		e->seq = c->ne;
		memcpy(e->hash, hex, 65);
		if (etk_json_parse(line, (size_t)n - 1, &e->v, err) != ETK_OK ||
		    !mf_int(e->v, "seq", &seq) || (uint64_t)seq != e->seq ||
		    (p = mf_str(e->v, "prev")) == NULL ||
		    strcmp(p, prev) != 0 ||
		    (e->type = mf_str(e->v, "type")) == NULL) {
			rc = etk_fail(err, ETK_EMISMATCH, 0, "journal.jsonl: "
			    "line %" PRIu64 " does not verify", e->seq);
			break;
		}
		memcpy(prev, hex, 65);
	}
	free(line);
	fclose(fp);
	if (rc != ETK_OK)
		return rc;
	memcpy(c->head, c->e[c->ne - 1].hash, 65);
	memcpy(c->genesis, c->e[0].hash, 65);
	return ETK_OK;
}

static int
collect_keys(struct mf_case *c, struct etk_error *err)
{
	const struct etk_jval *keys, *k;
	struct mf_key *mk;
	const char *id;
	size_t i, j, cap = 0;

	for (i = 0; i < c->ne; i++) {
		if ((keys = mf_arr(c->e[i].v, "keys")) == NULL)
			continue;
		for (j = 0; j < keys->n; j++) {
			k = keys->items[j];
			if ((id = mf_str(k, "id")) == NULL ||
			    mf_key(c, id) != NULL)
				continue;
			if ((mk = grow(&c->keys, &c->nkeys, &cap,
			    sizeof(*mk))) == NULL)
				return oom(err);
			mk->v = k;
			mk->id = id;
			mk->seq = c->e[i].seq;
		}
	}
	return ETK_OK;
}

/* An output path as recorded: absolute, or relative to the case. */
static char *
resolve(const struct mf_case *c, const char *p)
{
	return p[0] == '/' ? strdup(p) : join(c->dir, p);
}

static int
ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int
load_acquisitions(struct mf_case *c, struct etk_error *err)
{
	const struct etk_jval *outs, *o;
	struct etk_jval *rec;
	const char *p, *sha, *x;
	struct mf_acq *a;
	size_t i, k, len, cap = 0;
	char *full, *data, hex[65];
	struct etk_error e2;

	for (i = 0; i < c->ne; i++) {
		if (strcmp(c->e[i].type, "acquire") != 0)
			continue;
		if ((a = grow(&c->acq, &c->nacq, &cap, sizeof(*a))) == NULL)
			return oom(err);
		a->seq = c->e[i].seq;
		a->e = &c->e[i];
		a->record_status = "none";
		if ((x = mf_str(c->e[i].v, "exhibit")) != NULL &&
		    (a->exhibit = strdup(x)) == NULL)
			return oom(err);
		outs = mf_arr(c->e[i].v, "outputs");
		for (k = 0; outs != NULL && k < outs->n; k++) {
			o = outs->items[k];
			if ((p = mf_str(o, "path")) == NULL ||
			    !ends_with(p, ".json"))
				continue;
			sha = mf_str(o, "sha256");
			if ((full = resolve(c, p)) == NULL ||
			    (a->record_path = strdup(p)) == NULL) {
				free(full);
				return oom(err);
			}
			snprintf(a->record_sha256, sizeof(a->record_sha256),
			    "%s", mf_is_hex(sha, 64) ? sha : "");
			memset(&e2, 0, sizeof(e2));
			rec = NULL;
			if (read_small(full, RECORD_MAX, &data, &len, &e2) !=
			    ETK_OK) {
				a->record_status = e2.code == ETK_ENOTFOUND ?
				    "missing" : "unreadable";
			} else {
				sha256_hex(data, len, hex);
				/* etk-image records end in one '\n' that the
				 * journal's size counts; hash the bytes. */
				if (strcmp(hex, a->record_sha256) != 0)
					a->record_status = "mismatch";
				else if (etk_json_parse(data, len > 0 &&
				    data[len - 1] == '\n' ? len - 1 : len, &rec,
				    &e2) != ETK_OK ||
				    (x = mf_str(rec, "record")) == NULL ||
				    strcmp(x, "acquisition") != 0) {
					etk_jval_free(rec);
					rec = NULL;
					a->record_status = "unreadable";
				} else
					a->record_status = "verified";
				free(data);
			}
			free(full);
			a->record = rec;
			if (rec != NULL && a->exhibit == NULL &&
			    (x = mf_str(rec, "evidence_number")) != NULL &&
			    x[0] != '\0' && (a->exhibit = strdup(x)) == NULL)
				return oom(err);
			break;
		}
	}
	return ETK_OK;
}

/* ---- the case database ---- */

static int
db_fail(sqlite3 *db, struct etk_error *err, const char *what)
{
	return etk_fail(err, ETK_EIO, 0, "etk.db: %s: %s", what,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
}

static char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? strdup((const char *)s) : NULL;
}

static int
col_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL;
}

/* "file:" URI of an absolute path, read-only. */
static char *
db_uri(const char *dir)
{
	struct etk_buf b;
	char *abs = NULL, *p;
	const unsigned char *s;

	if (dir[0] != '/') {
		if ((abs = realpath(dir, NULL)) == NULL)
			return NULL;
		dir = abs;
	}
	etk_buf_init(&b);
	etk_buf_adds(&b, "file:");
	for (s = (const unsigned char *)dir; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("/-._~", *s) != NULL)
			etk_buf_addc(&b, (char)*s);
		else
			etk_buf_printf(&b, "%%%02X", *s);
	}
	etk_buf_adds(&b, "/etk.db?mode=ro");
	free(abs);
	if (b.oom) {
		etk_buf_release(&b);
		return NULL;
	}
	p = etk_buf_detach(&b);
	return p;
}

static int
cmp_file(const struct mf_file *a, int64_t evid, const char *loc)
{
	if (a->evidence_id != evid)
		return a->evidence_id < evid ? -1 : 1;
	return strcmp(a->locator, loc);
}

static struct mf_file *
find_file(const struct mf_case *c, int64_t evid, const char *loc)
{
	size_t lo = 0, hi = c->nfiles, mid;
	int r;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = cmp_file(&c->files[mid], evid, loc);
		if (r == 0)
			return &c->files[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
add_action(struct mf_file *f, uint64_t action)
{
	uint64_t *p;

	if (f->nactions > 0 && f->actions[f->nactions - 1] == action)
		return 0;
	if ((p = realloc(f->actions, (f->nactions + 1) * sizeof(*p))) == NULL)
		return -1;
	f->actions = p;
	f->actions[f->nactions++] = action;
	return 0;
}

static void
fill(char **dst, sqlite3_stmt *st, int i)
{
	if (*dst == NULL && !col_null(st, i))
		*dst = col(st, i);
}

int
mf_path_in_inputs(const struct mf_case *c, const char *path)
{
	const struct etk_jval *ins, *files;
	const char *p;
	size_t i, k, m;

	for (i = 0; i < c->ne; i++) {
		if ((ins = mf_arr(c->e[i].v, "inputs")) == NULL)
			continue;
		for (k = 0; k < ins->n; k++) {
			if ((p = mf_str(ins->items[k], "path")) != NULL &&
			    strcmp(p, path) == 0)
				return 1;
			files = mf_arr(ins->items[k], "files");
			for (m = 0; files != NULL && m < files->n; m++)
				if ((p = mf_str(files->items[m], "path")) !=
				    NULL && strcmp(p, path) == 0)
					return 1;
		}
	}
	return 0;
}

static int
load_db(struct mf_case *c, struct etk_error *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct mf_file *f = NULL;
	struct mf_hashrow *h;
	struct mf_carved *cv;
	struct mf_evidence *ev;
	const struct mf_entry *e;
	const struct mf_evidence *evp;
	const struct etk_jval *outs, *df;
	struct etk_jval *runs;
	size_t fcap = 0, hcap = 0, ccap = 0, ecap = 0, i, k, used;
	int64_t evid;
	char *uri, *loc, *s;
	int rc = ETK_OK, step;
	uint64_t action, limit = c->ne;

	if ((uri = db_uri(c->dir)) == NULL)
		return etk_fail(err, ETK_EIO, errno, "etk.db: cannot resolve "
		    "the case directory: %s", strerror(errno));
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
	    SQLITE_OPEN_EXRESCODE, NULL) != SQLITE_OK) {
		rc = db_fail(db, err, "cannot open read-only");
		sqlite3_close(db);
		free(uri);
		return rc;
	}
	free(uri);
	sqlite3_busy_timeout(db, 30000);
	c->have_db = 1;

	/* files, merged by (evidence, locator) in C byte order */
	if (sqlite3_prepare_v2(db, "SELECT evidence_id, action, locator, "
	    "volume, inode, path, name, size, allocated, deleted, type, mime, "
	    "mtime, atime, ctime, crtime, md5, sha1, sha256 FROM files "
	    "WHERE action <= ?1 ORDER BY evidence_id, locator, action", -1,
	    &st, NULL) != SQLITE_OK) {
		rc = db_fail(db, err, "files");
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		evid = sqlite3_column_int64(st, 0);
		action = (uint64_t)sqlite3_column_int64(st, 1);
		loc = (char *)sqlite3_column_text(st, 2);
		if (loc == NULL)
			continue;
		if (f == NULL || f->evidence_id != evid ||
		    strcmp(f->locator, loc) != 0) {
			if ((f = grow(&c->files, &c->nfiles, &fcap,
			    sizeof(*f))) == NULL) {
				rc = oom(err);
				goto out;
			}
			f->evidence_id = evid;
			f->action = action;
			f->locator = col(st, 2);
			if ((f->has_volume = !col_null(st, 3)))
				f->volume = sqlite3_column_int(st, 3);
			if ((f->has_inode = !col_null(st, 4)))
				f->inode = (uint64_t)sqlite3_column_int64(st, 4);
			f->path = col(st, 5);
			f->name = col(st, 6);
			f->size = (uint64_t)sqlite3_column_int64(st, 7);
			f->allocated = sqlite3_column_int(st, 8);
			f->deleted = sqlite3_column_int(st, 9);
			f->type = col(st, 10);
			f->mime = col(st, 11);
			f->mtime = col(st, 12);
			f->atime = col(st, 13);
			f->ctime = col(st, 14);
			f->crtime = col(st, 15);
			if (f->locator == NULL) {
				rc = oom(err);
				goto out;
			}
		}
		fill(&f->mime, st, 11);
		fill(&f->md5, st, 16);
		fill(&f->sha1, st, 17);
		fill(&f->sha256, st, 18);
		if (add_action(f, action) != 0) {
			rc = oom(err);
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(db, err, "files");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;

	/* evidence rows the prefix uses: named by a files row or by an
	 * input of an entry */
	if (sqlite3_prepare_v2(db, "SELECT id, name, path, kind, size, sha256 "
	    "FROM evidence ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(db, err, "evidence");
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		evid = sqlite3_column_int64(st, 0);
		s = (char *)sqlite3_column_text(st, 2);
		if (s == NULL || sqlite3_column_text(st, 1) == NULL)
			continue;
		for (used = 0, i = 0; i < c->nfiles && !used; i++)
			used = c->files[i].evidence_id == evid;
		if (!used && !mf_path_in_inputs(c, s))
			continue;
		if ((ev = grow(&c->ev, &c->nev, &ecap, sizeof(*ev))) ==
		    NULL) {
			rc = oom(err);
			goto out;
		}
		ev->id = evid;
		ev->name = col(st, 1);
		ev->path = col(st, 2);
		ev->kind = col(st, 3);
		if ((ev->has_size = !col_null(st, 4)))
			ev->size = (uint64_t)sqlite3_column_int64(st, 4);
		ev->sha256 = col(st, 5);
		if (ev->name == NULL || ev->path == NULL) {
			rc = oom(err);
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(db, err, "evidence");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;

	/* file-system types from each listing's summary */
	for (i = 0; i < c->nfiles; i++) {
		f = &c->files[i];
		evp = mf_evidence_by_id(c, f->evidence_id);
		s = (char *)mf_fs_type(mf_entry(c, f->action), evp != NULL ?
		    evp->name : NULL, f->has_volume ? f->volume : -1);
		if (s != NULL && (f->fs_type = strdup(s)) == NULL) {
			rc = oom(err);
			goto out;
		}
	}

	/* hashes: digests of listed files, or rows of their own */
	if (sqlite3_prepare_v2(db, "SELECT action, locator, size, md5, sha1, "
	    "sha256, known, alert FROM hashes WHERE action <= ?1 "
	    "ORDER BY action, locator", -1, &st, NULL) != SQLITE_OK) {
		rc = db_fail(db, err, "hashes");
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		action = (uint64_t)sqlite3_column_int64(st, 0);
		loc = (char *)sqlite3_column_text(st, 1);
		if (loc == NULL)
			continue;
		evp = mf_locator_evidence(c, mf_entry(c, action), loc);
		if (evp != NULL && (f = find_file(c, evp->id, loc)) != NULL) {
			fill(&f->md5, st, 3);
			fill(&f->sha1, st, 4);
			fill(&f->sha256, st, 5);
			if (add_action(f, action) != 0) {
				rc = oom(err);
				goto out;
			}
			continue;
		}
		if ((h = grow(&c->hashes, &c->nhashes, &hcap, sizeof(*h))) ==
		    NULL) {
			rc = oom(err);
			goto out;
		}
		h->action = action;
		h->locator = col(st, 1);
		if ((h->has_size = !col_null(st, 2)))
			h->size = (uint64_t)sqlite3_column_int64(st, 2);
		h->md5 = col(st, 3);
		h->sha1 = col(st, 4);
		h->sha256 = col(st, 5);
		h->known = col(st, 6);
		h->alert = col(st, 7);
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(db, err, "hashes");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;

	/* carved files with their stored byte runs */
	if (sqlite3_prepare_v2(db, "SELECT action, locator, offset, length, "
	    "byte_runs, type, ext, validated, complete, sha256, path "
	    "FROM carved WHERE action <= ?1 ORDER BY action, locator", -1,
	    &st, NULL) != SQLITE_OK) {
		rc = db_fail(db, err, "carved");
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_text(st, 1) == NULL)
			continue;
		if ((cv = grow(&c->carved, &c->ncarved, &ccap,
		    sizeof(*cv))) == NULL) {
			rc = oom(err);
			goto out;
		}
		cv->action = (uint64_t)sqlite3_column_int64(st, 0);
		cv->locator = col(st, 1);
		cv->offset = (uint64_t)sqlite3_column_int64(st, 2);
		cv->length = (uint64_t)sqlite3_column_int64(st, 3);
		cv->type = col(st, 5);
		cv->ext = col(st, 6);
		cv->validated = sqlite3_column_int(st, 7);
		cv->complete = sqlite3_column_int(st, 8);
		cv->sha256 = col(st, 9);
		cv->path = col(st, 10);
		cv->out_index = -1;
		if (cv->locator == NULL) {
			rc = oom(err);
			goto out;
		}
		e = mf_entry(c, cv->action);
		evp = mf_locator_evidence(c, e, cv->locator);
		cv->evidence_id = evp != NULL ? evp->id : -1;
		s = (char *)sqlite3_column_text(st, 4);
		runs = NULL;
		if (s != NULL && etk_json_parse(s, strlen(s), &runs, NULL) ==
		    ETK_OK && runs->type == ETK_JARR) {
			/* the stored list, as {"byte_runs":[...]} would be */
			struct etk_jval wrap;
			char *key = "byte_runs";

			memset(&wrap, 0, sizeof(wrap));
			wrap.type = ETK_JOBJ;
			wrap.n = 1;
			wrap.keys = &key;
			wrap.items = &runs;
			if (mf_json_runs(&wrap, &cv->runs, &cv->nruns) != 0) {
				etk_jval_free(runs);
				rc = oom(err);
				goto out;
			}
		}
		etk_jval_free(runs);
		outs = e != NULL ? mf_arr(e->v, "outputs") : NULL;
		for (k = 0; outs != NULL && k < outs->n; k++) {
			df = mf_obj(outs->items[k], "derived_from");
			if ((s = (char *)mf_str(df, "locator")) != NULL &&
			    strcmp(s, cv->locator) == 0) {
				cv->out_index = (int)k;
				break;
			}
		}
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(db, err, "carved");
		goto out;
	}
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* ---- exhibits ---- */

static int
add_exhibit(struct mf_case *c, size_t *cap, const char *name, unsigned from,
    const char *item)
{
	struct mf_exhibit *x;
	size_t i;

	if (name == NULL || name[0] == '\0')
		return 0;
	for (i = 0; i < c->nex; i++) {
		if (strcmp(c->ex[i].name, name) == 0) {
			c->ex[i].from |= from;
			if (c->ex[i].item == NULL && item != NULL &&
			    (c->ex[i].item = strdup(item)) == NULL)
				return -1;
			return 0;
		}
	}
	if ((x = grow(&c->ex, &c->nex, cap, sizeof(*x))) == NULL ||
	    (x->name = strdup(name)) == NULL)
		return -1;
	x->from = from;
	if (item != NULL && (x->item = strdup(item)) == NULL)
		return -1;
	return 0;
}

static int
cmp_exhibit(const void *a, const void *b)
{
	return strcmp(((const struct mf_exhibit *)a)->name,
	    ((const struct mf_exhibit *)b)->name);
}

static int
collect_exhibits(struct mf_case *c, struct etk_error *err)
{
	const struct etk_jval *arr;
	const struct mf_acq *a;
	const char *x;
	size_t cap = 0, i, k, m;
	static const char *const lists[] = { "inputs", "outputs" };

	for (i = 0; i < c->nev; i++)
		if (add_exhibit(c, &cap, c->ev[i].name, MF_X_EVIDENCE,
		    NULL) != 0)
			return oom(err);
	for (i = 0; i < c->ne; i++) {
		if ((x = mf_str(c->e[i].v, "exhibit")) != NULL &&
		    add_exhibit(c, &cap, x, MF_X_CUSTODY,
		    mf_str(c->e[i].v, "item")) != 0)
			return oom(err);
		for (m = 0; m < 2; m++) {
			arr = mf_arr(c->e[i].v, lists[m]);
			for (k = 0; arr != NULL && k < arr->n; k++)
				if ((x = mf_str(arr->items[k], "exhibit")) !=
				    NULL && add_exhibit(c, &cap, x,
				    MF_X_CUSTODY, NULL) != 0)
					return oom(err);
		}
	}
	for (i = 0; i < c->nacq; i++) {
		a = &c->acq[i];
		if (a->exhibit != NULL && add_exhibit(c, &cap, a->exhibit,
		    MF_X_ACQUIRED, a->record != NULL ? mf_str(a->record,
		    "description") : NULL) != 0)
			return oom(err);
	}
	if (c->nex > 1)
		qsort(c->ex, c->nex, sizeof(*c->ex), cmp_exhibit);
	return ETK_OK;
}

/* An evidence row written by an acquisition is an image of its exhibit. */
static int
link_evidence(struct mf_case *c, struct etk_error *err)
{
	const struct etk_jval *outs;
	const char *p;
	size_t i, k, n;

	for (i = 0; i < c->nacq; i++) {
		if (c->acq[i].exhibit == NULL)
			continue;
		outs = mf_arr(c->acq[i].e->v, "outputs");
		for (k = 0; outs != NULL && k < outs->n; k++) {
			if ((p = mf_str(outs->items[k], "path")) == NULL)
				continue;
			for (n = 0; n < c->nev; n++) {
				if (c->ev[n].exhibit != NULL ||
				    strcmp(c->ev[n].path, p) != 0)
					continue;
				if ((c->ev[n].exhibit =
				    strdup(c->acq[i].exhibit)) == NULL)
					return oom(err);
			}
		}
	}
	return ETK_OK;
}

int
mf_load(struct mf_case *c, const char *dir, uint64_t upto, int want_db,
    struct etk_error *err)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->dir = dir;
	if ((rc = load_journal(c, upto, err)) != ETK_OK ||
	    (rc = load_case_json(c, err)) != ETK_OK ||
	    (rc = collect_keys(c, err)) != ETK_OK ||
	    (rc = load_acquisitions(c, err)) != ETK_OK)
		return rc;
	if (want_db && (rc = load_db(c, err)) != ETK_OK)
		return rc;
	if ((rc = link_evidence(c, err)) != ETK_OK ||
	    (rc = collect_exhibits(c, err)) != ETK_OK)
		return rc;
	return ETK_OK;
}

static void
free_acq(struct mf_acq *a)
{
	free(a->record_path);
	etk_jval_free(a->record);
	free(a->exhibit);
}

static void
free_ev(struct mf_evidence *ev)
{
	free(ev->name);
	free(ev->path);
	free(ev->kind);
	free(ev->sha256);
	free(ev->exhibit);
}

static void
free_file(struct mf_file *f)
{
	free(f->locator);
	free(f->path);
	free(f->name);
	free(f->type);
	free(f->mime);
	free(f->mtime);
	free(f->atime);
	free(f->ctime);
	free(f->crtime);
	free(f->md5);
	free(f->sha1);
	free(f->sha256);
	free(f->fs_type);
	free(f->actions);
}

static void
free_hash(struct mf_hashrow *h)
{
	free(h->locator);
	free(h->md5);
	free(h->sha1);
	free(h->sha256);
	free(h->known);
	free(h->alert);
}

static void
free_carved(struct mf_carved *cv)
{
	free(cv->locator);
	free(cv->type);
	free(cv->ext);
	free(cv->sha256);
	free(cv->path);
	free(cv->runs);
}

static void
free_ex(struct mf_exhibit *x)
{
	free(x->name);
	free(x->item);
}

void
mf_free(struct mf_case *c)
{
	size_t i;

	free(c->case_id);
	free(c->examiner);
	free(c->agency);
	free(c->role);
	free(c->key_id);
	free(c->key_type);
	free(c->created);
	for (i = 0; i < c->ne; i++)
		etk_jval_free(c->e[i].v);
	free(c->e);
	free(c->about);
	free(c->keys);
	for (i = 0; i < c->nacq; i++)
		free_acq(&c->acq[i]);
	free(c->acq);
	for (i = 0; i < c->nev; i++)
		free_ev(&c->ev[i]);
	free(c->ev);
	for (i = 0; i < c->nfiles; i++)
		free_file(&c->files[i]);
	free(c->files);
	for (i = 0; i < c->nhashes; i++)
		free_hash(&c->hashes[i]);
	free(c->hashes);
	for (i = 0; i < c->ncarved; i++)
		free_carved(&c->carved[i]);
	free(c->carved);
	for (i = 0; i < c->nex; i++)
		free_ex(&c->ex[i]);
	free(c->ex);
	memset(c, 0, sizeof(*c));
}

/* ---- one exhibit only ---- */

/* Is name the exhibit x or a part of it ("x/...")? */
static int
of_exhibit(const char *name, const char *x)
{
	size_t n = strlen(x);

	return name != NULL && strncmp(name, x, n) == 0 &&
	    (name[n] == '\0' || name[n] == '/');
}

static int
ev_kept(const struct mf_case *c, int64_t id)
{
	return mf_evidence_by_id(c, id) != NULL;
}

/* Keep in place the elements for which keep[i]; free the others. */
#define PRUNE(arr, n, keep, freefn) do {				\
	size_t i_, k_ = 0;						\
	for (i_ = 0; i_ < (n); i_++) {					\
		if ((keep)[i_])						\
			(arr)[k_++] = (arr)[i_];			\
		else							\
			freefn(&(arr)[i_]);				\
	}								\
	(n) = k_;							\
} while (0)

static int
entry_about(const struct mf_case *c, const struct mf_entry *e,
    const char *x)
{
	static const char *const lists[] = { "inputs", "outputs" };
	const struct etk_jval *arr, *files;
	const char *p;
	size_t k, m, f;

	if (strcmp(e->type, "genesis") == 0 || strcmp(e->type, "seal") == 0)
		return 1;
	if (of_exhibit(mf_str(e->v, "exhibit"), x))
		return 1;
	for (m = 0; m < 2; m++) {
		arr = mf_arr(e->v, lists[m]);
		for (k = 0; arr != NULL && k < arr->n; k++) {
			if (of_exhibit(mf_str(arr->items[k], "exhibit"), x) ||
			    mf_evidence_by_path(c, mf_str(arr->items[k],
			    "path")) != NULL)
				return 1;
			files = mf_arr(arr->items[k], "files");
			for (f = 0; files != NULL && f < files->n; f++)
				if ((p = mf_str(files->items[f], "path")) !=
				    NULL && mf_evidence_by_path(c, p) != NULL)
					return 1;
		}
	}
	for (k = 0; k < c->nacq; k++)
		if (c->acq[k].seq == e->seq)
			return 1;
	return 0;
}

int
mf_only(struct mf_case *c, const char *x, struct etk_error *err)
{
	const struct mf_evidence *ev;
	unsigned char *keep;
	size_t i, n, k;
	int found = 0;

	for (i = 0; i < c->nex && !found; i++)
		found = strcmp(c->ex[i].name, x) == 0;
	for (i = 0; i < c->nev && !found; i++)
		found = strcmp(c->ev[i].path, x) == 0;
	if (!found)
		return etk_fail(err, ETK_ENOTFOUND, 0, "manifest: no exhibit "
		    "'%s' in the case", x);
	n = c->nev + c->nfiles + c->nhashes + c->ncarved + c->nacq + c->nex +
	    c->ne + 1;
	if ((keep = calloc(n, 1)) == NULL)
		return oom(err);
	/* hash rows are tied to evidence by locator: decide while every
	 * evidence row is still there */
	for (i = 0; i < c->nhashes; i++) {
		ev = mf_locator_evidence(c, mf_entry(c, c->hashes[i].action),
		    c->hashes[i].locator);
		keep[i] = ev != NULL && (of_exhibit(ev->name, x) ||
		    of_exhibit(ev->exhibit, x) || strcmp(ev->path, x) == 0);
	}
	PRUNE(c->hashes, c->nhashes, keep, free_hash);
	for (i = 0; i < c->nev; i++)
		keep[i] = of_exhibit(c->ev[i].name, x) ||
		    of_exhibit(c->ev[i].exhibit, x) ||
		    strcmp(c->ev[i].path, x) == 0;
	PRUNE(c->ev, c->nev, keep, free_ev);
	for (i = 0; i < c->nfiles; i++)
		keep[i] = ev_kept(c, c->files[i].evidence_id);
	PRUNE(c->files, c->nfiles, keep, free_file);
	for (i = 0; i < c->ncarved; i++)
		keep[i] = ev_kept(c, c->carved[i].evidence_id);
	PRUNE(c->carved, c->ncarved, keep, free_carved);
	for (i = 0; i < c->nacq; i++)
		keep[i] = of_exhibit(c->acq[i].exhibit, x);
	PRUNE(c->acq, c->nacq, keep, free_acq);
	for (i = 0; i < c->nex; i++) {
		keep[i] = of_exhibit(c->ex[i].name, x);
		for (k = 0; k < c->nev && !keep[i]; k++)
			keep[i] = strcmp(c->ev[k].name, c->ex[i].name) == 0;
	}
	PRUNE(c->ex, c->nex, keep, free_ex);
	free(keep);
	if ((c->about = calloc(c->ne + 1, 1)) == NULL)
		return oom(err);
	/* the actions that made rows of the exhibit's evidence */
	for (i = 0; i < c->nfiles; i++)
		for (k = 0; k < c->files[i].nactions; k++)
			if (c->files[i].actions[k] >= 1 &&
			    c->files[i].actions[k] <= c->ne)
				c->about[c->files[i].actions[k] - 1] = 1;
	for (i = 0; i < c->ncarved; i++)
		if (c->carved[i].action >= 1 && c->carved[i].action <= c->ne)
			c->about[c->carved[i].action - 1] = 1;
	for (i = 0; i < c->ne; i++)
		if (!c->about[i])
			c->about[i] = (unsigned char)entry_about(c, &c->e[i],
			    x);
	c->only = x;
	return ETK_OK;
}

int
mf_about(const struct mf_case *c, const struct mf_entry *e)
{
	return c->about == NULL || c->about[e->seq - 1];
}

const struct mf_entry *
mf_entry(const struct mf_case *c, uint64_t seq)
{
	if (seq == 0 || seq > c->ne)
		return NULL;
	return &c->e[seq - 1];
}

const struct mf_evidence *
mf_evidence_by_id(const struct mf_case *c, int64_t id)
{
	size_t i;

	for (i = 0; i < c->nev; i++)
		if (c->ev[i].id == id)
			return &c->ev[i];
	return NULL;
}

const struct mf_evidence *
mf_evidence_by_path(const struct mf_case *c, const char *path)
{
	size_t i;

	for (i = 0; path != NULL && i < c->nev; i++)
		if (strcmp(c->ev[i].path, path) == 0)
			return &c->ev[i];
	return NULL;
}

const struct mf_key *
mf_key(const struct mf_case *c, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < c->nkeys; i++)
		if (strcmp(c->keys[i].id, id) == 0)
			return &c->keys[i];
	return NULL;
}

static int
entry_has_input(const struct mf_entry *e, const char *path)
{
	const struct etk_jval *ins;
	const char *p;
	size_t k;

	ins = e != NULL ? mf_arr(e->v, "inputs") : NULL;
	for (k = 0; ins != NULL && k < ins->n; k++)
		if ((p = mf_str(ins->items[k], "path")) != NULL &&
		    strcmp(p, path) == 0)
			return 1;
	return 0;
}

const struct mf_evidence *
mf_locator_evidence(const struct mf_case *c, const struct mf_entry *e,
    const char *locator)
{
	const struct mf_evidence *best = NULL;
	size_t i, n, bestlen = 0;
	int bestin = 0, in;

	if (locator == NULL)
		return NULL;
	for (i = 0; i < c->nev; i++) {
		n = strlen(c->ev[i].name);
		if (strncmp(locator, c->ev[i].name, n) != 0 ||
		    (locator[n] != ':' && locator[n] != '\0'))
			continue;
		in = entry_has_input(e, c->ev[i].path);
		if (best == NULL || n > bestlen || (n == bestlen && in &&
		    !bestin)) {
			best = &c->ev[i];
			bestlen = n;
			bestin = in;
		}
	}
	return best;
}

int
mf_json_runs(const struct etk_jval *df, struct mf_run **runs, size_t *n)
{
	const struct etk_jval *arr, *r;
	int64_t off, len;
	size_t i;

	*runs = NULL;
	*n = 0;
	if ((arr = mf_arr(df, "byte_runs")) == NULL || arr->n == 0)
		return 0;
	if ((*runs = calloc(arr->n, sizeof(**runs))) == NULL)
		return -1;
	for (i = 0; i < arr->n; i++) {
		r = arr->items[i];
		if ((!mf_int(r, "img_offset", &off) &&
		    !mf_int(r, "offset", &off)) || !mf_int(r, "len", &len) ||
		    off < 0 || len < 0)
			continue;
		(*runs)[*n].off = (uint64_t)off;
		(*runs)[*n].len = (uint64_t)len;
		(*n)++;
	}
	return 0;
}
