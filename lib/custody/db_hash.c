/*
 * Digests of files in the case database (etk hash): the md5, sha1 and
 * sha256 columns of the files table, set after etk_case_db_file, and one
 * row of the hashes table per hashed file (every digest, ssdeep, the
 * known and alert sets it matched, the extension check).
 */
#include <stdio.h>

#include <sqlite3.h>

#include <etk/evidence.h>
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

/* Names joined with ", " into b (NULL when there are none). */
static const char *
join(char *b, size_t blen, const char *const *names, size_t n)
{
	size_t i, off = 0;
	int w;

	if (n == 0 || blen == 0)
		return NULL;
	b[0] = '\0';
	for (i = 0; i < n; i++) {
		w = snprintf(b + off, blen - off, "%s%s", i > 0 ? ", " : "",
		    names[i]);
		if (w < 0 || (size_t)w >= blen - off)
			break;
		off += (size_t)w;
	}
	return b;
}

int
etk_case_db_hash(struct etk_case *kase, uint64_t action, const char *locator,
    uint64_t size, const struct etk_digests *d, const char *const *known,
    size_t nknown, const char *const *alert, size_t nalert, int ext_mismatch,
    struct etk_error *err)
{
	static const char sql[] = "INSERT OR REPLACE INTO hashes(action, "
	    "locator, size, md5, sha1, sha256, ssdeep, known, alert, "
	    "ext_mismatch) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
	char kb[1024], ab[1024];
	const char *ks, *as;
	sqlite3_stmt *st = NULL;
	int rc;

	if (kase == NULL || kase->db == NULL || locator == NULL || d == NULL)
		return etk_fail(err, ETK_EINVAL, 0,
		    "hashes: no case, locator or digests");
	if (sqlite3_prepare_v2(kase->db, sql, -1, &st, NULL) != SQLITE_OK)
		return etk_fail(err, ETK_EIO, 0, "case database: hashes: %s",
		    sqlite3_errmsg(kase->db));
	ks = join(kb, sizeof(kb), known, nknown);
	as = join(ab, sizeof(ab), alert, nalert);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)action);
	sqlite3_bind_text(st, 2, locator, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)size);
	bind_hex(st, 4, d->mask, ETK_DIGEST_MD5, d->md5);
	bind_hex(st, 5, d->mask, ETK_DIGEST_SHA1, d->sha1);
	bind_hex(st, 6, d->mask, ETK_DIGEST_SHA256, d->sha256);
	bind_hex(st, 7, d->mask, ETK_DIGEST_SSDEEP, d->ssdeep);
	if (ks != NULL)
		sqlite3_bind_text(st, 8, ks, -1, SQLITE_STATIC);
	if (as != NULL)
		sqlite3_bind_text(st, 9, as, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, ext_mismatch != 0);
	rc = sqlite3_step(st) == SQLITE_DONE ? ETK_OK : etk_fail(err, ETK_EIO,
	    0, "case database: hashes: %s", sqlite3_errmsg(kase->db));
	sqlite3_finalize(st);
	return rc;
}

int
etk_case_db_piece(struct etk_case *kase, int64_t evidence_id,
    uint64_t action, uint64_t offset, uint64_t len,
    const struct etk_digests *d, const char *error, struct etk_error *err)
{
	static const char sql[] = "INSERT INTO pieces(evidence_id, action,"
	    " offset, length, md5, sha1, sha256, error) VALUES(?1, ?2, ?3,"
	    " ?4, ?5, ?6, ?7, ?8)";
	sqlite3_stmt *st = NULL;
	int rc;

	if (kase == NULL || kase->db == NULL || d == NULL)
		return etk_fail(err, ETK_EINVAL, 0,
		    "piece: no case or digests");
	if (sqlite3_prepare_v2(kase->db, sql, -1, &st, NULL) != SQLITE_OK)
		return etk_fail(err, ETK_EIO, 0, "case database: pieces: %s",
		    sqlite3_errmsg(kase->db));
	sqlite3_bind_int64(st, 1, evidence_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)action);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)offset);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)len);
	bind_hex(st, 5, d->mask, ETK_DIGEST_MD5, d->md5);
	bind_hex(st, 6, d->mask, ETK_DIGEST_SHA1, d->sha1);
	bind_hex(st, 7, d->mask, ETK_DIGEST_SHA256, d->sha256);
	if (error != NULL)
		sqlite3_bind_text(st, 8, error, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? ETK_OK : etk_fail(err, ETK_EIO,
	    0, "case database: pieces: %s", sqlite3_errmsg(kase->db));
	sqlite3_finalize(st);
	return rc;
}

int
etk_case_db_volume(struct etk_case *kase, int64_t evidence_id,
    uint64_t action, const struct etk_volume *v, struct etk_error *err)
{
	static const char sql[] = "INSERT OR IGNORE INTO volumes(evidence_id,"
	    " action, slot, flags, start, len, descr, fs_type, block_size,"
	    " block_count) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
	sqlite3_stmt *st = NULL;
	int rc;

	if (kase == NULL || kase->db == NULL || v == NULL)
		return etk_fail(err, ETK_EINVAL, 0,
		    "volume: no case or volume");
	if (sqlite3_prepare_v2(kase->db, sql, -1, &st, NULL) != SQLITE_OK)
		return etk_fail(err, ETK_EIO, 0, "case database: volumes: %s",
		    sqlite3_errmsg(kase->db));
	sqlite3_bind_int64(st, 1, evidence_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)action);
	sqlite3_bind_int(st, 3, v->slot);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)v->flags);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)v->start);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)v->len);
	if (v->desc != NULL)
		sqlite3_bind_text(st, 7, v->desc, -1, SQLITE_STATIC);
	if (v->fs_type != NULL && v->fs_status == ETK_OK)
		sqlite3_bind_text(st, 8, v->fs_type, -1, SQLITE_STATIC);
	if (v->fs_status == ETK_OK && v->block_size != 0) {
		sqlite3_bind_int64(st, 9, (sqlite3_int64)v->block_size);
		sqlite3_bind_int64(st, 10, (sqlite3_int64)v->block_count);
	}
	rc = sqlite3_step(st) == SQLITE_DONE ? ETK_OK : etk_fail(err, ETK_EIO,
	    0, "case database: volumes: %s", sqlite3_errmsg(kase->db));
	sqlite3_finalize(st);
	return rc;
}
