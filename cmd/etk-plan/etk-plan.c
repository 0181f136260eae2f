/*
 * etk-plan: write the shard plan of a run (SCALE.md §4.1): its id (the
 * SHA-256 of the tool, its options, the number of shards and the
 * sources' identities) and each shard's bounds, so that every worker of
 * a GNU parallel, Slurm or Kubernetes job agrees on the split and
 * refuses to mix outputs of another plan (man/etk-plan.1).  The tool
 * itself computes the plan (etk-TOOL --print-plan N), so the plan and
 * the workers cannot disagree on options.
 *
 * Output: one JSON object (the plan) on standard output, or written
 * atomically to -o FILE (never over an existing file).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmdutil.h"

static void
usage(FILE *fp)
{
	if (fp != stdout)
		fprintf(fp, "%s: ", etk_getprogname());
	fprintf(fp, "usage: %s [-hqV] [-o file] -n N hash|carve|extract\n"
	    "       [tool option ...] source ...\n", etk_getprogname());
	if (fp != stdout)
		return;
	fputs("options:\n"
	    "  -n, --shards N      number of shards\n"
	    "  -o, --output FILE   write the plan to FILE (default: standard "
	    "output)\n"
	    "  -h, --help          print this help and exit\n"
	    "  -V, --version       print versions and exit\n"
	    "  -q, --quiet         print errors only\n", fp);
}

/* The tool's binary: beside this one, else on PATH. */
static void
tool_path(const char *tool, char *out, size_t len)
{
	char self[PATH_MAX], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			if ((size_t)snprintf(out, len, "%.*s/etk-%s",
			    (int)(len > 64 ? len - 64 : 0), self, tool) < len &&
			    access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, len, "etk-%s", tool);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help",	no_argument,		NULL, 'h' },
		{ "output",	required_argument,	NULL, 'o' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "shards",	required_argument,	NULL, 'n' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *out = NULL, *tool;
	char path[PATH_MAX], nbuf[32], *tmp = NULL, **av = NULL;
	uint64_t n = 0;
	int ch, i, k, fd = -1, st, quiet = 0, rc = ETK_EXIT_FAILURE;
	pid_t pid;

	etk_setprogname(argv[0], "etk-plan");
	/* '+': stop at the tool's name; what follows is the tool's. */
	while ((ch = getopt_long(argc, argv, "+:hVqn:o:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return ETK_EXIT_OK;
		case 'V':
			etk_print_version();
			return ETK_EXIT_OK;
		case 'q':
			quiet = 1;
			break;
		case 'n':
			if (etk_parse_size(optarg, &n) != 0 || n == 0 ||
			    n > 1000000) {
				etk_warnx("bad number of shards '%s'", optarg);
				usage(stderr);
				return ETK_EXIT_USAGE;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case ':':
			etk_warnx("option '%s' needs an argument",
			    argv[optind - 1]);
			usage(stderr);
			return ETK_EXIT_USAGE;
		default:
			etk_warnx("bad option '%s'", argv[optind - 1]);
			usage(stderr);
			return ETK_EXIT_USAGE;
		}
	}
	(void)quiet;
	argc -= optind;
	argv += optind;
	if (n == 0 || argc < 2) {
		etk_warnx(n == 0 ? "no number of shards (-n N)" :
		    "no tool and source given");
		usage(stderr);
		return ETK_EXIT_USAGE;
	}
	tool = argv[0];
	if (strcmp(tool, "hash") != 0 && strcmp(tool, "carve") != 0 &&
	    strcmp(tool, "extract") != 0) {
		etk_warnx("'%s' is not sharded by a plan (hash, carve, "
		    "extract)", tool);
		usage(stderr);
		return ETK_EXIT_USAGE;
	}
	if (out != NULL) {
		struct stat sb;

		if (lstat(out, &sb) == 0) {
			etk_warnx("'%s' exists; refusing to overwrite", out);
			return ETK_EXIT_FAILURE;
		}
		if ((tmp = malloc(strlen(out) + 16)) == NULL)
			return ETK_EXIT_FAILURE;
		snprintf(tmp, strlen(out) + 16, "%s.tmp-XXXXXX", out);
		if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
			etk_warnx("cannot create '%s': %s", out,
			    strerror(errno));
			free(tmp);
			return ETK_EXIT_FAILURE;
		}
	}
	tool_path(tool, path, sizeof(path));
	snprintf(nbuf, sizeof(nbuf), "%" PRIu64, n);
	if ((av = calloc((size_t)argc + 4, sizeof(*av))) == NULL)
		goto out;
	av[0] = path;
	av[1] = (char *)"--print-plan";
	av[2] = nbuf;
	for (i = 1, k = 3; i < argc; i++)
		av[k++] = argv[i];
	av[k] = NULL;
	fflush(stdout);
	if ((pid = fork()) == -1) {
		etk_warnx("cannot run %s: %s", path, strerror(errno));
		goto out;
	}
	if (pid == 0) {
		if (fd != -1 && dup2(fd, 1) == -1)
			_exit(ETK_EXIT_FAILURE);
		execvp(path, av);
		fprintf(stderr, "etk-plan: cannot run %s: %s\n", path,
		    strerror(errno));
		_exit(ETK_EXIT_FAILURE);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			goto out;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		rc = WIFEXITED(st) ? WEXITSTATUS(st) : ETK_EXIT_FAILURE;
		goto out;
	}
	if (fd != -1) {
		if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, out) != 0) {
			fd = -1;
			etk_warnx("cannot write '%s': %s", out,
			    strerror(errno));
			goto out;
		}
		fd = -1;
		free(tmp);
		tmp = NULL;
	}
	rc = ETK_EXIT_OK;
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		(void)unlink(tmp);
		free(tmp);
	}
	free(av);
	return rc;
}
