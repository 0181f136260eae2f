/*
 * Android SMS and MMS: the telephony provider's mmssms.db (ARTIFACTS.md
 * A1).  One message per sms row (and per row of Samsung's spam_sms,
 * which has the same layout) and one per pdu row, its addresses (addr)
 * and parts (part) gathered by a merge over those tables sorted by
 * message id, so a million MMS cost three table scans rather than two
 * million lookups.  sms.date is Unix ms, pdu.date Unix seconds.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "extract/a_android_util.h"

#define ADDR_FROM	137	/* 0x89 */
#define ADDR_TO		151	/* 0x97 */
#define ADDR_CC		130	/* 0x82 */
#define ADDR_BCC	129	/* 0x81 */

static int
recognise(struct ex_db *db)
{
	if (ex_db_has_cols(db, "sms", "address", "body", "date", "type",
	    (char *)NULL))
		return 1;
	return ex_db_has_cols(db, "pdu", "msg_box", "m_type", (char *)NULL) &&
	    ex_db_has_cols(db, "part", "mid", "ct", (char *)NULL);
}

/* sms.type (AOSP Telephony.TextBasedSmsColumns): 1 inbox, 2 sent,
 * 3 draft, 4 outbox, 5 failed, 6 queued.  LG phones (lgeSiid column)
 * add 7 blocked, 8 scheduled, 19 broadcast alert.  A draft is the
 * owner's unsent text, so outgoing. */
static const char *
sms_direction(int64_t type, int lg)
{
	switch (type) {
	case 1:
		return "incoming";
	case 2: case 3: case 4: case 5: case 6:
		return "outgoing";
	case 7: case 19:
		return lg ? "incoming" : NULL;
	case 8:
		return lg ? "outgoing" : NULL;
	default:
		return NULL;
	}
}

static int
read_flag(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return -1;
	return sqlite3_column_int64(st, col) != 0;
}

enum { S_ROWID, S_THREAD, S_ADDR, S_DATE, S_READ, S_TYPE, S_BODY, S_DEL };

static enum ex_parse_status
parse_sms(struct ex_ctx *ctx, struct ex_db *db, const char *table,
    uint64_t *nrows, char *reason, size_t reasonsz)
{
	static const char *const cols[] = { "thread_id", "address", "date",
	    "read", "type", "body", "deleted" };
	struct etk_buf sql;
	struct ex_message m;
	sqlite3_stmt *st = NULL;
	const char *to[1];
	int lg, rc;
	size_t i;

	lg = ex_db_has_col(db, table, "lgeSiid");
	etk_buf_init(&sql);
	etk_buf_adds(&sql, "SELECT rowid");
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		etk_buf_adds(&sql, ", ");
		ex_db_col_as(db, &sql, table, NULL, cols[i]);
	}
	etk_buf_printf(&sql, " FROM \"%s\" ORDER BY rowid", table);
	if (aa_prepare(db, &sql, &st, reason, reasonsz) != 0)
		return EX_FAILED;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *addr = ex_col_text(st, S_ADDR);

		(*nrows)++;
		memset(&m, 0, sizeof(m));
		m.app = "android_sms";
		m.service = "SMS";
		m.thread = ex_col_text(st, S_THREAD);
		m.direction = sms_direction(ex_col_int(st, S_TYPE, -1), lg);
		/* The counterpart is the address either way: the sender of
		 * an incoming text, the recipient of an outgoing one.
		 * The owner's own number is not in the row. */
		if (m.direction != NULL &&
		    strcmp(m.direction, "outgoing") == 0) {
			if (addr != NULL) {
				to[0] = addr;
				m.to = to;
				m.nto = 1;
			}
		} else {
			m.from = addr;
		}
		ex_time_col(&m.time, EX_T_UNIX_MS, st, S_DATE);
		m.body = ex_col_text(st, S_BODY);
		m.read = read_flag(st, S_READ);
		m.deleted = ex_col_int(st, S_DEL, 0) != 0;
		m.prov.table = table;
		m.prov.rowid = sqlite3_column_int64(st, S_ROWID);
		m.prov.wal_only = ex_db_wal_only(db, table, m.prov.rowid);
		ctx->ops->message(ctx->arg, &m);
	}
	sqlite3_finalize(st);
	return ex_step_status(db, rc, table, reason, reasonsz);
}

/* pdu.msg_box (Telephony.BaseMmsColumns): 1 inbox, 2 sent, 3 drafts,
 * 4 outbox, 5 failed.  Without a box, m_type says: 128 send_req is
 * ours, 130 notification_ind and 132 retrieve_conf came in. */
static const char *
mms_direction(int64_t box, int64_t mtype)
{
	switch (box) {
	case 1:
		return "incoming";
	case 2: case 3: case 4: case 5:
		return "outgoing";
	default:
		break;
	}
	switch (mtype) {
	case 128:
		return "outgoing";
	case 130: case 132:
		return "incoming";
	default:
		return NULL;
	}
}

enum { P_ROWID, P_ID, P_THREAD, P_DATE, P_BOX, P_READ, P_MTYPE, P_DEL };
enum { A_KEY, A_ADDR, A_TYPE };
enum { T_KEY, T_CT, T_NAME, T_FN, T_CL, T_DATA, T_TEXT };

static enum ex_parse_status
parse_mms(struct ex_ctx *ctx, struct ex_db *db, uint64_t *nrows,
    char *reason, size_t reasonsz)
{
	struct etk_buf sql, body;
	struct aa_child addr, part;
	struct ex_strs to, fr;
	struct aa_atts att;
	struct ex_message m;
	sqlite3_stmt *st = NULL, *ast = NULL, *tst = NULL;
	enum ex_parse_status ret;
	int rc, have_from;

	etk_buf_init(&sql);
	etk_buf_adds(&sql, "SELECT rowid, ");
	ex_db_col_as(db, &sql, "pdu", NULL, "_id");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "pdu", NULL, "thread_id");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "pdu", NULL, "date");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "pdu", NULL, "msg_box");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "pdu", NULL, "read");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "pdu", NULL, "m_type");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "pdu", NULL, "deleted");
	etk_buf_adds(&sql, " FROM pdu ORDER BY rowid");
	if (aa_prepare(db, &sql, &st, reason, reasonsz) != 0)
		return EX_FAILED;

	/* Children in message order, then in their own row order, so
	 * recipients and parts come out as the phone listed them. */
	if (ex_db_has_cols(db, "addr", "msg_id", "address", "type",
	    (char *)NULL)) {
		etk_buf_init(&sql);
		etk_buf_adds(&sql, "SELECT msg_id, address, type FROM addr "
		    "WHERE msg_id IS NOT NULL ORDER BY msg_id, rowid");
		if (aa_prepare(db, &sql, &ast, reason, reasonsz) != 0) {
			sqlite3_finalize(st);
			return EX_FAILED;
		}
	}
	if (ex_db_has_cols(db, "part", "mid", (char *)NULL)) {
		etk_buf_init(&sql);
		etk_buf_adds(&sql, "SELECT mid, ");
		ex_db_col_as(db, &sql, "part", NULL, "ct");
		etk_buf_adds(&sql, ", ");
		ex_db_col_as(db, &sql, "part", NULL, "name");
		etk_buf_adds(&sql, ", ");
		ex_db_col_as(db, &sql, "part", NULL, "fn");
		etk_buf_adds(&sql, ", ");
		ex_db_col_as(db, &sql, "part", NULL, "cl");
		etk_buf_adds(&sql, ", ");
		ex_db_col_as(db, &sql, "part", NULL, "_data");
		etk_buf_adds(&sql, ", ");
		ex_db_col_as(db, &sql, "part", NULL, "text");
		etk_buf_adds(&sql, " FROM part WHERE mid IS NOT NULL ORDER BY "
		    "mid, ");
		ex_db_col_as(db, &sql, "part", NULL, "seq");
		etk_buf_adds(&sql, ", rowid");
		if (aa_prepare(db, &sql, &tst, reason, reasonsz) != 0) {
			sqlite3_finalize(st);
			sqlite3_finalize(ast);
			return EX_FAILED;
		}
	}
	aa_child_init(&addr, ast);
	aa_child_init(&part, tst);
	ex_strs_init(&to);
	ex_strs_init(&fr);
	aa_atts_init(&att);
	etk_buf_init(&body);

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = ex_col_int(st, P_ID, sqlite3_column_int64(st,
		    P_ROWID));
		int ok;

		(*nrows)++;
		memset(&m, 0, sizeof(m));
		ex_strs_reset(&to);
		ex_strs_reset(&fr);
		aa_atts_reset(&att);
		etk_buf_reset(&body);
		have_from = 0;
		for (ok = aa_child_first(&addr, id); ok;
		    ok = aa_child_next(&addr)) {
			const char *a = ex_col_text(ast, A_ADDR);
			int64_t type = ex_col_int(ast, A_TYPE, -1);

			if (a == NULL)
				continue;
			if (type == ADDR_FROM && !have_from) {
				/* A sent MMS names its sender with the
				 * placeholder the MMS stack fills in at
				 * send time: no number is stored. */
				if (strcmp(a, "insert-address-token") != 0) {
					ex_strs_add(&fr, a);
					have_from = 1;
				}
			} else if (type == ADDR_TO || type == ADDR_CC ||
			    type == ADDR_BCC) {
				ex_strs_add(&to, a);
			}
		}
		for (ok = aa_child_first(&part, id); ok;
		    ok = aa_child_next(&part)) {
			const char *ct = ex_col_text(tst, T_CT);
			const char *text = ex_col_text(tst, T_TEXT);
			const char *data = ex_col_text(tst, T_DATA);
			const char *name;

			/* SMIL is the slide layout, not content. */
			if (ct != NULL && strcasecmp(ct, "application/smil")
			    == 0)
				continue;
			/* Text parts are stored decoded (the provider
			 * converts from chset when it saves them). */
			if (ct != NULL && strcasecmp(ct, "text/plain") == 0 &&
			    text != NULL) {
				if (body.len > 0)
					etk_buf_addc(&body, '\n');
				etk_buf_adds(&body, text);
				continue;
			}
			name = ex_col_text(tst, T_NAME);
			if (name == NULL)
				name = ex_col_text(tst, T_FN);
			if (name == NULL)
				name = ex_col_text(tst, T_CL);
			aa_atts_add(&att, data, ct, name, -1);
		}
		if (to.oom || fr.oom || att.oom || att.s.oom || body.oom) {
			ctx->ops->warn(ctx->arg, "pdu", "out of memory");
			continue;
		}
		m.app = "android_mms";
		m.service = "MMS";
		m.thread = ex_col_text(st, P_THREAD);
		m.direction = mms_direction(ex_col_int(st, P_BOX, -1),
		    ex_col_int(st, P_MTYPE, -1));
		m.from = have_from ? ex_strs_get(&fr, 0) : NULL;
		m.to = to.n > 0 ? ex_strs_ptrs(&to) : NULL;
		m.nto = m.to != NULL ? to.n : 0;
		ex_time_col(&m.time, EX_T_UNIX_S, st, P_DATE);
		m.body = body.len > 0 ? body.data : NULL;
		m.att = aa_atts_build(&att);
		m.natt = m.att != NULL ? att.n : 0;
		m.read = read_flag(st, P_READ);
		m.deleted = ex_col_int(st, P_DEL, 0) != 0;
		m.prov.table = "pdu";
		m.prov.rowid = sqlite3_column_int64(st, P_ROWID);
		m.prov.wal_only = ex_db_wal_only(db, "pdu", m.prov.rowid);
		ctx->ops->message(ctx->arg, &m);
	}
	ret = ex_step_status(db, rc, "pdu", reason, reasonsz);
	if (ret == EX_PARSED && (addr.rc != 0 || part.rc != 0))
		ret = ex_step_status(db, addr.rc != 0 ? addr.rc : part.rc,
		    addr.rc != 0 ? "addr" : "part", reason, reasonsz);
	sqlite3_finalize(st);
	aa_child_free(&addr);
	aa_child_free(&part);
	ex_strs_free(&to);
	ex_strs_free(&fr);
	aa_atts_free(&att);
	etk_buf_release(&body);
	return ret;
}

static enum ex_parse_status
parse(struct ex_ctx *ctx, struct ex_db *db, unsigned what, uint64_t *nrows,
    char *reason, size_t reasonsz)
{
	enum ex_parse_status r = EX_PARSED;
	int any = 0;

	*nrows = 0;
	if (!(what & EX_WHAT_MESSAGES))
		return EX_PARSED;
	if (ex_db_has_cols(db, "sms", "address", "body", (char *)NULL)) {
		any = 1;
		r = parse_sms(ctx, db, "sms", nrows, reason, reasonsz);
		if (r != EX_PARSED)
			return r;
	}
	/* Samsung keeps texts its spam filter caught in a copy of sms. */
	if (ex_db_has_cols(db, "spam_sms", "address", "body", (char *)NULL)) {
		any = 1;
		r = parse_sms(ctx, db, "spam_sms", nrows, reason, reasonsz);
		if (r != EX_PARSED)
			return r;
	}
	if (ex_db_has_cols(db, "pdu", "msg_box", (char *)NULL)) {
		any = 1;
		r = parse_mms(ctx, db, nrows, reason, reasonsz);
	}
	if (!any) {
		snprintf(reason, reasonsz, "neither sms(address, body) nor "
		    "pdu(msg_box): an mmssms.db generation not understood");
		return EX_UNSUPPORTED;
	}
	return r;
}

static const char *const paths[] = {
	"/com.android.providers.telephony/databases/mmssms.db",
	NULL
};

const struct ex_artifact ex_art_android_mmssms = {
	.name = "android_mmssms",
	.descr = "Android SMS and MMS (telephony provider mmssms.db: sms, "
	    "spam_sms, pdu + addr + part)",
	.what = EX_WHAT_MESSAGES,
	.paths = paths,
	.recognise = recognise,
	.parse = parse,
};
