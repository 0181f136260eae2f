/*
 * Private to lib/hashset: the set parsers (formats.c) feed digests to a
 * sink (index.c builds the sorted index from them); the hashdeep row
 * parser is shared with the audit (audit.c).
 */
#ifndef ETK_HASHSET_INT_H
#define ETK_HASHSET_INT_H

#include <stddef.h>
#include <stdint.h>

#include <etk/core.h>

/* Algorithm slots, in index order. */
enum { HS_MD5 = 0, HS_SHA1, HS_SHA256, HS_NALG };
/* Digest lengths in bytes, per slot. */
extern const size_t hs_alglen[HS_NALG];
/* ETK_DIGEST_* bit per slot. */
extern const unsigned hs_algbit[HS_NALG];

enum hs_format {
	HS_FMT_NSRL = 0, HS_FMT_HASHDEEP, HS_FMT_MD5SUM, HS_FMT_SHA1SUM,
	HS_FMT_SHA256SUM, HS_FMT_HEXLIST, HS_FMT_VICS, HS_NFMT
};
extern const char *const hs_fmtname[HS_NFMT];

/* Decode n hex digits (either case) into n/2 bytes.  0 or -1. */
int hs_unhex(const char *s, size_t n, unsigned char *out);
/* Slot for a digest of n hex digits (32/40/64), or -1. */
int hs_slot_for_hexlen(size_t n);

/* Receives digests from a parser.  add returns ETK_OK or an error. */
struct hs_sink {
	int (*add)(void *arg, int slot, const unsigned char *bin,
	    struct etk_error *err);
	void *arg;
};

/* Line reader over a file descriptor (pread from offset 0). */
struct hs_lines {
	int fd;
	char *buf;
	size_t cap, start, end;
	uint64_t off;		/* file offset of buf[end] */
	uint64_t lineno;	/* of the line last returned */
	int eof;
};
int hs_lines_init(struct hs_lines *, int fd);
void hs_lines_release(struct hs_lines *);
/* Next line without its "\n" / "\r\n", NUL-terminated in place.  1 with
 * *line and *len set, 0 at the end, < 0 on error (err set; name is the
 * file name for the message). */
int hs_lines_next(struct hs_lines *, char **line, size_t *len,
    const char *name, struct etk_error *err);

/* hashdeep: one parsed data row.  Pointers borrowed until the next
 * line. */
struct hs_row {
	uint64_t size;
	unsigned mask;		/* ETK_DIGEST_* present */
	unsigned char bin[HS_NALG][32];
	const char *name;
	size_t namelen;
};
/* Parse a hashdeep file, calling row() per data row.  Errors are
 * ETK_EFORMAT "name: line N: ...". */
int hs_hashdeep_parse(struct hs_lines *, const char *name,
    int (*row)(void *arg, const struct hs_row *, struct etk_error *),
    void *arg, struct etk_error *err);

/* Detect the format of the file open on fd and feed every digest to
 * sink.  *fmt receives the format.  name is used in messages. */
int hs_parse(int fd, const char *path, const char *name,
    struct hs_sink *sink, int *fmt, struct etk_error *err);

#endif /* ETK_HASHSET_INT_H */
