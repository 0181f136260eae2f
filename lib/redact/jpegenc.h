/*
 * The one JPEG encoder etk uses for pictures it re-renders (lib/redact)
 * and thumbnails (lib/report).  Internal.
 */
#ifndef ETK_REDACT_JPEGENC_H
#define ETK_REDACT_JPEGENC_H

#include <stddef.h>

/* Encode h rows of w pixels, comps 1 (grey) or 3 (RGB), stride bytes
 * apart, at quality (1..100), with only a JFIF header: no EXIF, no
 * comments, no Adobe marker; optimised Huffman tables, islow DCT, so
 * the same pixels give the same bytes.  *enc is malloc'd (free()).
 * 0 on success; -1 with msg set (libjpeg's message) otherwise. */
int etk_jpeg_encode(const unsigned char *pix, unsigned w, unsigned h,
    unsigned comps, size_t stride, int quality, unsigned char **enc,
    unsigned long *enclen, char *msg, size_t msglen);

#endif /* ETK_REDACT_JPEGENC_H */
