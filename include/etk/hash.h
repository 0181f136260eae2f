/*
 * etk hash: digests (MD5, SHA-1, SHA-256 through OpenSSL EVP; ssdeep
 * through libfuzzy), content types (libmagic) and the parallel hashing
 * of every file of an evidence item.
 */
#ifndef ETK_HASH_H
#define ETK_HASH_H

#include <etk/core.h>
#include <etk/source.h>
#include <etk/evidence.h>
#include <etk/summary.h>
#include <etk/progress.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ETK_DIGEST_MD5		0x01
#define ETK_DIGEST_SHA1		0x02
#define ETK_DIGEST_SHA256	0x04
#define ETK_DIGEST_SSDEEP	0x08
#define ETK_DIGEST_ALL		0x0f

#define ETK_SSDEEP_MAX		160	/* >= FUZZY_MAX_RESULT */

/* Lower-case hex digests; a digest not computed is "". */
struct etk_digests {
	unsigned mask;		/* ETK_DIGEST_* computed */
	char md5[33];
	char sha1[41];
	char sha256[65];
	char ssdeep[ETK_SSDEEP_MAX];
};

/* Parse "md5,sha1,sha256,ssdeep" (any order, case-insensitive) into a
 * mask.  ETK_EINVAL names the bad word. */
ETK_API int etk_digest_parse(const char *list, unsigned *mask,
    struct etk_error *err);
/* "md5,sha1" for a mask (static storage per mask bit pattern). */
ETK_API const char *etk_digest_names(unsigned mask);

/* Incremental multi-digest.  Large updates are split between threads
 * internally when it pays (several digests, big buffers). */
struct etk_hasher;	/* opaque */
ETK_API int etk_hasher_new(struct etk_hasher **, unsigned mask,
    struct etk_error *err);
ETK_API int etk_hasher_update(struct etk_hasher *, const void *buf,
    size_t len, struct etk_error *err);
/* Finish into out and reset for the next stream. */
ETK_API int etk_hasher_final(struct etk_hasher *, struct etk_digests *out,
    struct etk_error *err);
ETK_API void etk_hasher_free(struct etk_hasher *);	/* accepts NULL */

/* Hash all of src.  progress may be NULL.  *nbytes (may be NULL)
 * receives the bytes hashed.  A read error is returned (ETK_EIO) with
 * the offset; nothing is digested past it. */
ETK_API int etk_hash_source(struct etk_source *src, unsigned mask,
    struct etk_digests *out, uint64_t *nbytes, struct etk_progress *pg,
    struct etk_error *err);

/* Content type through libmagic.  One handle per thread. */
struct etk_magic;	/* opaque */
ETK_API int etk_magic_open(struct etk_magic **, struct etk_error *err);
ETK_API void etk_magic_close(struct etk_magic *);
/* MIME type of buf[0..len) into mime ("image/jpeg"; "application/
 * octet-stream" when unknown; "inode/x-empty" for len 0). */
ETK_API void etk_magic_mime(struct etk_magic *, const void *buf,
    size_t len, char *mime, size_t mimelen);
/* 1 when the file name's extension contradicts the content's MIME type
 * (a JPEG named .dll), 0 when they agree or nothing can be said (no
 * extension, unknown extension, generic content type). */
ETK_API int etk_ext_mismatch(const char *name, const char *mime);

/* One hashed file, as given to the callback of etk_hash_evidence.  All
 * pointers are borrowed for the duration of the callback. */
struct etk_hashed_file {
	const struct etk_entry *entry;
	struct etk_digests digests;	/* mask 0 when not hashed */
	const char *mime;		/* NULL when not read */
	int ext_mismatch;
	uint64_t bytes;			/* bytes hashed */
	int status;			/* ETK_OK, or why it was not hashed */
	const char *reason;		/* NULL when status is ETK_OK */
	const struct etk_byte_run *runs;/* byte runs in the top source */
	size_t nruns;
};
typedef int (*etk_hash_cb)(const struct etk_hashed_file *, void *arg);

struct etk_hash_opts {
	unsigned digests;	/* ETK_DIGEST_* (default SHA-256 when 0) */
	unsigned walk_flags;	/* ETK_WALK_* (0: DEFAULT | NESTED) */
	int threads;		/* workers (>= 1) */
	int want_runs;		/* fill runs/nruns (DFXML) */
	uint64_t shard_k, shard_n;	/* files whose walk index (position
					 * among the regular files walked,
					 * from 0) % n == k; n == 0: all */
	/* use_range: only the files whose walk index is in [range_first,
	 * range_end) (a contiguous part of a split: etk_hash_split). */
	int use_range;
	uint64_t range_first, range_end;
	uint64_t *walked;	/* may be NULL; receives the number of regular
				 * files walked (for the next source's range) */
	struct etk_progress *progress;	/* may be NULL */
	int no_mime;		/* skip libmagic: mime NULL, ext_mismatch 0
				 * (libmagic costs ~0.5 ms per file) */
};

/* Hash every regular file of the evidence at path (allocated, and
 * deleted ones whose content is addressable), every file system of
 * every volume, nested containers included.  cb is called in walk order
 * whatever the thread count, from one thread at a time.  Memory is
 * bounded (a window of files in flight), not proportional to the number
 * of files.  Each file system and each unreadable file gets a summary
 * item.  Returns ETK_OK when the walk ran (even if some files failed:
 * see sum), or the open error. */
ETK_API int etk_hash_evidence(const char *path,
    const struct etk_hash_opts *opts, etk_hash_cb cb, void *arg,
    struct etk_summary *sum, struct etk_error *err);

/* What etk_hash_evidence with these options would read: the number of
 * files it would hash and the sum of their sizes (a metadata walk; no
 * content is read).  For a progress total or a shard plan. */
ETK_API int etk_hash_plan(const char *path, const struct etk_hash_opts *opts,
    uint64_t *files, uint64_t *bytes, struct etk_error *err);

/* Piecewise digests of a source's media (etk hash --piecewise). */
struct etk_pieces_opts {
	uint64_t size;		/* window size (> 0) */
	unsigned digests;	/* MD5, SHA-1, SHA-256 (default SHA-256) */
	int has_range;		/* only windows whose first byte lies in */
	uint64_t lo, hi;	/* [lo, hi) */
	int threads;		/* >= 2: digests of a window spread over
				 * two threads; 1 (or 0): one thread */
	struct etk_progress *progress;	/* may be NULL; bytes read */
	volatile int *interrupt;	/* non-zero: stop; may be NULL */
};
struct etk_piece {
	uint64_t offset, len;
	struct etk_digests digests;
	int status;		/* ETK_OK, or ETK_EIO: part unreadable,
				 * hashed as zeros */
	const char *reason;	/* NULL when status is ETK_OK */
};
typedef int (*etk_piece_cb)(const struct etk_piece *, void *arg);
/* Hash src's media in windows of o->size bytes at absolute offsets, in
 * order, calling cb for each (non-zero from cb stops).  A summary item
 * per source counts the windows. */
ETK_API int etk_hash_pieces(struct etk_source *src,
    const struct etk_pieces_opts *o, etk_piece_cb cb, void *arg,
    struct etk_summary *sum, struct etk_error *err);
/* Shard k of n of the windows of a media of total bytes: [*lo, *hi),
 * whole windows, about the same number in each shard. */
ETK_API void etk_pieces_shard(uint64_t total, uint64_t size, uint64_t k,
    uint64_t n, uint64_t *lo, uint64_t *hi);

/* Split the files etk_hash_evidence would hash from the sources, taken
 * in order (source by source, each in walk order), into n contiguous
 * parts of about equal weight (a file weighs its size plus 64 KiB, the
 * cost of opening it): part k is the files at positions
 * [bounds[k], bounds[k+1]) of that order (bounds: n + 1 entries).
 * counts[i]: the regular files of source i (positions of source i start
 * at counts[0] + ... + counts[i-1]).  bytes[k] (may be NULL): the bytes
 * of part k.  A metadata walk; no content is read; the same sources and
 * options give the same split on any machine. */
ETK_API int etk_hash_split(const char *const *paths, size_t npaths,
    const struct etk_hash_opts *opts, uint64_t n, uint64_t *bounds,
    uint64_t *counts, uint64_t *bytes, struct etk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ETK_HASH_H */
