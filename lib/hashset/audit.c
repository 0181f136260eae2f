/*
 * Audit against a previous run's hashdeep file (hashdeep -a).  The
 * known file is held in memory: entries in file order, a path hash
 * table and per algorithm a sorted array of entry numbers.
 *
 * Classification (comparing the digests both sides have, and the size):
 *   MATCHED  the path is known and its digests and size agree;
 *   CHANGED  the path is known but its digests or size differ, or the
 *            path is unknown and some digest of a known entry agrees
 *            while another differs (hashdeep's "partially matched");
 *   MOVED    the path is unknown and a known entry's digests and size
 *            all agree (the first such entry not yet seen is taken);
 *   NEW      neither.
 * Paths compare as exact byte strings: give them as the hashdeep file
 * has them.  Missing: known entries neither seen by path nor taken by a
 * move, in file order.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <etk/hashset.h>

#include "hashset/hashset_int.h"

#define AUDIT_MAX_ENTRIES	50000000u

enum { ST_UNSEEN = 0, ST_SEEN, ST_MOVED };

struct aentry {
	uint64_t size;
	uint64_t name;		/* offset in names */
	unsigned char mask;
	unsigned char state;
	unsigned char md5[16];
	unsigned char sha1[20];
	unsigned char sha256[32];
};

struct etk_audit {
	struct aentry *e;
	size_t n, cap;
	char *names;
	size_t nlen, ncap;
	uint32_t *ptab;		/* path table: entry + 1, 0 = empty */
	size_t pcap;		/* power of two */
	uint32_t *byd[HS_NALG];	/* entries with slot s, by digest */
	size_t nbyd[HS_NALG];
	unsigned mask;
	const char *fname;
};

static const unsigned char *
edig(const struct aentry *e, int s)
{
	return s == HS_MD5 ? e->md5 : s == HS_SHA1 ? e->sha1 : e->sha256;
}

static uint64_t
phash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ull;
	return h;
}

static int
add_row(void *arg, const struct hs_row *r, struct etk_error *err)
{
	struct etk_audit *a = arg;
	struct aentry *e, *ne;
	size_t need, nc;
	char *nn;
	int s;

	if (a->n == AUDIT_MAX_ENTRIES)
		return etk_fail(err, ETK_EUNSUPP, 0, "%s: more than %u "
		    "entries", a->fname, AUDIT_MAX_ENTRIES);
	if (a->n == a->cap) {
		nc = a->cap == 0 ? 1024 : a->cap * 2;
		if ((ne = realloc(a->e, nc * sizeof(*ne))) == NULL)
			return etk_fail(err, ETK_ENOMEM, errno, "%s",
			    a->fname);
		a->e = ne;
		a->cap = nc;
	}
	need = a->nlen + r->namelen + 1;
	if (need > a->ncap) {
		nc = a->ncap == 0 ? 65536 : a->ncap;
		while (nc < need)
			nc *= 2;
		if ((nn = realloc(a->names, nc)) == NULL)
			return etk_fail(err, ETK_ENOMEM, errno, "%s",
			    a->fname);
		a->names = nn;
		a->ncap = nc;
	}
	e = &a->e[a->n++];
	memset(e, 0, sizeof(*e));
	e->size = r->size;
	e->mask = (unsigned char)r->mask;
	e->name = a->nlen;
	memcpy(a->names + a->nlen, r->name, r->namelen);
	a->names[a->nlen + r->namelen] = '\0';
	a->nlen = need;
	for (s = 0; s < HS_NALG; s++)
		if (r->mask & hs_algbit[s])
			memcpy((unsigned char *)edig(e, s), r->bin[s],
			    hs_alglen[s]);
	a->mask |= r->mask;
	return ETK_OK;
}

/* qsort_r is not C11: sort with a file-scope context (open is not
 * thread-safe against itself only for this short step). */
static _Thread_local const struct etk_audit *sort_a;
static _Thread_local int sort_s;

static int
cmp_entry(const void *x, const void *y)
{
	const struct aentry *ex = &sort_a->e[*(const uint32_t *)x];
	const struct aentry *ey = &sort_a->e[*(const uint32_t *)y];
	int c = memcmp(edig(ex, sort_s), edig(ey, sort_s),
	    hs_alglen[sort_s]);

	if (c != 0)
		return c;
	return *(const uint32_t *)x < *(const uint32_t *)y ? -1 : 1;
}

static int
index_audit(struct etk_audit *a, struct etk_error *err)
{
	size_t i, k, j;
	uint64_t h;
	int s;

	for (a->pcap = 16; a->pcap < a->n * 2; a->pcap *= 2)
		;
	if ((a->ptab = calloc(a->pcap, sizeof(*a->ptab))) == NULL)
		return etk_fail(err, ETK_ENOMEM, errno, "%s", a->fname);
	for (i = 0; i < a->n; i++) {
		const char *nm = a->names + a->e[i].name;

		h = phash(nm, strlen(nm));
		for (j = (size_t)h & (a->pcap - 1); a->ptab[j] != 0;
		    j = (j + 1) & (a->pcap - 1))
			;
		a->ptab[j] = (uint32_t)(i + 1);
	}
	for (s = 0; s < HS_NALG; s++) {
		if (!(a->mask & hs_algbit[s]))
			continue;
		if ((a->byd[s] = malloc((a->n + 1) * sizeof(uint32_t))) ==
		    NULL)
			return etk_fail(err, ETK_ENOMEM, errno, "%s",
			    a->fname);
		for (i = 0, k = 0; i < a->n; i++)
			if (a->e[i].mask & hs_algbit[s])
				a->byd[s][k++] = (uint32_t)i;
		a->nbyd[s] = k;
		sort_a = a;
		sort_s = s;
		qsort(a->byd[s], k, sizeof(uint32_t), cmp_entry);
	}
	return ETK_OK;
}

int
etk_audit_open(struct etk_audit **ap, const char *path, struct etk_error *err)
{
	struct etk_audit *a;
	struct hs_lines lr;
	int fd, rc;

	if (ap == NULL || path == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "etk_audit_open: NULL");
	*ap = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "cannot open audit file '%s'", path);
	if ((a = calloc(1, sizeof(*a))) == NULL || hs_lines_init(&lr, fd)) {
		free(a);
		close(fd);
		return etk_fail(err, ETK_ENOMEM, errno, "%s", path);
	}
	a->fname = path;
	rc = hs_hashdeep_parse(&lr, path, add_row, a, err);
	hs_lines_release(&lr);
	close(fd);
	if (rc == ETK_OK)
		rc = index_audit(a, err);
	a->fname = NULL;
	if (rc != ETK_OK) {
		etk_audit_close(a);
		return rc;
	}
	*ap = a;
	return ETK_OK;
}

void
etk_audit_close(struct etk_audit *a)
{
	int s;

	if (a == NULL)
		return;
	for (s = 0; s < HS_NALG; s++)
		free(a->byd[s]);
	free(a->ptab);
	free(a->e);
	free(a->names);
	free(a);
}

unsigned
etk_audit_digests(const struct etk_audit *a)
{
	return a->mask;
}

/* Compare e with the file: 2 all common digests (>= 1) and the size
 * agree, 1 some digest agrees but not all, 0 none. */
static int
compare(const struct aentry *e, uint64_t size, unsigned m,
    const unsigned char bin[HS_NALG][32])
{
	int s, same = 0, diff = 0;

	m &= e->mask;
	for (s = 0; s < HS_NALG; s++) {
		if (!(m & hs_algbit[s]))
			continue;
		if (memcmp(edig(e, s), bin[s], hs_alglen[s]) == 0)
			same++;
		else
			diff++;
	}
	if (same > 0 && diff == 0 && e->size == size)
		return 2;
	return same > 0 ? 1 : 0;
}

enum etk_audit_status
etk_audit_check(struct etk_audit *a, const char *path, uint64_t size,
    const struct etk_digests *d)
{
	const char *hex[HS_NALG];
	unsigned char bin[HS_NALG][32];
	struct aentry *e, *best = NULL;
	size_t j, lo, hi, mid, w;
	unsigned m = 0;
	uint32_t *v;
	int s, c, partial = 0, known = 0;

	hex[HS_MD5] = d->md5;
	hex[HS_SHA1] = d->sha1;
	hex[HS_SHA256] = d->sha256;
	for (s = 0; s < HS_NALG; s++) {
		w = hs_alglen[s];
		if ((d->mask & hs_algbit[s]) &&
		    strnlen(hex[s], 2 * w + 1) == 2 * w &&
		    hs_unhex(hex[s], 2 * w, bin[s]) == 0)
			m |= hs_algbit[s];
	}
	m &= a->mask;
	/* by path */
	for (j = (size_t)phash(path, strlen(path)) & (a->pcap - 1);
	    a->ptab[j] != 0; j = (j + 1) & (a->pcap - 1)) {
		e = &a->e[a->ptab[j] - 1];
		if (strcmp(a->names + e->name, path) != 0)
			continue;
		known = 1;
		if (best == NULL && e->state != ST_SEEN &&
		    compare(e, size, m, bin) == 2)
			best = e;
	}
	if (known) {
		if (best != NULL) {
			best->state = ST_SEEN;
			return ETK_AUDIT_MATCHED;
		}
		for (j = (size_t)phash(path, strlen(path)) & (a->pcap - 1);
		    a->ptab[j] != 0; j = (j + 1) & (a->pcap - 1)) {
			e = &a->e[a->ptab[j] - 1];
			if (strcmp(a->names + e->name, path) == 0)
				e->state = ST_SEEN;
		}
		return ETK_AUDIT_CHANGED;
	}
	/* by digest */
	for (s = 0; s < HS_NALG && best == NULL; s++) {
		if (!(m & hs_algbit[s]))
			continue;
		v = a->byd[s];
		w = hs_alglen[s];
		lo = 0;
		hi = a->nbyd[s];
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (memcmp(edig(&a->e[v[mid]], s), bin[s], w) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < a->nbyd[s] &&
		    memcmp(edig(&a->e[v[lo]], s), bin[s], w) == 0; lo++) {
			e = &a->e[v[lo]];
			c = compare(e, size, m, bin);
			if (c == 2 && (best == NULL ||
			    (best->state != ST_UNSEEN &&
			    e->state == ST_UNSEEN)))
				best = e;
			else if (c == 1)
				partial = 1;
		}
	}
	if (best != NULL) {
		if (best->state == ST_UNSEEN)
			best->state = ST_MOVED;
		return ETK_AUDIT_MOVED;
	}
	return partial ? ETK_AUDIT_CHANGED : ETK_AUDIT_NEW;
}

void
etk_audit_missing(struct etk_audit *a, void (*cb)(const char *, void *),
    void *arg)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->e[i].state == ST_UNSEEN)
			cb(a->names + a->e[i].name, arg);
}

const char *
etk_audit_status_name(enum etk_audit_status st)
{
	switch (st) {
	case ETK_AUDIT_MATCHED:
		return "matched";
	case ETK_AUDIT_MOVED:
		return "moved";
	case ETK_AUDIT_NEW:
		return "new";
	case ETK_AUDIT_CHANGED:
		return "changed";
	}
	return "unknown";
}
