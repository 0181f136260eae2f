/*
 * etk source: detection, dispatch and the common accessors, plus the
 * memory, range and custom sources.  The backends that read files live
 * in raw.c, split.c, ewf.c and tskimg.c (see source_int.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <etk/core.h>
#include <etk/source.h>

#include "source_int.h"

#define DEFAULT_SECTOR	512

/* Backends that have no state of their own. */
static int mem_read(struct etk_source *, uint64_t, void *, size_t, size_t *,
    struct etk_error *);
static int custom_read(struct etk_source *, uint64_t, void *, size_t,
    size_t *, struct etk_error *);
static void custom_close(struct etk_source *);
static int range_read(struct etk_source *, uint64_t, void *, size_t,
    size_t *, struct etk_error *);

static const struct etk_src_ops mem_ops = {
	"memory", NULL, mem_read, NULL, 0
};
static const struct etk_src_ops custom_ops = {
	"custom", NULL, custom_read, custom_close, ETK_SRC_F_SHORT
};
static const struct etk_src_ops range_ops = {
	"range", NULL, range_read, NULL, ETK_SRC_F_SHORT
};

static char *
xstrdup(const char *s)
{
	return strdup(s != NULL ? s : "");
}

static const char *
base_name(const char *path)
{
	const char *p, *end;

	/* "a/b/" -> "b/": trailing slashes are kept out of the search. */
	end = path + strlen(path);
	while (end > path + 1 && end[-1] == '/')
		end--;
	for (p = end; p > path && p[-1] != '/'; p--)
		continue;
	return p;
}

static struct etk_source *
src_new(const char *path, const char *name)
{
	struct etk_source *src;
	const char *b;
	size_t n;

	if ((src = calloc(1, sizeof(*src))) == NULL)
		return NULL;
	src->sector_size = DEFAULT_SECTOR;
	if ((src->path = xstrdup(path)) == NULL)
		goto fail;
	if (name != NULL) {
		if ((src->name = xstrdup(name)) == NULL)
			goto fail;
	} else {
		b = base_name(path);
		n = strlen(b);
		while (n > 1 && b[n - 1] == '/')
			n--;
		if (n == 0) {
			b = path;
			n = strlen(path);
		}
		if ((src->name = strndup(b, n)) == NULL)
			goto fail;
	}
	return src;
fail:
	free(src->path);
	free(src);
	return NULL;
}

static void
src_free(struct etk_source *src)
{
	size_t i;

	if (src == NULL)
		return;
	if (src->ops != NULL && src->ops->close != NULL)
		src->ops->close(src);
	for (i = 0; i < src->nfiles; i++)
		free(src->files[i]);
	free(src->files);
	for (i = 0; i < src->nmeta; i++) {
		free(src->keys[i]);
		free(src->vals[i]);
	}
	free(src->keys);
	free(src->vals);
	for (i = 0; i < src->nhash; i++) {
		free(src->hash_alg[i]);
		free(src->hash_hex[i]);
	}
	free(src->path);
	free(src->name);
	free(src->format);
	free(src);
}

static int
nomem(struct etk_error *err)
{
	return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
}

/* ---- helpers for backends ---- */

int
etk_src_add_file(struct etk_source *src, const char *path,
    struct etk_error *err)
{
	char **v, *s;

	if ((s = xstrdup(path)) == NULL)
		return nomem(err);
	v = realloc(src->files, (src->nfiles + 1) * sizeof(*v));
	if (v == NULL) {
		free(s);
		return nomem(err);
	}
	src->files = v;
	src->files[src->nfiles++] = s;
	return ETK_OK;
}

int
etk_src_add_meta(struct etk_source *src, const char *key, const char *value,
    struct etk_error *err)
{
	char **k, **v, *ks, *vs;

	ks = xstrdup(key);
	vs = xstrdup(value);
	if (ks == NULL || vs == NULL)
		goto fail;
	if ((k = realloc(src->keys, (src->nmeta + 1) * sizeof(*k))) == NULL)
		goto fail;
	src->keys = k;
	if ((v = realloc(src->vals, (src->nmeta + 1) * sizeof(*v))) == NULL)
		goto fail;
	src->vals = v;
	src->keys[src->nmeta] = ks;
	src->vals[src->nmeta] = vs;
	src->nmeta++;
	return ETK_OK;
fail:
	free(ks);
	free(vs);
	return nomem(err);
}

int
etk_src_add_hash(struct etk_source *src, const char *alg, const char *hex,
    struct etk_error *err)
{
	char *a, *h, *p;

	if (src->nhash >= ETK_SRC_MAXHASH)
		return ETK_OK;
	a = xstrdup(alg);
	h = xstrdup(hex);
	if (a == NULL || h == NULL) {
		free(a);
		free(h);
		return nomem(err);
	}
	for (p = h; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	src->hash_alg[src->nhash] = a;
	src->hash_hex[src->nhash] = h;
	src->nhash++;
	return ETK_OK;
}

int
etk_src_open_ro(const char *path)
{
	int fd, fl = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

	/* Leave the evidence's access time alone where we may (owner or
	 * CAP_FOWNER); else open it the ordinary way. */
	fd = open(path, fl | O_NOATIME);
	if (fd == -1 && errno == EPERM)
		fd = open(path, fl);
	return fd;
}

ssize_t
etk_src_pread_full(int fd, void *buf, size_t len, uint64_t off, size_t *done)
{
	unsigned char *p = buf;
	size_t got = 0;
	ssize_t n;

	if (len > (size_t)SSIZE_MAX)
		len = (size_t)SSIZE_MAX;
	while (got < len) {
		n = pread(fd, p + got, len - got, (off_t)(off + got));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			*done = got;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*done = got;
	return (ssize_t)got;
}

/* ---- opening from a path ---- */

/* Open path without blocking on a FIFO and check what it is.  Directories
 * are ETK_EINVAL (the evidence layer opens them); FIFOs and sockets are
 * refused because a source needs a size and random access. */
static int
open_path(const char *path, int *fdp, struct stat *st, struct etk_error *err)
{
	int fd, fl;

	*fdp = -1;
	if ((fd = etk_src_open_ro(path)) == -1)
		return etk_fail(err, ETK_EIO, errno, "cannot open '%s'", path);
	if (fstat(fd, st) == -1) {
		int e = errno;

		close(fd);
		return etk_fail(err, ETK_EIO, e, "cannot open '%s'", path);
	}
	if (S_ISDIR(st->st_mode)) {
		close(fd);
		return etk_fail(err, ETK_EINVAL, EISDIR, "cannot open '%s'",
		    path);
	}
	if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode) &&
	    !S_ISCHR(st->st_mode)) {
		close(fd);
		return etk_fail(err, ETK_EINVAL, 0,
		    "cannot open '%s': not a regular file or device", path);
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		int e = errno;

		close(fd);
		return etk_fail(err, ETK_EIO, e, "cannot open '%s'", path);
	}
	*fdp = fd;
	return ETK_OK;
}

static int
probe_fill(int fd, const char *path, const struct stat *st,
    struct etk_src_probe *pr, struct etk_error *err)
{
	size_t n;
	uint64_t toff;

	memset(pr, 0, sizeof(*pr));
	if (S_ISBLK(st->st_mode) || S_ISCHR(st->st_mode)) {
		pr->is_device = 1;
		return ETK_OK;
	}
	pr->size = (uint64_t)st->st_size;
	if (etk_src_pread_full(fd, pr->head, sizeof(pr->head), 0, &n) == -1)
		return etk_fail(err, ETK_EIO, errno,
		    "cannot read '%s' at offset 0", path);
	pr->headlen = n;
	toff = pr->size > sizeof(pr->tail) ? pr->size - sizeof(pr->tail) : 0;
	if (etk_src_pread_full(fd, pr->tail, sizeof(pr->tail), toff, &n) == -1)
		return etk_fail(err, ETK_EIO, errno,
		    "cannot read '%s' at offset %" PRIu64, path, toff);
	pr->taillen = n;
	return ETK_OK;
}

static const struct etk_src_ops *
detect(const char *path, const struct etk_src_probe *pr)
{
	if (pr->is_device)
		return &etk_src_device;
	if (etk_src_ewf_detect(pr))
		return &etk_src_ewf;
	if (etk_src_vmdk_detect(pr))
		return &etk_src_vmdk;
	if (etk_src_vhd_detect(pr))
		return &etk_src_vhd;
	if (etk_src_split_detect(path))
		return &etk_src_split;
	return &etk_src_raw;
}

/* Attach ops to src and let the backend open it; fd is passed on. */
static int
attach(struct etk_source *src, const struct etk_src_ops *ops, int fd,
    const struct etk_src_probe *pr, struct etk_error *err)
{
	int rc;

	if ((src->format = xstrdup(ops->format)) == NULL) {
		close(fd);
		return nomem(err);
	}
	src->ops = ops;
	if ((rc = ops->open(src, fd, pr, err)) != ETK_OK) {
		src->ops = NULL;	/* the backend cleaned up after itself */
		if (err != NULL && strncmp(err->msg, "cannot open '", 13) != 0)
			etk_wrap(err, "%s", src->name);
		return rc;
	}
	if (src->sector_size == 0)
		src->sector_size = DEFAULT_SECTOR;
	return ETK_OK;
}

int
etk_source_open(struct etk_source **srcp, const char *path,
    struct etk_error *err)
{
	struct etk_src_probe pr;
	struct etk_source *src;
	struct stat st;
	int fd, rc;

	if (srcp == NULL)
		return etk_fail(err, ETK_EINVAL, 0,
		    "etk_source_open: no result pointer");
	*srcp = NULL;
	if (path == NULL || *path == '\0')
		return etk_fail(err, ETK_EINVAL, 0, "no source path given");
	if ((rc = open_path(path, &fd, &st, err)) != ETK_OK)
		return rc;
	if ((rc = probe_fill(fd, path, &st, &pr, err)) != ETK_OK) {
		close(fd);
		return rc;
	}
	if ((src = src_new(path, NULL)) == NULL) {
		close(fd);
		return nomem(err);
	}
	if ((rc = attach(src, detect(path, &pr), fd, &pr, err)) != ETK_OK) {
		src_free(src);
		return rc;
	}
	*srcp = src;
	return ETK_OK;
}

int
etk_source_reopen(struct etk_source **dupp, const struct etk_source *src,
    struct etk_error *err)
{
	struct etk_src_probe pr;
	struct etk_source *dup;
	struct stat st;
	int fd, rc;

	if (dupp == NULL || src == NULL) {
		if (dupp != NULL)
			*dupp = NULL;
		return etk_fail(err, ETK_EINVAL, 0,
		    "etk_source_reopen: no source");
	}
	*dupp = NULL;
	if (src->ops == NULL || !(src->ops->flags & ETK_SRC_F_PATH))
		return etk_fail(err, ETK_EUNSUPP, 0,
		    "%s: a %s source cannot be reopened", src->name,
		    src->format);
	if ((rc = open_path(src->path, &fd, &st, err)) != ETK_OK)
		return rc;
	if ((rc = probe_fill(fd, src->path, &st, &pr, err)) != ETK_OK) {
		close(fd);
		return rc;
	}
	if ((dup = src_new(src->path, src->name)) == NULL) {
		close(fd);
		return nomem(err);
	}
	if ((rc = attach(dup, src->ops, fd, &pr, err)) != ETK_OK) {
		src_free(dup);
		return rc;
	}
	if (dup->size != src->size) {
		rc = etk_fail(err, ETK_EIO, 0,
		    "%s: size changed since it was opened (%" PRIu64
		    " bytes, now %" PRIu64 ")", src->name, src->size,
		    dup->size);
		src_free(dup);
		return rc;
	}
	*dupp = dup;
	return ETK_OK;
}

/* ---- memory ---- */

static int
mem_read(struct etk_source *src, uint64_t off, void *buf, size_t len,
    size_t *nread, struct etk_error *err)
{
	(void)err;
	memcpy(buf, src->mem + off, len);
	*nread = len;
	return ETK_OK;
}

int
etk_source_open_mem(struct etk_source **srcp, const void *buf, size_t len,
    const char *name, struct etk_error *err)
{
	struct etk_source *src;

	if (srcp == NULL)
		return etk_fail(err, ETK_EINVAL, 0,
		    "etk_source_open_mem: no result pointer");
	*srcp = NULL;
	if (buf == NULL && len > 0)
		return etk_fail(err, ETK_EINVAL, 0,
		    "etk_source_open_mem: no buffer");
	if (name == NULL || *name == '\0')
		name = "memory";
	if ((src = src_new(name, name)) == NULL ||
	    (src->format = xstrdup(mem_ops.format)) == NULL) {
		src_free(src);
		return nomem(err);
	}
	src->ops = &mem_ops;
	src->mem = buf;
	src->size = len;
	*srcp = src;
	return ETK_OK;
}

/* ---- custom ---- */

static int
custom_read(struct etk_source *src, uint64_t off, void *buf, size_t len,
    size_t *nread, struct etk_error *err)
{
	return src->custom.read(src->ctx, off, buf, len, nread, err);
}

static void
custom_close(struct etk_source *src)
{
	if (src->custom.close != NULL)
		src->custom.close(src->ctx);
	src->ctx = NULL;
}

int
etk_source_new_custom(struct etk_source **srcp,
    const struct etk_source_ops *ops, void *ctx, uint64_t size,
    unsigned sector_size, const char *name, const char *format,
    struct etk_error *err)
{
	struct etk_source *src = NULL;
	int rc;

	if (srcp != NULL)
		*srcp = NULL;
	if (srcp == NULL || ops == NULL || ops->read == NULL) {
		rc = etk_fail(err, ETK_EINVAL, 0,
		    "etk_source_new_custom: %s", srcp == NULL ?
		    "no result pointer" : "no read function");
		goto fail;
	}
	if (name == NULL || *name == '\0')
		name = "custom";
	if (format == NULL || *format == '\0')
		format = custom_ops.format;
	if ((src = src_new(name, name)) == NULL ||
	    (src->format = xstrdup(format)) == NULL) {
		rc = nomem(err);
		goto fail;
	}
	src->custom = *ops;
	src->ctx = ctx;
	src->ops = &custom_ops;
	src->size = size;
	if (sector_size != 0)
		src->sector_size = sector_size;
	*srcp = src;
	return ETK_OK;
fail:
	src_free(src);
	if (ops != NULL && ops->close != NULL)
		ops->close(ctx);
	return rc;
}

/* ---- range ---- */

static int
range_read(struct etk_source *src, uint64_t off, void *buf, size_t len,
    size_t *nread, struct etk_error *err)
{
	/* base + off cannot wrap: base + size was checked at open. */
	return etk_source_read(src->parent, src->base + off, buf, len, nread,
	    err);
}

int
etk_source_open_range(struct etk_source **srcp, struct etk_source *parent,
    uint64_t off, uint64_t len, struct etk_error *err)
{
	struct etk_source *src;

	if (srcp == NULL || parent == NULL) {
		if (srcp != NULL)
			*srcp = NULL;
		return etk_fail(err, ETK_EINVAL, 0,
		    "etk_source_open_range: no %s", srcp == NULL ?
		    "result pointer" : "parent source");
	}
	*srcp = NULL;
	if (len > UINT64_MAX - off)
		return etk_fail(err, ETK_EINVAL, 0,
		    "%s: range @%" PRIu64 "+%" PRIu64 " overflows",
		    parent->name, off, len);
	if ((src = src_new(parent->path, parent->name)) == NULL ||
	    (src->format = xstrdup(range_ops.format)) == NULL) {
		src_free(src);
		return nomem(err);
	}
	src->ops = &range_ops;
	src->parent = parent;
	src->base = off;
	src->size = len;
	src->sector_size = parent->sector_size;
	*srcp = src;
	return ETK_OK;
}

/* ---- reading and accessors ---- */

int
etk_source_read(struct etk_source *src, uint64_t off, void *buf, size_t len,
    size_t *nread, struct etk_error *err)
{
	size_t done = 0, chunk, n;
	int rc;

	if (nread != NULL)
		*nread = 0;
	if (src == NULL || src->ops == NULL || nread == NULL ||
	    (buf == NULL && len > 0))
		return etk_fail(err, ETK_EINVAL, 0,
		    "etk_source_read: %s", src == NULL ? "no source" :
		    nread == NULL ? "no count pointer" : "no buffer");
	if (len == 0 || off >= src->size)
		return ETK_OK;
	if (len > src->size - off)
		len = (size_t)(src->size - off);
	while (done < len) {
		chunk = len - done;
		if (chunk > ETK_SRC_IOMAX)
			chunk = ETK_SRC_IOMAX;
		n = 0;
		rc = src->ops->read(src, off + done, (unsigned char *)buf + done,
		    chunk, &n, err);
		if (n > chunk)
			n = chunk;
		done += n;
		if (rc != ETK_OK) {
			*nread = done;
			src->bytes_read += done;
			if (src->ops->flags & ETK_SRC_F_PATH)
				etk_wrap(err, "%s", src->name);
			return rc;
		}
		if (n < chunk) {
			if (src->ops->flags & ETK_SRC_F_SHORT)
				break;
			*nread = done;
			src->bytes_read += done;
			/* sys_errno ENODATA (not in the message): the data
			 * ended (the file shrank), as opposed to a read
			 * error. */
			etk_fail(err, ETK_EIO, 0,
			    "%s: read at offset %" PRIu64
			    ": unexpected end of data (%" PRIu64
			    " bytes expected; file shrank?)", src->name,
			    off + done, src->size);
			if (err != NULL)
				err->sys_errno = ENODATA;
			return ETK_EIO;
		}
	}
	*nread = done;
	src->bytes_read += done;
	return ETK_OK;
}

uint64_t
etk_source_size(const struct etk_source *src)
{
	return src != NULL ? src->size : 0;
}

unsigned
etk_source_sector_size(const struct etk_source *src)
{
	return src != NULL ? src->sector_size : 0;
}

const char *
etk_source_path(const struct etk_source *src)
{
	return src != NULL ? src->path : NULL;
}

const char *
etk_source_name(const struct etk_source *src)
{
	return src != NULL ? src->name : NULL;
}

const char *
etk_source_format(const struct etk_source *src)
{
	return src != NULL ? src->format : NULL;
}

size_t
etk_source_files(const struct etk_source *src, const char *const **paths)
{
	if (src == NULL) {
		if (paths != NULL)
			*paths = NULL;
		return 0;
	}
	if (paths != NULL)
		*paths = (const char *const *)src->files;
	return src->nfiles;
}

int
etk_source_stored_hash(const struct etk_source *src, const char *alg,
    char *hex, size_t hexlen)
{
	size_t i, n;

	if (src == NULL || alg == NULL)
		return ETK_EINVAL;
	for (i = 0; i < src->nhash; i++) {
		if (strcasecmp(src->hash_alg[i], alg) != 0)
			continue;
		if (hex == NULL)
			return ETK_OK;
		n = strlen(src->hash_hex[i]);
		if (hexlen <= n)
			return ETK_EINVAL;
		memcpy(hex, src->hash_hex[i], n + 1);
		return ETK_OK;
	}
	return ETK_ENOTFOUND;
}

size_t
etk_source_meta(const struct etk_source *src, const char *const **keys,
    const char *const **values)
{
	if (keys != NULL)
		*keys = src != NULL ? (const char *const *)src->keys : NULL;
	if (values != NULL)
		*values = src != NULL ? (const char *const *)src->vals : NULL;
	return src != NULL ? src->nmeta : 0;
}

uint64_t
etk_source_bytes_read(const struct etk_source *src)
{
	return src != NULL ? src->bytes_read : 0;
}

void
etk_source_close(struct etk_source *src)
{
	src_free(src);
}
