/*
 * POLE: the people, objects, locations and events in the extracted
 * records, de-duplicated and linked (CUSTODY.md section 5).
 *
 * Identity.  Objects are keyed by their normalised value: a telephone
 * by its E.164 form (or national digits when no country is known), an
 * e-mail by its lower-cased address, an online account by (service,
 * handle), a file by its SHA-256, a device by (make, model).  People
 * from contacts are keyed by their case-folded name (the same contact
 * synced into several apps is one person; a contact without a name is
 * keyed by its first identifier), account holders by their name.
 * Locations are keyed by their coordinates to 1e-7 degree (and
 * altitude).  A photo event is keyed by its file.
 *
 * Determinism.  Ids ("P-000001", "O-...", "L-...", "E-...") are given
 * only in ex_pole_write.  People, objects, locations and photo events
 * are sorted by a key built from content alone (the dedup key; photo
 * events by time first), provenance lists are sorted and
 * de-duplicated, links between them sorted by ids: all of that is
 * byte-identical whatever order the records arrive in.  Message and
 * call events are NOT sorted: they are numbered and written in the
 * order they arrive, after the photo events (E-000001.. are photos in
 * time order, then messages and calls as fed), and their PARTY_TO
 * links in the same order.  That is deterministic because the sink
 * feeds records in a fixed order (databases sorted by path, rows by
 * rowid) whatever the thread count; the same input in the same order
 * gives the same bytes.  What an object keeps from events (a count,
 * its first source in (database, table, rowid) order) does not depend
 * on their order.
 *
 * Memory.  People, objects and locations are few (a phone's contacts
 * and the distinct numbers it talked to) and kept in full in one hash
 * table keyed by the dedup key, with the strings they use interned.
 * Message and call events can be millions, so none is kept: each is
 * appended as it arrives to a spill file (a fixed header, the thread
 * and source locator as bytes, and its parties as 4-byte entity
 * indexes), which ex_pole_write reads back twice, sequentially: once
 * for the event lines, once for the PARTY_TO links, whose object ids
 * are known by then.  Memory is therefore flat in the number of
 * events (one event's parties and strings at a time); the spill holds
 * a 40-byte header, the thread, the locator and 4 bytes a party per
 * event (about 250 MB for 2 million messages).  Measured on 2 million
 * messages among 100,000 numbers: 41 MB peak for the whole run (the
 * distinct objects), against 209 MB when events were kept.  The
 * spill is made with mkstemp in the directory given to ex_pole_new
 * (the output directory in etk extract; else $TMPDIR or /tmp) and
 * unlinked at once, so nothing is left behind or listed; a failure to
 * write or read it is ETK_EIO.  An object seen only in events does
 * not list every such event in its provenance (the links do that): it
 * keeps the first source in sort order and a count ("events").
 *
 * Output.  ex_pole_write renders lines into two buffers that are
 * handed to the caller's callback whenever they pass 1 MiB, so the
 * text (about 300 MB for a million messages) is never held whole.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <etk/json.h>

#include "extract/ex_int.h"

#define NONE	UINT32_MAX

enum pole_kind { K_PERSON = 0, K_OBJECT, K_LOCATION, K_EVENT };
static const char kind_letter[] = { 'P', 'O', 'L', 'E' };
static const char *const kind_name[] = { "Person", "Object", "Location",
	"Event" };

/* Party roles in an event, in output order. */
enum { R_SENDER = 0, R_RECIPIENT, R_CALLER, R_CALLEE, R_PARTY, R_NROLES };
static const char *const role_name[] = { "sender", "recipient", "caller",
	"callee", "party" };

/* ---- interned strings ---- */

struct strtab {
	char **s;
	size_t n, cap;
	uint32_t *slot;		/* open addressing: index+1, 0 empty */
	size_t nslot;
};

static uint64_t
hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ULL;

	while (n-- > 0) {
		h ^= *b++;
		h *= 1099511628211ULL;
	}
	return h;
}

static int
strtab_grow(struct strtab *t)
{
	size_t ns = t->nslot ? t->nslot * 2 : 64, i;
	uint32_t *slot = calloc(ns, sizeof(*slot));

	if (slot == NULL)
		return -1;
	for (i = 0; i < t->n; i++) {
		size_t h = (size_t)hash_bytes(t->s[i], strlen(t->s[i])) &
		    (ns - 1);

		while (slot[h] != 0)
			h = (h + 1) & (ns - 1);
		slot[h] = (uint32_t)i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = ns;
	return 0;
}

/* The id of s[0..n), adding it when new; NONE on allocation failure. */
static uint32_t
strtab_add(struct strtab *t, const char *s, size_t n)
{
	size_t h;
	char *c;

	if ((t->n + 1) * 2 > t->nslot && strtab_grow(t) != 0)
		return NONE;
	h = (size_t)hash_bytes(s, n) & (t->nslot - 1);
	while (t->slot[h] != 0) {
		const char *o = t->s[t->slot[h] - 1];

		if (strncmp(o, s, n) == 0 && o[n] == '\0')
			return t->slot[h] - 1;
		h = (h + 1) & (t->nslot - 1);
	}
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		char **ns = realloc(t->s, nc * sizeof(*ns));

		if (ns == NULL)
			return NONE;
		t->s = ns;
		t->cap = nc;
	}
	if (t->n >= NONE - 1 || (c = malloc(n + 1)) == NULL)
		return NONE;
	memcpy(c, s, n);
	c[n] = '\0';
	t->s[t->n] = c;
	t->slot[h] = (uint32_t)t->n + 1;
	return (uint32_t)t->n++;
}

static void
strtab_free(struct strtab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->slot);
}

/* ---- entities (people, objects, locations, photo events) ---- */

/* A source locator split as "<db>#<table>/<rowid>" (table NONE when
 * it does not have that shape: db then holds all of it). */
struct src {
	uint32_t db, table;
	int64_t rowid;
};

/* One per distinct person, object, location or photo: what memory
 * grows with, so the fields of one kind share space with another's. */
struct ent {
	char *key;		/* dedup key, also the sort key */
	const char *subtype;	/* static */
	char *value;		/* normalised value (objects) */
	char *display;		/* a name for people */
	const char *norm;	/* static: "E.164", "national", ... */
	char *app;		/* online accounts: the service */
	uint32_t *prov;		/* interned locators (unsorted) */
	size_t nprov, cprov;
	union {
		struct {	/* K_OBJECT */
			struct src evsrc;	/* first event source */
			uint64_t nevents;
			int has_evsrc;
		};
		struct {	/* K_LOCATION */
			double lat, lon, alt;
			int has_alt;
		};
		struct {	/* K_EVENT (photos) */
			int64_t ts;
			char *taken;	/* EXIF local time */
			int has_ts;
		};
	};
	uint32_t id;		/* final number, from 1 */
	uint8_t kind;		/* enum pole_kind */
	uint8_t holder;		/* used by an account holder */
};

struct link {
	uint32_t from, to;	/* entity indexes */
	const char *rel;	/* static */
	const char *role;	/* static or NULL */
	uint32_t *prov;
	size_t nprov, cprov;
};

/* A message or call as spilled: this header, then the thread and the
 * source locator (their lengths, without a NUL), then nparty 4-byte
 * parties.  Native layout: the file is read back by this process. */
struct evrec {
	int64_t sec;
	int32_t nsec;
	int32_t duration;	/* calls: seconds, -1 unknown */
	uint8_t set;
	uint8_t call;		/* 0 message, 1 call */
	uint8_t deleted;
	uint8_t pad;
	uint32_t app, dir;	/* interned (few), NONE when absent */
	uint32_t thread_len;	/* NONE when absent */
	uint32_t src_len;	/* NONE when absent */
	uint32_t nparty;
};

/* A source locator as given, split like struct src but not interned:
 * an event's source is interned only when it becomes an object's
 * first source. */
struct rsrc {
	const char *db, *table;	/* db NULL: no source */
	size_t dblen, tablen;	/* table NULL: not split */
	int64_t rowid;
};

struct ex_pole {
	char cc[8];
	int has_cc;
	int oom;
	struct strtab str;	/* every interned string */
	struct ent *ents;
	size_t nents, cents;
	uint32_t *eslot;	/* entity hash: index+1 */
	size_t neslot;
	struct link *links;
	size_t nlinks, clinks;
	uint32_t *lslot;
	size_t nlslot;
	FILE *spill;		/* message and call events, unlinked */
	int ioerr;		/* writing or reading the spill failed */
	int spill_errno;
	uint64_t nevs;		/* events in the spill */
	uint32_t *parties;	/* one event's: (entity index << 3) | role */
	size_t nparties, cparties;
	char *scratch;		/* reading the spill back */
	size_t cscratch;
};

int
ex_pole_new(struct ex_pole **out, const char *default_cc,
    const char *tmpdir, struct etk_error *err)
{
	struct ex_pole *p;
	struct etk_buf path;
	int fd, e;

	*out = NULL;
	if (default_cc != NULL && (strlen(default_cc) == 0 ||
	    strlen(default_cc) > 3 || strspn(default_cc, "0123456789") !=
	    strlen(default_cc) || default_cc[0] == '0'))
		return etk_fail(err, ETK_EINVAL, 0,
		    "pole: country calling code '%s' is not 1-3 digits",
		    default_cc);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "pole: out of memory");
	if (default_cc != NULL) {
		snprintf(p->cc, sizeof(p->cc), "%s", default_cc);
		p->has_cc = 1;
	}
	/* The spill: made and unlinked at once, so that nothing is left
	 * behind (or listed in the output) whatever happens. */
	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = getenv("TMPDIR");
	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	etk_buf_init(&path);
	etk_buf_printf(&path, "%s/.etk-pole-XXXXXX", tmpdir);
	if (path.oom) {
		etk_buf_release(&path);
		free(p);
		return etk_fail(err, ETK_ENOMEM, 0, "pole: out of memory");
	}
	if ((fd = mkstemp(path.data)) < 0) {
		e = errno;
		etk_fail(err, ETK_EIO, e,
		    "pole: cannot create a temporary file in '%s'", tmpdir);
		etk_buf_release(&path);
		free(p);
		return ETK_EIO;
	}
	(void)unlink(path.data);
	etk_buf_release(&path);
	if ((p->spill = fdopen(fd, "w+b")) == NULL) {
		e = errno;
		close(fd);
		free(p);
		return etk_fail(err, ETK_EIO, e,
		    "pole: cannot open a temporary file in '%s'", tmpdir);
	}
	*out = p;
	return ETK_OK;
}

void
ex_pole_free(struct ex_pole *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nents; i++) {
		struct ent *e = &p->ents[i];

		free(e->key);
		free(e->value);
		free(e->display);
		free(e->app);
		if (e->kind == K_EVENT)
			free(e->taken);
		free(e->prov);
	}
	free(p->ents);
	free(p->eslot);
	for (i = 0; i < p->nlinks; i++)
		free(p->links[i].prov);
	free(p->links);
	free(p->lslot);
	if (p->spill != NULL)
		fclose(p->spill);
	free(p->parties);
	free(p->scratch);
	strtab_free(&p->str);
	free(p);
}

static char *
xstrdup(struct ex_pole *p, const char *s)
{
	char *c;

	if (s == NULL)
		return NULL;
	if ((c = strdup(s)) == NULL)
		p->oom = 1;
	return c;
}

/* Keep in *field the byte-wise smallest of its value and s: when
 * records that de-duplicate to one entity spell a field differently
 * ("Alice Smith", "alice  SMITH"), the kept spelling must not depend
 * on which record came first. */
static void
keep_min(struct ex_pole *p, char **field, const char *s)
{
	char *c;

	if (s == NULL || (*field != NULL && strcmp(*field, s) <= 0))
		return;
	if ((c = strdup(s)) == NULL) {
		p->oom = 1;
		return;
	}
	free(*field);
	*field = c;
}

static int
grow(struct ex_pole *p, void **arr, size_t *cap, size_t need, size_t size)
{
	size_t nc;
	void *na;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap : 16;
	while (nc < need)
		nc *= 2;
	if ((na = realloc(*arr, nc * size)) == NULL) {
		p->oom = 1;
		return -1;
	}
	*arr = na;
	*cap = nc;
	return 0;
}

static uint32_t
intern(struct ex_pole *p, const char *s)
{
	uint32_t id;

	if (s == NULL)
		return NONE;
	if ((id = strtab_add(&p->str, s, strlen(s))) == NONE)
		p->oom = 1;
	return id;
}

static int
eslot_grow(struct ex_pole *p)
{
	size_t ns = p->neslot ? p->neslot * 2 : 256, i;
	uint32_t *slot = calloc(ns, sizeof(*slot));

	if (slot == NULL) {
		p->oom = 1;
		return -1;
	}
	for (i = 0; i < p->nents; i++) {
		size_t h = (size_t)hash_bytes(p->ents[i].key,
		    strlen(p->ents[i].key)) & (ns - 1);

		while (slot[h] != 0)
			h = (h + 1) & (ns - 1);
		slot[h] = (uint32_t)i + 1;
	}
	free(p->eslot);
	p->eslot = slot;
	p->neslot = ns;
	return 0;
}

/* The entity with this key, created (zeroed, kind and subtype set)
 * when new; NONE on allocation failure. */
static uint32_t
ent_get(struct ex_pole *p, enum pole_kind kind, const char *subtype,
    const char *key, int *created)
{
	size_t h;
	struct ent *e;

	*created = 0;
	/* Parties pack an entity index into 29 bits (role in 3). */
	if (p->nents >= (1u << 29)) {
		p->oom = 1;
		return NONE;
	}
	if ((p->nents + 1) * 2 > p->neslot && eslot_grow(p) != 0)
		return NONE;
	h = (size_t)hash_bytes(key, strlen(key)) & (p->neslot - 1);
	while (p->eslot[h] != 0) {
		if (strcmp(p->ents[p->eslot[h] - 1].key, key) == 0)
			return p->eslot[h] - 1;
		h = (h + 1) & (p->neslot - 1);
	}
	if (grow(p, (void **)&p->ents, &p->cents, p->nents + 1,
	    sizeof(*p->ents)) != 0)
		return NONE;
	e = &p->ents[p->nents];
	memset(e, 0, sizeof(*e));
	if ((e->key = strdup(key)) == NULL) {
		p->oom = 1;
		return NONE;
	}
	e->kind = kind;
	e->subtype = subtype;
	p->eslot[h] = (uint32_t)p->nents + 1;
	*created = 1;
	return (uint32_t)p->nents++;
}

static void
add_prov(struct ex_pole *p, uint32_t **prov, size_t *n, size_t *cap,
    const char *source)
{
	uint32_t id;
	size_t i;

	if (source == NULL || (id = intern(p, source)) == NONE)
		return;
	for (i = 0; i < *n; i++)
		if ((*prov)[i] == id)
			return;
	if (grow(p, (void **)prov, cap, *n + 1, sizeof(**prov)) != 0)
		return;
	(*prov)[(*n)++] = id;
}

static void
ent_prov(struct ex_pole *p, uint32_t ei, const char *source)
{
	struct ent *e;

	if (ei == NONE)
		return;
	e = &p->ents[ei];
	add_prov(p, &e->prov, &e->nprov, &e->cprov, source);
}

static int
lslot_grow(struct ex_pole *p);

static uint64_t
link_hash(uint32_t from, const char *rel, uint32_t to, const char *role)
{
	uint64_t h = hash_bytes(&from, sizeof(from));

	h ^= hash_bytes(&to, sizeof(to)) * 31;
	h ^= hash_bytes(rel, strlen(rel)) * 7;
	if (role != NULL)
		h ^= hash_bytes(role, strlen(role)) * 13;
	return h;
}

static int
lslot_grow(struct ex_pole *p)
{
	size_t ns = p->nlslot ? p->nlslot * 2 : 256, i;
	uint32_t *slot = calloc(ns, sizeof(*slot));

	if (slot == NULL) {
		p->oom = 1;
		return -1;
	}
	for (i = 0; i < p->nlinks; i++) {
		struct link *l = &p->links[i];
		size_t h = (size_t)link_hash(l->from, l->rel, l->to,
		    l->role) & (ns - 1);

		while (slot[h] != 0)
			h = (h + 1) & (ns - 1);
		slot[h] = (uint32_t)i + 1;
	}
	free(p->lslot);
	p->lslot = slot;
	p->nlslot = ns;
	return 0;
}

static int
streq0(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* A link between two entities (not a message/call party), merged with
 * an equal one; source joins its provenance. */
static void
link_add(struct ex_pole *p, uint32_t from, const char *rel, uint32_t to,
    const char *role, const char *source)
{
	struct link *l;
	size_t h;

	if (from == NONE || to == NONE)
		return;
	if ((p->nlinks + 1) * 2 > p->nlslot && lslot_grow(p) != 0)
		return;
	h = (size_t)link_hash(from, rel, to, role) & (p->nlslot - 1);
	while (p->lslot[h] != 0) {
		l = &p->links[p->lslot[h] - 1];
		if (l->from == from && l->to == to &&
		    strcmp(l->rel, rel) == 0 && streq0(l->role, role)) {
			add_prov(p, &l->prov, &l->nprov, &l->cprov, source);
			return;
		}
		h = (h + 1) & (p->nlslot - 1);
	}
	if (grow(p, (void **)&p->links, &p->clinks, p->nlinks + 1,
	    sizeof(*p->links)) != 0)
		return;
	l = &p->links[p->nlinks];
	memset(l, 0, sizeof(*l));
	l->from = from;
	l->to = to;
	l->rel = rel;
	l->role = role;
	p->lslot[h] = (uint32_t)p->nlinks + 1;
	p->nlinks++;
	add_prov(p, &l->prov, &l->nprov, &l->cprov, source);
}

/* ---- identifiers ---- */

/* "a\x1fb": keys join fields with a unit separator, which no field
 * holds after cleaning. */
static void
mkkey(char *out, size_t outsz, const char *a, const char *b,
    const char *c)
{
	snprintf(out, outsz, "%s\x1f%s%s%s", a, b ? b : "", c ? "\x1f" : "",
	    c ? c : "");
}

/* Case-folded (ASCII) name with runs of blanks made one space and the
 * ends trimmed; empty when nothing is left. */
static void
fold_name(const char *s, char *out, size_t outsz)
{
	size_t n = 0;
	int sp = 0;

	if (outsz == 0)
		return;
	for (; s != NULL && *s != '\0' && n + 2 < outsz; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			sp = n > 0;
			continue;
		}
		if (sp) {
			out[n++] = ' ';
			sp = 0;
		}
		out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[n] = '\0';
}

static const char *
cc_of(struct ex_pole *p)
{
	return p->has_cc ? p->cc : NULL;
}

static uint32_t
obj_telephone(struct ex_pole *p, const char *norm, int e164)
{
	char key[320];
	uint32_t ei;
	int created;

	mkkey(key, sizeof(key), "telephone", norm, NULL);
	ei = ent_get(p, K_OBJECT, "telephone", key, &created);
	if (ei != NONE && created) {
		p->ents[ei].value = xstrdup(p, norm);
		p->ents[ei].norm = e164 ? "E.164" : "national";
	}
	return ei;
}

static uint32_t
obj_email(struct ex_pole *p, const char *lower)
{
	char key[320];
	uint32_t ei;
	int created;

	mkkey(key, sizeof(key), "email", lower, NULL);
	ei = ent_get(p, K_OBJECT, "email", key, &created);
	if (ei != NONE && created) {
		p->ents[ei].value = xstrdup(p, lower);
		p->ents[ei].norm = "lower-case";
	}
	return ei;
}

/* The norm of an account value follows from the value alone, so that
 * it cannot depend on which record named the account first. */
static uint32_t
obj_account(struct ex_pole *p, const char *app, const char *value)
{
	const char *norm = value[0] == '+' ? "E.164" :
	    strchr(value, '@') != NULL ? "handle" : "as stored";
	char key[600];
	uint32_t ei;
	int created;

	mkkey(key, sizeof(key), "online account", app ? app : "", value);
	ei = ent_get(p, K_OBJECT, "online account", key, &created);
	if (ei != NONE && created) {
		p->ents[ei].value = xstrdup(p, value);
		p->ents[ei].app = xstrdup(p, app);
		p->ents[ei].norm = norm;
	}
	return ei;
}

static int
has_digit(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= '0' && *s <= '9')
			return 1;
	return 0;
}

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* The object a handle names (number, e-mail, JID, alphanumeric
 * sender), or NONE for a group or nothing usable.  app is the service
 * for handles that are neither a number nor an e-mail. */
static uint32_t
obj_handle(struct ex_pole *p, const char *handle, const char *app)
{
	char norm[300];

	if (handle == NULL || *handle == '\0')
		return NONE;
	if (ex_phone_norm(handle, cc_of(p), norm, sizeof(norm)) == 1)
		return obj_telephone(p, norm, 1);
	if (norm[0] == '\0')
		return NONE;
	if (strchr(norm, '@') != NULL) {
		const char *srv = strrchr(norm, '@') + 1;

		/* WhatsApp groups, broadcast lists: not a party. */
		if (strcmp(srv, "g.us") == 0 || strcmp(srv, "broadcast") == 0)
			return NONE;
		if (strcmp(srv, "s.whatsapp.net") == 0 ||
		    strcmp(srv, "c.us") == 0 || strcmp(srv, "lid") == 0)
			return obj_account(p, app, norm);
		return obj_email(p, norm);
	}
	/* National digits (no country known): still a telephone, so
	 * equal spellings meet. */
	if (all_digits(norm) && strlen(norm) >= 7)
		return obj_telephone(p, norm, 0);
	/* Short codes and alphanumeric senders ("VODAFONE", "85075"):
	 * an identity within that service. */
	if (has_digit(norm) || strlen(norm) > 0)
		return obj_account(p, app, norm);
	return NONE;
}

/* ---- records ---- */

/* Split "<db>#<table>/<rowid>" without copying (table NULL when the
 * locator does not have that shape: db then holds all of it). */
static void
rsrc_parse(const char *source, struct rsrc *s)
{
	const char *hash, *slash;
	char *end;
	long long rowid;

	memset(s, 0, sizeof(*s));
	if (source == NULL)
		return;
	s->db = source;
	s->dblen = strlen(source);
	hash = strrchr(source, '#');
	slash = hash ? strrchr(hash, '/') : NULL;
	if (hash != NULL && slash != NULL && slash > hash + 1 &&
	    slash[1] >= '0' && slash[1] <= '9') {
		rowid = strtoll(slash + 1, &end, 10);
		if (*end == '\0' && (slash[1] != '0' || slash[2] == '\0')) {
			s->dblen = (size_t)(hash - source);
			s->table = hash + 1;
			s->tablen = (size_t)(slash - hash - 1);
			s->rowid = rowid;
		}
	}
}

/* The interned form of a split locator; 0, or -1 (oom set). */
static int
rsrc_intern(struct ex_pole *p, const struct rsrc *r, struct src *s)
{
	s->db = NONE;
	s->table = NONE;
	s->rowid = 0;
	if (r->db == NULL)
		return 0;
	if ((s->db = strtab_add(&p->str, r->db, r->dblen)) == NONE ||
	    (r->table != NULL && (s->table = strtab_add(&p->str, r->table,
	    r->tablen)) == NONE)) {
		p->oom = 1;
		return -1;
	}
	s->rowid = r->rowid;
	return 0;
}

static void
src_format(const struct ex_pole *p, const struct src *s,
    struct etk_buf *b)
{
	if (s->db == NONE)
		return;
	etk_buf_adds(b, p->str.s[s->db]);
	if (s->table != NONE)
		etk_buf_printf(b, "#%s/%lld", p->str.s[s->table],
		    (long long)s->rowid);
}

/* strcmp of s[0..n) (no NUL inside) with the string t. */
static int
cmp_n(const char *s, size_t n, const char *t)
{
	size_t tn = strlen(t);
	int c = memcmp(s, t, n < tn ? n : tn);

	if (c != 0)
		return c;
	return n < tn ? -1 : n > tn;
}

/* Order of a locator against an interned one: no source first, then
 * database, unsplit before split, table, rowid. */
static int
rsrc_cmp(const struct ex_pole *p, const struct rsrc *a, const struct src *b)
{
	int c;

	if (a->db == NULL || b->db == NONE)
		return (a->db != NULL) - (b->db != NONE);
	if ((c = cmp_n(a->db, a->dblen, p->str.s[b->db])) != 0)
		return c;
	if (a->table == NULL || b->table == NONE)
		return (a->table != NULL) - (b->table != NONE);
	if ((c = cmp_n(a->table, a->tablen, p->str.s[b->table])) != 0)
		return c;
	return a->rowid < b->rowid ? -1 : a->rowid > b->rowid;
}

/* One party of the event being built (p->parties); counted on the
 * object, whose first source it may become. */
static void
party_add(struct ex_pole *p, uint32_t obj, unsigned role,
    const struct rsrc *s)
{
	struct ent *o;
	size_t i;

	if (obj == NONE)
		return;
	for (i = 0; i < p->nparties; i++)
		if (p->parties[i] == ((obj << 3) | role))
			return;
	if (grow(p, (void **)&p->parties, &p->cparties, p->nparties + 1,
	    sizeof(*p->parties)) != 0)
		return;
	p->parties[p->nparties++] = (obj << 3) | role;
	o = &p->ents[obj];
	o->nevents++;
	if (!o->has_evsrc || rsrc_cmp(p, s, &o->evsrc) < 0) {
		if (rsrc_intern(p, s, &o->evsrc) == 0)
			o->has_evsrc = 1;
	}
}

static void
spill_put(struct ex_pole *p, const void *d, size_t n)
{
	if (n > 0 && !p->ioerr && fwrite(d, 1, n, p->spill) != n) {
		p->ioerr = 1;
		p->spill_errno = errno;
	}
}

/* Append the event built in h and p->parties to the spill. */
static void
ev_spill(struct ex_pole *p, struct evrec *h, const char *thread,
    const char *source)
{
	size_t tl = thread != NULL ? strlen(thread) : 0;
	size_t sl = source != NULL ? strlen(source) : 0;

	if (p->oom || p->ioerr)
		return;
	if (tl >= NONE || sl >= NONE) {
		p->oom = 1;
		return;
	}
	h->thread_len = thread != NULL ? (uint32_t)tl : NONE;
	h->src_len = source != NULL ? (uint32_t)sl : NONE;
	h->nparty = (uint32_t)p->nparties;
	spill_put(p, h, sizeof(*h));
	spill_put(p, thread, tl);
	spill_put(p, source, sl);
	spill_put(p, p->parties, p->nparties * sizeof(*p->parties));
	p->nevs++;
}

static void
ev_init(struct ex_pole *p, struct evrec *h, const struct ex_time *t,
    const char *app, const char *dir)
{
	memset(h, 0, sizeof(*h));
	if (t != NULL && t->set) {
		h->set = 1;
		h->sec = t->sec;
		h->nsec = t->nsec;
	}
	h->app = intern(p, app);
	h->dir = intern(p, dir);
	h->duration = -1;
	p->nparties = 0;
}

void
ex_pole_message(struct ex_pole *p, const struct ex_message *m,
    const char *source)
{
	struct evrec h;
	struct rsrc rs;
	size_t i;

	if (p == NULL || m == NULL || p->oom || p->ioerr)
		return;
	if (m->nto >= NONE - 1)
		return;
	ev_init(p, &h, &m->time, m->app, m->direction);
	rsrc_parse(source, &rs);
	h.deleted = m->deleted ? 1 : 0;
	party_add(p, obj_handle(p, m->from, m->app), R_SENDER, &rs);
	for (i = 0; i < m->nto; i++)
		party_add(p, obj_handle(p, m->to[i], m->app), R_RECIPIENT,
		    &rs);
	ev_spill(p, &h, m->thread, source);
}

void
ex_pole_call(struct ex_pole *p, const struct ex_call *c,
    const char *source)
{
	struct evrec h;
	struct rsrc rs;
	unsigned role = R_PARTY;

	if (p == NULL || c == NULL || p->oom || p->ioerr)
		return;
	ev_init(p, &h, &c->time, c->app, c->direction);
	rsrc_parse(source, &rs);
	h.call = 1;
	h.deleted = c->deleted ? 1 : 0;
	if (c->duration_s >= 0)
		h.duration = c->duration_s > INT32_MAX ? INT32_MAX :
		    (int32_t)c->duration_s;
	/* The number is the other end: it called us, or we called it. */
	if (c->direction != NULL) {
		if (strcmp(c->direction, "outgoing") == 0)
			role = R_CALLEE;
		else if (strcmp(c->direction, "unknown") != 0)
			role = R_CALLER;
	}
	party_add(p, obj_handle(p, c->number, c->app), role, &rs);
	ev_spill(p, &h, NULL, source);
}

void
ex_pole_contact(struct ex_pole *p, const struct ex_contact *c,
    const char *source)
{
	uint32_t *ids, person = NONE, acc = NONE;
	char name[256], key[600], norm[300];
	size_t i, nids = 0;
	int created;

	if (p == NULL || c == NULL || p->oom)
		return;
	if ((ids = calloc(c->nnumbers + c->nemails + 1, sizeof(*ids))) ==
	    NULL) {
		p->oom = 1;
		return;
	}
	for (i = 0; i < c->nnumbers; i++) {
		int r = ex_phone_norm(c->numbers[i], cc_of(p), norm,
		    sizeof(norm));

		if (r == 1)
			ids[nids] = obj_telephone(p, norm, 1);
		else if (all_digits(norm) && strlen(norm) >= 3)
			ids[nids] = obj_telephone(p, norm, 0);
		else
			continue;
		if (ids[nids] != NONE)
			nids++;
	}
	for (i = 0; i < c->nemails; i++) {
		ex_phone_norm(c->emails[i], NULL, norm, sizeof(norm));
		if (strchr(norm, '@') == NULL)
			continue;
		if ((ids[nids] = obj_email(p, norm)) != NONE)
			nids++;
	}
	if (c->account != NULL && *c->account != '\0') {
		if (ex_phone_norm(c->account, cc_of(p), norm,
		    sizeof(norm)) == 1 || norm[0] != '\0')
			acc = obj_account(p, c->app, norm);
	}
	fold_name(c->name, name, sizeof(name));
	if (name[0] != '\0')
		mkkey(key, sizeof(key), "contact", name, NULL);
	else if (nids > 0)
		mkkey(key, sizeof(key), "contact", "#",
		    p->ents[ids[0]].key);
	else if (acc != NONE)
		mkkey(key, sizeof(key), "contact", "#", p->ents[acc].key);
	else
		key[0] = '\0';
	if (key[0] != '\0') {
		person = ent_get(p, K_PERSON, "contact", key, &created);
		if (person != NONE)
			keep_min(p, &p->ents[person].display,
			    name[0] != '\0' ? c->name :
			    p->ents[nids > 0 ? ids[0] : acc].value);
		ent_prov(p, person, source);
	}
	for (i = 0; i < nids; i++) {
		ent_prov(p, ids[i], source);
		link_add(p, person, "HAS", ids[i], NULL, source);
	}
	if (acc != NONE) {
		ent_prov(p, acc, source);
		link_add(p, person, "USES", acc, NULL, source);
	}
	free(ids);
}

void
ex_pole_account(struct ex_pole *p, const struct ex_account *a,
    const char *source)
{
	char name[256], key[600], norm[300];
	uint32_t person, obj = NONE;
	const char *kind;
	int created, r;

	if (p == NULL || a == NULL || a->value == NULL || p->oom)
		return;
	kind = a->kind != NULL ? a->kind : "";
	r = ex_phone_norm(a->value, cc_of(p), norm, sizeof(norm));
	if (norm[0] == '\0')
		return;
	if (strcmp(kind, "telephone") == 0 || strcmp(kind, "phone") == 0) {
		if (r == 1)
			obj = obj_telephone(p, norm, 1);
		else if (all_digits(norm))
			obj = obj_telephone(p, norm, 0);
	} else if (strcmp(kind, "email") == 0 ||
	    (r == 0 && strchr(norm, '@') != NULL &&
	    strcmp(strrchr(norm, '@') + 1, "s.whatsapp.net") != 0 &&
	    strcmp(strrchr(norm, '@') + 1, "c.us") != 0 &&
	    strcmp(strrchr(norm, '@') + 1, "lid") != 0)) {
		if (strchr(norm, '@') != NULL)
			obj = obj_email(p, norm);
	}
	if (obj == NONE)
		obj = obj_account(p, *kind != '\0' ? kind : a->app, norm);
	if (obj == NONE)
		return;
	p->ents[obj].holder = 1;
	ent_prov(p, obj, source);
	/* One person per holder name; accounts without a name belong to
	 * the device's (unnamed) holder. */
	fold_name(a->name, name, sizeof(name));
	mkkey(key, sizeof(key), "account_holder", name, NULL);
	person = ent_get(p, K_PERSON, "account_holder", key, &created);
	if (person == NONE)
		return;
	if (name[0] != '\0')
		keep_min(p, &p->ents[person].display, a->name);
	p->ents[person].holder = 1;
	ent_prov(p, person, source);
	link_add(p, person, "USES", obj, NULL, source);
}

void
ex_pole_image(struct ex_pole *p, const struct ex_image_info *info,
    const char *locator, const char *sha256)
{
	char key[700], v[300];
	uint32_t file, loc = NONE, ev = NONE, dev = NONE;
	int created;

	if (p == NULL || info == NULL || locator == NULL || p->oom)
		return;
	/* The same picture at two places is one file with both. */
	if (sha256 != NULL && *sha256 != '\0')
		mkkey(key, sizeof(key), "digital file", "sha256", sha256);
	else
		mkkey(key, sizeof(key), "digital file", "locator", locator);
	file = ent_get(p, K_OBJECT, "digital file", key, &created);
	if (file == NONE)
		return;
	if (created) {
		p->ents[file].value = xstrdup(p, sha256 != NULL &&
		    *sha256 != '\0' ? sha256 : locator);
		p->ents[file].norm = sha256 != NULL && *sha256 != '\0' ?
		    "sha256" : "locator";
	}
	ent_prov(p, file, locator);
	if (info->has_gps && info->lat >= -90 && info->lat <= 90 &&
	    info->lon >= -180 && info->lon <= 180) {
		if (info->has_alt)
			snprintf(v, sizeof(v), "%.7f,%.7f,%.3f", info->lat,
			    info->lon, info->alt);
		else
			snprintf(v, sizeof(v), "%.7f,%.7f", info->lat,
			    info->lon);
		mkkey(key, sizeof(key), "coordinates", v, NULL);
		loc = ent_get(p, K_LOCATION, "coordinates", key, &created);
		/* Fixes equal to 1e-7 degree are one place; keep the
		 * smallest of them so arrival order does not matter. */
		if (loc != NONE && (created || info->lat < p->ents[loc].lat ||
		    (info->lat == p->ents[loc].lat &&
		    (info->lon < p->ents[loc].lon ||
		    (info->lon == p->ents[loc].lon &&
		    info->alt < p->ents[loc].alt))))) {
			p->ents[loc].lat = info->lat;
			p->ents[loc].lon = info->lon;
			p->ents[loc].alt = info->alt;
			p->ents[loc].has_alt = info->has_alt;
		}
		ent_prov(p, loc, locator);
		link_add(p, file, "TAKEN_AT", loc, NULL, locator);
	}
	if (info->make[0] != '\0' || info->model[0] != '\0') {
		snprintf(v, sizeof(v), "%s%s%s", info->make,
		    info->make[0] != '\0' && info->model[0] != '\0' ? " " : "",
		    info->model);
		mkkey(key, sizeof(key), "device", info->make, info->model);
		dev = ent_get(p, K_OBJECT, "device", key, &created);
		if (dev != NONE && created) {
			p->ents[dev].value = xstrdup(p, v);
			p->ents[dev].norm = "make model";
		}
		ent_prov(p, dev, locator);
		link_add(p, file, "TAKEN_WITH", dev, NULL, locator);
	}
	if (info->taken[0] != '\0') {
		mkkey(key, sizeof(key), "photo", p->ents[file].key, NULL);
		ev = ent_get(p, K_EVENT, "photo", key, &created);
		if (ev != NONE && created) {
			struct ent *e = &p->ents[ev];

			e->taken = xstrdup(p, info->taken);
			e->has_ts = info->has_taken_utc;
			e->ts = info->taken_utc;
		}
		ent_prov(p, ev, locator);
		link_add(p, file, "TAKEN_AT_TIME", ev, NULL, locator);
		if (loc != NONE)
			link_add(p, ev, "OCCURRED_AT", loc, NULL, locator);
	}
}

/* ---- output ---- */

/* glibc's qsort_r (the build defines _GNU_SOURCE): the comparators
 * need the pole, and a static would make two writers in two threads
 * race.  Never called with a NULL base (nothing to sort is n < 2). */
static void
sort(void *base, size_t n, size_t size, int (*cmp)(const void *,
    const void *, void *), const struct ex_pole *p)
{
	if (n > 1)
		qsort_r(base, n, size, cmp, (void *)(uintptr_t)p);
}

static int
cmp_u32_str(const void *a, const void *b, void *ctx)
{
	const struct ex_pole *sort_p = ctx;
	return strcmp(sort_p->str.s[*(const uint32_t *)a],
	    sort_p->str.s[*(const uint32_t *)b]);
}

static int
cmp_ent(const void *a, const void *b, void *ctx)
{
	const struct ex_pole *sort_p = ctx;
	const struct ent *x = &sort_p->ents[*(const uint32_t *)a];
	const struct ent *y = &sort_p->ents[*(const uint32_t *)b];

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	/* Photo events in time order (untimed last), to be merged with
	 * the message and call events. */
	if (x->kind == K_EVENT) {
		if (x->has_ts != y->has_ts)
			return x->has_ts ? -1 : 1;
		if (x->has_ts && x->ts != y->ts)
			return x->ts < y->ts ? -1 : 1;
	}
	return strcmp(x->key, y->key);
}

/* Parties of one event by role, then by the object's final id. */
static int
cmp_party(const void *a, const void *b, void *ctx)
{
	const struct ex_pole *sort_p = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint32_t ix = sort_p->ents[x >> 3].id, iy = sort_p->ents[y >> 3].id;

	if ((x & 7) != (y & 7))
		return (x & 7) < (y & 7) ? -1 : 1;
	return ix < iy ? -1 : ix > iy;
}

static int
cmp_link(const void *a, const void *b, void *ctx)
{
	const struct ex_pole *sort_p = ctx;
	const struct link *x = &sort_p->links[*(const uint32_t *)a];
	const struct link *y = &sort_p->links[*(const uint32_t *)b];
	const struct ent *fx = &sort_p->ents[x->from],
	    *fy = &sort_p->ents[y->from];
	const struct ent *tx = &sort_p->ents[x->to],
	    *ty = &sort_p->ents[y->to];
	int c;

	if (fx->kind != fy->kind)
		return fx->kind < fy->kind ? -1 : 1;
	if (fx->id != fy->id)
		return fx->id < fy->id ? -1 : 1;
	if ((c = strcmp(x->rel, y->rel)) != 0)
		return c;
	if (tx->kind != ty->kind)
		return tx->kind < ty->kind ? -1 : 1;
	if (tx->id != ty->id)
		return tx->id < ty->id ? -1 : 1;
	if (x->role == NULL || y->role == NULL)
		return x->role == y->role ? 0 : x->role == NULL ? -1 : 1;
	return strcmp(x->role, y->role);
}

static void
put_id(struct etk_json *j, const char *k, enum pole_kind kind, uint32_t id)
{
	char b[24];

	snprintf(b, sizeof(b), "%c-%06u", kind_letter[kind], (unsigned)id);
	etk_json_kstr(j, k, b);
}

/* Sorted, de-duplicated provenance (ids are unique already). */
static void
put_prov(struct ex_pole *p, struct etk_json *j, uint32_t *prov, size_t n)
{
	size_t i;

	sort(prov, n, sizeof(*prov), cmp_u32_str, p);
	etk_json_key(j, "prov");
	etk_json_arr_begin(j);
	for (i = 0; i < n; i++)
		etk_json_str(j, p->str.s[prov[i]]);
	etk_json_arr_end(j);
}

static void
write_ent(struct ex_pole *p, struct ent *e, struct etk_buf *out)
{
	struct etk_json j;
	struct etk_buf b;

	etk_json_init(&j, out);
	etk_json_obj_begin(&j);
	put_id(&j, "id", e->kind, e->id);
	etk_json_kstr(&j, "pole", kind_name[e->kind]);
	etk_json_kstr(&j, "subtype", e->subtype);
	switch (e->kind) {
	case K_PERSON:
		etk_json_kstr(&j, "display", e->display);
		etk_json_kbool(&j, "third_party", !e->holder);
		break;
	case K_OBJECT:
		etk_json_kstr(&j, "value", e->value);
		etk_json_kstr(&j, "norm", e->norm);
		if (e->app != NULL)
			etk_json_kstr(&j, "app", e->app);
		/* Identifiers belong to a party; files and devices are not
		 * parties, so the redaction flag does not apply. */
		if (strcmp(e->subtype, "digital file") != 0 &&
		    strcmp(e->subtype, "device") != 0)
			etk_json_kbool(&j, "third_party", !e->holder);
		etk_json_kuint(&j, "events", e->nevents);
		break;
	case K_LOCATION:
		etk_json_key(&j, "lat");
		etk_json_double(&j, e->lat);
		etk_json_key(&j, "lon");
		etk_json_double(&j, e->lon);
		if (e->has_alt) {
			etk_json_key(&j, "alt");
			etk_json_double(&j, e->alt);
		}
		etk_json_kstr(&j, "datum", "WGS84");
		break;
	case K_EVENT:
		etk_json_key(&j, "ts");
		if (e->has_ts)
			etk_json_time(&j, e->ts, 0);
		else
			etk_json_null(&j);
		etk_json_kstr(&j, "taken", e->taken);
		break;
	}
	if (e->kind == K_OBJECT && e->nprov == 0 && e->has_evsrc) {
		/* Seen only in messages or calls: the first of them. */
		etk_buf_init(&b);
		src_format(p, &e->evsrc, &b);
		etk_json_key(&j, "prov");
		etk_json_arr_begin(&j);
		etk_json_str(&j, b.data);
		etk_json_arr_end(&j);
		if (b.oom)
			p->oom = 1;
		etk_buf_release(&b);
	} else
		put_prov(p, &j, e->prov, e->nprov);
	etk_json_obj_end(&j);
	etk_buf_addc(out, '\n');
}

/* One spilled event, read back: its header in h, thread and source in
 * p->scratch (NUL-terminated each), parties in p->parties.  1 read, 0
 * at the end, -1 on a read error (ioerr set). */
static int
spill_get(struct ex_pole *p, struct evrec *h, const char **thread,
    const char **source)
{
	size_t tl, sl, need;
	size_t got;

	got = fread(h, 1, sizeof(*h), p->spill);
	if (got == 0 && feof(p->spill))
		return 0;
	if (got != sizeof(*h))
		goto bad;
	tl = h->thread_len != NONE ? h->thread_len : 0;
	sl = h->src_len != NONE ? h->src_len : 0;
	need = tl + sl + 2;
	if (grow(p, (void **)&p->scratch, &p->cscratch, need, 1) != 0 ||
	    grow(p, (void **)&p->parties, &p->cparties, h->nparty + 1,
	    sizeof(*p->parties)) != 0)
		return -1;
	if (fread(p->scratch, 1, tl, p->spill) != tl ||
	    fread(p->scratch + tl + 1, 1, sl, p->spill) != sl ||
	    fread(p->parties, sizeof(*p->parties), h->nparty, p->spill) !=
	    h->nparty)
		goto bad;
	p->scratch[tl] = '\0';
	p->scratch[tl + 1 + sl] = '\0';
	p->nparties = h->nparty;
	*thread = h->thread_len != NONE ? p->scratch : NULL;
	*source = p->scratch + tl + 1;
	return 1;
bad:
	p->ioerr = 1;
	p->spill_errno = ferror(p->spill) ? errno : 0;
	return -1;
}

static void
write_ev(struct ex_pole *p, const struct evrec *e, uint64_t id,
    const char *thread, const char *source, struct etk_buf *out)
{
	struct etk_json j;
	char b[32];

	etk_json_init(&j, out);
	etk_json_obj_begin(&j);
	snprintf(b, sizeof(b), "E-%06llu", (unsigned long long)id);
	etk_json_kstr(&j, "id", b);
	etk_json_kstr(&j, "pole", "Event");
	etk_json_kstr(&j, "subtype", e->call ? "call" : "message");
	etk_json_key(&j, "ts");
	if (e->set)
		etk_json_time(&j, e->sec, e->nsec);
	else
		etk_json_null(&j);
	etk_json_kstr(&j, "app", e->app != NONE ? p->str.s[e->app] : NULL);
	etk_json_kstr(&j, "direction", e->dir != NONE ? p->str.s[e->dir] :
	    NULL);
	if (e->call) {
		etk_json_key(&j, "duration_s");
		if (e->duration >= 0)
			etk_json_int(&j, e->duration);
		else
			etk_json_null(&j);
	} else
		etk_json_kstr(&j, "thread", thread);
	etk_json_kbool(&j, "deleted", e->deleted);
	etk_json_key(&j, "prov");
	etk_json_arr_begin(&j);
	etk_json_str(&j, source);
	etk_json_arr_end(&j);
	etk_json_obj_end(&j);
	etk_buf_addc(out, '\n');
}

static void
write_link(struct ex_pole *p, struct link *l, struct etk_buf *out)
{
	struct etk_json j;

	etk_json_init(&j, out);
	etk_json_obj_begin(&j);
	put_id(&j, "from", p->ents[l->from].kind, p->ents[l->from].id);
	etk_json_kstr(&j, "rel", l->rel);
	put_id(&j, "to", p->ents[l->to].kind, p->ents[l->to].id);
	if (l->role != NULL)
		etk_json_kstr(&j, "role", l->role);
	put_prov(p, &j, l->prov, l->nprov);
	etk_json_obj_end(&j);
	etk_buf_addc(out, '\n');
}

/* Hand buf to out when it holds more than a bounded amount (or at the
 * end), then empty it: the text never grows with the event count. */
#define DRAIN_AT	(1u << 20)
static int
drain(ex_pole_out out, void *arg, int which, struct etk_buf *buf, int last)
{
	int rc = 0;

	if (buf->len == 0 || (!last && buf->len < DRAIN_AT) || buf->oom)
		return 0;
	rc = out(arg, which, buf) != 0;
	etk_buf_reset(buf);
	return rc;
}

/* Rewind the spill for reading; -1 on error (ioerr set). */
static int
spill_rewind(struct ex_pole *p)
{
	if (p->ioerr)
		return -1;
	if (fflush(p->spill) != 0 || fseek(p->spill, 0, SEEK_SET) != 0) {
		p->ioerr = 1;
		p->spill_errno = errno;
		return -1;
	}
	return 0;
}

int
ex_pole_write(struct ex_pole *p, ex_pole_out out, void *arg,
    struct etk_error *err)
{
	uint32_t *order = NULL, *lorder = NULL, next[4] = { 1, 1, 1, 1 };
	size_t i, k, nphoto = 0;
	uint64_t id;
	struct etk_buf ebuf, lbuf, *entities = &ebuf, *links = &lbuf;
	struct evrec h;
	const char *thread, *source;
	int failed = 0, r;

	if (p->oom)
		return etk_fail(err, ETK_ENOMEM, 0,
		    "pole: out of memory while collecting records");
	if (p->ioerr)
		return etk_fail(err, ETK_EIO, p->spill_errno,
		    "pole: cannot write the temporary event file");
	if ((order = malloc((p->nents + 1) * sizeof(*order))) == NULL ||
	    (lorder = malloc((p->nlinks + 1) * sizeof(*lorder))) == NULL) {
		free(order);
		return etk_fail(err, ETK_ENOMEM, 0, "pole: out of memory");
	}
	for (i = 0; i < p->nents; i++)
		order[i] = (uint32_t)i;
	sort(order, p->nents, sizeof(*order), cmp_ent, p);
	/* Ids per kind in sort order: photo events (sorted by time) come
	 * first among events, then messages and calls as they arrived. */
	for (i = 0; i < p->nents; i++) {
		struct ent *e = &p->ents[order[i]];

		e->id = next[e->kind]++;
		if (e->kind == K_EVENT)
			nphoto++;
	}
	etk_buf_init(&ebuf);
	etk_buf_init(&lbuf);
	/* Entities: people, objects, locations, photo events, then the
	 * spilled events. */
	for (i = 0; i < p->nents && !failed; i++) {
		write_ent(p, &p->ents[order[i]], entities);
		failed |= drain(out, arg, 0, entities, 0);
	}
	id = nphoto;
	if (!failed && spill_rewind(p) == 0)
		while (!failed && (r = spill_get(p, &h, &thread,
		    &source)) > 0) {
			write_ev(p, &h, ++id, thread, source, entities);
			failed |= drain(out, arg, 0, entities, 0);
		}
	failed |= drain(out, arg, 0, entities, 1);
	/* Links between entities, then each event's parties. */
	for (i = 0; i < p->nlinks; i++)
		lorder[i] = (uint32_t)i;
	sort(lorder, p->nlinks, sizeof(*lorder), cmp_link, p);
	for (i = 0; i < p->nlinks && !failed; i++) {
		write_link(p, &p->links[lorder[i]], links);
		failed |= drain(out, arg, 1, links, 0);
	}
	id = nphoto;
	if (!failed && spill_rewind(p) == 0)
		while (!failed && (r = spill_get(p, &h, &thread,
		    &source)) > 0) {
			char eid[32];

			snprintf(eid, sizeof(eid), "E-%06llu",
			    (unsigned long long)++id);
			sort(p->parties, p->nparties, sizeof(*p->parties),
			    cmp_party, p);
			for (k = 0; k < p->nparties; k++) {
				uint32_t pv = p->parties[k];
				const struct ent *o = &p->ents[pv >> 3];
				struct etk_json j;

				etk_json_init(&j, links);
				etk_json_obj_begin(&j);
				put_id(&j, "from", o->kind, o->id);
				etk_json_kstr(&j, "rel", "PARTY_TO");
				etk_json_kstr(&j, "to", eid);
				etk_json_kstr(&j, "role", role_name[pv & 7]);
				etk_json_key(&j, "prov");
				etk_json_arr_begin(&j);
				etk_json_str(&j, source);
				etk_json_arr_end(&j);
				etk_json_obj_end(&j);
				etk_buf_addc(links, '\n');
			}
			failed |= drain(out, arg, 1, links, 0);
		}
	failed |= drain(out, arg, 1, links, 1);
	free(order);
	free(lorder);
	if (p->oom || entities->oom || links->oom) {
		etk_buf_release(&ebuf);
		etk_buf_release(&lbuf);
		return etk_fail(err, ETK_ENOMEM, 0,
		    "pole: out of memory writing entities and links");
	}
	etk_buf_release(&ebuf);
	etk_buf_release(&lbuf);
	if (p->ioerr)
		return etk_fail(err, ETK_EIO, p->spill_errno,
		    "pole: cannot read back the temporary event file");
	if (failed)
		return etk_fail(err, ETK_EIO, 0,
		    "pole: cannot write entities and links");
	return ETK_OK;
}
