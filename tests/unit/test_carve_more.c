/*
 * Unit tests for the carving validators added after the first set:
 * FLAC, AMR/AMR-WB, bare MPEG audio (MP3/MP2 without ID3v2), AAC ADTS,
 * FLV, RAR 4 and 5, EVTX, LNK, PE, ELF, DEX, PSD, registry hives, PST,
 * MIDI, AIFF, CAF, xz and bzip2.  Every sample is
 * built byte by byte here (checksums computed by code of this file, not
 * the validators'), placed inside random bytes at an odd offset, and
 * must come back COMPLETE with its exact length; cut copies are
 * TRUNCATED, damaged ones CORRUPT at the damage (or refused), a
 * candidate in the middle of an audio stream is refused, the anchors
 * over random bytes and hostile lengths are refused quickly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "carve/carve_int.h"

#define CL	4096
#define PRE	12345
#define POST	20000

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

static uint32_t
rnd(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16 & 0xff;
}

static void
fill(unsigned char *b, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)rnd(&seed);
}

static const struct cv_format *
fmt(const char *type)
{
	const struct cv_format *f[256];
	size_t n, i;

	n = etk_cv_all(f, 256);
	for (i = 0; i < n && i < 256; i++)
		if (strcmp(f[i]->type, type) == 0)
			return f[i];
	fail_msg("no format %s", type);
	return NULL;
}

/* Validate at off of buf[0..n) with the window ending at end. */
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

/* A growing byte string. */
struct out {
	unsigned char *b;
	size_t n, cap;
};

static void
put(struct out *o, const void *p, size_t n)
{
	if (o->n + n > o->cap) {
		o->cap = (o->n + n) * 2 + 256;
		o->b = realloc(o->b, o->cap);
		assert_non_null(o->b);
	}
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void
put1(struct out *o, unsigned v)
{
	unsigned char c = (unsigned char)v;

	put(o, &c, 1);
}

static void
putbe(struct out *o, uint64_t v, int n)
{
	while (n-- > 0)
		put1(o, (unsigned)(v >> (8 * n)) & 0xff);
}

static void
putle(struct out *o, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		put1(o, (unsigned)(v >> (8 * i)) & 0xff);
}

static void
putrnd(struct out *o, size_t n, uint32_t *seed)
{
	while (n-- > 0)
		put1(o, rnd(seed));
}

static void
setle(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* The sample inside random bytes: PRE random, file, POST random. */
struct placed {
	unsigned char *buf;
	uint64_t n, at, len;
};

static void
place(const struct out *o, struct placed *p, uint32_t seed)
{
	p->n = PRE + o->n + POST;
	p->buf = malloc(p->n);
	assert_non_null(p->buf);
	fill(p->buf, p->n, seed);
	memcpy(p->buf + PRE, o->b, o->n);
	p->at = PRE;
	p->len = o->n;
}

/* Exact, truncated at half and a byte short, refused a byte later. */
static void
whole(const char *type, const struct out *o, const char *ext)
{
	struct placed p;
	struct cv_result r;

	place(o, &p, 77);
	assert_int_equal(run(fmt(type), p.buf, p.n, p.n, p.at, &r),
	    CV_COMPLETE);
	assert_int_equal(r.len, p.len);
	assert_int_equal(r.nfrag, 0);
	if (ext != NULL) {
		assert_non_null(r.ext);
		assert_string_equal(r.ext, ext);
	}
	assert_int_equal(run(fmt(type), p.buf, p.n, p.at + p.len / 2, p.at,
	    &r), CV_TRUNCATED);
	assert_true(r.len <= p.len / 2);
	assert_int_equal(run(fmt(type), p.buf, p.n, p.at + p.len - 1, p.at,
	    &r), CV_TRUNCATED);
	assert_true(r.len <= p.len - 1);
	assert_int_equal(fmt(type)->validate(&(struct cv_src){ memread,
	    &(struct mem){ p.buf, p.n }, p.n, CL }, p.at + 1, 1 << 20, &r),
	    CV_NO);
	free(p.buf);
}

/* The status and length for the sample changed by the caller. */
static enum cv_status
again(const char *type, const struct out *o, uint64_t *len)
{
	struct placed p;
	struct cv_result r;
	enum cv_status st;

	place(o, &p, 78);
	st = run(fmt(type), p.buf, p.n, p.n, p.at, &r);
	*len = r.len;
	free(p.buf);
	return st;
}

/* ------------------------------------------------------------- FLAC */

struct bw {
	struct out *o;
	uint64_t acc;
	unsigned n;
};

static void
bits(struct bw *w, uint64_t v, unsigned n)
{
	while (n-- > 0) {
		w->acc = w->acc << 1 | (v >> n & 1);
		if (++w->n == 8) {
			put1(w->o, (unsigned)w->acc);
			w->acc = 0;
			w->n = 0;
		}
	}
}

static unsigned
crc8(const unsigned char *p, size_t n)
{
	unsigned c = 0;
	int i;

	while (n-- > 0) {
		c ^= *p++;
		for (i = 0; i < 8; i++)
			c = (c & 0x80 ? c << 1 ^ 0x07 : c << 1) & 0xff;
	}
	return c;
}

static unsigned
crc16(const unsigned char *p, size_t n)
{
	unsigned c = 0;
	int i;

	while (n-- > 0) {
		c ^= (unsigned)*p++ << 8;
		for (i = 0; i < 8; i++)
			c = (c & 0x8000 ? c << 1 ^ 0x8005 : c << 1) & 0xffff;
	}
	return c;
}

#define FL_BS	1152

/* One mono 16-bit frame numbered num of bs samples (bs != FL_BS: the
 * size coded in 16 bits); kind 0 constant, 1 verbatim, 2 fixed order 2
 * with a Rice residual, 3 LPC order 3 with an escaped partition. */
static void
flac_frame(struct out *o, unsigned num, unsigned bs, int kind,
    uint32_t *seed)
{
	struct bw w = { o, 0, 0 };
	size_t start = o->n;
	unsigned i, k;

	put1(o, 0xff);
	put1(o, 0xf8);
	put1(o, (bs == FL_BS ? 0x3 : 0x7) << 4 | 9);	/* 44.1 kHz */
	put1(o, 0 << 4 | 4 << 1);		/* mono, 16 bits */
	assert_true(num < 128);
	put1(o, num);
	if (bs != FL_BS)
		putbe(o, bs - 1, 2);
	put1(o, crc8(o->b + start, o->n - start));
	bits(&w, 0, 1);
	switch (kind) {
	case 0:
		bits(&w, 0, 6);
		bits(&w, 0, 1);
		bits(&w, 1234, 16);
		break;
	case 1:
		bits(&w, 1, 6);
		bits(&w, 0, 1);
		for (i = 0; i < bs; i++)
			bits(&w, rnd(seed) << 8 | rnd(seed), 16);
		break;
	case 2:
		bits(&w, 8 + 2, 6);
		bits(&w, 0, 1);
		bits(&w, 100, 16);
		bits(&w, 200, 16);
		bits(&w, 0, 2);			/* Rice, 4-bit params */
		bits(&w, 1, 4);			/* 2 partitions */
		for (k = 0; k < 2; k++) {
			bits(&w, 3, 4);		/* param 3 */
			for (i = 0; i < bs / 2 - (k == 0 ? 2 : 0); i++) {
				bits(&w, 0, rnd(seed) % 5);	/* quotient */
				bits(&w, 1, 1);
				bits(&w, rnd(seed), 3);
			}
		}
		break;
	default:
		bits(&w, 32 + 2, 6);		/* LPC order 3 */
		bits(&w, 0, 1);
		for (i = 0; i < 3; i++)
			bits(&w, rnd(seed), 16);
		bits(&w, 11, 4);		/* precision 12 */
		bits(&w, 9, 5);			/* shift */
		for (i = 0; i < 3; i++)
			bits(&w, rnd(seed), 12);
		bits(&w, 1, 2);			/* Rice2, 5-bit params */
		bits(&w, 0, 4);			/* 1 partition */
		bits(&w, 31, 5);		/* escaped: raw */
		bits(&w, 7, 5);
		for (i = 0; i < bs - 3; i++)
			bits(&w, rnd(seed), 7);
		break;
	}
	if (w.n > 0)
		bits(&w, 0, 8 - w.n);
	putbe(o, crc16(o->b + start, o->n - start), 2);
}

/* A FLAC file of nf frames (the last one shorter); total 0: unknown. */
static void
flac_file(struct out *o, unsigned nf, int total, int tag)
{
	uint32_t seed = 5;
	uint64_t samples = (uint64_t)(nf - 1) * FL_BS + 500;
	unsigned i;

	o->n = 0;
	put(o, "fLaC", 4);
	put1(o, 0x00);				/* STREAMINFO */
	putbe(o, 34, 3);
	putbe(o, FL_BS, 2);
	putbe(o, FL_BS, 2);
	putbe(o, 0, 3);
	putbe(o, 0, 3);				/* max frame size unknown */
	/* 44100 Hz (20 bits), 1 channel (3), 16 bits (5), samples (36) */
	putbe(o, (uint64_t)44100 << 44 | (uint64_t)0 << 41 |
	    (uint64_t)15 << 36 | (total ? samples : 0), 8);
	putrnd(o, 16, &seed);			/* MD5 */
	put1(o, 0x84);				/* last: VORBIS_COMMENT */
	putbe(o, 20, 3);
	putrnd(o, 20, &seed);
	for (i = 0; i < nf; i++)
		flac_frame(o, i, i + 1 < nf ? FL_BS : 500, (int)(i % 4),
		    &seed);
	if (tag) {
		put(o, "TAG", 3);
		putrnd(o, 125, &seed);
	}
}

static void
test_flac(void **state)
{
	struct out o = { 0 };
	uint64_t len, f3;
	size_t i;

	(void)state;
	flac_file(&o, 9, 1, 0);
	whole("flac", &o, NULL);
	flac_file(&o, 9, 1, 1);
	whole("flac", &o, NULL);
	/* total samples unknown: the end is where frames stop */
	flac_file(&o, 9, 0, 0);
	whole("flac", &o, NULL);
	/* a bit flipped in the fourth frame: corrupt at its start */
	flac_file(&o, 9, 1, 0);
	for (i = 0, f3 = 0; i + 1 < o.n; i++)
		if (o.b[i] == 0xff && o.b[i + 1] == 0xf8 && o.b[i + 4] == 3 &&
		    crc8(o.b + i, 5) == o.b[i + 5]) {
			f3 = i;
			break;
		}
	assert_true(f3 > 0);
	o.b[f3 + 40] ^= 0x10;
	assert_int_equal(again("flac", &o, &len), CV_CORRUPT);
	assert_int_equal(len, f3);
	/* a frame header CRC-8 broken: corrupt there */
	o.b[f3 + 40] ^= 0x10;
	o.b[f3 + 5] ^= 1;
	assert_int_equal(again("flac", &o, &len), CV_CORRUPT);
	assert_int_equal(len, f3);
	/* frames missing before the total: corrupt at the gap */
	flac_file(&o, 9, 1, 0);
	o.n = f3;
	assert_int_equal(again("flac", &o, &len), CV_CORRUPT);
	assert_int_equal(len, f3);
	/* a metadata block of type 127: corrupt after STREAMINFO */
	flac_file(&o, 9, 1, 0);
	o.b[42] = 0xff;
	assert_int_equal(again("flac", &o, &len), CV_CORRUPT);
	assert_int_equal(len, 42);
	/* STREAMINFO of a bad length: not FLAC */
	flac_file(&o, 9, 1, 0);
	o.b[7] = 33;
	assert_int_equal(again("flac", &o, &len), CV_NO);
	free(o.b);
}

/* -------------------------------------------------------------- AMR */

static void
amr_file(struct out *o, int wb, unsigned nf)
{
	/* NB 12.2 kbit/s: 244 bits in 31 bytes; WB 23.85: 477 in 60 */
	unsigned ft = wb ? 8 : 7, fl = wb ? 60 : 31, pad = wb ? 3 : 4;
	uint32_t seed = 9;
	unsigned i;

	o->n = 0;
	put(o, wb ? "#!AMR-WB\n" : "#!AMR\n", wb ? 9 : 6);
	for (i = 0; i < nf; i++) {
		if (i % 10 == 5) {
			put1(o, 15 << 3 | 4);	/* NO_DATA */
			continue;
		}
		put1(o, ft << 3 | 4);
		putrnd(o, fl, &seed);
		o->b[o->n - 1] &= (unsigned char)(0xff << pad);
	}
}

static void
test_amr(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	amr_file(&o, 0, 50);
	whole("amr", &o, NULL);
	amr_file(&o, 1, 50);
	whole("amr", &o, "awb");
	/* a frame with the F bit set: the file ends before it */
	amr_file(&o, 0, 50);
	o.b[6 + 32 * 4] |= 0x80;
	assert_int_equal(again("amr", &o, &len), CV_COMPLETE);
	assert_int_equal(len, 6 + 32 * 4);
	/* after the learning frames, set padding bits end it too (the
	 * frame 12 starts after frames 0-4, a NO_DATA, frames 6-11) */
	amr_file(&o, 0, 50);
	o.b[6 + 32 * 5 + 1 + 32 * 6 + 31] |= 1;
	assert_int_equal(again("amr", &o, &len), CV_COMPLETE);
	assert_int_equal(len, 6 + 32 * 5 + 1 + 32 * 6);
	/* before them, such bits are the writer's habit */
	amr_file(&o, 0, 50);
	o.b[6 + 32 * 2 + 31] |= 1;
	assert_int_equal(again("amr", &o, &len), CV_COMPLETE);
	assert_int_equal(len, o.n);
	/* three frames are not a file */
	amr_file(&o, 0, 3);
	assert_int_equal(again("amr", &o, &len), CV_NO);
	free(o.b);
}

/* ------------------------------------------------- bare MPEG audio */

/* nf MPEG-1 frames of 417 bytes (+1 when padded, every third), 44.1
 * kHz, 128 kbit/s: layer III (b1 0xfb, bri 9) or II (0xfd, 8). */
static void
mpa_file(struct out *o, unsigned nf, int tag, uint32_t seed, unsigned b1,
    unsigned bri)
{
	unsigned i, pad;

	o->n = 0;
	for (i = 0; i < nf; i++) {
		pad = i % 3 == 1;
		put1(o, 0xff);
		put1(o, b1);
		put1(o, bri << 4 | 0 << 2 | pad << 1);
		put1(o, 0x44);
		putrnd(o, 417 + pad - 4, &seed);
	}
	if (tag) {
		put(o, "TAG", 3);
		putrnd(o, 125, &seed);
	}
}

static void
test_mpa(void **state)
{
	struct out o = { 0 };
	struct placed p;
	struct cv_result r;
	uint32_t seed = 31;
	uint64_t len;

	(void)state;
	mpa_file(&o, 40, 0, 3, 0xfb, 9);
	whole("mpa", &o, NULL);
	mpa_file(&o, 40, 1, 3, 0xfb, 9);
	whole("mpa", &o, NULL);
	/* an APEv2 tag (header, an item, footer), then ID3v1 */
	mpa_file(&o, 40, 0, 3, 0xfb, 9);
	for (len = 0; len < 2; len++) {
		put(&o, "APETAGEX", 8);
		putle(&o, 2000, 4);
		putle(&o, 16 + 32, 4);
		putle(&o, 1, 4);
		putle(&o, len == 0 ? 0xa0000000u : 0x80000000u, 4);
		putle(&o, 0, 8);
		if (len == 0)
			put(&o, "\x03\0\0\0\0\0\0\0Art\0abc", 16);
	}
	put(&o, "TAG", 3);
	putrnd(&o, 125, &seed);
	whole("mpa", &o, NULL);
	/* a candidate in the middle of the stream is not a file */
	mpa_file(&o, 40, 0, 3, 0xfb, 9);
	place(&o, &p, 79);
	assert_int_equal(run(fmt("mpa"), p.buf, p.n, p.n, p.at + 417, &r),
	    CV_NO);
	assert_int_equal(run(fmt("mpa"), p.buf, p.n, p.n, p.at + 417 * 10 +
	    3, &r), CV_NO);
	free(p.buf);
	/* too short a run */
	mpa_file(&o, 11, 0, 3, 0xfb, 9);
	assert_int_equal(again("mpa", &o, &len), CV_NO);
	/* a frame header that changes sample rate ends the run */
	mpa_file(&o, 40, 0, 3, 0xfb, 9);
	/* frame 20 (7 padded frames before it) */
	o.b[417 * 20 + 7 + 2] |= 1 << 2;
	assert_int_equal(again("mpa", &o, &len), CV_COMPLETE);
	assert_int_equal(len, 417 * 20 + 7);
	/* MPEG-1 Layer II: refined to mp2 */
	mpa_file(&o, 40, 0, 3, 0xfd, 8);
	whole("mp2", &o, "mp2");
	free(o.b);
}

/* ------------------------------------------------------------- ADTS */

static void
adts_file(struct out *o, unsigned nf, uint32_t seed)
{
	unsigned i, fl;

	o->n = 0;
	for (i = 0; i < nf; i++) {
		fl = 7 + 100 + rnd(&seed) * 2;
		put1(o, 0xff);
		put1(o, 0xf1);
		put1(o, 1 << 6 | 4 << 2 | 0);	/* LC, 44.1 kHz */
		put1(o, 2 << 6 | (fl >> 11 & 3));	/* stereo */
		put1(o, fl >> 3 & 0xff);
		put1(o, (fl & 7) << 5 | 0x1f);
		put1(o, 0xfc);
		putrnd(o, fl - 7, &seed);
	}
}

static void
test_adts(void **state)
{
	struct out o = { 0 };
	struct placed p;
	struct cv_result r;
	uint64_t len, f1;

	(void)state;
	adts_file(&o, 60, 4);
	whole("aac", &o, NULL);
	place(&o, &p, 80);
	f1 = (uint64_t)(p.buf[p.at + 3] & 3) << 11 | p.buf[p.at + 4] << 3 |
	    p.buf[p.at + 5] >> 5;
	assert_int_equal(run(fmt("aac"), p.buf, p.n, p.n, p.at + f1, &r),
	    CV_NO);
	free(p.buf);
	adts_file(&o, 15, 4);
	assert_int_equal(again("aac", &o, &len), CV_NO);
	/* the channel configuration changes: the run ends there */
	adts_file(&o, 60, 4);
	for (len = 0, f1 = 0; f1 < 30; f1++)
		len += (uint64_t)(o.b[len + 3] & 3) << 11 |
		    o.b[len + 4] << 3 | o.b[len + 5] >> 5;
	o.b[len + 3] ^= 0x40;
	assert_int_equal(again("aac", &o, &f1), CV_COMPLETE);
	assert_int_equal(f1, len);
	free(o.b);
}

/* -------------------------------------------------------------- FLV */

static void
flv_tag(struct out *o, unsigned type, size_t n, uint32_t *seed)
{
	put1(o, type);
	putbe(o, n, 3);
	putbe(o, 40, 3);
	put1(o, 0);
	putbe(o, 0, 3);
	putrnd(o, n, seed);
	putbe(o, 11 + n, 4);
}

static void
flv_file(struct out *o)
{
	uint32_t seed = 6;
	unsigned i;

	o->n = 0;
	put(o, "FLV\x01\x05\0\0\0\x09\0\0\0\0", 13);
	flv_tag(o, 18, 300, &seed);
	for (i = 0; i < 40; i++)
		flv_tag(o, i % 2 ? 8 : 9, 100 + i * 37, &seed);
}

static void
test_flv(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	flv_file(&o);
	whole("flv", &o, NULL);
	/* the back pointer of the second tag broken: corrupt at it */
	o.b[13 + 315 + 11 + 100 + 3] ^= 1;
	assert_int_equal(again("flv", &o, &len), CV_CORRUPT);
	assert_int_equal(len, 13 + 315);
	/* a bad header size: not FLV */
	flv_file(&o);
	o.b[8] = 10;
	assert_int_equal(again("flv", &o, &len), CV_NO);
	free(o.b);
}

/* -------------------------------------------------------------- RAR */

static void
rar4_block(struct out *o, unsigned type, unsigned flags, const void *rest,
    size_t n)
{
	unsigned char h[256];
	uLong crc;

	h[2] = (unsigned char)type;
	setle(h + 3, flags, 2);
	setle(h + 5, 7 + n, 2);
	memcpy(h + 7, rest, n);
	crc = crc32(0, h + 2, (uInt)(5 + n));
	setle(h, crc & 0xffff, 2);
	put(o, h, 7 + n);
}

static void
rar4_file(struct out *o, uint32_t pack)
{
	unsigned char fh[64];
	uint32_t seed = 11;

	o->n = 0;
	put(o, "Rar!\x1a\x07\x00", 7);
	rar4_block(o, 0x73, 0, "\0\0\0\0\0\0", 6);
	memset(fh, 0, sizeof(fh));
	setle(fh, pack, 4);			/* packed */
	setle(fh + 4, 5000, 4);			/* unpacked */
	fh[17] = 29;
	fh[18] = 0x33;
	setle(fh + 19, 5, 2);			/* name size */
	memcpy(fh + 25, "a.txt", 5);
	rar4_block(o, 0x74, 0x8000, fh, 30);
	putrnd(o, 3000, &seed);
	rar4_block(o, 0x74, 0x8000, fh, 30);
	putrnd(o, 3000, &seed);
	rar4_block(o, 0x7b, 0x4000, "", 0);
}

static void
rar5_block(struct out *o, const unsigned char *hdr, size_t n)
{
	unsigned char h[256];

	h[4] = (unsigned char)n;		/* size vint (< 128) */
	memcpy(h + 5, hdr, n);
	setle(h, crc32(0, h + 4, (uInt)(n + 1)), 4);
	put(o, h, 5 + n);
}

static void
rar5_file(struct out *o)
{
	/* main: type 1, flags 0, archive flags 0 */
	static const unsigned char mh[] = { 1, 0, 0 };
	/* file: type 2, flags 2 (data), data size 4000 (vint a0 1f),
	 * file flags 0, unpacked 4000, attributes 0, compression 0,
	 * host 0, name length 1, "x" */
	static const unsigned char fh[] = { 2, 2, 0xa0, 0x1f, 0, 0xa0, 0x1f,
	    0, 0, 0, 1, 'x' };
	static const unsigned char eh[] = { 5, 0, 0 };
	uint32_t seed = 12;

	o->n = 0;
	put(o, "Rar!\x1a\x07\x01\x00", 8);
	rar5_block(o, mh, sizeof(mh));
	rar5_block(o, fh, sizeof(fh));
	putrnd(o, 4000, &seed);
	rar5_block(o, eh, sizeof(eh));
}

static void
test_rar(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	rar4_file(&o, 3000);
	whole("rar", &o, NULL);
	/* the second file header's CRC broken: corrupt there */
	o.b[20 + 37 + 3000] ^= 1;
	assert_int_equal(again("rar", &o, &len), CV_CORRUPT);
	assert_int_equal(len, 20 + 37 + 3000);
	/* no end block: the walk cannot finish */
	rar4_file(&o, 3000);
	o.n -= 7;
	assert_int_equal(again("rar", &o, &len), CV_CORRUPT);
	assert_int_equal(len, o.n);
	/* the archive header broken: not RAR */
	rar4_file(&o, 3000);
	o.b[9] ^= 1;
	assert_int_equal(again("rar", &o, &len), CV_NO);
	rar5_file(&o);
	whole("rar", &o, NULL);
	o.b[8 + 8 + 3] ^= 1;			/* file header CRC */
	assert_int_equal(again("rar", &o, &len), CV_CORRUPT);
	assert_int_equal(len, 8 + 8);
	free(o.b);
}

/* ------------------------------------------------------------- EVTX */

static void
evtx_file(struct out *o, unsigned nchunks, unsigned count)
{
	unsigned char *c;
	uint32_t seed = 13;
	unsigned i;
	size_t at;
	uLong crc;

	o->n = 0;
	put(o, "ElfFile", 8);
	putle(o, 0, 8);
	putle(o, nchunks - 1, 8);
	putle(o, 100, 8);
	putle(o, 128, 4);
	putle(o, 2, 2);
	putle(o, 3, 2);
	putle(o, 4096, 2);
	putle(o, count, 2);
	while (o->n < 120)
		put1(o, 0);
	putle(o, 0, 4);
	putle(o, crc32(0, o->b, 120), 4);
	while (o->n < 4096)
		put1(o, 0);
	for (i = 0; i < nchunks; i++) {
		at = o->n;
		put(o, "ElfChnk", 8);
		while (o->n < at + 65536)
			put1(o, 0);
		c = o->b + at;
		setle(c + 40, 128, 4);
		setle(c + 44, 512, 4);
		setle(c + 48, 512 + 3000, 4);
		fill(c + 512, 3000, seed + i);
		setle(c + 52, crc32(0, c + 512, 3000), 4);
		crc = crc32(0, c, 120);
		crc = crc32(crc, c + 128, 384);
		setle(c + 124, crc, 4);
	}
}

static void
test_evtx(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	evtx_file(&o, 3, 3);
	whole("evtx", &o, NULL);
	/* a record byte of the second chunk changed */
	o.b[4096 + 65536 + 1000] ^= 1;
	assert_int_equal(again("evtx", &o, &len), CV_CORRUPT);
	assert_int_equal(len, 4096 + 65536);
	/* the header counts 2: a third good chunk still belongs */
	evtx_file(&o, 3, 2);
	assert_int_equal(again("evtx", &o, &len), CV_COMPLETE);
	assert_int_equal(len, 4096 + 3 * 65536);
	/* the file header's CRC broken */
	o.b[16] ^= 1;
	assert_int_equal(again("evtx", &o, &len), CV_NO);
	free(o.b);
}

/* -------------------------------------------------------------- LNK */

static void
lnk_file(struct out *o, uint32_t sig)
{
	static const unsigned char clsid[16] = { 0x01, 0x14, 0x02, 0, 0, 0,
	    0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46 };
	uint32_t seed = 14;

	o->n = 0;
	putle(o, 0x4c, 4);
	put(o, clsid, 16);
	putle(o, 0x1 | 0x2 | 0x4 | 0x80, 4);	/* IDList, info, name, UTF-16 */
	putle(o, 0x20, 4);
	putrnd(o, 24, &seed);
	putle(o, 12345, 4);
	putle(o, 0, 4);
	putle(o, 1, 4);
	putle(o, 0, 2);
	putle(o, 0, 2);
	putle(o, 0, 4);
	putle(o, 0, 4);
	/* the ID list: two items and the terminal */
	putle(o, 20 + 30 + 2, 2);
	putle(o, 20, 2);
	putrnd(o, 18, &seed);
	putle(o, 30, 2);
	putrnd(o, 28, &seed);
	putle(o, 0, 2);
	/* link info: 0x1c header and a path */
	putle(o, 0x1c + 12, 4);
	putle(o, 0x1c, 4);
	putrnd(o, 0x1c - 8 + 12, &seed);
	/* the name: 5 UTF-16 characters */
	putle(o, 5, 2);
	put(o, "n\0a\0m\0e\0!\0", 10);
	/* a tracker block, then the terminal */
	putle(o, 0x60, 4);
	putle(o, sig, 4);
	putrnd(o, 0x60 - 8, &seed);
	putle(o, 0, 4);
}

static void
test_lnk(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	lnk_file(&o, 0xa0000003u);
	whole("lnk", &o, NULL);
	/* a block that is not an extra data block: corrupt there */
	lnk_file(&o, 0x12345678u);
	assert_int_equal(again("lnk", &o, &len), CV_CORRUPT);
	assert_int_equal(len, o.n - 4 - 0x60);
	/* the ID list size disagreeing with its items: not a link */
	lnk_file(&o, 0xa0000003u);
	o.b[76] += 2;
	assert_int_equal(again("lnk", &o, &len), CV_NO);
	/* reserved field set */
	lnk_file(&o, 0xa0000003u);
	o.b[70] = 1;
	assert_int_equal(again("lnk", &o, &len), CV_NO);
	free(o.b);
}

/* --------------------------------------------------------------- PE */

/* PE32+ with two sections (raw data 0x400+0x600, 0xa00+0x200) and a
 * certificate table at 0xc00 (0x208 bytes): the file ends at 0xe08. */
static void
pe_file(struct out *o, int dll)
{
	unsigned char *b;
	uint32_t seed = 15;

	o->n = 0;
	putrnd(o, 0xe08, &seed);
	b = o->b;
	memset(b, 0, 0x400);
	b[0] = 'M';
	b[1] = 'Z';
	setle(b + 0x3c, 0x80, 4);
	memcpy(b + 0x80, "PE\0\0", 4);
	setle(b + 0x84, 0x8664, 2);
	setle(b + 0x86, 2, 2);			/* sections */
	setle(b + 0x94, 240, 2);		/* optional header size */
	setle(b + 0x96, 0x22 | (dll ? 0x2000 : 0), 2);
	setle(b + 0x98, 0x20b, 2);
	setle(b + 0x98 + 32, 0x1000, 4);	/* section alignment */
	setle(b + 0x98 + 36, 0x200, 4);		/* file alignment */
	setle(b + 0x98 + 60, 0x400, 4);		/* size of headers */
	setle(b + 0x98 + 68, 3, 2);		/* console */
	setle(b + 0x98 + 108, 16, 4);
	setle(b + 0x98 + 112 + 32, 0xc00, 4);	/* certificate table */
	setle(b + 0x98 + 112 + 36, 0x208, 4);
	memcpy(b + 0x188, ".text", 5);
	setle(b + 0x188 + 16, 0x600, 4);
	setle(b + 0x188 + 20, 0x400, 4);
	memcpy(b + 0x1b0, ".data", 5);
	setle(b + 0x1b0 + 16, 0x200, 4);
	setle(b + 0x1b0 + 20, 0xa00, 4);
	setle(b + 0xc00, 0x208, 4);
	setle(b + 0xc04, 0x200, 2);
	setle(b + 0xc06, 2, 2);
}

static void
test_pe(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	pe_file(&o, 0);
	whole("pe", &o, "exe");
	pe_file(&o, 1);
	whole("pe", &o, "dll");
	/* no certificate: the last section's end */
	pe_file(&o, 0);
	setle(o.b + 0x98 + 112 + 36, 0, 4);
	assert_int_equal(again("pe", &o, &len), CV_COMPLETE);
	assert_int_equal(len, 0xc00);
	/* a certificate entry of a bad revision: corrupt before it */
	pe_file(&o, 0);
	setle(o.b + 0xc04, 0x300, 2);
	assert_int_equal(again("pe", &o, &len), CV_CORRUPT);
	assert_int_equal(len, 0xc00);
	/* e_lfanew past "PE": not PE */
	pe_file(&o, 0);
	setle(o.b + 0x3c, 0x84, 4);
	assert_int_equal(again("pe", &o, &len), CV_NO);
	/* a section past 4 GiB */
	pe_file(&o, 0);
	setle(o.b + 0x1b0 + 20, 0xfffffe00u, 4);
	assert_int_equal(again("pe", &o, &len), CV_NO);
	free(o.b);
}

/* -------------------------------------------------------------- ELF */

/* ELF64 LE shared object: one PT_LOAD [0, 0x800), sections: null, .text
 * [0x800, 0xa00), .bss (NOBITS, huge), .shstrtab [0xa00, 0xa20), the
 * section headers at 0xa20 (4 x 64): the file ends at 0xb20. */
static void
elf_file(struct out *o)
{
	unsigned char *b, *s;
	uint32_t seed = 16;

	o->n = 0;
	putrnd(o, 0xb20, &seed);
	b = o->b;
	memset(b, 0, 0x40 + 56);
	memcpy(b, "\x7f" "ELF\x02\x01\x01", 7);
	setle(b + 16, 3, 2);
	setle(b + 18, 0xb7, 2);
	setle(b + 20, 1, 4);
	setle(b + 32, 0x40, 8);			/* phoff */
	setle(b + 40, 0xa20, 8);		/* shoff */
	setle(b + 52, 64, 2);
	setle(b + 54, 56, 2);
	setle(b + 56, 1, 2);
	setle(b + 58, 64, 2);
	setle(b + 60, 4, 2);
	setle(b + 62, 3, 2);
	setle(b + 0x40, 1, 4);			/* PT_LOAD */
	setle(b + 0x40 + 8, 0, 8);
	setle(b + 0x40 + 32, 0x800, 8);
	s = b + 0xa20;
	memset(s, 0, 4 * 64);
	setle(s + 64 + 4, 1, 4);		/* PROGBITS */
	setle(s + 64 + 24, 0x800, 8);
	setle(s + 64 + 32, 0x200, 8);
	setle(s + 128 + 4, 8, 4);		/* NOBITS */
	setle(s + 128 + 24, 0xa00, 8);
	setle(s + 128 + 32, 0x100000, 8);
	setle(s + 192 + 4, 3, 4);		/* STRTAB */
	setle(s + 192 + 24, 0xa00, 8);
	setle(s + 192 + 32, 0x20, 8);
}

static void
test_elf(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	elf_file(&o);
	whole("elf", &o, "so");
	/* section 0 not null: not ELF */
	o.b[0xa20 + 5] = 1;
	assert_int_equal(again("elf", &o, &len), CV_NO);
	/* the name table is not a string table */
	elf_file(&o);
	setle(o.b + 0xa20 + 192 + 4, 1, 4);
	assert_int_equal(again("elf", &o, &len), CV_NO);
	/* identification padding set */
	elf_file(&o);
	o.b[12] = 1;
	assert_int_equal(again("elf", &o, &len), CV_NO);
	free(o.b);
}

/* -------------------------------------------------------------- DEX */

static void
dex_file(struct out *o)
{
	unsigned char *b;
	uint32_t seed = 17;
	uint32_t fsz = 0x70 + 0x200 + 4 + 2 * 12;

	o->n = 0;
	putrnd(o, fsz, &seed);
	b = o->b;
	memcpy(b, "dex\n035\0", 8);
	setle(b + 32, fsz, 4);
	setle(b + 36, 0x70, 4);
	setle(b + 40, 0x12345678, 4);
	setle(b + 52, 0x270, 4);		/* map_off */
	setle(b + 0x270, 2, 4);
	setle(b + 0x274, 0, 2);			/* header item */
	setle(b + 0x278, 1, 4);
	setle(b + 0x27c, 0, 4);
	setle(b + 0x280, 0x1000, 2);		/* map list item */
	setle(b + 0x284, 1, 4);
	setle(b + 0x288, 0x270, 4);
	setle(b + 8, adler32(adler32(0, Z_NULL, 0), b + 12, fsz - 12), 4);
}

static void
test_dex(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	dex_file(&o);
	whole("dex", &o, NULL);
	o.b[0x100] ^= 1;
	assert_int_equal(again("dex", &o, &len), CV_CORRUPT);
	assert_int_equal(len, 0x70);
	dex_file(&o);
	setle(o.b + 40, 0x78563412, 4);
	assert_int_equal(again("dex", &o, &len), CV_NO);
	free(o.b);
}

/* -------------------------------------------------------------- PSD */

/* 8-bit RGB, 6 x 4, one image resource, PackBits (comp 1) or raw. */
static void
psd_file(struct out *o, int rle)
{
	uint32_t seed = 18;
	unsigned i;

	o->n = 0;
	put(o, "8BPS\0\x01\0\0\0\0\0\0\0\x03", 14);
	putbe(o, 4, 4);
	putbe(o, 6, 4);
	putbe(o, 8, 2);
	putbe(o, 3, 2);
	putbe(o, 0, 4);				/* color mode data */
	putbe(o, 4 + 2 + 2 + 4 + 6, 4);		/* resources */
	put(o, "8BIM", 4);
	putbe(o, 0x0409, 2);
	putbe(o, 0, 2);				/* empty name, padded */
	putbe(o, 5, 4);
	putrnd(o, 5, &seed);
	put1(o, 0);				/* data padded to even */
	putbe(o, 0, 4);				/* layers */
	putbe(o, rle, 2);
	if (!rle) {
		putrnd(o, 3 * 4 * 6, &seed);
		return;
	}
	for (i = 0; i < 12; i++)
		putbe(o, i % 2 ? 2 : 7, 2);
	for (i = 0; i < 12; i++) {
		if (i % 2) {
			put1(o, 0xfb);		/* repeat 6 */
			put1(o, rnd(&seed));
		} else {
			put1(o, 5);		/* 6 literals */
			putrnd(o, 6, &seed);
		}
	}
}

static void
test_psd(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	psd_file(&o, 1);
	whole("psd", &o, NULL);
	psd_file(&o, 0);
	whole("psd", &o, NULL);
	/* a row that decodes to 5 bytes: corrupt at it */
	psd_file(&o, 1);
	o.b[o.n - 2] = 0xfc;
	assert_int_equal(again("psd", &o, &len), CV_CORRUPT);
	assert_int_equal(len, o.n - 2);
	/* a resource block without its signature */
	psd_file(&o, 1);
	o.b[26 + 4 + 4] = 'X';
	assert_int_equal(again("psd", &o, &len), CV_NO);
	free(o.b);
}

/* ------------------------------------------------------------- regf */

/* A base block, then nbins hive bins of 4096 bytes (the second one
 * 8192): hive bins data size (nbins + 1) * 4096. */
static void
regf_file(struct out *o, unsigned nbins)
{
	unsigned char *b;
	uint32_t seed = 19, x, pos;
	unsigned i;

	o->n = 0;
	putrnd(o, 4096 + (nbins + 1) * 4096, &seed);
	b = o->b;
	memset(b, 0, 512);
	memcpy(b, "regf", 4);
	setle(b + 4, 7, 4);
	setle(b + 8, 7, 4);
	setle(b + 20, 1, 4);
	setle(b + 24, 5, 4);
	setle(b + 32, 1, 4);
	setle(b + 36, 0x20, 4);
	setle(b + 40, (nbins + 1) * 4096, 4);
	setle(b + 44, 1, 4);
	for (x = 0, i = 0; i < 508; i += 4)
		x ^= (uint32_t)b[i] | (uint32_t)b[i + 1] << 8 |
		    (uint32_t)b[i + 2] << 16 | (uint32_t)b[i + 3] << 24;
	setle(b + 508, x, 4);
	for (i = 0, pos = 0; i < nbins; i++) {
		memcpy(b + 4096 + pos, "hbin", 4);
		setle(b + 4096 + pos + 4, pos, 4);
		setle(b + 4096 + pos + 8, i == 1 ? 8192 : 4096, 4);
		pos += i == 1 ? 8192 : 4096;
	}
}

static void
test_regf(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	regf_file(&o, 4);
	whole("regf", &o, NULL);
	/* the third bin's signature gone: corrupt there */
	o.b[4096 + 3 * 4096] = 'X';
	assert_int_equal(again("regf", &o, &len), CV_CORRUPT);
	assert_int_equal(len, 4096 + 3 * 4096);
	/* the checksum broken */
	regf_file(&o, 4);
	o.b[48] ^= 1;
	assert_int_equal(again("regf", &o, &len), CV_NO);
	free(o.b);
}

/* -------------------------------------------------------------- PST */

static uint32_t
mscrc(const unsigned char *p, size_t n)
{
	uint32_t c = 0;
	int i;

	while (n-- > 0) {
		c ^= *p++;
		for (i = 0; i < 8; i++)
			c = c & 1 ? c >> 1 ^ 0xedb88320u : c >> 1;
	}
	return c;
}

static void
pst_file(struct out *o, int unicode)
{
	unsigned char *b;
	uint32_t seed = 20;
	uint64_t eof = 0x4400 + 8 * 512;

	o->n = 0;
	putrnd(o, eof, &seed);
	b = o->b;
	memset(b, 0, 564);
	memcpy(b, "!BDN", 4);
	memcpy(b + 8, "SM", 2);
	setle(b + 10, unicode ? 23 : 14, 2);
	setle(b + 12, 19, 2);
	b[14] = b[15] = 1;
	if (unicode) {
		setle(b + 0xb8, eof, 8);
		setle(b + 524, mscrc(b + 8, 516), 4);
	} else
		setle(b + 0xa8, eof, 4);
	setle(b + 4, mscrc(b + 8, 471), 4);
}

static void
test_pst(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	pst_file(&o, 1);
	whole("pst", &o, NULL);
	pst_file(&o, 0);
	whole("pst", &o, NULL);
	/* the full CRC of a Unicode header broken */
	pst_file(&o, 1);
	o.b[520] ^= 1;
	assert_int_equal(again("pst", &o, &len), CV_NO);
	/* the partial one */
	pst_file(&o, 0);
	o.b[0xa0] ^= 1;
	assert_int_equal(again("pst", &o, &len), CV_NO);
	free(o.b);
}

/* ------------------------------------------------------------- MIDI */

static void
midi_file(struct out *o, int eot)
{
	uint32_t seed = 21;
	unsigned i;

	o->n = 0;
	put(o, "MThd\0\0\0\x06\0\x01\0\x02\x01\xe0", 14);
	for (i = 0; i < 2; i++) {
		put(o, "MTrk", 4);
		putbe(o, 40 + 3, 4);
		putrnd(o, 40, &seed);
		put(o, i == 1 && !eot ? "\xff\x2f\x01" : "\xff\x2f\x00", 3);
		if (i == 0) {
			put(o, "XFIH", 4);	/* a foreign chunk */
			putbe(o, 10, 4);
			putrnd(o, 10, &seed);
		}
	}
}

static void
test_midi(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	midi_file(&o, 1);
	whole("midi", &o, NULL);
	midi_file(&o, 0);
	assert_int_equal(again("midi", &o, &len), CV_CORRUPT);
	assert_int_equal(len, 14 + 51 + 18);
	free(o.b);
}

/* ------------------------------------------------------------- AIFF */

static void
aiff_file(struct out *o, int aifc)
{
	uint32_t seed = 22;

	o->n = 0;
	put(o, "FORM", 4);
	putbe(o, 4 + 26 + 8 + 1001 + 1, 4);
	put(o, aifc ? "AIFC" : "AIFF", 4);
	put(o, "COMM", 4);
	putbe(o, 18, 4);
	putbe(o, 1, 2);				/* channels */
	putbe(o, 500, 4);
	putbe(o, 16, 2);			/* bits */
	put(o, "\x40\x0b\xfa\0\0\0\0\0\0\0", 10);	/* 8000 Hz */
	put(o, "SSND", 4);
	putbe(o, 1001, 4);
	putrnd(o, 1001, &seed);
	put1(o, 0);
}

static void
test_aiff(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	aiff_file(&o, 0);
	whole("aiff", &o, NULL);
	aiff_file(&o, 1);
	whole("aiff", &o, "aifc");
	/* the SSND size one too large: corrupt before it */
	aiff_file(&o, 0);
	o.b[12 + 26 + 7] += 2;
	assert_int_equal(again("aiff", &o, &len), CV_CORRUPT);
	assert_int_equal(len, 12 + 26);
	/* no COMM: not AIFF */
	aiff_file(&o, 0);
	memcpy(o.b + 12, "COMX", 4);
	assert_int_equal(again("aiff", &o, &len), CV_NO);
	free(o.b);
}

/* --------------------------------------------------------------- xz */

static void
xz_vli_put(struct out *o, uint64_t v)
{
	while (v >= 0x80) {
		put1(o, (unsigned)(v & 0x7f) | 0x80);
		v >>= 7;
	}
	put1(o, (unsigned)v);
}

/* One stream of nb blocks of n bytes of "compressed data" each. */
static void
xz_file(struct out *o, unsigned nb, size_t n)
{
	static const unsigned char bh[8] = { 0x02, 0x00, 0x21, 0x01, 0x16, 0,
	    0, 0 };
	unsigned char f[10];
	uint32_t seed = 23;
	size_t ix, unp = 12 + n + 4;
	unsigned i;

	o->n = 0;
	put(o, "\xfd" "7zXZ\0\0\x01", 8);
	putle(o, crc32(0, o->b + 6, 2), 4);
	for (i = 0; i < nb; i++) {
		put(o, bh, 8);
		putle(o, crc32(0, bh, 8), 4);
		putrnd(o, n, &seed);
		while (o->n % 4 != 0)
			put1(o, 0);
		putrnd(o, 4, &seed);		/* CRC-32 check */
	}
	ix = o->n;
	put1(o, 0);
	xz_vli_put(o, nb);
	for (i = 0; i < nb; i++) {
		xz_vli_put(o, unp);
		xz_vli_put(o, 3 * n);
	}
	while (o->n % 4 != 0)
		put1(o, 0);
	putle(o, crc32(0, o->b + ix, (uInt)(o->n - ix)), 4);
	/* the footer: CRC-32 of backward size and flags, them, "YZ" */
	setle(f + 4, (o->n - ix) / 4 - 1, 4);
	memcpy(f + 8, "\0\x01", 2);
	setle(f, crc32(0, f + 4, 6), 4);
	put(o, f, 10);
	put(o, "YZ", 2);
}

static void
test_xz(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	xz_file(&o, 3, 1001);
	whole("xz", &o, NULL);
	/* an empty stream: header, index, footer */
	xz_file(&o, 0, 0);
	assert_int_equal(again("xz", &o, &len), CV_COMPLETE);
	assert_int_equal(len, 32);
	/* the index CRC broken: no end is found (the window ends) */
	xz_file(&o, 3, 1001);
	o.b[o.n - 13] ^= 1;
	assert_int_equal(again("xz", &o, &len), CV_TRUNCATED);
	/* the first block header's CRC broken: not xz */
	xz_file(&o, 3, 1001);
	o.b[14] ^= 1;
	assert_int_equal(again("xz", &o, &len), CV_NO);
	free(o.b);
}

/* ------------------------------------------------------------ bzip2 */

/* A stream of nb "blocks" (magic, CRC, odd numbers of random bits) and
 * the end-of-stream marker with the combined CRC (+ bad when asked). */
static void
bz_stream(struct out *o, unsigned nb, uint32_t bad, uint32_t *seed)
{
	struct bw w = { o, 0, 0 };
	uint32_t crc, comb = 0;
	unsigned i, k;

	put(o, "BZh9", 4);
	for (i = 0; i < nb; i++) {
		crc = rnd(seed) << 24 | rnd(seed) << 16 | rnd(seed) << 8 |
		    rnd(seed);
		comb = (comb << 1 | comb >> 31) ^ crc;
		bits(&w, 0x314159265359ull, 48);
		bits(&w, crc, 32);
		for (k = 0; k < 3000 + i * 7; k++)
			bits(&w, rnd(seed), 3);
	}
	bits(&w, 0x177245385090ull, 48);
	bits(&w, comb ^ bad, 32);
	if (w.n > 0)
		bits(&w, 0, 8 - w.n);
}

static void
test_bzip2(void **state)
{
	struct out o = { 0 };
	uint32_t seed = 24;
	uint64_t len, one;

	(void)state;
	bz_stream(&o, 3, 0, &seed);
	whole("bzip2", &o, NULL);
	/* an empty stream */
	o.n = 0;
	bz_stream(&o, 0, 0, &seed);
	assert_int_equal(again("bzip2", &o, &len), CV_COMPLETE);
	assert_int_equal(len, 14);
	/* two streams back to back (pbzip2): one file */
	o.n = 0;
	bz_stream(&o, 1, 0, &seed);
	one = o.n;
	bz_stream(&o, 3, 0, &seed);
	whole("bzip2", &o, NULL);
	/* the second stream's combined CRC wrong: corrupt at its end
	 * marker, after the first stream */
	o.n = one;
	bz_stream(&o, 3, 1, &seed);
	assert_int_equal(again("bzip2", &o, &len), CV_CORRUPT);
	assert_true(len > one && len < o.n && o.n - len <= 11);
	free(o.b);
}

/* -------------------------------------------------------------- CAF */

/* desc (VBR: 0 bytes per packet), then either data then pakt, or pakt
 * then a data chunk of size -1 (its length from the packet sizes). */
static void
caf_file(struct out *o, int open_end)
{
	uint32_t seed = 25;
	unsigned i;

	o->n = 0;
	put(o, "caff\0\x01\0\0", 8);
	put(o, "desc", 4);
	putbe(o, 32, 8);
	put(o, "\x40\xe5\x88\x80\0\0\0\0", 8);	/* 44100.0 */
	put(o, "alac", 4);
	putbe(o, 0, 4);
	putbe(o, 0, 4);				/* bytes per packet */
	putbe(o, 4096, 4);
	putbe(o, 2, 4);
	putbe(o, 0, 4);
	if (!open_end) {
		put(o, "data", 4);
		putbe(o, 4 + 10 * 200, 8);
		putbe(o, 0, 4);
		putrnd(o, 10 * 200, &seed);
	}
	put(o, "pakt", 4);
	putbe(o, 24 + 10 * 2, 8);
	putbe(o, 10, 8);
	putbe(o, 10 * 4096, 8);
	putbe(o, 0, 4);
	putbe(o, 0, 4);
	for (i = 0; i < 10; i++)
		put(o, "\x81\x48", 2);		/* 200 */
	if (open_end) {
		put(o, "data", 4);
		putbe(o, UINT64_MAX, 8);
		putbe(o, 0, 4);
		putrnd(o, 10 * 200, &seed);
	}
}

static void
test_caf(void **state)
{
	struct out o = { 0 };
	uint64_t len;

	(void)state;
	caf_file(&o, 0);
	whole("caf", &o, NULL);
	caf_file(&o, 1);
	whole("caf", &o, NULL);
	/* no packet table before an open data chunk: end unknown */
	caf_file(&o, 1);
	memcpy(o.b + 8 + 44, "XXXX", 4);
	assert_int_equal(again("caf", &o, &len), CV_CORRUPT);
	assert_int_equal(len, o.n - 2000 - 4);
	/* a desc chunk of the wrong size: not CAF */
	caf_file(&o, 0);
	o.b[8 + 11] = 33;
	assert_int_equal(again("caf", &o, &len), CV_NO);
	free(o.b);
}

/* ---------------------------------------------------- decoys, hostile */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Each anchor (and a plausible header) over random bytes: never a
 * complete file. */
static void
test_decoys(void **state)
{
	static const struct {
		const char *type;
		const char *head;
		size_t n;
	} d[] = {
		{ "flac", "fLaC\x80\0\0\x22\x12\0\x12\0", 12 },
		{ "amr", "#!AMR\n", 6 },
		{ "amr", "#!AMR-WB\n", 9 },
		{ "mpa", "\xff\xfb\x90\x44", 4 },
		{ "mpa2", "\xff\xf3\x90\x44", 4 },
		{ "mp2", "\xff\xfd\x90\x44", 4 },
		{ "aac", "\xff\xf1\x50\x80", 4 },
		{ "flv", "FLV\x01\x05\0\0\0\x09\0\0\0\0", 13 },
		{ "rar", "Rar!\x1a\x07\x00", 7 },
		{ "rar", "Rar!\x1a\x07\x01\x00", 8 },
		{ "evtx", "ElfFile", 8 },
		{ "lnk", "\x4c\0\0\0\x01\x14\x02\0\0\0\0\0\xc0\0\0\0\0\0\0"
		    "\x46", 20 },
		{ "pe", "MZ", 2 },
		{ "elf", "\x7f" "ELF\x02\x01\x01", 7 },
		{ "dex", "dex\n035", 8 },
		{ "psd", "8BPS\0\x01\0\0\0\0\0\0\0\x03", 14 },
		{ "regf", "regf", 4 },
		{ "pst", "!BDN", 4 },
		{ "midi", "MThd\0\0\0\x06\0\x01\0\x02", 12 },
		{ "aiff", "FORM\0\0\x10\0AIFF", 12 },
		{ "xz", "\xfd" "7zXZ\0\0\x01\x69\x22\xde\x36", 12 },
		{ "bzip2", "BZh91AY&SY", 10 },
		{ "caf", "caff\0\x01\0\0desc\0\0\0\0\0\0\0\x20", 20 },
	};
	unsigned char *b;
	struct cv_result r;
	size_t n = 70000, i, k;
	double t0 = now();

	(void)state;
	b = malloc(n);
	assert_non_null(b);
	for (k = 0; k < sizeof(d) / sizeof(d[0]); k++)
		for (i = 0; i < 40; i++) {
			fill(b, n, (uint32_t)(3000 + k * 100 + i));
			memcpy(b + 1, d[k].head, d[k].n);
			if (run(fmt(d[k].type), b, n, n, 1, &r) ==
			    CV_COMPLETE)
				fail_msg("%s complete over random (%zu)",
				    d[k].type, i);
		}
	/* zeros after the anchors: nothing to walk */
	for (k = 0; k < sizeof(d) / sizeof(d[0]); k++) {
		memset(b, 0, n);
		memcpy(b + 1, d[k].head, d[k].n);
		if (run(fmt(d[k].type), b, n, n, 1, &r) == CV_COMPLETE)
			fail_msg("%s complete over zeros", d[k].type);
	}
	free(b);
	assert_true(now() - t0 < 5.0);
}

static void
test_hostile(void **state)
{
	struct out o = { 0 };
	struct cv_result r;
	unsigned char *b;
	size_t n = 1 << 20;
	double t0 = now();
	uint64_t len;

	(void)state;
	/* FLAC: a metadata block 16 MiB long */
	flac_file(&o, 3, 1, 0);
	o.b[42] = 0x84;
	o.b[43] = o.b[44] = o.b[45] = 0xff;
	assert_int_not_equal(again("flac", &o, &len), CV_COMPLETE);
	/* FLAC over 1 MiB of zero Rice quotients: bounded by the frame */
	b = calloc(1, n);
	assert_non_null(b);
	flac_file(&o, 2, 1, 0);
	memcpy(b, o.b, 42);
	b[4] = 0x80;				/* STREAMINFO last */
	memcpy(b + 42, "\xff\xf8\x39\x08\x00", 5);
	b[47] = (unsigned char)crc8(b + 42, 5);
	b[48] = (8 + 2) << 1;			/* fixed, order 2 */
	assert_int_not_equal(run(fmt("flac"), b, n, n, 0, &r), CV_COMPLETE);
	/* RAR: a file block claiming 2^40 bytes of data */
	rar4_file(&o, 0xfffffff0u);
	o.n = 20 + 37 + 3000;
	assert_int_not_equal(again("rar", &o, &len), CV_COMPLETE);
	/* ELF with 65535 section headers past the end */
	elf_file(&o);
	setle(o.b + 60, 0xffff, 2);
	assert_int_equal(again("elf", &o, &len), CV_NO);
	/* LNK: an ID list of 64 KiB over random items */
	lnk_file(&o, 0xa0000003u);
	o.b[76] = o.b[77] = 0xff;
	assert_int_not_equal(again("lnk", &o, &len), CV_COMPLETE);
	free(b);
	free(o.b);
	assert_true(now() - t0 < 5.0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flac),
		cmocka_unit_test(test_amr),
		cmocka_unit_test(test_mpa),
		cmocka_unit_test(test_adts),
		cmocka_unit_test(test_flv),
		cmocka_unit_test(test_rar),
		cmocka_unit_test(test_evtx),
		cmocka_unit_test(test_lnk),
		cmocka_unit_test(test_pe),
		cmocka_unit_test(test_elf),
		cmocka_unit_test(test_dex),
		cmocka_unit_test(test_psd),
		cmocka_unit_test(test_regf),
		cmocka_unit_test(test_pst),
		cmocka_unit_test(test_midi),
		cmocka_unit_test(test_aiff),
		cmocka_unit_test(test_xz),
		cmocka_unit_test(test_bzip2),
		cmocka_unit_test(test_caf),
		cmocka_unit_test(test_decoys),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
