/*
 * The document, archive and database validators (v_*.c), listed by
 * fmt_docs.c, and the small buffered reader they share (v_docs.c).
 */
#ifndef ETK_CARVE_V_DOCS_H
#define ETK_CARVE_V_DOCS_H

#include "carve/carve_int.h"

extern const struct cv_format cv_fmt_pdf;
extern const struct cv_format cv_fmt_zip;
extern const struct cv_format cv_fmt_sqlite;
extern const struct cv_format cv_fmt_ole;
extern const struct cv_format cv_fmt_rtf;
extern const struct cv_format cv_fmt_7z;
extern const struct cv_format cv_fmt_gzip;
extern const struct cv_format cv_fmt_bplist;
extern const struct cv_format cv_fmt_sqlite_wal;

/* Fill r for a one-piece answer (type and ext are left alone). */
static inline enum cv_status
vd_answer(struct cv_result *r, enum cv_status st, uint64_t len)
{
	r->status = st;
	r->len = st == CV_NO ? 0 : len;
	r->nfrag = 0;
	return st;
}

/* The first offset a candidate at off may not read: the window end or
 * off + max, whichever comes first. */
uint64_t vd_limit(const struct cv_src *, uint64_t off, uint64_t max);

/*
 * A forward reader over [.., lim) with a fixed buffer, for validators
 * that scan byte by byte.  vd_at() gives a pointer to the bytes at pos
 * and in *avail how many follow (at least want unless the window ends
 * first; 0 at the end).  A short read (read error, spent budget) ends
 * the window there: rd->lim shrinks.
 */
#define VD_BUFSZ	65536
struct vd_rd {
	const struct cv_src *s;
	uint64_t lim;
	uint64_t boff;
	size_t blen;
	unsigned char *buf;
};

int vd_open(struct vd_rd *, const struct cv_src *, uint64_t lim);
void vd_close(struct vd_rd *);
const unsigned char *vd_fill(struct vd_rd *, uint64_t pos, size_t want,
    size_t *avail);

static inline const unsigned char *
vd_at(struct vd_rd *rd, uint64_t pos, size_t want, size_t *avail)
{
	if (pos >= rd->boff && pos < rd->boff + rd->blen &&
	    (rd->boff + rd->blen - pos >= want ||
	    rd->boff + rd->blen == rd->lim)) {
		*avail = (size_t)(rd->boff + rd->blen - pos);
		return rd->buf + (pos - rd->boff);
	}
	return vd_fill(rd, pos, want, avail);
}

/* Whether p[0..n) starts with "N G obj" (PDF object header). */
int vd_pdf_objhdr(const unsigned char *p, size_t n);

#endif /* ETK_CARVE_V_DOCS_H */
