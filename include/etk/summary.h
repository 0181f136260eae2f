/*
 * etk run summary: one status per source, file system, artifact or set a
 * command touched, so "no data" is never confused with "the parser
 * failed".  Every command prints it last (text on stderr, or the last
 * JSON Lines record with --json) and records it in the journal.
 */
#ifndef ETK_SUMMARY_H
#define ETK_SUMMARY_H

#include <etk/core.h>
#include <etk/json.h>

#ifdef __cplusplus
extern "C" {
#endif

enum etk_outcome {
	ETK_OUTCOME_OK = 0,	/* read, and records produced */
	ETK_OUTCOME_EMPTY,	/* read fine, nothing in it */
	ETK_OUTCOME_ABSENT,	/* looked for, not there */
	ETK_OUTCOME_ERROR,	/* present but could not be (fully) read */
	ETK_OUTCOME_UNSUPPORTED,/* recognised, not supported */
	ETK_OUTCOME_TIMEOUT,	/* a limit was hit */
	ETK_OUTCOME_SKIPPED	/* not attempted (options, shard) */
};

struct etk_summary;	/* opaque */

ETK_API int etk_summary_new(struct etk_summary **, struct etk_error *);
ETK_API void etk_summary_free(struct etk_summary *);

/* Add or update the item named scope (a locator such as "phone.E01:p4").
 * kind says what it is ("source", "ext4", "android_sms", ...).  Adding
 * to an existing scope adds count and keeps the worse outcome; the first
 * non-NULL reason of the worst outcome is kept.  OK with count 0 is
 * stored as EMPTY.  Thread-safe. */
ETK_API int etk_summary_add(struct etk_summary *, const char *scope,
    const char *kind, enum etk_outcome, uint64_t count, const char *reason);

ETK_API const char *etk_outcome_name(enum etk_outcome);
/* Items in insertion order; returns ETK_ENOTFOUND past the end. */
ETK_API int etk_summary_item(const struct etk_summary *, size_t i,
    const char **scope, const char **kind, enum etk_outcome *,
    uint64_t *count, const char **reason);
ETK_API size_t etk_summary_count(const struct etk_summary *);

/* The exit status the items imply: 0 when no item has ERROR/TIMEOUT,
 * 3 (partial) when some do and others are OK/EMPTY or a failed item
 * still counted something, 1 when all failed with nothing counted. */
ETK_API int etk_summary_exit(const struct etk_summary *);

/* {"record":"summary","command":..,"exit":N,"items":[{"scope":..,
 *  "kind":..,"status":..,"count":..,"reason":..}]} */
ETK_API void etk_summary_json(const struct etk_summary *,
    const char *command, int exit_status, struct etk_json *);
/* One line per item: "summary: STATUS SCOPE (KIND): COUNT REASON". */
ETK_API void etk_summary_text(const struct etk_summary *, struct etk_buf *);

#ifdef __cplusplus
}
#endif
#endif /* ETK_SUMMARY_H */
