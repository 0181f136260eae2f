/*
 * lib/cmdutil: what every etk command shares.  Option parsing of the
 * common flags, messages with the "etk-NAME: " prefix, the case
 * directory, the journal entry each run records, the run summary, JSON
 * Lines output.  Not part of libetk's public API.
 *
 * A command's life:
 *
 *	struct etk_cmd cmd;
 *	etk_cmd_begin(&cmd, "etk-ls", argc, argv);
 *	while ((ch = getopt_long(argc, argv, "hVqj:" "rdl", longopts, NULL)) != -1)
 *		switch (ch) {
 *		case 'r': ...; break;
 *		default:
 *			switch (etk_cmd_common_opt(&cmd, ch, optarg, usage)) {
 *			case ETK_OPT_HANDLED: break;
 *			default: return cmd.exit_now;  // -h, -V, or usage error
 *			}
 *		}
 *	if (etk_cmd_open_case(&cmd) != 0) return cmd.exit_now;
 *	etk_cmd_input(&cmd, path);		// journal inputs[] (hashed in a case)
 *	... etk_cmd_emit(&cmd, &jsonline) / printf for text ...
 *	etk_summary_add(cmd.sum, ...);
 *	return etk_cmd_end(&cmd, "analyse", status);	// summary, journal, exit
 */
#ifndef ETK_CMDUTIL_H
#define ETK_CMDUTIL_H

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <etk/etk.h>

/* Long-only option codes shared by every command. */
enum {
	ETK_OPT_JSON = 1000,
	ETK_OPT_CASE,
	ETK_OPT_PROGRESS,
	ETK_OPT_NO_PROGRESS,
	ETK_OPT_PLAN,		/* the sharding options (ETK_SHARD_LONGOPTS) */
	ETK_OPT_PRINT_PLAN,
	ETK_OPT_SHARD,
	ETK_OPT_SHARD_OUT,
	ETK_OPT_FIRST_PRIVATE = 1100	/* commands number theirs from here */
};

/* Put these rows in each command's longopts table (then its own, then
 * the terminating zero row). */
#define ETK_COMMON_LONGOPTS \
	{ "case",	required_argument,	NULL, ETK_OPT_CASE }, \
	{ "help",	no_argument,		NULL, 'h' }, \
	{ "json",	no_argument,		NULL, ETK_OPT_JSON }, \
	{ "no-progress", no_argument,		NULL, ETK_OPT_NO_PROGRESS }, \
	{ "progress",	no_argument,		NULL, ETK_OPT_PROGRESS }, \
	{ "quiet",	no_argument,		NULL, 'q' }, \
	{ "threads",	required_argument,	NULL, 'j' }, \
	{ "version",	no_argument,		NULL, 'V' }
/* Short options for the common flags, to prefix each optstring (the
 * leading colon makes getopt report a missing argument as the option
 * character ":" instead of printing its own message). */
#define ETK_COMMON_SHORTOPTS ":hVqj:"

/* Help text lines for the common flags, printed by etk_cmd_usage_common. */

struct etk_cmd {
	const char *name;		/* "etk-ls" */
	int argc;
	char **argv;
	char **argv0;			/* argv as typed (getopt_long permutes
					 * argv); recorded in the journal */
	int json;			/* --json */
	int quiet;			/* -q */
	int threads;			/* -j N, default: cores */
	enum etk_progress_mode progress;
	const char *case_dir;		/* --case, ETK_CASE, or cwd */
	int case_explicit;		/* given by --case or ETK_CASE */
	struct etk_case *kase;		/* open case, or NULL */
	struct etk_summary *sum;	/* always valid after begin */
	int64_t t0;			/* start time (journal only) */
	int32_t t0_ns;
	struct etk_buf inputs;		/* JSON array members, comma-joined */
	struct etk_buf outputs;
	struct etk_buf errors;
	struct etk_buf scope;		/* JSON object members, or empty */
	unsigned nerrors;
	int exit_now;			/* set when a helper says "exit" */
	struct etk_cmd_shard *shard;	/* a --shard-out run, or NULL */
};

/* Result of etk_cmd_common_opt. */
enum {
	ETK_OPT_HANDLED = 0,
	ETK_OPT_EXIT = 1	/* return cmd->exit_now from main */
};

/* usage(FILE *) prints the command's synopsis (same words as the man
 * page SYNOPSIS) and, for -h, its option list. */
typedef void (*etk_usage_fn)(FILE *);

void etk_setprogname(const char *argv0, const char *fallback);
const char *etk_getprogname(void);
/* "etk-NAME: message\n" on stderr. */
void etk_warnx(const char *fmt, ...) ETK_PRINTFLIKE(1, 2);
/* Print "etk-NAME etk VERSION" and the linked library versions. */
void etk_print_version(void);

/* Begin a run: program name, start time, empty summary, defaults
 * (threads = online cores, progress = auto), ETK_CASE.  Sets locale-
 * independent behaviour (LC_ALL is not consulted for data output).
 * Returns 0, or non-zero with exit_now set. */
int etk_cmd_begin(struct etk_cmd *, const char *name, int argc, char **argv);

/* Every helper that sets exit_now (options -h/-V, usage errors, a case
 * that cannot be opened) has already freed the run's state; calling
 * etk_cmd_end afterwards is allowed and only returns status. */

/* Handle a common option (ch from getopt_long).  -h prints usage to
 * stdout (exit 0); -V the version (exit 0); an unknown option or bad
 * argument prints "etk-NAME: bad option 'x'" and usage to stderr and
 * sets exit 2.  Returns ETK_OPT_HANDLED or ETK_OPT_EXIT. */
int etk_cmd_common_opt(struct etk_cmd *, int ch, const char *optarg,
    etk_usage_fn usage);

/* Print the option lines of the common flags (for -h). */
void etk_cmd_usage_common(FILE *);

/* Report a usage error: message, usage to stderr; returns 2. */
int etk_cmd_usage_error(struct etk_cmd *, etk_usage_fn usage,
    const char *fmt, ...) ETK_PRINTFLIKE(3, 4);

/* Open the case if one was named (--case, ETK_CASE) or the current
 * directory is a case directory.  A named case that cannot be opened is
 * an error (message; exit_now = 1, or 4 when its journal does not
 * verify).  Returns 0 when there is no case or it opened. */
int etk_cmd_open_case(struct etk_cmd *);

/* Record an evidence input in the journal entry (path, size, sha256
 * when a case is open: cached per case).  Errors are not fatal. */
void etk_cmd_input(struct etk_cmd *, const char *path);
/* Record an input file that is not evidence and whose SHA-256 the
 * command already has (a shard file etk merge checked): path, size,
 * sha256; nothing is read again. */
void etk_cmd_input_file(struct etk_cmd *, const char *path,
    const char *sha256, uint64_t size);
/* Record an output file (path relative to the case when inside it).
 * derived_json: a JSON object text for "derived_from", or NULL. */
void etk_cmd_output(struct etk_cmd *, const char *path, const char *sha256,
    uint64_t size, const char *derived_json);
/* Record what the run was limited to (etk extract --what, --since,
 * ...): key and a JSON value text, in the journal entry's "scope"
 * object. */
void etk_cmd_scope(struct etk_cmd *, const char *key, const char *json);
/* Print "etk-NAME: <err->msg>" (unless quiet and the error is expected)
 * and record it in the journal entry's errors[]. */
void etk_cmd_error(struct etk_cmd *, const struct etk_error *);

/* Write one JSON Lines record (buf holds one JSON object) to stdout. */
void etk_cmd_emit(struct etk_cmd *, const struct etk_buf *record);

/* End a run: print the summary (the last --json record, or text lines on
 * stderr unless -q), append the journal entry of type jtype when a case
 * is open (inputs, outputs, errors, summary, exit), free everything.
 * Returns the exit status: the worst of status and what the summary
 * implies (but 75, transient, stays 75 over a partial or failed
 * summary). */
int etk_cmd_end(struct etk_cmd *, const char *jtype, int status);

/* Leave before the run did anything (after -h, -V, a usage error, a
 * case that does not open): free the run's state, print no summary and
 * write no journal entry; returns status.  Safe after any helper that
 * already released. */
int etk_cmd_leave(struct etk_cmd *, int status);

/* Parse a non-negative integer with optional K/M/G/T (binary) suffix;
 * returns 0 on success. */
int etk_parse_size(const char *s, uint64_t *out);

/* --shard: "K/N", or "N" with K from ETK_SHARD, SLURM_ARRAY_TASK_ID,
 * JOB_COMPLETION_INDEX or PARALLEL_SEQ (1-based), the first one set
 * (SCALE.md).  Returns 0, or -1 with a one-line message in why. */
int etk_cmd_parse_shard(const char *arg, uint64_t *k, uint64_t *n,
    char *why, size_t whylen);

/* printf into a new string (NULL when out of memory). */
char *etk_cmd_asprintf(const char *fmt, ...) ETK_PRINTFLIKE(1, 2);
char *etk_cmd_vasprintf(const char *fmt, va_list);
/* A small file (plans, done-records: at most max bytes) into b (reset
 * first).  0, or -1 (errno set; ENOSPC when it is over max). */
int etk_cmd_read_small(const char *path, size_t max, struct etk_buf *b);

/* ---- sharded runs (lib/cmdutil/shard.c; SCALE.md §4.1) ---- */
/* Begin shard K of N of a run whose plan is plan_id, writing into dir
 * (created if needed): cmd->kase becomes the shard's database (the
 * etk_case_db_* calls work on it; no journal).  Returns 0 to go on;
 * 1 when the shard is already done (message printed; exit_now = 0):
 * return cmd->exit_now; -1 on error (message; exit_now set: 75 when the
 * directory cannot be written for a transient reason, 2 when a
 * done-record of another plan is there). */
int etk_cmd_shard_begin(struct etk_cmd *, const char *dir, const char *tool,
    uint64_t k, uint64_t n, const char *plan_id);
int etk_cmd_shard_active(const struct etk_cmd *);
/* Called by etk_cmd_end. */
int etk_cmd_shard_end(struct etk_cmd *, int status, const char *inputs,
    size_t ilen);
/* The identity of a source for a plan: {"name", "size",
 * "head_tail_sha256"} of its first and last MiB; -1 when unreadable. */
int etk_cmd_source_identity(const char *path, struct etk_json *);
/* SHA-256 (hex) of a canonical plan text. */
void etk_cmd_plan_id(const void *canon, size_t len, char hex[65]);

/* The sharding options of a command whose work splits (hash, carve,
 * extract): put ETK_SHARD_LONGOPTS in its longopts, hand each option to
 * etk_cmd_shard_opt, then check the combination with
 * etk_cmd_shard_check. */
#define ETK_SHARD_LONGOPTS \
	{ "plan",	required_argument,	NULL, ETK_OPT_PLAN }, \
	{ "print-plan",	required_argument,	NULL, ETK_OPT_PRINT_PLAN }, \
	{ "shard",	required_argument,	NULL, ETK_OPT_SHARD }, \
	{ "shard-out",	required_argument,	NULL, ETK_OPT_SHARD_OUT }
struct etk_cmd_shardopts {
	uint64_t k, n;		/* --shard K/N (n == 0: not sharded) */
	const char *out;	/* --shard-out DIR */
	const char *plan;	/* --plan FILE */
	uint64_t print_plan;	/* --print-plan N (used by etk plan) */
};
/* 1: ch was a sharding option, taken; 0: it was not one; -1: a bad
 * value (message and usage printed; return 2 from main). */
int etk_cmd_shard_opt(struct etk_cmd *, struct etk_cmd_shardopts *, int ch,
    const char *optarg, etk_usage_fn usage);
/* The combinations: --shard-out and --plan need --shard, --print-plan
 * runs no shard, --shard-out is not for a --case run.  0, or -1 (message
 * and usage printed; return 2). */
int etk_cmd_shard_check(struct etk_cmd *, const struct etk_cmd_shardopts *,
    etk_usage_fn usage);

/* A shard plan (lib/cmdutil/plan.c). */
struct etk_cmd_plan {
	const char *tool;
	uint64_t n;
	struct etk_buf canon;	/* canonical members (the id's input) */
	char id[65];
	uint64_t *first, *end, *bytes;	/* per shard, set by the tool */
};
/* The plan of tool with n shards, these options (a JSON object text,
 * fixed member order) and sources (identities read: first and last MiB).
 * Returns 0, or -1 with a message in why. */
int etk_cmd_plan_init(struct etk_cmd_plan *, const char *tool, uint64_t n,
    const char *options_json, char *const *sources, size_t nsrc,
    char *why, size_t whylen);
void etk_cmd_plan_free(struct etk_cmd_plan *);
/* Write the plan (id, members, unit, shards) as one JSON line. */
int etk_cmd_plan_print(const struct etk_cmd_plan *, const char *unit,
    FILE *);
/* Take the shards' bounds from a plan file, which must have this plan's
 * id.  Returns 0, or -1 with a message in why. */
int etk_cmd_plan_read(struct etk_cmd_plan *, const char *file, char *why,
    size_t whylen);

/* etk_cmd_plan_init with options (a JSON object text in a buffer) and,
 * with plan_path, the bounds from that plan file (*from_file = 1); else
 * the caller computes them.  Returns 0, or an exit status with the
 * message printed and nothing to free (1: a source unreadable, 2: a
 * plan file of another plan). */
int etk_cmd_plan_open(struct etk_cmd_plan *, const char *tool, uint64_t n,
    const struct etk_buf *options, char *const *sources, size_t nsrc,
    const char *plan_path, int *from_file);

#endif /* ETK_CMDUTIL_H */
