/*
 * etk_jpeg_encode: see jpegenc.h.  libjpeg reports errors by calling
 * error_exit, which must not return: it longjmps back here.  Nothing is
 * printed.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "redact/jpegenc.h"

struct encerr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	char msg[JMSG_LENGTH_MAX];
};

static void
enc_error_exit(j_common_ptr c)
{
	struct encerr *e = (struct encerr *)c->err;

	(*c->err->format_message)(c, e->msg);
	longjmp(e->jb, 1);
}

static void
enc_output(j_common_ptr c)
{
	(void)c;
}

int
etk_jpeg_encode(const unsigned char *pix, unsigned w, unsigned h,
    unsigned comps, size_t stride, int quality, unsigned char **enc,
    unsigned long *enclen, char *msg, size_t msglen)
{
	struct jpeg_compress_struct c;
	struct encerr e;
	unsigned char *volatile out = NULL;
	unsigned long outlen = 0;
	JSAMPROW row;

	*enc = NULL;
	*enclen = 0;
	memset(&c, 0, sizeof(c));
	memset(&e, 0, sizeof(e));
	c.err = jpeg_std_error(&e.pub);
	e.pub.error_exit = enc_error_exit;
	e.pub.output_message = enc_output;
	if (setjmp(e.jb) != 0) {
		jpeg_destroy_compress(&c);
		free(out);
		snprintf(msg, msglen, "%s", e.msg);
		return -1;
	}
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, (unsigned char **)&out, &outlen);
	c.image_width = w;
	c.image_height = h;
	c.input_components = (int)comps;
	c.in_color_space = comps == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	c.dct_method = JDCT_ISLOW;
	c.optimize_coding = TRUE;
	c.write_JFIF_header = TRUE;
	c.write_Adobe_marker = FALSE;
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < h) {
		row = (JSAMPROW)(pix + (size_t)c.next_scanline * stride);
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	*enc = out;
	*enclen = outlen;
	return 0;
}
