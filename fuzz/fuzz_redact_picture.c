/*
 * Fuzz target: re-rendering a picture with regions blanked
 * (lib/redact/picture.c: libjpeg and libpng behind it).
 *
 * Any input: a status of OK, ETK_EFORMAT, ETK_EUNSUPP, ETK_ETIMEOUT or
 * ETK_ENOMEM, never a crash or an exit from inside libjpeg or libpng;
 * nothing appended on failure.  A picture that renders is a JPEG or
 * PNG again, the same bytes a second time, and renders once more (our
 * own output must always be readable).  Pictures are capped at 1
 * Mpixel here so that a small input cannot ask for gigabytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <etk/core.h>
#include <etk/redact.h>

#include "redact/redact_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_PIXELS	(1024 * 1024)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct etk_redactor *rd;
	const struct etk_redact_rule *rr[3];
	struct etk_buf out, again, third;
	struct etk_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	if (rd == NULL) {
		if (etk_redactor_new(&rd, NULL, &err) != ETK_OK ||
		    etk_redactor_add_region(rd, "p", 1, 1, 5, 3, NULL,
		    &err) != ETK_OK ||
		    etk_redactor_add_region(rd, "p", 0, 7, 100000, 2, NULL,
		    &err) != ETK_OK ||
		    etk_redactor_add_region(rd, "p", 4000000000u, 0, 10,
		    4000000000u, NULL, &err) != ETK_OK)
			abort();
	}
	rr[0] = etk_redactor_rule(rd, 0);
	rr[1] = etk_redactor_rule(rd, 1);
	rr[2] = etk_redactor_rule(rd, 2);
	etk_buf_init(&out);
	rc = rd_picture_mem(data, size, rr, 3, FUZZ_PIXELS, &out, &err);
	if (rc != ETK_OK) {
		if (rc != ETK_EFORMAT && rc != ETK_EUNSUPP &&
		    rc != ETK_ETIMEOUT && rc != ETK_ENOMEM)
			abort();
		if (out.len != 0 || err.msg[0] == '\0')
			abort();
		etk_buf_release(&out);
		return 0;
	}
	if (out.len < 8 || !((unsigned char)out.data[0] == 0xff ||
	    memcmp(out.data, "\x89PNG", 4) == 0))
		abort();
	etk_buf_init(&again);
	if (rd_picture_mem(data, size, rr, 3, FUZZ_PIXELS, &again, &err) !=
	    ETK_OK || again.len != out.len ||
	    memcmp(again.data, out.data, out.len) != 0)
		abort();
	etk_buf_init(&third);
	rc = rd_picture_mem((const uint8_t *)out.data, out.len, rr, 3,
	    FUZZ_PIXELS, &third, &err);
	if (rc != ETK_OK && rc != ETK_ENOMEM)
		abort();
	etk_buf_release(&third);
	etk_buf_release(&again);
	etk_buf_release(&out);
	return 0;
}
