/*
 * Google Messages (com.google.android.apps.messaging) bugle_db
 * (ARTIFACTS.md A2): SMS, MMS and RCS as the app keeps them; RCS chats
 * exist only here.  One message per `messages` row; its text and
 * attachments are its `parts` rows (merged in by message id), its
 * sender a `participants` row, whose sub_id is -2 for anyone but the
 * owner.  Times are Unix ms.  parts.file_size_bytes and
 * local_cache_path are missing in older generations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract/a_android_util.h"

#define SUB_OTHER	(-2)	/* ParticipantData.OTHER_THAN_SELF_SUB_ID */

static int
recognise(struct ex_db *db)
{
	return ex_db_has_cols(db, "messages", "conversation_id", "sender_id",
	    "message_protocol", (char *)NULL) &&
	    ex_db_has_cols(db, "parts", "message_id", (char *)NULL) &&
	    ex_db_has_table(db, "conversations") &&
	    ex_db_has_table(db, "participants");
}

/* The other participants of each conversation, sorted by conversation:
 * the recipients of what the owner sends there. */
struct members {
	int64_t *conv;
	struct ex_strs dest;
	const char *const *ptr;	/* dest's strings, once loaded */
	size_t n, cap;
};

static void
destination(struct ex_db *db, struct etk_buf *sql, const char *alias)
{
	/* normalized (E.164) first, then what was typed or shown. */
	etk_buf_adds(sql, "COALESCE(");
	ex_db_col_as(db, sql, "participants", alias, "normalized_destination");
	etk_buf_adds(sql, ", ");
	ex_db_col_as(db, sql, "participants", alias, "send_destination");
	etk_buf_adds(sql, ", ");
	ex_db_col_as(db, sql, "participants", alias, "display_destination");
	etk_buf_adds(sql, ")");
}

static int
load_members(struct ex_db *db, struct members *mb, char *reason,
    size_t reasonsz)
{
	struct etk_buf sql;
	sqlite3_stmt *st = NULL;
	int rc;

	memset(mb, 0, sizeof(*mb));
	ex_strs_init(&mb->dest);
	etk_buf_init(&sql);
	if (ex_db_has_cols(db, "conversation_participants", "conversation_id",
	    "participant_id", (char *)NULL) &&
	    ex_db_has_col(db, "participants", "sub_id")) {
		etk_buf_adds(&sql, "SELECT cp.conversation_id, ");
		destination(db, &sql, "p");
		etk_buf_printf(&sql, " FROM conversation_participants cp "
		    "JOIN participants p ON p._id = cp.participant_id WHERE "
		    "p.sub_id = %d AND cp.conversation_id IS NOT NULL ORDER "
		    "BY cp.conversation_id, cp.rowid", SUB_OTHER);
	} else if (ex_db_has_col(db, "conversations",
	    "participant_normalized_destination")) {
		/* Older generations: the 1:1 counterpart only. */
		etk_buf_adds(&sql, "SELECT _id, "
		    "participant_normalized_destination FROM conversations "
		    "ORDER BY _id");
	} else {
		etk_buf_release(&sql);
		return 0;
	}
	if (aa_prepare(db, &sql, &st, reason, reasonsz) != 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *d = ex_col_text(st, 1);

		if (d == NULL || *d == '\0')
			continue;
		if (mb->n == mb->cap) {
			size_t cap = mb->cap ? mb->cap * 2 : 64;
			int64_t *c = realloc(mb->conv, cap * sizeof(*c));

			if (c == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			mb->conv = c;
			mb->cap = cap;
		}
		mb->conv[mb->n++] = sqlite3_column_int64(st, 0);
		if (ex_strs_add(&mb->dest, d) == SIZE_MAX) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	if (ex_step_status(db, rc, "conversation_participants", reason,
	    reasonsz) != EX_PARSED)
		return -1;
	/* A conversation's members are adjacent: one pointer array
	 * serves every message as a slice. */
	if (mb->n > 0 && (mb->ptr = ex_strs_ptrs(&mb->dest)) == NULL) {
		snprintf(reason, reasonsz, "out of memory");
		return -1;
	}
	return 0;
}

static void
free_members(struct members *mb)
{
	free(mb->conv);
	ex_strs_free(&mb->dest);
}

/* Index of conversation conv's first member, or n when it has none. */
static size_t
first_member(const struct members *mb, int64_t conv)
{
	size_t lo = 0, hi = mb->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (mb->conv[mid] < conv)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* MessageData.message_status: outgoing states are below 100 (1
 * complete, 2 delivered, 3 draft, ... 8 failed), incoming ones from
 * 100 (100 complete, 101-107 download states). */
static const char *
status_direction(int64_t st)
{
	if (st >= 1 && st < 100)
		return "outgoing";
	if (st >= 100 && st < 200)
		return "incoming";
	return NULL;
}

/* MessageData.PROTOCOL_*. */
static const char *
protocol_service(int64_t p)
{
	switch (p) {
	case 0:	return "SMS";
	case 1:	case 2: return "MMS";	/* 2: MMS push notification */
	case 3:	return "RCS";
	default: return NULL;
	}
}

enum { M_ROWID, M_ID, M_CONV, M_CNAME, M_SENT, M_RECV, M_PROTO, M_STATUS,
	M_READ, M_PID, M_SUB, M_DEST, M_FULLNAME };
enum { T_KEY, T_TEXT, T_URI, T_CT, T_SIZE, T_PATH };

static enum ex_parse_status
parse(struct ex_ctx *ctx, struct ex_db *db, unsigned what, uint64_t *nrows,
    char *reason, size_t reasonsz)
{
	struct etk_buf sql, body;
	struct aa_child parts;
	struct aa_atts att;
	struct members mb;
	struct ex_message m;
	sqlite3_stmt *st = NULL, *pst = NULL;
	enum ex_parse_status ret;
	int rc;

	*nrows = 0;
	if (!(what & EX_WHAT_MESSAGES))
		return EX_PARSED;
	if (!recognise(db)) {
		snprintf(reason, reasonsz, "messages/parts/conversations/"
		    "participants without the columns of a known bugle_db");
		return EX_UNSUPPORTED;
	}
	etk_buf_init(&sql);
	etk_buf_adds(&sql, "SELECT messages.rowid, ");
	ex_db_col_as(db, &sql, "messages", NULL, "_id");
	etk_buf_adds(&sql, ", messages.conversation_id, ");
	ex_db_col_as(db, &sql, "conversations", NULL, "name");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "messages", NULL, "sent_timestamp");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "messages", NULL, "received_timestamp");
	etk_buf_adds(&sql, ", messages.message_protocol, ");
	ex_db_col_as(db, &sql, "messages", NULL, "message_status");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "messages", NULL, "read");
	etk_buf_adds(&sql, ", participants.rowid, ");
	ex_db_col_as(db, &sql, "participants", NULL, "sub_id");
	etk_buf_adds(&sql, ", ");
	destination(db, &sql, NULL);
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "participants", NULL, "full_name");
	/* LEFT JOINs: a message whose conversation or sender row is gone
	 * is still a message. */
	etk_buf_adds(&sql, " FROM messages LEFT JOIN conversations ON "
	    "conversations._id = messages.conversation_id LEFT JOIN "
	    "participants ON participants._id = messages.sender_id "
	    "ORDER BY messages.rowid");
	if (aa_prepare(db, &sql, &st, reason, reasonsz) != 0)
		return EX_FAILED;

	etk_buf_init(&sql);
	etk_buf_adds(&sql, "SELECT message_id, ");
	ex_db_col_as(db, &sql, "parts", NULL, "text");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "parts", NULL, "uri");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "parts", NULL, "content_type");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "parts", NULL, "file_size_bytes");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "parts", NULL, "local_cache_path");
	etk_buf_adds(&sql, " FROM parts WHERE message_id IS NOT NULL "
	    "ORDER BY message_id, rowid");
	if (aa_prepare(db, &sql, &pst, reason, reasonsz) != 0) {
		sqlite3_finalize(st);
		return EX_FAILED;
	}
	if (load_members(db, &mb, reason, reasonsz) != 0) {
		sqlite3_finalize(st);
		sqlite3_finalize(pst);
		free_members(&mb);
		return EX_FAILED;
	}
	aa_child_init(&parts, pst);
	aa_atts_init(&att);
	etk_buf_init(&body);

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = ex_col_int(st, M_ID, sqlite3_column_int64(st,
		    M_ROWID));
		int64_t conv = ex_col_int(st, M_CONV, INT64_MIN);
		int ok, out, tcol, fcol;
		size_t i, k;

		(*nrows)++;
		memset(&m, 0, sizeof(m));
		aa_atts_reset(&att);
		etk_buf_reset(&body);
		for (ok = aa_child_first(&parts, id); ok;
		    ok = aa_child_next(&parts)) {
			const char *text = ex_col_text(pst, T_TEXT);
			const char *uri = ex_col_text(pst, T_URI);
			const char *ct = ex_col_text(pst, T_CT);
			const char *path = ex_col_text(pst, T_PATH);

			if (uri == NULL && path == NULL) {
				if (text == NULL)
					continue;
				if (body.len > 0)
					etk_buf_addc(&body, '\n');
				etk_buf_adds(&body, text);
				continue;
			}
			/* The app's own copy first (a file path), else the
			 * content URI it was received under. */
			aa_atts_add(&att, path != NULL ? path : uri, ct, NULL,
			    ex_col_int(pst, T_SIZE, -1));
			if (text != NULL && (ct == NULL ||
			    strncasecmp(ct, "text/", 5) == 0)) {
				if (body.len > 0)
					etk_buf_addc(&body, '\n');
				etk_buf_adds(&body, text);
			}
		}
		if (att.oom || att.s.oom || body.oom) {
			ctx->ops->warn(ctx->arg, "messages", "out of memory");
			continue;
		}
		m.app = "google_messages";
		m.service = protocol_service(ex_col_int(st, M_PROTO, -1));
		m.thread = ex_col_text(st, M_CONV);
		m.thread_name = ex_col_text(st, M_CNAME);
		/* The sender's participant row says who wrote it; the
		 * status only when that row is gone. */
		if (sqlite3_column_type(st, M_PID) != SQLITE_NULL &&
		    sqlite3_column_type(st, M_SUB) != SQLITE_NULL)
			m.direction = ex_col_int(st, M_SUB, SUB_OTHER) ==
			    SUB_OTHER ? "incoming" : "outgoing";
		else
			m.direction = status_direction(ex_col_int(st,
			    M_STATUS, -1));
		out = m.direction != NULL && strcmp(m.direction,
		    "outgoing") == 0;
		m.from = ex_col_text(st, M_DEST);
		if (!out)
			m.from_name = ex_col_text(st, M_FULLNAME);
		if (out && conv != INT64_MIN) {
			i = first_member(&mb, conv);
			for (k = i; k < mb.n && mb.conv[k] == conv; k++)
				;
			if (k > i) {
				m.to = mb.ptr + i;
				m.nto = k - i;
			}
		}
		/* Received messages by when the phone got them, sent ones
		 * by when they left; the other clock when one is unset. */
		tcol = out ? M_SENT : M_RECV;
		fcol = out ? M_RECV : M_SENT;
		if (ex_col_int(st, tcol, 0) == 0 &&
		    ex_col_int(st, fcol, 0) != 0)
			tcol = fcol;
		ex_time_col(&m.time, EX_T_UNIX_MS, st, tcol);
		m.body = body.len > 0 ? body.data : NULL;
		m.att = aa_atts_build(&att);
		m.natt = m.att != NULL ? att.n : 0;
		m.read = sqlite3_column_type(st, M_READ) == SQLITE_NULL ? -1 :
		    ex_col_int(st, M_READ, 0) != 0;
		m.prov.table = "messages";
		m.prov.rowid = sqlite3_column_int64(st, M_ROWID);
		m.prov.wal_only = ex_db_wal_only(db, "messages",
		    m.prov.rowid);
		ctx->ops->message(ctx->arg, &m);
	}
	ret = ex_step_status(db, rc, "messages", reason, reasonsz);
	if (ret == EX_PARSED && parts.rc != 0)
		ret = ex_step_status(db, parts.rc, "parts", reason, reasonsz);
	sqlite3_finalize(st);
	aa_child_free(&parts);
	aa_atts_free(&att);
	free_members(&mb);
	etk_buf_release(&body);
	return ret;
}

/* AOSP's Messaging app, which Google Messages grew out of, keeps the
 * same database under its own package. */
static const char *const paths[] = {
	"/com.google.android.apps.messaging/databases/bugle_db",
	"/com.android.messaging/databases/bugle_db",
	NULL
};

const struct ex_artifact ex_art_google_messages = {
	.name = "google_messages",
	.descr = "Google Messages SMS, MMS and RCS (bugle_db messages + "
	    "parts + participants + conversations)",
	.what = EX_WHAT_MESSAGES,
	.paths = paths,
	.recognise = recognise,
	.parse = parse,
};
