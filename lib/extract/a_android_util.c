/*
 * Shared plumbing of the Android parsers (see a_android_util.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/a_android_util.h"

static void
add_ident(struct etk_buf *b, const char *s)
{
	etk_buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			etk_buf_addc(b, '"');
		etk_buf_addc(b, *s);
	}
	etk_buf_addc(b, '"');
}

void
aa_col(struct ex_db *db, struct etk_buf *sql, const char *table,
    const char *alias, const char *col)
{
	if (!ex_db_has_col(db, table, col)) {
		etk_buf_adds(sql, "NULL");
		return;
	}
	add_ident(sql, alias != NULL ? alias : table);
	etk_buf_addc(sql, '.');
	add_ident(sql, col);
}

int
aa_has_cols(struct ex_db *db, const char *table, ...)
{
	va_list ap;
	const char *c;
	int ok = ex_db_has_table(db, table);

	va_start(ap, table);
	while (ok && (c = va_arg(ap, const char *)) != NULL)
		ok = ex_db_has_col(db, table, c);
	va_end(ap);
	return ok;
}

/* ------------------------------------------------------------------ */

void
aa_list_init(struct aa_list *l)
{
	memset(l, 0, sizeof(*l));
	etk_buf_init(&l->buf);
}

void
aa_list_free(struct aa_list *l)
{
	etk_buf_release(&l->buf);
	free(l->off);
	free(l->ptr);
	aa_list_init(l);
}

void
aa_list_reset(struct aa_list *l)
{
	etk_buf_reset(&l->buf);
	l->n = 0;
}

size_t
aa_list_add(struct aa_list *l, const char *s)
{
	size_t *o;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;

		if ((o = realloc(l->off, cap * sizeof(*o))) == NULL) {
			l->oom = 1;
			return SIZE_MAX;
		}
		l->off = o;
		l->cap = cap;
	}
	if (s == NULL) {
		l->off[l->n] = SIZE_MAX;
	} else {
		l->off[l->n] = l->buf.len;
		etk_buf_add(&l->buf, s, strlen(s) + 1);
		if (l->buf.oom) {
			l->oom = 1;
			return SIZE_MAX;
		}
	}
	return l->n++;
}

const char *
aa_list_get(const struct aa_list *l, size_t i)
{
	if (i >= l->n || l->off[i] == SIZE_MAX)
		return NULL;
	return l->buf.data + l->off[i];
}

const char *const *
aa_list_ptrs(struct aa_list *l)
{
	size_t i;

	if (l->n > l->ptrcap) {
		const char **p = realloc(l->ptr, l->n * sizeof(*p));

		if (p == NULL) {
			l->oom = 1;
			return NULL;
		}
		l->ptr = p;
		l->ptrcap = l->n;
	}
	for (i = 0; i < l->n; i++)
		l->ptr[i] = aa_list_get(l, i);
	return l->ptr;
}

/* ------------------------------------------------------------------ */

void
aa_atts_init(struct aa_atts *a)
{
	memset(a, 0, sizeof(*a));
	aa_list_init(&a->s);
}

void
aa_atts_free(struct aa_atts *a)
{
	aa_list_free(&a->s);
	free(a->size);
	free(a->att);
	aa_atts_init(a);
}

void
aa_atts_reset(struct aa_atts *a)
{
	aa_list_reset(&a->s);
	a->n = 0;
}

void
aa_atts_add(struct aa_atts *a, const char *stored, const char *mime,
    const char *name, int64_t size)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 4;
		int64_t *s = realloc(a->size, cap * sizeof(*s));

		if (s == NULL) {
			a->oom = 1;
			return;
		}
		a->size = s;
		a->cap = cap;
	}
	aa_list_add(&a->s, stored);
	aa_list_add(&a->s, mime);
	aa_list_add(&a->s, name);
	a->size[a->n++] = size;
}

const struct ex_attach *
aa_atts_build(struct aa_atts *a)
{
	size_t i;

	if (a->n == 0)
		return NULL;
	if (a->n > a->attcap) {
		struct ex_attach *p = realloc(a->att, a->n * sizeof(*p));

		if (p == NULL) {
			a->oom = 1;
			return NULL;
		}
		a->att = p;
		a->attcap = a->n;
	}
	for (i = 0; i < a->n; i++) {
		a->att[i].stored = aa_list_get(&a->s, 3 * i);
		a->att[i].mime = aa_list_get(&a->s, 3 * i + 1);
		a->att[i].name = aa_list_get(&a->s, 3 * i + 2);
		a->att[i].size = a->size[i];
	}
	return a->att;
}

/* ------------------------------------------------------------------ */

void
aa_child_init(struct aa_child *c, sqlite3_stmt *st)
{
	memset(c, 0, sizeof(*c));
	c->st = st;
}

void
aa_child_free(struct aa_child *c)
{
	sqlite3_finalize(c->st);
	c->st = NULL;
}

static void
child_step(struct aa_child *c)
{
	int rc;

	/* Rows whose key is NULL belong to no parent: the query filters
	 * them, but a key that is not an integer reads as its numeric
	 * value here, as SQLite compares it. */
	rc = sqlite3_step(c->st);
	if (rc == SQLITE_ROW) {
		c->state = 1;
		c->key = sqlite3_column_int64(c->st, 0);
		return;
	}
	c->state = 2;
	if (rc != SQLITE_DONE)
		c->rc = rc;
}

int
aa_child_first(struct aa_child *c, int64_t key)
{
	if (c->st == NULL || c->rc != 0)
		return 0;
	if (c->asked && key < c->last) {
		sqlite3_reset(c->st);
		c->state = 0;
	}
	c->asked = 1;
	c->last = key;
	if (c->state == 0)
		child_step(c);
	while (c->state == 1 && c->key < key)
		child_step(c);
	return c->state == 1 && c->key == key;
}

int
aa_child_next(struct aa_child *c)
{
	if (c->state != 1)
		return 0;
	child_step(c);
	return c->state == 1 && c->key == c->last;
}

/* ------------------------------------------------------------------ */

void
aa_map_init(struct aa_map *m)
{
	memset(m, 0, sizeof(*m));
}

void
aa_map_free(struct aa_map *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->e[i].k);
		free(m->e[i].v);
	}
	free(m->e);
	aa_map_init(m);
}

int
aa_map_put(struct aa_map *m, const char *k, const char *v)
{
	struct aa_map_ent *e;

	if (k == NULL || v == NULL)
		return 0;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;

		if ((e = realloc(m->e, cap * sizeof(*e))) == NULL)
			return -1;
		m->e = e;
		m->cap = cap;
	}
	e = &m->e[m->n];
	e->k = strdup(k);
	e->v = strdup(v);
	if (e->k == NULL || e->v == NULL) {
		free(e->k);
		free(e->v);
		return -1;
	}
	e->seq = m->n++;
	m->sorted = 0;
	return 0;
}

static int
ent_cmp(const void *a, const void *b)
{
	const struct aa_map_ent *x = a, *y = b;
	int c = strcmp(x->k, y->k);

	/* Stable on equal keys (qsort is not): the earlier put first. */
	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
aa_map_done(struct aa_map *m)
{
	if (m->n > 1)
		qsort(m->e, m->n, sizeof(*m->e), ent_cmp);
	m->sorted = 1;
}

const char *
aa_map_get(const struct aa_map *m, const char *k)
{
	size_t lo = 0, hi = m->n, mid;
	int c;

	if (k == NULL || !m->sorted)
		return NULL;
	/* The first entry of an equal run: lower bound. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(m->e[mid].k, k);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->n && strcmp(m->e[lo].k, k) == 0)
		return m->e[lo].v;
	return NULL;
}

int
aa_prepare(struct ex_db *db, struct etk_buf *sql, sqlite3_stmt **st,
    char *reason, size_t reasonsz)
{
	struct etk_error err = { 0 };
	int rc;

	if (sql->oom) {
		etk_buf_release(sql);
		snprintf(reason, reasonsz, "out of memory");
		return -1;
	}
	rc = ex_db_prepare(db, sql->data, st, &err);
	etk_buf_release(sql);
	if (rc != 0) {
		snprintf(reason, reasonsz, "%s", err.msg);
		return -1;
	}
	return 0;
}

enum ex_parse_status
aa_step_status(struct ex_db *db, int rc, const char *what, char *reason,
    size_t reasonsz)
{
	if (rc == SQLITE_DONE)
		return EX_PARSED;
	if (reason != NULL && reasonsz > 0)
		snprintf(reason, reasonsz, "%s: %s", what,
		    rc == SQLITE_NOMEM ? "out of memory" :
		    sqlite3_errmsg(db->db));
	return EX_FAILED;
}
