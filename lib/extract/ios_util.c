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
ios_col(struct ex_db *db, struct etk_buf *sql, const char *table,
    const char *col)
{
	ex_db_col(db, sql, table, col);
	etk_buf_adds(sql, ", ");
}

void
ios_row_name(const struct ex_db *db, const char *table, int64_t rowid,
    char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s#%s/%lld", db->locator != NULL ?
	    db->locator : "", table, (long long)rowid);
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
	ex_strs_init(&m->s);
}

void
ios_map_free(struct ios_map *m)
{
	free(m->key);
	ex_strs_free(&m->s);
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
			ex_strs_add(&m->s, ex_col_text(st, i));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return etk_fail(err, ETK_EFORMAT, 0, "%s: %s", db->locator,
		    sqlite3_errmsg(db->db));
	if (m->s.oom)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	m->ptr = ex_strs_ptrs(&m->s);
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
