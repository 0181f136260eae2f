/*
 * The examiner's report of a case (lib/report): one self-contained HTML
 * page, readable in a browser and printable, built from the case
 * database and the journal (read-only), with no network access at all:
 * no external scripts, styles, fonts or pictures (pictures are inline
 * data: URIs, charts inline SVG, the few scripts inline).
 *
 * Contents, per exhibit, alerts first: source and hashes, partitions and
 * file systems, counts; conversations as threads (direction, parties
 * named from contacts, times, attachments inline); calls and contacts as
 * sortable tables; a picture gallery with thumbnails, EXIF time and
 * place; a timeline of events per day and a plot of GPS points (inline
 * SVG, no map tiles); carved and deleted items marked as such; every
 * item showing its locator and provenance.
 *
 * Machine-checkable markers (tests and scripts read them):
 *   <section class="exhibit" data-exhibit="NAME"> per exhibit;
 *   inside it <span class="count" data-count="KIND">N</span> for KIND in
 *   messages, calls, contacts, images, carved, files, deleted, alerts,
 *   entities, links (the numbers in the case database for that exhibit);
 *   one element with data-item="KIND" per row/card shown (message, call,
 *   contact, image, carved, alert, file) carrying data-locator="...".
 * Deterministic: same case rows, same bytes (no wall clock).
 */
#ifndef ETK_REPORT_H
#define ETK_REPORT_H

#include <etk/core.h>

#ifdef __cplusplus
extern "C" {
#endif

struct etk_report_opts {
	uint64_t upto;		/* journal lines 1..upto and their rows; 0:
				 * all */
	const char *title;	/* NULL: "Case <id>" */
	size_t thumb_max;	/* bytes of one inline thumbnail; 0: 48 KiB */
	const char *const *picture_dirs;	/* where exported pictures
				 * may be found besides the journal's output
				 * paths (NULL-terminated, or NULL) */
};

/* Build the report of the case in casedir into out (appended).
 * ETK_EMISMATCH when the journal chain does not verify. */
ETK_API int etk_report_build(const char *casedir,
    const struct etk_report_opts *, struct etk_buf *out, struct etk_error *);

#ifdef __cplusplus
}
#endif
#endif /* ETK_REPORT_H */
