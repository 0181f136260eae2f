/*
 * FLV validator: the 9-byte header ("FLV", version 1, audio/video
 * flags, header size 9), PreviousTagSize0 = 0, then the tag walk: each
 * tag's type (audio 8, video 9, script data 18; the filter bit allowed),
 * 24-bit data size, stream id 0, and the PreviousTagSize after it equal
 * to 11 + data size.  The file ends after the last tag whose back
 * pointer matches, where no further tag header follows; a tag header
 * whose back pointer does not match is CORRUPT there.
 */
#include <string.h>

#include "carve/v_media.h"

static int
flv_taghdr(const unsigned char *t)
{
	unsigned type = t[0] & 0x1f;

	return (t[0] & 0xc0) == 0 && (type == 8 || type == 9 || type == 18) &&
	    (t[8] | t[9] | t[10]) == 0;
}

static enum cv_status
flv_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[13], t[11];
	uint64_t pos, lim, wend, n = 0;
	uint32_t ds;

	memset(r, 0, sizeof(*r));
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	if (cv_read(src, off, h, 13) != 0 || memcmp(h, "FLV\x01", 4) != 0 ||
	    (h[4] & 0xfa) != 0 || cv_be32(h + 5) != 9 ||
	    cv_be32(h + 9) != 0)
		return cv_answer(r, CV_NO, 0);
	pos = 13;
	for (;;) {
		if (pos == lim)
			break;		/* (a file may end with the window) */
		if (cv_read(src, off + pos, t, 11) != 0) {
			if (pos + 11 > wend && n > 0)
				return cv_answer(r, CV_TRUNCATED, lim);
			break;
		}
		if (!flv_taghdr(t))
			break;
		ds = (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
		if (pos + 11 + ds + 4 > wend && pos + 11 + ds + 4 <= max)
			return cv_answer(r, n > 0 || ds > 0 ? CV_TRUNCATED :
			    CV_NO, lim);
		if (pos + 11 + ds + 4 > max ||
		    cv_read(src, off + pos + 11 + ds, h, 4) != 0 ||
		    cv_be32(h) != 11 + ds) {
			if (n == 0)
				return cv_answer(r, CV_NO, 0);
			return cv_answer(r, CV_CORRUPT, pos);
		}
		pos += 11 + ds + 4;
		n++;
	}
	if (n == 0)
		return cv_answer(r, CV_NO, 0);
	return cv_answer(r, CV_COMPLETE, pos);
}

CV_VALIDATOR(flv_validate, flv_walk)

/* "LV\x01" one byte in: "FL" is common in upper-case text. */
static const unsigned char flv_magic[] = { 'L', 'V', 0x01 };

const struct cv_format cv_fmt_flv = {
	.type = "flv",
	.ext = "flv",
	.descr = "Flash video (tag walk, PreviousTagSize back pointers)",
	.magic = flv_magic,
	.magic_len = sizeof(flv_magic),
	.magic_off = 1,
	.max_size = 0,
	.validate = flv_validate,
};
