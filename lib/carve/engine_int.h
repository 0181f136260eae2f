/*
 * libetk carving internals: the engine's entry point with an explicit
 * format list and tuning knobs, for the unit tests (a private test
 * format) and for callers that want a subset of the formats.
 */
#ifndef ETK_CARVE_ENGINE_INT_H
#define ETK_CARVE_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <etk/carve.h>

#include "carve/carve_int.h"

/* Zero means the default. */
struct cv_tune {
	uint64_t stripe;	/* candidate starts per work item
				 * (default 16 MiB; rounded up to 4096) */
	size_t block;		/* bytes scanned per read (default 4 MiB) */
	uint64_t cpu_ms;	/* CPU time one candidate may take
				 * (default CV_CPU_MS) */
};

#define CV_STRIPE	((uint64_t)16 << 20)
#define CV_BLOCK	((size_t)4 << 20)
#define CV_CACHE	((size_t)1 << 20)
#define CV_CPU_MS	2000

/* etk_carve with the formats fmts[0..nfmts) instead of every registered
 * one (order = engine order for ties).  tune may be NULL. */
int etk_carve_with_formats(const char *path, const char *outdir,
    const struct etk_carve_opts *, const struct cv_format *const *fmts,
    size_t nfmts, const struct cv_tune *tune, etk_carve_cb cb, void *arg,
    struct etk_summary *sum, struct etk_error *err);

#endif /* ETK_CARVE_ENGINE_INT_H */
