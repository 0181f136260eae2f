/*
 * Digests of inputs: files (streamed, 1 MiB at a time), directories (a
 * digest of a sorted listing) and the per-case input cache.
 *
 * Directory digest: the SHA-256 of the lines "SHA256HEX  RELPATH\n" for
 * every regular file below the directory (symbolic links are not
 * followed and not listed; other special files are skipped), sorted by
 * RELPATH bytewise, RELPATH relative to the directory with '/' between
 * components.  With GNU tools, for names without '\n' or '\\':
 *	cd DIR && find . -type f -printf '%P\0' | LC_ALL=C sort -z |
 *	    xargs -0 sha256sum | sha256sum
 * Depth is bounded (DIR_MAXDEPTH levels).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody_int.h"

#define HASH_BUFSIZE (1024 * 1024)
#define DIR_MAXDEPTH 64

static int
hash_fd(int fd, const char *path, char hex[65], uint64_t *size,
    struct etk_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE], *buf;
	unsigned int mdlen = 0;
	uint64_t total = 0;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int rc;

	if ((buf = malloc(HASH_BUFSIZE)) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "'%s'", path);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		rc = etk_fail(err, ETK_ENOMEM, 0, "'%s': sha256 init", path);
		goto out;
	}
	for (;;) {
		n = read(fd, buf, HASH_BUFSIZE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = etk_fail(err, ETK_EIO, errno,
			    "'%s': read at offset %llu", path,
			    (unsigned long long)total);
			goto out;
		}
		if (n == 0)
			break;
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
			rc = etk_fail(err, ETK_EIO, 0, "'%s': sha256", path);
			goto out;
		}
		total += (uint64_t)n;
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
		rc = etk_fail(err, ETK_EIO, 0, "'%s': sha256", path);
		goto out;
	}
	etk_hex(md, mdlen, hex);
	if (size != NULL)
		*size = total;
	rc = ETK_OK;
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	return rc;
}

int
etk_file_sha256(const char *path, char hex[65], uint64_t *size,
    struct etk_error *err)
{
	struct stat st;
	int fd, rc;

	if (path == NULL || hex == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "sha256: no path");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "cannot open '%s'", path);
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return etk_fail(err, ETK_EINVAL, 0, "'%s' is a directory",
		    path);
	}
	rc = hash_fd(fd, path, hex, size, err);
	close(fd);
	return rc;
}

struct listing {
	char **rel;		/* "HEX  relpath\n" with the hex first */
	size_t n, cap;
	uint64_t bytes;
};

static int
listing_add(struct listing *l, const char *hex, const char *rel,
    struct etk_error *err)
{
	size_t len = strlen(rel);
	char **p, *s;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		if ((p = realloc(l->rel, cap * sizeof(*p))) == NULL)
			return etk_fail(err, ETK_ENOMEM, ENOMEM, "listing");
		l->rel = p;
		l->cap = cap;
	}
	if ((s = malloc(64 + 2 + len + 2)) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "listing");
	memcpy(s, hex, 64);
	s[64] = s[65] = ' ';
	memcpy(s + 66, rel, len);
	s[66 + len] = '\n';
	s[67 + len] = '\0';
	l->rel[l->n++] = s;
	return ETK_OK;
}

static int
walk(const char *root, const char *rel, int depth, struct listing *l,
    struct etk_error *err)
{
	char *path = NULL, *sub = NULL, hex[65];
	struct dirent *de;
	struct stat st;
	uint64_t size;
	DIR *d;
	int rc = ETK_OK, fd;

	if (depth > DIR_MAXDEPTH)
		return etk_fail(err, ETK_ETIMEOUT, 0, "'%s/%s': deeper than "
		    "%d levels", root, rel, DIR_MAXDEPTH);
	if (rel[0] == '\0')
		path = strdup(root);
	else
		path = etk_cust_join(root, rel);
	if (path == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "listing");
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL) {
		rc = etk_fail(err, ETK_EIO, errno, "cannot read '%s'", path);
		if (fd != -1)
			close(fd);
		free(path);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		free(sub);
		sub = rel[0] == '\0' ? strdup(de->d_name) :
		    etk_cust_join(rel, de->d_name);
		if (sub == NULL) {
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "listing");
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) !=
		    0) {
			rc = etk_fail(err, ETK_EIO, errno, "cannot stat "
			    "'%s/%s'", root, sub);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if ((rc = walk(root, sub, depth + 1, l, err)) != ETK_OK)
				break;
		} else if (S_ISREG(st.st_mode)) {
			fd = openat(dirfd(d), de->d_name, O_RDONLY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (fd == -1) {
				rc = etk_fail(err, ETK_EIO, errno,
				    "cannot open '%s/%s'", root, sub);
				break;
			}
			rc = hash_fd(fd, sub, hex, &size, err);
			close(fd);
			if (rc != ETK_OK ||
			    (rc = listing_add(l, hex, sub, err)) != ETK_OK)
				break;
			l->bytes += size;
		}
	}
	closedir(d);
	free(sub);
	free(path);
	return rc;
}

static int
by_relpath(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 66, *(char *const *)b + 66);
}

int
etk_cust_dir_sha256(const char *path, char hex[65], uint64_t *size,
    struct etk_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct listing l;
	EVP_MD_CTX *ctx = NULL;
	size_t i;
	int rc;

	memset(&l, 0, sizeof(l));
	if ((rc = walk(path, "", 0, &l, err)) != ETK_OK)
		goto out;
	if (l.n > 1)
		qsort(l.rel, l.n, sizeof(*l.rel), by_relpath);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		rc = etk_fail(err, ETK_ENOMEM, 0, "sha256 init");
		goto out;
	}
	for (i = 0; i < l.n; i++)
		EVP_DigestUpdate(ctx, l.rel[i], strlen(l.rel[i]));
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	etk_hex(md, mdlen, hex);
	if (size != NULL)
		*size = l.bytes;
	rc = ETK_OK;
out:
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < l.n; i++)
		free(l.rel[i]);
	free(l.rel);
	return rc;
}

static int64_t
mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

int
etk_case_input_sha256(struct etk_case *kase, const char *path, char hex[65],
    uint64_t *size, struct etk_error *err)
{
	struct stat st, st2;
	char *real = NULL;
	int rc;

	if (kase == NULL || path == NULL || hex == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "input: no case or path");
	if (stat(path, &st) != 0)
		return etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "cannot stat '%s'", path);
	if (S_ISDIR(st.st_mode))
		return etk_cust_dir_sha256(path, hex, size, err);
	if (!S_ISREG(st.st_mode))	/* devices: content may change */
		return etk_file_sha256(path, hex, size, err);
	if ((real = realpath(path, NULL)) == NULL)
		return etk_fail(err, ETK_EIO, errno, "cannot resolve '%s'",
		    path);
	if (etk_cust_db_cache_get(kase, real, (uint64_t)st.st_dev,
	    (uint64_t)st.st_ino, (uint64_t)st.st_size, mtime_ns(&st), hex)) {
		if (size != NULL)
			*size = (uint64_t)st.st_size;
		free(real);
		return ETK_OK;
	}
	if ((rc = etk_file_sha256(path, hex, size, err)) == ETK_OK &&
	    stat(path, &st2) == 0 && st2.st_dev == st.st_dev &&
	    st2.st_ino == st.st_ino && st2.st_size == st.st_size &&
	    mtime_ns(&st2) == mtime_ns(&st))	/* unchanged while read */
		etk_cust_db_cache_put(kase, real, (uint64_t)st.st_dev,
		    (uint64_t)st.st_ino, (uint64_t)st.st_size, mtime_ns(&st),
		    hex);
	free(real);
	return rc;
}
