/*
 * JSON Lines output: one object per file, the DESIGN.md §5 file record
 * (field names and order as etk-ls writes them for the shared fields):
 *
 *   {"record":"file","locator":..,"source":..,"volume":N|null,
 *    "inode":N|null,"path":..,"name":..,"size":N,"allocated":bool,
 *    "deleted":bool,"type":MIME|null,"ext_mismatch":bool,
 *    "mtime":T|null,"atime":T|null,"ctime":T|null,"crtime":T|null,
 *    ["md5":..,]["sha1":..,]["sha256":..,]["ssdeep":..,]
 *    ["known":[..],]["alert":[..],]["attr":"TYPE-ID",]["parent":..,]
 *    ["status":"error"|"unsupported"|"timeout","reason":..,]
 *    ["byte_runs":[{"offset":N,"len":N,"file_offset":N},..]]}
 *
 * Times are RFC 3339 UTC, null when unknown.  A digest appears only when
 * it was computed for this file; known/alert only when non-empty;
 * status/reason only when the file was not (fully) hashed; byte_runs
 * only when runs were given (offsets in the top-level source).
 */
#include "output/output_int.h"

#include <inttypes.h>
#include <stdio.h>

#include <etk/json.h>

static void
json_time(struct etk_json *j, const char *k, const struct etk_entry *e,
    unsigned bit, int64_t sec, int32_t ns)
{
	etk_json_key(j, k);
	if (e->times & bit)
		etk_json_time(j, sec, ns);
	else
		etk_json_null(j);
}

static void
json_names(struct etk_json *j, const char *k, const char *const *v,
    size_t n)
{
	size_t i;

	if (n == 0 || v == NULL)
		return;
	etk_json_key(j, k);
	etk_json_arr_begin(j);
	for (i = 0; i < n; i++)
		etk_json_str(j, v[i]);
	etk_json_arr_end(j);
}

static void
json_file(struct etk_writer *w, const struct etk_file_record *r)
{
	const struct etk_entry *e = r->entry;
	struct etk_json j;
	const char *v;
	char attr[32];
	size_t i;

	etk_json_init(&j, &w->line);
	etk_json_obj_begin(&j);
	etk_json_kstr(&j, "record", "file");
	etk_json_kstr(&j, "locator", e->locator);
	etk_json_kstr(&j, "source", e->source);
	etk_json_key(&j, "volume");
	if (e->volume >= 0)
		etk_json_int(&j, e->volume);
	else
		etk_json_null(&j);
	etk_json_key(&j, "inode");
	if (e->has_inode)
		etk_json_uint(&j, e->inode);
	else
		etk_json_null(&j);
	etk_json_kstr(&j, "path", e->path);
	etk_json_kstr(&j, "name", e->name);
	etk_json_kuint(&j, "size", e->size);
	etk_json_kbool(&j, "allocated", e->allocated);
	etk_json_kbool(&j, "deleted", e->deleted);
	etk_json_kstr(&j, "type", r->mime);
	etk_json_kbool(&j, "ext_mismatch", r->ext_mismatch);
	json_time(&j, "mtime", e, ETK_TIME_M, e->mtime, e->mtime_ns);
	json_time(&j, "atime", e, ETK_TIME_A, e->atime, e->atime_ns);
	json_time(&j, "ctime", e, ETK_TIME_C, e->ctime, e->ctime_ns);
	json_time(&j, "crtime", e, ETK_TIME_CR, e->crtime, e->crtime_ns);
	for (i = 0; i < ETK_OUTPUT_NDIGESTS; i++) {
		v = etk_output_digest_value(r->digests,
		    etk_output_digests[i].bit);
		if (v != NULL)
			etk_json_kstr(&j, etk_output_digests[i].name, v);
	}
	json_names(&j, "known", r->known, r->nknown);
	json_names(&j, "alert", r->alert, r->nalert);
	if (e->has_attr) {
		snprintf(attr, sizeof(attr), "%" PRIu32 "-%u", e->attr_type,
		    (unsigned)e->attr_id);
		etk_json_kstr(&j, "attr", attr);
	}
	if (e->parent != NULL)
		etk_json_kstr(&j, "parent", e->parent);
	if (r->status != ETK_OK) {
		etk_json_kstr(&j, "status", etk_output_status_name(r->status));
		etk_json_kstr(&j, "reason", etk_output_reason(r));
	}
	if (r->nruns > 0 && r->runs != NULL) {
		etk_json_key(&j, "byte_runs");
		etk_json_arr_begin(&j);
		for (i = 0; i < r->nruns; i++) {
			etk_json_obj_begin(&j);
			etk_json_kuint(&j, "offset", r->runs[i].img_offset);
			etk_json_kuint(&j, "len", r->runs[i].len);
			etk_json_kuint(&j, "file_offset",
			    r->runs[i].file_offset);
			etk_json_obj_end(&j);
		}
		etk_json_arr_end(&j);
	}
	etk_json_obj_end(&j);
	etk_buf_addc(&w->line, '\n');
}

const struct etk_fmt etk_fmt_json = {
	"json", ETK_FMT_JSON, NULL, NULL, json_file, NULL
};
