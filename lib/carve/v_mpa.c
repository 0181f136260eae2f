/*
 * Bare MPEG audio validator (MP3 and MP2 files without an ID3v2 tag;
 * v_mp3.c takes those that have one): a run of frame headers that agree
 * (version, layer, CRC flag, sample rate, mono or not), each frame's
 * length from bitrate, sample rate and padding, at least MPA_MINFRAMES
 * of them.  The file ends after the last frame of the run and the
 * tags that may follow it (APEv2, Lyrics3 v2, ID3v1: cv_mpa_trailer in
 * v_mp3.c, shared with the ID3v2-tagged files).
 *
 * The two-byte anchors (0xFFFB, 0xFFF3, ...) are common in other data
 * and every frame of a stream carries one, so a candidate costs one
 * header read unless the next frame follows it, and a frame that
 * another frame of the same stream ends right before is the middle of
 * a stream (whose start is another candidate), not a file: that look
 * back keeps the walk of a long stream from being redone from each of
 * its frames.
 */
#include <string.h>

#include "carve/v_media.h"

#define MPA_MINFRAMES	12

/* Frame length of the header at h, 0 when it is not one; *key gets the
 * fields every frame of a stream shares. */
static unsigned
mpa_frame(const unsigned char *h, uint32_t *key)
{
	if (h[0] != 0xff || (h[1] & 0xe0) != 0xe0 || (h[3] & 3) == 2)
		return 0;
	*key = (uint32_t)h[1] << 8 | (h[2] & 0x0c) | (h[3] >> 6 == 3);
	return cv_mpa_len((h[1] >> 3) & 3, (h[1] >> 1) & 3, h[2] >> 4,
	    (h[2] >> 2) & 3, (h[2] >> 1) & 1);
}

/* Does a frame of the stream keyed key end right at off? */
static int
mpa_follows(const struct cv_src *src, uint64_t off, const unsigned char *h0,
    uint32_t key)
{
	unsigned char h[4];
	unsigned bri, pad, len, l2;
	uint32_t k2;

	for (bri = 1; bri < 15; bri++)
		for (pad = 0; pad < 2; pad++) {
			len = cv_mpa_len((h0[1] >> 3) & 3, (h0[1] >> 1) & 3,
			    bri, (h0[2] >> 2) & 3, pad);
			if (len < 4 || len > off ||
			    cv_read(src, off - len, h, 4) != 0)
				continue;
			l2 = mpa_frame(h, &k2);
			if (l2 == len && k2 == key)
				return 1;
		}
	return 0;
}

static enum cv_status
mpa_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[4], h0[4];
	uint64_t pos = 0, lim, wend;
	uint32_t key0 = 0, key;
	unsigned len, n = 0;

	memset(r, 0, sizeof(*r));
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	for (;;) {
		if (pos + 4 > max || pos == wend)
			break;		/* (a file may end with the window) */
		if (cv_read(src, off + pos, h, 4) != 0) {
			if (n >= MPA_MINFRAMES && pos + 4 > wend)
				return cv_answer(r, CV_TRUNCATED, lim);
			break;
		}
		len = mpa_frame(h, &key);
		if (len < 4 || (n > 0 && key != key0))
			break;
		if (n == 0) {
			key0 = key;
			memcpy(h0, h, 4);
		}
		if (n == 1 && mpa_follows(src, off, h0, key0))
			return cv_answer(r, CV_NO, 0);
		if (pos + len > wend && pos + len <= max)
			return cv_answer(r, n >= MPA_MINFRAMES ? CV_TRUNCATED :
			    CV_NO, lim);
		pos += len;
		n++;
	}
	if (n < MPA_MINFRAMES)
		return cv_answer(r, CV_NO, 0);
	if ((h0[1] & 6) == 4)
		r->ext = "mp2";
	if (cv_mpa_trailer(src, off, &pos, lim, wend) != 0)
		return cv_answer(r, CV_TRUNCATED, lim);
	return cv_answer(r, CV_COMPLETE, pos);
}

CV_VALIDATOR(mpa_validate, mpa_walk)

/* One anchor per version, layer and CRC flag that is worth scanning
 * for (MPEG-1/2/2.5 layer III, MPEG-1 layer II); layer I and MPEG-2
 * layer II are left out. */
#define MPA_FORMAT(name, b1, tname, text, what)				\
static const unsigned char name##_magic[] = { 0xff, b1 };		\
const struct cv_format name = {						\
	.type = tname,							\
	.ext = text,							\
	.descr = what ", no ID3v2 tag (frame chain)",		\
	.magic = name##_magic,						\
	.magic_len = 2,							\
	.magic_off = 0,							\
	.max_size = (uint64_t)256 << 20,				\
	.validate = mpa_validate,					\
};

MPA_FORMAT(cv_fmt_mpa, 0xfb, "mpa", "mp3", "MPEG-1 Layer III audio")
MPA_FORMAT(cv_fmt_mpa_crc, 0xfa, "mpa-crc", "mp3",
    "MPEG-1 Layer III audio with CRCs")
MPA_FORMAT(cv_fmt_mpa2, 0xf3, "mpa2", "mp3", "MPEG-2 Layer III audio")
MPA_FORMAT(cv_fmt_mpa2_crc, 0xf2, "mpa2-crc", "mp3",
    "MPEG-2 Layer III audio with CRCs")
MPA_FORMAT(cv_fmt_mpa25, 0xe3, "mpa25", "mp3", "MPEG-2.5 Layer III audio")
MPA_FORMAT(cv_fmt_mp2, 0xfd, "mp2", "mp2", "MPEG-1 Layer II audio")
MPA_FORMAT(cv_fmt_mp2_crc, 0xfc, "mp2-crc", "mp2",
    "MPEG-1 Layer II audio with CRCs")
