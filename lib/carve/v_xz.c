/*
 * xz validator: the stream header (magic, flags with a known check
 * type, their CRC-32), the first block header (its size byte and
 * CRC-32), then the stream footer, found forward: "YZ" after a CRC-32
 * of the backward size and the flags (the header's), whose backward
 * size points at the index: the indicator 0x00, the records (unpadded
 * and uncompressed sizes), zero padding, the index CRC-32, and the
 * blocks' unpadded sizes (each rounded up to 4) filling exactly the
 * bytes between the stream header and the index.  Block payloads carry
 * no length unless their header says so, hence the forward search;
 * the index check makes a footer inside the data unmistakable.  The
 * file ends after the footer (one stream: a following stream is its
 * own candidate).
 */
#include <string.h>

#include <zlib.h>

#include "carve/v_docs.h"

#define XZ_MAXINDEX	((uint64_t)16 << 20)

/* A multibyte integer (at most 9 bytes) from the reader at *pos. */
static int
xz_vli(struct vd_rd *rd, uint64_t *pos, uint64_t end, uLong *crc,
    uint64_t *v)
{
	const unsigned char *p;
	unsigned sh;
	size_t av;

	*v = 0;
	for (sh = 0; sh < 63 && *pos < end; sh += 7) {
		p = vd_at(rd, *pos, 1, &av);
		if (av == 0)
			return -1;
		*crc = crc32(*crc, p, 1);
		(*pos)++;
		*v |= (uint64_t)(p[0] & 0x7f) << sh;
		if ((p[0] & 0x80) == 0)
			return (p[0] == 0 && sh > 0) ? -1 : 0;
	}
	return -1;
}

/* Is the index at [ix, ie) (ie: its CRC-32 follows) the one of a
 * stream whose blocks fill [blk, ix)? */
static int
xz_index(struct vd_rd *rd, uint64_t blk, uint64_t ix, uint64_t ie)
{
	const unsigned char *p;
	unsigned char c[4];
	uint64_t pos = ix, n, i, unp, unc, sum = 0;
	uLong crc = crc32(0, Z_NULL, 0);
	size_t av;

	p = vd_at(rd, pos, 1, &av);
	if (av == 0 || p[0] != 0)
		return 0;
	crc = crc32(crc, p, 1);
	pos++;
	if (xz_vli(rd, &pos, ie, &crc, &n) != 0 || n > (ie - ix) / 2)
		return 0;
	for (i = 0; i < n; i++) {
		if (xz_vli(rd, &pos, ie, &crc, &unp) != 0 ||
		    xz_vli(rd, &pos, ie, &crc, &unc) != 0 || unp < 5 ||
		    unp > ix - blk)
			return 0;
		sum += (unp + 3) & ~(uint64_t)3;
		if (sum > ix - blk)
			return 0;
	}
	for (; pos < ie; pos++) {
		p = vd_at(rd, pos, 1, &av);
		if (av == 0 || p[0] != 0)
			return 0;
		crc = crc32(crc, p, 1);
	}
	p = vd_at(rd, ie, 4, &av);
	if (av < 4)
		return 0;
	memcpy(c, p, 4);
	return sum == ix - blk && (ie - ix) % 4 == 0 && crc == cv_le32(c);
}

static enum cv_status
xz_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct cv_src ws;
	unsigned char h[12], bh[1024], f[12];
	const unsigned char *p, *y;
	struct vd_rd rd;
	uint64_t lim, pos, ft, back, ix;
	size_t av, bl;
	enum cv_status st = CV_NO;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	ws = *s;		/* no read past lim (the cap) */
	ws.end = lim;
	s = &ws;
	if (lim - off < 12 + 12 + 8 || cv_read(s, off, h, 12) != 0 ||
	    memcmp(h, "\xfd" "7zXZ\0", 6) != 0 || h[6] != 0 ||
	    (h[7] & 0xf0) != 0 || crc32(0, h + 6, 2) != cv_le32(h + 8))
		return vd_answer(r, CV_NO, 0);
	/* the first block header (or, for an empty stream, the index) */
	if (cv_read(s, off + 12, bh, 1) != 0)
		return vd_answer(r, CV_TRUNCATED, lim - off);
	if (bh[0] != 0) {
		bl = ((size_t)bh[0] + 1) * 4;
		if (cv_read(s, off + 12, bh, bl) != 0)
			return vd_answer(r, CV_TRUNCATED, lim - off);
		if (crc32(0, bh, (uInt)(bl - 4)) != cv_le32(bh + bl - 4))
			return vd_answer(r, CV_NO, 0);
	}
	if (vd_open(&rd, s, lim) != 0)
		return vd_answer(r, CV_NO, 0);
	/* the footer: "YZ" at pos + 10 */
	for (pos = off + 12 + 8; ; pos++) {
		p = vd_at(&rd, pos + 10, 2, &av);
		if (av < 2) {
			st = rd.lim < off + max ? CV_TRUNCATED : CV_NO;
			break;
		}
		if (p[0] != 'Y' || p[1] != 'Z') {
			y = memchr(p + 1, 'Y', av - 1);
			if (y != NULL)
				pos += (uint64_t)(y - p) - 1;
			else
				pos += av - 2;
			continue;
		}
		p = vd_at(&rd, pos, 12, &av);
		if (av < 12)
			continue;
		memcpy(f, p, 12);
		if (f[8] != h[6] || f[9] != h[7] ||
		    crc32(0, f + 4, 6) != cv_le32(f))
			continue;
		back = ((uint64_t)cv_le32(f + 4) + 1) * 4;
		if (back > pos - off - 12 || back > XZ_MAXINDEX)
			continue;
		ix = pos - back;
		ft = pos;
		if (xz_index(&rd, off + 12, ix, ft - 4)) {
			st = CV_COMPLETE;
			pos = ft + 12;
			break;
		}
	}
	vd_close(&rd);
	if (st == CV_COMPLETE)
		return vd_answer(r, st, pos - off);
	return vd_answer(r, st, st == CV_TRUNCATED ? lim - off : 0);
}

static const unsigned char xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };

const struct cv_format cv_fmt_xz = {
	.type = "xz",
	.ext = "xz",
	.descr = "xz compressed data (headers, footer, index and CRCs)",
	.magic = xz_magic,
	.magic_len = sizeof(xz_magic),
	.magic_off = 0,
	.max_size = 0,
	.validate = xz_validate,
};
