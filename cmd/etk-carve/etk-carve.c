/*
 * etk-carve: carve validated files out of the unallocated space of each
 * file system of each source (or out of every byte, --scope all), with
 * their byte runs in the source and their SHA-256.
 *
 * The work is etk_carve (lib/carve/engine.c): anchors at every byte
 * offset, a structural validator per format, records in offset order
 * whatever -j.  This file parses the options, writes DIR/carved.jsonl
 * atomically, prints the records (text or --json), loads them into the
 * case database and ends with the summary and the journal entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <etk/carve.h>
#include <etk/carve_db.h>

#include "cmdutil.h"

enum {
	OPT_LIST_TYPES = ETK_OPT_FIRST_PRIVATE,
	OPT_MAX_SIZE,
	OPT_NO_WRITE,
	OPT_RANGE,
	OPT_SCOPE,
	OPT_TYPES
};

static volatile int interrupted;

struct crun {
	struct etk_cmd *cmd;
	const char *dir;	/* -o DIR, or NULL */
	const char *prefix;	/* path prefix of this source's outputs */
	FILE *jf;		/* the temporary carved.jsonl */
	EVP_MD_CTX *md;		/* its SHA-256 */
	uint64_t jbytes;
	uint64_t files;		/* records, all sources */
	int stopped;		/* stdout or the jsonl failed */
	int out_errno;
	struct etk_buf rec;
	struct etk_buf tmp;
	/* case database */
	struct etk_case *kase;
	int64_t evidence_id;
	uint64_t action;
	int db_failed;
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
	fprintf(fp, "usage: %s [-hqV] [-j N] [--case DIR] [--json] "
	    "[--list-types]\n"
	    "       [--max-size SIZE] [--no-write] [--range START:LEN]\n"
	    "       [--scope unalloc|all] [--shard K/N] [--shard-out DIR] "
	    "[--plan FILE]\n"
	    "       [--types LIST] -o DIR source ...\n",
	    etk_getprogname());
	if (fp != stdout)
		return;
	fputs("options:\n"
	    "  -o, --output DIR    write DIR/carved.jsonl, the files in "
	    "DIR/carved/ (and the\n"
	    "                      truncated or corrupt ones in "
	    "DIR/partial/)\n"
	    "      --types LIST    only these formats (type or extension, "
	    "comma-separated)\n"
	    "      --list-types    list the formats and exit\n"
	    "      --scope SCOPE   unalloc (default: unallocated space of "
	    "each file system)\n"
	    "                      or all (every byte of the source)\n"
	    "      --range START:LEN  only files whose first byte lies in "
	    "[START, START+LEN)\n"
	    "      --shard K/N     only files whose first byte lies in shard "
	    "K of N (--shard N:\n"
	    "                      K from ETK_SHARD, SLURM_ARRAY_TASK_ID, "
	    "JOB_COMPLETION_INDEX,\n"
	    "                      PARALLEL_SEQ-1)\n"
	    "      --shard-out DIR write the shard's records to "
	    "DIR/shard-K.db and a done-record\n"
	    "      --plan FILE     check the run against a plan made by "
	    "etk plan\n"
	    "      --max-size SIZE largest file carved (default 256M; K, M, "
	    "G, T suffixes)\n"
	    "      --no-write      records only: no files written "
	    "(-o optional)\n", fp);
	etk_cmd_usage_common(fp);
}

/* "START:LEN" with size suffixes. */
static int
parse_range(const char *arg, uint64_t *start, uint64_t *len)
{
	const char *c = strchr(arg, ':');
	char buf[64];
	size_t l;

	if (c == NULL || (l = (size_t)(c - arg)) == 0 || l >= sizeof(buf))
		return -1;
	memcpy(buf, arg, l);
	buf[l] = '\0';
	if (etk_parse_size(buf, start) != 0 || etk_parse_size(c + 1, len) != 0
	    || *len == 0 || *start > UINT64_MAX - *len)
		return -1;
	return 0;
}

/* Every word of the --types list names a format's type or extension
 * (as --list-types prints them). */
static int
check_types(const char *types, char *why, size_t whylen)
{
	struct etk_buf list;
	const char *p = types, *q, *line, *t1, *t2;
	size_t l;
	int found;

	etk_buf_init(&list);
	etk_carve_formats(&list);
	while (1) {
		q = strchr(p, ',');
		l = q != NULL ? (size_t)(q - p) : strlen(p);
		found = 0;
		for (line = list.data; l > 0 && line != NULL && *line != '\0' &&
		    !found; line = strchr(line, '\n'), line = line != NULL ?
		    line + 1 : NULL) {
			t1 = strchr(line, '\t');
			t2 = t1 != NULL ? strchr(t1 + 1, '\t') : NULL;
			if (t1 == NULL || t2 == NULL)
				break;
			if (((size_t)(t1 - line) == l &&
			    strncasecmp(line, p, l) == 0) ||
			    ((size_t)(t2 - t1 - 1) == l &&
			    strncasecmp(t1 + 1, p, l) == 0))
				found = 1;
		}
		if (!found) {
			snprintf(why, whylen, "unknown type '%.*s' (see "
			    "--list-types)", (int)l, p);
			etk_buf_release(&list);
			return -1;
		}
		if (q == NULL)
			break;
		p = q + 1;
	}
	etk_buf_release(&list);
	return 0;
}

static void
out_fail(struct crun *r, int e)
{
	if (!r->stopped) {
		r->stopped = 1;
		r->out_errno = e;
	}
}

static int
on_carved(const struct etk_carved *c, void *arg)
{
	struct crun *r = arg;
	struct etk_error err = { 0 };
	struct etk_carved cc;
	struct etk_json j;
	size_t i;

	cc = *c;
	etk_buf_reset(&r->tmp);
	if (c->path != NULL && r->prefix != NULL) {
		etk_buf_printf(&r->tmp, "%s/%s", r->prefix, c->path);
		cc.path = r->tmp.data;
	}
	etk_buf_reset(&r->rec);
	etk_json_init(&j, &r->rec);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "record", "carved");
	etk_json_kstr(&j, "locator", cc.locator);
	etk_json_kuint(&j, "offset", cc.offset);
	etk_json_kuint(&j, "length", cc.length);
	etk_json_key(&j, "byte_runs");
	etk_json_arr_begin(&j);
	for (i = 0; i < cc.nruns; i++) {
		etk_json_obj_begin(&j);
		etk_json_kuint(&j, "offset", cc.runs[i].img_offset);
		etk_json_kuint(&j, "len", cc.runs[i].len);
		etk_json_obj_end(&j);
	}
	etk_json_arr_end(&j);
	etk_json_kuint(&j, "nruns", cc.nruns);
	etk_json_kstr(&j, "type", cc.type);
	etk_json_kstr(&j, "ext", cc.ext);
	etk_json_kbool(&j, "validated", cc.validated);
	etk_json_kbool(&j, "complete", cc.complete);
	etk_json_kstr(&j, "status", cc.status);
	etk_json_kstr(&j, "sha256", cc.sha256);
	etk_json_kstr(&j, "mime", cc.mime);
	etk_json_kstr(&j, "path", cc.path);
	etk_json_obj_end(&j);
	etk_buf_addc(&r->rec, '\n');
	if (r->rec.oom) {
		out_fail(r, ENOMEM);
		return 1;
	}
	r->files++;
	if (r->jf != NULL) {
		if (fwrite(r->rec.data, 1, r->rec.len, r->jf) != r->rec.len) {
			out_fail(r, errno);
			return 1;
		}
		EVP_DigestUpdate(r->md, r->rec.data, r->rec.len);
		r->jbytes += r->rec.len;
	}
	if (r->cmd->json)
		fwrite(r->rec.data, 1, r->rec.len, stdout);
	else
		printf("%s\t%s\t%s\t%" PRIu64 "\t%s\t%s\n", cc.locator, cc.type,
		    cc.status, cc.length, cc.sha256, cc.path != NULL ?
		    cc.path : "-");
	if (ferror(stdout)) {
		out_fail(r, errno);
		return 1;
	}
	if (r->kase != NULL && !r->db_failed &&
	    etk_case_db_carved(r->kase, r->action, &cc, &err) != ETK_OK) {
		etk_cmd_error(r->cmd, &err);
		r->db_failed = 1;
	}
	if (r->kase != NULL && cc.path != NULL && r->dir != NULL) {
		struct etk_buf p, d;
		struct etk_json dj;

		etk_buf_init(&p);
		etk_buf_init(&d);
		etk_buf_printf(&p, "%s/%s", r->dir, cc.path);
		etk_json_init(&dj, &d);
		etk_json_obj_begin(&dj);
		etk_json_kstr(&dj, "locator", cc.locator);
		etk_json_key(&dj, "byte_runs");
		etk_json_arr_begin(&dj);
		for (i = 0; i < cc.nruns; i++) {
			etk_json_obj_begin(&dj);
			etk_json_kuint(&dj, "offset", cc.runs[i].img_offset);
			etk_json_kuint(&dj, "len", cc.runs[i].len);
			etk_json_obj_end(&dj);
		}
		etk_json_arr_end(&dj);
		etk_json_obj_end(&dj);
		if (!p.oom && !d.oom)
			etk_cmd_output(r->cmd, p.data, cc.sha256, cc.length,
			    d.data);
		etk_buf_release(&p);
		etk_buf_release(&d);
	}
	return 0;
}

static int
open_case_db(struct crun *r, const char *path)
{
	struct etk_error err = { 0 };
	struct etk_case *kase = r->cmd->kase;
	struct etk_evidence *ev = NULL;
	struct etk_source *src;
	char hex[65];
	uint64_t isize = 0;
	char *name = NULL, *kind = NULL;
	int have = 0, rc = -1;

	if (etk_evidence_open(&ev, path, &err) != ETK_OK)
		return -1;	/* etk_carve reports it */
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
	    have ? hex : NULL, &r->evidence_id, &err) != ETK_OK ||
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

/* The plan of this run (SCALE.md §4.1): the options that decide the
 * records and the sources.  Shard bounds are in bytes of the first
 * source; bytes is the owned bytes of every source. */
static int
carve_plan(struct etk_cmd_plan *sp, uint64_t n,
    const struct etk_carve_opts *o, const char *plan_path, char **sources,
    int nsrc)
{
	struct etk_error err = { 0 };
	struct etk_carve_opts so;
	struct etk_source *src;
	struct etk_json j;
	struct etk_buf b;
	uint64_t k, lo, hi, size;
	int i, rc, from_file;

	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "types", o->types);
	etk_json_kstr(&j, "scope", o->scope == ETK_CARVE_SCOPE_ALL ? "all" :
	    "unalloc");
	etk_json_kuint(&j, "max_size", o->max_size != 0 ? o->max_size :
	    ETK_CARVE_MAX_SIZE);
	etk_json_key(&j, "range");
	if (o->has_range) {
		etk_json_obj_begin(&j);
		etk_json_kuint(&j, "start", o->range_start);
		etk_json_kuint(&j, "len", o->range_len);
		etk_json_obj_end(&j);
	} else
		etk_json_null(&j);
	etk_json_kbool(&j, "no_write", o->no_write);
	etk_json_obj_end(&j);
	rc = etk_cmd_plan_open(sp, "carve", n, &b, sources, (size_t)nsrc,
	    plan_path, &from_file);
	etk_buf_release(&b);
	if (rc != ETK_EXIT_OK || from_file)
		return rc;
	so = *o;
	for (i = 0; i < nsrc; i++) {
		if (etk_source_open(&src, sources[i], &err) != ETK_OK) {
			etk_warnx("%s", err.msg);
			etk_cmd_plan_free(sp);
			return ETK_EXIT_FAILURE;
		}
		size = etk_source_size(src);
		etk_source_close(src);
		for (k = 0; k < n; k++) {
			so.shard_k = k;
			so.shard_n = n;
			if (etk_carve_owner_range(size, &so, &lo, &hi, &err) !=
			    ETK_OK) {
				etk_warnx("%s: %s", sources[i], err.msg);
				etk_cmd_plan_free(sp);
				return ETK_EXIT_USAGE;
			}
			if (i == 0) {
				sp->first[k] = lo;
				sp->end[k] = hi;
			}
			sp->bytes[k] += hi - lo;
		}
	}
	return 0;
}

static const char *
base_name(const char *p)
{
	const char *s;
	size_t l = strlen(p);

	while (l > 1 && p[l - 1] == '/')
		l--;
	for (s = p + l; s > p && s[-1] != '/'; s--)
		;
	return s;
}

/* DIR/carved.jsonl from the temporary file: fsync, link (never over an
 * existing file).  Returns 0 or -1 with err set. */
static int
publish(struct crun *r, const char *tmp, const char *final, char sha[65],
    struct etk_error *err)
{
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	int e;

	if (fflush(r->jf) != 0 || fsync(fileno(r->jf)) != 0) {
		e = errno;
		fclose(r->jf);
		r->jf = NULL;
		etk_fail(err, ETK_EIO, e, "cannot write '%s'", final);
		return -1;
	}
	if (fclose(r->jf) != 0) {
		r->jf = NULL;
		etk_fail(err, ETK_EIO, errno, "cannot write '%s'", final);
		return -1;
	}
	r->jf = NULL;
	if (etk_publish_file(-1, tmp, final, err) != ETK_OK)
		return -1;
	EVP_DigestFinal_ex(r->md, dg, &dl);
	etk_hex(dg, dl, sha);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		ETK_COMMON_LONGOPTS,
		ETK_SHARD_LONGOPTS,
		{ "list-types",	no_argument,		NULL, OPT_LIST_TYPES },
		{ "max-size",	required_argument,	NULL, OPT_MAX_SIZE },
		{ "no-write",	no_argument,		NULL, OPT_NO_WRITE },
		{ "output",	required_argument,	NULL, 'o' },
		{ "range",	required_argument,	NULL, OPT_RANGE },
		{ "scope",	required_argument,	NULL, OPT_SCOPE },
		{ "types",	required_argument,	NULL, OPT_TYPES },
		{ NULL,		0,			NULL, 0 }
	};
	struct etk_cmd cmd;
	struct etk_error err = { 0 };
	struct etk_carve_opts o;
	struct etk_progress *pg = NULL;
	struct etk_buf jtmp, jfinal, sub, list;
	struct sigaction sa;
	struct crun r;
	struct stat st;
	char why[512], sha[65];
	struct etk_cmd_shardopts so;
	int ch, i, j, fd, rc, list_types = 0, status = ETK_EXIT_OK;

	if (etk_cmd_begin(&cmd, "etk-carve", argc, argv) != 0)
		return cmd.exit_now;
	memset(&r, 0, sizeof(r));
	memset(&o, 0, sizeof(o));
	memset(&so, 0, sizeof(so));
	r.cmd = &cmd;
	while ((ch = getopt_long(argc, argv, ETK_COMMON_SHORTOPTS "o:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			r.dir = optarg;
			break;
		case OPT_LIST_TYPES:
			list_types = 1;
			break;
		case OPT_MAX_SIZE:
			if (etk_parse_size(optarg, &o.max_size) != 0 ||
			    o.max_size == 0)
				return etk_cmd_leave(&cmd, etk_cmd_usage_error(
				    &cmd, usage, "bad size '%s'", optarg));
			break;
		case OPT_NO_WRITE:
			o.no_write = 1;
			break;
		case OPT_RANGE:
			if (parse_range(optarg, &o.range_start,
			    &o.range_len) != 0)
				return etk_cmd_leave(&cmd, etk_cmd_usage_error(
				    &cmd, usage, "bad range '%s': expected "
				    "START:LEN", optarg));
			o.has_range = 1;
			break;
		case OPT_SCOPE:
			if (strcmp(optarg, "unalloc") == 0)
				o.scope = ETK_CARVE_SCOPE_UNALLOC;
			else if (strcmp(optarg, "all") == 0)
				o.scope = ETK_CARVE_SCOPE_ALL;
			else
				return etk_cmd_leave(&cmd, etk_cmd_usage_error(
				    &cmd, usage, "bad scope '%s': expected "
				    "unalloc or all", optarg));
			break;
		case OPT_TYPES:
			o.types = optarg;
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
	if (list_types) {
		etk_buf_init(&list);
		etk_carve_formats(&list);
		fwrite(list.data, 1, list.len, stdout);
		etk_buf_release(&list);
		return etk_cmd_leave(&cmd, fflush(stdout) == 0 ?
		    ETK_EXIT_OK : ETK_EXIT_FAILURE);
	}
	if (argc < 1)
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "no source given"));
	if (r.dir == NULL && !o.no_write && so.print_plan == 0)
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "no output directory given (-o DIR)"));
	if (etk_cmd_shard_check(&cmd, &so, usage) != 0)
		return etk_cmd_leave(&cmd, cmd.exit_now);
	o.shard_k = so.k;
	o.shard_n = so.n;
	if (o.types != NULL && check_types(o.types, why, sizeof(why)) != 0)
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "%s", why));
	/* Two sources may not share a name: their outputs go to
	 * DIR/NAME/. */
	for (i = 0; argc > 1 && i < argc; i++)
		for (j = 0; j < i; j++)
			if (strcmp(base_name(argv[i]), base_name(argv[j])) == 0)
				return etk_cmd_leave(&cmd, etk_cmd_usage_error(
				    &cmd, usage, "two sources named '%s'",
				    base_name(argv[i])));

	/* From here on an interrupt is recorded, not fatal: a shard's
	 * database may exist from the next step. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (so.print_plan != 0 || o.shard_n != 0) {
		struct etk_cmd_plan sp;

		if ((rc = carve_plan(&sp, so.print_plan != 0 ? so.print_plan :
		    o.shard_n, &o, so.plan, argv, argc)) != 0)
			return etk_cmd_leave(&cmd, rc);
		if (so.print_plan != 0) {
			rc = etk_cmd_plan_print(&sp, "byte", stdout) != 0 ?
			    ETK_EXIT_FAILURE : ETK_EXIT_OK;
			etk_cmd_plan_free(&sp);
			return etk_cmd_leave(&cmd, rc);
		}
		rc = so.out == NULL ? 0 : etk_cmd_shard_begin(&cmd,
		    so.out, "carve", o.shard_k, o.shard_n, sp.id);
		etk_cmd_plan_free(&sp);
		if (rc != 0)
			return cmd.exit_now;
	}
	if (so.out == NULL && etk_cmd_open_case(&cmd) != 0)
		return etk_cmd_leave(&cmd, cmd.exit_now);
	etk_buf_init(&jtmp);
	etk_buf_init(&jfinal);
	etk_buf_init(&sub);
	etk_buf_init(&r.rec);
	etk_buf_init(&r.tmp);
	if (r.dir != NULL) {
		etk_buf_printf(&jfinal, "%s/carved.jsonl", r.dir);
		if (lstat(jfinal.data, &st) == 0) {
			etk_fail(&err, ETK_EEXIST, 0,
			    "'%s' exists; refusing to overwrite", jfinal.data);
			etk_cmd_error(&cmd, &err);
			status = ETK_EXIT_FAILURE;
			goto end;
		}
		if (mkdir(r.dir, 0750) != 0 && errno != EEXIST) {
			etk_fail(&err, ETK_EIO, errno, "cannot create '%s'",
			    r.dir);
			etk_cmd_error(&cmd, &err);
			status = ETK_EXIT_FAILURE;
			goto end;
		}
		etk_buf_printf(&jtmp, "%s/.carved.jsonl.tmp-XXXXXX", r.dir);
		if (jtmp.oom || (fd = mkostemp(jtmp.data, O_CLOEXEC)) == -1 ||
		    (r.jf = fdopen(fd, "w")) == NULL ||
		    (r.md = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(r.md, EVP_sha256(), NULL) != 1) {
			etk_fail(&err, ETK_EIO, errno, "cannot create '%s'",
			    jfinal.data);
			etk_cmd_error(&cmd, &err);
			status = ETK_EXIT_FAILURE;
			if (r.jf != NULL) {
				fclose(r.jf);
				r.jf = NULL;
				unlink(jtmp.data);
			}
			goto end;
		}
		(void)fchmod(fileno(r.jf), 0640);
	}

	if (!cmd.quiet || cmd.progress == ETK_PROGRESS_ON)
		(void)etk_progress_new(&pg, stderr, cmd.progress, "carve", 0,
		    &err);
	o.threads = cmd.threads;
	o.progress = pg;
	o.interrupt = &interrupted;
	for (i = 0; i < argc && !r.stopped && !interrupted; i++) {
		etk_cmd_input(&cmd, argv[i]);
		etk_buf_reset(&sub);
		r.prefix = NULL;
		if (r.dir != NULL && argc > 1) {
			etk_buf_printf(&sub, "%s/%s", r.dir,
			    base_name(argv[i]));
			r.prefix = base_name(argv[i]);
		} else if (r.dir != NULL)
			etk_buf_adds(&sub, r.dir);
		r.kase = NULL;
		r.db_failed = 0;
		if (cmd.kase != NULL && open_case_db(&r, argv[i]) != 0)
			status = etk_exit_worst(status, ETK_EXIT_FAILURE);
		etk_error_clear(&err);
		if (etk_carve(argv[i], r.dir != NULL ? sub.data : NULL, &o,
		    on_carved, &r, cmd.sum, &err) != ETK_OK) {
			etk_cmd_error(&cmd, &err);
			etk_summary_add(cmd.sum, argv[i], "source",
			    ETK_OUTCOME_ERROR, 0, err.msg);
		}
		if (r.kase != NULL) {
			etk_error_clear(&err);
			if (etk_case_db_commit(r.kase, &err) != ETK_OK) {
				etk_wrap(&err, "case database");
				etk_cmd_error(&cmd, &err);
				status = etk_exit_worst(status,
				    ETK_EXIT_FAILURE);
			}
			r.kase = NULL;
		}
	}
	etk_progress_free(pg);
	pg = NULL;
	if (interrupted) {
		etk_summary_add(cmd.sum, "carve", "run", ETK_OUTCOME_ERROR, 0,
		    "interrupted");
		status = etk_exit_worst(status, ETK_EXIT_PARTIAL);
		/* An interrupted shard is not done: the engine runs it
		 * again (75, EX_TEMPFAIL). */
		if (etk_cmd_shard_active(&cmd))
			status = ETK_EXIT_TEMPFAIL;
	}
	if (!r.stopped && (fflush(stdout) != 0 || ferror(stdout)))
		out_fail(&r, errno);
	if (r.jf != NULL) {
		etk_error_clear(&err);
		if (r.stopped) {
			fclose(r.jf);
			r.jf = NULL;
			unlink(jtmp.data);
		} else if (publish(&r, jtmp.data, jfinal.data, sha,
		    &err) != 0) {
			unlink(jtmp.data);
			etk_cmd_error(&cmd, &err);
			status = etk_exit_worst(status, ETK_EXIT_FAILURE);
		} else
			etk_cmd_output(&cmd, jfinal.data, sha, r.jbytes, NULL);
	}
	if (r.stopped) {
		if (r.out_errno == EPIPE)
			cmd.quiet = 1;
		else {
			etk_fail(&err, ETK_EIO, r.out_errno, "write error");
			etk_cmd_error(&cmd, &err);
			status = etk_exit_worst(status, ETK_EXIT_FAILURE);
		}
		clearerr(stdout);
	}
end:
	if (r.jf != NULL)
		fclose(r.jf);
	EVP_MD_CTX_free(r.md);
	etk_buf_release(&jtmp);
	etk_buf_release(&jfinal);
	etk_buf_release(&sub);
	etk_buf_release(&r.rec);
	etk_buf_release(&r.tmp);
	return etk_cmd_end(&cmd, "carve", status);
}
