/*
 * PDF: "%PDF-1.x" or "%PDF-2.x" header line, then objects.  The file
 * ends at the last "%%EOF" (+ EOL) of its chain of revisions: after each
 * %%EOF that closes a "startxref N" section, an incremental update (an
 * "N G obj", "xref" or "trailer" right after it, past white space and
 * comment lines) continues the file, anything else ends it.  A new "%PDF-" header ends the scan.  Each
 * startxref is checked to point at "xref" or "N G obj" inside the file.
 *
 * Text that merely quotes "%PDF-1.x ... %%EOF" is refused: the header
 * must end its line and an object header must follow within 4 KiB.
 *
 * Gap repair (a file in two pieces with foreign clusters between, the
 * case of a PDF written around another file): when the last startxref
 * does not point at its xref table, the "xref" keyword found before it
 * gives the gap length G (whole clusters).  The classic xref table is
 * then read: each object it lists must be at its offset (before the
 * gap) or G bytes later (after it), all those before lower than all
 * those after.  The gap starts at a cluster boundary (counted from the
 * file start) between them: that boundary is used when it is the only
 * one, or the only one where a known file signature starts (the file
 * written in the gap).  Anything else stays CORRUPT.
 */
#include <string.h>

#include "carve/v_docs.h"

#define PDF_FIRSTOBJ	4096	/* first "N G obj" within this */
#define PDF_LOOKAHEAD	256	/* whitespace allowed after %%EOF */
#define PDF_SXBACK	64	/* "startxref N" this close before it */
#define PDF_XREFBACK	((uint64_t)1 << 20)	/* xref keyword search */
#define PDF_MAXGAP	((uint64_t)64 << 20)
#define PDF_MAXENT	65536	/* xref entries checked */
#define PDF_MAXCAND	4096	/* gap starts tried */

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
	for (;;) {
		while (i < av && i < PDF_LOOKAHEAD && is_ws(p[i]) &&
		    p[i] != '\0')
			i++;
		/* a comment line is white space too (exiftool opens its
		 * updates with "%BeginExifToolUpdate"); not a header or an
		 * end marker */
		if (i >= av || i >= PDF_LOOKAHEAD || p[i] != '%' ||
		    (av - i >= 5 && (memcmp(p + i, "%%EOF", 5) == 0 ||
		    memcmp(p + i, "%PDF-", 5) == 0)))
			break;
		while (i < av && i < PDF_LOOKAHEAD && p[i] != '\r' &&
		    p[i] != '\n')
			i++;
	}
	if (i >= av || i >= PDF_LOOKAHEAD)
		return 0;
	p += i;
	av -= i;
	if (av >= 4 && memcmp(p, "xref", 4) == 0)
		return 1;
	if (av >= 7 && memcmp(p, "trailer", 7) == 0)
		return 1;
	return vd_pdf_objhdr(p, av);
}

/* Whether the object listed at logical offset o of the file at off is
 * at absolute position at: "N G obj" there. */
static int
obj_at(const struct cv_src *s, uint64_t at)
{
	unsigned char b[32];
	size_t n;

	if (at >= s->end)
		return 0;
	n = s->end - at < sizeof(b) ? (size_t)(s->end - at) : sizeof(b);
	if (cv_read(s, at, b, n) != 0)
		return 0;
	return vd_pdf_objhdr(b, n);
}

/* The position of the last "xref" keyword at a line start in
 * [lo, sxpos), or 0. */
static uint64_t
xref_before(const struct cv_src *s, uint64_t lo, uint64_t sxpos)
{
	unsigned char b[4096 + 8];
	uint64_t hi = sxpos, from;
	size_t n, i;

	while (hi > lo + 5) {
		from = hi - lo > 4096 ? hi - 4096 : lo;
		n = (size_t)(hi - from);
		/* overlap so a keyword across chunks is seen */
		if (hi + 5 <= sxpos)
			n += 5;
		if (cv_read(s, from, b, n) != 0)
			return 0;
		for (i = n - 5; i + 1 > 0; i--) {
			if ((b[i] == '\n' || b[i] == '\r') &&
			    memcmp(b + i + 1, "xref", 4) == 0 &&
			    (i + 5 >= n || is_ws(b[i + 5])))
				return from + i + 1;
			if (i == 0)
				break;
		}
		hi = from;
	}
	return 0;
}

/* Whether a known file signature starts at absolute position at (the
 * first cluster of a foreign file). */
static int
sig_at(const struct cv_src *s, uint64_t at)
{
	const struct cv_format *f[256];
	unsigned char b[64];
	size_t n, i, k;

	n = etk_cv_all(f, sizeof(f) / sizeof(f[0]));
	if (n > sizeof(f) / sizeof(f[0]))
		n = sizeof(f) / sizeof(f[0]);
	if (at >= s->end)
		return 0;
	k = s->end - at < sizeof(b) ? (size_t)(s->end - at) : sizeof(b);
	if (cv_read(s, at, b, k) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (f[i]->magic_len >= 4 &&
		    f[i]->magic_off + f[i]->magic_len <= k &&
		    memcmp(b + f[i]->magic_off, f[i]->magic,
		    f[i]->magic_len) == 0)
			return 1;
	return 0;
}

/* Read one unsigned decimal of at most maxd digits at b[*i]. */
static int
dec(const unsigned char *b, size_t n, size_t *i, size_t maxd, uint64_t *v)
{
	size_t d = 0;

	*v = 0;
	while (*i < n && d < maxd && b[*i] >= '0' && b[*i] <= '9') {
		*v = *v * 10 + (uint64_t)(b[*i] - '0');
		(*i)++;
		d++;
	}
	return d == 0 || (*i < n && b[*i] >= '0' && b[*i] <= '9') ? -1 : 0;
}

/* The PDF at off whose last revision's xref (startxref v, found before
 * sxpos) is not where v says, ending at the absolute end: two pieces
 * around a gap, or 0. */
static int
pdf_gap(const struct cv_src *s, uint64_t off, uint64_t v, uint64_t sxpos,
    uint64_t end, struct cv_result *r)
{
	unsigned char b[64];
	uint64_t x, gap, cl = s->cluster, lo = 0, hi, o, first, cnt, e, pos;
	uint64_t st, pick = 0, nent = 0, lo_end;
	size_t n, i;
	int ncand = 0, nsig = 0, bef, aft;

	if (cl == 0 || v == 0)
		return 0;
	if ((x = xref_before(s, sxpos > PDF_XREFBACK + off ? sxpos -
	    PDF_XREFBACK : off, sxpos)) == 0 || x <= off + v)
		return 0;
	gap = x - (off + v);
	if (gap % cl != 0 || gap > PDF_MAXGAP || end - off <= gap)
		return 0;
	hi = v;		/* the xref table is after the gap */
	/* the table: "xref", then sections "first count" of 20-byte
	 * entries "oooooooooo ggggg n" + 2-byte EOL, until "trailer" */
	pos = x + 4;
	for (;;) {
		if (pos >= sxpos)
			return 0;
		n = sxpos - pos < sizeof(b) ? (size_t)(sxpos - pos) : sizeof(b);
		if (n == 0 || cv_read(s, pos, b, n) != 0)
			return 0;
		for (i = 0; i < n && is_ws(b[i]); i++)
			;
		if (n - i >= 7 && memcmp(b + i, "trailer", 7) == 0)
			break;
		if (dec(b, n, &i, 10, &first) != 0 || i >= n || b[i] != ' ')
			return 0;
		i++;
		if (dec(b, n, &i, 10, &cnt) != 0)
			return 0;
		while (i < n && (b[i] == ' ' || b[i] == '\t'))
			i++;
		if (i < n && b[i] == '\r')
			i++;
		if (i < n && b[i] == '\n')
			i++;
		pos += i;
		for (e = 0; e < cnt; e++, pos += 20) {
			if (++nent > PDF_MAXENT || pos + 20 > sxpos ||
			    cv_read(s, pos, b, 20) != 0)
				return 0;
			i = 0;
			if (dec(b, 20, &i, 10, &o) != 0 || i != 10 ||
			    b[10] != ' ' || (b[17] != 'n' && b[17] != 'f'))
				return 0;
			if (b[17] == 'f' || o == 0)
				continue;
			bef = o < v && obj_at(s, off + o);
			aft = o + gap < end - off &&
			    obj_at(s, off + o + gap);
			if (bef && !aft && o > lo)
				lo = o;
			else if (aft && !bef && o < hi)
				hi = o;
			else if (!bef && !aft)
				return 0;
		}
	}
	if (nent == 0 || lo >= hi)
		return 0;
	/* the gap starts past the last object before it (past its header
	 * at least; past the file header when none is) and at or before
	 * the first one after it */
	lo_end = lo != 0 ? lo + 7 : 9;
	for (st = (lo_end + cl - 1) / cl * cl; st <= hi; st += cl) {
		if (++ncand > PDF_MAXCAND)
			return 0;
		if (sig_at(s, off + st)) {
			nsig++;
			pick = st;
		}
	}
	if (ncand == 1)
		pick = (lo_end + cl - 1) / cl * cl;
	else if (nsig != 1)
		return 0;
	r->status = CV_COMPLETE;
	r->len = end - off - gap;
	r->nfrag = 2;
	r->frag[0].off = off;
	r->frag[0].len = pick;
	r->frag[1].off = off + pick + gap;
	r->frag[1].len = r->len - pick;
	return 1;
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
	else if (!anyok && pdf_gap(s, off, sxval, sxpos, good, r))
		st = CV_COMPLETE;
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
