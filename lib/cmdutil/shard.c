/*
 * Sharded runs (SCALE.md §4.1): --shard K/N --shard-out DIR.  The run's
 * records go to DIR/shard-K.db (temp name, fsync, rename); then a
 * done-record DIR/shard-K.done.json names the plan, the shard, the tool,
 * its argv, times, host, exit and the output's SHA-256.  A shard whose
 * done-record is valid is not run again.  Wall-clock time and the host
 * are in the done-record only, never in the records.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cmdutil.h"

struct etk_cmd_shard {
	char *dir, *db, *tmp, *done;
	char tool[32];
	uint64_t k, n;
	char plan_id[65];
};

int
etk_cmd_shard_opt(struct etk_cmd *cmd, struct etk_cmd_shardopts *so, int ch,
    const char *optarg, etk_usage_fn usage)
{
	char why[256];

	switch (ch) {
	case ETK_OPT_PLAN:
		so->plan = optarg;
		return 1;
	case ETK_OPT_PRINT_PLAN:
		if (etk_parse_size(optarg, &so->print_plan) != 0 ||
		    so->print_plan == 0) {
			cmd->exit_now = etk_cmd_usage_error(cmd, usage,
			    "bad number of shards '%s'", optarg);
			return -1;
		}
		return 1;
	case ETK_OPT_SHARD:
		if (etk_cmd_parse_shard(optarg, &so->k, &so->n, why,
		    sizeof(why)) != 0) {
			cmd->exit_now = etk_cmd_usage_error(cmd, usage, "%s",
			    why);
			return -1;
		}
		return 1;
	case ETK_OPT_SHARD_OUT:
		so->out = optarg;
		return 1;
	}
	return 0;
}

int
etk_cmd_shard_check(struct etk_cmd *cmd, const struct etk_cmd_shardopts *so,
    etk_usage_fn usage)
{
	const char *why = NULL;

	if ((so->out != NULL || so->plan != NULL) && so->n == 0 &&
	    so->print_plan == 0)
		why = "--shard-out and --plan need --shard";
	else if (so->print_plan != 0 && (so->n != 0 || so->out != NULL))
		why = "--print-plan makes a plan; it runs no shard";
	else if (so->out != NULL && cmd->case_explicit)
		why = "--shard-out and --case: a shard writes its own "
		    "database; etk merge loads it into the case";
	if (why == NULL)
		return 0;
	cmd->exit_now = etk_cmd_usage_error(cmd, usage, "%s", why);
	return -1;
}

static void
shard_free(struct etk_cmd_shard *s)
{
	if (s == NULL)
		return;
	free(s->dir);
	free(s->db);
	free(s->tmp);
	free(s->done);
	free(s);
}

void
etk_cmd_plan_id(const void *canon, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (EVP_Digest(canon, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32) {
		hex[0] = '\0';
		return;
	}
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

int
etk_cmd_source_identity(const char *path, struct etk_json *j)
{
	unsigned char *buf = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	const size_t mib = 1024 * 1024;
	EVP_MD_CTX *ctx = NULL;
	struct stat st;
	char hex[65];
	const char *base;
	size_t want;
	ssize_t got;
	off_t at;
	int fd, pass, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) != 0 || (buf = malloc(mib)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	/* The first and the last MiB: enough to tell two images apart
	 * without reading either (SCALE.md §4.1). */
	for (pass = 0; pass < 2; pass++) {
		at = pass == 0 ? 0 : st.st_size > (off_t)mib ?
		    st.st_size - (off_t)mib : 0;
		want = mib;
		while (want > 0) {
			got = pread(fd, buf, want, at);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0)
				goto out;
			if (got == 0)
				break;
			if (EVP_DigestUpdate(ctx, buf, (size_t)got) != 1)
				goto out;
			at += got;
			want -= (size_t)got;
		}
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	etk_json_obj_begin(j);
	etk_json_kstr(j, "name", base);
	etk_json_kuint(j, "size", (uint64_t)st.st_size);
	etk_json_kstr(j, "head_tail_sha256", hex);
	etk_json_obj_end(j);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	close(fd);
	return rc;
}

/* Is the done-record there, for this plan and shard, and does its
 * output still have the digest it records?  1 yes (*recorded: the exit
 * it records), 0 no (run it), -1 it belongs to another plan (message in
 * why). */
static int
done_ok(const struct etk_cmd_shard *s, int *recorded, char *why,
    size_t whylen)
{
	const struct etk_jval *v, *out;
	struct etk_jval *doc = NULL;
	struct etk_buf text;
	char hex[65];
	uint64_t size;
	int rc = 0;

	etk_buf_init(&text);
	if (etk_cmd_read_small(s->done, 1 << 20, &text) != 0 ||
	    etk_json_parse(text.data, text.len, &doc, NULL) != ETK_OK)
		goto out;
	if ((v = etk_jval_get(doc, "plan_id")) == NULL ||
	    v->type != ETK_JSTR)
		goto out;
	if (strcmp(v->str, s->plan_id) != 0) {
		snprintf(why, whylen, "%s belongs to plan %.12s..., not to "
		    "this run's plan %.12s... (other sources or options); "
		    "use another output directory", s->done, v->str,
		    s->plan_id);
		rc = -1;
		goto out;
	}
	if ((v = etk_jval_get(doc, "k")) == NULL || v->type != ETK_JNUM ||
	    !v->is_int || (uint64_t)v->inum != s->k ||
	    (v = etk_jval_get(doc, "n")) == NULL || v->type != ETK_JNUM ||
	    !v->is_int || (uint64_t)v->inum != s->n)
		goto out;
	if ((out = etk_jval_get(doc, "output")) == NULL ||
	    (v = etk_jval_get(out, "sha256")) == NULL || v->type != ETK_JSTR)
		goto out;
	if (etk_file_sha256(s->db, hex, &size, NULL) != ETK_OK ||
	    strcmp(hex, v->str) != 0)
		goto out;
	*recorded = (v = etk_jval_get(doc, "exit")) != NULL &&
	    v->type == ETK_JNUM && v->is_int && v->inum >= 0 &&
	    v->inum < 256 ? (int)v->inum : ETK_EXIT_OK;
	rc = 1;
out:
	etk_jval_free(doc);
	etk_buf_release(&text);
	return rc;
}

/* mkdir -p: every shard may be the first to create the directory. */
static int
mkdir_p(const char *dir)
{
	char *p, *q;
	int rc = 0;

	if ((p = strdup(dir)) == NULL)
		return -1;
	for (q = p + 1; *q != '\0' && rc == 0; q++)
		if (*q == '/') {
			*q = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST)
				rc = -1;
			*q = '/';
		}
	if (rc == 0 && mkdir(p, 0755) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* Temp files of earlier attempts at this shard that were killed. */
static void
remove_stale(const struct etk_cmd_shard *s)
{
	char prefix[64];
	struct dirent *de;
	DIR *d;

	snprintf(prefix, sizeof(prefix), "shard-%" PRIu64 ".db.tmp-", s->k);
	if ((d = opendir(s->dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

int
etk_cmd_shard_begin(struct etk_cmd *cmd, const char *dir, const char *tool,
    uint64_t k, uint64_t n, const char *plan_id)
{
	struct etk_error err = { 0 };
	struct etk_cmd_shard *s;
	char why[512];
	int d, recorded = ETK_EXIT_OK;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto oom;
	snprintf(s->tool, sizeof(s->tool), "%s", tool);
	snprintf(s->plan_id, sizeof(s->plan_id), "%s", plan_id);
	s->k = k;
	s->n = n;
	if ((s->dir = strdup(dir)) == NULL ||
	    (s->db = etk_cmd_asprintf("%s/shard-%" PRIu64 ".db", dir, k)) == NULL ||
	    (s->done = etk_cmd_asprintf("%s/shard-%" PRIu64 ".done.json", dir,
	    k)) == NULL ||
	    (s->tmp = etk_cmd_asprintf("%s/shard-%" PRIu64 ".db.tmp-%ld", dir, k,
	    (long)getpid())) == NULL)
		goto oom;
	if (mkdir_p(dir) != 0) {
		etk_warnx("cannot create '%s': %s", dir, strerror(errno));
		shard_free(s);
		etk_cmd_leave(cmd, 0);
		cmd->exit_now = errno == ENOSPC || errno == EIO ?
		    ETK_EXIT_TEMPFAIL : ETK_EXIT_FAILURE;
		return -1;
	}
	if ((d = done_ok(s, &recorded, why, sizeof(why))) != 0) {
		if (d < 0)
			etk_warnx("%s", why);
		else if (!cmd->quiet)
			etk_warnx("shard %" PRIu64 "/%" PRIu64 " already done "
			    "(%s); nothing to do", k, n, s->done);
		shard_free(s);
		etk_cmd_leave(cmd, 0);
		/* The status it ended with: a partial shard stays partial
		 * however often an engine retries it. */
		cmd->exit_now = d < 0 ? ETK_EXIT_USAGE : recorded;
		return d < 0 ? -1 : 1;
	}
	remove_stale(s);
	if (etk_shard_db_create(s->tmp, plan_id, tool, k, n, &cmd->kase,
	    &err) != ETK_OK) {
		etk_warnx("%s", err.msg);
		shard_free(s);
		etk_cmd_leave(cmd, 0);
		cmd->exit_now = err.code == ETK_EIO ? ETK_EXIT_TEMPFAIL :
		    ETK_EXIT_FAILURE;
		return -1;
	}
	cmd->shard = s;
	return 0;
oom:
	etk_warnx("out of memory");
	shard_free(s);
	etk_cmd_leave(cmd, 0);
	cmd->exit_now = ETK_EXIT_TEMPFAIL;
	return -1;
}

int
etk_cmd_shard_active(const struct etk_cmd *cmd)
{
	return cmd->shard != NULL;
}

/* Finish the shard: the database under its name, then the
 * done-record.  Returns the exit status. */
int
etk_cmd_shard_end(struct etk_cmd *cmd, int status, const char *inputs,
    size_t ilen)
{
	struct etk_cmd_shard *s = cmd->shard;
	struct etk_error err = { 0 };
	struct etk_json j;
	struct etk_buf b;
	char hex[65], ts[ETK_TIME_MAX], host[256];
	uint64_t size = 0;
	int64_t sec;
	int32_t nsec;
	int k;

	cmd->shard = NULL;
	if (status == ETK_EXIT_FAILURE || status == ETK_EXIT_USAGE ||
	    status == ETK_EXIT_TEMPFAIL) {
		/* No result: the engine runs it again. */
		etk_case_close(cmd->kase);
		cmd->kase = NULL;
		(void)unlink(s->tmp);
		shard_free(s);
		return status;
	}
	if (etk_shard_db_finish(cmd->kase, &err) != ETK_OK) {
		cmd->kase = NULL;
		etk_warnx("%s", err.msg);
		(void)unlink(s->tmp);
		shard_free(s);
		return ETK_EXIT_TEMPFAIL;
	}
	cmd->kase = NULL;
	if (rename(s->tmp, s->db) != 0 ||
	    etk_file_sha256(s->db, hex, &size, &err) != ETK_OK) {
		etk_warnx("cannot write '%s': %s", s->db, err.msg[0] != '\0' ?
		    err.msg : strerror(errno));
		(void)unlink(s->tmp);
		shard_free(s);
		return ETK_EXIT_TEMPFAIL;
	}
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "format", "etk-shard/1");
	etk_json_kstr(&j, "plan_id", s->plan_id);
	etk_json_kstr(&j, "tool", s->tool);
	etk_json_kuint(&j, "k", s->k);
	etk_json_kuint(&j, "n", s->n);
	etk_json_kstr(&j, "etk_version", etk_version());
	etk_json_key(&j, "argv");
	etk_json_arr_begin(&j);
	for (k = 0; k < cmd->argc; k++)
		etk_json_str(&j, k == 0 ? cmd->name : cmd->argv0 != NULL ?
		    cmd->argv0[k] : cmd->argv[k]);
	etk_json_arr_end(&j);
	etk_json_key(&j, "inputs");
	etk_json_raw(&j, "[");
	etk_buf_add(&b, inputs, ilen);
	etk_buf_addc(&b, ']');
	etk_time_format(cmd->t0, cmd->t0_ns, ts);
	etk_json_kstr(&j, "started", ts);
	etk_time_now(&sec, &nsec);
	etk_time_format(sec, nsec, ts);
	etk_json_kstr(&j, "finished", ts);
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		etk_json_kstr(&j, "host", host);
	}
	etk_json_kint(&j, "exit", status);
	etk_json_key(&j, "summary");
	etk_summary_json(cmd->sum, cmd->name, status, &j);
	etk_json_key(&j, "output");
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "path", strrchr(s->db, '/') + 1);
	etk_json_kuint(&j, "size", size);
	etk_json_kstr(&j, "sha256", hex);
	etk_json_obj_end(&j);
	etk_json_obj_end(&j);
	etk_buf_addc(&b, '\n');
	etk_error_clear(&err);
	if (b.oom || etk_write_file_atomic(s->done, b.data, b.len, 1, NULL,
	    &err) != ETK_OK) {
		etk_warnx("cannot write '%s': %s", s->done, b.oom ?
		    "out of memory" : err.msg);
		status = ETK_EXIT_TEMPFAIL;
	}
	etk_buf_release(&b);
	shard_free(s);
	return status;
}
