/*
 * The case as the report reads it: the journal through lib/manifest's
 * model (chain verified, lines 1..upto), the database rows those lines
 * made (opened read-only; a record found by several runs kept once, as
 * the latest of them has it), the pictures the journal says were
 * exported, and the exhibits (first locator component) they belong to.
 *
 * Rows: a record found by several runs (same locator for files, hashes,
 * carved items and pictures; same source for messages, calls and
 * contacts; same entity id, or the same link, within one exhibit: POLE
 * ids are numbered per run) is kept once, as the latest action within
 * upto recorded it.  The exhibit of a row is the first component of its
 * locator (before ':'); for POLE entities and links, of the first
 * locator in their "prov" list.  So the messages count of exhibit X is
 * `SELECT count(DISTINCT source) FROM messages WHERE action <= UPTO AND
 * substr(source, 1, length('X') + 1) = 'X:'`, and so on ("deleted":
 * files whose latest row has deleted = 1; "alerts": hashes whose latest
 * row has an alert).  Evidence rows are kept when a covered journal line
 * names their path among its inputs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include <etk/etk.h>
#include <etk/json.h>

#include "report/report_int.h"

int
rp_oom(struct etk_error *err)
{
	return etk_fail(err, ETK_ENOMEM, ENOMEM, "report: out of memory");
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
rp_join(const char *dir, const char *name)
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


static void
rows_free(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->n * r->ncol; i++)
		free(r->v[i]);
	for (i = 0; i < r->n; i++)
		free(r->ex[i]);
	free(r->v);
	free(r->ex);
	memset(r, 0, sizeof(*r));
}

/* The exhibit of a locator: its part before the first ':'. */
static char *
exhibit_of(const char *loc)
{
	const char *c;

	if (loc == NULL)
		return strdup("");
	c = strchr(loc, ':');
	return strndup(loc, c != NULL ? (size_t)(c - loc) : strlen(loc));
}

/* The exhibit of a POLE record: of the first locator in "prov". */
static char *
exhibit_of_record(const char *json)
{
	struct etk_jval *v = NULL;
	struct etk_error e2;
	const struct etk_jval *p;
	char *x = NULL;

	memset(&e2, 0, sizeof(e2));
	if (json != NULL &&
	    etk_json_parse(json, strlen(json), &v, &e2) == ETK_OK &&
	    (p = etk_jval_get(v, "prov")) != NULL && p->type == ETK_JARR &&
	    p->n > 0 && p->items[0]->type == ETK_JSTR)
		x = exhibit_of(p->items[0]->str);
	etk_jval_free(v);
	return x != NULL ? x : strdup("");
}

/* Run sql (?1 = upto) and keep every column as text; excol is the
 * column whose locator gives the exhibit (-1: a POLE record in column
 * -excol - 2). */
static int
query(sqlite3 *db, const char *sql, uint64_t upto, int excol, struct rows *r,
    struct etk_error *err)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	size_t c, nc;
	void *p;
	int rc;

	memset(r, 0, sizeof(*r));
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return etk_fail(err, ETK_EIO, 0, "etk.db: %s",
		    sqlite3_errmsg(db));
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, (sqlite3_int64)upto);
	r->ncol = (size_t)sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (r->n == r->cap) {
			nc = r->cap != 0 ? r->cap * 2 : 64;
			if ((p = realloc(r->v, nc * r->ncol *
			    sizeof(char *))) == NULL)
				goto nomem;
			r->v = p;
			if ((p = realloc(r->ex, nc * sizeof(char *))) == NULL)
				goto nomem;
			r->ex = p;
			r->cap = nc;
		}
		for (c = 0; c < r->ncol; c++) {
			t = sqlite3_column_text(st, (int)c);
			r->v[r->n * r->ncol + c] = NULL;
			if (t != NULL && (r->v[r->n * r->ncol + c] =
			    strdup((const char *)t)) == NULL) {
				while (c-- > 0)
					free(r->v[r->n * r->ncol + c]);
				goto nomem;
			}
		}
		r->ex[r->n] = excol >= 0 ?
		    exhibit_of(r->v[r->n * r->ncol + (size_t)excol]) :
		    exhibit_of_record(r->v[r->n * r->ncol +
		    (size_t)(-excol - 2)]);
		if (r->ex[r->n] == NULL) {
			for (c = 0; c < r->ncol; c++)
				free(r->v[r->n * r->ncol + c]);
			goto nomem;
		}
		r->n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return etk_fail(err, ETK_EIO, 0, "etk.db: %s",
		    sqlite3_errmsg(db));
	return ETK_OK;
nomem:
	sqlite3_finalize(st);
	return rp_oom(err);
}

/* The exhibit of a POLE row in SQL: its first "prov" locator up to ':'
 * (the whole locator when it has none), as exhibit_of_record does. */
#define POLE_PROV "(CASE WHEN json_valid(record) THEN " \
	"json_extract(record, '$.prov[0]') END)"
#define POLE_EX "coalesce(CASE WHEN instr(" POLE_PROV ", ':') > 0 THEN " \
	"substr(" POLE_PROV ", 1, instr(" POLE_PROV ", ':') - 1) ELSE " \
	POLE_PROV " END, '')"

static const struct {
	const char *sql;
	int excol;
} queries[T_N] = {
	[T_FILES] = { "SELECT max(action), locator, path, name, size, "
	    "deleted, allocated, type, mime, mtime, sha256 FROM files "
	    "WHERE action <= ?1 GROUP BY locator ORDER BY locator", F_LOC },
	[T_HASHES] = { "SELECT max(action), locator, size, md5, sha1, "
	    "sha256, known, alert, ext_mismatch FROM hashes WHERE action <= "
	    "?1 GROUP BY locator ORDER BY locator", H_LOC },
	[T_CARVED] = { "SELECT max(action), locator, offset, length, type, "
	    "ext, validated, complete, sha256, path FROM carved WHERE "
	    "action <= ?1 GROUP BY locator ORDER BY offset, locator", C_LOC },
	[T_MSG] = { "SELECT max(action), app, thread, direction, sender, "
	    "recipients, time, body, attachments, read, deleted, source FROM "
	    "messages WHERE action <= ?1 GROUP BY source ORDER BY "
	    "coalesce(app, ''), coalesce(thread, ''), coalesce(time, ''), "
	    "source", M_SRC },
	[T_CALLS] = { "SELECT max(action), app, direction, number, name, "
	    "time, duration_s, source FROM calls WHERE action <= ?1 GROUP BY "
	    "source ORDER BY coalesce(time, ''), source", K_SRC },
	[T_CONTACTS] = { "SELECT max(action), app, name, numbers, emails, "
	    "source FROM contacts WHERE action <= ?1 GROUP BY source ORDER BY "
	    "coalesce(name, ''), source", P_SRC },
	[T_IMAGES] = { "SELECT max(action), locator, path, sha256, mime, "
	    "width, height, taken, make, model, lat, lon, source FROM images "
	    "WHERE action <= ?1 GROUP BY locator ORDER BY locator", I_LOC },
	[T_VOLUMES] = { "SELECT max(v.action), e.name, v.slot, v.flags, "
	    "v.start, v.len, v.descr, v.fs_type, v.block_size, v.block_count "
	    "FROM volumes v JOIN evidence e ON e.id = v.evidence_id WHERE "
	    "v.action <= ?1 GROUP BY v.evidence_id, v.slot, v.start "
	    "ORDER BY e.name, v.start, v.slot", V_EV },
	/* Entity ids are unique within one run only: the same id from
	 * runs over different exhibits is two entities. */
	[T_ENT] = { "SELECT max(action), entity, record FROM pole_entities "
	    "WHERE action <= ?1 GROUP BY " POLE_EX ", entity ORDER BY "
	    POLE_EX ", entity", -4 },
	[T_LINKS] = { "SELECT max(action), from_entity, rel, to_entity, "
	    "coalesce(role, ''), record FROM pole_links WHERE action <= ?1 "
	    "GROUP BY " POLE_EX ", from_entity, rel, to_entity, "
	    "coalesce(role, '') ORDER BY " POLE_EX ", from_entity, rel, "
	    "to_entity, coalesce(role, '')", -7 },
};

/* Exported pictures: outputs[] of the journal lines with a derived_from
 * locator.  For one locator, the latest line's output is kept. */
static int
load_pictures(struct rp *r, struct etk_error *err)
{
	const struct etk_jval *outs, *o, *df;
	const char *loc, *path, *sha;
	struct picture *p;
	size_t i, k, cap = 0, w;

	for (i = r->c.ne; i-- > 0;) {
		outs = mf_arr(r->c.e[i].v, "outputs");
		for (k = 0; outs != NULL && k < outs->n; k++) {
			o = outs->items[k];
			if ((df = mf_obj(o, "derived_from")) == NULL ||
			    (loc = mf_str(df, "locator")) == NULL ||
			    (path = mf_str(o, "path")) == NULL ||
			    (sha = mf_str(o, "sha256")) == NULL ||
			    !mf_is_hex(sha, 64))
				continue;
			if (r->npic == cap) {
				cap = cap != 0 ? cap * 2 : 64;
				if ((p = realloc(r->pic, cap *
				    sizeof(*p))) == NULL)
					return rp_oom(err);
				r->pic = p;
			}
			p = &r->pic[r->npic];
			p->locator = strdup(loc);
			p->path = strdup(path);
			p->sha256 = strdup(sha);
			r->npic++;
			if (p->locator == NULL || p->path == NULL ||
			    p->sha256 == NULL)
				return rp_oom(err);
		}
	}
	/* Stable by locator with the latest line first: sort on
	 * (locator, original index) by tagging order in path order is not
	 * enough, so drop later duplicates after a stable pass. */
	for (i = 1; i < r->npic; i++) {
		struct picture t = r->pic[i];

		for (k = i; k > 0 &&
		    strcmp(r->pic[k - 1].locator, t.locator) > 0; k--)
			r->pic[k] = r->pic[k - 1];
		r->pic[k] = t;
	}
	for (i = 0, w = 0; i < r->npic; i++) {
		if (w > 0 && strcmp(r->pic[w - 1].locator,
		    r->pic[i].locator) == 0) {
			free(r->pic[i].locator);
			free(r->pic[i].path);
			free(r->pic[i].sha256);
			continue;
		}
		r->pic[w++] = r->pic[i];
	}
	r->npic = w;
	return ETK_OK;
}

const struct picture *
rp_picture(const struct rp *r, const char *loc)
{
	struct picture key;

	key.locator = (char *)(uintptr_t)loc;
	key.path = (char *)(uintptr_t)"";
	size_t lo = 0, hi = r->npic, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(r->pic[mid].locator, key.locator);
		if (c == 0)
			return &r->pic[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
add_exhibit(struct rp *r, size_t *cap, const char *x)
{
	void *p;

	if (x == NULL || x[0] == '\0')
		return ETK_OK;
	if (r->nex == *cap) {
		*cap = *cap != 0 ? *cap * 2 : 8;
		if ((p = realloc(r->ex, *cap * sizeof(char *))) == NULL)
			return ETK_ENOMEM;
		r->ex = p;
	}
	if ((r->ex[r->nex] = strdup(x)) == NULL)
		return ETK_ENOMEM;
	r->nex++;
	return ETK_OK;
}

static int
collect_exhibits(struct rp *r, struct etk_error *err)
{
	size_t i, k, w, cap = 0;

	for (i = 0; i < r->ev.n; i++)
		if (add_exhibit(r, &cap, rp_cell(&r->ev, i, E_NAME)) != ETK_OK)
			return rp_oom(err);
	for (k = 0; k < T_N; k++)
		for (i = 0; i < r->t[k].n; i++)
			if ((i == 0 || strcmp(r->t[k].ex[i],
			    r->t[k].ex[i - 1]) != 0) &&
			    add_exhibit(r, &cap, r->t[k].ex[i]) != ETK_OK)
				return rp_oom(err);
	if (r->nex > 0)
		qsort(r->ex, r->nex, sizeof(char *), cmp_str);
	for (i = 0, w = 0; i < r->nex; i++) {
		if (w > 0 && strcmp(r->ex[w - 1], r->ex[i]) == 0) {
			free(r->ex[i]);
			continue;
		}
		r->ex[w++] = r->ex[i];
	}
	r->nex = w;
	return ETK_OK;
}

/* "file:" URI of the case database, read-only. */
static char *
db_uri(const char *dir)
{
	struct etk_buf b;
	char *abs = NULL;
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
	return etk_buf_detach(&b);
}

static int
load_db(struct rp *r, uint64_t upto, struct etk_error *err)
{
	sqlite3 *db = NULL;
	struct rows ev;
	char *uri, *dbpath;
	struct stat sb;
	size_t i, k, w;
	int rc = ETK_OK;

	if ((dbpath = rp_join(r->dir, "etk.db")) == NULL)
		return rp_oom(err);
	if (stat(dbpath, &sb) != 0) {
		free(dbpath);
		return etk_fail(err, ETK_ENOTFOUND, errno, "%s/etk.db: %s",
		    r->dir, strerror(errno));
	}
	free(dbpath);
	if ((uri = db_uri(r->dir)) == NULL)
		return rp_oom(err);
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
	    NULL) != SQLITE_OK) {
		rc = etk_fail(err, ETK_EIO, 0, "etk.db: %s",
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	for (k = 0; k < T_N && rc == ETK_OK; k++)
		rc = query(db, queries[k].sql, upto, queries[k].excol,
		    &r->t[k], err);
	if (rc == ETK_OK)
		rc = query(db, "SELECT name, path, kind, size, sha256 FROM "
		    "evidence ORDER BY name, path", upto, E_NAME, &ev, err);
	if (rc == ETK_OK) {
		/* Only the evidence the covered journal lines used. */
		r->ev = ev;
		for (i = 0, w = 0; i < ev.n; i++) {
			if (mf_path_in_inputs(&r->c, rp_cells(&ev, i, E_PATH))) {
				if (w != i) {
					memcpy(&r->ev.v[w * ev.ncol],
					    &ev.v[i * ev.ncol],
					    ev.ncol * sizeof(char *));
					r->ev.ex[w] = ev.ex[i];
				}
				w++;
				continue;
			}
			for (k = 0; k < ev.ncol; k++)
				free(ev.v[i * ev.ncol + k]);
			free(ev.ex[i]);
		}
		r->ev.n = w;
	}
out:
	sqlite3_close(db);
	free(uri);
	return rc;
}


int
rp_load(struct rp *r, const char *dir, uint64_t upto, struct etk_error *err)
{
	int rc;

	r->dir = dir;
	if ((rc = mf_load(&r->c, dir, upto, 0, err)) != ETK_OK)
		return etk_wrap(err, "report");
	if ((rc = load_db(r, r->c.ne, err)) != ETK_OK ||
	    (rc = load_pictures(r, err)) != ETK_OK ||
	    (rc = collect_exhibits(r, err)) != ETK_OK)
		return rc;
	return ETK_OK;
}

void
rp_free(struct rp *r)
{
	size_t i;

	for (i = 0; i < T_N; i++)
		rows_free(&r->t[i]);
	rows_free(&r->ev);
	for (i = 0; i < r->nex; i++)
		free(r->ex[i]);
	free(r->ex);
	for (i = 0; i < r->npic; i++) {
		free(r->pic[i].locator);
		free(r->pic[i].path);
		free(r->pic[i].sha256);
	}
	free(r->pic);
	mf_free(&r->c);
	memset(r, 0, sizeof(*r));
}
