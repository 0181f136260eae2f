/*
 * The lab case database on PostgreSQL (libpq).  The same tables and
 * columns as a case's etk.db (lib/custody/db.c), plus, on every row
 * table, the plan and shard a row was loaded from, so that a shard's
 * load can be repeated: each load is one transaction that deletes that
 * shard's rows and COPYs them again.  Several machines may load shards
 * of one case at the same time.
 */
#ifndef ETK_PG_H
#define ETK_PG_H

#include <stdint.h>

#include <etk/core.h>

#ifdef __cplusplus
extern "C" {
#endif

struct etk_pg;

/* Connect (conninfo: "postgresql://..." URI or "key=value ..." string)
 * and create the schema when it is not there yet (safe when several
 * loaders start at once).  A server that cannot be reached is
 * ETK_EAGAIN (transient: the caller exits 75); a malformed conninfo
 * ETK_EINVAL; tables of another schema version (etk_schema.version)
 * ETK_EUNSUPP.  On success the caller owns *out and releases it with
 * etk_pg_close(); on failure *out is NULL. */
ETK_API int etk_pg_open(struct etk_pg **out, const char *conninfo,
    struct etk_error *err);
ETK_API void etk_pg_close(struct etk_pg *);	/* accepts NULL */

/* Load one shard output (an SQLite file written by a sharded etk run:
 * the case schema's tables with action 0, plus the one-row table
 * shard(plan_id, tool, k, n, etk_version)) in one transaction: delete
 * the rows of (plan_id, k), COPY every row table, record the load in
 * shard_loads (plan_id, tool, k, n, sha256 of the file, rows).
 * sha256: the file's digest (hex), as the caller checked it.  *rows:
 * rows loaded.  Loading the same shard again leaves the same rows, also
 * when two loads of it run at once.  The shard's evidence rows are
 * registered by path first, outside that transaction (so that loads of
 * shards of one image do not wait for each other).  The file is opened
 * read-only and never written.  Errors: the file missing or unreadable
 * ETK_EIO (with errno); not a shard output, columns other than the case
 * schema's, or values PostgreSQL cannot hold as they are (a name that
 * is not UTF-8) ETK_EFORMAT, naming the file, table, row id and column;
 * the connection lost ETK_EAGAIN; the server refusing ETK_EIO.  On
 * failure nothing of the shard's rows changed and *rows is 0. */
ETK_API int etk_pg_load_shard(struct etk_pg *, const char *shard_db,
    const char *sha256, uint64_t *rows, struct etk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ETK_PG_H */
