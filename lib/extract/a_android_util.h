/*
 * Helpers the Android parsers (a_android_*.c, a_bugle.c,
 * a_whatsapp_android.c) share (beside ex_int.h's column and string-list
 * helpers): attachments kept past a statement step, and a
 * merge cursor over a child table sorted by its parent key, so an
 * MMS's parts or a raw contact's data rows are read in one pass
 * instead of one query per parent row.
 */
#ifndef ETK_A_ANDROID_UTIL_H
#define ETK_A_ANDROID_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "extract/ex_int.h"

/* Attachments of one record, kept past a statement step. */
struct aa_atts {
	struct ex_strs s;	/* stored, mime, name for each */
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


#endif /* ETK_A_ANDROID_UTIL_H */
