/*
 * etk output: the writer and the table of formats (like mandoc's output
 * modules).  Adding a format is one fmt_<name>.c and one row below.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "output/output_int.h"

static const struct etk_fmt *const formats[] = {
	&etk_fmt_text,
	&etk_fmt_json,
	&etk_fmt_hashdeep,
	&etk_fmt_csv,
	&etk_fmt_dfxml
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const struct etk_output_digest etk_output_digests[ETK_OUTPUT_NDIGESTS] = {
	{ ETK_DIGEST_MD5, "md5" },
	{ ETK_DIGEST_SHA1, "sha1" },
	{ ETK_DIGEST_SHA256, "sha256" },
	{ ETK_DIGEST_SSDEEP, "ssdeep" }
};

const char *
etk_output_digest_value(const struct etk_digests *d, unsigned bit)
{
	const char *v;

	if (d == NULL || (d->mask & bit) == 0)
		return NULL;
	switch (bit) {
	case ETK_DIGEST_MD5:	v = d->md5; break;
	case ETK_DIGEST_SHA1:	v = d->sha1; break;
	case ETK_DIGEST_SHA256:	v = d->sha256; break;
	case ETK_DIGEST_SSDEEP:	v = d->ssdeep; break;
	default:		return NULL;
	}
	return v[0] != '\0' ? v : NULL;
}

const char *
etk_output_status_name(int status)
{
	switch (status) {
	case ETK_OK:		return "ok";
	case ETK_EUNSUPP:	return "unsupported";
	case ETK_ETIMEOUT:	return "timeout";
	default:		return "error";
	}
}

const char *
etk_output_reason(const struct etk_file_record *r)
{
	if (r->reason != NULL && r->reason[0] != '\0')
		return r->reason;
	return etk_strerror(r->status);
}

int
etk_format_parse(const char *name, enum etk_format *fmt,
    struct etk_error *err)
{
	size_t i;

	if (name == NULL || fmt == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "no format name");
	for (i = 0; i < NFORMATS; i++) {
		if (strcasecmp(name, formats[i]->name) == 0) {
			*fmt = formats[i]->fmt;
			return ETK_OK;
		}
	}
	return etk_fail(err, ETK_EINVAL, 0, "unknown format '%s' (text, json, "
	    "hashdeep, csv, dfxml)", name);
}

/* Send w->line to the FILE.  The first failure sticks. */
static int
flush_line(struct etk_writer *w, struct etk_error *err)
{
	if (w->line.oom) {
		etk_buf_reset(&w->line);
		w->line.oom = 0;
		return etk_fail(err, ETK_ENOMEM, 0, "output: out of memory");
	}
	if (w->failed)
		goto fail;
	errno = 0;
	if (w->line.len > 0 && (fwrite(w->line.data, 1, w->line.len,
	    w->fp) != w->line.len || ferror(w->fp))) {
		w->failed = 1;
		w->werrno = errno != 0 ? errno : EIO;
	}
	etk_buf_reset(&w->line);
	if (!w->failed)
		return ETK_OK;
fail:
	etk_buf_reset(&w->line);
	return etk_fail(err, ETK_EIO, w->werrno, "write error: %s",
	    strerror(w->werrno));
}

int
etk_writer_new(struct etk_writer **wp, enum etk_format fmt, FILE *fp,
    const struct etk_writer_info *info, struct etk_error *err)
{
	struct etk_writer *w;
	size_t i;
	int rc;

	if (wp == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "output: no writer");
	*wp = NULL;
	if (fp == NULL || info == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "output: no file or info");
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return etk_fail(err, ETK_ENOMEM, errno, "output");
	for (i = 0; i < NFORMATS; i++)
		if (formats[i]->fmt == fmt)
			w->fmt = formats[i];
	if (w->fmt == NULL) {
		free(w);
		return etk_fail(err, ETK_EINVAL, 0, "output: unknown format %d",
		    (int)fmt);
	}
	w->fp = fp;
	w->digests = info->digests & ETK_DIGEST_ALL;
	etk_buf_init(&w->line);
	etk_buf_init(&w->tmp);
	if (w->fmt->header != NULL) {
		if ((rc = w->fmt->header(w, info, err)) != ETK_OK ||
		    (rc = flush_line(w, err)) != ETK_OK) {
			etk_writer_free(w);
			return rc;
		}
	}
	*wp = w;
	return ETK_OK;
}

int
etk_writer_source(struct etk_writer *w, const char *name, const char *path,
    uint64_t size, struct etk_error *err)
{
	if (w == NULL || w->finished)
		return etk_fail(err, ETK_EINVAL, 0, "output: writer finished");
	if (w->fmt->source != NULL)
		w->fmt->source(w, name, path, size);
	w->nsources++;
	return flush_line(w, err);
}

int
etk_writer_file(struct etk_writer *w, const struct etk_file_record *r,
    struct etk_error *err)
{
	if (w == NULL || w->finished)
		return etk_fail(err, ETK_EINVAL, 0, "output: writer finished");
	if (r == NULL || r->entry == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "output: no entry");
	w->fmt->file(w, r);
	return flush_line(w, err);
}

int
etk_writer_finish(struct etk_writer *w, struct etk_error *err)
{
	int rc;

	if (w == NULL || w->finished)
		return etk_fail(err, ETK_EINVAL, 0, "output: writer finished");
	w->finished = 1;
	if (w->fmt->trailer != NULL)
		w->fmt->trailer(w);
	if ((rc = flush_line(w, err)) != ETK_OK)
		return rc;
	errno = 0;
	if (fflush(w->fp) != 0 || ferror(w->fp)) {
		w->failed = 1;
		w->werrno = errno != 0 ? errno : EIO;
		return etk_fail(err, ETK_EIO, w->werrno, "write error: %s",
		    strerror(w->werrno));
	}
	return ETK_OK;
}

void
etk_writer_free(struct etk_writer *w)
{
	if (w == NULL)
		return;
	etk_buf_release(&w->line);
	etk_buf_release(&w->tmp);
	free(w);
}
