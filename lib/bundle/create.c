/*
 * etk_bundle_create: a disclosure bundle of an open case (etk-bundle(5),
 * CUSTODY.md §6b).  The journal is sealed first when its last line is
 * not a seal; the bundle covers lines 1..N (N a seal) and the database
 * rows of those actions, so its bytes depend only on the case and the
 * options, never on the clock, the host, the locale or TZ.  It is built
 * in OUT.tmp-XXXXXX and renamed; then OUT.tar is written beside it and
 * the journal gets an "export" entry and a seal.
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/custody_int.h"
#include "bundle_int.h"

static const char *const count_names[10] = {
	"messages", "calls", "contacts", "images", "carved", "files",
	"pole_entities", "pole_links", "exported_files", "redactions"
};

int
etk_bundle_kinds_parse(const char *list, unsigned *mask,
    struct etk_error *err)
{
	static const struct { const char *name; unsigned bit; } k[] = {
		{ "messages", ETK_BK_MESSAGES }, { "calls", ETK_BK_CALLS },
		{ "contacts", ETK_BK_CONTACTS }, { "images", ETK_BK_IMAGES },
		{ "carved", ETK_BK_CARVED }, { "files", ETK_BK_FILES },
		{ "pole", ETK_BK_POLE }, { "default", ETK_BK_DEFAULT },
		{ "all", ETK_BK_DEFAULT | ETK_BK_FILES },
	};
	const char *p = list, *e;
	unsigned m = 0;
	size_t n, i;

	if (list == NULL || mask == NULL || *list == '\0')
		return etk_fail(err, ETK_EINVAL, 0, "no kinds given");
	while (*p != '\0') {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
			if (strlen(k[i].name) == n &&
			    strncmp(k[i].name, p, n) == 0)
				break;
		if (i == sizeof(k) / sizeof(k[0]))
			return etk_fail(err, ETK_EINVAL, 0, "unknown kind "
			    "'%.*s' (messages, calls, contacts, images, carved,"
			    " files, pole, default, all)", (int)n, p);
		m |= k[i].bit;
		p += n;
		if (*p == ',')
			p++;
	}
	*mask = m;
	return ETK_OK;
}

static int
open_db(const char *casedir, sqlite3 **db, struct etk_error *err)
{
	char *path = bjoin(casedir, "etk.db");
	int rc = ETK_OK;

	if (path == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	/* a second, read-only connection: nothing in the case changes */
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		rc = etk_fail(err, ETK_EIO, 0, "%s: %s", path, *db != NULL ?
		    sqlite3_errmsg(*db) : "cannot open");
		sqlite3_close(*db);
		*db = NULL;
	} else
		sqlite3_busy_timeout(*db, 30000);
	free(path);
	return rc;
}

static void
add_alias_list(struct etk_redactor *rd, size_t rule, int kind,
    const char *json)
{
	struct etk_jval *v = NULL;
	size_t i;

	if (json == NULL || etk_json_parse(json, strlen(json), &v, NULL) !=
	    ETK_OK)
		return;
	for (i = 0; v->type == ETK_JARR && i < v->n; i++)
		if (v->items[i]->type == ETK_JSTR && v->items[i]->slen > 0)
			(void)etk_redactor_add_alias(rd, rule, kind,
			    v->items[i]->str, NULL);
	etk_jval_free(v);
}

static int
list_rule(const struct etk_redactor *rd, const char *json)
{
	struct etk_jval *v = NULL;
	size_t i;
	int r = -1;

	if (json == NULL || etk_json_parse(json, strlen(json), &v, NULL) !=
	    ETK_OK)
		return -1;
	for (i = 0; r < 0 && v->type == ETK_JARR && i < v->n; i++)
		if (v->items[i]->type == ETK_JSTR)
			r = etk_redact_party_of(rd, v->items[i]->str);
	etk_jval_free(v);
	return r;
}

/* For each row (identifier, name) whose identifier is a party's, the name
 * is an alias of that party. */
static void
alias_names(sqlite3 *db, struct etk_redactor *rd, const char *sql)
{
	const char *id, *name;
	sqlite3_stmt *st;
	int r;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		id = (const char *)sqlite3_column_text(st, 0);
		name = (const char *)sqlite3_column_text(st, 1);
		if (id != NULL && name != NULL && *name != '\0' &&
		    (r = etk_redact_party_of(rd, id)) >= 0)
			(void)etk_redactor_add_alias(rd, (size_t)r, 'n', name,
			    NULL);
	}
	sqlite3_finalize(st);
}

int
etk_bundle_expand_parties(struct etk_case *kase, struct etk_redactor *rd,
    struct etk_error *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const char *name, *nums, *mails;
	int rc, r;

	if (kase == NULL || rd == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "no case or redactor");
	if ((rc = open_db(etk_case_dir(kase), &db, err)) != ETK_OK)
		return rc;
	/* a contact holding a party's number or email: its name, other
	 * numbers and emails are the party's too */
	if (sqlite3_prepare_v2(db, "SELECT name, numbers, emails FROM contacts"
	    " ORDER BY id", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			name = (const char *)sqlite3_column_text(st, 0);
			nums = (const char *)sqlite3_column_text(st, 1);
			mails = (const char *)sqlite3_column_text(st, 2);
			if ((r = list_rule(rd, nums)) < 0 &&
			    (r = list_rule(rd, mails)) < 0)
				continue;
			if (name != NULL && *name != '\0')
				(void)etk_redactor_add_alias(rd, (size_t)r,
				    'n', name, NULL);
			add_alias_list(rd, (size_t)r, 'p', nums);
			add_alias_list(rd, (size_t)r, 'e', mails);
		}
		sqlite3_finalize(st);
	}
	/* a call from a party's number names them; so does a POLE entity
	 * whose value is the party's (its display name) */
	alias_names(db, rd, "SELECT number, name FROM calls ORDER BY id");
	alias_names(db, rd, "SELECT value, display FROM pole_entities "
	    "ORDER BY id");
	sqlite3_close(db);
	return ETK_OK;
}

/* ---- journal ---- */

static void
free_lines(struct bctx *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->lines[i]);
	free(c->lines);
	free(c->lens);
	c->lines = NULL;
	c->lens = NULL;
}

/* Read lines 1..upto (0: all) of the journal; *total = lines in it. */
static int
read_journal(struct bctx *c, uint64_t upto, uint64_t *total)
{
	char *path, *data = NULL, *p, *e;
	size_t len = 0, cap = 0;
	uint64_t n = 0;
	int rc;

	free_lines(c);
	c->n = 0;
	if ((path = bjoin(c->casedir, "journal.jsonl")) == NULL)
		return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	rc = etk_cust_read_file(path, (size_t)1 << 34, &data, &len, c->err);
	free(path);
	if (rc != ETK_OK)
		return rc;
	for (p = data; p < data + len; p = e + 1) {
		if ((e = memchr(p, '\n', (size_t)(data + len - p))) == NULL) {
			rc = etk_fail(c->err, ETK_EFORMAT, 0, "journal.jsonl: "
			    "line %llu has no newline", (unsigned long long)
			    (n + 1));
			break;
		}
		n++;
		if (upto != 0 && n > upto)
			continue;
		if (c->n == cap) {
			char **nl;
			size_t *ns;

			cap = cap ? cap * 2 : 64;
			nl = realloc(c->lines, cap * sizeof(*nl));
			if (nl != NULL)
				c->lines = nl;
			ns = realloc(c->lens, cap * sizeof(*ns));
			if (ns != NULL)
				c->lens = ns;
			if (nl == NULL || ns == NULL) {
				rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of "
				    "memory");
				break;
			}
		}
		if ((c->lines[c->n] = strndup(p, (size_t)(e - p + 1))) ==
		    NULL) {
			rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
			break;
		}
		c->lens[c->n++] = (size_t)(e - p + 1);
	}
	free(data);
	*total = n;
	return rc;
}

static int
line_json(struct bctx *c, uint64_t seq, struct etk_jval **doc)
{
	if (seq == 0 || seq > c->n)
		return etk_fail(c->err, ETK_EINVAL, 0, "no journal line %llu",
		    (unsigned long long)seq);
	return etk_json_parse(c->lines[seq - 1], c->lens[seq - 1] - 1, doc,
	    c->err);
}

static int
resolve_upto(struct bctx *c)
{
	struct etk_jval *doc = NULL;
	const char *type, *ts;
	uint64_t total, seq;
	int rc;

	if ((rc = read_journal(c, 0, &total)) != ETK_OK)
		return rc;
	if (total == 0)
		return etk_fail(c->err, ETK_EFORMAT, 0, "the journal is empty");
	if (c->o->upto == 0) {
		if ((rc = line_json(c, total, &doc)) != ETK_OK)
			return rc;
		type = etk_jval_str(doc, "type");
		if (type == NULL || strcmp(type, "seal") != 0) {
			etk_jval_free(doc);
			doc = NULL;
			if ((rc = etk_case_seal(c->kase, "before disclosure",
			    &seq, c->err)) != ETK_OK)
				return etk_wrap(c->err, "sealing the journal");
			if ((rc = read_journal(c, 0, &total)) != ETK_OK)
				return rc;
		}
		etk_jval_free(doc);
		doc = NULL;
		c->n = total;
	} else {
		if (c->o->upto > total)
			return etk_fail(c->err, ETK_EINVAL, 0, "--upto %llu: "
			    "the journal has %llu lines",
			    (unsigned long long)c->o->upto,
			    (unsigned long long)total);
		if ((rc = read_journal(c, c->o->upto, &total)) != ETK_OK)
			return rc;
	}
	if ((rc = line_json(c, c->n, &doc)) != ETK_OK)
		return rc;
	type = etk_jval_str(doc, "type");
	ts = etk_jval_str(doc, "ts");
	if (type == NULL || strcmp(type, "seal") != 0) {
		etk_jval_free(doc);
		return etk_fail(c->err, ETK_EINVAL, 0, "journal line %llu is "
		    "not a seal: a bundle covers the journal up to a seal",
		    (unsigned long long)c->n);
	}
	if (ts == NULL || btime(ts, &c->created_sec, &(int32_t){ 0 }) != 0 ||
	    strlen(ts) >= sizeof(c->created)) {
		etk_jval_free(doc);
		return etk_fail(c->err, ETK_EFORMAT, 0, "journal line %llu: bad"
		    " ts", (unsigned long long)c->n);
	}
	snprintf(c->created, sizeof(c->created), "%s", ts);
	etk_jval_free(doc);
	return ETK_OK;
}

/* ---- keys, seals, manifests ---- */

static int
copy_case_file(struct bctx *c, const char *from_rel, const char *to_rel,
    int required)
{
	char *src;
	int ok, rc;

	if ((src = bjoin(c->casedir, from_rel)) == NULL)
		return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	rc = bcopyf(src, c->tmp, to_rel, NULL, &ok, NULL, c->err);
	free(src);
	if (rc == ETK_OK && !ok && required)
		rc = etk_fail(c->err, ETK_ENOTFOUND, 0, "cannot read '%s' in "
		    "the case", from_rel);
	return rc;
}

static int
rel_ok(const char *s)
{
	return s != NULL && s[0] != '/' && strstr(s, "..") == NULL &&
	    strlen(s) < 400;
}

static int
copy_keys_seals(struct bctx *c, int *any_tsr)
{
	const struct etk_jval *keys, *sigs, *f;
	struct etk_jval *doc;
	const char *type, *tsr;
	struct bset done;
	char to[512];
	size_t i, k;
	int rc = ETK_OK;

	memset(&done, 0, sizeof(done));
	*any_tsr = 0;
	for (i = 0; i < c->n && rc == ETK_OK; i++) {
		if (etk_json_parse(c->lines[i], c->lens[i] - 1, &doc, NULL) !=
		    ETK_OK)
			continue;
		keys = etk_jval_get(doc, "keys");
		for (k = 0; keys != NULL && keys->type == ETK_JARR &&
		    k < keys->n && rc == ETK_OK; k++) {
			f = etk_jval_get(keys->items[k], "file");
			if (f == NULL || f->type != ETK_JSTR || !rel_ok(f->str) ||
			    bs_has(&done, f->str))
				continue;
			if ((rc = bs_add(&done, f->str, f->slen)) != ETK_OK)
				break;
			rc = copy_case_file(c, f->str, f->str, 1);
		}
		type = etk_jval_str(doc, "type");
		if (rc == ETK_OK && type != NULL && strcmp(type, "seal") == 0) {
			sigs = etk_jval_get(doc, "sig_files");
			for (k = 0; sigs != NULL && sigs->type == ETK_JARR &&
			    k < sigs->n && rc == ETK_OK; k++) {
				if (sigs->items[k]->type != ETK_JSTR ||
				    !rel_ok(sigs->items[k]->str))
					continue;
				snprintf(to, sizeof(to), "custody/%s",
				    sigs->items[k]->str);
				rc = copy_case_file(c, sigs->items[k]->str, to,
				    1);
			}
			tsr = etk_jval_str(doc, "tsr");
			if (rc == ETK_OK && rel_ok(tsr)) {
				char *p = bjoin(c->casedir, tsr);

				if (p != NULL && access(p, R_OK) == 0) {
					snprintf(to, sizeof(to), "custody/%s",
					    tsr);
					rc = copy_case_file(c, tsr, to, 1);
					*any_tsr = 1;
				}
				free(p);
			}
		}
		etk_jval_free(doc);
	}
	bs_free(&done);
	return rc;
}

static int
keys_txt(struct bctx *c)
{
	struct bset files, dirs;
	struct etk_buf b;
	char id[ETK_KEYID_MAX], *p;
	EVP_PKEY *pk;
	size_t i, n;
	int rc;

	memset(&files, 0, sizeof(files));
	memset(&dirs, 0, sizeof(dirs));
	etk_buf_init(&b);
	if ((rc = btar_list(c->tmp, &files, &dirs, c->err)) != ETK_OK)
		goto out;
	for (i = 0; i < files.n; i++) {
		n = strlen(files.v[i]);
		if (strncmp(files.v[i], "keys/", 5) != 0 || n < 13 ||
		    strcmp(files.v[i] + n - 8, ".pub.pem") != 0)
			continue;
		if ((p = bjoin(c->tmp, files.v[i])) == NULL) {
			rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
			goto out;
		}
		pk = NULL;
		rc = etk_cust_key_read_public(p, &pk, c->err);
		free(p);
		if (rc == ETK_OK)
			rc = etk_cust_key_id(pk, id, c->err);
		EVP_PKEY_free(pk);
		if (rc != ETK_OK)
			goto out;
		etk_buf_printf(&b, "%s  %s\n", id + 7, files.v[i]);
	}
	rc = bwrite(c->tmp, "keys/KEYS.txt", b.data ? b.data : "", b.len, 0,
	    NULL, c->err);
out:
	etk_buf_release(&b);
	bs_free(&files);
	bs_free(&dirs);
	return rc;
}

/* A manifest text into the bundle, with spellings replaced. */
static int
put_text(struct bctx *c, const char *rel, const char *what,
    const struct etk_buf *text)
{
	struct etk_buf red;
	size_t before = c->npend;
	char sha[65], *hp;
	int rc;

	etk_buf_init(&red);
	rc = bred_text(c, text->data ? text->data : "", text->len, &red, rel,
	    what, "text");
	if (rc >= 0)
		rc = bwrite(c->tmp, rel, red.data ? red.data : "", red.len, 0,
		    NULL, c->err);
	if (rc == ETK_OK && c->npend > before) {
		if ((rc = bred_write_held(c, rel, text->data, text->len, sha)) ==
		    ETK_OK) {
			if (asprintf(&hp, "disclosure/%s/unredacted/%s",
			    c->bundle_id, rel) < 0)
				rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of "
				    "memory");
			else {
				rc = bred_flush(c, hp, sha);
				free(hp);
			}
		}
	}
	etk_buf_release(&red);
	return rc < 0 ? rc : ETK_OK;
}

static int
manifests(struct bctx *c)
{
	static const struct { enum etk_manifest_format f; const char *rel; }
	    m[] = {
		{ ETK_MANIFEST_JSON, "custody/manifest.json" },
		{ ETK_MANIFEST_CASE, "custody/case.jsonld" },
		{ ETK_MANIFEST_HTML, "custody/manifest.html" },
	};
	struct etk_manifest_opts mo;
	struct etk_buf b;
	char rel[512];
	size_t i;
	int rc = ETK_OK;

	etk_buf_init(&b);
	for (i = 0; i < sizeof(m) / sizeof(m[0]) && rc == ETK_OK; i++) {
		memset(&mo, 0, sizeof(mo));
		mo.upto = c->n;
		etk_buf_reset(&b);
		if ((rc = etk_manifest_build(c->casedir, m[i].f, &mo, &b,
		    c->err)) != ETK_OK) {
			etk_wrap(c->err, "%s", m[i].rel);
			break;
		}
		rc = put_text(c, m[i].rel, "custody manifest", &b);
	}
	for (i = 0; i < c->nex && rc == ETK_OK; i++) {
		memset(&mo, 0, sizeof(mo));
		mo.upto = c->n;
		mo.exhibit = c->ex[i].name;
		etk_buf_reset(&b);
		snprintf(rel, sizeof(rel), "custody/dfxml/%s.dfxml",
		    c->ex[i].dir);
		if ((rc = etk_manifest_build(c->casedir, ETK_MANIFEST_DFXML,
		    &mo, &b, c->err)) != ETK_OK) {
			etk_wrap(c->err, "%s", rel);
			break;
		}
		rc = put_text(c, rel, "dfxml", &b);
	}
	etk_buf_release(&b);
	return rc;
}

/* ---- MANIFEST.json, README.txt ---- */

static void
kstr_or_null(struct etk_json *j, const char *k, const char *v)
{
	etk_json_kstr(j, k, v);
}

static int
manifest_json(struct bctx *c, const char *head, const char *locs_sha,
    int timestamped, struct etk_buf *out)
{
	const struct etk_bundle_select *s = &c->o->sel;
	const struct etk_jval *cv;
	const char *const *ln, *const *lv;
	struct etk_jval *gen = NULL;
	struct etk_json j;
	size_t i, nl;
	int r;

	if (line_json(c, 1, &gen) != ETK_OK)
		return c->err->code;
	cv = etk_jval_get(gen, "case");
	etk_json_init(&j, out);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "format", ETK_BUNDLE_FORMAT);
	etk_json_kstr(&j, "bundle_id", c->bundle_id);
	etk_json_key(&j, "case");
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "id", etk_case_id(c->kase));
	etk_json_kstr(&j, "examiner", etk_case_examiner(c->kase));
	kstr_or_null(&j, "agency", etk_jval_str(cv, "agency"));
	etk_json_kstr(&j, "key_id", etk_case_actor(c->kase));
	etk_json_obj_end(&j);
	etk_json_key(&j, "creator");
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "name", "etk-bundle");
	etk_json_kstr(&j, "version", etk_version());
	etk_json_key(&j, "libs");
	etk_json_obj_begin(&j);
	nl = etk_lib_version_list(&ln, &lv);
	for (i = 0; i < nl; i++)
		etk_json_kstr(&j, ln[i], lv[i]);
	etk_json_obj_end(&j);
	etk_json_obj_end(&j);
	etk_json_kstr(&j, "created", c->created);
	etk_json_key(&j, "journal");
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "path", "custody/journal.jsonl");
	etk_json_kuint(&j, "lines", c->n);
	etk_json_kstr(&j, "head_sha256", head);
	etk_json_kuint(&j, "last_seal", c->n);
	etk_json_obj_end(&j);
	etk_json_key(&j, "selection");
	etk_json_obj_begin(&j);
	etk_json_key(&j, "exhibits");
	etk_json_arr_begin(&j);
	for (i = 0; i < s->nexhibits; i++)
		etk_json_str(&j, s->exhibits[i]);
	etk_json_arr_end(&j);
	etk_json_key(&j, "kinds");
	etk_json_arr_begin(&j);
	for (i = 0; i < BK__N; i++)
		if (c->kinds & (1u << i))
			etk_json_str(&j, count_names[i]);
	if (c->kinds & ETK_BK_POLE)
		etk_json_str(&j, "pole");
	etk_json_arr_end(&j);
	etk_json_kstr(&j, "from", s->from);
	etk_json_kstr(&j, "to", s->to);
	etk_json_key(&j, "parties");
	etk_json_arr_begin(&j);
	for (i = 0; i < s->nparties; i++) {
		r = c->rd != NULL ? etk_redact_scan(c->rd, s->parties[i],
		    strlen(s->parties[i])) : -1;
		if (c->rd != NULL && r < 0 && (r = bred_raw_find(c,
		    s->parties[i], strlen(s->parties[i]), NULL, NULL)) >= 0)
			r = (int)c->spell_rule[r];
		etk_json_str(&j, r >= 0 ? bred_token(c, (size_t)r) :
		    s->parties[i]);
	}
	etk_json_arr_end(&j);
	etk_json_kstr(&j, "locators_sha256", locs_sha);
	etk_json_obj_end(&j);
	etk_json_key(&j, "exhibits");
	etk_json_arr_begin(&j);
	for (i = 0; i < c->nex; i++) {
		struct bexh *x = &c->ex[i];
		char dir[300];

		snprintf(dir, sizeof(dir), "exhibits/%s", x->dir);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "id", x->name);
		etk_json_kstr(&j, "dir", dir);
		etk_json_kstr(&j, "kind", x->kind);
		etk_json_kint(&j, "size", x->size);
		etk_json_kstr(&j, "container_sha256", x->container_sha256);
		etk_json_kstr(&j, "media_sha256", x->media_sha256);
		etk_json_kstr(&j, "stored_md5", x->stored_md5);
		etk_json_kstr(&j, "stored_sha1", x->stored_sha1);
		etk_json_obj_end(&j);
	}
	etk_json_arr_end(&j);
	etk_json_key(&j, "counts");
	etk_json_obj_begin(&j);
	for (i = 0; i < 10; i++)
		etk_json_kuint(&j, count_names[i], i == C_REDACTIONS ? c->nred :
		    c->counts[i]);
	etk_json_obj_end(&j);
	etk_json_key(&j, "redaction");
	etk_json_obj_begin(&j);
	etk_json_kuint(&j, "rules", c->rd != NULL ?
	    etk_redactor_count(c->rd) : 0);
	etk_json_kuint(&j, "records", c->nred);
	etk_json_kstr(&j, "policy", "re-rendered without values; salted "
	    "commitments");
	etk_json_obj_end(&j);
	etk_json_key(&j, "signers");
	etk_json_arr_begin(&j);
	etk_json_str(&j, etk_case_actor(c->kase));
	etk_json_arr_end(&j);
	etk_json_kbool(&j, "timestamped", timestamped);
	{
		struct etk_buf arr;

		etk_buf_init(&arr);
		etk_buf_addc(&arr, '[');
		etk_buf_add(&arr, c->missing.data, c->missing.len);
		etk_buf_addc(&arr, ']');
		etk_json_key(&j, "missing_exports");
		etk_json_raw(&j, arr.data);
		etk_buf_reset(&arr);
		etk_buf_addc(&arr, '[');
		etk_buf_add(&arr, c->withheld.data, c->withheld.len);
		etk_buf_addc(&arr, ']');
		etk_json_key(&j, "withheld_files");
		etk_json_raw(&j, arr.data);
		etk_buf_release(&arr);
	}
	etk_json_obj_end(&j);
	etk_buf_addc(out, '\n');
	etk_jval_free(gen);
	return out->oom ? etk_fail(c->err, ETK_ENOMEM, 0, "out of memory") :
	    ETK_OK;
}

static const char *
base_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s != NULL ? s + 1 : p;
}

static void
readme(struct bctx *c, const char *head, const char *sigfile,
    const char *keyfile, int timestamped, struct etk_buf *o)
{
	const char *tarname = base_of(c->o->out);
	char sealsig[128];

	snprintf(sealsig, sizeof(sealsig), "custody/seals/%06llu.%.16s.sig",
	    (unsigned long long)c->n, etk_case_actor(c->kase) + 7);
	etk_buf_printf(o,
	    "DISCLOSURE BUNDLE %s\n\n"
	    "Case:      %s\n"
	    "Examiner:  %s\n"
	    "Created:   %s (the time of journal line %llu, the seal this "
	    "bundle covers)\n"
	    "Journal:   custody/journal.jsonl, lines 1-%llu, SHA-256 of line "
	    "%llu:\n           %s\n"
	    "Made by:   etk-bundle %s (format %s)\n\n"
	    "This directory (and %s.tar, a POSIX tar of it) holds the records,"
	    "\nfiles and custody record disclosed from the case.  Nothing in "
	    "it may be\nchanged: a correction is a new bundle with a higher "
	    "version number.\nRedacted values are shown as [REDACTED-..] "
	    "tokens; redaction/redactions.jsonl\nlists each one with its "
	    "reason and a salted commitment to the value.\n\n"
	    "SIGNER KEY IDS (confirm them against the statement served with "
	    "this bundle)\n  %s  %s (examiner)\n\n",
	    c->bundle_id, etk_case_id(c->kase), etk_case_examiner(c->kase),
	    c->created, (unsigned long long)c->n, (unsigned long long)c->n,
	    (unsigned long long)c->n, head, etk_version(), ETK_BUNDLE_FORMAT,
	    tarname, etk_case_actor(c->kase), keyfile);
	etk_buf_printf(o,
	    "VERIFICATION (POSIX sh, coreutils, tar and OpenSSL 3 only; "
	    "VERIFY.sh runs\nthem all; `etk bundle verify` does the same)\n\n"
	    "1. Archive against the value given out of band:\n"
	    "     sha256sum -c %s.tar.sha256\n"
	    "2. Safe names, then extract:\n"
	    "     tar -tf %s.tar | grep -E '^/|(^|/)\\.\\.(/|$)'   "
	    "(prints nothing)\n"
	    "     mkdir x && tar -xf %s.tar -C x && cd x\n"
	    "3. Keys: for each keys/*.pub.pem, compare with keys/KEYS.txt and "
	    "the statement:\n"
	    "     openssl pkey -pubin -in %s -outform DER | sha256sum\n",
	    tarname, tarname, tarname, keyfile);
	if (strstr(sigfile, "ed25519") != NULL)
		etk_buf_printf(o, "4. Signature over SHA256SUMS:\n"
		    "     openssl pkeyutl -verify -rawin -pubin -inkey %s -in "
		    "SHA256SUMS -sigfile %s\n", keyfile, sigfile);
	else
		etk_buf_printf(o, "4. Signature over SHA256SUMS:\n"
		    "     openssl dgst -sha256 -verify %s -signature %s "
		    "SHA256SUMS\n", keyfile, sigfile);
	etk_buf_printf(o,
	    "5. Trusted time%s:\n"
	    "     openssl ts -verify -data SHA256SUMS -in SHA256SUMS.tsr "
	    "-CAfile keys/tsa-chain.pem\n"
	    "     openssl ts -reply -in SHA256SUMS.tsr -text | grep 'Time "
	    "stamp'\n"
	    "   (once the TSA certificate has expired, add -attime with the "
	    "token's time\n"
	    "   as seconds since 1970, e.g. -attime $(date -d 'TIME' +%%s): "
	    "the token\n"
	    "   was made while the certificate was valid)\n"
	    "6. Every file matches:\n"
	    "     sha256sum --strict -c SHA256SUMS\n"
	    "7. Nothing unlisted or missing:\n"
	    "     find . -type f ! -name 'SHA256SUMS*' | sed 's|^\\./||' | "
	    "LC_ALL=C sort > ../have\n"
	    "     cut -c67- SHA256SUMS | LC_ALL=C sort > ../listed; diff "
	    "../have ../listed\n"
	    "8. Journal chain: line i's prev is the SHA-256 of line i-1 "
	    "(with its newline):\n"
	    "     i=2; while [ $i -le %llu ]; do p=$(sed -n \"$((i-1))p\" "
	    "custody/journal.jsonl | sha256sum | cut -c1-64);\n"
	    "       sed -n \"${i}p\" custody/journal.jsonl | grep -q "
	    "\"\\\"seq\\\":$i,\\\"prev\\\":\\\"$p\\\"\" || echo \"broken at "
	    "$i\"; i=$((i+1)); done\n"
	    "9. Journal seals (each seal line S, each of its sig_files):\n"
	    "     head -n %llu custody/journal.jsonl > ../p\n",
	    timestamped ? "" : " (no SHA256SUMS.tsr in this bundle: skip)",
	    (unsigned long long)c->n, (unsigned long long)c->n);
	if (strstr(sigfile, "ed25519") != NULL)
		etk_buf_printf(o, "     openssl pkeyutl -verify -rawin -pubin "
		    "-inkey %s -in ../p -sigfile %s\n", keyfile, sealsig);
	else
		etk_buf_printf(o, "     openssl dgst -sha256 -verify %s "
		    "-signature %s ../p\n", keyfile, sealsig);
	etk_buf_printf(o,
	    "10. Cross-checks: MANIFEST.json counts equal the lines of "
	    "exhibits/*/reports/*.jsonl;\n"
	    "    each file under exhibits/*/extracted and carved has its "
	    "SHA-256 among the\n    journal's outputs[].sha256 (unless "
	    "redaction/redactions.jsonl names it as\n    re-rendered); the "
	    "exhibit hashes in MANIFEST.json equal those in the journal\n"
	    "    and custody/manifest.json; ewfverify -d sha256 on a provided "
	    "image gives\n    its media_sha256.\n"
	    "11. Redactions: each line of redaction/redactions.jsonl has a "
	    "category, basis,\n    decider and commitment.  On a court's "
	    "order the lab gives SALT and VALUE:\n"
	    "     printf '%%s%%s' SALT VALUE | sha256sum    (equals the "
	    "commitment)\n");
}

/* ---- cleanup ---- */

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP || flag == FTW_D)
		rmdir(p);
	else
		unlink(p);
	return 0;
}

static void
rm_tree(const char *p)
{
	if (p != NULL)
		nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
ctx_free(struct bctx *c)
{
	size_t i;

	if (c->db != NULL)
		sqlite3_close(c->db);
	etk_redactor_free(c->selp);
	bs_free(&c->locs);
	bs_free(&c->sel);
	for (i = 0; i < c->nex; i++) {
		free(c->ex[i].name);
		free(c->ex[i].dir);
		free(c->ex[i].kind);
		free(c->ex[i].container_sha256);
		free(c->ex[i].media_sha256);
		free(c->ex[i].stored_md5);
		free(c->ex[i].stored_sha1);
		free(c->ex[i].path);
	}
	free(c->ex);
	free_lines(c);
	for (i = 0; i < c->npend; i++) {
		free(c->pend[i].item);
		free(c->pend[i].source_item);
		free(c->pend[i].field);
		free(c->pend[i].value);
		free(c->pend[i].held_path);
	}
	free(c->pend);
	etk_buf_release(&c->redactions);
	etk_buf_release(&c->salts);
	etk_buf_release(&c->missing);
	etk_buf_release(&c->withheld);
	free(c->tmp);
	free(c->disc);
	free(c->disc_final);
	bred_spellings_free(c);
}

static int
load_locators(struct bctx *c, char locs_sha[65])
{
	struct etk_jval *v;
	const char *s;
	char *data = NULL, *p, *e;
	size_t len = 0;
	uint64_t sz;
	int rc;

	if ((rc = etk_file_sha256(c->o->sel.locators_file, locs_sha, &sz,
	    c->err)) != ETK_OK || (rc = etk_cust_read_file(
	    c->o->sel.locators_file, (size_t)1 << 30, &data, &len, c->err)) !=
	    ETK_OK)
		return etk_wrap(c->err, "--locators");
	for (p = data; p < data + len; p = e + 1) {
		if ((e = memchr(p, '\n', (size_t)(data + len - p))) == NULL)
			e = data + len;
		*e = '\0';
		if (e > p && e[-1] == '\r')
			e[-1] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (*p == '{') {
			if (etk_json_parse(p, strlen(p), &v, NULL) != ETK_OK)
				continue;
			s = etk_jval_str(v, "locator");
			if (s == NULL)
				s = etk_jval_str(v, "source");
			rc = s != NULL ? bs_add(&c->locs, s, strlen(s)) : ETK_OK;
			etk_jval_free(v);
		} else
			rc = bs_add(&c->locs, p, strlen(p));
		if (rc != ETK_OK)
			break;
	}
	free(data);
	bs_sort(&c->locs);
	c->have_locs = 1;
	return rc == ETK_OK ? ETK_OK : etk_fail(c->err, rc, 0, "out of memory");
}

/* The safety net: no file of OUT may hold a redacted spelling. */
static int
safety_net(struct bctx *c)
{
	struct bset files, dirs;
	char *p;
	size_t i;
	int rc, rule;

	if (c->rd == NULL)
		return ETK_OK;
	memset(&files, 0, sizeof(files));
	memset(&dirs, 0, sizeof(dirs));
	if ((rc = btar_list(c->tmp, &files, &dirs, c->err)) == ETK_OK)
		for (i = 0; i < files.n && rc == ETK_OK; i++) {
			if ((p = bjoin(c->tmp, files.v[i])) == NULL) {
				rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of "
				    "memory");
				break;
			}
			rule = -1;
			rc = etk_redact_scan_file(c->rd, p, &rule, c->err);
			if (rc == ETK_OK && rule < 0)
				rule = bred_raw_file(c, p, NULL);
			free(p);
			if (rc == ETK_OK && rule >= 0)
				rc = etk_fail(c->err, ETK_EFORMAT, 0, "redaction"
				    " safety net: '%s' still holds a value of %s;"
				    " no bundle was made", files.v[i],
				    bred_token(c, (size_t)rule));
		}
	bs_free(&files);
	bs_free(&dirs);
	return rc;
}

static int
sign_sums(struct bctx *c, const struct etk_buf *sums, char *sigfile,
    size_t len)
{
	unsigned char *sig = NULL;
	size_t siglen = 0;
	EVP_PKEY *pk = NULL;
	const char *type;
	char *kp;
	int rc;

	if ((kp = bjoin(c->casedir, "keys/examiner.key")) == NULL)
		return etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	rc = etk_cust_key_read_private(kp, &pk, c->err);
	free(kp);
	if (rc != ETK_OK)
		return etk_wrap(c->err, "examiner key");
	type = etk_cust_key_type(pk);
	if (type == NULL) {
		EVP_PKEY_free(pk);
		return etk_fail(c->err, ETK_EUNSUPP, 0, "examiner key: not "
		    "Ed25519 or P-256");
	}
	snprintf(sigfile, len, "SHA256SUMS.%s.sig", type);
	if ((rc = etk_cust_sign(pk, sums->data, sums->len, &sig, &siglen,
	    c->err)) == ETK_OK)
		rc = bwrite(c->tmp, sigfile, sig, siglen, 0, NULL, c->err);
	free(sig);
	EVP_PKEY_free(pk);
	return rc;
}

static int
exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static int
export_entry(struct bctx *c, const char *tarp, const char *tar_sha,
    uint64_t tar_size, const char *sums_sha, uint64_t nfiles, uint64_t *seq)
{
	const char *const *ln, *const *lv;
	char salt[65], commit[65], id[32], w[96];
	struct etk_buf b;
	struct etk_json j;
	size_t i, nl;
	int rc = ETK_OK;

	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_key(&j, "tool");
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "name", "etk-bundle");
	etk_json_kstr(&j, "version", etk_version());
	etk_json_key(&j, "libs");
	etk_json_obj_begin(&j);
	nl = etk_lib_version_list(&ln, &lv);
	for (i = 0; i < nl; i++)
		etk_json_kstr(&j, ln[i], lv[i]);
	etk_json_obj_end(&j);
	etk_json_key(&j, "argv");
	etk_json_arr_begin(&j);
	for (i = 0; c->o->argv != NULL && i < (size_t)c->o->argc; i++) {
		const char *a = c->o->argv[i];

		if (a == NULL)
			continue;
		if (c->rd != NULL && (etk_redact_scan(c->rd, a, strlen(a)) >=
		    0 || bred_raw_find(c, a, strlen(a), NULL, NULL) >= 0)) {
			/* the journal never holds a redacted value */
			snprintf(id, sizeof(id), "argv-%zu", i);
			if ((rc = bred_commit(c, id, a, strlen(a), salt,
			    commit)) != ETK_OK)
				break;
			snprintf(w, sizeof(w), "[WITHHELD:%s]", commit);
			etk_json_str(&j, w);
			{
				struct etk_json sj;

				etk_json_init(&sj, &c->salts);
				etk_json_obj_begin(&sj);
				etk_json_kstr(&sj, "id", id);
				etk_json_kstr(&sj, "salt", salt);
				etk_json_kstr(&sj, "value", a);
				etk_json_obj_end(&sj);
				etk_buf_addc(&c->salts, '\n');
			}
		} else
			etk_json_str(&j, a);
	}
	etk_json_arr_end(&j);
	etk_json_obj_end(&j);
	etk_json_key(&j, "bundle");
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "id", c->bundle_id);
	etk_json_kstr(&j, "path", c->o->out);
	etk_json_kstr(&j, "tar_sha256", tar_sha[0] ? tar_sha : NULL);
	etk_json_kstr(&j, "sums_sha256", sums_sha);
	etk_json_kuint(&j, "files", nfiles);
	etk_json_kuint(&j, "records", c->records);
	etk_json_kuint(&j, "redactions", c->nred);
	etk_json_kuint(&j, "upto", c->n);
	etk_json_obj_end(&j);
	etk_json_key(&j, "outputs");
	etk_json_arr_begin(&j);
	if (tar_sha[0]) {
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "path", tarp);
		etk_json_kstr(&j, "sha256", tar_sha);
		etk_json_kuint(&j, "size", tar_size);
		etk_json_obj_end(&j);
	}
	etk_json_arr_end(&j);
	etk_json_kint(&j, "exit", 0);
	etk_json_obj_end(&j);
	if (rc == ETK_OK && b.oom)
		rc = etk_fail(c->err, ETK_ENOMEM, 0, "out of memory");
	if (rc == ETK_OK)
		rc = etk_journal_append(c->kase, "export", -1, 0, b.data, seq,
		    c->err);
	etk_buf_release(&b);
	return rc;
}

int
etk_bundle_create(struct etk_case *kase, const struct etk_bundle_opts *o,
    struct etk_bundle_result *res, struct etk_error *err)
{
	struct bctx cx, *c = &cx;
	struct etk_buf sums, text, jcopy;
	char head[65], sums_sha[65], tar_sha[65] = "", locs_sha[65];
	char sigfile[64], keyfile[256], cid[64], *outp = NULL, *tarp = NULL;
	char *tart = NULL, *p;
	unsigned char md[32];
	uint64_t nfiles = 0, tar_size = 0, seq = 0, nred0;
	int rc, any_tsr = 0, timestamped, fd;
	size_t i;

	if (kase == NULL || o == NULL || o->out == NULL || *o->out == '\0')
		return etk_fail(err, ETK_EINVAL, 0, "bundle: no case or OUT");
	if (o->tsa_url != NULL && o->tsa_reply != NULL)
		return etk_fail(err, ETK_EINVAL, 0, "give a TSA URL or a reply "
		    "file, not both");
	memset(c, 0, sizeof(*c));
	c->kase = kase;
	c->o = o;
	c->err = err;
	c->casedir = etk_case_dir(kase);
	c->rd = o->redact;
	c->kinds = o->sel.kinds ? o->sel.kinds : ETK_BK_DEFAULT;
	etk_buf_init(&sums);
	etk_buf_init(&text);
	etk_buf_init(&jcopy);
	etk_buf_init(&c->redactions);
	etk_buf_init(&c->salts);
	etk_buf_init(&c->missing);
	etk_buf_init(&c->withheld);

	/* OUT without trailing slashes; it and OUT.tar must not exist */
	if ((outp = strdup(o->out)) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, 0, "out of memory");
		goto fail;
	}
	for (i = strlen(outp); i > 1 && outp[i - 1] == '/'; i--)
		outp[i - 1] = '\0';
	if (asprintf(&tarp, "%s.tar", outp) < 0) {
		tarp = NULL;
		rc = etk_fail(err, ETK_ENOMEM, 0, "out of memory");
		goto fail;
	}
	if (exists(outp) || (!o->no_tar && exists(tarp))) {
		rc = etk_fail(err, ETK_EEXIST, 0, "'%s' exists: a bundle is "
		    "never overwritten", exists(outp) ? outp : tarp);
		goto fail;
	}
	/* criteria checked before anything is written (a seal) */
	{
		int64_t sec;
		int32_t ns;

		if ((o->sel.from != NULL && btime(o->sel.from, &sec, &ns) !=
		    0) || (o->sel.to != NULL && btime(o->sel.to, &sec, &ns) !=
		    0)) {
			rc = etk_fail(err, ETK_EINVAL, 0, "bad time '%s'",
			    o->sel.from != NULL && btime(o->sel.from, &sec,
			    &ns) != 0 ? o->sel.from : o->sel.to);
			goto fail;
		}
	}
	if (o->sel.nparties > 0) {
		if ((rc = etk_redactor_new(&c->selp, NULL, err)) != ETK_OK)
			goto fail;
		for (i = 0; i < o->sel.nparties; i++)
			if ((rc = etk_redactor_add_party(c->selp,
			    o->sel.parties[i], NULL, err)) != ETK_OK) {
				etk_wrap(err, "--party");
				goto fail;
			}
	}
	if ((rc = resolve_upto(c)) != ETK_OK)
		goto fail;
	p = bsafe(etk_case_id(kase), 40);
	snprintf(cid, sizeof(cid), "%s", p != NULL ? p : "case");
	free(p);
	snprintf(c->bundle_id, sizeof(c->bundle_id), "DISC-%s-%.4s%.2s%.2s-v%u",
	    cid, c->created, c->created + 5, c->created + 8,
	    o->version ? o->version : 1);
	if (c->rd != NULL) {
		if (asprintf(&c->disc_final, "%s/disclosure/%s", c->casedir,
		    c->bundle_id) < 0) {
			c->disc_final = NULL;
			rc = etk_fail(err, ETK_ENOMEM, 0, "out of memory");
			goto fail;
		}
		if (exists(c->disc_final)) {
			rc = etk_fail(err, ETK_EEXIST, 0, "'%s' exists: bundle "
			    "%s was made before (give another version)",
			    c->disc_final, c->bundle_id);
			goto fail;
		}
		if ((rc = bred_key(c)) != ETK_OK ||
		    (rc = bred_spellings(c)) != ETK_OK)
			goto fail;
	}
	if ((rc = open_db(c->casedir, &c->db, err)) != ETK_OK)
		goto fail;
	locs_sha[0] = '\0';
	if (o->sel.locators_file != NULL &&
	    (rc = load_locators(c, locs_sha)) != ETK_OK)
		goto fail;
	c->narrowed = o->sel.from != NULL || o->sel.to != NULL ||
	    o->sel.nparties > 0 || o->sel.locators_file != NULL;

	if (asprintf(&c->tmp, "%s.tmp-XXXXXX", outp) < 0) {
		c->tmp = NULL;
		rc = etk_fail(err, ETK_ENOMEM, 0, "out of memory");
		goto fail;
	}
	if (mkdtemp(c->tmp) == NULL) {
		rc = etk_fail(err, ETK_EIO, errno, "cannot make '%s'", c->tmp);
		free(c->tmp);
		c->tmp = NULL;
		goto fail;
	}
	chmod(c->tmp, 0755);

	/* records, POLE, files */
	if ((rc = brec_exhibits(c)) != ETK_OK ||
	    (rc = brec_render(c)) != ETK_OK ||
	    (rc = brec_exports(c)) != ETK_OK)
		goto fail;
	/* the journal prefix, seals, keys */
	if ((rc = bred_journal(c, &jcopy)) != ETK_OK ||
	    (rc = bwrite(c->tmp, "custody/journal.jsonl", jcopy.data,
	    jcopy.len, 0, NULL, err)) != ETK_OK)
		goto fail;
	{
		size_t e = jcopy.len - 1, s0 = e;

		while (s0 > 0 && jcopy.data[s0 - 1] != '\n')
			s0--;
		bsha256(jcopy.data + s0, e - s0 + 1, head);
	}
	if ((rc = copy_keys_seals(c, &any_tsr)) != ETK_OK)
		goto fail;
	timestamped = o->tsa_url != NULL || o->tsa_reply != NULL;
	if (any_tsr || timestamped) {
		const char *ca = o->tsa_ca;
		char *cp = NULL;

		if (ca == NULL) {
			cp = bjoin(c->casedir, "keys/tsa-chain.pem");
			if (cp != NULL && access(cp, R_OK) == 0)
				ca = cp;
		}
		if (ca != NULL) {
			int ok;

			rc = bcopyf(ca, c->tmp, "keys/tsa-chain.pem", NULL, &ok,
			    NULL, err);
			if (rc == ETK_OK && !ok)
				rc = etk_fail(err, ETK_ENOTFOUND, errno, "cannot"
				    " read '%s'", ca);
		} else if (timestamped)
			rc = etk_fail(err, ETK_EINVAL, 0, "a time-stamp needs "
			    "the TSA's CA chain: give --tsa-ca");
		free(cp);
		if (rc != ETK_OK)
			goto fail;
	}
	if ((rc = keys_txt(c)) != ETK_OK)
		goto fail;
	if ((rc = manifests(c)) != ETK_OK)
		goto fail;
	nred0 = c->nred;
	if ((rc = manifest_json(c, head, locs_sha[0] ? locs_sha : NULL,
	    timestamped, &text)) != ETK_OK ||
	    (rc = put_text(c, "MANIFEST.json", "MANIFEST", &text)) != ETK_OK)
		goto fail;
	snprintf(sigfile, sizeof(sigfile), "SHA256SUMS.%s.sig",
	    etk_case_key_type(kase) != NULL ? etk_case_key_type(kase) :
	    "ed25519");
	snprintf(keyfile, sizeof(keyfile), "keys/examiner.pub.pem");
	etk_buf_reset(&text);
	readme(c, head, sigfile, keyfile, timestamped, &text);
	if ((rc = put_text(c, "README.txt", "README", &text)) != ETK_OK)
		goto fail;
	/* MANIFEST.json counts the redactions: it cannot hold one itself */
	if (c->nred != nred0) {
		rc = etk_fail(err, ETK_EUNSUPP, 0, "MANIFEST.json or README.txt "
		    "would hold a withheld value (the case id, examiner or a "
		    "selection criterion): no bundle was made");
		goto fail;
	}
	if ((rc = bwrite(c->tmp, "redaction/redactions.jsonl",
	    c->redactions.data ? c->redactions.data : "", c->redactions.len,
	    0, NULL, err)) != ETK_OK)
		goto fail;
	if (etk_bundle_verify_script() != NULL) {
		const char *s = etk_bundle_verify_script();

		if ((rc = bwrite(c->tmp, "VERIFY.sh", s, strlen(s), 0755, NULL,
		    err)) != ETK_OK)
			goto fail;
	}
	if (c->npend != 0) {
		rc = etk_fail(err, ETK_EINVAL, 0, "bundle: redaction records "
		    "left unwritten (a bug)");
		goto fail;
	}
	/* The redaction records written so far are final; a record added
	 * after redactions.jsonl was written would be a bug above. */
	if ((rc = safety_net(c)) != ETK_OK)
		goto fail;
	if ((rc = btar_sums(c, &sums)) != ETK_OK ||
	    (rc = bwrite(c->tmp, "SHA256SUMS", sums.data ? sums.data : "",
	    sums.len, 0, sums_sha, err)) != ETK_OK)
		goto fail;
	for (i = 0; i < sums.len; i++)
		nfiles += sums.data[i] == '\n';
	if ((rc = sign_sums(c, &sums, sigfile, sizeof(sigfile))) != ETK_OK)
		goto fail;
	{
		unsigned int mdlen = 32;

		EVP_Digest(sums.data, sums.len, md, &mdlen, EVP_sha256(), NULL);
	}
	if (timestamped) {
		char *tsr = bjoin(c->tmp, "SHA256SUMS.tsr"), gen[ETK_TIME_MAX];
		char *ca = bjoin(c->tmp, "keys/tsa-chain.pem");

		rc = tsr == NULL || ca == NULL ? ETK_ENOMEM :
		    etk_tsa_stamp(md, o->tsa_url, o->tsa_reply, ca, tsr, gen,
		    err);
		free(tsr);
		free(ca);
		if (rc != ETK_OK) {
			etk_wrap(err, "time-stamp over SHA256SUMS");
			goto fail;
		}
	} else if (o->tsq_out != NULL) {
		unsigned char *der = NULL;
		size_t dlen = 0;

		if ((rc = etk_tsa_query(md, &der, &dlen, err)) == ETK_OK)
			rc = etk_write_file_atomic(o->tsq_out, der, dlen, 0,
			    NULL, err);
		free(der);
		if (rc != ETK_OK) {
			etk_wrap(err, "--tsq-out");
			goto fail;
		}
	}
	/* the tar, then the directory takes its name */
	if (!o->no_tar) {
		if (asprintf(&tart, "%s.tar.tmp-XXXXXX", outp) < 0) {
			tart = NULL;
			rc = etk_fail(err, ETK_ENOMEM, 0, "out of memory");
			goto fail;
		}
		if ((fd = mkstemp(tart)) < 0) {
			rc = etk_fail(err, ETK_EIO, errno, "cannot create '%s'",
			    tart);
			free(tart);
			tart = NULL;
			goto fail;
		}
		close(fd);
		fchmodat(AT_FDCWD, tart, 0644, 0);
		if ((rc = btar_write(c, tart, tar_sha)) != ETK_OK)
			goto fail;
	}
	if (renameat2(AT_FDCWD, c->tmp, AT_FDCWD, outp, RENAME_NOREPLACE) !=
	    0) {
		rc = etk_fail(err, errno == EEXIST ? ETK_EEXIST : ETK_EIO,
		    errno, "cannot rename '%s' to '%s'", c->tmp, outp);
		goto fail;
	}
	free(c->tmp);
	c->tmp = NULL;
	if (!o->no_tar) {
		struct stat st;
		char line[600];

		if (stat(tart, &st) == 0)
			tar_size = (uint64_t)st.st_size;
		if ((rc = etk_publish_file(-1, tart, tarp, err)) != ETK_OK)
			goto fail;
		free(tart);
		tart = NULL;
		snprintf(line, sizeof(line), "%s  %s\n", tar_sha,
		    base_of(tarp));
		p = NULL;
		if (asprintf(&p, "%s.sha256", tarp) < 0 || (rc =
		    etk_write_file_atomic(p, line, strlen(line), 0, NULL,
		    err)) != ETK_OK) {
			free(p);
			if (rc == ETK_OK)
				rc = etk_fail(err, ETK_ENOMEM, 0, "out of "
				    "memory");
			goto fail;
		}
		free(p);
	}
	if (res != NULL) {
		memset(res, 0, sizeof(*res));
		/* ids are short (DISC-<case>-<date>-vN); cut if not */
		if (snprintf(res->bundle_id, sizeof(res->bundle_id), "%s",
		    c->bundle_id) >= (int)sizeof(res->bundle_id))
			res->bundle_id[sizeof(res->bundle_id) - 1] = '\0';
		res->upto = c->n;
		res->files = nfiles;
		res->records = c->records;
		res->redactions = c->nred;
		memcpy(res->sums_sha256, sums_sha, 65);
		memcpy(res->tar_sha256, tar_sha, 65);
	}
	/* journal: export entry (argv with redacted values withheld), the
	 * lab-held salts, then a seal */
	rc = export_entry(c, o->no_tar ? outp : tarp, tar_sha, tar_size,
	    sums_sha, nfiles, &seq);
	if (rc == ETK_OK && c->rd != NULL) {
		if ((rc = bred_disc(c)) == ETK_OK &&
		    (rc = bwrite(c->disc, "salts.jsonl", c->salts.data ?
		    c->salts.data : "", c->salts.len, 0600, NULL, err)) ==
		    ETK_OK && renameat2(AT_FDCWD, c->disc, AT_FDCWD,
		    c->disc_final, RENAME_NOREPLACE) != 0)
			rc = etk_fail(err, ETK_EIO, errno, "cannot rename '%s'",
			    c->disc);
		if (rc == ETK_OK) {
			free(c->disc);
			c->disc = NULL;
		}
	}
	if (rc == ETK_OK)
		rc = etk_case_seal(kase, "after disclosure", NULL, err);
	if (res != NULL)
		res->export_seq = seq;
	if (rc != ETK_OK)
		etk_wrap(err, "bundle %s made, but the journal", c->bundle_id);
	rm_tree(c->disc);
	ctx_free(c);
	free(outp);
	free(tarp);
	etk_buf_release(&sums);
	etk_buf_release(&text);
	etk_buf_release(&jcopy);
	return rc;
fail:
	rm_tree(c->tmp);
	rm_tree(c->disc);
	if (tart != NULL)
		unlink(tart);
	free(tart);
	ctx_free(c);
	free(outp);
	free(tarp);
	etk_buf_release(&sums);
	etk_buf_release(&text);
	etk_buf_release(&jcopy);
	return rc;
}
