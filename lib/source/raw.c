/*
 * Raw sources: a regular file, or a block or character device, read
 * with pread(2).  The descriptor comes from source.c, opened
 * O_RDONLY | O_CLOEXEC (never O_CREAT).
 */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>	/* BLKGETSIZE64, BLKSSZGET */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include <etk/core.h>

#include "source_int.h"

struct raw {
	int fd;
};

static int
raw_setup(struct etk_source *src, int fd, struct etk_error *err)
{
	struct raw *r;
	int rc;

	if ((r = malloc(sizeof(*r))) == NULL) {
		close(fd);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	}
	r->fd = fd;
	if ((rc = etk_src_add_file(src, src->path, err)) != ETK_OK) {
		close(fd);
		free(r);
		return rc;
	}
	src->priv = r;
	return ETK_OK;
}

static int
raw_open(struct etk_source *src, int fd, const struct etk_src_probe *pr,
    struct etk_error *err)
{
	src->size = pr->size;
	src->sector_size = 512;
	/* Advice only: a failure changes nothing. */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return raw_setup(src, fd, err);
}

static int
device_open(struct etk_source *src, int fd, const struct etk_src_probe *pr,
    struct etk_error *err)
{
	struct stat st;
	uint64_t size = 0;
	off_t end;
	int ssz = 0;

	(void)pr;
	if (fstat(fd, &st) == -1) {
		int e = errno;

		close(fd);
		return etk_fail(err, ETK_EIO, e, "device: cannot stat");
	}
	if (ioctl(fd, BLKGETSIZE64, &size) == -1) {
		if (S_ISBLK(st.st_mode)) {
			int e = errno;

			close(fd);
			return etk_fail(err, ETK_EIO, e,
			    "device: cannot get the size");
		}
		/* A character device: take what seeking to the end says;
		 * 0 when it cannot tell (then the source is empty). */
		end = lseek(fd, 0, SEEK_END);
		size = end > 0 ? (uint64_t)end : 0;
	}
	if (ioctl(fd, BLKSSZGET, &ssz) == -1 || ssz <= 0 || ssz > 65536)
		ssz = 512;
	src->size = size;
	src->sector_size = (unsigned)ssz;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return raw_setup(src, fd, err);
}

static int
raw_read(struct etk_source *src, uint64_t off, void *buf, size_t len,
    size_t *nread, struct etk_error *err)
{
	struct raw *r = src->priv;
	size_t done = 0;

	if (etk_src_pread_full(r->fd, buf, len, off, &done) == -1) {
		*nread = done;
		return etk_fail(err, ETK_EIO, errno,
		    "read at offset %" PRIu64, off + done);
	}
	*nread = done;
	return ETK_OK;
}

static void
raw_close(struct etk_source *src)
{
	struct raw *r = src->priv;

	if (r == NULL)
		return;
	close(r->fd);
	free(r);
	src->priv = NULL;
}

const struct etk_src_ops etk_src_raw = {
	"raw", raw_open, raw_read, raw_close, ETK_SRC_F_PATH
};

const struct etk_src_ops etk_src_device = {
	"device", device_open, raw_read, raw_close, ETK_SRC_F_PATH
};
