/*
 * TIFF validator (II*\0 and MM\0*): the IFD chain (and the EXIF, GPS,
 * interoperability and SubIFDs it points to) is walked, bounded in IFD
 * count, entries and array lengths, with a visited list against loops;
 * the end of the file is the furthest byte any IFD, out-of-line value,
 * strip or tile reaches (and the zero byte after it when that is odd:
 * writers that keep every block on a word boundary, as exiftool does
 * when it rewrites a file, pad the last one too).  The first IFD must
 * give a width, a height and strips or tiles.
 */
#include <string.h>

#include "carve/v_media.h"

#define TIFF_MAXIFD	64
#define TIFF_MAXENT	1024
#define TIFF_MAXARR	65536

struct tiff {
	const struct cv_src *src;
	uint64_t off, max, wend, end;
	int be;
	uint64_t todo[TIFF_MAXIFD], seen[TIFF_MAXIFD];
	int ntodo, nseen;
	int eof;
};

static uint32_t
t32(const struct tiff *t, const unsigned char *p)
{
	return t->be ? cv_be32(p) : cv_le32(p);
}

static uint16_t
t16(const struct tiff *t, const unsigned char *p)
{
	return t->be ? cv_be16(p) : cv_le16(p);
}

static void
tiff_reach(struct tiff *t, uint64_t e)
{
	if (e > t->end)
		t->end = e;
}

static void
tiff_push(struct tiff *t, uint64_t o)
{
	int i;

	if (o < 8 || o >= t->max)
		return;
	for (i = 0; i < t->nseen; i++)
		if (t->seen[i] == o)
			return;
	for (i = 0; i < t->ntodo; i++)
		if (t->todo[i] == o)
			return;
	if (t->ntodo < TIFF_MAXIFD && t->nseen + t->ntodo < TIFF_MAXIFD)
		t->todo[t->ntodo++] = o;
}

/* Value i of an entry (type 3 SHORT or 4 LONG, or IFD 13). */
static int
tiff_val(struct tiff *t, const unsigned char *e, uint32_t i, uint64_t *v)
{
	unsigned type = t16(t, e + 2), sz = type == 3 ? 2 : 4;
	uint32_t cnt = t32(t, e + 4);
	unsigned char b[4];
	uint64_t at;

	if (type != 3 && type != 4 && type != 13)
		return -1;
	if (i >= cnt)
		return -1;
	if ((uint64_t)cnt * sz <= 4) {
		memcpy(b, e + 8 + i * sz, sz);
	} else {
		at = t32(t, e + 8) + (uint64_t)i * sz;
		if (at + sz > t->max || cv_read(t->src, t->off + at, b, sz)) {
			t->eof = at + sz > t->wend;
			return -1;
		}
	}
	*v = sz == 2 ? t16(t, b) : t32(t, b);
	return 0;
}

static const unsigned tsize[14] = { 0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8,
    4 };

/* Walk one IFD at o; -1 when it is not a sane IFD. */
static int
tiff_ifd(struct tiff *t, uint64_t o, int first)
{
	unsigned char e[12 * 64], n2[4];
	const unsigned char *en;
	const unsigned char *offs = NULL, *cnts = NULL;
	unsigned char soffs[12], scnts[12];
	unsigned n, i, j, k, m, type, tag, last = 0, have = 0;
	uint32_t cnt;
	uint64_t vo, vc, sz, jpeg = 0;

	if (cv_read(t->src, t->off + o, n2, 2) != 0) {
		t->eof = 1;
		return -1;
	}
	n = t16(t, n2);
	if (n == 0 || n > TIFF_MAXENT || o + 2 + 12 * (uint64_t)n + 4 > t->max)
		return -1;
	tiff_reach(t, o + 2 + 12 * (uint64_t)n + 4);
	for (i = 0; i < n; i += 64) {
		k = n - i < 64 ? n - i : 64;
		if (cv_read(t->src, t->off + o + 2 + 12 * (uint64_t)i, e,
		    12 * k) != 0) {
			t->eof = 1;
			return -1;
		}
		for (j = 0; j < k; j++) {
			en = e + 12 * j;
			tag = t16(t, en);
			type = t16(t, en + 2);
			cnt = t32(t, en + 4);
			if (type < 1 || type > 13)
				return -1;
			if (i + j > 0 && tag <= last && first)
				return -1;	/* tags ascend */
			last = tag;
			sz = (uint64_t)cnt * tsize[type];
			if (sz > 4) {
				vo = t32(t, en + 8);
				if (vo < 8 || vo + sz > t->max)
					return -1;
				tiff_reach(t, vo + sz);
			}
			switch (tag) {
			case 256:
				have |= 1;
				break;
			case 257:
				have |= 2;
				break;
			case 273:
			case 324:
				memcpy(soffs, en, 12);
				offs = soffs;
				break;
			case 279:
			case 325:
				memcpy(scnts, en, 12);
				cnts = scnts;
				break;
			case 513:	/* JPEGInterchangeFormat */
				if (tiff_val(t, en, 0, &jpeg) == 0)
					have |= 8;
				break;
			case 514:
				if ((have & 8) && tiff_val(t, en, 0, &sz) == 0)
					tiff_reach(t, jpeg + sz);
				break;
			case 330:	/* SubIFDs */
			case 34665:	/* EXIF */
			case 34853:	/* GPS */
			case 40965:	/* interoperability */
				for (m = 0; m < cnt && m < 16; m++)
					if (tiff_val(t, en, m, &vo) == 0)
						tiff_push(t, vo);
				break;
			}
		}
	}
	if (offs != NULL && cnts != NULL) {
		cnt = t32(t, offs + 4);
		if (cnt != t32(t, cnts + 4) || cnt > TIFF_MAXARR)
			return -1;
		for (i = 0; i < cnt; i++) {
			if (tiff_val(t, offs, i, &vo) != 0 ||
			    tiff_val(t, cnts, i, &vc) != 0)
				return -1;
			if (vo + vc > t->max)
				return -1;
			tiff_reach(t, vo + vc);
		}
		have |= 4;
	}
	if (first && (have & 7) != 7)
		return -1;
	if (cv_read(t->src, t->off + o + 2 + 12 * (uint64_t)n, n2, 4) != 0) {
		t->eof = 1;
		return -1;
	}
	tiff_push(t, t32(t, n2));
	return 0;
}

static enum cv_status
tiff_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct tiff t;
	unsigned char h[8];
	uint64_t o, lim;
	int first = 1;

	memset(r, 0, sizeof(*r));
	memset(&t, 0, sizeof(t));
	if (cv_read(src, off, h, 8) != 0)
		return cv_answer(r, CV_NO, 0);
	if (memcmp(h, "II*\0", 4) == 0)
		t.be = 0;
	else if (memcmp(h, "MM\0*", 4) == 0)
		t.be = 1;
	else
		return cv_answer(r, CV_NO, 0);
	t.src = src;
	t.off = off;
	t.max = max;
	t.wend = src->end > off ? src->end - off : 0;
	lim = max < t.wend ? max : t.wend;
	t.end = 8;
	tiff_push(&t, t32(&t, h + 4));
	if (t.ntodo == 0)
		return cv_answer(r, CV_NO, 0);
	while (t.ntodo > 0) {
		o = t.todo[0];
		memmove(t.todo, t.todo + 1, sizeof(t.todo[0]) * --t.ntodo);
		t.seen[t.nseen++] = o;
		if (tiff_ifd(&t, o, first) != 0) {
			if (t.eof)
				return cv_answer(r, first ? CV_NO :
				    CV_TRUNCATED, lim);
			if (first)
				return cv_answer(r, CV_NO, 0);
			break;	/* a later IFD is junk: keep what we have */
		}
		first = 0;
	}
	if (t.end > t.wend)
		return cv_answer(r, CV_TRUNCATED, lim);
	if ((t.end & 1) != 0 && t.end < lim &&
	    cv_read(src, off + t.end, h, 1) == 0 && h[0] == 0)
		t.end++;
	return cv_answer(r, CV_COMPLETE, t.end);
}

static const unsigned char tiff_le_magic[] = { 'I', 'I', 0x2a, 0 };
CV_VALIDATOR(tiff_validate, tiff_walk)

static const unsigned char tiff_be_magic[] = { 'M', 'M', 0, 0x2a };

const struct cv_format cv_fmt_tiff_le = {
	.type = "tiff",
	.ext = "tif",
	.descr = "TIFF image, little-endian (IFD chain, strips and tiles)",
	.magic = tiff_le_magic,
	.magic_len = sizeof(tiff_le_magic),
	.magic_off = 0,
	.max_size = (uint64_t)256 << 20,
	.validate = tiff_validate,
};

const struct cv_format cv_fmt_tiff_be = {
	.type = "tiff-be",
	.ext = "tif",
	.descr = "TIFF image, big-endian (IFD chain, strips and tiles)",
	.magic = tiff_be_magic,
	.magic_len = sizeof(tiff_be_magic),
	.magic_off = 0,
	.max_size = (uint64_t)256 << 20,
	.validate = tiff_validate,
};
