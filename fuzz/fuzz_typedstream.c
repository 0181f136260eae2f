/*
 * Fuzz target: the typedstream reader that decodes iMessage text from
 * sms.db attributedBody (lib/extract/typedstream.c).
 *
 * Any input: the reader must return 0 or ETK_EFORMAT with a reason,
 * never read outside the buffer (the replay driver and libFuzzer give
 * it exactly the input's size), and a text it returns must lie inside
 * the input, be valid UTF-8 without NULs, and come back the same from
 * a second call.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <etk/core.h>

#include "extract/typedstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *t, *t2;
	const char *why, *why2;
	size_t tl, tl2;
	int rc;

	rc = ex_typedstream_text(data, size, &t, &tl, &why);
	if (rc != 0) {
		if (rc != ETK_EFORMAT || why == NULL || t != NULL || tl != 0)
			abort();
		return 0;
	}
	if (t == NULL || t < data || tl > size || t > data + size - tl)
		abort();
	if (!ex_utf8_valid(t, tl) || memchr(t, '\0', tl) != NULL)
		abort();
	if (ex_typedstream_text(data, size, &t2, &tl2, &why2) != 0 ||
	    t2 != t || tl2 != tl)
		abort();
	return 0;
}
