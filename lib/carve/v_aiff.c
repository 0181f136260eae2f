/*
 * AIFF / AIFF-C validator (IFF "FORM" of type "AIFF" or "AIFC"): the
 * FORM size gives the end (+ 8); the chunks inside (a printable id, a
 * big-endian size, the data padded to even) must fill it exactly, with
 * a COMM chunk (18 bytes or more, at least one channel, a known sample
 * size) among them.  A chunk that is not one is CORRUPT there.
 */
#include <string.h>

#include "carve/v_media.h"

#define AIFF_MAXCHUNKS	4096

static int
aiff_id(const unsigned char *p)
{
	int i;

	for (i = 0; i < 4; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
	return 1;
}

static enum cv_status
aiff_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[26];
	uint64_t pos, lim, wend, end, len;
	unsigned k;
	int comm = 0;

	memset(r, 0, sizeof(*r));
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	if (cv_read(src, off, h, 12) != 0 || memcmp(h, "FORM", 4) != 0 ||
	    (memcmp(h + 8, "AIFF", 4) != 0 && memcmp(h + 8, "AIFC", 4) != 0))
		return cv_answer(r, CV_NO, 0);
	if (h[11] == 'C')
		r->ext = "aifc";
	end = 8 + (uint64_t)cv_be32(h + 4);
	if (end < 12 + 8 + 18 || end > max) {
		r->ext = NULL;
		return cv_answer(r, CV_NO, 0);
	}
	for (pos = 12, k = 0; pos < end && k < AIFF_MAXCHUNKS; k++) {
		if (cv_read(src, off + pos, h, 8) != 0)
			return cv_answer(r, comm ? CV_TRUNCATED : CV_NO, lim);
		len = cv_be32(h + 4);
		if (!aiff_id(h) || pos + 8 + len > end)
			break;
		if (memcmp(h, "COMM", 4) == 0) {
			if (len < 18 ||
			    cv_read(src, off + pos + 8, h + 8, 18) != 0)
				break;
			if (cv_be16(h + 8) == 0 || cv_be16(h + 14) == 0 ||
			    cv_be16(h + 14) > 64)
				break;
			comm = 1;
		}
		pos += 8 + len + (len & 1);
		if (pos == end + 1 && (len & 1))
			pos = end;	/* a last pad byte left out */
	}
	if (pos == end && comm)
		return cv_answer(r, CV_COMPLETE, end);
	if (!comm) {
		r->ext = NULL;
		return cv_answer(r, CV_NO, 0);
	}
	return cv_answer(r, CV_CORRUPT, pos);
}

CV_VALIDATOR(aiff_validate, aiff_walk)

/* "AIF" eight bytes in: "FO" starts too many upper-case words. */
static const unsigned char aiff_magic[] = { 'A', 'I', 'F' };

const struct cv_format cv_fmt_aiff = {
	.type = "aiff",
	.ext = "aif",
	.descr = "AIFF / AIFF-C audio (FORM size, chunk walk, COMM)",
	.magic = aiff_magic,
	.magic_len = sizeof(aiff_magic),
	.magic_off = 8,
	.max_size = 0,
	.validate = aiff_validate,
};
