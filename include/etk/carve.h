/*
 * etk carve: validated file carving with byte-level provenance.
 *
 * Scans a source (by default the unallocated space of every file system
 * it holds; the whole source with ETK_CARVE_SCOPE_ALL or when it has no
 * file system) at every byte offset for the anchors of the known
 * formats, runs each format's structural validator at each candidate to
 * find the true end (or reject it), and reports every carved file with
 * its byte runs in the source, its SHA-256 and the file written.  See
 * man/etk-carve.1.
 */
#ifndef ETK_CARVE_H
#define ETK_CARVE_H

#include <etk/core.h>
#include <etk/evidence.h>
#include <etk/progress.h>
#include <etk/summary.h>

#ifdef __cplusplus
extern "C" {
#endif

enum etk_carve_scope {
	ETK_CARVE_SCOPE_UNALLOC = 0,	/* unallocated space of each file
					 * system (default; the whole source
					 * when it has none) */
	ETK_CARVE_SCOPE_ALL		/* every byte of the source */
};

/* Caller-owned; zero it, then set what is wanted. */
struct etk_carve_opts {
	enum etk_carve_scope scope;
	const char *types;	/* "jpg,png,..." or NULL for every format */
	int has_range;		/* carve only candidates starting in */
	uint64_t range_start;	/* [range_start, range_start+range_len) */
	uint64_t range_len;	/* of the source */
	uint64_t shard_k, shard_n;	/* n == 0: no sharding.  Owner rule
					 * of SCALE.md: shard k owns the
					 * candidates whose first byte lies
					 * in its byte range */
	uint64_t max_size;	/* cap on one carved file; 0: default
				 * (ETK_CARVE_MAX_SIZE).  Also the read
				 * overlap past a shard's end. */
	int threads;		/* >= 1 */
	int no_write;		/* records only, no output files */
	struct etk_progress *progress;	/* may be NULL; borrowed */
	volatile int *interrupt;	/* non-zero: stop soon; may be NULL */
};

#define ETK_CARVE_MAX_SIZE	((uint64_t)256 << 20)

/* One carved file, as given to the callback.  Pointers are borrowed
 * (valid during the callback). */
struct etk_carved {
	const char *locator;	/* "SOURCE:@OFFSET+LENGTH" style locator */
	uint64_t offset;	/* byte offset of the first byte in the source */
	uint64_t length;	/* bytes in the carved file */
	const struct etk_byte_run *runs;	/* where each piece lies in
						 * the source (file_offset,
						 * img_offset, len) */
	size_t nruns;		/* 1 contiguous, 2 bifragment */
	const char *type;	/* format name: "jpeg", "png", "pdf", ... */
	const char *ext;	/* extension: "jpg", "docx", ... */
	const char *mime;	/* libmagic's label of the output (may be
				 * NULL) */
	int validated;		/* the structure was walked to its end */
	int complete;		/* the whole file is there (not cut by
				 * the source end, the cap or a hole) */
	const char *status;	/* "complete", "truncated", "corrupt" */
	char sha256[65];
	const char *path;	/* output file relative to DIR, or NULL */
};

typedef int (*etk_carve_cb)(const struct etk_carved *, void *arg);

/* Carve the source at path (anything etk_evidence_open takes).  Output
 * files go under outdir (created if needed; NULL: none written), named
 * by type and offset; nothing is ever written outside it and nothing
 * existing is overwritten.  cb is called in ascending offset order,
 * whatever the thread count.  Each scanned area and each failure gets a
 * summary item.  Returns ETK_OK when the scan ran. */
ETK_API int etk_carve(const char *path, const char *outdir,
    const struct etk_carve_opts *, etk_carve_cb cb, void *arg,
    struct etk_summary *sum, struct etk_error *err);

/* The formats etk carve knows: names, extensions, one per line
 * "type\text\tdescription\n" into out (for --list-types). */
ETK_API void etk_carve_formats(struct etk_buf *out);

/* The bytes [*lo, *hi) of a source of size bytes whose candidates these
 * options own (--range, then shard K of N: SCALE.md's owner rule; shard
 * bounds are aligned).  ETK_EINVAL when the range lies outside the
 * source or the shard is bad. */
ETK_API int etk_carve_owner_range(uint64_t size,
    const struct etk_carve_opts *,
    uint64_t *lo, uint64_t *hi, struct etk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ETK_CARVE_H */
