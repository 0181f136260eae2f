/*
 * Private to lib/output: the writer and the table of formats.  Each
 * format (fmt_*.c) appends what it writes to w->line; writer.c sends the
 * buffer to the FILE and checks for write errors, so a format never
 * touches the FILE itself.
 */
#ifndef ETK_OUTPUT_INT_H
#define ETK_OUTPUT_INT_H

#include <etk/output.h>

struct etk_fmt {
	const char *name;		/* "text", ... (etk_format_parse) */
	enum etk_format fmt;
	/* Header, written by etk_writer_new; may refuse the setup
	 * (ETK_EINVAL). */
	int (*header)(struct etk_writer *, const struct etk_writer_info *,
	    struct etk_error *);
	/* Start of a source (NULL: nothing to say). */
	void (*source)(struct etk_writer *, const char *name,
	    const char *path, uint64_t size);
	void (*file)(struct etk_writer *, const struct etk_file_record *);
	void (*trailer)(struct etk_writer *);	/* NULL: nothing */
};

struct etk_writer {
	const struct etk_fmt *fmt;
	FILE *fp;			/* borrowed */
	unsigned digests;		/* ETK_DIGEST_* columns */
	struct etk_buf line;		/* what is to be written next */
	struct etk_buf tmp;		/* scratch for formats */
	int nsources;			/* etk_writer_source calls so far */
	int finished;
	int werrno;			/* errno of the first write error */
	int failed;			/* a write failed: nothing more is
					 * written */
};

/* The digests in column order (md5, sha1, sha256, ssdeep). */
struct etk_output_digest {
	unsigned bit;
	const char *name;
};
extern const struct etk_output_digest etk_output_digests[];
#define ETK_OUTPUT_NDIGESTS 4
/* The hex (or ssdeep) value of one digest, or NULL when not computed. */
const char *etk_output_digest_value(const struct etk_digests *, unsigned bit);
/* "error", "unsupported" or "timeout" for a status that is not ETK_OK. */
const char *etk_output_status_name(int status);
/* The reason text of a record that is not ok (never NULL). */
const char *etk_output_reason(const struct etk_file_record *);

extern const struct etk_fmt etk_fmt_text;
extern const struct etk_fmt etk_fmt_json;
extern const struct etk_fmt etk_fmt_hashdeep;
extern const struct etk_fmt etk_fmt_csv;
extern const struct etk_fmt etk_fmt_dfxml;

#endif /* ETK_OUTPUT_INT_H */
