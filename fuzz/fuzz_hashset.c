/*
 * Fuzz target: the hash-set loaders (format detection, NSRL RDS v3
 * SQLite, hashdeep, md5sum/sha*sum/BSD lines, hex lists, VICS JSON),
 * the index builder and reader, and the audit loader.  The input goes
 * into an anonymous memory file opened through /proc/self/fd (SQLite
 * and the cache logic work on paths); the index is cached in a private
 * temporary directory that is emptied after every input.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <etk/hashset.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char cachedir[64];

static void
empty_dir(const char *dir)
{
	char p[512];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
}

static void
cleanup(void)
{
	if (cachedir[0] != '\0') {
		empty_dir(cachedir);
		rmdir(cachedir);
	}
}

static void
hexfill(char *out, size_t ndig, const uint8_t *data, size_t size, size_t at)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < ndig; i++)
		out[i] = d[size > 0 ? (data[(at + i / 2) % size] >>
		    (i % 2 ? 0 : 4)) & 15 : 0];
	out[ndig] = '\0';
}

static void
on_missing(const char *path, void *arg)
{
	(void)path;
	(*(size_t *)arg)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct etk_error err = { 0 };
	struct etk_hashset *hs = NULL;
	struct etk_audit *au = NULL;
	struct etk_digests dg;
	char path[64];
	size_t w = 0, nmiss = 0;
	ssize_t k;
	int fd, i;

	if (cachedir[0] == '\0') {
		snprintf(cachedir, sizeof(cachedir),
		    "/tmp/fuzz-hashset-XXXXXX");
		if (mkdtemp(cachedir) == NULL)
			return 0;
		atexit(cleanup);
	}
	if ((fd = memfd_create("fuzz-hashset", MFD_CLOEXEC)) == -1)
		return 0;
	while (w < size) {
		k = write(fd, data + w, size - w);
		if (k <= 0)
			break;
		w += (size_t)k;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&dg, 0, sizeof(dg));
	dg.mask = ETK_DIGEST_MD5 | ETK_DIGEST_SHA1 | ETK_DIGEST_SHA256;
	if (etk_hashset_open(&hs, path, cachedir, &err) == ETK_OK) {
		(void)etk_hashset_name(hs);
		(void)etk_hashset_format(hs);
		(void)etk_hashset_digests(hs);
		(void)etk_hashset_count(hs, ETK_DIGEST_ALL);
		for (i = 0; i < 4; i++) {
			hexfill(dg.md5, 32, data, size, (size_t)i * 7);
			hexfill(dg.sha1, 40, data, size, (size_t)i * 11);
			hexfill(dg.sha256, 64, data, size, (size_t)i * 13);
			(void)etk_hashset_match(hs, &dg);
		}
		etk_hashset_close(hs);
		/* the second open maps the cached index */
		if (etk_hashset_open(&hs, path, cachedir, &err) == ETK_OK)
			etk_hashset_close(hs);
	}
	empty_dir(cachedir);
	if (etk_audit_open(&au, path, &err) == ETK_OK) {
		(void)etk_audit_digests(au);
		for (i = 0; i < 4; i++) {
			hexfill(dg.md5, 32, data, size, (size_t)i * 5);
			hexfill(dg.sha1, 40, data, size, (size_t)i * 3);
			hexfill(dg.sha256, 64, data, size, (size_t)i);
			(void)etk_audit_status_name(etk_audit_check(au,
			    i % 2 ? "./a" : "./abc.txt", (uint64_t)i, &dg));
		}
		etk_audit_missing(au, on_missing, &nmiss);
		etk_audit_close(au);
	}
	close(fd);
	return 0;
}
