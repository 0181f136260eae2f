/*
 * JPEG validator: marker walk from SOI (APPn, including an EXIF
 * thumbnail's own SOI..EOI, is skipped by its length), then the
 * entropy-coded data of every scan up to the EOI of the main image.
 *
 * Sequential Huffman scans (SOF0/SOF1) are Huffman-decoded: every MCU
 * must decode (valid codes, no coefficient overrun), restart markers
 * must come in order where DRI says, and the scan must hold exactly the
 * MCU count the frame size gives.  Other scans (progressive, lossless,
 * arithmetic) are checked byte by byte: FF00 stuffing, RSTn in order,
 * then a marker.
 *
 * Multi-Picture Format (CIPA DC-007: camera previews, MPO stereo pairs,
 * Ultra HDR gain maps): an APP2 "MPF" segment of the first image lists
 * the images stored after its EOI by offset and size (from the MP
 * header).  The file ends after the last of them when each one starts
 * with SOI and ends with EOI where the list says; else at the first
 * image's EOI.
 *
 * Phone trailers after the last image: a motion photo's video (an
 * ISO-BMFF file whose length the XMP of APP1 gives: Google's
 * "MicroVideoOffset" or a Container "MotionPhoto" item "Length"), taken
 * when its top-level boxes tile exactly that many bytes; then a Samsung
 * trailer (data blocks "\0\0" type name-length name, a "SEFH" directory
 * whose entries locate each block back from it, and the directory's
 * length and "SEFT" last), taken when the directory's first block is
 * where the picture ended.
 *
 * Bifragment recovery (decoded scans only): when a scan breaks, the
 * first piece ends at a cluster boundary (counted from the file start)
 * at or before the break; the decoder restarts from its last MCU before
 * that boundary at each following cluster boundary (gap up to 128
 * clusters and 8 MiB, a byte budget), then at each boundary before the
 * file (fragments in reverse order), and the result is two pieces only
 * when exactly one combination decodes to the right MCU count and EOI
 * (the first such continuation in each direction: the later ones start
 * inside the same data and miss MCUs).
 */
#include <stdlib.h>
#include <string.h>

#include "carve/v_media.h"

#define JV_BUFSZ	65536
#define JV_MAXGAP_CL	128
#define JV_MAXGAP	((uint64_t)8 << 20)
#define JV_NRING	4
#define JV_EXTRANEOUS	16	/* bytes allowed after a scan's last MCU */
#define JV_MAXMPF	8	/* MP entries kept */
#define JV_MAXSEF	((uint64_t)64 << 20)	/* Samsung trailer search */

/* The file as up to two pieces of the source, read by logical offset. */
struct jvs {
	const struct cv_src *src;
	uint64_t off;		/* file start (absolute) */
	uint64_t cut;		/* logical length of piece 1 */
	uint64_t resume;	/* absolute start of piece 2 */
	uint64_t max;		/* logical cap */
	uint64_t bpos;		/* logical offset of buf[0] */
	size_t blen;
	uint64_t budget;	/* bytes still allowed to be read */
	unsigned char *buf;
	unsigned char *seg;	/* one marker segment */
};

static int
jv_fill(struct jvs *v, uint64_t l)
{
	uint64_t phys, n;
	size_t got = 0;

	v->blen = 0;
	if (l >= v->max)
		return -1;
	if (l < v->cut) {
		phys = v->off + l;
		n = v->cut - l;
	} else {
		phys = v->resume + (l - v->cut);
		n = UINT64_MAX;
	}
	if (phys >= v->src->end)
		return -1;
	if (n > v->src->end - phys)
		n = v->src->end - phys;
	if (n > v->max - l)
		n = v->max - l;
	if (n > JV_BUFSZ)
		n = JV_BUFSZ;
	if (n > v->budget)
		n = v->budget;
	if (n == 0)
		return -1;
	if (v->src->read(v->src->ctx, phys, v->buf, (size_t)n, &got) != 0 ||
	    got == 0)
		return -1;
	v->budget -= got;
	v->bpos = l;
	v->blen = got;
	return 0;
}

static inline int
jv_byte(struct jvs *v, uint64_t l, int *c)
{
	if (l < v->bpos || l - v->bpos >= v->blen) {
		if (jv_fill(v, l) != 0)
			return -1;
	}
	*c = v->buf[l - v->bpos];
	return 0;
}

static int
jv_bytes(struct jvs *v, uint64_t l, unsigned char *out, size_t n)
{
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		if (jv_byte(v, l + i, &c) != 0)
			return -1;
		out[i] = (unsigned char)c;
	}
	return 0;
}

struct jhuff {
	int valid;
	int32_t mincode[17], maxcode[17];
	int valptr[17];
	unsigned char val[256];
};

struct jcomp {
	int id, h, v, td, ta;
};

/* Where the decoder is inside a scan (a snapshot at an MCU start). */
struct jpos {
	uint64_t l;		/* next byte to fetch */
	uint32_t bits;
	int nbits;
	uint64_t mcu;
	int rstnext;
	uint32_t eobrun;	/* progressive AC: blocks still at EOB */
	int last;		/* the last data byte, and runs of */
	uint32_t same, text;	/* equal bytes and of text bytes */
};

/* Entropy-coded data is close to random: a long run of one byte value
 * (zeroed or wiped clusters) or of text bytes is foreign data.  Not
 * always: a flat area coded with short codes (a white page's chroma in
 * a progressive DC scan, optimised tables) gives long runs of 0x00.  So
 * in a decoded scan such a run is only noted, and taken as the break
 * when the scan then fails to decode to its end (j_runbreak). */
#define JV_MAXSAME	256
#define JV_MAXTEXT	512
#define JV_MAXRUN	((uint64_t)1 << 20)	/* longest run taken as data */

static inline int
j_foreign(struct jpos *p, int c)
{
	p->same = c == p->last ? p->same + 1 : 1;
	p->last = c;
	p->text = (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' ||
	    c == '\t' ? p->text + 1 : 0;
	return p->same >= JV_MAXSAME || p->text >= JV_MAXTEXT;
}

static inline uint64_t
j_runstart(const struct jpos *p, uint64_t l)
{
	uint32_t n = p->same >= JV_MAXSAME ? p->same : p->text;

	return l >= n ? l - n : 0;
}

struct jring {
	struct jpos p;
	uint64_t bmin, bmax;	/* the boundaries p is the last MCU before */
	int scan;
};

enum { JW_END, JW_BREAK, JW_EOF, JW_NO };
enum { JP_MARKERS, JP_DECODE, JP_BYTES };
/* scans decoded: sequential, progressive DC first pass, DC refinement,
 * AC first pass; AC refinement needs the coefficients of the earlier
 * passes (memory by image size) and is checked byte by byte */
enum { JK_SEQ, JK_DC1, JK_DCR, JK_AC1, JK_BYTES };

struct jst {
	int sof, huffman, decodable, dht, dqt, nscans;
	unsigned w, h, prec;
	int ncomp, hmax, vmax;
	struct jcomp comp[4];
	uint64_t cover[4];	/* coefficients scanned, per component */
	struct jhuff dc[4], ac[4];
	unsigned ri;
	int phase;
	int kind, ss, se;	/* the scan: JK_* and its spectral band */
	uint64_t l;		/* marker phase position */
	/* current scan */
	int nbl, bl[10];	/* component of each block of an MCU */
	uint64_t mcus;
	struct jpos p;
	uint64_t sos0;		/* where the first scan's data starts */
	uint64_t brk;		/* where the data broke */
	uint64_t cl;		/* cluster (snapshots), 0: none */
	struct jring ring[JV_NRING];
	int nring;
	struct jpos prev;
	int haveprev;
	/* a suspect run in the current decoded scan: where it started and
	 * the snapshots as they were then */
	uint64_t runbrk;
	int strict;		/* a run breaks at once (bifragment trials) */
	/* the MPF list: images after the first one (logical offsets) */
	int nmpf;
	uint64_t mpf_off[JV_MAXMPF], mpf_len[JV_MAXMPF];
	uint64_t video;		/* motion photo: video bytes, 0: none */
	int xmp;		/* an XMP APP1 was read */
	struct jring runring[JV_NRING];
	int runnring;
	struct jpos runprev;
	int runhaveprev;
};

static int
j_dht(struct jst *s, const unsigned char *b, size_t n)
{
	size_t i = 0, j, cnt;
	struct jhuff *t;
	int l, k, code;

	while (i < n) {
		if (n - i < 17 || (b[i] >> 4) > 1 || (b[i] & 15) > 3)
			return -1;
		t = (b[i] >> 4) ? &s->ac[b[i] & 15] : &s->dc[b[i] & 15];
		for (cnt = 0, j = 1; j <= 16; j++)
			cnt += b[i + j];
		if (cnt == 0 || cnt > 256 || n - i - 17 < cnt)
			return -1;
		memcpy(t->val, b + i + 17, cnt);
		code = 0;
		k = 0;
		for (l = 1; l <= 16; l++) {
			t->valptr[l] = k;
			t->mincode[l] = code;
			code += b[i + l];
			k += b[i + l];
			t->maxcode[l] = b[i + l] ? code - 1 : -1;
			if (code > (1 << l))
				return -1;	/* over-subscribed */
			code <<= 1;
		}
		t->valid = 1;
		i += 17 + cnt;
	}
	s->dht = 1;
	return 0;
}

static int
j_sof(struct jst *s, int m, const unsigned char *b, size_t n)
{
	int i, j;

	if (s->sof || n < 6)
		return -1;
	s->prec = b[0];
	s->h = cv_be16(b + 1);
	s->w = cv_be16(b + 3);
	s->ncomp = b[5];
	if ((s->prec != 8 && s->prec != 12 && !(m == 0xc3 || m == 0xcb)) ||
	    s->w == 0 || s->ncomp < 1 || s->ncomp > 4 ||
	    n != 6 + 3 * (size_t)s->ncomp)
		return -1;
	s->hmax = s->vmax = 1;
	for (i = 0; i < s->ncomp; i++) {
		s->comp[i].id = b[6 + 3 * i];
		s->comp[i].h = b[7 + 3 * i] >> 4;
		s->comp[i].v = b[7 + 3 * i] & 15;
		if (s->comp[i].h < 1 || s->comp[i].h > 4 ||
		    s->comp[i].v < 1 || s->comp[i].v > 4 ||
		    b[8 + 3 * i] > 3)
			return -1;
		for (j = 0; j < i; j++)
			if (s->comp[j].id == s->comp[i].id)
				return -1;
		if (s->comp[i].h > s->hmax)
			s->hmax = s->comp[i].h;
		if (s->comp[i].v > s->vmax)
			s->vmax = s->comp[i].v;
	}
	s->sof = m;
	s->huffman = m < 0xc8;
	s->decodable = (m == 0xc0 || m == 0xc1 || m == 0xc2) && s->h != 0;
	return 0;
}

static uint64_t
ceildiv(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

static int
j_sos(struct jst *s, const unsigned char *b, size_t n)
{
	int ns, i, j, k, ci, ss, se, ah, lossless;
	struct jcomp *c;

	if (!s->sof || n < 1)
		return -1;
	ns = b[0];
	if (ns < 1 || ns > 4 || n != 4 + 2 * (size_t)ns)
		return -1;
	s->nbl = 0;
	ci = -1;
	for (i = 0; i < ns; i++) {
		for (ci = -1, j = 0; j < s->ncomp; j++)
			if (s->comp[j].id == b[1 + 2 * i])
				ci = j;
		if (ci < 0 || (b[2 + 2 * i] >> 4) > 3 ||
		    (b[2 + 2 * i] & 15) > 3)
			return -1;
		c = &s->comp[ci];
		c->td = b[2 + 2 * i] >> 4;
		c->ta = b[2 + 2 * i] & 15;
		for (k = 0; k < (ns > 1 ? c->h * c->v : 1); k++) {
			if (s->nbl >= 10)
				return -1;
			s->bl[s->nbl++] = ci;
		}
	}
	ss = b[1 + 2 * ns];
	se = b[2 + 2 * ns];
	lossless = s->sof == 0xc3 || s->sof == 0xc7 || s->sof == 0xcb ||
	    s->sof == 0xcf;
	if (!lossless && (ss > 63 || se > 63 || ss > se))
		return -1;
	for (i = 0; i < ns; i++)
		for (j = 0; j < s->ncomp; j++)
			if (s->comp[j].id != b[1 + 2 * i])
				continue;
			else if (lossless)
				s->cover[j] = 1;
			else if ((b[3 + 2 * ns] >> 4) == 0)
				s->cover[j] |= (se == 63 ? ~0ULL :
				    (1ULL << (se + 1)) - 1) & ~((1ULL << ss) - 1);
	s->nscans++;
	if (s->huffman && !s->dht)
		return -1;
	s->phase = JP_BYTES;
	if (!s->decodable)
		return 0;
	ah = b[3 + 2 * ns] >> 4;
	if (s->sof != 0xc2) {
		if (ss != 0 || se != 63 || b[3 + 2 * ns] != 0)
			return 0;
		s->kind = JK_SEQ;
	} else if (ss == 0)
		s->kind = se != 0 ? -1 : ah == 0 ? JK_DC1 : JK_DCR;
	else
		s->kind = ns != 1 ? -1 : ah == 0 ? JK_AC1 : JK_BYTES;
	if (s->kind < 0)
		return -1;
	if (s->kind == JK_BYTES)
		return 0;
	s->ss = ss;
	s->se = se;
	for (i = 0; i < s->nbl; i++) {
		c = &s->comp[s->bl[i]];
		if ((s->kind == JK_SEQ || s->kind == JK_DC1) &&
		    !s->dc[c->td].valid)
			return -1;
		if ((s->kind == JK_SEQ || s->kind == JK_AC1) &&
		    !s->ac[c->ta].valid)
			return -1;
	}
	if (ns > 1)
		s->mcus = ceildiv(s->w, 8 * (uint64_t)s->hmax) *
		    ceildiv(s->h, 8 * (uint64_t)s->vmax);
	else {
		c = &s->comp[ci];
		s->mcus = ceildiv(ceildiv((uint64_t)s->w * c->h, s->hmax), 8) *
		    ceildiv(ceildiv((uint64_t)s->h * c->v, s->vmax), 8);
	}
	s->phase = JP_DECODE;
	return 0;
}

/* Next entropy bit: 0/1, -1 at a marker (s->brk set), -2 at EOF. */
static inline int
j_bit(struct jst *s, struct jvs *v)
{
	int c, d, f;

	if (s->p.nbits == 0) {
		if (jv_byte(v, s->p.l, &c) != 0)
			return -2;
		if (c == 0xff) {
			if (jv_byte(v, s->p.l + 1, &d) != 0)
				return -2;
			if (d != 0) {
				s->brk = s->p.l;
				return -1;
			}
			s->p.l += 2;
		} else
			s->p.l++;
		f = j_foreign(&s->p, c);
		if (f && s->strict) {
			/* a trial continuation: a run there is the gap (or
			 * a flat area we cannot tell from it) */
			s->brk = j_runstart(&s->p, s->p.l);
			return -1;
		}
		if (f && s->runbrk != 0 && s->p.l - s->runbrk > JV_MAXRUN) {
			/* longer than any flat area: zeroed space (and no
			 * decoding through megabytes of it) */
			s->brk = s->p.l;
			return -1;
		}
		if (f && s->runbrk == 0) {
			s->runbrk = j_runstart(&s->p, s->p.l);
			memcpy(s->runring, s->ring, sizeof(s->ring));
			s->runnring = s->nring;
			s->runprev = s->prev;
			s->runhaveprev = s->haveprev;
		}
		s->p.bits = (uint32_t)c;
		s->p.nbits = 8;
	}
	s->p.nbits--;
	return (s->p.bits >> s->p.nbits) & 1;
}

static inline int
j_decode(struct jst *s, struct jvs *v, const struct jhuff *t)
{
	int32_t code = 0;
	int l, b;

	for (l = 1; l <= 16; l++) {
		if ((b = j_bit(s, v)) < 0)
			return b;
		code = code << 1 | b;
		if (t->maxcode[l] >= 0 && code <= t->maxcode[l] &&
		    code >= t->mincode[l])
			return t->val[t->valptr[l] + code - t->mincode[l]];
	}
	s->brk = s->p.l;
	return -1;
}

static inline int
j_skip(struct jst *s, struct jvs *v, int n)
{
	int b;

	while (n-- > 0)
		if ((b = j_bit(s, v)) < 0)
			return b;
	return 0;
}

/* Record the MCU-start snapshot that is the last before each cluster
 * boundary (for the bifragment search). */
static void
j_snap(struct jst *s)
{
	struct jring *r;
	uint64_t b;

	if (s->cl == 0)
		return;
	if (s->haveprev && s->p.l > 0) {
		b = (s->p.l - 1) / s->cl * s->cl;
		if (b >= s->prev.l) {
			if (s->nring == JV_NRING) {
				memmove(s->ring, s->ring + 1,
				    sizeof(s->ring[0]) * (JV_NRING - 1));
				s->nring--;
			}
			r = &s->ring[s->nring++];
			r->p = s->prev;
			r->bmin = ceildiv(s->prev.l, s->cl) * s->cl;
			r->bmax = b;
			r->scan = s->nscans;
		}
	}
	s->prev = s->p;
	s->haveprev = 1;
}

static inline int
j_bits(struct jst *s, struct jvs *v, int n, uint32_t *val)
{
	int b;

	*val = 0;
	while (n-- > 0) {
		if ((b = j_bit(s, v)) < 0)
			return b;
		*val = *val << 1 | (uint32_t)b;
	}
	return 0;
}

/* One block of the scan: 0, -1 broken (s->brk set), -2 EOF. */
static int
j_block(struct jst *s, struct jvs *v, const struct jcomp *c)
{
	int t, k, r, sz, maxdc, maxac;
	uint32_t x;

	maxdc = s->prec == 12 ? 15 : 11;
	maxac = s->prec == 12 ? 14 : 10;
	if (s->kind == JK_DCR)
		return j_skip(s, v, 1);
	if (s->kind == JK_SEQ || s->kind == JK_DC1) {
		if ((t = j_decode(s, v, &s->dc[c->td])) < 0)
			return t;
		if (t > maxdc)
			goto bad;
		if ((t = j_skip(s, v, t)) < 0)
			return t;
		if (s->kind == JK_DC1)
			return 0;
		k = 1;
	} else {
		if (s->p.eobrun > 0) {
			s->p.eobrun--;
			return 0;
		}
		k = s->ss;
	}
	while (k <= s->se) {
		if ((t = j_decode(s, v, &s->ac[c->ta])) < 0)
			return t;
		r = t >> 4;
		sz = t & 15;
		if (sz == 0) {
			if (r != 15) {
				if (s->kind == JK_AC1 && r > 0) {
					/* EOBn: a run of empty blocks */
					if ((t = j_bits(s, v, r, &x)) < 0)
						return t;
					s->p.eobrun = (1u << r) - 1 + x;
				} else if (r != 0)
					goto bad;	/* sequential */
				return 0;
			}
			k += 16;
		} else {
			k += r;
			if (sz > maxac || k > s->se)
				goto bad;
			if ((t = j_skip(s, v, sz)) < 0)
				return t;
			k++;
		}
	}
	if (k > s->se + 1)
		goto bad;
	return 0;
bad:
	s->brk = s->p.l;
	return -1;
}

/* The decoded scan broke: a suspect run before the break is where the
 * foreign data started. */
static void
j_runbreak(struct jst *s)
{
	if (s->runbrk == 0 || s->runbrk >= s->brk)
		return;
	s->brk = s->runbrk;
	memcpy(s->ring, s->runring, sizeof(s->ring));
	s->nring = s->runnring;
	s->prev = s->runprev;
	s->haveprev = s->runhaveprev;
	s->runbrk = 0;
}

/* Decode MCUs of the current scan to its end. */
static int
j_scan(struct jst *s, struct jvs *v)
{
	const struct jcomp *c;
	uint64_t end;
	int i, t, a, b;

	while (s->p.mcu < s->mcus) {
		j_snap(s);
		if (s->ri != 0 && s->p.mcu != 0 && s->p.mcu % s->ri == 0) {
			/* restart marker: byte aligned, RSTn in order */
			s->p.nbits = 0;
			if (jv_byte(v, s->p.l, &a) != 0 ||
			    jv_byte(v, s->p.l + 1, &b) != 0)
				return JW_EOF;
			if (a != 0xff || b != 0xd0 + s->p.rstnext) {
				s->brk = s->p.l;
				return JW_BREAK;
			}
			s->p.l += 2;
			s->p.rstnext = (s->p.rstnext + 1) & 7;
			s->p.eobrun = 0;
		}
		for (i = 0; i < s->nbl; i++) {
			c = &s->comp[s->bl[i]];
			if ((t = j_block(s, v, c)) != 0)
				return t == -2 ? JW_EOF : JW_BREAK;
		}
		s->p.mcu++;
	}
	/* the scan is whole: pad bits, then a marker.  Some encoders
	 * (progressive optimisers) leave a few bytes of extra entropy
	 * data after the last MCU; libjpeg skips them with a warning
	 * ("extraneous bytes before marker"), so a few are allowed. */
	s->p.nbits = 0;
	for (i = 0, end = s->p.l;; i++) {
		if (jv_byte(v, end, &a) != 0 || jv_byte(v, end + 1, &b) != 0)
			return JW_EOF;
		if (a == 0xff && b != 0)
			break;
		if (i == JV_EXTRANEOUS) {
			s->brk = s->p.l;
			return JW_BREAK;
		}
		end += a == 0xff ? 2 : 1;
	}
	if (b >= 0xd0 && b <= 0xd7) {
		s->brk = s->p.l;
		return JW_BREAK;
	}
	s->runbrk = 0;		/* the run was picture data */
	s->l = end;
	s->phase = JP_MARKERS;
	return -1;
}

/* Entropy data checked byte by byte (progressive, lossless, arithmetic,
 * unknown height). */
static int
j_bytes(struct jst *s, struct jvs *v)
{
	uint64_t l = s->p.l;
	int c, d;

	for (;;) {
		if (jv_byte(v, l, &c) != 0)
			return JW_EOF;
		if (c != 0xff || (jv_byte(v, l + 1, &d) == 0 && d == 0)) {
			l += c == 0xff ? 2 : 1;
			if (j_foreign(&s->p, c)) {
				s->brk = j_runstart(&s->p, l);
				return JW_BREAK;
			}
			continue;
		}
		if (jv_byte(v, l + 1, &d) != 0)
			return JW_EOF;
		if (d >= 0xd0 && d <= 0xd7) {
			if (s->ri == 0 || d != 0xd0 + s->p.rstnext) {
				s->brk = l;
				return JW_BREAK;
			}
			s->p.rstnext = (s->p.rstnext + 1) & 7;
			l += 2;
			continue;
		}
		if (d == 0xff) {
			l++;
			continue;
		}
		s->l = l;
		s->phase = JP_MARKERS;
		return -1;
	}
}

/* An APP2 segment b[0..n) at logical offset at (its marker): keep the
 * MP entries of an "MPF" one.  Nothing is refused here: a list that
 * does not check out only leaves the file ending at the first EOI. */
static void
j_mpf(struct jst *s, const unsigned char *b, size_t n, uint64_t at)
{
	const unsigned char *t;
	uint64_t base, o, sz;
	size_t tn, ifd, i, cnt, ne, k, eoff;
	int le;

	if (s->nmpf != 0 || s->nscans != 0 || n < 16 ||
	    memcmp(b, "MPF", 4) != 0)
		return;
	t = b + 4;		/* the MP header: a TIFF header */
	tn = n - 4;
	base = at + 8;
	if (memcmp(t, "II*", 4) == 0)
		le = 1;
	else if (memcmp(t, "MM\0*", 4) == 0)
		le = 0;
	else
		return;
	ifd = le ? cv_le32(t + 4) : cv_be32(t + 4);
	if (ifd < 8 || ifd > tn - 2)
		return;
	cnt = le ? cv_le16(t + ifd) : cv_be16(t + ifd);
	for (i = 0; i < cnt && ifd + 2 + 12 * (i + 1) <= tn; i++) {
		const unsigned char *e = t + ifd + 2 + 12 * i;

		if ((le ? cv_le16(e) : cv_be16(e)) != 0xb002)	/* MPEntry */
			continue;
		ne = (le ? cv_le32(e + 4) : cv_be32(e + 4)) / 16;
		eoff = le ? cv_le32(e + 8) : cv_be32(e + 8);
		if (ne < 2 || eoff > tn || ne > (tn - eoff) / 16)
			return;
		/* entry 0 is this image (offset 0) */
		for (k = 1; k < ne && s->nmpf < JV_MAXMPF; k++) {
			const unsigned char *m = t + eoff + 16 * k;

			sz = le ? cv_le32(m + 4) : cv_be32(m + 4);
			o = le ? cv_le32(m + 8) : cv_be32(m + 8);
			if (o == 0 || sz < 4)
				return;
			s->mpf_off[s->nmpf] = base + o;
			s->mpf_len[s->nmpf] = sz;
			s->nmpf++;
		}
		return;
	}
}

/* Where the file whose first image ends at l ends, given the MPF list:
 * after the last listed image when every one lies after l, starts with
 * SOI and ends with EOI. */
static uint64_t
j_mpf_end(const struct jst *s, struct jvs *v, uint64_t l)
{
	unsigned char a[3], z[2];
	uint64_t end = l, e;
	int i;

	for (i = 0; i < s->nmpf; i++) {
		e = s->mpf_off[i] + s->mpf_len[i];
		if (s->mpf_off[i] < l || e > v->max || e < s->mpf_off[i])
			return l;
		if (jv_bytes(v, s->mpf_off[i], a, 3) != 0 ||
		    jv_bytes(v, e - 2, z, 2) != 0)
			return l;
		if (a[0] != 0xff || a[1] != 0xd8 || a[2] != 0xff ||
		    z[0] != 0xff || z[1] != 0xd9)
			return l;
		if (e > end)
			end = e;
	}
	return end;
}

/* The decimal value of attribute or element name in the XMP text
 * b[0..n) from *from on: name="N" or <name>N<; 0 when absent. */
static uint64_t
xmp_num(const unsigned char *b, size_t n, size_t from, const char *name)
{
	const unsigned char *q;
	size_t k = strlen(name), i;
	uint64_t v;
	int d;

	while (from < n && (q = memmem(b + from, n - from, name, k)) != NULL) {
		i = (size_t)(q - b) + k;
		from = i;
		if (i + 1 < n && (b[i] == '=' && (b[i + 1] == '"' ||
		    b[i + 1] == '\'')))
			i += 2;
		else if (i < n && b[i] == '>')
			i++;
		else
			continue;
		for (v = 0, d = 0; i < n && d < 12 && b[i] >= '0' &&
		    b[i] <= '9'; i++, d++)
			v = v * 10 + (uint64_t)(b[i] - '0');
		if (d > 0 && d < 12)
			return v;
	}
	return 0;
}

/* An APP1 segment b[0..n): the motion photo video length of its XMP. */
static void
j_xmp(struct jst *s, const unsigned char *b, size_t n)
{
	static const char ns[] = "http://ns.adobe.com/xap/1.0/";
	const unsigned char *q;
	size_t i;

	if (s->xmp || s->nscans != 0 || n < sizeof(ns) ||
	    memcmp(b, ns, sizeof(ns)) != 0)
		return;
	s->xmp = 1;
	/* MVIMG: the video is the last MicroVideoOffset bytes */
	s->video = xmp_num(b, n, sizeof(ns), "MicroVideoOffset");
	if (s->video != 0)
		return;
	/* Container directory: the Length of the item (its element's
	 * attributes) whose Semantic is MotionPhoto */
	if ((q = memmem(b, n, "\"MotionPhoto\"", 13)) == NULL)
		return;
	for (i = (size_t)(q - b); i > 0 && b[i] != '<'; i--)
		;
	if ((q = memchr(q, '>', n - (size_t)(q - b))) == NULL)
		return;
	s->video = xmp_num(b, (size_t)(q - b), i, "Length");
}

/* Whether ISO-BMFF top-level boxes tile [at, at+len) exactly: "ftyp"
 * first. */
static int
j_bmff(struct jvs *v, uint64_t at, uint64_t len)
{
	unsigned char h[16];
	uint64_t pos = 0, sz;
	int n;

	for (n = 0; pos < len && n < 100000; n++) {
		if (len - pos < 8 || jv_bytes(v, at + pos, h, 8) != 0)
			return 0;
		if (n == 0 && memcmp(h + 4, "ftyp", 4) != 0)
			return 0;
		sz = cv_be32(h);
		if (sz == 1) {
			if (len - pos < 16 || jv_bytes(v, at + pos + 8, h + 8,
			    8) != 0)
				return 0;
			sz = cv_be64(h + 8);
		}
		if (sz < 8 || sz > len - pos)
			return 0;
		pos += sz;
	}
	return pos == len;
}

/* A Samsung trailer starting at l (see above): its end, or l. */
static uint64_t
j_sef(struct jvs *v, uint64_t l)
{
	unsigned char h[16], b[4096 + 8];
	const unsigned char *q;
	uint64_t c, lim, e, dlen, dir, far, o;
	uint32_t cnt, i;
	size_t n;

	/* the first block: "\0\0", type, name length, a printable name */
	if (jv_bytes(v, l, h, 12) != 0 || h[0] != 0 || h[1] != 0 ||
	    cv_le32(h + 4) < 4 || cv_le32(h + 4) > 256)
		return l;
	for (i = 8; i < 12; i++)
		if (h[i] < 0x21 || h[i] > 0x7e)
			return l;
	lim = v->max - l > JV_MAXSEF ? l + JV_MAXSEF : v->max;
	for (c = l + 8; c + 8 <= lim; c += 4096) {
		n = lim - c < sizeof(b) ? (size_t)(lim - c) : sizeof(b);
		if (jv_bytes(v, c, b, n) != 0)
			return l;
		if ((q = memmem(b, n, "SEFT", 4)) == NULL)
			continue;
		e = c + (uint64_t)(q - b) + 4;
		if (jv_bytes(v, e - 8, h, 4) != 0)
			return l;
		dlen = cv_le32(h);
		if (dlen < 12 || dlen > e - 8 - l)
			return l;
		dir = e - 8 - dlen;
		if (jv_bytes(v, dir, h, 12) != 0 || memcmp(h, "SEFH", 4) != 0)
			return l;
		cnt = cv_le32(h + 8);
		if (cnt == 0 || cnt > (dlen - 12) / 12)
			return l;
		for (far = 0, i = 0; i < cnt; i++) {
			if (jv_bytes(v, dir + 12 + 12 * (uint64_t)i, h, 12) !=
			    0)
				return l;
			o = cv_le32(h + 4);
			if (o == 0 || o > dir - l)
				return l;
			if (o > far)
				far = o;
		}
		return dir - far == l ? e : l;
	}
	return l;
}

/* The end of the file whose last image ends at l: a motion photo's
 * video and a Samsung trailer after it when they check out. */
static uint64_t
j_trailers(const struct jst *s, struct jvs *v, uint64_t l)
{
	if (s->video != 0 && s->video <= v->max - l &&
	    j_bmff(v, l, s->video))
		l += s->video;
	return j_sef(v, l);
}

static int
j_walk(struct jst *s, struct jvs *v)
{
	unsigned char *seg = v->seg, hdr[4];
	size_t len;
	int i, m, rc;

	for (;;) {
		if (s->phase == JP_DECODE) {
			if ((rc = j_scan(s, v)) >= 0)
				return rc;
			continue;
		}
		if (s->phase == JP_BYTES) {
			if ((rc = j_bytes(s, v)) >= 0)
				return rc;
			continue;
		}
		if (jv_bytes(v, s->l, hdr, 2) != 0)
			return JW_EOF;
		if (hdr[0] != 0xff) {
			s->brk = s->l;
			return s->nscans ? JW_BREAK : JW_NO;
		}
		m = hdr[1];
		if (m == 0xff) {		/* fill byte */
			s->l++;
			continue;
		}
		if (m == 0xd9) {
			if (s->nscans == 0) {
				s->brk = s->l;
				return JW_NO;
			}
			/* every coefficient of every component was sent
			 * (lossless frames: every component) */
			for (i = 0; i < s->ncomp; i++)
				if (s->sof == 0xc3 || s->sof == 0xc7 ||
				    s->sof == 0xcb || s->sof == 0xcf ?
				    s->cover[i] == 0 : s->cover[i] != ~0ULL) {
					s->brk = s->l;
					return JW_BREAK;
				}
			s->l += 2;
			return JW_END;
		}
		if (m == 0x00 || m == 0x01 || (m >= 0xd0 && m <= 0xd8) ||
		    m < 0xc0) {
			s->brk = s->l;
			return s->nscans ? JW_BREAK : JW_NO;
		}
		if (jv_bytes(v, s->l + 2, hdr + 2, 2) != 0)
			return JW_EOF;
		len = cv_be16(hdr + 2);
		if (len < 2) {
			s->brk = s->l;
			return s->nscans ? JW_BREAK : JW_NO;
		}
		len -= 2;
		/* only the segments we parse are read whole */
		if (m == 0xc4 || m == 0xda || m == 0xdd || m == 0xdb ||
		    (m >= 0xc0 && m <= 0xcf && m != 0xc8 && m != 0xcc) ||
		    (m == 0xe2 && s->nscans == 0 && s->nmpf == 0) ||
		    (m == 0xe1 && s->nscans == 0 && !s->xmp)) {
			if (jv_bytes(v, s->l + 4, seg, len) != 0)
				return JW_EOF;
		}
		rc = 0;
		switch (m) {
		case 0xc4:
			rc = j_dht(s, seg, len);
			break;
		case 0xdb:
			if (len < 65)
				rc = -1;
			s->dqt = 1;
			break;
		case 0xdd:
			if (len != 2)
				rc = -1;
			else
				s->ri = cv_be16(seg);
			break;
		case 0xc8:
		case 0xcc:		/* JPG, DAC: skipped */
			break;
		case 0xe2:
			if (s->nscans == 0)
				j_mpf(s, seg, len, s->l);
			break;
		case 0xe1:
			if (s->nscans == 0)
				j_xmp(s, seg, len);
			break;
		case 0xda:
			if (!s->dqt && s->sof != 0xc3 && s->sof != 0xc7 &&
			    s->sof != 0xcb && s->sof != 0xcf)
				rc = -1;
			else
				rc = j_sos(s, seg, len);
			s->p.l = s->l + 4 + len;
			if (s->sos0 == 0)
				s->sos0 = s->p.l;
			s->p.bits = 0;
			s->p.nbits = 0;
			s->p.mcu = 0;
			s->p.rstnext = 0;
			s->p.eobrun = 0;
			s->p.last = -1;
			s->p.same = s->p.text = 0;
			s->haveprev = 0;
			s->runbrk = 0;
			break;
		default:
			if (m >= 0xc0 && m <= 0xcf)
				rc = j_sof(s, m, seg, len);
			break;
		}
		if (rc != 0) {
			s->brk = s->l;
			return s->nscans ? JW_BREAK : JW_NO;
		}
		s->l += 4 + len;
	}
}

/* Try to continue the broken scan of s at each cluster boundary after
 * the first piece; 1 when exactly one continuation decodes cleanly. */
static int
j_bifrag(const struct jst *s0, struct jvs *v, uint64_t maxlen,
    struct cv_result *r)
{
	struct jst *s;
	const struct jpos *at;
	uint64_t b, c, cl = s0->cl, got_b = 0, got_c = 0, got_len = 0, far;
	int i, j, bi, nok = 0, k, kmax, rc, dir;

	if (cl == 0 || !s0->decodable || (s0->nring == 0 && !s0->haveprev))
		return 0;
	if ((s = malloc(sizeof(*s))) == NULL)
		return 0;
	b = s0->brk / cl * cl;
	for (bi = 0; bi < 2 && b >= cl; bi++, b -= cl) {
		/* the last MCU start at or before b */
		if (s0->haveprev && s0->prev.l <= b)
			at = &s0->prev;
		else {
			for (at = NULL, i = s0->nring - 1; i >= 0; i--)
				if (s0->ring[i].bmin <= b &&
				    b <= s0->ring[i].bmax &&
				    s0->ring[i].scan == s0->nscans)
					at = &s0->ring[i].p;
			if (at == NULL)
				continue;
		}
		/* the second piece after the first, nearest first; then
		 * before it (the reversed layout), farthest first: the
		 * first that decodes in each direction */
		kmax = JV_MAXGAP / cl < JV_MAXGAP_CL ? (int)(JV_MAXGAP / cl) :
		    JV_MAXGAP_CL;
		for (dir = 0; dir < 2; dir++)
			for (j = 1; j <= kmax; j++) {
				k = dir == 0 ? j : kmax + 1 - j;
				if (dir == 0)
					c = v->off + b + (uint64_t)k * cl;
				else if (v->off >= (uint64_t)k * cl)
					c = v->off - (uint64_t)k * cl;
				else
					continue;
				if (c >= v->src->end || v->budget == 0)
					break;
				memcpy(s, s0, sizeof(*s));
				s->cl = 0;
				s->runbrk = 0;
				s->strict = 1;
				s->p = *at;
				s->phase = JP_DECODE;
				v->cut = b;
				v->resume = c;
				v->blen = 0;
				v->max = maxlen;
				rc = j_walk(s, v);
				if (rc != JW_END || s->l <= b ||
				    s->l > v->src->end - v->off ||
				    (dir == 1 && c + (s->l - b) > v->off)) {
					/* decoded far, then failed (MCU count,
					 * EOI): this is image data with a piece
					 * missing, and the later candidates lie
					 * deeper in it */
					far = s->p.l > s->l ? s->p.l : s->l;
					if (dir == 0 && far > b + 2 * cl)
						break;
					continue;
				}
				nok++;
				got_b = b;
				got_c = c;
				got_len = s->l;
				break;	/* later ones skip real data */
			}
	}
	free(s);
	if (nok != 1)
		return 0;
	r->status = CV_COMPLETE;
	r->len = got_len;
	r->nfrag = 2;
	r->frag[0].off = v->off;
	r->frag[0].len = got_b;
	r->frag[1].off = got_c;
	r->frag[1].len = got_len - got_b;
	return 1;
}

static enum cv_status
jpeg_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct jvs v;
	struct jst *s;
	unsigned char h[4];
	enum cv_status st;
	uint64_t len;
	int rc;

	memset(r, 0, sizeof(*r));
	if (cv_read(src, off, h, 4) != 0 || h[0] != 0xff || h[1] != 0xd8 ||
	    h[2] != 0xff || !(h[3] >= 0xc0 && h[3] != 0xd8 && h[3] != 0xd9 &&
	    !(h[3] >= 0xd0 && h[3] <= 0xd7) && h[3] != 0xff))
		return cv_answer(r, CV_NO, 0);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return cv_answer(r, CV_NO, 0);
	memset(&v, 0, sizeof(v));
	if ((v.buf = malloc(JV_BUFSZ + 65536)) == NULL) {
		free(s);
		return cv_answer(r, CV_NO, 0);
	}
	v.seg = v.buf + JV_BUFSZ;
	v.src = src;
	v.off = off;
	v.cut = UINT64_MAX;
	v.max = max;
	v.budget = UINT64_MAX;
	s->l = 2;
	s->cl = src->cluster;
	rc = j_walk(s, &v);
	switch (rc) {
	case JW_END:
		len = s->nmpf != 0 ? j_mpf_end(s, &v, s->l) : s->l;
		len = j_trailers(s, &v, len);
		st = cv_answer(r, CV_COMPLETE, len);
		break;
	case JW_EOF:
		/* cut by the window: everything up to its end (or the cap);
		 * nothing when not even the frame header was there */
		len = src->end - off < max ? src->end - off : max;
		st = cv_answer(r, s->sof ? CV_TRUNCATED : CV_NO, len);
		break;
	case JW_BREAK:
		j_runbreak(s);
		/* a budget of the file cap times four for the search */
		v.budget = max > UINT64_MAX / 4 ? UINT64_MAX : max * 4;
		if (j_bifrag(s, &v, max, r))
			st = CV_COMPLETE;
		else {
			/* foreign data starts at a cluster boundary: the good
			 * prefix ends at the last one before the break (when
			 * that is inside the image data) */
			len = s->brk;
			if (s->cl != 0 && s->brk / s->cl * s->cl > s->sos0)
				len = s->brk / s->cl * s->cl;
			st = cv_answer(r, CV_CORRUPT, len);
		}
		break;
	default:
		st = cv_answer(r, CV_NO, 0);
		break;
	}
	free(v.buf);
	free(s);
	return st;
}

CV_VALIDATOR(jpeg_validate, jpeg_walk)

static const unsigned char jpeg_magic[] = { 0xff, 0xd8, 0xff };

const struct cv_format cv_fmt_jpeg = {
	.type = "jpeg",
	.ext = "jpg",
	.descr = "JPEG image (marker walk, Huffman decode, bifragment)",
	.magic = jpeg_magic,
	.magic_len = sizeof(jpeg_magic),
	.magic_off = 0,
	.max_size = (uint64_t)64 << 20,
	.validate = jpeg_validate,
};
