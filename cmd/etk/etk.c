/*
 * etk: run an etk command by name, as git does: "etk NAME ARGS..." runs
 * "etk-NAME ARGS...", found first beside this binary, then on PATH.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmdutil.h"

/* The commands etk knows, in the order "etk --help" lists them. */
static const struct {
	const char *name;
	const char *desc;
} commands[] = {
	{ "init",	"make a case directory, signing key and journal" },
	{ "image",	"acquire a device or image into E01 or raw, hashing" },
	{ "verify",	"re-hash and check images, cases and bundles" },
	{ "ls",		"list volumes, file systems and files with locators" },
	{ "cat",	"write one file's content (or a byte range) to stdout" },
	{ "hash",	"hash every file of every file system" },
	{ "carve",	"carve and validate files from unallocated space" },
	{ "extract",	"find and parse messages, calls, contacts, pictures" },
	{ "custody",	"read and add to the chain-of-custody journal" },
	{ "bundle",	"build or verify a signed disclosure bundle" },
	{ "triage",	"the one-shot pipeline: image, hash, extract, report" },
	{ "plan",	"write the shard plan of a hash, carve or extract run" },
	{ "merge",	"combine sharded results into the case or PostgreSQL" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static char selfdir[PATH_MAX];	/* directory of this binary, or "" */

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: etk [-hV] command [argument ...]\n"
	    "       etk help command\n");
}

/* Is name a command name: [a-z0-9-]+, not starting with '-'? */
static int
valid_name(const char *name)
{
	const char *p;

	if (name[0] == '\0' || name[0] == '-' || strlen(name) > 64)
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-'))
			return 0;
	return 1;
}

static int
is_exec(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

static void
find_selfdir(void)
{
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", selfdir, sizeof(selfdir) - 1);
	if (n <= 0) {
		selfdir[0] = '\0';
		return;
	}
	selfdir[n] = '\0';
	if ((slash = strrchr(selfdir, '/')) == NULL)
		selfdir[0] = '\0';
	else if (slash == selfdir)
		selfdir[1] = '\0';
	else
		*slash = '\0';
}

/*
 * Find etk-NAME: beside this binary, then in each PATH directory.  On
 * success out holds its path and 0 is returned.
 */
static int
find_command(const char *name, char *out, size_t outlen)
{
	const char *path, *p, *colon;
	size_t dlen;
	int n;

	if (selfdir[0] != '\0') {
		n = snprintf(out, outlen, "%s/etk-%s", selfdir, name);
		if (n > 0 && (size_t)n < outlen && is_exec(out))
			return 0;
	}
	if ((path = getenv("PATH")) == NULL)
		return -1;
	for (p = path; ; p = colon + 1) {
		colon = strchr(p, ':');
		dlen = colon != NULL ? (size_t)(colon - p) : strlen(p);
		if (dlen == 0)	/* empty element: current directory */
			n = snprintf(out, outlen, "etk-%s", name);
		else
			n = snprintf(out, outlen, "%.*s/etk-%s", (int)dlen, p,
			    name);
		if (n > 0 && (size_t)n < outlen && is_exec(out))
			return 0;
		if (colon == NULL)
			break;
	}
	return -1;
}

static void
list_commands(FILE *fp)
{
	char path[PATH_MAX];
	size_t i, shown = 0;

	usage(fp);
	fputs("\ncommands:\n", fp);
	for (i = 0; i < NCOMMANDS; i++) {
		if (find_command(commands[i].name, path, sizeof(path)) != 0)
			continue;
		fprintf(fp, "  %-10s%s\n", commands[i].name, commands[i].desc);
		shown++;
	}
	if (shown == 0)
		fputs("  (none found beside etk or on PATH)\n", fp);
	fputs("\nSee 'etk help command' for the manual of one command.\n",
	    fp);
}

static int
not_a_command(const char *name)
{
	etk_warnx("'%s' is not an etk command; see 'etk --help'", name);
	return ETK_EXIT_USAGE;
}

/* Run path with argv; returns only on failure. */
static int
run(const char *path, char *const argv[])
{
	execv(path, argv);
	etk_warnx("cannot run '%s': %s", path, strerror(errno));
	return ETK_EXIT_FAILURE;
}

/* "man -w etk-NAME" succeeds quietly? */
static int
have_manual(const char *page)
{
	pid_t pid;
	int st;

	if ((pid = fork()) < 0)
		return 0;
	if (pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL ||
		    freopen("/dev/null", "w", stderr) == NULL)
			_exit(127);
		execlp("man", "man", "-w", page, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* etk help NAME: the manual on a terminal, else "etk-NAME --help". */
static int
help(const char *name)
{
	char path[PATH_MAX], page[80];
	char *args[3];

	if (!valid_name(name) || find_command(name, path, sizeof(path)) != 0)
		return not_a_command(name);
	snprintf(page, sizeof(page), "etk-%s", name);
	if (isatty(STDOUT_FILENO) && have_manual(page)) {
		fflush(stdout);
		execlp("man", "man", page, (char *)NULL);
		/* fall through to --help */
	}
	args[0] = page;
	args[1] = (char *)"--help";
	args[2] = NULL;
	return run(path, args);
}

int
main(int argc, char *argv[])
{
	char path[PATH_MAX], prog[80];
	const char *name;

	etk_setprogname(argv[0], "etk");
	find_selfdir();
	if (argc < 2) {
		list_commands(stderr);
		return ETK_EXIT_USAGE;
	}
	name = argv[1];
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
		list_commands(stdout);
		return ETK_EXIT_OK;
	}
	if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0) {
		etk_print_version();
		return ETK_EXIT_OK;
	}
	if (name[0] == '-') {
		etk_warnx("bad option '%s'", name);
		usage(stderr);
		return ETK_EXIT_USAGE;
	}
	if (strcmp(name, "help") == 0) {
		if (argc < 3) {
			list_commands(stdout);
			return ETK_EXIT_OK;
		}
		return help(argv[2]);
	}
	if (!valid_name(name) || find_command(name, path, sizeof(path)) != 0)
		return not_a_command(name);
	/* The command sees its own name as argv[0], as if run directly. */
	snprintf(prog, sizeof(prog), "etk-%s", name);
	argv[1] = prog;
	return run(path, argv + 1);
}
