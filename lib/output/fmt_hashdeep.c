/*
 * hashdeep output: the known-hash file format of hashdeep 4.4, readable
 * by `hashdeep -k FILE` (-a audit, -m/-x/-M/-X matching):
 *
 *   %%%% HASHDEEP-1.0
 *   %%%% size,md5,sha1,sha256,filename
 *   ## Invoked from: etk
 *   ## $ ARGV[0] ARGV[1] ...
 *   ## 
 *   SIZE,MD5,SHA1,SHA256,FILENAME
 *
 * (the "## " line closing the header has a trailing space, as hashdeep
 * writes it).  The columns are the digests chosen, in hashdeep's order
 * md5, sha1, sha256; ssdeep is not a hashdeep column and is left out.
 * hashdeep puts the working directory on the "Invoked from" line and "#"
 * for root in "## $"; etk writes the fixed "etk" and "$" so that output
 * is byte-stable (hashdeep ignores "##" lines).
 *
 * FILENAME is the entry's path made relative to ".": "/docs/a.txt" is
 * written "./docs/a.txt", the name `hashdeep -r -l .` gives the same file
 * when run in a folder where the files were extracted, so that
 * `hashdeep -a -k FILE -r -l .` there matches by name (hashdeep's audit
 * counts a different name as "moved" and fails).  hashdeep takes the filename column as the
 * rest of the line, so commas need no quoting; a CR or LF in a path is
 * written as '?' (hashdeep itself would break the line), and in the
 * "## $" line so is every control byte.  Other bytes are written as they
 * are.  Entries without a path are named by their locator.
 *
 * hashdeep has no rows for errors: a file that was not hashed, or lacks
 * one of the chosen digests, is left out of this format (the summary and
 * the other formats report it).
 */
#include "output/output_int.h"

#include <inttypes.h>

#define HASHDEEP_DIGESTS (ETK_DIGEST_MD5 | ETK_DIGEST_SHA1 | ETK_DIGEST_SHA256)

static void
add_nolf(struct etk_buf *b, const char *s, int allctl)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' || c == '\r' || (allctl && (c < 0x20 ||
		    c == 0x7f)))
			etk_buf_addc(b, '?');
		else
			etk_buf_addc(b, (char)c);
	}
}

static int
hd_header(struct etk_writer *w, const struct etk_writer_info *info,
    struct etk_error *err)
{
	struct etk_buf *b = &w->line;
	size_t i;
	int k;

	w->digests &= HASHDEEP_DIGESTS;
	if (w->digests == 0)
		return etk_fail(err, ETK_EINVAL, 0, "hashdeep format needs "
		    "md5, sha1 or sha256");
	etk_buf_adds(b, "%%%% HASHDEEP-1.0\n%%%% size,");
	for (i = 0; i < ETK_OUTPUT_NDIGESTS; i++) {
		if (w->digests & etk_output_digests[i].bit) {
			etk_buf_adds(b, etk_output_digests[i].name);
			etk_buf_addc(b, ',');
		}
	}
	etk_buf_adds(b, "filename\n## Invoked from: etk\n## $");
	for (k = 0; k < info->argc && info->argv != NULL; k++) {
		if (info->argv[k] == NULL)
			break;
		etk_buf_addc(b, ' ');
		add_nolf(b, info->argv[k], 1);
	}
	etk_buf_adds(b, "\n## \n");
	return ETK_OK;
}

static void
hd_file(struct etk_writer *w, const struct etk_file_record *r)
{
	const struct etk_entry *e = r->entry;
	struct etk_buf *b = &w->line;
	const char *name;
	size_t i;

	if (r->status != ETK_OK || r->digests == NULL ||
	    (r->digests->mask & w->digests) != w->digests)
		return;
	for (i = 0; i < ETK_OUTPUT_NDIGESTS; i++)
		if ((w->digests & etk_output_digests[i].bit) &&
		    etk_output_digest_value(r->digests,
		    etk_output_digests[i].bit) == NULL)
			return;
	etk_buf_printf(b, "%" PRIu64 ",", e->size);
	for (i = 0; i < ETK_OUTPUT_NDIGESTS; i++) {
		if (w->digests & etk_output_digests[i].bit) {
			etk_buf_adds(b, etk_output_digest_value(r->digests,
			    etk_output_digests[i].bit));
			etk_buf_addc(b, ',');
		}
	}
	if (e->path != NULL && e->path[0] != '\0') {
		name = e->path;
		while (*name == '/')
			name++;
		etk_buf_adds(b, "./");
	} else
		name = e->locator != NULL ? e->locator : "";
	add_nolf(b, name, 0);
	etk_buf_addc(b, '\n');
}

const struct etk_fmt etk_fmt_hashdeep = {
	"hashdeep", ETK_FMT_HASHDEEP, hd_header, NULL, hd_file, NULL
};
