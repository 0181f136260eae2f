/*
 * Apple binary property list ("bplist00"; iOS and macOS settings,
 * NSKeyedArchiver blobs, Safari and app state on phones).  The length
 * lives in the 32-byte trailer at the end: the offset table starts at
 * offsetTableOffset and holds numObjects integers of offsetIntSize
 * bytes, then the trailer follows.  The validator scans forward for the
 * first trailer that describes exactly the bytes before it, then checks
 * the offset table: the first object right after the header, every
 * offset inside the object area, a sample of object markers (and the
 * last one) valid.
 */
#include <string.h>

#include "carve/v_docs.h"

#define BP_SAMPLE	1024

static int
marker_ok(unsigned char m)
{
	switch (m >> 4) {
	case 0x0:
		return m == 0x00 || m == 0x08 || m == 0x09 || m == 0x0f;
	case 0x1: case 0x2: case 0x3: case 0x4: case 0x5: case 0x6:
	case 0x8: case 0xa: case 0xc: case 0xd:
		return 1;
	}
	return 0;
}

static uint64_t
be_n(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/* Whether the 32 bytes at p, at pos, end a plist starting at off. */
static int
trailer_ok(const unsigned char *p, uint64_t off, uint64_t pos)
{
	static const unsigned char z[5];
	uint64_t nobj, top, tab;
	unsigned isz = p[6], rsz = p[7];

	if (memcmp(p, z, 5) != 0 || (isz != 1 && isz != 2 && isz != 4 &&
	    isz != 8) || (rsz != 1 && rsz != 2 && rsz != 4 && rsz != 8))
		return 0;
	nobj = cv_be64(p + 8);
	top = cv_be64(p + 16);
	tab = cv_be64(p + 24);
	if (nobj == 0 || top >= nobj || tab < 9 || tab >= pos - off ||
	    nobj > (pos - off - tab) / isz)
		return 0;
	return tab + nobj * isz == pos - off;
}

static enum cv_status
bplist_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct vd_rd rd;
	const unsigned char *p;
	unsigned char t[32], e[8], m;
	uint64_t pos, nobj, tab, i, step, o;
	unsigned isz;
	size_t av, k;
	enum cv_status st;

	memset(r, 0, sizeof(*r));
	if (vd_open(&rd, s, vd_limit(s, off, max)) != 0)
		return vd_answer(r, CV_NO, 0);
	p = vd_at(&rd, off, 9, &av);
	if (av < 9 || memcmp(p, "bplist00", 8) != 0 || !marker_ok(p[8])) {
		st = vd_answer(r, CV_NO, 0);
		goto out;
	}
	for (pos = off + 9;; pos += av - 31) {
		p = vd_at(&rd, pos, 4096, &av);
		if (av < 32) {
			st = vd_answer(r, CV_TRUNCATED, rd.lim - off);
			goto out;
		}
		for (k = 0; k < av - 31; k++)
			if (p[k] == 0 && p[k + 6] != 0 &&
			    trailer_ok(p + k, off, pos + k))
				break;
		if (k < av - 31) {
			pos += k;
			p += k;
			break;
		}
	}
	memcpy(t, p, 32);
	isz = t[6];
	nobj = cv_be64(t + 8);
	tab = cv_be64(t + 24);
	step = nobj / BP_SAMPLE + 1;
	for (i = 0; i < nobj; i = i + step < nobj || i == nobj - 1 ?
	    i + step : nobj - 1) {
		if (cv_read(s, off + tab + i * isz, e, isz) != 0) {
			st = vd_answer(r, CV_TRUNCATED, rd.lim - off);
			goto out;
		}
		o = be_n(e, isz);
		if ((i == 0 && o != 8) || o < 8 || o >= tab ||
		    cv_read(s, off + o, &m, 1) != 0 || !marker_ok(m)) {
			st = vd_answer(r, CV_CORRUPT, tab);
			goto out;
		}
	}
	st = vd_answer(r, CV_COMPLETE, pos + 32 - off);
out:
	vd_close(&rd);
	return st;
}

static const unsigned char bplist_magic[] = "bplist00";

const struct cv_format cv_fmt_bplist = {
	.type = "bplist",
	.ext = "plist",
	.descr = "Apple binary property list (trailer-defined length)",
	.magic = bplist_magic,
	.magic_len = 8,
	.magic_off = 0,
	.max_size = (uint64_t)64 << 20,
	.validate = bplist_validate,
};
