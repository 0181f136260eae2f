/*
 * etk image: forensic acquisition.  Reads a source (block device, dump
 * file, split raw, E01 or standard input) once, hashes the media stream
 * (MD5, SHA-1, SHA-256, optional piecewise SHA-256) in the same pass and
 * writes raw (optionally split) or E01 (libewf, EnCase 6) output plus the
 * acquisition record TARGET.json beside it.  Unreadable sectors are
 * retried, zero-filled and recorded.  See man/etk-image.1.
 */
#ifndef ETK_IMAGE_H
#define ETK_IMAGE_H

#include <signal.h>
#include <etk/core.h>
#include <etk/hash.h>
#include <etk/progress.h>

#ifdef __cplusplus
extern "C" {
#endif

enum etk_image_format {
	ETK_IMAGE_RAW = 0,
	ETK_IMAGE_E01
};

enum etk_image_compression {
	ETK_IMAGE_COMP_NONE = 0,
	ETK_IMAGE_COMP_FAST,	/* deflate (libdeflate level 1) */
	ETK_IMAGE_COMP_BEST,	/* deflate (libdeflate level 9) */
	ETK_IMAGE_COMP_EMPTY	/* only chunks of one repeated byte */
};

/* Caller-owned; zero it, then set what is wanted.  Strings are borrowed
 * for the duration of etk_image_acquire. */
struct etk_image_opts {
	enum etk_image_format format;
	enum etk_image_compression compression;	/* E01 only */
	uint64_t segment_size;	/* bytes per segment file; 0: raw not
				 * split, E01 1500 MiB */
	unsigned digests;	/* ETK_DIGEST_MD5|SHA1|SHA256; 0: all three */
	unsigned retries;	/* re-reads of an unreadable sector */
	int retries_set;	/* 0: default (2) */
	int verify;		/* re-read the written image and re-hash */
	uint64_t piecewise;	/* window in bytes; 0: none */
	int threads;		/* compression workers (>= 1) */
	const char *case_number, *evidence_number, *examiner;
	const char *description, *notes;
	int argc;		/* recorded in tool.argv */
	char *const *argv;
	struct etk_progress *progress;	/* may be NULL; borrowed */
	/* Set (to non-zero) from a signal handler to stop: the image and
	 * record are finalised and marked incomplete.  May be NULL. */
	volatile sig_atomic_t *interrupt;
};

/* One file written. */
struct etk_image_file {
	char *path;		/* as created (directory + name); owned */
	uint64_t size;
	char sha256[65];	/* of the file's own bytes */
};

/* What an acquisition did.  Caller-owned; release with
 * etk_image_result_release() (also after a failed call). */
struct etk_image_result {
	int started;		/* something was read and written */
	int complete;		/* every byte of the source was read */
	int interrupted;	/* stopped by *opts->interrupt */
	const char *reason;	/* why incomplete (static), or NULL */
	uint64_t media_size;	/* bytes in the image */
	uint64_t padding;	/* E01 of a source that is not a whole number
				 * of sectors: zeros completing the last
				 * sector (included in media_size/media) */
	struct etk_digests media;	/* digests of the stream written */
	size_t nerrors;		/* zero-filled ranges */
	uint64_t bad_bytes;	/* bytes zero-filled */
	int verified;		/* --verify ran */
	int verify_match;
	struct etk_image_file *files;	/* image segments, in order */
	size_t nfiles;
	char *record_path;	/* TARGET.json; owned */
	char record_sha256[65];
	char *record;		/* the record's JSON text; owned */

	/* A logical container (TAR, ZIP, Android backup, iOS backup
	 * folder): TARGET.inventory.jsonl lists its members. */
	const char *container;	/* "tar", "zip", "android-backup",
				 * "ios-backup" (static), or NULL */
	char *inventory_path;	/* owned; NULL when not written */
	char inventory_sha256[65];
	uint64_t inv_members;	/* lines: regular files */
	uint64_t inv_bytes;	/* content bytes hashed */
	uint64_t inv_unreadable;/* members (or parts) not read */
	char *inv_first_bad;	/* "LOCATOR: why" of the first; owned */
	int inv_failed;		/* the inventory could not be written */

	/* A folder (iOS backup) imaged as a tar stream made by etk. */
	int dir_stream;
	uint64_t stream_members;	/* tar members */
	uint64_t stream_files;		/* of them regular files */
	uint64_t stream_problems;	/* members zero-filled in part */
	char *stream_first_problem;	/* owned */
};

/* The base name of the output for -o arg: arg without a known image
 * extension (.E01 .e01 .raw .dd .img .000 .001 .json).  Caller frees. */
ETK_API char *etk_image_target_base(const char *arg);

/* Fails with ETK_EEXIST (naming the file) when any file this acquisition
 * would write (TARGET.json, TARGET.raw, TARGET.000..., TARGET.E01...,
 * TARGET.inventory.jsonl) already exists. */
ETK_API int etk_image_check_target(const char *target_base,
    const struct etk_image_opts *, struct etk_error *err);

/* Acquire source ("-" = standard input) into target_base.* and write
 * target_base.json.  A logical container (a TAR, TAR.GZ, ZIP or Android
 * backup file, an iOS backup folder) also gets target_base.inventory.jsonl
 * (every member with its SHA-256); an iOS backup folder is imaged as a
 * deterministic tar stream of the folder.  Nothing is read before the targets are known not to
 * exist (ETK_EEXIST).  Returns ETK_OK when the image and record were
 * written -- res->complete, res->nerrors and res->verify_match say
 * whether it is whole, partial or does not verify -- or an error; after
 * an error once writing began (target full, source vanished) the record
 * is still written with "complete":false when possible. */
ETK_API int etk_image_acquire(const char *source, const char *target_base,
    const struct etk_image_opts *, struct etk_image_result *res,
    struct etk_error *err);

ETK_API void etk_image_result_release(struct etk_image_result *);

#ifdef __cplusplus
}
#endif

#endif /* ETK_IMAGE_H */
