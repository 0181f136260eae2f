/*
 * DFXML output (Digital Forensics XML 1.2): fileobjects with byte runs
 * and hash digests, as fiwalk and hashdeep -d write them.
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <dfxml xmlns="http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML"
 *     xmlns:dc="http://purl.org/dc/elements/1.1/"
 *     xmlns:etk="urn:etk:dfxml" version="1.2.0">
 *     <metadata><dc:type>Hash List</dc:type></metadata>
 *     <creator version="1.0"><program>etk-hash</program>
 *       <version>V</version><execution_environment>
 *       <command_line>ARGV...</command_line></execution_environment>
 *     </creator>
 *     <source><image_filename>PATH</image_filename>
 *       <image_size>N</image_size></source>      (per source; size if > 0)
 *     <fileobject>
 *       <filename>PATH without leading /</filename>
 *       <error>REASON</error>                     (when not hashed)
 *       <partition>SLOT</partition>               (mmls slot, if any)
 *       <filesize>N</filesize> <alloc>1|0</alloc>
 *       <inode>N</inode>                          (when known)
 *       <mtime>T</mtime> <ctime/> <atime/> <crtime/>  (when known)
 *       <byte_runs><byte_run file_offset= img_offset= len=/></byte_runs>
 *       <hashdigest type="md5|sha1|sha256|ssdeep">..</hashdigest>
 *       <etk:locator>..</etk:locator> <etk:type>MIME</etk:type>
 *       <etk:ext_mismatch>1</etk:ext_mismatch> <etk:known>SET</etk:known>
 *       <etk:alert>SET</etk:alert>
 *     </fileobject>
 *   </dfxml>
 *
 * Element order follows the DFXML schema's fileobject sequence; etk's
 * own fields are in the etk namespace at the end.  Times are RFC 3339
 * UTC.  No wall clock, host or user (no <start_time>, no
 * <build_environment>): output is byte-stable.
 *
 * Text: &, <, > and " are escaped; TAB, LF and CR are written as
 * character references (&#9; &#10; &#13;) so parsers keep them; other
 * control bytes, invalid UTF-8 and U+FFFE/U+FFFF, which XML 1.0 cannot
 * carry, become U+FFFD.  <etk:locator> is ASCII-safe as locators are.
 */
#include "output/output_int.h"

#include <inttypes.h>
#include <string.h>

#define NS_DFXML "http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML"

static void
xml_elem(struct etk_buf *b, const char *indent, const char *tag,
    const char *text)
{
	etk_buf_printf(b, "%s<%s>", indent, tag);
	etk_buf_add_markup(b, text, strlen(text));
	etk_buf_printf(b, "</%s>\n", tag);
}

static int
dfxml_header(struct etk_writer *w, const struct etk_writer_info *info,
    struct etk_error *err)
{
	struct etk_buf *b = &w->line;
	int k;

	(void)err;
	etk_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<dfxml xmlns=\"" NS_DFXML "\"\n"
	    "  xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
	    "  xmlns:etk=\"urn:etk:dfxml\"\n"
	    "  version=\"1.2.0\">\n"
	    "  <metadata>\n"
	    "    <dc:type>Hash List</dc:type>\n"
	    "  </metadata>\n"
	    "  <creator version=\"1.0\">\n");
	xml_elem(b, "    ", "program", info->command != NULL ?
	    info->command : "etk");
	xml_elem(b, "    ", "version", etk_version());
	etk_buf_adds(b, "    <execution_environment>\n"
	    "      <command_line>");
	for (k = 0; k < info->argc && info->argv != NULL; k++) {
		if (info->argv[k] == NULL)
			break;
		if (k > 0)
			etk_buf_addc(b, ' ');
		etk_buf_add_markup(b, info->argv[k], strlen(info->argv[k]));
	}
	etk_buf_adds(b, "</command_line>\n"
	    "    </execution_environment>\n"
	    "  </creator>\n");
	return ETK_OK;
}

static void
dfxml_source(struct etk_writer *w, const char *name, const char *path,
    uint64_t size)
{
	struct etk_buf *b = &w->line;

	etk_buf_adds(b, "  <source>\n");
	xml_elem(b, "    ", "image_filename", path != NULL ? path :
	    name != NULL ? name : "");
	if (size > 0)
		etk_buf_printf(b, "    <image_size>%" PRIu64 "</image_size>\n",
		    size);
	etk_buf_adds(b, "  </source>\n");
}

static void
dfxml_time(struct etk_buf *b, const struct etk_entry *e, unsigned bit,
    const char *tag, int64_t sec, int32_t ns)
{
	char t[ETK_TIME_MAX];

	if ((e->times & bit) == 0)
		return;
	etk_time_format(sec, ns, t);
	etk_buf_printf(b, "    <%s>%s</%s>\n", tag, t, tag);
}

static void
dfxml_file(struct etk_writer *w, const struct etk_file_record *r)
{
	const struct etk_entry *e = r->entry;
	struct etk_buf *b = &w->line;
	const char *name, *v;
	size_t i;

	etk_buf_adds(b, "  <fileobject>\n");
	name = e->path != NULL ? e->path : "";
	while (*name == '/')
		name++;
	xml_elem(b, "    ", "filename", name);
	if (r->status != ETK_OK)
		xml_elem(b, "    ", "error", etk_output_reason(r));
	if (e->volume >= 0)
		etk_buf_printf(b, "    <partition>%d</partition>\n", e->volume);
	etk_buf_printf(b, "    <filesize>%" PRIu64 "</filesize>\n", e->size);
	etk_buf_printf(b, "    <alloc>%d</alloc>\n", e->allocated ? 1 : 0);
	if (e->has_inode)
		etk_buf_printf(b, "    <inode>%" PRIu64 "</inode>\n", e->inode);
	dfxml_time(b, e, ETK_TIME_M, "mtime", e->mtime, e->mtime_ns);
	dfxml_time(b, e, ETK_TIME_C, "ctime", e->ctime, e->ctime_ns);
	dfxml_time(b, e, ETK_TIME_A, "atime", e->atime, e->atime_ns);
	dfxml_time(b, e, ETK_TIME_CR, "crtime", e->crtime, e->crtime_ns);
	if (r->nruns > 0 && r->runs != NULL) {
		etk_buf_adds(b, "    <byte_runs>\n");
		for (i = 0; i < r->nruns; i++)
			etk_buf_printf(b, "      <byte_run file_offset=\"%"
			    PRIu64 "\" img_offset=\"%" PRIu64 "\" len=\"%"
			    PRIu64 "\"/>\n", r->runs[i].file_offset,
			    r->runs[i].img_offset, r->runs[i].len);
		etk_buf_adds(b, "    </byte_runs>\n");
	}
	for (i = 0; i < ETK_OUTPUT_NDIGESTS; i++) {
		if ((v = etk_output_digest_value(r->digests,
		    etk_output_digests[i].bit)) == NULL)
			continue;
		etk_buf_printf(b, "    <hashdigest type=\"%s\">",
		    etk_output_digests[i].name);
		etk_buf_add_markup(b, v, strlen(v));
		etk_buf_adds(b, "</hashdigest>\n");
	}
	xml_elem(b, "    ", "etk:locator", e->locator);
	if (r->mime != NULL)
		xml_elem(b, "    ", "etk:type", r->mime);
	if (r->ext_mismatch)
		etk_buf_adds(b, "    <etk:ext_mismatch>1</etk:ext_mismatch>\n");
	for (i = 0; r->known != NULL && i < r->nknown; i++)
		xml_elem(b, "    ", "etk:known", r->known[i]);
	for (i = 0; r->alert != NULL && i < r->nalert; i++)
		xml_elem(b, "    ", "etk:alert", r->alert[i]);
	etk_buf_adds(b, "  </fileobject>\n");
}

static void
dfxml_trailer(struct etk_writer *w)
{
	etk_buf_adds(&w->line, "</dfxml>\n");
}

const struct etk_fmt etk_fmt_dfxml = {
	"dfxml", ETK_FMT_DFXML, dfxml_header, dfxml_source, dfxml_file,
	dfxml_trailer
};
