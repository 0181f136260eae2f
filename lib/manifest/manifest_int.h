/*
 * lib/manifest internal: the case as the manifest sees it, loaded once
 * (model.c) and written out by one emitter per format.  Not installed.
 *
 *   manifest.c  public entry points, format names
 *   model.c     journal (verified, parsed up to "upto"), case.json,
 *               acquisition records, case database rows, exhibits
 *   emit_json.c emit_case.c emit_dfxml.c emit_html.c   the formats
 *   util.c      small helpers the emitters share (JSON values, XML and
 *               HTML text, UUIDv5)
 *   runs.c      byte runs of listed files, read from the evidence (runs.h)
 *
 * Everything in the model is read from the case; nothing from the clock,
 * the host or the locale, so the emitters are deterministic.
 */
#ifndef ETK_MANIFEST_INT_H
#define ETK_MANIFEST_INT_H

#include <stdint.h>

#include <etk/etk.h>

#define MF_FORMAT "etk-manifest/1"

/* One journal line (1..upto). */
struct mf_entry {
	uint64_t seq;
	const char *type;	/* borrowed from v */
	struct etk_jval *v;	/* owned */
	char hash[65];		/* SHA-256 of the line with its '\n' */
};

/* One row of the evidence table that the covered prefix uses. */
struct mf_evidence {
	int64_t id;
	char *name, *path, *kind, *sha256;
	uint64_t size;
	int has_size;
	char *exhibit;		/* exhibit number it is an image of (an
				 * acquisition wrote this path), or NULL */
};

/* files rows, merged by (evidence, locator): first row's attributes,
 * digests from any row of the prefix (and from hashes rows). */
struct mf_file {
	int64_t evidence_id;
	uint64_t action;	/* first action that listed it */
	char *locator, *path, *name, *type, *mime;
	char *mtime, *atime, *ctime, *crtime;
	char *md5, *sha1, *sha256;
	char *fs_type;		/* from the listing's summary, or NULL */
	int volume, has_volume;
	uint64_t inode;
	int has_inode;
	uint64_t size;
	int allocated, deleted;
	uint64_t *actions;	/* every action that listed or hashed it */
	size_t nactions;
};

/* hashes rows without a files row (a hash run over a source whose
 * listing is not in the database). */
struct mf_hashrow {
	uint64_t action;
	char *locator, *md5, *sha1, *sha256, *known, *alert;
	uint64_t size;
	int has_size;
};

struct mf_run {
	uint64_t off, len;
};

struct mf_carved {
	uint64_t action;
	int64_t evidence_id;	/* -1 when not resolved */
	char *locator, *type, *ext, *sha256, *path;
	uint64_t offset, length;
	int validated, complete;
	struct mf_run *runs;
	size_t nruns;
	int out_index;		/* index in the entry's outputs[], or -1 */
};

/* An acquisition (an "acquire" entry) and its record file. */
struct mf_acq {
	uint64_t seq;
	const struct mf_entry *e;
	char *record_path;	/* as in outputs[] */
	char record_sha256[65];	/* as in outputs[] */
	const char *record_status;	/* "verified", "missing", "mismatch",
					 * "unreadable", "none" */
	struct etk_jval *record;	/* parsed; only when verified */
	char *exhibit;		/* entry "exhibit" or record evidence_number */
};

/* One key known to the journal prefix. */
struct mf_key {
	const struct etk_jval *v;	/* borrowed from the entry */
	const char *id;
	uint64_t seq;			/* entry that introduced it */
};

/* An exhibit: an evidence name or an exhibit number. */
struct mf_exhibit {
	char *name;
	unsigned from;		/* MF_X_* bits */
	char *item;		/* description, from a custody entry */
};
#define MF_X_EVIDENCE	0x01	/* evidence row name */
#define MF_X_CUSTODY	0x02	/* "exhibit" member of an entry */
#define MF_X_ACQUIRED	0x04	/* evidence number of an acquisition */

struct mf_case {
	const char *dir;
	/* case.json */
	char *case_id, *examiner, *agency, *role, *key_id, *key_type, *created;
	/* journal */
	struct mf_entry *e;
	size_t ne;
	uint64_t journal_lines;	/* lines in the file when verified */
	char head[65];		/* hash of line ne */
	char genesis[65];	/* hash of line 1 */
	struct mf_key *keys;
	size_t nkeys;
	struct mf_acq *acq;
	size_t nacq;
	/* database */
	int have_db;
	struct mf_evidence *ev;
	size_t nev;
	struct mf_file *files;
	size_t nfiles;
	struct mf_hashrow *hashes;
	size_t nhashes;
	struct mf_carved *carved;
	size_t ncarved;
	struct mf_exhibit *ex;
	size_t nex;
	/* one exhibit only (mf_only): */
	const char *only;	/* the exhibit, or NULL for the whole case */
	unsigned char *about;	/* per line: the entry concerns it */
};

/* model.c */
int mf_load(struct mf_case *, const char *dir, uint64_t upto,
    int want_db, struct etk_error *);
void mf_free(struct mf_case *);
/* Keep only what concerns exhibit x (its evidence, their rows, its
 * acquisitions and parts "x/..."); entries that do not concern it are
 * marked so the emitters leave them out (genesis and seals stay).
 * ETK_ENOTFOUND for an exhibit the case does not have. */
int mf_only(struct mf_case *, const char *x, struct etk_error *);
/* Does entry e belong in the manifest (always, for the whole case)? */
int mf_about(const struct mf_case *, const struct mf_entry *);
const struct mf_entry *mf_entry(const struct mf_case *, uint64_t seq);
const struct mf_evidence *mf_evidence_by_id(const struct mf_case *,
    int64_t id);
const struct mf_evidence *mf_evidence_by_path(const struct mf_case *,
    const char *path);
const struct mf_key *mf_key(const struct mf_case *, const char *id);
/* The evidence row an action's locator refers to: the one whose name is
 * the locator's source part, preferring one among the entry's inputs. */
const struct mf_evidence *mf_locator_evidence(const struct mf_case *,
    const struct mf_entry *, const char *locator);
/* Byte runs of a journal derived_from (byte_runs[] with img_offset or
 * offset, and len); *runs malloc'd. */
int mf_json_runs(const struct etk_jval *, struct mf_run **, size_t *);

/* util.c */
const struct etk_jval *mf_get(const struct etk_jval *, const char *key);
const char *mf_str(const struct etk_jval *, const char *key);
int mf_int(const struct etk_jval *, const char *key, int64_t *);
/* -1 absent or not a boolean, else 0/1 */
int mf_bool(const struct etk_jval *, const char *key);
const struct etk_jval *mf_arr(const struct etk_jval *, const char *key);
const struct etk_jval *mf_obj(const struct etk_jval *, const char *key);
/* Write any parsed value back out (same member order). */
/* Copy member key of v (when present) as "key": value. */
void mf_json_copy(struct etk_json *, const struct etk_jval *v,
    const char *key);
/* Text for XML (DFXML) and HTML: escaped; control bytes and invalid
 * UTF-8 replaced so the document stays well-formed. */
/* Does an entry of the case list path among its inputs (or their
 * files)? */
int mf_path_in_inputs(const struct mf_case *, const char *path);
void mf_xml_text(struct etk_buf *, const char *);
void mf_html_text(struct etk_buf *, const char *);
/* Is s an RFC 3339 UTC time as etk writes them ("...Z")? */
int mf_is_utc_time(const char *);
/* Is s n lower-case hex digits? */
int mf_is_hex(const char *, size_t n);
/* UUIDv5 (RFC 4122 §4.3, SHA-1) of name in namespace ns (16 bytes) into
 * out (37 bytes, lower case). */
void mf_uuid5(const unsigned char ns[16], const char *name, size_t len,
    unsigned char raw[16], char out[37]);
/* The last path component. */
const char *mf_basename(const char *);
/* "ext4" and the like from a volume's summary in entry e (scope
 * "<evidence>:p<slot>"), or NULL. */
const char *mf_fs_type(const struct mf_entry *, const char *evname,
    int volume);

/* emitters */
int mf_emit_json(const struct mf_case *, struct etk_buf *,
    struct etk_error *);
int mf_emit_case(const struct mf_case *, struct etk_buf *,
    struct etk_error *);
int mf_emit_dfxml(const struct mf_case *, const char *exhibit,
    struct etk_buf *, struct etk_error *);
int mf_emit_html(const struct mf_case *, struct etk_buf *,
    struct etk_error *);

#endif /* ETK_MANIFEST_INT_H */
