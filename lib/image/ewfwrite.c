/*
 * lib/image/ewfwrite.c: the E01 writer (EnCase 6 through libewf
 * 20140813).  The only file of lib/image that includes libewf.h.  The
 * set-up order follows IMAGING.md §3.1.1; chunks go through
 * prepare_write_chunk (several threads) and write_chunk (one thread, in
 * order), as in §3.1.4.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libewf.h>
#include <openssl/rand.h>

#include "image_int.h"

struct etk_ewfw {
	libewf_handle_t *h;
	int open;
};

/* Set err from a libewf error (and free it). */
static int
ewf_fail(struct etk_error *err, libewf_error_t **e, int code,
    const char *what)
{
	char msg[256];

	msg[0] = '\0';
	if (e != NULL && *e != NULL) {
		if (libewf_error_sprint(*e, msg, sizeof(msg)) < 0)
			msg[0] = '\0';
		libewf_error_free(e);
	}
	/* libewf messages are multi-line "function: text"; keep the last
	 * line, the innermost cause. */
	{
		char *nl;

		while ((nl = strrchr(msg, '\n')) != NULL && nl[1] == '\0')
			*nl = '\0';
		if ((nl = strrchr(msg, '\n')) != NULL)
			memmove(msg, nl + 1, strlen(nl + 1) + 1);
	}
	return etk_fail(err, code, errno, "ewf: %s%s%s", what,
	    msg[0] != '\0' ? ": " : "", msg);
}

static int
set_header(libewf_handle_t *h, const char *id, const char *v,
    struct etk_error *err)
{
	libewf_error_t *e = NULL;

	if (v == NULL || v[0] == '\0')
		return ETK_OK;
	if (libewf_handle_set_utf8_header_value(h, (const uint8_t *)id,
	    strlen(id), (const uint8_t *)v, strlen(v), &e) != 1)
		return ewf_fail(err, &e, ETK_EIO, id);
	return ETK_OK;
}

int
etk_ewfw_open(struct etk_ewfw **wp, const char *base,
    const struct etk_ewfw_params *p, struct etk_error *err)
{
	struct etk_ewfw *w;
	libewf_error_t *e = NULL;
	char *names[1];
	uint8_t guid[16];
	int8_t level;
	uint8_t flags;
	int rc;

	*wp = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return etk_fail(err, ETK_ENOMEM, errno, "out of memory");
	if (libewf_handle_initialize(&w->h, &e) != 1) {
		free(w);
		return ewf_fail(err, &e, ETK_ENOMEM, "cannot initialise");
	}
	names[0] = (char *)base;
	if (libewf_handle_open(w->h, names, 1, LIBEWF_OPEN_WRITE, &e) != 1) {
		rc = ewf_fail(err, &e, ETK_EIO, "cannot create");
		etk_wrap(err, "%s.E01", base);
		etk_ewfw_free(w);
		return rc;
	}
	w->open = 1;
	switch (p->compression) {
	case ETK_IMAGE_COMP_FAST:
		level = LIBEWF_COMPRESSION_FAST;
		flags = LIBEWF_COMPRESS_FLAG_USE_EMPTY_BLOCK_COMPRESSION;
		break;
	case ETK_IMAGE_COMP_BEST:
		level = LIBEWF_COMPRESSION_BEST;
		flags = LIBEWF_COMPRESS_FLAG_USE_EMPTY_BLOCK_COMPRESSION;
		break;
	case ETK_IMAGE_COMP_EMPTY:
		level = LIBEWF_COMPRESSION_NONE;
		flags = LIBEWF_COMPRESS_FLAG_USE_EMPTY_BLOCK_COMPRESSION;
		break;
	default:
		level = LIBEWF_COMPRESSION_NONE;
		flags = 0;
		break;
	}
	if (libewf_handle_set_format(w->h, LIBEWF_FORMAT_ENCASE6, &e) != 1)
		goto fail;
	if (libewf_handle_set_media_type(w->h, LIBEWF_MEDIA_TYPE_FIXED,
	    &e) != 1)
		goto fail;
	if (libewf_handle_set_media_flags(w->h, p->physical ?
	    LIBEWF_MEDIA_FLAG_PHYSICAL : 0, &e) != 1)
		goto fail;
	if (libewf_handle_set_bytes_per_sector(w->h, p->sector_size, &e) != 1)
		goto fail;
	if (libewf_handle_set_sectors_per_chunk(w->h, p->sectors_per_chunk,
	    &e) != 1)
		goto fail;
	if (libewf_handle_set_error_granularity(w->h, p->sectors_per_chunk,
	    &e) != 1)
		goto fail;
	if (p->media_size != 0 &&
	    libewf_handle_set_media_size(w->h, p->media_size, &e) != 1)
		goto fail;
	if (libewf_handle_set_compression_values(w->h, level, flags, &e) != 1)
		goto fail;
	if (libewf_handle_set_maximum_segment_size(w->h, p->segment_size != 0 ?
	    p->segment_size : (uint64_t)1500 << 20, &e) != 1)
		goto fail;
	if (libewf_handle_set_header_codepage(w->h, LIBEWF_CODEPAGE_ASCII,
	    &e) != 1)
		goto fail;
	if ((rc = set_header(w->h, "case_number", p->case_number, err)) ||
	    (rc = set_header(w->h, "evidence_number", p->evidence_number,
	    err)) ||
	    (rc = set_header(w->h, "examiner_name", p->examiner, err)) ||
	    (rc = set_header(w->h, "description", p->description, err)) ||
	    (rc = set_header(w->h, "notes", p->notes, err)) ||
	    (rc = set_header(w->h, "model", p->model, err)) ||
	    (rc = set_header(w->h, "serial_number", p->serial, err)) ||
	    (rc = set_header(w->h, "acquiry_software_version",
	    "etk " ETK_VERSION, err)) ||
	    (rc = set_header(w->h, "acquiry_operating_system", "Linux", err))) {
		etk_ewfw_free(w);
		return rc;
	}
	if (RAND_bytes(guid, sizeof(guid)) != 1) {
		etk_ewfw_free(w);
		return etk_fail(err, ETK_EIO, 0, "ewf: no random GUID");
	}
	guid[6] = (uint8_t)((guid[6] & 0x0f) | 0x40);	/* version 4 */
	guid[8] = (uint8_t)((guid[8] & 0x3f) | 0x80);
	if (libewf_handle_set_segment_file_set_identifier(w->h, guid,
	    sizeof(guid), &e) != 1)
		goto fail;
	*wp = w;
	return ETK_OK;
fail:
	rc = ewf_fail(err, &e, ETK_EIO, "cannot set write values");
	etk_ewfw_free(w);
	return rc;
}

int
etk_ewfw_write(struct etk_ewfw *w, unsigned char *raw, size_t len,
    unsigned char *comp, const struct etk_ewfw_chunk *c,
    struct etk_error *err)
{
	libewf_error_t *e = NULL;

	if (libewf_handle_write_chunk(w->h, c->is_comp ? comp : raw,
	    c->is_comp ? c->complen : len, len, c->is_comp, raw + len,
	    c->cksum, c->write_cksum, &e) < 0)
		return ewf_fail(err, &e, ETK_EIO, "cannot write chunk");
	return ETK_OK;
}

int
etk_ewfw_add_error(struct etk_ewfw *w, uint64_t sector, uint64_t count,
    struct etk_error *err)
{
	libewf_error_t *e = NULL;

	if (libewf_handle_append_acquiry_error(w->h, sector, count, &e) != 1)
		return ewf_fail(err, &e, ETK_EIO, "cannot add acquiry error");
	return ETK_OK;
}

int
etk_ewfw_finish(struct etk_ewfw *w, const unsigned char *md5,
    const unsigned char *sha1, struct etk_error *err)
{
	libewf_error_t *e = NULL;
	uint8_t d[20];
	int rc;

	if (md5 != NULL) {
		memcpy(d, md5, 16);
		if (libewf_handle_set_md5_hash(w->h, d, 16, &e) != 1)
			return ewf_fail(err, &e, ETK_EIO, "cannot set MD5");
	}
	if (sha1 != NULL) {
		memcpy(d, sha1, 20);
		if (libewf_handle_set_sha1_hash(w->h, d, 20, &e) != 1)
			return ewf_fail(err, &e, ETK_EIO, "cannot set SHA-1");
	}
	if (libewf_handle_write_finalize(w->h, &e) < 0)
		return ewf_fail(err, &e, ETK_EIO, "cannot finalise");
	w->open = 0;
	if (libewf_handle_close(w->h, &e) != 0) {
		rc = ewf_fail(err, &e, ETK_EIO, "cannot close");
		return rc;
	}
	return ETK_OK;
}

void
etk_ewfw_free(struct etk_ewfw *w)
{
	libewf_error_t *e = NULL;

	if (w == NULL)
		return;
	if (w->open && libewf_handle_close(w->h, &e) != 0)
		libewf_error_free(&e);
	if (w->h != NULL && libewf_handle_free(&w->h, &e) != 1)
		libewf_error_free(&e);
	free(w);
}

int
etk_ewfw_files(const char *first, char ***pathsp, size_t *np,
    struct etk_error *err)
{
	libewf_error_t *e = NULL;
	char **g = NULL, **out;
	int n = 0, i;

	*pathsp = NULL;
	*np = 0;
	if (libewf_glob(first, strlen(first), LIBEWF_FORMAT_UNKNOWN, &g, &n,
	    &e) != 1)
		return ewf_fail(err, &e, ETK_EIO, "cannot list segments");
	if ((out = calloc((size_t)n + 1, sizeof(*out))) == NULL) {
		libewf_glob_free(g, n, NULL);
		return etk_fail(err, ETK_ENOMEM, errno, "out of memory");
	}
	for (i = 0; i < n; i++) {
		if ((out[i] = strdup(g[i])) == NULL) {
			while (i-- > 0)
				free(out[i]);
			free(out);
			libewf_glob_free(g, n, NULL);
			return etk_fail(err, ETK_ENOMEM, errno,
			    "out of memory");
		}
	}
	libewf_glob_free(g, n, NULL);
	*pathsp = out;
	*np = (size_t)n;
	return ETK_OK;
}

const char *
etk_ewfw_version(void)
{
	return libewf_get_version();
}
