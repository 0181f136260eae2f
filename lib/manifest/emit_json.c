/*
 * The manifest as one JSON document ("format":"etk-manifest/1"), fields
 * in a fixed order (etk-manifest(5)).  Values copied from the journal
 * keep the journal's member order, so the same journal prefix and rows
 * give the same bytes.
 */
#include <string.h>

#include "manifest/manifest_int.h"

static int
is_custody_type(const char *t)
{
	static const char *const types[] = { "seize", "receive", "store",
	    "return", "destroy", "disclose", "export", NULL };
	size_t i;

	for (i = 0; types[i] != NULL; i++)
		if (strcmp(t, types[i]) == 0)
			return 1;
	return 0;
}

/* The first seal at or after seq, or 0. */
static uint64_t
sealed_by(const struct mf_case *c, uint64_t seq)
{
	size_t i;

	for (i = seq > 0 ? seq - 1 : 0; i < c->ne; i++)
		if (strcmp(c->e[i].type, "seal") == 0)
			return c->e[i].seq;
	return 0;
}

static void
kstr_opt(struct etk_json *j, const char *k, const char *v)
{
	if (v != NULL)
		etk_json_kstr(j, k, v);
}

static void
key_name(struct etk_json *j, const struct mf_case *c, const char *k,
    const char *id)
{
	const struct mf_key *key = mf_key(c, id);

	etk_json_kstr(j, k, key != NULL ? mf_str(key->v, "name") : NULL);
}

/* One input: the media as the source presents it, the container files
 * with their own SHA-256 (never the same thing for an E01). */
static void
input(struct etk_json *j, const struct etk_jval *in)
{
	const struct etk_jval *files, *f;
	size_t k;

	etk_json_obj_begin(j);
	mf_json_copy(j, in, "exhibit");
	mf_json_copy(j, in, "path");
	mf_json_copy(j, in, "kind");
	mf_json_copy(j, in, "format");
	if (mf_get(in, "media_size") != NULL ||
	    mf_get(in, "stored_md5") != NULL ||
	    mf_get(in, "stored_sha1") != NULL ||
	    mf_get(in, "media_sha256") != NULL) {
		etk_json_key(j, "media");
		etk_json_obj_begin(j);
		if (mf_get(in, "media_size") != NULL) {
			etk_json_key(j, "size");
			etk_json_value(j, mf_get(in, "media_size"));
		}
		mf_json_copy(j, in, "stored_md5");
		mf_json_copy(j, in, "stored_sha1");
		if (mf_get(in, "media_sha256") != NULL) {
			etk_json_key(j, "sha256");
			etk_json_value(j, mf_get(in, "media_sha256"));
		}
		etk_json_obj_end(j);
	}
	if ((files = mf_arr(in, "files")) != NULL) {
		etk_json_key(j, "container");
		etk_json_arr_begin(j);
		for (k = 0; k < files->n; k++) {
			f = files->items[k];
			etk_json_obj_begin(j);
			mf_json_copy(j, f, "path");
			mf_json_copy(j, f, "size");
			mf_json_copy(j, f, "sha256");
			mf_json_copy(j, f, "hash_error");
			etk_json_obj_end(j);
		}
		etk_json_arr_end(j);
	}
	mf_json_copy(j, in, "sha256");
	mf_json_copy(j, in, "size");
	mf_json_copy(j, in, "listing_sha256");
	mf_json_copy(j, in, "hash_error");
	mf_json_copy(j, in, "open_error");
	etk_json_obj_end(j);
}

static void
party(struct etk_json *j, const struct mf_case *c, const char *k,
    const struct etk_jval *p)
{
	const struct mf_key *key;
	const char *id;

	etk_json_key(j, k);
	if (p == NULL || p->type != ETK_JOBJ) {
		etk_json_null(j);
		return;
	}
	etk_json_obj_begin(j);
	mf_json_copy(j, p, "name");
	mf_json_copy(j, p, "role");
	mf_json_copy(j, p, "org");
	mf_json_copy(j, p, "auth_ref");
	id = mf_str(p, "key");
	kstr_opt(j, "key", id);
	key = mf_key(c, id);
	if (id != NULL)
		etk_json_kbool(j, "key_known", key != NULL);
	etk_json_obj_end(j);
}

static void
case_part(struct etk_json *j, const struct mf_case *c)
{
	const struct mf_entry *g = &c->e[0];

	etk_json_key(j, "case");
	etk_json_obj_begin(j);
	etk_json_kstr(j, "id", c->case_id);
	etk_json_kstr(j, "examiner", c->examiner);
	etk_json_kstr(j, "agency", c->agency);
	etk_json_kstr(j, "role", c->role);
	etk_json_kstr(j, "key_id", c->key_id);
	etk_json_kstr(j, "key_type", c->key_type);
	etk_json_kstr(j, "created", c->created);
	etk_json_obj_end(j);

	etk_json_key(j, "journal");
	etk_json_obj_begin(j);
	etk_json_kstr(j, "file", "journal.jsonl");
	etk_json_kstr(j, "format", mf_str(g->v, "v"));
	etk_json_kuint(j, "lines", c->ne);
	etk_json_kuint(j, "lines_in_file", c->journal_lines);
	etk_json_kstr(j, "genesis_sha256", c->genesis);
	etk_json_kstr(j, "head_sha256", c->head);
	etk_json_key(j, "clock");
	etk_json_value(j, mf_obj(g->v, "clock"));
	etk_json_obj_end(j);
}

static void
keys_part(struct etk_json *j, const struct mf_case *c)
{
	const struct etk_jval *k;
	size_t i;

	etk_json_key(j, "keys");
	etk_json_arr_begin(j);
	for (i = 0; i < c->nkeys; i++) {
		k = c->keys[i].v;
		etk_json_obj_begin(j);
		etk_json_kstr(j, "id", c->keys[i].id);
		mf_json_copy(j, k, "type");
		mf_json_copy(j, k, "name");
		mf_json_copy(j, k, "role");
		mf_json_copy(j, k, "org");
		mf_json_copy(j, k, "auth_ref");
		mf_json_copy(j, k, "pub_pem_sha256");
		mf_json_copy(j, k, "file");
		etk_json_kuint(j, "listed_in", c->keys[i].seq);
		etk_json_obj_end(j);
	}
	etk_json_arr_end(j);
}

static void
exhibits_part(struct etk_json *j, const struct mf_case *c)
{
	const struct mf_exhibit *x;
	const char *s;
	size_t i, k, n;

	etk_json_key(j, "exhibits");
	etk_json_arr_begin(j);
	for (i = 0; i < c->nex; i++) {
		x = &c->ex[i];
		etk_json_obj_begin(j);
		etk_json_kstr(j, "exhibit", x->name);
		n = strcspn(x->name, "/");
		etk_json_key(j, "root");
		etk_json_strn(j, x->name, n);
		etk_json_key(j, "named_by");
		etk_json_arr_begin(j);
		if (x->from & MF_X_EVIDENCE)
			etk_json_str(j, "evidence");
		if (x->from & MF_X_CUSTODY)
			etk_json_str(j, "custody");
		if (x->from & MF_X_ACQUIRED)
			etk_json_str(j, "acquisition");
		etk_json_arr_end(j);
		etk_json_kstr(j, "item", x->item);
		etk_json_key(j, "evidence");
		etk_json_arr_begin(j);
		for (k = 0; k < c->nev; k++)
			if (strcmp(c->ev[k].name, x->name) == 0 ||
			    (c->ev[k].exhibit != NULL &&
			    strcmp(c->ev[k].exhibit, x->name) == 0))
				etk_json_int(j, c->ev[k].id);
		etk_json_arr_end(j);
		etk_json_key(j, "acquisitions");
		etk_json_arr_begin(j);
		for (k = 0; k < c->nacq; k++)
			if (c->acq[k].exhibit != NULL &&
			    strcmp(c->acq[k].exhibit, x->name) == 0)
				etk_json_uint(j, c->acq[k].seq);
		etk_json_arr_end(j);
		etk_json_key(j, "custody");
		etk_json_arr_begin(j);
		for (k = 0; k < c->ne; k++)
			if ((s = mf_str(c->e[k].v, "exhibit")) != NULL &&
			    strcmp(s, x->name) == 0)
				etk_json_uint(j, c->e[k].seq);
		etk_json_arr_end(j);
		etk_json_obj_end(j);
	}
	etk_json_arr_end(j);
}

static void
evidence_part(struct etk_json *j, const struct mf_case *c)
{
	const struct mf_evidence *ev;
	const struct etk_jval *ins, *in;
	const char *p;
	size_t i, k, m;
	int done;

	etk_json_key(j, "evidence");
	etk_json_arr_begin(j);
	for (i = 0; i < c->nev; i++) {
		ev = &c->ev[i];
		etk_json_obj_begin(j);
		etk_json_kint(j, "id", ev->id);
		etk_json_kstr(j, "name", ev->name);
		etk_json_kstr(j, "path", ev->path);
		etk_json_kstr(j, "kind", ev->kind);
		etk_json_kstr(j, "exhibit", ev->exhibit);
		etk_json_key(j, "container");
		etk_json_obj_begin(j);
		etk_json_key(j, "size");
		if (ev->has_size)
			etk_json_uint(j, ev->size);
		else
			etk_json_null(j);
		etk_json_kstr(j, "sha256", ev->sha256);
		etk_json_obj_end(j);
		/* the media as the first entry that read it saw it */
		etk_json_key(j, "first_input");
		for (done = 0, k = 0; k < c->ne && !done; k++) {
			ins = mf_arr(c->e[k].v, "inputs");
			for (m = 0; ins != NULL && m < ins->n && !done; m++) {
				in = ins->items[m];
				if ((p = mf_str(in, "path")) == NULL ||
				    strcmp(p, ev->path) != 0)
					continue;
				etk_json_obj_begin(j);
				etk_json_kuint(j, "seq", c->e[k].seq);
				etk_json_key(j, "input");
				input(j, in);
				etk_json_obj_end(j);
				done = 1;
			}
		}
		if (!done)
			etk_json_null(j);
		etk_json_obj_end(j);
	}
	etk_json_arr_end(j);
}

static void
acquisitions_part(struct etk_json *j, const struct mf_case *c)
{
	const struct mf_acq *a;
	const struct etk_jval *r, *t;

	etk_json_key(j, "acquisitions");
	etk_json_arr_begin(j);
	for (size_t i = 0; i < c->nacq; i++) {
		a = &c->acq[i];
		r = a->record;
		etk_json_obj_begin(j);
		etk_json_kuint(j, "seq", a->seq);
		etk_json_kstr(j, "exhibit", a->exhibit);
		etk_json_kstr(j, "ts_start", mf_str(a->e->v, "ts_start"));
		etk_json_kstr(j, "ts", mf_str(a->e->v, "ts"));
		etk_json_key(j, "record");
		etk_json_obj_begin(j);
		etk_json_kstr(j, "path", a->record_path);
		etk_json_kstr(j, "sha256", a->record_sha256[0] != '\0' ?
		    a->record_sha256 : NULL);
		etk_json_kstr(j, "status", a->record_status);
		etk_json_obj_end(j);
		if (r != NULL) {
			mf_json_copy(j, r, "complete");
			mf_json_copy(j, r, "interrupted");
			mf_json_copy(j, r, "source");
			etk_json_key(j, "media");
			etk_json_value(j, mf_obj(r, "media"));
			t = mf_obj(r, "target");
			etk_json_key(j, "container");
			etk_json_obj_begin(j);
			mf_json_copy(j, t, "format");
			mf_json_copy(j, t, "compression");
			mf_json_copy(j, t, "segment_size");
			mf_json_copy(j, t, "files");
			etk_json_obj_end(j);
			mf_json_copy(j, r, "errors");
			etk_json_key(j, "verification");
			etk_json_value(j, mf_obj(r, "verify"));
			mf_json_copy(j, r, "piecewise");
			mf_json_copy(j, r, "inventory");
			mf_json_copy(j, r, "case_number");
			mf_json_copy(j, r, "evidence_number");
			mf_json_copy(j, r, "examiner");
			mf_json_copy(j, r, "description");
			mf_json_copy(j, r, "notes");
			mf_json_copy(j, r, "started");
			mf_json_copy(j, r, "ended");
		}
		/* as the journal has it, whatever the record says */
		etk_json_key(j, "journal_errors");
		etk_json_value(j, mf_arr(a->e->v, "errors"));
		mf_json_copy(j, a->e->v, "write_protection");
		mf_json_copy(j, a->e->v, "source");
		mf_json_copy(j, a->e->v, "verification");
		mf_json_copy(j, a->e->v, "exit");
		etk_json_obj_end(j);
	}
	etk_json_arr_end(j);
}

static void
actions_part(struct etk_json *j, const struct mf_case *c)
{
	const struct mf_entry *e;
	const struct etk_jval *tool, *ins, *outs;
	const char *actor;
	uint64_t s;
	size_t i, k;

	etk_json_key(j, "actions");
	etk_json_arr_begin(j);
	for (i = 0; i < c->ne; i++) {
		e = &c->e[i];
		if (!mf_about(c, e))
			continue;
		etk_json_obj_begin(j);
		etk_json_kuint(j, "seq", e->seq);
		etk_json_kstr(j, "type", e->type);
		etk_json_kstr(j, "ts_start", mf_str(e->v, "ts_start"));
		etk_json_kstr(j, "ts", mf_str(e->v, "ts"));
		actor = mf_str(e->v, "actor");
		etk_json_kstr(j, "actor", actor);
		key_name(j, c, "actor_name", actor);
		etk_json_kstr(j, "line_sha256", e->hash);
		if ((tool = mf_obj(e->v, "tool")) != NULL) {
			etk_json_key(j, "tool");
			etk_json_obj_begin(j);
			mf_json_copy(j, tool, "name");
			mf_json_copy(j, tool, "version");
			mf_json_copy(j, tool, "commit");
			mf_json_copy(j, tool, "libs");
			mf_json_copy(j, tool, "argv");
			mf_json_copy(j, tool, "config_sha256");
			mf_json_copy(j, tool, "validation_ref");
			etk_json_obj_end(j);
		}
		mf_json_copy(j, e->v, "scope");
		mf_json_copy(j, e->v, "search");
		mf_json_copy(j, e->v, "authority");
		mf_json_copy(j, e->v, "reason");
		if ((ins = mf_arr(e->v, "inputs")) != NULL) {
			etk_json_key(j, "inputs");
			etk_json_arr_begin(j);
			for (k = 0; k < ins->n; k++)
				input(j, ins->items[k]);
			etk_json_arr_end(j);
		}
		if ((outs = mf_arr(e->v, "outputs")) != NULL)
			etk_json_kuint(j, "outputs", outs->n);
		mf_json_copy(j, e->v, "errors");
		mf_json_copy(j, e->v, "errors_omitted");
		if (mf_obj(e->v, "summary") != NULL) {
			etk_json_key(j, "summary");
			etk_json_value(j, mf_arr(mf_obj(e->v, "summary"),
			    "items"));
		}
		mf_json_copy(j, e->v, "exit");
		mf_json_copy(j, e->v, "note");
		mf_json_copy(j, e->v, "corrects");
		s = sealed_by(c, e->seq);
		etk_json_key(j, "sealed_by");
		if (s != 0)
			etk_json_uint(j, s);
		else
			etk_json_null(j);
		etk_json_obj_end(j);
	}
	etk_json_arr_end(j);
}

static void
derived_part(struct etk_json *j, const struct mf_case *c)
{
	const struct etk_jval *outs, *o, *df;
	const struct mf_evidence *ev;
	size_t i, k;

	etk_json_key(j, "derived");
	etk_json_arr_begin(j);
	for (i = 0; i < c->ne; i++) {
		if (!mf_about(c, &c->e[i]) ||
		    (outs = mf_arr(c->e[i].v, "outputs")) == NULL)
			continue;
		for (k = 0; k < outs->n; k++) {
			o = outs->items[k];
			df = mf_obj(o, "derived_from");
			etk_json_obj_begin(j);
			etk_json_kuint(j, "seq", c->e[i].seq);
			etk_json_kuint(j, "index", k);
			mf_json_copy(j, o, "exhibit");
			mf_json_copy(j, o, "path");
			mf_json_copy(j, o, "sha256");
			mf_json_copy(j, o, "size");
			ev = df != NULL ? mf_locator_evidence(c, &c->e[i],
			    mf_str(df, "locator")) : NULL;
			etk_json_kstr(j, "evidence", ev != NULL ? ev->name :
			    NULL);
			etk_json_key(j, "derived_from");
			etk_json_value(j, df);
			etk_json_obj_end(j);
		}
	}
	etk_json_arr_end(j);
}

static void
opt_time(struct etk_json *j, const char *k, const char *v)
{
	if (v != NULL)
		etk_json_kstr(j, k, v);
}

static void
records_part(struct etk_json *j, const struct mf_case *c)
{
	const struct mf_evidence *ev;
	const struct mf_file *f;
	const struct mf_hashrow *h;
	const struct mf_carved *cv;
	size_t i, k;

	etk_json_key(j, "records");
	etk_json_obj_begin(j);
	etk_json_key(j, "files");
	etk_json_arr_begin(j);
	for (i = 0; i < c->nfiles; i++) {
		f = &c->files[i];
		ev = mf_evidence_by_id(c, f->evidence_id);
		etk_json_obj_begin(j);
		etk_json_kstr(j, "evidence", ev != NULL ? ev->name : NULL);
		etk_json_kstr(j, "locator", f->locator);
		etk_json_key(j, "actions");
		etk_json_arr_begin(j);
		for (k = 0; k < f->nactions; k++)
			etk_json_uint(j, f->actions[k]);
		etk_json_arr_end(j);
		if (f->has_volume)
			etk_json_kint(j, "volume", f->volume);
		kstr_opt(j, "fs_type", f->fs_type);
		if (f->has_inode)
			etk_json_kuint(j, "inode", f->inode);
		etk_json_kstr(j, "path", f->path);
		etk_json_kuint(j, "size", f->size);
		etk_json_kbool(j, "allocated", f->allocated);
		etk_json_kbool(j, "deleted", f->deleted);
		kstr_opt(j, "type", f->type);
		kstr_opt(j, "mime", f->mime);
		opt_time(j, "mtime", f->mtime);
		opt_time(j, "atime", f->atime);
		opt_time(j, "ctime", f->ctime);
		opt_time(j, "crtime", f->crtime);
		kstr_opt(j, "md5", f->md5);
		kstr_opt(j, "sha1", f->sha1);
		kstr_opt(j, "sha256", f->sha256);
		etk_json_obj_end(j);
	}
	etk_json_arr_end(j);
	etk_json_key(j, "hashes");
	etk_json_arr_begin(j);
	for (i = 0; i < c->nhashes; i++) {
		h = &c->hashes[i];
		etk_json_obj_begin(j);
		etk_json_kuint(j, "action", h->action);
		etk_json_kstr(j, "locator", h->locator);
		if (h->has_size)
			etk_json_kuint(j, "size", h->size);
		kstr_opt(j, "md5", h->md5);
		kstr_opt(j, "sha1", h->sha1);
		kstr_opt(j, "sha256", h->sha256);
		kstr_opt(j, "known", h->known);
		kstr_opt(j, "alert", h->alert);
		etk_json_obj_end(j);
	}
	etk_json_arr_end(j);
	etk_json_key(j, "carved");
	etk_json_arr_begin(j);
	for (i = 0; i < c->ncarved; i++) {
		cv = &c->carved[i];
		ev = mf_evidence_by_id(c, cv->evidence_id);
		etk_json_obj_begin(j);
		etk_json_kuint(j, "action", cv->action);
		etk_json_kstr(j, "evidence", ev != NULL ? ev->name : NULL);
		etk_json_kstr(j, "locator", cv->locator);
		etk_json_kuint(j, "offset", cv->offset);
		etk_json_kuint(j, "length", cv->length);
		etk_json_key(j, "byte_runs");
		etk_json_arr_begin(j);
		for (k = 0; k < cv->nruns; k++) {
			etk_json_obj_begin(j);
			etk_json_kuint(j, "img_offset", cv->runs[k].off);
			etk_json_kuint(j, "len", cv->runs[k].len);
			etk_json_obj_end(j);
		}
		etk_json_arr_end(j);
		kstr_opt(j, "type", cv->type);
		kstr_opt(j, "ext", cv->ext);
		etk_json_kbool(j, "validated", cv->validated);
		etk_json_kbool(j, "complete", cv->complete);
		kstr_opt(j, "sha256", cv->sha256);
		kstr_opt(j, "path", cv->path);
		if (cv->out_index >= 0)
			etk_json_kint(j, "output_index", cv->out_index);
		etk_json_obj_end(j);
	}
	etk_json_arr_end(j);
	etk_json_obj_end(j);
}

static void
custody_part(struct etk_json *j, const struct mf_case *c)
{
	const struct mf_entry *e;
	uint64_t s;
	int b;
	size_t i;

	etk_json_key(j, "handovers");
	etk_json_arr_begin(j);
	for (i = 0; i < c->ne; i++) {
		e = &c->e[i];
		if (strcmp(e->type, "transfer") != 0 || !mf_about(c, e))
			continue;
		etk_json_obj_begin(j);
		etk_json_kuint(j, "seq", e->seq);
		etk_json_kstr(j, "ts", mf_str(e->v, "ts"));
		etk_json_kstr(j, "exhibit", mf_str(e->v, "exhibit"));
		etk_json_kstr(j, "item", mf_str(e->v, "item"));
		party(j, c, "from", mf_obj(e->v, "from"));
		party(j, c, "to", mf_obj(e->v, "to"));
		etk_json_kstr(j, "location", mf_str(e->v, "location"));
		etk_json_kstr(j, "reason", mf_str(e->v, "reason"));
		etk_json_kstr(j, "authority", mf_str(e->v, "authority"));
		etk_json_kstr(j, "bag_seal", mf_str(e->v, "bag_seal"));
		etk_json_key(j, "bag_seal_intact");
		if ((b = mf_bool(e->v, "bag_seal_intact")) >= 0)
			etk_json_bool(j, b);
		else
			etk_json_null(j);
		etk_json_kstr(j, "new_bag_seal", mf_str(e->v, "new_bag_seal"));
		etk_json_kstr(j, "note", mf_str(e->v, "note"));
		s = sealed_by(c, e->seq + 1);
		etk_json_key(j, "sealed_by");
		if (s != 0)
			etk_json_uint(j, s);
		else
			etk_json_null(j);
		etk_json_obj_end(j);
	}
	etk_json_arr_end(j);

	etk_json_key(j, "custody_events");
	etk_json_arr_begin(j);
	for (i = 0; i < c->ne; i++) {
		e = &c->e[i];
		if (strcmp(e->type, "transfer") == 0 || !mf_about(c, e) ||
		    (!is_custody_type(e->type) &&
		    mf_get(e->v, "exhibit") == NULL))
			continue;
		etk_json_obj_begin(j);
		etk_json_kuint(j, "seq", e->seq);
		etk_json_kstr(j, "type", e->type);
		etk_json_kstr(j, "ts", mf_str(e->v, "ts"));
		etk_json_kstr(j, "actor", mf_str(e->v, "actor"));
		key_name(j, c, "actor_name", mf_str(e->v, "actor"));
		mf_json_copy(j, e->v, "exhibit");
		mf_json_copy(j, e->v, "item");
		if (mf_obj(e->v, "from") != NULL)
			party(j, c, "from", mf_obj(e->v, "from"));
		if (mf_obj(e->v, "to") != NULL)
			party(j, c, "to", mf_obj(e->v, "to"));
		mf_json_copy(j, e->v, "location");
		mf_json_copy(j, e->v, "authority");
		mf_json_copy(j, e->v, "reason");
		mf_json_copy(j, e->v, "bag_seal");
		mf_json_copy(j, e->v, "bag_seal_intact");
		mf_json_copy(j, e->v, "new_bag_seal");
		mf_json_copy(j, e->v, "note");
		etk_json_obj_end(j);
	}
	etk_json_arr_end(j);
}

static void
seals_part(struct etk_json *j, const struct mf_case *c)
{
	const struct mf_entry *e;
	const struct etk_jval *signers;
	const char *id;
	size_t i, k;

	etk_json_key(j, "seals");
	etk_json_arr_begin(j);
	for (i = 0; i < c->ne; i++) {
		e = &c->e[i];
		if (strcmp(e->type, "seal") != 0)
			continue;
		etk_json_obj_begin(j);
		etk_json_kuint(j, "seq", e->seq);
		etk_json_kstr(j, "ts", mf_str(e->v, "ts"));
		etk_json_kstr(j, "line_sha256", e->hash);
		etk_json_key(j, "signers");
		etk_json_arr_begin(j);
		signers = mf_arr(e->v, "signers");
		for (k = 0; signers != NULL && k < signers->n; k++) {
			if (signers->items[k]->type != ETK_JSTR)
				continue;
			id = signers->items[k]->str;
			etk_json_obj_begin(j);
			etk_json_kstr(j, "key", id);
			key_name(j, c, "name", id);
			etk_json_obj_end(j);
		}
		etk_json_arr_end(j);
		etk_json_key(j, "sig_files");
		etk_json_value(j, mf_arr(e->v, "sig_files"));
		etk_json_kstr(j, "tsr", mf_str(e->v, "tsr"));
		mf_json_copy(j, e->v, "covers");
		mf_json_copy(j, e->v, "note");
		etk_json_obj_end(j);
	}
	etk_json_arr_end(j);
}

int
mf_emit_json(const struct mf_case *c, struct etk_buf *out,
    struct etk_error *err)
{
	struct etk_json j;

	(void)err;
	etk_json_init(&j, out);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "format", MF_FORMAT);
	etk_json_key(&j, "generator");
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "name", "etk");
	etk_json_kstr(&j, "version", etk_version());
	etk_json_obj_end(&j);
	etk_json_kstr(&j, "exhibit", c->only);	/* null: the whole case */
	case_part(&j, c);
	keys_part(&j, c);
	exhibits_part(&j, c);
	evidence_part(&j, c);
	acquisitions_part(&j, c);
	actions_part(&j, c);
	derived_part(&j, c);
	records_part(&j, c);
	custody_part(&j, c);
	seals_part(&j, c);
	etk_json_key(&j, "head");
	etk_json_obj_begin(&j);
	etk_json_kuint(&j, "lines", c->ne);
	etk_json_kstr(&j, "sha256", c->head);
	etk_json_obj_end(&j);
	etk_json_obj_end(&j);
	etk_buf_addc(out, '\n');
	return ETK_OK;
}
