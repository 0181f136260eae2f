/*
 * etk extract: find the phone databases and pictures in any evidence
 * (images, folders, TAR/TAR.GZ, ZIP, iOS backups, Android backups) and
 * turn them into JSON Lines records (DESIGN.md §5): messages, calls,
 * contacts, pictures, and the POLE entities and links built from them.
 *
 * A run: etk_extract_new (options), etk_extract_run (one source: walk,
 * databases, pictures), etk_extract_finish (POLE, publish the record
 * files and DIR/SHA256SUMS), etk_extract_free.  Records reach the caller
 * as JSON texts through on_record as they are made (for --json and the
 * case database) and, with an output directory, are written to
 * DIR/messages.jsonl, calls.jsonl, contacts.jsonl, images.jsonl,
 * pole/entities.jsonl and pole/links.jsonl, each published atomically
 * (temporary name, fsync, link; never over an existing file).
 *
 * The output depends only on the evidence and the options: not on the
 * thread count, TZ or locale.  Every record names its container only in
 * "source", "locator" and "attachments"; every other field is the same
 * whatever container (folder, TAR, ZIP, iOS backup, image, E01)
 * delivered the same phone content.
 */
#ifndef ETK_EXTRACT_H
#define ETK_EXTRACT_H

#include <stdint.h>

#include <etk/core.h>
#include <etk/custody.h>
#include <etk/progress.h>
#include <etk/summary.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What to extract (--what). */
#define ETK_EXTRACT_MESSAGES	0x01
#define ETK_EXTRACT_CALLS	0x02
#define ETK_EXTRACT_CONTACTS	0x04
#define ETK_EXTRACT_IMAGES	0x08
#define ETK_EXTRACT_POLE	0x10
#define ETK_EXTRACT_ALL		0x1f

/* A record as JSON text (one object, no newline).  kind is "message",
 * "call", "contact", "image", "pole_entity" or "pole_link".  Borrowed
 * for the call.  Return non-zero to stop the run (a write error). */
typedef int (*etk_extract_record_fn)(const char *kind, const char *json,
    size_t len, void *arg);
/* A file written under the output directory: path relative to it
 * ("images/<sha256>.jpg"), its SHA-256 and size, and the locator of the
 * evidence file it is a copy of (NULL for record files). */
typedef void (*etk_extract_output_fn)(const char *relpath,
    const char *sha256, uint64_t size, const char *from_locator, void *arg);
/* Something was skipped: item names it (a database's locator, a
 * picture's), why says why.  Also counted in the summary. */
typedef void (*etk_extract_warn_fn)(const char *item, const char *why,
    void *arg);

struct etk_extract_opts {
	unsigned what;		/* ETK_EXTRACT_* bits; 0 means all */
	/* Records with a time outside [since, until) are left out;
	 * records without a time are kept. */
	int has_since;
	int64_t since_s;
	int32_t since_ns;
	int has_until;
	int64_t until_s;	/* exclusive */
	int32_t until_ns;
	const char *country;	/* calling code for national numbers
				 * ("44"), or NULL */
	const char *outdir;	/* NULL: records only, nothing written */
	int threads;		/* accepted; the output never depends on it */
	struct etk_progress *progress;	/* borrowed, may be NULL */
	volatile int *interrupt;	/* non-zero: stop soon (may be NULL) */
	etk_extract_record_fn on_record;	/* may be NULL */
	etk_extract_output_fn on_output;	/* may be NULL */
	etk_extract_warn_fn on_warn;		/* may be NULL */
	void *arg;
	/* An encrypted iOS backup's password file (first line), or NULL
	 * (then ETK_PASSWORD_FILE): see etk_evidence_open_opts. */
	const char *password_file;
	/* A case whose database receives every record (tables messages,
	 * calls, contacts, images, pole_entities, pole_links) for the
	 * journal entry action; the caller opens the transaction
	 * (etk_case_db_begin) and commits it.  NULL: none. */
	struct etk_case *kase;
	uint64_t action;
	/* use_range: only the indexed files at positions [range_first,
	 * range_end) of the source's file index (sorted by canonical
	 * path): a part of a split (etk_extract_split).  The whole index
	 * is still built, so attachments and companions (-wal, -journal)
	 * resolve as in a full run.  POLE needs a whole run: with
	 * use_range, what must not include it (ETK_EINVAL). */
	int use_range;
	uint64_t range_first, range_end;
};

/* Counts of what a run produced. */
struct etk_extract_result {
	uint64_t files;		/* regular files indexed */
	uint64_t databases;	/* SQLite databases found by content */
	uint64_t parsed;	/* (database, artifact) pairs parsed */
	uint64_t messages, calls, contacts, accounts, images;
	uint64_t attachments;	/* attachments resolved to a file */
	uint64_t filtered;	/* records left out by --since/--until */
	uint64_t entities, links;
	uint64_t warnings;
	int db_failed;		/* a record could not go into the case
				 * database (see warnings) */
};

struct etk_extract;	/* opaque */

/* The caller owns *out and releases it with etk_extract_free().  opts
 * is copied (its strings and callbacks are borrowed until free).  With
 * outdir, the directory must be missing or empty: ETK_EEXIST when it
 * holds anything (nothing is ever overwritten); it is created. */
ETK_API int etk_extract_new(struct etk_extract **out,
    const struct etk_extract_opts *opts, struct etk_error *err);
/* Extract from one evidence path.  Each artifact, database and
 * unreadable item gets an item in sum.  Returns ETK_OK when the source
 * opened (items may still have failed: see sum), else the error
 * (ETK_EINVAL: a missing or wrong backup password). */
ETK_API int etk_extract_run(struct etk_extract *, const char *path,
    struct etk_summary *sum, struct etk_error *err);
/* Write the POLE files, publish every record file and DIR/SHA256SUMS
 * (sha256sum -c format, every file written, sorted).  res may be NULL. */
ETK_API int etk_extract_finish(struct etk_extract *,
    struct etk_extract_result *res, struct etk_error *err);
/* Accepts NULL.  Temporary files of an unfinished run are removed. */
ETK_API void etk_extract_free(struct etk_extract *);
/* Cut the source's file index into n contiguous parts of about equal
 * weight (a file weighs its size plus 64 KiB): part k is positions
 * [bounds[k], bounds[k+1]) (bounds: n + 1 entries); bytes[k] (may be
 * NULL) the bytes of part k.  A metadata walk; o gives the password
 * file only. */
ETK_API int etk_extract_split(const char *path,
    const struct etk_extract_opts *o, uint64_t n, uint64_t *bounds,
    uint64_t *bytes, struct etk_error *err);

/* One line per artifact: "name\twhat\tpaths\tdescription\n" (what as
 * "messages,calls"; paths comma-separated). */
ETK_API void etk_extract_artifacts(struct etk_buf *out);
/* Parse a --what list ("messages,calls", "all").  0 or -1. */
ETK_API int etk_extract_parse_what(const char *list, unsigned *mask);
/* Parse --since/--until: RFC 3339 ("2024-02-13T10:00:00Z",
 * "...T11:00:00.5+01:00") or a date ("2024-02-13", UTC).  For a date,
 * end_of_day selects the start of the next day (an --until date
 * includes that whole day).  0 or -1. */
ETK_API int etk_extract_parse_time(const char *s, int end_of_day,
    int64_t *sec, int32_t *nsec);

#ifdef __cplusplus
}
#endif
#endif /* ETK_EXTRACT_H */
