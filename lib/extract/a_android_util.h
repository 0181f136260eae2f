/*
 * Helpers the Android parsers (a_android_*.c, a_bugle.c,
 * a_whatsapp_android.c) share: query building from what the schema
 * has, per-record string lists that outlive a statement step, and a
 * merge cursor over a child table sorted by its parent key, so an
 * MMS's parts or a raw contact's data rows are read in one pass
 * instead of one query per parent row.
 */
#ifndef ETK_A_ANDROID_UTIL_H
#define ETK_A_ANDROID_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "extract/ex_int.h"

/* Append `alias."col"` when table has col, else `NULL`; then
 * " AS name" when name is not NULL.  alias is the name the query gives
 * the table (usually the table itself). */
void aa_col(struct ex_db *, struct etk_buf *sql, const char *table,
    const char *alias, const char *col);
/* 1 when table has every column in the NULL-terminated list. */
int aa_has_cols(struct ex_db *, const char *table, ...);

/* Strings copied out of statement rows, kept until reset: the sink
 * borrows them for one emit call. */
struct aa_list {
	struct etk_buf buf;	/* each string NUL-terminated */
	size_t *off;		/* where each starts; SIZE_MAX for NULL */
	size_t n, cap;
	const char **ptr;	/* aa_list_ptrs' result */
	size_t ptrcap;
	int oom;
};
void aa_list_init(struct aa_list *);
void aa_list_free(struct aa_list *);
void aa_list_reset(struct aa_list *);
/* Copy s (may be NULL); returns its index, or SIZE_MAX out of memory. */
size_t aa_list_add(struct aa_list *, const char *s);
/* Pointers to every string, valid until the next add or reset. */
const char *const *aa_list_ptrs(struct aa_list *);
const char *aa_list_get(const struct aa_list *, size_t i);

/* Attachments of one record. */
struct aa_atts {
	struct aa_list s;	/* stored, mime, name for each */
	int64_t *size;
	size_t n, cap;
	struct ex_attach *att;	/* aa_atts_build's result */
	size_t attcap;
	int oom;
};
void aa_atts_init(struct aa_atts *);
void aa_atts_free(struct aa_atts *);
void aa_atts_reset(struct aa_atts *);
void aa_atts_add(struct aa_atts *, const char *stored, const char *mime,
    const char *name, int64_t size);
const struct ex_attach *aa_atts_build(struct aa_atts *);

/* A child table read in parent-key order: column 0 of st is the parent
 * key.  aa_child_first positions on the first row with that key (1) or
 * says there is none (0); aa_child_next moves to the next row of the
 * same key.  Parents are expected in ascending key order; when one
 * comes out of order the cursor rewinds, so the result stays right
 * (only slower) whatever the keys look like. */
struct aa_child {
	sqlite3_stmt *st;
	int state;		/* 0 before the first step, 1 on a row,
				 * 2 past the end */
	int rc;			/* SQLite error that stopped it, or 0 */
	int64_t key;		/* the current row's key */
	int64_t last;		/* the last key asked for */
	int asked;
};
void aa_child_init(struct aa_child *, sqlite3_stmt *st);
int aa_child_first(struct aa_child *, int64_t key);
int aa_child_next(struct aa_child *);
void aa_child_free(struct aa_child *);

/* strdup-ing sorted map from a text key to a text value (JID -> name),
 * for small tables loaded once per parse. */
struct aa_map {
	struct aa_map_ent {
		char *k, *v;
		size_t seq;	/* order of the put */
	} *e;
	size_t n, cap;
	int sorted;
};
void aa_map_init(struct aa_map *);
void aa_map_free(struct aa_map *);
int aa_map_put(struct aa_map *, const char *k, const char *v);
/* After the last put: sorts; the first value put for a key wins. */
void aa_map_done(struct aa_map *);
const char *aa_map_get(const struct aa_map *, const char *k);

/* Prepare the query built in sql (released here, also on failure):
 * 0, or -1 with SQLite's message (or "out of memory") in reason. */
int aa_prepare(struct ex_db *, struct etk_buf *sql, sqlite3_stmt **st,
    char *reason, size_t reasonsz);

/* Status of a finished step loop: EX_PARSED when rc is SQLITE_DONE,
 * else EX_FAILED with SQLite's message in reason. */
enum ex_parse_status aa_step_status(struct ex_db *, int rc, const char *what,
    char *reason, size_t reasonsz);

#endif /* ETK_A_ANDROID_UTIL_H */
