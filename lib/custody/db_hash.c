/*
 * Digests of files in the case database (etk hash): the md5, sha1 and
 * sha256 columns of the files table, set after etk_case_db_file.
 */
#include <stdio.h>

#include <sqlite3.h>

#include <etk/hash.h>

#include "custody_int.h"

static void
bind_hex(sqlite3_stmt *st, int i, unsigned mask, unsigned bit,
    const char *hex)
{
	if ((mask & bit) && hex[0] != '\0')
		sqlite3_bind_text(st, i, hex, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int
etk_case_db_file_hashes(struct etk_case *kase, uint64_t action,
    const char *locator, const struct etk_digests *d, struct etk_error *err)
{
	static const char sql[] = "UPDATE files SET md5 = ?1, sha1 = ?2, "
	    "sha256 = ?3 WHERE action = ?4 AND locator = ?5";
	sqlite3_stmt *st = NULL;
	int rc;

	if (kase == NULL || kase->db == NULL || locator == NULL || d == NULL)
		return etk_fail(err, ETK_EINVAL, 0,
		    "file hashes: no case, locator or digests");
	if (sqlite3_prepare_v2(kase->db, sql, -1, &st, NULL) != SQLITE_OK)
		return etk_fail(err, ETK_EIO, 0, "case database: files: %s",
		    sqlite3_errmsg(kase->db));
	bind_hex(st, 1, d->mask, ETK_DIGEST_MD5, d->md5);
	bind_hex(st, 2, d->mask, ETK_DIGEST_SHA1, d->sha1);
	bind_hex(st, 3, d->mask, ETK_DIGEST_SHA256, d->sha256);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)action);
	sqlite3_bind_text(st, 5, locator, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		rc = etk_fail(err, ETK_EIO, 0, "case database: files: %s",
		    sqlite3_errmsg(kase->db));
		sqlite3_finalize(st);
		return rc;
	}
	rc = sqlite3_changes(kase->db) > 0 ? ETK_OK : etk_fail(err,
	    ETK_ENOTFOUND, 0, "case database: no file %s in run %llu",
	    locator, (unsigned long long)action);
	sqlite3_finalize(st);
	return rc;
}
