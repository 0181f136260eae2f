/*
 * Rules files (etk-bundle(5) REDACTION RULES): UTF-8 text, one
 * directive a line, '#' comments, blank lines ignored.  Words are
 * separated by blanks; a word may hold double-quoted parts ("a b",
 * with \" and \\) so values with blanks fit in one word.
 *
 *   category TEXT | basis TEXT | decided-by TEXT | approved-by TEXT
 *       the basis of the rules after it (TEXT: the rest of the line)
 *   party ID                      [overrides]
 *   alias P<n> phone|email|handle|name VALUE
 *   field TABLE.FIELD             [overrides]
 *   time FROM TO                  [overrides]
 *   region PICTURE X Y W H        [overrides]
 *
 * overrides: category=.. basis=.. decided-by=.. approved-by=.. for
 * that rule alone.  Every error names FILE:LINE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "redact/redact_int.h"

#define MAX_WORDS	16

struct basis_set {
	char category[RD_ID_MAX + 1];
	char basis[RD_ID_MAX + 1];
	char decided_by[RD_ID_MAX + 1];
	char approved_by[RD_ID_MAX + 1];
	int has_category, has_basis, has_decided, has_approved;
};

/* The words of line[0..n) into w[] (each NUL-terminated in store).
 * Returns the number of words, or -1 with *why set. */
static int
split(const char *line, size_t n, char *store, char **w, const char **why)
{
	size_t i = 0;
	char *o = store;
	int nw = 0, inq;

	for (;;) {
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= n || line[i] == '#')
			return nw;
		if (nw == MAX_WORDS) {
			*why = "too many words";
			return -1;
		}
		w[nw++] = o;
		inq = 0;
		while (i < n && (inq || (line[i] != ' ' && line[i] != '\t'))) {
			char c = line[i++];

			if (c == '"') {
				inq = !inq;
				continue;
			}
			if (inq && c == '\\') {
				if (i >= n || (line[i] != '"' &&
				    line[i] != '\\')) {
					*why = "bad escape in a quoted word "
					    "(only \\\" and \\\\)";
					return -1;
				}
				c = line[i++];
			}
			*o++ = c;
		}
		if (inq) {
			*why = "unterminated quote";
			return -1;
		}
		*o++ = '\0';
	}
}

/* Valid UTF-8 without NUL or control characters other than tab. */
static const char *
utf8_bad(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	uint32_t cp;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			if ((c < ' ' && c != '\t') || c == 0x7f)
				return "control character";
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else
			return "invalid UTF-8";
		if (n - i <= need)
			return "invalid UTF-8";
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return "invalid UTF-8";
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 &&
		    cp <= 0xdfff))) || (need == 3 && (cp < 0x10000 ||
		    cp > 0x10ffff)))
			return "invalid UTF-8";
		i += need + 1;
	}
	return NULL;
}

static int
parse_u32(const char *s, uint32_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (s[0] == '\0' || strlen(s) > 10)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* Set one basis value; 0, or -1 when too long. */
static int
set_basis(struct basis_set *b, const char *key, const char *val)
{
	char *dst;
	int *has;

	if (strlen(val) > RD_ID_MAX)
		return -1;
	if (strcmp(key, "category") == 0) {
		dst = b->category;
		has = &b->has_category;
	} else if (strcmp(key, "basis") == 0) {
		dst = b->basis;
		has = &b->has_basis;
	} else if (strcmp(key, "decided-by") == 0) {
		dst = b->decided_by;
		has = &b->has_decided;
	} else {
		dst = b->approved_by;
		has = &b->has_approved;
	}
	snprintf(dst, RD_ID_MAX + 1, "%s", val);
	/* An empty value clears it (back to "unspecified", or none). */
	*has = val[0] != '\0';
	return 0;
}

static int
basis_key(const char *w)
{
	return strcmp(w, "category") == 0 || strcmp(w, "basis") == 0 ||
	    strcmp(w, "decided-by") == 0 || strcmp(w, "approved-by") == 0;
}

static int
line_fail(struct etk_error *err, int code, const char *name, size_t line,
    const char *what)
{
	return etk_fail(err, code, 0, "%s:%zu: %s", name, line, what);
}

/* One directive.  w[0..nw) with nw >= 1. */
static int
directive(struct etk_redactor *rd, struct basis_set *cur, char **w,
    int nw, const char *name, size_t line, struct etk_error *err)
{
	struct etk_redact_basis eb;
	struct basis_set b;
	struct etk_error e2;
	char msg[ETK_ERRMSG_MAX + 64];
	uint32_t v[4];
	int nargs, i, rc;
	size_t k;

	if (basis_key(w[0])) {
		char val[RD_ID_MAX + 1];
		size_t at = 0, wl;

		/* TEXT is the rest of the line, words joined by one blank */
		val[0] = '\0';
		for (i = 1; i < nw; i++) {
			wl = strlen(w[i]);
			if (at + wl + 2 > sizeof(val))
				return line_fail(err, ETK_EINVAL, name, line,
				    "value longer than 256 bytes");
			if (i > 1)
				val[at++] = ' ';
			memcpy(val + at, w[i], wl + 1);
			at += wl;
		}
		if (nw < 2 && strcmp(w[0], "approved-by") != 0)
			return line_fail(err, ETK_EINVAL, name, line,
			    "missing value");
		(void)set_basis(cur, w[0], val);
		return ETK_OK;
	}

	if (strcmp(w[0], "party") == 0)
		nargs = 1;
	else if (strcmp(w[0], "alias") == 0)
		nargs = 3;
	else if (strcmp(w[0], "field") == 0)
		nargs = 1;
	else if (strcmp(w[0], "time") == 0)
		nargs = 2;
	else if (strcmp(w[0], "region") == 0)
		nargs = 5;
	else {
		snprintf(msg, sizeof(msg), "unknown directive '%.64s'", w[0]);
		return line_fail(err, ETK_EINVAL, name, line, msg);
	}
	if (nw < 1 + nargs) {
		snprintf(msg, sizeof(msg), "%s: expected %d argument%s", w[0],
		    nargs, nargs > 1 ? "s" : "");
		return line_fail(err, ETK_EINVAL, name, line, msg);
	}
	/* Inline overrides after the arguments (not for aliases). */
	b = *cur;
	for (i = 1 + nargs; i < nw; i++) {
		char *eq = strchr(w[i], '=');

		if (strcmp(w[0], "alias") == 0 || eq == NULL) {
			snprintf(msg, sizeof(msg), "%s: unexpected word "
			    "'%.64s'", w[0], w[i]);
			return line_fail(err, ETK_EINVAL, name, line, msg);
		}
		*eq = '\0';
		if (!basis_key(w[i])) {
			snprintf(msg, sizeof(msg), "%s: unknown override "
			    "'%.64s' (category, basis, decided-by, "
			    "approved-by)", w[0], w[i]);
			return line_fail(err, ETK_EINVAL, name, line, msg);
		}
		if (set_basis(&b, w[i], eq + 1) != 0)
			return line_fail(err, ETK_EINVAL, name, line,
			    "value longer than 256 bytes");
	}
	eb.category = b.has_category ? b.category : NULL;
	eb.basis = b.has_basis ? b.basis : NULL;
	eb.decided_by = b.has_decided ? b.decided_by : NULL;
	eb.approved_by = b.has_approved ? b.approved_by : NULL;

	memset(&e2, 0, sizeof(e2));
	if (strcmp(w[0], "party") == 0)
		rc = etk_redactor_add_party(rd, w[1], &eb, &e2);
	else if (strcmp(w[0], "field") == 0)
		rc = etk_redactor_add_field(rd, w[1], &eb, &e2);
	else if (strcmp(w[0], "time") == 0)
		rc = etk_redactor_add_time(rd, w[1], w[2], &eb, &e2);
	else if (strcmp(w[0], "region") == 0) {
		for (i = 0; i < 4; i++)
			if (parse_u32(w[2 + i], &v[i]) != 0) {
				snprintf(msg, sizeof(msg), "region: bad "
				    "number '%.32s'", w[2 + i]);
				return line_fail(err, ETK_EINVAL, name, line,
				    msg);
			}
		rc = etk_redactor_add_region(rd, w[1], v[0], v[1], v[2], v[3],
		    &eb, &e2);
	} else {
		static const char *const kinds[] = { "phone", "email",
		    "handle", "name" };
		static const char kc[] = "pehn";
		size_t nth = 0, p;
		uint32_t pn;

		if (w[1][0] != 'P' || parse_u32(w[1] + 1, &pn) != 0 ||
		    pn == 0) {
			snprintf(msg, sizeof(msg), "alias: expected P<n> (the "
			    "party rule's token), not '%.32s'", w[1]);
			return line_fail(err, ETK_EINVAL, name, line, msg);
		}
		for (k = 0; k < 4; k++)
			if (strcmp(w[2], kinds[k]) == 0)
				break;
		if (k == 4) {
			snprintf(msg, sizeof(msg), "alias: kind must be "
			    "phone, email, handle or name, not '%.32s'", w[2]);
			return line_fail(err, ETK_EINVAL, name, line, msg);
		}
		for (p = 0; p < etk_redactor_count(rd); p++)
			if (etk_redactor_rule(rd, p)->kind ==
			    ETK_REDACT_PARTY && ++nth == pn)
				break;
		if (p == etk_redactor_count(rd)) {
			snprintf(msg, sizeof(msg), "alias: no party rule "
			    "P%u before this line", (unsigned)pn);
			return line_fail(err, ETK_EINVAL, name, line, msg);
		}
		rc = etk_redactor_add_alias(rd, p, kc[k], w[3], &e2);
	}
	if (rc != ETK_OK)
		return etk_fail(err, rc, e2.sys_errno, "%s:%zu: %s", name,
		    line, e2.msg);
	return ETK_OK;
}

int
rd_load_buffer(struct etk_redactor *rd, const char *name, const char *buf,
    size_t len, struct etk_error *err)
{
	struct basis_set cur;
	char *store = NULL, *w[MAX_WORDS];
	const char *why;
	size_t at = 0, line = 0, n;
	int nw, rc = ETK_OK;

	if (rd == NULL || name == NULL || (buf == NULL && len > 0))
		return etk_fail(err, ETK_EINVAL, 0, "bad arguments");
	if (len > RD_FILE_MAX)
		return etk_fail(err, ETK_ETIMEOUT, 0,
		    "%s: larger than %d bytes", name, RD_FILE_MAX);
	/* One line's words never need more than the line plus a NUL
	 * per word. */
	if ((store = malloc(len + MAX_WORDS + 1)) == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	memset(&cur, 0, sizeof(cur));
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		at = 3;	/* a byte-order mark some editors write */
	while (at < len) {
		const char *nl = memchr(buf + at, '\n', len - at);

		line++;
		n = nl ? (size_t)(nl - (buf + at)) : len - at;
		if (n > 0 && buf[at + n - 1] == '\r')
			n--;
		if ((why = utf8_bad((const unsigned char *)buf + at, n)) !=
		    NULL) {
			rc = line_fail(err, ETK_EINVAL, name, line, why);
			break;
		}
		if ((nw = split(buf + at, n, store, w, &why)) < 0) {
			rc = line_fail(err, ETK_EINVAL, name, line, why);
			break;
		}
		if (nw > 0 && (rc = directive(rd, &cur, w, nw, name, line,
		    err)) != ETK_OK)
			break;
		at = nl ? (size_t)(nl - buf) + 1 : len;
	}
	free(store);
	return rc;
}

int
etk_redactor_load(struct etk_redactor *rd, const char *path,
    struct etk_error *err)
{
	struct stat st;
	char *buf;
	size_t have = 0;
	ssize_t r;
	int fd, e, rc;

	if (rd == NULL || path == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "bad arguments");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		e = errno;
		return etk_fail(err, e == ENOENT ? ETK_ENOTFOUND : ETK_EIO, e,
		    "cannot open '%s'", path);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return etk_fail(err, ETK_EINVAL, 0,
		    "'%s' is not a regular file", path);
	}
	if ((buf = malloc(RD_FILE_MAX + 1)) == NULL) {
		close(fd);
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	}
	for (;;) {
		r = read(fd, buf + have, RD_FILE_MAX + 1 - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			free(buf);
			close(fd);
			return etk_fail(err, ETK_EIO, e, "cannot read '%s'",
			    path);
		}
		if (r == 0 || (have += (size_t)r) > RD_FILE_MAX)
			break;
	}
	close(fd);
	rc = rd_load_buffer(rd, path, buf, have, err);
	free(buf);
	return rc;
}
