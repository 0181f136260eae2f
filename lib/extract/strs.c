/*
 * A list of strings (NULL allowed) in one buffer, for the parties,
 * numbers and attachments of a record: no allocation per string, and
 * the pointer array is made only when a record is emitted (the buffer
 * may move while strings are added).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract/ex_int.h"

void
ex_strs_init(struct ex_strs *l)
{
	memset(l, 0, sizeof(*l));
	etk_buf_init(&l->buf);
}

void
ex_strs_free(struct ex_strs *l)
{
	etk_buf_release(&l->buf);
	free(l->off);
	free(l->ptr);
	ex_strs_init(l);
}

void
ex_strs_reset(struct ex_strs *l)
{
	etk_buf_reset(&l->buf);
	l->n = 0;
}

/* Room for one more offset; 0, or -1 (oom set). */
static int
room(struct ex_strs *l)
{
	size_t cap, *o;

	if (l->n < l->cap)
		return 0;
	cap = l->cap ? l->cap * 2 : 16;
	if ((o = realloc(l->off, cap * sizeof(*o))) == NULL) {
		l->oom = 1;
		return -1;
	}
	l->off = o;
	l->cap = cap;
	return 0;
}

size_t
ex_strs_addn(struct ex_strs *l, const char *s, size_t len)
{
	size_t at = l->buf.len;

	if (room(l) != 0)
		return SIZE_MAX;
	etk_buf_add(&l->buf, s, len);
	etk_buf_addc(&l->buf, '\0');
	if (l->buf.oom) {
		l->oom = 1;
		return SIZE_MAX;
	}
	l->off[l->n] = at;
	return l->n++;
}

size_t
ex_strs_add(struct ex_strs *l, const char *s)
{
	if (s != NULL)
		return ex_strs_addn(l, s, strlen(s));
	if (room(l) != 0)
		return SIZE_MAX;
	l->off[l->n] = SIZE_MAX;
	return l->n++;
}

const char *
ex_strs_get(const struct ex_strs *l, size_t i)
{
	if (i >= l->n || l->off[i] == SIZE_MAX)
		return NULL;
	return l->buf.data + l->off[i];
}

const char *const *
ex_strs_ptrs(struct ex_strs *l)
{
	const char **p;
	size_t i;

	if (l->n == 0 || l->oom)
		return NULL;
	if (l->n > l->ptrcap) {
		if ((p = realloc(l->ptr, l->n * sizeof(*p))) == NULL) {
			l->oom = 1;
			return NULL;
		}
		l->ptr = p;
		l->ptrcap = l->n;
	}
	for (i = 0; i < l->n; i++)
		l->ptr[i] = ex_strs_get(l, i);
	return l->ptr;
}
