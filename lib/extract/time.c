/*
 * The clocks phone databases keep, to one UTC instant.  Everything is
 * integer arithmetic on int64_t with floor division, so a negative raw
 * value (before the epoch) lands on the right second and nanosecond,
 * and nothing depends on the examiner's time zone or locale.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "extract/ex_int.h"

/* Seconds from 1970-01-01 back to the other epochs. */
#define COCOA_EPOCH	978307200LL	/* 2001-01-01 */
#define WIN_EPOCH	(-11644473600LL)	/* 1601-01-01 */
/* Instants outside 1601-01-01 .. 9999-12-31T23:59:59 are not times. */
#define T_MIN		WIN_EPOCH
#define T_MAX		253402300799LL

const char *
ex_tenc_name(enum ex_tenc e)
{
	switch (e) {
	case EX_T_UNIX_S:	return "unix_s";
	case EX_T_UNIX_MS:	return "unix_ms";
	case EX_T_UNIX_US:	return "unix_us";
	case EX_T_UNIX_NS:	return "unix_ns";
	case EX_T_COCOA_S:	return "cocoa_s";
	case EX_T_COCOA_NS:	return "cocoa_ns";
	case EX_T_WEBKIT_US:	return "webkit_us";
	case EX_T_FILETIME:	return "filetime";
	case EX_T_NONE:		break;
	}
	return NULL;
}

/* Floor division and its non-negative remainder. */
static void
floordiv(int64_t v, int64_t d, int64_t *q, int64_t *r)
{
	*q = v / d;
	*r = v % d;
	if (*r < 0) {
		*q -= 1;
		*r += d;
	}
}

static int
finish(struct ex_time *t, int64_t sec, int64_t nsec)
{
	if (sec < T_MIN || sec > T_MAX) {
		t->set = 0;
		return -1;
	}
	t->sec = sec;
	t->nsec = (int32_t)nsec;
	t->set = 1;
	return 0;
}

int
ex_time_int(struct ex_time *t, enum ex_tenc enc, int64_t raw)
{
	int64_t q, r, unit, epoch;

	memset(t, 0, sizeof(*t));
	t->enc = enc;
	t->has_raw = 1;
	t->raw_i = raw;
	if (raw == 0 || enc == EX_T_NONE)
		return 0;
	switch (enc) {
	case EX_T_UNIX_S:	unit = 1; epoch = 0; break;
	case EX_T_UNIX_MS:	unit = 1000; epoch = 0; break;
	case EX_T_UNIX_US:	unit = 1000000; epoch = 0; break;
	case EX_T_UNIX_NS:	unit = 1000000000; epoch = 0; break;
	case EX_T_COCOA_S:	unit = 1; epoch = COCOA_EPOCH; break;
	case EX_T_COCOA_NS:	unit = 1000000000; epoch = COCOA_EPOCH; break;
	case EX_T_WEBKIT_US:	unit = 1000000; epoch = WIN_EPOCH; break;
	case EX_T_FILETIME:	unit = 10000000; epoch = WIN_EPOCH; break;
	default:
		return -1;
	}
	floordiv(raw, unit, &q, &r);
	/* q is at most ~9.2e18 for unit 1; adding an epoch could overflow
	 * only far outside the accepted range, so check first. */
	if (q > T_MAX - epoch || q < T_MIN - epoch) {
		t->set = 0;
		return -1;
	}
	return finish(t, q + epoch, r * (1000000000 / unit));
}

int
ex_time_real(struct ex_time *t, enum ex_tenc enc, double raw)
{
	double unit, epoch, s, fl;
	int64_t sec, ns;

	memset(t, 0, sizeof(*t));
	t->enc = enc;
	t->has_raw = 1;
	t->raw_is_real = 1;
	t->raw_d = raw;
	if (raw == 0 || enc == EX_T_NONE || !isfinite(raw))
		return raw == 0 || enc == EX_T_NONE ? 0 : -1;
	switch (enc) {
	case EX_T_UNIX_S:	unit = 1; epoch = 0; break;
	case EX_T_UNIX_MS:	unit = 1e3; epoch = 0; break;
	case EX_T_UNIX_US:	unit = 1e6; epoch = 0; break;
	case EX_T_UNIX_NS:	unit = 1e9; epoch = 0; break;
	case EX_T_COCOA_S:	unit = 1; epoch = (double)COCOA_EPOCH; break;
	case EX_T_COCOA_NS:	unit = 1e9; epoch = (double)COCOA_EPOCH; break;
	case EX_T_WEBKIT_US:	unit = 1e6; epoch = (double)WIN_EPOCH; break;
	case EX_T_FILETIME:	unit = 1e7; epoch = (double)WIN_EPOCH; break;
	default:
		return -1;
	}
	s = raw / unit;
	if (s + epoch < (double)T_MIN || s + epoch > (double)T_MAX + 1) {
		t->set = 0;
		return -1;
	}
	fl = floor(s);
	sec = (int64_t)fl + (int64_t)epoch;
	/* Round the fraction to the microsecond: a double carries about
	 * 16 digits, so nanoseconds of a 2024 Cocoa time are noise, and
	 * rounding keeps 1.5 from printing as 1.499999999. */
	ns = (int64_t)llround((s - fl) * 1e6) * 1000;
	if (ns >= 1000000000) {
		sec += 1;
		ns -= 1000000000;
	}
	return finish(t, sec, ns);
}

int
ex_time_cocoa_auto(struct ex_time *t, int64_t raw)
{
	if (raw >= 100000000000LL || raw <= -100000000000LL)
		return ex_time_int(t, EX_T_COCOA_NS, raw);
	return ex_time_int(t, EX_T_COCOA_S, raw);
}

/* A numeric TEXT column, as SQLite's own affinity reads it: optional
 * blanks, a sign, decimal digits, optionally a '.' and more digits,
 * blanks.  Parsed by hand rather than with strtoll/strtod: strtod
 * follows LC_NUMERIC (a comma locale would stop at the '.') and also
 * accepts hex, "inf" and "nan", none of which is a stored clock.
 * Returns 1 for an integer (*iv), 2 for a fraction (*dv), 0 for not a
 * number. */
static int
parse_text_num(const char *s, int64_t *iv, double *dv)
{
	uint64_t ip = 0, fp = 0, fscale = 1;
	int neg = 0, ndig = 0, frac = 0, nfrac = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++, ndig++) {
		if (ip > (UINT64_MAX - 9) / 10)
			return 0;
		ip = ip * 10 + (uint64_t)(*s - '0');
	}
	if (*s == '.') {
		frac = 1;
		/* Digits past 18 are below a nanosecond of any unit we
		 * read; keep the scale within uint64. */
		for (s++; *s >= '0' && *s <= '9'; s++, nfrac++) {
			if (nfrac < 18) {
				fp = fp * 10 + (uint64_t)(*s - '0');
				fscale *= 10;
			}
		}
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '\0' || ndig + nfrac == 0)
		return 0;
	if (!frac || fp == 0) {
		if (ip > (uint64_t)INT64_MAX + (uint64_t)neg)
			return 0;
		*iv = neg ? (int64_t)(0 - ip) : (int64_t)ip;
		return 1;
	}
	*dv = (double)ip + (double)fp / (double)fscale;
	if (neg)
		*dv = -*dv;
	return 2;
}

int
ex_time_col(struct ex_time *t, enum ex_tenc enc, sqlite3_stmt *st, int col)
{
	const char *s;
	int64_t iv;
	double d;

	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		return ex_time_int(t, enc, sqlite3_column_int64(st, col));
	case SQLITE_FLOAT:
		d = sqlite3_column_double(st, col);
		/* A whole-number REAL is the integer the app meant. */
		if (d == floor(d) && fabs(d) < 9.0e18)
			return ex_time_int(t, enc, (int64_t)d);
		return ex_time_real(t, enc, d);
	case SQLITE_TEXT:
		s = (const char *)sqlite3_column_text(st, col);
		if (s == NULL)
			break;
		switch (parse_text_num(s, &iv, &d)) {
		case 1:
			return ex_time_int(t, enc, iv);
		case 2:
			return ex_time_real(t, enc, d);
		default:
			break;
		}
		break;
	default:
		break;
	}
	memset(t, 0, sizeof(*t));
	t->enc = enc;
	return 0;
}
