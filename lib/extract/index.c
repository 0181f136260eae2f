/*
 * The index of one source's regular files, with each file's canonical
 * device path, so that a database's -wal, an attachment the database
 * names by its on-phone path, and a record's "db" field are the same
 * whether the phone came as a folder, an archive, an iOS or Android
 * backup or a disk image.  One entry per file, strings in an arena: no
 * malloc per file, memory linear in the file count only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract/run_int.h"

#define ARENA_CHUNK	(256 * 1024)

struct ex_arena_chunk {
	struct ex_arena_chunk *next;
	size_t used, cap;
	char data[];
};

char *
ex_arena_strndup(struct ex_arena *ar, const char *s, size_t n)
{
	struct ex_arena_chunk *c = ar->head;
	size_t cap;
	char *p;

	if (c == NULL || c->cap - c->used < n + 1) {
		cap = n + 1 > ARENA_CHUNK ? n + 1 : ARENA_CHUNK;
		if ((c = malloc(sizeof(*c) + cap)) == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = ar->head;
		ar->head = c;
	}
	p = c->data + c->used;
	memcpy(p, s, n);
	p[n] = '\0';
	c->used += n + 1;
	return p;
}

char *
ex_arena_strdup(struct ex_arena *ar, const char *s)
{
	return s != NULL ? ex_arena_strndup(ar, s, strlen(s)) : NULL;
}

void
ex_arena_release(struct ex_arena *ar)
{
	struct ex_arena_chunk *c, *n;

	for (c = ar->head; c != NULL; c = n) {
		n = c->next;
		free(c);
	}
	ar->head = NULL;
}

/* ------------------------------------------------------------------ */
/* Canonical paths */

static int
has_prefix(const char *s, const char *p, const char **rest)
{
	size_t l = strlen(p);

	if (strncmp(s, p, l) != 0)
		return 0;
	if (s[l] != '\0' && s[l] != '/' && p[l - 1] != '/')
		return 0;
	*rest = s + l;
	return 1;
}

/* iOS backup domains and where they live on the phone. */
static const struct {
	const char *domain;
	const char *dir;
	int takes_id;		/* "AppDomain-<bundle>" */
} ios_domains[] = {
	{ "AppDomain", "/private/var/mobile/Containers/Data/Application", 1 },
	{ "AppDomainGroup", "/private/var/mobile/Containers/Shared/AppGroup",
	    1 },
	{ "AppDomainPlugin",
	    "/private/var/mobile/Containers/Data/PluginKitPlugin", 1 },
	{ "CameraRollDomain", "/private/var/mobile", 0 },
	{ "DatabaseDomain", "/private/var/db", 0 },
	{ "HealthDomain", "/private/var/mobile/Library", 0 },
	{ "HomeDomain", "/private/var/mobile", 0 },
	{ "HomeKitDomain", "/private/var/mobile", 0 },
	{ "InstallDomain", "/private/var/installd", 0 },
	{ "KeyboardDomain", "/private/var/mobile", 0 },
	{ "KeychainDomain", "/private/var/Keychains", 0 },
	{ "ManagedPreferencesDomain", "/private/var/Managed Preferences", 0 },
	{ "MediaDomain", "/private/var/mobile", 0 },
	{ "MobileDeviceDomain", "/private/var/MobileDevice", 0 },
	{ "ProtectedDomain", "/private/var/protected", 0 },
	{ "RootDomain", "/private/var/root", 0 },
	{ "SysContainerDomain", "/private/var/containers/Data/System", 1 },
	{ "SysSharedContainerDomain",
	    "/private/var/containers/Shared/SystemGroup", 1 },
	{ "SystemPreferencesDomain", "/private/var/preferences", 0 },
	{ "TonesDomain", "/private/var/mobile", 0 },
	{ "WirelessDomain", "/private/var/wireless", 0 },
};

/* "/HomeDomain/Library/x" -> out; 0 when the first component is no
 * backup domain. */
static int
canon_ios_domain(const char *p, struct etk_buf *out)
{
	const char *e = strchr(p + 1, '/'), *dash;
	size_t l = e != NULL ? (size_t)(e - p - 1) : strlen(p + 1), dl, i;

	dash = memchr(p + 1, '-', l);
	dl = dash != NULL ? (size_t)(dash - p - 1) : l;
	for (i = 0; i < sizeof(ios_domains) / sizeof(ios_domains[0]); i++) {
		if (strlen(ios_domains[i].domain) != dl ||
		    strncmp(ios_domains[i].domain, p + 1, dl) != 0)
			continue;
		if (ios_domains[i].takes_id != (dash != NULL))
			continue;
		etk_buf_adds(out, ios_domains[i].dir);
		if (dash != NULL) {
			etk_buf_addc(out, '/');
			etk_buf_add(out, dash + 1, l - dl - 1);
		}
		if (e != NULL)
			etk_buf_adds(out, e);
		return 1;
	}
	return 0;
}

/* adb backup tokens: apps/<pkg>/<token>/... */
static const struct {
	const char *tok;
	const char *dir;	/* %s = package */
	const char *sub;
} ab_tokens[] = {
	{ "a", "/data/app/", "" },
	{ "c", "/data/data/", "/cache" },
	{ "d_c", "/data/user_de/0/", "/cache" },
	{ "d_db", "/data/user_de/0/", "/databases" },
	{ "d_f", "/data/user_de/0/", "/files" },
	{ "d_nb", "/data/user_de/0/", "/no_backup" },
	{ "d_r", "/data/user_de/0/", "" },
	{ "d_sp", "/data/user_de/0/", "/shared_prefs" },
	{ "db", "/data/data/", "/databases" },
	{ "ef", "/data/media/0/Android/data/", "/files" },
	{ "f", "/data/data/", "/files" },
	{ "nb", "/data/data/", "/no_backup" },
	{ "obb", "/data/media/obb/", "" },
	{ "r", "/data/data/", "" },
	{ "sp", "/data/data/", "/shared_prefs" },
};

static int
canon_ab(const char *p, struct etk_buf *out)
{
	const char *pkg, *pe, *tok, *te;
	size_t i, tl;

	if (strncmp(p, "/apps/", 6) != 0)
		return 0;
	pkg = p + 6;
	if ((pe = strchr(pkg, '/')) == NULL || pe == pkg)
		return 0;
	tok = pe + 1;
	te = strchr(tok, '/');
	tl = te != NULL ? (size_t)(te - tok) : strlen(tok);
	for (i = 0; i < sizeof(ab_tokens) / sizeof(ab_tokens[0]); i++) {
		if (strlen(ab_tokens[i].tok) != tl ||
		    strncmp(ab_tokens[i].tok, tok, tl) != 0)
			continue;
		etk_buf_adds(out, ab_tokens[i].dir);
		etk_buf_add(out, pkg, (size_t)(pe - pkg));
		etk_buf_adds(out, ab_tokens[i].sub);
		if (te != NULL)
			etk_buf_adds(out, te);
		return 1;
	}
	return 0;
}

/* Device-path aliases that name the same place. */
static void
canon_alias(const char *p, struct etk_buf *out)
{
	static const struct {
		const char *from, *to;
	} alias[] = {
		{ "/var/mobile", "/private/var/mobile" },
		{ "/var/root", "/private/var/root" },
		{ "/var/wireless", "/private/var/wireless" },
		{ "/data/user/0/", "/data/data/" },
		{ "/sdcard", "/data/media/0" },
		{ "/mnt/sdcard", "/data/media/0" },
		{ "/storage/emulated/0", "/data/media/0" },
		{ "/storage/self/primary", "/data/media/0" },
		{ "/mnt/user/0/primary", "/data/media/0" },
		{ "/media/0", "/data/media/0" },
	};
	const char *rest;
	size_t i;

	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (has_prefix(p, alias[i].from, &rest)) {
			etk_buf_adds(out, alias[i].to);
			etk_buf_adds(out, rest);
			return;
		}
	etk_buf_adds(out, p);
}

void
ex_canon(const char *path, int ab, int userdata, struct etk_buf *out)
{
	struct etk_buf a;

	etk_buf_reset(out);
	etk_buf_init(&a);
	if (path == NULL || *path == '\0')
		path = "/";
	if (*path != '/')
		etk_buf_addc(&a, '/');
	etk_buf_adds(&a, path);
	/* A userdata partition is mounted at /data: its /media/0 is
	 * /data/media/0, its /<pkg> dirs are /data/data/<pkg>.  Trees
	 * that already spell /data/... are taken as written. */
	if (userdata && strncmp(a.data, "/data/", 6) != 0 &&
	    strncmp(a.data, "/media/", 7) != 0) {
		etk_buf_reset(out);
		etk_buf_adds(out, "/data");
		etk_buf_adds(out, a.data);
		etk_buf_reset(&a);
		etk_buf_adds(&a, out->data);
		etk_buf_reset(out);
	}
	if (a.oom) {
		etk_buf_adds(out, path);
	} else if (canon_ios_domain(a.data, out) ||
	    (ab && canon_ab(a.data, out))) {
		/* out holds it */
	} else
		canon_alias(a.data, out);
	etk_buf_release(&a);
}

/* ------------------------------------------------------------------ */
/* Building the index */

struct build {
	struct ex_index *ix;
	struct etk_evidence *ev;
	const struct etk_volume *vols;
	size_t nvols;
	int ab;
	volatile int *interrupt;
	struct etk_buf cb;
	int oom;
};

static int
is_userdata(struct build *b, int slot)
{
	size_t i;

	for (i = 0; i < b->nvols; i++)
		if (b->vols[i].slot == slot && b->vols[i].desc != NULL &&
		    strcasecmp(b->vols[i].desc, "userdata") == 0)
			return 1;
	return 0;
}

static int
on_entry(const struct etk_entry *e, void *arg)
{
	struct build *b = arg;
	struct ex_index *ix = b->ix;
	struct ex_ent *n;
	const char *op;
	char obuf[1024];

	if (b->interrupt != NULL && *b->interrupt)
		return 1;
	if (e->name_type != 'r' && !(e->name_type == '-' &&
	    e->meta_type == 'r'))
		return 0;
	if (e->has_attr && e->name != NULL && strchr(e->name, ':') != NULL)
		return 0;	/* NTFS alternate streams: not phone files */
	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 1024;
		struct ex_ent *v = realloc(ix->v, cap * sizeof(*v));

		if (v == NULL) {
			b->oom = 1;
			return 1;
		}
		ix->v = v;
		ix->cap = cap;
	}
	n = &ix->v[ix->n];
	memset(n, 0, sizeof(*n));
	n->locator = ex_arena_strdup(&ix->ar, e->locator);
	op = etk_entry_open_locator(e, obuf, sizeof(obuf));
	n->open = op == e->locator ? n->locator :
	    ex_arena_strdup(&ix->ar, op);
	n->path = ex_arena_strdup(&ix->ar, e->path != NULL ? e->path : "");
	n->parent = e->parent != NULL ? ex_arena_strdup(&ix->ar, e->parent) :
	    NULL;
	n->size = e->size;
	n->volume = e->volume;
	n->deleted = e->deleted != 0 || !e->allocated;
	n->nested = e->parent != NULL;
	if (n->locator == NULL || n->path == NULL || n->open == NULL ||
	    (e->parent != NULL && n->parent == NULL)) {
		b->oom = 1;
		return 1;
	}
	if (!n->nested) {
		ex_canon(n->path, b->ab, is_userdata(b, e->volume), &b->cb);
		n->canon = b->cb.oom ? NULL : ex_arena_strdup(&ix->ar,
		    b->cb.data);
		if (n->canon == NULL) {
			b->oom = 1;
			return 1;
		}
	}
	ix->n++;
	return 0;
}

static int
cmp_loc(const void *a, const void *b)
{
	const struct ex_ent *x = *(struct ex_ent *const *)a;
	const struct ex_ent *y = *(struct ex_ent *const *)b;

	return strcmp(x->locator, y->locator);
}

static int
cmp_ent(const void *a, const void *b)
{
	const struct ex_ent *x = a, *y = b;
	int c = strcmp(x->canon, y->canon);

	if (c != 0)
		return c;
	if (x->deleted != y->deleted)
		return x->deleted ? 1 : -1;
	return strcmp(x->locator, y->locator);
}

static int
cmp_base(const void *a, const void *b)
{
	const struct ex_ent *x = *(struct ex_ent *const *)a;
	const struct ex_ent *y = *(struct ex_ent *const *)b;
	int c = strcmp(x->base, y->base);

	return c != 0 ? c : (x < y ? -1 : x > y);
}

/* Nested entries: the container's canonical path, "!", the member's
 * path.  Containers come before their members in walk order, but a
 * container may itself be nested: resolve through the locator table
 * with a depth bound. */
static const char *
nested_canon(struct build *b, struct ex_ent **byloc, struct ex_ent *e,
    int depth)
{
	struct ex_ent key, *kp = &key, **hit;
	const char *pc;
	struct etk_buf t;
	char *r;

	if (e->canon != NULL)
		return e->canon;
	if (depth > 16 || e->parent == NULL)
		return NULL;
	key.locator = e->parent;
	hit = bsearch(&kp, byloc, b->ix->n, sizeof(*byloc), cmp_loc);
	pc = hit != NULL ? nested_canon(b, byloc, *hit, depth + 1) : NULL;
	etk_buf_init(&t);
	etk_buf_adds(&t, pc != NULL ? pc : e->parent);
	etk_buf_addc(&t, '!');
	etk_buf_adds(&t, *e->path == '/' ? "" : "/");
	etk_buf_adds(&t, e->path);
	r = t.oom ? NULL : ex_arena_strdup(&b->ix->ar, t.data);
	etk_buf_release(&t);
	e->canon = r;
	return r;
}


/* ------------------------------------------------------------------ */
/* iOS app containers: a full-file-system dump names them by a random
 * UUID (".../Shared/AppGroup/5A1D3C2B-...") and a backup by their
 * identifier ("AppDomainGroup-group.net.whatsapp.WhatsApp.shared").
 * Each container holds .com.apple.mobile_container_manager.metadata.plist
 * whose MCMMetadataIdentifier names it: with it, the UUID in the
 * canonical path becomes the identifier, as in a backup. */

#define MCM_PLIST	".com.apple.mobile_container_manager.metadata.plist"
#define MCM_KEY		"MCMMetadataIdentifier"

static uint64_t
be_n(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = (v << 8) | *p++;
	return v;
}

/* A binary plist object: its marker's count (following int when the
 * nibble is 15) and where its payload starts; -1 when out of bounds. */
static int
bp_obj(const unsigned char *b, size_t len, uint64_t off, unsigned *type,
    uint64_t *count, uint64_t *data)
{
	unsigned m, n;

	if (off >= len)
		return -1;
	m = b[off];
	*type = m >> 4;
	*count = m & 0x0f;
	*data = off + 1;
	if (*count == 15 && (*type == 5 || *type == 6 || *type == 0xd ||
	    *type == 0xa)) {
		if (off + 2 > len || (b[off + 1] >> 4) != 1)
			return -1;
		n = 1u << (b[off + 1] & 0x0f);
		if (n > 8 || off + 2 + n > len)
			return -1;
		*count = be_n(b + off + 2, n);
		*data = off + 2 + n;
	}
	return 0;
}

static int
bp_ident(const unsigned char *b, size_t len, char *out, size_t outsz)
{
	const unsigned char *t;
	uint64_t nobj, top, otab, cnt, data, i, koff, voff, kc, kd, vc, vd;
	unsigned osz, rsz, type, kt, vt;

	if (len < 40 || memcmp(b, "bplist00", 8) != 0)
		return -1;
	t = b + len - 32;
	osz = t[6];
	rsz = t[7];
	nobj = be_n(t + 8, 8);
	top = be_n(t + 16, 8);
	otab = be_n(t + 24, 8);
	if (osz < 1 || osz > 8 || rsz < 1 || rsz > 8 || top >= nobj ||
	    otab >= len || nobj > (len - otab) / osz)
		return -1;
	if (bp_obj(b, len, be_n(b + otab + top * osz, osz), &type, &cnt,
	    &data) != 0 || type != 0xd || cnt > nobj ||
	    data + 2 * cnt * rsz > len)
		return -1;
	for (i = 0; i < cnt; i++) {
		uint64_t kr = be_n(b + data + i * rsz, rsz);
		uint64_t vr = be_n(b + data + (cnt + i) * rsz, rsz);

		if (kr >= nobj || vr >= nobj)
			return -1;
		koff = be_n(b + otab + kr * osz, osz);
		voff = be_n(b + otab + vr * osz, osz);
		if (bp_obj(b, len, koff, &kt, &kc, &kd) != 0 || kt != 5 ||
		    kc != strlen(MCM_KEY) || kd + kc > len ||
		    memcmp(b + kd, MCM_KEY, kc) != 0)
			continue;
		if (bp_obj(b, len, voff, &vt, &vc, &vd) != 0 || vt != 5 ||
		    vc == 0 || vc >= outsz || vd + vc > len)
			return -1;
		memcpy(out, b + vd, vc);
		out[vc] = '\0';
		return 0;
	}
	return -1;
}

static int
xml_ident(const char *s, size_t len, char *out, size_t outsz)
{
	const char *k, *v, *e, *end = s + len;

	k = memmem(s, len, "<key>" MCM_KEY "</key>", strlen(MCM_KEY) + 11);
	if (k == NULL)
		return -1;
	v = memmem(k, (size_t)(end - k), "<string>", 8);
	if (v == NULL)
		return -1;
	v += 8;
	e = memmem(v, (size_t)(end - v), "</string>", 9);
	if (e == NULL || e == v || (size_t)(e - v) >= outsz)
		return -1;
	memcpy(out, v, (size_t)(e - v));
	out[e - v] = '\0';
	return 0;
}

static int
ident_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '-' ||
		    *s == '_'))
			return 0;
	return 1;
}

static void
mcm_rename(struct build *b)
{
	static const char *const roots[] = {
		"/private/var/mobile/Containers/Shared/AppGroup/",
		"/private/var/mobile/Containers/Data/Application/",
		"/private/var/mobile/Containers/Data/PluginKitPlugin/",
	};
	struct ex_index *ix = b->ix;
	struct etk_error err = { 0 };
	struct etk_buf data, pre, t;
	char id[256], *nc;
	size_t i, j, r, pl;
	int trunc;

	etk_buf_init(&data);
	etk_buf_init(&pre);
	etk_buf_init(&t);
	for (i = 0; i < ix->n; i++) {
		const char *c = ix->v[i].canon, *u, *sl;

		if (ix->v[i].nested || ix->v[i].deleted)
			continue;
		for (r = 0; r < sizeof(roots) / sizeof(roots[0]); r++)
			if (strncmp(c, roots[r], strlen(roots[r])) == 0)
				break;
		if (r == sizeof(roots) / sizeof(roots[0]))
			continue;
		u = c + strlen(roots[r]);
		sl = strchr(u, '/');
		if (sl == NULL || sl == u || strcmp(sl + 1, MCM_PLIST) != 0)
			continue;
		etk_error_clear(&err);
		if (ex_read_file(b->ev, ix->v[i].open, 1 << 20, &data,
		    &trunc, &err) != 0 || trunc)
			continue;
		if (bp_ident((const unsigned char *)data.data, data.len, id,
		    sizeof(id)) != 0 && xml_ident(data.data, data.len, id,
		    sizeof(id)) != 0)
			continue;
		if (!ident_ok(id) || strcmp(id, ".") == 0 ||
		    strcmp(id, "..") == 0)
			continue;
		/* ".../AppGroup/<UUID>/" -> ".../AppGroup/<id>/" */
		etk_buf_reset(&pre);
		etk_buf_add(&pre, c, (size_t)(sl - c + 1));
		pl = pre.len;
		for (j = 0; j < ix->n && !pre.oom; j++) {
			if (strncmp(ix->v[j].canon, pre.data, pl) != 0)
				continue;
			etk_buf_reset(&t);
			etk_buf_adds(&t, roots[r]);
			etk_buf_adds(&t, id);
			etk_buf_addc(&t, '/');
			etk_buf_adds(&t, ix->v[j].canon + pl);
			if (!t.oom && (nc = ex_arena_strdup(&ix->ar,
			    t.data)) != NULL)
				ix->v[j].canon = nc;
		}
	}
	etk_buf_release(&data);
	etk_buf_release(&pre);
	etk_buf_release(&t);
}

int
ex_index_build(struct ex_index *ix, struct etk_evidence *ev,
    struct etk_summary *sum, volatile int *interrupt, struct etk_error *err)
{
	struct build b;
	struct ex_ent **byloc = NULL;
	const char *s;
	size_t i;
	int rc;

	memset(&b, 0, sizeof(b));
	b.ix = ix;
	b.ev = ev;
	b.interrupt = interrupt;
	b.ab = etk_evidence_kind(ev) == ETK_EV_ANDROID_BACKUP;
	b.nvols = etk_evidence_volumes(ev, &b.vols);
	etk_buf_init(&b.cb);
	rc = etk_evidence_walk(ev, NULL, ETK_WALK_DEFAULT | ETK_WALK_NESTED,
	    on_entry, &b, sum, err);
	etk_buf_release(&b.cb);
	if (b.oom)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "file index: out of "
		    "memory");
	if (rc != ETK_OK)
		return rc;
	if (ix->n > 0) {
		if ((byloc = malloc(ix->n * sizeof(*byloc))) == NULL)
			return etk_fail(err, ETK_ENOMEM, ENOMEM,
			    "file index: out of memory");
		for (i = 0; i < ix->n; i++)
			byloc[i] = &ix->v[i];
		qsort(byloc, ix->n, sizeof(*byloc), cmp_loc);
		for (i = 0; i < ix->n; i++)
			if (nested_canon(&b, byloc, &ix->v[i], 0) == NULL) {
				free(byloc);
				return etk_fail(err, ETK_ENOMEM, ENOMEM,
				    "file index: out of memory");
			}
		free(byloc);
	}
	mcm_rename(&b);
	for (i = 0; i < ix->n; i++) {
		s = strrchr(ix->v[i].canon, '/');
		ix->v[i].base = s != NULL ? s + 1 : ix->v[i].canon;
	}
	if (ix->n > 0)
		qsort(ix->v, ix->n, sizeof(*ix->v), cmp_ent);
	if (ix->n > 0 && (ix->bybase = malloc(ix->n *
	    sizeof(*ix->bybase))) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "file index: out of "
		    "memory");
	for (i = 0; i < ix->n; i++)
		ix->bybase[i] = &ix->v[i];
	if (ix->n > 0)
		qsort(ix->bybase, ix->n, sizeof(*ix->bybase), cmp_base);
	return ETK_OK;
}

void
ex_index_release(struct ex_index *ix)
{
	free(ix->v);
	free(ix->bybase);
	ex_arena_release(&ix->ar);
	memset(ix, 0, sizeof(*ix));
}

struct ex_ent *
ex_index_find(struct ex_index *ix, const char *canon)
{
	size_t lo = 0, hi = ix->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(ix->v[mid].canon, canon);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ix->n && strcmp(ix->v[lo].canon, canon) == 0)
		return &ix->v[lo];	/* allocated sort first */
	return NULL;
}

size_t
ex_index_base(struct ex_index *ix, const char *base, struct ex_ent ***first)
{
	size_t lo = 0, hi = ix->n, mid, n;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(ix->bybase[mid]->base, base) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (n = 0; lo + n < ix->n && strcmp(ix->bybase[lo + n]->base,
	    base) == 0; n++)
		;
	*first = n > 0 ? &ix->bybase[lo] : NULL;
	return n;
}

int
ex_read_file(struct etk_evidence *ev, const char *locator, uint64_t cap,
    struct etk_buf *out, int *truncated, struct etk_error *err)
{
	struct etk_source *src = NULL;
	uint64_t size, want, off = 0;
	size_t got;
	int rc;

	etk_buf_reset(out);
	*truncated = 0;
	if ((rc = etk_evidence_open_file(ev, locator, &src, err)) != ETK_OK)
		return rc;
	size = etk_source_size(src);
	want = size;
	if (want > cap) {
		want = cap;
		*truncated = 1;
	}
	/* One allocation of the final size. */
	if (out->cap < want + 1) {
		char *p = out->cap != 0 ? realloc(out->data, (size_t)want + 1) :
		    malloc((size_t)want + 1);

		if (p == NULL) {
			etk_source_close(src);
			return etk_fail(err, ETK_ENOMEM, ENOMEM, "%s: out of "
			    "memory", locator);
		}
		out->data = p;
		out->cap = (size_t)want + 1;
	}
	while (off < want) {
		size_t chunk = want - off > (1u << 20) ? (1u << 20) :
		    (size_t)(want - off);

		rc = etk_source_read(src, off, out->data + off, chunk, &got,
		    err);
		if (rc != ETK_OK) {
			etk_source_close(src);
			return rc;
		}
		if (got == 0)
			break;
		off += got;
	}
	out->len = (size_t)off;
	out->data[out->len] = '\0';
	etk_source_close(src);
	return ETK_OK;
}
