/*
 * Redaction: withholding values from disclosed material (CUSTODY.md §6b,
 * etk-bundle(5) REDACTION RULES).  A redactor holds rules:
 *
 *   party   an identifier (a phone number in any spelling, an email, a
 *           handle) and the aliases found with it (a contact's name,
 *           other numbers, emails): every spelling is replaced by the
 *           rule's token wherever it appears in text
 *   field   TABLE.FIELD (messages.body, images.lat, ...): the field's
 *           value is withheld in every record
 *   time    FROM TO: records whose time is in [FROM, TO) are withheld
 *   region  PICTURE X Y W H: pixels of a picture (named by its SHA-256
 *           or its locator) blanked when the picture is re-rendered
 *
 * Each rule has a token ("[REDACTED-P1]", "[REDACTED-F2]", ...) and the
 * basis of the decision (category, basis, decided by, approved by).
 * Redacted output is re-rendered from data without the values, never
 * overlaid; a salted commitment sha256(salt || value) of each withheld
 * value lets a court later check what was withheld.
 */
#ifndef ETK_REDACT_H
#define ETK_REDACT_H

#include <etk/core.h>

#ifdef __cplusplus
extern "C" {
#endif

struct etk_redactor;	/* opaque */

struct etk_redact_basis {
	const char *category;	 /* "third-party personal data", ... */
	const char *basis;	 /* "CPIA test not met", ... */
	const char *decided_by;
	const char *approved_by; /* may be NULL */
};

enum etk_redact_kind {
	ETK_REDACT_PARTY,
	ETK_REDACT_FIELD,
	ETK_REDACT_TIME,
	ETK_REDACT_REGION
};

/* A rule as the redactor holds it (read-only view). */
struct etk_redact_rule {
	enum etk_redact_kind kind;
	size_t index;			/* 0-based, in the order added */
	const char *token;		/* "[REDACTED-P1]" (P party, F field,
					 * T time, R region; numbered per
					 * kind from 1) */
	struct etk_redact_basis basis;	/* strings never NULL except
					 * approved_by */
	const char *party;		/* PARTY: the identifier as given */
	const char *table, *field;	/* FIELD */
	const char *from, *to;		/* TIME: RFC 3339 UTC */
	const char *picture;		/* REGION: SHA-256 hex or locator */
	uint32_t x, y, w, h;		/* REGION: pixels */
};

/* country: ISO 3166 alpha-2 region that national phone numbers belong
 * to ("GB"); NULL when unknown (then a national number matches its
 * spellings with any country code). */
ETK_API int etk_redactor_new(struct etk_redactor **, const char *country,
    struct etk_error *);
ETK_API void etk_redactor_free(struct etk_redactor *);	/* accepts NULL */

/* Add rules.  basis may be NULL (then "unspecified" / "unspecified" /
 * "unspecified"); strings are copied.  ETK_EINVAL names what is wrong
 * (an identifier that is neither a phone number, an email nor a handle
 * of at least 3 characters; a bad field or time). */
ETK_API int etk_redactor_add_party(struct etk_redactor *, const char *id,
    const struct etk_redact_basis *, struct etk_error *);
ETK_API int etk_redactor_add_field(struct etk_redactor *,
    const char *table_dot_field, const struct etk_redact_basis *,
    struct etk_error *);
ETK_API int etk_redactor_add_time(struct etk_redactor *, const char *from,
    const char *to, const struct etk_redact_basis *, struct etk_error *);
ETK_API int etk_redactor_add_region(struct etk_redactor *,
    const char *picture, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
    const struct etk_redact_basis *, struct etk_error *);
/* Another identifier of party rule `rule`, withheld under the same
 * token: kind 'p' phone number, 'e' email, 'h' handle, 'n' a name
 * (matched as whole words, case-insensitively). */
ETK_API int etk_redactor_add_alias(struct etk_redactor *, size_t rule,
    int kind, const char *value, struct etk_error *);
/* Read a rules file (etk-bundle(5)); errors name FILE:LINE. */
ETK_API int etk_redactor_load(struct etk_redactor *, const char *path,
    struct etk_error *);

ETK_API size_t etk_redactor_count(const struct etk_redactor *);
ETK_API const struct etk_redact_rule *etk_redactor_rule(
    const struct etk_redactor *, size_t i);

/* The party rule an identifier belongs to (any spelling of any of its
 * identifiers or aliases), or -1. */
ETK_API int etk_redact_party_of(const struct etk_redactor *,
    const char *value);
/* The field rule for table.field, or -1. */
ETK_API int etk_redact_field_rule(const struct etk_redactor *,
    const char *table, const char *field);
/* The time rule whose range holds t (RFC 3339), or -1 (also for NULL or
 * unparsable t). */
ETK_API int etk_redact_time_rule(const struct etk_redactor *, const char *t);

/* Replace every spelling of every party identifier in s[0..len) by its
 * rule's token, appending the result to out; hit (may be NULL) is called
 * for each replacement with the rule and the exact bytes replaced.
 * Returns the number of replacements (>= 0) or a status < 0. */
typedef void (*etk_redact_hit_fn)(void *arg, size_t rule, const char *orig,
    size_t len);
ETK_API int etk_redact_text(const struct etk_redactor *, const char *s,
    size_t len, struct etk_buf *out, etk_redact_hit_fn hit, void *arg);
/* Does p[0..len) hold any spelling of any party identifier (binary data
 * too)?  The rule index, or -1. */
ETK_API int etk_redact_scan(const struct etk_redactor *, const void *p,
    size_t len);
/* The same over a file, streamed.  *rule = index or -1. */
ETK_API int etk_redact_scan_file(const struct etk_redactor *,
    const char *path, int *rule, struct etk_error *);
/* The spellings of a party rule's identifiers that the redactor withholds
 * (e.g. "+447700900123", "447700900123", "07700900123", "07700 900123",
 * "+44 7700 900123", "7700900123", lower-cased emails...), for checkers.
 * *list and each string malloc'd; free with etk_redact_list_free. */
ETK_API int etk_redact_spellings(const struct etk_redactor *, size_t rule,
    char ***list, size_t *n, struct etk_error *);
ETK_API void etk_redact_list_free(char **list, size_t n);

/* Salted commitment: salt = lower-case hex of HMAC-SHA256(key, label),
 * commitment = hex SHA-256 of (the 64 salt characters followed by the
 * value's bytes), so `printf '%s%s' SALT VALUE | sha256sum` checks it. */
ETK_API int etk_redact_commit(const unsigned char *key, size_t keylen,
    const char *label, const void *value, size_t vlen, char salt_hex[65],
    char commit_hex[65], struct etk_error *);

/* Re-render a picture with the given regions blanked (every pixel black):
 * decode JPEG or PNG from in_path, fill, encode the same format (JPEG
 * quality 90) with no metadata at all (no EXIF, XMP, comments, ICC),
 * write out_path atomically (must not exist).  Regions are clipped to
 * the picture.  ETK_EUNSUPP for other formats, ETK_EFORMAT for a corrupt
 * picture (never a crash), ETK_ETIMEOUT past 64 Mpixel. */
ETK_API int etk_redact_picture(const char *in_path, const char *out_path,
    const struct etk_redact_rule *const *regions, size_t n,
    struct etk_error *);

#ifdef __cplusplus
}
#endif
#endif /* ETK_REDACT_H */
