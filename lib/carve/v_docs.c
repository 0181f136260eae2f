/*
 * Helpers shared by the document, archive and database validators.
 */
#include <stdlib.h>
#include <string.h>

#include "carve/v_docs.h"

uint64_t
vd_limit(const struct cv_src *s, uint64_t off, uint64_t max)
{
	if (off >= s->end)
		return off;
	if (max > s->end - off)
		return s->end;
	return off + max;
}

int
vd_open(struct vd_rd *rd, const struct cv_src *s, uint64_t lim)
{
	memset(rd, 0, sizeof(*rd));
	rd->s = s;
	rd->lim = lim < s->end ? lim : s->end;
	if ((rd->buf = malloc(VD_BUFSZ)) == NULL)
		return -1;
	return 0;
}

void
vd_close(struct vd_rd *rd)
{
	free(rd->buf);
	rd->buf = NULL;
}

const unsigned char *
vd_fill(struct vd_rd *rd, uint64_t pos, size_t want, size_t *avail)
{
	size_t n, got = 0;

	(void)want;
	*avail = 0;
	if (pos >= rd->lim)
		return rd->buf;
	n = rd->lim - pos > VD_BUFSZ ? VD_BUFSZ : (size_t)(rd->lim - pos);
	rd->boff = pos;
	rd->blen = 0;
	if (rd->s->read(rd->s->ctx, pos, rd->buf, n, &got) != 0)
		got = 0;
	if (got > n)
		got = 0;
	if (got < n)
		rd->lim = pos + got;	/* the window ends here */
	rd->blen = got;
	*avail = got;
	return rd->buf;
}

static int
pdf_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\f' || c == '\0';
}

int
vd_pdf_objhdr(const unsigned char *p, size_t n)
{
	size_t i = 0, d;

	for (d = 0; i < n && d < 11 && p[i] >= '0' && p[i] <= '9'; i++)
		d++;
	if (d == 0 || d > 10 || i >= n || !pdf_ws(p[i]))
		return 0;
	while (i < n && pdf_ws(p[i]))
		i++;
	for (d = 0; i < n && d < 6 && p[i] >= '0' && p[i] <= '9'; i++)
		d++;
	if (d == 0 || d > 5 || i >= n || !pdf_ws(p[i]))
		return 0;
	while (i < n && pdf_ws(p[i]))
		i++;
	return n - i >= 3 && memcmp(p + i, "obj", 3) == 0;
}
