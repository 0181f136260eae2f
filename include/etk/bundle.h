/*
 * Court disclosure bundles (lib/bundle; CUSTODY.md §6b, §6c;
 * etk-bundle(5)): a directory OUT holding the selected records and
 * files of a case, re-rendered without redacted values, with the
 * manifest in every format, the journal and its seals, public keys,
 * README.txt, VERIFY.sh and SHA256SUMS signed by the examiner (and
 * time-stamped when a TSA is given); and OUT.tar, a deterministic POSIX
 * tar of it, with OUT.tar.sha256.
 */
#ifndef ETK_BUNDLE_H
#define ETK_BUNDLE_H

#include <etk/core.h>
#include <etk/custody.h>
#include <etk/redact.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ETK_BUNDLE_FORMAT "etk-bundle/1"

/* Kinds of records a bundle can hold (--kind). */
enum {
	ETK_BK_MESSAGES = 1 << 0,
	ETK_BK_CALLS = 1 << 1,
	ETK_BK_CONTACTS = 1 << 2,
	ETK_BK_IMAGES = 1 << 3,
	ETK_BK_CARVED = 1 << 4,
	ETK_BK_FILES = 1 << 5,	/* file listings and hashes */
	ETK_BK_POLE = 1 << 6,
	ETK_BK_DEFAULT = ETK_BK_MESSAGES | ETK_BK_CALLS | ETK_BK_CONTACTS |
	    ETK_BK_IMAGES | ETK_BK_CARVED | ETK_BK_POLE
};
/* "messages,calls,..." (also "all", "default") -> mask; ETK_EINVAL. */
ETK_API int etk_bundle_kinds_parse(const char *list, unsigned *mask,
    struct etk_error *);

/* What goes in: every criterion given must hold (AND); within one
 * criterion any value may (OR). */
struct etk_bundle_select {
	const char *const *exhibits;	/* evidence / exhibit names */
	size_t nexhibits;
	unsigned kinds;			/* ETK_BK_*; 0: ETK_BK_DEFAULT */
	const char *from, *to;		/* record time in [from, to), RFC
					 * 3339; records without a time are
					 * left out when either is given */
	const char *const *parties;	/* participants, any spelling */
	size_t nparties;
	const char *locators_file;	/* one locator per line, or JSON
					 * lines with "locator" or "source"
					 * (a previous query's output) */
};

struct etk_bundle_opts {
	const char *out;		/* OUT directory: must not exist */
	struct etk_bundle_select sel;
	const struct etk_redactor *redact;	/* may be NULL */
	uint64_t upto;			/* build from journal lines 1..upto
					 * (must be a seal); 0: the journal
					 * as it is, sealed first if its last
					 * line is not a seal */
	unsigned version;		/* the vN of the bundle id; 0 -> 1 */
	const char *tsa_url;		/* SHA256SUMS.tsr from this TSA */
	const char *tsa_reply;		/* ... or from this reply file */
	const char *tsa_ca;		/* TSA CA chain (keys/tsa-chain.pem) */
	const char *tsq_out;		/* write the query over SHA256SUMS */
	int no_tar;			/* do not write OUT.tar */
	const char *const *argv;	/* recorded in the export entry with
					 * redacted values replaced by their
					 * commitments */
	int argc;
};

struct etk_bundle_result {
	char bundle_id[128];		/* DISC-<case>-<yyyymmdd>-v<N> */
	uint64_t upto;			/* the journal line it covers */
	uint64_t files;			/* files listed in SHA256SUMS */
	uint64_t records;		/* records rendered */
	uint64_t redactions;		/* lines of redaction/redactions.jsonl */
	char sums_sha256[65];		/* SHA-256 of SHA256SUMS */
	char tar_sha256[65];		/* of OUT.tar ("" with no_tar) */
	uint64_t export_seq;		/* the journal's "export" entry */
};

/* Party alias expansion for --redact-party: for each party rule of rd,
 * every contact whose numbers or emails are the party's adds its name
 * ('n'), other numbers ('p') and emails ('e') as aliases; a call from
 * the party's number and a POLE entity whose value is the party's add
 * their name.  Reads the case database (read-only, all actions).  Call
 * before etk_bundle_create. */
ETK_API int etk_bundle_expand_parties(struct etk_case *, struct etk_redactor *,
    struct etk_error *);

/* Build the bundle from an open case.  The bundle is made in
 * OUT.tmp-XXXXXX and renamed; nothing claims to be a bundle unless it
 * is whole.  Then appends an "export" entry (the bundle id, OUT.tar's
 * SHA-256, files, redaction count) and a seal to the case journal. */
ETK_API int etk_bundle_create(struct etk_case *, const struct etk_bundle_opts *,
    struct etk_bundle_result *, struct etk_error *);

/* ---- verification (lib/bundle/verify.c) ---- */

struct etk_bundle_verify_opts {
	const char *const *key_ids;	/* key ids confirmed out of band
					 * ("sha256:..." or bare hex); each
					 * must be a signer; may be NULL */
	size_t nkey_ids;
	const char *tar_sha256;		/* expected SHA-256 of the tar
					 * (out of band), or NULL */
	const char *tsa_ca;		/* anchors for tokens, or NULL: the
					 * bundle's keys/tsa-chain.pem */
};

/* One step's outcome (the eleven steps of CUSTODY.md §6c). */
struct etk_bundle_step {
	int step;		/* 1..11 */
	const char *name;	/* "archive", "safe names", "keys",
				 * "signature", "timestamp", "files",
				 * "complete", "journal chain", "seals",
				 * "cross-checks", "redactions" */
	int status;		/* 0 passed, 1 failed, 2 skipped (e.g. no
				 * tar, no tsr), 3 passed with a warning */
	const char *message;	/* what was checked, or what failed and
				 * where: file, line, seal, key */
};
typedef void (*etk_bundle_report_fn)(void *arg, const struct etk_bundle_step *);

/* Verify a bundle: path is the OUT directory or OUT.tar (read with
 * libarchive into a private temporary directory; names that are
 * absolute or hold ".." fail step 2 and nothing is extracted).  Every
 * step runs and is reported, several reports per step when several
 * things fail.  ETK_OK when nothing failed, ETK_EMISMATCH otherwise
 * (err names the first failure), ETK_EFORMAT when path is not a
 * bundle. */
ETK_API int etk_bundle_verify(const char *path,
    const struct etk_bundle_verify_opts *, etk_bundle_report_fn report,
    void *arg, struct etk_error *);
/* Is path a bundle directory (MANIFEST.json of etk-bundle/1) or a file
 * named *.tar holding one?  Other files are not read. */
ETK_API int etk_bundle_is(const char *path);

/* VERIFY.sh, the same checks with POSIX sh, coreutils, sed, tar and
 * openssl only (static text). */
ETK_API const char *etk_bundle_verify_script(void);

#ifdef __cplusplus
}
#endif
#endif /* ETK_BUNDLE_H */
