/*
 * Android backups (adb backup, ".ab") and the deflate reader behind them.
 *
 * An .ab file is four text lines ("ANDROID BACKUP", version 1..5,
 * compressed 0/1, encryption "none" or "AES-256"; encrypted backups have
 * more lines) followed by a tar archive, zlib-compressed when the flag is
 * 1.  archive.c lists the tar; this file checks the header and provides
 * random access to the decompressed payload.
 *
 * The same reader (struct etk_zs) serves .tar.gz (gzip) and ZIP members
 * stored with method 8 (raw deflate).  Deflate cannot be entered in the
 * middle, so the reader keeps a cursor (sequential reads cost O(n)) and
 * checkpoints: copies of the inflate state taken every `spacing` output
 * bytes.  At most ZS_CKPT_MAX are kept; when full, every other one is
 * dropped and the spacing doubles, so memory stays under ~3 MiB however
 * long the stream, and a backwards read re-inflates at most `spacing`
 * bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fs/cont_int.h"

#define AB_HEAD_MAX	512		/* the four lines fit easily */
#define ZS_INBUF	(64 * 1024)
#define ZS_SCRATCH	(64 * 1024)
#define ZS_CKPT_MAX	64
#define ZS_SPACING0	((uint64_t)1 << 20)

/* ---- Android backup header ---- */

/* Line i of the header (0-based) into line[]; *next is the offset after
 * its '\n'.  0 when there is no such complete line. */
static int
ab_line(const char *h, size_t n, size_t *pos, char *line, size_t linesz)
{
	size_t i = *pos, k = 0;

	while (i < n && h[i] != '\n') {
		if (k + 1 >= linesz)
			return 0;
		line[k++] = h[i++];
	}
	if (i >= n)
		return 0;
	line[k] = '\0';
	*pos = i + 1;
	return 1;
}

int
etk_ab_parse(struct etk_source *src, const char *name,
    struct etk_ab_info *info, struct etk_error *err)
{
	char head[AB_HEAD_MAX], line[64], *end;
	size_t n = 0, pos = 0;
	long v;
	int rc;

	memset(info, 0, sizeof(*info));
	if ((rc = etk_source_read(src, 0, head, sizeof(head), &n, err)) !=
	    ETK_OK)
		return etk_wrap(err, "%s: android-backup", name);
	if (!ab_line(head, n, &pos, line, sizeof(line)) ||
	    strcmp(line, "ANDROID BACKUP") != 0)
		return etk_fail(err, ETK_EFORMAT, 0, "%s: android-backup: "
		    "no \"ANDROID BACKUP\" header line", name);
	if (!ab_line(head, n, &pos, line, sizeof(line)))
		return etk_fail(err, ETK_EFORMAT, 0, "%s: android-backup: "
		    "header truncated (no version line)", name);
	errno = 0;
	v = strtol(line, &end, 10);
	if (end == line || *end != '\0' || errno != 0)
		return etk_fail(err, ETK_EFORMAT, 0, "%s: android-backup: "
		    "bad version line", name);
	if (v < 1 || v > 5)
		return etk_fail(err, ETK_EUNSUPP, 0, "%s: android-backup: "
		    "version %ld not supported (1 to 5 are)", name, v);
	info->version = (int)v;
	if (!ab_line(head, n, &pos, line, sizeof(line)))
		return etk_fail(err, ETK_EFORMAT, 0, "%s: android-backup: "
		    "header truncated (no compression line)", name);
	if (strcmp(line, "0") != 0 && strcmp(line, "1") != 0)
		return etk_fail(err, ETK_EFORMAT, 0, "%s: android-backup: "
		    "bad compression flag", name);
	info->compressed = line[0] == '1';
	if (!ab_line(head, n, &pos, line, sizeof(line)))
		return etk_fail(err, ETK_EFORMAT, 0, "%s: android-backup: "
		    "header truncated (no encryption line)", name);
	if (strcmp(line, "AES-256") == 0)
		return etk_fail(err, ETK_EUNSUPP, 0, "%s: android-backup: "
		    "encrypted backup (AES-256) not supported; give the "
		    "password-free backup or decrypt it first", name);
	if (strcmp(line, "none") != 0)
		return etk_fail(err, ETK_EUNSUPP, 0, "%s: android-backup: "
		    "encryption '%.32s' not supported", name, line);
	info->payload_off = pos;
	return ETK_OK;
}

/* ---- the deflate reader ---- */

struct zs_ckpt {
	uint64_t out;		/* output offset of the state */
	uint64_t in;		/* compressed bytes consumed */
	z_stream *strm;		/* inflateCopy of the state (on the heap:
				 * zlib's state points back at it) */
};

struct zs_ckpts {
	struct zs_ckpt *v;
	size_t n;
	uint64_t spacing;
	uint64_t next_at;	/* output offset of the next checkpoint */
};

struct etk_zs {
	struct etk_source *src;		/* borrowed */
	uint64_t in_off, in_len;	/* compressed window of src */
	enum etk_zs_mode mode;
	char what[48];

	/* cursor */
	z_stream strm;
	int live;			/* strm initialised */
	int ended;			/* stream end reached at out_pos */
	uint64_t in_next;		/* next compressed byte to load */
	uint64_t out_pos;		/* output produced by strm */
	unsigned char *inbuf;
	unsigned char *scratch;

	/* what is known about the stream */
	uint64_t total;			/* UINT64_MAX until seen */
	uint64_t fault_out;		/* UINT64_MAX: no fault seen */
	int fault_code;
	char fault_msg[200];

	struct zs_ckpts own;
	const struct zs_ckpts *shared;	/* parent's, frozen */
	int frozen;
};

static int
zs_nomem(struct etk_error *err)
{
	return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
}

static int
zs_wbits(enum etk_zs_mode mode)
{
	switch (mode) {
	case ETK_ZS_GZIP:
		return 16 + MAX_WBITS;
	case ETK_ZS_RAW:
		return -MAX_WBITS;
	case ETK_ZS_ZLIB:
	default:
		return MAX_WBITS;
	}
}

static void
ckpts_release(struct zs_ckpts *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		inflateEnd(c->v[i].strm);
		free(c->v[i].strm);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* Record the cursor's state as a checkpoint (best effort). */
static void
zs_checkpoint(struct etk_zs *zs)
{
	struct zs_ckpts *c = &zs->own;
	struct zs_ckpt *k;
	size_t i, j;

	if (zs->frozen || zs->out_pos < c->next_at)
		return;
	if (c->v == NULL &&
	    (c->v = calloc(ZS_CKPT_MAX, sizeof(*c->v))) == NULL)
		return;
	if (c->n == ZS_CKPT_MAX) {
		/* Keep every other one; double the spacing. */
		for (i = 0, j = 0; i < c->n; i++) {
			if (i % 2 == 1)
				c->v[j++] = c->v[i];
			else {
				inflateEnd(c->v[i].strm);
				free(c->v[i].strm);
			}
		}
		c->n = j;
		c->spacing *= 2;
	}
	k = &c->v[c->n];
	memset(k, 0, sizeof(*k));
	if ((k->strm = calloc(1, sizeof(*k->strm))) == NULL)
		return;
	if (inflateCopy(k->strm, &zs->strm) != Z_OK) {
		free(k->strm);
		return;
	}
	k->out = zs->out_pos;
	k->in = zs->in_next - zs->strm.avail_in;
	c->n++;
	c->next_at = zs->out_pos + c->spacing;
}

/* The checkpoint with the largest out <= off, from own or shared. */
static const struct zs_ckpt *
zs_best(const struct etk_zs *zs, uint64_t off)
{
	const struct zs_ckpts *tabs[2] = { &zs->own, zs->shared };
	const struct zs_ckpt *best = NULL;
	size_t t, lo, hi, mid;

	for (t = 0; t < 2; t++) {
		const struct zs_ckpts *c = tabs[t];

		if (c == NULL || c->n == 0 || c->v[0].out > off)
			continue;
		lo = 0;
		hi = c->n;	/* v[lo].out <= off < v[hi].out */
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (c->v[mid].out <= off)
				lo = mid;
			else
				hi = mid;
		}
		if (best == NULL || c->v[lo].out > best->out)
			best = &c->v[lo];
	}
	return best;
}

static void
zs_end(struct etk_zs *zs)
{
	if (zs->live)
		inflateEnd(&zs->strm);
	zs->live = 0;
}

static int
zs_restart(struct etk_zs *zs, const struct zs_ckpt *k, struct etk_error *err)
{
	zs_end(zs);
	memset(&zs->strm, 0, sizeof(zs->strm));
	if (k != NULL) {
		if (inflateCopy(&zs->strm, k->strm) != Z_OK)
			return zs_nomem(err);
		zs->in_next = k->in;
		zs->out_pos = k->out;
	} else {
		if (inflateInit2(&zs->strm, zs_wbits(zs->mode)) != Z_OK)
			return zs_nomem(err);
		zs->in_next = 0;
		zs->out_pos = 0;
	}
	zs->strm.next_in = zs->inbuf;
	zs->strm.avail_in = 0;
	zs->live = 1;
	zs->ended = 0;
	return ETK_OK;
}

static int
zs_fault(struct etk_zs *zs, int code, const char *why, struct etk_error *err)
{
	if (zs->fault_out == UINT64_MAX || zs->out_pos < zs->fault_out) {
		zs->fault_out = zs->out_pos;
		zs->fault_code = code;
		snprintf(zs->fault_msg, sizeof(zs->fault_msg), "%s: %s at "
		    "compressed offset %" PRIu64 " (decompressed offset %"
		    PRIu64 ")", zs->what, why, zs->in_off + zs->in_next -
		    zs->strm.avail_in, zs->out_pos);
	}
	zs_end(zs);
	return etk_fail(err, zs->fault_code, 0, "%s", zs->fault_msg);
}

/* Load more compressed input.  *got 0 at the end of the window. */
static int
zs_fill(struct etk_zs *zs, size_t *got, struct etk_error *err)
{
	uint64_t left = zs->in_len - zs->in_next;
	size_t want = ZS_INBUF, n = 0;
	int rc;

	*got = 0;
	if (left < want)
		want = (size_t)left;
	if (want == 0)
		return ETK_OK;
	rc = etk_source_read(zs->src, zs->in_off + zs->in_next, zs->inbuf,
	    want, &n, err);
	if (rc != ETK_OK) {
		zs_end(zs);	/* not sticky: an I/O error may pass */
		return etk_wrap(err, "%s", zs->what);
	}
	zs->strm.next_in = zs->inbuf;
	zs->strm.avail_in = (uInt)n;
	zs->in_next += n;
	*got = n;
	return ETK_OK;
}

/* gzip: after a member, another may follow ("cat a.gz b.gz"). */
static int
zs_next_member(struct etk_zs *zs, int *more, struct etk_error *err)
{
	size_t got;
	int rc;

	*more = 0;
	if (zs->strm.avail_in < 2) {
		/* Un-consume the leftover and load from there. */
		zs->in_next -= zs->strm.avail_in;
		zs->strm.avail_in = 0;
		if ((rc = zs_fill(zs, &got, err)) != ETK_OK)
			return rc;
		if (got < 2)
			return ETK_OK;
	}
	if (zs->strm.next_in[0] != 0x1f || zs->strm.next_in[1] != 0x8b)
		return ETK_OK;	/* trailing bytes (padding): the end */
	if (inflateReset(&zs->strm) != Z_OK)
		return zs_nomem(err);
	*more = 1;
	return ETK_OK;
}

/* Inflate up to len bytes into dst.  *got < len only at the end. */
static int
zs_produce(struct etk_zs *zs, unsigned char *dst, size_t len, size_t *got,
    struct etk_error *err)
{
	size_t done = 0, n;
	uInt chunk;
	int zr, rc, more;

	*got = 0;
	while (done < len && !zs->ended) {
		if (zs->strm.avail_in == 0) {
			if ((rc = zs_fill(zs, &n, err)) != ETK_OK) {
				*got = done;
				return rc;
			}
			if (n == 0) {
				*got = done;
				return zs_fault(zs, ETK_EFORMAT,
				    "stream truncated", err);
			}
		}
		chunk = len - done > (1u << 30) ? (1u << 30) :
		    (uInt)(len - done);
		zs->strm.next_out = dst + done;
		zs->strm.avail_out = chunk;
		zr = inflate(&zs->strm, Z_NO_FLUSH);
		n = chunk - zs->strm.avail_out;
		done += n;
		zs->out_pos += n;
		switch (zr) {
		case Z_OK:
			zs_checkpoint(zs);
			break;
		case Z_STREAM_END:
			more = 0;
			if (zs->mode == ETK_ZS_GZIP &&
			    (rc = zs_next_member(zs, &more, err)) != ETK_OK) {
				*got = done;
				return rc;
			}
			if (!more) {
				zs->ended = 1;
				zs->total = zs->out_pos;
			}
			break;
		case Z_BUF_ERROR:
			if (zs->strm.avail_in == 0)
				break;	/* needs input: loop refills */
			*got = done;
			return zs_fault(zs, ETK_EFORMAT, "stream stalled", err);
		case Z_MEM_ERROR:
			*got = done;
			zs_end(zs);
			return zs_nomem(err);
		case Z_NEED_DICT:
			*got = done;
			return zs_fault(zs, ETK_EUNSUPP,
			    "stream needs a preset dictionary", err);
		default:
			*got = done;
			return zs_fault(zs, ETK_EFORMAT, zs->strm.msg != NULL ?
			    zs->strm.msg : "corrupt stream", err);
		}
	}
	*got = done;
	return ETK_OK;
}

int
etk_zs_read(struct etk_zs *zs, uint64_t off, void *buf, size_t len,
    size_t *nread, struct etk_error *err)
{
	const struct zs_ckpt *k;
	size_t got, want;
	int rc;

	*nread = 0;
	if (len == 0 || (zs->total != UINT64_MAX && off >= zs->total))
		return ETK_OK;
	if (zs->total != UINT64_MAX && len > zs->total - off)
		len = (size_t)(zs->total - off);
	if (zs->fault_out != UINT64_MAX && off >= zs->fault_out)
		return etk_fail(err, zs->fault_code, 0, "%s", zs->fault_msg);
	/* Position the cursor at off. */
	k = zs_best(zs, off);
	if (!zs->live || off < zs->out_pos ||
	    (k != NULL && k->out > zs->out_pos)) {
		if ((rc = zs_restart(zs, k, err)) != ETK_OK)
			return rc;
	}
	while (zs->out_pos < off) {
		want = off - zs->out_pos > ZS_SCRATCH ? ZS_SCRATCH :
		    (size_t)(off - zs->out_pos);
		if ((rc = zs_produce(zs, zs->scratch, want, &got, err)) !=
		    ETK_OK)
			return rc;
		if (got < want)
			return ETK_OK;	/* off is past the end */
	}
	rc = zs_produce(zs, buf, len, &got, err);
	*nread = got;
	return rc;
}

static int
zs_alloc(struct etk_zs **zsp, struct etk_source *src, uint64_t off,
    uint64_t clen, enum etk_zs_mode mode, const char *what,
    struct etk_error *err)
{
	struct etk_zs *zs;
	uint64_t size = etk_source_size(src);

	*zsp = NULL;
	if ((zs = calloc(1, sizeof(*zs))) == NULL ||
	    (zs->inbuf = malloc(ZS_INBUF)) == NULL ||
	    (zs->scratch = malloc(ZS_SCRATCH)) == NULL) {
		if (zs != NULL)
			free(zs->inbuf);
		free(zs);
		return zs_nomem(err);
	}
	zs->src = src;
	zs->in_off = off > size ? size : off;
	zs->in_len = size - zs->in_off;
	if (clen < zs->in_len)
		zs->in_len = clen;
	zs->mode = mode;
	snprintf(zs->what, sizeof(zs->what), "%s", what);
	zs->total = UINT64_MAX;
	zs->fault_out = UINT64_MAX;
	zs->own.spacing = ZS_SPACING0;
	zs->own.next_at = ZS_SPACING0;
	*zsp = zs;
	return ETK_OK;
}

int
etk_zs_new(struct etk_zs **zsp, struct etk_source *src, uint64_t off,
    uint64_t clen, enum etk_zs_mode mode, const char *what,
    struct etk_error *err)
{
	return zs_alloc(zsp, src, off, clen, mode, what, err);
}

int
etk_zs_clone(struct etk_zs **zsp, struct etk_zs *parent,
    struct etk_error *err)
{
	struct etk_zs *zs;
	int rc;

	if ((rc = zs_alloc(&zs, parent->src, parent->in_off, parent->in_len,
	    parent->mode, parent->what, err)) != ETK_OK)
		return rc;
	zs->total = parent->total;
	zs->fault_out = parent->fault_out;
	zs->fault_code = parent->fault_code;
	memcpy(zs->fault_msg, parent->fault_msg, sizeof(zs->fault_msg));
	zs->shared = &parent->own;
	zs->frozen = 1;		/* a clone adds no checkpoints */
	*zsp = zs;
	return ETK_OK;
}

void
etk_zs_freeze(struct etk_zs *zs)
{
	if (zs != NULL)
		zs->frozen = 1;
}

uint64_t
etk_zs_size(const struct etk_zs *zs)
{
	return zs->total;
}

uint64_t
etk_zs_in_pos(const struct etk_zs *zs)
{
	return zs->in_next - (zs->live ? zs->strm.avail_in : 0);
}

void
etk_zs_free(struct etk_zs *zs)
{
	if (zs == NULL)
		return;
	zs_end(zs);
	ckpts_release(&zs->own);
	free(zs->inbuf);
	free(zs->scratch);
	free(zs);
}
