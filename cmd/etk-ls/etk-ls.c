/*
 * etk-ls: list volumes, file systems and files (allocated and deleted)
 * of a piece of evidence, each with its locator (mmls + fsstat + fls).
 *
 * Text output, one line per item, tab-separated, the locator in a fixed
 * column (2 for volumes; 3 for entries, 6 with -l):
 *
 *	vol	LOCATOR	START	LENGTH	FS	DESCRIPTION
 *	TYPE	DEL	LOCATOR	[PATH]
 *	TYPE	DEL	INODE	SIZE	MTIME	LOCATOR	[PATH]	(-l)
 *
 * PATH is printed with -p, and otherwise only when the locator does not
 * spell it (entries named by inode: deleted files, NTFS attributes).
 *
 * JSON Lines (--json): {"record":"volume",...} records, then
 * {"record":"file",...} records, then the run summary.  Field order is
 * fixed; see man/etk-ls.1.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"

enum {
	OPT_NESTED = ETK_OPT_FIRST_PRIVATE,
	OPT_PASSWORD_FILE
};

struct ls {
	struct etk_cmd *cmd;
	struct etk_evidence *ev;
	const char *evname;
	int longfmt;
	int paths;		/* -p: always print the path column */
	unsigned want;		/* ETK_WALK_ALLOC / ETK_WALK_UNALLOC filter */
	struct etk_buf line;
	struct etk_buf tmp;
	struct etk_buf first;	/* locator of the first entry listed */
	uint64_t count;		/* entries listed */
	int stopped;		/* output failed: stop the walk */
	int out_errno;		/* errno of the failed write */
	/* case database */
	struct etk_case *kase;
	int64_t evidence_id;
	uint64_t action;
	int db_failed;
};

/* The directory test for a stat'ed start locator. */
struct kind_probe {
	char name_type;
	char meta_type;
	int found;
};

static void
usage(FILE *fp)
{
	if (fp != stdout)
		fprintf(fp, "%s: ", etk_getprogname());
	fprintf(fp, "usage: %s [-dhlpqruV] [-j N] [--case DIR] [--json] "
	    "[--nested] [--password-file FILE] source [locator]\n",
	    etk_getprogname());
	if (fp != stdout)
		return;
	fputs("options:\n"
	    "  -d, --deleted       list deleted entries only\n"
	    "  -l, --long          long format: type, state, inode, size, "
	    "mtime, locator\n"
	    "  -p                  add the path column to every entry "
	    "line\n"
	    "  -r, --recursive     list every entry below the start, "
	    "recursively\n"
	    "  -u, --allocated     list allocated entries only\n"
	    "      --nested        also list inside archives found in the "
	    "evidence\n"
	    "      --password-file FILE\n"
	    "                      password of an encrypted iOS backup: "
	    "FILE's first line\n", fp);
	etk_cmd_usage_common(fp);
}

/* Copy s into line with tabs, newlines and other control bytes shown as
 * '?', so that free text can never break the columns. */
static void
add_text(struct etk_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		etk_buf_addc(b, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
	}
}

static char
entry_kind(const struct etk_entry *e)
{
	if (e->name_type != '\0' && e->name_type != '-')
		return e->name_type;
	if (e->meta_type != '\0')
		return e->meta_type;
	return '-';
}

static int
is_dir_type(char t)
{
	return t == 'd' || t == 'V';
}

static void
add_inode(struct etk_buf *b, const struct etk_entry *e)
{
	if (!e->has_inode) {
		etk_buf_addc(b, '-');
		return;
	}
	etk_buf_printf(b, "%" PRIu64, e->inode);
	if (e->has_attr)
		etk_buf_printf(b, "-%" PRIu32 "-%u", e->attr_type,
		    (unsigned)e->attr_id);
	if (e->realloc)
		etk_buf_adds(b, "(realloc)");
}

/* Does the entry's locator spell its path (as opposed to naming it by
 * inode, as for deleted files and NTFS attributes)? */
static int
locator_has_path(struct etk_buf *tmp, const struct etk_entry *e)
{
	size_t n;

	if (e->path == NULL || e->path[0] == '\0')
		return 1;
	etk_buf_reset(tmp);
	etk_locator_encode_path(tmp, e->path);
	n = strlen(e->locator);
	return tmp->len < n && memcmp(e->locator + n - tmp->len, tmp->data,
	    tmp->len) == 0 && (e->locator[n - tmp->len - 1] == ':' ||
	    e->locator[n - tmp->len - 1] == '!');
}

static void
text_entry(struct ls *ls, const struct etk_entry *e)
{
	struct etk_buf *b = &ls->line;
	char t[ETK_TIME_MAX];

	etk_buf_printf(b, "%c/%c\t%c\t",
	    e->name_type != '\0' ? e->name_type : '-',
	    e->meta_type != '\0' ? e->meta_type : '-',
	    e->deleted ? '*' : '-');
	if (ls->longfmt) {
		add_inode(b, e);
		etk_buf_printf(b, "\t%" PRIu64 "\t", e->size);
		if (e->times & ETK_TIME_M) {
			etk_time_format(e->mtime, e->mtime_ns, t);
			etk_buf_adds(b, t);
		} else
			etk_buf_addc(b, '-');
		etk_buf_addc(b, '\t');
	}
	add_text(b, e->locator);
	/* The path, when asked for (-p) or when the locator does not
	 * spell it. */
	if (e->path != NULL && (ls->paths || !locator_has_path(&ls->tmp, e))) {
		etk_buf_addc(b, '\t');
		add_text(b, e->path);
	}
	etk_buf_addc(b, '\n');
}

static void
json_time(struct etk_json *j, const char *k, const struct etk_entry *e,
    unsigned bit, int64_t sec, int32_t ns)
{
	etk_json_key(j, k);
	if (e->times & bit)
		etk_json_time(j, sec, ns);
	else
		etk_json_null(j);
}

static void
json_entry(struct etk_buf *b, const struct etk_entry *e)
{
	struct etk_json j;
	char kind[2], attr[32];

	etk_json_init(&j, b);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "record", "file");
	etk_json_kstr(&j, "locator", e->locator);
	etk_json_kstr(&j, "source", e->source);
	etk_json_key(&j, "volume");
	if (e->volume >= 0)
		etk_json_int(&j, e->volume);
	else
		etk_json_null(&j);
	etk_json_key(&j, "inode");
	if (e->has_inode)
		etk_json_uint(&j, e->inode);
	else
		etk_json_null(&j);
	etk_json_kstr(&j, "path", e->path);
	etk_json_kstr(&j, "name", e->name);
	etk_json_kuint(&j, "size", e->size);
	etk_json_kbool(&j, "allocated", e->allocated);
	etk_json_kbool(&j, "deleted", e->deleted);
	kind[0] = entry_kind(e);
	kind[1] = '\0';
	etk_json_kstr(&j, "kind", kind);
	etk_json_kbool(&j, "realloc", e->realloc);
	etk_json_kstr(&j, "fs_type", e->fs_type);
	etk_json_kuint(&j, "fs_offset", e->fs_offset);
	json_time(&j, "mtime", e, ETK_TIME_M, e->mtime, e->mtime_ns);
	json_time(&j, "atime", e, ETK_TIME_A, e->atime, e->atime_ns);
	json_time(&j, "ctime", e, ETK_TIME_C, e->ctime, e->ctime_ns);
	json_time(&j, "crtime", e, ETK_TIME_CR, e->crtime, e->crtime_ns);
	etk_json_key(&j, "mode");
	if (e->mode != 0)
		etk_json_uint(&j, e->mode);
	else
		etk_json_null(&j);
	etk_json_key(&j, "uid");
	if (e->uid >= 0)
		etk_json_int(&j, e->uid);
	else
		etk_json_null(&j);
	etk_json_key(&j, "gid");
	if (e->gid >= 0)
		etk_json_int(&j, e->gid);
	else
		etk_json_null(&j);
	if (e->link_target != NULL)
		etk_json_kstr(&j, "link_target", e->link_target);
	if (e->has_attr) {
		snprintf(attr, sizeof(attr), "%" PRIu32 "-%u", e->attr_type,
		    (unsigned)e->attr_id);
		etk_json_kstr(&j, "attr", attr);
	}
	if (e->parent != NULL)
		etk_json_kstr(&j, "parent", e->parent);
	etk_json_obj_end(&j);
}

/* Write the line buffer to stdout; on failure stop the walk. */
static void
flush_line(struct ls *ls)
{
	if (ls->cmd->json) {
		etk_cmd_emit(ls->cmd, &ls->line);
		return;
	}
	if (fwrite(ls->line.data, 1, ls->line.len, stdout) != ls->line.len ||
	    ferror(stdout)) {
		ls->stopped = 1;
		ls->out_errno = errno;
	}
}

static int
list_entry(const struct etk_entry *e, void *arg)
{
	struct ls *ls = arg;
	struct etk_error err = { 0 };

	if (ls->want == ETK_WALK_ALLOC && e->deleted)
		return 0;
	if (ls->want == ETK_WALK_UNALLOC && !e->deleted)
		return 0;
	etk_buf_reset(&ls->line);
	if (ls->cmd->json)
		json_entry(&ls->line, e);
	else
		text_entry(ls, e);
	flush_line(ls);
	if (ls->count++ == 0)
		etk_buf_adds(&ls->first, e->locator);
	if (ls->kase != NULL && !ls->db_failed &&
	    etk_case_db_file(ls->kase, ls->evidence_id, ls->action, e, NULL,
	    &err) != ETK_OK) {
		etk_wrap(&err, "case database");
		etk_cmd_error(ls->cmd, &err);
		ls->db_failed = 1;
	}
	if (!ls->stopped && ferror(stdout)) {
		ls->stopped = 1;
		ls->out_errno = errno;
	}
	return ls->stopped;
}

static const char *
vol_role(unsigned flags)
{
	if (flags & ETK_VOL_META)
		return "meta";
	if (flags & ETK_VOL_UNALLOC)
		return "unallocated";
	if (flags & ETK_VOL_ALLOC)
		return "partition";
	return NULL;
}

static const char *
fs_status_name(const struct etk_volume *v)
{
	if (v->fs_status == ETK_OK)
		return "ok";
	if (v->fs_status == ETK_ENOTFOUND)
		return "none";
	return "error";
}

static void
vol_locator(struct ls *ls, const struct etk_volume *v, struct etk_buf *b)
{
	struct etk_locator loc;

	etk_locator_init(&loc);
	loc.source = (char *)ls->evname;	/* not released below */
	loc.depth = 1;
	loc.items[0].volume = v->slot;
	loc.items[0].kind = ETK_LOC_NONE;
	etk_locator_format(&loc, b);
}

static void
list_volume(struct ls *ls, const struct etk_volume *v, const char *table)
{
	struct etk_buf *b = &ls->line;
	struct etk_buf loc;
	struct etk_json j;
	const char *role = vol_role(v->flags);

	etk_buf_init(&loc);
	vol_locator(ls, v, &loc);
	etk_buf_reset(b);
	if (ls->cmd->json) {
		etk_json_init(&j, b);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "record", "volume");
		etk_json_kstr(&j, "locator", loc.data);
		etk_json_kstr(&j, "source", ls->evname);
		etk_json_key(&j, "volume");
		if (v->slot >= 0)
			etk_json_int(&j, v->slot);
		else
			etk_json_null(&j);
		etk_json_kstr(&j, "table", table);
		etk_json_kstr(&j, "role", role);
		etk_json_kuint(&j, "start", v->start);
		etk_json_kuint(&j, "length", v->len);
		etk_json_kstr(&j, "description", v->desc);
		etk_json_kstr(&j, "fs_type",
		    v->fs_status == ETK_OK ? v->fs_type : NULL);
		etk_json_kstr(&j, "fs_status", fs_status_name(v));
		etk_json_kstr(&j, "fs_error",
		    v->fs_status == ETK_OK || v->fs_status == ETK_ENOTFOUND ?
		    NULL : v->fs_error);
		etk_json_key(&j, "block_size");
		if (v->fs_status == ETK_OK && v->block_size != 0)
			etk_json_uint(&j, v->block_size);
		else
			etk_json_null(&j);
		etk_json_key(&j, "block_count");
		if (v->fs_status == ETK_OK && v->block_size != 0)
			etk_json_uint(&j, v->block_count);
		else
			etk_json_null(&j);
		etk_json_obj_end(&j);
	} else {
		etk_buf_adds(b, "vol\t");
		add_text(b, loc.data);
		etk_buf_printf(b, "\t%" PRIu64 "\t%" PRIu64 "\t", v->start,
		    v->len);
		if (v->flags & (ETK_VOL_META | ETK_VOL_UNALLOC))
			etk_buf_addc(b, '-');
		else if (v->fs_status == ETK_OK)
			add_text(b, v->fs_type != NULL ? v->fs_type : "?");
		else if (v->fs_status == ETK_ENOTFOUND)
			etk_buf_adds(b, "none");
		else
			etk_buf_adds(b, "error");
		etk_buf_addc(b, '\t');
		add_text(b, v->desc != NULL && v->desc[0] != '\0' ?
		    v->desc : "-");
		if (v->fs_status != ETK_OK && v->fs_status != ETK_ENOTFOUND &&
		    !(v->flags & (ETK_VOL_META | ETK_VOL_UNALLOC)) &&
		    v->fs_error != NULL) {
			etk_buf_adds(b, " (");
			add_text(b, v->fs_error);
			etk_buf_addc(b, ')');
		}
		etk_buf_addc(b, '\n');
	}
	etk_buf_release(&loc);
	flush_line(ls);
}

/* Does an allocated volume reach past the end of the source (a
 * truncated image)?  *missing receives how many bytes are not there. */
static int
past_end(const struct ls *ls, const struct etk_volume *v, uint64_t *missing)
{
	struct etk_source *src = etk_evidence_source(ls->ev);
	uint64_t size;

	if (src == NULL || !(v->flags & ETK_VOL_ALLOC) || v->slot < 0)
		return 0;
	size = etk_source_size(src);
	if (v->start <= size && v->len <= size - v->start)
		return 0;
	*missing = v->start >= size ? v->len : v->len - (size - v->start);
	return 1;
}

/*
 * What the volume list implies for a whole-source listing.  Volumes that
 * reach past the end of the source are recorded as errors (the image is
 * truncated).  When the source has no file system that opened, and no
 * partition table either, nothing can be listed: report why and return
 * 1 in *status and 0 (do not walk).  Returns 1 when there is something
 * to walk.
 */
static int
volumes_status(struct ls *ls, const struct etk_volume *vols, size_t n,
    const char *table, int *status)
{
	struct etk_error err = { 0 };
	struct etk_buf loc;
	size_t i, ok = 0;
	uint64_t missing;
	const char *why = NULL;
	int why_code = ETK_ENOTFOUND;

	for (i = 0; i < n; i++) {
		if (past_end(ls, &vols[i], &missing)) {
			etk_buf_init(&loc);
			vol_locator(ls, &vols[i], &loc);
			etk_fail(&err, ETK_EFORMAT, 0, "%s ends %" PRIu64
			    " bytes past the end of the source (truncated "
			    "image?)", vols[i].desc != NULL &&
			    vols[i].desc[0] != '\0' ? vols[i].desc : "volume",
			    missing);
			etk_summary_add(ls->cmd->sum, loc.data, "volume",
			    ETK_OUTCOME_ERROR, 0, err.msg);
			etk_wrap(&err, "%s", loc.data);
			etk_cmd_error(ls->cmd, &err);
			etk_buf_release(&loc);
		}
		if (vols[i].flags & (ETK_VOL_META | ETK_VOL_UNALLOC))
			continue;
		if (vols[i].fs_status == ETK_OK)
			ok++;
		else if (vols[i].fs_status != ETK_ENOTFOUND && why == NULL) {
			why = vols[i].fs_error;
			why_code = vols[i].fs_status;
		}
	}
	if (ok > 0 || table != NULL)
		return ok > 0;	/* the summary tells what failed */
	/* Neither a partition table nor a file system. */
	etk_fail(&err, why_code, 0, "%s: %s", ls->evname, why != NULL ? why :
	    "no partition table or file system found");
	etk_cmd_error(ls->cmd, &err);
	etk_summary_add(ls->cmd->sum, ls->evname,
	    etk_evidence_kind_name(ls->ev), why != NULL ? ETK_OUTCOME_ERROR :
	    ETK_OUTCOME_ABSENT, 0, why != NULL ? why :
	    "no partition table or file system found");
	*status = etk_exit_worst(*status, ETK_EXIT_FAILURE);
	return 0;
}

static int
probe_kind(const struct etk_entry *e, void *arg)
{
	struct kind_probe *k = arg;

	k->name_type = e->name_type;
	k->meta_type = e->meta_type;
	k->found = 1;
	return 0;
}

/*
 * Check the locator argument before anything is read, so that a
 * malformed one is a usage error.  The library parses it again against
 * the evidence (and refuses a locator of another source).  *item_kind
 * receives the kind of the last item; *whole is set when it names the
 * whole source.
 */
static int
check_locator(struct etk_cmd *cmd, const char *arg, const char *srcname,
    enum etk_loc_kind *item_kind, int *whole)
{
	struct etk_error err = { 0 };
	struct etk_locator loc;

	if (etk_locator_parse(arg, srcname, &loc, &err) != ETK_OK) {
		etk_cmd_error(cmd, &err);
		return -1;
	}
	*whole = loc.depth == 1 && loc.items[0].volume < 0 &&
	    loc.items[0].kind == ETK_LOC_NONE && loc.table == NULL;
	*item_kind = loc.items[loc.depth - 1].kind;
	if (*whole && loc.source != NULL && strcmp(loc.source, srcname) != 0) {
		etk_fail(&err, ETK_EINVAL, 0, "bad locator '%s': expected a "
		    "volume (p4), path (/a/b), inode (i12) or range "
		    "(@off+len)", arg);
		etk_cmd_error(cmd, &err);
		etk_locator_release(&loc);
		return -1;
	}
	etk_locator_release(&loc);
	return 0;
}

static const char *
base_name(const char *path)
{
	const char *s = path + strlen(path);

	while (s > path && s[-1] == '/')	/* "dir/" */
		s--;
	while (s > path && s[-1] != '/')
		s--;
	return s;
}

static int
open_case_db(struct ls *ls, const char *path)
{
	struct etk_error err = { 0 };
	struct etk_case *kase = ls->cmd->kase;
	char hex[65];
	uint64_t size = 0;
	int have;

	have = etk_case_input_sha256(kase, path, hex, &size, &err) == ETK_OK;
	etk_error_clear(&err);
	if (etk_case_db_evidence(kase, ls->evname, path,
	    etk_evidence_kind_name(ls->ev), size, have ? hex : NULL,
	    &ls->evidence_id, &err) != ETK_OK ||
	    etk_case_db_begin(kase, &err) != ETK_OK) {
		etk_wrap(&err, "case database");
		etk_cmd_error(ls->cmd, &err);
		return -1;
	}
	/* Rows are numbered with the journal entry when it is appended. */
	ls->action = 0;
	ls->kase = kase;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		ETK_COMMON_LONGOPTS,
		{ "allocated",	no_argument,	NULL, 'u' },
		{ "deleted",	no_argument,	NULL, 'd' },
		{ "long",	no_argument,	NULL, 'l' },
		{ "nested",	no_argument,	NULL, OPT_NESTED },
		{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
		{ "recursive",	no_argument,	NULL, 'r' },
		{ NULL,		0,		NULL, 0 }
	};
	struct etk_cmd cmd;
	struct etk_error err = { 0 };
	struct etk_evidence_opts eo;
	struct ls ls;
	const struct etk_volume *vols;
	const char *path, *table, *start = NULL;
	enum etk_loc_kind start_kind = ETK_LOC_NONE;
	unsigned flags = 0;
	size_t nvols, i;
	int ch, recurse = 0, nested = 0, whole = 1, status = ETK_EXIT_OK;
	int rc;

	if (etk_cmd_begin(&cmd, "etk-ls", argc, argv) != 0)
		return cmd.exit_now;
	memset(&ls, 0, sizeof(ls));
	memset(&eo, 0, sizeof(eo));
	ls.cmd = &cmd;
	while ((ch = getopt_long(argc, argv, ETK_COMMON_SHORTOPTS "dlpru",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			ls.want |= ETK_WALK_UNALLOC;
			break;
		case 'l':
			ls.longfmt = 1;
			break;
		case 'p':
			ls.paths = 1;
			break;
		case 'r':
			recurse = 1;
			break;
		case 'u':
			ls.want |= ETK_WALK_ALLOC;
			break;
		case OPT_NESTED:
			nested = 1;
			break;
		case OPT_PASSWORD_FILE:
			eo.password_file = optarg;
			break;
		default:
			if (etk_cmd_common_opt(&cmd, ch, optarg, usage) !=
			    ETK_OPT_HANDLED)
				return etk_cmd_leave(&cmd, cmd.exit_now);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "no source given"));
	if (argc > 2)
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "unexpected argument '%s'", argv[2]));
	path = argv[0];
	if (argc == 2)
		start = argv[1];
	if (ls.want == (ETK_WALK_ALLOC | ETK_WALK_UNALLOC))
		ls.want = 0;
	flags = ls.want;
	if (recurse)
		flags |= ETK_WALK_RECURSE;
	if (nested)
		flags |= ETK_WALK_NESTED;

	etk_buf_init(&ls.line);
	etk_buf_init(&ls.tmp);
	etk_buf_init(&ls.first);
	if (argc == 2 && check_locator(&cmd, argv[1], base_name(path),
	    &start_kind, &whole) != 0) {
		etk_buf_release(&ls.line);
		etk_buf_release(&ls.tmp);
		etk_buf_release(&ls.first);
		usage(stderr);
		return etk_cmd_leave(&cmd, ETK_EXIT_USAGE);
	}

	if (etk_cmd_open_case(&cmd) != 0) {
		etk_buf_release(&ls.line);
		etk_buf_release(&ls.tmp);
		etk_buf_release(&ls.first);
		return etk_cmd_leave(&cmd, cmd.exit_now);
	}
	etk_cmd_input(&cmd, path);
	if ((rc = etk_evidence_open_opts(&ls.ev, path, &eo, &err)) != ETK_OK) {
		etk_cmd_error(&cmd, &err);	/* the one line that says why */
		/* EINVAL: the caller's input (a wrong or missing password) */
		status = rc == ETK_EINVAL ? ETK_EXIT_USAGE : ETK_EXIT_FAILURE;
		goto done;
	}
	ls.evname = etk_evidence_name(ls.ev);
	if (cmd.kase != NULL && open_case_db(&ls, path) != 0)
		status = ETK_EXIT_FAILURE;

	if (whole) {
		/* Volumes first, then the walk over every file system. */
		nvols = etk_evidence_volumes(ls.ev, &vols);
		table = etk_evidence_vs_type(ls.ev);
		for (i = 0; i < nvols && !ls.stopped; i++) {
			list_volume(&ls, &vols[i], table);
			etk_error_clear(&err);
			if (ls.kase != NULL && etk_case_db_volume(ls.kase,
			    ls.evidence_id, ls.action, &vols[i], &err) !=
			    ETK_OK) {
				etk_cmd_error(&cmd, &err);
				status = etk_exit_worst(status,
				    ETK_EXIT_FAILURE);
			}
		}
		rc = ETK_OK;
		if (volumes_status(&ls, vols, nvols, table, &status))
			rc = etk_evidence_walk(ls.ev, NULL, flags, list_entry,
			    &ls, cmd.sum, &err);
	} else if (start_kind == ETK_LOC_PATH || start_kind == ETK_LOC_INODE) {
		struct kind_probe k = { 0, 0, 0 };

		rc = etk_evidence_stat(ls.ev, start, probe_kind, &k,
		    &err);
		if (rc == ETK_OK && !is_dir_type(k.name_type) &&
		    !is_dir_type(k.meta_type)) {
			/* A file: list that one entry. */
			rc = etk_evidence_stat(ls.ev, start, list_entry,
			    &ls, &err);
			if (rc == ETK_OK)
				etk_summary_add(cmd.sum, ls.first.len != 0 ?
				    ls.first.data : argv[1], "file",
				    ETK_OUTCOME_OK, ls.count, NULL);
		} else if (rc == ETK_OK)
			rc = etk_evidence_walk(ls.ev, start, flags,
			    list_entry, &ls, cmd.sum, &err);
	} else
		rc = etk_evidence_walk(ls.ev, start, flags, list_entry,
		    &ls, cmd.sum, &err);
	if (rc != ETK_OK) {
		etk_cmd_error(&cmd, &err);
		/* The evidence was read: a locator it refuses is not a
		 * usage error any more. */
		rc = etk_exit_for(rc);
		status = etk_exit_worst(status, rc == ETK_EXIT_USAGE ?
		    ETK_EXIT_FAILURE : rc);
	}
	if (ls.kase != NULL) {
		etk_error_clear(&err);
		if (etk_case_db_commit(ls.kase, &err) != ETK_OK) {
			etk_wrap(&err, "case database");
			etk_cmd_error(&cmd, &err);
			status = etk_exit_worst(status, ETK_EXIT_FAILURE);
		}
	}
done:
	if (!ls.stopped && (fflush(stdout) != 0 || ferror(stdout))) {
		ls.stopped = 1;
		ls.out_errno = errno;
	}
	if (ls.stopped) {
		if (ls.out_errno == EPIPE)
			cmd.quiet = 1;	/* the reader went away (| head) */
		else {
			etk_fail(&err, ETK_EIO, ls.out_errno, "write error");
			etk_cmd_error(&cmd, &err);
			status = etk_exit_worst(status, ETK_EXIT_FAILURE);
		}
		clearerr(stdout);
	}
	etk_evidence_close(ls.ev);
	etk_buf_release(&ls.line);
	etk_buf_release(&ls.tmp);
	etk_buf_release(&ls.first);
	return etk_cmd_end(&cmd, "analyse", status);
}
