/*
 * lib/manifest internal: byte runs of listed files, read from the
 * evidence (runs.c).  Not installed.
 */
#ifndef ETK_MANIFEST_RUNS_H
#define ETK_MANIFEST_RUNS_H

#include "manifest/manifest_int.h"

struct mf_evcache {
	const struct mf_case *c;
	struct etk_evidence **h;	/* per evidence row, opened lazily */
	int *state;			/* 0 untried, 1 open, -1 unusable */
	size_t n;
};

void mf_runs_init(struct mf_evcache *, const struct mf_case *);
void mf_runs_release(struct mf_evcache *);
/* Can the evidence row be opened (exists, size as recorded)? */
int mf_runs_available(struct mf_evcache *, int64_t evidence_id);
/* Runs of a listed file in its evidence: 1 with *runs (malloc'd, *n > 0), 0
 * when it has none (resident, compressed, not found), -1 when the
 * evidence cannot be opened. */
int mf_file_runs(struct mf_evcache *, const struct mf_file *,
    struct mf_run **runs, size_t *n);

#endif /* ETK_MANIFEST_RUNS_H */
