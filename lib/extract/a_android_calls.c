/*
 * Android call log (ARTIFACTS.md A3): the `calls` table of calllog.db
 * (Android 7+) or, on older phones, of contacts2.db.  The column set
 * grew from 24 columns (Android 4-6) to about 60 (Android 14), so the
 * query is built from what the table has.  date is Unix ms, duration
 * seconds.
 */
#include <stdio.h>
#include <string.h>

#include "extract/a_android_util.h"

static int
recognise(struct ex_db *db)
{
	return ex_db_has_cols(db, "calls", "number", "date", "duration", "type",
	    (char *)NULL);
}

/* CallLog.Calls.TYPE. */
static const char *
call_direction(int64_t type)
{
	switch (type) {
	case 1:	return "incoming";
	case 2:	return "outgoing";
	case 3:	return "missed";
	case 4:	return "voicemail";
	case 5:	return "rejected";
	case 6:	return "blocked";
	case 7:	return "answered_externally";
	default: return "unknown";
	}
}

enum { C_ROWID, C_NUMBER, C_PRES, C_DATE, C_DUR, C_TYPE, C_NAME, C_FEAT,
	C_DEL };

static enum ex_parse_status
parse(struct ex_ctx *ctx, struct ex_db *db, unsigned what, uint64_t *nrows,
    char *reason, size_t reasonsz)
{
	static const char *const cols[] = { "number", "presentation", "date",
	    "duration", "type", "name", "features", "deleted" };
	struct etk_buf sql;
	struct ex_call c;
	sqlite3_stmt *st = NULL;
	int rc, has_feat, has_pres;
	size_t i;

	*nrows = 0;
	if (!(what & EX_WHAT_CALLS))
		return EX_PARSED;
	if (!recognise(db)) {
		snprintf(reason, reasonsz, "calls table without number, "
		    "date, duration and type");
		return EX_UNSUPPORTED;
	}
	has_feat = ex_db_has_col(db, "calls", "features");
	has_pres = ex_db_has_col(db, "calls", "presentation");
	etk_buf_init(&sql);
	etk_buf_adds(&sql, "SELECT rowid");
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		etk_buf_adds(&sql, ", ");
		ex_db_col_as(db, &sql, "calls", NULL, cols[i]);
	}
	etk_buf_adds(&sql, " FROM calls ORDER BY rowid");
	if (aa_prepare(db, &sql, &st, reason, reasonsz) != 0)
		return EX_FAILED;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t pres = ex_col_int(st, C_PRES, 1);
		const char *num = ex_col_text(st, C_NUMBER);

		(*nrows)++;
		memset(&c, 0, sizeof(c));
		c.app = "android_calllog";
		c.service = "phone";
		c.direction = call_direction(ex_col_int(st, C_TYPE, -1));
		/* presentation 2 restricted, 3 unknown, 4 payphone: the
		 * number column then holds "" or a placeholder such as
		 * "-2", not a number.  An empty one is no number either. */
		if (pres == 2 || pres == 3 || pres == 4 ||
		    (num != NULL && *num == '\0'))
			num = NULL;
		/* Before the presentation column (Android 4.4) the number
		 * itself said it: "-1" unknown, "-2" private, "-3"
		 * payphone. */
		if (!has_pres && num != NULL && (strcmp(num, "-1") == 0 ||
		    strcmp(num, "-2") == 0 || strcmp(num, "-3") == 0))
			num = NULL;
		c.number = num;
		c.name = ex_col_text(st, C_NAME);
		if (c.name != NULL && *c.name == '\0')
			c.name = NULL;
		ex_time_col(&c.time, EX_T_UNIX_MS, st, C_DATE);
		c.duration_s = ex_col_int(st, C_DUR, -1);
		/* features bit 0 is FEATURES_VIDEO. */
		c.video = has_feat ? (ex_col_int(st, C_FEAT, 0) & 1) != 0 : -1;
		c.deleted = ex_col_int(st, C_DEL, 0) != 0;
		c.prov.table = "calls";
		c.prov.rowid = sqlite3_column_int64(st, C_ROWID);
		c.prov.wal_only = ex_db_wal_only(db, "calls", c.prov.rowid);
		ctx->ops->call(ctx->arg, &c);
	}
	sqlite3_finalize(st);
	return ex_step_status(db, rc, "calls", reason, reasonsz);
}

static const char *const paths[] = {
	"/com.android.providers.contacts/databases/calllog.db",
	"/com.samsung.android.providers.contacts/databases/calllog.db",
	"/com.android.providers.contacts/databases/contacts2.db",
	NULL
};

const struct ex_artifact ex_art_android_calllog = {
	.name = "android_calllog",
	.descr = "Android call log (calls in calllog.db, Android 7+, or in "
	    "contacts2.db before)",
	.what = EX_WHAT_CALLS,
	.paths = paths,
	.recognise = recognise,
	.parse = parse,
};
