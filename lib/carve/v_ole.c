/*
 * OLE2 / Compound File Binary (doc, xls, ppt, msg, ...).  Header checks
 * (byte order, version 3 with 512-byte or 4 with 4096-byte sectors,
 * 64-byte mini sectors, reserved fields), then the FAT sectors listed by
 * the header's DIFAT and the DIFAT chain: the file ends after the
 * highest sector whose FAT entry is in use, plus the header sector.  The
 * FAT must mark its own sectors FATSECT, the directory chain must stay
 * inside the file and end, and the root entry must be a root storage;
 * the directory's stream names give the type.  The FAT is never held in
 * memory (the list of its sectors is, bounded by max), chains are
 * bounded by the sector count.  CORRUPT keeps the 512-byte header.
 */
#include <stdlib.h>
#include <string.h>

#include "carve/v_docs.h"

#define FREESECT	0xffffffffu
#define ENDOFCHAIN	0xfffffffeu
#define FATSECT		0xfffffffdu
#define DIFSECT		0xfffffffcu
#define MAXREGSECT	0xfffffffau
#define OLE_MAXFAT	(1u << 20)	/* FAT sectors (64 GiB at 512 B) */

struct ole {
	const struct cv_src *s;
	uint64_t off, lim;
	unsigned shift;
	uint32_t ss;		/* sector size */
	uint32_t epf;		/* FAT entries per sector */
	uint32_t *fat;		/* FAT sector numbers */
	uint32_t nfat;
	uint64_t nsec;		/* sectors in the file (FAT in use) */
};

static uint64_t
sec_off(const struct ole *o, uint32_t sec)
{
	return o->off + ((uint64_t)sec + 1) * o->ss;
}

/* FAT entry of sector sec, or -1. */
static int
fat_get(const struct ole *o, uint32_t sec, uint32_t *val)
{
	unsigned char b[4];
	uint32_t fs = sec / o->epf;

	if (fs >= o->nfat || cv_read(o->s, sec_off(o, o->fat[fs]) +
	    (uint64_t)(sec % o->epf) * 4, b, 4) != 0)
		return -1;
	*val = cv_le32(b);
	return 0;
}

/* The directory name of entry e as ASCII (non-ASCII as '?'). */
static void
dir_name(const unsigned char *e, char *out)
{
	unsigned n = cv_le16(e + 64), i;

	if (n > 64)
		n = 64;
	for (i = 0; i + 1 < n / 2 + 1 && i < 31; i++) {
		uint16_t c = cv_le16(e + 2 * i);

		if (c == 0)
			break;
		out[i] = c < 0x80 ? (char)c : '?';
	}
	out[i] = '\0';
}

static enum cv_status
ole_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	static const unsigned char magic[8] = {
		0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1
	};
	struct ole o;
	unsigned char h[512], *sec = NULL;
	uint64_t maxsec, end, steps;
	uint32_t i, j, v, d, ndifat, next, nent, maxused = 0;
	int used = 0, root = 0, doc = 0, xls = 0, ppt = 0, msg = 0;
	enum cv_status st;
	char name[32];

	memset(r, 0, sizeof(*r));
	memset(&o, 0, sizeof(o));
	o.s = s;
	o.off = off;
	o.lim = vd_limit(s, off, max);
	if (o.lim - off < 512 || cv_read(s, off, h, 512) != 0)
		return vd_answer(r, CV_NO, 0);
	if (memcmp(h, magic, 8) != 0 || cv_le16(h + 28) != 0xfffe ||
	    cv_le16(h + 32) != 6 || cv_le32(h + 56) != 4096)
		return vd_answer(r, CV_NO, 0);
	o.shift = cv_le16(h + 30);
	if (!((cv_le16(h + 26) == 3 && o.shift == 9) ||
	    (cv_le16(h + 26) == 4 && o.shift == 12)))
		return vd_answer(r, CV_NO, 0);
	o.ss = 1u << o.shift;
	o.epf = o.ss / 4;
	o.nfat = cv_le32(h + 44);
	ndifat = cv_le32(h + 72);
	maxsec = max / o.ss;		/* sectors the cap allows */
	if (o.nfat == 0 || o.nfat > maxsec / o.epf + 1 || o.nfat > OLE_MAXFAT ||
	    ndifat > o.nfat)
		return vd_answer(r, CV_NO, 0);
	if ((o.fat = calloc(o.nfat, sizeof(*o.fat))) == NULL ||
	    (sec = malloc(o.ss)) == NULL) {
		st = vd_answer(r, CV_NO, 0);
		goto out;
	}

	/* The FAT sector list: 109 in the header, then the DIFAT chain. */
	for (i = 0; i < o.nfat && i < 109; i++)
		o.fat[i] = cv_le32(h + 76 + 4 * i);
	for (d = cv_le32(h + 68), j = 0; i < o.nfat; j++) {
		if (j >= ndifat || d >= maxsec) {
			st = vd_answer(r, CV_CORRUPT, 512);
			goto out;
		}
		if (sec_off(&o, d) + o.ss > o.lim ||
		    cv_read(s, sec_off(&o, d), sec, o.ss) != 0) {
			st = vd_answer(r, CV_TRUNCATED, o.lim - off);
			goto out;
		}
		for (v = 0; v < o.epf - 1 && i < o.nfat; v++)
			o.fat[i++] = cv_le32(sec + 4 * v);
		d = cv_le32(sec + o.ss - 4);
	}

	/* The highest sector in use. */
	for (i = 0; i < o.nfat; i++) {
		if (o.fat[i] >= maxsec) {
			st = vd_answer(r, o.fat[i] <= MAXREGSECT ?
			    CV_TRUNCATED : CV_CORRUPT, o.fat[i] <= MAXREGSECT ?
			    o.lim - off : 512);
			goto out;
		}
		if (sec_off(&o, o.fat[i]) + o.ss > o.lim ||
		    cv_read(s, sec_off(&o, o.fat[i]), sec, o.ss) != 0) {
			st = vd_answer(r, CV_TRUNCATED, o.lim - off);
			goto out;
		}
		for (j = 0; j < o.epf; j++) {
			v = cv_le32(sec + 4 * j);
			if (v == FREESECT)
				continue;
			if (v < DIFSECT && v >= (uint64_t)o.nfat * o.epf) {
				st = vd_answer(r, CV_CORRUPT, 512);
				goto out;
			}
			maxused = i * o.epf + j;
			used = 1;
		}
	}
	if (!used) {
		st = vd_answer(r, CV_NO, 0);
		goto out;
	}
	o.nsec = (uint64_t)maxused + 1;
	for (i = 0; i < o.nfat; i++)
		if (o.fat[i] >= o.nsec || fat_get(&o, o.fat[i], &v) != 0 ||
		    v != FATSECT) {
			st = vd_answer(r, CV_CORRUPT, 512);
			goto out;
		}
	end = off + (o.nsec + 1) * o.ss;

	/* The directory chain. */
	nent = o.ss / 128;
	for (d = cv_le32(h + 48), steps = 0; d != ENDOFCHAIN; d = next) {
		if (d >= o.nsec || ++steps > o.nsec) {
			st = vd_answer(r, CV_CORRUPT, 512);
			goto out;
		}
		if (sec_off(&o, d) + o.ss > o.lim)
			break;		/* truncated: typed as far as seen */
		if (cv_read(s, sec_off(&o, d), sec, o.ss) != 0 ||
		    fat_get(&o, d, &next) != 0) {
			st = vd_answer(r, CV_TRUNCATED, o.lim - off);
			goto out;
		}
		for (j = 0; j < nent; j++) {
			const unsigned char *e = sec + 128 * j;

			if (steps == 1 && j == 0) {
				if (e[66] != 5) {
					st = vd_answer(r, CV_CORRUPT, 512);
					goto out;
				}
				root = 1;
				continue;
			}
			if (e[66] != 1 && e[66] != 2)
				continue;
			dir_name(e, name);
			if (strcmp(name, "WordDocument") == 0)
				doc = 1;
			else if (strcmp(name, "Workbook") == 0 ||
			    strcmp(name, "Book") == 0)
				xls = 1;
			else if (strcmp(name, "PowerPoint Document") == 0)
				ppt = 1;
			else if (strncmp(name, "__substg1.0_", 12) == 0 ||
			    strncmp(name, "__nameid_version1.0", 19) == 0)
				msg = 1;
		}
	}
	if (msg)
		r->type = r->ext = "msg";
	else if (doc)
		r->type = r->ext = "doc";
	else if (xls)
		r->type = r->ext = "xls";
	else if (ppt)
		r->type = r->ext = "ppt";
	if (end > o.lim)
		st = vd_answer(r, CV_TRUNCATED, o.lim - off);
	else if (!root)
		st = vd_answer(r, CV_CORRUPT, 512);
	else
		st = vd_answer(r, CV_COMPLETE, end - off);
out:
	free(sec);
	free(o.fat);
	return st;
}

static const unsigned char ole_magic[] = {
	0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1
};

const struct cv_format cv_fmt_ole = {
	.type = "ole",
	.ext = "ole",
	.descr = "OLE2 compound file (doc/xls/ppt/msg)",
	.magic = ole_magic,
	.magic_len = 8,
	.magic_off = 0,
	.max_size = 0,
	.validate = ole_validate,
};
