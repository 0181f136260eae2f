/*
 * Unit tests for lib/image: raw, split raw and E01 acquisitions of small
 * sources made in a temporary directory (random and zero content, odd
 * sizes), checked against md5sum/sha1sum/sha256sum, ewfverify, ewfinfo
 * and TSK (when installed); refusal to overwrite; standard input; the
 * target name rules; the inventory of a TAR fixture (tar's member
 * digests, the same bytes at -j1/-j4 and in another TZ); an iOS backup
 * folder as a deterministic tar stream; refusal of special files and of
 * plain directories.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <etk/core.h>
#include <etk/image.h>
#include <etk/json.h>

static char tmpdir[PATH_MAX];

/* snprintf into an array, failing the test on truncation. */
#define SNP(buf, ...) \
	assert_true(snprintf(buf, sizeof(buf), __VA_ARGS__) < (int)sizeof(buf))

static void
tpath(char *out, size_t outlen, const char *name)
{
	int n = snprintf(out, outlen, "%s/%s", tmpdir, name);

	assert_true(n > 0 && (size_t)n < outlen);
}

/* A source of len bytes: pseudo-random runs and zero runs. */
static void
make_source(const char *path, size_t len)
{
	unsigned char *b = malloc(len + 1);
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	size_t i;
	FILE *fp;

	assert_non_null(b);
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = ((i / 40000) % 3 == 1) ? 0 : (unsigned char)x;
	}
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(b, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	free(b);
}

/* First word of the output of a shell command (a digest), or "". */
static void
cmd_word(const char *cmd, char *out, size_t outlen)
{
	FILE *fp;

	out[0] = '\0';
	assert_non_null(fp = popen(cmd, "r"));
	if (fscanf(fp, "%127s", out) != 1)
		out[0] = '\0';
	(void)outlen;
	pclose(fp);
}

static void
digest_of(const char *tool, const char *path, char *out)
{
	char cmd[PATH_MAX + 64];

	SNP(cmd, "%s '%s'", tool, path);
	cmd_word(cmd, out, 129);
}

/* Does the command's output contain needle? */
static int
cmd_has(const char *cmd, const char *needle)
{
	char line[1024];
	FILE *fp;
	int found = 0;

	if ((fp = popen(cmd, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, needle) != NULL)
			found = 1;
	pclose(fp);
	return found;
}

static int
have(const char *tool)
{
	char cmd[256];

	SNP(cmd, "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static void
check_media(const struct etk_image_result *r, const char *src)
{
	char d[130];

	digest_of("md5sum", src, d);
	assert_string_equal(r->media.md5, d);
	digest_of("sha1sum", src, d);
	assert_string_equal(r->media.sha1, d);
	digest_of("sha256sum", src, d);
	assert_string_equal(r->media.sha256, d);
}

static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/etk-image-XXXXXX",
	    t != NULL ? t : "/tmp");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	SNP(cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_target_base(void **state)
{
	char *s;

	(void)state;
	assert_non_null(s = etk_image_target_base("out.E01"));
	assert_string_equal(s, "out");
	free(s);
	assert_non_null(s = etk_image_target_base("d/x.raw"));
	assert_string_equal(s, "d/x");
	free(s);
	assert_non_null(s = etk_image_target_base("case.2026"));
	assert_string_equal(s, "case.2026");
	free(s);
	assert_non_null(s = etk_image_target_base("d/.raw"));
	assert_string_equal(s, "d/.raw");
	free(s);
}

static void
test_raw_odd_size(void **state)
{
	struct etk_image_opts o;
	struct etk_image_result r;
	struct etk_error err = { 0 };
	struct etk_jval *j = NULL;
	char src[PATH_MAX], base[PATH_MAX], out[PATH_MAX], d[130];

	(void)state;
	tpath(src, sizeof(src), "odd.bin");
	tpath(base, sizeof(base), "odd-raw");
	make_source(src, 3 * 1048576 + 12345);
	memset(&o, 0, sizeof(o));
	o.format = ETK_IMAGE_RAW;
	o.threads = 2;
	assert_int_equal(etk_image_acquire(src, base, &o, &r, &err), ETK_OK);
	assert_true(r.complete);
	assert_int_equal(r.nerrors, 0);
	assert_int_equal(r.media_size, 3 * 1048576 + 12345);
	check_media(&r, src);
	assert_int_equal(r.nfiles, 1);
	tpath(out, sizeof(out), "odd-raw.raw");
	assert_string_equal(r.files[0].path, out);
	digest_of("sha256sum", out, d);
	assert_string_equal(r.files[0].sha256, d);
	assert_string_equal(d, r.media.sha256);
	/* The record parses and carries the contract fields. */
	assert_non_null(r.record);
	assert_int_equal(etk_json_parse(r.record, strlen(r.record), &j, &err),
	    ETK_OK);
	assert_string_equal(etk_jval_str(j, "v"), "etk-acquisition/1");
	assert_non_null(etk_jval_get(j, "errors"));
	assert_int_equal(etk_jval_get(j, "errors")->n, 0);
	assert_string_equal(etk_jval_str(etk_jval_get(j, "media"), "sha1"),
	    r.media.sha1);
	etk_jval_free(j);
	tpath(out, sizeof(out), "odd-raw.json");
	assert_string_equal(r.record_path, out);
	digest_of("sha256sum", out, d);
	assert_string_equal(r.record_sha256, d);
	etk_image_result_release(&r);

	/* Refuse to overwrite, whatever the format. */
	assert_int_equal(etk_image_acquire(src, base, &o, &r, &err),
	    ETK_EEXIST);
	assert_non_null(strstr(err.msg, "refusing to overwrite"));
	etk_image_result_release(&r);
	o.format = ETK_IMAGE_E01;
	assert_int_equal(etk_image_acquire(src, base, &o, &r, &err),
	    ETK_EEXIST);
	etk_image_result_release(&r);
	tpath(out, sizeof(out), "odd-raw.E01");
	assert_int_equal(access(out, F_OK), -1);
}

static void
test_split_raw(void **state)
{
	struct etk_image_opts o;
	struct etk_image_result r;
	struct etk_error err = { 0 };
	char src[PATH_MAX], base[PATH_MAX], cmd[3 * PATH_MAX], d[130];
	char d2[130];
	size_t i;

	(void)state;
	tpath(src, sizeof(src), "split.bin");
	tpath(base, sizeof(base), "split");
	make_source(src, 2500000);
	memset(&o, 0, sizeof(o));
	o.format = ETK_IMAGE_RAW;
	o.segment_size = 1000000;
	o.piecewise = 1048576;
	assert_int_equal(etk_image_acquire(src, base, &o, &r, &err), ETK_OK);
	assert_int_equal(r.nfiles, 3);
	assert_int_equal(r.files[0].size, 1000000);
	assert_int_equal(r.files[2].size, 500000);
	for (i = 0; i < r.nfiles; i++) {
		digest_of("sha256sum", r.files[i].path, d);
		assert_string_equal(r.files[i].sha256, d);
	}
	SNP(cmd, "cat '%s'.000 '%s'.001 '%s'.002 | "
	    "sha256sum", base, base, base);
	cmd_word(cmd, d, sizeof(d));
	digest_of("sha256sum", src, d2);
	assert_string_equal(d, d2);
	check_media(&r, src);
	assert_non_null(strstr(r.record, "\"window\":1048576"));
	assert_non_null(strstr(r.record, "\"offset\":2097152,\"len\":402848"));
	etk_image_result_release(&r);
}

static void
e01_case(const char *name, size_t len, enum etk_image_compression c,
    uint64_t seg)
{
	struct etk_image_opts o;
	struct etk_image_result r;
	struct etk_error err = { 0 };
	char src[PATH_MAX], base[PATH_MAX], cmd[2 * PATH_MAX];

	tpath(src, sizeof(src), name);
	SNP(base, "%s/%s-e01", tmpdir, name);
	make_source(src, len);
	memset(&o, 0, sizeof(o));
	o.format = ETK_IMAGE_E01;
	o.compression = c;
	o.segment_size = seg;
	o.threads = 2;
	o.case_number = "CASE-77";
	o.evidence_number = "EV-1";
	o.examiner = "Unit Tester";
	o.verify = 1;
	assert_int_equal(etk_image_acquire(src, base, &o, &r, &err), ETK_OK);
	assert_true(r.complete);
	assert_true(r.verified);
	assert_true(r.verify_match);
	check_media(&r, src);
	if (seg != 0)
		assert_true(r.nfiles > 1);
	if (have("ewfverify")) {
		SNP(cmd, "ewfverify -q '%s.E01' 2>&1", base);
		assert_true(cmd_has(cmd, "ewfverify: SUCCESS"));
		assert_true(cmd_has(cmd, r.media.md5));
	}
	if (have("ewfinfo")) {
		SNP(cmd, "ewfinfo '%s.E01' 2>&1", base);
		assert_true(cmd_has(cmd, "CASE-77"));
		assert_true(cmd_has(cmd, "Unit Tester"));
		assert_true(cmd_has(cmd, "EnCase 6"));
	}
	etk_image_result_release(&r);
}

static void
test_e01_none(void **state)
{
	(void)state;
	e01_case("n.bin", 5 * 1048576, ETK_IMAGE_COMP_NONE, 0);
}

static void
test_e01_fast_segments(void **state)
{
	(void)state;
	e01_case("f.bin", 6 * 1048576 + 4096, ETK_IMAGE_COMP_FAST, 1048576);
}

static void
test_e01_best(void **state)
{
	(void)state;
	e01_case("b.bin", 2 * 1048576 + 512, ETK_IMAGE_COMP_BEST, 0);
}

static void
test_e01_odd_padded(void **state)
{
	struct etk_image_opts o;
	struct etk_image_result r;
	struct etk_error err = { 0 };
	char src[PATH_MAX], base[PATH_MAX], cmd[2 * PATH_MAX];

	(void)state;
	tpath(src, sizeof(src), "pad.bin");
	tpath(base, sizeof(base), "pad");
	make_source(src, 100000);	/* 195 sectors + 160 bytes */
	memset(&o, 0, sizeof(o));
	o.format = ETK_IMAGE_E01;
	o.compression = ETK_IMAGE_COMP_FAST;
	o.threads = 1;
	assert_int_equal(etk_image_acquire(src, base, &o, &r, &err), ETK_OK);
	assert_int_equal(r.padding, 352);
	assert_int_equal(r.media_size, 100352);
	if (have("ewfverify")) {
		SNP(cmd, "ewfverify -q '%s.E01' 2>&1", base);
		assert_true(cmd_has(cmd, "ewfverify: SUCCESS"));
	}
	etk_image_result_release(&r);
}

static void
test_stdin(void **state)
{
	struct etk_image_opts o;
	struct etk_image_result r;
	struct etk_error err = { 0 };
	char src[PATH_MAX], base[PATH_MAX];
	int fd, saved;

	(void)state;
	tpath(src, sizeof(src), "in.bin");
	tpath(base, sizeof(base), "in");
	make_source(src, 1500000);
	assert_true((fd = open(src, O_RDONLY)) >= 0);
	assert_true((saved = dup(0)) >= 0);
	assert_int_equal(dup2(fd, 0), 0);
	close(fd);
	memset(&o, 0, sizeof(o));
	o.format = ETK_IMAGE_RAW;
	assert_int_equal(etk_image_acquire("-", base, &o, &r, &err), ETK_OK);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	assert_int_equal(r.media_size, 1500000);
	check_media(&r, src);
	assert_non_null(strstr(r.record, "\"kind\":\"stdin\""));
	etk_image_result_release(&r);
}

static void
test_missing_source(void **state)
{
	struct etk_image_opts o;
	struct etk_image_result r;
	struct etk_error err = { 0 };
	char base[PATH_MAX], json[PATH_MAX];

	(void)state;
	tpath(base, sizeof(base), "missing");
	memset(&o, 0, sizeof(o));
	assert_int_not_equal(etk_image_acquire("/nonexistent/x", base, &o,
	    &r, &err), ETK_OK);
	assert_non_null(strstr(err.msg, "/nonexistent/x"));
	assert_false(r.started);
	tpath(json, sizeof(json), "missing.json");
	assert_int_equal(access(json, F_OK), -1);
	etk_image_result_release(&r);
	etk_image_result_release(NULL);
}

/* An E01 of the phone fixture reads in TSK like the raw. */
static void
test_fixture_tsk(void **state)
{
	const char *fx = getenv("ETK_FIXTURES");
	struct etk_image_opts o;
	struct etk_image_result r;
	struct etk_error err = { 0 };
	char src[PATH_MAX], base[PATH_MAX], cmd[2 * PATH_MAX], a[130], b[130];

	(void)state;
	if (fx == NULL || !have("mmls") || !have("fls")) {
		skip();
		return;
	}
	snprintf(src, sizeof(src), "%s/phone.raw", fx);
	if (access(src, R_OK) != 0) {
		skip();
		return;
	}
	tpath(base, sizeof(base), "phone");
	memset(&o, 0, sizeof(o));
	o.format = ETK_IMAGE_E01;
	o.compression = ETK_IMAGE_COMP_FAST;
	o.threads = 2;
	assert_int_equal(etk_image_acquire(src, base, &o, &r, &err), ETK_OK);
	check_media(&r, src);
	SNP(cmd, "mmls '%s' 2>&1 | sha256sum", src);
	cmd_word(cmd, a, sizeof(a));
	SNP(cmd, "mmls '%s.E01' 2>&1 | sha256sum", base);
	cmd_word(cmd, b, sizeof(b));
	assert_string_equal(a, b);
	SNP(cmd, "for o in $(mmls -a '%s' | awk "
	    "'$1 ~ /:$/ { print $3 + 0 }'); do fls -r -o $o '%s'; done "
	    "2>&1 | sha256sum", src, src);
	cmd_word(cmd, a, sizeof(a));
	SNP(cmd, "for o in $(mmls -a '%s.E01' | awk "
	    "'$1 ~ /:$/ { print $3 + 0 }'); do fls -r -o $o '%s.E01'; done "
	    "2>&1 | sha256sum", base, base);
	cmd_word(cmd, b, sizeof(b));
	assert_string_equal(a, b);
	etk_image_result_release(&r);
}

/* Read a whole file into a malloc'd NUL-terminated buffer. */
static char *
slurp(const char *path, size_t *len)
{
	char *b;
	FILE *fp;
	long n;

	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	assert_true((n = ftell(fp)) >= 0);
	rewind(fp);
	assert_non_null(b = malloc((size_t)n + 1));
	assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
	b[n] = '\0';
	fclose(fp);
	if (len != NULL)
		*len = (size_t)n;
	return b;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

static const char *
fixture(const char *name, char *out, size_t outlen)
{
	const char *fx = getenv("ETK_FIXTURES");

	if (fx == NULL)
		return NULL;
	assert_true(snprintf(out, outlen, "%s/%s", fx, name) < (int)outlen);
	return access(out, R_OK) == 0 ? out : NULL;
}

/* A TAR of a phone file system: the image is the archive byte for byte,
 * the inventory has one line per regular member with the member's
 * SHA-256, and is the same bytes whatever the thread count and TZ. */
static void
test_fixture_tar_inventory(void **state)
{
	struct etk_image_opts o;
	struct etk_image_result r;
	struct etk_error err = { 0 };
	char src[PATH_MAX], base[PATH_MAX], cmd[2 * PATH_MAX], want[130];
	char inv2[PATH_MAX];
	char *a, *b, *line;
	size_t la, lb;
	const char *tz = getenv("TZ");

	(void)state;
	if (fixture("ios-ffs.tar", src, sizeof(src)) == NULL) {
		skip();
		return;
	}
	tpath(base, sizeof(base), "ffs1");
	memset(&o, 0, sizeof(o));
	o.format = ETK_IMAGE_RAW;
	o.threads = 1;
	assert_int_equal(etk_image_acquire(src, base, &o, &r, &err), ETK_OK);
	check_media(&r, src);
	assert_string_equal(r.container, "tar");
	assert_non_null(r.inventory_path);
	assert_int_equal(r.inv_unreadable, 0);
	SNP(cmd, "tar tvf '%s' | grep -c '^-'", src);
	cmd_word(cmd, want, sizeof(want));
	assert_int_equal(r.inv_members, strtoull(want, NULL, 10));
	a = slurp(r.inventory_path, &la);
	assert_int_equal(count_lines(a), r.inv_members);
	digest_of("sha256sum", r.inventory_path, want);
	assert_string_equal(r.inventory_sha256, want);
	assert_non_null(strstr(r.record, "\"inventory\":{\"path\":"
	    "\"ffs1.inventory.jsonl\""));
	assert_non_null(strstr(r.record, "\"container\":\"tar\""));
	/* The first member's SHA-256 is tar's. */
	line = strstr(a, "\"sha256\":\"");
	assert_non_null(line);
	SNP(cmd, "tar -xOf '%s' System/Library/CoreServices/"
	    "SystemVersion.plist | sha256sum", src);
	cmd_word(cmd, want, sizeof(want));
	assert_int_equal(strncmp(line + 10, want, 64), 0);
	etk_image_result_release(&r);

	/* -j4 and another TZ: the same inventory bytes. */
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	tpath(base, sizeof(base), "ffs2");
	o.threads = 4;
	assert_int_equal(etk_image_acquire(src, base, &o, &r, &err), ETK_OK);
	if (tz != NULL)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	tzset();
	tpath(inv2, sizeof(inv2), "ffs2.inventory.jsonl");
	b = slurp(inv2, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	etk_image_result_release(&r);
	free(a);
	free(b);
}

/* Not a container: no inventory, "inventory":null in the record. */
static void
test_no_inventory(void **state)
{
	struct etk_image_opts o;
	struct etk_image_result r;
	struct etk_error err = { 0 };
	char src[PATH_MAX], base[PATH_MAX], inv[PATH_MAX];

	(void)state;
	tpath(src, sizeof(src), "plain.bin");
	tpath(base, sizeof(base), "plain");
	make_source(src, 300000);
	memset(&o, 0, sizeof(o));
	o.format = ETK_IMAGE_RAW;
	assert_int_equal(etk_image_acquire(src, base, &o, &r, &err), ETK_OK);
	assert_null(r.container);
	assert_null(r.inventory_path);
	assert_non_null(strstr(r.record, "\"inventory\":null"));
	tpath(inv, sizeof(inv), "plain.inventory.jsonl");
	assert_int_equal(access(inv, F_OK), -1);
	etk_image_result_release(&r);
}

/* An iOS backup folder: a deterministic tar of it (the same bytes every
 * time, whatever the names), listed by tar, with the inventory; a FIFO in
 * the folder is refused before anything is written; a plain directory is
 * refused. */
static void
test_ios_folder(void **state)
{
	struct etk_image_opts o;
	struct etk_image_result r;
	struct etk_error err = { 0 };
	char src[PATH_MAX], dir[PATH_MAX], base[PATH_MAX], cmd[3 * PATH_MAX];
	char a[130], b[130], p[PATH_MAX];
	char longname[200];

	(void)state;
	if (fixture("ios-backup", src, sizeof(src)) == NULL) {
		skip();
		return;
	}
	tpath(dir, sizeof(dir), "bk");
	SNP(cmd, "cp -a '%s' '%s'", src, dir);
	assert_int_equal(system(cmd), 0);
	/* A name longer than ustar holds (a pax header), a symbolic link,
	 * an empty directory. */
	memset(longname, 'n', 150);
	longname[150] = '\0';
	SNP(p, "%s/extra/%s", dir, longname);
	SNP(cmd, "mkdir -p '%s/extra/empty' && echo x > '%s' && "
	    "ln -s ../Manifest.db '%s/extra/link' && "
	    "touch -d @1700000000 '%s' '%s/extra/empty' '%s/extra'", dir, p,
	    dir, p, dir, dir);
	assert_int_equal(system(cmd), 0);

	memset(&o, 0, sizeof(o));
	o.format = ETK_IMAGE_RAW;
	o.threads = 2;
	tpath(base, sizeof(base), "bk1");
	assert_int_equal(etk_image_acquire(dir, base, &o, &r, &err), ETK_OK);
	assert_true(r.complete);
	assert_true(r.dir_stream);
	assert_string_equal(r.container, "ios-backup");
	assert_int_equal(r.stream_problems, 0);
	assert_int_equal(r.inv_unreadable, 0);
	assert_true(r.inv_members > 0);
	assert_non_null(strstr(r.record, "\"kind\":\"directory\""));
	assert_non_null(strstr(r.record, "\"made_by\":\"etk-image\""));
	etk_image_result_release(&r);
	/* tar lists the folder's files (sorted, no "./"), the long name
	 * and the link included. */
	SNP(cmd, "tar tf '%s/bk1.raw' | sha256sum", tmpdir);
	cmd_word(cmd, a, sizeof(a));
	SNP(cmd, "cd '%s' && find . -mindepth 1 | sed 's|^\\./||' | "
	    "while read -r f; do if [ -d \"$f\" ] && [ ! -L \"$f\" ]; then "
	    "echo \"$f/\"; else echo \"$f\"; fi; done | LC_ALL=C sort | "
	    "sha256sum", dir);
	cmd_word(cmd, b, sizeof(b));
	assert_string_equal(a, b);
	SNP(cmd, "tar -xOf '%s/bk1.raw' 'extra/%s' | sha256sum", tmpdir,
	    longname);
	cmd_word(cmd, a, sizeof(a));
	digest_of("sha256sum", p, b);
	assert_string_equal(a, b);

	/* Again: the same bytes (E01 too holds the same media). */
	tpath(base, sizeof(base), "bk2");
	o.threads = 1;
	assert_int_equal(etk_image_acquire(dir, base, &o, &r, &err), ETK_OK);
	etk_image_result_release(&r);
	SNP(cmd, "cmp -s '%s/bk1.raw' '%s/bk2.raw'", tmpdir, tmpdir);
	assert_int_equal(system(cmd), 0);
	SNP(cmd, "cmp -s '%s/bk1.inventory.jsonl' '%s/bk2.inventory.jsonl'",
	    tmpdir, tmpdir);
	assert_int_equal(system(cmd), 0);
	tpath(base, sizeof(base), "bk3");
	o.format = ETK_IMAGE_E01;
	assert_int_equal(etk_image_acquire(dir, base, &o, &r, &err), ETK_OK);
	SNP(cmd, "sha256sum < '%s/bk1.raw'", tmpdir);
	cmd_word(cmd, a, sizeof(a));
	assert_string_equal(r.media.sha256, a);
	etk_image_result_release(&r);

	/* A FIFO: refused, nothing written. */
	SNP(cmd, "mkfifo '%s/extra/fifo'", dir);
	assert_int_equal(system(cmd), 0);
	tpath(base, sizeof(base), "bk4");
	etk_error_clear(&err);
	assert_int_equal(etk_image_acquire(dir, base, &o, &r, &err),
	    ETK_EUNSUPP);
	assert_non_null(strstr(err.msg, "extra/fifo"));
	assert_non_null(strstr(err.msg, "FIFO"));
	assert_false(r.started);
	etk_image_result_release(&r);
	tpath(p, sizeof(p), "bk4.json");
	assert_int_equal(access(p, F_OK), -1);

	/* A directory that is not an iOS backup. */
	tpath(p, sizeof(p), "plaindir");
	assert_int_equal(mkdir(p, 0755), 0);
	tpath(base, sizeof(base), "pd");
	etk_error_clear(&err);
	assert_int_equal(etk_image_acquire(p, base, &o, &r, &err),
	    ETK_EUNSUPP);
	assert_non_null(strstr(err.msg, "not an iOS backup folder"));
	etk_image_result_release(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_base),
		cmocka_unit_test(test_raw_odd_size),
		cmocka_unit_test(test_split_raw),
		cmocka_unit_test(test_e01_none),
		cmocka_unit_test(test_e01_fast_segments),
		cmocka_unit_test(test_e01_best),
		cmocka_unit_test(test_e01_odd_padded),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_missing_source),
		cmocka_unit_test(test_fixture_tsk),
		cmocka_unit_test(test_fixture_tar_inventory),
		cmocka_unit_test(test_no_inventory),
		cmocka_unit_test(test_ios_folder),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
