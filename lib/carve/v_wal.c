/*
 * SQLite write-ahead log (the "-wal" file next to a phone's databases:
 * it holds the newest, not yet checkpointed records).  A 32-byte header
 * (magic 0x377f0682/3, version 3007000, page size, salts, checksum of
 * the header), then frames of a 24-byte header and one page.  Frames of
 * the current generation carry the header's salts and a cumulative
 * checksum; they are walked and checked (a bad checksum is CORRUPT
 * there).  After them the file may still
 * hold frames of earlier generations (the log is rewritten from the
 * start after a checkpoint): frames whose salt-1 is a little lower and
 * whose page number is sane are kept too, so the carved file has the
 * length it had on disk.
 */
#include <string.h>

#include "carve/v_docs.h"

#define WAL_OLDGEN	4096	/* salt-1 at most this far back */

static void
wal_sum(int be, const unsigned char *p, size_t n, uint32_t *s0,
    uint32_t *s1)
{
	size_t i;
	uint32_t a = *s0, b = *s1;

	for (i = 0; i + 8 <= n; i += 8) {
		a += (be ? cv_be32(p + i) : cv_le32(p + i)) + b;
		b += (be ? cv_be32(p + i + 4) : cv_le32(p + i + 4)) + a;
	}
	*s0 = a;
	*s1 = b;
}

static enum cv_status
wal_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct vd_rd rd;
	const unsigned char *p;
	unsigned char h[32], fh[24];
	uint64_t lim, pos, ps;
	uint32_t s0 = 0, s1 = 0, f0, f1, salt1, salt2, d;
	size_t av, k;
	int be, cur = 1;
	enum cv_status st;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	if (lim - off < 32 || cv_read(s, off, h, 32) != 0)
		return vd_answer(r, CV_NO, 0);
	if ((cv_be32(h) & ~1u) != 0x377f0682u || cv_be32(h + 4) != 3007000)
		return vd_answer(r, CV_NO, 0);
	be = h[3] & 1;
	ps = cv_be32(h + 8);
	if (ps == 1)
		ps = 65536;
	if (ps < 512 || ps > 65536 || (ps & (ps - 1)) != 0)
		return vd_answer(r, CV_NO, 0);
	wal_sum(be, h, 24, &s0, &s1);
	if (s0 != cv_be32(h + 24) || s1 != cv_be32(h + 28))
		return vd_answer(r, CV_NO, 0);
	salt1 = cv_be32(h + 16);
	salt2 = cv_be32(h + 20);
	if (vd_open(&rd, s, lim) != 0)
		return vd_answer(r, CV_NO, 0);
	for (pos = off + 32;; pos += 24 + ps) {
		if (pos > rd.lim || rd.lim - pos < 24 + ps) {
			/* Nothing, or a part of a frame, before the end. */
			if (pos == rd.lim)
				st = vd_answer(r, CV_COMPLETE, pos - off);
			else if (cv_read(s, pos, fh, 8) == 0 &&
			    cv_be32(fh) == 0)
				st = vd_answer(r, CV_COMPLETE, pos - off);
			else
				st = vd_answer(r, CV_TRUNCATED, rd.lim - off);
			goto out;
		}
		if (cv_read(s, pos, fh, 24) != 0) {
			st = vd_answer(r, CV_TRUNCATED, rd.lim - off);
			goto out;
		}
		if (cv_be32(fh) == 0 || cv_be32(fh) > 0x7fffffffu)
			break;
		if (cur && cv_be32(fh + 8) == salt1 &&
		    cv_be32(fh + 12) == salt2) {
			f0 = s0;
			f1 = s1;
			wal_sum(be, fh, 8, &f0, &f1);
			for (k = 0; k < ps; k += av) {
				p = vd_at(&rd, pos + 24 + k, 8, &av);
				if (av > ps - k)
					av = (size_t)(ps - k);
				av &= ~(size_t)7;
				if (av == 0) {
					st = vd_answer(r, CV_TRUNCATED,
					    rd.lim - off);
					goto out;
				}
				wal_sum(be, p, av, &f0, &f1);
			}
			if (f0 != cv_be32(fh + 16) || f1 != cv_be32(fh + 20)) {
				/* Overwritten, or a torn last write. */
				st = vd_answer(r, CV_CORRUPT, pos - off);
				goto out;
			}
			s0 = f0;
			s1 = f1;
			continue;
		}
		/* An earlier generation's frame, or the end. */
		cur = 0;
		d = salt1 - cv_be32(fh + 8);
		if (d == 0 || d > WAL_OLDGEN)
			break;
	}
	st = vd_answer(r, CV_COMPLETE, pos - off);
out:
	vd_close(&rd);
	return st;
}

static const unsigned char wal_magic[] = { 0x37, 0x7f, 0x06 };

const struct cv_format cv_fmt_sqlite_wal = {
	.type = "sqlite-wal",
	.ext = "sqlite-wal",
	.descr = "SQLite write-ahead log (frames and checksums walked)",
	.magic = wal_magic,
	.magic_len = 3,
	.magic_off = 0,
	.max_size = 0,
	.validate = wal_validate,
};
