/*
 * Ogg validator: page walk from a BOS page.  Every page: capture
 * "OggS", version 0, header flags, segment table, and the page CRC
 * (Ogg's CRC-32, polynomial 0x04c11db7, not reflected); pages of each
 * logical stream in sequence.  The file ends after the page that
 * closes (EOS) the last open stream, unless a new BOS page follows (a
 * chained stream).  A bad CRC or a foreign page is CORRUPT there.  The
 * extension comes from the first stream's codec.
 */
#include <pthread.h>
#include <string.h>

#include "carve/v_media.h"

#define OGG_MAXSTREAMS	32

static uint32_t ogg_crctab[256];
static pthread_once_t ogg_once = PTHREAD_ONCE_INIT;

static void
ogg_crcinit(void)
{
	uint32_t c;
	int i, j;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i << 24;
		for (j = 0; j < 8; j++)
			c = c & 0x80000000u ? c << 1 ^ 0x04c11db7u : c << 1;
		ogg_crctab[i] = c;
	}
}

static uint32_t
ogg_crc(uint32_t crc, const unsigned char *p, size_t n)
{
	while (n-- > 0)
		crc = crc << 8 ^ ogg_crctab[(crc >> 24 ^ *p++) & 0xff];
	return crc;
}

struct ogg_stream {
	uint32_t serial, seq;
	int eos;
};

static enum cv_status
ogg_walk(const struct cv_src *src, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	unsigned char h[27 + 255], buf[8192];
	struct ogg_stream st[OGG_MAXSTREAMS];
	uint64_t pos = 0, lim, wend, body, done, n;
	uint32_t crc, stored, serial, seq;
	int ns = 0, open = 0, i, npages = 0, bos, eos, data = 0;

	memset(r, 0, sizeof(*r));
	pthread_once(&ogg_once, ogg_crcinit);
	wend = src->end > off ? src->end - off : 0;
	lim = max < wend ? max : wend;
	for (;;) {
		if (pos + 27 > max)
			goto bad;
		if (cv_read(src, off + pos, h, 27) != 0)
			goto eof;
		if (memcmp(h, "OggS", 4) != 0 || h[4] != 0 ||
		    (h[5] & ~7) != 0)
			goto bad;
		bos = h[5] & 2;
		eos = h[5] & 4;
		serial = cv_le32(h + 14);
		seq = cv_le32(h + 18);
		if (cv_read(src, off + pos + 27, h + 27, h[26]) != 0)
			goto eof;
		for (body = 0, i = 0; i < h[26]; i++)
			body += h[27 + i];
		if (pos + 27 + h[26] + body > max)
			goto bad;
		/* the CRC, with its own field as zeros */
		stored = cv_le32(h + 22);
		memset(h + 22, 0, 4);
		crc = ogg_crc(0, h, 27 + (size_t)h[26]);
		for (done = 0; done < body; done += n) {
			n = body - done < sizeof(buf) ? body - done : sizeof(buf);
			if (cv_read(src, off + pos + 27 + h[26] + done, buf,
			    (size_t)n) != 0)
				goto eof;
			if (npages == 0 && done == 0) {
				if (n >= 7 && memcmp(buf, "\x01vorbis", 7) == 0)
					r->ext = "ogg";
				else if (n >= 8 && memcmp(buf, "OpusHead", 8) == 0)
					r->ext = "opus";
				else if (n >= 7 &&
				    memcmp(buf, "\x80theora", 7) == 0)
					r->ext = "ogv";
				else if (n >= 5 && memcmp(buf, "\x7f" "FLAC", 5) == 0)
					r->ext = "oga";
			}
			crc = ogg_crc(crc, buf, (size_t)n);
		}
		if (crc != stored)
			goto bad;
		for (i = 0; i < ns; i++)
			if (st[i].serial == serial)
				break;
		if (bos) {
			/* BOS pages come first (or start a chain) */
			if (i < ns || ns == OGG_MAXSTREAMS || (data && open > 0))
				goto bad;
			st[ns].serial = serial;
			st[ns].seq = seq;
			st[ns].eos = 0;
			ns++;
			open++;
		} else {
			if (i == ns || st[i].eos || seq != st[i].seq + 1)
				goto bad;
			st[i].seq = seq;
			data = 1;
		}
		if (npages == 0 && !bos)
			goto bad;
		npages++;
		pos += 27 + h[26] + body;
		if (eos) {
			if (i == ns)
				i = ns - 1;
			st[i].eos = 1;
			if (--open == 0) {
				/* a chained stream may follow */
				if (cv_read(src, off + pos, h, 6) == 0 &&
				    memcmp(h, "OggS", 4) == 0 && h[4] == 0 &&
				    (h[5] & 2) && ns < OGG_MAXSTREAMS) {
					data = 0;
					continue;
				}
				return cv_answer(r, CV_COMPLETE, pos);
			}
		}
	}
eof:
	return cv_answer(r, npages > 0 ? CV_TRUNCATED : CV_NO, lim);
bad:
	if (npages == 0)
		r->ext = NULL;
	return cv_answer(r, npages > 0 ? CV_CORRUPT : CV_NO, pos);
}

CV_VALIDATOR(ogg_validate, ogg_walk)

static const unsigned char ogg_magic[] = { 'O', 'g', 'g', 'S' };

const struct cv_format cv_fmt_ogg = {
	.type = "ogg",
	.ext = "ogg",
	.descr = "Ogg audio/video (page walk, page CRCs, BOS to EOS)",
	.magic = ogg_magic,
	.magic_len = sizeof(ogg_magic),
	.magic_off = 0,
	.max_size = 0,
	.validate = ogg_validate,
};
