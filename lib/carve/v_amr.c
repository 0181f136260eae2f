/*
 * AMR and AMR-WB validator (RFC 4867 storage format, phones' voice
 * notes): the "#!AMR\n" or "#!AMR-WB\n" magic, then speech frames, each
 * a one-byte header (F bit clear, frame type, Q bit set: a good frame,
 * two zero padding bits) and the payload its frame type sizes, at least
 * AMR_MINFRAMES of them.  The file ends before the first byte that is
 * not such a header.
 *
 * A frame header is a weak check (a random byte passes one time in
 * about 25), so the payload's padding bits (zero to the octet) end the
 * walk too, once the file has shown that its writer clears them.
 */
#include <string.h>

#include "carve/v_media.h"

#define AMR_MINFRAMES	4	/* 80 ms: less is a magic over junk */
#define AMR_LEARN	8	/* frames before the padding bits count */

/* Bytes of a frame (header included) by frame type, 0: not allowed in
 * a file; and the speech bits of the payload (the rest is padding). */
static const unsigned char amr_nb_len[16] = { 13, 14, 16, 18, 20, 21, 27,
    32, 6, 0, 0, 0, 0, 0, 0, 1 };
static const unsigned short amr_nb_bits[16] = { 95, 103, 118, 134, 148,
    159, 204, 244, 39 };
static const unsigned char amr_wb_len[16] = { 18, 24, 33, 37, 41, 47, 51,
    59, 61, 6, 0, 0, 0, 0, 1, 1 };
static const unsigned short amr_wb_bits[16] = { 132, 177, 253, 285, 317,
    365, 397, 461, 477, 40 };

static enum cv_status
amr_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[9], f[64];
	const unsigned char *len;
	const unsigned short *bits;
	uint64_t pos, lim, wend, n = 0;
	unsigned ft, fl, pad;
	int padzero = 1;

	memset(r, 0, sizeof(*r));
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	if (cv_read(src, off, h, 6) != 0 || memcmp(h, "#!AMR", 5) != 0)
		return cv_answer(r, CV_NO, 0);
	if (h[5] == '\n') {
		pos = 6;
		len = amr_nb_len;
		bits = amr_nb_bits;
	} else if (cv_read(src, off, h, 9) == 0 &&
	    memcmp(h + 5, "-WB\n", 4) == 0) {
		pos = 9;
		len = amr_wb_len;
		bits = amr_wb_bits;
		r->ext = "awb";
	} else
		return cv_answer(r, CV_NO, 0);
	for (;;) {
		if (pos == lim)
			break;		/* (a file may end with the window) */
		if (cv_read(src, off + pos, f, 1) != 0)
			break;
		ft = f[0] >> 3 & 15;
		fl = len[ft];
		if ((f[0] & 0x87) != 0x04 || fl == 0)
			break;
		if (pos + fl > lim) {
			if (pos + fl <= max && n >= AMR_MINFRAMES)
				return cv_answer(r, CV_TRUNCATED, lim);
			break;
		}
		if (cv_read(src, off + pos, f, fl) != 0)
			return cv_answer(r, n >= AMR_MINFRAMES ? CV_TRUNCATED :
			    CV_NO, lim);
		if (fl > 1 && (pad = (fl - 1) * 8 - bits[ft]) > 0 &&
		    (f[fl - 1] & ((1u << pad) - 1)) != 0) {
			/* a writer that clears the padding does so in
			 * every frame: here is something else */
			if (padzero && n >= AMR_LEARN)
				break;
			padzero = 0;
		}
		pos += fl;
		n++;
	}
	if (n < AMR_MINFRAMES) {
		r->ext = NULL;
		return cv_answer(r, CV_NO, 0);
	}
	return cv_answer(r, CV_COMPLETE, pos);
}

CV_VALIDATOR(amr_validate, amr_walk)

static const unsigned char amr_magic[] = { '#', '!', 'A', 'M', 'R' };

const struct cv_format cv_fmt_amr = {
	.type = "amr",
	.ext = "amr",
	.descr = "AMR / AMR-WB speech (frame walk by the frame-type sizes)",
	.magic = amr_magic,
	.magic_len = sizeof(amr_magic),
	.magic_off = 0,
	.max_size = (uint64_t)64 << 20,
	.validate = amr_validate,
};
