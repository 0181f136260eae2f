/* Unit tests: progress bar (lib/core/progress.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <etk/progress.h>

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Everything written to fp so far (caller frees). */
static char *
contents(FILE *fp, size_t *lenp)
{
	long n;
	char *s;

	fflush(fp);
	n = ftell(fp);
	assert_true(n >= 0);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	rewind(fp);
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = '\0';
	fseek(fp, 0, SEEK_END);
	if (lenp != NULL)
		*lenp = (size_t)n;
	return s;
}

static size_t
count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

static void
test_human_size(void **state)
{
	static const struct {
		uint64_t v;
		const char *s;
	} cases[] = {
		{ 0, "0 B" },
		{ 1, "1 B" },
		{ 1023, "1023 B" },
		{ 1024, "1.0 KiB" },
		{ 1536, "1.5 KiB" },
		{ 1075, "1.0 KiB" },	/* 1.0498 */
		{ 1076, "1.1 KiB" },	/* 1.0508 */
		{ 1048575, "1.0 MiB" },	/* 1023.999 KiB rounds up a unit */
		{ 1048576, "1.0 MiB" },
		{ 10 * 1048576 + 104858, "10.1 MiB" },
		{ 1023 * 1048576, "1023.0 MiB" },
		{ UINT64_C(1) << 30, "1.0 GiB" },
		{ UINT64_C(2791728742), "2.6 GiB" },
		{ UINT64_C(1) << 40, "1.0 TiB" },
		{ UINT64_C(1) << 50, "1.0 PiB" },
		{ UINT64_C(1) << 60, "1.0 EiB" },
		{ UINT64_MAX, "16.0 EiB" },
	};
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		etk_human_size(cases[i].v, out, sizeof(out));
		if (strcmp(out, cases[i].s) != 0)
			fail_msg("%llu: got '%s', want '%s'",
			    (unsigned long long)cases[i].v, out, cases[i].s);
	}
	/* Short buffers are cut, still terminated; NULL/0 do nothing. */
	memset(out, 'x', sizeof(out));
	etk_human_size(1536, out, 4);
	assert_string_equal(out, "1.5");
	etk_human_size(1536, out, 0);
	assert_int_equal(out[0], '1');
	etk_human_size(1536, NULL, 16);
}

static void
test_bad_arguments(void **state)
{
	struct etk_error err = { 0 };
	struct etk_progress *pr = (struct etk_progress *)&err;

	(void)state;
	assert_int_equal(etk_progress_new(NULL, stderr, ETK_PROGRESS_ON, "x",
	    0, &err), ETK_EINVAL);
	assert_int_equal(etk_progress_new(&pr, stderr,
	    (enum etk_progress_mode)7, "x", 0, &err), ETK_EINVAL);
	assert_null(pr);
	/* NULL handles are ignored everywhere. */
	etk_progress_add(NULL, 1);
	etk_progress_set_total(NULL, 1);
	etk_progress_set_label(NULL, "x");
	etk_progress_free(NULL);
	/* A NULL stream is a silent bar. */
	assert_int_equal(etk_progress_new(&pr, NULL, ETK_PROGRESS_ON, NULL, 0,
	    &err), ETK_OK);
	etk_progress_add(pr, 5);
	etk_progress_free(pr);
}

/* Off, and auto on a file that is not a terminal: no byte written. */
static void
test_silent(void **state)
{
	static const enum etk_progress_mode modes[] = {
		ETK_PROGRESS_OFF, ETK_PROGRESS_AUTO
	};
	struct etk_error err = { 0 };
	size_t i, len;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct etk_progress *pr = NULL;
		FILE *fp = tmpfile();
		char *s;

		assert_non_null(fp);
		assert_int_equal(etk_progress_new(&pr, fp, modes[i], "hashing",
		    1000, &err), ETK_OK);
		etk_progress_add(pr, 10);
		sleep_ms(120);
		etk_progress_add(pr, 500);
		etk_progress_set_label(pr, "other");
		etk_progress_set_total(pr, 2000);
		sleep_ms(120);
		etk_progress_add(pr, 500);
		etk_progress_free(pr);
		s = contents(fp, &len);
		assert_int_equal(len, 0);
		free(s);
		fclose(fp);
	}
}

static void
test_forced_bar(void **state)
{
	struct etk_error err = { 0 };
	struct etk_progress *pr = NULL;
	FILE *fp = tmpfile();
	char *s, *last;
	size_t len;

	(void)state;
	assert_non_null(fp);
	assert_int_equal(etk_progress_new(&pr, fp, ETK_PROGRESS_ON, "hashing",
	    1000, &err), ETK_OK);
	/* Nothing before the first tenth of a second. */
	etk_progress_add(pr, 100);
	s = contents(fp, &len);
	assert_int_equal(len, 0);
	free(s);

	sleep_ms(150);
	etk_progress_add(pr, 400);
	s = contents(fp, NULL);
	assert_int_equal(s[0], '\r');
	assert_int_equal(count_char(s, '\r'), 1);
	assert_null(strchr(s, '\n'));
	assert_non_null(strstr(s, "hashing ["));
	assert_non_null(strstr(s, " 50%  500 B / 1000 B  "));
	assert_non_null(strstr(s, "B/s  ETA 0:0"));
	assert_true(strlen(s) <= 80);	/* 79 columns + '\r' */
	free(s);

	/* Done: 100% and ETA 0:00. */
	sleep_ms(150);
	etk_progress_add(pr, 500);
	s = contents(fp, NULL);
	last = strrchr(s, '\r');
	assert_non_null(strstr(last, "100%  1000 B / 1000 B"));
	assert_non_null(strstr(last, "ETA 0:00"));
	assert_non_null(strstr(last, "[####"));
	{
		const char *l = strchr(last, '['), *r = strchr(last, ']');

		assert_true(l != NULL && r != NULL && r > l + 10);
		assert_int_equal(strspn(l + 1, "#"), (size_t)(r - l - 1));
	}
	free(s);

	/* Freed: the line is wiped with spaces and the cursor returned. */
	etk_progress_free(pr);
	s = contents(fp, &len);
	last = strrchr(s, '\r');
	assert_int_equal(last[1], '\0');
	*last = '\0';
	last = strrchr(s, '\r');
	assert_true(strspn(last + 1, " ") == strlen(last + 1));
	assert_true(strlen(last + 1) >= strlen("hashing 100%"));
	free(s);
	fclose(fp);
}

static void
test_unknown_total_and_label(void **state)
{
	struct etk_error err = { 0 };
	struct etk_progress *pr = NULL;
	FILE *fp = tmpfile();
	char *s, *last;

	(void)state;
	assert_non_null(fp);
	assert_int_equal(etk_progress_new(&pr, fp, ETK_PROGRESS_ON, NULL, 0,
	    &err), ETK_OK);
	sleep_ms(120);
	etk_progress_add(pr, 3 << 20);
	s = contents(fp, NULL);
	assert_non_null(strstr(s, "\r3.0 MiB  "));
	assert_null(strchr(s, '%'));
	assert_null(strstr(s, "ETA"));
	assert_null(strchr(s, '['));
	free(s);

	/* Control bytes in the label are shown as '?'; a total appears. */
	etk_progress_set_label(pr, "carve\n\x1b[2J");
	etk_progress_set_total(pr, 6 << 20);
	sleep_ms(120);
	etk_progress_add(pr, 0);
	s = contents(fp, NULL);
	last = strrchr(s, '\r');
	assert_non_null(strstr(last, "carve??[2J ["));
	assert_non_null(strstr(last, " 50%  3.0 MiB / 6.0 MiB"));
	assert_null(strchr(s, '\n'));
	assert_null(strchr(s, '\x1b'));
	free(s);

	/* A label too long for the line is cut, the numbers stay. */
	{
		char label[300];

		memset(label, 'L', sizeof(label) - 1);
		label[sizeof(label) - 1] = '\0';
		etk_progress_set_label(pr, label);
		sleep_ms(120);
		etk_progress_add(pr, 0);
		s = contents(fp, NULL);
		last = strrchr(s, '\r');
		assert_true(strlen(last + 1) <= 79);
		assert_non_null(strstr(last, "3.0 MiB / 6.0 MiB"));
		free(s);
	}
	etk_progress_free(pr);
	fclose(fp);
}

/* Many adds within a tenth of a second draw at most once. */
static void
test_redraw_rate(void **state)
{
	struct etk_error err = { 0 };
	struct etk_progress *pr = NULL;
	FILE *fp = tmpfile();
	char *s;
	int i;

	(void)state;
	assert_non_null(fp);
	assert_int_equal(etk_progress_new(&pr, fp, ETK_PROGRESS_ON, "x",
	    UINT64_MAX, &err), ETK_OK);
	sleep_ms(110);
	for (i = 0; i < 100000; i++)
		etk_progress_add(pr, 1);
	s = contents(fp, NULL);
	/* 100000 calls take far less than 0.1 s; allow one more draw for a
	 * slow machine. */
	assert_in_range(count_char(s, '\r'), 1, 2);
	free(s);
	/* Huge counts do not overflow. */
	etk_progress_add(pr, UINT64_MAX);
	sleep_ms(110);
	etk_progress_add(pr, UINT64_MAX);
	s = contents(fp, NULL);
	assert_non_null(strstr(strrchr(s, '\r'), "100%  16.0 EiB / 16.0 EiB"));
	free(s);
	etk_progress_free(pr);
	fclose(fp);
}

#define NTHREADS 4
#define NADDS 20000

static void *
adder(void *arg)
{
	int i;

	for (i = 0; i < NADDS; i++)
		etk_progress_add(arg, 1);
	return NULL;
}

static void
test_threads(void **state)
{
	struct etk_error err = { 0 };
	struct etk_progress *pr = NULL;
	pthread_t t[NTHREADS];
	FILE *fp = tmpfile();
	char *s;
	int i;

	(void)state;
	assert_non_null(fp);
	assert_int_equal(etk_progress_new(&pr, fp, ETK_PROGRESS_ON, "t",
	    NTHREADS * NADDS, &err), ETK_OK);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, adder, pr), 0);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	sleep_ms(110);
	etk_progress_add(pr, 0);
	s = contents(fp, NULL);
	assert_non_null(strstr(strrchr(s, '\r'), "100%  78.1 KiB / 78.1 KiB"));
	free(s);
	etk_progress_free(pr);
	fclose(fp);
}

/* On a real terminal, auto mode draws. */
static void
test_auto_on_pty(void **state)
{
	struct etk_error err = { 0 };
	struct etk_progress *pr = NULL;
	char buf[4096], *name;
	struct pollfd pfd;
	size_t got = 0;
	ssize_t n;
	int m, sfd;
	FILE *fp;

	(void)state;
	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) < 0 || grantpt(m) != 0 ||
	    unlockpt(m) != 0 || (name = ptsname(m)) == NULL) {
		if (m >= 0)
			close(m);
		skip();
	}
	sfd = open(name, O_RDWR | O_NOCTTY);
	assert_true(sfd >= 0);
	fp = fdopen(sfd, "w");
	assert_non_null(fp);
	assert_int_equal(etk_progress_new(&pr, fp, ETK_PROGRESS_AUTO, "tty",
	    100, &err), ETK_OK);
	sleep_ms(120);
	etk_progress_add(pr, 25);
	etk_progress_free(pr);
	pfd.fd = m;
	pfd.events = POLLIN;
	while (got < sizeof(buf) - 1 && poll(&pfd, 1, 200) == 1 &&
	    (n = read(m, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	assert_non_null(strstr(buf, "tty ["));
	assert_non_null(strstr(buf, " 25%  25 B / 100 B"));
	fclose(fp);
	close(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_human_size),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_silent),
		cmocka_unit_test(test_forced_bar),
		cmocka_unit_test(test_unknown_total_and_label),
		cmocka_unit_test(test_redraw_rate),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_auto_on_pty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
