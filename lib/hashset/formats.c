/*
 * Hash-set parsers: detection by content, then one of NSRL RDS v3
 * (SQLite, opened read-only and immutable), hashdeep, md5sum / sha1sum
 * / sha256sum (GNU and BSD lines), plain hex lists, and Project VIC /
 * CAID VICS JSON (a streaming scanner: bounded memory whatever the file
 * size).  Each digest goes to a sink; nothing is kept here.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include <etk/hash.h>

#include "hashset/hashset_int.h"

const size_t hs_alglen[HS_NALG] = { 16, 20, 32 };
const unsigned hs_algbit[HS_NALG] = {
	ETK_DIGEST_MD5, ETK_DIGEST_SHA1, ETK_DIGEST_SHA256
};
const char *const hs_fmtname[HS_NFMT] = {
	"nsrl-rds3", "hashdeep", "md5sum", "sha1sum", "sha256sum", "hexlist",
	"vics"
};

#define LINE_MAX_BYTES	(1u << 20)	/* longest text line accepted */
#define JSON_MAX_DEPTH	64

/* Hex digit values, -1 for anything else: a table, since a branch per
 * digit mispredicts on random digests and dominated loading time. */
static const signed char hextab[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static int
hexval(int c)
{
	return hextab[c & 0xff];
}

int
hs_unhex(const char *s, size_t n, unsigned char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;
	int bad = 0, hi, lo;

	if (n % 2 != 0)
		return -1;
	for (i = 0; i < n; i += 2) {
		hi = hextab[u[i]];
		lo = hextab[u[i + 1]];
		bad |= hi | lo;
		out[i / 2] = (unsigned char)((unsigned)(hi & 15) << 4 |
		    (unsigned)(lo & 15));
	}
	return bad < 0 ? -1 : 0;
}

int
hs_slot_for_hexlen(size_t n)
{
	switch (n) {
	case 32:
		return HS_MD5;
	case 40:
		return HS_SHA1;
	case 64:
		return HS_SHA256;
	default:
		return -1;
	}
}

static int
allhex(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++)
		bad |= hextab[u[i]];
	return bad >= 0;
}

/* ---- line reader ---- */

int
hs_lines_init(struct hs_lines *lr, int fd)
{
	memset(lr, 0, sizeof(*lr));
	lr->fd = fd;
	lr->cap = 1u << 16;
	if ((lr->buf = malloc(lr->cap + 1)) == NULL)
		return -1;
	return 0;
}

void
hs_lines_release(struct hs_lines *lr)
{
	free(lr->buf);
	lr->buf = NULL;
}

int
hs_lines_next(struct hs_lines *lr, char **line, size_t *len,
    const char *name, struct etk_error *err)
{
	char *p, *nb;
	ssize_t n;
	size_t l;

	for (;;) {
		p = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
		if (p != NULL || (lr->eof && lr->start < lr->end)) {
			if (p == NULL)
				p = lr->buf + lr->end;
			*line = lr->buf + lr->start;
			l = (size_t)(p - *line);
			lr->start = (size_t)(p - lr->buf) +
			    (p < lr->buf + lr->end ? 1 : 0);
			*p = '\0';
			if (l > 0 && (*line)[l - 1] == '\r')
				(*line)[--l] = '\0';
			lr->lineno++;
			*len = l;
			if (memchr(*line, '\0', l) != NULL)
				return etk_fail(err, ETK_EFORMAT, 0,
				    "%s: line %" PRIu64 ": NUL byte (binary "
				    "data, not a hash set)", name, lr->lineno);
			return 1;
		}
		if (lr->eof)
			return 0;
		if (lr->start > 0) {
			memmove(lr->buf, lr->buf + lr->start,
			    lr->end - lr->start);
			lr->end -= lr->start;
			lr->start = 0;
		}
		if (lr->end == lr->cap) {
			if (lr->cap >= LINE_MAX_BYTES)
				return etk_fail(err, ETK_EFORMAT, 0,
				    "%s: line %" PRIu64 ": longer than %u "
				    "bytes", name, lr->lineno + 1,
				    LINE_MAX_BYTES);
			if ((nb = realloc(lr->buf, lr->cap * 2 + 1)) == NULL)
				return etk_fail(err, ETK_ENOMEM, errno, "%s",
				    name);
			lr->buf = nb;
			lr->cap *= 2;
		}
		n = pread(lr->fd, lr->buf + lr->end, lr->cap - lr->end,
		    (off_t)lr->off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return etk_fail(err, ETK_EIO, errno, "%s: read",
			    name);
		}
		if (n == 0)
			lr->eof = 1;
		lr->end += (size_t)n;
		lr->off += (uint64_t)n;
		if (lr->cap < LINE_MAX_BYTES && lr->end == lr->cap &&
		    lr->start == 0 && lr->cap < (1u << 20)) {
			/* grow early: big files read in 1 MiB chunks */
			if ((nb = realloc(lr->buf, (1u << 20) + 1)) != NULL) {
				lr->buf = nb;
				lr->cap = 1u << 20;
			}
		}
	}
}

/* ---- hashdeep ---- */

enum { COL_SIZE, COL_MD5, COL_SHA1, COL_SHA256, COL_TIGER, COL_WHIRLPOOL,
	COL_FILENAME };
#define MAXCOLS 8

static int
hd_column(const char *s, size_t n)
{
	static const struct { const char *name; int col; } tab[] = {
		{ "size", COL_SIZE }, { "md5", COL_MD5 }, { "sha1", COL_SHA1 },
		{ "sha256", COL_SHA256 }, { "tiger", COL_TIGER },
		{ "whirlpool", COL_WHIRLPOOL }, { "filename", COL_FILENAME }
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strlen(tab[i].name) == n &&
		    strncasecmp(tab[i].name, s, n) == 0)
			return tab[i].col;
	return -1;
}

static int
parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

int
hs_hashdeep_parse(struct hs_lines *lr, const char *name,
    int (*row)(void *, const struct hs_row *, struct etk_error *),
    void *arg, struct etk_error *err)
{
	static const size_t hexlen[] = { 0, 32, 40, 64, 48, 128, 0 };
	int cols[MAXCOLS], ncols = 0, state = 0, rc, c, i, slot;
	struct hs_row r;
	const char *p, *q, *end;
	char *line;
	size_t len;

	while ((rc = hs_lines_next(lr, &line, &len, name, err)) == 1) {
		if (len == 0 || strncmp(line, "##", 2) == 0)
			continue;
		if (strncmp(line, "%%%%", 4) == 0) {
			p = line + 4;
			while (*p == ' ')
				p++;
			if (strncmp(p, "HASHDEEP-1.0", 12) == 0) {
				state = 1;
				continue;
			}
			if (state == 0)
				break;
			/* column line */
			ncols = 0;
			end = line + len;
			while (p < end) {
				q = memchr(p, ',', (size_t)(end - p));
				if (q == NULL)
					q = end;
				if (ncols == MAXCOLS ||
				    (c = hd_column(p, (size_t)(q - p))) < 0)
					return etk_fail(err, ETK_EFORMAT, 0,
					    "%s: line %" PRIu64 ": unknown "
					    "hashdeep column '%.*s'", name,
					    lr->lineno, (int)(q - p) > 40 ? 40 :
					    (int)(q - p), p);
				cols[ncols++] = c;
				p = q < end ? q + 1 : q;
			}
			if (ncols < 2 || cols[ncols - 1] != COL_FILENAME)
				return etk_fail(err, ETK_EFORMAT, 0,
				    "%s: line %" PRIu64 ": the last hashdeep "
				    "column must be 'filename'", name,
				    lr->lineno);
			for (i = 0, c = 0; i < ncols - 1; i++)
				if (cols[i] == COL_FILENAME)
					c = -1;
				else if (cols[i] >= COL_MD5 &&
				    cols[i] <= COL_SHA256 && c >= 0)
					c = 1;
			if (c <= 0)
				return etk_fail(err, ETK_EFORMAT, 0,
				    "%s: line %" PRIu64 ": %s", name,
				    lr->lineno, c < 0 ? "'filename' twice" :
				    "no md5, sha1 or sha256 column");
			state = 2;
			continue;
		}
		if (state != 2)
			break;
		memset(&r, 0, sizeof(r));
		p = line;
		end = line + len;
		for (i = 0; i < ncols - 1; i++) {
			q = memchr(p, ',', (size_t)(end - p));
			if (q == NULL)
				return etk_fail(err, ETK_EFORMAT, 0,
				    "%s: line %" PRIu64 ": %d fields, want %d",
				    name, lr->lineno, i + 1, ncols);
			if (cols[i] == COL_SIZE) {
				if (parse_u64(p, (size_t)(q - p), &r.size) != 0)
					return etk_fail(err, ETK_EFORMAT, 0,
					    "%s: line %" PRIu64 ": bad size",
					    name, lr->lineno);
			} else if ((size_t)(q - p) != hexlen[cols[i]] ||
			    !allhex(p, (size_t)(q - p))) {
				return etk_fail(err, ETK_EFORMAT, 0,
				    "%s: line %" PRIu64 ": bad hex digest in "
				    "column %d (want %zu hex digits)", name,
				    lr->lineno, i + 1, hexlen[cols[i]]);
			} else if (cols[i] >= COL_MD5 &&
			    cols[i] <= COL_SHA256) {
				slot = cols[i] - COL_MD5;
				(void)hs_unhex(p, (size_t)(q - p), r.bin[slot]);
				r.mask |= hs_algbit[slot];
			}
			p = q + 1;
		}
		if (p == end)
			return etk_fail(err, ETK_EFORMAT, 0,
			    "%s: line %" PRIu64 ": empty file name", name,
			    lr->lineno);
		r.name = p;
		r.namelen = (size_t)(end - p);
		if ((rc = row(arg, &r, err)) != ETK_OK)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (rc == 1 || state == 0)
		return etk_fail(err, ETK_EFORMAT, 0,
		    "%s: line %" PRIu64 ": %s", name, lr->lineno,
		    state == 0 ? "not a hashdeep file (no '%%%% HASHDEEP-1.0' "
		    "header)" : "data before the '%%%% size,...' column line");
	if (state != 2)
		return etk_fail(err, ETK_EFORMAT, 0,
		    "%s: line %" PRIu64 ": no '%%%% size,...' column line",
		    name, lr->lineno);
	return ETK_OK;
}

static int
hd_row_to_sink(void *arg, const struct hs_row *r, struct etk_error *err)
{
	struct hs_sink *sink = arg;
	int s, rc;

	for (s = 0; s < HS_NALG; s++)
		if ((r->mask & hs_algbit[s]) &&
		    (rc = sink->add(sink->arg, s, r->bin[s], err)) != ETK_OK)
			return rc;
	return ETK_OK;
}

/* ---- md5sum / sha*sum / BSD / plain hex ---- */

enum { TL_SKIP = 0, TL_BARE, TL_SUM, TL_BAD };

/* Classify one text line; on TL_BARE/TL_SUM *slot and bin are set, on
 * TL_BAD *why says what is wrong. */
static int
text_line(const char *line, size_t len, int *slot, unsigned char *bin,
    const char **why)
{
	static const struct { const char *name; int slot; } bsd[] = {
		{ "MD5", HS_MD5 }, { "SHA1", HS_SHA1 }, { "SHA-1", HS_SHA1 },
		{ "SHA256", HS_SHA256 }, { "SHA-256", HS_SHA256 },
		{ "SHA2-256", HS_SHA256 }
	};
	const char *p = line, *end = line + len, *q;
	size_t n, i;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (p == end || *p == '#')
		return TL_SKIP;
	/* BSD: "ALG (name) = HEX" */
	q = memchr(p, ' ', (size_t)(end - p));
	if (q != NULL && q + 1 < end && q[1] == '(' && !allhex(p,
	    (size_t)(q - p))) {
		for (i = 0; i < sizeof(bsd) / sizeof(bsd[0]); i++)
			if (strlen(bsd[i].name) == (size_t)(q - p) &&
			    strncasecmp(bsd[i].name, p, (size_t)(q - p)) == 0)
				break;
		if (i == sizeof(bsd) / sizeof(bsd[0])) {
			*why = "unknown algorithm in BSD-style line";
			return TL_BAD;
		}
		for (q = end; q > p + 4; q--)
			if (strncmp(q - 4, ") = ", 4) == 0)
				break;
		if (q <= p + 4) {
			*why = "BSD-style line without ') = '";
			return TL_BAD;
		}
		n = (size_t)(end - q);
		if (n != hs_alglen[bsd[i].slot] * 2 || hs_unhex(q, n, bin)) {
			*why = "bad hex digest";
			return TL_BAD;
		}
		*slot = bsd[i].slot;
		return TL_SUM;
	}
	if (*p == '\\')		/* GNU: escaped file name follows */
		p++;
	for (q = p; q < end && *q != ' ' && *q != '\t'; q++)
		;
	n = (size_t)(q - p);
	if (!allhex(p, n) || n == 0) {
		*why = "bad hex digest";
		return TL_BAD;
	}
	if ((*slot = hs_slot_for_hexlen(n)) < 0) {
		*why = "digest length is not 32, 40 or 64 hex digits";
		return TL_BAD;
	}
	(void)hs_unhex(p, n, bin);
	if (q == end)
		return TL_BARE;
	/* "HEX  name" or "HEX *name" */
	if (q + 2 <= end && q[0] == ' ' && (q[1] == ' ' || q[1] == '*') &&
	    q + 2 < end)
		return TL_SUM;
	*why = "expected 'HEX  name' or 'HEX *name'";
	return TL_BAD;
}

static int
parse_text(struct hs_lines *lr, const char *name, struct hs_sink *sink,
    int *fmt, struct etk_error *err)
{
	unsigned char bin[32];
	const char *why = "";
	char *line;
	size_t len;
	int rc, kind, slot = 0;

	*fmt = -1;
	while ((rc = hs_lines_next(lr, &line, &len, name, err)) == 1) {
		kind = text_line(line, len, &slot, bin, &why);
		if (kind == TL_SKIP)
			continue;
		if (kind == TL_BAD)
			return etk_fail(err, ETK_EFORMAT, 0,
			    "%s: line %" PRIu64 ": %s", name, lr->lineno,
			    why);
		if (*fmt < 0)
			*fmt = kind == TL_BARE ? HS_FMT_HEXLIST :
			    HS_FMT_MD5SUM + slot;
		if ((rc = sink->add(sink->arg, slot, bin, err)) != ETK_OK)
			return rc;
	}
	if (*fmt < 0)
		*fmt = HS_FMT_HEXLIST;
	return rc < 0 ? rc : ETK_OK;
}

/* ---- VICS JSON: streaming scanner ---- */

enum js_state {
	JS_VALUE, JS_KEY_OR_END, JS_KEY, JS_COLON, JS_COMMA_OR_END,
	JS_VALUE_OR_END, JS_STR, JS_ESC, JS_UHEX, JS_NUM, JS_LIT, JS_DONE
};

struct js {
	enum js_state st;
	char stack[JSON_MAX_DEPTH];
	int depth;
	int is_key;		/* string being read is a key */
	int key_slot;		/* slot of the last key, or -1 */
	int val_slot;		/* slot the current string value feeds */
	char cap[160];		/* captured string (keys, digest values) */
	size_t caplen;
	int captrunc;
	int unum;		/* \uXXXX digits read */
	unsigned uval;
	char num[64];
	size_t numlen;
	const char *lit;	/* "true", "false", "null" */
	size_t litpos;
	uint64_t line;
};

static int
key_slot(const char *k, size_t n, int trunc)
{
	static const struct { const char *name; int slot; } tab[] = {
		{ "md5", HS_MD5 }, { "sha1", HS_SHA1 }, { "sha-1", HS_SHA1 },
		{ "sha256", HS_SHA256 }, { "sha-256", HS_SHA256 }
	};
	size_t i;

	if (trunc)
		return -1;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strlen(tab[i].name) == n &&
		    strncasecmp(tab[i].name, k, n) == 0)
			return tab[i].slot;
	return -1;
}

static int
num_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		if (++i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}

static void
js_capture(struct js *j, int c)
{
	if (j->caplen < sizeof(j->cap))
		j->cap[j->caplen++] = (char)c;
	else
		j->captrunc = 1;
}

/* A value ended: move to the next state. */
static void
js_value_done(struct js *j)
{
	j->st = j->depth == 0 ? JS_DONE : JS_COMMA_OR_END;
}

#define JFAIL(...) etk_fail(err, ETK_EFORMAT, 0, __VA_ARGS__)

static int
js_string_done(struct js *j, const char *name, struct hs_sink *sink,
    struct etk_error *err)
{
	unsigned char bin[32];
	int slot;

	if (j->is_key) {
		j->key_slot = key_slot(j->cap, j->caplen, j->captrunc);
		j->st = JS_COLON;
		return ETK_OK;
	}
	slot = j->val_slot;
	js_value_done(j);
	if (slot < 0 || j->caplen == 0)
		return ETK_OK;
	if (j->captrunc || j->caplen != hs_alglen[slot] * 2 ||
	    hs_unhex(j->cap, j->caplen, bin) != 0)
		return JFAIL("%s: line %" PRIu64 ": bad %s digest (want %zu "
		    "hex digits)", name, j->line, slot == HS_MD5 ? "MD5" :
		    slot == HS_SHA1 ? "SHA1" : "SHA256", hs_alglen[slot] * 2);
	return sink->add(sink->arg, slot, bin, err);
}

static int
js_begin_value(struct js *j, int c, const char *name, struct etk_error *err)
{
	int slot = j->key_slot;

	j->key_slot = -1;
	/* a member value gets the member's slot; array elements none */
	j->val_slot = (j->depth > 0 && j->stack[j->depth - 1] == '{') ?
	    slot : -1;
	switch (c) {
	case '{':
	case '[':
		if (j->depth == JSON_MAX_DEPTH)
			return JFAIL("%s: line %" PRIu64 ": nested deeper "
			    "than %d", name, j->line, JSON_MAX_DEPTH);
		j->stack[j->depth++] = (char)c;
		j->st = c == '{' ? JS_KEY_OR_END : JS_VALUE_OR_END;
		return ETK_OK;
	case '"':
		j->is_key = 0;
		j->caplen = 0;
		j->captrunc = 0;
		j->st = JS_STR;
		return ETK_OK;
	case 't':
	case 'f':
	case 'n':
		j->lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
		j->litpos = 1;
		j->st = JS_LIT;
		return ETK_OK;
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			j->num[0] = (char)c;
			j->numlen = 1;
			j->st = JS_NUM;
			return ETK_OK;
		}
		return JFAIL("%s: line %" PRIu64 ": unexpected %s in JSON",
		    name, j->line, isprint(c) ? "character" : "byte");
	}
}

static int
js_close(struct js *j, int c, const char *name, struct etk_error *err)
{
	if (j->depth == 0 || j->stack[j->depth - 1] != (c == '}' ? '{' : '['))
		return JFAIL("%s: line %" PRIu64 ": unbalanced '%c'", name,
		    j->line, c);
	j->depth--;
	js_value_done(j);
	return ETK_OK;
}

static int
js_byte(struct js *j, int c, const char *name, struct hs_sink *sink,
    struct etk_error *err)
{
	int ws = c == ' ' || c == '\t' || c == '\n' || c == '\r', h;

again:
	switch (j->st) {
	case JS_VALUE:
		if (ws)
			return ETK_OK;
		return js_begin_value(j, c, name, err);
	case JS_VALUE_OR_END:
		if (ws)
			return ETK_OK;
		if (c == ']')
			return js_close(j, c, name, err);
		return js_begin_value(j, c, name, err);
	case JS_KEY_OR_END:
	case JS_KEY:
		if (ws)
			return ETK_OK;
		if (c == '}' && j->st == JS_KEY_OR_END)
			return js_close(j, c, name, err);
		if (c != '"')
			return JFAIL("%s: line %" PRIu64 ": expected a member "
			    "name", name, j->line);
		j->is_key = 1;
		j->caplen = 0;
		j->captrunc = 0;
		j->st = JS_STR;
		return ETK_OK;
	case JS_COLON:
		if (ws)
			return ETK_OK;
		if (c != ':')
			return JFAIL("%s: line %" PRIu64 ": expected ':'",
			    name, j->line);
		j->st = JS_VALUE;
		return ETK_OK;
	case JS_COMMA_OR_END:
		if (ws)
			return ETK_OK;
		if (c == ',') {
			j->st = j->stack[j->depth - 1] == '{' ? JS_KEY :
			    JS_VALUE;
			return ETK_OK;
		}
		if (c == '}' || c == ']')
			return js_close(j, c, name, err);
		return JFAIL("%s: line %" PRIu64 ": expected ',' or a closing "
		    "bracket", name, j->line);
	case JS_STR:
		if (c == '"')
			return js_string_done(j, name, sink, err);
		if (c == '\\') {
			j->st = JS_ESC;
			return ETK_OK;
		}
		if (c < 0x20)
			return JFAIL("%s: line %" PRIu64 ": control character "
			    "in string", name, j->line);
		js_capture(j, c);
		return ETK_OK;
	case JS_ESC:
		j->st = JS_STR;
		switch (c) {
		case '"': case '\\': case '/':
			js_capture(j, c);
			return ETK_OK;
		case 'b': case 'f': case 'n': case 'r': case 't':
			js_capture(j, ' ');
			return ETK_OK;
		case 'u':
			j->st = JS_UHEX;
			j->unum = 0;
			j->uval = 0;
			return ETK_OK;
		default:
			return JFAIL("%s: line %" PRIu64 ": bad escape in "
			    "string", name, j->line);
		}
	case JS_UHEX:
		if ((h = hexval(c)) < 0)
			return JFAIL("%s: line %" PRIu64 ": bad \\u escape",
			    name, j->line);
		j->uval = j->uval << 4 | (unsigned)h;
		if (++j->unum == 4) {
			js_capture(j, j->uval < 0x80 && j->uval >= 0x20 ?
			    (int)j->uval : '?');
			j->st = JS_STR;
		}
		return ETK_OK;
	case JS_NUM:
		if ((c >= '0' && c <= '9') || c == '.' || c == 'e' ||
		    c == 'E' || c == '+' || c == '-') {
			if (j->numlen == sizeof(j->num))
				return JFAIL("%s: line %" PRIu64 ": number "
				    "too long", name, j->line);
			j->num[j->numlen++] = (char)c;
			return ETK_OK;
		}
		if (!num_ok(j->num, j->numlen))
			return JFAIL("%s: line %" PRIu64 ": bad number", name,
			    j->line);
		js_value_done(j);
		goto again;
	case JS_LIT:
		if (c != j->lit[j->litpos])
			return JFAIL("%s: line %" PRIu64 ": bad literal "
			    "(want '%s')", name, j->line, j->lit);
		if (j->lit[++j->litpos] == '\0')
			js_value_done(j);
		return ETK_OK;
	case JS_DONE:
		if (ws)
			return ETK_OK;
		return JFAIL("%s: line %" PRIu64 ": data after the JSON "
		    "value", name, j->line);
	}
	return ETK_EINVAL;
}

static int
parse_vics(int fd, const char *name, struct hs_sink *sink,
    struct etk_error *err)
{
	struct js j;
	unsigned char *buf;
	uint64_t off = 0;
	ssize_t n, i;
	int rc = ETK_OK;

	memset(&j, 0, sizeof(j));
	j.st = JS_VALUE;
	j.key_slot = -1;
	j.val_slot = -1;
	j.line = 1;
	if ((buf = malloc(1u << 20)) == NULL)
		return etk_fail(err, ETK_ENOMEM, errno, "%s", name);
	for (;;) {
		n = pread(fd, buf, 1u << 20, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = etk_fail(err, ETK_EIO, errno, "%s: read", name);
			break;
		}
		if (n == 0)
			break;
		i = 0;
		if (off == 0 && n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
			i = 3;		/* UTF-8 byte order mark */
		for (; i < n; i++) {
			if ((rc = js_byte(&j, buf[i], name, sink, err)) !=
			    ETK_OK)
				goto out;
			if (buf[i] == '\n')
				j.line++;
		}
		off += (uint64_t)n;
	}
	if (j.st == JS_NUM) {
		if (!num_ok(j.num, j.numlen))
			rc = JFAIL("%s: line %" PRIu64 ": bad number", name,
			    j.line);
		else
			js_value_done(&j);
	}
	if (rc == ETK_OK && j.st != JS_DONE)
		rc = JFAIL("%s: line %" PRIu64 ": unexpected end of JSON "
		    "(truncated)", name, j.line);
out:
	free(buf);
	return rc;
}

/* ---- NSRL RDS v3 (SQLite) ---- */

static char *
sqlite_uri(const char *path)
{
	static const char hexd[] = "0123456789ABCDEF";
	size_t n = strlen(path), i, o = 0;
	unsigned char c;
	char *u;

	if ((u = malloc(n * 3 + 32)) == NULL)
		return NULL;
	memcpy(u, "file:", 5);
	o = 5;
	for (i = 0; i < n; i++) {
		c = (unsigned char)path[i];
		if (isalnum(c) || c == '/' || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			u[o++] = (char)c;
		} else {
			u[o++] = '%';
			u[o++] = hexd[c >> 4];
			u[o++] = hexd[c & 15];
		}
	}
	memcpy(u + o, "?immutable=1", 13);
	return u;
}

/* Which of md5/sha1/sha256 the table or view has (bit per slot). */
static unsigned
nsrl_columns(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st = NULL;
	unsigned m = 0;
	char q[128];
	const char *c;
	int s;

	snprintf(q, sizeof(q), "PRAGMA table_info(\"%s\")", table);
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if ((c = (const char *)sqlite3_column_text(st, 1)) == NULL)
			continue;
		for (s = 0; s < HS_NALG; s++)
			if (strcasecmp(c, s == HS_MD5 ? "md5" : s == HS_SHA1 ?
			    "sha1" : "sha256") == 0)
				m |= 1u << s;
	}
	sqlite3_finalize(st);
	return m;
}

/* type of the schema object named name (case-insensitive): 't'able,
 * 'v'iew or 0. */
static int
nsrl_object(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	const char *t;
	int r = 0;

	if (sqlite3_prepare_v2(db, "SELECT type FROM sqlite_master WHERE "
	    "name = ?1 COLLATE NOCASE AND type IN ('table','view')", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (t = (const char *)sqlite3_column_text(st, 0)) != NULL)
		r = t[0];
	sqlite3_finalize(st);
	return r;
}

static int
parse_nsrl(const char *path, const char *name, struct hs_sink *sink,
    struct etk_error *err)
{
	static const char *const colname[HS_NALG] = { "md5", "sha1", "sha256" };
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const char *table = NULL, *v;
	unsigned char bin[32];
	unsigned cols = 0;
	uint64_t rowno;
	char *uri, q[128];
	int rc = ETK_OK, s, src, n;

	if ((uri = sqlite_uri(path)) == NULL)
		return etk_fail(err, ETK_ENOMEM, errno, "%s", name);
	src = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_URI, NULL);
	free(uri);
	if (src != SQLITE_OK) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "%s: SQLite: %s", name,
		    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(src));
		goto out;
	}
	/* FILE is a table in the "minimal" sets and a view over METADATA
	 * in the full ones: scan the base table when it has the hashes. */
	if (nsrl_object(db, "FILE") == 't')
		table = "FILE";
	else if ((cols = nsrl_columns(db, "METADATA")) != 0 &&
	    nsrl_object(db, "METADATA") == 't')
		table = "METADATA";
	else if (nsrl_object(db, "FILE") == 'v')
		table = "FILE";
	else if (nsrl_object(db, "DISTINCT_HASH") != 0)
		table = "DISTINCT_HASH";
	if (table != NULL)
		cols = nsrl_columns(db, table);
	if (table == NULL || cols == 0) {
		const char *m = sqlite3_errmsg(db);

		rc = etk_fail(err, ETK_EFORMAT, 0, "%s: %s", name,
		    m != NULL && strcmp(m, "not an error") != 0 ? m :
		    "not an NSRL RDS v3 database (no FILE table with md5, "
		    "sha1 or sha256 columns)");
		goto out;
	}
	for (s = 0; s < HS_NALG && rc == ETK_OK; s++) {
		if (!(cols & (1u << s)))
			continue;
		snprintf(q, sizeof(q), "SELECT \"%s\" FROM \"%s\"",
		    colname[s], table);
		if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
			rc = etk_fail(err, ETK_EFORMAT, 0, "%s: table %s: %s",
			    name, table, sqlite3_errmsg(db));
			break;
		}
		rowno = 0;
		while ((src = sqlite3_step(st)) == SQLITE_ROW) {
			rowno++;
			v = (const char *)sqlite3_column_text(st, 0);
			n = sqlite3_column_bytes(st, 0);
			if (v == NULL || n == 0)
				continue;	/* crc32-style empty column */
			if ((size_t)n != hs_alglen[s] * 2 ||
			    hs_unhex(v, (size_t)n, bin) != 0) {
				rc = etk_fail(err, ETK_EFORMAT, 0, "%s: table "
				    "%s: row %" PRIu64 ": bad %s '%.*s'", name,
				    table, rowno, colname[s], n > 70 ? 70 : n,
				    v);
				break;
			}
			if ((rc = sink->add(sink->arg, s, bin, err)) != ETK_OK)
				break;
		}
		if (rc == ETK_OK && src != SQLITE_DONE)
			rc = etk_fail(err, ETK_EFORMAT, 0, "%s: table %s: %s",
			    name, table, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		st = NULL;
	}
out:
	sqlite3_close(db);
	return rc;
}

/* ---- detection ---- */

int
hs_parse(int fd, const char *path, const char *name, struct hs_sink *sink,
    int *fmt, struct etk_error *err)
{
	unsigned char head[512];
	struct hs_lines lr;
	ssize_t n;
	size_t i = 0;
	int rc;

	do
		n = pread(fd, head, sizeof(head), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return etk_fail(err, ETK_EIO, errno, "%s: read", name);
	if (n >= 16 && memcmp(head, "SQLite format 3", 16) == 0) {
		*fmt = HS_FMT_NSRL;
		return parse_nsrl(path, name, sink, err);
	}
	if (n >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < (size_t)n && isspace(head[i]))
		i++;
	if (i < (size_t)n && (head[i] == '{' || head[i] == '[')) {
		*fmt = HS_FMT_VICS;
		return parse_vics(fd, name, sink, err);
	}
	if (hs_lines_init(&lr, fd) != 0)
		return etk_fail(err, ETK_ENOMEM, errno, "%s", name);
	if ((size_t)n - i >= 4 && memcmp(head + i, "%%%%", 4) == 0) {
		*fmt = HS_FMT_HASHDEEP;
		rc = hs_hashdeep_parse(&lr, name, hd_row_to_sink, sink, err);
	} else
		rc = parse_text(&lr, name, sink, fmt, err);
	hs_lines_release(&lr);
	return rc;
}
