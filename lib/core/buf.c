/* Growable, always NUL-terminated byte buffer. */
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
