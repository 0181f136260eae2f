/*
 * Unit tests for what real encoders write and synthetic samples did not
 * have (bench/carve-real.sh found these): each file is built here byte
 * by byte with the structure that broke, so no encoder is needed.
 *
 *  - JPEG: a flat picture coded with one-symbol Huffman tables gives a
 *    long run of 0x00 in a decoded scan (picture data, not a wiped
 *    cluster), and some encoders leave bytes after the last MCU before
 *    the next marker (libjpeg skips them);
 *  - JPEG with a Multi-Picture Format list (camera previews, Ultra HDR
 *    gain maps): the file ends after the last listed image;
 *  - phone JPEG trailers: a motion photo's MP4 (length in the XMP), a
 *    Samsung "SEFH".."SEFT" trailer;
 *  - MP3 with an APEv2 tag, a Lyrics3 v2 block and ID3v1 at its end;
 *  - AVI written to a pipe (no RIFF or movi size);
 *  - ASF written as a broadcast (no Data Object size);
 *  - PDF split around another file: its xref table gives the gap;
 *  - PDF incremental update opening with comment lines (exiftool);
 *  - TIFF rewritten by exiftool: a pad byte after an odd last block.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carve/carve_int.h"

#define CL	4096

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
	const struct cv_format *f[256];
	size_t i, n;

	n = etk_cv_all(f, 256);
	assert_true(n <= 256);
	for (i = 0; i < n; i++)
		if (strcmp(f[i]->type, type) == 0)
			return f[i];
	fail_msg("no format %s", type);
	return NULL;
}

static enum cv_status
run(const struct cv_format *f, const unsigned char *buf, uint64_t n,
    uint64_t off, struct cv_result *r)
{
	struct mem m = { buf, n };
	struct cv_src s = { memread, &m, n, CL };
	uint64_t max = f->max_size ? f->max_size : (uint64_t)1 << 32;

	assert_memory_equal(buf + off + f->magic_off, f->magic, f->magic_len);
	memset(r, 0, sizeof(*r));
	return f->validate(&s, off, max, r);
}

/* A growing byte string. */
struct bs {
	unsigned char *b;
	size_t n, cap;
};

static void
put(struct bs *s, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (s->n + n > s->cap) {
		s->cap = (s->n + n) * 2 + 64;
		s->b = realloc(s->b, s->cap);
		assert_non_null(s->b);
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void
putc8(struct bs *s, unsigned v)
{
	unsigned char c = (unsigned char)v;

	put(s, &c, 1);
}

static void
putbe16(struct bs *s, unsigned v)
{
	putc8(s, v >> 8);
	putc8(s, v);
}

static void
putle16(struct bs *s, unsigned v)
{
	putc8(s, v);
	putc8(s, v >> 8);
}

static void
putle32(struct bs *s, uint32_t v)
{
	putle16(s, v & 0xffff);
	putle16(s, v >> 16);
}

static void
putbe32(struct bs *s, uint32_t v)
{
	putbe16(s, v >> 16);
	putbe16(s, v & 0xffff);
}

static void
putle64(struct bs *s, uint64_t v)
{
	putle32(s, (uint32_t)v);
	putle32(s, (uint32_t)(v >> 32));
}

static void
putstr(struct bs *s, const char *str)
{
	put(s, str, strlen(str));
}

static void
putz(struct bs *s, size_t n)
{
	while (n-- > 0)
		putc8(s, 0);
}

/*
 * A grey w x h baseline JPEG of one flat colour: one-symbol Huffman
 * tables (DC difference 0 and EOB, both coded "0"), so each block is two
 * zero bits and the scan is w*h/256 bytes of 0x00; then `extra` bytes
 * an encoder left after the last MCU, then EOI.  app2 (may be NULL) is
 * put right after SOI.
 */
static void
flat_jpeg_app(struct bs *s, unsigned w, unsigned h,
    const unsigned char *extra, size_t nextra, unsigned appm,
    const struct bs *app)
{
	size_t i, nbytes;

	putbe16(s, 0xffd8);
	if (app != NULL) {
		putbe16(s, appm);
		putbe16(s, (unsigned)app->n + 2);
		put(s, app->b, app->n);
	}
	putbe16(s, 0xffdb);		/* DQT: table 0, all ones */
	putbe16(s, 67);
	putc8(s, 0);
	for (i = 0; i < 64; i++)
		putc8(s, 1);
	putbe16(s, 0xffc0);		/* SOF0: 8 bits, h x w, grey */
	putbe16(s, 11);
	putc8(s, 8);
	putbe16(s, h);
	putbe16(s, w);
	putc8(s, 1);
	putc8(s, 1);
	putc8(s, 0x11);
	putc8(s, 0);
	putbe16(s, 0xffc4);		/* DHT: DC 0 and AC 0, one code */
	putbe16(s, 2 + 2 * 18);
	for (i = 0; i < 2; i++) {
		putc8(s, i == 0 ? 0x00 : 0x10);
		putc8(s, 1);		/* one code of length 1 */
		putz(s, 15);
		putc8(s, 0);		/* DC: category 0; AC: EOB */
	}
	putbe16(s, 0xffda);		/* SOS */
	putbe16(s, 8);
	putc8(s, 1);
	putc8(s, 1);
	putc8(s, 0x00);
	putc8(s, 0);
	putc8(s, 63);
	putc8(s, 0);
	nbytes = (size_t)(w / 8) * (h / 8) * 2 / 8;
	putz(s, nbytes);
	put(s, extra, nextra);
	putbe16(s, 0xffd9);
}

static void
flat_jpeg(struct bs *s, unsigned w, unsigned h, const unsigned char *extra,
    size_t nextra, const struct bs *app2)
{
	flat_jpeg_app(s, w, h, extra, nextra, 0xffe2, app2);
}

static void
test_jpeg_flat(void **state)
{
	static const unsigned char extra[] = { 0x00, 0x1f };
	struct bs j = { 0 };
	struct cv_result r;
	unsigned char *buf;
	size_t n, at = 777;

	(void)state;
	/* 1024 x 512: 2048 zero bytes, well past the 256 of a wiped run */
	flat_jpeg(&j, 1024, 512, extra, sizeof(extra), NULL);
	n = j.n + 3 * CL;
	buf = malloc(n);
	assert_non_null(buf);
	fill(buf, n, 7);
	memcpy(buf + at, j.b, j.n);
	assert_int_equal(run(fmt("jpeg"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, j.n);
	assert_int_equal(r.nfrag, 0);
	/* too many bytes before the marker: broken, never complete */
	free(j.b);
	memset(&j, 0, sizeof(j));
	{
		unsigned char lots[40];

		memset(lots, 0x5a, sizeof(lots));
		flat_jpeg(&j, 1024, 512, lots, sizeof(lots), NULL);
	}
	memcpy(buf + at, j.b, j.n);
	assert_int_not_equal(run(fmt("jpeg"), buf, n, at, &r), CV_COMPLETE);
	/* the flat scan cut by random bytes: broken, not complete */
	free(j.b);
	memset(&j, 0, sizeof(j));
	flat_jpeg(&j, 1024, 512, extra, 0, NULL);
	fill(buf, n, 8);
	memcpy(buf + at, j.b, j.n - 1024);
	assert_int_equal(run(fmt("jpeg"), buf, n, at, &r), CV_CORRUPT);
	free(buf);
	free(j.b);
}

/* The MPF APP2 payload: "MPF\0", a TIFF header (big or little endian),
 * an IFD with version, image count and the MP entries of n images. */
static void
mpf_seg(struct bs *s, int le, const uint32_t *size, const uint32_t *off,
    int n)
{
	void (*p16)(struct bs *, unsigned) = le ? putle16 : putbe16;
	void (*p32)(struct bs *, uint32_t) = le ? putle32 : putbe32;
	int i;

	put(s, "MPF", 4);
	put(s, le ? "II*\0" : "MM\0*", 4);
	p32(s, 8);
	p16(s, 3);
	p16(s, 0xb000);
	p16(s, 7);
	p32(s, 4);
	put(s, "0100", 4);
	p16(s, 0xb001);
	p16(s, 4);
	p32(s, 1);
	p32(s, (uint32_t)n);
	p16(s, 0xb002);
	p16(s, 7);
	p32(s, 16 * (uint32_t)n);
	p32(s, 8 + 2 + 3 * 12 + 4);
	p32(s, 0);
	for (i = 0; i < n; i++) {
		p32(s, i == 0 ? 0x20030000u : 0x00010000u);
		p32(s, size[i]);
		p32(s, off[i]);
		p16(s, 0);
		p16(s, 0);
	}
}

static void
mpf_case(int le, int broken)
{
	static const unsigned char extra[1];
	struct bs seg = { 0 }, a = { 0 }, b = { 0 };
	struct cv_result r;
	unsigned char *buf;
	uint32_t size[2] = { 0, 0 }, off[2] = { 0, 0 };
	size_t n, at = CL, first;

	flat_jpeg(&b, 64, 64, extra, 0, NULL);	/* the second image */
	/* the first image's length does not depend on the values */
	mpf_seg(&seg, le, size, off, 2);
	flat_jpeg(&a, 256, 256, extra, 0, &seg);
	first = a.n;
	/* offsets count from the MP header (after SOI, APP2 marker and
	 * length, "MPF\0") */
	size[0] = (uint32_t)first;
	size[1] = (uint32_t)b.n;
	off[1] = (uint32_t)(first - 10) + (broken ? 1 : 0);
	seg.n = 0;
	mpf_seg(&seg, le, size, off, 2);
	a.n = 0;
	flat_jpeg(&a, 256, 256, extra, 0, &seg);
	assert_int_equal(a.n, first);
	put(&a, b.b, b.n);
	n = a.n + 2 * CL;
	buf = malloc(n);
	assert_non_null(buf);
	fill(buf, n, 9);
	memcpy(buf + at, a.b, a.n);
	assert_int_equal(run(fmt("jpeg"), buf, n, at, &r), CV_COMPLETE);
	/* a list that does not check out: the first image only */
	assert_int_equal(r.len, broken ? first : a.n);
	free(buf);
	free(seg.b);
	free(a.b);
	free(b.b);
}

static void
test_jpeg_mpf(void **state)
{
	(void)state;
	mpf_case(0, 0);
	mpf_case(1, 0);
	mpf_case(0, 1);
}

/* A small MP4: ftyp, mdat, moov. */
static void
mini_mp4(struct bs *s)
{
	unsigned char d[100];

	putbe32(s, 20);
	putstr(s, "ftypisom");
	putbe32(s, 0);
	putstr(s, "isom");
	fill(d, sizeof(d), 42);
	putbe32(s, 8 + sizeof(d));
	putstr(s, "mdat");
	put(s, d, sizeof(d));
	putbe32(s, 8 + 50);
	putstr(s, "moov");
	putz(s, 50);
}

/* The JPEG with the XMP pre, the video length (or a wrong one), post;
 * then the MP4. */
static void
motion_case(const char *pre, const char *post, int wrong)
{
	struct bs x = { 0 }, j = { 0 }, m = { 0 };
	struct cv_result r;
	unsigned char *buf;
	char t[512];
	size_t n, at = 3000, first;
	int k;

	mini_mp4(&m);
	putstr(&x, "http://ns.adobe.com/xap/1.0/");
	putc8(&x, 0);
	k = snprintf(t, sizeof(t), "%s%zu%s", pre, m.n + (wrong ? 4 : 0),
	    post);
	put(&x, t, (size_t)k);
	flat_jpeg_app(&j, 256, 256, NULL, 0, 0xffe1, &x);
	first = j.n;
	put(&j, m.b, m.n);
	n = at + j.n + CL;
	buf = malloc(n);
	assert_non_null(buf);
	fill(buf, n, 4);
	memcpy(buf + at, j.b, j.n);
	assert_int_equal(run(fmt("jpeg"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, wrong ? first : j.n);
	free(buf);
	free(x.b);
	free(j.b);
	free(m.b);
}

static void
test_jpeg_motion(void **state)
{
	(void)state;
	motion_case("<x:xmpmeta><rdf:Description GCamera:MicroVideo=\"1\" "
	    "GCamera:MicroVideoOffset=\"", "\"/></x:xmpmeta>", 0);
	/* Container directory, Length before Semantic */
	motion_case("<Container:Directory><rdf:Seq><rdf:li><Container:Item "
	    "Item:Mime=\"image/jpeg\" Item:Semantic=\"Primary\" "
	    "Item:Length=\"0\"/></rdf:li><rdf:li><Container:Item "
	    "Item:Mime=\"video/mp4\" Item:Length=\"", "\" "
	    "Item:Semantic=\"MotionPhoto\"/></rdf:li></rdf:Seq>"
	    "</Container:Directory>", 0);
	/* a length the boxes do not tile: the picture only */
	motion_case("<rdf:Description GCamera:MicroVideoOffset=\"", "\"/>",
	    1);
}

/* A Samsung trailer after a JPEG: one data block, the SEFH directory,
 * its length and "SEFT". */
static void
sef_case(int bad)
{
	static const char name[] = "Image_UTC_Data";
	struct bs j = { 0 };
	struct cv_result r;
	unsigned char *buf;
	size_t n, at = 5, first, blk, dir;

	flat_jpeg(&j, 256, 256, NULL, 0, NULL);
	first = j.n;
	blk = j.n;
	putle16(&j, 0);
	putle16(&j, 0x0a01);
	putle32(&j, sizeof(name) - 1);
	put(&j, name, sizeof(name) - 1);
	putstr(&j, "1700000000000");
	dir = j.n;
	putstr(&j, "SEFH");
	putle32(&j, 107);
	putle32(&j, 1);
	putle16(&j, 0);
	putle16(&j, 0x0a01);
	putle32(&j, (uint32_t)(dir - blk) + (bad ? 2 : 0));
	putle32(&j, (uint32_t)(dir - blk));
	putle32(&j, (uint32_t)(j.n - dir));
	putstr(&j, "SEFT");
	n = at + j.n + CL;
	buf = malloc(n);
	assert_non_null(buf);
	memset(buf, 0, n);
	memcpy(buf + at, j.b, j.n);
	assert_int_equal(run(fmt("jpeg"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, bad ? first : j.n);
	free(buf);
	free(j.b);
}

static void
test_jpeg_samsung(void **state)
{
	(void)state;
	sef_case(0);
	sef_case(1);
}

/* ID3v2 (empty), then nframes MPEG-1 layer III 128 kb/s 44.1 kHz
 * frames of 417 bytes. */
static void
mp3_body(struct bs *s, int nframes)
{
	unsigned char fr[417];
	int i;

	put(s, "ID3\3\0\0\0\0\0\0", 10);
	for (i = 0; i < nframes; i++) {
		fill(fr, sizeof(fr), (uint32_t)i);
		fr[0] = 0xff;
		fr[1] = 0xfb;
		fr[2] = 0x90;
		fr[3] = 0x44;
		put(s, fr, sizeof(fr));
	}
}

static void
ape_tag(struct bs *s, int footer_ok)
{
	static const char item[] = "REPLAYGAIN_TRACK_GAIN";
	uint32_t size = 8 + sizeof(item) + 8 + 32;

	put(s, "APETAGEX", 8);
	putle32(s, 2000);
	putle32(s, size);
	putle32(s, 1);
	putle32(s, 0xa0000000u);	/* has a header; this is it */
	putz(s, 8);
	putle32(s, 8);
	putle32(s, 0);
	put(s, item, sizeof(item));
	put(s, "-6.20 dB", 8);
	put(s, "APETAGEX", 8);
	putle32(s, 2000);
	putle32(s, footer_ok ? size : size + 1);
	putle32(s, 1);
	putle32(s, 0x80000000u);
	putz(s, 8);
}

static void
test_mp3_tags(void **state)
{
	struct bs m = { 0 };
	struct cv_result r;
	unsigned char *buf, v1[128];
	char lyr[64];
	size_t n, at = 1000, frames, lb;

	(void)state;
	mp3_body(&m, 20);
	frames = m.n;
	ape_tag(&m, 1);
	lb = (size_t)snprintf(lyr, sizeof(lyr), "LYRICSBEGIN%s%s",
	    "IND0000211", "LYR00012[00:01]hello");
	snprintf(lyr + lb, sizeof(lyr) - lb, "%06zuLYRICS200", lb);
	put(&m, lyr, lb + 15);
	memset(v1, 0, sizeof(v1));
	memcpy(v1, "TAGtitle", 8);
	put(&m, v1, sizeof(v1));
	n = m.n + 2 * CL;
	buf = malloc(n);
	assert_non_null(buf);
	memset(buf, 0, n);
	memcpy(buf + at, m.b, m.n);
	assert_int_equal(run(fmt("mp3"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, m.n);
	/* an APE footer that disagrees with the header: the tag is not
	 * taken (nor anything after it) */
	m.n = frames;
	ape_tag(&m, 0);
	memset(buf, 0, n);
	memcpy(buf + at, m.b, m.n);
	assert_int_equal(run(fmt("mp3"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, frames);
	/* the tag cut by the window end: truncated */
	m.n = frames;
	ape_tag(&m, 1);
	assert_int_equal(run(fmt("mp3"), m.b, m.n - 10, 0, &r),
	    CV_TRUNCATED);
	free(buf);
	free(m.b);
}

/* An AVI as a muxer writes it to a pipe: RIFF and movi sizes unknown. */
static void
test_avi_stream(void **state)
{
	struct bs a = { 0 };
	struct cv_result r;
	unsigned char *buf, d[301];
	size_t n, at = 513, i;

	(void)state;
	put(&a, "RIFF", 4);
	putle32(&a, 0xffffffffu);
	put(&a, "AVI ", 4);
	put(&a, "LIST", 4);
	putle32(&a, 4 + 8 + 56);
	put(&a, "hdrlavih", 8);
	putle32(&a, 56);
	putz(&a, 56);
	put(&a, "JUNK", 4);
	putle32(&a, 6);
	putz(&a, 6);
	put(&a, "LIST", 4);
	putle32(&a, 0xffffffffu);
	put(&a, "movi", 4);
	for (i = 0; i < 30; i++) {
		/* odd sizes: a pad byte follows */
		fill(d, sizeof(d), (uint32_t)i);
		put(&a, i % 2 ? "01wb" : "00dc", 4);
		putle32(&a, (uint32_t)(sizeof(d) - (i % 2)));
		put(&a, d, sizeof(d) - (i % 2));
		if ((sizeof(d) - (i % 2)) & 1)
			putc8(&a, 0);
	}
	n = a.n + 2 * CL;
	buf = malloc(n);
	assert_non_null(buf);
	fill(buf, n, 3);
	memcpy(buf + at, a.b, a.n);
	assert_int_equal(run(fmt("avi"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, a.n);
	/* then an idx1: part of the file */
	put(&a, "idx1", 4);
	putle32(&a, 16);
	putz(&a, 16);
	memcpy(buf + at, a.b, a.n);
	assert_int_equal(run(fmt("avi"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, a.n);
	/* cut by the window: truncated */
	assert_int_equal(run(fmt("avi"), buf, at + a.n - 100, at, &r),
	    CV_TRUNCATED);
	free(buf);
	free(a.b);
}

static const unsigned char g_header[16] = { 0x30, 0x26, 0xb2, 0x75, 0x8e,
    0x66, 0xcf, 0x11, 0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce, 0x6c };
static const unsigned char g_data[16] = { 0x36, 0x26, 0xb2, 0x75, 0x8e,
    0x66, 0xcf, 0x11, 0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce, 0x6c };
static const unsigned char g_fileprops[16] = { 0xa1, 0xdc, 0xab, 0x8c,
    0x47, 0xa9, 0xcf, 0x11, 0x8e, 0xe4, 0x00, 0xc0, 0x0c, 0x20, 0x53, 0x65 };

/* A broadcast ASF: the Data Object holds only its own header size. */
static void
asf_bcast(struct bs *s, int npkt, int ec)
{
	unsigned char p[256];
	int i;

	put(s, g_header, 16);
	putle64(s, 30 + 104);
	putle32(s, 1);
	putc8(s, 1);
	putc8(s, 2);
	put(s, g_fileprops, 16);
	putle64(s, 104);
	putz(s, 16);		/* file id */
	putle64(s, 0);		/* file size: unknown */
	putle64(s, 0);
	putle64(s, 0);		/* data packets: unknown */
	putz(s, 24);
	putle32(s, 1);		/* flags: broadcast */
	putle32(s, sizeof(p));
	putle32(s, sizeof(p));
	putle32(s, 128000);
	put(s, g_data, 16);
	putle64(s, 50);
	putz(s, 16);
	putle64(s, 0);
	putc8(s, 1);
	putc8(s, 1);
	for (i = 0; i < npkt; i++) {
		fill(p, sizeof(p), (uint32_t)i);
		p[0] = ec ? 0x82 : 0x41;
		p[1] = 0;
		p[2] = 0;
		put(s, p, sizeof(p));
	}
}

static void
test_asf_broadcast(void **state)
{
	struct bs a = { 0 };
	struct cv_result r;
	unsigned char *buf;
	size_t n, at = 2048;

	(void)state;
	asf_bcast(&a, 12, 1);
	n = a.n + 2 * CL;
	buf = malloc(n);
	assert_non_null(buf);
	memset(buf, 0, n);
	memcpy(buf + at, a.b, a.n);
	assert_int_equal(run(fmt("asf"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, a.n);
	/* a stream writer's end-of-stream packet: part of the file */
	put(&a, "$E\x08\0\0\0\0\0\0\0\x08\0", 12);
	memcpy(buf + at, a.b, a.n);
	assert_int_equal(run(fmt("asf"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, a.n);
	/* packets that do not start as packets: not a complete file (it
	 * used to be "complete" at the end of the header) */
	a.n = 0;
	asf_bcast(&a, 12, 0);
	memcpy(buf + at, a.b, a.n);
	assert_int_not_equal(run(fmt("asf"), buf, n, at, &r), CV_COMPLETE);
	free(buf);
	free(a.b);
}

/*
 * A PDF of nobj objects, object 3 a binary stream of blob bytes, with a
 * correct classic xref table.
 */
static void
pdf_make(struct bs *s, size_t blob)
{
	uint64_t offs[8];
	unsigned char *b;
	char t[128];
	int i, k;

	put(s, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", 15);
	for (i = 1; i <= 4; i++) {
		offs[i] = s->n;
		k = snprintf(t, sizeof(t), "%d 0 obj\n", i);
		put(s, t, (size_t)k);
		if (i == 3) {
			k = snprintf(t, sizeof(t), "<< /Length %zu >>\nstream\n",
			    blob);
			put(s, t, (size_t)k);
			b = malloc(blob);
			assert_non_null(b);
			fill(b, blob, 77);
			put(s, b, blob);
			free(b);
			put(s, "\nendstream", 10);
		} else {
			k = snprintf(t, sizeof(t), "<< /Type /X%d >>", i);
			put(s, t, (size_t)k);
		}
		put(s, "\nendobj\n", 8);
	}
	offs[5] = s->n;
	put(s, "xref\n0 5\n0000000000 65535 f \n", 29);
	for (i = 1; i <= 4; i++) {
		k = snprintf(t, sizeof(t), "%010llu 00000 n \n",
		    (unsigned long long)offs[i]);
		put(s, t, (size_t)k);
	}
	k = snprintf(t, sizeof(t),
	    "trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%llu\n%%%%EOF\n",
	    (unsigned long long)offs[5]);
	put(s, t, (size_t)k);
}

/* The PDF p at file-relative cut c, a gap of g bytes (gap[] bytes)
 * between: [at, at+c) then the gap then the rest. */
static unsigned char *
pdf_split(const struct bs *p, size_t at, size_t c, size_t g, int png,
    size_t *n)
{
	unsigned char *buf;

	*n = at + p->n + g + 2 * CL;
	buf = malloc(*n);
	assert_non_null(buf);
	fill(buf, *n, 31);
	memcpy(buf + at, p->b, c);
	if (png)
		memcpy(buf + at + c, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
	memcpy(buf + at + c + g, p->b + c, p->n - c);
	return buf;
}

static void
test_pdf_gap(void **state)
{
	struct bs p = { 0 };
	struct cv_result r;
	unsigned char *buf;
	size_t n, at = 4 * CL;

	(void)state;
	pdf_make(&p, 5 * CL);	/* the stream spans clusters 0..5 */
	/* a PNG written in the gap, at the cut: found by its signature */
	buf = pdf_split(&p, at, 3 * CL, 2 * CL, 1, &n);
	assert_int_equal(run(fmt("pdf"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, p.n);
	assert_int_equal(r.nfrag, 2);
	assert_int_equal(r.frag[0].off, at);
	assert_int_equal(r.frag[0].len, 3 * CL);
	assert_int_equal(r.frag[1].off, at + 5 * CL);
	assert_int_equal(r.frag[1].len, p.n - 3 * CL);
	free(buf);
	/* random bytes in the gap: the cut could be at any of several
	 * boundaries of the stream: not guessed */
	buf = pdf_split(&p, at, 3 * CL, 2 * CL, 0, &n);
	assert_int_equal(run(fmt("pdf"), buf, n, at, &r), CV_CORRUPT);
	assert_int_equal(r.nfrag, 0);
	free(buf);
	/* one boundary only between the last object before the gap and
	 * the first after it (object 3 starts in cluster 0, object 4 in
	 * cluster 1): that one, whatever the gap holds */
	p.n = 0;
	pdf_make(&p, CL - 60);
	buf = pdf_split(&p, at, CL, 3 * CL, 0, &n);
	assert_int_equal(run(fmt("pdf"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.nfrag, 2);
	assert_int_equal(r.frag[0].len, CL);
	assert_int_equal(r.frag[1].off, at + 4 * CL);
	free(buf);
	/* the whole PDF in one piece is untouched */
	n = at + p.n + CL;
	buf = malloc(n);
	assert_non_null(buf);
	fill(buf, n, 5);
	memcpy(buf + at, p.b, p.n);
	assert_int_equal(run(fmt("pdf"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.nfrag, 0);
	assert_int_equal(r.len, p.n);
	free(buf);
	free(p.b);
}

/* An incremental update that opens with comment lines (exiftool writes
 * "%BeginExifToolUpdate"): the file ends at the update's %%EOF. */
static void
test_pdf_update_comment(void **state)
{
	struct bs p = { 0 };
	struct cv_result r;
	unsigned char *buf;
	char t[160];
	size_t n, at = 100, first, obj;
	int k;

	(void)state;
	pdf_make(&p, 300);
	first = p.n;
	putstr(&p, "%BeginExifToolUpdate\n% a second comment\n");
	obj = p.n;
	putstr(&p, "1 0 obj\n<< /Type /Catalog >>\nendobj\n");
	k = snprintf(t, sizeof(t), "xref\n0 1\n0000000000 65535 f \n"
	    "1 1\n%010zu 00000 n \ntrailer\n<< /Size 5 /Prev 1 >>\n"
	    "%%EndExifToolUpdate %zu\nstartxref\n%zu\n%%%%EOF\n", obj,
	    first, p.n);
	put(&p, t, (size_t)k);
	n = at + p.n + CL;
	buf = malloc(n);
	assert_non_null(buf);
	memset(buf, 0, n);
	memcpy(buf + at, p.b, p.n);
	assert_int_equal(run(fmt("pdf"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, p.n);
	/* text after the %%EOF that is not an update: the first revision */
	memcpy(buf + at + first, "% just a comment\nhello world\n", 29);
	assert_int_equal(run(fmt("pdf"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, first);
	free(buf);
	free(p.b);
}

/* A TIFF whose last block (the strip) has an odd length, then the pad
 * byte a word-aligning writer (exiftool) puts after it. */
static void
test_tiff_pad(void **state)
{
	static const uint16_t tag[4] = { 256, 257, 273, 279 };
	struct bs t = { 0 };
	struct cv_result r;
	unsigned char *buf, d[101];
	size_t n, at = 999;
	int i;

	(void)state;
	put(&t, "II*\0", 4);
	putle32(&t, 8);
	putle16(&t, 4);
	for (i = 0; i < 4; i++) {
		putle16(&t, tag[i]);
		putle16(&t, i < 2 ? 3 : 4);	/* SHORT, LONG */
		putle32(&t, 1);
		putle32(&t, i < 2 ? 10 : i == 2 ? 8 + 2 + 4 * 12 + 4 :
		    sizeof(d));
	}
	putle32(&t, 0);
	fill(d, sizeof(d), 12);
	put(&t, d, sizeof(d));
	assert_true(t.n % 2 == 1);
	putc8(&t, 0);
	n = at + t.n + CL;
	buf = malloc(n);
	assert_non_null(buf);
	fill(buf, n, 13);
	memcpy(buf + at, t.b, t.n);
	assert_int_equal(run(fmt("tiff"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, t.n);
	/* no pad (a byte that is not zero follows): the odd end */
	buf[at + t.n - 1] = 0x5a;
	assert_int_equal(run(fmt("tiff"), buf, n, at, &r), CV_COMPLETE);
	assert_int_equal(r.len, t.n - 1);
	free(buf);
	free(t.b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpeg_flat),
		cmocka_unit_test(test_jpeg_mpf),
		cmocka_unit_test(test_jpeg_motion),
		cmocka_unit_test(test_jpeg_samsung),
		cmocka_unit_test(test_mp3_tags),
		cmocka_unit_test(test_avi_stream),
		cmocka_unit_test(test_asf_broadcast),
		cmocka_unit_test(test_pdf_gap),
		cmocka_unit_test(test_pdf_update_comment),
		cmocka_unit_test(test_tiff_pad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
