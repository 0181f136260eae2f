/*
 * The redactor: rules, their tokens and the basis of each decision
 * (CUSTODY.md §6b), field and time lookups, and the salted commitment
 * that lets a court later check a withheld value.
 *
 * Tokens are numbered per kind in the order rules are added, so the
 * same rules in the same order give the same tokens (and the same
 * bundle bytes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <etk/extract.h>

#include "redact/redact_int.h"

static const char *const tables[] = { "messages", "calls", "contacts",
    "images", "carved", "files", "pole" };

int
etk_redactor_new(struct etk_redactor **out, const char *country,
    struct etk_error *err)
{
	struct etk_redactor *rd;
	const char *cc = NULL;

	if (out == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "bad arguments");
	*out = NULL;
	if (country != NULL && country[0] != '\0' &&
	    (cc = rd_country_cc(country)) == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "unknown country '%s': "
		    "expected an ISO 3166 alpha-2 code (GB, US, ...)",
		    country);
	if ((rd = calloc(1, sizeof(*rd))) == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	if (cc != NULL)
		snprintf(rd->cc, sizeof(rd->cc), "%s", cc);
	*out = rd;
	return ETK_OK;
}

void
etk_redactor_free(struct etk_redactor *rd)
{
	size_t i, k;

	if (rd == NULL)
		return;
	for (i = 0; i < rd->nrules; i++) {
		for (k = 0; k < sizeof(rd->rules[i]->strs) /
		    sizeof(rd->rules[i]->strs[0]); k++)
			free(rd->rules[i]->strs[k]);
		free(rd->rules[i]);
	}
	free(rd->rules);
	for (i = 0; i < rd->npats; i++) {
		free(rd->pats[i].s);
		free(rd->pats[i].orig);
	}
	free(rd->pats);
	for (i = 0; i < 256; i++)
		free(rd->first[i]);
	for (i = 0; i < rd->nphones; i++) {
		free(rd->phones[i].cc);
		free(rd->phones[i].nsn);
	}
	free(rd->phones);
	for (i = 0; i < rd->tabcap; i++)
		free(rd->tab[i].digits);
	free(rd->tab);
	free(rd);
}

static void
drop_rule(struct rd_rule *r)
{
	size_t k;

	if (r == NULL)
		return;
	for (k = 0; k < sizeof(r->strs) / sizeof(r->strs[0]); k++)
		free(r->strs[k]);
	free(r);
}

/* Keep a copy of s in rule slot k; NULL stays NULL. */
static const char *
keep(struct rd_rule *r, size_t k, const char *s, int *oom)
{
	if (s == NULL)
		return NULL;
	if ((r->strs[k] = strdup(s)) == NULL)
		*oom = 1;
	return r->strs[k];
}

/* A new rule of the given kind with its token and basis; not yet
 * counted (commit_rule does that once the rest is valid). */
static int
new_rule(struct etk_redactor *rd, enum etk_redact_kind kind,
    const struct etk_redact_basis *b, struct rd_rule **out,
    struct etk_error *err)
{
	static const char letter[] = "PFTR";
	struct rd_rule *r;
	char tok[64];
	int oom = 0;

	*out = NULL;
	if (rd->nrules + rd->naliases >= RD_RULES_MAX)
		return etk_fail(err, ETK_ETIMEOUT, 0, "more than %d rules",
		    RD_RULES_MAX);
	if (rd->nrules == rd->caprules) {
		size_t cap = rd->caprules ? rd->caprules * 2 : 8;
		struct rd_rule **v = realloc(rd->rules, cap * sizeof(*v));

		if (v == NULL)
			return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
		rd->rules = v;
		rd->caprules = cap;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	snprintf(tok, sizeof(tok), "[REDACTED-%c%zu]", letter[kind],
	    rd->nkind[kind] + 1);
	r->pub.kind = kind;
	r->pub.index = rd->nrules;
	r->pub.token = keep(r, 0, tok, &oom);
	r->pub.basis.category = keep(r, 1, b && b->category ? b->category :
	    "unspecified", &oom);
	r->pub.basis.basis = keep(r, 2, b && b->basis ? b->basis :
	    "unspecified", &oom);
	r->pub.basis.decided_by = keep(r, 3, b && b->decided_by ?
	    b->decided_by : "unspecified", &oom);
	r->pub.basis.approved_by = keep(r, 4, b ? b->approved_by : NULL,
	    &oom);
	if (oom) {
		drop_rule(r);
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	}
	*out = r;
	return ETK_OK;
}

static void
commit_rule(struct etk_redactor *rd, struct rd_rule *r)
{
	rd->rules[rd->nrules++] = r;
	rd->nkind[r->pub.kind]++;
}

int
etk_redactor_add_party(struct etk_redactor *rd, const char *id,
    const struct etk_redact_basis *b, struct etk_error *err)
{
	struct rd_rule *r;
	int oom = 0, rc;

	if (rd == NULL || id == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "bad arguments");
	if ((rc = new_rule(rd, ETK_REDACT_PARTY, b, &r, err)) != ETK_OK)
		return rc;
	r->pub.party = keep(r, 5, id, &oom);
	if (oom) {
		drop_rule(r);
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	}
	/* The identifier's entries name rule index nrules, which becomes
	 * this rule on success.  On failure rd_add_ident added nothing
	 * (it fails before touching the tables) except on ENOMEM, after
	 * which the redactor is unusable anyway. */
	if ((rc = rd_add_ident(rd, rd->nrules, 0, id, err)) != ETK_OK) {
		drop_rule(r);
		return rc;
	}
	commit_rule(rd, r);
	return ETK_OK;
}

int
etk_redactor_add_alias(struct etk_redactor *rd, size_t rule, int kind,
    const char *value, struct etk_error *err)
{
	int rc;

	if (rd == NULL || value == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "bad arguments");
	if (rule >= rd->nrules || rd->rules[rule]->pub.kind !=
	    ETK_REDACT_PARTY)
		return etk_fail(err, ETK_EINVAL, 0,
		    "rule %zu is not a party rule", rule);
	if (kind != 'p' && kind != 'e' && kind != 'h' && kind != 'n')
		return etk_fail(err, ETK_EINVAL, 0,
		    "bad alias kind: expected p, e, h or n");
	if (rd->nrules + rd->naliases >= RD_RULES_MAX)
		return etk_fail(err, ETK_ETIMEOUT, 0, "more than %d rules",
		    RD_RULES_MAX);
	if ((rc = rd_add_ident(rd, rule, kind, value, err)) != ETK_OK)
		return rc;
	rd->naliases++;
	return ETK_OK;
}

static int
field_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return 0;
	return 1;
}

int
etk_redactor_add_field(struct etk_redactor *rd, const char *tf,
    const struct etk_redact_basis *b, struct etk_error *err)
{
	const char *dot;
	struct rd_rule *r;
	size_t i, nt;
	int oom = 0, rc;

	if (rd == NULL || tf == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "bad arguments");
	if ((dot = strchr(tf, '.')) == NULL)
		return etk_fail(err, ETK_EINVAL, 0,
		    "bad field '%s': expected TABLE.FIELD", tf);
	nt = (size_t)(dot - tf);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (strlen(tables[i]) == nt && memcmp(tables[i], tf, nt) == 0)
			break;
	if (i == sizeof(tables) / sizeof(tables[0]))
		return etk_fail(err, ETK_EINVAL, 0, "bad field '%s': table "
		    "must be messages, calls, contacts, images, carved, files "
		    "or pole", tf);
	if (!field_ok(dot + 1, strlen(dot + 1)))
		return etk_fail(err, ETK_EINVAL, 0, "bad field '%s': field "
		    "name must be [a-z_]+", tf);
	if ((rc = new_rule(rd, ETK_REDACT_FIELD, b, &r, err)) != ETK_OK)
		return rc;
	r->pub.table = keep(r, 5, tables[i], &oom);
	r->pub.field = keep(r, 6, dot + 1, &oom);
	if (oom) {
		drop_rule(r);
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	}
	commit_rule(rd, r);
	return ETK_OK;
}

/* RFC 3339 (or a date, as UTC midnight) to an instant. */
static int
parse_time(const char *s, int64_t *sec, int32_t *nsec)
{
	if (s == NULL || strlen(s) > 64)
		return -1;
	return etk_extract_parse_time(s, 0, sec, nsec);
}

/* "2024-02-13T10:00:00.123Z" -> "...00.123456789Z" */
static void
ns_format(char *out, int32_t ns)
{
	char tmp[ETK_TIME_MAX];

	memcpy(tmp, out, sizeof(tmp));
	snprintf(out, ETK_TIME_MAX, "%.19s.%09dZ", tmp, (int)ns);
}

static int
tcmp(int64_t s1, int32_t n1, int64_t s2, int32_t n2)
{
	if (s1 != s2)
		return s1 < s2 ? -1 : 1;
	return n1 < n2 ? -1 : n1 > n2;
}

int
etk_redactor_add_time(struct etk_redactor *rd, const char *from,
    const char *to, const struct etk_redact_basis *b, struct etk_error *err)
{
	char f[ETK_TIME_MAX], t[ETK_TIME_MAX];
	int64_t fs, ts;
	int32_t fn, tn;
	struct rd_rule *r;
	int oom = 0, rc;

	if (rd == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "bad arguments");
	if (parse_time(from, &fs, &fn) != 0)
		return etk_fail(err, ETK_EINVAL, 0, "bad time '%s': expected "
		    "RFC 3339 (2024-02-13T10:00:00Z)", from ? from : "");
	if (parse_time(to, &ts, &tn) != 0)
		return etk_fail(err, ETK_EINVAL, 0, "bad time '%s': expected "
		    "RFC 3339 (2024-02-13T10:00:00Z)", to ? to : "");
	if (tcmp(fs, fn, ts, tn) >= 0)
		return etk_fail(err, ETK_EINVAL, 0,
		    "empty time range: '%s' is not before '%s'", from, to);
	/* Held as UTC, to the nanosecond when the input had one. */
	etk_time_format(fs, fn, f);
	etk_time_format(ts, tn, t);
	/* etk_time_format keeps milliseconds: write the rest */
	if (fn % 1000000 != 0)
		ns_format(f, fn);
	if (tn % 1000000 != 0)
		ns_format(t, tn);
	if ((rc = new_rule(rd, ETK_REDACT_TIME, b, &r, err)) != ETK_OK)
		return rc;
	r->pub.from = keep(r, 5, f, &oom);
	r->pub.to = keep(r, 6, t, &oom);
	if (oom) {
		drop_rule(r);
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	}
	commit_rule(rd, r);
	return ETK_OK;
}

static int
picture_ok(const char *s)
{
	size_t n, i;

	if (s == NULL || (n = strlen(s)) == 0 || n > 4096)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return 0;
	return 1;
}

int
etk_redactor_add_region(struct etk_redactor *rd, const char *picture,
    uint32_t x, uint32_t y, uint32_t w, uint32_t h,
    const struct etk_redact_basis *b, struct etk_error *err)
{
	struct rd_rule *r;
	char hex[65];
	size_t n, i;
	int oom = 0, rc;

	if (rd == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "bad arguments");
	if (!picture_ok(picture))
		return etk_fail(err, ETK_EINVAL, 0, "bad picture: expected "
		    "its SHA-256 or its locator");
	if (w == 0 || h == 0)
		return etk_fail(err, ETK_EINVAL, 0,
		    "empty region %ux%u", (unsigned)w, (unsigned)h);
	/* A SHA-256 is held in lower case, as every digest in etk. */
	n = strlen(picture);
	if (n == 64 && strspn(picture, "0123456789abcdefABCDEF") == 64) {
		for (i = 0; i < 64; i++)
			hex[i] = (char)(picture[i] >= 'A' && picture[i] <= 'F' ?
			    picture[i] + ('a' - 'A') : picture[i]);
		hex[64] = '\0';
		picture = hex;
	}
	if ((rc = new_rule(rd, ETK_REDACT_REGION, b, &r, err)) != ETK_OK)
		return rc;
	r->pub.picture = keep(r, 5, picture, &oom);
	r->pub.x = x;
	r->pub.y = y;
	r->pub.w = w;
	r->pub.h = h;
	if (oom) {
		drop_rule(r);
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	}
	commit_rule(rd, r);
	return ETK_OK;
}

size_t
etk_redactor_count(const struct etk_redactor *rd)
{
	return rd ? rd->nrules : 0;
}

const struct etk_redact_rule *
etk_redactor_rule(const struct etk_redactor *rd, size_t i)
{
	if (rd == NULL || i >= rd->nrules)
		return NULL;
	return &rd->rules[i]->pub;
}

int
etk_redact_field_rule(const struct etk_redactor *rd, const char *table,
    const char *field)
{
	size_t i;

	if (rd == NULL || table == NULL || field == NULL)
		return -1;
	for (i = 0; i < rd->nrules; i++) {
		const struct etk_redact_rule *r = &rd->rules[i]->pub;

		if (r->kind == ETK_REDACT_FIELD &&
		    strcmp(r->table, table) == 0 &&
		    strcmp(r->field, field) == 0)
			return (int)i;
	}
	return -1;
}

int
etk_redact_time_rule(const struct etk_redactor *rd, const char *t)
{
	int64_t s, fs, ts;
	int32_t n, fn, tn;
	size_t i;

	if (rd == NULL || parse_time(t, &s, &n) != 0)
		return -1;
	for (i = 0; i < rd->nrules; i++) {
		const struct etk_redact_rule *r = &rd->rules[i]->pub;

		if (r->kind != ETK_REDACT_TIME ||
		    parse_time(r->from, &fs, &fn) != 0 ||
		    parse_time(r->to, &ts, &tn) != 0)
			continue;
		if (tcmp(s, n, fs, fn) >= 0 && tcmp(s, n, ts, tn) < 0)
			return (int)i;
	}
	return -1;
}

int
etk_redact_commit(const unsigned char *key, size_t keylen,
    const char *label, const void *value, size_t vlen, char salt_hex[65],
    char commit_hex[65], struct etk_error *err)
{
	unsigned char mac[EVP_MAX_MD_SIZE], md[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0, mdlen = 0;
	EVP_MD_CTX *ctx;
	int ok;

	if (key == NULL || keylen == 0 || keylen > 4096 || label == NULL ||
	    salt_hex == NULL || commit_hex == NULL ||
	    (value == NULL && vlen > 0))
		return etk_fail(err, ETK_EINVAL, 0, "bad arguments");
	if (HMAC(EVP_sha256(), key, (int)keylen,
	    (const unsigned char *)label, strlen(label), mac, &maclen) ==
	    NULL || maclen != 32)
		return etk_fail(err, ETK_EIO, 0, "HMAC-SHA256 failed");
	etk_hex(mac, 32, salt_hex);
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, salt_hex, 64) == 1 &&
	    (vlen == 0 || EVP_DigestUpdate(ctx, value, vlen) == 1) &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return etk_fail(err, ETK_EIO, 0, "SHA-256 failed");
	etk_hex(md, 32, commit_hex);
	return ETK_OK;
}
