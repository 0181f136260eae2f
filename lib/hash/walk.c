/*
 * Hashing whole sources and every file of an evidence item.
 *
 * etk_hash_evidence is a bounded pipeline:
 *
 *	producer thread:  etk_evidence_walk -> copy each regular file's
 *	                  entry into the next ring slot (blocks when full)
 *	worker threads:   own etk_evidence each; take a filled slot, open
 *	                  the file, read it once (page-aligned buffer),
 *	                  feed digests + libmagic (first 64 KiB)
 *	calling thread:   emits slots in walk order (sequence numbers),
 *	                  calls cb, frees the slot for the producer
 *
 * Memory is the ring (4 * threads + 16 slots) plus one 1 MiB buffer,
 * hasher and magic handle per worker, whatever the number of files.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash/hash_int.h"

int
etk_hash_source(struct etk_source *src, unsigned mask,
    struct etk_digests *out, uint64_t *nbytes, struct etk_progress *pg,
    struct etk_error *err)
{
	struct etk_hasher *h = NULL;
	unsigned char *buf;
	uint64_t off = 0;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (nbytes != NULL)
		*nbytes = 0;
	if ((buf = etk_hash_buf_alloc()) == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	if ((rc = etk_hasher_new(&h, mask, err)) != ETK_OK) {
		free(buf);
		return rc;
	}
	for (;;) {
		n = 0;
		rc = etk_source_read(src, off, buf, ETK_HASH_BUFSZ, &n, err);
		if (rc != ETK_OK) {
			/* Nothing is digested past a read error. */
			if (nbytes != NULL)
				*nbytes = off;
			etk_hasher_free(h);
			free(buf);
			return rc;
		}
		if (n == 0)
			break;
		if ((rc = etk_hasher_update(h, buf, n, err)) != ETK_OK)
			goto fail;
		off += n;
		if (pg != NULL)
			etk_progress_add(pg, n);
		if (n < ETK_HASH_BUFSZ)
			break;
	}
	if ((rc = etk_hasher_final(h, out, err)) != ETK_OK)
		goto fail;
	if (nbytes != NULL)
		*nbytes = off;
	etk_hasher_free(h);
	free(buf);
	return ETK_OK;
fail:
	memset(out, 0, sizeof(*out));
	etk_hasher_free(h);
	free(buf);
	return rc;
}

/* ---- the pipeline ---- */

enum slot_state {
	SLOT_EMPTY = 0,
	SLOT_FILLED,		/* waiting for a worker */
	SLOT_BUSY,		/* a worker has it */
	SLOT_DONE		/* waiting for the emitter */
};

#define REASON_MAX	ETK_ERRMSG_MAX
#define MIME_MAX	128

struct slot {
	enum slot_state state;
	uint64_t seq;
	struct etk_entry e;	/* strings point into strs */
	char *strs;
	int skip;		/* not read: status/reason preset */
	struct etk_hashed_file res;
	char mime[MIME_MAX];
	char reason[REASON_MAX];
	struct etk_byte_run *runs;
};

struct pipe {
	const char *path;
	const struct etk_hash_opts *o;
	unsigned mask;
	struct etk_summary *sum;
	pthread_mutex_t mu;
	pthread_cond_t cv_free;		/* a slot became empty */
	pthread_cond_t cv_work;		/* a slot was filled (or the end) */
	pthread_cond_t cv_done;		/* a slot is done (or the end) */
	struct slot *ring;
	size_t nslots;
	uint64_t produced;	/* slots filled so far */
	uint64_t taken;		/* next seq for a worker */
	uint64_t emitted;	/* next seq for the emitter */
	uint64_t walk_index;	/* regular files seen (for shards) */
	int walk_done;
	int stop;		/* cb asked to stop, or a fatal error */
	/* producer */
	struct etk_evidence *ev;
	int walk_rc;
	struct etk_error walk_err;
};

struct worker {
	struct pipe *p;
	struct etk_evidence *ev;
	struct etk_hasher *h;
	struct etk_magic *mg;
	unsigned char *buf;
	pthread_t th;
	int started;
};

static size_t
slen(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

static const char *
scopy(char **dst, const char *s)
{
	char *d = *dst;
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	memcpy(d, s, n);
	*dst += n;
	return d;
}

/* Deep copy of e into the slot.  Returns 0 or -1 (no memory). */
static int
entry_copy(struct slot *s, const struct etk_entry *e)
{
	size_t n = slen(e->locator) + slen(e->source) + slen(e->fs_type) +
	    slen(e->path) + slen(e->name) + slen(e->parent) +
	    slen(e->link_target);
	char *d;

	if ((s->strs = malloc(n > 0 ? n : 1)) == NULL)
		return -1;
	d = s->strs;
	s->e = *e;
	s->e.locator = scopy(&d, e->locator);
	s->e.source = scopy(&d, e->source);
	s->e.fs_type = scopy(&d, e->fs_type);
	s->e.path = scopy(&d, e->path);
	s->e.name = scopy(&d, e->name);
	s->e.parent = scopy(&d, e->parent);
	s->e.link_target = scopy(&d, e->link_target);
	return 0;
}

static void
slot_clear(struct slot *s)
{
	free(s->strs);
	free(s->runs);
	memset(s, 0, sizeof(*s));
}

static int
is_regular(const struct etk_entry *e)
{
	return e->name_type == 'r' || e->meta_type == 'r';
}

static void
slot_skip(struct slot *s, int status, const char *why)
{
	s->skip = 1;
	s->res.status = status;
	snprintf(s->reason, sizeof(s->reason), "content not recoverable: %s",
	    why);
}

/* NTFS $BadClus:$Bad: sized as the volume, no runs (icat gives
 * nothing); not a file that can be hashed. */
static int
is_badclus(const struct etk_entry *e)
{
	return e->fs_type != NULL && strncmp(e->fs_type, "ntfs", 4) == 0 &&
	    e->has_inode && e->inode == 8 && e->path != NULL &&
	    strcmp(e->path, "/$BadClus:$Bad") == 0;
}

static int
produce(const struct etk_entry *e, void *arg)
{
	struct pipe *p = arg;
	struct slot *s;
	uint64_t idx;

	if (!is_regular(e))
		return 0;
	idx = p->walk_index++;
	if (p->o->shard_n > 0 && idx % p->o->shard_n != p->o->shard_k)
		return 0;
	if (p->o->use_range && (idx < p->o->range_first ||
	    idx >= p->o->range_end))
		return 0;
	pthread_mutex_lock(&p->mu);
	s = &p->ring[p->produced % p->nslots];
	while (s->state != SLOT_EMPTY && !p->stop)
		pthread_cond_wait(&p->cv_free, &p->mu);
	if (p->stop) {
		pthread_mutex_unlock(&p->mu);
		return 1;
	}
	pthread_mutex_unlock(&p->mu);
	/* The slot is ours until it is marked filled. */
	if (entry_copy(s, e) != 0) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		p->walk_rc = etk_fail(&p->walk_err, ETK_ENOMEM, 0,
		    "out of memory");
		pthread_cond_broadcast(&p->cv_done);
		pthread_cond_broadcast(&p->cv_work);
		pthread_mutex_unlock(&p->mu);
		return 1;
	}
	s->seq = p->produced;
	if (e->realloc || (e->meta_type != 'r' && e->meta_type != '\0' &&
	    e->meta_type != '-'))
		slot_skip(s, ETK_ENOTFOUND,
		    "the metadata was reallocated to another file");
	else if (e->deleted && e->size == 0)
		slot_skip(s, ETK_ENOTFOUND, "size 0 after deletion");
	else if (is_badclus(e))
		slot_skip(s, ETK_ENOTFOUND, "NTFS $BadClus:$Bad is sparse "
		    "and holds no data");
	pthread_mutex_lock(&p->mu);
	s->state = SLOT_FILLED;
	p->produced++;
	pthread_cond_signal(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/* The skip rules of produce, for an entry that would be hashed. */
static int
would_skip(const struct etk_entry *e)
{
	return e->realloc || (e->meta_type != 'r' && e->meta_type != '\0' &&
	    e->meta_type != '-') || (e->deleted && e->size == 0) ||
	    is_badclus(e);
}

struct plan {
	const struct etk_hash_opts *o;
	uint64_t idx, files, bytes;
	uint64_t *weights;	/* etk_hash_split: bytes per regular file */
	size_t nw, capw;
	int oom;
};

static int
plan_one(const struct etk_entry *e, void *arg)
{
	struct plan *pl = arg;
	uint64_t idx;

	if (!is_regular(e))
		return 0;
	idx = pl->idx++;
	if (pl->o->shard_n > 0 && idx % pl->o->shard_n != pl->o->shard_k)
		return 0;
	if (pl->o->use_range && (idx < pl->o->range_first ||
	    idx >= pl->o->range_end))
		return 0;
	if (pl->weights != NULL) {
		if (pl->nw == pl->capw) {
			size_t nc = pl->capw ? 2 * pl->capw : 4096;
			uint64_t *w = realloc(pl->weights, nc * sizeof(*w));

			if (w == NULL) {
				pl->oom = 1;
				return 1;
			}
			pl->weights = w;
			pl->capw = nc;
		}
		pl->weights[pl->nw++] = would_skip(e) ? 0 : e->size;
	}
	if (would_skip(e))
		return 0;
	pl->files++;
	pl->bytes += e->size;
	return 0;
}

int
etk_hash_plan(const char *path, const struct etk_hash_opts *opts,
    uint64_t *files, uint64_t *bytes, struct etk_error *err)
{
	struct etk_evidence *ev;
	struct plan pl;
	unsigned flags = opts->walk_flags;
	int rc;

	*files = *bytes = 0;
	memset(&pl, 0, sizeof(pl));
	pl.o = opts;
	if (flags == 0)
		flags = ETK_WALK_DEFAULT | ETK_WALK_NESTED;
	if ((rc = etk_evidence_open(&ev, path, err)) != ETK_OK)
		return rc;
	rc = etk_evidence_walk(ev, NULL, flags, plan_one, &pl, NULL, err);
	etk_evidence_close(ev);
	*files = pl.files;
	*bytes = pl.bytes;
	return rc;
}

#define SPLIT_FILE_COST (64u * 1024)

int
etk_hash_split(const char *const *paths, size_t npaths,
    const struct etk_hash_opts *opts, uint64_t n, uint64_t *bounds,
    uint64_t *counts, uint64_t *bytes, struct etk_error *err)
{
	struct etk_hash_opts o;
	struct etk_evidence *ev;
	struct plan pl;
	unsigned flags;
	uint64_t before;
	size_t i;
	int rc = ETK_OK;

	if (paths == NULL || n == 0 || bounds == NULL || counts == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "split: bad arguments");
	memset(&o, 0, sizeof(o));
	if (opts != NULL)
		o = *opts;
	o.shard_n = o.shard_k = 0;
	o.use_range = 0;
	flags = o.walk_flags != 0 ? o.walk_flags :
	    ETK_WALK_DEFAULT | ETK_WALK_NESTED;
	memset(&pl, 0, sizeof(pl));
	pl.o = &o;
	pl.weights = malloc(sizeof(*pl.weights));
	if (pl.weights == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	pl.capw = 1;
	for (i = 0; i < npaths; i++) {
		before = pl.nw;
		pl.idx = 0;
		if ((rc = etk_evidence_open(&ev, paths[i], err)) != ETK_OK)
			goto out;
		rc = etk_evidence_walk(ev, NULL, flags, plan_one, &pl, NULL,
		    err);
		etk_evidence_close(ev);
		if (pl.oom) {
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM,
			    "out of memory");
			goto out;
		}
		if (rc != ETK_OK)
			goto out;
		counts[i] = pl.nw - before;
	}
	etk_split_weights(pl.weights, pl.nw, n, SPLIT_FILE_COST, bounds,
	    bytes);
out:
	free(pl.weights);
	return rc;
}

static void *
producer_main(void *arg)
{
	struct pipe *p = arg;
	unsigned flags = p->o->walk_flags;
	int rc;

	if (flags == 0)
		flags = ETK_WALK_DEFAULT | ETK_WALK_NESTED;
	rc = etk_evidence_walk(p->ev, NULL, flags, produce, p, p->sum,
	    &p->walk_err);
	pthread_mutex_lock(&p->mu);
	if (rc != ETK_OK && p->walk_rc == ETK_OK)
		p->walk_rc = rc;
	p->walk_done = 1;
	pthread_cond_broadcast(&p->cv_work);
	pthread_cond_broadcast(&p->cv_done);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Record a failure of the file in the slot. */
static void
file_failed(struct worker *w, struct slot *s, int rc,
    const struct etk_error *err, const char *what)
{
	const struct etk_entry *e = &s->e;

	s->res.status = rc != ETK_OK ? rc : ETK_EIO;
	if (e->deleted)
		snprintf(s->reason, sizeof(s->reason), "content not "
		    "recoverable: %.480s", err->msg[0] != '\0' ? err->msg :
		    what);
	else {
		snprintf(s->reason, sizeof(s->reason), "%s",
		    err->msg[0] != '\0' ? err->msg : what);
		/* An allocated file that cannot be read is an error of the
		 * run; a deleted one is what deletion leaves. */
		etk_summary_add(w->p->sum, e->locator, "file",
		    ETK_OUTCOME_ERROR, 0, s->reason);
	}
}

/*
 * How much to ask for at off of a file of size bytes.  TSK (4.11)
 * bounces an image read whose length is not a whole number of sectors
 * through a zeroed buffer of its own (malloc, memset, memcpy: the whole
 * read copied twice), and a file's last read is usually such a length.
 * So the last big read stops at a 4 KiB boundary and the tail (< 4 KiB)
 * is read on its own.  The first read still holds the first 64 KiB
 * (or the whole file) for libmagic.
 */
static size_t
read_len(uint64_t off, uint64_t size)
{
	uint64_t rem, r;

	if (off >= size || size - off >= ETK_HASH_BUFSZ)
		return ETK_HASH_BUFSZ;
	rem = size - off;
	r = rem & ~(uint64_t)4095;
	if (r == 0 || r == rem || (off == 0 && r < ETK_MAGIC_BYTES))
		return ETK_HASH_BUFSZ;
	return (size_t)r;
}

static void
hash_one(struct worker *w, struct slot *s)
{
	const struct etk_hash_opts *o = w->p->o;
	struct etk_error err = { 0 };
	struct etk_source *src = NULL;
	struct etk_digests d;
	uint64_t off = 0;
	size_t n, want, nruns = 0;
	int rc, typed = 0;
	char iloc[1024];

	s->res.entry = &s->e;
	if (s->skip)
		return;
	if ((rc = etk_evidence_open_file(w->ev, etk_entry_open_locator(&s->e,
	    iloc, sizeof(iloc)), &src, &err)) != ETK_OK) {
		file_failed(w, s, rc, &err, "cannot open");
		return;
	}
	for (;;) {
		want = read_len(off, s->e.size);
		n = 0;
		rc = etk_source_read(src, off, w->buf, want, &n, &err);
		if (rc != ETK_OK)
			break;
		if (!typed && w->mg != NULL) {
			etk_magic_mime(w->mg, w->buf, n < ETK_MAGIC_BYTES ? n :
			    ETK_MAGIC_BYTES, s->mime, sizeof(s->mime));
			typed = 1;
		}
		if (n == 0)
			break;
		if ((rc = etk_hasher_update(w->h, w->buf, n, &err)) !=
		    ETK_OK)
			break;
		off += n;
		if (o->progress != NULL)
			etk_progress_add(o->progress, n);
		if (n < want)
			break;
	}
	etk_source_close(src);
	s->res.bytes = off;
	if (typed) {
		s->res.mime = s->mime;
		s->res.ext_mismatch = etk_ext_mismatch(s->e.name, s->mime);
	}
	if (rc == ETK_OK && off != s->e.size) {
		char why[160];

		snprintf(why, sizeof(why), "short read: %" PRIu64 " of %"
		    PRIu64 " bytes addressable", off, s->e.size);
		etk_fail(&err, ETK_EFORMAT, 0, "%s: %s", s->e.locator, why);
		rc = ETK_EFORMAT;
	}
	if (rc != ETK_OK) {
		/* Reset the hasher: never a digest of part of a file. */
		(void)etk_hasher_final(w->h, &d, NULL);
		file_failed(w, s, rc, &err, "read failed");
		return;
	}
	if ((rc = etk_hasher_final(w->h, &s->res.digests, &err)) != ETK_OK) {
		file_failed(w, s, rc, &err, "digest failed");
		return;
	}
	if (o->want_runs) {
		etk_error_clear(&err);
		if (etk_evidence_byte_runs(w->ev, s->e.locator, &s->runs,
		    &nruns, &err) == ETK_OK) {
			s->res.runs = s->runs;
			s->res.nruns = nruns;
		} else {
			free(s->runs);
			s->runs = NULL;
		}
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct pipe *p = w->p;
	struct slot *s;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->taken == p->produced && !p->walk_done && !p->stop)
			pthread_cond_wait(&p->cv_work, &p->mu);
		if (p->taken == p->produced || p->stop)
			break;
		s = &p->ring[p->taken % p->nslots];
		p->taken++;
		s->state = SLOT_BUSY;
		pthread_mutex_unlock(&p->mu);
		hash_one(w, s);
		if (s->res.status != ETK_OK)
			s->res.reason = s->reason;
		pthread_mutex_lock(&p->mu);
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&p->cv_done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void
worker_release(struct worker *w)
{
	etk_evidence_close(w->ev);
	etk_hasher_free(w->h);
	etk_magic_close(w->mg);
	free(w->buf);
}

static int
worker_init(struct worker *w, struct pipe *p, struct etk_error *err)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->p = p;
	if ((rc = etk_evidence_open(&w->ev, p->path, err)) != ETK_OK ||
	    (rc = etk_hasher_new(&w->h, p->mask, err)) != ETK_OK ||
	    (!p->o->no_mime && (rc = etk_magic_open(&w->mg, err)) != ETK_OK))
		return rc;
	if ((w->buf = etk_hash_buf_alloc()) == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	return ETK_OK;
}

int
etk_hash_evidence(const char *path, const struct etk_hash_opts *opts,
    etk_hash_cb cb, void *arg, struct etk_summary *sum,
    struct etk_error *err)
{
	struct etk_hash_opts defo;
	struct pipe p;
	struct worker *w = NULL;
	pthread_t prod;
	struct slot *s;
	int i, nw, rc = ETK_OK, prod_started = 0;

	if (path == NULL || cb == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "no path or callback");
	if (opts == NULL) {
		memset(&defo, 0, sizeof(defo));
		opts = &defo;
	}
	if (opts->shard_n > 0 && opts->shard_k >= opts->shard_n)
		return etk_fail(err, ETK_EINVAL, 0, "shard %" PRIu64 " of %"
		    PRIu64 ": K must be below N", opts->shard_k,
		    opts->shard_n);
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.o = opts;
	p.mask = opts->digests != 0 ? opts->digests & ETK_DIGEST_ALL :
	    ETK_DIGEST_SHA256;
	p.sum = sum;
	nw = opts->threads >= 1 ? opts->threads : 1;
	if (nw > 256)
		nw = 256;
	p.nslots = 4 * (size_t)nw + 16;
	if ((rc = etk_evidence_open(&p.ev, path, err)) != ETK_OK)
		return rc;
	if ((p.ring = calloc(p.nslots, sizeof(*p.ring))) == NULL ||
	    (w = calloc((size_t)nw, sizeof(*w))) == NULL) {
		free(p.ring);
		etk_evidence_close(p.ev);
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	}
	for (i = 0; i < nw; i++)
		if ((rc = worker_init(&w[i], &p, err)) != ETK_OK) {
			nw = i + 1;
			goto out;
		}
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv_free, NULL);
	pthread_cond_init(&p.cv_work, NULL);
	pthread_cond_init(&p.cv_done, NULL);
	for (i = 0; i < nw; i++) {
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0) {
			rc = etk_fail(err, ETK_ENOMEM, 0, "cannot start a "
			    "thread");
			break;
		}
		w[i].started = 1;
	}
	if (rc == ETK_OK) {
		if (pthread_create(&prod, NULL, producer_main, &p) != 0)
			rc = etk_fail(err, ETK_ENOMEM, 0, "cannot start a "
			    "thread");
		else
			prod_started = 1;
	}
	if (rc != ETK_OK) {
		pthread_mutex_lock(&p.mu);
		p.stop = 1;
		p.walk_done = 1;
		pthread_cond_broadcast(&p.cv_work);
		pthread_mutex_unlock(&p.mu);
	}

	/* Emit in walk order. */
	pthread_mutex_lock(&p.mu);
	while (rc == ETK_OK) {
		s = &p.ring[p.emitted % p.nslots];
		while (!(p.emitted < p.produced && s->state == SLOT_DONE) &&
		    !(p.walk_done && p.emitted == p.produced) && !p.stop)
			pthread_cond_wait(&p.cv_done, &p.mu);
		if (p.stop || p.emitted == p.produced)
			break;
		pthread_mutex_unlock(&p.mu);
		if (cb(&s->res, arg) != 0) {
			pthread_mutex_lock(&p.mu);
			p.stop = 1;
			pthread_cond_broadcast(&p.cv_work);
			pthread_cond_broadcast(&p.cv_free);
			pthread_mutex_unlock(&p.mu);
		}
		slot_clear(s);
		pthread_mutex_lock(&p.mu);
		p.emitted++;
		pthread_cond_broadcast(&p.cv_free);
	}
	p.stop = 1;
	pthread_cond_broadcast(&p.cv_work);
	pthread_cond_broadcast(&p.cv_free);
	pthread_mutex_unlock(&p.mu);
	if (prod_started)
		pthread_join(prod, NULL);
	for (i = 0; i < nw; i++)
		if (w[i].started)
			pthread_join(w[i].th, NULL);
	if (rc == ETK_OK && p.walk_rc != ETK_OK) {
		*err = p.walk_err;
		rc = p.walk_rc;
	}
	for (i = 0; i < (int)p.nslots; i++)
		slot_clear(&p.ring[i]);
	pthread_cond_destroy(&p.cv_done);
	pthread_cond_destroy(&p.cv_work);
	pthread_cond_destroy(&p.cv_free);
	pthread_mutex_destroy(&p.mu);
out:
	if (opts->walked != NULL)
		*opts->walked = p.walk_index;
	for (i = 0; i < nw; i++)
		worker_release(&w[i]);
	free(w);
	free(p.ring);
	etk_evidence_close(p.ev);
	return rc;
}
