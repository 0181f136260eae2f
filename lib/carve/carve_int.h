/*
 * libetk carving internals: the validator interface.
 *
 * The engine (engine.c) finds candidates by each format's anchor and
 * asks the format's validator whether a file starts at that offset and
 * where it ends.  A validator reads only through struct cv_src (bounded
 * by the window end and a byte budget), allocates nothing that outlives
 * the call, never loops without consuming input, and answers in time
 * proportional to the bytes it reads.
 */
#ifndef ETK_CARVE_INT_H
#define ETK_CARVE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <etk/carve.h>

/* Bytes of the source by absolute offset.  read() gives at most len
 * bytes at off into buf and sets *got; *got < len means the window ends
 * there (the source end, the shard's read end, the size cap) or the
 * candidate's byte budget is spent; it returns 0, or -1 on a read
 * error.  Reads past end give *got == 0. */
struct cv_src {
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len,
	    size_t *got);
	void *ctx;
	uint64_t end;		/* first offset past the readable window */
	uint64_t cluster;	/* allocation unit of the area (file-system
				 * cluster, or 4096 / 512 when unknown):
				 * where fragments may start and end */
};

enum cv_status {
	CV_NO = 0,		/* not this format here */
	CV_COMPLETE,		/* structure walked to its true end */
	CV_TRUNCATED,		/* a valid start cut by the window end */
	CV_CORRUPT		/* a valid start, then bytes that break the
				 * structure (len = the good prefix) */
};

struct cv_frag {
	uint64_t off;		/* absolute offset in the source */
	uint64_t len;
};

/* Contract: len <= max; with nfrag == 0 the file is [off, off+len)
 * inside the window; with fragments, each lies inside [0, src->end)
 * (a reversed layout may put a piece before off) and their lengths sum
 * to len.  fuzz/fuzz_carve.c checks this on every answer. */
struct cv_result {
	enum cv_status status;
	uint64_t len;		/* bytes of the file (sum of frag lens) */
	size_t nfrag;		/* 0: one piece [candidate, +len); else
				 * 1..CV_MAXFRAG pieces in file order */
#define CV_MAXFRAG 4
	struct cv_frag frag[CV_MAXFRAG];
	const char *type;	/* refines the format's type (NULL: keep) */
	const char *ext;	/* refines the extension: docx, apk, heic,
				 * webp, ... (NULL: keep) */
};

struct cv_format {
	const char *type;	/* "jpeg", "png", "zip", ... (unique) */
	const char *ext;	/* default extension */
	const char *descr;	/* one line for --list-types */
	const unsigned char *magic;	/* the anchor */
	size_t magic_len;	/* >= 2; >= 4 preferred */
	size_t magic_off;	/* anchor's offset inside the file (4 for
				 * an ISO-BMFF "ftyp", 8 for "WEBP", ...):
				 * the candidate starts magic_off bytes
				 * before the anchor */
	uint64_t max_size;	/* cap for this format (0: the global one) */
	/* Validate a candidate starting at off; max is the most bytes the
	 * file may have.  Fill r and return r->status. */
	enum cv_status (*validate)(const struct cv_src *, uint64_t off,
	    uint64_t max, struct cv_result *r);
};

/* NULL-terminated lists, one per group of validators (fmt_*.c). */
extern const struct cv_format *const etk_cv_formats_media[];
extern const struct cv_format *const etk_cv_formats_docs[];

/* Every format: media first, then docs (engine order for ties). */
size_t etk_cv_all(const struct cv_format **out, size_t cap);

/* Little helpers for validators (formats.c). */
int cv_read(const struct cv_src *, uint64_t off, void *buf, size_t len);
			/* 0 when all len bytes were read, -1 if not */
uint16_t cv_le16(const unsigned char *);
uint32_t cv_le32(const unsigned char *);
uint64_t cv_le64(const unsigned char *);
uint16_t cv_be16(const unsigned char *);
uint32_t cv_be32(const unsigned char *);
uint64_t cv_be64(const unsigned char *);

#endif /* ETK_CARVE_INT_H */
