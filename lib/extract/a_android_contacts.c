/*
 * Android contacts (ARTIFACTS.md A4): contacts2.db of the contacts
 * provider.  One contact per raw_contacts row (the per-account record
 * the phone keeps; the aggregated `contacts` row may be gone while its
 * raw contact waits, deleted=1, for the sync adapter), with its phone
 * numbers, e-mail addresses, organisation and name from `data` rows
 * typed through `mimetypes`.  The data rows are merged in by raw
 * contact id in one pass.  The accounts the contacts sync with (the
 * owner's Google account, ...) go to POLE.
 *
 * Layouts: Android 4.3+ names the account through raw_contacts.account_id
 * -> accounts; older phones keep account_name/account_type in
 * raw_contacts itself.
 */
#include <stdio.h>
#include <string.h>

#include "extract/a_android_util.h"

#define MT_PREFIX	"vnd.android.cursor.item/"

static int
recognise(struct ex_db *db)
{
	return ex_db_has_cols(db, "raw_contacts", "deleted", (char *)NULL) &&
	    ex_db_has_cols(db, "data", "raw_contact_id", "mimetype_id", "data1",
	    (char *)NULL) &&
	    ex_db_has_cols(db, "mimetypes", "mimetype", (char *)NULL);
}

enum { R_ROWID, R_ID, R_NAME, R_DEL };
enum { D_KEY, D_MIME, D_DATA1 };

static enum ex_parse_status
parse_contacts(struct ex_ctx *ctx, struct ex_db *db, uint64_t *nrows,
    char *reason, size_t reasonsz)
{
	struct etk_buf sql;
	struct aa_child data;
	struct ex_strs nums, mails, misc;
	struct ex_contact c;
	sqlite3_stmt *st = NULL, *dst = NULL;
	enum ex_parse_status ret;
	int rc;

	etk_buf_init(&sql);
	etk_buf_adds(&sql, "SELECT rowid, ");
	ex_db_col_as(db, &sql, "raw_contacts", NULL, "_id");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "raw_contacts", NULL, "display_name");
	etk_buf_adds(&sql, ", ");
	ex_db_col_as(db, &sql, "raw_contacts", NULL, "deleted");
	etk_buf_adds(&sql, " FROM raw_contacts ORDER BY rowid");
	if (aa_prepare(db, &sql, &st, reason, reasonsz) != 0)
		return EX_FAILED;
	/* LEFT JOIN: a data row whose mimetype row is gone still belongs
	 * to its contact (it just cannot be typed). */
	etk_buf_init(&sql);
	etk_buf_adds(&sql, "SELECT data.raw_contact_id, mimetypes.mimetype, "
	    "data.data1 FROM data LEFT JOIN mimetypes ON mimetypes._id = "
	    "data.mimetype_id WHERE data.raw_contact_id IS NOT NULL "
	    "ORDER BY data.raw_contact_id, data.rowid");
	if (aa_prepare(db, &sql, &dst, reason, reasonsz) != 0) {
		sqlite3_finalize(st);
		return EX_FAILED;
	}
	aa_child_init(&data, dst);
	ex_strs_init(&nums);
	ex_strs_init(&mails);
	ex_strs_init(&misc);

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = ex_col_int(st, R_ID, sqlite3_column_int64(st,
		    R_ROWID));
		size_t iname = SIZE_MAX, iorg = SIZE_MAX, iacct = SIZE_MAX;
		int ok;

		(*nrows)++;
		ex_strs_reset(&nums);
		ex_strs_reset(&mails);
		ex_strs_reset(&misc);
		for (ok = aa_child_first(&data, id); ok;
		    ok = aa_child_next(&data)) {
			const char *mt = ex_col_text(dst, D_MIME);
			const char *v = ex_col_text(dst, D_DATA1);

			if (mt == NULL || v == NULL || *v == '\0' ||
			    strncmp(mt, MT_PREFIX, strlen(MT_PREFIX)) != 0)
				continue;
			mt += strlen(MT_PREFIX);
			if (strcmp(mt, "phone_v2") == 0)
				ex_strs_add(&nums, v);
			else if (strcmp(mt, "email_v2") == 0)
				ex_strs_add(&mails, v);
			else if (strcmp(mt, "name") == 0 && iname == SIZE_MAX)
				iname = ex_strs_add(&misc, v);
			else if (strcmp(mt, "organization") == 0 &&
			    iorg == SIZE_MAX)
				iorg = ex_strs_add(&misc, v);
			/* WhatsApp's raw contacts carry the JID. */
			else if (strcmp(mt, "vnd.com.whatsapp.profile") == 0 &&
			    iacct == SIZE_MAX)
				iacct = ex_strs_add(&misc, v);
		}
		if (nums.oom || mails.oom || misc.oom) {
			ctx->ops->warn(ctx->arg, "raw_contacts",
			    "out of memory");
			continue;
		}
		memset(&c, 0, sizeof(c));
		c.app = "android_contacts";
		c.name = ex_col_text(st, R_NAME);
		if (c.name == NULL || *c.name == '\0')
			c.name = ex_strs_get(&misc, iname);
		c.numbers = nums.n > 0 ? ex_strs_ptrs(&nums) : NULL;
		c.nnumbers = c.numbers != NULL ? nums.n : 0;
		c.emails = mails.n > 0 ? ex_strs_ptrs(&mails) : NULL;
		c.nemails = c.emails != NULL ? mails.n : 0;
		c.org = ex_strs_get(&misc, iorg);
		c.account = ex_strs_get(&misc, iacct);
		c.deleted = ex_col_int(st, R_DEL, 0) != 0;
		c.prov.table = "raw_contacts";
		c.prov.rowid = sqlite3_column_int64(st, R_ROWID);
		c.prov.wal_only = ex_db_wal_only(db, "raw_contacts",
		    c.prov.rowid);
		ctx->ops->contact(ctx->arg, &c);
	}
	ret = ex_step_status(db, rc, "raw_contacts", reason, reasonsz);
	if (ret == EX_PARSED && data.rc != 0)
		ret = ex_step_status(db, data.rc, "data", reason, reasonsz);
	sqlite3_finalize(st);
	aa_child_free(&data);
	ex_strs_free(&nums);
	ex_strs_free(&mails);
	ex_strs_free(&misc);
	return ret;
}

/* What kind of account the sync adapter's type names. */
static const char *
account_kind(const char *type, const char *name)
{
	if (type != NULL) {
		if (strcmp(type, "com.google") == 0)
			return "google";
		if (strncmp(type, "com.whatsapp", 12) == 0)
			return "whatsapp";
		if (strstr(type, "exchange") != NULL)
			return "exchange";
	}
	if (name != NULL && strchr(name, '@') != NULL)
		return "email";
	return type != NULL ? type : "account";
}

static enum ex_parse_status
emit_accounts(struct ex_ctx *ctx, struct ex_db *db, char *reason,
    size_t reasonsz)
{
	struct etk_buf sql;
	struct ex_account a;
	sqlite3_stmt *st = NULL;
	const char *table;
	int rc;

	etk_buf_init(&sql);
	if (ex_db_has_cols(db, "accounts", "account_name", (char *)NULL)) {
		table = "accounts";
		etk_buf_adds(&sql, "SELECT rowid, account_name, ");
		ex_db_col_as(db, &sql, "accounts", NULL, "account_type");
		etk_buf_adds(&sql, " FROM accounts WHERE account_name IS NOT "
		    "NULL AND account_name <> '' ORDER BY rowid");
	} else if (ex_db_has_cols(db, "raw_contacts", "account_name",
	    (char *)NULL)) {
		/* Before the accounts table each raw contact named its
		 * account: one record per distinct account, at the first
		 * raw contact that names it. */
		table = "raw_contacts";
		etk_buf_adds(&sql, "SELECT min(rowid), account_name, ");
		ex_db_col_as(db, &sql, "raw_contacts", NULL, "account_type");
		etk_buf_adds(&sql, " FROM raw_contacts WHERE account_name IS "
		    "NOT NULL AND account_name <> '' GROUP BY 2, 3 "
		    "ORDER BY 1");
	} else {
		etk_buf_release(&sql);
		return EX_PARSED;
	}
	if (aa_prepare(db, &sql, &st, reason, reasonsz) != 0)
		return EX_FAILED;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		a.app = "android_contacts";
		a.value = ex_col_text(st, 1);
		a.kind = account_kind(ex_col_text(st, 2), a.value);
		a.prov.table = table;
		a.prov.rowid = sqlite3_column_int64(st, 0);
		a.prov.wal_only = ex_db_wal_only(db, table, a.prov.rowid);
		ctx->ops->account(ctx->arg, &a);
	}
	sqlite3_finalize(st);
	return ex_step_status(db, rc, table, reason, reasonsz);
}

static enum ex_parse_status
parse(struct ex_ctx *ctx, struct ex_db *db, unsigned what, uint64_t *nrows,
    char *reason, size_t reasonsz)
{
	enum ex_parse_status r = EX_PARSED;

	*nrows = 0;
	if (!recognise(db)) {
		snprintf(reason, reasonsz, "raw_contacts/data/mimetypes "
		    "without the columns of any known contacts2.db layout");
		return EX_UNSUPPORTED;
	}
	if (what & EX_WHAT_CONTACTS)
		r = parse_contacts(ctx, db, nrows, reason, reasonsz);
	/* The run asks for records, not for POLE, and builds POLE from
	 * them: the accounts come with the contacts (the sink keeps
	 * them only for POLE). */
	if (r == EX_PARSED && (what & (EX_WHAT_CONTACTS | EX_WHAT_POLE)))
		r = emit_accounts(ctx, db, reason, reasonsz);
	return r;
}

static const char *const paths[] = {
	"/com.android.providers.contacts/databases/contacts2.db",
	"/com.samsung.android.providers.contacts/databases/contacts2.db",
	NULL
};

const struct ex_artifact ex_art_android_contacts = {
	.name = "android_contacts",
	.descr = "Android contacts (contacts2.db raw_contacts + data + "
	    "mimetypes; deleted raw contacts kept, flagged)",
	.what = EX_WHAT_CONTACTS | EX_WHAT_POLE,
	.paths = paths,
	.recognise = recognise,
	.parse = parse,
};
