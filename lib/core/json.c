/* Streaming JSON emitter: fixed field order, ASCII-escaped, byte-stable. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <etk/json.h>

void
etk_json_init(struct etk_json *j, struct etk_buf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->first[0] = 1;
}

/* Separator before a value or key. */
static void
sep(struct etk_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->first[j->depth])
		etk_buf_addc(j->out, ',');
	j->first[j->depth] = 0;
}

static void
open_(struct etk_json *j, char c)
{
	sep(j);
	etk_buf_addc(j->out, c);
	/* as deep as the reader goes (ETK_JSON_MAXDEPTH containers) */
	if (j->depth < ETK_JSON_MAXDEPTH)
		j->depth++;
	j->first[j->depth] = 1;
}

static void
close_(struct etk_json *j, char c)
{
	etk_buf_addc(j->out, c);
	if (j->depth > 0)
		j->depth--;
}

void
etk_json_obj_begin(struct etk_json *j)
{
	open_(j, '{');
}

void
etk_json_obj_end(struct etk_json *j)
{
	close_(j, '}');
}

void
etk_json_arr_begin(struct etk_json *j)
{
	open_(j, '[');
}

void
etk_json_arr_end(struct etk_json *j)
{
	close_(j, ']');
}

/* Decode one UTF-8 sequence at s[0..n); returns its length and the code
 * point, or 0 for an invalid sequence (overlong, surrogate, > U+10FFFF). */
static size_t
utf8_decode(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned long c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

void
etk_json_quote(struct etk_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned long cp;
	size_t i, k;
	char tmp[32];

	etk_buf_addc(b, '"');
	for (i = 0; i < n;) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\') {
			/* run of plain bytes */
			k = i;
			while (k < n && s[k] >= 0x20 && s[k] < 0x7f &&
			    s[k] != '"' && s[k] != '\\')
				k++;
			etk_buf_add(b, s + i, k - i);
			i = k;
			continue;
		}
		switch (s[i]) {
		case '"':  etk_buf_adds(b, "\\\""); i++; continue;
		case '\\': etk_buf_adds(b, "\\\\"); i++; continue;
		case '\b': etk_buf_adds(b, "\\b"); i++; continue;
		case '\f': etk_buf_adds(b, "\\f"); i++; continue;
		case '\n': etk_buf_adds(b, "\\n"); i++; continue;
		case '\r': etk_buf_adds(b, "\\r"); i++; continue;
		case '\t': etk_buf_adds(b, "\\t"); i++; continue;
		default: break;
		}
		if (s[i] < 0x80) {	/* other controls and DEL */
			snprintf(tmp, sizeof(tmp), "\\u%04x", s[i]);
			etk_buf_adds(b, tmp);
			i++;
			continue;
		}
		k = utf8_decode(s + i, n - i, &cp);
		if (k == 0) {
			etk_buf_adds(b, "\\ufffd");
			i++;
			continue;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			snprintf(tmp, sizeof(tmp), "\\u%04lx\\u%04lx",
			    0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
		} else
			snprintf(tmp, sizeof(tmp), "\\u%04lx", cp);
		etk_buf_adds(b, tmp);
		i += k;
	}
	etk_buf_addc(b, '"');
}

void
etk_json_key(struct etk_json *j, const char *k)
{
	sep(j);
	etk_json_quote(j->out, k, strlen(k));
	etk_buf_addc(j->out, ':');
	j->after_key = 1;
}

void
etk_json_str(struct etk_json *j, const char *s)
{
	if (s == NULL) {
		etk_json_null(j);
		return;
	}
	etk_json_strn(j, s, strlen(s));
}

void
etk_json_strn(struct etk_json *j, const char *s, size_t n)
{
	sep(j);
	etk_json_quote(j->out, s, n);
}

/* Decimal digits of v, without printf (hot in every record). */
static void
add_u64(struct etk_buf *b, uint64_t v, int neg)
{
	char tmp[24];
	int i = (int)sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (neg)
		tmp[--i] = '-';
	etk_buf_add(b, tmp + i, sizeof(tmp) - (size_t)i);
}

void
etk_json_int(struct etk_json *j, int64_t v)
{
	sep(j);
	if (v < 0)
		add_u64(j->out, (uint64_t)0 - (uint64_t)v, 1);
	else
		add_u64(j->out, (uint64_t)v, 0);
}

void
etk_json_uint(struct etk_json *j, uint64_t v)
{
	sep(j);
	add_u64(j->out, v, 0);
}

void
etk_json_double(struct etk_json *j, double v)
{
	char tmp[40];
	size_t i;

	sep(j);
	if (!isfinite(v)) {
		etk_buf_adds(j->out, "null");
		return;
	}
	/* Shortest of %.15g/%.17g that round-trips; '.' regardless of
	 * locale (we never call setlocale for LC_NUMERIC, but be safe). */
	snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (strtod(tmp, NULL) != v)
		snprintf(tmp, sizeof(tmp), "%.17g", v);
	for (i = 0; tmp[i] != '\0'; i++)
		if (tmp[i] == ',')
			tmp[i] = '.';
	etk_buf_adds(j->out, tmp);
}

void
etk_json_bool(struct etk_json *j, int v)
{
	sep(j);
	etk_buf_adds(j->out, v ? "true" : "false");
}

void
etk_json_null(struct etk_json *j)
{
	sep(j);
	etk_buf_adds(j->out, "null");
}

void
etk_json_raw(struct etk_json *j, const char *v)
{
	sep(j);
	etk_buf_adds(j->out, v);
}

void
etk_json_time(struct etk_json *j, int64_t sec, int32_t nsec)
{
	char t[ETK_TIME_MAX];

	etk_time_format(sec, nsec, t);
	etk_json_str(j, t);
}

void
etk_json_kstr(struct etk_json *j, const char *k, const char *v)
{
	etk_json_key(j, k);
	etk_json_str(j, v);
}

void
etk_json_kint(struct etk_json *j, const char *k, int64_t v)
{
	etk_json_key(j, k);
	etk_json_int(j, v);
}

void
etk_json_kuint(struct etk_json *j, const char *k, uint64_t v)
{
	etk_json_key(j, k);
	etk_json_uint(j, v);
}

void
etk_json_kbool(struct etk_json *j, const char *k, int v)
{
	etk_json_key(j, k);
	etk_json_bool(j, v);
}

void
etk_json_value(struct etk_json *j, const struct etk_jval *v)
{
	size_t i;

	if (v == NULL) {
		etk_json_null(j);
		return;
	}
	switch (v->type) {
	case ETK_JNULL:
		etk_json_null(j);
		break;
	case ETK_JBOOL:
		etk_json_bool(j, v->b);
		break;
	case ETK_JNUM:
		if (v->is_int)
			etk_json_int(j, v->inum);
		else
			etk_json_double(j, v->num);
		break;
	case ETK_JSTR:
		etk_json_strn(j, v->str, v->slen);
		break;
	case ETK_JARR:
	case ETK_JOBJ:
		/* The emitter tracks commas to ETK_JSON_MAXDEPTH levels, as
		 * deep as the reader parses; deeper (a hand-built tree) is
		 * cut. */
		if (j->depth >= ETK_JSON_MAXDEPTH) {
			etk_json_null(j);
			break;
		}
		if (v->type == ETK_JARR) {
			etk_json_arr_begin(j);
			for (i = 0; i < v->n; i++)
				etk_json_value(j, v->items[i]);
			etk_json_arr_end(j);
		} else {
			etk_json_obj_begin(j);
			for (i = 0; i < v->n; i++) {
				etk_json_key(j, v->keys[i]);
				etk_json_value(j, v->items[i]);
			}
			etk_json_obj_end(j);
		}
		break;
	}
}
