/*
 * gzip: the header (method 8, no reserved flags, optional extra, name,
 * comment and header CRC), then the deflate stream, which is inflated
 * to find where it ends (the format has no length), then the CRC-32 and
 * size trailer, both checked.  One member; ".tar.gz" when the data
 * starts with a ustar header.  Inflating costs time proportional to the
 * bytes read, memory is fixed (zlib state and one output buffer).
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "carve/v_docs.h"

#define GZ_OUTSZ	32768
#define GZ_MAXSTR	4096	/* name / comment */

static int
skip_str(struct vd_rd *rd, uint64_t *pos)
{
	const unsigned char *p;
	size_t av, i;

	p = vd_at(rd, *pos, GZ_MAXSTR, &av);
	for (i = 0; i < av && i < GZ_MAXSTR; i++)
		if (p[i] == '\0') {
			*pos += i + 1;
			return 0;
		}
	return i < GZ_MAXSTR ? 1 : -1;	/* 1: window ends */
}

static enum cv_status
gz_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct vd_rd rd;
	z_stream z;
	const unsigned char *p;
	unsigned char h[10], t[8], *out = NULL;
	uint64_t pos, total = 0;
	uLong crc;
	size_t av;
	int rc, zok = 0, first = 1, tar = 0;
	enum cv_status st;

	memset(r, 0, sizeof(*r));
	if (vd_open(&rd, s, vd_limit(s, off, max)) != 0)
		return vd_answer(r, CV_NO, 0);
	p = vd_at(&rd, off, 10, &av);
	if (av < 10 || p[0] != 0x1f || p[1] != 0x8b || p[2] != 8 ||
	    (p[3] & 0xe0) != 0 || (p[8] != 0 && p[8] != 2 && p[8] != 4) ||
	    (p[9] > 13 && p[9] != 255)) {
		st = vd_answer(r, CV_NO, 0);
		goto out;
	}
	memcpy(h, p, 10);
	pos = off + 10;
	if (h[3] & 4) {
		p = vd_at(&rd, pos, 2, &av);
		if (av < 2)
			goto trunc;
		pos += 2 + (uint64_t)cv_le16(p);
	}
	if ((h[3] & 8) && (rc = skip_str(&rd, &pos)) != 0)
		goto bad;
	if ((h[3] & 16) && (rc = skip_str(&rd, &pos)) != 0)
		goto bad;
	if (h[3] & 2)
		pos += 2;
	if (pos >= rd.lim)
		goto trunc;

	memset(&z, 0, sizeof(z));
	if ((out = malloc(GZ_OUTSZ)) == NULL ||
	    inflateInit2(&z, -MAX_WBITS) != Z_OK) {
		st = vd_answer(r, CV_NO, 0);
		goto out;
	}
	zok = 1;
	crc = crc32(0, Z_NULL, 0);
	for (;;) {
		p = vd_at(&rd, pos, 1, &av);
		if (av == 0)
			goto trunc;
		if (av > 65536)
			av = 65536;
		z.next_in = (Bytef *)(uintptr_t)p;
		z.avail_in = (uInt)av;
		do {
			z.next_out = out;
			z.avail_out = GZ_OUTSZ;
			rc = inflate(&z, Z_NO_FLUSH);
			if (rc != Z_OK && rc != Z_STREAM_END &&
			    rc != Z_BUF_ERROR) {
				st = first ? vd_answer(r, CV_NO, 0) :
				    vd_answer(r, CV_CORRUPT,
				    pos + (av - z.avail_in) - off);
				goto out;
			}
			if (first && GZ_OUTSZ - z.avail_out >= 512 &&
			    memcmp(out + 257, "ustar", 5) == 0)
				tar = 1;
			if (GZ_OUTSZ - z.avail_out > 0)
				first = 0;
			crc = crc32(crc, out, GZ_OUTSZ - z.avail_out);
			total += GZ_OUTSZ - z.avail_out;
		} while (rc == Z_OK && z.avail_out == 0);
		pos += av - z.avail_in;
		if (rc == Z_STREAM_END)
			break;
		if (rc == Z_BUF_ERROR && z.avail_in != 0) {
			st = vd_answer(r, CV_CORRUPT, pos - off);
			goto out;
		}
	}
	p = vd_at(&rd, pos, 8, &av);
	if (av < 8)
		goto trunc;
	memcpy(t, p, 8);
	if (cv_le32(t) != crc || cv_le32(t + 4) != (uint32_t)total) {
		st = vd_answer(r, CV_CORRUPT, pos - off);
		goto out;
	}
	if (tar)
		r->ext = "tar.gz";
	st = vd_answer(r, CV_COMPLETE, pos + 8 - off);
	goto out;
bad:
	if (rc > 0)
		goto trunc;
	st = vd_answer(r, CV_NO, 0);
	goto out;
trunc:
	st = vd_answer(r, CV_TRUNCATED, rd.lim - off);
out:
	if (zok)
		inflateEnd(&z);
	free(out);
	vd_close(&rd);
	return st;
}

static const unsigned char gz_magic[] = { 0x1f, 0x8b, 0x08 };

const struct cv_format cv_fmt_gzip = {
	.type = "gzip",
	.ext = "gz",
	.descr = "gzip compressed data",
	.magic = gz_magic,
	.magic_len = 3,
	.magic_off = 0,
	.max_size = 0,
	.validate = gz_validate,
};
