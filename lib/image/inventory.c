/*
 * lib/image/inventory.c: TARGET.inventory.jsonl, the member list of a
 * logical container (TAR, ZIP, Android backup, iOS backup folder) that
 * etk_image_acquire preserved byte for byte.
 *
 * One JSON line per regular file, in the evidence layer's walk order
 * (sorted, the same whatever -j), each with its SHA-256 read through
 * etk_hash_evidence (workers in parallel, emitted in order):
 *
 *   {"record":"inventory","locator":..,"path":..,["domain":..,
 *    "relative_path":..,"stored":..,]"size":..,"mtime":..,"sha256":..,
 *    "status":"ok"}
 *
 * A member that cannot be read has "sha256":null, "status":"unreadable"
 * and a "reason"; a part of the container the walk could not list gets
 * a line of its own at the end (path null).  The file is written through
 * a temporary file beside it (fsync, then link: never over an existing
 * file) and hashed as it is written.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <etk/hash.h>
#include <etk/image.h>
#include <etk/json.h>

#include "image_int.h"

#define FLUSH_AT	(256 * 1024)

struct inv {
	struct etk_image_result *r;
	const struct etk_dirtar *dt;	/* the iOS folder's members */
	int fd;
	const char *tmp;
	struct etk_buf out;
	struct etk_hasher *h;		/* SHA-256 of the file */
	struct etk_hasher *sha1;	/* iOS fileID */
	int rc;
	struct etk_error err;
};

static int
flush(struct inv *v, int force)
{
	size_t off = 0;
	ssize_t w;

	if (v->out.oom)
		return v->rc = etk_fail(&v->err, ETK_ENOMEM, 0,
		    "out of memory");
	if (v->out.len < FLUSH_AT && !force)
		return ETK_OK;
	if (etk_hasher_update(v->h, v->out.data, v->out.len, &v->err) !=
	    ETK_OK)
		return v->rc = v->err.code;
	while (off < v->out.len) {
		w = write(v->fd, v->out.data + off, v->out.len - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return v->rc = etk_fail(&v->err, ETK_EIO,
			    w == 0 ? ENOSPC : errno, "cannot write '%s': %s",
			    v->tmp, strerror(w == 0 ? ENOSPC : errno));
		off += (size_t)w;
	}
	etk_buf_reset(&v->out);
	return ETK_OK;
}

static void
note_bad(struct inv *v, const char *what, const char *why)
{
	struct etk_buf b;

	v->r->inv_unreadable++;
	if (v->r->inv_first_bad != NULL)
		return;
	etk_buf_init(&b);
	etk_buf_printf(&b, "%s: %s", what, why);
	if (!b.oom)
		v->r->inv_first_bad = etk_buf_detach(&b);
	etk_buf_release(&b);
}

/* iOS backup: "/Domain/rel/path" -> domain, relative path and the name
 * of the stored file in the folder (SHA-1 of "domain-rel"). */
static void
ios_fields(struct inv *v, struct etk_json *j, const char *path)
{
	const char *p = path[0] == '/' ? path + 1 : path;
	const char *sl = strchr(p, '/');
	struct etk_digests d;
	struct etk_error e = { 0 };
	char stored[2 + 1 + 40 + 1];
	const char *rel = sl != NULL ? sl + 1 : "";
	size_t dl = sl != NULL ? (size_t)(sl - p) : strlen(p);
	int found = 0;

	etk_json_key(j, "domain");
	etk_json_strn(j, p, dl);
	etk_json_kstr(j, "relative_path", rel);
	if (v->dt != NULL && v->sha1 != NULL &&
	    etk_hasher_update(v->sha1, p, dl, &e) == ETK_OK &&
	    etk_hasher_update(v->sha1, "-", 1, &e) == ETK_OK &&
	    etk_hasher_update(v->sha1, rel, strlen(rel), &e) == ETK_OK &&
	    etk_hasher_final(v->sha1, &d, &e) == ETK_OK) {
		snprintf(stored, sizeof(stored), "%c%c/%s", d.sha1[0],
		    d.sha1[1], d.sha1);
		if (etk_dirtar_has(v->dt, stored))
			found = 1;
		else if (etk_dirtar_has(v->dt, d.sha1)) {
			memmove(stored, stored + 3, 41);
			found = 1;
		}
	}
	etk_json_key(j, "stored");
	if (found)
		etk_json_str(j, stored);
	else
		etk_json_null(j);
}

static int
inv_cb(const struct etk_hashed_file *f, void *arg)
{
	struct inv *v = arg;
	const struct etk_entry *e = f->entry;
	struct etk_json j;

	etk_json_init(&j, &v->out);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "record", "inventory");
	etk_json_kstr(&j, "locator", e->locator);
	etk_json_kstr(&j, "path", e->path);
	if (e->fs_type != NULL && strcmp(e->fs_type, "ios-backup") == 0 &&
	    e->path != NULL)
		ios_fields(v, &j, e->path);
	etk_json_kuint(&j, "size", e->size);
	etk_json_key(&j, "mtime");
	if (e->times & ETK_TIME_M)
		etk_json_time(&j, e->mtime, e->mtime_ns);
	else
		etk_json_null(&j);
	etk_json_key(&j, "sha256");
	if (f->status == ETK_OK && f->digests.sha256[0] != '\0') {
		etk_json_str(&j, f->digests.sha256);
		etk_json_kstr(&j, "status", "ok");
		v->r->inv_bytes += f->bytes;
	} else {
		const char *why = f->reason != NULL ? f->reason :
		    etk_strerror(f->status);

		etk_json_null(&j);
		etk_json_kstr(&j, "status", "unreadable");
		etk_json_kstr(&j, "reason", why);
		note_bad(v, e->locator, why);
	}
	etk_json_obj_end(&j);
	etk_buf_addc(&v->out, '\n');
	v->r->inv_members++;
	return flush(v, 0) != ETK_OK;
}

/* Parts of the container the walk could not list (not a file). */
static void
walk_problems(struct inv *v, const struct etk_summary *sum)
{
	const char *scope, *kind, *reason;
	enum etk_outcome o;
	uint64_t count;
	struct etk_json j;
	size_t i;

	for (i = 0; etk_summary_item(sum, i, &scope, &kind, &o, &count,
	    &reason) == ETK_OK; i++) {
		if (o != ETK_OUTCOME_ERROR && o != ETK_OUTCOME_TIMEOUT &&
		    o != ETK_OUTCOME_UNSUPPORTED)
			continue;
		if (kind != NULL && strcmp(kind, "file") == 0)
			continue;	/* has its own line */
		if (reason == NULL)
			reason = etk_outcome_name(o);
		etk_json_init(&j, &v->out);
		etk_json_obj_begin(&j);
		etk_json_kstr(&j, "record", "inventory");
		etk_json_kstr(&j, "locator", scope);
		etk_json_kstr(&j, "path", NULL);
		etk_json_kstr(&j, "size", NULL);
		etk_json_kstr(&j, "mtime", NULL);
		etk_json_kstr(&j, "sha256", NULL);
		etk_json_kstr(&j, "status", "unreadable");
		etk_json_kstr(&j, "reason", reason);
		etk_json_obj_end(&j);
		etk_buf_addc(&v->out, '\n');
		note_bad(v, scope, reason);
	}
}

int
etk_image_inventory(const char *source, const char *target_base,
    int threads, const struct etk_dirtar *dt, struct etk_image_result *r,
    struct etk_error *err)
{
	struct etk_hash_opts ho;
	struct etk_summary *sum = NULL;
	struct etk_digests d;
	struct inv v;
	char *path = NULL, *tmp = NULL;
	int rc;

	memset(&v, 0, sizeof(v));
	v.r = r;
	v.dt = dt;
	v.fd = -1;
	etk_buf_init(&v.out);
	r->inv_members = r->inv_bytes = r->inv_unreadable = 0;
	if (asprintf(&path, "%s.inventory.jsonl", target_base) == -1 ||
	    asprintf(&tmp, "%s.inventory.jsonl.tmp-XXXXXX", target_base) ==
	    -1) {
		path = NULL;
		rc = etk_fail(err, ETK_ENOMEM, errno, "out of memory");
		goto out;
	}
	v.tmp = tmp;
	if ((rc = etk_hasher_new(&v.h, ETK_DIGEST_SHA256, err)) != ETK_OK ||
	    (rc = etk_hasher_new(&v.sha1, ETK_DIGEST_SHA1, err)) != ETK_OK ||
	    (rc = etk_summary_new(&sum, err)) != ETK_OK)
		goto out;
	if ((v.fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		rc = etk_fail(err, ETK_EIO, errno, "cannot create '%s': %s",
		    path, strerror(errno));
		goto out;
	}
	(void)fchmod(v.fd, 0644);

	memset(&ho, 0, sizeof(ho));
	ho.digests = ETK_DIGEST_SHA256;
	ho.walk_flags = ETK_WALK_RECURSE | ETK_WALK_ALLOC;
	ho.threads = threads > 0 ? threads : 1;
	ho.no_mime = 1;
	rc = etk_hash_evidence(source, &ho, inv_cb, &v, sum, err);
	if (rc == ETK_OK && v.rc != ETK_OK) {
		*err = v.err;
		rc = v.rc;
	}
	if (rc != ETK_OK) {
		etk_wrap(err, "inventory of '%s'", source);
		goto out;
	}
	walk_problems(&v, sum);
	if ((rc = flush(&v, 1)) != ETK_OK ||
	    (rc = etk_hasher_final(v.h, &d, &v.err)) != ETK_OK) {
		*err = v.err;
		goto out;
	}
	/* link: never over a file that appeared meanwhile. */
	rc = etk_publish_file(v.fd, tmp, path, err);
	v.fd = -1;
	if (rc != ETK_OK)
		goto out;
	memcpy(r->inventory_sha256, d.sha256, 65);
	r->inventory_path = path;
	path = NULL;
	rc = ETK_OK;
out:
	if (v.fd != -1)
		close(v.fd);
	if (tmp != NULL && r->inventory_path == NULL)
		unlink(tmp);
	free(tmp);
	free(path);
	etk_buf_release(&v.out);
	etk_hasher_free(v.h);
	etk_hasher_free(v.sha1);
	etk_summary_free(sum);
	return rc;
}
