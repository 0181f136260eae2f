/*
 * Fuzz target: every carving validator (etk_cv_all(): media and
 * documents).  The input is a memory struct cv_src; each format is run
 * at offset 0 and at the first anchor hits in the input, with the whole
 * input, a window cut short, small max sizes and a spent read budget
 * (short reads before the window end).  Every answer is checked against
 * the contract in lib/carve/carve_int.h: a known status, no length for
 * CV_NO, a length inside max and the window, fragments inside the
 * window adding up to the length.
 *
 * ETK_FUZZ_CARVE_TYPES=pdf,zip,... limits the run to those formats
 * (for chasing one validator); unset, every format runs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carve/carve_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXFMT		128
#define MAXHITS		8

struct fmem {
	const uint8_t *data;
	size_t size;
	uint64_t budget;	/* bytes still to give; UINT64_MAX: all */
};

static int
fmem_read(void *ctx, uint64_t off, void *buf, size_t len, size_t *got)
{
	struct fmem *m = ctx;

	*got = 0;
	if (off >= m->size)
		return 0;
	if (len > m->size - off)
		len = m->size - off;
	if (len > m->budget)
		len = (size_t)m->budget;
	memcpy(buf, m->data + off, len);
	if (m->budget != UINT64_MAX)
		m->budget -= len;
	*got = len;
	return 0;
}

static void
check(const struct cv_format *f, const struct cv_src *s, uint64_t off,
    uint64_t max, uint64_t budget, const uint8_t *data, size_t size)
{
	struct fmem m;
	struct cv_src src = *s;
	struct cv_result r;
	enum cv_status st;
	uint64_t sum = 0;
	size_t i;

	m.data = data;
	m.size = size;
	m.budget = budget;
	src.ctx = &m;
	memset(&r, 0x5a, sizeof(r));
	st = f->validate(&src, off, max, &r);
	if (st != r.status || (st != CV_NO && st != CV_COMPLETE &&
	    st != CV_TRUNCATED && st != CV_CORRUPT))
		abort();
	if (st == CV_NO)
		return;
	/* One piece: inside [off, end).  Fragments: each inside the
	 * window (a reversed layout may start before off), summing to
	 * len. */
	if (r.len > max || r.nfrag > CV_MAXFRAG ||
	    (r.nfrag == 0 && r.len > src.end - off))
		abort();
	if (st == CV_COMPLETE && r.len == 0)
		abort();
	for (i = 0; i < r.nfrag; i++) {
		if (r.frag[i].off >= src.end ||
		    r.frag[i].len > src.end - r.frag[i].off)
			abort();
		sum += r.frag[i].len;
	}
	if (r.nfrag > 0 && sum != r.len)
		abort();
	if (r.type != NULL && strlen(r.type) == 0)
		abort();
	if (r.ext != NULL && strlen(r.ext) == 0)
		abort();
}

static void
run_at(const struct cv_format *f, uint64_t off, const uint8_t *data,
    size_t size)
{
	struct cv_src s;
	uint64_t rest;

	memset(&s, 0, sizeof(s));
	s.read = fmem_read;
	s.end = size;
	s.cluster = 512;
	rest = size - off;
	check(f, &s, off, rest, UINT64_MAX, data, size);
	check(f, &s, off, (uint64_t)1 << 40, UINT64_MAX, data, size);
	check(f, &s, off, 64, UINT64_MAX, data, size);
	check(f, &s, off, rest / 2 + 1, UINT64_MAX, data, size);
	check(f, &s, off, rest, 1024, data, size);
	/* A window ending before the input does. */
	s.end = off + rest * 2 / 3;
	check(f, &s, off, rest, UINT64_MAX, data, size);
}

static int
wanted(const char *type)
{
	static const char *only;
	static int once;
	const char *p;
	size_t l = strlen(type);

	if (!once) {
		only = getenv("ETK_FUZZ_CARVE_TYPES");
		once = 1;
	}
	if (only == NULL)
		return 1;
	for (p = only; (p = strstr(p, type)) != NULL; p += l)
		if ((p == only || p[-1] == ',') &&
		    (p[l] == ',' || p[l] == '\0'))
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cv_format *fmt[MAXFMT];
	size_t n, i, pos, hits;

	n = etk_cv_all(fmt, MAXFMT);
	if (n > MAXFMT)
		n = MAXFMT;
	if (size == 0)
		return 0;
	for (i = 0; i < n; i++) {
		const struct cv_format *f = fmt[i];

		if (!wanted(f->type))
			continue;

		/* Offset 0 whatever it holds, then where the engine would
		 * try: the anchor magic_off bytes into a candidate. */
		run_at(f, 0, data, size);
		for (pos = f->magic_off, hits = 0; hits < MAXHITS &&
		    pos + f->magic_len <= size; pos++) {
			if (memcmp(data + pos, f->magic, f->magic_len) != 0 ||
			    pos - f->magic_off == 0)
				continue;
			run_at(f, pos - f->magic_off, data, size);
			hits++;
		}
	}
	return 0;
}
