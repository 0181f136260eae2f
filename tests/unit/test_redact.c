/*
 * Unit tests for lib/redact: phone spellings that must and must not
 * match, emails, handles and names, tokens and aliases, time and field
 * rules, the rules file (and each of its errors by line), scanning a
 * file across its read windows, the salted commitment (checked with
 * OpenSSL directly), and re-rendered pictures (made here with libjpeg
 * and libpng, decoded again to check the pixels and the metadata).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <etk/etk.h>

static char base[256];
static int counter;

static void
fresh(char *out, size_t len, const char *stem)
{
	snprintf(out, len, "%s/%s%d", base, stem, ++counter);
}

static void
write_bytes(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static unsigned char *
read_all(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *p;
	long sz;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	sz = ftell(fp);
	assert_true(sz >= 0);
	rewind(fp);
	p = malloc((size_t)sz + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)sz, fp), (size_t)sz);
	fclose(fp);
	*n = (size_t)sz;
	return p;
}

static int
has_bytes(const unsigned char *p, size_t n, const void *pat, size_t pn)
{
	return memmem(p, n, pat, pn) != NULL;
}

static struct etk_redactor *
redactor(const char *country, const char *party)
{
	struct etk_redactor *rd = NULL;
	struct etk_error err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(etk_redactor_new(&rd, country, &err), ETK_OK);
	if (party != NULL) {
		if (etk_redactor_add_party(rd, party, NULL, &err) != ETK_OK)
			fail_msg("add_party '%s': %s", party, err.msg);
	}
	return rd;
}

/* "x <s> y" redacted: the count and the result. */
static int
redact_in(const struct etk_redactor *rd, const char *s, char *out,
    size_t outsz)
{
	struct etk_buf b;
	char in[512];
	int n;

	snprintf(in, sizeof(in), "x %s y", s);
	etk_buf_init(&b);
	n = etk_redact_text(rd, in, strlen(in), &b, NULL, NULL);
	assert_false(b.oom);
	snprintf(out, outsz, "%s", b.data ? b.data : "");
	etk_buf_release(&b);
	return n;
}

static void
expect_match(const struct etk_redactor *rd, const char *s,
    const char *want)
{
	char out[600];
	int n = redact_in(rd, s, out, sizeof(out));

	if (n < 1 || strcmp(out, want) != 0)
		fail_msg("'%s': %d replacements, got '%s', want '%s'", s, n,
		    out, want);
}

static void
expect_no_match(const struct etk_redactor *rd, const char *s)
{
	char out[600], in[512];
	int n = redact_in(rd, s, out, sizeof(out));

	snprintf(in, sizeof(in), "x %s y", s);
	if (n != 0 || strcmp(out, in) != 0)
		fail_msg("'%s' must not match: %d, got '%s'", s, n, out);
}

/* ------------------------------------------------------------------ */

static void
test_phone_gb(void **state)
{
	static const char *const yes[] = {
		"+44 7700 900123", "+447700900123", "447700900123",
		"07700900123", "07700 900123", "07700 900 123",
		"(07700) 900123", "(07700) 900-123", "+44 (0)7700 900123",
		"+44-7700-900-123", "0044 7700 900 123", "00447700900123",
		"011447700900123", "7700900123", "7700 900123",
		"+44 07700 900123", "+44.7700.900.123", "07700/900123",
		"07700-900-123", "+44 (7700) 900123", "0044-7700-900123",
		"+44 7700 900 123",
	};
	static const char *const no[] = {
		"4477009001234", "17700900123", "77009001234",
		"077009001230", "2024-02-13", "GB82 WEST 1234 5698 7654 32",
		"DE89370400440532013000", "07700900124", "+1 7700 900123",
		"+4477009001", "770090012", "0770090012", "44 7700 9001235",
		"12.7700900123", "+33 7700 900123", "0033 7700900123",
		"7700-900-1234", "2024-02-13T10:00:00Z", "1.7700900123",
	};
	struct etk_redactor *rd = redactor("GB", "+44 7700 900123");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		expect_match(rd, yes[i], "x [REDACTED-P1] y");
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		expect_no_match(rd, no[i]);
	/* not the whole word, but all of the number */
	expect_match(rd, "tel:+447700900123;ext=1",
	    "x tel:[REDACTED-P1];ext=1 y");
	expect_match(rd, "447700900123@s.whatsapp.net",
	    "x [REDACTED-P1]@s.whatsapp.net y");
	expect_match(rd, "447700900123:7@s.whatsapp.net",
	    "x [REDACTED-P1]:7@s.whatsapp.net y");
	expect_match(rd, "1. 07700900123.", "x 1. [REDACTED-P1]. y");
	/* numbers one after another are each looked at */
	expect_match(rd, "07700900124 07700 900123 07700900125",
	    "x 07700900124 [REDACTED-P1] 07700900125 y");
	expect_match(rd, "07700900123,+447700900123",
	    "x [REDACTED-P1],[REDACTED-P1] y");
	etk_redactor_free(rd);
}

static void
test_phone_other_spellings(void **state)
{
	struct etk_redactor *rd;

	(void)state;
	/* The party given in each spelling is the same number. */
	{
		static const char *const ids[] = { "+44 7700 900123",
		    "07700900123", "447700900123", "0044 7700 900 123",
		    "(07700) 900-123", "447700900123@s.whatsapp.net",
		    "tel:+447700900123", "+44 (0)7700 900123" };
		size_t i;

		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			rd = redactor("GB", ids[i]);
			expect_match(rd, "+44 7700 900123",
			    "x [REDACTED-P1] y");
			expect_match(rd, "07700 900 123", "x [REDACTED-P1] y");
			expect_match(rd, "447700900123@s.whatsapp.net",
			    "x [REDACTED-P1]@s.whatsapp.net y");
			expect_no_match(rd, "4477009001234");
			assert_int_equal(etk_redact_party_of(rd,
			    "00447700900123"), 0);
			etk_redactor_free(rd);
		}
	}
	/* Unknown country: a national number matches after any code
	 * written with '+' or 00, never after bare digits. */
	rd = redactor(NULL, "07700900123");
	expect_match(rd, "+44 7700 900123", "x [REDACTED-P1] y");
	expect_match(rd, "+33 7700900123", "x [REDACTED-P1] y");
	expect_match(rd, "0044 7700900123", "x [REDACTED-P1] y");
	expect_match(rd, "07700 900123", "x [REDACTED-P1] y");
	expect_match(rd, "447700900123@s.whatsapp.net",
	    "x [REDACTED-P1]@s.whatsapp.net y");
	expect_no_match(rd, "17700900123");
	expect_no_match(rd, "+44 7700 9001234");
	assert_int_equal(etk_redact_party_of(rd,
	    "447700900123@s.whatsapp.net"), 0);
	assert_int_equal(etk_redact_party_of(rd, "+33 7700 900123"), 0);
	assert_int_equal(etk_redact_party_of(rd, "447700900123"), -1);
	assert_int_equal(etk_redact_party_of(rd,
	    "447700900124@s.whatsapp.net"), -1);
	etk_redactor_free(rd);
	/* a bare 10-digit number of unknown country is not guessed to be
	 * international ("20" would make it Egyptian) */
	rd = redactor(NULL, "2025550143");
	expect_match(rd, "202 555 0143", "x [REDACTED-P1] y");
	expect_match(rd, "+1 202 555 0143", "x [REDACTED-P1] y");
	expect_no_match(rd, "25550143");
	expect_no_match(rd, "025550143");
	etk_redactor_free(rd);
	/* a bare international number of unknown country: both readings */
	rd = redactor(NULL, "447700900123");
	expect_match(rd, "447700900123", "x [REDACTED-P1] y");
	expect_match(rd, "07700 900123", "x [REDACTED-P1] y");
	expect_match(rd, "+44 7700 900123", "x [REDACTED-P1] y");
	etk_redactor_free(rd);
	/* NANP */
	rd = redactor("US", "+1 (202) 555-0143");
	expect_match(rd, "(202) 555-0143", "x [REDACTED-P1] y");
	expect_match(rd, "202-555-0143", "x [REDACTED-P1] y");
	expect_match(rd, "202.555.0143", "x [REDACTED-P1] y");
	expect_match(rd, "2025550143", "x [REDACTED-P1] y");
	expect_match(rd, "1-202-555-0143", "x [REDACTED-P1] y");
	expect_match(rd, "+12025550143", "x [REDACTED-P1] y");
	expect_match(rd, "011 1 202 555 0143", "x [REDACTED-P1] y");
	expect_no_match(rd, "202-555-0144");
	expect_no_match(rd, "3202-555-0143");
	expect_no_match(rd, "02025550143");
	etk_redactor_free(rd);
	/* not identifiers */
	{
		struct etk_error err;

		memset(&err, 0, sizeof(err));
		assert_int_equal(etk_redactor_new(&rd, "GB", &err), ETK_OK);
		assert_int_equal(etk_redactor_add_party(rd, "ab", NULL, &err),
		    ETK_EINVAL);
		assert_non_null(strstr(err.msg, "neither"));
		assert_int_equal(etk_redactor_add_party(rd, "Joe Bloggs",
		    NULL, &err), ETK_EINVAL);
		assert_int_equal(etk_redactor_add_party(rd, "+44 77", NULL,
		    &err), ETK_EINVAL);
		assert_int_equal(etk_redactor_count(rd), 0);
		etk_redactor_free(rd);
		assert_int_equal(etk_redactor_new(&rd, "XX", &err),
		    ETK_EINVAL);
	}
}

/* Every spelling a checker greps for is withheld, wherever it is. */
static void
check_spellings(const char *country, const char *party,
    const char *const *must, size_t nmust)
{
	struct etk_redactor *rd = redactor(country, party);
	struct etk_error err;
	struct etk_buf all, out;
	char **l;
	size_t n, i, k;

	memset(&err, 0, sizeof(err));
	assert_int_equal(etk_redact_spellings(rd, 0, &l, &n, &err), ETK_OK);
	assert_true(n >= nmust);
	for (i = 0; i < nmust; i++) {
		for (k = 0; k < n; k++)
			if (strcmp(l[k], must[i]) == 0)
				break;
		if (k == n)
			fail_msg("%s: spelling '%s' not listed", party,
			    must[i]);
	}
	etk_buf_init(&all);
	for (i = 0; i < n; i++) {
		char out1[600];

		expect_match(rd, l[i], "x [REDACTED-P1] y");
		(void)out1;
		etk_buf_printf(&all, "<%s>\n", l[i]);
	}
	etk_buf_init(&out);
	assert_int_equal(etk_redact_text(rd, all.data, all.len, &out, NULL,
	    NULL), (int)n);
	for (i = 0; i < n; i++)
		if (strstr(out.data, l[i]) != NULL)
			fail_msg("'%s' survived", l[i]);
	etk_buf_release(&all);
	etk_buf_release(&out);
	etk_redact_list_free(l, n);
	etk_redactor_free(rd);
}

static void
test_spellings(void **state)
{
	static const char *const gb[] = { "+447700900123", "447700900123",
	    "00447700900123", "07700900123", "7700900123",
	    "+44 7700 900123", "07700 900123", "07700 900 123",
	    "+44 (0)7700 900123", "(07700) 900123", "+44-7700-900-123" };
	static const char *const us[] = { "+12025550143", "12025550143",
	    "2025550143", "(202) 555-0143", "202-555-0143",
	    "+1 (202) 555-0143" };
	static const char *const nat[] = { "7700900123", "07700900123",
	    "07700 900123" };
	static const char *const em[] = { "J.Bloggs@Example.com",
	    "j.bloggs@example.com" };
	static const char *const hd[] = { "@jbloggs", "jbloggs" };
	struct etk_redactor *rd;
	struct etk_error err;
	char **l;
	size_t n;

	(void)state;
	check_spellings("GB", "+44 7700 900123", gb, 11);
	check_spellings("US", "+1 (202) 555-0143", us, 6);
	check_spellings(NULL, "07700 900123", nat, 3);
	check_spellings("GB", "J.Bloggs@Example.com", em, 2);
	check_spellings("GB", "@jbloggs", hd, 2);
	memset(&err, 0, sizeof(err));
	rd = redactor("GB", NULL);
	assert_int_equal(etk_redactor_add_field(rd, "messages.body", NULL,
	    &err), ETK_OK);
	assert_int_equal(etk_redact_spellings(rd, 0, &l, &n, &err),
	    ETK_EINVAL);
	assert_int_equal(etk_redact_spellings(rd, 5, &l, &n, &err),
	    ETK_EINVAL);
	etk_redactor_free(rd);
}

static void
test_email_handle_name(void **state)
{
	struct etk_redactor *rd;
	struct etk_error err;

	(void)state;
	memset(&err, 0, sizeof(err));
	rd = redactor("GB", "jbloggs@example.com");
	expect_match(rd, "JBloggs@Example.COM", "x [REDACTED-P1] y");
	expect_match(rd, "mailto:jbloggs@example.com?subject=a",
	    "x mailto:[REDACTED-P1]?subject=a y");
	expect_match(rd, "<jbloggs@example.com>.", "x <[REDACTED-P1]>. y");
	expect_no_match(rd, "jbloggs@example.org");
	expect_no_match(rd, "jbloggs");
	assert_int_equal(etk_redact_party_of(rd, "JBLOGGS@example.com"), 0);
	assert_int_equal(etk_redact_party_of(rd, "mailto:jbloggs@example.com"),
	    0);
	assert_int_equal(etk_redact_party_of(rd, "x jbloggs@example.com"),
	    -1);
	etk_redactor_free(rd);

	rd = redactor("GB", "@jbloggs");
	expect_match(rd, "@jbloggs", "x [REDACTED-P1] y");
	expect_match(rd, "JBloggs:", "x [REDACTED-P1]: y");
	expect_match(rd, "(@JBLOGGS)", "x ([REDACTED-P1]) y");
	expect_no_match(rd, "jbloggs_x");
	expect_no_match(rd, "xjbloggs");
	expect_no_match(rd, "jblogg");
	expect_no_match(rd, "jbloggs\xc3\xa9");
	assert_int_equal(etk_redact_party_of(rd, "jbloggs"), 0);
	assert_int_equal(etk_redact_party_of(rd, "@jbloggs"), 0);

	/* names are aliases: whole words, any case, blanks stretch */
	assert_int_equal(etk_redactor_add_alias(rd, 0, 'n', "Joe Bloggs",
	    &err), ETK_OK);
	assert_int_equal(etk_redactor_add_alias(rd, 0, 'n', "Zo\xc3\xab",
	    &err), ETK_OK);
	expect_match(rd, "JOE  bloggs,", "x [REDACTED-P1], y");
	expect_match(rd, "Joe\tBloggs", "x [REDACTED-P1] y");
	expect_match(rd, "hi Zo\xc3\xab!", "x hi [REDACTED-P1]! y");
	expect_match(rd, "ZO\xc3\xab", "x [REDACTED-P1] y");
	expect_no_match(rd, "Joe Bloggsy");
	expect_no_match(rd, "\xc3\x89Joe Bloggs");
	expect_no_match(rd, "Zo\xc3\xaby");
	expect_no_match(rd, "Joe");
	assert_int_equal(etk_redactor_add_alias(rd, 0, 'n', "J", &err),
	    ETK_EINVAL);
	assert_int_equal(etk_redactor_add_alias(rd, 0, 'e', "nope", &err),
	    ETK_EINVAL);
	assert_int_equal(etk_redactor_add_alias(rd, 0, 'p', "abc", &err),
	    ETK_EINVAL);
	assert_int_equal(etk_redactor_add_alias(rd, 0, 'x', "abc", &err),
	    ETK_EINVAL);
	assert_int_equal(etk_redactor_add_alias(rd, 3, 'n', "Abc", &err),
	    ETK_EINVAL);
	etk_redactor_free(rd);
}

struct hits {
	size_t n;
	size_t rule[8];
	char orig[8][64];
};

static void
on_hit(void *arg, size_t rule, const char *orig, size_t len)
{
	struct hits *h = arg;

	assert_true(h->n < 8 && len < 64);
	h->rule[h->n] = rule;
	memcpy(h->orig[h->n], orig, len);
	h->orig[h->n][len] = '\0';
	h->n++;
}

static void
test_tokens_aliases(void **state)
{
	struct etk_redact_basis b = { NULL, NULL, NULL, NULL };
	char cat[64], bas[64];
	const struct etk_redact_rule *r;
	struct etk_redactor *rd;
	struct etk_error err;
	struct etk_buf out;
	struct hits h;
	const char *text = "From +44 7700 900123 (Joe Bloggs) to "
	    "jane@example.com and 07700900999, cc +442079460000";

	(void)state;
	memset(&err, 0, sizeof(err));
	snprintf(cat, sizeof(cat), "third-party personal data");
	snprintf(bas, sizeof(bas), "CPIA test not met");
	b.category = cat;
	b.basis = bas;
	b.decided_by = "DC 1234";
	rd = redactor("GB", NULL);
	assert_int_equal(etk_redactor_add_party(rd, "+44 7700 900123", &b,
	    &err), ETK_OK);
	assert_int_equal(etk_redactor_add_field(rd, "messages.body", NULL,
	    &err), ETK_OK);
	assert_int_equal(etk_redactor_add_party(rd, "jane@example.com", NULL,
	    &err), ETK_OK);
	assert_int_equal(etk_redactor_add_time(rd, "2024-02-13T10:00:00Z",
	    "2024-02-13T12:00:00+01:00", NULL, &err), ETK_OK);
	assert_int_equal(etk_redactor_add_region(rd, "IMG:/DCIM/1.jpg", 1, 2,
	    3, 4, NULL, &err), ETK_OK);
	assert_int_equal(etk_redactor_add_field(rd, "images.lat", NULL, &err),
	    ETK_OK);
	/* the basis strings were copied */
	memset(cat, 'X', sizeof(cat) - 1);
	memset(bas, 'Y', sizeof(bas) - 1);
	assert_int_equal(etk_redactor_count(rd), 6);
	assert_null(etk_redactor_rule(rd, 6));
	r = etk_redactor_rule(rd, 0);
	assert_string_equal(r->token, "[REDACTED-P1]");
	assert_string_equal(r->basis.category, "third-party personal data");
	assert_string_equal(r->basis.basis, "CPIA test not met");
	assert_string_equal(r->basis.decided_by, "DC 1234");
	assert_null(r->basis.approved_by);
	assert_string_equal(r->party, "+44 7700 900123");
	assert_int_equal(r->kind, ETK_REDACT_PARTY);
	assert_int_equal(r->index, 0);
	r = etk_redactor_rule(rd, 1);
	assert_string_equal(r->token, "[REDACTED-F1]");
	assert_string_equal(r->table, "messages");
	assert_string_equal(r->field, "body");
	assert_string_equal(r->basis.category, "unspecified");
	assert_string_equal(r->basis.basis, "unspecified");
	assert_string_equal(r->basis.decided_by, "unspecified");
	assert_string_equal(etk_redactor_rule(rd, 2)->token, "[REDACTED-P2]");
	r = etk_redactor_rule(rd, 3);
	assert_string_equal(r->token, "[REDACTED-T1]");
	assert_string_equal(r->from, "2024-02-13T10:00:00Z");
	assert_string_equal(r->to, "2024-02-13T11:00:00Z");
	r = etk_redactor_rule(rd, 4);
	assert_string_equal(r->token, "[REDACTED-R1]");
	assert_string_equal(r->picture, "IMG:/DCIM/1.jpg");
	assert_true(r->x == 1 && r->y == 2 && r->w == 3 && r->h == 4);
	assert_string_equal(etk_redactor_rule(rd, 5)->token, "[REDACTED-F2]");

	/* aliases withheld under their party's token */
	assert_int_equal(etk_redactor_add_alias(rd, 0, 'n', "Joe Bloggs",
	    &err), ETK_OK);
	assert_int_equal(etk_redactor_add_alias(rd, 0, 'p', "07700 900999",
	    &err), ETK_OK);
	assert_int_equal(etk_redactor_add_alias(rd, 1, 'p', "07700 900999",
	    &err), ETK_EINVAL);
	assert_int_equal(etk_redactor_count(rd), 6);
	memset(&h, 0, sizeof(h));
	etk_buf_init(&out);
	assert_int_equal(etk_redact_text(rd, text, strlen(text), &out, on_hit,
	    &h), 4);
	assert_string_equal(out.data, "From [REDACTED-P1] ([REDACTED-P1]) to "
	    "[REDACTED-P2] and [REDACTED-P1], cc +442079460000");
	assert_int_equal(h.n, 4);
	assert_int_equal(h.rule[0], 0);
	assert_string_equal(h.orig[0], "+44 7700 900123");
	assert_string_equal(h.orig[1], "Joe Bloggs");
	assert_int_equal(h.rule[2], 2);
	assert_string_equal(h.orig[2], "jane@example.com");
	assert_string_equal(h.orig[3], "07700900999");
	etk_buf_release(&out);
	assert_int_equal(etk_redact_party_of(rd, "+447700900999"), 0);
	assert_int_equal(etk_redact_party_of(rd, "joe bloggs"), 0);
	assert_int_equal(etk_redact_party_of(rd, "Jane@Example.com"), 2);
	assert_int_equal(etk_redact_party_of(rd, "+442079460000"), -1);
	assert_int_equal(etk_redact_party_of(rd, ""), -1);
	assert_int_equal(etk_redact_party_of(rd, NULL), -1);
	assert_int_equal(etk_redact_scan(rd, text, strlen(text)), 0);
	assert_int_equal(etk_redact_scan(rd, "cc +442079460000", 16), -1);
	/* nothing to replace: the text as it was, count 0 */
	etk_buf_init(&out);
	assert_int_equal(etk_redact_text(rd, "abc", 3, &out, NULL, NULL), 0);
	assert_string_equal(out.data, "abc");
	etk_buf_release(&out);
	etk_redactor_free(rd);
	etk_redactor_free(NULL);
}

static void
test_time_field(void **state)
{
	struct etk_redactor *rd = redactor(NULL, NULL);
	struct etk_error err;

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(etk_redactor_add_time(rd, "2024-02-13T10:00:00Z",
	    "2024-02-13T11:00:00+01:00", NULL, &err), ETK_EINVAL);
	assert_int_equal(etk_redactor_add_time(rd, "2024-02-13T10:00:00",
	    "2024-02-14T00:00:00Z", NULL, &err), ETK_EINVAL);
	assert_int_equal(etk_redactor_add_time(rd, "yesterday",
	    "2024-02-14T00:00:00Z", NULL, &err), ETK_EINVAL);
	assert_int_equal(etk_redactor_add_time(rd, "2024-02-13T10:00:00Z",
	    NULL, NULL, &err), ETK_EINVAL);
	assert_int_equal(etk_redactor_add_time(rd, "2024-02-13T10:00:00Z",
	    "2024-02-13T12:00:00+01:00", NULL, &err), ETK_OK);
	assert_int_equal(etk_redactor_add_time(rd,
	    "2024-03-01T00:00:00.25Z", "2024-03-01T00:00:00.500000001Z",
	    NULL, &err), ETK_OK);
	assert_string_equal(etk_redactor_rule(rd, 1)->from,
	    "2024-03-01T00:00:00.250Z");
	assert_string_equal(etk_redactor_rule(rd, 1)->to,
	    "2024-03-01T00:00:00.500000001Z");
	assert_int_equal(etk_redact_time_rule(rd, "2024-02-13T10:00:00Z"), 0);
	assert_int_equal(etk_redact_time_rule(rd, "2024-02-13T09:59:59.999Z"),
	    -1);
	assert_int_equal(etk_redact_time_rule(rd,
	    "2024-02-13T10:59:59.999999999Z"), 0);
	assert_int_equal(etk_redact_time_rule(rd, "2024-02-13T11:00:00Z"), -1);
	assert_int_equal(etk_redact_time_rule(rd, "2024-02-13T11:30:00+01:00"),
	    0);
	assert_int_equal(etk_redact_time_rule(rd, "2024-02-13T05:30:00-05:00"),
	    0);
	assert_int_equal(etk_redact_time_rule(rd, "2024-02-13T06:00:00-05:00"),
	    -1);
	assert_int_equal(etk_redact_time_rule(rd, "2024-03-01T00:00:00.25Z"),
	    1);
	assert_int_equal(etk_redact_time_rule(rd,
	    "2024-03-01T00:00:00.500000000Z"), 1);
	assert_int_equal(etk_redact_time_rule(rd,
	    "2024-03-01T00:00:00.500000001Z"), -1);
	assert_int_equal(etk_redact_time_rule(rd, NULL), -1);
	assert_int_equal(etk_redact_time_rule(rd, "garbage"), -1);

	assert_int_equal(etk_redactor_add_field(rd, "messages.body", NULL,
	    &err), ETK_OK);
	assert_int_equal(etk_redactor_add_field(rd, "images.lat", NULL, &err),
	    ETK_OK);
	assert_int_equal(etk_redactor_add_field(rd, "pole.value_x", NULL,
	    &err), ETK_OK);
	assert_int_equal(etk_redactor_add_field(rd, "foo.body", NULL, &err),
	    ETK_EINVAL);
	assert_non_null(strstr(err.msg, "foo.body"));
	assert_int_equal(etk_redactor_add_field(rd, "messages.Body", NULL,
	    &err), ETK_EINVAL);
	assert_int_equal(etk_redactor_add_field(rd, "messages", NULL, &err),
	    ETK_EINVAL);
	assert_int_equal(etk_redactor_add_field(rd, "messages.", NULL, &err),
	    ETK_EINVAL);
	assert_int_equal(etk_redactor_add_field(rd, ".body", NULL, &err),
	    ETK_EINVAL);
	assert_int_equal(etk_redactor_add_field(rd, "messages.body.x", NULL,
	    &err), ETK_EINVAL);
	assert_int_equal(etk_redactor_add_field(rd, "messagesx.body", NULL,
	    &err), ETK_EINVAL);
	assert_int_equal(etk_redact_field_rule(rd, "messages", "body"), 2);
	assert_int_equal(etk_redact_field_rule(rd, "images", "lat"), 3);
	assert_int_equal(etk_redact_field_rule(rd, "images", "lon"), -1);
	assert_int_equal(etk_redact_field_rule(rd, "calls", "body"), -1);
	assert_int_equal(etk_redactor_add_region(rd, "x", 0, 0, 0, 5, NULL,
	    &err), ETK_EINVAL);
	assert_int_equal(etk_redactor_add_region(rd,
	    "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
	    0, 0, 5, 5, NULL, &err), ETK_OK);
	assert_string_equal(etk_redactor_rule(rd, 5)->picture,
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
	etk_redactor_free(rd);
}

/* ------------------------------------------------------------------ */
/* Rules files */

static const char good_rules[] =
    "# disclosure 1 redactions\n"
    "category \"third-party personal data\"\n"
    "basis CPIA test not met\n"
    "decided-by \"DC 1234 \\\"Smith\\\"\"\r\n"
    "\n"
    "   # indented comment\n"
    "party \"+44 7700 900123\"\n"
    "alias P1 name \"Joe Bloggs\"\n"
    "alias P1 email joe@example.com   # trailing comment\n"
    "approved-by \"DS 99\"\n"
    "party @jbloggs basis=\"court order\" approved-by=\n"
    "field messages.body category=sensitive\n"
    "time 2024-02-13T10:00:00Z 2024-02-13T11:00:00Z\n"
    "region 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    " 10 20 30 40\n"
    "alias P2 handle jb_alt\n"
    "party \xc3\xa9l\xc3\xa8ve_x";	/* no final newline */

static void
load_text(const char *text, size_t n, struct etk_redactor **rdp,
    int *rc, struct etk_error *err, char *path, size_t pathsz)
{
	fresh(path, pathsz, "rules");
	write_bytes(path, text, n);
	*rdp = redactor("GB", NULL);
	memset(err, 0, sizeof(*err));
	*rc = etk_redactor_load(*rdp, path, err);
}

static void
test_rules_good(void **state)
{
	const struct etk_redact_rule *r;
	struct etk_redactor *rd;
	struct etk_error err;
	char path[512];
	int rc;

	(void)state;
	load_text(good_rules, strlen(good_rules), &rd, &rc, &err, path,
	    sizeof(path));
	if (rc != ETK_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(etk_redactor_count(rd), 6);
	r = etk_redactor_rule(rd, 0);
	assert_string_equal(r->token, "[REDACTED-P1]");
	assert_string_equal(r->party, "+44 7700 900123");
	assert_string_equal(r->basis.category, "third-party personal data");
	assert_string_equal(r->basis.basis, "CPIA test not met");
	assert_string_equal(r->basis.decided_by, "DC 1234 \"Smith\"");
	assert_null(r->basis.approved_by);
	r = etk_redactor_rule(rd, 1);
	assert_string_equal(r->party, "@jbloggs");
	assert_string_equal(r->basis.basis, "court order");
	assert_string_equal(r->basis.category, "third-party personal data");
	assert_null(r->basis.approved_by);
	r = etk_redactor_rule(rd, 2);
	assert_string_equal(r->token, "[REDACTED-F1]");
	assert_string_equal(r->basis.category, "sensitive");
	assert_string_equal(r->basis.basis, "CPIA test not met");
	assert_string_equal(r->basis.approved_by, "DS 99");
	assert_string_equal(etk_redactor_rule(rd, 3)->token, "[REDACTED-T1]");
	r = etk_redactor_rule(rd, 4);
	assert_string_equal(r->token, "[REDACTED-R1]");
	assert_true(r->x == 10 && r->y == 20 && r->w == 30 && r->h == 40);
	assert_string_equal(etk_redactor_rule(rd, 5)->party,
	    "\xc3\xa9l\xc3\xa8ve_x");
	expect_match(rd, "joe bloggs", "x [REDACTED-P1] y");
	expect_match(rd, "Joe@Example.com", "x [REDACTED-P1] y");
	expect_match(rd, "@JB_ALT", "x [REDACTED-P2] y");
	expect_match(rd, "\xc3\xa9l\xc3\xa8ve_x", "x [REDACTED-P3] y");
	etk_redactor_free(rd);
}

static void
expect_rules_error(const char *text, const char *what, size_t line)
{
	struct etk_redactor *rd;
	struct etk_error err;
	char path[512], want[600];
	int rc;

	load_text(text, strlen(text), &rd, &rc, &err, path, sizeof(path));
	snprintf(want, sizeof(want), "%s:%zu: ", path, line);
	if (rc == ETK_OK || strncmp(err.msg, want, strlen(want)) != 0 ||
	    strstr(err.msg, what) == NULL)
		fail_msg("rules '%s': rc %d, '%s'; want '%s...%s'", text, rc,
		    err.msg, want, what);
	etk_redactor_free(rd);
}

static void
test_rules_errors(void **state)
{
	struct etk_redactor *rd;
	struct etk_error err;
	char path[512], *big;
	int rc;

	(void)state;
	expect_rules_error("# x\n\nfrobnicate 1\n", "unknown directive", 3);
	expect_rules_error("party \"+44 7700 900123\n", "unterminated quote",
	    1);
	expect_rules_error("#\nparty \"a\\b\"\n", "bad escape", 2);
	expect_rules_error("party ab\n", "neither", 1);
	expect_rules_error("party\n", "expected 1 argument", 1);
	expect_rules_error("party +447700900123 extra\n", "unexpected word",
	    1);
	expect_rules_error("party +447700900123 colour=red\n",
	    "unknown override", 1);
	expect_rules_error("\n\nalias P1 name Joe\n", "no party rule P1", 3);
	expect_rules_error("party @jbloggs\nalias P1 nick Joe\n",
	    "kind must be", 2);
	expect_rules_error("party @jbloggs\nalias X1 name Joe\n",
	    "expected P<n>", 2);
	expect_rules_error("party @jbloggs\nalias P1 email nope\n",
	    "not an email", 2);
	expect_rules_error("field messages.Body\n", "field name", 1);
	expect_rules_error("field nothing.body\n", "table", 1);
	expect_rules_error("time 2024-02-13T10:00:00Z\n", "expected 2", 1);
	expect_rules_error("time 2024-02-13T10:00:00Z tomorrow\n",
	    "bad time", 1);
	expect_rules_error("region abc 1 2 3\n", "expected 5", 1);
	expect_rules_error("region abc 1 2 -3 4\n", "bad number", 1);
	expect_rules_error("region abc 1 2 3 4294967296\n", "bad number", 1);
	expect_rules_error("category\n", "missing value", 1);
	expect_rules_error("party @okay\nparty \xc3(\n", "invalid UTF-8", 2);
	expect_rules_error("party @okay\x01\n", "control character", 1);
	expect_rules_error("a b c d e f g h i j k l m n o p q\n",
	    "too many words", 1);

	/* too large: refused before parsing */
	big = malloc(1024 * 1024 + 2);
	assert_non_null(big);
	memset(big, '#', 1024 * 1024 + 1);
	load_text(big, 1024 * 1024 + 1, &rd, &rc, &err, path, sizeof(path));
	assert_int_equal(rc, ETK_ETIMEOUT);
	etk_redactor_free(rd);
	free(big);
	/* missing */
	rd = redactor("GB", NULL);
	assert_int_equal(etk_redactor_load(rd, "/nonexistent/rules", &err),
	    ETK_ENOTFOUND);
	etk_redactor_free(rd);
}

/* ------------------------------------------------------------------ */
/* Scanning files */

static void
scan_case_n(const struct etk_redactor *rd, size_t size, size_t at,
    const char *s, size_t sn, int fill, int want);

static void
scan_case(const struct etk_redactor *rd, size_t size, size_t at,
    const char *s, int fill, int want)
{
	scan_case_n(rd, size, at, s, s ? strlen(s) : 0, fill, want);
}

/* s as UTF-16 (little or big endian) into out; its length. */
static size_t
utf16(const char *s, int be, char *out)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++) {
		out[2 * i + (be ? 1 : 0)] = s[i];
		out[2 * i + (be ? 0 : 1)] = '\0';
	}
	return 2 * n;
}

static void
scan_case_n(const struct etk_redactor *rd, size_t size, size_t at,
    const char *s, size_t sn, int fill, int want)
{
	char path[512];
	struct etk_error err;
	unsigned char *p = malloc(size);
	size_t i;
	int rule = 7;

	assert_non_null(p);
	for (i = 0; i < size; i++)
		p[i] = fill >= 0 ? (unsigned char)fill : (unsigned char)(i % 7 ?
		    'a' + i % 23 : 0);
	if (s != NULL)
		memcpy(p + at, s, sn);
	fresh(path, sizeof(path), "scan");
	write_bytes(path, p, size);
	memset(&err, 0, sizeof(err));
	assert_int_equal(etk_redact_scan_file(rd, path, &rule, &err), ETK_OK);
	if (rule != want)
		fail_msg("scan '%s' at %zu of %zu: %d, want %d", s ? s : "",
		    at, size, rule, want);
	assert_int_equal(etk_redact_scan(rd, p, size), want);
	free(p);
}

static void
test_scan_file(void **state)
{
	const size_t mib = 1024 * 1024;
	struct etk_redactor *rd = redactor("GB", "+44 7700 900123");
	struct etk_error err;
	size_t d;
	int rule;

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(etk_redactor_add_alias(rd, 0, 'n', "Joe Bloggs",
	    &err), ETK_OK);
	/* across the first window's end and the second's start */
	for (d = 1; d < 14; d += 3) {
		scan_case(rd, 3 * mib, mib + 4096 - d, "07700 900123", -1, 0);
		scan_case(rd, 3 * mib, mib - d, " 07700 900123 ", '.', 0);
		scan_case(rd, 3 * mib, 2 * mib + 4096 - d, "Joe Bloggs", ' ',
		    0);
	}
	scan_case(rd, 3 * mib, 2 * mib + 2000, "joe  bloggs", '.', 0);
	/* at the very start and end of the file */
	scan_case(rd, mib + 100, 0, "447700900123", -1, 0);
	scan_case(rd, 2 * mib, 2 * mib - 11, "07700900123", -1, 0);
	/* a longer number cut by a window edge is still a longer number */
	scan_case(rd, 3 * mib, mib + 4096 - 12, "4477009001234", '5', -1);
	scan_case(rd, 3 * mib, mib + 4096 - 12, "4477009001234", 'x', -1);
	scan_case(rd, 3 * mib, 2 * mib + 8192 - 12, "4477009001234", 'x',
	    -1);
	scan_case(rd, 3 * mib, 0, NULL, -1, -1);
	scan_case(rd, 100, 0, NULL, '9', -1);
	/* UTF-16 strings in binary data, either byte order and alignment */
	{
		char u[64];
		size_t un;

		un = utf16("07700 900123", 0, u);
		scan_case_n(rd, 5000, 1001, u, un, 0xff, 0);
		scan_case_n(rd, 5000, 1000, u, un, -1, 0);
		for (d = 1; d < 40; d += 7)
			scan_case_n(rd, 3 * mib, mib + 4096 - d, u, un, 0xff,
			    0);
		un = utf16("Joe  Bloggs", 1, u);
		scan_case_n(rd, 5000, 77, u, un, 0xfe, 0);
		scan_case_n(rd, 5000, 5000 - un, u, un, 0xfe, 0);
		un = utf16("+447700900123", 1, u);
		scan_case_n(rd, 5000, 0, u, un, 0xfe, 0);
		un = utf16("4477009001234", 0, u);
		scan_case_n(rd, 5000, 999, u, un, 0xff, -1);
		scan_case_n(rd, 3 * mib, mib + 4096 - 13, u, un, 0xff, -1);
		un = utf16("Joe Bloggsy", 0, u);
		scan_case_n(rd, 5000, 999, u, un, 0xff, -1);
	}
	rule = 5;
	assert_int_equal(etk_redact_scan_file(rd, "/nonexistent/x", &rule,
	    &err), ETK_ENOTFOUND);
	assert_int_equal(rule, -1);
	etk_redactor_free(rd);
}

/* ------------------------------------------------------------------ */
/* Commitments */

static void
test_commit(void **state)
{
	static const unsigned char key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
	    27, 28, 29, 30, 31, 32 };
	const char *label = "DISC-C1-20240213-v1/R-000001";
	const char *value = "+447700900123";
	unsigned char mac[32], md[32];
	char salt[65], commit[65], want[65];
	size_t maclen = 0;
	unsigned int mdlen = 0;
	OSSL_PARAM params[2];
	EVP_MAC *m;
	EVP_MAC_CTX *mc;
	EVP_MD_CTX *ctx;
	struct etk_error err;

	(void)state;
	memset(&err, 0, sizeof(err));
	assert_int_equal(etk_redact_commit(key, sizeof(key), label, value,
	    strlen(value), salt, commit, &err), ETK_OK);
	/* salt = hex HMAC-SHA256(key, label) */
	m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	assert_non_null(m);
	mc = EVP_MAC_CTX_new(m);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_MAC_init(mc, key, sizeof(key), params), 1);
	assert_int_equal(EVP_MAC_update(mc, (const unsigned char *)label,
	    strlen(label)), 1);
	assert_int_equal(EVP_MAC_final(mc, mac, &maclen, sizeof(mac)), 1);
	EVP_MAC_CTX_free(mc);
	EVP_MAC_free(m);
	etk_hex(mac, 32, want);
	assert_string_equal(salt, want);
	/* commitment = sha256 of the 64 salt characters and the value,
	 * i.e. printf '%s%s' SALT VALUE | sha256sum */
	ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, want, 64), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, value, strlen(value)), 1);
	assert_int_equal(EVP_DigestFinal_ex(ctx, md, &mdlen), 1);
	EVP_MD_CTX_free(ctx);
	etk_hex(md, 32, want);
	assert_string_equal(commit, want);
	/* another label, another salt; an empty value is allowed */
	assert_int_equal(etk_redact_commit(key, sizeof(key), "other", "", 0,
	    want, commit, &err), ETK_OK);
	assert_string_not_equal(want, salt);
	assert_int_equal(etk_redact_commit(NULL, 0, label, value, 1, salt,
	    commit, &err), ETK_EINVAL);
}

/* ------------------------------------------------------------------ */
/* Pictures */

#define PW 64
#define PH 48

static unsigned char
gray_at(int x, int y)
{
	return (unsigned char)(60 + x * 2 + y);
}

/* A gray-gradient RGB JPEG with an EXIF APP1 and a comment. */
static void
make_jpeg2(const char *path, int cmyk, int progressive)
{
	static const unsigned char exif[] = "Exif\0\0MM\0*\0\0\0\x08\0\0";
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr je;
	unsigned char row[PW * 4], *buf = NULL;
	unsigned long len = 0;
	JSAMPROW rp = row;
	int x, y;

	c.err = jpeg_std_error(&je);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &buf, &len);
	c.image_width = PW;
	c.image_height = PH;
	c.input_components = cmyk ? 4 : 3;
	c.in_color_space = cmyk ? JCS_CMYK : JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 95, TRUE);
	if (progressive)
		jpeg_simple_progression(&c);
	jpeg_start_compress(&c, TRUE);
	jpeg_write_marker(&c, JPEG_APP0 + 1, exif, sizeof(exif) - 1);
	jpeg_write_marker(&c, JPEG_COM, (const unsigned char *)"secret", 6);
	for (y = 0; y < PH; y++) {
		for (x = 0; x < PW; x++)
			memset(row + x * c.input_components, gray_at(x, y),
			    (size_t)c.input_components);
		jpeg_write_scanlines(&c, &rp, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	write_bytes(path, buf, len);
	free(buf);
}

static void
make_jpeg(const char *path, int cmyk)
{
	make_jpeg2(path, cmyk, 0);
}

/* Decode to RGB: malloc'd PW*PH*3. */
static unsigned char *
decode_jpeg(const unsigned char *p, size_t n)
{
	struct jpeg_decompress_struct d;
	struct jpeg_error_mgr je;
	unsigned char *pix;
	JSAMPROW rp;

	d.err = jpeg_std_error(&je);
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, p, (unsigned long)n);
	assert_int_equal(jpeg_read_header(&d, TRUE), JPEG_HEADER_OK);
	d.out_color_space = JCS_RGB;
	jpeg_start_decompress(&d);
	assert_int_equal(d.output_width, PW);
	assert_int_equal(d.output_height, PH);
	pix = malloc(PW * PH * 3);
	assert_non_null(pix);
	while (d.output_scanline < PH) {
		rp = pix + d.output_scanline * PW * 3;
		jpeg_read_scanlines(&d, &rp, 1);
	}
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	return pix;
}

/* The markers between SOI and SOS. */
static void
jpeg_markers(const unsigned char *p, size_t n, char *out, size_t outsz)
{
	size_t i = 2, o = 0;

	out[0] = '\0';
	while (i + 4 <= n && p[i] == 0xff && p[i + 1] != 0xda) {
		o += (size_t)snprintf(out + o, outsz - o, "%02x ", p[i + 1]);
		i += 2 + ((size_t)p[i + 2] << 8 | p[i + 3]);
		assert_true(o < outsz);
	}
}

static int
in_region(int x, int y, int rx, int ry, int rw, int rh)
{
	return x >= rx && x < rx + rw && y >= ry && y < ry + rh;
}

static struct etk_redactor *
regions(const char *pic)
{
	struct etk_redactor *rd = redactor(NULL, NULL);
	struct etk_error err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(etk_redactor_add_region(rd, pic, 16, 8, 16, 16, NULL,
	    &err), ETK_OK);
	/* clipped at the right and bottom edges */
	assert_int_equal(etk_redactor_add_region(rd, pic, 56, 40, 1000,
	    1000, NULL, &err), ETK_OK);
	/* wholly outside */
	assert_int_equal(etk_redactor_add_region(rd, pic, 4000000000u,
	    4000000000u, 4000000000u, 4000000000u, NULL, &err), ETK_OK);
	return rd;
}

static void
test_picture_jpeg(void **state)
{
	struct etk_redactor *rd = regions("x.jpg");
	const struct etk_redact_rule *rr[3];
	struct etk_error err;
	char in[512], out[512], out2[512], marks[256];
	unsigned char *orig, *res, *p, *q, *op;
	size_t n, n2, on;
	long diff = 0, cnt = 0;
	int x, y, i;

	(void)state;
	memset(&err, 0, sizeof(err));
	for (i = 0; i < 3; i++)
		rr[i] = etk_redactor_rule(rd, (size_t)i);
	fresh(in, sizeof(in), "in.jpg");
	make_jpeg(in, 0);
	op = read_all(in, &on);
	assert_true(has_bytes(op, on, "Exif", 4));	/* the test is real */
	orig = decode_jpeg(op, on);
	fresh(out, sizeof(out), "out.jpg");
	if (etk_redact_picture(in, out, rr, 3, &err) != ETK_OK)
		fail_msg("%s", err.msg);
	p = read_all(out, &n);
	assert_false(has_bytes(p, n, "Exif", 4));
	assert_false(has_bytes(p, n, "secret", 6));
	jpeg_markers(p, n, marks, sizeof(marks));
	assert_int_equal(strncmp(marks, "e0 ", 3), 0);	/* JFIF */
	assert_null(strstr(marks, "e1"));
	assert_null(strstr(marks, "fe"));
	assert_true(has_bytes(p, n, "JFIF", 4));
	res = decode_jpeg(p, n);
	for (y = 0; y < PH; y++)
		for (x = 0; x < PW; x++) {
			const unsigned char *a = res + (y * PW + x) * 3;
			const unsigned char *b = orig + (y * PW + x) * 3;

			if (in_region(x, y, 17, 9, 14, 14) ||
			    in_region(x, y, 57, 41, 7, 7)) {
				if (a[0] > 12 || a[1] > 12 || a[2] > 12)
					fail_msg("(%d,%d) not black: %d", x, y,
					    a[0]);
			} else if (!in_region(x, y, 8, 0, 32, 32) &&
			    !in_region(x, y, 48, 32, 16, 16)) {
				diff += abs(a[0] - b[0]) + abs(a[1] - b[1]) +
				    abs(a[2] - b[2]);
				cnt += 3;
			}
		}
	assert_true(cnt > 0);
	if (diff > cnt * 3)
		fail_msg("outside the regions changed: mean %ld/%ld", diff,
		    cnt);
	/* deterministic */
	fresh(out2, sizeof(out2), "out.jpg");
	assert_int_equal(etk_redact_picture(in, out2, rr, 3, &err), ETK_OK);
	q = read_all(out2, &n2);
	assert_int_equal(n, n2);
	assert_memory_equal(p, q, n);
	/* never over an existing file */
	assert_int_equal(etk_redact_picture(in, out2, rr, 3, &err),
	    ETK_EEXIST);
	/* no regions: re-rendered all the same, without metadata */
	fresh(out2, sizeof(out2), "out.jpg");
	assert_int_equal(etk_redact_picture(in, out2, NULL, 0, &err), ETK_OK);
	free(q);
	q = read_all(out2, &n2);
	assert_false(has_bytes(q, n2, "Exif", 4));
	free(q);
	/* CMYK: refused, not mangled */
	fresh(in, sizeof(in), "cmyk.jpg");
	make_jpeg(in, 1);
	fresh(out2, sizeof(out2), "out.jpg");
	assert_int_equal(etk_redact_picture(in, out2, rr, 3, &err),
	    ETK_EUNSUPP);
	assert_int_not_equal(access(out2, F_OK), 0);
	free(p);
	free(res);
	free(orig);
	free(op);
	etk_redactor_free(rd);
}

struct mem {
	unsigned char *p;
	size_t n;
};

static void
mem_write(png_structp png, png_bytep d, size_t n)
{
	struct mem *m = png_get_io_ptr(png);

	m->p = realloc(m->p, m->n + n);
	assert_non_null(m->p);
	memcpy(m->p + m->n, d, n);
	m->n += n;
}

static void
mem_flush(png_structp png)
{
	(void)png;
}

/* RGBA 8-bit (depth 8) or gray 16-bit (depth 16) with tEXt and tIME. */
static void
make_png(const char *path, int depth)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
	    NULL, NULL);
	png_infop info = png_create_info_struct(png);
	struct mem m = { NULL, 0 };
	static unsigned char pix[PH][PW * 4];
	png_bytep rows[PH];
	png_text t;
	png_time tm = { 2024, 2, 13, 10, 0, 0 };
	int x, y;

	assert_non_null(info);
	png_set_write_fn(png, &m, mem_write, mem_flush);
	png_set_IHDR(png, info, PW, PH, depth, depth == 8 ?
	    PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_ADAM7,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	memset(&t, 0, sizeof(t));
	t.compression = PNG_TEXT_COMPRESSION_NONE;
	t.key = (char *)"Comment";
	t.text = (char *)"secret";
	png_set_text(png, info, &t, 1);
	png_set_tIME(png, info, &tm);
	png_write_info(png, info);
	for (y = 0; y < PH; y++) {
		unsigned char *row = pix[y];

		rows[y] = row;
		for (x = 0; x < PW; x++) {
			if (depth == 8) {
				row[x * 4] = gray_at(x, y);
				row[x * 4 + 1] = (unsigned char)(x * 3);
				row[x * 4 + 2] = (unsigned char)(y * 5);
				row[x * 4 + 3] = (unsigned char)(128 + x);
			} else {
				row[x * 2] = gray_at(x, y);
				row[x * 2 + 1] = (unsigned char)(x + y);
			}
		}
	}
	png_write_image(png, rows);
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	write_bytes(path, m.p, m.n);
	free(m.p);
}

/* Decode any of ours to its samples as stored (8 or 16 bit). */
static unsigned char *
decode_png(const unsigned char *p, size_t n, size_t *rowbytes)
{
	png_image img;
	unsigned char *pix;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	assert_true(png_image_begin_read_from_memory(&img, p, n) != 0);
	assert_int_equal(img.width, PW);
	assert_int_equal(img.height, PH);
	*rowbytes = PNG_IMAGE_SIZE(img) / img.height;	/* bytes */
	pix = malloc(PNG_IMAGE_SIZE(img));
	assert_non_null(pix);
	assert_true(png_image_finish_read(&img, NULL, pix, 0, NULL) != 0);
	return pix;
}

static void
test_picture_png(void **state)
{
	static const char *const chunks[] = { "tEXt", "tIME", "zTXt", "iTXt",
	    "eXIf", "iCCP", "gAMA" };
	struct etk_redactor *rd = regions("x.png");
	const struct etk_redact_rule *rr[3];
	struct etk_error err;
	char in[512], out[512], out2[512];
	unsigned char *p, *q, *a, *b, *op;
	size_t n, n2, on, rb, rb2, k, px;
	int x, y, i, depth;

	(void)state;
	memset(&err, 0, sizeof(err));
	for (i = 0; i < 3; i++)
		rr[i] = etk_redactor_rule(rd, (size_t)i);
	for (depth = 8; depth <= 16; depth += 8) {
		fresh(in, sizeof(in), "in.png");
		make_png(in, depth);
		op = read_all(in, &on);
		assert_true(has_bytes(op, on, "tEXt", 4));
		fresh(out, sizeof(out), "out.png");
		if (etk_redact_picture(in, out, rr, 3, &err) != ETK_OK)
			fail_msg("%s", err.msg);
		p = read_all(out, &n);
		for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++)
			assert_false(has_bytes(p, n, chunks[k], 4));
		assert_false(has_bytes(p, n, "secret", 6));
		/* decoded through the simplified API: 8-bit RGBA or
		 * linear gray for 16 bit; compare what we can exactly */
		a = decode_png(op, on, &rb);
		b = decode_png(p, n, &rb2);
		assert_int_equal(rb, rb2);
		px = rb / PW;
		for (y = 0; y < PH; y++)
			for (x = 0; x < PW; x++) {
				const unsigned char *s = a + y * rb + x * px;
				const unsigned char *r = b + y * rb + x * px;
				int inside = in_region(x, y, 16, 8, 16, 16) ||
				    in_region(x, y, 56, 40, 8, 8);

				if (!inside) {
					if (memcmp(s, r, px) != 0)
						fail_msg("depth %d (%d,%d) "
						    "changed", depth, x, y);
					continue;
				}
				for (k = 0; k < px; k++) {
					/* colour 0; RGBA's alpha opaque */
					int want = depth == 8 && k == 3 ?
					    255 : 0;

					if (r[k] != want)
						fail_msg("depth %d (%d,%d)"
						    "[%zu] = %d", depth, x, y,
						    k, r[k]);
				}
			}
		free(a);
		free(b);
		/* deterministic */
		fresh(out2, sizeof(out2), "out.png");
		assert_int_equal(etk_redact_picture(in, out2, rr, 3, &err),
		    ETK_OK);
		q = read_all(out2, &n2);
		assert_int_equal(n, n2);
		assert_memory_equal(p, q, n);
		free(q);
		free(p);
		free(op);
	}
	etk_redactor_free(rd);
}

static void
expect_bad_picture(const void *data, size_t n, int want,
    const struct etk_redact_rule *const *rr, size_t nr)
{
	struct etk_error err;
	char in[512], out[512];
	int rc;

	memset(&err, 0, sizeof(err));
	fresh(in, sizeof(in), "bad");
	fresh(out, sizeof(out), "badout");
	write_bytes(in, data, n);
	rc = etk_redact_picture(in, out, rr, nr, &err);
	if (rc != want)
		fail_msg("bad picture of %zu bytes: %d (%s), want %d", n, rc,
		    err.msg, want);
	assert_true(err.msg[0] != '\0');
	assert_int_not_equal(access(out, F_OK), 0);
}

static uint32_t
crc32_of(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return c ^ 0xffffffffu;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void
test_picture_corrupt(void **state)
{
	struct etk_redactor *rd = regions("x");
	const struct etk_redact_rule *rr[3];
	char in[512];
	unsigned char *j, *pg, *bad;
	size_t jn, pn, i, sof = 0;

	(void)state;
	for (i = 0; i < 3; i++)
		rr[i] = etk_redactor_rule(rd, i);
	fresh(in, sizeof(in), "c.jpg");
	make_jpeg(in, 0);
	j = read_all(in, &jn);
	fresh(in, sizeof(in), "c.png");
	make_png(in, 8);
	pg = read_all(in, &pn);

	/* truncated anywhere */
	for (i = 3; i < jn; i += jn / 17 + 1)
		expect_bad_picture(j, i, ETK_EFORMAT, rr, 3);
	for (i = 8; i < pn; i += pn / 13 + 1)
		expect_bad_picture(pg, i, ETK_EFORMAT, rr, 3);
	/* garbage after the signature */
	bad = malloc(jn);
	assert_non_null(bad);
	memcpy(bad, j, jn);
	for (i = 3; i < jn; i++)
		bad[i] = (unsigned char)(i * 131 + 7);
	expect_bad_picture(bad, jn, ETK_EFORMAT, rr, 3);
	free(bad);
	/* a bad IHDR CRC */
	assert_true(pn > 40);
	bad = malloc(pn + 64);
	assert_non_null(bad);
	memcpy(bad, pg, pn);
	bad[29] ^= 0x55;
	expect_bad_picture(bad, pn, ETK_EFORMAT, rr, 3);
	free(bad);
	/* too many pixels: 10000 x 10000 in the SOF, and in the IHDR */
	bad = malloc(jn + pn + 64);
	assert_non_null(bad);
	memcpy(bad, j, jn);
	for (i = 2; i + 9 < jn; i++)
		if (bad[i] == 0xff && bad[i + 1] == 0xc0) {
			sof = i;
			break;
		}
	assert_true(sof != 0);
	bad[sof + 5] = 0x27;	/* height 10000 */
	bad[sof + 6] = 0x10;
	bad[sof + 7] = 0x27;	/* width 10000 */
	bad[sof + 8] = 0x10;
	expect_bad_picture(bad, jn, ETK_ETIMEOUT, rr, 3);
	memcpy(bad, pg, pn);
	put32(bad + 16, 10000);
	put32(bad + 20, 10000);
	put32(bad + 29, crc32_of(bad + 12, 17));
	expect_bad_picture(bad, pn, ETK_ETIMEOUT, rr, 3);
	/* zero width */
	memcpy(bad, pg, pn);
	put32(bad + 16, 0);
	put32(bad + 29, crc32_of(bad + 12, 17));
	expect_bad_picture(bad, pn, ETK_EFORMAT, rr, 3);
	free(bad);
	/* a progressive JPEG whose last scan comes 300 times */
	{
		unsigned char *pj, *many, *sos = NULL, *eoi = NULL;
		size_t pjn, k, o = 0, sl;

		fresh(in, sizeof(in), "p.jpg");
		make_jpeg2(in, 0, 1);
		pj = read_all(in, &pjn);
		{
			struct etk_error err;
			char out[512];

			memset(&err, 0, sizeof(err));
			fresh(out, sizeof(out), "p-out.jpg");
			assert_int_equal(etk_redact_picture(in, out, rr, 3,
			    &err), ETK_OK);
		}
		expect_bad_picture(pj, pjn / 2, ETK_EFORMAT, rr, 3);
		for (k = 2; k + 1 < pjn; k++)
			if (pj[k] == 0xff && pj[k + 1] == 0xda)
				sos = pj + k;
		eoi = pj + pjn - 2;
		assert_true(sos != NULL && eoi[0] == 0xff && eoi[1] == 0xd9);
		sl = (size_t)(eoi - sos);
		many = malloc(pjn + 300 * sl);
		assert_non_null(many);
		memcpy(many, pj, (size_t)(eoi - pj));
		o = (size_t)(eoi - pj);
		for (k = 0; k < 300; k++, o += sl)
			memcpy(many + o, sos, sl);
		memcpy(many + o, eoi, 2);
		expect_bad_picture(many, o + 2, ETK_EFORMAT, rr, 3);
		free(many);
		free(pj);
	}
	/* not JPEG or PNG */
	expect_bad_picture("GIF89a\x01\x00\x01\x00\x00\x00\x00;", 14,
	    ETK_EUNSUPP, rr, 3);
	expect_bad_picture("", 0, ETK_EUNSUPP, rr, 3);
	expect_bad_picture("\xff\xd8", 2, ETK_EUNSUPP, rr, 3);
	/* a rule that is not a region */
	{
		struct etk_redactor *r2 = redactor("GB", "+447700900123");
		const struct etk_redact_rule *pr = etk_redactor_rule(r2, 0);

		expect_bad_picture(j, jn, ETK_EINVAL, &pr, 1);
		etk_redactor_free(r2);
	}
	free(j);
	free(pg);
	etk_redactor_free(rd);
}

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(base, sizeof(base), "%s/etk-redact-XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(base) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_gb),
		cmocka_unit_test(test_phone_other_spellings),
		cmocka_unit_test(test_spellings),
		cmocka_unit_test(test_email_handle_name),
		cmocka_unit_test(test_tokens_aliases),
		cmocka_unit_test(test_time_field),
		cmocka_unit_test(test_rules_good),
		cmocka_unit_test(test_rules_errors),
		cmocka_unit_test(test_scan_file),
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_picture_jpeg),
		cmocka_unit_test(test_picture_png),
		cmocka_unit_test(test_picture_corrupt),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
