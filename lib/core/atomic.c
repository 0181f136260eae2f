/* Atomic output files: temp in the same directory, fsync, rename. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <etk/core.h>

static int
fsync_dir_of(const char *path)
{
	char *copy, *dir;
	int fd, rc = 0;

	if ((copy = strdup(path)) == NULL)
		return -1;
	dir = dirname(copy);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fsync(fd) != 0 && errno != EINVAL)
			rc = -1;
		close(fd);
	}
	free(copy);
	return rc;
}

int
etk_write_file_atomic(const char *path, const void *data, size_t len,
    int overwrite, char *sha256hex, struct etk_error *err)
{
	const unsigned char *p = data;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *tmp = NULL;
	size_t off = 0, n;
	ssize_t w;
	int fd = -1, e;

	if (!overwrite && access(path, F_OK) == 0)
		return etk_fail(err, ETK_EEXIST, 0,
		    "'%s' exists; refusing to overwrite", path);
	n = strlen(path) + 16;
	if ((tmp = malloc(n)) == NULL)
		return etk_fail(err, ETK_ENOMEM, errno, "%s", path);
	snprintf(tmp, n, "%s.tmp-XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		e = errno;
		free(tmp);
		return etk_fail(err, ETK_EIO, e, "cannot create '%s'", path);
	}
	(void)fchmod(fd, 0640);
	while (off < len) {
		w = write(fd, p + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (!overwrite) {
		/* link() fails if path appeared meanwhile: no overwrite race */
		if (link(tmp, path) != 0)
			goto fail;
		unlink(tmp);
	} else if (rename(tmp, path) != 0)
		goto fail;
	fsync_dir_of(path);
	if (sha256hex != NULL) {
		if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
			return etk_fail(err, ETK_ENOMEM, 0, "sha256 failed");
		etk_hex(md, mdlen, sha256hex);
	}
	free(tmp);
	return ETK_OK;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	if (e == EEXIST)
		return etk_fail(err, ETK_EEXIST, 0,
		    "'%s' exists; refusing to overwrite", path);
	return etk_fail(err, ETK_EIO, e, "cannot write '%s'", path);
}

int
etk_publish_file(int fd, const char *tmp, const char *path,
    struct etk_error *err)
{
	int e;

	if (fd >= 0) {
		if (fsync(fd) != 0 && errno != EINVAL) {
			e = errno;
			close(fd);
			unlink(tmp);
			return etk_fail(err, ETK_EIO, e, "cannot write '%s'",
			    path);
		}
		if (close(fd) != 0) {
			e = errno;
			unlink(tmp);
			return etk_fail(err, ETK_EIO, e, "cannot write '%s'",
			    path);
		}
	}
	if (link(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		return e == EEXIST ? etk_fail(err, ETK_EEXIST, 0,
		    "'%s' exists; refusing to overwrite", path) :
		    etk_fail(err, ETK_EIO, e, "cannot write '%s'", path);
	}
	unlink(tmp);
	(void)fsync_dir_of(path);
	return ETK_OK;
}
