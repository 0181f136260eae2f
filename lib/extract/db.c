/*
 * Phone databases are never opened where they lie.  Each one is copied
 * with its -wal and -journal into a private directory and opened there,
 * so SQLite may replay the WAL (records that live only in the WAL are
 * the most recent ones) without touching the evidence.  When a WAL came
 * along, the main file is also copied alone and opened immutable, so a
 * row can be told to live only in the WAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract/ex_int.h"

static int
rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	remove(p);
	return 0;
}

static void
remove_tree(const char *dir)
{
	if (dir != NULL)
		nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Copy src to dst (created exclusively).  0, ETK_ENOTFOUND when src
 * does not exist, ETK_EIO otherwise. */
static int
copy_file(const char *src, const char *dst, struct etk_error *err)
{
	char buf[1 << 16];
	ssize_t n, w, off;
	int in, out, rc = 0;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return errno == ENOENT ? ETK_ENOTFOUND :
		    etk_fail(err, ETK_EIO, errno, "%s: cannot open", src);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = etk_fail(err, ETK_EIO, errno, "%s: cannot create", dst);
		close(in);
		return rc;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = etk_fail(err, ETK_EIO, errno, "%s: read", src);
			break;
		}
		for (off = 0; off < n; off += w) {
			w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w <= 0) {
				rc = etk_fail(err, ETK_EIO, errno, "%s: write",
				    dst);
				goto done;
			}
		}
	}
done:
	close(in);
	if (close(out) != 0 && rc == 0)
		rc = etk_fail(err, ETK_EIO, errno, "%s: write", dst);
	return rc;
}

static off_t
file_size(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_size : -1;
}

/* Is this a database SQLite can read?  Reading the schema touches page
 * 1 and fails on an encrypted (SQLCipher) or non-SQLite file. */
static int
check_readable(sqlite3 *db, const char *what, struct etk_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master",
	    -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return etk_fail(err, ETK_EFORMAT, 0,
		    "%s: not a readable SQLite database (%s)", what,
		    sqlite3_errmsg(db));
	return 0;
}

int
ex_db_open_copied(char *tmpdir, const char *locator, const char *path,
    struct ex_db **out, struct etk_error *err)
{
	struct ex_db *d;
	char p[PATH_MAX], q[PATH_MAX], uri[PATH_MAX + 64];
	const char *what = locator != NULL ? locator : "database";
	int rc;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		remove_tree(tmpdir);
		free(tmpdir);
		return etk_fail(err, ETK_ENOMEM, errno, "out of memory");
	}
	d->tmpdir = tmpdir;
	d->locator = strdup(locator != NULL ? locator : "");
	d->path = strdup(path != NULL ? path : "");
	if (d->locator == NULL || d->path == NULL) {
		ex_db_close(d);
		return etk_fail(err, ETK_ENOMEM, errno, "out of memory");
	}
	snprintf(p, sizeof(p), "%s/db-wal", tmpdir);
	d->has_wal = file_size(p) > 0;
	snprintf(p, sizeof(p), "%s/db-journal", tmpdir);
	d->has_journal = file_size(p) > 0;

	if (d->has_wal) {
		/* The main file alone, before SQLite replays the WAL into
		 * a checkpoint of the working copy. */
		snprintf(p, sizeof(p), "%s/db", tmpdir);
		snprintf(q, sizeof(q), "%s/main-only", tmpdir);
		if ((rc = copy_file(p, q, err)) != 0) {
			ex_db_close(d);
			return rc;
		}
		snprintf(uri, sizeof(uri), "file:%s?immutable=1", q);
		if (sqlite3_open_v2(uri, &d->main_only, SQLITE_OPEN_READONLY |
		    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL) !=
		    SQLITE_OK) {
			sqlite3_close(d->main_only);
			d->main_only = NULL;
		}
	}
	/* Read-write on our own copy: SQLite needs it to replay the WAL
	 * or roll back a hot journal.  The evidence is not involved.  One
	 * thread uses a handle: no mutex (measurable on million-row
	 * tables). */
	snprintf(p, sizeof(p), "%s/db", tmpdir);
	if (sqlite3_open_v2(p, &d->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "%s: cannot open: %s",
		    what, d->db != NULL ? sqlite3_errmsg(d->db) : "no memory");
		ex_db_close(d);
		return rc;
	}
	sqlite3_extended_result_codes(d->db, 1);
	/* Hostile schemas: no triggers or views run code we did not
	 * write, and deep recursion stays bounded. */
	sqlite3_db_config(d->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(d->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_limit(d->db, SQLITE_LIMIT_EXPR_DEPTH, 200);
	sqlite3_limit(d->db, SQLITE_LIMIT_LENGTH, 256 * 1024 * 1024);
	if ((rc = check_readable(d->db, what, err)) != 0) {
		ex_db_close(d);
		return rc;
	}
	*out = d;
	return 0;
}

int
ex_db_open_local(const char *file, const char *locator, const char *path,
    struct ex_db **out, struct etk_error *err)
{
	static const char *const sfx[] = { "", "-wal", "-journal" };
	static const char *const dst[] = { "db", "db-wal", "db-journal" };
	const char *t = getenv("TMPDIR");
	char tmpl[PATH_MAX], s[PATH_MAX], d[PATH_MAX], *dir;
	size_t i;
	int rc;

	*out = NULL;
	snprintf(tmpl, sizeof(tmpl), "%s/etk-db-XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(tmpl) == NULL)
		return etk_fail(err, ETK_EIO, errno, "%s: cannot make a "
		    "private directory", tmpl);
	dir = strdup(tmpl);
	if (dir == NULL) {
		rmdir(tmpl);
		return etk_fail(err, ETK_ENOMEM, errno, "out of memory");
	}
	for (i = 0; i < 3; i++) {
		snprintf(s, sizeof(s), "%s%s", file, sfx[i]);
		snprintf(d, sizeof(d), "%s/%s", dir, dst[i]);
		rc = copy_file(s, d, err);
		if (rc == ETK_ENOTFOUND && i > 0)
			continue;
		if (rc != 0) {
			if (rc == ETK_ENOTFOUND)
				rc = etk_fail(err, ETK_ENOTFOUND, ENOENT,
				    "%s: no such file", file);
			remove_tree(dir);
			free(dir);
			return rc;
		}
	}
	return ex_db_open_copied(dir, locator != NULL ? locator : file,
	    path != NULL ? path : file, out, err);
}

void
ex_db_close(struct ex_db *d)
{
	if (d == NULL)
		return;
	sqlite3_finalize(d->wal_st);
	free(d->wal_table);
	sqlite3_close_v2(d->db);
	sqlite3_close_v2(d->main_only);
	remove_tree(d->tmpdir);
	free(d->tmpdir);
	free(d->locator);
	free(d->path);
	free(d);
}

static int
exists_query(sqlite3 *db, const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b != NULL)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int
ex_db_has_table(struct ex_db *d, const char *table)
{
	return exists_query(d->db, "SELECT 1 FROM sqlite_master WHERE "
	    "type IN ('table','view') AND name = ?1 COLLATE NOCASE", table,
	    NULL);
}

int
ex_db_has_col(struct ex_db *d, const char *table, const char *col)
{
	/* pragma_table_info as a table-valued function takes the table
	 * name as a bound value: no quoting games with hostile names. */
	return exists_query(d->db, "SELECT 1 FROM pragma_table_info(?1) "
	    "WHERE name = ?2 COLLATE NOCASE", table, col);
}

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
ex_db_col_as(struct ex_db *d, struct etk_buf *sql, const char *table,
    const char *alias, const char *col)
{
	if (!ex_db_has_col(d, table, col)) {
		etk_buf_adds(sql, "NULL");
		return;
	}
	add_ident(sql, alias != NULL ? alias : table);
	etk_buf_addc(sql, '.');
	add_ident(sql, col);
}

void
ex_db_col(struct ex_db *d, struct etk_buf *sql, const char *table,
    const char *col)
{
	ex_db_col_as(d, sql, table, NULL, col);
}

int
ex_db_has_cols(struct ex_db *d, const char *table, ...)
{
	const char *c;
	va_list ap;
	int ok = ex_db_has_table(d, table);

	va_start(ap, table);
	while (ok && (c = va_arg(ap, const char *)) != NULL)
		ok = ex_db_has_col(d, table, c);
	va_end(ap);
	return ok;
}

enum ex_parse_status
ex_step_status(struct ex_db *d, int rc, const char *what, char *reason,
    size_t reasonsz)
{
	if (rc == SQLITE_DONE)
		return EX_PARSED;
	if (reason != NULL && reasonsz > 0)
		snprintf(reason, reasonsz, "%s: %s", what,
		    rc == SQLITE_NOMEM ? "out of memory" :
		    sqlite3_errmsg(d->db));
	return EX_FAILED;
}

int
ex_db_prepare(struct ex_db *d, const char *sql, sqlite3_stmt **st,
    struct etk_error *err)
{
	*st = NULL;
	if (sqlite3_prepare_v2(d->db, sql, -1, st, NULL) != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return etk_fail(err, ETK_EFORMAT, 0, "%s: query failed: %s",
		    d->locator, sqlite3_errmsg(d->db));
	}
	return 0;
}

int
ex_db_wal_only(struct ex_db *d, const char *table, int64_t rowid)
{
	struct etk_buf sql;
	int rc, found;

	if (!d->has_wal || d->main_only == NULL)
		return 0;
	/* Parsers ask row after row of one table: keep its statement. */
	if (d->wal_table == NULL || strcmp(d->wal_table, table) != 0) {
		sqlite3_finalize(d->wal_st);
		d->wal_st = NULL;
		free(d->wal_table);
		d->wal_table = strdup(table);
		if (d->wal_table == NULL)
			return 0;
		etk_buf_init(&sql);
		etk_buf_adds(&sql, "SELECT 1 FROM ");
		add_ident(&sql, table);
		etk_buf_adds(&sql, " WHERE rowid = ?1");
		etk_buf_addc(&sql, '\0');
		rc = sql.oom ? SQLITE_NOMEM : sqlite3_prepare_v2(d->main_only,
		    sql.data, -1, &d->wal_st, NULL);
		etk_buf_release(&sql);
		if (rc != SQLITE_OK) {
			sqlite3_finalize(d->wal_st);
			d->wal_st = NULL;
		}
	}
	/* No such table in the main file: the table itself is new in
	 * the WAL. */
	if (d->wal_st == NULL)
		return 1;
	sqlite3_reset(d->wal_st);
	sqlite3_bind_int64(d->wal_st, 1, rowid);
	rc = sqlite3_step(d->wal_st);
	found = rc == SQLITE_ROW;
	sqlite3_reset(d->wal_st);
	/* A main file that cannot be read here says nothing either way. */
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return 0;
	return !found;
}

const char *
ex_col_text(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	return (const char *)sqlite3_column_text(st, col);
}

int64_t
ex_col_int(sqlite3_stmt *st, int col, int64_t def)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return def;
	return sqlite3_column_int64(st, col);
}
