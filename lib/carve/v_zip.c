/*
 * ZIP and its family (OOXML, ODF, EPUB, JAR, APK, IPA).
 *
 * From the candidate's local file header, walk every member (sizes from
 * the local header or its ZIP64 extra field; streamed members end at
 * their data descriptor), then the central directory, the optional
 * ZIP64 end record and locator, and the end of central directory record
 * plus its comment: that is the end.  The archive is accepted only when
 * the EOCD's directory offset, size and entry count match what was
 * walked and every directory entry points at one of the walked local
 * headers with the same name.  A member's own "PK\3\4" therefore fails
 * (the directory does not start where a walk from it finds it), and a
 * directory pointing outside the window is never followed.
 *
 * Stored and deflated members are checked against their CRC-32 (up to
 * CRC_BUDGET bytes of member data per candidate): a member whose bytes
 * were overwritten makes the archive CORRUPT from that member on.  When
 * the walk breaks before the directory, only the last member walked is
 * checked (it most likely runs into the foreign bytes), so a member's
 * candidate inside a broken archive costs one member, not the rest.
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "carve/v_docs.h"

#define SIG_LOC		0x04034b50u
#define SIG_CEN		0x02014b50u
#define SIG_DD		0x08074b50u
#define SIG_EOCD	0x06054b50u
#define SIG_EOCD64	0x06064b50u
#define SIG_LOC64	0x07064b50u
#define SIG_DSIG	0x05054b50u
#define SIG_AXD		0x08064b50u

#define NAMECHK		64	/* name bytes kept for typing */
#define CRC_BUDGET	((uint64_t)64 << 20)	/* member bytes checked */

struct zip_walk {
	const struct cv_src *s;
	uint64_t off, lim;
	uint64_t nloc;
	int ct, word, xl, ppt, am, dex, mf, ipa;
	char mime[80];
	/* The last member walked. */
	uint64_t m_hdr, m_data, m_csize;
	unsigned m_method, m_flags;
	uint32_t m_crc;
};

/* Whether n bytes from pos lie before lim. */
static int
room(uint64_t lim, uint64_t pos, uint64_t n)
{
	return pos <= lim && lim - pos >= n;
}

static int
method_ok(unsigned m)
{
	switch (m) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 8:
	case 9: case 10: case 12: case 14: case 18: case 19: case 20:
	case 93: case 94: case 95: case 96: case 97: case 98: case 99:
		return 1;
	}
	return 0;
}

static int
name_ok(const unsigned char *n, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (n[i] < 0x20 || n[i] == 0x7f)
			return 0;
	return 1;
}

/* ZIP64 extra field: fills the values that are 0xFFFFFFFF in the
 * header, in the order of the specification.  want[] says which. */
static int
zip64_extra(const struct cv_src *s, uint64_t p, uint64_t xlen, int n,
    const int *want, uint64_t *val)
{
	unsigned char b[4], v[8];
	uint64_t end = p + xlen, q;
	int i;

	while (end - p >= 4) {
		if (cv_read(s, p, b, 4) != 0)
			return -1;
		if (cv_le16(b) == 1) {
			q = p + 4;
			for (i = 0; i < n; i++) {
				if (!want[i])
					continue;
				if (q + 8 > p + 4 + cv_le16(b + 2) ||
				    cv_read(s, q, v, 8) != 0)
					return -1;
				val[i] = cv_le64(v);
				q += 8;
			}
			return 0;
		}
		p += 4 + (uint64_t)cv_le16(b + 2);
		if (p > end)
			break;
	}
	return -1;
}

/* A streamed member: find its data descriptor.  *ddend is the first
 * byte after it.  -1: none before the window end. */
static int
find_dd(struct vd_rd *rd, uint64_t data, int z64, uint64_t *ddend,
    uint64_t *csize)
{
	const unsigned char *p, *q;
	uint64_t pos;
	size_t av;
	uint32_t sig;

	for (pos = data;;) {
		p = vd_at(rd, pos, 64, &av);
		if (av < 4)
			return -1;
		if ((q = memchr(p, 'P', av - 3)) == NULL) {
			pos += av - 3;
			continue;
		}
		if (q != p) {
			pos += (size_t)(q - p);
			continue;	/* to have the bytes after it */
		}
		sig = cv_le32(p);
		if (sig == SIG_DD) {
			*csize = pos - data;
			if (z64 && av >= 24 && cv_le64(p + 8) == pos - data) {
				*ddend = pos + 24;
				return 0;
			}
			if (!z64 && av >= 16 &&
			    cv_le32(p + 8) == pos - data) {
				*ddend = pos + 16;
				return 0;
			}
		}
		/* A descriptor without its signature, then the next
		 * header. */
		if ((sig == SIG_LOC || sig == SIG_CEN) && !z64 &&
		    pos - data >= 12) {
			unsigned char d[4];

			if (cv_read(rd->s, pos - 8, d, 4) == 0 &&
			    cv_le32(d) == pos - 12 - data) {
				*ddend = pos;
				*csize = pos - 12 - data;
				return 0;
			}
		}
		pos++;
	}
}

static int
has_prefix(const unsigned char *n, size_t len, const char *pfx)
{
	size_t l = strlen(pfx);

	return len >= l && memcmp(n, pfx, l) == 0;
}

static int
name_is(const unsigned char *n, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(n, s, len) == 0;
}

static void
note_name(struct zip_walk *w, const unsigned char *n, size_t len)
{
	size_t i;

	if (name_is(n, len, "[Content_Types].xml"))
		w->ct = 1;
	else if (has_prefix(n, len, "word/"))
		w->word = 1;
	else if (has_prefix(n, len, "xl/"))
		w->xl = 1;
	else if (has_prefix(n, len, "ppt/"))
		w->ppt = 1;
	else if (name_is(n, len, "AndroidManifest.xml"))
		w->am = 1;
	else if (name_is(n, len, "classes.dex"))
		w->dex = 1;
	else if (name_is(n, len, "META-INF/MANIFEST.MF"))
		w->mf = 1;
	else if (has_prefix(n, len, "Payload/")) {
		for (i = 8; i + 5 <= len; i++)
			if (memcmp(n + i, ".app/", 5) == 0)
				w->ipa = 1;
	}
}

static void
zip_type(const struct zip_walk *w, struct cv_result *r)
{
	static const struct {
		const char *mime, *ext;
	} odf[] = {
		{ "application/vnd.oasis.opendocument.text", "odt" },
		{ "application/vnd.oasis.opendocument.spreadsheet", "ods" },
		{ "application/vnd.oasis.opendocument.presentation", "odp" },
		{ "application/vnd.oasis.opendocument.graphics", "odg" },
		{ "application/epub+zip", "epub" },
	};
	const char *ext = NULL;
	size_t i;

	for (i = 0; i < sizeof(odf) / sizeof(odf[0]); i++)
		if (strcmp(w->mime, odf[i].mime) == 0)
			ext = odf[i].ext;
	if (ext == NULL && w->ct && w->word)
		ext = "docx";
	else if (ext == NULL && w->ct && w->xl)
		ext = "xlsx";
	else if (ext == NULL && w->ct && w->ppt)
		ext = "pptx";
	else if (ext == NULL && w->am && w->dex)
		ext = "apk";
	else if (ext == NULL && w->ipa)
		ext = "ipa";
	else if (ext == NULL && w->mf)
		ext = "jar";
	if (ext != NULL)
		r->type = r->ext = ext;
}

/*
 * Whether a member's data [data, data+csize) hashes (stored) or inflates
 * (deflated) to crc, ending exactly there.  Other methods and encrypted
 * members are not checked; nor is anything once *budget is spent.
 * 1: good or unchecked, 0: bad.
 */
static int
member_ok(const struct cv_src *s, uint64_t data, uint64_t csize,
    unsigned method, unsigned flags, uint32_t crc, uint64_t *budget)
{
	z_stream z;
	unsigned char *in, *out;
	uint64_t done = 0;
	uLong c = crc32(0, Z_NULL, 0);
	size_t n;
	int rc = Z_OK, ok = 0;

	if ((method != 0 && method != 8) || (flags & 1) || csize > *budget)
		return 1;
	*budget -= csize;
	if ((in = malloc(65536)) == NULL)
		return 1;
	out = in + 16384;
	memset(&z, 0, sizeof(z));
	if (method == 8 && inflateInit2(&z, -MAX_WBITS) != Z_OK) {
		free(in);
		return 1;
	}
	while (done < csize && rc == Z_OK) {
		n = csize - done > 16384 ? 16384 : (size_t)(csize - done);
		if (cv_read(s, data + done, in, n) != 0)
			goto out;
		done += n;
		if (method == 0) {
			c = crc32(c, in, (uInt)n);
			continue;
		}
		z.next_in = in;
		z.avail_in = (uInt)n;
		do {
			z.next_out = out;
			z.avail_out = 65536 - 16384;
			rc = inflate(&z, Z_NO_FLUSH);
			c = crc32(c, out, (uInt)(65536 - 16384 - z.avail_out));
		} while (rc == Z_OK && z.avail_out == 0);
		if (rc == Z_BUF_ERROR)
			rc = Z_OK;
		if (rc == Z_STREAM_END && (z.avail_in != 0 || done != csize))
			goto out;	/* the stream ends early */
	}
	ok = c == crc && (method == 0 || rc == Z_STREAM_END);
out:
	if (method == 8)
		inflateEnd(&z);
	free(in);
	return ok;
}

/*
 * An APK Signing Block (v2+ signatures) between the last member and the
 * central directory: a 64-bit size, the pairs, the size again and the
 * magic "APK Sig Block 42".  CV_COMPLETE and *pos moved past it, CV_NO
 * when there is none, CV_TRUNCATED when it runs past the window.
 */
static enum cv_status
apk_sigblock(struct zip_walk *w, uint64_t *pos)
{
	unsigned char b[24];
	uint64_t size;

	if (!room(w->lim, *pos, 8) || cv_read(w->s, *pos, b, 8) != 0)
		return CV_TRUNCATED;
	size = cv_le64(b);
	if (size < 32 || size > ((uint64_t)1 << 32))
		return CV_NO;
	if (!room(w->lim, *pos + 8, size))
		return CV_TRUNCATED;
	if (cv_read(w->s, *pos + 8 + size - 24, b, 24) != 0)
		return CV_TRUNCATED;
	if (cv_le64(b) != size || memcmp(b + 8, "APK Sig Block 42", 16) != 0)
		return CV_NO;
	*pos += 8 + size;
	return CV_COMPLETE;
}

/* Walk the local headers from w->off; *cd is where the central
 * directory starts.  Returns CV_COMPLETE when it was reached. */
static enum cv_status
walk_local(struct zip_walk *w, struct vd_rd *rd, uint64_t *cd,
    uint64_t *good)
{
	unsigned char h[30], name[NAMECHK];
	uint64_t pos = w->off, data, dend, csize, usize, v64[2];
	unsigned flags, method, nlen, xlen;
	int want[2], z64;
	enum cv_status st;
	uint32_t sig;

	*good = w->off;
	for (;;) {
		if (!room(w->lim, pos, 4))
			return CV_TRUNCATED;
		if (cv_read(w->s, pos, h, 4) != 0)
			return CV_TRUNCATED;
		sig = cv_le32(h);
		if (sig == SIG_CEN) {
			*cd = pos;
			return w->nloc > 0 ? CV_COMPLETE : CV_NO;
		}
		if (sig == SIG_AXD && w->nloc > 0) {
			if (cv_read(w->s, pos, h, 8) != 0)
				return CV_TRUNCATED;
			pos += 8 + (uint64_t)cv_le32(h + 4);
			continue;
		}
		if (sig != SIG_LOC && w->nloc > 0 &&
		    (st = apk_sigblock(w, &pos)) != CV_NO) {
			if (st != CV_COMPLETE)
				return st;
			continue;
		}
		if (sig != SIG_LOC)
			return w->nloc > 0 ? CV_CORRUPT : CV_NO;
		if (cv_read(w->s, pos, h, 30) != 0)
			return CV_TRUNCATED;
		flags = cv_le16(h + 6);
		method = cv_le16(h + 8);
		csize = cv_le32(h + 18);
		usize = cv_le32(h + 22);
		nlen = cv_le16(h + 26);
		xlen = cv_le16(h + 28);
		if ((h[4] > 63 && w->nloc == 0) || !method_ok(method) ||
		    nlen == 0 || nlen > 4096 || (flags & 0x8780) != 0)
			return w->nloc > 0 ? CV_CORRUPT : CV_NO;
		{
			unsigned char nb[256];
			unsigned k, c;

			for (k = 0; k < nlen; k += c) {
				c = nlen - k > sizeof(nb) ?
				    (unsigned)sizeof(nb) : nlen - k;
				if (cv_read(w->s, pos + 30 + k, nb, c) != 0)
					return CV_TRUNCATED;
				if (!name_ok(nb, c))
					return w->nloc > 0 ? CV_CORRUPT :
					    CV_NO;
				if (k == 0)
					memcpy(name, nb, c < NAMECHK ?
					    c : NAMECHK);
			}
		}
		z64 = 0;
		if (csize == 0xffffffffu || usize == 0xffffffffu) {
			want[0] = usize == 0xffffffffu;
			want[1] = csize == 0xffffffffu;
			v64[0] = usize;
			v64[1] = csize;
			if (zip64_extra(w->s, pos + 30 + nlen, xlen, 2, want,
			    v64) != 0)
				return w->nloc > 0 ? CV_CORRUPT : CV_NO;
			usize = v64[0];
			csize = v64[1];
			z64 = 1;
		}
		if (method == 0 && !(flags & 8) && csize != usize)
			return w->nloc > 0 ? CV_CORRUPT : CV_NO;
		data = pos + 30 + nlen + xlen;
		if (data > w->lim)
			return CV_TRUNCATED;
		if ((flags & 8) && csize == 0) {
			if (find_dd(rd, data, z64, &dend, &csize) != 0)
				return CV_TRUNCATED;
		} else {
			if (csize > w->lim - data)
				return CV_TRUNCATED;
			dend = data + csize;
			if (flags & 8) {
				if (!room(w->lim, dend, 4) ||
				    cv_read(w->s, dend, h, 4) != 0)
					return CV_TRUNCATED;
				dend += cv_le32(h) == SIG_DD ? 4 : 0;
				dend += z64 ? 20 : 12;
				if (dend > w->lim)
					return CV_TRUNCATED;
			}
		}
		if (w->nloc == 0 && method == 0 && csize < sizeof(w->mime) &&
		    nlen == 8 && memcmp(name, "mimetype", 8) == 0 &&
		    cv_read(w->s, data, w->mime, (size_t)csize) == 0)
			w->mime[csize] = '\0';
		w->m_hdr = pos;
		w->m_data = data;
		w->m_csize = csize;
		w->m_method = method;
		w->m_flags = flags;
		w->m_crc = cv_le32(h + 14);
		if (flags & 8) {
			if (cv_read(w->s, data + csize, h, 8) != 0)
				return CV_TRUNCATED;
			w->m_crc = cv_le32(h) == SIG_DD ? cv_le32(h + 4) :
			    cv_le32(h);
		}
		w->nloc++;
		pos = dend;
		*good = pos;
	}
}

/* Whether the directory entry at pos (its 46 bytes in h) points at a
 * local header before the directory with the same name; *loff is its
 * offset, *data and *csize where its data lies.  0 or -1. */
static int
cen_entry(struct zip_walk *w, uint64_t pos, uint64_t cd,
    const unsigned char *h, uint64_t *loff, uint64_t *data, uint64_t *csize)
{
	unsigned char l[30], ln[256], cn[256];
	uint64_t v64[4] = { 0, 0, 0, 0 };
	unsigned nlen, xlen, k, c;
	int want[4];

	nlen = cv_le16(h + 28);
	xlen = cv_le16(h + 30);
	*loff = cv_le32(h + 42);
	*csize = cv_le32(h + 20);
	if (cv_le32(h + 20) == 0xffffffffu ||
	    cv_le32(h + 24) == 0xffffffffu || *loff == 0xffffffffu ||
	    cv_le16(h + 34) == 0xffff) {
		want[0] = cv_le32(h + 24) == 0xffffffffu;
		want[1] = cv_le32(h + 20) == 0xffffffffu;
		want[2] = *loff == 0xffffffffu;
		want[3] = cv_le16(h + 34) == 0xffff;
		v64[2] = *loff;
		if (zip64_extra(w->s, pos + 46 + nlen, xlen, 4, want,
		    v64) != 0)
			return -1;
		*loff = v64[2];
		if (want[1])
			*csize = v64[1];
	}
	if (*loff >= cd - w->off ||
	    cv_read(w->s, w->off + *loff, l, 30) != 0 ||
	    cv_le32(l) != SIG_LOC || cv_le16(l + 26) != nlen)
		return -1;
	*data = w->off + *loff + 30 + nlen + cv_le16(l + 28);
	for (k = 0; k < nlen; k += c) {
		c = nlen - k > sizeof(ln) ? (unsigned)sizeof(ln) : nlen - k;
		if (cv_read(w->s, w->off + *loff + 30 + k, ln, c) != 0 ||
		    cv_read(w->s, pos + 46 + k, cn, c) != 0 ||
		    memcmp(ln, cn, c) != 0)
			return -1;
		if (k == 0)
			note_name(w, cn, c);
	}
	return 0;
}

static enum cv_status
zip_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct zip_walk w;
	struct vd_rd rd;
	unsigned char h[56];
	uint64_t cd = 0, good, pos, ncen = 0, loff, cdsize, cdoff, total,
	    e64 = 0, end, data, csize, bad = UINT64_MAX;
	uint64_t budget = CRC_BUDGET;
	int zero = 0, havez64 = 0;
	enum cv_status st;
	uint32_t sig;

	memset(r, 0, sizeof(*r));
	memset(&w, 0, sizeof(w));
	w.s = s;
	w.off = off;
	w.lim = vd_limit(s, off, max);
	if (vd_open(&rd, s, w.lim) != 0)
		return vd_answer(r, CV_NO, 0);
	st = walk_local(&w, &rd, &cd, &good);
	vd_close(&rd);
	if (st == CV_NO)
		return vd_answer(r, CV_NO, 0);
	if (st == CV_TRUNCATED)
		return vd_answer(r, CV_TRUNCATED, w.lim - off);
	if (st == CV_CORRUPT) {
		/* Junk after a member: the member itself is most likely
		 * where the foreign bytes start. */
		if (!member_ok(s, w.m_data, w.m_csize, w.m_method,
		    w.m_flags, w.m_crc, &budget))
			good = w.m_hdr;
		/* Nothing good (e.g. a member's own header next to the
		 * foreign bytes): not reported. */
		return vd_answer(r, good > off ? CV_CORRUPT : CV_NO,
		    good - off);
	}

	/* The central directory, each entry checked against its local
	 * header as it comes (a member's candidate fails at the first),
	 * then the end records. */
	for (pos = cd;;) {
		if (!room(w.lim, pos, 4) || cv_read(s, pos, h, 4) != 0)
			return vd_answer(r, CV_TRUNCATED, w.lim - off);
		if (cv_le32(h) != SIG_CEN)
			break;
		if (!room(w.lim, pos, 46) || cv_read(s, pos, h, 46) != 0 ||
		    !room(w.lim, pos + 46, (uint64_t)cv_le16(h + 28) +
		    cv_le16(h + 30)))
			return vd_answer(r, CV_TRUNCATED, w.lim - off);
		if (cen_entry(&w, pos, cd, h, &loff, &data, &csize) != 0)
			return vd_answer(r, ncen == 0 ? CV_NO : CV_CORRUPT,
			    ncen == 0 ? 0 : cd - off);
		if (loff < bad && !member_ok(s, data, csize, cv_le16(h + 10),
		    cv_le16(h + 8), cv_le32(h + 16), &budget))
			bad = loff;	/* a hole or overwritten data */
		if (loff == 0)
			zero = 1;
		pos += 46 + (uint64_t)cv_le16(h + 28) + cv_le16(h + 30) +
		    cv_le16(h + 32);
		ncen++;
	}
	cdsize = pos - cd;
	sig = cv_le32(h);
	if (sig == SIG_DSIG) {
		if (!room(w.lim, pos, 6) || cv_read(s, pos, h, 6) != 0)
			return vd_answer(r, CV_TRUNCATED, w.lim - off);
		pos += 6 + (uint64_t)cv_le16(h + 4);
		if (!room(w.lim, pos, 4) || cv_read(s, pos, h, 4) != 0)
			return vd_answer(r, CV_TRUNCATED, w.lim - off);
		sig = cv_le32(h);
	}
	total = ncen;
	if (sig == SIG_EOCD64) {
		if (!room(w.lim, pos, 56) || cv_read(s, pos, h, 56) != 0)
			return vd_answer(r, CV_TRUNCATED, w.lim - off);
		if (cv_le32(h + 16) != 0 || cv_le32(h + 20) != 0 ||
		    cv_le64(h + 32) != ncen || cv_le64(h + 40) != cdsize ||
		    cv_le64(h + 48) != cd - off || cv_le64(h + 4) < 44)
			return vd_answer(r, CV_NO, 0);
		e64 = pos;
		if (cv_le64(h + 4) > w.lim - pos - 12)
			return vd_answer(r, CV_TRUNCATED, w.lim - off);
		pos += 12 + cv_le64(h + 4);
		if (!room(w.lim, pos, 20) || cv_read(s, pos, h, 20) != 0)
			return vd_answer(r, CV_TRUNCATED, w.lim - off);
		if (cv_le32(h) != SIG_LOC64 || cv_le64(h + 8) != e64 - off)
			return vd_answer(r, CV_CORRUPT, cd - off);
		pos += 20;
		if (!room(w.lim, pos, 4) || cv_read(s, pos, h, 4) != 0)
			return vd_answer(r, CV_TRUNCATED, w.lim - off);
		sig = cv_le32(h);
		havez64 = 1;
	}
	if (sig != SIG_EOCD)
		return vd_answer(r, CV_CORRUPT, cd - off);
	if (!room(w.lim, pos, 22) || cv_read(s, pos, h, 22) != 0)
		return vd_answer(r, CV_TRUNCATED, w.lim - off);
	cdoff = cv_le32(h + 16);
	if (cv_le16(h + 4) != 0 || cv_le16(h + 6) != 0)
		return vd_answer(r, CV_NO, 0);	/* multi-disk */
	if (!(havez64 && cv_le16(h + 10) == 0xffff) &&
	    cv_le16(h + 10) != (total & 0xffff))
		return vd_answer(r, CV_NO, 0);
	if (!(havez64 && cv_le32(h + 12) == 0xffffffffu) &&
	    cv_le32(h + 12) != cdsize)
		return vd_answer(r, CV_NO, 0);
	if (!(havez64 && cdoff == 0xffffffffu) && cdoff != cd - off)
		return vd_answer(r, CV_NO, 0);	/* e.g. a member's header */
	end = pos + 22 + cv_le16(h + 20);

	if (!zero || total != w.nloc)
		return vd_answer(r, CV_NO, 0);
	if (end > w.lim)
		return vd_answer(r, CV_TRUNCATED, w.lim - off);
	if (bad != UINT64_MAX)
		return vd_answer(r, CV_CORRUPT, bad > 0 ? bad : 30);
	zip_type(&w, r);
	return vd_answer(r, CV_COMPLETE, end - off);
}

static const unsigned char zip_magic[] = { 'P', 'K', 3, 4 };

const struct cv_format cv_fmt_zip = {
	.type = "zip",
	.ext = "zip",
	.descr = "ZIP archive (docx/xlsx/pptx/odt/epub/jar/apk/ipa)",
	.magic = zip_magic,
	.magic_len = 4,
	.magic_off = 0,
	.max_size = 0,
	.validate = zip_validate,
};
