/*
 * lib/image/dirtar.c: a folder (an iOS backup) as one deterministic POSIX
 * tar stream, the media stream etk_image_acquire writes into the target.
 *
 * The folder is scanned first (no symbolic link followed, nothing
 * opened for writing): every directory, regular file and symbolic link,
 * named relative to the folder and sorted bytewise; any other kind of
 * file (FIFO, socket, device) is refused before anything is written.
 * A producer thread then writes the tar (libarchive, pax restricted:
 * plain ustar headers, a pax extended header only where ustar cannot
 * hold a name or size) into one end of a socket pair; the acquisition's
 * reader reads the other end as it reads standard input.  Each member
 * carries the folder's mode, mtime (whole seconds) and size; uid and gid
 * are 0, there are no user or group names, no atime or ctime, so the
 * same folder always gives the same bytes.
 *
 * A file that cannot be read or that changes size while it is read keeps
 * its header size: what is missing is zero-filled and the problem is
 * counted (the acquisition is then partial).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "image_int.h"

#define DT_BUFSZ	(256 * 1024)
#define DT_MAXDEPTH	64

struct dt_member {
	char *name;		/* relative to the folder, no leading "./" */
	char *link;		/* symlink target, or NULL */
	mode_t mode;		/* st_mode (type and permissions) */
	int64_t mtime;
	uint64_t size;
};

struct etk_dirtar {
	char *dir;
	int dirfd;
	struct dt_member *m;
	size_t n, cap;
	uint64_t files, bytes;

	/* producer */
	pthread_t th;
	int started;
	int wfd;
	int stop;		/* the reader went away */
	int rc;			/* fatal producer error */
	struct etk_error err;
	uint64_t problems;	/* members zero-filled in part */
	char first[ETK_ERRMSG_MAX];
};

static int
add_member(struct etk_dirtar *t, const char *name, const struct stat *st,
    const char *link)
{
	struct dt_member *m;

	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;

		if ((m = realloc(t->m, nc * sizeof(*m))) == NULL)
			return -1;
		t->m = m;
		t->cap = nc;
	}
	m = &t->m[t->n];
	memset(m, 0, sizeof(*m));
	if ((m->name = strdup(name)) == NULL)
		return -1;
	if (link != NULL && (m->link = strdup(link)) == NULL) {
		free(m->name);
		return -1;
	}
	m->mode = st->st_mode;
	m->mtime = st->st_mtim.tv_sec;
	m->size = S_ISREG(st->st_mode) && st->st_size > 0 ?
	    (uint64_t)st->st_size : 0;
	t->n++;
	if (S_ISREG(st->st_mode)) {
		t->files++;
		t->bytes += m->size;
	}
	return 0;
}

static const char *
kind_of(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	return "not a regular file, directory or symbolic link";
}

/* Add every entry under rel (a directory open as fd; fd is consumed). */
static int
scan(struct etk_dirtar *t, int fd, const char *rel, int depth,
    struct etk_error *err)
{
	struct dirent *de;
	struct stat st;
	char *name = NULL, buf[4096];
	DIR *d;
	ssize_t ln;
	int rc = ETK_OK, cfd;

	if (depth > DT_MAXDEPTH) {
		close(fd);
		return etk_fail(err, ETK_ETIMEOUT, 0, "'%s/%s': folders nested "
		    "more than %d deep", t->dir, rel, DT_MAXDEPTH);
	}
	if ((d = fdopendir(fd)) == NULL) {
		int e = errno;

		close(fd);
		return etk_fail(err, ETK_EIO, e, "cannot read '%s/%s': %s",
		    t->dir, rel, strerror(e));
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				rc = etk_fail(err, ETK_EIO, errno, "cannot read "
				    "'%s/%s': %s", t->dir, rel,
				    strerror(errno));
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		free(name);
		if (asprintf(&name, "%s%s%s", rel, rel[0] != '\0' ? "/" : "",
		    de->d_name) == -1) {
			name = NULL;
			rc = etk_fail(err, ETK_ENOMEM, errno, "out of memory");
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1) {
			rc = etk_fail(err, ETK_EIO, errno, "cannot stat "
			    "'%s/%s': %s", t->dir, name, strerror(errno));
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			ln = readlinkat(dirfd(d), de->d_name, buf,
			    sizeof(buf) - 1);
			if (ln < 0) {
				rc = etk_fail(err, ETK_EIO, errno, "cannot read "
				    "link '%s/%s': %s", t->dir, name,
				    strerror(errno));
				break;
			}
			buf[ln] = '\0';
			if (add_member(t, name, &st, buf) != 0) {
				rc = etk_fail(err, ETK_ENOMEM, errno,
				    "out of memory");
				break;
			}
		} else if (S_ISREG(st.st_mode)) {
			if (add_member(t, name, &st, NULL) != 0) {
				rc = etk_fail(err, ETK_ENOMEM, errno,
				    "out of memory");
				break;
			}
		} else if (S_ISDIR(st.st_mode)) {
			if (add_member(t, name, &st, NULL) != 0) {
				rc = etk_fail(err, ETK_ENOMEM, errno,
				    "out of memory");
				break;
			}
			cfd = openat(dirfd(d), de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd == -1) {
				rc = etk_fail(err, ETK_EIO, errno, "cannot open "
				    "'%s/%s': %s", t->dir, name,
				    strerror(errno));
				break;
			}
			if ((rc = scan(t, cfd, name, depth + 1, err)) !=
			    ETK_OK)
				break;
		} else {
			rc = etk_fail(err, ETK_EUNSUPP, 0, "'%s/%s' is %s: "
			    "special files cannot be imaged (a folder may hold "
			    "regular files, directories and symbolic links)",
			    t->dir, name, kind_of(st.st_mode));
			break;
		}
	}
	free(name);
	closedir(d);
	return rc;
}

static int
cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct dt_member *)a)->name,
	    ((const struct dt_member *)b)->name);
}

int
etk_dirtar_open(struct etk_dirtar **tp, const char *dir,
    struct etk_error *err)
{
	struct etk_dirtar *t;
	int fd, rc;

	*tp = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return etk_fail(err, ETK_ENOMEM, errno, "out of memory");
	t->wfd = -1;
	t->dirfd = -1;
	if ((t->dir = strdup(dir)) == NULL) {
		free(t);
		return etk_fail(err, ETK_ENOMEM, errno, "out of memory");
	}
	t->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dirfd == -1) {
		rc = etk_fail(err, ETK_EIO, errno, "cannot open '%s': %s", dir,
		    strerror(errno));
		etk_dirtar_free(t);
		return rc;
	}
	if ((fd = dup(t->dirfd)) == -1) {
		rc = etk_fail(err, ETK_EIO, errno, "'%s': %s", dir,
		    strerror(errno));
		etk_dirtar_free(t);
		return rc;
	}
	if ((rc = scan(t, fd, "", 0, err)) != ETK_OK) {
		etk_dirtar_free(t);
		return rc;
	}
	if (t->n > 1)
		qsort(t->m, t->n, sizeof(*t->m), cmp_member);
	*tp = t;
	return ETK_OK;
}

size_t
etk_dirtar_members(const struct etk_dirtar *t)
{
	return t->n;
}

uint64_t
etk_dirtar_files(const struct etk_dirtar *t)
{
	return t->files;
}

uint64_t
etk_dirtar_bytes(const struct etk_dirtar *t)
{
	return t->bytes;
}

int
etk_dirtar_has(const struct etk_dirtar *t, const char *name)
{
	struct dt_member key;

	key.name = (char *)name;
	return bsearch(&key, t->m, t->n, sizeof(*t->m), cmp_member) != NULL;
}

static la_ssize_t
dt_write(struct archive *ar, void *arg, const void *buf, size_t len)
{
	struct etk_dirtar *t = arg;
	const char *p = buf;
	size_t done = 0;
	ssize_t w;

	(void)ar;
	while (done < len) {
		w = send(t->wfd, p + done, len - done, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			t->stop = 1;
			return -1;
		}
		done += (size_t)w;
	}
	return (la_ssize_t)len;
}

static void
problem(struct etk_dirtar *t, const char *fmt, ...) ETK_PRINTFLIKE(2, 3);

static void
problem(struct etk_dirtar *t, const char *fmt, ...)
{
	va_list ap;

	if (t->problems++ == 0) {
		va_start(ap, fmt);
		vsnprintf(t->first, sizeof(t->first), fmt, ap);
		va_end(ap);
	}
}

/* The content of member m: exactly m->size bytes, zeros for what cannot
 * be read. */
static int
put_file(struct etk_dirtar *t, struct archive *ar, const struct dt_member *m,
    unsigned char *buf)
{
	uint64_t left = m->size;
	struct stat st;
	ssize_t n;
	size_t want;
	int fd, bad = 0;

	fd = openat(t->dirfd, m->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NOATIME);
	if (fd == -1 && errno == EPERM)
		fd = openat(t->dirfd, m->name, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd == -1) {
		problem(t, "'%s/%s': cannot open: %s (zero-filled)", t->dir,
		    m->name, strerror(errno));
		bad = 1;
	} else if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		problem(t, "'%s/%s': no longer a regular file (zero-filled)",
		    t->dir, m->name);
		close(fd);
		fd = -1;
		bad = 1;
	}
	while (left > 0 && fd != -1) {
		want = left < DT_BUFSZ ? (size_t)left : DT_BUFSZ;
		n = read(fd, buf, want);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			problem(t, "'%s/%s': read error at offset %" PRIu64
			    ": %s (the rest zero-filled)", t->dir, m->name,
			    m->size - left, strerror(errno));
			bad = 1;
			break;
		}
		if (n == 0) {
			problem(t, "'%s/%s': shrank while it was read (%"
			    PRIu64 " of %" PRIu64 " bytes; the rest "
			    "zero-filled)", t->dir, m->name, m->size - left,
			    m->size);
			bad = 1;
			break;
		}
		if (archive_write_data(ar, buf, (size_t)n) != n)
			goto fail;
		left -= (uint64_t)n;
	}
	if (fd != -1 && !bad && read(fd, buf, 1) > 0)
		problem(t, "'%s/%s': grew while it was read (the first %"
		    PRIu64 " bytes kept)", t->dir, m->name, m->size);
	if (left > 0) {
		memset(buf, 0, DT_BUFSZ);
		while (left > 0) {
			want = left < DT_BUFSZ ? (size_t)left : DT_BUFSZ;
			if (archive_write_data(ar, buf, want) !=
			    (la_ssize_t)want)
				goto fail;
			left -= want;
		}
	}
	if (fd != -1)
		close(fd);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	return -1;
}

static void *
producer_main(void *arg)
{
	struct etk_dirtar *t = arg;
	struct archive_entry *ae = NULL;
	struct archive *ar;
	unsigned char *buf = NULL;
	const struct dt_member *m;
	size_t i;

	if ((ar = archive_write_new()) == NULL ||
	    (buf = malloc(DT_BUFSZ)) == NULL ||
	    (ae = archive_entry_new()) == NULL) {
		t->rc = etk_fail(&t->err, ETK_ENOMEM, errno, "out of memory");
		goto out;
	}
	if (archive_write_set_format_pax_restricted(ar) != ARCHIVE_OK ||
	    archive_write_add_filter_none(ar) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(ar, 10240) != ARCHIVE_OK ||
	    archive_write_open(ar, t, NULL, dt_write, NULL) != ARCHIVE_OK)
		goto arfail;
	for (i = 0; i < t->n && !t->stop; i++) {
		m = &t->m[i];
		archive_entry_clear(ae);
		archive_entry_copy_pathname(ae, m->name);
		archive_entry_set_mode(ae, m->mode & (S_IFMT | 07777));
		archive_entry_set_uid(ae, 0);
		archive_entry_set_gid(ae, 0);
		archive_entry_set_mtime(ae, m->mtime, 0);
		archive_entry_set_size(ae, (la_int64_t)m->size);
		if (m->link != NULL)
			archive_entry_copy_symlink(ae, m->link);
		if (archive_write_header(ar, ae) != ARCHIVE_OK)
			goto arfail;
		if (S_ISREG(m->mode) && put_file(t, ar, m, buf) != 0)
			goto arfail;
		if (archive_write_finish_entry(ar) != ARCHIVE_OK)
			goto arfail;
	}
	if (!t->stop && archive_write_close(ar) != ARCHIVE_OK)
		goto arfail;
	goto out;
arfail:
	if (!t->stop)
		t->rc = etk_fail(&t->err, ETK_EIO, archive_errno(ar), "'%s': "
		    "making the tar stream: %s", t->dir,
		    archive_error_string(ar) != NULL ?
		    archive_error_string(ar) : "libarchive failed");
out:
	archive_entry_free(ae);
	if (ar != NULL)
		archive_write_free(ar);
	free(buf);
	close(t->wfd);
	t->wfd = -1;
	return NULL;
}

int
etk_dirtar_start(struct etk_dirtar *t, int *rfd, struct etk_error *err)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return etk_fail(err, ETK_EIO, errno, "socketpair: %s",
		    strerror(errno));
	t->wfd = sv[1];
	if (pthread_create(&t->th, NULL, producer_main, t) != 0) {
		close(sv[0]);
		close(sv[1]);
		t->wfd = -1;
		return etk_fail(err, ETK_ENOMEM, errno, "cannot start threads");
	}
	t->started = 1;
	*rfd = sv[0];
	return ETK_OK;
}

int
etk_dirtar_finish(struct etk_dirtar *t, struct etk_error *err)
{
	if (t->started) {
		pthread_join(t->th, NULL);
		t->started = 0;
	}
	if (t->rc != ETK_OK) {
		if (err != NULL)
			*err = t->err;
		return t->rc;
	}
	return ETK_OK;
}

uint64_t
etk_dirtar_problems(const struct etk_dirtar *t, const char **first)
{
	if (first != NULL)
		*first = t->problems > 0 ? t->first : NULL;
	return t->problems;
}

void
etk_dirtar_free(struct etk_dirtar *t)
{
	size_t i;

	if (t == NULL)
		return;
	if (t->started)
		pthread_join(t->th, NULL);
	for (i = 0; i < t->n; i++) {
		free(t->m[i].name);
		free(t->m[i].link);
	}
	free(t->m);
	if (t->dirfd != -1)
		close(t->dirfd);
	if (t->wfd != -1)
		close(t->wfd);
	free(t->dir);
	free(t);
}
