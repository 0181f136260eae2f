/* What every etk command shares: flags, messages, case, journal, summary. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmdutil.h"

static char progname[64] = "etk";

void
etk_setprogname(const char *argv0, const char *fallback)
{
	const char *p = NULL;

	if (argv0 != NULL && *argv0 != '\0') {
		p = strrchr(argv0, '/');
		p = p ? p + 1 : argv0;
	}
	if (p == NULL || *p == '\0')
		p = fallback;
	snprintf(progname, sizeof(progname), "%s", p);
}

const char *
etk_getprogname(void)
{
	return progname;
}

void
etk_warnx(const char *fmt, ...)
{
	struct etk_buf b;
	va_list ap;

	/* One write per message, so lines from threads do not interleave. */
	etk_buf_init(&b);
	etk_buf_printf(&b, "%s: ", progname);
	va_start(ap, fmt);
	etk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	etk_buf_addc(&b, '\n');
	fflush(stdout);
	fwrite(b.data, 1, b.len, stderr);
	etk_buf_release(&b);
}

void
etk_print_version(void)
{
	printf("%s (etk) %s\n%s\n", progname, etk_version(), etk_lib_versions());
}

/* FAT and ZIP times are local times without a zone, and TSK and
 * libarchive convert them with the process's TZ: so that no output
 * depends on TZ (DESIGN.md §5), every command runs in UTC and reads them
 * as UTC.  The host's real offset is kept for the journal's clock record
 * (ETK_HOST_TZ_OFFSET_MIN, read by lib/custody). */
static void
utc_everywhere(void)
{
	char off[32];
	struct tm tm;
	time_t now;

	if (getenv("ETK_HOST_TZ_OFFSET_MIN") == NULL) {
		now = time(NULL);
		if (localtime_r(&now, &tm) != NULL) {
			snprintf(off, sizeof(off), "%ld",
			    (long)(tm.tm_gmtoff / 60));
			setenv("ETK_HOST_TZ_OFFSET_MIN", off, 1);
		}
	}
	setenv("TZ", "UTC0", 1);
	tzset();
}

int
etk_cmd_begin(struct etk_cmd *cmd, const char *name, int argc, char **argv)
{
	struct etk_error err = { 0 };
	const char *env;
	long n;

	memset(cmd, 0, sizeof(*cmd));
	utc_everywhere();
	etk_setprogname(name, name);	/* our name, not argv[0]'s path */
	cmd->name = name;
	cmd->argc = argc;
	cmd->argv = argv;
	if ((cmd->argv0 = calloc((size_t)argc + 1, sizeof(char *))) != NULL)
		memcpy(cmd->argv0, argv, (size_t)argc * sizeof(char *));
	n = sysconf(_SC_NPROCESSORS_ONLN);
	cmd->threads = n > 0 ? (int)n : 1;
	cmd->progress = ETK_PROGRESS_AUTO;
	etk_buf_init(&cmd->inputs);
	etk_buf_init(&cmd->outputs);
	etk_buf_init(&cmd->errors);
	etk_buf_init(&cmd->scope);
	etk_time_now(&cmd->t0, &cmd->t0_ns);
	/* Broken pipes (etk ls | head) end quietly with EPIPE on write. */
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;	/* we print our own messages, with our name */
	if ((env = getenv("ETK_CASE")) != NULL && *env != '\0') {
		cmd->case_dir = env;
		cmd->case_explicit = 1;
	}
	if (etk_summary_new(&cmd->sum, &err) != ETK_OK) {
		etk_warnx("%s", err.msg);
		cmd->exit_now = ETK_EXIT_FAILURE;
		return -1;
	}
	return 0;
}

void
etk_cmd_usage_common(FILE *fp)
{
	fputs("common options:\n"
	    "  -h, --help          print this help and exit\n"
	    "  -V, --version       print versions and exit\n"
	    "  -q, --quiet         print errors only\n"
	    "  -j, --threads N     worker threads (default: number of cores)\n"
	    "      --json          JSON Lines on standard output\n"
	    "      --case DIR      work inside case directory DIR (or ETK_CASE)\n"
	    "      --progress      show a progress bar on standard error\n"
	    "      --no-progress   never show a progress bar\n", fp);
}

/* Free what begin allocated; safe to call twice. */
static void
release(struct etk_cmd *cmd)
{
	etk_case_close(cmd->kase);
	cmd->kase = NULL;
	etk_summary_free(cmd->sum);
	cmd->sum = NULL;
	etk_buf_release(&cmd->inputs);
	etk_buf_release(&cmd->outputs);
	etk_buf_release(&cmd->errors);
	etk_buf_release(&cmd->scope);
	free(cmd->argv0);
	cmd->argv0 = NULL;
}

int
etk_cmd_usage_error(struct etk_cmd *cmd, etk_usage_fn usage,
    const char *fmt, ...)
{
	struct etk_buf b;
	va_list ap;

	etk_buf_init(&b);
	va_start(ap, fmt);
	etk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	etk_warnx("%s", b.data);
	etk_buf_release(&b);
	if (usage != NULL)
		usage(stderr);
	cmd->exit_now = ETK_EXIT_USAGE;
	release(cmd);
	return ETK_EXIT_USAGE;
}

int
etk_cmd_common_opt(struct etk_cmd *cmd, int ch, const char *arg,
    etk_usage_fn usage)
{
	char *end;
	long n;

	switch (ch) {
	case 'h':
		usage(stdout);
		cmd->exit_now = ETK_EXIT_OK;
		release(cmd);
		return ETK_OPT_EXIT;
	case 'V':
		etk_print_version();
		cmd->exit_now = ETK_EXIT_OK;
		release(cmd);
		return ETK_OPT_EXIT;
	case 'q':
		cmd->quiet = 1;
		return ETK_OPT_HANDLED;
	case 'j':
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' || n < 1 ||
		    n > 1024) {
			etk_cmd_usage_error(cmd, usage,
			    "bad thread count '%s': expected 1 to 1024", arg);
			return ETK_OPT_EXIT;
		}
		cmd->threads = (int)n;
		return ETK_OPT_HANDLED;
	case ETK_OPT_JSON:
		cmd->json = 1;
		return ETK_OPT_HANDLED;
	case ETK_OPT_CASE:
		cmd->case_dir = arg;
		cmd->case_explicit = 1;
		return ETK_OPT_HANDLED;
	case ETK_OPT_PROGRESS:
		cmd->progress = ETK_PROGRESS_ON;
		return ETK_OPT_HANDLED;
	case ETK_OPT_NO_PROGRESS:
		cmd->progress = ETK_PROGRESS_OFF;
		return ETK_OPT_HANDLED;
	case ':':
		etk_cmd_usage_error(cmd, usage, "option '%s' needs an argument",
		    cmd->argv[optind - 1]);
		return ETK_OPT_EXIT;
	default:
		if (optind > 0 && optind <= cmd->argc &&
		    cmd->argv[optind - 1] != NULL &&
		    cmd->argv[optind - 1][0] == '-' &&
		    cmd->argv[optind - 1][1] == '-')
			etk_cmd_usage_error(cmd, usage, "bad option '%s'",
			    cmd->argv[optind - 1]);
		else
			etk_cmd_usage_error(cmd, usage, "bad option '-%c'",
			    optopt ? optopt : '?');
		return ETK_OPT_EXIT;
	}
}

int
etk_cmd_open_case(struct etk_cmd *cmd)
{
	struct etk_error err = { 0 };
	int rc;

	if (cmd->case_dir == NULL) {
		if (!etk_case_is_dir("."))
			return 0;
		cmd->case_dir = ".";
	}
	if ((rc = etk_case_open(&cmd->kase, cmd->case_dir, &err)) != ETK_OK) {
		etk_warnx("case '%s': %s", cmd->case_dir, err.msg);
		cmd->exit_now = rc == ETK_EMISMATCH ? ETK_EXIT_MISMATCH :
		    ETK_EXIT_FAILURE;
		cmd->kase = NULL;
		release(cmd);
		return -1;
	}
	return 0;
}

static void
add_member(struct etk_buf *list, const struct etk_buf *obj)
{
	if (list->len != 0)
		etk_buf_addc(list, ',');
	etk_buf_add(list, obj->data, obj->len);
}

void
etk_cmd_input(struct etk_cmd *cmd, const char *path)
{
	struct etk_error err = { 0 };
	struct etk_source *src = NULL;
	const char *const *files = NULL;
	char hex[65], stored[129];
	struct etk_json j;
	struct etk_buf b;
	uint64_t size;
	size_t n = 0, i;
	struct stat st;

	if (cmd->kase == NULL)
		return;		/* inputs are recorded only in a journal */
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	if (cmd->shard != NULL) {
		/* A shard does not read its whole input: the merge hashes
		 * it once. */
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "path", path);
		etk_json_key(&j, "identity");
		if (etk_cmd_source_identity(path, &j) != 0)
			etk_json_null(&j);
		etk_json_obj_end(&j);
		add_member(&cmd->inputs, &b);
		etk_buf_release(&b);
		return;
	}
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "path", path);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		etk_json_kstr(&j, "kind", "directory");
		if (etk_case_input_sha256(cmd->kase, path, hex, &size, &err) ==
		    ETK_OK) {
			etk_json_kstr(&j, "listing_sha256", hex);
		} else
			etk_json_kstr(&j, "hash_error", err.msg);
	} else if (etk_source_open(&src, path, &err) == ETK_OK) {
		etk_json_kstr(&j, "format", etk_source_format(src));
		etk_json_kuint(&j, "media_size", etk_source_size(src));
		if (etk_source_stored_hash(src, "md5", stored,
		    sizeof(stored)) == ETK_OK)
			etk_json_kstr(&j, "stored_md5", stored);
		if (etk_source_stored_hash(src, "sha1", stored,
		    sizeof(stored)) == ETK_OK)
			etk_json_kstr(&j, "stored_sha1", stored);
		n = etk_source_files(src, &files);
		etk_json_key(&j, "files");
		etk_json_arr_begin(&j);
		for (i = 0; i < n; i++) {
			etk_json_obj_begin(&j);
			etk_json_kstr(&j, "path", files[i]);
			etk_error_clear(&err);
			if (etk_case_input_sha256(cmd->kase, files[i], hex,
			    &size, &err) == ETK_OK) {
				etk_json_kuint(&j, "size", size);
				etk_json_kstr(&j, "sha256", hex);
			} else
				etk_json_kstr(&j, "hash_error", err.msg);
			etk_json_obj_end(&j);
		}
		etk_json_arr_end(&j);
		etk_source_close(src);
	} else
		etk_json_kstr(&j, "open_error", err.msg);
	etk_json_obj_end(&j);
	add_member(&cmd->inputs, &b);
	etk_buf_release(&b);
}

void
etk_cmd_input_file(struct etk_cmd *cmd, const char *path, const char *sha256,
    uint64_t size)
{
	struct etk_json j;
	struct etk_buf b;

	if (cmd->kase == NULL)
		return;
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "path", path);
	etk_json_kuint(&j, "size", size);
	etk_json_kstr(&j, "sha256", sha256);
	etk_json_obj_end(&j);
	add_member(&cmd->inputs, &b);
	etk_buf_release(&b);
}

void
etk_cmd_output(struct etk_cmd *cmd, const char *path, const char *sha256,
    uint64_t size, const char *derived_json)
{
	struct etk_json j;
	struct etk_buf b;

	char cwd[PATH_MAX];
	struct etk_buf abs;

	/* Recorded absolute: a relative path means nothing to a later
	 * reader in another directory (etk verify reads it against the
	 * case, a bundle copies the file). */
	etk_buf_init(&abs);
	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL) {
		etk_buf_printf(&abs, "%s/%s", cwd, path[0] == '.' &&
		    path[1] == '/' ? path + 2 : path);
		if (!abs.oom)
			path = abs.data;
	}
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "path", path);
	etk_json_kstr(&j, "sha256", sha256);
	etk_json_kuint(&j, "size", size);
	if (derived_json != NULL) {
		etk_json_key(&j, "derived_from");
		etk_json_raw(&j, derived_json);
	}
	etk_json_obj_end(&j);
	add_member(&cmd->outputs, &b);
	etk_buf_release(&b);
	etk_buf_release(&abs);
}

void
etk_cmd_scope(struct etk_cmd *cmd, const char *key, const char *json)
{
	if (cmd->scope.len != 0)
		etk_buf_addc(&cmd->scope, ',');
	etk_json_quote(&cmd->scope, key, strlen(key));
	etk_buf_addc(&cmd->scope, ':');
	etk_buf_adds(&cmd->scope, json);
}

void
etk_cmd_error(struct etk_cmd *cmd, const struct etk_error *err)
{
	struct etk_json j;
	struct etk_buf b;

	etk_warnx("%s", err->msg);
	cmd->nerrors++;
	if (cmd->nerrors > 1000)
		return;		/* keep the journal entry bounded */
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "type", etk_strerror(err->code));
	etk_json_kstr(&j, "message", err->msg);
	etk_json_obj_end(&j);
	add_member(&cmd->errors, &b);
	etk_buf_release(&b);
}

void
etk_cmd_emit(struct etk_cmd *cmd, const struct etk_buf *rec)
{
	(void)cmd;
	fwrite(rec->data, 1, rec->len, stdout);
	putchar('\n');
}

static void
journal_body(struct etk_cmd *cmd, int status, struct etk_buf *b)
{
	const char *const *names, *const *vers;
	struct etk_json j;
	size_t n, i;
	int k;

	etk_json_init(&j, b);
	etk_json_obj_begin(&j);
	etk_json_key(&j, "tool");
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "name", cmd->name);
	etk_json_kstr(&j, "version", etk_version());
	etk_json_key(&j, "libs");
	etk_json_obj_begin(&j);
	n = etk_lib_version_list(&names, &vers);
	for (i = 0; i < n; i++)
		etk_json_kstr(&j, names[i], vers[i]);
	etk_json_obj_end(&j);
	etk_json_key(&j, "argv");
	etk_json_arr_begin(&j);
	for (k = 0; k < cmd->argc; k++)
		etk_json_str(&j, k == 0 ? cmd->name : cmd->argv0 != NULL ?
		    cmd->argv0[k] : cmd->argv[k]);
	etk_json_arr_end(&j);
	etk_json_obj_end(&j);
	if (cmd->scope.len != 0) {
		etk_json_key(&j, "scope");
		etk_json_raw(&j, "{");
		etk_buf_add(b, cmd->scope.data, cmd->scope.len);
		etk_buf_addc(b, '}');
	}
	etk_json_key(&j, "inputs");
	etk_json_raw(&j, "[");
	etk_buf_add(b, cmd->inputs.data, cmd->inputs.len);
	etk_buf_addc(b, ']');
	etk_json_key(&j, "outputs");
	etk_json_raw(&j, "[");
	etk_buf_add(b, cmd->outputs.data, cmd->outputs.len);
	etk_buf_addc(b, ']');
	etk_json_key(&j, "errors");
	etk_json_raw(&j, "[");
	etk_buf_add(b, cmd->errors.data, cmd->errors.len);
	etk_buf_addc(b, ']');
	if (cmd->nerrors > 1000)
		etk_json_kuint(&j, "errors_omitted", cmd->nerrors - 1000);
	etk_json_key(&j, "summary");
	etk_summary_json(cmd->sum, cmd->name, status, &j);
	etk_json_kint(&j, "exit", status);
	etk_json_obj_end(&j);
}

int
etk_cmd_end(struct etk_cmd *cmd, const char *jtype, int status)
{
	int se;
	struct etk_error err = { 0 };
	struct etk_json j;
	struct etk_buf b;

	if (cmd->sum == NULL) {	/* already released by an early exit */
		release(cmd);
		return status;
	}
	if (etk_summary_count(cmd->sum) != 0) {
		se = etk_summary_exit(cmd->sum);
		/* A run that ends for a transient reason (75: run it again,
		 * e.g. an interrupted shard) keeps that over a partial or
		 * failed summary, which the interruption itself may have
		 * made: what it did is not a result to keep, and a retry
		 * shows any failure of its own. */
		if (status != ETK_EXIT_TEMPFAIL || (se != ETK_EXIT_PARTIAL &&
		    se != ETK_EXIT_FAILURE))
			status = etk_exit_worst(status, se);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE) {
			etk_warnx("write error: %s", strerror(errno));
			status = etk_exit_worst(status, ETK_EXIT_FAILURE);
		}
	}
	etk_buf_init(&b);
	if (cmd->json) {
		etk_json_init(&j, &b);
		etk_summary_json(cmd->sum, cmd->name, status, &j);
		etk_cmd_emit(cmd, &b);
		fflush(stdout);
	} else if (!cmd->quiet && etk_summary_count(cmd->sum) != 0) {
		etk_summary_text(cmd->sum, &b);
		fflush(stdout);
		fwrite(b.data, 1, b.len, stderr);
	}
	etk_buf_reset(&b);
	if (cmd->shard != NULL)
		status = etk_cmd_shard_end(cmd, status, cmd->inputs.data,
		    cmd->inputs.len);
	else if (cmd->kase != NULL && jtype != NULL) {
		journal_body(cmd, status, &b);
		if (b.oom || etk_journal_append(cmd->kase, jtype, cmd->t0,
		    cmd->t0_ns, b.data, NULL, &err) != ETK_OK) {
			etk_warnx("journal: %s", b.oom ? "out of memory" :
			    err.msg);
			status = etk_exit_worst(status, ETK_EXIT_FAILURE);
		}
	}
	etk_buf_release(&b);
	release(cmd);
	return status;
}

int
etk_cmd_leave(struct etk_cmd *cmd, int status)
{
	release(cmd);
	return status;
}

int
etk_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default:
		return -1;
	}
	if (shift != 0 && (*end == 'i' || *end == 'I'))
		end++;
	if (shift != 0 && (*end == 'b' || *end == 'B'))
		end++;
	if (*end != '\0')
		return -1;
	if (shift != 0 && v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int
etk_cmd_parse_shard(const char *arg, uint64_t *k, uint64_t *n, char *why,
    size_t whylen)
{
	static const char *const envs[] = { "ETK_SHARD",
	    "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "PARALLEL_SEQ" };
	const char *slash = strchr(arg, '/'), *v;
	char kbuf[32];
	size_t i, l;

	if (slash != NULL) {
		l = (size_t)(slash - arg);
		if (l == 0 || l >= sizeof(kbuf)) {
			snprintf(why, whylen, "bad shard '%s': expected K/N",
			    arg);
			return -1;
		}
		memcpy(kbuf, arg, l);
		kbuf[l] = '\0';
		if (parse_u64(kbuf, k) != 0 || parse_u64(slash + 1, n) != 0) {
			snprintf(why, whylen, "bad shard '%s': expected K/N",
			    arg);
			return -1;
		}
	} else {
		if (parse_u64(arg, n) != 0) {
			snprintf(why, whylen, "bad shard '%s': expected K/N",
			    arg);
			return -1;
		}
		for (i = 0; i < sizeof(envs) / sizeof(envs[0]); i++)
			if ((v = getenv(envs[i])) != NULL && *v != '\0')
				break;
		if (i == sizeof(envs) / sizeof(envs[0])) {
			snprintf(why, whylen, "--shard %s: no shard index in "
			    "ETK_SHARD, SLURM_ARRAY_TASK_ID, "
			    "JOB_COMPLETION_INDEX or PARALLEL_SEQ", arg);
			return -1;
		}
		if (parse_u64(v, k) != 0 || (i == 3 && *k == 0)) {
			snprintf(why, whylen, "bad shard index %s='%s'",
			    envs[i], v);
			return -1;
		}
		if (i == 3)
			(*k)--;	/* PARALLEL_SEQ is 1-based */
	}
	if (*n == 0 || *k >= *n) {
		snprintf(why, whylen, "bad shard %" PRIu64 "/%" PRIu64
		    ": need 0 <= K < N", *k, *n);
		return -1;
	}
	return 0;
}

char *
etk_cmd_vasprintf(const char *fmt, va_list ap)
{
	struct etk_buf b;

	etk_buf_init(&b);
	etk_buf_vprintf(&b, fmt, ap);
	if (b.oom) {
		etk_buf_release(&b);
		return NULL;
	}
	return etk_buf_detach(&b);
}

char *
etk_cmd_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = etk_cmd_vasprintf(fmt, ap);
	va_end(ap);
	return p;
}

int
etk_cmd_read_small(const char *path, size_t max, struct etk_buf *b)
{
	char chunk[8192];
	size_t n;
	FILE *fp;
	int e;

	etk_buf_reset(b);
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (b->len + n > max) {
			fclose(fp);
			errno = ENOSPC;
			return -1;
		}
		etk_buf_add(b, chunk, n);
	}
	e = ferror(fp) ? EIO : 0;
	fclose(fp);
	if (b->oom)
		e = ENOMEM;
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}
