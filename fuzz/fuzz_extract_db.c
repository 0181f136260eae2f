/*
 * Fuzz target: the schema recognition and parsing of etk extract.  The
 * input is a database file: it is written to a private directory,
 * opened through ex_db_open_local (the copy the run makes), every
 * artifact's recognise() is asked, and each that says yes parses it
 * with every kind asked for into a sink that checks and discards what
 * it is given.  Sibling databases and side files are absent, as for a
 * database carved out of unallocated space.
 *
 * Checked: a parse status in the enum, a reason on failure, records
 * whose required fields are present (app, provenance table), string
 * lists whose counts match, and times whose "set" instants lie in the
 * range the clock table promises.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extract/ex_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXART	256

static uint64_t nrecords;

static void
check_time(const struct ex_time *t)
{
	/* 1601-01-01 .. 9999-12-31 */
	if (t->set && (t->sec < -11644473600LL || t->sec > 253402300799LL ||
	    t->nsec < 0 || t->nsec > 999999999))
		abort();
}

static void
check_prov(const struct ex_prov *p)
{
	/* A row names its table; a record from a file names the file. */
	if ((p->table == NULL) == (p->file == NULL))
		abort();
}

static void
check_strs(const char *const *v, size_t n)
{
	size_t i;

	if (n > 0 && v == NULL)
		abort();
	for (i = 0; i < n; i++)
		if (v[i] != NULL)
			(void)strlen(v[i]);
}

static void
on_message(void *arg, const struct ex_message *m)
{
	size_t i;

	(void)arg;
	if (m->app == NULL)
		abort();
	check_time(&m->time);
	check_time(&m->time_read);
	check_prov(&m->prov);
	check_strs(m->to, m->nto);
	if (m->natt > 0 && m->att == NULL)
		abort();
	for (i = 0; i < m->natt; i++)
		if (m->att[i].stored != NULL)
			(void)strlen(m->att[i].stored);
	if (m->body != NULL)
		(void)strlen(m->body);
	nrecords++;
}

static void
on_call(void *arg, const struct ex_call *c)
{
	(void)arg;
	if (c->app == NULL)
		abort();
	check_time(&c->time);
	check_prov(&c->prov);
	nrecords++;
}

static void
on_contact(void *arg, const struct ex_contact *c)
{
	(void)arg;
	if (c->app == NULL)
		abort();
	check_prov(&c->prov);
	check_strs(c->numbers, c->nnumbers);
	check_strs(c->emails, c->nemails);
	nrecords++;
}

static void
on_account(void *arg, const struct ex_account *a)
{
	(void)arg;
	check_prov(&a->prov);
	nrecords++;
}

static void
on_warn(void *arg, const char *item, const char *why)
{
	(void)arg;
	if (why == NULL)
		abort();
	(void)item;
}

static int
on_sibling(void *arg, const struct ex_db *db, const char *name,
    struct ex_db **out, struct etk_error *err)
{
	(void)arg; (void)db; (void)name; (void)err;
	*out = NULL;
	return ETK_ENOTFOUND;
}

static int
on_read_file(void *arg, const struct ex_db *db, const char *rel,
    struct etk_buf *out, struct etk_error *err)
{
	(void)arg; (void)db; (void)rel; (void)out; (void)err;
	return ETK_ENOTFOUND;
}

static const struct ex_sink_ops ops = {
	.message = on_message,
	.call = on_call,
	.contact = on_contact,
	.account = on_account,
	.warn = on_warn,
	.sibling = on_sibling,
	.read_file = on_read_file,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ex_artifact *arts[MAXART];
	static size_t narts;
	struct etk_error err = { 0 };
	struct ex_ctx ctx = { &ops, NULL };
	struct ex_db *db = NULL;
	const char *t = getenv("TMPDIR");
	char dir[4096], file[4200], reason[256];
	enum ex_parse_status st;
	uint64_t nrows;
	size_t i;
	FILE *fp;

	if (narts == 0) {
		narts = ex_artifacts_all(arts, MAXART);
		if (narts > MAXART)
			narts = MAXART;
	}
	snprintf(dir, sizeof(dir), "%s/etk-fuzz-db-XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 0;
	snprintf(file, sizeof(file), "%s/in.db", dir);
	if ((fp = fopen(file, "wb")) == NULL) {
		rmdir(dir);
		return 0;
	}
	if (size > 0 && fwrite(data, 1, size, fp) != size) {
		fclose(fp);
		unlink(file);
		rmdir(dir);
		return 0;
	}
	fclose(fp);
	if (ex_db_open_local(file, "fuzz.db", "/fuzz/in.db", &db, &err) ==
	    ETK_OK) {
		for (i = 0; i < narts; i++) {
			if (!arts[i]->recognise(db))
				continue;
			nrows = 0;
			reason[0] = '\0';
			st = arts[i]->parse(&ctx, db, EX_WHAT_MESSAGES |
			    EX_WHAT_CALLS | EX_WHAT_CONTACTS | EX_WHAT_POLE,
			    &nrows, reason, sizeof(reason));
			if (st != EX_PARSED && st != EX_UNSUPPORTED &&
			    st != EX_FAILED)
				abort();
			if (st != EX_PARSED && reason[0] == '\0')
				abort();
			if (memchr(reason, '\0', sizeof(reason)) == NULL)
				abort();
		}
		ex_db_close(db);
	} else if (err.code == ETK_OK || err.msg[0] == '\0')
		abort();	/* a failure always says why */
	unlink(file);
	rmdir(dir);
	return 0;
}
