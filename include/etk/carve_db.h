/*
 * etk carve records in the case database (table carved; see
 * lib/custody/db.c for the schema).
 */
#ifndef ETK_CARVE_DB_H
#define ETK_CARVE_DB_H

#include <stdint.h>

#include <etk/core.h>
#include <etk/carve.h>
#include <etk/custody.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One row of the carved table for the run whose journal entry is
 * action: locator, offset, length, byte_runs (JSON text
 * [{"offset":..,"len":..}]), type, ext, validated, complete, sha256 and
 * path (relative to the output directory, NULL when not written).  A
 * second call for the same action and locator replaces the row.  Call
 * between etk_case_db_begin and etk_case_db_commit. */
ETK_API int etk_case_db_carved(struct etk_case *, uint64_t action,
    const struct etk_carved *, struct etk_error *);

#ifdef __cplusplus
}
#endif
#endif /* ETK_CARVE_DB_H */
