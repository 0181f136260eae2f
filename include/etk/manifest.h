/*
 * The chain-of-custody manifest of a case (lib/manifest): every exhibit,
 * every acquisition with media and container hashes, every action with
 * tool versions and argv, every derived item with its derivation, every
 * hand-over and seal, and the journal's head hash, built from the
 * journal and the case database (CUSTODY.md §3.2, §1.4; etk-manifest(5)).
 *
 * Formats:
 *   json   one JSON document ("format":"etk-manifest/1")
 *   case   CASE/UCO 1.4 JSON-LD: no blank nodes, IRIs ending in a UUID
 *          (UUIDv5 names derived from the case, so the same case gives
 *          the same graph), typed hashes, one Contained_Within
 *          relationship per byte run
 *   dfxml  DFXML per exhibit: creator, source, fileobjects with byte
 *          runs (when the evidence can be opened) and hash digests
 *   html   a self-contained, printable report (no scripts, no network)
 *
 * Read-only: the case database is opened read-only and the journal is
 * read, not locked; nothing in the case changes.  Deterministic: the same
 * journal prefix and database rows give the same bytes whatever the time
 * zone, locale or clock (times printed are those recorded).
 */
#ifndef ETK_MANIFEST_H
#define ETK_MANIFEST_H

#include <etk/core.h>

#ifdef __cplusplus
extern "C" {
#endif

enum etk_manifest_format {
	ETK_MANIFEST_JSON,
	ETK_MANIFEST_CASE,
	ETK_MANIFEST_DFXML,
	ETK_MANIFEST_HTML
};

struct etk_manifest_opts {
	uint64_t upto;		/* journal lines 1..upto and database rows
				 * of those actions; 0: the whole journal */
	const char *exhibit;	/* DFXML: this exhibit only (required for
				 * dfxml when the case has more than one);
				 * other formats: NULL for all */
};

/* "json", "case", "dfxml", "html" -> format; ETK_EINVAL otherwise. */
ETK_API int etk_manifest_format_parse(const char *name,
    enum etk_manifest_format *, struct etk_error *);

/* Build the manifest of the case in casedir into out (appended).
 * ETK_EMISMATCH when the journal chain does not verify (a manifest is
 * never made from a broken journal), ETK_ENOTFOUND for an unknown
 * exhibit. */
ETK_API int etk_manifest_build(const char *casedir,
    enum etk_manifest_format, const struct etk_manifest_opts *,
    struct etk_buf *out, struct etk_error *);

/* The exhibits of the case up to journal line upto (0: all): evidence
 * names from the database and exhibit numbers named in custody entries,
 * sorted (C byte order), without duplicates.  *names and each string
 * are malloc'd; free with etk_manifest_names_free. */
ETK_API int etk_manifest_exhibits(const char *casedir, uint64_t upto,
    char ***names, size_t *n, struct etk_error *);
ETK_API void etk_manifest_names_free(char **names, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* ETK_MANIFEST_H */
