/*
 * Unit tests for the picture/audio/video carving validators (v_*.c):
 * each sample file is placed inside random bytes at an odd offset and
 * must come back with its exact length and COMPLETE; cut copies are
 * TRUNCATED, damaged ones CORRUPT; an EXIF thumbnail and an animated
 * GIF do not end the file early; a bifragment JPEG comes back as its
 * two pieces (also reversed, with a zeroed gap, with restart markers);
 * MP3, Ogg, Matroska/WebM and ASF files built byte by byte are walked to
 * their end; decoys and hostile headers are refused quickly.  Samples
 * are written at test time by carve_media_gen.py (python3; the JPEG,
 * GIF, TIFF and WebP ones need ImageMagick's convert, else skipped).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "carve/carve_int.h"

#define CL	4096

static char tmpdir[64];
static int have_gen;

struct mem {
	const unsigned char *b;
	uint64_t n;
};

static int
memread(void *ctx, uint64_t off, void *buf, size_t len, size_t *got)
{
	const struct mem *m = ctx;

	*got = 0;
	if (off >= m->n)
		return 0;
	if (len > m->n - off)
		len = (size_t)(m->n - off);
	memcpy(buf, m->b + off, len);
	*got = len;
	return 0;
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

static const struct cv_format *
fmt(const char *type)
{
	const struct cv_format *const *f;

	for (f = etk_cv_formats_media; *f != NULL; f++)
		if (strcmp((*f)->type, type) == 0)
			return *f;
	fail_msg("no format %s", type);
	return NULL;
}

/* Validate at the candidate off of buf[0..n) with the window ending at
 * end; the anchor must be where the format says. */
static enum cv_status
run(const struct cv_format *f, const unsigned char *buf, uint64_t n,
    uint64_t end, uint64_t off, struct cv_result *r)
{
	struct mem m = { buf, end < n ? end : n };
	struct cv_src s = { memread, &m, end < n ? end : n, CL };

	if (off + f->magic_off + f->magic_len <= n)
		assert_memory_equal(buf + off + f->magic_off, f->magic,
		    f->magic_len);
	memset(r, 0xa5, sizeof(*r));
	return f->validate(&s, off, f->max_size ? f->max_size :
	    ETK_CARVE_MAX_SIZE, r);
}

static unsigned char *
load(const char *name, size_t *len)
{
	char p[128];
	unsigned char *b;
	FILE *fp;
	long n;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	if ((fp = fopen(p, "rb")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return b;
}

/* The file inside random bytes: buf = 12345 random, file, 20000 random. */
struct placed {
	unsigned char *buf;
	uint64_t n, at, len;
};

#define PRE	12345
#define POST	20000

static int
place(const char *name, struct placed *p)
{
	unsigned char *f;
	size_t len;

	if ((f = load(name, &len)) == NULL)
		return -1;
	p->n = PRE + len + POST;
	p->buf = malloc(p->n);
	assert_non_null(p->buf);
	fill(p->buf, p->n, 77);
	memcpy(p->buf + PRE, f, len);
	p->at = PRE;
	p->len = len;
	free(f);
	return 0;
}

#define NEED(name, p) do {						\
	if (place(name, p) != 0) {					\
		print_message("no %s (convert missing?): skipped\n", name);\
		skip();							\
	}								\
} while (0)

static void
whole(const char *type, const char *name, enum cv_status trunc)
{
	struct placed p;
	struct cv_result r;

	NEED(name, &p);
	assert_int_equal(run(fmt(type), p.buf, p.n, p.n, p.at, &r),
	    CV_COMPLETE);
	assert_int_equal(r.status, CV_COMPLETE);
	assert_int_equal(r.len, p.len);
	assert_int_equal(r.nfrag, 0);
	/* cut in the middle by the window end */
	assert_int_equal(run(fmt(type), p.buf, p.n, p.at + p.len / 2, p.at,
	    &r), trunc);
	if (trunc == CV_TRUNCATED)
		assert_true(r.len <= p.len / 2 + 1);
	/* one byte short */
	if (trunc == CV_TRUNCATED)
		assert_int_equal(run(fmt(type), p.buf, p.n,
		    p.at + p.len - 1, p.at, &r), CV_TRUNCATED);
	/* not here: one byte later */
	assert_int_equal(fmt(type)->validate(&(struct cv_src){ memread,
	    &(struct mem){ p.buf, p.n }, p.n, CL }, p.at + 1, 1 << 20, &r),
	    CV_NO);
	free(p.buf);
}

static void
test_png(void **state)
{
	(void)state;
	whole("png", "a.png", CV_TRUNCATED);
}

static void
test_jpeg_baseline(void **state)
{
	(void)state;
	whole("jpeg", "a.jpg", CV_TRUNCATED);
}

static void
test_jpeg_progressive(void **state)
{
	(void)state;
	whole("jpeg", "p.jpg", CV_TRUNCATED);
}

static void
test_jpeg_restart(void **state)
{
	(void)state;
	whole("jpeg", "r.jpg", CV_TRUNCATED);
}

static void
test_jpeg_exif_thumbnail(void **state)
{
	struct placed p;
	unsigned char *t;
	size_t i, tl;

	(void)state;
	NEED("exif.jpg", &p);
	/* the thumbnail's EOI lies well before the main image's */
	t = load("t.jpg", &tl);
	assert_non_null(t);
	for (i = 0; i + tl < p.len; i++)
		if (memcmp(p.buf + p.at + i, t, tl) == 0)
			break;
	assert_true(i + tl < p.len / 4);
	free(t);
	whole("jpeg", "exif.jpg", CV_TRUNCATED);
	free(p.buf);
}

static void
test_gif_animated(void **state)
{
	struct placed p;
	uint64_t i;
	int n00 = 0;

	(void)state;
	NEED("anim.gif", &p);
	for (i = 0; i + 1 < p.len; i++)
		if (p.buf[p.at + i] == 0 && p.buf[p.at + i + 1] == 0x3b)
			n00++;
	assert_true(n00 >= 2);		/* several "00 3B" before the end */
	free(p.buf);
	whole("gif", "anim.gif", CV_TRUNCATED);
}

static void
test_bmp(void **state)
{
	(void)state;
	whole("bmp", "a.bmp", CV_TRUNCATED);
}

static void
test_tiff(void **state)
{
	struct placed p;
	struct cv_result r;

	(void)state;
	NEED("a.tif", &p);
	assert_int_equal(run(fmt(p.buf[p.at] == 'I' ? "tiff" : "tiff-be"),
	    p.buf, p.n, p.n, p.at, &r),
	    CV_COMPLETE);
	assert_int_equal(r.len, p.len);
	free(p.buf);
	/* the IFD follows the data: a cut copy is not recognisable */
	whole("tiff-be", "be.tif", CV_NO);
	NEED("b.tif", &p);
	assert_int_equal(run(fmt(p.buf[p.at] == 'I' ? "tiff" : "tiff-be"),
	    p.buf, p.n, p.n, p.at, &r),
	    CV_COMPLETE);
	assert_int_equal(r.len, p.len);
	free(p.buf);
}

static void
test_riff(void **state)
{
	struct placed p;
	struct cv_result r;

	(void)state;
	whole("wav", "a.wav", CV_TRUNCATED);
	whole("avi", "a.avi", CV_TRUNCATED);
	NEED("a.webp", &p);
	free(p.buf);
	whole("webp", "a.webp", CV_TRUNCATED);
	/* the RIFF size is the whole file: + 8, not a byte less */
	NEED("a.wav", &p);
	assert_int_equal(run(fmt("wav"), p.buf, p.n, p.n, p.at, &r),
	    CV_COMPLETE);
	assert_int_equal(r.len, (uint64_t)cv_le32(p.buf + p.at + 4) + 8);
	free(p.buf);
}

static void
test_bmff(void **state)
{
	struct placed p;
	struct cv_result r;
	const struct cv_format *f = fmt("mp4");

	(void)state;
	whole("mp4", "a.mp4", CV_TRUNCATED);
	whole("mp4", "b.mp4", CV_TRUNCATED);
	whole("mp4", "a.mov", CV_TRUNCATED);
	whole("mp4", "a.heic", CV_TRUNCATED);
	NEED("a.mov", &p);
	run(f, p.buf, p.n, p.n, p.at, &r);
	assert_int_equal(r.status, CV_COMPLETE);
	assert_string_equal(r.ext, "mov");
	free(p.buf);
	NEED("a.heic", &p);
	run(f, p.buf, p.n, p.n, p.at, &r);
	assert_string_equal(r.ext, "heic");
	free(p.buf);
	NEED("a.mp4", &p);
	run(f, p.buf, p.n, p.n, p.at, &r);
	assert_string_equal(r.ext, "mp4");
	free(p.buf);
}

static void
test_audio_video(void **state)
{
	struct placed p;
	struct cv_result r;
	uint64_t i;
	int k;

	(void)state;
	whole("mp3", "a.mp3", CV_TRUNCATED);
	whole("ogg", "a.ogg", CV_TRUNCATED);
	whole("mkv", "a.mkv", CV_TRUNCATED);
	whole("mkv", "live.webm", CV_TRUNCATED);
	whole("asf", "a.wmv", CV_TRUNCATED);
	NEED("a.wmv", &p);
	run(fmt("asf"), p.buf, p.n, p.n, p.at, &r);
	assert_string_equal(r.ext, "wmv");
	free(p.buf);
	NEED("live.webm", &p);
	run(fmt("mkv"), p.buf, p.n, p.n, p.at, &r);
	assert_string_equal(r.ext, "webm");
	free(p.buf);
	NEED("a.ogg", &p);
	run(fmt("ogg"), p.buf, p.n, p.n, p.at, &r);
	assert_string_equal(r.ext, "ogg");
	/* a page CRC broken: corrupt at that page */
	p.buf[p.at + 5000] ^= 1;
	assert_int_equal(run(fmt("ogg"), p.buf, p.n, p.n, p.at, &r),
	    CV_CORRUPT);
	assert_true(r.len > 0 && r.len <= 5000);
	free(p.buf);
	/* the second Cluster's header of a Matroska file overwritten:
	 * corrupt there (block payloads cannot be checked) */
	NEED("a.mkv", &p);
	for (i = 0, k = 0; i + 4 < p.len; i++)
		if (memcmp(p.buf + p.at + i, "\x1f\x43\xb6\x75", 4) == 0 &&
		    ++k == 2)
			break;
	assert_int_equal(k, 2);
	fill(p.buf + p.at + i, 16, 5);
	assert_int_equal(run(fmt("mkv"), p.buf, p.n, p.n, p.at, &r),
	    CV_CORRUPT);
	assert_int_equal(r.len, i);
	free(p.buf);
}

/* A cluster of random bytes in the middle of the file. */
static void
holed(const char *type, const char *name)
{
	struct placed p;
	struct cv_result r;
	uint64_t h;

	NEED(name, &p);
	h = p.len / 2 / CL * CL;
	fill(p.buf + p.at + h, CL, 99);
	assert_int_equal(run(fmt(type), p.buf, p.n, p.n, p.at, &r),
	    CV_CORRUPT);
	assert_int_equal(r.nfrag, 0);
	assert_true(r.len >= h - 8192 && r.len <= h + CL);
	free(p.buf);
}

static void
test_holed(void **state)
{
	(void)state;
	holed("png", "a.png");
	holed("jpeg", "a.jpg");
	holed("jpeg", "p.jpg");
	holed("jpeg", "r.jpg");
}

/* First half, 3 random clusters, second half, at a cluster boundary;
 * reversed: the second half 3 clusters before the first. */
static void
bifrag(const char *name, int reversed)
{
	struct cv_result r;
	unsigned char *f, *buf;
	size_t len, n, k, at, at2, gap = 3 * CL;

	if ((f = load(name, &len)) == NULL)
		skip();
	k = len / 2 / CL * CL;
	n = 2 * len + gap + 10 * CL;	/* (reversed: len fits after at) */
	buf = malloc(n);
	assert_non_null(buf);
	fill(buf, n, 1234);
	if (!reversed) {
		at = 3 * CL;
		at2 = at + k + gap;
	} else {
		at2 = 2 * CL;
		at = (at2 + (len - k) + gap + CL - 1) / CL * CL;
	}
	memcpy(buf + at, f, k);
	memcpy(buf + at2, f + k, len - k);
	assert_int_equal(run(fmt("jpeg"), buf, n, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, len);
	assert_int_equal(r.nfrag, 2);
	assert_int_equal(r.frag[0].off, at);
	assert_int_equal(r.frag[0].len, k);
	assert_int_equal(r.frag[1].off, at2);
	assert_int_equal(r.frag[1].len, len - k);
	/* the second piece gone: corrupt at the cut, never complete */
	fill(buf + at2, len - k, 4321);
	assert_int_equal(run(fmt("jpeg"), buf, n, n, at, &r), CV_CORRUPT);
	assert_int_equal(r.nfrag, 0);
	assert_int_equal(r.len, k);
	/* a zeroed gap: found the same way */
	if (!reversed) {
		memset(buf + at + k, 0, gap);
		memcpy(buf + at2, f + k, len - k);
		assert_int_equal(run(fmt("jpeg"), buf, n, n, at, &r),
		    CV_COMPLETE);
		assert_int_equal(r.nfrag, 2);
		assert_int_equal(r.frag[1].off, at2);
	}
	free(buf);
	free(f);
}

static void
test_jpeg_bifragment(void **state)
{
	(void)state;
	bifrag("a.jpg", 0);
	bifrag("r.jpg", 0);
	bifrag("a.jpg", 1);
	bifrag("exif.jpg", 0);
}

static void
test_decoys(void **state)
{
	static const unsigned char app0[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00,
	    0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0 };
	unsigned char *b;
	struct cv_result r;
	size_t n = 40000;
	enum cv_status st;
	int i;

	(void)state;
	b = malloc(n);
	assert_non_null(b);
	for (i = 0; i < 50; i++) {
		/* JPEG SOI + APP0, then random */
		fill(b, n, 500 + i);
		memcpy(b + 1, app0, sizeof(app0));
		st = run(fmt("jpeg"), b, n, n, 1, &r);
		assert_true(st == CV_NO || st == CV_CORRUPT);
		/* SOI then APP1 over random with an EOI in it */
		fill(b, n, 600 + i);
		memcpy(b + 1, "\xff\xd8\xff\xe1", 4);
		memcpy(b + 6001, "\xff\xd9", 2);
		st = run(fmt("jpeg"), b, n, n, 1, &r);
		assert_true(st == CV_NO || st == CV_CORRUPT);
		/* PNG signature, IHDR with a bad CRC */
		fill(b, n, 700 + i);
		memcpy(b + 1, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"
		    "\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0", 29);
		memset(b + 30, 0, 4);
		assert_int_equal(run(fmt("png"), b, n, n, 1, &r), CV_NO);
		/* GIF header, random */
		fill(b, n, 800 + i);
		memcpy(b + 1, "GIF89a", 6);
		st = run(fmt("gif"), b, n, n, 1, &r);
		assert_true(st != CV_COMPLETE);
		/* BM, random */
		fill(b, n, 900 + i);
		memcpy(b + 1, "BM", 2);
		assert_int_equal(run(fmt("bmp"), b, n, n, 1, &r), CV_NO);
		/* RIFF WEBP VP8 with a huge size, random */
		fill(b, n, 1000 + i);
		memcpy(b + 1, "RIFF\x80\x84\x1e\0WEBPVP8 ", 16);
		assert_int_equal(run(fmt("webp"), b, n, n, 1, &r), CV_NO);
		/* ftyp box of 2 GiB */
		fill(b, n, 1100 + i);
		memcpy(b + 1, "\x7f\xff\xff\xff" "ftypisom", 12);
		assert_int_equal(run(fmt("mp4"), b, n, n, 1, &r), CV_NO);
		/* ID3 tag, random */
		fill(b, n, 1300 + i);
		memcpy(b + 1, "ID3\x03\0\0\0\0\x01\0", 10);
		assert_int_equal(run(fmt("mp3"), b, n, n, 1, &r), CV_NO);
		/* OggS page header, random */
		fill(b, n, 1400 + i);
		memcpy(b + 1, "OggS\0\x02", 6);
		assert_int_equal(run(fmt("ogg"), b, n, n, 1, &r), CV_NO);
		/* EBML magic, random */
		fill(b, n, 1500 + i);
		memcpy(b + 1, "\x1a\x45\xdf\xa3", 4);
		assert_int_equal(run(fmt("mkv"), b, n, n, 1, &r), CV_NO);
		/* TIFF magic, random */
		fill(b, n, 1200 + i);
		memcpy(b + 1, "II*\0\x08\0\0\0", 8);
		st = run(fmt("tiff"), b, n, n, 1, &r);
		assert_true(st == CV_NO);
	}
	free(b);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_hostile(void **state)
{
	unsigned char b[4096];
	struct cv_result r;
	double t0 = now();
	enum cv_status st;

	(void)state;
	memset(b, 0, sizeof(b));
	/* MP4: mdat with size 0 (to the end) and with 2^64 - 1 */
	memcpy(b, "\0\0\0\x18" "ftypisom\0\0\0\0" "isommp41", 24);
	memcpy(b + 24, "\0\0\0\x10moov\0\0\0\x08mvhd", 16);
	memcpy(b + 40, "\0\0\0\0mdat", 8);
	st = run(fmt("mp4"), b, sizeof(b), sizeof(b), 0, &r);
	assert_int_equal(st, CV_TRUNCATED);
	assert_true(r.len <= sizeof(b));
	memcpy(b + 40, "\0\0\0\x01mdat\xff\xff\xff\xff\xff\xff\xff\xff", 16);
	st = run(fmt("mp4"), b, sizeof(b), sizeof(b), 0, &r);
	assert_int_equal(st, CV_TRUNCATED);
	assert_true(r.len <= sizeof(b));
	/* a box smaller than its header ends the walk */
	memcpy(b + 40, "\0\0\0\x04mdat", 8);
	st = run(fmt("mp4"), b, sizeof(b), sizeof(b), 0, &r);
	assert_int_equal(st, CV_COMPLETE);
	assert_int_equal(r.len, 40);
	/* PNG with huge dimensions: not a PNG */
	memset(b, 0, sizeof(b));
	memcpy(b, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"
	    "\x7f\xff\xff\xff\x7f\xff\xff\xff\x08\x02\0\0\0", 29);
	assert_int_equal(run(fmt("png"), b, sizeof(b), sizeof(b), 0, &r),
	    CV_NO);
	/* TIFF whose IFD points at itself, strips everywhere */
	memset(b, 0, sizeof(b));
	memcpy(b, "II*\0\x08\0\0\0", 8);
	b[8] = 4;
	memcpy(b + 10, "\x00\x01\x03\0\x01\0\0\0\x10\0\0\0", 12);
	memcpy(b + 22, "\x01\x01\x03\0\x01\0\0\0\x10\0\0\0", 12);
	memcpy(b + 34, "\x11\x01\x04\0\x01\0\0\0\x00\x02\0\0", 12);
	memcpy(b + 46, "\x17\x01\x04\0\x01\0\0\0\x00\x01\0\0", 12);
	memcpy(b + 58, "\x08\0\0\0", 4);
	st = run(fmt("tiff"), b, sizeof(b), sizeof(b), 0, &r);
	assert_int_equal(st, CV_COMPLETE);
	assert_int_equal(r.len, 0x300);
	/* GIF with an endless chain of empty-looking sub-blocks */
	memset(b, 0xff, sizeof(b));
	memcpy(b, "GIF89a\x10\0\x10\0\0\0\0" "\x2c\0\0\0\0\x10\0\x10\0\0\x08",
	    24);
	st = run(fmt("gif"), b, sizeof(b), sizeof(b), 0, &r);
	assert_int_equal(st, CV_TRUNCATED);
	assert_true(now() - t0 < 2.0);
}

static int
setup(void **state)
{
	char cmd[512];
	const char *srcdir = getenv("ETK_SRC");
	int rc;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/etk-carve-media.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "python3 %s/tests/unit/carve_media_gen.py "
	    "%s", srcdir != NULL ? srcdir : ".", tmpdir);
	rc = system(cmd);
	have_gen = rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
	return have_gen ? 0 : -1;
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
		cmocka_unit_test(test_png),
		cmocka_unit_test(test_jpeg_baseline),
		cmocka_unit_test(test_jpeg_progressive),
		cmocka_unit_test(test_jpeg_restart),
		cmocka_unit_test(test_jpeg_exif_thumbnail),
		cmocka_unit_test(test_gif_animated),
		cmocka_unit_test(test_bmp),
		cmocka_unit_test(test_tiff),
		cmocka_unit_test(test_riff),
		cmocka_unit_test(test_bmff),
		cmocka_unit_test(test_audio_video),
		cmocka_unit_test(test_holed),
		cmocka_unit_test(test_jpeg_bifragment),
		cmocka_unit_test(test_decoys),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
