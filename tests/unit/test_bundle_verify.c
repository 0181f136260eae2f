/*
 * Unit tests for the bundle verifier (lib/bundle/verify*.c): bundle path
 * names, what is and is not a bundle, every step reported even when
 * everything fails, hostile tars never extracted, VERIFY.sh's text.
 * Good and tampered real bundles are tests/cli/bundle-verify.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include <etk/etk.h>
#include "bundle/verify_int.h"

static char base[256];

static void
path_in(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", base, name);
}

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void
test_names(void **state)
{
	static const char *const good[] = { "MANIFEST.json", "a/b.txt",
	    "exhibits/EX-1_a/extracted/0123_x.jpg", "..a", "a..", ".hidden" };
	static const char *const bad[] = { "", "/etc/passwd", "..", "a/../b",
	    "a/..", "a//b", "a/", "./a", "a/./b", "a b", "a\nb", "a\\b",
	    "caf\xc3\xa9", "a:b" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_null(etk_bv_name_problem(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_non_null(etk_bv_name_problem(bad[i]));
	assert_string_equal(etk_bv_name_problem("a/../b"), "\"..\" component");
	assert_string_equal(etk_bv_name_problem("/x"), "absolute path");
}

static void
test_not_a_bundle(void **state)
{
	struct etk_error err = { 0 };
	char dir[300], file[300];

	(void)state;
	path_in(dir, sizeof(dir), "empty");
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(etk_bundle_is(dir), 0);
	assert_int_equal(etk_bundle_is("/nonexistent/x"), 0);
	path_in(file, sizeof(file), "plain.txt");
	put(file, "not a tar\n");
	assert_int_equal(etk_bundle_is(file), 0);
	assert_int_equal(etk_bundle_verify(dir, NULL, NULL, NULL, &err),
	    ETK_EFORMAT);
	assert_non_null(strstr(err.msg, "not a disclosure bundle"));
	assert_int_equal(etk_bundle_verify(file, NULL, NULL, NULL, &err),
	    ETK_EFORMAT);
}

struct seen {
	int first[12];		/* status of each step's first report */
	int count[12];
	int order_ok;
	int last;
};

static void
seen_fn(void *arg, const struct etk_bundle_step *st)
{
	struct seen *s = arg;

	assert_true(st->step >= 1 && st->step <= 11);
	assert_non_null(st->name);
	assert_non_null(st->message);
	assert_true(st->message[0] != '\0');
	if (st->step < s->last)
		s->order_ok = 0;
	s->last = st->step;
	if (s->count[st->step]++ == 0)
		s->first[st->step] = st->status;
}

/* A MANIFEST.json and nothing else: every step still runs and says
 * what is wrong. */
static void
test_every_step_reported(void **state)
{
	struct etk_error err = { 0 };
	struct seen s;
	char dir[300], p[400];
	int i;

	(void)state;
	path_in(dir, sizeof(dir), "bare");
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(p, sizeof(p), "%s/MANIFEST.json", dir);
	put(p, "{\"format\":\"etk-bundle/1\"}\n");
	assert_int_equal(etk_bundle_is(dir), 1);
	memset(&s, 0, sizeof(s));
	s.order_ok = 1;
	assert_int_equal(etk_bundle_verify(dir, NULL, seen_fn, &s, &err),
	    ETK_EMISMATCH);
	assert_true(s.order_ok);
	for (i = 1; i <= 11; i++)
		assert_true(s.count[i] >= 1);
	assert_int_equal(s.first[1], 2);	/* no tar: skipped */
	assert_int_equal(s.first[2], 0);	/* names are fine */
	for (i = 3; i <= 11; i++)
		if (i != 5)
			assert_int_equal(s.first[i], 1);
	assert_int_equal(s.first[5], 2);	/* no token: skipped */
	assert_non_null(strstr(err.msg, "step 3 keys: keys/KEYS.txt"));
	/* a tampered MANIFEST.json is still a bundle's, one that fails */
	put(p, "{\"format\":\"etk-bundle/1\"");
	assert_int_equal(etk_bundle_is(dir), 1);
	assert_int_equal(etk_bundle_verify(dir, NULL, NULL, NULL, &err),
	    ETK_EMISMATCH);
}

static void
add_member(struct archive *a, const char *name, int type, const char *data)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, (unsigned)type);
	archive_entry_set_perm(e, 0644);
	if (type == AE_IFLNK)
		archive_entry_set_symlink(e, "/etc/passwd");
	archive_entry_set_size(e, data != NULL ? (la_int64_t)strlen(data) : 0);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	if (data != NULL)
		assert_int_equal(archive_write_data(a, data, strlen(data)),
		    (la_ssize_t)strlen(data));
	archive_entry_free(e);
}

static void
test_hostile_tar(void **state)
{
	struct etk_error err = { 0 };
	struct archive *a;
	struct seen s;
	struct stat st;
	char tar[300], tmp[300], evil[300], old[1024];
	const char *prev;
	size_t members = 0, nbad = 0;

	(void)state;
	path_in(tar, sizeof(tar), "sub/evil.tar");
	path_in(tmp, sizeof(tmp), "sub");
	assert_int_equal(mkdir(tmp, 0700), 0);
	a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, tar), ARCHIVE_OK);
	add_member(a, "./MANIFEST.json", AE_IFREG,
	    "{\"format\":\"etk-bundle/1\"}\n");
	add_member(a, "../evil", AE_IFREG, "evil\n");
	add_member(a, "./link", AE_IFLNK, NULL);
	add_member(a, "/abs", AE_IFREG, "x");
	add_member(a, "./MANIFEST.json", AE_IFREG, "{}");
	archive_write_close(a);
	archive_write_free(a);

	assert_int_equal(etk_bundle_is(tar), 1);
	assert_int_equal(etk_bv_tar_check(tar, NULL, NULL, &members, &nbad,
	    &err), ETK_OK);
	assert_int_equal(members, 5);
	assert_int_equal(nbad, 4);	/* .., link, absolute, twice */

	path_in(tmp, sizeof(tmp), "xtmp");
	assert_int_equal(mkdir(tmp, 0700), 0);
	prev = getenv("TMPDIR");
	snprintf(old, sizeof(old), "%s", prev != NULL ? prev : "");
	setenv("TMPDIR", tmp, 1);
	memset(&s, 0, sizeof(s));
	s.order_ok = 1;
	assert_int_equal(etk_bundle_verify(tar, NULL, seen_fn, &s, &err),
	    ETK_EMISMATCH);
	if (prev != NULL)
		setenv("TMPDIR", old, 1);
	else
		unsetenv("TMPDIR");
	assert_int_equal(s.first[2], 1);
	assert_true(s.count[2] >= 4);
	assert_int_equal(s.first[3], 2);	/* not extracted: skipped */
	assert_int_equal(s.first[11], 2);
	path_in(evil, sizeof(evil), "evil");
	assert_int_not_equal(stat(evil, &st), 0);
	assert_int_equal(rmdir(tmp), 0);	/* empty: nothing extracted */
}

static void
test_script(void **state)
{
	const char *sh = etk_bundle_verify_script();
	char dir[300], cmd[700];
	int i;

	(void)state;
	assert_non_null(sh);
	assert_int_equal(strncmp(sh, "#!/bin/sh\n", 10), 0);
	assert_null(strstr(sh, "python"));
	assert_null(strstr(sh, "jq "));
	assert_null(strstr(sh, "etk-verify"));
	assert_null(strstr(sh, "\tetk "));
	assert_null(strstr(sh, "awk"));
	for (i = 1; i <= 11; i++) {
		char want[32];

		snprintf(want, sizeof(want), "report %d ", i);
		assert_non_null(strstr(sh, want));
	}
	/* an empty directory: every step fails or is skipped, exit 1 */
	if (system("command -v dash >/dev/null 2>&1") != 0)
		return;
	path_in(dir, sizeof(dir), "shdir");
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(cmd, sizeof(cmd), "%s/VERIFY.sh", dir);
	put(cmd, sh);
	snprintf(cmd, sizeof(cmd), "dash %s/VERIFY.sh >%s/out 2>&1", dir, dir);
	assert_int_equal(WEXITSTATUS(system(cmd)), 1);
	snprintf(cmd, sizeof(cmd), "test \"$(grep -c '^step [0-9]* ' "
	    "%s/out)\" = 11", dir);
	assert_int_equal(system(cmd), 0);
}

static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(base, sizeof(base), "%s/etk-bv-XXXXXX", t && t[0] ? t :
	    "/tmp");
	return mkdtemp(base) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	etk_bv_rmtree(base);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_not_a_bundle),
		cmocka_unit_test(test_every_step_reported),
		cmocka_unit_test(test_hostile_tar),
		cmocka_unit_test(test_script),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
