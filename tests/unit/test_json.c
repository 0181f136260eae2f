/* Unit tests: JSON emitter (lib/core/json.c) and reader
 * (lib/core/json_read.c). */
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

#include <etk/json.h>

/* ---- emitter ---- */

/* The JSON string literal the emitter makes for s[0..n). */
static char *
quoted(const char *s, size_t n)
{
	struct etk_buf b;

	etk_buf_init(&b);
	etk_json_quote(&b, s, n);
	return etk_buf_detach(&b);
}

static void
check_quote(const char *in, size_t n, const char *want)
{
	char *got = quoted(in, n);

	if (strcmp(got, want) != 0)
		fail_msg("quote: got %s, want %s", got, want);
	free(got);
}

#define CHECKQ(in, want) check_quote(in, sizeof(in) - 1, want)

static void
test_emit_escapes(void **state)
{
	(void)state;
	CHECKQ("", "\"\"");
	CHECKQ("plain / text", "\"plain / text\"");
	CHECKQ("\"\\", "\"\\\"\\\\\"");
	CHECKQ("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	CHECKQ("\x01\x02\x1e\x1f\x7f", "\"\\u0001\\u0002\\u001e\\u001f"
	    "\\u007f\"");
	CHECKQ("a\0b", "\"a\\u0000b\"");
	/* Non-ASCII to \u (lower-case hex), non-BMP as surrogate pairs. */
	CHECKQ("caf\xc3\xa9", "\"caf\\u00e9\"");
	CHECKQ("\xc2\x80", "\"\\u0080\"");
	CHECKQ("\xe2\x82\xac", "\"\\u20ac\"");
	CHECKQ("\xef\xbf\xbf", "\"\\uffff\"");
	CHECKQ("\xf0\x9f\x98\x80", "\"\\ud83d\\ude00\"");
	CHECKQ("\xf0\x90\x80\x80", "\"\\ud800\\udc00\"");
	CHECKQ("\xf4\x8f\xbf\xbf", "\"\\udbff\\udfff\"");
	/* Invalid UTF-8: one U+FFFD per bad byte. */
	CHECKQ("\xff", "\"\\ufffd\"");
	CHECKQ("a\xc3", "\"a\\ufffd\"");		/* truncated */
	CHECKQ("\xc3(", "\"\\ufffd(\"");		/* bad continuation */
	CHECKQ("\xc0\xaf", "\"\\ufffd\\ufffd\"");	/* overlong '/' */
	CHECKQ("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	CHECKQ("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	CHECKQ("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	CHECKQ("\x80x", "\"\\ufffdx\"");		/* lone continuation */
	CHECKQ("\xf8\x88\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd"
	    "\\ufffd\"");
}

static void
test_emit_values(void **state)
{
	struct etk_json j;
	struct etk_buf b;

	(void)state;
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "s", "x");
	etk_json_kstr(&j, "n", NULL);
	etk_json_kint(&j, "imin", INT64_MIN);
	etk_json_kint(&j, "imax", INT64_MAX);
	etk_json_kuint(&j, "umax", UINT64_MAX);
	etk_json_kbool(&j, "t", 1);
	etk_json_kbool(&j, "f", 0);
	etk_json_key(&j, "d");
	etk_json_arr_begin(&j);
	etk_json_double(&j, 0.1);
	etk_json_double(&j, 1.5);
	etk_json_double(&j, -0.0);
	etk_json_double(&j, 1e300);
	etk_json_double(&j, 1.0 / 3.0);
	etk_json_double(&j, NAN);
	etk_json_double(&j, INFINITY);
	etk_json_arr_end(&j);
	etk_json_key(&j, "raw");
	etk_json_raw(&j, "{\"pre\":1}");
	etk_json_key(&j, "t0");
	etk_json_time(&j, 1383065788, 38000000);
	etk_json_key(&j, "t1");
	etk_json_time(&j, 0, 0);
	etk_json_key(&j, "bin");
	etk_json_strn(&j, "a\0\xff", 3);
	etk_json_key(&j, "nul");
	etk_json_null(&j);
	etk_json_obj_end(&j);
	assert_string_equal(b.data, "{\"s\":\"x\",\"n\":null,"
	    "\"imin\":-9223372036854775808,\"imax\":9223372036854775807,"
	    "\"umax\":18446744073709551615,\"t\":true,\"f\":false,"
	    "\"d\":[0.1,1.5,-0,1e+300,0.33333333333333331,null,null],"
	    "\"raw\":{\"pre\":1},\"t0\":\"2013-10-29T16:56:28.038Z\","
	    "\"t1\":\"1970-01-01T00:00:00Z\",\"bin\":\"a\\u0000\\ufffd\","
	    "\"nul\":null}");
	etk_buf_release(&b);
}

static void
test_emit_nesting_commas(void **state)
{
	struct etk_json j;
	struct etk_buf b;

	(void)state;
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_key(&j, "a");
	etk_json_arr_begin(&j);
	etk_json_arr_end(&j);
	etk_json_key(&j, "b");
	etk_json_obj_begin(&j);
	etk_json_obj_end(&j);
	etk_json_key(&j, "c");
	etk_json_arr_begin(&j);
	etk_json_int(&j, 1);
	etk_json_arr_begin(&j);
	etk_json_int(&j, 2);
	etk_json_obj_begin(&j);
	etk_json_kint(&j, "x", 3);
	etk_json_kint(&j, "y", 4);
	etk_json_obj_end(&j);
	etk_json_arr_end(&j);
	etk_json_str(&j, "z");
	etk_json_arr_begin(&j);
	etk_json_arr_end(&j);
	etk_json_arr_end(&j);
	etk_json_key(&j, "d");
	etk_json_uint(&j, 5);
	etk_json_obj_end(&j);
	assert_string_equal(b.data, "{\"a\":[],\"b\":{},\"c\":[1,[2,"
	    "{\"x\":3,\"y\":4}],\"z\",[]],\"d\":5}");
	etk_buf_release(&b);

	/* Keys are escaped like strings. */
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "k\"\n\xc3\xa9", "v");
	etk_json_obj_end(&j);
	assert_string_equal(b.data, "{\"k\\\"\\n\\u00e9\":\"v\"}");
	etk_buf_release(&b);
}

/* 31 nested containers (what the emitter's first[] holds: index 0 is
 * the top level) come out with the right commas and parse back. */
static void
test_emit_deep(void **state)
{
	struct etk_error err = { 0 };
	struct etk_jval *v = NULL;
	struct etk_buf b, want;
	struct etk_json j;
	int i, n = ETK_JSON_MAXDEPTH - 1;

	(void)state;
	etk_buf_init(&b);
	etk_buf_init(&want);
	etk_json_init(&j, &b);
	for (i = 0; i < n; i++) {
		etk_json_arr_begin(&j);
		etk_json_int(&j, i);
		etk_buf_printf(&want, "%s[%d", i ? "," : "", i);
	}
	for (i = 0; i < n; i++) {
		etk_json_arr_end(&j);
		etk_buf_addc(&want, ']');
		if (i < n - 1) {
			etk_json_int(&j, 100 + i);
			etk_buf_printf(&want, ",%d", 100 + i);
		}
	}
	assert_string_equal(b.data, want.data);
	assert_int_equal(etk_json_parse(b.data, b.len, &v, &err), ETK_OK);
	assert_int_equal(v->type, ETK_JARR);
	assert_int_equal(v->n, 3);
	etk_jval_free(v);
	etk_buf_release(&b);
	etk_buf_release(&want);
}

/* ---- reader ---- */

static struct etk_jval *
parse_ok(const char *s)
{
	struct etk_error err = { 0 };
	struct etk_jval *v = NULL;

	if (etk_json_parse(s, strlen(s), &v, &err) != ETK_OK)
		fail_msg("parse '%s': %s", s, err.msg);
	assert_non_null(v);
	return v;
}

static void
test_parse_scalars(void **state)
{
	struct etk_jval *v;

	(void)state;
	v = parse_ok("null");
	assert_int_equal(v->type, ETK_JNULL);
	etk_jval_free(v);
	v = parse_ok(" \t\r\ntrue\n");
	assert_int_equal(v->type, ETK_JBOOL);
	assert_int_equal(v->b, 1);
	etk_jval_free(v);
	v = parse_ok("false");
	assert_int_equal(v->type, ETK_JBOOL);
	assert_int_equal(v->b, 0);
	etk_jval_free(v);
	v = parse_ok("\"\"");
	assert_int_equal(v->type, ETK_JSTR);
	assert_string_equal(v->str, "");
	assert_int_equal(v->slen, 0);
	etk_jval_free(v);
}

struct numcase {
	const char *s;
	int is_int;
	int64_t inum;
	double num;
};

static void
test_parse_numbers(void **state)
{
	static const struct numcase nums[] = {
		{ "0", 1, 0, 0.0 },
		{ "-0", 1, 0, -0.0 },
		{ "7", 1, 7, 7.0 },
		{ "-42", 1, -42, -42.0 },
		{ "9223372036854775807", 1, INT64_MAX, 9223372036854775807.0 },
		{ "-9223372036854775808", 1, INT64_MIN, -9223372036854775808.0 },
		{ "9223372036854775808", 0, 0, 9223372036854775808.0 },
		{ "-9223372036854775809", 0, 0, -9223372036854775809.0 },
		{ "18446744073709551616", 0, 0, 18446744073709551616.0 },
		{ "1.0", 0, 0, 1.0 },
		{ "1e2", 0, 0, 100.0 },
		{ "1E+2", 0, 0, 100.0 },
		{ "-1.5e-3", 0, 0, -0.0015 },
		{ "0.1", 0, 0, 0.1 },
		{ "123456789012345678901234567890", 0, 0,
		    123456789012345678901234567890.0 },
		{ "1e-400", 0, 0, 0.0 },	/* underflow is fine */
		{ "2.2250738585072014e-308", 0, 0, 2.2250738585072014e-308 },
		{ "1.7976931348623157e308", 0, 0, 1.7976931348623157e308 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		struct etk_jval *v = parse_ok(nums[i].s);

		assert_int_equal(v->type, ETK_JNUM);
		if (v->is_int != nums[i].is_int)
			fail_msg("%s: is_int %d", nums[i].s, v->is_int);
		if (v->is_int)
			assert_true(v->inum == nums[i].inum);
		if (v->num != nums[i].num ||
		    signbit(v->num) != signbit(nums[i].num))
			fail_msg("%s: num %.17g", nums[i].s, v->num);
		etk_jval_free(v);
	}
}

static void
test_parse_numbers_locale(void **state)
{
	struct etk_jval *v;

	(void)state;
	/* A comma-decimal locale must not change what "1.5" means. */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL &&
	    setlocale(LC_NUMERIC, "de_DE") == NULL &&
	    setlocale(LC_NUMERIC, "fr_FR.UTF-8") == NULL)
		skip();
	v = parse_ok("[1.5,2.25e1]");
	assert_true(v->items[0]->num == 1.5);
	assert_true(v->items[1]->num == 22.5);
	etk_jval_free(v);
	setlocale(LC_NUMERIC, "C");
}

static void
test_parse_strings(void **state)
{
	struct etk_jval *v;

	(void)state;
	v = parse_ok("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"");
	assert_string_equal(v->str, "a\"b\\c/d\be\ff\ng\rh\ti");
	etk_jval_free(v);
	v = parse_ok("\"\\u00e9\\u20AC\\ud83d\\ude00\\uFFFF\\u0041\"");
	assert_string_equal(v->str, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
	    "\xef\xbf\xbf" "A");
	etk_jval_free(v);
	/* \u0000 in a value: kept, slen says so. */
	v = parse_ok("\"a\\u0000b\"");
	assert_int_equal(v->slen, 3);
	assert_memory_equal(v->str, "a\0b", 4);
	etk_jval_free(v);
	/* Raw UTF-8 (2, 3 and 4 bytes) passes through. */
	v = parse_ok("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"");
	assert_string_equal(v->str, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
	    "\xf4\x8f\xbf\xbf");
	etk_jval_free(v);
	/* DEL is not a control character in JSON. */
	v = parse_ok("\"\x7f\"");
	assert_string_equal(v->str, "\x7f");
	etk_jval_free(v);
}

static void
test_parse_containers(void **state)
{
	const struct etk_jval *m;
	struct etk_jval *v;

	(void)state;
	v = parse_ok(" { \"a\" : [ 1 , 2 , { } , [ ] ] , \"b\" : \"x\" ,"
	    " \"c\" : null , \"\" : true } ");
	assert_int_equal(v->type, ETK_JOBJ);
	assert_int_equal(v->n, 4);
	assert_string_equal(v->keys[0], "a");
	assert_string_equal(v->keys[3], "");
	m = etk_jval_get(v, "a");
	assert_non_null(m);
	assert_int_equal(m->type, ETK_JARR);
	assert_int_equal(m->n, 4);
	assert_int_equal(m->items[1]->inum, 2);
	assert_int_equal(m->items[2]->type, ETK_JOBJ);
	assert_int_equal(m->items[2]->n, 0);
	assert_int_equal(m->items[3]->type, ETK_JARR);
	assert_string_equal(etk_jval_str(v, "b"), "x");
	assert_null(etk_jval_str(v, "c"));	/* not a string */
	assert_null(etk_jval_str(v, "a"));
	assert_null(etk_jval_str(v, "zz"));	/* absent */
	assert_non_null(etk_jval_get(v, ""));
	assert_null(etk_jval_get(m, "a"));	/* not an object */
	assert_null(etk_jval_get(NULL, "a"));
	assert_null(etk_jval_get(v, NULL));
	assert_null(etk_jval_str(NULL, "a"));
	etk_jval_free(v);
	etk_jval_free(NULL);

	/* Many members (past the duplicate check's small case). */
	{
		struct etk_buf b;
		int i;

		etk_buf_init(&b);
		etk_buf_addc(&b, '{');
		for (i = 0; i < 500; i++)
			etk_buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
		etk_buf_addc(&b, '}');
		v = parse_ok(b.data);
		assert_int_equal(v->n, 500);
		assert_int_equal(etk_jval_get(v, "k499")->inum, 499);
		etk_jval_free(v);
		etk_buf_release(&b);
	}
}

struct badjson {
	const char *s;
	size_t len;		/* 0: strlen */
	int code;
	const char *msg;	/* substring, or NULL */
};

static void
test_parse_invalid(void **state)
{
	static const struct badjson bad[] = {
		{ "", 0, ETK_EFORMAT, "line 1, column 1: no value" },
		{ " \n ", 0, ETK_EFORMAT, "line 2, column 2: no value" },
		{ "nul", 0, ETK_EFORMAT, "expected a value" },
		{ "tru", 0, ETK_EFORMAT, NULL },
		{ "tRue", 0, ETK_EFORMAT, NULL },
		{ "nulll", 0, ETK_EFORMAT, "expected end of input" },
		{ "NaN", 0, ETK_EFORMAT, NULL },
		{ "Infinity", 0, ETK_EFORMAT, NULL },
		{ "-Infinity", 0, ETK_EFORMAT, NULL },
		{ "[", 0, ETK_EFORMAT, "found end of input" },
		{ "]", 0, ETK_EFORMAT, NULL },
		{ "[1,]", 0, ETK_EFORMAT, "column 4: expected a value" },
		{ "[,1]", 0, ETK_EFORMAT, NULL },
		{ "[1 2]", 0, ETK_EFORMAT, "expected ',' or ']'" },
		{ "[1,,2]", 0, ETK_EFORMAT, NULL },
		{ "{\"a\"}", 0, ETK_EFORMAT, "expected ':' after object key" },
		{ "{\"a\" 1}", 0, ETK_EFORMAT, NULL },
		{ "{\"a\":}", 0, ETK_EFORMAT, NULL },
		{ "{a:1}", 0, ETK_EFORMAT, "an object key" },
		{ "{'a':1}", 0, ETK_EFORMAT, NULL },
		{ "{\"a\":1,}", 0, ETK_EFORMAT, NULL },
		{ "{\"a\":1 \"b\":2}", 0, ETK_EFORMAT, "expected ',' or '}'" },
		{ "{1:2}", 0, ETK_EFORMAT, NULL },
		{ "01", 0, ETK_EFORMAT, "expected end of input" },
		{ "[01]", 0, ETK_EFORMAT, NULL },
		{ "1.", 0, ETK_EFORMAT, "a digit after '.'" },
		{ ".5", 0, ETK_EFORMAT, NULL },
		{ "+1", 0, ETK_EFORMAT, NULL },
		{ "-", 0, ETK_EFORMAT, "expected a digit" },
		{ "-a", 0, ETK_EFORMAT, NULL },
		{ "1e", 0, ETK_EFORMAT, "a digit in the exponent" },
		{ "1e+", 0, ETK_EFORMAT, NULL },
		{ "0x10", 0, ETK_EFORMAT, NULL },
		{ "1e999", 0, ETK_EFORMAT, "number out of range" },
		{ "-1e999", 0, ETK_EFORMAT, "number out of range" },
		{ "\"abc", 0, ETK_EFORMAT, "unterminated string" },
		{ "\"abc\\\"", 0, ETK_EFORMAT, "unterminated string" },
		{ "\"\\", 0, ETK_EFORMAT, "unterminated string" },
		{ "\"\\x\"", 0, ETK_EFORMAT, "an escape character" },
		{ "\"\\u12\"", 0, ETK_EFORMAT, "bad \\u escape" },
		{ "\"\\u12g4\"", 0, ETK_EFORMAT, "bad \\u escape" },
		{ "\"\\ud800\"", 0, ETK_EFORMAT, "not followed by a low" },
		{ "\"\\ud800x\"", 0, ETK_EFORMAT, "not followed by a low" },
		{ "\"\\ud800\\u0041\"", 0, ETK_EFORMAT, NULL },
		{ "\"\\ud800\\ud800\"", 0, ETK_EFORMAT, NULL },
		{ "\"\\udc00\"", 0, ETK_EFORMAT, "lone low surrogate" },
		{ "\"\\udfff\\ud800\"", 0, ETK_EFORMAT, NULL },
		{ "\"a\x01\"", 0, ETK_EFORMAT, "control byte 0x01" },
		{ "\"a\nb\"", 0, ETK_EFORMAT, "control byte 0x0A" },
		{ "\"a\tb\"", 0, ETK_EFORMAT, NULL },
		{ "\"\xff\"", 0, ETK_EFORMAT, "invalid UTF-8" },
		{ "\"\xc3\"", 0, ETK_EFORMAT, "invalid UTF-8" },
		{ "\"\xc3(\"", 0, ETK_EFORMAT, "invalid UTF-8" },
		{ "\"\xc0\xaf\"", 0, ETK_EFORMAT, NULL },
		{ "\"\xe0\x80\xaf\"", 0, ETK_EFORMAT, NULL },
		{ "\"\xed\xa0\x80\"", 0, ETK_EFORMAT, NULL },
		{ "\"\xf4\x90\x80\x80\"", 0, ETK_EFORMAT, NULL },
		{ "\"\xf0\x8f\xbf\xbf\"", 0, ETK_EFORMAT, NULL },
		{ "\"\xe2\x82\"", 0, ETK_EFORMAT, NULL },
		{ "1 2", 0, ETK_EFORMAT, "column 3: expected end of input" },
		{ "[1] x", 0, ETK_EFORMAT, NULL },
		{ "{}{}", 0, ETK_EFORMAT, NULL },
		{ "[1]\0", 4, ETK_EFORMAT, "found byte 0x00" },
		{ "\0", 1, ETK_EFORMAT, NULL },
		{ "\xef\xbb\xbf{}", 0, ETK_EFORMAT, NULL },	/* BOM */
		{ "\f1", 0, ETK_EFORMAT, NULL },	/* not JSON whitespace */
		{ "1\v", 0, ETK_EFORMAT, NULL },
		{ "{\"a\":1,\"a\":2}", 0, ETK_EFORMAT, "duplicate object key "
		    "\"a\"" },
		{ "{\"a\\u0000b\":1}", 0, ETK_EFORMAT, "object key holds" },
		{ "{\"\\u0061\":1,\"a\":2}", 0, ETK_EFORMAT, "duplicate" },
		{ "[1,\n  {\"x\":tru}]", 0, ETK_EFORMAT,
		    "line 2, column 8: expected a value" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct etk_error err = { 0 };
		struct etk_jval *v = (struct etk_jval *)&err;	/* poison */
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].s);
		int rc = etk_json_parse(bad[i].s, len, &v, &err);

		if (rc != bad[i].code)
			fail_msg("#%zu '%s': rc %d, want %d", i, bad[i].s, rc,
			    bad[i].code);
		assert_null(v);
		assert_true(strncmp(err.msg, "json: line ", 11) == 0);
		if (bad[i].msg != NULL && strstr(err.msg, bad[i].msg) == NULL)
			fail_msg("#%zu '%s': message '%s' lacks '%s'", i,
			    bad[i].s, err.msg, bad[i].msg);
	}
}

static void
test_parse_bad_arguments(void **state)
{
	struct etk_error err = { 0 };
	struct etk_jval *v = NULL;

	(void)state;
	assert_int_equal(etk_json_parse("1", 1, NULL, &err), ETK_EINVAL);
	assert_int_equal(etk_json_parse(NULL, 1, &v, &err), ETK_EINVAL);
	assert_int_equal(etk_json_parse(NULL, 0, &v, &err), ETK_EFORMAT);
	assert_null(v);
	assert_int_equal(etk_json_parse("[1,", 3, &v, NULL), ETK_EFORMAT);
	/* Not NUL-terminated: only len bytes are read. */
	{
		char buf[3] = { '[', '1', ']' };

		assert_int_equal(etk_json_parse(buf, sizeof(buf), &v, &err),
		    ETK_OK);
		etk_jval_free(v);
	}
	assert_int_equal(etk_json_parse("[1]garbage", 3, &v, &err), ETK_OK);
	etk_jval_free(v);
	assert_int_equal(etk_json_parse("\"abc\"", 3, &v, &err), ETK_EFORMAT);
	assert_int_equal(etk_json_parse("tru", 2, &v, &err), ETK_EFORMAT);
	assert_int_equal(etk_json_parse("12", 1, &v, &err), ETK_OK);
	assert_int_equal(v->inum, 1);
	etk_jval_free(v);
}

static char *
nested(int depth, const char *open, const char *inner, const char *close)
{
	struct etk_buf b;
	int i;

	etk_buf_init(&b);
	for (i = 0; i < depth; i++)
		etk_buf_adds(&b, open);
	etk_buf_adds(&b, inner);
	for (i = 0; i < depth; i++)
		etk_buf_adds(&b, close);
	return etk_buf_detach(&b);
}

static void
test_parse_depth(void **state)
{
	struct etk_error err = { 0 };
	struct etk_jval *v = NULL;
	char *s;

	(void)state;
	s = nested(ETK_JSON_MAXDEPTH, "[", "1", "]");
	assert_int_equal(etk_json_parse(s, strlen(s), &v, &err), ETK_OK);
	etk_jval_free(v);
	free(s);
	s = nested(ETK_JSON_MAXDEPTH, "{\"k\":", "1", "}");
	assert_int_equal(etk_json_parse(s, strlen(s), &v, &err), ETK_OK);
	etk_jval_free(v);
	free(s);

	s = nested(ETK_JSON_MAXDEPTH + 1, "[", "", "]");
	assert_int_equal(etk_json_parse(s, strlen(s), &v, &err),
	    ETK_ETIMEOUT);
	assert_null(v);
	assert_non_null(strstr(err.msg, "column 33: nested deeper than 32"));
	free(s);
	s = nested(ETK_JSON_MAXDEPTH + 1, "{\"k\":", "1", "}");
	assert_int_equal(etk_json_parse(s, strlen(s), &v, &err),
	    ETK_ETIMEOUT);
	free(s);

	/* Hostile: a million '[' is refused quickly without recursion. */
	s = nested(1000000, "[", "", "");
	assert_int_equal(etk_json_parse(s, strlen(s), &v, &err),
	    ETK_ETIMEOUT);
	free(s);
	s = nested(500000, "[1,", "", "");
	assert_int_equal(etk_json_parse(s, strlen(s), &v, &err),
	    ETK_ETIMEOUT);
	free(s);
	s = nested(1000000, "{\"a\":", "", "");
	assert_int_equal(etk_json_parse(s, strlen(s), &v, &err),
	    ETK_ETIMEOUT);
	free(s);
}

/* Errors deep inside a tree free everything built so far (ASan). */
static void
test_parse_error_frees(void **state)
{
	static const char *const docs[] = {
		"[[1,2,[3,{\"a\":[4,\"x\",{\"b\":tru}]}]]]",
		"{\"a\":{\"b\":{\"c\":[1,2,3,\"\\ud800\"]}}}",
		"{\"a\":[1],\"b\":{\"c\":1},\"a\":2}",
		"[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"\xff\"]",
		"{\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,"
		    "\"k8\":8,\"k9\":9,\"k10\":10,\"k11\":11,\"k12\":12,"
		    "\"k13\":13,\"k14\":14,\"k15\":15,\"k16\":16,\"k17\":17,"
		    "\"k3\":18}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct etk_error err = { 0 };
		struct etk_jval *v = NULL;

		assert_int_equal(etk_json_parse(docs[i], strlen(docs[i]), &v,
		    &err), ETK_EFORMAT);
		assert_null(v);
	}
}

/* Emitter output always parses, and strings come back as the valid
 * UTF-8 the emitter meant. */
static void
test_emit_then_parse(void **state)
{
	static const char nasty[] = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f"
	    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\xc0\xaf\xed\xa0\x80";
	static const char want[] = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f"
	    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd";
	struct etk_error err = { 0 };
	struct etk_jval *v = NULL;
	struct etk_json j;
	struct etk_buf b;

	(void)state;
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_key(&j, nasty);
	etk_json_strn(&j, nasty, sizeof(nasty) - 1);
	etk_json_kint(&j, "n", -5);
	etk_json_key(&j, "d");
	etk_json_double(&j, 0.30000000000000004);
	etk_json_obj_end(&j);
	assert_int_equal(etk_json_parse(b.data, b.len, &v, &err), ETK_OK);
	assert_int_equal(v->n, 3);
	assert_string_equal(v->keys[0], want);
	assert_string_equal(v->items[0]->str, want);
	assert_int_equal(v->items[0]->slen, sizeof(want) - 1);
	assert_int_equal(v->items[1]->inum, -5);
	assert_true(v->items[2]->num == 0.30000000000000004);
	etk_jval_free(v);
	etk_buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emit_escapes),
		cmocka_unit_test(test_emit_values),
		cmocka_unit_test(test_emit_nesting_commas),
		cmocka_unit_test(test_emit_deep),
		cmocka_unit_test(test_parse_scalars),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_parse_numbers_locale),
		cmocka_unit_test(test_parse_strings),
		cmocka_unit_test(test_parse_containers),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_bad_arguments),
		cmocka_unit_test(test_parse_depth),
		cmocka_unit_test(test_parse_error_frees),
		cmocka_unit_test(test_emit_then_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
