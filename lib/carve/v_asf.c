/*
 * ASF validator (WMV, WMA): the Header Object (GUID, 64-bit size,
 * sub-object count; its sub-objects must tile it), then the Data
 * Object, then any index objects (Simple Index, Index, Media Object
 * Index, Timecode Index); the file ends before anything else.  A video
 * stream among the Stream Properties makes it .wmv, audio only .wma.
 *
 * A file written as a broadcast (File Properties flag: a live capture,
 * a writer that could not seek back) may leave the Data Object with no
 * size for its packets (no more than its own 50-byte header): its
 * packets, all of the fixed size the File Properties give, are walked
 * while each starts as a packet does (error correction data 0x82 0 0,
 * as every packet of the first one's kind); the data ends after the
 * last one; after the index objects, a streaming end-of-stream packet
 * ("$E", MS-WMSP framing) a stream writer puts there is part of it.
 */
#include <string.h>

#include "carve/v_media.h"

#define ASF_MAXOBJ	4096

static const unsigned char g_header[16] = { 0x30, 0x26, 0xb2, 0x75, 0x8e,
    0x66, 0xcf, 0x11, 0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce, 0x6c };
static const unsigned char g_data[16] = { 0x36, 0x26, 0xb2, 0x75, 0x8e,
    0x66, 0xcf, 0x11, 0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce, 0x6c };
static const unsigned char g_index[4][16] = {
	{ 0x90, 0x08, 0x00, 0x33, 0xb1, 0xe5, 0xcf, 0x11, 0x89, 0xf4, 0x00,
	    0xa0, 0xc9, 0x03, 0x49, 0xcb },	/* Simple Index */
	{ 0xd3, 0x29, 0xe2, 0xd6, 0xda, 0x35, 0xd1, 0x11, 0x90, 0x34, 0x00,
	    0xa0, 0xc9, 0x03, 0x49, 0xbe },	/* Index */
	{ 0xf8, 0x03, 0xb1, 0xfe, 0xad, 0x12, 0x64, 0x4c, 0x84, 0x0f, 0x2a,
	    0x1d, 0x2f, 0x7a, 0xd4, 0x8c },	/* Media Object Index */
	{ 0xd0, 0x3f, 0xb7, 0x3c, 0x4a, 0x0c, 0x03, 0x48, 0x95, 0x3d, 0xed,
	    0xf7, 0xb6, 0x22, 0x8f, 0x0c },	/* Timecode Index */
};
static const unsigned char g_fileprops[16] = { 0xa1, 0xdc, 0xab, 0x8c,
    0x47, 0xa9, 0xcf, 0x11, 0x8e, 0xe4, 0x00, 0xc0, 0x0c, 0x20, 0x53, 0x65 };
static const unsigned char g_streamprops[16] = { 0x91, 0x07, 0xdc, 0xb7,
    0xb7, 0xa9, 0xcf, 0x11, 0x8e, 0xe6, 0x00, 0xc0, 0x0c, 0x20, 0x53, 0x65 };
static const unsigned char g_video[16] = { 0xc0, 0xef, 0x19, 0xbc, 0x4d,
    0x5b, 0xcf, 0x11, 0xa8, 0xfd, 0x00, 0x80, 0x5f, 0x5c, 0x44, 0x2b };
static const unsigned char g_audio[16] = { 0x40, 0x9e, 0x69, 0xf8, 0x4d,
    0x5b, 0xcf, 0x11, 0xa8, 0xfd, 0x00, 0x80, 0x5f, 0x5c, 0x44, 0x2b };

static enum cv_status
asf_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[40];
	uint64_t hsize, pos, size, lim, wend;
	uint32_t nobj, i, pkt = 0;
	int video = 0, audio = 0, bcast = 0, stream = 0, k, n;

	memset(r, 0, sizeof(*r));
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	if (cv_read(src, off, h, 30) != 0 || memcmp(h, g_header, 16) != 0)
		return cv_answer(r, CV_NO, 0);
	hsize = cv_le64(h + 16);
	nobj = cv_le32(h + 24);
	if (hsize < 30 + 24 || hsize > max || nobj == 0 || nobj > ASF_MAXOBJ ||
	    h[29] != 2)
		return cv_answer(r, CV_NO, 0);
	/* the header's sub-objects tile it */
	for (pos = 30, i = 0; i < nobj; i++) {
		if (hsize - pos < 24)
			return cv_answer(r, CV_NO, 0);
		if (cv_read(src, off + pos, h, 40) != 0)
			return cv_answer(r, i > 0 ? CV_TRUNCATED : CV_NO, lim);
		size = cv_le64(h + 16);
		if (size < 24 || size > hsize - pos)
			return cv_answer(r, CV_NO, 0);
		if (memcmp(h, g_fileprops, 16) == 0 && size >= 104 &&
		    cv_read(src, off + pos + 88, h + 24, 12) == 0) {
			bcast = cv_le32(h + 24) & 1;
			if (cv_le32(h + 28) == cv_le32(h + 32))
				pkt = cv_le32(h + 28);
		}
		if (memcmp(h, g_streamprops, 16) == 0 && size >= 40) {
			if (memcmp(h + 24, g_video, 16) == 0)
				video = 1;
			else if (memcmp(h + 24, g_audio, 16) == 0)
				audio = 1;
		}
		pos += size;
	}
	if (pos != hsize)
		return cv_answer(r, CV_NO, 0);
	r->ext = video ? "wmv" : audio ? "wma" : NULL;
	/* the Data Object */
	if (cv_read(src, off + pos, h, 24) != 0)
		return cv_answer(r, CV_TRUNCATED, lim);
	size = cv_le64(h + 16);
	if (memcmp(h, g_data, 16) != 0 || size < 50 || size > max - pos)
		return cv_answer(r, CV_CORRUPT, pos);
	if (size == 50 && bcast && pkt >= 32) {
		pos += 50;
		for (n = 0; pos + pkt <= lim; n++) {
			if (cv_read(src, off + pos, h, 3) != 0 ||
			    h[0] != 0x82 || h[1] != 0 || h[2] != 0)
				break;
			pos += pkt;
		}
		if (n == 0)
			return cv_answer(r, CV_CORRUPT, pos);
		if (pos + pkt > lim && pos < lim &&
		    cv_read(src, off + pos, h, 3) == 0 && h[0] == 0x82 &&
		    h[1] == 0 && h[2] == 0)
			return cv_answer(r, CV_TRUNCATED, lim);
		size = 0;
		stream = 1;
	}
	pos += size;
	if (pos > wend)
		return cv_answer(r, CV_TRUNCATED, lim);
	for (n = 0; n < ASF_MAXOBJ; n++) {
		if (pos == wend || cv_read(src, off + pos, h, 24) != 0)
			break;
		for (k = 0; k < 4; k++)
			if (memcmp(h, g_index[k], 16) == 0)
				break;
		size = cv_le64(h + 16);
		if (k == 4 || size < 24 || size > max - pos)
			break;
		if (size > wend - pos)
			return cv_answer(r, CV_TRUNCATED, lim);
		pos += size;
	}
	/* after the index: "$E", length 8, then the 8 bytes (their last
	 * two repeat the length) */
	if (stream && pos + 12 <= lim && cv_read(src, off + pos, h, 12) == 0 &&
	    h[0] == '$' && h[1] == 'E' && cv_le16(h + 2) == 8 &&
	    cv_le16(h + 10) == 8)
		pos += 12;
	return cv_answer(r, CV_COMPLETE, pos);
}

CV_VALIDATOR(asf_validate, asf_walk)

const struct cv_format cv_fmt_asf = {
	.type = "asf",
	.ext = "asf",
	.descr = "ASF: WMV/WMA (header, data and index objects)",
	.magic = g_header,
	.magic_len = sizeof(g_header),
	.magic_off = 0,
	.max_size = 0,
	.validate = asf_validate,
};
