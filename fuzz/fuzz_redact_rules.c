/*
 * Fuzz target: the redaction rules reader (lib/redact/rules.c) and the
 * matcher behind it (lib/redact/match.c).
 *
 * The input is read as a rules file.  Loading must succeed or fail
 * with an error naming the file and line, never crash or hang.  Then
 * the input is redacted with whatever rules were loaded: the result
 * must be the input with each reported span replaced by its rule's
 * token, the scanner must agree that something is there, and every
 * spelling the redactor lists for a party (what a checker greps for)
 * must itself be found by the scanner.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <etk/core.h>
#include <etk/redact.h>

#include "redact/redact_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct acc {
	size_t n, removed, added;
	const struct etk_redactor *rd;
};

static void
on_hit(void *arg, size_t rule, const char *orig, size_t len)
{
	struct acc *a = arg;
	const struct etk_redact_rule *r = etk_redactor_rule(a->rd, rule);

	if (r == NULL || r->kind != ETK_REDACT_PARTY || orig == NULL ||
	    len == 0)
		abort();
	a->n++;
	a->removed += len;
	a->added += strlen(r->token);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct etk_redactor *rd = NULL;
	struct etk_error err;
	struct etk_buf out;
	struct acc a;
	size_t i, k, n;
	char **l;
	int rc;

	memset(&err, 0, sizeof(err));
	if (etk_redactor_new(&rd, size > 0 && data[0] & 1 ? "GB" : NULL,
	    &err) != ETK_OK)
		abort();
	rc = rd_load_buffer(rd, "fuzz", (const char *)data, size, &err);
	if (rc > 0)
		abort();
	if (rc < 0 && rc != ETK_ENOMEM && strncmp(err.msg, "fuzz:", 5) != 0)
		abort();
	for (i = 0; i < etk_redactor_count(rd); i++) {
		const struct etk_redact_rule *r = etk_redactor_rule(rd, i);

		if (r == NULL || r->index != i || r->token == NULL ||
		    strncmp(r->token, "[REDACTED-", 10) != 0 ||
		    r->basis.category == NULL || r->basis.basis == NULL ||
		    r->basis.decided_by == NULL)
			abort();
		if (r->kind != ETK_REDACT_PARTY)
			continue;
		if (etk_redact_spellings(rd, i, &l, &n, &err) != ETK_OK)
			abort();
		for (k = 0; k < n; k++)
			if (etk_redact_scan(rd, l[k], strlen(l[k])) < 0)
				abort();
		etk_redact_list_free(l, n);
	}
	memset(&a, 0, sizeof(a));
	a.rd = rd;
	etk_buf_init(&out);
	rc = etk_redact_text(rd, (const char *)data, size, &out, on_hit, &a);
	if (rc < 0 && rc != ETK_ENOMEM)
		abort();
	if (rc >= 0 && ((size_t)rc != a.n ||
	    out.len != size - a.removed + a.added))
		abort();
	if (rc == 0 && (out.len != size || memcmp(out.data, data, size) != 0))
		abort();
	/* the scanner also reads UTF-16 (which needs NUL bytes) */
	if (rc == 0 && memchr(data, 0, size) == NULL &&
	    etk_redact_scan(rd, data, size) != -1)
		abort();
	if (rc > 0 && etk_redact_scan(rd, data, size) < 0)
		abort();
	etk_buf_release(&out);
	etk_redactor_free(rd);
	return 0;
}
