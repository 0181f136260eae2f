/*
 * PE (Windows .exe/.dll/.sys, EFI applications) validator: the MZ
 * header's e_lfanew pointing at "PE\0\0", a known machine, 1-96
 * sections, an optional header of its magic (PE32 0x10b, PE32+ 0x20b)
 * with a power-of-two file alignment and headers that hold the section
 * table, every section's raw data inside 4 GiB.  The file ends at the
 * furthest of: the headers, each section's raw data, the COFF symbol
 * and string tables, and the certificate table (Authenticode, appended
 * last: its WIN_CERTIFICATE entries are walked).  Data a program keeps
 * after all of them (an installer's payload, an overlay) is not part of
 * the structure and is left out.
 */
#include <string.h>

#include "carve/v_docs.h"

static int
pe_machine(unsigned m)
{
	switch (m) {
	case 0x14c:	/* i386 */
	case 0x8664:	/* AMD64 */
	case 0x1c0:	/* ARM */
	case 0x1c2:	/* Thumb */
	case 0x1c4:	/* ARMv7 */
	case 0xaa64:	/* ARM64 */
	case 0x200:	/* IA-64 */
	case 0xebc:	/* EFI byte code */
	case 0x5064:	/* RISC-V 64 */
		return 1;
	}
	return 0;
}

static enum cv_status
pe_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct cv_src ws;
	unsigned char h[64], c[24 + 240], sec[40];
	uint64_t lim, end, e, lfa, soh, st, nsec, i, fa, hdrs;
	uint64_t cert, certsz, p;
	unsigned magic, ddoff, nrva, sub, chars;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	ws = *s;		/* no read past lim (the cap) */
	ws.end = lim;
	s = &ws;
	if (lim - off < 64 || cv_read(s, off, h, 64) != 0 ||
	    h[0] != 'M' || h[1] != 'Z')
		return vd_answer(r, CV_NO, 0);
	lfa = cv_le32(h + 60);
	if (lfa < 64 || lfa > 0x4000 || lfa % 4 != 0)
		return vd_answer(r, CV_NO, 0);
	if (cv_read(s, off + lfa, c, 24 + 96) != 0)
		return vd_answer(r, off + lfa + 24 + 96 > lim &&
		    lim < off + max ? CV_TRUNCATED : CV_NO, lim - off);
	if (memcmp(c, "PE\0\0", 4) != 0 || !pe_machine(cv_le16(c + 4)))
		return vd_answer(r, CV_NO, 0);
	nsec = cv_le16(c + 6);
	soh = cv_le16(c + 20);
	chars = cv_le16(c + 22);
	magic = cv_le16(c + 24);
	if (nsec == 0 || nsec > 96 || !(chars & 2) ||
	    (magic != 0x10b && magic != 0x20b))
		return vd_answer(r, CV_NO, 0);
	ddoff = magic == 0x10b ? 96 : 112;
	if (soh < ddoff || soh > 240)
		return vd_answer(r, CV_NO, 0);
	if (cv_read(s, off + lfa + 24, c + 24, (size_t)soh) != 0)
		return vd_answer(r, CV_TRUNCATED, lim - off);
	fa = cv_le32(c + 24 + 36);
	hdrs = cv_le32(c + 24 + 60);
	sub = cv_le16(c + 24 + 68);
	nrva = cv_le32(c + 24 + ddoff - 4);
	st = lfa + 24 + soh;			/* the section table */
	if (fa < 16 || fa > 65536 || (fa & (fa - 1)) != 0 ||
	    hdrs < st + nsec * 40 || hdrs > 0x100000 ||
	    nrva > 16 || ddoff + nrva * 8 > soh)
		return vd_answer(r, CV_NO, 0);
	end = hdrs;
	for (i = 0; i < nsec; i++) {
		if (cv_read(s, off + st + i * 40, sec, 40) != 0)
			return vd_answer(r, CV_TRUNCATED, lim - off);
		p = cv_le32(sec + 20);
		e = p + cv_le32(sec + 16);
		if (cv_le32(sec + 16) == 0 || p == 0)
			continue;
		if (p < st + nsec * 40 || e > 0xffffffffu)
			return vd_answer(r, CV_NO, 0);
		if (e > end)
			end = e;
	}
	/* the COFF symbol table and its string table (MinGW) */
	p = cv_le32(c + 12);
	if (p != 0 && cv_le32(c + 16) != 0) {
		e = p + (uint64_t)cv_le32(c + 16) * 18;
		if (cv_read(s, off + e, h, 4) == 0 && cv_le32(h) >= 4 &&
		    cv_le32(h) < 0x10000000u) {
			e += cv_le32(h);
			if (e > end)
				end = e;
		}
	}
	if (end > lim - off)
		return vd_answer(r, CV_TRUNCATED, lim - off);
	/* the certificate table: a file offset, not an address */
	if (nrva > 4) {
		cert = cv_le32(c + 24 + ddoff + 32);
		certsz = cv_le32(c + 24 + ddoff + 36);
		if (certsz != 0 && cert >= hdrs) {
			for (p = cert; p < cert + certsz; ) {
				if (cv_read(s, off + p, h, 8) != 0)
					return vd_answer(r, CV_TRUNCATED,
					    lim - off);
				e = cv_le32(h);
				if (e < 8 || e > cert + certsz - p ||
				    (cv_le16(h + 4) != 0x100 &&
				    cv_le16(h + 4) != 0x200))
					break;
				p += (e + 7) & ~(uint64_t)7;
			}
			if (p < cert + certsz)
				return vd_answer(r, CV_CORRUPT, end < cert ?
				    end : cert);
			if (cert + certsz > end)
				end = cert + certsz;
		}
	}
	r->ext = (chars & 0x2000) ? "dll" : sub >= 10 && sub <= 13 ? "efi" :
	    sub == 1 ? "sys" : "exe";
	if (end > lim - off)
		return vd_answer(r, CV_TRUNCATED, lim - off);
	return vd_answer(r, CV_COMPLETE, end);
}

static const unsigned char pe_magic[] = { 'M', 'Z' };

const struct cv_format cv_fmt_pe = {
	.type = "pe",
	.ext = "exe",
	.descr = "Windows executable or DLL (PE headers, sections, symbol "
	    "and certificate tables)",
	.magic = pe_magic,
	.magic_len = sizeof(pe_magic),
	.magic_off = 0,
	.max_size = 0,
	.validate = pe_validate,
};
