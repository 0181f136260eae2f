/*
 * etk-cat: write the content of one item of evidence (a file by path or
 * inode, deleted or not, an archive member, a byte range of the source)
 * to standard output, as icat does.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdutil.h"

#define CAT_BUFSIZE	(1024 * 1024)

/* What etk_evidence_stat says about the item. */
struct kind_probe {
	char name_type;
	char meta_type;
	struct etk_buf locator;	/* its full locator */
};

enum {
	OPT_PASSWORD_FILE = ETK_OPT_FIRST_PRIVATE
};

static void
usage(FILE *fp)
{
	if (fp != stdout)
		fprintf(fp, "%s: ", etk_getprogname());
	fprintf(fp, "usage: %s [-hqV] [-j N] [-n length] [-o offset] "
	    "[--case DIR] [--password-file FILE] source locator\n",
	    etk_getprogname());
	if (fp != stdout)
		return;
	fputs("options:\n"
	    "  -n, --length N      write at most N bytes (K, M, G, T "
	    "suffixes: binary)\n"
	    "  -o, --offset N      start N bytes into the item\n"
	    "      --password-file FILE\n"
	    "                      password of an encrypted iOS backup: "
	    "FILE's first line\n", fp);
	etk_cmd_usage_common(fp);
}

static int
probe_kind(const struct etk_entry *e, void *arg)
{
	struct kind_probe *k = arg;

	k->name_type = e->name_type;
	k->meta_type = e->meta_type;
	etk_buf_reset(&k->locator);
	etk_buf_adds(&k->locator, e->locator);
	return 0;
}

static const char *
base_name(const char *path)
{
	const char *s = path + strlen(path);

	while (s > path && s[-1] == '/')
		s--;
	while (s > path && s[-1] != '/')
		s--;
	return s;
}

/* Check the locator before anything is read, so that a malformed one
 * is a usage error; the library parses it again against the evidence. */
static int
check_locator(struct etk_cmd *cmd, const char *arg, const char *srcname,
    enum etk_loc_kind *item_kind)
{
	struct etk_error err = { 0 };
	struct etk_locator loc;

	if (etk_locator_parse(arg, srcname, &loc, &err) != ETK_OK) {
		etk_cmd_error(cmd, &err);
		return -1;
	}
	*item_kind = loc.items[loc.depth - 1].kind;
	if (loc.depth == 1 && loc.items[0].volume < 0 &&
	    loc.items[0].kind == ETK_LOC_NONE && loc.source != NULL &&
	    strcmp(loc.source, srcname) != 0) {
		etk_fail(&err, ETK_EINVAL, 0, "bad locator '%s': expected a "
		    "path (/a/b), inode (i12), range (@off+len) or volume "
		    "(p4)", arg);
		etk_cmd_error(cmd, &err);
		etk_locator_release(&loc);
		return -1;
	}
	etk_locator_release(&loc);
	return 0;
}

/* Write all of buf to fd 1.  Returns 0, or -1 with errno set. */
static int
write_all(const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(STDOUT_FILENO, buf, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		ETK_COMMON_LONGOPTS,
		{ "length",	required_argument,	NULL, 'n' },
		{ "offset",	required_argument,	NULL, 'o' },
		{ "password-file", required_argument,	NULL, OPT_PASSWORD_FILE },
		{ NULL,		0,			NULL, 0 }
	};
	struct etk_cmd cmd;
	struct etk_error err = { 0 };
	struct etk_evidence *ev = NULL;
	struct etk_evidence_opts eo;
	struct etk_source *src = NULL;
	struct etk_progress *pg = NULL;
	enum etk_loc_kind kind = ETK_LOC_NONE;
	enum etk_progress_mode pmode;
	struct kind_probe k;
	const char *path, *locarg, *scope;
	char *buf = NULL;
	uint64_t off = 0, len = UINT64_MAX, end, size, done = 0;
	size_t want, got;
	int ch, rc, status = ETK_EXIT_OK, epipe = 0, open_failed = 0;

	if (etk_cmd_begin(&cmd, "etk-cat", argc, argv) != 0)
		return cmd.exit_now;
	memset(&eo, 0, sizeof(eo));
	while ((ch = getopt_long(argc, argv, ETK_COMMON_SHORTOPTS "n:o:",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			if (etk_parse_size(optarg, &len) != 0) {
				etk_cmd_usage_error(&cmd, usage,
				    "bad length '%s'", optarg);
				return etk_cmd_leave(&cmd, ETK_EXIT_USAGE);
			}
			break;
		case 'o':
			if (etk_parse_size(optarg, &off) != 0) {
				etk_cmd_usage_error(&cmd, usage,
				    "bad offset '%s'", optarg);
				return etk_cmd_leave(&cmd, ETK_EXIT_USAGE);
			}
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
	if (argc < 2)
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage, argc == 0 ?
		    "no source given" : "no locator given"));
	if (argc > 2)
		return etk_cmd_leave(&cmd, etk_cmd_usage_error(&cmd, usage,
		    "unexpected argument '%s'", argv[2]));
	path = argv[0];
	locarg = scope = argv[1];
	/* The content is the data on stdout; the summary stays on stderr. */
	cmd.json = 0;

	if (check_locator(&cmd, locarg, base_name(path), &kind) != 0) {
		usage(stderr);
		return etk_cmd_leave(&cmd, ETK_EXIT_USAGE);
	}
	if (etk_cmd_open_case(&cmd) != 0)
		return etk_cmd_leave(&cmd, cmd.exit_now);
	etk_cmd_input(&cmd, path);
	memset(&k, 0, sizeof(k));
	etk_buf_init(&k.locator);

	if ((rc = etk_evidence_open_opts(&ev, path, &eo, &err)) != ETK_OK) {
		open_failed = 1;
		goto fail;
	}
	if ((rc = etk_evidence_stat(ev, locarg, probe_kind, &k, &err)) !=
	    ETK_OK)
		goto fail;
	if ((kind == ETK_LOC_PATH || kind == ETK_LOC_INODE) &&
	    (k.name_type == 'd' || k.meta_type == 'd' ||
	    k.name_type == 'V' || k.meta_type == 'V')) {
		rc = etk_fail(&err, ETK_EINVAL, 0, "%s: is a directory",
		    locarg);
		goto fail;
	}
	if (k.locator.len != 0)
		scope = k.locator.data;
	if ((rc = etk_evidence_open_file(ev, locarg, &src, &err)) != ETK_OK)
		goto fail;
	if ((buf = malloc(CAT_BUFSIZE)) == NULL) {
		rc = etk_fail(&err, ETK_ENOMEM, ENOMEM, "%s", locarg);
		goto fail;
	}

	size = etk_source_size(src);
	end = off > size ? off : (len > size - off ? size : off + len);
	pmode = cmd.quiet || isatty(STDOUT_FILENO) ? ETK_PROGRESS_OFF :
	    cmd.progress;
	if (pmode != ETK_PROGRESS_OFF)
		(void)etk_progress_new(&pg, stderr, pmode, locarg, end - off,
		    NULL);
	while (off < end) {
		want = end - off > CAT_BUFSIZE ? CAT_BUFSIZE :
		    (size_t)(end - off);
		if ((rc = etk_source_read(src, off, buf, want, &got, &err)) !=
		    ETK_OK) {
			if (strstr(err.msg, locarg) == NULL)
				etk_wrap(&err, "%s", locarg);
			goto fail;
		}
		if (got == 0)
			break;
		if (write_all(buf, got) != 0) {
			if (errno == EPIPE) {
				/* The reader went away: stop quietly. */
				epipe = 1;
				break;
			}
			rc = etk_fail(&err, ETK_EIO, errno, "write error");
			goto fail;
		}
		off += got;
		done += got;
		if (pg != NULL)
			etk_progress_add(pg, got);
	}
	etk_progress_free(pg);
	pg = NULL;
	etk_summary_add(cmd.sum, scope, "file", ETK_OUTCOME_OK, done, NULL);
	if (epipe)
		cmd.quiet = 1;
	goto done;

fail:
	etk_progress_free(pg);
	etk_cmd_error(&cmd, &err);	/* the one line that says why */
	/* EINVAL at open: the caller's input (a wrong or missing
	 * password) */
	status = open_failed && rc == ETK_EINVAL ? ETK_EXIT_USAGE :
	    ETK_EXIT_FAILURE;
done:
	etk_buf_release(&k.locator);
	free(buf);
	etk_source_close(src);
	etk_evidence_close(ev);
	return etk_cmd_end(&cmd, "analyse", status);
}
