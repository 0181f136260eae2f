/* lib/pg private: the case tables as a column table (schema.c). */
#ifndef ETK_PG_INT_H
#define ETK_PG_INT_H

#include <stddef.h>

#include <etk/core.h>

/* Bumped when the PostgreSQL tables change; kept in etk_schema.version. */
#define ETK_PG_SCHEMA_VERSION 1

enum pg_type {
	PGT_INT,	/* SQLite INTEGER -> BIGINT */
	PGT_REAL,	/* SQLite REAL -> DOUBLE PRECISION */
	PGT_TEXT	/* TEXT */
};

#define PGC_NOTNULL	0x01
#define PGC_EVIDENCE	0x02	/* REFERENCES evidence(id): remapped */
#define PGC_KEY		0x04	/* primary key (else an id column) */

struct pg_col {
	const char *name;
	enum pg_type type;
	unsigned flags;
};

struct pg_table {
	const char *name;
	const struct pg_col *cols;	/* without id (see PGC_KEY) */
	size_t ncols;
	const char *unique;	/* "action, locator" or NULL */
	const char *const *index; /* NULL-terminated: extra indexed columns */
	int rows;		/* a row table: plan_id, shard, COPYed */
};

/* evidence, then the row tables in the order a load COPYs them, then
 * actions. */
extern const struct pg_table etk_pg_tables[];
extern const size_t etk_pg_ntables;

/* The PostgreSQL DDL of every table (and etk_schema) into ddl. */
void etk_pg_schema_ddl(struct etk_buf *ddl);

#endif /* ETK_PG_INT_H */
