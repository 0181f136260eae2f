/*
 * Locators: parse, format and percent-encode the strings that say where
 * bytes came from (include/etk/locator.h, man/etk-locator.7).
 *
 * The parser works on any NUL-terminated string: it either fills the
 * locator or returns ETK_EINVAL with the column of the first bad byte.
 * It never reads past the terminating NUL and leaves nothing allocated
 * on failure.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <etk/locator.h>

/* How much of a bad locator an error message quotes. */
#define SHOW_MAX 64

struct lparse {
	const char *s;		/* the whole input, for messages */
	size_t pos;		/* next byte to read */
	struct etk_error *err;
};

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_table_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    is_digit(c) || c == '_';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Bytes a path must percent-encode. */
static int
must_encode(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '%' || c == '!' || c == '#';
}

/* The input as an error message quotes it: at most SHOW_MAX bytes (cut
 * on a UTF-8 boundary, then "..."), control bytes shown as '?'. */
static void
show(const char *s, char *dst, size_t dstlen)
{
	size_t i, n;

	n = strlen(s);
	if (n > SHOW_MAX) {
		n = SHOW_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if (n > dstlen - 4)
		n = dstlen - 4;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (s[n] != '\0') {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

/* Fail with "bad locator 'S': column N: what".  at is a byte index. */
static int
bad(const struct lparse *p, size_t at, const char *fmt, ...)
    ETK_PRINTFLIKE(3, 4);

static int
bad(const struct lparse *p, size_t at, const char *fmt, ...)
{
	char shown[SHOW_MAX + 8], what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	show(p->s, shown, sizeof(shown));
	return etk_fail(p->err, ETK_EINVAL, 0,
	    "bad locator '%s': column %zu: %s", shown, at + 1, what);
}

static int
nomem(struct etk_error *err)
{
	return etk_fail(err, ETK_ENOMEM, ENOMEM, "locator");
}

/* A short description of the byte at i for messages. */
static void
describe(const char *s, size_t i, char *out, size_t outlen)
{
	unsigned char c = (unsigned char)s[i];

	if (c == '\0')
		snprintf(out, outlen, "end of locator");
	else if (c >= 0x20 && c < 0x7f)
		snprintf(out, outlen, "'%c'", c);
	else
		snprintf(out, outlen, "byte 0x%02X", c);
}

/* Does t start an item: "/", i<digit>, @<digit>, or p<digits> followed
 * by ':', '!', '#' or the end? */
static int
begins_item(const char *t)
{
	if (t[0] == '/')
		return 1;
	if ((t[0] == 'i' || t[0] == '@') && is_digit((unsigned char)t[1]))
		return 1;
	if (t[0] == 'p' && is_digit((unsigned char)t[1])) {
		t += 2;
		while (is_digit((unsigned char)*t))
			t++;
		return *t == ':' || *t == '\0' || *t == '!' || *t == '#';
	}
	return 0;
}

/* Is t exactly table "/" rowid, to the end? */
static int
is_row_suffix(const char *t)
{
	size_t i = 0, d = 0;

	while (is_table_char((unsigned char)t[i]))
		i++;
	if (i == 0 || t[i] != '/')
		return 0;
	i++;
	if (t[i] == '-')
		i++;
	while (is_digit((unsigned char)t[i])) {
		i++;
		d++;
	}
	return d > 0 && t[i] == '\0';
}

/* Read 1*DIGIT at p->pos as a value <= max.  Returns 0, -1 when there
 * is no digit, -2 when the value is larger than max. */
static int
read_uint(struct lparse *p, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	int over = 0;

	if (!is_digit((unsigned char)p->s[p->pos]))
		return -1;
	while (is_digit((unsigned char)p->s[p->pos])) {
		unsigned d = (unsigned)(p->s[p->pos] - '0');

		if (v > (max - d) / 10)
			over = 1;
		else
			v = v * 10 + d;
		p->pos++;
	}
	if (over)
		return -2;
	*out = v;
	return 0;
}

static int
at_item_end(const struct lparse *p)
{
	char c = p->s[p->pos];

	return c == '\0' || c == '!' || c == '#';
}

static int
parse_path(struct lparse *p, struct etk_loc_item *it)
{
	size_t start = p->pos, n, o = 0;
	char *path;

	n = strcspn(p->s + start, "!#");
	if ((path = malloc(n + 1)) == NULL)
		return nomem(p->err);
	while (p->pos < start + n) {
		unsigned char c = (unsigned char)p->s[p->pos];

		if (c == '%') {
			int hi = hexval((unsigned char)p->s[p->pos + 1]);
			int lo = hi < 0 ? -1 :
			    hexval((unsigned char)p->s[p->pos + 2]);

			if (hi < 0 || lo < 0) {
				free(path);
				return bad(p, p->pos, "bad percent-escape "
				    "(expected '%%' and two hex digits)");
			}
			if (hi == 0 && lo == 0) {
				free(path);
				return bad(p, p->pos,
				    "percent-escape decodes to NUL");
			}
			path[o++] = (char)(hi << 4 | lo);
			p->pos += 3;
		} else if (c < 0x20 || c == 0x7f) {
			free(path);
			return bad(p, p->pos, "control byte 0x%02X in path "
			    "must be percent-encoded", c);
		} else {
			path[o++] = (char)c;
			p->pos++;
		}
	}
	path[o] = '\0';
	it->kind = ETK_LOC_PATH;
	it->path = path;
	return ETK_OK;
}

static int
parse_inode(struct lparse *p, struct etk_loc_item *it)
{
	uint64_t v;
	size_t at;
	int rc;

	p->pos++;	/* 'i' */
	at = p->pos;
	if ((rc = read_uint(p, UINT64_MAX, &v)) == -1)
		return bad(p, at, "expected digits after 'i'");
	if (rc == -2)
		return bad(p, at, "inode number too large");
	it->kind = ETK_LOC_INODE;
	it->inode = v;
	if (p->s[p->pos] != '-')
		return ETK_OK;
	p->pos++;
	at = p->pos;
	if ((rc = read_uint(p, UINT32_MAX, &v)) == -1)
		return bad(p, at, "expected attribute type digits after '-'");
	if (rc == -2)
		return bad(p, at, "attribute type too large");
	it->has_attr = 1;
	it->attr_type = (uint32_t)v;
	if (p->s[p->pos] != '-')
		return ETK_OK;
	p->pos++;
	at = p->pos;
	if ((rc = read_uint(p, UINT16_MAX, &v)) == -1)
		return bad(p, at, "expected attribute id digits after '-'");
	if (rc == -2)
		return bad(p, at, "attribute id too large");
	it->has_attr_id = 1;
	it->attr_id = (uint16_t)v;
	return ETK_OK;
}

static int
parse_range(struct lparse *p, struct etk_loc_item *it)
{
	uint64_t off, len;
	size_t at;
	int rc;

	p->pos++;	/* '@' */
	at = p->pos;
	if ((rc = read_uint(p, UINT64_MAX, &off)) == -1)
		return bad(p, at, "expected offset digits after '@'");
	if (rc == -2)
		return bad(p, at, "offset too large");
	if (p->s[p->pos] != '+')
		return bad(p, p->pos, "expected '+' and a length after "
		    "the offset");
	p->pos++;
	at = p->pos;
	if ((rc = read_uint(p, UINT64_MAX, &len)) == -1)
		return bad(p, at, "expected length digits after '+'");
	if (rc == -2 || len > UINT64_MAX - off)
		return bad(p, at, "range end past 2^64");
	it->kind = ETK_LOC_RANGE;
	it->off = off;
	it->len = len;
	return ETK_OK;
}

static int
parse_item(struct lparse *p, struct etk_loc_item *it)
{
	char what[24];
	uint64_t v;
	size_t at;
	int rc;

	memset(it, 0, sizeof(*it));
	it->volume = -1;
	if (p->s[p->pos] == 'p') {
		p->pos++;
		at = p->pos;
		if ((rc = read_uint(p, INT_MAX, &v)) == -1)
			return bad(p, at, "expected digits after 'p'");
		if (rc == -2)
			return bad(p, at, "volume number too large");
		it->volume = (int)v;
		if (at_item_end(p))
			return ETK_OK;
		if (p->s[p->pos] != ':') {
			describe(p->s, p->pos, what, sizeof(what));
			return bad(p, p->pos, "expected ':' after volume, "
			    "found %s", what);
		}
		p->pos++;
		if (p->s[p->pos] != '/' && p->s[p->pos] != 'i' &&
		    p->s[p->pos] != '@') {
			describe(p->s, p->pos, what, sizeof(what));
			return bad(p, p->pos, "expected a path, inode or range "
			    "after 'p%d:', found %s", it->volume, what);
		}
	}
	switch (p->s[p->pos]) {
	case '/':
		return parse_path(p, it);	/* ends at '!', '#' or NUL */
	case 'i':
		rc = parse_inode(p, it);
		break;
	case '@':
		rc = parse_range(p, it);
		break;
	case '\0':
		return bad(p, p->pos, "expected an item");
	default:
		describe(p->s, p->pos, what, sizeof(what));
		return bad(p, p->pos, "expected an item ('p', '/', 'i' or "
		    "'@'), found %s%s", what,
		    p->pos > 0 && p->s[p->pos - 1] == '!' ?
		    " (write '!' in paths as %21)" : "");
	}
	if (rc != ETK_OK)
		return rc;
	if (!at_item_end(p)) {
		describe(p->s, p->pos, what, sizeof(what));
		return bad(p, p->pos, "unexpected %s after %s", what,
		    it->kind == ETK_LOC_INODE ? "inode" : "range");
	}
	return ETK_OK;
}

/* At '#': table "/" rowid, then the end. */
static int
parse_row(struct lparse *p, struct etk_locator *loc)
{
	size_t start, n, at;
	uint64_t mag;
	char what[24];
	int neg = 0, rc;

	p->pos++;	/* '#' */
	start = p->pos;
	while (is_table_char((unsigned char)p->s[p->pos]))
		p->pos++;
	if ((n = p->pos - start) == 0) {
		describe(p->s, p->pos, what, sizeof(what));
		return bad(p, p->pos, "expected a table name after '#', "
		    "found %s (write '#' in paths as %%23)", what);
	}
	if (p->s[p->pos] != '/') {
		describe(p->s, p->pos, what, sizeof(what));
		return bad(p, p->pos, "expected '/' after table name, "
		    "found %s (write '#' in paths as %%23)", what);
	}
	p->pos++;
	at = p->pos;
	if (p->s[p->pos] == '-') {
		neg = 1;
		p->pos++;
	}
	rc = read_uint(p, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX,
	    &mag);
	if (rc == -1)
		return bad(p, p->pos, "expected row id digits after '/'");
	if (rc == -2)
		return bad(p, at, "row id out of range");
	if (p->s[p->pos] != '\0') {
		describe(p->s, p->pos, what, sizeof(what));
		return bad(p, p->pos, "unexpected %s after row id "
		    "(the row suffix comes last)", what);
	}
	if ((loc->table = malloc(n + 1)) == NULL)
		return nomem(p->err);
	memcpy(loc->table, p->s + start, n);
	loc->table[n] = '\0';
	if (neg)
		loc->rowid = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)mag;
	else
		loc->rowid = (int64_t)mag;
	return ETK_OK;
}

void
etk_locator_init(struct etk_locator *loc)
{
	size_t i;

	if (loc == NULL)
		return;
	memset(loc, 0, sizeof(*loc));
	for (i = 0; i < ETK_LOC_MAXDEPTH; i++)
		loc->items[i].volume = -1;
}

void
etk_locator_release(struct etk_locator *loc)
{
	size_t i;

	if (loc == NULL)
		return;
	free(loc->source);
	free(loc->table);
	for (i = 0; i < ETK_LOC_MAXDEPTH; i++)
		free(loc->items[i].path);
	etk_locator_init(loc);
}

/*
 * Parse s.  The source part is decided first:
 *   1. s is source_name ":" items, or source_name [ "#" row ] alone;
 *   2. s starts with an item: no source;
 *   3. the text before the first ':' that starts an item;
 *   4. else s is only a source name, perhaps with a row suffix.
 * Then items separated by '!' and an optional row suffix.
 */
int
etk_locator_parse(const char *s, const char *source_name,
    struct etk_locator *loc, struct etk_error *err)
{
	struct lparse p;
	size_t srclen = 0, i, n, rowat = 0;
	int has_src = 0, items = 0, rc;
	const char *h;

	if (loc == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "bad locator: no result");
	etk_locator_init(loc);
	if (s == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "bad locator: none given");
	if (s[0] == '\0')
		return etk_fail(err, ETK_EINVAL, 0, "bad locator '': empty");
	p.s = s;
	p.pos = 0;
	p.err = err;

	if (source_name != NULL && source_name[0] != '\0' &&
	    strncmp(s, source_name, (n = strlen(source_name))) == 0) {
		if (s[n] == ':') {
			has_src = items = 1;
			srclen = n;
		} else if (s[n] == '\0') {
			has_src = 1;
			srclen = n;
		} else if (s[n] == '#' && is_row_suffix(s + n + 1)) {
			has_src = 1;
			srclen = n;
			rowat = n;
		}
	}
	if (!has_src) {
		if (begins_item(s))
			items = 1;
		else {
			for (i = 0; s[i] != '\0'; i++)
				if (s[i] == ':' && begins_item(s + i + 1))
					break;
			has_src = 1;
			if (s[i] != '\0') {
				items = 1;
				srclen = i;
			} else if ((h = strrchr(s, '#')) != NULL &&
			    is_row_suffix(h + 1)) {
				srclen = (size_t)(h - s);
				rowat = srclen;
			} else
				srclen = i;
		}
	}
	if (has_src) {
		if (srclen == 0)
			return bad(&p, 0, "empty source name");
		if ((loc->source = malloc(srclen + 1)) == NULL)
			return nomem(err);
		memcpy(loc->source, s, srclen);
		loc->source[srclen] = '\0';
	}

	if (!items) {
		/* The whole source, perhaps with a row. */
		loc->depth = 1;
		if (rowat != 0) {
			p.pos = rowat;
			if ((rc = parse_row(&p, loc)) != ETK_OK)
				goto fail;
		}
		return ETK_OK;
	}
	p.pos = has_src ? srclen + 1 : 0;
	for (;;) {
		if (loc->depth == ETK_LOC_MAXDEPTH) {
			rc = bad(&p, p.pos, "more than %d nested items",
			    ETK_LOC_MAXDEPTH);
			goto fail;
		}
		rc = parse_item(&p, &loc->items[loc->depth]);
		loc->depth++;
		if (rc != ETK_OK)
			goto fail;
		if (s[p.pos] == '!') {
			p.pos++;
			continue;
		}
		if (s[p.pos] == '#' && (rc = parse_row(&p, loc)) != ETK_OK)
			goto fail;
		break;
	}
	return ETK_OK;
fail:
	etk_locator_release(loc);
	return rc;
}

void
etk_locator_encode_path(struct etk_buf *out, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run;
	char esc[3];

	if (out == NULL || path == NULL)
		return;
	for (run = path; *path != '\0'; path++) {
		unsigned char c = (unsigned char)*path;

		if (!must_encode(c))
			continue;
		etk_buf_add(out, run, (size_t)(path - run));
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 0xf];
		etk_buf_add(out, esc, 3);
		run = path + 1;
	}
	etk_buf_add(out, run, (size_t)(path - run));
}

static void
format_item(const struct etk_loc_item *it, struct etk_buf *out)
{
	if (it->volume >= 0) {
		etk_buf_printf(out, "p%d", it->volume);
		if (it->kind != ETK_LOC_NONE)
			etk_buf_addc(out, ':');
	}
	switch (it->kind) {
	case ETK_LOC_PATH:
		etk_locator_encode_path(out, it->path != NULL ? it->path : "/");
		break;
	case ETK_LOC_INODE:
		etk_buf_printf(out, "i%llu", (unsigned long long)it->inode);
		if (it->has_attr) {
			etk_buf_printf(out, "-%lu", (unsigned long)it->attr_type);
			if (it->has_attr_id)
				etk_buf_printf(out, "-%u",
				    (unsigned)it->attr_id);
		}
		break;
	case ETK_LOC_RANGE:
		etk_buf_printf(out, "@%llu+%llu", (unsigned long long)it->off,
		    (unsigned long long)it->len);
		break;
	case ETK_LOC_NONE:
	default:
		break;
	}
}

void
etk_locator_format(const struct etk_locator *loc, struct etk_buf *out)
{
	size_t i, depth;
	int whole;

	if (loc == NULL || out == NULL)
		return;
	depth = loc->depth > ETK_LOC_MAXDEPTH ? ETK_LOC_MAXDEPTH : loc->depth;
	/* A source alone ("phone.E01") has no item text. */
	whole = depth == 0 || (depth == 1 && loc->items[0].volume < 0 &&
	    loc->items[0].kind == ETK_LOC_NONE);
	if (loc->source != NULL) {
		etk_buf_adds(out, loc->source);
		if (!whole)
			etk_buf_addc(out, ':');
	}
	for (i = 0; i < depth && !(whole && i == 0); i++) {
		if (i > 0)
			etk_buf_addc(out, '!');
		format_item(&loc->items[i], out);
	}
	if (loc->table != NULL)
		etk_buf_printf(out, "#%s/%lld", loc->table,
		    (long long)loc->rowid);
}

int
etk_locator_item_copy(struct etk_loc_item *dst, const struct etk_loc_item *src)
{
	if (dst == NULL || src == NULL)
		return ETK_EINVAL;
	*dst = *src;
	if (src->path != NULL && (dst->path = strdup(src->path)) == NULL)
		return ETK_ENOMEM;
	return ETK_OK;
}
