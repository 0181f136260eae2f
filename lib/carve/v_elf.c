/*
 * ELF (Linux/Android executables, shared objects, object files)
 * validator: the identification (class, data encoding, version 1, zero
 * padding), a known file type, version 1, header sizes of the class,
 * then the program headers (each segment's file bytes) and the section
 * headers (a null section 0, known section types, the name table a
 * string table, each section's bytes unless it is NOBITS).  The file
 * ends at the furthest of all of them (usually the section header
 * table, written last).
 */
#include <string.h>

#include "carve/v_docs.h"

#define ELF_MAXPH	4096
#define ELF_MAXSH	32768

struct elf_rd {
	int be, is64;
};

static uint64_t
elf_u(const struct elf_rd *e, const unsigned char *p, unsigned n)
{
	if (n == 2)
		return e->be ? cv_be16(p) : cv_le16(p);
	if (n == 4)
		return e->be ? cv_be32(p) : cv_le32(p);
	return e->be ? cv_be64(p) : cv_le64(p);
}

static int
elf_shtype(uint32_t t)
{
	return t <= 19 || t >= 0x60000000u;
}

static enum cv_status
elf_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct cv_src ws;
	unsigned char h[64], b[64];
	struct elf_rd e;
	uint64_t lim, end, phoff, shoff, o, sz, i;
	unsigned type, ehsize, phes, phn, shes, shn, shstr, w;
	int interp = 0;
	static const unsigned char zero[64];

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	ws = *s;		/* no read past lim (the cap) */
	ws.end = lim;
	s = &ws;
	if (lim - off < 52 || cv_read(s, off, h, 52) != 0 ||
	    memcmp(h, "\x7f" "ELF", 4) != 0 || h[4] < 1 || h[4] > 2 ||
	    h[5] < 1 || h[5] > 2 || h[6] != 1 ||
	    memcmp(h + 9, zero, 7) != 0)
		return vd_answer(r, CV_NO, 0);
	e.is64 = h[4] == 2;
	e.be = h[5] == 2;
	w = e.is64 ? 8 : 4;
	if (e.is64 && cv_read(s, off, h, 64) != 0)
		return vd_answer(r, CV_TRUNCATED, lim - off);
	type = (unsigned)elf_u(&e, h + 16, 2);
	if (type < 1 || type > 4 || elf_u(&e, h + 18, 2) == 0 ||
	    elf_u(&e, h + 20, 4) != 1)
		return vd_answer(r, CV_NO, 0);
	phoff = elf_u(&e, h + 24 + w, w);
	shoff = elf_u(&e, h + 24 + 2 * w, w);
	o = 24 + 3 * w + 4;			/* e_ehsize */
	ehsize = (unsigned)elf_u(&e, h + o, 2);
	phes = (unsigned)elf_u(&e, h + o + 2, 2);
	phn = (unsigned)elf_u(&e, h + o + 4, 2);
	shes = (unsigned)elf_u(&e, h + o + 6, 2);
	shn = (unsigned)elf_u(&e, h + o + 8, 2);
	shstr = (unsigned)elf_u(&e, h + o + 10, 2);
	if (ehsize != (e.is64 ? 64 : 52) ||
	    (phn > 0 && (phes != (e.is64 ? 56u : 32u) || phoff < ehsize)) ||
	    (shn > 0 && (shes != (e.is64 ? 64u : 40u) || shoff < ehsize ||
	    shstr >= shn)) || phn > ELF_MAXPH || shn > ELF_MAXSH ||
	    (phn == 0 && shn == 0) || phoff > (uint64_t)1 << 40 ||
	    shoff > (uint64_t)1 << 40)
		return vd_answer(r, CV_NO, 0);
	end = ehsize;
	if (phn > 0 && phoff + (uint64_t)phn * phes > end)
		end = phoff + (uint64_t)phn * phes;
	if (shn > 0 && shoff + (uint64_t)shn * shes > end)
		end = shoff + (uint64_t)shn * shes;
	if (end > lim - off)
		return vd_answer(r, CV_TRUNCATED, lim - off);
	for (i = 0; i < phn; i++) {
		if (cv_read(s, off + phoff + i * phes, b, phes) != 0)
			return vd_answer(r, CV_TRUNCATED, lim - off);
		if (elf_u(&e, b, 4) == 3)
			interp = 1;
		o = e.is64 ? elf_u(&e, b + 8, 8) : elf_u(&e, b + 4, 4);
		sz = e.is64 ? elf_u(&e, b + 32, 8) : elf_u(&e, b + 16, 4);
		if (o > (uint64_t)1 << 40 || sz > (uint64_t)1 << 40)
			return vd_answer(r, CV_NO, 0);
		if (o + sz > end)
			end = o + sz;
	}
	for (i = 0; i < shn; i++) {
		if (cv_read(s, off + shoff + i * shes, b, shes) != 0)
			return vd_answer(r, CV_TRUNCATED, lim - off);
		if (i == 0) {
			if (memcmp(b, zero, shes) != 0)
				return vd_answer(r, CV_NO, 0);
			continue;
		}
		if (!elf_shtype((uint32_t)elf_u(&e, b + 4, 4)) ||
		    (i == shstr && elf_u(&e, b + 4, 4) != 3))
			return vd_answer(r, CV_NO, 0);
		if (elf_u(&e, b + 4, 4) == 8)		/* NOBITS */
			continue;
		o = elf_u(&e, b + 8 + 2 * w, w);
		sz = elf_u(&e, b + 8 + 3 * w, w);
		if (o > (uint64_t)1 << 40 || sz > (uint64_t)1 << 40)
			return vd_answer(r, CV_NO, 0);
		if (o + sz > end)
			end = o + sz;
	}
	r->ext = type == 1 ? "o" : type == 4 ? "core" :
	    type == 3 && !interp ? "so" : NULL;
	if (end > lim - off)
		return vd_answer(r, CV_TRUNCATED, lim - off);
	return vd_answer(r, CV_COMPLETE, end);
}

static const unsigned char elf_magic[] = { 0x7f, 'E', 'L', 'F' };

const struct cv_format cv_fmt_elf = {
	.type = "elf",
	.ext = "elf",
	.descr = "ELF executable, shared object or object file (program "
	    "and section headers)",
	.magic = elf_magic,
	.magic_len = sizeof(elf_magic),
	.magic_off = 0,
	.max_size = 0,
	.validate = elf_validate,
};
