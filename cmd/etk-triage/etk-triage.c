/*
 * etk-triage: the one-shot pipeline.  For each source, in a case
 * directory (made with etk-init when missing): image it (--acquire),
 * verify, list, hash, extract, carve; then the chain-of-custody
 * manifests, the examiner's report and a seal.
 *
 * Each step runs the etk-* command that does it (found beside this
 * binary, as etk(1) finds them, else on PATH) with --case and
 * --no-progress, its standard error kept in CASEDIR/logs/.  The tools
 * journal themselves; the triage adds one "analyse" entry per source
 * (its steps, statuses, exit codes, durations) and one at the end (the
 * manifests and reports it wrote), then seals.
 *
 * -j N is the run's thread budget (default: the number of cores): up to
 * W = min(N, sources) sources are processed at once, each by a worker
 * thread with its own case handle and database connection; within a
 * source the steps run in order; each tool gets -j max(1, N / W).  The
 * tools stage their rows and number them with their own journal entry
 * when they append it (under the journal's lock), so they can run on
 * one case at once; a step's journal line is found by the exact argv
 * the tool was spawned with (two sources with the same path or content
 * never run at once, so that argv is unique among the entries appended
 * while the tool ran).  The evidence rows are made in source order
 * before the workers start, so evidence ids, and with them the case
 * database's content (but for ids and action numbers), do not depend
 * on -j or on which source finished first.
 *
 * Re-runs: a step that finished (exit 0, or 3 partial) is recorded in
 * the case database table triage_steps under a key, the SHA-256 of the
 * step name, the input's digest, the options that change the step's
 * result and the etk version; a later run with the same key skips it.
 *
 * --shard K/N (issue 9, triage by source): only the sources assigned to
 * shard K (in the order given, each to the shard with the fewest bytes
 * so far; twins with their first occurrence) are processed, into the
 * shared case; no manifest, report, final entry or seal.  A final run
 * without --shard finds every step done and makes them.  A case that is
 * not there is made under a lock file beside it, so that of shards
 * started at once one makes it and the others open it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include <etk/json.h>
#include <etk/manifest.h>
#include <etk/report.h>

#include "cmdutil.h"

extern char **environ;

/* SIGINT/SIGTERM: the running tool gets it too (same process group) and
 * stops; the triage runs no further step, records what it has and
 * seals. */
static volatile sig_atomic_t interrupted;
/* The case directory's absolute path (kept until exit). */
static char *abscase;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

enum {
	OPT_CASE_NUMBER = ETK_OPT_FIRST_PRIVATE,
	OPT_EXAMINER,
	OPT_AGENCY,
	OPT_KNOWN,
	OPT_ALERT,
	OPT_ACQUIRE,
	OPT_ACQUIRE_FORMAT,
	OPT_NO_CARVE,
	OPT_NO_EXTRACT,
	OPT_NO_HASH,
	OPT_SHARD
};

#define MAX_SETS 16

enum step_id { S_ACQUIRE, S_VERIFY, S_LIST, S_HASH, S_EXTRACT, S_CARVE,
	S__COUNT };
static const char *const step_name[S__COUNT] = {
	"acquire", "verify", "list", "hash", "extract", "carve"
};

enum step_status {
	ST_OFF,		/* not asked for */
	ST_DONE,	/* ran, exit 0 */
	ST_PARTIAL,	/* ran, exit 3: done, reported */
	ST_SKIPPED,	/* done by an earlier run */
	ST_NOTHING,	/* nothing to do (verify of a plain source) */
	ST_ERROR,	/* ran and failed, or could not run */
	ST_NOTRUN	/* not run: an earlier step it needs failed */
};
static const char *const status_name[] = {
	"off", "done", "partial", "skipped", "nothing", "error", "not-run"
};

struct step {
	enum step_status st;
	int exit;
	double seconds;
	uint64_t seq;		/* journal line of the tool's entry */
	char *why;		/* error: first line of stderr, or reason */
	char *log;		/* log path */
};

struct src {
	const char *arg;	/* as given */
	char *path;		/* what the steps read (the image after
				 * --acquire) */
	char ex[128];		/* exhibit name */
	char digest[65];	/* input digest of arg ("" when none) */
	int missing;
	struct step steps[S__COUNT];
};

struct triage {
	struct etk_cmd *cmd;
	const char *casedir;
	sqlite3 *db;
	char selfdir[PATH_MAX];
	const char *known[MAX_SETS], *alert[MAX_SETS];
	size_t nknown, nalert;
	char setkey[65];	/* digest of the sets' contents and names */
	int acquire;
	const char *acq_format;	/* "e01" or "raw" */
	int no_carve, no_extract, no_hash;
	int threads;		/* -j: the thread budget */
	int tool_threads;	/* -j given to each tool */
	int show_progress;
	struct src *srcs;
	size_t nsrc;
	uint64_t run_tag;	/* journal seq at start, names the logs */
	int status;
	/* --shard K/N: only the sources with mine[i] set are processed,
	 * and no manifest, report or seal is made */
	int sharded;
	uint64_t shard_k, shard_n;
	unsigned char *mine;
	size_t nmine;
	/* input digests, -j workers */
	pthread_mutex_t mu;
	size_t next;
	/* the source workers: claimed[i] once taken, busy[i] while being
	 * processed (under mu; cv signals a source finished) */
	pthread_cond_t cv;
	unsigned char *claimed, *busy;
	/* our standard output and error, t->status */
	pthread_mutex_t out_mu;
};

/* A source worker's own handles: SQLite connections and the case's
 * statements are not shared between threads. */
struct worker {
	struct triage *t;
	struct etk_case *kase;
	sqlite3 *db;		/* triage_steps */
};

static void
usage(FILE *fp)
{
	if (fp != stdout)
		fprintf(fp, "%s: ", etk_getprogname());
	fprintf(fp, "usage: %s [-hqV] [-j N] [-o casedir] [--case-number id] "
	    "[--examiner name]\n"
	    "       [--agency org] [--known set]... [--alert set]... "
	    "[--acquire]\n"
	    "       [--acquire-format e01|raw] [--no-carve] [--no-extract] "
	    "[--no-hash]\n"
	    "       [--progress | --no-progress] [--json] [--shard K/N] "
	    "source ...\n",
	    etk_getprogname());
	if (fp != stdout)
		return;
	fputs("options:\n"
	    "  -o, --output CASEDIR  the case directory (made when missing;\n"
	    "                      default: --case, ETK_CASE or the current\n"
	    "                      directory when it is a case)\n"
	    "      --case-number ID  case reference, to make a new case\n"
	    "      --examiner NAME   examiner's name, to make a new case\n"
	    "      --agency ORG      examiner's organisation (new case)\n"
	    "      --known SET     hash set of known files (repeatable)\n"
	    "      --alert SET     hash set that raises alerts (repeatable)\n"
	    "      --acquire       image each source into the case first\n"
	    "      --acquire-format e01|raw\n"
	    "                      image format for --acquire (default e01)\n"
	    "      --no-carve      leave out carving\n"
	    "      --no-extract    leave out extraction\n"
	    "      --no-hash       leave out hashing\n"
	    "      --shard K/N     process only the sources of shard K "
	    "(from 0) of N, into\n"
	    "                      the shared case, without manifest, report "
	    "or seal\n"
	    "                      (--shard N: K from ETK_SHARD, "
	    "SLURM_ARRAY_TASK_ID,\n"
	    "                      JOB_COMPLETION_INDEX or PARALLEL_SEQ - 1)\n",
	    fp);
	etk_cmd_usage_common(fp);
}

/* ---- small helpers ---- */

static char *
xstrdup(const char *s)
{
	char *p = strdup(s != NULL ? s : "");

	if (p == NULL) {
		etk_warnx("out of memory");
		exit(ETK_EXIT_FAILURE);
	}
	return p;
}

static char *
xprintf(const char *fmt, ...) ETK_PRINTFLIKE(1, 2);

static char *
xprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = etk_cmd_vasprintf(fmt, ap);
	va_end(ap);
	if (p == NULL) {
		etk_warnx("out of memory");
		exit(ETK_EXIT_FAILURE);
	}
	return p;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
is_exec(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

static void
find_selfdir(char *dir, size_t len)
{
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", dir, len - 1);
	if (n <= 0) {
		dir[0] = '\0';
		return;
	}
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')) == NULL)
		dir[0] = '\0';
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
}

static uint64_t
journal_seq(const char *casedir)
{
	struct etk_error err = { 0 };
	char head[65], *p;
	uint64_t seq = 0;

	p = xprintf("%s/journal.jsonl", casedir);
	if (etk_journal_head(p, &seq, head, &err) != ETK_OK)
		seq = 0;
	free(p);
	return seq;
}

static int
mkdir_p(const char *path)
{
	char *p, *s;
	int rc = 0;

	p = xstrdup(path);
	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0777) != 0 && errno != EEXIST) {
				rc = -1;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return rc;
}

/* Missing, or an empty directory? */
static int
dir_free(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT;
	if (!S_ISDIR(st.st_mode))
		return 0;
	/* rmdir of an empty directory succeeds: then make it again. */
	return rmdir(path) == 0;
}

/* The exhibit name: the base name with [A-Za-z0-9._-] kept, others '_'. */
static void
exhibit_name(const char *arg, char *out, size_t len)
{
	const char *b, *e;
	size_t n = 0;

	e = arg + strlen(arg);
	while (e > arg + 1 && e[-1] == '/')
		e--;
	for (b = e; b > arg && b[-1] != '/'; b--)
		;
	for (; b < e && n + 1 < len - 8; b++) {
		char c = *b;

		out[n++] = ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-') ? c : '_';
	}
	out[n] = '\0';
	if (n == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		snprintf(out, len, "source");
}

static int
has_suffix_ci(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcasecmp(s + a - b, suf) == 0;
}

/* ---- keys ---- */

struct keyctx {
	EVP_MD_CTX *md;
};

static void
key_add(struct keyctx *k, const char *name, const char *value)
{
	EVP_DigestUpdate(k->md, name, strlen(name) + 1);
	EVP_DigestUpdate(k->md, value, strlen(value) + 1);
}

static int
key_begin(struct keyctx *k)
{
	if ((k->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(k->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(k->md);
		return -1;
	}
	key_add(k, "tool", "etk-triage");
	key_add(k, "version", etk_version());
	return 0;
}

static void
key_end(struct keyctx *k, char hex[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_DigestFinal_ex(k->md, md, &n);
	EVP_MD_CTX_free(k->md);
	etk_hex(md, 32, hex);
}

/* The digest of the input: for an E01 set every segment present. */
static int
input_digest(struct etk_case *kase, const char *path, char out[65],
    struct etk_error *err)
{
	struct keyctx k;
	char hex[65], *seg;
	uint64_t size;
	size_t len;
	int i;

	if (etk_case_input_sha256(kase, path, hex, &size, err) != ETK_OK)
		return -1;
	len = strlen(path);
	if (!has_suffix_ci(path, ".E01")) {
		memcpy(out, hex, 65);
		return 0;
	}
	if (key_begin(&k) != 0)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory"), -1;
	key_add(&k, "segment", hex);
	seg = xstrdup(path);
	for (i = 2; i <= 99; i++) {
		struct stat st;

		seg[len - 2] = (char)('0' + i / 10);
		seg[len - 1] = (char)('0' + i % 10);
		if (stat(seg, &st) != 0)
			break;
		if (etk_case_input_sha256(kase, seg, hex, &size, err) !=
		    ETK_OK) {
			free(seg);
			key_end(&k, hex);
			return -1;
		}
		key_add(&k, "segment", hex);
	}
	free(seg);
	key_end(&k, out);
	return 0;
}

static void
step_key(const struct triage *t, enum step_id s, const char *digest,
    char out[65])
{
	struct keyctx k;

	if (key_begin(&k) != 0) {
		etk_warnx("out of memory");
		exit(ETK_EXIT_FAILURE);
	}
	key_add(&k, "step", step_name[s]);
	key_add(&k, "input", digest);
	if (s == S_ACQUIRE)
		key_add(&k, "format", t->acq_format);
	if (s == S_HASH) {
		key_add(&k, "digests", "md5,sha1,sha256");
		key_add(&k, "sets", t->setkey);
	}
	key_end(&k, out);
}

/* ---- the done-records (case database, table triage_steps) ---- */

/* A connection to the case database (each worker has its own; the
 * busy timeout covers the tools' short copies of their staged rows);
 * create: make the table when missing.  0 or -1 (message given). */
static int
db_open(struct triage *t, sqlite3 **dbp, int create)
{
	char *p = xprintf("%s/etk.db", t->casedir);
	int rc;

	*dbp = NULL;
	rc = sqlite3_open_v2(p, dbp, SQLITE_OPEN_READWRITE, NULL);
	free(p);
	if (rc != SQLITE_OK) {
		etk_warnx("%s/etk.db: cannot open: %s", t->casedir,
		    *dbp != NULL ? sqlite3_errmsg(*dbp) : "out of memory");
		return -1;
	}
	sqlite3_busy_timeout(*dbp, 60000);
	if (create && sqlite3_exec(*dbp, "CREATE TABLE IF NOT EXISTS "
	    "triage_steps(key TEXT PRIMARY KEY, step TEXT, source TEXT,"
	    " exit INTEGER, seq INTEGER)", NULL, NULL, NULL) != SQLITE_OK) {
		etk_warnx("%s/etk.db: %s", t->casedir, sqlite3_errmsg(*dbp));
		return -1;
	}
	return 0;
}

/* A done-record for key: its seq and exit; 0 found, -1 not. */
static int
db_done(struct worker *w, const char *key, uint64_t *seq, int *ex)
{
	sqlite3_stmt *st = NULL;
	int found = -1;

	if (sqlite3_prepare_v2(w->db, "SELECT seq, exit FROM triage_steps "
	    "WHERE key = ?1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*seq = (uint64_t)sqlite3_column_int64(st, 0);
		*ex = sqlite3_column_int(st, 1);
		found = 0;
	}
	sqlite3_finalize(st);
	return found;
}

/* One statement in autocommit: a short write transaction. */
static void
db_mark(struct worker *w, const char *key, enum step_id s, const char *ex,
    int exitcode, uint64_t seq)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(w->db, "INSERT OR REPLACE INTO triage_steps("
	    "key, step, source, exit, seq) VALUES(?1, ?2, ?3, ?4, ?5)", -1,
	    &st, NULL) != SQLITE_OK ||
	    (sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC),
	    sqlite3_bind_text(st, 2, step_name[s], -1, SQLITE_STATIC),
	    sqlite3_bind_text(st, 3, ex, -1, SQLITE_STATIC),
	    sqlite3_bind_int(st, 4, exitcode),
	    sqlite3_bind_int64(st, 5, (sqlite3_int64)seq),
	    sqlite3_step(st)) != SQLITE_DONE)
		etk_warnx("%s/etk.db: cannot record step %s: %s",
		    w->t->casedir, step_name[s], sqlite3_errmsg(w->db));
	sqlite3_finalize(st);
}

/* The journal line of the entry a tool appended while it ran: the first
 * line after line `after` whose tool.argv is exactly argv (NULL-ended).
 * 0 when there is none (the tool wrote no entry). */
static uint64_t
find_entry(struct triage *t, uint64_t after, const char *const *argv)
{
	struct etk_jval *doc;
	const struct etk_jval *av;
	char *p, *line = NULL;
	size_t cap = 0, k, n;
	ssize_t len;
	uint64_t seq = 0, found = 0;
	FILE *fp;

	for (n = 0; argv[n] != NULL; n++)
		;
	p = xprintf("%s/journal.jsonl", t->casedir);
	fp = fopen(p, "r");
	free(p);
	if (fp == NULL)
		return 0;
	while (found == 0 && (len = getline(&line, &cap, fp)) > 0) {
		if (++seq <= after || strstr(line, "\"argv\":[") == NULL)
			continue;
		doc = NULL;
		if (etk_json_parse(line, (size_t)len, &doc, NULL) != ETK_OK)
			continue;
		av = etk_jval_get(etk_jval_get(doc, "tool"), "argv");
		if (av != NULL && av->type == ETK_JARR && av->n == n) {
			for (k = 0; k < n; k++)
				if (av->items[k]->type != ETK_JSTR ||
				    strcmp(av->items[k]->str, argv[k]) != 0)
					break;
			if (k == n)
				found = seq;
		}
		etk_jval_free(doc);
	}
	fclose(fp);
	free(line);
	return found;
}

/* ---- running the tools ---- */

/* The first non-empty line of a log, without the tool's prefix kept
 * short; NULL when none. */
static char *
first_line(const char *log)
{
	char line[512];
	FILE *fp;
	char *r = NULL;

	if ((fp = fopen(log, "r")) == NULL)
		return NULL;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0') {
			r = xstrdup(line);
			break;
		}
	}
	fclose(fp);
	return r;
}

/* Copy the ALERT lines of a hash log to our standard error. */
static void
relay_alerts(const char *log)
{
	char line[2048];
	FILE *fp;

	if ((fp = fopen(log, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, ": ALERT: ") != NULL)
			etk_warnx("%s", line);
	}
	fclose(fp);
}

/* A log file name that does not exist yet. */
static char *
log_path(struct triage *t, const char *ex, const char *what)
{
	struct stat st;
	char *p;
	int i;

	p = xprintf("%s/logs/triage-%06" PRIu64 "-%s-%s.log", t->casedir,
	    t->run_tag, ex, what);
	for (i = 2; lstat(p, &st) == 0; i++) {
		free(p);
		p = xprintf("%s/logs/triage-%06" PRIu64 "-%s-%s-%d.log",
		    t->casedir, t->run_tag, ex, what, i);
	}
	return p;
}

/* Run etk-TOOL argv (argv[0] is the tool name), standard error to log;
 * returns its exit status, or -1 (why set) when it could not run. */
static int
run_tool(struct triage *t, const char *tool, char *const argv[],
    const char *log, char **why)
{
	posix_spawn_file_actions_t fa;
	char path[PATH_MAX];
	pid_t pid;
	int st, rc, n;

	n = snprintf(path, sizeof(path), "%s/%s", t->selfdir, tool);
	if (t->selfdir[0] == '\0' || n < 0 || (size_t)n >= sizeof(path) ||
	    !is_exec(path))
		snprintf(path, sizeof(path), "%s", tool);
	if (posix_spawn_file_actions_init(&fa) != 0) {
		*why = xstrdup("out of memory");
		return -1;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, log,
	    O_WRONLY | O_CREAT | O_EXCL, 0666);
	fflush(stdout);
	fflush(stderr);
	if (strchr(path, '/') != NULL)
		rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	else
		rc = posix_spawnp(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		*why = xprintf("cannot run %s: %s", tool, strerror(rc));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			*why = xprintf("%s: wait: %s", tool, strerror(errno));
			return -1;
		}
	if (WIFEXITED(st)) {
		if (WEXITSTATUS(st) == 127) {
			*why = xprintf("cannot run %s", tool);
			return -1;
		}
		return WEXITSTATUS(st);
	}
	*why = xprintf("%s killed by signal %d", tool,
	    WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return -1;
}

/* ---- output ---- */

static void
show_step(struct triage *t, size_t i, enum step_id s)
{
	const struct src *sr = &t->srcs[i];
	const struct step *sp = &sr->steps[s];
	struct etk_json j;
	struct etk_buf b;

	etk_buf_init(&b);
	pthread_mutex_lock(&t->out_mu);
	if (t->cmd->json) {
		etk_json_init(&j, &b);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "record", "triage_step");
		etk_json_kstr(&j, "source", sr->arg);
		etk_json_kstr(&j, "exhibit", sr->ex);
		etk_json_kstr(&j, "step", step_name[s]);
		etk_json_kstr(&j, "status", status_name[sp->st]);
		if (sp->st == ST_DONE || sp->st == ST_PARTIAL ||
		    sp->st == ST_ERROR || sp->st == ST_SKIPPED)
			etk_json_kint(&j, "exit", sp->exit);
		else
		{
			etk_json_key(&j, "exit");
			etk_json_null(&j);
		}
		if (sp->seq != 0)
			etk_json_kuint(&j, "journal_seq", sp->seq);
		etk_json_key(&j, "seconds");
		etk_json_double(&j, sp->seconds);
		etk_json_kstr(&j, "error", sp->st == ST_ERROR ||
		    sp->st == ST_PARTIAL || sp->st == ST_NOTRUN ? sp->why :
		    NULL);
		etk_json_obj_end(&j);
		etk_cmd_emit(t->cmd, &b);
	} else if (!t->cmd->quiet) {
		switch (sp->st) {
		case ST_SKIPPED:
			printf("%s: %s: skipped (done at journal line %" PRIu64
			    "%s)\n", sr->ex, step_name[s], sp->seq,
			    sp->exit == ETK_EXIT_PARTIAL ? ", partial" : "");
			break;
		case ST_DONE:
		case ST_PARTIAL:
			printf("%s: %s: %s (journal line %" PRIu64 ")\n", sr->ex,
			    step_name[s], status_name[sp->st], sp->seq);
			break;
		case ST_ERROR:
			if (sp->exit >= 0)
				printf("%s: %s: error (exit %d): %s\n", sr->ex,
				    step_name[s], sp->exit, sp->why ? sp->why :
				    "");
			else
				printf("%s: %s: error: %s\n", sr->ex,
				    step_name[s], sp->why ? sp->why : "");
			break;
		case ST_NOTHING:
			printf("%s: %s: nothing to verify\n", sr->ex,
			    step_name[s]);
			break;
		case ST_NOTRUN:
			printf("%s: %s: not run: %s\n", sr->ex, step_name[s],
			    sp->why ? sp->why : "");
			break;
		case ST_OFF:
			break;
		}
		fflush(stdout);
	}
	pthread_mutex_unlock(&t->out_mu);
	etk_buf_release(&b);
}

/* ---- one step ---- */

/* One step: skipped when its key has a done-record, else run
 * "etk-WORDS[0] WORDS[1..] --case C --no-progress -j N -- target" with
 * standard error to a log under CASEDIR/logs/; exit 0 or 3 makes a
 * done-record naming the tool's own journal entry. */
static void
do_step(struct worker *w, size_t i, enum step_id s, const char *digest,
    const char *const *words, size_t nwords, const char *target)
{
	struct triage *t = w->t;
	struct src *sr = &t->srcs[i];
	struct step *sp = &sr->steps[s];
	const char *argv[64];
	char key[65], jbuf[16], tool[32];
	size_t n = 0, k;
	double t0;
	int ex, rc;
	uint64_t seq, before;

	if (interrupted) {
		sp->st = ST_NOTRUN;
		sp->why = xstrdup("interrupted");
		show_step(t, i, s);
		return;
	}
	if (t->show_progress) {
		pthread_mutex_lock(&t->out_mu);
		fflush(stdout);
		fprintf(stderr, "[%zu/%zu] %s: %s ...\n", i + 1, t->nsrc,
		    sr->ex, step_name[s]);
		pthread_mutex_unlock(&t->out_mu);
	}
	step_key(t, s, digest, key);
	if (db_done(w, key, &seq, &ex) == 0) {
		sp->st = ST_SKIPPED;
		sp->exit = ex;
		sp->seq = seq;
		show_step(t, i, s);
		return;
	}
	snprintf(tool, sizeof(tool), "etk-%s", words[0]);
	argv[n++] = tool;
	for (k = 1; k < nwords && n < 50; k++)
		argv[n++] = words[k];
	snprintf(jbuf, sizeof(jbuf), "%d", t->tool_threads);
	argv[n++] = "--case";
	argv[n++] = t->casedir;
	argv[n++] = "--no-progress";
	argv[n++] = "-j";
	argv[n++] = jbuf;
	argv[n++] = "--";
	argv[n++] = target;
	argv[n] = NULL;
	sp->log = log_path(t, sr->ex, step_name[s]);
	/* Other workers' tools append while this one runs: its entry is
	 * the one after `before` with exactly this argv. */
	before = journal_seq(t->casedir);
	t0 = now_seconds();
	rc = run_tool(t, tool, (char *const *)argv, sp->log, &sp->why);
	sp->seconds = now_seconds() - t0;
	sp->exit = rc;
	sp->seq = rc >= 0 ? find_entry(t, before, argv) : 0;
	if ((rc == ETK_EXIT_OK || rc == ETK_EXIT_PARTIAL) && sp->seq == 0) {
		sp->st = ST_ERROR;
		sp->why = xprintf("%s exited with status %d but wrote no "
		    "journal entry", tool, rc);
	} else if (rc == ETK_EXIT_OK || rc == ETK_EXIT_PARTIAL) {
		sp->st = rc == ETK_EXIT_OK ? ST_DONE : ST_PARTIAL;
		if (rc == ETK_EXIT_PARTIAL)
			sp->why = first_line(sp->log);
		db_mark(w, key, s, sr->ex, rc, sp->seq);
	} else {
		sp->st = ST_ERROR;
		if (rc >= 0)
			sp->why = first_line(sp->log);
		if (sp->why == NULL)
			sp->why = xprintf("%s exited with status %d", tool, rc);
	}
	if (s == S_HASH) {
		pthread_mutex_lock(&t->out_mu);
		relay_alerts(sp->log);
		pthread_mutex_unlock(&t->out_mu);
	}
	show_step(t, i, s);
}

static void
not_run(struct triage *t, size_t i, enum step_id s, const char *why)
{
	struct step *sp = &t->srcs[i].steps[s];

	sp->st = ST_NOTRUN;
	sp->exit = -1;
	sp->why = xstrdup(why);
	show_step(t, i, s);
}

/* An output directory under the exhibit that is missing or empty:
 * NAME, else NAME-2, NAME-3 ... (what an interrupted run left stays). */
static char *
out_dir(struct triage *t, const char *ex, const char *name)
{
	char *p, *base;
	int k;

	base = xprintf("%s/exhibits/%s", t->casedir, ex);
	(void)mkdir_p(base);
	p = xprintf("%s/%s", base, name);
	for (k = 2; !dir_free(p) && k < 1000; k++) {
		free(p);
		p = xprintf("%s/%s-%d", base, name, k);
	}
	free(base);
	return p;
}

/* Does a raw image have an acquisition record (IMAGE.json or
 * IMAGE-without-extension.json) beside it? */
static int
has_record(const char *path)
{
	struct stat st;
	const char *dot, *slash;
	char *p;
	int ok;

	p = xprintf("%s.json", path);
	ok = stat(p, &st) == 0;
	free(p);
	if (ok)
		return 1;
	dot = strrchr(path, '.');
	slash = strrchr(path, '/');
	if (dot != NULL && (slash == NULL || dot > slash)) {
		/* IMAGE.raw -> IMAGE.json (the extension may be shorter) */
		p = xprintf("%.*s.json", (int)(dot - path), path);
		ok = stat(p, &st) == 0;
		free(p);
	}
	return ok;
}

static void
source_digest(struct etk_case *kase, struct src *sr)
{
	struct etk_error err = { 0 };
	struct stat st;

	if (stat(sr->arg, &st) != 0) {
		sr->missing = errno;
		return;
	}
	if (input_digest(kase, sr->arg, sr->digest, &err) != 0)
		sr->digest[0] = '\0';	/* steps then key by path below */
}

/* The -j workers: input digests, each worker with its own case handle
 * (the handle's statements are not shared between threads). */
static void *
digest_worker(void *arg)
{
	struct triage *t = arg;
	struct etk_error err = { 0 };
	struct etk_case *kase = NULL;
	size_t i;

	if (etk_case_open(&kase, t->casedir, &err) != ETK_OK)
		kase = NULL;
	for (;;) {
		pthread_mutex_lock(&t->mu);
		i = t->next++;
		pthread_mutex_unlock(&t->mu);
		if (i >= t->nsrc)
			break;
		if (t->mine != NULL && !t->mine[i])
			continue;	/* another shard's */
		if (kase != NULL)
			source_digest(kase, &t->srcs[i]);
		else if (access(t->srcs[i].arg, F_OK) != 0)
			t->srcs[i].missing = errno;
	}
	etk_case_close(kase);
	return NULL;
}

static void
digests(struct triage *t)
{
	pthread_t th[64];
	size_t n, k, started = 0;

	n = (size_t)(t->threads > 0 ? t->threads : 1);
	if (n > t->nsrc)
		n = t->nsrc;
	if (n > 64)
		n = 64;
	pthread_mutex_init(&t->mu, NULL);
	t->next = 0;
	if (n <= 1) {
		for (k = 0; k < t->nsrc; k++)
			if (t->mine == NULL || t->mine[k])
				source_digest(t->cmd->kase, &t->srcs[k]);
	} else {
		for (k = 0; k < n; k++)
			if (pthread_create(&th[started], NULL, digest_worker,
			    t) == 0)
				started++;
		if (started == 0)
			digest_worker(t);
		for (k = 0; k < started; k++)
			pthread_join(th[k], NULL);
	}
	pthread_mutex_destroy(&t->mu);
}

/* The digest the step keys use for path: the content digest, or when
 * it could not be computed the path itself (so a re-run retries). */
static void
path_key(struct worker *w, const char *path, const char *digest,
    char out[65])
{
	struct keyctx k;
	struct etk_error err = { 0 };

	if (digest != NULL && digest[0] != '\0') {
		memcpy(out, digest, 65);
		return;
	}
	if (input_digest(w->kase, path, out, &err) == 0)
		return;
	if (key_begin(&k) != 0) {
		etk_warnx("out of memory");
		exit(ETK_EXIT_FAILURE);
	}
	key_add(&k, "unhashed-path", path);
	key_add(&k, "run", "");
	{
		char nonce[32];

		snprintf(nonce, sizeof(nonce), "%ld-%ld", (long)getpid(),
		    (long)time(NULL));
		key_add(&k, "nonce", nonce);	/* never matches again */
	}
	key_end(&k, out);
}

/* A new image name under the exhibit: image.E01 (or .raw), else
 * image-2..., so that neither the image nor its record (image.json)
 * exists. */
static char *
image_target(struct triage *t, const char *ex)
{
	static const char *const exts[] = { "E01", "raw", "json", "001",
	    "E02" };
	struct stat st;
	char *dir, *base, *p;
	size_t k;
	int n, taken;

	dir = xprintf("%s/exhibits/%s", t->casedir, ex);
	(void)mkdir_p(dir);
	for (n = 1; ; n++) {
		base = n == 1 ? xprintf("%s/image", dir) :
		    xprintf("%s/image-%d", dir, n);
		for (taken = 0, k = 0; k < sizeof(exts) / sizeof(exts[0]) &&
		    !taken; k++) {
			p = xprintf("%s.%s", base, exts[k]);
			taken = lstat(p, &st) == 0;
			free(p);
		}
		if (!taken || n > 1000)
			break;
		free(base);
	}
	p = xprintf("%s.%s", base, strcmp(t->acq_format, "raw") == 0 ?
	    "raw" : "E01");
	free(base);
	free(dir);
	return p;
}

/* The -o argument of the etk-image run at journal line seq, when that
 * image is still there; NULL otherwise. */
static char *
journal_target(struct triage *t, uint64_t seq)
{
	struct etk_jval *doc = NULL;
	const struct etk_jval *av;
	struct stat st;
	char *p, *line = NULL, *r = NULL;
	size_t cap = 0;
	ssize_t len;
	uint64_t n = 0;
	FILE *fp;
	size_t k;

	p = xprintf("%s/journal.jsonl", t->casedir);
	fp = fopen(p, "r");
	free(p);
	if (fp == NULL)
		return NULL;
	while ((len = getline(&line, &cap, fp)) > 0)
		if (++n == seq)
			break;
	fclose(fp);
	if (n == seq && len > 0 && etk_json_parse(line, (size_t)len, &doc,
	    NULL) == ETK_OK && (av = etk_jval_get(etk_jval_get(doc, "tool"),
	    "argv")) != NULL &&
	    av->type == ETK_JARR && av->n > 0 &&
	    av->items[0]->type == ETK_JSTR &&
	    strcmp(av->items[0]->str, "etk-image") == 0)
		for (k = 1; k + 1 < av->n; k++)
			if (av->items[k]->type == ETK_JSTR &&
			    strcmp(av->items[k]->str, "-o") == 0 &&
			    av->items[k + 1]->type == ETK_JSTR) {
				if (stat(av->items[k + 1]->str, &st) == 0)
					r = xstrdup(av->items[k + 1]->str);
				break;
			}
	etk_jval_free(doc);
	free(line);
	return r;
}

static void
process(struct worker *w, size_t i)
{
	struct triage *t = w->t;
	struct src *sr = &t->srcs[i];
	char key[65];
	const char *wd[40];
	char *dir, *target = NULL;
	size_t n, k;
	enum step_id s;

	for (s = 0; s < S__COUNT; s++) {
		sr->steps[s].st = ST_OFF;
		sr->steps[s].exit = -1;
	}
	sr->path = xstrdup(sr->arg);
	if (sr->missing != 0) {
		char *why = xprintf("%s: %s", sr->arg, strerror(sr->missing));

		etk_warnx("%s", why);
		for (s = t->acquire ? S_ACQUIRE : S_VERIFY; s < S__COUNT; s++)
			if (!((s == S_HASH && t->no_hash) ||
			    (s == S_EXTRACT && t->no_extract) ||
			    (s == S_CARVE && t->no_carve))) {
				struct step *sp = &sr->steps[s];

				sp->st = ST_ERROR;
				sp->why = xstrdup(why);
				show_step(t, i, s);
			}
		free(why);
		return;
	}
	path_key(w, sr->arg, sr->digest, key);
	if (t->acquire) {
		char ka[65];
		uint64_t seq;
		int ex;

		step_key(t, S_ACQUIRE, key, ka);
		if (db_done(w, ka, &seq, &ex) != 0 ||
		    (target = journal_target(t, seq)) == NULL)
			target = image_target(t, sr->ex);
		wd[0] = "image";
		wd[1] = "-f";
		wd[2] = t->acq_format;
		wd[3] = "--verify";
		wd[4] = "-o";
		wd[5] = target;
		do_step(w, i, S_ACQUIRE, key, wd, 6, sr->arg);
		if (sr->steps[S_ACQUIRE].st == ST_ERROR) {
			for (s = S_VERIFY; s < S__COUNT; s++)
				if (!((s == S_HASH && t->no_hash) ||
				    (s == S_EXTRACT && t->no_extract) ||
				    (s == S_CARVE && t->no_carve)))
					not_run(t, i, s, "acquire failed");
			free(target);
			return;
		}
		free(sr->path);
		sr->path = target;
		path_key(w, sr->path, NULL, key);
	}
	/* verify */
	if (has_suffix_ci(sr->path, ".E01") || has_suffix_ci(sr->path,
	    ".Ex01") || has_record(sr->path)) {
		wd[0] = "verify";
		do_step(w, i, S_VERIFY, key, wd, 1, sr->path);
	} else {
		sr->steps[S_VERIFY].st = ST_NOTHING;
		show_step(t, i, S_VERIFY);
	}
	/* list */
	wd[0] = "ls";
	wd[1] = "-r";
	do_step(w, i, S_LIST, key, wd, 2, sr->path);
	if (!t->no_hash) {
		n = 0;
		wd[n++] = "hash";
		wd[n++] = "-c";
		wd[n++] = "md5,sha1,sha256";
		for (k = 0; k < t->nknown; k++) {
			wd[n++] = "--known";
			wd[n++] = t->known[k];
		}
		for (k = 0; k < t->nalert; k++) {
			wd[n++] = "--alert";
			wd[n++] = t->alert[k];
		}
		do_step(w, i, S_HASH, key, wd, n, sr->path);
	}
	if (!t->no_extract) {
		char kx[65];
		uint64_t seq;
		int ex;

		step_key(t, S_EXTRACT, key, kx);
		dir = db_done(w, kx, &seq, &ex) == 0 ? xstrdup("") :
		    out_dir(t, sr->ex, "extract");
		wd[0] = "extract";
		wd[1] = "-o";
		wd[2] = dir;
		do_step(w, i, S_EXTRACT, key, wd, 3, sr->path);
		free(dir);
	}
	if (!t->no_carve) {
		char kc[65];
		uint64_t seq;
		int ex;

		step_key(t, S_CARVE, key, kc);
		dir = db_done(w, kc, &seq, &ex) == 0 ? xstrdup("") :
		    out_dir(t, sr->ex, "carve");
		wd[0] = "carve";
		wd[1] = "-o";
		wd[2] = dir;
		do_step(w, i, S_CARVE, key, wd, 3, sr->path);
		free(dir);
	}
}

/* ---- journal entries ---- */

static int
step_failed(const struct step *sp)
{
	return sp->st == ST_ERROR || sp->st == ST_NOTRUN;
}

/* "tool": name, version, argv as typed (as the other commands write
 * it). */
static void
tool_obj(struct triage *t, struct etk_json *j)
{
	int i;

	etk_json_key(j, "tool");
	etk_json_obj_begin(j);
	etk_json_kstr(j, "name", "etk-triage");
	etk_json_kstr(j, "version", etk_version());
	etk_json_key(j, "argv");
	etk_json_arr_begin(j);
	etk_json_str(j, "etk-triage");	/* the name, not the path */
	for (i = 1; i < t->cmd->argc; i++)
		etk_json_str(j, t->cmd->argv0 != NULL ? t->cmd->argv0[i] :
		    t->cmd->argv[i]);
	etk_json_arr_end(j);
	etk_json_obj_end(j);
}

static void
source_entry(struct worker *w, size_t i, int64_t t0s, int32_t t0ns)
{
	struct triage *t = w->t;
	struct etk_error err = { 0 };
	const struct src *sr = &t->srcs[i];
	struct etk_json j;
	struct etk_buf b;
	enum step_id s;
	int worst = ETK_EXIT_OK;

	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	tool_obj(t, &j);
	etk_json_key(&j, "inputs");
	etk_json_arr_begin(&j);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "path", sr->arg);
	etk_json_kstr(&j, "sha256", sr->digest[0] ? sr->digest : NULL);
	etk_json_obj_end(&j);
	etk_json_arr_end(&j);
	etk_json_key(&j, "triage");
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "source", sr->arg);
	etk_json_kstr(&j, "exhibit", sr->ex);
	if (strcmp(sr->path, sr->arg) != 0)
		etk_json_kstr(&j, "image", sr->path);
	etk_json_key(&j, "steps");
	etk_json_arr_begin(&j);
	for (s = 0; s < S__COUNT; s++) {
		const struct step *sp = &sr->steps[s];

		if (sp->st == ST_OFF)
			continue;
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "step", step_name[s]);
		etk_json_kstr(&j, "status", status_name[sp->st]);
		if (sp->exit >= 0)
			etk_json_kint(&j, "exit", sp->exit);
		if (sp->seq != 0)
			etk_json_kuint(&j, sp->st == ST_SKIPPED ? "done_at" :
			    "journal_seq", sp->seq);
		if (sp->st != ST_SKIPPED && sp->st != ST_NOTHING) {
			etk_json_key(&j, "seconds");
			etk_json_double(&j, sp->seconds);
		}
		if (sp->why != NULL)
			etk_json_kstr(&j, "error", sp->why);
		if (sp->log != NULL) {
			size_t cl = strlen(t->casedir);

			etk_json_kstr(&j, "log", strncmp(sp->log, t->casedir,
			    cl) == 0 && sp->log[cl] == '/' ? sp->log + cl + 1 :
			    sp->log);
		}
		etk_json_obj_end(&j);
		if (step_failed(sp) || sp->st == ST_PARTIAL)
			worst = ETK_EXIT_PARTIAL;
	}
	etk_json_arr_end(&j);
	etk_json_obj_end(&j);
	etk_json_kint(&j, "exit", worst);
	etk_json_obj_end(&j);
	if (b.oom || etk_journal_append(w->kase, "analyse", t0s, t0ns,
	    b.data, NULL, &err) != ETK_OK) {
		pthread_mutex_lock(&t->out_mu);
		etk_warnx("journal: %s", b.oom ? "out of memory" : err.msg);
		t->status = etk_exit_worst(t->status, ETK_EXIT_FAILURE);
		pthread_mutex_unlock(&t->out_mu);
	}
	etk_buf_release(&b);
}

/* ---- the source workers ---- */

/* Did a step of the source run (or fail) in this run?  A shard run
 * again, its steps all skipped, appends nothing. */
static int
source_new(const struct src *sr)
{
	enum step_id s;

	for (s = 0; s < S__COUNT; s++)
		if (sr->steps[s].st != ST_OFF &&
		    sr->steps[s].st != ST_SKIPPED &&
		    sr->steps[s].st != ST_NOTHING)
			return 1;
	return 0;
}

/* May source i run now: no source with the same path or content is
 * being processed (its tools would run with the same argv, and its
 * steps are skipped once the other has done them)?  Under t->mu. */
static int
may_start(const struct triage *t, size_t i)
{
	const struct src *a = &t->srcs[i], *b;
	size_t k;

	for (k = 0; k < t->nsrc; k++) {
		if (!t->busy[k])
			continue;
		b = &t->srcs[k];
		if (strcmp(a->arg, b->arg) == 0 || (a->digest[0] != '\0' &&
		    strcmp(a->digest, b->digest) == 0))
			return 0;
	}
	return 1;
}

/* Take the first source not taken that may start now, waiting while
 * the only ones left have a twin in progress; SIZE_MAX when none is
 * left.  Under t->mu. */
static size_t
claim(struct triage *t)
{
	size_t i;
	int left;

	for (;;) {
		left = 0;
		for (i = 0; i < t->nsrc; i++) {
			if (t->claimed[i])
				continue;
			left = 1;
			if (may_start(t, i)) {
				t->claimed[i] = t->busy[i] = 1;
				return i;
			}
		}
		if (!left)
			return SIZE_MAX;
		pthread_cond_wait(&t->cv, &t->mu);
	}
}

static void *
source_worker(void *arg)
{
	struct worker *w = arg;
	struct triage *t = w->t;
	struct etk_error err = { 0 };
	int64_t s0s;
	int32_t s0ns;
	size_t i;

	if (etk_case_open(&w->kase, t->casedir, &err) != ETK_OK) {
		pthread_mutex_lock(&t->out_mu);
		etk_warnx("%s: %s", t->casedir, err.msg);
		pthread_mutex_unlock(&t->out_mu);
		w->kase = NULL;
	}
	if (w->kase != NULL && db_open(t, &w->db, 0) != 0) {
		sqlite3_close(w->db);
		w->db = NULL;
	}
	if (w->kase == NULL || w->db == NULL) {
		/* Leave the sources to the other workers (or to the
		 * main thread's own). */
		etk_case_close(w->kase);
		w->kase = NULL;
		return NULL;
	}
	pthread_mutex_lock(&t->mu);
	while ((i = claim(t)) != SIZE_MAX) {
		pthread_mutex_unlock(&t->mu);
		etk_time_now(&s0s, &s0ns);
		process(w, i);
		if (!t->sharded || source_new(&t->srcs[i]))
			source_entry(w, i, s0s, s0ns);
		pthread_mutex_lock(&t->mu);
		t->busy[i] = 0;
		pthread_cond_broadcast(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
	sqlite3_close(w->db);
	w->db = NULL;
	etk_case_close(w->kase);
	w->kase = NULL;
	return NULL;
}

/* Up to n workers over the sources; each source is processed once.
 * 0, or -1 when no worker could start. */
static int
run_sources(struct triage *t, size_t n)
{
	struct worker *ws;
	pthread_t *th;
	size_t k, started = 0;
	int rc = 0;

	t->claimed = calloc(t->nsrc, 1);
	t->busy = calloc(t->nsrc, 1);
	ws = calloc(n, sizeof(*ws));
	th = calloc(n, sizeof(*th));
	if (t->claimed == NULL || t->busy == NULL || ws == NULL ||
	    th == NULL) {
		etk_warnx("out of memory");
		exit(ETK_EXIT_FAILURE);
	}
	/* Another shard's sources are not ours to take. */
	for (k = 0; k < t->nsrc; k++)
		if (t->mine != NULL && !t->mine[k])
			t->claimed[k] = 1;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	for (k = 0; k < n; k++) {
		ws[k].t = t;
		if (n == 1 || pthread_create(&th[started], NULL,
		    source_worker, &ws[k]) != 0)
			break;
		started++;
	}
	if (started == 0)
		(void)source_worker(&ws[0]);
	for (k = 0; k < started; k++)
		pthread_join(th[k], NULL);
	/* Workers that could not open the case left sources. */
	for (k = 0; k < t->nsrc; k++)
		if (!t->claimed[k])
			rc = -1;
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(th);
	free(ws);
	return rc;
}

/* The evidence rows, in source order, as etk-ls and etk-hash make them
 * (the name and kind of the opened evidence, the input's size and
 * digest): the tools then find them, and the rows' ids do not depend
 * on which worker's tool came first.  A shard makes the rows of every
 * source, in source order, but hashes only its own: another shard's
 * row gets its size and digest from that shard (or the tools, or the
 * final run).  Shards racing to make a row: the loser finds it. */
static void
register_evidence(struct triage *t)
{
	struct etk_error err = { 0 };
	struct etk_evidence *ev;
	struct stat st;
	char hex[65];
	uint64_t size;
	size_t i;
	int tries, rc;

	for (i = 0; i < t->nsrc; i++) {
		const struct src *sr = &t->srcs[i];
		int ours = t->mine == NULL || t->mine[i];

		if (ours && sr->missing != 0)
			continue;
		if (!ours) {
			if (stat(sr->arg, &st) != 0)
				continue;	/* its shard reports it */
			size = (uint64_t)st.st_size;
		} else if (etk_case_input_sha256(t->cmd->kase, sr->arg, hex,
		    &size, &err) != ETK_OK) {
			etk_error_clear(&err);
			continue;
		}
		if (etk_evidence_open(&ev, sr->arg, &err) != ETK_OK) {
			/* The tools report it. */
			etk_error_clear(&err);
			continue;
		}
		for (tries = t->sharded ? 2 : 1; tries > 0; tries--) {
			rc = etk_case_db_evidence(t->cmd->kase,
			    etk_evidence_name(ev), sr->arg,
			    etk_evidence_kind_name(ev), size,
			    ours ? hex : NULL, NULL, &err);
			if (rc == ETK_OK || rc == ETK_EMISMATCH)
				break;
			if (tries > 1)
				etk_error_clear(&err);
		}
		if (rc != ETK_OK) {
			etk_warnx("%s: case database: %s", sr->arg, err.msg);
			etk_error_clear(&err);
		}
		etk_evidence_close(ev);
	}
}

/* ---- manifests and report ---- */

struct outlist {
	struct etk_buf json;	/* array members */
	int n;
};

static void
out_add(struct triage *t, struct outlist *o, const char *path,
    const char *sha, size_t size)
{
	struct etk_json j;
	size_t cl = strlen(t->casedir);

	if (o->n++ > 0)
		etk_buf_addc(&o->json, ',');
	etk_json_init(&j, &o->json);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "path", strncmp(path, t->casedir, cl) == 0 &&
	    path[cl] == '/' ? path + cl + 1 : path);
	etk_json_kstr(&j, "sha256", sha);
	etk_json_kuint(&j, "size", size);
	etk_json_obj_end(&j);
}

/* Write data to a new file path (never over one).  0 or -1. */
static int
write_new(struct triage *t, struct outlist *o, const char *path,
    const struct etk_buf *data)
{
	struct etk_error err = { 0 };
	char sha[65];

	if (etk_write_file_atomic(path, data->data, data->len, 0, sha, &err) !=
	    ETK_OK) {
		etk_warnx("%s: %s", path, err.msg);
		return -1;
	}
	out_add(t, o, path, sha, data->len);
	return 0;
}

static int
manifests(struct triage *t, struct outlist *o, uint64_t upto)
{
	static const struct {
		enum etk_manifest_format f;
		const char *ext;
	} fm[] = {
		{ ETK_MANIFEST_JSON, "json" },
		{ ETK_MANIFEST_CASE, "case.json" },
		{ ETK_MANIFEST_HTML, "html" }
	};
	struct etk_manifest_opts mo;
	struct etk_error err = { 0 };
	struct etk_buf b;
	size_t k;
	char *p;
	int rc = 0;

	for (k = 0; k < sizeof(fm) / sizeof(fm[0]); k++) {
		memset(&mo, 0, sizeof(mo));
		mo.upto = upto;
		etk_buf_init(&b);
		p = xprintf("%s/reports/manifest-%06" PRIu64 ".%s", t->casedir,
		    upto, fm[k].ext);
		if (etk_manifest_build(t->casedir, fm[k].f, &mo, &b, &err) !=
		    ETK_OK) {
			etk_warnx("manifest: %s", err.msg);
			etk_error_clear(&err);
			rc = -1;
		} else if (b.oom) {
			etk_warnx("manifest: out of memory");
			rc = -1;
		} else if (write_new(t, o, p, &b) != 0)
			rc = -1;
		free(p);
		etk_buf_release(&b);
	}
	return rc;
}

static int
same_bytes(const char *path, const struct etk_buf *b)
{
	FILE *fp;
	char buf[65536];
	size_t n, off = 0;
	int same = 1;

	if ((fp = fopen(path, "rb")) == NULL)
		return 0;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		if (off + n > b->len || memcmp(buf, b->data + off, n) != 0) {
			same = 0;
			break;
		}
		off += n;
	}
	fclose(fp);
	return same && off == b->len;
}

static int
report(struct triage *t, struct outlist *o, uint64_t upto)
{
	struct etk_report_opts ro;
	struct etk_error err = { 0 };
	struct etk_buf b;
	struct stat st;
	char *p, *idx, *old;
	int rc = 0, k;

	memset(&ro, 0, sizeof(ro));
	ro.upto = upto;
	etk_buf_init(&b);
	if (etk_report_build(t->casedir, &ro, &b, &err) != ETK_OK || b.oom) {
		etk_warnx("report: %s", b.oom ? "out of memory" : err.msg);
		etk_buf_release(&b);
		return -1;
	}
	p = xprintf("%s/reports/report-%06" PRIu64 ".html", t->casedir, upto);
	if (write_new(t, o, p, &b) != 0)
		rc = -1;
	free(p);
	idx = xprintf("%s/reports/index.html", t->casedir);
	if (lstat(idx, &st) == 0 && same_bytes(idx, &b)) {
		free(idx);
		etk_buf_release(&b);
		return rc;
	}
	if (lstat(idx, &st) == 0) {
		/* Keep the old index under a name of its own: link, then
		 * unlink, so nothing is ever overwritten. */
		for (k = 1; ; k++) {
			old = xprintf("%s/reports/index-old-%d.html",
			    t->casedir, k);
			if (link(idx, old) == 0)
				break;
			if (errno != EEXIST || k > 10000) {
				etk_warnx("%s: cannot keep the old index: %s",
				    old, strerror(errno));
				free(old);
				free(idx);
				etk_buf_release(&b);
				return -1;
			}
			free(old);
		}
		if (unlink(idx) != 0) {
			etk_warnx("%s: %s", idx, strerror(errno));
			rc = -1;
		}
		free(old);
	}
	if (write_new(t, o, idx, &b) != 0)
		rc = -1;
	free(idx);
	etk_buf_release(&b);
	return rc;
}

static void
final_entry(struct triage *t, struct outlist *o, int status, int64_t t0s,
    int32_t t0ns)
{
	struct etk_error err = { 0 };
	struct etk_json j;
	struct etk_buf b;
	size_t i;
	enum step_id s;

	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	tool_obj(t, &j);
	{
		char *arr = xprintf("[%.*s]", (int)o->json.len,
		    o->json.data != NULL ? o->json.data : "");

		etk_json_key(&j, "outputs");
		etk_json_raw(&j, arr);
		free(arr);
	}
	etk_json_key(&j, "triage");
	etk_json_obj_begin(&j);
	etk_json_key(&j, "sources");
	etk_json_arr_begin(&j);
	for (i = 0; i < t->nsrc; i++) {
		int bad = 0;

		for (s = 0; s < S__COUNT; s++)
			bad |= step_failed(&t->srcs[i].steps[s]);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "source", t->srcs[i].arg);
		etk_json_kstr(&j, "exhibit", t->srcs[i].ex);
		etk_json_kstr(&j, "status", bad ? "error" : "done");
		etk_json_obj_end(&j);
	}
	etk_json_arr_end(&j);
	etk_json_obj_end(&j);
	etk_json_kint(&j, "exit", status);
	etk_json_obj_end(&j);
	if (b.oom || etk_journal_append(t->cmd->kase, "analyse", t0s, t0ns,
	    b.data, NULL, &err) != ETK_OK) {
		etk_warnx("journal: %s", b.oom ? "out of memory" : err.msg);
		t->status = etk_exit_worst(t->status, ETK_EXIT_FAILURE);
	}
	etk_buf_release(&b);
}

/* ---- the case ---- */

static int
make_case(struct triage *t, const char *dir, const char *number,
    const char *examiner, const char *agency)
{
	const char *argv[16];
	char *why = NULL;
	size_t n = 0;
	int rc;

	/* etk-init makes the directory, not its parents. */
	{
		char *parent = xstrdup(dir), *slash = strrchr(parent, '/');

		while (slash != NULL && slash > parent && slash[1] == '\0') {
			*slash = '\0';
			slash = strrchr(parent, '/');
		}
		if (slash != NULL && slash > parent) {
			*slash = '\0';
			if (mkdir_p(parent) != 0)
				etk_warnx("%s: %s", parent, strerror(errno));
		}
		free(parent);
	}
	argv[n++] = "etk-init";
	argv[n++] = "-q";
	argv[n++] = "--case";
	argv[n++] = number;
	argv[n++] = "--examiner";
	argv[n++] = examiner;
	if (agency != NULL) {
		argv[n++] = "--agency";
		argv[n++] = agency;
	}
	argv[n++] = "--";
	argv[n++] = dir;
	argv[n] = NULL;
	/* etk-init's messages go to our standard error as they are. */
	{
		posix_spawn_file_actions_t fa;
		char path[PATH_MAX];
		pid_t pid;
		int st;

		rc = snprintf(path, sizeof(path), "%s/etk-init", t->selfdir);
		if (t->selfdir[0] == '\0' || rc < 0 ||
		    (size_t)rc >= sizeof(path) || !is_exec(path))
			snprintf(path, sizeof(path), "etk-init");
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
		    O_RDONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
		    O_WRONLY, 0);
		fflush(stdout);
		fflush(stderr);
		rc = strchr(path, '/') != NULL ?
		    posix_spawn(&pid, path, &fa, NULL, (char *const *)argv,
		    environ) : posix_spawnp(&pid, path, &fa, NULL,
		    (char *const *)argv, environ);
		posix_spawn_file_actions_destroy(&fa);
		if (rc != 0) {
			why = xprintf("cannot run etk-init: %s", strerror(rc));
			rc = -1;
		} else {
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		}
	}
	if (rc != 0) {
		etk_warnx("cannot make case '%s'%s%s", dir, why ? ": " : "",
		    why ? why : "");
		free(why);
		return -1;
	}
	return 0;
}

/* Make the case under a lock, unless another run made it meanwhile (two
 * shards, or any two runs, started on a case that is not there): the
 * lock is the file .BASE.etk-triage.lock beside the case directory,
 * taken with flock(2) and removed once the case is there.  0, or -1
 * (message given). */
static int
make_case_locked(struct triage *t, const char *dir, const char *number,
    const char *examiner, const char *agency)
{
	struct stat st, fst;
	char *parent, *slash, *lock;
	const char *base;
	int fd = -1, rc = -1;

	parent = xstrdup(dir);
	while ((slash = strrchr(parent, '/')) != NULL && slash > parent &&
	    slash[1] == '\0')
		*slash = '\0';
	if (slash == NULL) {
		base = parent;
		lock = xprintf(".%s.etk-triage.lock", base);
	} else {
		*slash = '\0';
		base = slash + 1;
		if (slash > parent && mkdir_p(parent) != 0)
			etk_warnx("%s: %s", parent, strerror(errno));
		lock = xprintf("%s/.%s.etk-triage.lock", slash == parent ?
		    "" : parent, base);
	}
	/* The lock file may be removed by its holder between our open and
	 * our flock: then lock the new one. */
	for (;;) {
		if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0) {
			etk_warnx("%s: %s", lock, strerror(errno));
			goto out;
		}
		while (flock(fd, LOCK_EX) != 0)
			if (errno != EINTR) {
				etk_warnx("%s: cannot lock: %s", lock,
				    strerror(errno));
				goto out;
			}
		if (fstat(fd, &fst) == 0 && stat(lock, &st) == 0 &&
		    st.st_dev == fst.st_dev && st.st_ino == fst.st_ino)
			break;
		close(fd);
		fd = -1;
	}
	if (etk_case_is_dir(dir))
		rc = 0;		/* another run made it */
	else if (lstat(dir, &st) == 0 && !(S_ISDIR(st.st_mode) &&
	    dir_free(dir)))
		etk_warnx("'%s' exists and is not a case directory", dir);
	else if (make_case(t, dir, number, examiner, agency) == 0)
		rc = 0;
	(void)unlink(lock);
out:
	if (fd >= 0)
		close(fd);	/* releases the lock */
	free(lock);
	free(parent);
	return rc;
}

/* Which sources are this shard's: in the order given, each goes to the
 * shard with the fewest bytes so far (the lowest K on a tie); a source
 * weighs its size (stat(2); 0 when missing) plus 1 MiB.  The same
 * source twice (same path, or same file) goes where it went first, so
 * that its twins never run at once in two shards. */
static void
assign_shards(struct triage *t)
{
	struct stat st;
	uint64_t *load, w;
	size_t *shard_of, i, j;
	dev_t *dev;
	ino_t *ino;
	unsigned char *ok;
	uint64_t k, best, m;

	/* Shards past the number of sources get none. */
	m = t->shard_n < t->nsrc ? t->shard_n : t->nsrc;
	load = calloc((size_t)m, sizeof(*load));
	shard_of = calloc(t->nsrc, sizeof(*shard_of));
	dev = calloc(t->nsrc, sizeof(*dev));
	ino = calloc(t->nsrc, sizeof(*ino));
	ok = calloc(t->nsrc, 1);
	t->mine = calloc(t->nsrc, 1);
	if (load == NULL || shard_of == NULL || dev == NULL || ino == NULL ||
	    ok == NULL || t->mine == NULL) {
		etk_warnx("out of memory");
		exit(ETK_EXIT_FAILURE);
	}
	for (i = 0; i < t->nsrc; i++) {
		w = 1024 * 1024;
		if (stat(t->srcs[i].arg, &st) == 0) {
			ok[i] = 1;
			dev[i] = st.st_dev;
			ino[i] = st.st_ino;
			if (st.st_size > 0)
				w += (uint64_t)st.st_size;
		}
		for (j = 0; j < i; j++)
			if (strcmp(t->srcs[j].arg, t->srcs[i].arg) == 0 ||
			    (ok[i] && ok[j] && dev[i] == dev[j] &&
			    ino[i] == ino[j]))
				break;
		if (j < i)
			best = shard_of[j];
		else
			for (best = 0, k = 1; k < m; k++)
				if (load[k] < load[best])
					best = k;
		shard_of[i] = (size_t)best;
		load[best] += w;
		if (best == t->shard_k) {
			t->mine[i] = 1;
			t->nmine++;
		}
	}
	free(load);
	free(shard_of);
	free(dev);
	free(ino);
	free(ok);
}

static int
read_sets(struct triage *t)
{
	struct keyctx k;
	struct etk_error err = { 0 };
	char hex[65];
	uint64_t size;
	const char *b;
	size_t i;

	if (key_begin(&k) != 0)
		return -1;
	for (i = 0; i < t->nknown + t->nalert; i++) {
		const char *p = i < t->nknown ? t->known[i] :
		    t->alert[i - t->nknown];

		if (etk_file_sha256(p, hex, &size, &err) != ETK_OK) {
			etk_warnx("%s: %s", p, err.msg);
			key_end(&k, hex);
			return -1;
		}
		b = strrchr(p, '/');
		key_add(&k, i < t->nknown ? "known" : "alert", hex);
		key_add(&k, "name", b != NULL ? b + 1 : p);
	}
	key_end(&k, t->setkey);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		ETK_COMMON_LONGOPTS,
		{ "output",	required_argument,	NULL, 'o' },
		{ "case-number", required_argument,	NULL, OPT_CASE_NUMBER },
		{ "examiner",	required_argument,	NULL, OPT_EXAMINER },
		{ "agency",	required_argument,	NULL, OPT_AGENCY },
		{ "known",	required_argument,	NULL, OPT_KNOWN },
		{ "alert",	required_argument,	NULL, OPT_ALERT },
		{ "acquire",	no_argument,		NULL, OPT_ACQUIRE },
		{ "acquire-format", required_argument,	NULL,
		    OPT_ACQUIRE_FORMAT },
		{ "no-carve",	no_argument,		NULL, OPT_NO_CARVE },
		{ "no-extract",	no_argument,		NULL, OPT_NO_EXTRACT },
		{ "no-hash",	no_argument,		NULL, OPT_NO_HASH },
		{ "shard",	required_argument,	NULL, OPT_SHARD },
		{ NULL,		0,			NULL, 0 }
	};
	struct etk_cmd cmd;
	struct triage t;
	struct outlist o;
	struct etk_error err = { 0 };
	const char *outdir = NULL, *number = NULL, *examiner = NULL;
	const char *agency = NULL;
	int64_t t0s;
	int32_t t0ns;
	uint64_t upto;
	size_t i, k, nwork;
	int ch, acq_fmt_given = 0, status = ETK_EXIT_OK;
	int transient = 0, permanent = 0, tempfail = 0;
	char why[256];
	enum step_id s;

	memset(&t, 0, sizeof(t));
	t.acq_format = "e01";
	if (etk_cmd_begin(&cmd, "etk-triage", argc, argv) != 0)
		return cmd.exit_now;
	while ((ch = getopt_long(argc, argv, ETK_COMMON_SHORTOPTS "o:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			outdir = optarg;
			break;
		case OPT_CASE_NUMBER:
			number = optarg;
			break;
		case OPT_EXAMINER:
			examiner = optarg;
			break;
		case OPT_AGENCY:
			agency = optarg;
			break;
		case OPT_KNOWN:
		case OPT_ALERT:
			if (t.nknown + t.nalert >= MAX_SETS)
				return etk_cmd_usage_error(&cmd, usage,
				    "at most %d hash sets", MAX_SETS);
			if (ch == OPT_KNOWN)
				t.known[t.nknown++] = optarg;
			else
				t.alert[t.nalert++] = optarg;
			break;
		case OPT_ACQUIRE:
			t.acquire = 1;
			break;
		case OPT_ACQUIRE_FORMAT:
			if (strcmp(optarg, "e01") != 0 &&
			    strcmp(optarg, "raw") != 0)
				return etk_cmd_usage_error(&cmd, usage,
				    "bad acquire format '%s': expected e01 or "
				    "raw", optarg);
			t.acq_format = optarg;
			acq_fmt_given = 1;
			break;
		case OPT_NO_CARVE:
			t.no_carve = 1;
			break;
		case OPT_NO_EXTRACT:
			t.no_extract = 1;
			break;
		case OPT_NO_HASH:
			t.no_hash = 1;
			break;
		case OPT_SHARD:
			if (etk_cmd_parse_shard(optarg, &t.shard_k, &t.shard_n,
			    why, sizeof(why)) != 0)
				return etk_cmd_usage_error(&cmd, usage, "%s",
				    why);
			t.sharded = 1;
			break;
		default:
			if (etk_cmd_common_opt(&cmd, ch, optarg, usage) !=
			    ETK_OPT_HANDLED)
				return etk_cmd_leave(&cmd, cmd.exit_now);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return etk_cmd_usage_error(&cmd, usage, "no source given");
	if (acq_fmt_given && !t.acquire)
		return etk_cmd_usage_error(&cmd, usage,
		    "--acquire-format needs --acquire");
	if (t.no_hash && (t.nknown > 0 || t.nalert > 0))
		return etk_cmd_usage_error(&cmd, usage,
		    "--known and --alert need hashing (no --no-hash)");
	if (outdir != NULL) {
		cmd.case_dir = outdir;
		cmd.case_explicit = 1;
	}
	if (cmd.case_dir == NULL && (cmd.case_dir = ".", !etk_case_is_dir(".")))
		return etk_cmd_usage_error(&cmd, usage, "no case directory: "
		    "give -o CASEDIR (or --case, ETK_CASE)");
	t.cmd = &cmd;
	t.casedir = cmd.case_dir;
	t.threads = cmd.threads > 0 ? cmd.threads : 1;
	t.show_progress = !cmd.quiet && (cmd.progress == ETK_PROGRESS_ON ||
	    (cmd.progress == ETK_PROGRESS_AUTO && isatty(STDERR_FILENO)));
	find_selfdir(t.selfdir, sizeof(t.selfdir));
	if (read_sets(&t) != 0)
		return etk_cmd_leave(&cmd, ETK_EXIT_FAILURE);
	if (!etk_case_is_dir(t.casedir)) {
		struct stat st;

		if (number == NULL || examiner == NULL)
			return etk_cmd_usage_error(&cmd, usage, "'%s' is not a "
			    "case directory: to make one, give --case-number "
			    "ID and --examiner NAME", t.casedir);
		if (lstat(t.casedir, &st) == 0 && !S_ISDIR(st.st_mode)) {
			etk_warnx("'%s' exists and is not a case directory",
			    t.casedir);
			return etk_cmd_leave(&cmd, ETK_EXIT_FAILURE);
		}
		if (make_case_locked(&t, t.casedir, number, examiner,
		    agency) != 0)
			return etk_cmd_leave(&cmd, ETK_EXIT_FAILURE);
	}
	/* The tools are given the case by its absolute path: with a
	 * relative --case and -o, etk-extract records its outputs' paths
	 * relative to the current directory, not to the case, and the
	 * case then does not verify. */
	if ((abscase = realpath(t.casedir, NULL)) != NULL)
		t.casedir = cmd.case_dir = abscase;
	if (etk_cmd_open_case(&cmd) != 0)
		return cmd.exit_now;
	if (cmd.kase == NULL) {
		etk_warnx("'%s': cannot open the case", t.casedir);
		return etk_cmd_leave(&cmd, ETK_EXIT_FAILURE);
	}
	/* Shards must work on the case they were meant for: another run
	 * may have made it. */
	if (t.sharded && ((number != NULL && strcmp(number,
	    etk_case_id(cmd.kase)) != 0) || (examiner != NULL &&
	    etk_case_examiner(cmd.kase) != NULL &&
	    strcmp(examiner, etk_case_examiner(cmd.kase)) != 0))) {
		etk_warnx("'%s' is case %s of examiner %s, not that of "
		    "--case-number and --examiner", t.casedir,
		    etk_case_id(cmd.kase), etk_case_examiner(cmd.kase) != NULL ?
		    etk_case_examiner(cmd.kase) : "?");
		return etk_cmd_end(&cmd, NULL, ETK_EXIT_USAGE);
	}
	if (number != NULL && strcmp(number, etk_case_id(cmd.kase)) != 0)
		etk_warnx("'%s' is case %s; --case-number %s not used",
		    t.casedir, etk_case_id(cmd.kase), number);
	if (db_open(&t, &t.db, 1) != 0) {
		/* Another shard's run holding the database: retry later. */
		int busy = t.db != NULL && (sqlite3_errcode(t.db) ==
		    SQLITE_BUSY || sqlite3_errcode(t.db) == SQLITE_LOCKED);

		sqlite3_close(t.db);
		return etk_cmd_end(&cmd, NULL, t.sharded && busy ?
		    ETK_EXIT_TEMPFAIL : ETK_EXIT_FAILURE);
	}
	/* The workers have their own connections. */
	sqlite3_close(t.db);
	t.db = NULL;
	for (i = 0; i < 3; i++) {
		static const char *const sub[] = { "logs", "reports",
		    "exhibits" };
		char *p = xprintf("%s/%s", t.casedir, sub[i]);

		if (mkdir_p(p) != 0)
			etk_warnx("%s: %s", p, strerror(errno));
		free(p);
	}
	t.run_tag = journal_seq(t.casedir) + 1;
	t.nsrc = (size_t)argc;
	if ((t.srcs = calloc(t.nsrc, sizeof(*t.srcs))) == NULL) {
		etk_warnx("out of memory");
		return etk_cmd_end(&cmd, NULL, ETK_EXIT_FAILURE);
	}
	for (i = 0; i < t.nsrc; i++) {
		char base[128];
		int dup = 1;

		t.srcs[i].arg = argv[i];
		exhibit_name(argv[i], base, sizeof(base));
		snprintf(t.srcs[i].ex, sizeof(t.srcs[i].ex), "%s", base);
		/* The same source twice keeps one name; another source
		 * with the same base name gets -2, -3 ... */
		for (k = 0; k < i; k++) {
			if (strcmp(t.srcs[k].arg, argv[i]) == 0) {
				/* k < i: two distinct, equal-sized arrays */
				memcpy(t.srcs[i].ex, t.srcs[k].ex,
				    sizeof(t.srcs[i].ex));
				break;
			}
			if (strcmp(t.srcs[k].ex, t.srcs[i].ex) == 0) {
				if (snprintf(t.srcs[i].ex, sizeof(t.srcs[i].ex),
				    "%s-%d", base, ++dup) < 0)
					t.srcs[i].ex[0] = '\0';
				k = (size_t)-1;	/* check the new name again */
			}
		}
	}
	if (t.sharded)
		assign_shards(&t);
	else
		t.nmine = t.nsrc;
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	/* W workers, each tool -j max(1, N / W): about N threads in all. */
	nwork = (size_t)t.threads < t.nmine ? (size_t)t.threads : t.nmine;
	if (nwork > 64)
		nwork = 64;
	if (nwork == 0)
		nwork = 1;	/* a shard without sources: no worker runs */
	t.tool_threads = t.threads / (int)nwork > 1 ?
	    t.threads / (int)nwork : 1;
	pthread_mutex_init(&t.out_mu, NULL);
	digests(&t);
	register_evidence(&t);
	etk_time_now(&t0s, &t0ns);
	if (run_sources(&t, nwork) != 0)
		for (i = 0; i < t.nsrc; i++) {
			if (t.claimed[i])
				continue;
			t.srcs[i].path = xstrdup(t.srcs[i].arg);
			for (s = 0; s < S__COUNT; s++) {
				t.srcs[i].steps[s].st = ST_OFF;
				t.srcs[i].steps[s].exit = -1;
			}
			for (s = t.acquire ? S_ACQUIRE : S_VERIFY; s < S__COUNT;
			    s++)
				if (!((s == S_HASH && t.no_hash) ||
				    (s == S_EXTRACT && t.no_extract) ||
				    (s == S_CARVE && t.no_carve)))
					not_run(&t, i, s,
					    "the case could not be opened");
		}
	/* The summary in source order, whatever order they finished. */
	for (i = 0; i < t.nsrc; i++) {
		for (s = 0; s < S__COUNT; s++) {
			const struct step *sp = &t.srcs[i].steps[s];
			char scope[200];
			enum etk_outcome oc;

			if (sp->st == ST_OFF)
				continue;
			snprintf(scope, sizeof(scope), "%s:%s", t.srcs[i].ex,
			    step_name[s]);
			oc = step_failed(sp) ? ETK_OUTCOME_ERROR :
			    sp->st == ST_SKIPPED ? ETK_OUTCOME_SKIPPED :
			    sp->st == ST_NOTHING ? ETK_OUTCOME_EMPTY :
			    sp->st == ST_PARTIAL ? ETK_OUTCOME_ERROR :
			    ETK_OUTCOME_OK;
			/* count 1 for failures too: a failed step makes the
			 * run partial (3), never a total failure (1). */
			etk_summary_add(cmd.sum, scope, "step", oc,
			    oc == ETK_OUTCOME_SKIPPED ||
			    oc == ETK_OUTCOME_EMPTY ? 0 : 1, sp->why);
			if (step_failed(sp) || sp->st == ST_PARTIAL)
				status = ETK_EXIT_PARTIAL;
			/* A tool that failed for a transient reason (75),
			 * or was stopped: a shard run again may finish. */
			if (step_failed(sp)) {
				if (sp->exit == ETK_EXIT_TEMPFAIL ||
				    (sp->st == ST_NOTRUN && interrupted))
					transient = 1;
				else
					permanent = 1;
			}
		}
	}
	if (t.sharded) {
		/* The manifests, report and seal need every source: the
		 * final run without --shard makes them. */
		status = etk_exit_worst(status, t.status);
		if (interrupted)
			etk_warnx("interrupted");
		/* 75 rather than the summary's partial (3) */
		tempfail = interrupted || (transient && !permanent);
		goto done;
	}
	/* The manifests and the report cover the journal up to here. */
	memset(&o, 0, sizeof(o));
	etk_buf_init(&o.json);
	upto = journal_seq(t.casedir);
	if (t.show_progress && !interrupted)
		fputs("manifest and report ...\n", stderr);
	if (interrupted) {
		etk_warnx("interrupted: no manifest or report made");
		status = etk_exit_worst(status, ETK_EXIT_FAILURE);
	} else if (manifests(&t, &o, upto) != 0) {
		status = ETK_EXIT_PARTIAL;
		etk_summary_add(cmd.sum, "manifest", "step", ETK_OUTCOME_ERROR,
		    1, NULL);
	} else
		etk_summary_add(cmd.sum, "manifest", "step", ETK_OUTCOME_OK, 1,
		    NULL);
	if (interrupted)
		;
	else if (report(&t, &o, upto) != 0) {
		status = ETK_EXIT_PARTIAL;
		etk_summary_add(cmd.sum, "report", "step", ETK_OUTCOME_ERROR,
		    1, NULL);
	} else
		etk_summary_add(cmd.sum, "report", "step", ETK_OUTCOME_OK, 1,
		    NULL);
	if (!cmd.json && !cmd.quiet && !interrupted)
		printf("report: %s/reports/index.html\n", t.casedir);
	status = etk_exit_worst(status, t.status);
	final_entry(&t, &o, status, t0s, t0ns);
	if (etk_case_seal(cmd.kase, "etk triage", NULL, &err) != ETK_OK) {
		etk_warnx("seal: %s", err.msg);
		status = etk_exit_worst(status, ETK_EXIT_FAILURE);
	}
	etk_buf_release(&o.json);
done:
	free(t.mine);
	free(t.claimed);
	free(t.busy);
	pthread_mutex_destroy(&t.out_mu);
	for (i = 0; i < t.nsrc; i++) {
		free(t.srcs[i].path);
		for (s = 0; s < S__COUNT; s++) {
			free(t.srcs[i].steps[s].why);
			free(t.srcs[i].steps[s].log);
		}
	}
	free(t.srcs);
	if (tempfail && (status == ETK_EXIT_PARTIAL || status == ETK_EXIT_OK))
		status = ETK_EXIT_TEMPFAIL;
	status = etk_cmd_end(&cmd, NULL, status);
	free(abscase);
	abscase = NULL;
	return status;
}
