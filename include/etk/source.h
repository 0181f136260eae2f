/*
 * etk source: one read-only byte stream of evidence, whatever its
 * container (raw, split raw, E01/split E01, VMDK, VHD, block device,
 * memory, or a file inside other evidence).  Every byte etk reads from
 * evidence goes through here.
 */
#ifndef ETK_SOURCE_H
#define ETK_SOURCE_H

#include <etk/core.h>

#ifdef __cplusplus
extern "C" {
#endif

struct etk_source;	/* opaque */

/* Open path read-only (O_RDONLY; never created, never written).  Detects
 * E01/Ex01 (and globs .E02...), split raw (.000/.001, .001/.002, .aa/.ab:
 * give the first segment), VMDK and VHD (through TSK's image layer), block
 * and character devices, and otherwise treats the file as raw.  A
 * directory is ETK_EINVAL (directories are opened by etk_evidence_open);
 * so are FIFOs and sockets.  A split set with a missing middle segment, a
 * truncated E01 or an E01 set missing a segment is ETK_EFORMAT.  An empty
 * file opens as raw with size 0.
 * On success the caller owns *srcp and releases it with
 * etk_source_close(); on failure *srcp is NULL and err says why, naming
 * the file and the layer ("phone.E01: ewf: ..."). */
ETK_API int etk_source_open(struct etk_source **srcp, const char *path,
    struct etk_error *err);

/* Memory source over buf[0..len).  buf is borrowed: valid until close.
 * name is copied (used in locators). */
ETK_API int etk_source_open_mem(struct etk_source **srcp, const void *buf,
    size_t len, const char *name, struct etk_error *err);

/* A source implemented elsewhere (files inside file systems, archive
 * members, byte ranges).  read returns ETK_OK and *nread < len only at
 * the end of the data.  close may be NULL; it releases ctx. */
struct etk_source_ops {
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len,
	    size_t *nread, struct etk_error *err);
	void (*close)(void *ctx);
};
/* ctx is owned by the new source (released through ops->close, also
 * when this call fails).  name and format are copied. */
ETK_API int etk_source_new_custom(struct etk_source **srcp,
    const struct etk_source_ops *ops, void *ctx, uint64_t size,
    unsigned sector_size, const char *name, const char *format,
    struct etk_error *err);

/* A window [off, off+len) of parent.  parent is borrowed: it must stay
 * open until the window is closed.  The window may reach past the end of
 * parent (a partition table pointing past a truncated image): reads there
 * end early.  off + len must not overflow (ETK_EINVAL). */
ETK_API int etk_source_open_range(struct etk_source **srcp,
    struct etk_source *parent, uint64_t off, uint64_t len,
    struct etk_error *err);

/* Read up to len bytes at off.  *nread < len only at end of data (and 0
 * at or past the end).  A read error is ETK_EIO with the offset in the
 * message; then *nread counts the good bytes before that offset (a
 * caller can zero-fill and retry past it).  An E01 chunk whose checksum
 * fails is such an error, not zeros.  Not thread-safe: one handle per
 * thread (etk_source_reopen). */
ETK_API int etk_source_read(struct etk_source *, uint64_t off, void *buf,
    size_t len, size_t *nread, struct etk_error *err);

/* A second independent handle on the same evidence, for another thread.
 * Only for sources opened from a path; others give ETK_EUNSUPP. */
ETK_API int etk_source_reopen(struct etk_source **dupp,
    const struct etk_source *, struct etk_error *err);

ETK_API uint64_t etk_source_size(const struct etk_source *);
ETK_API unsigned etk_source_sector_size(const struct etk_source *);
/* The path as given (or the memory/custom name).  Borrowed. */
ETK_API const char *etk_source_path(const struct etk_source *);
/* Display name used as the first part of locators: the basename of the
 * path as given (first segment for split sets).  Borrowed. */
ETK_API const char *etk_source_name(const struct etk_source *);
/* "raw", "split-raw", "ewf", "vmdk", "vhd", "device", "memory", "range",
 * or the custom format.  Borrowed. */
ETK_API const char *etk_source_format(const struct etk_source *);
/* The container files that make up the source (segments), in order:
 * returns the count; names borrowed. */
ETK_API size_t etk_source_files(const struct etk_source *,
    const char *const **paths);

/* A digest the container stores (E01: "md5", "sha1", "sha256" when
 * present).  hex receives lower-case hex.  ETK_ENOTFOUND if absent. */
ETK_API int etk_source_stored_hash(const struct etk_source *,
    const char *alg, char *hex, size_t hexlen);
/* Container metadata (E01 header values: case_number, description,
 * examiner_name, evidence_number, notes, acquiry_date, system_date,
 * acquiry_operating_system, acquiry_software_version, model,
 * serial_number, when present; plus "acquiry_errors": the sector ranges
 * the acquisition could not read, "start-end,...") as key/value pairs:
 * returns the count; borrowed. */
ETK_API size_t etk_source_meta(const struct etk_source *,
    const char *const **keys, const char *const **values);

/* Bytes delivered by etk_source_read so far. */
ETK_API uint64_t etk_source_bytes_read(const struct etk_source *);

/* Release; accepts NULL. */
ETK_API void etk_source_close(struct etk_source *);

#ifdef __cplusplus
}
#endif
#endif /* ETK_SOURCE_H */
