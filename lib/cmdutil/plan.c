/*
 * Shard plans (SCALE.md §4.1).  A plan is a pure function of the tool,
 * its options, the number of shards and the sources' identities (name,
 * size, SHA-256 of the first and last MiB): every worker computes the
 * same plan id from its own command line, and refuses a plan file or
 * done-record of another plan.  The shards' bounds (files of a walk for
 * etk hash, bytes for etk carve) follow from the same inputs, so a plan
 * file only saves the workers from computing them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"

int
etk_cmd_plan_init(struct etk_cmd_plan *p, const char *tool, uint64_t n,
    const char *options_json, char *const *sources, size_t nsrc,
    char *why, size_t whylen)
{
	struct etk_json j;
	struct etk_buf doc;
	size_t i;

	memset(p, 0, sizeof(*p));
	etk_buf_init(&p->canon);
	p->tool = tool;
	p->n = n;
	if (n == 0 || n > 1000000) {
		snprintf(why, whylen, "bad number of shards %" PRIu64, n);
		return -1;
	}
	etk_json_init(&j, &p->canon);
	etk_json_kstr(&j, "format", "etk-plan/1");
	etk_json_kstr(&j, "tool", tool);
	etk_json_kuint(&j, "n", n);
	etk_json_key(&j, "options");
	etk_json_raw(&j, options_json != NULL ? options_json : "{}");
	etk_json_key(&j, "sources");
	etk_json_arr_begin(&j);
	for (i = 0; i < nsrc; i++)
		if (etk_cmd_source_identity(sources[i], &j) != 0) {
			snprintf(why, whylen, "cannot read '%s': %s",
			    sources[i], strerror(errno));
			etk_cmd_plan_free(p);
			return -1;
		}
	etk_json_arr_end(&j);
	/* The members were written at the top level: the canonical text
	 * is them between braces. */
	etk_buf_init(&doc);
	etk_buf_addc(&doc, '{');
	etk_buf_add(&doc, p->canon.data, p->canon.len);
	etk_buf_addc(&doc, '}');
	if (p->canon.oom || doc.oom ||
	    (p->first = calloc((size_t)n, sizeof(*p->first))) == NULL ||
	    (p->end = calloc((size_t)n, sizeof(*p->end))) == NULL ||
	    (p->bytes = calloc((size_t)n, sizeof(*p->bytes))) == NULL) {
		etk_buf_release(&doc);
		etk_cmd_plan_free(p);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	etk_cmd_plan_id(doc.data, doc.len, p->id);
	etk_buf_release(&doc);
	return 0;
}

void
etk_cmd_plan_free(struct etk_cmd_plan *p)
{
	etk_buf_release(&p->canon);
	free(p->first);
	free(p->end);
	free(p->bytes);
	p->first = p->end = p->bytes = NULL;
}

int
etk_cmd_plan_print(const struct etk_cmd_plan *p, const char *unit, FILE *fp)
{
	struct etk_json j;
	struct etk_buf b;
	uint64_t k;
	int rc;

	etk_buf_init(&b);
	etk_json_init(&j, &b);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "plan_id", p->id);
	etk_buf_addc(&b, ',');	/* then the canonical members */
	etk_buf_add(&b, p->canon.data, p->canon.len);
	etk_json_kstr(&j, "unit", unit);
	etk_json_key(&j, "shards");
	etk_json_arr_begin(&j);
	for (k = 0; k < p->n; k++) {
		etk_json_obj_begin(&j);
		etk_json_kuint(&j, "k", k);
		etk_json_kuint(&j, "first", p->first[k]);
		etk_json_kuint(&j, "end", p->end[k]);
		etk_json_kuint(&j, "bytes", p->bytes[k]);
		etk_json_obj_end(&j);
	}
	etk_json_arr_end(&j);
	etk_json_obj_end(&j);
	etk_buf_addc(&b, '\n');
	rc = b.oom || fwrite(b.data, 1, b.len, fp) != b.len ? -1 : 0;
	etk_buf_release(&b);
	return rc;
}

static int
get_u64(const struct etk_jval *o, const char *key, uint64_t *v)
{
	const struct etk_jval *x = etk_jval_get(o, key);

	if (x == NULL || x->type != ETK_JNUM || !x->is_int || x->inum < 0)
		return -1;
	*v = (uint64_t)x->inum;
	return 0;
}

int
etk_cmd_plan_read(struct etk_cmd_plan *p, const char *file, char *why,
    size_t whylen)
{
	const struct etk_jval *id, *sh, *s;
	struct etk_jval *doc = NULL;
	struct etk_error err = { 0 };
	struct etk_buf b;
	uint64_t k, kk;
	int rc = -1;

	etk_buf_init(&b);
	if (etk_cmd_read_small(file, 64u << 20, &b) != 0) {
		snprintf(why, whylen, "cannot read plan '%s': %s", file,
		    strerror(errno));
		goto out;
	}
	if (etk_json_parse(b.data, b.len, &doc, &err) != ETK_OK) {
		snprintf(why, whylen, "plan '%s' is not JSON: %s", file,
		    err.msg);
		goto out;
	}
	if ((id = etk_jval_get(doc, "plan_id")) == NULL ||
	    id->type != ETK_JSTR) {
		snprintf(why, whylen, "plan '%s' has no plan_id", file);
		goto out;
	}
	if (strcmp(id->str, p->id) != 0) {
		snprintf(why, whylen, "plan '%s' (%.12s...) is not the plan of "
		    "these sources and options (%.12s...)", file, id->str,
		    p->id);
		goto out;
	}
	if ((sh = etk_jval_get(doc, "shards")) == NULL ||
	    sh->type != ETK_JARR || sh->n != p->n) {
		snprintf(why, whylen, "plan '%s': shards[] is not %" PRIu64
		    " shards", file, p->n);
		goto out;
	}
	for (k = 0; k < p->n; k++) {
		s = sh->items[k];
		if (get_u64(s, "k", &kk) != 0 || kk != k ||
		    get_u64(s, "first", &p->first[k]) != 0 ||
		    get_u64(s, "end", &p->end[k]) != 0 ||
		    get_u64(s, "bytes", &p->bytes[k]) != 0 ||
		    p->end[k] < p->first[k]) {
			snprintf(why, whylen, "plan '%s': shard %" PRIu64
			    " is not {k, first, end, bytes}", file, k);
			goto out;
		}
	}
	rc = 0;
out:
	etk_jval_free(doc);
	etk_buf_release(&b);
	return rc;
}

int
etk_cmd_plan_open(struct etk_cmd_plan *sp, const char *tool, uint64_t n,
    const struct etk_buf *options, char *const *sources, size_t nsrc,
    const char *plan_path, int *from_file)
{
	char why[512];

	*from_file = 0;
	if (options->oom || etk_cmd_plan_init(sp, tool, n, options->data,
	    sources, nsrc, why, sizeof(why)) != 0) {
		etk_warnx("%s", options->oom ? "out of memory" : why);
		return ETK_EXIT_FAILURE;
	}
	if (plan_path == NULL)
		return ETK_EXIT_OK;
	if (etk_cmd_plan_read(sp, plan_path, why, sizeof(why)) != 0) {
		etk_warnx("%s", why);
		etk_cmd_plan_free(sp);
		return ETK_EXIT_USAGE;
	}
	*from_file = 1;
	return ETK_EXIT_OK;
}
