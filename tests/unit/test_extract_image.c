/*
 * Unit tests: picture probing (lib/extract/image.c).
 *
 * 1. Every fixture picture (fixtures/src/img) against exiftool 12.57
 *    (`exiftool -n -json`, parsed here): dimensions, the taken time and
 *    its offset, make, model, GPS, altitude, orientation.  Numbers must
 *    agree within 1e-6, strings exactly.
 * 2. Pictures built here in every container (JPEG, PNG eXIf, TIFF both
 *    byte orders, WebP VP8/VP8L/VP8X+EXIF, GIF, BMP, HEIC with an Exif
 *    item) checked against the values they were built with and, the
 *    same way, against exiftool.
 * 3. Hostile EXIF: IFD loops, offsets past the end, huge counts,
 *    truncated APP1, garbage maker notes, every prefix of a real file:
 *    no crash or hang, exif_damaged set, the rest still read.
 *
 * Without exiftool on PATH the comparisons are skipped (the rest runs).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <etk/core.h>
#include <etk/json.h>

#include "extract/ex_int.h"

/* ---- helpers ---- */

static unsigned char *
slurp(const char *path, size_t *n)
{
	unsigned char *b = NULL;
	FILE *f = fopen(path, "rb");
	long sz;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)sz + 1)) != NULL)
		*n = fread(b, 1, (size_t)sz, f);
	fclose(f);
	return b;
}

static void
spit(const char *path, const unsigned char *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static int
have_exiftool(void)
{
	static int have = -1;

	if (have < 0)
		have = system("exiftool -ver >/dev/null 2>&1") == 0;
	return have;
}

/* exiftool's view of one file, parsed.  Caller frees with
 * etk_jval_free. */
static struct etk_jval *
exiftool(const char *path)
{
	struct etk_error err = { 0 };
	struct etk_jval *v = NULL;
	struct etk_buf out;
	char cmd[4096], chunk[4096];
	size_t got;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "exiftool -n -json -ImageWidth "
	    "-ImageHeight -EXIF:Make -EXIF:Model -EXIF:DateTimeOriginal "
	    "-EXIF:CreateDate -EXIF:ModifyDate -EXIF:OffsetTimeOriginal "
	    "-EXIF:OffsetTimeDigitized -EXIF:OffsetTime "
	    "-Composite:GPSLatitude -Composite:GPSLongitude "
	    "-Composite:GPSAltitude -EXIF:Orientation '%s'", path);
	etk_buf_init(&out);
	assert_non_null(p = popen(cmd, "r"));
	while ((got = fread(chunk, 1, sizeof(chunk), p)) > 0)
		etk_buf_add(&out, chunk, got);
	assert_int_equal(pclose(p), 0);
	if (etk_json_parse(out.data, out.len, &v, &err) != ETK_OK)
		fail_msg("exiftool output for %s: %s", path, err.msg);
	etk_buf_release(&out);
	assert_int_equal(v->type, ETK_JARR);
	assert_int_equal(v->n, 1);
	return v;
}

static const struct etk_jval *
jget(const struct etk_jval *o, const char *k)
{
	return etk_jval_get(o, k);
}

/* exiftool prints some strings as numbers (a Model of "1100"). */
static void
jstr(const struct etk_jval *o, const char *k, char *out, size_t outsz)
{
	const struct etk_jval *v = jget(o, k);

	out[0] = '\0';
	if (v == NULL)
		return;
	if (v->type == ETK_JSTR)
		snprintf(out, outsz, "%s", v->str);
	else if (v->type == ETK_JNUM)
		snprintf(out, outsz, "%.15g", v->num);
}

/* Compare every field of ours with exiftool's for the file at path. */
static void
compare_exiftool(const char *path, const struct ex_image_info *in)
{
	struct etk_jval *all;
	const struct etk_jval *o, *v;
	char s[256], off[64], want[400];
	int used_off = 0;

	if (!have_exiftool())
		return;
	all = exiftool(path);
	o = all->items[0];
	/* Dimensions. */
	v = jget(o, "ImageWidth");
	if (v != NULL) {
		assert_int_equal(in->has_dims, 1);
		assert_true(v->num == in->width);
		assert_non_null(v = jget(o, "ImageHeight"));
		assert_true(v->num == in->height);
	} else
		assert_int_equal(in->has_dims, 0);
	/* Taken: DateTimeOriginal, else CreateDate (DateTimeDigitized),
	 * else ModifyDate (DateTime); the matching offset, else
	 * OffsetTime. */
	jstr(o, "DateTimeOriginal", s, sizeof(s));
	jstr(o, "OffsetTimeOriginal", off, sizeof(off));
	if (s[0] == '\0') {
		jstr(o, "CreateDate", s, sizeof(s));
		jstr(o, "OffsetTimeDigitized", off, sizeof(off));
	}
	if (s[0] == '\0') {
		jstr(o, "ModifyDate", s, sizeof(s));
		off[0] = '\0';
	}
	if (off[0] == '\0')
		jstr(o, "OffsetTime", off, sizeof(off));
	if (s[0] != '\0') {
		struct tm tm;

		assert_int_equal(strlen(s), 19);
		snprintf(want, sizeof(want), "%.4s-%.2s-%.2sT%.8s%s", s, s + 5,
		    s + 8, s + 11, off);
		assert_string_equal(in->taken, want);
		assert_int_equal(in->taken_has_offset, off[0] != '\0');
		assert_int_equal(in->has_taken_utc, off[0] != '\0');
		if (off[0] != '\0') {
			int oh = atoi(off + 1), om = atoi(off + 4);

			memset(&tm, 0, sizeof(tm));
			tm.tm_year = atoi(s) - 1900;
			tm.tm_mon = atoi(s + 5) - 1;
			tm.tm_mday = atoi(s + 8);
			tm.tm_hour = atoi(s + 11);
			tm.tm_min = atoi(s + 14);
			tm.tm_sec = atoi(s + 17);
			assert_true(in->taken_utc == (int64_t)timegm(&tm) -
			    (off[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60));
			used_off = 1;
		}
	} else
		assert_string_equal(in->taken, "");
	(void)used_off;
	jstr(o, "Make", s, sizeof(s));
	assert_string_equal(in->make, s);
	jstr(o, "Model", s, sizeof(s));
	assert_string_equal(in->model, s);
	v = jget(o, "GPSLatitude");
	if (v != NULL && jget(o, "GPSLongitude") != NULL) {
		assert_int_equal(in->has_gps, 1);
		if (fabs(v->num - in->lat) > 1e-6)
			fail_msg("%s: lat %.9f, exiftool %.9f", path, in->lat,
			    v->num);
		v = jget(o, "GPSLongitude");
		if (fabs(v->num - in->lon) > 1e-6)
			fail_msg("%s: lon %.9f, exiftool %.9f", path, in->lon,
			    v->num);
	} else
		assert_int_equal(in->has_gps, 0);
	v = jget(o, "GPSAltitude");
	if (v != NULL) {
		assert_int_equal(in->has_alt, 1);
		if (fabs(v->num - in->alt) > 1e-6)
			fail_msg("%s: alt %.9f, exiftool %.9f", path, in->alt,
			    v->num);
	} else
		assert_int_equal(in->has_alt, 0);
	v = jget(o, "Orientation");
	assert_int_equal(in->orientation, v != NULL ? (int)v->num : 0);
	etk_jval_free(all);
}

/* ---- 1. the fixture pictures ---- */

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_fixture_pictures(void **state)
{
	const char *src = getenv("ETK_SRC");
	char dir[4096], path[4200], *names[256];
	size_t n = 0, i, nexif = 0;
	struct dirent *de;
	DIR *d;

	(void)state;
	if (src == NULL)
		src = ".";
	snprintf(dir, sizeof(dir), "%s/fixtures/src/img", src);
	if ((d = opendir(dir)) == NULL)
		skip();
	while ((de = readdir(d)) != NULL && n < 256)
		if (de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	assert_true(n >= 10);
	for (i = 0; i < n; i++) {
		struct ex_image_info in;
		unsigned char *b;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		assert_non_null(b = slurp(path, &len));
		assert_int_equal(ex_image_probe(b, len, &in), 0);
		/* All fixture pictures are well formed. */
		if (in.exif_damaged)
			fail_msg("%s: EXIF reported damaged", names[i]);
		assert_int_equal(in.has_dims, 1);
		nexif += in.make[0] != '\0';
		compare_exiftool(path, &in);
		if (getenv("ETK_TEST_VERBOSE") != NULL)
			fprintf(stderr, "agree: %s\n", names[i]);
		free(b);
		free(names[i]);
	}
	/* Most fixtures carry EXIF: the comparison above was not empty. */
	assert_true(nexif >= 8);
}

/* ---- 2. pictures built here ---- */

struct tb {
	unsigned char b[96 * 1024];
	size_t n;
	int le;
};

static void
p16(struct tb *t, size_t at, uint32_t v)
{
	if (t->le) {
		t->b[at] = (unsigned char)v;
		t->b[at + 1] = (unsigned char)(v >> 8);
	} else {
		t->b[at] = (unsigned char)(v >> 8);
		t->b[at + 1] = (unsigned char)v;
	}
}

static void
p32(struct tb *t, size_t at, uint32_t v)
{
	if (t->le) {
		p16(t, at, v & 0xffff);
		p16(t, at + 2, v >> 16);
	} else {
		p16(t, at, v >> 16);
		p16(t, at + 2, v & 0xffff);
	}
}

/* Reserve an IFD of cnt entries at the end; returns its offset. */
static size_t
ifd_begin(struct tb *t, unsigned cnt)
{
	size_t at = t->n;

	p16(t, at, cnt);
	memset(t->b + at + 2, 0, 12 * cnt + 4);
	t->n += 2 + 12 * cnt + 4;
	return at;
}

static const unsigned tsz[] = { 0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8 };

/* Entry i of the IFD at ifd; data (already in t's byte order for
 * multi-byte types) inline or appended.  Returns the value field's
 * offset. */
static size_t
ifd_entry(struct tb *t, size_t ifd, unsigned i, unsigned tag,
    unsigned type, uint32_t count, const void *data)
{
	size_t e = ifd + 2 + 12 * i, len = count * tsz[type];

	p16(t, e, tag);
	p16(t, e + 2, type);
	p32(t, e + 4, count);
	if (len <= 4) {
		if (data != NULL)
			memcpy(t->b + e + 8, data, len);
	} else {
		if (t->n & 1)
			t->b[t->n++] = 0;
		p32(t, e + 8, (uint32_t)t->n);
		memcpy(t->b + t->n, data, len);
		t->n += len;
	}
	return e + 8;
}

static void
ifd_short(struct tb *t, size_t ifd, unsigned i, unsigned tag, unsigned v)
{
	size_t at = ifd_entry(t, ifd, i, tag, 3, 1, NULL);

	p16(t, at, v);
}

static size_t
ifd_long(struct tb *t, size_t ifd, unsigned i, unsigned tag, uint32_t v)
{
	size_t at = ifd_entry(t, ifd, i, tag, 4, 1, NULL);

	p32(t, at, v);
	return at;
}

static void
ifd_ascii(struct tb *t, size_t ifd, unsigned i, unsigned tag,
    const char *s)
{
	ifd_entry(t, ifd, i, tag, 2, (uint32_t)strlen(s) + 1, s);
}

static void
ifd_rat(struct tb *t, size_t ifd, unsigned i, unsigned tag,
    const uint32_t *nd, unsigned n)
{
	unsigned char raw[48];
	struct tb tmp;
	unsigned k;

	tmp.le = t->le;
	tmp.n = 0;
	for (k = 0; k < 2 * n; k++)
		p32(&tmp, 4 * k, nd[k]);
	memcpy(raw, tmp.b, 8 * n);
	ifd_entry(t, ifd, i, tag, 5, n, raw);
}

/* What a built picture should read as. */
struct spec {
	int le;
	int tiff_dims;		/* ImageWidth/Length in IFD0 (a TIFF file) */
	uint32_t pad;		/* bytes between the header and IFD0 */
	/* Where the time is: 0 DateTimeOriginal + OffsetTimeOriginal,
	 * 1 DateTimeDigitized + OffsetTimeDigitized, 2 DateTime (IFD0) +
	 * OffsetTime. */
	int date_as;
	uint32_t w, h;
	const char *make, *model, *dto, *oto;
	int orientation;
	int gps;		/* lat 33 51 21.45 S, lon 151 12 30.3 E */
	int below;		/* altitude ref 1 */
	/* hostile variants */
	int loop_ifd0, exif_ptr_past_end, exif_ptr_loop, huge_count,
	    huge_ifd, makernote;
};

/* The TIFF block of an EXIF, per spec.  Returns its length in out. */
static size_t
build_tiff(const struct spec *s, unsigned char *out, size_t outsz)
{
	struct tb t;
	size_t ifd0, exif, gps, pexif, pgps;
	unsigned n0 = 5 + (s->tiff_dims ? 2 : 0) + (s->date_as == 2), i = 0;
	static const unsigned dtag[] = { 0x9003, 0x9004, 0 };
	static const unsigned otag[] = { 0x9011, 0x9012, 0x9010 };

	memset(&t, 0, sizeof(t));
	t.le = s->le;
	memcpy(t.b, s->le ? "II*\0" : "MM\0*", 4);
	p32(&t, 4, 8 + s->pad);
	t.n = 8 + s->pad;
	ifd0 = ifd_begin(&t, n0);
	if (s->tiff_dims) {
		ifd_long(&t, ifd0, i++, 0x100, s->w);
		ifd_long(&t, ifd0, i++, 0x101, s->h);
	}
	ifd_ascii(&t, ifd0, i++, 0x10f, s->make);
	if (s->huge_count) {
		size_t at = ifd_entry(&t, ifd0, i++, 0x110, 2, 1, "");

		/* Model: 1 GiB of characters, at a plausible offset. */
		p32(&t, at - 4, 0x40000000);
		p32(&t, at, 8);
	} else
		ifd_ascii(&t, ifd0, i++, 0x110, s->model);
	ifd_short(&t, ifd0, i++, 0x112, (unsigned)s->orientation);
	if (s->date_as == 2)
		ifd_ascii(&t, ifd0, i++, 0x132, s->dto);
	pexif = ifd_long(&t, ifd0, i++, 0x8769, 0);
	pgps = ifd_long(&t, ifd0, i++, 0x8825, 0);
	if (s->loop_ifd0)
		p32(&t, ifd0 + 2 + 12 * n0, (uint32_t)ifd0);
	if (s->date_as == 2) {
		exif = ifd_begin(&t, 1);
		ifd_ascii(&t, exif, 0, otag[2], s->oto);
	} else {
		exif = ifd_begin(&t, s->makernote ? 3 : 2);
		ifd_ascii(&t, exif, 0, dtag[s->date_as], s->dto);
		ifd_ascii(&t, exif, 1, otag[s->date_as], s->oto);
	}
	if (s->makernote && s->date_as != 2) {
		static const unsigned char junk[64] = { 0xff, 0xff, 0xff,
			0xff, 0x7f, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff };

		ifd_entry(&t, exif, 2, 0x927c, 7, sizeof(junk), junk);
	}
	p32(&t, pexif, (uint32_t)exif);
	if (s->exif_ptr_past_end)
		p32(&t, pexif, 0xffffff00u);
	if (s->exif_ptr_loop)
		p32(&t, pexif, (uint32_t)ifd0);
	if (s->gps) {
		static const uint32_t lat[] = { 33, 1, 51, 1, 2145, 100 };
		static const uint32_t lon[] = { 151, 1, 12, 1, 303, 10 };
		const uint32_t alt[] = { 1234, 10 };
		unsigned char ref = (unsigned char)(s->below ? 1 : 0);

		gps = ifd_begin(&t, 6);
		ifd_ascii(&t, gps, 0, 1, "S");
		ifd_rat(&t, gps, 1, 2, lat, 3);
		ifd_ascii(&t, gps, 2, 3, "E");
		ifd_rat(&t, gps, 3, 4, lon, 3);
		ifd_entry(&t, gps, 4, 5, 1, 1, &ref);
		ifd_rat(&t, gps, 5, 6, alt, 1);
		if (s->huge_ifd)
			p16(&t, gps, 0xffff);
		p32(&t, pgps, (uint32_t)gps);
	}
	assert_true(t.n <= outsz);
	memcpy(out, t.b, t.n);
	return t.n;
}

static size_t
build_jpeg(const struct spec *s, unsigned char *out, size_t outsz)
{
	unsigned char tiff[8192];
	size_t tn = build_tiff(s, tiff, sizeof(tiff)), n = 0;
	static const unsigned char sof_tail[] = { 3, 1, 0x22, 0, 2, 0x11, 1,
		3, 0x11, 1 };

	assert_true(tn + 64 < outsz);
	out[n++] = 0xff;
	out[n++] = 0xd8;
	out[n++] = 0xff;
	out[n++] = 0xe1;
	out[n++] = (unsigned char)((tn + 8) >> 8);
	out[n++] = (unsigned char)(tn + 8);
	memcpy(out + n, "Exif\0\0", 6);
	n += 6;
	memcpy(out + n, tiff, tn);
	n += tn;
	out[n++] = 0xff;
	out[n++] = 0xc0;
	out[n++] = 0;
	out[n++] = 17;
	out[n++] = 8;
	out[n++] = (unsigned char)(s->h >> 8);
	out[n++] = (unsigned char)s->h;
	out[n++] = (unsigned char)(s->w >> 8);
	out[n++] = (unsigned char)s->w;
	memcpy(out + n, sof_tail, sizeof(sof_tail));
	n += sizeof(sof_tail);
	out[n++] = 0xff;
	out[n++] = 0xd9;
	return n;
}

static uint32_t
crc32_png(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return c ^ 0xffffffffu;
}

static void
be32put(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void
le32put(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static size_t
png_chunk(unsigned char *out, const char *type, const unsigned char *d,
    size_t len)
{
	be32put(out, (uint32_t)len);
	memcpy(out + 4, type, 4);
	if (len > 0)
		memcpy(out + 8, d, len);
	be32put(out + 8 + len, crc32_png(out + 4, len + 4));
	return 12 + len;
}

static size_t
build_png(const struct spec *s, unsigned char *out)
{
	unsigned char tiff[8192], ihdr[13] = { 0 };
	size_t tn = build_tiff(s, tiff, sizeof(tiff)), n = 8;

	memcpy(out, "\x89PNG\r\n\x1a\n", 8);
	be32put(ihdr, s->w);
	be32put(ihdr + 4, s->h);
	ihdr[8] = 8;
	ihdr[9] = 2;
	n += png_chunk(out + n, "IHDR", ihdr, 13);
	n += png_chunk(out + n, "eXIf", tiff, tn);
	n += png_chunk(out + n, "IEND", NULL, 0);
	return n;
}

static size_t
riff_chunk(unsigned char *out, const char *type, const unsigned char *d,
    size_t len)
{
	memcpy(out, type, 4);
	le32put(out + 4, (uint32_t)len);
	memcpy(out + 8, d, len);
	if (len & 1)
		out[8 + len++] = 0;
	return 8 + len;
}

/* kind: 'x' VP8X + EXIF, 'l' VP8L, '8' VP8 (lossy). */
static size_t
build_webp(const struct spec *s, int kind, unsigned char *out)
{
	unsigned char tiff[8192], c[16] = { 0 };
	size_t n = 12, tn;

	memcpy(out, "RIFF\0\0\0\0WEBP", 12);
	if (kind == 'x') {
		c[0] = 0x08;	/* EXIF present */
		c[4] = (unsigned char)(s->w - 1);
		c[5] = (unsigned char)((s->w - 1) >> 8);
		c[7] = (unsigned char)(s->h - 1);
		c[8] = (unsigned char)((s->h - 1) >> 8);
		n += riff_chunk(out + n, "VP8X", c, 10);
		tn = build_tiff(s, tiff, sizeof(tiff));
		n += riff_chunk(out + n, "EXIF", tiff, tn);
	} else if (kind == 'l') {
		uint32_t v = (s->w - 1) | (s->h - 1) << 14;

		c[0] = 0x2f;
		le32put(c + 1, v);
		n += riff_chunk(out + n, "VP8L", c, 10);
	} else {
		c[0] = 0x10;	/* key frame, version 0, shown */
		c[1] = 0;
		c[2] = 0;
		c[3] = 0x9d;
		c[4] = 0x01;
		c[5] = 0x2a;
		c[6] = (unsigned char)s->w;
		c[7] = (unsigned char)(s->w >> 8);
		c[8] = (unsigned char)s->h;
		c[9] = (unsigned char)(s->h >> 8);
		n += riff_chunk(out + n, "VP8 ", c, 10);
	}
	le32put(out + 4, (uint32_t)(n - 8));
	return n;
}

/* ISO-BMFF box: size, type, payload. */
static size_t
box(unsigned char *out, const char *type, const unsigned char *d,
    size_t len)
{
	be32put(out, (uint32_t)(len + 8));
	memcpy(out + 4, type, 4);
	memmove(out + 8, d, len);
	return len + 8;
}

static size_t
build_heic(const struct spec *s, unsigned char *out)
{
	unsigned char tiff[8192], meta[2048], tmp[1024], ipco[256], iprp[512];
	size_t tn = build_tiff(s, tiff, sizeof(tiff)), n = 0, m = 4, k, ftyp;
	size_t iloc_at, mdat_at;

	/* ftyp heic */
	memcpy(tmp, "heic\0\0\0\0mif1heic", 16);
	n += box(out + n, "ftyp", tmp, 16);
	ftyp = n;
	(void)ftyp;
	/* meta (full box) */
	memset(meta, 0, 4);
	memset(tmp, 0, 25);
	memcpy(tmp + 8, "pict", 4);
	m += box(meta + m, "hdlr", tmp, 25);
	memset(tmp, 0, 6);
	tmp[5] = 1;		/* primary item 1 */
	m += box(meta + m, "pitm", tmp, 6);
	{
		unsigned char iinf[256], infe[64];
		size_t i = 6, e;

		memset(iinf, 0, 6);
		iinf[5] = 2;	/* v0, two entries */
		memset(infe, 0, 32);
		infe[0] = 2;
		infe[5] = 1;	/* id 1 */
		memcpy(infe + 8, "hvc1", 4);
		e = box(iinf + i, "infe", infe, 13);
		i += e;
		memset(infe, 0, 32);
		infe[0] = 2;
		infe[5] = 2;	/* id 2 */
		memcpy(infe + 8, "Exif", 4);
		i += box(iinf + i, "infe", infe, 13);
		m += box(meta + m, "iinf", iinf, i);
	}
	/* iloc v0: offset 4, length 4, base 0; item 2 in mdat (patched) */
	memset(tmp, 0, 22);
	tmp[4] = 0x44;
	tmp[7] = 1;		/* one item */
	tmp[9] = 2;		/* id 2 */
	tmp[13] = 1;		/* one extent */
	iloc_at = m + 8 + 14;	/* extent offset field inside meta */
	be32put(tmp + 18, (uint32_t)(tn + 10));
	m += box(meta + m, "iloc", tmp, 22);
	/* iprp: ipco(ispe), ipma(item 1 -> property 1) */
	memset(tmp, 0, 12);
	be32put(tmp + 4, s->w);
	be32put(tmp + 8, s->h);
	k = box(ipco, "ispe", tmp, 12);
	k = box(iprp, "ipco", ipco, k);
	memset(tmp, 0, 11);
	tmp[7] = 1;		/* one entry */
	tmp[9] = 1;		/* item 1 */
	tmp[10] = 1;		/* one association */
	tmp[11] = 0x81;		/* essential, property 1 */
	k += box(iprp + k, "ipma", tmp, 12);
	m += box(meta + m, "iprp", iprp, k);
	n += box(out + n, "meta", meta, m);
	/* mdat: Exif item = 4-byte offset (6), "Exif\0\0", TIFF */
	mdat_at = n + 8;
	be32put(tmp, 6);
	memcpy(out + n + 8, tmp, 4);
	memcpy(out + n + 12, "Exif\0\0", 6);
	memcpy(out + n + 18, tiff, tn);
	be32put(out + n, (uint32_t)(tn + 18));
	memcpy(out + n + 4, "mdat", 4);
	n += tn + 18;
	/* the extent offset: meta's payload starts after ftyp + 8 */
	be32put(out + ftyp + 8 + iloc_at, (uint32_t)mdat_at);
	return n;
}

static size_t
build_gif(const struct spec *s, unsigned char *out)
{
	memset(out, 0, 14);
	memcpy(out, "GIF89a", 6);
	out[6] = (unsigned char)s->w;
	out[7] = (unsigned char)(s->w >> 8);
	out[8] = (unsigned char)s->h;
	out[9] = (unsigned char)(s->h >> 8);
	out[13] = 0x3b;
	return 14;
}

static size_t
build_bmp(const struct spec *s, int32_t h, unsigned char *out)
{
	size_t n = 54 + 4;

	memset(out, 0, n);
	out[0] = 'B';
	out[1] = 'M';
	le32put(out + 2, (uint32_t)n);
	le32put(out + 10, 54);
	le32put(out + 14, 40);
	le32put(out + 18, s->w);
	le32put(out + 22, (uint32_t)h);
	out[26] = 1;
	out[28] = 24;
	return n;
}

static const struct spec base_spec = {
	.le = 1, .w = 320, .h = 240, .make = "TestCam",
	.model = "Model X1", .dto = "2024:02:29 23:59:30", .oto = "+05:30",
	.orientation = 6, .gps = 1, .below = 1,
};

/* The values base_spec was built with (independent of exiftool). */
static void
check_spec(const struct ex_image_info *in, const struct spec *s,
    int exif)
{
	assert_int_equal(in->has_dims, 1);
	assert_int_equal(in->width, s->w);
	assert_int_equal(in->height, s->h);
	if (!exif)
		return;
	assert_string_equal(in->make, "TestCam");
	assert_string_equal(in->model, "Model X1");
	assert_string_equal(in->taken, "2024-02-29T23:59:30+05:30");
	assert_int_equal(in->has_taken_utc, 1);
	/* 2024-02-29T18:29:30Z */
	assert_true(in->taken_utc == 1709231370);
	assert_int_equal(in->orientation, 6);
	assert_int_equal(in->has_gps, 1);
	assert_true(fabs(in->lat - -(33 + 51 / 60.0 + 21.45 / 3600)) < 1e-9);
	assert_true(fabs(in->lon - (151 + 12 / 60.0 + 30.3 / 3600)) < 1e-9);
	assert_int_equal(in->has_alt, 1);
	assert_true(fabs(in->alt - -123.4) < 1e-9);
	assert_int_equal(in->exif_damaged, 0);
}

static char tmpdir[256];

static int
setup_tmp(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/etk-image-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown_tmp(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void keep(const char *, const unsigned char *, size_t);

/* Probe b, check against the spec, write it out (and to
 * $ETK_KEEP_SYNTH, which is how fuzz/corpus/exif was seeded) and
 * compare with exiftool. */
static void
probe_built(const char *name, const unsigned char *b, size_t n,
    const struct spec *s, int exif)
{
	struct ex_image_info in;
	char path[512];

	if (ex_image_probe(b, n, &in) != 0)
		fail_msg("%s: probe failed", name);
	check_spec(&in, s, exif);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	spit(path, b, n);
	keep(name, b, n);
	compare_exiftool(path, &in);
}

static void
test_built_containers(void **state)
{
	static unsigned char b[96 * 1024];
	struct spec s = base_spec;
	size_t n;

	(void)state;
	n = build_jpeg(&s, b, sizeof(b));
	probe_built("built-le.jpg", b, n, &s, 1);
	/* A TIFF whose IFDs lie past libexif's 64 KiB window. */
	s.tiff_dims = 1;
	s.pad = 70000;
	n = build_tiff(&s, b, sizeof(b));
	probe_built("big-ifd.tif", b, n, &s, 1);
	s.tiff_dims = 0;
	s.pad = 0;
	s.le = 0;
	n = build_jpeg(&s, b, sizeof(b));
	probe_built("built-be.jpg", b, n, &s, 1);
	n = build_png(&s, b);
	probe_built("built.png", b, n, &s, 1);
	s.tiff_dims = 1;
	n = build_tiff(&s, b, sizeof(b));
	probe_built("built-be.tif", b, n, &s, 1);
	s.le = 1;
	n = build_tiff(&s, b, sizeof(b));
	probe_built("built-le.tif", b, n, &s, 1);
	s.tiff_dims = 0;
	n = build_webp(&s, 'x', b);
	probe_built("built-vp8x.webp", b, n, &s, 1);
	s.le = 0;
	n = build_heic(&s, b);
	probe_built("built.heic", b, n, &s, 1);
	/* The time from DateTimeDigitized, then from DateTime. */
	s.date_as = 1;
	n = build_jpeg(&s, b, sizeof(b));
	probe_built("date-digitized.jpg", b, n, &s, 1);
	s.date_as = 2;
	n = build_jpeg(&s, b, sizeof(b));
	probe_built("date-modify.jpg", b, n, &s, 1);
	s.date_as = 0;
	/* Dimensions only. */
	s.w = 1000;
	s.h = 777;
	n = build_webp(&s, 'l', b);
	probe_built("built-vp8l.webp", b, n, &s, 0);
	n = build_webp(&s, '8', b);
	probe_built("built-vp8.webp", b, n, &s, 0);
	n = build_gif(&s, b);
	probe_built("built.gif", b, n, &s, 0);
	n = build_bmp(&s, 777, b);
	probe_built("built.bmp", b, n, &s, 0);
}

static void
test_variants(void **state)
{
	static unsigned char b[16384];
	struct ex_image_info in;
	struct spec s = base_spec;
	size_t n;

	(void)state;
	/* Top-down BMP: negative height, positive in the record. */
	n = build_bmp(&s, -240, b);
	assert_int_equal(ex_image_probe(b, n, &in), 0);
	assert_int_equal(in.height, 240);
	/* Above sea level, no offset (local time), no GPS. */
	s.below = 0;
	s.oto = "bogus";
	n = build_jpeg(&s, b, sizeof(b));
	assert_int_equal(ex_image_probe(b, n, &in), 0);
	assert_true(fabs(in.alt - 123.4) < 1e-9);
	assert_string_equal(in.taken, "2024-02-29T23:59:30");
	assert_int_equal(in.taken_has_offset, 0);
	assert_int_equal(in.has_taken_utc, 0);
	s.gps = 0;
	s.oto = "-03:30";
	s.make = "  Padded Make   ";
	s.dto = "2023:02:29 10:00:00";	/* not a date: no taken */
	n = build_jpeg(&s, b, sizeof(b));
	assert_int_equal(ex_image_probe(b, n, &in), 0);
	assert_int_equal(in.has_gps, 0);
	assert_int_equal(in.has_alt, 0);
	assert_string_equal(in.make, "Padded Make");
	assert_string_equal(in.taken, "");
	/* Not a picture at all. */
	assert_int_equal(ex_image_probe("hello world", 11, &in),
	    ETK_EFORMAT);
	assert_int_equal(in.has_dims, 0);
	assert_int_equal(ex_image_probe(b, 0, &in), ETK_EFORMAT);
}

/* ---- 3. hostile EXIF ---- */

/* Write b to $ETK_KEEP_SYNTH/name when set (corpus seeding). */
static void
keep(const char *name, const unsigned char *b, size_t n)
{
	const char *dir = getenv("ETK_KEEP_SYNTH");
	char kp[512];

	if (dir == NULL)
		return;
	snprintf(kp, sizeof(kp), "%s/%s", dir, name);
	spit(kp, b, n);
}

static void
hostile(const struct spec *s, int make_survives, const char *name)
{
	static unsigned char b[16384];
	struct ex_image_info in;
	size_t n = build_jpeg(s, b, sizeof(b));

	keep(name, b, n);

	assert_int_equal(ex_image_probe(b, n, &in), 0);
	assert_int_equal(in.exif_damaged, 1);
	/* The rest still read. */
	assert_int_equal(in.has_dims, 1);
	assert_int_equal(in.width, s->w);
	assert_int_equal(in.height, s->h);
	if (make_survives)
		assert_string_equal(in.make, "TestCam");
	assert_true(in.orientation >= 0 && in.orientation <= 8);
}

static void
test_hostile_exif(void **state)
{
	struct spec s;
	int le;

	(void)state;
	for (le = 0; le <= 1; le++) {
		s = base_spec;
		s.le = le;
		s.loop_ifd0 = 1;	/* IFD0 -> IFD0 */
		hostile(&s, 1, le ? "loop-ifd0-le.jpg" :
		    "loop-ifd0-be.jpg");
		s = base_spec;
		s.le = le;
		s.exif_ptr_loop = 1;	/* Exif IFD pointer -> IFD0 */
		hostile(&s, 1, le ? "loop-exif-le.jpg" :
		    "loop-exif-be.jpg");
		s = base_spec;
		s.le = le;
		s.exif_ptr_past_end = 1;
		hostile(&s, 1, le ? "past-end-le.jpg" :
		    "past-end-be.jpg");
		s = base_spec;
		s.le = le;
		s.huge_count = 1;	/* Model: 1 GiB */
		hostile(&s, 1, le ? "huge-count-le.jpg" :
		    "huge-count-be.jpg");
		s = base_spec;
		s.le = le;
		s.huge_ifd = 1;		/* GPS IFD: 65535 entries */
		hostile(&s, 1, le ? "huge-ifd-le.jpg" :
		    "huge-ifd-be.jpg");
	}
}

static void
test_makernote_not_interpreted(void **state)
{
	static unsigned char b[16384];
	struct ex_image_info in;
	struct spec s = base_spec;
	size_t n;

	(void)state;
	/* Garbage maker notes under makes libexif has parsers for. */
	s.makernote = 1;
	s.make = "Canon";
	n = build_jpeg(&s, b, sizeof(b));
	keep("makernote-canon.jpg", b, n);
	assert_int_equal(ex_image_probe(b, n, &in), 0);
	assert_string_equal(in.make, "Canon");
	assert_string_equal(in.taken, "2024-02-29T23:59:30+05:30");
	s.make = "OLYMPUS";
	n = build_jpeg(&s, b, sizeof(b));
	assert_int_equal(ex_image_probe(b, n, &in), 0);
	s.make = "Apple";
	n = build_jpeg(&s, b, sizeof(b));
	assert_int_equal(ex_image_probe(b, n, &in), 0);
	assert_string_equal(in.model, "Model X1");
}

static void
test_truncated_app1(void **state)
{
	static unsigned char b[16384], c[16384];
	struct ex_image_info in;
	struct spec s = base_spec;
	size_t n = build_jpeg(&s, b, sizeof(b)), cut;

	(void)state;
	/* The file ends inside the APP1: EXIF damaged, no crash. */
	for (cut = 13; cut < n - 30; cut += 7) {
		unsigned char *x = malloc(cut);

		memcpy(x, b, cut);
		assert_int_equal(ex_image_probe(x, cut, &in), 0);
		assert_int_equal(in.exif_damaged, 1);
		free(x);
	}
	/* An APP1 whose length lies short: the EXIF is cut, the SOF after
	 * it is still found. */
	memcpy(c, b, n);
	c[4] = 0;
	c[5] = 40;
	keep("app1-short.jpg", c, n);
	keep("app1-truncated.jpg", b, n / 2);
	assert_int_equal(ex_image_probe(c, n, &in), 0);
	assert_int_equal(in.exif_damaged, 1);
	assert_int_equal(in.has_dims, 1);
	assert_int_equal(in.width, 320);
}

/* Every prefix of a fixture picture, and every byte of its EXIF set to
 * 0x00 and to 0xff: no crash, no read outside (ASan builds), bounded
 * values. */
static void
test_mutations(void **state)
{
	const char *src = getenv("ETK_SRC");
	char path[4096];
	unsigned char *b, *x;
	size_t n = 0, i, v;
	struct ex_image_info in;

	(void)state;
	snprintf(path, sizeof(path), "%s/fixtures/src/img/IMG_0001.JPG",
	    src ? src : ".");
	if ((b = slurp(path, &n)) == NULL)
		skip();
	for (i = 0; i <= n; i++) {
		x = malloc(i ? i : 1);
		memcpy(x, b, i);
		ex_image_probe(x, i, &in);
		assert_true(in.orientation >= 0 && in.orientation <= 8);
		assert_true(memchr(in.taken, 0, sizeof(in.taken)) != NULL);
		free(x);
	}
	x = malloc(n);
	for (i = 2; i < n && i < 2048; i++) {
		for (v = 0; v < 2; v++) {
			memcpy(x, b, n);
			x[i] = v ? 0xff : 0x00;
			ex_image_probe(x, n, &in);
			assert_true(memchr(in.make, 0, sizeof(in.make)) != NULL);
			if (in.has_gps)
				assert_true(fabs(in.lat) <= 90 &&
				    fabs(in.lon) <= 180);
		}
	}
	free(x);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_pictures),
		cmocka_unit_test(test_built_containers),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_hostile_exif),
		cmocka_unit_test(test_makernote_not_interpreted),
		cmocka_unit_test(test_truncated_app1),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
