/*
 * Helpers the iOS parsers (a_ios_*.c, a_whatsapp_ios.c) share: string
 * lists that outlive a statement step (the sink borrows them for one
 * emit call), query text from what the schema has, and the row name a
 * warning carries.
 */
#ifndef ETK_IOS_UTIL_H
#define ETK_IOS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "extract/ex_int.h"

struct ios_strs {
	struct etk_buf buf;	/* each string NUL-terminated */
	size_t *off;
	size_t n, cap;
	const char **ptr;	/* ios_strs_ptrs' result */
	size_t ptrcap;
	int oom;
};
void ios_strs_init(struct ios_strs *);
void ios_strs_free(struct ios_strs *);
void ios_strs_reset(struct ios_strs *);
/* ios_strs_add copies s, or records NULL (its pointer is NULL). */
/* Copy len bytes of s (a NUL is added). */
void ios_strs_addn(struct ios_strs *, const char *s, size_t len);
void ios_strs_add(struct ios_strs *, const char *s);
/* Pointers to every string: valid until the next add or reset. */
const char *const *ios_strs_ptrs(struct ios_strs *);

/* A small table held in memory (handles, chats: rows in the hundreds,
 * not per message), keyed by ROWID: column 0 of the query is the key
 * (ascending, unique), columns 1..ncol are kept as text (NULL kept). */
struct ios_map {
	int64_t *key;
	size_t n, cap;
	int ncol;
	struct ios_strs s;
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
/* 1 when table exists and has every column of the NULL-terminated
 * list. */
int ios_has_cols(struct ex_db *, const char *table, ...);

/* "<db locator>#table/rowid" into buf, for warnings naming a row. */
void ios_row_name(const struct ex_db *, const char *table, int64_t rowid,
    char *buf, size_t bufsz);

/* A finished step loop: EX_PARSED on SQLITE_DONE, else EX_FAILED with
 * SQLite's message in reason. */
enum ex_parse_status ios_step_status(struct ex_db *, int rc,
    const char *table, char *reason, size_t reasonsz);

/* A Cocoa clock whose unit changed with the OS (sms.db's date columns:
 * seconds before iOS 11, nanoseconds after), from a column of any
 * type, picked by magnitude as ex_time_cocoa_auto does. */
void ios_time_cocoa_auto(struct ex_time *, sqlite3_stmt *, int col);

#endif /* ETK_IOS_UTIL_H */
