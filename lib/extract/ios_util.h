/*
 * Helpers the iOS parsers (a_ios_*.c, a_whatsapp_ios*.c) share beside
 * ex_int.h's: small ROWID-keyed tables, query text from what the
 * schema has, and the row name a warning carries.
 */
#ifndef ETK_IOS_UTIL_H
#define ETK_IOS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "extract/ex_int.h"

/* A small table held in memory (handles, chats: rows in the hundreds,
 * not per message), keyed by ROWID: column 0 of the query is the key
 * (ascending, unique), columns 1..ncol are kept as text (NULL kept). */
struct ios_map {
	int64_t *key;
	size_t n, cap;
	int ncol;
	struct ex_strs s;
	const char *const *ptr;
};
/* sql must return its rows ordered by column 0. */
int ios_map_load(struct ex_db *, struct ios_map *, const char *sql,
    int ncol, struct etk_error *err);
void ios_map_init(struct ios_map *);
void ios_map_free(struct ios_map *);
/* The ncol strings of key's row, or NULL when there is no such row. */
const char *const *ios_map_get(const struct ios_map *, int64_t key);

/* Append `"table"."col"` or NULL (ex_db_col) followed by ", ". */
void ios_col(struct ex_db *, struct etk_buf *sql, const char *table,
    const char *col);
/* "<db locator>#table/rowid" into buf, for warnings naming a row. */
void ios_row_name(const struct ex_db *, const char *table, int64_t rowid,
    char *buf, size_t bufsz);

/* A Cocoa clock whose unit changed with the OS (sms.db's date columns:
 * seconds before iOS 11, nanoseconds after), from a column of any
 * type, picked by magnitude as ex_time_cocoa_auto does. */
void ios_time_cocoa_auto(struct ex_time *, sqlite3_stmt *, int col);

#endif /* ETK_IOS_UTIL_H */
