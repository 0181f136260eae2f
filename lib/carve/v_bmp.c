/*
 * BMP validator: BITMAPFILEHEADER and a DIB header of a known size,
 * plausible dimensions and depth, pixel data offset past the headers;
 * the file is bfSize bytes, which must hold the rows the header gives
 * (uncompressed) or biSizeImage (compressed).
 */
#include <string.h>

#include "carve/v_media.h"

#define BMP_MAXDIM	65535

static enum cv_status
bmp_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[54];
	uint64_t size, doff, dib, stride, need, wend;
	int64_t w, ht;
	unsigned bpp, comp, planes;

	memset(r, 0, sizeof(*r));
	if (cv_read(src, off, h, 26) != 0 || h[0] != 'B' || h[1] != 'M')
		return cv_answer(r, CV_NO, 0);
	size = cv_le32(h + 2);
	doff = cv_le32(h + 10);
	dib = cv_le32(h + 14);
	if (dib == 12) {
		w = cv_le16(h + 18);
		ht = cv_le16(h + 20);
		planes = cv_le16(h + 22);
		bpp = cv_le16(h + 24);
		comp = 0;
	} else if (dib == 40 || dib == 52 || dib == 56 || dib == 64 ||
	    dib == 108 || dib == 124) {
		if (cv_read(src, off, h, 54) != 0)
			return cv_answer(r, CV_NO, 0);
		w = (int32_t)cv_le32(h + 18);
		ht = (int32_t)cv_le32(h + 22);
		planes = cv_le16(h + 26);
		bpp = cv_le16(h + 28);
		comp = cv_le32(h + 30);
	} else
		return cv_answer(r, CV_NO, 0);
	if (ht < 0)
		ht = -ht;
	if (w <= 0 || w > BMP_MAXDIM || ht == 0 || ht > BMP_MAXDIM ||
	    planes != 1 || (cv_le16(h + 6) | cv_le16(h + 8)) != 0)
		return cv_answer(r, CV_NO, 0);
	if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 &&
	    bpp != 32)
		return cv_answer(r, CV_NO, 0);
	if (doff < 14 + dib || doff >= size || size > max)
		return cv_answer(r, CV_NO, 0);
	stride = ((uint64_t)w * bpp + 31) / 32 * 4;
	switch (comp) {
	case 0:			/* BI_RGB */
	case 3:			/* BI_BITFIELDS */
	case 6:			/* BI_ALPHABITFIELDS */
		need = stride * (uint64_t)ht;
		/* the rows, and not much more (some writers pad) */
		if (size - doff < need || size - doff - need > 4096)
			return cv_answer(r, CV_NO, 0);
		break;
	case 1:			/* RLE8 */
	case 2:			/* RLE4 */
		if ((comp == 1 && bpp != 8) || (comp == 2 && bpp != 4) ||
		    dib == 12)
			return cv_answer(r, CV_NO, 0);
		need = cv_le32(h + 34);
		if (need == 0 || need > size - doff)
			return cv_answer(r, CV_NO, 0);
		break;
	case 4:			/* BI_JPEG */
	case 5:			/* BI_PNG */
		need = cv_le32(h + 34);
		if (need == 0 || need > size - doff)
			return cv_answer(r, CV_NO, 0);
		break;
	default:
		return cv_answer(r, CV_NO, 0);
	}
	wend = src->end > off ? src->end - off : 0;
	if (size > wend)
		return cv_answer(r, CV_TRUNCATED, wend);
	return cv_answer(r, CV_COMPLETE, size);
}

CV_VALIDATOR(bmp_validate, bmp_walk)

static const unsigned char bmp_magic[] = { 'B', 'M' };

const struct cv_format cv_fmt_bmp = {
	.type = "bmp",
	.ext = "bmp",
	.descr = "BMP image (file header size checked against the DIB)",
	.magic = bmp_magic,
	.magic_len = sizeof(bmp_magic),
	.magic_off = 0,
	.max_size = (uint64_t)256 << 20,
	.validate = bmp_validate,
};
