/*
 * WhatsApp for iOS call history: CallHistory.sqlite, a Core Data store
 * in the app group beside ChatStorage.sqlite (ARTIFACTS.md B4); one
 * record per ZWACDCALLEVENT row.  Columns as public parsers read them
 * (iLEAPP whatsApp.py, WhatsApp-Chat-Exporter ios_handler.py):
 *
 *   ZWACDCALLEVENT         a call: ZDATE (Cocoa seconds, REAL),
 *                          ZDURATION (seconds, REAL), ZOUTCOME,
 *                          ZGROUPCALLCREATORUSERJIDSTRING (who started
 *                          it; not in older releases), ZGROUPJIDSTRING,
 *                          Z1CALLEVENTS (its aggregate row)
 *   ZWAAGGREGATECALLEVENT  a row per group of calls (one entry of the
 *                          app's call list): ZINCOMING, ZMISSED,
 *                          ZVIDEO, ZMISSEDREASON, ZFIRSTDATE
 *   ZWACDCALLEVENTPARTICIPANT  the other parties: ZJIDSTRING, ZOUTCOME,
 *                          Z1PARTICIPANTS
 *
 * Z1PARTICIPANTS and Z1CALLEVENTS are Core Data's keys for to-many
 * relationships of entity 1 (Z_PRIMARYKEY.Z_ENT = 1).  In the stores
 * seen that entity is WAAggregateCallEvent, so participants hang off the
 * aggregate (iLEAPP joins Z1PARTICIPANTS = Z1CALLEVENTS); other tools
 * join them to the call's Z_PK, which is the same when Z_PRIMARYKEY
 * names WACDCallEvent as entity 1, and that is what decides here.
 *
 * Direction: the stored incoming flag (the call row's ZINCOMING when a
 * generation has one there, else the aggregate's); without one, the
 * creator JID: a creator among the participants started the call
 * (incoming), one that is not is the owner (outgoing), as iLEAPP reads
 * it.  ZOUTCOME 1 is missed and 4 rejected (iLEAPP; issue #750 from
 * test calls), for incoming calls; an outgoing call nobody answered
 * stays outgoing (WhatsApp-Chat-Exporter reads 1 and 4 as "not
 * answered" then).  Other codes (2 is "failed" for one tool only) keep
 * the direction.  Without an outcome the aggregate's ZMISSED says
 * missed.
 *
 * Group calls: ex_call has one party, so a group call is one record
 * per call like any other, its number the party that rang when it is
 * incoming (the creator), else the first participant row (lowest Z_PK),
 * name NULL; the group JID and the other participants are not carried.
 * Every join is a left join or a subquery, so a call whose aggregate or
 * participant rows are gone is still emitted.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "extract/ex_int.h"
#include "extract/ios_util.h"

#define T_CALL	"ZWACDCALLEVENT"
#define T_AGG	"ZWAAGGREGATECALLEVENT"
#define T_PART	"ZWACDCALLEVENTPARTICIPANT"

enum {
	C_PK, C_DATE, C_DURATION, C_OUTCOME, C_CREATOR, C_EINC, C_EMISSED,
	C_EVIDEO, C_AINC, C_AMISSED, C_AVIDEO, C_FIRST, C_NPARTS,
	C_CREATOR_IS_PARTY
};

static int
wac_recognise(struct ex_db *db)
{
	return ex_db_has_cols(db, T_CALL, "ZDATE", "ZDURATION", "ZOUTCOME",
	    NULL);
}

static const char *
nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/* Z_PRIMARYKEY's name for entity 1, into buf ("" when unknown). */
static void
entity1(struct ex_db *db, char *buf, size_t bufsz)
{
	struct etk_error err = { 0 };
	sqlite3_stmt *st = NULL;
	const char *s;

	buf[0] = '\0';
	if (!ex_db_has_cols(db, "Z_PRIMARYKEY", "Z_ENT", "Z_NAME", NULL))
		return;
	if (ex_db_prepare(db, "SELECT Z_NAME FROM Z_PRIMARYKEY WHERE "
	    "Z_ENT = 1", &st, &err) != 0)
		return;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (s = ex_col_text(st, 0)) != NULL)
		snprintf(buf, bufsz, "%s", s);
	sqlite3_finalize(st);
}

/* The call row's column that Z1PARTICIPANTS matches, or NULL when the
 * participants cannot be linked. */
static const char *
part_key(struct ex_db *db)
{
	char ent[64];

	if (!ex_db_has_cols(db, T_PART, "Z1PARTICIPANTS", "ZJIDSTRING", NULL))
		return NULL;
	entity1(db, ent, sizeof(ent));
	if (strcmp(ent, "WACDCallEvent") == 0)
		return ex_db_has_col(db, T_CALL, "Z_PK") ? "Z_PK" : NULL;
	if (ex_db_has_col(db, T_CALL, "Z1CALLEVENTS") &&
	    (ent[0] == '\0' || strcmp(ent, "WAAggregateCallEvent") == 0))
		return "Z1CALLEVENTS";
	return NULL;
}

static void
build_query(struct ex_db *db, struct etk_buf *sql)
{
	const char *key = part_key(db);
	int agg = ex_db_has_table(db, T_AGG) &&
	    ex_db_has_col(db, T_CALL, "Z1CALLEVENTS");
	char link[160];
	/* Z_PK is the ROWID of every Core Data table. */
	const char *pk = ex_db_has_col(db, T_CALL, "Z_PK") ?
	    "\"" T_CALL "\".\"Z_PK\"" : "\"" T_CALL "\".ROWID";

	etk_buf_adds(sql, "SELECT ");
	etk_buf_adds(sql, pk);
	etk_buf_adds(sql, ", ");
	ios_col(db, sql, T_CALL, "ZDATE");
	ios_col(db, sql, T_CALL, "ZDURATION");
	ios_col(db, sql, T_CALL, "ZOUTCOME");
	ios_col(db, sql, T_CALL, "ZGROUPCALLCREATORUSERJIDSTRING");
	ios_col(db, sql, T_CALL, "ZINCOMING");
	ios_col(db, sql, T_CALL, "ZMISSED");
	ios_col(db, sql, T_CALL, "ZVIDEO");
	if (agg) {
		ios_col(db, sql, T_AGG, "ZINCOMING");
		ios_col(db, sql, T_AGG, "ZMISSED");
		ios_col(db, sql, T_AGG, "ZVIDEO");
	} else
		etk_buf_adds(sql, "NULL, NULL, NULL, ");
	if (key != NULL) {
		snprintf(link, sizeof(link), "\"p\".\"Z1PARTICIPANTS\" = "
		    "\"" T_CALL "\".\"%s\"", key);
		etk_buf_adds(sql, "(SELECT \"p\".\"ZJIDSTRING\" FROM \""
		    T_PART "\" AS \"p\" WHERE ");
		etk_buf_adds(sql, link);
		etk_buf_adds(sql, " AND \"p\".\"ZJIDSTRING\" <> '' ORDER BY "
		    "\"p\".ROWID LIMIT 1), (SELECT count(*) FROM \"" T_PART
		    "\" AS \"p\" WHERE ");
		etk_buf_adds(sql, link);
		etk_buf_adds(sql, " AND \"p\".\"ZJIDSTRING\" <> ''), "
		    "EXISTS (SELECT 1 FROM \"" T_PART "\" AS \"p\" WHERE ");
		etk_buf_adds(sql, link);
		etk_buf_adds(sql, " AND \"p\".\"ZJIDSTRING\" = ");
		ex_db_col(db, sql, T_CALL, "ZGROUPCALLCREATORUSERJIDSTRING");
		etk_buf_adds(sql, ")");
	} else
		etk_buf_adds(sql, "NULL, 0, 0");
	etk_buf_adds(sql, " FROM \"" T_CALL "\"");
	if (agg)
		etk_buf_adds(sql, " LEFT JOIN \"" T_AGG "\" ON \"" T_AGG
		    "\".ROWID = \"" T_CALL "\".\"Z1CALLEVENTS\"");
	etk_buf_adds(sql, " ORDER BY ");
	etk_buf_adds(sql, pk);
}

/* 1, 0, or -1 for NULL. */
static int
flag(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return -1;
	return sqlite3_column_int64(st, col) != 0;
}

static enum ex_parse_status
wac_parse(struct ex_ctx *ctx, struct ex_db *db, unsigned what,
    uint64_t *nrows, char *reason, size_t reasonsz)
{
	struct etk_error err = { 0 };
	struct etk_buf sql;
	struct ex_call c;
	sqlite3_stmt *st = NULL;
	enum ex_parse_status status;
	const char *creator, *first;
	int64_t outcome, nparts;
	double dur;
	int rc, inc, missed, mine;

	*nrows = 0;
	if (!(what & EX_WHAT_CALLS))
		return EX_PARSED;
	etk_buf_init(&sql);
	build_query(db, &sql);
	if (sql.oom || ex_db_prepare(db, sql.data, &st, &err) != 0) {
		snprintf(reason, reasonsz, "%s", sql.oom ? "out of memory" :
		    err.msg);
		etk_buf_release(&sql);
		return EX_FAILED;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		(*nrows)++;
		memset(&c, 0, sizeof(c));
		c.app = "whatsapp";
		c.prov.table = T_CALL;
		c.prov.rowid = sqlite3_column_int64(st, C_PK);
		c.prov.wal_only = ex_db_wal_only(db, T_CALL, c.prov.rowid);

		creator = nonempty(ex_col_text(st, C_CREATOR));
		nparts = ex_col_int(st, C_NPARTS, 0);
		mine = ex_col_int(st, C_CREATOR_IS_PARTY, 0) != 0;
		inc = flag(st, C_EINC);
		if (inc < 0)
			inc = flag(st, C_AINC);
		if (inc < 0 && creator != NULL && nparts > 0)
			inc = mine;
		missed = flag(st, C_EMISSED);
		if (missed < 0)
			missed = flag(st, C_AMISSED);
		outcome = ex_col_int(st, C_OUTCOME, -1);
		if (inc == 1) {
			if (outcome == 4)
				c.direction = "rejected";
			else if (outcome == 1 || (outcome < 0 && missed == 1))
				c.direction = "missed";
			else
				c.direction = "incoming";
		} else if (inc == 0)
			c.direction = "outgoing";
		else
			c.direction = missed == 1 ? "missed" : "unknown";

		/* The other party: on an incoming call the one who rang
		 * (the creator, when the participants do not contradict
		 * it), else the first participant. */
		first = nonempty(ex_col_text(st, C_FIRST));
		if (inc == 1 && creator != NULL && (mine || nparts == 0))
			c.number = creator;
		else
			c.number = first;
		c.name = NULL;

		c.video = flag(st, C_EVIDEO);
		if (c.video < 0)
			c.video = flag(st, C_AVIDEO);
		c.service = c.video == 1 ? "whatsapp_video" :
		    c.video == 0 ? "whatsapp_audio" : NULL;

		ex_time_col(&c.time, EX_T_COCOA_S, st, C_DATE);
		if (sqlite3_column_type(st, C_DURATION) == SQLITE_NULL)
			c.duration_s = -1;
		else {
			dur = sqlite3_column_double(st, C_DURATION);
			c.duration_s = isfinite(dur) && dur >= 0 &&
			    dur < 9.0e18 ? (int64_t)floor(dur) : -1;
		}
		ctx->ops->call(ctx->arg, &c);
	}
	status = ex_step_status(db, rc, "reading " T_CALL, reason, reasonsz);
	sqlite3_finalize(st);
	etk_buf_release(&sql);
	return status;
}

static const char *const wac_paths[] = {
	"CallHistory.sqlite",
	NULL
};

const struct ex_artifact ex_whatsapp_ios_calls = {
	"whatsapp_ios_calls",
	"WhatsApp for iOS call history (audio, video, group calls): "
	    "CallHistory.sqlite",
	EX_WHAT_CALLS,
	wac_paths,
	wac_recognise,
	wac_parse
};
