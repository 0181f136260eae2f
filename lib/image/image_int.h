/*
 * lib/image internal: the E01 writer behind etk_image_acquire.  Not
 * installed.  ewfwrite.c is the only file of lib/image that includes
 * libewf.h; image.c drives the pipeline (reader, hasher, compression
 * workers, writer) and the raw writer.
 */
#ifndef ETK_IMAGE_INT_H
#define ETK_IMAGE_INT_H

#include <stdint.h>
#include <stddef.h>

#include <etk/core.h>
#include <etk/image.h>

struct etk_ewfw;	/* one libewf write handle */

struct etk_ewfw_params {
	enum etk_image_compression compression;
	uint64_t segment_size;		/* 0: 1500 MiB */
	uint64_t media_size;		/* 0: unknown (stdin) */
	unsigned sector_size;
	unsigned sectors_per_chunk;
	int physical;			/* source is a device */
	const char *case_number, *evidence_number, *examiner;
	const char *description, *notes, *model, *serial;
};

/* What prepare learnt about one chunk, handed to write. */
struct etk_ewfw_chunk {
	size_t complen;		/* bytes in comp when is_comp */
	uint32_t cksum;
	int8_t is_comp;
	int8_t write_cksum;
};

/* Create base.E01 (libewf adds the extension).  Caller frees with
 * etk_ewfw_free (after etk_ewfw_finish, or to abandon). */
int etk_ewfw_open(struct etk_ewfw **, const char *base,
    const struct etk_ewfw_params *, struct etk_error *);
/* Write a chunk prepared by the caller (image.c: a zlib stream when
 * is_comp, else the data in raw with 4 bytes of room after it for its
 * Adler-32), in media order, from one thread. */
int etk_ewfw_write(struct etk_ewfw *, unsigned char *raw, size_t len,
    unsigned char *comp, const struct etk_ewfw_chunk *, struct etk_error *);
int etk_ewfw_add_error(struct etk_ewfw *, uint64_t sector, uint64_t count,
    struct etk_error *);
/* Store the digests (binary; NULL when not computed), finalise and close. */
int etk_ewfw_finish(struct etk_ewfw *, const unsigned char *md5,
    const unsigned char *sha1, struct etk_error *);
void etk_ewfw_free(struct etk_ewfw *);
/* The segment files of the set starting at first (base.E01), in order;
 * caller frees each and the array. */
int etk_ewfw_files(const char *first, char ***paths, size_t *n,
    struct etk_error *);
const char *etk_ewfw_version(void);

/* dirtar.c: a folder as a deterministic tar stream (see there). */
struct etk_dirtar;
/* Scan dir (no symlink followed); refuses special files.  Nothing is
 * written. */
int etk_dirtar_open(struct etk_dirtar **, const char *dir,
    struct etk_error *);
size_t etk_dirtar_members(const struct etk_dirtar *);
uint64_t etk_dirtar_files(const struct etk_dirtar *);
uint64_t etk_dirtar_bytes(const struct etk_dirtar *);
/* Is name (relative to the folder) a member? */
int etk_dirtar_has(const struct etk_dirtar *, const char *name);
/* Start the producer thread; *rfd is the stream to read (caller closes
 * it: closing it early stops the producer). */
int etk_dirtar_start(struct etk_dirtar *, int *rfd, struct etk_error *);
/* Wait for the producer; its fatal error, if any. */
int etk_dirtar_finish(struct etk_dirtar *, struct etk_error *);
/* Members zero-filled in part (unreadable, changed); the first why. */
uint64_t etk_dirtar_problems(const struct etk_dirtar *, const char **first);
void etk_dirtar_free(struct etk_dirtar *);

/* inventory.c: write target_base.inventory.jsonl for the container at
 * source; fills r->inventory_* and r->inv_*. */
int etk_image_inventory(const char *source, const char *target_base,
    int threads, const struct etk_dirtar *, struct etk_image_result *r,
    struct etk_error *);

#endif /* ETK_IMAGE_INT_H */
