/*
 * 7z: the 32-byte signature header carries the offset, size and CRC-32
 * of the next (end) header; its own 20 bytes are covered by the start
 * header CRC.  The archive ends after the next header, whose CRC is
 * checked and whose first byte must be Header (1) or EncodedHeader
 * (0x17).
 */
#include <string.h>

#include <zlib.h>

#include "carve/v_docs.h"

static enum cv_status
sz_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	static const unsigned char sig[6] = { '7', 'z', 0xbc, 0xaf, 0x27,
	    0x1c };
	struct vd_rd rd;
	const unsigned char *p;
	unsigned char h[32];
	uint64_t lim, nho, nhs, nh, pos;
	uLong crc;
	size_t av;
	enum cv_status st;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	if (lim - off < 32 || cv_read(s, off, h, 32) != 0)
		return vd_answer(r, CV_NO, 0);
	if (memcmp(h, sig, 6) != 0 || h[6] != 0 ||
	    crc32(0, h + 12, 20) != cv_le32(h + 8))
		return vd_answer(r, CV_NO, 0);
	nho = cv_le64(h + 12);
	nhs = cv_le64(h + 20);
	if (nhs == 0)
		return vd_answer(r, nho == 0 ? CV_COMPLETE : CV_CORRUPT, 32);
	if (nho > lim - off - 32 || nhs > lim - off - 32 - nho)
		return vd_answer(r, CV_TRUNCATED, lim - off);
	nh = off + 32 + nho;
	if (vd_open(&rd, s, lim) != 0)
		return vd_answer(r, CV_NO, 0);
	crc = crc32(0, Z_NULL, 0);
	for (pos = nh; pos < nh + nhs; pos += av) {
		p = vd_at(&rd, pos, 1, &av);
		if (av == 0) {
			st = vd_answer(r, CV_TRUNCATED, rd.lim - off);
			goto out;
		}
		if (av > nh + nhs - pos)
			av = (size_t)(nh + nhs - pos);
		if (pos == nh && p[0] != 0x01 && p[0] != 0x17) {
			st = vd_answer(r, CV_CORRUPT, nh - off);
			goto out;
		}
		crc = crc32(crc, p, (uInt)av);
	}
	if (crc != cv_le32(h + 28))
		st = vd_answer(r, CV_CORRUPT, nh - off);
	else
		st = vd_answer(r, CV_COMPLETE, nh + nhs - off);
out:
	vd_close(&rd);
	return st;
}

static const unsigned char sz_magic[] = { '7', 'z', 0xbc, 0xaf, 0x27, 0x1c };

const struct cv_format cv_fmt_7z = {
	.type = "7z",
	.ext = "7z",
	.descr = "7-Zip archive",
	.magic = sz_magic,
	.magic_len = 6,
	.magic_off = 0,
	.max_size = 0,
	.validate = sz_validate,
};
