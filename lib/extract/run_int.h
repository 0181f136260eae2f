/*
 * Private to run.c, sink.c and index.c: the file index of one evidence
 * source, canonical device paths, and the run state the sink writes
 * through.
 */
#ifndef ETK_EX_RUN_INT_H
#define ETK_EX_RUN_INT_H

#include <stdio.h>

#include <openssl/evp.h>

#include <etk/evidence.h>
#include <etk/extract.h>
#include <etk/hash.h>

#include "extract/ex_int.h"

/* ------------------------------------------------------------------ */
/* Strings that live as long as the run: chunks, never freed one by one
 * (the index holds one entry per file, so no malloc per entry). */

struct ex_arena_chunk;
struct ex_arena {
	struct ex_arena_chunk *head;
};
char *ex_arena_strdup(struct ex_arena *, const char *s);
char *ex_arena_strndup(struct ex_arena *, const char *s, size_t n);
void ex_arena_release(struct ex_arena *);

/* ------------------------------------------------------------------ */
/* The index of regular files (index.c) */

struct ex_ent {
	const char *locator;	/* etk locator of the file */
	const char *open;	/* the locator to open it by (by inode where
				 * TSK would re-read every directory on the
				 * path: etk_entry_open_locator) */
	const char *path;	/* path inside its container, as walked */
	const char *parent;	/* container's locator (nested), or NULL */
	const char *canon;	/* canonical device path (see ex_canon) */
	const char *base;	/* last component of canon */
	uint64_t size;
	int volume;
	unsigned deleted : 1;
	unsigned nested : 1;
	unsigned is_db : 1;	/* starts with "SQLite format 3\0" */
};

struct ex_index {
	struct ex_ent *v;	/* sorted by canon, allocated first, locator */
	size_t n, cap;
	struct ex_ent **bybase;	/* sorted by base name, then as v */
	struct ex_arena ar;
};

/* Walk ev (every volume, deleted entries and nested containers too) and
 * index its regular files. */
int ex_index_build(struct ex_index *, struct etk_evidence *ev,
    struct etk_summary *sum, volatile int *interrupt, struct etk_error *err);
void ex_index_release(struct ex_index *);
/* The entry whose canonical path is canon (an allocated one first), or
 * NULL. */
struct ex_ent *ex_index_find(struct ex_index *, const char *canon);
/* Entries named base: *first and count. */
size_t ex_index_base(struct ex_index *, const char *base,
    struct ex_ent ***first);

/* Canonical device path of path (with or without a leading "/"),
 * written to out: iOS backup domains map to their device folders
 * ("HomeDomain/Library/SMS/sms.db" -> "/private/var/mobile/Library/SMS/
 * sms.db"), "/var/mobile" gains "/private", Android backup members
 * ("apps/<pkg>/db/x") map to /data/data/<pkg>/databases/x,
 * /data/user/0/<pkg> to /data/data/<pkg>, /sdcard, /storage/emulated/0
 * and /media/0 to /data/media/0.  userdata says the path is inside an
 * Android userdata partition (its root is /data). */
void ex_canon(const char *path, int ab, int userdata, struct etk_buf *out);

/* Read up to cap bytes of the file named by locator into out (reset
 * first).  *truncated is set when the file is larger than cap. */
int ex_read_file(struct etk_evidence *ev, const char *locator, uint64_t cap,
    struct etk_buf *out, int *truncated, struct etk_error *err);

/* ------------------------------------------------------------------ */
/* Output files (sink.c) */

struct ex_out {
	const char *rel;	/* "messages.jsonl" */
	char *tmp;		/* temporary name while open */
	char *final;
	FILE *fp;
	EVP_MD_CTX *md;
	uint64_t bytes;
	uint64_t records;
	int failed;
};

enum { EX_OUT_MESSAGES, EX_OUT_CALLS, EX_OUT_CONTACTS, EX_OUT_IMAGES,
    EX_OUT_ENTITIES, EX_OUT_LINKS, EX_OUT__COUNT };

/* One exported file (attachments/, images/), and the record files: the
 * DIR/SHA256SUMS lines. */
struct ex_written {
	char *rel;
	char sha[65];
};

/* A located attachment, cached by locator. */
struct ex_attcache {
	char *locator;
	char sha[65];
	char *rel;		/* exported path, or NULL */
	uint64_t size;
	int failed;
};

struct etk_extract {
	struct etk_extract_opts o;
	unsigned what;		/* kinds written (--what) */
	unsigned parse;		/* kinds parsed: what, or all for POLE alone */
	int made_outdir;
	char *outdir;
	int made_dirs;		/* attachments/, images/, pole/ */
	struct ex_out out[EX_OUT__COUNT];
	struct ex_written *wr;
	size_t nwr, capwr;
	struct ex_attcache **ac;	/* open addressing by locator */
	size_t nac, capac;
	struct ex_pole *pole;
	struct etk_extract_result res;
	int stopped;		/* a callback or a write failed */
	struct etk_error werr;	/* why */
	int finished;

	/* per source */
	struct etk_evidence *ev;
	const char *evname;
	struct ex_index *idx;
	struct etk_summary *sum;
	struct etk_magic *magic;

	/* per database being parsed */
	struct ex_db *db;
	const struct ex_artifact *art;
	const char *dbcanon;
	uint64_t db_warns;
	uint64_t kept;		/* records kept from this parse */

	struct etk_buf rec, tmp, src, fbuf, scope;
};

extern const struct ex_sink_ops ex_sink_ops;

int ex_sink_open(struct etk_extract *, struct etk_error *);
/* Write one record to its file and the caller's callback. */
void ex_sink_record(struct etk_extract *, int out, const char *kind,
    const struct etk_buf *json);
void ex_sink_warn(struct etk_extract *, const char *item, const char *why);
/* Export data as DIR/<sub>/<sha>.<ext> once per content; rel receives
 * the relative path. */
int ex_sink_export(struct etk_extract *, const char *sub, const char *sha,
    const char *ext, const void *data, size_t len, const char *from,
    struct etk_buf *rel, struct etk_error *err);
/* A file extension for name (lower case, [a-z0-9], up to 8), else for
 * mime, else "bin". */
void ex_file_ext(const char *name, const char *mime, char *out, size_t n);
/* 1 when the time passes --since/--until (no time: kept). */
int ex_sink_keep(struct etk_extract *, const struct ex_time *);
int ex_sink_keep_utc(struct etk_extract *, int64_t sec, int32_t nsec);
int ex_sink_finish(struct etk_extract *, struct etk_error *);
/* The summary scope of an artifact's parse of one database:
 * "<artifact>@<locator>" (in x->scope). */
const char *ex_art_scope(struct etk_extract *, const char *art,
    const char *locator);
/* Copy ent and its -wal / -journal (found in the index) into a private
 * directory and open it (run.c). */
int ex_run_open_db(struct etk_extract *, const struct ex_ent *ent,
    struct ex_db **out, struct etk_error *err);
void ex_sink_abort(struct etk_extract *);

#endif /* ETK_EX_RUN_INT_H */
