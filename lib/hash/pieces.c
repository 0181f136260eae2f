/*
 * Piecewise digests of a source's media stream: windows of a fixed size
 * at absolute offsets (0, size, 2 size, ...; the last one may be
 * shorter), as dcfldd's hashwindow and etk image --piecewise record
 * them.  A run may be limited to the windows whose first byte lies in a
 * byte range: a shard of SCALE.md's owner rule, which needs no overlap
 * here since a window is owned whole.  The windows are read in order
 * through the source layer (raw, split, E01); the digests of one window
 * are computed by several threads at once when it pays (etk_hasher).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash/hash_int.h"

#define PIECE_CHUNK	(4u * 1024 * 1024)

void
etk_pieces_shard(uint64_t total, uint64_t size, uint64_t k, uint64_t n,
    uint64_t *lo, uint64_t *hi)
{
	uint64_t count;

	if (size == 0 || n == 0 || k >= n) {
		*lo = *hi = 0;
		return;
	}
	count = total / size + (total % size != 0);
	*lo = (uint64_t)((unsigned __int128)count * k / n) * size;
	*hi = (uint64_t)((unsigned __int128)count * (k + 1) / n) * size;
	if (*lo > total)
		*lo = total;
	if (*hi > total)
		*hi = total;
}

/* Read len bytes at off into buf; what cannot be read is zeros, a
 * sector at a time past each error, and the first error goes into
 * reason (when it is still empty). */
static void
read_window(struct etk_source *src, uint64_t off, unsigned char *buf,
    size_t len, char *reason, size_t rlen)
{
	struct etk_error rerr;
	size_t pos = 0, got, step;
	unsigned sector = etk_source_sector_size(src);

	if (sector == 0)
		sector = 512;
	while (pos < len) {
		memset(&rerr, 0, sizeof(rerr));
		got = 0;
		if (etk_source_read(src, off + pos, buf + pos, len - pos, &got,
		    &rerr) == ETK_OK) {
			if (got == 0) {		/* past the end: zeros */
				memset(buf + pos, 0, len - pos);
				break;
			}
			pos += got;
			continue;
		}
		pos += got;
		step = len - pos < sector ? len - pos : sector;
		memset(buf + pos, 0, step);
		if (reason[0] == '\0')
			snprintf(reason, rlen, "%s", rerr.msg);
		pos += step;
	}
}

int
etk_hash_pieces(struct etk_source *src, const struct etk_pieces_opts *o,
    etk_piece_cb cb, void *arg, struct etk_summary *sum,
    struct etk_error *err)
{
	struct etk_hasher *h = NULL;
	struct etk_piece pc;
	unsigned char *buf = NULL;
	uint64_t total, off, end, lo, hi, at, bad = 0, n = 0;
	size_t want;
	char reason[ETK_ERRMSG_MAX];
	int rc;

	if (src == NULL || o == NULL || o->size == 0 || cb == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "pieces: bad arguments");
	total = etk_source_size(src);
	lo = o->has_range ? o->lo : 0;
	hi = o->has_range ? o->hi : total;
	if (hi > total)
		hi = total;
	/* Windows start at multiples of the size. */
	lo = lo / o->size * o->size + (lo % o->size != 0 ? o->size : 0);
	if ((buf = malloc(PIECE_CHUNK)) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	/* -j1 means one core: a shard of many on a cluster node. */
	if ((rc = etk_hasher_new_flags(&h, o->digests != 0 ? o->digests &
	    (ETK_DIGEST_MD5 | ETK_DIGEST_SHA1 | ETK_DIGEST_SHA256) :
	    ETK_DIGEST_SHA256, o->threads >= 2, err)) != ETK_OK) {
		free(buf);
		return rc;
	}
	rc = ETK_OK;
	for (off = lo; off < hi && rc == ETK_OK; off = end) {
		if (o->interrupt != NULL && *o->interrupt)
			break;
		end = total - off > o->size ? off + o->size : total;
		memset(&pc, 0, sizeof(pc));
		pc.offset = off;
		pc.len = end - off;
		reason[0] = '\0';
		for (at = off; at < end; at += want) {
			want = end - at > PIECE_CHUNK ? PIECE_CHUNK :
			    (size_t)(end - at);
			read_window(src, at, buf, want, reason,
			    sizeof(reason));
			if ((rc = etk_hasher_update(h, buf, want, err)) !=
			    ETK_OK)
				break;
			if (o->progress != NULL)
				etk_progress_add(o->progress, want);
		}
		if (rc != ETK_OK ||
		    (rc = etk_hasher_final(h, &pc.digests, err)) != ETK_OK)
			break;
		if (reason[0] != '\0') {
			pc.status = ETK_EIO;
			pc.reason = reason;
			bad++;
		}
		n++;
		if (cb(&pc, arg) != 0)
			break;
	}
	etk_hasher_free(h);
	free(buf);
	if (rc == ETK_OK && sum != NULL) {
		if (bad != 0) {
			snprintf(reason, sizeof(reason), "%" PRIu64 " of %"
			    PRIu64 " windows not read whole (zeros hashed)",
			    bad, n);
			etk_summary_add(sum, etk_source_name(src), "pieces",
			    ETK_OUTCOME_ERROR, n, reason);
		} else
			etk_summary_add(sum, etk_source_name(src), "pieces",
			    n != 0 ? ETK_OUTCOME_OK : ETK_OUTCOME_EMPTY, n,
			    NULL);
	}
	return rc;
}
