/*
 * Corpus replay for builds without libFuzzer: feed every file named on
 * the command line, or found under a directory named there (recursively,
 * names sorted bytewise so the order is the same everywhere), to
 * LLVMFuzzerTestOneInput once.  Each input gets a buffer of exactly its
 * size, as libFuzzer gives, so sanitizers catch reads past the end.
 *
 * Exit 0 and "replayed N inputs" on stdout; exit 1 when an argument or
 * a file under it cannot be read (a missing corpus is an error, not an
 * empty one).  ETK_REPLAY_VERBOSE=1 names each input on stderr first.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t nreplayed;
static int verbose;

static int
replay_file(const char *path)
{
	unsigned char *buf;
	size_t n = 0, cap = 4096;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", path,
		    strerror(errno));
		return -1;
	}
	if ((buf = malloc(cap)) == NULL) {
		fclose(fp);
		fprintf(stderr, "replay: out of memory\n");
		return -1;
	}
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n, fp);

		n += got;
		if (n < cap)
			break;
		cap *= 2;
		{
			unsigned char *nb = realloc(buf, cap);

			if (nb == NULL) {
				free(buf);
				fclose(fp);
				fprintf(stderr, "replay: out of memory\n");
				return -1;
			}
			buf = nb;
		}
	}
	if (ferror(fp)) {
		fprintf(stderr, "replay: cannot read '%s': %s\n", path,
		    strerror(errno));
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	{
		/* Exactly n bytes, so a read past the end is caught. */
		unsigned char *exact = malloc(n ? n : 1);

		if (exact == NULL) {
			free(buf);
			fprintf(stderr, "replay: out of memory\n");
			return -1;
		}
		if (n != 0)
			memcpy(exact, buf, n);
		free(buf);
		if (verbose)
			fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	nreplayed++;
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *, int);

static int
replay_dir(const char *dir, int depth)
{
	char **names = NULL, **nn;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	int rc = 0;
	DIR *d;

	if (depth > 16) {
		fprintf(stderr, "replay: '%s': directories nested too deep\n",
		    dir);
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: cannot open directory '%s': %s\n",
		    dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')	/* ".", "..", dot files */
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL) {
				rc = -1;
				break;
			}
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (rc != 0)
		fprintf(stderr, "replay: out of memory\n");
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n && rc == 0; i++) {
		size_t len = strlen(dir) + strlen(names[i]) + 2;
		char *path = malloc(len);

		if (path == NULL) {
			fprintf(stderr, "replay: out of memory\n");
			rc = -1;
			break;
		}
		snprintf(path, len, "%s/%s", dir, names[i]);
		if (replay_path(path, depth + 1) != 0)
			rc = -1;
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int
replay_path(const char *path, int depth)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: cannot read '%s': %s\n", path,
		    strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return replay_dir(path, depth);
	return replay_file(path);
}

int
main(int argc, char *argv[])
{
	const char *v = getenv("ETK_REPLAY_VERBOSE");
	int i, status = 0;

	verbose = v != NULL && *v != '\0' && strcmp(v, "0") != 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s corpus-dir-or-file ...\n",
		    argc > 0 ? argv[0] : "replay");
		return 1;
	}
	for (i = 1; i < argc; i++)
		if (replay_path(argv[i], 0) != 0)
			status = 1;
	printf("replayed %zu inputs\n", nreplayed);
	return status;
}
