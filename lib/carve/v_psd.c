/*
 * Photoshop PSD/PSB validator: the 26-byte header ("8BPS", version 1
 * or 2 for PSB, six zero bytes, 1-56 channels, dimensions inside the
 * version's limits, depth 1/8/16/32, a known color mode), then the
 * sections by their lengths: color mode data, image resources (walked:
 * each "8BIM" block with its even-padded name and data adds up to the
 * section), layer and mask information (a 64-bit length in PSB), and
 * the composite image data: raw (channels x rows x row bytes) or
 * PackBits (the row byte-count table, then every row decoded to exactly
 * its row bytes).  The file ends after the image data.  ZIP-compressed
 * image data carries no length: the file is CORRUPT after the layers.
 */
#include <string.h>

#include "carve/v_docs.h"

#define PSD_MAXRES	65536

static int
psd_ressig(const unsigned char *p)
{
	return memcmp(p, "8BIM", 4) == 0 || memcmp(p, "MeSa", 4) == 0 ||
	    memcmp(p, "AgHg", 4) == 0 || memcmp(p, "PHUT", 4) == 0 ||
	    memcmp(p, "DCSR", 4) == 0;
}

/* Decode one PackBits row of n input bytes: 0 when it makes exactly
 * rowb bytes. */
static int
psd_row(struct vd_rd *rd, uint64_t pos, uint64_t n, uint64_t rowb)
{
	const unsigned char *p;
	uint64_t out = 0, i = 0;
	size_t av;
	int c;

	while (i < n) {
		p = vd_at(rd, pos + i, 1, &av);
		if (av == 0)
			return -1;
		c = (signed char)p[0];
		if (c >= 0) {
			out += (uint64_t)c + 1;
			i += 1 + (uint64_t)c + 1;
		} else if (c != -128) {
			out += (uint64_t)(1 - c);
			i += 2;
		} else
			i++;
		if (out > rowb)
			return -1;
	}
	return i == n && out == rowb ? 0 : -1;
}

static enum cv_status
psd_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct cv_src ws;
	unsigned char h[26], b[16];
	struct vd_rd rd;
	uint64_t lim, pos, len, end, rowb, rows, cnt, sum, i, rb, q;
	unsigned ver, ch, depth, mode, comp, cw;
	uint32_t wd, ht, maxd;
	enum cv_status st;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	ws = *s;		/* no read past lim (the cap) */
	ws.end = lim;
	s = &ws;
	if (lim - off < 26 || cv_read(s, off, h, 26) != 0 ||
	    memcmp(h, "8BPS", 4) != 0)
		return vd_answer(r, CV_NO, 0);
	ver = cv_be16(h + 4);
	ch = cv_be16(h + 12);
	ht = cv_be32(h + 14);
	wd = cv_be32(h + 18);
	depth = cv_be16(h + 22);
	mode = cv_be16(h + 24);
	maxd = ver == 1 ? 30000 : 300000;
	if ((ver != 1 && ver != 2) || memcmp(h + 6, "\0\0\0\0\0\0", 6) != 0 ||
	    ch < 1 || ch > 56 || ht < 1 || ht > maxd || wd < 1 || wd > maxd ||
	    (depth != 1 && depth != 8 && depth != 16 && depth != 32) ||
	    mode > 9 || mode == 5 || mode == 6)
		return vd_answer(r, CV_NO, 0);
	if (ver == 2)
		r->ext = "psb";
	/* color mode data */
	pos = 26;
	if (cv_read(s, off + pos, b, 4) != 0)
		goto cut;
	pos += 4 + (uint64_t)cv_be32(b);
	/* image resources, block by block */
	if (cv_read(s, off + pos, b, 4) != 0)
		goto cut;
	end = pos + 4 + cv_be32(b);
	for (pos += 4, i = 0; pos < end && i < PSD_MAXRES; i++) {
		if (cv_read(s, off + pos, b, 7) != 0)
			goto cut;
		if (!psd_ressig(b))
			goto no;
		/* the Pascal name (length byte included) padded to even */
		len = ((uint64_t)b[6] + 2) & ~(uint64_t)1;
		if (cv_read(s, off + pos + 6 + len, b, 4) != 0)
			goto cut;
		pos += 6 + len + 4 + (((uint64_t)cv_be32(b) + 1) &
		    ~(uint64_t)1);
	}
	if (pos != end)
		goto no;
	/* layer and mask information */
	if (cv_read(s, off + pos, b, ver == 1 ? 4 : 8) != 0)
		goto cut;
	len = ver == 1 ? cv_be32(b) : cv_be64(b);
	if (len > max)
		goto no;
	pos += (ver == 1 ? 4 : 8) + len;
	/* the composite image */
	if (cv_read(s, off + pos, b, 2) != 0)
		goto cut;
	comp = cv_be16(b);
	rowb = ((uint64_t)wd * depth + 7) / 8;
	rows = (uint64_t)ch * ht;
	if (comp == 0)
		return vd_answer(r, pos + 2 + rows * rowb > lim - off ?
		    CV_TRUNCATED : CV_COMPLETE, pos + 2 + rows * rowb >
		    lim - off ? lim - off : pos + 2 + rows * rowb);
	if (comp == 2 || comp == 3)
		return vd_answer(r, CV_CORRUPT, pos);
	if (comp != 1)
		goto no;
	/* PackBits: the byte counts, then each row */
	cw = ver == 1 ? 2 : 4;
	end = pos + 2 + rows * cw;
	if (end > lim - off)
		goto cut;
	if (vd_open(&rd, s, lim) != 0)
		goto no;
	st = CV_COMPLETE;
	for (i = 0, q = end, sum = 0; i < rows; i++) {
		const unsigned char *p;
		size_t av;

		p = vd_at(&rd, off + pos + 2 + i * cw, cw, &av);
		if (av < cw) {
			st = CV_TRUNCATED;
			break;
		}
		cnt = cw == 2 ? cv_be16(p) : cv_be32(p);
		rb = end + sum;
		sum += cnt;
		if (rb + cnt > lim - off) {
			st = CV_TRUNCATED;
			break;
		}
		if (psd_row(&rd, off + rb, cnt, rowb) != 0) {
			st = CV_CORRUPT;
			q = rb;
			break;
		}
		q = rb + cnt;
	}
	vd_close(&rd);
	if (st == CV_TRUNCATED)
		return vd_answer(r, st, lim - off);
	return vd_answer(r, st, q);
cut:
	/* a read past the window: cut there, unless the window is the
	 * whole max (then a length pointed past any plausible file) */
	if (lim < off + max)
		return vd_answer(r, CV_TRUNCATED, lim - off);
no:
	r->ext = NULL;
	return vd_answer(r, CV_NO, 0);
}

static const unsigned char psd_magic[] = { '8', 'B', 'P', 'S' };

const struct cv_format cv_fmt_psd = {
	.type = "psd",
	.ext = "psd",
	.descr = "Photoshop image (sections, resources, PackBits rows)",
	.magic = psd_magic,
	.magic_len = sizeof(psd_magic),
	.magic_off = 0,
	.max_size = (uint64_t)2 << 30,
	.validate = psd_validate,
};
