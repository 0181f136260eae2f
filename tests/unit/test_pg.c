/*
 * Unit tests for lib/pg against a private PostgreSQL server started with
 * tests/pg/pg-lib.sh (skipped, exit 77, when PostgreSQL is not installed
 * or ETK_SRC is not set).
 *
 * Shard files are made here with the SQLite API: the schema is that of
 * an etk.db made by etk_case_init (so it is always the case schema of
 * lib/custody/db.c), with journal rows removed, the one-row shard table
 * added and rows put in every row table: NULLs, tabs, newlines, CRs,
 * backslashes, "\N" and "\." as text, non-ASCII UTF-8, extreme integers
 * and REALs.  Round trips compare every column of every row (psql -At
 * reading hex-encoded text and the server's REAL text, strtod'ed).
 *
 * The binary is also the test driver of tests/cli/pg-load.sh:
 *	test_pg mkshard OUT K N PLAN [ROWS]	write a shard file
 *	test_pg load CONNINFO SHARD [SHA256]	load it; prints "rows N";
 *						exit as the commands would
 *						(75 transient, 1 failure)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include <etk/etk.h>
#include <etk/pg.h>

static char base[256];		/* private temp dir */
static char tmpl[320];		/* an etk.db made by etk_case_init */
static char pg_url[1024];	/* the private server */
static int pg_up;
static int counter;

#define FILES_ROWS_EXTRA 18	/* rows of a shard besides 2 * nrows */

/* ------------------------------------------------------------ helpers */

static int
run_sh(const char *fmt, ...) ETK_PRINTFLIKE(1, 2);

/* Run a shell command; its exit status (or -1). */
static int
run_sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
fresh(char *out, size_t len, const char *stem)
{
	snprintf(out, len, "%s/%s%d", base, stem, ++counter);
}

/* psql -At with sql (in the environment: no quoting trouble) into a
 * malloc'ed string; NULL when psql fails. */
static char *
psql(const char *url, const char *sql)
{
	struct etk_buf b;
	char chunk[4096];
	FILE *fp;
	size_t n;
	int st;

	setenv("ETK_TEST_URL", url, 1);
	setenv("ETK_TEST_SQL", sql, 1);
	fp = popen("\"$ETK_PG_BIN/psql\" -X -A -t -q -v ON_ERROR_STOP=1"
	    " -d \"$ETK_TEST_URL\" -c \"$ETK_TEST_SQL\"", "r");
	if (fp == NULL)
		return NULL;
	etk_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		etk_buf_add(&b, chunk, n);
	st = pclose(fp);
	if (b.data == NULL)
		etk_buf_adds(&b, "");
	if (st != 0 || b.oom) {
		etk_buf_release(&b);
		return NULL;
	}
	return etk_buf_detach(&b);
}

/* A number psql prints for sql; -1 on failure. */
static long long
psql_num(const char *url, const char *sql)
{
	char *s = psql(url, sql);
	long long v = -1;

	if (s != NULL && *s != '\0')
		v = strtoll(s, NULL, 10);
	free(s);
	return v;
}

static int
copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in, *out;
	size_t n;
	int rc = 0;

	if ((in = fopen(from, "rb")) == NULL)
		return -1;
	if ((out = fopen(to, "wb")) == NULL) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (ferror(in))
		rc = -1;
	fclose(in);
	if (fclose(out) != 0)
		rc = -1;
	return rc;
}

/* The template etk.db, made once with etk_case_init. */
static int
make_template(void)
{
	struct etk_case_init_opts o;
	struct etk_error err = { 0 };
	char dir[300];

	if (tmpl[0] != '\0')
		return 0;
	snprintf(dir, sizeof(dir), "%s/case", base);
	memset(&o, 0, sizeof(o));
	o.case_id = "PG-TEST";
	o.examiner = "Test Examiner";
	if (etk_case_init(dir, &o, &err) != ETK_OK) {
		fprintf(stderr, "etk_case_init: %s\n", err.msg);
		return -1;
	}
	snprintf(tmpl, sizeof(tmpl), "%s/etk.db", dir);
	return 0;
}

/* ------------------------------------------------------- shard files */

static const char *const texts[] = {
	"plain", "tab\there", "new\nline", "cr\rhere", "back\\slash",
	"\\N", "\\.", "naïve ☃ 日本語", "", "trailing\\", " spaces ",
	"a|b,c;'\"", "\\\\.\n\\.\n", "ÿ€𝄞",
};
#define NTEXTS	(sizeof(texts) / sizeof(texts[0]))

static const double reals[] = {
	0.1, -33.868820000000003, 151.20929, 1e-300, -0.0,
	1.7976931348623157e308, 5e-324, 123456789.123456789, 2.5,
};
#define NREALS	(sizeof(reals) / sizeof(reals[0]))

static const int64_t ints[] = {
	0, -1, 1, INT64_MAX, INT64_MIN, 4096, 1234567890123,
};
#define NINTS	(sizeof(ints) / sizeof(ints[0]))

#define BAD_EVREF	0x01	/* a files row names no evidence */
#define BAD_NOSHARD	0x02	/* no shard table */
#define BAD_K		0x04	/* k >= n */
#define BAD_COLUMN	0x08	/* an extra column in files */
#define BAD_INTTEXT	0x10	/* text in an INTEGER column */
#define BAD_UTF8	0x20	/* a file name that is not UTF-8 */

static const char *
txt(int64_t i)
{
	return texts[(size_t)(i < 0 ? -i : i) % NTEXTS];
}

/* Bind values for ?1..?n: 'i' int, 'r' real, 't' text, '-' NULL; the
 * values cycle through the tables above, started at seed. */
static int
ins(sqlite3 *db, const char *sql, const char *kinds, int64_t seed)
{
	sqlite3_stmt *st;
	int i, rc;
	char tb[64];

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
		return -1;
	}
	for (i = 0; kinds[i] != '\0'; i++) {
		int64_t s = seed + i;

		switch (kinds[i]) {
		case 'i':
			sqlite3_bind_int64(st, i + 1, ints[(size_t)s % NINTS]);
			break;
		case 'r':
			sqlite3_bind_double(st, i + 1,
			    reals[(size_t)s % NREALS]);
			break;
		case 't':
			sqlite3_bind_text(st, i + 1, txt(s), -1,
			    SQLITE_TRANSIENT);
			break;
		case 'u':	/* a unique text */
			snprintf(tb, sizeof(tb), "u\t%" PRId64 "\\%s", seed,
			    txt(s));
			sqlite3_bind_text(st, i + 1, tb, -1, SQLITE_TRANSIENT);
			break;
		case 'x':	/* text in an integer column */
			sqlite3_bind_text(st, i + 1, "twelve", -1,
			    SQLITE_STATIC);
			break;
		default:
			sqlite3_bind_null(st, i + 1);
			break;
		}
	}
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

/* Write a shard file: 2 evidence items, and 18 + 2 * nrows rows. */
static int
make_shard(const char *out, int64_t k, int64_t n, const char *plan,
    int nrows, int bad)
{
	sqlite3 *db = NULL;
	char sql[512], *e = NULL;
	int64_t ea = 0, eb = 0, s = k * 1000;
	int i, rc = -1;

	if (make_template() != 0 || copy_file(tmpl, out) != 0)
		return -1;
	if (sqlite3_open_v2(out, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		goto out;
	if (sqlite3_exec(db, "BEGIN; DELETE FROM actions;"
	    " DELETE FROM input_cache;", NULL, NULL, &e) != SQLITE_OK)
		goto out;
	if (!(bad & BAD_NOSHARD)) {
		snprintf(sql, sizeof(sql), "CREATE TABLE shard(plan_id TEXT"
		    " NOT NULL, tool TEXT NOT NULL, k INTEGER NOT NULL,"
		    " n INTEGER NOT NULL, etk_version TEXT NOT NULL);"
		    "INSERT INTO shard VALUES('%s', 'hash', %" PRId64 ", %"
		    PRId64 ", '" ETK_VERSION "');", plan,
		    (bad & BAD_K) ? n : k, n);
		if (sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK)
			goto out;
	}
	if ((bad & BAD_COLUMN) && sqlite3_exec(db, "ALTER TABLE files ADD"
	    " COLUMN extra TEXT", NULL, NULL, &e) != SQLITE_OK)
		goto out;
	/* evidence: a different insertion order (so different ids) in odd
	 * shards; the first item's sha256 only in even shards */
	for (i = 0; i < 2; i++) {
		int which = (k % 2 == 0) ? i : 1 - i;

		snprintf(sql, sizeof(sql), "INSERT INTO evidence(name, path,"
		    " kind, size, sha256) VALUES(%s)", which == 0 ?
		    "'a.raw', '/ev/a.raw', 'raw', 1048576, ?1" :
		    "'b ü.E01', '/ev/b dir/b ü.E01', NULL, NULL, NULL");
		if (ins(db, sql, which == 0 && k % 2 == 0 ? "t" : "-", 0) != 0)
			goto out;
		if (which == 0)
			ea = sqlite3_last_insert_rowid(db);
		else
			eb = sqlite3_last_insert_rowid(db);
	}
	if (sqlite3_exec(db, "UPDATE evidence SET sha256 ="
	    " 'e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855'"
	    " WHERE path = '/ev/a.raw' AND sha256 IS NOT NULL", NULL, NULL,
	    &e) != SQLITE_OK)
		goto out;
	snprintf(sql, sizeof(sql), "INSERT INTO volumes(evidence_id, action,"
	    " slot, flags, start, len, descr, fs_type, block_size,"
	    " block_count) VALUES(%" PRId64 ", 0, ?1, ?2, ?3, ?4, ?5, ?6, ?7,"
	    " ?8)", ea);
	if (ins(db, sql, "iiiitt-i", s) != 0)
		goto out;
	for (i = 0; i < nrows; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO files(evidence_id,"
		    " action, locator, volume, inode, path, name, size,"
		    " allocated, deleted, type, mime, mtime, atime, ctime,"
		    " crtime, md5, sha1, sha256) VALUES(%" PRId64 ", 0, ?1, ?2,"
		    " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
		    " ?16, ?17)", (bad & BAD_EVREF) && i == nrows - 1 ? 999 :
		    i % 3 == 2 ? eb : ea);
		if (ins(db, sql, (bad & BAD_INTTEXT) ? "uxittiiittt-ttttt" :
		    "uiittiiittt-ttttt", s + i) != 0)
			goto out;
		if (ins(db, "INSERT INTO hashes(action, locator, size, md5,"
		    " sha1, sha256, ssdeep, known, alert, ext_mismatch)"
		    " VALUES(0, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		    "uittt-tti", s + i) != 0)
			goto out;
	}
	for (i = 0; i < 2; i++)
		if (ins(db, "INSERT INTO carved(action, locator, offset,"
		    " length, byte_runs, type, ext, validated, complete,"
		    " sha256, path)"
		    " VALUES(0, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
		    "uiittti-tt", s + i) != 0 ||
		    ins(db, "INSERT INTO calls(action, app, direction, number,"
		    " name, time, duration_s, source) VALUES(0, ?1, ?2, ?3, ?4,"
		    " ?5, ?6, ?7)", "tt-ttiu", s + i) != 0 ||
		    ins(db, "INSERT INTO contacts(action, app, name, numbers,"
		    " emails, source) VALUES(0, ?1, ?2, ?3, ?4, ?5)", "tt-tu",
		    s + i) != 0 ||
		    ins(db, "INSERT INTO pole_entities(action, entity, pole,"
		    " subtype, display, value, third_party, record)"
		    " VALUES(0, ?1, ?2, ?3, ?4, ?5, ?6, ?7)", "utt-tit",
		    s + i) != 0)
			goto out;
	for (i = 0; i < 3; i++)
		if (ins(db, "INSERT INTO messages(action, app, thread,"
		    " direction, sender, recipients, time, time_raw, body,"
		    " attachments, read, deleted, source) VALUES(0, ?1, ?2,"
		    " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
		    "ttt-tttt-iiu", s + i) != 0 ||
		    ins(db, "INSERT INTO images(action, locator, path, sha256,"
		    " mime, width, height, taken, make, model, lat, lon, alt,"
		    " orientation, source) VALUES(0, ?1, ?2, ?3, ?4, ?5, ?6,"
		    " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)", "utttiitt-rrrit",
		    s + i) != 0 ||
		    ins(db, "INSERT INTO pole_links(action, from_entity, rel,"
		    " to_entity, role, record) VALUES(0, ?1, ?2, ?3, ?4, ?5)",
		    "ttt-t", s + i) != 0)
			goto out;
	if ((bad & BAD_UTF8) && sqlite3_exec(db, "UPDATE files SET name ="
	    " CAST(x'6f6b2dff2e6a7067' AS TEXT) WHERE id = 2", NULL, NULL,
	    &e) != SQLITE_OK)
		goto out;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, &e) != SQLITE_OK)
		goto out;
	rc = 0;
out:
	if (e != NULL) {
		fprintf(stderr, "make_shard: %s\n", e);
		sqlite3_free(e);
	}
	sqlite3_close(db);
	return rc;
}

/* --------------------------------------------------------- round trip */

/* Append one value in the comparison form: N (NULL), i<int>, r<%a>,
 * x<hex of the UTF-8 bytes>. */
static void
add_val(struct etk_buf *b, char kind, const char *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (b->len > 0 && b->data[b->len - 1] != '\n')
		etk_buf_addc(b, ',');
	if (text == NULL) {
		etk_buf_addc(b, 'N');
		return;
	}
	etk_buf_addc(b, kind);
	if (kind == 'r') {
		etk_buf_printf(b, "%a", strtod(text, NULL));
		return;
	}
	if (kind == 'i') {
		etk_buf_add(b, text, len);
		return;
	}
	for (i = 0; i < len; i++) {
		etk_buf_addc(b, hex[(unsigned char)text[i] >> 4]);
		etk_buf_addc(b, hex[(unsigned char)text[i] & 15]);
	}
}

/* Declared type of a column: 'i', 'r' or 'x' (text). */
static char
decl_kind(const char *decl)
{
	if (decl == NULL)
		return 'x';
	if (strstr(decl, "INT") != NULL)
		return 'i';
	if (strstr(decl, "REAL") != NULL)
		return 'r';
	return 'x';
}

/* The rows of table in the shard file, in comparison form (evidence_id
 * as the evidence's path), one line each, in id order. */
static char *
shard_rows(const char *file, const char *table)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ti = NULL, *st = NULL;
	struct etk_buf sql, b;
	char kinds[64], ev[64];
	int nc = 0, i;

	etk_buf_init(&sql);
	etk_buf_init(&b);
	if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		goto out;
	etk_buf_printf(&sql, "PRAGMA table_info(%s)", table);
	if (sqlite3_prepare_v2(db, sql.data, -1, &ti, NULL) != SQLITE_OK)
		goto out;
	etk_buf_reset(&sql);
	etk_buf_adds(&sql, "SELECT ");
	while (sqlite3_step(ti) == SQLITE_ROW && nc < 63) {
		const char *c = (const char *)sqlite3_column_text(ti, 1);

		if (strcmp(c, "id") == 0)
			continue;
		ev[nc] = strcmp(c, "evidence_id") == 0;
		kinds[nc] = decl_kind((const char *)sqlite3_column_text(ti,
		    2));
		etk_buf_printf(&sql, "%s%s", nc > 0 ? ", " : "", ev[nc] ?
		    "(SELECT path FROM evidence e WHERE e.id = t.evidence_id)" :
		    c);
		nc++;
	}
	etk_buf_printf(&sql, " FROM %s t ORDER BY id", table);
	if (sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < nc; i++) {
			int t = sqlite3_column_type(st, i);
			char num[64];
			const char *v = (const char *)sqlite3_column_text(st,
			    i);
			size_t len = (size_t)sqlite3_column_bytes(st, i);

			if (t == SQLITE_FLOAT) {
				snprintf(num, sizeof(num), "%.17g",
				    sqlite3_column_double(st, i));
				v = num;
				len = strlen(num);
			}
			add_val(&b, ev[i] ? 'x' : kinds[i], t == SQLITE_NULL ?
			    NULL : v, len);
		}
		etk_buf_addc(&b, '\n');
	}
out:
	sqlite3_finalize(ti);
	sqlite3_finalize(st);
	sqlite3_close(db);
	etk_buf_release(&sql);
	if (b.oom) {
		etk_buf_release(&b);
		return NULL;
	}
	if (b.data == NULL)
		etk_buf_adds(&b, "");
	return etk_buf_detach(&b);
}

/* The same from PostgreSQL, for (plan, shard). */
static char *
pg_rows(const char *file, const char *table, const char *plan, int64_t k)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ti = NULL;
	struct etk_buf sql, b;
	char kinds[64], *out = NULL, *p, *line, *f, *save, *save2;
	int nc = 0, i;

	etk_buf_init(&sql);
	etk_buf_init(&b);
	if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		goto out;
	etk_buf_printf(&sql, "PRAGMA table_info(%s)", table);
	if (sqlite3_prepare_v2(db, sql.data, -1, &ti, NULL) != SQLITE_OK)
		goto out;
	etk_buf_reset(&sql);
	etk_buf_adds(&sql, "SELECT concat_ws(',' ");
	while (sqlite3_step(ti) == SQLITE_ROW && nc < 63) {
		const char *c = (const char *)sqlite3_column_text(ti, 1);

		if (strcmp(c, "id") == 0)
			continue;
		if (strcmp(c, "evidence_id") == 0) {
			kinds[nc] = 'x';
			etk_buf_adds(&sql, ", coalesce('x' || encode("
			    "convert_to((SELECT path FROM evidence e"
			    " WHERE e.id = t.evidence_id), 'UTF8'), 'hex'),"
			    " 'N')");
		} else {
			kinds[nc] = decl_kind((const char *)
			    sqlite3_column_text(ti, 2));
			if (kinds[nc] == 'x')
				etk_buf_printf(&sql, ", coalesce('x' || encode("
				    "convert_to(\"%s\", 'UTF8'), 'hex'), 'N')",
				    c);
			else
				etk_buf_printf(&sql, ", coalesce('%c' ||"
				    " \"%s\"::text, 'N')", kinds[nc], c);
		}
		nc++;
	}
	etk_buf_printf(&sql, ") FROM \"%s\" t WHERE plan_id = '%s' AND"
	    " shard = %" PRId64 " ORDER BY id", table, plan, k);
	if (sql.oom || (out = psql(pg_url, sql.data)) == NULL)
		goto out;
	/* re-render r fields as %a */
	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		i = 0;
		for (f = strtok_r(line, ",", &save2); f != NULL;
		    f = strtok_r(NULL, ",", &save2), i++) {
			p = f;
			if (*p == 'N')
				add_val(&b, 'x', NULL, 0);
			else if (*p == 'r')
				add_val(&b, 'r', p + 1, strlen(p + 1));
			else {
				if (b.len > 0 && b.data[b.len - 1] != '\n')
					etk_buf_addc(&b, ',');
				etk_buf_adds(&b, p);
			}
		}
		etk_buf_addc(&b, '\n');
	}
	(void)kinds;
out:
	free(out);
	sqlite3_finalize(ti);
	sqlite3_close(db);
	etk_buf_release(&sql);
	if (b.oom) {
		etk_buf_release(&b);
		return NULL;
	}
	if (b.data == NULL)
		etk_buf_adds(&b, "");
	return etk_buf_detach(&b);
}

static const char *const row_tables[] = {
	"volumes", "files", "hashes", "carved", "messages", "calls",
	"contacts", "images", "pole_entities", "pole_links",
};
#define NROW_TABLES (sizeof(row_tables) / sizeof(row_tables[0]))

/* Every row of every row table of the shard is on the server. */
static void
assert_roundtrip(const char *file, const char *plan, int64_t k)
{
	size_t i;
	char *a, *b;

	for (i = 0; i < NROW_TABLES; i++) {
		a = shard_rows(file, row_tables[i]);
		b = pg_rows(file, row_tables[i], plan, k);
		assert_non_null(a);
		assert_non_null(b);
		if (strcmp(a, b) != 0)
			fprintf(stderr, "table %s differs:\nshard:\n%s\n"
			    "server:\n%s\n", row_tables[i], a, b);
		assert_string_equal(a, b);
		assert_true(strlen(a) > 0);
		free(a);
		free(b);
	}
}

static int
load_sum(const char *url, const char *file, const char *sha256,
    uint64_t *rows, struct etk_error *err)
{
	struct etk_pg *pg = NULL;
	int rc;

	*rows = 0;
	if ((rc = etk_pg_open(&pg, url, err)) != ETK_OK)
		return rc;
	rc = etk_pg_load_shard(pg, file, sha256, rows, err);
	etk_pg_close(pg);
	return rc;
}

static int
load(const char *url, const char *file, uint64_t *rows,
    struct etk_error *err)
{
	return load_sum(url, file, "0123abcd", rows, err);
}

/* -------------------------------------------------------------- tests */

/* The server's tables have the columns (and types) of the case
 * database, plus plan_id and shard on row tables. */
static void
test_schema_matches_case_db(void **state)
{
	struct etk_pg *pg = NULL;
	struct etk_error err = { 0 };
	struct etk_buf want;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *got;

	(void)state;
	assert_int_equal(etk_pg_open(&pg, pg_url, &err), ETK_OK);
	etk_pg_close(pg);
	assert_int_equal(make_template(), 0);
	assert_int_equal(sqlite3_open_v2(tmpl, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT m.name, p.name,"
	    " CASE p.type WHEN 'INTEGER' THEN 'bigint' WHEN 'REAL' THEN"
	    " 'double precision' ELSE lower(p.type) END"
	    " FROM sqlite_master m, pragma_table_info(m.name) p"
	    " WHERE m.type = 'table' AND m.name NOT IN ('input_cache')"
	    " UNION ALL SELECT m.name, 'plan_id', 'text' FROM sqlite_master m"
	    " WHERE m.type = 'table' AND m.name NOT IN ('input_cache',"
	    " 'evidence', 'actions')"
	    " UNION ALL SELECT m.name, 'shard', 'bigint' FROM sqlite_master m"
	    " WHERE m.type = 'table' AND m.name NOT IN ('input_cache',"
	    " 'evidence', 'actions')"
	    " ORDER BY 1, 2", -1, &st, NULL), SQLITE_OK);
	etk_buf_init(&want);
	while (sqlite3_step(st) == SQLITE_ROW)
		etk_buf_printf(&want, "%s|%s|%s\n", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	sqlite3_close(db);
	got = psql(pg_url, "SELECT table_name, column_name, data_type FROM"
	    " information_schema.columns WHERE table_schema = 'public' AND"
	    " table_name NOT IN ('shard_loads', 'etk_schema')"
	    " ORDER BY table_name::text COLLATE \"C\","
	    " column_name::text COLLATE \"C\"");
	assert_non_null(got);
	assert_non_null(want.data);
	assert_string_equal(got, want.data);
	free(got);
	etk_buf_release(&want);
	assert_int_equal(psql_num(pg_url, "SELECT version FROM etk_schema"),
	    1);
}

/* Two shards of a plan: every value comes back; loading again leaves
 * the same rows; evidence is shared by path. */
static void
test_load_roundtrip_idempotent(void **state)
{
	struct etk_error err = { 0 };
	char f0[300], f1[300];
	uint64_t rows;
	long long before;

	(void)state;
	fresh(f0, sizeof(f0), "rt0-");
	fresh(f1, sizeof(f1), "rt1-");
	assert_int_equal(make_shard(f0, 0, 2, "plan-rt", 7, 0), 0);
	assert_int_equal(make_shard(f1, 1, 2, "plan-rt", 5, 0), 0);
	/* the odd shard (no sha256 for a.raw) first, then the even */
	assert_int_equal(load(pg_url, f1, &rows, &err), ETK_OK);
	assert_int_equal(rows, FILES_ROWS_EXTRA + 2 * 5);
	assert_int_equal(load(pg_url, f0, &rows, &err), ETK_OK);
	assert_int_equal(rows, FILES_ROWS_EXTRA + 2 * 7);
	assert_roundtrip(f0, "plan-rt", 0);
	assert_roundtrip(f1, "plan-rt", 1);
	assert_int_equal(psql_num(pg_url, "SELECT count(*) FROM evidence"
	    " WHERE path IN ('/ev/a.raw', '/ev/b dir/b ü.E01')"), 2);
	assert_int_equal(psql_num(pg_url, "SELECT count(*) FROM evidence"
	    " WHERE path = '/ev/a.raw' AND sha256 LIKE 'e3b0%'"), 1);
	assert_int_equal(psql_num(pg_url, "SELECT count(*) FROM shard_loads"
	    " WHERE plan_id = 'plan-rt' AND n = 2 AND sha256 = '0123abcd'"
	    " AND tool = 'hash'"), 2);
	assert_int_equal(psql_num(pg_url, "SELECT sum(rows) FROM shard_loads"
	    " WHERE plan_id = 'plan-rt'"), 2 * FILES_ROWS_EXTRA + 24);

	/* again: the same rows, no more */
	before = psql_num(pg_url, "SELECT count(*) FROM files");
	assert_int_equal(load(pg_url, f0, &rows, &err), ETK_OK);
	assert_int_equal(rows, FILES_ROWS_EXTRA + 2 * 7);
	assert_int_equal(psql_num(pg_url, "SELECT count(*) FROM files"),
	    before);
	assert_int_equal(psql_num(pg_url, "SELECT count(*) FROM pole_links"
	    " WHERE plan_id = 'plan-rt'"), 6);
	assert_int_equal(psql_num(pg_url, "SELECT count(*) FROM evidence"),
	    2);
	assert_roundtrip(f0, "plan-rt", 0);
	assert_roundtrip(f1, "plan-rt", 1);
}

static void
expect_bad(const char *file, int code, const char *msg)
{
	struct etk_error err = { 0 };
	uint64_t rows = 99;

	assert_int_equal(load(pg_url, file, &rows, &err), code);
	assert_int_equal(rows, 0);
	if (strstr(err.msg, msg) == NULL)
		fprintf(stderr, "message: %s\n", err.msg);
	assert_non_null(strstr(err.msg, msg));
	assert_null(strchr(err.msg, '\n'));
}

/* Bad shard files are refused, naming the file, and load nothing. */
static void
test_bad_shard(void **state)
{
	char f[300];
	FILE *fp;

	(void)state;
	fresh(f, sizeof(f), "text-");
	fp = fopen(f, "w");
	assert_non_null(fp);
	fputs("this is not a database, it is a line of text\n", fp);
	fclose(fp);
	expect_bad(f, ETK_EFORMAT, f);

	expect_bad(tmpl, ETK_EFORMAT, "no shard table");

	fresh(f, sizeof(f), "nosh-");
	assert_int_equal(make_shard(f, 0, 1, "plan-bad", 2, BAD_NOSHARD), 0);
	expect_bad(f, ETK_EFORMAT, "no shard table");

	fresh(f, sizeof(f), "k-");
	assert_int_equal(make_shard(f, 3, 3, "plan-bad", 2, BAD_K), 0);
	expect_bad(f, ETK_EFORMAT, "out of range");

	fresh(f, sizeof(f), "col-");
	assert_int_equal(make_shard(f, 0, 1, "plan-bad", 2, BAD_COLUMN), 0);
	expect_bad(f, ETK_EFORMAT, "column extra");

	fresh(f, sizeof(f), "inttext-");
	assert_int_equal(make_shard(f, 0, 1, "plan-bad", 2, BAD_INTTEXT), 0);
	expect_bad(f, ETK_EFORMAT, "volume is not of type integer");

	fresh(f, sizeof(f), "utf8-");
	assert_int_equal(make_shard(f, 0, 1, "plan-bad", 3, BAD_UTF8), 0);
	expect_bad(f, ETK_EFORMAT, "files id 2: name is not UTF-8");

	/* fails in the middle of COPYing files: nothing of it stays */
	fresh(f, sizeof(f), "evref-");
	assert_int_equal(make_shard(f, 0, 1, "plan-bad", 40, BAD_EVREF), 0);
	expect_bad(f, ETK_EFORMAT, "evidence_id 999");

	assert_int_equal(psql_num(pg_url, "SELECT (SELECT count(*) FROM"
	    " volumes WHERE plan_id = 'plan-bad') + (SELECT count(*) FROM"
	    " files WHERE plan_id = 'plan-bad') + (SELECT count(*) FROM"
	    " shard_loads WHERE plan_id = 'plan-bad')"), 0);

	fresh(f, sizeof(f), "missing-");
	expect_bad(f, ETK_EIO, "No such file");
}

/* No server there: transient.  A malformed conninfo: usage. */
static void
test_unreachable(void **state)
{
	struct etk_pg *pg = (struct etk_pg *)1;
	struct etk_error err = { 0 };
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char url[400];
	int s;

	(void)state;
	/* a port that was free a moment ago and has no listener */
	assert_true((s = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	close(s);
	snprintf(url, sizeof(url), "postgresql://etk@127.0.0.1:%u/etk",
	    (unsigned)ntohs(sa.sin_port));
	assert_int_equal(etk_pg_open(&pg, url, &err), ETK_EAGAIN);
	assert_null(pg);
	assert_int_equal(etk_exit_for(err.code), 75);
	assert_int_equal(strncmp(err.msg, "PostgreSQL: cannot connect: ", 28),
	    0);
	assert_null(strchr(err.msg, '\n'));

	/* a socket directory with no server */
	snprintf(url, sizeof(url), "postgresql://etk@/etk?host=%s&port=1",
	    base);
	assert_int_equal(etk_pg_open(&pg, url, &err), ETK_EAGAIN);

	assert_int_equal(etk_pg_open(&pg, "postgresql://h:notaport/x", &err),
	    ETK_EINVAL);
	assert_null(pg);
	etk_pg_close(NULL);
}

/* The server ends the session between open and load: transient, and
 * nothing of the shard is there.  A schema of another version is not
 * used. */
static void
test_connection_lost_and_version(void **state)
{
	struct etk_pg *pg = NULL;
	struct etk_error err = { 0 };
	char f[300], *r;
	uint64_t rows = 99;

	(void)state;
	fresh(f, sizeof(f), "lost-");
	assert_int_equal(make_shard(f, 0, 1, "plan-lost", 5, 0), 0);
	assert_int_equal(etk_pg_open(&pg, pg_url, &err), ETK_OK);
	r = psql(pg_url, "SELECT count(pg_terminate_backend(pid)) FROM"
	    " pg_stat_activity WHERE application_name = 'etk'"
	    " AND pid <> pg_backend_pid()");
	assert_non_null(r);
	assert_string_equal(r, "1\n");
	free(r);
	assert_int_equal(etk_pg_load_shard(pg, f, "00", &rows, &err),
	    ETK_EAGAIN);
	assert_int_equal(rows, 0);
	assert_int_equal(strncmp(err.msg, "PostgreSQL: ", 12) == 0 ||
	    strstr(err.msg, ": PostgreSQL: ") != NULL, 1);
	assert_null(strchr(err.msg, '\n'));
	/* and again on the dead handle */
	assert_int_equal(etk_pg_load_shard(pg, f, "00", &rows, &err),
	    ETK_EAGAIN);
	etk_pg_close(pg);
	assert_int_equal(psql_num(pg_url, "SELECT count(*) FROM files WHERE"
	    " plan_id = 'plan-lost'"), 0);

	assert_int_equal(psql_num(pg_url, "UPDATE etk_schema SET version = 2"
	    " RETURNING version"), 2);
	pg = (struct etk_pg *)1;
	assert_int_equal(etk_pg_open(&pg, pg_url, &err), ETK_EUNSUPP);
	assert_null(pg);
	assert_non_null(strstr(err.msg, "schema version 2"));
	assert_int_equal(psql_num(pg_url, "UPDATE etk_schema SET version = 1"
	    " RETURNING version"), 1);
	assert_int_equal(etk_pg_open(&pg, pg_url, &err), ETK_OK);
	etk_pg_close(pg);
}

/* The library prints nothing, not even the server's NOTICEs. */
static void
test_quiet(void **state)
{
	struct etk_error err = { 0 };
	char f[300], log[300];
	uint64_t rows;
	struct stat sb;
	int fd, saved;
	char *r;

	(void)state;
	r = psql(pg_url, "CREATE FUNCTION etk_test_noisy() RETURNS trigger"
	    " LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'noisy %', NEW.rel;"
	    " RETURN NEW; END $$; CREATE TRIGGER noisy BEFORE INSERT ON"
	    " pole_links FOR EACH ROW EXECUTE FUNCTION etk_test_noisy()");
	assert_non_null(r);
	free(r);
	fresh(f, sizeof(f), "quiet-");
	fresh(log, sizeof(log), "stderr-");
	assert_int_equal(make_shard(f, 0, 1, "plan-quiet", 2, 0), 0);
	fflush(stderr);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	saved = dup(2);
	dup2(fd, 2);
	close(fd);
	r = NULL;
	if (load(pg_url, f, &rows, &err) == ETK_OK)
		r = psql(pg_url, "DROP TRIGGER noisy ON pole_links;"
		    " DROP FUNCTION etk_test_noisy()");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_non_null(r);
	free(r);
	assert_int_equal(stat(log, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(psql_num(pg_url, "SELECT count(*) FROM pole_links"
	    " WHERE plan_id = 'plan-quiet'"), 3);
}

/* Child processes each loading a file; 0 when all of them succeeded. */
static int
load_in_children(const char *url, char files[][300], int nfiles)
{
	pid_t pid[16];
	int i, st, bad = 0;

	for (i = 0; i < nfiles; i++) {
		if ((pid[i] = fork()) == 0) {
			struct etk_error err = { 0 };
			uint64_t rows;
			int rc = load(url, files[i], &rows, &err);

			if (rc != ETK_OK)
				fprintf(stderr, "child %d: %s\n", i, err.msg);
			_exit(rc == ETK_OK ? 0 : 1);
		}
		if (pid[i] < 0)
			return -1;
	}
	for (i = 0; i < nfiles; i++)
		if (waitpid(pid[i], &st, 0) != pid[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			bad++;
	return bad;
}

/* Four processes load four shards at once into a database with no
 * tables yet (schema creation race), twice; then two processes load
 * the same shard at once. */
static void
test_concurrent(void **state)
{
	char files[4][300], url[1100];
	int i;

	(void)state;
	assert_int_equal(run_sh("\"$ETK_PG_BIN/psql\" -X -q -d \"$ETK_PG_URL\""
	    " -c 'CREATE DATABASE race' >/dev/null"), 0);
	snprintf(url, sizeof(url), "%s", pg_url);
	{
		char *p = strstr(url, "/etk?");

		assert_non_null(p);
		memmove(p + 5, p + 4, strlen(p + 4) + 1);
		memcpy(p, "/race", 5);
	}
	for (i = 0; i < 4; i++) {
		fresh(files[i], sizeof(files[i]), "conc-");
		assert_int_equal(make_shard(files[i], i, 4, "plan-conc", 3000,
		    0), 0);
	}
	assert_int_equal(load_in_children(url, files, 4), 0);
	assert_int_equal(load_in_children(url, files, 4), 0);
	assert_int_equal(psql_num(url, "SELECT count(*) FROM files"), 12000);
	assert_int_equal(psql_num(url, "SELECT count(*) FROM hashes"), 12000);
	assert_int_equal(psql_num(url, "SELECT count(DISTINCT shard) FROM"
	    " pole_links"), 4);
	assert_int_equal(psql_num(url, "SELECT count(*) FROM pole_links"), 12);
	assert_int_equal(psql_num(url, "SELECT count(*) FROM evidence"), 2);
	assert_int_equal(psql_num(url, "SELECT sum(rows) FROM shard_loads"),
	    4 * (FILES_ROWS_EXTRA + 6000));
	/* the same shard twice at once */
	snprintf(files[1], sizeof(files[1]), "%s", files[0]);
	assert_int_equal(load_in_children(url, files, 2), 0);
	assert_int_equal(psql_num(url, "SELECT count(*) FROM files"), 12000);
	assert_int_equal(psql_num(url, "SELECT count(*) FROM pole_links"), 12);
	for (i = 0; i < 4; i++)
		unlink(files[i]);
}

/* -------------------------------------------------------------- setup */

static int
start_server(void)
{
	char line[1024], *nl;
	FILE *fp;
	int st, n = 0;

	fp = popen("sh -c '. \"$ETK_SRC/tests/pg/pg-lib.sh\" && pg_start &&"
	    " printf \"%s\\n%s\\n%s\\n\" \"$ETK_PG_URL\" \"$ETK_PG_DIR\""
	    " \"$ETK_PG_BIN\"'", "r");
	if (fp == NULL)
		return 1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (n == 0)
			snprintf(pg_url, sizeof(pg_url), "%s", line);
		else if (n == 1)
			setenv("ETK_PG_DIR", line, 1);
		else if (n == 2)
			setenv("ETK_PG_BIN", line, 1);
		n++;
	}
	st = pclose(fp);
	if (st == -1 || !WIFEXITED(st))
		return 1;
	if (WEXITSTATUS(st) != 0)
		return WEXITSTATUS(st);
	if (n != 3)
		return 1;
	setenv("ETK_PG_URL", pg_url, 1);
	pg_up = 1;
	return 0;
}

static void
stop_server(void)
{
	if (pg_up)
		(void)run_sh("sh -c '. \"$ETK_SRC/tests/pg/pg-lib.sh\" &&"
		    " pg_stop'");
	pg_up = 0;
	if (base[0] != '\0')
		(void)run_sh("rm -rf '%s'", base);
	base[0] = '\0';
}

static int
make_base(void)
{
	snprintf(base, sizeof(base), "%s/etk-test-pg.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(base) != NULL ? 0 : -1;
}

/* test_pg mkshard OUT K N PLAN [ROWS]
 * test_pg load CONNINFO SHARD [SHA256] */
static int
driver(int argc, char **argv)
{
	struct etk_error err = { 0 };
	uint64_t rows;
	int rc;

	if (strcmp(argv[1], "mkshard") == 0 && (argc == 6 || argc == 7)) {
		if (make_base() != 0)
			return 1;
		rc = make_shard(argv[2], strtoll(argv[3], NULL, 10),
		    strtoll(argv[4], NULL, 10), argv[5], argc == 7 ?
		    atoi(argv[6]) : 10, 0);
		(void)run_sh("rm -rf '%s'", base);
		return rc == 0 ? 0 : 1;
	}
	if (strcmp(argv[1], "load") == 0 && (argc == 4 || argc == 5)) {
		if ((rc = load_sum(argv[2], argv[3], argc == 5 ? argv[4] :
		    "0123abcd", &rows, &err)) != ETK_OK) {
			fprintf(stderr, "test_pg: %s\n", err.msg);
			return etk_exit_for(rc);
		}
		printf("rows %" PRIu64 "\n", rows);
		return 0;
	}
	fprintf(stderr, "usage: test_pg mkshard OUT K N PLAN [ROWS]\n"
	    "       test_pg load CONNINFO SHARD [SHA256]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_matches_case_db),
		cmocka_unit_test(test_load_roundtrip_idempotent),
		cmocka_unit_test(test_bad_shard),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_connection_lost_and_version),
		cmocka_unit_test(test_quiet),
		cmocka_unit_test(test_concurrent),
	};
	int rc;

	if (argc > 1)
		return driver(argc, argv);
	if (getenv("ETK_SRC") == NULL) {
		printf("SKIP: ETK_SRC not set (run through ctest)\n");
		return 77;
	}
	if (make_base() != 0) {
		perror("mkdtemp");
		return 1;
	}
	if ((rc = start_server()) != 0) {
		stop_server();
		if (rc == 77) {
			printf("SKIP: PostgreSQL is not available here\n");
			return 77;
		}
		fprintf(stderr, "cannot start PostgreSQL\n");
		return 1;
	}
	if (make_template() != 0) {
		stop_server();
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	stop_server();
	return rc;
}
