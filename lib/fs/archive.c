/*
 * TAR (plain, gzip, and what else libarchive decompresses), ZIP and the
 * tar inside Android backups, read through libarchive over an etk_source
 * so that archives nested inside other evidence read the same way.
 *
 * Opening streams the archive once and keeps an index in memory: per
 * member its name as stored and normalised, type, size, mode, times,
 * owner, link target and where its data is.  Nothing else grows with
 * the archive; the index is capped (ETK_MAX_MEMBERS members,
 * ETK_CONT_INDEX_MAX bytes).  A truncated or corrupt archive keeps the
 * members read before the fault; the walk reports the fault in the
 * summary.  Member data is never expanded while indexing (a ZIP bomb
 * lists its sizes, nothing more).
 *
 * Member names.  Locators use "/" + the normalised name: empty and "."
 * components dropped, ".." kept literally as a component, so "/abs/x"
 * is "/abs/x" and "../../x" is "/../../x" inside the archive's own name
 * space.  Nothing is ever resolved against anything outside the
 * archive, and nothing is written anywhere.  Directories the archive
 * lacks are synthesised (no inode).  Every member has inode = its
 * 1-based position in the archive; when several members share a name,
 * the first (directories first) owns the path locator and the others
 * are named "i<N>".  Both forms are accepted everywhere.
 *
 * Content.  Uncompressed TAR members are read straight from the source
 * (or from the decompressed .tar.gz / .ab stream, see ab.c) at their
 * data offset; ZIP members stored or deflated are read through the
 * central directory's offsets (deflate with ab.c's reader); anything
 * else (sparse members, bzip2/xz tars, other ZIP methods, ZIPs without
 * a central directory) re-opens the archive with libarchive and decodes
 * up to the member, keeping its position for sequential reads.
 */
#include <archive.h>
#include <archive_entry.h>

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <etk/evidence.h>
#include <etk/locator.h>

#include "fs/cont_int.h"

#define LA_BUF		(64 * 1024)
#define MS_SCRATCH	(64 * 1024)
#define ZIP_CD_BUF	(256 * 1024)
#define HLINK_HOPS	8
#define DRAIN_MAX	((uint64_t)64 << 20)

/* ---- arena ---- */

struct etk_cont_chunk {
	struct etk_cont_chunk *next;
	size_t used, cap;
	char data[];
};

#define ARENA_CHUNK	(64 * 1024)

char *
etk_cont_arena_strndup(struct etk_cont_arena *ar, const char *s, size_t n)
{
	struct etk_cont_chunk *c = ar->head;
	size_t cap;
	char *p;

	if (n >= SIZE_MAX / 2)
		return NULL;
	if (c == NULL || c->cap - c->used < n + 1) {
		cap = n + 1 > ARENA_CHUNK ? n + 1 : ARENA_CHUNK;
		if ((c = malloc(sizeof(*c) + cap)) == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = ar->head;
		ar->head = c;
		ar->used += sizeof(*c) + cap;
	}
	p = c->data + c->used;
	memcpy(p, s, n);
	p[n] = '\0';
	c->used += n + 1;
	return p;
}

void
etk_cont_arena_release(struct etk_cont_arena *ar)
{
	struct etk_cont_chunk *c, *next;

	for (c = ar->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	ar->head = NULL;
	ar->used = 0;
}

/* ---- names ---- */

size_t
etk_cont_normpath(struct etk_buf *out, const char *in)
{
	const char *p = in, *s;
	size_t n, comps = 0;

	etk_buf_reset(out);
	while (*p != '\0') {
		while (*p == '/')
			p++;
		s = p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (out->len > 0)
			etk_buf_addc(out, '/');
		etk_buf_add(out, s, n);
		comps++;
	}
	return comps;
}

/* ---- the member tree ---- */

/* Byte order with '/' lowest: a sort gives pre-order, siblings strcmp. */
static int
pcmp(const char *a, size_t na, const char *b, size_t nb)
{
	size_t i, n = na < nb ? na : nb;
	unsigned ca, cb;

	for (i = 0; i < n; i++) {
		ca = (unsigned char)a[i];
		cb = (unsigned char)b[i];
		if (ca == cb)
			continue;
		if (ca == '/')
			return -1;
		if (cb == '/')
			return 1;
		return ca < cb ? -1 : 1;
	}
	return na < nb ? -1 : na > nb ? 1 : 0;
}

static int
node_cmp(const void *pa, const void *pb)
{
	const struct etk_cont_node *a = pa, *b = pb;
	int c;

	if ((c = pcmp(a->path, a->plen, b->path, b->plen)) != 0)
		return c;
	if (a->isdir != b->isdir)
		return a->isdir ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id ? 1 : 0;
}

static int
same_path(const struct etk_cont_node *a, const struct etk_cont_node *b)
{
	return a->plen == b->plen && memcmp(a->path, b->path, a->plen) == 0;
}

/* a is b or one of b's ancestors. */
static int
covers(const char *ap, size_t an, const char *bp, size_t bn)
{
	if (an > bn || memcmp(ap, bp, an) != 0)
		return 0;
	return an == bn || (an > 0 && bp[an] == '/');
}

int
etk_cont_tree_add(struct etk_cont_tree *t, const char *path, size_t plen,
    uint32_t id, int isdir)
{
	struct etk_cont_node *v;
	size_t cap;

	if (plen > UINT32_MAX)
		return ETK_EINVAL;
	if (t->n == t->cap) {
		cap = t->cap ? t->cap * 2 : 256;
		if (cap > SIZE_MAX / sizeof(*v) ||
		    (v = realloc(t->v, cap * sizeof(*v))) == NULL)
			return ETK_ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	v = &t->v[t->n++];
	memset(v, 0, sizeof(*v));
	v->path = path;
	v->plen = (uint32_t)plen;
	v->id = id;
	v->isdir = isdir != 0;
	return ETK_OK;
}

struct pstack {
	const char **p;
	size_t *n;
	size_t len, cap;
};

static int
pstack_push(struct pstack *s, const char *p, size_t n)
{
	const char **np;
	size_t *nn, cap;

	if (s->len == s->cap) {
		cap = s->cap ? s->cap * 2 : 64;
		if ((np = realloc(s->p, cap * sizeof(*np))) == NULL)
			return ETK_ENOMEM;
		s->p = np;
		if ((nn = realloc(s->n, cap * sizeof(*nn))) == NULL)
			return ETK_ENOMEM;
		s->n = nn;
		s->cap = cap;
	}
	s->p[s->len] = p;
	s->n[s->len] = n;
	s->len++;
	return ETK_OK;
}

int
etk_cont_tree_build(struct etk_cont_tree *t, size_t maxnodes,
    struct etk_error *err)
{
	struct pstack st = { 0 };
	size_t i, j, nexp, *idx = NULL, top;
	const char *p;
	size_t plen, from;
	int rc = ETK_OK;

	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), node_cmp);
	/* Synthesise the directories that are missing. */
	nexp = t->n;
	for (i = 0; i < nexp && rc == ETK_OK; i++) {
		p = t->v[i].path;
		plen = t->v[i].plen;
		while (st.len > 0 && !covers(st.p[st.len - 1],
		    st.n[st.len - 1], p, plen))
			st.len--;
		from = st.len > 0 ? st.n[st.len - 1] + 1 : 0;
		for (j = from; j < plen && rc == ETK_OK; j++) {
			if (p[j] != '/' || j == 0)
				continue;
			if (t->n >= maxnodes) {
				rc = etk_fail(err, ETK_ETIMEOUT, 0, "more than "
				    "%zu entries with synthesised directories",
				    maxnodes);
				break;
			}
			if ((rc = etk_cont_tree_add(t, p, j, 0, 1)) != ETK_OK ||
			    (rc = pstack_push(&st, p, j)) != ETK_OK)
				rc = etk_fail(err, ETK_ENOMEM, ENOMEM,
				    "out of memory");
			else
				t->synth++;
		}
		if (rc == ETK_OK && t->v[i].isdir &&
		    pstack_push(&st, p, plen) != ETK_OK)
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	}
	free(st.p);
	free(st.n);
	if (rc != ETK_OK)
		return rc;
	if (t->n > nexp)
		qsort(t->v, t->n, sizeof(*t->v), node_cmp);
	/* Primary nodes and subtree ends. */
	if (t->n > 0 && (idx = malloc(t->n * sizeof(*idx))) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	top = 0;
	for (i = 0; i < t->n; i++) {
		t->v[i].primary = i == 0 || !same_path(&t->v[i - 1], &t->v[i]);
		while (top > 0 && !covers(t->v[idx[top - 1]].path,
		    t->v[idx[top - 1]].plen, t->v[i].path, t->v[i].plen))
			t->v[idx[--top]].end = (uint32_t)i;
		idx[top++] = i;
	}
	while (top > 0)
		t->v[idx[--top]].end = (uint32_t)t->n;
	free(idx);
	return ETK_OK;
}

void
etk_cont_tree_release(struct etk_cont_tree *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

size_t
etk_cont_tree_find(const struct etk_cont_tree *t, const char *path,
    size_t plen)
{
	size_t lo = 0, hi = t->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (pcmp(t->v[mid].path, t->v[mid].plen, path, plen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->n && t->v[lo].plen == plen &&
	    memcmp(t->v[lo].path, path, plen) == 0)
		return lo;
	return SIZE_MAX;
}

int
etk_cont_tree_visit(const struct etk_cont_tree *t, size_t dir, int recurse,
    int (*fn)(void *, size_t), void *arg)
{
	size_t lo, hi, i;
	int r;

	if (dir == SIZE_MAX) {
		lo = 0;
		hi = t->n;
	} else {
		if (dir >= t->n)
			return 0;
		for (lo = dir; lo < t->n && same_path(&t->v[lo], &t->v[dir]);
		    lo++)
			;
		hi = t->v[dir].end;
	}
	if (recurse) {
		for (i = lo; i < hi; i++)
			if ((r = fn(arg, i)) != 0)
				return r;
		return 0;
	}
	for (i = lo; i < hi;) {
		if ((r = fn(arg, i)) != 0)
			return r;
		if (i + 1 < hi && same_path(&t->v[i], &t->v[i + 1]))
			i++;
		else
			i = t->v[i].end;
	}
	return 0;
}

/* ---- the archive backend ---- */

enum acc {
	ACC_NONE = 0,		/* no content (directory, link, ...) */
	ACC_RANGE,		/* contiguous in the stream at data_off */
	ACC_INFLATE,		/* ZIP method 8 at data_off, csize bytes */
	ACC_LIBARCHIVE		/* decode with libarchive */
};

#define MF_ENCRYPTED	0x01
#define MF_SPARSE	0x02
#define MF_HARDLINK	0x04	/* tar hard link without data */
#define MF_ZIPCD	0x08	/* central directory record matched */

struct amember {
	const char *path;	/* normalised (arena) */
	const char *raw;	/* as stored when different, else NULL */
	const char *link;	/* symlink target or hard link name */
	uint64_t size;
	uint64_t hpos;		/* header offset in the stream */
	uint64_t data_off;	/* data offset in the stream */
	uint64_t lho, csize;	/* ZIP: local header, compressed size */
	int64_t uid, gid;
	int64_t mtime, atime, ctime, crtime;
	int32_t mtime_ns, atime_ns, ctime_ns, crtime_ns;
	uint32_t mode;
	uint32_t target;	/* hard link: member id, 0 unresolved */
	uint16_t zmethod;
	uint8_t times;
	uint8_t flags;
	uint8_t acc;
	char type;		/* fls letter */
};

struct abk {
	struct etk_evidence *ev;
	int kind;
	const char *layer;		/* "tar", "zip", "android-backup" */
	struct etk_source *src;		/* the evidence's, borrowed */
	uint64_t base_off, base_len;	/* raw window the reader sees */
	struct etk_zs *zs;		/* or the decompressed stream */
	int la_filtered;		/* libarchive decompresses */
	int zip_streaming;		/* ZIP without central directory */
	uint64_t end_pos;		/* where the headers end */
	struct amember *m;
	size_t nm, capm;
	struct etk_cont_arena arena;
	struct etk_cont_tree tree;
	size_t budget;
	char *fault;			/* why indexing stopped early */
	struct etk_volume vol;
	char desc[80];
};

/* Reading the stream for libarchive. */
struct lacb {
	struct abk *bk;
	struct etk_zs *zs;		/* cursor, or NULL: raw window */
	uint64_t pos;
	unsigned char *buf;
	int have_err;
	struct etk_error err;
};

static int
nomem(struct etk_error *err)
{
	return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
}

static int
stream_read(struct abk *bk, struct etk_zs *zs, uint64_t off, void *buf,
    size_t len, size_t *nread, struct etk_error *err)
{
	*nread = 0;
	if (zs != NULL)
		return etk_zs_read(zs, off, buf, len, nread, err);
	if (off >= bk->base_len)
		return ETK_OK;
	if (len > bk->base_len - off)
		len = (size_t)(bk->base_len - off);
	return etk_source_read(bk->src, bk->base_off + off, buf, len, nread,
	    err);
}

static la_ssize_t
la_read(struct archive *a, void *ud, const void **out)
{
	struct lacb *cb = ud;
	size_t n = 0;
	int rc;

	*out = cb->buf;
	if (cb->have_err) {
		archive_set_error(a, EIO, "%s", cb->err.msg);
		return -1;
	}
	rc = stream_read(cb->bk, cb->zs, cb->pos, cb->buf, LA_BUF, &n,
	    &cb->err);
	cb->pos += n;
	if (rc != ETK_OK) {
		cb->have_err = 1;
		if (n > 0)
			return (la_ssize_t)n;
		archive_set_error(a, EIO, "%s", cb->err.msg);
		return -1;
	}
	return (la_ssize_t)n;
}

static la_int64_t
la_skip(struct archive *a, void *ud, la_int64_t req)
{
	struct lacb *cb = ud;
	uint64_t left, n;

	(void)a;
	if (req <= 0)
		return 0;
	n = (uint64_t)req;
	if (cb->zs == NULL) {
		left = cb->pos < cb->bk->base_len ? cb->bk->base_len - cb->pos :
		    0;
		if (n > left)
			n = left;
	} else if (etk_zs_size(cb->zs) != UINT64_MAX) {
		left = cb->pos < etk_zs_size(cb->zs) ?
		    etk_zs_size(cb->zs) - cb->pos : 0;
		if (n > left)
			n = left;
	}
	cb->pos += n;
	return (la_int64_t)n;
}

static la_int64_t
la_seek(struct archive *a, void *ud, la_int64_t off, int whence)
{
	struct lacb *cb = ud;
	int64_t base;

	(void)a;
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)cb->pos;
		break;
	case SEEK_END:
		base = (int64_t)cb->bk->base_len;
		break;
	default:
		return ARCHIVE_FATAL;
	}
	if ((off < 0 && base + off < 0) || (off > 0 && base > INT64_MAX - off))
		return ARCHIVE_FATAL;
	cb->pos = (uint64_t)(base + off);
	return (la_int64_t)cb->pos;
}

static void
lacb_init(struct lacb *cb, struct abk *bk, struct etk_zs *zs,
    unsigned char *buf)
{
	memset(cb, 0, sizeof(*cb));
	cb->bk = bk;
	cb->zs = zs;
	cb->buf = buf;
}

/*
 * Names.  libarchive converts member names to the thread's locale: in
 * the "C" locale a UTF-8 ZIP name cannot be converted and is lost.  So
 * every libarchive call runs with a UTF-8 LC_CTYPE for this thread only
 * (uselocale; the process locale is not touched).  Names stored without
 * a charset (old tar) pass through as raw bytes either way.
 */
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;
static locale_t utf8_loc;

static void
utf8_init(void)
{
	utf8_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (utf8_loc == (locale_t)0)
		utf8_loc = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
}

/* Switch this thread to UTF-8 names; returns what to restore. */
static locale_t
la_enter(void)
{
	pthread_once(&utf8_once, utf8_init);
	if (utf8_loc == (locale_t)0)
		return (locale_t)0;
	return uselocale(utf8_loc);
}

static void
la_leave(locale_t prev)
{
	if (prev != (locale_t)0)
		uselocale(prev);
}

/* A libarchive reader over cb for bk's kind.  ETK_EFORMAT with
 * libarchive's words when it does not recognise the data. */
static int
la_open(struct abk *bk, struct lacb *cb, int zip_streaming,
    struct archive **ap, struct etk_error *err)
{
	struct archive *a;

	*ap = NULL;
	if ((a = archive_read_new()) == NULL)
		return nomem(err);
	if (bk->kind == ETK_EV_ZIP) {
		if (zip_streaming)
			archive_read_support_format_zip_streamable(a);
		else
			archive_read_support_format_zip_seekable(a);
	} else {
		archive_read_support_format_tar(a);
		archive_read_support_format_gnutar(a);
		if (cb->zs == NULL && bk->kind == ETK_EV_TAR) {
			/* Only filters built into libarchive: none that
			 * would run an external program. */
			archive_read_support_filter_gzip(a);
			if (archive_bzlib_version() != NULL)
				archive_read_support_filter_bzip2(a);
			if (archive_liblzma_version() != NULL) {
				archive_read_support_filter_xz(a);
				archive_read_support_filter_lzma(a);
			}
			if (archive_libzstd_version() != NULL)
				archive_read_support_filter_zstd(a);
			if (archive_liblz4_version() != NULL)
				archive_read_support_filter_lz4(a);
			archive_read_support_filter_compress(a);
		}
	}
	archive_read_set_read_callback(a, la_read);
	archive_read_set_skip_callback(a, la_skip);
	if (bk->kind == ETK_EV_ZIP && cb->zs == NULL)
		archive_read_set_seek_callback(a, la_seek);
	archive_read_set_callback_data(a, cb);
	if (archive_read_open1(a) != ARCHIVE_OK) {
		if (cb->have_err)
			etk_fail(err, cb->err.code, cb->err.sys_errno, "%s",
			    cb->err.msg);
		else
			etk_fail(err, ETK_EFORMAT, 0, "not a %s archive (%s)",
			    bk->kind == ETK_EV_ZIP ? "zip" : "tar",
			    archive_error_string(a) != NULL ?
			    archive_error_string(a) : "unrecognised");
		archive_read_free(a);
		return err->code;
	}
	*ap = a;
	return ETK_OK;
}

/* The words for a libarchive failure: ours when the stream failed. */
static const char *
la_why(struct archive *a, struct lacb *cb)
{
	if (cb->have_err)
		return cb->err.msg;
	if (archive_error_string(a) != NULL)
		return archive_error_string(a);
	return "unknown error";
}

/* ---- ZIP central directory ---- */

struct zcd {
	uint64_t lho, csize;
	uint32_t dostime;
	uint16_t method, flags;
	uint8_t exttime;	/* has a UT or NTFS time extra field */
};

struct brd {
	struct etk_source *src;
	uint64_t size, off;
	unsigned char *buf;
	size_t len;
};

static const unsigned char *
brd_get(struct brd *b, uint64_t off, size_t n)
{
	size_t want, got = 0;
	struct etk_error e = { 0 };

	if (off >= b->off && n <= b->len && off - b->off <= b->len - n)
		return b->buf + (off - b->off);
	if (n > ZIP_CD_BUF || off > b->size || n > b->size - off)
		return NULL;
	want = b->size - off > ZIP_CD_BUF ? ZIP_CD_BUF :
	    (size_t)(b->size - off);
	if (etk_source_read(b->src, off, b->buf, want, &got, &e) != ETK_OK ||
	    got < n) {
		b->len = 0;
		return NULL;
	}
	b->off = off;
	b->len = got;
	return b->buf;
}

static uint16_t
le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int
zcd_cmp(const void *pa, const void *pb)
{
	const struct zcd *a = pa, *b = pb;

	return a->lho < b->lho ? -1 : a->lho > b->lho;
}

/* Best effort: on any inconsistency, no records (members then go
 * through libarchive). */
static void
zip_read_cd(struct abk *bk, struct zcd **out, size_t *nout)
{
	struct brd b;
	const unsigned char *p, *x;
	struct zcd *v = NULL, *nv;
	uint64_t size = bk->base_len, tail, eocd, cdoff, cdsize, count, pos;
	uint64_t z64, adj, i, cap = 0, n = 0;
	uint32_t usize32, csize32, lho32;
	size_t k, nlen, xlen, clen, xi, xo;
	int found = 0;

	*out = NULL;
	*nout = 0;
	memset(&b, 0, sizeof(b));
	b.src = bk->src;
	b.size = size;
	if (bk->base_off != 0 || size < 22 ||
	    (b.buf = malloc(ZIP_CD_BUF)) == NULL)
		return;
	tail = size > 22 + 65535 + 20 ? 22 + 65535 + 20 : size;
	if ((p = brd_get(&b, size - tail, (size_t)tail)) == NULL)
		goto out;
	for (k = (size_t)tail - 22 + 1; k-- > 0;) {
		if (memcmp(p + k, "PK\5\6", 4) == 0) {
			found = 1;
			break;
		}
	}
	if (!found)
		goto out;
	eocd = size - tail + k;
	count = le16(p + k + 10);
	cdsize = le32(p + k + 12);
	cdoff = le32(p + k + 16);
	adj = 0;
	if (k >= 20 && memcmp(p + k - 20, "PK\6\7", 4) == 0) {
		z64 = le64(p + k - 20 + 8);
		if ((x = brd_get(&b, z64, 56)) == NULL ||
		    memcmp(x, "PK\6\6", 4) != 0)
			goto out;
		count = le64(x + 32);
		cdsize = le64(x + 40);
		cdoff = le64(x + 48);
		if (z64 > cdoff && z64 - cdoff >= cdsize)
			adj = z64 - cdoff - cdsize;
	} else if (eocd > cdoff && eocd - cdoff >= cdsize)
		adj = eocd - cdoff - cdsize;	/* bytes before the ZIP */
	if (cdoff > size || adj > size - cdoff)
		goto out;
	if ((x = brd_get(&b, cdoff + adj, 4)) == NULL ||
	    memcmp(x, "PK\1\2", 4) != 0) {
		adj = 0;
		if ((x = brd_get(&b, cdoff, 4)) == NULL ||
		    memcmp(x, "PK\1\2", 4) != 0)
			goto out;
	}
	pos = cdoff + adj;
	for (i = 0; i < count && i < ETK_MAX_MEMBERS; i++) {
		if ((p = brd_get(&b, pos, 46)) == NULL ||
		    memcmp(p, "PK\1\2", 4) != 0)
			break;
		nlen = le16(p + 28);
		xlen = le16(p + 30);
		clen = le16(p + 32);
		if ((p = brd_get(&b, pos, 46 + nlen + xlen + clen)) == NULL)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if (cap * sizeof(*v) > ETK_CONT_INDEX_MAX / 4 ||
			    (nv = realloc(v, cap * sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].flags = le16(p + 8);
		v[n].method = le16(p + 10);
		v[n].dostime = le32(p + 12);
		csize32 = le32(p + 20);
		usize32 = le32(p + 24);
		lho32 = le32(p + 42);
		v[n].csize = csize32;
		v[n].lho = lho32;
		/* Extra fields: ZIP64 sizes, time stamps. */
		x = p + 46 + nlen;
		for (xo = 0; xo + 4 <= xlen;) {
			unsigned id = le16(x + xo), sz = le16(x + xo + 2);
			const unsigned char *d = x + xo + 4;

			if (xo + 4 + sz > xlen)
				break;
			if (id == 0x5455 || id == 0x000a)
				v[n].exttime = 1;
			if (id == 0x0001) {
				xi = 0;
				if (usize32 == 0xffffffff && xi + 8 <= sz)
					xi += 8;
				if (csize32 == 0xffffffff && xi + 8 <= sz) {
					v[n].csize = le64(d + xi);
					xi += 8;
				}
				if (lho32 == 0xffffffff && xi + 8 <= sz)
					v[n].lho = le64(d + xi);
			}
			xo += 4 + sz;
		}
		if (v[n].lho > UINT64_MAX - adj)
			break;
		v[n].lho += adj;
		n++;
		pos += 46 + nlen + xlen + clen;
	}
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), zcd_cmp);
	*out = v;
	*nout = (size_t)n;
	v = NULL;
out:
	free(v);
	free(b.buf);
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* A DOS date/time read as UTC (the zone is not recorded; reading it as
 * UTC keeps listings independent of TZ). */
static int
dos_time(uint32_t dt, int64_t *t)
{
	unsigned sec = (dt & 0x1f) * 2, min = (dt >> 5) & 0x3f,
	    hour = (dt >> 11) & 0x1f, day = (dt >> 16) & 0x1f,
	    mon = (dt >> 21) & 0x0f, year = 1980 + ((dt >> 25) & 0x7f);

	if (mon < 1 || mon > 12 || day < 1 || hour > 23 || min > 59 ||
	    sec > 59)
		return 0;
	*t = days_from_civil(year, mon, day) * 86400 + hour * 3600 +
	    min * 60 + sec;
	return 1;
}

/* ---- indexing ---- */

static char
type_letter(mode_t ft)
{
	switch (ft) {
	case AE_IFREG:
		return 'r';
	case AE_IFDIR:
		return 'd';
	case AE_IFLNK:
		return 'l';
	case AE_IFCHR:
		return 'c';
	case AE_IFBLK:
		return 'b';
	case AE_IFIFO:
		return 'p';
	case AE_IFSOCK:
		return 's';
	default:
		return '-';
	}
}

static size_t
count_slashes(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '/';
	return n;
}

/* Copy e into a new member.  ETK_ETIMEOUT when a limit is hit. */
static int
add_member(struct abk *bk, struct archive *a, struct archive_entry *e,
    struct etk_buf *nb, struct etk_error *err)
{
	struct amember *m, *nm;
	const char *name, *link;
	size_t cap, need;
	int64_t v;

	if (bk->nm >= ETK_MAX_MEMBERS)
		return etk_fail(err, ETK_ETIMEOUT, 0, "more than %d members",
		    ETK_MAX_MEMBERS);
	if ((name = archive_entry_pathname_utf8(e)) == NULL &&
	    (name = archive_entry_pathname(e)) == NULL)
		name = "";
	etk_cont_normpath(nb, name);
	if (nb->oom)
		return nomem(err);
	link = NULL;
	if (archive_entry_hardlink(e) != NULL) {
		if ((link = archive_entry_hardlink_utf8(e)) == NULL)
			link = archive_entry_hardlink(e);
	} else if (archive_entry_symlink(e) != NULL) {
		if ((link = archive_entry_symlink_utf8(e)) == NULL)
			link = archive_entry_symlink(e);
	}
	need = sizeof(*m) + nb->len + 1 + (strcmp(name, nb->data) != 0 ?
	    strlen(name) + 1 : 0) + (link != NULL ? strlen(link) + 1 : 0) +
	    (count_slashes(nb->data) + 2) * sizeof(struct etk_cont_node);
	if (need > ETK_CONT_INDEX_MAX - bk->budget)
		return etk_fail(err, ETK_ETIMEOUT, 0, "index larger than %zu "
		    "MiB", (size_t)(ETK_CONT_INDEX_MAX >> 20));
	bk->budget += need;
	if (bk->nm == bk->capm) {
		cap = bk->capm ? bk->capm * 2 : 256;
		if ((nm = realloc(bk->m, cap * sizeof(*nm))) == NULL)
			return nomem(err);
		bk->m = nm;
		bk->capm = cap;
	}
	m = &bk->m[bk->nm];
	memset(m, 0, sizeof(*m));
	if ((m->path = etk_cont_arena_strndup(&bk->arena, nb->data,
	    nb->len)) == NULL)
		return nomem(err);
	if (strcmp(name, nb->data) != 0 && (m->raw =
	    etk_cont_arena_strndup(&bk->arena, name, strlen(name))) == NULL)
		return nomem(err);
	if (link != NULL && (m->link = etk_cont_arena_strndup(&bk->arena,
	    link, strlen(link))) == NULL)
		return nomem(err);
	m->type = type_letter(archive_entry_filetype(e));
	if (archive_entry_hardlink(e) != NULL) {
		m->type = 'r';
		if (!archive_entry_size_is_set(e) ||
		    archive_entry_size(e) == 0)
			m->flags |= MF_HARDLINK;
	}
	v = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
	m->size = v > 0 ? (uint64_t)v : 0;
	m->mode = (uint32_t)archive_entry_perm(e);
	m->uid = archive_entry_uid(e);
	m->gid = archive_entry_gid(e);
	if (bk->kind == ETK_EV_ZIP && m->uid == 0 && m->gid == 0)
		m->uid = m->gid = -1;	/* not recorded */
	if (archive_entry_mtime_is_set(e)) {
		m->times |= ETK_TIME_M;
		m->mtime = archive_entry_mtime(e);
		m->mtime_ns = (int32_t)archive_entry_mtime_nsec(e);
	}
	if (archive_entry_atime_is_set(e)) {
		m->times |= ETK_TIME_A;
		m->atime = archive_entry_atime(e);
		m->atime_ns = (int32_t)archive_entry_atime_nsec(e);
	}
	if (archive_entry_ctime_is_set(e)) {
		m->times |= ETK_TIME_C;
		m->ctime = archive_entry_ctime(e);
		m->ctime_ns = (int32_t)archive_entry_ctime_nsec(e);
	}
	if (archive_entry_birthtime_is_set(e)) {
		m->times |= ETK_TIME_CR;
		m->crtime = archive_entry_birthtime(e);
		m->crtime_ns = (int32_t)archive_entry_birthtime_nsec(e);
	}
	if (archive_entry_is_encrypted(e))
		m->flags |= MF_ENCRYPTED;
	if (archive_entry_sparse_count(e) > 0)
		m->flags |= MF_SPARSE;
	m->hpos = (uint64_t)archive_read_header_position(a);
	m->data_off = (uint64_t)archive_filter_bytes(a, 0);
	bk->nm++;
	return ETK_OK;
}

static void
set_fault(struct abk *bk, const char *fmt, ...) ETK_PRINTFLIKE(2, 3);

static void
set_fault(struct abk *bk, const char *fmt, ...)
{
	struct etk_buf b;
	va_list ap;

	etk_buf_init(&b);
	if (bk->fault != NULL) {
		etk_buf_adds(&b, bk->fault);
		etk_buf_adds(&b, "; ");
	}
	va_start(ap, fmt);
	etk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (!b.oom) {
		free(bk->fault);
		bk->fault = etk_buf_detach(&b);
	}
	etk_buf_release(&b);
}

/* The tar ends before the compressed stream does: decompress the rest
 * (bounded) so that its check value (gzip CRC-32, zlib Adler-32) is
 * verified; a mismatch means some member's data is corrupt. */
static void
drain(struct abk *bk, unsigned char *buf)
{
	struct etk_error e = { 0 };
	uint64_t off = bk->end_pos, stop = bk->end_pos + DRAIN_MAX;
	size_t n;

	while (off < stop) {
		if (etk_zs_read(bk->zs, off, buf, LA_BUF, &n, &e) != ETK_OK) {
			set_fault(bk, "%s: %s", bk->layer, e.msg);
			return;
		}
		if (n == 0)
			return;
		off += n;
	}
}

/* Read every header once.  Faults after the first member are kept in
 * bk->fault; a reader that recognises nothing fails. */
static int
index_members(struct abk *bk, struct etk_error *err)
{
	struct etk_error lim = { 0 };
	struct archive *a = NULL;
	struct archive_entry *e;
	struct etk_buf nb;
	struct lacb cb;
	unsigned char *buf;
	int r, rc;

	if ((buf = malloc(LA_BUF)) == NULL)
		return nomem(err);
	lacb_init(&cb, bk, bk->zs, buf);
	rc = la_open(bk, &cb, 0, &a, err);
	if (rc == ETK_EFORMAT && bk->kind == ETK_EV_ZIP && !cb.have_err) {
		/* No usable central directory: list the local headers. */
		lacb_init(&cb, bk, NULL, buf);
		if ((rc = la_open(bk, &cb, 1, &a, err)) == ETK_OK) {
			bk->zip_streaming = 1;
			set_fault(bk, "zip: central directory missing or "
			    "unreadable (truncated?); members listed from "
			    "their local headers");
		}
	}
	if (rc != ETK_OK) {
		free(buf);
		return etk_wrap(err, "%s: %s", etk_ev_name(bk->ev), bk->layer);
	}
	bk->la_filtered = archive_filter_count(a) > 1;
	etk_buf_init(&nb);
	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			set_fault(bk, "%s: stopped after %zu members at "
			    "offset %lld: %s", bk->layer, bk->nm,
			    (long long)archive_filter_bytes(a, 0),
			    la_why(a, &cb));
			break;
		}
		if ((rc = add_member(bk, a, e, &nb, &lim)) != ETK_OK) {
			if (rc == ETK_ENOMEM) {
				etk_buf_release(&nb);
				archive_read_free(a);
				free(buf);
				return etk_fail(err, ETK_ENOMEM, ENOMEM,
				    "%s: %s: out of memory",
				    etk_ev_name(bk->ev), bk->layer);
			}
			set_fault(bk, "%s: listing stopped after %zu members: "
			    "%s", bk->layer, bk->nm, lim.msg);
			break;
		}
	}
	bk->end_pos = (uint64_t)archive_filter_bytes(a, 0);
	if (bk->zs != NULL && bk->fault == NULL)
		drain(bk, buf);
	etk_buf_release(&nb);
	archive_read_free(a);
	free(buf);
	if (bk->nm == 0 && bk->fault != NULL)
		return etk_fail(err, ETK_EFORMAT, 0, "%s: %s", etk_ev_name(
		    bk->ev), bk->fault);
	return ETK_OK;
}

/* Decide how each member's content is read. */
static void
plan_access(struct abk *bk)
{
	struct zcd *cd = NULL;
	size_t ncd = 0, i, lo, hi, mid;
	struct amember *m;
	uint64_t next;
	int64_t t;

	if (bk->kind == ETK_EV_ZIP && !bk->zip_streaming)
		zip_read_cd(bk, &cd, &ncd);
	for (i = 0; i < bk->nm; i++) {
		m = &bk->m[i];
		if (bk->kind == ETK_EV_ZIP && ncd > 0 &&
		    cd[0].lho < m->data_off) {
			/* The record whose local header precedes the data. */
			lo = 0;
			hi = ncd;
			while (hi - lo > 1) {
				mid = lo + (hi - lo) / 2;
				if (cd[mid].lho < m->data_off)
					lo = mid;
				else
					hi = mid;
			}
			m->flags |= MF_ZIPCD;
			m->lho = cd[lo].lho;
			m->csize = cd[lo].csize;
			m->zmethod = cd[lo].method;
			if (cd[lo].flags & 1)
				m->flags |= MF_ENCRYPTED;
			if (!cd[lo].exttime && dos_time(cd[lo].dostime, &t)) {
				/* Only a DOS time: libarchive read it in
				 * the local zone and copied it to atime and
				 * ctime.  Keep one, zone-free. */
				m->mtime = t;
				m->mtime_ns = 0;
				m->times = ETK_TIME_M;
			}
		}
		if (m->type != 'r' || (m->flags & (MF_ENCRYPTED |
		    MF_HARDLINK))) {
			m->acc = ACC_NONE;
			continue;
		}
		if (bk->kind == ETK_EV_ZIP) {
			if (bk->zip_streaming || !(m->flags & MF_ZIPCD))
				m->acc = ACC_LIBARCHIVE;
			else if (m->zmethod == 0 && m->csize == m->size)
				m->acc = ACC_RANGE;
			else if (m->zmethod == 8)
				m->acc = ACC_INFLATE;
			else
				m->acc = ACC_LIBARCHIVE;
			continue;
		}
		if (bk->la_filtered || (m->flags & MF_SPARSE)) {
			m->acc = ACC_LIBARCHIVE;
			continue;
		}
		next = i + 1 < bk->nm ? bk->m[i + 1].hpos : bk->end_pos;
		if (m->data_off <= next && m->size <= next - m->data_off)
			m->acc = ACC_RANGE;
		else if (i + 1 == bk->nm && bk->fault != NULL)
			m->acc = ACC_RANGE;	/* truncated: reads say so */
		else
			m->acc = ACC_LIBARCHIVE;
	}
	free(cd);
}

static int
build_tree(struct abk *bk, struct etk_error *err)
{
	struct etk_buf nb;
	struct amember *m, *t;
	size_t i, k, hops;
	uint32_t id = 0;
	int rc;

	for (i = 0; i < bk->nm; i++) {
		m = &bk->m[i];
		if (m->path[0] == '\0' && m->type == 'd')
			continue;	/* the root itself ("./") */
		if (etk_cont_tree_add(&bk->tree, m->path, strlen(m->path),
		    (uint32_t)(i + 1), m->type == 'd') != ETK_OK)
			return nomem(err);
	}
	if ((rc = etk_cont_tree_build(&bk->tree, ETK_MAX_MEMBERS * (size_t)2,
	    err)) != ETK_OK)
		return etk_wrap(err, "%s: %s", etk_ev_name(bk->ev), bk->layer);
	/* Hard links: the content is the target's. */
	etk_buf_init(&nb);
	for (i = 0; i < bk->nm; i++) {
		m = &bk->m[i];
		if (!(m->flags & MF_HARDLINK) || m->link == NULL)
			continue;
		t = m;
		for (hops = 0; hops < HLINK_HOPS && (t->flags & MF_HARDLINK) &&
		    t->link != NULL; hops++) {
			etk_cont_normpath(&nb, t->link);
			k = etk_cont_tree_find(&bk->tree, nb.data, nb.len);
			if (k == SIZE_MAX || (id = bk->tree.v[k].id) == 0 ||
			    &bk->m[id - 1] == t)
				break;
			t = &bk->m[id - 1];
		}
		if (t != m && !(t->flags & MF_HARDLINK) && t->type == 'r') {
			m->target = (uint32_t)(t - bk->m) + 1;
			m->size = t->size;
		}
	}
	etk_buf_release(&nb);
	return ETK_OK;
}

static void
abk_free(struct abk *bk)
{
	if (bk == NULL)
		return;
	etk_cont_tree_release(&bk->tree);
	etk_cont_arena_release(&bk->arena);
	etk_zs_free(bk->zs);
	free(bk->m);
	free(bk->fault);
	free(bk);
}

static void
archive_close(void *bctx)
{
	abk_free(bctx);
}

int
etk_archive_open(struct etk_evidence *ev, int archive_kind, void **bctx,
    const struct etk_volume **vols, size_t *nvols, struct etk_error *err)
{
	struct etk_ab_info ab;
	unsigned char head[4];
	struct abk *bk;
	locale_t prev;
	size_t n = 0;
	int rc;

	*bctx = NULL;
	*vols = NULL;
	*nvols = 0;
	if ((bk = calloc(1, sizeof(*bk))) == NULL)
		return nomem(err);
	bk->ev = ev;
	bk->kind = archive_kind;
	bk->src = etk_ev_source(ev);
	if (bk->src == NULL) {
		free(bk);
		return etk_fail(err, ETK_EINVAL, 0, "%s: archive without a "
		    "byte source", etk_ev_name(ev));
	}
	bk->base_len = etk_source_size(bk->src);
	switch (archive_kind) {
	case ETK_EV_ANDROID_BACKUP:
		bk->layer = "android-backup";
		if ((rc = etk_ab_parse(bk->src, etk_ev_name(ev), &ab, err)) !=
		    ETK_OK)
			goto fail;
		if (ab.compressed) {
			if ((rc = etk_zs_new(&bk->zs, bk->src, ab.payload_off,
			    UINT64_MAX, ETK_ZS_ZLIB, "android-backup: zlib",
			    err)) != ETK_OK)
				goto fail;
		} else {
			bk->base_off = ab.payload_off;
			bk->base_len -= ab.payload_off;
		}
		snprintf(bk->desc, sizeof(bk->desc), "Android backup v%d%s",
		    ab.version, ab.compressed ? ", compressed" : "");
		break;
	case ETK_EV_TAR:
		bk->layer = "tar";
		if ((rc = etk_source_read(bk->src, 0, head, sizeof(head), &n,
		    err)) != ETK_OK) {
			etk_wrap(err, "%s: tar", etk_ev_name(ev));
			goto fail;
		}
		if (n >= 3 && head[0] == 0x1f && head[1] == 0x8b &&
		    head[2] == 8) {
			if ((rc = etk_zs_new(&bk->zs, bk->src, 0, UINT64_MAX,
			    ETK_ZS_GZIP, "gzip", err)) != ETK_OK)
				goto fail;
			snprintf(bk->desc, sizeof(bk->desc), "tar archive, "
			    "gzip");
		} else
			snprintf(bk->desc, sizeof(bk->desc), "tar archive");
		break;
	case ETK_EV_ZIP:
		bk->layer = "zip";
		snprintf(bk->desc, sizeof(bk->desc), "zip archive");
		break;
	default:
		rc = etk_fail(err, ETK_EINVAL, 0, "%s: not an archive kind "
		    "(%d)", etk_ev_name(ev), archive_kind);
		goto fail;
	}
	prev = la_enter();
	rc = index_members(bk, err);
	la_leave(prev);
	if (rc != ETK_OK)
		goto fail;
	if (bk->zs != NULL)
		etk_zs_freeze(bk->zs);
	plan_access(bk);
	if ((rc = build_tree(bk, err)) != ETK_OK)
		goto fail;
	bk->vol.slot = -1;
	bk->vol.flags = ETK_VOL_ALLOC;
	bk->vol.start = 0;
	bk->vol.len = etk_source_size(bk->src);
	bk->vol.desc = bk->desc;
	bk->vol.fs_type = bk->layer;
	bk->vol.fs_status = ETK_OK;
	*bctx = bk;
	*vols = &bk->vol;
	*nvols = 1;
	return ETK_OK;
fail:
	abk_free(bk);
	return rc;
}

/* ---- entries ---- */

struct aemit {
	struct abk *bk;
	etk_entry_cb cb;
	void *arg;
	struct etk_buf path, loc;
	uint64_t count;
	int oom;
};

/* Report one entry: member id (0: synthesised directory or the root)
 * at normalised path p. */
static int
emit_entry(struct aemit *w, uint32_t id, const char *p, size_t plen,
    int primary)
{
	const struct amember *m = id ? &w->bk->m[id - 1] : NULL;
	struct etk_loc_item it;
	struct etk_entry e;
	const char *slash;

	etk_buf_reset(&w->path);
	etk_buf_addc(&w->path, '/');
	etk_buf_add(&w->path, p, plen);
	memset(&it, 0, sizeof(it));
	it.volume = -1;
	if ((primary && plen > 0) || id == 0) {
		it.kind = ETK_LOC_PATH;
		it.path = w->path.data;
	} else {
		it.kind = ETK_LOC_INODE;
		it.inode = id;
	}
	etk_buf_reset(&w->loc);
	etk_ev_locator(w->bk->ev, &w->loc, &it);
	if (w->path.oom || w->loc.oom) {
		w->oom = 1;
		return 1;
	}
	memset(&e, 0, sizeof(e));
	e.locator = w->loc.data;
	e.source = etk_ev_name(w->bk->ev);
	e.volume = -1;
	e.fs_type = w->bk->layer;
	e.path = w->path.data;
	slash = strrchr(w->path.data, '/');
	e.name = slash != NULL ? slash + 1 : w->path.data;
	e.allocated = 1;
	e.uid = e.gid = -1;
	if (m == NULL) {
		e.name_type = e.meta_type = 'd';
	} else {
		e.has_inode = 1;
		e.inode = id;
		e.size = m->size;
		e.name_type = e.meta_type = m->type;
		e.mode = m->mode;
		e.uid = m->uid;
		e.gid = m->gid;
		e.times = m->times;
		e.mtime = m->mtime;
		e.mtime_ns = m->mtime_ns;
		e.atime = m->atime;
		e.atime_ns = m->atime_ns;
		e.ctime = m->ctime;
		e.ctime_ns = m->ctime_ns;
		e.crtime = m->crtime;
		e.crtime_ns = m->crtime_ns;
		if (m->type == 'l')
			e.link_target = m->link;
	}
	w->count++;
	return w->cb(&e, w->arg);
}

static int
visit_fn(void *arg, size_t i)
{
	struct aemit *w = arg;
	const struct etk_cont_node *nd = &w->bk->tree.v[i];

	return emit_entry(w, nd->id, nd->path, nd->plen, nd->primary);
}

/* The tree node an item names: SIZE_MAX - 1 for the root, SIZE_MAX
 * with *id set for a member outside the tree (the "./" entry). */
#define NODE_ROOT	(SIZE_MAX - 1)

static int
find_item(struct abk *bk, const struct etk_loc_item *it, size_t *node,
    uint32_t *id, struct etk_error *err)
{
	struct etk_buf nb;
	size_t k;

	*node = SIZE_MAX;
	*id = 0;
	if (it == NULL || (it->kind == ETK_LOC_NONE && it->volume < 0)) {
		*node = NODE_ROOT;
		return ETK_OK;
	}
	if (it->volume >= 0)
		return etk_fail(err, ETK_ENOTFOUND, 0, "%s: %s has no "
		    "volume p%d", etk_ev_name(bk->ev), bk->layer, it->volume);
	if (it->kind == ETK_LOC_INODE) {
		if (it->inode == 0 || it->inode > bk->nm)
			return etk_fail(err, ETK_ENOTFOUND, 0, "%s: %s: no "
			    "member i%" PRIu64 " (%zu members)",
			    etk_ev_name(bk->ev), bk->layer, it->inode, bk->nm);
		*id = (uint32_t)it->inode;
		k = etk_cont_tree_find(&bk->tree, bk->m[*id - 1].path,
		    strlen(bk->m[*id - 1].path));
		/* This very member's node: duplicates follow the primary. */
		while (k != SIZE_MAX && bk->tree.v[k].id != *id) {
			if (k + 1 >= bk->tree.n ||
			    !same_path(&bk->tree.v[k], &bk->tree.v[k + 1]))
				k = SIZE_MAX;
			else
				k++;
		}
		*node = k;
		return ETK_OK;
	}
	if (it->kind != ETK_LOC_PATH || it->path == NULL)
		return etk_fail(err, ETK_ENOTFOUND, 0, "%s: %s: no such entry",
		    etk_ev_name(bk->ev), bk->layer);
	etk_buf_init(&nb);
	etk_cont_normpath(&nb, it->path);
	if (nb.oom) {
		etk_buf_release(&nb);
		return nomem(err);
	}
	if (nb.len == 0) {
		etk_buf_release(&nb);
		*node = NODE_ROOT;
		return ETK_OK;
	}
	k = etk_cont_tree_find(&bk->tree, nb.data, nb.len);
	etk_buf_release(&nb);
	if (k == SIZE_MAX)
		return etk_fail(err, ETK_ENOTFOUND, 0, "%s: %s: no entry '%s'",
		    etk_ev_name(bk->ev), bk->layer, it->path);
	*node = k;
	*id = bk->tree.v[k].id;
	return ETK_OK;
}

static void
aemit_init(struct aemit *w, struct abk *bk, etk_entry_cb cb, void *arg)
{
	memset(w, 0, sizeof(*w));
	w->bk = bk;
	w->cb = cb;
	w->arg = arg;
	etk_buf_init(&w->path);
	etk_buf_init(&w->loc);
}

static void
aemit_release(struct aemit *w)
{
	etk_buf_release(&w->path);
	etk_buf_release(&w->loc);
}

static int
archive_walk(struct etk_evidence *ev, void *bctx,
    const struct etk_loc_item *start, unsigned flags, etk_entry_cb cb,
    void *arg, struct etk_summary *sum, struct etk_error *err)
{
	struct abk *bk = bctx;
	const struct etk_cont_node *nd;
	struct aemit w;
	size_t node;
	uint32_t id = 0;
	int rc;

	(void)ev;
	if ((rc = find_item(bk, start, &node, &id, err)) != ETK_OK)
		return rc;
	aemit_init(&w, bk, cb, arg);
	if (!(flags & ETK_WALK_ALLOC))
		;	/* every member is allocated: nothing to list */
	else if (node == NODE_ROOT)
		etk_cont_tree_visit(&bk->tree, SIZE_MAX,
		    (flags & ETK_WALK_RECURSE) != 0, visit_fn, &w);
	else if (node == SIZE_MAX)	/* "./": the root itself */
		etk_cont_tree_visit(&bk->tree, SIZE_MAX,
		    (flags & ETK_WALK_RECURSE) != 0, visit_fn, &w);
	else {
		nd = &bk->tree.v[node];
		if (nd->isdir)
			etk_cont_tree_visit(&bk->tree,
			    etk_cont_tree_find(&bk->tree, nd->path, nd->plen),
			    (flags & ETK_WALK_RECURSE) != 0, visit_fn, &w);
		else
			visit_fn(&w, node);
	}
	if (w.oom) {
		aemit_release(&w);
		return nomem(err);
	}
	etk_summary_add(sum, etk_ev_name(bk->ev), bk->layer,
	    bk->fault != NULL ? ETK_OUTCOME_ERROR : ETK_OUTCOME_OK, w.count,
	    bk->fault);
	aemit_release(&w);
	return ETK_OK;
}

static int
archive_stat(struct etk_evidence *ev, void *bctx,
    const struct etk_loc_item *item, etk_entry_cb cb, void *arg,
    struct etk_error *err)
{
	struct abk *bk = bctx;
	const struct etk_cont_node *nd;
	struct aemit w;
	size_t node;
	uint32_t id = 0;
	int rc;

	(void)ev;
	if ((rc = find_item(bk, item, &node, &id, err)) != ETK_OK)
		return rc;
	aemit_init(&w, bk, cb, arg);
	if (node == NODE_ROOT || node == SIZE_MAX)
		emit_entry(&w, id, "", 0, 1);
	else {
		nd = &bk->tree.v[node];
		emit_entry(&w, nd->id, nd->path, nd->plen, nd->primary);
	}
	rc = w.oom ? nomem(err) : ETK_OK;
	aemit_release(&w);
	return rc;
}

/* ---- content ---- */

struct msrc {
	struct abk *bk;
	const struct amember *m;
	uint32_t id;
	int acc;
	struct etk_zs *zs;		/* own deflate cursor */
	/* ACC_LIBARCHIVE */
	struct archive *a;
	struct lacb cb;
	unsigned char *labuf;
	unsigned char *scratch;
	uint64_t pos;			/* member bytes decoded so far */
};

/* ZIP: check the local header before trusting the central directory's
 * offsets.  Falls back to libarchive when they disagree. */
static int
zip_check_local(struct abk *bk, const struct amember *m)
{
	unsigned char h[30];
	struct etk_error e = { 0 };
	size_t n = 0;

	if (etk_source_read(bk->src, m->lho, h, sizeof(h), &n, &e) !=
	    ETK_OK || n != sizeof(h) || memcmp(h, "PK\3\4", 4) != 0)
		return 0;
	if (m->lho + 30 + le16(h + 26) + le16(h + 28) != m->data_off)
		return 0;
	return le16(h + 8) == m->zmethod;
}

/* How m's content is read now (ZIP offsets verified). */
static int
member_acc(struct abk *bk, const struct amember *m)
{
	if (bk->kind == ETK_EV_ZIP && (m->acc == ACC_RANGE ||
	    m->acc == ACC_INFLATE) && !zip_check_local(bk, m))
		return ACC_LIBARCHIVE;
	return m->acc;
}

static void
ms_la_close(struct msrc *ms)
{
	if (ms->a != NULL)
		archive_read_free(ms->a);
	ms->a = NULL;
}

static int
ms_fail(struct msrc *ms, int code, struct etk_error *err, const char *why)
{
	return etk_fail(err, code, 0, "%s: %s: member '/%s': %s",
	    etk_ev_name(ms->bk->ev), ms->bk->layer, ms->m->path, why);
}

/* Re-open the archive and stop at the member's data. */
static int
ms_la_seek(struct msrc *ms, struct etk_error *err)
{
	struct archive_entry *e;
	struct etk_buf nb;
	const char *name;
	uint32_t i;
	int r, rc;

	ms_la_close(ms);
	lacb_init(&ms->cb, ms->bk, ms->zs, ms->labuf);
	if ((rc = la_open(ms->bk, &ms->cb, ms->bk->zip_streaming, &ms->a,
	    err)) != ETK_OK)
		return etk_wrap(err, "%s: %s", etk_ev_name(ms->bk->ev),
		    ms->bk->layer);
	for (i = 1; i <= ms->id; i++) {
		r = archive_read_next_header(ms->a, &e);
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			rc = ms_fail(ms, r == ARCHIVE_EOF ? ETK_EFORMAT :
			    ms->cb.have_err ? ms->cb.err.code : ETK_EFORMAT,
			    err, r == ARCHIVE_EOF ? "archive ended before the "
			    "member" : la_why(ms->a, &ms->cb));
			ms_la_close(ms);
			return rc;
		}
	}
	if ((name = archive_entry_pathname_utf8(e)) == NULL &&
	    (name = archive_entry_pathname(e)) == NULL)
		name = "";
	etk_buf_init(&nb);
	etk_cont_normpath(&nb, name);
	r = nb.oom || strcmp(nb.data, ms->m->path) != 0;
	etk_buf_release(&nb);
	if (r) {
		ms_la_close(ms);
		return ms_fail(ms, ETK_EFORMAT, err, "archive changed since it "
		    "was opened");
	}
	ms->pos = 0;
	return ETK_OK;
}

static int
ms_la_read(struct msrc *ms, uint64_t off, unsigned char *buf, size_t len,
    size_t *nread, struct etk_error *err)
{
	la_ssize_t r;
	size_t want, got = 0;
	int rc;

	*nread = 0;
	if (ms->a == NULL || off < ms->pos) {
		if ((rc = ms_la_seek(ms, err)) != ETK_OK)
			return rc;
	}
	while (ms->pos < off) {
		want = off - ms->pos > MS_SCRATCH ? MS_SCRATCH :
		    (size_t)(off - ms->pos);
		r = archive_read_data(ms->a, ms->scratch, want);
		if (r < 0)
			goto laerr;
		if (r == 0)
			return ETK_OK;
		ms->pos += (uint64_t)r;
	}
	while (got < len) {
		r = archive_read_data(ms->a, buf + got, len - got);
		if (r < 0) {
			*nread = got;
			goto laerr;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		ms->pos += (uint64_t)r;
	}
	*nread = got;
	return ETK_OK;
laerr:
	rc = ms_fail(ms, ms->cb.have_err ? ms->cb.err.code : ETK_EFORMAT,
	    err, la_why(ms->a, &ms->cb));
	ms_la_close(ms);
	return rc;
}

static int
ms_read(void *ctx, uint64_t off, void *buf, size_t len, size_t *nread,
    struct etk_error *err)
{
	struct msrc *ms = ctx;
	const struct amember *m = ms->m;
	size_t n = 0;
	int rc;

	*nread = 0;
	if (off >= m->size || len == 0)
		return ETK_OK;
	if (len > m->size - off)
		len = (size_t)(m->size - off);
	switch (ms->acc) {
	case ACC_RANGE:
		if (m->data_off > UINT64_MAX - m->size)
			return ms_fail(ms, ETK_EFORMAT, err, "bad data offset");
		if (ms->bk->kind == ETK_EV_ZIP)
			rc = etk_source_read(ms->bk->src, m->data_off + off,
			    buf, len, &n, err);
		else
			rc = stream_read(ms->bk, ms->zs, m->data_off + off, buf,
			    len, &n, err);
		break;
	case ACC_INFLATE:
		rc = etk_zs_read(ms->zs, off, buf, len, &n, err);
		break;
	case ACC_LIBARCHIVE: {
		locale_t prev = la_enter();

		rc = ms_la_read(ms, off, buf, len, &n, err);
		la_leave(prev);
		break;
	}
	default:
		return ms_fail(ms, ETK_EINVAL, err, "no content");
	}
	*nread = n;
	if (rc != ETK_OK) {
		if (ms->acc != ACC_LIBARCHIVE)
			etk_wrap(err, "%s: %s: member '/%s'",
			    etk_ev_name(ms->bk->ev), ms->bk->layer,
			    ms->m->path);
		return rc;
	}
	if (n < len) {
		char why[96];

		snprintf(why, sizeof(why), "data truncated at offset %" PRIu64
		    " of %" PRIu64, off + n, m->size);
		return ms_fail(ms, ETK_EFORMAT, err, why);
	}
	return ETK_OK;
}

static void
ms_close(void *ctx)
{
	struct msrc *ms = ctx;

	if (ms == NULL)
		return;
	ms_la_close(ms);
	etk_zs_free(ms->zs);
	free(ms->labuf);
	free(ms->scratch);
	free(ms);
}

static const struct etk_source_ops ms_ops = { ms_read, ms_close };

static const char *
type_name(char t)
{
	switch (t) {
	case 'd':
		return "a directory";
	case 'l':
		return "a symbolic link";
	case 'c':
		return "a character device";
	case 'b':
		return "a block device";
	case 'p':
		return "a FIFO";
	case 's':
		return "a socket";
	default:
		return "not a regular file";
	}
}

/* The member whose content an item names (hard links followed). */
static int
content_member(struct abk *bk, const struct etk_loc_item *it, uint32_t *idp,
    struct etk_error *err)
{
	const struct amember *m;
	size_t node;
	uint32_t id = 0;
	int rc;

	if ((rc = find_item(bk, it, &node, &id, err)) != ETK_OK)
		return rc;
	if (id == 0)
		return etk_fail(err, ETK_EINVAL, 0, "%s: %s: '%s' is a "
		    "directory", etk_ev_name(bk->ev), bk->layer,
		    it != NULL && it->kind == ETK_LOC_PATH && it->path != NULL ?
		    it->path : "/");
	m = &bk->m[id - 1];
	if (m->flags & MF_HARDLINK) {
		if (m->target == 0)
			return etk_fail(err, ETK_ENOTFOUND, 0, "%s: %s: hard "
			    "link '/%s' to '%s', which is not in the archive",
			    etk_ev_name(bk->ev), bk->layer, m->path,
			    m->link != NULL ? m->link : "?");
		id = m->target;
		m = &bk->m[id - 1];
	}
	if (m->flags & MF_ENCRYPTED)
		return etk_fail(err, ETK_EUNSUPP, 0, "%s: %s: '/%s': "
		    "encrypted member", etk_ev_name(bk->ev), bk->layer,
		    m->path);
	if (m->type != 'r')
		return etk_fail(err, ETK_EINVAL, 0, "%s: %s: '/%s' is %s",
		    etk_ev_name(bk->ev), bk->layer, m->path,
		    type_name(m->type));
	*idp = id;
	return ETK_OK;
}

static int
archive_open_file(struct etk_evidence *ev, void *bctx,
    const struct etk_loc_item *item, struct etk_source **out,
    struct etk_error *err)
{
	struct abk *bk = bctx;
	struct msrc *ms;
	const char *slash;
	uint32_t id = 0;
	int rc;

	(void)ev;
	*out = NULL;
	if ((rc = content_member(bk, item, &id, err)) != ETK_OK)
		return rc;
	if ((ms = calloc(1, sizeof(*ms))) == NULL)
		return nomem(err);
	ms->bk = bk;
	ms->id = id;
	ms->m = &bk->m[id - 1];
	ms->acc = member_acc(bk, ms->m);
	rc = ETK_OK;
	if (ms->acc == ACC_INFLATE)
		rc = etk_zs_new(&ms->zs, bk->src, ms->m->data_off,
		    ms->m->csize, ETK_ZS_RAW, "zip: deflate", err);
	else if (bk->zs != NULL)
		rc = etk_zs_clone(&ms->zs, bk->zs, err);
	if (rc == ETK_OK && ms->acc == ACC_LIBARCHIVE &&
	    ((ms->labuf = malloc(LA_BUF)) == NULL ||
	    (ms->scratch = malloc(MS_SCRATCH)) == NULL))
		rc = nomem(err);
	if (rc != ETK_OK) {
		ms_close(ms);
		return rc;
	}
	slash = strrchr(ms->m->path, '/');
	return etk_source_new_custom(out, &ms_ops, ms, ms->m->size, 0,
	    slash != NULL ? slash + 1 : ms->m->path, "archive-member", err);
}

/* Stored members of an archive read straight from the source have one
 * run; everything else (compressed, sparse, decompressed stream) none. */
static int
archive_byte_runs(struct etk_evidence *ev, void *bctx,
    const struct etk_loc_item *item, struct etk_byte_run **runs, size_t *n,
    struct etk_error *err)
{
	struct abk *bk = bctx;
	const struct amember *m;
	uint32_t id = 0;
	int rc;

	(void)ev;
	*runs = NULL;
	*n = 0;
	if ((rc = content_member(bk, item, &id, err)) != ETK_OK)
		return rc;
	m = &bk->m[id - 1];
	if (bk->zs != NULL || bk->la_filtered || m->size == 0 ||
	    member_acc(bk, m) != ACC_RANGE ||
	    m->data_off > bk->base_len || m->size > bk->base_len - m->data_off)
		return ETK_OK;
	if ((*runs = malloc(sizeof(**runs))) == NULL)
		return nomem(err);
	(*runs)->file_offset = 0;
	(*runs)->img_offset = bk->base_off + m->data_off;
	(*runs)->len = m->size;
	*n = 1;
	return ETK_OK;
}

const struct etk_backend_ops etk_backend_archive = {
	"archive",
	archive_walk,
	archive_stat,
	archive_open_file,
	archive_byte_runs,
	NULL,
	archive_close
};
