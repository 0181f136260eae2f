/*
 * etk-hash: hash every file of each source (every file system of every
 * volume, directories, archives, backups, nested containers), with
 * content types, extension checks, known/alert hash sets and hashdeep
 * audits.
 *
 * The hashing is etk_hash_evidence (lib/hash/walk.c): one walker, -j
 * workers, results in walk order whatever -j.  Records go through the
 * etk_writer formats (lib/output): text (default), json (--json),
 * hashdeep, csv, dfxml.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmdutil.h"

enum {
	OPT_ALERT = ETK_OPT_FIRST_PRIVATE,
	OPT_AUDIT,
	OPT_FORMAT,
	OPT_HIDE_KNOWN,
	OPT_KNOWN,
	OPT_NO_TYPE,
	OPT_PIECEWISE
};

#define MAX_SETS 64

struct hrun {
	struct etk_cmd *cmd;
	struct etk_writer *w;
	struct etk_hashset *known[MAX_SETS];
	const char *known_name[MAX_SETS];
	size_t nknown;
	struct etk_hashset *alert[MAX_SETS];
	const char *alert_name[MAX_SETS];
	size_t nalert;
	int hide_known;
	struct etk_audit *audit;
	uint64_t audit_n[4];	/* per enum etk_audit_status */
	uint64_t audit_missing;
	uint64_t files;		/* records this source */
	uint64_t unhashed;	/* files without digests this source */
	int stopped;		/* output failed */
	int out_errno;
	/* case database */
	struct etk_case *kase;
	int64_t evidence_id;
	uint64_t action;
	int db_failed;
	struct etk_buf tmp;
};

static void
usage(FILE *fp)
{
	if (fp != stdout)
		fprintf(fp, "%s: ", etk_getprogname());
	fprintf(fp, "usage: %s [-hqV] [-c digests] [-j N] [--alert set] "
	    "[--audit file] [--case DIR]\n"
	    "       [--format text|json|hashdeep|csv|dfxml] [--hide-known] "
	    "[--json]\n"
	    "       [--known set] [--no-type] [--piecewise size] [--plan file]\n"
	    "       [--shard K/N] [--shard-out dir] source ...\n",
	    etk_getprogname());
	if (fp != stdout)
		return;
	fputs("options:\n"
	    "  -c, --digests LIST  md5,sha1,sha256,ssdeep (default: sha256)\n"
	    "      --format FMT    text, json, hashdeep, csv or dfxml\n"
	    "      --known SET     mark files whose digest is in SET "
	    "(repeatable)\n"
	    "      --alert SET     mark and report files whose digest is in "
	    "SET (repeatable)\n"
	    "      --hide-known    leave known files out of the output\n"
	    "      --no-type       do not determine content types (faster "
	    "for many small files)\n"
	    "      --audit FILE    compare with a hashdeep file (exit 4 when "
	    "anything differs)\n"
	    "      --piecewise SIZE  hash the media in windows of SIZE bytes at "
	    "absolute\n"
	    "                      offsets instead of the files (shards by "
	    "byte range)\n"
	    "      --shard K/N     hash only part K of N (contiguous, balanced "
	    "by bytes; --shard N:\n"
	    "                      K from ETK_SHARD, SLURM_ARRAY_TASK_ID, "
	    "JOB_COMPLETION_INDEX,\n"
	    "                      PARALLEL_SEQ-1)\n"
	    "      --shard-out DIR write the shard's records to "
	    "DIR/shard-K.db and a done-record\n"
	    "      --plan FILE     take the shards' bounds from a plan made by "
	    "etk plan\n", fp);
	etk_cmd_usage_common(fp);
}

static const char *
first_digest(const struct etk_digests *d)
{
	if (d->sha256[0] != '\0')
		return d->sha256;
	if (d->sha1[0] != '\0')
		return d->sha1;
	if (d->md5[0] != '\0')
		return d->md5;
	return "-";
}

static int
on_file(const struct etk_hashed_file *hf, void *arg)
{
	struct hrun *r = arg;
	const struct etk_entry *e = hf->entry;
	const char *known[MAX_SETS], *alert[MAX_SETS];
	struct etk_file_record rec;
	struct etk_error err = { 0 };
	enum etk_audit_status as;
	size_t i, nk = 0, na = 0;
	int hashed = hf->status == ETK_OK && hf->digests.mask != 0;

	if (hashed) {
		for (i = 0; i < r->nknown; i++)
			if (etk_hashset_match(r->known[i], &hf->digests))
				known[nk++] = r->known_name[i];
		for (i = 0; i < r->nalert; i++)
			if (etk_hashset_match(r->alert[i], &hf->digests)) {
				alert[na++] = r->alert_name[i];
				etk_warnx("ALERT: %s: %s %s", r->alert_name[i],
				    e->locator, first_digest(&hf->digests));
			}
		if (r->audit != NULL) {
			/* As `hashdeep -r -l .` names it, and as the
			 * hashdeep format writes it. */
			etk_buf_reset(&r->tmp);
			if (e->path != NULL && *e->path != '\0')
				etk_buf_adds(&r->tmp, ".");
			if (e->path != NULL && *e->path != '\0' &&
			    *e->path != '/')
				etk_buf_adds(&r->tmp, "/");
			etk_buf_adds(&r->tmp, e->path != NULL &&
			    *e->path != '\0' ? e->path : e->locator);
			as = etk_audit_check(r->audit, r->tmp.data, hf->bytes,
			    &hf->digests);
			if ((unsigned)as < 4)
				r->audit_n[as]++;
			if (as != ETK_AUDIT_MATCHED)
				etk_warnx("audit: %s: %s",
				    etk_audit_status_name(as), r->tmp.data);
		}
	} else
		r->unhashed++;
	r->files++;
	if (r->kase != NULL && !r->db_failed &&
	    (etk_case_db_file(r->kase, r->evidence_id, r->action, e, hf->mime,
	    &err) != ETK_OK || (hashed && (etk_case_db_file_hashes(r->kase,
	    r->action, e->locator, &hf->digests, &err) != ETK_OK ||
	    etk_case_db_hash(r->kase, r->action, e->locator, hf->bytes,
	    &hf->digests, known, nk, alert, na, hf->ext_mismatch, &err) !=
	    ETK_OK)))) {
		etk_wrap(&err, "case database");
		etk_cmd_error(r->cmd, &err);
		r->db_failed = 1;
	}
	if (r->hide_known && nk > 0)
		return 0;
	memset(&rec, 0, sizeof(rec));
	rec.entry = e;
	rec.digests = hashed ? &hf->digests : NULL;
	rec.mime = hf->mime;
	rec.ext_mismatch = hf->ext_mismatch;
	rec.known = known;
	rec.nknown = nk;
	rec.alert = alert;
	rec.nalert = na;
	rec.runs = hf->runs;
	rec.nruns = hf->nruns;
	rec.status = hf->status;
	rec.reason = hf->reason;
	etk_error_clear(&err);
	if (etk_writer_file(r->w, &rec, &err) != ETK_OK || ferror(stdout)) {
		r->stopped = 1;
		r->out_errno = err.sys_errno != 0 ? err.sys_errno : errno;
		return 1;
	}
	return 0;
}

static int
open_case_db(struct hrun *r, const char *path, const char *name,
    const char *kind, uint64_t size)
{
	struct etk_error err = { 0 };
	struct etk_case *kase = r->cmd->kase;
	char hex[65];
	uint64_t isize = size;
	int have = 0;

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
		return -1;
	}
	/* Rows are numbered with the journal entry when it is appended. */
	r->action = 0;
	r->kase = kase;
	return 0;
}

static void
count_missing(const char *path, void *arg)
{
	struct hrun *r = arg;

	r->audit_missing++;
	etk_warnx("audit: missing: %s", path);
}

/* The audit result, hashdeep-style, on stderr (and as a JSON record
 * with --json).  Returns the exit status it implies. */
static int
audit_report(struct hrun *r)
{
	struct etk_buf b;
	struct etk_json j;
	int failed;

	etk_audit_missing(r->audit, count_missing, r);
	failed = r->audit_n[ETK_AUDIT_MOVED] + r->audit_n[ETK_AUDIT_NEW] +
	    r->audit_n[ETK_AUDIT_CHANGED] + r->audit_missing != 0;
	fflush(stdout);
	fprintf(stderr, "%s: Audit %s\n"
	    "          Files matched: %" PRIu64 "\n"
	    "            Files moved: %" PRIu64 "\n"
	    "        New files found: %" PRIu64 "\n"
	    "          Files changed: %" PRIu64 "\n"
	    "  Known files not found: %" PRIu64 "\n",
	    etk_getprogname(), failed ? "failed" : "passed",
	    r->audit_n[ETK_AUDIT_MATCHED], r->audit_n[ETK_AUDIT_MOVED],
	    r->audit_n[ETK_AUDIT_NEW], r->audit_n[ETK_AUDIT_CHANGED],
	    r->audit_missing);
	if (r->cmd->json) {
		etk_buf_init(&b);
		etk_json_init(&j, &b);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "record", "audit");
		etk_json_kstr(&j, "result", failed ? "failed" : "passed");
		etk_json_kuint(&j, "matched", r->audit_n[ETK_AUDIT_MATCHED]);
		etk_json_kuint(&j, "moved", r->audit_n[ETK_AUDIT_MOVED]);
		etk_json_kuint(&j, "new", r->audit_n[ETK_AUDIT_NEW]);
		etk_json_kuint(&j, "changed", r->audit_n[ETK_AUDIT_CHANGED]);
		etk_json_kuint(&j, "missing", r->audit_missing);
		etk_json_obj_end(&j);
		etk_cmd_emit(r->cmd, &b);
		etk_buf_release(&b);
	}
	return failed ? ETK_EXIT_MISMATCH : ETK_EXIT_OK;
}

/* What the top level of a source is, for the writer, the progress bar
 * and the case database.  Returns 0, or -1 when it does not open (the
 * error is reported by the caller from etk_hash_evidence). */
static int
peek_source(const char *path, char **name, char **kind, uint64_t *size,
    char *nofs, size_t nofslen)
{
	struct etk_error err = { 0 };
	const struct etk_volume *vols;
	struct etk_evidence *ev;
	struct etk_source *src;
	const char *why = NULL;
	size_t i, n, ok = 0;

	*name = *kind = NULL;
	*size = 0;
	nofs[0] = '\0';
	if (etk_evidence_open(&ev, path, &err) != ETK_OK)
		return -1;
	*name = strdup(etk_evidence_name(ev));
	*kind = strdup(etk_evidence_kind_name(ev));
	if ((src = etk_evidence_source(ev)) != NULL)
		*size = etk_source_size(src);
	/* An image with neither a file system nor a partition table
	 * has no files: say so (etk-ls does the same). */
	n = etk_evidence_volumes(ev, &vols);
	for (i = 0; i < n; i++) {
		if (vols[i].flags & (ETK_VOL_META | ETK_VOL_UNALLOC))
			continue;
		if (vols[i].fs_status == ETK_OK)
			ok++;
		else if (vols[i].fs_status != ETK_ENOTFOUND && why == NULL)
			why = vols[i].fs_error;
	}
	if (etk_evidence_kind(ev) == ETK_EV_IMAGE && ok == 0 &&
	    etk_evidence_vs_type(ev) == NULL)
		snprintf(nofs, nofslen, "%s: %s", etk_evidence_name(ev),
		    why != NULL ? why :
		    "no partition table or file system found");
	etk_evidence_close(ev);
	if (*name == NULL || *kind == NULL) {
		free(*name);
		free(*kind);
		*name = *kind = NULL;
		return -1;
	}
	return 0;
}

static void
close_sets(struct hrun *r)
{
	size_t i;

	for (i = 0; i < r->nknown; i++)
		etk_hashset_close(r->known[i]);
	for (i = 0; i < r->nalert; i++)
		etk_hashset_close(r->alert[i]);
	etk_audit_close(r->audit);
	r->nknown = r->nalert = 0;
	r->audit = NULL;
}

static int
leave(struct etk_cmd *cmd, struct hrun *r, int status)
{
	close_sets(r);
	etk_buf_release(&r->tmp);
	cmd->json = 0;
	cmd->quiet = 1;
	return etk_cmd_end(cmd, NULL, status);
}

/* Open each set; an unreadable or malformed set is a failure before
 * anything is read (exit 1). */
static int
open_sets(struct etk_cmd *cmd, struct etk_hashset **sets,
    const char **names, const char *const *paths, size_t n)
{
	struct etk_error err = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		if (etk_hashset_open(&sets[i], paths[i], NULL, &err) !=
		    ETK_OK) {
			etk_cmd_error(cmd, &err);
			return -1;
		}
		names[i] = etk_hashset_name(sets[i]);
	}
	return 0;
}

struct prun {
	struct hrun *r;
	const char *name;
	int stopped;
};

static int
on_piece(const struct etk_piece *pc, void *arg)
{
	struct prun *p = arg;
	struct hrun *r = p->r;
	struct etk_error err = { 0 };
	struct etk_json j;
	const char *d;

	etk_buf_reset(&r->tmp);
	if (r->cmd->json) {
		etk_json_init(&j, &r->tmp);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "record", "piece");
		etk_json_kstr(&j, "source", p->name);
		etk_json_kuint(&j, "offset", pc->offset);
		etk_json_kuint(&j, "len", pc->len);
		if (pc->digests.mask & ETK_DIGEST_MD5)
			etk_json_kstr(&j, "md5", pc->digests.md5);
		if (pc->digests.mask & ETK_DIGEST_SHA1)
			etk_json_kstr(&j, "sha1", pc->digests.sha1);
		if (pc->digests.mask & ETK_DIGEST_SHA256)
			etk_json_kstr(&j, "sha256", pc->digests.sha256);
		etk_json_kstr(&j, "error", pc->reason);
		etk_json_obj_end(&j);
		etk_cmd_emit(r->cmd, &r->tmp);
	} else {
		d = first_digest(&pc->digests);
		printf("%s  %s@%" PRIu64 "+%" PRIu64 "%s%s\n", d, p->name,
		    pc->offset, pc->len, pc->reason != NULL ? "\terror=" : "",
		    pc->reason != NULL ? pc->reason : "");
	}
	if (ferror(stdout)) {
		r->stopped = 1;
		r->out_errno = errno;
		return 1;
	}
	if (r->kase != NULL && !r->db_failed &&
	    etk_case_db_piece(r->kase, r->evidence_id, r->action, pc->offset,
	    pc->len, &pc->digests, pc->reason, &err) != ETK_OK) {
		etk_cmd_error(r->cmd, &err);
		r->db_failed = 1;
	}
	return 0;
}

/* etk hash --piecewise: the media of each source in windows at absolute
 * offsets; a shard takes whole windows by byte range. */
static int
run_pieces(struct hrun *r, uint64_t piece, unsigned mask, uint64_t shard_k,
    uint64_t shard_n, char **sources, int nsrc)
{
	struct etk_cmd *cmd = r->cmd;
	struct etk_error err = { 0 };
	struct etk_pieces_opts po;
	struct etk_progress *pg = NULL;
	struct etk_source *src;
	struct prun p;
	uint64_t total = 0;
	int i, status = ETK_EXIT_OK;

	if (!cmd->quiet || cmd->progress == ETK_PROGRESS_ON)
		(void)etk_progress_new(&pg, stderr, cmd->progress, "hash", 0,
		    &err);
	for (i = 0; i < nsrc && !r->stopped; i++) {
		etk_cmd_input(cmd, sources[i]);
		etk_error_clear(&err);
		if (etk_source_open(&src, sources[i], &err) != ETK_OK) {
			etk_cmd_error(cmd, &err);
			etk_summary_add(cmd->sum, sources[i], "source",
			    ETK_OUTCOME_ERROR, 0, err.msg);
			continue;
		}
		memset(&po, 0, sizeof(po));
		po.size = piece;
		po.digests = mask;
		po.threads = cmd->threads;
		if (shard_n != 0) {
			po.has_range = 1;
			etk_pieces_shard(etk_source_size(src), piece, shard_k,
			    shard_n, &po.lo, &po.hi);
		}
		total += po.has_range ? po.hi - po.lo : etk_source_size(src);
		etk_progress_set_total(pg, total);
		po.progress = pg;
		memset(&p, 0, sizeof(p));
		p.r = r;
		p.name = etk_source_name(src);
		r->kase = NULL;
		r->db_failed = 0;
		if (cmd->kase != NULL && open_case_db(r, sources[i], p.name,
		    etk_source_format(src), etk_source_size(src)) != 0)
			status = etk_exit_worst(status, ETK_EXIT_FAILURE);
		etk_error_clear(&err);
		if (etk_hash_pieces(src, &po, on_piece, &p, cmd->sum, &err) !=
		    ETK_OK) {
			etk_cmd_error(cmd, &err);
			etk_summary_add(cmd->sum, p.name, "source",
			    ETK_OUTCOME_ERROR, 0, err.msg);
		}
		if (r->kase != NULL) {
			etk_error_clear(&err);
			if (etk_case_db_commit(r->kase, &err) != ETK_OK) {
				etk_wrap(&err, "case database");
				etk_cmd_error(cmd, &err);
				status = etk_exit_worst(status,
				    ETK_EXIT_FAILURE);
			}
			r->kase = NULL;
		}
		etk_source_close(src);
	}
	etk_progress_free(pg);
	if (r->stopped || fflush(stdout) != 0) {
		if (r->out_errno != EPIPE && errno != EPIPE) {
			etk_fail(&err, ETK_EIO, r->out_errno, "write error");
			etk_cmd_error(cmd, &err);
			status = etk_exit_worst(status, ETK_EXIT_FAILURE);
		} else
			cmd->quiet = 1;
		clearerr(stdout);
	}
	return status;
}

/* The plan of this run (SCALE.md §4.1): what decides the records
 * (digests, content typing, the sets by content) and the sources, and
 * the shards' bounds from a plan file or a metadata walk. */
static int
make_plan(struct etk_cmd *cmd, struct etk_cmd_plan *sp, uint64_t n,
    unsigned mask, int no_type, uint64_t piece, const char *const *known,
    size_t nknown,
    const char *const *alert, size_t nalert, const char *plan_path,
    char **sources, int nsrc)
{
	struct etk_error err = { 0 };
	struct etk_hash_opts po;
	struct etk_json j;
	struct etk_buf o;
	uint64_t *bounds = NULL, *counts = NULL, k, size;
	char hex[65];
	size_t i;
	int rc, from_file;

	etk_buf_init(&o);
	etk_json_init(&j, &o);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "digests", etk_digest_names(mask));
	etk_json_kbool(&j, "no_type", no_type);
	if (piece != 0)
		etk_json_kuint(&j, "piecewise", piece);
	etk_json_key(&j, "known");
	etk_json_arr_begin(&j);
	for (i = 0; i < nknown; i++)
		etk_json_str(&j, etk_file_sha256(known[i], hex, &size, NULL) ==
		    ETK_OK ? hex : known[i]);
	etk_json_arr_end(&j);
	etk_json_key(&j, "alert");
	etk_json_arr_begin(&j);
	for (i = 0; i < nalert; i++)
		etk_json_str(&j, etk_file_sha256(alert[i], hex, &size, NULL) ==
		    ETK_OK ? hex : alert[i]);
	etk_json_arr_end(&j);
	etk_json_obj_end(&j);
	rc = etk_cmd_plan_open(sp, "hash", n, &o, sources, (size_t)nsrc,
	    plan_path, &from_file);
	etk_buf_release(&o);
	if (rc != ETK_EXIT_OK) {
		cmd->exit_now = rc;
		return -1;
	}
	rc = -1;
	if (from_file)
		return 0;
	if (piece != 0) {
		/* Byte ranges of whole windows; the bounds of the first
		 * source, the bytes of all. */
		for (i = 0; i < (size_t)nsrc; i++) {
			struct etk_source *src;
			uint64_t lo, hi, total;

			if (etk_source_open(&src, sources[i], &err) != ETK_OK) {
				etk_warnx("%s", err.msg);
				cmd->exit_now = ETK_EXIT_FAILURE;
				etk_cmd_plan_free(sp);
				return -1;
			}
			total = etk_source_size(src);
			etk_source_close(src);
			for (k = 0; k < n; k++) {
				etk_pieces_shard(total, piece, k, n, &lo, &hi);
				if (i == 0) {
					sp->first[k] = lo;
					sp->end[k] = hi;
				}
				sp->bytes[k] += hi - lo;
			}
		}
		return 0;
	}
	memset(&po, 0, sizeof(po));
	po.digests = mask;
	if ((bounds = calloc((size_t)n + 1, sizeof(*bounds))) == NULL ||
	    (counts = calloc((size_t)nsrc, sizeof(*counts))) == NULL) {
		etk_warnx("out of memory");
		cmd->exit_now = ETK_EXIT_FAILURE;
		goto out;
	}
	if (etk_hash_split((const char *const *)sources, (size_t)nsrc, &po, n,
	    bounds, counts, sp->bytes, &err) != ETK_OK) {
		etk_warnx("cannot plan shards: %s", err.msg);
		cmd->exit_now = ETK_EXIT_FAILURE;
		goto out;
	}
	for (k = 0; k < n; k++) {
		sp->first[k] = bounds[k];
		sp->end[k] = bounds[k + 1];
	}
	rc = 0;
out:
	if (rc != 0)
		etk_cmd_plan_free(sp);
	free(bounds);
	free(counts);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		ETK_COMMON_LONGOPTS,
		ETK_SHARD_LONGOPTS,
		{ "alert",	required_argument,	NULL, OPT_ALERT },
		{ "audit",	required_argument,	NULL, OPT_AUDIT },
		{ "digests",	required_argument,	NULL, 'c' },
		{ "format",	required_argument,	NULL, OPT_FORMAT },
		{ "hide-known",	no_argument,		NULL, OPT_HIDE_KNOWN },
		{ "known",	required_argument,	NULL, OPT_KNOWN },
		{ "no-type",	no_argument,		NULL, OPT_NO_TYPE },
		{ "piecewise",	required_argument,	NULL, OPT_PIECEWISE },
		{ NULL,		0,			NULL, 0 }
	};
	const char *known_paths[MAX_SETS], *alert_paths[MAX_SETS];
	const char *audit_path = NULL, *fmt_arg = NULL, *digests_arg = NULL;
	struct etk_cmd_shardopts so;
	struct etk_cmd_plan sp;
	uint64_t gpos = 0, walked = 0, piece = 0;
	int have_plan = 0;
	size_t nknown = 0, nalert = 0;
	struct etk_cmd cmd;
	struct etk_error err = { 0 };
	struct etk_writer_info info;
	struct etk_hash_opts ho;
	struct etk_progress *pg = NULL;
	struct hrun r;
	enum etk_format fmt = ETK_FMT_TEXT;
	unsigned mask = ETK_DIGEST_SHA256;
	uint64_t total = 0, *plan = NULL;
	char nofs[ETK_ERRMSG_MAX];
	int ch, i, rc, no_type = 0, status = ETK_EXIT_OK;

	if (etk_cmd_begin(&cmd, "etk-hash", argc, argv) != 0)
		return cmd.exit_now;
	memset(&r, 0, sizeof(r));
	memset(&so, 0, sizeof(so));
	r.cmd = &cmd;
	etk_buf_init(&r.tmp);
	while ((ch = getopt_long(argc, argv, ETK_COMMON_SHORTOPTS "c:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			digests_arg = optarg;
			break;
		case OPT_ALERT:
			if (nalert == MAX_SETS)
				return leave(&cmd, &r, etk_cmd_usage_error(&cmd,
				    usage, "too many --alert sets"));
			alert_paths[nalert++] = optarg;
			break;
		case OPT_AUDIT:
			audit_path = optarg;
			break;
		case OPT_FORMAT:
			fmt_arg = optarg;
			break;
		case OPT_HIDE_KNOWN:
			r.hide_known = 1;
			break;
		case OPT_KNOWN:
			if (nknown == MAX_SETS)
				return leave(&cmd, &r, etk_cmd_usage_error(&cmd,
				    usage, "too many --known sets"));
			known_paths[nknown++] = optarg;
			break;
		case OPT_NO_TYPE:
			no_type = 1;
			break;
		case OPT_PIECEWISE:
			if (etk_parse_size(optarg, &piece) != 0 || piece == 0)
				return leave(&cmd, &r, etk_cmd_usage_error(&cmd,
				    usage, "bad window size '%s'", optarg));
			break;
		default:
			if ((rc = etk_cmd_shard_opt(&cmd, &so, ch, optarg,
			    usage)) < 0)
				return leave(&cmd, &r, cmd.exit_now);
			if (rc == 0 && etk_cmd_common_opt(&cmd, ch, optarg,
			    usage) != ETK_OPT_HANDLED)
				return leave(&cmd, &r, cmd.exit_now);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return leave(&cmd, &r, etk_cmd_usage_error(&cmd, usage,
		    "no source given"));
	if (digests_arg != NULL &&
	    etk_digest_parse(digests_arg, &mask, &err) != ETK_OK)
		return leave(&cmd, &r, etk_cmd_usage_error(&cmd, usage,
		    "%s", err.msg));
	if (fmt_arg != NULL) {
		if (etk_format_parse(fmt_arg, &fmt, &err) != ETK_OK)
			return leave(&cmd, &r, etk_cmd_usage_error(&cmd,
			    usage, "%s", err.msg));
		if (cmd.json && fmt != ETK_FMT_JSON)
			return leave(&cmd, &r, etk_cmd_usage_error(&cmd,
			    usage, "--json and --format %s conflict",
			    fmt_arg));
		if (fmt == ETK_FMT_JSON)
			cmd.json = 1;
	} else if (cmd.json)
		fmt = ETK_FMT_JSON;
	if (r.hide_known && nknown == 0)
		return leave(&cmd, &r, etk_cmd_usage_error(&cmd, usage,
		    "--hide-known needs --known"));
	if (piece != 0 && (nknown != 0 || nalert != 0 || audit_path != NULL ||
	    no_type || (mask & ETK_DIGEST_SSDEEP) ||
	    (fmt != ETK_FMT_TEXT && fmt != ETK_FMT_JSON)))
		return leave(&cmd, &r, etk_cmd_usage_error(&cmd, usage,
		    "--piecewise hashes windows, not files: not with --known, "
		    "--alert, --audit, --no-type, ssdeep or --format other "
		    "than text and json"));
	if (etk_cmd_shard_check(&cmd, &so, usage) != 0)
		return leave(&cmd, &r, cmd.exit_now);

	if (so.out == NULL && so.print_plan == 0 &&
	    etk_cmd_open_case(&cmd) != 0)
		return leave(&cmd, &r, cmd.exit_now);
	/* Sets first: a bad set stops the run before anything is read. */
	if (open_sets(&cmd, r.known, r.known_name, known_paths, nknown) != 0 ||
	    open_sets(&cmd, r.alert, r.alert_name, alert_paths, nalert) != 0) {
		r.nknown = nknown;
		r.nalert = nalert;
		status = ETK_EXIT_FAILURE;
		goto end;
	}
	r.nknown = nknown;
	r.nalert = nalert;
	/* Without -c, also compute what the sets hold, so that they can
	 * match (an md5sum list needs MD5). */
	if (digests_arg == NULL) {
		size_t k;

		for (k = 0; k < nknown; k++)
			mask |= etk_hashset_digests(r.known[k]);
		for (k = 0; k < nalert; k++)
			mask |= etk_hashset_digests(r.alert[k]);
		mask &= ETK_DIGEST_MD5 | ETK_DIGEST_SHA1 | ETK_DIGEST_SHA256;
	}
	if (audit_path != NULL) {
		etk_error_clear(&err);
		if (etk_audit_open(&r.audit, audit_path, &err) != ETK_OK) {
			etk_cmd_error(&cmd, &err);
			status = ETK_EXIT_FAILURE;
			goto end;
		}
		mask |= etk_audit_digests(r.audit) & ~ETK_DIGEST_SSDEEP;
	}

	if (so.n != 0 || so.print_plan != 0) {
		if (make_plan(&cmd, &sp, so.print_plan != 0 ? so.print_plan : so.n,
		    mask, no_type, piece, known_paths, nknown, alert_paths,
		    nalert, so.plan, argv, argc) != 0) {
			status = cmd.exit_now;
			goto end;
		}
		have_plan = 1;
		if (so.print_plan != 0) {
			if (etk_cmd_plan_print(&sp, piece != 0 ? "byte" :
			    "file", stdout) != 0)
				status = ETK_EXIT_FAILURE;
			goto end;
		}
		if (so.out != NULL) {
			switch (etk_cmd_shard_begin(&cmd, so.out, "hash",
			    so.k, so.n, sp.id)) {
			case 0:
				break;
			default:
				etk_cmd_plan_free(&sp);
				return leave(&cmd, &r, cmd.exit_now);
			}
		}
	}

	if (piece != 0) {
		status = etk_exit_worst(status, run_pieces(&r, piece, mask,
		    so.k, so.n, argv, argc));
		goto end;
	}

	memset(&info, 0, sizeof(info));
	info.command = "etk-hash";
	info.digests = mask;
	info.argc = cmd.argc;
	info.argv = cmd.argv0 != NULL ? cmd.argv0 : cmd.argv;
	etk_error_clear(&err);
	if (etk_writer_new(&r.w, fmt, stdout, &info, &err) != ETK_OK) {
		etk_cmd_error(&cmd, &err);
		status = ETK_EXIT_FAILURE;
		goto end;
	}
	if (!cmd.quiet || cmd.progress == ETK_PROGRESS_ON)
		(void)etk_progress_new(&pg, stderr, cmd.progress, "hash", 0,
		    &err);
	if (have_plan && etk_progress_shown(pg))
		etk_progress_set_total(pg, sp.bytes[so.k]);
	else if (etk_progress_shown(pg) && (plan = calloc((size_t)argc,
	    sizeof(*plan))) != NULL) {
		/* The bar's total: the bytes of the files to be hashed (a
		 * metadata walk of each source, only when the bar shows). */
		etk_progress_set_label(pg, "hash (planning)");
		for (i = 0; i < argc; i++) {
			struct etk_hash_opts po;
			uint64_t nf;

			memset(&po, 0, sizeof(po));
			etk_error_clear(&err);
			(void)etk_hash_plan(argv[i], &po, &nf, &plan[i], &err);
			total += plan[i];
		}
		etk_progress_set_label(pg, "hash");
		etk_progress_set_total(pg, total);
	}
	total = 0;

	for (i = 0; i < argc && !r.stopped; i++) {
		char *name = NULL, *kind = NULL;
		uint64_t size = 0;

		etk_cmd_input(&cmd, argv[i]);
		r.files = r.unhashed = 0;
		r.kase = NULL;
		r.db_failed = 0;
		if (peek_source(argv[i], &name, &kind, &size, nofs,
		    sizeof(nofs)) == 0 && nofs[0] != '\0') {
			etk_fail(&err, ETK_ENOTFOUND, 0, "%s", nofs);
			etk_cmd_error(&cmd, &err);
			etk_summary_add(cmd.sum, name, kind, ETK_OUTCOME_ERROR,
			    0, nofs);
			free(name);
			free(kind);
			continue;
		}
		if (name != NULL) {
			etk_error_clear(&err);
			if (etk_writer_source(r.w, name, argv[i], size, &err) !=
			    ETK_OK) {
				etk_cmd_error(&cmd, &err);
				r.stopped = 1;
			}
			if (cmd.kase != NULL && open_case_db(&r, argv[i], name,
			    kind, size) != 0)
				status = etk_exit_worst(status,
				    ETK_EXIT_FAILURE);
		}
		memset(&ho, 0, sizeof(ho));
		ho.digests = mask;
		ho.threads = cmd.threads;
		ho.want_runs = fmt == ETK_FMT_DFXML;
		if (have_plan) {
			/* This source's part of the shard's contiguous run
			 * of files (positions over all sources). */
			ho.use_range = 1;
			ho.range_first = sp.first[so.k] > gpos ?
			    sp.first[so.k] - gpos : 0;
			ho.range_end = sp.end[so.k] > gpos ?
			    sp.end[so.k] - gpos : 0;
		}
		walked = 0;
		ho.walked = &walked;
		ho.progress = pg;
		ho.no_mime = no_type;
		etk_error_clear(&err);
		rc = r.stopped ? ETK_OK : etk_hash_evidence(argv[i], &ho,
		    on_file, &r, cmd.sum, &err);
		gpos += walked;
		if (rc != ETK_OK) {
			etk_cmd_error(&cmd, &err);
			etk_summary_add(cmd.sum, name != NULL ? name : argv[i],
			    kind != NULL ? kind : "source", ETK_OUTCOME_ERROR,
			    0, err.msg);
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
		free(name);
		free(kind);
		if (plan != NULL) {
			/* Deleted files may give less than their size: end
			 * each source where the plan put it. */
			total += plan[i];
			etk_progress_set_done(pg, total);
		}
	}
	etk_progress_free(pg);
	pg = NULL;
	etk_error_clear(&err);
	if (!r.stopped && etk_writer_finish(r.w, &err) != ETK_OK) {
		r.stopped = 1;
		r.out_errno = err.sys_errno;
	}
	if (!r.stopped && (fflush(stdout) != 0 || ferror(stdout))) {
		r.stopped = 1;
		r.out_errno = errno;
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
	} else if (r.audit != NULL)
		status = etk_exit_worst(status, audit_report(&r));
end:
	if (have_plan)
		etk_cmd_plan_free(&sp);
	free(plan);
	etk_progress_free(pg);
	etk_writer_free(r.w);
	close_sets(&r);
	etk_buf_release(&r.tmp);
	return etk_cmd_end(&cmd, "hash", status);
}
