/*
 * lib/custody internal: what the custody files share.  Not installed.
 *
 *   case.c     etk_case_init/open/close, case.json, accessors
 *   journal.c  line building, append under flock, chain verification
 *   keys.c     key generation and import, key IDs, signatures (OpenSSL)
 *   seal.c     seals: sign journal prefixes (several signers, RFC 3161
 *              tokens), verify them
 *   transfer.c custodian keys, hand-overs
 *   db.c       the case database (SQLite): schema, statements
 *   inputs.c   file and input digests, the input cache
 *
 * The only includer of OpenSSL and SQLite headers in lib/custody.
 */
#ifndef ETK_CUSTODY_INT_H
#define ETK_CUSTODY_INT_H

#include <sys/types.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include <etk/etk.h>

#define ETK_CASE_FORMAT "etk-case/1"
#define ETK_CASE_DB_VERSION 1
#define ETK_ZERO_HASH \
	"0000000000000000000000000000000000000000000000000000000000000000"
/* Longest journal line a reader accepts (a run's outputs[] can be long). */
#define ETK_JOURNAL_LINE_MAX (256u * 1024 * 1024)

/* The known-good end of a journal: what the last verified line was. */
struct etk_jhead {
	uint64_t seq;		/* lines verified (0: none yet) */
	char hash[65];		/* SHA-256 of the last line (zeros if none) */
	uint64_t off;		/* offset of the last line */
	uint64_t end;		/* offset just past it */
};

/* Prepared statements, kept for the life of the case handle. */
enum etk_cst {
	CST_EVIDENCE_GET,
	CST_EVIDENCE_ADD,
	CST_FILE_ADD,
	CST_CACHE_GET,
	CST_CACHE_PUT,
	CST_ACTION_ADD,
	CST__COUNT
};

struct etk_case {
	char *dir;		/* as given, without trailing '/' */
	char *journal;		/* dir/journal.jsonl */
	char *case_id;
	char *examiner;
	char *key_type;		/* "ed25519" or "p256" */
	char actor[ETK_KEYID_MAX];
	struct etk_jhead head;
	sqlite3 *db;
	sqlite3_stmt *st[CST__COUNT];
	int staged;		/* the run's rows are in TEMP tables */
	char *shard_path;	/* a shard output database (no journal) */
	EVP_PKEY *key;		/* loaded on first seal */
};

/* case.c */
/* dir + "/" + name, malloc'd (NULL when out of memory). */
char *etk_cust_join(const char *dir, const char *name);
/* Read a whole file of at most max bytes; *data is malloc'd and
 * NUL-terminated. */
int etk_cust_read_file(const char *path, size_t max, char **data,
    size_t *len, struct etk_error *err);

/* journal.c */
/* A line reader over a file descriptor from an offset (no stdio). */
struct etk_lreader {
	int fd;
	uint64_t off;		/* file offset of buf[pos] */
	size_t pos, len;
	int eof;
	char buf[65536];
};
void etk_lreader_init(struct etk_lreader *, int fd, uint64_t off);
/* Next line into line (reset first), with its '\n' if it had one.
 * Returns 1 with a line, 0 at the end, or a status < 0 (err set). */
int etk_lreader_next(struct etk_lreader *, struct etk_buf *line,
    uint64_t *lineoff, const char *name, struct etk_error *err);

/* Verify the lines from head->end on against head, advancing it.
 * name is used in messages ("journal.jsonl").  On a bad line returns
 * ETK_EMISMATCH with *bad_line set (when bad_line is not NULL). */
int etk_cust_journal_scan(int fd, struct etk_jhead *head, const char *name,
    uint64_t *bad_line, struct etk_error *err);
/* Parse one journal line (with its '\n' removed); caller frees. */
int etk_cust_line_parse(const char *line, size_t len, struct etk_jval **out,
    struct etk_error *err);

/* Extra members an internal caller builds once the new seq is known. */
typedef int (*etk_cust_extra_fn)(struct etk_case *, uint64_t seq,
    struct etk_buf *members, void *arg, struct etk_error *err);
/* Called with the lock held, after the new line is built and before it is
 * written: prefix_fd is readable, prefix_len the bytes before the line. */
typedef int (*etk_cust_prewrite_fn)(struct etk_case *, uint64_t seq,
    int prefix_fd, uint64_t prefix_len, const struct etk_buf *line,
    void *arg, struct etk_error *err);
int etk_cust_append(struct etk_case *, const char *type, int64_t ts_start,
    int32_t ts_start_ns, const char *members, size_t mlen,
    etk_cust_extra_fn extra, etk_cust_prewrite_fn prewrite, void *arg,
    uint64_t *seq, struct etk_error *err);
/* Write the genesis line into a new (not yet existing) journal file. */
int etk_cust_journal_create(const char *path, const char *actor,
    const char *members, size_t mlen, struct etk_jhead *head,
    char *ts_out, struct etk_error *err);

/* keys.c */
int etk_cust_keygen(const char *type, EVP_PKEY **out, struct etk_error *);
int etk_cust_key_read_private(const char *path, EVP_PKEY **out,
    struct etk_error *);
int etk_cust_key_read_public(const char *path, EVP_PKEY **out,
    struct etk_error *);
/* "ed25519", "p256", or NULL for a type we do not sign with. */
const char *etk_cust_key_type(EVP_PKEY *);
int etk_cust_key_id(EVP_PKEY *, char id[ETK_KEYID_MAX], struct etk_error *);
/* PEM texts: PKCS#8 private key, SubjectPublicKeyInfo public key. */
int etk_cust_key_pem(EVP_PKEY *, int private_key, struct etk_buf *out,
    struct etk_error *);
/* Sign msg: Ed25519 (pure, as openssl pkeyutl -rawin) or ECDSA P-256
 * over SHA-256 (as openssl dgst -sha256).  *sig is malloc'd. */
int etk_cust_sign(EVP_PKEY *, const void *msg, size_t len,
    unsigned char **sig, size_t *siglen, struct etk_error *);
/* ETK_OK when sig verifies, ETK_EMISMATCH when it does not. */
int etk_cust_verify(EVP_PKEY *, const void *msg, size_t len,
    const unsigned char *sig, size_t siglen, struct etk_error *);

/* db.c */
int etk_cust_db_create(const char *path, struct etk_error *);
int etk_cust_db_open(struct etk_case *, const char *path,
    struct etk_error *);
void etk_cust_db_close(struct etk_case *);
/* Move the rows staged by this run (etk_case_db_begin) into the case
 * tables as action seq: BEGIN IMMEDIATE, copy, and leave the
 * transaction open for the journal line and its actions row; then
 * etk_cust_db_end commits (ok) or rolls back (the staged rows stay).
 * Called with the journal lock held. */
/* The tables a run fills (volumes ... pole_links). */
extern const char *const etk_cust_row_tables[];
extern const size_t etk_cust_nrow_tables;
/* Append "\"col\", ..." of schema_name.table to cols, without id (and
 * without action unless with_action); returns the count, -1 on error. */
int etk_cust_table_columns(sqlite3 *, const char *schema_name,
    const char *table, int with_action, struct etk_buf *cols);
int etk_cust_db_exec(struct etk_case *, const char *sql, struct etk_error *);
int etk_cust_db_flush(struct etk_case *, uint64_t seq, struct etk_error *);
int etk_cust_db_end(struct etk_case *, int ok, struct etk_error *);
/* Mirror one journal entry in actions (best effort; errors ignored). */
void etk_cust_db_action(struct etk_case *, uint64_t seq, const char *type,
    const char *ts, const char *members, size_t mlen);
int etk_cust_db_cache_get(struct etk_case *, const char *path, uint64_t dev,
    uint64_t ino, uint64_t size, int64_t mtime_ns, char hex[65]);
void etk_cust_db_cache_put(struct etk_case *, const char *path, uint64_t dev,
    uint64_t ino, uint64_t size, int64_t mtime_ns, const char *hex);

/* inputs.c */
/* SHA-256 of a directory listing (see etk_case_input_sha256). */
int etk_cust_dir_sha256(const char *path, char hex[65], uint64_t *size,
    struct etk_error *);

/* ---- custodians, multi-signer seals, time-stamps (seal.c, keys.c,
 * transfer.c) ---- */

#define ETK_SEAL_SIGNERS_MAX 16
#define ETK_SIGFILE_MAX 64	/* "seals/NNNNNN.<16 hex>.sig" */

/* One seal to make: who signs, what goes into the seal line. */
struct etk_cust_sealreq {
	const char *note;		/* may be NULL */
	EVP_PKEY *keys[ETK_SEAL_SIGNERS_MAX];	/* signers, in order */
	size_t nkeys;
	const char *keys_json;		/* "[...]": keys first listed in the
					 * seal line, or NULL */
	int want_tsr;			/* name seals/NNNNNN.tsr in the line */
	/* out */
	unsigned char digest[32];	/* SHA-256 of lines 1..seal */
	char sig_files[ETK_SEAL_SIGNERS_MAX][ETK_SIGFILE_MAX];
};
/* Append a seal line signed (under the journal lock, before the line is
 * written) by every key of req over lines 1..seal inclusive. */
int etk_cust_seal(struct etk_case *, struct etk_cust_sealreq *req,
    uint64_t *seq, struct etk_error *err);
/* Load (once) keys/examiner.key and check it is the case's key. */
int etk_cust_examiner_key(struct etk_case *, struct etk_error *err);

/* keys.c */
/* Is id listed in the keys[] member of any journal entry? */
int etk_cust_key_known(struct etk_case *, const char *id, int *known,
    struct etk_error *err);
/* Copy pk's public key into the case as
 * keys/custodian-<first 16 hex of id>.pub.pem (an identical file already
 * there is accepted; a different one is ETK_EEXIST).  file receives the
 * relative name, pemsha the SHA-256 of the PEM bytes. */
int etk_cust_key_install(struct etk_case *, EVP_PKEY *pk, const char *id,
    char file[ETK_SIGFILE_MAX], char pemsha[65], struct etk_error *err);
/* Write data to a new file dest atomically, or accept an existing file
 * holding exactly these bytes (ETK_EEXIST when it holds others). */
int etk_cust_install_bytes(const char *dest, const void *data, size_t len,
    struct etk_error *err);
/* One keys[] object: {id,type,name,role,org,pub_pem_sha256,file}. */
struct etk_json;
void etk_cust_key_json(struct etk_json *, const char *id, const char *type,
    const char *name, const char *role, const char *org, const char *pemsha,
    const char *file);

#endif /* ETK_CUSTODY_INT_H */
