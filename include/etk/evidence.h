/*
 * etk evidence: what is inside a source.  One open call takes any
 * evidence path (disk images of every kind etk_source_open reads,
 * directories, TAR/TAR.GZ, ZIP, Android backups, iTunes/Finder iOS backup
 * folders) and gives volumes, file systems and files (allocated and
 * deleted) with locators, file content as etk_source, byte runs and
 * unallocated extents.  Nested containers (a ZIP inside a file system)
 * open the same way: locators chain them with '!'.
 *
 * Threads: an etk_evidence, and every source and entry it hands out,
 * belongs to one thread at a time.  Open one evidence per worker thread
 * (etk_source_reopen gives each its own source).
 */
#ifndef ETK_EVIDENCE_H
#define ETK_EVIDENCE_H

#include <etk/core.h>
#include <etk/source.h>
#include <etk/summary.h>

#ifdef __cplusplus
extern "C" {
#endif

struct etk_evidence;	/* opaque */

/* What the top level is. */
enum etk_ev_kind {
	ETK_EV_IMAGE = 1,	/* a byte source: volumes + file systems (TSK) */
	ETK_EV_DIRECTORY,
	ETK_EV_TAR,		/* plain or gzip */
	ETK_EV_ZIP,
	ETK_EV_ANDROID_BACKUP,	/* .ab, unencrypted */
	ETK_EV_IOS_BACKUP	/* folder with Manifest.db */
};

/* Open path read-only and detect what it is.  The caller owns *evp and
 * releases it with etk_evidence_close().  Errors name the file and the
 * layer ("phone.raw: gpt: partition 3 ends past the end of the image").
 * An image without a partition table or file system still opens (its
 * volume list says so); only an unreadable or empty path fails.  Same
 * as etk_evidence_open_opts with opts NULL. */
ETK_API int etk_evidence_open(struct etk_evidence **evp, const char *path,
    struct etk_error *err);

/* Options for etk_evidence_open_opts.  Zero the struct, then set what
 * you need (fields may be added at the end). */
struct etk_evidence_opts {
	/* Encrypted iTunes/Finder backups: a file whose first line (without
	 * its "\n" or "\r\n") is the backup password.  Borrowed: read
	 * during the open call only.  When NULL, the file named by the
	 * environment variable ETK_PASSWORD_FILE, if that is set and not
	 * empty.  Unused for every other kind of evidence. */
	const char *password_file;
};

/* etk_evidence_open with options (opts may be NULL: the defaults).
 * An encrypted iOS backup (Manifest.plist IsEncrypted) opens with its
 * password: the keybag's class keys are unwrapped, Manifest.db is
 * decrypted in memory (nothing decrypted is ever written to disk) and
 * each file is decrypted as it is read.  Errors:
 *   ETK_EINVAL  no password file given, one that cannot be read or is
 *               empty, or a wrong password ("...: wrong password ...");
 *   ETK_EFORMAT a damaged keybag, ManifestKey or Manifest.db. */
ETK_API int etk_evidence_open_opts(struct etk_evidence **evp,
    const char *path, const struct etk_evidence_opts *opts,
    struct etk_error *err);

/* Open evidence over an already open byte source (a memory buffer, a
 * file inside other evidence).  src is borrowed: it must stay open until
 * etk_evidence_close.  name is used as the locator's source part when
 * non-NULL (else etk_source_name(src)). */
ETK_API int etk_evidence_open_source(struct etk_evidence **evp,
    struct etk_source *src, const char *name, struct etk_error *err);

ETK_API void etk_evidence_close(struct etk_evidence *);	/* accepts NULL */

ETK_API enum etk_ev_kind etk_evidence_kind(const struct etk_evidence *);
/* "image", "directory", "tar", "zip", "android-backup", "ios-backup" */
ETK_API const char *etk_evidence_kind_name(const struct etk_evidence *);
/* Source name used in locators.  Borrowed. */
ETK_API const char *etk_evidence_name(const struct etk_evidence *);
/* The underlying byte source, or NULL for directories and iOS backup
 * folders.  Borrowed. */
ETK_API struct etk_source *etk_evidence_source(const struct etk_evidence *);

/* Volumes and file systems.  For images: one entry per partition-table
 * slot as mmls lists them (slot = mmls number), or a single slot -1 for
 * a file system that starts at offset 0 without a partition table.  For
 * the other kinds: a single slot -1 whose fs_type is the container
 * kind. */
#define ETK_VOL_ALLOC	0x01	/* a partition */
#define ETK_VOL_UNALLOC	0x02	/* unpartitioned space */
#define ETK_VOL_META	0x04	/* partition-table structures */
struct etk_volume {
	int slot;		/* -1 when there is no partition table */
	unsigned flags;
	uint64_t start;		/* byte offset in the source */
	uint64_t len;		/* bytes */
	const char *desc;	/* "Linux (0x83)", "userdata", "Safety Table" */
	const char *fs_type;	/* "ext4", "fat32", "ntfs", ... or NULL */
	uint64_t block_size;
	uint64_t block_count;
	int fs_status;		/* ETK_OK, ETK_ENOTFOUND (no file system),
				 * or another failure, see fs_error */
	const char *fs_error;	/* why a file system could not be opened */
};
/* Borrowed array, valid until close. */
ETK_API size_t etk_evidence_volumes(const struct etk_evidence *,
    const struct etk_volume **vols);
/* "gpt", "dos", "mac", "bsd", "sun" or NULL when no table. */
ETK_API const char *etk_evidence_vs_type(const struct etk_evidence *);

/* One directory entry (file, directory, link, ...).  Every pointer is
 * borrowed: valid only during the callback. */
#define ETK_TIME_M	0x01
#define ETK_TIME_A	0x02
#define ETK_TIME_C	0x04
#define ETK_TIME_CR	0x08
struct etk_entry {
	const char *locator;	/* full locator of this entry */
	const char *source;	/* source name */
	int volume;		/* partition slot or -1 */
	uint64_t fs_offset;	/* byte offset of the file system */
	const char *fs_type;
	int has_inode;
	uint64_t inode;
	int has_attr;		/* NTFS: attribute type-id as fls prints */
	uint32_t attr_type;
	uint16_t attr_id;
	const char *path;	/* from the file-system root, "/a/b.txt" */
	const char *name;	/* last component (with ":stream" for ADS) */
	const char *parent;	/* locator of the container for nested
				 * entries ("x.E01:p2:/a/b.zip"), or NULL */
	uint64_t size;
	int allocated;		/* name and metadata allocated */
	int deleted;		/* name is unallocated (fls '*') */
	int realloc;		/* metadata reallocated (fls "(realloc)") */
	char name_type;		/* fls letters: r d l c b p s h w v - */
	char meta_type;
	uint32_t mode;		/* permission bits, 0 if unknown */
	int64_t uid, gid;	/* -1 if unknown */
	unsigned times;		/* ETK_TIME_* bits set for known times */
	int64_t mtime, atime, ctime, crtime;	/* Unix seconds UTC */
	int32_t mtime_ns, atime_ns, ctime_ns, crtime_ns;
	const char *link_target;/* symlink target when known, else NULL */
};

/* Return 0 to go on, non-zero to stop the walk (that value is returned
 * by etk_evidence_walk as ETK_OK; the callback's own error belongs to the
 * caller). */
typedef int (*etk_entry_cb)(const struct etk_entry *, void *arg);

#define ETK_WALK_RECURSE	0x01	/* descend into directories */
#define ETK_WALK_ALLOC		0x02	/* allocated entries */
#define ETK_WALK_UNALLOC	0x04	/* deleted entries */
#define ETK_WALK_NESTED		0x08	/* open archives found inside and
					 * walk them too (entries carry
					 * parent) */
#define ETK_WALK_NOORPHAN	0x10	/* skip TSK's $OrphanFiles */
#define ETK_WALK_DEFAULT (ETK_WALK_RECURSE | ETK_WALK_ALLOC | ETK_WALK_UNALLOC)

/* Walk entries in a deterministic order (that of the file system, as
 * fls; directories and archives: sorted by name).  start is NULL for
 * every volume, or a locator naming a volume ("p4") or a directory
 * ("p4:/data", "/DCIM").  With no ALLOC/UNALLOC flag, both are given.
 * Each volume/file system walked gets an item in sum (may be NULL).  A
 * file system that cannot be read is recorded in sum and the walk goes
 * on; the return value is then ETK_OK if anything was walked. */
ETK_API int etk_evidence_walk(struct etk_evidence *, const char *start,
    unsigned flags, etk_entry_cb cb, void *arg, struct etk_summary *sum,
    struct etk_error *err);

/* Find one entry by locator (path, inode or nested) and call cb once
 * with it.  ETK_ENOTFOUND when there is no such entry. */
ETK_API int etk_evidence_stat(struct etk_evidence *, const char *locator,
    etk_entry_cb cb, void *arg, struct etk_error *err);

/* Open the content of the entry named by locator as a byte source (file
 * data; for NTFS the default $DATA or the named attribute; for a range
 * locator the window of the source, "pN:@off+len" counting from the
 * volume's start; for "pN" alone the whole volume).  Deleted files give
 * what TSK can recover (like icat -r).  A "#table/rowid" suffix is
 * ignored.  The source borrows ev: close it first. */
ETK_API int etk_evidence_open_file(struct etk_evidence *,
    const char *locator, struct etk_source **out, struct etk_error *err);
/* The locator to open an entry by: for an allocated ext2/3/4 or FAT file
 * at the top level, "SRC[:pN]:iINODE" (written into buf), the inode the
 * walk found it at - by path, TSK loads every directory on the way again
 * for each file, which costs time quadratic in a directory's size; for
 * anything else, e->locator itself. */
ETK_API const char *etk_entry_open_locator(const struct etk_entry *e,
    char *buf, size_t len);

/* Byte runs of a file's content in the top-level source: offsets in the
 * image, in file order.  Members stored uncompressed in a TAR, ZIP or
 * .ab have one run; resident, compressed and sparse data have none
 * (count 0, ETK_OK).  *runs is malloc'd: free(). */
struct etk_byte_run {
	uint64_t file_offset;
	uint64_t img_offset;
	uint64_t len;
};
ETK_API int etk_evidence_byte_runs(struct etk_evidence *,
    const char *locator, struct etk_byte_run **runs, size_t *n,
    struct etk_error *err);

/* Unallocated extents: for each file system, its unallocated blocks
 * merged into runs; for the partition table, unpartitioned gaps (volume
 * -1 when whole-image); a partition without a readable file system
 * counts whole.  Offsets and lengths in bytes of the source, in
 * ascending order.  volume < 0 lists every volume, else only that slot.
 * cb returns non-zero to stop. */
typedef int (*etk_extent_cb)(int volume, uint64_t off, uint64_t len,
    void *arg);
ETK_API int etk_evidence_unalloc(struct etk_evidence *, int volume,
    etk_extent_cb cb, void *arg, struct etk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ETK_EVIDENCE_H */
