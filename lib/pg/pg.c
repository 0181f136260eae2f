/*
 * The lab case database on PostgreSQL (libpq): connect, create the
 * tables (schema.c) once, and load shard outputs.
 *
 * A load (etk_pg_load_shard) reads the shard's SQLite file read-only
 * and streams its rows to the server with COPY (text format), one
 * table at a time in id order, never holding a whole table in memory.
 * Two steps:
 *
 *  1. The shard's evidence rows are registered by path, each in its own
 *     short statement (INSERT .. ON CONFLICT DO NOTHING, then filling
 *     NULL kind/size/sha256), and the shard's evidence ids are mapped to
 *     the server's.  This is not part of the shard's transaction on
 *     purpose: every shard of one image names the same evidence row,
 *     and an upsert inside each shard's transaction would hold that
 *     row's lock until commit, so loaders of different shards would run
 *     one after the other.  An evidence row left behind by a load that
 *     then fails is harmless (evidence is a registry by path, as in a
 *     case's etk.db).
 *  2. One transaction: an advisory lock on (plan_id, k), so that two
 *     loads of the same shard run one after the other; DELETE the
 *     shard's rows from every row table; COPY them again; record the
 *     load in shard_loads; COMMIT.  A deadlock or serialization failure
 *     (SQLSTATE 40P01, 40001) is retried a few times.
 *
 * A server that cannot be reached, or a connection lost on the way, is
 * ETK_EAGAIN (the commands exit 75: retry later).  Everything else ends
 * in ROLLBACK and a one-line message.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include <etk/etk.h>
#include <etk/pg.h>

#include "pg_int.h"

#define COPY_CHUNK	(64 * 1024)	/* bytes per PQputCopyData */
#define LOAD_TRIES	5	/* attempts on deadlock/serialization */
/* pg_advisory_xact_lock key serialising schema creation ("etk_sch") */
#define SCHEMA_LOCK	"7310594564935936104"

struct etk_pg {
	PGconn *conn;
};

/* The first line of a libpq message, without "ERROR:  " and the
 * trailing newline, into out. */
static void
first_line(const char *msg, char *out, size_t outsz)
{
	size_t n;

	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	if (strncmp(msg, "ERROR:  ", 8) == 0)
		msg += 8;
	else if (strncmp(msg, "FATAL:  ", 8) == 0)
		msg += 8;
	n = strcspn(msg, "\r\n");
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, msg, n);
	out[n] = '\0';
}

/* Is this failure worth retrying later: the connection is gone, or the
 * server said so (connection exception, shutdown, too many
 * connections, serialization failure, deadlock, lock not available)? */
static int
transient(PGconn *conn, const PGresult *res)
{
	const char *st;

	if (PQstatus(conn) != CONNECTION_OK)
		return 1;
	st = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (st == NULL)
		return 0;
	return strncmp(st, "08", 2) == 0 || strncmp(st, "57P", 3) == 0 ||
	    strcmp(st, "53300") == 0 || strcmp(st, "40001") == 0 ||
	    strcmp(st, "40P01") == 0 || strcmp(st, "55P03") == 0;
}

/* A deadlock or serialization failure: retry the transaction now. */
static int
retryable(PGconn *conn, const PGresult *res)
{
	const char *st;

	if (PQstatus(conn) != CONNECTION_OK || res == NULL)
		return 0;
	st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	return st != NULL && (strcmp(st, "40001") == 0 ||
	    strcmp(st, "40P01") == 0);
}

/* Fail with "PostgreSQL: what: <server's first line>"; ETK_EAGAIN when
 * transient, else ETK_EIO. */
static int
pg_fail(PGconn *conn, const PGresult *res, struct etk_error *err,
    const char *what)
{
	char line[256];
	const char *m = NULL;

	if (res != NULL)
		m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (m == NULL && res != NULL && *PQresultErrorMessage(res) != '\0')
		m = PQresultErrorMessage(res);
	if (m == NULL)
		m = PQerrorMessage(conn);
	first_line(m, line, sizeof(line));
	return etk_fail(err, transient(conn, res) ? ETK_EAGAIN : ETK_EIO, 0,
	    "PostgreSQL: %s: %s", what, line);
}

/* Run sql with text parameters (NULL entries are SQL NULL); *out (may
 * be NULL) receives the result, which the caller clears. */
static int
query(struct etk_pg *pg, const char *sql, int np,
    const char *const *params, PGresult **out, struct etk_error *err,
    const char *what)
{
	PGresult *res;
	ExecStatusType st;
	int rc;

	if (out != NULL)
		*out = NULL;
	res = np > 0 || out != NULL ? PQexecParams(pg->conn, sql, np, NULL,
	    params, NULL, NULL, 0) : PQexec(pg->conn, sql);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		rc = pg_fail(pg->conn, res, err, what);
		if (out != NULL)
			*out = res;	/* for the SQLSTATE */
		else
			PQclear(res);
		return rc;
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return ETK_OK;
}

static void
rollback(struct etk_pg *pg)
{
	PGresult *res;

	if (PQstatus(pg->conn) != CONNECTION_OK)
		return;
	if (PQtransactionStatus(pg->conn) == PQTRANS_IDLE)
		return;
	res = PQexec(pg->conn, "ROLLBACK");
	PQclear(res);
}

/* Create the tables when etk_schema is not there, under an advisory
 * lock so that loaders starting together do not race; then check the
 * schema version. */
static int
ensure_schema(struct etk_pg *pg, struct etk_error *err)
{
	PGresult *res = NULL;
	struct etk_buf ddl;
	int rc, have, version;

	if ((rc = query(pg, "BEGIN", 0, NULL, NULL, err, "BEGIN")) != ETK_OK)
		return rc;
	if ((rc = query(pg, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK ")",
	    0, NULL, NULL, err, "schema lock")) != ETK_OK ||
	    (rc = query(pg, "SELECT to_regclass('etk_schema') IS NOT NULL",
	    0, NULL, &res, err, "schema")) != ETK_OK)
		goto out;
	have = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	res = NULL;
	if (!have) {
		etk_buf_init(&ddl);
		etk_pg_schema_ddl(&ddl);
		if (ddl.oom) {
			etk_buf_release(&ddl);
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "PostgreSQL");
			goto out;
		}
		rc = query(pg, ddl.data, 0, NULL, NULL, err, "creating tables");
		etk_buf_release(&ddl);
		if (rc != ETK_OK)
			goto out;
	}
	if ((rc = query(pg, "SELECT max(version) FROM etk_schema", 0, NULL,
	    &res, err, "schema version")) != ETK_OK)
		goto out;
	version = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) ?
	    atoi(PQgetvalue(res, 0, 0)) : -1;
	PQclear(res);
	res = NULL;
	if (version != ETK_PG_SCHEMA_VERSION) {
		rc = etk_fail(err, ETK_EUNSUPP, 0, "PostgreSQL: schema version "
		    "%d not supported (expected %d)", version,
		    ETK_PG_SCHEMA_VERSION);
		goto out;
	}
	rc = query(pg, "COMMIT", 0, NULL, NULL, err, "COMMIT");
out:
	PQclear(res);
	if (rc != ETK_OK)
		rollback(pg);
	return rc;
}

static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* libpq checks "port" only when it connects, and then the failure
 * would look transient: a malformed port is a usage error. */
static int
check_port(const PQconninfoOption *o, struct etk_error *err)
{
	const char *p;
	unsigned long v;
	size_t n;

	for (; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "port") != 0 || o->val == NULL)
			continue;
		for (p = o->val; *p != '\0'; p += n + (p[n] == ',')) {
			n = strcspn(p, ",");
			v = n > 0 && n <= 5 && strspn(p, "0123456789") == n ?
			    strtoul(p, NULL, 10) : 0;
			if (n > 0 && (v == 0 || v > 65535))
				return etk_fail(err, ETK_EINVAL, 0,
				    "PostgreSQL: bad connection string: "
				    "bad port \"%.*s\"", (int)n, p);
		}
	}
	return ETK_OK;
}

int
etk_pg_open(struct etk_pg **out, const char *conninfo, struct etk_error *err)
{
	/* Defaults that the conninfo (expanded in place of "dbname")
	 * overrides: give up on an unreachable host after a while, notice
	 * a dead peer during a long COPY. */
	const char *keys[] = { "connect_timeout", "keepalives_idle",
	    "keepalives_interval", "keepalives_count",
	    "fallback_application_name", "dbname", NULL };
	const char *vals[] = { "30", "60", "10", "6", "etk", conninfo, NULL };
	PQconninfoOption *opts;
	struct etk_pg *pg;
	char *perr = NULL, line[256];
	int rc;

	*out = NULL;
	if (conninfo == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "PostgreSQL: no conninfo");
	if ((opts = PQconninfoParse(conninfo, &perr)) == NULL) {
		first_line(perr != NULL ? perr : "out of memory", line,
		    sizeof(line));
		PQfreemem(perr);
		return etk_fail(err, ETK_EINVAL, 0,
		    "PostgreSQL: bad connection string: %s", line);
	}
	rc = check_port(opts, err);
	PQconninfoFree(opts);
	if (rc != ETK_OK)
		return rc;
	if (getenv("PGCONNECT_TIMEOUT") != NULL)
		vals[0] = getenv("PGCONNECT_TIMEOUT");
	if ((pg = calloc(1, sizeof(*pg))) == NULL)
		return etk_fail(err, ETK_ENOMEM, errno, "PostgreSQL");
	pg->conn = PQconnectdbParams(keys, vals, 1);
	if (pg->conn == NULL) {
		free(pg);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "PostgreSQL");
	}
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		first_line(PQerrorMessage(pg->conn), line, sizeof(line));
		etk_pg_close(pg);
		return etk_fail(err, ETK_EAGAIN, 0,
		    "PostgreSQL: cannot connect: %s", line);
	}
	/* the library prints nothing: libpq's default sends NOTICEs to
	 * stderr */
	PQsetNoticeProcessor(pg->conn, quiet, NULL);
	if (PQsetClientEncoding(pg->conn, "UTF8") != 0) {
		rc = pg_fail(pg->conn, NULL, err, "client encoding");
		etk_pg_close(pg);
		return rc;
	}
	if ((rc = ensure_schema(pg, err)) != ETK_OK) {
		etk_pg_close(pg);
		return rc;
	}
	*out = pg;
	return ETK_OK;
}

void
etk_pg_close(struct etk_pg *pg)
{
	if (pg == NULL)
		return;
	PQfinish(pg->conn);
	free(pg);
}

/* ------------------------------------------------------------ shard file */

struct shard {
	const char *path;
	struct etk_error *err;
	sqlite3 *db;
	char *plan_id;
	char *tool;
	char *version;
	int64_t k, n;
	struct evmap {
		int64_t local, remote;
	} *ev;
	size_t nev;
};

static int
shard_fail(struct shard *sh, int code, const char *fmt, ...)
    ETK_PRINTFLIKE(3, 4);

/* "shard file: message" */
static int
shard_fail(struct shard *sh, int code, const char *fmt, ...)
{
	char msg[ETK_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return etk_fail(sh->err, code, 0, "%s: %s", sh->path, msg);
}

static int utf8_ok(const unsigned char *, size_t);

/* NULL or a string PostgreSQL takes as text */
static int
text_ok(const char *s)
{
	return s == NULL || utf8_ok((const unsigned char *)s, strlen(s));
}

static char *
col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *s;

	if (sqlite3_column_type(st, i) != SQLITE_TEXT ||
	    (s = sqlite3_column_text(st, i)) == NULL)
		return NULL;
	return strdup((const char *)s);
}

/* An SQLite failure on the shard file: not a database -> EFORMAT. */
static int
shard_sqlfail(struct shard *sh, const char *what)
{
	int ec = sqlite3_errcode(sh->db);

	if (ec == SQLITE_NOTADB || ec == SQLITE_CORRUPT || ec == SQLITE_ERROR)
		return shard_fail(sh, ETK_EFORMAT, "%s: %s", what,
		    sqlite3_errmsg(sh->db));
	return shard_fail(sh, ETK_EIO, "%s: %s", what,
	    sqlite3_errmsg(sh->db));
}

/* The table's columns (PRAGMA table_info) are exactly id and ours. */
static int
shard_check_table(struct shard *sh, const struct pg_table *t)
{
	sqlite3_stmt *st = NULL;
	char sql[96];
	const char *c;
	size_t j, seen = 0, ncols = 0;
	int rc = ETK_OK, key = (t->cols[0].flags & PGC_KEY) != 0;

	snprintf(sql, sizeof(sql), "PRAGMA main.table_info(\"%s\")", t->name);
	if (sqlite3_prepare_v2(sh->db, sql, -1, &st, NULL) != SQLITE_OK)
		return shard_sqlfail(sh, t->name);
	while (rc == ETK_OK && sqlite3_step(st) == SQLITE_ROW) {
		ncols++;
		c = (const char *)sqlite3_column_text(st, 1);
		if (c == NULL)
			continue;
		if (!key && strcmp(c, "id") == 0) {
			seen++;
			continue;
		}
		for (j = 0; j < t->ncols; j++)
			if (strcmp(c, t->cols[j].name) == 0)
				break;
		if (j == t->ncols)
			rc = shard_fail(sh, ETK_EFORMAT, "table %s has a "
			    "column %s that etk's PostgreSQL schema lacks",
			    t->name, c);
		else
			seen++;
	}
	sqlite3_finalize(st);
	if (rc != ETK_OK)
		return rc;
	if (ncols == 0)
		return shard_fail(sh, ETK_EFORMAT, "no table %s", t->name);
	if (seen != t->ncols + (key ? 0 : 1))
		return shard_fail(sh, ETK_EFORMAT, "table %s lacks columns of "
		    "the case schema", t->name);
	return ETK_OK;
}

static void
shard_close(struct shard *sh)
{
	sqlite3_close(sh->db);
	free(sh->plan_id);
	free(sh->tool);
	free(sh->version);
	free(sh->ev);
	memset(sh, 0, sizeof(*sh));
}

/* Open read-only, check the schema version, read the shard row and
 * check every table's columns. */
static int
shard_open(struct shard *sh, const char *path, struct etk_error *err)
{
	sqlite3_stmt *st = NULL;
	struct stat sb;
	size_t i;
	int rc, version = -1;

	memset(sh, 0, sizeof(*sh));
	sh->path = path;
	sh->err = err;
	if (stat(path, &sb) == -1)
		return etk_fail(err, ETK_EIO, errno, "%s", path);
	if (!S_ISREG(sb.st_mode))
		return shard_fail(sh, ETK_EFORMAT, "not a regular file");
	if (sqlite3_open_v2(path, &sh->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_EXRESCODE, NULL) != SQLITE_OK) {
		rc = sh->db == NULL ? etk_fail(err, ETK_ENOMEM, ENOMEM,
		    "%s", path) : shard_sqlfail(sh, "cannot open");
		shard_close(sh);
		return rc;
	}
	sqlite3_busy_timeout(sh->db, 10000);
	if (sqlite3_prepare_v2(sh->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		rc = shard_sqlfail(sh, "not a shard output");
		goto fail;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version != 1) {
		rc = shard_fail(sh, ETK_EFORMAT, "not a shard output (schema "
		    "version %d, expected 1)", version);
		goto fail;
	}
	if (sqlite3_prepare_v2(sh->db, "SELECT plan_id, tool, k, n,"
	    " etk_version FROM shard", -1, &st, NULL) != SQLITE_OK) {
		rc = shard_fail(sh, ETK_EFORMAT, "not a shard output (no shard "
		    "table: %s)", sqlite3_errmsg(sh->db));
		goto fail;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = shard_fail(sh, ETK_EFORMAT, "shard table is empty");
		goto fail;
	}
	sh->plan_id = col_strdup(st, 0);
	sh->tool = col_strdup(st, 1);
	sh->version = col_strdup(st, 4);
	if (sh->plan_id == NULL || *sh->plan_id == '\0' || sh->tool == NULL ||
	    *sh->tool == '\0' || sqlite3_column_type(st, 2) !=
	    SQLITE_INTEGER || sqlite3_column_type(st, 3) != SQLITE_INTEGER) {
		rc = shard_fail(sh, ETK_EFORMAT, "shard table: plan_id, tool, "
		    "k or n missing or of the wrong type");
		goto fail;
	}
	if (!text_ok(sh->plan_id) || !text_ok(sh->tool) ||
	    !text_ok(sh->version)) {
		rc = shard_fail(sh, ETK_EFORMAT, "shard table: not UTF-8");
		goto fail;
	}
	sh->k = sqlite3_column_int64(st, 2);
	sh->n = sqlite3_column_int64(st, 3);
	if (sh->n < 1 || sh->k < 0 || sh->k >= sh->n) {
		rc = shard_fail(sh, ETK_EFORMAT, "shard table: k %" PRId64
		    " of n %" PRId64 " is out of range", sh->k, sh->n);
		goto fail;
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = shard_fail(sh, ETK_EFORMAT, "shard table has more than "
		    "one row");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	for (i = 0; i < etk_pg_ntables; i++) {
		if (strcmp(etk_pg_tables[i].name, "actions") == 0)
			continue;
		if ((rc = shard_check_table(sh, &etk_pg_tables[i])) != ETK_OK)
			goto fail;
	}
	return ETK_OK;
fail:
	sqlite3_finalize(st);
	shard_close(sh);
	return rc;
}

static int
evmap_cmp(const void *a, const void *b)
{
	const struct evmap *x = a, *y = b;

	return x->local < y->local ? -1 : x->local > y->local;
}

/* Register the shard's evidence on the server by path and map ids. */
static int
load_evidence(struct etk_pg *pg, struct shard *sh, struct etk_error *err)
{
	static const char ins[] =
	    "INSERT INTO evidence(name, path, kind, size, sha256)"
	    " VALUES($1, $2, $3, $4::bigint, $5)"
	    " ON CONFLICT(path) DO NOTHING RETURNING id";
	static const char fill[] =
	    "UPDATE evidence SET kind = COALESCE(kind, $2),"
	    " size = COALESCE(size, $3::bigint),"
	    " sha256 = COALESCE(sha256, $4)"
	    " WHERE path = $1 AND (kind IS NULL AND $2::text IS NOT NULL"
	    " OR size IS NULL AND $3::bigint IS NOT NULL"
	    " OR sha256 IS NULL AND $4::text IS NOT NULL)";
	static const char get[] = "SELECT id FROM evidence WHERE path = $1";
	sqlite3_stmt *st = NULL;
	PGresult *res = NULL;
	const char *p[5];
	char size[24];
	struct evmap *m;
	size_t cap = 0;
	int rc = ETK_OK, sr, try;

	/* in path order, so that concurrent loaders meet rows in one order */
	if (sqlite3_prepare_v2(sh->db, "SELECT id, name, path, kind, size,"
	    " sha256 FROM evidence ORDER BY path", -1, &st, NULL) != SQLITE_OK)
		return shard_sqlfail(sh, "evidence");
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
		    sqlite3_column_type(st, 1) != SQLITE_TEXT ||
		    sqlite3_column_type(st, 2) != SQLITE_TEXT ||
		    (sqlite3_column_type(st, 4) != SQLITE_NULL &&
		    sqlite3_column_type(st, 4) != SQLITE_INTEGER)) {
			rc = shard_fail(sh, ETK_EFORMAT, "evidence row with a "
			    "missing or odd id, name, path or size");
			break;
		}
		if (sh->nev == cap) {
			cap = cap ? cap * 2 : 8;
			if ((m = reallocarray(sh->ev, cap, sizeof(*m))) ==
			    NULL) {
				rc = etk_fail(err, ETK_ENOMEM, errno,
				    "PostgreSQL");
				break;
			}
			sh->ev = m;
		}
		m = &sh->ev[sh->nev++];
		m->local = sqlite3_column_int64(st, 0);
		p[0] = (const char *)sqlite3_column_text(st, 1);
		p[1] = (const char *)sqlite3_column_text(st, 2);
		p[2] = (const char *)sqlite3_column_text(st, 3);
		p[3] = NULL;
		if (sqlite3_column_type(st, 4) == SQLITE_INTEGER) {
			snprintf(size, sizeof(size), "%lld",
			    (long long)sqlite3_column_int64(st, 4));
			p[3] = size;
		}
		p[4] = (const char *)sqlite3_column_text(st, 5);
		if (!text_ok(p[0]) || !text_ok(p[1]) || !text_ok(p[2]) ||
		    !text_ok(p[4])) {
			rc = shard_fail(sh, ETK_EFORMAT, "evidence id %lld: "
			    "not UTF-8 text PostgreSQL can store",
			    (long long)m->local);
			break;
		}
		for (try = 0; try < LOAD_TRIES; try++) {
			if ((rc = query(pg, ins, 5, p, &res, err,
			    "evidence")) == ETK_OK && PQntuples(res) == 0) {
				PQclear(res);
				if ((rc = query(pg, fill, 4, p + 1, NULL, err,
				    "evidence")) == ETK_OK)
					rc = query(pg, get, 1, p + 1, &res,
					    err, "evidence");
			}
			if (rc == ETK_OK || !retryable(pg->conn, res))
				break;
			PQclear(res);
			res = NULL;
		}
		if (rc == ETK_OK && PQntuples(res) != 1)
			rc = etk_fail(err, ETK_EIO, 0, "PostgreSQL: evidence "
			    "%s: not found after insert", p[1]);
		if (rc == ETK_OK)
			m->remote = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		res = NULL;
		if (rc != ETK_OK)
			break;
	}
	if (rc == ETK_OK && sr != SQLITE_DONE)
		rc = shard_sqlfail(sh, "evidence");
	sqlite3_finalize(st);
	if (rc == ETK_OK && sh->nev > 1)
		qsort(sh->ev, sh->nev, sizeof(*sh->ev), evmap_cmp);
	return rc;
}

/* Is s[0..n) UTF-8 that PostgreSQL takes (no overlong forms, no
 * surrogates, nothing above U+10FFFF, no NUL)? */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, len, j;
	uint32_t c;

	while (i < n) {
		c = s[i];
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, c &= 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, c &= 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, c &= 0x07;
		else
			return 0;
		if (n - i < len)
			return 0;
		for (j = 1; j < len; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (s[i + j] & 0x3f);
		}
		if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
		    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
			return 0;
		i += len;
	}
	return 1;
}

/* Append s[0..n) escaped for COPY text format. */
static void
add_copy_text(struct etk_buf *b, const char *s, size_t n)
{
	size_t i, run = 0;
	const char *esc;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\':	esc = "\\\\"; break;
		case '\t':	esc = "\\t"; break;
		case '\n':	esc = "\\n"; break;
		case '\r':	esc = "\\r"; break;
		default:	continue;
		}
		etk_buf_add(b, s + run, i - run);
		etk_buf_add(b, esc, 2);
		run = i + 1;
	}
	etk_buf_add(b, s + run, n - run);
}

/* Send what is buffered; -1 on failure. */
static int
copy_flush(struct etk_pg *pg, struct etk_buf *b)
{
	if (b->len == 0)
		return 0;
	if (PQputCopyData(pg->conn, b->data, (int)b->len) != 1)
		return -1;
	etk_buf_reset(b);
	return 0;
}

/* Append one value of column c (SQLite column i of st) to the row. */
static int
copy_value(struct shard *sh, const struct pg_table *t,
    const struct pg_col *c, sqlite3_stmt *st, int i, struct etk_buf *b)
{
	struct evmap key, *m;
	const char *s;
	size_t n;
	int type = sqlite3_column_type(st, i);
	long long id = sqlite3_column_int64(st, 0);

	if (type == SQLITE_NULL) {
		etk_buf_adds(b, "\\N");
		return ETK_OK;
	}
	if (c->flags & PGC_EVIDENCE) {
		if (type != SQLITE_INTEGER)
			goto odd;
		key.local = sqlite3_column_int64(st, i);
		m = sh->nev == 0 ? NULL : bsearch(&key, sh->ev, sh->nev,
		    sizeof(*sh->ev), evmap_cmp);
		if (m == NULL)
			return shard_fail(sh, ETK_EFORMAT, "%s id %lld: "
			    "evidence_id %lld is not in the evidence table",
			    t->name, id, (long long)key.local);
		etk_buf_printf(b, "%lld", (long long)m->remote);
		return ETK_OK;
	}
	switch (c->type) {
	case PGT_INT:
		if (type != SQLITE_INTEGER)
			goto odd;
		etk_buf_printf(b, "%lld", (long long)sqlite3_column_int64(st,
		    i));
		return ETK_OK;
	case PGT_REAL:
		if (type == SQLITE_INTEGER)
			etk_buf_printf(b, "%lld",
			    (long long)sqlite3_column_int64(st, i));
		else if (type == SQLITE_FLOAT)
			etk_buf_printf(b, "%.17g", sqlite3_column_double(st,
			    i));
		else
			goto odd;
		return ETK_OK;
	case PGT_TEXT:
		if (type == SQLITE_BLOB)
			goto odd;
		s = (const char *)sqlite3_column_text(st, i);
		n = (size_t)sqlite3_column_bytes(st, i);
		/* PostgreSQL text is UTF-8 without NUL: say which value
		 * (a name from a file system may be any bytes) */
		if (!utf8_ok((const unsigned char *)s, n))
			return shard_fail(sh, ETK_EFORMAT, "%s id %lld: %s is "
			    "not UTF-8 text PostgreSQL can store", t->name,
			    id, c->name);
		add_copy_text(b, s, n);
		return ETK_OK;
	}
odd:
	return shard_fail(sh, ETK_EFORMAT, "%s id %lld: %s is not of type %s",
	    t->name, id, c->name, c->type == PGT_TEXT ? "text" :
	    c->type == PGT_REAL ? "real" : "integer");
}

/* COPY one table's rows of the shard; adds to *rows. */
static int
copy_table(struct etk_pg *pg, struct shard *sh, const struct pg_table *t,
    uint64_t *rows, struct etk_error *err)
{
	struct etk_buf sql, b, pre;
	sqlite3_stmt *st = NULL;
	PGresult *res;
	size_t j;
	uint64_t n = 0;
	int rc = ETK_OK, sr, copying = 0;
	char what[64];

	snprintf(what, sizeof(what), "COPY %s", t->name);
	etk_buf_init(&sql);
	etk_buf_init(&b);
	etk_buf_init(&pre);
	/* plan_id and shard end every row */
	etk_buf_addc(&pre, '\t');
	add_copy_text(&pre, sh->plan_id, strlen(sh->plan_id));
	etk_buf_printf(&pre, "\t%" PRId64 "\n", sh->k);
	etk_buf_adds(&sql, "SELECT \"id\"");
	for (j = 0; j < t->ncols; j++)
		etk_buf_printf(&sql, ", \"%s\"", t->cols[j].name);
	etk_buf_printf(&sql, " FROM \"%s\" ORDER BY \"id\"", t->name);
	if (sql.oom || pre.oom) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "PostgreSQL");
		goto out;
	}
	if (sqlite3_prepare_v2(sh->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
		rc = shard_sqlfail(sh, t->name);
		goto out;
	}
	etk_buf_reset(&sql);
	etk_buf_printf(&sql, "COPY \"%s\"(", t->name);
	for (j = 0; j < t->ncols; j++)
		etk_buf_printf(&sql, "\"%s\", ", t->cols[j].name);
	etk_buf_adds(&sql, "\"plan_id\", \"shard\") FROM STDIN");
	if (sql.oom) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "PostgreSQL");
		goto out;
	}
	res = PQexec(pg->conn, sql.data);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		rc = pg_fail(pg->conn, res, err, what);
		PQclear(res);
		goto out;
	}
	PQclear(res);
	copying = 1;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		for (j = 0; j < t->ncols; j++) {
			if (j > 0)
				etk_buf_addc(&b, '\t');
			if ((rc = copy_value(sh, t, &t->cols[j], st, (int)j + 1,
			    &b)) != ETK_OK)
				goto out;
		}
		etk_buf_add(&b, pre.data, pre.len);
		n++;
		if (b.oom) {
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "PostgreSQL");
			goto out;
		}
		if (b.len >= COPY_CHUNK && copy_flush(pg, &b) != 0) {
			rc = pg_fail(pg->conn, NULL, err, what);
			goto out;
		}
	}
	if (sr != SQLITE_DONE) {
		rc = shard_sqlfail(sh, t->name);
		goto out;
	}
	if (copy_flush(pg, &b) != 0) {
		rc = pg_fail(pg->conn, NULL, err, what);
		goto out;
	}
	copying = 0;
	if (PQputCopyEnd(pg->conn, NULL) != 1) {
		rc = pg_fail(pg->conn, NULL, err, what);
		goto out;
	}
	while ((res = PQgetResult(pg->conn)) != NULL) {
		if (rc == ETK_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_fail(pg->conn, res, err, what);
		else if (rc == ETK_OK && strtoull(PQcmdTuples(res), NULL, 10) !=
		    n)
			rc = etk_fail(err, ETK_EIO, 0, "PostgreSQL: %s: %"
			    PRIu64 " rows sent, %s stored", what, n,
			    PQcmdTuples(res));
		PQclear(res);
	}
	if (rc == ETK_OK)
		*rows += n;
out:
	if (copying) {
		/* abandon the COPY; the transaction is rolled back */
		if (PQputCopyEnd(pg->conn, "etk: load abandoned") == 1)
			while ((res = PQgetResult(pg->conn)) != NULL)
				PQclear(res);
	}
	sqlite3_finalize(st);
	etk_buf_release(&sql);
	etk_buf_release(&b);
	etk_buf_release(&pre);
	return rc;
}

/* The shard's transaction: lock, delete, COPY, record, commit. */
static int
load_rows(struct etk_pg *pg, struct shard *sh, const char *sha256,
    uint64_t *rows, PGresult **fail, struct etk_error *err)
{
	char k[24], n[24], nrows[24];
	const char *p[7];
	struct etk_buf sql;
	size_t i;
	int rc;

	*rows = 0;
	snprintf(k, sizeof(k), "%" PRId64, sh->k);
	snprintf(n, sizeof(n), "%" PRId64, sh->n);
	p[0] = sh->plan_id;
	p[1] = k;
	if ((rc = query(pg, "BEGIN", 0, NULL, NULL, err, "BEGIN")) != ETK_OK)
		return rc;
	/* one load of a shard at a time (the DELETE must see the rows a
	 * concurrent load of the same shard commits) */
	if ((rc = query(pg, "SELECT pg_advisory_xact_lock("
	    "hashtextextended($1 || '/' || $2, 0))", 2, p, fail, err,
	    "shard lock")) != ETK_OK)
		return rc;
	PQclear(*fail);
	*fail = NULL;
	etk_buf_init(&sql);
	for (i = 0; i < etk_pg_ntables; i++) {
		if (!etk_pg_tables[i].rows)
			continue;
		etk_buf_reset(&sql);
		etk_buf_printf(&sql, "DELETE FROM \"%s\" WHERE plan_id = $1"
		    " AND shard = $2::bigint", etk_pg_tables[i].name);
		if (sql.oom) {
			etk_buf_release(&sql);
			return etk_fail(err, ETK_ENOMEM, ENOMEM, "PostgreSQL");
		}
		if ((rc = query(pg, sql.data, 2, p, fail, err,
		    etk_pg_tables[i].name)) != ETK_OK) {
			etk_buf_release(&sql);
			return rc;
		}
		PQclear(*fail);
		*fail = NULL;
	}
	etk_buf_release(&sql);
	for (i = 0; i < etk_pg_ntables; i++) {
		if (!etk_pg_tables[i].rows)
			continue;
		if ((rc = copy_table(pg, sh, &etk_pg_tables[i], rows, err)) !=
		    ETK_OK)
			return rc;
	}
	snprintf(nrows, sizeof(nrows), "%" PRIu64, *rows);
	p[2] = sh->tool;
	p[3] = n;
	p[4] = sh->version;
	p[5] = sha256;
	p[6] = nrows;
	if ((rc = query(pg, "INSERT INTO shard_loads(plan_id, k, tool, n,"
	    " etk_version, sha256, rows) VALUES($1, $2::bigint, $3,"
	    " $4::bigint, $5, $6, $7::bigint) ON CONFLICT(plan_id, k) DO UPDATE"
	    " SET tool = EXCLUDED.tool, n = EXCLUDED.n,"
	    " etk_version = EXCLUDED.etk_version, sha256 = EXCLUDED.sha256,"
	    " rows = EXCLUDED.rows, loaded = now()", 7, p, fail, err,
	    "shard_loads")) != ETK_OK)
		return rc;
	PQclear(*fail);
	*fail = NULL;
	return query(pg, "COMMIT", 0, NULL, fail, err, "COMMIT");
}

int
etk_pg_load_shard(struct etk_pg *pg, const char *shard_db, const char *sha256,
    uint64_t *rows, struct etk_error *err)
{
	struct shard sh;
	PGresult *fail = NULL;
	int rc, try;

	*rows = 0;
	if (pg == NULL || pg->conn == NULL || shard_db == NULL ||
	    sha256 == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "PostgreSQL: load: bad "
		    "arguments");
	if (PQstatus(pg->conn) != CONNECTION_OK)
		return etk_fail(err, ETK_EAGAIN, 0, "PostgreSQL: connection "
		    "lost");
	if ((rc = shard_open(&sh, shard_db, err)) != ETK_OK)
		return rc;
	if ((rc = load_evidence(pg, &sh, err)) != ETK_OK)
		goto out;
	for (try = 0; try < LOAD_TRIES; try++) {
		rc = load_rows(pg, &sh, sha256, rows, &fail, err);
		if (rc != ETK_OK)
			rollback(pg);
		if (rc == ETK_OK || !retryable(pg->conn, fail))
			break;
		PQclear(fail);
		fail = NULL;
		usleep(50000u << try);
	}
	PQclear(fail);
	if (rc != ETK_OK)
		*rows = 0;
out:
	if (rc != ETK_OK && err != NULL && strncmp(err->msg, shard_db,
	    strlen(shard_db)) != 0)
		etk_wrap(err, "%s", shard_db);
	shard_close(&sh);
	return rc;
}
