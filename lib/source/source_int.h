/*
 * lib/source internal: the backend interface behind struct etk_source.
 * Not installed.  source.c owns detection, argument checks, clipping to
 * the size, byte counting and the memory, range and custom sources; each
 * other file is one backend:
 *
 *   raw.c     regular file, block or character device (pread)
 *   split.c   split raw: x.000/x.001/..., x.aa/x.ab/...
 *   ewf.c     E01/Ex01 and split E01 (the only includer of libewf.h)
 *   tskimg.c  VMDK and VHD through TSK's image layer (the only includer
 *             of TSK headers in lib/source)
 */
#ifndef ETK_SOURCE_INT_H
#define ETK_SOURCE_INT_H

#include <sys/types.h>

#include <etk/source.h>

struct etk_source;

/* What detection learned about a path, handed to a backend's open. */
struct etk_src_probe {
	unsigned char head[512];	/* first bytes of the file */
	size_t headlen;
	unsigned char tail[512];	/* last bytes (VHD footer) */
	size_t taillen;
	uint64_t size;			/* st_size (0 for devices) */
	int is_device;			/* block or character device */
};

struct etk_src_ops {
	const char *format;	/* default etk_source_format() */
	/* Fill src (priv, size, sector_size, files, meta, hashes) for
	 * src->path.  fd is the path opened O_RDONLY (blocking), owned by
	 * the backend from here on (close it if not needed); probe is what
	 * detection read.  Errors name the layer ("ewf: ..."); source.c
	 * adds the file name in front. */
	int (*open)(struct etk_source *src, int fd,
	    const struct etk_src_probe *probe, struct etk_error *err);
	/* Read [off, off+len), already checked to lie inside the size and
	 * len > 0.  Set *nread to the bytes delivered; *nread < len with
	 * ETK_OK means the data ended early.  On error, *nread is the count
	 * of good bytes before the failing offset.  Messages name the layer
	 * and offset ("read at offset 4096: ..."); source.c adds the name. */
	int (*read)(struct etk_source *src, uint64_t off, void *buf,
	    size_t len, size_t *nread, struct etk_error *err);
	/* Release priv.  May be NULL. */
	void (*close)(struct etk_source *src);
	unsigned flags;
};

#define ETK_SRC_F_PATH	0x1	/* opened from a path: reopen works */
#define ETK_SRC_F_SHORT	0x2	/* a short read is the end of data */

#define ETK_SRC_MAXHASH	4

struct etk_source {
	const struct etk_src_ops *ops;
	void *priv;			/* backend state, owned */
	char *path;			/* as given, owned */
	char *name;			/* display name, owned */
	char *format;			/* owned copy */
	uint64_t size;
	unsigned sector_size;
	uint64_t bytes_read;

	char **files;			/* owned, nfiles entries */
	size_t nfiles;
	char **keys;			/* meta, owned */
	char **vals;
	size_t nmeta;
	char *hash_alg[ETK_SRC_MAXHASH];	/* owned */
	char *hash_hex[ETK_SRC_MAXHASH];
	size_t nhash;

	/* memory */
	const unsigned char *mem;
	/* custom */
	struct etk_source_ops custom;
	void *ctx;
	/* range */
	struct etk_source *parent;
	uint64_t base;
};

/* Backends (one per file). */
extern const struct etk_src_ops etk_src_raw;
extern const struct etk_src_ops etk_src_device;
extern const struct etk_src_ops etk_src_split;
extern const struct etk_src_ops etk_src_ewf;
extern const struct etk_src_ops etk_src_vmdk;
extern const struct etk_src_ops etk_src_vhd;

/* Signature checks over a probe: 1 if the backend claims it. */
int etk_src_ewf_detect(const struct etk_src_probe *);
int etk_src_vmdk_detect(const struct etk_src_probe *);
int etk_src_vhd_detect(const struct etk_src_probe *);
/* 1 if path names the first segment of a split raw set whose second
 * segment exists. */
int etk_src_split_detect(const char *path);

/* Helpers for backends (source.c).  All return ETK_OK or ETK_ENOMEM
 * (with err set). */
int etk_src_add_file(struct etk_source *, const char *path,
    struct etk_error *);
int etk_src_add_meta(struct etk_source *, const char *key,
    const char *value, struct etk_error *);
/* hex is stored lower-cased. */
int etk_src_add_hash(struct etk_source *, const char *alg, const char *hex,
    struct etk_error *);

/* open(2) path O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, with
 * O_NOATIME when permitted; never creates.  -1 with errno on failure.
 * Clear O_NONBLOCK after checking the file type. */
int etk_src_open_ro(const char *path);

/* pread until len bytes or end of file, retrying EINTR.  Returns the
 * count, or -1 with errno set; *done holds the bytes read before the
 * error. */
ssize_t etk_src_pread_full(int fd, void *buf, size_t len, uint64_t off,
    size_t *done);

/* Cap on a single backend call, so huge reads run in pieces. */
#define ETK_SRC_IOMAX	((size_t)16 << 20)

#endif /* ETK_SOURCE_INT_H */
