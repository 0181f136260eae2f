/*
 * The TSK backend: volumes (tsk_vs) and file systems (tsk_fs) of a disk
 * image, read through our etk_source with tsk_img_open_external, so that
 * every byte TSK reads is counted by the source.  The only includer of
 * TSK headers in lib/fs.
 *
 * Fidelity: the volume list is what mmls prints (every slot of
 * tsk_vs_part_get), and a walk reports what `fls -r` prints for each
 * file system: the same entries in the same order, with the same inode
 * numbers, deleted flags and NTFS per-attribute entries (fls_lib.c,
 * print_dent_act).  Content reads use tsk_fs_attr_read, as icat does
 * through tsk_fs_file_walk.
 *
 * Hostile images: TSK itself stops directory loops (a stack of the
 * directories on the current path) and recursion past 128 levels.  We
 * add a cap on entries per file system and stop a walk when one
 * directory is entered over and over (a "directory bomb": many names
 * for the same directory, which is no loop but grows exponentially).
 *
 * Threads: TSK objects here belong to one etk_evidence, and so to one
 * thread at a time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tsk/libtsk.h>

#include "fs/fs_int.h"

/* Entries reported from one file system before the walk stops. */
#define TSK_MAX_ENTRIES		ETK_MAX_MEMBERS
/* Times one directory may be entered in a walk (several deleted names
 * for one deleted directory are legitimate; thousands are a bomb). */
#define TSK_MAX_REENTER		16

/* Our image: TSK_IMG_INFO must come first (TSK casts the pointer). */
struct img_ext {
	TSK_IMG_INFO img;
	struct etk_source *src;
	struct etk_error err;	/* why the last read failed */
	uint64_t nerr;		/* failed reads so far */
	uint64_t mark;		/* nerr when the current walk began */
	char first[ETK_ERRMSG_MAX];	/* the first failure since mark */
};

struct tvol {
	TSK_FS_INFO *fs;
	char *desc;
	char *fs_type;
	char *fs_error;
	int no_owner;		/* FAT, exFAT, NTFS: no Unix uid/gid */
};

struct tsk_ctx {
	struct etk_evidence *ev;
	struct img_ext *ext;
	TSK_IMG_INFO *img;
	TSK_VS_INFO *vs;
	struct etk_volume *vols;
	struct tvol *tv;
	size_t nvols;
	char vs_type[16];
};

#define ETK_PATH_PROBE	4096	/* longest directory path probed */
#define ETK_MAX_PROBES	4096	/* childless directories probed */

/* ---- errors ---- */

static int
nomem(struct etk_error *err)
{
	return etk_fail(err, ETK_ENOMEM, ENOMEM, "out of memory");
}

/* The TSK error text, then reset TSK's error state. */
static void
tsk_msg(char *buf, size_t len)
{
	const char *m = tsk_error_get();

	size_t n;

	snprintf(buf, len, "%s", m != NULL && *m != '\0' ? m :
	    "unknown TSK error");
	/* TSK ends some messages with a newline: one line is ours. */
	for (n = strlen(buf); n > 0 && (buf[n - 1] == '\n' ||
	    buf[n - 1] == '\r' || buf[n - 1] == ' '); n--)
		buf[n - 1] = '\0';
	tsk_error_reset();
}

/* Fail with "context: TSK message".  A failed read of our source is
 * ETK_EIO whatever code was asked for. */
static int
tsk_fail(struct tsk_ctx *t, struct etk_error *err, int code,
    const char *fmt, ...) ETK_PRINTFLIKE(4, 5);

static int
tsk_fail(struct tsk_ctx *t, struct etk_error *err, int code,
    const char *fmt, ...)
{
	char ctx[256], msg[ETK_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	tsk_msg(msg, sizeof(msg));
	if (t != NULL && t->ext->err.code != ETK_OK) {
		code = ETK_EIO;
		t->ext->err.code = ETK_OK;
	}
	return etk_fail(err, code, 0, "%s: %s", ctx, msg);
}

/* "name: p4: ext4" or "name: ext4" for messages. */
static void
vol_ctx(const struct tsk_ctx *t, size_t vi, char *buf, size_t len)
{
	const struct etk_volume *v = &t->vols[vi];
	const char *name = etk_ev_name(t->ev);

	if (v->slot >= 0 && v->fs_type != NULL)
		snprintf(buf, len, "%s: p%d: %s", name, v->slot, v->fs_type);
	else if (v->slot >= 0)
		snprintf(buf, len, "%s: p%d", name, v->slot);
	else if (v->fs_type != NULL)
		snprintf(buf, len, "%s: %s", name, v->fs_type);
	else
		snprintf(buf, len, "%s", name);
}

/* ---- the image layer ---- */

static ssize_t
img_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
	struct img_ext *x = (struct img_ext *)img;
	size_t n = 0;

	if (off < 0) {
		tsk_error_reset();
		tsk_error_set_errno(TSK_ERR_IMG_READ_OFF);
		tsk_error_set_errstr("negative offset %" PRId64, (int64_t)off);
		return -1;
	}
	if (etk_source_read(x->src, (uint64_t)off, buf, len, &n, &x->err) !=
	    ETK_OK) {
		if (x->nerr++ == x->mark)
			snprintf(x->first, sizeof(x->first), "%s", x->err.msg);
		/* Hand TSK the good bytes before the bad spot, so that one
		 * bad E01 chunk does not spoil its whole 64 KiB cache window.
		 * Not fewer than a sector: tsk_img_read (4.11) copies from
		 * up to 511 bytes into what we return. */
		if (n >= 512 && n < len)
			return (ssize_t)n;
		tsk_error_reset();
		tsk_error_set_errno(TSK_ERR_IMG_READ);
		tsk_error_set_errstr("%s", x->err.msg);
		return -1;
	}
	return (ssize_t)n;
}

static void
img_close(TSK_IMG_INFO *img)
{
	/* tsk_img_close has released the lock; the memory is ours. */
	free(img);
}

static void
img_imgstat(TSK_IMG_INFO *img, FILE *fp)
{
	(void)img;
	(void)fp;
}

/* ---- opening ---- */

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

static char *
lower_dup(const char *s)
{
	char *d = xstrdup(s), *p;

	if (d != NULL)
		for (p = d; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	return d;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* A file system (or container) TSK does not read, by its magic. */
static const char *
sniff_unsupported(struct etk_source *src, uint64_t start, uint64_t len)
{
	struct etk_error e = { 0 };
	unsigned char b[2048];
	size_t n = 0;

	if (etk_source_read(src, start, b, sizeof(b), &n, &e) != ETK_OK)
		return NULL;
	if (n > len)
		n = (size_t)len;
	if (n >= 6 && memcmp(b, "LUKS\xba\xbe", 6) == 0)
		return "LUKS encrypted volume";
	if (n >= 4 && memcmp(b, "hsqs", 4) == 0)
		return "squashfs";
	if (n >= 4 && memcmp(b, "XFSB", 4) == 0)
		return "xfs";
	if (n >= 4 && le32(b) == 0xed26ff3aU)
		return "Android sparse image";
	if (n >= 1028 && le32(b + 1024) == 0xf2f52010U)
		return "f2fs";
	if (n >= 1028 && le32(b + 1024) == 0xe0f5e1e2U)
		return "erofs";
	if (len > 65536 + 72 && etk_source_read(src, start + 65536 + 64, b, 8,
	    &n, &e) == ETK_OK && n == 8 && memcmp(b, "_BHRfS_M", 8) == 0)
		return "btrfs";
	return NULL;
}

/* Open the file system of volume vi (offset start in the image, or the
 * partition part).  Failure is recorded on the volume. */
static int
open_fs(struct tsk_ctx *t, size_t vi, const TSK_VS_PART_INFO *part,
    struct etk_error *err)
{
	struct etk_volume *v = &t->vols[vi];
	struct tvol *tv = &t->tv[vi];
	char msg[ETK_ERRMSG_MAX], buf[ETK_ERRMSG_MAX];
	const char *what;
	TSK_FS_INFO *fs;
	uint32_t tsk_errno;
	uint64_t size;
	size_t n;

	tsk_error_reset();
	t->ext->err.code = ETK_OK;
	fs = part != NULL ? tsk_fs_open_vol(part, TSK_FS_TYPE_DETECT) :
	    tsk_fs_open_img(t->img, 0, TSK_FS_TYPE_DETECT);
	if (fs == NULL) {
		tsk_errno = tsk_error_get_errno();
		tsk_msg(msg, sizeof(msg));
		if (t->ext->err.code != ETK_OK &&
		    tsk_errno != TSK_ERR_FS_UNKTYPE) {
			/* The file system was found and could not be read. */
			v->fs_status = ETK_EIO;
			snprintf(buf, sizeof(buf), "%s", t->ext->err.msg);
		} else if ((what = sniff_unsupported(t->ext->src, v->start,
		    v->len)) != NULL) {
			v->fs_status = ETK_EUNSUPP;
			snprintf(buf, sizeof(buf), "%s: not supported", what);
		} else if (tsk_errno == TSK_ERR_FS_UNKTYPE) {
			/* Detection tries every type; a probe that failed to
			 * read does not make the volume unreadable, but is
			 * worth a word. */
			v->fs_status = ETK_ENOTFOUND;
			if (t->ext->err.code != ETK_OK)
				snprintf(buf, sizeof(buf), "no file system "
				    "found (a read failed while probing: "
				    "%.400s)", t->ext->err.msg);
			else
				snprintf(buf, sizeof(buf), "no file system");
		} else if (tsk_errno == TSK_ERR_FS_ENCRYPTED ||
		    tsk_errno == TSK_ERR_FS_POSSIBLY_ENCRYPTED ||
		    tsk_errno == TSK_ERR_FS_UNSUPTYPE) {
			v->fs_status = ETK_EUNSUPP;
			snprintf(buf, sizeof(buf), "%s", msg);
		} else {
			v->fs_status = ETK_EFORMAT;
			snprintf(buf, sizeof(buf), "%s", msg);
		}
		size = etk_source_size(t->ext->src);
		if (v->start > size || v->len > size - v->start) {
			/* A truncated image, or a table that lies. */
			n = strlen(buf);
			snprintf(buf + n, sizeof(buf) - n, " (the partition ends "
			    "at byte %" PRIu64 ", past the end of the image at %"
			    PRIu64 ")", v->start + v->len, size);
			if (v->fs_status == ETK_ENOTFOUND)
				v->fs_status = ETK_EFORMAT;
		}
		t->ext->err.code = ETK_OK;
		if ((tv->fs_error = xstrdup(buf)) == NULL)
			return nomem(err);
		v->fs_error = tv->fs_error;
		return ETK_OK;
	}
	tv->fs = fs;
	what = tsk_fs_type_toname(fs->ftype);
	if ((tv->fs_type = lower_dup(what != NULL ? what : "unknown")) == NULL)
		return nomem(err);
	tv->no_owner = TSK_FS_TYPE_ISFAT(fs->ftype) ||
	    TSK_FS_TYPE_ISNTFS(fs->ftype);
	v->fs_type = tv->fs_type;
	v->block_size = fs->block_size;
	v->block_count = fs->block_count;
	v->fs_status = ETK_OK;
	return ETK_OK;
}

static void
tsk_close(void *bctx)
{
	struct tsk_ctx *t = bctx;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nvols; i++) {
		if (t->tv[i].fs != NULL)
			tsk_fs_close(t->tv[i].fs);
		free(t->tv[i].desc);
		free(t->tv[i].fs_type);
		free(t->tv[i].fs_error);
	}
	if (t->vs != NULL)
		tsk_vs_close(t->vs);
	if (t->img != NULL)
		tsk_img_close(t->img);	/* frees ext through img_close */
	else
		free(t->ext);
	free(t->vols);
	free(t->tv);
	free(t);
}

static int
alloc_vols(struct tsk_ctx *t, size_t n, struct etk_error *err)
{
	if (n == 0)
		n = 1;
	if ((t->vols = calloc(n, sizeof(*t->vols))) == NULL ||
	    (t->tv = calloc(n, sizeof(*t->tv))) == NULL)
		return nomem(err);
	return ETK_OK;
}

/*
 * tsk_vs_open(DETECT), without its leak: TSK 4.11.1 drops the DOS table
 * it found when it decides that it is a GPT's protective MBR ("GPT
 * Safety" partition), without closing it (tsk/vs/mm_open.c).  In exactly
 * that case we open the GPT ourselves; DETECT gives the same table.
 */
static TSK_VS_INFO *
vs_open(TSK_IMG_INFO *img)
{
	const TSK_VS_PART_INFO *p;
	TSK_VS_INFO *dos, *gpt;
	TSK_PNUM_T i;
	int safety = 0;

	tsk_error_reset();
	if ((dos = tsk_vs_open(img, 0, TSK_VS_TYPE_DOS)) != NULL) {
		for (i = 0; i < dos->part_count; i++)
			if ((p = tsk_vs_part_get(dos, i)) != NULL &&
			    p->desc != NULL &&
			    strncmp(p->desc, "GPT Safety", 10) == 0 &&
			    p->start <= 63)
				safety = 1;
		tsk_vs_close(dos);
	}
	tsk_error_reset();
	if (safety) {
		gpt = tsk_vs_open(img, 0, TSK_VS_TYPE_GPT);
		if (gpt != NULL && !gpt->is_backup)
			return gpt;
		if (gpt != NULL)
			tsk_vs_close(gpt);
		tsk_error_reset();
	}
	return tsk_vs_open(img, 0, TSK_VS_TYPE_DETECT);
}

int
etk_tsk_open(struct etk_evidence *ev, void **bctx,
    const struct etk_volume **vols, size_t *nvols, const char **vs_type,
    struct etk_error *err)
{
	struct etk_source *src = etk_ev_source(ev);
	const TSK_VS_PART_INFO *part;
	char vsmsg[ETK_ERRMSG_MAX];
	struct etk_volume *v;
	struct tsk_ctx *t;
	const char *name;
	unsigned ssize;
	uint32_t vs_errno;
	uint64_t size;
	TSK_PNUM_T i;
	int rc;

	*bctx = NULL;
	*vols = NULL;
	*nvols = 0;
	*vs_type = NULL;
	if (src == NULL)
		return etk_fail(err, ETK_EINVAL, 0, "tsk: no source");
	size = etk_source_size(src);
	if (size > (uint64_t)INT64_MAX)
		return etk_fail(err, ETK_EUNSUPP, 0, "%s: too large",
		    etk_ev_name(ev));
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return nomem(err);
	t->ev = ev;
	/* About 2 MiB: TSK_IMG_INFO holds TSK's read cache. */
	if ((t->ext = calloc(1, sizeof(*t->ext))) == NULL) {
		free(t);
		return nomem(err);
	}
	t->ext->src = src;
	ssize = etk_source_sector_size(src);
	if (ssize < 512 || ssize % 512 != 0 || ssize > 65536)
		ssize = 0;
	tsk_error_reset();
	t->img = tsk_img_open_external(t->ext, (TSK_OFF_T)size, ssize,
	    img_read, img_close, img_imgstat);
	if (t->img == NULL) {
		rc = tsk_fail(NULL, err, ETK_EFORMAT, "%s: tsk image",
		    etk_ev_name(ev));
		tsk_close(t);
		return rc;
	}

	t->vs = vs_open(t->img);
	if (t->vs != NULL) {
		name = tsk_vs_type_toname(t->vs->vstype);
		snprintf(t->vs_type, sizeof(t->vs_type), "%s",
		    name != NULL ? name : "unknown");
		if ((rc = alloc_vols(t, t->vs->part_count, err)) != ETK_OK)
			goto fail;
		for (i = 0; i < t->vs->part_count; i++) {
			if ((part = tsk_vs_part_get(t->vs, i)) == NULL) {
				tsk_error_reset();
				continue;
			}
			v = &t->vols[t->nvols];
			v->slot = (int)part->addr;
			v->flags = ((part->flags & TSK_VS_PART_FLAG_ALLOC) ?
			    ETK_VOL_ALLOC : 0) |
			    ((part->flags & TSK_VS_PART_FLAG_UNALLOC) ?
			    ETK_VOL_UNALLOC : 0) |
			    ((part->flags & TSK_VS_PART_FLAG_META) ?
			    ETK_VOL_META : 0);
			v->start = (uint64_t)part->start * t->vs->block_size;
			v->len = (uint64_t)part->len * t->vs->block_size;
			v->fs_status = ETK_ENOTFOUND;
			if ((t->tv[t->nvols].desc = xstrdup(part->desc !=
			    NULL ? part->desc : "")) == NULL) {
				rc = nomem(err);
				goto fail;
			}
			v->desc = t->tv[t->nvols].desc;
			t->nvols++;
			if ((part->flags & TSK_VS_PART_FLAG_ALLOC) &&
			    (rc = open_fs(t, t->nvols - 1, part, err)) !=
			    ETK_OK)
				goto fail;
		}
	} else {
		/* No partition table (or an unreadable one): a file system
		 * at offset 0, or nothing. */
		vs_errno = tsk_error_get_errno();
		tsk_msg(vsmsg, sizeof(vsmsg));
		if (t->ext->err.code != ETK_OK) {
			rc = etk_fail(err, ETK_EIO, 0, "%s", t->ext->err.msg);
			goto fail;
		}
		if ((rc = alloc_vols(t, 1, err)) != ETK_OK)
			goto fail;
		v = &t->vols[0];
		v->slot = -1;
		v->flags = ETK_VOL_ALLOC;
		v->start = 0;
		v->len = size;
		t->tv[0].desc = xstrdup("whole image");
		v->desc = t->tv[0].desc;
		t->nvols = 1;
		if (v->desc == NULL) {
			rc = nomem(err);
			goto fail;
		}
		if ((rc = open_fs(t, 0, NULL, err)) != ETK_OK)
			goto fail;
		/* TSK 4.11 leaves errno 0 when it finds no table at all. */
		if (t->tv[0].fs == NULL && vs_errno != 0 &&
		    vs_errno != TSK_ERR_VS_UNKTYPE &&
		    v->fs_status == ETK_ENOTFOUND) {
			/* A partition table TSK saw but could not read. */
			free(t->tv[0].fs_error);
			if ((t->tv[0].fs_error = malloc(strlen(vsmsg) +
			    32)) == NULL) {
				rc = nomem(err);
				goto fail;
			}
			snprintf(t->tv[0].fs_error, strlen(vsmsg) + 32,
			    "partition table: %s", vsmsg);
			v->fs_error = t->tv[0].fs_error;
			v->fs_status = ETK_EFORMAT;
		}
	}
	*bctx = t;
	*vols = t->vols;
	*nvols = t->nvols;
	*vs_type = t->vs != NULL ? t->vs_type : NULL;
	return ETK_OK;
fail:
	tsk_close(t);
	return rc;
}

/* ---- finding a volume and a file ---- */

/* The volume an item names: its slot, or the only one with a file
 * system when the item gives none. */
static int
pick_volume(struct tsk_ctx *t, int slot, size_t *vi, struct etk_error *err)
{
	size_t i, found = 0, nfs = 0;

	*vi = 0;
	if (slot >= 0) {
		for (i = 0; i < t->nvols; i++)
			if (t->vols[i].slot == slot)
				break;
		if (i == t->nvols)
			return etk_fail(err, ETK_ENOTFOUND, 0, "%s: no volume "
			    "p%d", etk_ev_name(t->ev), slot);
		if (t->tv[i].fs == NULL)
			return etk_fail(err, t->vols[i].fs_status == ETK_OK ?
			    ETK_ENOTFOUND : t->vols[i].fs_status, 0,
			    "%s: p%d: %s", etk_ev_name(t->ev), slot,
			    t->vols[i].fs_error != NULL ?
			    t->vols[i].fs_error : "no file system");
		*vi = i;
		return ETK_OK;
	}
	for (i = 0; i < t->nvols; i++)
		if (t->tv[i].fs != NULL) {
			if (nfs++ == 0)
				found = i;
		}
	if (nfs == 0) {
		if (t->nvols == 1 && t->vols[0].fs_error != NULL &&
		    t->vols[0].fs_status != ETK_OK)
			return etk_fail(err, t->vols[0].fs_status, 0, "%s: %s",
			    etk_ev_name(t->ev), t->vols[0].fs_error);
		return etk_fail(err, ETK_ENOTFOUND, 0, "%s: no file system",
		    etk_ev_name(t->ev));
	}
	if (nfs > 1)
		return etk_fail(err, ETK_EINVAL, 0, "%s: several file systems: "
		    "name the volume (as in p%d:/path)", etk_ev_name(t->ev),
		    t->vols[found].slot);
	*vi = found;
	return ETK_OK;
}

/* Open the file an item names (path or inode). */
static int
open_item(struct tsk_ctx *t, const struct etk_loc_item *it, size_t *vip,
    TSK_FS_FILE **out, struct etk_error *err)
{
	char ctx[256];
	TSK_FS_INFO *fs;
	TSK_FS_FILE *f;
	size_t vi;
	int rc;

	*out = NULL;
	if (it->kind != ETK_LOC_PATH && it->kind != ETK_LOC_INODE)
		return etk_fail(err, ETK_EINVAL, 0, "%s: locator names no file",
		    etk_ev_name(t->ev));
	if ((rc = pick_volume(t, it->volume, &vi, err)) != ETK_OK)
		return rc;
	fs = t->tv[vi].fs;
	vol_ctx(t, vi, ctx, sizeof(ctx));
	tsk_error_reset();
	t->ext->err.code = ETK_OK;
	if (it->kind == ETK_LOC_PATH) {
		if (it->path == NULL || it->path[0] != '/')
			return etk_fail(err, ETK_EINVAL, 0, "%s: path must "
			    "start with '/'", ctx);
		if ((f = tsk_fs_file_open(fs, NULL, it->path)) == NULL) {
			if (t->ext->err.code != ETK_OK)
				return tsk_fail(t, err, ETK_EIO, "%s: %s", ctx,
				    it->path);
			tsk_error_reset();
			return etk_fail(err, ETK_ENOTFOUND, 0, "%s: %s: no such "
			    "file", ctx, it->path);
		}
	} else {
		if (it->inode < fs->first_inum || it->inode > fs->last_inum)
			return etk_fail(err, ETK_ENOTFOUND, 0, "%s: inode %"
			    PRIu64 " out of range (%" PRIu64 "-%" PRIu64 ")",
			    ctx, it->inode, (uint64_t)fs->first_inum,
			    (uint64_t)fs->last_inum);
		if ((f = tsk_fs_file_open_meta(fs, NULL,
		    (TSK_INUM_T)it->inode)) == NULL)
			return tsk_fail(t, err, ETK_ENOTFOUND, "%s: inode %"
			    PRIu64, ctx, it->inode);
	}
	if (f->meta == NULL) {
		tsk_fs_file_close(f);
		return etk_fail(err, ETK_ENOTFOUND, 0, "%s: %s: no metadata",
		    ctx, it->kind == ETK_LOC_PATH ? it->path : "inode");
	}
	*vip = vi;
	*out = f;
	return ETK_OK;
}

/* The attribute an item names, or the default one.  NULL with ETK_OK
 * when the file has no data attribute at all. */
/*
 * TSK builds the block list of an ext2/3 (or non-extent ext4) or UFS
 * file one pointer at a time, as many as the size claims, even when a
 * hostile inode points every indirect slot at the same block: a few
 * bytes of image can cost hours and gigabytes.  A file whose size needs
 * far more blocks than the file system has is corrupt (or sparse beyond
 * anything on evidence we expect); we refuse to load it.  A directory
 * larger than the whole file system is corrupt too (TSK parses every
 * byte of it, and adds each name with a linear duplicate check).
 */
static int
implausible_size(const TSK_FS_INFO *fs, const TSK_FS_META *m)
{
	uint64_t blocks, limit;

	if (!TSK_FS_TYPE_ISEXT(fs->ftype) && !TSK_FS_TYPE_ISFFS(fs->ftype))
		return 0;
	if (m->content_type == TSK_FS_META_CONTENT_TYPE_EXT4_EXTENTS ||
	    m->content_type == TSK_FS_META_CONTENT_TYPE_EXT4_INLINE)
		return 0;
	if (m->size <= 0 || fs->block_size == 0)
		return 0;
	blocks = (uint64_t)m->size / fs->block_size;
	/* The blocks the image really holds (a hostile superblock may
	 * claim any block count). */
	limit = (uint64_t)fs->block_count;
	if (fs->last_block_act >= fs->first_block &&
	    fs->last_block_act - fs->first_block + 1 < limit)
		limit = fs->last_block_act - fs->first_block + 1;
	if (limit > UINT64_MAX / 4 - 4096)
		return 0;
	/* Directories are never sparse: no bigger than the file system. */
	if (TSK_FS_IS_DIR_META(m->type))
		return blocks > limit + 16;
	return blocks > limit * 4 + 4096;
}

static int
item_attr(struct tsk_ctx *t, size_t vi, const struct etk_loc_item *it,
    TSK_FS_FILE *f, const TSK_FS_ATTR **out, struct etk_error *err)
{
	const TSK_FS_ATTR *a;
	char ctx[256];

	*out = NULL;
	tsk_error_reset();
	if (implausible_size(t->tv[vi].fs, f->meta)) {
		vol_ctx(t, vi, ctx, sizeof(ctx));
		return etk_fail(err, ETK_EFORMAT, 0, "%s: inode %" PRIu64
		    ": size %" PRId64 " needs far more blocks than the file "
		    "system has (%" PRIu64 "): corrupt, not read", ctx,
		    (uint64_t)f->meta->addr, (int64_t)f->meta->size,
		    (uint64_t)t->tv[vi].fs->block_count);
	}
	if (it->has_attr) {
		a = tsk_fs_file_attr_get_type(f,
		    (TSK_FS_ATTR_TYPE_ENUM)it->attr_type,
		    it->has_attr_id ? it->attr_id : 0,
		    it->has_attr_id ? 1 : 0);
		if (a == NULL) {
			vol_ctx(t, vi, ctx, sizeof(ctx));
			tsk_error_reset();
			return etk_fail(err, ETK_ENOTFOUND, 0, "%s: inode %"
			    PRIu64 ": no attribute %" PRIu32 "%s%u", ctx,
			    (uint64_t)f->meta->addr, it->attr_type,
			    it->has_attr_id ? "-" : "",
			    it->has_attr_id ? (unsigned)it->attr_id : 0u);
		}
		*out = a;
		return ETK_OK;
	}
	a = tsk_fs_file_attr_get(f);
	if (a == NULL)
		tsk_error_reset();
	*out = a;
	return ETK_OK;
}

/* ---- entries ---- */

struct ebuf {
	struct etk_buf loc, path, name;
};

static void
ebuf_init(struct ebuf *b)
{
	etk_buf_init(&b->loc);
	etk_buf_init(&b->path);
	etk_buf_init(&b->name);
}

static void
ebuf_release(struct ebuf *b)
{
	etk_buf_release(&b->loc);
	etk_buf_release(&b->path);
	etk_buf_release(&b->name);
}

/* Does fls append ":attrname" for this attribute? */
static int
attr_named(const TSK_FS_ATTR *a)
{
	return a != NULL && a->name != NULL && (a->type !=
	    TSK_FS_ATTR_TYPE_NTFS_IDXROOT || strcmp(a->name, "$I30") != 0);
}

static char
name_letter(const TSK_FS_NAME *n)
{
	if (n == NULL)
		return '-';
	return (unsigned)n->type < TSK_FS_NAME_TYPE_STR_MAX ?
	    tsk_fs_name_type_str[n->type][0] : '-';
}

static char
meta_letter(const TSK_FS_META *m, const TSK_FS_ATTR *a)
{
	if (m == NULL)
		return '-';
	/* fls: a $DATA stream of a directory prints as a file */
	if (a != NULL && a->type == TSK_FS_ATTR_TYPE_NTFS_DATA &&
	    TSK_FS_IS_DIR_META(m->type))
		return 'r';
	return (unsigned)m->type < TSK_FS_META_TYPE_STR_MAX ?
	    tsk_fs_meta_type_str[m->type][0] : '-';
}

/*
 * Fill e from a TSK file.  name is f->name (may be NULL for inode
 * lookups), path the full path ("/a/b.txt", may be NULL when unknown),
 * path_ok says whether the path can be looked up again (every directory
 * on it allocated).
 */
static int
fill_entry(struct tsk_ctx *t, size_t vi, TSK_FS_FILE *f,
    const TSK_FS_NAME *name, const char *dirpath, int path_ok,
    const TSK_FS_ATTR *a, const struct etk_loc_item *given,
    struct ebuf *b, struct etk_entry *e)
{
	const struct etk_volume *v = &t->vols[vi];
	const TSK_FS_META *m = f->meta;
	const char *nm;
	struct etk_loc_item it;
	int named = attr_named(a);

	memset(e, 0, sizeof(*e));
	etk_buf_reset(&b->loc);
	etk_buf_reset(&b->path);
	etk_buf_reset(&b->name);

	if (name != NULL && name->name != NULL)
		nm = name->name;
	else if (m != NULL && m->name2 != NULL && m->name2->name[0] != '\0')
		nm = m->name2->name;
	else
		nm = "";
	etk_buf_adds(&b->name, nm);
	if (named) {
		etk_buf_addc(&b->name, ':');
		etk_buf_adds(&b->name, a->name);
	}
	if (dirpath != NULL) {
		etk_buf_adds(&b->path, dirpath);
		etk_buf_add(&b->path, b->name.data, b->name.len);
	}

	e->source = etk_ev_name(t->ev);
	e->volume = v->slot;
	e->fs_offset = (uint64_t)t->tv[vi].fs->offset;
	e->fs_type = v->fs_type;
	e->has_inode = 1;
	e->inode = name != NULL ? (uint64_t)name->meta_addr :
	    m != NULL ? (uint64_t)m->addr : 0;
	if (a != NULL) {
		e->has_attr = 1;
		e->attr_type = (uint32_t)a->type;
		e->attr_id = a->id;
	}
	e->size = a != NULL ? (uint64_t)(a->size < 0 ? 0 : a->size) :
	    m != NULL && m->size > 0 ? (uint64_t)m->size : 0;
	if (name != NULL) {
		e->deleted = (name->flags & TSK_FS_NAME_FLAG_UNALLOC) != 0;
		e->allocated = (name->flags & TSK_FS_NAME_FLAG_ALLOC) &&
		    m != NULL && (m->flags & TSK_FS_META_FLAG_ALLOC);
		e->realloc = m != NULL && (m->flags & TSK_FS_META_FLAG_ALLOC) &&
		    e->deleted;
	} else if (m != NULL) {
		e->allocated = (m->flags & TSK_FS_META_FLAG_ALLOC) != 0;
		e->deleted = !e->allocated;
	}
	e->name_type = name_letter(name);
	e->meta_type = meta_letter(m, a);
	e->uid = e->gid = -1;
	if (m != NULL) {
		e->mode = (uint32_t)m->mode & 07777;
		if (!t->tv[vi].no_owner) {
			e->uid = (int64_t)m->uid;
			e->gid = (int64_t)m->gid;
		}
		e->mtime = (int64_t)m->mtime;
		e->atime = (int64_t)m->atime;
		e->ctime = (int64_t)m->ctime;
		e->crtime = (int64_t)m->crtime;
		e->mtime_ns = (int32_t)(m->mtime_nano % 1000000000U);
		e->atime_ns = (int32_t)(m->atime_nano % 1000000000U);
		e->ctime_ns = (int32_t)(m->ctime_nano % 1000000000U);
		e->crtime_ns = (int32_t)(m->crtime_nano % 1000000000U);
		if (m->mtime != 0 || m->mtime_nano != 0)
			e->times |= ETK_TIME_M;
		if (m->atime != 0 || m->atime_nano != 0)
			e->times |= ETK_TIME_A;
		if (m->ctime != 0 || m->ctime_nano != 0)
			e->times |= ETK_TIME_C;
		if (m->crtime != 0 || m->crtime_nano != 0)
			e->times |= ETK_TIME_CR;
		if (m->type == TSK_FS_META_TYPE_LNK && m->link != NULL &&
		    m->link[0] != '\0')
			e->link_target = m->link;
	}

	/* Locator: the path when it can be looked up again, else the
	 * inode (with the attribute for named streams). */
	memset(&it, 0, sizeof(it));
	it.volume = v->slot;
	if (given != NULL) {
		it = *given;
		it.volume = v->slot;
	} else if (e->allocated && !named && path_ok && dirpath != NULL &&
	    nm[0] != '\0' && strchr(nm, '/') == NULL && !b->path.oom) {
		it.kind = ETK_LOC_PATH;
		it.path = b->path.data;
	} else {
		it.kind = ETK_LOC_INODE;
		it.inode = e->inode;
		if (named) {
			it.has_attr = it.has_attr_id = 1;
			it.attr_type = (uint32_t)a->type;
			it.attr_id = a->id;
		}
	}
	etk_ev_locator(t->ev, &b->loc, &it);
	if (b->loc.oom || b->path.oom || b->name.oom)
		return ETK_ENOMEM;
	e->locator = b->loc.data;
	e->path = dirpath != NULL ? b->path.data : "";
	e->name = b->name.data;
	e->parent = NULL;
	return ETK_OK;
}

/* ---- walking ---- */

/* Open-addressing counter of directory inodes entered. */
struct seen {
	uint64_t *keys;
	uint32_t *counts;
	size_t cap, used;
};

static void
seen_free(struct seen *s)
{
	free(s->keys);
	free(s->counts);
	memset(s, 0, sizeof(*s));
}

/* Count one more visit of key; returns the new count, 0 on no memory. */
static uint32_t
seen_inc(struct seen *s, uint64_t key)
{
	size_t i, j, ncap;
	uint64_t *nk;
	uint32_t *nc;

	key++;	/* 0 marks a free slot */
	if (key == 0)
		key = UINT64_MAX;
	if ((s->used + 1) * 2 > s->cap) {
		ncap = s->cap ? s->cap * 2 : 256;
		if ((nk = calloc(ncap, sizeof(*nk))) == NULL ||
		    (nc = calloc(ncap, sizeof(*nc))) == NULL) {
			free(nk);
			return 0;
		}
		for (i = 0; i < s->cap; i++) {
			if (s->keys[i] == 0)
				continue;
			j = (size_t)(s->keys[i] * 0x9e3779b97f4a7c15ULL) &
			    (ncap - 1);
			while (nk[j] != 0)
				j = (j + 1) & (ncap - 1);
			nk[j] = s->keys[i];
			nc[j] = s->counts[i];
		}
		free(s->keys);
		free(s->counts);
		s->keys = nk;
		s->counts = nc;
		s->cap = ncap;
	}
	j = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (s->cap - 1);
	while (s->keys[j] != 0 && s->keys[j] != key)
		j = (j + 1) & (s->cap - 1);
	if (s->keys[j] == 0) {
		s->keys[j] = key;
		s->used++;
	}
	return ++s->counts[j];
}

struct twalk {
	struct tsk_ctx *t;
	size_t vi;
	TSK_FS_INFO *fs;
	unsigned flags;		/* ETK_WALK_* */
	unsigned want;		/* TSK_FS_NAME_FLAG_* to report */
	etk_entry_cb cb;
	void *arg;
	const char *base;	/* path of the start directory, "" = root */
	int path_ok;		/* paths below base can be looked up */
	uint64_t seen_names;	/* names TSK gave us */
	uint64_t count;		/* entries reported */
	int stopped;		/* the caller's callback said stop */
	int limit;		/* a hostile-input limit stopped us */
	int nomem;
	uint64_t pruned;	/* directories not entered */
	enum etk_outcome prune_outcome;
	char limit_msg[160];
	struct seen dirs;
	struct ebuf b;
	struct etk_buf dirpath;
	/* Directories (relative paths, ending '/') below which names
	 * cannot be looked up by path: deleted ancestors.  A stack, as the
	 * walk is depth-first. */
	char **bad;
	size_t nbad, capbad;
	/* Allocated directories TSK should have entered but that gave no
	 * name: empty, or unreadable (TSK skips a directory it cannot parse
	 * without a word, as fls -r does).  Probed after the walk. */
	char pend[ETK_PATH_PROBE];	/* relative path + '/', "" if none */
	TSK_INUM_T pend_inum;
	struct probe { TSK_INUM_T inum; char *path; } *probes;
	size_t nprobes, capprobes;
};

static int
will_recurse(const struct twalk *w, const TSK_FS_FILE *f)
{
	const TSK_FS_NAME *n = f->name;

	return (TSK_FS_IS_DIR_NAME(n->type) ||
	    n->type == TSK_FS_NAME_TYPE_UNDEF) && f->meta != NULL &&
	    TSK_FS_IS_DIR_META(f->meta->type) &&
	    (w->flags & ETK_WALK_RECURSE) &&
	    ((n->flags & TSK_FS_NAME_FLAG_ALLOC) ||
	    ((n->flags & TSK_FS_NAME_FLAG_UNALLOC) &&
	    (f->meta->flags & TSK_FS_META_FLAG_UNALLOC))) &&
	    !TSK_FS_ISDOT(n->name) &&
	    (n->meta_addr != TSK_FS_ORPHANDIR_INUM(w->fs) ||
	    !(w->flags & ETK_WALK_NOORPHAN));
}

/* Is the relative directory a_path below a deleted directory? */
static int
below_bad(struct twalk *w, const char *a_path)
{
	size_t n;

	while (w->nbad > 0) {
		n = strlen(w->bad[w->nbad - 1]);
		if (strncmp(a_path, w->bad[w->nbad - 1], n) == 0)
			return 1;
		free(w->bad[--w->nbad]);
	}
	return 0;
}

/* The pending directory gave no name before this one (in a_path): keep
 * it for a probe. */
static void
pend_check(struct twalk *w, const char *a_path)
{
	size_t n = strlen(w->pend);
	struct probe *np;

	if (n == 0)
		return;
	if (a_path != NULL && strncmp(a_path, w->pend, n) == 0) {
		w->pend[0] = '\0';	/* it has names */
		return;
	}
	if (w->nprobes < ETK_MAX_PROBES) {
		if (w->nprobes == w->capprobes) {
			size_t ncap = w->capprobes ? w->capprobes * 2 : 32;

			if ((np = realloc(w->probes, ncap * sizeof(*np))) ==
			    NULL) {
				w->pend[0] = '\0';
				return;
			}
			w->probes = np;
			w->capprobes = ncap;
		}
		w->pend[n - 1] = '\0';
		if ((w->probes[w->nprobes].path = strdup(w->pend)) != NULL)
			w->probes[w->nprobes++].inum = w->pend_inum;
	}
	w->pend[0] = '\0';
}

/* Open each childless directory again: one that TSK cannot open is an
 * error of the walk (entries are missing).  Returns how many failed;
 * the first is described in msg. */
static uint64_t
probe_dirs(struct twalk *w, char *msg, size_t msglen)
{
	uint64_t nbad = 0;
	TSK_FS_DIR *d;
	size_t i;

	for (i = 0; i < w->nprobes; i++) {
		tsk_error_reset();
		if ((d = tsk_fs_dir_open_meta(w->fs, w->probes[i].inum)) !=
		    NULL) {
			tsk_fs_dir_close(d);
			continue;
		}
		if (nbad++ == 0) {
			char tm[ETK_ERRMSG_MAX];

			tsk_msg(tm, sizeof(tm));
			/* A cut message still names the directory first;
			 * using the result tells gcc the cut is meant. */
			if (snprintf(msg, msglen, "directory %s/%s (inode %" PRIu64
			    ") cannot be read: %s", w->base, w->probes[i].path,
			    (uint64_t)w->probes[i].inum, tm) >= (int)msglen)
				msg[msglen - 1] = '\0';
		}
	}
	tsk_error_reset();
	return nbad;
}

static void
push_bad(struct twalk *w, const char *a_path, const char *name)
{
	size_t na = strlen(a_path), nn = strlen(name);
	char **nb, *s;

	if (w->nbad == w->capbad) {
		size_t ncap = w->capbad ? w->capbad * 2 : 16;

		if ((nb = realloc(w->bad, ncap * sizeof(*nb))) == NULL) {
			w->nomem = 1;
			return;
		}
		w->bad = nb;
		w->capbad = ncap;
	}
	if ((s = malloc(na + nn + 2)) == NULL) {
		w->nomem = 1;
		return;
	}
	memcpy(s, a_path, na);
	memcpy(s + na, name, nn);
	s[na + nn] = '/';
	s[na + nn + 1] = '\0';
	w->bad[w->nbad++] = s;
}

static int
emit(struct twalk *w, TSK_FS_FILE *f, const TSK_FS_ATTR *a, int path_ok)
{
	struct etk_entry e;
	int rc;

	if (fill_entry(w->t, w->vi, f, f->name, w->dirpath.data, path_ok, a,
	    NULL, &w->b, &e) != ETK_OK) {
		w->nomem = 1;
		return 1;
	}
	w->count++;
	if ((rc = w->cb(&e, w->arg)) != 0) {
		w->stopped = 1;
		return 1;
	}
	return 0;
}

static TSK_WALK_RET_ENUM report(struct twalk *, TSK_FS_FILE *,
    const char *, int);

/* Directory levels in a walk path ("a/b/" is 2). */
static size_t
path_depth(const char *p)
{
	size_t n = 0;

	for (; *p != '\0'; p++)
		if (*p == '/')
			n++;
	return n;
}

static TSK_WALK_RET_ENUM
walk_cb(TSK_FS_FILE *f, const char *a_path, void *arg)
{
	struct twalk *w = arg;
	const TSK_FS_NAME *n = f->name;
	enum etk_outcome prune = ETK_OUTCOME_OK;
	TSK_WALK_RET_ENUM rc;
	int path_ok;
	uint32_t visits;

	if (n == NULL || n->name == NULL)
		return TSK_WALK_CONT;
	if (a_path == NULL)
		a_path = "";
	if (++w->seen_names > TSK_MAX_ENTRIES) {
		w->limit = 1;
		snprintf(w->limit_msg, sizeof(w->limit_msg), "more than %llu "
		    "names: walk stopped", (unsigned long long)TSK_MAX_ENTRIES);
		return TSK_WALK_STOP;
	}
	pend_check(w, a_path);
	path_ok = w->path_ok && !below_bad(w, a_path);
	if (will_recurse(w, f)) {
		if ((visits = seen_inc(&w->dirs, n->meta_addr)) == 0) {
			w->nomem = 1;
			return TSK_WALK_STOP;
		}
		if (path_depth(a_path) + 1 >= ETK_MAX_DIRDEPTH) {
			/* TSK stops at 128 levels itself; this is a backstop
			 * should that change. */
			prune = ETK_OUTCOME_TIMEOUT;
			if (w->pruned++ == 0)
				snprintf(w->limit_msg, sizeof(w->limit_msg),
				    "directories nested more than %d deep",
				    ETK_MAX_DIRDEPTH);
		} else if (visits > TSK_MAX_REENTER) {
			prune = ETK_OUTCOME_TIMEOUT;
			if (w->pruned++ == 0)
				snprintf(w->limit_msg, sizeof(w->limit_msg),
				    "directory inode %" PRIu64 " entered more "
				    "than %d times", (uint64_t)n->meta_addr,
				    TSK_MAX_REENTER);
		} else if (implausible_size(w->fs, f->meta)) {
			prune = ETK_OUTCOME_ERROR;
			if (w->pruned++ == 0)
				snprintf(w->limit_msg, sizeof(w->limit_msg),
				    "directory inode %" PRIu64 " claims %" PRId64
				    " bytes: corrupt", (uint64_t)n->meta_addr,
				    (int64_t)f->meta->size);
		} else if (!((n->flags & TSK_FS_NAME_FLAG_ALLOC) &&
		    (f->meta->flags & TSK_FS_META_FLAG_ALLOC)))
			push_bad(w, a_path, n->name);
		if (prune > w->prune_outcome)
			w->prune_outcome = prune;
		if (prune == ETK_OUTCOME_OK && visits == 1 &&
		    (n->flags & TSK_FS_NAME_FLAG_ALLOC) &&
		    (f->meta->flags & TSK_FS_META_FLAG_ALLOC) &&
		    strlen(a_path) + strlen(n->name) + 2 < sizeof(w->pend)) {
			size_t la = strlen(a_path), ln = strlen(n->name);

			memcpy(w->pend, a_path, la);
			memcpy(w->pend + la, n->name, ln);
			w->pend[la + ln] = '/';
			w->pend[la + ln + 1] = '\0';
			w->pend_inum = n->meta_addr;
		}
	}
	rc = report(w, f, a_path, path_ok);
	/* Keep TSK out of a directory we will not enter: it recurses only
	 * into names whose metadata says directory.  The metadata is this
	 * callback's copy, freed by TSK right after. */
	if (prune != ETK_OUTCOME_OK)
		f->meta->type = TSK_FS_META_TYPE_UNDEF;
	return rc;
}

/* Report one name as fls would print it. */
static TSK_WALK_RET_ENUM
report(struct twalk *w, TSK_FS_FILE *f, const char *a_path, int path_ok)
{
	const TSK_FS_NAME *n = f->name;
	const TSK_FS_ATTR *a;
	int i, cnt, printed;

	/* The name filter of tsk_fs_dir_walk (we ask TSK for everything
	 * so that the guards above see every directory). */
	if ((n->flags & w->want) != n->flags)
		return TSK_WALK_CONT;

	etk_buf_reset(&w->dirpath);
	etk_buf_adds(&w->dirpath, w->base);
	etk_buf_addc(&w->dirpath, '/');
	etk_buf_adds(&w->dirpath, a_path);
	if (w->dirpath.oom) {
		w->nomem = 1;
		return TSK_WALK_STOP;
	}

	/* What fls prints (tsk/fs/fls_lib.c, print_dent_act). */
	if (TSK_FS_TYPE_ISNTFS(w->fs->ftype) && f->meta != NULL) {
		printed = 0;
		cnt = tsk_fs_file_attr_getsize(f);
		for (i = 0; i < cnt; i++) {
			if ((a = tsk_fs_file_attr_get_idx(f, i)) == NULL)
				continue;
			if (a->type == TSK_FS_ATTR_TYPE_NTFS_DATA) {
				printed = 1;
				if (f->meta->type == TSK_FS_META_TYPE_DIR &&
				    n->name[0] == '.' && n->name[1] != '\0' &&
				    n->name[2] == '\0')
					continue;
				if (emit(w, f, a, path_ok))
					return TSK_WALK_STOP;
			} else if (a->type == TSK_FS_ATTR_TYPE_NTFS_IDXROOT) {
				printed = 1;
				if (!TSK_FS_ISDOT(n->name) &&
				    emit(w, f, a, path_ok))
					return TSK_WALK_STOP;
			}
		}
		tsk_error_reset();
		if (!printed && emit(w, f, NULL, path_ok))
			return TSK_WALK_STOP;
	} else if (!TSK_FS_ISDOT(n->name)) {
		if (emit(w, f, NULL, path_ok))
			return TSK_WALK_STOP;
	}
	return TSK_WALK_CONT;
}

/* Summary scope of a volume: "name:p4" or "name". */
static void
vol_scope(struct tsk_ctx *t, size_t vi, struct etk_buf *out)
{
	struct etk_loc_item it;

	memset(&it, 0, sizeof(it));
	it.volume = t->vols[vi].slot;
	it.kind = ETK_LOC_NONE;
	etk_ev_locator(t->ev, out, &it);
}

static enum etk_outcome
outcome_for(int status)
{
	switch (status) {
	case ETK_OK:		return ETK_OUTCOME_OK;
	case ETK_ENOTFOUND:	return ETK_OUTCOME_ABSENT;
	case ETK_EUNSUPP:	return ETK_OUTCOME_UNSUPPORTED;
	case ETK_ETIMEOUT:	return ETK_OUTCOME_TIMEOUT;
	default:		return ETK_OUTCOME_ERROR;
	}
}

static void
sum_add(struct etk_summary *sum, struct tsk_ctx *t, size_t vi,
    const char *kind, enum etk_outcome o, uint64_t count, const char *reason)
{
	struct etk_buf scope;

	if (sum == NULL)
		return;
	etk_buf_init(&scope);
	vol_scope(t, vi, &scope);
	if (!scope.oom)
		etk_summary_add(sum, scope.data, kind, o, count, reason);
	etk_buf_release(&scope);
}

/* Walk one file system from directory inode dir (base: its path, "" for
 * the root; NULL when unknown). */
static int
walk_fs(struct tsk_ctx *t, size_t vi, TSK_INUM_T dir, const char *base,
    unsigned flags, etk_entry_cb cb, void *arg, struct etk_summary *sum,
    int *stopped, struct etk_error *err)
{
	char ctx[256];
	struct twalk w;
	TSK_FS_FILE *df;
	unsigned tflags;
	uint64_t nerr, baddirs = 0;
	char dirmsg[ETK_ERRMSG_MAX];
	uint8_t bad;
	int rc = ETK_OK;

	memset(&w, 0, sizeof(w));
	dirmsg[0] = '\0';
	w.t = t;
	w.vi = vi;
	w.fs = t->tv[vi].fs;
	w.flags = flags;
	w.cb = cb;
	w.arg = arg;
	w.base = base != NULL ? base : "";
	w.path_ok = base != NULL;
	w.want = ((flags & ETK_WALK_ALLOC) ? TSK_FS_NAME_FLAG_ALLOC : 0) |
	    ((flags & ETK_WALK_UNALLOC) ? TSK_FS_NAME_FLAG_UNALLOC : 0);
	if (w.want == 0)
		w.want = TSK_FS_NAME_FLAG_ALLOC | TSK_FS_NAME_FLAG_UNALLOC;
	ebuf_init(&w.b);
	etk_buf_init(&w.dirpath);
	tflags = TSK_FS_DIR_WALK_FLAG_ALLOC | TSK_FS_DIR_WALK_FLAG_UNALLOC;
	if (flags & ETK_WALK_RECURSE)
		tflags |= TSK_FS_DIR_WALK_FLAG_RECURSE;
	if (flags & ETK_WALK_NOORPHAN)
		tflags |= TSK_FS_DIR_WALK_FLAG_NOORPHAN;

	vol_ctx(t, vi, ctx, sizeof(ctx));
	tsk_error_reset();
	t->ext->err.code = ETK_OK;
	if ((df = tsk_fs_file_open_meta(w.fs, NULL, dir)) != NULL &&
	    df->meta != NULL && implausible_size(w.fs, df->meta)) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "%s: directory inode %"
		    PRIu64 " claims %" PRId64 " bytes: corrupt", ctx,
		    (uint64_t)dir, (int64_t)df->meta->size);
		tsk_fs_file_close(df);
		sum_add(sum, t, vi, t->vols[vi].fs_type, ETK_OUTCOME_ERROR, 0,
		    err->msg);
		*stopped = 0;
		ebuf_release(&w.b);
		etk_buf_release(&w.dirpath);
		return rc;
	}
	tsk_fs_file_close(df);
	tsk_error_reset();
	nerr = t->ext->mark = t->ext->nerr;
	bad = tsk_fs_dir_walk(w.fs, dir, (TSK_FS_DIR_WALK_FLAG_ENUM)tflags,
	    walk_cb, &w);
	nerr = t->ext->nerr - nerr;
	pend_check(&w, NULL);
	if (!bad && !w.stopped && !w.nomem && !w.limit)
		baddirs = probe_dirs(&w, dirmsg, sizeof(dirmsg));
	if (w.nomem) {
		rc = nomem(err);
		sum_add(sum, t, vi, t->vols[vi].fs_type, ETK_OUTCOME_ERROR,
		    w.count, "out of memory");
	} else if (w.stopped) {
		tsk_error_reset();
		sum_add(sum, t, vi, t->vols[vi].fs_type, ETK_OUTCOME_OK,
		    w.count, NULL);
	} else if (w.limit) {
		tsk_error_reset();
		sum_add(sum, t, vi, t->vols[vi].fs_type, ETK_OUTCOME_TIMEOUT,
		    w.count, w.limit_msg);
	} else if (nerr > 0 && !bad) {
		/* TSK skips directories it cannot read and goes on; the
		 * walk is then incomplete, and must say so. */
		char reason[ETK_ERRMSG_MAX];

		snprintf(reason, sizeof(reason), "%" PRIu64 " read error%s, "
		    "entries may be missing (first: %.400s)", nerr, nerr == 1 ?
		    "" : "s", t->ext->first);
		sum_add(sum, t, vi, t->vols[vi].fs_type, ETK_OUTCOME_ERROR,
		    w.count, reason);
	} else if (baddirs > 0) {
		char reason[ETK_ERRMSG_MAX + 96];

		snprintf(reason, sizeof(reason), "%" PRIu64 " director%s "
		    "could not be read, entries are missing (first: %.*s)",
		    baddirs, baddirs == 1 ? "y" : "ies", ETK_ERRMSG_MAX - 1,
		    dirmsg);
		sum_add(sum, t, vi, t->vols[vi].fs_type, ETK_OUTCOME_ERROR,
		    w.count, reason);
	} else if (w.pruned > 0 && !bad) {
		char reason[sizeof(w.limit_msg) + 64];

		snprintf(reason, sizeof(reason), "%" PRIu64 " director%s not "
		    "entered (first: %s)", w.pruned, w.pruned == 1 ? "y" : "ies",
		    w.limit_msg);
		sum_add(sum, t, vi, t->vols[vi].fs_type, w.prune_outcome,
		    w.count, reason);
	} else if (bad) {
		rc = tsk_fail(t, err, ETK_EFORMAT, "%s", ctx);
		sum_add(sum, t, vi, t->vols[vi].fs_type, ETK_OUTCOME_ERROR,
		    w.count, err->msg);
	} else
		sum_add(sum, t, vi, t->vols[vi].fs_type, ETK_OUTCOME_OK,
		    w.count, NULL);
	*stopped = w.stopped;
	while (w.nbad > 0)
		free(w.bad[--w.nbad]);
	free(w.bad);
	while (w.nprobes > 0)
		free(w.probes[--w.nprobes].path);
	free(w.probes);
	seen_free(&w.dirs);
	etk_buf_release(&w.dirpath);
	ebuf_release(&w.b);
	return rc;
}

static int stat_item(struct tsk_ctx *, const struct etk_loc_item *,
    etk_entry_cb, void *, struct etk_error *);

/* Walk from a start item: a volume, a directory path or inode. */
static int
walk_start(struct tsk_ctx *t, const struct etk_loc_item *start,
    unsigned flags, etk_entry_cb cb, void *arg, struct etk_summary *sum,
    struct etk_error *err)
{
	TSK_FS_FILE *f;
	char *base = NULL;
	size_t vi, n;
	TSK_INUM_T dir;
	int rc, stopped = 0, known = 1;

	if (start->kind == ETK_LOC_NONE) {
		if ((rc = pick_volume(t, start->volume, &vi, err)) != ETK_OK)
			return rc;
		return walk_fs(t, vi, t->tv[vi].fs->root_inum, "", flags, cb,
		    arg, sum, &stopped, err);
	}
	if ((rc = open_item(t, start, &vi, &f, err)) != ETK_OK)
		return rc;
	if (!TSK_FS_IS_DIR_META(f->meta->type)) {
		tsk_fs_file_close(f);
		return stat_item(t, start, cb, arg, err);
	}
	dir = f->meta->addr;
	tsk_fs_file_close(f);
	if (start->kind == ETK_LOC_PATH) {
		if ((base = xstrdup(start->path)) == NULL)
			return nomem(err);
		n = strlen(base);
		while (n > 0 && base[n - 1] == '/')
			base[--n] = '\0';
	} else if (dir != t->tv[vi].fs->root_inum)
		known = 0;	/* paths below an inode are relative */
	rc = walk_fs(t, vi, dir, known ? (base != NULL ? base : "") : NULL,
	    flags, cb, arg, sum, &stopped, err);
	free(base);
	return rc;
}

static int
tsk_walk(struct etk_evidence *ev, void *bctx,
    const struct etk_loc_item *start, unsigned flags, etk_entry_cb cb,
    void *arg, struct etk_summary *sum, struct etk_error *err)
{
	struct tsk_ctx *t = bctx;
	struct etk_error first = { 0 };
	size_t vi;
	int rc, stopped = 0, walked = 0, failed = 0;

	(void)ev;
	if (start != NULL)
		return walk_start(t, start, flags, cb, arg, sum, err);
	for (vi = 0; vi < t->nvols && !stopped; vi++) {
		const struct etk_volume *v = &t->vols[vi];

		if (!(v->flags & ETK_VOL_ALLOC))
			continue;
		if (t->tv[vi].fs == NULL) {
			sum_add(sum, t, vi, "volume", outcome_for(
			    v->fs_status), 0, v->fs_error != NULL ?
			    v->fs_error : "no file system");
			if (v->fs_status != ETK_ENOTFOUND &&
			    v->fs_status != ETK_EUNSUPP && !failed++) {
				char ctx[256];

				vol_ctx(t, vi, ctx, sizeof(ctx));
				etk_fail(&first, v->fs_status, 0, "%s: %s", ctx,
				    v->fs_error != NULL ? v->fs_error :
				    "unreadable");
			}
			continue;
		}
		rc = walk_fs(t, vi, t->tv[vi].fs->root_inum, "", flags, cb,
		    arg, sum, &stopped, err);
		if (rc == ETK_ENOMEM)
			return rc;
		if (rc != ETK_OK) {
			if (!failed++)
				first = *err;
		} else
			walked++;
	}
	if (walked == 0 && failed > 0) {
		*err = first;
		return first.code;
	}
	etk_error_clear(err);
	return ETK_OK;
}

/* ---- stat ---- */

static int
stat_item(struct tsk_ctx *t, const struct etk_loc_item *it, etk_entry_cb cb,
    void *arg, struct etk_error *err)
{
	const TSK_FS_ATTR *a = NULL;
	struct etk_loc_item given;
	struct etk_entry e;
	struct ebuf b;
	TSK_FS_FILE *f;
	char *dir = NULL, *slash;
	size_t vi;
	int rc;

	if ((rc = open_item(t, it, &vi, &f, err)) != ETK_OK)
		return rc;
	/* fls shows attributes for NTFS only */
	if ((TSK_FS_TYPE_ISNTFS(t->tv[vi].fs->ftype) || it->has_attr) &&
	    (rc = item_attr(t, vi, it, f, &a, err)) != ETK_OK) {
		tsk_fs_file_close(f);
		return rc;
	}
	given = *it;
	if (it->kind == ETK_LOC_PATH) {
		/* dirpath = the path up to and including the last '/' */
		if ((dir = xstrdup(it->path)) == NULL) {
			tsk_fs_file_close(f);
			return nomem(err);
		}
		while ((slash = strrchr(dir, '/')) != NULL && slash[1] == '\0' &&
		    slash != dir)
			*slash = '\0';
		slash = strrchr(dir, '/');
		slash[1] = '\0';
	}
	ebuf_init(&b);
	rc = fill_entry(t, vi, f, f->name, dir, 1, a, &given, &b, &e);
	if (rc == ETK_OK)
		cb(&e, arg);
	else
		rc = nomem(err);
	ebuf_release(&b);
	free(dir);
	tsk_fs_file_close(f);
	return rc;
}

static int
tsk_stat(struct etk_evidence *ev, void *bctx, const struct etk_loc_item *it,
    etk_entry_cb cb, void *arg, struct etk_error *err)
{
	(void)ev;
	return stat_item(bctx, it, cb, arg, err);
}

/* ---- content ---- */

/* A run of a plain non-resident attribute, for direct reads. */
struct drun {
	uint64_t off;		/* byte offset in the file */
	uint64_t len;		/* bytes */
	uint64_t img;		/* byte offset in the source; */
	int zero;		/* sparse or filler: reads as zeros */
};

struct tfile {
	TSK_FS_FILE *f;
	const TSK_FS_ATTR *a;	/* NULL: empty content */
	struct tsk_ctx *t;
	uint64_t size;		/* bytes that can be read */
	char *name;		/* locator, for messages */
	/* Direct reads (NULL: every read through tsk_fs_attr_read). */
	struct drun *runs;
	size_t nruns, cur;
	uint64_t initsize;	/* bytes from here on read as zeros */
};

/*
 * Direct reads.  For a non-resident attribute that is neither compressed
 * nor encrypted, whose runs start at 0 and follow each other, the
 * content is what tsk_fs_attr_read (4.11) gives: each run's blocks read
 * from the file system at addr * block_size, zeros for sparse and filler
 * runs and past the initialised size.  Reading those bytes straight from
 * our source into the caller's buffer saves TSK's zeroed bounce buffer
 * and copies (a third of the CPU that is not digests when hashing).
 * Anything unusual (a short read, a run past the end of the source) is
 * read through TSK instead, so the bytes and the errors stay TSK's.
 */
static void
direct_setup(struct tfile *tf, TSK_FS_INFO *fs)
{
	const TSK_FS_ATTR *a = tf->a;
	const TSK_FS_ATTR_RUN *r;
	uint64_t bs = fs->block_size, next = 0, n = 0, limit;
	struct drun *d;

	if (a == NULL || !(a->flags & TSK_FS_ATTR_NONRES) ||
	    (a->flags & (TSK_FS_ATTR_COMP | TSK_FS_ATTR_ENC)) ||
	    (tf->f->meta != NULL &&
	    (tf->f->meta->flags & TSK_FS_META_FLAG_COMP)) ||
	    a->nrd.skiplen != 0 || bs == 0 || a->size <= 0 ||
	    a->nrd.initsize < 0 || fs->offset < 0)
		return;
	limit = etk_source_size(tf->t->ext->src);
	for (r = a->nrd.run; r != NULL; r = r->next) {
		if (r->offset != next || r->len == 0 ||
		    (r->flags & ~(TSK_FS_ATTR_RUN_FLAG_SPARSE |
		    TSK_FS_ATTR_RUN_FLAG_FILLER)) != 0 ||
		    r->len > (UINT64_MAX / bs) - r->offset)
			return;
		if (!(r->flags & (TSK_FS_ATTR_RUN_FLAG_SPARSE |
		    TSK_FS_ATTR_RUN_FLAG_FILLER)) &&
		    (r->addr > (UINT64_MAX / bs) - r->len ||
		    (uint64_t)fs->offset + (r->addr + r->len) * bs > limit ||
		    (uint64_t)fs->offset + (r->addr + r->len) * bs <
		    (uint64_t)fs->offset))
			return;
		next = r->offset + r->len;
		n++;
	}
	if (n == 0 || (d = calloc((size_t)n, sizeof(*d))) == NULL)
		return;
	n = 0;
	for (r = a->nrd.run; r != NULL; r = r->next, n++) {
		d[n].off = r->offset * bs;
		d[n].len = r->len * bs;
		d[n].zero = (r->flags & (TSK_FS_ATTR_RUN_FLAG_SPARSE |
		    TSK_FS_ATTR_RUN_FLAG_FILLER)) != 0;
		d[n].img = d[n].zero ? 0 : (uint64_t)fs->offset + r->addr * bs;
	}
	tf->runs = d;
	tf->nruns = (size_t)n;
	tf->initsize = (uint64_t)a->nrd.initsize;
}

/* Read [off, off+len) (within tf->size) directly; 0 when every byte
 * was read, -1 to read it through TSK instead. */
static int
direct_read(struct tfile *tf, uint64_t off, unsigned char *buf, size_t len)
{
	struct etk_error e = { 0 };
	size_t i = tf->cur, done = 0, want, got;
	uint64_t in;

	if (i >= tf->nruns || tf->runs[i].off > off)
		i = 0;
	while (done < len) {
		while (i < tf->nruns && tf->runs[i].off + tf->runs[i].len <= off)
			i++;
		if (i == tf->nruns)
			return -1;
		in = off - tf->runs[i].off;
		want = len - done;
		if (want > tf->runs[i].len - in)
			want = (size_t)(tf->runs[i].len - in);
		if (tf->runs[i].zero || off >= tf->initsize)
			memset(buf + done, 0, want);
		else {
			got = 0;
			if (etk_source_read(tf->t->ext->src, tf->runs[i].img +
			    in, buf + done, want, &got, &e) != ETK_OK ||
			    got != want)
				return -1;
			if (off + want > tf->initsize)
				memset(buf + done + (tf->initsize - off), 0,
				    (size_t)(off + want - tf->initsize));
		}
		done += want;
		off += want;
	}
	tf->cur = i;
	return 0;
}

/*
 * The bytes of an attribute that icat gives: its size, but for a
 * non-resident attribute no more than its runs cover (NTFS $BadClus:$Bad
 * has a size and no runs; icat prints nothing and tsk_fs_attr_read
 * reads nothing).
 */
static uint64_t
content_size(const TSK_FS_ATTR *a, unsigned block_size)
{
	const TSK_FS_ATTR_RUN *r;
	uint64_t size, end = 0, e;

	if (a == NULL || a->size <= 0)
		return 0;
	size = (uint64_t)a->size;
	if (!(a->flags & TSK_FS_ATTR_NONRES) || (a->flags & TSK_FS_ATTR_COMP))
		return size;
	for (r = a->nrd.run; r != NULL; r = r->next) {
		if (r->offset > UINT64_MAX - r->len)
			return size;
		e = r->offset + r->len;
		if (e > end)
			end = e;
	}
	if (block_size == 0 || end > UINT64_MAX / block_size)
		return size;
	end *= block_size;
	end = end > a->nrd.skiplen ? end - a->nrd.skiplen : 0;
	return end < size ? end : size;
}

static int
tfile_read(void *ctx, uint64_t off, void *buf, size_t len, size_t *nread,
    struct etk_error *err)
{
	struct tfile *tf = ctx;
	uint64_t size;
	size_t done = 0;
	ssize_t n;

	*nread = 0;
	if (tf->a == NULL)
		return ETK_OK;
	size = tf->size;
	if (off >= size)
		return ETK_OK;
	if (len > size - off)
		len = (size_t)(size - off);
	if (tf->runs != NULL && direct_read(tf, off, buf, len) == 0) {
		*nread = len;
		return ETK_OK;
	}
	tsk_error_reset();
	tf->t->ext->err.code = ETK_OK;
	while (done < len) {
		n = tsk_fs_attr_read(tf->a, (TSK_OFF_T)(off + done),
		    (char *)buf + done, len - done, TSK_FS_FILE_READ_FLAG_NONE);
		if (n < 0) {
			*nread = done;
			return tsk_fail(tf->t, err, ETK_EFORMAT, "%s: read at "
			    "offset %" PRIu64, tf->name, off + done);
		}
		if (n == 0) {
			*nread = done;
			return etk_fail(err, ETK_EIO, 0, "%s: read at offset %"
			    PRIu64 ": no data", tf->name, off + done);
		}
		done += (size_t)n;
	}
	*nread = done;
	return ETK_OK;
}

static void
tfile_close(void *ctx)
{
	struct tfile *tf = ctx;

	if (tf == NULL)
		return;
	tsk_fs_file_close(tf->f);
	free(tf->runs);
	free(tf->name);
	free(tf);
}

static const struct etk_source_ops tfile_ops = {
	tfile_read,
	tfile_close
};

static int
tsk_open_file(struct etk_evidence *ev, void *bctx,
    const struct etk_loc_item *it, struct etk_source **out,
    struct etk_error *err)
{
	struct tsk_ctx *t = bctx;
	const TSK_FS_ATTR *a;
	struct etk_buf name;
	struct tfile *tf;
	TSK_FS_FILE *f;
	size_t vi;
	int rc;

	*out = NULL;
	if ((rc = open_item(t, it, &vi, &f, err)) != ETK_OK)
		return rc;
	if ((rc = item_attr(t, vi, it, f, &a, err)) != ETK_OK) {
		tsk_fs_file_close(f);
		return rc;
	}
	etk_buf_init(&name);
	etk_ev_locator(ev, &name, it);
	if (name.oom) {
		etk_buf_release(&name);
		tsk_fs_file_close(f);
		return nomem(err);
	}
	if (a == NULL && f->meta->size > 0 &&
	    f->meta->type == TSK_FS_META_TYPE_REG) {
		rc = etk_fail(err, ETK_EFORMAT, 0, "%s: no data attribute",
		    name.data);
		etk_buf_release(&name);
		tsk_fs_file_close(f);
		return rc;
	}
	if ((tf = calloc(1, sizeof(*tf))) == NULL) {
		etk_buf_release(&name);
		tsk_fs_file_close(f);
		return nomem(err);
	}
	tf->f = f;
	tf->a = a;
	tf->t = t;
	tf->size = content_size(a, t->tv[vi].fs->block_size);
	tf->name = etk_buf_detach(&name);
	if (getenv("ETK_TSK_READ") == NULL)	/* tests: TSK's path only */
		direct_setup(tf, t->tv[vi].fs);
	return etk_source_new_custom(out, &tfile_ops, tf, tf->size, 0,
	    tf->name, "tsk-file", err);
}

/* ---- byte runs ---- */

static int
add_run(struct etk_byte_run **runs, size_t *n, size_t *cap, uint64_t foff,
    uint64_t ioff, uint64_t len, struct etk_error *err)
{
	struct etk_byte_run *r = *runs, *nr;

	if (*n > 0 && r[*n - 1].file_offset + r[*n - 1].len == foff &&
	    r[*n - 1].img_offset + r[*n - 1].len == ioff) {
		r[*n - 1].len += len;
		return ETK_OK;
	}
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;

		if ((nr = realloc(r, ncap * sizeof(*nr))) == NULL)
			return nomem(err);
		*runs = r = nr;
		*cap = ncap;
	}
	r[*n].file_offset = foff;
	r[*n].img_offset = ioff;
	r[*n].len = len;
	(*n)++;
	return ETK_OK;
}

static int
tsk_byte_runs(struct etk_evidence *ev, void *bctx,
    const struct etk_loc_item *it, struct etk_byte_run **runs, size_t *n,
    struct etk_error *err)
{
	struct tsk_ctx *t = bctx;
	const TSK_FS_ATTR_RUN *r;
	const TSK_FS_ATTR *a;
	TSK_FS_INFO *fs;
	TSK_FS_FILE *f;
	uint64_t bs, size, skip, roff, rlen, img, cut, foff, limit;
	size_t vi, cap = 0;
	int rc;

	(void)ev;
	*runs = NULL;
	*n = 0;
	if ((rc = open_item(t, it, &vi, &f, err)) != ETK_OK)
		return rc;
	if ((rc = item_attr(t, vi, it, f, &a, err)) != ETK_OK)
		goto out;
	fs = t->tv[vi].fs;
	if (a == NULL || !(a->flags & TSK_FS_ATTR_NONRES) ||
	    (a->flags & (TSK_FS_ATTR_COMP | TSK_FS_ATTR_ENC)) ||
	    (f->meta->flags & TSK_FS_META_FLAG_COMP) || a->size <= 0)
		goto out;
	bs = fs->block_size;
	size = (uint64_t)a->size;
	skip = a->nrd.skiplen;
	limit = etk_source_size(t->ext->src);
	for (r = a->nrd.run; r != NULL; r = r->next) {
		if (r->len == 0 || (r->flags & (TSK_FS_ATTR_RUN_FLAG_FILLER |
		    TSK_FS_ATTR_RUN_FLAG_SPARSE)))
			continue;
		if (r->flags & TSK_FS_ATTR_RUN_FLAG_ENCRYPTED) {
			free(*runs);
			*runs = NULL;
			*n = 0;
			goto out;
		}
		if (bs == 0 || r->offset > UINT64_MAX / bs ||
		    r->len > UINT64_MAX / bs || r->addr > UINT64_MAX / bs ||
		    r->addr > fs->last_block)
			continue;
		roff = r->offset * bs;
		rlen = r->len * bs;
		img = (uint64_t)fs->offset + r->addr * bs;
		if (img < r->addr * bs)
			continue;
		if (roff < skip) {
			cut = skip - roff < rlen ? skip - roff : rlen;
			roff += cut;
			img += cut;
			rlen -= cut;
		}
		if (rlen == 0)
			continue;
		foff = roff - skip;
		if (foff >= size)
			continue;
		if (rlen > size - foff)
			rlen = size - foff;
		if (img >= limit)
			continue;
		if (rlen > limit - img)
			rlen = limit - img;
		if ((rc = add_run(runs, n, &cap, foff, img, rlen, err)) !=
		    ETK_OK) {
			free(*runs);
			*runs = NULL;
			*n = 0;
			goto out;
		}
	}
out:
	tsk_error_reset();
	tsk_fs_file_close(f);
	return rc;
}

/* ---- unallocated space ---- */

struct ublk {
	etk_extent_cb cb;
	void *arg;
	int slot;
	uint64_t fsoff, bs, limit;
	uint64_t start, n;	/* pending run of blocks */
	int have, stop;
};

static int
ublk_flush(struct ublk *u)
{
	uint64_t off, len;

	if (!u->have)
		return 0;
	u->have = 0;
	if (u->start > (UINT64_MAX - u->fsoff) / u->bs)
		return 0;
	off = u->fsoff + u->start * u->bs;
	len = u->n * u->bs;
	if (off >= u->limit)
		return 0;
	if (len > u->limit - off)
		len = u->limit - off;
	if (u->cb(u->slot, off, len, u->arg) != 0)
		u->stop = 1;
	return u->stop;
}

static TSK_WALK_RET_ENUM
ublk_cb(const TSK_FS_BLOCK *blk, void *arg)
{
	struct ublk *u = arg;

	if (u->have && blk->addr == u->start + u->n) {
		u->n++;
		return TSK_WALK_CONT;
	}
	if (ublk_flush(u))
		return TSK_WALK_STOP;
	u->have = 1;
	u->start = blk->addr;
	u->n = 1;
	return TSK_WALK_CONT;
}

static int
tsk_unalloc(struct etk_evidence *ev, void *bctx, int volume,
    etk_extent_cb cb, void *arg, struct etk_error *err)
{
	struct tsk_ctx *t = bctx;
	const struct etk_volume *v;
	TSK_FS_INFO *fs;
	struct ublk u;
	uint64_t limit = etk_source_size(t->ext->src), len;
	char ctx[256];
	size_t vi;

	(void)ev;
	for (vi = 0; vi < t->nvols; vi++) {
		v = &t->vols[vi];
		if (volume >= 0 && v->slot != volume)
			continue;
		if ((v->flags & ETK_VOL_ALLOC) && t->tv[vi].fs != NULL) {
			fs = t->tv[vi].fs;
			memset(&u, 0, sizeof(u));
			u.cb = cb;
			u.arg = arg;
			u.slot = v->slot;
			u.fsoff = (uint64_t)fs->offset;
			u.bs = fs->block_size;
			u.limit = limit;
			if (u.bs == 0 || fs->last_block_act < fs->first_block)
				continue;
			tsk_error_reset();
			t->ext->err.code = ETK_OK;
			if (tsk_fs_block_walk(fs, fs->first_block,
			    fs->last_block_act, (TSK_FS_BLOCK_WALK_FLAG_ENUM)
			    (TSK_FS_BLOCK_WALK_FLAG_UNALLOC |
			    TSK_FS_BLOCK_WALK_FLAG_AONLY), ublk_cb, &u)) {
				vol_ctx(t, vi, ctx, sizeof(ctx));
				return tsk_fail(t, err, ETK_EFORMAT,
				    "%s: unallocated blocks", ctx);
			}
			if (u.stop || ublk_flush(&u))
				return ETK_OK;
			continue;
		}
		if (!(v->flags & (ETK_VOL_UNALLOC | ETK_VOL_ALLOC)) ||
		    (v->flags & ETK_VOL_META))
			continue;
		/* Unpartitioned space, or a volume without a readable
		 * file system: all of it. */
		if (v->start >= limit)
			continue;
		len = v->len < limit - v->start ? v->len : limit - v->start;
		if (len > 0 && cb(v->slot, v->start, len, arg) != 0)
			return ETK_OK;
	}
	return ETK_OK;
}

const struct etk_backend_ops etk_backend_tsk = {
	"tsk",
	tsk_walk,
	tsk_stat,
	tsk_open_file,
	tsk_byte_runs,
	tsk_unalloc,
	tsk_close
};
