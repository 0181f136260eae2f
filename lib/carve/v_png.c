/*
 * PNG validator: signature, IHDR first (CgBI allowed before it) with
 * sane fields, then every chunk's length, type and CRC-32 to IEND.  A
 * bad CRC is CORRUPT at that chunk; a bad IHDR CRC is not a PNG.
 */
#include <string.h>

#include <zlib.h>

#include "carve/v_media.h"

#define PNG_MAXDIM	(1u << 24)

static int
png_type_ok(const unsigned char *t)
{
	int i;

	for (i = 0; i < 4; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') ||
		    (t[i] >= 'a' && t[i] <= 'z')))
			return 0;
	return 1;
}

/* CRC of a chunk's type and data; 0 ok, 1 bad, -1 window end. */
static int
png_crc(const struct cv_src *src, uint64_t at, uint64_t len)
{
	unsigned char buf[16384], c[4];
	uint64_t n, done = 0;
	uLong crc = crc32(0L, Z_NULL, 0);

	len += 4;			/* type + data */
	while (done < len) {
		n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		if (cv_read(src, at + done, buf, (size_t)n) != 0)
			return -1;
		crc = crc32(crc, buf, (uInt)n);
		done += n;
	}
	if (cv_read(src, at + len, c, 4) != 0)
		return -1;
	return (uint32_t)crc == cv_be32(c) ? 0 : 1;
}

static int
png_ihdr_ok(const unsigned char *d)
{
	uint32_t w = cv_be32(d), h = cv_be32(d + 4);
	int depth = d[8], ct = d[9];

	if (w == 0 || h == 0 || w > PNG_MAXDIM || h > PNG_MAXDIM)
		return 0;
	if (d[10] != 0 || d[11] != 0 || d[12] > 1)
		return 0;
	switch (ct) {
	case 0:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8 ||
		    depth == 16;
	case 3:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8;
	case 2:
	case 4:
	case 6:
		return depth == 8 || depth == 16;
	default:
		return 0;
	}
}

static enum cv_status
png_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r',
	    '\n', 0x1a, '\n' };
	unsigned char h[8], d[13];
	uint64_t pos = 8, len, lim, wend;
	int idat = 0, n = 0, rc;

	memset(r, 0, sizeof(*r));
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	if (cv_read(src, off, h, 8) != 0 || memcmp(h, sig, 8) != 0)
		return cv_answer(r, CV_NO, 0);
	for (;; n++) {
		if (cv_read(src, off + pos, h, 8) != 0)
			return cv_answer(r, n > 0 ? CV_TRUNCATED : CV_NO, lim);
		len = cv_be32(h);
		if (len > 0x7fffffff || !png_type_ok(h + 4))
			goto bad;
		if (n == 0 && memcmp(h + 4, "CgBI", 4) == 0 && len == 4) {
			/* Apple's variant: CgBI, then IHDR */
		} else if ((n == 0 || (n == 1 && idat == -1)) &&
		    memcmp(h + 4, "IHDR", 4) != 0)
			goto bad;
		else if (memcmp(h + 4, "IHDR", 4) == 0) {
			if (n > 1 || len != 13 ||
			    cv_read(src, off + pos + 8, d, 13) != 0 ||
			    !png_ihdr_ok(d))
				goto bad;
		}
		if (n == 0 && memcmp(h + 4, "CgBI", 4) == 0)
			idat = -1;
		else if (n == 1 && idat == -1)
			idat = 0;
		if (pos + 12 + len > max)
			goto bad;
		rc = png_crc(src, off + pos + 4, len);
		if (rc < 0)
			return cv_answer(r, n > 0 || pos + 12 + len > wend ?
			    CV_TRUNCATED : CV_NO, lim);
		if (rc > 0) {
			if (n == 0 || (n == 1 && idat == 0 &&
			    memcmp(h + 4, "IHDR", 4) == 0 && pos == 8))
				return cv_answer(r, CV_NO, 0);
			return cv_answer(r, CV_CORRUPT, pos);
		}
		if (memcmp(h + 4, "IDAT", 4) == 0)
			idat = 1;
		pos += 12 + len;
		if (memcmp(h + 4, "IEND", 4) == 0) {
			if (idat != 1)
				return cv_answer(r, CV_CORRUPT, pos);
			return cv_answer(r, CV_COMPLETE, pos);
		}
	}
bad:
	return cv_answer(r, n > 0 ? CV_CORRUPT : CV_NO, pos);
}

CV_VALIDATOR(png_validate, png_walk)

static const unsigned char png_magic[] = { 0x89, 'P', 'N', 'G', '\r', '\n',
    0x1a, '\n' };

const struct cv_format cv_fmt_png = {
	.type = "png",
	.ext = "png",
	.descr = "PNG image (chunk walk, CRC-32 of every chunk)",
	.magic = png_magic,
	.magic_len = sizeof(png_magic),
	.magic_off = 0,
	.max_size = (uint64_t)64 << 20,
	.validate = png_validate,
};
