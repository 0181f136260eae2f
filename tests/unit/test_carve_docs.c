/*
 * Unit tests for the document, archive and database validators
 * (lib/carve/v_pdf.c, v_zip.c, v_sqlite.c, v_ole.c, v_rtf.c, v_7z.c,
 * v_gzip.c, v_bplist.c, v_wal.c) through struct cv_format and a memory
 * struct cv_src.
 *
 * tests/data/carve/gen_docs.py builds the samples at test time (PDFs
 * with incremental updates, ZIP family members made by Python's
 * zipfile and Info-ZIP, an APK with a signing block, SQLite databases
 * and write-ahead logs by sqlite3, binary plists by plistlib,
 * hand-built OLE2, RTF and 7z).
 * Each is placed at an odd offset inside random bytes and must come out
 * COMPLETE with its exact length and type; a copy cut by the window end
 * must be TRUNCATED; damaged copies CORRUPT or NO; hostile headers must
 * answer fast.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "carve/carve_int.h"
#include "carve/v_docs.h"

static char tmpdir[64];

struct mem {
	const unsigned char *buf;
	size_t len;
	size_t reads;		/* bytes handed out */
};

static int
mem_read(void *ctx, uint64_t off, void *buf, size_t len, size_t *got)
{
	struct mem *m = ctx;

	*got = 0;
	if (off >= m->len)
		return 0;
	if (len > m->len - off)
		len = m->len - off;
	memcpy(buf, m->buf + off, len);
	m->reads += len;
	*got = len;
	return 0;
}

static void
mem_src(struct cv_src *s, struct mem *m, const unsigned char *buf,
    size_t len)
{
	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->len = len;
	s->read = mem_read;
	s->ctx = m;
	s->end = len;
	s->cluster = 512;
}

static unsigned char *
load(const char *name, size_t *len)
{
	char path[512];
	unsigned char *buf;
	struct stat st;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((fp = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fstat(fileno(fp), &st), 0);
	*len = (size_t)st.st_size;
	buf = malloc(*len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, *len, fp), *len);
	fclose(fp);
	return buf;
}

static void
fill_random(unsigned char *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
}

#define PRE	1001		/* odd offset of the sample */
#define POST	4099

/* The sample inside random bytes: PRE random, the file, POST random. */
static unsigned char *
embed(const unsigned char *f, size_t len, size_t *total)
{
	unsigned char *b;

	*total = PRE + len + POST;
	b = malloc(*total);
	assert_non_null(b);
	fill_random(b, PRE, 7);
	memcpy(b + PRE, f, len);
	fill_random(b + PRE + len, POST, 11);
	return b;
}

static enum cv_status
run(const struct cv_format *fmt, const unsigned char *b, size_t blen,
    uint64_t off, uint64_t max, struct cv_result *r)
{
	struct cv_src s;
	struct mem m;
	enum cv_status st;

	mem_src(&s, &m, b, blen);
	memset(r, 0xa5, sizeof(*r));
	st = fmt->validate(&s, off, max, r);
	assert_int_equal(st, r->status);
	if (st == CV_NO)
		assert_int_equal(r->len, 0);
	else {
		assert_true(r->len <= max);
		assert_true(off + r->len <= blen);
	}
	assert_true(r->nfrag <= CV_MAXFRAG);
	return st;
}

/*
 * The sample name, embedded at PRE: COMPLETE, its exact size and ext
 * (NULL: the format's own); cut one byte short and at half: TRUNCATED;
 * the window cut by max: TRUNCATED.
 */
static void
check_sample(const struct cv_format *fmt, const char *name, const char *ext)
{
	struct cv_result r;
	unsigned char *f, *b;
	size_t len, blen, cut = 1;

	/* A PDF or RTF without its final line end is still whole. */
	if (fmt == &cv_fmt_pdf || fmt == &cv_fmt_rtf)
		cut = 8;
	f = load(name, &len);
	b = embed(f, len, &blen);
	if (run(fmt, b, blen, PRE, (uint64_t)1 << 30, &r) != CV_COMPLETE)
		fail_msg("%s: status %d, len %llu (size %zu)", name,
		    (int)r.status, (unsigned long long)r.len, len);
	if (r.len != len)
		fail_msg("%s: len %llu, size %zu", name,
		    (unsigned long long)r.len, len);
	if (ext == NULL)
		assert_null(r.ext);
	else {
		if (r.ext == NULL || strcmp(r.ext, ext) != 0)
			fail_msg("%s: ext %s, want %s", name,
			    r.ext ? r.ext : "(null)", ext);
	}
	/* At the start of the source, with nothing after it. */
	assert_int_equal(run(fmt, f, len, 0, len, &r), CV_COMPLETE);
	assert_int_equal(r.len, len);

	/* Cut by the window end. */
	assert_int_equal(run(fmt, b, PRE + len - cut, PRE, (uint64_t)1 << 30,
	    &r), CV_TRUNCATED);
	assert_int_equal(r.len, len - cut);
	if (len / 2 > 64) {
		assert_int_equal(run(fmt, b, PRE + len / 2, PRE,
		    (uint64_t)1 << 30, &r), CV_TRUNCATED);
		assert_int_equal(r.len, len / 2);
	}
	/* Cut by max. */
	assert_int_equal(run(fmt, b, blen, PRE, len - cut, &r), CV_TRUNCATED);
	assert_int_equal(r.len, len - cut);
	/* Not at a neighbouring offset. */
	assert_int_equal(run(fmt, b, blen, PRE + 1, (uint64_t)1 << 30, &r),
	    CV_NO);
	assert_int_equal(run(fmt, b, blen, PRE - 1, (uint64_t)1 << 30, &r),
	    CV_NO);
	free(b);
	free(f);
}

/* A damaged copy (patch applied at file offset at) is not COMPLETE. */
static enum cv_status
check_damaged(const struct cv_format *fmt, const char *name, size_t at,
    const void *patch, size_t plen, struct cv_result *r)
{
	unsigned char *f, *b;
	size_t len, blen;
	enum cv_status st;

	f = load(name, &len);
	assert_true(at + plen <= len);
	memcpy(f + at, patch, plen);
	b = embed(f, len, &blen);
	st = run(fmt, b, blen, PRE, (uint64_t)1 << 30, r);
	if (st == CV_COMPLETE)
		fail_msg("%s damaged at %zu: COMPLETE", name, at);
	free(b);
	free(f);
	return st;
}

/* Offset of the n-th (0-based) occurrence of pat in the sample. */
static size_t
find_in(const char *name, const char *pat, size_t plen, int n)
{
	unsigned char *f;
	size_t len, i;

	f = load(name, &len);
	for (i = 0; i + plen <= len; i++)
		if (memcmp(f + i, pat, plen) == 0 && n-- == 0) {
			free(f);
			return i;
		}
	free(f);
	fail_msg("%s: pattern not found", name);
	return 0;
}

static int
have(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return access(path, R_OK) == 0;
}

static size_t
sample_len(const char *name)
{
	unsigned char *f;
	size_t len;

	f = load(name, &len);
	free(f);
	return len;
}

/* ------------------------------------------------------------ PDF */

static void
test_pdf(void **state)
{
	struct cv_result r;
	size_t at, len;

	(void)state;
	check_sample(&cv_fmt_pdf, "a.pdf", NULL);
	/* Incremental updates: the end is the last %%EOF (+ CRLF). */
	check_sample(&cv_fmt_pdf, "inc.pdf", NULL);
	check_sample(&cv_fmt_pdf, "inc2.pdf", NULL);

	/* Cut right after the first %%EOF: the update is missing, but the
	 * window ends, so the rest may follow: TRUNCATED. */
	at = find_in("inc.pdf", "%%EOF\n", 6, 0) + 6;
	{
		unsigned char *f = load("inc.pdf", &len), *b;
		size_t blen;

		b = embed(f, len, &blen);
		/* The update overwritten by zeros: the first revision. */
		memset(b + PRE + at, 0, len - at);
		assert_int_equal(run(&cv_fmt_pdf, b, blen, PRE,
		    (uint64_t)1 << 30, &r), CV_COMPLETE);
		assert_int_equal(r.len, at);
		/* Another PDF right after the first revision. */
		memcpy(b + PRE + at, "%PDF-1.5\n1 0 obj\n", 17);
		assert_int_equal(run(&cv_fmt_pdf, b, blen, PRE,
		    (uint64_t)1 << 30, &r), CV_COMPLETE);
		assert_int_equal(r.len, at);
		free(b);
		free(f);
	}

	/* startxref pointing elsewhere: CORRUPT, same length. */
	at = find_in("a.pdf", "startxref\n", 10, 0) + 10;
	assert_int_equal(check_damaged(&cv_fmt_pdf, "a.pdf", at, "1", 1, &r),
	    CV_CORRUPT);
	assert_int_equal(r.len, sample_len("a.pdf"));
	/* No %%EOF at all: TRUNCATED at the window end only. */
	at = find_in("a.pdf", "%%EOF", 5, 0);
	assert_int_equal(check_damaged(&cv_fmt_pdf, "a.pdf", at, "%%EOX", 5,
	    &r), CV_TRUNCATED);
	assert_int_equal(r.len, PRE + sample_len("a.pdf") + POST - PRE);
}

static void
test_pdf_decoys(void **state)
{
	static const char text[] = "%PDF-1.7 mentioned in a log line\n";
	char *b;
	struct cv_result r;
	size_t n, i;

	(void)state;
	/* The bench decoy: header quoted in text, %%EOF much later. */
	n = strlen(text) + 300 * 12 + 6 + 500 * 12;
	b = malloc(n + 1);
	assert_non_null(b);
	strcpy(b, text);
	for (i = 0; i < 300; i++)
		strcat(b, "lorem ipsum\n");
	strcat(b, "%%EOF\n");
	for (i = 0; i < 500; i++)	/* then more text */
		strcat(b, "lorem ipsum\n");
	assert_int_equal(run(&cv_fmt_pdf, (unsigned char *)b, n, 0, n, &r),
	    CV_NO);
	/* A header line, but text, not objects, then %%EOF. */
	memcpy(b, "%PDF-1.4\n", 9);
	assert_int_equal(run(&cv_fmt_pdf, (unsigned char *)b, n, 0, n, &r),
	    CV_NO);
	/* %%EOF without startxref after an object: not a PDF. */
	memcpy(b + 9, "1 0 obj\n", 8);
	assert_int_equal(run(&cv_fmt_pdf, (unsigned char *)b, n, 0, n, &r),
	    CV_TRUNCATED);
	free(b);
}

/* ------------------------------------------------------------ ZIP */

static void
test_zip(void **state)
{
	(void)state;
	check_sample(&cv_fmt_zip, "plain.zip", NULL);	/* + comment */
	check_sample(&cv_fmt_zip, "stream.zip", NULL);	/* descriptors */
	check_sample(&cv_fmt_zip, "z64.zip", NULL);	/* ZIP64 extra */
	if (have("z64e.zip"))	/* made when Info-ZIP's zip is there */
		check_sample(&cv_fmt_zip, "z64e.zip", NULL);	/* ZIP64 EOCD */
	check_sample(&cv_fmt_zip, "nest.zip", NULL);
	check_sample(&cv_fmt_zip, "d.docx", "docx");
	check_sample(&cv_fmt_zip, "x.xlsx", "xlsx");
	check_sample(&cv_fmt_zip, "p.pptx", "pptx");
	check_sample(&cv_fmt_zip, "o.odt", "odt");
	check_sample(&cv_fmt_zip, "s.ods", "ods");
	check_sample(&cv_fmt_zip, "e.epub", "epub");
	check_sample(&cv_fmt_zip, "a.apk", "apk");
	check_sample(&cv_fmt_zip, "sig.apk", "apk");	/* signing block */
	check_sample(&cv_fmt_zip, "j.jar", "jar");
}

/* Every member header after the first must fail as an archive start;
 * a stored inner ZIP is an archive of its own. */
static void
test_zip_members(void **state)
{
	static const char *names[] = { "plain.zip", "stream.zip", "z64.zip",
	    "z64e.zip", "d.docx", "o.odt", "a.apk", "sig.apk", "nest.zip" };
	struct cv_result r;
	unsigned char *f, *b;
	size_t len, blen, i, k, nmem, inner = 0;
	enum cv_status st;

	(void)state;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (!have(names[k]))
			continue;
		f = load(names[k], &len);
		b = embed(f, len, &blen);
		nmem = 0;
		for (i = 1; i + 4 <= len; i++) {
			if (memcmp(f + i, "PK\3\4", 4) != 0)
				continue;
			st = run(&cv_fmt_zip, b, blen, PRE + i,
			    (uint64_t)1 << 30, &r);
			if (st == CV_COMPLETE && strcmp(names[k],
			    "nest.zip") == 0) {
				inner++;	/* the stored inner.zip */
				continue;
			}
			if (st != CV_NO)
				fail_msg("%s: member at %zu: status %d",
				    names[k], i, (int)st);
			nmem++;
		}
		assert_true(nmem >= 1);
		free(b);
		free(f);
	}
	assert_int_equal(inner, 1);
}

static void
test_zip_damaged(void **state)
{
	struct cv_result r;
	size_t at, len = sample_len("plain.zip");
	unsigned char z4[4] = { 0xff, 0xff, 0xff, 0x7f };

	(void)state;
	/* The directory offset in the EOCD points outside the window. */
	at = find_in("plain.zip", "PK\5\6", 4, 0);
	assert_int_equal(check_damaged(&cv_fmt_zip, "plain.zip", at + 16, z4,
	    4, &r), CV_NO);
	/* A directory entry's local offset points elsewhere. */
	at = find_in("plain.zip", "PK\1\2", 4, 1);
	assert_int_equal(check_damaged(&cv_fmt_zip, "plain.zip", at + 42, z4,
	    4, &r), CV_CORRUPT);
	/* Junk instead of the second member: CORRUPT after the first. */
	at = find_in("plain.zip", "PK\3\4", 4, 1);
	assert_int_equal(check_damaged(&cv_fmt_zip, "plain.zip", at, "JUNK",
	    4, &r), CV_CORRUPT);
	assert_int_equal(r.len, at);
	/* Random bytes over the stored member's data: its CRC fails. */
	at = find_in("plain.zip", "PK\3\4", 4, 1);
	{
		unsigned char junk[64];

		fill_random(junk, sizeof(junk), 17);
		assert_int_equal(check_damaged(&cv_fmt_zip, "plain.zip",
		    at + 30 + 5 + 1000, junk, sizeof(junk), &r), CV_CORRUPT);
		assert_int_equal(r.len, at);
	}
	/* Cut in the stored member and followed by other bytes (the
	 * bench's "truncated" scenario): the prefix before it. */
	{
		unsigned char *f = load("plain.zip", &len), *b;
		size_t blen;

		b = embed(f, len, &blen);
		fill_random(b + PRE + at + 30 + 5 + 2500,
		    blen - (PRE + at + 30 + 5 + 2500), 23);
		assert_int_equal(run(&cv_fmt_zip, b, blen, PRE,
		    (uint64_t)1 << 30, &r), CV_CORRUPT);
		assert_int_equal(r.len, at);
		free(b);
		free(f);
	}
	/* A huge compressed size in the first member: TRUNCATED at the
	 * window, never a read outside it. */
	assert_int_equal(check_damaged(&cv_fmt_zip, "plain.zip", 18, z4, 4,
	    &r), CV_TRUNCATED);
	assert_int_equal(r.len, len + POST);
	/* The bench decoy: a local header then random bytes. */
	{
		unsigned char d[12000];

		fill_random(d, sizeof(d), 3);
		memcpy(d, "PK\3\4\x14\0\0\0\x08\0", 10);
		assert_int_equal(run(&cv_fmt_zip, d, sizeof(d), 0,
		    sizeof(d), &r), CV_NO);
	}
}

/* ------------------------------------------------------------ SQLite */

static void
test_sqlite(void **state)
{
	struct cv_result r;
	unsigned char be[4] = { 0x7f, 0xff, 0xff, 0xff };
	unsigned char junk[4096];
	size_t len = sample_len("a.sqlite");

	(void)state;
	check_sample(&cv_fmt_sqlite, "a.sqlite", NULL);
	check_sample(&cv_fmt_sqlite, "b.sqlite", NULL);	/* autovacuum */
	check_sample(&cv_fmt_sqlite, "c.sqlite", NULL);	/* 64 KiB pages */

	/* 2^31 pages: the random bytes after the file are no pages:
	 * CORRUPT there, fast. */
	assert_int_equal(check_damaged(&cv_fmt_sqlite, "a.sqlite", 28, be, 4,
	    &r), CV_CORRUPT);
	assert_int_equal(r.len, len);
	/* ... and TRUNCATED at the window end when nothing follows. */
	{
		unsigned char *f = load("a.sqlite", &len);
		struct cv_src s;
		struct mem m;

		memcpy(f + 28, be, 4);
		mem_src(&s, &m, f, len);
		assert_int_equal(cv_fmt_sqlite.validate(&s, 0,
		    (uint64_t)1 << 40, &r), CV_TRUNCATED);
		assert_int_equal(r.len, len);
		assert_true(m.reads < 100 * 1024);	/* a sample */
		free(f);
	}
	/* A page overwritten by random bytes: CORRUPT there. */
	fill_random(junk, sizeof(junk), 99);
	junk[0] = 0xee;
	junk[1] = 0xee;
	assert_int_equal(check_damaged(&cv_fmt_sqlite, "a.sqlite", 4096 * 3,
	    junk, sizeof(junk), &r), CV_CORRUPT);
	assert_int_equal(r.len, 4096 * 3);
	/* The bench decoy: page size 0x1234. */
	{
		unsigned char d[8100];

		fill_random(d, sizeof(d), 5);
		memcpy(d, "SQLite format 3\0\x12\x34", 18);
		assert_int_equal(run(&cv_fmt_sqlite, d, sizeof(d), 0,
		    sizeof(d), &r), CV_NO);
	}
}

/* ------------------------------------------------------------ OLE2 */

static void
test_ole(void **state)
{
	struct cv_result r;
	unsigned char v[4];

	(void)state;
	check_sample(&cv_fmt_ole, "a.doc", "doc");
	check_sample(&cv_fmt_ole, "a.xls", "xls");
	check_sample(&cv_fmt_ole, "a.msg", "msg");	/* 4096-byte sectors */
	check_sample(&cv_fmt_ole, "a.ole", NULL);

	/* A FAT loop in the directory chain: CORRUPT, fast. */
	v[0] = 1; v[1] = v[2] = v[3] = 0;
	assert_int_equal(check_damaged(&cv_fmt_ole, "a.doc", 512 + 4, v, 4,
	    &r), CV_CORRUPT);
	/* A FAT sector number far outside. */
	v[0] = v[1] = v[2] = 0x10; v[3] = 0;
	assert_int_equal(check_damaged(&cv_fmt_ole, "a.doc", 76, v, 4, &r),
	    CV_TRUNCATED);
	/* A FAT entry pointing past the FAT. */
	v[0] = v[1] = 0x10; v[2] = v[3] = 0;
	assert_int_equal(check_damaged(&cv_fmt_ole, "a.doc", 512 + 8, v, 4,
	    &r), CV_CORRUPT);
	/* Bad byte order mark. */
	v[0] = v[1] = 0;
	assert_int_equal(check_damaged(&cv_fmt_ole, "a.doc", 28, v, 2, &r),
	    CV_NO);
}

/* ------------------------------------------------------------ others */

static void
test_rtf(void **state)
{
	struct cv_result r;
	size_t len = sample_len("a.rtf");

	(void)state;
	check_sample(&cv_fmt_rtf, "a.rtf", NULL);
	/* A NUL in the body: CORRUPT there. */
	assert_int_equal(check_damaged(&cv_fmt_rtf, "a.rtf", len - 40, "\0",
	    1, &r), CV_CORRUPT);
	assert_int_equal(r.len, len - 40);
}

static void
test_7z_gzip(void **state)
{
	struct cv_result r;
	size_t len;

	(void)state;
	check_sample(&cv_fmt_7z, "a.7z", NULL);
	check_sample(&cv_fmt_gzip, "a.gz", NULL);
	check_sample(&cv_fmt_gzip, "t.tar.gz", "tar.gz");
	/* Next header CRC wrong: CORRUPT. */
	len = sample_len("a.7z");
	assert_int_equal(check_damaged(&cv_fmt_7z, "a.7z", len - 1, "\1", 1,
	    &r), CV_CORRUPT);
	/* Start header CRC wrong: NO. */
	assert_int_equal(check_damaged(&cv_fmt_7z, "a.7z", 12, "\1", 1, &r),
	    CV_NO);
	/* gzip trailer CRC wrong: CORRUPT. */
	len = sample_len("a.gz");
	assert_int_equal(check_damaged(&cv_fmt_gzip, "a.gz", len - 8, "\0\0",
	    2, &r), CV_CORRUPT);
}

static void
test_bplist(void **state)
{
	struct cv_result r;
	size_t at, len = sample_len("b.plist");
	unsigned char one = 1;

	(void)state;
	check_sample(&cv_fmt_bplist, "a.plist", NULL);
	check_sample(&cv_fmt_bplist, "b.plist", NULL);
	/* The offset table points outside the objects: CORRUPT. */
	at = len - 32 - 1;	/* last byte of the last offset entry */
	assert_int_equal(check_damaged(&cv_fmt_bplist, "b.plist", at - 1,
	    "\xff", 1, &r), CV_CORRUPT);
	/* A damaged trailer: no end found before the window does. */
	assert_int_equal(check_damaged(&cv_fmt_bplist, "b.plist", len - 26,
	    &one, 1, &r), CV_TRUNCATED);
}

static void
test_wal(void **state)
{
	struct cv_result r;
	unsigned char x = 0x55;

	(void)state;
	check_sample(&cv_fmt_sqlite_wal, "a.wal", NULL);
	/* Rewritten after a checkpoint: older frames follow. */
	check_sample(&cv_fmt_sqlite_wal, "b.wal", NULL);
	/* The header checksum catches a changed salt. */
	assert_int_equal(check_damaged(&cv_fmt_sqlite_wal, "a.wal", 17, &x, 1,
	    &r), CV_NO);
	/* A changed byte in frame 3's page: CORRUPT after frame 2. */
	assert_int_equal(check_damaged(&cv_fmt_sqlite_wal, "a.wal",
	    32 + 2 * 1048 + 100, &x, 1, &r), CV_CORRUPT);
	assert_int_equal(r.len, 32 + 2 * 1048);
}

/* Every format refuses random bytes and all-zero bytes quickly. */
static void
test_registry(void **state)
{
	const struct cv_format *all[256];
	struct cv_result r;
	unsigned char *b;
	size_t n, i, nd = 0;

	(void)state;
	n = etk_cv_all(all, 256);
	assert_true(n <= 256);
	for (i = 0; etk_cv_formats_docs[i] != NULL; i++)
		nd++;
	/* the nine of v_docs.h at least (more are added in their own
	 * files) */
	assert_true(nd >= 9);
	b = calloc(1, 1 << 16);
	assert_non_null(b);
	for (i = 0; i < nd; i++) {
		const struct cv_format *f = etk_cv_formats_docs[i];

		assert_true(f->magic_len >= 2);	/* the contract */
		assert_non_null(f->validate);
		assert_int_equal(run(f, b, 1 << 16, 100, 1 << 16, &r), CV_NO);
		fill_random(b, 1 << 16, (unsigned)i);
		assert_int_equal(run(f, b, 1 << 16, 100, 1 << 16, &r), CV_NO);
		memset(b, 0, 1 << 16);
	}
	free(b);
}

static int
setup(void **state)
{
	const char *src = getenv("ETK_SRC");
	char cmd[1024];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/etk-carve-docs-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	if (src != NULL)
		snprintf(cmd, sizeof(cmd),
		    "python3 %s/tests/data/carve/gen_docs.py %s", src, tmpdir);
	else	/* __FILE__ is .../tests/unit/test_carve_docs.c */
		snprintf(cmd, sizeof(cmd),
		    "python3 %.*s/../data/carve/gen_docs.py %s",
		    (int)(strrchr(__FILE__, '/') - __FILE__), __FILE__, tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pdf),
		cmocka_unit_test(test_pdf_decoys),
		cmocka_unit_test(test_zip),
		cmocka_unit_test(test_zip_members),
		cmocka_unit_test(test_zip_damaged),
		cmocka_unit_test(test_sqlite),
		cmocka_unit_test(test_ole),
		cmocka_unit_test(test_rtf),
		cmocka_unit_test(test_7z_gzip),
		cmocka_unit_test(test_bplist),
		cmocka_unit_test(test_wal),
		cmocka_unit_test(test_registry),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
