/*
 * iOS contacts: AddressBook.sqlitedb (ARTIFACTS.md B3); one record per
 * ABPerson row.
 *
 *   ABPerson         First, Middle, Last, Prefix, Suffix, Organization,
 *                    Nickname; Kind 1 is an organisation, named by
 *                    Organization
 *   ABMultiValue     record_id -> the person; property 3 phone, 4 e-mail
 *                    (5 address, 13 IM, 22 URL, ... are not record
 *                    fields); label -> ABMultiValueLabel
 *                    ("_$!<Mobile>!$_"), which the contact record has
 *                    no field for
 *
 * Deleted people are not in ABPerson: the Contacts framework removes
 * the row (and its ABMultiValue rows) at once, so there is nothing to
 * mark deleted here; only page-level recovery would find them.
 *
 * The multi-values are read in one query ordered by record_id and
 * merged with the people, so nothing is queried per person.
 */
#include <stdio.h>
#include <string.h>

#include "extract/ex_int.h"
#include "extract/ios_util.h"

enum {
	P_ROWID, P_PREFIX, P_FIRST, P_MIDDLE, P_LAST, P_SUFFIX, P_ORG,
	P_NICK, P_KIND
};

static int
ab_recognise(struct ex_db *db)
{
	return ex_db_has_table(db, "ABPerson") &&
	    ex_db_has_cols(db, "ABMultiValue", "record_id", "property", NULL);
}

/* "Dr Alice B Smith Jr": the name parts present, one space apart. */
static void
compose_name(sqlite3_stmt *st, struct etk_buf *name)
{
	static const int parts[] = { P_PREFIX, P_FIRST, P_MIDDLE, P_LAST,
	    P_SUFFIX };
	const char *s;
	size_t i;

	etk_buf_reset(name);
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		s = ex_col_text(st, parts[i]);
		if (s == NULL || *s == '\0')
			continue;
		if (name->len > 0)
			etk_buf_addc(name, ' ');
		etk_buf_adds(name, s);
	}
}

static enum ex_parse_status
ab_parse(struct ex_ctx *ctx, struct ex_db *db, unsigned what,
    uint64_t *nrows, char *reason, size_t reasonsz)
{
	struct etk_error err = { 0 };
	struct etk_buf sql, name;
	struct ex_strs nums, mails;
	struct ex_contact c;
	sqlite3_stmt *st = NULL, *mv = NULL;
	enum ex_parse_status status = EX_PARSED;
	int64_t key, prop;
	const char *v;
	char item[512];
	int rc, mvstate = 0, mvrc = SQLITE_DONE;

	*nrows = 0;
	if (!(what & EX_WHAT_CONTACTS))
		return EX_PARSED;
	if (!ex_db_has_col(db, "ABMultiValue", "value") ||
	    (!ex_db_has_col(db, "ABPerson", "First") &&
	    !ex_db_has_col(db, "ABPerson", "Last") &&
	    !ex_db_has_col(db, "ABPerson", "Organization"))) {
		snprintf(reason, reasonsz, "ABPerson has no name columns or "
		    "ABMultiValue no value: schema generation not understood");
		return EX_UNSUPPORTED;
	}
	etk_buf_init(&sql);
	etk_buf_init(&name);
	ex_strs_init(&nums);
	ex_strs_init(&mails);
	etk_buf_adds(&sql, "SELECT \"ABPerson\".ROWID, ");
	ios_col(db, &sql, "ABPerson", "Prefix");
	ios_col(db, &sql, "ABPerson", "First");
	ios_col(db, &sql, "ABPerson", "Middle");
	ios_col(db, &sql, "ABPerson", "Last");
	ios_col(db, &sql, "ABPerson", "Suffix");
	ios_col(db, &sql, "ABPerson", "Organization");
	ios_col(db, &sql, "ABPerson", "Nickname");
	ex_db_col(db, &sql, "ABPerson", "Kind");
	etk_buf_adds(&sql, " FROM \"ABPerson\" ORDER BY \"ABPerson\".ROWID");
	etk_buf_addc(&sql, '\0');
	/* Phones and e-mails only, in the order the phone lists them. */
	etk_buf_adds(&sql, "SELECT \"record_id\", \"property\", \"value\" "
	    "FROM \"ABMultiValue\" WHERE \"property\" IN (3, 4) AND "
	    "\"value\" IS NOT NULL ORDER BY \"record_id\", ");
	etk_buf_adds(&sql, ex_db_has_col(db, "ABMultiValue", "identifier") ?
	    "\"identifier\", ROWID" : "ROWID");
	if (sql.oom || ex_db_prepare(db, sql.data, &st, &err) != 0 ||
	    ex_db_prepare(db, sql.data + strlen(sql.data) + 1, &mv,
	    &err) != 0) {
		snprintf(reason, reasonsz, "%s", sql.oom ? "out of memory" :
		    err.msg);
		status = EX_FAILED;
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		(*nrows)++;
		memset(&c, 0, sizeof(c));
		c.app = "ios_addressbook";
		c.prov.table = "ABPerson";
		c.prov.rowid = sqlite3_column_int64(st, P_ROWID);
		c.prov.wal_only = ex_db_wal_only(db, "ABPerson", c.prov.rowid);

		compose_name(st, &name);
		c.org = ex_col_text(st, P_ORG);
		if (c.org != NULL && *c.org == '\0')
			c.org = NULL;
		if (name.len > 0 && !name.oom)
			c.name = name.data;
		else if (c.org != NULL)
			/* A company card: the phone shows its organisation
			 * as the name. */
			c.name = c.org;
		else {
			v = ex_col_text(st, P_NICK);
			c.name = v != NULL && *v != '\0' ? v : NULL;
		}

		ex_strs_reset(&nums);
		ex_strs_reset(&mails);
		for (;;) {
			if (mvstate == 0) {
				mvrc = sqlite3_step(mv);
				mvstate = mvrc == SQLITE_ROW ? 1 : 2;
			}
			if (mvstate == 2)
				break;
			key = sqlite3_column_int64(mv, 0);
			if (key > c.prov.rowid)
				break;
			if (key == c.prov.rowid &&
			    (v = ex_col_text(mv, 2)) != NULL) {
				prop = sqlite3_column_int64(mv, 1);
				ex_strs_add(prop == 3 ? &nums : &mails, v);
			}
			mvstate = 0;
		}
		c.numbers = ex_strs_ptrs(&nums);
		c.nnumbers = c.numbers != NULL ? nums.n : 0;
		c.emails = ex_strs_ptrs(&mails);
		c.nemails = c.emails != NULL ? mails.n : 0;
		if (nums.oom || mails.oom) {
			ios_row_name(db, "ABPerson", c.prov.rowid, item,
			    sizeof(item));
			ctx->ops->warn(ctx->arg, item, "out of memory: numbers "
			    "or e-mails left out");
			nums.oom = mails.oom = 0;
		}
		ctx->ops->contact(ctx->arg, &c);
	}
	status = ex_step_status(db, rc, "reading ABPerson", reason, reasonsz);
	if (status == EX_PARSED && mvstate == 2 && mvrc != SQLITE_DONE)
		status = ex_step_status(db, mvrc, "reading ABMultiValue", reason,
		    reasonsz);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(mv);
	etk_buf_release(&sql);
	etk_buf_release(&name);
	ex_strs_free(&nums);
	ex_strs_free(&mails);
	return status;
}

static const char *const ab_paths[] = {
	"Library/AddressBook/AddressBook.sqlitedb",
	NULL
};

const struct ex_artifact ex_ios_addressbook = {
	"ios_addressbook",
	"iOS contacts (names, phone numbers, e-mail addresses): "
	    "AddressBook.sqlitedb, iOS 5 to 18",
	EX_WHAT_CONTACTS,
	ab_paths,
	ab_recognise,
	ab_parse
};
