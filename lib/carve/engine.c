/*
 * The carving engine: which bytes are scanned, the anchor scan, the
 * candidates given to the validators, the owner rule for ranges and
 * shards, the threads, the order of the records and the files written.
 *
 * The areas to scan (the unallocated extents of every file system and
 * the partition gaps, or the whole source) are cut into pieces of at
 * most one stripe.  Workers take pieces in offset order; for each piece
 * a worker reads blocks, finds every anchor of every format at every
 * byte offset (a first-byte table, then a two-byte bitmap, then the
 * whole magic), sorts the candidates by offset and validates each one
 * through a bounded window of the source (a byte budget and a CPU
 * budget per candidate).  The main thread takes the pieces back in
 * order and decides what is reported, so the records come out in
 * ascending offset order whatever the number of threads.
 *
 * What is reported does not depend on how the source is cut: a
 * candidate that starts inside a file that validated complete (any such
 * file, reported or not) is not reported (nor a truncated or corrupt
 * one of the same format ending where the previous broken one ends: a
 * member of the same cut archive), and the validation of a
 * candidate reads only [start, start+max).  So a run over an owner range
 * [lo, hi) validates the candidates from lo-max on (the look-back: only
 * complete files found there matter, to hide what starts inside them)
 * and reports those that start in [lo, hi): the records of N shards
 * concatenated are the records of one run.  The one exception is the
 * CPU budget, a guard against validators that stall; a candidate that
 * hits it is counted in the summary as a timeout.
 *
 * Each reported file is read back from the source by its runs, hashed
 * and written to outdir/carved/TYPE/OFFSET.EXT (complete files) or
 * outdir/partial/TYPE/OFFSET.EXT (truncated and corrupt ones) through a
 * temporary name, fsync and link(), so nothing is ever replaced.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <etk/carve.h>
#include <etk/hash.h>
#include <etk/progress.h>

#include "carve/engine_int.h"

#define MAXFMT		256
#define PAGE		4096
#define SHARD_ALIGN_BIG	((uint64_t)1 << 20)
#define SHARD_ALIGN	512
#define DEFAULT_CLUSTER	4096	/* when no file system gives one */
#define CPU_CHECK	64	/* reads between CPU-time checks */
#define MAGIC_BYTES	(64 * 1024)	/* given to libmagic */
#define COPY_BUF	((size_t)1 << 20)

struct area {
	uint64_t off, len;
	uint64_t cluster;
	int volume;
};

struct res {
	uint64_t start;
	uint64_t len;
	enum cv_status status;
	unsigned fmt;
	size_t nfrag;
	struct cv_frag frag[CV_MAXFRAG];
	const char *type, *ext;
	int timeout;
	int volume;
};

struct piece {
	uint64_t lo, hi;	/* candidate starts */
	uint64_t cluster;
	int volume;
	int lookback;		/* before the owner range: coverage only */
	/* filled by the worker */
	struct res *r;
	size_t n, cap;
	int done;
	int rc;
	char msg[ETK_ERRMSG_MAX];
	uint64_t bad_lo, bad_hi;	/* first unreadable span, if any */
	uint64_t nbad;		/* unreadable bytes */
	uint64_t ntimeout;
	uint64_t timeout_at;
};

struct eng;

struct worker {
	struct eng *e;
	pthread_t tid;
	int started;
	struct etk_source *src;	/* own handle, or e->src (locked) */
	struct piece *cur;	/* the piece being scanned */
	unsigned char *buf;	/* scan block */
	uint64_t buf_off;
	size_t buf_len;
	unsigned char *cache;	/* validator reads outside the block */
	uint64_t cache_off;
	size_t cache_len;
	struct cand {
		uint64_t start;
		unsigned fmt;
	} *cands;
	size_t ncands, capcands;
};

struct vol {
	int volume;
	uint64_t count;
	int have;
};

struct eng {
	const struct etk_carve_opts *o;
	const struct cv_format *fmt[MAXFMT];
	int whole[MAXFMT];	/* asked for whole (not only refined kinds) */
	size_t nfmt;
	unsigned char keymap[65536];	/* first two bytes of an anchor */
	size_t anchor_end;	/* max magic_off + magic_len */
	uint64_t cap;		/* global cap (= look-back and overlap) */
	uint64_t stripe;
	size_t block;
	uint64_t cpu_ns;

	struct etk_evidence *ev;
	struct etk_source *src;	/* main thread's handle */
	pthread_mutex_t src_mu;	/* when workers share it */
	int shared;
	const char *name;
	uint64_t size;
	int scope_all;		/* no unallocated check */
	int width;		/* digits of offsets in file names */
	uint64_t own_lo, own_hi;

	struct area *areas;	/* to scan, ascending */
	size_t nareas, capareas;
	struct area *un;	/* unallocated map (merged) */
	size_t nun;

	/* Pieces are made on demand from the areas (memory does not grow
	 * with their number): piece i lives in ring[i % window] from the
	 * time a worker takes it until the main thread has emitted it. */
	struct piece *ring;
	size_t window;
	size_t ci;		/* area of the next piece */
	uint64_t cpos;		/* where in it */
	uint64_t scan_lo;
	size_t next, emitted;
	int exhausted;
	int stop;
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;

	/* main thread */
	struct cv_frag *cover;	/* fragments of complete files */
	size_t ncover, capcover;
	/* The last truncated or corrupt result: a later one of the same
	 * format that starts inside it and ends where it ends is the same
	 * broken file seen from one of its members (every member of a cut
	 * archive runs to the same end), not another file. */
	int pc_set;
	unsigned pc_fmt;
	uint64_t pc_end;
	struct vol vols[64];
	size_t nvols;
	const char *outdir;
	struct etk_magic *magic;
	int magic_failed;
	unsigned char *copybuf;
	etk_carve_cb cb;
	void *arg;
	struct etk_summary *sum;
	uint64_t nrecords;
	int cb_stop;
};

/* ------------------------------------------------------------ helpers */

/* e->stop is written under e->mu and read by the workers without it. */
static int
stopping(struct eng *e)
{
	return __atomic_load_n(&e->stop, __ATOMIC_RELAXED);
}

static void
set_stop(struct eng *e)
{
	__atomic_store_n(&e->stop, 1, __ATOMIC_RELAXED);
}

static int
nomem(struct etk_error *err)
{
	return etk_fail(err, ETK_ENOMEM, errno, "out of memory");
}

static int
src_read(struct eng *e, struct etk_source *s, uint64_t off, void *buf,
    size_t len, size_t *got, struct etk_error *err)
{
	int rc;

	if (s == e->src && e->shared) {
		pthread_mutex_lock(&e->src_mu);
		rc = etk_source_read(s, off, buf, len, got, err);
		pthread_mutex_unlock(&e->src_mu);
		return rc;
	}
	return etk_source_read(s, off, buf, len, got, err);
}

static uint64_t
cpu_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
digits(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Is [off, off+len) inside the unallocated map? */
static int
in_unalloc(const struct eng *e, uint64_t off, uint64_t len)
{
	size_t lo = 0, hi = e->nun, mid;

	if (e->scope_all)
		return 1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (e->un[mid].off + e->un[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == e->nun || e->un[lo].off > off)
		return 0;
	return len <= e->un[lo].off + e->un[lo].len - off;
}

/* ------------------------------------------------------ owner ranges */

static uint64_t
shard_bound(uint64_t lo, uint64_t hi, uint64_t k, uint64_t n)
{
	unsigned __int128 x;
	uint64_t len = hi - lo, b, g;

	if (k == 0)
		return lo;
	if (k >= n)
		return hi;
	g = len / n >= 16 * SHARD_ALIGN_BIG ? SHARD_ALIGN_BIG : SHARD_ALIGN;
	x = (unsigned __int128)len * k / n;
	b = lo + (uint64_t)x;
	b -= b % g;
	return b < lo ? lo : b;
}

int
etk_carve_owner_range(uint64_t size, const struct etk_carve_opts *o,
    uint64_t *lo, uint64_t *hi, struct etk_error *err)
{
	uint64_t a = 0, b = size, x, y;

	if (o->has_range) {
		if (o->range_len == 0 || o->range_start >= size)
			return etk_fail(err, ETK_EINVAL, 0, "range %" PRIu64
			    ":%" PRIu64 " lies outside the source (%" PRIu64
			    " bytes)", o->range_start, o->range_len, size);
		a = o->range_start;
		b = o->range_len > size - a ? size : a + o->range_len;
	}
	if (o->shard_n != 0) {
		if (o->shard_k >= o->shard_n)
			return etk_fail(err, ETK_EINVAL, 0, "bad shard %"
			    PRIu64 "/%" PRIu64 ": need 0 <= K < N",
			    o->shard_k, o->shard_n);
		x = shard_bound(a, b, o->shard_k, o->shard_n);
		y = shard_bound(a, b, o->shard_k + 1, o->shard_n);
		a = x;
		b = y;
	}
	*lo = a;
	*hi = b;
	return ETK_OK;
}

/* ------------------------------------------------------------ formats */

/*
 * Kinds a validator reports by refining its format's type or extension
 * (a ZIP that is a DOCX, an ISO-BMFF file that is a HEIC): --types may
 * name them; the base format is then scanned and only results of that
 * kind are reported.  Keep in step with the validators' refinements.
 */
static const struct refined {
	const char *name;	/* as reported (ext, or type) */
	const char *base;	/* the format's type */
	const char *descr;
} refined[] = {
	{ "docx", "zip", "Word document (OOXML)" },
	{ "xlsx", "zip", "Excel workbook (OOXML)" },
	{ "pptx", "zip", "PowerPoint presentation (OOXML)" },
	{ "odt", "zip", "OpenDocument text" },
	{ "ods", "zip", "OpenDocument spreadsheet" },
	{ "odp", "zip", "OpenDocument presentation" },
	{ "odg", "zip", "OpenDocument drawing" },
	{ "epub", "zip", "EPUB book" },
	{ "apk", "zip", "Android package" },
	{ "ipa", "zip", "iOS app archive" },
	{ "jar", "zip", "Java archive" },
	{ "mov", "mp4", "QuickTime movie" },
	{ "3gp", "mp4", "3GPP video" },
	{ "3g2", "mp4", "3GPP2 video" },
	{ "m4a", "mp4", "MPEG-4 audio" },
	{ "m4v", "mp4", "MPEG-4 video (iTunes)" },
	{ "heic", "mp4", "HEIF/HEIC picture" },
	{ "avif", "mp4", "AVIF picture" },
	{ "webm", "mkv", "WebM video" },
	{ "wmv", "asf", "Windows Media video" },
	{ "wma", "asf", "Windows Media audio" },
	{ "doc", "ole", "Word 97-2003 document" },
	{ "xls", "ole", "Excel 97-2003 workbook" },
	{ "ppt", "ole", "PowerPoint 97-2003 presentation" },
	{ "msg", "ole", "Outlook message" },
	{ "opus", "ogg", "Opus audio" },
	{ "awb", "amr", "AMR-WB audio" },
	{ "dll", "pe", "Windows DLL" },
	{ "sys", "pe", "Windows driver" },
	{ "efi", "pe", "EFI executable" },
	{ "so", "elf", "ELF shared object" },
	{ "o", "elf", "ELF object file" },
	{ "core", "elf", "ELF core dump" },
	{ "psb", "psd", "Photoshop large document" },
	{ "aifc", "aiff", "AIFF-C audio" },
	{ "ost", "pst", "Outlook offline store" }
};
#define NREFINED (sizeof(refined) / sizeof(refined[0]))

static int
word_is(const char *p, size_t l, const char *w)
{
	return w != NULL && strlen(w) == l && strncasecmp(w, p, l) == 0;
}

/* Is a result of kind (type, ext) one the --types list asked for by a
 * refined name, or is its format asked for whole? */
static int
result_wanted(const struct eng *e, const struct res *r)
{
	const char *p = e->o->types, *q;
	size_t l;

	if (p == NULL || e->whole[r->fmt])
		return 1;
	while (*p != '\0') {
		q = strchr(p, ',');
		l = q != NULL ? (size_t)(q - p) : strlen(p);
		if (l > 0 && (word_is(p, l, r->ext) || word_is(p, l, r->type)))
			return 1;
		p += l;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int
type_wanted(const struct cv_format *f, const char *types, int *used,
    size_t nwords, int *whole)
{
	const char *p = types, *q;
	size_t l, i = 0;
	int hit = 0;

	*whole = 0;
	if (types == NULL) {
		*whole = 1;
		return 1;
	}
	while (*p != '\0') {
		q = strchr(p, ',');
		l = q != NULL ? (size_t)(q - p) : strlen(p);
		if (l > 0 && i < nwords &&
		    ((strlen(f->type) == l &&
		    strncasecmp(f->type, p, l) == 0) ||
		    (f->ext != NULL && strlen(f->ext) == l &&
		    strncasecmp(f->ext, p, l) == 0))) {
			used[i] = 1;
			hit = 1;
			*whole = 1;
		} else if (l > 0 && i < nwords) {
			size_t k;

			for (k = 0; k < NREFINED; k++)
				if (word_is(p, l, refined[k].name) &&
				    strcmp(refined[k].base, f->type) == 0) {
					used[i] = 1;
					hit = 1;
				}
		}
		i++;
		p += l;
		if (*p == ',')
			p++;
	}
	return hit;
}

static int
setup_formats(struct eng *e, const struct cv_format *const *fmts,
    size_t nfmts, const char *types, struct etk_error *err)
{
	int used[64], whole;
	size_t i, nwords = 1, l;
	const char *p, *q;
	const struct cv_format *f;
	unsigned k;

	if (types != NULL) {
		if (*types == '\0')
			return etk_fail(err, ETK_EINVAL, 0, "empty type list");
		for (p = types; *p != '\0'; p++)
			if (*p == ',')
				nwords++;
		if (nwords > 64)
			return etk_fail(err, ETK_EINVAL, 0,
			    "too many types in '%s'", types);
	}
	memset(used, 0, sizeof(used));
	for (i = 0; i < nfmts; i++) {
		f = fmts[i];
		if (f == NULL || f->magic == NULL || f->magic_len < 2 ||
		    f->validate == NULL)
			continue;
		if (!type_wanted(f, types, used, nwords, &whole))
			continue;
		if (e->nfmt == MAXFMT)
			return etk_fail(err, ETK_EINVAL, 0,
			    "too many formats");
		e->whole[e->nfmt] = whole;
		e->fmt[e->nfmt++] = f;
		k = (unsigned)f->magic[0] | (unsigned)f->magic[1] << 8;
		e->keymap[k] = 1;
		if (f->magic_off + f->magic_len > e->anchor_end)
			e->anchor_end = f->magic_off + f->magic_len;
	}
	if (types != NULL) {
		p = types;
		for (i = 0; i < nwords; i++) {
			q = strchr(p, ',');
			l = q != NULL ? (size_t)(q - p) : strlen(p);
			if (!used[i])
				return etk_fail(err, ETK_EINVAL, 0,
				    "unknown type '%.*s' (see --list-types)",
				    (int)l, p);
			p += l + (q != NULL);
		}
	}
	return ETK_OK;
}

void
etk_carve_formats(struct etk_buf *out)
{
	const struct cv_format *f[MAXFMT];
	size_t i, n;

	n = etk_cv_all(f, MAXFMT);
	if (n > MAXFMT)
		n = MAXFMT;
	for (i = 0; i < n; i++)
		etk_buf_printf(out, "%s\t%s\t%s\n", f[i]->type,
		    f[i]->ext != NULL ? f[i]->ext : "", f[i]->descr != NULL ?
		    f[i]->descr : "");
	for (i = 0; i < NREFINED; i++)
		etk_buf_printf(out, "%s\t%s\t%s (found as %s)\n",
		    refined[i].name, refined[i].name, refined[i].descr,
		    refined[i].base);
}

/* -------------------------------------------------------------- areas */

static int
add_area(struct eng *e, uint64_t off, uint64_t len, uint64_t cluster,
    int volume)
{
	struct area *t;
	size_t nc;

	if (len == 0)
		return 0;
	if (e->nareas == e->capareas) {
		nc = e->capareas ? e->capareas * 2 : 64;
		if ((t = realloc(e->areas, nc * sizeof(*t))) == NULL)
			return -1;
		e->areas = t;
		e->capareas = nc;
	}
	e->areas[e->nareas].off = off;
	e->areas[e->nareas].len = len;
	e->areas[e->nareas].cluster = cluster;
	e->areas[e->nareas].volume = volume;
	e->nareas++;
	return 0;
}

struct ucb {
	struct eng *e;
	const struct etk_volume *vols;
	size_t nvols;
	int failed;
};

static int
unalloc_cb(int volume, uint64_t off, uint64_t len, void *arg)
{
	struct ucb *u = arg;
	uint64_t cl = DEFAULT_CLUSTER;
	size_t i;

	for (i = 0; i < u->nvols; i++)
		if (u->vols[i].slot == volume &&
		    (u->vols[i].flags & ETK_VOL_ALLOC) &&
		    u->vols[i].fs_status == ETK_OK &&
		    u->vols[i].block_size != 0) {
			cl = u->vols[i].block_size;
			break;
		}
	if (add_area(u->e, off, len, cl, volume) != 0) {
		u->failed = 1;
		return 1;
	}
	return 0;
}

static int
cmp_area(const void *a, const void *b)
{
	const struct area *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int
find_areas(struct eng *e, struct etk_error *err)
{
	const struct etk_volume *vols;
	struct ucb u;
	size_t i, n, nfs = 0, j;
	int rc;

	n = etk_evidence_volumes(e->ev, &vols);
	for (i = 0; i < n; i++)
		if (!(vols[i].flags & (ETK_VOL_META | ETK_VOL_UNALLOC)) &&
		    vols[i].fs_status == ETK_OK && vols[i].fs_type != NULL)
			nfs++;
	if (e->o->scope == ETK_CARVE_SCOPE_ALL || nfs == 0 ||
	    etk_evidence_kind(e->ev) != ETK_EV_IMAGE) {
		/* Fragments are searched at cluster boundaries: without a
		 * file system to say, 4 KiB, the allocation unit of ext4,
		 * NTFS, most FAT32/exFAT volumes and phone flash (512 left
		 * reversed JPEG fragments 92 KiB away out of reach). */
		e->scope_all = 1;
		if (add_area(e, 0, e->size, DEFAULT_CLUSTER, -1) != 0)
			return nomem(err);
		return ETK_OK;
	}
	memset(&u, 0, sizeof(u));
	u.e = e;
	u.vols = vols;
	u.nvols = n;
	if ((rc = etk_evidence_unalloc(e->ev, -1, unalloc_cb, &u, err)) !=
	    ETK_OK)
		return rc;
	if (u.failed)
		return nomem(err);
	qsort(e->areas, e->nareas, sizeof(*e->areas), cmp_area);
	/* Clip overlaps (there should be none) and past the end. */
	for (i = 0, j = 0; i < e->nareas; i++) {
		struct area a = e->areas[i];

		if (a.off >= e->size)
			continue;
		if (a.len > e->size - a.off)
			a.len = e->size - a.off;
		if (j > 0 && e->areas[j - 1].off + e->areas[j - 1].len >
		    a.off) {
			uint64_t pe = e->areas[j - 1].off + e->areas[j - 1].len;

			if (pe >= a.off + a.len)
				continue;
			a.len = a.off + a.len - pe;
			a.off = pe;
		}
		e->areas[j++] = a;
	}
	e->nareas = j;
	/* The merged map for the "every byte unallocated" check. */
	if (e->nareas > 0 && (e->un = malloc(e->nareas *
	    sizeof(*e->un))) == NULL)
		return nomem(err);
	for (i = 0; i < e->nareas; i++) {
		if (e->nun > 0 && e->un[e->nun - 1].off +
		    e->un[e->nun - 1].len == e->areas[i].off)
			e->un[e->nun - 1].len += e->areas[i].len;
		else
			e->un[e->nun++] = e->areas[i];
	}
	return ETK_OK;
}

/* The next piece: candidate starts in [scan_lo, own_hi) of the areas,
 * cut at stripe boundaries (absolute) and at own_lo.  Returns 0 when
 * there is none. */
static int
next_piece(struct eng *e, struct piece *p)
{
	const struct area *a;
	uint64_t lo, hi, nb, x;

	while (e->ci < e->nareas) {
		a = &e->areas[e->ci];
		lo = a->off > e->scan_lo ? a->off : e->scan_lo;
		if (e->cpos > lo)
			lo = e->cpos;
		hi = a->off + a->len < e->own_hi ? a->off + a->len : e->own_hi;
		if (lo >= hi) {
			e->ci++;
			continue;
		}
		nb = (lo / e->stripe + 1) * e->stripe;
		x = nb > lo && nb < hi ? nb : hi;
		if (lo < e->own_lo && x > e->own_lo)
			x = e->own_lo;
		memset(p, 0, sizeof(*p));
		p->lo = lo;
		p->hi = x;
		p->cluster = a->cluster;
		p->volume = a->volume;
		p->lookback = lo < e->own_lo;
		e->cpos = x;
		return 1;
	}
	return 0;
}

/* Bytes of candidate starts to scan (for the progress bar). */
static uint64_t
plan_total(const struct eng *e)
{
	uint64_t lo, hi, t = 0;
	size_t i;

	for (i = 0; i < e->nareas; i++) {
		lo = e->areas[i].off > e->scan_lo ? e->areas[i].off :
		    e->scan_lo;
		hi = e->areas[i].off + e->areas[i].len < e->own_hi ?
		    e->areas[i].off + e->areas[i].len : e->own_hi;
		if (lo < hi)
			t += hi - lo;
	}
	return t;
}

/* ------------------------------------------------- the validator window */

/* Read [off, off+len) into buf; unreadable sectors become zeros and are
 * recorded in the piece.  Returns the bytes filled (short at the source
 * end). */
static size_t
fill(struct worker *w, struct piece *p, uint64_t off, unsigned char *buf,
    size_t len)
{
	struct etk_error err = { 0 };
	size_t done = 0, g, skip;

	while (done < len) {
		g = 0;
		etk_error_clear(&err);
		if (src_read(w->e, w->src, off + done, buf + done, len - done,
		    &g, &err) == ETK_OK) {
			done += g;
			if (g == 0)
				break;
			continue;
		}
		done += g;
		skip = 512 - (size_t)((off + done) % 512);
		if (skip > len - done)
			skip = len - done;
		memset(buf + done, 0, skip);
		if (p->nbad == 0) {
			p->bad_lo = off + done;
			p->bad_hi = off + done + skip;
			snprintf(p->msg, sizeof(p->msg), "%s", err.msg);
		} else if (p->bad_hi == off + done)
			p->bad_hi += skip;
		p->nbad += skip;
		done += skip;
	}
	return done;
}

struct rd {
	struct worker *w;
	uint64_t end;
	uint64_t budget;	/* bytes left */
	uint64_t cpu_end;	/* thread CPU ns deadline (0: not yet
				 * started) */
	uint64_t cpu_ns;	/* the budget */
	unsigned calls;
	int timeout;
};

static int
rd_read(void *ctx, uint64_t off, void *buf, size_t len, size_t *got)
{
	struct rd *r = ctx;
	struct worker *w = r->w;
	unsigned char *out = buf;
	size_t n, done = 0, g;
	uint64_t a;

	*got = 0;
	if (off >= r->end || len == 0)
		return 0;
	if (len > r->end - off)
		len = (size_t)(r->end - off);
	if (r->timeout)
		return 0;
	/* The CPU clock is a system call, and most candidates are
	 * refused within a few reads: the deadline starts at the first
	 * check, CPU_CHECK reads in (before that a validator has done
	 * work bounded by what those reads returned). */
	if (++r->calls % CPU_CHECK == 0) {
		if (r->cpu_end == 0)
			r->cpu_end = cpu_now() + r->cpu_ns;
		else if (cpu_now() > r->cpu_end) {
			r->timeout = 1;
			return 0;
		}
	}
	if (len > r->budget)
		len = (size_t)r->budget;
	while (done < len) {
		a = off + done;
		if (a >= w->buf_off && a < w->buf_off + w->buf_len) {
			n = (size_t)(w->buf_off + w->buf_len - a);
			if (n > len - done)
				n = len - done;
			memcpy(out + done, w->buf + (a - w->buf_off), n);
			done += n;
			continue;
		}
		if (a >= w->cache_off && a < w->cache_off + w->cache_len) {
			n = (size_t)(w->cache_off + w->cache_len - a);
			if (n > len - done)
				n = len - done;
			memcpy(out + done, w->cache + (a - w->cache_off), n);
			done += n;
			continue;
		}
		/* Unreadable sectors read as zeros here as in the scan,
		 * so a validator sees the same bytes wherever they are. */
		if (len - done >= CV_CACHE) {
			/* Big read: straight into the caller's buffer. */
			done += fill(w, w->cur, a, out + done, len - done);
			break;
		}
		w->cache_off = a & ~(uint64_t)(PAGE - 1);
		w->cache_len = 0;
		g = fill(w, w->cur, w->cache_off, w->cache, CV_CACHE);
		w->cache_len = g;
		if (a >= w->cache_off + g)
			break;	/* source end */
	}
	r->budget -= done;
	*got = done;
	return 0;
}

/* ------------------------------------------------------------- workers */

static int
add_res(struct piece *p, const struct res *r)
{
	struct res *t;
	size_t nc;

	if (p->n == p->cap) {
		nc = p->cap ? p->cap * 2 : 16;
		if ((t = realloc(p->r, nc * sizeof(*t))) == NULL)
			return -1;
		p->r = t;
		p->cap = nc;
	}
	p->r[p->n++] = *r;
	return 0;
}

static int
cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->fmt < y->fmt ? -1 : x->fmt > y->fmt;
}

static int
rank(enum cv_status s)
{
	switch (s) {
	case CV_COMPLETE:
		return 3;
	case CV_TRUNCATED:
		return 2;
	case CV_CORRUPT:
		return 1;
	default:
		return 0;
	}
}

/* Check and normalise a validator's answer: one fragment at least, the
 * first at the candidate, each inside the window, lengths adding up. */
static int
sane(const struct cv_result *cr, uint64_t start, uint64_t end,
    struct res *out)
{
	uint64_t sum = 0;
	size_t i;

	if (cr->len == 0 || cr->nfrag > CV_MAXFRAG)
		return 0;
	if (cr->nfrag == 0) {
		if (cr->len > end - start)
			return 0;
		out->nfrag = 1;
		out->frag[0].off = start;
		out->frag[0].len = cr->len;
	} else {
		if (cr->frag[0].off != start)
			return 0;
		for (i = 0; i < cr->nfrag; i++) {
			if (cr->frag[i].len == 0 || cr->frag[i].off >= end ||
			    cr->frag[i].len > end - cr->frag[i].off)
				return 0;
			sum += cr->frag[i].len;
			out->frag[i] = cr->frag[i];
		}
		if (sum != cr->len)
			return 0;
		out->nfrag = cr->nfrag;
	}
	out->len = cr->len;
	return 1;
}

static void
validate_at(struct worker *w, struct piece *p, uint64_t start,
    const struct cand *c, size_t nc)
{
	struct eng *e = w->e;
	const struct cv_format *f;
	struct cv_src src;
	struct cv_result cr;
	struct res best, cur;
	struct rd r;
	uint64_t cap, end;
	enum cv_status st;
	size_t i, k;
	int have = 0, ok;

	memset(&best, 0, sizeof(best));
	for (i = 0; i < nc; i++) {
		f = e->fmt[c[i].fmt];
		cap = f->max_size != 0 && f->max_size < e->cap ? f->max_size :
		    e->cap;
		end = cap < e->size - start ? start + cap : e->size;
		memset(&r, 0, sizeof(r));
		r.w = w;
		r.end = end;
		r.budget = 2 * cap + CV_CACHE;
		r.cpu_ns = e->cpu_ns;
		src.read = rd_read;
		src.ctx = &r;
		src.end = end;
		src.cluster = p->cluster;
		memset(&cr, 0, sizeof(cr));
		st = f->validate(&src, start, cap, &cr);
		if (r.timeout) {
			p->ntimeout++;
			if (p->ntimeout == 1)
				p->timeout_at = start;
		}
		if (st == CV_NO || rank(st) == 0)
			continue;
		memset(&cur, 0, sizeof(cur));
		cur.start = start;
		cur.status = st;
		cur.fmt = c[i].fmt;
		cur.timeout = r.timeout;
		cur.volume = p->volume;
		cur.type = cr.type != NULL ? cr.type : f->type;
		cur.ext = cr.ext != NULL ? cr.ext : f->ext;
		if (!sane(&cr, start, end, &cur))
			continue;
		/* Unallocated scope: every byte carved must be
		 * unallocated, else it is (part of) an allocated file. */
		for (k = 0, ok = 1; k < cur.nfrag && ok; k++)
			ok = in_unalloc(e, cur.frag[k].off, cur.frag[k].len);
		if (!ok)
			continue;
		if (!have || rank(st) > rank(best.status)) {
			best = cur;
			have = 1;
		}
		if (st == CV_COMPLETE)
			break;
	}
	if (!have)
		return;
	/* Before the owner range only complete files matter. */
	if (start < e->own_lo && best.status != CV_COMPLETE)
		return;
	if (add_res(p, &best) != 0 && p->rc == ETK_OK) {
		p->rc = ETK_ENOMEM;
		snprintf(p->msg, sizeof(p->msg), "out of memory");
	}
}

static int
add_cand(struct worker *w, uint64_t start, unsigned fmt)
{
	struct cand *t;
	size_t nc;

	if (w->ncands == w->capcands) {
		nc = w->capcands ? w->capcands * 2 : 256;
		if ((t = realloc(w->cands, nc * sizeof(*t))) == NULL)
			return -1;
		w->cands = t;
		w->capcands = nc;
	}
	w->cands[w->ncands].start = start;
	w->cands[w->ncands].fmt = fmt;
	w->ncands++;
	return 0;
}

static void
scan_piece(struct worker *w, struct piece *p)
{
	struct eng *e = w->e;
	const unsigned char *b = w->buf;
	const unsigned char *km = e->keymap;
	const struct cv_format *f;
	uint64_t blo, bhi, want, pos, s;
	size_t n, i, j, k;
	unsigned fi;

	w->cur = p;
	for (blo = p->lo; blo < p->hi; blo = bhi) {
		if (stopping(e) || (e->o->interrupt != NULL &&
		    *e->o->interrupt))
			return;
		bhi = p->hi - blo > e->block ? blo + e->block : p->hi;
		want = e->size - bhi > e->anchor_end ? bhi + e->anchor_end :
		    e->size;
		w->buf_off = blo;
		w->buf_len = 0;
		n = fill(w, p, blo, w->buf, (size_t)(want - blo));
		w->buf_len = n;
		w->ncands = 0;
		for (i = 0; i + 1 < n; i++) {
			/* Four offsets per well-predicted branch: the
			 * two-byte table is almost always clear. */
			if (i + 5 < n && !(km[b[i] | b[i + 1] << 8] |
			    km[b[i + 1] | b[i + 2] << 8] |
			    km[b[i + 2] | b[i + 3] << 8] |
			    km[b[i + 3] | b[i + 4] << 8])) {
				i += 3;
				continue;
			}
			if (!km[b[i] | b[i + 1] << 8])
				continue;
			pos = blo + i;
			for (fi = 0; fi < e->nfmt; fi++) {
				f = e->fmt[fi];
				if (f->magic[0] != b[i] ||
				    f->magic[1] != b[i + 1] ||
				    pos < f->magic_off)
					continue;
				s = pos - f->magic_off;
				if (s < blo || s >= bhi ||
				    i + f->magic_len > n ||
				    memcmp(b + i, f->magic, f->magic_len) != 0)
					continue;
				if (add_cand(w, s, fi) != 0) {
					p->rc = ETK_ENOMEM;
					snprintf(p->msg, sizeof(p->msg),
					    "out of memory");
					return;
				}
			}
		}
		if (w->ncands > 1)
			qsort(w->cands, w->ncands, sizeof(*w->cands), cmp_cand);
		for (j = 0; j < w->ncands; j = k) {
			for (k = j + 1; k < w->ncands &&
			    w->cands[k].start == w->cands[j].start; k++)
				;
			if (stopping(e))
				return;
			validate_at(w, p, w->cands[j].start, &w->cands[j],
			    k - j);
		}
		if (e->o->progress != NULL)
			etk_progress_add(e->o->progress, bhi - blo);
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct eng *e = w->e;
	struct piece *p;

	pthread_mutex_lock(&e->mu);
	for (;;) {
		while (!e->stop && !e->exhausted &&
		    e->next >= e->emitted + e->window)
			pthread_cond_wait(&e->cv_work, &e->mu);
		if (e->stop || e->exhausted)
			break;
		p = &e->ring[e->next % e->window];
		if (!next_piece(e, p)) {
			e->exhausted = 1;
			pthread_cond_broadcast(&e->cv_done);
			break;
		}
		e->next++;
		pthread_mutex_unlock(&e->mu);
		scan_piece(w, p);
		pthread_mutex_lock(&e->mu);
		p->done = 1;
		pthread_cond_broadcast(&e->cv_done);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

/* ------------------------------------------------------------ emitting */

static struct vol *
vol_of(struct eng *e, int volume)
{
	size_t i;

	for (i = 0; i < e->nvols; i++)
		if (e->vols[i].volume == volume)
			return &e->vols[i];
	if (e->nvols == sizeof(e->vols) / sizeof(e->vols[0]))
		return &e->vols[e->nvols - 1];
	e->vols[e->nvols].volume = volume;
	e->vols[e->nvols].count = 0;
	return &e->vols[e->nvols++];
}

static void
scope_name(const struct eng *e, int volume, char *out, size_t outlen)
{
	if (volume >= 0)
		snprintf(out, outlen, "%s:p%d", e->name, volume);
	else
		snprintf(out, outlen, "%s", e->name);
}

static int
mkdirs(const char *path, struct etk_error *err)
{
	char buf[4096], *p;
	size_t l = strlen(path);

	if (l == 0 || l >= sizeof(buf))
		return etk_fail(err, ETK_EINVAL, 0, "bad output path '%s'",
		    path);
	memcpy(buf, path, l + 1);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0750) != 0 && errno != EEXIST)
			return etk_fail(err, ETK_EIO, errno,
			    "cannot create '%s'", buf);
		*p = '/';
	}
	if (mkdir(buf, 0750) != 0 && errno != EEXIST)
		return etk_fail(err, ETK_EIO, errno, "cannot create '%s'",
		    buf);
	return ETK_OK;
}

static void
safe_name(const char *s, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < outlen; i++)
		out[i] = (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_' ? s[i] : (s[i] >= 'A' && s[i] <= 'Z') ?
		    (char)(s[i] - 'A' + 'a') : '_';
	out[i] = '\0';
	if (i == 0 && outlen > 4)
		memcpy(out, "bin", 4);
}

/* Read the file's runs from the source: SHA-256, the first bytes for
 * libmagic, and (fd >= 0) the copy. */
static int
copy_runs(struct eng *e, const struct res *r, int fd, char sha[65],
    unsigned char *head, size_t *nhead, struct etk_error *err)
{
	EVP_MD_CTX *md;
	struct worker mw;
	struct piece bad;
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	uint64_t off, left;
	size_t want, got, w;
	ssize_t x;
	size_t i;
	int rc = ETK_OK;

	memset(&mw, 0, sizeof(mw));
	memset(&bad, 0, sizeof(bad));
	mw.e = e;
	mw.src = e->src;
	*nhead = 0;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return etk_fail(err, ETK_ENOMEM, 0, "sha256: cannot start");
	}
	for (i = 0; i < r->nfrag && rc == ETK_OK; i++) {
		off = r->frag[i].off;
		left = r->frag[i].len;
		while (left > 0) {
			want = left > COPY_BUF ? COPY_BUF : (size_t)left;
			/* Unreadable sectors as zeros, as the validator
			 * saw them. */
			got = fill(&mw, &bad, off, e->copybuf, want);
			if (got < want) {
				rc = etk_fail(err, ETK_EIO, 0, "%s: short read "
				    "at %" PRIu64, e->name, off + got);
				break;
			}
			if (*nhead < MAGIC_BYTES) {
				w = MAGIC_BYTES - *nhead < got ?
				    MAGIC_BYTES - *nhead : got;
				memcpy(head + *nhead, e->copybuf, w);
				*nhead += w;
			}
			EVP_DigestUpdate(md, e->copybuf, got);
			for (w = 0; fd >= 0 && w < got; w += (size_t)x) {
				x = write(fd, e->copybuf + w, got - w);
				if (x < 0 && errno == EINTR) {
					x = 0;
					continue;
				}
				if (x <= 0) {
					rc = etk_fail(err, ETK_EIO, errno,
					    "write error");
					break;
				}
			}
			if (rc != ETK_OK)
				break;
			off += got;
			left -= got;
		}
	}
	if (rc == ETK_OK && EVP_DigestFinal_ex(md, dg, &dl) == 1)
		etk_hex(dg, dl, sha);
	if (bad.nbad > 0) {
		char scope[512];

		snprintf(scope, sizeof(scope), "%s:@%" PRIu64 "+%" PRIu64,
		    e->name, bad.bad_lo, bad.bad_hi - bad.bad_lo);
		etk_summary_add(e->sum, scope, "read", ETK_OUTCOME_ERROR, 0,
		    bad.msg);
	}
	EVP_MD_CTX_free(md);
	return rc;
}

/* Write outdir/carved/TYPE/OFFSET.EXT (partial/ when not complete)
 * atomically, never over an existing file, and hash it; rel receives
 * the path relative to outdir. */
static int
write_file(struct eng *e, const struct res *r, char *rel, size_t rellen,
    char sha[65], unsigned char *head, size_t *nhead,
    struct etk_error *err)
{
	char type[64], ext[32], dir[4096], path[4096], tmp[4096 + 32];
	const char *top;
	int fd, rc;

	/* Validated files under carved/, the rest under partial/: a
	 * directory of carved/ holds only files that are whole. */
	top = r->status == CV_COMPLETE && !r->timeout ? "carved" : "partial";
	safe_name(r->type, type, sizeof(type));
	safe_name(r->ext, ext, sizeof(ext));
	snprintf(rel, rellen, "%s/%s/%0*" PRIu64 ".%s", top, type, e->width,
	    r->start, ext);
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s/%s", e->outdir, top,
	    type) >= sizeof(dir) || (size_t)snprintf(path, sizeof(path),
	    "%s/%s", e->outdir, rel) >= sizeof(path))
		return etk_fail(err, ETK_EINVAL, 0, "output path too long");
	if ((rc = mkdirs(dir, err)) != ETK_OK)
		return rc;
	if (access(path, F_OK) == 0)
		return etk_fail(err, ETK_EEXIST, 0,
		    "'%s' exists; refusing to overwrite", path);
	snprintf(tmp, sizeof(tmp), "%s/.%0*" PRIu64 ".tmp-XXXXXX", dir,
	    e->width, r->start);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		return etk_fail(err, ETK_EIO, errno, "cannot create '%s'",
		    tmp);
	(void)fchmod(fd, 0640);
	if ((rc = copy_runs(e, r, fd, sha, head, nhead, err)) != ETK_OK)
		goto fail;
	rc = etk_publish_file(fd, tmp, path, err);
	fd = -1;
	if (rc == ETK_OK)
		return ETK_OK;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	if (err->msg[0] != '\0' && strstr(err->msg, path) == NULL &&
	    err->code != ETK_EEXIST)
		etk_wrap(err, "%s", path);
	return rc;
}

static const char *
status_name(enum cv_status s)
{
	switch (s) {
	case CV_COMPLETE:
		return "complete";
	case CV_TRUNCATED:
		return "truncated";
	default:
		return "corrupt";
	}
}

static void
emit(struct eng *e, const struct res *r)
{
	struct etk_error err = { 0 };
	struct etk_byte_run runs[CV_MAXFRAG];
	struct etk_carved c;
	struct etk_buf loc;
	unsigned char *head;
	char rel[256], sha[65], mime[128], scope[512];
	size_t nhead = 0, i;
	uint64_t fo = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	sha[0] = '\0';
	mime[0] = '\0';
	if ((head = malloc(MAGIC_BYTES)) == NULL) {
		etk_summary_add(e->sum, e->name, "carve", ETK_OUTCOME_ERROR, 0,
		    "out of memory");
		return;
	}
	if (e->outdir != NULL && !e->o->no_write)
		rc = write_file(e, r, rel, sizeof(rel), sha, head, &nhead,
		    &err);
	else
		rc = copy_runs(e, r, -1, sha, head, &nhead, &err);
	if (rc != ETK_OK) {
		snprintf(scope, sizeof(scope), "%s:@%" PRIu64 "+%" PRIu64,
		    e->name, r->frag[0].off, r->frag[0].len);
		etk_summary_add(e->sum, scope, "output", ETK_OUTCOME_ERROR, 0,
		    err.msg);
		free(head);
		return;
	}
	if (e->magic == NULL && !e->magic_failed &&
	    etk_magic_open(&e->magic, NULL) != ETK_OK)
		e->magic_failed = 1;
	if (e->magic != NULL)
		etk_magic_mime(e->magic, head, nhead, mime, sizeof(mime));
	free(head);
	for (i = 0; i < r->nfrag; i++) {
		runs[i].file_offset = fo;
		runs[i].img_offset = r->frag[i].off;
		runs[i].len = r->frag[i].len;
		fo += r->frag[i].len;
	}
	etk_buf_init(&loc);
	etk_buf_printf(&loc, "%s:@%" PRIu64 "+%" PRIu64, e->name,
	    r->frag[0].off, r->frag[0].len);
	c.locator = loc.data;
	c.offset = r->start;
	c.length = r->len;
	c.runs = runs;
	c.nruns = r->nfrag;
	c.type = r->type;
	c.ext = r->ext;
	c.mime = mime[0] != '\0' ? mime : NULL;
	c.validated = r->status == CV_COMPLETE;
	c.complete = r->status == CV_COMPLETE && !r->timeout;
	c.status = status_name(r->status);
	memcpy(c.sha256, sha, sizeof(c.sha256));
	c.path = e->outdir != NULL && !e->o->no_write ? rel : NULL;
	vol_of(e, r->volume)->count++;
	e->nrecords++;
	if (!loc.oom && e->cb != NULL && e->cb(&c, e->arg) != 0)
		e->cb_stop = 1;
	etk_buf_release(&loc);
}

/* One past the last byte of a result in the source. */
static uint64_t
res_end(const struct res *r)
{
	uint64_t end = r->start + r->len;
	size_t i;

	if (r->nfrag > 0)
		for (i = 0, end = 0; i < r->nfrag; i++)
			if (r->frag[i].off + r->frag[i].len > end)
				end = r->frag[i].off + r->frag[i].len;
	return end;
}

static void
add_cover(struct eng *e, const struct res *r)
{
	struct cv_frag *t;
	size_t i, nc;

	for (i = 0; i < r->nfrag; i++) {
		if (e->ncover == e->capcover) {
			nc = e->capcover ? e->capcover * 2 : 16;
			if ((t = realloc(e->cover, nc * sizeof(*t))) == NULL)
				return;	/* degrade: less hidden */
			e->cover = t;
			e->capcover = nc;
		}
		e->cover[e->ncover++] = r->frag[i];
	}
}

static int
covered(struct eng *e, uint64_t off)
{
	size_t i, j;
	int in = 0;

	for (i = 0, j = 0; i < e->ncover; i++) {
		if (e->cover[i].off + e->cover[i].len <= off)
			continue;	/* passed: drop */
		if (e->cover[i].off <= off)
			in = 1;
		e->cover[j++] = e->cover[i];
	}
	e->ncover = j;
	return in;
}

static void
emit_piece(struct eng *e, struct piece *p)
{
	char scope[512];
	size_t i;
	int in;

	if (!p->lookback)
		(void)vol_of(e, p->volume);
	if (p->nbad > 0) {
		snprintf(scope, sizeof(scope), "%s:@%" PRIu64 "+%" PRIu64,
		    e->name, p->bad_lo, p->bad_hi - p->bad_lo);
		etk_summary_add(e->sum, scope, "read", ETK_OUTCOME_ERROR, 0,
		    p->msg);
	}
	if (p->rc != ETK_OK) {
		snprintf(scope, sizeof(scope), "%s:@%" PRIu64 "+%" PRIu64,
		    e->name, p->lo, p->hi - p->lo);
		etk_summary_add(e->sum, scope, "carve", ETK_OUTCOME_ERROR, 0,
		    p->msg);
	}
	if (p->ntimeout > 0) {
		snprintf(scope, sizeof(scope), "%s:@%" PRIu64, e->name,
		    p->timeout_at);
		etk_summary_add(e->sum, scope, "candidate",
		    ETK_OUTCOME_TIMEOUT, p->ntimeout,
		    "validator CPU budget spent");
	}
	for (i = 0; i < p->n && !e->cb_stop; i++) {
		in = covered(e, p->r[i].start);
		if (p->r[i].status == CV_COMPLETE)
			add_cover(e, &p->r[i]);
		else if (!in && p->r[i].status != CV_NO) {
			uint64_t end = res_end(&p->r[i]);

			if (e->pc_set && p->r[i].fmt == e->pc_fmt &&
			    p->r[i].start < e->pc_end && end == e->pc_end)
				in = 1;	/* the same broken file */
			else {
				e->pc_set = 1;
				e->pc_fmt = p->r[i].fmt;
				e->pc_end = end;
			}
		}
		if (in || p->r[i].start < e->own_lo ||
		    !result_wanted(e, &p->r[i]))
			continue;
		if (e->o->interrupt != NULL && *e->o->interrupt)
			break;
		emit(e, &p->r[i]);
	}
}

/* ------------------------------------------------------------ the run */

static void
eng_free(struct eng *e)
{
	size_t i;

	for (i = 0; e->ring != NULL && i < e->window; i++)
		free(e->ring[i].r);
	free(e->ring);
	free(e->areas);
	free(e->un);
	free(e->cover);
	free(e->copybuf);
	etk_magic_close(e->magic);
	if (e->ev != NULL)
		etk_evidence_close(e->ev);
}

static void
worker_free(struct worker *w)
{
	if (w->src != NULL && w->src != w->e->src)
		etk_source_close(w->src);
	free(w->buf);
	free(w->cache);
	free(w->cands);
}

static int
run_workers(struct eng *e, int nthreads, struct etk_error *err)
{
	struct worker *ws;
	struct etk_error e2 = { 0 };
	struct piece *p;
	size_t i;
	int n = nthreads, k, rc = ETK_OK;
	size_t bufsz;

	if ((ws = calloc((size_t)n, sizeof(*ws))) == NULL)
		return nomem(err);
	bufsz = (e->block + e->anchor_end + PAGE - 1) & ~(size_t)(PAGE - 1);
	for (k = 0; k < n; k++) {
		ws[k].e = e;
		ws[k].buf = aligned_alloc(PAGE, bufsz);
		ws[k].cache = aligned_alloc(PAGE, CV_CACHE);
		if (ws[k].buf == NULL || ws[k].cache == NULL) {
			rc = nomem(err);
			goto out;
		}
		ws[k].cache_off = UINT64_MAX;
		etk_error_clear(&e2);
		if (etk_source_reopen(&ws[k].src, e->src, &e2) != ETK_OK) {
			ws[k].src = e->src;
			e->shared = 1;
		}
	}
	e->window = (size_t)n * 4 + 4;
	if ((e->ring = calloc(e->window, sizeof(*e->ring))) == NULL) {
		rc = nomem(err);
		goto out;
	}
	for (k = 0; k < n; k++) {
		if (pthread_create(&ws[k].tid, NULL, worker_main, &ws[k]) !=
		    0) {
			rc = etk_fail(err, ETK_ENOMEM, errno,
			    "cannot start a thread");
			pthread_mutex_lock(&e->mu);
			set_stop(e);
			pthread_cond_broadcast(&e->cv_work);
			pthread_mutex_unlock(&e->mu);
			break;
		}
		ws[k].started = 1;
	}
	for (i = 0; rc == ETK_OK; i++) {
		p = &e->ring[i % e->window];
		pthread_mutex_lock(&e->mu);
		while (!(i < e->next && p->done) &&
		    !(e->exhausted && i >= e->next))
			pthread_cond_wait(&e->cv_done, &e->mu);
		if (i >= e->next) {
			pthread_mutex_unlock(&e->mu);
			break;
		}
		pthread_mutex_unlock(&e->mu);
		if (!e->cb_stop)
			emit_piece(e, p);
		free(p->r);
		p->r = NULL;
		p->n = p->cap = 0;
		pthread_mutex_lock(&e->mu);
		e->emitted = i + 1;
		if (e->cb_stop || (e->o->interrupt != NULL &&
		    *e->o->interrupt))
			set_stop(e);
		pthread_cond_broadcast(&e->cv_work);
		pthread_mutex_unlock(&e->mu);
		if (e->stop)
			break;
	}
	pthread_mutex_lock(&e->mu);
	set_stop(e);
	pthread_cond_broadcast(&e->cv_work);
	pthread_mutex_unlock(&e->mu);
out:
	for (k = 0; k < n; k++) {
		if (ws[k].started)
			pthread_join(ws[k].tid, NULL);
		worker_free(&ws[k]);
	}
	free(ws);
	return rc;
}

int
etk_carve_with_formats(const char *path, const char *outdir,
    const struct etk_carve_opts *o, const struct cv_format *const *fmts,
    size_t nfmts, const struct cv_tune *tune, etk_carve_cb cb, void *arg,
    struct etk_summary *sum, struct etk_error *err)
{
	struct etk_error tmp = { 0 };
	struct eng *e;
	uint64_t total = 0;
	size_t i;
	int rc, nthreads;
	char scope[512];

	if (err == NULL)
		err = &tmp;
	if (path == NULL || o == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "etk_carve: %s",
		    path == NULL ? "no source" : "no options");
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return nomem(err);
	e->o = o;
	e->cb = cb;
	e->arg = arg;
	e->sum = sum;
	e->outdir = outdir;
	e->cap = o->max_size != 0 ? o->max_size : ETK_CARVE_MAX_SIZE;
	e->stripe = tune != NULL && tune->stripe != 0 ? tune->stripe :
	    CV_STRIPE;
	e->stripe = (e->stripe + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	e->block = tune != NULL && tune->block != 0 ? tune->block : CV_BLOCK;
	e->cpu_ns = (tune != NULL && tune->cpu_ms != 0 ? tune->cpu_ms :
	    CV_CPU_MS) * 1000000u;
	pthread_mutex_init(&e->mu, NULL);
	pthread_mutex_init(&e->src_mu, NULL);
	pthread_cond_init(&e->cv_work, NULL);
	pthread_cond_init(&e->cv_done, NULL);
	nthreads = o->threads < 1 ? 1 : o->threads > 256 ? 256 : o->threads;

	if ((rc = setup_formats(e, fmts, nfmts, o->types, err)) != ETK_OK)
		goto out;
	if ((rc = etk_evidence_open(&e->ev, path, err)) != ETK_OK)
		goto out;
	e->name = etk_evidence_name(e->ev);
	if ((e->src = etk_evidence_source(e->ev)) == NULL) {
		rc = etk_fail(err, ETK_EUNSUPP, 0, "%s: a %s has no bytes "
		    "to carve", e->name, etk_evidence_kind_name(e->ev));
		goto out;
	}
	e->size = etk_source_size(e->src);
	e->width = digits(e->size);
	if ((rc = etk_carve_owner_range(e->size, o, &e->own_lo, &e->own_hi,
	    err)) != ETK_OK) {
		if (e->size == 0 && !o->has_range) {
			rc = ETK_OK;
			e->own_lo = e->own_hi = 0;
		} else
			goto out;
	}
	if ((rc = find_areas(e, err)) != ETK_OK)
		goto out;
	e->scan_lo = e->own_lo > e->cap ? e->own_lo - e->cap : 0;
	total = plan_total(e);
	if (outdir != NULL && !o->no_write &&
	    (rc = mkdirs(outdir, err)) != ETK_OK)
		goto out;
	if ((e->copybuf = aligned_alloc(PAGE, COPY_BUF)) == NULL) {
		rc = nomem(err);
		goto out;
	}
	if (o->progress != NULL)
		etk_progress_set_total(o->progress, total);
	/* Every volume scanned gets an item, even with no record. */
	for (i = 0; i < e->nareas; i++)
		if (e->areas[i].off + e->areas[i].len > e->own_lo &&
		    e->areas[i].off < e->own_hi)
			(void)vol_of(e, e->areas[i].volume);
	if (e->nfmt > 0 && total > 0 &&
	    (rc = run_workers(e, nthreads, err)) != ETK_OK)
		goto out;
	for (i = 0; i < e->nvols; i++) {
		scope_name(e, e->vols[i].volume, scope, sizeof(scope));
		etk_summary_add(sum, scope, e->scope_all ? "source" :
		    "unallocated", ETK_OUTCOME_OK, e->vols[i].count, NULL);
	}
	if (e->nvols == 0)
		etk_summary_add(sum, e->name, e->scope_all ? "source" :
		    "unallocated", ETK_OUTCOME_EMPTY, 0, e->scope_all ?
		    "nothing in range" : "no unallocated space in range");
	rc = ETK_OK;
out:
	eng_free(e);
	pthread_mutex_destroy(&e->mu);
	pthread_mutex_destroy(&e->src_mu);
	pthread_cond_destroy(&e->cv_work);
	pthread_cond_destroy(&e->cv_done);
	free(e);
	return rc;
}

int
etk_carve(const char *path, const char *outdir,
    const struct etk_carve_opts *o, etk_carve_cb cb, void *arg,
    struct etk_summary *sum, struct etk_error *err)
{
	const struct cv_format *f[MAXFMT];
	size_t n;

	n = etk_cv_all(f, MAXFMT);
	if (n > MAXFMT)
		n = MAXFMT;
	return etk_carve_with_formats(path, outdir, o, f, n, NULL, cb, arg,
	    sum, err);
}
