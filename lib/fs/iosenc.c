/*
 * Encrypted iTunes / Finder backups: the keybag, the password, and the
 * AES layers, all with OpenSSL.  iosbackup.c finds the pieces (the
 * keybag and ManifestKey in Manifest.plist, each file's EncryptionKey in
 * its Manifest.db record) and calls these.
 *
 * The layout, as iOS 10.2 and later write it:
 *
 *   BackupKeyBag  TLV blocks: 4-byte tag, 4-byte big-endian length,
 *                 value (4-byte values are big-endian integers).  Header
 *                 tags (VERS, TYPE, UUID, HMCK, WRAP, SALT, ITER, DPWT,
 *                 DPIC, DPSL), then one group per protection class, each
 *                 opened by a UUID: CLAS, WRAP, KTYP, WPKY (, PBKY).
 *   password key  PBKDF2-HMAC-SHA256(password, DPSL, DPIC, 32), then
 *                 PBKDF2-HMAC-SHA1(that, SALT, ITER, 32).  Backups older
 *                 than iOS 10.2 have no DPSL/DPIC: only the SHA-1 round.
 *   class keys    WPKY unwrapped with the password key (RFC 3394 AES key
 *                 wrap), for the classes whose WRAP has bit 2 (passcode).
 *                 The unwrap's integrity check is what tells a wrong
 *                 password.
 *   file keys     class (4 bytes little-endian) + 40-byte wrapped key,
 *                 unwrapped with that class key.
 *   data          AES-256-CBC, zero IV, PKCS#7 padding; a file's record
 *                 gives its real Size.
 *
 * Iteration counts come from the keybag (a device writes DPIC 10,000,000
 * and ITER 10,000: a few seconds).  They are capped so that a tampered
 * keybag cannot keep a command busy for hours.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "fs/cont_int.h"

#define KEYBAG_MAX	(64 * 1024)
#define PASSWORD_MAX	4096
#define DPIC_MAX	100000000u	/* 10x what devices write */
#define ITER_MAX	10000000u
#define NCLASS_MAX	32
#define CHUNK		(64 * 1024)	/* ciphertext decrypted per step */

struct ios_class {
	uint32_t cls;
	uint32_t wrap;
	int have;			/* key unwrapped */
	unsigned char wpky[40];
	size_t wpky_len;
	unsigned char key[32];
};

struct etk_ios_keys {
	struct ios_class c[NCLASS_MAX];
	size_t n;
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* RFC 3394 unwrap of in (n bytes, a multiple of 8, 24..48) with a
 * 256-bit KEK.  0 when the integrity check passes. */
static int
unwrap(const unsigned char kek[32], const unsigned char *in, size_t n,
    unsigned char *out, size_t *outlen)
{
	EVP_CIPHER_CTX *ctx;
	int l1 = 0, l2 = 0, ok;

	*outlen = 0;
	if (n < 24 || n > 48 || n % 8 != 0)
		return -1;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_wrap(), NULL, kek, NULL) == 1 &&
	    EVP_DecryptUpdate(ctx, out, &l1, in, (int)n) == 1 && l1 > 0 &&
	    EVP_DecryptFinal_ex(ctx, out + l1, &l2) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		return -1;
	*outlen = (size_t)(l1 + l2);
	return 0;
}

/* The password: the file's first line, without "\n" or "\r\n". */
static int
read_password(const char *path, unsigned char *pw, size_t *len,
    struct etk_error *err)
{
	ssize_t r;
	size_t n = 0;
	char *nl;
	int fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return etk_fail(err, ETK_EINVAL, errno, "cannot read password "
		    "file '%s'", path);
	while (n < PASSWORD_MAX) {
		r = read(fd, pw + n, PASSWORD_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return etk_fail(err, ETK_EINVAL, errno, "cannot read "
			    "password file '%s'", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if ((nl = memchr(pw, '\n', n)) != NULL)
		n = (size_t)(nl - (char *)pw);
	else if (n == PASSWORD_MAX)
		return etk_fail(err, ETK_EINVAL, 0, "password file '%s': first "
		    "line longer than %d bytes", path, PASSWORD_MAX - 1);
	if (n > 0 && pw[n - 1] == '\r')
		n--;
	if (n == 0)
		return etk_fail(err, ETK_EINVAL, 0, "password file '%s' is "
		    "empty", path);
	*len = n;
	return ETK_OK;
}

int
etk_ios_unlock(struct etk_ios_keys **kp, const unsigned char *kb, size_t n,
    const char *password_file, struct etk_error *err)
{
	const unsigned char *salt = NULL, *dpsl = NULL, *v;
	size_t salt_len = 0, dpsl_len = 0, off, len, pwlen, i, klen;
	uint32_t iter = 0, dpic = 0, tag;
	unsigned char *pw = NULL, round1[32], kek[32];
	struct etk_ios_keys *k;
	struct ios_class *cur = NULL;
	int seen_uuid = 0, rc, unlocked = 0;

	*kp = NULL;
	if (n < 8 || n > KEYBAG_MAX)
		return etk_fail(err, ETK_EFORMAT, 0, "BackupKeyBag: %zu bytes",
		    n);
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	for (off = 0; off + 8 <= n; off += 8 + len) {
		tag = be32(kb + off);
		len = be32(kb + off + 4);
		if (len > n - off - 8) {
			rc = etk_fail(err, ETK_EFORMAT, 0, "BackupKeyBag: block "
			    "at %zu runs past the end", off);
			goto fail;
		}
		v = kb + off + 8;
#define TAG(a) ((uint32_t)(a)[0] << 24 | (uint32_t)(a)[1] << 16 | \
    (uint32_t)(a)[2] << 8 | (uint32_t)(a)[3])
		if (tag == TAG("UUID")) {
			/* The first UUID is the keybag's; each later one opens
			 * a class group. */
			if (!seen_uuid) {
				seen_uuid = 1;
				continue;
			}
			if (k->n == NCLASS_MAX) {
				rc = etk_fail(err, ETK_EFORMAT, 0, "BackupKeyBag: "
				    "more than %d classes", NCLASS_MAX);
				goto fail;
			}
			cur = &k->c[k->n++];
		} else if (cur != NULL) {
			if (tag == TAG("CLAS") && len == 4)
				cur->cls = be32(v);
			else if (tag == TAG("WRAP") && len == 4)
				cur->wrap = be32(v);
			else if (tag == TAG("WPKY") && len <= sizeof(cur->wpky)) {
				memcpy(cur->wpky, v, len);
				cur->wpky_len = len;
			}
		} else if (tag == TAG("SALT")) {
			salt = v;
			salt_len = len;
		} else if (tag == TAG("DPSL")) {
			dpsl = v;
			dpsl_len = len;
		} else if (tag == TAG("ITER") && len == 4)
			iter = be32(v);
		else if (tag == TAG("DPIC") && len == 4)
			dpic = be32(v);
#undef TAG
	}
	if (salt == NULL || iter == 0 || k->n == 0) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "BackupKeyBag: no %s",
		    salt == NULL ? "SALT" : iter == 0 ? "ITER" : "class keys");
		goto fail;
	}
	if (iter > ITER_MAX || dpic > DPIC_MAX || (dpsl != NULL && dpic == 0)) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "BackupKeyBag: implausible "
		    "iteration counts (ITER %" PRIu32 ", DPIC %" PRIu32 ")",
		    iter, dpic);
		goto fail;
	}
	if ((pw = malloc(PASSWORD_MAX)) == NULL) {
		rc = etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = read_password(password_file, pw, &pwlen, err)) != ETK_OK)
		goto fail;
	/* iOS 10.2 and later: a SHA-256 round with DPSL/DPIC first. */
	if (dpsl != NULL) {
		if (PKCS5_PBKDF2_HMAC((const char *)pw, (int)pwlen, dpsl,
		    (int)dpsl_len, (int)dpic, EVP_sha256(), 32, round1) != 1 ||
		    PKCS5_PBKDF2_HMAC((const char *)round1, 32, salt,
		    (int)salt_len, (int)iter, EVP_sha1(), 32, kek) != 1) {
			rc = etk_fail(err, ETK_ENOMEM, 0, "PBKDF2 failed");
			goto fail;
		}
	} else if (PKCS5_PBKDF2_HMAC((const char *)pw, (int)pwlen, salt,
	    (int)salt_len, (int)iter, EVP_sha1(), 32, kek) != 1) {
		rc = etk_fail(err, ETK_ENOMEM, 0, "PBKDF2 failed");
		goto fail;
	}
	for (i = 0; i < k->n; i++) {
		struct ios_class *c = &k->c[i];

		if (c->wpky_len == 0 || !(c->wrap & 2))
			continue;	/* device-wrapped: not in a backup */
		/* Any passcode-wrapped class key that does not unwrap means
		 * the password is wrong (or the keybag was altered: the
		 * check cannot tell which). */
		if (unwrap(kek, c->wpky, c->wpky_len, c->key, &klen) != 0 ||
		    klen != 32) {
			rc = etk_fail(err, ETK_EINVAL, 0, "wrong password (the "
			    "keybag's class keys do not unwrap)");
			goto fail;
		}
		c->have = 1;
		unlocked++;
	}
	if (unlocked == 0) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "BackupKeyBag: no "
		    "password-wrapped class key");
		goto fail;
	}
	rc = ETK_OK;
	*kp = k;
	k = NULL;
fail:
	OPENSSL_cleanse(round1, sizeof(round1));
	OPENSSL_cleanse(kek, sizeof(kek));
	if (pw != NULL) {
		OPENSSL_cleanse(pw, PASSWORD_MAX);
		free(pw);
	}
	etk_ios_keys_free(k);
	return rc;
}

void
etk_ios_keys_free(struct etk_ios_keys *k)
{
	if (k == NULL)
		return;
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

int
etk_ios_unwrap(const struct etk_ios_keys *k, uint32_t cls,
    const unsigned char *wrapped, size_t n, unsigned char key[32])
{
	size_t i, len;

	for (i = 0; i < k->n; i++)
		if (k->c[i].cls == cls && k->c[i].have)
			break;
	if (i == k->n)
		return ETK_ENOTFOUND;
	if (unwrap(k->c[i].key, wrapped, n, key, &len) != 0 || len != 32) {
		OPENSSL_cleanse(key, 32);
		return ETK_EFORMAT;
	}
	return ETK_OK;
}

/* AES-256-CBC decrypt n bytes (a multiple of 16) in place. */
static int
cbc(EVP_CIPHER_CTX *ctx, const unsigned char key[32],
    const unsigned char iv[16], unsigned char *buf, size_t n)
{
	int l = 0;

	if (n == 0)
		return 0;
	if (n > INT_MAX || EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), NULL,
	    key, iv) != 1 || EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_DecryptUpdate(ctx, buf, &l, buf, (int)n) != 1 ||
	    (size_t)l != n)
		return -1;
	return 0;
}

int
etk_ios_decrypt_buf(const unsigned char key[32], unsigned char *buf,
    size_t n, size_t *plain)
{
	static const unsigned char zero[16];
	EVP_CIPHER_CTX *ctx;
	unsigned pad, i;
	int rc;

	*plain = 0;
	if (n == 0 || n % 16 != 0)
		return ETK_EFORMAT;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return ETK_ENOMEM;
	rc = cbc(ctx, key, zero, buf, n);
	EVP_CIPHER_CTX_free(ctx);
	if (rc != 0)
		return ETK_ENOMEM;
	pad = buf[n - 1];
	if (pad == 0 || pad > 16)
		return ETK_EFORMAT;
	for (i = 1; i <= pad; i++)
		if (buf[n - i] != pad)
			return ETK_EFORMAT;
	*plain = n - pad;
	return ETK_OK;
}

/* ---- a decrypting source over one stored file ---- */

struct encsrc {
	int fd;
	uint64_t csize;		/* ciphertext bytes used (multiple of 16) */
	uint64_t size;		/* plaintext, from the record */
	EVP_CIPHER_CTX *ctx;
	unsigned char key[32];
	unsigned char *buf;	/* CHUNK + 16 */
};

static int
pread_full(int fd, void *buf, size_t len, uint64_t off, size_t *got)
{
	ssize_t r;
	size_t done = 0;

	while (done < len) {
		r = pread(fd, (char *)buf + done, len - done,
		    (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*got = done;
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	*got = done;
	return 0;
}

/*
 * CBC decrypts any block from the ciphertext block before it (the zero
 * IV for the first), so a read at any offset costs one extra block.
 */
static int
enc_read(void *ctx, uint64_t off, void *out, size_t len, size_t *nread,
    struct etk_error *err)
{
	static const unsigned char zero[16];
	struct encsrc *s = ctx;
	uint64_t end, blk, cstart, cend;
	size_t n, got, skip, take, done = 0;
	unsigned char iv[16];

	*nread = 0;
	if (off >= s->size || len == 0)
		return ETK_OK;
	end = off + len > s->size || off + len < off ? s->size : off + len;
	while (off < end) {
		blk = off / 16 * 16;
		cstart = blk >= 16 ? blk - 16 : 0;
		cend = (end + 15) / 16 * 16;
		if (cend > s->csize)
			cend = s->csize;
		if (cend - blk > CHUNK)
			cend = blk + CHUNK;
		n = (size_t)(cend - cstart);
		if (pread_full(s->fd, s->buf, n, cstart, &got) != 0) {
			*nread = done;
			return etk_fail(err, ETK_EIO, errno, "read at offset %"
			    PRIu64, cstart + got);
		}
		if (got < n) {
			*nread = done;
			return etk_fail(err, ETK_EFORMAT, 0, "encrypted file "
			    "shorter than its record says (%" PRIu64 " of %"
			    PRIu64 " bytes)", cstart + got, s->csize);
		}
		if (blk >= 16) {
			memcpy(iv, s->buf, 16);
			skip = 16;
		} else {
			memcpy(iv, zero, 16);
			skip = 0;
		}
		if (cbc(s->ctx, s->key, iv, s->buf + skip, n - skip) != 0) {
			*nread = done;
			return etk_fail(err, ETK_ENOMEM, 0, "AES-256-CBC failed");
		}
		skip += (size_t)(off - blk);
		take = (size_t)((cend < end ? cend : end) - off);
		memcpy((char *)out + done, s->buf + skip, take);
		done += take;
		off += take;
	}
	OPENSSL_cleanse(iv, sizeof(iv));
	*nread = done;
	return ETK_OK;
}

static void
enc_close(void *ctx)
{
	struct encsrc *s = ctx;

	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	EVP_CIPHER_CTX_free(s->ctx);
	if (s->buf != NULL) {
		OPENSSL_cleanse(s->buf, CHUNK + 16);
		free(s->buf);
	}
	OPENSSL_cleanse(s->key, sizeof(s->key));
	free(s);
}

static const struct etk_source_ops enc_ops = { enc_read, enc_close };

int
etk_ios_enc_source(struct etk_source **out, int fd,
    const unsigned char key[32], uint64_t size, const char *name,
    struct etk_error *err)
{
	struct encsrc *s;
	unsigned char last[32];
	uint64_t csize;
	size_t got, want;
	off_t sz;
	unsigned pad, i;
	int ok;

	*out = NULL;
	if ((sz = lseek(fd, 0, SEEK_END)) < 0) {
		close(fd);
		return etk_fail(err, ETK_EIO, errno, "%s", name);
	}
	csize = (uint64_t)sz;
	/* Ciphertext: whole blocks, at least Size plus one padding byte. */
	if (csize % 16 != 0 || (size > 0 && csize < size) ||
	    (size == 0 && csize != 0 && csize != 16)) {
		close(fd);
		return etk_fail(err, ETK_EFORMAT, 0, "%s: %" PRIu64 " bytes of "
		    "ciphertext do not fit a %" PRIu64 "-byte file", name,
		    csize, size);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->buf = malloc(CHUNK + 16)) == NULL ||
	    (s->ctx = EVP_CIPHER_CTX_new()) == NULL) {
		if (s != NULL)
			free(s->buf);
		free(s);
		close(fd);
		return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
	}
	s->fd = fd;
	s->csize = csize;
	s->size = size;
	memcpy(s->key, key, 32);
	/* When the ciphertext ends right after the data, its last block
	 * holds PKCS#7 padding: check it, so that a wrong key or a damaged
	 * file is an error here rather than garbage later. */
	if (csize >= 16 && csize == (size / 16 + 1) * 16) {
		memset(last, 0, 16);	/* the IV of a one-block file */
		want = csize >= 32 ? 32 : 16;
		ok = pread_full(fd, last + 32 - want, want, csize - want,
		    &got) == 0 && got == want;
		if (!ok) {
			enc_close(s);
			return etk_fail(err, ETK_EIO, errno, "%s: cannot read "
			    "its last block", name);
		}
		ok = cbc(s->ctx, s->key, last, last + 16, 16) == 0;
		pad = last[31];
		ok = ok && pad == csize - size;	/* 1..16 here */
		for (i = 1; ok && i <= pad; i++)
			ok = last[32 - i] == pad;
		OPENSSL_cleanse(last, sizeof(last));
		if (!ok) {
			enc_close(s);
			return etk_fail(err, ETK_EFORMAT, 0, "%s: does not "
			    "decrypt (bad padding: damaged file or wrong key)",
			    name);
		}
	}
	return etk_source_new_custom(out, &enc_ops, s, size, 0, name,
	    "file", err);
}
