/*
 * The lab case database's tables on PostgreSQL: the tables and columns
 * of a case's etk.db (the `schema` string of lib/custody/db.c) written
 * out once here as a column table, from which both the DDL and the
 * COPY column lists are made.  A shard file whose tables do not have
 * exactly these columns is refused (pg.c), and tests/unit/test_pg.c
 * compares this table with an etk.db made by etk_case_init, so the two
 * cannot drift apart silently.
 *
 * PostgreSQL types: INTEGER -> BIGINT, REAL -> DOUBLE PRECISION, TEXT;
 * id is an identity column.  Every row table (volumes .. pole_links)
 * has two more columns, plan_id and shard (the shard's k), and its
 * UNIQUE constraint leads with them (shards of different plans all
 * have action 0), which also serves as the (plan_id, shard) index;
 * a table without a UNIQUE constraint gets a plain (plan_id, shard)
 * index.  input_cache is a case's own and is not here.  Identifiers
 * are always quoted ("offset" is reserved).
 */
#include <stdio.h>

#include "pg_int.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))
#define I	PGT_INT
#define R	PGT_REAL
#define T	PGT_TEXT
#define NN	PGC_NOTNULL
#define EV	PGC_EVIDENCE

static const struct pg_col evidence_cols[] = {
	{ "name", T, NN }, { "path", T, NN }, { "kind", T, 0 },
	{ "size", I, 0 }, { "sha256", T, 0 },
};
static const struct pg_col volumes_cols[] = {
	{ "evidence_id", I, EV }, { "action", I, 0 }, { "slot", I, 0 },
	{ "flags", I, 0 }, { "start", I, 0 }, { "len", I, 0 },
	{ "descr", T, 0 }, { "fs_type", T, 0 }, { "block_size", I, 0 },
	{ "block_count", I, 0 },
};
static const struct pg_col files_cols[] = {
	{ "evidence_id", I, EV }, { "action", I, NN }, { "locator", T, NN },
	{ "volume", I, 0 }, { "inode", I, 0 }, { "path", T, 0 },
	{ "name", T, 0 }, { "size", I, 0 }, { "allocated", I, 0 },
	{ "deleted", I, 0 }, { "type", T, 0 }, { "mime", T, 0 },
	{ "mtime", T, 0 }, { "atime", T, 0 }, { "ctime", T, 0 },
	{ "crtime", T, 0 }, { "md5", T, 0 }, { "sha1", T, 0 },
	{ "sha256", T, 0 },
};
static const struct pg_col hashes_cols[] = {
	{ "action", I, NN }, { "locator", T, NN }, { "size", I, 0 },
	{ "md5", T, 0 }, { "sha1", T, 0 }, { "sha256", T, 0 },
	{ "ssdeep", T, 0 }, { "known", T, 0 }, { "alert", T, 0 },
	{ "ext_mismatch", I, 0 },
};
static const struct pg_col carved_cols[] = {
	{ "action", I, NN }, { "locator", T, NN }, { "offset", I, 0 },
	{ "length", I, 0 }, { "byte_runs", T, 0 }, { "type", T, 0 },
	{ "ext", T, 0 }, { "validated", I, 0 }, { "complete", I, 0 },
	{ "sha256", T, 0 }, { "path", T, 0 },
};
static const struct pg_col messages_cols[] = {
	{ "action", I, NN }, { "app", T, 0 }, { "thread", T, 0 },
	{ "direction", T, 0 }, { "sender", T, 0 }, { "recipients", T, 0 },
	{ "time", T, 0 }, { "time_raw", T, 0 }, { "body", T, 0 },
	{ "attachments", T, 0 }, { "read", I, 0 }, { "deleted", I, 0 },
	{ "source", T, NN },
};
static const struct pg_col calls_cols[] = {
	{ "action", I, NN }, { "app", T, 0 }, { "direction", T, 0 },
	{ "number", T, 0 }, { "name", T, 0 }, { "time", T, 0 },
	{ "duration_s", I, 0 }, { "source", T, NN },
};
static const struct pg_col contacts_cols[] = {
	{ "action", I, NN }, { "app", T, 0 }, { "name", T, 0 },
	{ "numbers", T, 0 }, { "emails", T, 0 }, { "source", T, NN },
};
static const struct pg_col images_cols[] = {
	{ "action", I, NN }, { "locator", T, NN }, { "path", T, 0 },
	{ "sha256", T, 0 }, { "mime", T, 0 }, { "width", I, 0 },
	{ "height", I, 0 }, { "taken", T, 0 }, { "make", T, 0 },
	{ "model", T, 0 }, { "lat", R, 0 }, { "lon", R, 0 },
	{ "alt", R, 0 }, { "orientation", I, 0 }, { "source", T, 0 },
};
static const struct pg_col pole_entities_cols[] = {
	{ "action", I, NN }, { "entity", T, NN }, { "pole", T, 0 },
	{ "subtype", T, 0 }, { "display", T, 0 }, { "value", T, 0 },
	{ "third_party", I, 0 }, { "record", T, 0 },
};
static const struct pg_col pole_links_cols[] = {
	{ "action", I, NN }, { "from_entity", T, NN }, { "rel", T, NN },
	{ "to_entity", T, NN }, { "role", T, 0 }, { "record", T, 0 },
};
static const struct pg_col pieces_cols[] = {
	{ "evidence_id", I, EV }, { "action", I, NN }, { "offset", I, NN },
	{ "length", I, NN }, { "md5", T, 0 }, { "sha1", T, 0 },
	{ "sha256", T, 0 }, { "error", T, 0 },
};
static const struct pg_col actions_cols[] = {
	{ "seq", I, PGC_KEY }, { "type", T, NN }, { "ts", T, NN },
	{ "exit", I, 0 },
};

static const char *const files_index[] = { "sha256", "md5", NULL };
static const char *const hashes_index[] = { "sha256", NULL };

#define TAB(t, u, ix, r)	{ #t, t##_cols, N(t##_cols), u, ix, r }
const struct pg_table etk_pg_tables[] = {
	TAB(evidence, "path", NULL, 0),
	TAB(volumes, "action, evidence_id, slot, start", NULL, 1),
	TAB(files, "action, locator", files_index, 1),
	TAB(hashes, "action, locator", hashes_index, 1),
	TAB(carved, "action, locator", NULL, 1),
	TAB(messages, "action, source", NULL, 1),
	TAB(calls, "action, source", NULL, 1),
	TAB(contacts, "action, source", NULL, 1),
	TAB(images, "action, locator", NULL, 1),
	TAB(pole_entities, "action, entity", NULL, 1),
	TAB(pole_links, NULL, NULL, 1),
	TAB(pieces, "action, evidence_id, offset", NULL, 1),
	TAB(actions, NULL, NULL, 0),
};
const size_t etk_pg_ntables = N(etk_pg_tables);

/* "\"a\", \"b\"" from "a, b", after a ", " unless first */
static void
add_idents(struct etk_buf *b, const char *list, int first)
{
	const char *p = list;
	size_t n;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		n = 0;
		while (p[n] != '\0' && p[n] != ',' && p[n] != ' ')
			n++;
		if (n == 0)
			break;
		etk_buf_adds(b, first ? "\"" : ", \"");
		first = 0;
		etk_buf_add(b, p, n);
		etk_buf_addc(b, '"');
		p += n;
	}
}

void
etk_pg_schema_ddl(struct etk_buf *ddl)
{
	static const char *const tname[] = {
		[PGT_INT] = "BIGINT", [PGT_REAL] = "DOUBLE PRECISION",
		[PGT_TEXT] = "TEXT"
	};
	const struct pg_table *t;
	const struct pg_col *c;
	size_t i, j;

	for (i = 0; i < etk_pg_ntables; i++) {
		t = &etk_pg_tables[i];
		etk_buf_printf(ddl, "CREATE TABLE \"%s\"(", t->name);
		if (!(t->cols[0].flags & PGC_KEY))
			etk_buf_adds(ddl, "\"id\" BIGINT GENERATED ALWAYS AS"
			    " IDENTITY PRIMARY KEY, ");
		for (j = 0; j < t->ncols; j++) {
			c = &t->cols[j];
			etk_buf_printf(ddl, "%s\"%s\" %s", j > 0 ? ", " : "",
			    c->name, tname[c->type]);
			if (c->flags & PGC_KEY)
				etk_buf_adds(ddl, " PRIMARY KEY");
			if (c->flags & PGC_NOTNULL)
				etk_buf_adds(ddl, " NOT NULL");
			if (c->flags & PGC_EVIDENCE)
				etk_buf_adds(ddl,
				    " REFERENCES \"evidence\"(\"id\")");
		}
		if (t->rows)
			etk_buf_adds(ddl, ", \"plan_id\" TEXT NOT NULL,"
			    " \"shard\" BIGINT NOT NULL");
		if (t->unique != NULL) {
			etk_buf_adds(ddl, ", UNIQUE(");
			if (t->rows)
				etk_buf_adds(ddl, "\"plan_id\", \"shard\"");
			add_idents(ddl, t->unique, !t->rows);
			etk_buf_addc(ddl, ')');
		}
		etk_buf_adds(ddl, ");\n");
		if (t->rows && t->unique == NULL)
			etk_buf_printf(ddl, "CREATE INDEX \"%s_plan_shard\" ON"
			    " \"%s\"(\"plan_id\", \"shard\");\n", t->name,
			    t->name);
		for (j = 0; t->index != NULL && t->index[j] != NULL; j++)
			etk_buf_printf(ddl, "CREATE INDEX \"%s_%s\" ON"
			    " \"%s\"(\"%s\");\n", t->name, t->index[j],
			    t->name, t->index[j]);
	}
	etk_buf_adds(ddl,
	    "CREATE TABLE \"shard_loads\"(\"plan_id\" TEXT NOT NULL,"
	    " \"tool\" TEXT NOT NULL, \"k\" BIGINT NOT NULL,"
	    " \"n\" BIGINT NOT NULL, \"etk_version\" TEXT,"
	    " \"sha256\" TEXT NOT NULL, \"rows\" BIGINT NOT NULL,"
	    " \"loaded\" TIMESTAMPTZ NOT NULL DEFAULT now(),"
	    " PRIMARY KEY(\"plan_id\", \"k\"));\n");
	etk_buf_printf(ddl,
	    "CREATE TABLE \"etk_schema\"(\"version\" INTEGER NOT NULL);\n"
	    "INSERT INTO \"etk_schema\" VALUES(%d);\n"
	    "COMMENT ON TABLE \"etk_schema\" IS 'etk lab case database"
	    " schema version (lib/pg/schema.c)';\n", ETK_PG_SCHEMA_VERSION);
}
