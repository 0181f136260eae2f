/* Unit tests: locators (lib/core/locator.c, man/etk-locator.7). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <etk/locator.h>

/* parse(s) must succeed; returns the canonical string (caller frees). */
static char *
roundtrip(const char *s, const char *source_name, struct etk_locator *loc)
{
	struct etk_error err = { 0 };
	struct etk_buf b;
	int rc;

	rc = etk_locator_parse(s, source_name, loc, &err);
	if (rc != ETK_OK)
		fail_msg("parse '%s': %s", s, err.msg);
	etk_buf_init(&b);
	etk_locator_format(loc, &b);
	assert_int_equal(b.oom, 0);
	return etk_buf_detach(&b);
}

/* format(parse(s)) == s for canonical strings. */
static void
test_canonical_roundtrip(void **state)
{
	static const char *const ok[] = {
		"phone.E01:p4:/data/data/com.whatsapp/databases/msgstore.db",
		"phone.E01:p4:i16",
		"phone.E01:@1361920+5000",
		"ffs.zip:/private/var/mobile/Library/SMS/sms.db",
		"x.E01:p2:/Users/a/b.zip!/c.txt",
		"x.E01:p2:/a/sms.db#message/42",
		"i64-128-2",
		"i64-128",
		"phone.E01",
		"phone.E01:p4",
		"phone.E01#message/1",
		"p4",
		"p4:/data",
		"/DCIM",
		"/",
		"@0+0",
		"disk.raw:p1:i12-128",
		"disk.raw:p0:i0-0-0",
		"a.E01:p2:/x.img!p1:/y!@0+512",
		"a.E01:p2:/x.img!p1",
		"a.E01:p2:/x.img!p1#t/0",
		"a:/b%25c%21d%23e%0A%7F%01%1F",
		"a:/\xc3\xbc/\xc3\x9f/\xe2\x82\xac",
		"a:/x#t/-9223372036854775808",
		"a:/x#t/9223372036854775807",
		"a:/x#T_9/-1",
		"a:i18446744073709551615-4294967295-65535",
		"a:@18446744073709551614+1",
		"a:@0+18446744073709551615",
		"a:p2147483647",
		"a:/x:y",
		"C:/Windows/System32",
		"a b.E01:p1:/with space/and'quote\"",
		"src:p1:/a?b*c&d=e;f$g",
		"a:/1!/2!/3!/4!/5!/6!/7!/8",
		"x.E01:p2:/a/b.zip!/c.tar!/d.db#message/7",
		"weird#name.E01:/x",
		"a!b.E01:/x",
		"100%.E01:p1:/x",
		"a:p",		/* "p" alone does not start an item */
		"a:i",
		"a:p4x",
		"a:",
		"phone.E01:p4x:/a",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct etk_locator loc;
		char *out = roundtrip(ok[i], NULL, &loc);

		if (strcmp(out, ok[i]) != 0)
			fail_msg("'%s' formatted as '%s'", ok[i], out);
		free(out);
		etk_locator_release(&loc);
	}
}

/* Non-canonical spellings parse and format canonically. */
static void
test_noncanonical(void **state)
{
	static const char *const pairs[][2] = {
		{ "a:p04:i007", "a:p4:i7" },
		{ "a:/%41%62", "a:/Ab" },
		{ "a:/%2f", "a://" },
		{ "a:/%0a%7f%e2%82%ac", "a:/%0A%7F\xe2\x82\xac" },
		{ "a:@00+01", "a:@0+1" },
		{ "a:/x#t/-0", "a:/x#t/0" },
		{ "a:/x#t/007", "a:/x#t/7" },
		{ "a:i5-00-01", "a:i5-0-1" },
		{ "p007", "p7" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct etk_locator loc;
		char *out = roundtrip(pairs[i][0], NULL, &loc);

		if (strcmp(out, pairs[i][1]) != 0)
			fail_msg("'%s' formatted as '%s', want '%s'",
			    pairs[i][0], out, pairs[i][1]);
		free(out);
		etk_locator_release(&loc);
	}
}

static void
test_design_examples_fields(void **state)
{
	struct etk_error err = { 0 };
	struct etk_locator loc;

	(void)state;
	assert_int_equal(etk_locator_parse(
	    "phone.E01:p4:/data/data/com.whatsapp/databases/msgstore.db",
	    NULL, &loc, &err), ETK_OK);
	assert_string_equal(loc.source, "phone.E01");
	assert_int_equal(loc.depth, 1);
	assert_int_equal(loc.items[0].volume, 4);
	assert_int_equal(loc.items[0].kind, ETK_LOC_PATH);
	assert_string_equal(loc.items[0].path,
	    "/data/data/com.whatsapp/databases/msgstore.db");
	assert_null(loc.table);
	etk_locator_release(&loc);

	assert_int_equal(etk_locator_parse("phone.E01:p4:i16", NULL, &loc,
	    &err), ETK_OK);
	assert_int_equal(loc.items[0].volume, 4);
	assert_int_equal(loc.items[0].kind, ETK_LOC_INODE);
	assert_int_equal(loc.items[0].inode, 16);
	assert_int_equal(loc.items[0].has_attr, 0);
	assert_int_equal(loc.items[0].has_attr_id, 0);
	assert_null(loc.items[0].path);
	etk_locator_release(&loc);

	assert_int_equal(etk_locator_parse("phone.E01:@1361920+5000", NULL,
	    &loc, &err), ETK_OK);
	assert_string_equal(loc.source, "phone.E01");
	assert_int_equal(loc.items[0].volume, -1);
	assert_int_equal(loc.items[0].kind, ETK_LOC_RANGE);
	assert_int_equal(loc.items[0].off, 1361920);
	assert_int_equal(loc.items[0].len, 5000);
	etk_locator_release(&loc);

	assert_int_equal(etk_locator_parse(
	    "ffs.zip:/private/var/mobile/Library/SMS/sms.db", NULL, &loc,
	    &err), ETK_OK);
	assert_string_equal(loc.source, "ffs.zip");
	assert_int_equal(loc.items[0].volume, -1);
	assert_string_equal(loc.items[0].path,
	    "/private/var/mobile/Library/SMS/sms.db");
	etk_locator_release(&loc);

	assert_int_equal(etk_locator_parse("x.E01:p2:/Users/a/b.zip!/c.txt",
	    NULL, &loc, &err), ETK_OK);
	assert_int_equal(loc.depth, 2);
	assert_int_equal(loc.items[0].volume, 2);
	assert_string_equal(loc.items[0].path, "/Users/a/b.zip");
	assert_int_equal(loc.items[1].volume, -1);
	assert_int_equal(loc.items[1].kind, ETK_LOC_PATH);
	assert_string_equal(loc.items[1].path, "/c.txt");
	etk_locator_release(&loc);

	assert_int_equal(etk_locator_parse("x.E01:p2:/a/sms.db#message/42",
	    NULL, &loc, &err), ETK_OK);
	assert_string_equal(loc.items[0].path, "/a/sms.db");
	assert_string_equal(loc.table, "message");
	assert_int_equal(loc.rowid, 42);
	etk_locator_release(&loc);

	assert_int_equal(etk_locator_parse("i64-128-2", NULL, &loc, &err),
	    ETK_OK);
	assert_null(loc.source);
	assert_int_equal(loc.depth, 1);
	assert_int_equal(loc.items[0].volume, -1);
	assert_int_equal(loc.items[0].kind, ETK_LOC_INODE);
	assert_int_equal(loc.items[0].inode, 64);
	assert_int_equal(loc.items[0].has_attr, 1);
	assert_int_equal(loc.items[0].attr_type, 128);
	assert_int_equal(loc.items[0].has_attr_id, 1);
	assert_int_equal(loc.items[0].attr_id, 2);
	etk_locator_release(&loc);

	assert_int_equal(etk_locator_parse("i64-128", NULL, &loc, &err),
	    ETK_OK);
	assert_int_equal(loc.items[0].has_attr, 1);
	assert_int_equal(loc.items[0].attr_type, 128);
	assert_int_equal(loc.items[0].has_attr_id, 0);
	etk_locator_release(&loc);
}

static void
test_source_only_and_volume_only(void **state)
{
	struct etk_error err = { 0 };
	struct etk_locator loc;

	(void)state;
	assert_int_equal(etk_locator_parse("phone.E01", NULL, &loc, &err),
	    ETK_OK);
	assert_string_equal(loc.source, "phone.E01");
	assert_int_equal(loc.depth, 1);
	assert_int_equal(loc.items[0].kind, ETK_LOC_NONE);
	assert_int_equal(loc.items[0].volume, -1);
	assert_null(loc.table);
	etk_locator_release(&loc);

	assert_int_equal(etk_locator_parse("phone.E01:p4", NULL, &loc, &err),
	    ETK_OK);
	assert_string_equal(loc.source, "phone.E01");
	assert_int_equal(loc.depth, 1);
	assert_int_equal(loc.items[0].kind, ETK_LOC_NONE);
	assert_int_equal(loc.items[0].volume, 4);
	etk_locator_release(&loc);

	assert_int_equal(etk_locator_parse("p4", NULL, &loc, &err), ETK_OK);
	assert_null(loc.source);
	assert_int_equal(loc.items[0].volume, 4);
	assert_int_equal(loc.items[0].kind, ETK_LOC_NONE);
	etk_locator_release(&loc);

	assert_int_equal(etk_locator_parse("p4:/data", NULL, &loc, &err),
	    ETK_OK);
	assert_null(loc.source);
	assert_int_equal(loc.items[0].volume, 4);
	assert_string_equal(loc.items[0].path, "/data");
	etk_locator_release(&loc);

	assert_int_equal(etk_locator_parse("sms.db#message/42", NULL, &loc,
	    &err), ETK_OK);
	assert_string_equal(loc.source, "sms.db");
	assert_int_equal(loc.items[0].kind, ETK_LOC_NONE);
	assert_string_equal(loc.table, "message");
	assert_int_equal(loc.rowid, 42);
	etk_locator_release(&loc);

	/* '#' that is no row suffix belongs to the name */
	assert_int_equal(etk_locator_parse("a#b", NULL, &loc, &err), ETK_OK);
	assert_string_equal(loc.source, "a#b");
	assert_null(loc.table);
	etk_locator_release(&loc);
}

static void
test_source_name_with_colon(void **state)
{
	struct etk_error err = { 0 };
	struct etk_locator loc;
	char *out;

	(void)state;
	/* Without the name the first item-starting ':' splits. */
	assert_int_equal(etk_locator_parse("x:/y:p1:/z", NULL, &loc, &err),
	    ETK_OK);
	assert_string_equal(loc.source, "x");
	assert_string_equal(loc.items[0].path, "/y:p1:/z");
	etk_locator_release(&loc);

	out = roundtrip("x:/y:p1:/z", "x:/y", &loc);
	assert_string_equal(loc.source, "x:/y");
	assert_int_equal(loc.items[0].volume, 1);
	assert_string_equal(loc.items[0].path, "/z");
	assert_string_equal(out, "x:/y:p1:/z");
	free(out);
	etk_locator_release(&loc);

	/* Colons that start no item work even without the name. */
	out = roundtrip("case:disk.E01:p1:/x", NULL, &loc);
	assert_string_equal(loc.source, "case:disk.E01");
	free(out);
	etk_locator_release(&loc);

	/* The name alone, even when it looks like an item. */
	out = roundtrip("p1", "p1", &loc);
	assert_string_equal(loc.source, "p1");
	assert_int_equal(loc.items[0].kind, ETK_LOC_NONE);
	assert_int_equal(loc.items[0].volume, -1);
	assert_string_equal(out, "p1");
	free(out);
	etk_locator_release(&loc);

	out = roundtrip("i5:i5", "i5", &loc);
	assert_string_equal(loc.source, "i5");
	assert_int_equal(loc.items[0].kind, ETK_LOC_INODE);
	assert_int_equal(loc.items[0].inode, 5);
	free(out);
	etk_locator_release(&loc);

	out = roundtrip("x:/y#t/3", "x:/y", &loc);
	assert_string_equal(loc.source, "x:/y");
	assert_int_equal(loc.items[0].kind, ETK_LOC_NONE);
	assert_string_equal(loc.table, "t");
	assert_int_equal(loc.rowid, 3);
	free(out);
	etk_locator_release(&loc);

	/* A name that does not match falls back to the rule. */
	out = roundtrip("other.E01:p1:/x", "phone.E01", &loc);
	assert_string_equal(loc.source, "other.E01");
	free(out);
	etk_locator_release(&loc);

	/* A prefix of the name is not the name. */
	out = roundtrip("phone.E011:p1", "phone.E01", &loc);
	assert_string_equal(loc.source, "phone.E011");
	free(out);
	etk_locator_release(&loc);

	/* An empty name is ignored. */
	out = roundtrip("p1:/x", "", &loc);
	assert_null(loc.source);
	free(out);
	etk_locator_release(&loc);

	/* The name followed by ':' and nothing is an error. */
	assert_int_equal(etk_locator_parse("x:/y:", "x:/y", &loc, &err),
	    ETK_EINVAL);
	assert_non_null(strstr(err.msg, "column 6: expected an item"));
}

struct badcase {
	const char *s;
	const char *msg;	/* expected substring of err.msg */
};

static void
test_malformed(void **state)
{
	static const struct badcase bad[] = {
		{ "", "bad locator '': empty" },
		{ "a:p4:", "column 6: expected a path, inode or range after "
		    "'p4:', found end of locator" },
		{ "a:p4:x", "column 6: expected a path, inode or range" },
		{ "a:p4:p5", "column 6: expected a path, inode or range" },
		{ "p4:", "column 4: expected a path" },
		{ "a:p4!", "column 6: expected an item" },
		{ "a:p1:/x!p", "column 10: expected digits after 'p'" },
		{ "a:/x!p", "column 7: expected digits after 'p'" },
		{ "a:/x!px", "column 7: expected digits after 'p'" },
		{ "a:/x!i", "column 7: expected digits after 'i'" },
		{ "a:/x!@", "column 7: expected offset digits after '@'" },
		{ "a:i1x", "column 5: unexpected 'x' after inode" },
		{ "a:i1-", "column 6: expected attribute type digits" },
		{ "a:i1-2-", "column 8: expected attribute id digits" },
		{ "a:i1-2-3-4", "column 9: unexpected '-' after inode" },
		{ "a:i1-4294967296", "column 6: attribute type too large" },
		{ "a:i1-1-65536", "column 8: attribute id too large" },
		{ "a:i18446744073709551616", "column 4: inode number too large" },
		{ "a:i1:/x", "column 5: unexpected ':' after inode" },
		{ "a:@1", "column 5: expected '+' and a length" },
		{ "a:@1-2", "column 5: expected '+'" },
		{ "a:@1+", "column 6: expected length digits after '+'" },
		{ "a:@1+x", "column 6: expected length digits" },
		{ "a:@1+2x", "column 7: unexpected 'x' after range" },
		{ "a:@18446744073709551615+1", "range end past 2^64" },
		{ "a:@99999999999999999999+1", "column 4: offset too large" },
		{ "a:p99999999999", "column 4: volume number too large" },
		{ "a:p2147483648", "volume number too large" },
		{ "a:p1x:/y!i", "column 11: expected digits after 'i'" },
		{ "a:/x%", "column 5: bad percent-escape" },
		{ "a:/x%4", "column 5: bad percent-escape" },
		{ "a:/x%4g", "column 5: bad percent-escape" },
		{ "a:/x%g4", "column 5: bad percent-escape" },
		{ "a:/x%4!", "column 5: bad percent-escape" },
		{ "a:/x%%41", "column 5: bad percent-escape" },
		{ "a:/x%00", "column 5: percent-escape decodes to NUL" },
		{ "a:/x\x01y", "column 5: control byte 0x01 in path" },
		{ "a:/x\ny", "column 5: control byte 0x0A" },
		{ "a:/x\x7f", "column 5: control byte 0x7F" },
		{ "a:/x!", "column 6: expected an item" },
		{ "a:/x!!/y", "column 6: expected an item" },
		{ "a:/x!y", "column 6: expected an item ('p', '/', 'i' or '@'), "
		    "found 'y' (write '!' in paths as %21)" },
		{ "a:/x!\xff", "found byte 0xFF" },
		{ "a:/x#", "column 6: expected a table name after '#', found "
		    "end of locator (write '#' in paths as %23)" },
		{ "a:/x#t", "column 7: expected '/' after table name" },
		{ "a:/x#t-1/2", "column 7: expected '/' after table name" },
		{ "a:/x#t/", "column 8: expected row id digits" },
		{ "a:/x#t/-", "column 9: expected row id digits" },
		{ "a:/x#t/+1", "column 8: expected row id digits" },
		{ "a:/x#t/1!/y", "column 9: unexpected '!' after row id" },
		{ "a:/x#t/1#u/2", "column 9: unexpected '#' after row id" },
		{ "a:/x#t/1x", "column 9: unexpected 'x'" },
		{ "a:/x#t/9223372036854775808", "column 8: row id out of range" },
		{ "a:/x#t/-9223372036854775809", "row id out of range" },
		{ "a:/x#t\xc3\xa4/1", "expected '/' after table name" },
		{ ":/x", "column 1: empty source name" },
		{ ":p1", "column 1: empty source name" },
		{ "#t/1", "column 1: empty source name" },
		{ "i5x", "column 3: unexpected 'x' after inode" },
		{ "i", NULL },	/* is a source name: see below */
		{ "@5", "column 3: expected '+'" },
		{ "p4:p5", "column 4: expected a path, inode or range" },
		{ "p4x", NULL },
		{ "a:/1!/2!/3!/4!/5!/6!/7!/8!/9",
		    "column 27: more than 8 nested items" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct etk_error err = { 0 };
		struct etk_locator loc;
		int rc;

		memset(&loc, 0xa5, sizeof(loc));	/* poison */
		rc = etk_locator_parse(bad[i].s, NULL, &loc, &err);
		if (bad[i].msg == NULL) {	/* parses as a source name */
			assert_int_equal(rc, ETK_OK);
			assert_string_equal(loc.source, bad[i].s);
			etk_locator_release(&loc);
			continue;
		}
		if (rc != ETK_EINVAL)
			fail_msg("'%s' gave %d, want ETK_EINVAL", bad[i].s, rc);
		assert_int_equal(err.code, ETK_EINVAL);
		if (strstr(err.msg, bad[i].msg) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].s,
			    err.msg, bad[i].msg);
		assert_true(strncmp(err.msg, "bad locator '", 13) == 0);
		/* Failure leaves an empty locator. */
		assert_null(loc.source);
		assert_null(loc.table);
		assert_int_equal(loc.depth, 0);
		assert_null(loc.items[0].path);
		etk_locator_release(&loc);
	}
}

static void
test_bad_arguments(void **state)
{
	struct etk_error err = { 0 };
	struct etk_locator loc;

	(void)state;
	assert_int_equal(etk_locator_parse(NULL, NULL, &loc, &err),
	    ETK_EINVAL);
	assert_int_equal(etk_locator_parse("a:/x", NULL, NULL, &err),
	    ETK_EINVAL);
	/* err may be NULL */
	assert_int_equal(etk_locator_parse("a:/x!", NULL, &loc, NULL),
	    ETK_EINVAL);
	etk_locator_release(&loc);
	etk_locator_release(NULL);
	etk_locator_format(NULL, NULL);
	etk_locator_encode_path(NULL, "x");
	assert_int_equal(etk_locator_item_copy(NULL, &loc.items[0]),
	    ETK_EINVAL);
	assert_int_equal(etk_locator_item_copy(&loc.items[0], NULL),
	    ETK_EINVAL);
}

static void
test_error_message_quoting(void **state)
{
	struct etk_error err = { 0 };
	struct etk_locator loc;
	char *s;

	(void)state;
	/* Long input: quoted to 64 bytes and "...", column still right. */
	s = malloc(5001);
	assert_non_null(s);
	memcpy(s, "a:/", 3);
	memset(s + 3, 'x', 4996);
	s[4999] = '\x01';
	s[5000] = '\0';
	assert_int_equal(etk_locator_parse(s, NULL, &loc, &err), ETK_EINVAL);
	assert_non_null(strstr(err.msg, "xxx...': column 5000: control "
	    "byte 0x01"));
	assert_true(strlen(err.msg) < 200);
	free(s);

	/* Control bytes in the quote are shown as '?'. */
	assert_int_equal(etk_locator_parse("a:/\x1b[31m!", NULL, &loc, &err),
	    ETK_EINVAL);
	assert_non_null(strstr(err.msg, "bad locator 'a:/?[31m!'"));

	/* Truncation does not split a UTF-8 sequence. */
	s = malloc(200);
	assert_non_null(s);
	memcpy(s, "a:/", 3);
	memset(s + 3, 'y', 60);
	memcpy(s + 63, "\xe2\x82\xac\xe2\x82\xac!", 8);
	assert_int_equal(etk_locator_parse(s, NULL, &loc, &err), ETK_EINVAL);
	assert_non_null(strstr(err.msg, "yyy...'"));
	free(s);
}

static void
test_hostile_long(void **state)
{
	struct etk_error err = { 0 };
	struct etk_locator loc;
	struct etk_buf b;
	size_t n = 1 << 20;
	char *s;

	(void)state;
	s = malloc(n + 1);
	assert_non_null(s);

	/* A 1 MiB path parses and round-trips. */
	memcpy(s, "a:/", 3);
	memset(s + 3, 'z', n - 3);
	s[n] = '\0';
	assert_int_equal(etk_locator_parse(s, NULL, &loc, &err), ETK_OK);
	assert_int_equal(strlen(loc.items[0].path), n - 2);
	etk_buf_init(&b);
	etk_locator_format(&loc, &b);
	assert_string_equal(b.data, s);
	etk_buf_release(&b);
	etk_locator_release(&loc);

	/* Many '!' */
	memset(s + 3, '!', n - 3);
	assert_int_equal(etk_locator_parse(s, NULL, &loc, &err), ETK_EINVAL);

	/* Many ':': a (strange) source name; with an item after the
	 * first, an empty one. */
	memset(s, ':', n);
	assert_int_equal(etk_locator_parse(s, NULL, &loc, &err), ETK_OK);
	assert_int_equal(strlen(loc.source), n);
	etk_locator_release(&loc);
	s[1] = '/';
	assert_int_equal(etk_locator_parse(s, NULL, &loc, &err), ETK_EINVAL);
	assert_non_null(strstr(err.msg, "column 1: empty source name"));

	/* Long digit runs */
	memset(s, '9', n);
	s[0] = 'p';
	assert_int_equal(etk_locator_parse(s, NULL, &loc, &err), ETK_EINVAL);
	assert_non_null(strstr(err.msg, "volume number too large"));
	s[0] = 'a';
	s[1] = ':';
	s[2] = 'p';
	assert_int_equal(etk_locator_parse(s, NULL, &loc, &err), ETK_EINVAL);

	/* "a:p1:p1:p1..." */
	{
		size_t i;

		for (i = 0; i + 3 <= n; i += 3)
			memcpy(s + i, "p1:", 3);
		s[i] = '\0';
		s[0] = 'a';
	}
	assert_int_equal(etk_locator_parse(s, NULL, &loc, &err), ETK_EINVAL);
	free(s);
}

static void
test_depth_limit(void **state)
{
	struct etk_error err = { 0 };
	struct etk_locator loc;
	struct etk_buf b;
	int i;

	(void)state;
	etk_buf_init(&b);
	etk_buf_adds(&b, "src:p1:/0");
	for (i = 1; i < ETK_LOC_MAXDEPTH; i++)
		etk_buf_printf(&b, "!/%d", i);
	assert_int_equal(etk_locator_parse(b.data, NULL, &loc, &err), ETK_OK);
	assert_int_equal(loc.depth, ETK_LOC_MAXDEPTH);
	assert_string_equal(loc.items[ETK_LOC_MAXDEPTH - 1].path, "/7");
	etk_locator_release(&loc);
	etk_buf_adds(&b, "!/8");
	assert_int_equal(etk_locator_parse(b.data, NULL, &loc, &err),
	    ETK_EINVAL);
	assert_non_null(strstr(err.msg, "more than 8 nested items"));
	etk_buf_release(&b);
}

static void
test_encode_every_byte(void **state)
{
	struct etk_error err = { 0 };
	struct etk_locator loc;
	struct etk_buf b;
	char path[256];
	int c;

	(void)state;
	path[0] = '/';
	for (c = 1; c < 256; c++)
		path[c] = (char)c;	/* '/' appears again at 0x2f */
	path[255] = '\0';
	path[0] = '/';
	path[1] = 'a';			/* drop 0x01 */
	path[255 - 1] = (char)0xff;

	etk_buf_init(&b);
	etk_locator_encode_path(&b, path);
	/* Every byte that must be encoded is, in upper-case hex; the rest
	 * are as they were. */
	assert_non_null(strstr(b.data, "%02%03%04"));
	assert_non_null(strstr(b.data, "%1E%1F %21\"%23$%25&'"));
	assert_non_null(strstr(b.data, "}~%7F\x80\x81"));
	assert_null(strchr(b.data, '!'));
	assert_null(strchr(b.data, '#'));
	{
		const char *q;

		for (q = b.data; *q != '\0'; q++)
			assert_true((unsigned char)*q >= 0x20 &&
			    (unsigned char)*q != 0x7f);
	}

	/* And it decodes back to the same bytes. */
	{
		struct etk_buf l;

		etk_buf_init(&l);
		etk_buf_adds(&l, "src:");
		etk_buf_adds(&l, b.data);
		assert_int_equal(etk_locator_parse(l.data, NULL, &loc, &err),
		    ETK_OK);
		assert_string_equal(loc.items[0].path, path);
		etk_buf_reset(&l);
		etk_locator_format(&loc, &l);
		assert_int_equal(strncmp(l.data, "src:", 4), 0);
		assert_string_equal(l.data + 4, b.data);
		etk_buf_release(&l);
		etk_locator_release(&loc);
	}
	etk_buf_release(&b);

	etk_buf_init(&b);
	etk_locator_encode_path(&b, "/100%!#\x1b\x7f");
	assert_string_equal(b.data, "/100%25%21%23%1B%7F");
	etk_buf_reset(&b);
	etk_locator_encode_path(&b, "");
	assert_string_equal(b.data, "");
	etk_buf_release(&b);
}

static void
test_format_built(void **state)
{
	struct etk_locator loc;
	struct etk_buf b;

	(void)state;
	etk_locator_init(&loc);
	assert_int_equal(loc.items[0].volume, -1);
	assert_int_equal(loc.depth, 0);
	loc.source = strdup("img.raw");
	loc.depth = 2;
	loc.items[0].volume = 3;
	loc.items[0].kind = ETK_LOC_INODE;
	loc.items[0].inode = 12;
	loc.items[0].has_attr_id = 1;	/* ignored without has_attr */
	loc.items[0].attr_id = 9;
	loc.items[1].kind = ETK_LOC_PATH;
	loc.items[1].path = strdup("/a b/#1!%");
	loc.table = strdup("sms");
	loc.rowid = -5;
	etk_buf_init(&b);
	etk_locator_format(&loc, &b);
	assert_string_equal(b.data, "img.raw:p3:i12!/a b/%231%21%25#sms/-5");
	etk_buf_release(&b);
	etk_locator_release(&loc);
	assert_null(loc.source);
	assert_int_equal(loc.depth, 0);

	/* Source alone, and nothing at all. */
	etk_locator_init(&loc);
	loc.source = strdup("disk.img");
	loc.depth = 1;
	etk_buf_init(&b);
	etk_locator_format(&loc, &b);
	assert_string_equal(b.data, "disk.img");
	etk_buf_release(&b);
	etk_locator_release(&loc);
	etk_locator_release(&loc);	/* twice is fine */
}

static void
test_item_copy(void **state)
{
	struct etk_error err = { 0 };
	struct etk_locator loc;
	struct etk_loc_item copy;

	(void)state;
	assert_int_equal(etk_locator_parse("a:p2:/x/y%21", NULL, &loc, &err),
	    ETK_OK);
	assert_int_equal(etk_locator_item_copy(&copy, &loc.items[0]), ETK_OK);
	assert_ptr_not_equal(copy.path, loc.items[0].path);
	assert_string_equal(copy.path, "/x/y!");
	assert_int_equal(copy.volume, 2);
	assert_int_equal(copy.kind, ETK_LOC_PATH);
	etk_locator_release(&loc);
	assert_string_equal(copy.path, "/x/y!");	/* still valid */
	free(copy.path);

	assert_int_equal(etk_locator_parse("a:i5-128-3", NULL, &loc, &err),
	    ETK_OK);
	assert_int_equal(etk_locator_item_copy(&copy, &loc.items[0]), ETK_OK);
	assert_null(copy.path);
	assert_int_equal(copy.inode, 5);
	assert_int_equal(copy.attr_type, 128);
	assert_int_equal(copy.attr_id, 3);
	etk_locator_release(&loc);
}

/* Every prefix and every one-byte change of the examples either parses
 * (and then round-trips through format) or fails cleanly. */
static void
test_mutations(void **state)
{
	static const char *const seeds[] = {
		"phone.E01:p4:/data/data/com.whatsapp/databases/msgstore.db",
		"x.E01:p2:/Users/a/b.zip!/c.txt#message/42",
		"phone.E01:p4:i16-128-2!@1361920+5000",
	};
	static const char subst[] = ":!#%/@ip0123456789-+\x01\x7f\xff";
	size_t i, j, k;

	(void)state;
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		size_t n = strlen(seeds[i]);
		char *s = malloc(n + 1);

		assert_non_null(s);
		for (j = 0; j <= n; j++) {
			for (k = 0; k <= sizeof(subst) - 1; k++) {
				struct etk_error err = { 0 };
				struct etk_locator a, b2;
				struct etk_buf f1, f2;

				memcpy(s, seeds[i], n + 1);
				if (k == sizeof(subst) - 1)
					s[j] = '\0';	/* prefix */
				else if (j < n)
					s[j] = subst[k];
				else
					continue;
				if (etk_locator_parse(s, NULL, &a, &err) !=
				    ETK_OK) {
					assert_int_equal(err.code, ETK_EINVAL);
					continue;
				}
				etk_buf_init(&f1);
				etk_buf_init(&f2);
				etk_locator_format(&a, &f1);
				if (etk_locator_parse(f1.data, NULL, &b2,
				    &err) != ETK_OK)
					fail_msg("'%s' -> '%s': %s", s,
					    f1.data, err.msg);
				etk_locator_format(&b2, &f2);
				assert_string_equal(f1.data, f2.data);
				etk_buf_release(&f1);
				etk_buf_release(&f2);
				etk_locator_release(&a);
				etk_locator_release(&b2);
			}
		}
		free(s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_roundtrip),
		cmocka_unit_test(test_noncanonical),
		cmocka_unit_test(test_design_examples_fields),
		cmocka_unit_test(test_source_only_and_volume_only),
		cmocka_unit_test(test_source_name_with_colon),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_error_message_quoting),
		cmocka_unit_test(test_hostile_long),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_encode_every_byte),
		cmocka_unit_test(test_format_built),
		cmocka_unit_test(test_item_copy),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
