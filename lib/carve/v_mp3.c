/*
 * MP3 validator (files that start with an ID3v2 tag): the tag (its
 * syncsafe size, + 10 for a v2.4 footer), optional zero padding, then a
 * run of MPEG audio frames whose headers agree (version, layer, sample
 * rate), each frame's length from bitrate, sample rate and padding; at
 * least MP3_MINFRAMES of them.  The file ends after the last frame, and
 * after the tags taggers put there, in their order: an APEv2 tag with a
 * header (mp3gain, foobar2000), a Lyrics3 v2 block, a 128-byte ID3v1
 * "TAG" trailer.
 */
#include <string.h>

#include "carve/v_media.h"

#define MP3_MINFRAMES	8
#define MP3_MAXPAD	65536
#define MP3_MAXAPE	((uint64_t)16 << 20)	/* APEv2 tag (cover art) */
#define MP3_MAXLYR	999999	/* Lyrics3 v2: six size digits */

static const unsigned short mpa_br[2][3][15] = {
	{	/* MPEG-1: layer I, II, III */
		{ 0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384,
		    416, 448 },
		{ 0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
		    384 },
		{ 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256,
		    320 },
	}, {	/* MPEG-2 and 2.5 */
		{ 0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224,
		    256 },
		{ 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144,
		    160 },
		{ 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144,
		    160 },
	}
};

static const unsigned mpa_sr[4][3] = {
	{ 11025, 12000, 8000 },		/* 2.5 */
	{ 0, 0, 0 },			/* reserved */
	{ 22050, 24000, 16000 },	/* 2 */
	{ 44100, 48000, 32000 },	/* 1 */
};

unsigned
cv_mpa_len(unsigned ver, unsigned layer, unsigned bri, unsigned sri,
    unsigned pad)
{
	unsigned br, sr;

	if (ver == 1 || layer == 0 || bri == 0 || bri == 15 || sri == 3)
		return 0;
	br = mpa_br[ver == 3 ? 0 : 1][3 - layer][bri] * 1000u;
	sr = mpa_sr[ver][sri];
	if (layer == 3)				/* layer I */
		return (12 * br / sr + pad) * 4;
	if (layer == 1 && ver != 3)		/* layer III, MPEG-2/2.5 */
		return 72 * br / sr + pad;
	return 144 * br / sr + pad;
}

/* Frame length of the header at h, 0 when it is not one; *key gets the
 * fields every frame of a stream shares. */
static unsigned
mp3_frame(const unsigned char *h, uint32_t *key)
{
	if (h[0] != 0xff || (h[1] & 0xe0) != 0xe0 || (h[3] & 3) == 2)
		return 0;
	*key = (uint32_t)(h[1] & 0xfe) << 8 | (h[2] & 0x0c);
	return cv_mpa_len((h[1] >> 3) & 3, (h[1] >> 1) & 3, h[2] >> 4,
	    (h[2] >> 2) & 3, (h[2] >> 1) & 1);
}

/* The end of the Lyrics3 v2 block at pos, or pos. */
static uint64_t
mp3_lyrics(const struct cv_src *src, uint64_t off, uint64_t pos, uint64_t lim)
{
	unsigned char b[4096 + 16];
	const unsigned char *q;
	uint64_t c, sz, e;
	size_t n, i;

	if (lim - pos > MP3_MAXLYR + 15)
		lim = pos + MP3_MAXLYR + 15;
	for (c = pos + 11; c + 9 <= lim; c += 4096) {
		n = lim - c < sizeof(b) - 16 + 8 ? (size_t)(lim - c) :
		    sizeof(b) - 16 + 8;	/* 8: a keyword across chunks */
		if (cv_read(src, off + c, b, n) != 0)
			return pos;
		if ((q = memmem(b, n, "LYRICS200", 9)) == NULL)
			continue;
		e = c + (uint64_t)(q - b) + 9;
		if (e - pos < 11 + 15 ||
		    cv_read(src, off + e - 15, b, 6) != 0)
			return pos;
		for (sz = 0, i = 0; i < 6 && b[i] >= '0' && b[i] <= '9'; i++)
			sz = sz * 10 + (uint64_t)(b[i] - '0');
		return i == 6 && sz + 15 == e - pos ? e : pos;
	}
	return pos;
}

/* The tags that may follow the last frame at pos (see above): the new
 * end, or pos.  Each is taken only when it checks out whole inside the
 * window; *cut is set when one is cut by the window end. */
static uint64_t
mp3_tags(const struct cv_src *src, uint64_t off, uint64_t pos, uint64_t lim,
    int *cut)
{
	unsigned char h[32], t[15];
	uint64_t sz, e;

	*cut = 0;
	/* APEv2 header: "APETAGEX", version 2000, size (items + footer),
	 * item count, flags with "this is the header" set */
	if (pos + 32 <= lim && cv_read(src, off + pos, h, 32) == 0 &&
	    memcmp(h, "APETAGEX", 8) == 0 && cv_le32(h + 8) == 2000 &&
	    (cv_le32(h + 20) & 0xe0000000u) == 0xa0000000u) {
		sz = cv_le32(h + 12);
		e = pos + 32 + sz;
		if (sz >= 32 && sz <= MP3_MAXAPE) {
			if (e > lim)
				*cut = 1;
			else if (cv_read(src, off + e - 32, h, 32) == 0 &&
			    memcmp(h, "APETAGEX", 8) == 0 &&
			    cv_le32(h + 12) == sz &&
			    (cv_le32(h + 20) & 0x20000000u) == 0)
				pos = e;	/* the footer agrees */
		}
	}
	/* Lyrics3 v2: "LYRICSBEGIN" ... six-digit size, "LYRICS200" */
	if (!*cut && pos + 11 <= lim && cv_read(src, off + pos, t, 11) == 0 &&
	    memcmp(t, "LYRICSBEGIN", 11) == 0) {
		/* the block ends with its size (six digits, the block
		 * without them and the closing "LYRICS200") */
		pos = mp3_lyrics(src, off, pos, lim);
	}
	return pos;
}

int
cv_mpa_trailer(const struct cv_src *src, uint64_t off, uint64_t *pos,
    uint64_t lim, uint64_t wend)
{
	unsigned char h[3];
	int cut;

	*pos = mp3_tags(src, off, *pos, lim, &cut);
	if (cut)
		return -1;
	if (*pos + 3 <= lim && cv_read(src, off + *pos, h, 3) == 0 &&
	    memcmp(h, "TAG", 3) == 0) {
		if (*pos + 128 > wend)
			return -1;
		*pos += 128;
	}
	return 0;
}

static enum cv_status
mp3_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[10];
	uint64_t pos, lim, wend, z;
	uint32_t key0 = 0, key;
	unsigned len, n = 0;

	memset(r, 0, sizeof(*r));
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	if (cv_read(src, off, h, 10) != 0 || memcmp(h, "ID3", 3) != 0 ||
	    h[3] < 2 || h[3] > 4 || h[4] == 0xff || (h[5] & 0x0f) != 0 ||
	    ((h[6] | h[7] | h[8] | h[9]) & 0x80) != 0)
		return cv_answer(r, CV_NO, 0);
	pos = 10 + ((uint64_t)h[6] << 21 | (uint64_t)h[7] << 14 |
	    (uint64_t)h[8] << 7 | h[9]);
	if (h[3] == 4 && (h[5] & 0x10))
		pos += 10;
	/* zero padding some writers leave after the tag */
	for (z = 0; z < MP3_MAXPAD && pos < lim; z++, pos++) {
		if (cv_read(src, off + pos, h, 1) != 0 || h[0] != 0)
			break;
	}
	for (;;) {
		if (pos + 4 > max || pos == wend)
			break;		/* (a file may end with the window) */
		if (cv_read(src, off + pos, h, 4) != 0) {
			if (n >= 1 && pos + 4 > wend)
				return cv_answer(r, CV_TRUNCATED, lim);
			break;
		}
		len = mp3_frame(h, &key);
		if (len < 4 || (n > 0 && key != key0))
			break;
		if (n == 0)
			key0 = key;
		if (pos + len > wend && pos + len <= max)
			return cv_answer(r, n >= 1 ? CV_TRUNCATED : CV_NO, lim);
		pos += len;
		n++;
	}
	if (n < MP3_MINFRAMES)
		return cv_answer(r, CV_NO, 0);
	if (cv_mpa_trailer(src, off, &pos, lim, wend) != 0)
		return cv_answer(r, CV_TRUNCATED, lim);
	return cv_answer(r, CV_COMPLETE, pos);
}

CV_VALIDATOR(mp3_validate, mp3_walk)

static const unsigned char mp3_magic[] = { 'I', 'D', '3' };

const struct cv_format cv_fmt_mp3 = {
	.type = "mp3",
	.ext = "mp3",
	.descr = "MP3 audio with an ID3v2 tag (frame header walk)",
	.magic = mp3_magic,
	.magic_len = sizeof(mp3_magic),
	.magic_off = 0,
	.max_size = (uint64_t)256 << 20,
	.validate = mp3_validate,
};
