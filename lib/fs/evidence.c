/*
 * Evidence: what is inside a source.  This file owns detection (what
 * kind of container a path or byte source is), locator resolution
 * (including '!' chains into nested containers), ETK_WALK_NESTED and
 * byte ranges; the backends behind fs_int.h read one level each.
 *
 * A nested evidence (a ZIP inside a file system) is an ordinary struct
 * etk_evidence whose source is a file of the outer one, whose name is
 * the outer locator ("x.E01:p2:/a/b.zip") and whose locator prefix is
 * "outer-locator!".  Nested evidences never outlive the call that opened
 * them, except inside a source returned by etk_evidence_open_file, which
 * then owns the chain and closes it with itself.
 *
 * Threads: an etk_evidence and everything opened through it (file
 * sources, nested evidences) belong to one thread at a time.  Open one
 * evidence per worker thread.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <etk/evidence.h>
#include <etk/locator.h>

#include "fs/fs_int.h"

/* Bytes read from a file to decide what container it is. */
#define SNIFF_LEN	512
/* Compressed bytes inflated at most to find a tar header in a gzip. */
#define GZ_SNIFF_IN	(1024 * 1024)

struct etk_evidence {
	struct etk_source *src;		/* NULL for directories */
	int own_src;			/* close src with the evidence */
	char *name;			/* locator source part */
	char *prefix;			/* "name:" or "outer-locator!" */
	int depth;			/* 0 at top level */
	enum etk_ev_kind kind;
	const struct etk_backend_ops *ops;
	void *bctx;
	const struct etk_volume *vols;	/* owned by bctx */
	size_t nvols;
	const char *vs_type;		/* owned by bctx */
	char *password_file;		/* encrypted iOS backups, or NULL */
};

/* ---- small helpers ---- */

static int
nomem(struct etk_error *err)
{
	return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

static char *
concat(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *d = malloc(na + nb + 1);

	if (d != NULL) {
		memcpy(d, a, na);
		memcpy(d + na, b, nb + 1);
	}
	return d;
}

const char *
etk_evidence_kind_name(const struct etk_evidence *ev)
{
	if (ev == NULL)
		return NULL;
	switch (ev->kind) {
	case ETK_EV_IMAGE:		return "image";
	case ETK_EV_DIRECTORY:		return "directory";
	case ETK_EV_TAR:		return "tar";
	case ETK_EV_ZIP:		return "zip";
	case ETK_EV_ANDROID_BACKUP:	return "android-backup";
	case ETK_EV_IOS_BACKUP:		return "ios-backup";
	}
	return "unknown";
}

/* ---- detection ---- */

/* Does an inflated gzip stream start with a tar header?  Returns 1 for
 * tar, 0 for something else, or an error code. */
static int
gzip_holds_tar(struct etk_source *src, struct etk_error *err)
{
	unsigned char in[16384], out[SNIFF_LEN];
	uint64_t off = 0, size = etk_source_size(src);
	z_stream zs;
	size_t n, i;
	int rc, zrc = Z_OK, result = 0;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return nomem(err);
	zs.next_out = out;
	zs.avail_out = sizeof(out);
	while (zs.avail_out > 0 && off < size && off < GZ_SNIFF_IN &&
	    zrc != Z_STREAM_END) {
		if ((rc = etk_source_read(src, off, in, sizeof(in), &n,
		    err)) != ETK_OK) {
			inflateEnd(&zs);
			return rc;
		}
		if (n == 0)
			break;
		off += n;
		zs.next_in = in;
		zs.avail_in = (uInt)n;
		while (zs.avail_in > 0 && zs.avail_out > 0) {
			zrc = inflate(&zs, Z_NO_FLUSH);
			if (zrc == Z_STREAM_END)
				break;
			if (zrc != Z_OK) {
				inflateEnd(&zs);
				return etk_fail(err, ETK_EFORMAT, 0,
				    "gzip: corrupt stream at offset %" PRIu64
				    ": %s", (uint64_t)zs.total_in,
				    zs.msg != NULL ? zs.msg : "inflate failed");
			}
		}
	}
	n = sizeof(out) - zs.avail_out;
	inflateEnd(&zs);
	if (n >= 262 && memcmp(out + 257, "ustar", 5) == 0)
		result = 1;
	else if (n == sizeof(out)) {
		/* An empty tar is end-of-archive blocks only. */
		for (i = 0; i < n && out[i] == 0; i++)
			;
		result = i == n;
	}
	return result;
}

/* Decide what a byte source holds.  Sets *kind; ETK_EUNSUPP for a gzip
 * that is not a tar. */
static int
detect_source(struct etk_source *src, enum etk_ev_kind *kind,
    struct etk_error *err)
{
	unsigned char head[SNIFF_LEN];
	size_t n;
	int rc;

	*kind = ETK_EV_IMAGE;
	if ((rc = etk_source_read(src, 0, head, sizeof(head), &n, err)) !=
	    ETK_OK)
		return rc;
	if (n >= 15 && memcmp(head, "ANDROID BACKUP\n", 15) == 0)
		*kind = ETK_EV_ANDROID_BACKUP;
	else if (n >= 4 && (memcmp(head, "PK\3\4", 4) == 0 ||
	    memcmp(head, "PK\5\6", 4) == 0))
		*kind = ETK_EV_ZIP;
	else if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
		if ((rc = gzip_holds_tar(src, err)) < 0)
			return rc;
		if (rc == 0)
			return etk_fail(err, ETK_EUNSUPP, 0,
			    "gzip without tar (only .tar.gz is supported)");
		*kind = ETK_EV_TAR;
	} else if (n >= 262 && memcmp(head + 257, "ustar", 5) == 0)
		*kind = ETK_EV_TAR;
	else if ((n >= 10 && memcmp(head, "BZh", 3) == 0 &&
	    head[3] >= '1' && head[3] <= '9' &&
	    memcmp(head + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0) ||
	    (n >= 6 && memcmp(head, "\xfd" "7zXZ\0", 6) == 0) ||
	    (n >= 4 && memcmp(head, "\x28\xb5\x2f\xfd", 4) == 0))
		/* bzip2, xz, zstd: given as evidence these are tars (the
		 * archive backend says so plainly when they are not).  Not
		 * sniffed for nesting, where a compressed log is no tar. */
		*kind = ETK_EV_TAR;
	return ETK_OK;
}

/* Cheap check used by ETK_WALK_NESTED: does this content start with a
 * container signature?  Only the first bytes are looked at. */
static int
looks_nested(const unsigned char *head, size_t n)
{
	if (n >= 15 && memcmp(head, "ANDROID BACKUP\n", 15) == 0)
		return 1;
	if (n >= 4 && (memcmp(head, "PK\3\4", 4) == 0 ||
	    memcmp(head, "PK\5\6", 4) == 0))
		return 1;
	if (n >= 3 && head[0] == 0x1f && head[1] == 0x8b && head[2] == 8)
		return 1;
	if (n >= 262 && memcmp(head + 257, "ustar", 5) == 0)
		return 1;
	return 0;
}

/* ---- construction ---- */

static struct etk_evidence *
ev_alloc(const char *name, int depth)
{
	struct etk_evidence *ev;

	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return NULL;
	ev->depth = depth;
	if ((ev->name = xstrdup(name)) == NULL ||
	    (ev->prefix = concat(name, depth > 0 ? "!" : ":")) == NULL) {
		free(ev->name);
		free(ev);
		return NULL;
	}
	return ev;
}

/* Attach the backend for kind.  path is for directory kinds. */
static int
ev_attach(struct etk_evidence *ev, enum etk_ev_kind kind, const char *path,
    struct etk_error *err)
{
	int rc;

	ev->kind = kind;
	switch (kind) {
	case ETK_EV_IMAGE:
		ev->ops = &etk_backend_tsk;
		rc = etk_tsk_open(ev, &ev->bctx, &ev->vols, &ev->nvols,
		    &ev->vs_type, err);
		break;
	case ETK_EV_TAR:
	case ETK_EV_ZIP:
	case ETK_EV_ANDROID_BACKUP:
		ev->ops = &etk_backend_archive;
		rc = etk_archive_open(ev, (int)kind, &ev->bctx, &ev->vols,
		    &ev->nvols, err);
		break;
	case ETK_EV_DIRECTORY:
		ev->ops = &etk_backend_dir;
		rc = etk_dir_open(ev, path, &ev->bctx, &ev->vols, &ev->nvols,
		    err);
		break;
	case ETK_EV_IOS_BACKUP:
		ev->ops = &etk_backend_iosbackup;
		rc = etk_iosbackup_open(ev, path, &ev->bctx, &ev->vols,
		    &ev->nvols, err);
		break;
	default:
		return etk_fail(err, ETK_EINVAL, 0, "unknown evidence kind %d",
		    (int)kind);
	}
	if (rc != ETK_OK) {
		ev->ops = NULL;
		ev->bctx = NULL;
		ev->vols = NULL;
		ev->nvols = 0;
		ev->vs_type = NULL;
	}
	return rc;
}

void
etk_evidence_close(struct etk_evidence *ev)
{
	if (ev == NULL)
		return;
	if (ev->ops != NULL && ev->ops->close != NULL)
		ev->ops->close(ev->bctx);
	if (ev->own_src)
		etk_source_close(ev->src);
	free(ev->password_file);
	free(ev->prefix);
	free(ev->name);
	free(ev);
}

/* Evidence over src (owned when own is set, also on failure).  kind is
 * detected when 0. */
static int
ev_open_over(struct etk_evidence **evp, struct etk_source *src, int own,
    const char *name, int depth, enum etk_ev_kind kind, struct etk_error *err)
{
	struct etk_evidence *ev;
	int rc;

	*evp = NULL;
	if (depth > ETK_MAX_NEST) {
		rc = etk_fail(err, ETK_ETIMEOUT, 0, "%s: containers nested "
		    "more than %d deep", name, ETK_MAX_NEST);
		goto fail;
	}
	if (etk_source_size(src) == 0) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "%s: empty", name);
		goto fail;
	}
	if (kind == 0 && (rc = detect_source(src, &kind, err)) != ETK_OK) {
		etk_wrap(err, "%s", name);
		goto fail;
	}
	if ((ev = ev_alloc(name, depth)) == NULL) {
		rc = nomem(err);
		goto fail;
	}
	ev->src = src;
	ev->own_src = own;
	if ((rc = ev_attach(ev, kind, NULL, err)) != ETK_OK) {
		/* Backends name the layer; add the source unless done. */
		if (strncmp(err->msg, name, strlen(name)) != 0)
			etk_wrap(err, "%s", name);
		etk_evidence_close(ev);
		return rc;
	}
	*evp = ev;
	return ETK_OK;
fail:
	if (own)
		etk_source_close(src);
	return rc;
}

/* Basename of a directory path, without trailing slashes. */
static char *
dir_name(const char *path)
{
	size_t end = strlen(path), start;
	char *d;

	while (end > 1 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (end == start)	/* "/" */
		return xstrdup("/");
	if ((d = malloc(end - start + 1)) == NULL)
		return NULL;
	memcpy(d, path + start, end - start);
	d[end - start] = '\0';
	return d;
}

int
etk_evidence_open(struct etk_evidence **evp, const char *path,
    struct etk_error *err)
{
	return etk_evidence_open_opts(evp, path, NULL, err);
}

int
etk_evidence_open_opts(struct etk_evidence **evp, const char *path,
    const struct etk_evidence_opts *opts, struct etk_error *err)
{
	struct etk_error tmp = { 0 };
	struct etk_evidence *ev;
	struct etk_source *src;
	struct stat st;
	char *name, *manifest;
	const char *pwf;
	enum etk_ev_kind kind;
	int rc;

	if (err == NULL)
		err = &tmp;
	if (evp != NULL)
		*evp = NULL;
	if (evp == NULL || path == NULL || *path == '\0')
		return etk_fail(err, ETK_EINVAL, 0, "etk_evidence_open: %s",
		    evp == NULL ? "no result pointer" : "no path");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		if ((manifest = concat(path, "/Manifest.db")) == NULL)
			return nomem(err);
		kind = access(manifest, F_OK) == 0 ? ETK_EV_IOS_BACKUP :
		    ETK_EV_DIRECTORY;
		free(manifest);
		if ((name = dir_name(path)) == NULL)
			return nomem(err);
		ev = ev_alloc(name, 0);
		free(name);
		if (ev == NULL)
			return nomem(err);
		/* Only iOS backup folders can be encrypted ones. */
		pwf = opts != NULL && opts->password_file != NULL ?
		    opts->password_file : getenv("ETK_PASSWORD_FILE");
		if (kind == ETK_EV_IOS_BACKUP && pwf != NULL && *pwf != '\0' &&
		    (ev->password_file = xstrdup(pwf)) == NULL) {
			etk_evidence_close(ev);
			return nomem(err);
		}
		if ((rc = ev_attach(ev, kind, path, err)) != ETK_OK) {
			etk_evidence_close(ev);
			return rc;
		}
		*evp = ev;
		return ETK_OK;
	}
	if ((rc = etk_source_open(&src, path, err)) != ETK_OK)
		return rc;
	return ev_open_over(evp, src, 1, etk_source_name(src), 0, 0, err);
}

int
etk_evidence_open_source(struct etk_evidence **evp, struct etk_source *src,
    const char *name, struct etk_error *err)
{
	struct etk_error tmp = { 0 };

	if (err == NULL)
		err = &tmp;
	if (evp != NULL)
		*evp = NULL;
	if (evp == NULL || src == NULL)
		return etk_fail(err, ETK_EINVAL, 0,
		    "etk_evidence_open_source: %s", evp == NULL ?
		    "no result pointer" : "no source");
	if (name == NULL || *name == '\0')
		name = etk_source_name(src);
	if (name == NULL || *name == '\0')
		name = "source";
	return ev_open_over(evp, src, 0, name, 0, 0, err);
}

/* ---- accessors ---- */

enum etk_ev_kind
etk_evidence_kind(const struct etk_evidence *ev)
{
	return ev != NULL ? ev->kind : (enum etk_ev_kind)0;
}

const char *
etk_evidence_name(const struct etk_evidence *ev)
{
	return ev != NULL ? ev->name : NULL;
}

struct etk_source *
etk_evidence_source(const struct etk_evidence *ev)
{
	return ev != NULL ? ev->src : NULL;
}

size_t
etk_evidence_volumes(const struct etk_evidence *ev,
    const struct etk_volume **vols)
{
	if (vols != NULL)
		*vols = ev != NULL ? ev->vols : NULL;
	return ev != NULL ? ev->nvols : 0;
}

const char *
etk_evidence_vs_type(const struct etk_evidence *ev)
{
	return ev != NULL ? ev->vs_type : NULL;
}

struct etk_source *
etk_ev_source(const struct etk_evidence *ev)
{
	return ev != NULL ? ev->src : NULL;
}

const char *
etk_ev_name(const struct etk_evidence *ev)
{
	return ev != NULL ? ev->name : NULL;
}

const char *
etk_ev_password_file(const struct etk_evidence *ev)
{
	return ev != NULL ? ev->password_file : NULL;
}

void
etk_ev_locator(const struct etk_evidence *ev, struct etk_buf *out,
    const struct etk_loc_item *it)
{
	if (it == NULL || (it->volume < 0 && it->kind == ETK_LOC_NONE)) {
		/* The evidence itself. */
		etk_buf_adds(out, ev->name);
		return;
	}
	etk_buf_adds(out, ev->prefix);
	if (it->volume >= 0) {
		etk_buf_printf(out, "p%d", it->volume);
		if (it->kind != ETK_LOC_NONE)
			etk_buf_addc(out, ':');
	}
	switch (it->kind) {
	case ETK_LOC_PATH:
		etk_locator_encode_path(out,
		    it->path != NULL && it->path[0] != '\0' ? it->path : "/");
		break;
	case ETK_LOC_INODE:
		etk_buf_printf(out, "i%" PRIu64, it->inode);
		if (it->has_attr) {
			etk_buf_printf(out, "-%" PRIu32, it->attr_type);
			if (it->has_attr_id)
				etk_buf_printf(out, "-%u",
				    (unsigned)it->attr_id);
		}
		break;
	case ETK_LOC_RANGE:
		etk_buf_printf(out, "@%" PRIu64 "+%" PRIu64, it->off, it->len);
		break;
	case ETK_LOC_NONE:
		break;
	}
}

static const struct etk_volume *
find_volume(const struct etk_evidence *ev, int slot)
{
	size_t i;

	for (i = 0; i < ev->nvols; i++)
		if (ev->vols[i].slot == slot)
			return &ev->vols[i];
	return NULL;
}

/* The locator text of one item, for messages and nested names.  Caller
 * frees. */
static char *
item_locator(const struct etk_evidence *ev, const struct etk_loc_item *it)
{
	struct etk_buf b;

	etk_buf_init(&b);
	etk_ev_locator(ev, &b, it);
	if (b.oom) {
		etk_buf_release(&b);
		return NULL;
	}
	return etk_buf_detach(&b);
}

/* ---- one level: items handled here or by the backend ---- */

/* Byte window [*off, *off + *len) of the source that a range or volume
 * item names. */
static int
item_window(struct etk_evidence *ev, const struct etk_loc_item *it,
    uint64_t *off, uint64_t *len, struct etk_error *err)
{
	const struct etk_volume *v = NULL;
	uint64_t base = 0, limit;

	if (ev->src == NULL)
		return etk_fail(err, ETK_EUNSUPP, 0, "%s: a %s has no byte "
		    "ranges", ev->name, etk_evidence_kind_name(ev));
	limit = etk_source_size(ev->src);
	if (it->volume >= 0) {
		if ((v = find_volume(ev, it->volume)) == NULL)
			return etk_fail(err, ETK_ENOTFOUND, 0, "%s: no volume "
			    "p%d", ev->name, it->volume);
		base = v->start;
		limit = v->len;
		if (base > etk_source_size(ev->src))
			limit = 0;
		else if (limit > etk_source_size(ev->src) - base)
			limit = etk_source_size(ev->src) - base;
	}
	if (it->kind == ETK_LOC_RANGE) {
		if (it->off > limit || it->len > limit - it->off)
			return etk_fail(err, ETK_ENOTFOUND, 0, "%s: range @%"
			    PRIu64 "+%" PRIu64 " ends past the end of the %s "
			    "(%" PRIu64 " bytes)", ev->name, it->off, it->len,
			    v != NULL ? "volume" : "source", limit);
		*off = base + it->off;
		*len = it->len;
	} else {
		*off = base;
		*len = limit;
	}
	return ETK_OK;
}

static int
is_window(const struct etk_loc_item *it)
{
	return it->kind == ETK_LOC_RANGE || it->kind == ETK_LOC_NONE;
}

static int
level_open_file(struct etk_evidence *ev, const struct etk_loc_item *it,
    struct etk_source **out, struct etk_error *err)
{
	uint64_t off, len;
	int rc;

	*out = NULL;
	if (is_window(it)) {
		if ((rc = item_window(ev, it, &off, &len, err)) != ETK_OK)
			return rc;
		return etk_source_open_range(out, ev->src, off, len, err);
	}
	if (ev->ops->open_file == NULL)
		return etk_fail(err, ETK_EUNSUPP, 0, "%s: cannot open files",
		    ev->name);
	return ev->ops->open_file(ev, ev->bctx, it, out, err);
}

static int
level_byte_runs(struct etk_evidence *ev, const struct etk_loc_item *it,
    struct etk_byte_run **runs, size_t *n, struct etk_error *err)
{
	uint64_t off, len;
	int rc;

	*runs = NULL;
	*n = 0;
	if (is_window(it)) {
		if ((rc = item_window(ev, it, &off, &len, err)) != ETK_OK)
			return rc;
		if (len == 0)
			return ETK_OK;
		if ((*runs = malloc(sizeof(**runs))) == NULL)
			return nomem(err);
		(*runs)->file_offset = 0;
		(*runs)->img_offset = off;
		(*runs)->len = len;
		*n = 1;
		return ETK_OK;
	}
	if (ev->ops->byte_runs == NULL)
		return ETK_OK;
	return ev->ops->byte_runs(ev, ev->bctx, it, runs, n, err);
}

/* ---- chains ---- */

/* The evidences opened to reach the last item of a locator. */
struct chain {
	struct etk_evidence *top;
	struct etk_evidence *evs[ETK_LOC_MAXDEPTH];	/* nested, owned */
	size_t nev;
	struct etk_locator loc;
};

static struct etk_evidence *
chain_leaf(struct chain *c)
{
	return c->nev > 0 ? c->evs[c->nev - 1] : c->top;
}

static void
chain_release(struct chain *c)
{
	while (c->nev > 0)
		etk_evidence_close(c->evs[--c->nev]);
	etk_locator_release(&c->loc);
}

/* Open nested evidence over item it of ev.  The new evidence owns the
 * file source. */
static int
open_nested(struct etk_evidence *ev, const struct etk_loc_item *it,
    struct etk_evidence **out, struct etk_error *err)
{
	struct etk_source *src;
	char *name;
	int rc;

	*out = NULL;
	if (ev->depth + 1 > ETK_MAX_NEST) {
		name = item_locator(ev, it);
		rc = etk_fail(err, ETK_ETIMEOUT, 0, "%s: containers nested "
		    "more than %d deep", name != NULL ? name : ev->name,
		    ETK_MAX_NEST);
		free(name);
		return rc;
	}
	if ((name = item_locator(ev, it)) == NULL)
		return nomem(err);
	if ((rc = level_open_file(ev, it, &src, err)) != ETK_OK) {
		free(name);
		return rc;
	}
	rc = ev_open_over(out, src, 1, name, ev->depth + 1, 0, err);
	free(name);
	return rc;
}

/* Parse s against ev and open the containers before its last item.
 * On success the caller releases c with chain_release. */
static int
chain_open(struct chain *c, struct etk_evidence *ev, const char *s,
    struct etk_error *err)
{
	struct etk_evidence *cur = ev, *next;
	size_t i;
	int rc;

	memset(c, 0, sizeof(*c));
	c->top = ev;
	if ((rc = etk_locator_parse(s, ev->name, &c->loc, err)) != ETK_OK)
		return rc;
	if (c->loc.source != NULL && strcmp(c->loc.source, ev->name) != 0) {
		rc = etk_fail(err, ETK_EINVAL, 0, "locator '%s' is for '%s', "
		    "not '%s'", s, c->loc.source, ev->name);
		etk_locator_release(&c->loc);
		return rc;
	}
	for (i = 0; i + 1 < c->loc.depth; i++) {
		if ((rc = open_nested(cur, &c->loc.items[i], &next, err)) !=
		    ETK_OK) {
			chain_release(c);
			return rc;
		}
		c->evs[c->nev++] = next;
		cur = next;
	}
	return ETK_OK;
}

static const struct etk_loc_item *
chain_item(const struct chain *c)
{
	return &c->loc.items[c->loc.depth - 1];
}

/* ---- walking ---- */

struct walk_ctx {
	struct etk_evidence *ev;
	unsigned flags;
	etk_entry_cb cb;
	void *arg;
	struct etk_summary *sum;
	int stopped;
};

static int ev_walk(struct etk_evidence *, const struct etk_loc_item *,
    unsigned, etk_entry_cb, void *, struct etk_summary *, int *,
    struct etk_error *);

/* ETK_WALK_NESTED: e is a regular allocated file; if it holds a
 * container, walk it.  Failures go to the summary.  Returns non-zero
 * when the caller's callback asked to stop. */
static int
walk_nested(struct walk_ctx *w, const struct etk_entry *e)
{
	unsigned char head[SNIFF_LEN];
	struct etk_error err = { 0 };
	struct etk_locator loc;
	struct etk_evidence *nev = NULL;
	struct etk_source *src = NULL;
	struct etk_loc_item byinode;
	const struct etk_loc_item *it;
	size_t n = 0;
	int rc, stopped = 0;

	if (w->ev->depth + 1 > ETK_MAX_NEST)
		return 0;
	etk_locator_init(&loc);
	if (w->ev->kind == ETK_EV_IMAGE && e->has_inode) {
		/* By inode: no path lookup from the root for every file. */
		memset(&byinode, 0, sizeof(byinode));
		byinode.volume = e->volume;
		byinode.kind = ETK_LOC_INODE;
		byinode.inode = e->inode;
		if (e->has_attr) {
			byinode.has_attr = byinode.has_attr_id = 1;
			byinode.attr_type = e->attr_type;
			byinode.attr_id = e->attr_id;
		}
		it = &byinode;
	} else if (etk_locator_parse(e->locator, w->ev->name, &loc, &err) !=
	    ETK_OK || loc.depth < 1) {
		etk_locator_release(&loc);
		return 0;
	} else
		it = &loc.items[loc.depth - 1];
	if (level_open_file(w->ev, it, &src, &err) != ETK_OK ||
	    etk_source_read(src, 0, head, sizeof(head), &n, &err) != ETK_OK) {
		/* Unreadable content is the content reader's business. */
		etk_source_close(src);
		etk_locator_release(&loc);
		return 0;
	}
	if (!looks_nested(head, n)) {
		etk_source_close(src);
		etk_locator_release(&loc);
		return 0;
	}
	rc = ev_open_over(&nev, src, 1, e->locator, w->ev->depth + 1, 0, &err);
	if (rc != ETK_OK) {
		etk_summary_add(w->sum, e->locator, "container",
		    rc == ETK_EUNSUPP ? ETK_OUTCOME_UNSUPPORTED :
		    rc == ETK_ETIMEOUT ? ETK_OUTCOME_TIMEOUT :
		    ETK_OUTCOME_ERROR, 0, err.msg);
	} else {
		rc = ev_walk(nev, NULL, w->flags, w->cb, w->arg, w->sum,
		    &stopped, &err);
		if (rc != ETK_OK)
			etk_summary_add(w->sum, e->locator,
			    etk_evidence_kind_name(nev), ETK_OUTCOME_ERROR, 0,
			    err.msg);
		etk_evidence_close(nev);
	}
	etk_locator_release(&loc);
	return stopped;
}

static int
walk_cb(const struct etk_entry *e, void *arg)
{
	struct walk_ctx *w = arg;
	struct etk_entry copy;
	int rc;

	copy = *e;
	if (w->ev->depth > 0 && copy.parent == NULL)
		copy.parent = w->ev->name;
	if ((rc = w->cb(&copy, w->arg)) != 0) {
		w->stopped = 1;
		return rc;
	}
	if ((w->flags & ETK_WALK_NESTED) && e->allocated && !e->deleted &&
	    (e->meta_type == 'r' || (e->meta_type == '-' &&
	    e->name_type == 'r')) && e->size >= 4 && e->locator != NULL) {
		if (walk_nested(w, e)) {
			w->stopped = 1;
			return 1;
		}
	}
	return 0;
}

static int
ev_walk(struct etk_evidence *ev, const struct etk_loc_item *start,
    unsigned flags, etk_entry_cb cb, void *arg, struct etk_summary *sum,
    int *stopped, struct etk_error *err)
{
	struct walk_ctx w;
	int rc;

	if (ev->ops->walk == NULL)
		return etk_fail(err, ETK_EUNSUPP, 0, "%s: cannot list files",
		    ev->name);
	memset(&w, 0, sizeof(w));
	w.ev = ev;
	w.flags = flags;
	w.cb = cb;
	w.arg = arg;
	w.sum = sum;
	rc = ev->ops->walk(ev, ev->bctx, start, flags & ~ETK_WALK_NESTED,
	    walk_cb, &w, sum, err);
	if (stopped != NULL)
		*stopped = w.stopped;
	return w.stopped ? ETK_OK : rc;
}

int
etk_evidence_walk(struct etk_evidence *ev, const char *start, unsigned flags,
    etk_entry_cb cb, void *arg, struct etk_summary *sum, struct etk_error *err)
{
	struct etk_error tmp = { 0 };
	const struct etk_loc_item *it = NULL;
	struct chain c;
	int rc;

	if (err == NULL)
		err = &tmp;
	if (ev == NULL || cb == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "etk_evidence_walk: %s",
		    ev == NULL ? "no evidence" : "no callback");
	if ((flags & (ETK_WALK_ALLOC | ETK_WALK_UNALLOC)) == 0)
		flags |= ETK_WALK_ALLOC | ETK_WALK_UNALLOC;
	if (start == NULL || *start == '\0')
		return ev_walk(ev, NULL, flags, cb, arg, sum, NULL, err);
	if ((rc = chain_open(&c, ev, start, err)) != ETK_OK)
		return rc;
	it = chain_item(&c);
	if (it->kind == ETK_LOC_RANGE)
		rc = etk_fail(err, ETK_EINVAL, 0, "cannot list a byte range "
		    "('%s')", start);
	else if (it->kind == ETK_LOC_NONE && it->volume < 0)
		rc = ev_walk(chain_leaf(&c), NULL, flags, cb, arg, sum, NULL,
		    err);
	else
		rc = ev_walk(chain_leaf(&c), it, flags, cb, arg, sum, NULL,
		    err);
	chain_release(&c);
	return rc;
}

/* ---- stat ---- */

struct stat_ctx {
	struct etk_evidence *ev;
	etk_entry_cb cb;
	void *arg;
};

static int
stat_cb(const struct etk_entry *e, void *arg)
{
	struct stat_ctx *s = arg;
	struct etk_entry copy;

	copy = *e;
	if (s->ev->depth > 0 && copy.parent == NULL)
		copy.parent = s->ev->name;
	return s->cb(&copy, s->arg);
}

/* An entry for a byte window (range or volume item). */
static int
stat_window(struct etk_evidence *ev, const struct etk_loc_item *it,
    etk_entry_cb cb, void *arg, struct etk_error *err)
{
	const struct etk_volume *v;
	struct etk_entry e;
	uint64_t off, len;
	char name[64], *loc;
	int rc;

	if ((rc = item_window(ev, it, &off, &len, err)) != ETK_OK)
		return rc;
	if ((loc = item_locator(ev, it)) == NULL)
		return nomem(err);
	memset(&e, 0, sizeof(e));
	e.locator = loc;
	e.source = ev->name;
	e.volume = it->volume;
	if (it->volume >= 0 && (v = find_volume(ev, it->volume)) != NULL) {
		e.fs_offset = v->start;
		e.fs_type = v->fs_type;
	}
	if (it->kind == ETK_LOC_RANGE)
		snprintf(name, sizeof(name), "@%" PRIu64 "+%" PRIu64, it->off,
		    it->len);
	else if (it->volume >= 0)
		snprintf(name, sizeof(name), "p%d", it->volume);
	else
		snprintf(name, sizeof(name), "%s", "");
	e.path = "";
	e.name = it->kind == ETK_LOC_NONE && it->volume < 0 ? ev->name : name;
	e.parent = ev->depth > 0 ? ev->name : NULL;
	e.size = len;
	e.allocated = 1;
	e.name_type = '-';
	e.meta_type = it->kind == ETK_LOC_RANGE ? 'r' : '-';
	e.uid = e.gid = -1;
	cb(&e, arg);
	free(loc);
	return ETK_OK;
}

int
etk_evidence_stat(struct etk_evidence *ev, const char *locator,
    etk_entry_cb cb, void *arg, struct etk_error *err)
{
	struct etk_error tmp = { 0 };
	const struct etk_loc_item *it;
	struct stat_ctx s;
	struct etk_evidence *leaf;
	struct chain c;
	int rc;

	if (err == NULL)
		err = &tmp;
	if (ev == NULL || cb == NULL || locator == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "etk_evidence_stat: %s",
		    ev == NULL ? "no evidence" : cb == NULL ? "no callback" :
		    "no locator");
	if ((rc = chain_open(&c, ev, locator, err)) != ETK_OK)
		return rc;
	leaf = chain_leaf(&c);
	it = chain_item(&c);
	if (is_window(it))
		rc = stat_window(leaf, it, cb, arg, err);
	else if (leaf->ops->stat == NULL)
		rc = etk_fail(err, ETK_EUNSUPP, 0, "%s: cannot look up files",
		    leaf->name);
	else {
		s.ev = leaf;
		s.cb = cb;
		s.arg = arg;
		rc = leaf->ops->stat(leaf, leaf->bctx, it, stat_cb, &s, err);
	}
	chain_release(&c);
	return rc;
}

/* ---- content ---- */

/* A file source that also owns the nested evidences it was opened
 * through. */
struct chain_src {
	struct etk_source *inner;
	struct etk_evidence *evs[ETK_LOC_MAXDEPTH];
	size_t nev;
};

static int
chain_src_read(void *ctx, uint64_t off, void *buf, size_t len,
    size_t *nread, struct etk_error *err)
{
	struct chain_src *cs = ctx;

	return etk_source_read(cs->inner, off, buf, len, nread, err);
}

static void
chain_src_close(void *ctx)
{
	struct chain_src *cs = ctx;

	etk_source_close(cs->inner);
	while (cs->nev > 0)
		etk_evidence_close(cs->evs[--cs->nev]);
	free(cs);
}

static const struct etk_source_ops chain_src_ops = {
	chain_src_read,
	chain_src_close
};

/* See evidence.h: by inode where TSK would otherwise re-read every
 * directory on the path for each file. */
const char *
etk_entry_open_locator(const struct etk_entry *e, char *buf, size_t len)
{
	const char *p;
	int n;

	if (!e->has_inode || e->has_attr || e->parent != NULL ||
	    !e->allocated || e->deleted || e->fs_type == NULL ||
	    (strncmp(e->fs_type, "ext", 3) != 0 &&
	    strncmp(e->fs_type, "fat", 3) != 0) ||
	    (p = strstr(e->locator, ":/")) == NULL)
		return e->locator;
	n = snprintf(buf, len, "%.*s:i%" PRIu64, (int)(p - e->locator),
	    e->locator, e->inode);
	if (n < 0 || (size_t)n >= len)
		return e->locator;
	return buf;
}

int
etk_evidence_open_file(struct etk_evidence *ev, const char *locator,
    struct etk_source **out, struct etk_error *err)
{
	struct etk_error tmp = { 0 };
	struct etk_source *inner = NULL;
	struct chain_src *cs;
	struct chain c;
	int rc;

	if (err == NULL)
		err = &tmp;
	if (out != NULL)
		*out = NULL;
	if (ev == NULL || out == NULL || locator == NULL)
		return etk_fail(err, ETK_EINVAL, 0,
		    "etk_evidence_open_file: %s", ev == NULL ? "no evidence" :
		    out == NULL ? "no result pointer" : "no locator");
	if ((rc = chain_open(&c, ev, locator, err)) != ETK_OK)
		return rc;
	if ((rc = level_open_file(chain_leaf(&c), chain_item(&c), &inner,
	    err)) != ETK_OK) {
		chain_release(&c);
		return rc;
	}
	if (c.nev == 0) {
		chain_release(&c);
		*out = inner;
		return ETK_OK;
	}
	/* Hand the nested evidences to a wrapper that closes them last. */
	if ((cs = calloc(1, sizeof(*cs))) == NULL) {
		etk_source_close(inner);
		chain_release(&c);
		return nomem(err);
	}
	cs->inner = inner;
	memcpy(cs->evs, c.evs, c.nev * sizeof(c.evs[0]));
	cs->nev = c.nev;
	c.nev = 0;
	chain_release(&c);
	return etk_source_new_custom(out, &chain_src_ops, cs,
	    etk_source_size(inner), etk_source_sector_size(inner),
	    etk_source_name(inner), etk_source_format(inner), err);
}

/* Map runs (offsets in the content of a file) through the runs of that
 * file in its own source.  All-or-nothing: if any byte cannot be mapped,
 * the result is empty. */
static int
map_runs(const struct etk_byte_run *in, size_t nin,
    const struct etk_byte_run *outer, size_t nouter,
    struct etk_byte_run **res, size_t *nres, struct etk_error *err)
{
	struct etk_byte_run *r = NULL, *t;
	size_t i, j, n = 0, cap = 0;
	uint64_t pos, left, skip, take;

	*res = NULL;
	*nres = 0;
	for (i = 0; i < nin; i++) {
		pos = in[i].img_offset;	/* offset in the file's content */
		left = in[i].len;
		while (left > 0) {
			for (j = 0; j < nouter; j++)
				if (pos >= outer[j].file_offset &&
				    pos - outer[j].file_offset < outer[j].len)
					break;
			if (j == nouter) {
				free(r);
				return ETK_OK;
			}
			skip = pos - outer[j].file_offset;
			take = outer[j].len - skip;
			if (take > left)
				take = left;
			if (n > 0 && r[n - 1].img_offset + r[n - 1].len ==
			    outer[j].img_offset + skip &&
			    r[n - 1].file_offset + r[n - 1].len ==
			    in[i].file_offset + (in[i].len - left))
				r[n - 1].len += take;
			else {
				if (n == cap) {
					cap = cap ? cap * 2 : 8;
					if ((t = realloc(r, cap *
					    sizeof(*r))) == NULL) {
						free(r);
						return nomem(err);
					}
					r = t;
				}
				r[n].file_offset = in[i].file_offset +
				    (in[i].len - left);
				r[n].img_offset = outer[j].img_offset + skip;
				r[n].len = take;
				n++;
			}
			pos += take;
			left -= take;
		}
	}
	*res = r;
	*nres = n;
	return ETK_OK;
}

int
etk_evidence_byte_runs(struct etk_evidence *ev, const char *locator,
    struct etk_byte_run **runs, size_t *n, struct etk_error *err)
{
	struct etk_error tmp = { 0 };
	struct etk_byte_run *cur = NULL, *outer = NULL, *mapped;
	struct etk_evidence *level;
	size_t ncur = 0, nouter = 0, nmapped, k;
	struct chain c;
	int rc;

	if (err == NULL)
		err = &tmp;
	if (runs != NULL)
		*runs = NULL;
	if (n != NULL)
		*n = 0;
	if (ev == NULL || runs == NULL || n == NULL || locator == NULL)
		return etk_fail(err, ETK_EINVAL, 0,
		    "etk_evidence_byte_runs: %s", ev == NULL ? "no evidence" :
		    locator == NULL ? "no locator" : "no result pointer");
	if ((rc = chain_open(&c, ev, locator, err)) != ETK_OK)
		return rc;
	if ((rc = level_byte_runs(chain_leaf(&c), chain_item(&c), &cur, &ncur,
	    err)) != ETK_OK)
		goto out;
	/* Map outwards: the leaf's offsets are in the content of the
	 * container file one level up, and so on to the top source. */
	for (k = c.nev; k > 0 && ncur > 0; k--) {
		level = k >= 2 ? c.evs[k - 2] : c.top;
		if ((rc = level_byte_runs(level, &c.loc.items[k - 1], &outer,
		    &nouter, err)) != ETK_OK)
			goto out;
		rc = map_runs(cur, ncur, outer, nouter, &mapped, &nmapped, err);
		free(outer);
		outer = NULL;
		if (rc != ETK_OK)
			goto out;
		free(cur);
		cur = mapped;
		ncur = nmapped;
	}
	if (ncur == 0) {
		free(cur);
		cur = NULL;
	}
	*runs = cur;
	*n = ncur;
	cur = NULL;
out:
	free(cur);
	chain_release(&c);
	return rc;
}

int
etk_evidence_unalloc(struct etk_evidence *ev, int volume, etk_extent_cb cb,
    void *arg, struct etk_error *err)
{
	struct etk_error tmp = { 0 };

	if (err == NULL)
		err = &tmp;
	if (ev == NULL || cb == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "etk_evidence_unalloc: %s",
		    ev == NULL ? "no evidence" : "no callback");
	if (volume >= 0 && find_volume(ev, volume) == NULL)
		return etk_fail(err, ETK_ENOTFOUND, 0, "%s: no volume p%d",
		    ev->name, volume);
	if (ev->ops->unalloc == NULL)
		return ETK_OK;
	return ev->ops->unalloc(ev, ev->bctx, volume, cb, arg, err);
}
