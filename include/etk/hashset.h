/*
 * etk hash sets: known-file and alert sets for etk hash.  Reads NSRL
 * RDS v3 (SQLite, read-only and immutable), hashdeep files, md5sum /
 * sha1sum / sha256sum lists, plain lists of hex digests, and Project
 * VIC / CAID VICS JSON.  The first open builds a compact sorted binary
 * index (cached beside the set, or in the cache directory when that is
 * not writable, keyed by the set's SHA-256); later opens map the index,
 * so lookups cost O(log n) and no heap per entry.
 */
#ifndef ETK_HASHSET_H
#define ETK_HASHSET_H

#include <etk/core.h>
#include <etk/hash.h>

#ifdef __cplusplus
extern "C" {
#endif

struct etk_hashset;	/* opaque */

/* Open the set at path (format detected from content).  cache_dir may
 * be NULL: beside the set if writable, else $XDG_CACHE_HOME/etk or
 * ~/.cache/etk.  Malformed input: ETK_EFORMAT naming the file and line
 * (or table).  The set file itself is never written. */
ETK_API int etk_hashset_open(struct etk_hashset **, const char *path,
    const char *cache_dir, struct etk_error *err);
ETK_API void etk_hashset_close(struct etk_hashset *);	/* accepts NULL */

/* The set's display name (basename of the path).  Borrowed. */
ETK_API const char *etk_hashset_name(const struct etk_hashset *);
/* "nsrl-rds3", "hashdeep", "md5sum", "sha1sum", "sha256sum", "hexlist",
 * "vics" */
ETK_API const char *etk_hashset_format(const struct etk_hashset *);
/* Digests held, per algorithm (ETK_DIGEST_* bit). */
ETK_API uint64_t etk_hashset_count(const struct etk_hashset *,
    unsigned digest);
/* Which ETK_DIGEST_* the set holds. */
ETK_API unsigned etk_hashset_digests(const struct etk_hashset *);

/* 1 when any digest in d (of the kinds the set holds) is in the set,
 * else 0.  Thread-safe. */
ETK_API int etk_hashset_match(const struct etk_hashset *,
    const struct etk_digests *d);

/* Audit (hashdeep -a): a previous run's hashdeep file against this
 * one's files.  Load it, report each file, then list what is missing. */
enum etk_audit_status {
	ETK_AUDIT_MATCHED = 0,	/* same path, same digests */
	ETK_AUDIT_MOVED,	/* digests known under another path */
	ETK_AUDIT_NEW,		/* neither path nor digests known */
	ETK_AUDIT_CHANGED	/* path known, digests differ */
};
struct etk_audit;	/* opaque */
ETK_API int etk_audit_open(struct etk_audit **, const char *hashdeep_file,
    struct etk_error *err);
ETK_API void etk_audit_close(struct etk_audit *);
/* Digests the audit file holds (ETK_DIGEST_*): hash with at least
 * these. */
ETK_API unsigned etk_audit_digests(const struct etk_audit *);
/* Classify one file and mark its known entry as seen.  Not thread-safe:
 * call it from the etk_hash_evidence callback. */
ETK_API enum etk_audit_status etk_audit_check(struct etk_audit *,
    const char *path, uint64_t size, const struct etk_digests *d);
/* Entries of the audit file never seen (and not moved): cb per path in
 * file order. */
ETK_API void etk_audit_missing(struct etk_audit *,
    void (*cb)(const char *path, void *arg), void *arg);
ETK_API const char *etk_audit_status_name(enum etk_audit_status);

#ifdef __cplusplus
}
#endif
#endif /* ETK_HASHSET_H */
