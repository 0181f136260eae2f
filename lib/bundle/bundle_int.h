/*
 * lib/bundle internal: what the bundle builder's files share (not
 * verify.c).  Not installed.
 *
 *   create.c   etk_bundle_create: journal prefix, manifests, keys,
 *              MANIFEST.json, README.txt, SHA256SUMS, signature, TSA,
 *              the export entry; etk_bundle_kinds_parse,
 *              etk_bundle_expand_parties
 *   records.c  the case database read-only: records of actions <= N,
 *              selection, rendering (jsonl, csv, html), POLE excerpt,
 *              exported and carved files
 *   redactx.c  redaction records, commitments, lab-held salts and
 *              unredacted renderings, the journal copy
 *   tar.c      file walk, SHA256SUMS, the deterministic tar
 *   util.c     string sets, paths, file writing and copying
 */
#ifndef ETK_BUNDLE_INT_H
#define ETK_BUNDLE_INT_H

#include <sqlite3.h>

#include <etk/etk.h>

/* A sorted set of strings (bsearch after bs_sort). */
struct bset {
	char **v;
	size_t n, cap;
	int sorted;
};
int bs_add(struct bset *, const char *s, size_t len);
void bs_sort(struct bset *);
int bs_has(struct bset *, const char *s);
void bs_free(struct bset *);

/* One pending redaction record (ids are given when flushed). */
struct bred_rec {
	char *item;		/* bundle path */
	char *source_item;
	char *field;		/* or NULL */
	uint64_t line;		/* journal line, or 0 */
	int has_region;
	uint32_t x, y, w, h;
	size_t rule;
	char *value;		/* withheld bytes */
	size_t vlen;
	char *held_path;	/* unredacted_held_as path */
	char held_sha[65];
	char orig_sha[65];	/* journal: the original line */
};

struct bexh {
	char *name;		/* evidence name: the exhibit */
	char *dir;		/* EXDIR */
	char *kind, *container_sha256, *media_sha256, *stored_md5,
	    *stored_sha1;
	char *path;		/* evidence path (not disclosed) */
	int64_t size;
};

/* One record read from the database. */
struct brec {
	char *json;		/* unredacted record, DESIGN.md §5 */
	char *key;		/* source or locator */
	const char *exh;	/* borrowed bexh name */
	int has_time;
	int64_t sec;
	int32_t ns;
};

enum { BK_MESSAGES, BK_CALLS, BK_CONTACTS, BK_IMAGES, BK_CARVED, BK_FILES,
	BK__N };

struct bctx {
	struct etk_case *kase;
	const struct etk_bundle_opts *o;
	const char *casedir;
	struct etk_error *err;
	char *tmp;		/* OUT.tmp-XXXXXX */
	char *disc;		/* CASE/disclosure/<id>.tmp-XXXXXX or NULL */
	char *disc_final;	/* CASE/disclosure/<id> */
	sqlite3 *db;
	uint64_t n;		/* journal lines in the bundle */
	char created[ETK_TIME_MAX];
	int64_t created_sec;
	char bundle_id[128];
	unsigned kinds;
	int narrowed;		/* record-level criteria given */
	struct etk_redactor *selp;	/* --party values, or NULL */
	const struct etk_redactor *rd;	/* may be NULL */
	struct bset locs;	/* --locators */
	int have_locs;
	struct bexh *ex;
	size_t nex;
	/* journal lines 1..n (with '\n') */
	char **lines;
	size_t *lens;
	/* redaction */
	unsigned char rkey[32];
	struct bred_rec *pend;
	size_t npend, cappend;
	struct etk_buf redactions, salts;
	char **spell;		/* every spelling of every party rule, */
	size_t *spell_rule;	/* longest first, for the raw layer */
	size_t nspell;
	uint64_t nred;
	/* selected record keys, attachment locators, source files (POLE,
	 * exports) per exhibit: "EX\n<key>" */
	struct bset sel;
	uint64_t counts[10];	/* see count_names in create.c */
	uint64_t records;
	struct etk_buf missing;	/* missing_exports members */
	struct etk_buf withheld;	/* withheld_files members */
};
enum { C_MESSAGES, C_CALLS, C_CONTACTS, C_IMAGES, C_CARVED, C_FILES,
	C_POLE_E, C_POLE_L, C_EXPORTED, C_REDACTIONS };

/* util.c */
char *bjoin(const char *a, const char *b);
char *bstrdup(const char *s);
/* EXDIR / safe names: bytes outside [A-Za-z0-9._-] -> '_' */
char *bsafe(const char *s, size_t max);
int bmkdirs(const char *base, const char *rel, struct etk_error *);
/* Write base/rel (new file, parents made), mode 0644 or mode. */
int bwrite(const char *base, const char *rel, const void *p, size_t len,
    int mode, char *sha_hex, struct etk_error *);
/* Copy src to base/rel checking SHA-256 == want (NULL: any); *ok 0 when
 * it differs (nothing left behind). */
int bcopyf(const char *src, const char *base, const char *rel,
    const char *want, int *ok, char *got, struct etk_error *);
void bsha256(const void *p, size_t len, char hex[65]);
int btime(const char *s, int64_t *sec, int32_t *ns);

/* redactx.c */
int bred_key(struct bctx *);
int bred_disc(struct bctx *);
/* The raw layer under etk_redact_text: every spelling the redactor
 * lists (etk_redact_spellings, 7 bytes or longer) found as plain bytes,
 * case-insensitively, wherever it is. */
int bred_spellings(struct bctx *);
/* b with raw spellings replaced by tokens (no records). */
int bred_clean(struct bctx *, struct etk_buf *b);
void bred_spellings_free(struct bctx *);
int bred_raw_find(struct bctx *, const void *p, size_t len,
    size_t *at, size_t *mlen);
int bred_raw_file(struct bctx *, const char *path, struct etk_error *);
/* Redact a string: out gets the text with tokens; pending records for
 * (item, source_item, field) are added.  Returns replacements or < 0. */
int bred_text(struct bctx *, const char *s, size_t len, struct etk_buf *out,
    const char *item, const char *source_item, const char *field);
int bred_add(struct bctx *, const char *item, const char *source_item,
    const char *field, size_t rule, const void *value, size_t vlen);
/* Give pending records ids, the unredacted file's path and sha256, and
 * move them to redactions.jsonl / salts. */
int bred_flush(struct bctx *, const char *held_path, const char *held_sha);
int bred_write_held(struct bctx *, const char *rel, const void *p,
    size_t len, char sha[65]);
int bred_journal(struct bctx *, struct etk_buf *out);
const char *bred_token(struct bctx *, size_t rule);
int bred_commit(struct bctx *, const char *label, const void *v, size_t n,
    char salt[65], char commit[65]);

/* records.c */
int brec_exhibits(struct bctx *);
int brec_render(struct bctx *);
int brec_exports(struct bctx *);

/* tar.c */
int btar_list(const char *root, struct bset *files, struct bset *dirs,
    struct etk_error *);
int btar_sums(struct bctx *, struct etk_buf *sums);
int btar_write(struct bctx *, const char *tar_path, char sha[65]);

#endif /* ETK_BUNDLE_INT_H */
