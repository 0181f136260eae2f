/*
 * The format registry and byte helpers shared by the validators.
 */
#include <string.h>

#include "carve/carve_int.h"

size_t
etk_cv_all(const struct cv_format **out, size_t cap)
{
	const struct cv_format *const *lists[] = {
		etk_cv_formats_media, etk_cv_formats_docs
	};
	size_t i, j, n = 0;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		for (j = 0; lists[i][j] != NULL; j++) {
			if (n < cap && out != NULL)
				out[n] = lists[i][j];
			n++;
		}
	return n;
}

int
cv_read(const struct cv_src *s, uint64_t off, void *buf, size_t len)
{
	size_t got = 0;

	if (len == 0)
		return 0;
	if (off >= s->end || len > s->end - off)
		return -1;
	if (s->read(s->ctx, off, buf, len, &got) != 0 || got != len)
		return -1;
	return 0;
}

uint16_t
cv_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t
cv_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

uint64_t
cv_le64(const unsigned char *p)
{
	return (uint64_t)cv_le32(p) | (uint64_t)cv_le32(p + 4) << 32;
}

uint16_t
cv_be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t
cv_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

uint64_t
cv_be64(const unsigned char *p)
{
	return (uint64_t)cv_be32(p) << 32 | (uint64_t)cv_be32(p + 4);
}
