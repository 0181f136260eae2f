/*
 * libetkfault: an LD_PRELOAD shim that makes reads of one file fail,
 * shrink or vanish at chosen offsets, for acquisition tests.
 *
 *	LD_PRELOAD=build/lib/libetkfault.so ETK_FAULT_FILE=disk.raw \
 *	    ETK_FAULT_RANGES=4096+512 dd if=disk.raw bs=4096 of=/dev/null
 *
 * Environment (read once, at the first call):
 *   ETK_FAULT_FILE=PATH	the file whose reads are faulted; every
 *			descriptor opened on it (same st_dev and st_ino,
 *			whatever the name used) is tracked until closed.
 *   ETK_FAULT_RANGES=OFF+LEN[,OFF+LEN...]
 *			bad byte ranges.  A read that starts before a bad
 *			range and reaches into it returns the good bytes
 *			before the range (a short read); a read that
 *			starts inside one fails with EIO.
 *   ETK_FAULT_TRANSIENT=N	each bad range fails only its first N reads
 *			(reads that returned EIO because of it); after
 *			that it reads normally.  Unset or 0: always bad.
 *   ETK_FAULT_SHRINK_AT=OFF	the source shrank to OFF bytes: reads at
 *			or past OFF return 0 (end of file), a read across
 *			OFF is cut there, and fstat/stat/statx and
 *			lseek(SEEK_END) report OFF as the size.
 *   ETK_FAULT_EOF_AT=OFF	the file shrinks after it was opened and
 *			sized: reads at or past OFF return 0 (end of
 *			file) and a read across OFF is cut there, while
 *			the stat family still reports the full size.
 *   ETK_FAULT_VANISH_AT=OFF	the device goes away when the reading
 *			reaches OFF: the first read that covers the byte
 *			at OFF returns the bytes before it (or fails with
 *			ENODEV when it starts at OFF), and from then on
 *			every read fails with ENODEV.  Reads wholly past
 *			OFF before that (a probe of the last sector) still
 *			succeed.
 *   ETK_FAULT_LOG=1	one line on stderr per injected fault.
 *
 * Offsets accept a k, m or g suffix (powers of 1024).  Wrapped: open,
 * open64, openat, openat64, dup, dup2, dup3, fcntl (F_DUPFD), close,
 * read, pread, pread64, readv, preadv, preadv64, lseek, lseek64 and the
 * stat family.  copy_file_range and sendfile from a tracked descriptor
 * fail with EXDEV/EINVAL, so callers (cat(1) in coreutils 9) fall back
 * to read(2).  Counters are per process.  stdio reads inside glibc
 * (fopen/fread) bypass the shim; mmap is not faulted.
 */
#undef _FILE_OFFSET_BITS	/* define both the plain and the 64 names */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sendfile.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* The build hides symbols by default; the wrappers must be seen. */
#pragma GCC visibility push(default)

#define MAX_FDS		65536
#define MAX_RANGES	64
#define NONE		UINT64_MAX

struct badrange {
	uint64_t off, len;
	unsigned fails;		/* reads failed because of it so far */
};

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static ssize_t (*real_pread64)(int, void *, size_t, off64_t);
static off_t (*real_lseek)(int, off_t, int);
static off64_t (*real_lseek64)(int, off64_t, int);
static int (*real_fstat)(int, struct stat *);
static int (*real_fstat64)(int, struct stat64 *);
static int (*real_stat)(const char *, struct stat *);
static int (*real_stat64)(const char *, struct stat64 *);
static int (*real_lstat)(const char *, struct stat *);
static int (*real_lstat64)(const char *, struct stat64 *);
static int (*real_fstatat)(int, const char *, struct stat *, int);
static int (*real_fstatat64)(int, const char *, struct stat64 *, int);
static int (*real_statx)(int, const char *, int, unsigned, struct statx *);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *fault_file;		/* NULL: the shim does nothing */
static int have_id;			/* dev/ino of fault_file known */
static dev_t fault_dev;
static ino_t fault_ino;
static unsigned char tracked[MAX_FDS];
static struct badrange ranges[MAX_RANGES];
static size_t nranges;
static unsigned transient;		/* 0: bad ranges stay bad */
static uint64_t shrink_at = NONE, vanish_at = NONE, eof_at = NONE;
static int vanished;			/* the device has gone */
static int logging;

#define RESOLVE(var, name) \
	(var = (__typeof__(var))dlsym(RTLD_NEXT, name))

static uint64_t
parse_off(const char *s, const char **end)
{
	char *e;
	uint64_t v = strtoull(s, &e, 0);

	switch (*e) {
	case 'g': case 'G':
		v *= 1024;
		/* FALLTHROUGH */
	case 'm': case 'M':
		v *= 1024;
		/* FALLTHROUGH */
	case 'k': case 'K':
		v *= 1024;
		e++;
		break;
	default:
		break;
	}
	if (end != NULL)
		*end = e;
	return v;
}

/* Messages go straight to descriptor 2: stdio could call a wrapped
 * fstat while init() still runs inside pthread_once. */
static void
say(const char *msg)
{
	ssize_t n = write(2, msg, strlen(msg));

	(void)n;
}

static void
complain(const char *what, const char *val)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "libetkfault: cannot parse %s='%s'\n",
	    what, val);
	say(msg);
}

/* Look up the file's identity (it may not exist at start-up). */
static void
find_id(void)
{
	struct stat st;

	if (have_id || fault_file == NULL || real_stat == NULL)
		return;
	if (real_stat(fault_file, &st) == 0) {
		fault_dev = st.st_dev;
		fault_ino = st.st_ino;
		have_id = 1;
	}
}

static void
init(void)
{
	const char *s, *e;

	RESOLVE(real_open, "open");
	RESOLVE(real_open64, "open64");
	RESOLVE(real_openat, "openat");
	RESOLVE(real_openat64, "openat64");
	RESOLVE(real_close, "close");
	RESOLVE(real_read, "read");
	RESOLVE(real_pread, "pread");
	RESOLVE(real_pread64, "pread64");
	RESOLVE(real_lseek, "lseek");
	RESOLVE(real_lseek64, "lseek64");
	RESOLVE(real_fstat, "fstat");
	RESOLVE(real_fstat64, "fstat64");
	RESOLVE(real_stat, "stat");
	RESOLVE(real_stat64, "stat64");
	RESOLVE(real_lstat, "lstat");
	RESOLVE(real_lstat64, "lstat64");
	RESOLVE(real_fstatat, "fstatat");
	RESOLVE(real_fstatat64, "fstatat64");
	RESOLVE(real_statx, "statx");

	if ((s = getenv("ETK_FAULT_FILE")) == NULL || *s == '\0')
		return;
	fault_file = s;
	logging = (s = getenv("ETK_FAULT_LOG")) != NULL && *s == '1';
	if ((s = getenv("ETK_FAULT_RANGES")) != NULL) {
		const char *p = s;

		while (*p != '\0' && nranges < MAX_RANGES) {
			ranges[nranges].off = parse_off(p, &e);
			if (*e != '+') {
				complain("ETK_FAULT_RANGES", s);
				break;
			}
			ranges[nranges].len = parse_off(e + 1, &e);
			if (ranges[nranges].len != 0)
				nranges++;
			if (*e == ',')
				e++;
			else if (*e != '\0') {
				complain("ETK_FAULT_RANGES", s);
				break;
			}
			p = e;
		}
	}
	if ((s = getenv("ETK_FAULT_TRANSIENT")) != NULL)
		transient = (unsigned)strtoul(s, NULL, 10);
	if ((s = getenv("ETK_FAULT_SHRINK_AT")) != NULL && *s != '\0')
		shrink_at = parse_off(s, NULL);
	if ((s = getenv("ETK_FAULT_EOF_AT")) != NULL && *s != '\0')
		eof_at = parse_off(s, NULL);
	if ((s = getenv("ETK_FAULT_VANISH_AT")) != NULL && *s != '\0')
		vanish_at = parse_off(s, NULL);
	find_id();
}

static void
setup(void)
{
	pthread_once(&once, init);
}

__attribute__((constructor)) static void
fault_ctor(void)
{
	setup();
}

static int
is_tracked(int fd)
{
	int t;

	if (fault_file == NULL || fd < 0 || fd >= MAX_FDS)
		return 0;
	pthread_mutex_lock(&lock);
	t = tracked[fd];
	pthread_mutex_unlock(&lock);
	return t;
}

/* After a successful open: track fd when it is the faulted file. */
static void
opened(int fd)
{
	struct stat st;

	if (fault_file == NULL || fd < 0 || fd >= MAX_FDS)
		return;
	pthread_mutex_lock(&lock);
	find_id();
	tracked[fd] = have_id && real_fstat(fd, &st) == 0 &&
	    st.st_dev == fault_dev && st.st_ino == fault_ino;
	pthread_mutex_unlock(&lock);
}

static int
is_fault_id(dev_t dev, ino_t ino)
{
	int r;

	if (fault_file == NULL || shrink_at == NONE)
		return 0;
	pthread_mutex_lock(&lock);
	find_id();
	r = have_id && dev == fault_dev && ino == fault_ino;
	pthread_mutex_unlock(&lock);
	return r;
}

static void
note(const char *what, uint64_t off, size_t len)
{
	char msg[128];

	if (!logging)
		return;
	snprintf(msg, sizeof(msg), "libetkfault: %s at %llu (%zu bytes "
	    "asked)\n", what, (unsigned long long)off, len);
	say(msg);
}

/*
 * Decide a read of *len bytes at off on a tracked descriptor.  Returns
 * 1 to go on with *len (possibly cut short), 0 for end of file, -1 with
 * errno set for a failure.
 */
static int
decide(uint64_t off, size_t *len)
{
	uint64_t end = off + *len, cut = end;
	size_t i;
	int fail = 0;

	pthread_mutex_lock(&lock);
	if (vanish_at != NONE && !vanished && off <= vanish_at &&
	    vanish_at < end) {
		vanished = 1;
		cut = vanish_at;
		if (off == vanish_at)
			fail = ENODEV;
	} else if (vanished)
		fail = ENODEV;
	pthread_mutex_unlock(&lock);
	if (fail != 0) {
		note("ENODEV", off, *len);
		errno = ENODEV;
		return -1;
	}
	if (shrink_at != NONE && off >= shrink_at)
		return 0;
	if (shrink_at != NONE && cut > shrink_at)
		cut = shrink_at;
	if (eof_at != NONE && off >= eof_at)
		return 0;
	if (eof_at != NONE && cut > eof_at)
		cut = eof_at;
	pthread_mutex_lock(&lock);
	for (i = 0; i < nranges; i++) {
		struct badrange *r = &ranges[i];

		if (transient != 0 && r->fails >= transient)
			continue;
		if (off >= r->off && off < r->off + r->len) {
			r->fails++;
			fail = 1;
			break;
		}
		if (r->off > off && r->off < cut)
			cut = r->off;
	}
	pthread_mutex_unlock(&lock);
	if (fail) {
		note("EIO", off, *len);
		errno = EIO;
		return -1;
	}
	if (cut < end) {
		note("short read", off, *len);
		*len = (size_t)(cut - off);
	}
	return 1;
}

/* ---- open and close ---- */

static int
has_mode(int flags)
{
	return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
}

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;
	int fd;

	setup();
	if (has_mode(flags)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	fd = real_open(path, flags, mode);
	opened(fd);
	return fd;
}

int
open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;
	int fd;

	setup();
	if (has_mode(flags)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	fd = real_open64(path, flags, mode);
	opened(fd);
	return fd;
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;
	int fd;

	setup();
	if (has_mode(flags)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	fd = real_openat(dirfd, path, flags, mode);
	opened(fd);
	return fd;
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;
	int fd;

	setup();
	if (has_mode(flags)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	fd = real_openat64(dirfd, path, flags, mode);
	opened(fd);
	return fd;
}

int
close(int fd)
{
	setup();
	if (fd >= 0 && fd < MAX_FDS) {
		pthread_mutex_lock(&lock);
		tracked[fd] = 0;
		pthread_mutex_unlock(&lock);
	}
	return real_close(fd);
}

/* A duplicate of a tracked descriptor is tracked too (dd reopens its
 * input onto descriptor 0 with dup2). */
static int
duped(int oldfd, int newfd)
{
	if (newfd >= 0 && newfd < MAX_FDS && fault_file != NULL) {
		int t = is_tracked(oldfd);

		pthread_mutex_lock(&lock);
		tracked[newfd] = (unsigned char)t;
		pthread_mutex_unlock(&lock);
	}
	return newfd;
}

int
dup(int fd)
{
	static int (*real)(int);

	setup();
	if (real == NULL)
		RESOLVE(real, "dup");
	return duped(fd, real(fd));
}

int
dup2(int fd, int fd2)
{
	static int (*real)(int, int);

	setup();
	if (real == NULL)
		RESOLVE(real, "dup2");
	return duped(fd, real(fd, fd2));
}

int
dup3(int fd, int fd2, int flags)
{
	static int (*real)(int, int, int);

	setup();
	if (real == NULL)
		RESOLVE(real, "dup3");
	return duped(fd, real(fd, fd2, flags));
}

static int
do_fcntl(const char *name, int fd, int cmd, void *arg)
{
	int (*real)(int, int, ...);
	int r;

	RESOLVE(real, name);
	r = real(fd, cmd, arg);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		duped(fd, r);
	return r;
}

/* The argument is an int or a pointer: passed on as a pointer, which
 * carries either in the same register on the ABIs we run on. */
int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	setup();
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl("fcntl", fd, cmd, arg);
}

int
fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	setup();
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl("fcntl64", fd, cmd, arg);
}

/* ---- reads ---- */

ssize_t
read(int fd, void *buf, size_t len)
{
	off64_t pos;
	int d;

	setup();
	if (!is_tracked(fd) || (pos = real_lseek64(fd, 0, SEEK_CUR)) < 0)
		return real_read(fd, buf, len);
	if ((d = decide((uint64_t)pos, &len)) <= 0)
		return d;
	return real_read(fd, buf, len);
}

ssize_t
pread(int fd, void *buf, size_t len, off_t off)
{
	int d;

	setup();
	if (is_tracked(fd) && off >= 0 &&
	    (d = decide((uint64_t)off, &len)) <= 0)
		return d;
	return real_pread(fd, buf, len, off);
}

ssize_t
pread64(int fd, void *buf, size_t len, off64_t off)
{
	int d;

	setup();
	if (is_tracked(fd) && off >= 0 &&
	    (d = decide((uint64_t)off, &len)) <= 0)
		return d;
	return real_pread64(fd, buf, len, off);
}

/* Vector reads: one faulted pread per buffer, stopping at a short one. */
static ssize_t
vread(int fd, const struct iovec *iov, int iovcnt, off64_t off)
{
	ssize_t n, total = 0;
	int i;

	for (i = 0; i < iovcnt; i++) {
		n = pread64(fd, iov[i].iov_base, iov[i].iov_len,
		    off + total);
		if (n < 0)
			return total > 0 ? total : -1;
		total += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
	return total;
}

ssize_t
preadv(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	static ssize_t (*real)(int, const struct iovec *, int, off_t);

	setup();
	if (real == NULL)
		RESOLVE(real, "preadv");
	if (!is_tracked(fd) || off < 0)
		return real(fd, iov, iovcnt, off);
	return vread(fd, iov, iovcnt, off);
}

ssize_t
preadv64(int fd, const struct iovec *iov, int iovcnt, off64_t off)
{
	static ssize_t (*real)(int, const struct iovec *, int, off64_t);

	setup();
	if (real == NULL)
		RESOLVE(real, "preadv64");
	if (!is_tracked(fd) || off < 0)
		return real(fd, iov, iovcnt, off);
	return vread(fd, iov, iovcnt, off);
}

ssize_t
readv(int fd, const struct iovec *iov, int iovcnt)
{
	static ssize_t (*real)(int, const struct iovec *, int);
	off64_t pos;
	ssize_t n;

	setup();
	if (real == NULL)
		RESOLVE(real, "readv");
	if (!is_tracked(fd) || (pos = real_lseek64(fd, 0, SEEK_CUR)) < 0)
		return real(fd, iov, iovcnt);
	if ((n = vread(fd, iov, iovcnt, pos)) > 0)
		real_lseek64(fd, pos + n, SEEK_SET);
	return n;
}

/* In-kernel copies would bypass the faults: refuse them, as a file
 * system that cannot do them does. */
ssize_t
copy_file_range(int fdin, off64_t *offin, int fdout, off64_t *offout,
    size_t len, unsigned flags)
{
	static ssize_t (*real)(int, off64_t *, int, off64_t *, size_t,
	    unsigned);

	setup();
	if (is_tracked(fdin)) {
		errno = EXDEV;
		return -1;
	}
	if (real == NULL)
		RESOLVE(real, "copy_file_range");
	return real(fdin, offin, fdout, offout, len, flags);
}

ssize_t
sendfile(int fdout, int fdin, off_t *off, size_t len)
{
	static ssize_t (*real)(int, int, off_t *, size_t);

	setup();
	if (is_tracked(fdin)) {
		errno = EINVAL;
		return -1;
	}
	if (real == NULL)
		RESOLVE(real, "sendfile");
	return real(fdout, fdin, off, len);
}

ssize_t
sendfile64(int fdout, int fdin, off64_t *off, size_t len)
{
	static ssize_t (*real)(int, int, off64_t *, size_t);

	setup();
	if (is_tracked(fdin)) {
		errno = EINVAL;
		return -1;
	}
	if (real == NULL)
		RESOLVE(real, "sendfile64");
	return real(fdout, fdin, off, len);
}

/* ---- sizes: a shrunk source reports its new size ---- */

static off64_t
clamp_end(int fd, off64_t r, int whence)
{
	if (r >= 0 && whence == SEEK_END && shrink_at != NONE &&
	    is_tracked(fd) && (uint64_t)r > shrink_at)
		r = real_lseek64(fd, (off64_t)shrink_at, SEEK_SET);
	return r;
}

off_t
lseek(int fd, off_t off, int whence)
{
	setup();
	return (off_t)clamp_end(fd, real_lseek(fd, off, whence), whence);
}

off64_t
lseek64(int fd, off64_t off, int whence)
{
	setup();
	return clamp_end(fd, real_lseek64(fd, off, whence), whence);
}

#define CLAMP(st) do {							\
	if (S_ISREG((st)->st_mode) && (uint64_t)(st)->st_size > shrink_at &&\
	    is_fault_id((st)->st_dev, (st)->st_ino))			\
		(st)->st_size = (off_t)shrink_at;			\
} while (0)

int
fstat(int fd, struct stat *st)
{
	int r;

	setup();
	if ((r = real_fstat(fd, st)) == 0)
		CLAMP(st);
	return r;
}

int
fstat64(int fd, struct stat64 *st)
{
	int r;

	setup();
	if ((r = real_fstat64(fd, st)) == 0)
		CLAMP(st);
	return r;
}

int
stat(const char *path, struct stat *st)
{
	int r;

	setup();
	if ((r = real_stat(path, st)) == 0)
		CLAMP(st);
	return r;
}

int
stat64(const char *path, struct stat64 *st)
{
	int r;

	setup();
	if ((r = real_stat64(path, st)) == 0)
		CLAMP(st);
	return r;
}

int
lstat(const char *path, struct stat *st)
{
	int r;

	setup();
	if ((r = real_lstat(path, st)) == 0)
		CLAMP(st);
	return r;
}

int
lstat64(const char *path, struct stat64 *st)
{
	int r;

	setup();
	if ((r = real_lstat64(path, st)) == 0)
		CLAMP(st);
	return r;
}

int
fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	int r;

	setup();
	if ((r = real_fstatat(dirfd, path, st, flags)) == 0)
		CLAMP(st);
	return r;
}

int
fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	int r;

	setup();
	if ((r = real_fstatat64(dirfd, path, st, flags)) == 0)
		CLAMP(st);
	return r;
}

int
statx(int dirfd, const char *path, int flags, unsigned mask,
    struct statx *stx)
{
	int r;

	setup();
	if (real_statx == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if ((r = real_statx(dirfd, path, flags, mask, stx)) == 0 &&
	    shrink_at != NONE && (stx->stx_mask & STATX_SIZE) &&
	    S_ISREG(stx->stx_mode) && stx->stx_size > shrink_at &&
	    is_fault_id(makedev(stx->stx_dev_major, stx->stx_dev_minor),
	    stx->stx_ino))
		stx->stx_size = shrink_at;
	return r;
}
