/*
 * etk-extract: messages, calls, contacts and pictures out of a phone
 * dump (image, E01, folder, TAR, ZIP, iOS or Android backup), with the
 * POLE entities and links built from them.
 *
 * The work is etk_extract (lib/extract/run.c): databases found by
 * content, copied with their -wal/-journal and parsed by every artifact
 * that recognises them, pictures found by libmagic.  This file parses
 * the options, prints the records (--json), loads them into the case
 * database, records the scope and every output in the journal, and ends
 * with the summary.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <etk/extract.h>
#include <etk/json.h>

#include "cmdutil.h"

enum {
	OPT_COUNTRY = ETK_OPT_FIRST_PRIVATE,
	OPT_LIST,
	OPT_PASSWORD_FILE,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_WHAT
};

static volatile int interrupted;

struct xrun {
	struct etk_cmd *cmd;
	const char *dir;
	struct etk_case *kase;	/* with a case database open */
	uint64_t action;
	int out_failed;
	int out_errno;
	struct etk_buf tmp;
};

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void
usage(FILE *fp)
{
	if (fp != stdout)
		fprintf(fp, "%s: ", etk_getprogname());
	fprintf(fp, "usage: %s [-hqV] [-j N] [--case DIR] [--country CC] "
	    "[--json] [--list]\n"
	    "       [--password-file FILE] [--plan FILE] [--shard K/N] "
	    "[--shard-out DIR]\n"
	    "       [--since T] [--until T] [--what LIST] -o DIR source\n",
	    etk_getprogname());
	if (fp != stdout)
		return;
	fputs("options:\n"
	    "  -o, --output DIR    write the records to DIR/*.jsonl and "
	    "DIR/pole/, the\n"
	    "                      pictures and attachments to DIR/images/ "
	    "and\n"
	    "                      DIR/attachments/ (DIR must be missing or "
	    "empty)\n"
	    "      --what LIST     messages,calls,contacts,images,pole "
	    "(default: all)\n"
	    "      --since T       leave out records before T (RFC 3339 or "
	    "YYYY-MM-DD, UTC)\n"
	    "      --until T       leave out records after T (a date: the "
	    "whole day kept)\n"
	    "      --country CC    calling code for national numbers "
	    "(e.g. 44)\n"
	    "      --list          list the artifacts and their paths, then "
	    "exit\n"
	    "      --shard K/N     only part K of N of the source's files "
	    "(contiguous, balanced\n"
	    "                      by bytes; not with pole in --what)\n"
	    "      --shard-out DIR write the shard's records to "
	    "DIR/shard-K.db and a done-record\n"
	    "      --plan FILE     take the shards' bounds from a plan made by "
	    "etk plan\n"
	    "      --password-file FILE\n"
	    "                      password of an encrypted iOS backup: "
	    "the first line of FILE\n"
	    "                      (default: the file named by "
	    "ETK_PASSWORD_FILE)\n", fp);
	etk_cmd_usage_common(fp);
}

static int
on_record(const char *kind, const char *json, size_t len, void *arg)
{
	struct xrun *r = arg;

	(void)kind;
	if (fwrite(json, 1, len, stdout) != len || putchar('\n') == EOF) {
		r->out_failed = 1;
		r->out_errno = errno;
		return 1;
	}
	return 0;
}

static void
on_output(const char *rel, const char *sha, uint64_t size, const char *from,
    void *arg)
{
	struct xrun *r = arg;
	struct etk_buf d;
	struct etk_json j;

	etk_buf_reset(&r->tmp);
	etk_buf_printf(&r->tmp, "%s/%s", r->dir, rel);
	etk_buf_init(&d);
	if (from != NULL) {
		etk_json_init(&j, &d);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "locator", from);
		etk_json_obj_end(&j);
	}
	if (!r->tmp.oom && !d.oom)
		etk_cmd_output(r->cmd, r->tmp.data, sha, size, from != NULL ?
		    d.data : NULL);
	etk_buf_release(&d);
}

static void
on_warn(const char *item, const char *why, void *arg)
{
	struct xrun *r = arg;
	struct etk_error err = { 0 };

	etk_fail(&err, ETK_EFORMAT, 0, "%s: %s", item, why);
	etk_cmd_error(r->cmd, &err);
}

static int
open_case_db(struct xrun *r, const char *path, const char *pwfile)
{
	struct etk_error err = { 0 };
	struct etk_case *kase = r->cmd->kase;
	struct etk_evidence *ev = NULL;
	struct etk_source *src;
	char hex[65];
	uint64_t isize = 0;
	char *name = NULL, *kind = NULL;
	int64_t evid = 0;
	struct etk_evidence_opts eo;
	int have = 0, rc = -1;

	memset(&eo, 0, sizeof(eo));
	eo.password_file = pwfile;
	if (etk_evidence_open_opts(&ev, path, &eo, &err) != ETK_OK)
		return -1;	/* etk_extract_run reports it */
	name = strdup(etk_evidence_name(ev));
	kind = strdup(etk_evidence_kind_name(ev));
	if ((src = etk_evidence_source(ev)) != NULL)
		isize = etk_source_size(src);
	etk_evidence_close(ev);
	if (name == NULL || kind == NULL)
		goto out;
	/* A shard does not read its whole input: the merge hashes it. */
	if (!etk_cmd_shard_active(r->cmd))
		have = etk_case_input_sha256(kase, path, hex, &isize, &err) ==
		    ETK_OK;
	etk_error_clear(&err);
	if (etk_case_db_evidence(kase, name, path, kind, isize,
	    have ? hex : NULL, &evid, &err) != ETK_OK ||
	    etk_case_db_begin(kase, &err) != ETK_OK) {
		etk_wrap(&err, "case database");
		etk_cmd_error(r->cmd, &err);
		goto out;
	}
	/* Rows are numbered with the journal entry when it is appended. */
	r->action = 0;
	r->kase = kase;
	rc = 0;
out:
	free(name);
	free(kind);
	return rc;
}

/* The plan of this run (SCALE.md §4.1): what decides the records (the
 * kinds, the time window, the calling code) and the source; the bounds
 * from a plan file or a metadata walk of the source's file index. */
static int
extract_plan(struct etk_cmd_plan *sp, uint64_t n,
    const struct etk_extract_opts *o, const char *plan_path, char *source)
{
	struct etk_error err = { 0 };
	struct etk_json j;
	struct etk_buf b;
	uint64_t *bounds, k;
	char t[ETK_TIME_MAX];
	int rc, from_file;
	char *srcs[1];

	srcs[0] = source;
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_kuint(&j, "what", o->what);
	etk_json_key(&j, "since");
	if (o->has_since) {
		etk_time_format(o->since_s, o->since_ns, t);
		etk_json_str(&j, t);
	} else
		etk_json_null(&j);
	etk_json_key(&j, "until_before");
	if (o->has_until) {
		etk_time_format(o->until_s, o->until_ns, t);
		etk_json_str(&j, t);
	} else
		etk_json_null(&j);
	etk_json_kstr(&j, "country", o->country);
	etk_json_obj_end(&j);
	rc = etk_cmd_plan_open(sp, "extract", n, &b, srcs, 1, plan_path,
	    &from_file);
	etk_buf_release(&b);
	if (rc != ETK_EXIT_OK || from_file)
		return rc;
	if ((bounds = calloc((size_t)n + 1, sizeof(*bounds))) == NULL) {
		etk_cmd_plan_free(sp);
		return ETK_EXIT_FAILURE;
	}
	if (etk_extract_split(source, o, n, bounds, sp->bytes, &err) !=
	    ETK_OK) {
		etk_warnx("cannot plan shards: %s", err.msg);
		free(bounds);
		etk_cmd_plan_free(sp);
		return err.code == ETK_EINVAL ? ETK_EXIT_USAGE :
		    ETK_EXIT_FAILURE;
	}
	for (k = 0; k < n; k++) {
		sp->first[k] = bounds[k];
		sp->end[k] = bounds[k + 1];
	}
	free(bounds);
	return 0;
}

static void
scope_time(struct etk_cmd *cmd, const char *key, int has, int64_t s,
    int32_t ns)
{
	char t[ETK_TIME_MAX], q[ETK_TIME_MAX + 4];

	if (!has)
		return;
	etk_time_format(s, ns, t);
	snprintf(q, sizeof(q), "\"%s\"", t);
	etk_cmd_scope(cmd, key, q);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		ETK_COMMON_LONGOPTS,
		ETK_SHARD_LONGOPTS,
		{ "country",	required_argument,	NULL, OPT_COUNTRY },
		{ "list",	no_argument,		NULL, OPT_LIST },
		{ "output",	required_argument,	NULL, 'o' },
		{ "password-file", required_argument,	NULL, OPT_PASSWORD_FILE },
		{ "since",	required_argument,	NULL, OPT_SINCE },
		{ "until",	required_argument,	NULL, OPT_UNTIL },
		{ "what",	required_argument,	NULL, OPT_WHAT },
		{ NULL,		0,			NULL, 0 }
	};
	struct etk_cmd cmd;
	struct etk_error err = { 0 };
	struct etk_extract_opts o;
	struct etk_extract_result res;
	struct etk_extract *x = NULL;
	struct etk_progress *pg = NULL;
	struct etk_buf list;
	struct sigaction sa;
	struct xrun r;
	const char *what_arg = "all";
	struct etk_cmd_shardopts so;
	struct etk_cmd_plan sp;
	char q[64];
	size_t i;
	int ch, rc, list_only = 0, status = ETK_EXIT_OK;

	if (etk_cmd_begin(&cmd, "etk-extract", argc, argv) != 0)
		return cmd.exit_now;
	memset(&r, 0, sizeof(r));
	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	memset(&so, 0, sizeof(so));
	r.cmd = &cmd;
	o.what = ETK_EXTRACT_ALL;
	while ((ch = getopt_long(argc, argv, ETK_COMMON_SHORTOPTS "o:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			r.dir = optarg;
			break;
		case OPT_COUNTRY:
			for (i = optarg[0] == '+' ? 1 : 0; optarg[i] >= '0' &&
			    optarg[i] <= '9'; i++)
				;
			if (optarg[i] != '\0' || i == 0 || optarg[i - 1] ==
			    '+' || strlen(optarg) > 4 || optarg[optarg[0] ==
			    '+'] == '0')
				return etk_cmd_leave(&cmd, etk_cmd_usage_error(
				    &cmd, usage, "bad country calling code "
				    "'%s': expected 1 to 3 digits (44, 1, "
				    "353)", optarg));
			o.country = optarg[0] == '+' ? optarg + 1 : optarg;
			break;
		case OPT_LIST:
			list_only = 1;
			break;
		case OPT_PASSWORD_FILE:
			o.password_file = optarg;
			break;
		case OPT_SINCE:
			if (etk_extract_parse_time(optarg, 0, &o.since_s,
			    &o.since_ns) != 0)
				return etk_cmd_leave(&cmd, etk_cmd_usage_error(
				    &cmd, usage, "bad time '%s': expected "
				    "RFC 3339 or YYYY-MM-DD", optarg));
			o.has_since = 1;
			break;
		case OPT_UNTIL:
			if (etk_extract_parse_time(optarg, 1, &o.until_s,
			    &o.until_ns) != 0)
				return etk_cmd_leave(&cmd, etk_cmd_usage_error(
				    &cmd, usage, "bad time '%s': expected "
				    "RFC 3339 or YYYY-MM-DD", optarg));
			/* An instant is kept itself: the bound is just
			 * past it. */
			if (strlen(optarg) > 10 && ++o.until_ns ==
			    1000000000) {
				o.until_ns = 0;
				o.until_s++;
			}
			o.has_until = 1;
			break;
		case OPT_WHAT:
			if (etk_extract_parse_what(optarg, &o.what) != 0)
				return etk_cmd_leave(&cmd, etk_cmd_usage_error(
				    &cmd, usage, "bad --what '%s': expected "
				    "messages,calls,contacts,images,pole or "
				    "all", optarg));
			what_arg = optarg;
			break;
		default:
			if ((rc = etk_cmd_shard_opt(&cmd, &so, ch, optarg,
			    usage)) < 0 || (rc == 0 && etk_cmd_common_opt(&cmd,
			    ch, optarg, usage) != ETK_OPT_HANDLED))
				return etk_cmd_leave(&cmd, cmd.exit_now);
		}
	}
	argc -= optind;
	argv += optind;
	if (list_only) {
		etk_buf_init(&list);
		etk_extract_artifacts(&list);
		fwrite(list.data, 1, list.len, stdout);
		etk_buf_release(&list);
		return etk_cmd_leave(&cmd, fflush(stdout) == 0 ?
		    ETK_EXIT_OK : ETK_EXIT_FAILURE);
	}
	if (argc < 1)
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "no source given"));
	if (argc > 1)
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "one source at a time (got %d)", argc));
	if (r.dir == NULL && !cmd.json && so.print_plan == 0)
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "no output directory given (-o DIR)"));
	if (etk_cmd_shard_check(&cmd, &so, usage) != 0)
		return etk_cmd_leave(&cmd, cmd.exit_now);
	if ((so.n != 0 || so.print_plan != 0) && (o.what & ETK_EXTRACT_POLE))
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "POLE indexes a whole run: a shard cannot build it (give "
		    "--what without pole, e.g. messages,calls,contacts,"
		    "images)"));
	if (o.has_since && o.has_until && (o.since_s > o.until_s ||
	    (o.since_s == o.until_s && o.since_ns >= o.until_ns)))
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "--since is not before --until"));

	/* From here on an interrupt is recorded, not fatal: a shard's
	 * database may exist from the next step. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (so.n != 0 || so.print_plan != 0) {
		if ((rc = extract_plan(&sp, so.print_plan != 0 ? so.print_plan :
		    so.n, &o, so.plan, argv[0])) != 0)
			return etk_cmd_leave(&cmd, rc);
		if (so.print_plan != 0) {
			rc = etk_cmd_plan_print(&sp, "file", stdout) != 0 ?
			    ETK_EXIT_FAILURE : ETK_EXIT_OK;
			etk_cmd_plan_free(&sp);
			return etk_cmd_leave(&cmd, rc);
		}
		o.use_range = 1;
		o.range_first = sp.first[so.k];
		o.range_end = sp.end[so.k];
		rc = so.out == NULL ? 0 : etk_cmd_shard_begin(&cmd,
		    so.out, "extract", so.k, so.n, sp.id);
		etk_cmd_plan_free(&sp);
		if (rc != 0)
			return cmd.exit_now;
	}
	if (so.out == NULL && etk_cmd_open_case(&cmd) != 0)
		return etk_cmd_leave(&cmd, cmd.exit_now);
	etk_buf_init(&r.tmp);
	etk_cmd_input(&cmd, argv[0]);
	etk_buf_reset(&r.tmp);
	etk_json_quote(&r.tmp, what_arg, strlen(what_arg));
	etk_cmd_scope(&cmd, "what", r.tmp.data);
	scope_time(&cmd, "since", o.has_since, o.since_s, o.since_ns);
	scope_time(&cmd, "until_before", o.has_until, o.until_s, o.until_ns);
	if (o.country != NULL) {
		snprintf(q, sizeof(q), "\"%s\"", o.country);
		etk_cmd_scope(&cmd, "country", q);
	}

	if (!cmd.quiet || cmd.progress == ETK_PROGRESS_ON)
		(void)etk_progress_new(&pg, stderr, cmd.progress, "extract", 0,
		    &err);
	etk_error_clear(&err);
	o.outdir = r.dir;
	o.threads = cmd.threads;
	o.progress = pg;
	o.interrupt = &interrupted;
	o.on_record = cmd.json ? on_record : NULL;
	o.on_output = on_output;
	o.on_warn = on_warn;
	o.arg = &r;
	/* The records go into the case database as they are made. */
	if (cmd.kase != NULL && open_case_db(&r, argv[0], o.password_file) != 0)
		status = etk_exit_worst(status, ETK_EXIT_FAILURE);
	o.kase = r.kase;
	o.action = r.action;
	if (etk_extract_new(&x, &o, &err) != ETK_OK) {
		etk_cmd_error(&cmd, &err);
		status = etk_exit_worst(status, ETK_EXIT_FAILURE);
	} else if ((rc = etk_extract_run(x, argv[0], cmd.sum, &err)) !=
	    ETK_OK) {
		etk_cmd_error(&cmd, &err);
		etk_summary_add(cmd.sum, argv[0], "source", ETK_OUTCOME_ERROR,
		    0, err.msg);
		/* EINVAL: the caller's input (a wrong or missing backup
		 * password); nothing was read. */
		status = etk_exit_worst(status, rc == ETK_EINVAL ?
		    ETK_EXIT_USAGE : ETK_EXIT_FAILURE);
	} else {
		etk_error_clear(&err);
		if (etk_extract_finish(x, &res, &err) != ETK_OK) {
			/* A reader that stopped early (| head) is no error
			 * unless files were to be written too. */
			if (!r.out_failed || r.out_errno != EPIPE ||
			    r.dir != NULL) {
				etk_cmd_error(&cmd, &err);
				status = etk_exit_worst(status,
				    ETK_EXIT_FAILURE);
			}
		} else if (!cmd.json && !cmd.quiet)
			printf("%" PRIu64 " messages, %" PRIu64 " calls, %"
			    PRIu64 " contacts, %" PRIu64 " images, %" PRIu64
			    " POLE entities, %" PRIu64 " links from %" PRIu64
			    " databases%s%s\n", res.messages, res.calls,
			    res.contacts, res.images, res.entities, res.links,
			    res.databases, r.dir != NULL ? " in " : "",
			    r.dir != NULL ? r.dir : "");
		if (res.filtered > 0 && !cmd.quiet && !cmd.json)
			printf("%" PRIu64 " records outside --since/--until "
			    "left out\n", res.filtered);
	}
	if (r.kase != NULL) {
		etk_error_clear(&err);
		if (etk_case_db_commit(r.kase, &err) != ETK_OK) {
			etk_wrap(&err, "case database");
			etk_cmd_error(&cmd, &err);
			status = etk_exit_worst(status, ETK_EXIT_FAILURE);
		}
		r.kase = NULL;
	}
	if (res.db_failed)
		status = etk_exit_worst(status, ETK_EXIT_FAILURE);
	if (interrupted)
		status = etk_cmd_shard_active(&cmd) ? ETK_EXIT_TEMPFAIL :
		    etk_exit_worst(status, ETK_EXIT_PARTIAL);
	if (r.out_failed && r.out_errno == EPIPE) {
		cmd.quiet = 1;
		clearerr(stdout);
	}
	etk_extract_free(x);
	etk_progress_free(pg);
	etk_buf_release(&r.tmp);
	return etk_cmd_end(&cmd, "extract", status);
}
