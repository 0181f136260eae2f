/*
 * Small helpers shared by the iOS parsers (see ios_util.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/ios_util.h"

void
ios_strs_init(struct ios_strs *l)
{
	memset(l, 0, sizeof(*l));
	etk_buf_init(&l->buf);
}

void
ios_strs_free(struct ios_strs *l)
{
	etk_buf_release(&l->buf);
	free(l->off);
	free(l->ptr);
	memset(l, 0, sizeof(*l));
}

void
ios_strs_reset(struct ios_strs *l)
{
	etk_buf_reset(&l->buf);
	l->n = 0;
}

void
ios_strs_addn(struct ios_strs *l, const char *s, size_t len)
{
	size_t *no;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		if ((no = realloc(l->off, cap * sizeof(*no))) == NULL) {
			l->oom = 1;
			return;
		}
		l->off = no;
		l->cap = cap;
	}
	l->off[l->n++] = l->buf.len;
	etk_buf_add(&l->buf, s, len);
	etk_buf_addc(&l->buf, '\0');
	if (l->buf.oom)
		l->oom = 1;
}

void
ios_strs_add(struct ios_strs *l, const char *s)
{
	size_t *no;

	if (s != NULL) {
		ios_strs_addn(l, s, strlen(s));
		return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		if ((no = realloc(l->off, cap * sizeof(*no))) == NULL) {
			l->oom = 1;
			return;
		}
		l->off = no;
		l->cap = cap;
	}
	l->off[l->n++] = SIZE_MAX;
}

const char *const *
ios_strs_ptrs(struct ios_strs *l)
{
	const char **np;
	size_t i;

	if (l->n == 0 || l->oom)
		return NULL;
	if (l->n > l->ptrcap) {
		if ((np = realloc(l->ptr, l->n * sizeof(*np))) == NULL) {
			l->oom = 1;
			return NULL;
		}
		l->ptr = np;
		l->ptrcap = l->n;
	}
	/* Pointers are made only now: the buffer may have moved while
	 * strings were added. */
	for (i = 0; i < l->n; i++)
		l->ptr[i] = l->off[i] == SIZE_MAX ? NULL :
		    l->buf.data + l->off[i];
	return l->ptr;
}

void
ios_col(struct ex_db *db, struct etk_buf *sql, const char *table,
    const char *col)
{
	ex_db_col(db, sql, table, col);
	etk_buf_adds(sql, ", ");
}

int
ios_has_cols(struct ex_db *db, const char *table, ...)
{
	const char *c;
	va_list ap;
	int ok;

	if (!ex_db_has_table(db, table))
		return 0;
	ok = 1;
	va_start(ap, table);
	while (ok && (c = va_arg(ap, const char *)) != NULL)
		ok = ex_db_has_col(db, table, c);
	va_end(ap);
	return ok;
}

void
ios_row_name(const struct ex_db *db, const char *table, int64_t rowid,
    char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s#%s/%lld", db->locator != NULL ?
	    db->locator : "", table, (long long)rowid);
}

enum ex_parse_status
ios_step_status(struct ex_db *db, int rc, const char *table, char *reason,
    size_t reasonsz)
{
	if (rc == SQLITE_DONE)
		return EX_PARSED;
	snprintf(reason, reasonsz, "reading %s: %s", table,
	    sqlite3_errmsg(db->db));
	return EX_FAILED;
}

void
ios_time_cocoa_auto(struct ex_time *t, sqlite3_stmt *st, int col)
{
	double mag;

	ex_time_col(t, EX_T_COCOA_S, st, col);
	if (!t->has_raw)
		return;
	mag = t->raw_is_real ? t->raw_d : (double)t->raw_i;
	if (mag >= 1e11 || mag <= -1e11)
		ex_time_col(t, EX_T_COCOA_NS, st, col);
}

void
ios_map_init(struct ios_map *m)
{
	memset(m, 0, sizeof(*m));
	ios_strs_init(&m->s);
}

void
ios_map_free(struct ios_map *m)
{
	free(m->key);
	ios_strs_free(&m->s);
	memset(m, 0, sizeof(*m));
}

int
ios_map_load(struct ex_db *db, struct ios_map *m, const char *sql, int ncol,
    struct etk_error *err)
{
	sqlite3_stmt *st;
	int64_t k;
	int rc, i;

	m->ncol = ncol;
	if ((rc = ex_db_prepare(db, sql, &st, err)) != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		k = sqlite3_column_int64(st, 0);
		/* Keys must ascend for the binary search; a table that
		 * breaks that (it cannot, for a ROWID) keeps its first. */
		if (m->n > 0 && k <= m->key[m->n - 1])
			continue;
		if (m->n == m->cap) {
			size_t cap = m->cap ? m->cap * 2 : 64;
			int64_t *nk = realloc(m->key, cap * sizeof(*nk));

			if (nk == NULL) {
				sqlite3_finalize(st);
				return etk_fail(err, ETK_ENOMEM, 0,
				    "out of memory");
			}
			m->key = nk;
			m->cap = cap;
		}
		m->key[m->n++] = k;
		for (i = 1; i <= ncol; i++)
			ios_strs_add(&m->s, ex_col_text(st, i));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return etk_fail(err, ETK_EFORMAT, 0, "%s: %s", db->locator,
		    sqlite3_errmsg(db->db));
	if (m->s.oom)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	m->ptr = ios_strs_ptrs(&m->s);
	return 0;
}

const char *const *
ios_map_get(const struct ios_map *m, int64_t key)
{
	size_t lo = 0, hi = m->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m->key[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == m->n || m->key[lo] != key || m->ptr == NULL)
		return NULL;
	return m->ptr + lo * (size_t)m->ncol;
}
