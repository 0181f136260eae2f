/* Growable, always NUL-terminated byte buffer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <etk/core.h>

static const char empty[1] = "";

void
etk_buf_init(struct etk_buf *b)
{
	b->data = (char *)empty;
	b->len = 0;
	b->cap = 0;
	b->oom = 0;
}

void
etk_buf_release(struct etk_buf *b)
{
	if (b == NULL)
		return;
	if (b->cap != 0)
		free(b->data);
	etk_buf_init(b);
}

void
etk_buf_reset(struct etk_buf *b)
{
	b->len = 0;
	if (b->cap != 0)
		b->data[0] = '\0';
}

static int
grow(struct etk_buf *b, size_t need)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	if (need > SIZE_MAX - b->len - 1) {
		b->oom = 1;
		return -1;
	}
	if (b->len + need + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + need + 1) {
		if (cap > SIZE_MAX / 2) {
			cap = b->len + need + 1;
			break;
		}
		cap *= 2;
	}
	p = b->cap ? realloc(b->data, cap) : malloc(cap);
	if (p == NULL) {
		b->oom = 1;
		return -1;
	}
	if (b->cap == 0)
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
	return 0;
}

void
etk_buf_add(struct etk_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n + 1 > b->cap && grow(b, n) != 0)
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
etk_buf_adds(struct etk_buf *b, const char *s)
{
	etk_buf_add(b, s, strlen(s));
}

void
etk_buf_addc(struct etk_buf *b, char c)
{
	if (b->len + 2 > b->cap && grow(b, 1) != 0)
		return;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void
etk_buf_vprintf(struct etk_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	size_t room;
	int n;

	if (b->oom)
		return;
	/* One pass when it fits (the usual case), two when it must grow. */
	if (b->cap == 0 && grow(b, 64) != 0)
		return;
	room = b->cap - b->len;
	va_copy(cp, ap);
	n = vsnprintf(b->data + b->len, room, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return;
	}
	b->data[b->len] = '\0';
	if (grow(b, (size_t)n) != 0)
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
etk_buf_printf(struct etk_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	etk_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

char *
etk_buf_detach(struct etk_buf *b)
{
	char *p;

	if (b->oom)
		return NULL;
	if (b->cap == 0)
		p = strdup("");
	else
		p = b->data;
	etk_buf_init(b);
	return p;
}

void
etk_hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* Length of a valid UTF-8 sequence at s (within n bytes) that XML 1.0
 * allows, or 0. */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp == 0xfffe || cp == 0xffff)
		return 0;
	return (int)len;
}

void
etk_buf_add_markup(struct etk_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	int k;

	if (s == NULL)
		return;
	while (i < n) {
		switch (s[i]) {
		case '&':	etk_buf_adds(b, "&amp;"); i++; continue;
		case '<':	etk_buf_adds(b, "&lt;"); i++; continue;
		case '>':	etk_buf_adds(b, "&gt;"); i++; continue;
		case '"':	etk_buf_adds(b, "&quot;"); i++; continue;
		case '\'':	etk_buf_adds(b, "&#39;"); i++; continue;
		case '\t':	etk_buf_adds(b, "&#9;"); i++; continue;
		case '\n':	etk_buf_adds(b, "&#10;"); i++; continue;
		case '\r':	etk_buf_adds(b, "&#13;"); i++; continue;
		default:	break;
		}
		if (s[i] < 0x20 || s[i] == 0x7f ||
		    (k = utf8_ok(s + i, n - i)) == 0) {
			etk_buf_adds(b, "\xef\xbf\xbd");	/* U+FFFD */
			i++;
			continue;
		}
		etk_buf_add(b, s + i, (size_t)k);
		i += (size_t)k;
	}
}
