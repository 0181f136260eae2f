/*
 * Apple Core Audio Format (CAF) validator: "caff", version 1, flags 0,
 * the 'desc' chunk first (32 bytes: a positive sample rate, a format id,
 * channels), then chunks of a printable type and a 64-bit size.  The
 * file ends after the last chunk.  A 'data' chunk of size -1 runs to the
 * end of the file; its size is then found from the packet table ('pakt',
 * which must come before it: the sum of the packets' sizes), or from a
 * constant packet size and the packet count; without either the end is
 * not known (CORRUPT after the chunk header).
 */
#include <string.h>

#include "carve/v_media.h"
#include "carve/v_docs.h"

#define CAF_MAXCHUNKS	4096

static int
caf_type(const unsigned char *p)
{
	int i;

	for (i = 0; i < 4; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
	return 1;
}

/* Sum of the packet sizes of the 'pakt' chunk at pos (its data): -1
 * when it cannot be read whole. */
static int64_t
caf_pakt(const struct cv_src *src, uint64_t pos, uint64_t len,
    unsigned fpp, unsigned bpp)
{
	struct vd_rd rd;
	const unsigned char *p;
	unsigned char h[24];
	uint64_t n, i, v, q, end = pos + len;
	int64_t sum = 0;
	unsigned k, per;
	size_t av;

	if (len < 24 || cv_read(src, pos, h, 24) != 0)
		return -1;
	n = cv_be64(h);
	if (bpp != 0)
		return n <= ((uint64_t)1 << 40) / bpp ? (int64_t)(n * bpp) : -1;
	/* each packet: its size, then its frames when they vary */
	per = fpp == 0 ? 2 : 1;
	if (n > len || vd_open(&rd, src, end) != 0)
		return -1;
	for (q = pos + 24, i = 0; i < n * per; i++) {
		for (v = 0, k = 0; k < 10; k++) {
			p = vd_at(&rd, q, 1, &av);
			if (av == 0) {
				vd_close(&rd);
				return -1;
			}
			q++;
			v = v << 7 | (p[0] & 0x7f);
			if (!(p[0] & 0x80))
				break;
		}
		if (k == 10 || v > ((uint64_t)1 << 32)) {
			vd_close(&rd);
			return -1;
		}
		if (i % per == 0)
			sum += (int64_t)v;
	}
	vd_close(&rd);
	return sum;
}

static enum cv_status
caf_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[8 + 12 + 32];
	uint64_t pos, lim, wend, len;
	unsigned k, bpp, fpp;
	int64_t paktsum = -1;
	int data = 0;

	memset(r, 0, sizeof(*r));
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	if (cv_read(src, off, h, 8 + 12 + 32) != 0 ||
	    memcmp(h, "caff\0\x01\0\0", 8) != 0)
		return cv_answer(r, CV_NO, 0);
	/* the desc chunk: sample rate (a positive double), format id,
	 * flags, bytes and frames per packet, channels, bits */
	memmove(h, h + 8, 12 + 32);
	if (memcmp(h, "desc", 4) != 0 || cv_be64(h + 4) != 32 ||
	    (h[12] & 0x80) != 0 || cv_be64(h + 12) == 0 ||
	    !caf_type(h + 20) || cv_be32(h + 36) == 0 ||
	    cv_be32(h + 36) > 64)
		return cv_answer(r, CV_NO, 0);
	bpp = cv_be32(h + 28);
	fpp = cv_be32(h + 32);
	pos = 8 + 12 + 32;
	for (k = 0; k < CAF_MAXCHUNKS; k++) {
		if (pos == lim)
			break;		/* (a file may end with the window) */
		if (cv_read(src, off + pos, h, 12) != 0)
			return cv_answer(r, CV_TRUNCATED, lim);
		if (!caf_type(h))
			break;
		len = cv_be64(h + 4);
		if (memcmp(h, "data", 4) == 0 && len == UINT64_MAX) {
			/* to the end of the file */
			if (paktsum < 0)
				return cv_answer(r, CV_CORRUPT, pos + 12);
			return cv_answer(r, CV_COMPLETE, pos + 12 + 4 +
			    (uint64_t)paktsum);
		}
		if (len > max || pos + 12 + len > max)
			break;
		if (memcmp(h, "data", 4) == 0)
			data = 1;
		if (memcmp(h, "pakt", 4) == 0)
			paktsum = caf_pakt(src, off + pos + 12, len, fpp, bpp);
		pos += 12 + len;
	}
	return cv_answer(r, data ? CV_COMPLETE : CV_CORRUPT, pos);
}

CV_VALIDATOR(caf_validate, caf_walk)

/* "ff\0\x01" two bytes in: "ca" starts too many words of text. */
static const unsigned char caf_magic[] = { 'f', 'f', 0, 1 };

const struct cv_format cv_fmt_caf = {
	.type = "caf",
	.ext = "caf",
	.descr = "Apple Core Audio file (desc, chunk walk, packet table)",
	.magic = caf_magic,
	.magic_len = sizeof(caf_magic),
	.magic_off = 2,
	.max_size = 0,
	.validate = caf_validate,
};
