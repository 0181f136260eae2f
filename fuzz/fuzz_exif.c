/*
 * Fuzz target: picture probing and EXIF (ex_image_probe, libexif
 * behind it).
 *
 * The input is probed twice: as it is (any container: JPEG, PNG, GIF,
 * BMP, WebP, TIFF, HEIC), and as the TIFF block of a JPEG APP1 with a
 * 7x5 SOF after it, so that mutations reach the EXIF parser without
 * having to keep a container valid.  Every answer is checked against
 * the contract in lib/extract/ex_int.h: a known status, a zeroed
 * record on failure, NUL-terminated strings, a taken time of one of
 * the two shapes, orientation 0..8, coordinates on the globe; and in
 * the APP1 case the SOF's dimensions whatever the EXIF held.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract/ex_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* An APP1 segment holds at most 65535 - 2 - 6 bytes of TIFF. */
#define APP1_MAX	65527

static void
check(int rc, const struct ex_image_info *in)
{
	static const struct ex_image_info zero;
	size_t tl;

	if (rc != 0 && rc != ETK_EFORMAT)
		abort();
	if (rc != 0 && memcmp(in, &zero, sizeof(zero)) != 0)
		abort();
	if (memchr(in->taken, 0, sizeof(in->taken)) == NULL ||
	    memchr(in->make, 0, sizeof(in->make)) == NULL ||
	    memchr(in->model, 0, sizeof(in->model)) == NULL)
		abort();
	tl = strlen(in->taken);
	if (tl != 0 && tl != 19 && tl != 25)
		abort();
	if (in->taken_has_offset != (tl == 25) ||
	    in->has_taken_utc != in->taken_has_offset)
		abort();
	if (in->orientation < 0 || in->orientation > 8)
		abort();
	if (in->has_gps && (!isfinite(in->lat) || !isfinite(in->lon) ||
	    fabs(in->lat) > 90 || fabs(in->lon) > 180))
		abort();
	if (!in->has_gps && (in->lat != 0 || in->lon != 0))
		abort();
	if (in->has_alt && !isfinite(in->alt))
		abort();
	if (in->has_dims && (in->width == 0 || in->height == 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char sof[] = { 0xff, 0xc0, 0, 17, 8, 0, 5, 0,
		7, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9 };
	struct ex_image_info in;
	unsigned char *j;
	size_t n = size < APP1_MAX ? size : APP1_MAX, len;
	int rc;

	rc = ex_image_probe(data, size, &in);
	check(rc, &in);

	/* FFD8, APP1 "Exif\0\0" + input, SOF0 7x5, EOI; exactly sized. */
	len = 4 + 2 + 6 + n + sizeof(sof);
	if ((j = malloc(len)) == NULL)
		return 0;
	j[0] = 0xff;
	j[1] = 0xd8;
	j[2] = 0xff;
	j[3] = 0xe1;
	j[4] = (unsigned char)((n + 8) >> 8);
	j[5] = (unsigned char)(n + 8);
	memcpy(j + 6, "Exif\0\0", 6);
	if (n > 0)
		memcpy(j + 12, data, n);
	memcpy(j + 12 + n, sof, sizeof(sof));
	rc = ex_image_probe(j, len, &in);
	check(rc, &in);
	if (rc != 0 || !in.has_dims || in.width != 7 || in.height != 5)
		abort();
	free(j);
	return 0;
}
