/*
 * lib/fs internal: the backend interface behind struct etk_evidence.
 * Not installed.  evidence.c owns detection, locator parsing, nesting
 * ('!' chains) and ETK_WALK_NESTED; each backend reads one level:
 *
 *   tsk.c        images: volumes (tsk_vs), file systems (tsk_fs) over an
 *                etk_source through tsk_img_open_external
 *   archive.c    TAR / TAR.GZ / ZIP through libarchive over an etk_source
 *   ab.c         Android backup (.ab): header check + zlib stream -> tar
 *   dir.c        a directory tree (lstat, no symlink following)
 *   iosbackup.c  iTunes/Finder backup folder: Manifest.db (read-only,
 *                immutable) maps fileID -> domain/relativePath
 *
 * Paths given to backends are decoded (no percent-encoding).  Entries a
 * backend reports must have locator built with etk_ev_locator() so that
 * nesting prefixes are right.
 */
#ifndef ETK_FS_INT_H
#define ETK_FS_INT_H

#include <etk/etk.h>

struct etk_backend_ops {
	const char *name;	/* "tsk", "archive", ... */
	/* Walk entries.  start: NULL, or an item naming a volume and/or a
	 * directory path to start from.  flags: ETK_WALK_* minus NESTED
	 * (evidence.c handles nesting by wrapping cb). */
	int (*walk)(struct etk_evidence *, void *bctx,
	    const struct etk_loc_item *start, unsigned flags, etk_entry_cb cb,
	    void *arg, struct etk_summary *sum, struct etk_error *err);
	/* One entry by item (path or inode).  ETK_ENOTFOUND if absent. */
	int (*stat)(struct etk_evidence *, void *bctx,
	    const struct etk_loc_item *item, etk_entry_cb cb, void *arg,
	    struct etk_error *err);
	/* Content of one entry.  The source may borrow bctx / the evidence.
	 * Must work while a walk of the same evidence is in progress:
	 * ETK_WALK_NESTED calls it from inside the walk callback (to look
	 * for archives in the files reported). */
	int (*open_file)(struct etk_evidence *, void *bctx,
	    const struct etk_loc_item *item, struct etk_source **out,
	    struct etk_error *err);
	/* May be NULL: no byte runs (count 0). */
	int (*byte_runs)(struct etk_evidence *, void *bctx,
	    const struct etk_loc_item *item, struct etk_byte_run **runs,
	    size_t *n, struct etk_error *err);
	/* May be NULL: no unallocated space concept. */
	int (*unalloc)(struct etk_evidence *, void *bctx, int volume,
	    etk_extent_cb cb, void *arg, struct etk_error *err);
	void (*close)(void *bctx);
};

/* Backend constructors.  On success *bctx is the backend's state and
 * vols and nvols its volume list (owned by bctx, valid until close); they
 * may read ev's source (etk_ev_source) and name (etk_ev_name).  Return
 * ETK_EFORMAT when the input is not theirs (detection is done by
 * evidence.c, so this is a real format error). */
extern const struct etk_backend_ops etk_backend_tsk;
extern const struct etk_backend_ops etk_backend_archive;
extern const struct etk_backend_ops etk_backend_dir;
extern const struct etk_backend_ops etk_backend_iosbackup;

int etk_tsk_open(struct etk_evidence *, void **bctx,
    const struct etk_volume **vols, size_t *nvols, const char **vs_type,
    struct etk_error *err);
/* archive_kind: ETK_EV_TAR, ETK_EV_ZIP or ETK_EV_ANDROID_BACKUP. */
int etk_archive_open(struct etk_evidence *, int archive_kind, void **bctx,
    const struct etk_volume **vols, size_t *nvols, struct etk_error *err);
int etk_dir_open(struct etk_evidence *, const char *path, void **bctx,
    const struct etk_volume **vols, size_t *nvols, struct etk_error *err);
int etk_iosbackup_open(struct etk_evidence *, const char *path, void **bctx,
    const struct etk_volume **vols, size_t *nvols, struct etk_error *err);

/* Accessors for backends. */
struct etk_source *etk_ev_source(const struct etk_evidence *);
const char *etk_ev_name(const struct etk_evidence *);
/* Password file for an encrypted iOS backup, or NULL.  Borrowed. */
const char *etk_ev_password_file(const struct etk_evidence *);

/* Append to out the full locator of an item of this evidence:
 * "<prefix><item>" where prefix is "name:" at top level or
 * "outer-locator!" when nested; item is "[pN:]path", "[pN:]iN[-T[-ID]]",
 * "pN" or "@off+len".  path is percent-encoded here. */
void etk_ev_locator(const struct etk_evidence *, struct etk_buf *out,
    const struct etk_loc_item *item);

/* Limits that keep hostile input from hanging a command. */
#define ETK_MAX_NEST	4		/* nested containers deep */
#define ETK_MAX_MEMBERS	10000000	/* archive members */
#define ETK_MAX_DIRDEPTH 512		/* directory recursion */

#endif /* ETK_FS_INT_H */
