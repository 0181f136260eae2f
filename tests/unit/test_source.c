/*
 * Unit tests for lib/source: every backend, the dispatch rules (clipping,
 * end of data, counting) and the failure paths.  Inputs are made in a
 * temporary directory; E01s with ewfacquire and VMDK/VHD with qemu-img
 * when those are installed (else those cases are skipped).  The built
 * fixtures are used when $ETK_FIXTURES names a directory holding them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <etk/core.h>
#include <etk/source.h>

static char tmpdir[PATH_MAX];
static int have_ewfacquire;
static int have_qemu_img;

/* ---- helpers ---- */

static unsigned char
pat(uint64_t off)
{
	uint64_t x = off * 0x9E3779B97F4A7C15ULL;

	return (unsigned char)(x >> 56 ^ off);
}

static void
fill(unsigned char *buf, size_t len, uint64_t base)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pat(base + i);
}

static void
tpath(char *out, size_t outlen, const char *name)
{
	int n = snprintf(out, outlen, "%s/%s", tmpdir, name);

	assert_true(n > 0 && (size_t)n < outlen);
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	if (len > 0)
		assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* A file of len pattern bytes starting at pattern offset base. */
static void
write_pattern(const char *path, size_t len, uint64_t base)
{
	unsigned char *buf = malloc(len ? len : 1);

	assert_non_null(buf);
	fill(buf, len, base);
	write_file(path, buf, len);
	free(buf);
}

static unsigned char *
read_whole(const char *path, size_t *lenp)
{
	struct stat st;
	unsigned char *buf;
	FILE *fp;

	assert_int_equal(stat(path, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, fp),
	    (size_t)st.st_size);
	fclose(fp);
	*lenp = (size_t)st.st_size;
	return buf;
}

static int
run(const char *fmt, ...) ETK_PRINTFLIKE(1, 2);

static int
run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int
have_program(const char *name)
{
	return run("command -v %s >/dev/null 2>&1", name) == 0;
}

/* Read the whole source in pieces of step bytes and compare with ref. */
static void
expect_content(struct etk_source *src, const unsigned char *ref,
    size_t reflen, size_t step)
{
	struct etk_error err = { 0 };
	unsigned char *buf = malloc(step);
	uint64_t off = 0;
	size_t n;

	assert_non_null(buf);
	assert_int_equal(etk_source_size(src), reflen);
	while (off < reflen) {
		assert_int_equal(etk_source_read(src, off, buf, step, &n, &err),
		    ETK_OK);
		assert_true(n > 0);
		assert_true(n == step || off + n == reflen);
		assert_memory_equal(buf, ref + off, n);
		off += n;
	}
	assert_int_equal(etk_source_read(src, off, buf, step, &n, &err),
	    ETK_OK);
	assert_int_equal(n, 0);
	free(buf);
}

/* Hex digest of a whole source (md5, sha1, ...) read in 1 MiB pieces. */
static int
source_digest(struct etk_source *src, const char *alg, char *hex,
    struct etk_error *err)
{
	static unsigned char buf[1 << 20];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint64_t off = 0;
	size_t n;
	int rc = ETK_OK;

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_get_digestbyname(alg),
	    NULL), 1);
	for (;;) {
		if ((rc = etk_source_read(src, off, buf, sizeof(buf), &n,
		    err)) != ETK_OK)
			break;
		if (n == 0)
			break;
		EVP_DigestUpdate(ctx, buf, n);
		off += n;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	etk_hex(md, mdlen, hex);
	return rc;
}

static int
file_digest(const char *path, const char *alg, char *hex)
{
	struct etk_error err = { 0 };
	struct etk_source *src;
	int rc;

	if ((rc = etk_source_open(&src, path, &err)) != ETK_OK)
		return rc;
	rc = source_digest(src, alg, hex, &err);
	etk_source_close(src);
	return rc;
}

/* ---- argument and path failures ---- */

static void
test_open_bad_args(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src = (struct etk_source *)&err;

	(void)state;
	assert_int_equal(etk_source_open(NULL, "x", &err), ETK_EINVAL);
	assert_int_equal(etk_source_open(&src, NULL, &err), ETK_EINVAL);
	assert_null(src);
	src = (struct etk_source *)&err;
	assert_int_equal(etk_source_open(&src, "", &err), ETK_EINVAL);
	assert_null(src);
	/* A NULL error record is allowed. */
	assert_int_equal(etk_source_open(&src, "/nonexistent/x", NULL),
	    ETK_EIO);
	etk_source_close(NULL);
	assert_int_equal(etk_source_size(NULL), 0);
	assert_null(etk_source_name(NULL));
}

static void
test_open_missing(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src = (struct etk_source *)&err;	/* poison */

	(void)state;
	assert_int_equal(etk_source_open(&src, "/nonexistent/x", &err),
	    ETK_EIO);
	assert_null(src);
	assert_int_equal(err.code, ETK_EIO);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_string_equal(err.msg,
	    "cannot open '/nonexistent/x': No such file or directory");
}

static void
test_open_dangling_and_notdir(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src;
	char link[PATH_MAX], file[PATH_MAX], sub[PATH_MAX + 8];

	(void)state;
	tpath(link, sizeof(link), "dangling");
	assert_int_equal(symlink("/nonexistent/target", link), 0);
	assert_int_equal(etk_source_open(&src, link, &err), ETK_EIO);
	assert_null(src);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_non_null(strstr(err.msg, "dangling': No such file"));

	tpath(file, sizeof(file), "plain");
	write_pattern(file, 10, 0);
	snprintf(sub, sizeof(sub), "%s/x", file);
	assert_int_equal(etk_source_open(&src, sub, &err), ETK_EIO);
	assert_int_equal(err.sys_errno, ENOTDIR);
	assert_non_null(strstr(err.msg, "Not a directory"));
}

static void
test_open_directory(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src = (struct etk_source *)&err;

	(void)state;
	assert_int_equal(etk_source_open(&src, tmpdir, &err), ETK_EINVAL);
	assert_null(src);
	assert_int_equal(err.sys_errno, EISDIR);
	assert_non_null(strstr(err.msg, "Is a directory"));
	assert_non_null(strstr(err.msg, tmpdir));
}

/* A FIFO is refused at once (no blocking open, no size). */
static void
test_open_fifo(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src = (struct etk_source *)&err;
	char path[PATH_MAX];

	(void)state;
	tpath(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_EINVAL);
	assert_null(src);
	assert_non_null(strstr(err.msg, "not a regular file or device"));
}

/* ---- raw ---- */

static void
test_raw_basic(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src, *dup;
	const char *const *files;
	const char *const *keys, *const *vals;
	unsigned char ref[10000], buf[20000];
	char path[PATH_MAX], hex[129];
	size_t n;

	(void)state;
	tpath(path, sizeof(path), "disk.raw");
	fill(ref, sizeof(ref), 0);
	write_file(path, ref, sizeof(ref));
	assert_int_equal(etk_source_open(&src, path, &err), ETK_OK);
	assert_string_equal(etk_source_format(src), "raw");
	assert_string_equal(etk_source_name(src), "disk.raw");
	assert_string_equal(etk_source_path(src), path);
	assert_int_equal(etk_source_size(src), sizeof(ref));
	assert_int_equal(etk_source_sector_size(src), 512);
	assert_int_equal(etk_source_files(src, &files), 1);
	assert_string_equal(files[0], path);
	assert_int_equal(etk_source_meta(src, &keys, &vals), 0);
	assert_int_equal(etk_source_stored_hash(src, "md5", hex, sizeof(hex)),
	    ETK_ENOTFOUND);
	expect_content(src, ref, sizeof(ref), 4096);
	expect_content(src, ref, sizeof(ref), 1);
	expect_content(src, ref, sizeof(ref), 7777);

	/* Short only at the end; nothing at or past it; len 0 is fine. */
	assert_int_equal(etk_source_read(src, 9000, buf, 4096, &n, &err),
	    ETK_OK);
	assert_int_equal(n, 1000);
	assert_memory_equal(buf, ref + 9000, 1000);
	assert_int_equal(etk_source_read(src, 10000, buf, 10, &n, &err),
	    ETK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(etk_source_read(src, 123456789, buf, 10, &n, &err),
	    ETK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(etk_source_read(src, 5, buf, 0, &n, &err), ETK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(etk_source_read(src, 5, NULL, 0, &n, &err), ETK_OK);
	/* off + len overflows: still clipped, never wraps. */
	assert_int_equal(etk_source_read(src, UINT64_MAX, buf, 10, &n, &err),
	    ETK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(etk_source_read(src, UINT64_MAX - 5, buf, SIZE_MAX,
	    &n, &err), ETK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(etk_source_read(src, 9990, buf, SIZE_MAX, &n, &err),
	    ETK_OK);
	assert_int_equal(n, 10);
	assert_memory_equal(buf, ref + 9990, 10);

	/* A second independent handle. */
	assert_int_equal(etk_source_reopen(&dup, src, &err), ETK_OK);
	assert_string_equal(etk_source_format(dup), "raw");
	assert_string_equal(etk_source_name(dup), "disk.raw");
	assert_int_equal(etk_source_bytes_read(dup), 0);
	expect_content(dup, ref, sizeof(ref), 3000);
	assert_int_equal(etk_source_bytes_read(dup), sizeof(ref));
	etk_source_close(dup);
	etk_source_close(src);
}

static void
test_raw_counting(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src;
	unsigned char buf[600];
	char path[PATH_MAX];
	size_t n;

	(void)state;
	tpath(path, sizeof(path), "count.raw");
	write_pattern(path, 1000, 0);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_OK);
	assert_int_equal(etk_source_bytes_read(src), 0);
	assert_int_equal(etk_source_read(src, 0, buf, 600, &n, &err), ETK_OK);
	assert_int_equal(etk_source_read(src, 600, buf, 600, &n, &err),
	    ETK_OK);
	assert_int_equal(etk_source_read(src, 2000, buf, 600, &n, &err),
	    ETK_OK);
	assert_int_equal(etk_source_bytes_read(src), 1000);
	etk_source_close(src);
}

static void
test_raw_empty(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src;
	unsigned char buf[16];
	char path[PATH_MAX];
	size_t n = 99;

	(void)state;
	tpath(path, sizeof(path), "empty.raw");
	write_file(path, NULL, 0);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_OK);
	assert_string_equal(etk_source_format(src), "raw");
	assert_int_equal(etk_source_size(src), 0);
	assert_int_equal(etk_source_read(src, 0, buf, sizeof(buf), &n, &err),
	    ETK_OK);
	assert_int_equal(n, 0);
	etk_source_close(src);
}

static void
test_read_bad_args(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src;
	unsigned char buf[4];
	char path[PATH_MAX];
	size_t n;

	(void)state;
	tpath(path, sizeof(path), "args.raw");
	write_pattern(path, 100, 0);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_OK);
	assert_int_equal(etk_source_read(NULL, 0, buf, 4, &n, &err),
	    ETK_EINVAL);
	assert_int_equal(etk_source_read(src, 0, buf, 4, NULL, &err),
	    ETK_EINVAL);
	assert_int_equal(etk_source_read(src, 0, NULL, 4, &n, &err),
	    ETK_EINVAL);
	assert_int_equal(n, 0);
	etk_source_close(src);
}

/* Evidence that shrinks under us is a read error naming file and offset,
 * not a silent short read. */
static void
test_raw_shrunk(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src, *dup;
	unsigned char buf[8192];
	char path[PATH_MAX];
	size_t n;

	(void)state;
	tpath(path, sizeof(path), "shrink.raw");
	write_pattern(path, 8192, 0);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_OK);
	assert_int_equal(truncate(path, 4096), 0);
	assert_int_equal(etk_source_read(src, 0, buf, sizeof(buf), &n, &err),
	    ETK_EIO);
	assert_int_equal(n, 4096);
	assert_non_null(strstr(err.msg, "shrink.raw: read at offset 4096"));
	/* A second handle sees the new size: refused. */
	assert_int_equal(etk_source_reopen(&dup, src, &err), ETK_EIO);
	assert_null(dup);
	assert_non_null(strstr(err.msg, "size changed"));
	etk_source_close(src);
}

static void
test_name_is_basename(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src;
	char path[PATH_MAX], cwd[PATH_MAX];

	(void)state;
	tpath(path, sizeof(path), "named.dd");
	write_pattern(path, 512, 0);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmpdir), 0);
	assert_int_equal(etk_source_open(&src, "./named.dd", &err), ETK_OK);
	assert_string_equal(etk_source_name(src), "named.dd");
	assert_string_equal(etk_source_path(src), "./named.dd");
	etk_source_close(src);
	assert_int_equal(etk_source_open(&src, "named.dd", &err), ETK_OK);
	assert_string_equal(etk_source_name(src), "named.dd");
	etk_source_close(src);
	assert_int_equal(chdir(cwd), 0);
}

static void
test_device_char(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src;
	unsigned char buf[16];
	size_t n;

	(void)state;
	assert_int_equal(etk_source_open(&src, "/dev/null", &err), ETK_OK);
	assert_string_equal(etk_source_format(src), "device");
	assert_string_equal(etk_source_name(src), "null");
	assert_int_equal(etk_source_size(src), 0);
	assert_int_equal(etk_source_read(src, 0, buf, sizeof(buf), &n, &err),
	    ETK_OK);
	assert_int_equal(n, 0);
	etk_source_close(src);
}

/* A real block device: a read-only loop device over a temp file, when we
 * may make one (root with losetup; skipped elsewhere).  Detached by the
 * teardown even when an assertion fails. */
static char loopdev[64];

static int
loop_teardown(void **state)
{
	(void)state;
	if (loopdev[0] != '\0')
		run("losetup -d '%s' 2>/dev/null", loopdev);
	loopdev[0] = '\0';
	return 0;
}

static void
test_device_block(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src, *dup;
	unsigned char *ref;
	char img[PATH_MAX], cmd[PATH_MAX + 64];
	size_t len = (1 << 20) + 3 * 512, n;
	struct stat st;
	FILE *fp;

	(void)state;
	if (geteuid() != 0 || !have_program("losetup")) {
		skip();
		return;
	}
	tpath(img, sizeof(img), "loop.img");
	write_pattern(img, len, 17);
	snprintf(cmd, sizeof(cmd), "losetup -f --show -r '%s' 2>/dev/null",
	    img);
	if ((fp = popen(cmd, "r")) == NULL) {
		skip();
		return;
	}
	if (fgets(loopdev, sizeof(loopdev), fp) == NULL)
		loopdev[0] = '\0';
	pclose(fp);
	loopdev[strcspn(loopdev, "\n")] = '\0';
	if (strncmp(loopdev, "/dev/loop", 9) != 0 || stat(loopdev, &st) != 0 ||
	    !S_ISBLK(st.st_mode)) {
		loopdev[0] = '\0';
		skip();
		return;
	}
	assert_int_equal(etk_source_open(&src, loopdev, &err), ETK_OK);
	assert_string_equal(etk_source_format(src), "device");
	assert_string_equal(etk_source_name(src), loopdev + 5);
	assert_int_equal(etk_source_sector_size(src), 512);
	ref = malloc(len);
	assert_non_null(ref);
	fill(ref, len, 17);
	expect_content(src, ref, len, 65536);
	assert_int_equal(etk_source_read(src, len - 100, ref, 4096, &n, &err),
	    ETK_OK);
	assert_int_equal(n, 100);
	assert_int_equal(etk_source_reopen(&dup, src, &err), ETK_OK);
	assert_int_equal(etk_source_size(dup), len);
	etk_source_close(dup);
	etk_source_close(src);
	free(ref);
}

/* ---- split raw ---- */

/* Write segments name.<suffix[i]> holding consecutive pattern bytes. */
static size_t
make_split(const char *stem, const char *const *suffixes, const size_t *sizes,
    size_t nseg)
{
	char path[PATH_MAX], name[256];
	uint64_t base = 0;
	size_t i;

	for (i = 0; i < nseg; i++) {
		snprintf(name, sizeof(name), "%s.%s", stem, suffixes[i]);
		tpath(path, sizeof(path), name);
		write_pattern(path, sizes[i], base);
		base += sizes[i];
	}
	return (size_t)base;
}

static void
check_split(const char *first, size_t total, size_t nseg)
{
	struct etk_error err = { 0 };
	struct etk_source *src, *dup;
	const char *const *files;
	unsigned char *ref;
	char path[PATH_MAX];
	size_t i, n, off, len;
	unsigned char buf[70000];

	tpath(path, sizeof(path), first);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_OK);
	assert_string_equal(etk_source_format(src), "split-raw");
	assert_string_equal(etk_source_name(src), first);
	assert_int_equal(etk_source_size(src), total);
	assert_int_equal(etk_source_files(src, &files), nseg);
	assert_string_equal(files[0], path);
	ref = malloc(total);
	assert_non_null(ref);
	fill(ref, total, 0);
	expect_content(src, ref, total, 65536);
	expect_content(src, ref, total, 333);
	/* Reads starting anywhere, crossing boundaries. */
	for (i = 0; i < 200; i++) {
		off = (i * 7919u) % total;
		len = (i * 104729u) % sizeof(buf);
		assert_int_equal(etk_source_read(src, off, buf, len, &n, &err),
		    ETK_OK);
		assert_int_equal(n, len < total - off ? len : total - off);
		assert_memory_equal(buf, ref + off, n);
	}
	assert_int_equal(etk_source_reopen(&dup, src, &err), ETK_OK);
	assert_string_equal(etk_source_format(dup), "split-raw");
	expect_content(dup, ref, total, 40000);
	etk_source_close(dup);
	etk_source_close(src);
	free(ref);
}

static void
test_split_numeric(void **state)
{
	static const char *const suf[] = { "000", "001", "002", "003" };
	static const size_t sizes[] = { 4096, 10000, 1, 7000 };
	size_t total;

	(void)state;
	total = make_split("sd", suf, sizes, 4);
	check_split("sd.000", total, 4);
}

static void
test_split_from_001(void **state)
{
	static const char *const suf[] = { "001", "002", "003" };
	static const size_t sizes[] = { 65536, 65536, 100 };
	static const char *const suf2[] = { "raw.001", "raw.002" };
	static const size_t sizes2[] = { 512, 513 };
	size_t total;

	(void)state;
	total = make_split("card", suf, sizes, 3);
	check_split("card.001", total, 3);
	total = make_split("usb", suf2, sizes2, 2);
	check_split("usb.raw.001", total, 2);
}

static void
test_split_alpha(void **state)
{
	static const char *const suf[] = { "aa", "ab", "ac" };
	static const size_t sizes[] = { 3000, 3000, 2999 };
	size_t total;

	(void)state;
	total = make_split("img", suf, sizes, 3);
	check_split("img.aa", total, 3);
}

/* More segments than are kept open at once. */
static void
test_split_many(void **state)
{
	const char *suf[150];
	size_t sizes[150], i, total;
	char names[150][8];

	(void)state;
	for (i = 0; i < 150; i++) {
		snprintf(names[i], sizeof(names[i]), "%03zu", i);
		suf[i] = names[i];
		sizes[i] = 100 + i;
	}
	total = make_split("many", suf, sizes, 150);
	check_split("many.000", total, 150);
}

static void
test_split_gap(void **state)
{
	static const char *const suf[] = { "000", "001", "003" };
	static const size_t sizes[] = { 100, 100, 100 };
	struct etk_error err = { 0 };
	struct etk_source *src = (struct etk_source *)&err;
	char path[PATH_MAX];

	(void)state;
	make_split("gap", suf, sizes, 3);
	tpath(path, sizeof(path), "gap.000");
	assert_int_equal(etk_source_open(&src, path, &err), ETK_EFORMAT);
	assert_null(src);
	assert_non_null(strstr(err.msg, "gap.000: split: segment '"));
	assert_non_null(strstr(err.msg, "gap.002' is missing"));
	assert_non_null(strstr(err.msg, "gap.003' exists"));
}

static void
test_split_single_and_middle(void **state)
{
	static const char *const suf[] = { "000", "001", "002" };
	static const size_t sizes[] = { 100, 100, 100 };
	struct etk_error err = { 0 };
	struct etk_source *src;
	char path[PATH_MAX];

	(void)state;
	/* One segment alone is plain raw. */
	tpath(path, sizeof(path), "alone.001");
	write_pattern(path, 1000, 0);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_OK);
	assert_string_equal(etk_source_format(src), "raw");
	etk_source_close(src);
	/* x.001 while x.000 exists: not the first segment. */
	make_split("mid", suf, sizes, 3);
	tpath(path, sizeof(path), "mid.001");
	assert_int_equal(etk_source_open(&src, path, &err), ETK_EINVAL);
	assert_non_null(strstr(err.msg, "give the first segment"));
	/* A later segment by itself is raw: what was asked for. */
	tpath(path, sizeof(path), "mid.002");
	assert_int_equal(etk_source_open(&src, path, &err), ETK_OK);
	assert_string_equal(etk_source_format(src), "raw");
	assert_int_equal(etk_source_size(src), 100);
	etk_source_close(src);
}

/* A segment truncated after open: an error naming the segment. */
static void
test_split_truncated_later(void **state)
{
	static const char *const suf[] = { "000", "001" };
	static const size_t sizes[] = { 1000, 1000 };
	struct etk_error err = { 0 };
	struct etk_source *src;
	unsigned char buf[2000];
	char path[PATH_MAX];
	size_t n;

	(void)state;
	make_split("cut", suf, sizes, 2);
	tpath(path, sizeof(path), "cut.000");
	assert_int_equal(etk_source_open(&src, path, &err), ETK_OK);
	tpath(path, sizeof(path), "cut.001");
	assert_int_equal(truncate(path, 10), 0);
	assert_int_equal(etk_source_read(src, 0, buf, sizeof(buf), &n, &err),
	    ETK_EIO);
	assert_int_equal(n, 1010);
	assert_non_null(strstr(err.msg, "cut.000: read at offset 1010"));
	assert_non_null(strstr(err.msg, "cut.001"));
	etk_source_close(src);
}

/* ---- memory, range, custom ---- */

static void
test_mem(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src, *dup = (struct etk_source *)&err;
	unsigned char ref[5000], buf[6000];
	const char *const *files;
	size_t n;

	(void)state;
	fill(ref, sizeof(ref), 42);
	assert_int_equal(etk_source_open_mem(&src, ref, sizeof(ref), "fuzz.bin",
	    &err), ETK_OK);
	assert_string_equal(etk_source_format(src), "memory");
	assert_string_equal(etk_source_name(src), "fuzz.bin");
	assert_string_equal(etk_source_path(src), "fuzz.bin");
	assert_int_equal(etk_source_sector_size(src), 512);
	assert_int_equal(etk_source_files(src, &files), 0);
	expect_content(src, ref, sizeof(ref), 999);
	assert_int_equal(etk_source_read(src, 4000, buf, sizeof(buf), &n,
	    &err), ETK_OK);
	assert_int_equal(n, 1000);
	assert_int_equal(etk_source_read(src, UINT64_MAX, buf, SIZE_MAX, &n,
	    &err), ETK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(etk_source_bytes_read(src), 5000 + 1000);
	assert_int_equal(etk_source_reopen(&dup, src, &err), ETK_EUNSUPP);
	assert_null(dup);
	etk_source_close(src);

	assert_int_equal(etk_source_open_mem(&src, NULL, 0, NULL, &err),
	    ETK_OK);
	assert_string_equal(etk_source_name(src), "memory");
	assert_int_equal(etk_source_size(src), 0);
	assert_int_equal(etk_source_read(src, 0, buf, 10, &n, &err), ETK_OK);
	assert_int_equal(n, 0);
	etk_source_close(src);
	assert_int_equal(etk_source_open_mem(&src, NULL, 10, "x", &err),
	    ETK_EINVAL);
	assert_int_equal(etk_source_open_mem(NULL, ref, 10, "x", &err),
	    ETK_EINVAL);
}

static void
test_range(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *mem, *r, *r2, *dup;
	unsigned char ref[10000], buf[10000];
	size_t n;

	(void)state;
	fill(ref, sizeof(ref), 0);
	assert_int_equal(etk_source_open_mem(&mem, ref, sizeof(ref), "disk",
	    &err), ETK_OK);
	assert_int_equal(etk_source_open_range(&r, mem, 1000, 3000, &err),
	    ETK_OK);
	assert_string_equal(etk_source_format(r), "range");
	assert_string_equal(etk_source_name(r), "disk");
	assert_int_equal(etk_source_size(r), 3000);
	expect_content(r, ref + 1000, 3000, 512);
	assert_int_equal(etk_source_read(r, 2999, buf, 100, &n, &err), ETK_OK);
	assert_int_equal(n, 1);
	assert_int_equal(buf[0], ref[3999]);
	assert_int_equal(etk_source_reopen(&dup, r, &err), ETK_EUNSUPP);
	/* A range of a range. */
	assert_int_equal(etk_source_open_range(&r2, r, 100, 50, &err), ETK_OK);
	expect_content(r2, ref + 1100, 50, 7);
	etk_source_close(r2);
	etk_source_close(r);
	/* Past the parent's end (a truncated image): short reads. */
	assert_int_equal(etk_source_open_range(&r, mem, 9000, 5000, &err),
	    ETK_OK);
	assert_int_equal(etk_source_read(r, 0, buf, 5000, &n, &err), ETK_OK);
	assert_int_equal(n, 1000);
	assert_memory_equal(buf, ref + 9000, 1000);
	etk_source_close(r);
	/* off + len wraps: refused. */
	assert_int_equal(etk_source_open_range(&r, mem, UINT64_MAX - 10, 20,
	    &err), ETK_EINVAL);
	assert_null(r);
	assert_int_equal(etk_source_open_range(&r, NULL, 0, 20, &err),
	    ETK_EINVAL);
	/* Counting happens on both layers. */
	assert_true(etk_source_bytes_read(mem) >= 3000);
	etk_source_close(mem);
}

struct cctx {
	const unsigned char *data;
	size_t len;		/* real data length */
	uint64_t fail_at;	/* reads touching it fail */
	int *closed;
};

static int
cread(void *ctx, uint64_t off, void *buf, size_t len, size_t *nread,
    struct etk_error *err)
{
	struct cctx *c = ctx;

	*nread = 0;
	if (off <= c->fail_at && c->fail_at < off + len)
		return etk_fail(err, ETK_EIO, EIO, "member x: read at %" PRIu64,
		    c->fail_at);
	if (off >= c->len)
		return ETK_OK;
	if (len > c->len - off)
		len = c->len - off;
	memcpy(buf, c->data + off, len);
	*nread = len;
	return ETK_OK;
}

static void
cclose(void *ctx)
{
	struct cctx *c = ctx;

	(*c->closed)++;
	free(c);
}

static struct cctx *
cnew(const unsigned char *data, size_t len, int *closed)
{
	struct cctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->data = data;
	c->len = len;
	c->fail_at = UINT64_MAX;
	c->closed = closed;
	return c;
}

static void
test_custom(void **state)
{
	static const struct etk_source_ops ops = { cread, cclose };
	static const struct etk_source_ops noread = { NULL, cclose };
	struct etk_error err = { 0 };
	struct etk_source *src, *dup, *r;
	unsigned char ref[3000], buf[4000];
	struct cctx *c;
	int closed = 0;
	size_t n;

	(void)state;
	fill(ref, sizeof(ref), 7);
	c = cnew(ref, sizeof(ref), &closed);
	assert_int_equal(etk_source_new_custom(&src, &ops, c, sizeof(ref),
	    4096, "DCIM/a.jpg", "tsk-file", &err), ETK_OK);
	assert_string_equal(etk_source_format(src), "tsk-file");
	assert_string_equal(etk_source_name(src), "DCIM/a.jpg");
	assert_int_equal(etk_source_sector_size(src), 4096);
	expect_content(src, ref, sizeof(ref), 1000);
	assert_int_equal(etk_source_reopen(&dup, src, &err), ETK_EUNSUPP);
	/* Errors come back unchanged, with the good bytes counted. */
	c->fail_at = 2000;
	assert_int_equal(etk_source_read(src, 0, buf, 3000, &n, &err), ETK_EIO);
	assert_string_equal(err.msg,
	    "member x: read at 2000: Input/output error");
	/* ... also through a range. */
	assert_int_equal(etk_source_open_range(&r, src, 1000, 2000, &err),
	    ETK_OK);
	assert_int_equal(etk_source_read(r, 0, buf, 2000, &n, &err), ETK_EIO);
	etk_source_close(r);
	c->fail_at = UINT64_MAX;
	assert_int_equal(closed, 0);
	etk_source_close(src);
	assert_int_equal(closed, 1);

	/* Data shorter than the declared size: a short read is the end. */
	c = cnew(ref, 100, &closed);
	assert_int_equal(etk_source_new_custom(&src, &ops, c, 1000, 0, NULL,
	    NULL, &err), ETK_OK);
	assert_string_equal(etk_source_format(src), "custom");
	assert_int_equal(etk_source_sector_size(src), 512);
	assert_int_equal(etk_source_read(src, 0, buf, 1000, &n, &err), ETK_OK);
	assert_int_equal(n, 100);
	etk_source_close(src);
	assert_int_equal(closed, 2);

	/* ctx is released even when the call fails. */
	c = cnew(ref, 100, &closed);
	assert_int_equal(etk_source_new_custom(&src, &noread, c, 1000, 0, "x",
	    NULL, &err), ETK_EINVAL);
	assert_null(src);
	assert_int_equal(closed, 3);
	c = cnew(ref, 100, &closed);
	assert_int_equal(etk_source_new_custom(NULL, &ops, c, 1000, 0, "x",
	    NULL, &err), ETK_EINVAL);
	assert_int_equal(closed, 4);
	assert_int_equal(etk_source_new_custom(&src, NULL, NULL, 1, 0, "x",
	    NULL, &err), ETK_EINVAL);
}

/* ---- EWF ---- */

/* Make NAME.E01 (segments of segsize MiB when > 0) from a raw file. */
static int
ewfacquire(const char *raw, const char *target, const char *comp,
    int segmib)
{
	char seg[32] = "";

	if (segmib > 0)
		snprintf(seg, sizeof(seg), "-S %dMiB", segmib);
	return run("cd '%s' && ewfacquire -u -q -t '%s' -c %s -d sha1 %s "
	    "-C CASE-7 -e 'Jürgen Examiner' -E EX-001 -D 'phone dump' "
	    "-N 'unit test' '%s' >/dev/null 2>&1", tmpdir, target, comp, seg,
	    raw);
}

static const char *
meta_get(struct etk_source *src, const char *key)
{
	const char *const *k, *const *v;
	size_t i, n = etk_source_meta(src, &k, &v);

	for (i = 0; i < n; i++)
		if (strcmp(k[i], key) == 0)
			return v[i];
	return NULL;
}

static void
test_ewf_basic(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src, *dup;
	const char *const *files;
	unsigned char *ref;
	char raw[PATH_MAX], e01[PATH_MAX], hex[129], want[129];

	(void)state;
	if (!have_ewfacquire) {
		skip();
		return;
	}
	tpath(raw, sizeof(raw), "phone.raw");
	/* Random-ish and zero areas; a whole number of sectors (ewfacquire
	 * drops a partial last sector). */
	ref = calloc(1, 3 << 20);
	assert_non_null(ref);
	fill(ref, 1 << 20, 99);
	write_file(raw, ref, 3 << 20);
	assert_int_equal(ewfacquire("phone.raw", "phone", "fast", 0), 0);
	tpath(e01, sizeof(e01), "phone.E01");
	assert_int_equal(etk_source_open(&src, e01, &err), ETK_OK);
	assert_string_equal(etk_source_format(src), "ewf");
	assert_string_equal(etk_source_name(src), "phone.E01");
	assert_int_equal(etk_source_sector_size(src), 512);
	assert_int_equal(etk_source_files(src, &files), 1);
	assert_non_null(strstr(files[0], "phone.E01"));
	expect_content(src, ref, 3 << 20, 65536);
	expect_content(src, ref, 3 << 20, 100000);
	/* Stored digests, lower-case hex, equal to what we compute. */
	assert_int_equal(etk_source_stored_hash(src, "md5", hex, sizeof(hex)),
	    ETK_OK);
	assert_int_equal(source_digest(src, "md5", want, &err), ETK_OK);
	assert_string_equal(hex, want);
	assert_int_equal(etk_source_stored_hash(src, "SHA1", hex, sizeof(hex)),
	    ETK_OK);
	assert_int_equal(source_digest(src, "sha1", want, &err), ETK_OK);
	assert_string_equal(hex, want);
	assert_int_equal(etk_source_stored_hash(src, "sha256", hex,
	    sizeof(hex)), ETK_ENOTFOUND);
	assert_int_equal(etk_source_stored_hash(src, "md5", hex, 10),
	    ETK_EINVAL);
	/* Header values. */
	assert_non_null(meta_get(src, "case_number"));
	assert_string_equal(meta_get(src, "case_number"), "CASE-7");
	assert_string_equal(meta_get(src, "examiner_name"), "Jürgen Examiner");
	assert_string_equal(meta_get(src, "evidence_number"), "EX-001");
	assert_string_equal(meta_get(src, "description"), "phone dump");
	assert_string_equal(meta_get(src, "notes"), "unit test");
	assert_non_null(meta_get(src, "acquiry_software_version"));
	assert_null(meta_get(src, "password"));
	/* Second handle. */
	assert_int_equal(etk_source_reopen(&dup, src, &err), ETK_OK);
	assert_string_equal(etk_source_format(dup), "ewf");
	expect_content(dup, ref, 3 << 20, 1 << 20);
	etk_source_close(dup);
	etk_source_close(src);

	/* Same digest as the raw file it came from. */
	assert_int_equal(file_digest(raw, "md5", hex), ETK_OK);
	assert_int_equal(file_digest(e01, "md5", want), ETK_OK);
	assert_string_equal(hex, want);
	free(ref);
}

static void
test_ewf_split(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src;
	const char *const *files;
	unsigned char *ref;
	char raw[PATH_MAX], e01[PATH_MAX], e03[PATH_MAX], moved[PATH_MAX];
	size_t nfiles;

	(void)state;
	if (!have_ewfacquire) {
		skip();
		return;
	}
	tpath(raw, sizeof(raw), "sd.raw");
	ref = malloc(5 << 20);
	assert_non_null(ref);
	fill(ref, 5 << 20, 5);
	write_file(raw, ref, 5 << 20);
	assert_int_equal(ewfacquire("sd.raw", "sd-split", "none", 1), 0);
	tpath(e01, sizeof(e01), "sd-split.E01");
	assert_int_equal(etk_source_open(&src, e01, &err), ETK_OK);
	nfiles = etk_source_files(src, &files);
	assert_true(nfiles >= 5);
	assert_non_null(strstr(files[1], "sd-split.E02"));
	assert_string_equal(etk_source_name(src), "sd-split.E01");
	expect_content(src, ref, 5 << 20, 300000);
	etk_source_close(src);

	/* A missing middle segment: refused with an ewf message. */
	tpath(e03, sizeof(e03), "sd-split.E03");
	tpath(moved, sizeof(moved), "sd-split.E03.away");
	assert_int_equal(rename(e03, moved), 0);
	assert_int_equal(etk_source_open(&src, e01, &err), ETK_EFORMAT);
	assert_null(src);
	assert_non_null(strstr(err.msg, "sd-split.E01: ewf: "));
	assert_int_equal(rename(moved, e03), 0);
	free(ref);

	/* More segments than libewf is allowed to keep open (64). */
	tpath(raw, sizeof(raw), "long.raw");
	ref = malloc(70 << 20);
	assert_non_null(ref);
	fill(ref, 70 << 20, 70);
	write_file(raw, ref, 70 << 20);
	assert_int_equal(ewfacquire("long.raw", "long", "none", 1), 0);
	tpath(e01, sizeof(e01), "long.E01");
	assert_int_equal(etk_source_open(&src, e01, &err), ETK_OK);
	assert_true(etk_source_files(src, &files) > 64);
	expect_content(src, ref, 70 << 20, 1 << 20);
	etk_source_close(src);
	free(ref);
	run("rm -f '%s'/long.*", tmpdir);
}

/* Truncated, corrupt, mislabelled and hostile E01s. */
static void
test_ewf_bad(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src = NULL;
	unsigned char *img, *buf;
	char raw[PATH_MAX], e01[PATH_MAX], path[PATH_MAX];
	size_t len, n, i;
	uint64_t off;
	int rc, saw_eio;

	(void)state;
	if (!have_ewfacquire) {
		skip();
		return;
	}
	tpath(raw, sizeof(raw), "bad.raw");
	write_pattern(raw, 2 << 20, 1);
	assert_int_equal(ewfacquire("bad.raw", "good", "none", 0), 0);
	tpath(e01, sizeof(e01), "good.E01");
	img = read_whole(e01, &len);

	/* First half: refused at open, by the ewf layer. */
	tpath(path, sizeof(path), "truncated.E01");
	write_file(path, img, len / 2);
	src = (struct etk_source *)&err;
	assert_int_equal(etk_source_open(&src, path, &err), ETK_EFORMAT);
	assert_null(src);
	assert_non_null(strstr(err.msg, "truncated.E01: ewf: "));

	/* Cut at many places: a clean error or a readable image, never a
	 * crash. */
	for (i = 1; i < 40; i++) {
		write_file(path, img, len * i / 40);
		if (etk_source_open(&src, path, &err) == ETK_OK) {
			char hex[129];

			(void)source_digest(src, "md5", hex, &err);
			etk_source_close(src);
		} else {
			assert_non_null(strstr(err.msg, "ewf"));
		}
	}
	/* Only the signature. */
	write_file(path, img, 13);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_EFORMAT);
	assert_non_null(strstr(err.msg, "ewf: "));

	/* Data corrupted in the middle (no compression: a chunk CRC). */
	tpath(path, sizeof(path), "corrupt.E01");
	memset(img + len / 2, 0x55, 64);
	write_file(path, img, len);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_OK);
	buf = malloc(1 << 20);
	assert_non_null(buf);
	saw_eio = 0;
	for (off = 0; off < etk_source_size(src); off += 1 << 20) {
		rc = etk_source_read(src, off, buf, 1 << 20, &n, &err);
		if (rc == ETK_EIO) {
			saw_eio = 1;
			assert_non_null(strstr(err.msg, "corrupt.E01: ewf: "
			    "read at offset"));
			assert_non_null(strstr(err.msg, "checksum error"));
			assert_true(n < (size_t)1 << 20);
			/* Re-reading the bad area fails again. */
			assert_int_equal(etk_source_read(src, off + n, buf, 1,
			    &n, &err), ETK_EIO);
		} else {
			assert_int_equal(rc, ETK_OK);
		}
	}
	assert_true(saw_eio);
	free(buf);
	etk_source_close(src);

	/* Random bytes named .E01: no EWF signature, so raw. */
	tpath(path, sizeof(path), "random.E01");
	write_pattern(path, 5000, 3);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_OK);
	assert_string_equal(etk_source_format(src), "raw");
	etk_source_close(src);
	/* Empty .E01: raw, size 0. */
	tpath(path, sizeof(path), "empty.E01");
	write_file(path, NULL, 0);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_OK);
	assert_string_equal(etk_source_format(src), "raw");
	assert_int_equal(etk_source_size(src), 0);
	etk_source_close(src);
	/* EWF signature then garbage. */
	tpath(path, sizeof(path), "garbage.E01");
	fill(img + 8, 4000, 9);
	write_file(path, img, 4008);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_EFORMAT);
	assert_non_null(strstr(err.msg, "garbage.E01: ewf: "));
	/* Logical evidence (L01): recognised, not supported. */
	tpath(path, sizeof(path), "files.L01");
	img[0] = 'L';
	write_file(path, img, 4008);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_EUNSUPP);
	assert_non_null(strstr(err.msg, "files.L01: ewf: logical"));
	free(img);
}

/* A renamed E01 (no E01 extension) still opens as EWF. */
static void
test_ewf_renamed(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src;
	unsigned char *img, *ref;
	char raw[PATH_MAX], path[PATH_MAX];
	size_t len;

	(void)state;
	if (!have_ewfacquire) {
		skip();
		return;
	}
	tpath(raw, sizeof(raw), "ren.raw");
	write_pattern(raw, 1 << 20, 11);
	assert_int_equal(ewfacquire("ren.raw", "ren", "fast", 0), 0);
	tpath(path, sizeof(path), "ren.E01");
	img = read_whole(path, &len);
	tpath(path, sizeof(path), "evidence.bin");
	write_file(path, img, len);
	free(img);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_OK);
	assert_string_equal(etk_source_format(src), "ewf");
	ref = read_whole(raw, &len);
	expect_content(src, ref, len, 1 << 16);
	free(ref);
	etk_source_close(src);
}

/* ---- VMDK / VHD through TSK ---- */

static void
check_converted(const char *name, const char *format, const unsigned char *ref,
    size_t reflen, size_t minfiles)
{
	struct etk_error err = { 0 };
	struct etk_source *src, *dup;
	const char *const *files;
	unsigned char *buf;
	char path[PATH_MAX];
	uint64_t size, off;
	size_t n, i;

	tpath(path, sizeof(path), name);
	assert_int_equal(etk_source_open(&src, path, &err), ETK_OK);
	assert_string_equal(etk_source_format(src), format);
	assert_string_equal(etk_source_name(src), name);
	assert_true(etk_source_files(src, &files) >= minfiles);
	/* VHD sizes are rounded up to a CHS geometry: the image may be
	 * longer than the raw input, with zeros after it. */
	size = etk_source_size(src);
	assert_true(size >= reflen);
	assert_true(size - reflen < (1 << 20));
	buf = malloc(size);
	assert_non_null(buf);
	for (off = 0; off < size; off += n) {
		assert_int_equal(etk_source_read(src, off, buf + off, 100000,
		    &n, &err), ETK_OK);
		assert_true(n > 0);
	}
	assert_memory_equal(buf, ref, reflen);
	for (i = reflen; i < size; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(etk_source_read(src, size, buf, 10, &n, &err),
	    ETK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(etk_source_reopen(&dup, src, &err), ETK_OK);
	assert_int_equal(etk_source_read(dup, 4096, buf, 4096, &n, &err),
	    ETK_OK);
	assert_memory_equal(buf, ref + 4096, 4096);
	etk_source_close(dup);
	etk_source_close(src);
	free(buf);
}

static void
test_vmdk_vhd(void **state)
{
	unsigned char *ref;
	char raw[PATH_MAX];
	size_t len = 3 << 20;

	(void)state;
	if (!have_qemu_img) {
		skip();
		return;
	}
	tpath(raw, sizeof(raw), "vm.raw");
	ref = calloc(1, len);
	assert_non_null(ref);
	fill(ref, 1 << 20, 77);
	fill(ref + (2 << 20), 4096, 1234);
	write_file(raw, ref, len);
	assert_int_equal(run("cd '%s' && qemu-img convert -q -f raw -O vmdk "
	    "vm.raw sparse.vmdk && qemu-img convert -q -f raw -O vmdk "
	    "-o subformat=monolithicFlat vm.raw flat.vmdk && "
	    "qemu-img convert -q -f raw -O vpc vm.raw dyn.vhd && "
	    "qemu-img convert -q -f raw -O vpc -o subformat=fixed vm.raw "
	    "fixed.vhd", tmpdir), 0);
	check_converted("sparse.vmdk", "vmdk", ref, len, 1);
	check_converted("flat.vmdk", "vmdk", ref, len, 2);
	check_converted("dyn.vhd", "vhd", ref, len, 1);
	check_converted("fixed.vhd", "vhd", ref, len, 1);
	free(ref);
}

/*
 * Open path in a child process and report the status and message.  Used
 * for inputs that make libtsk 4.11 leak: its VMDK and VHD open failure
 * paths do not free the libvmdk/libvhdi handle, which LeakSanitizer
 * would blame on this test.  The child leaves with _exit(), so the leak
 * check does not run there.
 */
static int
open_in_child(const char *path, char *msg, size_t msglen)
{
	struct etk_error err = { 0 };
	struct etk_source *src = NULL;
	int fds[2], status, rc;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(fds[0]);
		rc = etk_source_open(&src, path, &err);
		if (rc == ETK_OK && src == NULL)
			rc = 99;
		if (write(fds[1], &rc, sizeof(rc)) != sizeof(rc) ||
		    write(fds[1], err.msg, strlen(err.msg) + 1) < 0)
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &rc, sizeof(rc)), sizeof(rc));
	n = read(fds[0], msg, msglen - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return rc;
}

static void
test_vmdk_bad(void **state)
{
	static const char desc[] = "# Disk DescriptorFile\nversion=1\n"
	    "createType=\"monolithicFlat\"\nRW 2048 FLAT \"gone-flat.vmdk\" 0\n";
	unsigned char hdr[4096];
	char path[PATH_MAX], msg[ETK_ERRMSG_MAX];

	(void)state;
	/* A descriptor whose extent is missing. */
	tpath(path, sizeof(path), "gone.vmdk");
	write_file(path, desc, sizeof(desc) - 1);
	assert_int_equal(open_in_child(path, msg, sizeof(msg)), ETK_EFORMAT);
	assert_non_null(strstr(msg, "gone.vmdk: vmdk: "));
	/* A sparse header followed by garbage. */
	fill(hdr, sizeof(hdr), 5);
	memcpy(hdr, "KDMV", 4);
	tpath(path, sizeof(path), "junk.vmdk");
	write_file(path, hdr, sizeof(hdr));
	assert_int_equal(open_in_child(path, msg, sizeof(msg)), ETK_EFORMAT);
	assert_non_null(strstr(msg, "junk.vmdk: vmdk: "));
	/* A VHD footer signature over garbage. */
	memcpy(hdr + sizeof(hdr) - 512, "conectix", 8);
	memcpy(hdr, "XXXX", 4);
	tpath(path, sizeof(path), "junk.vhd");
	write_file(path, hdr, sizeof(hdr));
	assert_int_equal(open_in_child(path, msg, sizeof(msg)), ETK_EFORMAT);
	assert_non_null(strstr(msg, "junk.vhd: vhd: "));
}

/* ---- built fixtures ($ETK_FIXTURES) ---- */

static int
fixture(char *out, size_t outlen, const char *name)
{
	const char *dir = getenv("ETK_FIXTURES");
	struct stat st;

	if (dir == NULL || *dir == '\0')
		return 0;
	snprintf(out, outlen, "%s/%s", dir, name);
	return stat(out, &st) == 0;
}

static void
test_fixture_phone(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *raw, *ewf;
	char praw[PATH_MAX], pe01[PATH_MAX], hex[129], want[129];
	unsigned char *a, *b;
	uint64_t off;
	size_t na, nb;

	(void)state;
	if (!fixture(praw, sizeof(praw), "phone.raw") ||
	    !fixture(pe01, sizeof(pe01), "phone.E01")) {
		skip();
		return;
	}
	assert_int_equal(etk_source_open(&raw, praw, &err), ETK_OK);
	assert_int_equal(etk_source_open(&ewf, pe01, &err), ETK_OK);
	assert_string_equal(etk_source_format(ewf), "ewf");
	assert_int_equal(etk_source_size(ewf), etk_source_size(raw));
	a = malloc(1 << 20);
	b = malloc(1 << 20);
	assert_non_null(a);
	assert_non_null(b);
	for (off = 0; off < etk_source_size(raw); off += na) {
		assert_int_equal(etk_source_read(raw, off, a, 1 << 20, &na,
		    &err), ETK_OK);
		assert_int_equal(etk_source_read(ewf, off, b, 1 << 20, &nb,
		    &err), ETK_OK);
		assert_int_equal(na, nb);
		assert_true(na > 0);
		assert_memory_equal(a, b, na);
	}
	free(a);
	free(b);
	assert_int_equal(etk_source_stored_hash(ewf, "md5", hex, sizeof(hex)),
	    ETK_OK);
	assert_int_equal(source_digest(raw, "md5", want, &err), ETK_OK);
	assert_string_equal(hex, want);
	etk_source_close(raw);
	etk_source_close(ewf);
}

static void
test_fixture_sd(void **state)
{
	char praw[PATH_MAX], p[PATH_MAX], want[129], hex[129];
	int any = 0;

	(void)state;
	if (!fixture(praw, sizeof(praw), "sd.raw")) {
		skip();
		return;
	}
	assert_int_equal(file_digest(praw, "sha256", want), ETK_OK);
	if (fixture(p, sizeof(p), "sd-split.E01")) {
		assert_int_equal(file_digest(p, "sha256", hex), ETK_OK);
		assert_string_equal(hex, want);
		any = 1;
	}
	if (fixture(p, sizeof(p), "sd.000")) {
		struct etk_error err = { 0 };
		struct etk_source *src;

		assert_int_equal(etk_source_open(&src, p, &err), ETK_OK);
		assert_string_equal(etk_source_format(src), "split-raw");
		etk_source_close(src);
		assert_int_equal(file_digest(p, "sha256", hex), ETK_OK);
		assert_string_equal(hex, want);
		any = 1;
	}
	if (!any)
		skip();
}

static void
test_fixture_bad(void **state)
{
	struct etk_error err = { 0 };
	struct etk_source *src = NULL;
	char p[PATH_MAX], hex[129];
	int any = 0, rc;

	(void)state;
	if (fixture(p, sizeof(p), "bad/truncated.E01")) {
		assert_int_not_equal(etk_source_open(&src, p, &err), ETK_OK);
		assert_null(src);
		assert_non_null(strstr(err.msg, "ewf"));
		any = 1;
	}
	if (fixture(p, sizeof(p), "bad/corrupt.E01")) {
		rc = etk_source_open(&src, p, &err);
		if (rc == ETK_OK) {
			rc = source_digest(src, "md5", hex, &err);
			assert_true(rc == ETK_OK || rc == ETK_EIO);
			etk_source_close(src);
		} else {
			assert_non_null(strstr(err.msg, "ewf"));
		}
		print_message("bad/corrupt.E01: %s\n", rc == ETK_OK ?
		    "read without error" : err.msg);
		any = 1;
	}
	if (!any)
		skip();
}

/* ---- setup ---- */

static int
group_setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/etk-test-source-XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	have_ewfacquire = have_program("ewfacquire");
	have_qemu_img = have_program("qemu-img");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (tmpdir[0] != '\0' && getenv("ETK_KEEP_TMP") == NULL)
		run("rm -rf '%s'", tmpdir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_bad_args),
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_open_dangling_and_notdir),
		cmocka_unit_test(test_open_directory),
		cmocka_unit_test(test_open_fifo),
		cmocka_unit_test(test_raw_basic),
		cmocka_unit_test(test_raw_counting),
		cmocka_unit_test(test_raw_empty),
		cmocka_unit_test(test_read_bad_args),
		cmocka_unit_test(test_raw_shrunk),
		cmocka_unit_test(test_name_is_basename),
		cmocka_unit_test(test_device_char),
		cmocka_unit_test_teardown(test_device_block, loop_teardown),
		cmocka_unit_test(test_split_numeric),
		cmocka_unit_test(test_split_from_001),
		cmocka_unit_test(test_split_alpha),
		cmocka_unit_test(test_split_many),
		cmocka_unit_test(test_split_gap),
		cmocka_unit_test(test_split_single_and_middle),
		cmocka_unit_test(test_split_truncated_later),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_custom),
		cmocka_unit_test(test_ewf_basic),
		cmocka_unit_test(test_ewf_split),
		cmocka_unit_test(test_ewf_bad),
		cmocka_unit_test(test_ewf_renamed),
		cmocka_unit_test(test_vmdk_vhd),
		cmocka_unit_test(test_vmdk_bad),
		cmocka_unit_test(test_fixture_phone),
		cmocka_unit_test(test_fixture_sd),
		cmocka_unit_test(test_fixture_bad),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
