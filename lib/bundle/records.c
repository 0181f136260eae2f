/*
 * The records of a bundle: read from the case database (read-only; rows
 * of actions <= N only, and of two actions that produced the same
 * record the later one), selected, redacted and rendered per exhibit as
 * reports/<kind>.jsonl and .csv and one printable index.html; the POLE
 * excerpt; and the exported and carved files the selected records name,
 * copied after their SHA-256 is checked against the journal.
 */

#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_int.h"

/* column types: S text, I integer, R real, B boolean, L JSON list text,
 * N raw number text, K ", "-joined names (a list) */
struct kspec {
	const char *name;	/* reports/<name>.jsonl, counts */
	const char *table;	/* field rules: TABLE.FIELD */
	unsigned bit;
	const char *cols;	/* keys, space-separated */
	const char *types;
	int keycol, timecol;	/* -1: none */
	const char *sql;	/* ?1 = N */
};

/* clang-format off */
static const struct kspec kspecs[BK__N] = {
	{ "messages", "messages", ETK_BK_MESSAGES,
	  "app thread direction from to time time_raw body attachments read "
	  "deleted source", "SSSSLSNSLBBS", 11, 5,
	  "SELECT m.app, m.thread, m.direction, m.sender, m.recipients, m.time,"
	  " m.time_raw, m.body, m.attachments, m.read, m.deleted, m.source"
	  " FROM messages m JOIN (SELECT source AS s, max(action) AS a FROM"
	  " messages WHERE action <= ?1 GROUP BY source) g ON m.source = g.s"
	  " AND m.action = g.a" },
	{ "calls", "calls", ETK_BK_CALLS,
	  "app direction number name time duration_s source", "SSSSSIS", 6, 4,
	  "SELECT m.app, m.direction, m.number, m.name, m.time, m.duration_s,"
	  " m.source FROM calls m JOIN (SELECT source AS s, max(action) AS a"
	  " FROM calls WHERE action <= ?1 GROUP BY source) g ON m.source = g.s"
	  " AND m.action = g.a" },
	{ "contacts", "contacts", ETK_BK_CONTACTS,
	  "app name numbers emails source", "SSLLS", 4, -1,
	  "SELECT m.app, m.name, m.numbers, m.emails, m.source FROM contacts m"
	  " JOIN (SELECT source AS s, max(action) AS a FROM contacts WHERE"
	  " action <= ?1 GROUP BY source) g ON m.source = g.s AND"
	  " m.action = g.a" },
	{ "images", "images", ETK_BK_IMAGES,
	  "locator path sha256 mime width height taken make model lat lon alt "
	  "orientation source", "SSSSIISSSRRRIS", 0, 6,
	  "SELECT m.locator, m.path, m.sha256, m.mime, m.width, m.height,"
	  " m.taken, m.make, m.model, m.lat, m.lon, m.alt, m.orientation,"
	  " m.source FROM images m JOIN (SELECT locator AS s, max(action) AS a"
	  " FROM images WHERE action <= ?1 GROUP BY locator) g ON"
	  " m.locator = g.s AND m.action = g.a" },
	{ "carved", "carved", ETK_BK_CARVED,
	  "locator offset length byte_runs type ext validated complete sha256 "
	  "path", "SIILSSBBSS", 0, -1,
	  "SELECT m.locator, m.offset, m.length, m.byte_runs, m.type, m.ext,"
	  " m.validated, m.complete, m.sha256, m.path FROM carved m JOIN"
	  " (SELECT locator AS s, max(action) AS a FROM carved WHERE"
	  " action <= ?1 GROUP BY locator) g ON m.locator = g.s AND"
	  " m.action = g.a" },
	{ "files", "files", ETK_BK_FILES,
	  "locator source volume inode path name size allocated deleted type "
	  "mime mtime atime ctime crtime md5 sha1 sha256 known alert "
	  "ext_mismatch", "SSIISSIBBSSSSSSSSSKKB", 0, 11,
	  "SELECT f.locator, e.name, f.volume, f.inode, f.path, f.name, f.size,"
	  " f.allocated, f.deleted, f.type, f.mime, f.mtime, f.atime, f.ctime,"
	  " f.crtime, coalesce(h.md5, f.md5), coalesce(h.sha1, f.sha1),"
	  " coalesce(h.sha256, f.sha256), h.known, h.alert, h.ext_mismatch"
	  " FROM files f JOIN (SELECT locator AS s, max(action) AS a FROM files"
	  " WHERE action <= ?1 GROUP BY locator) g ON f.locator = g.s AND"
	  " f.action = g.a LEFT JOIN evidence e ON e.id = f.evidence_id"
	  " LEFT JOIN hashes h ON h.action = f.action AND"
	  " h.locator = f.locator" },
};
/* clang-format on */

static int
db_fail(struct bctx *c, const char *what)
{
	return etk_fail(c->err, ETK_EIO, 0, "etk.db: %s: %s", what,
	    sqlite3_errmsg(c->db));
}

/* The exhibit (evidence name) of a locator: up to the first ':'. */
static struct bexh *
exh_of(struct bctx *c, const char *loc)
{
	const char *e;
	size_t i, n;

	if (loc == NULL || (e = strchr(loc, ':')) == NULL)
		return NULL;
	n = (size_t)(e - loc);
	for (i = 0; i < c->nex; i++)
		if (strlen(c->ex[i].name) == n &&
		    memcmp(c->ex[i].name, loc, n) == 0)
			return &c->ex[i];
	return NULL;
}

static int
jstr_set(char **dst, const struct etk_jval *o, const char *k)
{
	const char *s = etk_jval_str(o, k);

	if (s == NULL)
		return 0;
	free(*dst);
	*dst = strdup(s);
	return *dst == NULL ? -1 : 0;
}

static int
exh_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bexh *)a)->name,
	    ((const struct bexh *)b)->name);
}

/* Inputs of journal lines 1..N: does path appear, and its hashes. */
static void
exh_inputs(struct bctx *c, struct bexh *x, int *seen)
{
	const struct etk_jval *in, *e, *fs, *f;
	struct etk_jval *doc;
	size_t i, k, m;

	for (i = 0; i < c->n; i++) {
		if (strstr(c->lines[i], "\"inputs\"") == NULL)
			continue;
		if (etk_json_parse(c->lines[i], c->lens[i] - 1, &doc, NULL) !=
		    ETK_OK)
			continue;
		in = etk_jval_get(doc, "inputs");
		for (k = 0; in != NULL && in->type == ETK_JARR && k < in->n;
		    k++) {
			int match = 0;

			e = in->items[k];
			if (etk_jval_str(e, "path") != NULL &&
			    strcmp(etk_jval_str(e, "path"), x->path) == 0)
				match = 1;
			fs = etk_jval_get(e, "files");
			for (m = 0; !match && fs != NULL && fs->type == ETK_JARR
			    && m < fs->n; m++) {
				f = fs->items[m];
				if (etk_jval_str(f, "path") != NULL &&
				    strcmp(etk_jval_str(f, "path"), x->path) ==
				    0)
					match = 1;
			}
			if (!match)
				continue;
			*seen = 1;
			(void)jstr_set(&x->media_sha256, e, "media_sha256");
			(void)jstr_set(&x->stored_md5, e, "stored_md5");
			(void)jstr_set(&x->stored_sha1, e, "stored_sha1");
		}
		etk_jval_free(doc);
	}
}

int
brec_exhibits(struct bctx *c)
{
	const struct etk_bundle_select *s = &c->o->sel;
	sqlite3_stmt *st = NULL;
	struct bexh *x, *nv;
	size_t cap = 0, i, k;
	int rc = ETK_OK, seen, want;

	if (sqlite3_prepare_v2(c->db, "SELECT name, path, kind, size, sha256 "
	    "FROM evidence ORDER BY name, path", -1, &st, NULL) != SQLITE_OK)
		return db_fail(c, "evidence");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if (name == NULL)
			continue;
		for (i = 0; i < c->nex; i++)
			if (strcmp(c->ex[i].name, name) == 0)
				break;
		if (i < c->nex)
			continue;	/* a second path of the same name */
		if (s->nexhibits > 0) {
			for (want = 0, k = 0; k < s->nexhibits; k++)
				if (strcmp(s->exhibits[k], name) == 0)
					want = 1;
			if (!want)
				continue;
		}
		if (c->nex == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = realloc(c->ex, cap * sizeof(*nv))) == NULL) {
				rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of "
				    "memory");
				break;
			}
			c->ex = nv;
		}
		x = &c->ex[c->nex];
		memset(x, 0, sizeof(*x));
		x->name = bstrdup(name);
		x->dir = bsafe(name, 120);
		x->path = bstrdup((const char *)sqlite3_column_text(st, 1));
		x->kind = bstrdup((const char *)sqlite3_column_text(st, 2));
		x->size = sqlite3_column_int64(st, 3);
		x->container_sha256 = bstrdup((const char *)
		    sqlite3_column_text(st, 4));
		if (x->name == NULL || x->dir == NULL || x->path == NULL) {
			rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
			break;
		}
		seen = 0;
		exh_inputs(c, x, &seen);
		c->nex++;
		if (!seen) {	/* added after line N */
			c->nex--;
			free(x->name);
			free(x->dir);
			free(x->path);
			free(x->kind);
			free(x->container_sha256);
			free(x->media_sha256);
			free(x->stored_md5);
			free(x->stored_sha1);
		}
	}
	sqlite3_finalize(st);
	if (rc != ETK_OK)
		return rc;
	for (k = 0; k < s->nexhibits; k++) {
		for (i = 0; i < c->nex; i++)
			if (strcmp(c->ex[i].name, s->exhibits[k]) == 0)
				break;
		if (i == c->nex)
			return etk_fail(c->err, ETK_ENOTFOUND, 0, "no exhibit "
			    "'%s' in the case up to journal line %llu",
			    s->exhibits[k], (unsigned long long)c->n);
	}
	if (c->nex > 1)
		qsort(c->ex, c->nex, sizeof(*c->ex), exh_cmp);
	for (i = 1; i < c->nex; i++)
		if (strcmp(c->ex[i].dir, c->ex[i - 1].dir) == 0)
			return etk_fail(c->err, ETK_EUNSUPP, 0, "exhibits '%s' "
			    "and '%s' have the same directory name",
			    c->ex[i - 1].name, c->ex[i].name);
	return ETK_OK;
}

/* ---- loading ---- */

static const char *
col_name(const char *cols, int i, char *buf, size_t len)
{
	const char *p = cols, *e;
	size_t n;

	while (i-- > 0 && (p = strchr(p, ' ')) != NULL)
		p++;
	if (p == NULL)
		return NULL;
	e = strchr(p, ' ');
	n = e != NULL ? (size_t)(e - p) : strlen(p);
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

static void
emit_col(struct etk_json *j, sqlite3_stmt *st, int i, char type)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	struct etk_jval *v = NULL;

	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		etk_json_null(j);
		return;
	}
	switch (type) {
	case 'I':
		etk_json_int(j, sqlite3_column_int64(st, i));
		break;
	case 'R':
		etk_json_double(j, sqlite3_column_double(st, i));
		break;
	case 'B':
		etk_json_bool(j, sqlite3_column_int(st, i) != 0);
		break;
	case 'N':
	case 'L':
		/* our own JSON text; checked so a bad row cannot break the
		 * record */
		if (t != NULL && etk_json_parse(t, strlen(t), &v, NULL) ==
		    ETK_OK && (type == 'L' ? v->type == ETK_JARR :
		    v->type == ETK_JNUM))
			etk_json_raw(j, t);
		else
			etk_json_str(j, t);
		etk_jval_free(v);
		break;
	case 'K': {
		const char *p = t, *e;

		etk_json_arr_begin(j);
		while (p != NULL && *p != '\0') {
			e = strstr(p, ", ");
			etk_json_strn(j, p, e ? (size_t)(e - p) : strlen(p));
			p = e ? e + 2 : NULL;
		}
		etk_json_arr_end(j);
		break;
	}
	default:
		etk_json_str(j, t);
	}
}

static int
rec_cmp(const void *a, const void *b)
{
	const struct brec *x = a, *y = b;

	if (x->has_time != y->has_time)
		return x->has_time ? 1 : -1;
	if (x->has_time) {
		if (x->sec != y->sec)
			return x->sec < y->sec ? -1 : 1;
		if (x->ns != y->ns)
			return x->ns < y->ns ? -1 : 1;
	}
	return strcmp(x->key, y->key);
}

static void
recs_free(struct brec *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].json);
		free(r[i].key);
	}
	free(r);
}

/* Every row of the kind in an exhibit of the bundle, sorted. */
static int
load_kind(struct bctx *c, const struct kspec *k, struct brec **out,
    size_t *nout)
{
	struct brec *r = NULL, *nv;
	size_t n = 0, cap = 0;
	struct etk_buf b;
	struct etk_json j;
	sqlite3_stmt *st = NULL;
	char name[32];
	const char *key, *t;
	struct bexh *x;
	int i, ncols = (int)strlen(k->types), rc = ETK_OK, step;

	if (sqlite3_prepare_v2(c->db, k->sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(c, k->table);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)c->n);
	etk_buf_init(&b);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(st, k->keycol);
		if (key == NULL || (x = exh_of(c, key)) == NULL)
			continue;
		etk_buf_reset(&b);
		etk_json_init(&j, &b);
		etk_json_obj_begin(&j);
		for (i = 0; i < ncols; i++) {
			etk_json_key(&j, col_name(k->cols, i, name,
			    sizeof(name)));
			emit_col(&j, st, i, k->types[i]);
		}
		etk_json_obj_end(&j);
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nv = realloc(r, cap * sizeof(*nv))) == NULL) {
				rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of "
				    "memory");
				break;
			}
			r = nv;
		}
		memset(&r[n], 0, sizeof(r[n]));
		r[n].json = bstrdup(b.data);
		r[n].key = bstrdup(key);
		r[n].exh = x->name;
		if (k->timecol >= 0 && (t = (const char *)sqlite3_column_text(
		    st, k->timecol)) != NULL && btime(t, &r[n].sec,
		    &r[n].ns) == 0)
			r[n].has_time = 1;
		n++;
		if (b.oom || r[n - 1].json == NULL || r[n - 1].key == NULL) {
			rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
			break;
		}
	}
	if (rc == ETK_OK && step != SQLITE_DONE)
		rc = db_fail(c, k->table);
	sqlite3_finalize(st);
	etk_buf_release(&b);
	if (rc != ETK_OK) {
		recs_free(r, n);
		return rc;
	}
	if (n > 1)
		qsort(r, n, sizeof(*r), rec_cmp);
	*out = r;
	*nout = n;
	return ETK_OK;
}

/* ---- selection ---- */

static int
party_hit(struct bctx *c, const struct etk_jval *v)
{
	size_t i;

	if (v == NULL)
		return 0;
	if (v->type == ETK_JSTR)
		return etk_redact_scan(c->selp, v->str, v->slen) >= 0;
	if (v->type == ETK_JARR)
		for (i = 0; i < v->n; i++)
			if (party_hit(c, v->items[i]))
				return 1;
	return 0;
}

static int
selected(struct bctx *c, const struct brec *r, const struct etk_jval *jv,
    int64_t fs, int32_t fns, int64_t ts, int32_t tns)
{
	const struct etk_bundle_select *s = &c->o->sel;
	const char *loc;

	if (s->from != NULL || s->to != NULL) {
		if (!r->has_time)
			return 0;
		if (s->from != NULL && (r->sec < fs || (r->sec == fs &&
		    r->ns < fns)))
			return 0;
		if (s->to != NULL && (r->sec > ts || (r->sec == ts &&
		    r->ns >= tns)))
			return 0;
	}
	if (c->selp != NULL && !party_hit(c, etk_jval_get(jv, "from")) &&
	    !party_hit(c, etk_jval_get(jv, "to")) &&
	    !party_hit(c, etk_jval_get(jv, "number")) &&
	    !party_hit(c, etk_jval_get(jv, "numbers")) &&
	    !party_hit(c, etk_jval_get(jv, "emails")))
		return 0;
	if (c->have_locs) {
		loc = etk_jval_str(jv, "locator");
		if (!bs_has(&c->locs, r->key) && (loc == NULL ||
		    !bs_has(&c->locs, loc)))
			return 0;
	}
	return 1;
}

static int
sel_add(struct bctx *c, const char *exh, const char *loc, size_t n)
{
	struct etk_buf b;
	int rc;

	etk_buf_init(&b);
	etk_buf_adds(&b, exh);
	etk_buf_addc(&b, '\n');
	etk_buf_add(&b, loc, n);
	rc = b.oom ? ETK_ENOMEM : bs_add(&c->sel, b.data, b.len);
	etk_buf_release(&b);
	return rc;
}

/* What a selected record names: itself, its locator, attachments and
 * the database file it came from. */
static int
sel_note(struct bctx *c, const struct brec *r, const struct etk_jval *jv)
{
	const struct etk_jval *a = etk_jval_get(jv, "attachments");
	const char *h;
	size_t i;
	int rc;

	if ((rc = sel_add(c, r->exh, r->key, strlen(r->key))) != ETK_OK)
		return rc;
	if ((h = strchr(r->key, '#')) != NULL &&
	    (rc = sel_add(c, r->exh, r->key, (size_t)(h - r->key))) != ETK_OK)
		return rc;
	for (i = 0; a != NULL && a->type == ETK_JARR && i < a->n; i++)
		if (a->items[i]->type == ETK_JSTR && (rc = sel_add(c, r->exh,
		    a->items[i]->str, a->items[i]->slen)) != ETK_OK)
			return rc;
	return ETK_OK;
}

/* ---- rendering ---- */

/* A key or path as it may appear in the bundle (spellings replaced). */
static char *
clean(struct bctx *c, const char *s)
{
	struct etk_buf b;

	etk_buf_init(&b);
	if (c->rd == NULL || etk_redact_text(c->rd, s, strlen(s), &b, NULL,
	    NULL) < 0) {
		etk_buf_reset(&b);
		etk_buf_adds(&b, s);
	}
	if (c->rd != NULL)
		(void)bred_clean(c, &b);
	if (b.data == NULL)
		etk_buf_adds(&b, "");
	return etk_buf_detach(&b);
}

struct rr {
	struct bctx *c;
	const char *item, *skey, *field;
	struct etk_buf tmp;
	int rc;
};

static void
emit_red(struct rr *r, struct etk_json *j, const struct etk_jval *v)
{
	size_t i;
	int n;

	if (r->rc != ETK_OK)
		return;
	switch (v->type) {
	case ETK_JSTR:
		etk_buf_reset(&r->tmp);
		n = bred_text(r->c, v->str, v->slen, &r->tmp, r->item, r->skey,
		    r->field);
		if (n < 0) {
			r->rc = n;
			return;
		}
		etk_json_strn(j, r->tmp.data, r->tmp.len);
		break;
	case ETK_JARR:
		etk_json_arr_begin(j);
		for (i = 0; i < v->n; i++)
			emit_red(r, j, v->items[i]);
		etk_json_arr_end(j);
		break;
	case ETK_JOBJ:
		etk_json_obj_begin(j);
		for (i = 0; i < v->n; i++) {
			etk_json_key(j, v->keys[i]);
			emit_red(r, j, v->items[i]);
		}
		etk_json_obj_end(j);
		break;
	default:
		etk_json_value(j, v);
	}
}

/* One record, redacted, as a JSON line into out.  time: the record's
 * time for time rules (or NULL). */
static int
render_rec(struct bctx *c, const char *table, const char *item,
    const char *key, const struct etk_jval *jv, const char *json,
    const char *time, struct etk_buf *out)
{
	struct rr r = { c, item, NULL, NULL, { 0 }, ETK_OK };
	struct etk_json j;
	struct etk_buf vb;
	char *skey;
	size_t i;
	int fr, tr;

	if ((skey = clean(c, key)) == NULL)
		return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	r.skey = skey;
	etk_buf_init(&r.tmp);
	etk_buf_init(&vb);
	etk_json_init(&j, out);
	if (c->rd != NULL && time != NULL &&
	    (tr = etk_redact_time_rule(c->rd, time)) >= 0) {
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "redacted", bred_token(c, (size_t)tr));
		if (strcmp(skey, key) == 0)
			etk_json_kstr(&j, "source", key);
		etk_json_obj_end(&j);
		if ((fr = bred_add(c, item, skey, "record", (size_t)tr, json,
		    strlen(json))) < 0)
			r.rc = fr;
		goto done;
	}
	etk_json_obj_begin(&j);
	for (i = 0; i < jv->n; i++) {
		etk_json_key(&j, jv->keys[i]);
		fr = c->rd != NULL ? etk_redact_field_rule(c->rd, table,
		    jv->keys[i]) : -1;
		if (fr >= 0 && jv->items[i]->type != ETK_JNULL) {
			struct etk_json vj;

			etk_json_str(&j, bred_token(c, (size_t)fr));
			etk_buf_reset(&vb);
			if (jv->items[i]->type == ETK_JSTR)
				etk_buf_add(&vb, jv->items[i]->str,
				    jv->items[i]->slen);
			else {
				etk_json_init(&vj, &vb);
				etk_json_value(&vj, jv->items[i]);
			}
			if ((fr = bred_add(c, item, skey, jv->keys[i],
			    (size_t)fr, vb.data, vb.len)) < 0)
				r.rc = fr;
			continue;
		}
		r.field = jv->keys[i];
		emit_red(&r, &j, jv->items[i]);
	}
	etk_json_obj_end(&j);
done:
	etk_buf_addc(out, '\n');
	free(skey);
	etk_buf_release(&r.tmp);
	etk_buf_release(&vb);
	if (r.rc == ETK_OK && out->oom)
		r.rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	return r.rc;
}

/* ---- csv and html ---- */

static void
cell_text(const struct etk_jval *v, struct etk_buf *o)
{
	struct etk_json j;

	if (v == NULL)
		return;
	switch (v->type) {
	case ETK_JNULL:
		break;
	case ETK_JSTR:
		etk_buf_add(o, v->str, v->slen);
		break;
	case ETK_JBOOL:
		etk_buf_adds(o, v->b ? "true" : "false");
		break;
	default:
		etk_json_init(&j, o);
		etk_json_value(&j, v);
	}
}

static void
csv_cell(struct etk_buf *o, const char *s, size_t n)
{
	size_t i;

	if (strcspn(s, ",\"\r\n") >= n) {
		etk_buf_add(o, s, n);
		return;
	}
	etk_buf_addc(o, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			etk_buf_addc(o, '"');
		etk_buf_addc(o, s[i]);
	}
	etk_buf_addc(o, '"');
}

/* One line of JSON records -> a csv row and an html table row. */
static int
row_out(const char *cols, const char *line, size_t len, struct etk_buf *csv,
    struct etk_buf *html, int keycol)
{
	struct etk_jval *jv = NULL;
	const struct etk_jval *v;
	struct etk_buf cell;
	char name[32];
	int i, stub;

	if (etk_json_parse(line, len, &jv, NULL) != ETK_OK)
		return ETK_EFORMAT;
	stub = etk_jval_get(jv, "redacted") != NULL;
	etk_buf_init(&cell);
	etk_buf_adds(html, "<tr>");
	for (i = 0; col_name(cols, i, name, sizeof(name)) != NULL; i++) {
		etk_buf_reset(&cell);
		if (stub)
			v = i == 0 ? etk_jval_get(jv, "redacted") : i ==
			    keycol ? etk_jval_get(jv, "source") : NULL;
		else
			v = etk_jval_get(jv, name);
		cell_text(v, &cell);
		if (i > 0)
			etk_buf_addc(csv, ',');
		csv_cell(csv, cell.data != NULL ? cell.data : "", cell.len);
		etk_buf_adds(html, "<td>");
		etk_buf_add_markup(html, cell.data != NULL ? cell.data : "", cell.len);
		etk_buf_adds(html, "</td>");
	}
	etk_buf_adds(csv, "\r\n");
	etk_buf_adds(html, "</tr>\n");
	etk_buf_release(&cell);
	etk_jval_free(jv);
	return ETK_OK;
}

/* csv header and the html table head. */
static void
heads(const char *title, const char *cols, struct etk_buf *csv,
    struct etk_buf *html, uint64_t n)
{
	char name[32];
	int i;

	etk_buf_printf(html, "<h2>%s (%llu)</h2>\n<table>\n<tr>", title,
	    (unsigned long long)n);
	for (i = 0; col_name(cols, i, name, sizeof(name)) != NULL; i++) {
		if (csv != NULL) {
			if (i > 0)
				etk_buf_addc(csv, ',');
			etk_buf_adds(csv, name);
		}
		etk_buf_printf(html, "<th>%s</th>", name);
	}
	if (csv != NULL)
		etk_buf_adds(csv, "\r\n");
	etk_buf_adds(html, "</tr>\n");
}

/* Rows of a jsonl text into csv and html. */
static int
rows(const char *cols, int keycol, const struct etk_buf *jl,
    struct etk_buf *csv, struct etk_buf *html)
{
	size_t i = 0, e;
	int rc;

	while (i < jl->len) {
		for (e = i; e < jl->len && jl->data[e] != '\n'; e++)
			;
		if ((rc = row_out(cols, jl->data + i, e - i, csv, html,
		    keycol)) != ETK_OK)
			return rc;
		i = e + 1;
	}
	return ETK_OK;
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>%s</title>\n<style>\n"
    "body{font-family:sans-serif;font-size:10pt;margin:1em}\n"
    "table{border-collapse:collapse;margin-bottom:1.5em}\n"
    "th,td{border:1px solid #888;padding:2px 4px;vertical-align:top;"
    "text-align:left;word-break:break-word}\n"
    "th{background:#eee}\n"
    "@media print{h2{page-break-before:always}h2:first-of-type{"
    "page-break-before:auto}}\n"
    "</style>\n</head>\n<body>\n";

/* Write a file to OUT, and its unredacted twin to the lab when the
 * redactions pending name it. */
static int
out_pair(struct bctx *c, const char *rel, const struct etk_buf *red,
    const struct etk_buf *unred, int held)
{
	char sha[65], *hp = NULL;
	int rc;

	if ((rc = bwrite(c->tmp, rel, red->data != NULL ? red->data : "",
	    red->len, 0, NULL, c->err)) != ETK_OK)
		return rc;
	if (!held)
		return ETK_OK;
	if ((rc = bred_write_held(c, rel, unred->data != NULL ? unred->data :
	    "", unred->len, sha)) != ETK_OK)
		return rc;
	if (c->npend == 0)
		return ETK_OK;
	if (asprintf(&hp, "disclosure/%s/unredacted/%s", c->bundle_id, rel) <
	    0)
		return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	rc = bred_flush(c, hp, sha);
	free(hp);
	return rc;
}

struct pole_ent {
	char *id, *json, *exh;
	int keep;
};

static int
pole_cmp(const void *a, const void *b)
{
	const struct pole_ent *x = a, *y = b;
	int d = strcmp(x->exh, y->exh);

	if (d != 0)
		return d;
	d = strcmp(x->id, y->id);
	return d != 0 ? d : strcmp(x->json, y->json);
}

static void
pole_free(struct pole_ent *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].id);
		free(p[i].json);
		free(p[i].exh);
	}
	free(p);
}

/* Rows of a POLE table with their exhibit (of prov[0]), deduplicated per
 * (exhibit, id), the latest action first. */
static int
pole_load(struct bctx *c, int links, struct pole_ent **out, size_t *nout)
{
	const char *sql = links ? "SELECT from_entity || ' ' || rel || ' ' || "
	    "to_entity, record FROM pole_links WHERE action <= ?1 ORDER BY "
	    "action DESC, id" : "SELECT entity, record FROM pole_entities "
	    "WHERE action <= ?1 ORDER BY action DESC, id";
	struct pole_ent *p = NULL, *nv;
	size_t n = 0, cap = 0, i, o;
	const struct etk_jval *prov;
	struct etk_jval *jv;
	sqlite3_stmt *st = NULL;
	const char *id, *rec, *colon;
	int rc = ETK_OK;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(c, links ? "pole_links" : "pole_entities");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)c->n);
	while (sqlite3_step(st) == SQLITE_ROW) {
		id = (const char *)sqlite3_column_text(st, 0);
		rec = (const char *)sqlite3_column_text(st, 1);
		if (id == NULL || rec == NULL || etk_json_parse(rec,
		    strlen(rec), &jv, NULL) != ETK_OK)
			continue;
		prov = etk_jval_get(jv, "prov");
		if (prov == NULL || prov->type != ETK_JARR || prov->n == 0 ||
		    prov->items[0]->type != ETK_JSTR ||
		    (colon = strchr(prov->items[0]->str, ':')) == NULL ||
		    exh_of(c, prov->items[0]->str) == NULL) {
			etk_jval_free(jv);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nv = realloc(p, cap * sizeof(*nv))) == NULL) {
				etk_jval_free(jv);
				rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of "
				    "memory");
				break;
			}
			p = nv;
		}
		p[n].id = bstrdup(id);
		p[n].json = bstrdup(rec);
		p[n].exh = strndup(prov->items[0]->str,
		    (size_t)(colon - prov->items[0]->str));
		p[n].keep = 0;
		etk_jval_free(jv);
		if (p[n++].exh == NULL) {
			rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != ETK_OK) {
		pole_free(p, n);
		return rc;
	}
	/* entities: the first (latest) per (exhibit, id); links: unique
	 * (exhibit, record) */
	for (i = 0; i < n; i++)
		p[i].keep = (int)i;	/* stable order of arrival */
	if (n > 1)
		qsort(p, n, sizeof(*p), pole_cmp);
	for (i = o = 0; i < n; i++) {
		if (o > 0 && strcmp(p[o - 1].exh, p[i].exh) == 0 &&
		    strcmp(p[o - 1].id, p[i].id) == 0 && (!links ||
		    strcmp(p[o - 1].json, p[i].json) == 0)) {
			/* keep the earlier arrival (the later action) */
			if (p[i].keep < p[o - 1].keep) {
				free(p[o - 1].json);
				p[o - 1].json = p[i].json;
				p[i].json = NULL;
				p[o - 1].keep = p[i].keep;
			}
			free(p[i].id);
			free(p[i].json);
			free(p[i].exh);
			continue;
		}
		p[o++] = p[i];
	}
	for (i = 0; i < o; i++)
		p[i].keep = 0;
	*out = p;
	*nout = o;
	return ETK_OK;
}

static int
prov_selected(struct bctx *c, const char *exh, const char *json)
{
	const struct etk_jval *prov;
	struct etk_jval *jv;
	struct etk_buf b;
	size_t i;
	int hit = 0;

	if (etk_json_parse(json, strlen(json), &jv, NULL) != ETK_OK)
		return 0;
	prov = etk_jval_get(jv, "prov");
	etk_buf_init(&b);
	for (i = 0; !hit && prov != NULL && prov->type == ETK_JARR &&
	    i < prov->n; i++) {
		if (prov->items[i]->type != ETK_JSTR)
			continue;
		etk_buf_reset(&b);
		etk_buf_adds(&b, exh);
		etk_buf_addc(&b, '\n');
		etk_buf_add(&b, prov->items[i]->str, prov->items[i]->slen);
		hit = !b.oom && bs_has(&c->sel, b.data);
	}
	etk_buf_release(&b);
	etk_jval_free(jv);
	return hit;
}

static int
pole_render(struct bctx *c, struct bexh *x, struct pole_ent *ent, size_t ne,
    struct pole_ent *lnk, size_t nl, struct etk_buf *html,
    struct etk_buf *uhtml)
{
	struct etk_buf red, unred, rows_html, urows;
	struct etk_jval *jv = NULL;
	char *item;
	struct bset ends;
	size_t i, k, nent = 0, nlnk = 0;
	int rc = ETK_OK, pass;
	uint64_t before;

	memset(&ends, 0, sizeof(ends));
	/* links first: they decide the entities */
	for (i = 0; i < nl; i++) {
		if (strcmp(lnk[i].exh, x->name) != 0)
			continue;
		lnk[i].keep = !c->narrowed || prov_selected(c, x->name,
		    lnk[i].json);
		if (lnk[i].keep) {
			const char *sp = strchr(lnk[i].id, ' ');
			const char *ep = strrchr(lnk[i].id, ' ');

			if (sp != NULL && ep != NULL) {
				if (bs_add(&ends, lnk[i].id, (size_t)(sp -
				    lnk[i].id)) != ETK_OK || bs_add(&ends,
				    ep + 1, strlen(ep + 1)) != ETK_OK)
					return etk_fail(c->err, ETK_ENOMEM, 0,
					    "out of memory");
			}
		}
	}
	bs_sort(&ends);
	for (i = 0; i < ne; i++)
		if (strcmp(ent[i].exh, x->name) == 0)
			ent[i].keep = !c->narrowed || bs_has(&ends, ent[i].id) ||
			    prov_selected(c, x->name, ent[i].json);
	bs_free(&ends);
	for (pass = 0; pass < 2 && rc == ETK_OK; pass++) {
		struct pole_ent *p = pass == 0 ? ent : lnk;
		size_t np = pass == 0 ? ne : nl;
		const char *rel = pass == 0 ? "pole/entities.jsonl" :
		    "pole/links.jsonl";

		etk_buf_init(&red);
		etk_buf_init(&unred);
		etk_buf_init(&rows_html);
		etk_buf_init(&urows);
		if (asprintf(&item, "exhibits/%s/%s", x->dir, rel) < 0) {
			rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
			break;
		}
		before = c->npend;
		for (k = 0, i = 0; i < np && rc == ETK_OK; i++) {
			if (strcmp(p[i].exh, x->name) != 0 || !p[i].keep)
				continue;
			if (etk_json_parse(p[i].json, strlen(p[i].json), &jv,
			    c->err) != ETK_OK) {
				rc = etk_wrap(c->err, "%s %s", rel, p[i].id);
				break;
			}
			rc = render_rec(c, "pole",
			    item, p[i].id, jv, p[i].json, NULL,
			    &red);
			etk_jval_free(jv);
			jv = NULL;
			etk_buf_adds(&unred, p[i].json);
			etk_buf_addc(&unred, '\n');
			k++;
		}
		if (pass == 0)
			nent = k;
		else
			nlnk = k;
		if (rc == ETK_OK)
			rc = out_pair(c, item, &red, &unred, c->npend > before);
		free(item);
		item = NULL;
		if (rc == ETK_OK) {
			heads(pass == 0 ? "POLE entities" : "POLE links",
			    pass == 0 ? "id pole subtype display value "
			    "third_party" : "from rel to role", NULL, html, k);
			heads(pass == 0 ? "POLE entities" : "POLE links",
			    pass == 0 ? "id pole subtype display value "
			    "third_party" : "from rel to role", NULL, uhtml, k);
			etk_buf_init(&rows_html);
			{
				struct etk_buf dummy;

				etk_buf_init(&dummy);
				rc = rows(pass == 0 ? "id pole subtype display "
				    "value third_party" : "from rel to role", -1,
				    &red, &dummy, html);
				if (rc == ETK_OK)
					rc = rows(pass == 0 ? "id pole subtype "
					    "display value third_party" :
					    "from rel to role", -1, &unred,
					    &dummy, uhtml);
				etk_buf_release(&dummy);
			}
			etk_buf_adds(html, "</table>\n");
			etk_buf_adds(uhtml, "</table>\n");
		}
		etk_buf_release(&red);
		etk_buf_release(&unred);
		etk_buf_release(&rows_html);
		etk_buf_release(&urows);
	}
	c->counts[C_POLE_E] += nent;
	c->counts[C_POLE_L] += nlnk;
	c->records += nent + nlnk;
	return rc;
}

int
brec_render(struct bctx *c)
{
	const struct etk_bundle_select *s = &c->o->sel;
	struct brec *recs[BK__N] = { NULL };
	size_t nrecs[BK__N] = { 0 };
	struct pole_ent *ent = NULL, *lnk = NULL;
	size_t ne = 0, nl = 0, xi, i, kk;
	int64_t fs = 0, ts = 0;
	int32_t fns = 0, tns = 0;
	struct etk_buf red, unred, csv, ucsv, html, uhtml;
	struct etk_jval *jv = NULL;
	char rel[512], item[512], tname[32];
	int rc = ETK_OK, held_x;
	uint64_t nsel;

	if ((s->from != NULL && btime(s->from, &fs, &fns) != 0) ||
	    (s->to != NULL && btime(s->to, &ts, &tns) != 0))
		return etk_fail(c->err, ETK_EINVAL, 0, "bad time '%s'",
		    s->from != NULL && btime(s->from, &fs, &fns) != 0 ?
		    s->from : s->to);
	for (kk = 0; kk < BK__N && rc == ETK_OK; kk++)
		if (c->kinds & kspecs[kk].bit)
			rc = load_kind(c, &kspecs[kk], &recs[kk], &nrecs[kk]);
	if (rc == ETK_OK && (c->kinds & ETK_BK_POLE) &&
	    (rc = pole_load(c, 0, &ent, &ne)) == ETK_OK)
		rc = pole_load(c, 1, &lnk, &nl);
	etk_buf_init(&red);
	etk_buf_init(&unred);
	etk_buf_init(&csv);
	etk_buf_init(&ucsv);
	etk_buf_init(&html);
	etk_buf_init(&uhtml);
	for (xi = 0; xi < c->nex && rc == ETK_OK; xi++) {
		struct bexh *x = &c->ex[xi];

		etk_buf_reset(&html);
		etk_buf_reset(&uhtml);
		etk_buf_printf(&html, html_head, "Exhibit report");
		etk_buf_adds(&html, "<h1>Exhibit ");
		etk_buf_add_markup(&html, x->name, strlen(x->name));
		etk_buf_adds(&html, "</h1>\n<p>Disclosure bundle ");
		etk_buf_add_markup(&html, c->bundle_id, strlen(c->bundle_id));
		etk_buf_printf(&html, ", journal lines 1-%llu, created %s.  "
		    "Redacted values are shown as [REDACTED-..] tokens.</p>\n",
		    (unsigned long long)c->n, c->created);
		etk_buf_add(&uhtml, html.data, html.len);
		held_x = 0;
		for (kk = 0; kk < BK__N && rc == ETK_OK; kk++) {
			const struct kspec *k = &kspecs[kk];
			uint64_t before = c->npend;

			if (!(c->kinds & k->bit))
				continue;
			etk_buf_reset(&red);
			etk_buf_reset(&unred);
			etk_buf_reset(&csv);
			etk_buf_reset(&ucsv);
			snprintf(item, sizeof(item), "exhibits/%s/reports/%s."
			    "jsonl", x->dir, k->name);
			nsel = 0;
			for (i = 0; i < nrecs[kk] && rc == ETK_OK; i++) {
				struct brec *r = &recs[kk][i];
				const char *t;

				if (strcmp(r->exh, x->name) != 0)
					continue;
				if (etk_json_parse(r->json, strlen(r->json),
				    &jv, c->err) != ETK_OK) {
					rc = etk_wrap(c->err, "%s", r->key);
					break;
				}
				if (!selected(c, r, jv, fs, fns, ts, tns)) {
					etk_jval_free(jv);
					jv = NULL;
					continue;
				}
				rc = sel_note(c, r, jv);
				t = k->timecol >= 0 ? etk_jval_str(jv,
				    col_name(k->cols, k->timecol, tname,
				    sizeof(tname))) : NULL;
				if (rc == ETK_OK)
					rc = render_rec(c, k->table, item,
					    r->key, jv, r->json, t, &red);
				etk_jval_free(jv);
				jv = NULL;
				etk_buf_adds(&unred, r->json);
				etk_buf_addc(&unred, '\n');
				nsel++;
			}
			if (rc != ETK_OK)
				break;
			c->counts[kk] += nsel;
			c->records += nsel;
			/* csv and html from the rendered lines */
			heads(k->name, k->cols, &csv, &html, nsel);
			heads(k->name, k->cols, &ucsv, &uhtml, nsel);
			if ((rc = rows(k->cols, k->keycol, &red, &csv,
			    &html)) != ETK_OK ||
			    (rc = rows(k->cols, k->keycol, &unred, &ucsv,
			    &uhtml)) != ETK_OK) {
				rc = etk_fail(c->err, rc, 0, "%s: cannot "
				    "render", item);
				break;
			}
			etk_buf_adds(&html, "</table>\n");
			etk_buf_adds(&uhtml, "</table>\n");
			if (c->npend > before)
				held_x = 1;
			snprintf(rel, sizeof(rel), "exhibits/%s/reports/%s.csv",
			    x->dir, k->name);
			/* csv first: its twin is held, records flush with
			 * the jsonl twin */
			if ((rc = bwrite(c->tmp, rel, csv.data ? csv.data : "",
			    csv.len, 0, NULL, c->err)) != ETK_OK)
				break;
			if (c->npend > before && (rc = bred_write_held(c, rel,
			    ucsv.data ? ucsv.data : "", ucsv.len, NULL)) !=
			    ETK_OK)
				break;
			rc = out_pair(c, item, &red, &unred, c->npend > before);
		}
		if (rc == ETK_OK && (c->kinds & ETK_BK_POLE))
			rc = pole_render(c, x, ent, ne, lnk, nl, &html, &uhtml);
		if (rc != ETK_OK)
			break;
		etk_buf_adds(&html, "</body>\n</html>\n");
		etk_buf_adds(&uhtml, "</body>\n</html>\n");
		snprintf(rel, sizeof(rel), "exhibits/%s/reports/index.html",
		    x->dir);
		if ((rc = bwrite(c->tmp, rel, html.data, html.len, 0, NULL,
		    c->err)) == ETK_OK && held_x)
			rc = bred_write_held(c, rel, uhtml.data, uhtml.len,
			    NULL);
	}
	if (rc == ETK_OK && (red.oom || csv.oom || html.oom || uhtml.oom))
		rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	etk_buf_release(&red);
	etk_buf_release(&unred);
	etk_buf_release(&csv);
	etk_buf_release(&ucsv);
	etk_buf_release(&html);
	etk_buf_release(&uhtml);
	for (kk = 0; kk < BK__N; kk++)
		recs_free(recs[kk], nrecs[kk]);
	pole_free(ent, ne);
	pole_free(lnk, nl);
	return rc;
}

/* ---- exported and carved files ---- */

static const char *
base_name(const char *loc)
{
	const char *p = strrchr(loc, '/'), *q = strrchr(loc, '!');

	if (q != NULL && (p == NULL || q > p))
		p = q;
	if (p == NULL)
		p = strrchr(loc, ':');
	return p != NULL ? p + 1 : loc;
}

static int
missing(struct bctx *c, const char *path, const char *sha, const char *loc,
    const char *why)
{
	char *cp = clean(c, path), *cl = clean(c, loc);
	struct etk_json j;

	if (cp == NULL || cl == NULL) {
		free(cp);
		free(cl);
		return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	}
	if (c->missing.len > 0)
		etk_buf_addc(&c->missing, ',');
	etk_json_init(&j, &c->missing);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "path", cp);
	etk_json_kstr(&j, "sha256", sha);
	etk_json_kstr(&j, "locator", cl);
	etk_json_kstr(&j, "why", why);
	etk_json_obj_end(&j);
	free(cp);
	free(cl);
	return ETK_OK;
}

/* One output of the journal: copy it (or re-render it, or withhold it). */
static int
export_one(struct bctx *c, struct bexh *x, const struct etk_jval *o,
    struct bset *done)
{
	const struct etk_jval *df = etk_jval_get(o, "derived_from"), *br;
	const char *path = etk_jval_str(o, "path"), *sha = etk_jval_str(o,
	    "sha256"), *loc, *h, *ext;
	const struct etk_redact_rule *regions[64];
	char rel[600], got[65], *src = NULL, *safe = NULL, *cl = NULL;
	struct etk_buf b;
	size_t i, nreg = 0;
	int rc = ETK_OK, ok, rule = -1, carved, in_sel;
	unsigned long long off = 0;

	loc = df != NULL ? etk_jval_str(df, "locator") : NULL;
	if (path == NULL || sha == NULL || loc == NULL || strlen(sha) != 64 ||
	    exh_of(c, loc) != x)
		return ETK_OK;
	/* only files the selected records name */
	etk_buf_init(&b);
	etk_buf_adds(&b, x->name);
	etk_buf_addc(&b, '\n');
	etk_buf_adds(&b, loc);
	in_sel = !b.oom && bs_has(&c->sel, b.data);
	if (!in_sel && (h = strchr(loc, '#')) != NULL) {
		etk_buf_reset(&b);
		etk_buf_adds(&b, x->name);
		etk_buf_addc(&b, '\n');
		etk_buf_add(&b, loc, (size_t)(h - loc));
		in_sel = !b.oom && bs_has(&c->sel, b.data);
	}
	etk_buf_release(&b);
	if (!in_sel)
		return ETK_OK;
	br = etk_jval_get(df, "byte_runs");
	carved = br != NULL && strstr(loc, ":@") != NULL;
	if (carved) {
		sscanf(strstr(loc, ":@") + 2, "%llu", &off);
		ext = strrchr(path, '.');
		safe = bsafe(ext != NULL && strchr(ext, '/') == NULL ? ext + 1 :
		    "bin", 16);
		if (safe == NULL)
			return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
		snprintf(rel, sizeof(rel), "exhibits/%s/carved/%llu.%s",
		    x->dir, off, safe);
	} else {
		if ((safe = bsafe(base_name(loc), 100)) == NULL)
			return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
		snprintf(rel, sizeof(rel), "exhibits/%s/extracted/%.16s_%s",
		    x->dir, sha, safe);
	}
	free(safe);
	if (bs_has(done, rel))
		return ETK_OK;
	if (bs_add(done, rel, strlen(rel)) != ETK_OK)
		return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	done->sorted = 0;
	if ((src = path[0] == '/' ? strdup(path) : bjoin(c->casedir, path)) ==
	    NULL || (cl = clean(c, loc)) == NULL) {
		rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
		goto out;
	}
	if (c->rd != NULL && ((etk_redact_scan_file(c->rd, src, &rule, NULL) ==
	    ETK_OK && rule >= 0) || (rule = bred_raw_file(c, src, NULL)) >=
	    0)) {
		/* a spelling inside the bytes: withheld whole */
		struct etk_json j;
		int idx;

		if (c->withheld.len > 0)
			etk_buf_addc(&c->withheld, ',');
		etk_json_init(&j, &c->withheld);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "path", rel);
		etk_json_kstr(&j, "locator", cl);
		etk_json_kstr(&j, "sha256", sha);
		etk_json_kstr(&j, "token", bred_token(c, (size_t)rule));
		etk_json_obj_end(&j);
		if ((idx = bred_add(c, "MANIFEST.json", cl, "withheld_files",
		    (size_t)rule, sha, 64)) < 0) {
			rc = idx;
			goto out;
		}
		c->pend[idx].held_path = bstrdup(path);
		memcpy(c->pend[idx].held_sha, sha, 65);
		rc = bred_flush(c, path, sha);
		goto out;
	}
	for (i = 0; c->rd != NULL && i < etk_redactor_count(c->rd); i++) {
		const struct etk_redact_rule *r = etk_redactor_rule(c->rd, i);

		if (r != NULL && r->kind == ETK_REDACT_REGION && r->picture !=
		    NULL && (strcmp(r->picture, sha) == 0 ||
		    strcmp(r->picture, loc) == 0) && nreg < 64)
			regions[nreg++] = r;
	}
	if (nreg > 0) {
		char *dst;
		int idx;

		if ((rc = bcopyf(src, c->tmp, rel, sha, &ok, got, c->err)) !=
		    ETK_OK)
			goto out;
		if (!ok) {
			rc = missing(c, path, sha, loc, "absent or its SHA-256 "
			    "differs from the journal's");
			goto out;
		}
		/* the check copy goes; the re-rendering takes its place */
		if ((dst = bjoin(c->tmp, rel)) == NULL) {
			rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
			goto out;
		}
		unlink(dst);
		rc = etk_redact_picture(src, dst, regions, nreg, c->err);
		free(dst);
		if (rc != ETK_OK) {
			etk_wrap(c->err, "re-rendering %s", cl);
			goto out;
		}
		for (i = 0; i < nreg; i++) {
			if ((idx = bred_add(c, rel, cl, NULL, regions[i]->index,
			    sha, 64)) < 0) {
				rc = idx;
				goto out;
			}
			c->pend[idx].has_region = 1;
			c->pend[idx].x = regions[i]->x;
			c->pend[idx].y = regions[i]->y;
			c->pend[idx].w = regions[i]->w;
			c->pend[idx].h = regions[i]->h;
			c->pend[idx].held_path = bstrdup(path);
			memcpy(c->pend[idx].held_sha, sha, 65);
		}
		rc = bred_flush(c, path, sha);
		c->counts[C_EXPORTED]++;
		goto out;
	}
	if ((rc = bcopyf(src, c->tmp, rel, sha, &ok, got, c->err)) != ETK_OK)
		goto out;
	if (!ok)
		rc = missing(c, path, sha, loc, "absent or its SHA-256 differs "
		    "from the journal's");
	else
		c->counts[C_EXPORTED]++;
out:
	free(src);
	free(cl);
	return rc;
}

int
brec_exports(struct bctx *c)
{
	const struct etk_jval *outs;
	struct etk_jval *doc;
	struct bset done;
	size_t xi, i, k;
	int rc = ETK_OK;

	memset(&done, 0, sizeof(done));
	bs_sort(&c->sel);
	for (xi = 0; xi < c->nex && rc == ETK_OK; xi++)
		for (i = 0; i < c->n && rc == ETK_OK; i++) {
			if (strstr(c->lines[i], "\"outputs\"") == NULL ||
			    etk_json_parse(c->lines[i], c->lens[i] - 1, &doc,
			    NULL) != ETK_OK)
				continue;
			outs = etk_jval_get(doc, "outputs");
			for (k = 0; outs != NULL && outs->type == ETK_JARR &&
			    k < outs->n && rc == ETK_OK; k++)
				rc = export_one(c, &c->ex[xi], outs->items[k],
				    &done);
			etk_jval_free(doc);
		}
	bs_free(&done);
	return rc;
}
