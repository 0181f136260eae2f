/*
 * Known-file sets: build a compact sorted index of the set's digests
 * once, cache it, map it read-only on later opens.
 *
 * Index file ("ETKHIDX1"): a 160-byte header (below), then per
 * algorithm (MD5, SHA-1, SHA-256) a sorted, deduplicated array of raw
 * digests, sections back to back.  The header records the set's size,
 * mtime (ns), inode, device and SHA-256; it carries an FNV-1a check of
 * itself.  An index is trusted only when the header, the section
 * layout, the file size and a sample of the sort order check out; a
 * corrupt or truncated index is rebuilt, never used.
 *
 * Cache placement: "<set>.etkidx" beside the set when cache_dir is NULL
 * and the set's directory is writable; otherwise "<sha256>.etkidx" in
 * cache_dir, $XDG_CACHE_HOME/etk or ~/.cache/etk (keyed by the set's
 * own SHA-256), with a symlink "path-<sha256 of the set's real
 * path>.ref" pointing at it so that later opens find it without hashing
 * the set.  Validity: when the set's size, mtime, inode and device all
 * equal the header's, the index is used without re-hashing the set
 * (multi-GB sets open in milliseconds); when any differ the set is
 * hashed again and the index is used only if the SHA-256 and size
 * match (the header's stat fields are then refreshed), else rebuilt.
 * When nothing is writable the index goes to an unlinked temporary
 * file and is not cached.
 *
 * Building uses bounded memory: digests are buffered up to a budget
 * (default 256 MiB; ETK_HASHSET_MEM=bytes overrides it, for tests),
 * then sorted and spilled to unlinked temporary runs that are merged at
 * the end.  Sorting is a 16-bit radix scatter followed by small sorts
 * per bucket (digests are uniform).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <etk/hashset.h>

#include "hashset/hashset_int.h"

#define HIDX_MAGIC	"ETKHIDX1"
#define HIDX_VERSION	1
#define HIDX_ENDIAN	0x01020304u
#define DEFAULT_BUDGET	((size_t)256 << 20)
#define WBUF		((size_t)1 << 20)
#define RBUF		((size_t)1 << 18)

struct hidx_hdr {
	char magic[8];
	uint32_t version;
	uint32_t endian;
	uint32_t hdrsize;
	uint32_t format;
	uint64_t src_size;
	int64_t src_mtime;
	int64_t src_mtime_ns;
	uint64_t src_ino;
	uint64_t src_dev;
	unsigned char src_sha256[32];
	uint64_t count[HS_NALG];
	uint64_t offset[HS_NALG];
	uint64_t file_size;
	uint64_t check;		/* FNV-1a 64 of the bytes before it */
};
_Static_assert(sizeof(struct hidx_hdr) == 160, "index header layout");

struct etk_hashset {
	char *name;
	int format;
	void *base;
	size_t maplen;
	const unsigned char *arr[HS_NALG];
	uint64_t count[HS_NALG];
	unsigned mask;
};

static uint64_t
fnv64(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ull;

	while (n-- > 0)
		h = (h ^ *s++) * 0x100000001b3ull;
	return h;
}

static void
hdr_seal(struct hidx_hdr *h)
{
	h->check = fnv64(h, offsetof(struct hidx_hdr, check));
}

static void
hdr_stat(struct hidx_hdr *h, const struct stat *st)
{
	h->src_size = (uint64_t)st->st_size;
	h->src_mtime = (int64_t)st->st_mtim.tv_sec;
	h->src_mtime_ns = (int64_t)st->st_mtim.tv_nsec;
	h->src_ino = (uint64_t)st->st_ino;
	h->src_dev = (uint64_t)st->st_dev;
}

static int
hdr_stat_equal(const struct hidx_hdr *h, const struct stat *st)
{
	return h->src_size == (uint64_t)st->st_size &&
	    h->src_mtime == (int64_t)st->st_mtim.tv_sec &&
	    h->src_mtime_ns == (int64_t)st->st_mtim.tv_nsec &&
	    h->src_ino == (uint64_t)st->st_ino &&
	    h->src_dev == (uint64_t)st->st_dev;
}

/* Map the index open on ifd into hs when it is sound and belongs to the
 * set (by stat when sha is NULL, else by SHA-256 and size).  *stale is
 * set when it is sound and matched by SHA-256 but not by stat.  0 when
 * used, -1 when not. */
static int
index_map(int ifd, struct etk_hashset *hs, const struct stat *src,
    const unsigned char *sha, int *stale)
{
	struct hidx_hdr h;
	struct stat ist;
	const unsigned char *a;
	uint64_t off, total = 0, i, step, w;
	void *base;
	int s;

	if (fstat(ifd, &ist) != 0 || !S_ISREG(ist.st_mode) ||
	    ist.st_size < (off_t)sizeof(h) ||
	    (uint64_t)ist.st_size > (uint64_t)SIZE_MAX)
		return -1;
	base = mmap(NULL, (size_t)ist.st_size, PROT_READ, MAP_SHARED, ifd, 0);
	if (base == MAP_FAILED)
		return -1;
	memcpy(&h, base, sizeof(h));
	if (memcmp(h.magic, HIDX_MAGIC, 8) != 0 ||
	    h.version != HIDX_VERSION || h.endian != HIDX_ENDIAN ||
	    h.hdrsize != sizeof(h) || h.format >= HS_NFMT ||
	    h.check != fnv64(&h, offsetof(struct hidx_hdr, check)) ||
	    h.file_size != (uint64_t)ist.st_size)
		goto bad;
	if (sha == NULL ? !hdr_stat_equal(&h, src) :
	    (memcmp(h.src_sha256, sha, 32) != 0 ||
	    h.src_size != (uint64_t)src->st_size))
		goto bad;
	off = sizeof(h);
	for (s = 0; s < HS_NALG; s++) {
		w = hs_alglen[s];
		if (h.offset[s] != off || h.count[s] > (h.file_size - off) / w)
			goto bad;
		off += h.count[s] * w;
		total += h.count[s];
	}
	if (off != h.file_size || total == 0)
		goto bad;
	/* Sample the order: about 1024 adjacent pairs and the last. */
	for (s = 0; s < HS_NALG; s++) {
		w = hs_alglen[s];
		a = (const unsigned char *)base + h.offset[s];
		if (h.count[s] < 2)
			continue;
		step = (h.count[s] - 1) / 1024 + 1;
		for (i = 0; i + 1 < h.count[s]; i += step)
			if (memcmp(a + i * w, a + (i + 1) * w, w) >= 0)
				goto bad;
		i = h.count[s] - 2;
		if (memcmp(a + i * w, a + (i + 1) * w, w) >= 0)
			goto bad;
	}
	hs->base = base;
	hs->maplen = (size_t)ist.st_size;
	hs->format = (int)h.format;
	hs->mask = 0;
	for (s = 0; s < HS_NALG; s++) {
		hs->count[s] = h.count[s];
		hs->arr[s] = (const unsigned char *)base + h.offset[s];
		if (h.count[s] > 0)
			hs->mask |= hs_algbit[s];
	}
	(void)madvise(base, hs->maplen, MADV_RANDOM);
	if (stale != NULL)
		*stale = !hdr_stat_equal(&h, src);
	return 0;
bad:
	munmap(base, (size_t)ist.st_size);
	return -1;
}

/* Open ipath and map it when valid; when it is valid only by SHA-256
 * and refresh is set, rewrite its stat fields (best effort) so the next
 * open skips the hash. */
static int
try_index(const char *ipath, struct etk_hashset *hs, const struct stat *src,
    const unsigned char *sha, int refresh)
{
	struct hidx_hdr h;
	int fd, stale = 0, rc;

	if ((fd = open(ipath, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	rc = index_map(fd, hs, src, sha, &stale);
	close(fd);
	if (rc == 0 && stale && refresh &&
	    (fd = open(ipath, O_WRONLY | O_CLOEXEC)) != -1) {
		memcpy(&h, hs->base, sizeof(h));
		hdr_stat(&h, src);
		hdr_seal(&h);
		if (pwrite(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h))
			(void)fsync(fd);
		close(fd);
	}
	return rc;
}

static int
sha256_fd(int fd, unsigned char out[32], const char *name,
    struct etk_error *err)
{
	EVP_MD_CTX *ctx;
	unsigned char *buf;
	uint64_t off = 0;
	ssize_t n;
	int rc = ETK_OK;

	if ((buf = malloc(WBUF)) == NULL || (ctx = EVP_MD_CTX_new()) == NULL) {
		free(buf);
		return etk_fail(err, ETK_ENOMEM, errno, "%s", name);
	}
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		rc = etk_fail(err, ETK_EIO, 0, "%s: SHA-256 init", name);
	while (rc == ETK_OK) {
		n = pread(fd, buf, WBUF, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = etk_fail(err, ETK_EIO, errno, "%s: read", name);
			break;
		}
		if (n == 0)
			break;
		(void)EVP_DigestUpdate(ctx, buf, (size_t)n);
		off += (uint64_t)n;
	}
	if (rc == ETK_OK && EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		rc = etk_fail(err, ETK_EIO, 0, "%s: SHA-256", name);
	EVP_MD_CTX_free(ctx);
	free(buf);
	return rc;
}

/* ---- sorting ---- */

static int
cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static int
cmp20(const void *a, const void *b)
{
	return memcmp(a, b, 20);
}

static int
cmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Sort buf[0..n) records of w bytes and drop duplicates; the new count.
 * Radix scatter on the first 16 bits, then qsort per bucket. */
static size_t
sort_unique(unsigned char *buf, size_t n, size_t w)
{
	int (*cmp)(const void *, const void *) = w == 16 ? cmp16 :
	    w == 20 ? cmp20 : cmp32;
	unsigned char *tmp, *src;
	size_t *cnt, i, k, pos, c;

	if (n < 2)
		return n;
	tmp = n > 4096 ? malloc(n * w) : NULL;
	cnt = tmp != NULL ? calloc(65537, sizeof(*cnt)) : NULL;
	if (cnt == NULL) {
		qsort(buf, n, w, cmp);
		src = buf;
	} else {
		for (i = 0; i < n; i++)
			cnt[((size_t)buf[i * w] << 8 | buf[i * w + 1]) + 1]++;
		for (k = 1; k <= 65536; k++)
			cnt[k] += cnt[k - 1];
		for (i = 0; i < n; i++) {
			k = (size_t)buf[i * w] << 8 | buf[i * w + 1];
			memcpy(tmp + cnt[k]++ * w, buf + i * w, w);
		}
		/* cnt[k] is now the end of bucket k */
		for (k = 0, pos = 0; k < 65536; k++) {
			c = cnt[k] - pos;
			if (c > 1)
				qsort(tmp + pos * w, c, w, cmp);
			pos = cnt[k];
		}
		src = tmp;
	}
	/* unique, into buf */
	if (src != buf)
		memcpy(buf, src, w);
	for (i = 1, k = 1; i < n; i++)
		if (memcmp(src + i * w, buf + (k - 1) * w, w) != 0)
			memcpy(buf + k++ * w, src + i * w, w);
	free(cnt);
	free(tmp);
	return k;
}

/* ---- builder: the sink, runs and output ---- */

struct run {
	int fd;
	uint64_t n;
};

struct builder {
	unsigned char *buf[HS_NALG];
	size_t n[HS_NALG], cap[HS_NALG];
	size_t budget;
	struct run *runs[HS_NALG];
	size_t nruns[HS_NALG];
	const char *tmpdir;	/* for runs */
	const char *name;
	uint64_t added;
};

static int
tmpfile_in(const char *dir)
{
	char p[PATH_MAX];
	int fd;

#ifdef O_TMPFILE
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) != -1)
		return fd;
#endif
	if (snprintf(p, sizeof(p), "%s/.etkidx-XXXXXX", dir) >= (int)sizeof(p))
		return -1;
	if ((fd = mkostemp(p, O_CLOEXEC)) == -1)
		return -1;
	unlink(p);
	return fd;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const unsigned char *s = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
spill(struct builder *b, int s, struct etk_error *err)
{
	struct run *r;
	size_t w = hs_alglen[s], n;
	int fd;

	n = sort_unique(b->buf[s], b->n[s], w);
	if ((r = realloc(b->runs[s], (b->nruns[s] + 1) * sizeof(*r))) == NULL)
		return etk_fail(err, ETK_ENOMEM, errno, "%s", b->name);
	b->runs[s] = r;
	if ((fd = tmpfile_in(b->tmpdir)) == -1 &&
	    (fd = tmpfile_in("/tmp")) == -1)
		return etk_fail(err, ETK_EIO, errno, "%s: temporary run in "
		    "'%s'", b->name, b->tmpdir);
	if (write_all(fd, b->buf[s], n * w) != 0) {
		close(fd);
		return etk_fail(err, ETK_EIO, errno, "%s: write temporary run",
		    b->name);
	}
	r[b->nruns[s]].fd = fd;
	r[b->nruns[s]++].n = n;
	b->n[s] = 0;
	return ETK_OK;
}

static int
builder_add(void *arg, int s, const unsigned char *bin, struct etk_error *err)
{
	struct builder *b = arg;
	size_t w = hs_alglen[s], used, ncap;
	unsigned char *nb;
	int t, big, rc;

	if (b->n[s] == b->cap[s]) {
		used = 0;
		big = 0;
		for (t = 0; t < HS_NALG; t++) {
			used += b->n[t] * hs_alglen[t];
			if (b->n[t] * hs_alglen[t] > b->n[big] * hs_alglen[big])
				big = t;
		}
		ncap = b->cap[s] == 0 ? 4096 : b->cap[s] * 2;
		if (used + (ncap - b->cap[s]) * w > b->budget && b->n[s] > 0) {
			/* over budget: spill the biggest buffer */
			if ((rc = spill(b, big, err)) != ETK_OK)
				return rc;
		}
		if (b->n[s] == b->cap[s]) {
			if (ncap * w > b->budget && b->cap[s] > 0)
				ncap = b->cap[s];
			if (ncap == b->cap[s]) {
				if ((rc = spill(b, s, err)) != ETK_OK)
					return rc;
			} else {
				if ((nb = realloc(b->buf[s], ncap * w)) == NULL)
					return etk_fail(err, ETK_ENOMEM, errno,
					    "%s", b->name);
				b->buf[s] = nb;
				b->cap[s] = ncap;
			}
		}
	}
	memcpy(b->buf[s] + b->n[s]++ * w, bin, w);
	b->added++;
	return ETK_OK;
}

static void
builder_release(struct builder *b)
{
	size_t i;
	int s;

	for (s = 0; s < HS_NALG; s++) {
		free(b->buf[s]);
		for (i = 0; i < b->nruns[s]; i++)
			close(b->runs[s][i].fd);
		free(b->runs[s]);
	}
}

struct wr {
	int fd;
	unsigned char *buf;
	size_t n;
	uint64_t off;
	int failed;
};

static void
wr_put(struct wr *o, const void *p, size_t n)
{
	if (n == 0)		/* p may be NULL (an empty slot) */
		return;
	if (o->n + n > WBUF) {
		if (!o->failed && write_all(o->fd, o->buf, o->n) != 0)
			o->failed = errno != 0 ? errno : EIO;
		o->n = 0;
	}
	if (n > WBUF) {
		if (!o->failed && write_all(o->fd, p, n) != 0)
			o->failed = errno != 0 ? errno : EIO;
	} else {
		memcpy(o->buf + o->n, p, n);
		o->n += n;
	}
	o->off += n;
}

struct rd {
	int fd;
	unsigned char *buf;
	size_t pos, len;
	uint64_t left, off;
};

/* The current record of r, reading more when needed; NULL when done. */
static const unsigned char *
rd_head(struct rd *r, size_t w)
{
	size_t want;
	ssize_t n;

	if (r->pos < r->len)
		return r->buf + r->pos;
	if (r->left == 0)
		return NULL;
	want = RBUF / w * w;
	if ((uint64_t)want > r->left * w)
		want = (size_t)(r->left * w);
	r->len = 0;
	while (r->len < want) {
		n = pread(r->fd, r->buf + r->len, want - r->len,
		    (off_t)r->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		r->len += (size_t)n;
		r->off += (uint64_t)n;
	}
	r->left -= want / w;
	r->pos = 0;
	return r->buf;
}

/* Write slot s sorted and unique; *count receives how many. */
static int
emit_slot(struct builder *b, int s, struct wr *o, uint64_t *count,
    struct etk_error *err)
{
	size_t w = hs_alglen[s], k, i, nr, best;
	const unsigned char *h, *m;
	unsigned char last[32];
	struct rd *rs;
	int have = 0, rc;

	*count = 0;
	if (b->nruns[s] == 0) {
		k = sort_unique(b->buf[s], b->n[s], w);
		wr_put(o, b->buf[s], k * w);
		*count = k;
		return ETK_OK;
	}
	if (b->n[s] > 0 && (rc = spill(b, s, err)) != ETK_OK)
		return rc;
	nr = b->nruns[s];
	if ((rs = calloc(nr, sizeof(*rs))) == NULL)
		return etk_fail(err, ETK_ENOMEM, errno, "%s", b->name);
	for (i = 0; i < nr; i++) {
		rs[i].fd = b->runs[s][i].fd;
		rs[i].left = b->runs[s][i].n;
		if ((rs[i].buf = malloc(RBUF)) == NULL) {
			rc = etk_fail(err, ETK_ENOMEM, errno, "%s", b->name);
			goto out;
		}
	}
	for (;;) {
		m = NULL;
		best = 0;
		for (i = 0; i < nr; i++)
			if ((h = rd_head(&rs[i], w)) != NULL &&
			    (m == NULL || memcmp(h, m, w) < 0)) {
				m = h;
				best = i;
			}
		if (m == NULL)
			break;
		if (!have || memcmp(m, last, w) != 0) {
			wr_put(o, m, w);
			memcpy(last, m, w);
			have = 1;
			(*count)++;
		}
		rs[best].pos += w;
	}
	rc = ETK_OK;
	for (i = 0; i < nr; i++)
		if (rs[i].left != 0 || rs[i].pos < rs[i].len)
			rc = etk_fail(err, ETK_EIO, errno, "%s: read temporary "
			    "run", b->name);
out:
	for (i = 0; i < nr; i++)
		free(rs[i].buf);
	free(rs);
	return rc;
}

static size_t
budget(void)
{
	const char *e = getenv("ETK_HASHSET_MEM");
	unsigned long long v;
	char *end;

	if (e != NULL && *e != '\0') {
		errno = 0;
		v = strtoull(e, &end, 10);
		if (errno == 0 && *end == '\0' && v >= 4096)
			return v > SIZE_MAX / 4 ? SIZE_MAX / 4 : (size_t)v;
	}
	return DEFAULT_BUDGET;
}

/* Parse the set and write the index to ofd (positioned at 0, empty). */
static int
build(int fd, const char *path, const char *name, const struct stat *st,
    const unsigned char *sha, int ofd, const char *tmpdir,
    struct etk_error *err)
{
	struct builder b;
	struct hs_sink sink;
	struct hidx_hdr h;
	struct wr o;
	int rc, fmt = 0, s;

	memset(&b, 0, sizeof(b));
	memset(&h, 0, sizeof(h));
	memset(&o, 0, sizeof(o));
	b.budget = budget();
	b.tmpdir = tmpdir;
	b.name = name;
	sink.add = builder_add;
	sink.arg = &b;
	if ((rc = hs_parse(fd, path, name, &sink, &fmt, err)) != ETK_OK)
		goto out;
	if (b.added == 0) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "%s: no digests", name);
		goto out;
	}
	o.fd = ofd;
	if ((o.buf = malloc(WBUF)) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, errno, "%s", name);
		goto out;
	}
	wr_put(&o, &h, sizeof(h));
	for (s = 0; s < HS_NALG; s++) {
		h.offset[s] = o.off;
		if ((rc = emit_slot(&b, s, &o, &h.count[s], err)) != ETK_OK)
			goto out;
	}
	if (!o.failed && write_all(o.fd, o.buf, o.n) != 0)
		o.failed = errno != 0 ? errno : EIO;
	memcpy(h.magic, HIDX_MAGIC, 8);
	h.version = HIDX_VERSION;
	h.endian = HIDX_ENDIAN;
	h.hdrsize = sizeof(h);
	h.format = (uint32_t)fmt;
	hdr_stat(&h, st);
	memcpy(h.src_sha256, sha, 32);
	h.file_size = o.off;
	hdr_seal(&h);
	if (!o.failed && pwrite(ofd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		o.failed = errno != 0 ? errno : EIO;
	if (!o.failed && fsync(ofd) != 0 && errno != EINVAL)
		o.failed = errno;
	if (o.failed)
		rc = etk_fail(err, ETK_EIO, o.failed, "%s: write index", name);
out:
	free(o.buf);
	builder_release(&b);
	return rc;
}

/* ---- paths ---- */

static char *
strcat3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p;

	if ((p = malloc(n)) != NULL)
		snprintf(p, n, "%s%s%s", a, b, c);
	return p;
}

static char *
dir_of(const char *path)
{
	const char *s = strrchr(path, '/');

	if (s == NULL)
		return strdup(".");
	if (s == path)
		return strdup("/");
	return strndup(path, (size_t)(s - path));
}

static int
mkdirs(const char *dir)
{
	char *p, *s;
	int rc = 0;

	if ((p = strdup(dir)) == NULL)
		return -1;
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (mkdir(p, 0700) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* The cache directory for keyed indexes, or NULL. */
static char *
cache_dir_for(const char *cache_dir)
{
	const char *x;

	if (cache_dir != NULL)
		return strdup(cache_dir);
	if ((x = getenv("XDG_CACHE_HOME")) != NULL && x[0] == '/')
		return strcat3(x, "/etk", "");
	if ((x = getenv("HOME")) != NULL && x[0] == '/')
		return strcat3(x, "/.cache/etk", "");
	return NULL;
}

static void
hexs(const unsigned char *b, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* "<cdir>/path-<sha256 of the real path>.ref" */
static char *
ref_path(const char *cdir, const char *path)
{
	unsigned char md[32];
	char hx[65], *rp, *r;
	unsigned int mdlen = 0;

	rp = realpath(path, NULL);
	if (EVP_Digest(rp != NULL ? rp : path, strlen(rp != NULL ? rp : path),
	    md, &mdlen, EVP_sha256(), NULL) != 1) {
		free(rp);
		return NULL;
	}
	free(rp);
	hexs(md, 32, hx);
	r = malloc(strlen(cdir) + 80);
	if (r != NULL)
		sprintf(r, "%s/path-%s.ref", cdir, hx);
	return r;
}

static int
fsync_dir(const char *dir)
{
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	(void)fsync(fd);
	close(fd);
	return 0;
}

/* Build into a temp file beside target and rename it there.  -2 when
 * the temp file cannot be created (try elsewhere). */
static int
build_at(int fd, const char *path, const char *name, const struct stat *st,
    const unsigned char *sha, const char *target, struct etk_hashset *hs,
    struct etk_error *err)
{
	char *tmp, *dir;
	int ofd, rc;

	if ((tmp = strcat3(target, ".tmp-XXXXXX", "")) == NULL ||
	    (dir = dir_of(target)) == NULL) {
		free(tmp);
		return etk_fail(err, ETK_ENOMEM, errno, "%s", name);
	}
	if ((ofd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		free(tmp);
		free(dir);
		return -2;
	}
	(void)fchmod(ofd, 0644);
	rc = build(fd, path, name, st, sha, ofd, dir, err);
	if (rc == ETK_OK && rename(tmp, target) != 0)
		rc = etk_fail(err, ETK_EIO, errno, "%s: rename index to '%s'",
		    name, target);
	if (rc != ETK_OK)
		unlink(tmp);
	else {
		(void)fsync_dir(dir);
		if (index_map(ofd, hs, st, NULL, NULL) != 0)
			rc = etk_fail(err, ETK_EIO, 0, "%s: index '%s' does "
			    "not verify", name, target);
	}
	close(ofd);
	free(tmp);
	free(dir);
	return rc;
}

/* Not cacheable anywhere: build into an unlinked temp file. */
static int
build_anon(int fd, const char *path, const char *name, const struct stat *st,
    const unsigned char *sha, struct etk_hashset *hs, struct etk_error *err)
{
	const char *t = getenv("TMPDIR");
	int ofd, rc;

	if (t == NULL || t[0] != '/')
		t = "/tmp";
	if ((ofd = tmpfile_in(t)) == -1)
		return etk_fail(err, ETK_EIO, errno, "%s: no writable place "
		    "for the index (tried beside the set, the cache directory "
		    "and '%s')", name, t);
	rc = build(fd, path, name, st, sha, ofd, t, err);
	if (rc == ETK_OK && index_map(ofd, hs, st, NULL, NULL) != 0)
		rc = etk_fail(err, ETK_EIO, 0, "%s: index does not verify",
		    name);
	close(ofd);
	return rc;
}

int
etk_hashset_open(struct etk_hashset **hsp, const char *path,
    const char *cache_dir, struct etk_error *err)
{
	struct etk_hashset *hs;
	unsigned char sha[32];
	struct stat st;
	char *beside = NULL, *dir = NULL, *cdir = NULL, *ref = NULL;
	char *keyed = NULL, hx[65], *base;
	const char *nm;
	int fd, rc = ETK_OK, writable;

	if (hsp == NULL || path == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "etk_hashset_open: NULL");
	*hsp = NULL;
	nm = (base = strrchr(path, '/')) != NULL && base[1] != '\0' ?
	    base + 1 : path;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "cannot open hash set '%s'", path);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return etk_fail(err, ETK_EINVAL, 0, "%s: not a regular file",
		    path);
	}
	if ((hs = calloc(1, sizeof(*hs))) == NULL ||
	    (hs->name = strdup(nm)) == NULL ||
	    (beside = strcat3(path, ".etkidx", "")) == NULL ||
	    (dir = dir_of(path)) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, errno, "%s", path);
		goto out;
	}
	writable = cache_dir == NULL && access(dir, W_OK) == 0;
	cdir = cache_dir_for(cache_dir);
	/* 1. by stat, without hashing the set */
	if (cache_dir == NULL && try_index(beside, hs, &st, NULL, 0) == 0)
		goto found;
	if (cdir != NULL && (ref = ref_path(cdir, path)) != NULL &&
	    try_index(ref, hs, &st, NULL, 0) == 0)
		goto found;
	/* 2. by the set's SHA-256 */
	if ((rc = sha256_fd(fd, sha, path, err)) != ETK_OK)
		goto out;
	hexs(sha, 32, hx);
	if (cdir != NULL && (keyed = malloc(strlen(cdir) + 80)) != NULL)
		sprintf(keyed, "%s/%s.etkidx", cdir, hx);
	if (cache_dir == NULL && try_index(beside, hs, &st, sha, writable) == 0)
		goto found;
	if (keyed != NULL && try_index(keyed, hs, &st, sha, 1) == 0)
		goto linkref;
	/* 3. build */
	if (writable) {
		rc = build_at(fd, path, path, &st, sha, beside, hs, err);
		if (rc != -2)
			goto built;
	}
	if (keyed != NULL && mkdirs(cdir) == 0) {
		rc = build_at(fd, path, path, &st, sha, keyed, hs, err);
		if (rc == ETK_OK)
			goto linkref;
		if (rc != -2)
			goto built;
	}
	rc = build_anon(fd, path, path, &st, sha, hs, err);
	goto built;
linkref:
	if (ref != NULL) {
		(void)unlink(ref);
		(void)symlink(keyed, ref);
	}
found:
	rc = ETK_OK;
built:
out:
	close(fd);
	free(beside);
	free(dir);
	free(cdir);
	free(ref);
	free(keyed);
	if (rc != ETK_OK) {
		etk_hashset_close(hs);
		return rc;
	}
	*hsp = hs;
	return ETK_OK;
}

void
etk_hashset_close(struct etk_hashset *hs)
{
	if (hs == NULL)
		return;
	if (hs->base != NULL)
		munmap(hs->base, hs->maplen);
	free(hs->name);
	free(hs);
}

const char *
etk_hashset_name(const struct etk_hashset *hs)
{
	return hs->name;
}

const char *
etk_hashset_format(const struct etk_hashset *hs)
{
	return hs_fmtname[hs->format];
}

uint64_t
etk_hashset_count(const struct etk_hashset *hs, unsigned digest)
{
	uint64_t n = 0;
	int s;

	for (s = 0; s < HS_NALG; s++)
		if (digest & hs_algbit[s])
			n += hs->count[s];
	return n;
}

unsigned
etk_hashset_digests(const struct etk_hashset *hs)
{
	return hs->mask;
}

static uint64_t
be64(const unsigned char *p)
{
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
	    (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
	    (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	    (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

/* Interpolation search: digests are uniform, so a few probes land on
 * the key where a binary search takes log2(n) cache misses on a large
 * set.  After 6 probes (a set that is not uniform) it halves instead,
 * so the worst case stays O(log n). */
static int
find(const unsigned char *a, uint64_t n, size_t w, const unsigned char *key)
{
	uint64_t lo = 0, hi = n, mid, k = be64(key), x, y;
	int c, probes = 0;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (probes++ < 6 && hi - lo > 8) {
			x = be64(a + lo * w);
			y = be64(a + (hi - 1) * w);
			if (k < x || k > y)
				return 0;
			if (y > x)
				mid = lo + (uint64_t)((double)(k - x) /
				    (double)(y - x) * (double)(hi - 1 - lo));
			if (mid >= hi)
				mid = hi - 1;
		}
		c = memcmp(a + mid * w, key, w);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int
etk_hashset_match(const struct etk_hashset *hs, const struct etk_digests *d)
{
	const char *hex[HS_NALG];
	unsigned char key[32];
	size_t w;
	int s;

	if (hs == NULL || d == NULL)
		return 0;
	hex[HS_MD5] = d->md5;
	hex[HS_SHA1] = d->sha1;
	hex[HS_SHA256] = d->sha256;
	for (s = 0; s < HS_NALG; s++) {
		w = hs_alglen[s];
		if (!(d->mask & hs_algbit[s]) || hs->count[s] == 0 ||
		    strnlen(hex[s], 2 * w + 1) != 2 * w ||
		    hs_unhex(hex[s], 2 * w, key) != 0)
			continue;
		if (find(hs->arr[s], hs->count[s], w, key))
			return 1;
	}
	return 0;
}
