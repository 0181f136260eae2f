/*
 * Pictures: dimensions from the container header, EXIF through libexif.
 *
 * Everything here reads hostile bytes.  The container walkers check
 * every length against what is left and every loop advances, so they
 * cannot read outside buf or spin.  libexif has had memory-safety bugs
 * with crafted data (CVE-2019-9278, CVE-2020-0093, CVE-2020-13112, the
 * last in its maker-note parsers), so it only ever sees a private,
 * bounded copy ("Exif\0\0" + the TIFF block, at most EXIF_CAP bytes):
 *  - the TIFF structure is walked by us first (IFD loops, offsets past
 *    the end, entry counts that cannot fit) and any fault marks the
 *    EXIF damaged, whatever libexif then makes of it;
 *  - the MakerNote tag in the copy is renamed, so libexif's maker-note
 *    interpreters never run (we do not read maker notes);
 *  - libexif's "follow the specification" option is off: it would add
 *    default values for missing mandatory tags, i.e. invent evidence;
 *  - what libexif returns is used only after checking format, count
 *    and size, and values are decoded here, not by exif_entry_get_value
 *    (whose formatting code had the bugs).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libexif/exif-data.h>
#include <libexif/exif-log.h>

#include "extract/ex_int.h"

/* The most EXIF bytes handed to libexif.  A JPEG APP1 holds at most
 * 64 KiB; a TIFF's IFDs can sit further in, so allow more there. */
#define EXIF_CAP	(4u << 20)
/* A TIFF walk visits at most this many IFDs and entries per IFD. */
#define MAX_IFDS	32
#define MAX_ENTRIES	4096
/* libexif reads at most this much of what it is given (an APP1's
 * worth) and silently ignores IFDs beyond it; larger blocks are
 * repacked (tiff_repack) so that their IFDs land inside. */
#define LIBEXIF_WINDOW	0xfff0
/* Out-of-line values larger than this are not carried into a repacked
 * block (strips, maker notes, ICC profiles: nothing we read). */
#define REPACK_VALUE_MAX 4096
/* A tag no standard uses; the MakerNote is renamed to it. */
#define TAG_NEUTERED	0xfffe

/* ---- byte helpers (callers check bounds) ---- */

static uint16_t
be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
le16(const unsigned char *p)
{
	return (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

static uint16_t
tget16(const unsigned char *p, int le)
{
	return le ? le16(p) : be16(p);
}

static uint32_t
tget32(const unsigned char *p, int le)
{
	return le ? le32(p) : be32(p);
}

static void
tput16(unsigned char *p, int le, uint16_t v)
{
	if (le) {
		p[0] = (unsigned char)v;
		p[1] = (unsigned char)(v >> 8);
	} else {
		p[0] = (unsigned char)(v >> 8);
		p[1] = (unsigned char)v;
	}
}

/* ---- TIFF structure walk ---- */

struct tiffwalk {
	int damaged;
	int has_dims;
	uint32_t width, height;	/* IFD0 256/257 */
	size_t makernote;	/* offset of the MakerNote entry, or 0 */
	uint32_t ifd[5];	/* first IFD of each kind (0 IFD0, 2 Exif,
				 * 3 GPS, 4 Interop), 0 none */
};

static const unsigned type_size[] = { 0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8,
	4, 8, 4 };

/* Walk the IFD chain and sub-IFDs of the TIFF block t[0..n): bounded,
 * loop-proof.  Records faults, IFD0's dimensions and where the
 * MakerNote entry is. */
static void
tiff_walk(const unsigned char *t, size_t n, struct tiffwalk *w)
{
	uint32_t queue[MAX_IFDS], seen[MAX_IFDS];
	int kind[MAX_IFDS];	/* 0 IFD0, 1 IFD1+, 2 Exif, 3 GPS, 4 Interop */
	size_t nq = 0, nseen = 0, qi;
	int le;

	memset(w, 0, sizeof(*w));
	if (n < 8 || !((t[0] == 'I' && t[1] == 'I' && t[2] == 42 &&
	    t[3] == 0) || (t[0] == 'M' && t[1] == 'M' && t[2] == 0 &&
	    t[3] == 42))) {
		w->damaged = 1;
		return;
	}
	le = t[0] == 'I';
	queue[nq] = tget32(t + 4, le);
	kind[nq++] = 0;
	for (qi = 0; qi < nq; qi++) {
		uint32_t off = queue[qi], cnt, i, next;
		size_t k;

		if (off == 0)
			continue;
		for (k = 0; k < nseen; k++)
			if (seen[k] == off)
				break;
		if (k < nseen || nseen == MAX_IFDS) {
			w->damaged = 1;		/* a loop, or absurdly many */
			continue;
		}
		seen[nseen++] = off;
		if (off < 8 || (size_t)off > n - 2) {
			w->damaged = 1;
			continue;
		}
		if (kind[qi] != 1 && w->ifd[kind[qi]] == 0)
			w->ifd[kind[qi]] = off;
		cnt = tget16(t + off, le);
		if (cnt > MAX_ENTRIES || (size_t)off + 2 + 12 * (size_t)cnt + 4 >
		    n) {
			/* The last IFD may legally omit its next pointer
			 * only if nothing follows; treat short as damage. */
			w->damaged = 1;
			if ((size_t)off + 2 + 12 * (size_t)cnt > n)
				cnt = (uint32_t)((n - off - 2) / 12);
		}
		for (i = 0; i < cnt; i++) {
			const unsigned char *e = t + off + 2 + 12 * i;
			uint16_t tag = tget16(e, le), type = tget16(e + 2, le);
			uint32_t count = tget32(e + 4, le);
			uint64_t size;

			if (type == 0 || type >= sizeof(type_size) /
			    sizeof(type_size[0]))
				continue;	/* unknown type: skipped */
			size = (uint64_t)count * type_size[type];
			if (size > 4 && (uint64_t)tget32(e + 8, le) + size > n)
				w->damaged = 1;
			if (kind[qi] == 0 && (tag == 256 || tag == 257) &&
			    count >= 1 && (type == 3 || type == 4)) {
				uint32_t v = type == 3 ? tget16(e + 8, le) :
				    tget32(e + 8, le);

				if (tag == 256)
					w->width = v;
				else
					w->height = v;
			}
			if (kind[qi] == 2 && tag == 0x927c && size > 4)
				w->makernote = (size_t)(e - t);
			if (((kind[qi] == 0 && (tag == 0x8769 ||
			    tag == 0x8825)) || (kind[qi] == 2 &&
			    tag == 0xa005)) && count >= 1 &&
			    (type == 4 || type == 13) && nq < MAX_IFDS) {
				queue[nq] = tget32(e + 8, le);
				kind[nq++] = tag == 0x8769 ? 2 :
				    tag == 0x8825 ? 3 : 4;
			}
		}
		/* IFD0 -> IFD1 (thumbnail); further links are followed
		 * only to find loops. */
		if ((kind[qi] == 0 || kind[qi] == 1) &&
		    (size_t)off + 2 + 12 * (size_t)cnt + 4 <= n) {
			next = tget32(t + off + 2 + 12 * cnt, le);
			if (next != 0 && nq < MAX_IFDS) {
				queue[nq] = next;
				kind[nq++] = 1;
			}
		}
	}
	if (w->width > 0 && w->height > 0)
		w->has_dims = 1;
}

static void
tput32(unsigned char *p, int le, uint32_t v)
{
	if (le) {
		tput16(p, le, (uint16_t)(v & 0xffff));
		tput16(p + 2, le, (uint16_t)(v >> 16));
	} else {
		tput16(p, le, (uint16_t)(v >> 16));
		tput16(p + 2, le, (uint16_t)(v & 0xffff));
	}
}

/* A big TIFF block (a TIFF or DNG file whose IFDs sit past the first
 * 64 KiB) rebuilt small: IFD0, Exif, GPS and Interop IFDs one after the
 * other with their values, pointers rewritten; no IFD1, no maker note,
 * no large values.  Only walked (validated) structure is copied.
 * Returns the new length in out (at most LIBEXIF_WINDOW). */
static size_t
tiff_repack(const unsigned char *t, size_t n, const struct tiffwalk *w,
    unsigned char *out)
{
	static const int order[] = { 0, 2, 3, 4 };
	size_t ptr_at[5] = { 0 }, o = 8, k;
	int le = t[0] == 'I';

	memcpy(out, t, 4);
	tput32(out + 4, le, 8);
	for (k = 0; k < 4; k++) {
		int kd = order[k];
		uint32_t off = w->ifd[kd], cnt, i, nout = 0;
		size_t ifd_at = o, data_at;

		if (off == 0 || (kd != 0 && ptr_at[kd] == 0))
			continue;
		cnt = tget16(t + off, le);
		if ((size_t)off + 2 + 12 * (size_t)cnt > n)
			cnt = (uint32_t)((n - off - 2) / 12);
		if (cnt > MAX_ENTRIES)
			cnt = MAX_ENTRIES;
		if (o + 2 + 12 * (size_t)cnt + 4 > LIBEXIF_WINDOW)
			break;
		data_at = o + 2 + 12 * (size_t)cnt + 4;
		for (i = 0; i < cnt; i++) {
			const unsigned char *e = t + off + 2 + 12 * i;
			unsigned char *d = out + ifd_at + 2 + 12 * nout;
			uint16_t tag = tget16(e, le), type = tget16(e + 2, le);
			uint32_t count = tget32(e + 4, le), vo;
			uint64_t size;

			if (type == 0 || type >= sizeof(type_size) /
			    sizeof(type_size[0]) || tag == 0x927c)
				continue;
			size = (uint64_t)count * type_size[type];
			memcpy(d, e, 12);
			if ((kd == 0 && (tag == 0x8769 || tag == 0x8825)) ||
			    (kd == 2 && tag == 0xa005)) {
				ptr_at[tag == 0x8769 ? 2 : tag == 0x8825 ? 3 :
				    4] = ifd_at + 2 + 12 * nout + 8;
				tput32(d + 8, le, 0);
			} else if (size > 4) {
				vo = tget32(e + 8, le);
				if (size > REPACK_VALUE_MAX ||
				    (uint64_t)vo + size > n ||
				    data_at + size + 1 > LIBEXIF_WINDOW)
					continue;
				data_at += data_at & 1;
				memcpy(out + data_at, t + vo, (size_t)size);
				tput32(d + 8, le, (uint32_t)data_at);
				data_at += (size_t)size;
			}
			nout++;
		}
		tput16(out + ifd_at, le, (uint16_t)nout);
		memset(out + ifd_at + 2 + 12 * nout, 0, 4);	/* no next */
		if (kd != 0)
			tput32(out + ptr_at[kd], le, (uint32_t)ifd_at);
		o = data_at + (data_at & 1);
	}
	/* Pointers to IFDs that were not written stay 0: libexif skips
	 * them. */
	return o;
}

/* ---- libexif ---- */

static void
exif_log_cb(ExifLog *log, ExifLogCode code, const char *domain,
    const char *format, va_list args, void *data)
{
	(void)log;
	(void)domain;
	(void)format;
	(void)args;
	if (code == EXIF_LOG_CODE_CORRUPT_DATA ||
	    code == EXIF_LOG_CODE_NO_MEMORY)
		*(int *)data = 1;
}

/* An entry of this format with at least min components whose data
 * really holds them; NULL otherwise. */
static ExifEntry *
entry(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat fmt,
    unsigned long min)
{
	ExifEntry *e;
	unsigned fs;

	if (ed->ifd[ifd] == NULL)
		return NULL;
	e = exif_content_get_entry(ed->ifd[ifd], tag);
	if (e == NULL || e->data == NULL || e->format != fmt ||
	    e->components < min)
		return NULL;
	fs = exif_format_get_size(fmt);
	if (fs == 0 || e->components > e->size / fs)
		return NULL;
	return e;
}

/* An ASCII entry into out: up to the first NUL, blanks trimmed at both
 * ends; 1 when something is left. */
static int
get_ascii(ExifData *ed, ExifIfd ifd, ExifTag tag, char *out, size_t outsz)
{
	ExifEntry *e = entry(ed, ifd, tag, EXIF_FORMAT_ASCII, 1);
	size_t n, i = 0;

	out[0] = '\0';
	if (e == NULL)
		return 0;
	n = strnlen((const char *)e->data, e->size);
	while (i < n && (e->data[i] == ' ' || e->data[i] == '\t'))
		i++;
	while (n > i && (e->data[n - 1] == ' ' || e->data[n - 1] == '\t' ||
	    e->data[n - 1] == '\n' || e->data[n - 1] == '\r'))
		n--;
	if (n - i > outsz - 1)
		n = i + outsz - 1;
	memcpy(out, e->data + i, n - i);
	out[n - i] = '\0';
	return n > i;
}

static int
num2(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "YYYY:MM:DD HH:MM:SS" -> fields; 0 when malformed or all zero. */
static int
parse_exif_date(const char *s, int *f)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31,
		31, 30, 31, 30, 31 };
	int hi, lo, leap;

	if (strlen(s) < 19 || s[4] != ':' || s[7] != ':' || s[10] != ' ' ||
	    s[13] != ':' || s[16] != ':')
		return 0;
	if ((hi = num2(s)) < 0 || (lo = num2(s + 2)) < 0)
		return 0;
	f[0] = hi * 100 + lo;
	f[1] = num2(s + 5);
	f[2] = num2(s + 8);
	f[3] = num2(s + 11);
	f[4] = num2(s + 14);
	f[5] = num2(s + 17);
	if (f[0] < 1 || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[3] < 0 ||
	    f[3] > 23 || f[4] < 0 || f[4] > 59 || f[5] < 0 || f[5] > 60)
		return 0;
	leap = (f[0] % 4 == 0 && f[0] % 100 != 0) || f[0] % 400 == 0;
	if (f[2] > mdays[f[1] - 1] || (f[1] == 2 && f[2] == 29 && !leap))
		return 0;
	return 1;
}

/* "+HH:MM" / "-HH:MM" -> minutes east of UTC; 0 when malformed. */
static int
parse_offset(const char *s, int *min)
{
	int h, m;

	if (strlen(s) < 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' ||
	    (h = num2(s + 1)) < 0 || (m = num2(s + 4)) < 0 || h > 14 ||
	    m > 59)
		return 0;
	*min = (h * 60 + m) * (s[0] == '-' ? -1 : 1);
	return 1;
}

static void
exif_taken(ExifData *ed, struct ex_image_info *info)
{
	/* (date tag, its IFD, offset tags to try) in order of preference. */
	static const struct {
		ExifTag date;
		ExifIfd ifd;
		ExifTag off[2];
	} pref[] = {
		{ EXIF_TAG_DATE_TIME_ORIGINAL, EXIF_IFD_EXIF,
		    { EXIF_TAG_OFFSET_TIME_ORIGINAL, EXIF_TAG_OFFSET_TIME } },
		{ EXIF_TAG_DATE_TIME_DIGITIZED, EXIF_IFD_EXIF,
		    { EXIF_TAG_OFFSET_TIME_DIGITIZED, EXIF_TAG_OFFSET_TIME } },
		{ EXIF_TAG_DATE_TIME, EXIF_IFD_0,
		    { EXIF_TAG_OFFSET_TIME, EXIF_TAG_OFFSET_TIME } },
	};
	char s[64], o[16];
	size_t i, k;
	int f[6], off;

	for (i = 0; i < sizeof(pref) / sizeof(pref[0]); i++) {
		if (!get_ascii(ed, pref[i].ifd, pref[i].date, s, sizeof(s)) ||
		    !parse_exif_date(s, f))
			continue;
		for (k = 0; k < 2; k++)
			if (get_ascii(ed, EXIF_IFD_EXIF, pref[i].off[k], o,
			    sizeof(o)) && parse_offset(o, &off))
				break;
		if (k < 2) {
			snprintf(info->taken, sizeof(info->taken),
			    "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", f[0],
			    f[1], f[2], f[3], f[4], f[5], off < 0 ? '-' : '+',
			    abs(off) / 60, abs(off) % 60);
			info->taken_has_offset = 1;
			info->has_taken_utc = 1;
			info->taken_utc = days_from_civil(f[0],
			    (unsigned)f[1], (unsigned)f[2]) * 86400 +
			    f[3] * 3600 + f[4] * 60 + f[5] - off * 60;
		} else
			snprintf(info->taken, sizeof(info->taken),
			    "%04d-%02d-%02dT%02d:%02d:%02d", f[0], f[1], f[2],
			    f[3], f[4], f[5]);
		return;
	}
}

static int
rational(ExifEntry *e, ExifByteOrder bo, unsigned i, double *v)
{
	ExifRational r = exif_get_rational(e->data + 8 * i, bo);

	if (r.denominator == 0)
		return 0;
	*v = (double)r.numerator / (double)r.denominator;
	return 1;
}

/* Degrees, minutes, seconds (any of the last two may be missing). */
static int
gps_coord(ExifData *ed, ExifTag tag, ExifTag reftag, char neg, double max,
    double *out)
{
	ExifByteOrder bo = exif_data_get_byte_order(ed);
	ExifEntry *e = entry(ed, EXIF_IFD_GPS, tag, EXIF_FORMAT_RATIONAL, 1);
	double v = 0, x, scale = 1;
	char ref[8];
	unsigned i;

	if (e == NULL)
		return 0;
	for (i = 0; i < 3 && i < e->components; i++) {
		if (!rational(e, bo, i, &x))
			return 0;
		v += x / scale;
		scale *= 60;
	}
	if (!isfinite(v) || v > max)
		return 0;
	if (get_ascii(ed, EXIF_IFD_GPS, reftag, ref, sizeof(ref)) &&
	    (ref[0] == neg || ref[0] == neg + 32))
		v = -v;
	*out = v;
	return 1;
}

static void
exif_values(ExifData *ed, struct ex_image_info *info)
{
	ExifByteOrder bo = exif_data_get_byte_order(ed);
	ExifEntry *e;
	double v;

	exif_taken(ed, info);
	get_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, info->make,
	    sizeof(info->make));
	get_ascii(ed, EXIF_IFD_0, EXIF_TAG_MODEL, info->model,
	    sizeof(info->model));
	if ((e = entry(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION,
	    EXIF_FORMAT_SHORT, 1)) != NULL) {
		unsigned o = exif_get_short(e->data, bo);

		if (o >= 1 && o <= 8)
			info->orientation = (int)o;
	}
	if (gps_coord(ed, EXIF_TAG_GPS_LATITUDE, EXIF_TAG_GPS_LATITUDE_REF,
	    'S', 90, &info->lat) &&
	    gps_coord(ed, EXIF_TAG_GPS_LONGITUDE, EXIF_TAG_GPS_LONGITUDE_REF,
	    'W', 180, &info->lon))
		info->has_gps = 1;
	else
		info->lat = info->lon = 0;
	if ((e = entry(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_ALTITUDE,
	    EXIF_FORMAT_RATIONAL, 1)) != NULL && rational(e, bo, 0, &v) &&
	    isfinite(v)) {
		ExifEntry *r = entry(ed, EXIF_IFD_GPS,
		    EXIF_TAG_GPS_ALTITUDE_REF, EXIF_FORMAT_BYTE, 1);

		info->has_alt = 1;
		info->alt = r != NULL && r->data[0] == 1 ? -v : v;
	}
}

/* EXIF from a TIFF block (no "Exif\0\0" prefix): walk, copy, load. */
static void
probe_exif(const unsigned char *t, size_t n, int truncated,
    struct ex_image_info *info, struct tiffwalk *w)
{
	unsigned char *copy;
	ExifData *ed;
	ExifLog *log;
	int corrupt = 0;

	tiff_walk(t, n, w);
	if (truncated || n > EXIF_CAP)
		w->damaged = 1;
	if (n > EXIF_CAP)
		n = EXIF_CAP;
	if (n < 8) {
		info->exif_damaged = 1;
		return;
	}
	if ((copy = malloc((n < LIBEXIF_WINDOW ? n : LIBEXIF_WINDOW) + 6)) ==
	    NULL) {
		info->exif_damaged = 1;
		return;
	}
	memcpy(copy, "Exif\0\0", 6);
	if (n + 6 > LIBEXIF_WINDOW) {
		n = tiff_repack(t, n, w, copy + 6);
	} else {
		memcpy(copy + 6, t, n);
		if (w->makernote != 0)
			tput16(copy + 6 + w->makernote, t[0] == 'I',
			    TAG_NEUTERED);
	}
	if ((log = exif_log_new()) != NULL)
		exif_log_set_func(log, exif_log_cb, &corrupt);
	if ((ed = exif_data_new()) != NULL) {
		if (log != NULL)
			exif_data_log(ed, log);
		exif_data_unset_option(ed,
		    EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
		/* Keep tags this libexif has no name for (0x9011 is only
		 * known since 0.6.23). */
		exif_data_unset_option(ed,
		    EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
		exif_data_set_option(ed,
		    EXIF_DATA_OPTION_DONT_CHANGE_MAKER_NOTE);
		exif_data_load_data(ed, copy, (unsigned int)(n + 6));
		exif_values(ed, info);
		exif_data_unref(ed);
	} else
		corrupt = 1;
	if (log != NULL)
		exif_log_unref(log);
	free(copy);
	if (corrupt || w->damaged)
		info->exif_damaged = 1;
}

/* ---- containers ---- */

static int
is_sof(unsigned m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
	    m != 0xcc;
}

static int
probe_jpeg(const unsigned char *b, size_t n, struct ex_image_info *info)
{
	struct tiffwalk w;
	size_t i = 2;
	int exif_done = 0;

	while (i + 4 <= n) {
		unsigned m;
		size_t len;

		if (b[i] != 0xff) {
			/* Lost sync (a lying length): look for the next
			 * marker rather than give up on the dimensions. */
			i++;
			continue;
		}
		while (i < n && b[i] == 0xff)
			i++;
		if (i >= n)
			break;
		m = b[i++];
		if (m == 0x00 || m == 0x01 || m == 0xd8 ||
		    (m >= 0xd0 && m <= 0xd7))
			continue;
		if (m == 0xd9 || m == 0xda)
			break;		/* EOI, or the scan: headers over */
		if (i + 2 > n)
			break;
		len = be16(b + i);
		if (len < 2)
			continue;
		if (is_sof(m) && !info->has_dims && i + 7 <= n && len >= 7) {
			info->height = be16(b + i + 3);
			info->width = be16(b + i + 5);
			info->has_dims = info->width > 0 && info->height > 0;
		}
		if (m == 0xe1 && !exif_done && i + 8 <= n &&
		    memcmp(b + i + 2, "Exif\0", 5) == 0) {
			size_t avail = n - (i + 8);
			size_t want = len >= 8 ? len - 8 : 0;

			exif_done = 1;
			probe_exif(b + i + 8, want < avail ? want : avail,
			    want > avail, info, &w);
		}
		i += len;
	}
	return info->has_dims || exif_done ? 0 : ETK_EFORMAT;
}

static int
probe_png(const unsigned char *b, size_t n, struct ex_image_info *info)
{
	struct tiffwalk w;
	size_t i = 8;
	int ok = 0;

	if (n >= 24 && memcmp(b + 12, "IHDR", 4) == 0) {
		info->width = be32(b + 16);
		info->height = be32(b + 20);
		info->has_dims = info->width > 0 && info->height > 0;
		ok = 1;
	}
	while (i + 8 <= n) {
		uint32_t len = be32(b + i);
		const unsigned char *type = b + i + 4;
		size_t avail = n - (i + 8);

		if (memcmp(type, "IEND", 4) == 0)
			break;
		if (memcmp(type, "eXIf", 4) == 0) {
			probe_exif(b + i + 8, len < avail ? len : avail,
			    len > avail, info, &w);
			ok = 1;
			break;
		}
		if (len > avail || avail - len < 4)
			break;
		i += 8 + (size_t)len + 4;	/* data and CRC */
	}
	return ok ? 0 : ETK_EFORMAT;
}

static int
probe_gif(const unsigned char *b, size_t n, struct ex_image_info *info)
{
	if (n < 10)
		return ETK_EFORMAT;
	info->width = le16(b + 6);
	info->height = le16(b + 8);
	info->has_dims = info->width > 0 && info->height > 0;
	return 0;
}

static int
probe_bmp(const unsigned char *b, size_t n, struct ex_image_info *info)
{
	uint32_t hs;
	int32_t w, h;

	if (n < 26)
		return ETK_EFORMAT;
	hs = le32(b + 14);
	if (hs == 12) {
		info->width = le16(b + 18);
		info->height = le16(b + 20);
	} else if (hs >= 40) {
		w = (int32_t)le32(b + 18);
		h = (int32_t)le32(b + 22);
		/* Negative height: rows stored top-down. */
		if (w <= 0 || h == INT32_MIN)
			return ETK_EFORMAT;
		info->width = (uint32_t)w;
		info->height = (uint32_t)(h < 0 ? -h : h);
	} else
		return ETK_EFORMAT;
	info->has_dims = info->width > 0 && info->height > 0;
	return 0;
}

static int
probe_webp(const unsigned char *b, size_t n, struct ex_image_info *info)
{
	struct tiffwalk w;
	size_t i = 12, end = n;
	int ok = 0;

	/* The RIFF size bounds the chunks when it is smaller. */
	if ((size_t)le32(b + 4) + 8 < end)
		end = (size_t)le32(b + 4) + 8;
	while (i + 8 <= end) {
		const unsigned char *c = b + i + 8;
		uint32_t len = le32(b + i + 4);
		size_t avail = end - (i + 8), have = len < avail ? len : avail;

		if (memcmp(b + i, "VP8 ", 4) == 0 && have >= 10 &&
		    !info->has_dims && c[3] == 0x9d && c[4] == 0x01 &&
		    c[5] == 0x2a) {
			info->width = le16(c + 6) & 0x3fff;
			info->height = le16(c + 8) & 0x3fff;
			info->has_dims = info->width > 0 && info->height > 0;
		} else if (memcmp(b + i, "VP8L", 4) == 0 && have >= 5 &&
		    !info->has_dims && c[0] == 0x2f) {
			uint32_t v = le32(c + 1);

			info->width = (v & 0x3fff) + 1;
			info->height = ((v >> 14) & 0x3fff) + 1;
			info->has_dims = 1;
		} else if (memcmp(b + i, "VP8X", 4) == 0 && have >= 10) {
			info->width = ((uint32_t)c[4] | (uint32_t)c[5] << 8 |
			    (uint32_t)c[6] << 16) + 1;
			info->height = ((uint32_t)c[7] | (uint32_t)c[8] << 8 |
			    (uint32_t)c[9] << 16) + 1;
			info->has_dims = 1;
		} else if (memcmp(b + i, "EXIF", 4) == 0) {
			/* Some writers keep the JPEG "Exif\0\0" prefix. */
			if (have >= 6 && memcmp(c, "Exif\0\0", 6) == 0)
				probe_exif(c + 6, have - 6, len > avail, info,
				    &w);
			else
				probe_exif(c, have, len > avail, info, &w);
			ok = 1;
		}
		if (len > avail)
			break;
		i += 8 + (size_t)len + (len & 1);
	}
	return info->has_dims || ok ? 0 : ETK_EFORMAT;
}

static int
probe_tiff(const unsigned char *b, size_t n, struct ex_image_info *info)
{
	struct tiffwalk w;

	probe_exif(b, n, 0, info, &w);
	if (w.has_dims) {
		info->width = w.width;
		info->height = w.height;
		info->has_dims = 1;
	}
	return 0;
}

/* ---- HEIC / HEIF / AVIF (ISO base media) ---- */

struct box {
	char type[5];
	const unsigned char *data;	/* payload */
	size_t len;
};

/* The box at b[*at..end); advances *at.  0 at the end or on a bad
 * size. */
static int
next_box(const unsigned char *b, size_t *at, size_t end, struct box *bx)
{
	size_t i = *at, hdr = 8;
	uint64_t size;

	if (i >= end || end - i < 8)
		return 0;
	size = be32(b + i);
	if (size == 1) {
		if (end - i < 16)
			return 0;
		size = (uint64_t)be32(b + i + 8) << 32 | be32(b + i + 12);
		hdr = 16;
	} else if (size == 0)
		size = end - i;
	if (size < hdr || size > end - i)
		return 0;
	memcpy(bx->type, b + i + 4, 4);
	bx->type[4] = '\0';
	bx->data = b + i + hdr;
	bx->len = (size_t)size - hdr;
	*at = i + (size_t)size;
	return 1;
}

/* Read an unsigned of nbytes (0, 4 or 8) big-endian at p[*at]. */
static int
getn(const unsigned char *p, size_t len, size_t *at, unsigned nbytes,
    uint64_t *v)
{
	unsigned k;

	if (len - *at < nbytes || *at > len)
		return 0;
	*v = 0;
	for (k = 0; k < nbytes; k++)
		*v = *v << 8 | p[*at + k];
	*at += nbytes;
	return 1;
}

struct heif {
	uint32_t primary;
	int has_primary;
	uint32_t exif_id;
	int has_exif;
	uint64_t exif_off, exif_len;
	int has_exif_loc;
	/* ispe properties by index (1-based in ipma), first 64 */
	uint32_t ispe_w[65], ispe_h[65];
	unsigned char is_ispe[65];
	uint32_t assoc[65];	/* property indexes of the primary item */
	unsigned nassoc;
};

static void
heif_iinf(const struct box *bx, struct heif *h)
{
	size_t at = 4, end = bx->len;
	struct box c;
	unsigned ver;

	if (bx->len < 6)
		return;
	ver = bx->data[0];
	at += ver == 0 ? 2 : 4;		/* entry count */
	while (next_box(bx->data, &at, end, &c)) {
		uint32_t id;
		size_t o;

		if (strcmp(c.type, "infe") != 0 || c.len < 4 ||
		    c.data[0] < 2)
			continue;
		if (c.data[0] == 2) {
			if (c.len < 12)
				continue;
			id = be16(c.data + 4);
			o = 8;
		} else {
			if (c.len < 14)
				continue;
			id = be32(c.data + 4);
			o = 10;
		}
		if (memcmp(c.data + o, "Exif", 4) == 0 && !h->has_exif) {
			h->exif_id = id;
			h->has_exif = 1;
		}
	}
}

static void
heif_iloc(const struct box *bx, struct heif *h)
{
	const unsigned char *p = bx->data;
	size_t at = 4, len = bx->len;
	unsigned ver, osz, lsz, bsz, isz;
	uint64_t count, i, v;

	if (len < 8 || !h->has_exif)
		return;
	ver = p[0];
	if (ver > 2)
		return;
	osz = p[4] >> 4;
	lsz = p[4] & 15;
	bsz = p[5] >> 4;
	isz = ver >= 1 ? p[5] & 15 : 0;
	if ((osz != 0 && osz != 4 && osz != 8) || (lsz != 0 && lsz != 4 &&
	    lsz != 8) || (bsz != 0 && bsz != 4 && bsz != 8) ||
	    (isz != 0 && isz != 4 && isz != 8))
		return;
	at = 6;
	if (!getn(p, len, &at, ver < 2 ? 2 : 4, &count))
		return;
	for (i = 0; i < count; i++) {
		uint64_t id, cm = 0, base, next, e, off = 0, l = 0;

		if (!getn(p, len, &at, ver < 2 ? 2 : 4, &id))
			return;
		if (ver >= 1 && !getn(p, len, &at, 2, &cm))
			return;
		if (!getn(p, len, &at, 2, &v) ||	/* data ref index */
		    !getn(p, len, &at, bsz, &base) ||
		    !getn(p, len, &at, 2, &next))
			return;
		/* Extents with no fields take no bytes: do not spin over
		 * 65535 of them per item. */
		if (isz + osz + lsz == 0 && next > 1)
			next = 1;
		for (e = 0; e < next; e++) {
			uint64_t xo, xl;

			if (!getn(p, len, &at, isz, &v) ||
			    !getn(p, len, &at, osz, &xo) ||
			    !getn(p, len, &at, lsz, &xl))
				return;
			if (e == 0) {
				off = xo;
				l = xl;
			}
		}
		if (id == h->exif_id && cm == 0 && next >= 1 &&
		    base <= UINT64_MAX - off) {
			h->exif_off = base + off;
			h->exif_len = l;
			h->has_exif_loc = 1;
			return;
		}
	}
}

static void
heif_iprp(const struct box *bx, struct heif *h)
{
	size_t at = 0;
	struct box c;

	while (next_box(bx->data, &at, bx->len, &c)) {
		if (strcmp(c.type, "ipco") == 0) {
			size_t a2 = 0;
			unsigned idx = 0;
			struct box pb;

			while (next_box(c.data, &a2, c.len, &pb) && idx < 64) {
				idx++;
				if (strcmp(pb.type, "ispe") == 0 &&
				    pb.len >= 12) {
					h->is_ispe[idx] = 1;
					h->ispe_w[idx] = be32(pb.data + 4);
					h->ispe_h[idx] = be32(pb.data + 8);
				}
			}
		} else if (strcmp(c.type, "ipma") == 0 && c.len >= 8) {
			const unsigned char *p = c.data;
			unsigned ver = p[0], flags = p[3] & 1;
			size_t a2 = 4;
			uint64_t n, i, id, na, k, v;

			if (!getn(p, c.len, &a2, 4, &n))
				continue;
			for (i = 0; i < n; i++) {
				if (!getn(p, c.len, &a2, ver < 1 ? 2 : 4, &id) ||
				    !getn(p, c.len, &a2, 1, &na))
					break;
				for (k = 0; k < na; k++) {
					if (!getn(p, c.len, &a2, flags ? 2 : 1,
					    &v))
						break;
					v &= flags ? 0x7fff : 0x7f;
					if (h->has_primary && id == h->primary &&
					    h->nassoc < 64)
						h->assoc[h->nassoc++] =
						    (uint32_t)v;
				}
			}
		}
	}
}

static int
probe_heif(const unsigned char *b, size_t n, struct ex_image_info *info)
{
	struct heif h;
	struct box top, c;
	size_t at = 0;
	unsigned i;

	memset(&h, 0, sizeof(h));
	while (next_box(b, &at, n, &top)) {
		size_t a2 = 4;
		struct box iprp = { { 0 }, NULL, 0 };
		int have_iprp = 0;

		if (strcmp(top.type, "meta") != 0 || top.len < 4)
			continue;
		/* Two passes: pitm and iinf first, then what they name. */
		while (next_box(top.data, &a2, top.len, &c)) {
			if (strcmp(c.type, "pitm") == 0 && c.len >= 6) {
				h.primary = c.data[0] == 0 ? be16(c.data + 4) :
				    (c.len >= 8 ? be32(c.data + 4) : 0);
				h.has_primary = 1;
			} else if (strcmp(c.type, "iinf") == 0)
				heif_iinf(&c, &h);
			else if (strcmp(c.type, "iprp") == 0) {
				iprp = c;
				have_iprp = 1;
			}
		}
		a2 = 4;
		while (next_box(top.data, &a2, top.len, &c))
			if (strcmp(c.type, "iloc") == 0)
				heif_iloc(&c, &h);
		if (have_iprp)
			heif_iprp(&iprp, &h);
		break;
	}
	/* The primary item's ispe; else the first one. */
	for (i = 0; i < h.nassoc; i++)
		if (h.assoc[i] <= 64 && h.is_ispe[h.assoc[i]]) {
			info->width = h.ispe_w[h.assoc[i]];
			info->height = h.ispe_h[h.assoc[i]];
			info->has_dims = info->width > 0 && info->height > 0;
			break;
		}
	for (i = 1; i <= 64 && !info->has_dims; i++)
		if (h.is_ispe[i]) {
			info->width = h.ispe_w[i];
			info->height = h.ispe_h[i];
			info->has_dims = info->width > 0 && info->height > 0;
		}
	if (h.has_exif_loc) {
		struct tiffwalk w;

		if (h.exif_off >= n || h.exif_len < 4 || h.exif_len >
		    n - h.exif_off) {
			info->exif_damaged = 1;
		} else {
			const unsigned char *p = b + h.exif_off;
			/* Exif item: a 4-byte offset to the TIFF header
			 * (past an "Exif\0\0"), then the block. */
			uint32_t skip = be32(p);

			if (skip > h.exif_len - 4)
				info->exif_damaged = 1;
			else
				probe_exif(p + 4 + skip, (size_t)h.exif_len -
				    4 - skip, 0, info, &w);
		}
	}
	return info->has_dims || h.has_exif ? 0 : ETK_EFORMAT;
}

int
ex_image_probe(const void *buf, size_t len, struct ex_image_info *info)
{
	const unsigned char *b = buf;
	int rc = ETK_EFORMAT;

	memset(info, 0, sizeof(*info));
	if (b == NULL)
		return ETK_EFORMAT;
	if (len >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		rc = probe_jpeg(b, len, info);
	else if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		rc = probe_png(b, len, info);
	else if (len >= 6 && (memcmp(b, "GIF87a", 6) == 0 ||
	    memcmp(b, "GIF89a", 6) == 0))
		rc = probe_gif(b, len, info);
	else if (len >= 2 && b[0] == 'B' && b[1] == 'M')
		rc = probe_bmp(b, len, info);
	else if (len >= 16 && memcmp(b, "RIFF", 4) == 0 &&
	    memcmp(b + 8, "WEBP", 4) == 0)
		rc = probe_webp(b, len, info);
	else if (len >= 8 && (memcmp(b, "II*\0", 4) == 0 ||
	    memcmp(b, "MM\0*", 4) == 0))
		rc = probe_tiff(b, len, info);
	else if (len >= 12 && memcmp(b + 4, "ftyp", 4) == 0)
		rc = probe_heif(b, len, info);
	if (rc != 0)
		memset(info, 0, sizeof(*info));
	return rc;
}
