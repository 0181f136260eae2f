/*
 * Outlook PST/OST validator ([MS-PST] 2.2.2.6): "!BDN", client magic
 * "SM", a known version (14/15 ANSI, 23 Unicode, 36 Unicode with 4 KiB
 * pages), client version 19, the partial CRC of the header (471 bytes
 * from offset 8; for Unicode also the full CRC over 516 bytes), and the
 * root structure's ibFileEof: the file ends there (a multiple of the
 * page size, past the first allocation map at 0x4400).
 */
#include <string.h>

#include <zlib.h>

#include "carve/v_docs.h"

/* [MS-PST] 5.3: CRC-32 of the usual table, started at zero and not
 * inverted at the end. */
static uint32_t
pst_crc(const unsigned char *p, size_t n)
{
	return (uint32_t)crc32(0xffffffffu, p, (uInt)n) ^ 0xffffffffu;
}

static enum cv_status
pst_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct cv_src ws;
	unsigned char h[564];
	uint64_t lim, eof, page;
	unsigned ver;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	ws = *s;		/* no read past lim (the cap) */
	ws.end = lim;
	s = &ws;
	if (lim - off < 512 || cv_read(s, off, h, 512) != 0 ||
	    memcmp(h, "!BDN", 4) != 0 || memcmp(h + 8, "SM", 2) != 0 ||
	    cv_le16(h + 12) != 19)
		return vd_answer(r, CV_NO, 0);
	ver = cv_le16(h + 10);
	if (ver != 14 && ver != 15 && ver != 23 && ver != 36)
		return vd_answer(r, CV_NO, 0);
	if (pst_crc(h + 8, 471) != cv_le32(h + 4))
		return vd_answer(r, CV_NO, 0);
	if (ver >= 23) {
		if (cv_read(s, off, h, 564) != 0)
			return vd_answer(r, CV_TRUNCATED, lim - off);
		if (pst_crc(h + 8, 516) != cv_le32(h + 524))
			return vd_answer(r, CV_NO, 0);
		eof = cv_le64(h + 0xb8);
		r->ext = ver == 36 ? "ost" : NULL;
	} else
		eof = cv_le32(h + 0xa8);
	page = ver == 36 ? 4096 : 512;
	if (eof < 0x4400 + page || eof % page != 0)
		return vd_answer(r, CV_NO, 0);
	if (eof > lim - off)
		return vd_answer(r, CV_TRUNCATED, lim - off);
	return vd_answer(r, CV_COMPLETE, eof);
}

static const unsigned char pst_magic[] = { '!', 'B', 'D', 'N' };

const struct cv_format cv_fmt_pst = {
	.type = "pst",
	.ext = "pst",
	.descr = "Outlook PST/OST mailbox (header CRCs, file end field)",
	.magic = pst_magic,
	.magic_len = sizeof(pst_magic),
	.magic_off = 0,
	.max_size = 0,
	.validate = pst_validate,
};
