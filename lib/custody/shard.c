/*
 * Sharded runs (SCALE.md §4.1).  A shard of a run writes its records to
 * its own SQLite file with the case schema (rows numbered action 0) and
 * a one-row table naming the plan and the shard.  The merge stages the
 * rows of shards 0..N-1, in that order, into a case exactly as one run
 * would have written them; the journal entry that follows numbers them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custody_int.h"

static int
sfail(sqlite3 *db, struct etk_error *err, const char *path, const char *what)
{
	return etk_fail(err, ETK_EIO, 0, "%s: %s: %s", path, what,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	if ((d = malloc((size_t)(slash - path) + 1)) == NULL)
		return NULL;
	memcpy(d, path, (size_t)(slash - path));
	d[slash - path] = '\0';
	return d;
}

int
etk_shard_db_create(const char *path, const char *plan_id, const char *tool,
    uint64_t k, uint64_t n, struct etk_case **out, struct etk_error *err)
{
	struct etk_case *kase;
	sqlite3_stmt *st = NULL;
	int fd, rc;

	*out = NULL;
	if (path == NULL || plan_id == NULL || tool == NULL || k >= n)
		return etk_fail(err, ETK_EINVAL, 0, "shard: bad arguments");
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1)
		return etk_fail(err, errno == EEXIST ? ETK_EEXIST : ETK_EIO,
		    errno, "cannot create '%s': %s", path, strerror(errno));
	close(fd);
	if ((rc = etk_cust_db_create(path, err)) != ETK_OK) {
		(void)unlink(path);
		return rc;
	}
	if ((kase = calloc(1, sizeof(*kase))) == NULL ||
	    (kase->shard_path = strdup(path)) == NULL ||
	    (kase->dir = dir_of(path)) == NULL) {
		if (kase != NULL) {
			free(kase->shard_path);
			free(kase);
		}
		(void)unlink(path);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	}
	if ((rc = etk_cust_db_open(kase, path, err)) != ETK_OK)
		goto fail;
	/* The file is synced once, whole, when it is finished. */
	if ((rc = etk_cust_db_exec(kase, "PRAGMA synchronous = OFF;"
	    "CREATE TABLE shard(plan_id TEXT NOT NULL, tool TEXT NOT NULL,"
	    " k INTEGER NOT NULL, n INTEGER NOT NULL,"
	    " etk_version TEXT NOT NULL)", err)) != ETK_OK)
		goto fail;
	if (sqlite3_prepare_v2(kase->db, "INSERT INTO shard VALUES(?1, ?2, ?3,"
	    " ?4, ?5)", -1, &st, NULL) != SQLITE_OK) {
		rc = sfail(kase->db, err, path, "cannot write");
		goto fail;
	}
	sqlite3_bind_text(st, 1, plan_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, tool, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)k);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)n);
	sqlite3_bind_text(st, 5, etk_version(), -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? ETK_OK :
	    sfail(kase->db, err, path, "cannot write");
	sqlite3_finalize(st);
	if (rc != ETK_OK)
		goto fail;
	*out = kase;
	return ETK_OK;
fail:
	etk_case_close(kase);
	(void)unlink(path);
	return rc;
}

int
etk_shard_db_finish(struct etk_case *kase, struct etk_error *err)
{
	char *path;
	int fd, rc;

	if (kase == NULL || kase->shard_path == NULL) {
		etk_case_close(kase);
		return etk_fail(err, ETK_EINVAL, 0, "not a shard database");
	}
	path = kase->shard_path;
	kase->shard_path = NULL;
	if ((rc = etk_cust_db_flush(kase, 0, err)) == ETK_OK)
		rc = etk_cust_db_end(kase, 1, err);
	etk_case_close(kase);
	if (rc == ETK_OK) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
		    fsync(fd) != 0)
			rc = etk_fail(err, ETK_EIO, errno, "cannot sync '%s'",
			    path);
		if (fd != -1)
			close(fd);
	}
	free(path);
	return rc;
}

static int
open_ro(const char *path, sqlite3 **db, struct etk_error *err)
{
	sqlite3_stmt *st = NULL;
	int version = -1, rc;

	/* Our own output, not evidence; read-only all the same. */
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_EXRESCODE, NULL) != SQLITE_OK) {
		rc = sfail(*db, err, path, "cannot open");
		sqlite3_close(*db);
		*db = NULL;
		return rc;
	}
	if (sqlite3_prepare_v2(*db, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version != ETK_CASE_DB_VERSION) {
		rc = version < 0 ? etk_fail(err, ETK_EFORMAT, 0, "%s: not an "
		    "etk shard database (%s)", path, sqlite3_errmsg(*db)) :
		    etk_fail(err, ETK_EFORMAT, 0, "%s: schema version %d, "
		    "expected %d", path, version, ETK_CASE_DB_VERSION);
		sqlite3_close(*db);
		*db = NULL;
		return rc;
	}
	return ETK_OK;
}

static int
copy_text(char *dst, size_t size, const unsigned char *s)
{
	if (s == NULL || strlen((const char *)s) >= size)
		return -1;
	memcpy(dst, s, strlen((const char *)s) + 1);
	return 0;
}

static int
read_info(sqlite3 *db, const char *path, struct etk_shard_info *info,
    struct etk_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(info, 0, sizeof(*info));
	if (sqlite3_prepare_v2(db, "SELECT plan_id, tool, k, n, etk_version"
	    " FROM shard", -1, &st, NULL) != SQLITE_OK)
		return etk_fail(err, ETK_EFORMAT, 0, "%s: not an etk shard "
		    "database (no shard table)", path);
	rc = ETK_EFORMAT;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    copy_text(info->plan_id, sizeof(info->plan_id),
	    sqlite3_column_text(st, 0)) == 0 &&
	    copy_text(info->tool, sizeof(info->tool),
	    sqlite3_column_text(st, 1)) == 0 &&
	    copy_text(info->etk_version, sizeof(info->etk_version),
	    sqlite3_column_text(st, 4)) == 0 &&
	    sqlite3_column_int64(st, 2) >= 0 &&
	    sqlite3_column_int64(st, 3) > sqlite3_column_int64(st, 2)) {
		info->k = (uint64_t)sqlite3_column_int64(st, 2);
		info->n = (uint64_t)sqlite3_column_int64(st, 3);
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = ETK_OK;
	}
	sqlite3_finalize(st);
	if (rc != ETK_OK)
		return etk_fail(err, rc, 0, "%s: the shard table is not one "
		    "row naming a plan, a tool and shard K of N", path);
	return ETK_OK;
}

int
etk_shard_db_info(const char *path, struct etk_shard_info *info,
    struct etk_error *err)
{
	sqlite3 *db = NULL;
	int rc;

	if ((rc = open_ro(path, &db, err)) != ETK_OK)
		return rc;
	rc = read_info(db, path, info, err);
	sqlite3_close(db);
	return rc;
}

struct evmap {
	int64_t from, to;
};

static int
map_evidence(struct etk_case *kase, sqlite3 *db, const char *path,
    struct evmap **map, size_t *nmap, struct etk_error *err)
{
	sqlite3_stmt *st = NULL;
	const char *name, *epath, *kind, *sha;
	char hex[65];
	uint64_t size, isize;
	struct evmap *m;
	int rc = ETK_OK, s;

	if (sqlite3_prepare_v2(db, "SELECT id, name, path, kind, size, sha256"
	    " FROM evidence ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return sfail(db, err, path, "evidence");
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 1);
		epath = (const char *)sqlite3_column_text(st, 2);
		kind = (const char *)sqlite3_column_text(st, 3);
		sha = (const char *)sqlite3_column_text(st, 5);
		size = (uint64_t)sqlite3_column_int64(st, 4);
		if (name == NULL || epath == NULL) {
			rc = etk_fail(err, ETK_EFORMAT, 0, "%s: evidence row "
			    "without name or path", path);
			break;
		}
		/* As the run itself does in a case: the input's digest and
		 * file size, read once per case (cached). */
		isize = size;
		if (sha == NULL && etk_case_input_sha256(kase, epath, hex,
		    &isize, NULL) == ETK_OK)
			sha = hex;
		else
			isize = size;
		if ((m = realloc(*map, (*nmap + 1) * sizeof(**map))) == NULL) {
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
			break;
		}
		*map = m;
		m[*nmap].from = sqlite3_column_int64(st, 0);
		if ((rc = etk_case_db_evidence(kase, name, epath, kind, isize,
		    sha, &m[*nmap].to, err)) != ETK_OK)
			break;
		(*nmap)++;
	}
	if (rc == ETK_OK && s != SQLITE_DONE)
		rc = sfail(db, err, path, "evidence");
	sqlite3_finalize(st);
	return rc;
}

static int
copy_table(struct etk_case *kase, sqlite3 *db, const char *path,
    const char *table, const struct evmap *map, size_t nmap,
    uint64_t *rows, struct etk_error *err)
{
	struct etk_buf cols, sql;
	sqlite3_stmt *sel = NULL, *ins = NULL;
	int ncol, i, evcol = -1, rc = ETK_OK, s;
	sqlite3_int64 from;
	size_t j;

	etk_buf_init(&cols);
	etk_buf_init(&sql);
	/* The case's columns, action included (the staging copy numbers
	 * the rows when the journal entry is appended). */
	if ((ncol = etk_cust_table_columns(kase->db, "main", table, 1,
	    &cols)) <= 0) {
		rc = sfail(kase->db, err, "etk.db", table);
		goto out;
	}
	etk_buf_printf(&sql, "SELECT %s FROM main.%s ORDER BY id", cols.data,
	    table);
	if (sql.oom || sqlite3_prepare_v2(db, sql.data, -1, &sel, NULL) !=
	    SQLITE_OK) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "%s: table %s: %s", path,
		    table, sqlite3_errmsg(db));
		goto out;
	}
	etk_buf_reset(&sql);
	etk_buf_printf(&sql, "INSERT INTO temp.%s(%s) VALUES(", table,
	    cols.data);
	for (i = 0; i < ncol; i++)
		etk_buf_adds(&sql, i == 0 ? "?" : ", ?");
	etk_buf_adds(&sql, ")");
	if (sql.oom || sqlite3_prepare_v2(kase->db, sql.data, -1, &ins,
	    NULL) != SQLITE_OK) {
		rc = sfail(kase->db, err, "etk.db", table);
		goto out;
	}
	for (i = 0; i < ncol; i++)
		if (strcmp(sqlite3_column_name(sel, i), "evidence_id") == 0)
			evcol = i;
	while ((s = sqlite3_step(sel)) == SQLITE_ROW) {
		sqlite3_reset(ins);
		for (i = 0; i < ncol; i++)
			sqlite3_bind_value(ins, i + 1,
			    sqlite3_column_value(sel, i));
		if (evcol >= 0 && sqlite3_column_type(sel, evcol) !=
		    SQLITE_NULL) {
			from = sqlite3_column_int64(sel, evcol);
			for (j = 0; j < nmap && map[j].from != from; j++)
				;
			if (j == nmap) {
				rc = etk_fail(err, ETK_EFORMAT, 0, "%s: %s row "
				    "names evidence %lld, which is not in the "
				    "file", path, table, (long long)from);
				goto out;
			}
			sqlite3_bind_int64(ins, evcol + 1, map[j].to);
		}
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = sfail(kase->db, err, "etk.db", table);
			goto out;
		}
		(*rows)++;
	}
	if (s != SQLITE_DONE)
		rc = etk_fail(err, ETK_EFORMAT, 0, "%s: table %s: %s", path,
		    table, sqlite3_errmsg(db));
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	etk_buf_release(&cols);
	etk_buf_release(&sql);
	return rc;
}

int
etk_case_db_merge_shard(struct etk_case *kase, const char *path,
    uint64_t *rows, struct etk_error *err)
{
	struct etk_shard_info info;
	struct evmap *map = NULL;
	sqlite3 *db = NULL;
	size_t nmap = 0, i;
	int rc;

	*rows = 0;
	if (kase == NULL || kase->db == NULL || path == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "merge: no case or file");
	if ((rc = open_ro(path, &db, err)) != ETK_OK)
		return rc;
	if ((rc = read_info(db, path, &info, err)) != ETK_OK ||
	    (rc = map_evidence(kase, db, path, &map, &nmap, err)) != ETK_OK ||
	    (rc = etk_case_db_begin(kase, err)) != ETK_OK)
		goto out;
	for (i = 0; i < etk_cust_nrow_tables && rc == ETK_OK; i++)
		rc = copy_table(kase, db, path, etk_cust_row_tables[i], map,
		    nmap, rows, err);
	if (rc == ETK_OK)
		rc = etk_case_db_commit(kase, err);
	else
		(void)etk_case_db_rollback(kase);
out:
	free(map);
	sqlite3_close(db);
	return rc;
}
