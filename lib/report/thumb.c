/*
 * Thumbnails for the report: a JPEG is decoded at a reduced scale
 * (libjpeg's scale_num/scale_denom, so a big picture is never decoded at
 * full size) and re-encoded at quality 75; a small PNG is embedded as it
 * is.  Pictures come from the evidence, so they are hostile: libjpeg's
 * errors come back through setjmp, nothing is printed, and a picture that
 * does not decode is simply not shown.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "redact/jpegenc.h"
#include "report/report_int.h"

#define THUMB_PX	160
#define THUMB_QUALITY	75
#define MAX_SCANS	64
#define MAX_PIXELS	(1u << 28)	/* declared size we even look at */

void
rp_truncate(struct etk_buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		if (b->cap != 0)
			b->data[len] = '\0';
	}
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
rp_base64(struct etk_buf *out, const unsigned char *p, size_t n)
{
	char q[4];
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		q[0] = b64[v >> 18 & 63];
		q[1] = b64[v >> 12 & 63];
		q[2] = b64[v >> 6 & 63];
		q[3] = b64[v & 63];
		etk_buf_add(out, q, 4);
	}
	if (i < n) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		q[0] = b64[v >> 18 & 63];
		q[1] = b64[v >> 12 & 63];
		q[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		q[3] = '=';
		etk_buf_add(out, q, 4);
	}
}

struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	int eof;
	unsigned char *enc;
	unsigned long enclen;
};

static void
j_error_exit(j_common_ptr c)
{
	longjmp(((struct jerr *)c->err)->jb, 1);
}

static void
j_emit(j_common_ptr c, int level)
{
	if (level < 0) {
		c->err->num_warnings++;
		if (c->err->msg_code == JWRN_JPEG_EOF)
			((struct jerr *)c->err)->eof = 1;
	}
}

static void
j_output(j_common_ptr c)
{
	(void)c;
}

/* A progressive JPEG with very many scans is hostile, not a picture. */
static void
j_progress(j_common_ptr c)
{
	j_decompress_ptr d = (j_decompress_ptr)c;

	if (c->is_decompressor && d->input_scan_number > MAX_SCANS)
		longjmp(((struct jerr *)c->err)->jb, 1);
}

/* Scale (1..8)/8 so the longer side fits THUMB_PX, or 1/8 at least. */
static unsigned
scale_for(unsigned w, unsigned h)
{
	unsigned m = w > h ? w : h, k;

	for (k = 8; k > 1; k--)
		if ((m * k + 7) / 8 <= THUMB_PX)
			return k;
	return 1;
}

static int
jpeg_thumb(const unsigned char *in, size_t inlen, size_t max,
    struct etk_buf *out)
{
	struct jpeg_decompress_struct d;
	struct jpeg_progress_mgr prog;
	struct jerr je;
	unsigned char *volatile pix = NULL;
	volatile int have_d = 0, ok = 0;
	unsigned w, h, comps;
	size_t stride;
	JSAMPROW row;
	char msg[JMSG_LENGTH_MAX];

	memset(&d, 0, sizeof(d));
	memset(&je, 0, sizeof(je));
	d.err = jpeg_std_error(&je.pub);
	je.pub.error_exit = j_error_exit;
	je.pub.emit_message = j_emit;
	je.pub.output_message = j_output;
	if (setjmp(je.jb) != 0)
		goto out;
	jpeg_create_decompress(&d);
	have_d = 1;
	memset(&prog, 0, sizeof(prog));
	prog.progress_monitor = j_progress;
	d.progress = &prog;
	jpeg_mem_src(&d, in, (unsigned long)inlen);
	if (jpeg_read_header(&d, TRUE) != JPEG_HEADER_OK ||
	    d.image_width == 0 || d.image_height == 0 ||
	    (uint64_t)d.image_width * d.image_height > MAX_PIXELS)
		goto out;
	switch (d.jpeg_color_space) {
	case JCS_GRAYSCALE:
		d.out_color_space = JCS_GRAYSCALE;
		break;
	case JCS_YCbCr:
	case JCS_RGB:
		d.out_color_space = JCS_RGB;
		break;
	default:
		goto out;	/* CMYK and the like: no thumbnail */
	}
	d.scale_num = scale_for(d.image_width, d.image_height);
	d.scale_denom = 8;
	d.dct_method = JDCT_ISLOW;
	jpeg_start_decompress(&d);
	w = d.output_width;
	h = d.output_height;
	comps = (unsigned)d.output_components;
	if (w == 0 || h == 0 || (comps != 1 && comps != 3))
		goto out;
	stride = (size_t)w * comps;
	if ((pix = malloc(stride * h)) == NULL)
		goto out;
	while (d.output_scanline < h) {
		row = pix + (size_t)d.output_scanline * stride;
		if (jpeg_read_scanlines(&d, &row, 1) != 1 || je.eof)
			break;
	}
	if (je.eof || d.output_scanline < h)
		goto out;
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	have_d = 0;

	if (etk_jpeg_encode(pix, w, h, comps, stride, THUMB_QUALITY, &je.enc,
	    &je.enclen, msg, sizeof(msg)) != 0)
		goto out;
	if (je.enclen > 0 && je.enclen * 4 / 3 + 32 <= max) {
		etk_buf_adds(out, "data:image/jpeg;base64,");
		rp_base64(out, je.enc, je.enclen);
		ok = 1;
	}
out:
	if (have_d)
		jpeg_destroy_decompress(&d);
	free(je.enc);
	free(pix);
	return ok;
}

static int
is_png(const unsigned char *p, size_t n)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n' };

	return n >= 8 && memcmp(p, sig, 8) == 0;
}

int
rp_thumb(const unsigned char *p, size_t n, size_t max, struct etk_buf *out)
{
	size_t start = out->len;

	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) {
		if (jpeg_thumb(p, n, max, out))
			return 1;
	} else if (is_png(p, n) && n * 4 / 3 + 32 <= max) {
		/* Embedded as it is: the browser decodes it, and a PNG
		 * that does not decode shows as a broken picture, no more. */
		etk_buf_adds(out, "data:image/png;base64,");
		rp_base64(out, p, n);
		return 1;
	}
	rp_truncate(out, start);
	return 0;
}
