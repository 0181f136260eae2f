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
/* Drop every row this handle has staged (committed or not) since its
 * last journal entry: the next entry carries none. */
ETK_API int etk_case_db_discard(struct etk_case *);
/* Record one evidence item (by name and path); *evidence_id receives its
 * row id (existing row reused). */
ETK_API int etk_case_db_evidence(struct etk_case *, const char *name,
    const char *path, const char *kind, uint64_t size, const char *sha256,
    int64_t *evidence_id, struct etk_error *);
/* Record one listed file; action = journal seq of the run. */
ETK_API int etk_case_db_file(struct etk_case *, int64_t evidence_id,
    uint64_t action, const struct etk_entry *, const char *mime,
    struct etk_error *);

/* ---- sharded runs and their merge (lib/custody/shard.c) ---- */
/* A shard's output database: a new file at path with the case schema
 * (no journal, no keys) and the one-row table shard(plan_id, tool, k, n,
 * etk_version).  The etk_case_db_* calls work on the handle as on a
 * case; etk_case_dir gives the file's directory.  Refuses an existing
 * file (ETK_EEXIST). */
ETK_API int etk_shard_db_create(const char *path, const char *plan_id,
    const char *tool, uint64_t k, uint64_t n, struct etk_case **out,
    struct etk_error *);
/* Write the staged rows (action 0), sync and close the file; frees the
 * handle whatever the outcome. */
ETK_API int etk_shard_db_finish(struct etk_case *, struct etk_error *);
/* What a shard file says of itself. */
struct etk_shard_info {
	char plan_id[65];
	char tool[32];
	uint64_t k, n;
	char etk_version[32];
};
ETK_API int etk_shard_db_info(const char *path, struct etk_shard_info *,
    struct etk_error *);
/* Stage a shard file's rows into the case (as a run's rows: they go
 * into the case tables with the next journal entry), in their order;
 * its evidence items are matched by path (added when new; sha256: the
 * case's digest of that input when it can be read, computed once per
 * case).  *rows: rows staged.  Call once per shard, in shard order,
 * then append the journal entry. */
ETK_API int etk_case_db_merge_shard(struct etk_case *, const char *path,
    uint64_t *rows, struct etk_error *);

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
/* One row of the pieces table: the digests of the media bytes
 * [offset, offset + len) of evidence_id (etk hash --piecewise); error:
 * why the window could not be read whole, or NULL. */
ETK_API int etk_case_db_piece(struct etk_case *, int64_t evidence_id,
    uint64_t action, uint64_t offset, uint64_t len,
    const struct etk_digests *, const char *error, struct etk_error *);
/* One row of the volumes table (etk ls): a volume or partition-table
 * entry of evidence_id with its file system when one opened.  The same
 * (action, evidence, slot, start) twice is one row. */
struct etk_volume;
ETK_API int etk_case_db_volume(struct etk_case *, int64_t evidence_id,
    uint64_t action, const struct etk_volume *, struct etk_error *);
/* ---- end etk hash ---- */


/* ---- custodians, hand-overs, multi-signer seals (lib/custody/transfer.c,
 * seal.c) ---- */

/* Make a signing key pair for a custodian: the private key as PKCS#8 PEM
 * at priv_path (mode 0600; must not exist) and, when pub_path is not
 * NULL, the public key (SubjectPublicKeyInfo PEM; must not exist).
 * type: "ed25519" (NULL means this) or "p256".  keyid (may be NULL)
 * receives "sha256:<hex of DER SPKI>". */
ETK_API int etk_key_generate(const char *priv_path, const char *pub_path,
    const char *type, char keyid[ETK_KEYID_MAX], struct etk_error *);
/* Key id of a PEM key file, private or public. */
ETK_API int etk_key_file_id(const char *path, char keyid[ETK_KEYID_MAX],
    struct etk_error *);

/* One party to a hand-over. */
struct etk_custodian {
	const char *name;	/* required */
	const char *role;	/* "exhibits officer", "examiner", ... or NULL */
	const char *org;	/* may be NULL */
	const char *auth_ref;	/* competence / authorisation reference */
	const char *key_file;	/* PEM private key that signs for this
				 * party; NULL: the case examiner's key */
};

/* A hand-over of an exhibit between custodians. */
struct etk_handover {
	const char *exhibit;	/* required: exhibit number, "EX-001" */
	const char *item;	/* description: make, model, serial, IMEI */
	struct etk_custodian from, to;
	const char *location;	/* where the exhibit is after the hand-over */
	const char *reason;	/* why (purpose, line of enquiry) */
	const char *authority;	/* legal basis or order reference */
	const char *bag_seal;	/* tamper-evident bag / seal number */
	int bag_seal_intact;	/* 1 intact, 0 not intact, -1 not stated */
	const char *new_bag_seal;	/* resealed into, or NULL */
	const char *note;
};

/* Record a hand-over: a "transfer" journal entry (from, to, exhibit, ...;
 * any party key not yet in the journal is listed in its "keys" member
 * the way the genesis entry lists the examiner's, and its public key
 * copied into keys/), then a seal over the journal up to and including
 * that seal, signed by both parties' keys.  *seq receives the transfer
 * entry's number, *seal_seq the seal's (either may be NULL). */
ETK_API int etk_case_transfer(struct etk_case *, const struct etk_handover *,
    uint64_t *seq, uint64_t *seal_seq, struct etk_error *);

/* A seal with options (etk_case_seal is this with only a note). */
struct etk_seal_opts {
	const char *note;		/* may be NULL */
	const char *const *cosign_keys;	/* further PEM private key files
					 * that also sign; NULL-terminated
					 * list or NULL */
	const char *tsa_url;		/* RFC 3161 TSA to ask for a token
					 * over the same prefix; NULL: none */
	const char *tsa_ca;		/* PEM with the TSA's CA chain; kept
					 * as keys/tsa-chain.pem */
	const char *tsq_out;		/* write the time-stamp query here
					 * for stamping offline (with
					 * etk_case_seal_attach_tsr later) */
};
/* The seal line names "tsr":"seals/NNNNNN.tsr" when tsa_url or tsq_out is
 * given.  When the TSA fails, the seal stands (signed), the query is
 * kept as seals/NNNNNN.tsq and the call returns the TSA's error
 * (ETK_EIO / ETK_ETIMEOUT / ETK_EMISMATCH) with *seq set. */
ETK_API int etk_case_seal_opts(struct etk_case *, const struct etk_seal_opts *,
    uint64_t *seq, struct etk_error *);
/* Attach a time-stamp reply obtained offline to seal seal_seq (0: the
 * last seal that names a tsr and has none yet): checked to be a granted
 * reply over the SHA-256 of the journal prefix that seal covers (and,
 * with tsa_ca or keys/tsa-chain.pem, to verify); stored as
 * seals/NNNNNN.tsr; then a "note" entry recording it is appended (*seq). */
ETK_API int etk_case_seal_attach_tsr(struct etk_case *, uint64_t seal_seq,
    const char *reply_file, const char *tsa_ca, uint64_t *seq,
    struct etk_error *);

/* One check made while verifying seals. */
struct etk_seal_check {
	uint64_t seal;		/* the seal's line number */
	const char *what;	/* "signature", "timestamp" or "key" */
	const char *signer;	/* key id, or NULL */
	const char *file;	/* the sig / tsr / key file, relative */
	int status;		/* ETK_OK; ETK_EMISMATCH (does not verify);
				 * ETK_ENOTFOUND (file missing; for a tsr
				 * whose query is kept: pending) ... */
	const char *message;	/* why it failed, or for a good timestamp
				 * its time (RFC 3339 UTC) */
};
typedef void (*etk_seal_report_fn)(void *arg, const struct etk_seal_check *);

/* Verify every seal of the journal at journal_path: signature files
 * (sig_files[] of each seal) and time-stamp tokens (tsr) resolved under
 * seals_base, public key files (keys[].file in the genesis entry and in
 * later entries of the covered prefix, each checked against its
 * pub_pem_sha256) under keys_base; tsa_ca (may be NULL: then
 * keys_base/keys/tsa-chain.pem when it exists) anchors the tokens.
 * For a case directory both bases are the directory; for a disclosure
 * bundle, seals_base is OUT/custody and keys_base OUT.  Every check is
 * reported (report may be NULL); all seals are checked even after a
 * failure.  ETK_OK when every signature and token verifies (a tsr that
 * is pending is reported, not a failure), ETK_EMISMATCH naming the
 * first failure otherwise. */
ETK_API int etk_journal_verify_seals(const char *journal_path,
    const char *seals_base, const char *keys_base, const char *tsa_ca,
    uint64_t *nseals, etk_seal_report_fn report, void *arg,
    struct etk_error *);

/* ---- RFC 3161 trusted time (lib/custody/tsa.c) ---- */

/* DER TimeStampReq over a SHA-256 digest: version 1, SHA-256 imprint,
 * certReq true, a random 64-bit nonce.  *der is malloc'd. */
ETK_API int etk_tsa_query(const unsigned char sha256[32], unsigned char **der,
    size_t *len, struct etk_error *);
/* POST a query to a TSA (http:// or https://, Content-Type
 * application/timestamp-query, 30 s timeout, at most 1 MiB back); *reply
 * is malloc'd.  ETK_EIO (connection, HTTP status, content type) or
 * ETK_ETIMEOUT, naming the URL. */
ETK_API int etk_tsa_post(const char *url, const unsigned char *query,
    size_t qlen, unsigned char **reply, size_t *rlen, struct etk_error *);
/* Check a DER TimeStampResp: status granted, imprint SHA-256 equal to
 * sha256, the token's signature good under the certificate it carries,
 * and, with ca_file, that certificate chaining to it with the
 * timeStamping extended key usage.  query (may be NULL) also checks the
 * nonce.  gen_time (may be NULL; ETK_TIME_MAX bytes) receives the
 * token's time as RFC 3339 UTC.  ETK_EMISMATCH names what failed;
 * ETK_EFORMAT for bytes that are not a reply. */
ETK_API int etk_tsa_check(const unsigned char *reply, size_t len,
    const unsigned char sha256[32], const unsigned char *query, size_t qlen,
    const char *ca_file, char *gen_time, struct etk_error *);
/* Get a token for a digest: from url (query, post, check) or from
 * reply_file (read, check); then write it atomically to out_path (must
 * not exist).  gen_time as for etk_tsa_check. */
ETK_API int etk_tsa_stamp(const unsigned char sha256[32], const char *url,
    const char *reply_file, const char *ca_file, const char *out_path,
    char *gen_time, struct etk_error *);

#ifdef __cplusplus
}
#endif
#endif /* ETK_CUSTODY_H */
