/*
 * RTF: "{\rtfN", then brace matching to the close of the outer group.
 * Backslash escapes (\{ \} \\) and \binN binary runs are skipped; a NUL
 * byte outside a binary run breaks the structure.  The file ends after
 * the closing brace and one optional line end.
 */
#include <string.h>

#include "carve/v_docs.h"

#define RTF_MAXDEPTH	100000
#define RTF_EARLY	64	/* broken this soon: not RTF at all */

static int
special(unsigned char c)
{
	return c == '{' || c == '}' || c == '\\' || c == '\0';
}

static enum cv_status
rtf_validate(const struct cv_src *s, uint64_t off, uint64_t max,
    struct cv_result *r)
{
	struct vd_rd rd;
	const unsigned char *p;
	uint64_t pos, n;
	size_t av, k;
	unsigned depth = 0;
	enum cv_status st;

	memset(r, 0, sizeof(*r));
	if (vd_open(&rd, s, vd_limit(s, off, max)) != 0)
		return vd_answer(r, CV_NO, 0);
	p = vd_at(&rd, off, 6, &av);
	if (av < 6 || memcmp(p, "{\\rtf", 5) != 0 || p[5] < '0' ||
	    p[5] > '9') {
		st = vd_answer(r, CV_NO, 0);
		goto out;
	}
	for (pos = off;;) {
		p = vd_at(&rd, pos, 32, &av);
		if (av == 0) {
			st = vd_answer(r, CV_TRUNCATED, rd.lim - off);
			goto out;
		}
		for (k = 0; k < av && !special(p[k]); k++)
			;
		if (k > 0) {
			pos += k;	/* plain text */
			continue;
		}
		switch (p[0]) {
		case '{':
			if (++depth > RTF_MAXDEPTH)
				goto broken;
			pos++;
			break;
		case '}':
			pos++;
			if (--depth > 0)
				break;
			p = vd_at(&rd, pos, 2, &av);
			if (av >= 1 && p[0] == '\r')
				pos++, p++, av--;
			if (av >= 1 && p[0] == '\n')
				pos++;
			st = vd_answer(r, CV_COMPLETE, pos - off);
			goto out;
		case '\0':
			goto broken;
		case '\\':
			if (av < 2)
				pos++;
			else if (av >= 5 && memcmp(p, "\\bin", 4) == 0 &&
			    p[4] >= '0' && p[4] <= '9') {
				for (n = 0, k = 4; k < av && k < 14 &&
				    p[k] >= '0' && p[k] <= '9'; k++)
					n = n * 10 + (uint64_t)(p[k] - '0');
				if (k == av) {
					st = vd_answer(r, CV_TRUNCATED,
					    rd.lim - off);
					goto out;
				}
				if (k == 14)
					goto broken;
				if (p[k] == ' ')
					k++;
				pos += k;
				if (n > rd.lim - pos) {
					st = vd_answer(r, CV_TRUNCATED,
					    rd.lim - off);
					goto out;
				}
				pos += n;
			} else
				pos += 2;
			break;
		default:
			pos++;
		}
	}
broken:
	if (pos - off < RTF_EARLY)
		st = vd_answer(r, CV_NO, 0);
	else
		st = vd_answer(r, CV_CORRUPT, pos - off);
out:
	vd_close(&rd);
	return st;
}

static const unsigned char rtf_magic[] = "{\\rtf";

const struct cv_format cv_fmt_rtf = {
	.type = "rtf",
	.ext = "rtf",
	.descr = "Rich Text Format document",
	.magic = rtf_magic,
	.magic_len = 5,
	.magic_off = 0,
	.max_size = 0,
	.validate = rtf_validate,
};
