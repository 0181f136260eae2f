/*
 * Android DEX (Dalvik executable) validator: "dex\n" and a three-digit
 * version, header size 0x70, the little-endian tag, file_size, the map
 * list inside the file (its first item the header at offset 0, every
 * item inside the file), and the Adler-32 of bytes 12 to file_size
 * equal to the header's checksum.  The file ends at file_size; a
 * checksum that does not match is CORRUPT (after the header: where the
 * damage lies is not known).
 */
#include <string.h>

#include <zlib.h>

#include "carve/v_docs.h"

#define DEX_MAXMAP	64

static enum cv_status
dex_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct cv_src ws;
	unsigned char h[0x70], it[12];
	const unsigned char *p;
	struct vd_rd rd;
	uint64_t lim, fsz, mo, pos;
	uint32_t n, i;
	uLong ad;
	size_t av;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	ws = *s;		/* no read past lim (the cap) */
	ws.end = lim;
	s = &ws;
	if (lim - off < 0x70 || cv_read(s, off, h, 0x70) != 0 ||
	    memcmp(h, "dex\n", 4) != 0 || h[4] < '0' || h[4] > '9' ||
	    h[5] < '0' || h[5] > '9' || h[6] < '0' || h[6] > '9' ||
	    h[7] != 0 || cv_le32(h + 36) != 0x70 ||
	    cv_le32(h + 40) != 0x12345678)
		return vd_answer(r, CV_NO, 0);
	fsz = cv_le32(h + 32);
	mo = cv_le32(h + 52);
	if (fsz < 0x70 + 16 || mo < 0x70 || mo % 4 != 0 || mo + 4 > fsz ||
	    fsz > max)
		return vd_answer(r, CV_NO, 0);
	if (fsz > lim - off)
		return vd_answer(r, CV_TRUNCATED, lim - off);
	/* the map list */
	if (cv_read(s, off + mo, it, 4) != 0)
		return vd_answer(r, CV_TRUNCATED, lim - off);
	n = cv_le32(it);
	if (n == 0 || n > DEX_MAXMAP || mo + 4 + (uint64_t)n * 12 > fsz)
		return vd_answer(r, CV_NO, 0);
	for (i = 0; i < n; i++) {
		if (cv_read(s, off + mo + 4 + i * 12, it, 12) != 0)
			return vd_answer(r, CV_TRUNCATED, lim - off);
		if ((i == 0 && (cv_le16(it) != 0 || cv_le32(it + 8) != 0)) ||
		    cv_le32(it + 8) >= fsz)
			return vd_answer(r, CV_NO, 0);
	}
	/* the checksum of the rest */
	if (vd_open(&rd, s, off + fsz) != 0)
		return vd_answer(r, CV_NO, 0);
	ad = adler32(0, Z_NULL, 0);
	for (pos = off + 12; pos < off + fsz; pos += av) {
		p = vd_at(&rd, pos, 1, &av);
		if (av == 0)
			break;
		ad = adler32(ad, p, (uInt)av);
	}
	vd_close(&rd);
	if (pos < off + fsz)
		return vd_answer(r, CV_TRUNCATED, pos - off);
	if (ad != cv_le32(h + 8))
		return vd_answer(r, CV_CORRUPT, 0x70);
	return vd_answer(r, CV_COMPLETE, fsz);
}

/* "x\n0" two bytes in: "de" starts too many words of text for the
 * engine's two-byte table. */
static const unsigned char dex_magic[] = { 'x', '\n', '0' };

const struct cv_format cv_fmt_dex = {
	.type = "dex",
	.ext = "dex",
	.descr = "Android Dalvik executable (header, map list, Adler-32)",
	.magic = dex_magic,
	.magic_len = sizeof(dex_magic),
	.magic_off = 2,
	.max_size = 0,
	.validate = dex_validate,
};
