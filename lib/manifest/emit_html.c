/*
 * The manifest as one self-contained, printable HTML page: a style
 * sheet in the page, no script, no image, no link to anything outside
 * it.  Every string from the case is escaped (mf_html_text), so a
 * hostile file name cannot add markup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/manifest_int.h"

static const char css[] =
    "body{font-family:sans-serif;font-size:10pt;margin:1.5em;color:#000}"
    "h1{font-size:16pt}h2{font-size:12pt;margin-top:1.5em;"
    "border-bottom:1px solid #444}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0}"
    "th,td{border:1px solid #888;padding:2px 4px;text-align:left;"
    "vertical-align:top}th{background:#eee}"
    ".h{font-family:monospace;font-size:8pt;word-break:break-all}"
    ".bad{color:#a00;font-weight:bold}"
    "@media print{h2{page-break-after:avoid}tr{page-break-inside:avoid}}";

static void
t(struct etk_buf *b, const char *s)
{
	mf_html_text(b, s != NULL ? s : "");
}

static void
td(struct etk_buf *b, const char *s)
{
	etk_buf_adds(b, "<td>");
	t(b, s);
	etk_buf_adds(b, "</td>");
}

static void
tdh(struct etk_buf *b, const char *s)
{
	etk_buf_adds(b, "<td class=\"h\">");
	t(b, s);
	etk_buf_adds(b, "</td>");
}

static void
tdu(struct etk_buf *b, uint64_t v)
{
	etk_buf_printf(b, "<td>%llu</td>", (unsigned long long)v);
}

static void
th(struct etk_buf *b, const char *const *cols)
{
	etk_buf_adds(b, "<table><tr>");
	for (; *cols != NULL; cols++)
		etk_buf_printf(b, "<th>%s</th>", *cols);
	etk_buf_adds(b, "</tr>\n");
}

static void
row(struct etk_buf *b, const char *k, const char *v, int hash)
{
	etk_buf_adds(b, "<tr><th>");
	t(b, k);
	etk_buf_adds(b, "</th>");
	if (hash)
		tdh(b, v);
	else
		td(b, v);
	etk_buf_adds(b, "</tr>\n");
}

static const char *
key_name(const struct mf_case *c, const char *id)
{
	const struct mf_key *k = mf_key(c, id);

	return k != NULL ? mf_str(k->v, "name") : NULL;
}

static void
argv_text(struct etk_buf *b, const struct etk_jval *tool)
{
	const struct etk_jval *argv = mf_arr(tool, "argv");
	size_t i;

	for (i = 0; argv != NULL && i < argv->n; i++) {
		if (argv->items[i]->type != ETK_JSTR)
			continue;
		if (i > 0)
			etk_buf_addc(b, ' ');
		t(b, argv->items[i]->str);
	}
}

static void
party(struct etk_buf *b, const struct etk_jval *p)
{
	const char *s;

	etk_buf_adds(b, "<td>");
	t(b, mf_str(p, "name"));
	if ((s = mf_str(p, "role")) != NULL) {
		etk_buf_adds(b, ", ");
		t(b, s);
	}
	if ((s = mf_str(p, "org")) != NULL) {
		etk_buf_adds(b, ", ");
		t(b, s);
	}
	if ((s = mf_str(p, "auth_ref")) != NULL) {
		etk_buf_adds(b, "; auth. ");
		t(b, s);
	}
	if ((s = mf_str(p, "key")) != NULL) {
		etk_buf_adds(b, "<br><span class=\"h\">");
		t(b, s);
		etk_buf_adds(b, "</span>");
	}
	etk_buf_adds(b, "</td>");
}

static void
header(struct etk_buf *b, const struct mf_case *c)
{
	const struct etk_jval *clock = mf_obj(c->e[0].v, "clock");
	char n[64];
	int s;
	int64_t off;

	etk_buf_adds(b, "<h1>Chain-of-custody manifest: ");
	t(b, c->case_id);
	etk_buf_adds(b, "</h1>\n<table>\n");
	row(b, "Case", c->case_id, 0);
	row(b, "Scope", c->only != NULL ? c->only : "the whole case", 0);
	row(b, "Examiner", c->examiner, 0);
	row(b, "Agency", c->agency, 0);
	row(b, "Role", c->role, 0);
	row(b, "Examiner key", c->key_id, 1);
	row(b, "Case created", c->created, 0);
	snprintf(n, sizeof(n), "1-%zu of %llu", c->ne,
	    (unsigned long long)c->journal_lines);
	row(b, "Journal lines covered", n, 0);
	row(b, "Journal head (SHA-256 of last covered line)", c->head, 1);
	row(b, "Genesis line SHA-256", c->genesis, 1);
	s = mf_bool(clock, "synced");
	row(b, "Host clock synchronised (as the host reported at genesis)",
	    s == 1 ? "yes" : s == 0 ? "no" : "unknown", 0);
	if (mf_int(clock, "tz_offset_min", &off)) {
		snprintf(n, sizeof(n), "%lld minutes", (long long)off);
		row(b, "Host local offset from UTC", n, 0);
	}
	etk_buf_adds(b, "</table>\n");
}

static void
seals(struct etk_buf *b, const struct mf_case *c)
{
	static const char *const cols[] = { "Seq", "Time (UTC)", "Signers",
	    "Signature files", "Time-stamp token", "Line SHA-256", NULL };
	const struct etk_jval *sg, *sf;
	size_t i, k;

	etk_buf_adds(b, "<h2>Seals</h2>\n");
	th(b, cols);
	for (i = 0; i < c->ne; i++) {
		if (strcmp(c->e[i].type, "seal") != 0)
			continue;
		etk_buf_adds(b, "<tr>");
		tdu(b, c->e[i].seq);
		td(b, mf_str(c->e[i].v, "ts"));
		etk_buf_adds(b, "<td>");
		sg = mf_arr(c->e[i].v, "signers");
		for (k = 0; sg != NULL && k < sg->n; k++) {
			if (sg->items[k]->type != ETK_JSTR)
				continue;
			if (k > 0)
				etk_buf_adds(b, "<br>");
			t(b, key_name(c, sg->items[k]->str));
			etk_buf_adds(b, " <span class=\"h\">");
			t(b, sg->items[k]->str);
			etk_buf_adds(b, "</span>");
		}
		etk_buf_adds(b, "</td><td class=\"h\">");
		sf = mf_arr(c->e[i].v, "sig_files");
		for (k = 0; sf != NULL && k < sf->n; k++) {
			if (sf->items[k]->type != ETK_JSTR)
				continue;
			if (k > 0)
				etk_buf_adds(b, "<br>");
			t(b, sf->items[k]->str);
		}
		etk_buf_adds(b, "</td>");
		tdh(b, mf_str(c->e[i].v, "tsr"));
		tdh(b, c->e[i].hash);
		etk_buf_adds(b, "</tr>\n");
	}
	etk_buf_adds(b, "</table>\n");
}

static void
keys(struct etk_buf *b, const struct mf_case *c)
{
	static const char *const cols[] = { "Key id (fingerprint)", "Type",
	    "Name", "Role", "Organisation", "Authorisation", "Listed in",
	    NULL };
	const struct etk_jval *k;
	size_t i;

	etk_buf_adds(b, "<h2>Keys</h2>\n");
	th(b, cols);
	for (i = 0; i < c->nkeys; i++) {
		k = c->keys[i].v;
		etk_buf_adds(b, "<tr>");
		tdh(b, c->keys[i].id);
		td(b, mf_str(k, "type"));
		td(b, mf_str(k, "name"));
		td(b, mf_str(k, "role"));
		td(b, mf_str(k, "org"));
		td(b, mf_str(k, "auth_ref"));
		tdu(b, c->keys[i].seq);
		etk_buf_adds(b, "</tr>\n");
	}
	etk_buf_adds(b, "</table>\n");
}

static void
exhibits(struct etk_buf *b, const struct mf_case *c)
{
	static const char *const cols[] = { "Exhibit", "Item", "Evidence "
	    "file", "Kind", "Size", "Container SHA-256", NULL };
	const struct mf_evidence *ev;
	size_t i, k, shown;

	etk_buf_adds(b, "<h2>Exhibits</h2>\n");
	th(b, cols);
	for (i = 0; i < c->nex; i++) {
		for (shown = 0, k = 0; k < c->nev; k++) {
			ev = &c->ev[k];
			if (strcmp(ev->name, c->ex[i].name) != 0 &&
			    (ev->exhibit == NULL ||
			    strcmp(ev->exhibit, c->ex[i].name) != 0))
				continue;
			etk_buf_adds(b, "<tr>");
			td(b, c->ex[i].name);
			td(b, c->ex[i].item);
			td(b, ev->path);
			td(b, ev->kind);
			if (ev->has_size)
				tdu(b, ev->size);
			else
				td(b, "");
			tdh(b, ev->sha256);
			etk_buf_adds(b, "</tr>\n");
			shown++;
		}
		if (shown == 0) {
			etk_buf_adds(b, "<tr>");
			td(b, c->ex[i].name);
			td(b, c->ex[i].item);
			td(b, "(no evidence file in the case database)");
			td(b, "");
			td(b, "");
			td(b, "");
			etk_buf_adds(b, "</tr>\n");
		}
	}
	etk_buf_adds(b, "</table>\n");
}

static void
acquisitions(struct etk_buf *b, const struct mf_case *c)
{
	static const char *const cols[] = { "Seq", "Exhibit", "Started",
	    "Ended", "Media (size, hashes of the media stream)",
	    "Container files (SHA-256 of each file)", "Read errors",
	    "Verification", "Record", NULL };
	const struct etk_jval *r, *m, *tf, *errs, *v;
	const struct mf_acq *a;
	int64_t x;
	size_t i, k;
	int match;

	etk_buf_adds(b, "<h2>Acquisitions</h2>\n");
	th(b, cols);
	for (i = 0; i < c->nacq; i++) {
		a = &c->acq[i];
		r = a->record;
		etk_buf_adds(b, "<tr>");
		tdu(b, a->seq);
		td(b, a->exhibit);
		td(b, mf_str(a->e->v, "ts_start"));
		td(b, mf_str(a->e->v, "ts"));
		m = mf_obj(r, "media");
		etk_buf_adds(b, "<td class=\"h\">");
		if (mf_int(m, "size", &x))
			etk_buf_printf(b, "%lld bytes<br>", (long long)x);
		if (mf_str(m, "md5") != NULL) {
			etk_buf_adds(b, "MD5 ");
			t(b, mf_str(m, "md5"));
			etk_buf_adds(b, "<br>");
		}
		if (mf_str(m, "sha1") != NULL) {
			etk_buf_adds(b, "SHA-1 ");
			t(b, mf_str(m, "sha1"));
			etk_buf_adds(b, "<br>");
		}
		if (mf_str(m, "sha256") != NULL) {
			etk_buf_adds(b, "SHA-256 ");
			t(b, mf_str(m, "sha256"));
		}
		etk_buf_adds(b, "</td><td class=\"h\">");
		tf = mf_arr(mf_obj(r, "target"), "files");
		for (k = 0; tf != NULL && k < tf->n; k++) {
			t(b, mf_str(tf->items[k], "path"));
			etk_buf_adds(b, " ");
			t(b, mf_str(tf->items[k], "sha256"));
			etk_buf_adds(b, "<br>");
		}
		etk_buf_adds(b, "</td>");
		errs = mf_arr(r, "errors");
		etk_buf_printf(b, "<td>%zu</td>", errs != NULL ? errs->n : 0);
		v = mf_obj(r, "verify");
		match = mf_bool(v, "match");
		etk_buf_adds(b, "<td>");
		if (v != NULL) {
			t(b, mf_str(v, "method"));
			etk_buf_adds(b, match == 1 ? ": match" :
			    match == 0 ? ": <span class=\"bad\">MISMATCH</span>" :
			    "");
		} else
			etk_buf_adds(b, "not verified");
		etk_buf_adds(b, "</td>");
		etk_buf_printf(b, "<td%s>", strcmp(a->record_status,
		    "verified") == 0 ? "" : " class=\"bad\"");
		t(b, a->record_status);
		etk_buf_adds(b, "</td></tr>\n");
	}
	etk_buf_adds(b, "</table>\n");
}

static void
actions(struct etk_buf *b, const struct mf_case *c)
{
	static const char *const cols[] = { "Seq", "Started", "Ended", "Type",
	    "Actor", "Tool", "Command line", "Exit", "Outcome", NULL };
	const struct etk_jval *tool, *items, *errs;
	const struct mf_entry *e;
	const char *s;
	int64_t x;
	size_t i, k;

	etk_buf_adds(b, "<h2>Actions (journal)</h2>\n");
	th(b, cols);
	for (i = 0; i < c->ne; i++) {
		e = &c->e[i];
		if (!mf_about(c, e))
			continue;
		tool = mf_obj(e->v, "tool");
		etk_buf_adds(b, "<tr>");
		tdu(b, e->seq);
		td(b, mf_str(e->v, "ts_start"));
		td(b, mf_str(e->v, "ts"));
		td(b, e->type);
		s = mf_str(e->v, "actor");
		td(b, key_name(c, s) != NULL ? key_name(c, s) : s);
		etk_buf_adds(b, "<td>");
		t(b, mf_str(tool, "name"));
		etk_buf_adds(b, " ");
		t(b, mf_str(tool, "version"));
		etk_buf_adds(b, "</td><td class=\"h\">");
		argv_text(b, tool);
		etk_buf_adds(b, "</td>");
		if (mf_int(e->v, "exit", &x))
			etk_buf_printf(b, "<td%s>%lld</td>", x != 0 ?
			    " class=\"bad\"" : "", (long long)x);
		else
			td(b, "");
		etk_buf_adds(b, "<td>");
		items = mf_arr(mf_obj(e->v, "summary"), "items");
		for (k = 0; items != NULL && k < items->n; k++) {
			if (k > 0)
				etk_buf_adds(b, "<br>");
			t(b, mf_str(items->items[k], "status"));
			etk_buf_adds(b, " ");
			t(b, mf_str(items->items[k], "scope"));
			if ((s = mf_str(items->items[k], "reason")) != NULL) {
				etk_buf_adds(b, " (");
				t(b, s);
				etk_buf_adds(b, ")");
			}
		}
		errs = mf_arr(e->v, "errors");
		if (errs != NULL && errs->n > 0)
			etk_buf_printf(b, "%s<span class=\"bad\">%zu "
			    "error(s)</span>", k > 0 ? "<br>" : "", errs->n);
		if ((s = mf_str(e->v, "note")) != NULL) {
			etk_buf_adds(b, "note: ");
			t(b, s);
		}
		etk_buf_adds(b, "</td></tr>\n");
	}
	etk_buf_adds(b, "</table>\n");
}

static void
handovers(struct etk_buf *b, const struct mf_case *c)
{
	static const char *const cols[] = { "Seq", "Time (UTC)", "Type",
	    "Exhibit", "From", "To", "Location", "Reason / authority",
	    "Bag seal", "Note", NULL };
	const struct mf_entry *e;
	const char *s;
	int in;
	size_t i;

	etk_buf_adds(b, "<h2>Continuity: hand-overs and custody events"
	    "</h2>\n");
	th(b, cols);
	for (i = 0; i < c->ne; i++) {
		e = &c->e[i];
		if (!mf_about(c, e) || (strcmp(e->type, "transfer") != 0 &&
		    mf_get(e->v, "exhibit") == NULL))
			continue;
		etk_buf_adds(b, "<tr>");
		tdu(b, e->seq);
		td(b, mf_str(e->v, "ts"));
		td(b, e->type);
		etk_buf_adds(b, "<td>");
		t(b, mf_str(e->v, "exhibit"));
		if ((s = mf_str(e->v, "item")) != NULL) {
			etk_buf_adds(b, "<br>");
			t(b, s);
		}
		etk_buf_adds(b, "</td>");
		party(b, mf_obj(e->v, "from"));
		party(b, mf_obj(e->v, "to"));
		td(b, mf_str(e->v, "location"));
		etk_buf_adds(b, "<td>");
		t(b, mf_str(e->v, "reason"));
		if ((s = mf_str(e->v, "authority")) != NULL) {
			etk_buf_adds(b, "<br>authority: ");
			t(b, s);
		}
		etk_buf_adds(b, "</td><td>");
		t(b, mf_str(e->v, "bag_seal"));
		in = mf_bool(e->v, "bag_seal_intact");
		if (mf_str(e->v, "bag_seal") != NULL)
			etk_buf_adds(b, in == 1 ? " (intact)" : in == 0 ?
			    " <span class=\"bad\">(NOT intact)</span>" :
			    " (state not stated)");
		if ((s = mf_str(e->v, "new_bag_seal")) != NULL) {
			etk_buf_adds(b, "<br>resealed: ");
			t(b, s);
		}
		etk_buf_adds(b, "</td>");
		td(b, mf_str(e->v, "note"));
		etk_buf_adds(b, "</tr>\n");
	}
	etk_buf_adds(b, "</table>\n");
}

static void
derived(struct etk_buf *b, const struct mf_case *c)
{
	static const char *const cols[] = { "Seq", "Output", "Size",
	    "SHA-256", "Derived from (locator, byte runs)", NULL };
	const struct etk_jval *outs, *o, *df;
	struct mf_run *runs;
	size_t i, k, r, nruns;
	int64_t x;

	etk_buf_adds(b, "<h2>Derived items</h2>\n");
	th(b, cols);
	for (i = 0; i < c->ne; i++) {
		if (!mf_about(c, &c->e[i]))
			continue;
		outs = mf_arr(c->e[i].v, "outputs");
		for (k = 0; outs != NULL && k < outs->n; k++) {
			o = outs->items[k];
			df = mf_obj(o, "derived_from");
			etk_buf_adds(b, "<tr>");
			tdu(b, c->e[i].seq);
			td(b, mf_str(o, "path"));
			if (mf_int(o, "size", &x))
				etk_buf_printf(b, "<td>%lld</td>", (long long)x);
			else
				td(b, "");
			tdh(b, mf_str(o, "sha256"));
			etk_buf_adds(b, "<td class=\"h\">");
			t(b, mf_str(df, "locator"));
			if (mf_json_runs(df, &runs, &nruns) == 0) {
				for (r = 0; r < nruns; r++)
					etk_buf_printf(b, "<br>@%llu+%llu",
					    (unsigned long long)runs[r].off,
					    (unsigned long long)runs[r].len);
				free(runs);
			}
			etk_buf_adds(b, "</td></tr>\n");
		}
	}
	etk_buf_adds(b, "</table>\n");
	etk_buf_printf(b, "<p>Case database: %zu listed files, %zu hash "
	    "records without a listing, %zu carved files (see the JSON or "
	    "DFXML manifest for each one).</p>\n", c->nfiles, c->nhashes,
	    c->ncarved);
}

int
mf_emit_html(const struct mf_case *c, struct etk_buf *b,
    struct etk_error *err)
{
	(void)err;
	etk_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>Chain-of-custody manifest: ");
	t(b, c->case_id);
	etk_buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n",
	    css);
	header(b, c);
	seals(b, c);
	exhibits(b, c);
	acquisitions(b, c);
	actions(b, c);
	handovers(b, c);
	derived(b, c);
	keys(b, c);
	etk_buf_printf(b, "<p>Made by etk %s from the journal and the case "
	    "database; every value is as recorded.</p>\n</body>\n</html>\n",
	    etk_version());
	return ETK_OK;
}
