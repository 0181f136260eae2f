/*
 * Party identifiers and where they appear: a phone number in any
 * common spelling, an email address, a handle, a name.
 *
 * A phone number is held as country calling code and national
 * significant number (NSN), and a text matches it by its digits, not
 * by its punctuation: the text is cut into runs of digits joined by
 * one or two separators from " -.()/" (optionally after a '+'), and a
 * run matches when its digits are the NSN, the NSN after the trunk
 * prefix, or the NSN after the country code ("+44", "44", "0044",
 * "01144").  A run holding a longer number is left alone even when the
 * NSN is inside it ("4477009001234"), but numbers written one after
 * another ("07700 900123 07700 900124") are each found: a run may be
 * split where its separator holds a blank.
 *
 * Emails match as case-insensitive substrings (so no byte sequence a
 * checker greps for survives); handles and names as whole words, ASCII
 * case folded, bytes >= 0x80 counting as letters so UTF-8 words keep
 * their edges.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "extract/ex_int.h"
#include "redact/redact_int.h"

static int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static int
wordc(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    isdig(c) || c == '_' || c >= 0x80;
}

static int
issep(int c)
{
	return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' ||
	    c == '/';
}

static int
blank(int c)
{
	return c == ' ' || c == '\t';
}

/* ------------------------------------------------------------------ */
/* The digit-string table */

static uint64_t
hash_digits(const char *s, size_t n)
{
	uint64_t h = UINT64_C(1469598103934665603);
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static struct rd_ent *
tab_find(const struct etk_redactor *rd, const char *s, size_t n)
{
	size_t i;

	if (rd->tabcap == 0)
		return NULL;
	i = (size_t)hash_digits(s, n) & (rd->tabcap - 1);
	for (;;) {
		struct rd_ent *e = &rd->tab[i];

		if (e->digits == NULL)
			return NULL;
		if (strlen(e->digits) == n && memcmp(e->digits, s, n) == 0)
			return e;
		i = (i + 1) & (rd->tabcap - 1);
	}
}

static int
tab_grow(struct etk_redactor *rd)
{
	struct rd_ent *old = rd->tab, *nt;
	size_t oldcap = rd->tabcap, cap = oldcap ? oldcap * 2 : 64, i, k;

	if ((nt = calloc(cap, sizeof(*nt))) == NULL)
		return ETK_ENOMEM;
	for (i = 0; i < oldcap; i++) {
		if (old[i].digits == NULL)
			continue;
		k = (size_t)hash_digits(old[i].digits,
		    strlen(old[i].digits)) & (cap - 1);
		while (nt[k].digits != NULL)
			k = (k + 1) & (cap - 1);
		nt[k] = old[i];
	}
	free(old);
	rd->tab = nt;
	rd->tabcap = cap;
	return ETK_OK;
}

/* which: 'x' exact, '+' after a plus only, 's' suffix.  The first rule
 * to claim a string keeps it. */
static int
tab_put(struct etk_redactor *rd, const char *s, int which, size_t rule)
{
	struct rd_ent *e;
	size_t n = strlen(s), i;

	if ((e = tab_find(rd, s, n)) == NULL) {
		if ((rd->tabn + 1) * 2 > rd->tabcap && tab_grow(rd) != ETK_OK)
			return ETK_ENOMEM;
		i = (size_t)hash_digits(s, n) & (rd->tabcap - 1);
		while (rd->tab[i].digits != NULL)
			i = (i + 1) & (rd->tabcap - 1);
		e = &rd->tab[i];
		if ((e->digits = strdup(s)) == NULL)
			return ETK_ENOMEM;
		e->exact = e->plus = e->suffix = -1;
		rd->tabn++;
	}
	if (which == 'x' && e->exact < 0)
		e->exact = (long)rule;
	else if (which == '+' && e->plus < 0)
		e->plus = (long)rule;
	else if (which == 's' && e->suffix < 0)
		e->suffix = (long)rule;
	return ETK_OK;
}

/* The rule whose number the digits d[0..n) spell, or -1. */
static long
phone_rule(const struct etk_redactor *rd, const char *d, size_t n,
    int plus)
{
	const struct rd_ent *e;
	size_t k, pre;

	if ((e = tab_find(rd, d, n)) != NULL) {
		if (e->exact >= 0)
			return e->exact;
		if (plus && e->plus >= 0)
			return e->plus;
	}
	/* A number of unknown country after some country code. */
	if (plus)
		pre = 0;
	else if (n > 2 && d[0] == '0' && d[1] == '0')
		pre = 2;
	else
		pre = SIZE_MAX;
	for (;;) {
		if (pre != SIZE_MAX && n > pre && d[pre] != '0')
			for (k = 1; k <= 3 && pre + k + RD_NSN_MIN <= n; k++) {
				e = tab_find(rd, d + pre + k, n - pre - k);
				if (e != NULL && e->suffix >= 0)
					return e->suffix;
			}
		if (pre == 3 || plus || n <= 3 || memcmp(d, "011", 3) != 0)
			break;
		pre = 3;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Identifiers */

static int
trunk_of(const char *cc, char *trunk)
{
	/* NANP dials 1 (= the country code), Italy and San Marino keep
	 * the 0 inside the NSN, Russia and Kazakhstan dial 8. */
	if (cc == NULL) {
		strcpy(trunk, "0");
		return 1;
	}
	if (strcmp(cc, "1") == 0 || strcmp(cc, "39") == 0 ||
	    strcmp(cc, "378") == 0)
		return 0;
	strcpy(trunk, strcmp(cc, "7") == 0 ? "8" : "0");
	return 1;
}

static int
add_phone(struct etk_redactor *rd, size_t rule, const char *cc,
    const char *nsn)
{
	struct rd_phone *ph;
	char buf[64], trunk[2];
	int rc = ETK_OK;
	size_t i;

	for (i = 0; i < rd->nphones; i++)
		if (rd->phones[i].rule == rule &&
		    strcmp(rd->phones[i].nsn, nsn) == 0 &&
		    (cc == NULL ? rd->phones[i].cc == NULL :
		    rd->phones[i].cc != NULL &&
		    strcmp(rd->phones[i].cc, cc) == 0))
			return ETK_OK;
	if (rd->nphones == rd->capphones) {
		size_t cap = rd->capphones ? rd->capphones * 2 : 8;

		if ((ph = realloc(rd->phones, cap * sizeof(*ph))) == NULL)
			return ETK_ENOMEM;
		rd->phones = ph;
		rd->capphones = cap;
	}
	ph = &rd->phones[rd->nphones];
	ph->rule = rule;
	ph->nsn = strdup(nsn);
	ph->cc = cc ? strdup(cc) : NULL;
	if (ph->nsn == NULL || (cc != NULL && ph->cc == NULL)) {
		free(ph->nsn);
		free(ph->cc);
		return ETK_ENOMEM;
	}
	rd->nphones++;

	rc |= tab_put(rd, nsn, 'x', rule);
	if (trunk_of(cc, trunk)) {
		snprintf(buf, sizeof(buf), "%s%s", trunk, nsn);
		rc |= tab_put(rd, buf, 'x', rule);
	}
	if (cc == NULL)
		return rc | tab_put(rd, nsn, 's', rule);
	snprintf(buf, sizeof(buf), "%s%s", cc, nsn);
	rc |= tab_put(rd, buf, 'x', rule);
	snprintf(buf, sizeof(buf), "00%s%s", cc, nsn);
	rc |= tab_put(rd, buf, 'x', rule);
	snprintf(buf, sizeof(buf), "011%s%s", cc, nsn);
	rc |= tab_put(rd, buf, 'x', rule);
	/* "+44 07700 900123": the trunk 0 kept by mistake, common enough. */
	if (trunk_of(cc, trunk) && trunk[0] == '0') {
		snprintf(buf, sizeof(buf), "%s0%s", cc, nsn);
		rc |= tab_put(rd, buf, '+', rule);
	}
	return rc ? ETK_ENOMEM : ETK_OK;
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (blank((unsigned char)**s) || **s == '\n' ||
	    **s == '\r')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && (blank((unsigned char)(*s)[*n - 1]) ||
	    (*s)[*n - 1] == '\n' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

/* user@s.whatsapp.net / user@c.us (with a ":device" suffix): the
 * length of the digits, or 0 when s is no such JID. */
static size_t
jid_user(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	size_t nu, ns, i;

	if (at == NULL)
		return 0;
	nu = (size_t)(at - s);
	ns = n - nu - 1;
	if (!((ns == 14 && strncasecmp(at + 1, "s.whatsapp.net", 14) == 0) ||
	    (ns == 4 && strncasecmp(at + 1, "c.us", 4) == 0)))
		return 0;
	for (i = 0; i < nu && isdig((unsigned char)s[i]); i++)
		;
	if (i == 0 || (i < nu && s[i] != ':'))
		return 0;
	return i;
}

struct cand {
	char cc[4];		/* "" unknown */
	char nsn[RD_DIGITS_MAX + 1];
};

static int
cand_set(struct cand *c, const char *cc, size_t ncc, const char *nsn,
    size_t nn)
{
	if (nn < RD_NSN_MIN || ncc > 3 || ncc + nn > 15 || nsn[0] == '\0')
		return 0;
	memcpy(c->cc, cc, ncc);
	c->cc[ncc] = '\0';
	memcpy(c->nsn, nsn, nn);
	c->nsn[nn] = '\0';
	return 1;
}

/* International digits (no '+') split at the country code. */
static int
cand_intl(struct cand *c, const char *d, size_t n)
{
	size_t k;

	if (n < 1 + RD_NSN_MIN || d[0] == '0')
		return 0;
	k = rd_cc_len(d, n);
	return cand_set(c, d, k, d + k, n - k);
}

/* A phone number's candidate (cc, nsn) pairs: 1 or 2 (a bare number
 * that may be international without its '+' when the country is not
 * known), 0 when s is no phone number. */
static int
phone_parse(const struct etk_redactor *rd, const char *s0, size_t n,
    struct cand c[2])
{
	char d[64], e164[64], tmp[RD_ID_MAX + 1];
	const char *s = s0, *cc = rd->cc[0] ? rd->cc : NULL;
	size_t nd = 0, i, ju;
	int plus = 0, nc = 0;

	trim(&s, &n);
	if (n >= 4 && strncasecmp(s, "tel:", 4) == 0) {
		s += 4;
		n -= 4;
		trim(&s, &n);
	}
	if (n == 0 || n > RD_ID_MAX)
		return 0;
	if ((ju = jid_user(s, n)) != 0)
		return cand_intl(&c[0], s, ju);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (isdig(ch)) {
			if (nd + 1 >= sizeof(d))
				return 0;
			d[nd++] = (char)ch;
		} else if (ch == '+' && nd == 0 && !plus)
			plus = 1;
		else if (ch == '(' && i + 2 < n && s[i + 1] == '0' &&
		    s[i + 2] == ')' && nd > 0)
			i += 2;		/* "+44 (0)7700 ..." */
		else if (!issep(ch) && ch != '\t')
			return 0;
	}
	d[nd] = '\0';
	if (nd < RD_NSN_MIN)
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (plus || (nd > 2 && d[0] == '0' && d[1] == '0') ||
	    (cc != NULL && strcmp(cc, "1") == 0 && nd > 3 &&
	    memcmp(d, "011", 3) == 0)) {
		if (ex_phone_norm(tmp, cc, e164, sizeof(e164)) != 1)
			return 0;
		return cand_intl(&c[0], e164 + 1, strlen(e164 + 1));
	}
	if (cc != NULL) {
		if (ex_phone_norm(tmp, cc, e164, sizeof(e164)) == 1)
			return cand_intl(&c[0], e164 + 1, strlen(e164 + 1));
		if (d[0] == '0' && strcmp(cc, "39") != 0 &&
		    strcmp(cc, "378") != 0)
			return cand_set(&c[0], cc, strlen(cc), d + 1, nd - 1);
		return cand_set(&c[0], cc, strlen(cc), d, nd);
	}
	/* Country unknown: a trunk 0 makes it national; a bare number may
	 * be national or international without its '+': keep both. */
	if (d[0] == '0')
		return cand_set(&c[0], "", 0, d + 1, nd - 1);
	nc = cand_set(&c[0], "", 0, d, nd);
	if (nd >= 11 && cand_intl(&c[nc], d, nd))
		nc++;
	return nc;
}

static int
email_ok(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);
	size_t i;

	if (at == NULL || at == s || memchr(at + 1, '@',
	    n - (size_t)(at - s) - 1) != NULL)
		return 0;
	if (memchr(at + 1, '.', n - (size_t)(at - s) - 1) == NULL ||
	    s[n - 1] == '.' || at[1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == '<' ||
		    s[i] == '>' || s[i] == '"' || s[i] == ',')
			return 0;
	return 1;
}

static int
handle_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 3)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!wordc(c) && c != '.' && c != '-')
			return 0;
	}
	/* The edges must be word bytes, or whole-word matching has no
	 * edge to find. */
	return wordc((unsigned char)s[0]) && wordc((unsigned char)s[n - 1]);
}

static int
add_pat(struct etk_redactor *rd, size_t rule, int kind, const char *s,
    size_t n)
{
	struct rd_pat *p;
	size_t i, k, f;
	char *t, *o;

	for (i = 0; i < rd->npats; i++)
		if (rd->pats[i].kind == kind && rd->pats[i].len == n &&
		    strncasecmp(rd->pats[i].s, s, n) == 0)
			return ETK_OK;	/* the first rule keeps it */
	if ((t = malloc(n + 1)) == NULL)
		return ETK_ENOMEM;
	for (i = k = 0; i < n; i++) {
		if (kind == 'n' && blank((unsigned char)s[i])) {
			if (k > 0 && t[k - 1] == ' ')
				continue;
			t[k++] = ' ';
		} else
			t[k++] = (char)lc((unsigned char)s[i]);
	}
	t[k] = '\0';
	if ((o = malloc(n + 1)) == NULL) {
		free(t);
		return ETK_ENOMEM;
	}
	/* a name as given, its blanks collapsed as they are matched */
	for (i = k = 0; i < n; i++) {
		if (kind == 'n' && blank((unsigned char)s[i])) {
			if (k > 0 && o[k - 1] == ' ')
				continue;
			o[k++] = ' ';
		} else
			o[k++] = s[i];
	}
	o[k] = '\0';
	k = strlen(t);
	if (rd->npats == rd->cappats) {
		size_t cap = rd->cappats ? rd->cappats * 2 : 8;

		if ((p = realloc(rd->pats, cap * sizeof(*p))) == NULL) {
			free(t);
			free(o);
			return ETK_ENOMEM;
		}
		rd->pats = p;
		rd->cappats = cap;
	}
	f = (unsigned char)t[0];
	if (rd->nfirst[f] == rd->capfirst[f]) {
		size_t cap = rd->capfirst[f] ? rd->capfirst[f] * 2 : 4, *q;

		if ((q = realloc(rd->first[f], cap * sizeof(*q))) == NULL) {
			free(t);
			free(o);
			return ETK_ENOMEM;
		}
		rd->first[f] = q;
		rd->capfirst[f] = cap;
	}
	rd->first[f][rd->nfirst[f]++] = rd->npats;
	p = &rd->pats[rd->npats++];
	p->s = t;
	p->orig = o;
	p->len = k;
	p->kind = kind;
	p->rule = rule;
	return ETK_OK;
}

int
rd_add_ident(struct etk_redactor *rd, size_t rule, int kind,
    const char *value, struct etk_error *err)
{
	struct cand c[2];
	const char *s = value;
	size_t n, i;
	int nc, rc = ETK_OK;

	if (value == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "no identifier given");
	n = strlen(value);
	trim(&s, &n);
	if (n > RD_ID_MAX)
		return etk_fail(err, ETK_EINVAL, 0,
		    "identifier longer than %d bytes", RD_ID_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' && s[i] != '\t')
			return etk_fail(err, ETK_EINVAL, 0,
			    "identifier holds a control character");
	if (kind == 0 || kind == 'p') {
		if ((nc = phone_parse(rd, s, n, c)) > 0) {
			for (i = 0; i < (size_t)nc && rc == ETK_OK; i++)
				rc = add_phone(rd, rule, c[i].cc[0] ?
				    c[i].cc : NULL, c[i].nsn);
			goto done;
		}
		if (kind == 'p')
			return etk_fail(err, ETK_EINVAL, 0,
			    "'%.*s' is not a phone number", (int)n, s);
	}
	if (kind == 0 || kind == 'e') {
		if (n >= 7 && strncasecmp(s, "mailto:", 7) == 0) {
			s += 7;
			n -= 7;
		}
		if (email_ok(s, n)) {
			rc = add_pat(rd, rule, 'e', s, n);
			goto done;
		}
		if (kind == 'e')
			return etk_fail(err, ETK_EINVAL, 0,
			    "'%.*s' is not an email address", (int)n, s);
	}
	if (kind == 0 || kind == 'h') {
		if (n > 0 && s[0] == '@') {
			s++;
			n--;
		}
		if (handle_ok(s, n)) {
			rc = add_pat(rd, rule, 'h', s, n);
			goto done;
		}
		if (kind == 'h')
			return etk_fail(err, ETK_EINVAL, 0, "'%.*s' is not a "
			    "handle (3 or more letters, digits, '_', '.', "
			    "'-')", (int)n, s);
		return etk_fail(err, ETK_EINVAL, 0, "'%.*s' is neither a "
		    "phone number, an email address nor a handle of at "
		    "least 3 characters", (int)n, s);
	}
	if (kind == 'n') {
		if (n < 2 || !wordc((unsigned char)s[0]) ||
		    !wordc((unsigned char)s[n - 1]))
			return etk_fail(err, ETK_EINVAL, 0, "'%.*s' is not a "
			    "name (2 or more bytes, starting and ending with "
			    "a letter or digit)", (int)n, s);
		rc = add_pat(rd, rule, 'n', s, n);
		goto done;
	}
	return etk_fail(err, ETK_EINVAL, 0,
	    "bad alias kind '%c': expected p, e, h or n", kind);
done:
	if (rc != ETK_OK)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	return ETK_OK;
}

/* ------------------------------------------------------------------ */
/* Matching */

struct grp {
	size_t s, e;		/* digits p[s..e) */
	size_t sep;		/* separator before: p[sep..s) */
	int soft;		/* the run may be split before this group */
	int skip;		/* "(0)": not part of the number */
};

struct mctx {
	const struct etk_redactor *rd;
	const unsigned char *p;
	size_t len;
	int lo_open, hi_open;
	struct rd_hit *hits;
	size_t nhits, caphits;
	struct grp *g;
	size_t capg;
	int oom;
};

static void
hit(struct mctx *m, size_t start, size_t end, size_t rule)
{
	if (m->lo_open && start < RD_EDGE)
		return;
	if (m->hi_open && end + RD_EDGE > m->len)
		return;
	if (m->nhits == m->caphits) {
		size_t cap = m->caphits ? m->caphits * 2 : 16;
		struct rd_hit *h = realloc(m->hits, cap * sizeof(*h));

		if (h == NULL) {
			m->oom = 1;
			return;
		}
		m->hits = h;
		m->caphits = cap;
	}
	m->hits[m->nhits].start = start;
	m->hits[m->nhits].end = end;
	m->hits[m->nhits].rule = rule;
	m->nhits++;
}

static int
edge_ok(const struct mctx *m, size_t start, size_t end)
{
	return !(m->lo_open && start < RD_EDGE) &&
	    !(m->hi_open && end + RD_EDGE > m->len);
}

/* One run of digit groups g[0..ng): find the numbers in it. */
static void
run_match(struct mctx *m, size_t rs, int plus, size_t ng)
{
	const unsigned char *p = m->p;
	struct grp *g = m->g;
	char d[RD_DIGITS_MAX + 1];
	size_t s, e, nd, k, best_e, start;
	long r, best_r;

	for (s = 0; s < ng; s++) {
		if ((s > 0 && !g[s].soft) || g[s].skip)
			continue;
		nd = 0;
		best_r = -1;
		best_e = 0;
		for (e = s; e < ng; e++) {
			if (!g[e].skip) {
				k = g[e].e - g[e].s;
				if (nd + k > RD_DIGITS_MAX)
					break;
				memcpy(d + nd, p + g[e].s, k);
				nd += k;
			}
			if (e + 1 < ng && !g[e + 1].soft)
				continue;
			r = phone_rule(m->rd, d, nd, plus && s == 0);
			if (r >= 0) {
				best_r = r;
				best_e = e;
			}
		}
		if (best_r < 0)
			continue;
		start = s == 0 ? rs : g[s].s;
		/* "(07700) 900123": the bracket opens the number. */
		if (s == 0 && !plus && rs > 0 && p[rs - 1] == '(' && ng > 1 &&
		    memchr(p + g[1].sep, ')', g[1].s - g[1].sep) != NULL)
			start--;
		if (!edge_ok(m, start, g[best_e].e))
			continue;
		hit(m, start, g[best_e].e, (size_t)best_r);
		s = best_e;
	}
}

/* Is the group d[0..n) a country code alone: after a '+', or after
 * the international prefix 00 or 011? */
static int
cc_group(const unsigned char *d, size_t n, int plus)
{
	if (plus)
		return n <= 3;
	if (n >= 3 && n <= 5 && d[0] == '0' && d[1] == '0' && d[2] != '0')
		return 1;
	return n >= 4 && n <= 6 && memcmp(d, "011", 3) == 0 && d[3] != '0';
}

/* Does p[j..) continue a digit run into a WhatsApp JID's server
 * ("@s.whatsapp.net", "@c.us", after an optional ":device")? */
static int
jid_after(const unsigned char *p, size_t len, size_t j)
{
	if (j < len && p[j] == ':') {
		j++;
		while (j < len && isdig(p[j]))
			j++;
	}
	if (j >= len || p[j] != '@')
		return 0;
	j++;
	return (len - j >= 14 && strncasecmp((const char *)p + j,
	    "s.whatsapp.net", 14) == 0) || (len - j >= 4 &&
	    strncasecmp((const char *)p + j, "c.us", 4) == 0);
}

static void
match_phones(struct mctx *m)
{
	const unsigned char *p = m->p;
	size_t len = m->len, i = 0, j, rs, ng;
	int plus;

	if (m->rd->nphones == 0)
		return;
	while (i < len) {
		if (!isdig(p[i]) && !(p[i] == '+' && i + 1 < len &&
		    isdig(p[i + 1]))) {
			i++;
			continue;
		}
		rs = i;
		plus = p[i] == '+';
		j = plus ? i + 1 : i;
		ng = 0;
		for (;;) {
			struct grp *gr;

			if (ng == m->capg) {
				size_t cap = m->capg ? m->capg * 2 : 32;

				gr = realloc(m->g, cap * sizeof(*gr));
				if (gr == NULL) {
					m->oom = 1;
					return;
				}
				m->g = gr;
				m->capg = cap;
			}
			gr = &m->g[ng];
			gr->sep = j;
			if (ng > 0) {
				while (!isdig(p[j]))
					j++;
			}
			gr->s = j;
			while (j < len && isdig(p[j]))
				j++;
			gr->e = j;
			gr->soft = 0;
			gr->skip = 0;
			if (ng > 0) {
				gr->soft = memchr(p + gr->sep, ' ',
				    gr->s - gr->sep) != NULL;
				/* "+44 7700", "0044 7700": no split
				 * after a bare country code */
				if (ng == 1 && cc_group(p + m->g[0].s,
				    m->g[0].e - m->g[0].s, plus))
					gr->soft = 0;
			}
			ng++;
			/* the run goes on over one or two separators */
			if (!(j + 1 < len && issep(p[j]) && (isdig(p[j + 1]) ||
			    (j + 2 < len && issep(p[j + 1]) &&
			    isdig(p[j + 2])))))
				break;
			/* "(0)" between the country code and the rest */
			if (ng >= 2 && gr->e - gr->s == 1 && p[gr->s] == '0' &&
			    p[gr->s - 1] == '(' && p[j] == ')') {
				gr->skip = 1;
				gr->soft = 0;
			}
		}
		/* "447700900123@s.whatsapp.net": a JID's user is always
		 * an international number, as if written with a '+'. */
		if (!plus && ng == 1 && jid_after(p, len, j))
			plus = 1;
		/* the group after a "(0)" is glued to it */
		{
			size_t k;

			for (k = 1; k < ng; k++)
				if (m->g[k - 1].skip)
					m->g[k].soft = 0;
		}
		run_match(m, rs, plus, ng);
		if (m->oom)
			return;
		i = j;
	}
}

static int
pat_at(const struct rd_pat *pt, const unsigned char *p, size_t len,
    size_t i, size_t *end)
{
	size_t k = 0, w;

	while (k < pt->len) {
		if (pt->s[k] == ' ' && pt->kind == 'n') {
			/* a blank in a name: one to four blanks */
			for (w = 0; i < len && w < 4 && blank(p[i]); w++)
				i++;
			if (w == 0)
				return 0;
			k++;
			continue;
		}
		if (i >= len || lc(p[i]) != (unsigned char)pt->s[k])
			return 0;
		i++;
		k++;
	}
	*end = i;
	return 1;
}

static void
match_pats(struct mctx *m)
{
	const struct etk_redactor *rd = m->rd;
	const unsigned char *p = m->p;
	size_t len = m->len, i, k, end;

	if (rd->npats == 0)
		return;
	for (i = 0; i < len && !m->oom; i++) {
		unsigned c = (unsigned)lc(p[i]);

		if (c == '@' && i + 1 < len) {
			unsigned c2 = (unsigned)lc(p[i + 1]);

			for (k = 0; k < rd->nfirst[c2]; k++) {
				const struct rd_pat *pt =
				    &rd->pats[rd->first[c2][k]];

				if (pt->kind == 'h' &&
				    pat_at(pt, p, len, i + 1, &end) &&
				    (end == len || !wordc(p[end])))
					hit(m, i, end, pt->rule);
			}
		}
		for (k = 0; k < rd->nfirst[c]; k++) {
			const struct rd_pat *pt = &rd->pats[rd->first[c][k]];

			if (!pat_at(pt, p, len, i, &end))
				continue;
			if (pt->kind != 'e' && ((i > 0 && wordc(p[i - 1])) ||
			    (end < len && wordc(p[end]))))
				continue;
			hit(m, i, end, pt->rule);
		}
	}
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct rd_hit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

int
rd_match(const struct etk_redactor *rd, const unsigned char *p, size_t len,
    int lo_open, int hi_open, struct rd_hit **hits, size_t *nhits)
{
	struct mctx m;
	size_t i, k, last;

	memset(&m, 0, sizeof(m));
	m.rd = rd;
	m.p = p;
	m.len = len;
	m.lo_open = lo_open;
	m.hi_open = hi_open;
	*hits = NULL;
	*nhits = 0;
	if (rd == NULL || (p == NULL && len > 0))
		return ETK_EINVAL;
	match_phones(&m);
	if (!m.oom)
		match_pats(&m);
	free(m.g);
	if (m.oom) {
		free(m.hits);
		return ETK_ENOMEM;
	}
	if (m.nhits > 1)
		qsort(m.hits, m.nhits, sizeof(*m.hits), hit_cmp);
	/* leftmost, then longest; overlapping later ones dropped */
	for (i = k = 0, last = 0; i < m.nhits; i++) {
		if (k > 0 && m.hits[i].start < last)
			continue;
		m.hits[k++] = m.hits[i];
		last = m.hits[i].end;
	}
	*hits = m.hits;
	*nhits = k;
	return ETK_OK;
}

/* ------------------------------------------------------------------ */
/* Public matching API */

int
etk_redact_text(const struct etk_redactor *rd, const char *s, size_t len,
    struct etk_buf *out, etk_redact_hit_fn fn, void *arg)
{
	struct rd_hit *h;
	size_t nh, i, at = 0;
	int rc;

	if (rd == NULL || out == NULL || (s == NULL && len > 0))
		return ETK_EINVAL;
	if (len == 0)
		return 0;
	if ((rc = rd_match(rd, (const unsigned char *)s, len, 0, 0, &h,
	    &nh)) != ETK_OK)
		return rc;
	if (nh > (size_t)INT32_MAX) {
		free(h);
		return ETK_ETIMEOUT;
	}
	for (i = 0; i < nh; i++) {
		etk_buf_add(out, s + at, h[i].start - at);
		etk_buf_adds(out, rd->rules[h[i].rule]->pub.token);
		if (fn != NULL)
			fn(arg, h[i].rule, s + h[i].start,
			    h[i].end - h[i].start);
		at = h[i].end;
	}
	etk_buf_add(out, s + at, len - at);
	free(h);
	if (out->oom)
		return ETK_ENOMEM;
	return (int)nh;
}

/* The first rule found in p[0..len) as bytes, or in the UTF-16 text
 * (little or big endian, either alignment) that it holds: runs of code
 * units that are printable ASCII, narrowed to bytes, which is how
 * Windows and Java strings and non-ASCII plist strings keep the digits
 * of a number.  -1 when none; SCAN_FAIL when out of memory. */
#define SCAN_FAIL	(-2)
/* The UTF-16 code unit at p[i] (big or little endian) when it is a
 * printable ASCII character or a tab, else -1. */
static int
u16_ascii(const unsigned char *p, size_t i, int be)
{
	unsigned lo = be ? p[i + 1] : p[i], hi = be ? p[i] : p[i + 1];

	if (hi != 0 || !(lo == '\t' || (lo >= 0x20 && lo < 0x7f)))
		return -1;
	return (int)lo;
}

static int
scan_window(const struct etk_redactor *rd, const unsigned char *p,
    size_t len, int lo_open, int hi_open)
{
	struct rd_hit *h;
	unsigned char *nb;
	size_t nh, i, k, start;
	int r = -1, be, a, c;

	if (rd_match(rd, p, len, lo_open, hi_open, &h, &nh) != ETK_OK)
		return SCAN_FAIL;
	if (nh > 0)
		r = (int)h[0].rule;
	free(h);
	if (r >= 0 || len < 6)
		return r;
	if ((nb = malloc(len / 2 + 1)) == NULL)
		return SCAN_FAIL;
	for (be = 0; be < 2 && r < 0; be++)
		for (a = 0; a < 2 && r < 0; a++) {
			i = (size_t)a;
			while (i + 1 < len && r < 0) {
				if (u16_ascii(p, i, be) < 0) {
					i += 2;
					continue;
				}
				start = i;
				for (k = 0; i + 1 < len &&
				    (c = u16_ascii(p, i, be)) >= 0; i += 2)
					nb[k++] = (unsigned char)c;
				if (k < 3)
					continue;
				if (rd_match(rd, nb, k, lo_open && start < 2,
				    hi_open && i + 2 > len, &h, &nh) !=
				    ETK_OK) {
					free(nb);
					return SCAN_FAIL;
				}
				if (nh > 0)
					r = (int)h[0].rule;
				free(h);
			}
		}
	free(nb);
	return r;
}

int
etk_redact_scan(const struct etk_redactor *rd, const void *p, size_t len)
{
	int r;

	if (rd == NULL || (p == NULL && len > 0))
		return -1;
	r = scan_window(rd, p, len, 0, 0);
	return r >= 0 ? r : -1;
}

/* Windows of a streamed file overlap by SCAN_OVERLAP bytes; a match
 * is at most RD_ID_MAX * 4 bytes (a name whose blanks stretch), twice
 * that in UTF-16, so every match lies RD_EDGE characters inside some
 * window. */
#define SCAN_CHUNK	(1024 * 1024)
#define SCAN_OVERLAP	4096

int
etk_redact_scan_file(const struct etk_redactor *rd, const char *path,
    int *rule, struct etk_error *err)
{
	unsigned char *buf;
	size_t have = 0;
	int fd, first = 1, eof = 0, rc = ETK_OK, e, r2;
	ssize_t r;

	if (rule != NULL)
		*rule = -1;
	if (rd == NULL || path == NULL || rule == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "bad arguments");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		e = errno;
		return etk_fail(err, e == ENOENT ? ETK_ENOTFOUND : ETK_EIO, e,
		    "cannot open '%s'", path);
	}
	if ((buf = malloc(SCAN_CHUNK + SCAN_OVERLAP)) == NULL) {
		close(fd);
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	}
	while (!eof) {
		while (have < SCAN_CHUNK + SCAN_OVERLAP) {
			r = read(fd, buf + have, SCAN_CHUNK + SCAN_OVERLAP -
			    have);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				e = errno;
				rc = etk_fail(err, ETK_EIO, e,
				    "cannot read '%s'", path);
				goto out;
			}
			if (r == 0) {
				eof = 1;
				break;
			}
			have += (size_t)r;
		}
		r2 = scan_window(rd, buf, have, !first, !eof);
		if (r2 == SCAN_FAIL) {
			rc = etk_fail(err, ETK_ENOMEM, 0, "out of memory");
			goto out;
		}
		if (r2 >= 0) {
			*rule = r2;
			goto out;
		}
		if (!eof) {
			memmove(buf, buf + have - SCAN_OVERLAP, SCAN_OVERLAP);
			have = SCAN_OVERLAP;
			first = 0;
		}
	}
out:
	free(buf);
	close(fd);
	return rc;
}

int
etk_redact_party_of(const struct etk_redactor *rd, const char *value)
{
	struct rd_hit *h;
	const char *s = value;
	size_t n, nh, ju;
	int r = -1;

	if (rd == NULL || value == NULL)
		return -1;
	n = strlen(value);
	trim(&s, &n);
	if (n >= 4 && strncasecmp(s, "tel:", 4) == 0) {
		s += 4;
		n -= 4;
	} else if (n >= 7 && strncasecmp(s, "mailto:", 7) == 0) {
		s += 7;
		n -= 7;
	}
	/* A JID is the number in its user part (matched with the server
	 * after it, which makes the digits international). */
	ju = jid_user(s, n);
	if (n == 0 || rd_match(rd, (const unsigned char *)s, n, 0, 0, &h,
	    &nh) != ETK_OK)
		return -1;
	if (nh == 1 && h[0].start == 0 && h[0].end == (ju ? ju : n))
		r = (int)h[0].rule;
	free(h);
	return r;
}

/* ------------------------------------------------------------------ */
/* Spellings for checkers */

struct slist {
	char **v;
	size_t n, cap;
	int oom;
};

static void
sl_add(struct slist *l, const char *fmt, ...) ETK_PRINTFLIKE(2, 3);

static void
sl_add(struct slist *l, const char *fmt, ...)
{
	char buf[RD_ID_MAX * 2];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], buf) == 0)
			return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL) {
			l->oom = 1;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	if ((l->v[l->n] = strdup(buf)) == NULL) {
		l->oom = 1;
		return;
	}
	l->n++;
}

static void
phone_spellings(struct slist *l, const struct rd_phone *ph)
{
	const char *cc = ph->cc, *x = ph->nsn;
	size_t n = strlen(x), a;
	char trunk[2];
	int t;

	t = trunk_of(cc, trunk);
	sl_add(l, "%s", x);
	if (t)
		sl_add(l, "%s%s", trunk, x);
	if (cc != NULL) {
		sl_add(l, "+%s%s", cc, x);
		sl_add(l, "%s%s", cc, x);
		sl_add(l, "00%s%s", cc, x);
	}
	if (cc != NULL && strcmp(cc, "1") == 0 && n == 10) {
		sl_add(l, "+1 (%.3s) %.3s-%s", x, x + 3, x + 6);
		sl_add(l, "(%.3s) %.3s-%s", x, x + 3, x + 6);
		sl_add(l, "%.3s-%.3s-%s", x, x + 3, x + 6);
		sl_add(l, "%.3s.%.3s.%s", x, x + 3, x + 6);
		sl_add(l, "+1 %.3s %.3s %s", x, x + 3, x + 6);
		sl_add(l, "+1-%.3s-%.3s-%s", x, x + 3, x + 6);
		sl_add(l, "1-%.3s-%.3s-%s", x, x + 3, x + 6);
		sl_add(l, "1 (%.3s) %.3s-%s", x, x + 3, x + 6);
		return;
	}
	/* An area or mobile prefix of 4 digits for 10-digit NSNs ("7700
	 * 900123"), else 3; the rest in one group or as 3 + the rest. */
	a = n >= 10 ? 4 : 3;
	if (n < a + 4)
		return;
	if (cc != NULL) {
		sl_add(l, "+%s %.*s %s", cc, (int)a, x, x + a);
		sl_add(l, "+%s %.*s %.3s %s", cc, (int)a, x, x + a, x + a + 3);
		sl_add(l, "+%s-%.*s-%.3s-%s", cc, (int)a, x, x + a, x + a + 3);
		sl_add(l, "00%s %.*s %s", cc, (int)a, x, x + a);
		sl_add(l, "00%s %.*s %.3s %s", cc, (int)a, x, x + a,
		    x + a + 3);
		if (t && trunk[0] == '0')
			sl_add(l, "+%s (0)%.*s %s", cc, (int)a, x, x + a);
	}
	if (t) {
		sl_add(l, "%s%.*s %s", trunk, (int)a, x, x + a);
		sl_add(l, "%s%.*s %.3s %s", trunk, (int)a, x, x + a, x + a + 3);
		sl_add(l, "%s%.*s-%s", trunk, (int)a, x, x + a);
		sl_add(l, "(%s%.*s) %s", trunk, (int)a, x, x + a);
		sl_add(l, "(%s%.*s) %.3s-%s", trunk, (int)a, x, x + a,
		    x + a + 3);
	}
	sl_add(l, "%.*s %s", (int)a, x, x + a);
}

int
etk_redact_spellings(const struct etk_redactor *rd, size_t rule,
    char ***list, size_t *n, struct etk_error *err)
{
	struct slist l;
	size_t i;

	if (list != NULL)
		*list = NULL;
	if (n != NULL)
		*n = 0;
	if (rd == NULL || list == NULL || n == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "bad arguments");
	if (rule >= rd->nrules || rd->rules[rule]->pub.kind !=
	    ETK_REDACT_PARTY)
		return etk_fail(err, ETK_EINVAL, 0,
		    "rule %zu is not a party rule", rule);
	memset(&l, 0, sizeof(l));
	for (i = 0; i < rd->nphones; i++)
		if (rd->phones[i].rule == rule)
			phone_spellings(&l, &rd->phones[i]);
	for (i = 0; i < rd->npats; i++) {
		const struct rd_pat *pt = &rd->pats[i];

		if (pt->rule != rule)
			continue;
		if (pt->kind == 'h') {
			sl_add(&l, "@%s", pt->orig);
			sl_add(&l, "@%s", pt->s);
		}
		sl_add(&l, "%s", pt->orig);
		sl_add(&l, "%s", pt->s);
	}
	if (l.oom) {
		etk_redact_list_free(l.v, l.n);
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	}
	*list = l.v;
	*n = l.n;
	return ETK_OK;
}

void
etk_redact_list_free(char **list, size_t n)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}
