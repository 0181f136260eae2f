/*
 * etk extract records in the case database: one row per message, call,
 * contact, picture, POLE entity and link.  The record's JSON text is the
 * interface (the same text the JSON Lines files hold), so this file
 * depends on nothing inside lib/extract.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include <etk/extract_db.h>
#include <etk/json.h>

#include "custody_int.h"

enum { V_STR, V_INT, V_REAL, V_BOOL, V_LIST, V_RAWNUM, V_RECORD };

struct col {
	const char *key;	/* record field */
	int type;
};

static const struct tbl {
	const char *kind;
	const char *sql;
	struct col cols[16];
} tables[] = {
	{ "message", "INSERT OR REPLACE INTO messages(action, app, thread, "
	    "direction, sender, recipients, time, time_raw, body, attachments, "
	    "read, deleted, source) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11, ?12, ?13)",
	    { { "app", V_STR }, { "thread", V_STR }, { "direction", V_STR },
	    { "from", V_STR }, { "to", V_LIST }, { "time", V_STR },
	    { "time_raw", V_RAWNUM }, { "body", V_STR },
	    { "attachments", V_LIST }, { "read", V_BOOL },
	    { "deleted", V_BOOL }, { "source", V_STR }, { NULL, 0 } } },
	{ "call", "INSERT OR REPLACE INTO calls(action, app, direction, "
	    "number, name, time, duration_s, source) VALUES(?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8)",
	    { { "app", V_STR }, { "direction", V_STR }, { "number", V_STR },
	    { "name", V_STR }, { "time", V_STR }, { "duration_s", V_INT },
	    { "source", V_STR }, { NULL, 0 } } },
	{ "contact", "INSERT OR REPLACE INTO contacts(action, app, name, "
	    "numbers, emails, source) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	    { { "app", V_STR }, { "name", V_STR }, { "numbers", V_LIST },
	    { "emails", V_LIST }, { "source", V_STR }, { NULL, 0 } } },
	{ "image", "INSERT OR REPLACE INTO images(action, locator, path, "
	    "sha256, mime, width, height, taken, make, model, lat, lon, alt, "
	    "orientation, source) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11, ?12, ?13, ?14, ?15)",
	    { { "locator", V_STR }, { "path", V_STR }, { "sha256", V_STR },
	    { "mime", V_STR }, { "width", V_INT }, { "height", V_INT },
	    { "taken", V_STR }, { "make", V_STR }, { "model", V_STR },
	    { "lat", V_REAL }, { "lon", V_REAL }, { "alt", V_REAL },
	    { "orientation", V_INT }, { "source", V_STR }, { NULL, 0 } } },
	{ "pole_entity", "INSERT OR REPLACE INTO pole_entities(action, "
	    "entity, pole, subtype, display, value, third_party, record) "
	    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	    { { "id", V_STR }, { "pole", V_STR }, { "subtype", V_STR },
	    { "display", V_STR }, { "value", V_STR },
	    { "third_party", V_BOOL }, { "", V_RECORD }, { NULL, 0 } } },
	{ "pole_link", "INSERT INTO pole_links(action, from_entity, rel, "
	    "to_entity, role, record) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	    { { "from", V_STR }, { "rel", V_STR }, { "to", V_STR },
	    { "role", V_STR }, { "", V_RECORD }, { NULL, 0 } } },
};

/* A list value back to JSON text (strings, numbers, null). */
static void
list_text(const struct etk_jval *v, struct etk_buf *out)
{
	struct etk_json j;
	size_t i;

	etk_buf_reset(out);
	etk_json_init(&j, out);
	etk_json_arr_begin(&j);
	for (i = 0; v != NULL && v->type == ETK_JARR && i < v->n; i++) {
		const struct etk_jval *e = v->items[i];

		if (e->type == ETK_JSTR)
			etk_json_strn(&j, e->str, e->slen);
		else if (e->type == ETK_JNUM && e->is_int)
			etk_json_int(&j, e->inum);
		else if (e->type == ETK_JNUM)
			etk_json_double(&j, e->num);
		else
			etk_json_null(&j);
	}
	etk_json_arr_end(&j);
}

static void
bind(sqlite3_stmt *st, int at, const struct col *c, const struct etk_jval *v,
    const char *json, size_t len, struct etk_buf *tmp)
{
	char num[64];

	if (c->type == V_RECORD) {
		sqlite3_bind_text(st, at, json, (int)len, SQLITE_TRANSIENT);
		return;
	}
	if (c->type == V_LIST) {
		list_text(v, tmp);
		sqlite3_bind_text(st, at, tmp->data, (int)tmp->len,
		    SQLITE_TRANSIENT);
		return;
	}
	if (v == NULL || v->type == ETK_JNULL)
		return;		/* NULL */
	switch (c->type) {
	case V_STR:
		if (v->type == ETK_JSTR)
			sqlite3_bind_text(st, at, v->str, (int)v->slen,
			    SQLITE_TRANSIENT);
		break;
	case V_INT:
		if (v->type == ETK_JNUM)
			sqlite3_bind_int64(st, at, v->is_int ? v->inum :
			    (sqlite3_int64)v->num);
		break;
	case V_REAL:
		if (v->type == ETK_JNUM)
			sqlite3_bind_double(st, at, v->num);
		break;
	case V_BOOL:
		if (v->type == ETK_JBOOL)
			sqlite3_bind_int(st, at, v->b != 0);
		break;
	case V_RAWNUM:
		if (v->type == ETK_JNUM) {
			if (v->is_int)
				snprintf(num, sizeof(num), "%lld",
				    (long long)v->inum);
			else
				snprintf(num, sizeof(num), "%.17g", v->num);
			sqlite3_bind_text(st, at, num, -1, SQLITE_TRANSIENT);
		}
		break;
	}
}

int
etk_case_db_extract(struct etk_case *kase, uint64_t action, const char *kind,
    const char *json, size_t len, struct etk_error *err)
{
	const struct tbl *t = NULL;
	struct etk_jval *rec = NULL;
	struct etk_buf tmp;
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc;

	if (kase == NULL || kase->db == NULL || kind == NULL || json == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "extract: no case or record");
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (strcmp(tables[i].kind, kind) == 0)
			t = &tables[i];
	if (t == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "extract: unknown record "
		    "kind '%s'", kind);
	if ((rc = etk_json_parse(json, len, &rec, err)) != ETK_OK)
		return etk_wrap(err, "case database: %s record", kind);
	if (sqlite3_prepare_v3(kase->db, t->sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st, NULL) != SQLITE_OK) {
		etk_jval_free(rec);
		return etk_fail(err, ETK_EIO, 0, "case database: %s: %s", kind,
		    sqlite3_errmsg(kase->db));
	}
	etk_buf_init(&tmp);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)action);
	for (i = 0; t->cols[i].key != NULL; i++)
		bind(st, (int)i + 2, &t->cols[i], t->cols[i].type == V_RECORD ?
		    NULL : etk_jval_get(rec, t->cols[i].key), json, len, &tmp);
	rc = sqlite3_step(st) == SQLITE_DONE ? ETK_OK : etk_fail(err, ETK_EIO,
	    0, "case database: %s: %s", kind, sqlite3_errmsg(kase->db));
	sqlite3_finalize(st);
	etk_buf_release(&tmp);
	etk_jval_free(rec);
	return rc;
}
