/*
 * RIFF validators (WebP, WAV, AVI): the file is the RIFF size + 8; the
 * chunks inside are walked (ids printable, sizes even-padded, the last
 * one ending exactly at the RIFF end) and the form's own chunks are
 * checked: WebP's first chunk VP8 (frame start code), VP8L (signature)
 * or VP8X; WAVE's "fmt " and "data"; AVI's LIST hdrl with avih.  An AVI
 * continues through the RIFF AVIX extensions that follow it.
 *
 * An AVI written where the writer could not seek back (to a pipe, by a
 * recorder that stopped) has no RIFF size (0 or 0xFFFFFFFF) and no
 * "movi" size: its chunks are walked instead, the stream chunks of
 * movi ("00dc", "01wb", "ix00", "JUNK", "LIST rec ") up to the first
 * that is not one, then an "idx1" when there is one.
 */
#include <string.h>

#include "carve/v_media.h"

static int
riff_id_ok(const unsigned char *p)
{
	int i;

	for (i = 0; i < 4; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
	return 1;
}

enum { RF_WEBP, RF_WAVE, RF_AVI };

/* Walk the chunks of one RIFF at off (12-byte header read into h). */
static enum cv_status
riff_walk(const struct cv_src *src, uint64_t off, uint64_t end, int form,
    uint64_t *bad)
{
	unsigned char c[24];
	uint64_t pos = 12, sz;
	int n = 0, fmt = 0, data = 0;

	while (pos < end) {
		if (end - pos < 8) {
			*bad = pos;
			return CV_CORRUPT;
		}
		if (cv_read(src, off + pos, c, 8) != 0)
			return CV_TRUNCATED;
		sz = cv_le32(c + 4);
		if (!riff_id_ok(c) || sz > end - pos - 8) {
			*bad = pos;
			return n > 0 ? CV_CORRUPT : CV_NO;
		}
		if (form == RF_WEBP && n == 0) {
			if (memcmp(c, "VP8 ", 4) == 0) {
				if (sz < 10 ||
				    cv_read(src, off + pos + 8, c + 8, 10) != 0)
					goto no;
				if (c[11] != 0x9d || c[12] != 0x01 ||
				    c[13] != 0x2a || (c[8] & 1) != 0)
					goto no;
			} else if (memcmp(c, "VP8L", 4) == 0) {
				if (sz < 5 ||
				    cv_read(src, off + pos + 8, c + 8, 1) != 0 ||
				    c[8] != 0x2f)
					goto no;
			} else if (memcmp(c, "VP8X", 4) == 0) {
				if (sz != 10)
					goto no;
			} else
				goto no;
		}
		if (form == RF_WAVE && memcmp(c, "fmt ", 4) == 0) {
			if (sz < 14 ||
			    cv_read(src, off + pos + 8, c + 8, 14) != 0)
				goto no;
			if (cv_le16(c + 10) == 0 || cv_le16(c + 10) > 64 ||
			    cv_le32(c + 12) == 0 || cv_le16(c + 20) == 0)
				goto no;
			fmt = 1;
		}
		if (form == RF_WAVE && memcmp(c, "data", 4) == 0) {
			if (!fmt)
				goto no;
			data = 1;
		}
		if (form == RF_AVI && n == 0) {
			if (memcmp(c, "LIST", 4) != 0 || sz < 12 ||
			    cv_read(src, off + pos + 8, c + 8, 12) != 0 ||
			    memcmp(c + 8, "hdrl", 4) != 0 ||
			    memcmp(c + 12, "avih", 4) != 0)
				goto no;
		}
		pos += 8 + sz + (sz & 1);
		n++;
	}
	if (n == 0 || (form == RF_WAVE && !data))
		goto no;
	return CV_COMPLETE;
no:
	return CV_NO;
}

/* A movi member: "##dc"-style stream chunk, index, junk or rec list. */
static int
movi_id_ok(const unsigned char *p)
{
	if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' &&
	    p[2] >= 'a' && p[2] <= 'z' && p[3] >= 'a' && p[3] <= 'z')
		return 1;
	if (memcmp(p, "ix", 2) == 0 && p[2] >= '0' && p[2] <= '9' &&
	    p[3] >= '0' && p[3] <= '9')
		return 1;
	return memcmp(p, "JUNK", 4) == 0 || memcmp(p, "LIST", 4) == 0;
}

/* The streamed AVI at off (see above): its length in *len. */
static enum cv_status
avi_stream(const struct cv_src *src, uint64_t off, uint64_t lim,
    uint64_t *len)
{
	unsigned char c[24];
	uint64_t pos = 12, sz;
	int n = 0, movi = 0, nchunk = 0;

	for (;;) {
		if (pos + 8 > lim)
			return CV_TRUNCATED;	/* (more may follow) */
		if (cv_read(src, off + pos, c, 12) != 0 &&
		    cv_read(src, off + pos, c, 8) != 0)
			return CV_TRUNCATED;
		sz = cv_le32(c + 4);
		if (movi == 1) {
			/* inside the unsized movi list */
			if (!movi_id_ok(c) || sz == 0xffffffffu)
				movi = 2;
			else {
				if (8 + sz + (sz & 1) > lim - pos)
					return CV_TRUNCATED;
				pos += 8 + sz + (sz & 1);
				nchunk++;
				continue;
			}
		}
		if (movi == 2) {
			if (memcmp(c, "idx1", 4) == 0) {
				if (sz > lim - pos - 8)
					return CV_TRUNCATED;
				pos += 8 + sz;
			}
			break;
		}
		if (!riff_id_ok(c))
			break;
		if (n == 0 && (memcmp(c, "LIST", 4) != 0 || sz < 12 ||
		    cv_read(src, off + pos + 8, c + 8, 8) != 0 ||
		    memcmp(c + 8, "hdrl", 4) != 0 ||
		    memcmp(c + 12, "avih", 4) != 0))
			return CV_NO;
		n++;
		if (memcmp(c, "LIST", 4) == 0 && memcmp(c + 8, "movi", 4) == 0 &&
		    (sz == 0 || sz == 0xffffffffu)) {
			movi = 1;
			pos += 12;
			continue;
		}
		if (sz > lim - pos - 8)
			return CV_TRUNCATED;
		pos += 8 + sz + (sz & 1);
	}
	if (movi == 0 || nchunk == 0)
		return CV_NO;
	*len = pos;
	return CV_COMPLETE;
}

static enum cv_status
riff_validate(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r, int form, const char *tag)
{
	unsigned char h[12];
	uint64_t size, wend, lim, bad = 0, next;
	enum cv_status st;
	int k;

	memset(r, 0, sizeof(*r));
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	if (cv_read(src, off, h, 12) != 0 || memcmp(h, "RIFF", 4) != 0 ||
	    memcmp(h + 8, tag, 4) != 0)
		return cv_answer(r, CV_NO, 0);
	if (form == RF_AVI && (cv_le32(h + 4) == 0 ||
	    cv_le32(h + 4) == 0xffffffffu)) {
		st = avi_stream(src, off, lim, &size);
		return cv_answer(r, st, st == CV_COMPLETE ? size : lim);
	}
	/* + 8; an odd size means the writer did not pad the last chunk */
	size = (uint64_t)cv_le32(h + 4) + 8;
	if (size < 20 || size > max)
		return cv_answer(r, CV_NO, 0);
	st = riff_walk(src, off, size, form, &bad);
	if (st == CV_NO)
		return cv_answer(r, CV_NO, 0);
	if (st == CV_TRUNCATED || (st == CV_COMPLETE && size > wend))
		return cv_answer(r, CV_TRUNCATED, lim);
	if (st == CV_CORRUPT)
		return cv_answer(r, CV_CORRUPT, bad);
	/* AVI over 1 GiB: RIFF AVIX pieces follow */
	for (k = 0; form == RF_AVI && k < 1024; k++) {
		if (cv_read(src, off + size, h, 12) != 0 ||
		    memcmp(h, "RIFF", 4) != 0 || memcmp(h + 8, "AVIX", 4) != 0)
			break;
		next = (uint64_t)cv_le32(h + 4) + 8;
		if (next < 12 || size + next > max)
			break;
		if (size + next > wend)
			return cv_answer(r, CV_TRUNCATED, lim);
		size += next;
	}
	return cv_answer(r, CV_COMPLETE, size);
}

static enum cv_status
webp_validate(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	(void)riff_validate(src, off, max, r, RF_WEBP, "WEBP");
	return cv_finish(src, off, max, r);
}

static enum cv_status
wav_validate(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	(void)riff_validate(src, off, max, r, RF_WAVE, "WAVE");
	return cv_finish(src, off, max, r);
}

static enum cv_status
avi_validate(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	(void)riff_validate(src, off, max, r, RF_AVI, "AVI ");
	return cv_finish(src, off, max, r);
}

const struct cv_format cv_fmt_webp = {
	.type = "webp",
	.ext = "webp",
	.descr = "WebP image (RIFF size, chunk walk, VP8/VP8L/VP8X)",
	.magic = (const unsigned char *)"WEBP",
	.magic_len = 4,
	.magic_off = 8,
	.max_size = (uint64_t)64 << 20,
	.validate = webp_validate,
};

const struct cv_format cv_fmt_wav = {
	.type = "wav",
	.ext = "wav",
	.descr = "WAV audio (RIFF size, chunk walk, fmt and data)",
	.magic = (const unsigned char *)"WAVE",
	.magic_len = 4,
	.magic_off = 8,
	.max_size = 0,
	.validate = wav_validate,
};

const struct cv_format cv_fmt_avi = {
	.type = "avi",
	.ext = "avi",
	.descr = "AVI video (RIFF size, hdrl/avih, AVIX extensions)",
	.magic = (const unsigned char *)"AVI ",
	.magic_len = 4,
	.magic_off = 8,
	.max_size = 0,
	.validate = avi_validate,
};
