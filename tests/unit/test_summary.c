/* Unit tests: run summary (lib/core/summary.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <etk/summary.h>

static int
setup(void **state)
{
	struct etk_summary *sum = NULL;
	struct etk_error err = { 0 };

	if (etk_summary_new(&sum, &err) != ETK_OK)
		return -1;
	*state = sum;
	return 0;
}

static int
teardown(void **state)
{
	etk_summary_free(*state);
	return 0;
}

/* Item i as "status scope kind count reason" for compact asserts. */
static const char *
item(const struct etk_summary *sum, size_t i)
{
	static char line[512];
	const char *scope, *kind, *reason;
	enum etk_outcome o;
	uint64_t count;

	if (etk_summary_item(sum, i, &scope, &kind, &o, &count, &reason) !=
	    ETK_OK)
		return "(none)";
	snprintf(line, sizeof(line), "%s %s %s %llu %s", etk_outcome_name(o),
	    scope, kind != NULL ? kind : "(null)", (unsigned long long)count,
	    reason != NULL ? reason : "(null)");
	return line;
}

static void
test_new_free(void **state)
{
	struct etk_summary *sum = NULL;
	struct etk_error err = { 0 };

	(void)state;
	assert_int_equal(etk_summary_new(NULL, &err), ETK_EINVAL);
	assert_int_equal(etk_summary_new(&sum, &err), ETK_OK);
	assert_non_null(sum);
	assert_int_equal(etk_summary_count(sum), 0);
	assert_int_equal(etk_summary_item(sum, 0, NULL, NULL, NULL, NULL,
	    NULL), ETK_ENOTFOUND);
	assert_int_equal(etk_summary_exit(sum), ETK_EXIT_OK);
	etk_summary_free(sum);
	etk_summary_free(NULL);
	assert_int_equal(etk_summary_count(NULL), 0);
	assert_int_equal(etk_summary_exit(NULL), 0);
	assert_int_equal(etk_summary_item(NULL, 0, NULL, NULL, NULL, NULL,
	    NULL), ETK_EINVAL);
}

static void
test_outcome_names(void **state)
{
	(void)state;
	assert_string_equal(etk_outcome_name(ETK_OUTCOME_OK), "ok");
	assert_string_equal(etk_outcome_name(ETK_OUTCOME_EMPTY), "empty");
	assert_string_equal(etk_outcome_name(ETK_OUTCOME_ABSENT), "absent");
	assert_string_equal(etk_outcome_name(ETK_OUTCOME_ERROR), "error");
	assert_string_equal(etk_outcome_name(ETK_OUTCOME_UNSUPPORTED),
	    "unsupported");
	assert_string_equal(etk_outcome_name(ETK_OUTCOME_TIMEOUT), "timeout");
	assert_string_equal(etk_outcome_name(ETK_OUTCOME_SKIPPED), "skipped");
	assert_string_equal(etk_outcome_name((enum etk_outcome)99),
	    "unknown");
	assert_string_equal(etk_outcome_name((enum etk_outcome)-1),
	    "unknown");
}

static void
test_bad_add(void **state)
{
	struct etk_summary *sum = *state;

	assert_int_equal(etk_summary_add(NULL, "a", "k", ETK_OUTCOME_OK, 1,
	    NULL), ETK_EINVAL);
	assert_int_equal(etk_summary_add(sum, NULL, "k", ETK_OUTCOME_OK, 1,
	    NULL), ETK_EINVAL);
	assert_int_equal(etk_summary_add(sum, "a", "k", (enum etk_outcome)7,
	    1, NULL), ETK_EINVAL);
	assert_int_equal(etk_summary_add(sum, "a", "k", (enum etk_outcome)-1,
	    1, NULL), ETK_EINVAL);
	assert_int_equal(etk_summary_count(sum), 0);
}

static void
test_ok_zero_is_empty(void **state)
{
	struct etk_summary *sum = *state;

	assert_int_equal(etk_summary_add(sum, "phone.E01:p4", "ext4",
	    ETK_OUTCOME_OK, 0, NULL), ETK_OK);
	assert_string_equal(item(sum, 0), "empty phone.E01:p4 ext4 0 (null)");
	/* More records later: OK. */
	assert_int_equal(etk_summary_add(sum, "phone.E01:p4", "ext4",
	    ETK_OUTCOME_OK, 12, NULL), ETK_OK);
	assert_string_equal(item(sum, 0), "ok phone.E01:p4 ext4 12 (null)");
	/* EMPTY after OK keeps OK (the count says records were made). */
	assert_int_equal(etk_summary_add(sum, "phone.E01:p4", "ext4",
	    ETK_OUTCOME_EMPTY, 0, NULL), ETK_OK);
	assert_string_equal(item(sum, 0), "ok phone.E01:p4 ext4 12 (null)");
	/* EMPTY first, then OK with records */
	etk_summary_add(sum, "b", "k", ETK_OUTCOME_EMPTY, 0, NULL);
	etk_summary_add(sum, "b", "k", ETK_OUTCOME_OK, 3, NULL);
	assert_string_equal(item(sum, 1), "ok b k 3 (null)");
	assert_int_equal(etk_summary_count(sum), 2);
}

static void
test_merge_keeps_worse(void **state)
{
	struct etk_summary *sum = *state;

	/* A failure beats records; the count still adds up. */
	etk_summary_add(sum, "s1", "ext4", ETK_OUTCOME_OK, 5, "fine");
	etk_summary_add(sum, "s1", "ext4", ETK_OUTCOME_ERROR, 2,
	    "bad superblock");
	assert_string_equal(item(sum, 0), "error s1 ext4 7 bad superblock");
	/* Same outcome again: first non-NULL reason stays. */
	etk_summary_add(sum, "s1", "ext4", ETK_OUTCOME_ERROR, 0, "other");
	assert_string_equal(item(sum, 0), "error s1 ext4 7 bad superblock");
	/* A lesser outcome changes nothing but the count. */
	etk_summary_add(sum, "s1", "ext4", ETK_OUTCOME_TIMEOUT, 1, "slow");
	etk_summary_add(sum, "s1", "ext4", ETK_OUTCOME_OK, 1, "ok");
	assert_string_equal(item(sum, 0), "error s1 ext4 9 bad superblock");

	/* Worst outcome first without a reason, then with one. */
	etk_summary_add(sum, "s2", "k", ETK_OUTCOME_OK, 1, "was ok");
	etk_summary_add(sum, "s2", "k", ETK_OUTCOME_TIMEOUT, 0, NULL);
	assert_string_equal(item(sum, 1), "timeout s2 k 1 (null)");
	etk_summary_add(sum, "s2", "k", ETK_OUTCOME_TIMEOUT, 0, "30 s limit");
	assert_string_equal(item(sum, 1), "timeout s2 k 1 30 s limit");
	etk_summary_add(sum, "s2", "k", ETK_OUTCOME_ERROR, 0, NULL);
	assert_string_equal(item(sum, 1), "error s2 k 1 (null)");

	/* Order: ERROR > TIMEOUT > UNSUPPORTED > OK/EMPTY > ABSENT >
	 * SKIPPED. */
	etk_summary_add(sum, "s3", "k", ETK_OUTCOME_SKIPPED, 0, "shard");
	etk_summary_add(sum, "s3", "k", ETK_OUTCOME_ABSENT, 0, "no db");
	assert_string_equal(item(sum, 2), "absent s3 k 0 no db");
	etk_summary_add(sum, "s3", "k", ETK_OUTCOME_EMPTY, 0, NULL);
	assert_string_equal(item(sum, 2), "empty s3 k 0 (null)");
	etk_summary_add(sum, "s3", "k", ETK_OUTCOME_SKIPPED, 4, NULL);
	assert_string_equal(item(sum, 2), "ok s3 k 4 (null)");
	etk_summary_add(sum, "s3", "k", ETK_OUTCOME_UNSUPPORTED, 0, "v9");
	assert_string_equal(item(sum, 2), "unsupported s3 k 4 v9");
	etk_summary_add(sum, "s3", "k", ETK_OUTCOME_ABSENT, 0, NULL);
	assert_string_equal(item(sum, 2), "unsupported s3 k 4 v9");
	etk_summary_add(sum, "s3", "k", ETK_OUTCOME_TIMEOUT, 0, "t");
	assert_string_equal(item(sum, 2), "timeout s3 k 4 t");
	etk_summary_add(sum, "s3", "k", ETK_OUTCOME_ERROR, 0, "e");
	assert_string_equal(item(sum, 2), "error s3 k 4 e");
	etk_summary_add(sum, "s3", "k", ETK_OUTCOME_TIMEOUT, 0, "t2");
	assert_string_equal(item(sum, 2), "error s3 k 4 e");
}

static void
test_kind_and_count(void **state)
{
	struct etk_summary *sum = *state;

	/* A missing kind is filled in later; a given one stays. */
	etk_summary_add(sum, "a", NULL, ETK_OUTCOME_OK, 1, NULL);
	assert_string_equal(item(sum, 0), "ok a (null) 1 (null)");
	etk_summary_add(sum, "a", "zip", ETK_OUTCOME_OK, 1, NULL);
	etk_summary_add(sum, "a", "tar", ETK_OUTCOME_OK, 1, NULL);
	assert_string_equal(item(sum, 0), "ok a zip 3 (null)");
	/* Counts saturate. */
	etk_summary_add(sum, "a", NULL, ETK_OUTCOME_OK, UINT64_MAX - 5, NULL);
	etk_summary_add(sum, "a", NULL, ETK_OUTCOME_OK, 100, NULL);
	assert_string_equal(item(sum, 0),
	    "ok a zip 18446744073709551615 (null)");
}

static void
test_insertion_order(void **state)
{
	struct etk_summary *sum = *state;
	char scope[32];
	const char *s;
	uint64_t count;
	size_t i;

	for (i = 0; i < 1000; i++) {
		snprintf(scope, sizeof(scope), "x.E01:p%zu", (i * 7919) % 1000);
		assert_int_equal(etk_summary_add(sum, scope, "fs",
		    ETK_OUTCOME_OK, 1, NULL), ETK_OK);
	}
	/* Update in a different order: positions do not move. */
	for (i = 1000; i-- > 0;) {
		snprintf(scope, sizeof(scope), "x.E01:p%zu", i);
		assert_int_equal(etk_summary_add(sum, scope, "fs",
		    ETK_OUTCOME_OK, i, NULL), ETK_OK);
	}
	assert_int_equal(etk_summary_count(sum), 1000);
	for (i = 0; i < 1000; i++) {
		size_t want = (i * 7919) % 1000;

		snprintf(scope, sizeof(scope), "x.E01:p%zu", want);
		assert_int_equal(etk_summary_item(sum, i, &s, NULL, NULL,
		    &count, NULL), ETK_OK);
		assert_string_equal(s, scope);
		assert_int_equal(count, want + 1);
	}
	assert_int_equal(etk_summary_item(sum, 1000, &s, NULL, NULL, NULL,
	    NULL), ETK_ENOTFOUND);
}

static void
test_borrowed_reason_survives(void **state)
{
	struct etk_summary *sum = *state;
	const char *reason = NULL, *scope = NULL;

	etk_summary_add(sum, "a", "k", ETK_OUTCOME_ABSENT, 0, "not there");
	etk_summary_item(sum, 0, &scope, NULL, NULL, NULL, &reason);
	etk_summary_add(sum, "a", "k", ETK_OUTCOME_ERROR, 0, "broken");
	/* The old pointers stay valid until etk_summary_free. */
	assert_string_equal(reason, "not there");
	assert_string_equal(scope, "a");
	assert_string_equal(item(sum, 0), "error a k 0 broken");
}

static int
exit_of(const char *spec)
{
	struct etk_summary *sum = NULL;
	struct etk_error err = { 0 };
	char scope[16];
	int i, rc;

	if (etk_summary_new(&sum, &err) != ETK_OK)
		return -1;
	for (i = 0; spec[i] != '\0'; i++) {
		enum etk_outcome o;

		switch (spec[i]) {
		case 'O': o = ETK_OUTCOME_OK; break;
		case 'M': o = ETK_OUTCOME_EMPTY; break;
		case 'A': o = ETK_OUTCOME_ABSENT; break;
		case 'E': o = ETK_OUTCOME_ERROR; break;
		case 'e': o = ETK_OUTCOME_ERROR; break;	/* count 1 */
		case 'U': o = ETK_OUTCOME_UNSUPPORTED; break;
		case 'T': o = ETK_OUTCOME_TIMEOUT; break;
		default: o = ETK_OUTCOME_SKIPPED; break;
		}
		snprintf(scope, sizeof(scope), "s%d", i);
		etk_summary_add(sum, scope, "k", o, o == ETK_OUTCOME_OK ||
		    spec[i] == 'e', NULL);
	}
	rc = etk_summary_exit(sum);
	etk_summary_free(sum);
	return rc;
}

static void
test_exit(void **state)
{
	(void)state;
	assert_int_equal(exit_of(""), ETK_EXIT_OK);
	assert_int_equal(exit_of("O"), ETK_EXIT_OK);
	assert_int_equal(exit_of("OMAUS"), ETK_EXIT_OK);
	assert_int_equal(exit_of("U"), ETK_EXIT_OK);
	assert_int_equal(exit_of("OE"), ETK_EXIT_PARTIAL);
	assert_int_equal(exit_of("EO"), ETK_EXIT_PARTIAL);
	assert_int_equal(exit_of("MT"), ETK_EXIT_PARTIAL);
	assert_int_equal(exit_of("OAUSET"), ETK_EXIT_PARTIAL);
	assert_int_equal(exit_of("E"), ETK_EXIT_FAILURE);
	assert_int_equal(exit_of("T"), ETK_EXIT_FAILURE);
	assert_int_equal(exit_of("ET"), ETK_EXIT_FAILURE);
	/* Failures with nothing read: all failed. */
	assert_int_equal(exit_of("EA"), ETK_EXIT_FAILURE);
	assert_int_equal(exit_of("ESU"), ETK_EXIT_FAILURE);
	/* A failure that still gave something (counted) is partial. */
	assert_int_equal(exit_of("e"), ETK_EXIT_PARTIAL);
	assert_int_equal(exit_of("eA"), ETK_EXIT_PARTIAL);
}

static void
test_json_exact(void **state)
{
	struct etk_summary *sum = *state;
	struct etk_json j;
	struct etk_buf b;

	etk_summary_add(sum, "phone.E01", "source", ETK_OUTCOME_OK, 1, NULL);
	etk_summary_add(sum, "phone.E01:p4", "ext4", ETK_OUTCOME_OK, 1523,
	    NULL);
	etk_summary_add(sum, "phone.E01:p4:/data/sms.db", "android_sms",
	    ETK_OUTCOME_ERROR, 0, "database disk image is \"malformed\"");
	etk_summary_add(sum, "phone.E01:p5", NULL, ETK_OUTCOME_ABSENT, 0,
	    "caf\xc3\xa9\n");
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_summary_json(sum, "etk-extract", etk_summary_exit(sum), &j);
	assert_string_equal(b.data,
	    "{\"record\":\"summary\",\"command\":\"etk-extract\",\"exit\":3,"
	    "\"items\":["
	    "{\"scope\":\"phone.E01\",\"kind\":\"source\",\"status\":\"ok\","
	    "\"count\":1,\"reason\":null},"
	    "{\"scope\":\"phone.E01:p4\",\"kind\":\"ext4\",\"status\":\"ok\","
	    "\"count\":1523,\"reason\":null},"
	    "{\"scope\":\"phone.E01:p4:/data/sms.db\",\"kind\":\"android_sms\","
	    "\"status\":\"error\",\"count\":0,\"reason\":\"database disk image "
	    "is \\\"malformed\\\"\"},"
	    "{\"scope\":\"phone.E01:p5\",\"kind\":null,\"status\":\"absent\","
	    "\"count\":0,\"reason\":\"caf\\u00e9\\n\"}"
	    "]}");
	etk_buf_release(&b);

	/* Empty summary, NULL command. */
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_summary_json(NULL, NULL, 2, &j);
	assert_string_equal(b.data, "{\"record\":\"summary\",\"command\":null,"
	    "\"exit\":2,\"items\":[]}");
	etk_buf_release(&b);
	etk_summary_json(sum, "x", 0, NULL);	/* no crash */
}

static void
test_json_parses_back(void **state)
{
	struct etk_summary *sum = *state;
	struct etk_error err = { 0 };
	const struct etk_jval *items, *it;
	struct etk_jval *v = NULL;
	struct etk_json j;
	struct etk_buf b;

	etk_summary_add(sum, "x\x01y", "k\xff", ETK_OUTCOME_TIMEOUT, 7, "r");
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_summary_json(sum, "etk-ls", 1, &j);
	assert_int_equal(etk_json_parse(b.data, b.len, &v, &err), ETK_OK);
	assert_string_equal(etk_jval_str(v, "record"), "summary");
	items = etk_jval_get(v, "items");
	assert_non_null(items);
	assert_int_equal(items->n, 1);
	it = items->items[0];
	assert_string_equal(etk_jval_str(it, "scope"), "x\x01y");
	assert_string_equal(etk_jval_str(it, "kind"), "k\xef\xbf\xbd");
	assert_string_equal(etk_jval_str(it, "status"), "timeout");
	assert_int_equal(etk_jval_get(it, "count")->inum, 7);
	etk_jval_free(v);
	etk_buf_release(&b);
}

static void
test_text_exact(void **state)
{
	struct etk_summary *sum = *state;
	struct etk_buf b;

	etk_summary_add(sum, "phone.E01:p4", "ext4", ETK_OUTCOME_OK, 1523,
	    NULL);
	etk_summary_add(sum, "phone.E01:p4:/data/sms.db", "android_sms",
	    ETK_OUTCOME_ERROR, 0, "file is not a database");
	etk_summary_add(sum, "a\nb", NULL, ETK_OUTCOME_SKIPPED, 0,
	    "--shard\x1b[2J");
	etk_buf_init(&b);
	etk_summary_text(sum, &b);
	assert_string_equal(b.data,
	    "summary: ok phone.E01:p4 (ext4): 1523\n"
	    "summary: error phone.E01:p4:/data/sms.db (android_sms): 0 "
	    "file is not a database\n"
	    "summary: skipped a?b: 0 --shard?[2J\n");
	etk_buf_release(&b);
	etk_summary_text(NULL, &b);
	etk_summary_text(sum, NULL);
}

#define NTHREADS 8
#define NADDS 2000

static void *
adder(void *arg)
{
	struct etk_summary *sum = arg;
	char scope[16];
	int i;

	for (i = 0; i < NADDS; i++) {
		snprintf(scope, sizeof(scope), "scope%d", i % 37);
		if (etk_summary_add(sum, scope, "k", i % 100 == 99 ?
		    ETK_OUTCOME_ERROR : ETK_OUTCOME_OK, 1, "why") != ETK_OK)
			return arg;
		(void)etk_summary_count(sum);
		(void)etk_summary_exit(sum);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct etk_summary *sum = *state;
	pthread_t t[NTHREADS];
	uint64_t total = 0, c;
	enum etk_outcome o;
	size_t i;
	void *r;

	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, adder, sum), 0);
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(t[i], &r), 0);
		assert_null(r);
	}
	assert_int_equal(etk_summary_count(sum), 37);
	for (i = 0; i < 37; i++) {
		assert_int_equal(etk_summary_item(sum, i, NULL, NULL, &o, &c,
		    NULL), ETK_OK);
		total += c;
	}
	assert_int_equal(total, (uint64_t)NTHREADS * NADDS);
	assert_int_equal(etk_summary_exit(sum), ETK_EXIT_PARTIAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_free),
		cmocka_unit_test(test_outcome_names),
		cmocka_unit_test_setup_teardown(test_bad_add, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ok_zero_is_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_merge_keeps_worse, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kind_and_count, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_insertion_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_borrowed_reason_survives,
		    setup, teardown),
		cmocka_unit_test(test_exit),
		cmocka_unit_test_setup_teardown(test_json_exact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_json_parses_back, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_text_exact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
