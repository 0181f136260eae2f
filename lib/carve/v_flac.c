/*
 * FLAC validator: "fLaC", the metadata blocks (STREAMINFO first, each
 * block's type known and its length inside the window, the last one
 * flagged), then the frames.  A FLAC frame carries no length, so each
 * one is decoded down to its bits: the header (sync 0xFFF8/0xFFF9, the
 * codes, the coded frame or sample number in sequence, CRC-8), every
 * subframe (constant, verbatim, fixed or LPC predictor, the partitioned
 * Rice residual), the byte padding and the frame's CRC-16, which must
 * match.  The file ends after the frame that completes STREAMINFO's
 * total samples (or, when the total is unknown, after the last frame
 * that another valid frame does not follow), and after a 128-byte ID3v1
 * "TAG" trailer when one follows.  A bad frame is CORRUPT there.
 */
#include <pthread.h>
#include <string.h>

#include "carve/v_media.h"
#include "carve/v_docs.h"

#define FL_MAXMETA	4096		/* metadata blocks */
#define FL_MAXFRAME	((uint64_t)16 << 20)

/* CRC-8, polynomial x^8 + x^2 + x + 1, and CRC-16, polynomial
 * x^16 + x^15 + x^2 + 1, both MSB first with a zero start (RFC 9639). */
static unsigned
fl_crc8(const unsigned char *p, size_t n)
{
	unsigned c = 0;
	int i;

	while (n-- > 0) {
		c ^= *p++;
		for (i = 0; i < 8; i++)
			c = c & 0x80 ? (c << 1 ^ 0x07) & 0xff : c << 1 & 0xff;
	}
	return c;
}

static uint16_t fl_crc16tab[256];
static pthread_once_t fl_once = PTHREAD_ONCE_INIT;

static void
fl_crc16_init(void)
{
	unsigned c;
	int i, j;

	for (i = 0; i < 256; i++) {
		c = (unsigned)i << 8;
		for (j = 0; j < 8; j++)
			c = c & 0x8000 ? (c << 1 ^ 0x8005) & 0xffff :
			    c << 1 & 0xffff;
		fl_crc16tab[i] = (uint16_t)c;
	}
}

/* A bit reader over the window (MSB first). */
struct fl_br {
	struct vd_rd *rd;
	uint64_t pos;		/* next byte to load */
	uint64_t stop;		/* loading past stop + 8: frame too long */
	uint64_t acc;		/* the low nbits are unread */
	unsigned nbits;
	int eof;		/* no more bits (window end, or over) */
	int over;		/* the frame outgrew its largest size */
};

static void
fl_refill(struct fl_br *b)
{
	const unsigned char *p;
	size_t av, k;

	while (b->nbits <= 56) {
		if (b->pos >= b->stop + 8) {
			b->eof = b->over = 1;
			return;
		}
		p = vd_at(b->rd, b->pos, 8, &av);
		if (av == 0) {
			b->eof = 1;
			return;
		}
		for (k = 0; k < av && b->nbits <= 56; k++) {
			b->acc = b->acc << 8 | p[k];
			b->nbits += 8;
		}
		b->pos += k;
	}
}

/* n <= 32 bits; 0 past the end (b->eof says so). */
static uint32_t
fl_get(struct fl_br *b, unsigned n)
{
	uint32_t v;

	if (n == 0)
		return 0;
	if (b->nbits < n) {
		fl_refill(b);
		if (b->nbits < n) {
			b->eof = 1;
			b->nbits = 0;
			return 0;
		}
	}
	v = (uint32_t)(b->acc >> (b->nbits - n)) &
	    (uint32_t)(((uint64_t)1 << n) - 1);
	b->nbits -= n;
	return v;
}

static void
fl_skip(struct fl_br *b, uint64_t n)
{
	if (n <= b->nbits) {
		b->nbits -= (unsigned)n;
		return;
	}
	n -= b->nbits;
	b->nbits = 0;
	b->pos += n / 8;
	if (b->pos >= b->stop + 8) {
		b->eof = b->over = 1;
		return;
	}
	if (b->pos > b->rd->lim) {
		b->eof = 1;
		b->pos = b->rd->lim;
		return;
	}
	(void)fl_get(b, (unsigned)(n % 8));
}

/* Zeros before the next one bit; the one is consumed.  Stops (eof) at
 * the window end: a run of zeros is consumed as it is counted. */
static uint64_t
fl_unary(struct fl_br *b)
{
	uint64_t z = 0, w;
	unsigned lz;

	for (;;) {
		if (b->nbits == 0) {
			fl_refill(b);
			if (b->nbits == 0) {
				b->eof = 1;
				return z;
			}
		}
		w = b->acc << (64 - b->nbits);
		if (w == 0) {
			z += b->nbits;
			b->nbits = 0;
			continue;
		}
		lz = (unsigned)__builtin_clzll(w);
		z += lz;
		b->nbits -= lz + 1;
		return z;
	}
}

/* Byte offset of the next unread bit, rounded down. */
static uint64_t
fl_bytepos(const struct fl_br *b)
{
	return b->pos - (b->nbits + 7) / 8;
}

struct fl_info {
	unsigned minbs, maxbs, rate, chans, bps;
	uint32_t maxfs;
	uint64_t total;
};

struct fl_hdr {
	unsigned bs, chans, bps, chmode, varsz;
	uint64_t num;		/* frame number or first sample */
	size_t len;		/* header bytes, CRC-8 included */
};

static const unsigned fl_rates[12] = { 0, 88200, 176400, 192000, 8000,
    16000, 22050, 24000, 32000, 44100, 48000, 96000 };

/* Parse the frame header at h[0..n); 0 when it is not one. */
static int
fl_header(const unsigned char *p, size_t n, const struct fl_info *si,
    struct fl_hdr *fh)
{
	unsigned char h[16];	/* the longest header; zeros past n */
	unsigned bsc, src, ch, ssc, i, extra;
	uint64_t v;
	size_t k;

	if (n < 6 || p[0] != 0xff || (p[1] & 0xfe) != 0xf8)
		return 0;
	memset(h, 0, sizeof(h));
	memcpy(h, p, n < sizeof(h) ? n : sizeof(h));
	fh->varsz = h[1] & 1;
	bsc = h[2] >> 4;
	src = h[2] & 15;
	ch = h[3] >> 4;
	ssc = (h[3] >> 1) & 7;
	if (bsc == 0 || src == 15 || ch > 10 || ssc == 3 || (h[3] & 1))
		return 0;
	/* the coded number, UTF-8 style */
	if (h[4] < 0x80) {
		v = h[4];
		extra = 0;
	} else if (h[4] >= 0xc0 && h[4] < 0xfe) {
		for (extra = 1; extra < 6 && (h[4] << (extra + 1) & 0x80); )
			extra++;
		v = h[4] & (0x3f >> extra);
	} else if (h[4] == 0xfe && fh->varsz) {
		extra = 6;
		v = 0;
	} else
		return 0;
	if (!fh->varsz && extra > 5)
		return 0;
	k = 5;
	if (n < k + extra + 3)
		return 0;
	for (i = 0; i < extra; i++, k++) {
		if ((h[k] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (h[k] & 0x3f);
	}
	fh->num = v;
	if (bsc == 1)
		fh->bs = 192;
	else if (bsc <= 5)
		fh->bs = 576u << (bsc - 2);
	else if (bsc == 6)
		fh->bs = h[k++] + 1u;
	else if (bsc == 7) {
		fh->bs = (unsigned)(h[k] << 8 | h[k + 1]) + 1u;
		k += 2;
	} else
		fh->bs = 256u << (bsc - 8);
	if (src == 12)
		k += 1;
	else if (src >= 13)
		k += 2;
	if (n < k + 1 || fl_crc8(h, k) != h[k])
		return 0;
	fh->len = k + 1;
	fh->chmode = ch;
	fh->chans = ch < 8 ? ch + 1 : 2;
	fh->bps = ssc == 0 ? si->bps : ssc == 1 ? 8 : ssc == 2 ? 12 :
	    ssc == 4 ? 16 : ssc == 5 ? 20 : ssc == 6 ? 24 : 32;
	/* the stream's parameters do not change */
	if (fh->chans != si->chans || fh->bps != si->bps ||
	    fh->bs > si->maxbs || (src >= 1 && src <= 11 &&
	    fl_rates[src] != si->rate))
		return 0;
	return 1;
}

/* The Rice-coded residual of one subframe. */
static int
fl_residual(struct fl_br *b, unsigned bs, unsigned order)
{
	unsigned method, po, np, i, param, pbits, esc, rb;
	uint64_t n, j;

	method = fl_get(b, 2);
	if (method > 1)
		return -1;
	po = fl_get(b, 4);
	np = 1u << po;
	if ((bs & (np - 1)) != 0 || (bs >> po) < order)
		return -1;
	pbits = method ? 5 : 4;
	esc = method ? 31 : 15;
	for (i = 0; i < np && !b->eof; i++) {
		n = (bs >> po) - (i == 0 ? order : 0);
		param = fl_get(b, pbits);
		if (param == esc) {
			rb = fl_get(b, 5);
			fl_skip(b, n * rb);
			continue;
		}
		for (j = 0; j < n && !b->eof; j++) {
			if (fl_unary(b) > (uint64_t)1 << 32)
				return -1;
			fl_skip(b, param);
		}
	}
	return b->eof ? 1 : 0;
}

/* One subframe of bits-per-sample bits: 0 done, 1 window end, -1 not
 * a subframe. */
static int
fl_subframe(struct fl_br *b, unsigned bs, unsigned bits)
{
	unsigned type, order, prec;

	if (fl_get(b, 1) != 0)
		return b->eof ? 1 : -1;
	type = fl_get(b, 6);
	if (fl_get(b, 1)) {
		uint64_t w = fl_unary(b) + 1;

		if (w >= bits)
			return b->eof ? 1 : -1;
		bits -= (unsigned)w;
	}
	if (b->eof)
		return 1;
	if (type == 0)
		fl_skip(b, bits);
	else if (type == 1)
		fl_skip(b, (uint64_t)bits * bs);
	else if (type >= 8 && type <= 12) {
		order = type - 8;
		fl_skip(b, (uint64_t)order * bits);
		return fl_residual(b, bs, order);
	} else if (type >= 32) {
		order = (type & 31) + 1;
		fl_skip(b, (uint64_t)order * bits);
		prec = fl_get(b, 4);
		if (prec == 15)
			return b->eof ? 1 : -1;
		(void)fl_get(b, 5);
		fl_skip(b, (uint64_t)order * (prec + 1));
		return fl_residual(b, bs, order);
	} else
		return -1;
	return b->eof ? 1 : 0;
}

static enum cv_status
flac_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[42];
	const unsigned char *p;
	struct fl_info si;
	struct fl_hdr fh;
	struct fl_br b;
	struct vd_rd rd;
	uint64_t pos, lim, fend, done = 0, nframes = 0, q;
	unsigned c, bits, crc, nmeta = 0;
	size_t av, k;
	int last = 0, rc;
	enum cv_status st;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(src, off, max);
	if (cv_read(src, off, h, 42) != 0 || memcmp(h, "fLaC", 4) != 0 ||
	    (h[4] & 0x7f) != 0 || cv_be32(h + 4) % (1u << 24) != 34)
		return cv_answer(r, CV_NO, 0);
	si.minbs = cv_be16(h + 8);
	si.maxbs = cv_be16(h + 10);
	si.maxfs = (uint32_t)h[15] << 16 | (uint32_t)h[16] << 8 | h[17];
	si.rate = (unsigned)h[18] << 12 | (unsigned)h[19] << 4 | h[20] >> 4;
	si.chans = ((h[20] >> 1) & 7) + 1;
	si.bps = ((unsigned)(h[20] & 1) << 4 | h[21] >> 4) + 1;
	si.total = (uint64_t)(h[21] & 15) << 32 | cv_be32(h + 22);
	if (si.minbs < 16 || si.maxbs < si.minbs || si.rate == 0 ||
	    si.rate > 655350 || si.bps < 4)
		return cv_answer(r, CV_NO, 0);
	/* the metadata blocks */
	pos = 4;
	for (;;) {
		if (cv_read(src, off + pos, h, 4) != 0)
			return cv_answer(r, CV_TRUNCATED, lim - off);
		last = h[0] & 0x80;
		if ((h[0] & 0x7f) > 6 || (nmeta > 0 && (h[0] & 0x7f) == 0))
			return cv_answer(r, nmeta > 0 ? CV_CORRUPT : CV_NO,
			    pos);
		pos += 4 + (cv_be32(h) & 0xffffff);
		if (++nmeta > FL_MAXMETA || pos > max)
			return cv_answer(r, CV_NO, 0);
		if (off + pos > lim)
			return cv_answer(r, CV_TRUNCATED, lim - off);
		if (last)
			break;
	}
	if (vd_open(&rd, src, lim) != 0)
		return cv_answer(r, CV_NO, 0);
	pthread_once(&fl_once, fl_crc16_init);
	for (;;) {
		/* the next frame header */
		p = vd_at(&rd, off + pos, 32, &av);
		if (!fl_header(p, av, &si, &fh) ||
		    fh.num != (fh.varsz ? done : nframes) ||
		    (si.total != 0 && done + fh.bs > si.total)) {
			/* a header cut by the window end */
			int cut = av < 32 && off + pos + av >= rd.lim &&
			    (av < 1 || p[0] == 0xff) &&
			    (av < 2 || (p[1] & 0xfe) == 0xf8);

			if (si.total == 0 && nframes > 0)
				st = cv_answer(r, cut && av > 0 ?
				    CV_TRUNCATED : CV_COMPLETE, cut && av > 0 ?
				    lim - off : pos);
			else if (cut)
				st = cv_answer(r, CV_TRUNCATED, lim - off);
			else
				st = cv_answer(r, CV_CORRUPT, pos);
			break;
		}
		/* its subframes, bit by bit */
		memset(&b, 0, sizeof(b));
		b.rd = &rd;
		b.pos = off + pos + fh.len;
		b.stop = off + pos + (si.maxfs != 0 ? si.maxfs : FL_MAXFRAME);
		for (c = 0, rc = 0; c < fh.chans && rc == 0; c++) {
			bits = fh.bps;
			if ((fh.chmode == 8 && c == 1) ||
			    (fh.chmode == 9 && c == 0) ||
			    (fh.chmode == 10 && c == 1))
				bits++;		/* the side channel */
			rc = fl_subframe(&b, fh.bs, bits);
		}
		if (rc == 0) {
			b.nbits -= b.nbits % 8;		/* byte padding */
			(void)fl_get(&b, 16);
			if (b.eof)
				rc = 1;
		}
		if (rc == 1 && !b.over) {
			st = cv_answer(r, CV_TRUNCATED, lim - off);
			break;
		}
		fend = fl_bytepos(&b) - off;
		if (rc != 0 || fend - pos > (si.maxfs != 0 ? si.maxfs :
		    FL_MAXFRAME)) {
			st = cv_answer(r, CV_CORRUPT, pos);
			break;
		}
		/* the CRC-16 over the whole frame, its own field included,
		 * comes out zero */
		for (crc = 0, q = off + pos; q < off + fend; q += k) {
			p = vd_at(&rd, q, 1, &av);
			if (av == 0)
				break;
			if (av > off + fend - q)
				av = (size_t)(off + fend - q);
			for (k = 0; k < av; k++)
				crc = (crc << 8 & 0xffff) ^
				    fl_crc16tab[(crc >> 8 ^ p[k]) & 0xff];
		}
		if (q < off + fend) {
			st = cv_answer(r, CV_TRUNCATED, lim - off);
			break;
		}
		if (crc != 0) {
			st = cv_answer(r, CV_CORRUPT, pos);
			break;
		}
		pos = fend;
		done += fh.bs;
		nframes++;
		if (si.total != 0 && done == si.total) {
			st = cv_answer(r, CV_COMPLETE, pos);
			break;
		}
	}
	vd_close(&rd);
	if (st == CV_COMPLETE && cv_read(src, off + pos, h, 3) == 0 &&
	    memcmp(h, "TAG", 3) == 0) {
		if (off + pos + 128 > lim)
			return cv_answer(r, CV_TRUNCATED, lim - off);
		r->len = pos + 128;
	}
	return st;
}

CV_VALIDATOR(flac_validate, flac_walk)

static const unsigned char flac_magic[] = { 'f', 'L', 'a', 'C' };

const struct cv_format cv_fmt_flac = {
	.type = "flac",
	.ext = "flac",
	.descr = "FLAC audio (metadata blocks, every frame decoded, CRC-8 "
	    "and CRC-16)",
	.magic = flac_magic,
	.magic_len = sizeof(flac_magic),
	.magic_off = 0,
	.max_size = (uint64_t)1 << 30,
	.validate = flac_validate,
};
