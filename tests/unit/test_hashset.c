/* Unit tests: known-file hash sets and the audit (lib/hashset). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include <etk/hashset.h>

#define MD5_ABC	"900150983cd24fb0d6963f7d28e17f72"
#define SHA1_ABC "a9993e364706816aba3e25717850c26c9cd0d89d"
#define SHA256_ABC \
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define MD5_EMPTY "d41d8cd98f00b204e9800998ecf8427e"
#define SHA1_EMPTY "da39a3ee5e6b4b0d3255bfef95601890afd80709"
#define SHA256_EMPTY \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define MD5_HELLO "b1946ac92492d2347c6235b4d2611184"
#define SHA1_HELLO "f572d396fae9206628714fb2ce00f72e94f2258f"
#define SHA256_HELLO \
	"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
#define MD5_OTHER "0123456789abcdef0123456789abcdef"
#define SHA1_OTHER "0123456789abcdef0123456789abcdef01234567"
#define SHA256_OTHER \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char tmpdir[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/etk-hs-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	unsetenv("ETK_HASHSET_MEM");
	return 0;
}

static void
rm_rf(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'",
	    dir, dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static int
teardown(void **state)
{
	(void)state;
	rm_rf(tmpdir);
	return 0;
}

static struct etk_digests
dg(const char *md5, const char *sha1, const char *sha256)
{
	struct etk_digests d;

	memset(&d, 0, sizeof(d));
	if (md5 != NULL) {
		d.mask |= ETK_DIGEST_MD5;
		snprintf(d.md5, sizeof(d.md5), "%s", md5);
	}
	if (sha1 != NULL) {
		d.mask |= ETK_DIGEST_SHA1;
		snprintf(d.sha1, sizeof(d.sha1), "%s", sha1);
	}
	if (sha256 != NULL) {
		d.mask |= ETK_DIGEST_SHA256;
		snprintf(d.sha256, sizeof(d.sha256), "%s", sha256);
	}
	return d;
}

static int
matches(const struct etk_hashset *hs, const char *md5, const char *sha1,
    const char *sha256)
{
	struct etk_digests d = dg(md5, sha1, sha256);

	return etk_hashset_match(hs, &d);
}

static void
write_file(const char *path, const void *data, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static void
write_str(const char *path, const char *s)
{
	write_file(path, s, strlen(s));
}

/* Copy tests/data/hashsets/name into tmpdir; the path in out. */
static void
copy_data(const char *name, char *out, size_t outlen)
{
	const char *src = getenv("ETK_SRC");
	char in[1024], buf[65536];
	FILE *fp;
	size_t n;

	if (src != NULL)
		snprintf(in, sizeof(in), "%s/tests/data/hashsets/%s", src,
		    name);
	else	/* __FILE__ is .../tests/unit/test_hashset.c */
		snprintf(in, sizeof(in), "%.*s/../data/hashsets/%s",
		    (int)(strrchr(__FILE__, '/') - __FILE__), __FILE__, name);
	snprintf(out, outlen, "%s/%s", tmpdir, name);
	fp = fopen(in, "rb");
	if (fp == NULL)
		fail_msg("cannot read %s", in);
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	write_file(out, buf, n);
}

static struct etk_hashset *
open_data(const char *name, const char *want_format)
{
	struct etk_error err = { 0 };
	struct etk_hashset *hs = NULL;
	char path[512];

	copy_data(name, path, sizeof(path));
	if (etk_hashset_open(&hs, path, NULL, &err) != ETK_OK)
		fail_msg("open %s: %s", name, err.msg);
	assert_string_equal(etk_hashset_format(hs), want_format);
	assert_string_equal(etk_hashset_name(hs), name);
	return hs;
}

static ino_t
ino_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return 0;
	return st.st_ino;
}

/* ---- formats ---- */

static void
test_md5sum(void **state)
{
	struct etk_hashset *hs = open_data("known.md5", "md5sum");

	(void)state;
	assert_int_equal(etk_hashset_digests(hs), ETK_DIGEST_MD5);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_MD5), 2);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_SHA256), 0);
	assert_int_equal(matches(hs, MD5_ABC, NULL, NULL), 1);
	assert_int_equal(matches(hs, MD5_HELLO, NULL, NULL), 1);
	assert_int_equal(matches(hs, MD5_EMPTY, NULL, NULL), 0);
	/* a set of MD5s against a file with all three digests */
	assert_int_equal(matches(hs, MD5_ABC, SHA1_OTHER, SHA256_OTHER), 1);
	assert_int_equal(matches(hs, NULL, SHA1_ABC, SHA256_ABC), 0);
	/* upper-case input digests still match */
	assert_int_equal(matches(hs, "900150983CD24FB0D6963F7D28E17F72",
	    NULL, NULL), 1);
	etk_hashset_close(hs);
}

static void
test_sha1sum_binary(void **state)
{
	struct etk_hashset *hs = open_data("known.sha1", "sha1sum");

	(void)state;
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_SHA1), 2);
	assert_int_equal(matches(hs, NULL, SHA1_ABC, NULL), 1);
	assert_int_equal(matches(hs, NULL, SHA1_HELLO, NULL), 1);
	assert_int_equal(matches(hs, NULL, SHA1_EMPTY, NULL), 0);
	assert_int_equal(matches(hs, MD5_ABC, NULL, NULL), 0);
	etk_hashset_close(hs);
}

static void
test_sha256sum(void **state)
{
	struct etk_hashset *hs = open_data("known.sha256", "sha256sum");

	(void)state;
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_ALL), 2);
	assert_int_equal(matches(hs, NULL, NULL, SHA256_ABC), 1);
	assert_int_equal(matches(hs, NULL, NULL, SHA256_EMPTY), 1);
	assert_int_equal(matches(hs, NULL, NULL, SHA256_HELLO), 0);
	etk_hashset_close(hs);
}

static void
test_bsd(void **state)
{
	struct etk_hashset *hs = open_data("bsd.sha256", "sha256sum");

	(void)state;
	assert_int_equal(etk_hashset_digests(hs),
	    ETK_DIGEST_SHA256 | ETK_DIGEST_MD5);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_SHA256), 2);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_MD5), 1);
	assert_int_equal(matches(hs, NULL, NULL, SHA256_HELLO), 1);
	assert_int_equal(matches(hs, MD5_EMPTY, NULL, NULL), 1);
	assert_int_equal(matches(hs, MD5_ABC, NULL, NULL), 0);
	etk_hashset_close(hs);
}

static void
test_hexlist_case_dedup(void **state)
{
	struct etk_hashset *hs = open_data("list.txt", "hexlist");

	(void)state;
	/* MD5_ABC appears upper- and lower-case: one entry */
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_MD5), 1);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_SHA1), 1);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_SHA256), 1);
	assert_int_equal(matches(hs, MD5_ABC, NULL, NULL), 1);
	assert_int_equal(matches(hs, NULL, SHA1_HELLO, NULL), 1);
	assert_int_equal(matches(hs, NULL, NULL, SHA256_EMPTY), 1);
	assert_int_equal(matches(hs, MD5_HELLO, SHA1_ABC, SHA256_ABC), 0);
	etk_hashset_close(hs);
}

static void
test_hashdeep(void **state)
{
	struct etk_hashset *hs = open_data("run.hashdeep", "hashdeep");

	(void)state;
	assert_int_equal(etk_hashset_digests(hs), ETK_DIGEST_MD5 |
	    ETK_DIGEST_SHA1 | ETK_DIGEST_SHA256);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_MD5), 4);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_ALL), 12);
	assert_int_equal(matches(hs, MD5_HELLO, NULL, NULL), 1);
	assert_int_equal(matches(hs, NULL, SHA1_EMPTY, NULL), 1);
	assert_int_equal(matches(hs, NULL, NULL, SHA256_ABC), 1);
	assert_int_equal(matches(hs, MD5_OTHER, SHA1_OTHER, SHA256_OTHER), 0);
	etk_hashset_close(hs);
	hs = open_data("md5only.hashdeep", "hashdeep");
	assert_int_equal(etk_hashset_digests(hs), ETK_DIGEST_MD5);
	assert_int_equal(matches(hs, MD5_ABC, SHA1_OTHER, SHA256_OTHER), 1);
	assert_int_equal(matches(hs, MD5_OTHER, SHA1_ABC, SHA256_ABC), 0);
	etk_hashset_close(hs);
}

static void
test_vics(void **state)
{
	struct etk_hashset *hs = open_data("vics2.json", "vics");

	(void)state;
	/* MD5 abc + MediaFiles MD5 empty; SHA1 abc; sha256 empty */
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_MD5), 2);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_SHA1), 1);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_SHA256), 1);
	assert_int_equal(matches(hs, MD5_ABC, NULL, NULL), 1);
	assert_int_equal(matches(hs, MD5_EMPTY, NULL, NULL), 1);
	assert_int_equal(matches(hs, NULL, SHA1_ABC, NULL), 1);
	assert_int_equal(matches(hs, NULL, NULL, SHA256_EMPTY), 1);
	assert_int_equal(matches(hs, MD5_HELLO, SHA1_HELLO, SHA256_HELLO), 0);
	etk_hashset_close(hs);
	hs = open_data("vics1.json", "vics");
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_MD5), 1);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_SHA1), 1);
	assert_int_equal(matches(hs, MD5_HELLO, NULL, NULL), 1);
	assert_int_equal(matches(hs, NULL, SHA1_HELLO, NULL), 1);
	etk_hashset_close(hs);
}

/* ---- NSRL RDS v3 ---- */

static void
sql(const char *dbpath, const char *script)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	if (sqlite3_exec(db, script, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("sqlite: %s", msg);
	sqlite3_close(db);
}

static void
no_sidecars(const char *dbpath)
{
	static const char *const sfx[] = { "-wal", "-shm", "-journal" };
	char p[600];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", dbpath, sfx[i]);
		if (access(p, F_OK) == 0)
			fail_msg("%s was created", p);
	}
}

static void
file_sha256(const char *path, unsigned char md[32])
{
	FILE *fp = fopen(path, "rb");
	unsigned char buf[65536];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t n;

	assert_non_null(fp);
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		EVP_DigestUpdate(c, buf, n);
	EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	fclose(fp);
}

static void
test_nsrl_minimal(void **state)
{
	struct etk_error err = { 0 };
	struct etk_hashset *hs = NULL;
	unsigned char before[32], after[32];
	struct stat st0, st1;
	char db[512];

	(void)state;
	snprintf(db, sizeof(db), "%s/RDS_2024.03.1_modern_minimal.db",
	    tmpdir);
	/* WAL mode on purpose: a writable open would make -wal/-shm */
	sql(db, "PRAGMA journal_mode=WAL;"
	    "CREATE TABLE FILE (sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT "
	    "NULL, md5 VARCHAR NOT NULL, file_name VARCHAR NOT NULL, "
	    "file_size INTEGER NOT NULL, package_id INTEGER NOT NULL);"
	    "INSERT INTO FILE VALUES ('" SHA256_ABC "', "
	    "'A9993E364706816ABA3E25717850C26C9CD0D89D', "
	    "'900150983CD24FB0D6963F7D28E17F72', 'abc.txt', 3, 1);"
	    "INSERT INTO FILE VALUES ('" SHA256_ABC "', '" SHA1_ABC "', '"
	    MD5_ABC "', 'abc2.txt', 3, 2);"
	    "INSERT INTO FILE VALUES ('" SHA256_HELLO "', '" SHA1_HELLO "', '"
	    MD5_HELLO "', 'hello.txt', 6, 1);"
	    "CREATE TABLE VERSION (version VARCHAR);");
	no_sidecars(db);
	assert_int_equal(chmod(db, 0444), 0);
	assert_int_equal(stat(db, &st0), 0);
	file_sha256(db, before);
	if (etk_hashset_open(&hs, db, NULL, &err) != ETK_OK)
		fail_msg("%s", err.msg);
	assert_string_equal(etk_hashset_format(hs), "nsrl-rds3");
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_SHA256), 2);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_SHA1), 2);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_MD5), 2);
	assert_int_equal(matches(hs, NULL, NULL, SHA256_HELLO), 1);
	assert_int_equal(matches(hs, MD5_ABC, NULL, NULL), 1);
	assert_int_equal(matches(hs, NULL, SHA1_EMPTY, SHA256_EMPTY), 0);
	etk_hashset_close(hs);
	no_sidecars(db);
	assert_int_equal(stat(db, &st1), 0);
	assert_true(st0.st_mtim.tv_sec == st1.st_mtim.tv_sec &&
	    st0.st_mtim.tv_nsec == st1.st_mtim.tv_nsec);
	file_sha256(db, after);
	assert_memory_equal(before, after, 32);
}

static void
test_nsrl_full_view(void **state)
{
	struct etk_error err = { 0 };
	struct etk_hashset *hs = NULL;
	char db[512];

	(void)state;
	snprintf(db, sizeof(db), "%s/RDS_2024.03.1_android.db", tmpdir);
	sql(db, "CREATE TABLE METADATA (sha256 VARCHAR, sha1 VARCHAR, "
	    "md5 VARCHAR, crc32 VARCHAR, file_name VARCHAR, file_size "
	    "INTEGER, package_id INTEGER);"
	    "CREATE TABLE PKG (package_id INTEGER, name VARCHAR);"
	    "CREATE VIEW FILE AS SELECT sha256, sha1, md5, crc32, file_name, "
	    "file_size, m.package_id FROM METADATA m JOIN PKG p ON "
	    "m.package_id = p.package_id;"
	    "INSERT INTO METADATA VALUES ('" SHA256_EMPTY "', NULL, '"
	    MD5_EMPTY "', '', 'e', 0, 7);");
	if (etk_hashset_open(&hs, db, NULL, &err) != ETK_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(etk_hashset_digests(hs),
	    ETK_DIGEST_SHA256 | ETK_DIGEST_MD5);
	assert_int_equal(matches(hs, NULL, NULL, SHA256_EMPTY), 1);
	etk_hashset_close(hs);
	no_sidecars(db);
}

static void
expect_error(const char *path, const char *want1, const char *want2)
{
	struct etk_error err = { 0 };
	struct etk_hashset *hs = NULL;

	assert_int_equal(etk_hashset_open(&hs, path, NULL, &err),
	    ETK_EFORMAT);
	assert_null(hs);
	assert_int_equal(err.code, ETK_EFORMAT);
	if (strncmp(err.msg, path, strlen(path)) != 0 ||
	    strstr(err.msg, want1) == NULL ||
	    (want2 != NULL && strstr(err.msg, want2) == NULL))
		fail_msg("message '%s' lacks '%s' / '%s'", err.msg, want1,
		    want2 != NULL ? want2 : "");
}

static void
test_nsrl_bad(void **state)
{
	char db[512];

	(void)state;
	snprintf(db, sizeof(db), "%s/bad.db", tmpdir);
	sql(db, "CREATE TABLE FILE (sha256, sha1, md5, file_name);"
	    "INSERT INTO FILE VALUES ('" SHA256_ABC "', '', NULL, 'a');"
	    "INSERT INTO FILE VALUES ('" SHA256_ABC "zz', '', NULL, 'b');");
	expect_error(db, "table FILE: row 2", "bad sha256");
	snprintf(db, sizeof(db), "%s/other.db", tmpdir);
	sql(db, "CREATE TABLE t (x);");
	expect_error(db, "not an NSRL RDS v3 database", NULL);
	/* a truncated database */
	snprintf(db, sizeof(db), "%s/trunc.db", tmpdir);
	write_file(db, "SQLite format 3\0\x10\0\1\1\0@  ", 24);
	expect_error(db, "trunc.db: ", NULL);
}

/* ---- malformed text and JSON ---- */

static void
test_malformed(void **state)
{
	char p[512];

	(void)state;
	snprintf(p, sizeof(p), "%s/badhex.txt", tmpdir);
	write_str(p, "# comment\n\n" MD5_ABC "\n"
	    "900150983cd24fb0d6963f7d28e17f7z\n" MD5_EMPTY "\n");
	expect_error(p, ": line 4: ", "bad hex digest");
	snprintf(p, sizeof(p), "%s/badlen.txt", tmpdir);
	write_str(p, MD5_ABC "\n900150983cd24fb0d6963f7d28e17f7\n");
	expect_error(p, ": line 2: ", "not 32, 40 or 64");
	snprintf(p, sizeof(p), "%s/sum.txt", tmpdir);
	write_str(p, MD5_ABC "  a\n" MD5_EMPTY " b\n");
	expect_error(p, ": line 2: ", "HEX  name");
	snprintf(p, sizeof(p), "%s/prose.txt", tmpdir);
	write_str(p, "hello world\n");
	expect_error(p, ": line 1: ", NULL);
	snprintf(p, sizeof(p), "%s/bin.dat", tmpdir);
	write_file(p, MD5_ABC "\n\0\1\2\3\n", 38);
	expect_error(p, ": line 2: ", "NUL");
	snprintf(p, sizeof(p), "%s/empty.txt", tmpdir);
	write_str(p, "# nothing\n\n");
	expect_error(p, "no digests", NULL);
	snprintf(p, sizeof(p), "%s/bsd.txt", tmpdir);
	write_str(p, "SHA256 (a) = " SHA256_ABC "\nSHA1 (b) = " MD5_ABC "\n");
	expect_error(p, ": line 2: ", "bad hex digest");
	snprintf(p, sizeof(p), "%s/trunc.json", tmpdir);
	write_str(p, "{\"value\":[{\"MD5\":\n\"" MD5_ABC "\"");
	expect_error(p, ": line 2: ", "unexpected end of JSON");
	snprintf(p, sizeof(p), "%s/badmd5.json", tmpdir);
	write_str(p, "{\"value\":[\n{\"MD5\":\"" MD5_ABC "\"},\n"
	    "{\"md5\":\"abc\"}]}\n");
	expect_error(p, ": line 3: ", "bad MD5 digest");
	snprintf(p, sizeof(p), "%s/syntax.json", tmpdir);
	write_str(p, "{\"value\":[{\"MD5\":\"" MD5_ABC "\",}]}");
	expect_error(p, ": line 1: ", "member name");
	snprintf(p, sizeof(p), "%s/nodigest.json", tmpdir);
	write_str(p, "{\"value\":[{\"Media\":[]}]}");
	expect_error(p, "no digests", NULL);
	snprintf(p, sizeof(p), "%s/deep.json", tmpdir);
	write_str(p, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
	expect_error(p, "nested deeper", NULL);
	snprintf(p, sizeof(p), "%s/bad.hashdeep", tmpdir);
	write_str(p, "%%%% HASHDEEP-1.0\n%%%% size,md5,filename\n"
	    "## comment\n3," MD5_ABC ",a\nx," MD5_ABC ",b\n");
	expect_error(p, ": line 5: ", "bad size");
	snprintf(p, sizeof(p), "%s/bad2.hashdeep", tmpdir);
	write_str(p, "%%%% HASHDEEP-1.0\n%%%% size,md5,filename\n"
	    "3," MD5_ABC "0,a\n");
	expect_error(p, ": line 3: ", "bad hex digest");
	snprintf(p, sizeof(p), "%s/bad3.hashdeep", tmpdir);
	write_str(p, "%%%% HASHDEEP-1.0\n3," MD5_ABC ",a\n");
	expect_error(p, ": line 2: ", "column line");
}

/* ---- cache ---- */

static void
test_cache_reuse_and_invalidate(void **state)
{
	struct etk_error err = { 0 };
	struct etk_hashset *hs = NULL;
	char set[512], idx[600], line[80];
	struct stat s0, s1;
	struct timespec ts[2];
	FILE *fp;

	(void)state;
	copy_data("known.sha256", set, sizeof(set));
	snprintf(idx, sizeof(idx), "%s.etkidx", set);
	assert_int_equal(etk_hashset_open(&hs, set, NULL, &err), ETK_OK);
	etk_hashset_close(hs);
	assert_int_equal(stat(idx, &s0), 0);
	/* second open maps the same index: not rebuilt */
	assert_int_equal(etk_hashset_open(&hs, set, NULL, &err), ETK_OK);
	assert_int_equal(matches(hs, NULL, NULL, SHA256_ABC), 1);
	etk_hashset_close(hs);
	assert_int_equal(stat(idx, &s1), 0);
	assert_int_equal(s0.st_ino, s1.st_ino);
	assert_true(s0.st_mtim.tv_sec == s1.st_mtim.tv_sec &&
	    s0.st_mtim.tv_nsec == s1.st_mtim.tv_nsec);
	/* touched but same content: reused by SHA-256 (same inode) */
	ts[0].tv_sec = ts[1].tv_sec = 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, set, ts, 0), 0);
	assert_int_equal(etk_hashset_open(&hs, set, NULL, &err), ETK_OK);
	etk_hashset_close(hs);
	assert_int_equal(ino_of(idx), s0.st_ino);
	/* changed: rebuilt, the new digest is found */
	fp = fopen(set, "a");
	assert_non_null(fp);
	snprintf(line, sizeof(line), "%s  hello.txt\n", SHA256_HELLO);
	fputs(line, fp);
	fclose(fp);
	assert_int_equal(etk_hashset_open(&hs, set, NULL, &err), ETK_OK);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_SHA256), 3);
	assert_int_equal(matches(hs, NULL, NULL, SHA256_HELLO), 1);
	etk_hashset_close(hs);
	assert_int_not_equal(ino_of(idx), s0.st_ino);
}

static void
corrupt_and_reopen(const char *set, const char *idx, off_t off,
    const void *bytes, size_t n, off_t trunc, off_t want_size)
{
	struct stat st;
	struct etk_error err = { 0 };
	struct etk_hashset *hs = NULL;
	int fd;

	fd = open(idx, O_WRONLY);
	assert_true(fd >= 0);
	if (trunc >= 0)
		assert_int_equal(ftruncate(fd, trunc), 0);
	else
		assert_int_equal(pwrite(fd, bytes, n, off), (ssize_t)n);
	close(fd);
	if (etk_hashset_open(&hs, set, NULL, &err) != ETK_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_ALL), 12);
	assert_int_equal(matches(hs, MD5_ABC, NULL, NULL), 1);
	assert_int_equal(matches(hs, NULL, NULL, SHA256_HELLO), 1);
	assert_int_equal(matches(hs, MD5_OTHER, NULL, NULL), 0);
	etk_hashset_close(hs);
	/* rebuilt whole */
	assert_int_equal(stat(idx, &st), 0);
	assert_int_equal(st.st_size, want_size);
}

static void
test_corrupt_index(void **state)
{
	struct etk_hashset *hs = NULL;
	struct etk_error err = { 0 };
	unsigned char ff[32];
	char set[512], idx[600];
	struct stat st;

	(void)state;
	copy_data("run.hashdeep", set, sizeof(set));
	snprintf(idx, sizeof(idx), "%s.etkidx", set);
	assert_int_equal(etk_hashset_open(&hs, set, NULL, &err), ETK_OK);
	etk_hashset_close(hs);
	assert_int_equal(stat(idx, &st), 0);
	memset(ff, 0xff, sizeof(ff));
	/* truncated, one byte short, bad magic, counts, order, empty */
	corrupt_and_reopen(set, idx, 0, NULL, 0, 100, st.st_size);
	corrupt_and_reopen(set, idx, 0, NULL, 0, st.st_size - 1, st.st_size);
	corrupt_and_reopen(set, idx, 0, "ETKHIDX2", 8, -1, st.st_size);
	corrupt_and_reopen(set, idx, 120, ff, 8, -1, st.st_size);
	corrupt_and_reopen(set, idx, 160, ff, 16, -1, st.st_size);
	corrupt_and_reopen(set, idx, 0, NULL, 0, 0, st.st_size);
}

static void
test_readonly_dir_uses_cache(void **state)
{
	struct etk_error err = { 0 };
	struct etk_hashset *hs = NULL;
	char xdg[300], path[64], idx[1024], list[200];
	DIR *d;
	struct dirent *de;
	int fd, nidx = 0, nref = 0;
	ino_t ino = 0;

	(void)state;
	snprintf(xdg, sizeof(xdg), "%s/xdg", tmpdir);
	setenv("XDG_CACHE_HOME", xdg, 1);
	/* /proc/self/fd is not writable, even for root */
	fd = memfd_create("set", MFD_CLOEXEC);
	assert_true(fd >= 0);
	snprintf(list, sizeof(list), "%s\n%s\n", SHA1_ABC, MD5_HELLO);
	assert_int_equal(write(fd, list, strlen(list)), (ssize_t)strlen(list));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (etk_hashset_open(&hs, path, NULL, &err) != ETK_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(matches(hs, NULL, SHA1_ABC, NULL), 1);
	etk_hashset_close(hs);
	snprintf(idx, sizeof(idx), "%s/etk", xdg);
	d = opendir(idx);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) == 64 + 7 &&
		    strcmp(de->d_name + 64, ".etkidx") == 0) {
			nidx++;
			snprintf(idx, sizeof(idx), "%s/etk/%s", xdg,
			    de->d_name);
			ino = ino_of(idx);
		} else if (strncmp(de->d_name, "path-", 5) == 0)
			nref++;
	}
	closedir(d);
	assert_int_equal(nidx, 1);
	assert_int_equal(nref, 1);
	/* reused */
	assert_int_equal(etk_hashset_open(&hs, path, NULL, &err), ETK_OK);
	assert_int_equal(matches(hs, MD5_HELLO, NULL, NULL), 1);
	etk_hashset_close(hs);
	assert_int_equal(ino_of(idx), ino);
	close(fd);
	/* an explicit cache_dir: nothing beside the set */
	{
		char set[512], cdir[512], beside[600];

		copy_data("known.md5", set, sizeof(set));
		snprintf(cdir, sizeof(cdir), "%s/cache", tmpdir);
		snprintf(beside, sizeof(beside), "%s.etkidx", set);
		assert_int_equal(mkdir(cdir, 0700), 0);
		assert_int_equal(etk_hashset_open(&hs, set, cdir, &err),
		    ETK_OK);
		etk_hashset_close(hs);
		assert_int_equal(access(beside, F_OK), -1);
	}
	/* a read-only directory (only meaningful when not root) */
	if (geteuid() != 0) {
		char rodir[512], set[600], beside[700];

		snprintf(rodir, sizeof(rodir), "%s/ro", tmpdir);
		assert_int_equal(mkdir(rodir, 0700), 0);
		snprintf(set, sizeof(set), "%s/set.txt", rodir);
		write_str(set, MD5_ABC "\n");
		assert_int_equal(chmod(rodir, 0555), 0);
		assert_int_equal(etk_hashset_open(&hs, set, NULL, &err),
		    ETK_OK);
		etk_hashset_close(hs);
		snprintf(beside, sizeof(beside), "%s.etkidx", set);
		assert_int_equal(access(beside, F_OK), -1);
	}
	unsetenv("XDG_CACHE_HOME");
}

/* ---- bigger set: external sort, threads ---- */

#define NBIG 100000

static void
big_digest(unsigned i, unsigned char md[32])
{
	unsigned int n = 0;

	EVP_Digest(&i, sizeof(i), md, &n, EVP_sha256(), NULL);
}

static void
hex32(const unsigned char *md, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static void *
lookup_all(void *arg)
{
	const struct etk_hashset *hs = arg;
	unsigned char md[32];
	struct etk_digests d;
	unsigned i;
	size_t bad = 0;

	memset(&d, 0, sizeof(d));
	d.mask = ETK_DIGEST_SHA256;
	for (i = 0; i < NBIG + 1000; i++) {
		big_digest(i, md);
		hex32(md, 32, d.sha256);
		if (etk_hashset_match(hs, &d) != (i < NBIG))
			bad++;
	}
	return (void *)bad;
}

static void
build_big(const char *set)
{
	unsigned char md[32];
	char hx[80];
	FILE *fp = fopen(set, "w");
	unsigned i;

	assert_non_null(fp);
	for (i = 0; i < NBIG; i++) {
		big_digest(i, md);
		hex32(md, 32, hx);
		fprintf(fp, "%s\n", hx);
		if (i % 100 == 0)	/* duplicates */
			fprintf(fp, "%s\n", hx);
		if (i % 10 == 0) {	/* some MD5-sized ones too */
			hex32(md, 16, hx);
			fprintf(fp, "%s\n", hx);
		}
	}
	fclose(fp);
}

static void
test_big_external_sort(void **state)
{
	struct etk_error err = { 0 };
	struct etk_hashset *hs = NULL, *hs2 = NULL;
	char set[512], set2[512], idx[600], idx2[600];
	pthread_t th[4];
	void *bad;
	int i, fd1, fd2;
	struct stat st1, st2;
	unsigned char *m1, *m2;

	(void)state;
	snprintf(set, sizeof(set), "%s/big.txt", tmpdir);
	build_big(set);
	setenv("ETK_HASHSET_MEM", "65536", 1);	/* many runs */
	if (etk_hashset_open(&hs, set, NULL, &err) != ETK_OK)
		fail_msg("%s", err.msg);
	unsetenv("ETK_HASHSET_MEM");
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_SHA256), NBIG);
	assert_int_equal(etk_hashset_count(hs, ETK_DIGEST_MD5), NBIG / 10);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, lookup_all, hs),
		    0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], &bad), 0);
		assert_true(bad == NULL);
	}
	/* in memory gives the same index body */
	snprintf(set2, sizeof(set2), "%s/big2.txt", tmpdir);
	assert_int_equal(link(set, set2), 0);
	snprintf(idx, sizeof(idx), "%s.etkidx", set);
	snprintf(idx2, sizeof(idx2), "%s.etkidx", set2);
	if (etk_hashset_open(&hs2, set2, NULL, &err) != ETK_OK)
		fail_msg("%s", err.msg);
	etk_hashset_close(hs2);
	etk_hashset_close(hs);
	assert_int_equal(stat(idx, &st1), 0);
	assert_int_equal(stat(idx2, &st2), 0);
	assert_int_equal(st1.st_size, st2.st_size);
	fd1 = open(idx, O_RDONLY);
	fd2 = open(idx2, O_RDONLY);
	m1 = mmap(NULL, (size_t)st1.st_size, PROT_READ, MAP_SHARED, fd1, 0);
	m2 = mmap(NULL, (size_t)st2.st_size, PROT_READ, MAP_SHARED, fd2, 0);
	assert_true(m1 != MAP_FAILED && m2 != MAP_FAILED);
	assert_memory_equal(m1 + 160, m2 + 160, (size_t)st1.st_size - 160);
	munmap(m1, (size_t)st1.st_size);
	munmap(m2, (size_t)st2.st_size);
	close(fd1);
	close(fd2);
}

/* ---- audit ---- */

static struct etk_audit *
open_audit(const char *name)
{
	struct etk_error err = { 0 };
	struct etk_audit *a = NULL;
	char path[512];

	copy_data(name, path, sizeof(path));
	if (etk_audit_open(&a, path, &err) != ETK_OK)
		fail_msg("audit %s: %s", name, err.msg);
	return a;
}

struct missing {
	char names[8][64];
	int n;
};

static void
on_missing(const char *path, void *arg)
{
	struct missing *m = arg;

	if (m->n < 8)
		snprintf(m->names[m->n], sizeof(m->names[0]), "%s", path);
	m->n++;
}

static void
test_audit(void **state)
{
	struct etk_audit *a = open_audit("run.hashdeep");
	struct etk_digests d;
	struct missing m;

	(void)state;
	assert_int_equal(etk_audit_digests(a), ETK_DIGEST_MD5 |
	    ETK_DIGEST_SHA1 | ETK_DIGEST_SHA256);
	d = dg(MD5_ABC, SHA1_ABC, SHA256_ABC);
	assert_int_equal(etk_audit_check(a, "./abc.txt", 3, &d),
	    ETK_AUDIT_MATCHED);
	d = dg(MD5_HELLO, SHA1_HELLO, SHA256_HELLO);
	assert_int_equal(etk_audit_check(a, "./elsewhere/hello.txt", 6, &d),
	    ETK_AUDIT_MOVED);
	d = dg(MD5_OTHER, SHA1_OTHER, SHA256_OTHER);
	assert_int_equal(etk_audit_check(a, "./new.bin", 9, &d),
	    ETK_AUDIT_NEW);
	/* path known, content different */
	assert_int_equal(etk_audit_check(a, "./sub/x.bin", 1, &d),
	    ETK_AUDIT_CHANGED);
	/* unknown path, some digests agree and others not: partial */
	d = dg(MD5_ABC, SHA1_OTHER, SHA256_ABC);
	assert_int_equal(etk_audit_check(a, "./p.bin", 3, &d),
	    ETK_AUDIT_CHANGED);
	/* only MD5 computed: compared on MD5 */
	d = dg(MD5_ABC, NULL, NULL);
	assert_int_equal(etk_audit_check(a, "./copy-of-abc", 3, &d),
	    ETK_AUDIT_MOVED);
	memset(&m, 0, sizeof(m));
	etk_audit_missing(a, on_missing, &m);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.names[0], "./empty.txt");
	assert_string_equal(etk_audit_status_name(ETK_AUDIT_MATCHED),
	    "matched");
	assert_string_equal(etk_audit_status_name(ETK_AUDIT_MOVED), "moved");
	assert_string_equal(etk_audit_status_name(ETK_AUDIT_NEW), "new");
	assert_string_equal(etk_audit_status_name(ETK_AUDIT_CHANGED),
	    "changed");
	etk_audit_close(a);

	/* an MD5-only previous run, files hashed with all three */
	a = open_audit("md5only.hashdeep");
	assert_int_equal(etk_audit_digests(a), ETK_DIGEST_MD5);
	d = dg(MD5_EMPTY, SHA1_EMPTY, SHA256_EMPTY);
	assert_int_equal(etk_audit_check(a, "./empty.txt", 0, &d),
	    ETK_AUDIT_MATCHED);
	/* same digests, different size: changed */
	d = dg(MD5_ABC, SHA1_ABC, SHA256_ABC);
	assert_int_equal(etk_audit_check(a, "./abc.txt", 4, &d),
	    ETK_AUDIT_CHANGED);
	memset(&m, 0, sizeof(m));
	etk_audit_missing(a, on_missing, &m);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.names[0], "./hello.txt");
	assert_string_equal(m.names[1], "./sub/x.bin");
	etk_audit_close(a);
}

static void
test_audit_bad(void **state)
{
	struct etk_error err = { 0 };
	struct etk_audit *a = NULL;
	char p[512];

	(void)state;
	copy_data("known.md5", p, sizeof(p));
	assert_int_equal(etk_audit_open(&a, p, &err), ETK_EFORMAT);
	assert_null(a);
	assert_non_null(strstr(err.msg, "line 1: not a hashdeep file"));
	snprintf(p, sizeof(p), "%s/nope", tmpdir);
	assert_int_equal(etk_audit_open(&a, p, &err), ETK_ENOTFOUND);
	snprintf(p, sizeof(p), "%s/bad.hashdeep", tmpdir);
	write_str(p, "%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n"
	    "3," MD5_ABC "," SHA256_ABC ",a\n3," MD5_ABC ",b\n");
	assert_int_equal(etk_audit_open(&a, p, &err), ETK_EFORMAT);
	assert_non_null(strstr(err.msg, ": line 4: "));
	/* header only: an empty previous run is valid */
	write_str(p, "%%%% HASHDEEP-1.0\n%%%% size,md5,filename\n");
	assert_int_equal(etk_audit_open(&a, p, &err), ETK_OK);
	etk_audit_close(a);
	etk_audit_close(NULL);
	etk_hashset_close(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_md5sum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sha1sum_binary, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sha256sum, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bsd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hexlist_case_dedup, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hashdeep, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_vics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nsrl_minimal, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_nsrl_full_view, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_nsrl_bad, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_cache_reuse_and_invalidate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_index, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_readonly_dir_uses_cache,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_external_sort, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_bad, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
