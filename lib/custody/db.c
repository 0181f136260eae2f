/*
 * The case database (etk.db, SQLite 3).  It is ours, not evidence, so it
 * is opened read-write with a rollback journal (journal_mode DELETE: no
 * -wal files beside it).  Rows hold no wall-clock time, so the same run
 * over the same evidence gives the same rows; only actions.ts (copied
 * from the journal) is a time of day.  Statements are prepared once per
 * case handle.  PRAGMA user_version is the schema version.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody_int.h"

/* Piecewise digests of a source's media (etk hash --piecewise): windows
 * at absolute offsets.  Added after schema version 1 shipped, so a case
 * made before gets the table when it is opened. */
#define PIECES_TABLE "pieces(id INTEGER PRIMARY KEY, evidence_id INTEGER" \
    " REFERENCES evidence(id), action INTEGER NOT NULL," \
    " offset INTEGER NOT NULL, length INTEGER NOT NULL, md5 TEXT," \
    " sha1 TEXT, sha256 TEXT, error TEXT," \
    " UNIQUE(action, evidence_id, offset))"

/* Tables of later stages (carved, messages, ...) have the columns their
 * JSON records have (DESIGN.md §5); list values (recipients, numbers,
 * byte_runs, ...) are JSON text.  Every row names the journal entry
 * (action = seq) of the run that made it. */
static const char schema[] =
    "CREATE TABLE evidence(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " path TEXT NOT NULL, kind TEXT, size INTEGER, sha256 TEXT,"
    " UNIQUE(path));\n"
    "CREATE TABLE input_cache(path TEXT NOT NULL, dev INTEGER NOT NULL,"
    " ino INTEGER NOT NULL, size INTEGER NOT NULL,"
    " mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY(path));\n"
    "CREATE TABLE volumes(id INTEGER PRIMARY KEY, evidence_id INTEGER"
    " REFERENCES evidence(id), action INTEGER, slot INTEGER, flags INTEGER,"
    " start INTEGER, len INTEGER, descr TEXT, fs_type TEXT,"
    " block_size INTEGER, block_count INTEGER,"
    " UNIQUE(action, evidence_id, slot, start));\n"
    "CREATE TABLE files(id INTEGER PRIMARY KEY, evidence_id INTEGER"
    " REFERENCES evidence(id), action INTEGER NOT NULL,"
    " locator TEXT NOT NULL, volume INTEGER, inode INTEGER, path TEXT,"
    " name TEXT, size INTEGER, allocated INTEGER, deleted INTEGER,"
    " type TEXT, mime TEXT, mtime TEXT, atime TEXT, ctime TEXT,"
    " crtime TEXT, md5 TEXT, sha1 TEXT, sha256 TEXT,"
    " UNIQUE(action, locator));\n"
    "CREATE INDEX files_sha256 ON files(sha256);\n"
    "CREATE INDEX files_md5 ON files(md5);\n"
    "CREATE TABLE hashes(id INTEGER PRIMARY KEY, action INTEGER NOT NULL,"
    " locator TEXT NOT NULL, size INTEGER, md5 TEXT, sha1 TEXT,"
    " sha256 TEXT, ssdeep TEXT, known TEXT, alert TEXT, ext_mismatch"
    " INTEGER, UNIQUE(action, locator));\n"
    "CREATE INDEX hashes_sha256 ON hashes(sha256);\n"
    "CREATE TABLE carved(id INTEGER PRIMARY KEY, action INTEGER NOT NULL,"
    " locator TEXT NOT NULL, offset INTEGER, length INTEGER,"
    " byte_runs TEXT, type TEXT, ext TEXT, validated INTEGER,"
    " complete INTEGER, sha256 TEXT, path TEXT, UNIQUE(action, locator));\n"
    "CREATE TABLE messages(id INTEGER PRIMARY KEY, action INTEGER NOT NULL,"
    " app TEXT, thread TEXT, direction TEXT, sender TEXT,"
    " recipients TEXT, time TEXT, time_raw TEXT, body TEXT,"
    " attachments TEXT, read INTEGER, deleted INTEGER,"
    " source TEXT NOT NULL, UNIQUE(action, source));\n"
    "CREATE TABLE calls(id INTEGER PRIMARY KEY, action INTEGER NOT NULL,"
    " app TEXT, direction TEXT, number TEXT, name TEXT, time TEXT,"
    " duration_s INTEGER, source TEXT NOT NULL, UNIQUE(action, source));\n"
    "CREATE TABLE contacts(id INTEGER PRIMARY KEY, action INTEGER NOT NULL,"
    " app TEXT, name TEXT, numbers TEXT, emails TEXT,"
    " source TEXT NOT NULL, UNIQUE(action, source));\n"
    "CREATE TABLE images(id INTEGER PRIMARY KEY, action INTEGER NOT NULL,"
    " locator TEXT NOT NULL, path TEXT, sha256 TEXT, mime TEXT,"
    " width INTEGER, height INTEGER, taken TEXT, make TEXT, model TEXT,"
    " lat REAL, lon REAL, alt REAL, orientation INTEGER, source TEXT,"
    " UNIQUE(action, locator));\n"
    "CREATE TABLE pole_entities(id INTEGER PRIMARY KEY,"
    " action INTEGER NOT NULL, entity TEXT NOT NULL, pole TEXT,"
    " subtype TEXT, display TEXT, value TEXT, third_party INTEGER,"
    " record TEXT, UNIQUE(action, entity));\n"
    "CREATE TABLE pole_links(id INTEGER PRIMARY KEY,"
    " action INTEGER NOT NULL, from_entity TEXT NOT NULL, rel TEXT NOT NULL,"
    " to_entity TEXT NOT NULL, role TEXT, record TEXT);\n"
    "CREATE TABLE " PIECES_TABLE ";\n"
    "CREATE TABLE actions(seq INTEGER PRIMARY KEY, type TEXT NOT NULL,"
    " ts TEXT NOT NULL, exit INTEGER);\n";

/* clang-format off */
static const char *const stmt_sql[CST__COUNT] = {
	[CST_EVIDENCE_GET] =
	    "SELECT id, sha256 FROM evidence WHERE path = ?1",
	[CST_EVIDENCE_ADD] =
	    "INSERT INTO evidence(name, path, kind, size, sha256)"
	    " VALUES(?1, ?2, ?3, ?4, ?5)",
	[CST_FILE_ADD] =
	    "INSERT INTO files(evidence_id, action, locator, volume, inode,"
	    " path, name, size, allocated, deleted, type, mime, mtime, atime,"
	    " ctime, crtime) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
	    " ?11, ?12, ?13, ?14, ?15, ?16)"
	    " ON CONFLICT(action, locator) DO UPDATE SET"
	    " evidence_id = excluded.evidence_id, volume = excluded.volume,"
	    " inode = excluded.inode, path = excluded.path,"
	    " name = excluded.name, size = excluded.size,"
	    " allocated = excluded.allocated, deleted = excluded.deleted,"
	    " type = excluded.type, mime = excluded.mime,"
	    " mtime = excluded.mtime, atime = excluded.atime,"
	    " ctime = excluded.ctime, crtime = excluded.crtime",
	[CST_CACHE_GET] =
	    "SELECT sha256 FROM input_cache WHERE path = ?1 AND dev = ?2"
	    " AND ino = ?3 AND size = ?4 AND mtime_ns = ?5",
	[CST_CACHE_PUT] =
	    "INSERT OR REPLACE INTO input_cache(path, dev, ino, size,"
	    " mtime_ns, sha256) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[CST_ACTION_ADD] =
	    "INSERT OR REPLACE INTO actions(seq, type, ts, exit)"
	    " VALUES(?1, ?2, ?3, ?4)",
};
/* clang-format on */

static int
db_fail(sqlite3 *db, struct etk_error *err, const char *what)
{
	return etk_fail(err, ETK_EIO, 0, "etk.db: %s: %s", what,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
}

int
etk_cust_db_create(const char *path, struct etk_error *err)
{
	sqlite3 *db = NULL;
	char sql[64];
	int rc;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE, NULL) != SQLITE_OK) {
		rc = db_fail(db, err, "cannot create");
		sqlite3_close(db);
		return rc;
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d;",
	    ETK_CASE_DB_VERSION);
	if (sqlite3_exec(db, "PRAGMA journal_mode = DELETE;", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(db, err, "cannot create schema");
		sqlite3_close(db);
		return rc;
	}
	if (sqlite3_close(db) != SQLITE_OK)
		return etk_fail(err, ETK_EIO, 0, "etk.db: cannot close");
	return ETK_OK;
}

int
etk_cust_db_open(struct etk_case *kase, const char *path,
    struct etk_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc, version = -1;

	if (sqlite3_open_v2(path, &kase->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_EXRESCODE, NULL) != SQLITE_OK) {
		rc = db_fail(kase->db, err, "cannot open");
		sqlite3_close(kase->db);
		kase->db = NULL;
		return rc;
	}
	sqlite3_busy_timeout(kase->db, 30000);
	if (sqlite3_prepare_v2(kase->db, "PRAGMA user_version", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version != ETK_CASE_DB_VERSION) {
		rc = version < 0 ? db_fail(kase->db, err, "cannot read") :
		    etk_fail(err, ETK_EUNSUPP, 0, "etk.db: schema version %d "
		    "not supported (expected %d)", version,
		    ETK_CASE_DB_VERSION);
		sqlite3_close(kase->db);
		kase->db = NULL;
		return rc;
	}
	/* Only a case made before the table came is written to here. */
	st = NULL;
	rc = sqlite3_prepare_v2(kase->db, "SELECT 1 FROM sqlite_master WHERE"
	    " type = 'table' AND name = 'pieces'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!rc && sqlite3_exec(kase->db, "CREATE TABLE IF NOT EXISTS "
	    PIECES_TABLE, NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(kase->db, err, "cannot add table pieces");
		sqlite3_close(kase->db);
		kase->db = NULL;
		return rc;
	}
	return ETK_OK;
}

void
etk_cust_db_close(struct etk_case *kase)
{
	size_t i;

	for (i = 0; i < CST__COUNT; i++) {
		sqlite3_finalize(kase->st[i]);
		kase->st[i] = NULL;
	}
	sqlite3_close(kase->db);
	kase->db = NULL;
}

/* The prepared statement, reset and unbound, or NULL (err set). */
static sqlite3_stmt *
stmt(struct etk_case *kase, enum etk_cst which, struct etk_error *err)
{
	sqlite3_stmt *st = kase->st[which];

	if (kase->db == NULL) {
		etk_fail(err, ETK_EINVAL, 0, "etk.db: not open");
		return NULL;
	}
	if (st == NULL) {
		if (sqlite3_prepare_v3(kase->db, stmt_sql[which], -1,
		    SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
			db_fail(kase->db, err, "cannot prepare");
			return NULL;
		}
		kase->st[which] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

void
etk_cust_db_action(struct etk_case *kase, uint64_t seq, const char *type,
    const char *ts, const char *members, size_t mlen)
{
	const struct etk_jval *ex;
	struct etk_jval *doc = NULL;
	struct etk_buf obj;
	sqlite3_stmt *st;

	if ((st = stmt(kase, CST_ACTION_ADD, NULL)) == NULL)
		return;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	bind_text(st, 2, type);
	bind_text(st, 3, ts);
	etk_buf_init(&obj);
	etk_buf_addc(&obj, '{');
	etk_buf_add(&obj, members, mlen);
	etk_buf_addc(&obj, '}');
	if (!obj.oom && etk_json_parse(obj.data, obj.len, &doc, NULL) ==
	    ETK_OK && (ex = etk_jval_get(doc, "exit")) != NULL &&
	    ex->type == ETK_JNUM && ex->is_int)
		sqlite3_bind_int64(st, 4, ex->inum);
	etk_jval_free(doc);
	etk_buf_release(&obj);
	(void)sqlite3_step(st);
	sqlite3_reset(st);
}

int
etk_cust_db_cache_get(struct etk_case *kase, const char *path, uint64_t dev,
    uint64_t ino, uint64_t size, int64_t mtime_ns, char hex[65])
{
	const unsigned char *s;
	sqlite3_stmt *st;
	int found = 0;

	if ((st = stmt(kase, CST_CACHE_GET, NULL)) == NULL)
		return 0;
	bind_text(st, 1, path);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)dev);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)ino);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)size);
	sqlite3_bind_int64(st, 5, mtime_ns);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (s = sqlite3_column_text(st, 0)) != NULL &&
	    strlen((const char *)s) == 64) {
		memcpy(hex, s, 65);
		found = 1;
	}
	sqlite3_reset(st);
	return found;
}

void
etk_cust_db_cache_put(struct etk_case *kase, const char *path, uint64_t dev,
    uint64_t ino, uint64_t size, int64_t mtime_ns, const char *hex)
{
	sqlite3_stmt *st;

	if ((st = stmt(kase, CST_CACHE_PUT, NULL)) == NULL)
		return;
	bind_text(st, 1, path);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)dev);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)ino);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)size);
	sqlite3_bind_int64(st, 5, mtime_ns);
	bind_text(st, 6, hex);
	(void)sqlite3_step(st);
	sqlite3_reset(st);
}

static int
exec(struct etk_case *kase, const char *sql, struct etk_error *err)
{
	if (kase == NULL || kase->db == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "etk.db: not open");
	if (sqlite3_exec(kase->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(kase->db, err, sql);
	return ETK_OK;
}

/* The tables a run fills; everything else (evidence, input_cache,
 * actions) is written directly. */
const char *const etk_cust_row_tables[] = {
	"volumes", "files", "hashes", "carved", "messages", "calls",
	"contacts", "images", "pole_entities", "pole_links", "pieces",
};
const size_t etk_cust_nrow_tables = sizeof(etk_cust_row_tables) /
    sizeof(etk_cust_row_tables[0]);
#define row_tables etk_cust_row_tables
#define NROW_TABLES etk_cust_nrow_tables

/* TEMP twins of the row tables, made from the schema text (same columns
 * and UNIQUE constraints; foreign keys and indexes left out).  TEMP
 * tables come first in SQLite's name lookup, so the run's unqualified
 * INSERTs land there, private to this connection and without holding
 * the case database's write lock while the run works. */
static int
stage_create(struct etk_case *kase, struct etk_error *err)
{
	struct etk_buf ddl;
	const char *p = schema, *end, *name;
	size_t i, nlen;
	int rc;

	etk_buf_init(&ddl);
	while ((end = strstr(p, ";\n")) != NULL) {
		if (strncmp(p, "CREATE TABLE ", 13) == 0) {
			name = p + 13;
			nlen = strcspn(name, "(");
			for (i = 0; i < NROW_TABLES; i++)
				if (strlen(row_tables[i]) == nlen &&
				    strncmp(name, row_tables[i], nlen) == 0)
					break;
			if (i < NROW_TABLES) {
				const char *q = name, *ref;
				static const char refs[] =
				    " REFERENCES evidence(id)";

				etk_buf_adds(&ddl, "CREATE TEMP TABLE ");
				while ((ref = strstr(q, refs)) != NULL &&
				    ref < end) {
					etk_buf_add(&ddl, q, (size_t)(ref - q));
					q = ref + sizeof(refs) - 1;
				}
				etk_buf_add(&ddl, q, (size_t)(end - q));
				etk_buf_adds(&ddl, ";\n");
			}
		}
		p = end + 2;
	}
	if (ddl.oom) {
		etk_buf_release(&ddl);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "etk.db: staging");
	}
	rc = exec(kase, ddl.data, err);
	etk_buf_release(&ddl);
	if (rc == ETK_OK)
		kase->staged = 1;
	return rc;
}

/* A run's rows are staged, not written: they go into the case tables,
 * numbered with the run's journal entry, when that entry is appended
 * (etk_cust_db_flush, under the journal lock).  So runs can work on one
 * case at once; the write lock is held only while the rows are copied. */
int
etk_cust_db_exec(struct etk_case *kase, const char *sql, struct etk_error *err)
{
	return exec(kase, sql, err);
}

int
etk_case_db_begin(struct etk_case *kase, struct etk_error *err)
{
	int rc;

	if (kase == NULL || kase->db == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "etk.db: not open");
	if (!kase->staged && (rc = stage_create(kase, err)) != ETK_OK)
		return rc;
	if (!sqlite3_get_autocommit(kase->db))
		return ETK_OK;
	return exec(kase, "BEGIN", err);
}

int
etk_case_db_commit(struct etk_case *kase, struct etk_error *err)
{
	if (kase == NULL || kase->db == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "etk.db: not open");
	if (sqlite3_get_autocommit(kase->db))
		return ETK_OK;
	return exec(kase, "COMMIT", err);
}

int
etk_case_db_rollback(struct etk_case *kase)
{
	if (kase == NULL || kase->db == NULL)
		return ETK_EINVAL;
	if (sqlite3_get_autocommit(kase->db))
		return ETK_OK;	/* no transaction open */
	return exec(kase, "ROLLBACK", NULL);
}

int
etk_case_db_discard(struct etk_case *kase)
{
	struct etk_buf sql;
	size_t i;
	int rc;

	if (kase == NULL || kase->db == NULL)
		return ETK_EINVAL;
	(void)etk_case_db_rollback(kase);
	if (!kase->staged)
		return ETK_OK;
	etk_buf_init(&sql);
	for (i = 0; i < NROW_TABLES; i++)
		etk_buf_printf(&sql, "DROP TABLE temp.%s;", row_tables[i]);
	rc = sql.oom ? ETK_ENOMEM : exec(kase, sql.data, NULL);
	etk_buf_release(&sql);
	if (rc == ETK_OK) {
		sqlite3_finalize(kase->st[CST_FILE_ADD]);
		kase->st[CST_FILE_ADD] = NULL;
		kase->staged = 0;
	}
	return rc;
}

int
etk_cust_table_columns(sqlite3 *db, const char *schema_name,
    const char *table, int with_action, struct etk_buf *cols)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	const char *c;
	int n = 0;

	snprintf(sql, sizeof(sql), "PRAGMA %s.table_info(%s)", schema_name,
	    table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		c = (const char *)sqlite3_column_text(st, 1);
		if (c == NULL || strcmp(c, "id") == 0 ||
		    (!with_action && strcmp(c, "action") == 0))
			continue;
		if (n++ > 0)
			etk_buf_adds(cols, ", ");
		etk_buf_printf(cols, "\"%s\"", c);
	}
	sqlite3_finalize(st);
	return cols->oom ? -1 : n;
}

int
etk_cust_db_flush(struct etk_case *kase, uint64_t seq, struct etk_error *err)
{
	struct etk_buf cols, sql;
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if (kase == NULL || kase->db == NULL)
		return ETK_OK;
	/* A run that left its staging transaction open: close it first. */
	if (!sqlite3_get_autocommit(kase->db) &&
	    (rc = exec(kase, "COMMIT", err)) != ETK_OK)
		return rc;
	if ((rc = exec(kase, "BEGIN IMMEDIATE", err)) != ETK_OK)
		return rc;
	if (!kase->staged)
		return ETK_OK;
	etk_buf_init(&cols);
	etk_buf_init(&sql);
	for (i = 0; i < NROW_TABLES && rc == ETK_OK; i++) {
		etk_buf_reset(&cols);
		etk_buf_reset(&sql);
		if (etk_cust_table_columns(kase->db, "main", row_tables[i], 0,
		    &cols) <= 0) {
			rc = db_fail(kase->db, err, row_tables[i]);
			break;
		}
		etk_buf_printf(&sql, "INSERT INTO main.%s(action, %s) SELECT"
		    " ?1, %s FROM temp.%s ORDER BY rowid", row_tables[i],
		    cols.data, cols.data, row_tables[i]);
		if (sql.oom) {
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "etk.db");
			break;
		}
		st = NULL;
		if (sqlite3_prepare_v2(kase->db, sql.data, -1, &st, NULL) !=
		    SQLITE_OK) {
			rc = db_fail(kase->db, err, row_tables[i]);
			break;
		}
		sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_fail(kase->db, err, row_tables[i]);
		sqlite3_finalize(st);
		if (rc == ETK_OK) {
			etk_buf_reset(&sql);
			etk_buf_printf(&sql, "DROP TABLE temp.%s",
			    row_tables[i]);
			rc = sql.oom ? ETK_ENOMEM : exec(kase, sql.data, err);
		}
	}
	etk_buf_release(&cols);
	etk_buf_release(&sql);
	if (rc != ETK_OK)
		(void)exec(kase, "ROLLBACK", NULL);
	return rc;
}

int
etk_cust_db_end(struct etk_case *kase, int ok, struct etk_error *err)
{
	int rc;

	if (kase == NULL || kase->db == NULL || sqlite3_get_autocommit(kase->db))
		return ETK_OK;
	if (!ok)
		return exec(kase, "ROLLBACK", err);
	if ((rc = exec(kase, "COMMIT", err)) != ETK_OK) {
		(void)exec(kase, "ROLLBACK", NULL);
		return rc;
	}
	if (kase->staged) {
		/* The statements that named the dropped TEMP tables. */
		sqlite3_finalize(kase->st[CST_FILE_ADD]);
		kase->st[CST_FILE_ADD] = NULL;
		kase->staged = 0;
	}
	return ETK_OK;
}

int
etk_case_db_evidence(struct etk_case *kase, const char *name,
    const char *path, const char *kind, uint64_t size, const char *sha256,
    int64_t *evidence_id, struct etk_error *err)
{
	const unsigned char *old;
	char oldhex[129];
	sqlite3_stmt *st, *up = NULL;
	int64_t id;
	int rc, tries = 0;

	if (kase == NULL || name == NULL || path == NULL)
		return etk_fail(err, ETK_EINVAL, 0,
		    "evidence: no case, name or path");
again:
	if ((st = stmt(kase, CST_EVIDENCE_GET, err)) == NULL)
		return err != NULL ? err->code : ETK_EIO;
	bind_text(st, 1, path);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		old = sqlite3_column_text(st, 1);
		if (old != NULL)
			snprintf(oldhex, sizeof(oldhex), "%s",
			    (const char *)old);
		else
			oldhex[0] = '\0';
		sqlite3_reset(st);	/* old is gone */
		if (oldhex[0] != '\0' && sha256 != NULL &&
		    strcmp(oldhex, sha256) != 0)
			return etk_fail(err, ETK_EMISMATCH, 0, "evidence '%s': "
			    "sha256 %s differs from the %s recorded", path,
			    sha256, oldhex);
		if (oldhex[0] == '\0' && sha256 != NULL) {
			if (sqlite3_prepare_v2(kase->db, "UPDATE evidence SET "
			    "sha256 = ?1, size = ?2 WHERE id = ?3", -1, &up,
			    NULL) != SQLITE_OK)
				return db_fail(kase->db, err, "evidence");
			bind_text(up, 1, sha256);
			sqlite3_bind_int64(up, 2, (sqlite3_int64)size);
			sqlite3_bind_int64(up, 3, id);
			rc = sqlite3_step(up);
			sqlite3_finalize(up);
			if (rc != SQLITE_DONE)
				return db_fail(kase->db, err, "evidence");
		}
		if (evidence_id != NULL)
			*evidence_id = id;
		return ETK_OK;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(kase->db, err, "evidence");
	if ((st = stmt(kase, CST_EVIDENCE_ADD, err)) == NULL)
		return err != NULL ? err->code : ETK_EIO;
	bind_text(st, 1, name);
	bind_text(st, 2, path);
	bind_text(st, 3, kind);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)size);
	bind_text(st, 5, sha256);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	/* Another run on the case added it between our look and our
	 * insert: take theirs. */
	if ((rc & 0xff) == SQLITE_CONSTRAINT && tries++ == 0)
		goto again;
	if (rc != SQLITE_DONE)
		return db_fail(kase->db, err, "evidence");
	if (evidence_id != NULL)
		*evidence_id = sqlite3_last_insert_rowid(kase->db);
	return ETK_OK;
}

static void
bind_time(sqlite3_stmt *st, int i, int known, int64_t sec, int32_t nsec)
{
	char t[ETK_TIME_MAX];

	if (!known) {
		sqlite3_bind_null(st, i);
		return;
	}
	etk_time_format(sec, nsec, t);
	bind_text(st, i, t);
}

int
etk_case_db_file(struct etk_case *kase, int64_t evidence_id, uint64_t action,
    const struct etk_entry *e, const char *mime, struct etk_error *err)
{
	sqlite3_stmt *st;
	char type[2];
	int rc;

	if (kase == NULL || e == NULL || e->locator == NULL)
		return etk_fail(err, ETK_EINVAL, 0,
		    "file: no case, entry or locator");
	if ((st = stmt(kase, CST_FILE_ADD, err)) == NULL)
		return err != NULL ? err->code : ETK_EIO;
	/* type: the fls letter (r, d, l, ...) of the metadata, else of the
	 * name; mime: libmagic's type when the caller has it. */
	type[0] = e->meta_type != '\0' && e->meta_type != '-' ? e->meta_type :
	    e->name_type;
	type[1] = '\0';
	sqlite3_bind_int64(st, 1, evidence_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)action);
	bind_text(st, 3, e->locator);
	if (e->volume >= 0)
		sqlite3_bind_int(st, 4, e->volume);
	if (e->has_inode)
		sqlite3_bind_int64(st, 5, (sqlite3_int64)e->inode);
	bind_text(st, 6, e->path);
	bind_text(st, 7, e->name);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)e->size);
	sqlite3_bind_int(st, 9, e->allocated != 0);
	sqlite3_bind_int(st, 10, e->deleted != 0);
	bind_text(st, 11, type[0] != '\0' ? type : NULL);
	bind_text(st, 12, mime);
	bind_time(st, 13, (e->times & ETK_TIME_M) != 0, e->mtime, e->mtime_ns);
	bind_time(st, 14, (e->times & ETK_TIME_A) != 0, e->atime, e->atime_ns);
	bind_time(st, 15, (e->times & ETK_TIME_C) != 0, e->ctime, e->ctime_ns);
	bind_time(st, 16, (e->times & ETK_TIME_CR) != 0, e->crtime,
	    e->crtime_ns);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(kase->db, err, "files");
	return ETK_OK;
}
