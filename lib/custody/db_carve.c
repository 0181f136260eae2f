/*
 * Carved files in the case database (etk carve): one row of the carved
 * table per record.
 */
#include <stdio.h>

#include <sqlite3.h>

#include <etk/carve_db.h>
#include <etk/json.h>

#include "custody_int.h"

int
etk_case_db_carved(struct etk_case *kase, uint64_t action,
    const struct etk_carved *c, struct etk_error *err)
{
	static const char sql[] = "INSERT OR REPLACE INTO carved(action, "
	    "locator, offset, length, byte_runs, type, ext, validated, "
	    "complete, sha256, path) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?9, ?10, ?11)";
	struct etk_buf runs;
	struct etk_json j;
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc;

	if (kase == NULL || kase->db == NULL || c == NULL ||
	    c->locator == NULL)
		return etk_fail(err, ETK_EINVAL, 0,
		    "carved: no case or record");
	if (sqlite3_prepare_v2(kase->db, sql, -1, &st, NULL) != SQLITE_OK)
		return etk_fail(err, ETK_EIO, 0, "case database: carved: %s",
		    sqlite3_errmsg(kase->db));
	etk_buf_init(&runs);
	etk_json_init(&j, &runs);
	etk_json_arr_begin(&j);
	for (i = 0; i < c->nruns; i++) {
		etk_json_obj_begin(&j);
		etk_json_kuint(&j, "offset", c->runs[i].img_offset);
		etk_json_kuint(&j, "len", c->runs[i].len);
		etk_json_obj_end(&j);
	}
	etk_json_arr_end(&j);
	if (runs.oom) {
		sqlite3_finalize(st);
		etk_buf_release(&runs);
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)action);
	sqlite3_bind_text(st, 2, c->locator, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)c->offset);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)c->length);
	sqlite3_bind_text(st, 5, runs.data, (int)runs.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->ext, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, c->validated != 0);
	sqlite3_bind_int(st, 9, c->complete != 0);
	if (c->sha256[0] != '\0')
		sqlite3_bind_text(st, 10, c->sha256, -1, SQLITE_STATIC);
	if (c->path != NULL)
		sqlite3_bind_text(st, 11, c->path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? ETK_OK : etk_fail(err, ETK_EIO,
	    0, "case database: carved: %s", sqlite3_errmsg(kase->db));
	sqlite3_finalize(st);
	etk_buf_release(&runs);
	return rc;
}
