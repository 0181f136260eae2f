/*
 * Redacted pictures are re-rendered, never overlaid (CUSTODY.md §6b):
 * the picture is decoded to pixels, the regions are filled with black,
 * and the pixels are encoded afresh in the same format.  Nothing of the
 * original file but its pixels survives: no EXIF, XMP, ICC profile,
 * comment, text or time chunk is written (a JPEG gets only the JFIF
 * header libjpeg writes, a PNG only IHDR, IDAT and IEND).
 *
 * Regions are in stored-pixel coordinates (the EXIF orientation is not
 * applied: the pixels keep the orientation they were stored in, and the
 * output carries no orientation tag, so a viewer shows them as stored).
 *
 * Hostile pictures: libjpeg and libpng report errors through a longjmp
 * back here (never exit), pictures over 64 Mpixel are refused before
 * any pixel memory is taken, and a JPEG that ends early is ETK_EFORMAT
 * rather than a picture with grey filler.  The same input and regions
 * always give the same bytes (no clock, fixed encoder settings).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

#include "redact/jpegenc.h"
#include "redact/redact_int.h"

#define MAX_PIXELS	(UINT64_C(64) * 1024 * 1024)
/* Largest picture file we read. */
#define MAX_FILE	(UINT64_C(1) << 30)
#define JPEG_QUALITY	90

/* Fill the regions of a w x h picture of bpp bytes a pixel, rows of
 * stride bytes, with black: every sample 0 except alpha at its full
 * value (alpha: index of the alpha sample in a pixel, or -1; ss: bytes
 * a sample). */
static void
blank(unsigned char *pix, uint32_t w, uint32_t h, size_t stride,
    size_t bpp, int alpha, size_t ss,
    const struct etk_redact_rule *const *regions, size_t n)
{
	size_t i, y, x;

	for (i = 0; i < n; i++) {
		const struct etk_redact_rule *r = regions[i];
		uint64_t x0 = r->x, y0 = r->y;
		uint64_t x1 = (uint64_t)r->x + r->w, y1 = (uint64_t)r->y + r->h;

		if (x1 > w)
			x1 = w;
		if (y1 > h)
			y1 = h;
		if (x0 >= x1 || y0 >= y1)
			continue;
		for (y = (size_t)y0; y < y1; y++) {
			unsigned char *row = pix + y * stride;

			memset(row + x0 * bpp, 0, (size_t)(x1 - x0) * bpp);
			if (alpha >= 0)
				for (x = (size_t)x0; x < x1; x++)
					memset(row + x * bpp +
					    (size_t)alpha * ss, 0xff, ss);
		}
	}
}

/* ------------------------------------------------------------------ */
/* JPEG */

struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	int eof;		/* "Premature end of JPEG file" */
	unsigned char *enc;	/* jpeg_mem_dest's buffer (we free it) */
	unsigned long enclen;
	char msg[JMSG_LENGTH_MAX];
};

static void
j_error_exit(j_common_ptr c)
{
	struct jerr *je = (struct jerr *)c->err;

	(*c->err->format_message)(c, je->msg);
	longjmp(je->jb, 1);
}

/* Never print.  Warnings are counted; a truncated file is noted. */
static void
j_emit(j_common_ptr c, int level)
{
	struct jerr *je = (struct jerr *)c->err;

	if (level < 0) {
		c->err->num_warnings++;
		if (c->err->msg_code == JWRN_JPEG_EOF)
			je->eof = 1;
	}
}

static void
j_output(j_common_ptr c)
{
	(void)c;
}

/* A progressive JPEG may hold any number of scans, each a pass over
 * every coefficient: past this many it is hostile, not a picture. */
#define JPEG_MAX_SCANS	256

static void
j_progress(j_common_ptr c)
{
	j_decompress_ptr d = (j_decompress_ptr)c;

	if (c->is_decompressor && d->input_scan_number > JPEG_MAX_SCANS) {
		struct jerr *je = (struct jerr *)c->err;

		snprintf(je->msg, sizeof(je->msg), "more than %d scans",
		    JPEG_MAX_SCANS);
		longjmp(je->jb, 1);
	}
}

static int
jpeg_redo(const unsigned char *in, size_t inlen,
    const struct etk_redact_rule *const *regions, size_t n,
    uint64_t maxpx, struct etk_buf *out, struct etk_error *err)
{
	struct jpeg_decompress_struct d;
	struct jpeg_progress_mgr prog;
	struct jerr je;
	unsigned char *volatile pix = NULL;
	volatile int have_d = 0, rc = ETK_OK;
	uint32_t w, h;
	size_t comps, stride;
	JSAMPROW row;

	memset(&d, 0, sizeof(d));
	memset(&je, 0, sizeof(je));
	d.err = jpeg_std_error(&je.pub);
	je.pub.error_exit = j_error_exit;
	je.pub.emit_message = j_emit;
	je.pub.output_message = j_output;
	if (setjmp(je.jb) != 0) {
		if (rc == ETK_OK)
			rc = etk_fail(err, ETK_EFORMAT, 0,
			    "corrupt JPEG: %s", je.msg);
		goto out;
	}
	jpeg_create_decompress(&d);
	have_d = 1;
	memset(&prog, 0, sizeof(prog));
	prog.progress_monitor = j_progress;
	d.progress = &prog;
	jpeg_mem_src(&d, in, (unsigned long)inlen);
	if (jpeg_read_header(&d, TRUE) != JPEG_HEADER_OK) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "corrupt JPEG: no image");
		goto out;
	}
	w = d.image_width;
	h = d.image_height;
	if (w == 0 || h == 0) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "corrupt JPEG: empty");
		goto out;
	}
	if ((uint64_t)w * h > maxpx) {
		rc = etk_fail(err, ETK_ETIMEOUT, 0, "JPEG of %ux%u pixels: "
		    "more than %llu pixels", (unsigned)w, (unsigned)h,
		    (unsigned long long)maxpx);
		goto out;
	}
	switch (d.jpeg_color_space) {
	case JCS_GRAYSCALE:
		d.out_color_space = JCS_GRAYSCALE;
		comps = 1;
		break;
	case JCS_YCbCr:
	case JCS_RGB:
		d.out_color_space = JCS_RGB;
		comps = 3;
		break;
	default:
		rc = etk_fail(err, ETK_EUNSUPP, 0, "JPEG in CMYK or another "
		    "colour space: not supported for redaction");
		goto out;
	}
	d.dct_method = JDCT_ISLOW;
	jpeg_start_decompress(&d);
	if (d.output_components != (int)comps || d.output_width != w ||
	    d.output_height != h) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "corrupt JPEG: "
		    "unexpected output");
		goto out;
	}
	stride = (size_t)w * comps;
	if ((pix = malloc(stride * h)) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, 0, "out of memory");
		goto out;
	}
	while (d.output_scanline < h) {
		row = pix + (size_t)d.output_scanline * stride;
		if (jpeg_read_scanlines(&d, &row, 1) != 1 || je.eof)
			break;
	}
	if (je.eof || d.output_scanline < h) {
		rc = etk_fail(err, ETK_EFORMAT, 0,
		    "corrupt JPEG: truncated");
		goto out;
	}
	jpeg_finish_decompress(&d);
	if (je.eof) {
		rc = etk_fail(err, ETK_EFORMAT, 0,
		    "corrupt JPEG: truncated");
		goto out;
	}
	jpeg_destroy_decompress(&d);
	have_d = 0;

	blank(pix, w, h, stride, comps, -1, 1, regions, n);

	if (etk_jpeg_encode(pix, w, h, (unsigned)comps, stride, JPEG_QUALITY,
	    &je.enc, &je.enclen, je.msg, sizeof(je.msg)) != 0) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "cannot encode JPEG: %s",
		    je.msg);
		goto out;
	}
	etk_buf_add(out, je.enc, je.enclen);
	if (out->oom)
		rc = etk_fail(err, ETK_ENOMEM, 0, "out of memory");
out:
	if (have_d)
		jpeg_destroy_decompress(&d);
	free(je.enc);
	free(pix);
	return rc;
}

/* ------------------------------------------------------------------ */
/* PNG */

struct pngio {
	const unsigned char *in;
	size_t len, at;
	struct etk_buf *out;
	char msg[256];
};

static void
p_error(png_structp p, png_const_charp msg)
{
	struct pngio *io = png_get_error_ptr(p);

	snprintf(io->msg, sizeof(io->msg), "%s", msg ? msg : "error");
	png_longjmp(p, 1);
}

/* Warnings (an sRGB profile libpng dislikes, a bad ancillary CRC) drop
 * what they concern; nothing of it is written anyway. */
static void
p_warn(png_structp p, png_const_charp msg)
{
	(void)p;
	(void)msg;
}

static void
p_read(png_structp p, png_bytep data, size_t len)
{
	struct pngio *io = png_get_io_ptr(p);

	if (len > io->len - io->at)
		png_error(p, "truncated");
	memcpy(data, io->in + io->at, len);
	io->at += len;
}

static void
p_write(png_structp p, png_bytep data, size_t len)
{
	struct pngio *io = png_get_io_ptr(p);

	etk_buf_add(io->out, data, len);
	if (io->out->oom)
		png_error(p, "out of memory");
}

static void
p_flush(png_structp p)
{
	(void)p;
}

static const png_byte skip_chunks[] =
    "bKGD\0cHRM\0eXIf\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0"
    "sBIT\0sCAL\0sPLT\0sRGB\0tEXt\0tIME\0zTXt";

static int
png_redo(const unsigned char *in, size_t inlen,
    const struct etk_redact_rule *const *regions, size_t n,
    uint64_t maxpx, struct etk_buf *out, struct etk_error *err)
{
	struct pngio io;
	png_structp rp = NULL, wt;
	png_infop ri = NULL, wti;
	png_structp volatile wp = NULL;
	png_infop volatile wi = NULL;
	unsigned char *volatile pix = NULL;
	png_bytep *volatile rows = NULL;
	volatile int rc = ETK_OK;
	png_uint_32 w, h;
	int depth, ctype, interlace, alpha;
	size_t stride, bpp, ss, y;

	memset(&io, 0, sizeof(io));
	io.in = in;
	io.len = inlen;
	io.out = out;
	rp = png_create_read_struct(PNG_LIBPNG_VER_STRING, &io, p_error,
	    p_warn);
	if (rp == NULL || (ri = png_create_info_struct(rp)) == NULL) {
		png_destroy_read_struct(&rp, NULL, NULL);
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	}
	if (setjmp(png_jmpbuf(rp)) != 0) {
		if (rc == ETK_OK)
			rc = etk_fail(err, ETK_EFORMAT, 0, "corrupt PNG: %s",
			    io.msg);
		goto out;
	}
	png_set_read_fn(rp, &io, p_read);
	/* No ancillary chunk is kept, so none need be stored whole. */
	png_set_keep_unknown_chunks(rp, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
	/* Known ancillary chunks are skipped unread too (tRNS is kept:
	 * it is the transparency of the pixels), so a picture full of
	 * compressed text costs nothing. */
	png_set_keep_unknown_chunks(rp, PNG_HANDLE_CHUNK_NEVER, skip_chunks,
	    (int)(sizeof(skip_chunks) / 5));
	png_set_chunk_malloc_max(rp, 1024 * 1024);
	png_set_chunk_cache_max(rp, 64);
	png_read_info(rp, ri);
	png_get_IHDR(rp, ri, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
	if (w == 0 || h == 0) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "corrupt PNG: empty");
		goto out;
	}
	if ((uint64_t)w * h > maxpx) {
		rc = etk_fail(err, ETK_ETIMEOUT, 0, "PNG of %ux%u pixels: "
		    "more than %llu pixels", (unsigned)w, (unsigned)h,
		    (unsigned long long)maxpx);
		goto out;
	}
	/* Palettes and low bit depths become plain samples; 16-bit
	 * samples are kept as they are. */
	if (ctype == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(rp);
	if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
		png_set_expand_gray_1_2_4_to_8(rp);
	if (png_get_valid(rp, ri, PNG_INFO_tRNS))
		png_set_tRNS_to_alpha(rp);
	(void)png_set_interlace_handling(rp);
	png_read_update_info(rp, ri);
	depth = png_get_bit_depth(rp, ri);
	ctype = png_get_color_type(rp, ri);
	bpp = png_get_channels(rp, ri);
	ss = depth == 16 ? 2 : 1;
	if ((depth != 8 && depth != 16) || bpp < 1 || bpp > 4) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "corrupt PNG: bad format");
		goto out;
	}
	stride = (size_t)w * bpp * ss;
	if (png_get_rowbytes(rp, ri) != stride) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "corrupt PNG: bad rows");
		goto out;
	}
	if ((pix = malloc(stride * h)) == NULL ||
	    (rows = malloc(h * sizeof(*rows))) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, 0, "out of memory");
		goto out;
	}
	for (y = 0; y < h; y++)
		rows[y] = pix + y * stride;
	png_read_image(rp, rows);
	png_read_end(rp, NULL);

	alpha = (ctype & PNG_COLOR_MASK_ALPHA) ? (int)bpp - 1 : -1;
	blank(pix, w, h, stride, bpp * ss, alpha, ss, regions, n);

	wp = png_create_write_struct(PNG_LIBPNG_VER_STRING, &io, p_error,
	    p_warn);
	if (wp == NULL || (wi = png_create_info_struct(wp)) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, 0, "out of memory");
		goto out;
	}
	if (setjmp(png_jmpbuf(wp)) != 0) {
		if (rc == ETK_OK)
			rc = etk_fail(err, out->oom ? ETK_ENOMEM : ETK_EIO, 0,
			    "cannot encode PNG: %s", io.msg);
		goto out;
	}
	png_set_write_fn(wp, &io, p_write, p_flush);
	png_set_IHDR(wp, wi, w, h, depth, ctype, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(wp, 9);
	png_write_info(wp, wi);
	png_write_image(wp, rows);
	png_write_end(wp, NULL);
out:
	png_destroy_read_struct(&rp, &ri, NULL);
	if (wp != NULL) {
		wt = wp;
		wti = wi;
		png_destroy_write_struct(&wt, &wti);
	}
	free(rows);
	free(pix);
	return rc;
}

/* ------------------------------------------------------------------ */

int
rd_picture_mem(const unsigned char *in, size_t inlen,
    const struct etk_redact_rule *const *regions, size_t n,
    uint64_t maxpx, struct etk_buf *out, struct etk_error *err)
{
	static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r',
	    '\n', 0x1a, '\n' };
	size_t i, before;
	int rc;

	if ((in == NULL && inlen > 0) || out == NULL ||
	    (regions == NULL && n > 0))
		return etk_fail(err, ETK_EINVAL, 0, "bad arguments");
	for (i = 0; i < n; i++)
		if (regions[i] == NULL ||
		    regions[i]->kind != ETK_REDACT_REGION)
			return etk_fail(err, ETK_EINVAL, 0,
			    "region %zu is not a region rule", i);
	if (maxpx == 0 || maxpx > MAX_PIXELS)
		maxpx = MAX_PIXELS;
	before = out->len;
	if (inlen >= 3 && in[0] == 0xff && in[1] == 0xd8 && in[2] == 0xff)
		rc = jpeg_redo(in, inlen, regions, n, maxpx, out, err);
	else if (inlen >= 8 && memcmp(in, png_sig, 8) == 0)
		rc = png_redo(in, inlen, regions, n, maxpx, out, err);
	else
		return etk_fail(err, ETK_EUNSUPP, 0, "not a JPEG or PNG "
		    "picture: only those can be re-rendered");
	if (rc != ETK_OK)
		out->len = before;	/* nothing half-written */
	return rc;
}

int
etk_redact_picture(const char *in_path, const char *out_path,
    const struct etk_redact_rule *const *regions, size_t n,
    struct etk_error *err)
{
	struct etk_buf in, out;
	struct stat st;
	char chunk[65536];
	ssize_t r;
	int fd, e, rc;

	if (in_path == NULL || out_path == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "bad arguments");
	if (access(out_path, F_OK) == 0)
		return etk_fail(err, ETK_EEXIST, 0,
		    "'%s' exists; refusing to overwrite", out_path);
	if ((fd = open(in_path, O_RDONLY | O_CLOEXEC)) < 0) {
		e = errno;
		return etk_fail(err, e == ENOENT ? ETK_ENOTFOUND : ETK_EIO, e,
		    "cannot open '%s'", in_path);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return etk_fail(err, ETK_EINVAL, 0,
		    "'%s' is not a regular file", in_path);
	}
	if ((uint64_t)st.st_size > MAX_FILE) {
		close(fd);
		return etk_fail(err, ETK_ETIMEOUT, 0,
		    "'%s': larger than 1 GiB", in_path);
	}
	etk_buf_init(&in);
	etk_buf_init(&out);
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			close(fd);
			etk_buf_release(&in);
			return etk_fail(err, ETK_EIO, e, "cannot read '%s'",
			    in_path);
		}
		if (r == 0)
			break;
		etk_buf_add(&in, chunk, (size_t)r);
		if (in.len > MAX_FILE)
			break;
	}
	close(fd);
	if (in.oom) {
		etk_buf_release(&in);
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	}
	if (in.len > MAX_FILE) {
		etk_buf_release(&in);
		return etk_fail(err, ETK_ETIMEOUT, 0,
		    "'%s': larger than 1 GiB", in_path);
	}
	rc = rd_picture_mem((const unsigned char *)in.data, in.len, regions,
	    n, 0, &out, err);
	etk_buf_release(&in);
	if (rc != ETK_OK) {
		etk_buf_release(&out);
		return etk_wrap(err, "%s", in_path);
	}
	rc = etk_write_file_atomic(out_path, out.data, out.len, 0, NULL, err);
	etk_buf_release(&out);
	return rc;
}
