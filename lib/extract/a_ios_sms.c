/*
 * iOS Messages: sms.db (ARTIFACTS.md B1), also macOS chat.db, which
 * has the same tables.  One record per message row:
 *
 *   message            text, attributedBody, is_from_me, service, date,
 *                      date_read, is_read, destination_caller_id
 *   handle             the other party; a message whose handle_id is 0
 *                      (outgoing, group) or names a handle that is gone
 *                      is kept, with no sender
 *   chat_message_join  the message's chat (the lowest chat_id when a
 *   + chat             message sits in more than one, so it is still
 *                      emitted once): thread = chat.guid, group name =
 *                      display_name; a message in no chat is kept
 *   chat_handle_join   the chat's members: the recipients of an
 *                      outgoing message (group messages have no handle)
 *   message_attachment_join + attachment: filename
 *                      (~/Library/SMS/Attachments/...), mime_type,
 *                      transfer_name, total_bytes
 *   chat_recoverable_message_join (iOS 16+): "Recently Deleted", marked
 *                      deleted
 *
 * The device owner's side is destination_caller_id, when the column is
 * there: the sender of an outgoing message, the recipient of an
 * incoming one.  Without it the owner's side stays unknown.
 *
 * Dates count from 2001-01-01 UTC in seconds before iOS 11 and in
 * nanoseconds after, so the unit is picked per value by magnitude.
 * When text is NULL (iOS 16+ often), the text is decoded from the
 * attributedBody typedstream; a blob that does not decode is warned
 * about by row and the message is kept without a body.
 * date_delivered has no field in the message record and is not read.
 *
 * Memory stays flat in the message count: the message query streams;
 * chat_message_join and the attachments are read beside it in message
 * order; only handles, chats and chat membership (rows per person or
 * chat, not per message) are held.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract/ex_int.h"
#include "extract/ios_util.h"
#include "extract/typedstream.h"

/* Columns of the main query, in order. */
enum {
	C_ROWID, C_TEXT, C_BODY, C_FROMME, C_SERVICE, C_DATE, C_DATE_READ,
	C_IS_READ, C_CALLER, C_HANDLE
};
/* Strings of a chat in its map. */
enum { CH_GUID, CH_IDENT, CH_NAME, CH_SERVICE, CH_N };

/* Each chat's members, loaded once, sorted by chat ROWID. */
struct members {
	int64_t *chat;
	size_t *first, *count;
	size_t n, cap;
	struct ex_strs ids;
	const char *const *ptr;
};

static void
members_free(struct members *m)
{
	free(m->chat);
	free(m->first);
	free(m->count);
	ex_strs_free(&m->ids);
}

static int
members_load(struct ex_db *db, struct members *m, struct etk_error *err)
{
	sqlite3_stmt *st;
	int64_t chat;
	const char *id;
	int rc;

	memset(m, 0, sizeof(*m));
	ex_strs_init(&m->ids);
	if (!ex_db_has_cols(db, "chat_handle_join", "chat_id", "handle_id",
	    NULL))
		return 0;
	if ((rc = ex_db_prepare(db, "SELECT \"chat_handle_join\".\"chat_id\", "
	    "\"handle\".\"id\" FROM \"chat_handle_join\" JOIN \"handle\" ON "
	    "\"handle\".ROWID = \"chat_handle_join\".\"handle_id\" "
	    "ORDER BY 1, \"chat_handle_join\".ROWID", &st, err)) != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((id = ex_col_text(st, 1)) == NULL)
			continue;
		chat = sqlite3_column_int64(st, 0);
		if (m->n == 0 || m->chat[m->n - 1] != chat) {
			if (m->n == m->cap) {
				size_t cap = m->cap ? m->cap * 2 : 16;
				int64_t *nc = realloc(m->chat,
				    cap * sizeof(*nc));
				size_t *nf, *nn;

				if (nc != NULL)
					m->chat = nc;
				nf = realloc(m->first, cap * sizeof(*nf));
				if (nf != NULL)
					m->first = nf;
				nn = realloc(m->count, cap * sizeof(*nn));
				if (nn != NULL)
					m->count = nn;
				if (nc == NULL || nf == NULL || nn == NULL) {
					sqlite3_finalize(st);
					return etk_fail(err, ETK_ENOMEM, 0,
					    "out of memory");
				}
				m->cap = cap;
			}
			m->chat[m->n] = chat;
			m->first[m->n] = m->ids.n;
			m->count[m->n] = 0;
			m->n++;
		}
		ex_strs_add(&m->ids, id);
		m->count[m->n - 1]++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return etk_fail(err, ETK_EFORMAT, 0, "%s: chat_handle_join: %s",
		    db->locator, sqlite3_errmsg(db->db));
	if (m->ids.oom)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	m->ptr = ex_strs_ptrs(&m->ids);
	return 0;
}

/* The members of chat, or NULL. */
static const char *const *
members_of(const struct members *m, int64_t chat, size_t *n)
{
	size_t lo = 0, hi = m->n, mid;

	*n = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m->chat[mid] < chat)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == m->n || m->chat[lo] != chat || m->ptr == NULL)
		return NULL;
	*n = m->count[lo];
	return m->ptr + m->first[lo];
}

/* The attachment query, read alongside the messages (both ascend by
 * message ROWID). */
struct atts {
	sqlite3_stmt *st;
	int state;		/* 0 not started, 1 on a row, 2 done */
	int rc;
	struct ex_strs s;	/* stored, mime, name per attachment */
	int64_t *size;
	struct ex_attach *att;
	size_t n, cap;
	int oom;
};

static int
atts_open(struct ex_db *db, struct atts *a, struct etk_error *err)
{
	struct etk_buf sql;
	int rc;

	memset(a, 0, sizeof(*a));
	ex_strs_init(&a->s);
	if (!ex_db_has_cols(db, "message_attachment_join", "message_id",
	    "attachment_id", NULL) || !ex_db_has_table(db, "attachment")) {
		a->state = 2;
		return 0;
	}
	etk_buf_init(&sql);
	etk_buf_adds(&sql, "SELECT "
	    "\"message_attachment_join\".\"message_id\", ");
	ios_col(db, &sql, "attachment", "filename");
	ios_col(db, &sql, "attachment", "mime_type");
	ios_col(db, &sql, "attachment", "transfer_name");
	ex_db_col(db, &sql, "attachment", "total_bytes");
	etk_buf_adds(&sql, " FROM \"message_attachment_join\" JOIN "
	    "\"attachment\" ON \"attachment\".ROWID = "
	    "\"message_attachment_join\".\"attachment_id\" ORDER BY 1, "
	    "\"message_attachment_join\".ROWID");
	if (sql.oom)
		rc = etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	else
		rc = ex_db_prepare(db, sql.data, &a->st, err);
	etk_buf_release(&sql);
	return rc;
}

static void
atts_close(struct atts *a)
{
	sqlite3_finalize(a->st);
	ex_strs_free(&a->s);
	free(a->size);
	free(a->att);
}

/* Collect message msg's attachments into a->att[0..a->n). */
static void
atts_for(struct atts *a, int64_t msg)
{
	int64_t key;
	size_t i;

	ex_strs_reset(&a->s);
	a->n = 0;
	for (;;) {
		if (a->state == 0) {
			a->rc = sqlite3_step(a->st);
			a->state = a->rc == SQLITE_ROW ? 1 : 2;
		}
		if (a->state == 2)
			break;
		key = sqlite3_column_int64(a->st, 0);
		if (key > msg)
			break;
		if (key == msg) {
			if (a->n == a->cap) {
				size_t cap = a->cap ? a->cap * 2 : 4;
				int64_t *ns = realloc(a->size,
				    cap * sizeof(*ns));

				if (ns == NULL) {
					a->oom = 1;
					break;
				}
				a->size = ns;
				a->cap = cap;
			}
			ex_strs_add(&a->s, ex_col_text(a->st, 1));
			ex_strs_add(&a->s, ex_col_text(a->st, 2));
			ex_strs_add(&a->s, ex_col_text(a->st, 3));
			a->size[a->n++] = ex_col_int(a->st, 4, -1);
		}
		/* Rows of messages the main query never names (gone) are
		 * passed over. */
		a->state = 0;
	}
	if (a->n > 0) {
		const char *const *p = ex_strs_ptrs(&a->s);
		struct ex_attach *na = realloc(a->att, a->n * sizeof(*na));

		if (p == NULL || na == NULL) {
			if (na != NULL)
				a->att = na;
			a->oom = 1;
			a->n = 0;
			return;
		}
		a->att = na;
		for (i = 0; i < a->n; i++) {
			a->att[i].stored = p[3 * i];
			a->att[i].mime = p[3 * i + 1];
			a->att[i].name = p[3 * i + 2];
			a->att[i].size = a->size[i];
		}
	}
}

static int
sms_recognise(struct ex_db *db)
{
	return ex_db_has_cols(db, "message", "guid", "handle_id", NULL) &&
	    ex_db_has_cols(db, "handle", "id", NULL);
}

/*
 * The message table is read alone, in ROWID order, with no join: the
 * handles and chats (hundreds of rows, not one per message) are held in
 * memory, and chat_message_join is read beside it in message order.
 * Joining in SQL made SQLite build a temporary index per run and
 * halved the speed on a million messages.
 */
static int
build_query(struct ex_db *db, struct etk_buf *sql)
{
	etk_buf_adds(sql, "SELECT \"message\".ROWID, ");
	ios_col(db, sql, "message", "text");
	ios_col(db, sql, "message", "attributedBody");
	ios_col(db, sql, "message", "is_from_me");
	ios_col(db, sql, "message", "service");
	ios_col(db, sql, "message", "date");
	ios_col(db, sql, "message", "date_read");
	ios_col(db, sql, "message", "is_read");
	ios_col(db, sql, "message", "destination_caller_id");
	ex_db_col(db, sql, "message", "handle_id");
	etk_buf_adds(sql, " FROM \"message\" ORDER BY \"message\".ROWID");
	return sql->oom ? ETK_ENOMEM : 0;
}

/* The small tables: handles, chats, the Recently Deleted set. */
static int
load_maps(struct ex_db *db, struct ios_map *handles, struct ios_map *chats,
    struct ios_map *recov, struct etk_error *err)
{
	struct etk_buf sql;
	int rc;

	if ((rc = ios_map_load(db, handles, "SELECT ROWID, \"id\" FROM "
	    "\"handle\" ORDER BY 1", 1, err)) != 0)
		return rc;
	if (ex_db_has_table(db, "chat")) {
		etk_buf_init(&sql);
		etk_buf_adds(&sql, "SELECT \"chat\".ROWID, ");
		ios_col(db, &sql, "chat", "guid");
		ios_col(db, &sql, "chat", "chat_identifier");
		ios_col(db, &sql, "chat", "display_name");
		ex_db_col(db, &sql, "chat", "service_name");
		etk_buf_adds(&sql, " FROM \"chat\" ORDER BY 1");
		rc = sql.oom ? etk_fail(err, ETK_ENOMEM, 0, "out of memory") :
		    ios_map_load(db, chats, sql.data, CH_N, err);
		etk_buf_release(&sql);
		if (rc != 0)
			return rc;
	}
	if (ex_db_has_cols(db, "chat_recoverable_message_join", "message_id",
	    NULL) && (rc = ios_map_load(db, recov, "SELECT DISTINCT "
	    "\"message_id\", 1 FROM \"chat_recoverable_message_join\" "
	    "ORDER BY 1", 1, err)) != 0)
		return rc;
	return 0;
}

/* chat_message_join in message order; a message in several chats gets
 * the lowest chat_id, so it is still emitted once. */
struct cmj {
	sqlite3_stmt *st;
	int state;		/* 0 step next, 1 on a row, 2 done */
	int rc;
};

static int
cmj_open(struct ex_db *db, struct cmj *c, struct etk_error *err)
{
	memset(c, 0, sizeof(*c));
	if (!ex_db_has_cols(db, "chat_message_join", "chat_id", "message_id",
	    NULL)) {
		c->state = 2;
		return 0;
	}
	return ex_db_prepare(db, "SELECT \"message_id\", \"chat_id\" FROM "
	    "\"chat_message_join\" WHERE \"chat_id\" IS NOT NULL ORDER BY 1, 2",
	    &c->st, err);
}

/* 1 and *chat when message msg is in a chat. */
static int
cmj_chat(struct cmj *c, int64_t msg, int64_t *chat)
{
	int64_t key;
	int found = 0;

	for (;;) {
		if (c->state == 0) {
			c->rc = sqlite3_step(c->st);
			c->state = c->rc == SQLITE_ROW ? 1 : 2;
		}
		if (c->state == 2)
			break;
		key = sqlite3_column_int64(c->st, 0);
		if (key > msg)
			break;
		if (key == msg && !found) {
			*chat = sqlite3_column_int64(c->st, 1);
			found = 1;
		}
		c->state = 0;
	}
	return found;
}

static enum ex_parse_status
sms_parse(struct ex_ctx *ctx, struct ex_db *db, unsigned what,
    uint64_t *nrows, char *reason, size_t reasonsz)
{
	struct etk_error err = { 0 };
	struct members mem;
	struct ios_map handles, chats, recov;
	struct cmj cmj;
	struct atts at;
	struct etk_buf sql, body;
	struct ex_strs to;
	struct ex_message m;
	sqlite3_stmt *st = NULL;
	enum ex_parse_status status = EX_PARSED;
	const unsigned char *txt;
	const char *why, *handle, *caller, *service, *s;
	const char *const *mto, *const *ch, *const *hs;
	char item[512];
	size_t tlen, nmto;
	int64_t chat;
	int rc, fromme, inchat;

	*nrows = 0;
	if (!(what & EX_WHAT_MESSAGES))
		return EX_PARSED;
	if (!ex_db_has_col(db, "message", "is_from_me") ||
	    !ex_db_has_col(db, "message", "date")) {
		snprintf(reason, reasonsz, "message table has no is_from_me "
		    "or date column: schema generation not understood");
		return EX_UNSUPPORTED;
	}
	if (!ex_db_has_col(db, "message", "text") &&
	    !ex_db_has_col(db, "message", "attributedBody")) {
		snprintf(reason, reasonsz, "message table has neither text "
		    "nor attributedBody: schema generation not understood");
		return EX_UNSUPPORTED;
	}
	etk_buf_init(&sql);
	etk_buf_init(&body);
	ex_strs_init(&to);
	memset(&at, 0, sizeof(at));
	ex_strs_init(&at.s);
	memset(&cmj, 0, sizeof(cmj));
	ios_map_init(&handles);
	ios_map_init(&chats);
	ios_map_init(&recov);
	if (members_load(db, &mem, &err) != 0 ||
	    load_maps(db, &handles, &chats, &recov, &err) != 0 ||
	    cmj_open(db, &cmj, &err) != 0 ||
	    atts_open(db, &at, &err) != 0 ||
	    build_query(db, &sql) != 0 ||
	    ex_db_prepare(db, sql.data, &st, &err) != 0) {
		snprintf(reason, reasonsz, "%s", err.msg[0] != '\0' ?
		    err.msg : "out of memory");
		status = EX_FAILED;
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		(*nrows)++;
		memset(&m, 0, sizeof(m));
		m.prov.table = "message";
		m.prov.rowid = sqlite3_column_int64(st, C_ROWID);
		m.prov.wal_only = ex_db_wal_only(db, "message", m.prov.rowid);

		m.body = ex_col_text(st, C_TEXT);
		/* A BLOB as Messages writes it; TEXT too (a copy made by
		 * another tool may have changed the storage class). */
		if (m.body == NULL &&
		    (sqlite3_column_type(st, C_BODY) == SQLITE_BLOB ||
		    sqlite3_column_type(st, C_BODY) == SQLITE_TEXT)) {
			const void *blob = sqlite3_column_blob(st, C_BODY);
			int blen = sqlite3_column_bytes(st, C_BODY);

			if (ex_typedstream_text(blob, (size_t)blen, &txt, &tlen,
			    &why) == 0) {
				etk_buf_reset(&body);
				etk_buf_add(&body, txt, tlen);
				m.body = body.oom ? NULL : body.data;
			} else {
				ios_row_name(db, "message", m.prov.rowid, item,
				    sizeof(item));
				ctx->ops->warn(ctx->arg, item, why);
			}
		}

		fromme = sqlite3_column_type(st, C_FROMME) == SQLITE_NULL ?
		    -1 : sqlite3_column_int(st, C_FROMME) != 0;
		hs = sqlite3_column_type(st, C_HANDLE) == SQLITE_NULL ? NULL :
		    ios_map_get(&handles, sqlite3_column_int64(st, C_HANDLE));
		handle = hs != NULL ? hs[0] : NULL;
		inchat = cmj_chat(&cmj, m.prov.rowid, &chat);
		ch = inchat ? ios_map_get(&chats, chat) : NULL;
		caller = ex_col_text(st, C_CALLER);
		if (caller != NULL && *caller == '\0')
			caller = NULL;
		ex_strs_reset(&to);
		mto = NULL;
		nmto = 0;
		if (fromme == 1) {
			m.direction = "outgoing";
			m.from = caller;
			if (inchat)
				mto = members_of(&mem, chat, &nmto);
			if (mto == NULL && handle != NULL) {
				ex_strs_add(&to, handle);
				mto = ex_strs_ptrs(&to);
				nmto = mto != NULL ? 1 : 0;
			}
		} else {
			m.direction = fromme == 0 ? "incoming" : NULL;
			m.from = handle;
			if (fromme == 0 && caller != NULL) {
				ex_strs_add(&to, caller);
				mto = ex_strs_ptrs(&to);
				nmto = mto != NULL ? 1 : 0;
			}
		}
		m.to = mto;
		m.nto = nmto;

		service = ex_col_text(st, C_SERVICE);
		if ((service == NULL || *service == '\0') && ch != NULL)
			service = ch[CH_SERVICE];
		m.service = service;
		m.app = service != NULL &&
		    strcasecmp(service, "iMessage") == 0 ? "imessage" :
		    "ios_sms";

		if (ch != NULL) {
			s = ch[CH_GUID];
			m.thread = s != NULL && *s != '\0' ? s : ch[CH_IDENT];
			s = ch[CH_NAME];
			m.thread_name = s != NULL && *s != '\0' ? s : NULL;
		}

		ios_time_cocoa_auto(&m.time, st, C_DATE);
		ios_time_cocoa_auto(&m.time_read, st, C_DATE_READ);
		m.read = sqlite3_column_type(st, C_IS_READ) == SQLITE_NULL ?
		    -1 : sqlite3_column_int(st, C_IS_READ) != 0;
		m.deleted = ios_map_get(&recov, m.prov.rowid) != NULL;

		atts_for(&at, m.prov.rowid);
		m.att = at.n > 0 ? at.att : NULL;
		m.natt = at.n;
		if (at.oom || to.oom) {
			ios_row_name(db, "message", m.prov.rowid, item,
			    sizeof(item));
			ctx->ops->warn(ctx->arg, item, "out of memory: "
			    "attachments or recipients left out");
			at.oom = to.oom = 0;
		}
		ctx->ops->message(ctx->arg, &m);
	}
	status = ex_step_status(db, rc, "reading message", reason, reasonsz);
	if (status == EX_PARSED && at.st != NULL && at.state == 2 &&
	    at.rc != SQLITE_DONE)
		status = ex_step_status(db, at.rc, "reading attachment", reason,
		    reasonsz);
	if (status == EX_PARSED && cmj.st != NULL && cmj.state == 2 &&
	    cmj.rc != SQLITE_DONE)
		status = ex_step_status(db, cmj.rc, "reading chat_message_join",
		    reason, reasonsz);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(cmj.st);
	ios_map_free(&handles);
	ios_map_free(&chats);
	ios_map_free(&recov);
	atts_close(&at);
	members_free(&mem);
	ex_strs_free(&to);
	etk_buf_release(&sql);
	etk_buf_release(&body);
	return status;
}

static const char *const sms_paths[] = {
	"Library/SMS/sms.db",
	NULL
};

const struct ex_artifact ex_ios_sms = {
	"ios_sms",
	"iOS Messages (SMS, MMS, iMessage, RCS): sms.db, iOS 5 to 18",
	EX_WHAT_MESSAGES,
	sms_paths,
	sms_recognise,
	sms_parse
};
