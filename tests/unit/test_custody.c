/*
 * Unit tests for lib/custody: case creation, the hash-chained journal
 * (and what tampering with it looks like), seals checked with the
 * OpenSSL command line, custodian keys and hand-overs (dual-signed
 * seals, what tampering with them looks like), time-stamp tokens got
 * offline, concurrent appends, the input cache, the case database.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include <etk/etk.h>

static char base[256];	/* private temp dir for this run */
static int counter;
static int have_openssl;

static void
path_in(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", base, name);
}

/* A fresh directory name under base (not created). */
static void
fresh(char *out, size_t len, const char *stem)
{
	char name[64];

	snprintf(name, sizeof(name), "%s%d", stem, ++counter);
	path_in(out, len, name);
}

static int
run_cmd(const char *fmt, ...) ETK_PRINTFLIKE(1, 2);

static int
run_cmd(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* First line of a command's output (trailing newline removed). */
static int
capture(char *out, size_t len, const char *fmt, ...) ETK_PRINTFLIKE(3, 4);

static int
capture(char *out, size_t len, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	if (fgets(out, (int)len, p) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
make_case(char *dir, size_t len, const char *key_type)
{
	static const char *const argv[] = { "etk-init", "x", "--case", "C-1" };
	struct etk_case_init_opts o;
	struct etk_error err = { 0 };

	fresh(dir, len, "case");
	memset(&o, 0, sizeof(o));
	o.case_id = "C-1";
	o.examiner = "A. Examiner";
	o.agency = "Lab \"North\"";
	o.key_type = key_type;
	o.argv = argv;
	o.argc = 4;
	assert_int_equal(etk_case_init(dir, &o, &err), ETK_OK);
}

static void
journal_path(char *out, size_t len, const char *dir)
{
	snprintf(out, len, "%s/journal.jsonl", dir);
}

/* A case with n lines: genesis + n-1 notes. */
static void
make_case_lines(char *dir, size_t len, int n)
{
	struct etk_error err = { 0 };
	struct etk_case *k = NULL;
	char body[128];
	uint64_t seq = 0;
	int i;

	make_case(dir, len, NULL);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	for (i = 2; i <= n; i++) {
		snprintf(body, sizeof(body), "{\"note\":\"entry %d\"}", i);
		assert_int_equal(etk_journal_append(k, "note", -1, 0, body,
		    &seq, &err), ETK_OK);
		assert_int_equal(seq, (uint64_t)i);
	}
	etk_case_close(k);
}

/* The journal as lines (each with its '\n' when it had one). */
struct lines {
	char *l[64];
	size_t n;
};

static void
lines_read(const char *path, struct lines *ls)
{
	char buf[65536];
	size_t len, start, i;
	FILE *fp;

	memset(ls, 0, sizeof(*ls));
	assert_non_null(fp = fopen(path, "rb"));
	len = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	for (start = 0, i = 0; i < len; i++)
		if (buf[i] == '\n' || i == len - 1) {
			assert_true(ls->n < 64);
			ls->l[ls->n] = strndup(buf + start, i - start + 1);
			ls->n++;
			start = i + 1;
		}
}

static void
lines_write(const char *path, const struct lines *ls)
{
	FILE *fp;
	size_t i;

	assert_non_null(fp = fopen(path, "wb"));
	for (i = 0; i < ls->n; i++)
		fputs(ls->l[i], fp);
	fclose(fp);
}

static void
lines_free(struct lines *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		free(ls->l[i]);
	ls->n = 0;
}

static void
expect_bad(const char *dir, uint64_t bad, const char *msg)
{
	struct etk_error err = { 0 };
	uint64_t n = 99, b = 0;
	char jp[512];

	journal_path(jp, sizeof(jp), dir);
	assert_int_equal(etk_journal_verify(jp, &n, &b, &err), ETK_EMISMATCH);
	assert_int_equal(err.code, ETK_EMISMATCH);
	assert_int_equal(b, bad);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("message '%s' lacks '%s'", err.msg, msg);
}

/* ---- creation ---- */

static void
test_init_layout(void **state)
{
	struct etk_error err = { 0 };
	struct etk_jval *doc = NULL;
	static const char pre[] = "{\"v\":\"dft-custody/1\",\"seq\":1,"
	    "\"prev\":\"0000000000000000000000000000000000000000000000000000"
	    "000000000000\",\"type\":\"genesis\",\"ts\":\"";
	char dir[512], p[600], text[8192];
	const struct etk_jval *v;
	struct stat st;
	uint64_t n = 0, bad = 0;
	FILE *fp;
	size_t len;

	(void)state;
	make_case(dir, sizeof(dir), NULL);
	assert_true(etk_case_is_dir(dir));
	snprintf(p, sizeof(p), "%s/keys", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(p, sizeof(p), "%s/keys/examiner.key", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
	snprintf(p, sizeof(p), "%s/seals", dir);
	assert_int_equal(stat(p, &st), 0);
	snprintf(p, sizeof(p), "%s/etk.db", dir);
	assert_int_equal(stat(p, &st), 0);
	snprintf(p, sizeof(p), "%s/keys/examiner.key", dir);
	assert_int_equal(run_cmd("grep -q 'BEGIN PRIVATE KEY' '%s'", p), 0);

	journal_path(p, sizeof(p), dir);
	assert_int_equal(etk_journal_verify(p, &n, &bad, &err), ETK_OK);
	assert_int_equal(n, 1);

	/* The genesis line: fixed fields first, in order. */
	assert_non_null(fp = fopen(p, "rb"));
	len = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[len] = '\0';
	assert_true(strncmp(text, pre, strlen(pre)) == 0);
	assert_non_null(strstr(text, "\"actor\":\"sha256:"));
	assert_non_null(strstr(text, "\"agency\":\"Lab \\\"North\\\"\""));
	assert_non_null(strstr(text, "\"file\":\"keys/examiner.pub.pem\""));
	assert_non_null(strstr(text, "\"clock\":{\"source\":\"system\","
	    "\"synced\":"));
	assert_int_equal(etk_json_parse(text, len - 1, &doc, &err), ETK_OK);
	v = etk_jval_get(doc, "tool");
	assert_non_null(v);
	assert_string_equal(etk_jval_str(v, "name"), "etk-init");
	assert_non_null(etk_jval_get(v, "libs"));
	assert_non_null(etk_jval_get(etk_jval_get(v, "libs"), "openssl"));
	v = etk_jval_get(doc, "case");
	assert_string_equal(etk_jval_str(v, "id"), "C-1");
	assert_string_equal(etk_jval_str(v, "role"), "examiner");
	etk_jval_free(doc);

	/* case.json and the database. */
	snprintf(p, sizeof(p), "%s/case.json", dir);
	assert_non_null(fp = fopen(p, "rb"));
	len = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	assert_int_equal(etk_json_parse(text, len, &doc, &err), ETK_OK);
	assert_string_equal(etk_jval_str(doc, "case_id"), "C-1");
	assert_string_equal(etk_jval_str(doc, "key_type"), "ed25519");
	assert_string_equal(etk_jval_str(doc, "format"), "etk-case/1");
	etk_jval_free(doc);
	assert_int_equal(capture(text, sizeof(text), "sqlite3 '%s/etk.db' "
	    "'PRAGMA user_version; PRAGMA journal_mode; "
	    "SELECT count(*) FROM actions;' | tr '\\n' ' '", dir), 0);
	assert_string_equal(text, "1 delete 1 ");
}

static void
test_init_refuses(void **state)
{
	struct etk_case_init_opts o;
	struct etk_error err = { 0 };
	char dir[512], p[600], out[256];

	(void)state;
	memset(&o, 0, sizeof(o));
	o.case_id = "C-2";
	o.examiner = "E";
	fresh(dir, sizeof(dir), "full");
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(p, sizeof(p), "%s/keep.txt", dir);
	assert_int_equal(run_cmd("echo keep > '%s'", p), 0);
	assert_int_equal(etk_case_init(dir, &o, &err), ETK_EEXIST);
	assert_non_null(strstr(err.msg, "exists and is not empty"));
	assert_int_equal(capture(out, sizeof(out), "ls -A '%s'", dir), 0);
	assert_string_equal(out, "keep.txt");
	/* nothing half-made left beside it */
	assert_int_equal(capture(out, sizeof(out),
	    "ls -d '%s'.tmp-* 2>/dev/null | wc -l", dir), 0);
	assert_string_equal(out, "0");

	/* a file in the way */
	assert_int_equal(etk_case_init(p, &o, &err), ETK_EEXIST);
	/* an empty directory is fine; trailing slash too */
	fresh(dir, sizeof(dir), "empty");
	assert_int_equal(mkdir(dir, 0755), 0);
	strcat(dir, "/");
	assert_int_equal(etk_case_init(dir, &o, &err), ETK_OK);
	assert_true(etk_case_is_dir(dir));
	/* missing fields, bad key type */
	fresh(dir, sizeof(dir), "bad");
	o.examiner = "";
	assert_int_equal(etk_case_init(dir, &o, &err), ETK_EINVAL);
	o.examiner = "E";
	o.key_type = "rsa";
	assert_int_equal(etk_case_init(dir, &o, &err), ETK_EINVAL);
	assert_false(etk_case_is_dir(dir));
	assert_int_equal(access(dir, F_OK), -1);
	/* a parent that does not exist */
	o.key_type = NULL;
	snprintf(p, sizeof(p), "%s/no/such/dir", base);
	assert_int_equal(etk_case_init(p, &o, &err), ETK_EIO);
}

static void
test_open_accessors(void **state)
{
	struct etk_error err = { 0 };
	struct etk_case *k = (struct etk_case *)&err;	/* poison */
	char dir[512], out[256];

	(void)state;
	make_case(dir, sizeof(dir), NULL);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	assert_string_equal(etk_case_id(k), "C-1");
	assert_string_equal(etk_case_dir(k), dir);
	assert_int_equal(strlen(etk_case_actor(k)), 71);
	assert_int_equal(capture(out, sizeof(out), "sed -n 's/.*\"key_id\":"
	    "\"\\([^\"]*\\)\".*/\\1/p' '%s/case.json'", dir), 0);
	assert_string_equal(out, etk_case_actor(k));
	etk_case_close(k);
	etk_case_close(NULL);

	k = (struct etk_case *)&err;
	assert_int_equal(etk_case_open(&k, base, &err), ETK_ENOTFOUND);
	assert_null(k);
	assert_non_null(strstr(err.msg, "not a case directory"));
	assert_false(etk_case_is_dir(base));
}

/* ---- the journal ---- */

static void
test_append_verify(void **state)
{
	struct etk_error err = { 0 };
	struct etk_case *k = NULL;
	char dir[512], jp[600], hex[65], out[128];
	uint64_t seq = 0, n = 0, bad = 0;

	(void)state;
	make_case(dir, sizeof(dir), NULL);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	assert_int_equal(etk_journal_append(k, "note", -1, 0,
	    "{\"note\":\"first\"}", &seq, &err), ETK_OK);
	assert_int_equal(seq, 2);
	assert_int_equal(etk_journal_append(k, "analyse", 1700000000, 5000000,
	    " {\n \"a\": [1, 2], \"exit\": 3 }\n", &seq, &err), ETK_OK);
	assert_int_equal(seq, 3);
	assert_int_equal(etk_journal_append(k, "note", -1, 0, NULL, &seq,
	    &err), ETK_OK);
	assert_int_equal(etk_journal_append(k, "note", -1, 0, "{}", &seq,
	    &err), ETK_OK);
	assert_int_equal(seq, 5);

	/* Refused bodies and types. */
	assert_int_equal(etk_journal_append(k, "note", -1, 0, "{\"a\":", NULL,
	    &err), ETK_EINVAL);
	assert_int_equal(etk_journal_append(k, "note", -1, 0, "[1]", NULL,
	    &err), ETK_EINVAL);
	assert_int_equal(etk_journal_append(k, "note", -1, 0, "{\"seq\":1}",
	    NULL, &err), ETK_EINVAL);
	assert_non_null(strstr(err.msg, "fixed field"));
	assert_int_equal(etk_journal_append(k, "note", -1, 0,
	    "{\"a\":\"\xc3\xa9\"}", NULL, &err), ETK_EINVAL);
	assert_int_equal(etk_journal_append(k, "note", -1, 0,
	    "{\"a\":1,\"a\":2}", NULL, &err), ETK_EINVAL);
	assert_int_equal(etk_journal_append(k, "Note", -1, 0, NULL, NULL,
	    &err), ETK_EINVAL);
	assert_int_equal(etk_journal_append(k, "seal", -1, 0, NULL, NULL,
	    &err), ETK_EINVAL);
	assert_int_equal(etk_journal_append(k, "genesis", -1, 0, NULL, NULL,
	    &err), ETK_EINVAL);
	assert_int_equal(etk_journal_append(NULL, "note", -1, 0, NULL, NULL,
	    &err), ETK_EINVAL);
	etk_case_close(k);

	journal_path(jp, sizeof(jp), dir);
	assert_int_equal(etk_journal_verify(jp, &n, &bad, &err), ETK_OK);
	assert_int_equal(n, 5);
	assert_int_equal(bad, 0);
	assert_int_equal(run_cmd("sed -n 3p '%s' | grep -q '\"ts_start\":"
	    "\"2023-11-14T22:13:20.005Z\",\"actor\":\"sha256:[0-9a-f]*\","
	    "\"a\": \\[1, 2\\], \"exit\": 3}$'", jp), 0);
	assert_int_equal(run_cmd("sed -n 4p '%s' | grep -q '\"actor\":"
	    "\"sha256:[0-9a-f]*\"}$'", jp), 0);
	/* prev = sha256sum of the previous line, as a verifier by hand */
	assert_int_equal(capture(out, sizeof(out), "sed -n 2p '%s' | sha256sum"
	    " | cut -c1-64", jp), 0);
	assert_int_equal(run_cmd("sed -n 3p '%s' | grep -q '\"prev\":\"%s\"'",
	    jp, out), 0);
	/* head */
	assert_int_equal(etk_journal_head(jp, &seq, hex, &err), ETK_OK);
	assert_int_equal(seq, 5);
	assert_int_equal(capture(out, sizeof(out), "tail -n 1 '%s' | sha256sum"
	    " | cut -c1-64", jp), 0);
	assert_string_equal(hex, out);
	/* actions mirror the journal */
	assert_int_equal(capture(out, sizeof(out), "sqlite3 '%s/etk.db' "
	    "'SELECT group_concat(seq || type || ifnull(exit, \"-\"), \" \") "
	    "FROM actions'", dir), 0);
	assert_string_equal(out, "1genesis- 2note- 3analyse3 4note- 5note-");

	/* verify of a missing file */
	assert_int_equal(etk_journal_verify("/nonexistent/journal.jsonl", &n,
	    &bad, &err), ETK_ENOTFOUND);
}

static void
test_tamper_edit(void **state)
{
	struct lines ls;
	char dir[512], jp[600], *p;

	(void)state;
	make_case_lines(dir, sizeof(dir), 10);
	journal_path(jp, sizeof(jp), dir);
	lines_read(jp, &ls);
	assert_int_equal(ls.n, 10);
	assert_non_null(p = strstr(ls.l[4], "entry 5"));
	p[6] = '6';		/* "entry 6": same length, valid JSON */
	lines_write(jp, &ls);
	lines_free(&ls);
	expect_bad(dir, 6, "journal.jsonl: line 6: prev does not match line 5");
}

static void
test_tamper_delete(void **state)
{
	struct lines ls;
	char dir[512], jp[600];

	(void)state;
	make_case_lines(dir, sizeof(dir), 10);
	journal_path(jp, sizeof(jp), dir);
	lines_read(jp, &ls);
	free(ls.l[5]);
	memmove(&ls.l[5], &ls.l[6], 4 * sizeof(ls.l[0]));
	ls.n--;
	lines_write(jp, &ls);
	lines_free(&ls);
	expect_bad(dir, 6, "line 6: seq is 7, expected 6");
}

static void
test_tamper_insert(void **state)
{
	struct lines ls;
	char dir[512], jp[600];
	size_t i;

	(void)state;
	make_case_lines(dir, sizeof(dir), 10);
	journal_path(jp, sizeof(jp), dir);
	lines_read(jp, &ls);
	for (i = ls.n; i > 4; i--)
		ls.l[i] = ls.l[i - 1];
	ls.l[4] = strdup(ls.l[3]);	/* line 4 twice */
	ls.n++;
	lines_write(jp, &ls);
	lines_free(&ls);
	expect_bad(dir, 5, "line 5: seq is 4, expected 5");
}

static void
test_tamper_swap(void **state)
{
	struct lines ls;
	char dir[512], jp[600], *t;

	(void)state;
	make_case_lines(dir, sizeof(dir), 10);
	journal_path(jp, sizeof(jp), dir);
	lines_read(jp, &ls);
	t = ls.l[2];
	ls.l[2] = ls.l[3];
	ls.l[3] = t;
	lines_write(jp, &ls);
	lines_free(&ls);
	expect_bad(dir, 3, "line 3: seq is 4, expected 3");
}

static void
test_tamper_truncate(void **state)
{
	char dir[512], jp[600];
	struct stat st;

	(void)state;
	make_case_lines(dir, sizeof(dir), 10);
	journal_path(jp, sizeof(jp), dir);
	assert_int_equal(stat(jp, &st), 0);
	assert_int_equal(truncate(jp, st.st_size - 1), 0);	/* the '\n' */
	expect_bad(dir, 10, "line 10: truncated (no newline at the end)");
	assert_int_equal(truncate(jp, st.st_size - 20), 0);
	expect_bad(dir, 10, "line 10: truncated");
}

static void
test_tamper_garbage(void **state)
{
	char dir[512], jp[600];

	(void)state;
	make_case_lines(dir, sizeof(dir), 10);
	journal_path(jp, sizeof(jp), dir);
	assert_int_equal(run_cmd("printf 'hello\\n' >> '%s'", jp), 0);
	expect_bad(dir, 11, "line 11: not JSON");
	assert_int_equal(run_cmd("sed -i '$d' '%s'", jp), 0);
	assert_int_equal(run_cmd("sed -n 2p '%s' >> '%s'", jp, jp), 0);
	expect_bad(dir, 11, "line 11: seq is 2, expected 11");
}

static void
test_tamper_first_and_empty(void **state)
{
	char dir[512], jp[600];

	(void)state;
	make_case_lines(dir, sizeof(dir), 3);
	journal_path(jp, sizeof(jp), dir);
	assert_int_equal(run_cmd("sed -i '1s/\"prev\":\"0/\"prev\":\"1/' '%s'",
	    jp), 0);
	expect_bad(dir, 1, "line 1: prev is not 64 zeros");
	assert_int_equal(run_cmd("sed -i '1s/\"prev\":\"1/\"prev\":\"0/; "
	    "1s/dft-custody\\/1/dft-custody\\/2/' '%s'", jp), 0);
	expect_bad(dir, 1, "line 1: v is not \"dft-custody/1\"");
	assert_int_equal(run_cmd(": > '%s'", jp), 0);
	expect_bad(dir, 1, "empty");
}

static void
test_refuse_broken_chain(void **state)
{
	struct etk_error err = { 0 };
	struct etk_case *k = NULL, *k2 = NULL;
	struct lines ls;
	char dir[512], jp[600], *p;
	uint64_t seq = 0;
	struct stat st;

	(void)state;
	/* open refuses a chain that does not verify */
	make_case_lines(dir, sizeof(dir), 5);
	journal_path(jp, sizeof(jp), dir);
	lines_read(jp, &ls);
	assert_non_null(p = strstr(ls.l[2], "entry 3"));
	p[6] = '9';
	lines_write(jp, &ls);
	lines_free(&ls);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_EMISMATCH);
	assert_null(k);
	assert_non_null(strstr(err.msg, "line 4: prev does not match line 3"));

	/* append re-checks the last line under the lock */
	make_case_lines(dir, sizeof(dir), 5);
	journal_path(jp, sizeof(jp), dir);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	assert_int_equal(run_cmd("sed -i '5s/entry 5/entry X/' '%s'", jp), 0);
	assert_int_equal(etk_journal_append(k, "note", -1, 0, NULL, NULL,
	    &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "refusing to append"));
	assert_non_null(strstr(err.msg, "line 5: changed"));
	etk_case_close(k);

	/* ... and a truncated file */
	make_case_lines(dir, sizeof(dir), 5);
	journal_path(jp, sizeof(jp), dir);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	assert_int_equal(stat(jp, &st), 0);
	assert_int_equal(truncate(jp, st.st_size - 3), 0);
	assert_int_equal(etk_journal_append(k, "note", -1, 0, NULL, NULL,
	    &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "truncated"));
	assert_int_equal(stat(jp, &st), 0);
	etk_case_close(k);

	/* ... and lines added since that do not chain */
	make_case_lines(dir, sizeof(dir), 5);
	journal_path(jp, sizeof(jp), dir);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	assert_int_equal(etk_case_open(&k2, dir, &err), ETK_OK);
	assert_int_equal(etk_journal_append(k2, "note", -1, 0, NULL, &seq,
	    &err), ETK_OK);
	assert_int_equal(seq, 6);
	/* k sees and checks line 6 (written by k2) before appending 7 */
	assert_int_equal(etk_journal_append(k, "note", -1, 0, NULL, &seq,
	    &err), ETK_OK);
	assert_int_equal(seq, 7);
	assert_int_equal(run_cmd("sed -n 2p '%s' >> '%s'", jp, jp), 0);
	assert_int_equal(etk_journal_append(k2, "note", -1, 0, NULL, NULL,
	    &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "line 8: seq is 2, expected 8"));
	etk_case_close(k);
	etk_case_close(k2);

	/* case.json naming another key than the genesis entry */
	make_case_lines(dir, sizeof(dir), 2);
	assert_int_equal(run_cmd("sed -i 's/\"key_id\":\"sha256:./"
	    "\"key_id\":\"sha256:x/' '%s/case.json'", dir), 0);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "key_id does not match"));
}

/* ---- keys and seals, checked with the openssl command line ---- */

static void
test_key_id_matches_openssl(void **state)
{
	struct etk_error err = { 0 };
	struct etk_case_init_opts o;
	struct etk_case *k = NULL;
	char dir[512], out[256], key[600];

	(void)state;
	if (!have_openssl)
		skip();
	make_case(dir, sizeof(dir), NULL);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	assert_int_equal(capture(out, sizeof(out), "openssl pkey -pubin -in "
	    "'%s/keys/examiner.pub.pem' -outform DER | sha256sum | cut -c1-64",
	    dir), 0);
	assert_string_equal(etk_case_actor(k) + 7, out);
	etk_case_close(k);

	/* An imported key keeps its identity and is stored 0600. */
	path_in(key, sizeof(key), "import.pem");
	assert_int_equal(run_cmd("openssl genpkey -algorithm ed25519 -out '%s'",
	    key), 0);
	memset(&o, 0, sizeof(o));
	o.case_id = "C-3";
	o.examiner = "E";
	o.key_file = key;
	fresh(dir, sizeof(dir), "imp");
	assert_int_equal(etk_case_init(dir, &o, &err), ETK_OK);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	assert_int_equal(capture(out, sizeof(out), "openssl pkey -in '%s' "
	    "-pubout -outform DER | sha256sum | cut -c1-64", key), 0);
	assert_string_equal(etk_case_actor(k) + 7, out);
	etk_case_close(k);
	assert_int_equal(run_cmd("test \"$(stat -c %%a "
	    "'%s/keys/examiner.key')\" = 600", dir), 0);
	/* a type mismatch, an encrypted key, not a key */
	o.key_type = "p256";
	fresh(dir, sizeof(dir), "imp");
	assert_int_equal(etk_case_init(dir, &o, &err), ETK_EINVAL);
	o.key_type = NULL;
	path_in(key, sizeof(key), "enc.pem");
	assert_int_equal(run_cmd("openssl genpkey -algorithm ed25519 "
	    "-aes-128-cbc -pass pass:secret -out '%s'", key), 0);
	assert_int_equal(etk_case_init(dir, &o, &err), ETK_EUNSUPP);
	assert_non_null(strstr(err.msg, "encrypted"));
	path_in(key, sizeof(key), "rsa.pem");
	assert_int_equal(run_cmd("openssl genpkey -algorithm rsa "
	    "-pkeyopt rsa_keygen_bits:1024 -out '%s' 2>/dev/null", key), 0);
	assert_int_equal(etk_case_init(dir, &o, &err), ETK_EUNSUPP);
	path_in(key, sizeof(key), "import.pem.nope");
	assert_int_equal(etk_case_init(dir, &o, &err), ETK_ENOTFOUND);
	assert_int_equal(access(dir, F_OK), -1);
}

static void
seal_roundtrip(const char *key_type)
{
	struct etk_error err = { 0 };
	struct etk_case *k = NULL;
	char dir[512], jp[600], sig[700], out[256];
	uint64_t seq = 0, nseals = 9;

	if (!have_openssl)
		skip();
	make_case(dir, sizeof(dir), key_type);
	journal_path(jp, sizeof(jp), dir);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	assert_int_equal(etk_case_verify_seals(dir, &nseals, &err), ETK_OK);
	assert_int_equal(nseals, 0);
	assert_int_equal(etk_journal_append(k, "note", -1, 0,
	    "{\"note\":\"x\"}", NULL, &err), ETK_OK);
	assert_int_equal(etk_case_seal(k, "end of day", &seq, &err), ETK_OK);
	assert_int_equal(seq, 3);
	snprintf(sig, sizeof(sig), "%s/seals/000003.%.16s.sig", dir,
	    etk_case_actor(k) + 7);
	assert_int_equal(access(sig, R_OK), 0);
	assert_int_equal(run_cmd("sed -n 3p '%s' | grep -q '\"type\":\"seal\".*"
	    "\"signers\":\\[\"%s\"\\],\"sig_files\":\\[\"seals/000003.%.16s"
	    ".sig\"\\],\"covers\":3,\"note\":\"end of day\"}$'", jp,
	    etk_case_actor(k), etk_case_actor(k) + 7), 0);
	assert_int_equal(etk_journal_append(k, "note", -1, 0, NULL, NULL,
	    &err), ETK_OK);
	assert_int_equal(etk_case_seal(k, NULL, &seq, &err), ETK_OK);
	assert_int_equal(seq, 5);
	etk_case_close(k);

	/* The prefix up to the seal, verified by openssl itself. */
	assert_int_equal(run_cmd("head -n 3 '%s' > '%s/prefix'", jp, base), 0);
	if (strcmp(key_type, "p256") == 0)
		assert_int_equal(capture(out, sizeof(out), "openssl dgst "
		    "-sha256 -verify '%s/keys/examiner.pub.pem' "
		    "-signature '%s' '%s/prefix'", dir, sig, base), 0);
	else
		assert_int_equal(capture(out, sizeof(out), "openssl pkeyutl "
		    "-verify -rawin -pubin -inkey '%s/keys/examiner.pub.pem' "
		    "-in '%s/prefix' -sigfile '%s'", dir, base, sig), 0);
	assert_non_null(strstr(out, "Verified"));
	/* one byte more: openssl says no */
	assert_int_equal(run_cmd("printf x >> '%s/prefix'", base), 0);
	if (strcmp(key_type, "p256") == 0)
		assert_int_not_equal(run_cmd("openssl dgst -sha256 -verify "
		    "'%s/keys/examiner.pub.pem' -signature '%s' '%s/prefix' "
		    ">/dev/null 2>&1", dir, sig, base), 0);
	else
		assert_int_not_equal(run_cmd("openssl pkeyutl -verify -rawin "
		    "-pubin -inkey '%s/keys/examiner.pub.pem' -in '%s/prefix' "
		    "-sigfile '%s' >/dev/null 2>&1", dir, base, sig), 0);

	assert_int_equal(etk_case_verify_seals(dir, &nseals, &err), ETK_OK);
	assert_int_equal(nseals, 2);

	/* Editing the last line (the seal) passes the chain, not the seal. */
	assert_int_equal(run_cmd("sed -i '5s/\"covers\":5/\"covers\":5 /' "
	    "'%s'", jp), 0);
	assert_int_equal(etk_journal_verify(jp, NULL, NULL, &err), ETK_OK);
	assert_int_equal(etk_case_verify_seals(dir, &nseals, &err),
	    ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "seal 5: seals/000005."));
	assert_non_null(strstr(err.msg, "signature does not verify"));
	assert_int_equal(run_cmd("sed -i '5s/\"covers\":5 /\"covers\":5/' "
	    "'%s'", jp), 0);
	assert_int_equal(etk_case_verify_seals(dir, &nseals, &err), ETK_OK);
	/* A missing signature file. */
	assert_int_equal(unlink(sig), 0);
	assert_int_equal(etk_case_verify_seals(dir, &nseals, &err),
	    ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "seal 3: seals/000003."));
	assert_non_null(strstr(err.msg, "missing"));
	/* A different public key in keys/. */
	assert_int_equal(run_cmd("openssl genpkey -algorithm ed25519 "
	    "2>/dev/null | openssl pkey -pubout "
	    "-out '%s/keys/examiner.pub.pem'", dir), 0);
	assert_int_equal(etk_case_verify_seals(dir, &nseals, &err),
	    ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "seal 3: keys/examiner.pub.pem"));
}

static void
test_seal_ed25519(void **state)
{
	(void)state;
	seal_roundtrip("ed25519");
}

static void
test_seal_p256(void **state)
{
	(void)state;
	seal_roundtrip("p256");
}

static void
test_seal_wrong_key(void **state)
{
	struct etk_error err = { 0 };
	struct etk_case *k = NULL;
	char dir[512], out[64];

	(void)state;
	if (!have_openssl)
		skip();
	make_case(dir, sizeof(dir), NULL);
	assert_int_equal(run_cmd("openssl genpkey -algorithm ed25519 -out "
	    "'%s/keys/examiner.key.new' && mv '%s/keys/examiner.key.new' "
	    "'%s/keys/examiner.key'", dir, dir, dir), 0);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	assert_int_equal(etk_case_seal(k, NULL, NULL, &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "is not the case's key"));
	etk_case_close(k);
	/* nothing appended, nothing signed */
	assert_int_equal(capture(out, sizeof(out), "echo $(wc -l < "
	    "'%s/journal.jsonl') $(ls '%s/seals' | wc -l)", dir, dir), 0);
	assert_string_equal(out, "1 0");
}

/* ---- concurrency ---- */

#define PER_CHILD 40

static void
test_concurrent_appends(void **state)
{
	struct etk_error err = { 0 };
	char dir[512], jp[600];
	uint64_t n = 0, bad = 0;
	pid_t pid[2];
	int i, st;

	(void)state;
	make_case(dir, sizeof(dir), NULL);
	for (i = 0; i < 2; i++) {
		if ((pid[i] = fork()) == 0) {
			struct etk_case *k = NULL;
			struct etk_error e = { 0 };
			char body[64];
			int j;

			if (etk_case_open(&k, dir, &e) != ETK_OK)
				_exit(10);
			for (j = 0; j < PER_CHILD; j++) {
				snprintf(body, sizeof(body),
				    "{\"child\":%d,\"n\":%d}", i, j);
				if (etk_journal_append(k, "note", -1, 0, body,
				    NULL, &e) != ETK_OK) {
					fprintf(stderr, "child %d: %s\n", i,
					    e.msg);
					_exit(11);
				}
				if (j == PER_CHILD / 2 &&
				    etk_case_seal(k, NULL, NULL, &e) != ETK_OK)
					_exit(12);
			}
			etk_case_close(k);
			_exit(0);
		}
		assert_true(pid[i] > 0);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	journal_path(jp, sizeof(jp), dir);
	assert_int_equal(etk_journal_verify(jp, &n, &bad, &err), ETK_OK);
	assert_int_equal(n, 1 + 2 * (PER_CHILD + 1));
	assert_int_equal(etk_case_verify_seals(dir, &n, &err), ETK_OK);
	assert_int_equal(n, 2);
	assert_int_equal(run_cmd("test $(grep -c '\"child\":0' '%s') = %d && "
	    "test $(grep -c '\"child\":1' '%s') = %d", jp, PER_CHILD, jp,
	    PER_CHILD), 0);
}

/* ---- digests and the input cache ---- */

static void
test_file_sha256(void **state)
{
	struct etk_error err = { 0 };
	char p[600], hex[65], out[128];
	uint64_t size = 0;

	(void)state;
	path_in(p, sizeof(p), "big.bin");
	/* 3 MiB + 5 bytes: several reads of the 1 MiB buffer */
	assert_int_equal(run_cmd("head -c 3145733 /dev/urandom > '%s'", p), 0);
	assert_int_equal(etk_file_sha256(p, hex, &size, &err), ETK_OK);
	assert_int_equal(size, 3145733);
	assert_int_equal(capture(out, sizeof(out),
	    "sha256sum '%s' | cut -c1-64", p), 0);
	assert_string_equal(hex, out);
	path_in(p, sizeof(p), "empty.bin");
	assert_int_equal(run_cmd(": > '%s'", p), 0);
	assert_int_equal(etk_file_sha256(p, hex, &size, &err), ETK_OK);
	assert_int_equal(size, 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
	    "934ca495991b7852b855");
	assert_int_equal(etk_file_sha256("/nonexistent/x", hex, &size, &err),
	    ETK_ENOTFOUND);
	assert_non_null(strstr(err.msg, "cannot open '/nonexistent/x'"));
	assert_int_equal(etk_file_sha256(base, hex, &size, &err), ETK_EINVAL);
}

static void
test_input_cache(void **state)
{
	struct etk_error err = { 0 };
	struct etk_case *k = NULL;
	char dir[512], p[600], h1[65], h2[65], h3[65], out[128];
	uint64_t size = 0;
	struct timespec ts[2];
	struct stat st;

	(void)state;
	make_case(dir, sizeof(dir), NULL);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	path_in(p, sizeof(p), "input.bin");
	assert_int_equal(run_cmd("printf 'abcdef' > '%s'", p), 0);
	assert_int_equal(etk_case_input_sha256(k, p, h1, &size, &err), ETK_OK);
	assert_int_equal(size, 6);
	assert_string_equal(h1, "bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f"
	    "1fc6c5c6dcd93c4721");
	assert_int_equal(capture(out, sizeof(out), "sqlite3 '%s/etk.db' "
	    "'SELECT count(*) FROM input_cache'", dir), 0);
	assert_string_equal(out, "1");

	/* Same size, same mtime, same inode: a hit (the stale digest proves
	 * the file was not read again). */
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(run_cmd("printf 'abcdeX' | dd of='%s' conv=notrunc "
	    "status=none", p), 0);
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	assert_int_equal(etk_case_input_sha256(k, p, h2, &size, &err), ETK_OK);
	assert_string_equal(h2, h1);
	/* Another mtime: a miss, read again. */
	ts[1].tv_nsec = (ts[1].tv_nsec + 1) % 1000000000;
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	assert_int_equal(etk_case_input_sha256(k, p, h3, &size, &err), ETK_OK);
	assert_string_not_equal(h3, h1);
	assert_int_equal(capture(out, sizeof(out),
	    "sha256sum '%s' | cut -c1-64", p), 0);
	assert_string_equal(h3, out);
	/* Another path to the same file shares the row (realpath). */
	assert_int_equal(capture(out, sizeof(out), "sqlite3 '%s/etk.db' "
	    "'SELECT count(*) FROM input_cache'", dir), 0);
	assert_string_equal(out, "1");
	assert_int_equal(etk_case_input_sha256(k, "/nonexistent/x", h3, &size,
	    &err), ETK_ENOTFOUND);
	etk_case_close(k);
}

static void
test_input_directory(void **state)
{
	struct etk_error err = { 0 };
	struct etk_case *k = NULL;
	char dir[512], d[600], d2[700], hex[65], out[128];
	uint64_t size = 0;

	(void)state;
	make_case(dir, sizeof(dir), NULL);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	path_in(d, sizeof(d), "tree");
	snprintf(d2, sizeof(d2), "%s/empty", d);
	assert_int_equal(run_cmd("mkdir -p '%s/a/b' '%s/B' '%s/empty' && "
	    "printf 1 > '%s/a/b/one' && printf 22 > '%s/B/two' && "
	    "printf 333 > '%s/top' && printf 4444 > '%s/a.x' && "
	    "ln -s top '%s/link' && ln -s / '%s/a/root'", d, d, d, d, d, d, d,
	    d, d), 0);
	assert_int_equal(etk_case_input_sha256(k, d, hex, &size, &err), ETK_OK);
	assert_int_equal(size, 10);
	assert_int_equal(capture(out, sizeof(out), "cd '%s' && find . -type f "
	    "-printf '%%P\\0' | LC_ALL=C sort -z | xargs -0 sha256sum | "
	    "sha256sum | cut -c1-64", d), 0);
	assert_string_equal(hex, out);
	/* an empty directory: the digest of an empty listing */
	assert_int_equal(etk_case_input_sha256(k, d2, hex, &size, &err),
	    ETK_OK);
	assert_int_equal(size, 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
	    "934ca495991b7852b855");
	etk_case_close(k);
}

/* ---- the case database ---- */

static void
test_db(void **state)
{
	struct etk_error err = { 0 };
	struct etk_case *k = NULL;
	struct etk_entry e;
	char dir[512], out[512];
	int64_t id1 = 0, id2 = 0;
	uint64_t seq = 0;

	(void)state;
	make_case(dir, sizeof(dir), NULL);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	assert_int_equal(etk_case_db_begin(k, &err), ETK_OK);
	assert_int_equal(etk_case_db_evidence(k, "phone.E01", "/ev/phone.E01",
	    "image", 100, NULL, &id1, &err), ETK_OK);
	assert_int_equal(etk_case_db_evidence(k, "phone.E01", "/ev/phone.E01",
	    "image", 100, "aa", &id2, &err), ETK_OK);
	assert_int_equal(id1, id2);
	assert_int_equal(etk_case_db_evidence(k, "phone.E01", "/ev/phone.E01",
	    "image", 100, "bb", &id2, &err), ETK_EMISMATCH);
	memset(&e, 0, sizeof(e));
	e.locator = "phone.E01:p4:/a.txt";
	e.volume = 4;
	e.has_inode = 1;
	e.inode = 12;
	e.path = "/a.txt";
	e.name = "a.txt";
	e.size = 5;
	e.allocated = 1;
	e.name_type = 'r';
	e.meta_type = 'r';
	e.times = ETK_TIME_M;
	e.mtime = 1383065788;
	e.mtime_ns = 38000000;
	assert_int_equal(etk_case_db_file(k, id1, 7, &e, "text/plain", &err),
	    ETK_OK);
	e.size = 6;	/* same (action, locator): updated, not doubled */
	assert_int_equal(etk_case_db_file(k, id1, 7, &e, "text/plain", &err),
	    ETK_OK);
	assert_int_equal(etk_case_db_commit(k, &err), ETK_OK);
	assert_int_equal(etk_case_db_begin(k, &err), ETK_OK);
	e.locator = "phone.E01:p4:/b.txt";
	assert_int_equal(etk_case_db_file(k, id1, 7, &e, NULL, &err), ETK_OK);
	assert_int_equal(etk_case_db_rollback(k), ETK_OK);
	assert_int_equal(etk_case_db_rollback(k), ETK_OK);
	assert_int_equal(etk_case_db_file(k, id1, 7, NULL, NULL, &err),
	    ETK_EINVAL);
	/* Staged, not yet in the case tables: they arrive with the run's
	 * journal entry, numbered with it. */
	assert_int_equal(capture(out, sizeof(out), "sqlite3 '%s/etk.db' "
	    "\"SELECT count(*) FROM files\"", dir), 0);
	assert_string_equal(out, "0");
	assert_int_equal(etk_journal_append(k, "hash", 0, 0, "{}", &seq, &err),
	    ETK_OK);
	etk_case_close(k);
	assert_int_equal(capture(out, sizeof(out), "sqlite3 '%s/etk.db' "
	    "\"SELECT count(*), action = %llu, locator, volume, inode, size,"
	    " type, mime, mtime, quote(atime) FROM files; SELECT sha256 FROM "
	    "evidence\" | tr '\\n' ' '", dir, (unsigned long long)seq), 0);
	assert_string_equal(out, "1|1|phone.E01:p4:/a.txt|4|12|6|r|text/plain|"
	    "2013-10-29T16:56:28.038Z|NULL aa ");
}

/* Two runs on one case at once: each stages its rows, and each row ends
 * up numbered with its own run's journal entry, whichever appends
 * first. */
static void
test_db_concurrent(void **state)
{
	struct etk_error err = { 0 };
	struct etk_case *a = NULL, *b = NULL;
	struct etk_entry e;
	char dir[512], out[512], want[256];
	uint64_t sa = 0, sb = 0;
	int64_t ida = 0, idb = 0;

	(void)state;
	make_case(dir, sizeof(dir), NULL);
	assert_int_equal(etk_case_open(&a, dir, &err), ETK_OK);
	assert_int_equal(etk_case_open(&b, dir, &err), ETK_OK);
	assert_int_equal(etk_case_db_evidence(a, "a.raw", "/ev/a.raw", "raw",
	    1, NULL, &ida, &err), ETK_OK);
	assert_int_equal(etk_case_db_evidence(b, "b.raw", "/ev/b.raw", "raw",
	    1, NULL, &idb, &err), ETK_OK);
	assert_int_equal(etk_case_db_begin(a, &err), ETK_OK);
	assert_int_equal(etk_case_db_begin(b, &err), ETK_OK);
	memset(&e, 0, sizeof(e));
	e.name_type = 'r';
	e.meta_type = 'r';
	e.locator = "a.raw:/x";
	assert_int_equal(etk_case_db_file(a, ida, 2, &e, NULL, &err), ETK_OK);
	e.locator = "b.raw:/y";
	assert_int_equal(etk_case_db_file(b, idb, 2, &e, NULL, &err), ETK_OK);
	e.locator = "b.raw:/z";
	assert_int_equal(etk_case_db_file(b, idb, 2, &e, NULL, &err), ETK_OK);
	/* Both hold their staging transactions open: neither blocks the
	 * other's append. */
	assert_int_equal(etk_journal_append(b, "hash", 0, 0, "{}", &sb, &err),
	    ETK_OK);
	assert_int_equal(etk_case_db_commit(a, &err), ETK_OK);
	assert_int_equal(etk_journal_append(a, "hash", 0, 0, "{}", &sa, &err),
	    ETK_OK);
	assert_true(sa == sb + 1);
	etk_case_close(a);
	etk_case_close(b);
	assert_int_equal(capture(out, sizeof(out), "sqlite3 '%s/etk.db' "
	    "\"SELECT group_concat(action || ' ' || locator, ',') FROM (SELECT"
	    " * FROM files ORDER BY id); SELECT group_concat(seq || type, ',')"
	    " FROM actions\" | tr '\\n' ' '", dir), 0);
	snprintf(want, sizeof(want), "%llu b.raw:/y,%llu b.raw:/z,%llu "
	    "a.raw:/x 1genesis,%lluhash,%lluhash ", (unsigned long long)sb,
	    (unsigned long long)sb, (unsigned long long)sa,
	    (unsigned long long)sb, (unsigned long long)sa);
	assert_string_equal(out, want);
}

/* ---- custodian keys, hand-overs, multi-signer seals, time-stamps ---- */

static void
test_key_generate(void **state)
{
	struct etk_error err = { 0 };
	char priv[512], pub[512], id[ETK_KEYID_MAX], id2[ETK_KEYID_MAX];
	char out[128];

	(void)state;
	if (!have_openssl)
		skip();
	fresh(priv, sizeof(priv), "k");
	fresh(pub, sizeof(pub), "k");
	assert_int_equal(etk_key_generate(priv, pub, NULL, id, &err), ETK_OK);
	assert_int_equal(capture(out, sizeof(out), "openssl pkey -in '%s' "
	    "-pubout -outform DER | sha256sum | cut -c1-64", priv), 0);
	assert_string_equal(id + 7, out);
	assert_memory_equal(id, "sha256:", 7);
	assert_int_equal(etk_key_file_id(priv, id2, &err), ETK_OK);
	assert_string_equal(id, id2);
	assert_int_equal(etk_key_file_id(pub, id2, &err), ETK_OK);
	assert_string_equal(id, id2);
	assert_int_equal(capture(out, sizeof(out), "stat -c %%a '%s'", priv),
	    0);
	assert_string_equal(out, "600");
	/* never over an existing file, and nothing left by a refusal */
	assert_int_equal(etk_key_generate(priv, NULL, "p256", id, &err),
	    ETK_EEXIST);
	fresh(priv, sizeof(priv), "k");
	assert_int_equal(etk_key_generate(priv, pub, "p256", id, &err),
	    ETK_EEXIST);
	assert_int_equal(access(priv, F_OK), -1);
	assert_int_equal(etk_key_generate(priv, NULL, "rsa", id, &err),
	    ETK_EINVAL);
	assert_int_equal(etk_key_generate(priv, NULL, "p256", id, &err),
	    ETK_OK);
	assert_int_equal(run_cmd("openssl pkey -in '%s' -noout -text "
	    "2>/dev/null | grep -q prime256v1", priv), 0);
	assert_int_equal(etk_key_file_id(priv, id2, &err), ETK_OK);
	assert_string_equal(id, id2);
	fresh(pub, sizeof(pub), "k");
	assert_int_equal(run_cmd("echo hello > '%s'", pub), 0);
	assert_int_equal(etk_key_file_id(pub, id2, &err), ETK_EFORMAT);
}

/* What the verifier reported, kept for the asserts. */
struct checks {
	char line[64][200];
	size_t n;
};

static void
collect(void *arg, const struct etk_seal_check *c)
{
	struct checks *cs = arg;

	if (cs->n < 64)
		snprintf(cs->line[cs->n++], sizeof(cs->line[0]),
		    "%llu %s %s %d %s", (unsigned long long)c->seal, c->what,
		    c->file ? c->file : "-", c->status,
		    c->message ? c->message : "-");
}

static int
has_check(const struct checks *cs, const char *prefix)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (strncmp(cs->line[i], prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

static int
verify_case(const char *dir, struct checks *cs, struct etk_error *err)
{
	char jp[600];
	uint64_t n = 0;

	memset(cs, 0, sizeof(*cs));
	journal_path(jp, sizeof(jp), dir);
	return etk_journal_verify_seals(jp, dir, dir, NULL, &n, collect, cs,
	    err);
}

static void
test_transfer(void **state)
{
	struct etk_error err = { 0 };
	struct etk_case *k = NULL;
	struct etk_handover h;
	struct checks cs;
	char dir[512], bob[512], carol[512], bobpub[512], jp[600];
	char bid[ETK_KEYID_MAX], cid[ETK_KEYID_MAX], a[700], c[800];
	uint64_t seq = 0, sseq = 0, n = 0;

	(void)state;
	if (!have_openssl)
		skip();
	make_case(dir, sizeof(dir), NULL);
	journal_path(jp, sizeof(jp), dir);
	fresh(bob, sizeof(bob), "bob");
	fresh(bobpub, sizeof(bobpub), "bobpub");
	fresh(carol, sizeof(carol), "carol");
	assert_int_equal(etk_key_generate(bob, bobpub, "ed25519", bid, &err),
	    ETK_OK);
	assert_int_equal(etk_key_generate(carol, NULL, "p256", cid, &err),
	    ETK_OK);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);

	memset(&h, 0, sizeof(h));
	h.exhibit = "EX-001";
	h.from.name = "A. Examiner";
	h.to.name = "DC Bob";
	h.to.role = "exhibits officer";
	h.to.key_file = bob;
	h.bag_seal = "A1";
	h.bag_seal_intact = 1;
	h.location = "store";
	/* refusals first: nothing appended */
	h.exhibit = NULL;
	assert_int_equal(etk_case_transfer(k, &h, &seq, &sseq, &err),
	    ETK_EINVAL);
	h.exhibit = "EX-001";
	h.to.key_file = NULL;
	assert_int_equal(etk_case_transfer(k, &h, &seq, &sseq, &err),
	    ETK_EINVAL);
	snprintf(a, sizeof(a), "%s/keys/examiner.key", dir);
	h.to.key_file = a;
	assert_int_equal(etk_case_transfer(k, &h, &seq, &sseq, &err),
	    ETK_EINVAL);
	assert_non_null(strstr(err.msg, "same key"));
	assert_int_equal(etk_journal_verify(jp, &n, NULL, &err), ETK_OK);
	assert_int_equal(n, 1);

	h.to.key_file = bob;
	assert_int_equal(etk_case_transfer(k, &h, &seq, &sseq, &err), ETK_OK);
	assert_int_equal(seq, 2);
	assert_int_equal(sseq, 3);
	h.from = h.to;
	h.from.name = "DC Bob";
	h.to.name = "C. Analyst";
	h.to.role = NULL;
	h.to.key_file = carol;
	h.bag_seal_intact = -1;
	assert_int_equal(etk_case_transfer(k, &h, &seq, &sseq, &err), ETK_OK);
	assert_int_equal(seq, 4);
	assert_int_equal(sseq, 5);
	etk_case_close(k);

	/* the entry: fields in order, Bob's key listed once, file copied */
	assert_int_equal(run_cmd("sed -n 2p '%s' | grep -q '\"type\":\"transfer\""
	    ".*\"exhibit\":\"EX-001\",\"from\":{\"name\":\"A. Examiner\","
	    "\"key\":\"%s\"},\"to\":{\"name\":\"DC Bob\",\"role\":\"exhibits "
	    "officer\",\"key\":\"%s\"},\"location\":\"store\",\"bag_seal\":\"A1\","
	    "\"bag_seal_intact\":true,\"keys\":\\[{\"id\":\"%s\",\"type\":"
	    "\"ed25519\",\"name\":\"DC Bob\",\"role\":\"exhibits officer\","
	    "\"org\":null,\"pub_pem_sha256\":\"[0-9a-f]*\",\"file\":"
	    "\"keys/custodian-%.16s.pub.pem\"}\\]}$'", jp,
	    "sha256:[0-9a-f]*", bid, bid, bid + 7), 0);
	assert_int_equal(run_cmd("sed -n 4p '%s' | grep -v bag_seal_intact | "
	    "grep -q '\"keys\":\\[{\"id\":\"%s\",\"type\":\"p256\"'", jp, cid),
	    0);
	assert_int_equal(run_cmd("cmp -s '%s' '%s/keys/custodian-%.16s.pub.pem'",
	    bobpub, dir, bid + 7), 0);

	/* both signatures, by openssl */
	assert_int_equal(run_cmd("head -n 5 '%s' > '%s/p5'", jp, base), 0);
	assert_int_equal(run_cmd("openssl pkeyutl -verify -rawin -pubin -inkey "
	    "'%s' -in '%s/p5' -sigfile '%s/seals/000005.%.16s.sig' >/dev/null",
	    bobpub, base, dir, bid + 7), 0);
	assert_int_equal(run_cmd("openssl dgst -sha256 -verify "
	    "'%s/keys/custodian-%.16s.pub.pem' -signature "
	    "'%s/seals/000005.%.16s.sig' '%s/p5' >/dev/null", dir, cid + 7, dir,
	    cid + 7, base), 0);

	assert_int_equal(verify_case(dir, &cs, &err), ETK_OK);
	assert_int_equal(cs.n, 4);
	snprintf(a, sizeof(a), "3 signature seals/000003.%.16s.sig 0",
	    bid + 7);
	assert_true(has_check(&cs, a));
	assert_int_equal(etk_case_verify_seals(dir, &n, &err), ETK_OK);
	assert_int_equal(n, 2);

	/* swapped signatures of seal 3: both fail, seal 5 still checked */
	snprintf(a, sizeof(a), "%s/seals/000003.%.16s.sig", dir, bid + 7);
	assert_int_equal(run_cmd("cd '%s/seals' && ls 000003.*.sig | wc -l | "
	    "grep -qx 2", dir), 0);
	assert_int_equal(run_cmd("cd '%s/seals' && set -- 000003.*.sig && "
	    "mv \"$1\" x && mv \"$2\" \"$1\" && mv x \"$2\"", dir), 0);
	assert_int_equal(verify_case(dir, &cs, &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "seal 3: seals/000003."));
	assert_non_null(strstr(err.msg, "signature does not verify"));
	assert_int_equal(cs.n, 4);
	assert_non_null(strstr(cs.line[0], " -6 signature does not verify"));
	assert_non_null(strstr(cs.line[1], " -6 signature does not verify"));
	assert_true(strncmp(cs.line[2], "5 signature", 11) == 0);
	assert_non_null(strstr(cs.line[2], " 0 verified"));
	assert_non_null(strstr(cs.line[3], " 0 verified"));
	assert_int_equal(run_cmd("cd '%s/seals' && set -- 000003.*.sig && "
	    "mv \"$1\" x && mv \"$2\" \"$1\" && mv x \"$2\"", dir), 0);
	assert_int_equal(verify_case(dir, &cs, &err), ETK_OK);

	/* replay: seal 3's signature by Bob under seal 5's name */
	snprintf(c, sizeof(c), "%s/seals/000005.%.16s.sig", dir, bid + 7);
	assert_int_equal(run_cmd("cp '%s' '%s.keep' && cp '%s' '%s'", c, c, a,
	    c), 0);
	assert_int_equal(verify_case(dir, &cs, &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "seal 5: seals/000005."));
	assert_int_equal(run_cmd("mv '%s.keep' '%s'", c, c), 0);

	/* Bob's key file replaced by Carol's */
	assert_int_equal(run_cmd("cd '%s/keys' && cp custodian-%.16s.pub.pem "
	    "keep && cp custodian-%.16s.pub.pem custodian-%.16s.pub.pem", dir,
	    bid + 7, cid + 7, bid + 7), 0);
	assert_int_equal(verify_case(dir, &cs, &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "seal 3: keys/custodian-"));
	assert_non_null(strstr(err.msg, "pub_pem_sha256"));
	assert_int_equal(run_cmd("cd '%s/keys' && mv keep "
	    "custodian-%.16s.pub.pem", dir, bid + 7), 0);
	assert_int_equal(verify_case(dir, &cs, &err), ETK_OK);
}

/* The same seals checked in a bundle's layout: OUT/custody holds the
 * journal and seals, OUT/keys the keys. */
static void
test_verify_bundle_layout(void **state)
{
	struct etk_error err = { 0 };
	struct etk_case *k = NULL;
	struct etk_seal_opts so;
	const char *cos[2];
	char dir[512], out[600], jp[700], key[700], id[ETK_KEYID_MAX];
	uint64_t seq = 0, n = 0;

	(void)state;
	if (!have_openssl)
		skip();
	make_case(dir, sizeof(dir), "p256");
	fresh(key, sizeof(key), "cos");
	assert_int_equal(etk_key_generate(key, NULL, NULL, id, &err), ETK_OK);
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	memset(&so, 0, sizeof(so));
	cos[0] = key;
	cos[1] = NULL;
	so.cosign_keys = cos;
	so.note = "reviewed";
	assert_int_equal(etk_case_seal_opts(k, &so, &seq, &err), ETK_OK);
	assert_int_equal(seq, 2);
	/* the same key twice is refused, nothing appended */
	cos[0] = NULL;
	snprintf(out, sizeof(out), "%s/keys/examiner.key", dir);
	cos[0] = out;
	assert_int_equal(etk_case_seal_opts(k, &so, &seq, &err), ETK_EINVAL);
	assert_int_equal(seq, 0);
	etk_case_close(k);
	journal_path(jp, sizeof(jp), dir);
	assert_int_equal(run_cmd("sed -n 2p '%s' | grep -q '\"signers\":\\[\""
	    "sha256:[0-9a-f]*\",\"%s\"\\],.*\"covers\":2,\"note\":\"reviewed\","
	    "\"keys\":\\[{\"id\":\"%s\"'", jp, id, id), 0);

	fresh(out, sizeof(out), "bundle");
	assert_int_equal(run_cmd("mkdir -p '%s/custody' && cp -R '%s/keys' "
	    "'%s/keys' && cp -R '%s/seals' '%s/custody/seals' && cp '%s' "
	    "'%s/custody/journal.jsonl' && rm '%s/keys/examiner.key'", out,
	    dir, out, dir, out, jp, out, out), 0);
	snprintf(jp, sizeof(jp), "%s/custody/journal.jsonl", out);
	snprintf(key, sizeof(key), "%s/custody", out);
	assert_int_equal(etk_journal_verify_seals(jp, key, out, NULL, &n, NULL,
	    NULL, &err), ETK_OK);
	assert_int_equal(n, 1);
	/* the wrong bases: the files are not found */
	assert_int_equal(etk_journal_verify_seals(jp, out, out, NULL, &n, NULL,
	    NULL, &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "missing"));
	/* a line that is not JSON fails, the seal before it still counts */
	assert_int_equal(run_cmd("printf 'x\\n' >> '%s'", jp), 0);
	assert_int_equal(etk_journal_verify_seals(jp, key, out, NULL, &n, NULL,
	    NULL, &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "journal.jsonl: line 3: not a JSON "
	    "object"));
	assert_int_equal(n, 1);
	snprintf(jp, sizeof(jp), "%s/custody/nope.jsonl", out);
	assert_int_equal(etk_journal_verify_seals(jp, key, out, NULL, &n, NULL,
	    NULL, &err), ETK_ENOTFOUND);
}

/* A seal whose token is got offline: query kept, pending, then a reply
 * made by `openssl ts -reply` attached. */
static void
test_seal_tsq_attach(void **state)
{
	struct etk_error err = { 0 };
	struct etk_case *k = NULL;
	struct etk_seal_opts so;
	struct checks cs;
	const char *src = getenv("ETK_SRC");
	char dir[512], tsa[512], q[512], r[512], jp[600], ca[600];
	uint64_t seq = 0, nseq = 0;
	int rc;

	(void)state;
	if (!have_openssl || src == NULL)
		skip();
	fresh(tsa, sizeof(tsa), "tsa");
	if (run_cmd("sh '%s/tests/tsa/make-tsa.sh' '%s' >/dev/null 2>&1", src,
	    tsa) != 0)
		skip();
	snprintf(ca, sizeof(ca), "%s/tsa-chain.pem", tsa);
	make_case(dir, sizeof(dir), NULL);
	journal_path(jp, sizeof(jp), dir);
	fresh(q, sizeof(q), "q");
	assert_int_equal(etk_case_open(&k, dir, &err), ETK_OK);
	memset(&so, 0, sizeof(so));
	so.tsq_out = q;
	rc = etk_case_seal_opts(k, &so, &seq, &err);
	if (rc == ETK_EUNSUPP) {	/* lib/custody/tsa.c not there yet */
		etk_case_close(k);
		skip();
	}
	assert_int_equal(rc, ETK_OK);
	assert_int_equal(seq, 2);
	assert_int_equal(run_cmd("sed -n 2p '%s' | grep -q '\"tsr\":\"seals/"
	    "000002.tsr\",\"covers\":2}$'", jp), 0);
	assert_int_equal(run_cmd("cmp -s '%s' '%s/seals/000002.tsq'", q, dir),
	    0);
	/* pending: reported, not a failure */
	assert_int_equal(verify_case(dir, &cs, &err), ETK_OK);
	assert_true(has_check(&cs, "2 timestamp seals/000002.tsr -7 pending"));

	/* a reply over another prefix is refused */
	fresh(r, sizeof(r), "r");
	assert_int_equal(run_cmd("head -n 1 '%s' > '%s/p1' && openssl ts -query "
	    "-data '%s/p1' -sha256 -cert -out '%s.q' 2>/dev/null && openssl ts "
	    "-reply -config '%s/tsa.cnf' -queryfile '%s.q' -out '%s' "
	    "2>/dev/null", jp, base, base, r, tsa, r, r), 0);
	assert_int_equal(etk_case_seal_attach_tsr(k, 2, r, ca, &nseq, &err),
	    ETK_EMISMATCH);
	assert_int_equal(access(strcat(strcpy(jp, dir), "/seals/000002.tsr"),
	    F_OK), -1);
	journal_path(jp, sizeof(jp), dir);
	/* the reply to the kept query */
	fresh(r, sizeof(r), "r");
	assert_int_equal(run_cmd("openssl ts -reply -config '%s/tsa.cnf' "
	    "-queryfile '%s' -out '%s' 2>/dev/null", tsa, q, r), 0);
	assert_int_equal(etk_case_seal_attach_tsr(k, 0, r, ca, &nseq, &err),
	    ETK_OK);
	assert_int_equal(nseq, 3);
	assert_int_equal(etk_case_seal_attach_tsr(k, 0, r, ca, &nseq, &err),
	    ETK_ENOTFOUND);
	assert_int_equal(etk_case_seal_attach_tsr(k, 2, r, ca, &nseq, &err),
	    ETK_EEXIST);
	assert_int_equal(etk_case_seal_attach_tsr(k, 1, r, ca, &nseq, &err),
	    ETK_ENOTFOUND);
	assert_int_equal(run_cmd("cmp -s '%s' '%s/keys/tsa-chain.pem'", ca,
	    dir), 0);
	assert_int_equal(run_cmd("head -n 2 '%s' > '%s/p2' && openssl ts "
	    "-verify -data '%s/p2' -in '%s/seals/000002.tsr' -CAfile '%s' "
	    "2>/dev/null | grep -q 'Verification: OK'", jp, base, base, dir,
	    ca), 0);
	assert_int_equal(verify_case(dir, &cs, &err), ETK_OK);
	assert_true(has_check(&cs, "2 timestamp seals/000002.tsr 0 "));

	/* a TSA that cannot be reached: the seal stands, query kept */
	memset(&so, 0, sizeof(so));
	so.tsa_url = "http://127.0.0.1:9/tsa";
	rc = etk_case_seal_opts(k, &so, &seq, &err);
	assert_int_not_equal(rc, ETK_OK);
	assert_int_equal(seq, 4);
	assert_non_null(strstr(err.msg, "seal 4 stands without a time-stamp"));
	assert_int_equal(run_cmd("test -s '%s/seals/000004.tsq' && ! test -e "
	    "'%s/seals/000004.tsr'", dir, dir), 0);
	assert_int_equal(verify_case(dir, &cs, &err), ETK_OK);
	/* the token missing and no query: a failure */
	assert_int_equal(run_cmd("rm '%s/seals/000004.tsq'", dir), 0);
	assert_int_equal(verify_case(dir, &cs, &err), ETK_EMISMATCH);
	assert_non_null(strstr(err.msg, "seal 4: seals/000004.tsr: missing"));
	/* an unrelated CA given for the chain: refused */
	snprintf(ca, sizeof(ca), "%s/other-ca.pem", tsa);
	memset(&so, 0, sizeof(so));
	so.tsa_ca = ca;
	assert_int_equal(etk_case_seal_opts(k, &so, &seq, &err), ETK_EEXIST);
	etk_case_close(k);
}

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(base, sizeof(base), "%s/etk-test-custody.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(base) == NULL)
		return -1;
	have_openssl = run_cmd("openssl version >/dev/null 2>&1") == 0 &&
	    run_cmd("sqlite3 -version >/dev/null 2>&1") == 0;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (getenv("ETK_KEEP_TMP") == NULL)
		run_cmd("rm -rf '%s'", base);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_layout),
		cmocka_unit_test(test_init_refuses),
		cmocka_unit_test(test_open_accessors),
		cmocka_unit_test(test_append_verify),
		cmocka_unit_test(test_tamper_edit),
		cmocka_unit_test(test_tamper_delete),
		cmocka_unit_test(test_tamper_insert),
		cmocka_unit_test(test_tamper_swap),
		cmocka_unit_test(test_tamper_truncate),
		cmocka_unit_test(test_tamper_garbage),
		cmocka_unit_test(test_tamper_first_and_empty),
		cmocka_unit_test(test_refuse_broken_chain),
		cmocka_unit_test(test_key_id_matches_openssl),
		cmocka_unit_test(test_seal_ed25519),
		cmocka_unit_test(test_seal_p256),
		cmocka_unit_test(test_seal_wrong_key),
		cmocka_unit_test(test_key_generate),
		cmocka_unit_test(test_transfer),
		cmocka_unit_test(test_verify_bundle_layout),
		cmocka_unit_test(test_seal_tsq_attach),
		cmocka_unit_test(test_concurrent_appends),
		cmocka_unit_test(test_file_sha256),
		cmocka_unit_test(test_input_cache),
		cmocka_unit_test(test_input_directory),
		cmocka_unit_test(test_db),
		cmocka_unit_test(test_db_concurrent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
