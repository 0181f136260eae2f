/*
 * RAR validator, both formats behind the "Rar!\x1a\x07" anchor:
 *
 * RAR 1.5-4.x ("Rar!\x1a\x07\x00"): the marker block, then blocks of a
 * 7-byte header (CRC-16 = low half of the CRC-32 of the header after
 * its CRC field, type 0x73-0x7b, flags, header size), the archive header
 * first; file and service blocks add their packed size (64-bit with the
 * LARGE flag), other blocks their ADD_SIZE when LONG_BLOCK is set.
 *
 * RAR 5 ("Rar!\x1a\x07\x01\x00"): blocks of CRC-32, header size
 * (vint), then type, flags, extra and data sizes (vints); the CRC
 * covers the header size and the header; the main header first.
 *
 * The archive ends after its end-of-archive block.  A header whose CRC
 * fails is CORRUPT there; encrypted headers cannot be walked (CORRUPT
 * after the archive header).
 */
#include <string.h>

#include <zlib.h>

#include "carve/v_docs.h"

#define RAR_MAXBLOCKS	1000000

/* A RAR 5 vint at p[*k..n): -1 when it is longer than 10 bytes or cut. */
static int
rar_vint(const unsigned char *p, size_t n, size_t *k, uint64_t *v)
{
	unsigned sh;

	*v = 0;
	for (sh = 0; *k < n && sh < 70; sh += 7) {
		*v |= (uint64_t)(p[*k] & 0x7f) << sh;
		if ((p[(*k)++] & 0x80) == 0)
			return 0;
	}
	return -1;
}

static enum cv_status
rar4_walk(const struct cv_src *s, uint64_t off, uint64_t lim,
    struct cv_result *r)
{
	unsigned char h[64], buf[4096];
	uint64_t pos = 7, add, hs, done, n, nb;
	unsigned type, flags;
	uLong crc;

	for (nb = 0; nb < RAR_MAXBLOCKS; nb++) {
		if (off + pos + 7 > lim || cv_read(s, off + pos, h, 7) != 0)
			return vd_answer(r, CV_TRUNCATED, lim - off);
		type = h[2];
		flags = cv_le16(h + 3);
		hs = cv_le16(h + 5);
		if (type < 0x73 || type > 0x7b || hs < 7 ||
		    (nb == 0 && type != 0x73))
			break;
		if (off + pos + hs > lim)
			return vd_answer(r, CV_TRUNCATED, lim - off);
		/* the header's CRC: hs < 64 KiB, read in pieces */
		crc = crc32(0, Z_NULL, 0);
		for (done = 2; done < hs; done += n) {
			n = hs - done < sizeof(buf) ? hs - done : sizeof(buf);
			if (cv_read(s, off + pos + done, buf, (size_t)n) != 0)
				return vd_answer(r, CV_TRUNCATED, lim - off);
			if (done == 2)
				memcpy(h + 2, buf, n < 62 ? (size_t)n : 62);
			crc = crc32(crc, buf, (uInt)n);
		}
		if ((crc & 0xffff) != cv_le16(h))
			break;
		add = 0;
		if (type == 0x74 || type == 0x7a) {
			if (hs < 32)
				break;
			add = cv_le32(h + 7);
			if (flags & 0x100) {
				if (hs < 40)
					break;
				add |= (uint64_t)cv_le32(h + 32) << 32;
			}
		} else if (flags & 0x8000) {
			if (hs < 11)
				break;
			add = cv_le32(h + 7);
		}
		if (add > lim - off - pos - hs) {
			if (lim == vd_limit(s, off, UINT64_MAX) &&
			    add < ((uint64_t)1 << 40))
				return vd_answer(r, CV_TRUNCATED, lim - off);
			break;
		}
		pos += hs + add;
		if (type == 0x7b)
			return vd_answer(r, CV_COMPLETE, pos);
		if (type == 0x73 && (flags & 0x80))
			break;		/* encrypted headers follow */
	}
	return vd_answer(r, nb == 0 ? CV_NO : CV_CORRUPT, pos);
}

static enum cv_status
rar5_walk(const struct cv_src *s, uint64_t off, uint64_t lim,
    struct cv_result *r)
{
	unsigned char h[48], buf[4096];
	uint64_t pos = 8, hs, hl, type, flags, v, data, done, n, nb;
	size_t k, got;
	uLong crc;

	for (nb = 0; nb < RAR_MAXBLOCKS; nb++) {
		if (off + pos + 7 > lim)
			return vd_answer(r, CV_TRUNCATED, lim - off);
		got = lim - off - pos < sizeof(h) ? (size_t)(lim - off - pos) :
		    sizeof(h);
		if (cv_read(s, off + pos, h, got) != 0)
			return vd_answer(r, CV_TRUNCATED, lim - off);
		k = 4;
		if (rar_vint(h, got, &k, &hs) != 0 || k > 7 || hs < 2 ||
		    hs > (2u << 20))
			break;
		hl = k + hs;		/* CRC, size vint, header */
		if (off + pos + hl > lim)
			return vd_answer(r, CV_TRUNCATED, lim - off);
		crc = crc32(0, Z_NULL, 0);
		for (done = 4; done < hl; done += n) {
			n = hl - done < sizeof(buf) ? hl - done : sizeof(buf);
			if (cv_read(s, off + pos + done, buf, (size_t)n) != 0)
				return vd_answer(r, CV_TRUNCATED, lim - off);
			crc = crc32(crc, buf, (uInt)n);
		}
		if (crc != cv_le32(h))
			break;
		if (got > hl)
			got = (size_t)hl;
		data = 0;
		if (rar_vint(h, got, &k, &type) != 0 ||
		    rar_vint(h, got, &k, &flags) != 0 || type < 1 || type > 5 ||
		    (nb == 0 && type != 1) ||
		    ((flags & 1) && rar_vint(h, got, &k, &v) != 0) ||
		    ((flags & 2) && rar_vint(h, got, &k, &data) != 0))
			break;
		if (data > lim - off - pos - hl) {
			if (lim == vd_limit(s, off, UINT64_MAX) &&
			    data < ((uint64_t)1 << 40))
				return vd_answer(r, CV_TRUNCATED, lim - off);
			break;
		}
		pos += hl + data;
		if (type == 5)
			return vd_answer(r, CV_COMPLETE, pos);
		if (type == 4)
			break;		/* encrypted headers follow */
	}
	return vd_answer(r, nb == 0 ? CV_NO : CV_CORRUPT, pos);
}

static enum cv_status
rar_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char m[8];
	uint64_t lim;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	if (lim - off < 8 || cv_read(s, off, m, 8) != 0 ||
	    memcmp(m, "Rar!\x1a\x07", 6) != 0)
		return vd_answer(r, CV_NO, 0);
	if (m[6] == 0)
		return rar4_walk(s, off, lim, r);
	if (m[6] == 1 && m[7] == 0)
		return rar5_walk(s, off, lim, r);
	return vd_answer(r, CV_NO, 0);
}

/* "!\x1a\x07" three bytes in: "Ra" is common in text. */
static const unsigned char rar_magic[] = { '!', 0x1a, 0x07 };

const struct cv_format cv_fmt_rar = {
	.type = "rar",
	.ext = "rar",
	.descr = "RAR archive, 1.5-4.x and 5 (block walk, header CRCs)",
	.magic = rar_magic,
	.magic_len = sizeof(rar_magic),
	.magic_off = 3,
	.max_size = 0,
	.validate = rar_validate,
};
