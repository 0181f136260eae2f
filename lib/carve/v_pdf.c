/*
 * PDF: "%PDF-1.x" or "%PDF-2.x" header line, then objects.  The file
 * ends at the last "%%EOF" (+ EOL) of its chain of revisions: after each
 * %%EOF that closes a "startxref N" section, an incremental update (an
 * "N G obj", "xref" or "trailer" right after it) continues the file,
 * anything else ends it.  A new "%PDF-" header ends the scan.  Each
 * startxref is checked to point at "xref" or "N G obj" inside the file.
 *
 * Text that merely quotes "%PDF-1.x ... %%EOF" is refused: the header
 * must end its line and an object header must follow within 4 KiB.
 */
#include <string.h>

#include "carve/v_docs.h"

#define PDF_FIRSTOBJ	4096	/* first "N G obj" within this */
#define PDF_LOOKAHEAD	256	/* whitespace allowed after %%EOF */
#define PDF_SXBACK	64	/* "startxref N" this close before it */

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\f' || c == '\0';
}

/* Whether startxref value v of the document at off points at an xref
 * table or an xref stream object before sxpos. */
static int
sx_ok(const struct cv_src *s, uint64_t off, uint64_t v, uint64_t sxpos)
{
	unsigned char b[40];
	size_t got = 0, i = 0;
	uint64_t t;

	if (v < 9 || v >= sxpos - off)
		return 0;
	t = off + v;
	got = sxpos - t < sizeof(b) ? (size_t)(sxpos - t) : sizeof(b);
	if (cv_read(s, t, b, got) != 0)
		return 0;
	while (i < got && i < 4 && is_ws(b[i]))
		i++;
	if (got - i >= 4 && memcmp(b + i, "xref", 4) == 0)
		return 1;
	return vd_pdf_objhdr(b + i, got - i);
}

/* The "startxref N" that closes the section before the %%EOF at eof:
 * its value and where it is.  -1 when there is none. */
static int
startxref(const struct cv_src *s, uint64_t off, uint64_t eof, uint64_t *v,
    uint64_t *at)
{
	unsigned char b[PDF_SXBACK];
	size_t n, i, k, d;

	n = eof - off - 8 < sizeof(b) ? (size_t)(eof - off - 8) : sizeof(b);
	if (n < 11 || cv_read(s, eof - n, b, n) != 0)
		return -1;
	for (i = n - 10;; i--) {
		if (memcmp(b + i, "startxref", 9) == 0)
			break;
		if (i == 0)
			return -1;
	}
	for (k = i + 9; k < n && is_ws(b[k]); k++)
		;
	for (*v = 0, d = 0; k < n && d < 16 && b[k] >= '0' && b[k] <= '9';
	    k++, d++)
		*v = *v * 10 + (uint64_t)(b[k] - '0');
	for (; k < n && is_ws(b[k]); k++)
		;
	if (d == 0 || d >= 16 || k != n)
		return -1;
	*at = eof - n + i;
	return 0;
}

/* Whether an incremental update (or the rest of a linearized file)
 * starts at pos, after optional whitespace. */
static int
update_follows(struct vd_rd *rd, uint64_t pos)
{
	const unsigned char *p;
	size_t av, i = 0;

	p = vd_at(rd, pos, PDF_LOOKAHEAD + 32, &av);
	while (i < av && i < PDF_LOOKAHEAD && is_ws(p[i]) && p[i] != '\0')
		i++;
	if (i >= av)
		return 0;
	p += i;
	av -= i;
	if (av >= 4 && memcmp(p, "xref", 4) == 0)
		return 1;
	if (av >= 7 && memcmp(p, "trailer", 7) == 0)
		return 1;
	return vd_pdf_objhdr(p, av);
}

static enum cv_status
pdf_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct vd_rd rd;
	const unsigned char *p;
	unsigned char h[24];
	uint64_t lim, pos, e, good = 0, sxval = 0, sxpos = 0, end;
	size_t av, i, n;
	const unsigned char *q;
	int anyok = 0, anysx = 0, found;
	enum cv_status st;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	n = lim - off < sizeof(h) ? (size_t)(lim - off) : sizeof(h);
	if (n < 9 || cv_read(s, off, h, n) != 0)
		return vd_answer(r, CV_NO, 0);
	if (memcmp(h, "%PDF-", 5) != 0 || (h[5] != '1' && h[5] != '2') ||
	    h[6] != '.' || h[7] < '0' || h[7] > '9')
		return vd_answer(r, CV_NO, 0);
	for (i = 8; i < n && (h[i] == ' ' || h[i] == '\t'); i++)
		;
	if (i < n && h[i] != '\r' && h[i] != '\n')
		return vd_answer(r, CV_NO, 0);
	if (vd_open(&rd, s, lim) != 0)
		return vd_answer(r, CV_NO, 0);

	/* An object header at a line start soon after the header. */
	found = 0;
	for (pos = off + 8; pos < off + PDF_FIRSTOBJ && !found; pos++) {
		p = vd_at(&rd, pos, 32, &av);
		if (av == 0)
			break;
		if ((p[0] == '\r' || p[0] == '\n') && av > 1 &&
		    p[1] >= '0' && p[1] <= '9')
			found = vd_pdf_objhdr(p + 1, av - 1);
	}
	if (!found) {
		/* Refuse, unless the window ends before the object could. */
		end = rd.lim;
		vd_close(&rd);
		if (pos < off + PDF_FIRSTOBJ && end == pos)
			return vd_answer(r, CV_TRUNCATED, end - off);
		return vd_answer(r, CV_NO, 0);
	}

	for (pos = off + 8;;) {
		p = vd_at(&rd, pos, 32, &av);
		if (av == 0) {
			/* The window ends inside the file (or inside an
			 * update after a complete revision). */
			st = vd_answer(r, CV_TRUNCATED, rd.lim - off);
			goto out;
		}
		if ((q = memchr(p, '%', av)) == NULL) {
			pos += av;
			continue;
		}
		if (q != p) {
			pos += (size_t)(q - p);
			continue;	/* to have the bytes after it */
		}
		if (av < 5 || (memcmp(p, "%PDF-", 5) != 0 &&
		    memcmp(p, "%%EOF", 5) != 0)) {
			pos++;
			continue;
		}
		if (p[1] == 'P') {
			/* Another document starts: this one ends at its
			 * last complete revision, or is broken here. */
			if (good > 0)
				break;
			st = vd_answer(r, CV_CORRUPT, pos - off);
			goto out;
		}
		e = pos + 5;
		if (av > 5 && p[5] == '\r')
			e++;
		if (av > (size_t)(e - pos) && p[e - pos] == '\n')
			e++;
		if (startxref(s, off, pos, &sxval, &sxpos) != 0) {
			pos++;		/* inside a stream, or junk */
			continue;
		}
		anysx = 1;
		if (sx_ok(s, off, sxval, sxpos))
			anyok = 1;
		good = e;
		if (!update_follows(&rd, e))
			break;
		pos = e;
	}
	if (!anysx || good == 0)
		st = vd_answer(r, CV_NO, 0);
	else
		st = vd_answer(r, anyok ? CV_COMPLETE : CV_CORRUPT,
		    good - off);
out:
	vd_close(&rd);
	return st;
}

static const unsigned char pdf_magic[] = "%PDF-";

const struct cv_format cv_fmt_pdf = {
	.type = "pdf",
	.ext = "pdf",
	.descr = "PDF document (incremental updates followed)",
	.magic = pdf_magic,
	.magic_len = 5,
	.magic_off = 0,
	.max_size = 0,
	.validate = pdf_validate,
};
