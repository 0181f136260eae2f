/*
 * A directory tree as evidence (an extracted phone dump, a mounted
 * share).  Read only, and carefully:
 *
 * - every name is resolved relative to an open directory (openat,
 *   fstatat, readlinkat), one component at a time, with O_NOFOLLOW:
 *   symbolic links are reported ('l', with their target), never
 *   followed, so nothing outside the tree is read;
 * - ".." never appears in a locator path: a path holding it names
 *   nothing;
 * - only regular files are opened for content, after an lstat and
 *   with O_NONBLOCK, so a FIFO or a device is never opened;
 * - O_NOATIME where the kernel allows it, so reading leaves the access
 *   times as they were;
 * - names are sorted (strcmp) for a deterministic order; recursion
 *   stops at ETK_MAX_DIRDEPTH and at a directory already open above
 *   (same device and inode: bind mounts);
 * - unreadable entries get a summary item and the walk goes on.
 *
 * Locators are "/rel/path" from the directory given; inode = st_ino.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <etk/evidence.h>
#include <etk/locator.h>

#include "fs/cont_int.h"

#ifndef O_NOATIME
#define O_NOATIME 0
#endif

#define LINK_MAX_READ	4096

struct dbk {
	struct etk_evidence *ev;
	int rootfd;
	struct etk_volume vol;
};

/* ---- file descriptor source ---- */

struct fdsrc {
	int fd;
};

static int
fd_read(void *ctx, uint64_t off, void *buf, size_t len, size_t *nread,
    struct etk_error *err)
{
	struct fdsrc *f = ctx;
	size_t done = 0;
	ssize_t r;

	*nread = 0;
	while (done < len) {
		if (off + done > (uint64_t)INT64_MAX)
			break;
		r = pread(f->fd, (char *)buf + done, len - done,
		    (off_t)(off + done));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			*nread = done;
			return etk_fail(err, ETK_EIO, errno, "read at offset %"
			    PRIu64, off + done);
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	*nread = done;
	return ETK_OK;
}

static void
fd_close(void *ctx)
{
	struct fdsrc *f = ctx;

	if (f != NULL) {
		close(f->fd);
		free(f);
	}
}

static const struct etk_source_ops fd_ops = { fd_read, fd_close };

int
etk_cont_fd_source(struct etk_source **out, int fd, const char *name,
    const char *format, struct etk_error *err)
{
	struct fdsrc *f;
	struct stat st;

	*out = NULL;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return etk_fail(err, ETK_EIO, errno, "%s", name);
	}
	if ((f = malloc(sizeof(*f))) == NULL) {
		close(fd);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	}
	f->fd = fd;
	return etk_source_new_custom(out, &fd_ops, f,
	    st.st_size > 0 ? (uint64_t)st.st_size : 0, 0, name, format, err);
}

static const char *
mode_name(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

static int
open_noatime(int dirfd, const char *name, int flags)
{
	int fd;

	fd = openat(dirfd, name, flags | O_NOATIME);
	if (fd < 0 && errno == EPERM && O_NOATIME != 0)
		fd = openat(dirfd, name, flags);
	return fd;
}

int
etk_cont_open_regular(int dirfd, const char *name, const char *shown,
    int *fdp, struct etk_error *err)
{
	struct stat a, b;
	int fd;

	*fdp = -1;
	if (fstatat(dirfd, name, &a, AT_SYMLINK_NOFOLLOW) != 0)
		return etk_fail(err, errno == ENOENT || errno == ENOTDIR ?
		    ETK_ENOTFOUND : ETK_EIO, errno, "'%s'", shown);
	if (!S_ISREG(a.st_mode))
		return etk_fail(err, ETK_EINVAL, 0, "'%s' is %s, not a regular "
		    "file", shown, mode_name(a.st_mode));
	fd = open_noatime(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return etk_fail(err, ETK_EIO, errno, "cannot open '%s'",
		    shown);
	if (fstat(fd, &b) != 0 || !S_ISREG(b.st_mode) || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino) {
		close(fd);
		return etk_fail(err, ETK_EIO, 0, "'%s' changed while it was "
		    "opened", shown);
	}
	*fdp = fd;
	return ETK_OK;
}

/* ---- metadata ---- */

struct dstat {
	mode_t mode;
	dev_t dev;
	ino_t ino;
	uint64_t size;
	int64_t uid, gid;
	unsigned times;
	int64_t mtime, atime, ctime, crtime;
	int32_t mtime_ns, atime_ns, ctime_ns, crtime_ns;
};

/* lstat of name under dfd ("" for dfd itself). */
static int
d_stat(int dfd, const char *name, struct dstat *d)
{
	struct stat st;
	int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT;

	memset(d, 0, sizeof(*d));
#ifdef STATX_BTIME
	{
		struct statx sx;

		if (statx(dfd, name, flags | (*name == '\0' ? AT_EMPTY_PATH :
		    0), STATX_BASIC_STATS | STATX_BTIME, &sx) == 0) {
			d->mode = sx.stx_mode;
			d->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
			d->ino = (ino_t)sx.stx_ino;
			d->size = sx.stx_size;
			d->uid = sx.stx_uid;
			d->gid = sx.stx_gid;
			d->times = ETK_TIME_M | ETK_TIME_A | ETK_TIME_C;
			d->mtime = sx.stx_mtime.tv_sec;
			d->mtime_ns = (int32_t)sx.stx_mtime.tv_nsec;
			d->atime = sx.stx_atime.tv_sec;
			d->atime_ns = (int32_t)sx.stx_atime.tv_nsec;
			d->ctime = sx.stx_ctime.tv_sec;
			d->ctime_ns = (int32_t)sx.stx_ctime.tv_nsec;
			if (sx.stx_mask & STATX_BTIME) {
				d->times |= ETK_TIME_CR;
				d->crtime = sx.stx_btime.tv_sec;
				d->crtime_ns = (int32_t)sx.stx_btime.tv_nsec;
			}
			return 0;
		}
		if (errno != ENOSYS)
			return -1;
	}
#endif
	if (*name == '\0' ? fstat(dfd, &st) : fstatat(dfd, name, &st,
	    flags) != 0)
		return -1;
	d->mode = st.st_mode;
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	d->size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	d->uid = st.st_uid;
	d->gid = st.st_gid;
	d->times = ETK_TIME_M | ETK_TIME_A | ETK_TIME_C;
	d->mtime = st.st_mtim.tv_sec;
	d->mtime_ns = (int32_t)st.st_mtim.tv_nsec;
	d->atime = st.st_atim.tv_sec;
	d->atime_ns = (int32_t)st.st_atim.tv_nsec;
	d->ctime = st.st_ctim.tv_sec;
	d->ctime_ns = (int32_t)st.st_ctim.tv_nsec;
	return 0;
}

static char
d_letter(mode_t m)
{
	if (S_ISREG(m))
		return 'r';
	if (S_ISDIR(m))
		return 'd';
	if (S_ISLNK(m))
		return 'l';
	if (S_ISCHR(m))
		return 'c';
	if (S_ISBLK(m))
		return 'b';
	if (S_ISFIFO(m))
		return 'p';
	if (S_ISSOCK(m))
		return 's';
	return '-';
}

/* ---- walking ---- */

struct dwalk {
	struct dbk *bk;
	unsigned flags;
	etk_entry_cb cb;
	void *arg;
	struct etk_summary *sum;
	struct etk_buf path;		/* "" for the root, "/a/b" below */
	struct etk_buf loc;
	char link[LINK_MAX_READ + 1];
	uint64_t count;
	int stop;
	int oom;
	int find;			/* looking for inode find_ino */
	uint64_t find_ino;
	int found;
	struct {
		dev_t dev;
		ino_t ino;
	} stk[ETK_MAX_DIRDEPTH + 2];
	int depth;
};

static const char *
w_path(struct dwalk *w)
{
	return w->path.len > 0 ? w->path.data : "/";
}

static void
w_locator(struct dwalk *w)
{
	struct etk_loc_item it;

	memset(&it, 0, sizeof(it));
	it.volume = -1;
	it.kind = ETK_LOC_PATH;
	it.path = (char *)w_path(w);
	etk_buf_reset(&w->loc);
	etk_ev_locator(w->bk->ev, &w->loc, &it);
	if (w->loc.oom || w->path.oom)
		w->oom = 1;
}

static void
w_problem(struct dwalk *w, enum etk_outcome o, const char *fmt, ...)
    ETK_PRINTFLIKE(3, 4);

static void
w_problem(struct dwalk *w, enum etk_outcome o, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	w_locator(w);
	if (!w->oom)
		etk_summary_add(w->sum, w->loc.data, "directory", o, 0, why);
}

/* Report the entry at w->path (name under dfd). */
static void
w_emit(struct dwalk *w, int dfd, const char *name, const struct dstat *d)
{
	struct etk_entry e;
	const char *slash;
	ssize_t n;

	if (w->find && (uint64_t)d->ino != w->find_ino)
		return;
	if (!(w->flags & ETK_WALK_ALLOC))
		return;
	w_locator(w);
	if (w->oom) {
		w->stop = 1;
		return;
	}
	memset(&e, 0, sizeof(e));
	e.locator = w->loc.data;
	e.source = etk_ev_name(w->bk->ev);
	e.volume = -1;
	e.fs_type = "directory";
	e.has_inode = 1;
	e.inode = (uint64_t)d->ino;
	e.path = w_path(w);
	slash = strrchr(e.path, '/');
	e.name = w->path.len == 0 ? "" : slash + 1;
	e.size = S_ISDIR(d->mode) ? 0 : d->size;
	e.allocated = 1;
	e.name_type = e.meta_type = d_letter(d->mode);
	e.mode = (uint32_t)(d->mode & 07777);
	e.uid = d->uid;
	e.gid = d->gid;
	e.times = d->times;
	e.mtime = d->mtime;
	e.mtime_ns = d->mtime_ns;
	e.atime = d->atime;
	e.atime_ns = d->atime_ns;
	e.ctime = d->ctime;
	e.ctime_ns = d->ctime_ns;
	e.crtime = d->crtime;
	e.crtime_ns = d->crtime_ns;
	if (S_ISLNK(d->mode) && *name != '\0') {
		n = readlinkat(dfd, name, w->link, LINK_MAX_READ);
		if (n >= 0) {
			w->link[n] = '\0';
			e.link_target = w->link;
		}
	}
	w->count++;
	if (w->find)
		w->found = 1;
	if (w->cb(&e, w->arg) != 0 || w->find)
		w->stop = 1;
}

struct names {
	char *buf;
	size_t len, cap;
	char **v;
	size_t n;
};

static int
names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
names_release(struct names *nm)
{
	free(nm->buf);
	free(nm->v);
	memset(nm, 0, sizeof(*nm));
}

/* The names in dfd, sorted.  Returns 0, or an errno with what was read
 * so far kept; *capped when the directory has too many entries. */
static int
read_names(int dfd, struct names *nm, int *capped)
{
	struct dirent *de;
	size_t k, len, cap, *offs = NULL, noffs = 0, capoffs = 0, *no;
	char *nb;
	DIR *d;
	int fd, rc = 0;

	memset(nm, 0, sizeof(*nm));
	*capped = 0;
	if ((fd = open_noatime(dfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return errno;
	if ((d = fdopendir(fd)) == NULL) {
		rc = errno;
		close(fd);
		return rc;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			rc = errno;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (noffs >= ETK_MAX_MEMBERS) {
			*capped = 1;
			break;
		}
		len = strlen(de->d_name) + 1;
		if (nm->cap - nm->len < len) {
			cap = nm->cap ? nm->cap * 2 : 4096;
			while (cap - nm->len < len)
				cap *= 2;
			if ((nb = realloc(nm->buf, cap)) == NULL) {
				rc = ENOMEM;
				break;
			}
			nm->buf = nb;
			nm->cap = cap;
		}
		if (noffs == capoffs) {
			cap = capoffs ? capoffs * 2 : 64;
			if ((no = realloc(offs, cap * sizeof(*no))) == NULL) {
				rc = ENOMEM;
				break;
			}
			offs = no;
			capoffs = cap;
		}
		memcpy(nm->buf + nm->len, de->d_name, len);
		offs[noffs++] = nm->len;
		nm->len += len;
	}
	closedir(d);
	if (noffs > 0 && (nm->v = malloc(noffs * sizeof(*nm->v))) == NULL) {
		free(offs);
		names_release(nm);
		return ENOMEM;
	}
	for (k = 0; k < noffs; k++)
		nm->v[k] = nm->buf + offs[k];
	nm->n = noffs;
	free(offs);
	if (nm->n > 1)
		qsort(nm->v, nm->n, sizeof(*nm->v), names_cmp);
	return rc;
}

static void walk_dir(struct dwalk *, int);

/* Shorten b to len bytes (an unused etk_buf points at static storage). */
static void
buf_cut(struct etk_buf *b, size_t len)
{
	if (b->len > len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

/* Descend into name (a directory under dfd, w->path already names it). */
static void
w_descend(struct dwalk *w, int dfd, const char *name, const struct dstat *d)
{
	struct stat st;
	int i, fd;

	if (w->depth >= ETK_MAX_DIRDEPTH) {
		w_problem(w, ETK_OUTCOME_TIMEOUT, "more than %d directories "
		    "deep: not listed", ETK_MAX_DIRDEPTH);
		return;
	}
	for (i = 0; i < w->depth; i++)
		if (w->stk[i].dev == d->dev && w->stk[i].ino == d->ino) {
			w_problem(w, ETK_OUTCOME_ERROR, "directory loop (the "
			    "same directory as one above it): not listed");
			return;
		}
	fd = open_noatime(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		w_problem(w, ETK_OUTCOME_ERROR, "cannot open directory: %s",
		    strerror(errno));
		return;
	}
	if (fstat(fd, &st) != 0 || st.st_dev != d->dev || st.st_ino != d->ino) {
		w_problem(w, ETK_OUTCOME_ERROR, "directory changed while "
		    "listed: not listed");
		close(fd);
		return;
	}
	walk_dir(w, fd);
	close(fd);
}

/* List the directory open as dfd, whose path is w->path. */
static void
walk_dir(struct dwalk *w, int dfd)
{
	struct names nm;
	struct dstat d;
	struct stat st;
	size_t i, save;
	int rc, capped;

	if (fstat(dfd, &st) != 0) {
		w_problem(w, ETK_OUTCOME_ERROR, "cannot stat directory: %s",
		    strerror(errno));
		return;
	}
	w->stk[w->depth].dev = st.st_dev;
	w->stk[w->depth].ino = st.st_ino;
	w->depth++;
	rc = read_names(dfd, &nm, &capped);
	if (rc != 0)
		w_problem(w, ETK_OUTCOME_ERROR, "cannot read directory%s: %s",
		    nm.n > 0 ? " to the end" : "", strerror(rc));
	if (capped)
		w_problem(w, ETK_OUTCOME_TIMEOUT, "more than %d entries: only "
		    "%d listed", ETK_MAX_MEMBERS, ETK_MAX_MEMBERS);
	save = w->path.len;
	for (i = 0; i < nm.n && !w->stop; i++) {
		buf_cut(&w->path, save);
		etk_buf_addc(&w->path, '/');
		etk_buf_adds(&w->path, nm.v[i]);
		if (w->path.oom) {
			w->oom = 1;
			w->stop = 1;
			break;
		}
		if (d_stat(dfd, nm.v[i], &d) != 0) {
			w_problem(w, ETK_OUTCOME_ERROR, "cannot stat: %s",
			    strerror(errno));
			continue;
		}
		w_emit(w, dfd, nm.v[i], &d);
		if (!w->stop && S_ISDIR(d.mode) &&
		    (w->flags & ETK_WALK_RECURSE))
			w_descend(w, dfd, nm.v[i], &d);
	}
	if (!w->path.oom)
		buf_cut(&w->path, save);
	names_release(&nm);
	w->depth--;
}

/* ---- resolving locator paths ---- */

/* Split path into its directory (opened, *pfd, owned) and last
 * component (*last, in *buf; NULL for the root).  No symlink is
 * followed and ".." names nothing. */
static int
resolve(struct dbk *bk, const char *path, int *pfd, const char **last,
    struct etk_buf *buf, struct etk_error *err)
{
	char *p, *next, *slash;
	int fd, nfd;

	*pfd = -1;
	*last = NULL;
	etk_cont_normpath(buf, path);
	if (buf->oom)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	for (p = buf->data; *p != '\0'; p = next) {
		slash = strchr(p, '/');
		next = slash != NULL ? slash + 1 : p + strlen(p);
		if ((slash != NULL ? (size_t)(slash - p) : strlen(p)) == 2 &&
		    p[0] == '.' && p[1] == '.')
			return etk_fail(err, ETK_ENOTFOUND, 0, "%s: no entry "
			    "'%s' ('..' is not followed)",
			    etk_ev_name(bk->ev), path);
	}
	if ((fd = dup(bk->rootfd)) < 0)
		return etk_fail(err, ETK_EIO, errno, "%s",
		    etk_ev_name(bk->ev));
	if (buf->len == 0) {
		*pfd = fd;
		return ETK_OK;
	}
	for (p = buf->data; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
		*slash = '\0';
		nfd = open_noatime(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC);
		*slash = '/';
		if (nfd < 0) {
			int e = errno;

			close(fd);
			if (e == ENOTDIR || e == ELOOP)
				return etk_fail(err, ETK_ENOTFOUND, 0, "%s: no "
				    "entry '%s' (a component is not a "
				    "directory; symbolic links are not "
				    "followed)", etk_ev_name(bk->ev), path);
			return etk_fail(err, e == ENOENT ? ETK_ENOTFOUND :
			    ETK_EIO, e, "%s: no entry '%s'",
			    etk_ev_name(bk->ev), path);
		}
		close(fd);
		fd = nfd;
	}
	*pfd = fd;
	*last = p;
	return ETK_OK;
}

static void
dwalk_init(struct dwalk *w, struct dbk *bk, unsigned flags, etk_entry_cb cb,
    void *arg, struct etk_summary *sum)
{
	memset(w, 0, sizeof(*w));
	w->bk = bk;
	w->flags = flags;
	w->cb = cb;
	w->arg = arg;
	w->sum = sum;
	etk_buf_init(&w->path);
	etk_buf_init(&w->loc);
}

static void
dwalk_release(struct dwalk *w)
{
	etk_buf_release(&w->path);
	etk_buf_release(&w->loc);
}

/* Set w->path to the normalised path ("" for the root). */
static void
w_setpath(struct dwalk *w, const struct etk_buf *norm)
{
	etk_buf_reset(&w->path);
	if (norm->len > 0) {
		etk_buf_addc(&w->path, '/');
		etk_buf_add(&w->path, norm->data, norm->len);
	}
}

/* From the path start: list what is under it (list set: its children
 * or, recursively, all below; a file lists itself), or report the entry
 * itself. */
static int
dir_run(struct dbk *bk, struct dwalk *w, const char *start, int list,
    struct etk_error *err)
{
	struct etk_buf norm;
	struct dstat d;
	const char *last;
	int pfd, fd, rc;

	etk_buf_init(&norm);
	if ((rc = resolve(bk, start, &pfd, &last, &norm, err)) != ETK_OK) {
		etk_buf_release(&norm);
		return rc;
	}
	w_setpath(w, &norm);
	if (d_stat(pfd, last != NULL ? last : "", &d) != 0) {
		rc = etk_fail(err, errno == ENOENT || errno == ENOTDIR ?
		    ETK_ENOTFOUND : ETK_EIO, errno, "%s: no entry '%s'",
		    etk_ev_name(bk->ev), start);
	} else if (!list || !S_ISDIR(d.mode)) {
		w_emit(w, pfd, last != NULL ? last : "", &d);
	} else if (last == NULL) {
		walk_dir(w, pfd);
	} else {
		fd = open_noatime(pfd, last, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			rc = etk_fail(err, ETK_EIO, errno, "%s: cannot open "
			    "'%s'", etk_ev_name(bk->ev), start);
		else {
			walk_dir(w, fd);
			close(fd);
		}
	}
	close(pfd);
	if (rc == ETK_OK && w->oom)
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	etk_buf_release(&norm);
	return rc;
}

static const char *
item_path(const struct etk_loc_item *it)
{
	return it != NULL && it->kind == ETK_LOC_PATH && it->path != NULL ?
	    it->path : "/";
}

static int
check_item(struct dbk *bk, const struct etk_loc_item *it,
    struct etk_error *err)
{
	if (it == NULL)
		return ETK_OK;
	if (it->volume >= 0)
		return etk_fail(err, ETK_ENOTFOUND, 0, "%s: a directory has "
		    "no volume p%d", etk_ev_name(bk->ev), it->volume);
	if (it->kind == ETK_LOC_RANGE)
		return etk_fail(err, ETK_EUNSUPP, 0, "%s: a directory has no "
		    "byte ranges", etk_ev_name(bk->ev));
	return ETK_OK;
}

static int
dir_walk(struct etk_evidence *ev, void *bctx,
    const struct etk_loc_item *start, unsigned flags, etk_entry_cb cb,
    void *arg, struct etk_summary *sum, struct etk_error *err)
{
	struct dbk *bk = bctx;
	struct dwalk *w;
	int rc;

	(void)ev;
	if ((rc = check_item(bk, start, err)) != ETK_OK)
		return rc;
	if ((w = malloc(sizeof(*w))) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	dwalk_init(w, bk, flags, cb, arg, sum);
	if (start != NULL && start->kind == ETK_LOC_INODE) {
		/* The directory with that inode, found first. */
		rc = etk_fail(err, ETK_EUNSUPP, 0, "%s: list a directory of a "
		    "directory tree by path, not by inode",
		    etk_ev_name(bk->ev));
	} else
		rc = dir_run(bk, w, item_path(start), 1, err);
	if (rc == ETK_OK)
		etk_summary_add(sum, etk_ev_name(bk->ev), "directory",
		    ETK_OUTCOME_OK, w->count, NULL);
	dwalk_release(w);
	free(w);
	return rc;
}

static int
dir_stat(struct etk_evidence *ev, void *bctx, const struct etk_loc_item *it,
    etk_entry_cb cb, void *arg, struct etk_error *err)
{
	struct dbk *bk = bctx;
	struct dwalk *w;
	int rc;

	(void)ev;
	if ((rc = check_item(bk, it, err)) != ETK_OK)
		return rc;
	if ((w = malloc(sizeof(*w))) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	dwalk_init(w, bk, ETK_WALK_ALLOC | ETK_WALK_RECURSE, cb, arg, NULL);
	if (it != NULL && it->kind == ETK_LOC_INODE) {
		/* Search the tree (the locators we give use paths). */
		w->find = 1;
		w->find_ino = it->inode;
		rc = dir_run(bk, w, "/", 0, err);
		if (rc == ETK_OK && !w->found)
			rc = dir_run(bk, w, "/", 1, err);
		if (rc == ETK_OK && !w->found)
			rc = etk_fail(err, ETK_ENOTFOUND, 0, "%s: no entry "
			    "with inode %" PRIu64, etk_ev_name(bk->ev),
			    it->inode);
	} else
		rc = dir_run(bk, w, item_path(it), 0, err);
	dwalk_release(w);
	free(w);
	return rc;
}

static int
dir_open_file(struct etk_evidence *ev, void *bctx,
    const struct etk_loc_item *it, struct etk_source **out,
    struct etk_error *err)
{
	struct dbk *bk = bctx;
	struct etk_buf norm;
	const char *last;
	int pfd, fd, rc;

	(void)ev;
	*out = NULL;
	if ((rc = check_item(bk, it, err)) != ETK_OK)
		return rc;
	if (it != NULL && it->kind == ETK_LOC_INODE)
		return etk_fail(err, ETK_EUNSUPP, 0, "%s: open files of a "
		    "directory tree by path, not by inode",
		    etk_ev_name(bk->ev));
	etk_buf_init(&norm);
	if ((rc = resolve(bk, item_path(it), &pfd, &last, &norm, err)) !=
	    ETK_OK) {
		etk_buf_release(&norm);
		return rc;
	}
	if (last == NULL)
		rc = etk_fail(err, ETK_EINVAL, 0, "%s: '/' is a directory",
		    etk_ev_name(bk->ev));
	else if ((rc = etk_cont_open_regular(pfd, last, item_path(it), &fd,
	    err)) != ETK_OK)
		etk_wrap(err, "%s", etk_ev_name(bk->ev));
	else
		rc = etk_cont_fd_source(out, fd, last, "file", err);
	close(pfd);
	etk_buf_release(&norm);
	return rc;
}

static void
dir_close(void *bctx)
{
	struct dbk *bk = bctx;

	if (bk == NULL)
		return;
	if (bk->rootfd >= 0)
		close(bk->rootfd);
	free(bk);
}

const struct etk_backend_ops etk_backend_dir = {
	"dir",
	dir_walk,
	dir_stat,
	dir_open_file,
	NULL,
	NULL,
	dir_close
};

int
etk_dir_open(struct etk_evidence *ev, const char *path, void **bctx,
    const struct etk_volume **vols, size_t *nvols, struct etk_error *err)
{
	struct dbk *bk;
	int fd;

	*bctx = NULL;
	*vols = NULL;
	*nvols = 0;
	if (path == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "%s: directory: no path",
		    etk_ev_name(ev));
	fd = open_noatime(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "%s: directory: cannot open '%s'",
		    etk_ev_name(ev), path);
	if ((bk = calloc(1, sizeof(*bk))) == NULL) {
		close(fd);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	}
	bk->ev = ev;
	bk->rootfd = fd;
	bk->vol.slot = -1;
	bk->vol.flags = ETK_VOL_ALLOC;
	bk->vol.desc = "directory";
	bk->vol.fs_type = "directory";
	bk->vol.fs_status = ETK_OK;
	*bctx = bk;
	*vols = &bk->vol;
	*nvols = 1;
	return ETK_OK;
}
