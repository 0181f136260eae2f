/*
 * iTunes / Finder iOS backup folders (iOS 10 and later): Manifest.db
 * maps each stored file (named by fileID = SHA-1 of "domain-path") back
 * to its domain and path on the phone.
 *
 * The evidence is never changed: Manifest.db is opened read-only and
 * immutable ("file:...?immutable=1" URI, SQLITE_OPEN_READONLY), so
 * SQLite takes no lock and creates no -journal, -wal or -shm file.  (An
 * immutable open ignores a Manifest.db-wal; if one is there the walk
 * says so.)  Stored files are opened like dir.c does: no symlink
 * followed, regular files only, O_NOATIME where allowed.
 *
 * Entries: "/" + domain + "/" + relativePath, e.g.
 * "/HomeDomain/Library/SMS/sms.db" (Files.flags 1 file, 2 directory,
 * 4 symbolic link), with the parents the manifest lacks synthesised.
 * inode = the Files rowid.  Size, times, mode and owner come from the
 * row's `file` blob (an NSKeyedArchiver binary plist holding an MBFile)
 * when it parses, else from the stored file.  A file missing from the
 * folder is still listed; opening it says which stored file is missing.
 *
 * Encrypted backups (Manifest.plist IsEncrypted) open with a password
 * file (etk_evidence_open_opts, ETK_PASSWORD_FILE): iosenc.c unlocks
 * the keybag, Manifest.db is decrypted into memory and opened there
 * (sqlite3_deserialize: nothing decrypted ever reaches the disk, so
 * nothing is left behind if the process dies), and each stored file is
 * decrypted as it is read.  Without a password they are refused; so is
 * a Manifest.db that is not SQLite while Manifest.plist does not say
 * encrypted.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <etk/evidence.h>
#include <etk/locator.h>

#include "fs/cont_int.h"

#define PLIST_MAX	(4 * 1024 * 1024)	/* Manifest.plist, at most */
#define BLOB_MAX	(1024 * 1024)		/* `file` blobs, at most */
#define FILEID_MAX	128
#define MANIFEST_DB_MAX	((size_t)1 << 30)	/* decrypted in memory */
#define WKEY_LEN	44			/* class (LE) + wrapped key */

/* ---- binary property lists (bounded, no recursion) ---- */

struct bp {
	const unsigned char *d;
	size_t n;
	unsigned osz, rsz;	/* offset and object-reference sizes */
	uint64_t nobj, otab, top;
};

static uint64_t
be(const unsigned char *p, unsigned k)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < k; i++)
		v = v << 8 | p[i];
	return v;
}

static int
bp_init(struct bp *b, const void *data, size_t n)
{
	const unsigned char *t;

	memset(b, 0, sizeof(*b));
	if (n < 8 + 32 || memcmp(data, "bplist00", 8) != 0)
		return -1;
	b->d = data;
	b->n = n;
	t = b->d + n - 32;
	b->osz = t[6];
	b->rsz = t[7];
	b->nobj = be(t + 8, 8);
	b->top = be(t + 16, 8);
	b->otab = be(t + 24, 8);
	if (b->osz < 1 || b->osz > 8 || b->rsz < 1 || b->rsz > 8 ||
	    b->otab < 8 || b->otab > n - 32 || b->top >= b->nobj ||
	    b->nobj > (n - 32 - b->otab) / b->osz)
		return -1;
	return 0;
}

/* Offset of object ref. */
static int
bp_obj(const struct bp *b, uint64_t ref, size_t *off)
{
	uint64_t o;

	if (ref >= b->nobj)
		return -1;
	o = be(b->d + b->otab + ref * b->osz, b->osz);
	if (o < 8 || o >= b->otab)
		return -1;
	*off = (size_t)o;
	return 0;
}

/* Count and payload start of the object at off (low nibble or a
 * following int). */
static int
bp_count(const struct bp *b, size_t off, uint64_t *count, size_t *start)
{
	unsigned info = b->d[off] & 0x0f, k;

	if (info != 0x0f) {
		*count = info;
		*start = off + 1;
		return 0;
	}
	if (off + 2 > b->otab || (b->d[off + 1] & 0xf0) != 0x10)
		return -1;
	k = 1u << (b->d[off + 1] & 0x0f);
	if (k > 8 || off + 2 + k > b->otab)
		return -1;
	*count = be(b->d + off + 2, k);
	*start = off + 2 + k;
	return 0;
}

static int
bp_int(const struct bp *b, uint64_t ref, int64_t *v)
{
	size_t off;
	unsigned k;
	double dv;
	uint64_t u;

	if (bp_obj(b, ref, &off) != 0)
		return -1;
	switch (b->d[off] & 0xf0) {
	case 0x10:
		k = 1u << (b->d[off] & 0x0f);
		if (k > 16 || off + 1 + k > b->otab)
			return -1;
		*v = (int64_t)be(b->d + off + 1 + (k > 8 ? k - 8 : 0),
		    k > 8 ? 8 : k);
		return 0;
	case 0x20:
	case 0x30:
		k = 1u << (b->d[off] & 0x0f);
		if (k != 8 || off + 9 > b->otab)
			return -1;
		u = be(b->d + off + 1, 8);
		memcpy(&dv, &u, sizeof(dv));
		if (!(dv > -9.2e18 && dv < 9.2e18))
			return -1;
		*v = (int64_t)dv;	/* floor, without libm */
		if (dv < 0 && (double)*v != dv)
			(*v)--;
		return 0;
	default:
		return -1;
	}
}

static int
bp_bool(const struct bp *b, uint64_t ref, int *v)
{
	size_t off;

	if (bp_obj(b, ref, &off) != 0 || (b->d[off] != 0x08 &&
	    b->d[off] != 0x09))
		return -1;
	*v = b->d[off] == 0x09;
	return 0;
}

static int
bp_uid(const struct bp *b, uint64_t ref, uint64_t *v)
{
	size_t off;
	unsigned k;

	if (bp_obj(b, ref, &off) != 0 || (b->d[off] & 0xf0) != 0x80)
		return -1;
	k = (b->d[off] & 0x0f) + 1u;
	if (k > 8 || off + 1 + k > b->otab)
		return -1;
	*v = be(b->d + off + 1, k);
	return 0;
}

/* A data object: *p points into the plist. */
static int
bp_data(const struct bp *b, uint64_t ref, const unsigned char **p,
    size_t *len)
{
	uint64_t count;
	size_t off, start;

	if (bp_obj(b, ref, &off) != 0 || (b->d[off] & 0xf0) != 0x40 ||
	    bp_count(b, off, &count, &start) != 0 || start > b->otab ||
	    count > b->otab - start)
		return -1;
	*p = b->d + start;
	*len = (size_t)count;
	return 0;
}

/* A string (ASCII or UTF-16BE) as UTF-8 into out. */
static int
bp_str(const struct bp *b, uint64_t ref, char *out, size_t outsz)
{
	uint64_t count, i;
	size_t off, start, o = 0;
	unsigned type;
	uint32_t c, c2;

	if (outsz == 0 || bp_obj(b, ref, &off) != 0)
		return -1;
	type = b->d[off] & 0xf0;
	if ((type != 0x50 && type != 0x60) ||
	    bp_count(b, off, &count, &start) != 0)
		return -1;
	if (type == 0x50) {
		if (count > b->otab - start || count >= outsz)
			return -1;
		memcpy(out, b->d + start, (size_t)count);
		out[count] = '\0';
		return 0;
	}
	if (count > (b->otab - start) / 2)
		return -1;
	for (i = 0; i < count; i++) {
		c = (uint32_t)be(b->d + start + 2 * i, 2);
		if (c >= 0xd800 && c < 0xdc00 && i + 1 < count) {
			c2 = (uint32_t)be(b->d + start + 2 * (i + 1), 2);
			if (c2 >= 0xdc00 && c2 < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (c2 - 0xdc00);
				i++;
			}
		}
		if (c == 0 || o + 4 >= outsz)
			return -1;
		if (c < 0x80)
			out[o++] = (char)c;
		else if (c < 0x800) {
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			out[o++] = (char)(0xe0 | c >> 12);
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | c >> 18);
			out[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[o] = '\0';
	return 0;
}

/* Reference number i of the collection at off (payload at start). */
static int
bp_ref(const struct bp *b, size_t start, uint64_t i, uint64_t *ref)
{
	if (start > b->otab || i >= (b->otab - start) / b->rsz)
		return -1;
	*ref = be(b->d + start + i * b->rsz, b->rsz);
	return 0;
}

static int
bp_dict_get(const struct bp *b, uint64_t ref, const char *key,
    uint64_t *val)
{
	uint64_t count, i, kref;
	size_t off, start;
	char k[64];

	if (bp_obj(b, ref, &off) != 0 || (b->d[off] & 0xf0) != 0xd0 ||
	    bp_count(b, off, &count, &start) != 0 ||
	    count > (b->otab - start) / b->rsz / 2)
		return -1;
	for (i = 0; i < count; i++) {
		if (bp_ref(b, start, i, &kref) != 0)
			return -1;
		if (bp_str(b, kref, k, sizeof(k)) == 0 && strcmp(k, key) == 0)
			return bp_ref(b, start, count + i, val);
	}
	return -1;
}

static int
bp_array_get(const struct bp *b, uint64_t ref, uint64_t i, uint64_t *val)
{
	uint64_t count;
	size_t off, start;

	if (bp_obj(b, ref, &off) != 0 || (b->d[off] & 0xf0) != 0xa0 ||
	    bp_count(b, off, &count, &start) != 0 || i >= count)
		return -1;
	return bp_ref(b, start, i, val);
}

/* ---- the backend ---- */

struct irow {
	const char *path;	/* normalised domain/relativePath */
	const char *fileid;	/* hex, or NULL when unusable */
	const char *target;	/* symlink target, or NULL */
	int64_t rowid;
	uint64_t size;
	int64_t mtime, ctime, crtime;
	int64_t uid, gid;
	uint32_t mode;		/* st_mode from the blob, 0 unknown */
	int flags;		/* Files.flags */
	uint8_t meta;		/* blob parsed */
	uint8_t times;
	uint8_t has_pclass;
	uint32_t pclass;	/* ProtectionClass */
	const unsigned char *wkey;	/* EncryptionKey (WKEY_LEN), or NULL */
};

struct ibk {
	struct etk_evidence *ev;
	int dirfd;
	struct irow *r;
	size_t nr, capr;
	struct etk_cont_arena arena;
	struct etk_cont_tree tree;
	size_t budget;
	char *fault;
	struct etk_volume vol;
	int enc;			/* encrypted backup */
	struct etk_ios_keys *keys;	/* its class keys */
};

static int
nomem(struct etk_error *err)
{
	return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
}

static void
ibk_fault(struct ibk *bk, const char *msg)
{
	struct etk_buf b;

	etk_buf_init(&b);
	if (bk->fault != NULL) {
		etk_buf_adds(&b, bk->fault);
		etk_buf_adds(&b, "; ");
	}
	etk_buf_adds(&b, msg);
	if (!b.oom) {
		free(bk->fault);
		bk->fault = etk_buf_detach(&b);
	}
	etk_buf_release(&b);
}

/* Read a small file under dirfd into memory (at most max bytes).
 * Returns 0, or an errno. */
static int
slurp(int dirfd, const char *name, size_t max, unsigned char **out,
    size_t *n)
{
	struct etk_error e = { 0 };
	unsigned char *buf;
	ssize_t r;
	size_t len = 0;
	int fd;

	*out = NULL;
	*n = 0;
	if (etk_cont_open_regular(dirfd, name, name, &fd, &e) != ETK_OK)
		return e.sys_errno != 0 ? e.sys_errno : EINVAL;
	if ((buf = malloc(max)) == NULL) {
		close(fd);
		return ENOMEM;
	}
	while (len < max) {
		r = read(fd, buf + len, max - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	*out = buf;
	*n = len;
	return 0;
}

/* What Manifest.plist says about encryption. */
struct mplist {
	int enc;			/* IsEncrypted */
	unsigned char *keybag;		/* BackupKeyBag, malloc'd, or NULL */
	size_t kblen;
	unsigned char *mkey;		/* ManifestKey, malloc'd, or NULL */
	size_t mklen;
};

static void
mplist_release(struct mplist *mp)
{
	free(mp->keybag);
	free(mp->mkey);
	memset(mp, 0, sizeof(*mp));
}

static unsigned char *
memdup(const void *p, size_t n)
{
	unsigned char *d = malloc(n > 0 ? n : 1);

	if (d != NULL && n > 0)
		memcpy(d, p, n);
	return d;
}

/* The base64 <data> after <key>KEY</key> in an XML plist, decoded. */
static int
xml_data(const char *d, size_t n, const char *key, unsigned char **out,
    size_t *outlen)
{
	char pat[64], *b64;
	const char *p, *q, *end = d + n;
	size_t m = 0, pad;
	int r;

	*out = NULL;
	*outlen = 0;
	snprintf(pat, sizeof(pat), "<key>%s</key>", key);
	if ((p = memmem(d, n, pat, strlen(pat))) == NULL)
		return -1;
	p += strlen(pat);
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	if (end - p < 6 || memcmp(p, "<data>", 6) != 0)
		return -1;
	p += 6;
	if ((q = memmem(p, (size_t)(end - p), "</data>", 7)) == NULL ||
	    (b64 = malloc((size_t)(q - p) + 1)) == NULL)
		return -1;
	for (; p < q; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			b64[m++] = *p;
	pad = (m > 0 && b64[m - 1] == '=') + (m > 1 && b64[m - 2] == '=');
	if (m % 4 != 0 || m > INT_MAX || (*out = malloc(m / 4 * 3 + 1)) ==
	    NULL) {
		free(b64);
		return -1;
	}
	r = EVP_DecodeBlock(*out, (const unsigned char *)b64, (int)m);
	free(b64);
	if (r < 0 || (size_t)r < pad) {
		free(*out);
		*out = NULL;
		return -1;
	}
	*outlen = (size_t)r - pad;	/* DecodeBlock keeps the '=' bytes */
	return 0;
}

/* Manifest.plist (binary or XML): IsEncrypted, BackupKeyBag and
 * ManifestKey.  A missing or unreadable plist reads as unencrypted. */
static int
read_mplist(int dirfd, struct mplist *mp)
{
	unsigned char *d;
	const unsigned char *v;
	const char *p, *end;
	struct bp b;
	uint64_t ref;
	size_t n, len;

	memset(mp, 0, sizeof(*mp));
	if (slurp(dirfd, "Manifest.plist", PLIST_MAX, &d, &n) != 0)
		return ETK_OK;
	if (bp_init(&b, d, n) == 0) {
		if (bp_dict_get(&b, b.top, "IsEncrypted", &ref) == 0)
			bp_bool(&b, ref, &mp->enc);
		if (bp_dict_get(&b, b.top, "BackupKeyBag", &ref) == 0 &&
		    bp_data(&b, ref, &v, &len) == 0) {
			mp->keybag = memdup(v, len);
			mp->kblen = len;
		}
		if (bp_dict_get(&b, b.top, "ManifestKey", &ref) == 0 &&
		    bp_data(&b, ref, &v, &len) == 0) {
			mp->mkey = memdup(v, len);
			mp->mklen = len;
		}
	} else {
		end = (const char *)d + n;
		p = memmem(d, n, "<key>IsEncrypted</key>", 22);
		if (p != NULL) {
			p += 22;
			while (p < end && (*p == ' ' || *p == '\t' ||
			    *p == '\n' || *p == '\r'))
				p++;
			mp->enc = end - p >= 6 && memcmp(p, "<true", 5) == 0;
		}
		if (mp->enc) {
			xml_data((const char *)d, n, "BackupKeyBag",
			    &mp->keybag, &mp->kblen);
			xml_data((const char *)d, n, "ManifestKey", &mp->mkey,
			    &mp->mklen);
		}
	}
	free(d);
	return ETK_OK;
}

/* MBFile fields from a `file` blob. */
static void
parse_mbfile(struct ibk *bk, struct irow *r, const void *blob, size_t n)
{
	struct bp b;
	uint64_t objs, top, root, v, u;
	int64_t x;
	char t[1024];

	if (n > BLOB_MAX || bp_init(&b, blob, n) != 0)
		return;
	if (bp_dict_get(&b, b.top, "$objects", &objs) != 0 ||
	    bp_dict_get(&b, b.top, "$top", &top) != 0 ||
	    bp_dict_get(&b, top, "root", &v) != 0 || bp_uid(&b, v, &u) != 0 ||
	    bp_array_get(&b, objs, u, &root) != 0)
		return;
	if (bp_dict_get(&b, root, "Size", &v) == 0 && bp_int(&b, v, &x) == 0 &&
	    x >= 0)
		r->size = (uint64_t)x;
	else
		return;		/* not an MBFile */
	r->meta = 1;
	if (bp_dict_get(&b, root, "LastModified", &v) == 0 &&
	    bp_int(&b, v, &x) == 0) {
		r->mtime = x;
		r->times |= ETK_TIME_M;
	}
	if (bp_dict_get(&b, root, "LastStatusChange", &v) == 0 &&
	    bp_int(&b, v, &x) == 0) {
		r->ctime = x;
		r->times |= ETK_TIME_C;
	}
	if (bp_dict_get(&b, root, "Birth", &v) == 0 &&
	    bp_int(&b, v, &x) == 0) {
		r->crtime = x;
		r->times |= ETK_TIME_CR;
	}
	if (bp_dict_get(&b, root, "Mode", &v) == 0 &&
	    bp_int(&b, v, &x) == 0 && x >= 0 && x <= 0xffff)
		r->mode = (uint32_t)x;
	if (bp_dict_get(&b, root, "UserID", &v) == 0 &&
	    bp_int(&b, v, &x) == 0)
		r->uid = x;
	if (bp_dict_get(&b, root, "GroupID", &v) == 0 &&
	    bp_int(&b, v, &x) == 0)
		r->gid = x;
	if (bp_dict_get(&b, root, "ProtectionClass", &v) == 0 &&
	    bp_int(&b, v, &x) == 0 && x >= 0 && x <= UINT32_MAX) {
		r->pclass = (uint32_t)x;
		r->has_pclass = 1;
	}
	/* Encrypted backups: an NSData (class + wrapped file key). */
	if (bk->enc && bp_dict_get(&b, root, "EncryptionKey", &v) == 0 &&
	    bp_uid(&b, v, &u) == 0 && bp_array_get(&b, objs, u, &v) == 0 &&
	    bp_dict_get(&b, v, "NS.data", &v) == 0) {
		const unsigned char *kd;
		size_t kn;

		if (bp_data(&b, v, &kd, &kn) == 0 && kn == WKEY_LEN)
			r->wkey = (const unsigned char *)
			    etk_cont_arena_strndup(&bk->arena,
			    (const char *)kd, kn);
	}
	if (bp_dict_get(&b, root, "Target", &v) == 0 &&
	    bp_uid(&b, v, &u) == 0 && bp_array_get(&b, objs, u, &v) == 0 &&
	    bp_str(&b, v, t, sizeof(t)) == 0)
		r->target = etk_cont_arena_strndup(&bk->arena, t, strlen(t));
}

static int
valid_fileid(const char *s, size_t n)
{
	size_t i;

	if (n < 3 || n > FILEID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

/* A text column up to its first NUL. */
static const char *
col_text(sqlite3_stmt *st, int i, size_t *n)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	const char *z;

	*n = 0;
	if (s == NULL)
		return "";
	*n = (size_t)sqlite3_column_bytes(st, i);
	if ((z = memchr(s, '\0', *n)) != NULL)
		*n = (size_t)(z - s);
	return s;
}

static int
add_row(struct ibk *bk, sqlite3_stmt *st, int64_t rowno, struct etk_buf *pb,
    struct etk_error *err)
{
	struct irow *r, *nr;
	const char *dom, *rel, *fid;
	size_t nd, nrel, nf, cap, need;

	if (bk->nr >= ETK_MAX_MEMBERS)
		return etk_fail(err, ETK_ETIMEOUT, 0, "more than %d files",
		    ETK_MAX_MEMBERS);
	dom = col_text(st, 2, &nd);
	rel = col_text(st, 3, &nrel);
	fid = col_text(st, 1, &nf);
	etk_buf_reset(pb);
	etk_buf_add(pb, dom, nd);
	etk_buf_addc(pb, '/');
	etk_buf_add(pb, rel, nrel);
	if (pb->oom)
		return nomem(err);
	{
		struct etk_buf nb;
		size_t slashes = 0, i;

		etk_buf_init(&nb);
		etk_cont_normpath(&nb, pb->data);
		if (nb.oom) {
			etk_buf_release(&nb);
			return nomem(err);
		}
		for (i = 0; i < nb.len; i++)
			slashes += nb.data[i] == '/';
		need = sizeof(*r) + nb.len + 1 + nf + 1 +
		    (slashes + 2) * sizeof(struct etk_cont_node);
		if (need > ETK_CONT_INDEX_MAX - bk->budget) {
			etk_buf_release(&nb);
			return etk_fail(err, ETK_ETIMEOUT, 0, "index larger "
			    "than %zu MiB", (size_t)(ETK_CONT_INDEX_MAX >> 20));
		}
		bk->budget += need;
		if (bk->nr == bk->capr) {
			cap = bk->capr ? bk->capr * 2 : 256;
			if ((nr = realloc(bk->r, cap * sizeof(*nr))) == NULL) {
				etk_buf_release(&nb);
				return nomem(err);
			}
			bk->r = nr;
			bk->capr = cap;
		}
		r = &bk->r[bk->nr];
		memset(r, 0, sizeof(*r));
		r->path = etk_cont_arena_strndup(&bk->arena, nb.data, nb.len);
		etk_buf_release(&nb);
	}
	if (r->path == NULL)
		return nomem(err);
	if (valid_fileid(fid, nf) &&
	    (r->fileid = etk_cont_arena_strndup(&bk->arena, fid, nf)) == NULL)
		return nomem(err);
	r->rowid = sqlite3_column_type(st, 0) == SQLITE_INTEGER ?
	    sqlite3_column_int64(st, 0) : rowno;
	r->flags = sqlite3_column_int(st, 4);
	r->uid = r->gid = -1;
	if (sqlite3_column_type(st, 5) == SQLITE_BLOB)
		parse_mbfile(bk, r, sqlite3_column_blob(st, 5),
		    (size_t)sqlite3_column_bytes(st, 5));
	bk->nr++;
	return ETK_OK;
}

static char
row_type(const struct irow *r)
{
	switch (r->flags) {
	case 1:
		return 'r';
	case 2:
		return 'd';
	case 4:
		return 'l';
	default:
		break;
	}
	switch (r->mode & 0170000) {
	case 0100000:
		return 'r';
	case 0040000:
		return 'd';
	case 0120000:
		return 'l';
	default:
		return '-';
	}
}

/* "file:<percent-encoded absolute path>?immutable=1" */
static char *
db_uri(const char *dir)
{
	static const char hex[] = "0123456789ABCDEF";
	struct etk_buf b;
	char *abs;
	const unsigned char *p;

	if ((abs = realpath(dir, NULL)) == NULL)
		return NULL;
	etk_buf_init(&b);
	etk_buf_adds(&b, "file:");
	for (p = (const unsigned char *)abs; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~", *p) != NULL)
			etk_buf_addc(&b, (char)*p);
		else {
			etk_buf_addc(&b, '%');
			etk_buf_addc(&b, hex[*p >> 4]);
			etk_buf_addc(&b, hex[*p & 15]);
		}
	}
	free(abs);
	etk_buf_adds(&b, "/Manifest.db?immutable=1");
	if (b.oom) {
		etk_buf_release(&b);
		return NULL;
	}
	return etk_buf_detach(&b);
}

/* Files is a table (not a view that could compute anything). */
static int
files_is_table(sqlite3 *db)
{
	sqlite3_stmt *st;
	int ok = 0;

	if (sqlite3_prepare_v2(db, "SELECT type FROM sqlite_master WHERE "
	    "name = 'Files' COLLATE NOCASE", -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) !=
	    NULL && strcmp((const char *)sqlite3_column_text(st, 0),
	    "table") == 0)
		ok = 1;
	sqlite3_finalize(st);
	return ok;
}

/*
 * Decrypt the encrypted Manifest.db open on fd into memory and open it
 * there, read-only.  key is the unwrapped ManifestKey.
 */
static int
open_enc_manifest(struct ibk *bk, int fd, const unsigned char key[32],
    sqlite3 **dbp, struct etk_error *err)
{
	const char *name = etk_ev_name(bk->ev);
	unsigned char *buf;
	struct stat st;
	size_t n = 0, plain;
	ssize_t r;
	int rc, sr;

	*dbp = NULL;
	if (fstat(fd, &st) != 0)
		return etk_fail(err, ETK_EIO, errno, "%s: ios-backup: "
		    "Manifest.db", name);
	if (st.st_size <= 0 || (uint64_t)st.st_size > MANIFEST_DB_MAX)
		return etk_fail(err, ETK_EFORMAT, 0, "%s: ios-backup: encrypted "
		    "Manifest.db of %jd bytes (at most %zu MiB)", name,
		    (intmax_t)st.st_size, MANIFEST_DB_MAX >> 20);
	/* sqlite3_malloc64: the connection frees it (FREEONCLOSE) */
	if ((buf = sqlite3_malloc64((sqlite3_uint64)st.st_size)) == NULL)
		return nomem(err);
	while (n < (size_t)st.st_size) {
		r = pread(fd, buf + n, (size_t)st.st_size - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	if (n != (size_t)st.st_size) {
		sqlite3_free(buf);
		return etk_fail(err, ETK_EIO, errno, "%s: ios-backup: cannot "
		    "read Manifest.db", name);
	}
	rc = etk_ios_decrypt_buf(key, buf, n, &plain);
	if (rc == ETK_OK && (plain < 100 ||
	    memcmp(buf, "SQLite format 3", 16) != 0))
		rc = ETK_EFORMAT;
	if (rc != ETK_OK) {
		OPENSSL_cleanse(buf, n);
		sqlite3_free(buf);
		return rc == ETK_ENOMEM ? nomem(err) : etk_fail(err,
		    ETK_EFORMAT, 0, "%s: ios-backup: Manifest.db does not "
		    "decrypt to a SQLite database (damaged, or ManifestKey "
		    "altered)", name);
	}
	if ((sr = sqlite3_open_v2(":memory:", dbp, SQLITE_OPEN_READWRITE,
	    NULL)) != SQLITE_OK) {
		sqlite3_free(buf);
		sqlite3_close(*dbp);
		*dbp = NULL;
		return etk_fail(err, ETK_ENOMEM, 0, "%s: ios-backup: %s", name,
		    sqlite3_errstr(sr));
	}
	/* Frees buf, also when it fails. */
	if ((sr = sqlite3_deserialize(*dbp, "main", buf, (sqlite3_int64)plain,
	    (sqlite3_int64)n, SQLITE_DESERIALIZE_READONLY |
	    SQLITE_DESERIALIZE_FREEONCLOSE)) != SQLITE_OK) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "%s: ios-backup: decrypted "
		    "Manifest.db: %s", name, sqlite3_errmsg(*dbp));
		sqlite3_close(*dbp);
		*dbp = NULL;
		return rc;
	}
	return ETK_OK;
}

/* Read the Files rows: from dir/Manifest.db (immutable), or from db
 * when already open (decrypted; closed here). */
static int
read_manifest(struct ibk *bk, const char *dir, sqlite3 *db,
    struct etk_error *err)
{
	static const char *const q[2] = {
		"SELECT rowid, fileID, domain, relativePath, flags, file "
		"FROM Files ORDER BY rowid",
		"SELECT NULL, fileID, domain, relativePath, flags, file "
		"FROM Files"
	};
	struct etk_error lim = { 0 };
	sqlite3_stmt *st = NULL;
	struct etk_buf pb;
	char *uri, msg[ETK_ERRMSG_MAX + 128];
	int64_t rowno = 0;
	int rc, sr, i;

	if (db == NULL) {
		if ((uri = db_uri(dir)) == NULL)
			return etk_fail(err, errno == ENOMEM ? ETK_ENOMEM :
			    ETK_EIO, errno, "%s: ios-backup: '%s'",
			    etk_ev_name(bk->ev), dir);
		sr = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY |
		    SQLITE_OPEN_URI, NULL);
		free(uri);
		if (sr != SQLITE_OK) {
			rc = etk_fail(err, ETK_EFORMAT, 0, "%s: ios-backup: "
			    "cannot open Manifest.db: %s", etk_ev_name(bk->ev),
			    db != NULL ? sqlite3_errmsg(db) :
			    sqlite3_errstr(sr));
			sqlite3_close(db);
			return rc;
		}
	}
	/* A hostile manifest: no view or trigger code, bounded values. */
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
#endif
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 64 * 1024 * 1024);
	if (!files_is_table(db)) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "%s: ios-backup: Manifest.db "
		    "has no Files table", etk_ev_name(bk->ev));
		sqlite3_close(db);
		return rc;
	}
	for (i = 0; i < 2; i++)
		if (sqlite3_prepare_v2(db, q[i], -1, &st, NULL) == SQLITE_OK)
			break;
	if (st == NULL) {
		rc = etk_fail(err, sqlite3_errcode(db) == SQLITE_NOTADB ?
		    ETK_EUNSUPP : ETK_EFORMAT, 0, "%s: ios-backup: Manifest.db "
		    "has no readable Files table (%s)%s", etk_ev_name(bk->ev),
		    sqlite3_errmsg(db), sqlite3_errcode(db) == SQLITE_NOTADB ?
		    "; encrypted iOS backup not supported" : "");
		sqlite3_close(db);
		return rc;
	}
	etk_buf_init(&pb);
	rc = ETK_OK;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		rowno++;
		if ((rc = add_row(bk, st, rowno, &pb, &lim)) != ETK_OK) {
			if (rc == ETK_ENOMEM)
				break;
			snprintf(msg, sizeof(msg), "ios-backup: listing "
			    "stopped after %zu files: %s", bk->nr, lim.msg);
			ibk_fault(bk, msg);
			rc = ETK_OK;
			break;
		}
	}
	if (rc == ETK_OK && sr != SQLITE_ROW && sr != SQLITE_DONE) {
		snprintf(msg, sizeof(msg), "ios-backup: Manifest.db: reading "
		    "stopped after %zu files: %s", bk->nr, sqlite3_errmsg(db));
		ibk_fault(bk, msg);
	}
	etk_buf_release(&pb);
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (rc == ETK_ENOMEM)
		return nomem(err);
	return ETK_OK;
}

static void
ibk_free(struct ibk *bk)
{
	if (bk == NULL)
		return;
	if (bk->dirfd >= 0)
		close(bk->dirfd);
	etk_ios_keys_free(bk->keys);
	etk_cont_tree_release(&bk->tree);
	etk_cont_arena_release(&bk->arena);
	free(bk->r);
	free(bk->fault);
	free(bk);
}

static void
ios_close(void *bctx)
{
	ibk_free(bctx);
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* An encrypted backup: unlock its keybag with the password and unwrap
 * the Manifest.db key into mkey. */
static int
unlock(struct ibk *bk, const struct mplist *mp, unsigned char mkey[32],
    struct etk_error *err)
{
	const char *name = etk_ev_name(bk->ev);
	const char *pwf = etk_ev_password_file(bk->ev);
	int rc;

	if (pwf == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "%s: ios-backup: encrypted "
		    "backup (Manifest.plist: IsEncrypted): its password is "
		    "needed (a password file)", name);
	if (mp->keybag == NULL)
		return etk_fail(err, ETK_EFORMAT, 0, "%s: ios-backup: encrypted "
		    "backup without a BackupKeyBag in Manifest.plist", name);
	if (mp->mkey == NULL || mp->mklen != WKEY_LEN)
		return etk_fail(err, ETK_EFORMAT, 0, "%s: ios-backup: encrypted "
		    "backup without a usable ManifestKey in Manifest.plist",
		    name);
	if ((rc = etk_ios_unlock(&bk->keys, mp->keybag, mp->kblen, pwf,
	    err)) != ETK_OK)
		return etk_wrap(err, "%s: ios-backup", name);
	if ((rc = etk_ios_unwrap(bk->keys, le32(mp->mkey), mp->mkey + 4,
	    WKEY_LEN - 4, mkey)) != ETK_OK)
		return etk_fail(err, ETK_EFORMAT, 0, "%s: ios-backup: "
		    "ManifestKey does not unwrap with the class %" PRIu32
		    " key (damaged Manifest.plist)", name, le32(mp->mkey));
	bk->enc = 1;
	return ETK_OK;
}

int
etk_iosbackup_open(struct etk_evidence *ev, const char *path, void **bctx,
    const struct etk_volume **vols, size_t *nvols, struct etk_error *err)
{
	const char *name = etk_ev_name(ev);
	unsigned char head[16];
	unsigned char mkey[32];
	struct mplist mp = { 0 };
	sqlite3 *db = NULL;
	struct ibk *bk;
	struct stat st;
	ssize_t n;
	size_t i;
	int fd, rc;

	*bctx = NULL;
	*vols = NULL;
	*nvols = 0;
	if (path == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "%s: ios-backup: no path",
		    name);
	if ((bk = calloc(1, sizeof(*bk))) == NULL)
		return nomem(err);
	bk->ev = ev;
	bk->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (bk->dirfd < 0) {
		rc = etk_fail(err, errno == ENOENT ? ETK_ENOTFOUND : ETK_EIO,
		    errno, "%s: ios-backup: cannot open '%s'", name, path);
		goto fail;
	}
	read_mplist(bk->dirfd, &mp);
	if (mp.enc && (rc = unlock(bk, &mp, mkey, err)) != ETK_OK)
		goto fail;
	if ((rc = etk_cont_open_regular(bk->dirfd, "Manifest.db",
	    "Manifest.db", &fd, err)) != ETK_OK) {
		if (rc == ETK_ENOTFOUND && fstatat(bk->dirfd, "Manifest.mbdb",
		    &st, AT_SYMLINK_NOFOLLOW) == 0)
			rc = etk_fail(err, ETK_EUNSUPP, 0, "%s: ios-backup: "
			    "Manifest.mbdb backups (iOS 9 and older) are not "
			    "supported", name);
		else
			etk_wrap(err, "%s: ios-backup", name);
		goto fail;
	}
	if (bk->enc) {
		rc = open_enc_manifest(bk, fd, mkey, &db, err);
		close(fd);
		if (rc != ETK_OK)
			goto fail;
	} else {
		n = pread(fd, head, sizeof(head), 0);
		close(fd);
		if (n != (ssize_t)sizeof(head) ||
		    memcmp(head, "SQLite format 3", 16) != 0) {
			rc = etk_fail(err, ETK_EUNSUPP, 0, "%s: ios-backup: "
			    "encrypted iOS backup not supported (Manifest.db "
			    "is not a SQLite database and Manifest.plist does "
			    "not say encrypted)", name);
			goto fail;
		}
	}
	if ((rc = read_manifest(bk, path, db, err)) != ETK_OK)
		goto fail;
	if (fstatat(bk->dirfd, "Manifest.db-wal", &st,
	    AT_SYMLINK_NOFOLLOW) == 0 && st.st_size > 0)
		ibk_fault(bk, "ios-backup: Manifest.db-wal is present; the "
		    "changes in it were not read (Manifest.db is opened "
		    "immutable)");
	for (i = 0; i < bk->nr; i++) {
		if (bk->r[i].path[0] == '\0')
			continue;	/* the root */
		if (etk_cont_tree_add(&bk->tree, bk->r[i].path,
		    strlen(bk->r[i].path), (uint32_t)(i + 1),
		    row_type(&bk->r[i]) == 'd') != ETK_OK) {
			rc = nomem(err);
			goto fail;
		}
	}
	if ((rc = etk_cont_tree_build(&bk->tree, ETK_MAX_MEMBERS * (size_t)2,
	    err)) != ETK_OK) {
		etk_wrap(err, "%s: ios-backup", name);
		goto fail;
	}
	bk->vol.slot = -1;
	bk->vol.flags = ETK_VOL_ALLOC;
	bk->vol.desc = "iOS backup";
	bk->vol.fs_type = "ios-backup";
	bk->vol.fs_status = ETK_OK;
	*bctx = bk;
	*vols = &bk->vol;
	*nvols = 1;
	rc = ETK_OK;
	bk = NULL;
fail:
	OPENSSL_cleanse(mkey, sizeof(mkey));
	mplist_release(&mp);
	ibk_free(bk);
	return rc;
}

/* ---- stored files ---- */

/* Open the stored file of r: "<xx>/<fileID>", else "<fileID>" (older
 * layout).  *shown receives the name tried first, for messages. */
static int
open_stored(struct ibk *bk, const struct irow *r, int *fdp, char *shown,
    size_t shownsz, struct etk_error *err)
{
	struct etk_error e1 = { 0 };
	char sub[3];
	int sfd, rc;

	*fdp = -1;
	if (r->fileid == NULL) {
		snprintf(shown, shownsz, "?");
		return etk_fail(err, ETK_ENOTFOUND, 0, "no usable fileID");
	}
	sub[0] = r->fileid[0];
	sub[1] = r->fileid[1];
	sub[2] = '\0';
	snprintf(shown, shownsz, "%s/%s", sub, r->fileid);
	sfd = openat(bk->dirfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (sfd >= 0) {
		rc = etk_cont_open_regular(sfd, r->fileid, shown, fdp, &e1);
		close(sfd);
		if (rc != ETK_ENOTFOUND) {
			if (rc != ETK_OK)
				*err = e1;
			return rc;
		}
	}
	rc = etk_cont_open_regular(bk->dirfd, r->fileid, r->fileid, fdp, &e1);
	if (rc == ETK_ENOTFOUND)
		return etk_fail(err, ETK_ENOTFOUND, 0, "backup file %s missing",
		    shown);
	if (rc != ETK_OK)
		*err = e1;
	return rc;
}

/* lstat of the stored file; 0 when found. */
static int
stat_stored(struct ibk *bk, const struct irow *r, struct stat *st)
{
	char p[FILEID_MAX + 4];

	if (r->fileid == NULL)
		return -1;
	snprintf(p, sizeof(p), "%c%c/%s", r->fileid[0], r->fileid[1],
	    r->fileid);
	if (fstatat(bk->dirfd, p, st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	return fstatat(bk->dirfd, r->fileid, st, AT_SYMLINK_NOFOLLOW);
}

/* ---- entries ---- */

struct iemit {
	struct ibk *bk;
	etk_entry_cb cb;
	void *arg;
	struct etk_buf path, loc;
	uint64_t count, missing;
	int oom;
};

static int
ios_emit(struct iemit *w, uint32_t id, const char *p, size_t plen,
    int primary)
{
	const struct irow *r = id ? &w->bk->r[id - 1] : NULL;
	struct etk_loc_item it;
	struct etk_entry e;
	struct stat st;
	const char *slash;
	int have;

	etk_buf_reset(&w->path);
	etk_buf_addc(&w->path, '/');
	etk_buf_add(&w->path, p, plen);
	memset(&it, 0, sizeof(it));
	it.volume = -1;
	if ((primary && plen > 0) || r == NULL) {
		it.kind = ETK_LOC_PATH;
		it.path = w->path.data;
	} else {
		it.kind = ETK_LOC_INODE;
		it.inode = (uint64_t)r->rowid;
	}
	etk_buf_reset(&w->loc);
	etk_ev_locator(w->bk->ev, &w->loc, &it);
	if (w->path.oom || w->loc.oom) {
		w->oom = 1;
		return 1;
	}
	memset(&e, 0, sizeof(e));
	e.locator = w->loc.data;
	e.source = etk_ev_name(w->bk->ev);
	e.volume = -1;
	e.fs_type = "ios-backup";
	e.path = w->path.data;
	slash = strrchr(w->path.data, '/');
	e.name = slash + 1;
	e.allocated = 1;
	e.uid = e.gid = -1;
	e.name_type = e.meta_type = 'd';
	if (r != NULL) {
		e.has_inode = r->rowid >= 0;
		e.inode = (uint64_t)r->rowid;
		e.name_type = e.meta_type = row_type(r);
		e.mode = r->mode & 07777;
		if (e.name_type == 'l')
			e.link_target = r->target;
		have = 0;
		if (e.name_type == 'r') {
			have = stat_stored(w->bk, r, &st) == 0 &&
			    S_ISREG(st.st_mode);
			if (!have)
				w->missing++;
		}
		if (r->meta) {
			e.size = e.name_type == 'r' ? r->size : 0;
			e.uid = r->uid;
			e.gid = r->gid;
			e.times = r->times;
			e.mtime = r->mtime;
			e.ctime = r->ctime;
			e.crtime = r->crtime;
		} else if (have) {
			e.size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
			e.times = ETK_TIME_M;
			e.mtime = st.st_mtim.tv_sec;
			e.mtime_ns = (int32_t)st.st_mtim.tv_nsec;
		}
	}
	w->count++;
	return w->cb(&e, w->arg);
}

static int
ios_visit(void *arg, size_t i)
{
	struct iemit *w = arg;
	const struct etk_cont_node *nd = &w->bk->tree.v[i];

	return ios_emit(w, nd->id, nd->path, nd->plen, nd->primary);
}

#define NODE_ROOT	(SIZE_MAX - 1)

static int
row_by_rowid(const struct ibk *bk, uint64_t rowid, uint32_t *id)
{
	size_t lo = 0, hi = bk->nr, mid;

	/* Rows are in rowid order (ORDER BY rowid); fall back to a scan. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((uint64_t)bk->r[mid].rowid < rowid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < bk->nr && (uint64_t)bk->r[lo].rowid == rowid) {
		*id = (uint32_t)(lo + 1);
		return 1;
	}
	for (lo = 0; lo < bk->nr; lo++)
		if ((uint64_t)bk->r[lo].rowid == rowid) {
			*id = (uint32_t)(lo + 1);
			return 1;
		}
	return 0;
}

static int
ios_find(struct ibk *bk, const struct etk_loc_item *it, size_t *node,
    uint32_t *id, struct etk_error *err)
{
	struct etk_buf nb;
	const char *p;
	size_t k;

	*node = SIZE_MAX;
	*id = 0;
	if (it == NULL || (it->kind == ETK_LOC_NONE && it->volume < 0)) {
		*node = NODE_ROOT;
		return ETK_OK;
	}
	if (it->volume >= 0)
		return etk_fail(err, ETK_ENOTFOUND, 0, "%s: an iOS backup has "
		    "no volume p%d", etk_ev_name(bk->ev), it->volume);
	if (it->kind == ETK_LOC_INODE) {
		if (!row_by_rowid(bk, it->inode, id))
			return etk_fail(err, ETK_ENOTFOUND, 0, "%s: "
			    "ios-backup: no file i%" PRIu64,
			    etk_ev_name(bk->ev), it->inode);
		p = bk->r[*id - 1].path;
		k = etk_cont_tree_find(&bk->tree, p, strlen(p));
		while (k != SIZE_MAX && bk->tree.v[k].id != *id) {
			if (k + 1 >= bk->tree.n || bk->tree.v[k + 1].plen !=
			    bk->tree.v[k].plen || memcmp(bk->tree.v[k + 1].path,
			    p, bk->tree.v[k].plen) != 0)
				k = SIZE_MAX;
			else
				k++;
		}
		*node = k;
		return ETK_OK;
	}
	if (it->kind != ETK_LOC_PATH || it->path == NULL)
		return etk_fail(err, ETK_ENOTFOUND, 0, "%s: ios-backup: no "
		    "such entry", etk_ev_name(bk->ev));
	etk_buf_init(&nb);
	etk_cont_normpath(&nb, it->path);
	if (nb.oom) {
		etk_buf_release(&nb);
		return nomem(err);
	}
	if (nb.len == 0) {
		etk_buf_release(&nb);
		*node = NODE_ROOT;
		return ETK_OK;
	}
	k = etk_cont_tree_find(&bk->tree, nb.data, nb.len);
	etk_buf_release(&nb);
	if (k == SIZE_MAX)
		return etk_fail(err, ETK_ENOTFOUND, 0, "%s: ios-backup: no "
		    "entry '%s'", etk_ev_name(bk->ev), it->path);
	*node = k;
	*id = bk->tree.v[k].id;
	return ETK_OK;
}

static void
iemit_init(struct iemit *w, struct ibk *bk, etk_entry_cb cb, void *arg)
{
	memset(w, 0, sizeof(*w));
	w->bk = bk;
	w->cb = cb;
	w->arg = arg;
	etk_buf_init(&w->path);
	etk_buf_init(&w->loc);
}

static void
iemit_release(struct iemit *w)
{
	etk_buf_release(&w->path);
	etk_buf_release(&w->loc);
}

static int
ios_walk(struct etk_evidence *ev, void *bctx,
    const struct etk_loc_item *start, unsigned flags, etk_entry_cb cb,
    void *arg, struct etk_summary *sum, struct etk_error *err)
{
	struct ibk *bk = bctx;
	const struct etk_cont_node *nd;
	struct iemit w;
	struct etk_buf why;
	size_t node;
	uint32_t id;
	int rc, recurse = (flags & ETK_WALK_RECURSE) != 0;

	(void)ev;
	if ((rc = ios_find(bk, start, &node, &id, err)) != ETK_OK)
		return rc;
	iemit_init(&w, bk, cb, arg);
	if (!(flags & ETK_WALK_ALLOC))
		;	/* every entry is allocated */
	else if (node == NODE_ROOT || node == SIZE_MAX)
		etk_cont_tree_visit(&bk->tree, SIZE_MAX, recurse, ios_visit,
		    &w);
	else {
		nd = &bk->tree.v[node];
		if (nd->isdir)
			etk_cont_tree_visit(&bk->tree,
			    etk_cont_tree_find(&bk->tree, nd->path, nd->plen),
			    recurse, ios_visit, &w);
		else
			ios_visit(&w, node);
	}
	if (w.oom) {
		iemit_release(&w);
		return nomem(err);
	}
	etk_buf_init(&why);
	if (bk->fault != NULL)
		etk_buf_adds(&why, bk->fault);
	if (w.missing > 0)
		etk_buf_printf(&why, "%s%" PRIu64 " file%s named in "
		    "Manifest.db missing from the folder",
		    why.len > 0 ? "; " : "", w.missing,
		    w.missing == 1 ? "" : "s");
	etk_summary_add(sum, etk_ev_name(bk->ev), "ios-backup",
	    why.len > 0 ? ETK_OUTCOME_ERROR : ETK_OUTCOME_OK, w.count,
	    why.len > 0 && !why.oom ? why.data : NULL);
	etk_buf_release(&why);
	iemit_release(&w);
	return ETK_OK;
}

static int
ios_stat(struct etk_evidence *ev, void *bctx, const struct etk_loc_item *it,
    etk_entry_cb cb, void *arg, struct etk_error *err)
{
	struct ibk *bk = bctx;
	const struct etk_cont_node *nd;
	struct iemit w;
	size_t node;
	uint32_t id;
	int rc;

	(void)ev;
	if ((rc = ios_find(bk, it, &node, &id, err)) != ETK_OK)
		return rc;
	iemit_init(&w, bk, cb, arg);
	if (node == NODE_ROOT || node == SIZE_MAX)
		ios_emit(&w, id, "", 0, 1);
	else {
		nd = &bk->tree.v[node];
		ios_emit(&w, nd->id, nd->path, nd->plen, nd->primary);
	}
	rc = w.oom ? nomem(err) : ETK_OK;
	iemit_release(&w);
	return rc;
}

/* A stored file of an encrypted backup (fd owned): its key is the
 * record's EncryptionKey, unwrapped with the key of the class it names
 * (else of its ProtectionClass). */
static int
open_decrypted(struct ibk *bk, const struct irow *r, int fd,
    const char *base, struct etk_source **out, struct etk_error *err)
{
	unsigned char key[32];
	uint32_t cls;
	int rc;

	if (!r->meta || r->wkey == NULL) {
		close(fd);
		if (r->meta && r->size == 0)	/* empty: nothing encrypted */
			return etk_source_open_mem(out, "", 0, base, err);
		return etk_fail(err, ETK_EFORMAT, 0, "%s: ios-backup: '/%s': "
		    "no usable EncryptionKey in its Manifest.db record",
		    etk_ev_name(bk->ev), r->path);
	}
	cls = le32(r->wkey);
	rc = etk_ios_unwrap(bk->keys, cls, r->wkey + 4, WKEY_LEN - 4, key);
	if (rc != ETK_OK && r->has_pclass && r->pclass != cls) {
		cls = r->pclass;
		rc = etk_ios_unwrap(bk->keys, cls, r->wkey + 4, WKEY_LEN - 4,
		    key);
	}
	if (rc != ETK_OK) {
		close(fd);
		return etk_fail(err, ETK_EFORMAT, 0, "%s: ios-backup: '/%s': "
		    "its file key does not unwrap with the class %" PRIu32
		    " key", etk_ev_name(bk->ev), r->path, cls);
	}
	rc = etk_ios_enc_source(out, fd, key, r->size, base, err);
	OPENSSL_cleanse(key, sizeof(key));
	if (rc != ETK_OK && rc != ETK_ENOMEM)
		etk_wrap(err, "%s: ios-backup: '/%s'", etk_ev_name(bk->ev),
		    r->path);
	return rc;
}

static int
ios_open_file(struct etk_evidence *ev, void *bctx,
    const struct etk_loc_item *it, struct etk_source **out,
    struct etk_error *err)
{
	struct ibk *bk = bctx;
	const struct irow *r;
	char shown[FILEID_MAX + 8];
	const char *base;
	size_t node;
	uint32_t id;
	int rc, fd;
	char t;

	(void)ev;
	*out = NULL;
	if ((rc = ios_find(bk, it, &node, &id, err)) != ETK_OK)
		return rc;
	if (id == 0)
		return etk_fail(err, ETK_EINVAL, 0, "%s: ios-backup: '%s' is a "
		    "directory", etk_ev_name(bk->ev), it != NULL &&
		    it->kind == ETK_LOC_PATH && it->path != NULL ? it->path :
		    "/");
	r = &bk->r[id - 1];
	if ((t = row_type(r)) != 'r')
		return etk_fail(err, ETK_EINVAL, 0, "%s: ios-backup: '/%s' is "
		    "%s", etk_ev_name(bk->ev), r->path, t == 'd' ?
		    "a directory" : t == 'l' ? "a symbolic link" :
		    "not a regular file");
	if ((rc = open_stored(bk, r, &fd, shown, sizeof(shown), err)) !=
	    ETK_OK)
		return etk_wrap(err, "%s: ios-backup: '/%s'",
		    etk_ev_name(bk->ev), r->path);
	base = strrchr(r->path, '/') != NULL ? strrchr(r->path, '/') + 1 :
	    r->path;
	if (!bk->enc)
		return etk_cont_fd_source(out, fd, base, "file", err);
	return open_decrypted(bk, r, fd, base, out, err);
}

const struct etk_backend_ops etk_backend_iosbackup = {
	"iosbackup",
	ios_walk,
	ios_stat,
	ios_open_file,
	NULL,
	NULL,
	ios_close
};
