/*
 * Unit tests for the iOS parsers (lib/extract/a_ios_sms.c, a_ios_calls.c,
 * a_ios_addressbook.c, a_whatsapp_ios.c, a_whatsapp_ios_calls.c) and the
 * typedstream reader
 * (typedstream.c).
 *
 * Each fixture SQL file (fixtures/src/sql/ios/, the real schemas of
 * several iOS generations) is loaded into a temporary database with
 * sqlite3_exec, parsed through struct ex_artifact into a sink that
 * copies every record, and checked against what sqlite3 itself returns
 * for the source table (row count and ROWIDs, queried independently)
 * and against the values the fixture's comments promise: directions,
 * parties, bodies (attributedBody decoded byte for byte), raw and UTC
 * times in both Cocoa units, attachments, group recipients, rows whose
 * handle, chat or member is gone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "extract/ex_int.h"
#include "extract/typedstream.h"

extern const struct ex_artifact ex_ios_sms;
extern const struct ex_artifact ex_ios_calls;
extern const struct ex_artifact ex_ios_addressbook;
extern const struct ex_artifact ex_whatsapp_ios;
extern const struct ex_artifact ex_whatsapp_ios_calls;

static char tmpdir[64];
static char srcdir[1024];

/* ------------------------------------------------------------------ */
/* A sink that keeps deep copies of everything. */

struct cmsg {
	char *app, *thread, *thread_name, *direction, *from, *from_name;
	char *body, *service;
	char **to;
	size_t nto;
	struct ex_time time, time_read;
	struct ex_attach *att;	/* strings owned */
	size_t natt;
	int read, deleted;
	int64_t rowid;
	int wal_only;
	char *table;
};

struct ccall {
	char *app, *direction, *number, *name, *service;
	struct ex_time time;
	int64_t duration_s;
	int video;
	int64_t rowid;
};

struct ccontact {
	char *app, *name, *org;
	char **numbers, **emails;
	size_t nnumbers, nemails;
	int64_t rowid;
};

struct cap {
	struct cmsg *m;
	size_t nm;
	struct ccall *c;
	size_t nc;
	struct ccontact *k;
	size_t nk;
	char **warn;
	size_t nwarn;
	int count_only;
	uint64_t counted;
};

static char *
sdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static char **
duplist(const char *const *v, size_t n)
{
	char **r;
	size_t i;

	if (v == NULL)
		return NULL;
	r = calloc(n + 1, sizeof(*r));
	for (i = 0; i < n; i++)
		r[i] = sdup(v[i]);
	return r;
}

static void
on_message(void *arg, const struct ex_message *m)
{
	struct cap *c = arg;
	struct cmsg *x;
	size_t i;

	if (c->count_only) {
		c->counted++;
		return;
	}
	c->m = realloc(c->m, (c->nm + 1) * sizeof(*c->m));
	x = &c->m[c->nm++];
	memset(x, 0, sizeof(*x));
	x->app = sdup(m->app);
	x->thread = sdup(m->thread);
	x->thread_name = sdup(m->thread_name);
	x->direction = sdup(m->direction);
	x->from = sdup(m->from);
	x->from_name = sdup(m->from_name);
	x->body = sdup(m->body);
	x->service = sdup(m->service);
	x->to = duplist(m->to, m->nto);
	x->nto = m->nto;
	x->time = m->time;
	x->time_read = m->time_read;
	x->att = calloc(m->natt + 1, sizeof(*x->att));
	for (i = 0; i < m->natt; i++) {
		x->att[i].stored = sdup(m->att[i].stored);
		x->att[i].mime = sdup(m->att[i].mime);
		x->att[i].name = sdup(m->att[i].name);
		x->att[i].size = m->att[i].size;
	}
	x->natt = m->natt;
	x->read = m->read;
	x->deleted = m->deleted;
	x->rowid = m->prov.rowid;
	x->wal_only = m->prov.wal_only;
	x->table = sdup(m->prov.table);
}

static void
on_call(void *arg, const struct ex_call *k)
{
	struct cap *c = arg;
	struct ccall *x;

	c->c = realloc(c->c, (c->nc + 1) * sizeof(*c->c));
	x = &c->c[c->nc++];
	x->app = sdup(k->app);
	x->direction = sdup(k->direction);
	x->number = sdup(k->number);
	x->name = sdup(k->name);
	x->service = sdup(k->service);
	x->time = k->time;
	x->duration_s = k->duration_s;
	x->video = k->video;
	x->rowid = k->prov.rowid;
}

static void
on_contact(void *arg, const struct ex_contact *k)
{
	struct cap *c = arg;
	struct ccontact *x;

	c->k = realloc(c->k, (c->nk + 1) * sizeof(*c->k));
	x = &c->k[c->nk++];
	x->app = sdup(k->app);
	x->name = sdup(k->name);
	x->org = sdup(k->org);
	x->numbers = duplist(k->numbers, k->nnumbers);
	x->nnumbers = k->nnumbers;
	x->emails = duplist(k->emails, k->nemails);
	x->nemails = k->nemails;
	x->rowid = k->prov.rowid;
}

static void
on_account(void *arg, const struct ex_account *a)
{
	(void)arg;
	(void)a;
}

static void
on_warn(void *arg, const char *item, const char *why)
{
	struct cap *c = arg;
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s: %s", item, why);
	c->warn = realloc(c->warn, (c->nwarn + 1) * sizeof(*c->warn));
	c->warn[c->nwarn++] = strdup(buf);
}

static const struct ex_sink_ops ops = {
	on_message, on_call, on_contact, on_account, on_warn, NULL, NULL
};

static void
freelist(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
cap_free(struct cap *c)
{
	size_t i, j;

	for (i = 0; i < c->nm; i++) {
		struct cmsg *x = &c->m[i];

		free(x->app); free(x->thread); free(x->thread_name);
		free(x->direction); free(x->from); free(x->from_name);
		free(x->body); free(x->service); free(x->table);
		freelist(x->to, x->nto);
		for (j = 0; j < x->natt; j++) {
			free((char *)x->att[j].stored);
			free((char *)x->att[j].mime);
			free((char *)x->att[j].name);
		}
		free(x->att);
	}
	free(c->m);
	for (i = 0; i < c->nc; i++) {
		free(c->c[i].app); free(c->c[i].direction);
		free(c->c[i].number); free(c->c[i].name);
		free(c->c[i].service);
	}
	free(c->c);
	for (i = 0; i < c->nk; i++) {
		free(c->k[i].app); free(c->k[i].name); free(c->k[i].org);
		freelist(c->k[i].numbers, c->k[i].nnumbers);
		freelist(c->k[i].emails, c->k[i].nemails);
	}
	free(c->k);
	freelist(c->warn, c->nwarn);
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------------ */
/* Fixture databases */

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (fp == NULL)
		fail_msg("cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Build tmpdir/<name>.db from SQL text; the path goes to out. */
static void
build_sql(const char *name, const char *sql, char *out, size_t outsz)
{
	sqlite3 *db;
	char *msg = NULL;

	snprintf(out, outsz, "%s/%s.db", tmpdir, name);
	unlink(out);
	assert_int_equal(sqlite3_open(out, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", name, msg != NULL ? msg : "?");
	sqlite3_close(db);
}

/* Build a database from fixtures/src/sql/ios/<file>. */
static void
build_fixture(const char *file, char *out, size_t outsz)
{
	char path[2048];
	char *sql;

	snprintf(path, sizeof(path), "%s/fixtures/src/sql/ios/%s", srcdir,
	    file);
	sql = slurp(path);
	build_sql(file, sql, out, outsz);
	free(sql);
}

static int64_t
q_int(const char *dbpath, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* The source table's ROWIDs, ascending, as sqlite3 returns them. */
static int64_t *
q_rowids(const char *dbpath, const char *table, size_t *n)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t *v = NULL;
	char sql[256];

	*n = 0;
	snprintf(sql, sizeof(sql), "SELECT ROWID FROM \"%s\" ORDER BY 1",
	    table);
	assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = realloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static enum ex_parse_status
run(const struct ex_artifact *a, const char *dbpath, unsigned what,
    struct cap *c, uint64_t *nrows, char *reason, size_t reasonsz)
{
	struct etk_error err = { 0 };
	struct ex_ctx ctx = { &ops, c };
	struct ex_db *db = NULL;
	enum ex_parse_status st;

	if (ex_db_open_local(dbpath, "fixture.db", "/fixture.db", &db,
	    &err) != 0)
		fail_msg("open %s: %s", dbpath, err.msg);
	assert_true(a->recognise(db));
	reason[0] = '\0';
	st = a->parse(&ctx, db, what, nrows, reason, reasonsz);
	ex_db_close(db);
	return st;
}

/* Parse and check that every source row came out exactly once, in
 * ROWID order. */
static void
run_all(const struct ex_artifact *a, const char *dbpath, const char *table,
    struct cap *c)
{
	char reason[512];
	uint64_t nrows = 0;
	int64_t *ids;
	size_t n, i, got;

	memset(c, 0, sizeof(*c));
	assert_int_equal(run(a, dbpath, 0x1f, c, &nrows, reason,
	    sizeof(reason)), EX_PARSED);
	ids = q_rowids(dbpath, table, &n);
	assert_int_equal(q_int(dbpath, strcmp(table, "message") == 0 ?
	    "SELECT count(*) FROM message" : strcmp(table, "ZCALLRECORD") ==
	    0 ? "SELECT count(*) FROM ZCALLRECORD" : strcmp(table,
	    "ABPerson") == 0 ? "SELECT count(*) FROM ABPerson" :
	    "SELECT count(*) FROM ZWAMESSAGE"), (int64_t)n);
	assert_int_equal(nrows, n);
	got = c->nm + c->nc + c->nk;
	assert_int_equal(got, n);
	for (i = 0; i < n; i++) {
		int64_t r = c->nm ? c->m[i].rowid : c->nc ? c->c[i].rowid :
		    c->k[i].rowid;

		assert_int_equal(r, ids[i]);
	}
	free(ids);
}

static struct cmsg *
msg(struct cap *c, int64_t rowid)
{
	size_t i;

	for (i = 0; i < c->nm; i++)
		if (c->m[i].rowid == rowid)
			return &c->m[i];
	fail_msg("message %lld not emitted", (long long)rowid);
	return NULL;
}

static void
assert_str(const char *got, const char *want)
{
	if (want == NULL) {
		if (got != NULL)
			fail_msg("expected NULL, got '%s'", got);
		return;
	}
	if (got == NULL)
		fail_msg("expected '%s', got NULL", want);
	assert_string_equal(got, want);
}

#define COCOA	978307200LL

/* A Cocoa-ns time that must read back as raw and as cocoa_s + epoch. */
static void
assert_ns(const struct ex_time *t, int64_t cocoa_s)
{
	assert_true(t->has_raw);
	assert_false(t->raw_is_real);
	assert_int_equal(t->enc, EX_T_COCOA_NS);
	assert_int_equal(t->raw_i, cocoa_s * 1000000000LL);
	assert_true(t->set);
	assert_int_equal(t->sec, cocoa_s + COCOA);
	assert_int_equal(t->nsec, 0);
}

static void
assert_secs(const struct ex_time *t, int64_t cocoa_s)
{
	assert_true(t->has_raw);
	assert_int_equal(t->enc, EX_T_COCOA_S);
	assert_int_equal(t->raw_i, cocoa_s);
	assert_true(t->set);
	assert_int_equal(t->sec, cocoa_s + COCOA);
}

/* ------------------------------------------------------------------ */
/* typedstream */

/* The fixture's own blob (fixtures/src/sql/ios/sms.sql, message 3). */
static const char fixture_hex[] =
    "040B73747265616D747970656481E803840140848484124E53417474726962757465"
    "64537472696E67008484084E534F626A656374008592848484084E53537472696E67"
    "019484012B1F436865636B20746865206174746163686D656E7420492073656E7420"
    "796F758684026949011F928484840C4E5344696374696F6E61727900948401690192"
    "8496961D5F5F6B494D4D657373616765506172744174747269627574654E616D6586"
    "92848484084E534E756D626572008484074E5356616C7565009484012A8499990086"
    "8686";

static unsigned char *
unhex(const char *h, size_t *n)
{
	size_t i, l = strlen(h) / 2;
	unsigned char *b = malloc(l + 1);
	unsigned v;

	for (i = 0; i < l; i++) {
		sscanf(h + 2 * i, "%2x", &v);
		b[i] = (unsigned char)v;
	}
	*n = l;
	return b;
}

/* An NSAttributedString archive of text as Messages writes it (the same
 * layout as the fixture blob), built here independently of the Python
 * generator.  *textoff says where the text bytes start. */
static unsigned char *
make_blob(const char *text, size_t tlen, size_t *n, size_t *textoff)
{
	static const unsigned char head[] =
	    "\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12"
	    "NSAttributedString\x00\x84\x84\x08NSObject\x00\x85\x92\x84\x84"
	    "\x84\x08NSString\x01\x94\x84\x01+";
	static const unsigned char tail[] = "\x86\x84\x02iI\x01\x05\x86";
	size_t hl = sizeof(head) - 1, tl = sizeof(tail) - 1, o;
	unsigned char *b = malloc(hl + 5 + tlen + tl);

	memcpy(b, head, hl);
	o = hl;
	if (tlen < 0x80)
		b[o++] = (unsigned char)tlen;
	else if (tlen < 0x8000) {
		b[o++] = 0x81;
		b[o++] = (unsigned char)tlen;
		b[o++] = (unsigned char)(tlen >> 8);
	} else {
		b[o++] = 0x82;
		b[o++] = (unsigned char)tlen;
		b[o++] = (unsigned char)(tlen >> 8);
		b[o++] = (unsigned char)(tlen >> 16);
		b[o++] = (unsigned char)(tlen >> 24);
	}
	*textoff = o;
	memcpy(b + o, text, tlen);
	o += tlen;
	memcpy(b + o, tail, tl);
	*n = o + tl;
	return b;
}

static void
expect_text(const unsigned char *b, size_t n, const char *want, size_t wlen)
{
	const unsigned char *t;
	const char *why;
	size_t tl;

	if (ex_typedstream_text(b, n, &t, &tl, &why) != 0)
		fail_msg("decode failed: %s", why);
	assert_int_equal(tl, wlen);
	assert_memory_equal(t, want, wlen);
	assert_true(t >= b && t + tl <= b + n);
}

static void
expect_fail(const unsigned char *b, size_t n, const char *why_part)
{
	const unsigned char *t = (const unsigned char *)"x";
	const char *why = NULL;
	size_t tl = 99;

	assert_int_equal(ex_typedstream_text(b, n, &t, &tl, &why),
	    ETK_EFORMAT);
	assert_null(t);
	assert_int_equal(tl, 0);
	assert_non_null(why);
	if (why_part != NULL && strstr(why, why_part) == NULL)
		fail_msg("reason '%s' lacks '%s'", why, why_part);
}

static void
test_ts_fixture_blob(void **state)
{
	unsigned char *b;
	size_t n;

	(void)state;
	b = unhex(fixture_hex, &n);
	expect_text(b, n, "Check the attachment I sent you", 31);
	free(b);
}

static void
test_ts_lengths_and_utf8(void **state)
{
	static const char *const texts[] = {
		"", "a", "é", "你好", "😀 emoji 🎉",
		"Ünïcödé\nline\ttab \"q\"",
	};
	static const size_t sizes[] = { 127, 128, 129, 255, 256, 300,
	    32767, 32768, 70000 };
	unsigned char *b;
	char *big;
	size_t i, n, off, j;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		b = make_blob(texts[i], strlen(texts[i]), &n, &off);
		expect_text(b, n, texts[i], strlen(texts[i]));
		free(b);
	}
	/* Lengths around each prefix form, with a multi-byte character
	 * straddling the old one-byte limit. */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		big = malloc(sizes[i] + 1);
		for (j = 0; j < sizes[i]; j++)
			big[j] = (char)('a' + j % 26);
		if (sizes[i] >= 130) {
			memcpy(big + 125, "\xe4\xbd\xa0", 3);	/* 你 */
			memcpy(big + sizes[i] - 4, "\xf0\x9f\x98\x80", 4);
		}
		b = make_blob(big, sizes[i], &n, &off);
		assert_int_equal(b[off - (sizes[i] < 0x80 ? 1 :
		    sizes[i] < 0x8000 ? 3 : 5)], sizes[i] < 0x80 ?
		    sizes[i] : sizes[i] < 0x8000 ? 0x81 : 0x82);
		expect_text(b, n, big, sizes[i]);
		free(b);
		free(big);
	}
}

static void
test_ts_truncated(void **state)
{
	const char *text = "Truncation test: ça marche 你好";
	unsigned char *b, *cut;
	size_t n, off, k, tl = strlen(text);

	(void)state;
	b = make_blob(text, tl, &n, &off);
	/* Every cut before the end of the text fails; every cut after it
	 * still yields the text (the walk stops at the string).  Each
	 * prefix gets a buffer of exactly its size. */
	for (k = 0; k <= n; k++) {
		cut = malloc(k ? k : 1);
		memcpy(cut, b, k);
		if (k < off + tl)
			expect_fail(cut, k, NULL);
		else
			expect_text(cut, k, text, tl);
		free(cut);
	}
	free(b);
	expect_fail(NULL, 0, "not a typedstream");
}

static void
test_ts_malformed(void **state)
{
	const char *text = "hello";
	unsigned char *b;
	size_t n, off;
	unsigned char nested[4096];
	size_t o, i;

	(void)state;
	b = make_blob(text, 5, &n, &off);

	/* Header. */
	b[2] = 'x';
	expect_fail(b, n, "not a typedstream");
	memcpy(b + 2, "typedstream", 11);
	expect_fail(b, n, "big-endian");
	memcpy(b + 2, "streamtyped", 11);
	b[0] = 3;
	expect_fail(b, n, "not a typedstream");
	b[0] = 4;
	expect_text(b, n, text, 5);

	/* A length that runs past the end. */
	b[off - 1] = 0x7f;
	expect_fail(b, n, "past the end");
	b[off - 1] = 5;

	/* Not UTF-8, and a NUL inside. */
	b[off + 1] = 0xc3;
	b[off + 2] = 0x28;
	expect_fail(b, n, "UTF-8");
	b[off + 1] = 0xed;	/* a surrogate: ED A0 80 */
	b[off + 2] = 0xa0;
	b[off + 3] = 0x80;
	expect_fail(b, n, "UTF-8");
	memcpy(b + off, "he\0lo", 5);
	expect_fail(b, n, "NUL");
	memcpy(b + off, "hello", 5);
	expect_text(b, n, text, 5);

	/* The superclass reference 0x94 (object 2) pointing past the
	 * table: 0xA0 is object 14. */
	b[off - 5] = 0xa0;
	expect_fail(b, n, "reference out of range");
	free(b);

	/* A stream without any NSString: one NSNumber. */
	{
		static const unsigned char num[] =
		    "\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x08"
		    "NSNumber\x00\x85\x84\x01i\x07\x86";

		expect_fail(num, sizeof(num) - 1, "no NSString");
	}

	/* Objects nested 200 deep: refused, no stack overflow. */
	memcpy(nested, "\x04\x0bstreamtyped\x81\xe8\x03", 16);
	o = 16;
	for (i = 0; i < 200; i++) {
		/* type "@" (new, then a reference), object of class Foo
		 * (new, then a reference) */
		if (i == 0) {
			memcpy(nested + o, "\x84\x01@\x84\x84\x84\x03"
			    "Foo\x00\x85", 12);
			o += 12;
		} else {
			memcpy(nested + o, "\x92\x84\x93", 3);
			o += 3;
		}
	}
	expect_fail(nested, o, "deep");
}

static void
test_ts_mutations(void **state)
{
	static const unsigned char vals[] = { 0x00, 0x01, 0x7f, 0x80, 0x81,
	    0x82, 0x83, 0x84, 0x85, 0x86, 0x92, 0xff };
	const unsigned char *t;
	const char *why;
	unsigned char *b;
	size_t n, tl, i, j, ok = 0;

	(void)state;
	b = unhex(fixture_hex, &n);
	/* Every byte set to every interesting value: never a read outside
	 * the blob (checked by ASan builds), and any text returned lies
	 * inside it and is valid UTF-8. */
	for (i = 0; i < n; i++) {
		unsigned char save = b[i];

		for (j = 0; j < sizeof(vals); j++) {
			b[i] = vals[j];
			if (ex_typedstream_text(b, n, &t, &tl, &why) == 0) {
				assert_true(t >= b && t + tl <= b + n);
				assert_true(ex_utf8_valid(t, tl));
				ok++;
			} else
				assert_non_null(why);
		}
		b[i] = save;
	}
	assert_true(ok > 0);
	free(b);
}

/* ------------------------------------------------------------------ */
/* sms.db */

static void
test_sms_ios17_base(void **state)
{
	char db[512];
	struct cap c;
	struct cmsg *m;

	(void)state;
	build_fixture("sms.sql", db, sizeof(db));
	run_all(&ex_ios_sms, db, "message", &c);
	assert_int_equal(c.nwarn, 0);

	m = msg(&c, 1);	/* incoming SMS */
	assert_str(m->app, "ios_sms");
	assert_str(m->service, "SMS");
	assert_str(m->direction, "incoming");
	assert_str(m->from, "+447700900123");
	assert_int_equal(m->nto, 1);
	assert_str(m->to[0], "+447700900001");
	assert_str(m->body, "Are you coming tonight?");
	assert_str(m->thread, "SMS;-;+447700900123");
	assert_null(m->thread_name);
	assert_ns(&m->time, 729505800);
	assert_int_equal(m->time.sec, 1707813000);	/* 08:30:00Z */
	assert_ns(&m->time_read, 729505830);
	assert_int_equal(m->read, 1);
	assert_int_equal(m->deleted, 0);

	m = msg(&c, 2);	/* outgoing SMS: date_read 0 is no time */
	assert_str(m->direction, "outgoing");
	assert_str(m->from, "+447700900001");
	assert_int_equal(m->nto, 1);
	assert_str(m->to[0], "+447700900123");
	assert_false(m->time_read.set);
	assert_true(m->time_read.has_raw);
	assert_int_equal(m->time_read.raw_i, 0);

	m = msg(&c, 3);	/* text only in attributedBody */
	assert_str(m->app, "imessage");
	assert_str(m->body, "Check the attachment I sent you");
	assert_str(m->from, "bob.jones@icloud.com");

	m = msg(&c, 4);	/* attachment */
	assert_int_equal(m->natt, 1);
	assert_str(m->att[0].stored, "~/Library/SMS/Attachments/ab/11/"
	    "AB11CDEF-1234-4567-89AB-CDEF01234567/IMG_0002.jpeg");
	assert_str(m->att[0].mime, "image/jpeg");
	assert_str(m->att[0].name, "IMG_0002.jpeg");
	assert_int_equal(m->att[0].size, 897);
	assert_str(m->body, "\xef\xbf\xbc");	/* U+FFFC as stored */

	m = msg(&c, 5);	/* outgoing to the group, handle_id 0 */
	assert_str(m->direction, "outgoing");
	assert_str(m->thread, "iMessage;+;chat684752093412");
	assert_str(m->thread_name, "Weekend plans");
	assert_int_equal(m->nto, 2);
	assert_str(m->to[0], "bob.jones@icloud.com");
	assert_str(m->to[1], "+12025550143");
	assert_int_equal(m->natt, 0);

	m = msg(&c, 6);	/* incoming in the group */
	assert_str(m->from, "+12025550143");
	assert_str(m->thread_name, "Weekend plans");

	m = msg(&c, 7);	/* a tapback is still a row: emitted */
	assert_str(m->body, "Loved \xe2\x80\x9cSee you all Saturday"
	    "\xe2\x80\x9d");

	m = msg(&c, 8);	/* Recently Deleted, not in any chat */
	assert_int_equal(m->deleted, 1);
	assert_null(m->thread);
	assert_int_equal(q_int(db, "SELECT count(*) FROM message WHERE "
	    "ROWID IN (SELECT message_id FROM chat_recoverable_message_join)"),
	    1);
	cap_free(&c);
}

static void
test_sms_ios10_seconds(void **state)
{
	char db[512];
	struct cap c;
	struct cmsg *m;

	(void)state;
	build_fixture("sms-ios10.sql", db, sizeof(db));
	run_all(&ex_ios_sms, db, "message", &c);
	assert_int_equal(c.nwarn, 0);

	m = msg(&c, 1);
	assert_secs(&m->time, 500000000);
	/* 2016-11-05 00:53:20Z */
	assert_int_equal(m->time.sec, 1478307200);
	assert_secs(&m->time_read, 500000060);
	assert_str(m->from, "+447700900222");
	/* No destination_caller_id in this generation: the owner's side
	 * is unknown, never guessed. */
	assert_int_equal(m->nto, 0);

	m = msg(&c, 2);
	assert_str(m->direction, "outgoing");
	assert_null(m->from);
	assert_int_equal(m->nto, 1);
	assert_str(m->to[0], "+447700900222");

	m = msg(&c, 3);
	assert_int_equal(m->natt, 1);
	assert_int_equal(m->att[0].size, 1048576);
	assert_str(m->att[0].name, "IMG_0456.JPG");

	m = msg(&c, 4);	/* outgoing to the group */
	assert_str(m->thread_name, "Climbing crew");
	assert_int_equal(m->nto, 2);
	assert_str(m->to[0], "carol@example.com");
	assert_str(m->to[1], "+12025550177");

	m = msg(&c, 6);	/* handle 7 does not exist: kept */
	assert_int_equal(q_int(db, "SELECT count(*) FROM handle WHERE "
	    "ROWID = 7"), 0);
	assert_str(m->direction, "incoming");
	assert_null(m->from);
	assert_null(m->thread);
	assert_str(m->body, "Your code is 123456");
	assert_str(m->app, "ios_sms");
	cap_free(&c);
}

static void
test_sms_ios12(void **state)
{
	char db[512];
	struct cap c;
	struct cmsg *m;

	(void)state;
	build_fixture("sms-ios12.sql", db, sizeof(db));
	run_all(&ex_ios_sms, db, "message", &c);
	assert_int_equal(c.nwarn, 0);

	m = msg(&c, 1);	/* text wins over attributedBody */
	assert_str(m->body, "Hello from iOS 12");
	assert_ns(&m->time, 560000000);
	assert_int_equal(m->time.sec, 1538307200);

	m = msg(&c, 3);	/* group event: no text anywhere */
	assert_null(m->body);
	assert_str(m->direction, "outgoing");
	assert_str(m->thread_name, "Book club");
	assert_int_equal(m->nto, 2);

	m = msg(&c, 4);	/* in two chats: once, in the lower one */
	assert_int_equal(q_int(db, "SELECT count(*) FROM chat_message_join "
	    "WHERE message_id = 4"), 2);
	assert_str(m->thread, "iMessage;-;dave@example.com");

	m = msg(&c, 5);	/* handle 42 is missing */
	assert_null(m->from);
	assert_str(m->body, "Who is this?");
	assert_str(m->to[0], "+447700900001");

	m = msg(&c, 6);	/* two attachments, in join order */
	assert_int_equal(m->natt, 2);
	assert_str(m->att[0].mime, "image/heic");
	assert_int_equal(m->att[0].size, 2202009);
	assert_str(m->att[1].name, "Eve Adams.vcf");
	assert_str(m->att[1].stored, "~/Library/SMS/Attachments/5e/14/"
	    "at_1_2B000000-0000-4000-8000-000000000006/Eve Adams.vcf");
	assert_int_equal(m->read, 1);
	cap_free(&c);
}

static void
test_sms_ios17_attributed(void **state)
{
	char db[512];
	struct cap c;
	struct cmsg *m;

	(void)state;
	build_fixture("sms-ios17.sql", db, sizeof(db));
	run_all(&ex_ios_sms, db, "message", &c);
	assert_int_equal(q_int(db, "SELECT count(*) FROM message WHERE text "
	    "IS NULL AND attributedBody IS NOT NULL"), 5);

	m = msg(&c, 1);
	assert_str(m->body, "Caf\xc3\xa9 \xc3\xa0 midi? Tr\xc3\xa8s bien "
	    "\xf0\x9f\x98\x80");
	assert_ns(&m->time, 730000000);
	m = msg(&c, 2);
	assert_str(m->body, "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe6\x98\x8e"
	    "\xe5\xa4\xa9\xe8\xa7\x81");
	assert_str(m->direction, "outgoing");
	assert_str(m->thread_name, "Family \xe5\xae\xb6");
	assert_int_equal(m->nto, 2);
	assert_str(m->to[0], "frank@example.com");
	assert_str(m->to[1], "+8613800138000");
	m = msg(&c, 3);
	assert_int_equal(strlen(m->body), 134);
	assert_str(m->body, "This is a long iMessage that only lives in "
	    "attributedBody, over one hundred and twenty-eight bytes long: "
	    "na\xc3\xafve caf\xc3\xa9 \xe4\xbd\xa0\xe5\xa5\xbd "
	    "\xf0\x9f\x8e\x89 end.");

	/* The two bad blobs: warned by row, rows kept without a body. */
	assert_int_equal(c.nwarn, 2);
	assert_non_null(strstr(c.warn[0], "fixture.db#message/4"));
	assert_non_null(strstr(c.warn[1], "fixture.db#message/5"));
	assert_non_null(strstr(c.warn[1], "not a typedstream"));
	assert_null(msg(&c, 4)->body);
	assert_null(msg(&c, 5)->body);
	assert_str(msg(&c, 5)->from, "+8613800138000");

	assert_str(msg(&c, 6)->body, "Edited text");
	assert_null(msg(&c, 7)->body);
	assert_str(msg(&c, 7)->from, "frank@example.com");
	assert_int_equal(msg(&c, 8)->deleted, 1);
	assert_int_equal(msg(&c, 1)->deleted, 0);
	cap_free(&c);
}

static void
test_sms_ios18_rcs(void **state)
{
	char db[512];
	struct cap c;
	struct cmsg *m;

	(void)state;
	build_fixture("sms-ios18.sql", db, sizeof(db));
	run_all(&ex_ios_sms, db, "message", &c);
	m = msg(&c, 1);
	assert_str(m->app, "ios_sms");
	assert_str(m->service, "RCS");
	assert_str(m->body, "RCS hello \xf0\x9f\x91\x8b");
	assert_str(m->from, "+12025550188");
	assert_str(msg(&c, 2)->to[0], "+12025550188");
	assert_str(msg(&c, 2)->from, "+12025550100");
	m = msg(&c, 3);
	assert_str(m->app, "imessage");
	assert_str(m->body, "\xf0\x9f\x8e\x89\xf0\x9f\x8e\x89");
	cap_free(&c);
}

static void
test_sms_schema_edges(void **state)
{
	char db[512], reason[512];
	struct cap c;
	uint64_t n = 99;

	(void)state;
	/* No is_from_me: recognised, generation not understood. */
	build_sql("old", "CREATE TABLE message (ROWID INTEGER PRIMARY KEY, "
	    "guid TEXT, text TEXT, handle_id INTEGER, date INTEGER);"
	    "CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id TEXT);"
	    "INSERT INTO message VALUES (1, 'g', 'x', 0, 1);", db,
	    sizeof(db));
	memset(&c, 0, sizeof(c));
	assert_int_equal(run(&ex_ios_sms, db, 0x1f, &c, &n, reason,
	    sizeof(reason)), EX_UNSUPPORTED);
	assert_non_null(strstr(reason, "is_from_me"));
	assert_int_equal(c.nm, 0);

	/* A bare message + handle pair (no chat tables, no attachment
	 * tables): still parsed, every row once. */
	build_sql("bare", "CREATE TABLE message (ROWID INTEGER PRIMARY KEY, "
	    "guid TEXT, text TEXT, handle_id INTEGER, date INTEGER, "
	    "is_from_me INTEGER);"
	    "CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id TEXT);"
	    "INSERT INTO handle VALUES (1, '+15550001');"
	    "INSERT INTO message VALUES (1, 'a', 'one', 1, 600000000, 0);"
	    "INSERT INTO message VALUES (2, 'b', 'two', 5, NULL, 1);", db,
	    sizeof(db));
	run_all(&ex_ios_sms, db, "message", &c);
	assert_str(msg(&c, 1)->from, "+15550001");
	assert_secs(&msg(&c, 1)->time, 600000000);
	assert_false(msg(&c, 2)->time.set);
	assert_false(msg(&c, 2)->time.has_raw);
	assert_int_equal(msg(&c, 2)->nto, 0);
	assert_int_equal(msg(&c, 2)->read, -1);
	cap_free(&c);

	/* The other parsers: recognised, generation not understood. */
	build_sql("oldcalls", "CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY "
	    "KEY, ZDATE TIMESTAMP, ZADDRESS VARCHAR);", db, sizeof(db));
	assert_int_equal(run(&ex_ios_calls, db, 0x1f, &c, &n, reason,
	    sizeof(reason)), EX_UNSUPPORTED);
	assert_non_null(strstr(reason, "ZORIGINATED"));
	build_sql("oldwa", "CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY "
	    "KEY, ZCHATSESSION INTEGER, ZTEXT VARCHAR); CREATE TABLE "
	    "ZWACHATSESSION (Z_PK INTEGER PRIMARY KEY, ZCONTACTJID VARCHAR);",
	    db, sizeof(db));
	assert_int_equal(run(&ex_whatsapp_ios, db, 0x1f, &c, &n, reason,
	    sizeof(reason)), EX_UNSUPPORTED);
	assert_non_null(strstr(reason, "ZMESSAGEDATE"));
	build_sql("oldab", "CREATE TABLE ABPerson (ROWID INTEGER PRIMARY "
	    "KEY, Note TEXT); CREATE TABLE ABMultiValue (UID INTEGER "
	    "PRIMARY KEY, record_id INTEGER, property INTEGER, value TEXT);",
	    db, sizeof(db));
	assert_int_equal(run(&ex_ios_addressbook, db, 0x1f, &c, &n, reason,
	    sizeof(reason)), EX_UNSUPPORTED);
	assert_int_equal(c.nm + c.nc + c.nk, 0);

	/* --what without messages: nothing read. */
	build_fixture("sms.sql", db, sizeof(db));
	memset(&c, 0, sizeof(c));
	assert_int_equal(run(&ex_ios_sms, db, EX_WHAT_CALLS, &c, &n, reason,
	    sizeof(reason)), EX_PARSED);
	assert_int_equal(n, 0);
	assert_int_equal(c.nm, 0);
}

/* A row that lives only in the -wal is read (the private copy replays
 * it) and marked as such; the rows of the main file are not. */
static void
test_sms_wal(void **state)
{
	char path[2048], db[512];
	char *sql, *emsg = NULL;
	sqlite3 *w;
	struct cap c;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/fixtures/src/sql/ios/sms.sql",
	    srcdir);
	sql = slurp(path);
	snprintf(db, sizeof(db), "%s/wal.db", tmpdir);
	unlink(db);
	assert_int_equal(sqlite3_open(db, &w), SQLITE_OK);
	if (sqlite3_exec(w, "PRAGMA journal_mode=WAL; "
	    "PRAGMA wal_autocheckpoint=0;", NULL, NULL, &emsg) != SQLITE_OK ||
	    sqlite3_exec(w, sql, NULL, NULL, &emsg) != SQLITE_OK ||
	    sqlite3_wal_checkpoint_v2(w, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(w, "INSERT INTO message (ROWID, guid, text, "
	    "handle_id, service, date, is_from_me) VALUES (9, 'wal-9', "
	    "'Only in the WAL', 1, 'SMS', 729520000000000000, 0);", NULL,
	    NULL, &emsg) != SQLITE_OK)
		fail_msg("%s", emsg != NULL ? emsg : "wal setup");
	free(sql);
	/* The writer stays open, so the WAL is not checkpointed away
	 * before the parser copies the files. */
	run_all(&ex_ios_sms, db, "message", &c);
	sqlite3_close(w);
	assert_int_equal(c.nm, 9);
	for (i = 0; i < c.nm; i++)
		assert_int_equal(c.m[i].wal_only, c.m[i].rowid == 9);
	assert_str(msg(&c, 9)->body, "Only in the WAL");
	assert_str(msg(&c, 9)->from, "+447700900123");
	cap_free(&c);
}

static void
test_recognise(void **state)
{
	static const char *const files[] = { "sms.sql", "CallHistory.sql",
	    "AddressBook.sql", "ChatStorage.sql", "WhatsAppCallHistory.sql" };
	const struct ex_artifact *arts[] = { &ex_ios_sms, &ex_ios_calls,
	    &ex_ios_addressbook, &ex_whatsapp_ios, &ex_whatsapp_ios_calls };
	struct etk_error err = { 0 };
	struct ex_db *d;
	char db[512];
	size_t i, j;

	(void)state;
	for (i = 0; i < 5; i++) {
		build_fixture(files[i], db, sizeof(db));
		assert_int_equal(ex_db_open_local(db, NULL, NULL, &d, &err), 0);
		for (j = 0; j < 5; j++)
			assert_int_equal(arts[j]->recognise(d), i == j);
		ex_db_close(d);
	}
	/* By schema, not by name: the list knows all five. */
	for (i = 0; ex_artifacts_ios[i] != NULL; i++)
		;
	assert_int_equal(i, 5);
}

/* ------------------------------------------------------------------ */
/* CallHistory.storedata */

static void
test_calls(void **state)
{
	char db[512];
	struct cap c;

	(void)state;
	build_fixture("CallHistory.sql", db, sizeof(db));
	run_all(&ex_ios_calls, db, "ZCALLRECORD", &c);
	assert_str(c.c[0].app, "ios_callhistory");
	assert_str(c.c[0].direction, "incoming");
	assert_str(c.c[0].number, "+447700900123");
	assert_str(c.c[0].service, "phone");
	assert_int_equal(c.c[0].video, 0);
	assert_int_equal(c.c[0].duration_s, 125);
	assert_secs(&c.c[0].time, 729504000);

	assert_str(c.c[1].direction, "outgoing");
	assert_str(c.c[1].service, "facetime_video");
	assert_int_equal(c.c[1].video, 1);
	/* REAL with a fraction: raw kept as a double, half a second. */
	assert_true(c.c[1].time.raw_is_real);
	assert_true(c.c[1].time.raw_d == 729507600.5);
	assert_int_equal(c.c[1].time.sec, 729507600 + COCOA);
	assert_int_equal(c.c[1].time.nsec, 500000000);

	assert_str(c.c[2].direction, "missed");
	assert_int_equal(c.c[2].duration_s, 0);
	/* ZADDRESS stored as a BLOB */
	assert_int_equal(q_int(db, "SELECT typeof(ZADDRESS) = 'blob' FROM "
	    "ZCALLRECORD WHERE Z_PK = 4"), 1);
	assert_str(c.c[3].number, "+447700900456");
	assert_str(c.c[3].name, "Bob Jones");
	assert_str(c.c[3].service, "net.whatsapp.WhatsApp");
	assert_str(c.c[3].direction, "outgoing");
	assert_str(c.c[4].service, "facetime_audio");
	assert_int_equal(c.c[4].video, 0);
	assert_int_equal(c.c[4].duration_s, 30);
	cap_free(&c);
}

static void
test_calls_ios12(void **state)
{
	char db[512];
	struct cap c;

	(void)state;
	build_fixture("CallHistory-ios12.sql", db, sizeof(db));
	run_all(&ex_ios_calls, db, "ZCALLRECORD", &c);
	assert_str(c.c[0].direction, "incoming");
	assert_int_equal(c.c[0].duration_s, 61);
	assert_str(c.c[1].direction, "outgoing");	/* unanswered */
	assert_int_equal(c.c[1].time.nsec, 250000000);
	assert_str(c.c[2].direction, "missed");
	assert_null(c.c[3].number);			/* withheld: '' */
	assert_null(c.c[4].number);			/* NULL */
	assert_str(c.c[4].service, "facetime_audio");
	assert_str(c.c[5].service, "org.telegram.messenger");
	assert_int_equal(c.c[5].video, 1);		/* ZCALL_CATEGORY 2 */
	assert_str(c.c[5].name, "Frank");
	cap_free(&c);
}

/* ------------------------------------------------------------------ */
/* AddressBook.sqlitedb */

static void
test_addressbook(void **state)
{
	char db[512];
	struct cap c;

	(void)state;
	build_fixture("AddressBook.sql", db, sizeof(db));
	run_all(&ex_ios_addressbook, db, "ABPerson", &c);
	assert_str(c.k[0].app, "ios_addressbook");
	assert_str(c.k[0].name, "Alice Smith");
	assert_int_equal(c.k[0].nnumbers, 1);
	assert_str(c.k[0].numbers[0], "+44 7700 900123");
	assert_int_equal(c.k[0].nemails, 1);
	assert_str(c.k[0].emails[0], "alice.smith@example.com");
	assert_str(c.k[2].name, "Dave J Brown");
	assert_str(c.k[2].org, "Acme Corp");
	/* the postal address (property 5) is not a number or e-mail */
	assert_int_equal(c.k[2].nnumbers, 1);
	assert_int_equal(c.k[2].nemails, 0);
	assert_str(c.k[3].name, "Pizza Express");	/* Kind 1 */
	assert_str(c.k[3].org, "Pizza Express");
	assert_str(c.k[4].name, "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m");
	assert_str(c.k[4].numbers[0], "+46 70 123 45 67");
	cap_free(&c);
}

static void
test_addressbook_ios12(void **state)
{
	char db[512];
	struct cap c;

	(void)state;
	build_fixture("AddressBook-ios12.sql", db, sizeof(db));
	run_all(&ex_ios_addressbook, db, "ABPerson", &c);
	/* in identifier order, not insertion order */
	assert_int_equal(c.k[0].nnumbers, 2);
	assert_str(c.k[0].numbers[0], "07700 900666");
	assert_str(c.k[0].numbers[1], "+44 20 7946 0111");
	assert_int_equal(c.k[0].nemails, 2);
	assert_str(c.k[0].emails[0], "h.ford@example.org");
	assert_str(c.k[1].name, "Ivy Chen");
	assert_int_equal(c.k[1].nnumbers, 0);
	assert_null(c.k[1].numbers);
	assert_str(c.k[2].name, "Plumber");
	assert_str(c.k[3].name, "Dr Jos\xc3\xa9 Mar\xc3\xad" "a "
	    "N\xc3\xba\xc3\xb1" "ez Jr");
	assert_int_equal(c.k[3].nnumbers, 0);	/* NULL value skipped */
	assert_int_equal(c.k[3].nemails, 1);
	/* record 99's number belongs to nobody emitted */
	assert_int_equal(q_int(db, "SELECT count(*) FROM ABMultiValue WHERE "
	    "record_id NOT IN (SELECT ROWID FROM ABPerson)"), 1);
	cap_free(&c);
}

/* ------------------------------------------------------------------ */
/* WhatsApp ChatStorage.sqlite */

static void
test_whatsapp_ios(void **state)
{
	char db[512];
	struct cap c;
	struct cmsg *m;

	(void)state;
	build_fixture("ChatStorage.sql", db, sizeof(db));
	run_all(&ex_whatsapp_ios, db, "ZWAMESSAGE", &c);
	assert_int_equal(c.nwarn, 0);

	m = msg(&c, 1);
	assert_str(m->app, "whatsapp");
	assert_str(m->direction, "incoming");
	assert_str(m->from, "447700900123@s.whatsapp.net");
	assert_str(m->from_name, "Alice Smith");
	assert_str(m->thread, "447700900123@s.whatsapp.net");
	assert_null(m->thread_name);
	assert_str(m->body, "Morning! Coffee later? \xe2\x98\x95");
	assert_secs(&m->time, 729511200);
	assert_int_equal(m->time.sec, 1707818400);

	m = msg(&c, 2);
	assert_str(m->direction, "outgoing");
	assert_null(m->from);
	assert_int_equal(m->nto, 1);
	assert_str(m->to[0], "447700900123@s.whatsapp.net");
	assert_true(m->time.raw_is_real);
	assert_int_equal(m->time.nsec, 500000000);

	m = msg(&c, 3);	/* group: the member is the sender */
	assert_str(m->from, "447700900456@s.whatsapp.net");
	assert_str(m->from_name, "Bob Jones");
	assert_str(m->thread, "447700900001-1707818000@g.us");
	assert_str(m->thread_name, "Weekend plans "
	    "\xf0\x9f\x8f\x95\xef\xb8\x8f");

	m = msg(&c, 4);
	assert_str(m->to[0], "447700900001-1707818000@g.us");

	/* member row gone: sender unknown, push name kept */
	m = msg(&c, 5);
	assert_null(m->from);
	assert_str(m->from_name, "Ghost");
	assert_str(m->body, "See you there");

	m = msg(&c, 6);	/* picture with a caption */
	assert_int_equal(m->natt, 1);
	assert_str(m->att[0].stored, "Media/447700900123@s.whatsapp.net/a/b/"
	    "ab12cd34-5678-90ef-1234-567890abcdef.jpg");
	assert_str(m->att[0].mime, "image/jpeg");
	assert_int_equal(m->att[0].size, 48213);
	assert_str(m->body, "Sunset at the beach \xf0\x9f\x8c\x85");

	m = msg(&c, 7);	/* contact card: the vCard is the content */
	assert_int_equal(m->natt, 0);
	assert_non_null(m->body);
	assert_int_equal(strncmp(m->body, "BEGIN:VCARD", 11), 0);
	assert_non_null(strstr(m->body, "FN:Eve Adams"));

	m = msg(&c, 8);	/* link preview: no file, no attachment */
	assert_int_equal(m->natt, 0);
	assert_str(m->body, "https://example.com/menu");

	m = msg(&c, 9);	/* chat session 99 gone: kept */
	assert_null(m->thread);
	assert_str(m->from, "447700900999@s.whatsapp.net");
	assert_str(m->from_name, "Stranger");
	cap_free(&c);
}

/* ------------------------------------------------------------------ */
/* Speed: a generated sms.db, parsed into a sink that only counts. */

static void
test_sms_speed(void **state)
{
	struct etk_error err = { 0 };
	char db[512], reason[256], *base, *sql;
	struct cap c;
	struct ex_ctx ctx = { &ops, &c };
	struct ex_db *d;
	struct timespec t0, t1;
	uint64_t n = 0;
	const int rows = 200000;
	double secs, rate;
	char path[2048];

	(void)state;
	snprintf(path, sizeof(path), "%s/fixtures/src/sql/ios/sms.sql",
	    srcdir);
	base = slurp(path);
	sql = malloc(strlen(base) + 4096);
	/* The fixture's schema and rows, then rows 9.. generated: every
	 * fourth one text-less with an attributedBody, one in ten with an
	 * attachment join. */
	sprintf(sql, "%s BEGIN; WITH RECURSIVE n(i) AS (SELECT 9 UNION ALL "
	    "SELECT i + 1 FROM n WHERE i < %d) INSERT INTO message (ROWID, "
	    "guid, text, handle_id, attributedBody, service, date, "
	    "is_from_me, is_read, destination_caller_id) SELECT i, 'g' || i, "
	    "CASE WHEN i %% 4 = 0 THEN NULL ELSE 'message number ' || i END, "
	    "1 + i %% 5, (SELECT attributedBody FROM message WHERE ROWID = 3), "
	    "CASE WHEN i %% 2 = 0 THEN 'iMessage' ELSE 'SMS' END, "
	    "729505800000000000 + i * 1000000000, i %% 2, 1, "
	    "'+447700900001' FROM n; INSERT INTO chat_message_join SELECT "
	    "1 + ROWID %% 3, ROWID, date FROM message WHERE ROWID > 8; "
	    "INSERT INTO message_attachment_join SELECT ROWID, 1 FROM message "
	    "WHERE ROWID > 8 AND ROWID %% 10 = 0; COMMIT;", base, rows + 8);
	build_sql("speed", sql, db, sizeof(db));
	free(sql);
	free(base);

	memset(&c, 0, sizeof(c));
	c.count_only = 1;
	assert_int_equal(ex_db_open_local(db, NULL, NULL, &d, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ex_ios_sms.parse(&ctx, d, EX_WHAT_MESSAGES, &n,
	    reason, sizeof(reason)), EX_PARSED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ex_db_close(d);
	assert_int_equal(n, (uint64_t)rows + 8);
	assert_int_equal(c.counted, (uint64_t)rows + 8);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	rate = (double)n / (secs > 0 ? secs : 1e-9);
	print_message("sms.db: %llu messages in %.3f s: %.0f messages/s\n",
	    (unsigned long long)n, secs, rate);
	/* The target is 100,000/s (bench/ measures it); a unit test on a
	 * shared machine only catches a gross regression (a per-row query
	 * would be far below this). */
	assert_true(rate > 25000);
	cap_free(&c);
}

/* ------------------------------------------------------------------ */
/* WhatsApp CallHistory.sqlite */

static struct ccall *
wacall(struct cap *c, int64_t rowid)
{
	size_t i;

	for (i = 0; i < c->nc; i++)
		if (c->c[i].rowid == rowid)
			return &c->c[i];
	fail_msg("call %lld not emitted", (long long)rowid);
	return NULL;
}

/* Parse and check every ZWACDCALLEVENT row came out once, in Z_PK
 * order, against sqlite3's own count and ROWIDs. */
static void
wa_calls_all(const char *db, struct cap *c)
{
	char reason[512];
	uint64_t nrows = 0;
	int64_t *ids;
	size_t n, i;

	memset(c, 0, sizeof(*c));
	assert_int_equal(run(&ex_whatsapp_ios_calls, db, 0x1f, c, &nrows,
	    reason, sizeof(reason)), EX_PARSED);
	ids = q_rowids(db, "ZWACDCALLEVENT", &n);
	assert_int_equal(q_int(db, "SELECT count(*) FROM ZWACDCALLEVENT"),
	    (int64_t)n);
	assert_int_equal(nrows, n);
	assert_int_equal(c->nc, n);
	assert_int_equal(c->nm + c->nk, 0);
	for (i = 0; i < n; i++)
		assert_int_equal(c->c[i].rowid, ids[i]);
	free(ids);
}

static void
test_whatsapp_ios_calls(void **state)
{
	char db[512], reason[512];
	struct cap c;
	struct ccall *k;
	uint64_t nrows;

	(void)state;
	build_fixture("WhatsAppCallHistory.sql", db, sizeof(db));
	wa_calls_all(db, &c);
	assert_int_equal(c.nc, 8);
	assert_int_equal(c.nwarn, 0);

	k = wacall(&c, 1);	/* incoming audio, answered */
	assert_str(k->app, "whatsapp");
	assert_str(k->direction, "incoming");
	assert_str(k->number, "447700900123@s.whatsapp.net");
	assert_null(k->name);
	assert_str(k->service, "whatsapp_audio");
	assert_int_equal(k->video, 0);
	assert_int_equal(k->duration_s, 125);
	/* TIMESTAMP has NUMERIC affinity: whole seconds read back as an
	 * INTEGER raw value */
	assert_false(k->time.raw_is_real);
	assert_secs(&k->time, 729511200);
	assert_int_equal(k->time.sec, 1707818400);
	assert_int_equal(k->time.nsec, 0);

	k = wacall(&c, 2);	/* outgoing: the participant, not the owner */
	assert_str(k->direction, "outgoing");
	assert_str(k->number, "447700900456@s.whatsapp.net");
	assert_int_equal(k->duration_s, 42);
	assert_int_equal(k->time.sec, 729514800 + COCOA);

	k = wacall(&c, 3);
	assert_str(k->direction, "missed");
	assert_str(k->number, "12025550143@s.whatsapp.net");
	assert_int_equal(k->duration_s, 0);

	k = wacall(&c, 4);	/* video */
	assert_str(k->direction, "outgoing");
	assert_str(k->number, "447700900123@s.whatsapp.net");
	assert_int_equal(k->video, 1);
	assert_str(k->service, "whatsapp_video");
	assert_int_equal(k->duration_s, 300);
	assert_true(k->time.raw_is_real);	/* a fraction: REAL */
	assert_true(k->time.raw_d == 729522000.75);
	assert_int_equal(k->time.enc, EX_T_COCOA_S);
	assert_int_equal(k->time.sec, 729522000 + COCOA);
	assert_int_equal(k->time.nsec, 750000000);

	/* group call: one record, the party that rang (the creator), not
	 * the first participant row */
	k = wacall(&c, 5);
	assert_str(k->direction, "incoming");
	assert_str(k->number, "447700900456@s.whatsapp.net");
	assert_null(k->name);
	assert_int_equal(k->duration_s, 600);

	k = wacall(&c, 6);
	assert_str(k->direction, "rejected");
	assert_str(k->number, "12025550143@s.whatsapp.net");

	k = wacall(&c, 7);	/* participant row gone: kept */
	assert_str(k->direction, "incoming");
	assert_str(k->number, "447700900555@s.whatsapp.net");
	assert_int_equal(k->duration_s, 15);

	/* aggregate and participants gone, creator and duration NULL:
	 * kept; outcome 1 alone does not make it missed */
	k = wacall(&c, 8);
	assert_str(k->direction, "unknown");
	assert_null(k->number);
	assert_int_equal(k->video, -1);
	assert_null(k->service);
	assert_int_equal(k->duration_s, -1);
	assert_int_equal(k->time.sec, 729536400 + COCOA);
	cap_free(&c);

	/* Calls only: nothing when calls are not asked for. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(run(&ex_whatsapp_ios_calls, db, EX_WHAT_MESSAGES,
	    &c, &nrows, reason, sizeof(reason)), EX_PARSED);
	assert_int_equal(c.nc, 0);
	cap_free(&c);
}

/* Schema edges: entity 1 is the call itself (participants keyed by the
 * call's Z_PK), no aggregate table, no creator column, an empty JID. */
static void
test_whatsapp_ios_calls_edges(void **state)
{
	static const char sql[] =
	    "CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME "
	    "VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);"
	    "CREATE TABLE ZWACDCALLEVENT ( Z_PK INTEGER PRIMARY KEY, Z_ENT "
	    "INTEGER, Z_OPT INTEGER, ZOUTCOME INTEGER, ZDATE TIMESTAMP, "
	    "ZDURATION FLOAT, ZCALLIDSTRING VARCHAR );"
	    "CREATE TABLE ZWACDCALLEVENTPARTICIPANT ( Z_PK INTEGER PRIMARY "
	    "KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZOUTCOME INTEGER, "
	    "Z1PARTICIPANTS INTEGER, ZJIDSTRING VARCHAR );"
	    "INSERT INTO Z_PRIMARYKEY VALUES (1,'WACDCallEvent',0,3),"
	    " (2,'WACDCallEventParticipant',0,3);"
	    "INSERT INTO ZWACDCALLEVENT VALUES"
	    " (3,1,1,0,729511200.5,61.9,'X3'),"
	    " (5,1,1,1,729511300,0,'X5'),"
	    " (9,1,1,0,NULL,10,'X9');"
	    "INSERT INTO ZWACDCALLEVENTPARTICIPANT VALUES"
	    " (1,2,1,0,3,''),"
	    " (2,2,1,0,3,'447700900123@s.whatsapp.net'),"
	    " (3,2,1,1,5,'12025550143@s.whatsapp.net');";
	char db[512];
	struct cap c;
	struct ccall *k;

	(void)state;
	build_sql("wacalls-edges", sql, db, sizeof(db));
	wa_calls_all(db, &c);
	assert_int_equal(c.nc, 3);

	k = wacall(&c, 3);	/* first non-empty participant of call 3 */
	assert_str(k->number, "447700900123@s.whatsapp.net");
	assert_str(k->direction, "unknown");	/* nothing says which */
	assert_int_equal(k->video, -1);
	assert_int_equal(k->duration_s, 61);
	assert_true(k->time.raw_is_real);
	assert_int_equal(k->time.sec, 729511200 + COCOA);
	assert_int_equal(k->time.nsec, 500000000);

	k = wacall(&c, 5);	/* keyed by Z_PK, not by aggregate */
	assert_str(k->number, "12025550143@s.whatsapp.net");
	assert_str(k->direction, "unknown");
	assert_secs(&k->time, 729511300);

	k = wacall(&c, 9);	/* no participants, no date: kept */
	assert_null(k->number);
	assert_false(k->time.set);
	assert_int_equal(k->duration_s, 10);
	cap_free(&c);
}

/* ------------------------------------------------------------------ */

static int
setup(void **state)
{
	const char *src = getenv("ETK_SRC");

	(void)state;
	if (src != NULL)
		snprintf(srcdir, sizeof(srcdir), "%s", src);
	else	/* __FILE__ is .../tests/unit/test_extract_ios.c */
		snprintf(srcdir, sizeof(srcdir), "%.*s/../..",
		    (int)(strrchr(__FILE__, '/') - __FILE__), __FILE__);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/etk-extract-ios-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ts_fixture_blob),
		cmocka_unit_test(test_ts_lengths_and_utf8),
		cmocka_unit_test(test_ts_truncated),
		cmocka_unit_test(test_ts_malformed),
		cmocka_unit_test(test_ts_mutations),
		cmocka_unit_test(test_sms_ios17_base),
		cmocka_unit_test(test_sms_ios10_seconds),
		cmocka_unit_test(test_sms_ios12),
		cmocka_unit_test(test_sms_ios17_attributed),
		cmocka_unit_test(test_sms_ios18_rcs),
		cmocka_unit_test(test_sms_schema_edges),
		cmocka_unit_test(test_sms_wal),
		cmocka_unit_test(test_recognise),
		cmocka_unit_test(test_calls),
		cmocka_unit_test(test_calls_ios12),
		cmocka_unit_test(test_addressbook),
		cmocka_unit_test(test_addressbook_ios12),
		cmocka_unit_test(test_whatsapp_ios),
		cmocka_unit_test(test_whatsapp_ios_calls),
		cmocka_unit_test(test_whatsapp_ios_calls_edges),
		cmocka_unit_test(test_sms_speed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
