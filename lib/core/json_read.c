/*
 * JSON reader (the second half of include/etk/json.h): strict RFC 8259
 * into a tree.  Used on our own JSON Lines, but written for hostile
 * input: nesting is limited to ETK_JSON_MAXDEPTH containers (recursion
 * is bounded by it), the text to JSON_MAXTEXT bytes, strings must be
 * valid UTF-8, escapes are decoded (\uXXXX with surrogate pairs), lone
 * surrogates, duplicate object keys and trailing bytes are rejected.
 * Numbers are parsed locale-independently; a number written without a
 * fraction or exponent that fits int64 has is_int set and inum exact.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <etk/json.h>

#define JSON_MAXTEXT ((size_t)256 << 20)	/* 256 MiB */

struct jparse {
	const char *s;
	size_t len;
	size_t pos;
	int depth;		/* open containers */
	struct etk_error *err;
};

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void
c_locale_init(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/* Fail with "json: line L, column C: what" (C counts bytes from 1). */
static int
jfail(const struct jparse *p, int code, const char *fmt, ...)
    ETK_PRINTFLIKE(3, 4);

static int
jfail(const struct jparse *p, int code, const char *fmt, ...)
{
	size_t i, line = 1, col = 1;
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	for (i = 0; i < p->pos && i < p->len; i++) {
		if (p->s[i] == '\n') {
			line++;
			col = 1;
		} else
			col++;
	}
	return etk_fail(p->err, code, 0, "json: line %zu, column %zu: %s",
	    line, col, what);
}

static int
jnomem(const struct jparse *p)
{
	return etk_fail(p->err, ETK_ENOMEM, ENOMEM, "json");
}

/* What is at p->pos, for messages. */
static void
jdescribe(const struct jparse *p, char *out, size_t outlen)
{
	unsigned char c;

	if (p->pos >= p->len) {
		snprintf(out, outlen, "end of input");
		return;
	}
	c = (unsigned char)p->s[p->pos];
	if (c > 0x20 && c < 0x7f)
		snprintf(out, outlen, "'%c'", c);
	else
		snprintf(out, outlen, "byte 0x%02X", c);
}

static int
junexpected(const struct jparse *p, const char *expected)
{
	char what[24];

	jdescribe(p, what, sizeof(what));
	return jfail(p, ETK_EFORMAT, "expected %s, found %s", expected, what);
}

static void
skip_ws(struct jparse *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int
peek(const struct jparse *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int
hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Length of the valid UTF-8 sequence at s[0..avail), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* no overlongs */
		else if (c == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;	/* <= U+10FFFF */
	} else
		return 0;
	if (avail < n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static size_t
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* At '"': decode the string into a new NUL-terminated buffer.  The
 * decoded form is never longer than the escaped one. */
static int
parse_string(struct jparse *p, char **out, size_t *outlen)
{
	size_t end, o = 0;
	char *buf;

	p->pos++;	/* '"' */
	for (end = p->pos; end < p->len && p->s[end] != '"'; end++)
		if (p->s[end] == '\\')
			end++;
	if (end >= p->len)
		return jfail(p, ETK_EFORMAT, "unterminated string");
	if ((buf = malloc(end - p->pos + 1)) == NULL)
		return jnomem(p);
	while (p->pos < end) {
		unsigned char c = (unsigned char)p->s[p->pos];
		unsigned cp, lo;
		size_t n;

		if (c < 0x20) {
			free(buf);
			return jfail(p, ETK_EFORMAT, "control byte 0x%02X in "
			    "string must be escaped", c);
		}
		if (c >= 0x80) {
			n = utf8_len((const unsigned char *)p->s + p->pos,
			    end - p->pos);
			if (n == 0) {
				free(buf);
				return jfail(p, ETK_EFORMAT,
				    "invalid UTF-8 in string");
			}
			memcpy(buf + o, p->s + p->pos, n);
			o += n;
			p->pos += n;
			continue;
		}
		if (c != '\\') {
			buf[o++] = (char)c;
			p->pos++;
			continue;
		}
		/* An escape: end is past the byte after the backslash. */
		switch (p->s[p->pos + 1]) {
		case '"':  buf[o++] = '"';  break;
		case '\\': buf[o++] = '\\'; break;
		case '/':  buf[o++] = '/';  break;
		case 'b':  buf[o++] = '\b'; break;
		case 'f':  buf[o++] = '\f'; break;
		case 'n':  buf[o++] = '\n'; break;
		case 'r':  buf[o++] = '\r'; break;
		case 't':  buf[o++] = '\t'; break;
		case 'u':
			if (end - p->pos < 6 || hex4(p->s + p->pos + 2, &cp)) {
				free(buf);
				return jfail(p, ETK_EFORMAT, "bad \\u escape "
				    "(expected four hex digits)");
			}
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				free(buf);
				return jfail(p, ETK_EFORMAT,
				    "lone low surrogate \\u%04X", cp);
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (end - p->pos < 12 ||
				    p->s[p->pos + 6] != '\\' ||
				    p->s[p->pos + 7] != 'u' ||
				    hex4(p->s + p->pos + 8, &lo) ||
				    lo < 0xdc00 || lo > 0xdfff) {
					free(buf);
					return jfail(p, ETK_EFORMAT, "high "
					    "surrogate \\u%04X not followed by "
					    "a low surrogate", cp);
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				p->pos += 6;
			}
			o += put_utf8(buf + o, cp);
			p->pos += 6;
			continue;
		default:
			free(buf);
			p->pos++;
			return junexpected(p, "an escape character "
			    "(\" \\ / b f n r t u)");
		}
		p->pos += 2;
	}
	p->pos = end + 1;	/* past the closing quote */
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	return ETK_OK;
}

static int
parse_number(struct jparse *p, struct etk_jval *v)
{
	size_t start = p->pos, n;
	uint64_t mag = 0;
	int neg = 0, over = 0, isint = 1;
	char small[64], *tok, *endp;
	double d;

	if (peek(p) == '-') {
		neg = 1;
		p->pos++;
	}
	if (peek(p) == '0')
		p->pos++;
	else if (peek(p) >= '1' && peek(p) <= '9') {
		while (peek(p) >= '0' && peek(p) <= '9') {
			unsigned dg = (unsigned)(p->s[p->pos] - '0');

			if (mag > (UINT64_MAX - dg) / 10)
				over = 1;
			else
				mag = mag * 10 + dg;
			p->pos++;
		}
	} else
		return junexpected(p, "a digit");
	if (peek(p) == '.') {
		isint = 0;
		p->pos++;
		if (!(peek(p) >= '0' && peek(p) <= '9'))
			return junexpected(p, "a digit after '.'");
		while (peek(p) >= '0' && peek(p) <= '9')
			p->pos++;
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		isint = 0;
		p->pos++;
		if (peek(p) == '+' || peek(p) == '-')
			p->pos++;
		if (!(peek(p) >= '0' && peek(p) <= '9'))
			return junexpected(p, "a digit in the exponent");
		while (peek(p) >= '0' && peek(p) <= '9')
			p->pos++;
	}
	n = p->pos - start;
	tok = n < sizeof(small) ? small : malloc(n + 1);
	if (tok == NULL)
		return jnomem(p);
	memcpy(tok, p->s + start, n);
	tok[n] = '\0';
	pthread_once(&c_locale_once, c_locale_init);
	errno = 0;
	if (c_locale != (locale_t)0)
		d = strtod_l(tok, &endp, c_locale);
	else
		d = strtod(tok, &endp);
	if (tok != small)
		free(tok);
	if (errno == ERANGE && isinf(d)) {
		p->pos = start;
		return jfail(p, ETK_EFORMAT, "number out of range");
	}
	v->type = ETK_JNUM;
	v->num = d;
	if (isint && !over) {
		if (!neg && mag <= (uint64_t)INT64_MAX) {
			v->is_int = 1;
			v->inum = (int64_t)mag;
		} else if (neg && mag <= (uint64_t)INT64_MAX + 1) {
			v->is_int = 1;
			v->inum = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
			    -(int64_t)mag;
		}
	}
	return ETK_OK;
}

static int
parse_literal(struct jparse *p, const char *word, struct etk_jval *v)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return junexpected(p, "a value");
	p->pos += n;
	switch (word[0]) {
	case 't':
		v->type = ETK_JBOOL;
		v->b = 1;
		break;
	case 'f':
		v->type = ETK_JBOOL;
		break;
	default:
		v->type = ETK_JNULL;
		break;
	}
	return ETK_OK;
}

static int
keycmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Name a duplicate key, or NULL. */
static const char *
duplicate_key(char **keys, size_t n)
{
	const char *dup = NULL;
	char **sorted;
	size_t i, j;

	if (n <= 16) {
		for (i = 1; i < n; i++)
			for (j = 0; j < i; j++)
				if (strcmp(keys[i], keys[j]) == 0)
					return keys[i];
		return NULL;
	}
	if ((sorted = malloc(n * sizeof(*sorted))) == NULL)
		return NULL;	/* can't check: the caller's tree is fine */
	memcpy(sorted, keys, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), keycmp);
	for (i = 1; i < n && dup == NULL; i++)
		if (strcmp(sorted[i - 1], sorted[i]) == 0)
			dup = sorted[i];
	free(sorted);
	return dup;
}

static int parse_value(struct jparse *, struct etk_jval **);

/* Make room for one more element in v (keys too for objects). */
static int
grow(struct jparse *p, struct etk_jval *v, size_t *cap)
{
	struct etk_jval **items;
	size_t ncap;
	char **keys;

	if (v->n < *cap)
		return ETK_OK;
	ncap = *cap ? *cap * 2 : 4;
	if (ncap > SIZE_MAX / sizeof(*items))
		return jnomem(p);
	if ((items = realloc(v->items, ncap * sizeof(*items))) == NULL)
		return jnomem(p);
	v->items = items;
	if (v->type == ETK_JOBJ) {
		if ((keys = realloc(v->keys, ncap * sizeof(*keys))) == NULL)
			return jnomem(p);
		v->keys = keys;
	}
	*cap = ncap;
	return ETK_OK;
}

/* At '[' or '{'. */
static int
parse_container(struct jparse *p, struct etk_jval *v)
{
	int obj = p->s[p->pos] == '{';
	char close = obj ? '}' : ']';
	size_t cap = 0, klen;
	const char *dup;
	char *key;
	int rc;

	if (p->depth >= ETK_JSON_MAXDEPTH)
		return jfail(p, ETK_ETIMEOUT, "nested deeper than %d",
		    ETK_JSON_MAXDEPTH);
	p->depth++;
	v->type = obj ? ETK_JOBJ : ETK_JARR;
	p->pos++;
	skip_ws(p);
	if (peek(p) == close) {
		p->pos++;
		p->depth--;
		return ETK_OK;
	}
	for (;;) {
		if ((rc = grow(p, v, &cap)) != ETK_OK)
			return rc;
		if (obj) {
			if (peek(p) != '"')
				return junexpected(p, "'\"' (an object key)");
			if ((rc = parse_string(p, &key, &klen)) != ETK_OK)
				return rc;
			if (strlen(key) != klen) {
				free(key);
				return jfail(p, ETK_EFORMAT,
				    "object key holds \\u0000");
			}
			v->keys[v->n] = key;
			skip_ws(p);
			if (peek(p) != ':') {
				free(key);
				return junexpected(p, "':' after object key");
			}
			p->pos++;
		}
		v->items[v->n] = NULL;
		if ((rc = parse_value(p, &v->items[v->n])) != ETK_OK) {
			etk_jval_free(v->items[v->n]);
			if (obj)
				free(v->keys[v->n]);
			return rc;
		}
		v->n++;
		skip_ws(p);
		if (peek(p) == close) {
			p->pos++;
			break;
		}
		if (peek(p) != ',')
			return junexpected(p, obj ? "',' or '}'" :
			    "',' or ']'");
		p->pos++;
		skip_ws(p);
	}
	p->depth--;
	if (obj && (dup = duplicate_key(v->keys, v->n)) != NULL)
		return jfail(p, ETK_EFORMAT, "duplicate object key \"%.40s\"",
		    dup);
	return ETK_OK;
}

static int
parse_value(struct jparse *p, struct etk_jval **out)
{
	struct etk_jval *v;
	int rc;

	skip_ws(p);
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return jnomem(p);
	*out = v;	/* freed by the caller on failure */
	switch (peek(p)) {
	case '{':
	case '[':
		return parse_container(p, v);
	case '"':
		v->type = ETK_JSTR;
		rc = parse_string(p, &v->str, &v->slen);
		if (rc != ETK_OK)
			v->type = ETK_JNULL;
		return rc;
	case 't':
		return parse_literal(p, "true", v);
	case 'f':
		return parse_literal(p, "false", v);
	case 'n':
		return parse_literal(p, "null", v);
	default:
		if (peek(p) == '-' || (peek(p) >= '0' && peek(p) <= '9'))
			return parse_number(p, v);
		return junexpected(p, "a value");
	}
}

int
etk_json_parse(const char *text, size_t len, struct etk_jval **out,
    struct etk_error *err)
{
	struct jparse p;
	struct etk_jval *v = NULL;
	int rc;

	if (out == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "json: no result");
	*out = NULL;
	if (text == NULL && len != 0)
		return etk_fail(err, ETK_EINVAL, 0, "json: no text");
	if (len > JSON_MAXTEXT)
		return etk_fail(err, ETK_ETIMEOUT, 0,
		    "json: text larger than %zu bytes", JSON_MAXTEXT);
	p.s = text != NULL ? text : "";
	p.len = len;
	p.pos = 0;
	p.depth = 0;
	p.err = err;
	skip_ws(&p);
	if (p.pos == p.len)
		return jfail(&p, ETK_EFORMAT, "no value (empty text)");
	if ((rc = parse_value(&p, &v)) != ETK_OK) {
		etk_jval_free(v);
		return rc;
	}
	skip_ws(&p);
	if (p.pos != p.len) {
		etk_jval_free(v);
		return junexpected(&p, "end of input after the value");
	}
	*out = v;
	return ETK_OK;
}

void
etk_jval_free(struct etk_jval *v)
{
	size_t i;

	if (v == NULL)
		return;
	/* Depth is bounded by the parser, so this recursion is too. */
	for (i = 0; i < v->n; i++) {
		if (v->keys != NULL)
			free(v->keys[i]);
		etk_jval_free(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->str);
	free(v);
}

const struct etk_jval *
etk_jval_get(const struct etk_jval *v, const char *key)
{
	size_t i;

	if (v == NULL || key == NULL || v->type != ETK_JOBJ)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			return v->items[i];
	return NULL;
}

const char *
etk_jval_str(const struct etk_jval *v, const char *key)
{
	const struct etk_jval *m = etk_jval_get(v, key);

	return m != NULL && m->type == ETK_JSTR ? m->str : NULL;
}
