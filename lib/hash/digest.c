/*
 * Digests: MD5, SHA-1 and SHA-256 through OpenSSL EVP (each EVP_MD
 * fetched once per process), ssdeep through libfuzzy.  A hasher with
 * two or more digests may give one digest group to a helper thread for
 * big updates: both threads read the same buffer (no copy), the caller
 * waits for the helper before returning, so the buffer is free again
 * when etk_hasher_update returns.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <fuzzy.h>

#include "hash/hash_int.h"

#if FUZZY_MAX_RESULT > ETK_SSDEEP_MAX
#error "ETK_SSDEEP_MAX is smaller than FUZZY_MAX_RESULT"
#endif

static const struct {
	const char *name;
	unsigned bit;
} digest_names[] = {
	{ "md5",	ETK_DIGEST_MD5 },
	{ "sha1",	ETK_DIGEST_SHA1 },
	{ "sha256",	ETK_DIGEST_SHA256 },
	{ "ssdeep",	ETK_DIGEST_SSDEEP }
};
#define NDIGESTS (sizeof(digest_names) / sizeof(digest_names[0]))

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_md5, *md_sha1, *md_sha256;

static void
md_fetch(void)
{
	md_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int
etk_digest_parse(const char *list, unsigned *mask, struct etk_error *err)
{
	const char *p = list, *e;
	unsigned m = 0;
	size_t i, n;

	*mask = 0;
	if (list == NULL || *list == '\0')
		return etk_fail(err, ETK_EINVAL, 0, "empty digest list");
	while (*p != '\0') {
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		n = (size_t)(e - p);
		for (i = 0; i < NDIGESTS; i++)
			if (strlen(digest_names[i].name) == n &&
			    strncasecmp(digest_names[i].name, p, n) == 0)
				break;
		if (i == NDIGESTS)
			return etk_fail(err, ETK_EINVAL, 0, "unknown digest "
			    "'%.*s' (expected md5, sha1, sha256, ssdeep)",
			    (int)(n > 64 ? 64 : n), p);
		m |= digest_names[i].bit;
		p = *e == ',' ? e + 1 : e;
		if (*e == ',' && *p == '\0')
			return etk_fail(err, ETK_EINVAL, 0, "empty digest "
			    "name in '%s'", list);
	}
	*mask = m;
	return ETK_OK;
}

/* Every subset of the four bits, built once. */
static char digest_sets[16][32];
static pthread_once_t sets_once = PTHREAD_ONCE_INIT;

static void
sets_build(void)
{
	unsigned m;
	size_t i;

	for (m = 0; m < 16; m++)
		for (i = 0; i < NDIGESTS; i++)
			if (m & digest_names[i].bit) {
				if (digest_sets[m][0] != '\0')
					strcat(digest_sets[m], ",");
				strcat(digest_sets[m], digest_names[i].name);
			}
}

const char *
etk_digest_names(unsigned mask)
{
	pthread_once(&sets_once, sets_build);
	return digest_sets[mask & ETK_DIGEST_ALL];
}

/* ---- the hasher ---- */

struct etk_hasher {
	unsigned mask;
	EVP_MD_CTX *md5, *sha1, *sha256;
	struct fuzzy_state *fz;
	int err;		/* a digest update failed */
	/* helper thread */
	int threaded;		/* allowed to use one */
	int started;
	unsigned hmask;		/* digests the helper runs */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	const unsigned char *jbuf;
	size_t jlen;
	int job;		/* 1: work pending; 0: done */
	int quit;
	int jerr;
};

static int
popcount4(unsigned m)
{
	return (int)((m & 1) + ((m >> 1) & 1) + ((m >> 2) & 1) +
	    ((m >> 3) & 1));
}

/* Feed buf to the digests in m.  Returns 0, or -1 on a failure. */
static int
feed(struct etk_hasher *h, unsigned m, const unsigned char *buf, size_t len)
{
	int bad = 0;

	if ((m & ETK_DIGEST_MD5) && EVP_DigestUpdate(h->md5, buf, len) != 1)
		bad = 1;
	if ((m & ETK_DIGEST_SHA1) && EVP_DigestUpdate(h->sha1, buf, len) != 1)
		bad = 1;
	if ((m & ETK_DIGEST_SHA256) &&
	    EVP_DigestUpdate(h->sha256, buf, len) != 1)
		bad = 1;
	if ((m & ETK_DIGEST_SSDEEP) && fuzzy_update(h->fz, buf, len) != 0)
		bad = 1;
	return bad ? -1 : 0;
}

static void *
helper_main(void *arg)
{
	struct etk_hasher *h = arg;
	const unsigned char *buf;
	size_t len;
	int r;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (h->job == 0 && !h->quit)
			pthread_cond_wait(&h->go, &h->mu);
		if (h->quit)
			break;
		buf = h->jbuf;
		len = h->jlen;
		pthread_mutex_unlock(&h->mu);
		r = feed(h, h->hmask, buf, len);
		pthread_mutex_lock(&h->mu);
		if (r != 0)
			h->jerr = 1;
		h->job = 0;
		pthread_cond_signal(&h->done);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static int
ctx_init(EVP_MD_CTX **ctx, const EVP_MD *md)
{
	if (*ctx == NULL && (*ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	return EVP_DigestInit_ex(*ctx, md, NULL) == 1 ? 0 : -1;
}

/* (Re)start every digest of the mask. */
static int
hasher_reset(struct etk_hasher *h, struct etk_error *err)
{
	unsigned m = h->mask;

	h->err = 0;
	if (((m & ETK_DIGEST_MD5) && ctx_init(&h->md5, md_md5) != 0) ||
	    ((m & ETK_DIGEST_SHA1) && ctx_init(&h->sha1, md_sha1) != 0) ||
	    ((m & ETK_DIGEST_SHA256) && ctx_init(&h->sha256, md_sha256) != 0))
		return etk_fail(err, ETK_ENOMEM, 0, "cannot set up the "
		    "digests (OpenSSL)");
	if (m & ETK_DIGEST_SSDEEP) {
		if (h->fz != NULL)
			fuzzy_free(h->fz);
		if ((h->fz = fuzzy_new()) == NULL)
			return etk_fail(err, ETK_ENOMEM, 0, "cannot set up "
			    "ssdeep");
	}
	return ETK_OK;
}

int
etk_hasher_new_flags(struct etk_hasher **hp, unsigned mask, int threaded,
    struct etk_error *err)
{
	struct etk_hasher *h;
	int rc;

	*hp = NULL;
	mask &= ETK_DIGEST_ALL;
	if (mask == 0)
		mask = ETK_DIGEST_SHA256;
	pthread_once(&md_once, md_fetch);
	if (md_md5 == NULL || md_sha1 == NULL || md_sha256 == NULL)
		return etk_fail(err, ETK_EUNSUPP, 0, "OpenSSL does not "
		    "provide MD5, SHA-1 and SHA-256");
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	h->mask = mask;
	h->threaded = threaded && popcount4(mask) >= 2;
	/* The helper takes the slowest digest: ssdeep, else MD5, else
	 * SHA-1 (SHA-1 and SHA-256 run at about the same speed). */
	if (mask & ETK_DIGEST_SSDEEP)
		h->hmask = ETK_DIGEST_SSDEEP;
	else if (mask & ETK_DIGEST_MD5)
		h->hmask = ETK_DIGEST_MD5;
	else
		h->hmask = ETK_DIGEST_SHA1;
	if ((rc = hasher_reset(h, err)) != ETK_OK) {
		etk_hasher_free(h);
		return rc;
	}
	*hp = h;
	return ETK_OK;
}

int
etk_hasher_new(struct etk_hasher **hp, unsigned mask, struct etk_error *err)
{
	return etk_hasher_new_flags(hp, mask, 1, err);
}

static int
helper_start(struct etk_hasher *h)
{
	if (pthread_mutex_init(&h->mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&h->go, NULL) != 0) {
		pthread_mutex_destroy(&h->mu);
		return -1;
	}
	if (pthread_cond_init(&h->done, NULL) != 0) {
		pthread_cond_destroy(&h->go);
		pthread_mutex_destroy(&h->mu);
		return -1;
	}
	if (pthread_create(&h->th, NULL, helper_main, h) != 0) {
		pthread_cond_destroy(&h->done);
		pthread_cond_destroy(&h->go);
		pthread_mutex_destroy(&h->mu);
		return -1;
	}
	h->started = 1;
	return 0;
}

int
etk_hasher_update(struct etk_hasher *h, const void *buf, size_t len,
    struct etk_error *err)
{
	const unsigned char *p = buf;
	int r;

	if (len == 0)
		return ETK_OK;
	if (h->threaded && len >= ETK_HASH_PAR_MIN && !h->started &&
	    helper_start(h) != 0)
		h->threaded = 0;	/* no thread: do it inline */
	if (h->threaded && h->started && len >= ETK_HASH_PAR_MIN) {
		pthread_mutex_lock(&h->mu);
		h->jbuf = p;
		h->jlen = len;
		h->job = 1;
		pthread_cond_signal(&h->go);
		pthread_mutex_unlock(&h->mu);
		r = feed(h, h->mask & ~h->hmask, p, len);
		pthread_mutex_lock(&h->mu);
		while (h->job != 0)
			pthread_cond_wait(&h->done, &h->mu);
		if (h->jerr) {
			h->jerr = 0;
			r = -1;
		}
		pthread_mutex_unlock(&h->mu);
	} else
		r = feed(h, h->mask, p, len);
	if (r != 0) {
		h->err = 1;
		return etk_fail(err, ETK_EINVAL, 0, "digest update failed");
	}
	return ETK_OK;
}

static int
md_final(EVP_MD_CTX *ctx, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(ctx, md, &n) != 1)
		return -1;
	etk_hex(md, n, hex);
	return 0;
}

int
etk_hasher_final(struct etk_hasher *h, struct etk_digests *out,
    struct etk_error *err)
{
	unsigned m = h->mask;
	int bad = h->err;

	memset(out, 0, sizeof(*out));
	if (!bad && (m & ETK_DIGEST_MD5) && md_final(h->md5, out->md5) != 0)
		bad = 1;
	if (!bad && (m & ETK_DIGEST_SHA1) && md_final(h->sha1, out->sha1) != 0)
		bad = 1;
	if (!bad && (m & ETK_DIGEST_SHA256) &&
	    md_final(h->sha256, out->sha256) != 0)
		bad = 1;
	if (!bad && (m & ETK_DIGEST_SSDEEP) &&
	    fuzzy_digest(h->fz, out->ssdeep, 0) != 0)
		bad = 1;
	if (bad) {
		memset(out, 0, sizeof(*out));
		(void)hasher_reset(h, NULL);
		return etk_fail(err, ETK_EINVAL, 0, "digest failed");
	}
	out->mask = m;
	return hasher_reset(h, err);
}

void
etk_hasher_free(struct etk_hasher *h)
{
	if (h == NULL)
		return;
	if (h->started) {
		pthread_mutex_lock(&h->mu);
		h->quit = 1;
		pthread_cond_signal(&h->go);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->th, NULL);
		pthread_cond_destroy(&h->done);
		pthread_cond_destroy(&h->go);
		pthread_mutex_destroy(&h->mu);
	}
	EVP_MD_CTX_free(h->md5);
	EVP_MD_CTX_free(h->sha1);
	EVP_MD_CTX_free(h->sha256);
	if (h->fz != NULL)
		fuzzy_free(h->fz);
	free(h);
}

void *
etk_hash_buf_alloc(void)
{
	return aligned_alloc(ETK_HASH_ALIGN, ETK_HASH_BUFSZ);
}
