/*
 * lib/fs internal: helpers shared by the container backends (archive.c,
 * ab.c, dir.c, iosbackup.c).  Not installed; private to lib/fs.
 *
 *   archive.c   string arena, name normalisation, the sorted member tree
 *   ab.c        Android backup header, the zlib/gzip/raw-deflate reader
 *   dir.c       a read-only etk_source over an open file descriptor
 *   iosenc.c    encrypted iOS backups: keybag, keys, decrypting source
 */
#ifndef ETK_CONT_INT_H
#define ETK_CONT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "fs/fs_int.h"

/* Memory an archive or backup index may take (members, names, tree). */
#define ETK_CONT_INDEX_MAX	((size_t)1 << 30)

/* ---- archive.c: arena ---- */

/* Many small strings freed at once.  Zero it before use. */
struct etk_cont_arena {
	struct etk_cont_chunk *head;
	size_t used;		/* bytes handed out plus chunk overhead */
};
/* NULL when out of memory. */
char *etk_cont_arena_strndup(struct etk_cont_arena *, const char *, size_t);
void etk_cont_arena_release(struct etk_cont_arena *);

/* Normalise a member name into out (reset first): components split at
 * '/', empty and "." components dropped, ".." kept literally (never
 * resolved), joined by '/', no leading or trailing '/'.  "./a//b/" ->
 * "a/b", "/abs/x" -> "abs/x", "../../x" -> "../../x".  Returns the
 * number of components. */
size_t etk_cont_normpath(struct etk_buf *out, const char *in);

/* ---- archive.c: the member tree ---- */

/*
 * Nodes sorted so that a walk is a pre-order traversal with siblings in
 * byte order (strcmp): paths compare byte by byte with '/' lowest.  The
 * directories an archive lacks are synthesised (id 0; their path points
 * into a member's path).  Among nodes with the same path directories
 * come first, then by id; the first one is "primary" and owns the path
 * locator, the others are reached by "i<id>".
 */
struct etk_cont_node {
	const char *path;	/* normalised, not NUL-terminated: plen */
	uint32_t plen;
	uint32_t end;		/* first index past this path's subtree */
	uint32_t id;		/* backend item, 1-based; 0 synthesised */
	uint8_t isdir;
	uint8_t primary;
};

struct etk_cont_tree {
	struct etk_cont_node *v;
	size_t n, cap;
	size_t synth;		/* synthesised directories */
};

/* path (normalised, borrowed: must outlive the tree).  ETK_ENOMEM. */
int etk_cont_tree_add(struct etk_cont_tree *, const char *path, size_t plen,
    uint32_t id, int isdir);
/* Sort, synthesise missing directories, link subtrees.  maxnodes caps
 * the total (ETK_ETIMEOUT past it). */
int etk_cont_tree_build(struct etk_cont_tree *, size_t maxnodes,
    struct etk_error *);
void etk_cont_tree_release(struct etk_cont_tree *);
/* Index of the primary node for a normalised path, or SIZE_MAX. */
size_t etk_cont_tree_find(const struct etk_cont_tree *, const char *path,
    size_t plen);
/* Visit the nodes under the directory at index dir (SIZE_MAX: the root)
 * in order: all descendants, or only children.  fn returns non-zero to
 * stop, which is returned. */
int etk_cont_tree_visit(const struct etk_cont_tree *, size_t dir,
    int recurse, int (*fn)(void *, size_t), void *arg);

/* ---- ab.c: Android backup header ---- */

struct etk_ab_info {
	int version;		/* 1..5 */
	int compressed;		/* payload is a zlib stream */
	uint64_t payload_off;	/* first byte after the header */
};
/* Parse the header of src.  ETK_EFORMAT when it is not an Android
 * backup, ETK_EUNSUPP when encrypted or of an unknown version.  name
 * prefixes messages. */
int etk_ab_parse(struct etk_source *src, const char *name,
    struct etk_ab_info *, struct etk_error *);

/* ---- ab.c: random access to a deflate stream ---- */

enum etk_zs_mode {
	ETK_ZS_ZLIB = 0,	/* RFC 1950 */
	ETK_ZS_GZIP,		/* RFC 1952, members concatenated */
	ETK_ZS_RAW		/* RFC 1951 (ZIP method 8) */
};

/*
 * Decompressed bytes of src[off, off + clen) read at any offset.  The
 * reader keeps its position (sequential reads are O(n)) and checkpoints
 * of the inflate state (bounded: a few MiB) so that a backwards read
 * restarts near the place wanted, not at 0.  A corrupt or truncated
 * stream is a sticky fault at an output offset: the bytes before it stay
 * readable.  Not thread-safe; a clone is an independent cursor.
 */
struct etk_zs;
/* what names the stream in messages ("android-backup", "gzip").
 * clen UINT64_MAX: to the end of src.  src is borrowed. */
int etk_zs_new(struct etk_zs **, struct etk_source *src, uint64_t off,
    uint64_t clen, enum etk_zs_mode, const char *what, struct etk_error *);
/* A new cursor using parent's checkpoints; parent must not change them
 * any more (etk_zs_freeze) and must outlive the clone. */
int etk_zs_clone(struct etk_zs **, struct etk_zs *parent, struct etk_error *);
void etk_zs_freeze(struct etk_zs *);
/* Like etk_source_read: *nread < len only at the end of the stream.  A
 * fault returns ETK_EFORMAT (ETK_EIO for read errors) with *nread the
 * bytes delivered before it. */
int etk_zs_read(struct etk_zs *, uint64_t off, void *buf, size_t len,
    size_t *nread, struct etk_error *);
/* Decompressed size, or UINT64_MAX while the end has not been seen. */
uint64_t etk_zs_size(const struct etk_zs *);
/* Compressed bytes consumed so far (for messages). */
uint64_t etk_zs_in_pos(const struct etk_zs *);
void etk_zs_free(struct etk_zs *);

/* ---- dir.c: file descriptor source ---- */

/* A source over fd (a regular file, owned: closed with the source, also
 * when this fails).  name and format are copied. */
int etk_cont_fd_source(struct etk_source **, int fd, const char *name,
    const char *format, struct etk_error *);
/* Open name under dirfd without following symlinks, without blocking on
 * FIFOs and without touching atime where allowed; only regular files.
 * shown names the file in messages. */
int etk_cont_open_regular(int dirfd, const char *name, const char *shown,
    int *fdp, struct etk_error *);

/* ---- iosenc.c: encrypted iTunes/Finder backups ---- */

/* Class keys unwrapped from a backup keybag. */
struct etk_ios_keys;
/* Parse the keybag (BackupKeyBag of Manifest.plist), derive the key from
 * the password in password_file (its first line) and unwrap the class
 * keys.  ETK_EINVAL for a wrong password or an unreadable or empty
 * password file, ETK_EFORMAT for a damaged keybag.  Free with
 * etk_ios_keys_free (wipes the keys). */
int etk_ios_unlock(struct etk_ios_keys **, const unsigned char *keybag,
    size_t n, const char *password_file, struct etk_error *);
void etk_ios_keys_free(struct etk_ios_keys *);	/* accepts NULL */
/* Unwrap a 40-byte wrapped key (ManifestKey, a file's EncryptionKey,
 * without their 4-byte class prefix) with the key of class cls.
 * ETK_ENOTFOUND when the keybag has no such class key, ETK_EFORMAT when
 * the unwrap fails. */
int etk_ios_unwrap(const struct etk_ios_keys *, uint32_t cls,
    const unsigned char *wrapped, size_t n, unsigned char key[32]);
/* AES-256-CBC (zero IV) decrypt buf in place and check its PKCS#7
 * padding; *plain is the length without it.  ETK_EFORMAT when n is not
 * a whole number of blocks or the padding is wrong. */
int etk_ios_decrypt_buf(const unsigned char key[32], unsigned char *buf,
    size_t n, size_t *plain);
/* A source decrypting the stored file open on fd (owned: closed with
 * the source, also when this fails) with key, size bytes long (the
 * record's Size).  Random access.  name is copied. */
int etk_ios_enc_source(struct etk_source **, int fd,
    const unsigned char key[32], uint64_t size, const char *name,
    struct etk_error *);

#endif /* ETK_CONT_INT_H */
