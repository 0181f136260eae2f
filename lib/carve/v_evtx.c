/*
 * Windows XML event log (EVTX) validator: the "ElfFile\0" file header
 * (header size 128, version 3.x, block size 4096, CRC-32 of its first
 * 120 bytes), then 64 KiB chunks from offset 4096, each "ElfChnk\0"
 * with a header CRC-32 over bytes 0-119 and 128-511 and the records'
 * CRC-32 over [512, free space offset).  The file ends after the last
 * good chunk; fewer good chunks than the header counts is CORRUPT there
 * (a chunk Windows had not finished writing is not counted: its header
 * still matches, its records do not).
 */
#include <string.h>

#include <zlib.h>

#include "carve/v_docs.h"

#define EVTX_CHUNK	65536u
#define EVTX_MAXCHUNKS	65535u

/* 0: a good chunk at pos, 1: not a chunk, -1: cut by the window. */
static int
evtx_chunk(struct vd_rd *rd, uint64_t pos)
{
	const unsigned char *p;
	unsigned char h[512];
	uint32_t free_off;
	uLong crc;
	size_t av;

	p = vd_at(rd, pos, EVTX_CHUNK, &av);
	if (av < EVTX_CHUNK)
		return av >= 8 && memcmp(p, "ElfChnk", 8) != 0 ? 1 : -1;
	if (memcmp(p, "ElfChnk", 8) != 0)
		return 1;
	memcpy(h, p, sizeof(h));
	if (cv_le32(h + 40) != 128)
		return 1;
	crc = crc32(0, h, 120);
	crc = crc32(crc, h + 128, 384);
	if (crc != cv_le32(h + 124))
		return 1;
	free_off = cv_le32(h + 48);
	if (free_off < 512 || free_off > EVTX_CHUNK ||
	    crc32(0, p + 512, free_off - 512) != cv_le32(h + 52))
		return 1;
	return 0;
}

static enum cv_status
evtx_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct cv_src ws;
	unsigned char h[128];
	struct vd_rd rd;
	uint64_t lim, pos;
	unsigned n = 0, want;
	int c = 1;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	ws = *s;		/* no read past lim (the cap) */
	ws.end = lim;
	s = &ws;
	if (lim - off < 128 || cv_read(s, off, h, 128) != 0 ||
	    memcmp(h, "ElfFile", 8) != 0 || cv_le32(h + 32) != 128 ||
	    cv_le16(h + 38) != 3 || cv_le16(h + 40) != 4096 ||
	    crc32(0, h, 120) != cv_le32(h + 124))
		return vd_answer(r, CV_NO, 0);
	want = cv_le16(h + 42);
	if (lim - off < 4096)
		return vd_answer(r, CV_TRUNCATED, lim - off);
	if (vd_open(&rd, s, lim) != 0)
		return vd_answer(r, CV_NO, 0);
	for (pos = off + 4096; n < EVTX_MAXCHUNKS; pos += EVTX_CHUNK, n++)
		if ((c = evtx_chunk(&rd, pos)) != 0)
			break;
	vd_close(&rd);
	if (c < 0 && n < want)
		return vd_answer(r, CV_TRUNCATED, lim - off);
	return vd_answer(r, n >= want ? CV_COMPLETE : CV_CORRUPT,
	    pos - off);
}

/* "fFile\0" two bytes in: "El" is common in text, "fF" is not. */
static const unsigned char evtx_magic[] = { 'f', 'F', 'i', 'l', 'e', 0 };

const struct cv_format cv_fmt_evtx = {
	.type = "evtx",
	.ext = "evtx",
	.descr = "Windows XML event log (file header, 64 KiB chunks, CRCs)",
	.magic = evtx_magic,
	.magic_len = sizeof(evtx_magic),
	.magic_off = 2,
	.max_size = 0,
	.validate = evtx_validate,
};
