/*
 * Unit tests: the clock table (lib/extract/time.c).
 *
 * Every expected value below was computed independently of time.c
 * (Python's datetime and exact fractions, then written here as
 * literals): the instant as Unix seconds + nanoseconds and its RFC 3339
 * string as etk_time_format prints it.  The whole table runs under
 * three time zones (UTC, America/New_York, Asia/Kolkata) to show that
 * nothing depends on the examiner's zone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include <etk/core.h>

#include "extract/ex_int.h"

/* A known answer: rc and set as ex_time_* return them; sec, nsec and
 * the printed string when set. */
struct ka {
	enum ex_tenc enc;
	int kind;		/* 'i' int, 'r' real, 'a' cocoa_auto */
	int64_t raw_i;
	double raw_d;
	int rc;
	int set;
	int64_t sec;
	int32_t nsec;
	const char *str;
};

#define I(e, raw, s, ns, str) { e, 'i', raw, 0, 0, 1, s, ns, str }
#define R(e, raw, s, ns, str) { e, 'r', 0, raw, 0, 1, s, ns, str }
#define A(raw, e, s, ns, str) { e, 'a', raw, 0, 0, 1, s, ns, str }
/* Not a time: rc (0 for "unset", -1 out of range), nothing set. */
#define IU(e, raw, rc) { e, 'i', raw, 0, rc, 0, 0, 0, NULL }
#define RU(e, raw, rc) { e, 'r', 0, raw, rc, 0, 0, 0, NULL }
#define AU(raw, rc) { EX_T_NONE, 'a', raw, 0, rc, 0, 0, 0, NULL }

static const struct ka table[] = {
	/* 0 means "unset" in every encoding; the raw is still kept. */
	IU(EX_T_UNIX_S, 0, 0),
	IU(EX_T_UNIX_MS, 0, 0),
	IU(EX_T_COCOA_NS, 0, 0),
	IU(EX_T_FILETIME, 0, 0),
	IU(EX_T_NONE, 1707818400, 0),
	/* The Unix epoch and just before it (floor division). */
	I(EX_T_UNIX_S, 1LL, 1, 0, "1970-01-01T00:00:01Z"),
	I(EX_T_UNIX_S, -1LL, -1, 0, "1969-12-31T23:59:59Z"),
	I(EX_T_UNIX_MS, -1LL, -1, 999000000, "1969-12-31T23:59:59.999Z"),
	I(EX_T_UNIX_US, -1LL, -1, 999999000, "1969-12-31T23:59:59.999Z"),
	I(EX_T_UNIX_NS, -1LL, -1, 999999999, "1969-12-31T23:59:59.999Z"),
	I(EX_T_UNIX_MS, -1500LL, -2, 500000000, "1969-12-31T23:59:58.500Z"),
	I(EX_T_UNIX_S, -31536000LL, -31536000, 0, "1969-01-01T00:00:00Z"),
	/* 2038 and past it. */
	I(EX_T_UNIX_S, 2147483647LL, 2147483647, 0, "2038-01-19T03:14:07Z"),
	I(EX_T_UNIX_S, 2147483648LL, 2147483648, 0, "2038-01-19T03:14:08Z"),
	I(EX_T_UNIX_MS, 2147483648000LL, 2147483648, 0,
	    "2038-01-19T03:14:08Z"),
	I(EX_T_UNIX_S, 4102444800LL, 4102444800, 0, "2100-01-01T00:00:00Z"),
	/* Leap days: 2000 is leap (400), 2024 is, 2100 is not (100). */
	I(EX_T_UNIX_S, 68256000LL, 68256000, 0, "1972-03-01T00:00:00Z"),
	I(EX_T_UNIX_S, 951782400LL, 951782400, 0, "2000-02-29T00:00:00Z"),
	I(EX_T_UNIX_S, 951868800LL, 951868800, 0, "2000-03-01T00:00:00Z"),
	I(EX_T_UNIX_S, 1709164800LL, 1709164800, 0, "2024-02-29T00:00:00Z"),
	I(EX_T_UNIX_S, 4107456000LL, 4107456000, 0, "2100-02-28T00:00:00Z"),
	I(EX_T_UNIX_S, 4107542400LL, 4107542400, 0, "2100-03-01T00:00:00Z"),
	/* Android milli/micro/nanoseconds. */
	I(EX_T_UNIX_MS, 1707818400000LL, 1707818400, 0,
	    "2024-02-13T10:00:00Z"),
	I(EX_T_UNIX_MS, 1707818400123LL, 1707818400, 123000000,
	    "2024-02-13T10:00:00.123Z"),
	I(EX_T_UNIX_US, 1500266348448375LL, 1500266348, 448375000,
	    "2017-07-17T04:39:08.448Z"),
	I(EX_T_UNIX_NS, 1707818400000000001LL, 1707818400, 1,
	    "2024-02-13T10:00:00.000Z"),
	I(EX_T_UNIX_NS, INT64_MIN, -9223372037LL, 145224192,
	    "1677-09-21T00:12:43.145Z"),
	I(EX_T_UNIX_NS, INT64_MAX, 9223372036, 854775807,
	    "2262-04-11T23:47:16.854Z"),
	/* Cocoa seconds and nanoseconds (2001-01-01). */
	I(EX_T_COCOA_S, 729511200LL, 1707818400, 0, "2024-02-13T10:00:00Z"),
	I(EX_T_COCOA_NS, 729511200000000000LL, 1707818400, 0,
	    "2024-02-13T10:00:00Z"),
	I(EX_T_COCOA_NS, 729511200123456789LL, 1707818400, 123456789,
	    "2024-02-13T10:00:00.123Z"),
	I(EX_T_COCOA_S, -1LL, 978307199, 0, "2000-12-31T23:59:59Z"),
	I(EX_T_COCOA_S, -978307200LL, 0, 0, "1970-01-01T00:00:00Z"),
	I(EX_T_COCOA_NS, -1LL, 978307199, 999999999,
	    "2000-12-31T23:59:59.999Z"),
	I(EX_T_COCOA_S, 1LL, 978307201, 0, "2001-01-01T00:00:01Z"),
	I(EX_T_COCOA_S, 762480000LL, 1740787200, 0, "2025-03-01T00:00:00Z"),
	/* WebKit/Chrome microseconds and FILETIME (1601-01-01). */
	I(EX_T_WEBKIT_US, 13352292000000000LL, 1707818400, 0,
	    "2024-02-13T10:00:00Z"),
	I(EX_T_WEBKIT_US, 11644473600000000LL, 0, 0, "1970-01-01T00:00:00Z"),
	I(EX_T_WEBKIT_US, 1LL, -11644473600, 1000,
	    "1601-01-01T00:00:00.000Z"),
	I(EX_T_WEBKIT_US, 13352292000654321LL, 1707818400, 654321000,
	    "2024-02-13T10:00:00.654Z"),
	I(EX_T_FILETIME, 116444736000000000LL, 0, 0, "1970-01-01T00:00:00Z"),
	I(EX_T_FILETIME, 133522920000000000LL, 1707818400, 0,
	    "2024-02-13T10:00:00Z"),
	I(EX_T_FILETIME, 133522920001234567LL, 1707818400, 123456700,
	    "2024-02-13T10:00:00.123Z"),
	I(EX_T_FILETIME, 1LL, -11644473600, 100, "1601-01-01T00:00:00.000Z"),
	/* The accepted range's edges, and past them. */
	I(EX_T_UNIX_S, 253402300799LL, 253402300799, 0,
	    "9999-12-31T23:59:59Z"),
	I(EX_T_UNIX_MS, 253402300799999LL, 253402300799, 999000000,
	    "9999-12-31T23:59:59.999Z"),
	I(EX_T_UNIX_S, -11644473600LL, -11644473600, 0,
	    "1601-01-01T00:00:00Z"),
	IU(EX_T_UNIX_S, 253402300800LL, -1),
	IU(EX_T_UNIX_MS, 253402300800000LL, -1),
	IU(EX_T_UNIX_S, -11644473601LL, -1),
	IU(EX_T_FILETIME, -1, -1),
	IU(EX_T_WEBKIT_US, -1, -1),
	IU(EX_T_UNIX_S, INT64_MAX, -1),
	IU(EX_T_UNIX_S, INT64_MIN, -1),
	IU(EX_T_COCOA_S, INT64_MAX, -1),
	IU(EX_T_COCOA_S, INT64_MIN, -1),
	IU(EX_T_UNIX_MS, -62135596800000LL, -1),	/* year 1 */
	/* REAL columns: Cocoa seconds with a fraction. */
	R(EX_T_COCOA_S, 729511200.5, 1707818400, 500000000,
	    "2024-02-13T10:00:00.500Z"),
	R(EX_T_COCOA_S, 729511200.25, 1707818400, 250000000,
	    "2024-02-13T10:00:00.250Z"),
	R(EX_T_COCOA_S, -0.5, 978307199, 500000000,
	    "2000-12-31T23:59:59.500Z"),
	R(EX_T_UNIX_S, 1707818400.123, 1707818400, 123000000,
	    "2024-02-13T10:00:00.123Z"),
	R(EX_T_UNIX_MS, 1707818400123.5, 1707818400, 123500000,
	    "2024-02-13T10:00:00.123Z"),
	R(EX_T_COCOA_S, 729511200.0, 1707818400, 0, "2024-02-13T10:00:00Z"),
	R(EX_T_COCOA_S, 0.999999, 978307200, 999999000,
	    "2001-01-01T00:00:00.999Z"),
	RU(EX_T_COCOA_S, 0.0, 0),
	RU(EX_T_COCOA_S, NAN, -1),
	RU(EX_T_COCOA_S, INFINITY, -1),
	RU(EX_T_COCOA_S, -INFINITY, -1),
	RU(EX_T_COCOA_S, 1e300, -1),
	RU(EX_T_UNIX_S, 253402300800.5, -1),
	/* cocoa_auto: |v| >= 1e11 is nanoseconds, below is seconds. */
	A(729511200LL, EX_T_COCOA_S, 1707818400, 0, "2024-02-13T10:00:00Z"),
	A(729511200000000000LL, EX_T_COCOA_NS, 1707818400, 0,
	    "2024-02-13T10:00:00Z"),
	A(99999999999LL, EX_T_COCOA_S, 100978307199LL, 0,
	    "5169-11-16T09:46:39Z"),
	A(100000000000LL, EX_T_COCOA_NS, 978307300, 0,
	    "2001-01-01T00:01:40Z"),
	A(-100000000000LL, EX_T_COCOA_NS, 978307100, 0,
	    "2000-12-31T23:58:20Z"),
	AU(-99999999999LL, -1),		/* seconds, before 1601 */
	AU(0, 0),
};

static void
check_one(const struct ka *k, size_t i, const char *zone)
{
	struct ex_time t;
	char got[ETK_TIME_MAX];
	int rc;

	memset(&t, 0x5a, sizeof(t));	/* the callee must set everything */
	switch (k->kind) {
	case 'i':
		rc = ex_time_int(&t, k->enc, k->raw_i);
		break;
	case 'r':
		rc = ex_time_real(&t, k->enc, k->raw_d);
		break;
	default:
		rc = ex_time_cocoa_auto(&t, k->raw_i);
		break;
	}
	if (rc != k->rc || t.set != k->set)
		fail_msg("[%s] row %zu: rc %d set %d, want rc %d set %d", zone,
		    i, rc, t.set, k->rc, k->set);
	/* The raw value is kept whatever happened. */
	assert_int_equal(t.has_raw, 1);
	if (k->kind == 'r') {
		assert_int_equal(t.raw_is_real, 1);
		if (!isnan(k->raw_d))
			assert_true(t.raw_d == k->raw_d);
	} else {
		assert_int_equal(t.raw_is_real, 0);
		assert_true(t.raw_i == k->raw_i);
	}
	if (k->kind == 'a') {
		if (k->set)
			assert_int_equal(t.enc, k->enc);
	} else
		assert_int_equal(t.enc, k->enc);
	if (!k->set)
		return;
	etk_time_format(t.sec, t.nsec, got);
	if (t.sec != k->sec || t.nsec != k->nsec || strcmp(got, k->str) != 0)
		fail_msg("[%s] row %zu: got %lld.%09d %s, want %lld.%09d %s",
		    zone, i, (long long)t.sec, (int)t.nsec, got,
		    (long long)k->sec, (int)k->nsec, k->str);
}

static void
set_zone(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

static void
run_table(const char *zone)
{
	size_t i, n = sizeof(table) / sizeof(table[0]);

	set_zone(zone);
	for (i = 0; i < n; i++)
		check_one(&table[i], i, zone);
}

static void
test_table_size(void **state)
{
	size_t i, n = sizeof(table) / sizeof(table[0]), set = 0;

	(void)state;
	for (i = 0; i < n; i++)
		set += table[i].set;
	/* The brief: at least 40 conversions with a known answer. */
	assert_true(set >= 40);
}

static void
test_table_utc(void **state)
{
	(void)state;
	run_table("UTC");
}

static void
test_table_new_york(void **state)
{
	(void)state;
	run_table("America/New_York");
	/* Prove the zone really took: local time of 0 is 1969 there. */
	{
		time_t z = 0;
		struct tm tm;

		assert_non_null(localtime_r(&z, &tm));
		assert_int_equal(tm.tm_year, 69);
	}
}

static void
test_table_kolkata(void **state)
{
	(void)state;
	run_table("Asia/Kolkata");
	{
		time_t z = 0;
		struct tm tm;

		assert_non_null(localtime_r(&z, &tm));
		assert_int_equal(tm.tm_hour, 5);
		assert_int_equal(tm.tm_min, 30);
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_null(ex_tenc_name(EX_T_NONE));
	assert_string_equal(ex_tenc_name(EX_T_UNIX_S), "unix_s");
	assert_string_equal(ex_tenc_name(EX_T_UNIX_MS), "unix_ms");
	assert_string_equal(ex_tenc_name(EX_T_UNIX_US), "unix_us");
	assert_string_equal(ex_tenc_name(EX_T_UNIX_NS), "unix_ns");
	assert_string_equal(ex_tenc_name(EX_T_COCOA_S), "cocoa_s");
	assert_string_equal(ex_tenc_name(EX_T_COCOA_NS), "cocoa_ns");
	assert_string_equal(ex_tenc_name(EX_T_WEBKIT_US), "webkit_us");
	assert_string_equal(ex_tenc_name(EX_T_FILETIME), "filetime");
}

/* ex_time_col: one SELECT per case on an in-memory database. */
struct colcase {
	const char *expr;	/* SQL expression */
	enum ex_tenc enc;
	int rc, set, has_raw, raw_is_real;
	int64_t sec;
	int32_t nsec;
	const char *str;
};

static const struct colcase colcases[] = {
	{ "729511200", EX_T_COCOA_S, 0, 1, 1, 0, 1707818400, 0,
	    "2024-02-13T10:00:00Z" },
	{ "729511200000000000", EX_T_COCOA_NS, 0, 1, 1, 0, 1707818400, 0,
	    "2024-02-13T10:00:00Z" },
	/* A whole REAL is the integer; a fractional one stays REAL. */
	{ "729511200.0", EX_T_COCOA_S, 0, 1, 1, 0, 1707818400, 0,
	    "2024-02-13T10:00:00Z" },
	{ "729511200.5", EX_T_COCOA_S, 0, 1, 1, 1, 1707818400, 500000000,
	    "2024-02-13T10:00:00.500Z" },
	{ "-0.25", EX_T_UNIX_S, 0, 1, 1, 1, -1, 750000000,
	    "1969-12-31T23:59:59.750Z" },
	/* Numeric TEXT, with the blanks SQLite itself would accept. */
	{ "'1707818400123'", EX_T_UNIX_MS, 0, 1, 1, 0, 1707818400,
	    123000000, "2024-02-13T10:00:00.123Z" },
	{ "' 729511200 '", EX_T_COCOA_S, 0, 1, 1, 0, 1707818400, 0,
	    "2024-02-13T10:00:00Z" },
	{ "'729511200.5'", EX_T_COCOA_S, 0, 1, 1, 1, 1707818400, 500000000,
	    "2024-02-13T10:00:00.500Z" },
	{ "'-1'", EX_T_UNIX_MS, 0, 1, 1, 0, -1, 999000000,
	    "1969-12-31T23:59:59.999Z" },
	{ "'+951782400'", EX_T_UNIX_S, 0, 1, 1, 0, 951782400, 0,
	    "2000-02-29T00:00:00Z" },
	{ "'0'", EX_T_UNIX_S, 0, 0, 1, 0, 0, 0, NULL },
	{ "0", EX_T_UNIX_S, 0, 0, 1, 0, 0, 0, NULL },
	{ "253402300800", EX_T_UNIX_S, -1, 0, 1, 0, 0, 0, NULL },
	{ "'99999999999999999999'", EX_T_UNIX_S, 0, 0, 0, 0, 0, 0, NULL },
	/* Not numbers: unset, no raw. */
	{ "NULL", EX_T_UNIX_S, 0, 0, 0, 0, 0, 0, NULL },
	{ "''", EX_T_UNIX_S, 0, 0, 0, 0, 0, 0, NULL },
	{ "'abc'", EX_T_UNIX_S, 0, 0, 0, 0, 0, 0, NULL },
	{ "'12abc'", EX_T_UNIX_S, 0, 0, 0, 0, 0, 0, NULL },
	{ "'0x10'", EX_T_UNIX_S, 0, 0, 0, 0, 0, 0, NULL },
	{ "'inf'", EX_T_COCOA_S, 0, 0, 0, 0, 0, 0, NULL },
	{ "'nan'", EX_T_COCOA_S, 0, 0, 0, 0, 0, 0, NULL },
	{ "'1e9'", EX_T_UNIX_S, 0, 0, 0, 0, 0, 0, NULL },
	{ "'.'", EX_T_UNIX_S, 0, 0, 0, 0, 0, 0, NULL },
	{ "'-'", EX_T_UNIX_S, 0, 0, 0, 0, 0, 0, NULL },
	{ "x'0102'", EX_T_UNIX_S, 0, 0, 0, 0, 0, 0, NULL },
};

static void
run_cols(void)
{
	size_t i, n = sizeof(colcases) / sizeof(colcases[0]);
	char sql[128], got[ETK_TIME_MAX];
	sqlite3 *db;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	for (i = 0; i < n; i++) {
		const struct colcase *c = &colcases[i];
		sqlite3_stmt *st;
		struct ex_time t;
		int rc;

		snprintf(sql, sizeof(sql), "SELECT %s", c->expr);
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
		    SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		memset(&t, 0x5a, sizeof(t));
		rc = ex_time_col(&t, c->enc, st, 0);
		if (rc != c->rc || t.set != c->set ||
		    t.has_raw != c->has_raw ||
		    (c->has_raw && t.raw_is_real != c->raw_is_real))
			fail_msg("col %s: rc %d set %d has_raw %d real %d", c->expr,
			    rc, t.set, t.has_raw, t.raw_is_real);
		assert_int_equal(t.enc, c->enc);
		if (c->set) {
			etk_time_format(t.sec, t.nsec, got);
			if (t.sec != c->sec || t.nsec != c->nsec ||
			    strcmp(got, c->str) != 0)
				fail_msg("col %s: got %lld.%09d %s, want %s",
				    c->expr, (long long)t.sec, (int)t.nsec, got,
				    c->str);
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}

static void
test_columns(void **state)
{
	(void)state;
	set_zone("UTC");
	run_cols();
	set_zone("Asia/Kolkata");
	run_cols();
	/* A comma-decimal locale must not change "729511200.5" (skipped
	 * quietly where no such locale is installed; C.UTF-8 then). */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") != NULL ||
	    setlocale(LC_NUMERIC, "fr_FR.UTF-8") != NULL)
		run_cols();
	setlocale(LC_NUMERIC, "C");
	set_zone("UTC");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_size),
		cmocka_unit_test(test_table_utc),
		cmocka_unit_test(test_table_new_york),
		cmocka_unit_test(test_table_kolkata),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
