/*
 * GIF validator: header, logical screen, colour tables, then the block
 * walk (image descriptors with their LZW sub-blocks, extensions) to the
 * 0x3B trailer.  Every frame of an animation is walked, so a "00 3B"
 * inside the data does not end the file.
 */
#include <string.h>

#include "carve/v_media.h"

/* Skip a run of sub-blocks from *pos to its terminator; 0 ok, -1 the
 * window ended, 1 over the cap. */
static int
gif_subblocks(const struct cv_src *src, uint64_t off, uint64_t *pos,
    uint64_t max)
{
	unsigned char n;

	for (;;) {
		if (*pos + 1 > max)
			return 1;
		if (cv_read(src, off + *pos, &n, 1) != 0)
			return -1;
		*pos += 1 + (uint64_t)n;
		if (n == 0)
			return 0;
	}
}

static enum cv_status
gif_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[13], b[12];
	uint64_t pos, lim, wend;
	unsigned sw, sh;
	int images = 0, rc;

	memset(r, 0, sizeof(*r));
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	if (cv_read(src, off, h, 13) != 0 ||
	    (memcmp(h, "GIF87a", 6) != 0 && memcmp(h, "GIF89a", 6) != 0))
		return cv_answer(r, CV_NO, 0);
	sw = cv_le16(h + 6);
	sh = cv_le16(h + 8);
	if (sw == 0 || sh == 0)
		return cv_answer(r, CV_NO, 0);
	pos = 13;
	if (h[10] & 0x80)
		pos += 3u << ((h[10] & 7) + 1);
	for (;;) {
		if (pos + 1 > max)
			goto bad;
		if (cv_read(src, off + pos, b, 1) != 0)
			goto eof;
		if (b[0] == 0x3b) {
			if (images == 0)
				goto bad;
			return cv_answer(r, CV_COMPLETE, pos + 1);
		}
		if (b[0] == 0x21) {
			if (cv_read(src, off + pos + 1, b, 2) != 0)
				goto eof;
			switch (b[0]) {
			case 0xf9:
				if (b[1] != 4)
					goto bad;
				break;
			case 0x01:
				if (b[1] != 12)
					goto bad;
				break;
			case 0xff:
				if (b[1] != 11)
					goto bad;
				break;
			case 0xfe:
				break;
			default:
				goto bad;
			}
			pos += 2;
		} else if (b[0] == 0x2c) {
			if (cv_read(src, off + pos + 1, b, 9) != 0)
				goto eof;
			if (cv_le16(b + 4) == 0 || cv_le16(b + 6) == 0 ||
			    cv_le16(b) + cv_le16(b + 4) > 65535 ||
			    cv_le16(b + 2) + cv_le16(b + 6) > 65535)
				goto bad;
			pos += 10;
			if (b[8] & 0x80)
				pos += 3u << ((b[8] & 7) + 1);
			if (cv_read(src, off + pos, b, 1) != 0)
				goto eof;
			if (b[0] < 1 || b[0] > 11)
				goto bad;
			pos++;
			images++;
		} else
			goto bad;
		rc = gif_subblocks(src, off, &pos, max);
		if (rc < 0)
			goto eof;
		if (rc > 0)
			goto bad;
	}
eof:
	return cv_answer(r, images > 0 ? CV_TRUNCATED : CV_NO, lim);
bad:
	return cv_answer(r, images > 0 ? CV_CORRUPT : CV_NO, pos);
}

CV_VALIDATOR(gif_validate, gif_walk)

static const unsigned char gif_magic[] = { 'G', 'I', 'F', '8' };

const struct cv_format cv_fmt_gif = {
	.type = "gif",
	.ext = "gif",
	.descr = "GIF image (block walk to the trailer, every frame)",
	.magic = gif_magic,
	.magic_len = sizeof(gif_magic),
	.magic_off = 0,
	.max_size = (uint64_t)64 << 20,
	.validate = gif_validate,
};
