/*
 * iOS call history: CallHistory.storedata (ARTIFACTS.md B2), the Core
 * Data store iOS 8 and later keep; one record per ZCALLRECORD row.
 *
 *   ZORIGINATED   1 outgoing, 0 incoming; incoming with ZANSWERED 0 is
 *                 missed (an outgoing call nobody answered stays
 *                 outgoing)
 *   ZCALLTYPE     1 phone, 8 FaceTime video, 16 FaceTime audio, 0 a
 *                 third-party (CallKit) app named by ZSERVICE_PROVIDER;
 *                 ZCALL_CATEGORY (iOS 11+) 1 audio, 2 video says which
 *                 when the type does not
 *   ZADDRESS      the number or handle, TEXT or a BLOB of UTF-8 (both
 *                 are seen); empty or NULL for a withheld number
 *   ZDATE         Cocoa seconds, REAL; ZDURATION seconds, REAL
 *
 * Deleted calls leave ZCALLRECORD; they are not in the table.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "extract/ex_int.h"
#include "extract/ios_util.h"

enum {
	C_PK, C_ORIG, C_ANSWERED, C_TYPE, C_CATEGORY, C_ADDRESS, C_NAME,
	C_PROVIDER, C_DATE, C_DURATION
};

/* The table and the columns every generation has; what the parse
 * needs beyond them is checked there, so a generation that lost one
 * reads as unsupported, not as absent. */
static int
calls_recognise(struct ex_db *db)
{
	return ex_db_has_cols(db, "ZCALLRECORD", "ZDATE", "ZADDRESS", NULL);
}

static const char *
service_of(int64_t type, const char *provider)
{
	switch (type) {
	case 1:
		return "phone";
	case 8:
		return "facetime_video";
	case 16:
		return "facetime_audio";
	default:
		break;
	}
	/* Third-party apps: the provider's bundle id says which. */
	if (provider != NULL && *provider != '\0')
		return provider;
	return NULL;
}

static enum ex_parse_status
calls_parse(struct ex_ctx *ctx, struct ex_db *db, unsigned what,
    uint64_t *nrows, char *reason, size_t reasonsz)
{
	struct etk_error err = { 0 };
	struct etk_buf sql, num;
	struct ex_call c;
	sqlite3_stmt *st = NULL;
	enum ex_parse_status status;
	int64_t type, cat;
	const char *prov;
	double dur;
	int rc, orig, ans;

	*nrows = 0;
	if (!(what & EX_WHAT_CALLS))
		return EX_PARSED;
	if (!ex_db_has_col(db, "ZCALLRECORD", "ZORIGINATED")) {
		snprintf(reason, reasonsz, "ZCALLRECORD has no ZORIGINATED "
		    "column: schema generation not understood");
		return EX_UNSUPPORTED;
	}
	etk_buf_init(&sql);
	etk_buf_init(&num);
	etk_buf_adds(&sql, "SELECT \"ZCALLRECORD\".ROWID, ");
	ios_col(db, &sql, "ZCALLRECORD", "ZORIGINATED");
	ios_col(db, &sql, "ZCALLRECORD", "ZANSWERED");
	ios_col(db, &sql, "ZCALLRECORD", "ZCALLTYPE");
	ios_col(db, &sql, "ZCALLRECORD", "ZCALL_CATEGORY");
	ios_col(db, &sql, "ZCALLRECORD", "ZADDRESS");
	ios_col(db, &sql, "ZCALLRECORD", "ZNAME");
	ios_col(db, &sql, "ZCALLRECORD", "ZSERVICE_PROVIDER");
	ios_col(db, &sql, "ZCALLRECORD", "ZDATE");
	ex_db_col(db, &sql, "ZCALLRECORD", "ZDURATION");
	etk_buf_adds(&sql, " FROM \"ZCALLRECORD\" ORDER BY "
	    "\"ZCALLRECORD\".ROWID");
	if (sql.oom || ex_db_prepare(db, sql.data, &st, &err) != 0) {
		snprintf(reason, reasonsz, "%s", sql.oom ? "out of memory" :
		    err.msg);
		etk_buf_release(&sql);
		return EX_FAILED;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		(*nrows)++;
		memset(&c, 0, sizeof(c));
		c.app = "ios_callhistory";
		c.prov.table = "ZCALLRECORD";
		c.prov.rowid = sqlite3_column_int64(st, C_PK);
		c.prov.wal_only = ex_db_wal_only(db, "ZCALLRECORD",
		    c.prov.rowid);

		orig = sqlite3_column_type(st, C_ORIG) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, C_ORIG) != 0;
		ans = sqlite3_column_type(st, C_ANSWERED) == SQLITE_NULL ?
		    -1 : sqlite3_column_int(st, C_ANSWERED) != 0;
		if (orig == 1)
			c.direction = "outgoing";
		else if (orig == 0)
			c.direction = ans == 0 ? "missed" : "incoming";
		else
			c.direction = "unknown";

		/* A BLOB address is UTF-8 text without a terminator: copy
		 * it up to the first NUL, if any. */
		c.number = NULL;
		if (sqlite3_column_type(st, C_ADDRESS) == SQLITE_BLOB) {
			const char *b = sqlite3_column_blob(st, C_ADDRESS);
			int n = sqlite3_column_bytes(st, C_ADDRESS);
			const char *z = b != NULL ? memchr(b, '\0',
			    (size_t)n) : NULL;

			etk_buf_reset(&num);
			if (b != NULL)
				etk_buf_add(&num, b, z != NULL ?
				    (size_t)(z - b) : (size_t)n);
			if (!num.oom && num.len > 0)
				c.number = num.data;
		} else {
			c.number = ex_col_text(st, C_ADDRESS);
			if (c.number != NULL && *c.number == '\0')
				c.number = NULL;
		}
		c.name = ex_col_text(st, C_NAME);
		if (c.name != NULL && *c.name == '\0')
			c.name = NULL;

		type = ex_col_int(st, C_TYPE, -1);
		cat = ex_col_int(st, C_CATEGORY, -1);
		prov = ex_col_text(st, C_PROVIDER);
		c.service = service_of(type, prov);
		if (type == 8)
			c.video = 1;
		else if (type == 1 || type == 16)
			c.video = 0;
		else if (cat == 2)
			c.video = 1;
		else if (cat == 1)
			c.video = 0;
		else
			c.video = -1;

		ex_time_col(&c.time, EX_T_COCOA_S, st, C_DATE);
		if (sqlite3_column_type(st, C_DURATION) == SQLITE_NULL)
			c.duration_s = -1;
		else {
			/* Whole seconds elapsed, as the phone shows them. */
			dur = sqlite3_column_double(st, C_DURATION);
			c.duration_s = isfinite(dur) && dur >= 0 &&
			    dur < 9.0e18 ? (int64_t)floor(dur) : -1;
		}
		c.deleted = 0;
		ctx->ops->call(ctx->arg, &c);
	}
	status = ex_step_status(db, rc, "reading ZCALLRECORD", reason, reasonsz);
	sqlite3_finalize(st);
	etk_buf_release(&sql);
	etk_buf_release(&num);
	return status;
}

static const char *const calls_paths[] = {
	"Library/CallHistoryDB/CallHistory.storedata",
	NULL
};

const struct ex_artifact ex_ios_calls = {
	"ios_callhistory",
	"iOS call history (phone, FaceTime, CallKit apps): "
	    "CallHistory.storedata, iOS 8 to 18",
	EX_WHAT_CALLS,
	calls_paths,
	calls_recognise,
	calls_parse
};
