/*
 * EWF sources: E01/Ex01 and split E01 (.E02, ...) through libewf
 * 20140813.  The only file that includes libewf.h.
 *
 * For evidence a chunk whose checksum fails is an error, not zeros: the
 * handle is opened without read_zero_chunk_on_error, and after each read
 * the checksum errors libewf has recorded are checked against the range
 * read; a hit is ETK_EIO naming the first bad offset.  A segment set that
 * libewf flags as corrupted (truncated file, missing segment) is refused
 * at open.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libewf.h>

#include <sys/resource.h>

#include <etk/core.h>

#include "source_int.h"

#define EWF_MSGMAX	384
#define EWF_VALMAX	4096
#define EWF_MAXBAD	100000	/* checksum-error ranges remembered */

/* How many descriptors this process may open. */
static size_t
fd_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 1024;
	return (size_t)rl.rlim_cur;
}

static const unsigned char sig_evf1[8] = { 'E', 'V', 'F', 0x09, 0x0d, 0x0a,
    0xff, 0x00 };
static const unsigned char sig_evf2[8] = { 'E', 'V', 'F', '2', 0x0d, 0x0a,
    0x81, 0x00 };
static const unsigned char sig_lvf1[8] = { 'L', 'V', 'F', 0x09, 0x0d, 0x0a,
    0xff, 0x00 };
static const unsigned char sig_lef2[8] = { 'L', 'E', 'F', '2', 0x0d, 0x0a,
    0x81, 0x00 };

/* Header values offered as metadata, in this order. */
static const char *const header_keys[] = {
	"case_number", "description", "examiner_name", "evidence_number",
	"notes", "acquiry_date", "system_date", "acquiry_operating_system",
	"acquiry_software_version", "model", "serial_number"
};

/* Stored digests: libewf identifier -> our name. */
static const struct {
	const char *id;
	const char *alg;
	size_t hexlen;
} hash_ids[] = {
	{ "MD5", "md5", 32 },
	{ "SHA1", "sha1", 40 },
	{ "SHA256", "sha256", 64 }
};

struct bad {
	uint64_t start;		/* bytes */
	uint64_t len;
};

struct ewf {
	libewf_handle_t *h;
	uint32_t bps;
	uint32_t nseen;		/* checksum errors already collected */
	struct bad *bad;
	size_t nbad;
};

int
etk_src_ewf_detect(const struct etk_src_probe *pr)
{
	if (pr->headlen < 8)
		return 0;
	return memcmp(pr->head, sig_evf1, 8) == 0 ||
	    memcmp(pr->head, sig_evf2, 8) == 0 ||
	    memcmp(pr->head, sig_lvf1, 8) == 0 ||
	    memcmp(pr->head, sig_lef2, 8) == 0;
}

/*
 * libewf's message for e, then free e.  libewf_error_sprint() gives only
 * the outermost line ("libewf_handle_open: unable to open handle using a
 * file IO pool."), which says nothing; the backtrace lists the innermost
 * first.  Keep the two innermost, outer first, without function names:
 * "unable to read segment file header: unsupported segment file
 * signature".  *ep is NULL afterwards.
 */
static void
ewf_msg(libewf_error_t **ep, char *out, size_t outlen)
{
	char bt[2048], *line[2], *p, *q;
	size_t n = 0, k;

	snprintf(out, outlen, "unknown libewf error");
	if (*ep == NULL)
		return;
	bt[0] = '\0';
	if (libewf_error_backtrace_sprint(*ep, bt, sizeof(bt)) < 0 ||
	    bt[0] == '\0')
		(void)libewf_error_sprint(*ep, bt, sizeof(bt));
	libewf_error_free(ep);
	*ep = NULL;
	bt[sizeof(bt) - 1] = '\0';
	for (p = bt; p != NULL && *p != '\0' && n < 2; p = q) {
		if ((q = strchr(p, '\n')) != NULL)
			*q++ = '\0';
		/* Drop "libewf_function_name: ". */
		k = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (k > 3 && strncmp(p, "lib", 3) == 0 && p[k] == ':' &&
		    p[k + 1] == ' ')
			p += k + 2;
		k = strlen(p);
		while (k > 0 && (p[k - 1] == '.' || p[k - 1] == ' ' ||
		    p[k - 1] == '\r'))
			p[--k] = '\0';
		if (k > 0)
			line[n++] = p;
	}
	if (n == 1)
		snprintf(out, outlen, "%s", line[0]);
	else if (n == 2)
		snprintf(out, outlen, "%s: %s", line[1], line[0]);
}

static int
ewf_fail(struct etk_error *err, int code, libewf_error_t **ep,
    const char *what)
{
	char msg[EWF_MSGMAX];

	ewf_msg(ep, msg, sizeof(msg));
	return etk_fail(err, code, 0, "ewf: %s: %s", what, msg);
}

static void
ewf_free(struct ewf *x)
{
	libewf_error_t *e = NULL;

	if (x == NULL)
		return;
	if (x->h != NULL) {
		if (libewf_handle_close(x->h, &e) != 0 && e != NULL)
			libewf_error_free(&e);
		e = NULL;
		if (libewf_handle_free(&x->h, &e) != 1 && e != NULL)
			libewf_error_free(&e);
	}
	free(x->bad);
	free(x);
}

static int
valid_hex(const char *s, size_t n)
{
	size_t i;
	int nonzero = 0;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++) {
		if (strchr("0123456789abcdefABCDEF", s[i]) == NULL)
			return 0;
		if (s[i] != '0')
			nonzero = 1;
	}
	return nonzero;	/* all zeros: libewf's "not set" */
}

static int
load_hashes(struct etk_source *src, struct ewf *x, struct etk_error *err)
{
	uint8_t val[256];
	libewf_error_t *e = NULL;
	size_t i;
	int r, rc;

	for (i = 0; i < sizeof(hash_ids) / sizeof(hash_ids[0]); i++) {
		memset(val, 0, sizeof(val));
		r = libewf_handle_get_utf8_hash_value(x->h,
		    (const uint8_t *)hash_ids[i].id, strlen(hash_ids[i].id),
		    val, sizeof(val), &e);
		if (r != 1) {
			if (e != NULL)
				libewf_error_free(&e);
			e = NULL;
			continue;
		}
		val[sizeof(val) - 1] = '\0';
		if (!valid_hex((const char *)val, hash_ids[i].hexlen))
			continue;
		if ((rc = etk_src_add_hash(src, hash_ids[i].alg,
		    (const char *)val, err)) != ETK_OK)
			return rc;
	}
	return ETK_OK;
}

static int
load_meta(struct etk_source *src, struct ewf *x, struct etk_error *err)
{
	uint8_t *val;
	libewf_error_t *e = NULL;
	uint64_t start, count;
	uint32_t n, i;
	size_t k;
	int r, rc = ETK_OK;
	struct etk_buf b;

	if ((val = malloc(EWF_VALMAX)) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	for (k = 0; k < sizeof(header_keys) / sizeof(header_keys[0]); k++) {
		val[0] = '\0';
		r = libewf_handle_get_utf8_header_value(x->h,
		    (const uint8_t *)header_keys[k], strlen(header_keys[k]),
		    val, EWF_VALMAX, &e);
		if (r != 1) {
			if (e != NULL)
				libewf_error_free(&e);
			e = NULL;
			continue;
		}
		val[EWF_VALMAX - 1] = '\0';
		if (val[0] == '\0')
			continue;
		if ((rc = etk_src_add_meta(src, header_keys[k],
		    (const char *)val, err)) != ETK_OK)
			goto out;
	}
	/* Sectors the acquisition could not read (zero-filled in the
	 * image): "start-end,start-end" in sectors. */
	n = 0;
	if (libewf_handle_get_number_of_acquiry_errors(x->h, &n, &e) != 1) {
		if (e != NULL)
			libewf_error_free(&e);
		e = NULL;
		n = 0;
	}
	if (n > 0) {
		etk_buf_init(&b);
		for (i = 0; i < n && i < 10000; i++) {
			if (libewf_handle_get_acquiry_error(x->h, i, &start,
			    &count, &e) != 1) {
				if (e != NULL)
					libewf_error_free(&e);
				e = NULL;
				continue;
			}
			etk_buf_printf(&b, "%s%" PRIu64 "-%" PRIu64,
			    b.len > 0 ? "," : "", start,
			    count > 0 ? start + count - 1 : start);
		}
		if (b.oom)
			rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
		else if (b.len > 0)
			rc = etk_src_add_meta(src, "acquiry_errors", b.data,
			    err);
		etk_buf_release(&b);
	}
out:
	free(val);
	return rc;
}

static int
ewf_open(struct etk_source *src, int fd, const struct etk_src_probe *pr,
    struct etk_error *err)
{
	char **files = NULL, *one[1];
	libewf_error_t *e = NULL;
	struct ewf *x = NULL;
	size64_t media = 0;
	int nfiles = 0, i, r, rc;

	close(fd);	/* libewf opens the segment files itself */
	if (pr->headlen >= 8 && (memcmp(pr->head, sig_lvf1, 8) == 0 ||
	    memcmp(pr->head, sig_lef2, 8) == 0))
		return etk_fail(err, ETK_EUNSUPP, 0,
		    "ewf: logical evidence files (L01/Lx01) are not supported");
	r = libewf_check_file_signature(src->path, &e);
	if (r != 1) {
		if (r == 0 && e != NULL)
			libewf_error_free(&e);
		if (r == 0)
			return etk_fail(err, ETK_EFORMAT, 0,
			    "ewf: libewf does not recognise the signature");
		return ewf_fail(err, ETK_EFORMAT, &e, "cannot check signature");
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	/* libewf_glob() wants an E01-style extension; a renamed single
	 * segment ("image.bin") is opened alone. */
	if (libewf_glob(src->path, strlen(src->path), LIBEWF_FORMAT_UNKNOWN,
	    &files, &nfiles, &e) != 1 || nfiles < 1) {
		if (e != NULL)
			libewf_error_free(&e);
		e = NULL;
		files = NULL;
		nfiles = 0;
	}
	if (libewf_handle_initialize(&x->h, &e) != 1) {
		rc = ewf_fail(err, ETK_ENOMEM, &e, "cannot initialise");
		goto fail;
	}
	/* libewf 20140813's open-handle pool is broken both ways: a cap
	 * above the number of files fails the open, and a cap below it
	 * gives checksum errors on reads that evict a handle (seen on a
	 * 67-segment set with a cap of 64).  So keep every segment open
	 * and cap only sets that would exhaust our descriptors, where a
	 * read error is still better than no image at all. */
	if (nfiles > 0 && (size_t)nfiles + 64 > fd_budget() &&
	    libewf_handle_set_maximum_number_of_open_handles(x->h,
	    (int)(fd_budget() > 128 ? fd_budget() - 64 : 64), &e) != 1 &&
	    e != NULL) {
		libewf_error_free(&e);
		e = NULL;
	}
	one[0] = src->path;
	if (libewf_handle_open(x->h, files != NULL ? files : one,
	    files != NULL ? nfiles : 1, libewf_get_access_flags_read(),
	    &e) != 1) {
		rc = ewf_fail(err, ETK_EFORMAT, &e, "cannot open");
		/* A failed open leaves nothing to close. */
		if (libewf_handle_free(&x->h, &e) != 1 && e != NULL)
			libewf_error_free(&e);
		x->h = NULL;
		goto fail;
	}
	r = libewf_handle_segment_files_corrupted(x->h, &e);
	if (r != 0) {
		if (e != NULL)
			libewf_error_free(&e);
		e = NULL;
		rc = etk_fail(err, ETK_EFORMAT, 0,
		    "ewf: the segment files are incomplete or corrupt "
		    "(%d segment file%s found; truncated or missing "
		    "segment?)", files != NULL ? nfiles : 1,
		    (files != NULL ? nfiles : 1) == 1 ? "" : "s");
		goto fail;
	}
	if (libewf_handle_get_media_size(x->h, &media, &e) != 1) {
		rc = ewf_fail(err, ETK_EFORMAT, &e, "cannot get media size");
		goto fail;
	}
	if (media == 0) {
		rc = etk_fail(err, ETK_EFORMAT, 0,
		    "ewf: media size is 0 (truncated or corrupt)");
		goto fail;
	}
	if (libewf_handle_get_bytes_per_sector(x->h, &x->bps, &e) != 1) {
		rc = ewf_fail(err, ETK_EFORMAT, &e,
		    "cannot get bytes per sector");
		goto fail;
	}
	if (x->bps < 128 || x->bps > 65536 || (x->bps & (x->bps - 1)) != 0) {
		rc = etk_fail(err, ETK_EFORMAT, 0,
		    "ewf: implausible bytes per sector %" PRIu32, x->bps);
		goto fail;
	}
	if ((rc = load_hashes(src, x, err)) != ETK_OK ||
	    (rc = load_meta(src, x, err)) != ETK_OK)
		goto fail;
	for (i = 0; i < (files != NULL ? nfiles : 1); i++)
		if ((rc = etk_src_add_file(src, files != NULL ? files[i] :
		    src->path, err)) != ETK_OK)
			goto fail;
	if (files != NULL && libewf_glob_free(files, nfiles, &e) != 1 &&
	    e != NULL)
		libewf_error_free(&e);
	src->size = media;
	src->sector_size = x->bps;
	src->priv = x;
	return ETK_OK;
fail:
	if (files != NULL) {
		e = NULL;
		if (libewf_glob_free(files, nfiles, &e) != 1 && e != NULL)
			libewf_error_free(&e);
	}
	ewf_free(x);
	return rc;
}

/* Collect checksum errors libewf recorded since the last call. */
static void
collect_bad(struct ewf *x)
{
	libewf_error_t *e = NULL;
	uint64_t start, count, bs, bl;
	uint32_t n, i;
	struct bad *v;
	size_t k;

	if (libewf_handle_get_number_of_checksum_errors(x->h, &n, &e) != 1) {
		if (e != NULL)
			libewf_error_free(&e);
		return;
	}
	for (i = x->nseen; i < n; i++) {
		if (libewf_handle_get_checksum_error(x->h, i, &start, &count,
		    &e) != 1) {
			if (e != NULL)
				libewf_error_free(&e);
			e = NULL;
			continue;
		}
		if (count == 0)
			count = 1;
		if (start > UINT64_MAX / x->bps ||
		    count > UINT64_MAX / x->bps)
			continue;
		bs = start * x->bps;
		bl = count * x->bps;
		for (k = 0; k < x->nbad; k++)
			if (x->bad[k].start == bs && x->bad[k].len == bl)
				break;
		if (k < x->nbad || x->nbad >= EWF_MAXBAD)
			continue;
		if ((v = realloc(x->bad, (x->nbad + 1) * sizeof(*v))) == NULL)
			continue;
		x->bad = v;
		x->bad[x->nbad].start = bs;
		x->bad[x->nbad].len = bl;
		x->nbad++;
	}
	x->nseen = n;
}

/* First bad range overlapping [off, off+len): its index, or -1. */
static long
first_bad(const struct ewf *x, uint64_t off, uint64_t len)
{
	uint64_t lo = UINT64_MAX;
	long best = -1;
	size_t k;

	for (k = 0; k < x->nbad; k++) {
		const struct bad *b = &x->bad[k];
		uint64_t s = b->start > off ? b->start : off;

		if (b->start >= off + len || b->start + b->len <= off)
			continue;
		if (s < lo) {
			lo = s;
			best = (long)k;
		}
	}
	return best;
}

static int
ewf_read(struct etk_source *src, uint64_t off, void *buf, size_t len,
    size_t *nread, struct etk_error *err)
{
	struct ewf *x = src->priv;
	unsigned char *p = buf;
	libewf_error_t *e = NULL;
	char msg[EWF_MSGMAX];
	size_t done = 0, want;
	ssize_t n;
	long k;

	while (done < len) {
		want = len - done;
		if (want > ((size_t)4 << 20))
			want = (size_t)4 << 20;
#ifdef ETK_HAVE_EWF_READ_AT_OFFSET
		n = libewf_handle_read_buffer_at_offset(x->h, p + done, want,
		    (off64_t)(off + done), &e);
#else
		n = libewf_handle_read_random(x->h, p + done, want,
		    (off64_t)(off + done), &e);
#endif
		if (n < 0) {
			ewf_msg(&e, msg, sizeof(msg));
			*nread = done;
			return etk_fail(err, ETK_EIO, 0,
			    "ewf: read at offset %" PRIu64 ": %s", off + done,
			    msg);
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	collect_bad(x);
	if (done > 0 && (k = first_bad(x, off, done)) >= 0) {
		uint64_t at = x->bad[k].start > off ? x->bad[k].start : off;

		*nread = (size_t)(at - off);
		return etk_fail(err, ETK_EIO, 0,
		    "ewf: read at offset %" PRIu64 ": checksum error in chunk "
		    "(sectors %" PRIu64 "-%" PRIu64 ")", at,
		    x->bad[k].start / x->bps,
		    (x->bad[k].start + x->bad[k].len) / x->bps - 1);
	}
	*nread = done;
	return ETK_OK;
}

static void
ewf_close(struct etk_source *src)
{
	ewf_free(src->priv);
	src->priv = NULL;
}

const struct etk_src_ops etk_src_ewf = {
	"ewf", ewf_open, ewf_read, ewf_close, ETK_SRC_F_PATH
};
