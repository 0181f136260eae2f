/*
 * WhatsApp for iOS: ChatStorage.sqlite (ARTIFACTS.md B4), a Core Data
 * store; one record per ZWAMESSAGE row.
 *
 *   ZWAMESSAGE      ZISFROMME, ZFROMJID, ZTOJID, ZTEXT, ZMESSAGEDATE
 *                   (Cocoa seconds, REAL), ZPUSHNAME (the sender's own
 *                   name), ZCHATSESSION, ZGROUPMEMBER, ZMEDIAITEM
 *   ZWACHATSESSION  ZCONTACTJID (the chat: a person or "...@g.us"),
 *                   ZPARTNERNAME (the contact's or the group's name),
 *                   ZSESSIONTYPE (1 group)
 *   ZWAGROUPMEMBER  ZMEMBERJID, ZCONTACTNAME: who sent a group message
 *                   (ZFROMJID of a group message is the group)
 *   ZWAMEDIAITEM    ZMEDIALOCALPATH (relative to the app group's
 *                   "Message/" folder), ZFILESIZE, ZTITLE (caption or
 *                   document title), ZVCARDSTRING: the MIME type of a
 *                   media item, or the vCard itself ("BEGIN:VCARD")
 *
 * Every join is a LEFT JOIN on Z_PK, so a message whose chat, member
 * or media row is gone is still emitted.  A media row is linked from
 * many plain-text messages (link previews), so an attachment is listed
 * only when the row names a local file.  Calls are not in this store
 * (WhatsApp keeps them in its own CallHistory.sqlite); contacts are in
 * ContactsV2.sqlite.
 */
#include <stdio.h>
#include <string.h>

#include "extract/ex_int.h"
#include "extract/ios_util.h"

enum {
	C_PK, C_FROMME, C_FROMJID, C_TOJID, C_TEXT, C_DATE, C_PUSHNAME,
	C_CHATJID, C_PARTNER, C_SESSTYPE, C_MEMBERJID, C_MEMBERNAME,
	C_MEMBERFIRST, C_PATH, C_SIZE, C_TITLE, C_VCARD
};

static int
wa_recognise(struct ex_db *db)
{
	return ex_db_has_cols(db, "ZWAMESSAGE", "ZCHATSESSION", NULL) &&
	    ex_db_has_cols(db, "ZWACHATSESSION", "ZCONTACTJID", NULL);
}

static const char *
nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

static int
ends_with(const char *s, const char *sfx)
{
	size_t a = strlen(s), b = strlen(sfx);

	return a >= b && strcmp(s + a - b, sfx) == 0;
}

static void
build_query(struct ex_db *db, struct etk_buf *sql)
{
	int gm = ex_db_has_table(db, "ZWAGROUPMEMBER") &&
	    ex_db_has_col(db, "ZWAMESSAGE", "ZGROUPMEMBER");
	int mi = ex_db_has_table(db, "ZWAMEDIAITEM") &&
	    ex_db_has_col(db, "ZWAMESSAGE", "ZMEDIAITEM");

	etk_buf_adds(sql, "SELECT \"ZWAMESSAGE\".ROWID, ");
	ios_col(db, sql, "ZWAMESSAGE", "ZISFROMME");
	ios_col(db, sql, "ZWAMESSAGE", "ZFROMJID");
	ios_col(db, sql, "ZWAMESSAGE", "ZTOJID");
	ios_col(db, sql, "ZWAMESSAGE", "ZTEXT");
	ios_col(db, sql, "ZWAMESSAGE", "ZMESSAGEDATE");
	ios_col(db, sql, "ZWAMESSAGE", "ZPUSHNAME");
	ios_col(db, sql, "ZWACHATSESSION", "ZCONTACTJID");
	ios_col(db, sql, "ZWACHATSESSION", "ZPARTNERNAME");
	ios_col(db, sql, "ZWACHATSESSION", "ZSESSIONTYPE");
	if (gm) {
		ios_col(db, sql, "ZWAGROUPMEMBER", "ZMEMBERJID");
		ios_col(db, sql, "ZWAGROUPMEMBER", "ZCONTACTNAME");
		ios_col(db, sql, "ZWAGROUPMEMBER", "ZFIRSTNAME");
	} else
		etk_buf_adds(sql, "NULL, NULL, NULL, ");
	if (mi) {
		ios_col(db, sql, "ZWAMEDIAITEM", "ZMEDIALOCALPATH");
		ios_col(db, sql, "ZWAMEDIAITEM", "ZFILESIZE");
		ios_col(db, sql, "ZWAMEDIAITEM", "ZTITLE");
		ex_db_col(db, sql, "ZWAMEDIAITEM", "ZVCARDSTRING");
	} else
		etk_buf_adds(sql, "NULL, NULL, NULL, NULL");
	etk_buf_adds(sql, " FROM \"ZWAMESSAGE\" LEFT JOIN \"ZWACHATSESSION\" "
	    "ON \"ZWACHATSESSION\".ROWID = \"ZWAMESSAGE\".\"ZCHATSESSION\"");
	if (gm)
		etk_buf_adds(sql, " LEFT JOIN \"ZWAGROUPMEMBER\" ON "
		    "\"ZWAGROUPMEMBER\".ROWID = "
		    "\"ZWAMESSAGE\".\"ZGROUPMEMBER\"");
	if (mi)
		etk_buf_adds(sql, " LEFT JOIN \"ZWAMEDIAITEM\" ON "
		    "\"ZWAMEDIAITEM\".ROWID = \"ZWAMESSAGE\".\"ZMEDIAITEM\"");
	etk_buf_adds(sql, " ORDER BY \"ZWAMESSAGE\".ROWID");
}

static enum ex_parse_status
wa_parse(struct ex_ctx *ctx, struct ex_db *db, unsigned what,
    uint64_t *nrows, char *reason, size_t reasonsz)
{
	struct etk_error err = { 0 };
	struct etk_buf sql;
	struct ex_strs to;
	struct ex_message m;
	struct ex_attach att;
	sqlite3_stmt *st = NULL;
	enum ex_parse_status status;
	const char *chat, *vcard, *path, *s;
	int rc, fromme, group, isvcard;

	*nrows = 0;
	if (!(what & EX_WHAT_MESSAGES))
		return EX_PARSED;
	if (!ex_db_has_col(db, "ZWAMESSAGE", "ZISFROMME") ||
	    !ex_db_has_col(db, "ZWAMESSAGE", "ZMESSAGEDATE")) {
		snprintf(reason, reasonsz, "ZWAMESSAGE has no ZISFROMME or "
		    "ZMESSAGEDATE: schema generation not understood");
		return EX_UNSUPPORTED;
	}
	etk_buf_init(&sql);
	ex_strs_init(&to);
	build_query(db, &sql);
	if (sql.oom || ex_db_prepare(db, sql.data, &st, &err) != 0) {
		snprintf(reason, reasonsz, "%s", sql.oom ? "out of memory" :
		    err.msg);
		etk_buf_release(&sql);
		return EX_FAILED;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		(*nrows)++;
		memset(&m, 0, sizeof(m));
		m.app = "whatsapp";
		m.read = -1;
		m.prov.table = "ZWAMESSAGE";
		m.prov.rowid = sqlite3_column_int64(st, C_PK);
		m.prov.wal_only = ex_db_wal_only(db, "ZWAMESSAGE",
		    m.prov.rowid);

		chat = nonempty(ex_col_text(st, C_CHATJID));
		group = ex_col_int(st, C_SESSTYPE, -1) == 1 ||
		    (chat != NULL && ends_with(chat, "@g.us"));
		m.thread = chat;
		if (group)
			m.thread_name = nonempty(ex_col_text(st, C_PARTNER));

		fromme = sqlite3_column_type(st, C_FROMME) == SQLITE_NULL ?
		    -1 : sqlite3_column_int(st, C_FROMME) != 0;
		ex_strs_reset(&to);
		if (fromme == 1) {
			m.direction = "outgoing";
			s = nonempty(ex_col_text(st, C_TOJID));
			if (s == NULL)
				s = chat;
			if (s != NULL) {
				ex_strs_add(&to, s);
				m.to = ex_strs_ptrs(&to);
				m.nto = m.to != NULL ? 1 : 0;
			}
		} else {
			m.direction = fromme == 0 ? "incoming" : NULL;
			if (group) {
				/* The member row names the sender; the
				 * message's ZFROMJID is the group. */
				m.from = nonempty(ex_col_text(st,
				    C_MEMBERJID));
				m.from_name = nonempty(ex_col_text(st,
				    C_MEMBERNAME));
				if (m.from_name == NULL)
					m.from_name = nonempty(ex_col_text(st,
					    C_MEMBERFIRST));
			} else {
				m.from = nonempty(ex_col_text(st, C_FROMJID));
				if (m.from == NULL)
					m.from = chat;
				m.from_name = nonempty(ex_col_text(st,
				    C_PARTNER));
			}
			if (m.from_name == NULL)
				m.from_name = nonempty(ex_col_text(st,
				    C_PUSHNAME));
		}

		vcard = ex_col_text(st, C_VCARD);
		isvcard = vcard != NULL && strncmp(vcard, "BEGIN:", 6) == 0;
		m.body = ex_col_text(st, C_TEXT);
		if (m.body == NULL && isvcard)
			m.body = vcard;
		if (m.body == NULL)
			m.body = nonempty(ex_col_text(st, C_TITLE));
		path = nonempty(ex_col_text(st, C_PATH));
		if (path != NULL) {
			memset(&att, 0, sizeof(att));
			att.stored = path;
			att.mime = isvcard ? NULL : nonempty(vcard);
			att.size = ex_col_int(st, C_SIZE, -1);
			m.att = &att;
			m.natt = 1;
		}
		ex_time_col(&m.time, EX_T_COCOA_S, st, C_DATE);
		ctx->ops->message(ctx->arg, &m);
	}
	status = ex_step_status(db, rc, "reading ZWAMESSAGE", reason, reasonsz);
	sqlite3_finalize(st);
	etk_buf_release(&sql);
	ex_strs_free(&to);
	return status;
}

static const char *const wa_paths[] = {
	"ChatStorage.sqlite",
	NULL
};

const struct ex_artifact ex_whatsapp_ios = {
	"whatsapp_ios",
	"WhatsApp for iOS messages (chats, groups, media): "
	    "ChatStorage.sqlite",
	EX_WHAT_MESSAGES,
	wa_paths,
	wa_recognise,
	wa_parse
};
