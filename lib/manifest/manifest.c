/*
 * The chain-of-custody manifest of a case: public entry points.  The
 * case is loaded once (model.c), then written by the emitter of the
 * format asked for.  Nothing in the case is changed: the journal is
 * read (after etk_journal_verify), the database opened read-only.
 */
#include <stdlib.h>
#include <string.h>

#include "manifest/manifest_int.h"

int
etk_manifest_format_parse(const char *name, enum etk_manifest_format *fmt,
    struct etk_error *err)
{
	static const struct {
		const char *name;
		enum etk_manifest_format fmt;
	} names[] = {
		{ "json", ETK_MANIFEST_JSON },
		{ "case", ETK_MANIFEST_CASE },
		{ "dfxml", ETK_MANIFEST_DFXML },
		{ "html", ETK_MANIFEST_HTML },
	};
	size_t i;

	for (i = 0; name != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			if (fmt != NULL)
				*fmt = names[i].fmt;
			return ETK_OK;
		}
	}
	return etk_fail(err, ETK_EINVAL, 0, "unknown manifest format '%s' "
	    "(json, case, dfxml, html)", name != NULL ? name : "(null)");
}

int
etk_manifest_build(const char *casedir, enum etk_manifest_format fmt,
    const struct etk_manifest_opts *opts, struct etk_buf *out,
    struct etk_error *err)
{
	struct mf_case c;
	struct etk_buf b;
	uint64_t upto = opts != NULL ? opts->upto : 0;
	int rc;

	if (casedir == NULL || out == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "manifest: no case or "
		    "output buffer");
	if (fmt != ETK_MANIFEST_JSON && fmt != ETK_MANIFEST_CASE &&
	    fmt != ETK_MANIFEST_DFXML && fmt != ETK_MANIFEST_HTML)
		return etk_fail(err, ETK_EINVAL, 0, "manifest: bad format %d",
		    (int)fmt);
	if ((rc = mf_load(&c, casedir, upto, 1, err)) != ETK_OK ||
	    (fmt != ETK_MANIFEST_DFXML && opts != NULL &&
	    opts->exhibit != NULL &&
	    (rc = mf_only(&c, opts->exhibit, err)) != ETK_OK)) {
		mf_free(&c);
		return rc;
	}
	/* Built apart and appended whole: a failure leaves out as it was. */
	etk_buf_init(&b);
	switch (fmt) {
	case ETK_MANIFEST_JSON:
		rc = mf_emit_json(&c, &b, err);
		break;
	case ETK_MANIFEST_CASE:
		rc = mf_emit_case(&c, &b, err);
		break;
	case ETK_MANIFEST_DFXML:
		rc = mf_emit_dfxml(&c, opts != NULL ? opts->exhibit : NULL,
		    &b, err);
		break;
	case ETK_MANIFEST_HTML:
		rc = mf_emit_html(&c, &b, err);
		break;
	}
	mf_free(&c);
	if (rc == ETK_OK && b.oom)
		rc = etk_fail(err, ETK_ENOMEM, 0, "manifest: out of memory");
	if (rc == ETK_OK) {
		etk_buf_add(out, b.data, b.len);
		if (out->oom)
			rc = etk_fail(err, ETK_ENOMEM, 0,
			    "manifest: out of memory");
	}
	etk_buf_release(&b);
	return rc;
}

int
etk_manifest_exhibits(const char *casedir, uint64_t upto, char ***names,
    size_t *n, struct etk_error *err)
{
	struct mf_case c;
	size_t i;
	int rc;

	if (names == NULL || n == NULL || casedir == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "manifest: bad arguments");
	*names = NULL;
	*n = 0;
	if ((rc = mf_load(&c, casedir, upto, 1, err)) != ETK_OK) {
		mf_free(&c);
		return rc;
	}
	/* mf_load sorted them (C byte order) and merged duplicates */
	if (c.nex > 0 && (*names = calloc(c.nex, sizeof(char *))) == NULL) {
		mf_free(&c);
		return etk_fail(err, ETK_ENOMEM, 0, "manifest: out of memory");
	}
	for (i = 0; i < c.nex; i++) {
		(*names)[i] = c.ex[i].name;
		c.ex[i].name = NULL;	/* now the caller's */
	}
	*n = c.nex;
	mf_free(&c);
	return ETK_OK;
}

void
etk_manifest_names_free(char **names, size_t n)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
