/*
 * Windows shell link (.lnk) validator (MS-SHLLINK): the 76-byte header
 * (size 0x4C, the ShellLink CLSID, unused flag bits and reserved fields
 * zero, a target ID list or link info announced, show command 1, 3 or
 * 7), then the optional structures its flags announce, in order: the
 * target ID list (items summing to its size, a zero terminal), the link
 * info (its size), the five string data (counted, UTF-16 when
 * IsUnicode), and the extra data blocks (size, signature 0xA00000xx)
 * up to the terminal block (size < 4).  The file ends after the
 * terminal block; a block that is not one is CORRUPT there.
 */
#include <string.h>

#include "carve/v_docs.h"

#define LNK_MAXBLOCKS	256

static const unsigned char lnk_hdr[20] = { 0x4c, 0, 0, 0, 0x01, 0x14, 0x02,
    0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46 };

static enum cv_status
lnk_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct cv_src ws;
	unsigned char h[76], b[8];
	uint64_t lim, pos, end;
	uint32_t flags, sz, sig;
	unsigned i, n;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	ws = *s;		/* no read past lim (the cap) */
	ws.end = lim;
	s = &ws;
	if (lim - off < 76 || cv_read(s, off, h, 76) != 0 ||
	    memcmp(h, lnk_hdr, 20) != 0)
		return vd_answer(r, CV_NO, 0);
	flags = cv_le32(h + 20);
	/* a link to something (an ID list or link info), shown normal,
	 * maximised or minimised as Windows writes it */
	if ((flags & 0xf8000000u) != 0 || (flags & 3) == 0 ||
	    (cv_le32(h + 60) != 1 && cv_le32(h + 60) != 3 &&
	    cv_le32(h + 60) != 7) ||
	    cv_le16(h + 66) != 0 || cv_le32(h + 68) != 0 ||
	    cv_le32(h + 72) != 0)
		return vd_answer(r, CV_NO, 0);
	pos = off + 76;
	if (flags & 1) {
		/* the ID list: items, then a zero terminal */
		if (cv_read(s, pos, b, 2) != 0)
			goto cut;
		end = pos + 2 + cv_le16(b);
		for (pos += 2;;) {
			if (pos + 2 > end)
				return vd_answer(r, CV_NO, 0);
			if (cv_read(s, pos, b, 2) != 0)
				goto cut;
			if (cv_le16(b) == 0) {
				pos += 2;
				break;
			}
			if (cv_le16(b) < 3)
				return vd_answer(r, CV_NO, 0);
			pos += cv_le16(b);
		}
		if (pos != end)
			return vd_answer(r, CV_NO, 0);
	}
	if ((flags & 2) && !(flags & 0x100)) {
		if (cv_read(s, pos, b, 8) != 0)
			goto cut;
		sz = cv_le32(b);
		if (sz < 0x1c || cv_le32(b + 4) < 0x1c || cv_le32(b + 4) > sz ||
		    sz > lim - pos)
			return vd_answer(r, sz > lim - pos && lim < off + max ?
			    CV_TRUNCATED : CV_NO, lim - off);
		pos += sz;
	}
	for (i = 0; i < 5; i++) {
		if (!(flags & (4u << i)))
			continue;
		if (cv_read(s, pos, b, 2) != 0)
			goto cut;
		pos += 2 + (uint64_t)cv_le16(b) * (flags & 0x80 ? 2 : 1);
	}
	/* the extra data blocks */
	for (n = 0; n < LNK_MAXBLOCKS; n++) {
		if (cv_read(s, pos, b, 4) != 0)
			goto cut;
		sz = cv_le32(b);
		if (sz < 4)
			return vd_answer(r, CV_COMPLETE, pos + 4 - off);
		if (cv_read(s, pos + 4, b + 4, 4) != 0)
			goto cut;
		sig = cv_le32(b + 4);
		if (sz < 8 || sig < 0xa0000001u || sig > 0xa000000cu)
			break;
		if (sz > lim - pos)
			goto cut;
		pos += sz;
	}
	return vd_answer(r, CV_CORRUPT, pos - off);
cut:
	return vd_answer(r, CV_TRUNCATED, lim - off);
}

/* The CLSID four bytes in: "L\0" is in every UTF-16 text with an L. */
static const unsigned char lnk_magic[] = { 0x01, 0x14, 0x02, 0, 0, 0, 0, 0,
    0xc0, 0, 0, 0, 0, 0, 0, 0x46 };

const struct cv_format cv_fmt_lnk = {
	.type = "lnk",
	.ext = "lnk",
	.descr = "Windows shortcut (header, ID list, link info, strings, "
	    "extra data blocks)",
	.magic = lnk_magic,
	.magic_len = sizeof(lnk_magic),
	.magic_off = 4,
	.max_size = (uint64_t)1 << 20,
	.validate = lnk_validate,
};
