/*
 * etk extract records in the case database (tables messages, calls,
 * contacts, images, pole_entities, pole_links; see lib/custody/db.c for
 * the schema).
 */
#ifndef ETK_EXTRACT_DB_H
#define ETK_EXTRACT_DB_H

#include <stddef.h>
#include <stdint.h>

#include <etk/core.h>
#include <etk/custody.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Load one etk extract record (its JSON text, as etk_extract's
 * on_record gives it) into the table for kind ("message", "call",
 * "contact", "image", "pole_entity", "pole_link") for the run whose
 * journal entry is action.  List fields (to, numbers, emails,
 * attachments) are stored as JSON text; pole rows also keep the whole
 * record.  A second record with the same action and source (locator for
 * images, id for entities) replaces the row.  Call between
 * etk_case_db_begin and etk_case_db_commit. */
ETK_API int etk_case_db_extract(struct etk_case *, uint64_t action,
    const char *kind, const char *json, size_t len, struct etk_error *);

#ifdef __cplusplus
}
#endif
#endif /* ETK_EXTRACT_DB_H */
