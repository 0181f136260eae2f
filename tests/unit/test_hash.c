/*
 * Unit tests for lib/hash: digests (known answers, split updates, the
 * threaded hasher), libmagic types, the extension check, etk_hash_source
 * and etk_hash_evidence (order whatever the thread count, shards, stop,
 * errors; sparse files, ext4 inline data and unwritten extents against
 * the files themselves).  The ext4 image is made at test time with
 * mke2fs -d (skipped without it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fuzzy.h>
#include <openssl/evp.h>

#include <etk/etk.h>
#include <etk/hash.h>
#include "hash/hash_int.h"

static char tmpdir[64];
static int have_image;

static int
sh(const char *fmt, ...) ETK_PRINTFLIKE(1, 2);

static int
sh(const char *fmt, ...)
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

static void
fill(unsigned char *b, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (unsigned char)(seed >> 16);
	}
}

static void
oneshot(const void *buf, size_t n, unsigned mask, struct etk_digests *d)
{
	struct etk_error err = { 0 };
	struct etk_hasher *h;

	assert_int_equal(etk_hasher_new(&h, mask, &err), ETK_OK);
	assert_int_equal(etk_hasher_update(h, buf, n, &err), ETK_OK);
	assert_int_equal(etk_hasher_final(h, d, &err), ETK_OK);
	etk_hasher_free(h);
}

/* ---- digests ---- */

static void
test_known_answers(void **state)
{
	struct etk_digests d;
	char fz[FUZZY_MAX_RESULT];
	unsigned char *big;

	(void)state;
	oneshot("", 0, ETK_DIGEST_ALL, &d);
	assert_int_equal(d.mask, ETK_DIGEST_ALL);
	assert_string_equal(d.md5, "d41d8cd98f00b204e9800998ecf8427e");
	assert_string_equal(d.sha1,
	    "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	assert_string_equal(d.sha256, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	assert_string_equal(d.ssdeep, "3::");
	oneshot("abc", 3, ETK_DIGEST_ALL, &d);
	assert_string_equal(d.md5, "900150983cd24fb0d6963f7d28e17f72");
	assert_string_equal(d.sha1,
	    "a9993e364706816aba3e25717850c26c9cd0d89d");
	assert_string_equal(d.sha256, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	/* ssdeep: equal to libfuzzy's one-shot on a bigger buffer */
	assert_non_null(big = malloc(200000));
	fill(big, 200000, 7);
	oneshot(big, 200000, ETK_DIGEST_SSDEEP, &d);
	assert_int_equal(fuzzy_hash_buf(big, 200000, fz), 0);
	assert_string_equal(d.ssdeep, fz);
	assert_string_equal(d.md5, "");
	assert_int_equal(d.mask, ETK_DIGEST_SSDEEP);
	free(big);
	/* mask 0 means SHA-256 */
	oneshot("abc", 3, 0, &d);
	assert_int_equal(d.mask, ETK_DIGEST_SHA256);
}

static void
test_split_and_threaded(void **state)
{
	struct etk_error err = { 0 };
	struct etk_digests one, split, thr;
	struct etk_hasher *h;
	size_t n = 5u * 1024 * 1024 + 123, off, step;
	unsigned char *b;
	unsigned masks[] = { ETK_DIGEST_ALL, ETK_DIGEST_MD5 | ETK_DIGEST_SHA256,
	    ETK_DIGEST_SHA1 | ETK_DIGEST_SHA256, ETK_DIGEST_SHA256 };
	size_t i;

	(void)state;
	assert_non_null(b = malloc(n));
	fill(b, n, 42);
	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		/* inline, one shot (no helper thread) */
		assert_int_equal(etk_hasher_new_flags(&h, masks[i], 0, &err),
		    ETK_OK);
		assert_int_equal(etk_hasher_update(h, b, n, &err), ETK_OK);
		assert_int_equal(etk_hasher_final(h, &one, &err), ETK_OK);
		etk_hasher_free(h);
		/* threaded, in uneven pieces, twice (reset after final) */
		assert_int_equal(etk_hasher_new(&h, masks[i], &err), ETK_OK);
		for (int round = 0; round < 2; round++) {
			for (off = 0, step = 1; off < n; off += step,
			    step = step * 7 + 1)
				assert_int_equal(etk_hasher_update(h, b + off,
				    step < n - off ? step : n - off, &err),
				    ETK_OK);
			assert_int_equal(etk_hasher_final(h, &split, &err),
			    ETK_OK);
			assert_memory_equal(&one, &split, sizeof(one));
		}
		/* threaded, big pieces (the helper thread runs) */
		for (off = 0; off < n; off += 1024 * 1024)
			assert_int_equal(etk_hasher_update(h, b + off,
			    n - off < 1024 * 1024 ? n - off : 1024 * 1024,
			    &err), ETK_OK);
		assert_int_equal(etk_hasher_final(h, &thr, &err), ETK_OK);
		assert_memory_equal(&one, &thr, sizeof(one));
		etk_hasher_free(h);
	}
	etk_hasher_free(NULL);
	free(b);
}

static void
test_digest_parse(void **state)
{
	struct etk_error err = { 0 };
	unsigned m = 99;

	(void)state;
	assert_int_equal(etk_digest_parse("SHA256,md5", &m, &err), ETK_OK);
	assert_int_equal(m, ETK_DIGEST_SHA256 | ETK_DIGEST_MD5);
	assert_int_equal(etk_digest_parse("md5,sha1,sha256,ssdeep", &m, &err),
	    ETK_OK);
	assert_int_equal(m, ETK_DIGEST_ALL);
	assert_int_equal(etk_digest_parse("md5,tiger", &m, &err), ETK_EINVAL);
	assert_non_null(strstr(err.msg, "'tiger'"));
	assert_int_equal(m, 0);
	assert_int_equal(etk_digest_parse("", &m, &err), ETK_EINVAL);
	assert_int_equal(etk_digest_parse("md5,", &m, &err), ETK_EINVAL);
	assert_int_equal(etk_digest_parse("md5,,sha1", &m, &err), ETK_EINVAL);
	assert_string_equal(etk_digest_names(ETK_DIGEST_ALL),
	    "md5,sha1,sha256,ssdeep");
	assert_string_equal(etk_digest_names(ETK_DIGEST_SHA256 |
	    ETK_DIGEST_MD5), "md5,sha256");
	assert_string_equal(etk_digest_names(0), "");
}

/* ---- content types ---- */

static void
test_magic(void **state)
{
	static const unsigned char jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 16,
	    'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0 };
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0,
	    1, 8, 2, 0, 0, 0 };
	struct etk_error err = { 0 };
	struct etk_magic *mg;
	char mime[128];

	(void)state;
	assert_int_equal(etk_magic_open(&mg, &err), ETK_OK);
	etk_magic_mime(mg, jpeg, sizeof(jpeg), mime, sizeof(mime));
	assert_string_equal(mime, "image/jpeg");
	etk_magic_mime(mg, png, sizeof(png), mime, sizeof(mime));
	assert_string_equal(mime, "image/png");
	etk_magic_mime(mg, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", 15, mime,
	    sizeof(mime));
	assert_string_equal(mime, "application/pdf");
	etk_magic_mime(mg, "hello world\n", 12, mime, sizeof(mime));
	assert_string_equal(mime, "text/plain");
	etk_magic_mime(mg, "", 0, mime, sizeof(mime));
	assert_string_equal(mime, "inode/x-empty");
	etk_magic_mime(mg, "\x01\x02\x03\xfe\xff\x00\x11", 7, mime,
	    sizeof(mime));
	assert_string_equal(mime, "application/octet-stream");
	/* truncated to the buffer */
	etk_magic_mime(mg, jpeg, sizeof(jpeg), mime, 6);
	assert_string_equal(mime, "image");
	etk_magic_close(mg);
	etk_magic_close(NULL);
}

static void
test_ext_mismatch(void **state)
{
	(void)state;
	/* contradictions */
	assert_int_equal(etk_ext_mismatch("evil.dll", "image/jpeg"), 1);
	assert_int_equal(etk_ext_mismatch("photo.jpg", "application/pdf"), 1);
	assert_int_equal(etk_ext_mismatch("a.JPG", "application/x-dosexec"),
	    1);
	assert_int_equal(etk_ext_mismatch("notes.txt", "image/png"), 1);
	assert_int_equal(etk_ext_mismatch("x.jpg", "text/plain"), 1);
	assert_int_equal(etk_ext_mismatch("msgstore.db", "image/jpeg"), 1);
	/* agreements */
	assert_int_equal(etk_ext_mismatch("photo.jpg", "image/jpeg"), 0);
	assert_int_equal(etk_ext_mismatch("photo.JPEG", "image/jpeg"), 0);
	assert_int_equal(etk_ext_mismatch("a.docx", "application/"
	    "vnd.openxmlformats-officedocument.wordprocessingml.document"), 0);
	assert_int_equal(etk_ext_mismatch("a.docx", "application/zip"), 0);
	assert_int_equal(etk_ext_mismatch("a.exe", "application/"
	    "vnd.microsoft.portable-executable"), 0);
	assert_int_equal(etk_ext_mismatch("a.csv", "text/csv"), 0);
	assert_int_equal(etk_ext_mismatch("a.log", "text/plain"), 0);
	assert_int_equal(etk_ext_mismatch("a.json", "application/json"), 0);
	assert_int_equal(etk_ext_mismatch("mmssms.db",
	    "application/vnd.sqlite3"), 0);
	assert_int_equal(etk_ext_mismatch("a.doc", "application/CDFV2"), 0);
	assert_int_equal(etk_ext_mismatch("Info.plist", "text/xml"), 0);
	assert_int_equal(etk_ext_mismatch("a.mov", "video/quicktime"), 0);
	/* nothing can be said */
	assert_int_equal(etk_ext_mismatch("a.jpg",
	    "application/octet-stream"), 0);
	assert_int_equal(etk_ext_mismatch("a.jpg", "inode/x-empty"), 0);
	assert_int_equal(etk_ext_mismatch("a.unknownext", "image/jpeg"), 0);
	assert_int_equal(etk_ext_mismatch("README", "image/jpeg"), 0);
	assert_int_equal(etk_ext_mismatch(".jpg", "application/pdf"), 0);
	assert_int_equal(etk_ext_mismatch("report.txt:Zone.Identifier",
	    "image/png"), 0);
	assert_int_equal(etk_ext_mismatch("dir.jpg/file", "image/png"), 0);
	assert_int_equal(etk_ext_mismatch(NULL, "image/png"), 0);
	assert_int_equal(etk_ext_mismatch("a.jpg", NULL), 0);
}

/* ---- sources ---- */

static void
test_hash_source(void **state)
{
	struct etk_error err = { 0 };
	struct etk_digests a, b;
	struct etk_source *src;
	size_t n = 3u * 1024 * 1024 + 17;
	unsigned char *buf;
	uint64_t got = 0;

	(void)state;
	assert_non_null(buf = malloc(n));
	fill(buf, n, 3);
	assert_int_equal(etk_source_open_mem(&src, buf, n, "mem", &err),
	    ETK_OK);
	assert_int_equal(etk_hash_source(src, ETK_DIGEST_MD5 |
	    ETK_DIGEST_SHA1 | ETK_DIGEST_SHA256, &a, &got, NULL, &err),
	    ETK_OK);
	assert_int_equal(got, n);
	oneshot(buf, n, ETK_DIGEST_MD5 | ETK_DIGEST_SHA1 | ETK_DIGEST_SHA256,
	    &b);
	assert_memory_equal(&a, &b, sizeof(a));
	etk_source_close(src);
	/* empty */
	assert_int_equal(etk_source_open_mem(&src, buf, 0, "mem", &err),
	    ETK_OK);
	assert_int_equal(etk_hash_source(src, 0, &a, &got, NULL, &err),
	    ETK_OK);
	assert_int_equal(got, 0);
	assert_string_equal(a.sha256, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	etk_source_close(src);
	free(buf);
}

/* ---- evidence ---- */

struct collect {
	struct etk_buf out;
	size_t n;
	size_t stop_after;	/* 0: never */
};

static int
collect_cb(const struct etk_hashed_file *f, void *arg)
{
	struct collect *c = arg;

	etk_buf_printf(&c->out, "%s %s %s %" PRIu64 " %d %s %s\n",
	    f->entry->locator, f->digests.sha256, f->digests.md5, f->bytes,
	    f->status, f->mime != NULL ? f->mime : "-",
	    f->reason != NULL ? f->reason : "-");
	c->n++;
	return c->stop_after != 0 && c->n >= c->stop_after;
}

static int
hash_ev(const char *path, int threads, uint64_t k, uint64_t n,
    struct collect *c)
{
	struct etk_error err = { 0 };
	struct etk_hash_opts o;

	memset(&o, 0, sizeof(o));
	o.digests = ETK_DIGEST_MD5 | ETK_DIGEST_SHA256;
	o.threads = threads;
	o.shard_k = k;
	o.shard_n = n;
	etk_buf_init(&c->out);
	c->n = 0;
	return etk_hash_evidence(path, &o, collect_cb, c, NULL, &err);
}

static char img[128];

static int
setup_image(void **state)
{
	(void)state;
	return 0;
}

static void
make_image(void)
{
	static int tried;

	if (tried)
		return;
	tried = 1;
	snprintf(img, sizeof(img), "%s/t.img", tmpdir);
	if (sh("command -v mke2fs >/dev/null && command -v debugfs "
	    ">/dev/null") != 0)
		return;
	/* 300 files of many sizes, a sparse file, small files (inline
	 * data), and a file with unwritten (fallocated) extents made by
	 * debugfs. */
	if (sh("cd %s && mkdir -p tree/a tree/b && i=0; while [ $i -lt 300 ]; "
	    "do head -c $(( (i * 7919) %% 300000 )) /dev/urandom > "
	    "tree/$([ $((i %% 2)) = 0 ] && echo a || echo b)/f$i.bin; "
	    "i=$((i+1)); done && printf tiny > tree/tiny.txt && "
	    "printf 'x%%.0s' $(seq 1 100) > tree/small.txt && "
	    "head -c 5000 /dev/urandom > tree/sparse.bin && "
	    "truncate -s 3000000 tree/sparse.bin && "
	    "printf tail | dd of=tree/sparse.bin bs=1 seek=2999996 "
	    "conv=notrunc 2>/dev/null && "
	    "mke2fs -q -t ext4 -O inline_data -b 4096 -d tree t.img 64M >/dev/null && "
	    "debugfs -w -R 'write /dev/null prealloc' t.img >/dev/null 2>&1 &&"
	    " debugfs -w -R 'fallocate /prealloc 0 9' t.img >/dev/null 2>&1 &&"
	    " debugfs -w -R 'sif /prealloc size 40000' t.img >/dev/null 2>&1",
	    tmpdir) != 0)
		return;
	have_image = 1;
}

static void
test_evidence_order(void **state)
{
	struct collect c1, c2, c8;

	(void)state;
	make_image();
	if (!have_image)
		skip();
	assert_int_equal(hash_ev(img, 1, 0, 0, &c1), ETK_OK);
	assert_int_equal(hash_ev(img, 2, 0, 0, &c2), ETK_OK);
	assert_int_equal(hash_ev(img, 8, 0, 0, &c8), ETK_OK);
	assert_true(c1.n >= 304);
	assert_int_equal(c1.n, c2.n);
	assert_int_equal(c1.n, c8.n);
	assert_string_equal(c1.out.data, c2.out.data);
	assert_string_equal(c1.out.data, c8.out.data);
	etk_buf_release(&c1.out);
	etk_buf_release(&c2.out);
	etk_buf_release(&c8.out);
}

/* Every file's SHA-256 equals that of the file in the tree (and the
 * fallocated file hashes as 40000 zero bytes, as the kernel reads it). */
static void
test_evidence_content(void **state)
{
	struct collect c;
	char line[1024], loc[512], sha[80], md5[40], path[700];
	FILE *fp;
	size_t checked = 0;

	(void)state;
	make_image();
	if (!have_image)
		skip();
	assert_int_equal(hash_ev(img, 2, 0, 0, &c), ETK_OK);
	snprintf(path, sizeof(path), "%s/list.txt", tmpdir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(c.out.data, fp);
	fclose(fp);
	assert_int_equal(sh("cd %s && (cd tree && find . -type f | sed "
	    "'s|^\\./||' | sort | while read -r f; do printf '%%s %%s\\n' "
	    "\"$f\" \"$(sha256sum < \"$f\" | cut -d' ' -f1)\"; done) "
	    "> want.txt && head -c 40000 /dev/zero | sha256sum | "
	    "cut -d' ' -f1 | sed 's/^/prealloc /' >> want.txt", tmpdir), 0);
	snprintf(path, sizeof(path), "%s/want.txt", tmpdir);
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof(line), fp) != NULL) {
		char want[600], *p;

		assert_int_equal(sscanf(line, "%511s %79s", loc, sha), 2);
		snprintf(want, sizeof(want), "t.img:/%s %s ", loc, sha);
		p = strstr(c.out.data, want);
		if (p == NULL)
			print_error("no match for %s", want);
		assert_non_null(p);
		checked++;
	}
	fclose(fp);
	assert_true(checked >= 304);
	(void)md5;
	etk_buf_release(&c.out);
}

static void
test_evidence_shards_stop(void **state)
{
	struct collect all, s0, s1, s2, stop;
	size_t n;

	(void)state;
	make_image();
	if (!have_image)
		skip();
	assert_int_equal(hash_ev(img, 2, 0, 0, &all), ETK_OK);
	assert_int_equal(hash_ev(img, 2, 0, 3, &s0), ETK_OK);
	assert_int_equal(hash_ev(img, 2, 1, 3, &s1), ETK_OK);
	assert_int_equal(hash_ev(img, 2, 2, 3, &s2), ETK_OK);
	n = s0.n + s1.n + s2.n;
	assert_int_equal(n, all.n);
	assert_true(s0.n > 0 && s1.n > 0 && s2.n > 0);
	/* The callback stops the run. */
	memset(&stop, 0, sizeof(stop));
	stop.stop_after = 5;
	assert_int_equal(hash_ev(img, 4, 0, 0, &stop), ETK_OK);
	assert_int_equal(stop.n, 5);
	etk_buf_release(&all.out);
	etk_buf_release(&s0.out);
	etk_buf_release(&s1.out);
	etk_buf_release(&s2.out);
	etk_buf_release(&stop.out);
}

/* Heap in use during a walk does not grow with the number of files:
 * 10 times the files, about the same peak (the ring holds at most
 * 4 * threads + 16 files). */
struct heapwatch {
	size_t n;
	size_t peak;
};

static int
heap_cb(const struct etk_hashed_file *f, void *arg)
{
	struct heapwatch *h = arg;
	struct mallinfo2 mi = mallinfo2();

	(void)f;
	if (mi.uordblks > h->peak)
		h->peak = mi.uordblks;
	h->n++;
	return 0;
}

static size_t
heap_peak(const char *dir, size_t nfiles)
{
	struct etk_error err = { 0 };
	struct etk_hash_opts o;
	struct heapwatch h = { 0, 0 };
	char path[256];
	size_t i;
	FILE *fp;

	for (i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/d%03zu", dir, i / 100);
		if (i % 100 == 0)
			assert_int_equal(mkdir(path, 0755), 0);
		snprintf(path, sizeof(path), "%s/d%03zu/f%05zu", dir, i / 100,
		    i);
		assert_non_null(fp = fopen(path, "w"));
		fprintf(fp, "%zu\n", i);
		fclose(fp);
	}
	memset(&o, 0, sizeof(o));
	o.threads = 2;
	o.no_mime = 1;
	assert_int_equal(etk_hash_evidence(dir, &o, heap_cb, &h, NULL, &err),
	    ETK_OK);
	assert_int_equal(h.n, nfiles);
	return h.peak;
}

static void
test_evidence_bounded(void **state)
{
	char d1[128], d2[128];
	size_t small, big;

	(void)state;
	snprintf(d1, sizeof(d1), "%s/few", tmpdir);
	snprintf(d2, sizeof(d2), "%s/many", tmpdir);
	assert_int_equal(mkdir(d1, 0755), 0);
	assert_int_equal(mkdir(d2, 0755), 0);
	small = heap_peak(d1, 1000);
	big = heap_peak(d2, 10000);
	if (small == 0)
		skip();		/* no mallinfo2 numbers (sanitizer) */
	print_message("heap peak: %zu bytes for 1000 files, %zu for 10000\n",
	    small, big);
	assert_true(big < small + 1024 * 1024);
}

static void
test_evidence_errors(void **state)
{
	struct etk_error err = { 0 };
	struct etk_hash_opts o;
	struct collect c;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.threads = 2;
	etk_buf_init(&c.out);
	c.n = 0;
	c.stop_after = 0;
	assert_int_not_equal(etk_hash_evidence("/nonexistent/x.img", &o,
	    collect_cb, &c, NULL, &err), ETK_OK);
	assert_non_null(strstr(err.msg, "x.img"));
	assert_int_equal(c.n, 0);
	o.shard_k = 3;
	o.shard_n = 3;
	assert_int_equal(etk_hash_evidence("/nonexistent/x.img", &o,
	    collect_cb, &c, NULL, &err), ETK_EINVAL);
	assert_int_equal(etk_hash_evidence("/", NULL, NULL, NULL, NULL,
	    &err), ETK_EINVAL);
	etk_buf_release(&c.out);
}

/* The shared fixtures: the deleted file of fs.ext4 has no digest, the
 * deleted picture of sd.raw has icat's. */
static void
test_fixtures(void **state)
{
	const char *d = getenv("ETK_FIXTURES");
	char path[512];
	struct collect c;

	(void)state;
	if (d == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/fs.ext4", d);
	if (access(path, R_OK) != 0)
		skip();
	memset(&c, 0, sizeof(c));
	assert_int_equal(hash_ev(path, 2, 0, 0, &c), ETK_OK);
	assert_non_null(strstr(c.out.data, "fs.ext4:i22   0 -7 - content "
	    "not recoverable: size 0 after deletion\n"));
	etk_buf_release(&c.out);
	snprintf(path, sizeof(path), "%s/sd.raw", d);
	assert_int_equal(hash_ev(path, 2, 0, 0, &c), ETK_OK);
	assert_non_null(strstr(c.out.data, "sd.raw:p2:i38 bd44b8051d30f682"
	    "afb6a3c9ae599c7ecf22da4ff0f025ecaa8f06af2f7e683f "
	    "b995d88ccf6fb85e18b23aad32419f0b 829 0 image/jpeg -\n"));
	etk_buf_release(&c.out);
}

/* The plan counts what etk_hash_evidence hashes: the files with status
 * ETK_OK, and their bytes (no skipped or unreadable one), per shard. */
struct tally {
	uint64_t files, bytes;
};

static int
tally_cb(const struct etk_hashed_file *f, void *arg)
{
	struct tally *t = arg;

	if (f->status == ETK_OK || f->reason == NULL ||
	    strncmp(f->reason, "content not recoverable", 23) != 0) {
		t->files++;
		t->bytes += f->entry->size;
	}
	return 0;
}

static void
test_plan(void **state)
{
	const char *d = getenv("ETK_FIXTURES");
	static const char *const names[] = { "sd.raw", "fs.ext4",
	    "phone.raw", "ios-ffs.zip" };
	struct etk_error err = { 0 };
	struct etk_hash_opts o;
	struct tally t;
	uint64_t nf, nb, k;
	char path[512];
	size_t i;

	(void)state;
	if (d == NULL)
		skip();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", d, names[i]);
		if (access(path, R_OK) != 0)
			continue;
		for (k = 0; k < 3; k++) {
			memset(&o, 0, sizeof(o));
			o.threads = 2;
			o.no_mime = 1;
			o.shard_k = k;
			o.shard_n = k == 0 ? 0 : 2;
			if (k > 0)
				o.shard_k = k - 1;
			memset(&t, 0, sizeof(t));
			assert_int_equal(etk_hash_evidence(path, &o, tally_cb,
			    &t, NULL, &err), ETK_OK);
			assert_int_equal(etk_hash_plan(path, &o, &nf, &nb,
			    &err), ETK_OK);
			assert_true(t.files > 0 || o.shard_n > 0);
			assert_int_equal(nf, t.files);
			assert_int_equal(nb, t.bytes);
		}
	}
	assert_int_not_equal(etk_hash_plan("/nonexistent/x.img", &o, &nf, &nb,
	    &err), ETK_OK);
}

static int
group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/etk-test-hash.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (tmpdir[0] != '\0' && getenv("ETK_TEST_KEEP") == NULL)
		sh("rm -rf '%s'", tmpdir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_split_and_threaded),
		cmocka_unit_test(test_digest_parse),
		cmocka_unit_test(test_magic),
		cmocka_unit_test(test_ext_mismatch),
		cmocka_unit_test(test_hash_source),
		cmocka_unit_test_setup(test_evidence_order, setup_image),
		cmocka_unit_test(test_evidence_content),
		cmocka_unit_test(test_evidence_shards_stop),
		cmocka_unit_test(test_evidence_bounded),
		cmocka_unit_test(test_evidence_errors),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_plan),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
