/*
 * Unit tests: etk extract's run (lib/extract/run.c, index.c, sink.c):
 * canonical device paths for every container's spelling of the same
 * file, --since/--until and --what parsing (known answers computed with
 * Python's datetime), export file extensions, and a whole run over a
 * folder built here: a database found by content under a wrong name,
 * an unreadable one named in the summary, records that do not depend on
 * the order files were written, DIR refused when not empty.
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
#include <unistd.h>

#include <sqlite3.h>

#include <etk/extract.h>
#include <etk/summary.h>

#include "extract/run_int.h"

static void
canon_is(const char *in, int ab, int userdata, const char *want)
{
	struct etk_buf b;

	etk_buf_init(&b);
	ex_canon(in, ab, userdata, &b);
	if (strcmp(b.data, want) != 0)
		fail_msg("ex_canon(%s, %d, %d) = %s, want %s", in, ab,
		    userdata, b.data, want);
	etk_buf_release(&b);
}

static void
test_canon(void **state)
{
	(void)state;
	/* iOS: FFS with and without the leading slash, /var, backups */
	canon_is("private/var/mobile/Library/SMS/sms.db", 0, 0,
	    "/private/var/mobile/Library/SMS/sms.db");
	canon_is("/var/mobile/Library/SMS/sms.db", 0, 0,
	    "/private/var/mobile/Library/SMS/sms.db");
	canon_is("/HomeDomain/Library/SMS/sms.db", 0, 0,
	    "/private/var/mobile/Library/SMS/sms.db");
	canon_is("MediaDomain/Library/SMS/Attachments/ab/11/x.jpeg", 0, 0,
	    "/private/var/mobile/Library/SMS/Attachments/ab/11/x.jpeg");
	canon_is("/CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG", 0, 0,
	    "/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG");
	canon_is("/AppDomainGroup-group.net.whatsapp.WhatsApp.shared/"
	    "ChatStorage.sqlite", 0, 0, "/private/var/mobile/Containers/"
	    "Shared/AppGroup/group.net.whatsapp.WhatsApp.shared/"
	    "ChatStorage.sqlite");
	canon_is("/AppDomain-net.whatsapp.WhatsApp/Documents/x", 0, 0,
	    "/private/var/mobile/Containers/Data/Application/"
	    "net.whatsapp.WhatsApp/Documents/x");
	canon_is("/WirelessDomain/Library/CallHistory/x.db", 0, 0,
	    "/private/var/wireless/Library/CallHistory/x.db");
	/* A domain that takes no id is not matched with one, nor the
	 * reverse: such paths stay as they are. */
	canon_is("/HomeDomain-x/a", 0, 0, "/HomeDomain-x/a");
	canon_is("/AppDomain/a", 0, 0, "/AppDomain/a");
	canon_is("/HomeDomainX/a", 0, 0, "/HomeDomainX/a");
	/* Android backups, only when the source is one */
	canon_is("apps/com.android.providers.telephony/db/mmssms.db", 1, 0,
	    "/data/data/com.android.providers.telephony/databases/mmssms.db");
	canon_is("/apps/com.whatsapp/sp/prefs.xml", 1, 0,
	    "/data/data/com.whatsapp/shared_prefs/prefs.xml");
	canon_is("/apps/com.whatsapp/f/x", 1, 0,
	    "/data/data/com.whatsapp/files/x");
	canon_is("/apps/com.x/d_db/y.db", 1, 0,
	    "/data/user_de/0/com.x/databases/y.db");
	canon_is("/apps/com.x/ef/y", 1, 0,
	    "/data/media/0/Android/data/com.x/files/y");
	canon_is("/apps/com.x/_manifest", 1, 0, "/apps/com.x/_manifest");
	canon_is("/apps/com.x/db/y.db", 0, 0, "/apps/com.x/db/y.db");
	/* Android device paths and their aliases */
	canon_is("/data/user/0/com.x/databases/y.db", 0, 0,
	    "/data/data/com.x/databases/y.db");
	canon_is("/sdcard/DCIM/a.jpg", 0, 0, "/data/media/0/DCIM/a.jpg");
	canon_is("/storage/emulated/0/DCIM/a.jpg", 0, 0,
	    "/data/media/0/DCIM/a.jpg");
	canon_is("/media/0/DCIM/a.jpg", 0, 0, "/data/media/0/DCIM/a.jpg");
	canon_is("/sdcardX/a", 0, 0, "/sdcardX/a");
	/* A userdata partition's root is /data */
	canon_is("/com.whatsapp/databases/msgstore.db", 0, 1,
	    "/data/com.whatsapp/databases/msgstore.db");
	canon_is("/user/0/com.x/databases/y.db", 0, 1,
	    "/data/data/com.x/databases/y.db");
	canon_is("/media/0/DCIM/a.jpg", 0, 1, "/data/media/0/DCIM/a.jpg");
	canon_is("/data/data/com.x/databases/y.db", 0, 1,
	    "/data/data/com.x/databases/y.db");
	canon_is("", 0, 0, "/");
}

static void
time_is(const char *s, int eod, int ok, int64_t sec, int32_t nsec)
{
	int64_t gs = -1;
	int32_t gn = -1;
	int rc = etk_extract_parse_time(s, eod, &gs, &gn);

	if (!ok) {
		if (rc == 0)
			fail_msg("'%s' accepted", s);
		return;
	}
	if (rc != 0 || gs != sec || gn != nsec)
		fail_msg("'%s' (%d): rc %d, %lld.%09d, want %lld.%09d", s, eod,
		    rc, (long long)gs, (int)gn, (long long)sec, (int)nsec);
}

static void
test_parse_time(void **state)
{
	(void)state;
	/* python3: datetime(2024,2,13,tzinfo=timezone.utc).timestamp() */
	time_is("2024-02-13", 0, 1, 1707782400, 0);
	time_is("2024-02-13", 1, 1, 1707868800, 0);
	time_is("2024-02-13T10:00:00Z", 0, 1, 1707818400, 0);
	time_is("2024-02-13T10:00:00z", 0, 1, 1707818400, 0);
	time_is("2024-02-13 10:00:00Z", 0, 1, 1707818400, 0);
	time_is("2024-02-13T11:00:00+01:00", 0, 1, 1707818400, 0);
	time_is("2024-02-13T05:00:00-05:00", 0, 1, 1707818400, 0);
	time_is("2024-02-13T10:00:00.5Z", 0, 1, 1707818400, 500000000);
	time_is("2024-02-13T10:00:00.123456789123Z", 0, 1, 1707818400,
	    123456789);
	time_is("2024-02-29", 0, 1, 1709164800, 0);
	time_is("2000-02-29", 0, 1, 951782400, 0);
	time_is("1970-01-01T00:00:00Z", 0, 1, 0, 0);
	time_is("1969-12-31T23:59:59Z", 0, 1, -1, 0);
	time_is("2038-01-19T03:14:08Z", 0, 1, 2147483648LL, 0);
	time_is("2001-01-01T00:00:00Z", 0, 1, 978307200, 0);
	time_is("2023-02-29", 0, 0, 0, 0);
	time_is("1900-02-29", 0, 0, 0, 0);
	time_is("2024-13-01", 0, 0, 0, 0);
	time_is("2024-02-13T10:00:00", 0, 0, 0, 0);	/* zone required */
	time_is("2024-02-13T24:00:00Z", 0, 0, 0, 0);
	time_is("2024-02-13T10:00:00.Z", 0, 0, 0, 0);
	time_is("2024-02-13T10:00:00+1:00", 0, 0, 0, 0);
	time_is("2024-02-13x", 0, 0, 0, 0);
	time_is("24-02-13", 0, 0, 0, 0);
	time_is("", 0, 0, 0, 0);
	time_is("yesterday", 0, 0, 0, 0);
}

static void
test_parse_what(void **state)
{
	unsigned m = 0;

	(void)state;
	assert_int_equal(etk_extract_parse_what("all", &m), 0);
	assert_int_equal(m, ETK_EXTRACT_ALL);
	assert_int_equal(etk_extract_parse_what("messages,calls", &m), 0);
	assert_int_equal(m, ETK_EXTRACT_MESSAGES | ETK_EXTRACT_CALLS);
	assert_int_equal(etk_extract_parse_what("images,pole,contacts", &m),
	    0);
	assert_int_equal(m, ETK_EXTRACT_IMAGES | ETK_EXTRACT_POLE |
	    ETK_EXTRACT_CONTACTS);
	assert_int_equal(etk_extract_parse_what("messages,", &m), -1);
	assert_int_equal(etk_extract_parse_what("message", &m), -1);
	assert_int_equal(etk_extract_parse_what("", &m), -1);
	assert_int_equal(etk_extract_parse_what(",calls", &m), -1);
	/* the public bits are the parsers' */
	assert_int_equal(ETK_EXTRACT_MESSAGES, EX_WHAT_MESSAGES);
	assert_int_equal(ETK_EXTRACT_CALLS, EX_WHAT_CALLS);
	assert_int_equal(ETK_EXTRACT_CONTACTS, EX_WHAT_CONTACTS);
	assert_int_equal(ETK_EXTRACT_IMAGES, EX_WHAT_IMAGES);
	assert_int_equal(ETK_EXTRACT_POLE, EX_WHAT_POLE);
}

static void
ext_is(const char *name, const char *mime, const char *want)
{
	char e[16];

	ex_file_ext(name, mime, e, sizeof(e));
	if (strcmp(e, want) != 0)
		fail_msg("ext(%s, %s) = %s, want %s", name ? name : "NULL",
		    mime ? mime : "NULL", e, want);
}

static void
test_file_ext(void **state)
{
	(void)state;
	ext_is("IMG_0001.JPG", NULL, "jpg");
	ext_is("/a/b.c/IMG_0002.jpeg", "image/jpeg", "jpeg");
	ext_is("noext", "image/png", "png");
	ext_is("../../evil.sh/..", NULL, "bin");
	ext_is("x.j/pg", "image/gif", "gif");
	ext_is("x.tar.gz", NULL, "gz");
	ext_is("x.a b", "video/mp4", "mp4");
	ext_is("x.verylongextension", NULL, "bin");
	ext_is(NULL, NULL, "bin");
}

/* ------------------------------------------------------------------ */
/* A whole run over a folder */

static char root[512];

static void
mkpath(const char *rel)
{
	char p[1024], *s;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
}

static void
make_calllog(const char *rel)
{
	char p[1024];
	sqlite3 *db;

	mkpath(rel);
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	    "CREATE TABLE calls(_id INTEGER PRIMARY KEY, number TEXT, "
	    "date INTEGER, duration INTEGER, type INTEGER, name TEXT);"
	    "INSERT INTO calls VALUES(1, '+447700900123', 1707818400000, 60, "
	    "1, 'Alice');"
	    "INSERT INTO calls VALUES(2, '+447700900456', 1707904800000, 0, "
	    "3, NULL);", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

struct got {
	int calls;
	char first[4096];
};

static int
on_rec(const char *kind, const char *json, size_t len, void *arg)
{
	struct got *g = arg;

	if (strcmp(kind, "call") == 0) {
		if (g->calls++ == 0 && len < sizeof(g->first))
			memcpy(g->first, json, len);
	}
	return 0;
}

static void
test_run(void **state)
{
	struct etk_extract_opts o;
	struct etk_extract *x = NULL;
	struct etk_extract_result res;
	struct etk_summary *sum = NULL;
	struct etk_error err = { 0 };
	struct got g;
	char out[600], p[2048];
	const char *scope, *kind, *reason;
	enum etk_outcome oc;
	uint64_t count;
	size_t i;
	int found_err = 0, found_ok = 0;
	FILE *fp;
	struct stat st;

	(void)state;
	snprintf(root, sizeof(root), "%s/etk-xrun-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(root));
	snprintf(out, sizeof(out), "%s.out", root);
	/* the call log under a name nobody would look for */
	make_calllog("data/data/com.android.providers.contacts/databases/"
	    "renamed.bin");
	/* and something that claims to be SQLite but is not */
	mkpath("data/data/org.thoughtcrime.securesms/databases/signal.db");
	snprintf(p, sizeof(p), "%s/data/data/org.thoughtcrime.securesms/"
	    "databases/signal.db", root);
	assert_non_null(fp = fopen(p, "wb"));
	fwrite("SQLite format 3\0", 1, 16, fp);
	for (i = 0; i < 4096; i++)
		fputc((int)((i * 7919) & 0xff), fp);
	fclose(fp);

	memset(&o, 0, sizeof(o));
	memset(&g, 0, sizeof(g));
	o.what = ETK_EXTRACT_CALLS;
	o.outdir = out;
	o.on_record = on_rec;
	o.arg = &g;
	assert_int_equal(etk_summary_new(&sum, &err), 0);
	assert_int_equal(etk_extract_new(&x, &o, &err), 0);
	assert_int_equal(etk_extract_run(x, root, sum, &err), 0);
	assert_int_equal(etk_extract_finish(x, &res, &err), 0);
	etk_extract_free(x);
	x = NULL;
	assert_int_equal(res.databases, 2);
	assert_int_equal(g.calls, 2);
	assert_int_equal(res.calls, 2);
	assert_non_null(strstr(g.first, "\"number\":\"+447700900123\""));
	assert_non_null(strstr(g.first, "\"time\":\"2024-02-13T10:00:00Z\","
	    "\"time_raw\":1707818400000,\"time_enc\":\"unix_ms\""));
	assert_non_null(strstr(g.first, "\"db\":\"/data/data/com.android."
	    "providers.contacts/databases/renamed.bin\""));
	assert_non_null(strstr(g.first, "renamed.bin#calls/1\"}"));
	for (i = 0; i < etk_summary_count(sum); i++) {
		assert_int_equal(etk_summary_item(sum, i, &scope, &kind, &oc,
		    &count, &reason), 0);
		if (strstr(scope, "signal.db") != NULL && oc ==
		    ETK_OUTCOME_ERROR)
			found_err = 1;
		if (strncmp(scope, "android_calllog@", 16) == 0 && oc ==
		    ETK_OUTCOME_OK && count == 2)
			found_ok = 1;
	}
	assert_true(found_err);
	assert_true(found_ok);
	assert_int_equal(etk_summary_exit(sum), ETK_EXIT_PARTIAL);
	etk_summary_free(sum);
	snprintf(p, sizeof(p), "%s/calls.jsonl", out);
	assert_int_equal(stat(p, &st), 0);
	snprintf(p, sizeof(p), "%s/messages.jsonl", out);
	assert_int_not_equal(stat(p, &st), 0);	/* not in --what */
	snprintf(p, sizeof(p), "%s/SHA256SUMS", out);
	assert_int_equal(stat(p, &st), 0);

	/* The same DIR again: refused, nothing touched. */
	assert_int_equal(etk_extract_new(&x, &o, &err), ETK_EEXIST);
	assert_null(x);
	assert_non_null(strstr(err.msg, "refusing to overwrite"));

	snprintf(p, sizeof(p), "rm -rf '%s' '%s'", root, out);
	assert_int_equal(system(p), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_parse_what),
		cmocka_unit_test(test_file_ext),
		cmocka_unit_test(test_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
