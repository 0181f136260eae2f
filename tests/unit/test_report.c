/*
 * etk_report_build: a case made through the public API (journal entries,
 * evidence, messages, calls, contacts, pictures, carved rows), then the
 * page: counts, threads, names from contacts, no external reference,
 * hostile text escaped, a corrupt picture shown as unavailable, the same
 * bytes twice and in another time zone, a journal prefix, a broken
 * journal refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <jpeglib.h>
#include <openssl/evp.h>

#include <etk/etk.h>
#include <etk/carve_db.h>
#include <etk/extract_db.h>
#include <etk/hash.h>
#include <etk/report.h>

static char base[256];
static char casedir[300];

static void
sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	assert_int_equal(EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL), 1);
	etk_hex(md, 32, hex);
}

/* A 320x240 JPEG (so the thumbnail is a scaled decode). */
static unsigned char *
make_jpeg(unsigned long *len)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	unsigned char *buf = NULL, row[320 * 3];
	JSAMPROW rp = row;
	unsigned x;

	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	*len = 0;
	jpeg_mem_dest(&c, &buf, len);
	c.image_width = 320;
	c.image_height = 240;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < 240) {
		for (x = 0; x < 320; x++) {
			row[x * 3] = (unsigned char)x;
			row[x * 3 + 1] = (unsigned char)c.next_scanline;
			row[x * 3 + 2] = 128;
		}
		jpeg_write_scanlines(&c, &rp, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	return buf;
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static void
rec(struct etk_case *k, uint64_t act, const char *kind, const char *json)
{
	struct etk_error err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(etk_case_db_extract(k, act, kind, json,
	    strlen(json), &err), ETK_OK);
}

/* One listed file, hashed; alert / known set names and a mismatch. */
static void
file(struct etk_case *k, int64_t evid, const char *path, int deleted,
    const char *alert, const char *known, int mismatch)
{
	struct etk_error err;
	struct etk_entry e;
	struct etk_digests d;
	char loc[256];
	const char *al[1], *kn[1];

	memset(&err, 0, sizeof(err));
	memset(&e, 0, sizeof(e));
	memset(&d, 0, sizeof(d));
	snprintf(loc, sizeof(loc), "phone.E01:p1:%s", path);
	e.locator = loc;
	e.source = "phone.E01";
	e.volume = 1;
	e.path = path;
	e.name = strrchr(path, '/') + 1;
	e.size = 10;
	e.allocated = !deleted;
	e.deleted = deleted;
	e.name_type = 'r';
	e.meta_type = 'r';
	e.uid = e.gid = -1;
	assert_int_equal(etk_case_db_file(k, evid, 2, &e, "text/plain", &err),
	    ETK_OK);
	d.mask = ETK_DIGEST_SHA256;
	sha256_hex(path, strlen(path), d.sha256);
	al[0] = alert;
	kn[0] = known;
	assert_int_equal(etk_case_db_hash(k, 2, loc, 10, &d, kn,
	    known != NULL, al, alert != NULL, mismatch, &err), ETK_OK);
}

static int
setup(void **state)
{
	struct etk_case_init_opts o;
	struct etk_error err;
	struct etk_case *k = NULL;
	struct etk_carved cv;
	struct etk_buf body, entry;
	char path[512], good[65], bad[65];
	unsigned char *jpg, junk[600];
	unsigned long jlen;
	int64_t evid;
	uint64_t seq;
	size_t i;

	(void)state;
	snprintf(base, sizeof(base), "%s/etk-report.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(base));
	snprintf(casedir, sizeof(casedir), "%s/case", base);
	memset(&o, 0, sizeof(o));
	memset(&err, 0, sizeof(err));
	o.case_id = "OP-<R>";
	o.examiner = "A. Examiner";
	assert_int_equal(etk_case_init(casedir, &o, &err), ETK_OK);

	/* Exported pictures: a good JPEG and a corrupt one whose bytes
	 * still match the journal (so only decoding can fail). */
	snprintf(path, sizeof(path), "%s/exhibits", casedir);
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
	jpg = make_jpeg(&jlen);
	sha256_hex(jpg, jlen, good);
	snprintf(path, sizeof(path), "%s/exhibits/good.jpg", casedir);
	write_file(path, jpg, jlen);
	snprintf(path, sizeof(path), "%s/pics", base);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/pics/%s.jpg", base, good);
	write_file(path, jpg, jlen);
	free(jpg);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 7 + 3);
	junk[0] = 0xff;
	junk[1] = 0xd8;
	junk[2] = 0xff;
	sha256_hex(junk, sizeof(junk), bad);
	snprintf(path, sizeof(path), "%s/exhibits/bad.jpg", casedir);
	write_file(path, junk, sizeof(junk));

	assert_int_equal(etk_case_open(&k, casedir, &err), ETK_OK);
	etk_buf_init(&body);
	etk_buf_printf(&body, "{\"tool\":{\"name\":\"etk-extract\"},"
	    "\"inputs\":[{\"path\":\"/ev/phone.E01\",\"format\":\"ewf\","
	    "\"media_size\":1048576,\"stored_md5\":"
	    "\"af1fa15eb7b6af39515aec7898566472\",\"files\":[{\"path\":"
	    "\"/ev/phone.E01\",\"size\":1000,\"sha256\":\"%s\"}]}],"
	    "\"outputs\":[{\"path\":\"exhibits/good.jpg\",\"sha256\":\"%s\","
	    "\"derived_from\":{\"locator\":\"phone.E01:p1:/DCIM/good.jpg\"}},"
	    "{\"path\":\"exhibits/bad.jpg\",\"sha256\":\"%s\","
	    "\"derived_from\":{\"locator\":\"phone.E01:p1:/DCIM/bad.jpg\"}}],"
	    "\"summary\":{\"items\":[{\"scope\":\"phone.E01:p1\",\"kind\":"
	    "\"ext4\",\"status\":\"ok\",\"count\":4}]},"
	    "\"exit\":0}", good, good, bad);
	/* The rows below are staged and take this entry's number when it is
	 * appended, after them. */
	entry = body;
	assert_int_equal(etk_case_db_begin(k, &err), ETK_OK);
	assert_int_equal(etk_case_db_evidence(k, "phone.E01", "/ev/phone.E01",
	    "image", 1000, good, &evid, &err), ETK_OK);
	rec(k, 2, "contact", "{\"app\":\"android_contacts\",\"name\":"
	    "\"Alice Smith\",\"numbers\":[\"07700 900123\"],\"emails\":"
	    "[\"alice@example.com\"],"
	    "\"source\":\"phone.E01:p1:/c.db#raw_contacts/1\"}");
	rec(k, 2, "message", "{\"app\":\"android_sms\",\"thread\":\"1\","
	    "\"direction\":\"incoming\",\"from\":\"+447700900123\",\"to\":[],"
	    "\"time\":\"2024-02-13T10:00:00Z\",\"body\":\"Hi\","
	    "\"attachments\":[],\"read\":true,\"deleted\":false,"
	    "\"source\":\"phone.E01:p1:/m.db#sms/1\"}");
	rec(k, 2, "message", "{\"app\":\"android_sms\",\"thread\":\"1\","
	    "\"direction\":\"outgoing\",\"from\":null,\"to\":"
	    "[\"+447700900123\"],\"time\":\"2024-02-13T10:01:00Z\",\"body\":"
	    "\"<script>alert(1)</script> & \\\"q\\\"\",\"attachments\":"
	    "[\"phone.E01:p1:/DCIM/good.jpg\"],\"read\":true,\"deleted\":false,"
	    "\"source\":\"phone.E01:p1:/m.db#sms/2\"}");
	rec(k, 2, "message", "{\"app\":\"android_sms\",\"thread\":\"1\","
	    "\"direction\":\"incoming\",\"from\":\"+447700900123\",\"to\":[],"
	    "\"time\":\"2024-02-14T09:00:00Z\",\"body\":\"gone\","
	    "\"attachments\":[],\"read\":true,\"deleted\":true,"
	    "\"source\":\"phone.E01:p1:/m.db#sms/3\"}");
	rec(k, 2, "message", "{\"app\":\"whatsapp\",\"thread\":\"x@s\","
	    "\"direction\":\"incoming\",\"from\":\"+15550001\",\"to\":"
	    "[\"ALICE@example.com\"],"
	    "\"time\":\"2024-02-15T09:00:00Z\",\"body\":\"other\","
	    "\"attachments\":[],\"read\":false,\"deleted\":false,"
	    "\"source\":\"phone.E01:p1:/w.db#messages/9\"}");
	rec(k, 2, "pole_entity", "{\"id\":\"P-000001\",\"pole\":\"Person\","
	    "\"display\":\"Alice\",\"prov\":[\"phone.E01:p1:/c.db#x/1\"]}");
	rec(k, 2, "pole_entity", "{\"id\":\"O-000001\",\"pole\":\"Object\","
	    "\"prov\":[\"phone.E01:p1:/c.db#x/1\"]}");
	rec(k, 2, "pole_link", "{\"from\":\"P-000001\",\"rel\":\"USES\","
	    "\"to\":\"O-000001\",\"prov\":[\"phone.E01:p1:/c.db#x/1\"]}");
	rec(k, 2, "call", "{\"app\":\"android_calllog\",\"direction\":"
	    "\"missed\",\"number\":\"+447700900123\",\"name\":null,\"time\":"
	    "\"2024-02-13T08:00:00Z\",\"duration_s\":0,\"source\":"
	    "\"phone.E01:p1:/l.db#calls/1\"}");
	rec(k, 2, "call", "{\"app\":\"android_calllog\",\"direction\":"
	    "\"outgoing\",\"number\":\"+15550001\",\"name\":null,\"time\":"
	    "\"2024-02-16T08:00:00Z\",\"duration_s\":60,\"source\":"
	    "\"phone.E01:p1:/l.db#calls/2\"}");
	rec(k, 2, "image", "{\"locator\":\"phone.E01:p1:/DCIM/good.jpg\","
	    "\"path\":\"/DCIM/good.jpg\",\"sha256\":\"x\",\"mime\":"
	    "\"image/jpeg\",\"width\":320,\"height\":240,\"taken\":"
	    "\"2024-02-13T10:00:00+00:00\",\"make\":\"Google\",\"model\":"
	    "\"Pixel 7\",\"lat\":51.500729,\"lon\":-0.124625,"
	    "\"source\":\"phone.E01\"}");
	rec(k, 2, "image", "{\"locator\":\"phone.E01:p1:/DCIM/bad.jpg\","
	    "\"path\":\"/DCIM/bad.jpg\",\"mime\":\"image/jpeg\","
	    "\"lat\":48.85,\"lon\":2.35,\"source\":\"phone.E01\"}");
	file(k, evid, "/a/plain.txt", 0, NULL, NULL, 0);
	file(k, evid, "/a/<b>bad</b>.txt", 1, "CSAM-set", NULL, 0);
	file(k, evid, "/a/lib.so", 0, NULL, "NSRL", 0);
	file(k, evid, "/a/photo.txt", 0, NULL, NULL, 1);
	/* Not in the journal's outputs: found only in a picture
	 * directory, by its SHA-256. */
	etk_buf_init(&body);
	etk_buf_printf(&body, "{\"locator\":\"phone.E01:p1:/DCIM/copy.jpg\","
	    "\"path\":\"/DCIM/copy.jpg\",\"sha256\":\"%s\",\"mime\":"
	    "\"image/jpeg\",\"source\":\"phone.E01\"}", good);
	rec(k, 2, "image", body.data);
	etk_buf_release(&body);
	memset(&cv, 0, sizeof(cv));
	cv.locator = "phone.E01:@4096+600";
	cv.offset = 4096;
	cv.length = 600;
	cv.type = "jpeg";
	cv.ext = "jpg";
	cv.validated = 1;
	cv.complete = 1;
	memcpy(cv.sha256, bad, 65);
	assert_int_equal(etk_case_db_carved(k, 2, &cv, &err), ETK_OK);
	assert_int_equal(etk_case_db_commit(k, &err), ETK_OK);
	assert_int_equal(etk_journal_append(k, "extract", -1, 0, entry.data,
	    &seq, &err), ETK_OK);
	assert_int_equal(seq, 2);
	etk_buf_release(&entry);

	/* A second run finds one message again: shown once. */
	assert_int_equal(etk_case_db_begin(k, &err), ETK_OK);
	rec(k, 3, "message", "{\"app\":\"android_sms\",\"thread\":\"1\","
	    "\"direction\":\"incoming\",\"from\":\"+447700900123\",\"to\":[],"
	    "\"time\":\"2024-02-13T10:00:00Z\",\"body\":\"Hi again\","
	    "\"attachments\":[],\"read\":true,\"deleted\":false,"
	    "\"source\":\"phone.E01:p1:/m.db#sms/1\"}");
	/* Entity ids are per run: P-000001 of another exhibit is another
	 * entity; the same link again is one link. */
	rec(k, 3, "pole_entity", "{\"id\":\"P-000001\",\"pole\":\"Person\","
	    "\"prov\":[\"other.E01:p2:/d.db#y/1\"]}");
	rec(k, 3, "pole_link", "{\"from\":\"P-000001\",\"rel\":\"USES\","
	    "\"to\":\"O-000001\",\"prov\":[\"phone.E01:p1:/c.db#x/1\"]}");
	assert_int_equal(etk_case_db_commit(k, &err), ETK_OK);
	assert_int_equal(etk_journal_append(k, "extract", -1, 0,
	    "{\"tool\":{\"name\":\"etk-extract\"},\"exit\":0}", &seq, &err),
	    ETK_OK);
	assert_int_equal(seq, 3);
	assert_int_equal(etk_case_seal(k, "end of <day>", &seq, &err), ETK_OK);
	assert_int_equal(seq, 4);
	etk_case_close(k);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static char *
build_dirs(uint64_t upto, const char *const *dirs, int *rc)
{
	struct etk_report_opts o;
	struct etk_error err;
	struct etk_buf b;

	memset(&o, 0, sizeof(o));
	memset(&err, 0, sizeof(err));
	o.upto = upto;
	o.picture_dirs = dirs;
	etk_buf_init(&b);
	etk_buf_adds(&b, "");
	*rc = etk_report_build(casedir, &o, &b, &err);
	return etk_buf_detach(&b);
}

static char *
build(uint64_t upto, int *rc)
{
	return build_dirs(upto, NULL, rc);
}

static size_t
occurs(const char *h, const char *n)
{
	size_t k = 0;

	while ((h = strstr(h, n)) != NULL) {
		k++;
		h += strlen(n);
	}
	return k;
}

static void
expect_count(const char *html, const char *kind, unsigned n)
{
	char want[128];

	snprintf(want, sizeof(want), "data-count=\"%s\">%u</span>", kind, n);
	if (strstr(html, want) == NULL)
		fail_msg("no %s", want);
}

static void
test_counts(void **state)
{
	char *h, *h2;
	int rc;

	(void)state;
	h = build(0, &rc);
	assert_int_equal(rc, ETK_OK);
	/* Exhibits by name: other.E01 (only a POLE entity), phone.E01. */
	assert_int_equal(occurs(h, "<section class=\"exhibit\" "), 2);
	assert_true(strstr(h, "data-exhibit=\"other.E01\"") != NULL &&
	    strstr(h, "data-exhibit=\"other.E01\"") <
	    strstr(h, "data-exhibit=\"phone.E01\""));
	assert_non_null(strstr(h, "data-count=\"entities\">1</span>"));
	h2 = strstr(h, "data-exhibit=\"phone.E01\"");
	expect_count(h2, "entities", 2);
	expect_count(h2, "links", 1);
	expect_count(h, "messages", 4);
	expect_count(h, "calls", 2);
	expect_count(h, "contacts", 1);
	expect_count(h, "images", 3);
	expect_count(h, "carved", 1);
	expect_count(h, "alerts", 1);
	expect_count(h, "files", 4);
	expect_count(h, "deleted", 1);
	expect_count(h, "known", 1);
	expect_count(h, "mismatch", 1);
	assert_int_equal(occurs(h, "data-item=\"file\""), 4);
	assert_int_equal(occurs(h, "data-item=\"alert\""), 1);
	assert_int_equal(occurs(h, "data-item=\"mismatch\""), 1);
	/* The alert comes first in the exhibit, with its path, escaped. */
	assert_true(strstr(h, "data-item=\"alert\"") <
	    strstr(h, "data-item=\"message\""));
	assert_non_null(strstr(h, "/a/&lt;b&gt;bad&lt;/b&gt;.txt &#8212; "
	    "set CSAM-set"));
	/* The deleted file is marked and listed first. */
	assert_non_null(strstr(h, "<tr data-item=\"file\" class=\"deleted\" "
	    "data-locator=\"phone.E01:p1:/a/&lt;b&gt;"));
	assert_true(strstr(h, "class=\"deleted\" data-locator") <
	    strstr(h, "plain.txt"));
	assert_int_equal(occurs(h, "data-item=\"message\""), 4);
	assert_int_equal(occurs(h, "data-item=\"call\""), 2);
	assert_int_equal(occurs(h, "data-item=\"contact\""), 1);
	assert_int_equal(occurs(h, "data-item=\"image\""), 3);
	assert_int_equal(occurs(h, "data-item=\"carved\""), 1);
	/* The latest run's copy of sms/1 only. */
	assert_non_null(strstr(h, ">Hi again<"));
	assert_null(strstr(h, ">Hi<"));
	/* Two threads: android_sms 1 (3 messages) and whatsapp x@s. */
	assert_int_equal(occurs(h, "<div class=\"thread\""), 2);
	assert_non_null(strstr(h, "thread 1 (3)"));
	/* Names from contacts on the last digits; an unknown number as
	 * it is. */
	assert_true(occurs(h, "class=\"party named\">Alice Smith") >= 3);
	assert_non_null(strstr(h, "<span class=\"party\">+15550001"));
	/* And on e-mail addresses, case ignored. */
	assert_non_null(strstr(h, "class=\"party named\">Alice Smith</span> "
	    "<span class=\"num\">(ALICE@example.com)"));
	/* Deleted message marked; carved badge; timeline and GPS plot. */
	assert_non_null(strstr(h, "msg in deleted"));
	assert_non_null(strstr(h, "<svg class=\"timeline\""));
	assert_int_equal(occurs(h, "<circle "), 2);
	/* File systems from the journal's run summaries. */
	assert_non_null(strstr(h, "<td class=\"loc\">phone.E01:p1</td><td>"
	    "ext4</td><td>ok</td><td>4</td>"));
	/* Journal stored hashes in the summary. */
	assert_non_null(strstr(h, "af1fa15eb7b6af39515aec7898566472"));
	/* The custody part. */
	assert_non_null(strstr(h, "journal head"));
	assert_int_equal(occurs(h, "<tr data-seq="), 4);
	assert_non_null(strstr(h, "<li data-seal=\"4\">line 4, "));
	assert_non_null(strstr(h, "covers lines 1..4"));
	assert_non_null(strstr(h, "end of &lt;day&gt;"));
	assert_non_null(strstr(h, "<li class=\"ok\">signature "));
	assert_null(strstr(h, "DOES NOT VERIFY"));
	free(h);
}

static void
test_self_contained(void **state)
{
	char *h;
	int rc;

	(void)state;
	h = build(0, &rc);
	assert_int_equal(rc, ETK_OK);
	assert_null(strstr(h, "http://"));
	assert_null(strstr(h, "https://"));
	assert_null(strstr(h, "src=\"/"));
	assert_null(strstr(h, "src=\"file"));
	assert_null(strstr(h, "<link"));
	assert_null(strstr(h, "@import"));
	assert_null(strstr(h, "url("));
	/* Every src is a data: URI. */
	assert_int_equal(occurs(h, " src=\""),
	    occurs(h, " src=\"data:image/"));
	/* The title is escaped too. */
	assert_non_null(strstr(h, "Case OP-&lt;R&gt;"));
	free(h);
}

static void
test_escaping(void **state)
{
	char *h;
	int rc;

	(void)state;
	h = build(0, &rc);
	assert_int_equal(rc, ETK_OK);
	assert_null(strstr(h, "<script>alert"));
	assert_non_null(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt; "
	    "&amp; &quot;q&quot;"));
	/* Exactly one script element: the sorting one. */
	assert_int_equal(occurs(h, "<script"), 1);
	free(h);
}

static void
test_pictures(void **state)
{
	char dir[300], *h;
	const char *dirs[2] = { dir, NULL };
	int rc;

	(void)state;
	h = build(0, &rc);
	assert_int_equal(rc, ETK_OK);
	/* The good picture: in the gallery and as the attachment. */
	assert_int_equal(occurs(h, "src=\"data:image/jpeg;base64,"), 2);
	/* The corrupt one and the one not exported: not shown, no
	 * crash. */
	assert_int_equal(occurs(h, "picture not available"), 2);
	free(h);
	/* With a picture directory, the copy is found by its SHA-256. */
	snprintf(dir, sizeof(dir), "%s/pics", base);
	h = build_dirs(0, dirs, &rc);
	assert_int_equal(rc, ETK_OK);
	assert_int_equal(occurs(h, "src=\"data:image/jpeg;base64,"), 3);
	assert_int_equal(occurs(h, "picture not available"), 1);
	free(h);
	/* A thumbnail cap below any thumbnail: none embedded. */
	{
		struct etk_report_opts o;
		struct etk_error err;
		struct etk_buf b;

		memset(&o, 0, sizeof(o));
		memset(&err, 0, sizeof(err));
		o.thumb_max = 64;
		etk_buf_init(&b);
		assert_int_equal(etk_report_build(casedir, &o, &b, &err),
		    ETK_OK);
		assert_null(strstr(b.data, "data:image/"));
		etk_buf_release(&b);
	}
}

static void
test_deterministic(void **state)
{
	char *a, *b, *c;
	int rc;

	(void)state;
	a = build(0, &rc);
	assert_int_equal(rc, ETK_OK);
	b = build(0, &rc);
	assert_int_equal(rc, ETK_OK);
	assert_string_equal(a, b);
	setenv("TZ", "Pacific/Auckland", 1);
	tzset();
	c = build(0, &rc);
	unsetenv("TZ");
	tzset();
	assert_int_equal(rc, ETK_OK);
	assert_string_equal(a, c);
	free(a);
	free(b);
	free(c);
}

static void
test_prefix(void **state)
{
	char *h;
	int rc;

	(void)state;
	/* Line 2 only: the first copy of sms/1. */
	h = build(2, &rc);
	assert_int_equal(rc, ETK_OK);
	expect_count(h, "messages", 4);
	assert_non_null(strstr(h, ">Hi<"));
	assert_null(strstr(h, ">Hi again<"));
	free(h);
	/* Genesis only: no rows at all. */
	h = build(1, &rc);
	assert_int_equal(rc, ETK_OK);
	assert_int_equal(occurs(h, "data-item="), 0);
	free(h);
}

/* A signature changed after the seal: shown as not verifying. */
static void
test_seal_tampered(void **state)
{
	char dir[400], path[700], *h;
	struct dirent *de;
	DIR *dp;
	FILE *fp;
	int rc, n = 0, ch;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/seals", casedir);
	assert_non_null(dp = opendir(dir));
	while ((de = readdir(dp)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l < 4 || strcmp(de->d_name + l - 4, ".sig") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_non_null(fp = fopen(path, "r+b"));
		assert_int_equal(fseek(fp, 40, SEEK_SET), 0);
		ch = fgetc(fp);
		assert_int_equal(fseek(fp, 40, SEEK_SET), 0);
		fputc(ch == 'A' ? 'B' : 'A', fp);
		assert_int_equal(fclose(fp), 0);
		n++;
	}
	closedir(dp);
	assert_int_equal(n, 1);
	h = build(0, &rc);
	assert_int_equal(rc, ETK_OK);
	assert_non_null(strstr(h, "DOES NOT VERIFY"));
	free(h);
}

/* Last: breaks the journal. */
static void
test_broken_journal(void **state)
{
	char path[512], *h;
	FILE *fp;
	int rc, ch;

	(void)state;
	snprintf(path, sizeof(path), "%s/journal.jsonl", casedir);
	assert_non_null(fp = fopen(path, "r+b"));
	/* Change one byte of line 1. */
	assert_int_equal(fseek(fp, 20, SEEK_SET), 0);
	ch = fgetc(fp);
	assert_int_equal(fseek(fp, 20, SEEK_SET), 0);
	fputc(ch == 'a' ? 'b' : 'a', fp);
	assert_int_equal(fclose(fp), 0);
	h = build(0, &rc);
	assert_int_equal(rc, ETK_EMISMATCH);
	assert_string_equal(h != NULL ? h : "", "");
	free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_self_contained),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_pictures),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_seal_tampered),
		cmocka_unit_test(test_broken_journal),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
