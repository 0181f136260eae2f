/*
 * etk-merge: combine the shards of a sharded run (DIR/shard-K.db with
 * their done-records, SCALE.md §4.1) into the case database, giving the
 * rows one run would have given, as one journal entry that lists every
 * shard file with its SHA-256; and/or load them into a lab PostgreSQL
 * database (--db), one transaction per shard, repeatable (man/etk-merge.1).
 *
 * Text output:	one line per shard: "shard K/N  ROWS rows  SHA256".
 * JSON Lines:	{"record":"shard","k":..,"n":..,"path":..,"sha256":..,
 *		"rows":..,"into":"case"|"postgresql"} per shard, then the
 *		summary.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <etk/pg.h>

#include "cmdutil.h"

enum {
	OPT_DB = ETK_OPT_FIRST_PRIVATE,
	OPT_SHARD
};

struct shard {
	uint64_t k;
	char *db;		/* DIR/shard-K.db */
	char *done;		/* DIR/shard-K.done.json */
	char sha256[65];
	uint64_t size;		/* of the .db, as checked */
	int present;
};

struct mrun {
	struct etk_cmd *cmd;
	const char *dir;
	char plan_id[65];
	char tool[32];
	uint64_t n;
	struct shard *sh;	/* n entries, by k */
};

static void
usage(FILE *fp)
{
	if (fp != stdout)
		fprintf(fp, "%s: ", etk_getprogname());
	fprintf(fp, "usage: %s [-hqV] [--case DIR] [--db URL] [--json] "
	    "[--shard K] dir\n", etk_getprogname());
	if (fp != stdout)
		return;
	fputs("options:\n"
	    "      --db URL        also load the shards into this PostgreSQL "
	    "database\n"
	    "                      (postgresql://... or \"key=value ...\")\n"
	    "      --shard K       with --db: load only shard K\n", fp);
	etk_cmd_usage_common(fp);
}


static int
jnum(const struct etk_jval *o, const char *key, uint64_t *v)
{
	const struct etk_jval *x = etk_jval_get(o, key);

	if (x == NULL || x->type != ETK_JNUM || !x->is_int || x->inum < 0)
		return -1;
	*v = (uint64_t)x->inum;
	return 0;
}

/* One done-record: its plan, shard and output digest.  Returns 0, or
 * an exit status with the message printed. */
static int
read_done(struct mrun *m, const char *name)
{
	const struct etk_jval *out, *v;
	struct etk_jval *doc = NULL;
	struct etk_error err = { 0 };
	struct etk_buf b;
	const char *plan, *tool, *sha, *opath;
	uint64_t k, n;
	char *path;
	int rc = ETK_EXIT_USAGE;

	etk_buf_init(&b);
	if ((path = etk_cmd_asprintf("%s/%s", m->dir, name)) == NULL || etk_cmd_read_small(path, 1 << 20, &b) != 0 ||
	    etk_json_parse(b.data, b.len, &doc, &err) != ETK_OK) {
		etk_warnx("%s: not a done-record: %s", path ? path : name,
		    err.msg[0] != '\0' ? err.msg : strerror(errno));
		goto out;
	}
	plan = etk_jval_str(doc, "plan_id");
	tool = etk_jval_str(doc, "tool");
	out = etk_jval_get(doc, "output");
	sha = out != NULL ? etk_jval_str(out, "sha256") : NULL;
	opath = out != NULL ? etk_jval_str(out, "path") : NULL;
	v = etk_jval_get(doc, "format");
	if (v == NULL || v->type != ETK_JSTR ||
	    strcmp(v->str, "etk-shard/1") != 0 || plan == NULL ||
	    strlen(plan) != 64 || tool == NULL || strlen(tool) >= 32 ||
	    jnum(doc, "k", &k) != 0 || jnum(doc, "n", &n) != 0 || k >= n ||
	    n > 1000000 || sha == NULL || strlen(sha) != 64 ||
	    opath == NULL || strchr(opath, '/') != NULL) {
		etk_warnx("%s: not an etk-shard/1 done-record", path);
		goto out;
	}
	if (m->n == 0) {
		memcpy(m->plan_id, plan, 65);
		snprintf(m->tool, sizeof(m->tool), "%s", tool);
		m->n = n;
		if ((m->sh = calloc((size_t)n, sizeof(*m->sh))) == NULL) {
			etk_warnx("out of memory");
			rc = ETK_EXIT_FAILURE;
			goto out;
		}
	} else if (strcmp(plan, m->plan_id) != 0 || n != m->n ||
	    strcmp(tool, m->tool) != 0) {
		etk_warnx("%s: shards of two plans in '%s' (%.12s... and "
		    "%.12s...): one directory per plan", path, m->dir, plan,
		    m->plan_id);
		goto out;
	}
	if (m->sh[k].present) {
		etk_warnx("%s: shard %" PRIu64 " has two done-records", path,
		    k);
		goto out;
	}
	m->sh[k].present = 1;
	m->sh[k].k = k;
	m->sh[k].done = path;
	path = NULL;
	if ((m->sh[k].db = etk_cmd_asprintf("%s/%s", m->dir, opath)) == NULL) {
		etk_warnx("out of memory");
		rc = ETK_EXIT_FAILURE;
		goto out;
	}
	memcpy(m->sh[k].sha256, sha, 65);
	rc = 0;
out:
	free(path);
	etk_jval_free(doc);
	etk_buf_release(&b);
	return rc;
}

static int
scan(struct mrun *m)
{
	struct dirent *de;
	DIR *d;
	size_t l;
	int rc = 0;

	if ((d = opendir(m->dir)) == NULL) {
		etk_warnx("cannot read '%s': %s", m->dir, strerror(errno));
		return ETK_EXIT_FAILURE;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (strncmp(de->d_name, "shard-", 6) == 0 && l > 16 &&
		    strcmp(de->d_name + l - 10, ".done.json") == 0)
			rc = read_done(m, de->d_name);
	}
	closedir(d);
	if (rc == 0 && m->n == 0) {
		etk_warnx("'%s' holds no shard done-records (shard-K.done.json)",
		    m->dir);
		rc = ETK_EXIT_PARTIAL;
	}
	return rc;
}

static void
emit(struct mrun *m, const struct shard *s, uint64_t rows, const char *into)
{
	struct etk_json j;
	struct etk_buf b;

	if (m->cmd->json) {
		etk_buf_init(&b);
		etk_json_init(&j, &b);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "record", "shard");
		etk_json_kuint(&j, "k", s->k);
		etk_json_kuint(&j, "n", m->n);
		etk_json_kstr(&j, "path", s->db);
		etk_json_kstr(&j, "sha256", s->sha256);
		etk_json_kuint(&j, "rows", rows);
		etk_json_kstr(&j, "into", into);
		etk_json_obj_end(&j);
		etk_cmd_emit(m->cmd, &b);
		etk_buf_release(&b);
	} else if (!m->cmd->quiet)
		printf("shard %" PRIu64 "/%" PRIu64 "  %" PRIu64 " rows  %s  "
		    "%s\n", s->k, m->n, rows, s->sha256, into);
}

/* Has this plan been merged into the case already (a merge entry for it
 * that exited 0)?  The journal line number, or 0. */
static uint64_t
merged_before(struct etk_cmd *cmd, const char *plan_id)
{
	const struct etk_jval *scope, *ex;
	struct etk_jval *doc;
	const char *type, *plan;
	char needle[96], *line = NULL, *path;
	size_t cap = 0;
	ssize_t len;
	uint64_t n = 0, found = 0;
	FILE *fp;

	if ((path = etk_cmd_asprintf("%s/journal.jsonl",
	    etk_case_dir(cmd->kase))) == NULL)
		return 0;
	snprintf(needle, sizeof(needle), "\"merged_plan\":\"%s\"", plan_id);
	if ((fp = fopen(path, "re")) != NULL) {
		while ((len = getline(&line, &cap, fp)) > 0) {
			n++;
			if (strstr(line, needle) == NULL)
				continue;
			doc = NULL;
			if (etk_json_parse(line, (size_t)len, &doc, NULL) !=
			    ETK_OK)
				continue;
			type = etk_jval_str(doc, "type");
			scope = etk_jval_get(doc, "scope");
			plan = scope != NULL ? etk_jval_str(scope,
			    "merged_plan") : NULL;
			ex = etk_jval_get(doc, "exit");
			if (type != NULL && strcmp(type, "merge") == 0 &&
			    plan != NULL && strcmp(plan, plan_id) == 0 &&
			    ex != NULL && ex->type == ETK_JNUM && ex->is_int &&
			    ex->inum == 0)
				found = n;
			etk_jval_free(doc);
		}
		fclose(fp);
	}
	free(line);
	free(path);
	return found;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		ETK_COMMON_LONGOPTS,
		{ "db",		required_argument,	NULL, OPT_DB },
		{ "shard",	required_argument,	NULL, OPT_SHARD },
		{ NULL,		0,			NULL, 0 }
	};
	struct etk_error err = { 0 };
	struct etk_pg *pg = NULL;
	struct etk_cmd cmd;
	struct mrun m;
	const char *db_url = NULL;
	uint64_t only = UINT64_MAX, k, rows, before;
	char hex[65], scopebuf[160], label[64];
	uint64_t size;
	int ch, status = ETK_EXIT_OK, rc, into_case;

	if (etk_cmd_begin(&cmd, "etk-merge", argc, argv) != 0)
		return cmd.exit_now;
	memset(&m, 0, sizeof(m));
	m.cmd = &cmd;
	while ((ch = getopt_long(argc, argv, ETK_COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_DB:
			db_url = optarg;
			break;
		case OPT_SHARD:
			if (etk_parse_size(optarg, &only) != 0)
				return etk_cmd_usage_error(m.cmd, usage,
				    "bad shard '%s'", optarg);
			break;
		default:
			if (etk_cmd_common_opt(m.cmd, ch, optarg, usage) !=
			    ETK_OPT_HANDLED)
				return m.cmd->exit_now;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		return etk_cmd_usage_error(m.cmd, usage, argc == 0 ?
		    "no shard directory given" : "one shard directory only");
	if (only != UINT64_MAX && db_url == NULL)
		return etk_cmd_usage_error(m.cmd, usage, "--shard needs --db: "
		    "a case takes every shard of a plan at once");
	m.dir = argv[0];
	if (etk_cmd_open_case(m.cmd) != 0)
		return m.cmd->exit_now;
	into_case = m.cmd->kase != NULL;
	if (!into_case && db_url == NULL)
		return etk_cmd_usage_error(m.cmd, usage, "nothing to merge "
		    "into: give --case DIR (or run in a case) or --db URL");
	if ((status = scan(&m)) != 0)
		goto end;
	/* Every shard there, done, and with the digest its done-record
	 * gives: otherwise nothing is merged. */
	for (k = 0; k < m.n; k++) {
		if (only != UINT64_MAX && k != only)
			continue;
		if (!m.sh[k].present) {
			etk_warnx("%s: shard %" PRIu64 "/%" PRIu64 " is not done "
			    "(no shard-%" PRIu64 ".done.json): run it, then "
			    "merge", m.dir, k, m.n, k);
			status = etk_exit_worst(status, ETK_EXIT_PARTIAL);
			continue;
		}
		etk_error_clear(&err);
		if (etk_file_sha256(m.sh[k].db, hex, &m.sh[k].size, &err) !=
		    ETK_OK) {
			etk_warnx("%s", err.msg);
			status = etk_exit_worst(status, ETK_EXIT_PARTIAL);
		} else if (strcmp(hex, m.sh[k].sha256) != 0) {
			etk_warnx("%s: SHA-256 %s, but its done-record says %s",
			    m.sh[k].db, hex, m.sh[k].sha256);
			status = etk_exit_worst(status, ETK_EXIT_MISMATCH);
		}
	}
	if (only != UINT64_MAX && only >= m.n) {
		etk_warnx("no shard %" PRIu64 " in a plan of %" PRIu64, only,
		    m.n);
		status = ETK_EXIT_USAGE;
	}
	if (status != ETK_EXIT_OK)
		goto end;

	if (into_case && (before = merged_before(m.cmd, m.plan_id)) != 0) {
		if (!m.cmd->quiet)
			etk_warnx("plan %.12s... is already in the case "
			    "(journal line %" PRIu64 "); not merged again",
			    m.plan_id, before);
		into_case = 0;
		if (db_url == NULL) {
			etk_case_close(m.cmd->kase);
			m.cmd->kase = NULL;
			goto end;
		}
	}
	if (into_case) {
		snprintf(scopebuf, sizeof(scopebuf), "\"%s\"", m.plan_id);
		etk_cmd_scope(m.cmd, "merged_plan", scopebuf);
		snprintf(scopebuf, sizeof(scopebuf), "\"%s\"", m.tool);
		etk_cmd_scope(m.cmd, "tool", scopebuf);
		snprintf(scopebuf, sizeof(scopebuf), "%" PRIu64, m.n);
		etk_cmd_scope(m.cmd, "shards", scopebuf);
		for (k = 0; k < m.n; k++) {
			/* Digests as checked above: the shard files are
			 * not read again for the journal. */
			etk_error_clear(&err);
			if (etk_file_sha256(m.sh[k].done, hex, &size, &err) ==
			    ETK_OK)
				etk_cmd_input_file(m.cmd, m.sh[k].done, hex,
				    size);
			etk_cmd_input_file(m.cmd, m.sh[k].db, m.sh[k].sha256,
			    m.sh[k].size);
			etk_error_clear(&err);
			rc = etk_case_db_merge_shard(m.cmd->kase, m.sh[k].db,
			    &rows, &err);
			snprintf(label, sizeof(label), "shard-%" PRIu64, k);
			if (rc != ETK_OK) {
				etk_cmd_error(m.cmd, &err);
				etk_summary_add(m.cmd->sum, label, "shard",
				    ETK_OUTCOME_ERROR, 0, err.msg);
				/* All or nothing: no rows of a partial merge. */
				(void)etk_case_db_discard(m.cmd->kase);
				status = ETK_EXIT_FAILURE;
				break;
			}
			etk_summary_add(m.cmd->sum, label, "shard", rows != 0 ?
			    ETK_OUTCOME_OK : ETK_OUTCOME_EMPTY, rows, NULL);
			emit(&m, &m.sh[k], rows, "case");
		}
	}
	if (db_url != NULL && status == ETK_EXIT_OK) {
		if (etk_pg_open(&pg, db_url, &err) != ETK_OK) {
			etk_cmd_error(m.cmd, &err);
			status = err.code == ETK_EAGAIN ? ETK_EXIT_TEMPFAIL :
			    ETK_EXIT_FAILURE;
			goto end;
		}
		for (k = 0; k < m.n; k++) {
			if (only != UINT64_MAX && k != only)
				continue;
			etk_error_clear(&err);
			if (etk_pg_load_shard(pg, m.sh[k].db, m.sh[k].sha256,
			    &rows, &err) != ETK_OK) {
				etk_cmd_error(m.cmd, &err);
				status = etk_exit_worst(status, err.code ==
				    ETK_EAGAIN ? ETK_EXIT_TEMPFAIL :
				    ETK_EXIT_FAILURE);
				if (err.code == ETK_EAGAIN)
					break;
				continue;
			}
			if (!into_case) {
				snprintf(label, sizeof(label),
				    "shard-%" PRIu64, k);
				etk_summary_add(m.cmd->sum, label, "shard",
				    rows != 0 ? ETK_OUTCOME_OK :
				    ETK_OUTCOME_EMPTY, rows, NULL);
			}
			emit(&m, &m.sh[k], rows, "postgresql");
		}
		etk_pg_close(pg);
	}
end:
	if (m.sh != NULL) {
		for (k = 0; k < m.n; k++) {
			free(m.sh[k].db);
			free(m.sh[k].done);
		}
		free(m.sh);
	}
	/* Only a case merge is journalled (the case's own record of what
	 * went in); a PostgreSQL load leaves its record in shard_loads. */
	if (!into_case && m.cmd->kase != NULL) {
		etk_case_close(m.cmd->kase);
		m.cmd->kase = NULL;
	}
	return etk_cmd_end(m.cmd, "merge", status);
}
