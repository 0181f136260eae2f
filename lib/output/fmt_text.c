/*
 * Text output: one line per file, readable by sha256sum-style tools.
 *
 *   DIGEST [SP DIGEST]... SP SP LOCATOR [TAB EXTRA]... LF
 *
 * The digests are those chosen (writer's mask) in the order md5, sha1,
 * sha256, ssdeep, separated by one space; a digest not computed for this
 * file is "-".  Then two spaces and the locator.  With one digest chosen
 * the line starts "HEX  LOCATOR", the layout of md5sum/sha1sum/sha256sum
 * (whose parsers take the name as everything after the two spaces up to
 * the end; etk's extras follow a TAB, which locators never contain).
 * With no digest chosen the line is the locator alone.
 *
 * Extras, each after a TAB, only when present, in this order:
 *   mime=TYPE        content type (libmagic MIME)
 *   ext_mismatch     the extension contradicts the content
 *   known=A,B        names of the known sets that matched
 *   alert=X,Y        names of the alert sets that matched
 *   error=REASON     why the file was not (fully) hashed
 *
 * Control bytes (and DEL) anywhere in the line are shown as '?' so that
 * no field can break the line or the columns (locators percent-encode
 * them in paths already; this guards source names and free text).
 */
#include "output/output_int.h"

static void
add_clean(struct etk_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		etk_buf_addc(b, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
	}
}

static void
add_names(struct etk_buf *b, const char *key, const char *const *v, size_t n)
{
	size_t i;

	if (n == 0 || v == NULL)
		return;
	etk_buf_addc(b, '\t');
	etk_buf_adds(b, key);
	etk_buf_addc(b, '=');
	for (i = 0; i < n; i++) {
		if (i > 0)
			etk_buf_addc(b, ',');
		add_clean(b, v[i] != NULL ? v[i] : "");
	}
}

static void
text_file(struct etk_writer *w, const struct etk_file_record *r)
{
	struct etk_buf *b = &w->line;
	const char *v;
	size_t i;
	int any = 0;

	for (i = 0; i < ETK_OUTPUT_NDIGESTS; i++) {
		if ((w->digests & etk_output_digests[i].bit) == 0)
			continue;
		if (any)
			etk_buf_addc(b, ' ');
		v = etk_output_digest_value(r->digests,
		    etk_output_digests[i].bit);
		add_clean(b, v != NULL ? v : "-");
		any = 1;
	}
	if (any)
		etk_buf_adds(b, "  ");
	add_clean(b, r->entry->locator != NULL ? r->entry->locator : "");
	if (r->mime != NULL && r->mime[0] != '\0') {
		etk_buf_adds(b, "\tmime=");
		add_clean(b, r->mime);
	}
	if (r->ext_mismatch)
		etk_buf_adds(b, "\text_mismatch");
	add_names(b, "known", r->known, r->nknown);
	add_names(b, "alert", r->alert, r->nalert);
	if (r->status != ETK_OK) {
		etk_buf_adds(b, "\terror=");
		add_clean(b, etk_output_reason(r));
	}
	etk_buf_addc(b, '\n');
}

const struct etk_fmt etk_fmt_text = {
	"text", ETK_FMT_TEXT, NULL, NULL, text_file, NULL
};
