/*
 * Bundle helpers: sorted string sets, paths, writing new files inside
 * the bundle under construction and copying evidence-derived files with
 * their hashes checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <etk/extract.h>

#include "bundle_int.h"

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
bs_add(struct bset *s, const char *p, size_t len)
{
	char **nv, *c;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		if ((nv = realloc(s->v, s->cap * sizeof(*nv))) == NULL)
			return ETK_ENOMEM;
		s->v = nv;
	}
	if ((c = malloc(len + 1)) == NULL)
		return ETK_ENOMEM;
	memcpy(c, p, len);
	c[len] = '\0';
	s->v[s->n++] = c;
	s->sorted = 0;
	return ETK_OK;
}

void
bs_sort(struct bset *s)
{
	size_t i, o;

	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	for (i = o = 0; i < s->n; i++) {	/* unique */
		if (o > 0 && strcmp(s->v[o - 1], s->v[i]) == 0) {
			free(s->v[i]);
			continue;
		}
		s->v[o++] = s->v[i];
	}
	s->n = o;
	s->sorted = 1;
}

int
bs_has(struct bset *s, const char *p)
{
	if (!s->sorted)
		bs_sort(s);
	return s->n > 0 && bsearch(&p, s->v, s->n, sizeof(*s->v),
	    cmp_str) != NULL;
}

void
bs_free(struct bset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

char *
bjoin(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p;

	if ((p = malloc(la + lb + 2)) == NULL)
		return NULL;
	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

char *
bstrdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

char *
bsafe(const char *s, size_t max)
{
	size_t i, n = strlen(s);
	char *p;

	if (n > max)
		n = max;
	if ((p = malloc(n + 2)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		p[i] = ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-') ? (char)c : '_';
	}
	p[n] = '\0';
	/* "." and ".." are not names */
	if (n == 0 || strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
		memset(p, '_', n ? n : 1);
		p[n ? n : 1] = '\0';
	}
	return p;
}

int
bmkdirs(const char *base, const char *rel, struct etk_error *err)
{
	char *p, *q;
	int rc = ETK_OK;

	if ((p = bjoin(base, rel)) == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	for (q = p + strlen(base) + 1; (q = strchr(q, '/')) != NULL; q++) {
		*q = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			rc = etk_fail(err, ETK_EIO, errno, "cannot make "
			    "directory '%s'", p);
			break;
		}
		*q = '/';
	}
	free(p);
	return rc;
}

void
bsha256(const void *p, size_t len, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 32;

	EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL);
	etk_hex(md, 32, hex);
}

static int
write_all(int fd, const void *p, size_t len)
{
	const char *c = p;
	ssize_t n;

	while (len > 0) {
		n = write(fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

int
bwrite(const char *base, const char *rel, const void *p, size_t len,
    int mode, char *sha_hex, struct etk_error *err)
{
	char *path;
	int fd, rc;

	if ((rc = bmkdirs(base, rel, err)) != ETK_OK)
		return rc;
	if ((path = bjoin(base, rel)) == NULL)
		return etk_fail(err, ETK_ENOMEM, 0, "out of memory");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode ? mode :
	    0644);
	if (fd < 0) {
		rc = etk_fail(err, errno == EEXIST ? ETK_EEXIST : ETK_EIO,
		    errno, "cannot create '%s'", path);
		free(path);
		return rc;
	}
	if (write_all(fd, p, len) != 0 || fsync(fd) != 0) {
		rc = etk_fail(err, ETK_EIO, errno, "cannot write '%s'", path);
		close(fd);
		unlink(path);
		free(path);
		return rc;
	}
	close(fd);
	free(path);
	if (sha_hex != NULL)
		bsha256(p, len, sha_hex);
	return ETK_OK;
}

int
bcopyf(const char *src, const char *base, const char *rel, const char *want,
    int *ok, char *got, struct etk_error *err)
{
	unsigned char md[32], buf[65536];
	char hex[65], *path = NULL;
	EVP_MD_CTX *ctx = NULL;
	int in = -1, out = -1, rc;
	ssize_t n;

	*ok = 0;
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return ETK_OK;	/* missing: the caller lists it */
	if ((rc = bmkdirs(base, rel, err)) != ETK_OK)
		goto out;
	if ((path = bjoin(base, rel)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, 0, "out of memory");
		goto out;
	}
	if ((out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) < 0) {
		rc = etk_fail(err, errno == EEXIST ? ETK_EEXIST : ETK_EIO,
		    errno, "cannot create '%s'", path);
		goto out;
	}
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (;;) {
		n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = etk_fail(err, ETK_EIO, errno, "cannot read '%s'",
			    src);
			goto out;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		if (write_all(out, buf, (size_t)n) != 0) {
			rc = etk_fail(err, ETK_EIO, errno, "cannot write '%s'",
			    path);
			goto out;
		}
	}
	EVP_DigestFinal_ex(ctx, md, NULL);
	etk_hex(md, 32, hex);
	if (got != NULL)
		memcpy(got, hex, 65);
	if (fsync(out) != 0) {
		rc = etk_fail(err, ETK_EIO, errno, "cannot write '%s'", path);
		goto out;
	}
	*ok = want == NULL || strcmp(want, hex) == 0;
	rc = ETK_OK;
out:
	if (out >= 0) {
		close(out);
		if (rc != ETK_OK || !*ok)
			unlink(path);
	}
	if (in >= 0)
		close(in);
	EVP_MD_CTX_free(ctx);
	free(path);
	return rc;
}

int
btime(const char *s, int64_t *sec, int32_t *ns)
{
	if (s == NULL)
		return -1;
	return etk_extract_parse_time(s, 0, sec, ns);
}
