/*
 * bzip2 validator: "BZh" and a block size digit, the first block's
 * magic (0x314159265359, byte-aligned after the header), then the
 * bit-aligned block and end-of-stream magics found in order, each
 * block's CRC folded into the combined CRC (rotate left, xor) that the
 * end-of-stream marker stores and must match.  The stream ends at the
 * byte holding the last bit of that CRC; a stream that follows at once
 * (pbzip2 writes one per chunk) belongs to the same file.  A block
 * whose next magic does not come within the largest compressed block
 * is CORRUPT at its start.
 *
 * The magics are 48 bits at any bit offset: a table of the byte pairs
 * that are the second and third bytes of a magic at one of the 8 shifts
 * lets the scan look closer at one offset in four thousand only.
 */
#include <pthread.h>
#include <string.h>

#include "carve/v_docs.h"

#define BZ_BLOCK	((uint64_t)0x314159265359)
#define BZ_EOS		((uint64_t)0x177245385090)
#define BZ_MASK		((uint64_t)0xffffffffffff)
#define BZ_MAXGAP	((uint64_t)1200000)	/* > 900k * 1.25 + tables */
#define BZ_MAXSTREAMS	100000

/* bit 2*s: the block magic shifted by s has these second and third
 * bytes; bit 2*s+1: the end-of-stream magic does. */
static uint16_t bz_tab[65536];
static pthread_once_t bz_once = PTHREAD_ONCE_INIT;

static void
bz_init(void)
{
	unsigned s;

	for (s = 0; s < 8; s++) {
		bz_tab[(BZ_BLOCK >> (24 + s)) & 0xffff] |=
		    (uint16_t)(1u << (2 * s));
		bz_tab[(BZ_EOS >> (24 + s)) & 0xffff] |=
		    (uint16_t)(1u << (2 * s + 1));
	}
}

/* 64 bits from the 8 bytes at pos (zeros past the window). */
static uint64_t
bz_word(struct vd_rd *rd, uint64_t pos)
{
	const unsigned char *p;
	uint64_t w = 0;
	size_t av, i;

	p = vd_at(rd, pos, 8, &av);
	for (i = 0; i < 8; i++)
		w = w << 8 | (i < av ? p[i] : 0);
	return w;
}

/* The next magic at a bit offset >= from (absolute bits): its bit
 * offset in *at and 1 for a block, 2 for the end of stream; 0 when none
 * starts before bit limit (or the window ends: *cut). */
static int
bz_next(struct vd_rd *rd, uint64_t from, uint64_t limit, uint64_t *at,
    int *cut)
{
	const unsigned char *p;
	uint64_t q, b, w, bit, v;
	size_t av, k;
	unsigned s, m;

	*cut = 0;
	/* bytes q, q + 1 are the second and third of a magic starting in
	 * byte q - 1 */
	for (q = from / 8 + 1; (q - 1) * 8 < limit; q++) {
		p = vd_at(rd, q, 2, &av);
		if (av < 2) {
			*cut = 1;
			return 0;
		}
		for (k = 0; k + 1 < av &&
		    bz_tab[(unsigned)p[k] << 8 | p[k + 1]] == 0; k++)
			;
		if (k + 1 == av) {
			q += av - 2;
			continue;
		}
		q += k;
		m = bz_tab[(unsigned)p[k] << 8 | p[k + 1]];
		b = q - 1;
		w = bz_word(rd, b);
		for (s = 0; s < 8; s++) {
			bit = b * 8 + s;
			if (bit < from || (m >> (2 * s) & 3) == 0)
				continue;
			v = w >> (16 - s) & BZ_MASK;
			if ((m >> (2 * s) & 1) && v == BZ_BLOCK) {
				*at = bit;
				return 1;
			}
			if ((m >> (2 * s) & 2) && v == BZ_EOS) {
				*at = bit;
				return 2;
			}
		}
	}
	return 0;
}

/* The 32 bits at bit offset bit. */
static uint32_t
bz_bits32(struct vd_rd *rd, uint64_t bit)
{
	return (uint32_t)(bz_word(rd, bit / 8) >> (32 - bit % 8));
}

static enum cv_status
bz_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct cv_src ws;
	unsigned char h[10];
	struct vd_rd rd;
	uint64_t lim, bit, blk = 0, end, st0;
	uint32_t comb;
	unsigned ns;
	int kind, cut;
	enum cv_status st;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	ws = *s;		/* no read past lim (the cap) */
	ws.end = lim;
	s = &ws;
	if (cv_read(s, off, h, 10) != 0 || memcmp(h, "BZh", 3) != 0 ||
	    h[3] < '1' || h[3] > '9' ||
	    (memcmp(h + 4, "\x31\x41\x59\x26\x53\x59", 6) != 0 &&
	    memcmp(h + 4, "\x17\x72\x45\x38\x50\x90", 6) != 0))
		return vd_answer(r, CV_NO, 0);
	pthread_once(&bz_once, bz_init);
	if (vd_open(&rd, s, lim) != 0)
		return vd_answer(r, CV_NO, 0);
	st0 = off;		/* the current stream's start */
	end = off;
	st = CV_CORRUPT;
	for (ns = 0; ns < BZ_MAXSTREAMS; ns++) {
		comb = 0;
		bit = (st0 + 4) * 8;
		kind = h[4] == 0x31 ? 1 : 2;
		cut = 0;
		/* bit: the magic of a block (kind 1) or of the end (2) */
		while (kind == 1) {
			comb = (comb << 1 | comb >> 31) ^
			    bz_bits32(&rd, bit + 48);
			blk = bit;
			kind = bz_next(&rd, bit + 80, bit + 80 + BZ_MAXGAP * 8,
			    &bit, &cut);
		}
		if (kind == 2 && (bit + 80 + 7) / 8 > rd.lim)
			cut = 1;
		if (kind == 0 || cut) {
			/* cut by the window, or the block at blk broken */
			st = cut ? CV_TRUNCATED : CV_CORRUPT;
			end = cut ? lim : blk / 8;
			break;
		}
		if (bz_bits32(&rd, bit + 48) != comb) {
			st = CV_CORRUPT;
			end = bit / 8;
			break;
		}
		end = (bit + 80 + 7) / 8;
		st = CV_COMPLETE;
		/* another stream right after? */
		if (cv_read(s, end, h, 10) != 0 || memcmp(h, "BZh", 3) != 0 ||
		    h[3] < '1' || h[3] > '9' ||
		    (memcmp(h + 4, "\x31\x41\x59\x26\x53\x59", 6) != 0 &&
		    memcmp(h + 4, "\x17\x72\x45\x38\x50\x90", 6) != 0))
			break;
		st0 = end;
	}
	if (st == CV_CORRUPT && end <= off) {
		st = CV_NO;
		end = off;
	}
	vd_close(&rd);
	return vd_answer(r, st, end - off);
}

static const unsigned char bz_magic[] = { 'B', 'Z', 'h' };

const struct cv_format cv_fmt_bzip2 = {
	.type = "bzip2",
	.ext = "bz2",
	.descr = "bzip2 compressed data (block and end magics, combined "
	    "CRC)",
	.magic = bz_magic,
	.magic_len = sizeof(bz_magic),
	.magic_off = 0,
	.max_size = 0,
	.validate = bz_validate,
};
