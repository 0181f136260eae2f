/*
 * etk output: writers for file records as a table of formats (text,
 * JSON Lines, hashdeep, CSV, DFXML), like mandoc's output modules.
 * Output is byte-stable: no wall clock, host or cwd in data records.
 */
#ifndef ETK_OUTPUT_H
#define ETK_OUTPUT_H

#include <stdio.h>

#include <etk/core.h>
#include <etk/evidence.h>
#include <etk/hash.h>

#ifdef __cplusplus
extern "C" {
#endif

enum etk_format {
	ETK_FMT_TEXT = 0,
	ETK_FMT_JSON,		/* JSON Lines, DESIGN.md §5 file fields */
	ETK_FMT_HASHDEEP,	/* readable by hashdeep -k / -a */
	ETK_FMT_CSV,		/* RFC 4180, header row */
	ETK_FMT_DFXML		/* fileobjects with byte_runs, hashdigests */
};
/* "text", "json", "hashdeep", "csv", "dfxml". */
ETK_API int etk_format_parse(const char *name, enum etk_format *fmt,
    struct etk_error *err);

/* Everything known about one file.  All pointers borrowed. */
struct etk_file_record {
	const struct etk_entry *entry;
	const struct etk_digests *digests;	/* may be NULL */
	const char *mime;			/* may be NULL */
	int ext_mismatch;
	const char *const *known;	/* names of known sets matched */
	size_t nknown;
	const char *const *alert;	/* names of alert sets matched */
	size_t nalert;
	const struct etk_byte_run *runs;
	size_t nruns;
	int status;			/* ETK_OK or why not hashed */
	const char *reason;
};

struct etk_writer_info {
	const char *command;		/* "etk-hash" */
	unsigned digests;		/* ETK_DIGEST_* columns */
	int argc;			/* recorded in headers (hashdeep,
					 * DFXML creator) */
	char *const *argv;
};

struct etk_writer;	/* opaque */

/* fp is borrowed.  The header (hashdeep, CSV, DFXML) is written now. */
ETK_API int etk_writer_new(struct etk_writer **, enum etk_format,
    FILE *fp, const struct etk_writer_info *, struct etk_error *err);
/* Start a new evidence source (DFXML <source>; others: nothing). */
ETK_API int etk_writer_source(struct etk_writer *, const char *name,
    const char *path, uint64_t size, struct etk_error *err);
ETK_API int etk_writer_file(struct etk_writer *,
    const struct etk_file_record *, struct etk_error *err);
/* Trailer (DFXML closing tags); flushes.  ETK_EIO on a write error. */
ETK_API int etk_writer_finish(struct etk_writer *, struct etk_error *err);
ETK_API void etk_writer_free(struct etk_writer *);	/* accepts NULL */

#ifdef __cplusplus
}
#endif
#endif /* ETK_OUTPUT_H */
