/*
 * Shared plumbing of the Android parsers (see a_android_util.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/a_android_util.h"

/* ------------------------------------------------------------------ */

void
aa_atts_init(struct aa_atts *a)
{
	memset(a, 0, sizeof(*a));
	ex_strs_init(&a->s);
}

void
aa_atts_free(struct aa_atts *a)
{
	ex_strs_free(&a->s);
	free(a->size);
	free(a->att);
	aa_atts_init(a);
}

void
aa_atts_reset(struct aa_atts *a)
{
	ex_strs_reset(&a->s);
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
	ex_strs_add(&a->s, stored);
	ex_strs_add(&a->s, mime);
	ex_strs_add(&a->s, name);
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
		a->att[i].stored = ex_strs_get(&a->s, 3 * i);
		a->att[i].mime = ex_strs_get(&a->s, 3 * i + 1);
		a->att[i].name = ex_strs_get(&a->s, 3 * i + 2);
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
