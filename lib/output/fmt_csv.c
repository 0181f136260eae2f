/*
 * CSV output (RFC 4180): CRLF line ends, a header row, one row per file.
 *
 *   locator,source,volume,inode,path,name,size,allocated,deleted,type,
 *   ext_mismatch,mtime,atime,ctime,crtime,[md5,][sha1,][sha256,]
 *   [ssdeep,]known,alert,status,reason
 *
 * The digest columns are those chosen (writer's mask).  Empty fields:
 * volume without a partition table, inode unknown, type unknown, a time
 * unknown, a digest not computed, known/alert not matched, reason when
 * status is "ok".  allocated, deleted, ext_mismatch are "true"/"false";
 * times RFC 3339 UTC; status "ok", "error", "unsupported" or "timeout";
 * known and alert list set names separated by ';'.
 *
 * A field containing a comma, double quote, CR or LF is quoted, quotes
 * doubled.  Other bytes are written as they are (UTF-8 passes through).
 * Spreadsheet formula injection: a field starting with '=', '+', '-',
 * '@', TAB or CR is written quoted with a single quote ' put before it
 * ("'=cmd|...") so that Excel and LibreOffice show it as text; strip
 * that quote when reading the value back as data.
 */
#include "output/output_int.h"

#include <inttypes.h>
#include <string.h>

static void
csv_field(struct etk_buf *b, const char *s, int first)
{
	int guard, quote;
	const char *p;

	if (!first)
		etk_buf_addc(b, ',');
	if (s == NULL)
		return;
	guard = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
	    s[0] == '\t' || s[0] == '\r';
	quote = guard || strpbrk(s, ",\"\r\n") != NULL;
	if (!quote) {
		etk_buf_adds(b, s);
		return;
	}
	etk_buf_addc(b, '"');
	if (guard)
		etk_buf_addc(b, '\'');
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			etk_buf_addc(b, '"');
		etk_buf_addc(b, *p);
	}
	etk_buf_addc(b, '"');
}

static void
csv_uint(struct etk_buf *b, uint64_t v)
{
	etk_buf_printf(b, ",%" PRIu64, v);
}

static void
csv_time(struct etk_buf *b, const struct etk_entry *e, unsigned bit,
    int64_t sec, int32_t ns)
{
	char t[ETK_TIME_MAX];

	etk_buf_addc(b, ',');
	if (e->times & bit) {
		etk_time_format(sec, ns, t);
		etk_buf_adds(b, t);
	}
}

static void
csv_names(struct etk_writer *w, const char *const *v, size_t n)
{
	size_t i;

	etk_buf_reset(&w->tmp);
	for (i = 0; v != NULL && i < n; i++) {
		if (i > 0)
			etk_buf_addc(&w->tmp, ';');
		etk_buf_adds(&w->tmp, v[i] != NULL ? v[i] : "");
	}
	csv_field(&w->line, w->tmp.data != NULL ? w->tmp.data : "", 0);
}

static int
csv_header(struct etk_writer *w, const struct etk_writer_info *info,
    struct etk_error *err)
{
	size_t i;

	(void)info;
	(void)err;
	etk_buf_adds(&w->line, "locator,source,volume,inode,path,name,size,"
	    "allocated,deleted,type,ext_mismatch,mtime,atime,ctime,crtime,");
	for (i = 0; i < ETK_OUTPUT_NDIGESTS; i++) {
		if (w->digests & etk_output_digests[i].bit) {
			etk_buf_adds(&w->line, etk_output_digests[i].name);
			etk_buf_addc(&w->line, ',');
		}
	}
	etk_buf_adds(&w->line, "known,alert,status,reason\r\n");
	return ETK_OK;
}

static void
csv_file(struct etk_writer *w, const struct etk_file_record *r)
{
	const struct etk_entry *e = r->entry;
	struct etk_buf *b = &w->line;
	size_t i;

	csv_field(b, e->locator, 1);
	csv_field(b, e->source, 0);
	if (e->volume >= 0)
		etk_buf_printf(b, ",%d", e->volume);
	else
		etk_buf_addc(b, ',');
	if (e->has_inode)
		csv_uint(b, e->inode);
	else
		etk_buf_addc(b, ',');
	csv_field(b, e->path, 0);
	csv_field(b, e->name, 0);
	csv_uint(b, e->size);
	etk_buf_adds(b, e->allocated ? ",true" : ",false");
	etk_buf_adds(b, e->deleted ? ",true" : ",false");
	csv_field(b, r->mime, 0);
	etk_buf_adds(b, r->ext_mismatch ? ",true" : ",false");
	csv_time(b, e, ETK_TIME_M, e->mtime, e->mtime_ns);
	csv_time(b, e, ETK_TIME_A, e->atime, e->atime_ns);
	csv_time(b, e, ETK_TIME_C, e->ctime, e->ctime_ns);
	csv_time(b, e, ETK_TIME_CR, e->crtime, e->crtime_ns);
	for (i = 0; i < ETK_OUTPUT_NDIGESTS; i++)
		if (w->digests & etk_output_digests[i].bit)
			csv_field(b, etk_output_digest_value(r->digests,
			    etk_output_digests[i].bit), 0);
	csv_names(w, r->known, r->nknown);
	csv_names(w, r->alert, r->nalert);
	csv_field(b, etk_output_status_name(r->status), 0);
	csv_field(b, r->status != ETK_OK ? etk_output_reason(r) : NULL, 0);
	etk_buf_adds(b, "\r\n");
}

const struct etk_fmt etk_fmt_csv = {
	"csv", ETK_FMT_CSV, csv_header, NULL, csv_file, NULL
};
