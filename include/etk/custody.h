/*
 * etk custody: the case directory, the examiner's signing key, the case
 * database and the hash-chained, append-only journal (CUSTODY.md §6a).
 *
 * Case directory layout:
 *   case.json        case id, examiner, agency, key id, created (UTC)
 *   journal.jsonl    one JSON object per line; prev = SHA-256 of the
 *                    previous line's bytes including '\n'
 *   seals/           NNNNNN.<keyid16>.sig signatures over journal prefixes
 *   keys/            examiner.key (0600, never exported), examiner.pub.pem
 *   etk.db           SQLite case database
 *   exhibits/ reports/
 */
#ifndef ETK_CUSTODY_H
#define ETK_CUSTODY_H

#include <etk/core.h>
#include <etk/evidence.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ETK_JOURNAL_FORMAT "dft-custody/1"
#define ETK_KEYID_MAX 80	/* "sha256:" + 64 hex + NUL */

struct etk_case;	/* opaque */

struct etk_case_init_opts {
	const char *case_id;	/* required */
	const char *examiner;	/* required: name */
	const char *agency;	/* may be NULL */
	const char *role;	/* may be NULL: "examiner" */
	const char *key_file;	/* existing PEM private key to use, or NULL
				 * to generate one */
	const char *key_type;	/* "ed25519" (default) or "p256" */
	const char *const *argv;/* recorded in the genesis entry; may be NULL */
	int argc;
};

/* Create dir (must not exist, or be an empty directory): key, case.json,
 * etk.db and the genesis journal entry.  Nothing is left behind on
 * failure that would pass for a case. */
ETK_API int etk_case_init(const char *dir, const struct etk_case_init_opts *,
    struct etk_error *);

/* Open an existing case.  Verifies the journal chain first and refuses a
 * chain that does not verify (ETK_EMISMATCH, message names the first bad
 * line). */
ETK_API int etk_case_open(struct etk_case **, const char *dir,
    struct etk_error *);
ETK_API void etk_case_close(struct etk_case *);	/* accepts NULL */

/* Is dir a case directory (has case.json and journal.jsonl)? */
ETK_API int etk_case_is_dir(const char *dir);

ETK_API const char *etk_case_dir(const struct etk_case *);
ETK_API const char *etk_case_id(const struct etk_case *);
/* "sha256:<hex of DER SubjectPublicKeyInfo>" of the examiner key. */
ETK_API const char *etk_case_actor(const struct etk_case *);
/* The examiner's name and key type ("ed25519" or "p256") from case.json.
 * Borrowed: valid until etk_case_close. */
ETK_API const char *etk_case_examiner(const struct etk_case *);
ETK_API const char *etk_case_key_type(const struct etk_case *);

/* Append one entry.  The library writes, in order, "v", "seq", "prev",
 * "type", "ts" (now, UTC), "ts_start" (when ts_start_sec >= 0), "actor",
 * then the members of body: a JSON object text "{...}" (or NULL) whose
 * members are copied as they are.  Appends under flock(LOCK_EX) with
 * O_APPEND and fsync, after re-verifying the chain's last line.  *seq
 * (may be NULL) receives the new line's number. */
ETK_API int etk_journal_append(struct etk_case *, const char *type,
    int64_t ts_start_sec, int32_t ts_start_ns, const char *body,
    uint64_t *seq, struct etk_error *);

/* Verify a journal file: JSON per line, seq = line number, prev chain.
 * ETK_OK with *nlines set, or ETK_EMISMATCH with *bad_line = first bad
 * line (1-based) and err naming it.  ETK_EIO/ETK_ENOTFOUND if unreadable. */
ETK_API int etk_journal_verify(const char *path, uint64_t *nlines,
    uint64_t *bad_line, struct etk_error *);

/* SHA-256 (hex) of the last line and its seq. */
ETK_API int etk_journal_head(const char *path, uint64_t *seq,
    char hex[65], struct etk_error *);

/* Seal: append a "seal" entry, then sign the journal prefix up to and
 * including it into seals/NNNNNN.<keyid16>.sig.  note may be NULL. */
ETK_API int etk_case_seal(struct etk_case *, const char *note,
    uint64_t *seq, struct etk_error *);

/* Verify every seal's signature against its journal prefix and the key
 * in keys/ (or the genesis key list).  ETK_EMISMATCH names the seal. */
ETK_API int etk_case_verify_seals(const char *dir, uint64_t *nseals,
    struct etk_error *);

/* SHA-256 of a file's bytes (hex) and its size. */
ETK_API int etk_file_sha256(const char *path, char hex[65], uint64_t *size,
    struct etk_error *);

/* SHA-256 of an evidence input, cached in the case database by (real
 * path, device, inode, size, mtime in ns) so each input file is read in
 * full once per case.  One file per call: for a split or E01 set, call it
 * for each container file.  Devices are hashed, never cached.  For a
 * directory, the digest is the SHA-256 of the sorted lines
 * "SHA256HEX  RELPATH\n" of every regular file below it (symbolic links
 * not followed; not cached), and *size the total of their sizes. */
ETK_API int etk_case_input_sha256(struct etk_case *, const char *path,
    char hex[65], uint64_t *size, struct etk_error *);

/* Case database. */
ETK_API int etk_case_db_begin(struct etk_case *, struct etk_error *);
ETK_API int etk_case_db_commit(struct etk_case *, struct etk_error *);
ETK_API int etk_case_db_rollback(struct etk_case *);
/* Record one evidence item (by name and path); *evidence_id receives its
 * row id (existing row reused). */
ETK_API int etk_case_db_evidence(struct etk_case *, const char *name,
    const char *path, const char *kind, uint64_t size, const char *sha256,
    int64_t *evidence_id, struct etk_error *);
/* Record one listed file; action = journal seq of the run. */
ETK_API int etk_case_db_file(struct etk_case *, int64_t evidence_id,
    uint64_t action, const struct etk_entry *, const char *mime,
    struct etk_error *);

/* ---- added for etk hash (lib/custody/db_hash.c) ---- */
struct etk_digests;
/* Set the md5, sha1 and sha256 columns of the file recorded by
 * etk_case_db_file with this action and locator (digests not computed
 * stay NULL).  ETK_ENOTFOUND when no such row. */
ETK_API int etk_case_db_file_hashes(struct etk_case *, uint64_t action,
    const char *locator, const struct etk_digests *, struct etk_error *);
/* One row of the hashes table: the file's digests (ssdeep included), the
 * names of the known and alert sets it matched (stored joined with
 * ", "; NULL when none) and whether its content contradicts its
 * extension.  A second call for the same action and locator replaces
 * the row. */
ETK_API int etk_case_db_hash(struct etk_case *, uint64_t action,
    const char *locator, uint64_t size, const struct etk_digests *,
    const char *const *known, size_t nknown, const char *const *alert,
    size_t nalert, int ext_mismatch, struct etk_error *);
/* ---- end etk hash ---- */

#ifdef __cplusplus
}
#endif
#endif /* ETK_CUSTODY_H */
