/*
 * Phone numbers toward E.164, so that "07700 900123" in a contact,
 * "+44 (0)7700-900123" in a message and "447700900123@s.whatsapp.net"
 * in WhatsApp become one POLE telephone object.
 *
 * Deliberately conservative: a number is only given a country when the
 * spelling says so (+, 00, 011 in NANP, a WhatsApp JID) or when it is
 * a national number with a trunk prefix and the examiner named the
 * country (default_cc).  Anything else is returned as a cleaned copy
 * with 0, because a wrongly invented country code would merge two
 * different people, which is worse than failing to merge one.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "extract/ex_int.h"

/* E.164: at most 15 digits after the '+'.  The shortest real numbers
 * (small island states) have 7. */
#define E164_MIN	7
#define E164_MAX	15
/* A national number after its trunk 0, shorter than this, is a service
 * or short code rather than a subscriber. */
#define NSN_MIN		6
/* Longest input we look at; longer is not a phone number. */
#define RAW_MAX		256

static int
has_prefix_ci(const char *s, const char *p)
{
	return strncasecmp(s, p, strlen(p)) == 0;
}

/* Copy at most outsz-1 bytes of s[0..n) into out, NUL-terminated. */
static void
put_out(char *out, size_t outsz, const char *s, size_t n, int lower)
{
	size_t i;

	if (outsz == 0)
		return;
	if (n > outsz - 1)
		n = outsz - 1;
	for (i = 0; i < n; i++)
		out[i] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
	out[n] = '\0';
}

/* s[0..n) without leading and trailing blanks (ASCII and U+00A0). */
static void
trim(const char **s, size_t *n)
{
	for (;;) {
		if (*n > 0 && isspace((unsigned char)**s)) {
			(*s)++;
			(*n)--;
		} else if (*n > 1 && (unsigned char)(*s)[0] == 0xc2 &&
		    (unsigned char)(*s)[1] == 0xa0) {
			*s += 2;
			*n -= 2;
		} else
			break;
	}
	for (;;) {
		if (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
			(*n)--;
		else if (*n > 1 && (unsigned char)(*s)[*n - 2] == 0xc2 &&
		    (unsigned char)(*s)[*n - 1] == 0xa0)
			*n -= 2;
		else
			break;
	}
}

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* "+" and digits into out; 1 when they fit and form an E.164 number. */
static int
put_e164(char *out, size_t outsz, const char *cc, const char *d, size_t n)
{
	size_t ncc = cc ? strlen(cc) : 0;

	if (n + ncc < E164_MIN || n + ncc > E164_MAX)
		return 0;
	/* A country code never starts with 0. */
	if ((ncc ? cc[0] : d[0]) == '0')
		return 0;
	if (outsz < 1 + ncc + n + 1)
		return 0;
	out[0] = '+';
	if (ncc > 0)
		memcpy(out + 1, cc, ncc);
	memcpy(out + 1 + ncc, d, n);
	out[1 + ncc + n] = '\0';
	return 1;
}

/* A WhatsApp-style JID "user@server".  1 with out in E.164 for a
 * person's number; 0 for groups, broadcast lists, LIDs and anything
 * else (out holds the lower-cased JID). */
static int
norm_jid(const char *s, size_t n, const char *at, char *out, size_t outsz)
{
	const char *server = at + 1;
	size_t nuser = (size_t)(at - s), nserver = n - nuser - 1;
	size_t i;

	/* "447700900123:12@s.whatsapp.net": a device suffix. */
	for (i = 0; i < nuser; i++)
		if (s[i] == ':')
			break;
	if ((nserver == 14 && has_prefix_ci(server, "s.whatsapp.net")) ||
	    (nserver == 4 && has_prefix_ci(server, "c.us"))) {
		if (all_digits(s, i) && put_e164(out, outsz, NULL, s, i))
			return 1;
	}
	put_out(out, outsz, s, n, 1);
	return 0;
}

static int
is_jid_server(const char *server, size_t n)
{
	static const char *const servers[] = { "s.whatsapp.net", "c.us",
	    "g.us", "broadcast", "lid", "newsletter", "call" };
	size_t i;

	for (i = 0; i < sizeof(servers) / sizeof(servers[0]); i++)
		if (strlen(servers[i]) == n &&
		    strncasecmp(server, servers[i], n) == 0)
			return 1;
	return 0;
}

int
ex_phone_norm(const char *raw, const char *default_cc, char *out,
    size_t outsz)
{
	char dig[RAW_MAX];
	const char *s, *at, *cc;
	size_t n, i, nd = 0;
	int intl = 0, paren = 0;

	if (outsz > 0)
		out[0] = '\0';
	if (raw == NULL)
		return 0;
	n = strnlen(raw, RAW_MAX + 1);
	s = raw;
	trim(&s, &n);
	if (n == 0 || n > RAW_MAX) {
		put_out(out, outsz, s, n, 0);
		return 0;
	}
	/* Only a country code of 1 to 3 digits is used; anything else is
	 * a caller's mistake and treated as "unknown country". */
	cc = default_cc;
	if (cc != NULL && (!all_digits(cc, strlen(cc)) || strlen(cc) > 3 ||
	    cc[0] == '0'))
		cc = NULL;

	/* URIs: tel:, sms:, smsto:, mailto:.  Parameters (";ext=",
	 * "?body=") are not part of the number. */
	if (has_prefix_ci(s, "tel:") || has_prefix_ci(s, "sms:") ||
	    has_prefix_ci(s, "mms:")) {
		s += 4;
		n -= 4;
	} else if (has_prefix_ci(s, "smsto:") || has_prefix_ci(s, "mmsto:")) {
		s += 6;
		n -= 6;
	} else if (has_prefix_ci(s, "mailto:")) {
		s += 7;
		n -= 7;
	}
	if ((at = memchr(s, '@', n)) == NULL) {
		for (i = 0; i < n; i++)
			if (s[i] == ';' || s[i] == '?')
				break;
		n = i;
	}
	trim(&s, &n);
	if (n == 0) {
		put_out(out, outsz, s, n, 0);
		return 0;
	}
	if (at != NULL) {
		if (is_jid_server(at + 1, n - (size_t)(at - s) - 1))
			return norm_jid(s, n, at, out, outsz);
		/* An e-mail address (or another handle with an '@'). */
		put_out(out, outsz, s, n, 1);
		return 0;
	}

	/* Digits and the separators people write between them. */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= '0' && c <= '9') {
			dig[nd++] = (char)c;
		} else if (c == '+' && nd == 0 && !intl) {
			/* Also "(+44) 7700 ...". */
			intl = 1;
		} else if (c == '(' && i + 2 < n && s[i + 1] == '0' &&
		    s[i + 2] == ')' && (intl || nd >= 2)) {
			/* "+44 (0)20 ...": the trunk 0 a national caller
			 * dials, not part of the international number. */
			i += 2;
		} else if (c == '(' && !paren) {
			paren = 1;
		} else if (c == ')' && paren) {
			paren = 0;
		} else if (c == ' ' || c == '-' || c == '.' || c == '/' ||
		    c == '\t') {
			continue;
		} else if (c == 0xc2 && i + 1 < n &&
		    (unsigned char)s[i + 1] == 0xa0) {
			i++;
		} else {
			/* A letter, '*', '#', ...: an alphanumeric sender
			 * or a service code, not a number. */
			put_out(out, outsz, s, n, 0);
			return 0;
		}
	}
	if (paren || nd == 0) {
		put_out(out, outsz, s, n, 0);
		return 0;
	}
	if (intl) {
		if (put_e164(out, outsz, NULL, dig, nd))
			return 1;
		put_out(out, outsz, s, n, 0);
		return 0;
	}
	/* International call prefixes: 00 (most of the world) and 011
	 * (NANP only: elsewhere 011x is an ordinary area code, Leeds is
	 * 0113). */
	if (nd > 2 && dig[0] == '0' && dig[1] == '0') {
		if (put_e164(out, outsz, NULL, dig + 2, nd - 2))
			return 1;
		put_out(out, outsz, s, n, 0);
		return 0;
	}
	if (cc != NULL && strcmp(cc, "1") == 0 && nd > 3 &&
	    memcmp(dig, "011", 3) == 0) {
		if (put_e164(out, outsz, NULL, dig + 3, nd - 3))
			return 1;
		put_out(out, outsz, s, n, 0);
		return 0;
	}
	if (cc != NULL && strcmp(cc, "1") == 0) {
		/* NANP: ten digits, or eleven with the leading 1. */
		if (nd == 10 && dig[0] >= '2')
			return put_e164(out, outsz, cc, dig, nd) ? 1 :
			    (put_out(out, outsz, dig, nd, 0), 0);
		if (nd == 11 && dig[0] == '1' && dig[1] >= '2')
			return put_e164(out, outsz, NULL, dig, nd) ? 1 :
			    (put_out(out, outsz, dig, nd, 0), 0);
	} else if (cc != NULL && nd >= 1 + NSN_MIN && dig[0] == '0' &&
	    dig[1] != '0') {
		/* A national number with its trunk 0.  Italy (and San
		 * Marino, the Vatican) keep the 0 in international form. */
		int keep0 = strcmp(cc, "39") == 0 || strcmp(cc, "378") == 0;

		if (put_e164(out, outsz, cc, keep0 ? dig : dig + 1,
		    keep0 ? nd : nd - 1))
			return 1;
	} else if (cc != NULL && nd > strlen(cc) + NSN_MIN + 2 &&
	    nd <= E164_MAX && strncmp(dig, cc, strlen(cc)) == 0 &&
	    dig[0] != '0') {
		/* An international number stored without its '+'
		 * ("447700900123"), as several apps keep them: long
		 * enough that it cannot be a national number. */
		if (put_e164(out, outsz, NULL, dig, nd))
			return 1;
	}
	/* National (no country given), short code, or a service
	 * number: the digits alone, so equal spellings still match. */
	put_out(out, outsz, dig, nd, 0);
	return 0;
}
