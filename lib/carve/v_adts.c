/*
 * AAC ADTS validator (.aac: Android's and many recorders' raw AAC): a
 * run of ADTS frames whose fixed headers agree (MPEG version, profile,
 * sampling frequency, channel configuration), each frame_length bytes
 * long, at least ADTS_MINFRAMES of them.  The file ends after the last
 * frame of the run.
 *
 * As with bare MPEG audio (v_mpa.c), every frame carries the anchor: a
 * candidate costs one header read unless the next frame follows it, and
 * a frame that an earlier frame of the same stream ends right before
 * (found by looking back as far as the longest frame) is the middle of
 * a stream, not a file.
 */
#include <string.h>

#include "carve/v_media.h"

#define ADTS_MINFRAMES	16
#define ADTS_MAXFRAME	8191	/* frame_length is 13 bits */

/* Frame length of the header at h, 0 when it is not one; *key gets the
 * fields every frame of a stream shares. */
static unsigned
adts_frame(const unsigned char *h, uint32_t *key)
{
	unsigned len, hl;

	if (h[0] != 0xff || (h[1] & 0xf6) != 0xf0 || ((h[2] >> 2) & 15) > 12)
		return 0;
	hl = (h[1] & 1) ? 7 : 9;
	len = (unsigned)(h[3] & 3) << 11 | (unsigned)h[4] << 3 | h[5] >> 5;
	if (len <= hl)
		return 0;
	*key = (uint32_t)h[1] << 16 | (uint32_t)(h[2] & 0xfd) << 8 |
	    (h[3] & 0xc0);
	return len;
}

/* Does a frame of the stream keyed key end right at off? */
static int
adts_follows(const struct cv_src *src, uint64_t off, uint32_t key)
{
	unsigned char b[ADTS_MAXFRAME + 6];
	size_t n, i;
	uint32_t k2 = 0;	/* set by adts_frame when it finds a frame */

	n = off < ADTS_MAXFRAME ? (size_t)off : ADTS_MAXFRAME;
	if (n < 8 || cv_read(src, off - n, b, n) != 0)
		return 0;
	memset(b + n, 0, 6);
	for (i = 0; i + 7 < n; i++) {
		const unsigned char *p = memchr(b + i, 0xff, n - 7 - i);

		if (p == NULL)
			break;
		i = (size_t)(p - b);
		if (adts_frame(p, &k2) == n - i && k2 == key)
			return 1;
	}
	return 0;
}

static enum cv_status
adts_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[7];
	uint64_t pos = 0, lim, wend;
	uint32_t key0 = 0, key;
	unsigned len, n = 0;

	memset(r, 0, sizeof(*r));
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	for (;;) {
		if (pos + 7 > max || pos == wend)
			break;		/* (a file may end with the window) */
		if (cv_read(src, off + pos, h, 7) != 0) {
			if (n >= ADTS_MINFRAMES && pos + 7 > wend)
				return cv_answer(r, CV_TRUNCATED, lim);
			break;
		}
		len = adts_frame(h, &key);
		if (len == 0 || (n > 0 && key != key0))
			break;
		if (n == 0)
			key0 = key;
		if (n == 1 && adts_follows(src, off, key0))
			return cv_answer(r, CV_NO, 0);
		if (pos + len > wend && pos + len <= max)
			return cv_answer(r, n >= ADTS_MINFRAMES ? CV_TRUNCATED :
			    CV_NO, lim);
		pos += len;
		n++;
	}
	if (n < ADTS_MINFRAMES)
		return cv_answer(r, CV_NO, 0);
	return cv_answer(r, CV_COMPLETE, pos);
}

CV_VALIDATOR(adts_validate, adts_walk)

static const unsigned char adts_magic4[] = { 0xff, 0xf1 };
static const unsigned char adts_magic2[] = { 0xff, 0xf9 };

const struct cv_format cv_fmt_aac = {
	.type = "aac",
	.ext = "aac",
	.descr = "AAC audio in ADTS frames, MPEG-4 (frame chain)",
	.magic = adts_magic4,
	.magic_len = sizeof(adts_magic4),
	.magic_off = 0,
	.max_size = (uint64_t)256 << 20,
	.validate = adts_validate,
};

const struct cv_format cv_fmt_aac2 = {
	.type = "aac-mpeg2",
	.ext = "aac",
	.descr = "AAC audio in ADTS frames, MPEG-2 (frame chain)",
	.magic = adts_magic2,
	.magic_len = sizeof(adts_magic2),
	.magic_off = 0,
	.max_size = (uint64_t)256 << 20,
	.validate = adts_validate,
};
