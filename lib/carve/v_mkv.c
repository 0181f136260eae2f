/*
 * Matroska / WebM validator: the EBML header element (DocType
 * "matroska" or "webm", which gives the extension), then the Segment.
 * A Segment of known size ends the file at its end, and its top-level
 * children must tile it exactly; a Segment of unknown size (live
 * recordings) is walked element by element (Clusters of unknown size
 * through their children) until something that is not a Segment child.
 */
#include <string.h>

#include "carve/v_media.h"

#define MKV_MAXELEMS	10000000

/* An EBML variable-size integer at p (n bytes available): its length
 * (0 if invalid), *v the value without the marker bit, *unk when all
 * value bits are ones (unknown size). */
static int
ebml_vint(const unsigned char *p, size_t n, uint64_t *v, int *unk)
{
	int len, i;
	uint64_t x, ones;

	if (n == 0 || p[0] == 0)
		return 0;
	for (len = 1; !(p[0] & (0x80 >> (len - 1))); len++)
		;
	if ((size_t)len > n)
		return 0;
	x = p[0] & (0xff >> len);
	for (i = 1; i < len; i++)
		x = x << 8 | p[i];
	ones = ((uint64_t)1 << (7 * len)) - 1;
	*v = x;
	if (unk != NULL)
		*unk = x == ones;
	return len;
}

/* An element ID (marker bits kept, 1..4 bytes). */
static int
ebml_id(const unsigned char *p, size_t n, uint32_t *id)
{
	int len, i;

	if (n == 0 || p[0] < 0x10)
		return 0;
	for (len = 1; !(p[0] & (0x80 >> (len - 1))); len++)
		;
	if ((size_t)len > n)
		return 0;
	for (*id = 0, i = 0; i < len; i++)
		*id = *id << 8 | p[i];
	return len;
}

/* Read an element header at pos: 0 ok, -1 window end, 1 not one. */
static int
ebml_elem(const struct cv_src *src, uint64_t at, uint32_t *id,
    uint64_t *size, int *unk, int *hl)
{
	unsigned char b[12];
	size_t n;
	int a, c;

	for (n = sizeof(b); n > 0; n--)
		if (cv_read(src, at, b, n) == 0)
			break;
	if (n < 2)
		return -1;
	if ((a = ebml_id(b, n, id)) == 0)
		return n < 4 ? -1 : 1;
	if ((c = ebml_vint(b + a, n - a, size, unk)) == 0)
		return n - a < 8 ? -1 : 1;
	*hl = a + c;
	return 0;
}

static const uint32_t mkv_top[] = {
	0x114d9b74, 0x1549a966, 0x1654ae6b, 0x1f43b675, 0x1c53bb6b,
	0x1043a770, 0x1254c367, 0x1941a469, 0xec, 0xbf, 0
};
static const uint32_t mkv_cluster[] = {
	0xe7, 0xa3, 0xa0, 0xa7, 0xab, 0xec, 0xbf, 0xaf, 0x5854, 0
};

static int
in(const uint32_t *set, uint32_t id)
{
	for (; *set != 0; set++)
		if (*set == id)
			return 1;
	return 0;
}

static enum cv_status
mkv_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char hb[64];
	uint64_t size, pos, hsize, segend, lim, wend, v;
	uint32_t id;
	int unk, hl, rc, n, incl = 0, segunk, i, l;

	memset(r, 0, sizeof(*r));
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	if (ebml_elem(src, off, &id, &hsize, &unk, &hl) != 0 ||
	    id != 0x1a45dfa3 || unk || hsize < 4 || hsize > sizeof(hb))
		return cv_answer(r, CV_NO, 0);
	if (cv_read(src, off + hl, hb, (size_t)hsize) != 0)
		return cv_answer(r, CV_NO, 0);
	/* DocType among the header's children */
	for (i = 0; i < (int)hsize; ) {
		uint32_t cid;
		int a, c;

		if ((a = ebml_id(hb + i, hsize - i, &cid)) == 0 ||
		    (c = ebml_vint(hb + i + a, hsize - i - a, &v, NULL)) == 0 ||
		    v > hsize - i - a - c)
			return cv_answer(r, CV_NO, 0);
		l = i + a + c;
		if (cid == 0x4282) {
			if (v == 4 && memcmp(hb + l, "webm", 4) == 0)
				r->ext = "webm";
			else if (v == 8 && memcmp(hb + l, "matroska", 8) == 0)
				r->ext = "mkv";
		}
		i = l + (int)v;
	}
	if (r->ext == NULL)
		return cv_answer(r, CV_NO, 0);
	pos = hl + hsize;
	rc = ebml_elem(src, off + pos, &id, &size, &segunk, &hl);
	if (rc < 0)
		return cv_answer(r, CV_TRUNCATED, lim);
	if (rc > 0 || id != 0x18538067)
		return cv_answer(r, CV_NO, 0);
	pos += hl;
	segend = segunk ? max : pos + size;
	if (!segunk && size > max - pos)
		return cv_answer(r, CV_NO, 0);
	for (n = 0; n < MKV_MAXELEMS && pos < segend; n++) {
		rc = ebml_elem(src, off + pos, &id, &size, &unk, &hl);
		if (rc < 0)
			return cv_answer(r, CV_TRUNCATED, lim);
		if (rc > 0 || !(in(mkv_top, id) ||
		    (incl && in(mkv_cluster, id)))) {
			if (segunk)
				break;	/* the end of a live recording */
			return cv_answer(r, CV_CORRUPT, pos);
		}
		if (in(mkv_top, id))
			incl = 0;
		if (unk) {
			if (id != 0x1f43b675 || !segunk)
				return cv_answer(r, CV_CORRUPT, pos);
			incl = 1;		/* walk the cluster's children */
			pos += hl;
			continue;
		}
		if ((uint64_t)hl > segend - pos ||
		    size > segend - pos - hl) {
			if (segunk && pos + hl + size > max)
				return cv_answer(r, CV_TRUNCATED, lim);
			return cv_answer(r, CV_CORRUPT, pos);
		}
		pos += hl + size;
		if (pos > wend)
			return cv_answer(r, CV_TRUNCATED, lim);
	}
	if (n == 0)
		return cv_answer(r, CV_NO, 0);
	return cv_answer(r, CV_COMPLETE, pos);
}

CV_VALIDATOR(mkv_validate, mkv_walk)

static const unsigned char mkv_magic[] = { 0x1a, 0x45, 0xdf, 0xa3 };

const struct cv_format cv_fmt_mkv = {
	.type = "mkv",
	.ext = "mkv",
	.descr = "Matroska / WebM video (EBML header, Segment walk)",
	.magic = mkv_magic,
	.magic_len = sizeof(mkv_magic),
	.magic_off = 0,
	.max_size = 0,
	.validate = mkv_validate,
};
