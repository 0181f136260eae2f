/*
 * Windows registry hive validator (NTUSER.DAT, SOFTWARE, SYSTEM,
 * Amcache.hve, ...): the 4 KiB base block ("regf", major version 1,
 * minor 2-6, a primary file (type 0) in direct memory load format (1),
 * the XOR-32 checksum of its first 508 bytes), then the hive bins from
 * offset 4096: each "hbin" with its offset from the first bin and a size
 * that is a multiple of 4096, until the base block's hive bins data size
 * is reached.  The file ends there; a bin that is not one before it is
 * CORRUPT there.  (Transaction logs, type 1/2/6, are not walked.)
 */
#include <string.h>

#include "carve/v_docs.h"

#define REGF_BIN	4096u

static enum cv_status
regf_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct cv_src ws;
	unsigned char h[512], b[12];
	uint64_t lim, size, pos;
	uint32_t x, bs;
	unsigned i;

	memset(r, 0, sizeof(*r));
	lim = vd_limit(s, off, max);
	ws = *s;		/* no read past lim (the cap) */
	ws.end = lim;
	s = &ws;
	/* (the anchor is two bytes: the rest of the magic first) */
	if (lim - off < 512 || cv_read(s, off, h, 4) != 0 ||
	    memcmp(h, "regf", 4) != 0 || cv_read(s, off, h, 512) != 0 ||
	    cv_le32(h + 20) != 1 ||
	    cv_le32(h + 24) < 2 || cv_le32(h + 24) > 6 ||
	    cv_le32(h + 28) != 0 || cv_le32(h + 32) != 1)
		return vd_answer(r, CV_NO, 0);
	for (x = 0, i = 0; i < 508; i += 4)
		x ^= cv_le32(h + i);
	if (x == 0xffffffffu)
		x = 0xfffffffeu;
	else if (x == 0)
		x = 1;
	size = cv_le32(h + 40);
	if (x != cv_le32(h + 508) || size == 0 || size % REGF_BIN != 0)
		return vd_answer(r, CV_NO, 0);
	for (pos = 0; pos < size; pos += bs) {
		if (cv_read(s, off + REGF_BIN + pos, b, 12) != 0)
			return vd_answer(r, CV_TRUNCATED, lim - off);
		bs = cv_le32(b + 8);
		if (memcmp(b, "hbin", 4) != 0 || cv_le32(b + 4) != pos ||
		    bs == 0 || bs % REGF_BIN != 0 || bs > size - pos)
			return vd_answer(r, CV_CORRUPT, REGF_BIN + pos);
		if (off + REGF_BIN + pos + bs > lim)
			return vd_answer(r, CV_TRUNCATED, lim - off);
	}
	return vd_answer(r, CV_COMPLETE, REGF_BIN + size);
}

/* "gf" two bytes in: "re" starts too many words of text. */
static const unsigned char regf_magic[] = { 'g', 'f' };

const struct cv_format cv_fmt_regf = {
	.type = "regf",
	.ext = "hive",
	.descr = "Windows registry hive (base block checksum, hive bins)",
	.magic = regf_magic,
	.magic_len = sizeof(regf_magic),
	.magic_off = 2,
	.max_size = 0,
	.validate = regf_validate,
};
