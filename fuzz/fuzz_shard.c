/*
 * Fuzz target: loading a shard output into a case (etk merge).  Shard
 * files come from other machines - a cluster's shared storage - so the
 * merge meets whatever bytes are there: an SQLite file of any shape
 * (missing or extra tables and columns, odd types, a shard table with
 * other rows), or not SQLite at all.
 *
 * The input is written as shard.db in a private directory, described
 * (etk_shard_db_info) and staged into a case made once per process,
 * then the staged rows are dropped.  Whatever it holds: a known status,
 * a message with every error, K < N when it is described, and no crash,
 * leak or hang (libFuzzer's limits).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <etk/etk.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct etk_case *kase;

static void
close_case(void)
{
	etk_case_close(kase);
}

static struct etk_case *
the_case(void)
{
	static char dir[] = "/tmp/etk-fuzz-shard.XXXXXX";
	struct etk_case_init_opts o;
	struct etk_error err = { 0 };
	char path[64];

	if (kase != NULL)
		return kase;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/case", dir);
	memset(&o, 0, sizeof(o));
	o.case_id = "FUZZ";
	o.examiner = "fuzz";
	if (etk_case_init(path, &o, &err) != ETK_OK ||
	    etk_case_open(&kase, path, &err) != ETK_OK)
		abort();
	atexit(close_case);
	return kase;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[] = "/tmp/etk-fuzz-shard-in.XXXXXX", path[64];
	struct etk_shard_info info;
	struct etk_error err = { 0 };
	struct etk_case *k = the_case();
	uint64_t rows = 0;
	FILE *fp;
	int rc;

	if (size > 4 << 20 || mkdtemp(dir) == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/shard.db", dir);
	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, fp) != size)
		abort();
	fclose(fp);
	rc = etk_shard_db_info(path, &info, &err);
	if (rc != ETK_OK && rc != ETK_EFORMAT && rc != ETK_EIO)
		abort();
	if (rc != ETK_OK && err.msg[0] == '\0')
		abort();
	if (rc == ETK_OK && info.k >= info.n)
		abort();
	etk_error_clear(&err);
	rc = etk_case_db_merge_shard(k, path, &rows, &err);
	if (rc != ETK_OK && rc != ETK_EFORMAT && rc != ETK_EIO &&
	    rc != ETK_EMISMATCH && rc != ETK_ENOMEM)
		abort();
	if (rc != ETK_OK && err.msg[0] == '\0')
		abort();
	if (etk_case_db_discard(k) != ETK_OK)
		abort();
	unlink(path);
	rmdir(dir);
	return 0;
}
