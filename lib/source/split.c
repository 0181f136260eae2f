/*
 * Split raw: x.000, x.001, ... (three or more digits, starting at 0 or
 * 1; also x.raw.001) or x.aa, x.ab, ... (split(1) with a "." prefix).
 * Given the first segment, the following ones are found by name, in
 * order; the set ends at the first missing name.  A segment that exists
 * after such a gap means the set is incomplete: that is an error, not a
 * shorter image.  At most SPLIT_MAXOPEN segments are kept open at once.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <etk/core.h>

#include "source_int.h"

#define SPLIT_MAXOPEN	64
#define SPLIT_MAXWIDTH	9	/* digits */

enum { PAT_NUM, PAT_ALPHA };

struct pattern {
	size_t stem;		/* bytes of the path before the suffix */
	int kind;		/* PAT_NUM or PAT_ALPHA */
	size_t width;		/* suffix length */
	int upper;		/* PAT_ALPHA: 'AA' rather than 'aa' */
	unsigned long first;	/* index of the given segment */
	unsigned long max;	/* largest index the width allows */
};

struct seg {
	char *path;
	uint64_t start;
	uint64_t size;
	int fd;			/* -1 when closed */
	uint64_t used;		/* LRU tick */
};

struct split {
	struct seg *segs;
	size_t n;
	size_t nopen;
	uint64_t tick;
};

/* Does path end in a first-segment suffix?  Fills pat. */
static int
parse_pattern(const char *path, struct pattern *pat)
{
	const char *base, *dot, *s;
	size_t len, w, i;
	unsigned long v;

	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	if ((dot = strrchr(base, '.')) == NULL || dot == base)
		return 0;
	s = dot + 1;
	len = strlen(s);
	memset(pat, 0, sizeof(*pat));
	pat->stem = (size_t)(s - path);
	pat->width = len;
	if (len >= 3 && len <= SPLIT_MAXWIDTH &&
	    strspn(s, "0123456789") == len) {
		v = 0;
		for (i = 0; i < len; i++)
			v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 1)
			return 0;
		pat->kind = PAT_NUM;
		pat->first = v;
		for (pat->max = 1, w = 0; w < len; w++)
			pat->max *= 10;
		pat->max--;
		return 1;
	}
	if (len == 2 && (strcmp(s, "aa") == 0 || strcmp(s, "AA") == 0)) {
		pat->kind = PAT_ALPHA;
		pat->upper = s[0] == 'A';
		pat->first = 0;
		pat->max = 26 * 26 - 1;
		return 1;
	}
	return 0;
}

/* The suffix for index idx (width + 1 bytes). */
static void
suffix(const struct pattern *pat, unsigned long idx, char *out)
{
	size_t i;
	char a = pat->upper ? 'A' : 'a';

	if (pat->kind == PAT_NUM) {
		for (i = pat->width; i > 0; i--) {
			out[i - 1] = (char)('0' + idx % 10);
			idx /= 10;
		}
	} else {
		out[0] = (char)(a + idx / 26);
		out[1] = (char)(a + idx % 26);
	}
	out[pat->width] = '\0';
}

/* Parse a suffix of the pattern's shape: index, or -1. */
static long
suffix_index(const struct pattern *pat, const char *s)
{
	size_t i;
	long v = 0;
	char a = pat->upper ? 'A' : 'a';

	if (strlen(s) != pat->width)
		return -1;
	for (i = 0; i < pat->width; i++) {
		if (pat->kind == PAT_NUM) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			v = v * 10 + (s[i] - '0');
		} else {
			if (s[i] < a || s[i] > a + 25)
				return -1;
			v = v * 26 + (s[i] - a);
		}
	}
	return v;
}

static char *
seg_name(const char *path, const struct pattern *pat, unsigned long idx)
{
	char *s;

	if ((s = malloc(pat->stem + pat->width + 1)) == NULL)
		return NULL;
	memcpy(s, path, pat->stem);
	suffix(pat, idx, s + pat->stem);
	return s;
}

static int
is_regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int
etk_src_split_detect(const char *path)
{
	struct pattern pat;
	char *next;
	int ok;

	if (!parse_pattern(path, &pat))
		return 0;
	if ((next = seg_name(path, &pat, pat.first + 1)) == NULL)
		return 0;
	ok = is_regular(next);
	free(next);
	return ok;
}

static void
split_free(struct split *sp)
{
	size_t i;

	if (sp == NULL)
		return;
	for (i = 0; i < sp->n; i++) {
		if (sp->segs[i].fd != -1)
			close(sp->segs[i].fd);
		free(sp->segs[i].path);
	}
	free(sp->segs);
	free(sp);
}

/* After the last segment found (index last), is there a later one?
 * Scan the directory for names of the same shape.  Returns the smallest
 * later index, or -1. */
static long
later_segment(const char *path, const struct pattern *pat, unsigned long last)
{
	const char *base, *stem;
	char dir[PATH_MAX];
	struct dirent *de;
	size_t blen;
	long idx, best = -1;
	DIR *d;

	base = strrchr(path, '/');
	if (base != NULL) {
		if ((size_t)(base - path) >= sizeof(dir))
			return -1;
		memcpy(dir, path, (size_t)(base - path));
		dir[base - path] = '\0';
		if (dir[0] == '\0')
			strcpy(dir, "/");
		base++;
	} else {
		strcpy(dir, ".");
		base = path;
	}
	stem = base;
	blen = pat->stem - (size_t)(base - path);	/* basename stem */
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, stem, blen) != 0)
			continue;
		idx = suffix_index(pat, de->d_name + blen);
		if (idx < 0 || (unsigned long)idx <= last)
			continue;
		if (best == -1 || idx < best)
			best = idx;
	}
	closedir(d);
	return best;
}

/* Make room for one more open descriptor. */
static void
evict(struct split *sp)
{
	size_t i, victim = SIZE_MAX;

	if (sp->nopen < SPLIT_MAXOPEN)
		return;
	for (i = 0; i < sp->n; i++) {
		if (sp->segs[i].fd == -1)
			continue;
		if (victim == SIZE_MAX || sp->segs[i].used <
		    sp->segs[victim].used)
			victim = i;
	}
	if (victim != SIZE_MAX) {
		close(sp->segs[victim].fd);
		sp->segs[victim].fd = -1;
		sp->nopen--;
	}
}

/* Open segment path; set *fdp and *sizep.  Errors name the segment. */
static int
seg_open(const char *path, int *fdp, uint64_t *sizep, struct etk_error *err)
{
	struct stat st;
	int fd;

	if ((fd = etk_src_open_ro(path)) == -1)
		return etk_fail(err, ETK_EIO, errno,
		    "split: cannot open segment '%s'", path);
	if (fstat(fd, &st) == -1) {
		int e = errno;

		close(fd);
		return etk_fail(err, ETK_EIO, e,
		    "split: cannot open segment '%s'", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return etk_fail(err, ETK_EFORMAT, 0,
		    "split: segment '%s' is not a regular file", path);
	}
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	*fdp = fd;
	*sizep = (uint64_t)st.st_size;
	return ETK_OK;
}

static int
split_open(struct etk_source *src, int fd, const struct etk_src_probe *pr,
    struct etk_error *err)
{
	struct pattern pat;
	struct split *sp;
	struct seg *v;
	unsigned long idx;
	uint64_t total = 0, size;
	char *name;
	long later;
	size_t cap = 0, i;
	int rc, sfd;

	(void)pr;
	if (!parse_pattern(src->path, &pat)) {
		close(fd);
		return etk_fail(err, ETK_EINVAL, 0,
		    "split: not a first segment name");
	}
	if ((sp = calloc(1, sizeof(*sp))) == NULL) {
		close(fd);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	}
	/* Is this really the first?  x.001 given while x.000 exists. */
	if (pat.kind == PAT_NUM && pat.first == 1 &&
	    (name = seg_name(src->path, &pat, 0)) != NULL) {
		if (is_regular(name)) {
			rc = etk_fail(err, ETK_EINVAL, 0,
			    "split: '%s' exists: give the first segment", name);
			free(name);
			close(fd);
			goto fail;
		}
		free(name);
	}
	for (idx = pat.first; idx <= pat.max; idx++) {
		if (idx == pat.first) {
			struct stat st;

			if (fstat(fd, &st) == -1) {
				rc = etk_fail(err, ETK_EIO, errno,
				    "split: cannot stat '%s'", src->path);
				close(fd);
				goto fail;
			}
			sfd = fd;
			size = (uint64_t)st.st_size;
			(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
			if ((name = strdup(src->path)) == NULL) {
				close(fd);
				goto nomem;
			}
		} else {
			if ((name = seg_name(src->path, &pat, idx)) == NULL)
				goto nomem;
			if (!is_regular(name)) {
				free(name);
				break;
			}
			if ((rc = seg_open(name, &sfd, &size, err)) != ETK_OK) {
				free(name);
				goto fail;
			}
		}
		if (sp->n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((v = realloc(sp->segs, cap * sizeof(*v))) == NULL) {
				close(sfd);
				free(name);
				goto nomem;
			}
			sp->segs = v;
		}
		if (total + size < total) {
			close(sfd);
			free(name);
			rc = etk_fail(err, ETK_EFORMAT, 0,
			    "split: total size overflows");
			goto fail;
		}
		v = &sp->segs[sp->n++];
		v->path = name;
		v->start = total;
		v->size = size;
		v->fd = sfd;
		v->used = 0;
		total += size;
		if (sp->nopen < SPLIT_MAXOPEN) {
			sp->nopen++;
		} else {
			close(sfd);
			v->fd = -1;
		}
	}
	later = later_segment(src->path, &pat, pat.first + sp->n - 1);
	if (later >= 0) {
		char *missing = seg_name(src->path, &pat, pat.first + sp->n);
		char *after = seg_name(src->path, &pat, (unsigned long)later);

		rc = etk_fail(err, ETK_EFORMAT, 0,
		    "split: segment '%s' is missing but '%s' exists "
		    "(incomplete set)", missing ? missing : "?",
		    after ? after : "?");
		free(missing);
		free(after);
		goto fail;
	}
	for (i = 0; i < sp->n; i++)
		if ((rc = etk_src_add_file(src, sp->segs[i].path, err)) !=
		    ETK_OK)
			goto fail;
	src->size = total;
	src->sector_size = 512;
	src->priv = sp;
	return ETK_OK;
nomem:
	rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
fail:
	split_free(sp);
	return rc;
}

/* The segment holding byte off (off < total). */
static size_t
find_seg(const struct split *sp, uint64_t off)
{
	size_t lo = 0, hi = sp->n;	/* last index with start <= off */

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (sp->segs[mid].start <= off)
			lo = mid;
		else
			hi = mid;
	}
	while (lo + 1 < sp->n && off >= sp->segs[lo].start + sp->segs[lo].size)
		lo++;
	return lo;
}

static int
seg_fd(struct split *sp, struct seg *s, struct etk_error *err)
{
	uint64_t size;
	int fd, rc;

	s->used = ++sp->tick;
	if (s->fd != -1)
		return ETK_OK;
	evict(sp);
	if ((rc = seg_open(s->path, &fd, &size, err)) != ETK_OK)
		return rc;
	if (size != s->size) {
		close(fd);
		return etk_fail(err, ETK_EIO, 0,
		    "split: segment '%s' changed size since it was opened",
		    s->path);
	}
	s->fd = fd;
	sp->nopen++;
	return ETK_OK;
}

static int
split_read(struct etk_source *src, uint64_t off, void *buf, size_t len,
    size_t *nread, struct etk_error *err)
{
	struct split *sp = src->priv;
	unsigned char *p = buf;
	size_t done = 0, want, got;
	struct seg *s;
	uint64_t soff;
	size_t i;
	int rc;

	i = find_seg(sp, off);
	while (done < len && i < sp->n) {
		s = &sp->segs[i];
		soff = off + done - s->start;
		if (soff >= s->size) {
			i++;
			continue;
		}
		want = len - done;
		if (want > s->size - soff)
			want = (size_t)(s->size - soff);
		if ((rc = seg_fd(sp, s, err)) != ETK_OK) {
			*nread = done;
			etk_wrap(err, "read at offset %" PRIu64, off + done);
			return rc;
		}
		if (etk_src_pread_full(s->fd, p + done, want, soff, &got) ==
		    -1) {
			*nread = done + got;
			return etk_fail(err, ETK_EIO, errno,
			    "read at offset %" PRIu64 " (segment '%s' offset %"
			    PRIu64 ")", off + done + got, s->path, soff + got);
		}
		done += got;
		if (got < want) {
			*nread = done;
			return etk_fail(err, ETK_EIO, 0,
			    "read at offset %" PRIu64 ": segment '%s' ends at %"
			    PRIu64 " bytes, %" PRIu64 " expected (truncated "
			    "since it was opened?)", off + done, s->path,
			    soff + got, s->size);
		}
		i++;
	}
	*nread = done;
	return ETK_OK;
}

static void
split_close(struct etk_source *src)
{
	split_free(src->priv);
	src->priv = NULL;
}

const struct etk_src_ops etk_src_split = {
	"split-raw", split_open, split_read, split_close, ETK_SRC_F_PATH
};
