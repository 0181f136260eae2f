/*
 * ISO base media file validator (MP4, MOV, 3GP, M4A, HEIC, AVIF, ...):
 * ftyp first (small, printable brands), then the top-level box walk:
 * 32-bit size, 1 = 64-bit largesize, 0 = to the end of the file (which
 * a carver cannot know: truncated to the window); a size under 8 or an
 * unknown box type ends the walk.  A movie needs moov or mdat, an
 * image (HEIC/AVIF) needs meta.  The extension comes from the major
 * brand.
 */
#include <string.h>

#include "carve/v_media.h"

#define BMFF_MAXBOXES	100000

static const char *const bmff_top[] = {
	"moov", "mdat", "free", "skip", "wide", "uuid", "meta", "moof",
	"mfra", "sidx", "ssix", "styp", "prft", "emsg", "pdin", "udta",
	"pnot", "junk", "bloc", "idat", "jumb", "PICT", "ftyp", NULL
};

static int
bmff_known(const unsigned char *t)
{
	int i;

	for (i = 0; bmff_top[i] != NULL; i++)
		if (memcmp(t, bmff_top[i], 4) == 0)
			return 1;
	return 0;
}

static int
printable4(const unsigned char *p)
{
	int i;

	for (i = 0; i < 4; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
	return 1;
}

struct brand {
	const char *b;
	const char *type, *ext;
	int image;
};

static const struct brand brands[] = {
	{ "avif", "avif", "avif", 1 },	/* first: mif1 + avif below */
	{ "iso", "mp4", "mp4", 0 },	/* prefix: isom, iso2, ... */
	{ "mp4", "mp4", "mp4", 0 },	/* mp41, mp42 */
	{ "avc1", "mp4", "mp4", 0 },
	{ "dash", "mp4", "mp4", 0 },
	{ "MSNV", "mp4", "mp4", 0 },
	{ "qt  ", "mov", "mov", 0 },
	{ "3gp", "3gp", "3gp", 0 },	/* prefix: 3gp4, 3gp5, ... */
	{ "3g2", "3gp", "3g2", 0 },
	{ "M4A ", "m4a", "m4a", 0 },
	{ "M4B ", "m4a", "m4b", 0 },
	{ "M4V ", "mp4", "m4v", 0 },
	{ "heic", "heic", "heic", 1 },
	{ "heix", "heic", "heic", 1 },
	{ "heim", "heic", "heic", 1 },
	{ "heis", "heic", "heic", 1 },
	{ "hevc", "heic", "heic", 1 },
	{ "hevx", "heic", "heic", 1 },
	{ "mif1", "heic", "heic", 1 },
	{ "msf1", "heic", "heic", 1 },
	{ "avis", "avif", "avif", 1 },
	{ "crx ", "cr3", "cr3", 0 },
	{ "f4v ", "mp4", "f4v", 0 },
	{ NULL, NULL, NULL, 0 }
};

static const struct brand *
bmff_brand(const unsigned char *b, const unsigned char *compat, size_t nc)
{
	const struct brand *x;
	size_t i;

	for (x = brands; x->b != NULL; x++)
		if (memcmp(b, x->b, strlen(x->b)) == 0)
			break;
	if (x->b == NULL)
		return NULL;
	/* mif1 with avif among the compatible brands is an AVIF */
	if (memcmp(b, "mif1", 4) == 0)
		for (i = 0; i < nc; i++)
			if (memcmp(compat + 4 * i, "avif", 4) == 0)
				return &brands[0];
	return x;
}

static enum cv_status
bmff_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[16], ft[256];
	const struct brand *br;
	uint64_t pos, size, wend, lim, hl;
	int moov = 0, mdat = 0, meta = 0, n, image;

	memset(r, 0, sizeof(*r));
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	if (cv_read(src, off, h, 16) != 0 || memcmp(h + 4, "ftyp", 4) != 0)
		return cv_answer(r, CV_NO, 0);
	size = cv_be32(h);
	if (size < 16 || size > sizeof(ft) || (size & 3) != 0 ||
	    cv_read(src, off, ft, (size_t)size) != 0)
		return cv_answer(r, CV_NO, 0);
	for (pos = 8; pos < size; pos += 4)
		if (pos != 12 && !printable4(ft + pos) &&
		    memcmp(ft + pos, "\0\0\0\0", 4) != 0)
			return cv_answer(r, CV_NO, 0);
	if (!printable4(ft + 8))
		return cv_answer(r, CV_NO, 0);
	br = bmff_brand(ft + 8, ft + 16, (size - 16) / 4);
	image = br != NULL && br->image;
	if (br != NULL) {
		r->type = br->type;
		r->ext = br->ext;
	}
	pos = size;
	for (n = 0; n < BMFF_MAXBOXES; n++) {
		if (pos >= max)
			break;
		if (cv_read(src, off + pos, h, 8) != 0)
			break;		/* the window ends at a box end */
		if (!bmff_known(h + 4) || memcmp(h + 4, "ftyp", 4) == 0)
			break;
		size = cv_be32(h);
		hl = 8;
		if (size == 1) {
			if (cv_read(src, off + pos + 8, h + 8, 8) != 0)
				return cv_answer(r, CV_TRUNCATED, lim);
			size = cv_be64(h + 8);
			hl = 16;
		} else if (size == 0) {
			/* to the end of the file: unknowable here */
			if (memcmp(h + 4, "mdat", 4) == 0 && (moov || !image))
				return cv_answer(r, CV_TRUNCATED, lim);
			break;
		}
		if (size < hl)
			break;
		if (memcmp(h + 4, "moov", 4) == 0 ||
		    memcmp(h + 4, "meta", 4) == 0) {
			/* the first child must look like a box */
			unsigned char c[8];
			uint64_t co = pos + hl + (h[4] == 'm' && h[5] == 'e' ?
			    4 : 0);

			if (size < co - pos + 8)
				break;
			if (cv_read(src, off + co, c, 8) != 0)
				return cv_answer(r, CV_TRUNCATED, lim);
			if (!printable4(c + 4) || cv_be32(c) < 8 ||
			    cv_be32(c) > size - (co - pos))
				break;
			if (h[5] == 'o')
				moov = 1;
			else
				meta = 1;
		}
		if (memcmp(h + 4, "mdat", 4) == 0)
			mdat = 1;
		if (size > max - pos)
			return cv_answer(r, (moov || mdat || meta) ?
			    CV_TRUNCATED : CV_NO, lim);
		if (size > wend - pos)
			return cv_answer(r, CV_TRUNCATED, lim);
		pos += size;
	}
	if (image ? !meta : !(moov || mdat))
		return cv_answer(r, CV_NO, 0);
	if (!image && !moov)
		return cv_answer(r, CV_CORRUPT, pos);	/* mdat, no moov */
	return cv_answer(r, CV_COMPLETE, pos);
}

CV_VALIDATOR(bmff_validate, bmff_walk)

static const unsigned char bmff_magic[] = { 'f', 't', 'y', 'p' };

const struct cv_format cv_fmt_bmff = {
	.type = "mp4",
	.ext = "mp4",
	.descr = "ISO base media: MP4, MOV, 3GP, M4A, HEIC, AVIF (box walk)",
	.magic = bmff_magic,
	.magic_len = sizeof(bmff_magic),
	.magic_off = 4,
	.max_size = 0,
	.validate = bmff_validate,
};
