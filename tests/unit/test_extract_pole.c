/*
 * Unit tests: phone-number normalisation (lib/extract/phone.c) and the
 * POLE graph (lib/extract/pole.c).
 *
 * The POLE tests feed one set of records (account holder, contacts from
 * two apps, messages and calls with numbers spelled many ways,
 * pictures with GPS) in several orders and require byte-identical
 * output (message and call events are written as they arrive, so they
 * keep their relative order; people, objects, locations and photos
 * must not depend on event order either); then they parse that
 * output and check de-duplication, provenance, the third-party flag
 * and every link.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <etk/core.h>
#include <etk/json.h>

#include "extract/ex_int.h"

/* ---- phone numbers ---- */

struct pcase {
	const char *cc, *raw;
	int rc;
	const char *out;
};

static const struct pcase pcases[] = {
	/* The contract's examples. */
	{ "44", "07700 900123", 1, "+447700900123" },
	{ "44", "+44 (0)7700-900123", 1, "+447700900123" },
	{ NULL, "+44 (0)7700-900123", 1, "+447700900123" },
	{ NULL, "00447700900123", 1, "+447700900123" },
	{ NULL, "tel:+447700900123", 1, "+447700900123" },
	{ NULL, "447700900123@s.whatsapp.net", 1, "+447700900123" },
	/* Separators. */
	{ NULL, "+44 7700 900123", 1, "+447700900123" },
	{ NULL, "+44.7700.900.123", 1, "+447700900123" },
	{ NULL, "+44-7700-900-123", 1, "+447700900123" },
	{ NULL, "+44 (7700) 900123", 1, "+447700900123" },
	{ NULL, "(+44) 7700 900123", 1, "+447700900123" },
	{ NULL, "+44 (0)20 7946 0000", 1, "+442079460000" },
	{ NULL, "  +44 7700 900123\t", 1, "+447700900123" },
	{ NULL, "\xc2\xa0+44\xc2\xa0" "7700\xc2\xa0" "900123", 1,
	    "+447700900123" },
	{ NULL, "0044 (0)7700 900123", 1, "+447700900123" },
	/* 011 is international only in NANP; Leeds is 0113. */
	{ "1", "011 44 7700 900123", 1, "+447700900123" },
	{ "44", "0113 496 0000", 1, "+441134960000" },
	{ "1", "(202) 555-0123", 1, "+12025550123" },
	{ "1", "1-202-555-0123", 1, "+12025550123" },
	{ "1", "202.555.0123", 1, "+12025550123" },
	{ "1", "555-0123", 0, "5550123" },
	/* Italy keeps its leading 0 in international form. */
	{ "39", "06 1234 5678", 1, "+390612345678" },
	{ "33", "06 12 34 56 78", 1, "+33612345678" },
	/* Stored without its '+' (long enough to be international). */
	{ "44", "447700900123", 1, "+447700900123" },
	/* URIs. */
	{ NULL, "tel:+1-202-555-0123", 1, "+12025550123" },
	{ NULL, "TEL:+12025550123;ext=42", 1, "+12025550123" },
	{ NULL, "sms:+447700900123?body=hello", 1, "+447700900123" },
	{ NULL, "smsto:+447700900123", 1, "+447700900123" },
	{ "44", "tel:07700900123", 1, "+447700900123" },
	/* JIDs: people, and groups/broadcasts (not a phone). */
	{ NULL, "447700900123:12@s.whatsapp.net", 1, "+447700900123" },
	{ NULL, "12025550123@c.us", 1, "+12025550123" },
	{ NULL, "447700900123-1707818400@g.us", 0,
	    "447700900123-1707818400@g.us" },
	{ NULL, "120363025246125486@g.us", 0, "120363025246125486@g.us" },
	{ NULL, "status@broadcast", 0, "status@broadcast" },
	/* E-mail handles: a lower-cased cleaned copy. */
	{ NULL, "John.Doe@Example.COM", 0, "john.doe@example.com" },
	{ NULL, "mailto:Jane@Example.com", 0, "jane@example.com" },
	{ NULL, " bob@example.com ", 0, "bob@example.com" },
	/* Short codes, service codes, alphanumeric senders. */
	{ "44", "85075", 0, "85075" },
	{ "44", "999", 0, "999" },
	{ "44", "VODAFONE", 0, "VODAFONE" },
	{ "44", "Amazon", 0, "Amazon" },
	{ "44", "*#06#", 0, "*#06#" },
	{ "44", "+44 7700 ABC", 0, "+44 7700 ABC" },
	/* National without a country: digits only, not E.164. */
	{ NULL, "07700 900123", 0, "07700900123" },
	{ "44", "7700 900123", 0, "7700900123" },
	/* Not E.164: too short, too long, two '+', unbalanced. */
	{ NULL, "+1234", 0, "+1234" },
	{ NULL, "+1234567890123456", 0, "+1234567890123456" },
	{ NULL, "+44+7700900123", 0, "+44+7700900123" },
	{ NULL, "+44 (7700 900123", 0, "+44 (7700 900123" },
	{ NULL, "+0447700900123", 0, "+0447700900123" },
	{ "44", "", 0, "" },
	{ "44", "   ", 0, "" },
	/* A bad default_cc is ignored, not trusted. */
	{ "abc", "07700 900123", 0, "07700900123" },
	{ "0", "07700 900123", 0, "07700900123" },
};

static void
test_phone_table(void **state)
{
	size_t i, n = sizeof(pcases) / sizeof(pcases[0]);
	char out[64];

	(void)state;
	assert_true(n >= 40);
	for (i = 0; i < n; i++) {
		const struct pcase *c = &pcases[i];
		int rc = ex_phone_norm(c->raw, c->cc, out, sizeof(out));

		if (rc != c->rc || strcmp(out, c->out) != 0)
			fail_msg("'%s' (cc %s): got %d '%s', want %d '%s'",
			    c->raw, c->cc ? c->cc : "-", rc, out, c->rc,
			    c->out);
	}
}

static void
test_phone_bounds(void **state)
{
	char out[32], big[600];

	(void)state;
	/* A small out is never overrun: a canary after it survives. */
	memset(out, 'Z', sizeof(out));
	assert_int_equal(ex_phone_norm("+447700900123", NULL, out, 5), 0);
	assert_true(strlen(out) <= 4);
	assert_int_equal(out[5], 'Z');
	memset(out, 'Z', sizeof(out));
	assert_int_equal(ex_phone_norm("+447700900123", NULL, out, 14), 1);
	assert_string_equal(out, "+447700900123");
	assert_int_equal(out[14], 'Z');
	memset(out, 'Z', sizeof(out));
	assert_int_equal(ex_phone_norm("Somebody@Example.com", NULL, out, 8),
	    0);
	assert_string_equal(out, "somebod");
	assert_int_equal(out[8], 'Z');
	memset(out, 'Z', sizeof(out));
	assert_int_equal(ex_phone_norm("+447700900123", NULL, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(out[1], 'Z');
	/* outsz 0: nothing written at all. */
	memset(out, 'Z', sizeof(out));
	assert_int_equal(ex_phone_norm("+447700900123", NULL, out, 0), 0);
	assert_int_equal(out[0], 'Z');
	assert_int_equal(ex_phone_norm(NULL, "44", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* Very long input: not a number, out bounded. */
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = '+';
	assert_int_equal(ex_phone_norm(big, NULL, out, sizeof(out)), 0);
	assert_true(strlen(out) < sizeof(out));
}

/* ---- POLE ---- */

static const char *const holder_nums[] = { "+44 7700 900001" };

/* One record of any kind, so a test can shuffle them. */
struct rec {
	char kind;		/* 'a' account, 'c' contact, 'm' message,
				 * 'l' call, 'i' image */
	const void *r;
	const char *src;	/* source locator */
	const char *sha;	/* images */
};

static const char *const c1_nums[] = { "07700 900123", "+44 20 7946 0000" };
static const char *const c1_mail[] = { "Alice@Example.com" };
static const char *const c2_nums[] = { "+44 (0)7700-900123" };
static const char *const c3_nums[] = { "+1 202-555-0123" };
static const char *const c3_mail[] = { "bob@example.com" };

static const struct ex_contact contacts[] = {
	{ .app = "android_contacts", .name = "Alice Smith",
	    .numbers = c1_nums, .nnumbers = 2, .emails = c1_mail,
	    .nemails = 1 },
	/* The same person synced to WhatsApp, spelled differently. */
	{ .app = "whatsapp", .name = "alice  SMITH", .numbers = c2_nums,
	    .nnumbers = 1, .account = "447700900123@s.whatsapp.net" },
	{ .app = "ios_addressbook", .name = "Bob", .numbers = c3_nums,
	    .nnumbers = 1, .emails = c3_mail, .nemails = 1 },
	/* No name: keyed by its number. */
	{ .app = "android_contacts", .name = NULL, .numbers = holder_nums,
	    .nnumbers = 1 },
};

static const struct ex_account accounts[] = {
	{ .app = "android_telephony", .kind = "telephone",
	    .value = "07700 900001", .name = "Device Owner" },
	{ .app = "whatsapp", .kind = "whatsapp",
	    .value = "447700900001@s.whatsapp.net", .name = "Device Owner" },
};

static const char *const to_alice[] = { "+447700900123" };
static const char *const to_both[] = { "0044 7700 900123",
	"tel:+12025550123" };
static const char *const to_group[] = { "447700900123-1707818400@g.us" };
static const char *const to_owner[] = { "07700900001" };

static struct ex_message messages[6];
static struct ex_call calls[3];
static struct ex_image_info images[4];
static struct rec recs[64];
static size_t nrecs;

static void
add_rec(char kind, const void *r, const char *src, const char *sha)
{
	recs[nrecs].kind = kind;
	recs[nrecs].r = r;
	recs[nrecs].src = src;
	recs[nrecs].sha = sha;
	nrecs++;
}

static void
make_records(void)
{
	struct ex_message *m = messages;
	struct ex_call *c = calls;
	struct ex_image_info *im = images;

	memset(messages, 0, sizeof(messages));
	memset(calls, 0, sizeof(calls));
	memset(images, 0, sizeof(images));
	nrecs = 0;
	m[0].app = "android_sms";
	m[0].direction = "outgoing";
	m[0].to = to_alice;
	m[0].nto = 1;
	ex_time_int(&m[0].time, EX_T_UNIX_MS, 1707818400000LL);
	m[1].app = "android_sms";
	m[1].direction = "incoming";
	m[1].from = "07700 900123";
	m[1].to = to_owner;
	m[1].nto = 1;
	ex_time_int(&m[1].time, EX_T_UNIX_MS, 1707818460000LL);
	m[2].app = "whatsapp";
	m[2].direction = "incoming";
	m[2].thread = "447700900123-1707818400@g.us";
	m[2].from = "12025550123@s.whatsapp.net";
	m[2].to = to_group;
	m[2].nto = 1;
	ex_time_int(&m[2].time, EX_T_UNIX_MS, 1707818400000LL);
	m[3].app = "imessage";
	m[3].direction = "outgoing";
	m[3].to = to_both;
	m[3].nto = 2;
	ex_time_int(&m[3].time, EX_T_COCOA_NS, 729511200000000000LL);
	m[4].app = "android_sms";
	m[4].direction = "incoming";
	m[4].from = "VODAFONE";
	ex_time_int(&m[4].time, EX_T_UNIX_MS, 0);	/* unset */
	m[5].app = "imessage";
	m[5].direction = "incoming";
	m[5].from = "BOB@example.com";
	ex_time_int(&m[5].time, EX_T_COCOA_S, 729511300LL);
	add_rec('m', &m[0], "EX1/p3:/data/mmssms.db#sms/1", NULL);
	add_rec('m', &m[1], "EX1/p3:/data/mmssms.db#sms/2", NULL);
	add_rec('m', &m[2], "EX1/p3:/data/msgstore.db#message/7", NULL);
	add_rec('m', &m[3], "EX1/p3:/data/sms.db#message/10", NULL);
	add_rec('m', &m[4], "EX1/p3:/data/mmssms.db#sms/3", NULL);
	add_rec('m', &m[5], "EX1/p3:/data/sms.db#message/11", NULL);
	c[0].app = "android_calllog";
	c[0].direction = "incoming";
	c[0].number = "+447700900123";
	c[0].duration_s = 65;
	ex_time_int(&c[0].time, EX_T_UNIX_MS, 1707818500000LL);
	c[1].app = "android_calllog";
	c[1].direction = "outgoing";
	c[1].number = "(202) 555-0123";	/* national, NANP: not merged
					 * without cc 1 */
	c[1].duration_s = -1;
	ex_time_int(&c[1].time, EX_T_UNIX_MS, 1707818600000LL);
	c[2].app = "android_calllog";
	c[2].direction = "missed";
	c[2].number = NULL;			/* private number */
	c[2].duration_s = 0;
	ex_time_int(&c[2].time, EX_T_UNIX_MS, 1707818700000LL);
	add_rec('l', &c[0], "EX1/p3:/data/calllog.db#calls/1", NULL);
	add_rec('l', &c[1], "EX1/p3:/data/calllog.db#calls/2", NULL);
	add_rec('l', &c[2], "EX1/p3:/data/calllog.db#calls/3", NULL);
	add_rec('c', &contacts[0], "EX1/p3:/data/contacts2.db#raw_contacts/5",
	    NULL);
	add_rec('c', &contacts[1], "EX1/p3:/data/wa.db#wa_contacts/9", NULL);
	add_rec('c', &contacts[2], "EX1/p3:/data/AddressBook.sqlitedb#"
	    "ABPerson/2", NULL);
	add_rec('c', &contacts[3], "EX1/p3:/data/contacts2.db#raw_contacts/1",
	    NULL);
	add_rec('a', &accounts[0], "EX1/p3:/data/telephony.db#siminfo/1",
	    NULL);
	add_rec('a', &accounts[1], "EX1/p3:/data/prefs.xml", NULL);
	/* Pictures: two at one place (one of them stored twice), one
	 * elsewhere, one without EXIF. */
	im[0].has_gps = 1;
	im[0].lat = 51.500729;
	im[0].lon = -0.124625;
	im[0].has_alt = 1;
	im[0].alt = 12;
	snprintf(im[0].taken, sizeof(im[0].taken), "2024-02-13T10:00:00+00:00");
	im[0].taken_has_offset = im[0].has_taken_utc = 1;
	im[0].taken_utc = 1707818400;
	snprintf(im[0].make, sizeof(im[0].make), "Google");
	snprintf(im[0].model, sizeof(im[0].model), "Pixel 7");
	im[1] = im[0];
	im[1].taken_utc = 1707818430;
	snprintf(im[1].taken, sizeof(im[1].taken), "2024-02-13T10:00:30+00:00");
	im[2] = im[0];
	im[2].lat = -33.856784;
	im[2].lon = 151.215297;
	im[2].has_alt = 0;
	im[2].has_taken_utc = 0;
	im[2].taken_has_offset = 0;
	snprintf(im[2].taken, sizeof(im[2].taken), "2024-02-12T20:00:00");
	add_rec('i', &im[0], "EX1/p3:/media/DCIM/a.jpg",
	    "aaaa000000000000000000000000000000000000000000000000000000000001");
	add_rec('i', &im[0], "EX1/p3:/media/WhatsApp/a-copy.jpg",
	    "aaaa000000000000000000000000000000000000000000000000000000000001");
	add_rec('i', &im[1], "EX1/p3:/media/DCIM/b.jpg",
	    "bbbb000000000000000000000000000000000000000000000000000000000002");
	add_rec('i', &im[2], "EX1/p3:/media/DCIM/c.jpg",
	    "cccc000000000000000000000000000000000000000000000000000000000003");
	add_rec('i', &im[3], "EX1/p3:/media/DCIM/d.png", NULL);
}

static void
feed(struct ex_pole *p, const size_t *order)
{
	size_t i;

	for (i = 0; i < nrecs; i++) {
		const struct rec *r = &recs[order[i]];

		switch (r->kind) {
		case 'a':
			ex_pole_account(p, r->r, r->src);
			break;
		case 'c':
			ex_pole_contact(p, r->r, r->src);
			break;
		case 'm':
			ex_pole_message(p, r->r, r->src);
			break;
		case 'l':
			ex_pole_call(p, r->r, r->src);
			break;
		default:
			ex_pole_image(p, r->r, r->src, r->sha);
			break;
		}
	}
}

/* ex_pole_write hands over bounded chunks of whole lines: gather them
 * back (and check each chunk ends a line). */
struct gather {
	struct etk_buf *b[2];
	size_t chunks;
};

static int
gather_out(void *arg, int which, const struct etk_buf *buf)
{
	struct gather *g = arg;

	assert_true(which == 0 || which == 1);
	assert_true(buf->len > 0);
	assert_int_equal(buf->data[buf->len - 1], '\n');
	etk_buf_add(g->b[which], buf->data, buf->len);
	g->chunks++;
	return 0;
}

static int
write_into(struct ex_pole *p, struct etk_buf *ents, struct etk_buf *links,
    struct etk_error *err)
{
	struct gather g = { { ents, links }, 0 };

	return ex_pole_write(p, gather_out, &g, err);
}

static void
run_pole(const size_t *order, const char *cc, struct etk_buf *ents,
    struct etk_buf *links)
{
	struct etk_error err = { 0 };
	struct ex_pole *p;

	assert_int_equal(ex_pole_new(&p, cc, NULL, &err), ETK_OK);
	feed(p, order);
	etk_buf_init(ents);
	etk_buf_init(links);
	assert_int_equal(write_into(p, ents, links, &err), ETK_OK);
	ex_pole_free(p);
}

/* Message and call events are written in the order they arrive (the
 * sink feeds them in a fixed order); everything else may come in any
 * order and interleave with them anyhow. */
static int
is_event(size_t i)
{
	return recs[i].kind == 'm' || recs[i].kind == 'l';
}

/* Keep the events of order[] in their first-fed order, wherever
 * order[] put them. */
static void
events_in_order(size_t *order, size_t n)
{
	size_t i, next = 0;

	for (i = 0; i < n; i++) {
		if (!is_event(order[i]))
			continue;
		while (!is_event(next))
			next++;
		order[i] = next++;
	}
}

/* A deterministic shuffle (xorshift), different per seed; message and
 * call events keep their relative order. */
static void
shuffle(size_t *order, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		size_t j, t;

		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		j = seed % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	events_in_order(order, n);
}

/* The lines of in holding neither x nor y (y may be NULL). */
static void
keep_lines(const struct etk_buf *in, const char *x, const char *y,
    struct etk_buf *out)
{
	const char *s = in->data, *nl;

	etk_buf_init(out);
	while (s < in->data + in->len) {
		nl = memchr(s, '\n', (size_t)(in->data + in->len - s));
		assert_non_null(nl);
		if (!(memmem(s, (size_t)(nl - s), x, strlen(x)) != NULL ||
		    (y != NULL && memmem(s, (size_t)(nl - s), y,
		    strlen(y)) != NULL)))
			etk_buf_add(out, s, (size_t)(nl + 1 - s));
		s = nl + 1;
	}
}

static void
test_pole_order_independent(void **state)
{
	struct etk_buf e1, l1, e2, l2;
	size_t order[64], i;
	uint32_t seed;

	(void)state;
	make_records();
	for (i = 0; i < nrecs; i++)
		order[i] = i;
	run_pole(order, "44", &e1, &l1);
	assert_true(e1.len > 0 && l1.len > 0);
	/* Reversed, then several shuffles: the same bytes every time
	 * (events among themselves as first fed). */
	for (i = 0; i < nrecs; i++)
		order[i] = nrecs - 1 - i;
	events_in_order(order, nrecs);
	run_pole(order, "44", &e2, &l2);
	assert_int_equal(e1.len, e2.len);
	assert_memory_equal(e1.data, e2.data, e1.len);
	assert_int_equal(l1.len, l2.len);
	assert_memory_equal(l1.data, l2.data, l1.len);
	etk_buf_release(&e2);
	etk_buf_release(&l2);
	for (seed = 1; seed < 40; seed++) {
		shuffle(order, nrecs, seed * 2654435761u);
		run_pole(order, "44", &e2, &l2);
		if (e1.len != e2.len || memcmp(e1.data, e2.data, e1.len) != 0 ||
		    l1.len != l2.len || memcmp(l1.data, l2.data, l1.len) != 0)
			fail_msg("seed %u: output differs", seed);
		etk_buf_release(&e2);
		etk_buf_release(&l2);
	}
	/* Events in another order: they and their parties move, nothing
	 * else does. */
	for (i = 0; i < nrecs; i++)
		order[i] = nrecs - 1 - i;
	run_pole(order, "44", &e2, &l2);
	assert_int_equal(e1.len, e2.len);
	assert_int_equal(l1.len, l2.len);
	{
		struct etk_buf a, b;

		keep_lines(&e1, "\"subtype\":\"message\"",
		    "\"subtype\":\"call\"", &a);
		keep_lines(&e2, "\"subtype\":\"message\"",
		    "\"subtype\":\"call\"", &b);
		assert_true(a.len > 0);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
		etk_buf_release(&a);
		etk_buf_release(&b);
		keep_lines(&l1, "\"PARTY_TO\"", NULL, &a);
		keep_lines(&l2, "\"PARTY_TO\"", NULL, &b);
		assert_true(a.len > 0);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
		etk_buf_release(&a);
		etk_buf_release(&b);
	}
	etk_buf_release(&e2);
	etk_buf_release(&l2);
	if (getenv("ETK_TEST_VERBOSE") != NULL)
		fprintf(stderr, "%s%s", e1.data, l1.data);
	etk_buf_release(&e1);
	etk_buf_release(&l1);
}

/* Parsed JSON Lines. */
struct lines {
	struct etk_jval *v[256];
	size_t n;
};

static void
parse_lines(const struct etk_buf *b, struct lines *out)
{
	const char *s = b->data, *nl;
	struct etk_error err = { 0 };

	out->n = 0;
	while (*s != '\0') {
		assert_non_null(nl = strchr(s, '\n'));
		assert_true(out->n < 256);
		if (etk_json_parse(s, (size_t)(nl - s), &out->v[out->n],
		    &err) != ETK_OK)
			fail_msg("bad JSON line: %.*s", (int)(nl - s), s);
		out->n++;
		s = nl + 1;
	}
}

static void
free_lines(struct lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		etk_jval_free(l->v[i]);
}

static const struct etk_jval *
find_ent(const struct lines *l, const char *subtype, const char *key,
    const char *val)
{
	const struct etk_jval *hit = NULL;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const char *st = etk_jval_str(l->v[i], "subtype");
		const char *v = etk_jval_str(l->v[i], key);

		if (st != NULL && strcmp(st, subtype) == 0 && v != NULL &&
		    strcmp(v, val) == 0) {
			if (hit != NULL)
				fail_msg("%s %s=%s twice", subtype, key, val);
			hit = l->v[i];
		}
	}
	return hit;
}

static size_t
count_subtype(const struct lines *l, const char *subtype)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++) {
		const char *st = etk_jval_str(l->v[i], "subtype");

		n += st != NULL && strcmp(st, subtype) == 0;
	}
	return n;
}

static int
has_link(const struct lines *l, const char *from, const char *rel,
    const char *to, const char *role)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const char *r = etk_jval_str(l->v[i], "role");

		if (strcmp(etk_jval_str(l->v[i], "from"), from) == 0 &&
		    strcmp(etk_jval_str(l->v[i], "rel"), rel) == 0 &&
		    strcmp(etk_jval_str(l->v[i], "to"), to) == 0 &&
		    (role == NULL ? r == NULL : r != NULL &&
		    strcmp(r, role) == 0))
			return 1;
	}
	return 0;
}

static const char *
id_of(const struct etk_jval *e)
{
	assert_non_null(e);
	return etk_jval_str(e, "id");
}

static int
third_party(const struct etk_jval *e)
{
	const struct etk_jval *v = etk_jval_get(e, "third_party");

	assert_non_null(v);
	assert_int_equal(v->type, ETK_JBOOL);
	return v->b;
}

static void
check_prov_sorted(const struct etk_jval *e)
{
	const struct etk_jval *p = etk_jval_get(e, "prov");
	size_t i;

	assert_non_null(p);
	assert_int_equal(p->type, ETK_JARR);
	assert_true(p->n >= 1);
	for (i = 1; i < p->n; i++)
		assert_true(strcmp(p->items[i - 1]->str, p->items[i]->str) < 0);
}

static void
test_pole_content(void **state)
{
	struct etk_buf eb, lb;
	struct lines E, L;
	const struct etk_jval *alice_tel, *owner_tel, *bob_tel, *bob_mail,
	    *alice, *owner, *vod, *loc, *file, *ev, *p;
	size_t order[64], i;
	char want[64];

	(void)state;
	make_records();
	for (i = 0; i < nrecs; i++)
		order[i] = i;
	run_pole(order, "44", &eb, &lb);
	parse_lines(&eb, &E);
	parse_lines(&lb, &L);

	/* Ids: unique, per kind numbered from 1 in output order. */
	{
		unsigned next[4] = { 1, 1, 1, 1 };
		const char *letters = "POLE";

		for (i = 0; i < E.n; i++) {
			const char *id = id_of(E.v[i]);
			const char *k = strchr(letters, id[0]);

			assert_non_null(k);
			snprintf(want, sizeof(want), "%c-%06u", id[0],
			    next[k - letters]++);
			assert_string_equal(id, want);
			check_prov_sorted(E.v[i]);
		}
	}
	/* One telephone for all spellings of Alice's number. */
	alice_tel = find_ent(&E, "telephone", "value", "+447700900123");
	assert_non_null(alice_tel);
	assert_string_equal(etk_jval_str(alice_tel, "norm"), "E.164");
	assert_true(third_party(alice_tel));
	/* Seen in 3 messages + 1 call. */
	assert_true(etk_jval_get(alice_tel, "events")->num == 4);
	/* Its provenance: both contact records, sorted, once each. */
	p = etk_jval_get(alice_tel, "prov");
	assert_int_equal(p->n, 2);
	assert_string_equal(p->items[0]->str,
	    "EX1/p3:/data/contacts2.db#raw_contacts/5");
	assert_string_equal(p->items[1]->str,
	    "EX1/p3:/data/wa.db#wa_contacts/9");
	owner_tel = find_ent(&E, "telephone", "value", "+447700900001");
	assert_non_null(owner_tel);
	assert_false(third_party(owner_tel));
	bob_tel = find_ent(&E, "telephone", "value", "+12025550123");
	assert_non_null(bob_tel);
	/* (202) 555-0123 without a NANP default stays national. */
	assert_non_null(p = find_ent(&E, "telephone", "value", "2025550123"));
	assert_string_equal(etk_jval_str(p, "norm"), "national");
	bob_mail = find_ent(&E, "email", "value", "bob@example.com");
	assert_non_null(bob_mail);
	assert_non_null(find_ent(&E, "email", "value", "alice@example.com"));
	/* Alice synced twice is one person; Bob; the unnamed contact;
	 * the account holder. */
	alice = find_ent(&E, "contact", "display", "Alice Smith");
	assert_non_null(alice);
	assert_true(third_party(alice));
	assert_int_equal(count_subtype(&E, "contact"), 3);
	owner = find_ent(&E, "account_holder", "display", "Device Owner");
	assert_non_null(owner);
	assert_false(third_party(owner));
	assert_int_equal(count_subtype(&E, "account_holder"), 1);
	/* Alphanumeric sender: an identity within its app. */
	vod = find_ent(&E, "online account", "value", "VODAFONE");
	assert_non_null(vod);
	assert_string_equal(etk_jval_str(vod, "app"), "android_sms");
	/* The WhatsApp accounts. */
	assert_non_null(p = find_ent(&E, "online account", "value",
	    "+447700900001"));
	assert_false(third_party(p));
	assert_true(has_link(&L, id_of(owner), "USES", id_of(p), NULL));
	assert_non_null(p = find_ent(&E, "online account", "value",
	    "+447700900123"));
	assert_true(has_link(&L, id_of(alice), "USES", id_of(p), NULL));
	/* No group ever becomes a party or an object. */
	assert_null(strstr(eb.data, "g.us\",\"norm"));
	/* Person HAS telephone / email. */
	assert_true(has_link(&L, id_of(alice), "HAS", id_of(alice_tel),
	    NULL));
	assert_true(has_link(&L, id_of(alice), "HAS", id_of(find_ent(&E,
	    "email", "value", "alice@example.com")), NULL));
	assert_true(has_link(&L, id_of(owner), "USES", id_of(owner_tel),
	    NULL));
	/* Events: 6 messages, 3 calls, 3 photos (one per distinct file
	 * with a time). */
	assert_int_equal(count_subtype(&E, "message"), 6);
	assert_int_equal(count_subtype(&E, "call"), 3);
	assert_int_equal(count_subtype(&E, "photo"), 3);
	/* The first event in time: the SMS to Alice and the WhatsApp
	 * message share 10:00:00; the photo of a.jpg too.  Ordered by
	 * kind, then source. */
	ev = find_ent(&E, "message", "prov", "x");	/* prov is a list */
	assert_null(ev);
	for (i = 0; i < E.n; i++)
		if (strcmp(id_of(E.v[i]), "E-000001") == 0)
			ev = E.v[i];
	assert_non_null(ev);
	assert_string_equal(etk_jval_str(ev, "ts"), "2024-02-13T10:00:00Z");
	/* Parties with roles. */
	for (i = 0; i < E.n; i++) {
		const struct etk_jval *pv = etk_jval_get(E.v[i], "prov");
		const char *st = etk_jval_str(E.v[i], "subtype");

		/* Objects seen only in events carry an event's source
		 * too: look at the events themselves. */
		if (st == NULL || pv == NULL || pv->n == 0 ||
		    (strcmp(st, "message") != 0 && strcmp(st, "call") != 0))
			continue;
		if (strcmp(pv->items[0]->str,
		    "EX1/p3:/data/mmssms.db#sms/2") == 0) {
			assert_string_equal(st, "message");
			assert_true(has_link(&L, id_of(alice_tel), "PARTY_TO",
			    id_of(E.v[i]), "sender"));
			assert_true(has_link(&L, id_of(owner_tel), "PARTY_TO",
			    id_of(E.v[i]), "recipient"));
		}
		if (strcmp(pv->items[0]->str,
		    "EX1/p3:/data/sms.db#message/10") == 0) {
			assert_true(has_link(&L, id_of(alice_tel), "PARTY_TO",
			    id_of(E.v[i]), "recipient"));
			assert_true(has_link(&L, id_of(bob_tel), "PARTY_TO",
			    id_of(E.v[i]), "recipient"));
		}
		if (strcmp(pv->items[0]->str,
		    "EX1/p3:/data/sms.db#message/11") == 0)
			assert_true(has_link(&L, id_of(bob_mail), "PARTY_TO",
			    id_of(E.v[i]), "sender"));
		if (strcmp(pv->items[0]->str,
		    "EX1/p3:/data/calllog.db#calls/1") == 0) {
			assert_string_equal(st, "call");
			assert_true(etk_jval_get(E.v[i], "duration_s")->num ==
			    65);
			assert_true(has_link(&L, id_of(alice_tel), "PARTY_TO",
			    id_of(E.v[i]), "caller"));
		}
		if (strcmp(pv->items[0]->str,
		    "EX1/p3:/data/mmssms.db#sms/3") == 0)
			assert_int_equal(etk_jval_get(E.v[i], "ts")->type,
			    ETK_JNULL);
	}
	/* Pictures: a.jpg stored twice is one file with both places. */
	file = find_ent(&E, "digital file", "value",
	    "aaaa000000000000000000000000000000000000000000000000000000000001");
	assert_non_null(file);
	p = etk_jval_get(file, "prov");
	assert_int_equal(p->n, 2);
	/* a.jpg and b.jpg were taken at one place: one location. */
	assert_int_equal(count_subtype(&E, "coordinates"), 2);
	for (loc = NULL, i = 0; i < E.n; i++) {
		const struct etk_jval *lat = etk_jval_get(E.v[i], "lat");

		if (lat != NULL && fabs(lat->num - 51.500729) < 1e-12)
			loc = E.v[i];
	}
	assert_non_null(loc);
	assert_true(fabs(etk_jval_get(loc, "lon")->num - -0.124625) < 1e-12);
	assert_true(etk_jval_get(loc, "alt")->num == 12);
	assert_string_equal(etk_jval_str(loc, "datum"), "WGS84");
	assert_int_equal(etk_jval_get(loc, "prov")->n, 3);
	assert_true(has_link(&L, id_of(file), "TAKEN_AT", id_of(loc), NULL));
	ev = find_ent(&E, "photo", "taken", "2024-02-13T10:00:00+00:00");
	assert_non_null(ev);
	assert_string_equal(etk_jval_str(ev, "ts"), "2024-02-13T10:00:00Z");
	assert_true(has_link(&L, id_of(file), "TAKEN_AT_TIME", id_of(ev),
	    NULL));
	assert_true(has_link(&L, id_of(ev), "OCCURRED_AT", id_of(loc), NULL));
	p = find_ent(&E, "device", "value", "Google Pixel 7");
	assert_non_null(p);
	assert_true(has_link(&L, id_of(file), "TAKEN_WITH", id_of(p), NULL));
	/* A local-time photo has no UTC instant. */
	ev = find_ent(&E, "photo", "taken", "2024-02-12T20:00:00");
	assert_non_null(ev);
	assert_int_equal(etk_jval_get(ev, "ts")->type, ETK_JNULL);
	/* Every link names entities that exist, and has provenance. */
	for (i = 0; i < L.n; i++) {
		const char *f = etk_jval_str(L.v[i], "from");
		const char *t = etk_jval_str(L.v[i], "to");
		size_t k, hf = 0, ht = 0;

		for (k = 0; k < E.n; k++) {
			hf += strcmp(id_of(E.v[k]), f) == 0;
			ht += strcmp(id_of(E.v[k]), t) == 0;
		}
		assert_int_equal(hf, 1);
		assert_int_equal(ht, 1);
		check_prov_sorted(L.v[i]);
	}
	free_lines(&E);
	free_lines(&L);
	etk_buf_release(&eb);
	etk_buf_release(&lb);
}

static void
test_pole_api(void **state)
{
	struct etk_error err = { 0 };
	struct etk_buf e, l;
	struct ex_pole *p;

	(void)state;
	assert_int_equal(ex_pole_new(&p, "4x", NULL, &err), ETK_EINVAL);
	assert_null(p);
	assert_int_equal(ex_pole_new(&p, "", NULL, &err), ETK_EINVAL);
	assert_int_equal(ex_pole_new(&p, "0044", NULL, &err), ETK_EINVAL);
	ex_pole_free(NULL);
	/* Events are spilled to a temporary file: no place for it is an
	 * I/O error, at once. */
	assert_int_equal(ex_pole_new(&p, NULL, "/nonexistent/etk-pole-dir",
	    &err), ETK_EIO);
	assert_null(p);
	/* Nothing fed: empty output, not an error. */
	assert_int_equal(ex_pole_new(&p, NULL, NULL, &err), ETK_OK);
	etk_buf_init(&e);
	etk_buf_init(&l);
	assert_int_equal(write_into(p, &e, &l, &err), ETK_OK);
	assert_int_equal(e.len, 0);
	assert_int_equal(l.len, 0);
	ex_pole_free(p);
	etk_buf_release(&e);
	etk_buf_release(&l);
}

/* Many events: spilled, ids in arrival order, bounded time. */
static void
test_pole_many(void **state)
{
	struct etk_error err = { 0 };
	struct etk_buf e, l;
	struct ex_pole *p;
	const char *to[1];
	char num[32], src[96], last[16];
	size_t i, n = 200000, lines = 0;
	const char *s;

	(void)state;
	assert_int_equal(ex_pole_new(&p, "44", NULL, &err), ETK_OK);
	for (i = 0; i < n; i++) {
		struct ex_message m;

		memset(&m, 0, sizeof(m));
		m.app = "android_sms";
		m.direction = i % 2 ? "incoming" : "outgoing";
		/* 1000 distinct parties, arrival order not time order. */
		snprintf(num, sizeof(num), "07700 9%05zu", (i * 7919) % 1000);
		to[0] = num;
		if (i % 2)
			m.from = num;
		else {
			m.to = to;
			m.nto = 1;
		}
		ex_time_int(&m.time, EX_T_UNIX_MS,
		    1700000000000LL + (int64_t)((i * 104729) % n) * 1000);
		snprintf(src, sizeof(src), "EX1/p3:/data/mmssms.db#sms/%zu",
		    i + 1);
		ex_pole_message(p, &m, src);
	}
	etk_buf_init(&e);
	etk_buf_init(&l);
	assert_int_equal(write_into(p, &e, &l, &err), ETK_OK);
	ex_pole_free(p);
	for (s = e.data; (s = strchr(s, '\n')) != NULL; s++)
		lines++;
	assert_int_equal(lines, n + 1000);
	for (lines = 0, s = l.data; (s = strchr(s, '\n')) != NULL; s++)
		lines++;
	assert_int_equal(lines, n);
	/* The last event is the last message fed. */
	snprintf(last, sizeof(last), "E-%06zu", n);
	assert_non_null(s = strstr(e.data, last));
	assert_non_null(strstr(s, "\"prov\":[\"EX1/p3:/data/mmssms.db#"
	    "sms/200000\"]"));
	assert_null(strstr(s, "\n{"));
	/* Its parties are the last links. */
	assert_non_null(strstr(l.data, "\"to\":\"E-200000\""));
	etk_buf_release(&e);
	etk_buf_release(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_table),
		cmocka_unit_test(test_phone_bounds),
		cmocka_unit_test(test_pole_order_independent),
		cmocka_unit_test(test_pole_content),
		cmocka_unit_test(test_pole_api),
		cmocka_unit_test(test_pole_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
