/*
 * libetk redaction internals: the redactor object shared by the rule
 * store (redact.c), the matcher (match.c), the rules file reader
 * (rules.c) and the picture re-renderer (picture.c).
 */
#ifndef ETK_REDACT_INT_H
#define ETK_REDACT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <etk/redact.h>

/* Longest identifier, alias or rules-file word we accept (bytes). */
#define RD_ID_MAX	256
/* Most digits in a phone spelling we compare ("011" + 3 + 15 and
 * a little slack); longer digit runs never match. */
#define RD_DIGITS_MAX	24
/* Fewest digits in a national significant number. */
#define RD_NSN_MIN	6
/* Rules (and aliases) a redactor holds at most. */
#define RD_RULES_MAX	10000
/* Largest rules file. */
#define RD_FILE_MAX	(1024 * 1024)

/* A party identifier matched as a string (email, handle, name). */
struct rd_pat {
	char *s;		/* lower-cased (ASCII); handles without '@' */
	char *orig;		/* as given (trimmed) */
	size_t len;
	int kind;		/* 'e', 'h', 'n' */
	size_t rule;
};

/* A phone number of a party: country calling code (NULL when the
 * spelling did not say and the redactor has no country) and national
 * significant number. */
struct rd_phone {
	char *cc;
	char *nsn;
	size_t rule;
};

/* Digit strings that match, each with the rule it belongs to.  exact:
 * whatever the spelling; plus: only after a '+'; suffix: the NSN of a
 * number of unknown country, after "+X", "00X" or "011X". */
struct rd_ent {
	char *digits;
	long exact, plus, suffix;	/* rule index or -1 */
};

struct rd_rule {
	struct etk_redact_rule pub;
	char *strs[8];		/* owned strings pub points into */
};

struct etk_redactor {
	char cc[4];		/* country calling code, "" when unknown */
	struct rd_rule **rules;
	size_t nrules, caprules;
	size_t nkind[4];	/* rules per kind, for token numbers */
	size_t naliases;
	struct rd_pat *pats;
	size_t npats, cappats;
	size_t *first[256];	/* pattern indexes by first (lower) byte */
	size_t nfirst[256], capfirst[256];
	struct rd_phone *phones;
	size_t nphones, capphones;
	struct rd_ent *tab;	/* open addressing, power-of-two size */
	size_t tabcap, tabn;
};

/* Calling code ("44") for an ISO 3166 alpha-2 region ("GB", any case),
 * or NULL.  A string of 1-3 digits is taken as the code itself. */
const char *rd_country_cc(const char *country);
/* Length (1-3) of the country calling code digits d start with. */
size_t rd_cc_len(const char *d, size_t n);

/* Add a party identifier (phone, email, handle) or alias to rule r.
 * kind 0: guess from the spelling (party ids); else 'p','e','h','n'. */
int rd_add_ident(struct etk_redactor *, size_t r, int kind,
    const char *value, struct etk_error *);

/* Match every party spelling in p[0..len).  lo_open / hi_open: the
 * bytes continue beyond that edge (a window of a stream), so matches
 * within RD_EDGE bytes of it are not reported.  On success *hits is a
 * malloc'd array of *nhits non-overlapping matches in order. */
struct rd_hit {
	size_t start, end, rule;
};
#define RD_EDGE		64
int rd_match(const struct etk_redactor *, const unsigned char *p,
    size_t len, int lo_open, int hi_open, struct rd_hit **hits,
    size_t *nhits);

/* Read rules from buf[0..len) (name is used in error messages). */
int rd_load_buffer(struct etk_redactor *, const char *name,
    const char *buf, size_t len, struct etk_error *);

/* Re-render a picture held in memory: out receives the encoded bytes.
 * max_pixels: the limit (ETK_ETIMEOUT past it), 0 for 64 Mpixel; the
 * fuzzer asks for less.  For the fuzzer and etk_redact_picture. */
int rd_picture_mem(const unsigned char *in, size_t inlen,
    const struct etk_redact_rule *const *regions, size_t n,
    uint64_t max_pixels, struct etk_buf *out, struct etk_error *);

#endif /* ETK_REDACT_INT_H */
