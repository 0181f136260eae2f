/*
 * The manifest as CASE/UCO 1.4 JSON-LD (CUSTODY.md §1.4).
 *
 * Every node has an IRI "kb:<Class>-<uuid>" whose UUID is a UUIDv5 of a
 * stable name ("File/path/<path>", "InvestigativeAction/action/<seq>",
 * ...) in a namespace made from the case id and the SHA-256 of the
 * genesis line, so the same case always gives the same graph and two
 * cases never share an IRI.  Facets and hashes are UUIDv5s of their
 * parent's name and class, or of the hash method and value.  No blank
 * nodes; typed hashes and times; integers as JSON integers.
 *
 * Shape: one Investigation whose object lists every top-level node;
 * a Person per key and per named custodian; an AnalyticTool per tool
 * version; a File per case file (inputs and outputs, by path) and per
 * listed or carved file; an Image per acquisition (media hashes, not the
 * container's); an InvestigativeAction per journal entry; one
 * Contained_Within ObservableRelationship with a DataRangeFacet per
 * byte run; and a ProvenanceRecord per exhibit state, chained through
 * acquisitions and hand-overs the way Oresteia does (the action's object
 * holds the previous record, its result the new one).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/manifest_int.h"
#include "manifest/runs.h"

#define IRI_MAX 96

struct irilist {
	char (*v)[IRI_MAX];
	size_t n, cap;
};

/* The state of one exhibit while the journal is walked. */
struct prov {
	char cur[IRI_MAX];	/* latest ProvenanceRecord, or "" */
	struct irilist objs;	/* what the exhibit is, as nodes */
};

struct cg {
	const struct mf_case *c;
	unsigned char ns[16];
	struct etk_buf nodes;
	struct etk_buf ids;
	size_t nnodes;
	char **set;		/* emitted IRIs (open addressing) */
	size_t setcap, setn;
	struct prov *prov;	/* parallel to c->ex */
	size_t *fb, *fbstart;	/* files by action: indices, bucket starts */
	struct mf_evcache ec;
	int oom;
};

/* Append (duplicates are dropped when the list is written: refs()). */
static void
il_add(struct cg *g, struct irilist *l, const char *iri)
{
	void *p;

	if (l->n > 0 && strcmp(l->v[l->n - 1], iri) == 0)
		return;
	if (l->n == l->cap) {
		if ((p = realloc(l->v, (l->cap ? l->cap * 2 : 8) *
		    sizeof(*l->v))) == NULL) {
			g->oom = 1;
			return;
		}
		l->v = p;
		l->cap = l->cap ? l->cap * 2 : 8;
	}
	snprintf(l->v[l->n++], IRI_MAX, "%s", iri);
}

static void
il_free(struct irilist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static uint64_t
fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* Add iri to the set; 1 if it was new. */
static int
set_add(struct cg *g, const char *iri)
{
	char **ns;
	size_t i, k, nc;

	if (g->setn * 2 >= g->setcap) {
		nc = g->setcap ? g->setcap * 2 : 1024;
		if ((ns = calloc(nc, sizeof(*ns))) == NULL) {
			g->oom = 1;
			return 0;
		}
		for (i = 0; i < g->setcap; i++) {
			if (g->set[i] == NULL)
				continue;
			for (k = fnv(g->set[i]) & (nc - 1); ns[k] != NULL;
			    k = (k + 1) & (nc - 1))
				;
			ns[k] = g->set[i];
		}
		free(g->set);
		g->set = ns;
		g->setcap = nc;
	}
	for (k = fnv(iri) & (g->setcap - 1); g->set[k] != NULL;
	    k = (k + 1) & (g->setcap - 1))
		if (strcmp(g->set[k], iri) == 0)
			return 0;
	if ((g->set[k] = strdup(iri)) == NULL) {
		g->oom = 1;
		return 0;
	}
	g->setn++;
	return 1;
}

static int
seen(struct cg *g, const char *iri)
{
	size_t k;

	if (g->setcap == 0)
		return 0;
	for (k = fnv(iri) & (g->setcap - 1); g->set[k] != NULL;
	    k = (k + 1) & (g->setcap - 1))
		if (strcmp(g->set[k], iri) == 0)
			return 1;
	return 0;
}

/* IRI of (class, name): "kb:<cls>-<uuid5(ns, cls "/" name)>". */
static void
iri(const struct cg *g, const char *cls, const char *name, char out[IRI_MAX])
{
	unsigned char raw[16];
	struct etk_buf b;
	char u[37];

	etk_buf_init(&b);
	etk_buf_printf(&b, "%s/%s", cls, name);
	if (b.oom)
		memset(u, '0', sizeof(u) - 1), u[36] = '\0';
	else
		mf_uuid5(g->ns, b.data, b.len, raw, u);
	etk_buf_release(&b);
	snprintf(out, IRI_MAX, "kb:%s-%s", cls, u);
}

static void
iri_printf(const struct cg *g, const char *cls, char out[IRI_MAX],
    const char *fmt, ...) ETK_PRINTFLIKE(4, 5);

static void
iri_printf(const struct cg *g, const char *cls, char out[IRI_MAX],
    const char *fmt, ...)
{
	struct etk_buf b;
	va_list ap;

	etk_buf_init(&b);
	va_start(ap, fmt);
	etk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	iri(g, cls, b.data != NULL ? b.data : "", out);
	etk_buf_release(&b);
}

/* A node name of any length (malloc'd); NULL (and g->oom) when out of
 * memory.  Names are never cut: two long paths must not share an IRI. */
static char *
mkname(struct cg *g, const char *fmt, ...) ETK_PRINTFLIKE(2, 3);

static char *
mkname(struct cg *g, const char *fmt, ...)
{
	struct etk_buf b;
	va_list ap;
	char *s;

	etk_buf_init(&b);
	va_start(ap, fmt);
	etk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (b.oom || (s = etk_buf_detach(&b)) == NULL) {
		etk_buf_release(&b);
		g->oom = 1;
		return NULL;
	}
	return s;
}

/* Start a top-level node into b. */
static void
node_begin(struct etk_json *j, struct etk_buf *b, const char *id,
    const char *type)
{
	etk_buf_init(b);
	etk_json_init(j, b);
	etk_json_obj_begin(j);
	etk_json_kstr(j, "@id", id);
	etk_json_kstr(j, "@type", type);
}

/* Finish a node: appended (and listed in the Investigation) once. */
static void
node_end(struct cg *g, struct etk_json *j, struct etk_buf *b, const char *id)
{
	etk_json_obj_end(j);
	if (b->oom)
		g->oom = 1;
	else if (set_add(g, id)) {
		if (g->nnodes > 0)
			etk_buf_adds(&g->nodes, ",\n");
		etk_buf_add(&g->nodes, b->data, b->len);
		if (g->ids.len > 0)
			etk_buf_addc(&g->ids, ',');
		etk_buf_adds(&g->ids, "{\"@id\":");
		etk_json_quote(&g->ids, id, strlen(id));
		etk_buf_addc(&g->ids, '}');
		g->nnodes++;
	}
	etk_buf_release(b);
}

static void
ref(struct etk_json *j, const char *key, const char *id)
{
	etk_json_key(j, key);
	etk_json_obj_begin(j);
	etk_json_kstr(j, "@id", id);
	etk_json_obj_end(j);
}

/* The list as references, each once, in the order first added (a hash
 * set of indices keeps this linear for a listing of a million files). */
static void
refs(struct etk_json *j, const char *key, const struct irilist *l)
{
	size_t *set, cap, i, k;
	int dup;

	if (l->n == 0)
		return;
	for (cap = 16; cap < l->n * 2; cap *= 2)
		;
	set = calloc(cap, sizeof(*set));	/* index + 1; 0 = empty */
	etk_json_key(j, key);
	etk_json_arr_begin(j);
	for (i = 0; i < l->n; i++) {
		dup = 0;
		if (set != NULL) {
			for (k = fnv(l->v[i]) & (cap - 1); set[k] != 0;
			    k = (k + 1) & (cap - 1))
				if (strcmp(l->v[set[k] - 1], l->v[i]) == 0) {
					dup = 1;
					break;
				}
			if (!dup)
				set[k] = i + 1;
		}
		if (dup)
			continue;
		etk_json_obj_begin(j);
		etk_json_kstr(j, "@id", l->v[i]);
		etk_json_obj_end(j);
	}
	etk_json_arr_end(j);
	free(set);
}

static void
typed(struct etk_json *j, const char *key, const char *type, const char *v)
{
	etk_json_key(j, key);
	etk_json_obj_begin(j);
	etk_json_kstr(j, "@type", type);
	etk_json_kstr(j, "@value", v);
	etk_json_obj_end(j);
}

static void
time_prop(struct etk_json *j, const char *key, const char *t)
{
	if (mf_is_utc_time(t))
		typed(j, key, "xsd:dateTime", t);
}

/* A facet nested in its parent, IRI from the parent's name. */
static void
facet_begin(const struct cg *g, struct etk_json *j, const char *parent,
    const char *cls, const char *type)
{
	char id[IRI_MAX];

	iri_printf(g, cls, id, "%s#%s", parent, cls);
	etk_json_obj_begin(j);
	etk_json_kstr(j, "@id", id);
	etk_json_kstr(j, "@type", type);
}

struct hashv {
	const char *method;	/* "SHA256", "MD5", "SHA1" */
	const char *value;
	size_t len;		/* hex digits */
};

/* "uco-observable:hash": typed Hash nodes for every valid digest. */
static void
hashes(const struct cg *g, struct etk_json *j, const struct hashv *h,
    size_t n)
{
	char id[IRI_MAX];
	size_t i, k;

	for (i = 0, k = 0; i < n; i++)
		k += mf_is_hex(h[i].value, h[i].len);
	if (k == 0)
		return;
	etk_json_key(j, "uco-observable:hash");
	etk_json_arr_begin(j);
	for (i = 0; i < n; i++) {
		if (!mf_is_hex(h[i].value, h[i].len))
			continue;
		iri_printf(g, "Hash", id, "%s/%s", h[i].method, h[i].value);
		etk_json_obj_begin(j);
		etk_json_kstr(j, "@id", id);
		etk_json_kstr(j, "@type", "uco-types:Hash");
		typed(j, "uco-types:hashMethod", "xsd:string", h[i].method);
		typed(j, "uco-types:hashValue", "xsd:hexBinary", h[i].value);
		etk_json_obj_end(j);
	}
	etk_json_arr_end(j);
}

static void
content_facet(const struct cg *g, struct etk_json *j, const char *name,
    int has_size, uint64_t size, const char *mime, const struct hashv *h,
    size_t nh, const char *descr)
{
	facet_begin(g, j, name, "ContentDataFacet",
	    "uco-observable:ContentDataFacet");
	if (descr != NULL)
		etk_json_kstr(j, "uco-core:description", descr);
	if (has_size)
		etk_json_kuint(j, "uco-observable:sizeInBytes", size);
	if (mime != NULL)
		etk_json_kstr(j, "uco-observable:mimeType", mime);
	hashes(g, j, h, nh);
	etk_json_obj_end(j);
}

/* ---- people, tools, places ---- */

static void
person_iri(const struct cg *g, const char *key, const char *name,
    char out[IRI_MAX])
{
	if (key != NULL && mf_key(g->c, key) != NULL)
		iri_printf(g, "Person", out, "person/key/%s", key);
	else
		iri_printf(g, "Person", out, "person/name/%s",
		    name != NULL ? name : "?");
}

static void
person_node(struct cg *g, const char *id, const char *name,
    const char *role, const char *org, const char *auth, const char *key)
{
	struct etk_json j;
	struct etk_buf b, d;

	if (seen(g, id))
		return;
	node_begin(&j, &b, id, "uco-identity:Person");
	if (name != NULL)
		etk_json_kstr(&j, "uco-core:name", name);
	etk_buf_init(&d);
	if (role != NULL)
		etk_buf_printf(&d, "role: %s; ", role);
	if (org != NULL)
		etk_buf_printf(&d, "organisation: %s; ", org);
	if (auth != NULL)
		etk_buf_printf(&d, "authorisation: %s; ", auth);
	if (key != NULL)
		etk_buf_printf(&d, "signing key: %s; ", key);
	if (d.len >= 2) {
		d.data[d.len - 2] = '\0';
		etk_json_kstr(&j, "uco-core:description", d.data);
	}
	etk_buf_release(&d);
	node_end(g, &j, &b, id);
}

static void
party_iri(const struct cg *g, const struct etk_jval *p, char out[IRI_MAX])
{
	person_iri(g, mf_str(p, "key"), mf_str(p, "name"), out);
}

static const char *
key_auth(const struct mf_case *c, const char *id)
{
	static const char *const sides[] = { "from", "to" };
	const struct etk_jval *p;
	const char *k;
	size_t i, s;

	for (i = 0; i < c->ne; i++)
		for (s = 0; s < 2; s++) {
			p = mf_obj(c->e[i].v, sides[s]);
			if ((k = mf_str(p, "key")) != NULL &&
			    strcmp(k, id) == 0 && mf_str(p, "auth_ref") != NULL)
				return mf_str(p, "auth_ref");
		}
	return NULL;
}

static void
persons(struct cg *g)
{
	const struct etk_jval *k, *p;
	const struct mf_entry *e;
	static const char *const sides[] = { "from", "to" };
	char id[IRI_MAX];
	size_t i, s;

	for (i = 0; i < g->c->nkeys; i++) {
		const char *auth;

		k = g->c->keys[i].v;
		/* the key list has no authorisation; a party using the key
		 * in a hand-over may give one */
		if ((auth = mf_str(k, "auth_ref")) == NULL)
			auth = key_auth(g->c, g->c->keys[i].id);
		person_iri(g, g->c->keys[i].id, NULL, id);
		person_node(g, id, mf_str(k, "name"), mf_str(k, "role"),
		    mf_str(k, "org"), auth, g->c->keys[i].id);
	}
	for (i = 0; i < g->c->ne; i++) {
		e = &g->c->e[i];
		for (s = 0; s < 2; s++) {
			if ((p = mf_obj(e->v, sides[s])) == NULL ||
			    mf_str(p, "name") == NULL)
				continue;
			party_iri(g, p, id);
			person_node(g, id, mf_str(p, "name"), mf_str(p, "role"),
			    mf_str(p, "org"), mf_str(p, "auth_ref"),
			    mf_str(p, "key"));
		}
	}
}

static void
libs_text(struct etk_buf *b, const struct etk_jval *tool)
{
	const struct etk_jval *libs = mf_obj(tool, "libs");
	size_t i;

	for (i = 0; libs != NULL && i < libs->n; i++)
		if (libs->items[i]->type == ETK_JSTR)
			etk_buf_printf(b, "; %s %s", libs->keys[i],
			    libs->items[i]->str);
}

/* The tool of an entry, emitted on first use; 0 when it names none. */
static int
tool_node(struct cg *g, const struct mf_entry *e, char id[IRI_MAX])
{
	const struct etk_jval *tool = mf_obj(e->v, "tool");
	const char *name, *ver, *commit;
	struct etk_json j;
	struct etk_buf b, v;

	if ((name = mf_str(tool, "name")) == NULL)
		return 0;
	ver = mf_str(tool, "version");
	commit = mf_str(tool, "commit");
	etk_buf_init(&v);
	etk_buf_adds(&v, ver != NULL ? ver : "unknown");
	if (commit != NULL)
		etk_buf_printf(&v, "; git %s", commit);
	libs_text(&v, tool);
	iri_printf(g, "AnalyticTool", id, "tool/%s/%s", name,
	    v.data != NULL ? v.data : "");
	if (!seen(g, id)) {
		node_begin(&j, &b, id, "uco-tool:AnalyticTool");
		etk_json_kstr(&j, "uco-core:name", name);
		etk_json_kstr(&j, "uco-tool:version", v.data);
		etk_json_kstr(&j, "uco-tool:toolType", "forensic");
		node_end(g, &j, &b, id);
	}
	etk_buf_release(&v);
	return 1;
}

static void
location_node(struct cg *g, const char *where, char id[IRI_MAX])
{
	struct etk_json j;
	struct etk_buf b;

	iri_printf(g, "Location", id, "location/%s", where);
	if (seen(g, id))
		return;
	node_begin(&j, &b, id, "uco-location:Location");
	etk_json_kstr(&j, "uco-core:name", where);
	node_end(g, &j, &b, id);
}

/* ---- files ---- */

/* A case file by path (an input or an output), emitted once. */
static void
path_node(struct cg *g, const char *path, int has_size, uint64_t size,
    const char *sha256, int is_dir, const char *descr, char id[IRI_MAX])
{
	const struct mf_evidence *ev = mf_evidence_by_path(g->c, path);
	struct hashv h[1];
	struct etk_json j;
	struct etk_buf b;
	char *name;

	iri_printf(g, "File", id, "path/%s", path);
	if (seen(g, id) || (name = mkname(g, "path/%s", path)) == NULL)
		return;
	if (ev != NULL) {	/* the database row knows it best */
		has_size = ev->has_size;
		size = ev->size;
		if (ev->sha256 != NULL)
			sha256 = ev->sha256;
	}
	node_begin(&j, &b, id, "uco-observable:File");
	if (descr != NULL)
		etk_json_kstr(&j, "uco-core:description", descr);
	etk_json_key(&j, "uco-core:hasFacet");
	etk_json_arr_begin(&j);
	facet_begin(g, &j, name, "FileFacet", "uco-observable:FileFacet");
	etk_json_kstr(&j, "uco-observable:fileName", mf_basename(path));
	etk_json_kstr(&j, "uco-observable:filePath", path);
	etk_json_kbool(&j, "uco-observable:isDirectory", is_dir);
	if (has_size && !is_dir)
		etk_json_kuint(&j, "uco-observable:sizeInBytes", size);
	etk_json_obj_end(&j);
	if (!is_dir && (has_size || sha256 != NULL)) {
		h[0].method = "SHA256";
		h[0].value = sha256;
		h[0].len = 64;
		content_facet(g, &j, name, has_size, size, NULL, h, 1,
		    "Hash of the file's own bytes (for an image: of the "
		    "container file, not the media stream)");
	}
	etk_json_arr_end(&j);
	node_end(g, &j, &b, id);
	free(name);
}

/* The nodes of one input; ids added to l. */
static void
input_nodes(struct cg *g, const struct etk_jval *in, struct irilist *l)
{
	const struct etk_jval *files, *f;
	const char *p, *kind;
	char id[IRI_MAX];
	int64_t sz;
	size_t k;

	if ((p = mf_str(in, "path")) == NULL)
		return;
	kind = mf_str(in, "kind");
	files = mf_arr(in, "files");
	if (kind != NULL && strcmp(kind, "directory") == 0) {
		path_node(g, p, 0, 0, NULL, 1, NULL, id);
		il_add(g, l, id);
		return;
	}
	for (k = 0; files != NULL && k < files->n; k++) {
		f = files->items[k];
		if (mf_str(f, "path") == NULL)
			continue;
		path_node(g, mf_str(f, "path"), mf_int(f, "size", &sz) &&
		    sz >= 0, (uint64_t)(mf_int(f, "size", &sz) ? sz : 0),
		    mf_str(f, "sha256"), 0, NULL, id);
		il_add(g, l, id);
	}
	path_node(g, p, mf_int(in, "size", &sz) && sz >= 0,
	    (uint64_t)(mf_int(in, "size", &sz) ? sz : 0), mf_str(in, "sha256"),
	    0, NULL, id);
	il_add(g, l, id);
}

/* One Contained_Within relationship per run (or one without a range when
 * no runs are known), source contained in target. */
static void
contained(struct cg *g, const char *name, const char *src,
    const char *target, const struct mf_run *runs, size_t nruns,
    const char *descr, struct irilist *l)
{
	struct etk_json j;
	struct etk_buf b;
	char id[IRI_MAX], *rn;
	size_t r;

	for (r = 0; r < (nruns > 0 ? nruns : 1); r++) {
		if ((rn = mkname(g, "%s/run/%zu", name, r)) == NULL)
			return;
		iri(g, "ObservableRelationship", rn, id);
		il_add(g, l, id);
		if (seen(g, id)) {
			free(rn);
			continue;
		}
		node_begin(&j, &b, id, "uco-observable:ObservableRelationship");
		if (descr != NULL)
			etk_json_kstr(&j, "uco-core:description", descr);
		ref(&j, "uco-core:source", src);
		ref(&j, "uco-core:target", target);
		etk_json_kstr(&j, "uco-core:kindOfRelationship",
		    "Contained_Within");
		etk_json_kbool(&j, "uco-core:isDirectional", 1);
		if (nruns > 0) {
			etk_json_key(&j, "uco-core:hasFacet");
			etk_json_arr_begin(&j);
			facet_begin(g, &j, rn, "DataRangeFacet",
			    "uco-observable:DataRangeFacet");
			etk_json_kuint(&j, "uco-observable:rangeOffset",
			    runs[r].off);
			etk_json_kuint(&j, "uco-observable:rangeSize",
			    runs[r].len);
			etk_json_obj_end(&j);
			etk_json_arr_end(&j);
		}
		node_end(g, &j, &b, id);
		free(rn);
	}
}

/* A listed file (files rows merged by evidence and locator). */
static void
fs_node(struct cg *g, const struct mf_file *f, char id[IRI_MAX],
    struct irilist *l)
{
	const struct mf_evidence *ev = mf_evidence_by_id(g->c, f->evidence_id);
	struct mf_run *runs = NULL;
	struct hashv h[3];
	struct etk_json j;
	struct etk_buf b;
	char *name, evid[IRI_MAX], *rname;
	int is_dir = f->type != NULL && strcmp(f->type, "d") == 0;
	size_t nruns = 0;
	int rc;

	if ((name = mkname(g, "fs/%s/%s", ev != NULL ? ev->path : "?",
	    f->locator)) == NULL)
		return;
	iri(g, "File", name, id);
	il_add(g, l, id);
	if (seen(g, id)) {
		free(name);
		return;
	}
	node_begin(&j, &b, id, "uco-observable:File");
	etk_json_kstr(&j, "uco-core:description", f->locator);
	etk_json_key(&j, "uco-core:hasFacet");
	etk_json_arr_begin(&j);
	facet_begin(g, &j, name, "FileFacet", "uco-observable:FileFacet");
	if (f->name != NULL)
		etk_json_kstr(&j, "uco-observable:fileName", f->name);
	if (f->path != NULL)
		etk_json_kstr(&j, "uco-observable:filePath", f->path);
	if (f->fs_type != NULL) {
		char up[32];
		size_t i;

		for (i = 0; f->fs_type[i] != '\0' && i < sizeof(up) - 1; i++)
			up[i] = (char)(f->fs_type[i] >= 'a' &&
			    f->fs_type[i] <= 'z' ? f->fs_type[i] - 32 :
			    f->fs_type[i]);
		up[i] = '\0';
		etk_json_kstr(&j, "uco-observable:fileSystemType", up);
	}
	etk_json_kbool(&j, "uco-observable:isDirectory", is_dir);
	etk_json_kuint(&j, "uco-observable:sizeInBytes", f->size);
	etk_json_kstr(&j, "uco-observable:allocationStatus", f->allocated ?
	    "allocated" : "unallocated");
	time_prop(&j, "uco-observable:modifiedTime", f->mtime);
	time_prop(&j, "uco-observable:accessedTime", f->atime);
	time_prop(&j, "uco-observable:metadataChangeTime", f->ctime);
	time_prop(&j, "uco-observable:observableCreatedTime", f->crtime);
	etk_json_obj_end(&j);
	if (f->has_inode && f->fs_type != NULL &&
	    strncmp(f->fs_type, "ext", 3) == 0) {
		facet_begin(g, &j, name, "ExtInodeFacet",
		    "uco-observable:ExtInodeFacet");
		etk_json_kuint(&j, "uco-observable:extInodeID", f->inode);
		etk_json_obj_end(&j);
	}
	if (!is_dir) {
		h[0] = (struct hashv){ "SHA256", f->sha256, 64 };
		h[1] = (struct hashv){ "MD5", f->md5, 32 };
		h[2] = (struct hashv){ "SHA1", f->sha1, 40 };
		content_facet(g, &j, name, 1, f->size, f->mime, h, 3, NULL);
	}
	etk_json_arr_end(&j);
	node_end(g, &j, &b, id);
	if (ev == NULL || is_dir || (rname = mkname(g, "%s/in", name)) ==
	    NULL) {
		free(name);
		return;
	}
	iri_printf(g, "File", evid, "path/%s", ev->path);
	rc = mf_file_runs(&g->ec, f, &runs, &nruns);
	contained(g, rname, id, evid, runs, nruns, rc < 0 ? "byte runs "
	    "unknown: the evidence could not be opened when the manifest "
	    "was made" : rc == 0 ? "no byte runs (resident, compressed or "
	    "inside a container)" : NULL, l);
	free(runs);
	free(rname);
	free(name);
}

/* The media stream of an evidence item, as the first entry that read
 * it saw it: size and the hashes the container stores (an E01's MD5 and
 * SHA-1, recorded by the acquiring tool, not recomputed here), held in
 * the container file. */
static void
media_node(struct cg *g, const struct mf_evidence *ev, struct irilist *l)
{
	const struct etk_jval *ins, *in = NULL;
	const char *p;
	struct hashv h[2];
	struct etk_json j;
	struct etk_buf b;
	char id[IRI_MAX], evid[IRI_MAX], *name;
	int64_t sz;
	size_t i, k;

	for (i = 0; i < g->c->ne && in == NULL; i++) {
		ins = mf_arr(g->c->e[i].v, "inputs");
		for (k = 0; ins != NULL && k < ins->n; k++)
			if ((p = mf_str(ins->items[k], "path")) != NULL &&
			    strcmp(p, ev->path) == 0) {
				in = ins->items[k];
				break;
			}
	}
	if (in == NULL || !mf_int(in, "media_size", &sz) || sz < 0)
		return;
	if ((name = mkname(g, "media/%s", ev->path)) == NULL)
		return;
	iri(g, "File", name, id);
	if (seen(g, id)) {
		free(name);
		return;
	}
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "@id", id);
	etk_json_key(&j, "@type");
	etk_json_arr_begin(&j);
	etk_json_str(&j, "uco-observable:File");
	etk_json_str(&j, "uco-observable:Image");
	etk_json_arr_end(&j);
	etk_json_kstr(&j, "uco-core:description", "The media stream held in "
	    "the evidence container file");
	etk_json_key(&j, "uco-core:hasFacet");
	etk_json_arr_begin(&j);
	facet_begin(g, &j, name, "ImageFacet", "uco-observable:ImageFacet");
	p = mf_str(in, "format");
	etk_json_kstr(&j, "uco-observable:imageType", p != NULL &&
	    strcmp(p, "ewf") == 0 ? "EWF (E01)" : p != NULL ? p : "unknown");
	etk_json_obj_end(&j);
	h[0] = (struct hashv){ "MD5", mf_str(in, "stored_md5"), 32 };
	h[1] = (struct hashv){ "SHA1", mf_str(in, "stored_sha1"), 40 };
	content_facet(g, &j, name, 1, (uint64_t)sz, NULL, h, 2,
	    "Media size; hashes as stored in the container by the acquiring "
	    "tool (not recomputed), never those of the container file");
	etk_json_arr_end(&j);
	node_end(g, &j, &b, id);
	il_add(g, l, id);
	iri_printf(g, "File", evid, "path/%s", ev->path);
	contained(g, name, id, evid, NULL, 0, "The media stream is held in "
	    "this container file", l);
	free(name);
}

/* ---- provenance ---- */

static struct prov *
prov_of(struct cg *g, const char *exhibit)
{
	size_t lo = 0, hi = g->c->nex, mid;
	int r;

	if (exhibit == NULL)
		return NULL;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = strcmp(g->c->ex[mid].name, exhibit);
		if (r == 0)
			return &g->prov[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A new ProvenanceRecord for exhibit made by entry seq (0: initial). */
static void
prov_record(struct cg *g, const char *exhibit, uint64_t seq,
    const char *descr, struct irilist *result)
{
	struct prov *p = prov_of(g, exhibit);
	struct etk_json j;
	struct etk_buf b;
	char id[IRI_MAX];

	if (p == NULL)
		return;
	iri_printf(g, "ProvenanceRecord", id, "provenance/%s/%llu", exhibit,
	    (unsigned long long)seq);
	if (!seen(g, id)) {
		node_begin(&j, &b, id, "case-investigation:ProvenanceRecord");
		if (descr != NULL)
			etk_json_kstr(&j, "uco-core:description", descr);
		etk_json_kstr(&j, "case-investigation:exhibitNumber", exhibit);
		etk_json_key(&j, "case-investigation:rootExhibitNumber");
		etk_json_strn(&j, exhibit, strcspn(exhibit, "/"));
		refs(&j, "uco-core:object", &p->objs);
		node_end(g, &j, &b, id);
	}
	snprintf(p->cur, sizeof(p->cur), "%s", id);
	if (result != NULL)
		il_add(g, result, id);
}

/* A physical exhibit known only from custody entries: a Device named
 * after it, described by the item text, so that its ProvenanceRecords
 * have an object.  Only when nothing else stands for the exhibit yet. */
static void
exhibit_device(struct cg *g, const char *x, const char *item)
{
	struct prov *pv = prov_of(g, x);
	struct etk_json j;
	struct etk_buf b;
	char id[IRI_MAX];
	size_t i;

	if (pv == NULL || pv->objs.n > 0)
		return;
	for (i = 0; item == NULL && i < g->c->nex; i++)
		if (strcmp(g->c->ex[i].name, x) == 0)
			item = g->c->ex[i].item;
	iri_printf(g, "Device", id, "exhibit/%s", x);
	if (!seen(g, id)) {
		node_begin(&j, &b, id, "uco-observable:Device");
		etk_json_kstr(&j, "uco-core:name", x);
		if (item != NULL)
			etk_json_kstr(&j, "uco-core:description", item);
		node_end(g, &j, &b, id);
	}
	il_add(g, &pv->objs, id);
}

static const char *
action_name(const char *type)
{
	static const char *const map[][2] = {
		{ "genesis", "opened case" }, { "seize", "seized" },
		{ "receive", "received" }, { "transfer", "transferred" },
		{ "store", "stored" }, { "acquire", "acquired" },
		{ "verify", "verified" }, { "hash", "hashed" },
		{ "extract", "extracted" }, { "carve", "carved" },
		{ "parse", "parsed" }, { "analyse", "analysed" },
		{ "redact", "redacted" }, { "export", "exported" },
		{ "disclose", "disclosed" }, { "return", "returned" },
		{ "destroy", "destroyed" }, { "correction", "corrected" },
		{ "note", "noted" }, { "error", "error" }, { "seal", "sealed" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(type, map[i][0]) == 0)
			return map[i][1];
	return type;
}

static void
action_descr(struct etk_buf *d, const struct mf_entry *e,
    const struct mf_acq *a)
{
	const struct etk_jval *argv, *items, *it;
	const char *s, *st;
	int64_t x;
	size_t i;

	etk_buf_printf(d, "journal entry %llu (%s, line SHA-256 %s)",
	    (unsigned long long)e->seq, e->type, e->hash);
	argv = mf_arr(mf_obj(e->v, "tool"), "argv");
	if (argv != NULL) {
		etk_buf_adds(d, "; argv:");
		for (i = 0; i < argv->n; i++)
			if (argv->items[i]->type == ETK_JSTR)
				etk_buf_printf(d, " %s", argv->items[i]->str);
	}
	if (mf_int(e->v, "exit", &x))
		etk_buf_printf(d, "; exit %lld", (long long)x);
	items = mf_arr(mf_obj(e->v, "summary"), "items");
	for (i = 0; items != NULL && i < items->n; i++) {
		it = items->items[i];
		st = mf_str(it, "status");
		s = mf_str(it, "scope");
		etk_buf_printf(d, "%s%s %s", i == 0 ? "; summary: " : ", ",
		    st != NULL ? st : "?", s != NULL ? s : "?");
	}
	if ((argv = mf_arr(e->v, "errors")) != NULL && argv->n > 0)
		etk_buf_printf(d, "; %zu error(s)", argv->n);
	if ((s = mf_str(e->v, "reason")) != NULL)
		etk_buf_printf(d, "; reason: %s", s);
	if ((s = mf_str(e->v, "authority")) != NULL)
		etk_buf_printf(d, "; authority: %s", s);
	if ((s = mf_str(e->v, "note")) != NULL)
		etk_buf_printf(d, "; note: %s", s);
	if (a != NULL)
		etk_buf_printf(d, "; acquisition record %s", a->record_status);
}

static const struct mf_acq *
acq_of(const struct mf_case *c, uint64_t seq)
{
	size_t i;

	for (i = 0; i < c->nacq; i++)
		if (c->acq[i].seq == seq)
			return &c->acq[i];
	return NULL;
}

/* The source an acquisition read, as a Device (model and serial when
 * the record has them); added to the action's object and the exhibit. */
static void
source_device(struct cg *g, const struct mf_acq *a, struct irilist *obj)
{
	const struct etk_jval *src = mf_obj(a->record, "source");
	const char *p, *model, *serial;
	struct etk_json j;
	struct etk_buf b, d;
	struct prov *pv;
	char id[IRI_MAX], name[64];
	int64_t sz;

	if (src == NULL)
		return;
	snprintf(name, sizeof(name), "acquisition/%llu/source",
	    (unsigned long long)a->seq);
	iri(g, "Device", name, id);
	p = mf_str(src, "path");
	model = mf_str(src, "model");
	serial = mf_str(src, "serial");
	node_begin(&j, &b, id, "uco-observable:Device");
	etk_buf_init(&d);
	etk_buf_printf(&d, "Acquisition source %s", p != NULL ? p : "?");
	if ((p = mf_str(src, "kind")) != NULL)
		etk_buf_printf(&d, " (%s)", p);
	if (mf_int(src, "size", &sz))
		etk_buf_printf(&d, ", %lld bytes", (long long)sz);
	etk_json_kstr(&j, "uco-core:description", d.data);
	etk_buf_release(&d);
	if (model != NULL || serial != NULL) {
		etk_json_key(&j, "uco-core:hasFacet");
		etk_json_arr_begin(&j);
		facet_begin(g, &j, name, "DeviceFacet",
		    "uco-observable:DeviceFacet");
		if (model != NULL)
			etk_json_kstr(&j, "uco-observable:model", model);
		if (serial != NULL)
			etk_json_kstr(&j, "uco-observable:serialNumber",
			    serial);
		etk_json_obj_end(&j);
		etk_json_arr_end(&j);
	}
	node_end(g, &j, &b, id);
	il_add(g, obj, id);
	if ((pv = prov_of(g, a->exhibit)) != NULL)
		il_add(g, &pv->objs, id);
}

/* The media image an acquisition made (the hashes of the media stream),
 * related to each container file, and its exhibit's new record. */
static void
acquisition(struct cg *g, const struct mf_acq *a, struct irilist *result)
{
	const struct etk_jval *media, *tf, *outs;
	const char *fmt, *p, *q;
	struct hashv h[3];
	struct etk_json j;
	struct etk_buf b;
	struct prov *pv;
	char id[IRI_MAX], oid[IRI_MAX], name[64], rn[96];
	int64_t sz;
	size_t k, m;

	media = mf_obj(a->record, "media");
	snprintf(name, sizeof(name), "acquisition/%llu/image",
	    (unsigned long long)a->seq);
	iri(g, "File", name, id);
	fmt = mf_str(mf_obj(a->record, "target"), "format");
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "@id", id);
	etk_json_key(&j, "@type");
	etk_json_arr_begin(&j);
	etk_json_str(&j, "uco-observable:File");
	etk_json_str(&j, "uco-observable:Image");
	etk_json_arr_end(&j);
	etk_json_kstr(&j, "uco-core:description", "The acquired media stream; "
	    "its hashes are of the media, not of the container files");
	etk_json_key(&j, "uco-core:hasFacet");
	etk_json_arr_begin(&j);
	tf = mf_arr(mf_obj(a->record, "target"), "files");
	p = tf != NULL && tf->n > 0 ? mf_str(tf->items[0], "path") : NULL;
	facet_begin(g, &j, name, "FileFacet", "uco-observable:FileFacet");
	if (p != NULL)
		etk_json_kstr(&j, "uco-observable:fileName", mf_basename(p));
	etk_json_kbool(&j, "uco-observable:isDirectory", 0);
	etk_json_obj_end(&j);
	facet_begin(g, &j, name, "ImageFacet", "uco-observable:ImageFacet");
	etk_json_kstr(&j, "uco-observable:imageType", fmt != NULL &&
	    strcmp(fmt, "e01") == 0 ? "EWF (E01)" : fmt != NULL &&
	    strcmp(fmt, "raw") == 0 ? "raw" : fmt != NULL ? fmt : "unknown");
	etk_json_obj_end(&j);
	h[0] = (struct hashv){ "SHA256", mf_str(media, "sha256"), 64 };
	h[1] = (struct hashv){ "MD5", mf_str(media, "md5"), 32 };
	h[2] = (struct hashv){ "SHA1", mf_str(media, "sha1"), 40 };
	content_facet(g, &j, name, mf_int(media, "size", &sz) && sz >= 0,
	    (uint64_t)(mf_int(media, "size", &sz) ? sz : 0), NULL, h, 3,
	    "Hashes of the acquired media stream, not of the container files");
	etk_json_arr_end(&j);
	node_end(g, &j, &b, id);
	il_add(g, result, id);

	pv = prov_of(g, a->exhibit);
	if (pv != NULL)
		il_add(g, &pv->objs, id);
	/* the media is held in each container file the journal lists */
	outs = mf_arr(a->e->v, "outputs");
	for (k = 0; outs != NULL && k < outs->n; k++) {
		if ((p = mf_str(outs->items[k], "path")) == NULL)
			continue;
		for (m = 0; tf != NULL && m < tf->n; m++) {
			if ((q = mf_str(tf->items[m], "path")) == NULL ||
			    strcmp(mf_basename(q), mf_basename(p)) != 0)
				continue;
			iri_printf(g, "File", oid, "path/%s", p);
			snprintf(rn, sizeof(rn), "%s/segment/%zu", name, k);
			contained(g, rn, id, oid, NULL, 0, "The media stream "
			    "is held in this container file", result);
			if (pv != NULL)
				il_add(g, &pv->objs, oid);
			break;
		}
	}
}

/* Outputs of an entry: files, their derivation, their exhibit records. */
static void
outputs(struct cg *g, const struct mf_entry *e, struct irilist *result)
{
	const struct etk_jval *outs, *o, *df;
	const struct mf_evidence *ev;
	struct mf_run *runs;
	const char *p, *x, *loc;
	struct prov *pv;
	char id[IRI_MAX], evid[IRI_MAX], rn[96];
	size_t k, nruns;
	int64_t sz;

	outs = mf_arr(e->v, "outputs");
	for (k = 0; outs != NULL && k < outs->n; k++) {
		o = outs->items[k];
		if ((p = mf_str(o, "path")) == NULL)
			continue;
		path_node(g, p, mf_int(o, "size", &sz) && sz >= 0,
		    (uint64_t)(mf_int(o, "size", &sz) ? sz : 0),
		    mf_str(o, "sha256"), 0, NULL, id);
		il_add(g, result, id);
		df = mf_obj(o, "derived_from");
		loc = mf_str(df, "locator");
		ev = mf_locator_evidence(g->c, e, loc);
		if (df != NULL && ev != NULL) {
			iri_printf(g, "File", evid, "path/%s", ev->path);
			if (mf_json_runs(df, &runs, &nruns) != 0) {
				g->oom = 1;
				return;
			}
			snprintf(rn, sizeof(rn), "output/%llu/%zu",
			    (unsigned long long)e->seq, k);
			contained(g, rn, id, evid, runs, nruns, loc, result);
			free(runs);
		}
		if ((x = mf_str(o, "exhibit")) != NULL &&
		    (pv = prov_of(g, x)) != NULL) {
			il_add(g, &pv->objs, id);
			prov_record(g, x, e->seq, "Derived item", result);
		}
	}
}

static void
db_results(struct cg *g, const struct mf_entry *e, struct irilist *result)
{
	const struct mf_carved *cv;
	const struct mf_evidence *ev;
	struct hashv h[1];
	struct etk_json j;
	struct etk_buf b;
	char id[IRI_MAX], evid[IRI_MAX], *name;
	size_t i;

	for (i = g->fbstart[e->seq]; i < g->fbstart[e->seq + 1]; i++)
		fs_node(g, &g->c->files[g->fb[i]], id, result);
	for (i = 0; i < g->c->ncarved; i++) {
		cv = &g->c->carved[i];
		if (cv->action != e->seq || cv->out_index >= 0)
			continue;	/* an output: already there */
		ev = mf_evidence_by_id(g->c, cv->evidence_id);
		if ((name = mkname(g, "carved/%llu/%s",
		    (unsigned long long)cv->action, cv->locator)) == NULL)
			return;
		iri(g, "File", name, id);
		il_add(g, result, id);
		if (!seen(g, id)) {
			node_begin(&j, &b, id, "uco-observable:File");
			etk_json_kstr(&j, "uco-core:description", cv->locator);
			etk_json_key(&j, "uco-core:hasFacet");
			etk_json_arr_begin(&j);
			facet_begin(g, &j, name, "FileFacet",
			    "uco-observable:FileFacet");
			if (cv->path != NULL)
				etk_json_kstr(&j, "uco-observable:fileName",
				    mf_basename(cv->path));
			etk_json_kbool(&j, "uco-observable:isDirectory", 0);
			etk_json_kuint(&j, "uco-observable:sizeInBytes",
			    cv->length);
			etk_json_obj_end(&j);
			h[0] = (struct hashv){ "SHA256", cv->sha256, 64 };
			content_facet(g, &j, name, 1, cv->length, NULL, h, 1,
			    NULL);
			etk_json_arr_end(&j);
			node_end(g, &j, &b, id);
		}
		if (ev != NULL) {
			iri_printf(g, "File", evid, "path/%s", ev->path);
			contained(g, name, id, evid, cv->runs, cv->nruns,
			    "carved", result);
		}
		free(name);
	}
}

static int
is_custody_type(const char *t)
{
	static const char *const types[] = { "seize", "receive", "store",
	    "return", "destroy", NULL };
	size_t i;

	for (i = 0; types[i] != NULL; i++)
		if (strcmp(t, types[i]) == 0)
			return 1;
	return 0;
}

static void
action(struct cg *g, const struct mf_entry *e)
{
	const struct mf_acq *a = NULL;
	const struct etk_jval *ins, *from, *to;
	const struct mf_evidence *ev;
	struct irilist obj = { 0 }, res = { 0 }, part = { 0 };
	const char *x, *where, *actor, *xn;
	struct etk_json j;
	struct etk_buf b, d;
	struct prov *pv;
	char id[IRI_MAX], tool[IRI_MAX], perf[IRI_MAX], loc[IRI_MAX];
	int have_tool, have_perf = 0, have_loc = 0, in;
	size_t k;

	have_tool = tool_node(g, e, tool);
	ins = mf_arr(e->v, "inputs");
	for (k = 0; ins != NULL && k < ins->n; k++) {
		input_nodes(g, ins->items[k], &obj);
		/* the exhibit the input is an image of, as it stood */
		ev = mf_evidence_by_path(g->c, mf_str(ins->items[k], "path"));
		xn = ev != NULL ? (ev->exhibit != NULL ? ev->exhibit :
		    ev->name) : NULL;
		if ((pv = prov_of(g, xn)) != NULL && pv->cur[0] != '\0')
			il_add(g, &obj, pv->cur);
	}
	x = mf_str(e->v, "exhibit");
	pv = prov_of(g, x);
	if (pv != NULL && pv->cur[0] != '\0')
		il_add(g, &obj, pv->cur);

	from = mf_obj(e->v, "from");
	to = mf_obj(e->v, "to");
	actor = mf_str(e->v, "actor");
	if (from != NULL && mf_str(from, "name") != NULL) {
		party_iri(g, from, perf);
		have_perf = 1;
	} else if (actor != NULL) {
		person_iri(g, actor, NULL, perf);
		have_perf = seen(g, perf);
	}
	if (to != NULL && mf_str(to, "name") != NULL) {
		party_iri(g, to, loc);
		il_add(g, &part, loc);
	}
	if ((where = mf_str(e->v, "location")) != NULL) {
		location_node(g, where, loc);
		have_loc = 1;
	}

	if (strcmp(e->type, "acquire") == 0 &&
	    (a = acq_of(g->c, e->seq)) != NULL) {
		if (a->record != NULL)
			source_device(g, a, &obj);
		outputs(g, e, &res);
		if (a->record != NULL)
			acquisition(g, a, &res);
		if (a->exhibit != NULL) {
			if ((pv = prov_of(g, a->exhibit)) != NULL &&
			    pv->cur[0] != '\0')
				il_add(g, &obj, pv->cur);
			prov_record(g, a->exhibit, e->seq, "Forensic image of "
			    "the exhibit", &res);
		}
	} else
		outputs(g, e, &res);
	db_results(g, e, &res);
	if (x != NULL && (strcmp(e->type, "transfer") == 0 ||
	    is_custody_type(e->type))) {
		exhibit_device(g, x, mf_str(e->v, "item"));
		etk_buf_init(&d);
		etk_buf_printf(&d, "%s of exhibit %s", e->type, x);
		if ((xn = mf_str(e->v, "bag_seal")) != NULL) {
			in = mf_bool(e->v, "bag_seal_intact");
			etk_buf_printf(&d, "; bag seal %s (%s)", xn, in == 1 ?
			    "intact" : in == 0 ? "NOT intact" : "state not "
			    "stated");
		}
		if ((xn = mf_str(e->v, "new_bag_seal")) != NULL)
			etk_buf_printf(&d, "; resealed in %s", xn);
		if (where != NULL)
			etk_buf_printf(&d, "; location %s", where);
		prov_record(g, x, e->seq, d.data, &res);
		etk_buf_release(&d);
	}

	iri_printf(g, "InvestigativeAction", id, "action/%llu",
	    (unsigned long long)e->seq);
	node_begin(&j, &b, id, "case-investigation:InvestigativeAction");
	etk_json_kstr(&j, "uco-core:name", action_name(e->type));
	etk_buf_init(&d);
	action_descr(&d, e, a);
	etk_json_kstr(&j, "uco-core:description", d.data);
	etk_buf_release(&d);
	time_prop(&j, "uco-action:startTime", mf_str(e->v, "ts_start"));
	time_prop(&j, "uco-action:endTime", mf_str(e->v, "ts"));
	if (have_perf)
		ref(&j, "uco-action:performer", perf);
	refs(&j, "uco-action:participant", &part);
	if (have_tool)
		ref(&j, "uco-action:instrument", tool);
	if (have_loc)
		ref(&j, "uco-action:location", loc);
	refs(&j, "uco-action:object", &obj);
	refs(&j, "uco-action:result", &res);
	node_end(g, &j, &b, id);
	il_free(&obj);
	il_free(&res);
	il_free(&part);
}

/* files bucketed by every action that listed or hashed them */
static int
bucket_files(struct cg *g)
{
	const struct mf_case *c = g->c;
	size_t i, k, total = 0, *fill;

	if ((g->fbstart = calloc(c->ne + 2, sizeof(size_t))) == NULL)
		return -1;
	for (i = 0; i < c->nfiles; i++)
		for (k = 0; k < c->files[i].nactions; k++)
			if (c->files[i].actions[k] <= c->ne) {
				g->fbstart[c->files[i].actions[k] + 1]++;
				total++;
			}
	for (i = 1; i <= c->ne + 1; i++)
		g->fbstart[i] += g->fbstart[i - 1];
	if ((g->fb = calloc(total + 1, sizeof(size_t))) == NULL ||
	    (fill = calloc(c->ne + 2, sizeof(size_t))) == NULL)
		return -1;
	for (i = 0; i < c->nfiles; i++)
		for (k = 0; k < c->files[i].nactions; k++) {
			uint64_t a = c->files[i].actions[k];

			if (a <= c->ne)
				g->fb[g->fbstart[a] + fill[a]++] = i;
		}
	free(fill);
	return 0;
}

int
mf_emit_case(const struct mf_case *c, struct etk_buf *out,
    struct etk_error *err)
{
	static const unsigned char url_ns[16] = {	/* RFC 4122 NameSpace_URL */
	    0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
	    0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
	struct cg g;
	struct etk_json j;
	struct etk_buf b;
	char u[37], id[IRI_MAX];
	size_t i;
	int rc = ETK_OK;

	memset(&g, 0, sizeof(g));
	g.c = c;
	etk_buf_init(&g.nodes);
	etk_buf_init(&g.ids);
	mf_runs_init(&g.ec, c);
	etk_buf_init(&b);
	etk_buf_printf(&b, "etk-manifest:%s:%s", c->case_id, c->genesis);
	mf_uuid5(url_ns, b.data != NULL ? b.data : "", b.len, g.ns, u);
	etk_buf_release(&b);
	if ((g.prov = calloc(c->nex + 1, sizeof(*g.prov))) == NULL ||
	    bucket_files(&g) != 0) {
		rc = etk_fail(err, ETK_ENOMEM, 0, "manifest: out of memory");
		goto out;
	}

	persons(&g);
	/* evidence items and the initial record of exhibits named after
	 * them (or of the exhibit they are an image of) */
	for (i = 0; i < c->nev; i++) {
		struct prov *pv;

		path_node(&g, c->ev[i].path, c->ev[i].has_size, c->ev[i].size,
		    c->ev[i].sha256, c->ev[i].kind != NULL &&
		    strcmp(c->ev[i].kind, "directory") == 0, NULL, id);
		{
			struct irilist media = { 0 };
			size_t m;

			media_node(&g, &c->ev[i], &media);
			for (m = 0; m < media.n; m++) {
				if ((pv = prov_of(&g, c->ev[i].name)) != NULL)
					il_add(&g, &pv->objs, media.v[m]);
			}
			il_free(&media);
		}
		if ((pv = prov_of(&g, c->ev[i].name)) != NULL) {
			il_add(&g, &pv->objs, id);
			prov_record(&g, c->ev[i].name, 0, "Evidence item as "
			    "recorded in the case database", NULL);
		}
		if ((pv = prov_of(&g, c->ev[i].exhibit)) != NULL)
			il_add(&g, &pv->objs, id);
	}
	for (i = 0; i < c->ne; i++)
		if (mf_about(c, &c->e[i]))
			action(&g, &c->e[i]);
	if (g.oom || g.nodes.oom || g.ids.oom) {
		rc = etk_fail(err, ETK_ENOMEM, 0, "manifest: out of memory");
		goto out;
	}

	etk_buf_adds(out, "{\n\"@context\":{"
	    "\"kb\":\"http://example.org/kb/\","
	    "\"case-investigation\":"
	    "\"https://ontology.caseontology.org/case/investigation/\","
	    "\"uco-action\":"
	    "\"https://ontology.unifiedcyberontology.org/uco/action/\","
	    "\"uco-core\":\"https://ontology.unifiedcyberontology.org/uco/core/\","
	    "\"uco-identity\":"
	    "\"https://ontology.unifiedcyberontology.org/uco/identity/\","
	    "\"uco-location\":"
	    "\"https://ontology.unifiedcyberontology.org/uco/location/\","
	    "\"uco-observable\":"
	    "\"https://ontology.unifiedcyberontology.org/uco/observable/\","
	    "\"uco-tool\":\"https://ontology.unifiedcyberontology.org/uco/tool/\","
	    "\"uco-types\":\"https://ontology.unifiedcyberontology.org/uco/types/\","
	    "\"xsd\":\"http://www.w3.org/2001/XMLSchema#\"},\n\"@graph\":[\n");
	iri(&g, "Investigation", "investigation", id);
	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "@id", id);
	etk_json_kstr(&j, "@type", "case-investigation:Investigation");
	etk_json_kstr(&j, "uco-core:name", c->case_id);
	etk_json_kstr(&j, "case-investigation:focus", "Chain of custody");
	etk_json_key(&j, "uco-core:description");
	{
		struct etk_buf d;

		etk_buf_init(&d);
		etk_buf_printf(&d, "Chain-of-custody manifest of case %s: "
		    "journal lines 1-%zu, last line SHA-256 %s, genesis line "
		    "SHA-256 %s", c->case_id, c->ne, c->head, c->genesis);
		if (c->only != NULL)
			etk_buf_printf(&d, "; exhibit %s only", c->only);
		etk_json_str(&j, d.data);
		etk_buf_release(&d);
	}
	etk_json_key(&j, "uco-core:object");
	etk_json_raw(&j, "[");
	etk_buf_add(&b, g.ids.data, g.ids.len);
	etk_buf_addc(&b, ']');
	etk_json_obj_end(&j);
	etk_buf_add(out, b.data, b.len);
	etk_buf_release(&b);
	if (g.nnodes > 0) {
		etk_buf_adds(out, ",\n");
		etk_buf_add(out, g.nodes.data, g.nodes.len);
	}
	etk_buf_adds(out, "\n]\n}\n");
out:
	for (i = 0; g.prov != NULL && i < c->nex; i++)
		il_free(&g.prov[i].objs);
	free(g.prov);
	for (i = 0; i < g.setcap; i++)
		free(g.set[i]);
	free(g.set);
	free(g.fb);
	free(g.fbstart);
	mf_runs_release(&g.ec);
	etk_buf_release(&g.nodes);
	etk_buf_release(&g.ids);
	return rc;
}
