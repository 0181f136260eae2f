/*
 * lib/image/image.c: acquisition.  One pass over the source:
 *
 *   reader thread   reads blocks (a multiple of the E01 chunk) into a
 *                   ring of slots; retries unreadable sectors one by one,
 *                   zero-fills what stays unreadable and records it
 *   caller thread   hashes each block in order (etk_hasher spreads the
 *                   digests over its helper thread), piecewise SHA-256,
 *                   progress
 *   workers         (E01 fast/best) compress chunks in parallel with
 *                   libewf's prepare_write_chunk
 *   writer thread   writes blocks in order: raw segments, or E01 chunks
 *
 * A slot is reused once it is hashed and written.  Memory is bounded by
 * the ring (NSLOTS blocks), whatever the source size.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdeflate.h>
#include <zlib.h>

#include <etk/evidence.h>
#include <etk/image.h>
#include <etk/json.h>
#include <etk/source.h>

#include "image_int.h"

#define NSLOTS		8
#define BLOCK_MIN	(1u << 20)
#define SECTORS_PER_CHUNK 64
#define DEFAULT_RETRIES	2

struct slot {
	unsigned char *buf;		/* block + 4 */
	unsigned char *craw;		/* nch * (chunk + 4): E01 copies */
	unsigned char *cbuf;		/* nch * 2 * chunk: compressed */
	struct etk_ewfw_chunk *ch;
	uint64_t seq;
	uint64_t off;
	size_t len;
	int filled;
	int hashed;
	int written;
	size_t nch;			/* chunks in this block */
	size_t next_ch;			/* next chunk a worker takes */
	size_t left;			/* chunks not yet prepared */
};

struct bad {
	uint64_t off;
	uint64_t len;
	unsigned attempts;
};

struct acq {
	const struct etk_image_opts *o;
	struct etk_source *src;		/* NULL for stdin */
	int use_stdin;			/* read in_fd (stdin, or dt's) */
	int in_fd;
	struct etk_dirtar *dt;		/* a folder as a tar stream */
	const char *container;		/* logical container kind, or NULL */
	uint64_t size;			/* 0 when unknown */
	unsigned ss;			/* sector size */
	size_t chunk, block, nch;
	unsigned retries;
	int e01, compress;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot slots[NSLOTS];
	uint64_t nblocks;		/* filled so far by the reader */
	int reader_done;
	int abort;			/* write failed: everyone stops */
	uint64_t jseq;			/* next block workers take from */
	struct etk_error werr;		/* writer / worker failure */
	struct etk_error rerr;		/* reader failure (source) */
	int rfail;
	const char *reason;		/* why the reader stopped early */
	size_t padding;			/* zeros added to the last sector */
	int vanished;			/* the device went away */

	/* read errors (reader only until joined) */
	struct bad *bad;
	size_t nbad, capbad;

	/* writer */
	struct etk_ewfw *ew;
	char *base;
	int fd;
	unsigned segno;
	uint64_t segbytes;
	uint64_t written;
	char **paths;
	size_t npaths;
	char (*psha)[65];		/* raw: each file's SHA-256, hashed
					 * as written ("" if not) */
	struct etk_hasher *sh;		/* raw: the current file's */

	/* hashing (caller thread) */
	struct etk_hasher *h;
	struct etk_hasher *ph;		/* piecewise */
	uint64_t hashed;
	uint64_t pstart;
	struct etk_buf pieces;		/* JSON array members */
	int npieces;
};

/* ------------------------------------------------------------------ */
/* Names */

static const char *const known_ext[] = {
	".E01", ".e01", ".raw", ".dd", ".img", ".000", ".001", ".json", NULL
};

char *
etk_image_target_base(const char *arg)
{
	size_t n = strlen(arg), e;
	char *s;
	int i;

	for (i = 0; known_ext[i] != NULL; i++) {
		e = strlen(known_ext[i]);
		if (n > e && strcmp(arg + n - e, known_ext[i]) == 0 &&
		    arg[n - e - 1] != '/') {
			n -= e;
			break;
		}
	}
	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(s, arg, n);
	s[n] = '\0';
	return s;
}

/* Is suffix (after "base.") one of the names we write? */
static int
ours(const char *sfx)
{
	size_t n = strlen(sfx), i;

	if (strcmp(sfx, "json") == 0 || strcmp(sfx, "raw") == 0 ||
	    strcmp(sfx, "inventory.jsonl") == 0)
		return 1;
	if (n >= 3) {
		for (i = 0; i < n && sfx[i] >= '0' && sfx[i] <= '9'; i++)
			;
		if (i == n)
			return 1;	/* 000, 001, ... */
	}
	if (n == 3 && (sfx[0] == 'E' || sfx[0] == 'e' ||
	    (sfx[0] >= 'F' && sfx[0] <= 'Z')) &&
	    ((sfx[1] >= '0' && sfx[1] <= '9') || (sfx[1] >= 'A' &&
	    sfx[1] <= 'Z')) && ((sfx[2] >= '0' && sfx[2] <= '9') ||
	    (sfx[2] >= 'A' && sfx[2] <= 'Z')))
		return 1;	/* E01..E99, EAA..ZZZ */
	return 0;
}

int
etk_image_check_target(const char *base, const struct etk_image_opts *o,
    struct etk_error *err)
{
	const char *slash = strrchr(base, '/');
	char dir[4096];
	const char *name;
	size_t nl;
	struct dirent *de;
	DIR *d;

	(void)o;
	if (slash != NULL) {
		size_t dl = (size_t)(slash - base);

		if (dl == 0)
			dl = 1;
		if (dl >= sizeof(dir))
			return etk_fail(err, ETK_EINVAL, 0,
			    "target path too long");
		memcpy(dir, base, dl);
		dir[dl] = '\0';
		name = slash + 1;
	} else {
		strcpy(dir, ".");
		name = base;
	}
	if (name[0] == '\0')
		return etk_fail(err, ETK_EINVAL, 0, "'%s': no target name",
		    base);
	nl = strlen(name);
	if ((d = opendir(dir)) == NULL)
		return etk_fail(err, ETK_EIO, errno,
		    "cannot open target directory '%s': %s", dir,
		    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, name, nl) == 0 &&
		    de->d_name[nl] == '.' && ours(de->d_name + nl + 1)) {
			etk_fail(err, ETK_EEXIST, EEXIST,
			    "'%s%s%s' exists: refusing to overwrite",
			    slash != NULL ? dir : "",
			    slash != NULL && strcmp(dir, "/") != 0 ? "/" : "",
			    de->d_name);
			closedir(d);
			return ETK_EEXIST;
		}
	}
	closedir(d);
	return ETK_OK;
}

/* ------------------------------------------------------------------ */
/* Reader */

static int
add_bad(struct acq *a, uint64_t off, uint64_t len, unsigned attempts)
{
	struct bad *b;

	if (a->nbad > 0) {
		b = &a->bad[a->nbad - 1];
		if (b->off + b->len == off && b->attempts == attempts) {
			b->len += len;
			return 0;
		}
	}
	if (a->nbad == a->capbad) {
		size_t nc = a->capbad ? a->capbad * 2 : 16;

		if ((b = realloc(a->bad, nc * sizeof(*b))) == NULL)
			return -1;
		a->bad = b;
		a->capbad = nc;
	}
	a->bad[a->nbad].off = off;
	a->bad[a->nbad].len = len;
	a->bad[a->nbad].attempts = attempts;
	a->nbad++;
	return 0;
}

static int
stopped(struct acq *a)
{
	return a->o->interrupt != NULL && *a->o->interrupt != 0;
}

/* The device went away (unplugged, removed): no use retrying. */
static int
gone(int e)
{
	return e == ENODEV || e == ENXIO || e == ENOMEDIUM || e == ESTALE;
}

/* Fill buf with up to want bytes at off.  Returns the bytes placed (zero-
 * filled sectors included); sets *eof when the data ended before want;
 * -1 on a fatal reader error (a->rerr). */
static ssize_t
read_block(struct acq *a, uint64_t off, unsigned char *buf, size_t want,
    int *eof)
{
	struct etk_error e;
	size_t done = 0, n;
	int rc;

	*eof = 0;
	if (a->use_stdin) {
		while (done < want) {
			struct pollfd pfd = { a->in_fd, POLLIN, 0 };
			ssize_t r;

			/* Wait in slices so that an interrupt is seen even
			 * when the signal went to another thread. */
			if (poll(&pfd, 1, 200) == 0) {
				if (stopped(a))
					break;
				continue;
			}
			r = read(a->in_fd, buf + done, want - done);

			if (r == -1 && errno == EINTR) {
				if (stopped(a))
					break;
				continue;
			}
			if (r == -1)
				return etk_fail(&a->rerr, ETK_EIO, errno,
				    "%s: read at offset %" PRIu64 ": %s",
				    a->dt != NULL ? "tar stream" :
				    "standard input", off + done,
				    strerror(errno)), -1;
			if (r == 0) {
				*eof = 1;
				break;
			}
			done += (size_t)r;
		}
		return (ssize_t)done;
	}
	while (done < want) {
		uint64_t p, s0;
		size_t unit, req;
		unsigned att;
		int ok = 0;

		if (stopped(a))
			break;
		req = want - done;

		memset(&e, 0, sizeof(e));
		n = 0;
		rc = etk_source_read(a->src, off + done, buf + done, req, &n,
		    &e);
		if (rc == ETK_OK) {
			done += n;
			if (n < req) {
				*eof = 1;
				break;
			}
			continue;
		}
		if (rc != ETK_EIO) {
			a->rerr = e;
			return -1;
		}
		if (e.sys_errno == ENODATA) {
			/* The source ended before its size: it shrank
			 * (not a bad sector; nothing to retry). */
			done += n;
			*eof = 1;
			return (ssize_t)done;
		}
		if (gone(e.sys_errno)) {
			done += n;
			a->vanished = 1;
			*eof = 1;
			return (ssize_t)done;
		}
		/* The bad sector: the one holding the first bad byte. */
		p = off + done + n;
		s0 = p - p % a->ss;
		done = (size_t)(s0 - off);
		unit = a->ss;
		if (unit > want - done)
			unit = want - done;
		if (a->size != 0 && s0 + unit > a->size)
			unit = (size_t)(a->size - s0);
		for (att = 1; att <= a->retries && !ok; att++) {
			memset(&e, 0, sizeof(e));
			n = 0;
			rc = etk_source_read(a->src, s0, buf + done, unit, &n,
			    &e);
			if (rc == ETK_OK && n == unit)
				ok = 1;
			else if (rc == ETK_OK) {
				/* the source ended inside the sector */
				done += n;
				*eof = 1;
				return (ssize_t)done;
			} else if (rc != ETK_EIO) {
				a->rerr = e;
				return -1;
			} else if (e.sys_errno == ENODATA) {
				done += n;
				*eof = 1;
				return (ssize_t)done;
			} else if (gone(e.sys_errno)) {
				a->vanished = 1;
				*eof = 1;
				return (ssize_t)done;
			}
		}
		if (!ok) {
			memset(buf + done, 0, unit);
			if (add_bad(a, s0, unit, att) != 0)
				return etk_fail(&a->rerr, ETK_ENOMEM, errno,
				    "out of memory"), -1;
		}
		done += unit;
	}
	return (ssize_t)done;
}

static void *
reader_main(void *arg)
{
	struct acq *a = arg;
	uint64_t seq = 0, off = 0;
	struct slot *s;
	ssize_t got;
	size_t want, pad;
	int eof, last;

	for (;;) {
		s = &a->slots[seq % NSLOTS];
		pthread_mutex_lock(&a->mu);
		while (s->filled && !a->abort)
			pthread_cond_wait(&a->cv, &a->mu);
		if (a->abort) {
			pthread_mutex_unlock(&a->mu);
			break;
		}
		pthread_mutex_unlock(&a->mu);
		if (stopped(a)) {
			a->reason = "interrupted";
			break;
		}
		want = a->block;
		if (a->size != 0 && a->size - off < want)
			want = (size_t)(a->size - off);
		if (want == 0)
			break;
		got = read_block(a, off, s->buf, want, &eof);
		if (got < 0) {
			a->rfail = 1;
			a->reason = "source read failed";
			break;
		}
		last = eof || (size_t)got < want ||
		    (a->size != 0 && off + (uint64_t)got >= a->size);
		pad = 0;
		if (got > 0 && last && a->e01 && (size_t)got % a->ss != 0) {
			/* libewf keeps whole sectors only: complete the last
			 * one with zeros (recorded as padding). */
			pad = a->ss - (size_t)got % a->ss;
			memset(s->buf + got, 0, pad);
			a->padding = pad;
		}
		if (got > 0) {
			s->seq = seq;
			s->off = off;
			s->len = (size_t)got + pad;
			s->hashed = s->written = 0;
			s->nch = (s->len + a->chunk - 1) / a->chunk;
			s->next_ch = 0;
			s->left = s->nch;
			pthread_mutex_lock(&a->mu);
			s->filled = 1;
			a->nblocks = ++seq;
			pthread_cond_broadcast(&a->cv);
			pthread_mutex_unlock(&a->mu);
			off += (uint64_t)got;
		}
		if (stopped(a)) {
			a->reason = "interrupted";
			break;
		}
		if (last) {
			if (a->vanished)
				a->reason = "the source vanished (device "
				    "gone)";
			else if (a->size != 0 && off < a->size)
				a->reason = "source ended early (it shrank "
				    "or vanished)";
			break;
		}
	}
	pthread_mutex_lock(&a->mu);
	a->reader_done = 1;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* Wait for block seq to be filled.  Returns the slot, or NULL at the end
 * of the stream or on abort.  Called with mu held. */
static struct slot *
wait_filled(struct acq *a, uint64_t seq)
{
	struct slot *s = &a->slots[seq % NSLOTS];

	for (;;) {
		if (a->abort)
			return NULL;
		if (s->filled && s->seq == seq)
			return s;
		if (a->reader_done && seq >= a->nblocks)
			return NULL;
		pthread_cond_wait(&a->cv, &a->mu);
	}
}

/* Wait for the block workers are on (a->jseq, re-read after every wake:
 * another worker may move it on, and the block once current may be
 * written, released and its slot refilled with a later one while this
 * worker sleeps, so waiting for a fixed sequence number could wait for
 * ever).  Called with mu held. */
static struct slot *
wait_job(struct acq *a)
{
	struct slot *s;

	for (;;) {
		if (a->abort)
			return NULL;
		s = &a->slots[a->jseq % NSLOTS];
		if (s->filled && s->seq == a->jseq)
			return s;
		if (a->reader_done && a->jseq >= a->nblocks)
			return NULL;
		pthread_cond_wait(&a->cv, &a->mu);
	}
}

static void
release_slot(struct acq *a, struct slot *s)
{
	if (s->hashed && s->written) {
		s->filled = 0;
		pthread_cond_broadcast(&a->cv);
	}
}

static void
set_abort(struct acq *a, const struct etk_error *e)
{
	pthread_mutex_lock(&a->mu);
	if (!a->abort) {
		a->abort = 1;
		a->werr = *e;
	}
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

/* ------------------------------------------------------------------ */
/* Compression workers */

/* A chunk whose byte histogram is flat (encrypted or already
 * compressed data: most of a phone's userdata) does not shrink under
 * deflate; ewfacquire spends ~85% of its time finding that out.  The
 * test: sum of squared byte counts within 10% of a uniform histogram's. */
static int
incompressible(const unsigned char *p, size_t len)
{
	uint32_t c[256];
	uint64_t sq = 0;
	size_t i;

	if (len < 4096)
		return 0;
	memset(c, 0, sizeof(c));
	for (i = 0; i < len; i++)
		c[p[i]]++;
	for (i = 0; i < 256; i++)
		sq += (uint64_t)c[i] * c[i];
	return sq * 256 * 10 < (uint64_t)len * len * 11;
}

/* Is the chunk one byte repeated (what EWF's empty-block compression
 * compresses)? */
static int
uniform(const unsigned char *p, size_t len)
{
	return len == 0 || (p[0] == p[len - 1] &&
	    memcmp(p, p + 1, len - 1) == 0);
}

struct worker {
	struct acq *a;
	struct libdeflate_compressor *dc;	/* NULL for -c none */
};

/*
 * Prepare chunk i of a block as libewf stores it: either a zlib stream
 * (is_comp; its own Adler-32 inside) or the data as is followed by its
 * Adler-32 (write_cksum).  Deflate is libdeflate's, one compressor per
 * worker, about twice zlib's speed at the same level with ordinary zlib
 * streams, and no allocation per chunk (libewf's compress2 allocated and
 * freed zlib's state for every chunk: a fifth of the time went to page
 * faults and TLB shootdowns).
 */
static void
prepare_chunk(struct worker *w, struct slot *s, size_t i)
{
	struct acq *a = w->a;
	const unsigned char *p = s->buf + i * a->chunk;
	unsigned char *raw = s->craw + i * (a->chunk + 4);
	struct etk_ewfw_chunk *c = &s->ch[i];
	size_t len = s->len - i * a->chunk, clen = 0;
	int comp;

	if (len > a->chunk)
		len = a->chunk;
	switch (a->o->compression) {
	case ETK_IMAGE_COMP_FAST:
	case ETK_IMAGE_COMP_BEST:
		comp = !incompressible(p, len);
		break;
	case ETK_IMAGE_COMP_EMPTY:
		comp = uniform(p, len);
		break;
	default:
		comp = 0;
		break;
	}
	if (comp && w->dc != NULL)
		clen = libdeflate_zlib_compress(w->dc, p, len,
		    s->cbuf + i * 2 * a->chunk, 2 * a->chunk);
	if (clen != 0 && clen < len) {
		c->is_comp = 1;
		c->complen = clen;
		c->cksum = 0;
		c->write_cksum = 0;
		return;
	}
	/* Stored as is (libewf stores a chunk that does not shrink so). */
	memcpy(raw, p, len);
	c->is_comp = 0;
	c->complen = 0;
	c->write_cksum = 1;
	c->cksum = (uint32_t)adler32(1L, raw, (uInt)len);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct acq *a = w->a;
	struct slot *s;
	size_t i;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		s = wait_job(a);
		if (s == NULL)
			break;
		if (s->next_ch == s->nch) {
			a->jseq++;
			continue;
		}
		i = s->next_ch++;
		/* Taking the last chunk moves the job on now: once every chunk
		 * is done the writer may release the slot before any worker
		 * looks again, and a worker left waiting for this block would
		 * wait forever (seen under ctest load). */
		if (s->next_ch == s->nch)
			a->jseq++;
		pthread_mutex_unlock(&a->mu);
		prepare_chunk(w, s, i);
		pthread_mutex_lock(&a->mu);
		if (--s->left == 0)
			pthread_cond_broadcast(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Writer */

static int
add_path(struct acq *a, const char *p)
{
	char **np, *d;

	if ((d = strdup(p)) == NULL)
		return -1;
	if ((np = realloc(a->paths, (a->npaths + 1) * sizeof(*np))) == NULL) {
		free(d);
		return -1;
	}
	a->paths = np;
	a->paths[a->npaths] = d;
	{
		char (*nh)[65] = realloc(a->psha, (a->npaths + 1) *
		    sizeof(*nh));

		if (nh == NULL) {
			a->npaths++;
			return -1;
		}
		a->psha = nh;
		a->psha[a->npaths][0] = '\0';
	}
	a->npaths++;
	return 0;
}

static int
raw_open_next(struct acq *a, struct etk_error *err)
{
	char path[4096];

	if (a->o->segment_size == 0)
		snprintf(path, sizeof(path), "%s.raw", a->base);
	else
		snprintf(path, sizeof(path), "%s.%03u", a->base, a->segno);
	a->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (a->fd == -1)
		return etk_fail(err, errno == EEXIST ? ETK_EEXIST : ETK_EIO,
		    errno, "cannot create '%s': %s", path, strerror(errno));
	if (add_path(a, path) != 0)
		return etk_fail(err, ETK_ENOMEM, errno, "out of memory");
	a->segno++;
	a->segbytes = 0;
	return ETK_OK;
}

static int
raw_close(struct acq *a, struct etk_error *err)
{
	int fd = a->fd;

	a->fd = -1;
	if (fd == -1)
		return ETK_OK;
	if (a->sh != NULL) {
		struct etk_digests d;
		struct etk_error e = { 0 };

		if (etk_hasher_final(a->sh, &d, &e) == ETK_OK)
			memcpy(a->psha[a->npaths - 1], d.sha256, 65);
	}
	if (fsync(fd) == -1 && errno != EINVAL) {
		int se = errno;

		close(fd);
		return etk_fail(err, ETK_EIO, se, "'%s': %s",
		    a->paths[a->npaths - 1], strerror(se));
	}
	if (close(fd) == -1)
		return etk_fail(err, ETK_EIO, errno, "'%s': %s",
		    a->paths[a->npaths - 1], strerror(errno));
	return ETK_OK;
}

static int
raw_write(struct acq *a, const unsigned char *p, size_t len,
    struct etk_error *err)
{
	while (len > 0) {
		size_t n = len;
		ssize_t w;
		int rc;

		if (a->o->segment_size != 0 &&
		    a->segbytes == a->o->segment_size) {
			if ((rc = raw_close(a, err)) != ETK_OK ||
			    (rc = raw_open_next(a, err)) != ETK_OK)
				return rc;
		}
		if (a->o->segment_size != 0 &&
		    n > a->o->segment_size - a->segbytes)
			n = (size_t)(a->o->segment_size - a->segbytes);
		w = write(a->fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return etk_fail(err, ETK_EIO, w == 0 ? ENOSPC : errno,
			    "cannot write '%s': %s", a->paths[a->npaths - 1],
			    strerror(w == 0 ? ENOSPC : errno));
		if (a->sh != NULL && (rc = etk_hasher_update(a->sh, p,
		    (size_t)w, err)) != ETK_OK)
			return rc;
		p += w;
		len -= (size_t)w;
		a->segbytes += (uint64_t)w;
		a->written += (uint64_t)w;
	}
	return ETK_OK;
}

static int
e01_write_block(struct acq *a, struct slot *s, struct etk_error *err)
{
	size_t i, len;
	int rc;

	for (i = 0; i < s->nch; i++) {
		unsigned char *raw = s->craw + i * (a->chunk + 4);

		len = s->len - i * a->chunk;
		if (len > a->chunk)
			len = a->chunk;
		if ((rc = etk_ewfw_write(a->ew, raw, len,
		    s->cbuf + i * 2 * a->chunk, &s->ch[i], err)) != ETK_OK) {
			if (err->sys_errno == 0)
				err->sys_errno = errno;
			return rc;
		}
		a->written += len;
	}
	return ETK_OK;
}

static void *
writer_main(void *arg)
{
	struct acq *a = arg;
	struct etk_error e;
	struct slot *s;
	uint64_t seq = 0;
	int rc;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		s = wait_filled(a, seq);
		if (s == NULL)
			break;
		if (a->e01 && a->compress && s->left != 0) {
			pthread_cond_wait(&a->cv, &a->mu);
			continue;
		}
		pthread_mutex_unlock(&a->mu);
		memset(&e, 0, sizeof(e));
		if (a->e01)
			rc = e01_write_block(a, s, &e);
		else
			rc = raw_write(a, s->buf, s->len, &e);
		if (rc != ETK_OK) {
			set_abort(a, &e);
			pthread_mutex_lock(&a->mu);
			break;
		}
		pthread_mutex_lock(&a->mu);
		s->written = 1;
		release_slot(a, s);
		seq++;
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Hashing (caller thread) */

static int
piece_end(struct acq *a, struct etk_error *err)
{
	struct etk_digests d;
	struct etk_json j;
	int rc;

	if ((rc = etk_hasher_final(a->ph, &d, err)) != ETK_OK)
		return rc;
	etk_json_init(&j, &a->pieces);
	if (a->npieces++ > 0)
		etk_buf_addc(&a->pieces, ',');
	etk_json_obj_begin(&j);
	etk_json_kuint(&j, "offset", a->pstart);
	etk_json_kuint(&j, "len", a->hashed - a->pstart);
	etk_json_kstr(&j, "sha256", d.sha256);
	etk_json_obj_end(&j);
	a->pstart = a->hashed;
	return ETK_OK;
}

static int
hash_block(struct acq *a, const unsigned char *p, size_t len,
    struct etk_error *err)
{
	int rc;

	if ((rc = etk_hasher_update(a->h, p, len, err)) != ETK_OK)
		return rc;
	if (a->ph == NULL) {
		a->hashed += len;
		return ETK_OK;
	}
	while (len > 0) {
		uint64_t room = a->o->piecewise - (a->hashed - a->pstart);
		size_t n = len < room ? len : (size_t)room;

		if ((rc = etk_hasher_update(a->ph, p, n, err)) != ETK_OK)
			return rc;
		a->hashed += n;
		p += n;
		len -= n;
		if (a->hashed - a->pstart == a->o->piecewise &&
		    (rc = piece_end(a, err)) != ETK_OK)
			return rc;
	}
	return ETK_OK;
}

/* ------------------------------------------------------------------ */
/* Source identity */

static void
trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[0] == ' ')
		memmove(s, s + 1, strlen(s));
}

static char *
sysfs_value(dev_t dev, const char *what)
{
	static const char *const dirs[] = { "", "/..", NULL };
	char path[256], val[256];
	FILE *fp;
	int i;

	for (i = 0; dirs[i] != NULL; i++) {
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u%s/device/%s",
		    major(dev), minor(dev), dirs[i], what);
		if ((fp = fopen(path, "re")) == NULL)
			continue;
		if (fgets(val, sizeof(val), fp) != NULL) {
			fclose(fp);
			trim(val);
			return val[0] != '\0' ? strdup(val) : NULL;
		}
		fclose(fp);
	}
	return NULL;
}

static const char *
source_kind(struct acq *a)
{
	const char *f;

	if (a->dt != NULL)
		return "directory";
	if (a->use_stdin)
		return "stdin";
	f = etk_source_format(a->src);
	if (strcmp(f, "raw") == 0)
		return "file";
	if (strcmp(f, "device") == 0)
		return "device";
	return f;	/* split-raw, ewf, vmdk, vhd */
}

/* ------------------------------------------------------------------ */
/* Record */

static void
kstr_or_null(struct etk_json *j, const char *k, const char *v)
{
	etk_json_kstr(j, k, v);
}

static void
digest_or_null(struct etk_json *j, const char *k, const char *hex)
{
	etk_json_key(j, k);
	if (hex != NULL && hex[0] != '\0')
		etk_json_str(j, hex);
	else
		etk_json_null(j);
}

/* The kind of evidence at path when it is a logical container (TAR,
 * ZIP, Android backup, iOS backup folder), else 0.  Nothing but opening
 * it read-only; a path that does not open as evidence is not one. */
static enum etk_ev_kind
container_kind(const char *path)
{
	struct etk_evidence *ev = NULL;
	struct etk_error e = { 0 };
	enum etk_ev_kind k = 0;

	if (etk_evidence_open(&ev, path, &e) != ETK_OK)
		return 0;
	k = etk_evidence_kind(ev);
	etk_evidence_close(ev);
	switch (k) {
	case ETK_EV_TAR:
	case ETK_EV_ZIP:
	case ETK_EV_ANDROID_BACKUP:
	case ETK_EV_IOS_BACKUP:
		return k;
	default:
		return 0;
	}
}

static const char *const comp_names[] = { "none", "fast", "best",
	"empty-block" };

static void
build_record(struct acq *a, const char *source, struct etk_image_result *r,
    const char *model, const char *serial, const struct etk_digests *v,
    int64_t t0, int32_t t0n, struct etk_buf *out)
{
	const char *const *ln, *const *lv;
	struct etk_json j;
	int64_t t1;
	int32_t t1n;
	size_t i, nl;

	etk_json_init(&j, out);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "record", "acquisition");
	etk_json_kstr(&j, "v", "etk-acquisition/1");
	etk_json_kbool(&j, "complete", r->complete);
	etk_json_kbool(&j, "interrupted", r->interrupted);
	if (!r->complete)
		etk_json_kstr(&j, "reason", r->reason != NULL ? r->reason :
		    "incomplete");
	etk_json_key(&j, "target");
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "format", a->e01 ? "e01" : "raw");
	etk_json_key(&j, "compression");
	if (a->e01)
		etk_json_str(&j, comp_names[a->o->compression]);
	else
		etk_json_null(&j);
	etk_json_key(&j, "segment_size");
	if (a->e01)
		etk_json_uint(&j, a->o->segment_size != 0 ?
		    a->o->segment_size : (uint64_t)1500 << 20);
	else if (a->o->segment_size != 0)
		etk_json_uint(&j, a->o->segment_size);
	else
		etk_json_null(&j);
	etk_json_key(&j, "files");
	etk_json_arr_begin(&j);
	for (i = 0; i < r->nfiles; i++) {
		const char *b = strrchr(r->files[i].path, '/');

		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "path", b != NULL ? b + 1 :
		    r->files[i].path);
		etk_json_kuint(&j, "size", r->files[i].size);
		digest_or_null(&j, "sha256", r->files[i].sha256);
		etk_json_obj_end(&j);
	}
	etk_json_arr_end(&j);
	etk_json_obj_end(&j);

	etk_json_key(&j, "source");
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "path", source);
	etk_json_kstr(&j, "kind", source_kind(a));
	etk_json_key(&j, "size");
	if (a->size != 0 || !a->use_stdin)
		etk_json_uint(&j, a->size);
	else
		etk_json_uint(&j, r->media_size);
	etk_json_kuint(&j, "sector_size", a->ss);
	kstr_or_null(&j, "model", model);
	kstr_or_null(&j, "serial", serial);
	kstr_or_null(&j, "container", a->container);
	if (a->dt != NULL) {
		etk_json_key(&j, "stream");
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "format", "tar");
		etk_json_kstr(&j, "variant", "pax-restricted");
		etk_json_kstr(&j, "made_by", "etk-image");
		etk_json_kuint(&j, "members", r->stream_members);
		etk_json_kuint(&j, "files", r->stream_files);
		etk_json_kuint(&j, "file_bytes", etk_dirtar_bytes(a->dt));
		etk_json_kuint(&j, "problems", r->stream_problems);
		etk_json_kstr(&j, "first_problem", r->stream_first_problem);
		etk_json_obj_end(&j);
	}
	etk_json_obj_end(&j);

	etk_json_key(&j, "media");
	etk_json_obj_begin(&j);
	etk_json_kuint(&j, "size", r->media_size);
	if (a->padding != 0)
		etk_json_kuint(&j, "padding", a->padding);
	digest_or_null(&j, "md5", r->media.md5);
	digest_or_null(&j, "sha1", r->media.sha1);
	digest_or_null(&j, "sha256", r->media.sha256);
	etk_json_obj_end(&j);

	etk_json_key(&j, "piecewise");
	if (a->o->piecewise != 0 && a->npieces > 0) {
		etk_json_obj_begin(&j);
		etk_json_kuint(&j, "window", a->o->piecewise);
		etk_json_kstr(&j, "algorithm", "sha256");
		etk_json_key(&j, "pieces");
		{
			struct etk_buf pb;

			etk_buf_init(&pb);
			etk_buf_addc(&pb, '[');
			etk_buf_add(&pb, a->pieces.data, a->pieces.len);
			etk_buf_addc(&pb, ']');
			etk_json_raw(&j, pb.data);
			etk_buf_release(&pb);
		}
		etk_json_obj_end(&j);
	} else
		etk_json_null(&j);

	etk_json_key(&j, "errors");
	etk_json_arr_begin(&j);
	for (i = 0; i < a->nbad; i++) {
		etk_json_obj_begin(&j);
		etk_json_kuint(&j, "offset", a->bad[i].off);
		etk_json_kuint(&j, "len", a->bad[i].len);
		etk_json_kuint(&j, "sector", a->bad[i].off / a->ss);
		etk_json_kuint(&j, "sectors",
		    (a->bad[i].len + a->ss - 1) / a->ss);
		etk_json_kuint(&j, "attempts", a->bad[i].attempts);
		etk_json_kstr(&j, "action", "zero-fill");
		etk_json_obj_end(&j);
	}
	etk_json_arr_end(&j);

	etk_json_key(&j, "verify");
	if (r->verified) {
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "method", "re-read and re-hash");
		digest_or_null(&j, "md5", v->md5);
		digest_or_null(&j, "sha1", v->sha1);
		digest_or_null(&j, "sha256", v->sha256);
		etk_json_kbool(&j, "match", r->verify_match);
		etk_json_obj_end(&j);
	} else
		etk_json_null(&j);

	etk_json_key(&j, "inventory");
	if (r->inventory_path != NULL) {
		const char *b = strrchr(r->inventory_path, '/');

		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "path", b != NULL ? b + 1 :
		    r->inventory_path);
		etk_json_kstr(&j, "sha256", r->inventory_sha256);
		etk_json_kuint(&j, "members", r->inv_members);
		etk_json_kuint(&j, "bytes", r->inv_bytes);
		etk_json_kuint(&j, "unreadable", r->inv_unreadable);
		etk_json_kstr(&j, "first_unreadable", r->inv_first_bad);
		etk_json_obj_end(&j);
	} else
		etk_json_null(&j);

	etk_json_kstr(&j, "case_number", a->o->case_number);
	etk_json_kstr(&j, "evidence_number", a->o->evidence_number);
	etk_json_kstr(&j, "examiner", a->o->examiner);
	etk_json_kstr(&j, "description", a->o->description);
	etk_json_kstr(&j, "notes", a->o->notes);

	etk_json_key(&j, "tool");
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "name", "etk-image");
	etk_json_kstr(&j, "version", ETK_VERSION);
	etk_json_key(&j, "libs");
	etk_json_obj_begin(&j);
	nl = etk_lib_version_list(&ln, &lv);
	for (i = 0; i < nl; i++)
		etk_json_kstr(&j, ln[i], lv[i]);
	etk_json_obj_end(&j);
	etk_json_key(&j, "argv");
	etk_json_arr_begin(&j);
	for (i = 0; a->o->argv != NULL && i < (size_t)a->o->argc; i++)
		etk_json_str(&j, a->o->argv[i]);
	etk_json_arr_end(&j);
	etk_json_obj_end(&j);

	etk_json_key(&j, "started");
	etk_json_time(&j, t0, t0n);
	etk_time_now(&t1, &t1n);
	etk_json_key(&j, "ended");
	etk_json_time(&j, t1, t1n);
	etk_json_obj_end(&j);
}

/* The segment files still to hash (size UINT64_MAX), on up to
 * threads threads: each file is one SHA-256 stream, but a set of
 * segments hashes in parallel.  A failure aborts the acquisition. */
struct fhash {
	struct etk_image_result *r;
	struct acq *a;
	pthread_mutex_t mu;
	size_t next;
};

static int file_sha256(const char *, char *, uint64_t *,
    struct etk_error *);

static void *
fhash_main(void *arg)
{
	struct fhash *fh = arg;
	struct etk_image_file *f;
	size_t k;

	for (;;) {
		pthread_mutex_lock(&fh->mu);
		while (fh->next < fh->r->nfiles &&
		    fh->r->files[fh->next].size != UINT64_MAX)
			fh->next++;
		k = fh->next++;
		pthread_mutex_unlock(&fh->mu);
		if (k >= fh->r->nfiles)
			break;
		f = &fh->r->files[k];
		{
			struct etk_error e = { 0 };
			uint64_t size = 0;

			if (file_sha256(f->path, f->sha256, &size, &e) !=
			    ETK_OK) {
				f->sha256[0] = '\0';
				set_abort(fh->a, &e);
			}
			f->size = size;
		}
	}
	return NULL;
}

static void
hash_files(struct etk_image_result *r, int threads, struct acq *a)
{
	struct fhash fh;
	pthread_t th[16];
	size_t i, todo = 0;
	int n, k;

	for (i = 0; i < r->nfiles; i++)
		if (r->files[i].size == UINT64_MAX)
			todo++;
	if (todo == 0)
		return;
	memset(&fh, 0, sizeof(fh));
	fh.r = r;
	fh.a = a;
	if (pthread_mutex_init(&fh.mu, NULL) != 0) {
		struct etk_error e = { 0 };

		etk_fail(&e, ETK_ENOMEM, 0, "cannot hash the image files");
		set_abort(a, &e);
		return;
	}
	n = threads < 1 ? 1 : threads > 16 ? 16 : threads;
	if ((size_t)n > todo)
		n = (int)todo;
	for (k = 0; k < n; k++)
		if (pthread_create(&th[k], NULL, fhash_main, &fh) != 0)
			break;
	if (k == 0)
		fhash_main(&fh);	/* no thread: do it here */
	while (k > 0)
		pthread_join(th[--k], NULL);
	pthread_mutex_destroy(&fh.mu);
}

/* SHA-256 of a whole file. */
static int
file_sha256(const char *path, char *hex, uint64_t *size,
    struct etk_error *err)
{
	struct etk_digests d;
	struct etk_hasher *h = NULL;
	unsigned char *buf;
	ssize_t n;
	int rc, fd;

	/* etk_source_open would open an E01 as its media; hash the file's
	 * own bytes with a plain read loop instead. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return etk_fail(err, ETK_EIO, errno, "cannot open '%s': %s",
		    path, strerror(errno));
	if (posix_memalign((void **)&buf, 4096, 1 << 20) != 0) {
		close(fd);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	}
	if ((rc = etk_hasher_new(&h, ETK_DIGEST_SHA256, err)) != ETK_OK)
		goto out;
	*size = 0;
	while ((n = read(fd, buf, 1 << 20)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = etk_fail(err, ETK_EIO, errno, "'%s': %s", path,
			    strerror(errno));
			goto out;
		}
		*size += (uint64_t)n;
		if ((rc = etk_hasher_update(h, buf, (size_t)n, err)) != ETK_OK)
			goto out;
	}
	if ((rc = etk_hasher_final(h, &d, err)) == ETK_OK)
		memcpy(hex, d.sha256, 65);
out:
	etk_hasher_free(h);
	free(buf);
	close(fd);
	return rc;
}

static int
hex2bin(const char *hex, unsigned char *out, size_t n)
{
	size_t i;
	unsigned v;

	if (strlen(hex) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

/* ------------------------------------------------------------------ */

static void
acq_release(struct acq *a)
{
	size_t i;

	for (i = 0; i < NSLOTS; i++) {
		free(a->slots[i].buf);
		free(a->slots[i].craw);
		free(a->slots[i].cbuf);
		free(a->slots[i].ch);
	}
	free(a->bad);
	for (i = 0; i < a->npaths; i++)
		free(a->paths[i]);
	free(a->paths);
	free(a->psha);
	etk_hasher_free(a->sh);
	etk_hasher_free(a->h);
	etk_hasher_free(a->ph);
	etk_buf_release(&a->pieces);
	etk_source_close(a->src);
	if (a->dt != NULL && a->in_fd != -1) {
		close(a->in_fd);	/* stops the producer */
		a->in_fd = -1;
	}
	etk_dirtar_free(a->dt);
	etk_ewfw_free(a->ew);
	if (a->fd != -1)
		close(a->fd);
}

int
etk_image_acquire(const char *source, const char *target_base,
    const struct etk_image_opts *o, struct etk_image_result *r,
    struct etk_error *err)
{
	struct acq a;
	struct etk_digests vd;
	struct etk_error ierr = { 0 };
	struct etk_buf rec;
	struct stat st;
	pthread_t rt, wt, *wk = NULL;
	char *model = NULL, *serial = NULL;
	int64_t t0;
	int32_t t0n;
	int rc = ETK_OK, nwk = 0, i, have_st = 0, probe = 0;
	struct worker *wst = NULL;
	uint64_t seq;
	struct slot *s;
	size_t k;

	memset(r, 0, sizeof(*r));
	memset(&a, 0, sizeof(a));
	memset(&vd, 0, sizeof(vd));
	a.o = o;
	a.fd = -1;
	a.in_fd = -1;
	etk_buf_init(&a.pieces);
	etk_buf_init(&rec);
	etk_time_now(&t0, &t0n);
	if ((rc = etk_image_check_target(target_base, o, err)) != ETK_OK)
		return rc;
	a.base = (char *)target_base;
	a.e01 = o->format == ETK_IMAGE_E01;
	/* E01 chunks are prepared (checksummed, compressed) by workers in
	 * every mode; the writer only writes. */
	a.compress = a.e01;
	a.retries = o->retries_set ? o->retries : DEFAULT_RETRIES;

	if (strcmp(source, "-") == 0) {
		a.use_stdin = 1;
		a.in_fd = 0;
		a.ss = 512;
	} else if ((have_st = stat(source, &st) == 0) &&
	    S_ISDIR(st.st_mode)) {
		/* An iOS backup folder: one container, a tar of it. */
		if (container_kind(source) != ETK_EV_IOS_BACKUP)
			return etk_fail(err, ETK_EUNSUPP, 0,
			    "'%s' is a directory and not an iOS backup folder "
			    "(no Manifest.db): imaging other directories is not "
			    "supported; archive it with tar and image the "
			    "archive", source);
		if ((rc = etk_dirtar_open(&a.dt, source, err)) != ETK_OK)
			return rc;
		a.container = "ios-backup";
		a.use_stdin = 1;
		a.ss = 512;
		r->dir_stream = 1;
		r->stream_members = etk_dirtar_members(a.dt);
		r->stream_files = etk_dirtar_files(a.dt);
	} else {
		if ((rc = etk_source_open(&a.src, source, err)) != ETK_OK)
			return rc;
		/* A plain file may be a logical container: looked at
		 * once it is imaged (nothing is read before the image). */
		probe = strcmp(etk_source_format(a.src), "raw") == 0 &&
		    have_st && S_ISREG(st.st_mode);
		a.size = etk_source_size(a.src);
		a.ss = etk_source_sector_size(a.src);
		if (a.ss == 0)
			a.ss = 512;
		if (strcmp(etk_source_format(a.src), "device") == 0 &&
		    stat(source, &st) == 0 && S_ISBLK(st.st_mode)) {
			model = sysfs_value(st.st_rdev, "model");
			serial = sysfs_value(st.st_rdev, "serial");
		}
	}
	a.chunk = (size_t)a.ss * SECTORS_PER_CHUNK;
	a.block = a.chunk;
	while (a.block < BLOCK_MIN)
		a.block *= 2;
	a.nch = a.block / a.chunk;
	for (k = 0; k < NSLOTS; k++) {
		s = &a.slots[k];
		/* Page-aligned: the kernel copies a read into an aligned
		 * buffer several times faster (malloc's 1 MiB blocks start
		 * 16 bytes into a page). */
		if (posix_memalign((void **)&s->buf, 4096,
		    a.block + 4096) != 0) {
			s->buf = NULL;
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM,
			    "out of memory");
			goto out;
		}
		if (a.e01 && ((s->craw = malloc(a.nch * (a.chunk + 4))) ==
		    NULL || (s->cbuf = malloc(a.nch * 2 * a.chunk)) == NULL ||
		    (s->ch = calloc(a.nch, sizeof(*s->ch))) == NULL)) {
			rc = etk_fail(err, ETK_ENOMEM, errno, "out of memory");
			goto out;
		}
	}
	if ((rc = etk_hasher_new(&a.h, o->digests != 0 ? o->digests :
	    ETK_DIGEST_MD5 | ETK_DIGEST_SHA1 | ETK_DIGEST_SHA256, err)) !=
	    ETK_OK)
		goto out;
	if (o->piecewise != 0 &&
	    (rc = etk_hasher_new(&a.ph, ETK_DIGEST_SHA256, err)) != ETK_OK)
		goto out;
	if (o->progress != NULL && a.size != 0)
		etk_progress_set_total(o->progress, a.size);

	/* Create the output. */
	if (a.e01) {
		struct etk_ewfw_params p;

		memset(&p, 0, sizeof(p));
		p.compression = o->compression;
		p.segment_size = o->segment_size;
		p.media_size = a.size;
		if (a.size % a.ss != 0)
			p.media_size += a.ss - a.size % a.ss;
		p.sector_size = a.ss;
		p.sectors_per_chunk = SECTORS_PER_CHUNK;
		p.physical = !a.use_stdin &&
		    strcmp(etk_source_format(a.src), "device") == 0;
		p.case_number = o->case_number;
		p.evidence_number = o->evidence_number;
		p.examiner = o->examiner;
		p.description = o->description;
		p.notes = o->notes;
		p.model = model;
		p.serial = serial;
		if ((rc = etk_ewfw_open(&a.ew, target_base, &p, err)) !=
		    ETK_OK)
			goto out;
	} else if ((a.o->segment_size != 0 &&
	    (rc = etk_hasher_new(&a.sh, ETK_DIGEST_SHA256, err)) != ETK_OK) ||
	    (rc = raw_open_next(&a, err)) != ETK_OK)
		goto out;
	/* An unsplit raw image is the media stream byte for byte, so its own
	 * SHA-256 is the media SHA-256: hashing it again as it is written
	 * cost a fourth digest pass (1.1 s per GiB on 2 cores). */
	r->started = 1;

	if (pthread_mutex_init(&a.mu, NULL) != 0 ||
	    pthread_cond_init(&a.cv, NULL) != 0) {
		rc = etk_fail(err, ETK_ENOMEM, errno, "cannot start threads");
		goto out;
	}
	if (a.dt != NULL &&
	    (rc = etk_dirtar_start(a.dt, &a.in_fd, err)) != ETK_OK)
		goto out_sync;
	if (pthread_create(&rt, NULL, reader_main, &a) != 0) {
		rc = etk_fail(err, ETK_ENOMEM, errno, "cannot start threads");
		goto out_sync;
	}
	if (pthread_create(&wt, NULL, writer_main, &a) != 0) {
		etk_fail(&a.werr, ETK_ENOMEM, errno, "cannot start threads");
		set_abort(&a, &a.werr);
		pthread_join(rt, NULL);
		rc = etk_fail(err, ETK_ENOMEM, errno, "cannot start threads");
		goto out_sync;
	}
	if (a.compress) {
		int level = o->compression == ETK_IMAGE_COMP_BEST ? 9 : 1;

		nwk = o->threads > 0 ? o->threads : 1;
		if ((wk = calloc((size_t)nwk, sizeof(*wk))) == NULL ||
		    (wst = calloc((size_t)nwk, sizeof(*wst))) == NULL)
			nwk = 0;
		for (i = 0; i < nwk; i++) {
			wst[i].a = &a;
			if (o->compression != ETK_IMAGE_COMP_NONE &&
			    (wst[i].dc = libdeflate_alloc_compressor(level)) ==
			    NULL)
				break;
			if (pthread_create(&wk[i], NULL, worker_main,
			    &wst[i]) != 0) {
				libdeflate_free_compressor(wst[i].dc);
				wst[i].dc = NULL;
				break;
			}
		}
		nwk = i;
		if (nwk == 0) {
			struct etk_error e2 = { 0 };

			etk_fail(&e2, ETK_ENOMEM, errno,
			    "cannot start threads");
			set_abort(&a, &e2);
		}
	}

	/* Hash in order, here. */
	pthread_mutex_lock(&a.mu);
	for (seq = 0;; seq++) {
		struct etk_error e = { 0 };

		s = wait_filled(&a, seq);
		if (s == NULL)
			break;
		pthread_mutex_unlock(&a.mu);
		if (hash_block(&a, s->buf, s->len, &e) != ETK_OK) {
			set_abort(&a, &e);
			pthread_mutex_lock(&a.mu);
			break;
		}
		if (o->progress != NULL)
			etk_progress_add(o->progress, s->len);
		pthread_mutex_lock(&a.mu);
		s->hashed = 1;
		release_slot(&a, s);
	}
	pthread_mutex_unlock(&a.mu);
	pthread_join(rt, NULL);
	if (a.dt != NULL) {
		struct etk_error e = { 0 };
		const char *first;

		close(a.in_fd);		/* a producer still writing stops */
		a.in_fd = -1;
		if (etk_dirtar_finish(a.dt, &e) != ETK_OK && !a.rfail &&
		    !stopped(&a)) {
			a.rfail = 1;
			a.rerr = e;
			a.reason = "making the tar stream failed";
		}
		r->stream_problems = etk_dirtar_problems(a.dt, &first);
		if (first != NULL &&
		    (r->stream_first_problem = strdup(first)) == NULL)
			r->stream_problems = 0;
	}
	pthread_join(wt, NULL);
	for (i = 0; i < nwk; i++) {
		pthread_join(wk[i], NULL);
		libdeflate_free_compressor(wst[i].dc);
	}
	free(wk);
	free(wst);

	r->interrupted = stopped(&a);
	r->media_size = a.written;
	r->padding = a.padding;
	r->complete = !a.abort && !a.rfail && a.reason == NULL &&
	    !r->interrupted;
	r->reason = a.abort ? "writing the image failed" : a.reason;
	if (r->interrupted && r->reason == NULL)
		r->reason = "interrupted";

	/* Digests of the stream as written. */
	if (!a.abort) {
		struct etk_error e = { 0 };

		if (a.ph != NULL && a.hashed > a.pstart &&
		    piece_end(&a, &e) != ETK_OK)
			set_abort(&a, &e);
		if (etk_hasher_final(a.h, &r->media, &e) != ETK_OK)
			set_abort(&a, &e);
	}
	for (k = 0; k < a.nbad; k++) {
		struct etk_error e = { 0 };

		r->bad_bytes += a.bad[k].len;
		if (a.ew != NULL && !a.abort && etk_ewfw_add_error(a.ew,
		    a.bad[k].off / a.ss, (a.bad[k].len + a.ss - 1) / a.ss,
		    &e) != ETK_OK)
			set_abort(&a, &e);
	}
	r->nerrors = a.nbad;

	/* Close the output. */
	if (a.e01) {
		unsigned char md5[16], sha1[20];
		struct etk_error e = { 0 };

		if (!a.abort && etk_ewfw_finish(a.ew,
		    hex2bin(r->media.md5, md5, 16) == 0 ? md5 : NULL,
		    hex2bin(r->media.sha1, sha1, 20) == 0 ? sha1 : NULL,
		    &e) != ETK_OK)
			set_abort(&a, &e);
		etk_ewfw_free(a.ew);
		a.ew = NULL;
		{
			char first[4096];
			char **paths = NULL;
			size_t np = 0;
			struct etk_error e3 = { 0 };

			snprintf(first, sizeof(first), "%s.E01", target_base);
			if (access(first, F_OK) == 0 &&
			    etk_ewfw_files(first, &paths, &np, &e3) == ETK_OK) {
				a.paths = paths;
				a.npaths = np;
			}
		}
	} else {
		struct etk_error e = { 0 };

		if (raw_close(&a, &e) != ETK_OK)
			set_abort(&a, &e);
	}
	if (a.abort) {
		r->complete = 0;
		r->reason = "writing the image failed";
		memset(&r->media, 0, sizeof(r->media));
	}

	/* Each file's own SHA-256. */
	if ((r->files = calloc(a.npaths + 1, sizeof(*r->files))) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, errno, "out of memory");
		goto out_sync;
	}
	for (k = 0; k < a.npaths; k++) {
		r->files[k].path = a.paths[k];
		a.paths[k] = NULL;
		r->nfiles++;
		if (!a.e01 && a.sh == NULL && a.npaths == 1 &&
		    r->media.sha256[0] != '\0' &&
		    stat(r->files[k].path, &st) == 0 &&
		    (uint64_t)st.st_size == r->media_size) {
			/* unsplit raw: the file is the media stream */
			memcpy(r->files[k].sha256, r->media.sha256, 65);
			r->files[k].size = (uint64_t)st.st_size;
			continue;
		}
		if (a.psha != NULL && a.psha[k][0] != '\0' &&
		    stat(r->files[k].path, &st) == 0) {
			/* raw: hashed as it was written */
			memcpy(r->files[k].sha256, a.psha[k], 65);
			r->files[k].size = (uint64_t)st.st_size;
			continue;
		}
		r->files[k].sha256[0] = '\0';
		r->files[k].size = UINT64_MAX;	/* to hash, below */
	}
	hash_files(r, o->threads, &a);

	/* --verify: re-read the image through etk_source and re-hash. */
	if (o->verify && !a.abort && r->nfiles > 0) {
		struct etk_source *vs = NULL;
		struct etk_error e = { 0 };
		uint64_t n = 0;

		r->verified = 1;
		if (etk_source_open(&vs, r->files[0].path, &e) == ETK_OK &&
		    etk_hash_source(vs, r->media.mask, &vd, &n, NULL, &e) ==
		    ETK_OK)
			r->verify_match = n == r->media_size &&
			    strcmp(vd.md5, r->media.md5) == 0 &&
			    strcmp(vd.sha1, r->media.sha1) == 0 &&
			    strcmp(vd.sha256, r->media.sha256) == 0;
		else
			r->verify_match = 0;
		etk_source_close(vs);
	}

	/* The inventory of a logical container. */
	if (probe && r->complete) {
		switch (container_kind(source)) {
		case ETK_EV_TAR:
			a.container = "tar";
			break;
		case ETK_EV_ZIP:
			a.container = "zip";
			break;
		case ETK_EV_ANDROID_BACKUP:
			a.container = "android-backup";
			break;
		default:
			break;
		}
	}
	r->container = a.container;
	if (a.container != NULL && !a.abort && !a.rfail && !r->interrupted &&
	    etk_image_inventory(source, target_base, o->threads, a.dt, r,
	    &ierr) != ETK_OK)
		r->inv_failed = 1;

	/* The record. */
	{
		size_t bl = strlen(target_base) + 6;

		if ((r->record_path = malloc(bl)) == NULL) {
			rc = etk_fail(err, ETK_ENOMEM, errno, "out of memory");
			goto out_sync;
		}
		snprintf(r->record_path, bl, "%s.json", target_base);
	}
	build_record(&a, source, r, model, serial, &vd, t0, t0n, &rec);
	etk_buf_addc(&rec, '\n');
	if (rec.oom) {
		rc = etk_fail(err, ETK_ENOMEM, errno, "out of memory");
		goto out_sync;
	}
	if ((rc = etk_write_file_atomic(r->record_path, rec.data, rec.len, 0,
	    r->record_sha256, err)) != ETK_OK)
		goto out_sync;
	rec.len--;
	rec.data[rec.len] = '\0';
	r->record = etk_buf_detach(&rec);

	if (a.abort)
		rc = etk_fail(err, a.werr.code != 0 ? a.werr.code : ETK_EIO,
		    a.werr.sys_errno, "%s", a.werr.msg);
	else if (a.rfail)
		rc = etk_fail(err, a.rerr.code != 0 ? a.rerr.code : ETK_EIO,
		    a.rerr.sys_errno, "%s", a.rerr.msg);
	else if (a.reason != NULL && !r->interrupted)
		rc = etk_fail(err, ETK_EIO, 0, "%s: %s", source, a.reason);
	else if (r->inv_failed)
		rc = etk_fail(err, ierr.code != 0 ? ierr.code : ETK_EIO,
		    ierr.sys_errno, "%s", ierr.msg);
out_sync:
	pthread_cond_destroy(&a.cv);
	pthread_mutex_destroy(&a.mu);
out:
	etk_buf_release(&rec);
	free(model);
	free(serial);
	acq_release(&a);
	return rc;
}

void
etk_image_result_release(struct etk_image_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nfiles; i++)
		free(r->files[i].path);
	free(r->files);
	free(r->record_path);
	free(r->record);
	free(r->inventory_path);
	free(r->inv_first_bad);
	free(r->stream_first_problem);
	memset(r, 0, sizeof(*r));
}
