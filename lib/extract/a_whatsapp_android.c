/*
 * WhatsApp for Android (ARTIFACTS.md A5): msgstore.db and wa.db of
 * com.whatsapp (and com.whatsapp.w4b, the same layout).
 *
 * msgstore.db comes in two generations:
 *  - legacy (to 2021/22): one `messages` table keyed by key_remote_jid
 *    (the chat's JID), key_from_me, remote_resource (a group message's
 *    sender), data (the text), media_* columns; chat_list has subjects;
 *  - current: `message` rows point at `chat` (chat_row_id) and `jid`
 *    (sender_jid_row_id, 0 in 1:1 chats); media in message_media, calls
 *    in call_log; jid_map maps the privacy "@lid" JIDs newer versions
 *    use to phone-number JIDs.
 * While a phone migrates, both tables exist: the current one is read
 * once it holds rows, and then of the legacy rows only those it does
 * not hold yet (by key_id and direction), so a message is neither
 * lost nor counted twice.
 * Times are Unix ms everywhere.
 *
 * Names come from wa.db beside msgstore.db (wa_contacts: display_name
 * from the address book, else wa_name, the name the person set), when
 * the run can open it; rows are the same without it.  The owner's
 * number is the registration_jid preference.  wa.db is also an
 * artifact on its own: its contacts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/a_android_util.h"

static int
modern(struct ex_db *db)
{
	return ex_db_has_cols(db, "message", "chat_row_id", "from_me",
	    "key_id", (char *)NULL) && ex_db_has_table(db, "chat") &&
	    ex_db_has_table(db, "jid");
}

static int
legacy(struct ex_db *db)
{
	return ex_db_has_cols(db, "messages", "key_remote_jid", "key_from_me",
	    "key_id", (char *)NULL);
}

static int
recognise(struct ex_db *db)
{
	return modern(db) || legacy(db);
}

static int
ends_with(const char *s, const char *sfx)
{
	size_t n, m;

	if (s == NULL)
		return 0;
	n = strlen(s);
	m = strlen(sfx);
	return n >= m && strcmp(s + n - m, sfx) == 0;
}

static const char *
nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/* ------------------------------------------------------------------ */
/* wa.db names */

static void
load_names(struct ex_ctx *ctx, struct ex_db *db, struct aa_map *names)
{
	struct etk_error err = { 0 };
	struct ex_db *wa = NULL;
	struct etk_buf sql;
	sqlite3_stmt *st = NULL;
	int rc;

	aa_map_init(names);
	if (ctx->ops->sibling == NULL)
		return;
	rc = ctx->ops->sibling(ctx->arg, db, "wa.db", &wa, &err);
	if (rc == 0 && wa == NULL)
		rc = ETK_ENOTFOUND;
	if (rc != 0) {
		if (rc != ETK_ENOTFOUND)
			ctx->ops->warn(ctx->arg, "wa.db", err.msg);
		return;
	}
	if (!ex_db_has_cols(wa, "wa_contacts", "jid", (char *)NULL)) {
		ctx->ops->warn(ctx->arg, "wa.db", "no wa_contacts table: "
		    "names not resolved");
		ex_db_close(wa);
		return;
	}
	etk_buf_init(&sql);
	etk_buf_adds(&sql, "SELECT jid, NULLIF(");
	ex_db_col_as(wa, &sql, "wa_contacts", NULL, "display_name");
	etk_buf_adds(&sql, ", ''), NULLIF(");
	ex_db_col_as(wa, &sql, "wa_contacts", NULL, "wa_name");
	etk_buf_adds(&sql, ", '') FROM wa_contacts ORDER BY rowid");
	if (!sql.oom && ex_db_prepare(wa, sql.data, &st, &err) == 0) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *n = ex_col_text(st, 1);

			if (n == NULL)
				n = ex_col_text(st, 2);
			if (aa_map_put(names, ex_col_text(st, 0), n) != 0) {
				rc = SQLITE_NOMEM;
				break;
			}
		}
		if (rc != SQLITE_DONE)
			ctx->ops->warn(ctx->arg, "wa.db", rc == SQLITE_NOMEM ?
			    "out of memory" : sqlite3_errmsg(wa->db));
	} else {
		ctx->ops->warn(ctx->arg, "wa.db", sql.oom ? "out of memory" :
		    err.msg);
	}
	sqlite3_finalize(st);
	etk_buf_release(&sql);
	ex_db_close(wa);
	aa_map_done(names);
}

/* ------------------------------------------------------------------ */
/* The owner: shared_prefs */

/* The text of <string name="key">...</string> in an Android shared
 * preferences file, entities decoded, into out.  1 when found. */
static int
pref_string(const char *xml, size_t len, const char *key, char *out,
    size_t outsz)
{
	char pat[128];
	const char *p, *end = xml + len, *e;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "name=\"%s\"", key);
	for (p = xml; p < end; p++) {
		e = memchr(p, 'n', (size_t)(end - p));
		if (e == NULL)
			return 0;
		p = e;
		if ((size_t)(end - p) >= strlen(pat) &&
		    memcmp(p, pat, strlen(pat)) == 0)
			break;
	}
	if (p >= end)
		return 0;
	while (p < end && *p != '>')
		p++;
	if (p >= end || p[-1] == '/')	/* <string name="x" /> */
		return 0;
	for (p++; p < end && *p != '<' && n + 1 < outsz; p++) {
		static const struct {
			const char *ent;
			char c;
		} ents[] = { { "&amp;", '&' }, { "&lt;", '<' },
		    { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' } };
		size_t i;
		char c = *p;

		if (c == '&')
			for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
				size_t l = strlen(ents[i].ent);

				if ((size_t)(end - p) >= l &&
				    memcmp(p, ents[i].ent, l) == 0) {
					c = ents[i].c;
					p += l - 1;
					break;
				}
			}
		out[n++] = c;
	}
	out[n] = '\0';
	return p < end && *p == '<';
}

static void
emit_owner(struct ex_ctx *ctx, struct ex_db *db)
{
	static const char *const files[] = {
		"../shared_prefs/com.whatsapp_preferences_light.xml",
		"../shared_prefs/com.whatsapp_preferences.xml",
	};
	struct etk_error err = { 0 };
	struct etk_buf buf;
	struct ex_account a;
	char jid[256], name[256];
	size_t i;
	int rc;

	if (ctx->ops->read_file == NULL || ctx->ops->account == NULL)
		return;
	etk_buf_init(&buf);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		etk_buf_reset(&buf);
		rc = ctx->ops->read_file(ctx->arg, db, files[i], &buf, &err);
		if (rc != 0) {
			if (rc != ETK_ENOTFOUND)
				ctx->ops->warn(ctx->arg, files[i], err.msg);
			continue;
		}
		if (!pref_string(buf.data, buf.len, "registration_jid", jid,
		    sizeof(jid)) || jid[0] == '\0')
			continue;
		memset(&a, 0, sizeof(a));
		a.app = "whatsapp";
		a.kind = "whatsapp";
		a.value = jid;
		if (pref_string(buf.data, buf.len, "push_name", name,
		    sizeof(name)) && name[0] != '\0')
			a.name = name;
		/* Not a database row but the preference file beside the
		 * database: the record's source is that file. */
		a.prov.file = files[i];
		ctx->ops->account(ctx->arg, &a);
		break;
	}
	etk_buf_release(&buf);
}

/* ------------------------------------------------------------------ */
/* Messages */

/* A JID as text: raw_string when the jid table has it, else
 * user@server as older tables split it. */
static void
jid_text(struct ex_db *db, struct etk_buf *sql, const char *alias)
{
	int raw = ex_db_has_col(db, "jid", "raw_string");
	int split = ex_db_has_col(db, "jid", "user") &&
	    ex_db_has_col(db, "jid", "server");

	if (raw && split)
		etk_buf_printf(sql, "COALESCE(%s.raw_string, %s.user || '@' "
		    "|| %s.server)", alias, alias, alias);
	else if (raw)
		etk_buf_printf(sql, "%s.raw_string", alias);
	else if (split)
		etk_buf_printf(sql, "(%s.user || '@' || %s.server)", alias,
		    alias);
	else
		etk_buf_adds(sql, "NULL");
}

/* The phone-number JID a "@lid" JID maps to (jid_map), else NULL. */
static void
jid_mapped(struct ex_db *db, struct etk_buf *sql, const char *alias,
    int have_map)
{
	if (have_map)
		jid_text(db, sql, alias);
	else
		etk_buf_adds(sql, "NULL");
}

static void
jid_joins(struct etk_buf *sql, const char *alias, const char *on,
    int have_map)
{
	etk_buf_printf(sql, " LEFT JOIN jid %s ON %s._id = %s", alias, alias,
	    on);
	if (have_map)
		etk_buf_printf(sql, " LEFT JOIN jid_map %s_map ON "
		    "%s_map.lid_row_id = %s._id LEFT JOIN jid %s_m ON "
		    "%s_m._id = %s_map.jid_row_id", alias, alias, alias,
		    alias, alias, alias);
}

struct msgrow {
	int64_t rowid;
	const char *chat;	/* chat JID (mapped), or NULL */
	const char *chat_id;	/* chat_row_id as text, when no JID */
	const char *subject;
	int from_me;
	const char *sender;	/* group sender JID, or NULL */
	const char *body;
	const char *file, *mime, *mname;
	int64_t fsize;
	int has_media;
};

static void
emit_message(struct ex_ctx *ctx, struct ex_db *db, const char *table,
    const struct aa_map *names, const struct msgrow *r, sqlite3_stmt *st,
    int tcol)
{
	struct ex_message m;
	struct ex_attach a;
	const char *to[1];
	int group = ends_with(r->chat, "@g.us");

	memset(&m, 0, sizeof(m));
	m.app = "whatsapp";
	m.service = "WhatsApp";
	m.thread = r->chat != NULL ? r->chat : r->chat_id;
	m.thread_name = r->subject;
	if (r->from_me) {
		m.direction = "outgoing";
	} else {
		m.direction = "incoming";
		/* 1:1 chats store no sender: it is the chat's JID.  In a
		 * group (or a broadcast) the sender is its own column. */
		m.from = r->sender != NULL ? r->sender : group ? NULL :
		    r->chat;
		m.from_name = aa_map_get(names, m.from);
	}
	/* What the owner sends goes to the chat; a group's messages are
	 * addressed to the group whoever wrote them. */
	if ((r->from_me || group) && r->chat != NULL) {
		to[0] = r->chat;
		m.to = to;
		m.nto = 1;
	}
	ex_time_col(&m.time, EX_T_UNIX_MS, st, tcol);
	m.body = r->body;
	if (r->has_media) {
		a.stored = r->file;
		a.mime = r->mime;
		a.name = r->mname;
		a.size = r->fsize;
		m.att = &a;
		m.natt = 1;
	}
	m.read = -1;
	m.prov.table = table;
	m.prov.rowid = r->rowid;
	m.prov.wal_only = ex_db_wal_only(db, table, r->rowid);
	ctx->ops->message(ctx->arg, &m);
}

enum { MM_ROWID, MM_FROMME, MM_TIME, MM_TEXT, MM_CHATID, MM_SUBJ,
	MM_CJID, MM_CJIDM, MM_SJID, MM_SJIDM, MM_FILE, MM_MIME, MM_MNAME,
	MM_FSIZE, MM_CAPTION, MM_MHIT };

static enum ex_parse_status
parse_modern(struct ex_ctx *ctx, struct ex_db *db, const struct aa_map *names,
    uint64_t *nrows, char *reason, size_t reasonsz)
{
	struct etk_buf sql;
	struct msgrow r;
	sqlite3_stmt *st = NULL;
	int rc, map, media;
	int64_t last = 0;
	int any = 0;

	map = ex_db_has_cols(db, "jid_map", "lid_row_id", "jid_row_id",
	    (char *)NULL);
	media = ex_db_has_cols(db, "message_media", "message_row_id",
	    (char *)NULL);
	etk_buf_init(&sql);
	etk_buf_adds(&sql, "SELECT message.rowid, message.from_me, ");
	ex_db_col_as(db, &sql, "message", NULL, "timestamp");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "message", NULL, "text_data");
	etk_buf_adds(&sql, ", message.chat_row_id, ");
	ex_db_col_as(db, &sql, "chat", NULL, "subject");
	etk_buf_adds(&sql, ", ");
	jid_text(db, &sql, "cj");
	etk_buf_adds(&sql, ", ");
	jid_mapped(db, &sql, "cj_m", map);
	etk_buf_adds(&sql, ", ");
	jid_text(db, &sql, "sj");
	etk_buf_adds(&sql, ", ");
	jid_mapped(db, &sql, "sj_m", map);
	if (media) {
		static const char *const mc[] = { "file_path", "mime_type",
		    "media_name", "file_size", "media_caption" };
		size_t i;

		for (i = 0; i < sizeof(mc) / sizeof(mc[0]); i++) {
			etk_buf_adds(&sql, ", ");
			ex_db_col_as(db, &sql, "message_media", NULL, mc[i]);
		}
		etk_buf_adds(&sql, ", message_media.message_row_id");
	} else {
		etk_buf_adds(&sql, ", NULL, NULL, NULL, NULL, NULL, NULL");
	}
	/* LEFT JOINs throughout: a message whose chat or JID row is gone
	 * is kept, with what is left of it. */
	etk_buf_adds(&sql, " FROM message LEFT JOIN chat ON chat._id = "
	    "message.chat_row_id");
	jid_joins(&sql, "cj", ex_db_has_col(db, "chat", "jid_row_id") ?
	    "chat.jid_row_id" : "NULL", map);
	jid_joins(&sql, "sj", ex_db_has_col(db, "message",
	    "sender_jid_row_id") ? "message.sender_jid_row_id" : "NULL", map);
	if (media)
		etk_buf_adds(&sql, " LEFT JOIN message_media ON "
		    "message_media.message_row_id = message._id");
	etk_buf_adds(&sql, " ORDER BY message.rowid");
	if (aa_prepare(db, &sql, &st, reason, reasonsz) != 0)
		return EX_FAILED;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.rowid = sqlite3_column_int64(st, MM_ROWID);
		/* A join that matched twice (no unique key on the media
		 * table in some generation) must not repeat the message. */
		if (any && r.rowid == last)
			continue;
		any = 1;
		last = r.rowid;
		(*nrows)++;
		r.chat = ex_col_text(st, MM_CJIDM);
		if (r.chat == NULL)
			r.chat = ex_col_text(st, MM_CJID);
		r.chat_id = ex_col_text(st, MM_CHATID);
		r.subject = nonempty(ex_col_text(st, MM_SUBJ));
		r.from_me = ex_col_int(st, MM_FROMME, 0) != 0;
		r.sender = ex_col_text(st, MM_SJIDM);
		if (r.sender == NULL)
			r.sender = ex_col_text(st, MM_SJID);
		/* A media message's text is its caption: text_data in
		 * recent versions, media_caption before. */
		r.body = ex_col_text(st, MM_TEXT);
		if (r.body == NULL)
			r.body = ex_col_text(st, MM_CAPTION);
		if (sqlite3_column_type(st, MM_MHIT) != SQLITE_NULL) {
			r.file = ex_col_text(st, MM_FILE);
			r.mime = ex_col_text(st, MM_MIME);
			r.mname = ex_col_text(st, MM_MNAME);
			r.fsize = ex_col_int(st, MM_FSIZE, -1);
			r.has_media = r.file != NULL || r.mime != NULL ||
			    r.mname != NULL;
		}
		emit_message(ctx, db, "message", names, &r, st, MM_TIME);
	}
	sqlite3_finalize(st);
	return ex_step_status(db, rc, "message", reason, reasonsz);
}

enum { ML_ROWID, ML_JID, ML_FROMME, ML_SENDER, ML_TIME, ML_DATA, ML_URL,
	ML_MIME, ML_SIZE, ML_NAME, ML_CAPTION, ML_SUBJ };

/* unmigrated: only the legacy rows the current table does not hold
 * (same key_id and direction), while a migration is part way. */
static enum ex_parse_status
parse_legacy(struct ex_ctx *ctx, struct ex_db *db, const struct aa_map *names,
    int unmigrated, uint64_t *nrows, char *reason, size_t reasonsz)
{
	static const char *const cols[] = { "key_remote_jid", "key_from_me",
	    "remote_resource", "timestamp", "data", "media_url",
	    "media_mime_type", "media_size", "media_name", "media_caption" };
	struct etk_buf sql;
	struct msgrow r;
	sqlite3_stmt *st = NULL;
	int rc, subj, any = 0;
	int64_t last = 0;
	size_t i;

	subj = ex_db_has_cols(db, "chat_list", "key_remote_jid", "subject",
	    (char *)NULL);
	etk_buf_init(&sql);
	etk_buf_adds(&sql, "SELECT messages.rowid");
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		etk_buf_adds(&sql, ", ");
		ex_db_col_as(db, &sql, "messages", NULL, cols[i]);
	}
	etk_buf_adds(&sql, subj ? ", chat_list.subject FROM messages LEFT "
	    "JOIN chat_list ON chat_list.key_remote_jid = "
	    "messages.key_remote_jid" : ", NULL FROM messages");
	/* NOT IN over a subquery: SQLite builds its index once. */
	if (unmigrated)
		etk_buf_adds(&sql, " WHERE (messages.key_id, "
		    "messages.key_from_me) NOT IN (SELECT key_id, from_me "
		    "FROM message WHERE key_id IS NOT NULL AND from_me IS "
		    "NOT NULL)");
	etk_buf_adds(&sql, " ORDER BY messages.rowid");
	if (aa_prepare(db, &sql, &st, reason, reasonsz) != 0)
		return EX_FAILED;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.rowid = sqlite3_column_int64(st, ML_ROWID);
		if (any && r.rowid == last)
			continue;
		any = 1;
		last = r.rowid;
		(*nrows)++;
		r.chat = nonempty(ex_col_text(st, ML_JID));
		r.subject = nonempty(ex_col_text(st, ML_SUBJ));
		r.from_me = ex_col_int(st, ML_FROMME, 0) != 0;
		r.sender = nonempty(ex_col_text(st, ML_SENDER));
		r.body = ex_col_text(st, ML_DATA);
		if (r.body == NULL)
			r.body = ex_col_text(st, ML_CAPTION);
		/* The media URL is the (encrypted) download; the file's
		 * own name is what finds it on the phone. */
		r.file = ex_col_text(st, ML_URL);
		r.mime = ex_col_text(st, ML_MIME);
		r.mname = ex_col_text(st, ML_NAME);
		r.fsize = ex_col_int(st, ML_SIZE, -1);
		r.has_media = r.file != NULL || r.mime != NULL ||
		    r.mname != NULL;
		emit_message(ctx, db, "messages", names, &r, st, ML_TIME);
	}
	sqlite3_finalize(st);
	return ex_step_status(db, rc, "messages", reason, reasonsz);
}

/* ------------------------------------------------------------------ */
/* Calls */

enum { CL_ROWID, CL_JID, CL_JIDM, CL_FROMME, CL_VIDEO, CL_DUR, CL_TIME,
	CL_RESULT };

#define CALL_RESULT_CONNECTED	5

static enum ex_parse_status
parse_calls(struct ex_ctx *ctx, struct ex_db *db, const struct aa_map *names,
    uint64_t *nrows, char *reason, size_t reasonsz)
{
	struct etk_buf sql;
	struct ex_call c;
	sqlite3_stmt *st = NULL;
	int rc, jid, map, any = 0;
	int64_t last = 0;

	/* A call log without a jid table (a generation between) still
	 * has its calls, numbers unknown. */
	jid = ex_db_has_table(db, "jid") &&
	    ex_db_has_col(db, "call_log", "jid_row_id");
	map = jid && ex_db_has_cols(db, "jid_map", "lid_row_id", "jid_row_id",
	    (char *)NULL);
	etk_buf_init(&sql);
	etk_buf_adds(&sql, "SELECT call_log.rowid, ");
	if (jid)
		jid_text(db, &sql, "cj");
	else
		etk_buf_adds(&sql, "NULL");
	etk_buf_adds(&sql, ", ");
	jid_mapped(db, &sql, "cj_m", map);
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "call_log", NULL, "from_me");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "call_log", NULL, "video_call");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "call_log", NULL, "duration");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "call_log", NULL, "timestamp");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "call_log", NULL, "call_result");
	etk_buf_adds(&sql, " FROM call_log");
	if (jid)
		jid_joins(&sql, "cj", "call_log.jid_row_id", map);
	etk_buf_adds(&sql, " ORDER BY call_log.rowid");
	if (aa_prepare(db, &sql, &st, reason, reasonsz) != 0)
		return EX_FAILED;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t dur = ex_col_int(st, CL_DUR, -1);
		int64_t res = ex_col_int(st, CL_RESULT, -1);

		memset(&c, 0, sizeof(c));
		c.prov.rowid = sqlite3_column_int64(st, CL_ROWID);
		if (any && c.prov.rowid == last)
			continue;
		any = 1;
		last = c.prov.rowid;
		(*nrows)++;
		c.app = "whatsapp";
		c.number = ex_col_text(st, CL_JIDM);
		if (c.number == NULL)
			c.number = ex_col_text(st, CL_JID);
		c.name = aa_map_get(names, c.number);
		c.video = sqlite3_column_type(st, CL_VIDEO) == SQLITE_NULL ?
		    -1 : ex_col_int(st, CL_VIDEO, 0) != 0;
		c.service = c.video == 1 ? "whatsapp_video" :
		    "whatsapp_audio";
		/* An incoming call that connected (call_result 5) or
		 * lasted is answered; one that never connected was
		 * missed.  The owner's calls are outgoing either way. */
		if (ex_col_int(st, CL_FROMME, 0) != 0)
			c.direction = "outgoing";
		else if (res == CALL_RESULT_CONNECTED || dur > 0)
			c.direction = "incoming";
		else
			c.direction = "missed";
		ex_time_col(&c.time, EX_T_UNIX_MS, st, CL_TIME);
		c.duration_s = dur;
		c.prov.table = "call_log";
		c.prov.wal_only = ex_db_wal_only(db, "call_log",
		    c.prov.rowid);
		ctx->ops->call(ctx->arg, &c);
	}
	sqlite3_finalize(st);
	return ex_step_status(db, rc, "call_log", reason, reasonsz);
}

static int
table_has_rows(struct ex_db *db, const char *table)
{
	char sql[128];
	sqlite3_stmt *st = NULL;
	int found = 0;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM \"%s\" LIMIT 1", table);
	if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) == SQLITE_OK)
		found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static enum ex_parse_status
parse(struct ex_ctx *ctx, struct ex_db *db, unsigned what, uint64_t *nrows,
    char *reason, size_t reasonsz)
{
	enum ex_parse_status r = EX_PARSED;
	struct aa_map names;
	int mod = modern(db), leg = legacy(db);

	*nrows = 0;
	if (!mod && !leg) {
		snprintf(reason, reasonsz, "neither message(chat_row_id, "
		    "from_me, key_id) + chat + jid nor messages("
		    "key_remote_jid, key_from_me, key_id): a msgstore.db "
		    "generation not understood");
		return EX_UNSUPPORTED;
	}
	if (mod && leg && !table_has_rows(db, "message"))
		mod = 0;
	aa_map_init(&names);
	if (what & (EX_WHAT_MESSAGES | EX_WHAT_CALLS))
		load_names(ctx, db, &names);
	if ((what & EX_WHAT_MESSAGES) && mod)
		r = parse_modern(ctx, db, &names, nrows, reason, reasonsz);
	if ((what & EX_WHAT_MESSAGES) && leg && r == EX_PARSED)
		r = parse_legacy(ctx, db, &names, mod, nrows, reason,
		    reasonsz);
	if (r == EX_PARSED && (what & EX_WHAT_CALLS) &&
	    ex_db_has_cols(db, "call_log", "from_me", "timestamp", (char *)NULL))
		r = parse_calls(ctx, db, &names, nrows, reason, reasonsz);
	/* The owner comes with the records (the run asks for records
	 * and builds POLE from them; the sink keeps accounts for POLE). */
	if (r == EX_PARSED && (what & (EX_WHAT_MESSAGES | EX_WHAT_CALLS |
	    EX_WHAT_POLE)))
		emit_owner(ctx, db);
	aa_map_free(&names);
	return r;
}

static const char *const paths[] = {
	"/com.whatsapp/databases/msgstore.db",
	"/com.whatsapp.w4b/databases/msgstore.db",
	NULL
};

const struct ex_artifact ex_art_whatsapp_android = {
	.name = "whatsapp_android",
	.descr = "WhatsApp for Android messages and calls (msgstore.db: "
	    "legacy messages, or message + chat + jid + message_media + "
	    "call_log; names from wa.db; owner from shared_prefs)",
	.what = EX_WHAT_MESSAGES | EX_WHAT_CALLS | EX_WHAT_POLE,
	.paths = paths,
	.recognise = recognise,
	.parse = parse,
};

/* ------------------------------------------------------------------ */
/* wa.db: WhatsApp's contacts */

static int
wa_recognise(struct ex_db *db)
{
	return ex_db_has_cols(db, "wa_contacts", "jid", "is_whatsapp_user",
	    (char *)NULL);
}

enum { W_ROWID, W_JID, W_NUMBER, W_DNAME, W_WANAME, W_COMPANY };

static enum ex_parse_status
wa_parse(struct ex_ctx *ctx, struct ex_db *db, unsigned what,
    uint64_t *nrows, char *reason, size_t reasonsz)
{
	static const char *const cols[] = { "jid", "number", "display_name",
	    "wa_name", "company" };
	struct etk_buf sql;
	struct ex_contact c;
	sqlite3_stmt *st = NULL;
	const char *num[1];
	size_t i;
	int rc;

	*nrows = 0;
	if (!(what & EX_WHAT_CONTACTS))
		return EX_PARSED;
	if (!ex_db_has_cols(db, "wa_contacts", "jid", (char *)NULL)) {
		snprintf(reason, reasonsz, "wa_contacts without jid");
		return EX_UNSUPPORTED;
	}
	etk_buf_init(&sql);
	etk_buf_adds(&sql, "SELECT rowid");
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		etk_buf_adds(&sql, ", ");
		ex_db_col_as(db, &sql, "wa_contacts", NULL, cols[i]);
	}
	etk_buf_adds(&sql, " FROM wa_contacts ORDER BY rowid");
	if (aa_prepare(db, &sql, &st, reason, reasonsz) != 0)
		return EX_FAILED;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		(*nrows)++;
		memset(&c, 0, sizeof(c));
		c.app = "whatsapp";
		c.account = ex_col_text(st, W_JID);
		c.name = nonempty(ex_col_text(st, W_DNAME));
		if (c.name == NULL)
			c.name = nonempty(ex_col_text(st, W_WANAME));
		if ((num[0] = nonempty(ex_col_text(st, W_NUMBER))) != NULL) {
			c.numbers = num;
			c.nnumbers = 1;
		}
		c.org = nonempty(ex_col_text(st, W_COMPANY));
		c.prov.table = "wa_contacts";
		c.prov.rowid = sqlite3_column_int64(st, W_ROWID);
		c.prov.wal_only = ex_db_wal_only(db, "wa_contacts",
		    c.prov.rowid);
		ctx->ops->contact(ctx->arg, &c);
	}
	sqlite3_finalize(st);
	return ex_step_status(db, rc, "wa_contacts", reason, reasonsz);
}

static const char *const wa_paths[] = {
	"/com.whatsapp/databases/wa.db",
	"/com.whatsapp.w4b/databases/wa.db",
	NULL
};

const struct ex_artifact ex_art_whatsapp_contacts = {
	.name = "whatsapp_contacts",
	.descr = "WhatsApp for Android contacts (wa.db wa_contacts)",
	.what = EX_WHAT_CONTACTS,
	.paths = wa_paths,
	.recognise = wa_recognise,
	.parse = wa_parse,
};
