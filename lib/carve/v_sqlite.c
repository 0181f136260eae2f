/*
 * SQLite 3 database: "SQLite format 3\0" and a 100-byte header.  The
 * size is the in-header page count times the page size, trusted when
 * the change counter equals version-valid-for (SQLite >= 3.7.0 keeps
 * them equal).  Junk is refused by the header's fixed fields, page 1's
 * b-tree type and a sample of at most SQ_SAMPLE other pages, each of
 * which must look like a b-tree page, or an overflow / freelist /
 * pointer-map page (a small page number first).  A header claiming
 * 2^32 pages costs SQ_SAMPLE reads.
 */
#include <string.h>

#include "carve/v_docs.h"

#define SQ_SAMPLE	1024

static int
btree_type(unsigned char t)
{
	return t == 0x02 || t == 0x05 || t == 0x0a || t == 0x0d;
}

/* Whether page pg (1-based) of a database of npages looks sane. */
static int
page_ok(const unsigned char *p, uint64_t npages, int autovac)
{
	if (btree_type(p[0]))
		return 1;
	if (autovac && p[0] >= 1 && p[0] <= 5)
		return 1;		/* pointer map */
	return cv_be32(p) <= npages;	/* overflow/freelist: next page */
}

static enum cv_status
sqlite_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	static const unsigned char zero[20];
	unsigned char h[108], pb[8];
	uint64_t lim, ps, npages, size, pg, step, avail, i, lockpg;
	uint32_t v;
	int autovac;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	if (lim - off < 108 || cv_read(s, off, h, 108) != 0)
		return vd_answer(r, CV_NO, 0);
	if (memcmp(h, "SQLite format 3", 16) != 0)
		return vd_answer(r, CV_NO, 0);
	ps = cv_be16(h + 16);
	if (ps == 1)
		ps = 65536;
	if (ps < 512 || ps > 65536 || (ps & (ps - 1)) != 0)
		return vd_answer(r, CV_NO, 0);
	if (h[18] < 1 || h[18] > 2 || h[19] < 1 || h[19] > 2 ||
	    h[21] != 64 || h[22] != 32 || h[23] != 32 ||
	    ps - h[20] < 480 || cv_be32(h + 44) > 4 ||
	    cv_be32(h + 56) > 3 || memcmp(h + 72, zero, 20) != 0)
		return vd_answer(r, CV_NO, 0);
	v = cv_be32(h + 96);
	if (v != 0 && (v < 3000000 || v > 3999999))
		return vd_answer(r, CV_NO, 0);
	if (h[100] != 0x0d && h[100] != 0x05)
		return vd_answer(r, CV_NO, 0);
	autovac = cv_be32(h + 52) != 0;

	npages = cv_be32(h + 28);
	if (npages == 0 || cv_be32(h + 24) != cv_be32(h + 92)) {
		/* Legacy header (size not maintained): page 1 only. */
		if (lim - off < ps)
			return vd_answer(r, CV_TRUNCATED, lim - off);
		return vd_answer(r, CV_CORRUPT, ps);
	}
	if (cv_be32(h + 32) > npages || cv_be32(h + 36) >= npages)
		return vd_answer(r, CV_CORRUPT, ps < lim - off ? ps :
		    lim - off);
	size = npages * ps;

	/* Sample the pages that are in the window, evenly, plus the
	 * last one. */
	avail = (lim - off) / ps;
	if (avail > npages)
		avail = npages;
	lockpg = ((uint64_t)1 << 30) / ps + 1;
	step = avail / SQ_SAMPLE + 1;
	for (i = 2; i <= avail + step; i += step) {
		pg = i > avail ? avail : i;
		if (pg < 2 || pg == lockpg)
			continue;
		if (cv_read(s, off + (pg - 1) * ps, pb, sizeof(pb)) != 0)
			return vd_answer(r, CV_TRUNCATED, lim - off);
		if (!page_ok(pb, npages, autovac))
			return vd_answer(r, CV_CORRUPT, (pg - 1) * ps);
		if (pg == avail)
			break;
	}
	if (size > lim - off)
		return vd_answer(r, CV_TRUNCATED, lim - off);
	return vd_answer(r, CV_COMPLETE, size);
}

static const unsigned char sqlite_magic[] = "SQLite format 3";

const struct cv_format cv_fmt_sqlite = {
	.type = "sqlite",
	.ext = "sqlite",
	.descr = "SQLite 3 database",
	.magic = sqlite_magic,
	.magic_len = 16,
	.magic_off = 0,
	.max_size = 0,
	.validate = sqlite_validate,
};
